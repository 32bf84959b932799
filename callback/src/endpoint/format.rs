//! The formats an endpoint takes: [`Xml`], [`AiBot`] and [`PlainXml`], each with its message
//! and its reply type, so that a callback can only be answered in its own format.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt::{
    CallbackQuery, Decrypted, Error, MsgCrypt, PlainQuery, QueryFault, Signed, Stamp,
    check_timestamp, json,
};
use zeroize::Zeroizing;

use super::Response;
use super::route::{XmlKeys, XmlOpened};
use crate::message::{DedupKey, JsonMessage, Message};
use crate::{aibot, reply};

/// What a format is to an [`Endpoint`](super::Endpoint): its envelope, its message type, its
/// reply type, and how it is acknowledged. Sealed: the formats are [`Xml`], [`AiBot`] and
/// [`PlainXml`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::{AiBot, Callback, Format, Response, Xml};
/// use wxbizmsgcrypt_callback::{aibot, message};
///
/// // A handler for any format: its message is `F::Message`, its reply `F::Reply`.
/// async fn log_and_acknowledge<F: Format>(callback: Callback<F>) -> Response {
///     let message: &F::Message = callback.message();
///     eprintln!("{message:?}");
///     callback.acknowledge()
/// }
/// let _ = (log_and_acknowledge::<Xml>, log_and_acknowledge::<AiBot>);
///
/// // The types, by format.
/// fn same<T>(_: Option<T>, _: Option<T>) {}
/// same(None::<<Xml as Format>::Message>, None::<message::Message>);
/// same(None::<<AiBot as Format>::Reply>, None::<aibot::Reply>);
/// ```
pub trait Format: sealed::Sealed + Send + Sync + 'static {
    /// The message a callback of this format carries.
    type Message: fmt::Debug + Send + Sync;
    /// What a callback of this format is answered with.
    type Reply: fmt::Debug + Send + Sync;
    /// What an endpoint checks requests with: a `MsgCrypt`, or a plaintext-mode token.
    #[doc(hidden)]
    type Keys: Clone + fmt::Debug + Send + Sync;
    /// What a verified body opens to: a [`Decrypted`], or the plaintext body itself.
    #[doc(hidden)]
    type Opened: Send + Sync;

    /// Answers WeCom's URL check: `msg_signature` over an encrypted echostr.
    #[doc(hidden)]
    fn verify_url(keys: &Self::Keys, query: &CallbackQuery) -> Result<String, Error>;

    /// Checks WeChat's plain `signature`.
    #[doc(hidden)]
    fn verify_plain_signature(
        keys: &Self::Keys,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error>;

    /// Verifies a POST and opens its body: what it opened to, and the query's timestamp and
    /// nonce.
    #[doc(hidden)]
    fn open(
        keys: &Self::Keys,
        raw_query: &str,
        body: &str,
    ) -> Result<(Self::Opened, String, String), Error>;

    /// Reads the message from what the body opened to (or, in plaintext mode, from the body
    /// itself, never copied first).
    #[doc(hidden)]
    fn parse(opened: &Self::Opened, body: &str) -> Result<Self::Message, Error>;

    /// Judges the callback's time: the message's own where it has one, else the query's.
    #[doc(hidden)]
    fn check_freshness(
        message: &Self::Message,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error>;

    #[doc(hidden)]
    fn dedup_key(message: &Self::Message) -> DedupKey;

    /// The secret the store keys are made with, derived from the keys.
    #[doc(hidden)]
    fn dedup_secret(keys: &Self::Keys) -> [u8; 32];

    #[doc(hidden)]
    fn acknowledge(message: &Self::Message) -> Response;

    /// The answer `reply` makes to `message`, sealed as `request` was. `stamp` is the
    /// request's timestamp and nonce, `now` when it was handled.
    #[doc(hidden)]
    fn seal(
        reply: &Self::Reply,
        request: &Self::Opened,
        message: &Self::Message,
        stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Xml {}
    impl Sealed for super::AiBot {}
    impl Sealed for super::PlainXml {}
    impl Sealed for super::WechatJson {}
}

/// What the de-duplication secret is derived for (`MsgCrypt::derive_secret`).
const DEDUP_SECRET_PURPOSE: &[u8; 15] = b"dedup store key";

/// The encrypted formats' POST: `msg_signature` verified and `Encrypt` decrypted by `decrypt`.
fn open_encrypted<T>(
    raw_query: &str,
    decrypt: impl FnOnce(Signed<'_>) -> Result<T, Error>,
) -> Result<(T, String, String), Error> {
    let query = CallbackQuery::parse(raw_query)?;
    let decrypted = decrypt(query.signed())?;
    Ok((decrypted, query.timestamp().to_owned(), query.nonce().to_owned()))
}

/// The XML envelope and XML messages ([`Message`]): WeCom apps, WeCom instruction callbacks,
/// 公众号, XML-mode 小程序, 开放平台. Answered with a passive [`reply::Reply`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Xml}};
/// let endpoint: Endpoint<Xml> = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?);
/// # let _ = endpoint;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xml {}

/// The JSON envelope and the AI bot's JSON messages ([`aibot::Message`]). Answered with an
/// [`aibot::Reply`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{AiBot, Endpoint}};
/// // The AI bot: an empty receive id.
/// let endpoint: Endpoint<AiBot> = Endpoint::aibot(MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?);
/// # let _ = endpoint;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiBot {}

/// WeChat's plaintext mode (明文模式): XML messages in the clear, checked by the plain
/// `signature` alone, and answered with a plaintext passive [`reply::Reply`]. See
/// [`Endpoint::wechat_plaintext`](super::Endpoint::wechat_plaintext) for what that mode does
/// not protect.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::{Endpoint, PlainXml};
/// let endpoint: Endpoint<PlainXml> = Endpoint::wechat_plaintext("pamtest")?;
/// # let _ = endpoint;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainXml {}

/// A plaintext-mode endpoint's Token, wiped on drop; its `Debug` shows nothing of it.
#[doc(hidden)]
#[derive(Clone)]
pub struct PlainToken(Zeroizing<String>);

impl PlainToken {
    /// `token`, if it is not empty.
    pub(super) fn new(token: &str) -> Result<PlainToken, Error> {
        if token.is_empty() {
            return Err(Error::EmptyToken);
        }
        Ok(PlainToken(Zeroizing::new(token.to_owned())))
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken(..)")
    }
}

impl Format for PlainXml {
    type Message = Message;
    type Reply = reply::Reply;
    type Keys = PlainToken;
    /// Nothing to open: the body is the message.
    type Opened = ();

    /// A plaintext endpoint's URL check is always plain: the endpoint never asks this.
    fn verify_url(_token: &PlainToken, _query: &CallbackQuery) -> Result<String, Error> {
        debug_assert!(false, "a plaintext-mode endpoint checks its URL check's plain signature");
        Err(Error::MalformedQuery(QueryFault::Missing("signature")))
    }

    fn verify_plain_signature(
        token: &PlainToken,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error> {
        wxbizmsgcrypt::verify_plain_signature(&token.0, signature, stamp)
    }

    fn open(
        token: &PlainToken,
        raw_query: &str,
        _body: &str,
    ) -> Result<((), String, String), Error> {
        let query = PlainQuery::parse(raw_query)?;
        // A safe- or compatible-mode POST (the console switched away from plaintext) carries
        // the plain signature too: refused, not read as a plaintext message.
        for name in ["msg_signature", "encrypt_type"] {
            if wxbizmsgcrypt::__private::query_field(raw_query, name)?.is_some() {
                return Err(Error::MalformedQuery(QueryFault::Unexpected(name)));
            }
        }
        Self::verify_plain_signature(token, query.signature(), query.stamp())?;
        let stamp = query.stamp();
        Ok(((), stamp.timestamp().to_owned(), stamp.nonce().to_owned()))
    }

    fn parse((): &(), body: &str) -> Result<Message, Error> {
        Message::parse(body)
    }

    /// The query's timestamp, which the signature covers: the body's `CreateTime` is not
    /// signed in this mode.
    fn check_freshness(
        _message: &Message,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error> {
        check_timestamp(query_timestamp, now, window)
    }

    fn dedup_key(message: &Message) -> DedupKey {
        message.dedup_key()
    }

    /// SHA-256 of a fixed label (15 bytes) and the Token: the only secret this mode has.
    fn dedup_secret(token: &PlainToken) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::new()
            .chain_update(DEDUP_SECRET_PURPOSE)
            .chain_update(token.0.as_bytes())
            .finalize()
            .into()
    }

    fn acknowledge(message: &Message) -> Response {
        Xml::acknowledge(message)
    }

    /// Rendered for the message at `now`, in the clear.
    fn seal(
        reply: &reply::Reply,
        (): &(),
        message: &Message,
        _stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error> {
        Ok(Response::xml(200, reply.render(message, now)?))
    }
}

/// WeChat's JSON mode: 小程序 message push with the data format set to JSON, and the JSON-only
/// pushes of 视频号小店 / 微信小店, in safe mode: a [`JsonMessage`] answered with a
/// [`JsonReply`](reply::JsonReply) (or `success`). See
/// [`Endpoint::wechat_json`](super::Endpoint::wechat_json).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, WechatJson}};
/// let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let endpoint: Endpoint<WechatJson> = Endpoint::wechat_json(crypt);
/// # let _ = endpoint;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WechatJson {}

impl Format for WechatJson {
    type Message = JsonMessage;
    type Reply = reply::JsonReply;
    type Keys = MsgCrypt;
    type Opened = Decrypted;

    /// WeChat's URL check is always plain: the endpoint never asks this.
    fn verify_url(_crypt: &MsgCrypt, _query: &CallbackQuery) -> Result<String, Error> {
        debug_assert!(false, "a WeChat endpoint checks its URL check's plain signature");
        Err(Error::MalformedQuery(QueryFault::Missing("signature")))
    }

    fn verify_plain_signature(
        crypt: &MsgCrypt,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error> {
        crypt.verify_plain_signature(signature, stamp)
    }

    fn open(
        crypt: &MsgCrypt,
        raw_query: &str,
        body: &str,
    ) -> Result<(Decrypted, String, String), Error> {
        open_encrypted(raw_query, |signed| json::decrypt_msg(crypt, signed, body))
    }

    fn dedup_secret(crypt: &MsgCrypt) -> [u8; 32] {
        wxbizmsgcrypt::__private::derive_secret(crypt, DEDUP_SECRET_PURPOSE)
    }

    fn parse(decrypted: &Decrypted, _body: &str) -> Result<JsonMessage, Error> {
        JsonMessage::parse(decrypted.message())
    }

    /// The message's `CreateTime` (inside the ciphertext), else the query's timestamp.
    fn check_freshness(
        message: &JsonMessage,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error> {
        let time = message.create_time();
        check_json_freshness(time, message.has_field("CreateTime"), query_timestamp, now, window)
    }

    fn dedup_key(message: &JsonMessage) -> DedupKey {
        message.dedup_key()
    }

    /// `success`, which WeChat takes as "received, no reply".
    fn acknowledge(_message: &JsonMessage) -> Response {
        Response::text(200, "success".to_owned())
    }

    /// Rendered for the message at `now`, sealed in WeChat's JSON reply envelope with the
    /// request's key and appid, under the request's nonce.
    fn seal(
        reply: &reply::JsonReply,
        request: &Decrypted,
        message: &JsonMessage,
        stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error> {
        let rendered = reply.render(message, now)?;
        let body = json::encrypt_reply_wechat(request, &rendered, Stamp::new(now, stamp.nonce()))?;
        Ok(Response::json(200, body))
    }
}

impl Format for Xml {
    type Message = Message;
    type Reply = reply::Reply;
    type Keys = XmlKeys;
    type Opened = XmlOpened;

    fn verify_url(keys: &XmlKeys, query: &CallbackQuery) -> Result<String, Error> {
        keys.verify_url(query)
    }

    fn verify_plain_signature(
        keys: &XmlKeys,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error> {
        keys.verify_plain_signature(signature, stamp)
    }

    fn open(
        keys: &XmlKeys,
        raw_query: &str,
        body: &str,
    ) -> Result<(XmlOpened, String, String), Error> {
        open_encrypted(raw_query, |signed| keys.decrypt(raw_query, signed, body))
    }

    fn dedup_secret(keys: &XmlKeys) -> [u8; 32] {
        keys.dedup_secret(DEDUP_SECRET_PURPOSE)
    }

    fn parse(opened: &XmlOpened, _body: &str) -> Result<Message, Error> {
        let message = Message::parse(opened.decrypted.message())?;
        opened.check(&message)?;
        Ok(message)
    }

    fn check_freshness(
        message: &Message,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error> {
        let time = message.get("CreateTime").or_else(|| message.get("TimeStamp"));
        check_timestamp(time.unwrap_or(query_timestamp), now, window)
    }

    fn dedup_key(message: &Message) -> DedupKey {
        message.dedup_key()
    }

    /// `success` (as `text/plain`) to an instruction callback (an `InfoType` and no
    /// `MsgType`: WeCom third-party apps, 开放平台), which Tencent requires; an empty 200 to
    /// anything else.
    fn acknowledge(message: &Message) -> Response {
        if message.msg_type().is_none() && message.info_type().is_some() {
            Response::text(200, "success".to_owned())
        } else {
            Response::empty(200)
        }
    }

    /// Rendered for the message at `now` and sealed with the request's key and receive id,
    /// under the request's nonce.
    fn seal(
        reply: &reply::Reply,
        request: &XmlOpened,
        message: &Message,
        stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error> {
        let body = reply.seal(&request.decrypted, message, Stamp::new(now, stamp.nonce()))?;
        Ok(Response::xml(200, body))
    }
}

impl Format for AiBot {
    type Message = aibot::Message;
    type Reply = aibot::Reply;
    type Keys = MsgCrypt;
    type Opened = Decrypted;

    fn verify_url(crypt: &MsgCrypt, query: &CallbackQuery) -> Result<String, Error> {
        crypt.verify_url(query.signed(), query.echostr()?)
    }

    fn verify_plain_signature(
        crypt: &MsgCrypt,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error> {
        crypt.verify_plain_signature(signature, stamp)
    }

    fn open(
        crypt: &MsgCrypt,
        raw_query: &str,
        body: &str,
    ) -> Result<(Decrypted, String, String), Error> {
        open_encrypted(raw_query, |signed| json::decrypt_msg(crypt, signed, body))
    }

    fn dedup_secret(crypt: &MsgCrypt) -> [u8; 32] {
        wxbizmsgcrypt::__private::derive_secret(crypt, DEDUP_SECRET_PURPOSE)
    }

    fn parse(decrypted: &Decrypted, _body: &str) -> Result<aibot::Message, Error> {
        aibot::Message::parse(decrypted.message())
    }

    fn check_freshness(
        message: &aibot::Message,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error> {
        let time = message.create_time();
        check_json_freshness(time, message.has_field("create_time"), query_timestamp, now, window)
    }

    fn dedup_key(message: &aibot::Message) -> DedupKey {
        message.dedup_key()
    }

    fn acknowledge(_message: &aibot::Message) -> Response {
        Response::empty(200)
    }

    /// Echoing the request's timestamp and nonce, as `text/plain`, as Tencent's own plugin
    /// does.
    fn seal(
        reply: &aibot::Reply,
        request: &Decrypted,
        _message: &aibot::Message,
        stamp: Stamp<'_>,
        _now: SystemTime,
    ) -> Result<Response, Error> {
        let body = reply.seal(request, stamp)?;
        Ok(Response::text(200, body))
    }
}

/// [`check_timestamp`] for a time already read: whole seconds on both sides, as the sender
/// wrote them; `-40012` past `window` either way.
/// A JSON message's freshness: its own time if it has one; a time field that is there but no
/// whole number of seconds is refused, never passed over for the query's timestamp.
fn check_json_freshness(
    time: Option<SystemTime>,
    time_field_present: bool,
    query_timestamp: &str,
    now: SystemTime,
    window: Duration,
) -> Result<(), Error> {
    match time {
        Some(time) => check_time(time, now, window),
        None if time_field_present => Err(Error::InvalidTimestamp),
        None => check_timestamp(query_timestamp, now, window),
    }
}

fn check_time(sent: SystemTime, now: SystemTime, window: Duration) -> Result<(), Error> {
    let seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).map(|d| d.as_secs());
    let (Ok(sent), Ok(now)) = (seconds(sent), seconds(now)) else {
        return Err(Error::TimestampOutOfWindow);
    };
    if Duration::from_secs(sent.abs_diff(now)) > window {
        return Err(Error::TimestampOutOfWindow);
    }
    Ok(())
}
