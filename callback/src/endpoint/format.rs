//! The formats an endpoint takes: [`Xml`] and [`AiBot`], each with its message and its reply
//! type, so that a callback can only be answered in its own format.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt::{Decrypted, Error, MsgCrypt, Signed, Stamp, check_timestamp, json, xml};

use super::Response;
use crate::message::{DedupKey, Message};
use crate::{aibot, reply};

/// What a format is to an [`Endpoint`](super::Endpoint): its envelope, its message type, its
/// reply type, and how it is acknowledged. Sealed: the formats are [`Xml`] and [`AiBot`].
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

    #[doc(hidden)]
    fn decrypt(crypt: &MsgCrypt, signed: Signed<'_>, body: &str) -> Result<Decrypted, Error>;

    #[doc(hidden)]
    fn parse(decrypted: &Decrypted) -> Result<Self::Message, Error>;

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

    #[doc(hidden)]
    fn acknowledge(message: &Self::Message) -> Response;

    /// The answer `reply` makes to `message`, sealed as `request` was. `stamp` is the
    /// request's timestamp and nonce, `now` when it was handled.
    #[doc(hidden)]
    fn seal(
        reply: &Self::Reply,
        request: &Decrypted,
        message: &Self::Message,
        stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Xml {}
    impl Sealed for super::AiBot {}
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

impl Format for Xml {
    type Message = Message;
    type Reply = reply::Reply;

    fn decrypt(crypt: &MsgCrypt, signed: Signed<'_>, body: &str) -> Result<Decrypted, Error> {
        xml::decrypt_msg(crypt, signed, body)
    }

    fn parse(decrypted: &Decrypted) -> Result<Message, Error> {
        Message::parse(decrypted.message())
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
        request: &Decrypted,
        message: &Message,
        stamp: Stamp<'_>,
        now: SystemTime,
    ) -> Result<Response, Error> {
        let body = reply.seal(request, message, Stamp::new(now, stamp.nonce()))?;
        Ok(Response::xml(200, body))
    }
}

impl Format for AiBot {
    type Message = aibot::Message;
    type Reply = aibot::Reply;

    fn decrypt(crypt: &MsgCrypt, signed: Signed<'_>, body: &str) -> Result<Decrypted, Error> {
        json::decrypt_msg(crypt, signed, body)
    }

    fn parse(decrypted: &Decrypted) -> Result<aibot::Message, Error> {
        aibot::Message::parse(decrypted.message())
    }

    fn check_freshness(
        message: &aibot::Message,
        query_timestamp: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), Error> {
        match message.create_time() {
            Some(time) => check_time(time, now, window),
            // There but no whole number of seconds: refused, not passed over for the query's
            // timestamp.
            None if message.has_field("create_time") => Err(Error::InvalidTimestamp),
            None => check_timestamp(query_timestamp, now, window),
        }
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
