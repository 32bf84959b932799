//! A complete WeCom callback server: the GET URL check and POSTed messages, with an encrypted
//! passive reply that echoes text messages.
//!
//! ```text
//! cargo run --manifest-path examples/axum-callback/Cargo.toml
//! ```
//!
//! Configuration from the environment (with none set it runs on the official WeCom sample
//! credentials, so the official GET vector works out of the box):
//! `WXBIZ_TOKEN`, `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID`, and `BIND` (default `127.0.0.1:3000`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use wxbizmsgcrypt::{CallbackQuery, Error, MsgCrypt, check_timestamp, xml};

/// Callbacks are small; anything larger is refused with 413 before it is read.
const MAX_BODY: usize = 1 << 20;
/// How far a POST's timestamp may be from now. WeCom retries within about 15 s.
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

    let app = Router::new()
        .route("/callback", get(url_check).post(message))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(crypt);

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

/// `POST /callback?msg_signature=…&timestamp=…&nonce=…` with an XML body: decrypt it; answer a
/// text message with an encrypted passive reply echoing its content, anything else with an empty
/// 200 (WeCom retries a callback that gets no 200).
async fn message(
    State(crypt): State<MsgCrypt>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let query = match CallbackQuery::parse(query.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(e) => return refuse(&e),
    };
    let decrypted = match xml::decrypt_msg(&crypt, query.signed(), &body) {
        Ok(decrypted) => decrypted,
        Err(e) => return refuse(&e),
    };
    // The timestamp is covered by the signature just verified: refuse stale replays. Remember
    // MsgId (or msg_signature) for 2 × MAX_SKEW_SECS to refuse replays inside the window too.
    let now = SystemTime::now();
    if let Err(e) = check_timestamp(query.timestamp(), now, MAX_SKEW) {
        return refuse(&e);
    }
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let Some(text) = TextMessage::parse(decrypted.message()) else {
        return StatusCode::OK.into_response(); // events and other message types: no reply
    };
    let reply = text.echo(now);
    match xml::encrypt_reply(&decrypted, &reply, &now.to_string(), query.nonce()) {
        Ok(body) => {
            ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
        }
        Err(e) => {
            eprintln!("could not encrypt the reply: {e} ({})", e.code());
            StatusCode::OK.into_response()
        }
    }
}

/// Bad input is the sender's problem, never a 500: 401 for a signature that does not verify,
/// 400 for anything else malformed. Errors carry no secret, so they can be logged.
fn refuse(e: &Error) -> Response {
    eprintln!("refused callback: {e} ({})", e.code());
    let status = match e {
        Error::SignatureMismatch => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, format!("{} {e}", e.code())).into_response()
}

/// The fields of a text message that a reply needs.
struct TextMessage {
    to: String,
    from: String,
    content: String,
}

impl TextMessage {
    fn parse(message: &str) -> Option<TextMessage> {
        let doc = roxmltree::Document::parse(message).ok()?;
        let field = |name: &str| {
            let node = doc.root_element().children().find(|n| n.has_tag_name(name))?;
            Some(node.children().filter_map(|c| c.text()).collect::<String>())
        };
        (field("MsgType")? == "text").then(|| TextMessage {
            to: field("ToUserName").unwrap_or_default(),
            from: field("FromUserName").unwrap_or_default(),
            content: field("Content").unwrap_or_default(),
        })
    }

    /// A passive text reply, from the app back to the sender, with every value escaped.
    fn echo(&self, now: u64) -> String {
        use quick_xml::escape::escape;
        format!(
            "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{now}</CreateTime>\
             <MsgType>text</MsgType><Content>{}</Content></xml>",
            escape(self.from.as_str()),
            escape(self.to.as_str()),
            escape(self.content.as_str()),
        )
    }
}
