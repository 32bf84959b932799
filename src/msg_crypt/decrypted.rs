//! [`Decrypted`]: a message, and what it takes to answer it.

use std::fmt;
use std::sync::Arc;

#[cfg(any(feature = "xml", feature = "json"))]
use super::encrypt::sealed_len;
use super::encrypt::{EncryptedMsg, Sealer, fresh_random};
use super::{Inner, KeyUsed};
use crate::Stamp;
use crate::crypto::key::AesKey;
#[cfg(any(feature = "xml", feature = "json"))]
use crate::crypto::signature::Signature;
use crate::error::Error;
use crate::media::MediaKey;

/// A message decrypted by [`MsgCrypt::decrypt_msg`](crate::MsgCrypt::decrypt_msg) (or
/// [`xml::decrypt_msg`](crate::xml::decrypt_msg), [`json::decrypt_msg`](crate::json::decrypt_msg)):
/// the message, the receive id it carried, the key that opened it, and the token of the
/// `MsgCrypt` that verified it.
///
/// A reply is made *from* it ([`encrypt_reply`](Decrypted::encrypt_reply),
/// [`xml::encrypt_reply`](crate::xml::encrypt_reply), [`json::encrypt_reply`](crate::json::encrypt_reply)),
/// so it is signed and sealed exactly as the request was, whatever the configuration: during a
/// key change a message sent with the previous key is answered with the previous key, and under
/// [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id) each company is answered with its
/// own corpid.
///
/// Its `Debug` output shows the receive id and the key slot, never the message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("secret", Stamp::from_parts("1409659813", "1372623149"))?;
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
/// assert_eq!(decrypted.message(), "secret");
/// assert!(!format!("{decrypted:?}").contains("secret"));
/// let reply = decrypted.encrypt_reply("got it", Stamp::from_parts("1409659814", "42"))?;
/// assert_eq!(reply.timestamp(), "1409659814");
/// assert_eq!(decrypted.into_message(), "secret");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct Decrypted {
    message: String,
    receive_id: Arc<str>,
    /// The configuration that verified the message: its token signs the reply, and the key
    /// named by `key_used` seals it.
    crypt: Arc<Inner>,
    key_used: KeyUsed,
}

impl Decrypted {
    pub(super) fn new(
        message: String,
        receive_id: Arc<str>,
        crypt: Arc<Inner>,
        key_used: KeyUsed,
    ) -> Decrypted {
        Decrypted { message, receive_id, crypt, key_used }
    }

    /// The decrypted message: XML for most callbacks, JSON for the WeCom AI bot and JSON-mode
    /// 小程序.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("<xml/>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// assert_eq!(crypt.decrypt_msg(signed, sent.encrypt())?.message(), "<xml/>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The receive id the message carried (corpid, suite id, appid, or empty).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// // A service provider's data callback: any company's corpid is accepted, and read here.
    /// let provider = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").any_receive_id().build()?;
    /// let company = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-corp-a")?;
    /// let sent = company.encrypt_msg("<xml/>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// assert_eq!(provider.decrypt_msg(signed, sent.encrypt())?.receive_id(), "ww-corp-a");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// Which key opened the message.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{KeyUsed, MsgCrypt, Signed, Stamp};
    ///
    /// let old_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    /// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .previous_key(old_key)
    ///     .receive_id("ww1")
    ///     .build()?;
    /// let sender = MsgCrypt::new("QDG6eK", old_key, "ww1")?; // still on the old key
    /// let sent = sender.encrypt_msg("<xml/>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// assert_eq!(crypt.decrypt_msg(signed, sent.encrypt())?.key_used(), KeyUsed::Previous);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn key_used(&self) -> KeyUsed {
        self.key_used
    }

    /// The message, without a copy.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("<xml/>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// let message: String = crypt.decrypt_msg(signed, sent.encrypt())?.into_message();
    /// assert_eq!(message, "<xml/>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn into_message(self) -> String {
        self.message
    }

    /// Encrypts and signs a reply to this message, with 16 fresh random bytes from the
    /// operating system's CSPRNG: sealed with the key that opened the message, carrying the
    /// receive id it carried, signed with the token that verified it.
    ///
    /// `stamp`'s timestamp is usually the current Unix time in seconds (`Stamp::new(now,
    /// nonce)`) and its nonce a random string, or the request's (`Signed::stamp`); both are
    /// passed in (the crate reads no clock) and returned unchanged in the result. Render the
    /// result with an envelope module, or call [`xml::encrypt_reply`](crate::xml::encrypt_reply)
    /// / [`json::encrypt_reply`](crate::json::encrypt_reply), which write the ciphertext straight
    /// into the body.
    ///
    /// # Errors
    ///
    /// [`Error::ReplyTooLarge`] (`-40006`) if `reply` is 4 GiB or longer.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// let provider = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").any_receive_id().build()?;
    /// let company = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-company-a")?;
    /// let sent = company.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// let message = provider.decrypt_msg(signed, sent.encrypt())?;
    ///
    /// let reply = message.encrypt_reply("hi", Stamp::from_parts("1409659814", "42"))?;
    /// // The reply carries the receive id of the message it answers.
    /// let signed = Signed { msg_signature: reply.msg_signature(), timestamp: "1409659814", nonce: "42" };
    /// assert_eq!(company.decrypt_msg(signed, reply.encrypt())?.message(), "hi");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn encrypt_reply(&self, reply: &str, stamp: Stamp<'_>) -> Result<EncryptedMsg, Error> {
        self.sealer()?.seal(reply, &fresh_random(), stamp)
    }

    /// Seals a reply like [`encrypt_reply`](Decrypted::encrypt_reply), appending the base64
    /// ciphertext to `out` (an envelope writer's body) and returning its signature.
    #[cfg(any(feature = "xml", feature = "json"))]
    pub(crate) fn seal_appending(
        &self,
        reply: &str,
        timestamp: &str,
        nonce: &str,
        out: &mut String,
    ) -> Result<Signature, Error> {
        self.sealer()?.seal_appending(reply, &fresh_random(), timestamp, nonce, out)
    }

    /// The length of the base64 ciphertext of `reply` sealed for this message.
    #[cfg(any(feature = "xml", feature = "json"))]
    pub(crate) fn ciphertext_len(&self, reply: &str) -> usize {
        sealed_len(reply.len(), self.receive_id.len())
    }

    /// The token, the key that opened the message, and its receive id.
    fn sealer(&self) -> Result<Sealer<'_>, Error> {
        Ok(Sealer::new(&self.crypt.token, self.key()?, &self.receive_id))
    }

    /// The key that opened the message.
    fn key(&self) -> Result<&AesKey, Error> {
        let inner = &*self.crypt;
        match self.key_used {
            KeyUsed::Current => Ok(&inner.current),
            KeyUsed::Previous => {
                let previous = inner.previous.as_deref();
                debug_assert!(previous.is_some(), "only a configured previous key opens a message");
                previous.ok_or(Error::EncryptFailed)
            }
        }
    }

    /// The key that opened the message, as a media key: what the AI bot's downloads are
    /// decrypted with in callback mode. During a key change, a message the previous key opened
    /// has its media encrypted with that key too, and this is it.
    ///
    /// # Errors
    ///
    /// [`Error::EncryptFailed`] (`-40006`) only if the configuration lost the key that opened
    /// the message, which cannot happen.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp, media};
    ///
    /// // The AI bot: an empty receive id; the key of the README's media example.
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "")?;
    /// let sent = crypt.encrypt_msg(r#"{"msgtype":"file","file":{"url":"https://example.com/f"}}"#, Stamp::from_parts("1700000000", "n"))?;
    /// let message = crypt.decrypt_msg(Signed { msg_signature: sent.msg_signature(), timestamp: "1700000000", nonce: "n" }, sent.encrypt())?;
    ///
    /// // What the URL returned: the file "a tiny file", encrypted.
    /// let download = [
    ///     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
    ///     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
    /// ];
    /// assert_eq!(media::decrypt(&message.media_key()?, &download)?, b"a tiny file");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn media_key(&self) -> Result<MediaKey, Error> {
        Ok(MediaKey::from_aes_key(self.key()?.clone()))
    }
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("message", &format_args!("[redacted, {} bytes]", self.message.len()))
            .field("receive_id", &self.receive_id)
            .field("key_used", &self.key_used)
            .finish()
    }
}
