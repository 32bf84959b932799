//! The AI bot's long connection, sans-I/O (`aibot::ws`), driven by the official frames of
//! Tencent's page (`tests/data/aibot-ws/frames.jsonl`, see its SOURCE.md) and by time alone:
//! subscribe and its ack, callbacks, replies on the command their kind takes, one frame in
//! flight per `req_id`, stream refreshes coalesced, ack timeouts, missed pongs, back-off with
//! separate counters, `disconnected_event`, and the per-conversation budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use serde_json::Value;
use wxbizmsgcrypt_callback::aibot::Reply;
use wxbizmsgcrypt_callback::aibot::ws::{
    Callback, CallbackKind, ChatType, Connection, Credentials, Event, Failure, SendBudget,
    StopReason, Verdict,
};

const FRAMES: &str = include_str!("data/aibot-ws/frames.jsonl");

/// The official frame whose `what` starts with `what`, as JSON.
fn official(what: &str) -> Value {
    FRAMES
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|line| line["what"].as_str().unwrap().starts_with(what))
        .unwrap_or_else(|| panic!("no official frame {what}"))["frame"]
        .clone()
}

/// The official frame `what` with its `REQUEST_ID` replaced, as text.
fn official_text(what: &str, req_id: &str) -> String {
    official(what).to_string().replace("REQUEST_ID", req_id)
}

fn ack(req_id: &str, errcode: i64) -> String {
    let mut frame = official("ack");
    frame["headers"]["req_id"] = Value::from(req_id);
    frame["errcode"] = Value::from(errcode);
    frame.to_string()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Everything `poll` has at `now`.
fn drain(connection: &mut Connection, now: Instant) -> Vec<Event> {
    std::iter::from_fn(|| connection.poll(now)).collect()
}

fn sent(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Send(frame) => Some(serde_json::from_str(frame).unwrap()),
            _ => None,
        })
        .collect()
}

fn req_id(frame: &Value) -> String {
    frame["headers"]["req_id"].as_str().unwrap().to_owned()
}

/// A connection subscribed at `now`.
fn subscribed(now: Instant) -> Connection {
    let mut connection = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 0x5eed);
    assert_eq!(drain(&mut connection, now), [Event::Connect]);
    connection.connected(now);
    let frames = sent(&drain(&mut connection, now));
    connection.received(&ack(&req_id(&frames[0]), 0), now).unwrap();
    assert_eq!(drain(&mut connection, now), [Event::Subscribed]);
    connection
}

fn callback_of(connection: &mut Connection, frame: &str, now: Instant) -> Callback {
    connection.received(frame, now).unwrap();
    match drain(connection, now).as_slice() {
        [Event::Callback(callback)] => (**callback).clone(),
        other => panic!("expected a callback, got {other:?}"),
    }
}

#[test]
fn the_subscription_is_the_documented_frame_and_counts_only_once_acked() {
    let now = Instant::now();
    let mut connection = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 1);
    assert_eq!(drain(&mut connection, now), [Event::Connect]);
    connection.connected(now);
    let frames = sent(&drain(&mut connection, now));
    assert_eq!(frames.len(), 1);
    let mut expected = official("subscribe");
    expected["headers"]["req_id"] = frames[0]["headers"]["req_id"].clone();
    assert_eq!(frames[0], expected);
    assert!(!connection.is_subscribed());
    // The frame carries the Secret; its Debug never does.
    let shown = format!("{:?}", Event::Send(frames[0].to_string()));
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(!format!("{connection:?}").contains("SECRET"));
    // A callback before the ack is not ours yet.
    connection.received(&official_text("message callback", "R0"), now).unwrap();
    assert_eq!(drain(&mut connection, now), []);
    connection.received(&ack(&req_id(&frames[0]), 0), now).unwrap();
    assert_eq!(drain(&mut connection, now), [Event::Subscribed]);
    assert!(connection.is_subscribed());
    // No ack to a subscription within 5 s: the socket is dead.
    let mut silent = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 1);
    drain(&mut silent, now);
    silent.connected(now);
    drain(&mut silent, now);
    assert_eq!(drain(&mut silent, now + secs(5)), [Event::Close]);
}

#[test]
fn callbacks_arrive_with_their_kind_and_body() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "R1"), now);
    assert_eq!((message.req_id(), message.kind()), ("R1", CallbackKind::Message));
    assert_eq!(message.message().msgid(), Some("MSGID"));
    assert_eq!(message.message().pointer("/text/content"), Some("@RobotA hello robot"));
    let enter =
        callback_of(&mut connection, &official_text("event callback: enter_chat", "R2"), now);
    assert_eq!(enter.kind(), CallbackKind::EnterChat);
    // The body is kept as WeCom sent it (its spacing, its keys' order, its numbers' spelling),
    // not as a JSON writer would write it again.
    let body =
        r#"{ "msgtype" : "text", "msgid":"M9", "text":{"content":"hi"}, "create_time": 1.7e9 }"#;
    let frame =
        format!(r#"{{"cmd":"aibot_msg_callback","headers":{{"req_id":"R3"}},"body":{body}}}"#);
    let as_sent = callback_of(&mut connection, &frame, now);
    assert_eq!(as_sent.message().as_json(), body);
    // Not WeCom's: refused with a reason, and nothing happens.
    assert!(connection.received("not json", now).is_err());
    assert!(connection.received(r#"{"cmd":"aibot_msg_callback"}"#, now).is_err());
    // A command Tencent adds later: data, not an error.
    assert!(connection.received(r#"{"cmd":"aibot_future","headers":{"req_id":"x"}}"#, now).is_ok());
    assert_eq!(drain(&mut connection, now), []);
}

#[test]
fn replies_take_the_command_of_their_callback_and_nothing_else_is_sent() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let enter =
        callback_of(&mut connection, &official_text("event callback: enter_chat", "E1"), now);
    // The documented welcome.
    let welcome = official("welcome reply");
    let content = welcome["body"]["text"]["content"].as_str().unwrap();
    connection.reply(&enter, &Reply::text(content), now).unwrap();
    let frames = sent(&drain(&mut connection, now));
    assert_eq!(
        frames,
        [serde_json::from_str::<Value>(&official_text("welcome reply", "E1")).unwrap()]
    );
    // A stream is not a welcome: refused here, never sent to be refused with 846605.
    assert_eq!(
        connection.reply(&enter, &Reply::stream("s", "x"), now),
        Err(Failure::WrongReply { callback: CallbackKind::EnterChat })
    );
    let message = callback_of(&mut connection, &official_text("message callback", "M1"), now);
    // The documented stream frame.
    let stream = official("stream reply");
    let content = stream["body"]["stream"]["content"].as_str().unwrap();
    connection.reply(&message, &Reply::stream("STREAMID", content), now).unwrap();
    let frames = sent(&drain(&mut connection, now));
    assert_eq!(
        frames,
        [serde_json::from_str::<Value>(&official_text("stream reply", "M1")).unwrap()]
    );
    // What this transport does not take.
    assert_eq!(
        connection.reply(
            &message,
            &Reply::stream_finished("STREAMID", "x").with_image(b"png"),
            now
        ),
        Err(Failure::NotOnLongConnection)
    );
    // A callback never received.
    let stranger = callback_of(&mut connection, &official_text("message callback", "M2"), now);
    let mut other = subscribed(now);
    assert_eq!(other.reply(&stranger, &Reply::text("x"), now), Err(Failure::UnknownCallback));
    // Ten minutes on, a stream is over.
    let late = now + secs(600);
    assert_eq!(
        connection.reply(&message, &Reply::stream("STREAMID", "y"), late),
        Err(Failure::StreamExpired)
    );
}

#[test]
fn a_stream_is_sent_one_frame_at_a_time_its_refreshes_coalesced_its_end_exact() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "S1"), now);
    let mut in_flight = 0;
    let mut sent_contents = Vec::new();
    let mut content = String::new();
    for (step, piece) in "你说：hello world".chars().enumerate() {
        content.push(piece);
        let finished = step + 1 == "你说：hello world".chars().count();
        let reply = if finished {
            Reply::stream_finished("sid", &content)
        } else {
            Reply::stream("sid", &content)
        };
        connection.reply(&message, &reply, now).unwrap();
        for frame in sent(&drain(&mut connection, now)) {
            in_flight += 1;
            assert!(in_flight <= 1, "two frames of one req_id in flight");
            sent_contents.push((
                frame["body"]["stream"]["content"].as_str().unwrap().to_owned(),
                frame["body"]["stream"]["finish"].as_bool().unwrap(),
            ));
        }
        // WeCom acks every third step: the refreshes in between coalesce.
        if step % 3 == 2 && in_flight == 1 {
            connection.received(&ack("S1", 0), now).unwrap();
            in_flight = 0;
        }
    }
    // The rest drains as the acks come.
    for _ in 0..4 {
        if in_flight == 1 {
            connection.received(&ack("S1", 0), now).unwrap();
            in_flight = 0;
        }
        for frame in sent(&drain(&mut connection, now)) {
            in_flight += 1;
            assert!(in_flight <= 1);
            sent_contents.push((
                frame["body"]["stream"]["content"].as_str().unwrap().to_owned(),
                frame["body"]["stream"]["finish"].as_bool().unwrap(),
            ));
        }
    }
    let steps = "你说：hello world".chars().count();
    assert!(
        sent_contents.len() < steps,
        "refreshes coalesced: {} frames for {steps} steps",
        sent_contents.len()
    );
    assert_eq!(sent_contents.last().unwrap(), &("你说：hello world".to_owned(), true));
    assert_eq!(sent_contents.iter().filter(|(_, finished)| *finished).count(), 1);
    // Every frame's content grows: none older than the one before.
    assert!(sent_contents.windows(2).all(|pair| pair[1].0.starts_with(&pair[0].0)));
}

#[test]
fn an_unacked_frame_fails_after_five_seconds_and_the_next_goes() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "T1"), now);
    let first = connection.reply(&message, &Reply::stream("s", "a"), now).unwrap();
    assert_eq!(sent(&drain(&mut connection, now)).len(), 1);
    let second = connection.reply(&message, &Reply::stream_finished("s", "ab"), now).unwrap();
    assert_ne!(first, second);
    assert_eq!(drain(&mut connection, now + secs(4)), []);
    let events = drain(&mut connection, now + secs(5));
    assert_eq!(events, [Event::Failed(first, Failure::AckTimeout)]);
    // The final frame goes next, once the first's late ack can no longer be taken for its own.
    assert_eq!(sent(&drain(&mut connection, now + secs(10))).len(), 1, "the final frame goes next");
    connection.received(&ack("T1", 846_608), now + secs(11)).unwrap();
    let events = drain(&mut connection, now + secs(11));
    let Event::Failed(id, failure) = &events[0] else { panic!("{events:?}") };
    assert_eq!(*id, second);
    assert!(failure.hint().unwrap().contains("aibot_send_msg"));
}

#[test]
fn two_unanswered_pings_close_the_socket_and_it_comes_back_after_a_second() {
    let now = Instant::now();
    let mut connection = subscribed(now).with_heartbeat(secs(30));
    let ping = sent(&drain(&mut connection, now + secs(30)));
    // The documented ping, on a req_id of our own.
    let mut expected = official("heartbeat");
    expected["headers"]["req_id"] = ping[0]["headers"]["req_id"].clone();
    assert_eq!(ping, [expected]);
    // Answered: all is well at the next.
    connection.received(&ack(&req_id(&ping[0]), 0), now + secs(31)).unwrap();
    assert_eq!(sent(&drain(&mut connection, now + secs(60))).len(), 1);
    assert_eq!(sent(&drain(&mut connection, now + secs(90))).len(), 1);
    // Two unanswered when the next is due: dead.
    assert_eq!(drain(&mut connection, now + secs(120)), [Event::Close]);
    connection.closed(now + secs(120));
    assert_eq!(connection.next_deadline(), Some(now + secs(121)));
    assert_eq!(drain(&mut connection, now + secs(120) + Duration::from_millis(999)), []);
    assert_eq!(drain(&mut connection, now + secs(121)), [Event::Connect]);
}

#[test]
fn drops_back_off_doubling_to_thirty_seconds_and_reset_on_the_ack() {
    let start = Instant::now();
    let mut connection = Connection::new(Credentials::new("BOTID", "SECRET").unwrap(), 3);
    let mut now = start;
    let mut waits = Vec::new();
    for _ in 0..7 {
        assert_eq!(drain(&mut connection, now), [Event::Connect]);
        connection.closed(now); // the socket did not open
        let next = connection.next_deadline().unwrap();
        waits.push((next - now).as_secs());
        now = next;
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
    // A subscription's ack resets the count: the next drop waits a second.
    assert_eq!(drain(&mut connection, now), [Event::Connect]);
    connection.connected(now);
    let frames = sent(&drain(&mut connection, now));
    connection.received(&ack(&req_id(&frames[0]), 0), now).unwrap();
    drain(&mut connection, now);
    connection.closed(now);
    assert_eq!(connection.next_deadline(), Some(now + secs(1)));
}

#[test]
fn refused_subscriptions_have_their_own_counter_and_stop_after_five() {
    let mut now = Instant::now();
    let mut connection = Connection::new(Credentials::new("BOTID", "WRONG").unwrap(), 4);
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        assert_eq!(drain(&mut connection, now), [Event::Connect]);
        connection.connected(now);
        let frames = sent(&drain(&mut connection, now));
        connection.received(&ack(&req_id(&frames[0]), 40_001), now).unwrap();
        let events = drain(&mut connection, now);
        if attempt < 5 {
            assert_eq!(events, [Event::Close]);
            connection.closed(now);
            let next = connection.next_deadline().unwrap();
            waits.push((next - now).as_secs());
            now = next;
            // A drop in between counts on the other counter and resets nothing.
            if attempt == 2 {
                assert_eq!(drain(&mut connection, now), [Event::Connect]);
                connection.closed(now);
                now = connection.next_deadline().unwrap();
            }
        } else {
            assert_eq!(
                events,
                [Event::Close, Event::Stopped(StopReason::AuthFailed { errcode: 40_001 })]
            );
        }
    }
    assert_eq!(waits, [1, 2, 4, 8]);
    connection.closed(now);
    assert_eq!(connection.next_deadline(), None);
    assert_eq!(drain(&mut connection, now + secs(3600)), []);
}

#[test]
fn a_kick_stops_the_connection_and_it_resumes_at_most_once() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "K1"), now);
    let pending = connection.reply(&message, &Reply::stream("s", "a"), now).unwrap();
    drain(&mut connection, now);
    connection.received(&official_text("event callback: disconnected_event", "K2"), now).unwrap();
    assert_eq!(
        drain(&mut connection, now),
        [Event::Failed(pending, Failure::ConnectionLost), Event::Close, Event::Kicked]
    );
    connection.closed(now);
    // Never a reconnect of its own.
    assert_eq!(connection.next_deadline(), None);
    assert_eq!(drain(&mut connection, now + secs(3600)), []);
    // The lease is still ours: once, after the delay given.
    assert!(connection.resume_after_kick(now, secs(3)));
    assert!(!connection.resume_after_kick(now, secs(3)));
    assert_eq!(drain(&mut connection, now + secs(3)), [Event::Connect]);
    connection.connected(now + secs(3));
    let frames = sent(&drain(&mut connection, now + secs(3)));
    connection.received(&ack(&req_id(&frames[0]), 0), now + secs(3)).unwrap();
    assert_eq!(drain(&mut connection, now + secs(3)), [Event::Subscribed]);
    // Kicked again: for good.
    connection
        .received(&official_text("event callback: disconnected_event", "K3"), now + secs(4))
        .unwrap();
    assert_eq!(
        drain(&mut connection, now + secs(4)),
        [Event::Close, Event::Stopped(StopReason::Kicked)]
    );
    assert!(!connection.resume_after_kick(now + secs(5), secs(1)));
}

#[test]
fn not_subscribed_while_the_socket_looked_open_starts_again() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "N1"), now);
    let id = connection.reply(&message, &Reply::text("hi"), now).unwrap();
    drain(&mut connection, now);
    connection.received(&ack("N1", 846_609), now).unwrap();
    let events = drain(&mut connection, now);
    assert!(
        matches!(&events[0], Event::Failed(failed, Failure::Refused { errcode: 846_609, .. }) if *failed == id)
    );
    assert_eq!(events[1], Event::Close);
    connection.closed(now);
    assert_eq!(drain(&mut connection, now + secs(1)), [Event::Connect]);
}

#[test]
fn a_push_is_the_documented_frame() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let documented = official("proactive push");
    let content = documented["body"]["markdown"]["content"].as_str().unwrap();
    connection.push_markdown("CHATID", ChatType::Single, content, now).unwrap();
    let frames = sent(&drain(&mut connection, now));
    let mut expected = documented.clone();
    expected["headers"]["req_id"] = frames[0]["headers"]["req_id"].clone();
    assert_eq!(frames, [expected]);
    assert!(connection.push_markdown("CHATID", ChatType::Group, &"x".repeat(20_481), now).is_err());
}

#[test]
fn the_send_budget_says_now_wait_or_give_up() {
    let start = Instant::now();
    let mut budget = SendBudget::new();
    assert_eq!(budget.check(start), Verdict::GiveUp);
    budget.user_wrote(start);
    // 30 a minute, spread over the first 30 s.
    for n in 0..30 {
        let at = start + secs(n);
        assert_eq!(budget.check(at), Verdict::SendNow);
        budget.record(at);
    }
    assert_eq!(budget.check(start + secs(30)), Verdict::WaitUntil(start + secs(60)));
    assert_eq!(budget.check(start + secs(60)), Verdict::SendNow);
    // 1,000 an hour: 30 a minute for 34 minutes would be 1,020.
    let mut budget = SendBudget::new();
    budget.user_wrote(start);
    let mut sent = 0;
    for minute in 0..40 {
        for n in 0..30 {
            let at = start + secs(minute * 60 + n);
            if budget.check(at) == Verdict::SendNow {
                budget.record(at);
                sent += 1;
            }
        }
    }
    assert_eq!(sent, 1000);
    assert_eq!(budget.check(start + secs(40 * 60)), Verdict::WaitUntil(start + secs(3600)));
    // The window closes 24 h after the user's last message.
    assert_eq!(budget.check(start + secs(24 * 3600)), Verdict::GiveUp);
    budget.user_wrote(start + secs(24 * 3600));
    assert_eq!(budget.check(start + secs(24 * 3600)), Verdict::SendNow);
}

/// The long connection's media: each URL has its own `aeskey`, base64 of 32 bytes with or
/// without its `=` (43 or 44 characters); both open what RustCrypto sealed, and a corrupted
/// pad is an error, never bytes.
#[test]
fn per_url_keys_of_both_lengths_open_media_and_a_bad_pad_is_refused() {
    use aes::cipher::{BlockModeEncrypt, KeyIvInit, array::Array};
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use wxbizmsgcrypt::media::{self, MediaKey};

    let key = [0x5a_u8; 32];
    let plain: Vec<u8> = (0..(1_u32 << 20)).map(|i| (i % 253) as u8).collect();
    let seal = |data: &[u8]| {
        let mut data = data.to_vec();
        let pad = 32 - data.len() % 32;
        data.extend(std::iter::repeat_n(pad as u8, pad));
        let (blocks, _) = Array::slice_as_chunks_mut(&mut data);
        cbc::Encryptor::<aes::Aes256>::new(&key.into(), key[..16].try_into().unwrap())
            .encrypt_blocks(blocks);
        data
    };
    let sealed = seal(&plain);
    for aeskey in [STANDARD.encode(key), STANDARD_NO_PAD.encode(key)] {
        let media_key = MediaKey::new(&aeskey).unwrap();
        assert_eq!(
            media::decrypt(&media_key, &sealed).unwrap(),
            plain,
            "{} characters",
            aeskey.len()
        );
    }
    // A pad byte that is not the pad: the last block re-encrypted with a wrong pad.
    let mut bad = plain[..40].to_vec();
    bad.extend([24_u8; 23]);
    bad.push(7);
    let mut data = bad;
    let (blocks, _) = Array::slice_as_chunks_mut(&mut data);
    cbc::Encryptor::<aes::Aes256>::new(&key.into(), key[..16].try_into().unwrap())
        .encrypt_blocks(blocks);
    assert!(media::decrypt(&MediaKey::new(&STANDARD.encode(key)).unwrap(), &data).is_err());
}

#[test]
fn a_late_ack_is_not_taken_for_the_next_frames() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "L1"), now);
    let first = connection.reply(&message, &Reply::stream("s", "a"), now).unwrap();
    assert_eq!(sent(&drain(&mut connection, now)).len(), 1);
    let second = connection.reply(&message, &Reply::stream_finished("s", "ab"), now).unwrap();
    // The first times out; the second waits for its late ack (or another 5 s), so that the
    // late ack is never credited to the second.
    assert_eq!(drain(&mut connection, now + secs(5)), [Event::Failed(first, Failure::AckTimeout)]);
    connection.received(&ack("L1", 0), now + secs(6)).unwrap();
    let events = drain(&mut connection, now + secs(6));
    assert_eq!(sent(&events).len(), 1, "the late ack freed the lane: {events:?}");
    assert!(!events.iter().any(|event| matches!(event, Event::Acked(_))), "{events:?}");
    connection.received(&ack("L1", 0), now + secs(7)).unwrap();
    assert_eq!(drain(&mut connection, now + secs(7)), [Event::Acked(second)]);
    // Without a late ack, the next frame goes after another 5 s.
    let third =
        callback_of(&mut connection, &official_text("message callback", "L2"), now + secs(8));
    let id = connection.reply(&third, &Reply::stream("t", "a"), now + secs(8)).unwrap();
    drain(&mut connection, now + secs(8));
    connection.reply(&third, &Reply::stream_finished("t", "ab"), now + secs(8)).unwrap();
    assert_eq!(drain(&mut connection, now + secs(13)), [Event::Failed(id, Failure::AckTimeout)]);
    assert_eq!(sent(&drain(&mut connection, now + secs(17))).len(), 0);
    assert_eq!(sent(&drain(&mut connection, now + secs(18))).len(), 1);
}

#[test]
fn a_ping_refused_as_not_subscribed_starts_again() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let ping = sent(&drain(&mut connection, now + secs(30)));
    connection.received(&ack(&req_id(&ping[0]), 846_609), now + secs(30)).unwrap();
    assert_eq!(drain(&mut connection, now + secs(30)), [Event::Close]);
    // Any other refusal is no sign of life: two of them, and the socket is dead.
    let mut other = subscribed(now);
    for at in [30, 60] {
        let ping = sent(&drain(&mut other, now + secs(at)));
        other.received(&ack(&req_id(&ping[0]), 500), now + secs(at)).unwrap();
    }
    assert_eq!(drain(&mut other, now + secs(90)), [Event::Close]);
}

#[test]
fn replies_go_only_on_the_subscription_their_callback_came_on() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "P1"), now);
    connection.closed(now);
    assert_eq!(drain(&mut connection, now + secs(1)), [Event::Connect]);
    connection.connected(now + secs(1));
    let frames = sent(&drain(&mut connection, now + secs(1)));
    connection.received(&ack(&req_id(&frames[0]), 0), now + secs(1)).unwrap();
    drain(&mut connection, now + secs(1));
    assert_eq!(
        connection.reply(&message, &Reply::text("late"), now + secs(1)),
        Err(Failure::ConnectionLost)
    );
    // Stopped: nothing is queued that would never be answered.
    connection.stop(StopReason::Requested);
    assert_eq!(
        connection.push_markdown("C", ChatType::Single, "x", now),
        Err(Failure::NotSubscribed)
    );
}

#[test]
fn a_kick_long_after_a_resume_is_a_first_kick_again() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let kick = |at: &str| official_text("event callback: disconnected_event", at);
    connection.received(&kick("K1"), now).unwrap();
    drain(&mut connection, now);
    connection.closed(now);
    assert!(connection.resume_after_kick(now, secs(1)));
    drain(&mut connection, now + secs(1));
    connection.connected(now + secs(1));
    let frames = sent(&drain(&mut connection, now + secs(1)));
    connection.received(&ack(&req_id(&frames[0]), 0), now + secs(1)).unwrap();
    drain(&mut connection, now + secs(1));
    // Eleven minutes of a stable subscription later, a stray login: resumable once more.
    let later = now + secs(11 * 60);
    connection.received(&kick("K2"), later).unwrap();
    assert_eq!(drain(&mut connection, later).last(), Some(&Event::Kicked));
}

#[test]
fn markdown_and_media_answer_messages_only() {
    let now = Instant::now();
    let mut connection = subscribed(now);
    let message = callback_of(&mut connection, &official_text("message callback", "D1"), now);
    // The documented push's markdown, as an answer.
    let documented = official("proactive push");
    let content = documented["body"]["markdown"]["content"].as_str().unwrap();
    connection.reply_markdown(&message, content, now).unwrap();
    let frames = sent(&drain(&mut connection, now));
    assert_eq!(frames[0]["cmd"], "aibot_respond_msg");
    assert_eq!(frames[0]["headers"]["req_id"], "D1");
    assert_eq!(
        frames[0]["body"],
        serde_json::json!({"msgtype": "markdown", "markdown": documented["body"]["markdown"]})
    );
    connection.received(&ack("D1", 0), now).unwrap();
    drain(&mut connection, now);
    // The documented upload's media_id, as a file answer.
    let media_id = official("upload finish ack")["body"]["media_id"].as_str().unwrap().to_owned();
    connection
        .reply_media(&message, wxbizmsgcrypt_callback::aibot::ws::MediaKind::File, &media_id, now)
        .unwrap();
    let frames = sent(&drain(&mut connection, now));
    assert_eq!(
        frames[0]["body"],
        serde_json::json!({"msgtype": "file", "file": {"media_id": media_id}})
    );
    assert!(connection.reply_markdown(&message, &"x".repeat(20_481), now).is_err());
    let enter =
        callback_of(&mut connection, &official_text("event callback: enter_chat", "D2"), now);
    assert_eq!(
        connection.reply_markdown(&enter, "hi", now),
        Err(Failure::WrongReply { callback: CallbackKind::EnterChat })
    );
}
