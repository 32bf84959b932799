//! A WeCom/WeChat callback service on axum 0.8, built on `wxbizmsgcrypt`'s endpoint and its
//! `axum` adapter:
//!
//! - `/callback`: WeCom (or 公众号) XML callbacks (`wecom.rs`): text echoed, a welcome on
//!   `subscribe`/`enter_agent`, menu clicks named, `create_auth` acknowledged at once with its
//!   work done in the background, everything else (unknown kinds included) acknowledged;
//! - `/aibot`: the WeCom AI bot's JSON callbacks (`aibot.rs`): a streamed echo.
//!
//! Hardened for the open internet: refusals that all look alike after the signature (the
//! adapter's), freshness and retry de-duplication (in memory, or in Redis across replicas),
//! header-read, idle and request timeouts, a concurrency limit, the 1 MiB body limit, and
//! refusals logged rate-limited with their detail and hint.
//!
//! ```text
//! cargo run --manifest-path examples/axum-callback/Cargo.toml
//! ```
//!
//! Configuration from the environment, each with a default (the official WeCom sample
//! credentials, so the official GET vector works out of the box):
//!
//! | variable | default | |
//! |---|---|---|
//! | `WXBIZ_TOKEN`, `WXBIZ_AES_KEY`, `WXBIZ_RECEIVE_ID` | the official sample | the app at `/callback` |
//! | `WXBIZ_BOT_TOKEN`, `WXBIZ_BOT_AES_KEY` | the official sample | the AI bot at `/aibot` (receive id empty) |
//! | `BIND` | `127.0.0.1:3000` | printed as `listening on ADDR` once bound |
//! | `REDIS_URL` | unset: in memory | de-duplication shared by every replica |
//! | `WXBIZ_DEDUP` | `redis` with `REDIS_URL`, else `memory` | or `off`: every delivery processed (benchmarks) |
//! | `WXBIZ_HEADER_TIMEOUT_MS` | 5000 | to read a request's head; also closes idle connections |
//! | `WXBIZ_REQUEST_TIMEOUT_MS` | 10000 | for the whole request, body included (408 past it) |
//! | `WXBIZ_MAX_CONCURRENT` | 512 | requests handled at once |

mod aibot;
mod log;
mod store;
mod wecom;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use wxbizmsgcrypt::MsgCrypt;
use wxbizmsgcrypt::endpoint::{Endpoint, Service};

use crate::store::Dedup;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let millis = |name: &str, default: u64| {
        Duration::from_millis(
            std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default),
        )
    };
    // The official WeCom sample (developer.work.weixin.qq.com, 加解密方案说明).
    let app_crypt = MsgCrypt::new(
        &env("WXBIZ_TOKEN", "QDG6eK"),
        &env("WXBIZ_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        &env("WXBIZ_RECEIVE_ID", "wx5823bf96d3bd56c7"),
    )
    .map_err(|e| format!("bad WXBIZ_* configuration: {e} ({})", e.code()))?;
    // The AI bot has credentials of its own, and an empty receive id.
    let bot_crypt = MsgCrypt::new(
        &env("WXBIZ_BOT_TOKEN", "QDG6eK"),
        &env("WXBIZ_BOT_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"),
        "",
    )
    .map_err(|e| format!("bad WXBIZ_BOT_* configuration: {e} ({})", e.code()))?;

    let dedup =
        Dedup::from_env(std::env::var("REDIS_URL").ok(), std::env::var("WXBIZ_DEDUP").ok()).await?;
    // Two budgets: a flood of bad requests must not hide that the store is down.
    let refusal_log = Arc::new(log::RateLimited::new(Duration::from_secs(1), 20));
    let store_log = Arc::new(log::RateLimited::new(Duration::from_secs(10), 5));
    let service = |endpoint: Endpoint| {
        let (refusals, store_errors) = (Arc::clone(&refusal_log), Arc::clone(&store_log));
        Arc::new(
            Service::new(endpoint, dedup.clone())
                .on_refusal(move |err| refusals.refusal(err))
                .on_store_error(move |err| {
                    store_errors
                        .line(&format!("de-duplication: {err}; handling the callback anyway"))
                }),
        )
    };
    let app = Router::new()
        .route(
            "/callback",
            wxbizmsgcrypt::axum::route(service(Endpoint::xml(app_crypt)), wecom::answer),
        )
        .route("/aibot", aibot::route(service(Endpoint::aibot(bot_crypt))))
        // The last layer is the outermost: the timeout covers the wait for a permit, the body and
        // the handler. (A permit is held while the body is read: slow bodies can occupy at most
        // WXBIZ_MAX_CONCURRENT permits for WXBIZ_REQUEST_TIMEOUT_MS each.)
        .layer(GlobalConcurrencyLimitLayer::new(
            std::env::var("WXBIZ_MAX_CONCURRENT").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            millis("WXBIZ_REQUEST_TIMEOUT_MS", 10_000),
        ));

    let listener = tokio::net::TcpListener::bind(env("BIND", "127.0.0.1:3000")).await?;
    // The end-to-end tests read this line to find the port when BIND ends in :0.
    println!("listening on {}", listener.local_addr()?);
    serve(listener, app, millis("WXBIZ_HEADER_TIMEOUT_MS", 5_000)).await;
    Ok(())
}

/// The accept loop, with what `axum::serve` (0.8) does not have: a timer, so that a connection
/// that sends no complete request head within `header_timeout` (at the start, or idle between
/// keep-alive requests) is closed. HTTP/1.1 only, as WeCom and WeChat call.
async fn serve(listener: tokio::net::TcpListener, app: Router, header_timeout: Duration) {
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
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
        });
    }
}
