//! The WeCom AI bot (智能机器人) over its long connection: no public URL, one WebSocket to
//! WeCom, on `wxbizmsgcrypt-callback`'s sans-I/O `aibot::ws::Connection` and its tokio driver.
//!
//! - a text message: a stream whose final content is exactly `你说：` and the text, refreshed
//!   as it grows;
//! - `enter_chat`: a welcome text;
//! - an image or a file: downloaded, decrypted with its own `aeskey`, answered with a stream
//!   finishing with exactly `收到 N 字节，sha256 HEX`;
//! - a `msgid` already handled (WeCom redelivers): no second answer;
//! - a proactive message any replica queued in the outbox: sent by the holder (in Redis, key
//!   `aibot-longconn:BOTID:inbox:aibot:BOTID:outbox`, entries
//!   `{"chatid", "chat_type", "markdown"}`).
//!
//! WeCom allows one connection per bot, and a second kicks the first: several replicas elect
//! one holder by a lease (in Redis with `REDIS_URL`), the others standing by and taking over
//! within the lease's time when the holder dies. After `disconnected_event` the holder
//! re-subscribes once if its lease is still its own, and otherwise (or if kicked again) stays
//! down and says so: never a reconnect loop.
//!
//! | variable | default | |
//! |---|---|---|
//! | `WECOM_AIBOT_BOT_ID`, `WECOM_AIBOT_SECRET` | required | the bot's long-connection credentials (exit 2 without them) |
//! | `WECOM_AIBOT_WS_URL` | `wss://openws.work.weixin.qq.com` | `ws://` for a test server |
//! | `WECOM_AIBOT_HEARTBEAT_MS` | 30000 | the ping period |
//! | `WECOM_AIBOT_LEASE_MS` | 15000 | the lease's time: a standby takes over within it |
//! | `REDIS_URL` | unset: in memory (one replica) | the lease and de-duplication, shared by replicas |

mod bot;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use wxbizmsgcrypt_callback::aibot::ws::{Credentials, OFFICIAL_URL, Outbox};
use wxbizmsgcrypt_callback::endpoint::{DedupStore, MemoryDedup};
use wxbizmsgcrypt_callback::inbox::{InboxStore, MemoryInbox};
use wxbizmsgcrypt_callback::lease::{LeaseStore, MemoryLease};
use wxbizmsgcrypt_callback::redis::Redis;

/// What the bot runs with, from the environment.
pub struct Settings {
    pub credentials: Credentials,
    pub url: String,
    pub heartbeat: Duration,
    pub lease: Duration,
    /// This replica's name in the lease.
    pub holder: String,
    /// The secret the de-duplication keys are made with: derived from the bot's Secret, so
    /// that whoever reads the store (or knows the public BotID) cannot test a guessed `msgid`
    /// against its keys.
    pub dedup_secret: [u8; 32],
}

fn main() -> ExitCode {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("aibot-longconn: {message}");
            return ExitCode::from(2);
        }
    };
    // reqwest's TLS (downloads) takes the process's rustls provider: ring, as the driver's.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("aibot-longconn: no runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match std::env::var("REDIS_URL").ok().filter(|url| !url.is_empty()) {
            Some(url) => {
                let redis = Redis::open(&url).map_err(|e| format!("REDIS_URL: {e}"))?;
                let prefix = format!("aibot-longconn:{}", settings.credentials.bot_id());
                let outbox = Outbox::new(redis.inbox(&prefix), settings.credentials.bot_id());
                let stores = (Arc::new(redis.leases(&prefix)), Arc::new(redis.dedup(&prefix)));
                serve(settings, stores, Arc::new(outbox)).await
            }
            None => {
                let outbox = Outbox::new(MemoryInbox::new(10_000), settings.credentials.bot_id());
                let stores = (Arc::new(MemoryLease::new()), Arc::new(MemoryDedup::new(16 << 20)));
                serve(settings, stores, Arc::new(outbox)).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("aibot-longconn: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings() -> Result<Settings, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let (bot_id, secret) = match (var("WECOM_AIBOT_BOT_ID"), var("WECOM_AIBOT_SECRET")) {
        (Some(bot_id), Some(secret)) => (bot_id, secret),
        _ => return Err(
            "set WECOM_AIBOT_BOT_ID and WECOM_AIBOT_SECRET (the bot's long-connection credentials)"
                .into(),
        ),
    };
    let millis = |name: &str, default: u64| -> Result<Duration, String> {
        match var(name) {
            None => Ok(Duration::from_millis(default)),
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis)
                .ok_or_else(|| format!("{name}={value}: a number of milliseconds")),
        }
    };
    let credentials = Credentials::new(&bot_id, &secret).map_err(|e| e.to_string())?;
    let dedup_secret: [u8; 32] = Sha256::new()
        .chain_update(b"aibot-longconn msgid\0")
        .chain_update(bot_id.as_bytes())
        .chain_update(b"\0")
        .chain_update(secret.as_bytes())
        .finalize()
        .into();
    let holder = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    );
    Ok(Settings {
        credentials,
        url: var("WECOM_AIBOT_WS_URL").unwrap_or_else(|| OFFICIAL_URL.to_owned()),
        heartbeat: millis("WECOM_AIBOT_HEARTBEAT_MS", 30_000)?,
        lease: lease(millis("WECOM_AIBOT_LEASE_MS", 15_000)?)?,
        holder,
        dedup_secret,
    })
}

/// A lease long enough to be renewed through a slow store: at least a second (the Redis
/// store's commands time out after 300 ms; renewals go every third of the lease).
fn lease(lease: Duration) -> Result<Duration, String> {
    if lease < Duration::from_secs(1) {
        return Err(format!("WECOM_AIBOT_LEASE_MS={}: at least 1000", lease.as_millis()));
    }
    Ok(lease.min(Duration::from_secs(24 * 60 * 60)))
}

/// A random number from the standard library's per-process hasher keys: the connection's salt
/// and the jitter after a kick (not the process id, which is 1 in every container).
pub fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// Stands by until this replica holds the lease, then holds the connection while it does.
async fn serve<L, D, O>(
    settings: Settings,
    (leases, dedup): (Arc<L>, Arc<D>),
    outbox: Arc<Outbox<O>>,
) -> Result<(), String>
where
    L: LeaseStore + 'static,
    D: DedupStore + 'static,
    O: InboxStore + 'static,
{
    let name = "connection";
    let settings = Arc::new(settings);
    eprintln!("replica {}: standing by for the bot's lease", settings.holder);
    loop {
        match leases.acquire(name, &settings.holder, settings.lease, SystemTime::now()).await {
            Ok(Some(token)) => {
                eprintln!("replica {}: holds the lease (token {token})", settings.holder);
                match bot::hold(
                    Arc::clone(&settings),
                    Arc::clone(&leases),
                    name,
                    token,
                    Arc::clone(&dedup),
                    Arc::clone(&outbox),
                )
                .await
                {
                    bot::Ended::LeaseLost => {
                        eprintln!("replica {}: lost the lease, standing by", settings.holder);
                    }
                    bot::Ended::Stopped(reason) => return Err(format!("stopped: {reason}")),
                    bot::Ended::DriverFailed(why) => {
                        let _ = leases.release(name, &settings.holder, token).await;
                        return Err(format!("the connection's task failed: {why}"));
                    }
                }
            }
            Ok(None) => {}
            Err(err) => eprintln!("replica {}: lease: {err}", settings.holder),
        }
        // A standby asks often, so that it takes over soon after the lease runs out.
        tokio::time::sleep((settings.lease / 3).min(Duration::from_secs(1))).await;
    }
}
