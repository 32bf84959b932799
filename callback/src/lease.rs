//! A lease: which one replica of a service holds something only one may hold at a time (the
//! AI bot's long connection: WeCom allows one per bot, and a second kicks the first).
//!
//! A replica [acquires](LeaseStore::acquire) the lease for a time, [renews](LeaseStore::renew)
//! it well before it runs out, and [releases](LeaseStore::release) it when it stops; the others
//! stand by and try to acquire it now and then, so that one of them takes over within the
//! lease's time when the holder dies. Each acquisition comes with a **fencing token** that
//! only grows: a holder that was paused past its lease and comes back finds its renewal
//! refused, and anything it writes with its old token can be told from the new holder's.
//!
//! [`MemoryLease`] serves the replicas of one process (and tests); `RedisLease` (feature
//! `redis`) serves replicas on several machines.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use wxbizmsgcrypt_callback::lease::{LeaseStore, MemoryLease};
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut context = std::task::Context::from_waker(&waker);
//! #     let mut future = std::pin::pin!(future);
//! #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
//! # }
//! let leases = MemoryLease::new();
//! let now = SystemTime::now();
//! let ttl = Duration::from_secs(15);
//! let a = block_on(leases.acquire("bot-1", "replica-a", ttl, now))?.expect("free");
//! assert_eq!(block_on(leases.acquire("bot-1", "replica-b", ttl, now))?, None); // held
//! // Replica A dies; 15 s later B takes over, with a greater token.
//! let b = block_on(leases.acquire("bot-1", "replica-b", ttl, now + ttl))?.expect("expired");
//! assert!(b > a);
//! assert!(!block_on(leases.renew("bot-1", "replica-a", a, ttl, now + ttl))?); // A is fenced off
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::endpoint::StoreError;

/// A fencing token: greater for every acquisition of one lease.
///
/// # Example
///
/// See the [module docs](self).
pub type FencingToken = u64;

/// Where leases are kept: see the [module docs](self).
///
/// # Example
///
/// See the [module docs](self).
pub trait LeaseStore: Send + Sync {
    /// Takes the lease `name` for `holder` until `now + ttl`, if it is free, expired, or
    /// `holder`'s already (then with a new token): the new fencing token, or `None` if another
    /// holds it.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached: hold nothing then.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<FencingToken>, StoreError>> + Send;

    /// Extends the lease to `now + ttl` if `holder` still holds it with `token`: whether it
    /// does. `false` means it was lost: stop at once.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached: the lease runs out by itself, so
    /// stop before it does.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    fn renew(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives the lease up if `holder` holds it with `token`, so that another can take it at
    /// once.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached: the lease runs out by itself.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::lease::{LeaseStore, MemoryLease};
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
    /// # }
    /// let leases = MemoryLease::new();
    /// let (now, ttl) = (SystemTime::now(), Duration::from_secs(15));
    /// let token = block_on(leases.acquire("bot", "a", ttl, now))?.unwrap();
    /// block_on(leases.release("bot", "a", token))?;
    /// assert!(block_on(leases.acquire("bot", "b", ttl, now))?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn release(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Leases in one process's memory.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Debug, Default)]
pub struct MemoryLease {
    leases: Mutex<HashMap<String, Held>>,
}

#[derive(Debug)]
struct Held {
    holder: Option<String>,
    token: FencingToken,
    until: SystemTime,
}

impl MemoryLease {
    /// No lease held.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    #[must_use]
    pub fn new() -> MemoryLease {
        MemoryLease::default()
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn until(now: SystemTime, ttl: Duration) -> Result<SystemTime, StoreError> {
    now.checked_add(ttl).ok_or_else(|| StoreError::new("a lease time out of range"))
}

impl LeaseStore for MemoryLease {
    async fn acquire(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<FencingToken>, StoreError> {
        let until = until(now, ttl)?;
        let mut leases = self.leases();
        let held =
            leases.entry(name.to_owned()).or_insert(Held { holder: None, token: 0, until: now });
        let free = held.holder.as_deref().is_none_or(|h| h == holder) || held.until <= now;
        if !free {
            return Ok(None);
        }
        held.token += 1;
        held.holder = Some(holder.to_owned());
        held.until = until;
        Ok(Some(held.token))
    }

    async fn renew(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let until = until(now, ttl)?;
        let mut leases = self.leases();
        match leases.get_mut(name) {
            Some(held)
                if held.holder.as_deref() == Some(holder)
                    && held.token == token
                    && held.until > now =>
            {
                held.until = until;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release(
        &self,
        name: &str,
        holder: &str,
        token: FencingToken,
    ) -> Result<(), StoreError> {
        let mut leases = self.leases();
        if let Some(held) = leases.get_mut(name)
            && held.holder.as_deref() == Some(holder)
            && held.token == token
        {
            held.holder = None;
        }
        Ok(())
    }
}
