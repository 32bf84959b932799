//! Passive replies to XML callbacks: the plaintext XML a reply envelope encrypts.
//!
//! A [`Reply`] is built from what it says (`Reply::text("hi")`), then rendered for the message
//! it answers ([`Reply::render`]): the sender becomes the recipient and the recipient the
//! sender, as the platforms require. The XML is well-formed whatever the content (`]]>`,
//! carriage returns, CJK, emoji: ElementTree and the official libraries read back exactly what
//! went in), and the limits Tencent documents for passive replies (text length, the number of
//! articles) are errors, never a silent truncation. Other fields' lengths (titles, URLs) are
//! not modelled.
//!
//! Pure: no I/O, nothing of the crypto. To encrypt a reply into its envelope, use
//! [`Reply::seal`] (or [`Reply::render`] then
//! [`xml::encrypt_reply`]).
//!
//! Templates: 公众号 passive replies (developers.weixin.qq.com, 被动回复用户消息) and WeCom's
//! (path/96469); `update_button` as WxJava renders it.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use wxbizmsgcrypt_callback::message::Message;
//! use wxbizmsgcrypt_callback::reply::Reply;
//!
//! let message = Message::parse("<xml><ToUserName>ww1</ToUserName><FromUserName>zhangsan</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>")?;
//! let now = UNIX_EPOCH + Duration::from_secs(1700000000);
//! let xml = Reply::text("你好 ]]> <b>").render(&message, now)?;
//! assert_eq!(
//!     xml,
//!     "<xml><ToUserName><![CDATA[zhangsan]]></ToUserName><FromUserName><![CDATA[ww1]]></FromUserName>\
//!      <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
//!      <Content>你好 ]]&gt; &lt;b&gt;</Content></xml>"
//! );
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

use crate::message::{JsonMessage, Message};
use std::time::{SystemTime, UNIX_EPOCH};
use wxbizmsgcrypt::__private::strict_xml::push_cdata_or_text;
use wxbizmsgcrypt::{Decrypted, Error, ReplyFault, Stamp, xml};

/// Text content is capped at 2048 bytes on both platforms (WeCom path/96469: "最长不超过2048个
/// 字节,超过将截断", longer is truncated; 公众号 in practice).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::{Error, message::Message};
/// use wxbizmsgcrypt_callback::reply::{Reply, TEXT_MAX_BYTES};
///
/// assert_eq!(TEXT_MAX_BYTES, 2048);
/// let message = Message::parse("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>")?;
/// assert!(Reply::text(&"a".repeat(TEXT_MAX_BYTES)).render(&message, std::time::SystemTime::now()).is_ok());
/// let err = Reply::text(&"a".repeat(TEXT_MAX_BYTES + 1)).render(&message, std::time::SystemTime::now()).unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::ContentTooLong { limit: TEXT_MAX_BYTES }));
/// # Ok::<(), Error>(())
/// ```
pub const TEXT_MAX_BYTES: usize = 2048;

/// Articles in a news reply: at most 8 on WeCom (path/96469).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::{Error, message::Message};
/// use wxbizmsgcrypt_callback::reply::{Article, Reply, WECOM_NEWS_MAX_ARTICLES};
///
/// assert_eq!(WECOM_NEWS_MAX_ARTICLES, 8);
/// // A WeCom message: it has an `AgentID`.
/// let message = Message::parse("<xml><ToUserName>ww1</ToUserName><FromUserName>zhangsan</FromUserName><AgentID>1</AgentID></xml>")?;
/// let news = |count: usize| Reply::news((1..=count).map(|i| Article::new(&format!("第{i}条"))));
/// assert!(news(WECOM_NEWS_MAX_ARTICLES).render(&message, std::time::SystemTime::now()).is_ok());
/// let err = news(WECOM_NEWS_MAX_ARTICLES + 1).render(&message, std::time::SystemTime::now()).unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::TooManyArticles { limit: WECOM_NEWS_MAX_ARTICLES }));
/// # Ok::<(), Error>(())
/// ```
pub const WECOM_NEWS_MAX_ARTICLES: usize = 8;

/// Articles in a news reply: 1 on 公众号 since 2018-10-12.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
/// use wxbizmsgcrypt_callback::{Error, message::Message};
/// use wxbizmsgcrypt_callback::reply::{Article, Reply, WECHAT_NEWS_MAX_ARTICLES};
///
/// assert_eq!(WECHAT_NEWS_MAX_ARTICLES, 1);
/// // A 公众号 message: no `AgentID`.
/// let message = Message::parse("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>")?;
/// assert!(Reply::news([Article::new("第1条")]).render(&message, std::time::SystemTime::now()).is_ok());
/// let err = Reply::news([Article::new("第1条"), Article::new("第2条")]).render(&message, std::time::SystemTime::now()).unwrap_err();
/// assert_eq!(err, Error::InvalidReply(ReplyFault::TooManyArticles { limit: WECHAT_NEWS_MAX_ARTICLES }));
/// # Ok::<(), Error>(())
/// ```
pub const WECHAT_NEWS_MAX_ARTICLES: usize = 1;

/// A passive reply.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::Message;
/// use wxbizmsgcrypt_callback::reply::{Article, Reply};
///
/// let message = Message::parse("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>")?;
/// let reply = Reply::news([Article::new("标题").description("…").url("https://example.com")]);
/// let xml = reply.render(&message, std::time::SystemTime::now())?;
/// assert!(xml.contains("<ArticleCount>1</ArticleCount>"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Text(String),
    Image(String),
    Voice(String),
    Video(Video),
    Music(Music),
    News(Vec<Article>),
    TransferCustomerService(Option<String>),
    UpdateButton(String),
}

impl Reply {
    /// Renders this reply to `message` and encrypts it into the XML reply envelope, sealed
    /// like [`xml::encrypt_reply`] with the key, receive id and token that opened `request`:
    /// the whole passive reply in one call.
    ///
    /// `message` is `request`'s message, parsed; `stamp`'s time is both the reply's
    /// `CreateTime` and the envelope's `TimeStamp` ([`Stamp::new`] at the time of the reply,
    /// with a nonce: the request's will do).
    ///
    /// # Errors
    ///
    /// [`Error::ReplyTimestampNotNumeric`] (`-40011`) for a stamp whose timestamp is not a
    /// number of seconds (one [`Stamp::from_parts`] made of something else); the errors of
    /// [`Reply::render`] (`-40011`: a reply over the platform's limits, or a character XML
    /// cannot carry), then those of [`xml::encrypt_reply`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Signed, Stamp, xml};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, message::Message, reply::Reply};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// // WeCom's side: a text message from zhangsan.
    /// let sent = crypt.encrypt_msg(
    ///     "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
    ///      <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>",
    ///     Stamp::from_parts("1409659813", "1372623149"),
    /// )?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    ///
    /// let request = crypt.decrypt_msg(signed, sent.encrypt())?;
    /// let message = Message::parse(request.message())?;
    /// let now = UNIX_EPOCH + Duration::from_secs(1409659814);
    /// let body = Reply::text("你好").seal(&request, &message, Stamp::new(now, "42"))?;
    ///
    /// // WeCom's side again: the reply decrypts to a text for zhangsan.
    /// let envelope = Message::parse(&body)?;
    /// let signature = envelope.get("MsgSignature").unwrap_or_default();
    /// let signed = Signed { msg_signature: signature, timestamp: "1409659814", nonce: "42" };
    /// let answer = Message::parse(xml::decrypt_msg(&crypt, signed, &body)?.message())?;
    /// assert_eq!((answer.to_user_name(), answer.get("Content")), (Some("zhangsan"), Some("你好")));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn seal(
        &self,
        request: &Decrypted,
        message: &Message,
        stamp: Stamp<'_>,
    ) -> Result<String, Error> {
        let now = stamp.time().ok_or(Error::ReplyTimestampNotNumeric)?;
        let plaintext = self.render(message, now)?;
        xml::encrypt_reply(request, &plaintext, stamp)
    }

    /// A text reply (`MsgType` `text`).
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::text("hi").render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<Content><![CDATA[hi]]></Content>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn text(content: &str) -> Reply {
        Reply { body: Body::Text(content.to_owned()) }
    }

    /// An image reply, by the `media_id` of an uploaded image.
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::image("m1").render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<Image><MediaId><![CDATA[m1]]></MediaId></Image>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn image(media_id: &str) -> Reply {
        Reply { body: Body::Image(media_id.to_owned()) }
    }

    /// A voice reply, by the `media_id` of an uploaded voice.
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::voice("m1").render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<Voice><MediaId><![CDATA[m1]]></MediaId></Voice>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn voice(media_id: &str) -> Reply {
        Reply { body: Body::Voice(media_id.to_owned()) }
    }

    /// A video reply.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::reply::{Reply, Video};
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = Reply::video(Video::new("m1").title("t")).render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<Video><MediaId><![CDATA[m1]]></MediaId><Title><![CDATA[t]]></Title></Video>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn video(video: Video) -> Reply {
        Reply { body: Body::Video(video) }
    }

    /// A music reply (公众号).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::reply::{Music, Reply};
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = Reply::music(Music::new("thumb1").title("歌").music_url("https://example.com/a.mp3")).render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<ThumbMediaId><![CDATA[thumb1]]></ThumbMediaId>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn music(music: Music) -> Reply {
        Reply { body: Body::Music(music) }
    }

    /// A news reply (图文): one article on 公众号, up to 8 on WeCom; `ArticleCount` is always
    /// the number given.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::reply::{Article, Reply};
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>ww1</ToUserName><FromUserName>b</FromUserName><AgentID>1</AgentID></xml>")?;
    /// let reply = Reply::news((1..=3).map(|i| Article::new(&format!("第{i}条"))));
    /// assert!(reply.render(&message, std::time::SystemTime::now())?.contains("<ArticleCount>3</ArticleCount>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn news(articles: impl IntoIterator<Item = Article>) -> Reply {
        Reply { body: Body::News(articles.into_iter().collect()) }
    }

    /// Hands the conversation to customer service (公众号 `transfer_customer_service`).
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::transfer_customer_service().render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn transfer_customer_service() -> Reply {
        Reply { body: Body::TransferCustomerService(None) }
    }

    /// Hands the conversation to one customer-service account (`TransInfo/KfAccount`).
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::transfer_to_kf_account("kf1@test").render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<TransInfo><KfAccount><![CDATA[kf1@test]]></KfAccount></TransInfo>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn transfer_to_kf_account(kf_account: &str) -> Reply {
        Reply { body: Body::TransferCustomerService(Some(kf_account.to_owned())) }
    }

    /// Renames the button the user clicked on a template card (WeCom `update_button`, the answer
    /// to a `template_card_event`).
    ///
    /// # Example
    ///
    /// ```
    /// # let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName>ww1</ToUserName><FromUserName>u1</FromUserName></xml>")?;
    /// let xml = wxbizmsgcrypt_callback::reply::Reply::update_button("已处理").render(&message, std::time::SystemTime::now())?;
    /// assert!(xml.contains("<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[已处理]]></ReplaceName></Button>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn update_button(replace_name: &str) -> Reply {
        Reply { body: Body::UpdateButton(replace_name.to_owned()) }
    }

    /// Renders the reply to `to`, the message it answers, made at `now` (its `CreateTime`, in
    /// whole seconds since the epoch; 0 for a time before it): `ToUserName` is the message's `FromUserName` and `FromUserName` its
    /// `ToUserName`.
    ///
    /// Values are written as CDATA, as the templates have them, unless they hold `]]>` or a
    /// carriage return (which CDATA cannot carry unchanged): then as escaped text.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidReply`] (`-40011`): [`ReplyFault::NoRecipient`] if the message has no
    ///   `FromUserName` (or an empty or blank one); [`ReplyFault::ContentTooLong`] for a text over [`TEXT_MAX_BYTES`];
    ///   [`ReplyFault::NoArticles`] for a news reply without articles;
    ///   [`ReplyFault::TooManyArticles`] for more than the platform takes
    ///   ([`WECOM_NEWS_MAX_ARTICLES`] if the message has an `AgentID`, else
    ///   [`WECHAT_NEWS_MAX_ARTICLES`]).
    /// - [`Error::ReplyFieldNotRepresentable`] (`-40011`) for a character XML cannot carry
    ///   at all (a control character other than tab, newline and carriage return, U+FFFE,
    ///   U+FFFF).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
    /// use wxbizmsgcrypt_callback::{Error, message::Message, reply::Reply};
    ///
    /// let message = Message::parse("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName></xml>")?;
    /// let long = "字".repeat(683); // 2049 bytes
    /// assert_eq!(
    ///     Reply::text(&long).render(&message, std::time::SystemTime::now()),
    ///     Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 2048 }))
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn render(&self, to: &Message, now: SystemTime) -> Result<String, Error> {
        let create_time = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let recipient = to
            .from_user_name()
            .filter(|name| !name.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')).is_empty())
            .ok_or(Error::InvalidReply(ReplyFault::NoRecipient))?;
        let sender = to.to_user_name().unwrap_or_default();
        let mut out = String::with_capacity(256);
        out.push_str("<xml><ToUserName>");
        push_cdata_or_text(&mut out, recipient)?;
        out.push_str("</ToUserName><FromUserName>");
        push_cdata_or_text(&mut out, sender)?;
        out.push_str("</FromUserName><CreateTime>");
        out.push_str(&create_time.to_string());
        out.push_str("</CreateTime><MsgType><![CDATA[");
        out.push_str(self.msg_type());
        out.push_str("]]></MsgType>");
        match &self.body {
            Body::Text(content) => {
                if content.len() > TEXT_MAX_BYTES {
                    return Err(Error::InvalidReply(ReplyFault::ContentTooLong {
                        limit: TEXT_MAX_BYTES,
                    }));
                }
                element(&mut out, "Content", content)?;
            }
            Body::Image(media_id) => wrapped(&mut out, "Image", &[("MediaId", Some(media_id))])?,
            Body::Voice(media_id) => wrapped(&mut out, "Voice", &[("MediaId", Some(media_id))])?,
            Body::Video(video) => wrapped(
                &mut out,
                "Video",
                &[
                    ("MediaId", Some(&video.media_id)),
                    ("Title", video.title.as_ref()),
                    ("Description", video.description.as_ref()),
                ],
            )?,
            Body::Music(music) => wrapped(
                &mut out,
                "Music",
                &[
                    ("Title", music.title.as_ref()),
                    ("Description", music.description.as_ref()),
                    ("MusicUrl", music.music_url.as_ref()),
                    ("HQMusicUrl", music.hq_music_url.as_ref()),
                    ("ThumbMediaId", Some(&music.thumb_media_id)),
                ],
            )?,
            Body::News(articles) => {
                let limit = if to.get("AgentID").is_some() {
                    WECOM_NEWS_MAX_ARTICLES
                } else {
                    WECHAT_NEWS_MAX_ARTICLES
                };
                if articles.is_empty() {
                    return Err(Error::InvalidReply(ReplyFault::NoArticles));
                }
                if articles.len() > limit {
                    return Err(Error::InvalidReply(ReplyFault::TooManyArticles { limit }));
                }
                out.push_str("<ArticleCount>");
                out.push_str(&articles.len().to_string());
                out.push_str("</ArticleCount><Articles>");
                for article in articles {
                    wrapped(
                        &mut out,
                        "item",
                        &[
                            ("Title", Some(&article.title)),
                            ("Description", article.description.as_ref()),
                            ("PicUrl", article.pic_url.as_ref()),
                            ("Url", article.url.as_ref()),
                        ],
                    )?;
                }
                out.push_str("</Articles>");
            }
            Body::TransferCustomerService(kf_account) => {
                if let Some(kf_account) = kf_account {
                    wrapped(&mut out, "TransInfo", &[("KfAccount", Some(kf_account))])?;
                }
            }
            Body::UpdateButton(replace_name) => {
                wrapped(&mut out, "Button", &[("ReplaceName", Some(replace_name))])?;
            }
        }
        out.push_str("</xml>");
        Ok(out)
    }

    /// The reply's `MsgType`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::reply::Reply::update_button("x").msg_type(), "update_button");
    /// ```
    #[must_use]
    pub fn msg_type(&self) -> &'static str {
        match self.body {
            Body::Text(_) => "text",
            Body::Image(_) => "image",
            Body::Voice(_) => "voice",
            Body::Video(_) => "video",
            Body::Music(_) => "music",
            Body::News(_) => "news",
            Body::TransferCustomerService(_) => "transfer_customer_service",
            Body::UpdateButton(_) => "update_button",
        }
    }
}

/// `<name>value</name>`, the value as CDATA or escaped text.
fn element(out: &mut String, name: &str, value: &str) -> Result<(), Error> {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata_or_text(out, value)?;
    out.push_str("</");
    out.push_str(name);
    out.push('>');
    Ok(())
}

/// `<outer>` and the given fields (those that are set), `</outer>`.
fn wrapped(out: &mut String, outer: &str, fields: &[(&str, Option<&String>)]) -> Result<(), Error> {
    out.push('<');
    out.push_str(outer);
    out.push('>');
    for (name, value) in fields {
        if let Some(value) = value {
            element(out, name, value)?;
        }
    }
    out.push_str("</");
    out.push_str(outer);
    out.push('>');
    Ok(())
}

/// An article of a news reply.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::reply::Article;
///
/// let article = Article::new("标题").description("摘要").pic_url("https://example.com/a.png").url("https://example.com");
/// # let _ = article;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    title: String,
    description: Option<String>,
    pic_url: Option<String>,
    url: Option<String>,
}

impl Article {
    /// An article with its title.
    ///
    /// # Example
    ///
    /// ```
    /// let article = wxbizmsgcrypt_callback::reply::Article::new("标题");
    /// # let _ = article;
    /// ```
    #[must_use]
    pub fn new(title: &str) -> Article {
        Article { title: title.to_owned(), description: None, pic_url: None, url: None }
    }

    /// `Description`.
    ///
    /// # Example
    ///
    /// ```
    /// let article = wxbizmsgcrypt_callback::reply::Article::new("t").description("d");
    /// # let _ = article;
    /// ```
    #[must_use]
    pub fn description(mut self, description: &str) -> Article {
        self.description = Some(description.to_owned());
        self
    }

    /// `PicUrl`: the picture.
    ///
    /// # Example
    ///
    /// ```
    /// let article = wxbizmsgcrypt_callback::reply::Article::new("t").pic_url("https://example.com/p.png");
    /// # let _ = article;
    /// ```
    #[must_use]
    pub fn pic_url(mut self, pic_url: &str) -> Article {
        self.pic_url = Some(pic_url.to_owned());
        self
    }

    /// `Url`: where the article leads.
    ///
    /// # Example
    ///
    /// ```
    /// let article = wxbizmsgcrypt_callback::reply::Article::new("t").url("https://example.com");
    /// # let _ = article;
    /// ```
    #[must_use]
    pub fn url(mut self, url: &str) -> Article {
        self.url = Some(url.to_owned());
        self
    }
}

/// The video of a video reply.
///
/// # Example
///
/// ```
/// let video = wxbizmsgcrypt_callback::reply::Video::new("media-1").title("标题").description("摘要");
/// # let _ = video;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    media_id: String,
    title: Option<String>,
    description: Option<String>,
}

impl Video {
    /// A video by the `media_id` of an uploaded video.
    ///
    /// # Example
    ///
    /// ```
    /// let video = wxbizmsgcrypt_callback::reply::Video::new("media-1");
    /// # let _ = video;
    /// ```
    #[must_use]
    pub fn new(media_id: &str) -> Video {
        Video { media_id: media_id.to_owned(), title: None, description: None }
    }

    /// `Title`.
    ///
    /// # Example
    ///
    /// ```
    /// let video = wxbizmsgcrypt_callback::reply::Video::new("m").title("t");
    /// # let _ = video;
    /// ```
    #[must_use]
    pub fn title(mut self, title: &str) -> Video {
        self.title = Some(title.to_owned());
        self
    }

    /// `Description`.
    ///
    /// # Example
    ///
    /// ```
    /// let video = wxbizmsgcrypt_callback::reply::Video::new("m").description("d");
    /// # let _ = video;
    /// ```
    #[must_use]
    pub fn description(mut self, description: &str) -> Video {
        self.description = Some(description.to_owned());
        self
    }
}

/// The music of a music reply (公众号).
///
/// # Example
///
/// ```
/// let music = wxbizmsgcrypt_callback::reply::Music::new("thumb-1").title("歌").music_url("https://example.com/a.mp3");
/// # let _ = music;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Music {
    title: Option<String>,
    description: Option<String>,
    music_url: Option<String>,
    hq_music_url: Option<String>,
    thumb_media_id: String,
}

impl Music {
    /// Music with the `media_id` of its thumbnail (the one field the template requires).
    ///
    /// # Example
    ///
    /// ```
    /// let music = wxbizmsgcrypt_callback::reply::Music::new("thumb-1");
    /// # let _ = music;
    /// ```
    #[must_use]
    pub fn new(thumb_media_id: &str) -> Music {
        Music {
            title: None,
            description: None,
            music_url: None,
            hq_music_url: None,
            thumb_media_id: thumb_media_id.to_owned(),
        }
    }

    /// `Title`.
    ///
    /// # Example
    ///
    /// ```
    /// let music = wxbizmsgcrypt_callback::reply::Music::new("t").title("歌");
    /// # let _ = music;
    /// ```
    #[must_use]
    pub fn title(mut self, title: &str) -> Music {
        self.title = Some(title.to_owned());
        self
    }

    /// `Description`.
    ///
    /// # Example
    ///
    /// ```
    /// let music = wxbizmsgcrypt_callback::reply::Music::new("t").description("d");
    /// # let _ = music;
    /// ```
    #[must_use]
    pub fn description(mut self, description: &str) -> Music {
        self.description = Some(description.to_owned());
        self
    }

    /// `MusicUrl`.
    ///
    /// # Example
    ///
    /// ```
    /// let music = wxbizmsgcrypt_callback::reply::Music::new("t").music_url("https://example.com/a.mp3");
    /// # let _ = music;
    /// ```
    #[must_use]
    pub fn music_url(mut self, music_url: &str) -> Music {
        self.music_url = Some(music_url.to_owned());
        self
    }

    /// `HQMusicUrl`: the high-quality stream, preferred on Wi-Fi.
    ///
    /// # Example
    ///
    /// ```
    /// let music = wxbizmsgcrypt_callback::reply::Music::new("t").hq_music_url("https://example.com/hq.mp3");
    /// # let _ = music;
    /// ```
    #[must_use]
    pub fn hq_music_url(mut self, hq_music_url: &str) -> Music {
        self.hq_music_url = Some(hq_music_url.to_owned());
        self
    }
}

/// A passive reply to a WeChat JSON message ([`Endpoint::wechat_json`]): 小程序 message push
/// takes one, handing the conversation to customer service (转发到客服), rendered as WeChat's
/// JSON `{"ToUserName", "FromUserName", "CreateTime", "MsgType": "transfer_customer_service"}`.
/// Anything else is answered with `success` ([`Callback::acknowledge`]).
///
/// [`Endpoint::wechat_json`]: crate::endpoint::Endpoint::wechat_json
/// [`Callback::acknowledge`]: crate::endpoint::Callback::acknowledge
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::{message::JsonMessage, reply::JsonReply};
///
/// let message = JsonMessage::parse(r#"{"ToUserName":"gh_abc","FromUserName":"o1","CreateTime":1482048670,"MsgType":"text","Content":"人工"}"#)?;
/// let json = JsonReply::TransferCustomerService.render(&message, UNIX_EPOCH + Duration::from_secs(1482048671))?;
/// assert_eq!(json, r#"{"CreateTime":1482048671,"FromUserName":"gh_abc","MsgType":"transfer_customer_service","ToUserName":"o1"}"#);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonReply {
    /// `transfer_customer_service`: the user's messages go to the customer-service tool.
    TransferCustomerService,
}

impl JsonReply {
    /// The reply's JSON for `message`, at `now`, addressed back to its sender.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReply`] ([`ReplyFault::NoRecipient`], `-40011`) if the message has no
    /// `FromUserName`.
    ///
    /// # Example
    ///
    /// See [`JsonReply`].
    pub fn render(&self, message: &JsonMessage, now: SystemTime) -> Result<String, Error> {
        let to = message
            .from_user_name()
            .filter(|to| !to.is_empty())
            .ok_or(Error::InvalidReply(ReplyFault::NoRecipient))?;
        let from = message.to_user_name().unwrap_or_default();
        let seconds = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let value = match self {
            JsonReply::TransferCustomerService => serde_json::json!({
                "ToUserName": to,
                "FromUserName": from,
                "CreateTime": seconds,
                "MsgType": "transfer_customer_service",
            }),
        };
        Ok(value.to_string())
    }
}
