//! The crate's one error type.

/// A fault met while building a [`MsgCrypt`](crate::MsgCrypt), or while verifying, decrypting,
/// encrypting or rendering a callback.
///
/// # Design
///
/// Every fault has its own variant, and each variant maps to exactly one return code through
/// [`Error::code`]: Tencent's official ones where Tencent defines one ("one fault, one code"; the
/// official libraries disagree among themselves on several), and `-40012` to `-40014` for the
/// faults this crate adds (a stale timestamp, a URL check that is not one).
///
/// - [`Display`](std::fmt::Display) says briefly what happened, in lowercase, so that it reads
///   well inside a log line. What to check is in [`Error::hint`] and in each variant's docs.
/// - No variant carries the token, the EncodingAESKey, a decrypted message, or the receive id
///   found inside a message, so an error can be logged as it is.
/// - No other crate's error type is exposed: base64, quick-xml and serde_json stay private.
/// - After the signature has verified, the variant tells *which* check failed. That detail is
///   for your log; never send it back to the sender (it would make a padding oracle for whoever
///   holds the token): answer every such fault alike.
///
/// `Error` is `#[non_exhaustive]`: match the variants you handle and keep a fallback arm, or
/// branch on [`Error::code`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, MsgCrypt, Signed};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let signed = Signed {
///     msg_signature: "0000000000000000000000000000000000000000",
///     timestamp: "1409659589",
///     nonce: "263014780",
/// };
/// let err = crypt.verify_url(signed, "AAAA").unwrap_err();
/// assert_eq!(err, Error::SignatureMismatch);
/// assert_eq!(err.code(), -40001);
/// assert_eq!(err.to_string(), "msg_signature does not match");
/// assert!(err.hint().is_some_and(|hint| hint.contains("exactly once")));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token given to the constructor is empty. Code `-40003` (ComputeSignature_Error): no
    /// meaningful signature can be computed without it.
    ///
    /// With an empty token anyone can compute a valid `msg_signature`, so it is refused.
    #[error("token is empty")]
    EmptyToken,

    /// The EncodingAESKey is not 43 base64 characters that decode to 32 bytes. Code `-40004`.
    ///
    /// Only constructors return it (and [`media::MediaKey::new`](crate::media::MediaKey::new),
    /// which also takes a media `aeskey` with its trailing `=`, 44 characters). The last
    /// character's unused low bits may be set, as they are in most real keys; an
    /// EncodingAESKey's trailing `=` is not part of it.
    #[error("invalid EncodingAESKey: not 43 base64 characters decoding to 32 bytes")]
    InvalidAesKey,

    /// The callback body is not a well-formed envelope with exactly one text `Encrypt` value.
    /// Code `-40002`. The [`EnvelopeFault`] says what was wrong.
    #[error("malformed callback body: {0}")]
    MalformedEnvelope(EnvelopeFault),

    /// A decrypted message (or a plaintext-mode body) is not well-formed XML, declares a
    /// DOCTYPE, or holds more markup than its size warrants (`wxbizmsgcrypt-callback`'s
    /// `message::Message::parse`); or an AI-bot message is not a JSON object (its
    /// `aibot::Message::parse`). Code `-40002`, like a malformed envelope. A message of a kind
    /// the toolkit does not know is no error.
    #[error("malformed message: {0}")]
    MalformedMessage(MessageFault),

    /// The callback's query string lacks a parameter, repeats one, holds a raw `?` or `#`, or
    /// does not decode to UTF-8 ([`CallbackQuery::parse`](crate::CallbackQuery::parse)). Code
    /// `-40002`, like a malformed body: the request is not what a callback looks like.
    #[error("malformed callback query: {0}")]
    MalformedQuery(QueryFault),

    /// `msg_signature` does not match the token, timestamp, nonce and ciphertext. Code `-40001`.
    ///
    /// Checked first, before any base64 or AES work. The usual causes: the query string was
    /// URL-decoded twice (turning `+` into a space and `%2B` into `+`), the plain `signature`
    /// parameter was passed instead of `msg_signature`, or the token is not the one saved with
    /// this callback URL.
    #[error("msg_signature does not match")]
    SignatureMismatch,

    /// The ciphertext (echostr or `Encrypt`) is not valid standard base64. Code `-40010`.
    #[error("ciphertext is not valid base64")]
    InvalidBase64,

    /// The decoded ciphertext is empty or not a multiple of the 16-byte AES block. Code `-40007`.
    #[error("ciphertext is not a positive multiple of 16 bytes")]
    InvalidCiphertextLength,

    /// The decrypted data does not end in well-formed PKCS#7 padding (last byte 1 to 32, no
    /// longer than the data, all padding bytes equal). Code `-40007`.
    ///
    /// With a verified signature this almost always means the EncodingAESKey is not the one the
    /// sender used.
    #[error("decrypted data has malformed padding")]
    InvalidPadding,

    /// The decrypted frame is shorter than its 20-byte header (16 random bytes and a 4-byte
    /// length). Code `-40008`. Usually a wrong EncodingAESKey.
    #[error("decrypted frame is shorter than its 20-byte header")]
    FrameTooShort,

    /// The frame's message-length field points past the end of the frame. Code `-40008`.
    /// Usually a wrong EncodingAESKey.
    #[error("decrypted frame's length field runs past its end")]
    MessageLengthOutOfRange,

    /// The receive id at the end of the frame is not one this [`MsgCrypt`](crate::MsgCrypt) was
    /// configured with (under [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id): is
    /// not UTF-8, so no company's id). Code `-40005`.
    ///
    /// The receive id is the corpid for a WeCom self-built app; for a third-party suite, the
    /// suite id in its instruction callbacks, the authorising company's corpid in its data
    /// callbacks, and the service provider's own corpid in the URL checks the admin console
    /// sends when the URLs are saved (not the suite id); the empty string for the WeCom AI bot;
    /// and the appid for WeChat.
    #[error("receive id in the message does not match")]
    ReceiveIdMismatch,

    /// The decrypted message is not valid UTF-8. Code `-40008`.
    #[error("decrypted message is not valid UTF-8")]
    MessageNotUtf8,

    /// A URL check decrypted to something that is not an echostr. Code `-40014`, this crate's
    /// own: Tencent defines none.
    ///
    /// Every echostr WeCom sends decrypts to a short string of digits (`1616140317555161061`);
    /// [`MsgCrypt::verify_url`](crate::MsgCrypt::verify_url) releases only 1 to 128 ASCII
    /// letters, digits, `-` and `_`. Anything else, above all a message, is refused. This stops
    /// an attack that needs neither token nor key: a POST's `msg_signature` covers the same
    /// four strings as a URL check, so a captured POST's query with its `Encrypt` sent as
    /// `echostr` verifies, and a naive URL check answers with the message's plaintext.
    #[error("the URL check decrypted to something that is not an echostr")]
    NotAnEchostr,

    /// The reply is too long for the frame's 32-bit length field (4 GiB or more). Code `-40006`.
    #[error("reply is too large to encrypt (4 GiB or more)")]
    ReplyTooLarge,

    /// A check the crate makes on its own encryption failed (the padded frame was not whole AES
    /// blocks). Code `-40006` (EncryptAES_Error). It cannot happen; if it does, it is a bug in
    /// this crate, and nothing was sent half-encrypted.
    #[error("encrypting the reply failed an internal check")]
    EncryptFailed,

    /// A check the crate makes on its own base64 encoding failed. Code `-40009`
    /// (EncodeBase64_Error). It cannot happen; if it does, it is a bug in this crate, and no
    /// incomplete ciphertext was signed.
    #[error("base64-encoding the ciphertext failed an internal check")]
    EncodeBase64Failed,

    /// [`MsgCryptBuilder::build`](crate::MsgCryptBuilder::build) was given neither a receive id
    /// nor [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id), or
    /// [`MsgCrypt::encrypt_msg`](crate::MsgCrypt::encrypt_msg) was called on a `MsgCrypt` that has
    /// no receive id to write. Code `-40005`.
    #[error("no receive id configured")]
    ReceiveIdRequired,

    /// The timestamp is further from now than the allowed skew
    /// ([`check_timestamp`](crate::check_timestamp)). Code `-40012`, this crate's own: Tencent
    /// defines none.
    #[error("timestamp is outside the allowed window")]
    TimestampOutOfWindow,

    /// The timestamp is not a decimal number of seconds
    /// ([`check_timestamp`](crate::check_timestamp)). Code `-40013`, this crate's own: Tencent
    /// defines none.
    #[error("timestamp is not a decimal number of seconds")]
    InvalidTimestamp,

    /// A reply field (a passive reply's content, or the envelope's timestamp or nonce) holds a
    /// character XML cannot carry: a control character other than tab, newline or carriage
    /// return, or U+FFFE/U+FFFF; or the timestamp and nonce are so much markup once escaped
    /// (`&`, `<`, `>`, `]]>`, carriage returns) that the envelope reader, which bounds markup
    /// before any signature is checked, would refuse the body. Code `-40011`.
    #[error("reply field holds a character XML cannot carry")]
    ReplyFieldNotRepresentable,

    /// A reply needs its timestamp as a number, and it is not one: the WeChat/小程序 JSON reply
    /// writes it as a JSON number (a canonical non-negative decimal integer: no sign, no
    /// leading zeros), and `wxbizmsgcrypt-callback`'s XML reply as its `CreateTime` (decimal
    /// seconds). Code `-40011`.
    #[error("reply timestamp is not a canonical decimal number")]
    ReplyTimestampNotNumeric,

    /// An encrypted media download (an AI-bot image, file or video) is longer than the
    /// maximum the [`media::Decryptor`](crate::media::Decryptor) was given. Code `-40007`, like
    /// a ciphertext of the wrong length.
    #[error("encrypted media is longer than the allowed maximum")]
    MediaTooLarge,

    /// A reply breaks a rule of the platform: a passive XML reply's text over 2048 bytes, a news
    /// reply with no article or more than the platform shows, no recipient
    /// (`wxbizmsgcrypt-callback`'s `reply::Reply::render`); an AI-bot reply's stream over
    /// 20480 bytes, images where they cannot go, a feedback id, task id or card list over its
    /// limit (its `aibot::Reply::render`). Code `-40011`, like a reply field XML cannot carry. The reply is refused rather
    /// than truncated.
    #[error("invalid reply: {0}")]
    InvalidReply(ReplyFault),
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
/// assert_eq!(err.to_string(), "malformed callback body: no Encrypt field at the top level");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeFault {
    /// The body is not well-formed XML or JSON (or is the other format).
    #[error("not well-formed (or not the expected format, XML or JSON)")]
    NotWellFormed,
    /// The body declares a DOCTYPE or entities, which a callback never does; they are refused,
    /// never expanded.
    #[error("it declares a DOCTYPE or entities")]
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
    /// The XML body holds more items (tags, attributes, character references, CDATA sections,
    /// comments, namespace declarations) than its size warrants: more than one per 32 bytes,
    /// plus 64, where a tag, an attribute, a comment or a processing instruction counts two and
    /// a namespace declaration four. A real envelope has about ten items in all, and even a
    /// ciphertext whose every `+` and `/` a proxy escaped has fewer than one reference in 32
    /// bytes.
    ///
    /// The envelope is read before the signature is checked, and each item costs the reader
    /// far more than its bytes (a megabyte of `&#43;` would be 200,000 of them): this keeps that
    /// cost within a small factor of reading the same size of CDATA and checking its
    /// signature.
    #[error("more markup than an envelope of its size holds")]
    TooManyItems,
}

/// Why a decrypted message was rejected as malformed ([`Error::MalformedMessage`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, MessageFault};
///
/// // What `wxbizmsgcrypt-callback`'s `Message::parse("<xml><Content>a</xml>")` answers.
/// let err = Error::MalformedMessage(MessageFault::NotWellFormed);
/// assert_eq!(err.code(), -40002);
/// assert_eq!(err.to_string(), "malformed message: not well-formed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageFault {
    /// The message is not well-formed XML (or, for an AI-bot message, not JSON).
    #[error("not well-formed")]
    NotWellFormed,
    /// The AI-bot message is JSON, but not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// The message declares a DOCTYPE or entities; they are refused, never expanded.
    #[error("it declares a DOCTYPE or entities")]
    DoctypeForbidden,
    /// The message holds more items (tags, attributes, references, CDATA sections, comments)
    /// than one per 8 bytes plus 256, at some point as it is read: the bound is on the bytes
    /// read so far, so markup that dense at the start of a long body is refused too. The
    /// densest real message has one in 19 bytes; the bound
    /// keeps what a plaintext-mode body (read before anything authenticates it) can cost, in
    /// time and in memory, within a small factor of its size.
    #[error("more markup than a message of its size holds")]
    TooManyItems,
}

/// Why a passive reply was refused ([`Error::InvalidReply`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, ReplyFault};
///
/// // What `wxbizmsgcrypt-callback`'s `Reply::news([]).render(…)` answers.
/// let err = Error::InvalidReply(ReplyFault::NoArticles);
/// assert_eq!(err.code(), -40011);
/// assert_eq!(err.to_string(), "invalid reply: a news reply without articles");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyFault {
    /// The text is longer than the platform takes, in bytes of UTF-8.
    #[error("text over {limit} bytes")]
    ContentTooLong {
        /// The most the platform takes.
        limit: usize,
    },
    /// A news reply has no article.
    #[error("a news reply without articles")]
    NoArticles,
    /// A news reply has more articles than the platform shows.
    #[error("more than {limit} articles")]
    TooManyArticles {
        /// The most the platform shows.
        limit: usize,
    },
    /// The message answered has no (or an empty) `FromUserName`, so the reply has no
    /// recipient.
    #[error("the message answered has no FromUserName")]
    NoRecipient,
    /// Images on an AI-bot reply that is not a stream that finishes: `msg_item` is taken only
    /// with `finish: true`.
    #[error("images only go in a stream reply that finishes")]
    ImagesOnlyWhenFinished,
    /// More images than a stream reply carries.
    #[error("more than {limit} images")]
    TooManyImages {
        /// The most it carries.
        limit: usize,
    },
    /// An image larger than the platform takes, in bytes before base64.
    #[error("an image over {limit} bytes")]
    ImageTooLarge {
        /// The most it takes.
        limit: usize,
    },
    /// A feedback id longer than the platform takes, in bytes of UTF-8.
    #[error("a feedback id over {limit} bytes")]
    FeedbackIdTooLong {
        /// The most it takes.
        limit: usize,
    },
    /// A template card given as JSON is not an object with a string `card_type`.
    #[error("a template card is not a JSON object with a card_type")]
    InvalidTemplateCard,
    /// A template card's `task_id` is empty, over 128 bytes, or holds a character other than
    /// digits, letters, `_`, `-` and `@`.
    #[error("a task_id that is empty, too long, or not of digits, letters, _, - and @")]
    InvalidTaskId,
    /// A template card's list is longer than the platform shows.
    #[error("more than {limit} items in {field}")]
    TooManyCardItems {
        /// The list (`button_list`, `horizontal_content_list`, `jump_list`).
        field: &'static str,
        /// The most it shows.
        limit: usize,
    },
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
    #[error("no {0} parameter")]
    Missing(&'static str),
    /// A parameter appears more than once.
    #[error("the {0} parameter appears more than once")]
    Duplicate(&'static str),
    /// The query holds a raw `?` or `#`. A query string has none: a `?` would start it and a
    /// `#` would end it. Web frameworks split such a URL in different ways, so a request that
    /// one reader sees with one `nonce` another would see with another; it is refused. Pass the
    /// query alone to [`CallbackQuery::parse`](crate::CallbackQuery::parse), or the whole URL
    /// to [`CallbackQuery::parse_url`](crate::CallbackQuery::parse_url).
    #[error("a raw '{0}' in the query")]
    RawDelimiter(char),
    /// A percent-decoded value is not UTF-8.
    #[error("a parameter does not percent-decode to UTF-8")]
    NotUtf8,
    /// A parameter that the endpoint's mode never receives: `msg_signature` or
    /// `encrypt_type` on an endpoint configured for plaintext mode, whose console has been
    /// switched to safe or compatible mode.
    #[error("a {0} parameter, which this endpoint's mode never receives")]
    Unexpected(&'static str),
}

impl Error {
    /// The return code for this error: Tencent's official `-40001` to `-40011` (`-40009` only
    /// for an internal fault), or this crate's own `-40012` to `-40014`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    ///
    /// assert_eq!(Error::InvalidAesKey.code(), -40004);
    /// assert_eq!(Error::NotAnEchostr.code(), -40014);
    /// ```
    #[must_use]
    pub const fn code(&self) -> i32 {
        match self {
            Error::SignatureMismatch => -40001,
            Error::MalformedEnvelope(_) | Error::MalformedQuery(_) | Error::MalformedMessage(_) => {
                -40002
            }
            Error::EmptyToken => -40003,
            Error::InvalidAesKey => -40004,
            Error::ReceiveIdMismatch | Error::ReceiveIdRequired => -40005,
            Error::ReplyTooLarge | Error::EncryptFailed => -40006,
            Error::InvalidCiphertextLength | Error::InvalidPadding | Error::MediaTooLarge => -40007,
            Error::FrameTooShort | Error::MessageLengthOutOfRange | Error::MessageNotUtf8 => -40008,
            Error::EncodeBase64Failed => -40009,
            Error::InvalidBase64 => -40010,
            Error::ReplyFieldNotRepresentable
            | Error::ReplyTimestampNotNumeric
            | Error::InvalidReply(_) => -40011,
            Error::TimestampOutOfWindow => -40012,
            Error::InvalidTimestamp => -40013,
            Error::NotAnEchostr => -40014,
        }
    }

    /// The official name of [`code`](Error::code), as Tencent's libraries spell it (for example
    /// `"ValidateSignature_Error"`), or `None` for the codes this crate adds (`-40012` to
    /// `-40014`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    ///
    /// assert_eq!(Error::ReceiveIdMismatch.official_name(), Some("ValidateCorpid_Error"));
    /// assert_eq!(Error::TimestampOutOfWindow.official_name(), None);
    /// assert_eq!(Error::NotAnEchostr.official_name(), None);
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

    /// What to check, for an operator reading the log: a sentence of advice, or `None` where
    /// the message says it all.
    ///
    /// Hints name configuration and usage, never values from the request.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::Error;
    ///
    /// let hint = Error::InvalidPadding.hint().unwrap_or_default();
    /// assert!(hint.contains("EncodingAESKey"));
    /// ```
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::EmptyToken => "set the Token from the callback settings",
            Error::InvalidAesKey => {
                "use the 43-character EncodingAESKey from the callback settings, without a trailing '=' (a media aeskey may have it)"
            }
            Error::MalformedEnvelope(_) => {
                "pass the POST body exactly as received: the XML (or, for the AI bot and JSON-mode 小程序, JSON) envelope with its Encrypt field"
            }
            Error::MalformedMessage(_) => {
                "the message is not what this parser reads: XML for message::Message, a JSON object for aibot::Message (the AI bot); is this the right endpoint for the sender?"
            }
            Error::MalformedQuery(QueryFault::Missing("msg_signature")) => {
                "no msg_signature: the callback is not in safe mode (安全模式), or the plain signature was passed"
            }
            Error::MalformedQuery(QueryFault::Unexpected(_)) => {
                "the console sends this callback in safe or compatible mode: configure the endpoint for that mode (with the EncodingAESKey)"
            }
            Error::MalformedQuery(QueryFault::RawDelimiter(_)) => {
                "pass the query string alone to CallbackQuery::parse, or the whole URL to CallbackQuery::parse_url"
            }
            Error::MalformedQuery(_) => {
                "pass the query string exactly as it arrived in the request line"
            }
            Error::SignatureMismatch => {
                "URL-decode the query exactly once (pass it raw to CallbackQuery::parse), pass msg_signature (not signature), and check the Token saved with this callback URL"
            }
            Error::InvalidBase64 | Error::InvalidCiphertextLength => {
                "pass echostr or Encrypt exactly as received, URL-decoded once"
            }
            Error::InvalidPadding | Error::FrameTooShort | Error::MessageLengthOutOfRange => {
                "the signature verified, so the Token is right: the EncodingAESKey is not the one saved in the admin console"
            }
            Error::ReceiveIdMismatch => {
                "the receive id is the corpid for a self-built app; for a third-party suite, the suite id in instruction callbacks, the authorising company's corpid in data callbacks, and the provider's own corpid (not the suite id) in the console's URL checks; empty for the AI bot; the appid for WeChat"
            }
            Error::NotAnEchostr => {
                "a URL check decrypts to a short string of digits; this one did not (a captured message sent as echostr?), and is refused so that the URL check cannot decrypt messages"
            }
            Error::EncryptFailed | Error::EncodeBase64Failed => {
                "this is a bug in wxbizmsgcrypt: please report it"
            }
            Error::ReceiveIdRequired => {
                "give the builder receive_id(..), or answer messages with Decrypted::encrypt_reply"
            }
            Error::TimestampOutOfWindow => {
                "a replayed or delayed request, or a server clock that is off"
            }
            Error::ReplyFieldNotRepresentable => {
                "remove control characters (other than tab and line breaks) from the reply; pass the timestamp as decimal seconds and a nonce of letters and digits"
            }
            Error::ReplyTimestampNotNumeric => {
                "pass the reply's timestamp as decimal seconds and a nonce of letters and digits"
            }
            Error::InvalidReply(ReplyFault::ContentTooLong { limit: 2048 }) => {
                "split long text over several messages sent through the API (消息推送); a passive reply holds 2048 bytes"
            }
            Error::InvalidReply(ReplyFault::ContentTooLong { .. }) => {
                "a stream holds 20480 bytes: say the rest in a new message through the message's response_url"
            }
            Error::InvalidReply(ReplyFault::TooManyArticles { .. }) => {
                "公众号 shows one article per news reply, WeCom eight; send the rest through the API"
            }
            Error::InvalidReply(ReplyFault::NoRecipient) => {
                "render the reply for the message it answers, as parsed from the decrypted callback"
            }
            Error::MediaTooLarge => {
                "raise the decryptor's maximum if files this large are expected (Tencent's own plugin suggests 50 MB)"
            }
            Error::MessageNotUtf8
            | Error::ReplyTooLarge
            | Error::InvalidTimestamp
            | Error::InvalidReply(_) => return None,
        })
    }
}
