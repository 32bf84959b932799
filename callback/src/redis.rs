//! The stores in Redis (feature `redis`), shared by every replica of a service: de-duplication
//! ([`RedisDedup`], a [`DedupStore`]) and the AI bot's streams ([`RedisStreams`], a
//! [`StreamStore`]).
//!
//! One [`Redis`] holds the connection: opened lazily (a service starts, and serves, while Redis
//! is down), reconnected by the `redis` crate's connection manager, and bounded in time: a
//! command that has no answer within the [timeout](Redis::with_timeout) (300 ms by default) is a
//! [`StoreError`], and the [`Service`](crate::endpoint::Service) then fails open as it
//! documents. Every key starts with the prefix the store was made with, so that two services
//! (or two bots) on one Redis never share a key.
//!
//! Runs on tokio: the commands need a tokio runtime with its timer (any `#[tokio::main]`,
//! axum, actix-web).
//!
//! | key | value | written by |
//! |---|---|---|
//! | `PREFIX:dedup:STOREKEY` | `p` and the claim token while in progress (`PX` the lease); `d` and the stored answer once done (`PX` the TTL) | one Lua script per operation: a claim is `GET` then `SET … PX` if absent; completing and releasing check the token first |
//! | `PREFIX:stream:ID` | the [`StreamState`] as JSON (`PX` [`STREAM_TTL`]) | `SET` |
//! | `PREFIX:inbox:suite:ID:ticket` (or `component:APPID:ticket`) | a hash: `version` (the ticket's time), `value` (`PX` until it expires) | a Lua script that keeps the newer |
//! | `PREFIX:lease:{NAME}` | a hash: `holder`, `token` (`PX` the lease's time, by Redis's clock) | Lua scripts: acquire if absent or the holder's, with the next token of `PREFIX:lease:{NAME}:fence` (`INCR`, kept); renew and release only with the holder's token |
//! | `PREFIX:inbox:suite:ID:tasks` (or `component:APPID:tasks`) | a list of tasks, at most [`MAX_QUEUED_TASKS`] (`PX` the longest task's time) | a Lua script (`LLEN`, `RPUSH`, `PEXPIRE`); `LPOP` takes one |
//!
//! ```no_run
//! use std::sync::Arc;
//! use wxbizmsgcrypt_callback::endpoint::{Endpoint, Service};
//! use wxbizmsgcrypt_callback::redis::Redis;
//! use wxbizmsgcrypt_callback::MsgCrypt;
//!
//! let redis = Redis::open("redis://127.0.0.1:6379/")?;
//! let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//! let service = Arc::new(Service::new(Endpoint::xml(crypt), redis.dedup("wecom-app")));
//! let streams = redis.streams("my-bot");
//! # let _ = (service, streams);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, SystemTime};

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::aibot::{STREAM_TTL, StreamState, StreamStore};
use crate::endpoint::{Claim, ClaimToken, DedupStore, StoreError, StoreKey};
use crate::inbox::InboxStore;
use crate::lease::{FencingToken, LeaseStore};

/// How long a command may take by default, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(300);

/// A lazily opened connection to one Redis, bounded in time, from which the stores are made.
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// let redis = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.with_timeout(Duration::from_millis(200));
/// assert_eq!(redis.timeout(), Duration::from_millis(200));
/// # let _ = redis;
/// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
/// ```
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    /// Made at the first command, inside the runtime (the `redis` crate's manager needs one).
    connection: Arc<OnceLock<ConnectionManager>>,
    timeout: Duration,
}

impl Redis {
    /// A connection to the Redis at `url` (`redis://[:password@]host:port/db`; TLS is not
    /// compiled in), opened at the first command: nothing is sent, and no runtime is needed,
    /// until then.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if `url` is not a Redis URL.
    ///
    /// # Example
    ///
    /// ```
    /// let redis = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?;
    /// assert!(wxbizmsgcrypt_callback::redis::Redis::open("http://example.com/").is_err());
    /// # let _ = redis;
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    pub fn open(url: &str) -> Result<Redis, StoreError> {
        Redis::open_with(url, DEFAULT_TIMEOUT)
    }

    fn open_with(url: &str, timeout: Duration) -> Result<Redis, StoreError> {
        let client = redis::Client::open(url).map_err(StoreError::new)?;
        Ok(Redis { client, connection: Arc::default(), timeout })
    }

    /// The connection manager, made at the first command (it connects lazily itself).
    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::new("the Redis stores run on tokio: there is no runtime here"));
        }
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let made = self.client.get_connection_manager_lazy(config).map_err(StoreError::new)?;
        Ok(self.connection.get_or_init(|| made).clone())
    }

    /// Sets how long a command may take, connecting included ([`DEFAULT_TIMEOUT`] by
    /// default).
    ///
    /// The stores made from it afterwards use it; call it before the first command.
    ///
    /// # Example
    ///
    /// See [`Redis`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let redis = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.with_timeout(Duration::from_secs(1));
    /// assert_eq!(redis.timeout(), Duration::from_secs(1));
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Redis {
        Redis { client: self.client, connection: Arc::default(), timeout }
    }

    /// How long a command may take.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::redis::{DEFAULT_TIMEOUT, Redis};
    /// assert_eq!(Redis::open("redis://127.0.0.1:6379/")?.timeout(), DEFAULT_TIMEOUT);
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The de-duplication store of one service, its keys under `prefix`.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    ///
    /// ```
    /// let dedup = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.dedup("wecom-app");
    /// # let _ = dedup;
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn dedup(&self, prefix: &str) -> RedisDedup {
        RedisDedup { redis: self.clone(), prefix: format!("{prefix}:dedup:").into() }
    }

    /// The stream store of one bot, its keys under `prefix`.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    ///
    /// ```
    /// let streams = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.streams("my-bot");
    /// # let _ = streams;
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn streams(&self, prefix: &str) -> RedisStreams {
        RedisStreams { redis: self.clone(), prefix: format!("{prefix}:stream:").into() }
    }

    /// The instruction inbox of one service, its keys under `prefix`: give two services (or
    /// two providers) on one Redis different prefixes; suites and components are kept apart
    /// within one inbox by their ids.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::inbox::Inbox;
    /// let inbox = Inbox::new(wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.inbox("provider"));
    /// # let _ = inbox;
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn inbox(&self, prefix: &str) -> RedisInbox {
        RedisInbox { redis: self.clone(), prefix: format!("{prefix}:inbox:").into() }
    }

    /// Leases (which replica holds the AI bot's long connection), their keys under `prefix`.
    ///
    /// # Example
    ///
    /// ```
    /// let leases = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.leases("my-service");
    /// # let _ = leases;
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn leases(&self, prefix: &str) -> RedisLease {
        RedisLease { redis: self.clone(), prefix: format!("{prefix}:lease:").into() }
    }

    /// Runs `command` within the timeout.
    async fn bounded<T>(
        &self,
        command: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StoreError::new(error)),
            Err(_) => Err(StoreError::new(format!(
                "redis did not answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password.
        f.debug_struct("Redis").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

/// `GET`, and if there is nothing, `SET … PX lease`: the value found, or nil once claimed.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local v = redis.call('GET', KEYS[1])
         if v then return v end
         redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
         return false",
    )
});

/// The answer, if the key is still this claim's or gone; 1 if it was set.
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local v = redis.call('GET', KEYS[1])
         if (not v) or v == ARGV[1] then
           redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
           return 1
         end
         return 0",
    )
});

/// `DEL` if the key is still this claim's.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
         return 0",
    )
});

/// De-duplication in Redis: see the [module docs](self) for the keys and scripts.
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, Service}, redis::Redis};
/// let dedup = Redis::open("redis://127.0.0.1:6379/")?.dedup("wecom-app");
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let service = Service::new(Endpoint::xml(crypt), dedup);
/// # let _ = service;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RedisDedup {
    redis: Redis,
    prefix: Arc<str>,
}

impl RedisDedup {
    fn key(&self, key: &StoreKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }
}

/// The value of a claim in progress.
fn in_progress(token: &ClaimToken) -> Vec<u8> {
    [b"p".as_slice(), token.as_str().as_bytes()].concat()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl DedupStore for RedisDedup {
    async fn claim(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        lease: Duration,
        _now: SystemTime,
    ) -> Result<Claim, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = CLAIM.key(self.key(key));
        invocation.arg(in_progress(token)).arg(millis(lease));
        let found: Option<Vec<u8>> =
            self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        match found.as_deref() {
            None => Ok(Claim::Claimed),
            Some([b'p', ..]) => Ok(Claim::InProgress),
            Some([b'd', answer @ ..]) => Ok(Claim::Done(answer.to_vec())),
            Some(_) => {
                Err(StoreError::new("a de-duplication key holds what this crate never writes"))
            }
        }
    }

    async fn complete(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        answer: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = COMPLETE.key(self.key(key));
        invocation.arg(in_progress(token)).arg([b"d".as_slice(), answer].concat()).arg(millis(ttl));
        let _set: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(())
    }

    async fn release(&self, key: &StoreKey, token: &ClaimToken) -> Result<(), StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = RELEASE.key(self.key(key));
        invocation.arg(in_progress(token));
        let _deleted: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(())
    }

    /// Releases the claim in a task on the current tokio runtime (none: the lease expires it).
    fn abandon(&self, key: &StoreKey, token: &ClaimToken) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (store, key, token) = (self.clone(), key.clone(), token.clone());
        runtime.spawn(async move {
            // A failure here leaves the claim to its lease: nothing more to do.
            let _ = store.release(&key, &token).await;
        });
    }
}

/// The AI bot's streams in Redis: see the [module docs](self) for the keys.
///
/// # Example
///
/// ```
/// let streams = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.streams("my-bot");
/// # let _ = streams;
/// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RedisStreams {
    redis: Redis,
    prefix: Arc<str>,
}

impl StreamStore for RedisStreams {
    async fn load(&self, id: &str, _now: SystemTime) -> Result<Option<StreamState>, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut command = redis::cmd("GET");
        command.arg(format!("{}{id}", self.prefix));
        let found: Option<Vec<u8>> =
            self.redis.bounded(command.query_async(&mut connection)).await?;
        // Read back within the stream's limits (`StreamState`'s `Deserialize`).
        found.map(|json| serde_json::from_slice(&json).map_err(StoreError::new)).transpose()
    }

    async fn save(&self, stream: &StreamState, _now: SystemTime) -> Result<(), StoreError> {
        let json = serde_json::to_vec(stream).map_err(StoreError::new)?;
        let mut connection = self.redis.connection()?;
        let mut command = redis::cmd("SET");
        command
            .arg(format!("{}{}", self.prefix, stream.id()))
            .arg(json)
            .arg("PX")
            .arg(millis(STREAM_TTL));
        let _ok: String = self.redis.bounded(command.query_async(&mut connection)).await?;
        Ok(())
    }
}

/// The most tasks one scope's queue in Redis holds: a push past it is refused (and the
/// instruction answered 503, for Tencent to send again) rather than an old task dropped.
pub const MAX_QUEUED_TASKS: usize = 10_000;

/// The longest an inbox key is kept (so that `PEXPIRE` never fails halfway through a
/// script: Redis does not roll a failed script back).
const MAX_INBOX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Keeps `ARGV[2]` unless the kept version is greater: 1 if kept.
static PUT_LATEST: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local v = redis.call('HGET', KEYS[1], 'version')
         if v and tonumber(v) > tonumber(ARGV[1]) then return 0 end
         redis.call('DEL', KEYS[1])
         redis.call('HSET', KEYS[1], 'version', ARGV[1], 'value', ARGV[2])
         redis.call('PEXPIRE', KEYS[1], ARGV[3])
         return 1",
    )
});

/// Appends `ARGV[1]` unless the list holds `ARGV[3]` entries; keeps the list at least
/// `ARGV[2]` ms. 1 if appended.
static PUSH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
         redis.call('RPUSH', KEYS[1], ARGV[1])
         if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
           redis.call('PEXPIRE', KEYS[1], ARGV[2])
         end
         return 1",
    )
});

/// The instruction inbox in Redis: see the [module docs](self) for the keys.
///
/// # Example
///
/// See [`Redis::inbox`].
///
/// ```
/// let store = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.inbox("provider");
/// # let _ = store;
/// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RedisInbox {
    redis: Redis,
    prefix: Arc<str>,
}

impl InboxStore for RedisInbox {
    async fn put_latest(
        &self,
        key: &str,
        version: u64,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = PUT_LATEST.key(format!("{}{key}", self.prefix));
        invocation.arg(version).arg(value).arg(millis(ttl.min(MAX_INBOX_TTL)));
        let kept: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(kept == 1)
    }

    async fn latest(&self, key: &str, _now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut command = redis::cmd("HGET");
        command.arg(format!("{}{key}", self.prefix)).arg("value");
        self.redis.bounded(command.query_async(&mut connection)).await
    }

    async fn push(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = PUSH.key(format!("{}{key}", self.prefix));
        invocation.arg(value).arg(millis(ttl.min(MAX_INBOX_TTL))).arg(MAX_QUEUED_TASKS);
        let pushed: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        if pushed == 1 { Ok(()) } else { Err(StoreError::new("the inbox's task queue is full")) }
    }

    async fn take(&self, key: &str, _now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut command = redis::cmd("LPOP");
        command.arg(format!("{}{key}", self.prefix));
        self.redis.bounded(command.query_async(&mut connection)).await
    }
}

/// Takes the lease if it is free or `ARGV[1]`'s: the new fencing token, or nil.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local h = redis.call('HGET', KEYS[1], 'holder')
         if h and h ~= ARGV[1] then return false end
         local t = redis.call('INCR', KEYS[2])
         redis.call('DEL', KEYS[1])
         redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', t)
         redis.call('PEXPIRE', KEYS[1], ARGV[2])
         return t",
    )
});

/// Extends the lease if it is `ARGV[1]`'s with token `ARGV[2]`: 1 if so.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('HGET', KEYS[1], 'holder') == ARGV[1]
             and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
           redis.call('PEXPIRE', KEYS[1], ARGV[3])
           return 1
         end
         return 0",
    )
});

/// Deletes the lease if it is `ARGV[1]`'s with token `ARGV[2]`.
static RELEASE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('HGET', KEYS[1], 'holder') == ARGV[1]
             and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
           return redis.call('DEL', KEYS[1])
         end
         return 0",
    )
});

/// Leases in Redis: see the [module docs](self) for the keys. Their time is Redis's clock.
///
/// # Example
///
/// See [`Redis::leases`].
///
/// ```
/// let leases = wxbizmsgcrypt_callback::redis::Redis::open("redis://127.0.0.1:6379/")?.leases("svc");
/// # let _ = leases;
/// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RedisLease {
    redis: Redis,
    prefix: Arc<str>,
}

/// The longest lease taken (so that `PEXPIRE` never fails halfway through a script).
const MAX_LEASE: Duration = Duration::from_secs(24 * 60 * 60);

impl RedisLease {
    /// The lease's key: its name in a hash tag, so that it and its fence counter stay on one
    /// node of a Redis Cluster.
    fn key(&self, name: &str) -> String {
        format!("{}{{{name}}}", self.prefix)
    }
}

impl LeaseStore for RedisLease {
    async fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<Option<FencingToken>, StoreError> {
        let mut connection = self.redis.connection()?;
        let key = self.key(name);
        let mut invocation = ACQUIRE.key(&key);
        invocation.key(format!("{key}:fence")).arg(holder).arg(millis(ttl.min(MAX_LEASE)));
        self.redis.bounded(invocation.invoke_async(&mut connection)).await
    }

    async fn renew(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = RENEW.key(self.key(name));
        invocation.arg(holder).arg(token).arg(millis(ttl.min(MAX_LEASE)));
        let renewed: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(renewed == 1)
    }

    async fn release(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
    ) -> Result<(), StoreError> {
        let mut connection = self.redis.connection()?;
        let mut invocation = RELEASE_LEASE.key(self.key(name));
        invocation.arg(holder).arg(token);
        let _deleted: i64 = self.redis.bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(())
    }
}
