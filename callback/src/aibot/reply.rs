//! Replies to the AI bot: the JSON plaintext the reply envelope encrypts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::message::dedup::lower_hex;
use wxbizmsgcrypt::{Decrypted, Error, ReplyFault, Stamp, json};

/// A stream's `content` holds at most 20480 bytes of UTF-8 ("最长不超过20480个字节").
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::Error;
/// use wxbizmsgcrypt_callback::aibot::{Reply, STREAM_CONTENT_MAX_BYTES};
///
/// assert_eq!(STREAM_CONTENT_MAX_BYTES, 20480);
/// let full = "a".repeat(STREAM_CONTENT_MAX_BYTES);
/// assert!(Reply::stream("s1", &full).render().is_ok());
/// let err = Reply::stream("s1", &format!("{full}a")).render().unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::ContentTooLong { limit: STREAM_CONTENT_MAX_BYTES }));
/// # Ok::<(), Error>(())
/// ```
pub const STREAM_CONTENT_MAX_BYTES: usize = 20480;

/// A finished stream carries at most 10 images (`msg_item`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::Error;
/// use wxbizmsgcrypt_callback::aibot::{Reply, STREAM_MAX_IMAGES};
///
/// assert_eq!(STREAM_MAX_IMAGES, 10);
/// let png = b"\x89PNG\r\n\x1a\n";
/// let with_images = |count: usize| (0..count).fold(Reply::stream_finished("s1", "图来了"), |reply, _| reply.with_image(png));
/// assert!(with_images(STREAM_MAX_IMAGES).render().is_ok());
/// let err = with_images(STREAM_MAX_IMAGES + 1).render().unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::TooManyImages { limit: STREAM_MAX_IMAGES }));
/// # Ok::<(), Error>(())
/// ```
pub const STREAM_MAX_IMAGES: usize = 10;

/// An image is at most 10 MiB before base64 ("最大不能超过10M"; JPG or PNG).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::Error;
/// use wxbizmsgcrypt_callback::aibot::{IMAGE_MAX_BYTES, Reply, StreamState};
///
/// assert_eq!(IMAGE_MAX_BYTES, 10 * 1024 * 1024);
/// let too_large = vec![0u8; IMAGE_MAX_BYTES + 1];
/// let err = Reply::stream_finished("s1", "").with_image(&too_large).render().unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::ImageTooLarge { limit: IMAGE_MAX_BYTES }));
/// let mut stream = StreamState::new("s1", std::time::UNIX_EPOCH);
/// assert!(stream.add_image(&too_large[1..]).is_ok()); // exactly the limit
/// assert_eq!(stream.add_image(&too_large), Err(err));
/// # Ok::<(), Error>(())
/// ```
pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A feedback id holds at most 256 bytes of UTF-8.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::Error;
/// use wxbizmsgcrypt_callback::aibot::{FEEDBACK_ID_MAX_BYTES, Reply};
///
/// assert_eq!(FEEDBACK_ID_MAX_BYTES, 256);
/// let id = "f".repeat(FEEDBACK_ID_MAX_BYTES);
/// assert!(Reply::stream("s1", "").with_feedback_id(&id).render().is_ok());
/// let err = Reply::stream("s1", "").with_feedback_id(&format!("{id}f")).render().unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::FeedbackIdTooLong { limit: FEEDBACK_ID_MAX_BYTES }));
/// # Ok::<(), Error>(())
/// ```
pub const FEEDBACK_ID_MAX_BYTES: usize = 256;

/// A template card's `task_id` holds at most 128 bytes of digits, letters, `_`, `-` and `@`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::Error;
/// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TASK_ID_MAX_BYTES, TemplateCard};
///
/// assert_eq!(TASK_ID_MAX_BYTES, 128);
/// let card = |task_id: &str| Reply::template_card(TemplateCard::new(CardType::ButtonInteraction).task_id(task_id));
/// assert!(card(&"t".repeat(TASK_ID_MAX_BYTES)).render().is_ok());
/// let err = card(&"t".repeat(TASK_ID_MAX_BYTES + 1)).render().unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::InvalidTaskId));
/// # Ok::<(), Error>(())
/// ```
pub const TASK_ID_MAX_BYTES: usize = 128;

/// A reply to the AI bot: rendered with [`Reply::render`] to the JSON plaintext that
/// [`Reply::seal`] (or [`json::encrypt_reply`](wxbizmsgcrypt::json::encrypt_reply))
/// encrypts.
///
/// - To a user message: a [`stream`](Reply::stream) (the usual answer, polled by WeCom until
///   it says `finish`), a [`template_card`](Reply::template_card), or
///   [`stream_with_template_card`](Reply::stream_with_template_card).
/// - To `enter_chat`: a [`text`](Reply::text) or a template card.
/// - To `template_card_event`: [`update_template_card`](Reply::update_template_card).
///
/// Tencent's limits are errors of [`render`](Reply::render), never a truncation.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::Reply;
///
/// let json = Reply::text("欢迎使用").render()?;
/// assert_eq!(json, r#"{"msgtype":"text","text":{"content":"欢迎使用"}}"#);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    body: Body,
    /// For a finished stream's `msg_item`.
    images: Vec<Vec<u8>>,
    /// `feedback.id` of a stream or a card.
    feedback_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text(String),
    Stream(Stream),
    TemplateCard(TemplateCard),
    StreamWithTemplateCard(Stream, TemplateCard),
    UpdateTemplateCard { userids: Vec<String>, card: TemplateCard },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stream {
    id: String,
    content: String,
    finish: bool,
}

impl Stream {
    fn new(id: &str, content: &str, finish: bool) -> Stream {
        Stream { id: id.to_owned(), content: content.to_owned(), finish }
    }
}

impl Reply {
    /// Renders this reply and encrypts it into the JSON reply envelope, sealed like
    /// [`json::encrypt_reply`] with the key, receive id and token that opened `request`: the
    /// whole passive reply in one call. Answer with it as `text/plain`, as Tencent's own plugin
    /// does.
    ///
    /// `stamp`'s timestamp and nonce are returned in the envelope; Tencent's plugin echoes the
    /// request's ([`Signed::stamp`](wxbizmsgcrypt::Signed::stamp)).
    ///
    /// # Errors
    ///
    /// The errors of [`Reply::render`] (`-40011`: a reply over the platform's limits), then
    /// those of [`json::encrypt_reply`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Signed, Stamp, json};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, aibot};
    ///
    /// // The AI bot: an empty receive id.
    /// let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
    /// let sent = crypt.encrypt_msg(r#"{"msgid":"m1","msgtype":"text","text":{"content":"hi"}}"#, Stamp::from_parts("1700000000", "n1"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1700000000", nonce: "n1" };
    /// let request = crypt.decrypt_msg(signed, sent.encrypt())?;
    ///
    /// let body = aibot::Reply::stream("s1", "").seal(&request, signed.stamp())?;
    ///
    /// // WeCom's side: the reply decrypts to the stream.
    /// let envelope = aibot::Message::parse(&body)?;
    /// let signed = Signed { msg_signature: envelope.get("msgsignature").unwrap_or_default(), timestamp: "1700000000", nonce: "n1" };
    /// let answer = aibot::Message::parse(json::decrypt_msg(&crypt, signed, &body)?.message())?;
    /// assert_eq!(answer.pointer("/stream/id"), Some("s1"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn seal(&self, request: &Decrypted, stamp: Stamp<'_>) -> Result<String, Error> {
        json::encrypt_reply(request, &self.render()?, stamp)
    }

    /// A text reply: the welcome to `enter_chat`.
    ///
    /// # Example
    ///
    /// ```
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::text("hi").render()?;
    /// assert_eq!(json, r#"{"msgtype":"text","text":{"content":"hi"}}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn text(content: &str) -> Reply {
        Reply::of(Body::Text(content.to_owned()))
    }

    /// A stream reply that goes on: `content` is everything the stream says so far (Markdown),
    /// not a delta; `id` is the same on every reply of the stream. WeCom polls it again.
    ///
    /// # Example
    ///
    /// ```
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::stream("s1", "**Hello**").render()?;
    /// assert_eq!(json, r#"{"msgtype":"stream","stream":{"content":"**Hello**","finish":false,"id":"s1"}}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn stream(id: &str, content: &str) -> Reply {
        Reply::of(Body::Stream(Stream::new(id, content, false)))
    }

    /// The stream's last reply (`finish`): WeCom polls it no more. Only this one may carry
    /// images ([`with_image`](Reply::with_image)).
    ///
    /// # Example
    ///
    /// ```
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::stream_finished("s1", "**Hello**").render()?;
    /// assert_eq!(json, r#"{"msgtype":"stream","stream":{"content":"**Hello**","finish":true,"id":"s1"}}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn stream_finished(id: &str, content: &str) -> Reply {
        Reply::of(Body::Stream(Stream::new(id, content, true)))
    }

    /// A template card.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    ///
    /// let card = TemplateCard::new(CardType::TextNotice).title("部署完成").description("v1.2.3");
    /// let json = Reply::template_card(card).render()?;
    /// assert!(json.starts_with(r#"{"msgtype":"template_card","template_card":{"card_type":"text_notice""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn template_card(card: TemplateCard) -> Reply {
        Reply::of(Body::TemplateCard(card))
    }

    /// A stream that goes on and a template card together (`stream_with_template_card`).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    ///
    /// let card = TemplateCard::new(CardType::ButtonInteraction).title("继续？").button("继续", "go").task_id("task_1");
    /// let json = Reply::stream_with_template_card("s1", "思考中…", card).render()?;
    /// assert!(json.starts_with(r#"{"msgtype":"stream_with_template_card","stream":{"content":"思考中…""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn stream_with_template_card(id: &str, content: &str, card: TemplateCard) -> Reply {
        Reply::of(Body::StreamWithTemplateCard(Stream::new(id, content, false), card))
    }

    /// The stream's last reply, with a template card.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    ///
    /// let card = TemplateCard::new(CardType::TextNotice).title("完成");
    /// let json = Reply::stream_finished_with_template_card("s1", "好了", card).render()?;
    /// assert!(json.contains(r#""finish":true"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn stream_finished_with_template_card(
        id: &str,
        content: &str,
        card: TemplateCard,
    ) -> Reply {
        Reply::of(Body::StreamWithTemplateCard(Stream::new(id, content, true), card))
    }

    /// The answer to a `template_card_event`: replaces the card for `userids` (for every user
    /// the message reached, if empty).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    ///
    /// let card = TemplateCard::new(CardType::ButtonInteraction).title("已确认").task_id("task_1");
    /// let json = Reply::update_template_card(card, &["zhangsan"]).render()?;
    /// assert!(json.starts_with(r#"{"response_type":"update_template_card","template_card":{"#));
    /// assert!(json.ends_with(r#""userids":["zhangsan"]}"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn update_template_card(card: TemplateCard, userids: &[&str]) -> Reply {
        let userids = userids.iter().map(|&id| id.to_owned()).collect();
        Reply::of(Body::UpdateTemplateCard { userids, card })
    }

    /// Adds an image to a finished stream's `msg_item` (JPG or PNG bytes, rendered as base64
    /// with their MD5). Images go only in a stream that finishes: on any other reply,
    /// [`render`](Reply::render) refuses them.
    ///
    /// # Example
    ///
    /// ```
    /// let png = b"\x89PNG\r\n\x1a\n";
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::stream_finished("s1", "图来了").with_image(png).render()?;
    /// assert!(json.contains(r#""msg_item":[{"image":{"base64":"iVBORw0KGgo=","md5":"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_image(mut self, image: &[u8]) -> Reply {
        self.images.push(image.to_vec());
        self
    }

    /// Sets `feedback.id` (on the first reply of a stream, or on a card), so that the user's
    /// like or dislike comes back with it in a `feedback_event`. A text reply has none: there it
    /// is not rendered (its length is checked all the same).
    ///
    /// # Example
    ///
    /// ```
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::stream("s1", "").with_feedback_id("fb-1").render()?;
    /// assert!(json.contains(r#""feedback":{"id":"fb-1"}"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_feedback_id(mut self, id: &str) -> Reply {
        self.feedback_id = Some(id.to_owned());
        self
    }

    fn of(body: Body) -> Reply {
        Reply { body, images: Vec::new(), feedback_id: None }
    }

    /// Renders the reply: the JSON plaintext to encrypt.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReply`] (`-40011`), with:
    /// - [`ReplyFault::ContentTooLong`] for a stream `content` over
    ///   [`STREAM_CONTENT_MAX_BYTES`];
    /// - [`ReplyFault::ImagesOnlyWhenFinished`] for images on a stream that does not finish
    ///   (or on a reply that is no stream);
    /// - [`ReplyFault::TooManyImages`] for more than [`STREAM_MAX_IMAGES`],
    ///   [`ReplyFault::ImageTooLarge`] for one over [`IMAGE_MAX_BYTES`];
    /// - [`ReplyFault::FeedbackIdTooLong`] for a feedback id over [`FEEDBACK_ID_MAX_BYTES`];
    /// - the card's faults ([`TemplateCard`]): [`ReplyFault::InvalidTaskId`],
    ///   [`ReplyFault::TooManyCardItems`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
    /// use wxbizmsgcrypt_callback::{Error, aibot::Reply};
    ///
    /// let too_long = "字".repeat(6827); // 20481 bytes
    /// assert_eq!(
    ///     Reply::stream("s1", &too_long).render(),
    ///     Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 20480 }))
    /// );
    /// assert_eq!(
    ///     Reply::stream("s1", "").with_image(b"png").render(),
    ///     Err(Error::InvalidReply(ReplyFault::ImagesOnlyWhenFinished))
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn render(&self) -> Result<String, Error> {
        self.to_value().map(|value| value.to_string())
    }

    /// [`render`](Reply::render)'s JSON object, not yet written out: for a transport that
    /// puts it in a frame of its own (the long connection).
    pub(crate) fn to_value(&self) -> Result<Value, Error> {
        if self.feedback_id.as_ref().is_some_and(|id| id.len() > FEEDBACK_ID_MAX_BYTES) {
            return Err(invalid(ReplyFault::FeedbackIdTooLong { limit: FEEDBACK_ID_MAX_BYTES }));
        }
        let finished = match &self.body {
            Body::Stream(stream) | Body::StreamWithTemplateCard(stream, _) => stream.finish,
            Body::Text(_) | Body::TemplateCard(_) | Body::UpdateTemplateCard { .. } => false,
        };
        if !self.images.is_empty() && !finished {
            return Err(invalid(ReplyFault::ImagesOnlyWhenFinished));
        }
        let feedback = self.feedback_id.as_ref().map(|id| json!({ "id": id }));
        let stream = |stream: &Stream| stream.to_value(&self.images, feedback.clone());
        let card = |card: &TemplateCard| card.to_value(feedback.clone());
        let value = match &self.body {
            Body::Text(content) => json!({ "msgtype": "text", "text": { "content": content } }),
            Body::Stream(s) => json!({ "msgtype": "stream", "stream": stream(s)? }),
            Body::TemplateCard(c) => {
                json!({ "msgtype": "template_card", "template_card": card(c)? })
            }
            Body::StreamWithTemplateCard(s, c) => json!({
                "msgtype": "stream_with_template_card",
                "stream": stream(s)?,
                "template_card": c.to_value(None)?,
            }),
            Body::UpdateTemplateCard { userids, card: c } => {
                let mut object = Map::new();
                object.insert("response_type".to_owned(), json!("update_template_card"));
                object.insert("template_card".to_owned(), card(c)?);
                if !userids.is_empty() {
                    object.insert("userids".to_owned(), json!(userids));
                }
                Value::Object(object)
            }
        };
        Ok(value)
    }
}

fn invalid(fault: ReplyFault) -> Error {
    Error::InvalidReply(fault)
}

impl Stream {
    /// The `stream` object, with `images` as its `msg_item` and `feedback`.
    fn to_value(&self, images: &[Vec<u8>], feedback: Option<Value>) -> Result<Value, Error> {
        if self.content.len() > STREAM_CONTENT_MAX_BYTES {
            return Err(invalid(ReplyFault::ContentTooLong { limit: STREAM_CONTENT_MAX_BYTES }));
        }
        let mut stream = Map::new();
        stream.insert("id".to_owned(), json!(self.id));
        stream.insert("finish".to_owned(), json!(self.finish));
        stream.insert("content".to_owned(), json!(self.content));
        if !images.is_empty() {
            if images.len() > STREAM_MAX_IMAGES {
                return Err(invalid(ReplyFault::TooManyImages { limit: STREAM_MAX_IMAGES }));
            }
            let mut items = Vec::with_capacity(images.len());
            for image in images {
                if image.len() > IMAGE_MAX_BYTES {
                    return Err(invalid(ReplyFault::ImageTooLarge { limit: IMAGE_MAX_BYTES }));
                }
                let md5 = lower_hex(&Md5::digest(image));
                items.push(json!({
                    "msgtype": "image",
                    "image": { "base64": STANDARD.encode(image), "md5": md5 },
                }));
            }
            stream.insert("msg_item".to_owned(), Value::Array(items));
        }
        if let Some(feedback) = feedback {
            stream.insert("feedback".to_owned(), feedback);
        }
        Ok(Value::Object(stream))
    }
}

/// The kinds of template card.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
///
/// assert_eq!(CardType::VoteInteraction.as_str(), "vote_interaction");
/// let json = Reply::template_card(TemplateCard::new(CardType::NewsNotice)).render()?;
/// assert_eq!(json, r#"{"msgtype":"template_card","template_card":{"card_type":"news_notice"}}"#);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardType {
    /// `text_notice`: a notification.
    TextNotice,
    /// `news_notice`: a notification with an image.
    NewsNotice,
    /// `button_interaction`: buttons (up to 6).
    ButtonInteraction,
    /// `vote_interaction`: a vote.
    VoteInteraction,
    /// `multiple_interaction`: several choices.
    MultipleInteraction,
}

impl CardType {
    /// The `card_type` as sent.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::CardType::ButtonInteraction.as_str(), "button_interaction");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CardType::TextNotice => "text_notice",
            CardType::NewsNotice => "news_notice",
            CardType::ButtonInteraction => "button_interaction",
            CardType::VoteInteraction => "vote_interaction",
            CardType::MultipleInteraction => "multiple_interaction",
        }
    }
}

/// A template card: built with the methods below for the common parts (title, text, buttons,
/// links, task id), or from the JSON of any card ([`TemplateCard::from_json`]) for the rest
/// (`checkbox`, `select_list`, `card_image`, …), whose fields are those of Tencent's
/// `template_card` object.
///
/// Lists are checked against Tencent's limits when the reply is rendered: at most 6 buttons,
/// 6 horizontal items and 3 jumps; a `task_id` of at most 128 bytes of digits, letters, `_`,
/// `-` and `@`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
///
/// let card = TemplateCard::new(CardType::ButtonInteraction)
///     .title("审批")
///     .sub_title_text("张三的请假申请")
///     .button("同意", "approve")
///     .button("拒绝", "reject")
///     .task_id("leave_42");
/// let json = Reply::template_card(card).render()?;
/// assert!(json.contains(r#""button_list":[{"key":"approve","text":"同意"},{"key":"reject","text":"拒绝"}]"#));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateCard {
    fields: Map<String, Value>,
}

impl TemplateCard {
    /// An empty card of `card_type`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice)).render()?;
    /// assert_eq!(json, r#"{"msgtype":"template_card","template_card":{"card_type":"text_notice"}}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn new(card_type: CardType) -> TemplateCard {
        let mut fields = Map::new();
        fields.insert("card_type".to_owned(), json!(card_type.as_str()));
        TemplateCard { fields }
    }

    /// A card from its JSON: an object with a string `card_type`, as Tencent documents it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReply`] (`-40011`) with [`ReplyFault::InvalidTemplateCard`] unless
    /// `json` is an object with a string `card_type`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
    /// use wxbizmsgcrypt_callback::{Error, aibot::TemplateCard};
    ///
    /// let card = TemplateCard::from_json(r#"{"card_type":"vote_interaction","checkbox":{"question_key":"q","option_list":[{"id":"a","text":"A"}]}}"#)?;
    /// # let _ = card;
    /// assert_eq!(TemplateCard::from_json("[]"), Err(Error::InvalidReply(ReplyFault::InvalidTemplateCard)));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<TemplateCard, Error> {
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(fields)) if fields.get("card_type").is_some_and(Value::is_string) => {
                Ok(TemplateCard { fields })
            }
            _ => Err(invalid(ReplyFault::InvalidTemplateCard)),
        }
    }

    /// `main_title.title`.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).title("T")).render()?;
    /// assert!(json.contains(r#""main_title":{"title":"T"}"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn title(self, title: &str) -> TemplateCard {
        self.nested("main_title", "title", title)
    }

    /// `main_title.desc`.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).description("D")).render()?;
    /// assert!(json.contains(r#""main_title":{"desc":"D"}"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn description(self, desc: &str) -> TemplateCard {
        self.nested("main_title", "desc", desc)
    }

    /// `sub_title_text`: the body text.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).sub_title_text("S")).render()?;
    /// assert!(json.contains(r#""sub_title_text":"S""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn sub_title_text(mut self, text: &str) -> TemplateCard {
        self.fields.insert("sub_title_text".to_owned(), json!(text));
        self
    }

    /// `task_id`: names the card in the `template_card_event` it causes, and in updates.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::ButtonInteraction).task_id("t-1@x")).render()?;
    /// assert!(json.contains(r#""task_id":"t-1@x""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn task_id(mut self, task_id: &str) -> TemplateCard {
        self.fields.insert("task_id".to_owned(), json!(task_id));
        self
    }

    /// A button (`button_list`, `button_interaction` cards): its text and its key, which the
    /// `template_card_event` names.
    ///
    /// # Example
    ///
    /// See [`TemplateCard`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::ButtonInteraction).button("OK", "ok")).render()?;
    /// assert!(json.contains(r#""button_list":[{"key":"ok","text":"OK"}]"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn button(self, text: &str, key: &str) -> TemplateCard {
        self.pushed("button_list", json!({ "text": text, "key": key }))
    }

    /// A line of the horizontal list (`horizontal_content_list`): a label and its text.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).horizontal("版本", "1.2.3")).render()?;
    /// assert!(json.contains(r#""horizontal_content_list":[{"keyname":"版本","value":"1.2.3"}]"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn horizontal(self, keyname: &str, value: &str) -> TemplateCard {
        self.pushed("horizontal_content_list", json!({ "keyname": keyname, "value": value }))
    }

    /// A link under the card (`jump_list`, type 1).
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).jump("详情", "https://example.com")).render()?;
    /// assert!(json.contains(r#""jump_list":[{"title":"详情","type":1,"url":"https://example.com"}]"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn jump(self, title: &str, url: &str) -> TemplateCard {
        self.pushed("jump_list", json!({ "type": 1, "title": title, "url": url }))
    }

    /// Where a click on the card leads (`card_action`, type 1).
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::aibot::{CardType, Reply, TemplateCard};
    /// let json = Reply::template_card(TemplateCard::new(CardType::TextNotice).url("https://example.com")).render()?;
    /// assert!(json.contains(r#""card_action":{"type":1,"url":"https://example.com"}"#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn url(mut self, url: &str) -> TemplateCard {
        self.fields.insert("card_action".to_owned(), json!({ "type": 1, "url": url }));
        self
    }

    fn nested(mut self, object: &str, key: &str, value: &str) -> TemplateCard {
        let entry = self.fields.entry(object.to_owned()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        if let Some(map) = entry.as_object_mut() {
            map.insert(key.to_owned(), json!(value));
        }
        self
    }

    fn pushed(mut self, list: &str, item: Value) -> TemplateCard {
        let entry = self.fields.entry(list.to_owned()).or_insert_with(|| json!([]));
        if !entry.is_array() {
            *entry = json!([]);
        }
        if let Some(items) = entry.as_array_mut() {
            items.push(item);
        }
        self
    }

    /// The card's JSON, checked against Tencent's limits, with `feedback` if given.
    fn to_value(&self, feedback: Option<Value>) -> Result<Value, Error> {
        for (field, limit) in [("button_list", 6), ("horizontal_content_list", 6), ("jump_list", 3)]
        {
            if self
                .fields
                .get(field)
                .and_then(Value::as_array)
                .is_some_and(|list| list.len() > limit)
            {
                return Err(invalid(ReplyFault::TooManyCardItems { field, limit }));
            }
        }
        if let Some(task_id) = self.fields.get("task_id") {
            let valid = task_id.as_str().is_some_and(|id| {
                !id.is_empty()
                    && id.len() <= TASK_ID_MAX_BYTES
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'@'))
            });
            if !valid {
                return Err(invalid(ReplyFault::InvalidTaskId));
            }
        }
        let mut fields = self.fields.clone();
        if let Some(feedback) = feedback {
            fields.insert("feedback".to_owned(), feedback);
        }
        Ok(Value::Object(fields))
    }
}
