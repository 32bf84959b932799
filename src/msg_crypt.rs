//! [`MsgCrypt`]: verify, decrypt and encrypt bare ciphertexts (no envelopes here).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroize;

use crate::Error;
use crate::builder::MsgCryptBuilder;
use crate::crypto::frame::{self, FrameParts};
use crate::crypto::key::AesKey;
use crate::crypto::signature::{self, Hex};
use crate::crypto::{aes_cbc, b64};

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

pub(crate) struct Inner {
    pub(crate) token: Box<str>,
    pub(crate) current: Arc<AesKey>,
    pub(crate) previous: Option<Arc<AesKey>>,
    /// The receive ids a message may carry; the first is the one `encrypt_msg` writes.
    pub(crate) receive_ids: Vec<Box<str>>,
    /// Set by [`MsgCryptBuilder::any_receive_id`]: accept whatever receive id a message carries.
    pub(crate) accept_any_receive_id: bool,
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
    /// // A WeCom third-party app: instruction callbacks carry the suite id, data callbacks the
    /// // corpid of the authorising company.
    /// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    ///     .receive_id("ww-suite-id")
    ///     .receive_id("wx5823bf96d3bd56c7")
    ///     .build()?;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn builder(token: &str, encoding_aes_key: &str) -> MsgCryptBuilder {
        MsgCryptBuilder::new(token, encoding_aes_key)
    }

    pub(crate) fn from_inner(inner: Inner) -> MsgCrypt {
        MsgCrypt { inner: Arc::new(inner) }
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
        with_scratch(|buf| {
            let (parts, _) = self.open(msg_signature, timestamp, nonce, encrypt, buf)?;
            to_string_checked(buf.get(parts.msg).ok_or(Error::MessageNotUtf8)?)
        })
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
        let (parts, _) = self.open(msg_signature, timestamp, nonce, encrypt, buf)?;
        utf8(buf.get(parts.msg))
    }

    /// Encrypts a reply with 16 fresh random bytes from the operating system's CSPRNG (through
    /// `rand`'s thread-local generator) and signs it with `timestamp` and `nonce`.
    ///
    /// `timestamp` is usually the current Unix time in seconds and `nonce` a random string; both
    /// are passed in (the crate reads no clock) and returned unchanged in the result.
    ///
    /// The frame carries the first receive id given to the builder (the one given to
    /// [`new`](MsgCrypt::new)). To answer a message whose receive id or key may vary, use
    /// [`encrypt_reply`](MsgCrypt::encrypt_reply).
    ///
    /// # Errors
    ///
    /// - [`Error::ReplyTooLarge`] (`-40006`) if `reply` is 4 GiB or longer.
    /// - [`Error::ReceiveIdRequired`] (`-40005`) if the builder was given
    ///   [`any_receive_id`](MsgCryptBuilder::any_receive_id) and no receive id.
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
        self.encrypt_msg_with_random(reply, timestamp, nonce, &fresh_random())
    }

    /// Encrypts a reply with the caller's 16 random bytes: deterministic, for tests and
    /// known-answer checks. In production use [`encrypt_msg`](MsgCrypt::encrypt_msg).
    ///
    /// # Errors
    ///
    /// The same as [`encrypt_msg`](MsgCrypt::encrypt_msg).
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
        let receive_id = self.inner.receive_ids.first().ok_or(Error::ReceiveIdRequired)?;
        let with = Sealing { key: &self.inner.current, receive_id, random };
        self.seal(with, reply, timestamp, nonce)
    }

    /// Verifies and decrypts like [`decrypt_msg`](MsgCrypt::decrypt_msg), and also tells which
    /// receive id the message carried and which key opened it: what
    /// [`encrypt_reply`](MsgCrypt::encrypt_reply) needs to answer it, and what a service
    /// provider built with [`any_receive_id`](MsgCryptBuilder::any_receive_id) must check itself.
    ///
    /// # Errors
    ///
    /// The same as [`decrypt_msg`](MsgCrypt::decrypt_msg); [`Error::MessageNotUtf8`] also covers
    /// a receive id that is not UTF-8.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{KeyUsed, MsgCrypt};
    ///
    /// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").any_receive_id().build()?;
    /// let echo = crypt.decrypt_msg_detailed(
    ///     "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    ///     "1409659589",
    ///     "263014780",
    ///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    /// )?;
    /// assert_eq!(echo.message(), "1616140317555161061");
    /// assert_eq!(echo.receive_id(), "wx5823bf96d3bd56c7");
    /// assert_eq!(echo.key_used(), KeyUsed::Current);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn decrypt_msg_detailed(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<Decrypted, Error> {
        let (text, split, key_used) = with_scratch(|buf| {
            let (parts, key_used) = self.open(msg_signature, timestamp, nonce, encrypt, buf)?;
            let message = utf8(buf.get(parts.msg))?;
            let receive_id = utf8(buf.get(parts.receive_id))?;
            let mut text = String::with_capacity(message.len() + receive_id.len());
            text.push_str(message);
            text.push_str(receive_id);
            Ok((text, message.len(), key_used))
        })?;
        let key = match (key_used, &self.inner.previous) {
            (KeyUsed::Previous, Some(previous)) => Arc::clone(previous),
            _ => Arc::clone(&self.inner.current),
        };
        Ok(Decrypted { text, split, key, key_used })
    }

    /// Encrypts a reply to a message from [`decrypt_msg_detailed`](MsgCrypt::decrypt_msg_detailed)
    /// with the key that opened it and the receive id it carried, and 16 fresh random bytes.
    ///
    /// During a key change this answers a message sent with the previous key in the previous
    /// key, as WeChat's documentation asks; for a service provider it answers each company with
    /// its own corpid.
    ///
    /// # Errors
    ///
    /// [`Error::ReplyTooLarge`] (`-40006`) if `reply` is 4 GiB or longer.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt::MsgCrypt;
    /// # let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").any_receive_id().build()?;
    /// # let sender = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-company-a")?;
    /// # let sent = sender.encrypt_msg("hello", "1", "2")?;
    /// let message = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
    /// let reply = crypt.encrypt_reply(&message, "hi", "3", "4")?;
    /// // The reply carries the receive id of the message it answers.
    /// assert_eq!(sender.decrypt_msg(&reply.msg_signature, "3", "4", &reply.encrypt)?, "hi");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn encrypt_reply(
        &self,
        to: &Decrypted,
        reply: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<EncryptedMsg, Error> {
        let with = Sealing { key: &to.key, receive_id: to.receive_id(), random: &fresh_random() };
        self.seal(with, reply, timestamp, nonce)
    }

    /// [`encrypt_msg`](MsgCrypt::encrypt_msg) for an envelope writer: the base64 ciphertext is
    /// written into a new String between `around`'s text before and room for its text after,
    /// instead of into a String of its own. Returns that String and the signature.
    pub(crate) fn encrypt_msg_enclosed(
        &self,
        reply: &str,
        timestamp: &str,
        nonce: &str,
        around: Around<'_>,
    ) -> Result<(String, Signature), Error> {
        let receive_id = self.inner.receive_ids.first().ok_or(Error::ReceiveIdRequired)?;
        let with = Sealing { key: &self.inner.current, receive_id, random: &fresh_random() };
        self.seal_enclosed(with, reply, [timestamp, nonce], around)
    }

    /// [`encrypt_reply`](MsgCrypt::encrypt_reply) for an envelope writer, as
    /// [`encrypt_msg_enclosed`](MsgCrypt::encrypt_msg_enclosed).
    pub(crate) fn encrypt_reply_enclosed(
        &self,
        to: &Decrypted,
        reply: &str,
        timestamp: &str,
        nonce: &str,
        around: Around<'_>,
    ) -> Result<(String, Signature), Error> {
        let with = Sealing { key: &to.key, receive_id: to.receive_id(), random: &fresh_random() };
        self.seal_enclosed(with, reply, [timestamp, nonce], around)
    }

    fn seal(
        &self,
        with: Sealing<'_>,
        reply: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<EncryptedMsg, Error> {
        let around = Around { before: "", room_after: 0 };
        let (encrypt, msg_signature) =
            self.seal_enclosed(with, reply, [timestamp, nonce], around)?;
        Ok(EncryptedMsg {
            encrypt,
            msg_signature: msg_signature.as_str().to_owned(),
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        })
    }

    /// Frames, pads and encrypts `reply`, writes the base64 ciphertext after `around.before`
    /// into a String allocated once at its final size, and signs it. The frame is built in the
    /// per-thread scratch buffer, so a reply costs no allocation besides the String.
    fn seal_enclosed(
        &self,
        with: Sealing<'_>,
        reply: &str,
        [timestamp, nonce]: [&str; 2],
        around: Around<'_>,
    ) -> Result<(String, Signature), Error> {
        with_scratch(|buf| {
            frame::build(buf, with.random, reply.as_bytes(), with.receive_id.as_bytes())?;
            aes_cbc::pad_and_encrypt(with.key, buf);
            let mut out = String::with_capacity(
                around
                    .before
                    .len()
                    .saturating_add(b64::encoded_len(buf.len()))
                    .saturating_add(around.room_after),
            );
            out.push_str(around.before);
            b64::encode_appending(buf, &mut out);
            let encrypt = out.get(around.before.len()..).unwrap_or_default();
            let signature = signature::sign([
                self.inner.token.as_bytes(),
                timestamp.as_bytes(),
                nonce.as_bytes(),
                encrypt.as_bytes(),
            ]);
            Ok((out, Signature(signature)))
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
        signature::to_string(&signature::sign([
            self.inner.token.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            encrypt.as_bytes(),
        ]))
    }

    /// Verifies, decodes, decrypts and parses into `buf`, checking every fault up to the receive
    /// id in the order of protocol.md §4. Returns where the message lies in `buf`, and which key
    /// opened it.
    ///
    /// The previous key is tried only after the signature verified, and only when the current
    /// key met a fault that depends on the key; the error reported is the current key's.
    fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
        buf: &mut Vec<u8>,
    ) -> Result<(FrameParts, KeyUsed), Error> {
        let encrypt = self.verified_text(msg_signature, timestamp, nonce, encrypt)?;
        if let Err(fault) = b64::decode_into(encrypt.as_bytes(), buf) {
            // Only a text that verified with its spaces can still have one here: it was signed
            // over them, which the scheme never does (see `verified_text`).
            return Err(if encrypt.contains(' ') { Error::SignatureMismatch } else { fault });
        }
        let current_fault = match self.open_with(&self.inner.current, buf) {
            Ok(parts) => return Ok((parts, KeyUsed::Current)),
            Err(fault) => fault,
        };
        let Some(previous) = self.inner.previous.as_deref() else { return Err(current_fault) };
        if !matches!(
            current_fault,
            Error::InvalidPadding
                | Error::FrameTooShort
                | Error::MessageLengthOutOfRange
                | Error::ReceiveIdMismatch
        ) {
            return Err(current_fault);
        }
        // The current key decrypted the buffer in place: decode it again.
        b64::decode_into(encrypt.as_bytes(), buf)?;
        match self.open_with(previous, buf) {
            Ok(parts) => Ok((parts, KeyUsed::Previous)),
            Err(_) => Err(current_fault),
        }
    }

    /// `encrypt` once `msg_signature` verifies it, with every space read as `+` (see
    /// [`plus_for_space`]).
    ///
    /// The scheme signs the text with its `+`, and that is what arrives nearly always, so the
    /// text is first verified as it stands: the hot path makes no pass over it looking for
    /// spaces (2% of a 64 KiB decrypt). Only if that fails is it verified again with a `+` for
    /// each space, so a refused text with spaces costs a second SHA-1 (as does, once, the URL
    /// check of a form-decoded echostr). A text that verifies *with* spaces was signed over
    /// them; it would not verify in its `+` form, so [`open`](Self::open) reports it as a
    /// signature mismatch when base64 refuses the space, which is what verifying the `+` form
    /// first reported.
    fn verified_text<'t>(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &'t str,
    ) -> Result<Cow<'t, str>, Error> {
        let verifies = |text: &str| {
            let token = self.inner.token.as_bytes();
            let parts = [token, timestamp.as_bytes(), nonce.as_bytes(), text.as_bytes()];
            signature::verify(parts, msg_signature)
        };
        if verifies(encrypt) {
            return Ok(Cow::Borrowed(encrypt));
        }
        match plus_for_space(encrypt) {
            Cow::Owned(with_plus) if verifies(&with_plus) => Ok(Cow::Owned(with_plus)),
            _ => Err(Error::SignatureMismatch),
        }
    }

    fn open_with(&self, key: &AesKey, buf: &mut [u8]) -> Result<FrameParts, Error> {
        let len = aes_cbc::decrypt_and_unpad(key, buf)?;
        let frame = buf.get(..len).ok_or(Error::InvalidPadding)?;
        let parts = frame::parse(frame)?;
        let inner = &*self.inner;
        if !inner.accept_any_receive_id {
            let found = frame.get(parts.receive_id.clone()).unwrap_or_default();
            if !inner.receive_ids.iter().any(|id| id.as_bytes() == found) {
                return Err(Error::ReceiveIdMismatch);
            }
        }
        Ok(parts)
    }
}

/// A signature made by [`MsgCrypt::encrypt_msg_enclosed`], for an envelope writer.
pub(crate) struct Signature(Hex);

impl Signature {
    pub(crate) fn as_str(&self) -> &str {
        signature::as_str(&self.0)
    }
}

/// What an envelope writer puts around a reply's ciphertext: the text before it, and how many
/// bytes it will append after it.
pub(crate) struct Around<'a> {
    pub(crate) before: &'a str,
    pub(crate) room_after: usize,
}

/// What a reply is sealed with: the key, the receive id its frame carries, its 16 random bytes.
struct Sealing<'a> {
    key: &'a AesKey,
    receive_id: &'a str,
    random: &'a [u8; 16],
}

/// The 16 random bytes that open a reply's frame, from `rand`'s thread-local CSPRNG (ChaCha,
/// seeded and reseeded from the operating system).
fn fresh_random() -> [u8; 16] {
    let mut random = [0u8; 16];
    rand::fill(&mut random);
    random
}

thread_local! {
    /// Per-thread scratch for the frame being decrypted or encrypted, so that
    /// [`MsgCrypt::decrypt_msg`] allocates only the `String` it returns and an envelope's
    /// `encrypt_msg` only the body.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A scratch buffer larger than this is freed after use rather than kept for the thread.
const SCRATCH_KEEP_LIMIT: usize = 1 << 20;

/// Runs `f` with this thread's scratch buffer, then wipes it (after a decryption it holds the
/// plaintext; after an encryption only ciphertext, but one rule is simpler to trust).
///
/// The buffer is taken out of the thread-local for the call, so a nested call (there is none
/// today) would simply get a fresh, empty buffer: nothing here can panic.
fn with_scratch<T>(f: impl FnOnce(&mut Vec<u8>) -> Result<T, Error>) -> Result<T, Error> {
    let mut buf = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = f(&mut buf);
    buf.as_mut_slice().zeroize();
    if buf.capacity() <= SCRATCH_KEEP_LIMIT {
        // Fails only while the thread is being torn down; the buffer is then just dropped.
        let _ = SCRATCH.try_with(|cell| cell.set(buf));
    }
    result
}

/// Validates decrypted bytes as UTF-8 with SIMD: `core::str::from_utf8` cost as much as the
/// SHA-1, base64 and AES work together on CJK text.
fn utf8(bytes: Option<&[u8]>) -> Result<&str, Error> {
    bytes.and_then(|bytes| simdutf8::basic::from_utf8(bytes).ok()).ok_or(Error::MessageNotUtf8)
}

/// Checks `bytes` as UTF-8 and copies them into a `String` of exactly their length, one piece
/// of at most [`PIECE`] bytes at a time, so that each piece is copied while the check has
/// just brought it into the L1 cache: a large message is read once, not twice (1% of a 64 KiB
/// decrypt).
///
/// Every piece but the last ends before the start of a character, found by stepping back over
/// at most three continuation bytes. A concatenation of valid pieces is valid, and a valid
/// text splits at character starts into valid pieces, so the result is the same as checking
/// the whole at once.
fn to_string_checked(bytes: &[u8]) -> Result<String, Error> {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while rest.len() > PIECE {
        let is_continuation = |at: usize| rest.get(at).is_some_and(|b| b & 0xC0 == 0x80);
        let end = (PIECE - 3..=PIECE).rev().find(|&at| !is_continuation(at)).unwrap_or(PIECE);
        let Some((piece, tail)) = rest.split_at_checked(end) else { break };
        out.push_str(utf8(Some(piece))?);
        rest = tail;
    }
    out.push_str(utf8(Some(rest))?);
    Ok(out)
}

/// The piece [`to_string_checked`] checks and copies at a time: well inside a 32 KiB L1 data
/// cache, large enough that the loop costs nothing (4, 8 and 16 KiB measured alike).
const PIECE: usize = 8192;

/// Reads every space as `+`: base64 has no spaces, so a space can only be a `+` that a form
/// decoder (or a second URL-decoding) turned into one. Borrows unless there is a space.
///
/// Called only for a text whose signature did not verify as it stood; the scan uses `memchr`'s
/// SIMD search all the same (`str::contains` was 9% of a 16 KiB decrypt when it ran on every
/// call).
fn plus_for_space(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b' ', text.as_bytes()).is_some() {
        Cow::Owned(text.replace(' ', "+"))
    } else {
        Cow::Borrowed(text)
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

/// A message decrypted by [`MsgCrypt::decrypt_msg_detailed`]: the message, the receive id it
/// carried, and the key that opened it (kept for [`MsgCrypt::encrypt_reply`]).
///
/// Its `Debug` output shows the receive id and the key slot, never the message.
///
/// # Example
///
/// ```
/// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// # let sent = crypt.encrypt_msg("secret", "1", "2")?;
/// let decrypted = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
/// assert_eq!(decrypted.message(), "secret");
/// assert!(!format!("{decrypted:?}").contains("secret"));
/// assert_eq!(decrypted.into_message(), "secret");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct Decrypted {
    /// `message ‖ receive_id`.
    text: String,
    /// Where the message ends.
    split: usize,
    key: Arc<AesKey>,
    key_used: KeyUsed,
}

impl Decrypted {
    /// The decrypted message.
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml/>", "1", "2")?;
    /// let decrypted = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
    /// assert_eq!(decrypted.message(), "<xml/>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        self.text.split_at_checked(self.split).map_or("", |(message, _)| message)
    }

    /// The receive id the message carried (corpid, suite id, appid, or empty).
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml/>", "1", "2")?;
    /// let decrypted = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
    /// assert_eq!(decrypted.receive_id(), "wx5823bf96d3bd56c7");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn receive_id(&self) -> &str {
        self.text.split_at_checked(self.split).map_or("", |(_, receive_id)| receive_id)
    }

    /// Which key opened the message.
    ///
    /// # Example
    ///
    /// ```
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml/>", "1", "2")?;
    /// let decrypted = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
    /// assert_eq!(decrypted.key_used(), wxbizmsgcrypt::KeyUsed::Current);
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
    /// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml/>", "1", "2")?;
    /// let message: String = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?.into_message();
    /// assert_eq!(message, "<xml/>");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn into_message(mut self) -> String {
        self.text.truncate(self.split);
        self.text
    }
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("message", &format_args!("[redacted, {} bytes]", self.split))
            .field("receive_id", &self.receive_id())
            .field("key_used", &self.key_used)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `to_string_checked` against the standard library's UTF-8 check, with every kind of
    /// character, and of fault, placed across a piece boundary at every offset.
    #[test]
    fn checked_copy_in_pieces_agrees_with_std_across_piece_boundaries() {
        let fillers: [&str; 4] = ["a", "é", "企", "😀"];
        let faults: [&[u8]; 8] = [
            &[],
            &[0x80],
            &[0xE4],
            &[0xE4, 0xB8],
            &[0xF0, 0x9F, 0x98],
            &[0xED, 0xA0, 0x80],
            &[0xC0, 0x80],
            &[0x80, 0x80, 0x80, 0x80],
        ];
        let mut checked = 0;
        for lead in 0..8 {
            for filler in fillers {
                for fault in faults {
                    for at in PIECE - 8..PIECE + 8 {
                        let mut bytes = "x".repeat(lead).into_bytes();
                        while bytes.len() < 2 * PIECE + 5 {
                            bytes.extend_from_slice(filler.as_bytes());
                        }
                        let at = at.min(bytes.len());
                        bytes.splice(at..at, fault.iter().copied());
                        let expected = std::str::from_utf8(&bytes).map(String::from);
                        let got = to_string_checked(&bytes);
                        assert_eq!(
                            got.as_ref().ok(),
                            expected.as_ref().ok(),
                            "{lead} {filler} {fault:?} {at}"
                        );
                        if let Ok(text) = got {
                            assert_eq!(text.capacity(), bytes.len());
                        } else {
                            assert_eq!(got, Err(Error::MessageNotUtf8));
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 4 * 8 * 16);
        assert_eq!(to_string_checked(b"").as_deref(), Ok(""));
    }
}
