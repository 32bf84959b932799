//! De-duplication stores: remember which callbacks were handed to the application.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, ready};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::message::DedupKey;

/// A store of de-duplication keys, shared by every request (and, behind a shared store such
/// as Redis, by every replica).
///
/// Two operations. [`first_time`](DedupStore::first_time), atomic: record `key` for `ttl` and
/// say whether it is new (Redis: `SET key 1 NX EX ttl`); the [`Service`](super::Service) hands
/// a callback to the application only when its key is new, and acknowledges the others.
/// [`forget`](DedupStore::forget): drop a key again (Redis: `DEL key`), when the application
/// answered that it could not handle the callback ([`Callback::retry_later`](super::Callback::retry_later)),
/// so that WeCom's retry is handed on instead of acknowledged.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt::endpoint::{DedupStore, StoreError};
/// use wxbizmsgcrypt::message::DedupKey;
///
/// /// A store that refuses nothing (what `NoDedup` does).
/// struct Forgetful;
///
/// impl DedupStore for Forgetful {
///     async fn first_time(&self, _key: &DedupKey, _ttl: Duration, _now: SystemTime) -> Result<bool, StoreError> {
///         Ok(true)
///     }
///     async fn forget(&self, _key: &DedupKey) -> Result<(), StoreError> {
///         Ok(())
///     }
/// }
/// ```
pub trait DedupStore: Send + Sync {
    /// Records `key` until `now + ttl`; `true` if it was not recorded (or had expired).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached or answered otherwise. The
    /// [`Service`](super::Service) then hands the callback on all the same (fail open: a
    /// callback processed twice is better than one lost, since WeCom gives up after three
    /// retries) and reports the error to its hook.
    fn first_time(
        &self,
        key: &DedupKey,
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Drops `key`, so that its next delivery is new again.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached; the [`Service`](super::Service)
    /// reports it to its hook (the key then expires with its `ttl`).
    fn forget(&self, key: &DedupKey) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A store's failure, with its cause.
///
/// # Example
///
/// ```
/// let err = wxbizmsgcrypt::endpoint::StoreError::new("connection refused");
/// assert_eq!(err.to_string(), "de-duplication store failed: connection refused");
/// ```
#[derive(Debug)]
pub struct StoreError {
    source: Box<dyn StdError + Send + Sync>,
}

impl StoreError {
    /// A failure caused by `source` (the store client's error, or a message).
    ///
    /// # Example
    ///
    /// ```
    /// use std::error::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
    /// let err = wxbizmsgcrypt::endpoint::StoreError::new(io);
    /// assert!(err.source().is_some());
    /// ```
    #[must_use]
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> StoreError {
        StoreError { source: source.into() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "de-duplication store failed: {}", self.source)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// No de-duplication: every callback is new. For benchmarks, and for applications that make
/// their own handling idempotent.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt::endpoint::{DedupStore, NoDedup};
/// # use wxbizmsgcrypt::message::Message;
/// # let key = Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key();
/// # let now = SystemTime::now();
/// # let first = async { NoDedup.first_time(&key, Duration::from_secs(60), now).await };
/// # let _ = first;
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedup;

impl DedupStore for NoDedup {
    fn first_time(
        &self,
        _key: &DedupKey,
        _ttl: Duration,
        _now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        ready(Ok(true))
    }

    fn forget(&self, _key: &DedupKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(Ok(()))
    }
}

/// An in-memory store, for one process: bounded in entries and in time, sharded so that
/// requests do not wait on one lock, and driven by the `now` it is given (no clock of its
/// own).
///
/// Entries expire after their `ttl`; when a shard is full, its oldest entries go first (a
/// callback whose key went early would be handed on again if retried: size `capacity` for at
/// least the callbacks of one [`Endpoint::dedup_ttl`](super::Endpoint::dedup_ttl)). Behind
/// several replicas, use a shared store instead (Redis, `SET key 1 NX EX ttl`; see
/// `examples/axum-callback`).
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt::endpoint::{DedupStore, MemoryDedup};
/// use wxbizmsgcrypt::message::Message;
///
/// let store = MemoryDedup::new(100_000);
/// let key = Message::parse("<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>7</MsgId></xml>")?.dedup_key();
/// let (ttl, now) = (Duration::from_secs(660), SystemTime::now());
/// assert_eq!(store.check(&key, ttl, now), true); // new
/// assert_eq!(store.check(&key, ttl, now + Duration::from_secs(5)), false); // the retry
/// assert_eq!(store.check(&key, ttl, now + ttl), true); // expired
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub struct MemoryDedup {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    shard_capacity: usize,
    /// The next shard to sweep for expired keys: each request sweeps one more besides its own,
    /// so that a shard no request hashes to does not keep its expired keys.
    sweep: AtomicUsize,
}

/// Entries of one shard: when each key expires, and the keys in the order they came.
#[derive(Default)]
struct Shard {
    expires: HashMap<Box<str>, u64>,
    order: VecDeque<(u64, Box<str>)>,
}

impl MemoryDedup {
    /// A store of at most `capacity` keys (rounded up to a multiple of its shard count).
    ///
    /// # Example
    ///
    /// ```
    /// let store = wxbizmsgcrypt::endpoint::MemoryDedup::new(10_000);
    /// assert!(store.capacity() >= 10_000);
    /// assert_eq!(store.len(), 0);
    /// ```
    #[must_use]
    pub fn new(capacity: usize) -> MemoryDedup {
        // Many more shards than threads: a request rarely waits for another, and a shard's map
        // grows (rehashing under its lock) in small steps.
        let shards = std::thread::available_parallelism().map_or(4, |n| n.get()).saturating_mul(32);
        let shards = shards.clamp(64, 1024).next_power_of_two();
        let shard_capacity = capacity.div_ceil(shards).max(1);
        MemoryDedup {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: RandomState::new(),
            shard_capacity,
            sweep: AtomicUsize::new(0),
        }
    }

    /// How many keys it holds at most.
    ///
    /// # Example
    ///
    /// See [`MemoryDedup::new`].
    ///
    /// ```
    /// assert!(wxbizmsgcrypt::endpoint::MemoryDedup::new(1).capacity() >= 1);
    /// ```
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.shard_capacity.saturating_mul(self.shards.len())
    }

    /// How many keys it holds now (expired ones included until a request sweeps their shard:
    /// each request sweeps its own and one more, in turn).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt::{endpoint::MemoryDedup, message::Message};
    /// let store = MemoryDedup::new(100);
    /// let key = Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key();
    /// store.check(&key, Duration::from_secs(60), SystemTime::now());
    /// assert_eq!(store.len(), 1);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).expires.len()).sum()
    }

    /// Whether it holds no key.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(wxbizmsgcrypt::endpoint::MemoryDedup::new(100).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`DedupStore::first_time`], synchronously (it never fails).
    ///
    /// # Example
    ///
    /// See [`MemoryDedup`].
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt::{endpoint::MemoryDedup, message::Message};
    /// let store = MemoryDedup::new(100);
    /// let key = Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key();
    /// let now = SystemTime::now();
    /// assert!(store.check(&key, Duration::from_secs(60), now));
    /// assert!(!store.check(&key, Duration::from_secs(60), now));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn check(&self, key: &DedupKey, ttl: Duration, now: SystemTime) -> bool {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let expires_at = now.saturating_add(ttl.as_secs().max(1));
        let Some(shard) = self.shard_of(key) else {
            debug_assert!(false, "a shard index is below the shard count");
            // Fail open, as a store error does: the callback is handed on.
            return true;
        };
        let next = self.sweep.fetch_add(1, Ordering::Relaxed) % self.shards.len().max(1);
        if let Some(Ok(mut other)) = self.shards.get(next).map(Mutex::try_lock) {
            other.drop_expired(now);
        }
        let mut shard = lock(shard);
        shard.drop_expired(now);
        if shard.expires.get(key.as_str()).is_some_and(|&at| at > now) {
            return false;
        }
        let key: Box<str> = Box::from(key.as_str());
        shard.expires.insert(key.clone(), expires_at);
        shard.order.push_back((expires_at, key));
        while shard.expires.len() > self.shard_capacity {
            shard.drop_oldest();
        }
        true
    }
}

impl MemoryDedup {
    /// [`DedupStore::forget`], synchronously: drops `key` (its place in the expiry order goes
    /// with the next sweep).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt::{endpoint::MemoryDedup, message::Message};
    /// let store = MemoryDedup::new(100);
    /// let key = Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key();
    /// let now = SystemTime::now();
    /// assert!(store.check(&key, Duration::from_secs(60), now));
    /// store.remove(&key);
    /// assert!(store.check(&key, Duration::from_secs(60), now));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn remove(&self, key: &DedupKey) {
        if let Some(shard) = self.shard_of(key) {
            lock(shard).expires.remove(key.as_str());
        }
    }

    /// The shard `key` lives in.
    fn shard_of(&self, key: &DedupKey) -> Option<&Mutex<Shard>> {
        let index = usize::try_from(self.hasher.hash_one(key.as_str())).unwrap_or_default();
        self.shards.get(index % self.shards.len().max(1))
    }
}

impl Shard {
    /// Drops the entries that expired by `now`, oldest first.
    fn drop_expired(&mut self, now: u64) {
        while self.order.front().is_some_and(|(at, _)| *at <= now) {
            self.drop_oldest();
        }
    }

    /// Drops the oldest entry (unless the key came again since: then only its older place).
    fn drop_oldest(&mut self) {
        if let Some((at, key)) = self.order.pop_front()
            && self.expires.get(&key) == Some(&at)
        {
            self.expires.remove(&key);
        }
    }
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    // A panic while holding the lock leaves the map consistent (no operation is half done
    // across an unwind point that matters here): keep using it.
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for MemoryDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDedup")
            .field("shards", &self.shards.len())
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

impl DedupStore for MemoryDedup {
    fn first_time(
        &self,
        key: &DedupKey,
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        ready(Ok(self.check(key, ttl, now)))
    }

    fn forget(&self, key: &DedupKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.remove(key);
        ready(Ok(()))
    }
}
