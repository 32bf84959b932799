//! The WeCom AI bot (智能机器人) at `/aibot`: JSON callbacks answered with a streamed echo.
//!
//! - A text message opens a stream: the first reply is `stream{id, finish: false}`, and a
//!   task (standing in for an LLM) writes the echo into it a few characters at a time.
//! - Each stream-refresh poll is answered with the content so far, and `finish: true` once
//!   the task is done; a poll for a stream not (or no longer) kept is finished at once.
//! - `enter_chat` gets a welcome text; everything else, unknown kinds included, an empty 200.
//!
//! Streams live in memory, in this one process: behind several replicas, keep them in a
//! shared store (`StreamState` is plain data, `serde` with the crate's feature), or route a
//! bot's polls to the replica that opened the stream.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::MethodRouter;
use wxbizmsgcrypt::aibot::{Event, Kind, Reply, StreamState};
use wxbizmsgcrypt::endpoint::{Callback, Response, Service};

use crate::store::Dedup;

/// How long a stream is kept after it opened: past WeCom's 6 minutes of polling.
const STREAM_TTL: Duration = Duration::from_secs(10 * 60);

/// The streams kept, and when they were last swept for old ones.
#[derive(Default)]
struct Kept {
    streams: HashMap<String, StreamState>,
    swept_at: u64,
}

type Streams = Arc<Mutex<Kept>>;

/// The `/aibot` route over `service`, with the streams it keeps.
pub fn route(service: Arc<Service<Dedup>>) -> MethodRouter {
    let streams = Streams::default();
    wxbizmsgcrypt::axum::route(service, move |callback: Callback| {
        let streams = Arc::clone(&streams);
        async move { answer(&streams, callback) }
    })
}

fn answer(streams: &Streams, callback: Callback) -> Response {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let Some(message) = callback.aibot() else { return callback.acknowledge() };
    let reply = {
        let mut kept = streams.lock().unwrap_or_else(PoisonError::into_inner);
        // At most once a second, not on every poll: the sweep visits every stream.
        if kept.swept_at != now {
            kept.swept_at = now;
            kept.streams
                .retain(|_, stream| now.saturating_sub(stream.started_at()) < STREAM_TTL.as_secs());
        }
        let kept = &mut kept.streams;
        match message.kind() {
            Kind::Text { content } => {
                let stream = StreamState::with_random_id(now);
                let reply = stream.reply(now);
                let id = stream.id().to_owned();
                kept.insert(id.clone(), stream);
                tokio::spawn(write_echo(
                    Arc::clone(streams),
                    id,
                    content.unwrap_or_default().to_owned(),
                ));
                reply
            }
            Kind::StreamRefresh { id } => {
                let id = id.unwrap_or_default();
                kept.get(id).map_or_else(|| Reply::unknown_stream(id), |stream| stream.reply(now))
            }
            Kind::Event(Event::EnterChat) => Reply::text("你好！发消息给我，我会流式地原样回复。"),
            _ => return callback.acknowledge(),
        }
    };
    callback.reply_aibot(&reply).unwrap_or_else(|e| {
        eprintln!("no reply: {e} ({})", e.code());
        callback.acknowledge()
    })
}

/// Stands in for an LLM: writes the echo into the stream a few characters at a time.
async fn write_echo(streams: Streams, id: String, text: String) {
    let chars: Vec<char> = format!("你说：{text}").chars().collect();
    for piece in chars.chunks(4) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let piece: String = piece.iter().collect();
        let mut kept = streams.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(stream) = kept.streams.get_mut(&id) else { return };
        if stream.push_str(&piece).is_err() {
            break; // over 20480 bytes: the rest would go through response_url
        }
    }
    let mut kept = streams.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(stream) = kept.streams.get_mut(&id) {
        stream.finish();
    }
}
