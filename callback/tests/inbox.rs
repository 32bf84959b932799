//! The instruction inbox, run against `MemoryInbox` and, with the `redis` feature, `RedisInbox`
//! on a real `redis-server`: each scenario with two handles on one store, as two replicas
//! would have. Bodies are Tencent's documented ones (`tests/data/callbacks`, sources in
//! `documented.json` / `composed.json`); validities are Tencent's (suite_ticket 30 min,
//! component_verify_ticket 12 h, AuthCode 10 min, single use).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt_callback::aibot::ws::{ChatType, Outbox};
use wxbizmsgcrypt_callback::inbox::{Inbox, InboxStore, MemoryInbox, Recorded, Scope, Task};
use wxbizmsgcrypt_callback::message::Message;

const SUITE_TICKET: &str = include_str!("data/callbacks/wecom_suite_ticket.xml");
const CREATE_AUTH: &str = include_str!("data/callbacks/composed_tp_create_auth.xml");
const RESET_CODE: &str = include_str!("data/callbacks/composed_tp_reset_permanent_code.xml");
const CANCEL_AUTH: &str = include_str!("data/callbacks/composed_tp_cancel_auth.xml");
const COMPONENT_TICKET: &str =
    include_str!("data/callbacks/composed_open_component_verify_ticket.xml");

const SUITE: &str = "ww4asffe99e54c0fxxxx";
/// The documented instructions' `TimeStamp`.
const ISSUED: u64 = 1_403_610_513;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn parse(body: &str) -> Message {
    Message::parse(body).unwrap()
}

/// The documented suite_ticket, for `suite` with `ticket`, issued at `issued`.
fn suite_ticket(suite: &str, ticket: &str, issued: u64) -> Message {
    parse(
        &SUITE_TICKET
            .replace(SUITE, suite)
            .replace("asdfasfdasdfasdf", ticket)
            .replace(&ISSUED.to_string(), &issued.to_string()),
    )
}

async fn tickets_are_shared_and_the_newest_wins<S: InboxStore>(a: &Inbox<S>, b: &Inbox<S>) {
    let now = at(ISSUED);
    let scope = Scope::Suite(SUITE);
    assert_eq!(
        a.record(Scope::Suite(SUITE), &parse(SUITE_TICKET), now).await.unwrap(),
        Recorded::Ticket { kept: true }
    );
    let ticket = b.ticket(scope, now).await.unwrap().expect("the other replica reads it");
    assert_eq!(ticket.value(), "asdfasfdasdfasdf");
    assert_eq!(ticket.issued_at(), at(ISSUED));
    assert_eq!(ticket.expires_at(), at(ISSUED + 30 * 60));

    // Ten minutes on, the next push; then a retry of the first arrives late: the newer stays.
    let later = at(ISSUED + 600);
    b.record(Scope::Suite(SUITE), &suite_ticket(SUITE, "second", ISSUED + 600), later)
        .await
        .unwrap();
    let late = a.record(Scope::Suite(SUITE), &parse(SUITE_TICKET), later).await.unwrap();
    assert_eq!(late, Recorded::Ticket { kept: false });
    assert_eq!(a.ticket(scope, later).await.unwrap().unwrap().value(), "second");
    // Two pushes missed (Tencent tolerates them): still valid 29 minutes after the last.
    assert!(a.ticket(scope, at(ISSUED + 600 + 29 * 60)).await.unwrap().is_some());
    // Thirty minutes after it, gone.
    assert!(a.ticket(scope, at(ISSUED + 600 + 30 * 60)).await.unwrap().is_none());
}

async fn suites_never_share_a_record<S: InboxStore>(a: &Inbox<S>, b: &Inbox<S>) {
    let now = at(ISSUED);
    a.record(Scope::Suite("wwsuiteA"), &suite_ticket("wwsuiteA", "ticket-a", ISSUED), now)
        .await
        .unwrap();
    b.record(Scope::Suite("wwsuiteB"), &suite_ticket("wwsuiteB", "ticket-b", ISSUED), now)
        .await
        .unwrap();
    assert_eq!(b.ticket(Scope::Suite("wwsuiteA"), now).await.unwrap().unwrap().value(), "ticket-a");
    assert_eq!(a.ticket(Scope::Suite("wwsuiteB"), now).await.unwrap().unwrap().value(), "ticket-b");
    // A component of the same id is another scope.
    assert!(a.ticket(Scope::Component("wwsuiteA"), now).await.unwrap().is_none());

    let create = parse(&CREATE_AUTH.replace(SUITE, "wwsuiteA"));
    assert_eq!(a.record(Scope::Suite("wwsuiteA"), &create, now).await.unwrap(), Recorded::Task);
    assert_eq!(b.take_task(Scope::Suite("wwsuiteB"), now).await.unwrap(), None);
    assert!(b.take_task(Scope::Suite("wwsuiteA"), now).await.unwrap().is_some());
}

async fn an_auth_code_is_taken_once_within_ten_minutes<S: InboxStore>(a: &Inbox<S>, b: &Inbox<S>) {
    let now = at(ISSUED);
    let scope = Scope::Suite(SUITE);
    a.record(Scope::Suite(SUITE), &parse(CREATE_AUTH), now).await.unwrap();
    a.record(Scope::Suite(SUITE), &parse(RESET_CODE), now).await.unwrap();
    a.record(Scope::Suite(SUITE), &parse(CANCEL_AUTH), now).await.unwrap();
    let first = b.take_task(scope, now).await.unwrap();
    assert_eq!(
        first,
        Some(Task::CreateAuth {
            auth_code: "AUTHCODE".to_owned(),
            state: Some("123".to_owned()),
            expires_at: at(ISSUED + 600),
        })
    );
    let second = a.take_task(scope, now).await.unwrap();
    assert_eq!(
        second,
        Some(Task::ResetPermanentCode {
            auth_code: "AUTHCODE2".to_owned(),
            expires_at: at(ISSUED + 600)
        })
    );
    let third = b.take_task(scope, now).await.unwrap();
    assert_eq!(third, Some(Task::CancelAuth { auth_corp_id: "wxf8b4f85f3a794e77".to_owned() }));
    assert_eq!(a.take_task(scope, now).await.unwrap(), None, "each task is taken once");

    // An auth code not taken within its ten minutes is dropped, not handed out.
    a.record(Scope::Suite(SUITE), &parse(CREATE_AUTH), now).await.unwrap();
    assert_eq!(b.take_task(scope, at(ISSUED + 600)).await.unwrap(), None);
}

async fn a_component_ticket_lasts_twelve_hours<S: InboxStore>(a: &Inbox<S>, b: &Inbox<S>) {
    // The documented component_verify_ticket is dated by its CreateTime.
    let issued = 1_413_192_605;
    let scope = Scope::Component("wx304925fbe14e2bfd");
    a.record(scope, &parse(COMPONENT_TICKET), at(issued)).await.unwrap();
    let ticket = b.ticket(scope, at(issued + 11 * 3600)).await.unwrap().unwrap();
    assert_eq!(ticket.value(), "ticket@@@lEHjsBEi_TPDey0IZxw4Zbb7JRYLOtEf4ub");
    assert_eq!(ticket.expires_at(), at(issued + 12 * 3600));
    assert!(b.ticket(scope, at(issued + 12 * 3600)).await.unwrap().is_none());
}

async fn what_is_not_an_instruction_to_keep_is_nothing<S: InboxStore>(a: &Inbox<S>) {
    let now = at(ISSUED);
    let text = parse(include_str!("data/callbacks/wecom_text.xml"));
    assert_eq!(a.record(Scope::Suite(SUITE), &text, now).await.unwrap(), Recorded::Nothing);
    let unknown = parse(&SUITE_TICKET.replace("suite_ticket", "a_future_instruction"));
    assert_eq!(a.record(Scope::Suite(SUITE), &unknown, now).await.unwrap(), Recorded::Nothing);
    // A ticket dated an hour ago is past its validity: not kept as fresh.
    let stale = suite_ticket("wwstale", "old", ISSUED - 3600);
    assert_eq!(
        a.record(Scope::Suite("wwstale"), &stale, now).await.unwrap(),
        Recorded::Ticket { kept: false }
    );
    assert!(a.ticket(Scope::Suite("wwstale"), now).await.unwrap().is_none());
    // Another suite's instruction, recorded by this suite's endpoint: not recorded.
    let foreign = suite_ticket("wwothersuite", "theirs", ISSUED);
    assert_eq!(a.record(Scope::Suite(SUITE), &foreign, now).await.unwrap(), Recorded::OtherScope);
    assert!(a.ticket(Scope::Suite("wwothersuite"), now).await.unwrap().is_none());
    // A ticket dated in the future is dated now: it cannot outrank the next genuine one.
    let ahead = suite_ticket("wwahead", "ahead", ISSUED + 86_400);
    assert_eq!(
        a.record(Scope::Suite("wwahead"), &ahead, now).await.unwrap(),
        Recorded::Ticket { kept: true }
    );
    let next = suite_ticket("wwahead", "genuine", ISSUED + 600);
    let kept = a.record(Scope::Suite("wwahead"), &next, at(ISSUED + 600)).await.unwrap();
    assert_eq!(kept, Recorded::Ticket { kept: true });
    assert_eq!(
        a.ticket(Scope::Suite("wwahead"), at(ISSUED + 600)).await.unwrap().unwrap().value(),
        "genuine"
    );
    // Times at the edge of the representable are data, never a panic.
    for huge in ["18446744073709551615", "9223372036854775807", "99999999999999"] {
        let ticket =
            parse(&SUITE_TICKET.replace(&ISSUED.to_string(), huge).replace(SUITE, "wwhuge"));
        a.record(Scope::Suite("wwhuge"), &ticket, now).await.unwrap();
        let create =
            parse(&CREATE_AUTH.replace(&ISSUED.to_string(), huge).replace(SUITE, "wwhuge"));
        a.record(Scope::Suite("wwhuge"), &create, now).await.unwrap();
    }
}

#[test]
fn the_inbox_shows_no_credential() {
    let now = at(ISSUED);
    let inbox = Inbox::new(MemoryInbox::new(10));
    block_on(inbox.record(Scope::Suite(SUITE), &parse(SUITE_TICKET), now)).unwrap();
    block_on(inbox.record(Scope::Suite(SUITE), &parse(CREATE_AUTH), now)).unwrap();
    let shown = format!("{inbox:?}");
    assert!(!shown.contains("asdfasfdasdfasdf") && !shown.contains("AUTHCODE"), "{shown}");
    let ticket = block_on(inbox.ticket(Scope::Suite(SUITE), now)).unwrap().unwrap();
    assert!(!format!("{ticket:?}").contains("asdfasfdasdfasdf"));
    let task = block_on(inbox.take_task(Scope::Suite(SUITE), now)).unwrap().unwrap();
    assert!(!format!("{task:?}").contains("AUTHCODE"), "{task:?}");
}

/// Drives a future that never waits (the memory store answers at once).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// The AI bot's outbox on an inbox store: queued on one replica, taken once on another.
async fn the_outbox_is_shared_and_taken_once<S: InboxStore>(a: Outbox<S>, b: Outbox<S>) {
    let now = SystemTime::now();
    a.send_markdown("CHAT1", ChatType::Single, "**first**", now).await.unwrap();
    a.send_markdown("CHAT2", ChatType::Group, "second", now).await.unwrap();
    let first = b.take(now).await.unwrap().unwrap();
    assert_eq!(
        (first.chatid(), first.chat_type(), first.markdown()),
        ("CHAT1", ChatType::Single, "**first**")
    );
    let second = a.take(now).await.unwrap().unwrap();
    assert_eq!((second.chatid(), second.chat_type()), ("CHAT2", ChatType::Group));
    assert_eq!(b.take(now).await.unwrap(), None);
    assert!(a.send_markdown("CHAT1", ChatType::Single, &"x".repeat(20_481), now).await.is_err());
}

#[tokio::test]
async fn the_outbox_in_memory() {
    let store = std::sync::Arc::new(MemoryInbox::new(100));
    let (a, b) = (Outbox::new(store.clone(), "BOT"), Outbox::new(store, "BOT"));
    the_outbox_is_shared_and_taken_once(a, b).await;
}

#[tokio::test]
async fn every_scenario_in_memory() {
    let store = std::sync::Arc::new(MemoryInbox::new(1000));
    let (a, b) = (Inbox::new(store.clone()), Inbox::new(store));
    tickets_are_shared_and_the_newest_wins(&a, &b).await;
    suites_never_share_a_record(&a, &b).await;
    an_auth_code_is_taken_once_within_ten_minutes(&a, &b).await;
    a_component_ticket_lasts_twelve_hours(&a, &b).await;
    what_is_not_an_instruction_to_keep_is_nothing(&a).await;
}

#[tokio::test]
async fn a_task_this_version_cannot_read_is_put_back_not_lost() {
    put_back_not_lost(std::sync::Arc::new(MemoryInbox::new(100)), at(ISSUED)).await;
}

async fn put_back_not_lost<S: InboxStore>(store: std::sync::Arc<S>, now: SystemTime) {
    let inbox = Inbox::new(store.clone());
    let key = format!("suite:{SUITE}:tasks");
    // What a newer version of the crate wrote, then a task this one knows.
    let future = br#"{"t":"a_future_task","exp":9999999999}"#;
    store.push(&key, future, Duration::from_secs(3600), now).await.unwrap();
    inbox.record(Scope::Suite(SUITE), &parse(CANCEL_AUTH), now).await.unwrap();
    let task = inbox.take_task(Scope::Suite(SUITE), now).await.unwrap();
    assert_eq!(task, Some(Task::CancelAuth { auth_corp_id: "wxf8b4f85f3a794e77".to_owned() }));
    assert_eq!(inbox.take_task(Scope::Suite(SUITE), now).await.unwrap(), None);
    // Still there for a replica that can read it.
    assert_eq!(store.take(&key, now).await.unwrap().as_deref(), Some(future.as_slice()));
}

#[tokio::test]
async fn a_full_memory_inbox_refuses_rather_than_drops() {
    let inbox = Inbox::new(MemoryInbox::new(2));
    let now = at(ISSUED);
    inbox.record(Scope::Suite(SUITE), &parse(CREATE_AUTH), now).await.unwrap();
    inbox.record(Scope::Suite(SUITE), &parse(RESET_CODE), now).await.unwrap();
    assert!(inbox.record(Scope::Suite(SUITE), &parse(CANCEL_AUTH), now).await.is_err());
    assert!(matches!(
        inbox.take_task(Scope::Suite(SUITE), now).await.unwrap(),
        Some(Task::CreateAuth { .. })
    ));
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use redis_server::RedisServer;
    use wxbizmsgcrypt_callback::redis::Redis;

    /// Two connections (two replicas) on one server. Redis expires keys by its own clock,
    /// so the scenarios' times are checked by the inbox, which dates every record itself;
    /// each scenario has a prefix of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_scenario_in_redis() {
        let server = RedisServer::start();
        let (one, two) = (Redis::open(&server.url()).unwrap(), Redis::open(&server.url()).unwrap());
        let pair = |name: &str| {
            let prefix = format!("inbox-test-{}-{name}", std::process::id());
            (Inbox::new(one.inbox(&prefix)), Inbox::new(two.inbox(&prefix)))
        };
        let prefix = format!("outbox-test-{}", std::process::id());
        the_outbox_is_shared_and_taken_once(
            Outbox::new(one.inbox(&prefix), "BOT"),
            Outbox::new(two.inbox(&prefix), "BOT"),
        )
        .await;
        let (a, b) = pair("suites");
        suites_never_share_a_record(&a, &b).await;
        let (a, b) = pair("codes");
        an_auth_code_is_taken_once_within_ten_minutes(&a, &b).await;
        let (a, _) = pair("nothing");
        what_is_not_an_instruction_to_keep_is_nothing(&a).await;
        // Redis expires by its own clock: the task's times are now's.
        let prefix = format!("inbox-test-{}-put-back", std::process::id());
        put_back_not_lost(std::sync::Arc::new(one.inbox(&prefix)), SystemTime::now()).await;
        // A full list refuses rather than drops: the first task is still the first.
        let prefix = format!("inbox-test-{}-full", std::process::id());
        let full = one.inbox(&prefix);
        let (key, now) = (format!("suite:{SUITE}:tasks"), SystemTime::now());
        for i in 0..wxbizmsgcrypt_callback::redis::MAX_QUEUED_TASKS {
            full.push(&key, format!("task {i}").as_bytes(), Duration::from_secs(600), now)
                .await
                .unwrap();
        }
        assert!(full.push(&key, b"one too many", Duration::from_secs(600), now).await.is_err());
        assert_eq!(full.take(&key, now).await.unwrap().as_deref(), Some(b"task 0".as_slice()));
        let (a, b) = pair("tickets");
        // Tickets with times of their own (Redis expires by the real clock): the documented
        // ticket re-dated to now, and the newest winning across replicas.
        let now = SystemTime::now();
        let secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
        a.record(Scope::Suite(SUITE), &suite_ticket(SUITE, "first", secs), now).await.unwrap();
        let then = now + Duration::from_secs(1);
        b.record(Scope::Suite(SUITE), &suite_ticket(SUITE, "second", secs + 1), then)
            .await
            .unwrap();
        let late =
            a.record(Scope::Suite(SUITE), &suite_ticket(SUITE, "first", secs), now).await.unwrap();
        assert_eq!(late, Recorded::Ticket { kept: false });
        let ticket = a.ticket(Scope::Suite(SUITE), now).await.unwrap().unwrap();
        assert_eq!((ticket.value(), ticket.expires_at()), ("second", at(secs + 1 + 1800)));
        // Redis keeps it for the ticket's validity, not forever.
        let mut connection = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let key = format!("inbox-test-{}-tickets:inbox:suite:{SUITE}:ticket", std::process::id());
        let ttl: i64 = ::redis::cmd("PTTL").arg(&key).query_async(&mut connection).await.unwrap();
        assert!((1_790_000..=1_801_000).contains(&ttl), "{ttl}");
    }
}
