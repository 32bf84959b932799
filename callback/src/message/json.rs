//! WeChat's JSON messages: 小程序 message push in JSON mode (数据格式 JSON) and the JSON-only
//! pushes of 视频号小店 / 微信小店 (typed by [`JsonMessage::shop_event`]). Lossless: every
//! field is kept and readable; kinds Tencent adds are data, never errors.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wxbizmsgcrypt::{Error, MessageFault};

use super::dedup::{DedupKey, digest64};

/// A parsed WeChat JSON message: the JSON object, every field kept. Its `Debug` output names
/// the message type and the top-level keys, never their values.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::JsonMessage;
///
/// // 小程序 message push in JSON mode: a user's text in the customer-service chat.
/// let message = JsonMessage::parse(r#"{"ToUserName":"gh_abc","FromUserName":"o1","CreateTime":1482048670,"MsgType":"text","Content":"this is a test","MsgId":1234567890123456}"#)?;
/// assert_eq!((message.msg_type(), message.get("Content")), (Some("text"), Some("this is a test")));
/// assert_eq!(message.msg_id().as_deref(), Some("1234567890123456"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone)]
pub struct JsonMessage {
    pub(super) object: JsonObject,
}

/// A JSON object read losslessly, with its text: what the JSON messages (WeChat's and the AI
/// bot's) are built on.
#[derive(Clone)]
pub(crate) struct JsonObject {
    pub(crate) source: Box<str>,
    /// Always an object ([`JsonObject::parse`] refuses anything else).
    pub(crate) value: Value,
}

impl JsonObject {
    /// `json`, if it is an object.
    pub(crate) fn parse(json: &str) -> Result<JsonObject, Error> {
        let value: Value = serde_json::from_str(json)
            .map_err(|_| Error::MalformedMessage(MessageFault::NotWellFormed))?;
        if value.is_object() {
            Ok(JsonObject { source: Box::from(json), value })
        } else {
            Err(Error::MalformedMessage(MessageFault::NotAnObject))
        }
    }

    /// The string at the top-level field `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.value.get(name)?.as_str()
    }

    /// The string at a JSON pointer.
    pub(crate) fn pointer(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer)?.as_str()
    }

    /// Whether the top-level field `name` is there, whatever its value.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.value.get(name).is_some()
    }

    /// The top-level keys, for a `Debug` that shows no value.
    pub(crate) fn keys(&self) -> Vec<&str> {
        self.value
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

impl JsonMessage {
    /// Parses a JSON message (the plaintext of
    /// [`Decrypted::message`](wxbizmsgcrypt::Decrypted::message)). Any object is accepted: a
    /// type, event or field this crate does not know is no error, nor is a field missing.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedMessage`] (`-40002`) only for text that is not JSON
    /// ([`MessageFault::NotWellFormed`]) or JSON that is not an object
    /// ([`MessageFault::NotAnObject`]).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{Error, message::JsonMessage, wxbizmsgcrypt::MessageFault};
    /// assert!(JsonMessage::parse(r#"{"MsgType":"event","Event":"channels_ec_order_pay"}"#).is_ok());
    /// assert_eq!(JsonMessage::parse("[1]").unwrap_err(), Error::MalformedMessage(MessageFault::NotAnObject));
    /// ```
    pub fn parse(json: &str) -> Result<JsonMessage, Error> {
        JsonObject::parse(json).map(|object| JsonMessage { object })
    }

    /// The JSON text, as given: for reading the message into types of your own.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"MsgType":"text"}"#)?;
    /// assert_eq!(message.as_json(), r#"{"MsgType":"text"}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_json(&self) -> &str {
        &self.object.source
    }

    /// The top-level field `name` if it is a string.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"Content":"hi","CreateTime":1}"#)?;
    /// assert_eq!((message.get("Content"), message.get("CreateTime")), (Some("hi"), None));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.object.get(name)
    }

    /// The string at a JSON pointer (`/order_info/order_id`), for nested fields.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"order_info":{"order_id":"3705115058471208928"}}"#)?;
    /// assert_eq!(message.pointer("/order_info/order_id"), Some("3705115058471208928"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<&str> {
        self.object.pointer(pointer)
    }

    /// The top-level field `name` as text, a string or a number as sent (ids above 2^53 are
    /// kept exactly).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"MsgId":4561255354251345929}"#)?;
    /// assert_eq!(message.text("MsgId").as_deref(), Some("4561255354251345929"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.object.value.get(name)? {
            Value::String(text) => Some(Cow::Borrowed(text)),
            Value::Number(number) => Some(Cow::Owned(number.to_string())),
            _ => None,
        }
    }

    /// `ToUserName`: the 小程序 (or shop) the message is for.
    ///
    /// # Example
    ///
    /// See [`JsonMessage`].
    #[must_use]
    pub fn to_user_name(&self) -> Option<&str> {
        self.get("ToUserName")
    }

    /// `FromUserName`: the user's openid (or the system's, for events).
    ///
    /// # Example
    ///
    /// See [`JsonMessage`].
    #[must_use]
    pub fn from_user_name(&self) -> Option<&str> {
        self.get("FromUserName")
    }

    /// `MsgType`.
    ///
    /// # Example
    ///
    /// See [`JsonMessage`].
    #[must_use]
    pub fn msg_type(&self) -> Option<&str> {
        self.get("MsgType")
    }

    /// `Event`, for `MsgType` `event` (`user_enter_tempsession`, `channels_ec_order_pay`, …).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"MsgType":"event","Event":"channels_ec_order_pay"}"#)?;
    /// assert_eq!(message.event(), Some("channels_ec_order_pay"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// `MsgId` as text (a number or a string as sent).
    ///
    /// # Example
    ///
    /// See [`JsonMessage`].
    #[must_use]
    pub fn msg_id(&self) -> Option<Cow<'_, str>> {
        self.text("MsgId").or_else(|| self.text("MsgID"))
    }

    /// `CreateTime`, whole seconds since the epoch, a number or a numeric string.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let message = wxbizmsgcrypt_callback::message::JsonMessage::parse(r#"{"CreateTime":1482048670}"#)?;
    /// assert_eq!(message.create_time(), Some(UNIX_EPOCH + Duration::from_secs(1482048670)));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn create_time(&self) -> Option<SystemTime> {
        let seconds = json_u64(self.object.value.get("CreateTime")?)?;
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    /// Whether the top-level field `name` is there, whatever its value.
    pub(crate) fn has_field(&self, name: &str) -> bool {
        self.object.has(name)
    }

    /// The key that tells WeChat's retries of one message from different messages: the
    /// `MsgId`, or for events (which have none) the sender, time and event, and a digest of
    /// the whole message (its fields in key order).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::JsonMessage;
    /// let a = JsonMessage::parse(r#"{"FromUserName":"o1","CreateTime":1,"MsgType":"text","MsgId":7}"#)?;
    /// let b = JsonMessage::parse(r#"{"MsgId":7,"MsgType":"text","CreateTime":1,"FromUserName":"o1"}"#)?;
    /// assert_eq!(a.dedup_key(), b.dedup_key());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_key(&self) -> DedupKey {
        let to = self.to_user_name().unwrap_or_default();
        match self.msg_id().filter(|id| !id.is_empty()) {
            Some(msg_id) => DedupKey::from_parts("wxjson", &[to, &msg_id]),
            None => {
                // serde_json's maps are ordered by key: the text is canonical for the content.
                let digest = digest64(self.object.value.to_string().as_bytes());
                let from = self.from_user_name().unwrap_or_default();
                let time = self.text("CreateTime").unwrap_or_default();
                let event = self.event().unwrap_or_default();
                DedupKey::from_parts("wxjson", &[to, "", from, &time, event, &digest])
            }
        }
    }
}

/// A whole number Tencent writes in JSON as a number or as a string of decimal digits (ids
/// above 2^53, times): a JSON number that is a `u64`, or a string of digits and nothing else
/// (no sign, no space) that fits one.
pub(crate) fn json_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => super::parse_u64(text),
        _ => None,
    }
}

impl fmt::Debug for JsonMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.object.keys();
        f.debug_struct("JsonMessage")
            .field("msg_type", &self.msg_type())
            .field("event", &self.event())
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}
