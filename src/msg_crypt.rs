//! [`MsgCrypt`]: verify, decrypt and encrypt bare ciphertexts (no envelopes here).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroize;

use crate::Error;
use crate::crypto::frame::{self, FrameParts};
use crate::crypto::key::AesKey;
use crate::crypto::{aes_cbc, b64, signature};

/// Verifies, decrypts and encrypts callbacks for one Token / EncodingAESKey / receive id.
///
/// Build it once at start-up with [`MsgCrypt::new`] and share it: it is `Clone` (cheap, the keys
/// sit behind an [`Arc`]), `Send` and `Sync`. The AES key schedule is computed once, in `new`.
/// Its [`Debug`](fmt::Debug) output never shows the token or the key.
///
/// `MsgCrypt` works on the bare ciphertext: the echostr of the GET URL check, or the `Encrypt`
/// field of a POST body. The [`xml`](crate::xml) and [`json`](crate::json) modules read and write
/// the envelopes around it.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::MsgCrypt;
///
/// // The official WeCom sample (developer.work.weixin.qq.com, 加解密方案说明).
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let echo = crypt.verify_url(
///     "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
///     "1409659589",
///     "263014780",
///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
/// )?;
/// assert_eq!(echo, "1616140317555161061");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct MsgCrypt {
    inner: Arc<Inner>,
}

struct Inner {
    token: Box<str>,
    key: AesKey,
    receive_id: Box<str>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

/// A reply encrypted by [`MsgCrypt::encrypt_msg`]: what a reply envelope carries.
///
/// Render it with [`xml::render_reply`](crate::xml::render_reply) or one of the
/// [`json`](crate::json) renderers, or build your own envelope from the fields.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::MsgCrypt;
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let reply = crypt.encrypt_msg("<xml>...</xml>", "1409659813", "1372623149")?;
/// assert_eq!(reply.timestamp, "1409659813");
/// assert_eq!(reply.msg_signature, crypt.sign(&reply.timestamp, &reply.nonce, &reply.encrypt));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptedMsg {
    /// The base64 ciphertext (the envelope's `Encrypt`).
    pub encrypt: String,
    /// The signature over token, timestamp, nonce and `encrypt` (the envelope's `MsgSignature`).
    pub msg_signature: String,
    /// The timestamp that was signed (the envelope's `TimeStamp`).
    pub timestamp: String,
    /// The nonce that was signed (the envelope's `Nonce`).
    pub nonce: String,
}

impl MsgCrypt {
    /// Creates a `MsgCrypt` from the callback settings: the Token, the 43-character
    /// EncodingAESKey, and the receive id the messages must carry.
    ///
    /// The receive id is compared exactly, as bytes. It is the corpid for a WeCom self-built
    /// app, the suite id for a third-party app's instruction callback, the empty string for the
    /// WeCom AI bot and personal third-party apps, and the appid for WeChat 公众号, 小程序 and
    /// 开放平台.
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
        if token.is_empty() {
            return Err(Error::EmptyToken);
        }
        let key = AesKey::from_encoding_aes_key(encoding_aes_key)?;
        Ok(MsgCrypt {
            inner: Arc::new(Inner { token: token.into(), key, receive_id: receive_id.into() }),
        })
    }

    /// Answers WeCom's GET URL check: verifies `msg_signature` over `echostr`, decrypts it, and
    /// returns the plaintext to send back as the response body (status 200, nothing else: no
    /// quotes, no newline).
    ///
    /// Pass the four query parameters URL-decoded exactly once. A space in `echostr` is read as
    /// `+` (base64 has no spaces, so it can only be a `+` that was form-decoded).
    ///
    /// WeChat 公众号/小程序 URL checks are different: there the echostr is returned unchanged
    /// after checking the plain `signature`.
    ///
    /// # Errors
    ///
    /// The same as [`decrypt_msg`](MsgCrypt::decrypt_msg).
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let echo = crypt.verify_url(
    ///     "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    ///     "1409659589",
    ///     "263014780",
    ///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    /// )?;
    /// assert_eq!(echo, "1616140317555161061");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String, Error> {
        self.decrypt_msg(msg_signature, timestamp, nonce, echostr)
    }

    /// Verifies `msg_signature` over the bare ciphertext `encrypt` (a POST body's `Encrypt`
    /// value) and returns the decrypted message: XML for most callbacks, JSON for the WeCom AI
    /// bot and JSON-mode 小程序.
    ///
    /// The signature is checked, in constant time, before any base64 or AES work. A space in
    /// `encrypt` is read as `+`. To read the ciphertext out of a body, use
    /// [`xml::decrypt_msg`](crate::xml::decrypt_msg) or [`json::decrypt_msg`](crate::json::decrypt_msg).
    ///
    /// # Errors
    ///
    /// Checked in this order, one code per fault:
    /// - [`Error::SignatureMismatch`] (`-40001`): the signature does not match.
    /// - [`Error::InvalidBase64`] (`-40010`): `encrypt` is not valid base64.
    /// - [`Error::InvalidCiphertextLength`] (`-40007`): empty, or not whole 16-byte blocks.
    /// - [`Error::InvalidPadding`] (`-40007`): malformed padding (usually a wrong key).
    /// - [`Error::FrameTooShort`], [`Error::MessageLengthOutOfRange`] (`-40008`): malformed frame.
    /// - [`Error::ReceiveIdMismatch`] (`-40005`): the frame's receive id is not the configured one.
    /// - [`Error::MessageNotUtf8`] (`-40008`): the message is not UTF-8.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::MsgCrypt;
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("<xml><Content>hi</Content></xml>", "1409659813", "1372623149")?;
    /// let message = crypt.decrypt_msg(&sent.msg_signature, "1409659813", "1372623149", &sent.encrypt)?;
    /// assert_eq!(message, "<xml><Content>hi</Content></xml>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn decrypt_msg(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, Error> {
        let mut buf = Vec::new();
        let parts = self.open(msg_signature, timestamp, nonce, encrypt, &mut buf)?;
        // Move the message to the front of the buffer and hand the buffer over as the String:
        // the decoded ciphertext is the only allocation.
        let len = parts.msg.len();
        buf.copy_within(parts.msg, 0);
        buf.truncate(len);
        String::from_utf8(buf).map_err(|_| Error::MessageNotUtf8)
    }

    /// Like [`decrypt_msg`](MsgCrypt::decrypt_msg), but decrypts into `buf` and borrows the
    /// message from it: once `buf` has grown to the size of the largest message, no call
    /// allocates.
    ///
    /// `buf`'s previous contents are replaced. After the call it holds the decrypted frame;
    /// clear it yourself if that matters to you.
    ///
    /// # Errors
    ///
    /// The same as [`decrypt_msg`](MsgCrypt::decrypt_msg).
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("hello", "1409659813", "1372623149")?;
    /// let mut buf = Vec::new();
    /// let message = crypt.decrypt_msg_into(&sent.msg_signature, "1409659813", "1372623149", &sent.encrypt, &mut buf)?;
    /// assert_eq!(message, "hello");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn decrypt_msg_into<'b>(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b str, Error> {
        let parts = self.open(msg_signature, timestamp, nonce, encrypt, buf)?;
        let msg = buf.get(parts.msg).ok_or(Error::MessageLengthOutOfRange)?;
        core::str::from_utf8(msg).map_err(|_| Error::MessageNotUtf8)
    }

    /// Encrypts a reply with 16 fresh random bytes from the operating system's CSPRNG (through
    /// `rand`'s thread-local generator) and signs it with `timestamp` and `nonce`.
    ///
    /// `timestamp` is usually the current Unix time in seconds and `nonce` a random string; both
    /// are passed in (the crate reads no clock) and returned unchanged in the result.
    ///
    /// # Errors
    ///
    /// [`Error::ReplyTooLarge`] (`-40006`) if `reply` is 4 GiB or longer.
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let reply = crypt.encrypt_msg("<xml>...</xml>", "1409659813", "1372623149")?;
    /// assert_eq!(reply.nonce, "1372623149");
    /// assert_eq!(reply.msg_signature.len(), 40);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn encrypt_msg(
        &self,
        reply: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<EncryptedMsg, Error> {
        let mut random = [0u8; 16];
        rand::fill(&mut random);
        self.encrypt_msg_with_random(reply, timestamp, nonce, &random)
    }

    /// Encrypts a reply with the caller's 16 random bytes: deterministic, for tests and
    /// known-answer checks. In production use [`encrypt_msg`](MsgCrypt::encrypt_msg).
    ///
    /// # Errors
    ///
    /// [`Error::ReplyTooLarge`] (`-40006`) if `reply` is 4 GiB or longer.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::MsgCrypt;
    ///
    /// // The official WeChat Java sample (WXBizMsgCryptTest.testAesEncrypt).
    /// let crypt = MsgCrypt::new("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")?;
    /// let reply = crypt.encrypt_msg_with_random("我是中文abcd123", "1409304348", "xxxxxx", b"aaaabbbbccccdddd")?;
    /// assert_eq!(
    ///     reply.encrypt,
    ///     "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    /// );
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn encrypt_msg_with_random(
        &self,
        reply: &str,
        timestamp: &str,
        nonce: &str,
        random: &[u8; 16],
    ) -> Result<EncryptedMsg, Error> {
        let inner = &*self.inner;
        let mut buf = Vec::new();
        frame::build(&mut buf, random, reply.as_bytes(), inner.receive_id.as_bytes())?;
        aes_cbc::pad_and_encrypt(&inner.key, &mut buf);
        let encrypt = b64::encode(&buf);
        let msg_signature = self.sign(timestamp, nonce, &encrypt);
        Ok(EncryptedMsg {
            encrypt,
            msg_signature,
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        })
    }

    /// Computes the `msg_signature` for a ciphertext: the lowercase hex SHA-1 of the token,
    /// `timestamp`, `nonce` and `encrypt`, sorted bytewise and concatenated.
    ///
    /// Useful to build a signed request in a test, or a reply envelope of your own. To *check* a
    /// signature use the decrypting methods, which compare in constant time.
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    /// assert_eq!(crypt.sign("1409659589", "263014780", echostr), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn sign(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature::to_string(&self.signature_of(timestamp, nonce, encrypt))
    }

    fn signature_of(&self, timestamp: &str, nonce: &str, encrypt: &str) -> signature::Hex {
        signature::sign([
            self.inner.token.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            encrypt.as_bytes(),
        ])
    }

    /// Verifies, decodes, decrypts and parses into `buf`, checking every fault up to the receive
    /// id in the order of protocol.md §4. Returns where the message lies in `buf`.
    fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
        buf: &mut Vec<u8>,
    ) -> Result<FrameParts, Error> {
        let encrypt = plus_for_space(encrypt);
        let expected = self.signature_of(timestamp, nonce, &encrypt);
        if !signature::matches(&expected, msg_signature) {
            return Err(Error::SignatureMismatch);
        }
        b64::decode_into(encrypt.as_bytes(), buf)?;
        let inner = &*self.inner;
        let len = aes_cbc::decrypt_and_unpad(&inner.key, buf)?;
        let frame = buf.get(..len).ok_or(Error::InvalidPadding)?;
        let parts = frame::parse(frame)?;
        if frame.get(parts.receive_id.clone()) != Some(inner.receive_id.as_bytes()) {
            return Err(Error::ReceiveIdMismatch);
        }
        Ok(parts)
    }
}

/// Reads every space as `+`: base64 has no spaces, so a space can only be a `+` that a form
/// decoder (or a second URL-decoding) turned into one. Borrows unless there is a space.
fn plus_for_space(text: &str) -> Cow<'_, str> {
    if text.contains(' ') { Cow::Owned(text.replace(' ', "+")) } else { Cow::Borrowed(text) }
}

impl fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("token", &"[redacted]")
            .field("encoding_aes_key", &"[redacted]")
            .field("receive_id", &self.inner.receive_id)
            .finish()
    }
}
