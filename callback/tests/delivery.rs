//! Delivery through a `Service`: every callback is handled at least once while WeCom retries
//! it, never twice at the same time, and its retries get the first answer, byte for byte.
//! Each scenario of the delivery issue (an answer, an acknowledgement, a 503, a cancelled
//! handler, a panicking one, a retry racing a slow first delivery that then succeeds or
//! fails) runs against `MemoryDedup` and, with the `redis` feature, `RedisDedup` on a real
//! `redis-server`, counting how often the application ran and what each delivery got.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp, xml};
use wxbizmsgcrypt_callback::endpoint::{
    DedupStore, Endpoint, MemoryDedup, Request, Response, Service, Xml,
};
use wxbizmsgcrypt_callback::message::Message;
use wxbizmsgcrypt_callback::reply::Reply;

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";
const SENT_AT: u64 = 1_700_000_000;

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, CORP).unwrap()
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SENT_AT + 1)
}

/// Delivery `nonce` of text message `msg_id`, as WeCom sends it: (query, body). Every delivery
/// of one message is encrypted afresh, under its own nonce.
fn delivery(msg_id: u64, nonce: &str) -> (String, String) {
    let plaintext = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
         <CreateTime>{SENT_AT}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
         <MsgId>{msg_id}</MsgId><AgentID>1</AgentID></xml>"
    );
    let sent =
        crypt().encrypt_msg(&plaintext, Stamp::from_parts(&SENT_AT.to_string(), nonce)).unwrap();
    let query = format!("msg_signature={}&timestamp={SENT_AT}&nonce={nonce}", sent.msg_signature());
    (query, xml::render_reply(&sent).unwrap())
}

/// What the application does with a callback.
#[derive(Clone, Copy, Debug)]
enum App {
    /// A passive reply: the text `收到 N`, N how often the application ran.
    Reply,
    /// An empty 200.
    Acknowledge,
    /// 503: could not handle it now.
    RetryLater,
    /// Answers a status of its own.
    Status(u16),
    /// Sleeps for a minute (a handler its caller gives up on).
    Hang,
    /// Panics.
    Panic,
}

/// One service under test, counting the application's runs.
struct Under<D> {
    service: Arc<Service<Xml, D>>,
    runs: Arc<AtomicUsize>,
}

impl<D: DedupStore + 'static> Under<D> {
    fn new(store: D) -> Under<D> {
        Under::with_service(Service::new(Endpoint::xml(crypt()), store))
    }

    fn with_service(service: Service<Xml, D>) -> Under<D> {
        Under { service: Arc::new(service), runs: Arc::new(AtomicUsize::new(0)) }
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    /// Delivers `nonce` of message `msg_id`; the application does `app`, after waiting for
    /// `gate` if there is one (and saying it started on `started`).
    async fn deliver(
        &self,
        msg_id: u64,
        nonce: &str,
        app: App,
        gate: Option<(Arc<Notify>, Arc<Notify>)>,
    ) -> Response {
        let (query, body) = delivery(msg_id, nonce);
        let request = Request { method: "POST", query: &query, body: body.as_bytes() };
        let runs = Arc::clone(&self.runs);
        self.service
            .handle(request, now(), move |callback| async move {
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                if let Some((started, open)) = gate {
                    started.notify_one();
                    open.notified().await;
                }
                match app {
                    App::Reply => callback.reply(&Reply::text(&format!("收到 {run}"))).unwrap(),
                    App::Acknowledge => callback.acknowledge(),
                    App::RetryLater => callback.retry_later(),
                    App::Status(status) => callback.respond(status),
                    App::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        callback.acknowledge()
                    }
                    App::Panic => panic!("the application panicked"),
                }
            })
            .await
    }
}

/// The text a passive reply carries, read back as WeCom would.
fn reply_text(response: &Response) -> String {
    assert_eq!(response.status(), 200, "{response:?}");
    let envelope = Message::parse(response.body()).unwrap();
    let signed = Signed {
        msg_signature: envelope.get("MsgSignature").unwrap(),
        timestamp: envelope.get("TimeStamp").unwrap(),
        nonce: envelope.get("Nonce").unwrap(),
    };
    let message =
        Message::parse(xml::decrypt_msg(&crypt(), signed, response.body()).unwrap().message())
            .unwrap();
    message.get("Content").unwrap().to_owned()
}

/// Every scenario against stores made by `store` (a fresh one each).
async fn every_scenario<D: DedupStore + 'static>(store: impl Fn() -> D) {
    // A retry after an answer gets that answer, byte for byte; the application ran once.
    let under = Under::new(store());
    let first = under.deliver(1, "a", App::Reply, None).await;
    assert_eq!(reply_text(&first), "收到 1");
    for nonce in ["b", "c", "d"] {
        assert_eq!(under.deliver(1, nonce, App::Reply, None).await, first, "retry {nonce}");
    }
    assert_eq!(under.runs(), 1, "answered");

    // An acknowledgement is the first answer too.
    let under = Under::new(store());
    let first = under.deliver(2, "a", App::Acknowledge, None).await;
    assert_eq!((first.status(), first.body()), (200, ""));
    assert_eq!(under.deliver(2, "b", App::Reply, None).await, first);
    assert_eq!(under.runs(), 1, "acknowledged");

    // A 503 frees the key: the retry is handled, and its answer is the one kept.
    let under = Under::new(store());
    assert_eq!(under.deliver(3, "a", App::RetryLater, None).await.status(), 503);
    let second = under.deliver(3, "b", App::Reply, None).await;
    assert_eq!(reply_text(&second), "收到 2");
    assert_eq!(under.deliver(3, "c", App::Reply, None).await, second);
    assert_eq!(under.runs(), 2, "503 then handled");

    // A status of the application's own: 429 (a quota) frees the key like a 503; any other
    // below 500 is the first answer, which every retry gets.
    let under = Under::new(store());
    assert_eq!(under.deliver(8, "a", App::Status(429), None).await.status(), 429);
    let second = under.deliver(8, "b", App::Reply, None).await;
    assert_eq!(reply_text(&second), "收到 2");
    assert_eq!(under.runs(), 2, "429 then handled");
    let under = Under::new(store());
    let first = under.deliver(9, "a", App::Status(202), None).await;
    assert_eq!((first.status(), first.body()), (202, ""));
    assert_eq!(under.deliver(9, "b", App::Reply, None).await, first);
    assert_eq!(under.runs(), 1, "202 kept");

    // A handler whose future is dropped (a timeout layer, a client gone) frees the key.
    let under = Under::new(store());
    let cancelled =
        tokio::time::timeout(Duration::from_millis(100), under.deliver(4, "a", App::Hang, None));
    assert!(cancelled.await.is_err(), "the hanging handler was cut off");
    settle().await;
    let second = under.deliver(4, "b", App::Reply, None).await;
    assert_eq!(reply_text(&second), "收到 2");
    assert_eq!(under.runs(), 2, "cancelled then handled");

    // A handler that panics frees the key.
    let under = Under::new(store());
    let service = Arc::clone(&under.service);
    let runs = Arc::clone(&under.runs);
    let panicked =
        tokio::spawn(
            async move { Under { service, runs }.deliver(5, "a", App::Panic, None).await },
        );
    assert!(panicked.await.unwrap_err().is_panic());
    settle().await;
    let second = under.deliver(5, "b", App::Reply, None).await;
    assert_eq!(reply_text(&second), "收到 2");
    assert_eq!(under.runs(), 2, "panicked then handled");

    // A retry racing a slow first delivery gets 503 (never a second run); once the first
    // answers, the next retry gets that answer.
    let under = Arc::new(Under::new(store()));
    let (started, open) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let slow = {
        let (under, gate) = (Arc::clone(&under), (Arc::clone(&started), Arc::clone(&open)));
        tokio::spawn(async move { under.deliver(6, "a", App::Reply, Some(gate)).await })
    };
    started.notified().await;
    let racing = under.deliver(6, "b", App::Reply, None).await;
    assert_eq!((racing.status(), racing.body()), (503, ""), "in progress");
    open.notify_one();
    let first = slow.await.unwrap();
    assert_eq!(reply_text(&first), "收到 1");
    assert_eq!(under.deliver(6, "c", App::Reply, None).await, first);
    assert_eq!(under.runs(), 1, "raced, then answered");

    // The same, but the first delivery fails: the retry after it is handled.
    let under = Arc::new(Under::new(store()));
    let (started, open) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let slow = {
        let (under, gate) = (Arc::clone(&under), (Arc::clone(&started), Arc::clone(&open)));
        tokio::spawn(async move { under.deliver(7, "a", App::RetryLater, Some(gate)).await })
    };
    started.notified().await;
    assert_eq!(under.deliver(7, "b", App::Reply, None).await.status(), 503, "in progress");
    open.notify_one();
    assert_eq!(slow.await.unwrap().status(), 503);
    let third = under.deliver(7, "c", App::Reply, None).await;
    assert_eq!(reply_text(&third), "收到 2");
    assert_eq!(under.runs(), 2, "raced, failed, then handled");
}

/// Lets a release started in the background (`RedisDedup::abandon` spawns one) land.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn every_scenario_in_memory() {
    every_scenario(|| MemoryDedup::new(1 << 20)).await;
}

/// In memory, a cancelled or panicking delivery frees its key before its future is gone: the
/// very next delivery is handled, with no wait.
#[tokio::test]
async fn in_memory_a_cancelled_claim_is_freed_at_once() {
    let under = Under::new(MemoryDedup::new(1 << 20));
    let cancelled =
        tokio::time::timeout(Duration::from_millis(50), under.deliver(8, "a", App::Hang, None));
    assert!(cancelled.await.is_err());
    assert_eq!(reply_text(&under.deliver(8, "b", App::Reply, None).await), "收到 2");
    assert!(under.service.store().len() <= 1);
}

/// A retry that reaches the service after the lease of a delivery whose process died: the
/// claim has expired and the retry is handled.
#[tokio::test]
async fn a_claim_left_by_a_dead_process_expires_with_its_lease() {
    use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, StoreKey};
    let store = MemoryDedup::new(1 << 20);
    let under = Under::with_service(
        Service::new(Endpoint::xml(crypt()), store).with_deadline(Duration::from_secs(3)),
    );
    // The dead process's claim, made at `now()` for the service's lease.
    let (query, body) = delivery(9, "a");
    let endpoint = Endpoint::xml(crypt());
    let request = Request { method: "POST", query: &query, body: body.as_bytes() };
    let wxbizmsgcrypt_callback::endpoint::Outcome::Callback(callback) =
        endpoint.handle(request, now())
    else {
        panic!("a callback")
    };
    let key: StoreKey = callback.store_key().clone();
    let lease = under.service.lease();
    assert_eq!(lease, Duration::from_secs(5));
    let store = under.service.store();
    assert_eq!(store.claim_now(&key, &ClaimToken::random(), lease, now()), Claim::Claimed);
    assert_eq!(under.deliver(9, "b", App::Reply, None).await.status(), 503, "within the lease");
    // Past it, as the store sees it.
    let later = now() + lease;
    assert_eq!(store.claim_now(&key, &ClaimToken::random(), lease, later), Claim::Claimed);
}

/// A stream store keeps what a stream said between polls: saved as it grows, loaded by the
/// polls (on any replica, for a shared store), unknown ids not found.
async fn streams_are_kept<S: wxbizmsgcrypt_callback::aibot::StreamStore>(reader: &S, writer: &S) {
    use wxbizmsgcrypt_callback::aibot::{Reply, StreamState};
    let id = format!("s-{}", rand_id());
    let mut stream = StreamState::new(&id, now());
    writer.save(&stream, now()).await.unwrap();
    assert_eq!(
        reader.load(&id, now()).await.unwrap().unwrap().reply(now()),
        Reply::stream(&id, "")
    );
    stream.push_str("你好").unwrap();
    stream.finish();
    writer.save(&stream, now()).await.unwrap();
    assert_eq!(reader.load(&id, now()).await.unwrap(), Some(stream));
    assert_eq!(reader.load("no-such-stream", now()).await.unwrap(), None);
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

#[tokio::test]
async fn streams_are_kept_in_memory() {
    let streams = wxbizmsgcrypt_callback::aibot::MemoryStreams::new(1 << 20);
    streams_are_kept(&streams, &streams).await;
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use redis_server::RedisServer;
    use wxbizmsgcrypt_callback::redis::Redis;

    /// A prefix of its own for each store, so that the scenarios share no key.
    fn fresh(redis: &Redis) -> impl Fn() -> wxbizmsgcrypt_callback::redis::RedisDedup + '_ {
        let count = AtomicUsize::new(0);
        move || {
            redis.dedup(&format!(
                "test-{}-{}",
                std::process::id(),
                count.fetch_add(1, Ordering::SeqCst)
            ))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_scenario_in_redis() {
        let server = RedisServer::start();
        let redis = Redis::open(&server.url()).unwrap();
        every_scenario(fresh(&redis)).await;
    }

    /// Outside a tokio runtime the store fails with an error, never a panic (the `redis`
    /// crate's connection manager needs a runtime).
    #[test]
    fn without_a_runtime_a_command_is_an_error() {
        use wxbizmsgcrypt_callback::endpoint::{ClaimToken, StoreKey};
        let store = Redis::open("redis://127.0.0.1:1/").unwrap().dedup("x");
        let key = StoreKey::new(
            &[7; 32],
            &Message::parse("<xml><MsgId>1</MsgId></xml>").unwrap().dedup_key(),
        );
        let token = ClaimToken::random();
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut claim = std::pin::pin!(store.claim(&key, &token, Duration::from_secs(1), now()));
        let std::task::Poll::Ready(claim) = claim.as_mut().poll(&mut context) else {
            panic!("answers at once")
        };
        assert!(claim.unwrap_err().to_string().contains("no runtime"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streams_are_shared_by_replicas() {
        let server = RedisServer::start();
        let (a, b) = (Redis::open(&server.url()).unwrap(), Redis::open(&server.url()).unwrap());
        streams_are_kept(&a.streams("bot"), &b.streams("bot")).await;
    }

    /// Two replicas on one Redis: a retry delivered to the other replica gets the first answer;
    /// two services with their own prefixes never share a key.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replicas_share_and_services_do_not() {
        let server = RedisServer::start();
        let redis = Redis::open(&server.url()).unwrap();
        let (a, b) = (Under::new(redis.dedup("svc")), Under::new(redis.dedup("svc")));
        let first = a.deliver(10, "a", App::Reply, None).await;
        assert_eq!(reply_text(&first), "收到 1");
        assert_eq!(b.deliver(10, "b", App::Reply, None).await, first, "the other replica");
        assert_eq!((a.runs(), b.runs()), (1, 0));
        let other = Under::new(redis.dedup("another-service"));
        assert_eq!(reply_text(&other.deliver(10, "c", App::Reply, None).await), "收到 1");
        assert_eq!(other.runs(), 1, "its own prefix: its own keys");
    }

    /// Redis stopped mid-run: deliveries fail open (handled, the error reported) and are
    /// answered within a bounded time; restarted, de-duplication works again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_stopped_and_restarted() {
        let mut server = RedisServer::start();
        let redis = Redis::open(&server.url()).unwrap();
        let errors = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&errors);
        let under = Under::with_service(
            Service::new(Endpoint::xml(crypt()), redis.dedup("svc")).on_store_error(move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
            }),
        );
        assert_eq!(reply_text(&under.deliver(11, "a", App::Reply, None).await), "收到 1");
        server.stop();
        for (n, nonce) in ["b", "c"].into_iter().enumerate() {
            let answer = tokio::time::timeout(
                Duration::from_secs(10),
                under.deliver(12, nonce, App::Reply, None),
            )
            .await
            .expect("bounded by the store's timeout, not hanging");
            assert_eq!(reply_text(&answer), format!("收到 {}", n + 2), "handled (fail open)");
        }
        assert!(errors.load(Ordering::SeqCst) >= 2, "each failure reported");
        server.restart();
        // The connection manager reconnects within a few commands.
        let mut answered = None;
        for attempt in 0..50 {
            let answer = under.deliver(13, &format!("r{attempt}"), App::Reply, None).await;
            if answered.is_some() && answered.as_ref() == Some(&answer) {
                break;
            }
            answered = Some(answer);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let runs = under.runs();
        let retry = under.deliver(13, "final", App::Reply, None).await;
        assert_eq!(Some(&retry), answered.as_ref(), "de-duplication works again");
        assert_eq!(under.runs(), runs, "and the retry was not handled again");
    }
}
