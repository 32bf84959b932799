//! The WeCom AI bot (智能机器人) at `/aibot`: JSON callbacks answered with a streamed echo.
//!
//! - A text message opens a stream: the first reply is `stream{id, finish: false}`, and a
//!   task (standing in for an LLM) writes the echo into it a few characters at a time, saving
//!   it to the stream store each time it grows.
//! - Each stream-refresh poll is answered with the content so far, and `finish: true` once
//!   the task is done; a poll for a stream not (or no longer) kept is finished at once.
//! - `enter_chat` gets a welcome text; everything else, unknown kinds included, an empty 200.
//!
//! The streams live in the store (`store.rs`): in memory for one process, in Redis for several
//! replicas, so that a poll that reaches another replica finds the stream. A retried message
//! gets the first answer again (the service's de-duplication): the same stream id.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::routing::MethodRouter;
use wxbizmsgcrypt_callback::aibot::{Event, Kind, Reply, StreamState, StreamStore};
use wxbizmsgcrypt_callback::endpoint::{AiBot, Callback, Response, Service};

use crate::log::RateLimited;
use crate::store::{Dedup, Streams};

/// The `/aibot` route over `service`, keeping its streams in `streams`.
pub fn route(
    service: Arc<Service<AiBot, Dedup>>,
    streams: Streams,
    log: Arc<RateLimited>,
) -> MethodRouter {
    wxbizmsgcrypt_callback::axum::route(service, move |callback: Callback<AiBot>| {
        let (streams, log) = (streams.clone(), Arc::clone(&log));
        async move { answer(streams, log, callback).await }
    })
}

async fn answer(streams: Streams, log: Arc<RateLimited>, callback: Callback<AiBot>) -> Response {
    let now = SystemTime::now();
    let reply = match callback.message().kind() {
        Kind::Text { content } => {
            let stream = StreamState::with_random_id(now);
            if let Err(err) = streams.save(&stream, now).await {
                // Without the stream kept, its polls would find nothing: let WeCom retry.
                log.line(&format!("stream store: {err}; asking WeCom to retry"));
                return callback.retry_later();
            }
            tokio::spawn(write_echo(
                streams,
                log,
                stream.clone(),
                content.unwrap_or_default().to_owned(),
            ));
            stream.reply(now)
        }
        Kind::StreamRefresh { id } => {
            let id = id.unwrap_or_default();
            match streams.load(id, now).await {
                Ok(Some(stream)) => stream.reply(now),
                Ok(None) => Reply::unknown_stream(id),
                Err(err) => {
                    log.line(&format!("stream store: {err}; asking WeCom to poll again"));
                    return callback.retry_later();
                }
            }
        }
        Kind::Event(Event::EnterChat) => Reply::text("你好！发消息给我，我会流式地原样回复。"),
        _ => return callback.acknowledge(),
    };
    callback.reply(&reply).unwrap_or_else(|e| {
        eprintln!("no reply: {e} ({})", e.code());
        callback.acknowledge()
    })
}

/// Stands in for an LLM: writes the echo into the stream a few characters at a time, saving it
/// each time, and finishes it.
async fn write_echo(
    streams: Streams,
    log: Arc<RateLimited>,
    mut stream: StreamState,
    text: String,
) {
    let chars: Vec<char> = format!("你说：{text}").chars().collect();
    for piece in chars.chunks(4) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let piece: String = piece.iter().collect();
        if stream.push_str(&piece).is_err() {
            break; // over 20480 bytes: the rest would go through response_url
        }
        if let Err(err) = streams.save(&stream, SystemTime::now()).await {
            log.line(&format!("stream store: {err}"));
        }
    }
    stream.finish();
    if let Err(err) = streams.save(&stream, SystemTime::now()).await {
        log.line(&format!("stream store: {err}; the stream is not finished"));
    }
}
