//! Verify, decrypt and answer the callbacks that WeCom (企业微信) and WeChat (公众号, 小程序,
//! 开放平台) push to your server: Tencent's **WXBizMsgCrypt** scheme (SHA-1 signatures,
//! AES-256-CBC, base64, XML or JSON envelopes).
//!
//! The crate does no I/O: no sockets, no files, no clock, no logging, no global state. Requests
//! come in as strings, answers go out as strings; timestamps, nonces and "now" are passed in.
//! It works with any web framework.
//!
//! # One path through the API
//!
//! 1. Build one [`MsgCrypt`] at start-up from the callback settings (Token, EncodingAESKey,
//!    receive id), or a [`MsgCryptBuilder`] for several receive ids or a key change.
//! 2. Parse the request's raw query with [`CallbackQuery::parse`]: it hands out the
//!    [`Signed`] parameters (`msg_signature`, `timestamp`, `nonce`), decoded exactly once.
//! 3. The GET URL check: [`MsgCrypt::verify_url`] returns the echostr to answer with, and
//!    nothing but an echostr.
//! 4. A POST: [`xml::decrypt_msg`] or [`json::decrypt_msg`] (or [`MsgCrypt::decrypt_msg`] on the
//!    bare ciphertext) verifies and decrypts it into a [`Decrypted`]: the message, the receive
//!    id it carried, and the key that opened it.
//! 5. [`Decrypted::parse_xml`] reads the message ([`message::Message`]): any field, and a
//!    typed view of what it is.
//! 6. The reply is made from the `Decrypted`: [`xml::seal_reply`] renders a [`reply::Reply`]
//!    for the message and seals it with the key and receive id that opened the request,
//!    signed with the same token ([`xml::encrypt_reply`], [`json::encrypt_reply`] and
//!    [`Decrypted::encrypt_reply`] seal a reply given as text). Or answer with an empty 200.
//!
//! ```
//! use wxbizmsgcrypt::message::Kind;
//! use wxbizmsgcrypt::reply::Reply;
//! use wxbizmsgcrypt::{CallbackQuery, MsgCrypt, xml};
//!
//! // 1. At start-up: the official WeCom sample settings.
//! let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//!
//! // 2–4. `POST /callback?msg_signature=…&timestamp=…&nonce=…` with the official sample body.
//! let raw_query = "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149";
//! let body = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";
//! let query = CallbackQuery::parse(raw_query)?;
//! let request = xml::decrypt_msg(&crypt, query.signed(), body)?;
//!
//! // 5. The message.
//! let message = request.parse_xml()?;
//! let Kind::Text(text) = message.kind() else { panic!("the sample is a text message") };
//! assert_eq!((message.from_user_name(), text.content), (Some("mycreate"), Some("hello")));
//!
//! // 6. The passive reply, to the sender, sealed as the request was.
//! let reply_body = xml::seal_reply(&request, &message, &Reply::text("hi"), 1409659814, "42")?;
//! assert!(reply_body.starts_with("<xml>\n<Encrypt><![CDATA["));
//! # Ok::<(), wxbizmsgcrypt::Error>(())
//! ```
//!
//! # The parts
//!
//! - [`MsgCrypt`] works on the bare ciphertext and knows no envelope; [`xml`] and [`json`] read
//!   the `Encrypt` value out of a body and render reply envelopes, and know nothing of AES.
//! - [`message`] reads what a callback says, [`reply`] writes passive replies: pure data, they
//!   know nothing of the crypto.
//! - [`CallbackQuery`] and [`Signed`]: the request's query. [`check_timestamp`] judges
//!   freshness; [`verify_plain_signature`] checks WeChat's plain `signature`.
//! - [`Error`] is the one error type: [`Error::code`] gives Tencent's return code,
//!   [`Error::hint`] what to check. After the signature has verified, tell the sender nothing
//!   about which check failed.
//! - [`dangerous`] holds what gives up a guarantee (caller-chosen random bytes, for
//!   known-answer tests).
//!
//! # Features
//!
//! All off by default:
//!
//! - `serde`: `serde::Deserialize` for [`CallbackQuery`], for frameworks' query extractors
//!   (prefer [`CallbackQuery::parse`] on the raw query); `Serialize` and `Deserialize` for
//!   [`aibot::StreamState`].
//! - `axum`: `wxbizmsgcrypt::axum`, the [`endpoint::Service`] as an axum 0.8 route.
//! - `actix-web`: `wxbizmsgcrypt::actix`, the same as an actix-web 4 resource.
//! - `redis`: `wxbizmsgcrypt::redis`, de-duplication and the AI bot's streams in Redis, shared
//!   by replicas (on tokio).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

#[cfg(feature = "actix-web")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix-web")))]
#[path = "adapters/actix.rs"]
pub mod actix;
pub mod aibot;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
#[path = "adapters/axum.rs"]
pub mod axum;
mod crypto;
pub mod dangerous;
pub mod endpoint;
mod error;
pub mod json;
pub mod media;
pub mod message;
mod msg_crypt;
mod plain;
mod query;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod reply;
mod signed;
mod strict_xml;
pub mod xml;

pub use error::{EnvelopeFault, Error, MessageFault, QueryFault, ReplyFault};
pub use msg_crypt::{Decrypted, EncryptedMsg, KeyUsed, MsgCrypt, MsgCryptBuilder};
pub use plain::{check_timestamp, verify_plain_signature};
pub use query::CallbackQuery;
pub use signed::Signed;

/// The README's examples, compiled and run as doctests: with the framework and Redis features
/// on, since the README shows them (`cargo test --all-features`, which CI runs).
#[cfg(all(doctest, feature = "axum", feature = "actix-web", feature = "redis"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
