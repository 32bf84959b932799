//! Where de-duplication keys live: in memory for one process, in Redis for several replicas.

use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use wxbizmsgcrypt::endpoint::{DedupStore, MemoryDedup, NoDedup, StoreError};
use wxbizmsgcrypt::message::DedupKey;

/// The store chosen at start-up.
#[derive(Clone)]
pub enum Dedup {
    Off,
    Memory(std::sync::Arc<MemoryDedup>),
    Redis(Redis),
}

impl Dedup {
    /// `mode` (`WXBIZ_DEDUP`) `off`, `memory` or `redis`; by default Redis when `redis_url`
    /// (`REDIS_URL`) is set, else in memory.
    pub async fn from_env(
        redis_url: Option<String>,
        mode: Option<String>,
    ) -> Result<Dedup, Box<dyn std::error::Error>> {
        let memory = || Dedup::Memory(std::sync::Arc::new(MemoryDedup::new(1_000_000)));
        Ok(match (mode.as_deref(), redis_url) {
            (Some("off"), _) => Dedup::Off,
            (Some("memory"), _) => memory(),
            (Some("redis") | None, Some(url)) => Dedup::Redis(Redis::connect(&url)?),
            (Some("redis"), None) => return Err("WXBIZ_DEDUP=redis needs REDIS_URL".into()),
            (None, None) => memory(),
            (Some(other), _) => {
                return Err(format!("WXBIZ_DEDUP={other}: off, memory or redis").into());
            }
        })
    }
}

impl DedupStore for Dedup {
    async fn first_time(
        &self,
        key: &DedupKey,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        match self {
            Dedup::Off => NoDedup.first_time(key, ttl, now).await,
            Dedup::Memory(store) => store.first_time(key, ttl, now).await,
            Dedup::Redis(store) => store.first_time(key, ttl, now).await,
        }
    }

    async fn forget(&self, key: &DedupKey) -> Result<(), StoreError> {
        match self {
            Dedup::Off => NoDedup.forget(key).await,
            Dedup::Memory(store) => store.forget(key).await,
            Dedup::Redis(store) => store.forget(key).await,
        }
    }
}

/// Keys in Redis, shared by every replica: `SET wxbizmsgcrypt:<key> 1 NX EX <ttl>`, atomic, so
/// that of two replicas receiving the same retry at once exactly one handles it.
///
/// Bounded in time: a Redis that does not answer within 300 ms is an error, and the service
/// then handles the callback anyway (fail open: processing a retry twice is better than
/// losing a message WeCom will not send again).
#[derive(Clone)]
pub struct Redis {
    connection: ConnectionManager,
}

impl Redis {
    /// Connects lazily: the service starts, and serves, while Redis is down.
    pub fn connect(url: &str) -> Result<Redis, redis::RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(300)))
            .set_response_timeout(Some(Duration::from_millis(300)))
            .set_number_of_retries(1);
        let connection = redis::Client::open(url)?.get_connection_manager_lazy(config)?;
        Ok(Redis { connection })
    }
}

impl DedupStore for Redis {
    async fn first_time(
        &self,
        key: &DedupKey,
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let mut command = redis::cmd("SET");
        command
            .arg(format!("wxbizmsgcrypt:{key}"))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1));
        let set = command.query_async::<Option<String>>(&mut connection);
        // Belt and braces: bounded whatever the client does.
        match tokio::time::timeout(Duration::from_millis(500), set).await {
            Ok(Ok(reply)) => Ok(reply.is_some()),
            Ok(Err(err)) => Err(StoreError::new(err)),
            Err(_) => Err(StoreError::new("redis did not answer within 500 ms")),
        }
    }

    async fn forget(&self, key: &DedupKey) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let mut command = redis::cmd("DEL");
        command.arg(format!("wxbizmsgcrypt:{key}"));
        let del = command.query_async::<i64>(&mut connection);
        match tokio::time::timeout(Duration::from_millis(500), del).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(StoreError::new(err)),
            Err(_) => Err(StoreError::new("redis did not answer within 500 ms")),
        }
    }
}
