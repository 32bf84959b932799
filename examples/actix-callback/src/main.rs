//! A WeCom callback service on actix-web 4, built on `wxbizmsgcrypt`'s endpoint and its
//! `actix-web` adapter: the same XML service as `examples/axum-callback` at `/callback`, with
//! the same variables, start-up line and guarantees.
//!
//! ```text
//! WXBIZ_DEMO=1 cargo run --manifest-path examples/actix-callback/Cargo.toml
//! ```
//!
//! The route is mounted only when all of its variables are set; with none set the service
//! exits with status 2 and names them. There are no default credentials: `WXBIZ_DEMO=1` serves
//! the official sample credentials (public: for trying it out, never in production) and says
//! so on stderr.
//!
//! | variable | default | |
//! |---|---|---|
//! | `WXBIZ_TOKEN`, `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID` | none | the app at `/callback` |
//! | `WXBIZ_DEMO` | unset | `1`: the official sample if the variables are unset |
//! | `BIND` | `127.0.0.1:3000` | printed as `listening on ADDR` once bound |
//! | `REDIS_URL` | unset: in memory | de-duplication shared by every replica |
//! | `WXBIZ_REDIS_PREFIX` | `wxbiz` | starts every Redis key |
//! | `WXBIZ_HEADER_TIMEOUT_MS` | 5000 | to read a request's head (408 past it) |
//! | `WXBIZ_IDLE_TIMEOUT_MS` | 5000 | an idle keep-alive connection is closed |
//! | `WXBIZ_BODY_TIMEOUT_MS` | 5000 | to read a request's body (408 past it), before any permit |
//! | `WXBIZ_HANDLER_TIMEOUT_MS` | 4500 | for the handler, waiting for a permit included (503 past it) |
//! | `WXBIZ_MAX_CONCURRENT` | 512 | handlers running at once |
//! | `WXBIZ_MAX_CONNECTIONS` | 1024 | connections open at once, per worker |

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::KeepAlive;
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::sync::Semaphore;
use wxbizmsgcrypt_callback::endpoint::{
    Callback, Claim, ClaimToken, DEFAULT_MAX_BODY, DedupStore, Endpoint, MemoryDedup, Response,
    Service, StoreError, StoreKey, Xml,
};
use wxbizmsgcrypt_callback::message::{Event, Instruction, Kind};
use wxbizmsgcrypt_callback::redis::{Redis, RedisDedup};
use wxbizmsgcrypt_callback::reply::Reply;
use wxbizmsgcrypt_callback::{Error, MsgCrypt};

/// The route's variables, and the official sample's values for `WXBIZ_DEMO=1`.
const VARIABLES: [&str; 3] = ["WXBIZ_TOKEN", "WXBIZ_AES_KEY", "WXBIZ_RECEIVE_ID"];
const SAMPLE: [&str; 3] =
    ["QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"];

fn main() -> ExitCode {
    let crypt = match credentials() {
        Ok(crypt) => crypt,
        Err(message) => {
            eprintln!("actix-callback: {message}");
            return ExitCode::from(2);
        }
    };
    let dedup = match std::env::var("REDIS_URL") {
        Ok(url) => match Redis::open(&url) {
            Ok(redis) => {
                let prefix = std::env::var("WXBIZ_REDIS_PREFIX").unwrap_or_else(|_| "wxbiz".into());
                Dedup::Redis(redis.dedup(&format!("{prefix}:callback")))
            }
            Err(err) => {
                eprintln!("actix-callback: REDIS_URL: {err}");
                return ExitCode::from(2);
            }
        },
        Err(_) => Dedup::Memory(Arc::new(MemoryDedup::new(64 << 20))),
    };
    match actix_web::rt::System::new().block_on(serve(crypt, dedup)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("actix-callback: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The route's credentials: all variables set, or none and `WXBIZ_DEMO=1`.
fn credentials() -> Result<MsgCrypt, String> {
    let values = VARIABLES.map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    let demo = std::env::var("WXBIZ_DEMO").is_ok_and(|v| v == "1");
    let [token, key, receive_id] = match values {
        [Some(token), Some(key), Some(receive_id)] => [token, key, receive_id],
        [None, None, None] if demo => {
            eprintln!(
                "WXBIZ_DEMO=1: serving the official sample credentials, which are public: never in production"
            );
            SAMPLE.map(str::to_owned)
        }
        [None, None, None] => {
            return Err(format!(
                "nothing to serve: set {} for /callback (or WXBIZ_DEMO=1 to try the service with the official sample credentials)",
                VARIABLES.join(", ")
            ));
        }
        values => {
            let missing: Vec<&str> = VARIABLES
                .iter()
                .zip(&values)
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            return Err(format!("/callback needs {} too", missing.join(", ")));
        }
    };
    MsgCrypt::new(&token, &key, &receive_id)
        .map_err(|e| format!("/callback: {e} ({}); {}", e.code(), e.hint().unwrap_or_default()))
}

fn millis(name: &str, default: u64) -> Duration {
    Duration::from_millis(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

fn count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// How often actix-http updates the clock its connection deadlines are computed from.
const ACTIX_CLOCK_STEP: Duration = Duration::from_millis(500);

async fn serve(crypt: MsgCrypt, dedup: Dedup) -> std::io::Result<()> {
    let handler_timeout = millis("WXBIZ_HANDLER_TIMEOUT_MS", 4_500);
    let body_timeout = millis("WXBIZ_BODY_TIMEOUT_MS", 5_000);
    let refusals = Arc::new(RateLimited::new(Duration::from_secs(1), 20));
    let store_errors = Arc::new(RateLimited::new(Duration::from_secs(10), 5));
    let service = Arc::new(
        Service::new(Endpoint::xml(crypt), dedup)
            .with_deadline(handler_timeout)
            .on_refusal(move |err| refusals.refusal(err))
            .on_store_error(move |err| store_errors.line(&format!("de-duplication: {err}"))),
    );
    // Shared by every worker: handlers running at once, in all.
    let permits = Arc::new(Semaphore::new(count("WXBIZ_MAX_CONCURRENT", 512).max(1)));

    let server = HttpServer::new(move || {
        let permits = Arc::clone(&permits);
        // The last `wrap` is the outermost: the body is read first, under its own deadline and
        // before anything else; then the handler's deadline starts, covering the wait for a
        // permit and the handler. A slow client holds a connection, never a permit.
        App::new()
            .app_data(web::PayloadConfig::new(DEFAULT_MAX_BODY))
            .service(wxbizmsgcrypt_callback::actix::resource(
                "/callback",
                Arc::clone(&service),
                answer,
            ))
            .wrap(from_fn(move |request, next| permit(Arc::clone(&permits), request, next)))
            .wrap(from_fn(move |request, next| deadline(handler_timeout, request, next)))
            .wrap(from_fn(move |request, next| read_body(body_timeout, request, next)))
    })
    // actix-http computes these deadlines from a clock it updates every 500 ms (its date
    // service), so a timeout of T closes a connection after T - 500 ms at the least: 500 ms is
    // added to each, so that a client gets at least what was configured (actix-web #1269).
    .client_request_timeout(millis("WXBIZ_HEADER_TIMEOUT_MS", 5_000) + ACTIX_CLOCK_STEP)
    .keep_alive(KeepAlive::Timeout(millis("WXBIZ_IDLE_TIMEOUT_MS", 5_000) + ACTIX_CLOCK_STEP))
    .client_disconnect_timeout(Duration::from_secs(1))
    .max_connections(count("WXBIZ_MAX_CONNECTIONS", 1024))
    .bind(std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned()))?;
    for addr in server.addrs() {
        // The end-to-end tests read this line to find the port when BIND ends in :0.
        println!("listening on {addr}");
    }
    server.run().await
}

/// Reads the whole body within `limit` (408 past it; 413 past 1 MiB), then hands the request
/// on with the body in memory.
async fn read_body(
    limit: Duration,
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let body = match tokio::time::timeout(limit, request.extract::<web::Bytes>()).await {
        Ok(body) => body?,
        Err(_) => return Err(actix_web::error::ErrorRequestTimeout("")),
    };
    request.set_payload(Payload::from(body));
    next.call(request).await.map(ServiceResponse::map_into_boxed_body)
}

/// The handler, waiting for a permit included, bounded in time: past `limit`, 503 (WeCom
/// retries), and the handler's future is dropped, which frees its claim.
async fn deadline(
    limit: Duration,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // (No clone of the request may be held across `next.call`: the router needs it unshared.)
    match tokio::time::timeout(limit, next.call(request)).await {
        Ok(response) => response.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(actix_web::error::ErrorServiceUnavailable("")),
    }
}

/// One of `permits` for the handler.
async fn permit(
    permits: Arc<Semaphore>,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let _permit =
        permits.acquire().await.map_err(|_| actix_web::error::ErrorServiceUnavailable(""))?;
    next.call(request).await.map(ServiceResponse::map_into_boxed_body)
}

/// What to say to each fresh, first-time callback: as in the axum example.
async fn answer(callback: Callback<Xml>) -> Response {
    let reply = match callback.message().kind() {
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
    callback.reply(&reply).unwrap_or_else(|e| {
        eprintln!("no reply: {e} ({})", e.code());
        callback.acknowledge()
    })
}

/// De-duplication in memory, or in Redis for several replicas.
#[derive(Clone)]
enum Dedup {
    Memory(Arc<MemoryDedup>),
    Redis(RedisDedup),
}

impl DedupStore for Dedup {
    async fn claim(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Claim, StoreError> {
        match self {
            Dedup::Memory(store) => store.claim(key, token, lease, now).await,
            Dedup::Redis(store) => store.claim(key, token, lease, now).await,
        }
    }

    async fn complete(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        answer: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        match self {
            Dedup::Memory(store) => store.complete(key, token, answer, ttl, now).await,
            Dedup::Redis(store) => store.complete(key, token, answer, ttl, now).await,
        }
    }

    async fn release(&self, key: &StoreKey, token: &ClaimToken) -> Result<(), StoreError> {
        match self {
            Dedup::Memory(store) => store.release(key, token).await,
            Dedup::Redis(store) => store.release(key, token).await,
        }
    }

    fn abandon(&self, key: &StoreKey, token: &ClaimToken) {
        match self {
            Dedup::Memory(store) => store.abandon(key, token),
            Dedup::Redis(store) => store.abandon(key, token),
        }
    }
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
        let hint = err.hint().map(|hint| format!("; {hint}")).unwrap_or_default();
        self.line(&format!("refused callback: {err} ({}){hint}", err.code()));
    }

    fn line(&self, line: &str) {
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
        eprintln!("{line}");
    }
}
