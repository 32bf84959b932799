//! [`MsgCrypt`]: verify, decrypt and encrypt bare ciphertexts (no envelopes here).
//!
//! - `builder`: the configuration ([`MsgCryptBuilder`]);
//! - `decrypt`: the URL check and messages, in the order of protocol.md §4;
//! - `decrypted`: [`Decrypted`], the message with what it takes to answer it;
//! - `encrypt`: the one sealing primitive every reply goes through, and the sender's call;
//! - `scratch`: the per-thread buffer a frame is decrypted or encrypted in.

mod builder;
mod decrypt;
mod decrypted;
mod encrypt;
mod scratch;

use std::fmt;
use std::sync::Arc;

pub use builder::MsgCryptBuilder;
pub use decrypted::Decrypted;
pub use encrypt::EncryptedMsg;

use crate::Stamp;
use crate::crypto::key::AesKey;
use crate::crypto::signature::Token;
use crate::error::Error;

/// Verifies, decrypts and encrypts callbacks for one Token / EncodingAESKey / receive id.
///
/// Build it once at start-up with [`MsgCrypt::new`] (or [`MsgCrypt::builder`]) and share it:
/// it is `Clone` (cheap, the keys sit behind an [`Arc`]), `Send` and `Sync`. The AES key
/// schedule is computed once, in `new`. Its [`Debug`](fmt::Debug) output never shows the token
/// or the key.
///
/// `MsgCrypt` works on the bare ciphertext: the echostr of the GET URL check, or the `Encrypt`
/// field of a POST body. The [`xml`](crate::xml) and [`json`](crate::json) modules read and
/// write the envelopes around it.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};
///
/// // The official WeCom sample (developer.work.weixin.qq.com, 加解密方案说明).
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let query = CallbackQuery::parse(
///     "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780\
///      &echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D",
/// )?;
/// let echo = crypt.verify_url(query.signed(), query.echostr()?)?;
/// assert_eq!(echo, "1616140317555161061");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct MsgCrypt {
    inner: Arc<Inner>,
}

/// A `MsgCrypt`'s configuration, shared by its clones and by every [`Decrypted`] it made.
struct Inner {
    /// Wiped on drop.
    token: Token,
    current: Arc<AesKey>,
    previous: Option<Arc<AesKey>>,
    /// The receive ids a message may carry; the first is the one `encrypt_msg` writes.
    receive_ids: Vec<Arc<str>>,
    /// Set by [`MsgCryptBuilder::any_receive_id`]: accept whatever receive id a message carries.
    accept_any_receive_id: bool,
    /// How many AES decryptions this configuration made (feature `__count-decryptions`, for
    /// tests only).
    #[cfg(feature = "__count-decryptions")]
    decryptions: std::sync::atomic::AtomicUsize,
}

impl MsgCrypt {
    /// Creates a `MsgCrypt` from the callback settings: the Token, the 43-character
    /// EncodingAESKey, and the receive id the messages must carry.
    ///
    /// The receive id is compared exactly, as bytes. It is the corpid for a WeCom self-built
    /// app, the empty string for the WeCom AI bot and personal third-party apps, and the appid
    /// for WeChat 公众号, 小程序 and 开放平台. A WeCom third-party suite sees three: the suite id
    /// in its instruction callbacks, the authorising company's corpid in its data callbacks,
    /// and the service provider's own corpid in the URL checks the admin console sends when
    /// the URLs are saved (not the suite id: a URL check that fails with `-40005` is that);
    /// build it with [`MsgCrypt::builder`].
    ///
    /// # Errors
    ///
    /// - [`Error::EmptyToken`] (`-40003`) if `token` is empty: anyone could forge signatures.
    /// - [`Error::InvalidAesKey`] (`-40004`) unless `encoding_aes_key` is 43 base64 characters
    ///   that decode to 32 bytes. The last character's unused low bits may be set, as they are in
    ///   most real keys.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{Error, MsgCrypt};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// assert_eq!(MsgCrypt::new("QDG6eK", "too-short", "wx5823bf96d3bd56c7").unwrap_err(), Error::InvalidAesKey);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<MsgCrypt, Error> {
        MsgCrypt::builder(token, encoding_aes_key).receive_id(receive_id).build()
    }

    /// Starts a [`MsgCryptBuilder`]: several receive ids, any receive id, or a previous
    /// EncodingAESKey to fall back to during a key change.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::MsgCrypt;
    ///
    /// // A WeCom third-party suite's instruction URL: its callbacks carry the suite id, the
    /// // console's URL check the provider's own corpid.
    /// let suite_id = "ww4asffe99e54c0fxxxx";
    /// let provider_corpid = "wx5823bf96d3bd56c7";
    /// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .receive_id(suite_id)
    ///     .receive_id(provider_corpid)
    ///     .build()?;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn builder(token: &str, encoding_aes_key: &str) -> MsgCryptBuilder {
        MsgCryptBuilder::new(token, encoding_aes_key)
    }
}

impl MsgCrypt {
    /// Verifies WeChat's plain `signature` with this `MsgCrypt`'s token, as
    /// [`verify_plain_signature`](crate::verify_plain_signature) does: what the URL check of
    /// 公众号 and 小程序 is signed with in every mode, safe mode included (their messages then
    /// carry `msg_signature`, for [`decrypt_msg`](MsgCrypt::decrypt_msg)).
    ///
    /// # Errors
    ///
    /// [`Error::SignatureMismatch`] (`-40001`) if `signature` does not match.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, PlainQuery};
    ///
    /// // A 公众号 in safe mode: its appid is the receive id.
    /// let crypt = MsgCrypt::new("pamtest", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let query = PlainQuery::parse("signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238")?;
    /// crypt.verify_plain_signature(query.signature(), query.stamp())?;
    /// assert_eq!(query.echostr()?, "3141592653589793238");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn verify_plain_signature(&self, signature: &str, stamp: Stamp<'_>) -> Result<(), Error> {
        crate::plain::verify_with(&self.inner.token, signature, stamp)
    }

    /// How many AES decryptions this configuration made (feature `__count-decryptions`).
    #[cfg(feature = "__count-decryptions")]
    pub(crate) fn decryptions(&self) -> usize {
        self.inner.decryptions.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A 256-bit secret derived from the current EncodingAESKey for one `purpose`: AES-256 (a
    /// pseudorandom permutation keyed by it) over two blocks made of the purpose, so that the
    /// output says nothing of the key and nothing of the secrets derived for other purposes.
    /// Equal for every process configured with the same key. For keying what a service keeps
    /// outside itself (de-duplication keys in a shared store), never for encryption.
    pub(crate) fn derive_secret(&self, purpose: &[u8; 15]) -> [u8; 32] {
        use aes::cipher::BlockCipherEncrypt;
        let mut out = [0u8; 32];
        for (index, half) in out.chunks_exact_mut(16).enumerate() {
            let mut block = aes::Block::default();
            if let Some((last, head)) = block.split_last_mut() {
                head.copy_from_slice(purpose);
                *last = index as u8;
            }
            self.inner.current.cipher.encrypt_block(&mut block);
            half.copy_from_slice(&block);
        }
        out
    }
}

impl fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("token", &"[redacted]")
            .field("encoding_aes_key", &"[redacted]")
            .field("receive_ids", &self.inner.receive_ids)
            .field("accept_any_receive_id", &self.inner.accept_any_receive_id)
            .field("previous_key", &self.inner.previous.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Which of a [`MsgCrypt`]'s keys opened a message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{KeyUsed, MsgCrypt, Signed, Stamp};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww1")?;
/// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
/// assert_eq!(crypt.decrypt_msg(signed, sent.encrypt())?.key_used(), KeyUsed::Current);
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyUsed {
    /// The current EncodingAESKey (the one given to [`MsgCrypt::new`] or
    /// [`MsgCrypt::builder`]).
    Current,
    /// The previous EncodingAESKey given to [`MsgCryptBuilder::previous_key`]. Once no message
    /// needs it any more, drop it from the configuration.
    Previous,
}
