//! A complete WeCom callback server: the GET URL check and POSTed messages, read as typed
//! messages and answered with encrypted passive replies (text echoed, a welcome on
//! `subscribe`/`enter_agent`, menu clicks named).
//!
//! ```text
//! cargo run --manifest-path examples/axum-callback/Cargo.toml
//! ```
//!
//! The WeCom AI bot is on `/aibot` (see `aibot.rs`): JSON callbacks, answered with a streamed
//! echo.
//!
//! Configuration from the environment (with none set it runs on the official WeCom sample
//! credentials, so the official GET vector works out of the box): `WXBIZ_TOKEN`,
//! `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID` for the app; `WXBIZ_BOT_TOKEN`, `WXBIZ_BOT_AES_KEY` for
//! the bot (its receive id is empty); `BIND` (default `127.0.0.1:3000`).

mod aibot;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use wxbizmsgcrypt::message::{Event, Kind, Message};
use wxbizmsgcrypt::reply::Reply;
use wxbizmsgcrypt::{CallbackQuery, Error, MsgCrypt, check_timestamp, xml};

/// Callbacks are small; anything larger is refused with 413 before it is read.
const MAX_BODY: usize = 1 << 20;
/// How far a message's CreateTime may be from now. WeCom retries within about 15 s.
const MAX_SKEW: Duration = Duration::from_secs(300);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    // The official WeCom sample (developer.work.weixin.qq.com, 加解密方案说明).
    let crypt = MsgCrypt::new(
        &env("WXBIZ_TOKEN", "QDG6eK"),
        &env("WXBIZ_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        &env("WXBIZ_RECEIVE_ID", "wx5823bf96d3bd56c7"),
    )
    .map_err(|e| format!("bad WXBIZ_* configuration: {e} ({})", e.code()))?;

    // The AI bot has credentials of its own, and an empty receive id.
    let bot = MsgCrypt::new(
        &env("WXBIZ_BOT_TOKEN", "QDG6eK"),
        &env("WXBIZ_BOT_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        "",
    )
    .map_err(|e| format!("bad WXBIZ_BOT_* configuration: {e} ({})", e.code()))?;

    let app = Router::new()
        .route("/callback", get(url_check).post(message))
        .with_state(crypt)
        .merge(aibot::router(bot))
        .layer(DefaultBodyLimit::max(MAX_BODY));

    let listener = tokio::net::TcpListener::bind(env("BIND", "127.0.0.1:3000")).await?;
    // The end-to-end test reads this line to find the port when BIND ends in :0.
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// `GET /callback?msg_signature=…&timestamp=…&nonce=…&echostr=…`: answer with the decrypted
/// echostr, exactly: no quotes, no newline, no BOM.
async fn url_check(State(crypt): State<MsgCrypt>, RawQuery(query): RawQuery) -> Response {
    // CallbackQuery::parse URL-decodes each value exactly once and keeps '+' as '+'.
    let result = CallbackQuery::parse(query.as_deref().unwrap_or_default())
        .and_then(|query| crypt.verify_url(query.signed(), query.echostr()?));
    match result {
        Ok(echo) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], echo).into_response(),
        Err(e) => refuse(&e),
    }
}

/// `POST /callback?msg_signature=…&timestamp=…&nonce=…` with an XML body: decrypt it, read the
/// message, and answer:
///
/// - a text message with a text reply echoing it,
/// - `subscribe` and `enter_agent` with a welcome,
/// - a menu `click` with a text naming its `EventKey`,
/// - everything else, including kinds Tencent adds later, with an empty 200 (WeCom retries a
///   callback that gets no 200, so an unknown kind must never be a 500).
async fn message(
    State(crypt): State<MsgCrypt>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let query = match CallbackQuery::parse(query.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(e) => return refuse(&e),
    };
    let request = match xml::decrypt_msg(&crypt, query.signed(), &body) {
        Ok(request) => request,
        Err(e) => return refuse(&e),
    };
    let message = match request.parse_xml() {
        Ok(message) => message,
        Err(e) => return refuse(&e),
    };
    // Freshness on CreateTime, which is inside the ciphertext: the query's timestamp is not
    // bound by the signature on its own. (Also remember `message.dedup_key()` for a while to
    // answer WeCom's retries once: see the README.)
    let now = SystemTime::now();
    let created = message.get("CreateTime").unwrap_or_default();
    if let Err(e) = check_timestamp(created, now, MAX_SKEW) {
        return refuse(&e);
    }
    let Some(reply) = answer(&message) else {
        return StatusCode::OK.into_response();
    };
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match xml::seal_reply(&request, &message, &reply, now, query.nonce()) {
        Ok(body) => {
            ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
        }
        Err(e) => {
            // A reply over Tencent's limits (-40011): say nothing rather than fail the callback.
            eprintln!("no reply: {e} ({})", e.code());
            StatusCode::OK.into_response()
        }
    }
}

/// What to say to a message, if anything.
fn answer(message: &Message) -> Option<Reply> {
    match message.kind() {
        Kind::Text(text) => Some(Reply::text(text.content.unwrap_or_default())),
        Kind::Event(Event::Subscribe { .. } | Event::EnterAgent { .. }) => {
            Some(Reply::text("欢迎！发消息给我，我会原样回复。"))
        }
        Kind::Event(Event::Click { event_key }) => {
            Some(Reply::text(&format!("你点击了菜单：{}", event_key.unwrap_or_default())))
        }
        _ => None,
    }
}

/// Bad input is the sender's problem, never a 500: 400 for a request that is not a callback,
/// 401 for a signature that does not verify, and one identical 403 for every fault after the
/// signature verified (telling those apart would help whoever holds the token decrypt
/// messages). The detail goes to the log: errors carry no secret.
pub(crate) fn refuse(e: &Error) -> Response {
    eprintln!("refused callback: {e} ({}); {}", e.code(), e.hint().unwrap_or_default());
    match e {
        Error::MalformedQuery(_) | Error::MalformedEnvelope(_) => StatusCode::BAD_REQUEST,
        Error::SignatureMismatch => StatusCode::UNAUTHORIZED,
        _ => StatusCode::FORBIDDEN,
    }
    .into_response()
}
