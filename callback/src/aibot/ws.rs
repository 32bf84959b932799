//! The AI bot's long connection (智能机器人长连接), sans-I/O: frames and time in; frames to
//! send, deadlines and decisions out. No socket and no clock here: a driver (a few dozen
//! lines over any WebSocket client) opens the socket when told, feeds every text frame to
//! [`Connection::received`], reports the socket's end with [`Connection::closed`], and calls
//! [`Connection::poll`] until it returns `None`, then again at [`Connection::next_deadline`].
//!
//! What it does, from Tencent's page (智能机器人长连接, path/101463) and the official SDK:
//!
//! - **Subscribe first:** `aibot_subscribe` with the BotID and Secret is the first frame on a
//!   new socket, and nothing counts as connected until its ack ([`Event::Subscribed`]).
//! - **Heartbeat:** a `ping` every [`DEFAULT_HEARTBEAT`] (30 s); two unanswered when the next
//!   is due, and the socket is dead: [`Event::Close`], then reconnect.
//! - **Back-off:** 1 s doubling to 30 s, with one counter for drops and another for refused
//!   subscriptions; both reset by a subscription's ack. After [`MAX_AUTH_FAILURES`] refused
//!   subscriptions in a row, it stops ([`StopReason::AuthFailed`]): a wrong Secret does not
//!   get better by retrying.
//! - **Acks by `req_id`, one frame in flight per `req_id`:** every refresh of a stream shares
//!   the callback's `req_id`, so a stream is sent in order; a frame without its ack within
//!   [`ACK_TIMEOUT`] (5 s) fails ([`Failure::AckTimeout`]) and the next one goes.
//! - **Stream refreshes coalesce:** while one frame of a stream is unacked, a newer refresh
//!   replaces the one queued (the content is cumulative); the final frame always goes.
//! - **Replies follow the callback:** a message is answered with `aibot_respond_msg`,
//!   `enter_chat` with `aibot_respond_welcome_msg`, a card click with
//!   `aibot_respond_update_msg`; anything else is refused here ([`Failure::WrongReply`]),
//!   not by WeCom's 846605. Streams live 10 minutes ([`STREAM_LIFETIME`]); images
//!   (`msg_item`) and a stream with a card are not taken on this transport.
//! - **Kicked:** `disconnected_event` means another connection of the bot took over. It
//!   stops ([`Event::Kicked`]); the deployment knows whether that newcomer is itself (its
//!   lease): if the lease is still ours, [`Connection::resume_after_kick`] re-subscribes once
//!   after a delay, never in a loop.
//! - **Budgets:** [`SendBudget`] says, for one conversation, whether a message may go now
//!   (the 24-hour window, 30 a minute, 1,000 an hour), when, or never.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials, Event};
//!
//! let now = Instant::now();
//! let mut connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 7);
//! assert_eq!(connection.poll(now), Some(Event::Connect));
//! connection.connected(now);
//! let Some(Event::Send(subscribe)) = connection.poll(now) else { panic!() };
//! assert!(subscribe.contains(r#""cmd":"aibot_subscribe""#));
//! // WeCom's ack, on the subscribe frame's req_id.
//! let req_id = subscribe.split(r#""req_id":""#).nth(1).and_then(|s| s.split('"').next()).unwrap();
//! connection.received(&format!(r#"{{"headers":{{"req_id":"{req_id}"}},"errcode":0,"errmsg":"ok"}}"#), now)?;
//! assert_eq!(connection.poll(now), Some(Event::Subscribed));
//! assert_eq!(connection.next_deadline(), Some(now + Duration::from_secs(30))); // the first ping
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::{Message, Reply};
use crate::Error;

#[cfg(feature = "aibot-ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aibot-ws")))]
#[path = "ws_driver.rs"]
pub mod driver;

/// WeCom's long-connection endpoint.
pub const OFFICIAL_URL: &str = "wss://openws.work.weixin.qq.com";
/// How often a ping is sent (Tencent recommends 30 s).
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);
/// How long a frame waits for its ack before it fails (the official SDK's 5 s).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a stream can be refreshed after its callback (10 minutes on this transport).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How many subscriptions refused in a row stop the connection.
pub const MAX_AUTH_FAILURES: u32 = 5;
/// The first back-off step; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest back-off.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The most frames queued for one `req_id` (the official SDK's 500).
pub const MAX_QUEUED_PER_REQ_ID: usize = 500;
/// The largest inbound frame read, in bytes: larger ones are refused unread.
pub const MAX_FRAME_LEN: usize = 1 << 20;
/// How many unanswered pings, when the next is due, mean the socket is dead.
const PINGS_MISSED_TO_CLOSE: u32 = 2;
/// How long a resumed subscription must last before a kick counts as a first one again.
pub const STABLE_AFTER_RESUME: Duration = Duration::from_secs(10 * 60);
/// The longest heartbeat period and resume delay taken (longer ones are this).
const MAX_PERIOD: Duration = Duration::from_secs(60 * 60);
/// The most callbacks remembered for their replies, and frames waiting at once.
const MAX_KNOWN: usize = 10_000;
/// The longest `req_id` remembered (Tencent: at most 256 bytes).
const MAX_REQ_ID_LEN: usize = 256;

/// The bot's long-connection credentials: its BotID and its Secret (not the callback's Token
/// or EncodingAESKey). The Secret is wiped when the credentials are dropped and never shown by
/// `Debug` (the subscription frame that carries it is a plain string, as is the socket's
/// buffer: those copies are not wiped).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::ws::Credentials;
/// let credentials = Credentials::new("BOTID", "SECRET")?;
/// assert_eq!(format!("{credentials:?}"), r#"Credentials { bot_id: "BOTID", .. }"#);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    bot_id: String,
    secret: Zeroizing<String>,
}

impl Credentials {
    /// The BotID and the Secret, as the bot's console shows them.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyToken`] (`-40003`) if either is empty.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{Error, aibot::ws::Credentials};
    /// assert_eq!(Credentials::new("BOTID", "").err(), Some(Error::EmptyToken));
    /// ```
    pub fn new(bot_id: &str, secret: &str) -> Result<Credentials, Error> {
        if bot_id.is_empty() || secret.is_empty() {
            return Err(Error::EmptyToken);
        }
        Ok(Credentials { bot_id: bot_id.to_owned(), secret: Zeroizing::new(secret.to_owned()) })
    }

    /// The BotID.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::ws::Credentials;
    /// assert_eq!(Credentials::new("BOTID", "SECRET")?.bot_id(), "BOTID");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn bot_id(&self) -> &str {
        &self.bot_id
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("bot_id", &self.bot_id).finish_non_exhaustive()
    }
}

/// Which of our frames an [`Event::Acked`] or [`Event::Failed`] is about: what
/// [`Connection::reply`] and [`Connection::push_markdown`] returned. A refresh coalesced into
/// a queued one shares its id.
///
/// # Example
///
/// See [`Connection::reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameId(u64);

/// A callback from WeCom, to hand to the application and answer with
/// [`Connection::reply`].
///
/// # Example
///
/// See [`Connection::reply`].
#[derive(Debug, Clone)]
pub struct Callback {
    req_id: String,
    kind: CallbackKind,
    message: Message,
}

impl Callback {
    /// The callback's `req_id`: every reply to it carries it.
    ///
    /// # Example
    ///
    /// See [`Connection::reply`].
    #[must_use]
    pub fn req_id(&self) -> &str {
        &self.req_id
    }

    /// Its body: the same message as the callback mode's (`msgid` for de-duplication).
    ///
    /// # Example
    ///
    /// See [`Connection::reply`].
    #[must_use]
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// What it is, which says how it can be answered.
    ///
    /// # Example
    ///
    /// See [`Connection::reply`].
    #[must_use]
    pub fn kind(&self) -> CallbackKind {
        self.kind
    }
}

/// What a callback is, for the command that answers it.
///
/// # Example
///
/// See [`Connection::reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackKind {
    /// `aibot_msg_callback`: answered with `aibot_respond_msg` (a stream, text, a card).
    Message,
    /// `enter_chat`: answered with `aibot_respond_welcome_msg` within 5 s.
    EnterChat,
    /// `template_card_event`: answered with `aibot_respond_update_msg` (a card update).
    CardEvent,
    /// Any other event (`feedback_event`, kinds Tencent adds): not answered.
    OtherEvent,
}

/// What the driver must do, or what happened: [`Connection::poll`]'s answers.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Open a WebSocket to the bot's URL, then call [`Connection::connected`] (or
    /// [`Connection::closed`] if it fails).
    Connect,
    /// Send this text frame on the open socket.
    Send(String),
    /// Close the socket, then call [`Connection::closed`].
    Close,
    /// The subscription was acknowledged: the connection counts from now.
    Subscribed,
    /// A callback for the application (de-duplicate it by `msgid`).
    Callback(Box<Callback>),
    /// WeCom acknowledged this frame.
    Acked(FrameId),
    /// This frame failed.
    Failed(FrameId, Failure),
    /// WeCom sent `disconnected_event`: another connection of this bot took over, and this one
    /// is down. Check the lease: if it is still ours, [`Connection::resume_after_kick`]; else
    /// stay down.
    Kicked,
    /// The connection stopped for good, and says why.
    Stopped(StopReason),
}

impl PartialEq for Callback {
    fn eq(&self, other: &Callback) -> bool {
        self.req_id == other.req_id
            && self.kind == other.kind
            && self.message.as_json() == other.message.as_json()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The subscription carries the Secret: never in a log.
            Event::Send(frame) if frame.contains(r#""cmd":"aibot_subscribe""#) => {
                f.write_str("Send(aibot_subscribe, secret redacted)")
            }
            Event::Send(frame) => f.debug_tuple("Send").field(frame).finish(),
            Event::Connect => f.write_str("Connect"),
            Event::Close => f.write_str("Close"),
            Event::Subscribed => f.write_str("Subscribed"),
            Event::Callback(callback) => f.debug_tuple("Callback").field(callback).finish(),
            Event::Acked(id) => f.debug_tuple("Acked").field(id).finish(),
            Event::Failed(id, failure) => f.debug_tuple("Failed").field(id).field(failure).finish(),
            Event::Kicked => f.write_str("Kicked"),
            Event::Stopped(reason) => f.debug_tuple("Stopped").field(reason).finish(),
        }
    }
}

/// Why the connection stopped for good.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::ws::StopReason;
/// assert_eq!(StopReason::AuthFailed { errcode: 40001 }.to_string(), "the subscription was refused 5 times in a row (last errcode 40001): check the BotID and Secret");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// [`MAX_AUTH_FAILURES`] subscriptions in a row were refused.
    AuthFailed {
        /// WeCom's last errcode.
        errcode: i64,
    },
    /// Kicked again after [`Connection::resume_after_kick`], or kicked and not resumed.
    Kicked,
    /// [`Connection::stop`] was asked to: the lease was lost, or the service is stopping.
    Requested,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::AuthFailed { errcode } => write!(
                f,
                "the subscription was refused {MAX_AUTH_FAILURES} times in a row (last errcode {errcode}): check the BotID and Secret"
            ),
            StopReason::Kicked => f.write_str(
                "another connection of this bot took over (disconnected_event): staying down",
            ),
            StopReason::Requested => f.write_str("stopped as asked"),
        }
    }
}

/// Why a frame failed, or was refused before it was sent.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::ws::Failure;
/// let refused = Failure::Refused { errcode: 846608, errmsg: "stream message update expired".into() };
/// assert!(refused.hint().unwrap().contains("aibot_send_msg"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// WeCom answered with this errcode.
    Refused {
        /// The errcode.
        errcode: i64,
        /// WeCom's message.
        errmsg: String,
    },
    /// No ack within [`ACK_TIMEOUT`].
    AckTimeout,
    /// The socket closed before the ack came.
    ConnectionLost,
    /// This reply does not answer this kind of callback on the long connection (WeCom would
    /// answer 846605).
    WrongReply {
        /// The callback's kind.
        callback: CallbackKind,
    },
    /// What the long connection does not take: images on a stream (`msg_item`), or a stream
    /// with a template card.
    NotOnLongConnection,
    /// The stream's callback is older than [`STREAM_LIFETIME`] (WeCom would answer 846608).
    StreamExpired,
    /// No callback of this `req_id` is known here (never received, or over 10 minutes old).
    UnknownCallback,
    /// [`MAX_QUEUED_PER_REQ_ID`] frames are already waiting for this `req_id`.
    QueueFull,
    /// Not subscribed: a proactive message waits for nothing.
    NotSubscribed,
    /// The reply is over the platform's limits (`-40011`).
    InvalidReply(Error),
}

impl Failure {
    /// What to do about it, for the errcodes seen in the wild.
    ///
    /// # Example
    ///
    /// See [`Failure`].
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Failure::Refused { errcode: 846_605, .. } | Failure::WrongReply { .. } => Some(
                "invalid req_id: a message is answered with aibot_respond_msg, enter_chat with aibot_respond_welcome_msg, a card click with aibot_respond_update_msg, nothing else",
            ),
            Failure::Refused { errcode: 846_608, .. } | Failure::StreamExpired => Some(
                "the stream expired (10 minutes on the long connection): send the rest with aibot_send_msg",
            ),
            Failure::Refused { errcode: 846_609, .. } => {
                Some("not subscribed while the socket looked open: the connection re-subscribes")
            }
            Failure::AckTimeout | Failure::ConnectionLost => Some(
                "the frame may or may not have arrived: a stream's next refresh carries the whole content",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused { errcode, errmsg } => write!(f, "refused: {errcode} {errmsg}"),
            Failure::AckTimeout => write!(f, "no ack within {} s", ACK_TIMEOUT.as_secs()),
            Failure::ConnectionLost => f.write_str("the socket closed before the ack"),
            Failure::WrongReply { callback } => {
                write!(f, "this reply does not answer a {callback:?} callback")
            }
            Failure::NotOnLongConnection => f.write_str(
                "images (msg_item) and a stream with a card are not taken on the long connection",
            ),
            Failure::StreamExpired => f.write_str("the stream is older than 10 minutes"),
            Failure::UnknownCallback => f.write_str("no callback of this req_id is known"),
            Failure::QueueFull => f.write_str("too many frames queued for this req_id"),
            Failure::NotSubscribed => f.write_str("not subscribed"),
            Failure::InvalidReply(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for Failure {}

/// Where the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting to connect at this time.
    Down { connect_at: Instant },
    /// [`Event::Connect`] emitted; the socket is being opened.
    Connecting,
    /// Subscribe sent; its ack awaited.
    Subscribing,
    /// Subscribed.
    Up,
    /// Closing after a failure: `closed` awaited, then down until `connect_at`.
    Closing { connect_at: Instant },
    /// Kicked; `resume_after_kick` may bring it back once.
    Kicked,
    /// For good.
    Stopped(StopReason),
}

/// A frame waiting for its turn, or in flight.
#[derive(Debug)]
struct Outbound {
    id: FrameId,
    frame: String,
    /// A stream's id, and whether this frame finishes it (for coalescing).
    stream: Option<(String, bool)>,
}

/// The frames of one `req_id`: the one in flight (and when it was sent), the ones after it.
#[derive(Debug, Default)]
struct Lane {
    in_flight: Option<(Outbound, Instant)>,
    queued: VecDeque<Outbound>,
    /// After an ack timeout: the late ack of the frame that timed out may still come, and must
    /// not be taken for the next frame's. The next frame waits for it, or until this time.
    stale_ack_until: Option<Instant>,
}

/// What a callback allows, kept for [`STREAM_LIFETIME`].
#[derive(Debug, Clone, Copy)]
struct Known {
    kind: CallbackKind,
    received_at: Instant,
    /// The subscription it came on: a reply goes on the same one, or not at all.
    epoch: u64,
}

/// One bot's long connection, sans-I/O: see the [module docs](self).
///
/// # Example
///
/// See the [module docs](self).
pub struct Connection {
    credentials: Credentials,
    heartbeat: Duration,
    state: State,
    events: VecDeque<Event>,
    /// Sequence of our own `req_id`s and frame ids.
    next_seq: u64,
    /// Distinguishes this connection's `req_id`s from another's.
    salt: u64,
    subscribe_req_id: Option<String>,
    /// The `req_id` of the ping in flight, and how many have gone unanswered.
    ping_req_id: Option<String>,
    pings_unanswered: u32,
    next_ping: Option<Instant>,
    drops: u32,
    auth_failures: u32,
    resumed_after_kick: bool,
    /// When the current subscription was acknowledged.
    subscribed_at: Option<Instant>,
    /// Counts subscriptions: callbacks are answered on the one they came on.
    epoch: u64,
    lanes: HashMap<String, Lane>,
    known: HashMap<String, Known>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("credentials", &self.credentials)
            .field("state", &self.state)
            .field("lanes", &self.lanes.len())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection for `credentials`, down and ready to connect at once. `salt` (any random
    /// number: the driver's) makes its `req_id`s its own.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    #[must_use]
    pub fn new(credentials: Credentials, salt: u64) -> Connection {
        Connection {
            credentials,
            heartbeat: DEFAULT_HEARTBEAT,
            state: State::Connecting,
            events: VecDeque::from([Event::Connect]),
            next_seq: 0,
            salt,
            subscribe_req_id: None,
            ping_req_id: None,
            pings_unanswered: 0,
            next_ping: None,
            drops: 0,
            auth_failures: 0,
            resumed_after_kick: false,
            subscribed_at: None,
            epoch: 0,
            lanes: HashMap::new(),
            known: HashMap::new(),
        }
    }

    /// Sets the heartbeat period ([`DEFAULT_HEARTBEAT`] by default; at least a second).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials};
    /// let connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1).with_heartbeat(Duration::from_secs(10));
    /// # let _ = connection;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Connection {
        self.heartbeat = heartbeat.clamp(Duration::from_secs(1), MAX_PERIOD);
        self
    }

    /// Whether the subscription is acknowledged and the socket up.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials};
    /// let connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1);
    /// assert!(!connection.is_subscribed());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn is_subscribed(&self) -> bool {
        self.state == State::Up
    }

    /// The socket opened: the subscription goes first.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub fn connected(&mut self, now: Instant) {
        if self.state != State::Connecting {
            // A socket nobody asked for: close it.
            self.events.push_back(Event::Close);
            return;
        }
        let req_id = self.req_id("aibot_subscribe");
        let frame = json!({
            "cmd": "aibot_subscribe",
            "headers": { "req_id": req_id },
            "body": { "bot_id": self.credentials.bot_id, "secret": self.credentials.secret.as_str() },
        });
        self.subscribe_req_id = Some(req_id);
        self.state = State::Subscribing;
        self.events.push_back(Event::Send(frame.to_string()));
        // The subscription's ack is waited for like any other.
        self.next_ping = Some(now + ACK_TIMEOUT);
    }

    /// The socket closed, or failed to open: frames in flight fail, and a new socket is asked
    /// for after the back-off.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials, Event};
    /// let now = Instant::now();
    /// let mut connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1);
    /// assert_eq!(connection.poll(now), Some(Event::Connect));
    /// connection.closed(now); // the socket did not open
    /// assert_eq!(connection.poll(now), None);
    /// assert_eq!(connection.next_deadline(), Some(now + Duration::from_secs(1)));
    /// assert_eq!(connection.poll(now + Duration::from_secs(1)), Some(Event::Connect));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn closed(&mut self, now: Instant) {
        self.fail_in_flight(Failure::ConnectionLost);
        self.subscribe_req_id = None;
        self.ping_req_id = None;
        self.pings_unanswered = 0;
        self.next_ping = None;
        self.state = match self.state {
            State::Kicked => State::Kicked,
            State::Stopped(reason) => State::Stopped(reason),
            State::Closing { connect_at } => State::Down { connect_at },
            State::Down { connect_at } => State::Down { connect_at },
            State::Connecting | State::Subscribing | State::Up => {
                self.drops = self.drops.saturating_add(1);
                State::Down { connect_at: now + backoff(self.drops) }
            }
        };
    }

    /// A text frame from WeCom.
    ///
    /// # Errors
    ///
    /// An error only for a frame that is not WeCom's (not JSON, no `req_id`, over
    /// [`MAX_FRAME_LEN`]): it is ignored, and the error says why, for a log.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub fn received(&mut self, text: &str, now: Instant) -> Result<(), Error> {
        let malformed = Error::MalformedMessage(wxbizmsgcrypt::MessageFault::NotWellFormed);
        if text.len() > MAX_FRAME_LEN {
            return Err(malformed);
        }
        // The frame's members, each left as its JSON text: the body is parsed once, by
        // `Message::parse`, and kept as sent (`Message::as_json`).
        let frame: HashMap<String, &RawValue> =
            serde_json::from_str(text).map_err(|_| malformed.clone())?;
        let member = |name: &str| -> Option<Value> {
            frame.get(name).and_then(|raw| serde_json::from_str(raw.get()).ok())
        };
        let req_id = member("headers")
            .as_ref()
            .and_then(|headers| headers.get("req_id"))
            .and_then(Value::as_str)
            .ok_or_else(|| malformed.clone())?
            .to_owned();
        let cmd = member("cmd");
        match cmd.as_ref().and_then(Value::as_str) {
            None => {
                let errcode = member("errcode").as_ref().and_then(Value::as_i64).unwrap_or(0);
                let errmsg = member("errmsg");
                let errmsg = errmsg.as_ref().and_then(Value::as_str).unwrap_or_default();
                self.ack(&req_id, errcode, errmsg, now);
                Ok(())
            }
            Some(cmd @ ("aibot_msg_callback" | "aibot_event_callback")) => {
                let body = frame.get("body").ok_or_else(|| malformed.clone())?;
                let message = Message::parse(body.get())?;
                if self.state != State::Up {
                    // Before the subscription's ack, or after a kick: not ours to handle.
                    return Ok(());
                }
                let kind = if cmd == "aibot_msg_callback" {
                    CallbackKind::Message
                } else {
                    match message.pointer("/event/eventtype") {
                        Some("disconnected_event") => {
                            self.kicked(now);
                            return Ok(());
                        }
                        Some("enter_chat") => CallbackKind::EnterChat,
                        Some("template_card_event") => CallbackKind::CardEvent,
                        _ => CallbackKind::OtherEvent,
                    }
                };
                self.forget_old(now);
                // A req_id over Tencent's length, or past the bound: handed on, but not
                // remembered for a reply (which is then refused as UnknownCallback).
                if req_id.len() <= MAX_REQ_ID_LEN && self.known.len() < MAX_KNOWN {
                    let epoch = self.epoch;
                    self.known.insert(req_id.clone(), Known { kind, received_at: now, epoch });
                }
                self.events.push_back(Event::Callback(Box::new(Callback {
                    req_id,
                    kind,
                    message,
                })));
                Ok(())
            }
            // A command Tencent adds later: data, not an error.
            Some(_) => Ok(()),
        }
    }

    /// Answers `callback` with `reply`, on the command its kind takes. A stream's refreshes
    /// share the callback's `req_id` and go one at a time; a refresh queued behind an unacked
    /// one is replaced by a newer one (same [`FrameId`]); the final frame always goes.
    ///
    /// # Errors
    ///
    /// A [`Failure`], before anything is sent: [`Failure::WrongReply`] for a reply this kind
    /// of callback does not take, [`Failure::NotOnLongConnection`], [`Failure::StreamExpired`],
    /// [`Failure::UnknownCallback`], [`Failure::QueueFull`], [`Failure::InvalidReply`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use wxbizmsgcrypt_callback::aibot::Reply;
    /// use wxbizmsgcrypt_callback::aibot::ws::{CallbackKind, Connection, Credentials, Event, Failure};
    /// # fn subscribed(now: Instant) -> Connection {
    /// #     let mut c = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 1);
    /// #     c.poll(now); c.connected(now);
    /// #     let Some(Event::Send(s)) = c.poll(now) else { panic!() };
    /// #     let id = s.split(r#""req_id":""#).nth(1).and_then(|s| s.split('"').next()).unwrap();
    /// #     c.received(&format!(r#"{{"headers":{{"req_id":"{id}"}},"errcode":0}}"#), now).unwrap();
    /// #     c.poll(now);
    /// #     c
    /// # }
    /// let now = Instant::now();
    /// let mut connection = subscribed(now);
    /// // The documented message callback.
    /// connection.received(r#"{"cmd":"aibot_msg_callback","headers":{"req_id":"REQUEST_ID"},"body":{"msgid":"MSGID","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"msgtype":"text","text":{"content":"@RobotA hello robot"}}}"#, now)?;
    /// let Some(Event::Callback(callback)) = connection.poll(now) else { panic!() };
    /// assert_eq!((callback.req_id(), callback.kind()), ("REQUEST_ID", CallbackKind::Message));
    /// assert_eq!(callback.message().pointer("/text/content"), Some("@RobotA hello robot"));
    ///
    /// let first = connection.reply(&callback, &Reply::stream("s1", "正在查询"), now)?;
    /// let Some(Event::Send(frame)) = connection.poll(now) else { panic!() };
    /// assert!(frame.contains(r#""cmd":"aibot_respond_msg""#) && frame.contains(r#""req_id":"REQUEST_ID""#));
    /// // Unacked: the next refreshes wait, and coalesce.
    /// let second = connection.reply(&callback, &Reply::stream("s1", "正在查询天气"), now)?;
    /// let third = connection.reply(&callback, &Reply::stream("s1", "正在查询天气信息"), now)?;
    /// assert_eq!(second, third);
    /// assert_eq!(connection.poll(now), None);
    /// connection.received(r#"{"headers":{"req_id":"REQUEST_ID"},"errcode":0,"errmsg":"ok"}"#, now)?;
    /// assert_eq!(connection.poll(now), Some(Event::Acked(first)));
    /// let Some(Event::Send(frame)) = connection.poll(now) else { panic!() };
    /// assert!(frame.contains("正在查询天气信息"));
    ///
    /// // A welcome is not an answer to a message.
    /// # let _ = Failure::NotSubscribed;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reply(
        &mut self,
        callback: &Callback,
        reply: &Reply,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        self.reply_to(&callback.req_id, reply, now)
    }

    /// [`reply`](Connection::reply) to the callback of `req_id`: all a reply needs of its
    /// callback (the driver's handles send this, not the callback and its message).
    pub(crate) fn reply_to(
        &mut self,
        req_id: &str,
        reply: &Reply,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        let known = self.answerable(req_id)?;
        let body = reply.to_value().map_err(Failure::InvalidReply)?;
        let msgtype = body.get("msgtype").and_then(Value::as_str);
        let is_update =
            body.get("response_type").and_then(Value::as_str) == Some("update_template_card");
        if body.pointer("/stream/msg_item").is_some()
            || msgtype == Some("stream_with_template_card")
        {
            return Err(Failure::NotOnLongConnection);
        }
        let cmd = match (known.kind, msgtype, is_update) {
            (CallbackKind::Message, Some(_), false) => "aibot_respond_msg",
            (CallbackKind::EnterChat, Some("text" | "template_card"), false) => {
                "aibot_respond_welcome_msg"
            }
            (CallbackKind::CardEvent, _, true) => "aibot_respond_update_msg",
            (kind, _, _) => return Err(Failure::WrongReply { callback: kind }),
        };
        let stream = body.get("stream").map(|stream| {
            let id = stream.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            (id, stream.get("finish").and_then(Value::as_bool).unwrap_or(false))
        });
        if stream.is_some() && now.saturating_duration_since(known.received_at) >= STREAM_LIFETIME {
            return Err(Failure::StreamExpired);
        }
        let frame = json!({ "cmd": cmd, "headers": { "req_id": req_id }, "body": body });
        self.enqueue(req_id, frame.to_string(), stream, now)
    }

    /// Answers a message callback with markdown (`aibot_respond_msg`, `msgtype` `markdown`),
    /// which the long connection takes and the callback mode does not.
    ///
    /// # Errors
    ///
    /// [`Failure::WrongReply`] for a callback that is not a message, [`Failure::InvalidReply`]
    /// for content over 20,480 bytes, and the refusals of [`reply`](Connection::reply) for an
    /// unknown or stale callback.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials, Event};
    /// # fn subscribed(now: Instant) -> Connection {
    /// #     let mut c = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 1);
    /// #     c.poll(now); c.connected(now);
    /// #     let Some(Event::Send(s)) = c.poll(now) else { panic!() };
    /// #     let id = s.split(r#""req_id":""#).nth(1).and_then(|s| s.split('"').next()).unwrap();
    /// #     c.received(&format!(r#"{{"headers":{{"req_id":"{id}"}},"errcode":0}}"#), now).unwrap();
    /// #     c.poll(now);
    /// #     c
    /// # }
    /// let now = Instant::now();
    /// let mut connection = subscribed(now);
    /// connection.received(r#"{"cmd":"aibot_msg_callback","headers":{"req_id":"R1"},"body":{"msgid":"M1","msgtype":"text","text":{"content":"hi"}}}"#, now)?;
    /// let Some(Event::Callback(callback)) = connection.poll(now) else { panic!() };
    /// connection.reply_markdown(&callback, "**hello**", now)?;
    /// let Some(Event::Send(frame)) = connection.poll(now) else { panic!() };
    /// assert!(frame.contains(r#""markdown":{"content":"**hello**"}"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reply_markdown(
        &mut self,
        callback: &Callback,
        content: &str,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        check_markdown(content).map_err(Failure::InvalidReply)?;
        let body = json!({ "msgtype": "markdown", "markdown": { "content": content } });
        self.respond_msg(callback, body, now)
    }

    /// Answers a message callback with a file, image, voice or video uploaded before (its
    /// `media_id`, valid 3 days), on `aibot_respond_msg`.
    ///
    /// # Errors
    ///
    /// [`Failure::WrongReply`] for a callback that is not a message; the refusals of
    /// [`reply`](Connection::reply) for an unknown or stale callback.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use wxbizmsgcrypt_callback::aibot::ws::{CallbackKind, Connection, Credentials, Event, Failure, MediaKind};
    /// # fn subscribed(now: Instant) -> Connection {
    /// #     let mut c = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 1);
    /// #     c.poll(now); c.connected(now);
    /// #     let Some(Event::Send(s)) = c.poll(now) else { panic!() };
    /// #     let id = s.split(r#""req_id":""#).nth(1).and_then(|s| s.split('"').next()).unwrap();
    /// #     c.received(&format!(r#"{{"headers":{{"req_id":"{id}"}},"errcode":0}}"#), now).unwrap();
    /// #     c.poll(now);
    /// #     c
    /// # }
    /// let now = Instant::now();
    /// let mut connection = subscribed(now);
    /// connection.received(r#"{"cmd":"aibot_msg_callback","headers":{"req_id":"R1"},"body":{"msgid":"M1","msgtype":"text","text":{"content":"report"}}}"#, now)?;
    /// let Some(Event::Callback(callback)) = connection.poll(now) else { panic!() };
    /// connection.reply_media(&callback, MediaKind::File, "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", now)?;
    /// let Some(Event::Send(frame)) = connection.poll(now) else { panic!() };
    /// assert!(frame.contains(r#""file":{"media_id":"1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0"}"#));
    ///
    /// // An event is not answered with a file.
    /// connection.received(r#"{"cmd":"aibot_event_callback","headers":{"req_id":"E1"},"body":{"msgid":"M2","msgtype":"event","event":{"eventtype":"enter_chat"}}}"#, now)?;
    /// let Some(Event::Callback(enter)) = connection.poll(now) else { panic!() };
    /// assert_eq!(
    ///     connection.reply_media(&enter, MediaKind::Image, "x", now),
    ///     Err(Failure::WrongReply { callback: CallbackKind::EnterChat })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reply_media(
        &mut self,
        callback: &Callback,
        kind: MediaKind,
        media_id: &str,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        let kind = kind.as_str();
        let body = json!({ "msgtype": kind, kind: { "media_id": media_id } });
        self.respond_msg(callback, body, now)
    }

    /// A message callback's answer `body` on `aibot_respond_msg`.
    fn respond_msg(
        &mut self,
        callback: &Callback,
        body: Value,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        let known = self.answerable(&callback.req_id)?;
        if known.kind != CallbackKind::Message {
            return Err(Failure::WrongReply { callback: known.kind });
        }
        let frame = json!({
            "cmd": "aibot_respond_msg",
            "headers": { "req_id": callback.req_id },
            "body": body,
        });
        self.enqueue(&callback.req_id, frame.to_string(), None, now)
    }

    /// What `callback` allows, if it can be answered on this subscription.
    fn answerable(&self, req_id: &str) -> Result<Known, Failure> {
        if matches!(self.state, State::Stopped(_) | State::Kicked) {
            return Err(Failure::ConnectionLost);
        }
        let known = self.known.get(req_id).copied().ok_or(Failure::UnknownCallback)?;
        if known.epoch != self.epoch {
            // It came on a subscription that is gone: its req_id means nothing on this one.
            return Err(Failure::ConnectionLost);
        }
        Ok(known)
    }

    /// Pushes a markdown message to a conversation (`aibot_send_msg`): a single chat
    /// (`chat_type` 1) or a group (2). Tencent delivers it only to a conversation whose user
    /// has written to the bot; ask its [`SendBudget`] first.
    ///
    /// # Errors
    ///
    /// [`Failure::NotSubscribed`] if the connection is not up; [`Failure::InvalidReply`] for
    /// content over 20,480 bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use wxbizmsgcrypt_callback::aibot::ws::{ChatType, Connection, Credentials, Failure};
    /// let mut connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1);
    /// let refused = connection.push_markdown("CHATID", ChatType::Single, "**hi**", Instant::now());
    /// assert_eq!(refused, Err(Failure::NotSubscribed));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn push_markdown(
        &mut self,
        chatid: &str,
        chat_type: ChatType,
        content: &str,
        now: Instant,
    ) -> Result<FrameId, Failure> {
        if self.state != State::Up {
            return Err(Failure::NotSubscribed);
        }
        check_markdown(content).map_err(Failure::InvalidReply)?;
        let req_id = self.req_id("aibot_send_msg");
        let frame = json!({
            "cmd": "aibot_send_msg",
            "headers": { "req_id": req_id },
            "body": {
                "chatid": chatid,
                "chat_type": chat_type as u8,
                "msgtype": "markdown",
                "markdown": { "content": content },
            },
        });
        self.enqueue(&req_id, frame.to_string(), None, now)
    }

    /// After [`Event::Kicked`], when the deployment's lease says this replica still holds the
    /// bot: connect once more after `delay` (jitter it). A second kick after that stops the
    /// connection for good ([`StopReason::Kicked`]): never a reconnect loop. Whether it
    /// resumes: `false` if the connection was not kicked, or was resumed once already (make a
    /// new `Connection` when the lease is taken again).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials};
    /// let mut connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1);
    /// assert!(!connection.resume_after_kick(Instant::now(), Duration::from_secs(3))); // not kicked
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn resume_after_kick(&mut self, now: Instant, delay: Duration) -> bool {
        if self.state != State::Kicked || self.resumed_after_kick {
            return false;
        }
        self.resumed_after_kick = true;
        self.state = State::Down { connect_at: now + delay.min(MAX_PERIOD) };
        true
    }

    /// Stops the connection for good (the lease was lost, say): closes the socket.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Instant;
    /// use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials, Event, StopReason};
    /// let mut connection = Connection::new(Credentials::new("BOTID", "SECRET")?, 1);
    /// connection.stop(StopReason::Kicked);
    /// let now = Instant::now();
    /// assert_eq!(connection.poll(now), Some(Event::Connect)); // asked for before the stop
    /// assert_eq!(connection.poll(now), Some(Event::Close));
    /// assert_eq!(connection.poll(now), Some(Event::Stopped(StopReason::Kicked)));
    /// assert_eq!(connection.poll(now), None);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn stop(&mut self, reason: StopReason) {
        if matches!(self.state, State::Stopped(_)) {
            return;
        }
        self.fail_in_flight(Failure::ConnectionLost);
        self.state = State::Stopped(reason);
        self.events.push_back(Event::Close);
        self.events.push_back(Event::Stopped(reason));
    }

    /// The next thing to do at `now`, if any: timers run first (connect after the back-off,
    /// pings, ack timeouts), then queued frames go out, one per `req_id`.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub fn poll(&mut self, now: Instant) -> Option<Event> {
        if let Some(event) = self.events.pop_front() {
            return Some(event);
        }
        self.run_timers(now);
        if self.state == State::Up {
            self.send_next(now);
        }
        self.events.pop_front()
    }

    /// When [`poll`](Connection::poll) has something to do next, if anything is waited for.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    #[must_use]
    pub fn next_deadline(&self) -> Option<Instant> {
        let acks = self.lanes.values().filter_map(|lane| lane.in_flight.as_ref());
        let ack = acks.map(|(_, sent_at)| *sent_at + ACK_TIMEOUT).min();
        let stale = self.lanes.values().filter_map(|lane| lane.stale_ack_until).min();
        let ack = [ack, stale].into_iter().flatten().min();
        let state = match self.state {
            State::Down { connect_at } => Some(connect_at),
            State::Subscribing | State::Up => self.next_ping,
            _ => None,
        };
        [ack, state].into_iter().flatten().min()
    }

    fn run_timers(&mut self, now: Instant) {
        match self.state {
            State::Down { connect_at } if now >= connect_at => {
                self.state = State::Connecting;
                self.events.push_back(Event::Connect);
            }
            State::Subscribing if self.next_ping.is_some_and(|at| now >= at) => {
                // No ack to the subscription: the socket is dead.
                self.close_and_back_off(now);
            }
            State::Up if self.next_ping.is_some_and(|at| now >= at) => {
                if self.pings_unanswered >= PINGS_MISSED_TO_CLOSE {
                    self.close_and_back_off(now);
                } else {
                    let req_id = self.req_id("ping");
                    let frame = json!({ "cmd": "ping", "headers": { "req_id": req_id } });
                    self.ping_req_id = Some(req_id);
                    self.pings_unanswered += 1;
                    self.next_ping = Some(now + self.heartbeat);
                    self.events.push_back(Event::Send(frame.to_string()));
                }
            }
            _ => {}
        }
        let mut timed_out = Vec::new();
        for lane in self.lanes.values_mut() {
            if lane.in_flight.as_ref().is_some_and(|(_, sent)| now >= *sent + ACK_TIMEOUT)
                && let Some((frame, _)) = lane.in_flight.take()
            {
                timed_out.push(frame.id);
                lane.stale_ack_until = Some(now + ACK_TIMEOUT);
            }
            if lane.stale_ack_until.is_some_and(|until| now >= until) {
                lane.stale_ack_until = None;
            }
        }
        timed_out.sort_unstable();
        self.lanes.retain(|_, lane| {
            lane.in_flight.is_some() || !lane.queued.is_empty() || lane.stale_ack_until.is_some()
        });
        for id in timed_out {
            self.events.push_back(Event::Failed(id, Failure::AckTimeout));
        }
    }

    /// Sends the next frame of every `req_id` with nothing in flight.
    fn send_next(&mut self, now: Instant) {
        let mut lanes: Vec<&mut Lane> = self.lanes.values_mut().collect();
        // Oldest frame first, so that lanes take turns by age.
        lanes.sort_by_key(|lane| lane.queued.front().map(|frame| frame.id));
        for lane in lanes {
            if lane.in_flight.is_none()
                && lane.stale_ack_until.is_none()
                && let Some(frame) = lane.queued.pop_front()
            {
                self.events.push_back(Event::Send(frame.frame.clone()));
                lane.in_flight = Some((frame, now));
            }
        }
    }

    fn enqueue(
        &mut self,
        req_id: &str,
        frame: String,
        stream: Option<(String, bool)>,
        _now: Instant,
    ) -> Result<FrameId, Failure> {
        let busy_lanes = self.lanes.len();
        if !self.lanes.contains_key(req_id) && busy_lanes >= MAX_KNOWN {
            return Err(Failure::QueueFull);
        }
        let lane = self.lanes.entry(req_id.to_owned()).or_default();
        // A refresh behind an unacked frame replaces the refresh of the same stream queued
        // last: the content is cumulative. A final frame replaces it too, and always goes.
        if let (Some((id, _)), Some(last)) = (&stream, lane.queued.back_mut())
            && let Some((last_id, false)) = &last.stream
            && last_id == id
        {
            last.frame = frame;
            last.stream = stream;
            return Ok(last.id);
        }
        if lane.queued.len() >= MAX_QUEUED_PER_REQ_ID {
            return Err(Failure::QueueFull);
        }
        self.next_seq += 1;
        let id = FrameId(self.next_seq);
        lane.queued.push_back(Outbound { id, frame, stream });
        Ok(id)
    }

    fn ack(&mut self, req_id: &str, errcode: i64, errmsg: &str, now: Instant) {
        if self.subscribe_req_id.as_deref() == Some(req_id) {
            self.subscribe_req_id = None;
            if errcode == 0 {
                self.state = State::Up;
                self.epoch += 1;
                self.subscribed_at = Some(now);
                self.drops = 0;
                self.auth_failures = 0;
                self.pings_unanswered = 0;
                self.next_ping = Some(now + self.heartbeat);
                self.events.push_back(Event::Subscribed);
            } else {
                self.auth_failures = self.auth_failures.saturating_add(1);
                if self.auth_failures >= MAX_AUTH_FAILURES {
                    self.stop(StopReason::AuthFailed { errcode });
                } else {
                    let connect_at = now + backoff(self.auth_failures);
                    self.state = State::Closing { connect_at };
                    self.events.push_back(Event::Close);
                }
            }
            return;
        }
        if self.ping_req_id.as_deref() == Some(req_id) {
            self.ping_req_id = None;
            match errcode {
                0 => self.pings_unanswered = 0,
                // Not subscribed while the socket looks open: start again.
                846_609 => self.close_and_back_off(now),
                // Any other refusal is no sign of life.
                _ => {}
            }
            return;
        }
        let Some(lane) = self.lanes.get_mut(req_id) else { return };
        let Some((frame, _)) = lane.in_flight.take() else {
            // The late ack of a frame that timed out: the next frame may go now.
            lane.stale_ack_until = None;
            return;
        };
        let event = if errcode == 0 {
            Event::Acked(frame.id)
        } else {
            Event::Failed(frame.id, Failure::Refused { errcode, errmsg: errmsg.to_owned() })
        };
        self.events.push_back(event);
        if errcode == 846_609 {
            // Not subscribed while the socket looks open: start again.
            self.close_and_back_off(now);
        }
    }

    fn kicked(&mut self, now: Instant) {
        self.fail_in_flight(Failure::ConnectionLost);
        // A resumed subscription that lasted is a new start: a stray login weeks later is a
        // first kick again, not the second of a war.
        let stable = self
            .subscribed_at
            .is_some_and(|at| now.saturating_duration_since(at) >= STABLE_AFTER_RESUME);
        if stable {
            self.resumed_after_kick = false;
        }
        if self.resumed_after_kick {
            self.stop(StopReason::Kicked);
        } else {
            self.state = State::Kicked;
            self.events.push_back(Event::Close);
            self.events.push_back(Event::Kicked);
        }
    }

    fn close_and_back_off(&mut self, now: Instant) {
        self.drops = self.drops.saturating_add(1);
        self.state = State::Closing { connect_at: now + backoff(self.drops) };
        self.subscribe_req_id = None;
        self.ping_req_id = None;
        self.next_ping = None;
        self.events.push_back(Event::Close);
    }

    /// Fails every frame in flight or queued (their socket is gone; a stream's next refresh
    /// carries its whole content).
    fn fail_in_flight(&mut self, failure: Failure) {
        let mut failed: Vec<FrameId> = Vec::new();
        for lane in self.lanes.values_mut() {
            failed.extend(lane.in_flight.take().map(|(frame, _)| frame.id));
            failed.extend(lane.queued.drain(..).map(|frame| frame.id));
        }
        self.lanes.clear();
        failed.sort_unstable();
        for id in failed {
            self.events.push_back(Event::Failed(id, failure.clone()));
        }
    }

    fn forget_old(&mut self, now: Instant) {
        self.known
            .retain(|_, known| now.saturating_duration_since(known.received_at) < STREAM_LIFETIME);
    }

    /// Our own `req_id` for `cmd`: the command, a sequence number and the salt.
    fn req_id(&mut self, cmd: &str) -> String {
        self.next_seq += 1;
        format!("{cmd}_{}_{:08x}", self.next_seq, self.salt & 0xffff_ffff)
    }
}

/// The back-off after `n` failures in a row: 1 s, 2 s, 4 s, … up to 30 s.
fn backoff(n: u32) -> Duration {
    let doubling = FIRST_BACKOFF.saturating_mul(1_u32 << n.saturating_sub(1).min(16));
    doubling.min(MAX_BACKOFF)
}

/// The most bytes of markdown a message carries.
const MARKDOWN_MAX_BYTES: usize = 20_480;

/// Markdown within [`MARKDOWN_MAX_BYTES`], or the fault that says it is not.
fn check_markdown(markdown: &str) -> Result<(), Error> {
    if markdown.len() > MARKDOWN_MAX_BYTES {
        return Err(Error::InvalidReply(wxbizmsgcrypt::ReplyFault::ContentTooLong {
            limit: MARKDOWN_MAX_BYTES,
        }));
    }
    Ok(())
}

/// What a `media_id` is, for [`Connection::reply_media`].
///
/// # Example
///
/// ```
/// assert_eq!(wxbizmsgcrypt_callback::aibot::ws::MediaKind::Video.as_str(), "video");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaKind {
    /// A file.
    File,
    /// An image.
    Image,
    /// A voice message.
    Voice,
    /// A video.
    Video,
}

impl MediaKind {
    /// Its `msgtype`.
    ///
    /// # Example
    ///
    /// See [`MediaKind`].
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::File => "file",
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
        }
    }
}

/// A conversation's kind for [`Connection::push_markdown`].
///
/// # Example
///
/// See [`Connection::push_markdown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatType {
    /// A single chat (`chat_type` 1).
    Single = 1,
    /// A group chat (`chat_type` 2).
    Group = 2,
}

/// How many messages one conversation takes in a minute.
pub const PER_MINUTE: usize = 30;
/// How many messages one conversation takes in an hour.
pub const PER_HOUR: usize = 1_000;
/// How long after the user's last message the bot may write to the conversation.
pub const REPLY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// What [`SendBudget::check`] says.
///
/// # Example
///
/// See [`SendBudget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Send it now (then [`record`](SendBudget::record) it).
    SendNow,
    /// Not before this time: a per-minute or per-hour budget is spent.
    WaitUntil(Instant),
    /// Never, until the user writes again: the 24-hour window is closed (or never opened).
    GiveUp,
}

/// One conversation's sending budget, sans-I/O: the 24-hour window after the user's last
/// message, 30 messages a minute and 1,000 an hour (Tencent's limits per conversation; whether
/// a stream refresh counts is not documented: record what you count).
///
/// # Example
///
/// ```
/// use std::time::{Duration, Instant};
/// use wxbizmsgcrypt_callback::aibot::ws::{SendBudget, Verdict};
///
/// let start = Instant::now();
/// let mut budget = SendBudget::new();
/// assert_eq!(budget.check(start), Verdict::GiveUp); // the user never wrote
/// budget.user_wrote(start);
/// for _ in 0..30 {
///     assert_eq!(budget.check(start), Verdict::SendNow);
///     budget.record(start);
/// }
/// assert_eq!(budget.check(start), Verdict::WaitUntil(start + Duration::from_secs(60)));
/// assert_eq!(budget.check(start + Duration::from_secs(25 * 3600)), Verdict::GiveUp);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SendBudget {
    last_user_message: Option<Instant>,
    /// The sends of the last hour, oldest first (at most [`PER_HOUR`]).
    sent: VecDeque<Instant>,
}

impl SendBudget {
    /// A conversation where the user has not written yet.
    ///
    /// # Example
    ///
    /// See [`SendBudget`].
    #[must_use]
    pub fn new() -> SendBudget {
        SendBudget::default()
    }

    /// The user wrote at `at`: the 24-hour window opens again.
    ///
    /// # Example
    ///
    /// See [`SendBudget`].
    pub fn user_wrote(&mut self, at: Instant) {
        self.last_user_message = Some(self.last_user_message.map_or(at, |last| last.max(at)));
    }

    /// A message was sent at `at`.
    ///
    /// # Example
    ///
    /// See [`SendBudget`].
    pub fn record(&mut self, at: Instant) {
        self.forget(at);
        if self.sent.len() >= PER_HOUR {
            self.sent.pop_front();
        }
        self.sent.push_back(at);
    }

    /// Whether a message may go at `now`.
    ///
    /// # Example
    ///
    /// See [`SendBudget`].
    pub fn check(&mut self, now: Instant) -> Verdict {
        let Some(last) = self.last_user_message else { return Verdict::GiveUp };
        if now.saturating_duration_since(last) >= REPLY_WINDOW {
            return Verdict::GiveUp;
        }
        self.forget(now);
        let minute = Duration::from_secs(60);
        let mut until: Option<Instant> = None;
        // The oldest send of the last minute leaves it first.
        let recent = self.sent.iter().filter(|at| now.saturating_duration_since(**at) < minute);
        if recent.clone().count() >= PER_MINUTE {
            until = recent.min().map(|oldest| *oldest + minute);
        }
        if self.sent.len() >= PER_HOUR
            && let Some(oldest) = self.sent.front()
        {
            let at = *oldest + Duration::from_secs(3600);
            until = Some(until.map_or(at, |u| u.max(at)));
        }
        match until {
            // Waiting past the window's end is giving up.
            Some(at) if at >= last + REPLY_WINDOW => Verdict::GiveUp,
            Some(at) => Verdict::WaitUntil(at),
            None => Verdict::SendNow,
        }
    }

    /// Drops the sends older than an hour.
    fn forget(&mut self, now: Instant) {
        let hour = Duration::from_secs(3600);
        while self.sent.front().is_some_and(|at| now.saturating_duration_since(*at) >= hour) {
            self.sent.pop_front();
        }
    }
}

/// How long a proactive message waits in an [`Outbox`] for the holder to send it.
pub const OUTBOX_TTL: Duration = Duration::from_secs(60 * 60);

/// A proactive message waiting in an [`Outbox`]: markdown for a conversation.
///
/// # Example
///
/// See [`Outbox`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    chatid: String,
    chat_type: ChatType,
    markdown: String,
}

impl Outgoing {
    /// The conversation.
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    #[must_use]
    pub fn chatid(&self) -> &str {
        &self.chatid
    }

    /// Single or group.
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    #[must_use]
    pub fn chat_type(&self) -> ChatType {
        self.chat_type
    }

    /// The markdown to send.
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    #[must_use]
    pub fn markdown(&self) -> &str {
        &self.markdown
    }
}

/// The bot's outbox: any replica queues a proactive message, and the replica that holds the
/// connection takes it and sends it ([`Connection::push_markdown`]). Only the holder has a
/// socket (WeCom allows one per bot); the others reach the users through here. Kept in an
/// [`InboxStore`](crate::inbox::InboxStore) queue: `MemoryInbox` in one process,
/// `redis::RedisInbox` across replicas; each message is taken once.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use wxbizmsgcrypt_callback::aibot::ws::{ChatType, Outbox};
/// use wxbizmsgcrypt_callback::inbox::MemoryInbox;
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
/// # }
/// let outbox = Outbox::new(MemoryInbox::new(1000), "BOTID");
/// let now = SystemTime::now();
/// // On any replica: a report is ready.
/// block_on(outbox.send_markdown("CHATID", ChatType::Single, "**日报已生成**", now))?;
/// // On the holder, every second or so: take and push.
/// let outgoing = block_on(outbox.take(now))?.expect("queued");
/// assert_eq!((outgoing.chatid(), outgoing.markdown()), ("CHATID", "**日报已生成**"));
/// assert_eq!(block_on(outbox.take(now))?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Outbox<S> {
    store: S,
    key: String,
}

impl<S: crate::inbox::InboxStore> Outbox<S> {
    /// The outbox of the bot `bot_id` in `store`.
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    #[must_use]
    pub fn new(store: S, bot_id: &str) -> Outbox<S> {
        Outbox { store, key: format!("aibot:{bot_id}:outbox") }
    }

    /// Queues markdown for the conversation `chatid`, for [`OUTBOX_TTL`].
    ///
    /// # Errors
    ///
    /// A [`StoreError`](crate::endpoint::StoreError) if the store could not be reached or is
    /// full, or the markdown is over 20,480 bytes (refused here rather than by WeCom later).
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    pub async fn send_markdown(
        &self,
        chatid: &str,
        chat_type: ChatType,
        markdown: &str,
        now: std::time::SystemTime,
    ) -> Result<(), crate::endpoint::StoreError> {
        if check_markdown(markdown).is_err() {
            return Err(crate::endpoint::StoreError::new("markdown over 20480 bytes"));
        }
        let entry = json!({ "chatid": chatid, "chat_type": chat_type as u8, "markdown": markdown });
        self.store.push(&self.key, entry.to_string().as_bytes(), OUTBOX_TTL, now).await
    }

    /// Takes the oldest message waiting, once across replicas.
    ///
    /// # Errors
    ///
    /// A [`StoreError`](crate::endpoint::StoreError) if the store could not be reached, or
    /// holds what the outbox never wrote.
    ///
    /// # Example
    ///
    /// See [`Outbox`].
    pub async fn take(
        &self,
        now: std::time::SystemTime,
    ) -> Result<Option<Outgoing>, crate::endpoint::StoreError> {
        let Some(bytes) = self.store.take(&self.key, now).await? else { return Ok(None) };
        let malformed =
            || crate::endpoint::StoreError::new("an outbox entry this crate never wrote");
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        let chat_type = match value.get("chat_type").and_then(Value::as_u64) {
            Some(1) => ChatType::Single,
            Some(2) => ChatType::Group,
            _ => return Err(malformed()),
        };
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        match (text("chatid"), text("markdown")) {
            (Some(chatid), Some(markdown)) => Ok(Some(Outgoing { chatid, chat_type, markdown })),
            _ => Err(malformed()),
        }
    }
}
