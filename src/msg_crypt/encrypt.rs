//! The sending direction: one sealing primitive that every reply goes through, whatever its
//! envelope, and the sender's call [`MsgCrypt::encrypt_msg`].

use super::MsgCrypt;
use super::scratch::with_scratch;
use crate::Stamp;
use crate::crypto::key::AesKey;
use crate::crypto::signature::{self, Signature, Token};
use crate::crypto::{aes_cbc, b64, frame};
use crate::error::Error;

/// An encrypted and signed message: what a reply envelope carries.
///
/// Made by [`Decrypted::encrypt_reply`](crate::Decrypted::encrypt_reply) (a reply) or
/// [`MsgCrypt::encrypt_msg`] (a sender's message). Render it with
/// [`xml::render_reply`](crate::xml::render_reply) or one of the [`json`](crate::json)
/// renderers, or build your own envelope from its parts. The signature covers the other three,
/// so they cannot be changed: there are accessors, no public fields.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Stamp};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("<xml>...</xml>", Stamp::from_parts("1409659813", "1372623149"))?;
/// assert_eq!((sent.timestamp(), sent.nonce()), ("1409659813", "1372623149"));
/// assert_eq!(sent.msg_signature(), crypt.sign(sent.stamp(), sent.encrypt()));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedMsg {
    encrypt: String,
    msg_signature: String,
    timestamp: String,
    nonce: String,
}

impl EncryptedMsg {
    /// The base64 ciphertext (the envelope's `Encrypt`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Stamp;
    /// let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// assert_eq!(sent.encrypt().len() % 4, 0);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn encrypt(&self) -> &str {
        &self.encrypt
    }

    /// The signature over token, timestamp, nonce and [`encrypt`](EncryptedMsg::encrypt) (the
    /// envelope's `MsgSignature`): 40 lowercase hex characters.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Stamp;
    /// let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// assert_eq!(sent.msg_signature().len(), 40);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn msg_signature(&self) -> &str {
        &self.msg_signature
    }

    /// The timestamp that was signed (the envelope's `TimeStamp`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Stamp;
    /// let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// assert_eq!(sent.timestamp(), "1409659813");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The timestamp and nonce that were signed, as one value.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Stamp;
    /// let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// assert_eq!(sent.stamp(), Stamp::from_parts("1409659813", "1372623149"));
    /// assert_eq!(crypt.sign(sent.stamp(), sent.encrypt()), sent.msg_signature());
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn stamp(&self) -> Stamp<'_> {
        Stamp::from_parts(&self.timestamp, &self.nonce)
    }

    /// The nonce that was signed (the envelope's `Nonce`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Stamp;
    /// let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// assert_eq!(sent.nonce(), "1372623149");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

impl MsgCrypt {
    /// Encrypts and signs a message as a *sender* does (WeCom, or a test standing in for it):
    /// with the current key, the first configured receive id, and 16 fresh random bytes from
    /// the operating system's CSPRNG.
    ///
    /// To answer a message, use [`Decrypted::encrypt_reply`](crate::Decrypted::encrypt_reply)
    /// instead: it seals with the key and receive id of the message, which this does not know.
    ///
    /// # Errors
    ///
    /// - [`Error::ReceiveIdRequired`] (`-40005`) if the builder was given
    ///   [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id) and no receive id.
    /// - [`Error::ReplyTooLarge`] (`-40006`) if `msg` is 4 GiB or longer.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("<xml>...</xml>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// assert_eq!(crypt.decrypt_msg(signed, sent.encrypt())?.message(), "<xml>...</xml>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn encrypt_msg(&self, msg: &str, stamp: Stamp<'_>) -> Result<EncryptedMsg, Error> {
        self.sender()?.seal(msg, &fresh_random(), stamp)
    }

    /// Computes the `msg_signature` for a ciphertext: the lowercase hex SHA-1 of the token,
    /// the stamp's timestamp and nonce, and `encrypt`, sorted bytewise and concatenated.
    ///
    /// Useful to build a signed request in a test, or a reply envelope of your own. To *check* a
    /// signature use the decrypting methods, which compare in constant time.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    /// assert_eq!(crypt.sign(Stamp::from_parts("1409659589", "263014780"), echostr), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn sign(&self, stamp: Stamp<'_>, encrypt: &str) -> String {
        let public = [stamp.timestamp().as_bytes(), stamp.nonce().as_bytes(), encrypt.as_bytes()];
        signature::sign(&self.inner.token, public).to_hex_string()
    }

    /// What a sender seals with: the current key and the first receive id.
    pub(crate) fn sender(&self) -> Result<Sealer<'_>, Error> {
        let inner = &*self.inner;
        let receive_id = inner.receive_ids.first().ok_or(Error::ReceiveIdRequired)?;
        Ok(Sealer::new(&inner.token, &inner.current, receive_id))
    }
}

/// What a message is sealed with: the token that signs it, the key that encrypts it, and the
/// receive id its frame carries.
pub(crate) struct Sealer<'a> {
    token: &'a Token,
    key: &'a AesKey,
    receive_id: &'a str,
}

impl<'a> Sealer<'a> {
    pub(super) fn new(token: &'a Token, key: &'a AesKey, receive_id: &'a str) -> Sealer<'a> {
        Sealer { token, key, receive_id }
    }

    /// Seals `msg` into an [`EncryptedMsg`] of its own.
    pub(crate) fn seal(
        &self,
        msg: &str,
        random: &[u8; 16],
        stamp: Stamp<'_>,
    ) -> Result<EncryptedMsg, Error> {
        let (timestamp, nonce) = (stamp.timestamp(), stamp.nonce());
        let mut encrypt = String::new();
        let msg_signature = self.seal_appending(msg, random, timestamp, nonce, &mut encrypt)?;
        Ok(EncryptedMsg {
            encrypt,
            msg_signature: msg_signature.to_hex_string(),
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        })
    }

    /// The crate's one sealing primitive: frames `msg` with `random` and the receive id, pads
    /// and encrypts it, appends the base64 ciphertext to `out`, and returns its signature over
    /// the token, `timestamp` and `nonce`.
    ///
    /// The frame is built in the per-thread scratch buffer, and `out` grows at most once (not
    /// at all if it has room for [`ciphertext_len`](Sealer::ciphertext_len) more bytes), so
    /// an envelope writer that sized its body allocates nothing else.
    pub(crate) fn seal_appending(
        &self,
        msg: &str,
        random: &[u8; 16],
        timestamp: &str,
        nonce: &str,
        out: &mut String,
    ) -> Result<Signature, Error> {
        with_scratch(|buf| {
            let frame_len = frame::len(msg.len(), self.receive_id.len())?;
            let pad = aes_cbc::pad_len(frame_len);
            frame::build(buf, random, msg.as_bytes(), self.receive_id.as_bytes(), pad)?;
            aes_cbc::pad_and_encrypt(self.key, buf)?;
            let start = out.len();
            out.reserve(b64::encoded_len(buf.len()));
            b64::encode_appending(buf, out)?;
            let encrypt = out.get(start..).ok_or(Error::EncodeBase64Failed)?;
            let public = [timestamp.as_bytes(), nonce.as_bytes(), encrypt.as_bytes()];
            Ok(signature::sign(self.token, public))
        })
    }
}

/// The length of the base64 ciphertext [`Sealer::seal_appending`] appends for a message and
/// receive id of these lengths (saturating: a message too large to seal is refused there).
#[cfg(any(feature = "xml", feature = "json"))]
pub(crate) fn sealed_len(msg_len: usize, receive_id_len: usize) -> usize {
    let frame_len = msg_len.saturating_add(frame::HEADER_LEN).saturating_add(receive_id_len);
    b64::encoded_len(frame_len.saturating_add(aes_cbc::pad_len(frame_len)))
}

/// The 16 random bytes that open a frame, from `rand`'s thread-local CSPRNG (ChaCha, seeded
/// and reseeded from the operating system).
pub(crate) fn fresh_random() -> [u8; 16] {
    let mut random = [0u8; 16];
    rand::fill(&mut random);
    random
}
