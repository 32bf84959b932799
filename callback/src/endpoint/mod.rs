//! A callback endpoint, sans-I/O: the request in, the answer (or the verified callback) out.
//!
//! [`Endpoint::handle`] takes what a web framework hands over (the method, the raw query, the
//! body) and the current time, and answers one of two ways:
//!
//! - [`Outcome::Respond`]: a [`Response`] to send as it is: the URL check's echo, or a
//!   refusal;
//! - [`Outcome::Callback`]: a verified, decrypted, parsed and fresh [`Callback`], with its
//!   de-duplication key, for the application; its answer is made from it
//!   ([`Callback::reply`], [`Callback::acknowledge`], [`Callback::retry_later`],
//!   [`Callback::respond`]).
//!
//! An endpoint is typed by its format: [`Endpoint::xml`] (WeCom) and [`Endpoint::wechat`]
//! (公众号, 小程序) make an `Endpoint<Xml>`, whose callbacks carry a
//! [`message::Message`](crate::message::Message) and are answered with a
//! [`reply::Reply`](crate::reply::Reply); [`Endpoint::aibot`] an `Endpoint<AiBot>`, with an
//! [`aibot::Message`](crate::aibot::Message) and an [`aibot::Reply`](crate::aibot::Reply);
//! [`Endpoint::wechat_plaintext`] an `Endpoint<PlainXml>` (公众号 in plaintext mode), with the
//! same message and reply as `Xml`, in the clear; [`Endpoint::wechat_json`] an
//! `Endpoint<WechatJson>` (小程序 in JSON mode, 视频号小店), with a
//! [`JsonMessage`](crate::message::JsonMessage) and a [`JsonReply`](crate::reply::JsonReply). A reply of the other format does not compile:
//!
//! ```compile_fail
//! # use wxbizmsgcrypt_callback::{aibot, endpoint::{Callback, Xml}};
//! fn answer(callback: Callback<Xml>) {
//!     let _ = callback.reply(&aibot::Reply::text("hi")); // an AI-bot reply to an XML callback
//! }
//! ```
//!
//! ```
//! # use wxbizmsgcrypt_callback::{reply, endpoint::{Callback, Xml}};
//! fn answer(callback: Callback<Xml>) {
//!     let _ = callback.reply(&reply::Reply::text("hi")); // the XML reply compiles
//! }
//! ```
//!
//! [`Service`] adds delivery you can trust: each callback handed to the application once at a
//! time, handed on again if the application fails, is cancelled or panics, and its retries
//! answered with the first answer (see [`Service`]). The [`DedupStore`] it records callbacks
//! in is [`MemoryDedup`] for one process, `RedisDedup` (feature `redis`) for several replicas,
//! or anything async behind the trait; it sees only [`StoreKey`]s, keyed digests that say
//! nothing of the message. Hooks report refusals and store errors to the log; the `axum-0_8`
//! and `actix-web-4` features adapt the service to those frameworks in a few lines each.
//!
//! # Refusals
//!
//! | status | when | body |
//! |---|---|---|
//! | 400 | the request is not a callback: a malformed query or body, a body that is not UTF-8 | empty |
//! | 401 | `msg_signature` (or, for WeChat's URL checks and plaintext mode, `signature`) does not verify; with several apps, a POST for an app that is not configured | empty |
//! | 403 | **any** fault after the signature verified: base64, padding, frame, receive id, UTF-8, the URL check's echostr shape, a message that does not parse, freshness | empty |
//! | 405 | a method other than GET and POST | empty |
//! | 413 | a body over [`Endpoint::with_max_body`]'s bound | empty |
//!
//! (Behind the adapters of the `axum-0_8` and `actix-web-4` features, a body the framework
//! cannot read, too large or cut off, is answered 413 or 400 by the framework, with its own
//! short text; 405 comes with `Allow: GET, POST`.)
//!
//! Every fault after the signature gets the same answer: a sender who holds the token (often
//! short, and recoverable offline from any logged URL check) and could tell a padding fault
//! from a frame fault would have a padding oracle that decrypts messages. The fault itself is
//! in [`Response::refusal`], for the log.
//!
//! # Freshness
//!
//! A callback is fresh if its time is within the window ([`Endpoint::with_freshness_window`],
//! 5 minutes by default) of `now`: the message's `CreateTime` (`TimeStamp` for instruction
//! callbacks, `create_time` for the AI bot), which is inside the ciphertext, where it has one;
//! else the query's `timestamp`, which the signature does not bind on its own (it sorts its
//! parts and joins them without separators). A replay inside the window is what
//! de-duplication catches: keys are kept for [`Endpoint::dedup_ttl`], twice the window plus
//! WeCom's retry horizon.
//!
//! The AI bot's events carry `create_time`, but its messages (text, image, mixed, the
//! stream-refresh poll) do not: for them freshness falls back to the query's `timestamp`,
//! which the signature does not bind on its own, so a capture older than the de-duplication
//! TTL could pass again if its timestamp and nonce can be re-split into a fresh-looking pair.
//! What a bot should do: keep its de-duplication keys longer than any capture can be re-split
//! into the window (a longer [freshness window](Endpoint::with_freshness_window) makes a
//! longer [`dedup_ttl`](Endpoint::dedup_ttl), or a store with a TTL of its own: a day costs a
//! few hundred bytes per message), make what a message triggers idempotent on its `msgid`,
//! and never let a bot message alone authorise anything (it is a user's chat line, replayable
//! by whoever captured it and holds the token).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use wxbizmsgcrypt_callback::endpoint::{Endpoint, Outcome, Request};
//! use wxbizmsgcrypt_callback::{MsgCrypt, reply::Reply};
//!
//! let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//! let endpoint = Endpoint::xml(crypt);
//! let now = UNIX_EPOCH + Duration::from_secs(1409659589);
//!
//! // The official URL check.
//! let query = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780\
//!              &echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
//! let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query, body: b"" }, now) else { panic!() };
//! assert_eq!((response.status(), response.body()), (200, "1616140317555161061"));
//!
//! // A forged one.
//! let forged = query.replace("msg_signature=5", "msg_signature=6");
//! let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: &forged, body: b"" }, now) else { panic!() };
//! assert_eq!((response.status(), response.body()), (401, ""));
//! assert_eq!(response.refusal().map(|e| e.code()), Some(-40001)); // for the log
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

mod callback;
mod dedup;
mod format;
mod route;
mod service;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use self::callback::Callback;
use self::dedup::DedupSecret;
pub use self::dedup::{
    Claim, ClaimToken, DedupStore, ENTRY_OVERHEAD, MemoryDedup, NoDedup, StoreError, StoreKey,
};
use self::format::PlainToken;
pub use self::format::{AiBot, Format, PlainXml, WechatJson, Xml};
use self::route::{Route, XmlKeys};
pub use self::route::{Suite, WecomApps};
pub use self::service::{DEFAULT_DEADLINE, LEASE_MARGIN, Service};
use wxbizmsgcrypt::{CallbackQuery, EnvelopeFault, Error, MsgCrypt, PlainQuery};

/// The freshness window by default: 5 minutes, as the official samples check.
pub const DEFAULT_FRESHNESS_WINDOW: Duration = Duration::from_secs(300);

/// How long WeCom keeps retrying a callback it got no answer to: three retries, about 5 s
/// apart, with room to spare.
pub const RETRY_HORIZON: Duration = Duration::from_secs(60);

/// The largest body accepted by default: 1 MiB (a callback is a few kilobytes).
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// A request, as a web framework hands it over.
///
/// # Example
///
/// ```
/// let request = wxbizmsgcrypt_callback::endpoint::Request { method: "POST", query: "msg_signature=…&timestamp=1&nonce=2", body: b"<xml/>" };
/// # let _ = request;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method: `GET` for the URL check, `POST` for callbacks.
    pub method: &'a str,
    /// The query string exactly as it arrived in the request line (without the `?`).
    pub query: &'a str,
    /// The body, as received.
    pub body: &'a [u8],
}

/// One callback URL: its credentials, its format, its freshness window.
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::Endpoint};
///
/// // The AI bot: an empty receive id.
/// let bot = Endpoint::aibot(MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?)
///     .with_freshness_window(Duration::from_secs(120));
/// assert_eq!(bot.dedup_ttl(), Duration::from_secs(2 * 120 + 60));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
pub struct Endpoint<F: Format> {
    keys: F::Keys,
    url_check: UrlCheck,
    window: Duration,
    max_body: usize,
    secret: DedupSecret,
    format: PhantomData<fn() -> F>,
}

impl<F: Format> Clone for Endpoint<F> {
    fn clone(&self) -> Self {
        Endpoint {
            keys: self.keys.clone(),
            url_check: self.url_check,
            window: self.window,
            max_body: self.max_body,
            secret: self.secret.clone(),
            format: PhantomData,
        }
    }
}

impl<F: Format> fmt::Debug for Endpoint<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("format", &std::any::type_name::<F>())
            .field("keys", &self.keys)
            .field("url_check", &self.url_check)
            .field("window", &self.window)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// How an endpoint's GET URL check is signed, by platform (decided by configuration, never by
/// the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlCheck {
    /// WeCom (apps, suites, the AI bot): `msg_signature` over an encrypted echostr, answered
    /// with its plaintext.
    Encrypted,
    /// WeChat 公众号 and 小程序, in every mode: the plain `signature` over the timestamp and
    /// nonce, answered with the echostr unchanged (if echostr-shaped).
    Plain,
}

impl Endpoint<Xml> {
    /// An endpoint for WeCom's XML callbacks: self-built apps, third-party suites (instruction
    /// and data callbacks), and 开放平台's (which is safe mode only, with no URL check of its
    /// own). Every request carries `msg_signature`; the URL check's echostr is encrypted.
    /// For 公众号 and 小程序, whose URL check is signed otherwise, use [`Endpoint::wechat`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Xml}};
    /// let endpoint: Endpoint<Xml> = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?);
    /// # let _ = endpoint;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn xml(crypt: MsgCrypt) -> Endpoint<Xml> {
        Endpoint::new(XmlKeys(Route::One(crypt)), UrlCheck::Encrypted)
    }

    /// An endpoint for a WeChat 公众号 (or an XML-mode 小程序) in safe mode (安全模式) or
    /// compatible mode (兼容模式): the console's settings are the URL, the Token, the
    /// EncodingAESKey, and the appid as receive id.
    ///
    /// Its URL check is signed with the plain `signature` over the timestamp and nonce, in
    /// every mode, and answered with the `echostr` unchanged, only if it is echostr-shaped
    /// (the signature does not cover it). Its messages carry `msg_signature` and an `Encrypt`
    /// field, which is all that is read: in compatible mode the plaintext fields beside it are
    /// ignored, never trusted. A POST without `msg_signature` (a plaintext-mode request) is
    /// refused (400, `-40002`): the mode is this configuration's, never the request's.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    ///
    /// let crypt = MsgCrypt::new("pamtest", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let endpoint = Endpoint::wechat(crypt);
    /// // WeChat's documented URL check.
    /// let query = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238";
    /// let now = UNIX_EPOCH + Duration::from_secs(1409304348);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query, body: b"" }, now) else { panic!() };
    /// assert_eq!((response.status(), response.body()), (200, "3141592653589793238"));
    ///
    /// // A plaintext-mode POST (no msg_signature): refused, whatever its body says.
    /// let plain = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&openid=o1";
    /// let body = b"<xml><MsgType>text</MsgType><Content>hi</Content></xml>";
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "POST", query: plain, body }, now) else { panic!() };
    /// assert_eq!(response.status(), 400);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn wechat(crypt: MsgCrypt) -> Endpoint<Xml> {
        Endpoint::new(XmlKeys(Route::One(crypt)), UrlCheck::Plain)
    }

    /// An endpoint for several WeCom self-built apps of one company on one URL, told apart by
    /// the envelope's `AgentID` before anything is decrypted: see [`WecomApps`] for how each
    /// request finds its app, and what is refused.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request, WecomApps}};
    ///
    /// let corpid = "wx5823bf96d3bd56c7";
    /// let first = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", corpid)?;
    /// let second = MsgCrypt::new("Tk2nd", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", corpid)?;
    /// let endpoint = Endpoint::wecom_apps(WecomApps::new().app(1000002, first).app(1000003, second.clone()));
    ///
    /// // What WeCom sends for app 1000003: its envelope names the app.
    /// let message = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId><AgentID>1000003</AgentID></xml>";
    /// let sent = second.encrypt_msg(message, Stamp::from_parts("1700000000", "n"))?;
    /// let body = format!("<xml><ToUserName><![CDATA[{corpid}]]></ToUserName><AgentID><![CDATA[1000003]]></AgentID><Encrypt><![CDATA[{}]]></Encrypt></xml>", sent.encrypt());
    /// let query = format!("msg_signature={}&timestamp=1700000000&nonce=n", sent.msg_signature());
    /// let now = UNIX_EPOCH + Duration::from_secs(1700000000);
    /// let Outcome::Callback(callback) = endpoint.handle(Request { method: "POST", query: &query, body: body.as_bytes() }, now) else { panic!() };
    /// assert_eq!(callback.message().get("Content"), Some("hi"));
    ///
    /// // The same message in an envelope naming the other app fails that app's signature.
    /// let relabelled = body.replace("<![CDATA[1000003]]>", "<![CDATA[1000002]]>");
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "POST", query: &query, body: relabelled.as_bytes() }, now) else { panic!() };
    /// assert_eq!(response.status(), 401);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn wecom_apps(apps: WecomApps) -> Endpoint<Xml> {
        Endpoint::new(XmlKeys(Route::Apps(Arc::new(apps))), UrlCheck::Encrypted)
    }

    /// An endpoint for a WeCom third-party suite's instruction URL (指令回调: `suite_ticket`,
    /// `create_auth`, …): its callbacks checked with the suite id as receive id, the console's
    /// URL check with the provider's corpid. See [`Suite`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Suite};
    /// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?
    ///     .with_provider_corpid("wwprovider0corpid")?;
    /// let endpoint = Endpoint::suite_instructions(&suite);
    /// # let _ = endpoint;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn suite_instructions(suite: &Suite) -> Endpoint<Xml> {
        Endpoint::new(
            XmlKeys(Route::SuiteInstructions(Arc::new(suite.clone()))),
            UrlCheck::Encrypted,
        )
    }

    /// An endpoint for a WeCom third-party suite's data URL (数据回调), set in the console as
    /// `https://…/path?corpid=$CORPID$`: WeCom fills `$CORPID$` with the authorising company's
    /// corpid, and each data callback must carry that corpid as its receive id (checked, not
    /// waived: a callback of one company never passes as another's). A POST without the
    /// `corpid` parameter is refused (400). The console's URL check carries the provider's
    /// corpid. Replies are sealed with the callback's corpid. See [`Suite`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Suite};
    /// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?
    ///     .with_provider_corpid("wwprovider0corpid")?;
    /// let endpoint = Endpoint::suite_data(&suite);
    /// # let _ = endpoint;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn suite_data(suite: &Suite) -> Endpoint<Xml> {
        Endpoint::new(XmlKeys(Route::SuiteData(Arc::new(suite.clone()))), UrlCheck::Encrypted)
    }
}

impl Endpoint<PlainXml> {
    /// An endpoint for a WeChat 公众号 (or an XML-mode 小程序) in plaintext mode (明文模式): the
    /// console's settings are the URL and the Token (no EncodingAESKey).
    ///
    /// Every request is checked by the plain `signature`, which covers the Token, the
    /// timestamp and the nonce, **and nothing of the body**: whoever saw one request can send
    /// any body under its query while the timestamp is fresh. Freshness is judged on the
    /// query's timestamp (the body's `CreateTime` is not signed in this mode), and
    /// de-duplication answers a body seen before with the first answer; but a new body under a
    /// captured query is a new callback. Prefer safe mode ([`Endpoint::wechat`]); use this one
    /// only where the console is set to plaintext mode. Replies are plaintext XML, well formed
    /// whatever their content (`]]>` included). The de-duplication secret is derived from the
    /// Token: give one of your own ([`with_dedup_secret`](Endpoint::with_dedup_secret)) if the
    /// Token is short.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyToken`] (`-40003`) for an empty token: anyone could sign requests.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Outcome, Request};
    /// use wxbizmsgcrypt_callback::reply::Reply;
    ///
    /// let endpoint = Endpoint::wechat_plaintext("pamtest")?;
    /// let now = UNIX_EPOCH + Duration::from_secs(1409304348);
    /// // WeChat's documented signature, over timestamp 1409304348 and nonce xxxxxx.
    /// let query = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&openid=o1";
    /// let body = b"<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
    ///              <CreateTime>1409304348</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>";
    /// let Outcome::Callback(callback) = endpoint.handle(Request { method: "POST", query, body }, now) else { panic!() };
    /// let response = callback.reply(&Reply::text("你好"))?;
    /// assert!(response.body().starts_with("<xml><ToUserName><![CDATA[o1]]></ToUserName>"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn wechat_plaintext(token: &str) -> Result<Endpoint<PlainXml>, Error> {
        Ok(Endpoint::new(PlainToken::new(token)?, UrlCheck::Plain))
    }
}

impl Endpoint<WechatJson> {
    /// An endpoint for WeChat's JSON mode in safe mode: a 小程序 whose message push is set to
    /// the JSON data format, or a 视频号小店 / 微信小店 (whose pushes are JSON only). The console's
    /// settings are the URL, the Token, the EncodingAESKey, and the appid as receive id. The
    /// URL check is the plain `signature` with the echostr answered unchanged (if
    /// echostr-shaped); messages carry `msg_signature` and a JSON `Encrypt`, answered with
    /// `success` or a [`JsonReply`](crate::reply::JsonReply) sealed in JSON.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    ///
    /// let crypt = MsgCrypt::new("pamtest", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let endpoint = Endpoint::wechat_json(crypt);
    /// // WeChat's documented URL check.
    /// let query = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238";
    /// let now = UNIX_EPOCH + Duration::from_secs(1409304348);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query, body: b"" }, now) else { panic!() };
    /// assert_eq!(response.body(), "3141592653589793238");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn wechat_json(crypt: MsgCrypt) -> Endpoint<WechatJson> {
        Endpoint::new(crypt, UrlCheck::Plain)
    }
}

impl Endpoint<AiBot> {
    /// An endpoint for the AI bot's JSON callbacks (build `crypt` with an empty receive id).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{AiBot, Endpoint}};
    /// let endpoint: Endpoint<AiBot> = Endpoint::aibot(MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?);
    /// # let _ = endpoint;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn aibot(crypt: MsgCrypt) -> Endpoint<AiBot> {
        Endpoint::new(crypt, UrlCheck::Encrypted)
    }
}

impl<F: Format> Endpoint<F> {
    fn new(keys: F::Keys, url_check: UrlCheck) -> Endpoint<F> {
        let secret = DedupSecret::new(&F::dedup_secret(&keys));
        Endpoint {
            keys,
            url_check,
            window: DEFAULT_FRESHNESS_WINDOW,
            max_body: DEFAULT_MAX_BODY,
            secret,
            format: PhantomData,
        }
    }

    /// Sets the secret that callbacks' [`StoreKey`]s are made with. By default it is derived
    /// from the current EncodingAESKey (AES over a fixed label: it says nothing of the key),
    /// so that every replica configured alike makes the same keys; set one of your own to keep
    /// the keys across a change of EncodingAESKey, or to tell two services' keys apart. It is
    /// 32 bytes, as random as a key: a short or guessable one would let whoever reads the
    /// store confirm guesses of what the callbacks were.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::Endpoint};
    /// // 32 random bytes from your secret store (here, for the example, a fixed value).
    /// let secret: [u8; 32] = *b"0123456789abcdef0123456789abcdef";
    /// let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?)
    ///     .with_dedup_secret(&secret);
    /// # let _ = endpoint;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_dedup_secret(mut self, secret: &[u8; 32]) -> Endpoint<F> {
        self.secret = DedupSecret::new(secret);
        self
    }

    /// Sets how far a callback's time may be from now ([`DEFAULT_FRESHNESS_WINDOW`] by
    /// default).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::Endpoint};
    /// let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?)
    ///     .with_freshness_window(Duration::from_secs(60));
    /// assert_eq!(endpoint.freshness_window(), Duration::from_secs(60));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_freshness_window(mut self, window: Duration) -> Endpoint<F> {
        self.window = window;
        self
    }

    /// Sets the largest body accepted ([`DEFAULT_MAX_BODY`] by default); larger ones are
    /// answered 413. Bound the body in the web framework too, so that it is never read whole.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::Endpoint};
    /// let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?)
    ///     .with_max_body(64 * 1024);
    /// assert_eq!(endpoint.max_body(), 64 * 1024);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_max_body(mut self, max_body: usize) -> Endpoint<F> {
        self.max_body = max_body;
        self
    }

    /// The freshness window.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, DEFAULT_FRESHNESS_WINDOW}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// assert_eq!(endpoint.freshness_window(), DEFAULT_FRESHNESS_WINDOW);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn freshness_window(&self) -> Duration {
        self.window
    }

    /// The largest body accepted.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, DEFAULT_MAX_BODY}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// assert_eq!(endpoint.max_body(), DEFAULT_MAX_BODY);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// How long a de-duplication key must be kept: twice the freshness window (a callback is
    /// accepted from a window before its time until a window after) plus [`RETRY_HORIZON`].
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::Endpoint};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// assert_eq!(endpoint.dedup_ttl(), Duration::from_secs(2 * 300 + 60));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_ttl(&self) -> Duration {
        self.window.saturating_mul(2).saturating_add(RETRY_HORIZON)
    }

    /// Handles one request at `now`: see the [module docs](self) for what it answers.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Outcome, Request};
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
    /// use wxbizmsgcrypt_callback::{MsgCrypt, message::Kind, reply::Reply};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// // WeCom's side: a text message, sent now.
    /// let plaintext = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
    ///                  <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>";
    /// let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts("1700000000", "42"))?;
    /// let query = format!("msg_signature={}&timestamp=1700000000&nonce=42", sent.msg_signature());
    /// let body = xml::render_reply(&sent)?;
    ///
    /// let endpoint = Endpoint::xml(crypt);
    /// let now = UNIX_EPOCH + Duration::from_secs(1700000001);
    /// let Outcome::Callback(callback) = endpoint.handle(Request { method: "POST", query: &query, body: body.as_bytes() }, now) else {
    ///     panic!("a fresh, verified message")
    /// };
    /// assert!(matches!(callback.message().kind(), Kind::Text(text) if text.content == Some("hi")));
    /// let response = callback.reply(&Reply::text("你好"))?;
    /// assert_eq!((response.status(), response.content_type()), (200, Some("application/xml; charset=utf-8")));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn handle(&self, request: Request<'_>, now: SystemTime) -> Outcome<F> {
        match self.try_handle(request, now) {
            Ok(outcome) => outcome,
            Err((status, error)) => Outcome::Respond(Response::refusal_of(status, error)),
        }
    }

    fn try_handle(
        &self,
        request: Request<'_>,
        now: SystemTime,
    ) -> Result<Outcome<F>, (u16, Error)> {
        let is_get = request.method.eq_ignore_ascii_case("GET");
        if !is_get && !request.method.eq_ignore_ascii_case("POST") {
            return Ok(Outcome::Respond(Response::empty(405)));
        }
        if request.body.len() > self.max_body {
            return Ok(Outcome::Respond(Response::empty(413)));
        }
        if is_get {
            let echo = match self.url_check {
                UrlCheck::Encrypted => {
                    let query = CallbackQuery::parse(request.query).map_err(refusal)?;
                    F::verify_url(&self.keys, &query).map_err(refusal)?
                }
                UrlCheck::Plain => {
                    let query = PlainQuery::parse(request.query).map_err(refusal)?;
                    F::verify_plain_signature(&self.keys, query.signature(), query.stamp())
                        .map_err(refusal)?;
                    query.echostr().map_err(refusal)?.to_owned()
                }
            };
            return Ok(Outcome::Respond(Response::text(200, echo)));
        }
        let body = std::str::from_utf8(request.body)
            .map_err(|_| refusal(Error::MalformedEnvelope(EnvelopeFault::NotWellFormed)))?;
        let (opened, timestamp, nonce) =
            F::open(&self.keys, request.query, body).map_err(refusal)?;
        let message = F::parse(&opened, body).map_err(refusal)?;
        F::check_freshness(&message, &timestamp, now, self.window).map_err(refusal)?;
        let dedup_key = F::dedup_key(&message);
        let store_key = self.secret.store_key(&dedup_key);
        Ok(Outcome::Callback(Callback {
            opened,
            message,
            dedup_key,
            store_key,
            timestamp,
            nonce,
            received_at: now,
        }))
    }
}

/// The status a fault is answered with: see the [module docs](self).
fn refusal(error: Error) -> (u16, Error) {
    let status = match error {
        Error::MalformedQuery(_) | Error::MalformedEnvelope(_) => 400,
        Error::SignatureMismatch => 401,
        _ => 403,
    };
    (status, error)
}

/// The content types a [`Response`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentType {
    Text,
    Xml,
    Json,
}

impl ContentType {
    fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text/plain; charset=utf-8",
            ContentType::Xml => "application/xml; charset=utf-8",
            ContentType::Json => "application/json; charset=utf-8",
        }
    }

    /// Its code in a stored response.
    fn code(self) -> u8 {
        match self {
            ContentType::Text => 1,
            ContentType::Xml => 2,
            ContentType::Json => 3,
        }
    }
}

/// The version of [`Response::to_stored`]'s layout.
const STORED_VERSION: u8 = 1;

/// What [`Endpoint::handle`] answers.
pub enum Outcome<F: Format> {
    /// Send this response as it is: the URL check's echo, or a refusal.
    Respond(Response),
    /// A verified, fresh callback for the application.
    Callback(Callback<F>),
}

impl<F: Format> fmt::Debug for Outcome<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Respond(response) => f.debug_tuple("Respond").field(response).finish(),
            Outcome::Callback(callback) => f.debug_tuple("Callback").field(callback).finish(),
        }
    }
}

/// An HTTP response, framework-neutral: status, content type, body; and for a refusal, the
/// fault behind it (for the log, never for the sender).
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// # use std::time::UNIX_EPOCH;
/// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
/// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
/// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: "timestamp=1", body: b"" }, UNIX_EPOCH) else { panic!() };
/// assert_eq!((response.status(), response.body(), response.content_type()), (400, "", None));
/// assert!(response.refusal().is_some());
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    content_type: Option<ContentType>,
    body: String,
    refusal: Option<Error>,
}

impl Response {
    pub(crate) fn empty(status: u16) -> Response {
        Response { status, content_type: None, body: String::new(), refusal: None }
    }

    pub(crate) fn text(status: u16, body: String) -> Response {
        Response { status, content_type: Some(ContentType::Text), body, refusal: None }
    }

    pub(crate) fn xml(status: u16, body: String) -> Response {
        Response { status, content_type: Some(ContentType::Xml), body, refusal: None }
    }

    pub(crate) fn json(status: u16, body: String) -> Response {
        Response { status, content_type: Some(ContentType::Json), body, refusal: None }
    }

    fn refusal_of(status: u16, error: Error) -> Response {
        Response { refusal: Some(error), ..Response::empty(status) }
    }

    /// Whether the answer asks WeCom to send the callback again (5xx, or 429 Too Many
    /// Requests): a [`Service`] frees the callback's claim rather than keep this answer for
    /// its retries.
    pub(crate) fn asks_for_retry(&self) -> bool {
        self.status >= 500 || self.status == 429
    }

    /// The response as a de-duplication store keeps it: a version byte, the status (two bytes,
    /// big-endian), the content type's code, the body.
    fn to_stored(&self) -> Vec<u8> {
        let mut stored = Vec::with_capacity(self.body.len().saturating_add(4));
        stored.push(STORED_VERSION);
        stored.extend_from_slice(&self.status.to_be_bytes());
        stored.push(self.content_type.map_or(0, ContentType::code));
        stored.extend_from_slice(self.body.as_bytes());
        stored
    }

    /// A response a store kept ([`to_stored`](Response::to_stored)), or `None` if it is not one.
    fn from_stored(stored: &[u8]) -> Option<Response> {
        let (&[version, high, low, content_type], body) = stored.split_first_chunk::<4>()?;
        if version != STORED_VERSION {
            return None;
        }
        let content_type = match content_type {
            0 => None,
            1 => Some(ContentType::Text),
            2 => Some(ContentType::Xml),
            3 => Some(ContentType::Json),
            _ => return None,
        };
        let status = u16::from_be_bytes([high, low]);
        if !(200..=599).contains(&status) {
            return None;
        }
        let body = String::from_utf8(body.to_vec()).ok()?;
        Some(Response { status, content_type, body, refusal: None })
    }

    /// The HTTP status.
    ///
    /// # Example
    ///
    /// See [`Response`].
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "PUT", query: "", body: b"" }, UNIX_EPOCH) else { panic!() };
    /// assert_eq!(response.status(), 405);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `Content-Type`, if the body has one (an empty body has none).
    ///
    /// # Example
    ///
    /// See [`Endpoint::handle`].
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH) else { panic!() };
    /// assert_eq!(response.content_type(), None);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn content_type(&self) -> Option<&'static str> {
        self.content_type.map(ContentType::as_str)
    }

    /// The body.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH) else { panic!() };
    /// assert_eq!(response.body(), "");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body, owned.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH) else { panic!() };
    /// assert_eq!(response.into_body(), "");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn into_body(self) -> String {
        self.body
    }

    /// For a refusal, the fault behind it: for the log ([`Error::code`], its `Display`,
    /// [`Error::hint`] carry no secret), never for the sender.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// # use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Outcome, Request}};
    /// # let endpoint = Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?);
    /// let Outcome::Respond(response) = endpoint.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH) else { panic!() };
    /// assert_eq!(response.refusal().map(|e| e.code()), Some(-40002));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn refusal(&self) -> Option<&Error> {
        self.refusal.as_ref()
    }
}
