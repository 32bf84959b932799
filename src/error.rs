//! The crate's one error type.
//!
//! # Design
//!
//! Every fault the scheme can meet has its own variant, and each variant maps to exactly one
//! return code through [`Error::code`]: Tencent's official ones ("one fault, one code"; the official
//! libraries disagree among themselves on several of them). Where a fault has no official code
//! (a stale timestamp, say) the variant documents the code this crate chose.
//!
//! The messages are short, lowercase, and say what to check. No variant carries the token, the
//! EncodingAESKey, the decrypted message or the receive id found inside a message, so an error can
//! be logged as it is. No other crate's error type is exposed.

/// A fault met while building a [`MsgCrypt`](crate::MsgCrypt), or while verifying, decrypting or
/// encrypting a callback.
///
/// `Error` is `#[non_exhaustive]`: match the variants you handle and keep a fallback arm, or
/// branch on [`Error::code`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, MsgCrypt};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let err = crypt
///     .verify_url("0000000000000000000000000000000000000000", "1409659589", "263014780", "AAAA")
///     .unwrap_err();
/// assert_eq!(err, Error::SignatureMismatch);
/// assert_eq!(err.code(), -40001);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token given to the constructor is empty.
    ///
    /// With an empty token anyone can compute a valid `msg_signature`, so it is refused. Code
    /// `-40003` (ComputeSignature_Error): no meaningful signature can be computed without it.
    #[error(
        "token is empty: set the Token from the callback settings (an empty token lets anyone forge signatures)"
    )]
    EmptyToken,

    /// The EncodingAESKey is not 43 base64 characters that decode to 32 bytes. Code `-40004`.
    ///
    /// Only the constructor returns it.
    #[error(
        "encoding_aes_key is invalid: it must be the 43-character EncodingAESKey from the callback settings, without a trailing '='"
    )]
    InvalidAesKey,

    /// The callback body is not a well-formed envelope with exactly one text `Encrypt` value.
    /// Code `-40002`.
    ///
    /// Only the [`xml`](crate::xml) and [`json`](crate::json) adapters return it; the reason says
    /// what was wrong with the body.
    #[error("callback body is malformed: {0}")]
    MalformedEnvelope(EnvelopeFault),

    /// The callback's query string lacks a parameter, repeats one, or does not decode to UTF-8
    /// ([`CallbackQuery::parse`](crate::CallbackQuery::parse)). Code `-40002`, like a malformed
    /// body: the request is not what a callback looks like.
    #[error("callback query is malformed: {0}")]
    MalformedQuery(QueryFault),

    /// `msg_signature` does not match the token, timestamp, nonce and ciphertext. Code `-40001`.
    ///
    /// This is checked before any base64 or AES work. The usual causes: the query string was
    /// URL-decoded twice (turning `+` into a space and `%2B` into `+`), the plain `signature`
    /// parameter was passed instead of `msg_signature`, or the token is not the one configured
    /// for this callback URL.
    #[error(
        "msg_signature does not match: check that the query string was URL-decoded exactly once, that msg_signature (not signature) was passed, and the token"
    )]
    SignatureMismatch,

    /// The ciphertext (echostr or Encrypt) is not valid standard base64. Code `-40010`.
    #[error(
        "ciphertext is not valid base64: pass echostr or Encrypt exactly as received, URL-decoded once"
    )]
    InvalidBase64,

    /// The decoded ciphertext is empty or not a multiple of the 16-byte AES block. Code `-40007`.
    #[error(
        "ciphertext length is not a positive multiple of 16 bytes: pass echostr or Encrypt exactly as received"
    )]
    InvalidCiphertextLength,

    /// The decrypted data does not end in well-formed PKCS#7 padding (last byte 1 to 32, no
    /// longer than the data, all padding bytes equal). Code `-40007`.
    ///
    /// With a verified signature this almost always means the EncodingAESKey is not the one the
    /// sender used.
    #[error("decrypted data has malformed padding: check the EncodingAESKey")]
    InvalidPadding,

    /// The decrypted frame is shorter than its 20-byte header (16 random bytes and a 4-byte
    /// length). Code `-40008`.
    #[error("decrypted frame is shorter than its 20-byte header: check the EncodingAESKey")]
    FrameTooShort,

    /// The frame's message-length field points past the end of the frame. Code `-40008`.
    #[error("decrypted frame's length field runs past its end: check the EncodingAESKey")]
    MessageLengthOutOfRange,

    /// The receive id at the end of the frame is not one this [`MsgCrypt`](crate::MsgCrypt) was
    /// configured with. Code `-40005`.
    ///
    /// The receive id is the corpid for a WeCom self-built app, the suite id for a third-party
    /// app's instruction callback, the authorising company's corpid for its data callback, the
    /// empty string for the WeCom AI bot, and the appid for WeChat.
    #[error(
        "receive id in the message does not match: check the corpid, suite id or appid configured for this callback"
    )]
    ReceiveIdMismatch,

    /// The decrypted message is not valid UTF-8. Code `-40008`.
    #[error("decrypted message is not valid UTF-8")]
    MessageNotUtf8,

    /// The reply is too long for the frame's 32-bit length field (4 GiB or more). Code `-40006`.
    #[error("reply is too large to encrypt (4 GiB or more)")]
    ReplyTooLarge,

    /// [`MsgCryptBuilder::build`](crate::MsgCryptBuilder::build) was given neither a receive id
    /// nor [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id), or
    /// [`MsgCrypt::encrypt_msg`](crate::MsgCrypt::encrypt_msg) was called on a `MsgCrypt` that has
    /// no receive id to write (answer with
    /// [`encrypt_reply`](crate::MsgCrypt::encrypt_reply) instead). Code `-40005`.
    #[error(
        "no receive id configured: give the builder receive_id() (or any_receive_id(), then reply with encrypt_reply)"
    )]
    ReceiveIdRequired,

    /// The callback's timestamp is further from now than the allowed skew
    /// ([`check_timestamp`](crate::check_timestamp)). Code `-40012`, this crate's own: Tencent
    /// defines none.
    #[error(
        "timestamp is outside the allowed window: a replayed or delayed request, or a server clock that is off"
    )]
    TimestampOutOfWindow,

    /// The callback's timestamp is not a decimal number of seconds
    /// ([`check_timestamp`](crate::check_timestamp)). Code `-40013`, this crate's own: Tencent
    /// defines none.
    #[error("timestamp is not a decimal number of seconds")]
    TimestampInvalid,

    /// A reply field (timestamp or nonce, usually) holds a character the XML envelope cannot
    /// carry: a control character other than tab, newline or carriage return. Code `-40011`.
    #[error("reply timestamp or nonce holds a control character that XML cannot carry")]
    ReplyFieldNotRepresentable,

    /// The WeChat/小程序 JSON reply needs the timestamp as a JSON number, and the timestamp is
    /// not a canonical non-negative decimal integer. Code `-40011`.
    #[error(
        "reply timestamp must be a decimal number of seconds (no sign, no leading zeros) for the WeChat JSON reply"
    )]
    ReplyTimestampNotNumeric,
}

/// Why a callback body was rejected as a malformed envelope ([`Error::MalformedEnvelope`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{EnvelopeFault, Error};
///
/// let err = Error::MalformedEnvelope(EnvelopeFault::MissingEncrypt);
/// assert_eq!(err.code(), -40002);
/// assert_eq!(err.to_string(), "callback body is malformed: no Encrypt field at the top level");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeFault {
    /// The body is not well-formed XML or JSON (or is the other format).
    #[error("not well-formed (or not the expected format, XML or JSON)")]
    NotWellFormed,
    /// The body declares a DOCTYPE or entities, which a callback never does; they are refused,
    /// never expanded.
    #[error("it declares a DOCTYPE or entities, which callbacks never do")]
    DoctypeForbidden,
    /// The root has no `Encrypt` (XML) or `encrypt`/`Encrypt` (JSON) child.
    #[error("no Encrypt field at the top level")]
    MissingEncrypt,
    /// `Encrypt` appears more than once (in JSON: also both `encrypt` and `Encrypt`).
    #[error("more than one Encrypt field")]
    DuplicateEncrypt,
    /// `Encrypt` holds something other than text: child elements, or a JSON value that is not
    /// a string.
    #[error("the Encrypt field is not text")]
    EncryptNotText,
}

/// Why a callback's query string was rejected ([`Error::MalformedQuery`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, Error, QueryFault};
///
/// let err = CallbackQuery::parse("timestamp=1&nonce=2&timestamp=3").unwrap_err();
/// assert_eq!(err, Error::MalformedQuery(QueryFault::Duplicate("timestamp")));
/// assert_eq!(err.code(), -40002);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryFault {
    /// A required parameter is absent. Without `msg_signature`, check that the callback is in
    /// safe mode (安全模式): in plaintext mode WeChat sends only the plain `signature`.
    #[error(
        "no {0} parameter (msg_signature, timestamp and nonce are required; echostr on the URL check)"
    )]
    Missing(&'static str),
    /// A parameter appears more than once.
    #[error("the {0} parameter appears more than once")]
    Duplicate(&'static str),
    /// A percent-decoded value is not UTF-8.
    #[error("a parameter does not percent-decode to UTF-8")]
    NotUtf8,
}

impl Error {
    /// The official WXBizMsgCrypt return code for this error (`-40001` to `-40011`).
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt::Error::InvalidAesKey.code(), -40004);
    /// ```
    #[must_use]
    pub const fn code(&self) -> i32 {
        match self {
            Error::SignatureMismatch => -40001,
            Error::MalformedEnvelope(_) | Error::MalformedQuery(_) => -40002,
            Error::EmptyToken => -40003,
            Error::InvalidAesKey => -40004,
            Error::ReceiveIdMismatch | Error::ReceiveIdRequired => -40005,
            Error::ReplyTooLarge => -40006,
            Error::InvalidCiphertextLength | Error::InvalidPadding => -40007,
            Error::FrameTooShort | Error::MessageLengthOutOfRange | Error::MessageNotUtf8 => -40008,
            Error::InvalidBase64 => -40010,
            Error::ReplyFieldNotRepresentable | Error::ReplyTimestampNotNumeric => -40011,
            Error::TimestampOutOfWindow => -40012,
            Error::TimestampInvalid => -40013,
        }
    }

    /// The official name of [`code`](Error::code), as Tencent's libraries spell it (for example
    /// `"ValidateSignature_Error"`), or `None` for the codes this crate adds (`-40012`,
    /// `-40013`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    ///
    /// assert_eq!(Error::ReceiveIdMismatch.official_name(), Some("ValidateCorpid_Error"));
    /// assert_eq!(Error::TimestampOutOfWindow.official_name(), None);
    /// ```
    #[must_use]
    pub const fn official_name(&self) -> Option<&'static str> {
        Some(match self.code() {
            -40001 => "ValidateSignature_Error",
            -40002 => "ParseXml_Error",
            -40003 => "ComputeSignature_Error",
            -40004 => "IllegalAesKey",
            -40005 => "ValidateCorpid_Error",
            -40006 => "EncryptAES_Error",
            -40007 => "DecryptAES_Error",
            -40008 => "IllegalBuffer",
            -40009 => "EncodeBase64_Error",
            -40010 => "DecodeBase64_Error",
            -40011 => "GenReturnXml_Error",
            _ => return None,
        })
    }
}
