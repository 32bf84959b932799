//! Leases: one holder at a time, a fencing token that only grows, a holder fenced off once its
//! lease ran out, against `MemoryLease` and, with the `redis` feature, `RedisLease` on a real
//! `redis-server` (whose clock expires the lease: there the test waits for real).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, SystemTime};

use wxbizmsgcrypt_callback::lease::{LeaseStore, MemoryLease};

/// One holder at a time; release frees it at once; the token grows with each acquisition.
async fn one_holder<S: LeaseStore>(a: &S, b: &S, now: SystemTime) {
    let ttl = Duration::from_secs(60);
    let first = a.acquire("bot", "replica-a", ttl, now).await.unwrap().expect("free");
    assert_eq!(b.acquire("bot", "replica-b", ttl, now).await.unwrap(), None);
    assert!(b.renew("bot", "replica-a", first, ttl, now).await.unwrap(), "the holder renews");
    assert!(!b.renew("bot", "replica-b", first, ttl, now).await.unwrap(), "not the holder");
    assert!(!a.renew("bot", "replica-a", first + 1, ttl, now).await.unwrap(), "not its token");
    // Releasing with another's token does nothing.
    b.release("bot", "replica-b", first).await.unwrap();
    assert_eq!(b.acquire("bot", "replica-b", ttl, now).await.unwrap(), None);
    a.release("bot", "replica-a", first).await.unwrap();
    let second = b.acquire("bot", "replica-b", ttl, now).await.unwrap().expect("released");
    assert!(second > first);
    // The old holder is fenced off.
    assert!(!a.renew("bot", "replica-a", first, ttl, now).await.unwrap());
    // Two names, two leases.
    assert!(a.acquire("other-bot", "replica-a", ttl, now).await.unwrap().is_some());
}

#[tokio::test]
async fn memory_leases_have_one_holder_and_expire() {
    let leases = MemoryLease::new();
    let now = SystemTime::now();
    one_holder(&leases, &leases, now).await;
    let ttl = Duration::from_secs(15);
    let a = leases.acquire("x", "a", ttl, now).await.unwrap().unwrap();
    assert_eq!(leases.acquire("x", "b", ttl, now + Duration::from_secs(14)).await.unwrap(), None);
    let b = leases.acquire("x", "b", ttl, now + ttl).await.unwrap().expect("expired");
    assert!(b > a);
    assert!(!leases.renew("x", "a", a, ttl, now + ttl).await.unwrap());
    // A time out of range is an error, never a panic.
    assert!(leases.acquire("y", "a", Duration::MAX, now).await.is_err());
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use redis_server::RedisServer;
    use wxbizmsgcrypt_callback::redis::Redis;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_leases_have_one_holder_and_expire_by_redis_clock() {
        let server = RedisServer::start();
        let prefix = format!("lease-test-{}", std::process::id());
        let (one, two) = (Redis::open(&server.url()).unwrap(), Redis::open(&server.url()).unwrap());
        let (a, b) = (one.leases(&prefix), two.leases(&prefix));
        one_holder(&a, &b, SystemTime::now()).await;

        let ttl = Duration::from_millis(300);
        let first = a.acquire("short", "a", ttl, SystemTime::now()).await.unwrap().unwrap();
        assert_eq!(b.acquire("short", "b", ttl, SystemTime::now()).await.unwrap(), None);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let second =
            b.acquire("short", "b", ttl, SystemTime::now()).await.unwrap().expect("expired");
        assert!(second > first);
        assert!(!a.renew("short", "a", first, ttl, SystemTime::now()).await.unwrap());
    }
}
