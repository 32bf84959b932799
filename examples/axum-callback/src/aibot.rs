//! The WeCom AI bot (智能机器人) on `/aibot`: the URL check, and JSON callbacks answered with a
//! streamed echo.
//!
//! - A text message opens a stream: the first reply is `stream{id, finish: false}`, and a
//!   task (standing in for an LLM) writes the echo into it a few characters at a time.
//! - Each stream-refresh poll is answered with the content so far, and `finish: true` once
//!   the task is done; a poll for a stream not (or no longer) kept is finished at once.
//! - `enter_chat` gets a welcome text; everything else, unknown kinds included, an empty 200.
//!
//! Streams live in memory, in this one process: behind several replicas, keep them in a
//! shared store (`StreamState` is plain data, `serde` with the crate's feature).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use wxbizmsgcrypt::aibot::{Event, Kind, Message, Reply, StreamState};
use wxbizmsgcrypt::{CallbackQuery, MsgCrypt, check_timestamp, json};

use crate::refuse;

/// How long a stream is kept after it opened: past WeCom's 6 minutes of polling.
const STREAM_TTL: Duration = Duration::from_secs(10 * 60);
/// How far an event's create_time may be from now.
const MAX_SKEW: Duration = Duration::from_secs(300);

#[derive(Clone)]
struct Bot {
    crypt: MsgCrypt,
    streams: Arc<Mutex<HashMap<String, StreamState>>>,
}

/// The `/aibot` routes, for the bot's own credentials (its receive id is empty).
pub fn router(crypt: MsgCrypt) -> Router {
    let bot = Bot { crypt, streams: Arc::default() };
    Router::new().route("/aibot", get(url_check).post(callback)).with_state(bot)
}

async fn url_check(State(bot): State<Bot>, RawQuery(query): RawQuery) -> Response {
    let result = CallbackQuery::parse(query.as_deref().unwrap_or_default())
        .and_then(|query| bot.crypt.verify_url(query.signed(), query.echostr()?));
    match result {
        Ok(echo) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], echo).into_response(),
        Err(e) => refuse(&e),
    }
}

async fn callback(State(bot): State<Bot>, RawQuery(query): RawQuery, body: String) -> Response {
    let query = match CallbackQuery::parse(query.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(e) => return refuse(&e),
    };
    let request = match json::decrypt_msg(&bot.crypt, query.signed(), &body) {
        Ok(request) => request,
        Err(e) => return refuse(&e),
    };
    let message = match Message::parse(request.message()) {
        Ok(message) => message,
        Err(e) => return refuse(&e),
    };
    let now = SystemTime::now();
    // Events carry create_time (inside the ciphertext); messages may not.
    if let Some(created) = message.create_time()
        && let Err(e) = check_timestamp(&created.to_string(), now, MAX_SKEW)
    {
        return refuse(&e);
    }
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let Some(reply) = answer(&bot, &message, now) else {
        return StatusCode::OK.into_response();
    };
    // Tencent's plugin echoes the request's timestamp and nonce, and answers as text/plain.
    match json::seal_reply(&request, &reply, query.timestamp(), query.nonce()) {
        Ok(body) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response(),
        Err(e) => {
            eprintln!("no reply: {e} ({})", e.code());
            StatusCode::OK.into_response()
        }
    }
}

fn answer(bot: &Bot, message: &Message, now: u64) -> Option<Reply> {
    let mut streams = bot.streams.lock().unwrap_or_else(PoisonError::into_inner);
    streams.retain(|_, stream| now.saturating_sub(stream.started_at()) < STREAM_TTL.as_secs());
    match message.kind() {
        Kind::Text { content } => {
            let stream = StreamState::with_random_id(now);
            let reply = stream.reply(now);
            let id = stream.id().to_owned();
            streams.insert(id.clone(), stream);
            tokio::spawn(write_echo(
                bot.streams.clone(),
                id,
                content.unwrap_or_default().to_owned(),
            ));
            Some(reply)
        }
        Kind::StreamRefresh { id } => {
            let id = id.unwrap_or_default();
            Some(streams.get(id).map_or_else(|| Reply::unknown_stream(id), |s| s.reply(now)))
        }
        Kind::Event(Event::EnterChat) => {
            Some(Reply::text("你好！发消息给我，我会流式地原样回复。"))
        }
        _ => None,
    }
}

/// Stands in for an LLM: writes the echo into the stream a few characters at a time.
async fn write_echo(streams: Arc<Mutex<HashMap<String, StreamState>>>, id: String, text: String) {
    let chars: Vec<char> = format!("你说：{text}").chars().collect();
    for piece in chars.chunks(4) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let piece: String = piece.iter().collect();
        let mut streams = streams.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(stream) = streams.get_mut(&id) else { return };
        if stream.push_str(&piece).is_err() {
            break; // over 20480 bytes: the rest would go through response_url
        }
    }
    let mut streams = streams.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(stream) = streams.get_mut(&id) {
        stream.finish();
    }
}
