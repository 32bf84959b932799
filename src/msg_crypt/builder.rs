//! [`MsgCryptBuilder`]: what [`MsgCrypt::new`] cannot say in three arguments.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroize;

use super::{Inner, MsgCrypt};
use crate::crypto::key::AesKey;
use crate::crypto::signature::Token;
use crate::error::Error;

/// Builds a [`MsgCrypt`] that accepts several receive ids, any receive id, or a previous
/// EncodingAESKey. Start it with [`MsgCrypt::builder`].
///
/// Nothing is checked until [`build`](MsgCryptBuilder::build). Its `Debug` output redacts the
/// token and the keys.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::MsgCrypt;
///
/// // During a key change in the admin console: messages may come with either key for a while.
/// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
///     .previous_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
///     .receive_id("wx5823bf96d3bd56c7")
///     .build()?;
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct MsgCryptBuilder {
    token: String,
    encoding_aes_key: String,
    previous_key: Option<String>,
    receive_ids: Vec<String>,
    any_receive_id: bool,
}

impl MsgCryptBuilder {
    pub(crate) fn new(token: &str, encoding_aes_key: &str) -> MsgCryptBuilder {
        MsgCryptBuilder {
            token: token.to_owned(),
            encoding_aes_key: encoding_aes_key.to_owned(),
            previous_key: None,
            receive_ids: Vec::new(),
            any_receive_id: false,
        }
    }

    /// Accepts messages that carry exactly this receive id (compared as bytes). Call it once per
    /// id: a message may carry any of them. A reply carries the receive id of the message it
    /// answers; the first id is the one [`MsgCrypt::encrypt_msg`] (a sender's call) writes.
    ///
    /// # Example
    ///
    /// ```
    /// let crypt = wxbizmsgcrypt::MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .receive_id("ww-suite-id")
    ///     .receive_id("ww-corp-a")
    ///     .build()?;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn receive_id(mut self, receive_id: &str) -> MsgCryptBuilder {
        self.receive_ids.push(receive_id.to_owned());
        self
    }

    /// Accepts a message whatever receive id it carries, instead of checking it.
    ///
    /// This is for a WeCom third-party service provider's data callback, where the receive id
    /// is the corpid of whichever company authorised the app: one endpoint, many corpids. The
    /// signature and the key still protect the message; read the receive id from
    /// [`Decrypted::receive_id`](crate::Decrypted::receive_id), check it against the companies
    /// you serve, and reply with [`Decrypted::encrypt_reply`](crate::Decrypted::encrypt_reply),
    /// which answers with that receive id.
    ///
    /// # Example
    ///
    /// ```
    /// let crypt = wxbizmsgcrypt::MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .any_receive_id()
    ///     .build()?;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn any_receive_id(mut self) -> MsgCryptBuilder {
        self.any_receive_id = true;
        self
    }

    /// Also tries the previous EncodingAESKey, during a key change.
    ///
    /// As WeChat's documentation asks: the current key is tried first; only when the signature
    /// has verified and the current key fails to open the message (bad padding, malformed
    /// frame, wrong receive id) is the previous key tried. If it fails too, the error reported
    /// is the current key's. A reply made from the [`Decrypted`](crate::Decrypted) is sealed
    /// with the key that opened the message.
    ///
    /// # Example
    ///
    /// ```
    /// let crypt = wxbizmsgcrypt::MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .previous_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    ///     .receive_id("wx5823bf96d3bd56c7")
    ///     .build()?;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn previous_key(mut self, encoding_aes_key: &str) -> MsgCryptBuilder {
        if let Some(mut old) = self.previous_key.replace(encoding_aes_key.to_owned()) {
            old.zeroize();
        }
        self
    }

    /// Checks the configuration, computes the key schedules and builds the [`MsgCrypt`].
    ///
    /// # Errors
    ///
    /// - [`Error::EmptyToken`] (`-40003`) if the token is empty.
    /// - [`Error::InvalidAesKey`] (`-40004`) if the key or the previous key is not 43 base64
    ///   characters decoding to 32 bytes.
    /// - [`Error::ReceiveIdRequired`] (`-40005`) if neither
    ///   [`receive_id`](MsgCryptBuilder::receive_id) nor
    ///   [`any_receive_id`](MsgCryptBuilder::any_receive_id) was called: leaving the check out
    ///   must be said out loud.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{Error, MsgCrypt};
    ///
    /// let missing = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").build();
    /// assert_eq!(missing.unwrap_err(), Error::ReceiveIdRequired);
    /// ```
    pub fn build(self) -> Result<MsgCrypt, Error> {
        if self.token.is_empty() {
            return Err(Error::EmptyToken);
        }
        if self.receive_ids.is_empty() && !self.any_receive_id {
            return Err(Error::ReceiveIdRequired);
        }
        let current = Arc::new(AesKey::from_encoding_aes_key(&self.encoding_aes_key)?);
        let previous = match self.previous_key.as_deref() {
            Some(key) => Some(Arc::new(AesKey::from_encoding_aes_key(key)?)),
            None => None,
        };
        let inner = Inner {
            token: Token::new(&self.token),
            current,
            previous,
            receive_ids: self.receive_ids.iter().map(|id| Arc::from(id.as_str())).collect(),
            accept_any_receive_id: self.any_receive_id,
            #[cfg(feature = "__count-decryptions")]
            decryptions: std::sync::atomic::AtomicUsize::new(0),
        };
        Ok(MsgCrypt { inner: Arc::new(inner) })
    }
}

impl Drop for MsgCryptBuilder {
    fn drop(&mut self) {
        self.token.zeroize();
        self.encoding_aes_key.zeroize();
        if let Some(key) = self.previous_key.as_mut() {
            key.zeroize();
        }
    }
}

impl fmt::Debug for MsgCryptBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCryptBuilder")
            .field("token", &"[redacted]")
            .field("encoding_aes_key", &"[redacted]")
            .field("previous_key", &self.previous_key.as_ref().map(|_| "[redacted]"))
            .field("receive_ids", &self.receive_ids)
            .field("any_receive_id", &self.any_receive_id)
            .finish()
    }
}
