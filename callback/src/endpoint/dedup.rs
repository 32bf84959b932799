//! De-duplication stores: which callbacks are being handled, which were, and what they were
//! answered.
//!
//! A [`Service`](super::Service) records a callback's key in two phases. When the application
//! starts on it, the key is *claimed*: recorded as in progress for a short lease (just over the
//! application's deadline). When the application answers below 500 (429 aside), the claim is *completed*:
//! the key is recorded as done, with the answer as it was sent, for the de-duplication TTL.
//! When it answers 429 or 500 or more, or never answers (its future dropped, a panic), the claim is
//! *released* at once, so that WeCom's next retry is handled; a process that dies leaves its
//! claim to expire with the lease.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, ready};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{KeyInit, Mac};

use crate::message::DedupKey;

/// The key a store (and a log) sees for a callback: a keyed digest of its
/// [`DedupKey`], 32 lowercase hex digits.
///
/// The [`DedupKey`] holds field values and user ids in clear (an `update_user` event's new
/// `Mobile`, say), and an unkeyed digest of a few fields can be reversed by guessing them. This
/// key is HMAC-SHA-256 under a secret of the service, truncated to 128 bits: it reveals no
/// field to whoever reads the store or the log, and it is equal for WeCom's retries of one
/// callback on every replica configured alike. The secret is derived from the endpoint's
/// EncodingAESKey unless one is given ([`Endpoint::with_dedup_secret`](super::Endpoint::with_dedup_secret)).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::StoreKey;
/// use wxbizmsgcrypt_callback::message::Message;
///
/// let key = Message::parse("<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>7</MsgId></xml>")?.dedup_key();
/// let stored = StoreKey::new(&[1; 32], &key);
/// assert_eq!(stored.as_str().len(), 32);
/// assert!(!stored.as_str().contains("ww1"));
/// assert_eq!(stored, StoreKey::new(&[1; 32], &key)); // every replica alike
/// assert_ne!(stored, StoreKey::new(&[2; 32], &key));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey {
    bytes: [u8; 16],
    hex: [u8; 32],
}

impl StoreKey {
    /// The store key of `key` under `secret`: 32 bytes, as random as a key (see
    /// [`Endpoint::with_dedup_secret`](super::Endpoint::with_dedup_secret)).
    ///
    /// # Example
    ///
    /// See [`StoreKey`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{endpoint::StoreKey, message::Message};
    /// # let key = Message::parse("<xml><MsgId>7</MsgId></xml>")?.dedup_key();
    /// let stored = StoreKey::new(&[7u8; 32], &key);
    /// assert!(stored.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn new(secret: &[u8; 32], key: &DedupKey) -> StoreKey {
        StoreKey::from_mac(DedupSecret::new(secret).mac(key))
    }

    fn from_mac(mac: [u8; 32]) -> StoreKey {
        let mut bytes = [0u8; 16];
        for (to, from) in bytes.iter_mut().zip(mac) {
            *to = from;
        }
        StoreKey { bytes, hex: hex16(bytes) }
    }

    /// The key as 32 lowercase hex digits.
    ///
    /// # Example
    ///
    /// See [`StoreKey`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{endpoint::StoreKey, message::Message};
    /// # let key = Message::parse("<xml><MsgId>7</MsgId></xml>")?.dedup_key();
    /// assert_eq!(StoreKey::new(&[7; 32], &key).as_str().len(), 32);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Hex digits only: `from_utf8` cannot fail, and if it did the key would be empty,
        // which no store accepts as a key of a callback.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// The key as one number, for tables.
    fn bits(&self) -> u128 {
        u128::from_le_bytes(self.bytes)
    }

    /// The key's 16 bytes.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::{endpoint::StoreKey, message::Message};
    /// # let key = Message::parse("<xml><MsgId>7</MsgId></xml>")?.dedup_key();
    /// assert_eq!(StoreKey::new(&[7; 32], &key).as_bytes().len(), 16);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({})", self.as_str())
    }
}

/// 16 bytes as 32 lowercase hex digits.
fn hex16(bytes: [u8; 16]) -> [u8; 32] {
    let mut hex = [0u8; 32];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(bytes) {
        for (digit, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0xF]) {
            *digit = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        }
    }
    hex
}

/// The secret store keys are made with: HMAC-SHA-256 keyed with it, the keyed state kept (and
/// wiped on drop, with `hmac`'s `zeroize`) so that each key costs two compressions, not four.
#[derive(Clone)]
pub(crate) struct DedupSecret(Option<hmac::Hmac<sha2::Sha256>>);

impl DedupSecret {
    pub(crate) fn new(secret: &[u8]) -> DedupSecret {
        // HMAC takes a key of any length.
        let keyed = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret).ok();
        debug_assert!(keyed.is_some(), "HMAC accepts keys of any length");
        DedupSecret(keyed)
    }

    pub(crate) fn store_key(&self, key: &DedupKey) -> StoreKey {
        StoreKey::from_mac(self.mac(key))
    }

    fn mac(&self, key: &DedupKey) -> [u8; 32] {
        match &self.0 {
            Some(keyed) => {
                let mut mac = keyed.clone();
                mac.update(key.as_str().as_bytes());
                mac.finalize().into_bytes().into()
            }
            // Fail closed: a digest under no secret would reveal what the key holds; one
            // all-zero key makes every callback the same, so nothing is handled twice, and
            // the first duplicate shows that something is wrong.
            None => [0; 32],
        }
    }
}

impl fmt::Debug for DedupSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DedupSecret([redacted])")
    }
}

/// One delivery's claim on a key: random, so that a delivery frees or completes only its own
/// claim, never one that another delivery took after its lease ran out.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::ClaimToken;
/// assert_ne!(ClaimToken::random(), ClaimToken::random());
/// assert_eq!(ClaimToken::random().as_str().len(), 32);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken {
    hex: [u8; 32],
}

impl ClaimToken {
    /// A new token: 128 bits from the operating system's CSPRNG.
    ///
    /// # Example
    ///
    /// See [`ClaimToken`].
    ///
    /// ```
    /// let token = wxbizmsgcrypt_callback::endpoint::ClaimToken::random();
    /// assert!(token.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    /// ```
    #[must_use]
    pub fn random() -> ClaimToken {
        let bytes: [u8; 16] = rand::random();
        ClaimToken { hex: hex16(bytes) }
    }

    /// The token as 32 lowercase hex digits, to store beside the key.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::endpoint::ClaimToken::random().as_str().len(), 32);
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimToken({})", self.as_str())
    }
}

/// What a store found when a delivery claimed a key.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::Claim;
/// let claim = Claim::Done(b"an answer, as the service encoded it".to_vec());
/// assert!(matches!(claim, Claim::Done(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free (or its record had expired): it is now recorded as in progress under
    /// the delivery's token, for the lease.
    Claimed,
    /// Another delivery holds the key and has not answered yet.
    InProgress,
    /// The key was handled: here is its answer, as [`DedupStore::complete`] was given it.
    Done(Vec<u8>),
}

/// A store of de-duplication keys, shared by every request (and, behind a shared store such
/// as Redis, by every replica): see [`Service`](super::Service) for the two phases.
///
/// Keys are [`StoreKey`]s (keyed digests; nothing in them is the sender's), answers opaque
/// bytes (the sealed reply as it was sent, with its status: never a plaintext). Every
/// operation must be atomic per key. The crate has [`MemoryDedup`] for one process and, with
/// the `redis` feature, `wxbizmsgcrypt_callback::redis::RedisDedup` for several.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, StoreError, StoreKey};
///
/// /// A store that remembers nothing: every delivery is handled (what `NoDedup` does).
/// struct Forgetful;
///
/// impl DedupStore for Forgetful {
///     async fn claim(&self, _: &StoreKey, _: &ClaimToken, _lease: Duration, _now: SystemTime) -> Result<Claim, StoreError> {
///         Ok(Claim::Claimed)
///     }
///     async fn complete(&self, _: &StoreKey, _: &ClaimToken, _answer: &[u8], _ttl: Duration, _now: SystemTime) -> Result<(), StoreError> {
///         Ok(())
///     }
///     async fn release(&self, _: &StoreKey, _: &ClaimToken) -> Result<(), StoreError> {
///         Ok(())
///     }
///     fn abandon(&self, _: &StoreKey, _: &ClaimToken) {}
/// }
/// ```
pub trait DedupStore: Send + Sync {
    /// Claims `key` for the delivery holding `token`: if it is not recorded (or its record
    /// expired by `now`), records it as in progress under `token` until `now + lease` and
    /// answers [`Claim::Claimed`]; else answers what is recorded.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached or answered otherwise. The
    /// [`Service`](super::Service) then hands the callback on all the same (fail open: a
    /// callback handled twice is better than one lost, since WeCom gives up after three
    /// retries) and reports the error to its hook.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, MemoryDedup, StoreKey};
    /// # use wxbizmsgcrypt_callback::message::Message;
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryDedup answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key());
    /// let (first, retry) = (ClaimToken::random(), ClaimToken::random());
    /// let (lease, now) = (Duration::from_secs(7), SystemTime::now());
    /// assert_eq!(block_on(store.claim(&key, &first, lease, now))?, Claim::Claimed);
    /// assert_eq!(block_on(store.claim(&key, &retry, lease, now))?, Claim::InProgress);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn claim(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        lease: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Records `key` as done with `answer` until `now + ttl`, if the key is still claimed under
    /// `token` or no longer recorded at all; leaves another delivery's claim or answer alone.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or cannot keep an answer this
    /// large. The [`Service`](super::Service) then releases the claim, so that a retry is
    /// handled again, and reports the error to its hook.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, MemoryDedup, StoreKey};
    /// # use wxbizmsgcrypt_callback::message::Message;
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryDedup answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key());
    /// let (first, retry) = (ClaimToken::random(), ClaimToken::random());
    /// let (lease, now) = (Duration::from_secs(7), SystemTime::now());
    /// block_on(store.claim(&key, &first, lease, now))?;
    /// block_on(store.complete(&key, &first, b"the answer", Duration::from_secs(660), now))?;
    /// assert_eq!(block_on(store.claim(&key, &retry, lease, now))?, Claim::Done(b"the answer".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn complete(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        answer: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Frees `key` if it is still claimed under `token`, so that the next delivery is
    /// handled: the application answered 429 or 500 or more.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached; the claim then expires with its
    /// lease.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, MemoryDedup, StoreKey};
    /// # use wxbizmsgcrypt_callback::message::Message;
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryDedup answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key());
    /// let (first, retry) = (ClaimToken::random(), ClaimToken::random());
    /// let (lease, now) = (Duration::from_secs(7), SystemTime::now());
    /// block_on(store.claim(&key, &first, lease, now))?;
    /// block_on(store.release(&key, &first))?; // the application answered 503
    /// assert_eq!(block_on(store.claim(&key, &retry, lease, now))?, Claim::Claimed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn release(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// [`release`](DedupStore::release), from a drop guard: the delivery ended without an
    /// answer (its future was dropped by a timeout or a client that went away, or the
    /// application panicked). It must not block: free the key at once if that is possible
    /// without waiting (in memory), or start freeing it in the background (Redis: a task on
    /// the runtime), or leave it to the lease.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, MemoryDedup, StoreKey};
    /// # use wxbizmsgcrypt_callback::message::Message;
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryDedup answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key());
    /// let (first, retry) = (ClaimToken::random(), ClaimToken::random());
    /// let (lease, now) = (Duration::from_secs(7), SystemTime::now());
    /// block_on(store.claim(&key, &first, lease, now))?;
    /// store.abandon(&key, &first); // the delivery's future was dropped
    /// assert_eq!(block_on(store.claim(&key, &retry, lease, now))?, Claim::Claimed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn abandon(&self, key: &StoreKey, token: &ClaimToken);
}

/// A store's failure, with its cause.
///
/// # Example
///
/// ```
/// let err = wxbizmsgcrypt_callback::endpoint::StoreError::new("connection refused");
/// assert_eq!(err.to_string(), "store failed: connection refused");
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
    /// let err = wxbizmsgcrypt_callback::endpoint::StoreError::new(io);
    /// assert!(err.source().is_some());
    /// ```
    #[must_use]
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> StoreError {
        StoreError { source: source.into() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store failed: {}", self.source)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// No de-duplication: every delivery is handled. For benchmarks, and for applications that
/// make their own handling idempotent.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, NoDedup, StoreKey};
/// # use wxbizmsgcrypt_callback::message::Message;
/// # let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId></xml>")?.dedup_key());
/// let token = ClaimToken::random();
/// let claim = NoDedup.claim(&key, &token, Duration::from_secs(7), SystemTime::now());
/// # let _ = claim;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedup;

impl DedupStore for NoDedup {
    fn claim(
        &self,
        _key: &StoreKey,
        _token: &ClaimToken,
        _lease: Duration,
        _now: SystemTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        ready(Ok(Claim::Claimed))
    }

    fn complete(
        &self,
        _key: &StoreKey,
        _token: &ClaimToken,
        _answer: &[u8],
        _ttl: Duration,
        _now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(Ok(()))
    }

    fn release(
        &self,
        _key: &StoreKey,
        _token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(Ok(()))
    }

    fn abandon(&self, _key: &StoreKey, _token: &ClaimToken) {}
}

/// What an entry costs a [`MemoryDedup`] beyond its answer's bytes: its place in the map and
/// in the expiry queue, as the standard collections lay them out, rounded up.
pub const ENTRY_OVERHEAD: usize = 256;

/// An in-memory store, for one process: bounded in bytes, sharded so that requests do not
/// wait on one lock, and driven by the `now` it is given (no clock of its own).
///
/// Every record (a claim, an answer) costs its answer's length plus [`ENTRY_OVERHEAD`], and
/// the records of each shard are kept in the order they were made: once the shard's share of
/// `capacity` is used up, the oldest go first, whether or not they expired, and whatever the
/// sequence of calls (a release, a completion, a claim made again: each record counts until it
/// leaves the queue). So the store never holds much more than `capacity` bytes. Size it for
/// the callbacks of one [`Endpoint::dedup_ttl`](super::Endpoint::dedup_ttl) (a key that went
/// early is handled again if its callback is retried): a few hundred bytes each, so 64 MiB
/// holds some 100,000 callbacks with their answers. An answer larger than a sixteenth of a
/// shard's share is not kept ([`DedupStore::complete`] fails; its retry is handled again).
///
/// Behind several replicas, use a shared store instead (the `redis` feature's `RedisDedup`).
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, MemoryDedup, StoreKey};
/// # use wxbizmsgcrypt_callback::message::Message;
/// # let key = StoreKey::new(&[7; 32], &Message::parse("<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>7</MsgId></xml>")?.dedup_key());
///
/// let store = MemoryDedup::new(64 << 20);
/// let (lease, ttl, now) = (Duration::from_secs(7), Duration::from_secs(660), SystemTime::now());
/// let (first, retry) = (ClaimToken::random(), ClaimToken::random());
/// assert_eq!(store.claim_now(&key, &first, lease, now), Claim::Claimed);
/// assert_eq!(store.claim_now(&key, &retry, lease, now), Claim::InProgress); // still being handled
/// store.complete_now(&key, &first, b"the answer", ttl, now)?;
/// assert_eq!(store.claim_now(&key, &retry, lease, now), Claim::Done(b"the answer".to_vec()));
/// assert_eq!(store.claim_now(&key, &retry, lease, now + ttl), Claim::Claimed); // expired
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MemoryDedup {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
}

/// The records of one shard: by key, and in the order they were made.
#[derive(Default)]
struct Shard {
    /// Keyed by the store key's own bits: keyed digests, which a sender cannot aim at a bucket
    /// without the service's secret (so no SipHash on top).
    records: HashMap<u128, Record, BuildHasherDefault<KeyBits>>,
    order: std::collections::VecDeque<Queued>,
    /// What the queued records cost, in bytes.
    bytes: usize,
    /// The sequence number of the next record.
    next: u64,
}

struct Record {
    state: State,
    expires_at_ms: u64,
    /// Which queued record this is (the older ones of the same key are stale).
    seq: u64,
}

enum State {
    InProgress([u8; 32]),
    Done(Box<[u8]>),
}

struct Queued {
    key: u128,
    seq: u64,
    expires_at_ms: u64,
    cost: usize,
}

impl MemoryDedup {
    /// A store of at most `capacity` bytes of records (counted as the [type docs](MemoryDedup)
    /// say).
    ///
    /// # Example
    ///
    /// ```
    /// let store = wxbizmsgcrypt_callback::endpoint::MemoryDedup::new(64 << 20);
    /// assert!(store.capacity() <= 64 << 20);
    /// assert_eq!(store.len(), 0);
    /// ```
    #[must_use]
    pub fn new(capacity: usize) -> MemoryDedup {
        // Many more shards than threads, so that a request rarely waits for another; but each
        // at least 64 KiB, so that a shard holds a few hundred records.
        let threads = std::thread::available_parallelism().map_or(4, |n| n.get());
        let by_threads = threads.saturating_mul(32).clamp(64, 1024);
        let by_size = capacity / (64 << 10);
        // The largest power of two within both.
        let shards = 1usize << by_threads.min(by_size).max(1).ilog2();
        MemoryDedup {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            shard_capacity: capacity / shards,
        }
    }

    /// How many bytes of records it holds at most.
    ///
    /// # Example
    ///
    /// See [`MemoryDedup::new`].
    ///
    /// ```
    /// assert!(wxbizmsgcrypt_callback::endpoint::MemoryDedup::new(1 << 20).capacity() <= 1 << 20);
    /// ```
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.shard_capacity.saturating_mul(self.shards.len())
    }

    /// How many keys it holds now (expired ones included until they leave the queue).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt_callback::{endpoint::{ClaimToken, MemoryDedup, StoreKey}, message::Message};
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key());
    /// store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), SystemTime::now());
    /// assert_eq!(store.len(), 1);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).records.len()).sum()
    }

    /// Whether it holds no key.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(wxbizmsgcrypt_callback::endpoint::MemoryDedup::new(1 << 20).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many bytes its records cost now, as counted against [`capacity`](MemoryDedup::capacity).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt_callback::{endpoint::{ClaimToken, MemoryDedup, StoreKey, ENTRY_OVERHEAD}, message::Message};
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key());
    /// store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), SystemTime::now());
    /// assert_eq!(store.bytes(), ENTRY_OVERHEAD);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).bytes).sum()
    }

    /// [`DedupStore::claim`], synchronously (it never fails).
    ///
    /// # Example
    ///
    /// See [`MemoryDedup`].
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt_callback::{endpoint::{Claim, ClaimToken, MemoryDedup, StoreKey}, message::Message};
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key());
    /// let now = SystemTime::now();
    /// assert_eq!(store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), now), Claim::Claimed);
    /// assert_eq!(store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), now), Claim::InProgress);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn claim_now(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        lease: Duration,
        now: SystemTime,
    ) -> Claim {
        let now = millis(now);
        // Fail closed: a callback is not handed on twice (WeCom retries a 503).
        let Some(shard) = self.shard_of(key) else { return Claim::InProgress };
        let mut shard = lock(shard);
        shard.drop_expired(now);
        let bits = key.bits();
        if let Some(record) = shard.records.get(&bits)
            && record.expires_at_ms > now
        {
            return match &record.state {
                State::InProgress(_) => Claim::InProgress,
                State::Done(answer) => Claim::Done(answer.to_vec()),
            };
        }
        let expires_at_ms = now.saturating_add(as_millis(lease).max(1));
        shard.record(bits, State::InProgress(token.hex), expires_at_ms, self.shard_capacity);
        Claim::Claimed
    }

    /// [`DedupStore::complete`], synchronously.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] for an answer larger than a sixteenth of a shard's share of the
    /// capacity: it is not kept.
    ///
    /// # Example
    ///
    /// See [`MemoryDedup`].
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt_callback::{endpoint::{Claim, ClaimToken, MemoryDedup, StoreKey}, message::Message};
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key());
    /// let (token, now) = (ClaimToken::random(), SystemTime::now());
    /// store.claim_now(&key, &token, Duration::from_secs(7), now);
    /// store.complete_now(&key, &token, b"answer", Duration::from_secs(660), now)?;
    /// assert!(store.complete_now(&key, &token, &vec![0; 1 << 20], Duration::from_secs(660), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn complete_now(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        answer: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        if answer.len().saturating_add(ENTRY_OVERHEAD) > self.shard_capacity / 16 {
            return Err(StoreError::new(format!(
                "an answer of {} bytes is more than this store keeps",
                answer.len()
            )));
        }
        let now = millis(now);
        let shard = self.shard_of(key).ok_or_else(|| StoreError::new("no shard for the key"))?;
        let mut shard = lock(shard);
        shard.drop_expired(now);
        let bits = key.bits();
        let ours = match shard.records.get(&bits) {
            None => true,
            Some(record) if record.expires_at_ms <= now => true,
            Some(record) => matches!(&record.state, State::InProgress(held) if *held == token.hex),
        };
        if ours {
            let expires_at_ms = now.saturating_add(as_millis(ttl).max(1));
            let state = State::Done(answer.into());
            shard.record(bits, state, expires_at_ms, self.shard_capacity);
        }
        Ok(())
    }

    /// [`DedupStore::release`], synchronously.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use wxbizmsgcrypt_callback::{endpoint::{Claim, ClaimToken, MemoryDedup, StoreKey}, message::Message};
    /// let store = MemoryDedup::new(1 << 20);
    /// let key = StoreKey::new(&[7; 32], &Message::parse("<xml><MsgId>1</MsgId><MsgType>text</MsgType></xml>")?.dedup_key());
    /// let (token, now) = (ClaimToken::random(), SystemTime::now());
    /// store.claim_now(&key, &token, Duration::from_secs(7), now);
    /// store.release_now(&key, &ClaimToken::random()); // not its claim: nothing happens
    /// assert_eq!(store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), now), Claim::InProgress);
    /// store.release_now(&key, &token);
    /// assert_eq!(store.claim_now(&key, &ClaimToken::random(), Duration::from_secs(7), now), Claim::Claimed);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn release_now(&self, key: &StoreKey, token: &ClaimToken) {
        let Some(shard) = self.shard_of(key) else { return };
        let mut shard = lock(shard);
        let bits = key.bits();
        let ours = shard.records.get(&bits).is_some_and(
            |record| matches!(&record.state, State::InProgress(held) if *held == token.hex),
        );
        if ours {
            // Its queued place stays counted until it leaves the queue.
            shard.records.remove(&bits);
        }
    }

    /// The shard `key` lives in: a store key is a keyed digest, so its first bytes spread
    /// evenly.
    fn shard_of(&self, key: &StoreKey) -> Option<&Mutex<Shard>> {
        let [a, b, c, d, ..] = *key.as_bytes();
        let index = u32::from_le_bytes([a, b, c, d]) as usize % self.shards.len().max(1);
        let shard = self.shards.get(index);
        debug_assert!(shard.is_some(), "`new` makes at least one shard");
        shard
    }
}

impl Shard {
    /// Records `state` for `key`, counted against `capacity`, and drops the oldest records
    /// until the shard is within it again.
    fn record(&mut self, key: u128, state: State, expires_at_ms: u64, capacity: usize) {
        let cost = ENTRY_OVERHEAD.saturating_add(match &state {
            State::InProgress(_) => 0,
            State::Done(answer) => answer.len(),
        });
        let seq = self.next;
        self.next = self.next.wrapping_add(1);
        let record = Record { state, expires_at_ms, seq };
        match self.records.get_mut(&key) {
            // In place: no second hash, no growth.
            Some(kept) => *kept = record,
            None => {
                self.records.insert(key, record);
            }
        }
        self.order.push_back(Queued { key, seq, expires_at_ms, cost });
        self.bytes = self.bytes.saturating_add(cost);
        while self.bytes > capacity && self.drop_oldest() {}
    }

    /// Drops the records that expired by `now` from the front of the queue.
    fn drop_expired(&mut self, now: u64) {
        while self.order.front().is_some_and(|queued| queued.expires_at_ms <= now) {
            self.drop_oldest();
        }
    }

    /// Drops the oldest queued record (and its key, unless the key was recorded again since).
    fn drop_oldest(&mut self) -> bool {
        let Some(queued) = self.order.pop_front() else { return false };
        self.bytes = self.bytes.saturating_sub(queued.cost);
        if self.records.get(&queued.key).is_some_and(|record| record.seq == queued.seq) {
            self.records.remove(&queued.key);
        }
        true
    }
}

/// Hashes a `u128` store key by its high 64 bits, as they are.
#[derive(Default)]
struct KeyBits(u64);

impl Hasher for KeyBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is called (a `u128` key); fold anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        // The high half: the shard was chosen by the low bits.
        self.0 = (n >> 64) as u64;
    }
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    // No operation leaves a shard half done across an unwind point: keep using it.
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, as_millis)
}

fn as_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
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
    fn claim(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        lease: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        ready(Ok(self.claim_now(key, token, lease, now)))
    }

    fn complete(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
        answer: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.complete_now(key, token, answer, ttl, now))
    }

    fn release(
        &self,
        key: &StoreKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.release_now(key, token);
        ready(Ok(()))
    }

    fn abandon(&self, key: &StoreKey, token: &ClaimToken) {
        self.release_now(key, token);
    }
}
