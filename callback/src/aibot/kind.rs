//! The typed view of an AI-bot [`Message`]: [`Message::kind`].
//!
//! Every type borrows from the message and is `#[non_exhaustive]`: a message type, event or
//! field Tencent adds is an `Unknown` variant or a field left to [`Message::pointer`].
//!
//! `Debug` of [`Kind`] and [`Event`] names the variant and never a value (what users wrote, a
//! download's `aeskey`); the structs inside hold the values, and their `Debug` prints them.

use std::fmt;

use serde_json::Value;

use super::Message;

/// What an AI-bot message is: [`Message::kind`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
///
/// let message = Message::parse(r#"{"msgtype":"image","image":{"url":"https://example.com/e"}}"#)?;
/// let Kind::Image(image) = message.kind() else { panic!("an image") };
/// assert_eq!((image.url, image.aeskey), (Some("https://example.com/e"), None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Kind<'a> {
    /// `text`: `text.content` (in a group chat, with the `@bot` mention).
    Text {
        /// `text.content`.
        content: Option<&'a str>,
    },
    /// `image`: an encrypted image to download within 5 minutes.
    Image(Media<'a>),
    /// `mixed`: text and images together.
    Mixed(Mixed<'a>),
    /// `voice`: speech, already transcribed.
    Voice {
        /// `voice.content`: the transcription.
        content: Option<&'a str>,
    },
    /// `file`: an encrypted file to download within 5 minutes.
    File(Media<'a>),
    /// `video` (the official SDK's long-connection mode).
    Video(Media<'a>),
    /// `stream`: WeCom polling a stream this server opened; answer with what the stream says
    /// now ([`StreamState::reply`](super::StreamState::reply)).
    StreamRefresh {
        /// `stream.id`: the stream's id, as the first reply gave it.
        id: Option<&'a str>,
    },
    /// `event`.
    Event(Event<'a>),
    /// Anything else; every field is readable with [`Message::pointer`].
    Unknown {
        /// `msgtype`, if there is one.
        msgtype: Option<&'a str>,
    },
}

impl Message {
    /// The typed view of the message, built on each call (cheap: fields are looked up).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message};
    ///
    /// let message = Message::parse(r#"{"msgtype":"event","event":{"eventtype":"enter_chat"}}"#)?;
    /// assert!(matches!(message.kind(), Kind::Event(Event::EnterChat)));
    /// let future = Message::parse(r#"{"msgtype":"hologram","hologram":{"depth":3}}"#)?;
    /// assert!(matches!(future.kind(), Kind::Unknown { msgtype: Some("hologram") }));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> Kind<'_> {
        kind_of(&self.object.value)
    }

    /// The message the user quoted (`quote`), if any: a text, image, mixed, voice or file.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
    ///
    /// let json = r#"{"msgtype":"text","text":{"content":"这个呢"},"quote":{"msgtype":"text","text":{"content":"原文"}}}"#;
    /// let message = Message::parse(json)?;
    /// let quote = message.quote().expect("a quote");
    /// assert_eq!(quote.msgtype(), Some("text"));
    /// assert!(matches!(quote.kind(), Kind::Text { content: Some("原文") }));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn quote(&self) -> Option<Quote<'_>> {
        let quote = self.field("quote")?;
        quote.is_object().then_some(Quote { value: quote })
    }
}

/// The kind of a message-like object (a message, or its quote).
fn kind_of(value: &Value) -> Kind<'_> {
    let text = |path: &str| value.pointer(path).and_then(Value::as_str);
    let media = |name: &str| Media::from_value(value.get(name));
    match text("/msgtype") {
        Some("text") => Kind::Text { content: text("/text/content") },
        Some("image") => Kind::Image(media("image")),
        Some("mixed") => Kind::Mixed(Mixed {
            items: value.pointer("/mixed/msg_item").and_then(Value::as_array).map(Vec::as_slice),
        }),
        Some("voice") => Kind::Voice { content: text("/voice/content") },
        Some("file") => Kind::File(media("file")),
        Some("video") => Kind::Video(media("video")),
        Some("stream") => Kind::StreamRefresh { id: text("/stream/id") },
        Some("event") => Kind::Event(Event::from_value(value.get("event"))),
        msgtype => Kind::Unknown { msgtype },
    }
}

/// An encrypted download: an image, file or video. Decrypt what the URL returns with
/// [`media::decrypt`](wxbizmsgcrypt::media::decrypt) (or a [`media::Decryptor`](wxbizmsgcrypt::media::Decryptor)
/// as it downloads), keyed by the bot's EncodingAESKey in callback mode, or by `aeskey` where
/// the message has one (long-connection mode).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::media::MediaKey;
///
/// // Long-connection mode: the file carries its own `aeskey`.
/// let json = r#"{"msgid":"m1","aibotid":"AIBOTID","chattype":"single","from":{"userid":"USERID"},"msgtype":"file",
///                "file":{"url":"https://example.com/f","aeskey":"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C="}}"#;
/// let message = Message::parse(json)?;
/// let Kind::File(file) = message.kind() else { panic!("a file") };
/// assert_eq!(file.url, Some("https://example.com/f"));
/// let key = MediaKey::new(file.aeskey.expect("an aeskey"))?; // the key for media::decrypt
/// # let _ = key;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
///
/// Its `Debug` output shows the URL and never the `aeskey` (`[redacted]`): the key opens the
/// download, and the URL is valid for five minutes.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Media<'a> {
    /// `url`: valid for 5 minutes.
    pub url: Option<&'a str>,
    /// `aeskey`: the download's own key (long-connection mode; each URL has its own).
    pub aeskey: Option<&'a str>,
}

impl fmt::Debug for Media<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Media")
            .field("url", &self.url)
            .field("aeskey", &self.aeskey.map(|_| "[redacted]"))
            .finish()
    }
}

impl<'a> Media<'a> {
    fn from_value(value: Option<&'a Value>) -> Media<'a> {
        let text = |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_str);
        Media { url: text("url"), aeskey: text("aeskey") }
    }
}

/// The items of a `mixed` message (`mixed.msg_item`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
///
/// let json = r#"{"msgid":"CAIQrcjMjQYY/NGagIOAgAMg6PDc/w0=","aibotid":"AIBOTID","chattype":"single","from":{"userid":"USERID"},"msgtype":"mixed",
///                "mixed":{"msg_item":[{"msgtype":"text","text":{"content":"@机器人 这是今日的测试情况"}},
///                {"msgtype":"image","image":{"url":"https://example.invalid/IMAGEURL"}}]}}"#;
/// let message = Message::parse(json)?;
/// let Kind::Mixed(mixed) = message.kind() else { panic!("mixed") };
/// assert_eq!(mixed.items().count(), 2);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Mixed<'a> {
    items: Option<&'a [Value]>,
}

impl<'a> Mixed<'a> {
    /// The items, in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Kind, Message, MixedItem};
    ///
    /// let json = r#"{"msgtype":"mixed","mixed":{"msg_item":[{"msgtype":"text","text":{"content":"看图"}},
    ///                {"msgtype":"image","image":{"url":"https://example.com/i"}}]}}"#;
    /// let message = Message::parse(json)?;
    /// let Kind::Mixed(mixed) = message.kind() else { panic!("mixed") };
    /// let items: Vec<MixedItem> = mixed.items().collect();
    /// assert!(matches!(items[0], MixedItem::Text { content: Some("看图") }));
    /// assert!(matches!(items[1], MixedItem::Image(image) if image.url == Some("https://example.com/i")));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn items(&self) -> impl Iterator<Item = MixedItem<'a>> + use<'a> {
        self.items.unwrap_or_default().iter().map(|item| {
            let text = |path: &str| item.pointer(path).and_then(Value::as_str);
            match text("/msgtype") {
                Some("text") => MixedItem::Text { content: text("/text/content") },
                Some("image") => MixedItem::Image(Media::from_value(item.get("image"))),
                msgtype => MixedItem::Unknown { msgtype },
            }
        })
    }
}

/// One item of a `mixed` message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Kind, Message, MixedItem};
///
/// let json = r#"{"msgtype":"mixed","mixed":{"msg_item":[{"msgtype":"text","text":{"content":"@机器人 这是今日的测试情况"}},
///                {"msgtype":"image","image":{"url":"https://example.invalid/IMAGEURL"}}]}}"#;
/// let message = Message::parse(json)?;
/// let Kind::Mixed(mixed) = message.kind() else { panic!("mixed") };
/// let mut items = mixed.items();
/// assert_eq!(items.next(), Some(MixedItem::Text { content: Some("@机器人 这是今日的测试情况") }));
/// assert!(matches!(items.next(), Some(MixedItem::Image(image)) if image.url == Some("https://example.invalid/IMAGEURL")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MixedItem<'a> {
    /// `text`.
    Text {
        /// `text.content`.
        content: Option<&'a str>,
    },
    /// `image`.
    Image(Media<'a>),
    /// Another item type.
    Unknown {
        /// Its `msgtype`.
        msgtype: Option<&'a str>,
    },
}

/// A quoted message (`quote`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
///
/// let json = r#"{"msgid":"m1","chattype":"group","from":{"userid":"USERID"},"msgtype":"text","text":{"content":"@RobotA 这张图是什么"},
///                "quote":{"msgtype":"image","image":{"url":"https://example.com/q"}}}"#;
/// let message = Message::parse(json)?;
/// let quote = message.quote().expect("a quote");
/// let Kind::Image(image) = quote.kind() else { panic!("a quoted image") };
/// assert_eq!((quote.msgtype(), image.url), (Some("image"), Some("https://example.com/q")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Quote<'a> {
    value: &'a Value,
}

impl<'a> Quote<'a> {
    /// `quote.msgtype`.
    ///
    /// # Example
    ///
    /// See [`Message::quote`].
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::aibot::Message::parse(r#"{"quote":{"msgtype":"voice","voice":{"content":"x"}}}"#)?;
    /// assert_eq!(message.quote().and_then(|q| q.msgtype()), Some("voice"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn msgtype(&self) -> Option<&'a str> {
        self.value.get("msgtype").and_then(Value::as_str)
    }

    /// What the quoted message is, as [`Message::kind`] reads a message.
    ///
    /// # Example
    ///
    /// See [`Message::quote`].
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Kind, Message};
    /// let message = Message::parse(r#"{"quote":{"msgtype":"file","file":{"url":"https://example.com/f"}}}"#)?;
    /// assert!(matches!(message.quote().map(|q| q.kind()), Some(Kind::File(_))));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> Kind<'a> {
        kind_of(self.value)
    }
}

/// An event (`msgtype` `event`), by its `event.eventtype`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message, Reply};
///
/// let json = r#"{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","create_time":1700000000,"aibotid":"AIBOTID",
///                "from":{"corpid":"CORPID","userid":"USERID"},"chattype":"single","msgtype":"event","event":{"eventtype":"enter_chat"}}"#;
/// let message = Message::parse(json)?;
/// let Kind::Event(event) = message.kind() else { panic!("an event") };
/// assert!(matches!(event, Event::EnterChat));
/// let welcome = Reply::text("你好，我是机器人").render()?;
/// assert_eq!(welcome, r#"{"msgtype":"text","text":{"content":"你好，我是机器人"}}"#);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// `enter_chat`: the user's first entry into the single chat that day. Answer with a
    /// welcome ([`Reply::text`](super::Reply::text) or a template card); unanswered, it is not
    /// pushed again that day.
    EnterChat,
    /// `template_card_event`: a button, vote or choice on a template card the bot sent.
    /// Answer with [`Reply::update_template_card`](super::Reply::update_template_card), or
    /// nothing.
    TemplateCard(TemplateCardEvent<'a>),
    /// `feedback_event`: the user liked or disliked a reply. Tencent's SDK leaves its fields
    /// open: read them with [`Message::pointer`] (`/event/feedback_event/…`).
    Feedback,
    /// `disconnected_event` (long-connection mode: a newer connection took over).
    Disconnected,
    /// Any other event; its fields are readable with [`Message::pointer`].
    Unknown {
        /// `event.eventtype`, as sent (empty if there was none).
        eventtype: &'a str,
    },
}

impl<'a> Event<'a> {
    fn from_value(event: Option<&'a Value>) -> Event<'a> {
        let eventtype = event.and_then(|e| e.get("eventtype")).and_then(Value::as_str);
        match eventtype.unwrap_or_default() {
            "enter_chat" => Event::EnterChat,
            "template_card_event" => Event::TemplateCard(TemplateCardEvent::from_event(event)),
            "feedback_event" => Event::Feedback,
            "disconnected_event" => Event::Disconnected,
            eventtype => Event::Unknown { eventtype },
        }
    }
}

/// `template_card_event`: its fields are read from `event.template_card_event` (the
/// documents' shape), or from `event` itself (the official SDK's older, flat shape).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message};
///
/// // The official SDK's flat shape: the fields on `event` itself.
/// let json = r#"{"msgid":"m1","aibotid":"AIBOTID","from":{"userid":"USERID"},"msgtype":"event",
///                "event":{"eventtype":"template_card_event","card_type":"button_interaction","event_key":"approve","task_id":"leave_42"}}"#;
/// let message = Message::parse(json)?;
/// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!("a card event") };
/// assert_eq!((card.card_type, card.event_key, card.task_id), (Some("button_interaction"), Some("approve"), Some("leave_42")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TemplateCardEvent<'a> {
    /// `card_type`: `button_interaction`, `vote_interaction`, `multiple_interaction`, …
    pub card_type: Option<&'a str>,
    /// `event_key`: the key of the button clicked.
    pub event_key: Option<&'a str>,
    /// `task_id`: the card's task.
    pub task_id: Option<&'a str>,
    fields: Option<&'a Value>,
}

impl<'a> TemplateCardEvent<'a> {
    fn from_event(event: Option<&'a Value>) -> TemplateCardEvent<'a> {
        let nested = event.and_then(|e| e.get("template_card_event")).filter(|v| v.is_object());
        let fields = nested.or(event);
        let text = |name: &str| fields.and_then(|f| f.get(name)).and_then(Value::as_str);
        TemplateCardEvent {
            card_type: text("card_type"),
            event_key: text("event_key"),
            task_id: text("task_id"),
            fields,
        }
    }

    /// The choices made (`selected_items.selected_item`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message};
    ///
    /// let json = r#"{"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{
    ///     "card_type":"vote_interaction","event_key":"submit","task_id":"t1",
    ///     "selected_items":{"selected_item":[{"question_key":"q1","option_ids":{"option_id":["a","b"]}}]}}}}"#;
    /// let message = Message::parse(json)?;
    /// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!("a card event") };
    /// assert_eq!((card.event_key, card.task_id), (Some("submit"), Some("t1")));
    /// let item = card.selected_items().next().expect("one choice");
    /// assert_eq!(item.question_key, Some("q1"));
    /// assert_eq!(item.option_ids().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn selected_items(&self) -> impl Iterator<Item = SelectedItem<'a>> + use<'a> {
        let items = self
            .fields
            .and_then(|f| f.pointer("/selected_items/selected_item"))
            .and_then(Value::as_array)
            .map(Vec::as_slice);
        items.unwrap_or_default().iter().map(|item| SelectedItem {
            question_key: item.get("question_key").and_then(Value::as_str),
            item,
        })
    }
}

/// A choice on a template card.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message};
///
/// let json = r#"{"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{"card_type":"multiple_interaction",
///                "event_key":"submit","task_id":"t1","selected_items":{"selected_item":[
///                {"question_key":"city","option_ids":{"option_id":["gz"]}},{"question_key":"days","option_ids":{"option_id":["1","2"]}}]}}}}"#;
/// let message = Message::parse(json)?;
/// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!("a card event") };
/// let choices: Vec<_> = card.selected_items().map(|item| (item.question_key, item.option_ids().collect::<Vec<_>>())).collect();
/// assert_eq!(choices, [(Some("city"), vec!["gz"]), (Some("days"), vec!["1", "2"])]);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SelectedItem<'a> {
    /// `question_key`.
    pub question_key: Option<&'a str>,
    item: &'a Value,
}

impl<'a> SelectedItem<'a> {
    /// `option_ids.option_id`: the options chosen.
    ///
    /// # Example
    ///
    /// See [`TemplateCardEvent::selected_items`].
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Event, Kind, Message};
    /// let json = r#"{"msgtype":"event","event":{"eventtype":"template_card_event","template_card_event":{"selected_items":{"selected_item":[{"option_ids":{"option_id":["x"]}}]}}}}"#;
    /// let message = Message::parse(json)?;
    /// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!() };
    /// assert_eq!(card.selected_items().flat_map(|i| i.option_ids()).collect::<Vec<_>>(), ["x"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn option_ids(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let ids = self.item.pointer("/option_ids/option_id").and_then(Value::as_array);
        ids.map(Vec::as_slice).unwrap_or_default().iter().filter_map(Value::as_str)
    }
}

// The enums' Debug names the variant, never the values: what users wrote and the download keys stay out
// of logs (destructure for the values).

impl fmt::Debug for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Text { .. } => f.write_str("Text { .. }"),
            Kind::Image(_) => f.write_str("Image(..)"),
            Kind::Mixed(_) => f.write_str("Mixed(..)"),
            Kind::Voice { .. } => f.write_str("Voice { .. }"),
            Kind::File(_) => f.write_str("File(..)"),
            Kind::Video(_) => f.write_str("Video(..)"),
            Kind::StreamRefresh { id } => write!(f, "StreamRefresh {{ id: {id:?} }}"),
            Kind::Event(event) => write!(f, "Event({event:?})"),
            Kind::Unknown { msgtype } => write!(f, "Unknown {{ msgtype: {msgtype:?} }}"),
        }
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::EnterChat => f.write_str("EnterChat"),
            Event::TemplateCard(_) => f.write_str("TemplateCard(..)"),
            Event::Feedback => f.write_str("Feedback"),
            Event::Disconnected => f.write_str("Disconnected"),
            Event::Unknown { eventtype } => write!(f, "Unknown {{ eventtype: {eventtype:?} }}"),
        }
    }
}
