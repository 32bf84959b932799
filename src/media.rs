//! Decryption of the images, files and videos the WeCom AI bot (智能机器人) sends.
//!
//! A media message (`image`, `file`, `video`, or an image inside `mixed`) carries a download
//! `url`, valid for five minutes, whose body is the file encrypted with AES-256-CBC. This
//! module decrypts that body; downloading it is the caller's (the crate does no I/O).
//!
//! # The scheme
//!
//! - The key is 32 bytes, given as base64: in callback (HTTP) mode it is the bot's
//!   **EncodingAESKey**, the same key as the message envelope; in long-connection (WebSocket)
//!   mode it is the message's own `aeskey` (`image.aeskey`, `file.aeskey`, `video.aeskey`),
//!   unique to that download URL. Tencent's webhook plugin prefers the EncodingAESKey when it
//!   has one. [`MediaKey::new`] takes either, as 43 characters or with its `=` (44).
//! - The IV is the key's first 16 bytes.
//! - The plaintext is padded with PKCS#7 to a multiple of **32** bytes (1 to 32 bytes of
//!   padding), and every padding byte is checked.
//! - There is no frame: no random prefix, no length, no receive id. Without the padding the
//!   bytes *are* the file.
//!
//! # No authentication
//!
//! The scheme has no MAC. A well-formed padding is **not** evidence that the file is the one
//! WeCom sent: whoever can change the downloaded bytes can change the decrypted file (CBC is
//! malleable), and random bytes pass the padding check about once in 256 tries. What makes a
//! download trustworthy is where its URL came from: take it only from a callback whose
//! signature verified ([`json::decrypt_msg`](crate::json::decrypt_msg)) or from the
//! authenticated long connection, and fetch it over HTTPS. Treat the file as untrusted input
//! all the same (check its type and size before handing it on).
//!
//! # One shot or streaming
//!
//! [`decrypt`] takes the whole download and returns the file. A [`Decryptor`] takes the
//! download chunk by chunk, hands out the plaintext as it goes, refuses a download longer than
//! the maximum it was given, and holds at most 48 bytes of its own (never allocating): memory
//! stays constant whatever the file's size.
//!
//! ```
//! use wxbizmsgcrypt::media::{self, Decryptor, MediaKey};
//!
//! // The bot's EncodingAESKey (the official sample key), and a download: the file "a tiny
//! // file", encrypted with Node's `crypto` (AES-256-CBC, padded to 32 bytes).
//! let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
//! let download: [u8; 32] = [
//!     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
//!     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
//! ];
//!
//! // The whole body at once…
//! assert_eq!(media::decrypt(&key, &download)?, b"a tiny file");
//!
//! // …or as it arrives, here in chunks of 5 bytes, refusing more than 50 MiB.
//! let mut decryptor = Decryptor::new(&key, 50 << 20);
//! let mut file = Vec::new();
//! for chunk in download.chunks(5) {
//!     decryptor.update(chunk, &mut file)?;
//! }
//! decryptor.finish(&mut file)?;
//! assert_eq!(file, b"a tiny file");
//! # Ok::<(), wxbizmsgcrypt::Error>(())
//! ```

use std::fmt;

use zeroize::Zeroize;

use crate::crypto::aes_cbc::{self, DecryptStream};
use crate::crypto::key::AesKey;
use crate::error::Error;

/// The key a media download is encrypted with: the bot's EncodingAESKey, or a message's own
/// `aeskey`.
///
/// The key schedule is computed once, in [`new`](MediaKey::new), and wiped when the
/// `MediaKey` is dropped. [`Debug`](fmt::Debug) shows no part of the key.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::media::MediaKey;
///
/// // A long-connection `aeskey`, padded; the same key as 43 characters.
/// let from_message = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=")?;
/// let encoding_aes_key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
/// assert_eq!(format!("{from_message:?}"), r#"MediaKey { key: "[redacted]" }"#);
/// # let _ = encoding_aes_key;
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct MediaKey {
    key: AesKey,
}

impl MediaKey {
    /// Decodes a media key: 43 base64 characters (the EncodingAESKey, or an unpadded
    /// `aeskey`), or the same followed by one `=` (a padded `aeskey`), decoding to 32 bytes.
    ///
    /// The last character's unused low bits may be set, as in most real EncodingAESKeys.
    /// Nothing else is tolerated: no whitespace, no URL-safe alphabet, no extra `=`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAesKey`] (`-40004`) if `key` is not of that form.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    /// use wxbizmsgcrypt::media::MediaKey;
    ///
    /// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
    /// let short = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2").unwrap_err();
    /// assert_eq!(short, Error::InvalidAesKey);
    /// assert_eq!(short.code(), -40004);
    /// # let _ = key;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(key: &str) -> Result<MediaKey, Error> {
        Ok(MediaKey { key: AesKey::from_media_key(key)? })
    }

    /// The media key of a key already decoded (the one that opened a message).
    pub(crate) fn from_aes_key(key: AesKey) -> MediaKey {
        MediaKey { key }
    }
}

impl fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaKey").field("key", &"[redacted]").finish()
    }
}

/// Decrypts a whole media download and returns the file.
///
/// The result is as authentic as the URL it was downloaded from, and no more (see
/// [the module docs](self)). For large files, prefer a [`Decryptor`], which never holds the
/// whole download.
///
/// # Errors
///
/// - [`Error::InvalidCiphertextLength`] (`-40007`) if `encrypted` is empty or not a multiple
///   of 16 bytes: usually a truncated download.
/// - [`Error::InvalidPadding`] (`-40007`) if the decrypted bytes do not end in 1 to 32 equal
///   padding bytes: usually the wrong key (the EncodingAESKey where the message's `aeskey` was
///   meant, or the reverse), or a corrupted download.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::Error;
/// use wxbizmsgcrypt::media::{self, MediaKey};
///
/// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
/// // "a tiny file", encrypted with Node's `crypto` (AES-256-CBC, padded to 32 bytes).
/// let download: [u8; 32] = [
///     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
///     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
/// ];
/// assert_eq!(media::decrypt(&key, &download)?, b"a tiny file");
///
/// // A truncated download.
/// let err = media::decrypt(&key, &download[..31]).unwrap_err();
/// assert_eq!(err, Error::InvalidCiphertextLength);
/// assert_eq!(err.code(), -40007);
/// # Ok::<(), Error>(())
/// ```
pub fn decrypt(key: &MediaKey, encrypted: &[u8]) -> Result<Vec<u8>, Error> {
    if encrypted.is_empty() || !encrypted.len().is_multiple_of(16) {
        // Refused before anything is copied.
        return Err(Error::InvalidCiphertextLength);
    }
    let mut buf = encrypted.to_vec();
    match aes_cbc::decrypt_and_unpad(&key.key, &mut buf) {
        Ok(len) => {
            buf.truncate(len);
            Ok(buf)
        }
        Err(err) => {
            // Decrypted, but not released: wipe it.
            buf.zeroize();
            Err(err)
        }
    }
}

/// Decrypts a media download as it arrives, in chunks of any size, in constant memory.
///
/// [`update`](Decryptor::update) decrypts each chunk and appends the plaintext to the caller's
/// `Vec`, holding back the last 32 bytes (which may be padding) and any incomplete 16-byte
/// block; [`finish`](Decryptor::finish) checks the length and the padding and appends the
/// rest. The `Decryptor` itself holds 48 bytes of data and never allocates: clear the `Vec`
/// after writing it out, and the whole download costs one chunk of memory.
///
/// **The plaintext handed out before `finish` is unchecked**: if `finish` (or `update`)
/// fails, discard everything this `Decryptor` produced. Write to a temporary file and rename
/// it only after `finish` succeeds, for example. (Even then the file is only as authentic as
/// its URL: see [the module docs](self).)
///
/// The maximum given to [`new`](Decryptor::new) bounds the ciphertext: a download that goes
/// past it is refused at the chunk that does, so a hostile or broken server cannot make you
/// read (and store) more than you chose. Tencent's webhook plugin suggests 50 MB.
///
/// After an error the `Decryptor` is spent: every later call returns the same error.
///
/// # Example
///
/// A download loop, with the HTTP client's body chunks played by `download.chunks(8)`:
///
/// ```
/// use wxbizmsgcrypt::Error;
/// use wxbizmsgcrypt::media::{Decryptor, MediaKey};
///
/// // The message's `aeskey` (long-connection mode) and its download: "a tiny file",
/// // encrypted with Node's `crypto` (AES-256-CBC, padded to 32 bytes).
/// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=")?;
/// let download: [u8; 32] = [
///     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
///     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
/// ];
/// let max_len: u64 = 50 * 1024 * 1024;
///
/// let mut decryptor = Decryptor::new(&key, max_len);
/// let mut plaintext = Vec::new();
/// let mut file = Vec::new(); // stands in for a temporary file
/// for chunk in download.chunks(8) {
///     decryptor.update(chunk, &mut plaintext)?;
///     file.extend_from_slice(&plaintext); // write it out…
///     plaintext.clear(); // …and reuse the buffer
/// }
/// decryptor.finish(&mut plaintext)?;
/// file.extend_from_slice(&plaintext);
/// assert_eq!(file, b"a tiny file"); // only now is the file complete and its padding checked
///
/// // A download longer than the maximum is refused at the chunk that goes past it.
/// let mut decryptor = Decryptor::new(&key, 16);
/// let err = decryptor.update(&download, &mut plaintext).unwrap_err();
/// assert_eq!(err, Error::MediaTooLarge);
/// assert_eq!(err.code(), -40007);
/// # Ok::<(), Error>(())
/// ```
pub struct Decryptor {
    stream: DecryptStream,
    /// The most ciphertext accepted, and how much has been.
    max_len: u64,
    received: u64,
    /// The error that spent this decryptor, if one did.
    failed: Option<Error>,
}

impl Decryptor {
    /// Starts decrypting a download of at most `max_encrypted_len` bytes of ciphertext with
    /// `key`.
    ///
    /// The `Decryptor` keeps its own copy of the key schedule (wiped when it is dropped), so it
    /// does not borrow `key`. The ciphertext is at most 32 bytes longer than the file.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::media::{Decryptor, MediaKey};
    ///
    /// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
    /// let decryptor = Decryptor::new(&key, 20 * 1024 * 1024);
    /// # let _ = decryptor;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn new(key: &MediaKey, max_encrypted_len: u64) -> Decryptor {
        Decryptor {
            stream: DecryptStream::new(&key.key),
            max_len: max_encrypted_len,
            received: 0,
            failed: None,
        }
    }

    /// Decrypts the next `chunk` of the download and appends to `out` the plaintext known not to
    /// be padding: all of it but the last 32 bytes, and none of an incomplete 16-byte block
    /// (those come with a later call, or from [`finish`](Decryptor::finish)).
    ///
    /// `out` grows by less than `chunk.len() + 48` bytes; nothing else is allocated. The
    /// plaintext is unchecked until `finish` succeeds.
    ///
    /// # Errors
    ///
    /// [`Error::MediaTooLarge`] (`-40007`) if the ciphertext so far, with `chunk`, is longer
    /// than the maximum given to [`new`](Decryptor::new). Nothing of `chunk` is decrypted and
    /// `out` is left as it was.
    ///
    /// After a failed call the `Decryptor` is spent: every later `update`, and `finish`, return
    /// the same error.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::media::{Decryptor, MediaKey};
    ///
    /// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
    /// // "a tiny file", encrypted with Node's `crypto` (AES-256-CBC, padded to 32 bytes).
    /// let download: [u8; 32] = [
    ///     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
    ///     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
    /// ];
    /// let mut decryptor = Decryptor::new(&key, 1024);
    /// let mut out = Vec::new();
    /// decryptor.update(&download, &mut out)?;
    /// // All 32 bytes of plaintext may be padding: they are held back.
    /// assert!(out.is_empty());
    /// decryptor.finish(&mut out)?;
    /// assert_eq!(out, b"a tiny file");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn update(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let received = u64::try_from(chunk.len())
            .ok()
            .and_then(|len| self.received.checked_add(len))
            .filter(|&received| received <= self.max_len);
        let result = match received {
            Some(received) => {
                self.received = received;
                self.stream.update(chunk, out)
            }
            None => Err(Error::MediaTooLarge),
        };
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// Ends the download: checks that the ciphertext was whole AES blocks and that the
    /// plaintext ends in well-formed padding, and appends the rest of the file to `out`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidCiphertextLength`] (`-40007`) if the download was empty or not a
    ///   multiple of 16 bytes: usually it was cut short.
    /// - [`Error::InvalidPadding`] (`-40007`) if the plaintext does not end in 1 to 32 equal
    ///   padding bytes: usually the wrong key, or a corrupted download.
    /// - The error of an earlier [`update`](Decryptor::update), if one failed.
    ///
    /// On any of these, discard all the plaintext this `Decryptor` handed out.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    /// use wxbizmsgcrypt::media::{Decryptor, MediaKey};
    ///
    /// let key = MediaKey::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")?;
    /// // The first 31 bytes of a 32-byte download: the connection dropped.
    /// let cut_short = [0x5au8; 31];
    /// let mut decryptor = Decryptor::new(&key, 1024);
    /// let mut out = Vec::new();
    /// decryptor.update(&cut_short, &mut out)?;
    /// let err = decryptor.finish(&mut out).unwrap_err();
    /// assert_eq!(err, Error::InvalidCiphertextLength);
    /// assert_eq!(err.code(), -40007);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self.failed {
            Some(err) => Err(err),
            None => self.stream.finish(out),
        }
    }
}

impl fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decryptor")
            .field("max_encrypted_len", &self.max_len)
            .field("received", &self.received)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
