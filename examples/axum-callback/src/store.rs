//! Where de-duplication keys, the bot's streams and the suite's instruction inbox live: in
//! memory for one process, in Redis (the crate's `redis` feature) for several replicas.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use wxbizmsgcrypt_callback::aibot::{MemoryStreams, StreamState, StreamStore};
use wxbizmsgcrypt_callback::endpoint::{
    Claim, ClaimToken, DedupStore, MemoryDedup, NoDedup, StoreError, StoreKey,
};
use wxbizmsgcrypt_callback::inbox::{InboxStore, MemoryInbox};
use wxbizmsgcrypt_callback::redis::{Redis, RedisDedup, RedisInbox, RedisStreams};

/// What the stores are made from, chosen at start-up.
pub struct Stores {
    mode: Mode,
    redis: Option<Redis>,
    prefix: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Memory,
    Redis,
}

impl Stores {
    /// `mode` (`WXBIZ_DEDUP`) `off`, `memory` or `redis`; by default Redis when `redis_url`
    /// (`REDIS_URL`) is set, else in memory. `prefix` (`WXBIZ_REDIS_PREFIX`) starts every key.
    pub fn from_env(
        redis_url: Option<String>,
        mode: Option<String>,
        prefix: Option<String>,
    ) -> Result<Stores, String> {
        let mode = match (mode.as_deref(), &redis_url) {
            (Some("off"), _) => Mode::Off,
            (Some("memory"), _) | (None, None) => Mode::Memory,
            (Some("redis") | None, Some(_)) => Mode::Redis,
            (Some("redis"), None) => return Err("WXBIZ_DEDUP=redis needs REDIS_URL".into()),
            (Some(other), _) => return Err(format!("WXBIZ_DEDUP={other}: off, memory or redis")),
        };
        let redis = match redis_url {
            Some(url) => Some(Redis::open(&url).map_err(|e| format!("REDIS_URL: {e}"))?),
            None => None,
        };
        Ok(Stores { mode, redis, prefix: prefix.unwrap_or_else(|| "wxbiz".to_owned()) })
    }

    /// The de-duplication store of the route `name`.
    pub fn dedup(&self, name: &str) -> Dedup {
        match (self.mode, &self.redis) {
            (Mode::Off, _) => Dedup::Off,
            (Mode::Redis, Some(redis)) => {
                Dedup::Redis(redis.dedup(&format!("{}:{name}", self.prefix)))
            }
            // 64 MiB: some 100,000 callbacks with their answers.
            _ => Dedup::Memory(Arc::new(MemoryDedup::new(64 << 20))),
        }
    }

    /// The stream store of the bot at `name`: in Redis whenever there is one (a poll may reach
    /// any replica), else in memory.
    pub fn streams(&self, name: &str) -> Streams {
        match &self.redis {
            Some(redis) => Streams::Redis(redis.streams(&format!("{}:{name}", self.prefix))),
            // 16 MiB: some 700 streams of the longest content, far more of the usual.
            None => Streams::Memory(Arc::new(MemoryStreams::new(16 << 20))),
        }
    }
}

impl Stores {
    /// The instruction inbox: in Redis whenever there is one (every replica records into, and
    /// takes tasks from, the same), else in memory.
    pub fn inbox(&self) -> Inboxes {
        match &self.redis {
            Some(redis) => Inboxes::Redis(redis.inbox(&self.prefix)),
            // Tickets and tasks of a few suites: a few hundred entries at most.
            None => Inboxes::Memory(Arc::new(MemoryInbox::new(10_000))),
        }
    }
}

/// One route's de-duplication store.
#[derive(Clone)]
pub enum Dedup {
    Off,
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
            Dedup::Off => NoDedup.claim(key, token, lease, now).await,
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
            Dedup::Off => NoDedup.complete(key, token, answer, ttl, now).await,
            Dedup::Memory(store) => store.complete(key, token, answer, ttl, now).await,
            Dedup::Redis(store) => store.complete(key, token, answer, ttl, now).await,
        }
    }

    async fn release(&self, key: &StoreKey, token: &ClaimToken) -> Result<(), StoreError> {
        match self {
            Dedup::Off => NoDedup.release(key, token).await,
            Dedup::Memory(store) => store.release(key, token).await,
            Dedup::Redis(store) => store.release(key, token).await,
        }
    }

    fn abandon(&self, key: &StoreKey, token: &ClaimToken) {
        match self {
            Dedup::Off => NoDedup.abandon(key, token),
            Dedup::Memory(store) => store.abandon(key, token),
            Dedup::Redis(store) => store.abandon(key, token),
        }
    }
}

/// The bot's stream store.
#[derive(Clone)]
pub enum Streams {
    Memory(Arc<MemoryStreams>),
    Redis(RedisStreams),
}

impl StreamStore for Streams {
    async fn load(&self, id: &str, now: SystemTime) -> Result<Option<StreamState>, StoreError> {
        match self {
            Streams::Memory(store) => store.load(id, now).await,
            Streams::Redis(store) => store.load(id, now).await,
        }
    }

    async fn save(&self, stream: &StreamState, now: SystemTime) -> Result<(), StoreError> {
        match self {
            Streams::Memory(store) => store.save(stream, now).await,
            Streams::Redis(store) => store.save(stream, now).await,
        }
    }
}

/// The instruction inbox's store.
#[derive(Clone)]
pub enum Inboxes {
    Memory(Arc<MemoryInbox>),
    Redis(RedisInbox),
}

impl InboxStore for Inboxes {
    async fn put_latest(
        &self,
        key: &str,
        version: u64,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        match self {
            Inboxes::Memory(store) => store.put_latest(key, version, value, ttl, now).await,
            Inboxes::Redis(store) => store.put_latest(key, version, value, ttl, now).await,
        }
    }

    async fn latest(&self, key: &str, now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Inboxes::Memory(store) => store.latest(key, now).await,
            Inboxes::Redis(store) => store.latest(key, now).await,
        }
    }

    async fn push(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        match self {
            Inboxes::Memory(store) => store.push(key, value, ttl, now).await,
            Inboxes::Redis(store) => store.push(key, value, ttl, now).await,
        }
    }

    async fn take(&self, key: &str, now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Inboxes::Memory(store) => store.take(key, now).await,
            Inboxes::Redis(store) => store.take(key, now).await,
        }
    }
}
