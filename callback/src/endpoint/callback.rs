//! [`Callback`]: a verified callback, and the answers made from it.

use std::fmt;
use std::time::SystemTime;

use wxbizmsgcrypt::media::MediaKey;
use wxbizmsgcrypt::{Decrypted, Error, Stamp};

#[cfg(doc)]
use super::PlainXml;
use super::{AiBot, Format, Response, StoreKey, Xml};
use crate::message::DedupKey;

/// A verified, decrypted, parsed and fresh callback of format `F` ([`Xml`](super::Xml) or
/// [`AiBot`](super::AiBot)): its message, its de-duplication keys, and the answers made from
/// it, in its own format only.
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
/// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Outcome, Request};
/// use wxbizmsgcrypt_callback::message::Kind;
/// use wxbizmsgcrypt_callback::{MsgCrypt, reply::Reply};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// // WeCom's side: a text message from zhangsan, sent now.
/// let plaintext = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
///                  <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>";
/// let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts("1700000000", "42"))?;
/// let query = format!("msg_signature={}&timestamp=1700000000&nonce=42", sent.msg_signature());
/// let body = xml::render_reply(&sent)?;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1700000001);
/// let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, now) else {
///     panic!("a fresh, verified message")
/// };
/// let Kind::Text(text) = callback.message().kind() else { panic!("a text") };
/// assert_eq!(text.content, Some("hi"));
/// let response = callback.reply(&Reply::text("你好"))?;
/// assert_eq!((response.status(), response.content_type()), (200, Some("application/xml; charset=utf-8")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
pub struct Callback<F: Format> {
    pub(super) opened: F::Opened,
    pub(super) message: F::Message,
    pub(super) dedup_key: DedupKey,
    pub(super) store_key: StoreKey,
    pub(super) timestamp: String,
    pub(super) nonce: String,
    /// When the endpoint handled it: the time of its passive reply.
    pub(super) received_at: SystemTime,
}

impl<F: Format> Callback<F> {
    /// The message: a [`message::Message`](crate::message::Message) on an XML endpoint, an
    /// [`aibot::Message`](crate::aibot::Message) on an AI-bot one.
    ///
    /// # Example
    ///
    /// See [`Callback`].
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, json};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
    /// # let sent = crypt.encrypt_msg(r#"{"msgid":"m1","msgtype":"text","text":{"content":"hi"}}"#, Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = json::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::aibot(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// assert_eq!(callback.message().msgid(), Some("m1")); // an aibot::Message
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn message(&self) -> &F::Message {
        &self.message
    }

    /// The key the de-duplication store sees for this callback: [`dedup_key`](Callback::dedup_key)
    /// keyed with the endpoint's secret, so that it says nothing of the message. Log this one.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml><ToUserName>ww1</ToUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><MsgId>7</MsgId></xml>", Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = xml::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// assert_eq!(callback.store_key().as_str().len(), 32);
    /// assert!(!callback.store_key().as_str().contains("ww1"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn store_key(&self) -> &StoreKey {
        &self.store_key
    }

    /// The key to de-duplicate the callback on
    /// ([`message::Message::dedup_key`](crate::message::Message::dedup_key),
    /// [`aibot::Message::dedup_key`](crate::aibot::Message::dedup_key)): its fields in clear,
    /// for the application; stores and logs get [`store_key`](Callback::store_key).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml><ToUserName>ww1</ToUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><MsgId>7</MsgId></xml>", Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = xml::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// assert_eq!(callback.dedup_key().as_str(), "msg:ww1::7");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_key(&self) -> &DedupKey {
        &self.dedup_key
    }

    /// The answer that says "received, nothing to reply": `success` (as `text/plain`) to an
    /// instruction callback (an XML message with an `InfoType` and no `MsgType`: WeCom
    /// third-party apps, 开放平台), which Tencent requires; an empty 200 to anything else.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?;
    /// // A suite_ticket: answered "success".
    /// # let sent = crypt.encrypt_msg("<xml><SuiteId>ww4asffe99e54c0fxxxx</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>1700000000</TimeStamp></xml>", Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = xml::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// let response = callback.acknowledge();
    /// assert_eq!((response.status(), response.body()), (200, "success"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn acknowledge(&self) -> Response {
        F::acknowledge(&self.message)
    }

    /// The answer that says "could not handle it now": an empty 503. Through a
    /// [`Service`](super::Service), it also frees the callback's claim, so that WeCom's retry
    /// (within seconds, up to three times) is handed on again.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml><CreateTime>1700000000</CreateTime></xml>", Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = xml::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// let response = callback.retry_later(); // the database is down, say
    /// assert_eq!((response.status(), response.body()), (503, ""));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn retry_later(&self) -> Response {
        Response::empty(503)
    }

    /// An empty answer with a status of the application's own (`429` for a quota, `500` for a
    /// fault it logged, `202`, …). Through a [`Service`](super::Service), 429 and 500 or more
    /// free the callback's claim, so that WeCom's retry is handed on again; anything else
    /// records it as answered with this, and every retry gets this answer. A status outside
    /// 200 to 599 is answered 500.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// # let sent = crypt.encrypt_msg("<xml><CreateTime>1700000000</CreateTime></xml>", Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = xml::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// assert_eq!(callback.respond(429).status(), 429);
    /// assert_eq!(callback.respond(42).status(), 500);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn respond(&self, status: u16) -> Response {
        Response::empty(if (200..=599).contains(&status) { status } else { 500 })
    }

    /// The passive reply: on an XML endpoint, a [`reply::Reply`](crate::reply::Reply)
    /// rendered for the message at the time the callback was handled and sealed with the
    /// request's key and receive id, under the request's nonce; on an AI-bot endpoint, an
    /// [`aibot::Reply`](crate::aibot::Reply) sealed the same way, echoing the request's
    /// timestamp and nonce and sent as `text/plain`, as Tencent's own plugin does. A reply of
    /// the other format does not compile.
    ///
    /// # Errors
    ///
    /// The errors of [`reply::Reply::seal`](crate::reply::Reply::seal) and
    /// [`aibot::Reply::seal`](crate::aibot::Reply::seal): a reply over Tencent's limits
    /// (`-40011`). Answer with [`acknowledge`](Callback::acknowledge) then, or nothing reaches
    /// the user.
    ///
    /// # Example
    ///
    /// See [`Callback`].
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, json};
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, aibot::Reply, endpoint::{Endpoint, Outcome, Request}};
    /// # let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
    /// # let sent = crypt.encrypt_msg(r#"{"msgid":"m1","msgtype":"text","text":{"content":"hi"}}"#, Stamp::from_parts("1700000000", "1"))?;
    /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
    /// # let body = json::render_reply(&sent)?;
    /// # let Outcome::Callback(callback) = Endpoint::aibot(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
    /// let response = callback.reply(&Reply::stream("s1", ""))?;
    /// assert_eq!(response.content_type(), Some("text/plain; charset=utf-8"));
    /// assert!(response.body().starts_with(r#"{"encrypt":""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn reply(&self, reply: &F::Reply) -> Result<Response, Error> {
        let request = Stamp::from_parts(&self.timestamp, &self.nonce);
        F::seal(reply, &self.opened, &self.message, request, self.received_at)
    }
}

/// What only an encrypted callback has ([`Xml`] and [`AiBot`], not [`PlainXml`]): the
/// decryption, and the key that opened it. `$opened => $decrypted` says where the format's
/// opened request keeps its decryption.
macro_rules! encrypted_callback {
    ($format:ty, $opened:ident => $decrypted:expr) => {
        impl Callback<$format> {
            /// The decrypted request: the plaintext, its receive id, the key that opened it.
            ///
            /// # Example
            ///
            /// ```
            /// # use std::time::{Duration, UNIX_EPOCH};
            /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
            /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
            /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
            /// # let sent = crypt.encrypt_msg("<xml><CreateTime>1700000000</CreateTime></xml>", Stamp::from_parts("1700000000", "1"))?;
            /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
            /// # let body = xml::render_reply(&sent)?;
            /// # let Outcome::Callback(callback) = Endpoint::xml(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
            /// assert_eq!(callback.decrypted().receive_id(), "wx5823bf96d3bd56c7");
            /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
            /// ```
            #[must_use]
            pub fn decrypted(&self) -> &Decrypted {
                let $opened = &self.opened;
                $decrypted
            }

            /// The key that opened this message, as a media key: what the AI bot's downloads of this
            /// message are decrypted with in callback mode (during a key change, the previous key if
            /// that is the one that opened it). See
            /// [`Decrypted::media_key`](wxbizmsgcrypt::Decrypted::media_key).
            ///
            /// # Errors
            ///
            /// [`Error::EncryptFailed`] (`-40006`) only if the configuration lost the key that opened
            /// the message, which cannot happen.
            ///
            /// # Example
            ///
            /// ```
            /// # use std::time::{Duration, UNIX_EPOCH};
            /// # use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, json, media};
            /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
            /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "")?;
            /// # let sent = crypt.encrypt_msg(r#"{"msgid":"m1","msgtype":"file","file":{"url":"https://example.com/f"}}"#, Stamp::from_parts("1700000000", "1"))?;
            /// # let query = format!("msg_signature={}&timestamp=1700000000&nonce=1", sent.msg_signature());
            /// # let body = json::render_reply(&sent)?;
            /// # let Outcome::Callback(callback) = Endpoint::aibot(crypt).handle(Request { method: "POST", query: &query, body: body.as_bytes() }, UNIX_EPOCH + Duration::from_secs(1700000000)) else { panic!() };
            /// // What the file's URL returned: "a tiny file", encrypted with the bot's key.
            /// let download = [
            ///     0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
            ///     0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
            /// ];
            /// assert_eq!(media::decrypt(&callback.media_key()?, &download)?, b"a tiny file");
            /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
            /// ```
            pub fn media_key(&self) -> Result<MediaKey, Error> {
                self.decrypted().media_key()
            }
        }
    };
}

encrypted_callback!(Xml, opened => &opened.decrypted);
encrypted_callback!(AiBot, opened => opened);

impl<F: Format> fmt::Debug for Callback<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("message", &self.message)
            .field("store_key", &self.store_key)
            .finish_non_exhaustive()
    }
}
