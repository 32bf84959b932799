//! Where streams are kept between WeCom's polls: [`StreamStore`], in memory
//! ([`MemoryStreams`]) for one process, or shared by every replica (the `redis` feature's
//! `RedisStreams`).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::StreamState;
use crate::endpoint::StoreError;

/// How long a stream is kept after it was last saved: past the six minutes WeCom polls it
/// ([`REFRESH_HORIZON`](super::REFRESH_HORIZON)), as Tencent's plugin keeps them.
pub const STREAM_TTL: Duration = Duration::from_secs(10 * 60);

/// A store of [`StreamState`]s by id, shared by the requests of a bot (and, behind a shared
/// store, by its replicas, so that a poll that reaches another replica finds the stream).
///
/// One writer per stream (the task that fills it) saves the whole state each time it grows;
/// the polls load it. A poll for a stream not found is answered with
/// [`Reply::unknown_stream`](super::Reply::unknown_stream).
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use wxbizmsgcrypt_callback::aibot::{MemoryStreams, StreamState, StreamStore};
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
/// #     }
/// # }
///
/// let streams = MemoryStreams::new(16 << 20);
/// let now = SystemTime::now();
/// let mut stream = StreamState::new("s1", std::time::UNIX_EPOCH);
/// stream.push_str("你好")?;
/// block_on(streams.save(&stream, now))?;
/// assert_eq!(block_on(streams.load("s1", now))?, Some(stream));
/// assert_eq!(block_on(streams.load("s2", now))?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait StreamStore: Send + Sync {
    /// The stream `id`, if it is kept (and did not expire by `now`).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or held something that is not a
    /// stream within its limits. Answer the poll with
    /// [`Reply::unknown_stream`](super::Reply::unknown_stream) then, or a 503 to have WeCom
    /// poll again.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use wxbizmsgcrypt_callback::aibot::{MemoryStreams, StreamState, StreamStore};
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryStreams answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let streams = MemoryStreams::new(1 << 20);
    /// let now = SystemTime::now();
    /// assert_eq!(block_on(streams.load("s1", now))?, None);
    /// block_on(streams.save(&StreamState::new("s1", now), now))?;
    /// assert_eq!(block_on(streams.load("s1", now))?.map(|stream| stream.id().to_owned()), Some("s1".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn load(
        &self,
        id: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<StreamState>, StoreError>> + Send;

    /// Keeps `stream` under its id until `now +` [`STREAM_TTL`].
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or cannot keep a stream this
    /// large.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use wxbizmsgcrypt_callback::aibot::{MemoryStreams, StreamState, StreamStore};
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     // MemoryStreams answers at once: a future polled once is ready.
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
    /// #     }
    /// # }
    /// let streams = MemoryStreams::new(1 << 20);
    /// let now = SystemTime::now();
    /// let mut stream = StreamState::new("s1", now);
    /// stream.push_str("你好")?;
    /// block_on(streams.save(&stream, now))?; // each time it grows
    /// assert_eq!(block_on(streams.load("s1", now))?, Some(stream));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn save(
        &self,
        stream: &StreamState,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Streams in memory, for one process: bounded in bytes (content and images, plus 256 bytes
/// each), the least recently saved going first once `capacity` is used up, and each kept for
/// [`STREAM_TTL`] after it was last saved. No clock of its own: driven by the `now` it is
/// given.
///
/// # Example
///
/// See [`StreamStore`].
///
/// ```
/// let streams = wxbizmsgcrypt_callback::aibot::MemoryStreams::new(16 << 20);
/// assert!(streams.is_empty());
/// ```
pub struct MemoryStreams {
    capacity: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    streams: HashMap<String, (StreamState, u64, u64)>,
    /// (sequence number, id, expiry, cost) in the order the streams were saved.
    order: VecDeque<(u64, String, u64, usize)>,
    bytes: usize,
    next: u64,
}

/// What a kept stream costs beyond its content and images.
const STREAM_OVERHEAD: usize = 256;

impl MemoryStreams {
    /// A store of at most `capacity` bytes of streams.
    ///
    /// # Example
    ///
    /// See [`StreamStore`].
    ///
    /// ```
    /// let streams = wxbizmsgcrypt_callback::aibot::MemoryStreams::new(16 << 20);
    /// # let _ = streams;
    /// ```
    #[must_use]
    pub fn new(capacity: usize) -> MemoryStreams {
        MemoryStreams { capacity, kept: Mutex::default() }
    }

    /// How many streams it keeps (expired ones included until they leave the queue).
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::MemoryStreams::new(1 << 20).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().streams.len()
    }

    /// Whether it keeps no stream.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(wxbizmsgcrypt_callback::aibot::MemoryStreams::new(1 << 20).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`StreamStore::load`], synchronously.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// use wxbizmsgcrypt_callback::aibot::{MemoryStreams, StreamState};
    /// let streams = MemoryStreams::new(1 << 20);
    /// streams.save_now(&StreamState::new("s1", std::time::UNIX_EPOCH), SystemTime::now())?;
    /// assert!(streams.load_now("s1", SystemTime::now()).is_some());
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    #[must_use]
    pub fn load_now(&self, id: &str, now: SystemTime) -> Option<StreamState> {
        let now = seconds(now);
        let mut kept = self.lock();
        kept.drop_expired(now);
        kept.streams.get(id).filter(|(_, expires, _)| *expires > now).map(|(s, _, _)| s.clone())
    }

    /// [`StreamStore::save`], synchronously.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] for a stream larger than a quarter of the capacity: it is not kept.
    ///
    /// # Example
    ///
    /// See [`MemoryStreams::load_now`].
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// let streams = wxbizmsgcrypt_callback::aibot::MemoryStreams::new(1 << 20);
    /// streams.save_now(&wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH), SystemTime::now())?;
    /// assert_eq!(streams.len(), 1);
    /// # Ok::<(), wxbizmsgcrypt_callback::endpoint::StoreError>(())
    /// ```
    pub fn save_now(&self, stream: &StreamState, now: SystemTime) -> Result<(), StoreError> {
        let cost = STREAM_OVERHEAD
            .saturating_add(stream.id().len())
            .saturating_add(stream.content().len())
            .saturating_add(stream.image_bytes());
        if cost > self.capacity / 4 {
            return Err(StoreError::new(format!(
                "a stream of {cost} bytes is more than this store keeps"
            )));
        }
        let now = seconds(now);
        let expires = now.saturating_add(STREAM_TTL.as_secs());
        let mut kept = self.lock();
        kept.drop_expired(now);
        let seq = kept.next;
        kept.next = kept.next.wrapping_add(1);
        let id = stream.id().to_owned();
        kept.streams.insert(id.clone(), (stream.clone(), expires, seq));
        kept.order.push_back((seq, id, expires, cost));
        kept.bytes = kept.bytes.saturating_add(cost);
        while kept.bytes > self.capacity && kept.drop_oldest() {}
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Kept {
    fn drop_expired(&mut self, now: u64) {
        while self.order.front().is_some_and(|(_, _, expires, _)| *expires <= now) {
            self.drop_oldest();
        }
    }

    /// Drops the oldest save (and its stream, unless it was saved again since).
    fn drop_oldest(&mut self) -> bool {
        let Some((seq, id, _, cost)) = self.order.pop_front() else { return false };
        self.bytes = self.bytes.saturating_sub(cost);
        if self.streams.get(&id).is_some_and(|(_, _, kept)| *kept == seq) {
            self.streams.remove(&id);
        }
        true
    }
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl fmt::Debug for MemoryStreams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStreams").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl StreamStore for MemoryStreams {
    fn load(
        &self,
        id: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<StreamState>, StoreError>> + Send {
        ready(Ok(self.load_now(id, now)))
    }

    fn save(
        &self,
        stream: &StreamState,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.save_now(stream, now))
    }
}
