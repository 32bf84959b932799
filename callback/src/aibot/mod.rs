//! The WeCom AI bot (智能机器人): its JSON messages, its replies, and the stream protocol.
//!
//! The bot's callbacks come in the JSON envelope with an empty receive id
//! (`MsgCrypt::new(token, key, "")`), decrypted with [`json::decrypt_msg`](wxbizmsgcrypt::json::decrypt_msg).
//! [`Message::parse`] reads the plaintext and keeps all of it: [`Message::get`] and
//! [`Message::pointer`] read any field, modelled or not; [`Message::kind`] is a typed view,
//! `#[non_exhaustive]`, in which a message type or event Tencent adds later is `Unknown`, never
//! an error.
//!
//! Replies ([`Reply`]) are rendered to the JSON plaintext the envelope encrypts
//! ([`Reply::seal`] does both). A user message is answered with a
//! stream: the first reply opens it, WeCom then polls with stream-refresh callbacks
//! ([`Kind::StreamRefresh`]) until a reply says `finish`, for at most six minutes;
//! [`StreamState`] keeps what a stream has said, and answers each poll; a [`StreamStore`] keeps
//! the states between polls ([`MemoryStreams`] in one process, Redis across replicas).
//!
//! Pure: no I/O, nothing of the crypto. The images and files the bot sends are decrypted with
//! [`wxbizmsgcrypt::media`].
//!
//! Facts from Tencent's documents (developer.work.weixin.qq.com, path/100719 receiving
//! messages, path/101027 events, path/101031 passive replies) and its official bot SDK
//! (`@wecom/aibot-node-sdk`) and webhook plugin.
//!
//! ```
//! use wxbizmsgcrypt_callback::aibot::{Kind, Message, Reply};
//!
//! // The text sample of path/100719.
//! let json = r#"{"msgid":"CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",
//!                "from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"}}"#;
//! let message = Message::parse(json)?;
//! assert_eq!((message.chattype(), message.from_userid()), (Some("group"), Some("USERID")));
//! let Kind::Text { content } = message.kind() else { panic!("a text") };
//! assert_eq!(content, Some("@RobotA hello robot"));
//!
//! // Open a stream; WeCom polls it until a reply says finish.
//! let reply = Reply::stream("stream-1", "").render()?;
//! assert_eq!(reply, r#"{"msgtype":"stream","stream":{"content":"","finish":false,"id":"stream-1"}}"#);
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

mod kind;
mod reply;
mod stream;
mod streams;
pub mod ws;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use self::kind::*;
pub use self::reply::*;
pub use self::stream::*;
pub use self::streams::{MemoryStreams, STREAM_TTL, StreamStore};
use crate::message::dedup::digest64;
use crate::message::{DedupKey, JsonObject};
use wxbizmsgcrypt::Error;

/// A parsed AI-bot callback plaintext: the JSON object, every field kept.
///
/// Build it with [`Message::parse`]. Its `Debug` output names the message type and the
/// top-level keys, never their values.
///
/// # Example
///
/// ```
/// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"msgid":"m1","msgtype":"voice","voice":{"content":"你好"}}"#)?;
/// assert_eq!((message.msgid(), message.msgtype()), (Some("m1"), Some("voice")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone)]
pub struct Message {
    object: JsonObject,
}

impl Message {
    /// Parses the JSON plaintext of an AI-bot callback
    /// ([`Decrypted::message`](wxbizmsgcrypt::Decrypted::message)).
    ///
    /// Any object is accepted: a message type, event or field this crate does not know is
    /// no error, nor is a field missing.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedMessage`] (`-40002`) only for text that is not JSON
    /// ([`MessageFault::NotWellFormed`](wxbizmsgcrypt::MessageFault::NotWellFormed)) or JSON
    /// that is not an object ([`MessageFault::NotAnObject`](wxbizmsgcrypt::MessageFault::NotAnObject)).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::MessageFault;
    /// use wxbizmsgcrypt_callback::{Error, aibot::Message};
    ///
    /// assert!(Message::parse(r#"{"msgtype":"hologram","hologram":{"depth":3}}"#).is_ok());
    /// assert_eq!(Message::parse("[1]").unwrap_err(), Error::MalformedMessage(MessageFault::NotAnObject));
    /// assert_eq!(Message::parse("{").unwrap_err(), Error::MalformedMessage(MessageFault::NotWellFormed));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse(json: &str) -> Result<Message, Error> {
        JsonObject::parse(json).map(|object| Message { object })
    }

    /// The JSON text, as given: for reading the message into types of your own (with
    /// `serde_json`).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"msgtype":"text"}"#)?;
    /// assert_eq!(message.as_json(), r#"{"msgtype":"text"}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_json(&self) -> &str {
        &self.object.source
    }

    /// The top-level field `name`, if it is a string.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"new_field":"v","n":1}"#)?;
    /// assert_eq!((message.get("new_field"), message.get("n")), (Some("v"), None));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.object.get(name)
    }

    /// The string at a JSON Pointer (RFC 6901): `"/text/content"`, `"/mixed/msg_item/0/msgtype"`.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"from":{"userid":"u1"},"mixed":{"msg_item":[{"msgtype":"text"}]}}"#)?;
    /// assert_eq!(message.pointer("/from/userid"), Some("u1"));
    /// assert_eq!(message.pointer("/mixed/msg_item/0/msgtype"), Some("text"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<&str> {
        self.object.pointer(pointer)
    }

    /// `msgid`: unique per callback (the key to de-duplicate on).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"msgid":"CAIQ16HMjQYY"}"#)?;
    /// assert_eq!(message.msgid(), Some("CAIQ16HMjQYY"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn msgid(&self) -> Option<&str> {
        self.get("msgid")
    }

    /// `msgtype`: `text`, `image`, `mixed`, `voice`, `file`, `video`, `stream` (a refresh
    /// poll), `event`, …
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"msgtype":"stream","stream":{"id":"s1"}}"#)?;
    /// assert_eq!(message.msgtype(), Some("stream"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn msgtype(&self) -> Option<&str> {
        self.get("msgtype")
    }

    /// `aibotid`: the bot.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"aibotid":"AIBOTID"}"#)?;
    /// assert_eq!(message.aibotid(), Some("AIBOTID"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn aibotid(&self) -> Option<&str> {
        self.get("aibotid")
    }

    /// `chatid`: the group chat (group chats only).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"chatid":"CHATID","chattype":"group"}"#)?;
    /// assert_eq!(message.chatid(), Some("CHATID"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn chatid(&self) -> Option<&str> {
        self.get("chatid")
    }

    /// `chattype`: `single` or `group`.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"chattype":"single"}"#)?;
    /// assert_eq!(message.chattype(), Some("single"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn chattype(&self) -> Option<&str> {
        self.get("chattype")
    }

    /// `from.userid`: who sent it.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"from":{"userid":"zhangsan"}}"#)?;
    /// assert_eq!(message.from_userid(), Some("zhangsan"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn from_userid(&self) -> Option<&str> {
        self.pointer("/from/userid")
    }

    /// `from.corpid`: the sender's company, on events of bots other than a company's own.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"from":{"corpid":"CORPID","userid":"u"}}"#)?;
    /// assert_eq!(message.from_corpid(), Some("CORPID"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn from_corpid(&self) -> Option<&str> {
        self.pointer("/from/corpid")
    }

    /// `create_time`, sent in seconds since the epoch (events carry it; messages may). Inside the
    /// ciphertext, so covered by the signature: judge freshness on it.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"create_time":1700000000}"#)?;
    /// assert_eq!(message.create_time(), Some(UNIX_EPOCH + Duration::from_secs(1700000000)));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn create_time(&self) -> Option<SystemTime> {
        let seconds = crate::message::json_u64(self.object.value.get("create_time")?)?;
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    /// `response_url`: where to send active replies (after the stream's six minutes, say).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"response_url":"https://qyapi.weixin.qq.com/x"}"#)?;
    /// assert_eq!(message.response_url(), Some("https://qyapi.weixin.qq.com/x"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn response_url(&self) -> Option<&str> {
        self.get("response_url")
    }

    /// The key to de-duplicate this callback on: `aibot:` `aibotid` `:` `msgid` (Tencent:
    /// "本次回调的唯一性标志，用于事件排重"); without a `msgid`, a digest of the whole message
    /// instead. Equal for WeCom's retries of one callback; each stream-refresh poll is a
    /// callback of its own, with its own `msgid`.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"msgid":"m1","aibotid":"b1","msgtype":"text"}"#)?;
    /// assert_eq!(message.dedup_key().as_str(), "aibot:b1:m1");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_key(&self) -> DedupKey {
        let bot = self.aibotid().unwrap_or_default();
        match self.msgid().filter(|id| !id.is_empty()) {
            Some(msgid) => DedupKey::from_parts("aibot", &[bot, msgid]),
            None => {
                // serde_json's maps are ordered by key: the text is canonical for the content.
                let digest = digest64(self.object.value.to_string().as_bytes());
                DedupKey::from_parts("aibot", &[bot, "", &digest])
            }
        }
    }

    /// Whether the top-level field `name` is there, whatever its value.
    pub(crate) fn has_field(&self, name: &str) -> bool {
        self.object.has(name)
    }

    /// The value of the top-level field `name`.
    fn field(&self, name: &str) -> Option<&Value> {
        self.object.value.get(name)
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.object.keys();
        f.debug_struct("Message")
            .field("msgtype", &self.msgtype())
            .field("fields", &keys)
            .finish_non_exhaustive()
    }
}
