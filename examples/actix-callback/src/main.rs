//! A WeCom callback service on actix-web 4, built on `wxbizmsgcrypt`'s endpoint and its
//! `actix-web` adapter: the same XML service as `examples/axum-callback` at `/callback`, with
//! the same variables and start-up line.
//!
//! ```text
//! cargo run --manifest-path examples/actix-callback/Cargo.toml
//! ```
//!
//! | variable | default | |
//! |---|---|---|
//! | `WXBIZ_TOKEN`, `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID` | the official sample | the app at `/callback` |
//! | `BIND` | `127.0.0.1:3000` | printed as `listening on ADDR` once bound |
//! | `WXBIZ_HEADER_TIMEOUT_MS` | 5000 | to read a request's head (408 past it) |
//! | `WXBIZ_IDLE_TIMEOUT_MS` | 5000 | an idle keep-alive connection is closed |
//! | `WXBIZ_REQUEST_TIMEOUT_MS` | 10000 | for the body and the handler (408 past it) |
//! | `WXBIZ_MAX_CONNECTIONS` | 1024 | per worker |
//!
//! De-duplication is in memory here; for several replicas see the axum example's Redis store
//! (the `DedupStore` trait is the same).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::KeepAlive;
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer};
use wxbizmsgcrypt::endpoint::{Callback, Endpoint, MemoryDedup, Response, Service};
use wxbizmsgcrypt::message::{Event, Instruction, Kind};
use wxbizmsgcrypt::reply::Reply;
use wxbizmsgcrypt::{Error, MsgCrypt};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let millis = |name: &str, default: u64| {
        Duration::from_millis(
            std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default),
        )
    };
    // The official WeCom sample (developer.work.weixin.qq.com, 加解密方案说明).
    let crypt = MsgCrypt::new(
        &env("WXBIZ_TOKEN", "QDG6eK"),
        &env("WXBIZ_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        &env("WXBIZ_RECEIVE_ID", "wx5823bf96d3bd56c7"),
    )
    .map_err(|e| std::io::Error::other(format!("bad WXBIZ_* configuration: {e} ({})", e.code())))?;
    let log = Arc::new(RateLimited::new(Duration::from_secs(1), 20));
    let service = Arc::new(
        Service::new(Endpoint::xml(crypt), MemoryDedup::new(1_000_000))
            .on_refusal(move |err| log.refusal(err)),
    );
    let request_timeout = millis("WXBIZ_REQUEST_TIMEOUT_MS", 10_000);

    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(move |request, next| deadline(request_timeout, request, next)))
            .service(wxbizmsgcrypt::actix::resource("/callback", Arc::clone(&service), answer))
    })
    .client_request_timeout(millis("WXBIZ_HEADER_TIMEOUT_MS", 5_000))
    .keep_alive(KeepAlive::Timeout(millis("WXBIZ_IDLE_TIMEOUT_MS", 5_000)))
    .client_disconnect_timeout(Duration::from_secs(1))
    .max_connections(
        std::env::var("WXBIZ_MAX_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(1024),
    )
    .bind(env("BIND", "127.0.0.1:3000"))?;
    for addr in server.addrs() {
        // The end-to-end tests read this line to find the port when BIND ends in :0.
        println!("listening on {addr}");
    }
    server.run().await
}

/// The whole request, body and handler, bounded in time: past `limit`, 408 and the
/// connection's resources back. (`client_request_timeout` covers only the request head.)
async fn deadline(
    limit: Duration,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // (No clone of the request may be held across `next.call`: the router needs it unshared.)
    match tokio::time::timeout(limit, next.call(request)).await {
        Ok(response) => response.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(actix_web::error::ErrorRequestTimeout("")),
    }
}

/// What to say to each fresh, first-time callback: as in the axum example.
async fn answer(callback: Callback) -> Response {
    let now = SystemTime::now();
    let Some(message) = callback.xml() else { return callback.acknowledge() };
    let reply = match message.kind() {
        Kind::Text(text) => Reply::text(text.content.unwrap_or_default()),
        Kind::Event(Event::Subscribe { .. } | Event::EnterAgent { .. }) => {
            Reply::text("欢迎！发消息给我，我会原样回复。")
        }
        Kind::Event(Event::Click { event_key }) => {
            Reply::text(&format!("你点击了菜单：{}", event_key.unwrap_or_default()))
        }
        Kind::Instruction(Instruction::CreateAuth { .. }) => {
            // Acknowledged within Tencent's 1000 ms; the slow part in the background.
            actix_web::rt::spawn(async { tokio::time::sleep(Duration::from_secs(2)).await });
            return callback.acknowledge();
        }
        _ => return callback.acknowledge(),
    };
    callback.reply(&reply, now).unwrap_or_else(|e| {
        eprintln!("no reply: {e} ({})", e.code());
        callback.acknowledge()
    })
}

/// At most `burst` log lines per `period`: anyone can send bad requests.
struct RateLimited {
    period: Duration,
    burst: u32,
    state: Mutex<(Instant, u32, u64)>,
}

impl RateLimited {
    fn new(period: Duration, burst: u32) -> RateLimited {
        RateLimited { period, burst, state: Mutex::new((Instant::now(), 0, 0)) }
    }

    fn refusal(&self, err: &Error) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (start, written, dropped) = &mut *state;
        if start.elapsed() >= self.period {
            (*start, *written) = (Instant::now(), 0);
        }
        if *written >= self.burst {
            *dropped += 1;
            return;
        }
        *written += 1;
        if *dropped > 0 {
            eprintln!("({dropped} log lines dropped)");
            *dropped = 0;
        }
        let hint = err.hint().map(|hint| format!("; {hint}")).unwrap_or_default();
        eprintln!("refused callback: {err} ({}){hint}", err.code());
    }
}
