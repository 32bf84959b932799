//! A WeCom/WeChat callback service on axum 0.8, built on `wxbizmsgcrypt`'s endpoint and its
//! `axum` adapter:
//!
//! - `/callback`: WeCom XML callbacks (`wecom.rs`): text echoed, a welcome on
//!   `subscribe`/`enter_agent`, menu clicks named, `create_auth` acknowledged at once with its
//!   work done in the background, everything else (unknown kinds included) acknowledged;
//! - `/aibot`: the WeCom AI bot's JSON callbacks (`aibot.rs`): a streamed echo;
//! - `/mp`: a 公众号 (or an XML-mode 小程序) in safe or compatible mode, answered like
//!   `/callback` (its URL check is signed with the plain `signature`: `Endpoint::wechat`);
//! - `/mp-plain`: a 公众号 in plaintext mode (`Endpoint::wechat_plaintext`), answered in
//!   plaintext XML;
//! - `/suite/instruction` and `/suite/data?corpid=$CORPID$`: a WeCom third-party suite
//!   (`suite.rs`): instructions recorded in the inbox before `success`, data callbacks checked
//!   against the URL's corpid and answered like `/callback`.
//!
//! With `WXBIZ_AGENT_ID`, `/callback` serves its app by the envelope's `AgentID`
//! (`Endpoint::wecom_apps`), and a second app of the same company with `WXBIZ_APP2_*`.
//!
//! Hardened for the open internet: refusals that all look alike after the signature (the
//! adapter's), freshness, delivery that loses nothing (in memory, or in Redis across
//! replicas), a header-read and idle timeout, the body read under its own deadline *before* a
//! concurrency permit is taken (so slow clients hold no permit), a deadline for the handler,
//! caps on connections and concurrent handlers, the 1 MiB body limit, and refusals logged
//! rate-limited with their detail and hint.
//!
//! ```text
//! WXBIZ_DEMO=1 cargo run --manifest-path examples/axum-callback/Cargo.toml
//! ```
//!
//! Configuration from the environment. A route is mounted only when all of its variables are
//! set; with none set the service exits with status 2 and names them. There are no default
//! credentials: `WXBIZ_DEMO=1` mounts the routes whose variables are unset with the official
//! sample credentials (public: for trying it out, never in production) and says so on stderr.
//!
//! | variable | default | |
//! |---|---|---|
//! | `WXBIZ_TOKEN`, `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID` | none | the app at `/callback` |
//! | `WXBIZ_AGENT_ID` | unset: any | the app's agent id: `/callback` picks apps by `AgentID` |
//! | `WXBIZ_APP2_TOKEN`, `WXBIZ_APP2_AES_KEY`, `WXBIZ_APP2_AGENT_ID` | none | a second app of the same company on `/callback` (needs `WXBIZ_AGENT_ID`) |
//! | `WXBIZ_SUITE_ID`, `WXBIZ_SUITE_TOKEN`, `WXBIZ_SUITE_AES_KEY` | none | a third-party suite at `/suite/instruction` |
//! | `WXBIZ_PROVIDER_CORPID` | none | the provider's corpid: the suite's URL checks, and `/suite/data` |
//! | `WXBIZ_BOT_TOKEN`, `WXBIZ_BOT_AES_KEY` | none | the AI bot at `/aibot` (receive id empty) |
//! | `WXBIZ_MP_TOKEN`, `WXBIZ_MP_AES_KEY`, `WXBIZ_MP_APPID` | none | a 公众号 at `/mp` (safe or compatible mode) |
//! | `WXBIZ_MP_PLAIN_TOKEN` | none | a 公众号 at `/mp-plain` (plaintext mode) |
//! | `WXBIZ_DEMO` | unset | `1`: the official sample for the routes not configured |
//! | `BIND` | `127.0.0.1:3000` | printed as `listening on ADDR` once bound |
//! | `REDIS_URL` | unset: in memory | de-duplication, streams and the instruction inbox shared by every replica |
//! | `WXBIZ_REDIS_PREFIX` | `wxbiz` | starts every Redis key: one per service on a shared Redis |
//! | `WXBIZ_DEDUP` | `redis` with `REDIS_URL`, else `memory` | or `off`: every delivery processed (benchmarks) |
//! | `WXBIZ_HEADER_TIMEOUT_MS` | 5000 | to read a request's head; also closes idle connections |
//! | `WXBIZ_BODY_TIMEOUT_MS` | 5000 | to read a request's body (408 past it), before any permit |
//! | `WXBIZ_HANDLER_TIMEOUT_MS` | 4500 | for the handler, waiting for a permit included (503 past it, and WeCom retries) |
//! | `WXBIZ_MAX_CONCURRENT` | 512 | handlers running at once |
//! | `WXBIZ_MAX_CONNECTIONS` | 1024 | connections open at once (more wait in the listen backlog) |

mod aibot;
mod config;
mod log;
mod store;
mod suite;
mod wecom;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use wxbizmsgcrypt_callback::endpoint::{DEFAULT_MAX_BODY, Endpoint, Format, Service};
use wxbizmsgcrypt_callback::inbox::Inbox;

use crate::config::Config;
use crate::store::{Dedup, Stores};

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("axum-callback: {message}");
            return ExitCode::from(2);
        }
    };
    let stores = match Stores::from_env(
        std::env::var("REDIS_URL").ok(),
        std::env::var("WXBIZ_DEDUP").ok(),
        std::env::var("WXBIZ_REDIS_PREFIX").ok(),
    ) {
        Ok(stores) => stores,
        Err(message) => {
            eprintln!("axum-callback: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("axum-callback: no runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config, stores)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("axum-callback: {err}");
            ExitCode::FAILURE
        }
    }
}

fn millis(name: &str, default: u64) -> Duration {
    Duration::from_millis(std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

fn count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn serve(config: Config, stores: Stores) -> Result<(), Box<dyn std::error::Error>> {
    let handler_timeout = millis("WXBIZ_HANDLER_TIMEOUT_MS", 4_500);
    let refusal_log = Arc::new(log::RateLimited::new(Duration::from_secs(1), 20));
    let store_log = Arc::new(log::RateLimited::new(Duration::from_secs(10), 5));
    let logs = Logs { refusals: refusal_log, store_errors: Arc::clone(&store_log) };
    let mut app = Router::new();
    let mut mounted = Vec::new();
    if let Some(endpoint) = config.app {
        let wecom = service(endpoint, stores.dedup("callback"), handler_timeout, &logs);
        app = app.route("/callback", wxbizmsgcrypt_callback::axum::route(wecom, wecom::answer));
        mounted.push("/callback");
    }
    if let Some(crypt) = config.mp {
        let mp = service(Endpoint::wechat(crypt), stores.dedup("mp"), handler_timeout, &logs);
        app = app.route("/mp", wxbizmsgcrypt_callback::axum::route(mp, wecom::answer));
        mounted.push("/mp");
    }
    if let Some(token) = config.mp_plain {
        let endpoint = Endpoint::wechat_plaintext(&token)?;
        let plain = service(endpoint, stores.dedup("mp-plain"), handler_timeout, &logs);
        app = app.route("/mp-plain", wxbizmsgcrypt_callback::axum::route(plain, wecom::answer));
        mounted.push("/mp-plain");
    }
    if let Some(suite) = config.suite {
        let instructions = Endpoint::suite_instructions(&suite);
        let instructions = service(instructions, stores.dedup("suite"), handler_timeout, &logs);
        let inbox = Inbox::new(stores.inbox());
        let route =
            suite::instructions(instructions, inbox, suite.suite_id(), Arc::clone(&store_log));
        app = app.route("/suite/instruction", route);
        mounted.push("/suite/instruction");
        if suite.provider_corpid().is_some() {
            let data = service(
                Endpoint::suite_data(&suite),
                stores.dedup("suite-data"),
                handler_timeout,
                &logs,
            );
            app =
                app.route("/suite/data", wxbizmsgcrypt_callback::axum::route(data, wecom::answer));
            mounted.push("/suite/data");
        }
    }
    if let Some(crypt) = config.bot {
        let bot = service(Endpoint::aibot(crypt), stores.dedup("aibot"), handler_timeout, &logs);
        let streams = stores.streams("aibot");
        app = app.route("/aibot", aibot::route(bot, streams, Arc::clone(&store_log)));
        mounted.push("/aibot");
    }
    let body_timeout = millis("WXBIZ_BODY_TIMEOUT_MS", 5_000);
    // The last layer is the outermost. A request's body is read first, under its own deadline
    // and before anything else; then the handler's deadline starts, covering the wait for a
    // permit and the handler; then the permit is taken. A slow client holds a connection, never
    // a permit.
    let app = app
        .layer(GlobalConcurrencyLimitLayer::new(count("WXBIZ_MAX_CONCURRENT", 512)))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, handler_timeout))
        .layer(from_fn(move |request, next| read_body(body_timeout, request, next)));

    let listener = tokio::net::TcpListener::bind(
        std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned()),
    )
    .await?;
    eprintln!("serving {}", mounted.join(", "));
    // The end-to-end tests read this line to find the port when BIND ends in :0.
    println!("listening on {}", listener.local_addr()?);
    accept(
        listener,
        app,
        millis("WXBIZ_HEADER_TIMEOUT_MS", 5_000),
        count("WXBIZ_MAX_CONNECTIONS", 1024),
    )
    .await;
    Ok(())
}

/// Where a service's refusals and store errors are logged, each with its own budget: a flood
/// of bad requests must not hide that the store is down.
struct Logs {
    refusals: Arc<log::RateLimited>,
    store_errors: Arc<log::RateLimited>,
}

/// The service of one route: `endpoint` over `dedup`, its handler given `deadline`.
fn service<F: Format>(
    endpoint: Endpoint<F>,
    dedup: Dedup,
    deadline: Duration,
    logs: &Logs,
) -> Arc<Service<F, Dedup>> {
    let (refusals, store_errors) = (Arc::clone(&logs.refusals), Arc::clone(&logs.store_errors));
    Arc::new(
        Service::new(endpoint, dedup)
            .with_deadline(deadline)
            .on_refusal(move |err| refusals.refusal(err))
            .on_store_error(move |err| {
                store_errors.line(&format!("de-duplication: {err}; handling the callback anyway"))
            }),
    )
}

/// Reads the whole body within `deadline` (408 past it; 413 past the endpoint's 1 MiB), then
/// hands the request on with the body in memory.
async fn read_body(deadline: Duration, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > DEFAULT_MAX_BODY as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, DEFAULT_MAX_BODY)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        // Cut off, or longer than it said.
        Ok(Err(_)) => StatusCode::BAD_REQUEST.into_response(),
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// The accept loop, with what `axum::serve` (0.8) does not have: a timer, so that a connection
/// that sends no complete request head within `header_timeout` (at the start, or idle between
/// keep-alive requests) is closed; and a cap on open connections (the rest wait in the listen
/// backlog). HTTP/1.1 only, as WeCom and WeChat call.
async fn accept(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    max_connections: usize,
) {
    let connections = Arc::new(Semaphore::new(max_connections.max(1)));
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        let Ok(permit) = Arc::clone(&connections).acquire_owned().await else { return };
        let (socket, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors, say: wait a little rather than spin.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            _ = &mut shutdown => return,
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(socket), service)
                .await;
            drop(permit);
        });
    }
}
