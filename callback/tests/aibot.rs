//! The AI bot: messages against the bodies in `tests/data/callbacks/aibot/` (their expectations
//! written from Tencent's documents and the official SDK's types), replies read back with
//! serde_json, every limit at its boundary, and the stream protocol.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};
use wxbizmsgcrypt::{Error, MessageFault, MsgCrypt, ReplyFault, Signed, Stamp, json as envelope};
use wxbizmsgcrypt_callback::aibot::{
    CardType, Event, IMAGE_MAX_BYTES, Kind, Message, MixedItem, Reply, STREAM_CONTENT_MAX_BYTES,
    STREAM_MAX_IMAGES, StreamState, TemplateCard,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/callbacks/aibot");

fn corpus() -> Vec<(String, Message, Value)> {
    let mut cases = Vec::new();
    for name in ["expected.json", "composed.json"] {
        let all: Value =
            serde_json::from_str(&std::fs::read_to_string(Path::new(DATA).join(name)).unwrap())
                .unwrap();
        for (file, expected) in all.as_object().unwrap() {
            if file.starts_with('_') {
                continue;
            }
            assert!(expected["source"].as_str().is_some_and(|s| s.len() > 10), "{file}: a source");
            let body = std::fs::read_to_string(Path::new(DATA).join(file)).unwrap();
            let message = Message::parse(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
            cases.push((file.clone(), message, expected.clone()));
        }
    }
    assert!(cases.len() >= 11, "{} bodies", cases.len());
    cases
}

/// The kind as the expectation files write it, from the typed variant.
fn kind_label(message: &Message) -> String {
    match message.kind() {
        Kind::Text { .. } => "text".into(),
        Kind::Image(_) => "image".into(),
        Kind::Mixed(_) => "mixed".into(),
        Kind::Voice { .. } => "voice".into(),
        Kind::File(_) => "file".into(),
        Kind::Video(_) => "video".into(),
        Kind::StreamRefresh { .. } => "stream refresh".into(),
        Kind::Event(Event::EnterChat) => "event enter_chat".into(),
        Kind::Event(Event::TemplateCard(_)) => "event template_card_event".into(),
        Kind::Event(Event::Feedback) => "event feedback_event".into(),
        Kind::Event(Event::Disconnected) => "event disconnected_event".into(),
        Kind::Event(Event::Unknown { eventtype }) => format!("unknown event {eventtype}"),
        Kind::Unknown { msgtype } => format!("unknown {msgtype:?}"),
        _ => "a kind this test does not know".into(),
    }
}

#[test]
fn every_body_parses_with_its_expected_kind_and_values() {
    for (file, message, expected) in corpus() {
        assert_eq!(kind_label(&message), expected["kind"].as_str().unwrap(), "{file}");
        let text = |key: &str| expected.get(key).and_then(Value::as_str);
        if let Some(want) = text("msgid") {
            assert_eq!(message.msgid(), Some(want), "{file}");
        }
        if let Some(want) = text("chattype") {
            assert_eq!(message.chattype(), Some(want), "{file}");
        }
        if let Some(want) = text("chatid") {
            assert_eq!(message.chatid(), Some(want), "{file}");
        }
        if let Some(want) = text("from.userid") {
            assert_eq!(message.from_userid(), Some(want), "{file}");
        }
        if let Some(want) = text("from.corpid") {
            assert_eq!(message.from_corpid(), Some(want), "{file}");
        }
        if let Some(want) = expected.get("create_time").and_then(Value::as_u64) {
            assert_eq!(message.create_time(), Some(at(want)), "{file}");
        }
        match message.kind() {
            Kind::Text { content } => assert_eq!(content, text("text.content"), "{file}"),
            Kind::Voice { content } => assert_eq!(content, text("voice.content"), "{file}"),
            Kind::Image(media) => assert_eq!(media.url, text("image.url"), "{file}"),
            Kind::File(media) => {
                assert_eq!(
                    (media.url, media.aeskey),
                    (text("file.url"), text("file.aeskey")),
                    "{file}"
                );
            }
            Kind::Video(media) => assert_eq!(media.url, text("video.url"), "{file}"),
            Kind::StreamRefresh { id } => assert_eq!(id, text("stream.id"), "{file}"),
            Kind::Mixed(mixed) => {
                let items: Vec<MixedItem<'_>> = mixed.items().collect();
                let types: Vec<&str> = items
                    .iter()
                    .map(|item| match item {
                        MixedItem::Text { .. } => "text",
                        MixedItem::Image(_) => "image",
                        _ => "other",
                    })
                    .collect();
                let want: Vec<&str> = expected["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(types, want, "{file}");
                let first_text = items.iter().find_map(|item| match item {
                    MixedItem::Text { content } => *content,
                    _ => None,
                });
                assert_eq!(first_text, text("first_text"), "{file}");
            }
            Kind::Event(Event::TemplateCard(card)) => {
                assert_eq!(card.event_key, text("event_key"), "{file}");
                assert_eq!(card.task_id, text("task_id"), "{file}");
                if let Some(want) = text("card_type") {
                    assert_eq!(card.card_type, Some(want), "{file}");
                }
                let selected: Vec<Value> = card
                    .selected_items()
                    .map(|item| json!([item.question_key, item.option_ids().collect::<Vec<_>>()]))
                    .collect();
                assert_eq!(Value::Array(selected), expected["selected"], "{file}");
            }
            Kind::Event(Event::Feedback) => {
                assert_eq!(
                    message.pointer("/event/feedback_event/id"),
                    text("event.feedback_event.id")
                );
            }
            _ => {}
        }
        if let Some(want) = text("quote.msgtype") {
            assert_eq!(message.quote().and_then(|q| q.msgtype()), Some(want), "{file}");
        }
    }
}

#[test]
fn invented_kinds_are_unknown_with_every_field_readable() {
    let message = Message::parse(
        r#"{"msgid":"m","msgtype":"hologram","hologram":{"depth":3,"frames":["a"]}}"#,
    )
    .unwrap();
    assert!(matches!(message.kind(), Kind::Unknown { msgtype: Some("hologram") }));
    assert_eq!(message.pointer("/hologram/frames/0"), Some("a"));
    let event = Message::parse(
        r#"{"msgtype":"event","event":{"eventtype":"teleport","teleport":{"to":"mars"}}}"#,
    )
    .unwrap();
    assert!(matches!(event.kind(), Kind::Event(Event::Unknown { eventtype: "teleport" })));
    assert_eq!(event.pointer("/event/teleport/to"), Some("mars"));
    let no_type = Message::parse(r#"{"msgid":"m"}"#).unwrap();
    assert!(matches!(no_type.kind(), Kind::Unknown { msgtype: None }));
    let mixed = Message::parse(
        r#"{"msgtype":"mixed","mixed":{"msg_item":[{"msgtype":"sticker","sticker":{}}]}}"#,
    )
    .unwrap();
    let Kind::Mixed(items) = mixed.kind() else { panic!() };
    assert_eq!(
        items.items().collect::<Vec<_>>(),
        [MixedItem::Unknown { msgtype: Some("sticker") }]
    );
    // Fields of the wrong JSON type are absent, not errors.
    let odd = Message::parse(
        r#"{"msgtype":"text","text":{"content":42},"msgid":7,"create_time":"1700000000"}"#,
    )
    .unwrap();
    assert!(matches!(odd.kind(), Kind::Text { content: None }));
    assert_eq!((odd.msgid(), odd.create_time()), (None, Some(at(1_700_000_000))));
}

#[test]
fn only_json_that_is_not_an_object_is_an_error() {
    for (json, fault) in [
        ("", MessageFault::NotWellFormed),
        ("{", MessageFault::NotWellFormed),
        ("<xml/>", MessageFault::NotWellFormed),
        ("[]", MessageFault::NotAnObject),
        ("\"text\"", MessageFault::NotAnObject),
        ("null", MessageFault::NotAnObject),
    ] {
        let err = Message::parse(json).unwrap_err();
        assert_eq!(err, Error::MalformedMessage(fault), "{json:?}");
        assert_eq!(err.code(), -40002);
    }
    // Nesting beyond serde_json's recursion limit is refused, not a stack overflow.
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        Message::parse(&deep).unwrap_err(),
        Error::MalformedMessage(MessageFault::NotWellFormed)
    );
}

#[test]
fn debug_output_names_fields_but_never_their_values() {
    let message =
        Message::parse(r#"{"msgtype":"text","text":{"content":"secret words"}}"#).unwrap();
    let debug = format!("{message:?}");
    assert!(debug.contains("text") && !debug.contains("secret"), "{debug}");
}

#[test]
fn dedup_keys_are_msgids_per_bot() {
    let key = |json: &str| Message::parse(json).unwrap().dedup_key();
    assert_eq!(key(r#"{"aibotid":"b1","msgid":"m1","msgtype":"text"}"#).as_str(), "aibot:b1:m1");
    assert_eq!(
        key(r#"{"aibotid":"b1","msgid":"m1","msgtype":"text"}"#),
        key(r#"{"msgtype":"text","msgid":"m1","aibotid":"b1"}"#)
    );
    assert_ne!(key(r#"{"aibotid":"b1","msgid":"m1"}"#), key(r#"{"aibotid":"b2","msgid":"m1"}"#));
    // Without a msgid: a digest of the content, equal for equal content in any key order.
    let a = key(r#"{"aibotid":"b1","msgtype":"text","text":{"content":"x"}}"#);
    let b = key(r#"{"text":{"content":"x"},"msgtype":"text","aibotid":"b1"}"#);
    let c = key(r#"{"aibotid":"b1","msgtype":"text","text":{"content":"y"}}"#);
    assert_eq!(a, b);
    assert_ne!(a, c);
    // The corpus: one key per msgid (two of the documents' samples share theirs).
    let corpus = corpus();
    let keys: std::collections::HashSet<String> =
        corpus.iter().map(|(_, m, _)| m.dedup_key().to_string()).collect();
    let ids: std::collections::HashSet<(Option<&str>, Option<&str>)> =
        corpus.iter().map(|(_, m, _)| (m.aibotid(), m.msgid())).collect();
    assert_eq!(keys.len(), ids.len());
    assert!(keys.len() >= 10);
}

// --- replies -------------------------------------------------------------------------------

fn parsed(reply: &Reply) -> Value {
    serde_json::from_str(&reply.render().unwrap()).unwrap()
}

#[test]
fn replies_render_the_documented_shapes() {
    assert_eq!(
        parsed(&Reply::text("欢迎")),
        json!({"msgtype": "text", "text": {"content": "欢迎"}})
    );
    assert_eq!(
        parsed(&Reply::stream("s1", "**hi**").with_feedback_id("fb")),
        json!({"msgtype": "stream", "stream": {"id": "s1", "finish": false, "content": "**hi**", "feedback": {"id": "fb"}}})
    );
    // An image: base64 and MD5 of the bytes (RFC 1321: MD5("abc") = 900150983cd24fb0d6963f7d28e17f72).
    assert_eq!(
        parsed(&Reply::stream_finished("s1", "done").with_image(b"abc")),
        json!({"msgtype": "stream", "stream": {"id": "s1", "finish": true, "content": "done",
               "msg_item": [{"msgtype": "image", "image": {"base64": "YWJj", "md5": "900150983cd24fb0d6963f7d28e17f72"}}]}})
    );
    let card =
        TemplateCard::new(CardType::ButtonInteraction).title("T").button("OK", "ok").task_id("t1");
    assert_eq!(
        parsed(&Reply::template_card(card.clone())),
        json!({"msgtype": "template_card", "template_card": {"card_type": "button_interaction",
               "main_title": {"title": "T"}, "button_list": [{"text": "OK", "key": "ok"}], "task_id": "t1"}})
    );
    assert_eq!(
        parsed(&Reply::stream_with_template_card("s1", "", card.clone()))["template_card"]["task_id"],
        json!("t1")
    );
    assert_eq!(
        parsed(&Reply::update_template_card(card.clone(), &[])),
        json!({"response_type": "update_template_card", "template_card": parsed(&Reply::template_card(card))["template_card"]})
    );
    let raw = TemplateCard::from_json(
        r#"{"card_type":"vote_interaction","checkbox":{"question_key":"q"}}"#,
    )
    .unwrap();
    assert_eq!(
        parsed(&Reply::template_card(raw))["template_card"]["checkbox"]["question_key"],
        json!("q")
    );
}

#[test]
fn every_limit_is_an_error_at_its_boundary() {
    let content = "a".repeat(STREAM_CONTENT_MAX_BYTES);
    assert_eq!(STREAM_CONTENT_MAX_BYTES, 20480);
    assert!(Reply::stream("s", &content).render().is_ok());
    assert_eq!(
        Reply::stream("s", &format!("{content}b")).render(),
        Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 20480 }))
    );
    let with_images = |n: usize, finish: bool| {
        let stream = if finish { Reply::stream_finished("s", "") } else { Reply::stream("s", "") };
        (0..n).fold(stream, |reply, i| reply.with_image(&[i as u8]))
    };
    assert_eq!(STREAM_MAX_IMAGES, 10);
    assert!(with_images(10, true).render().is_ok());
    assert_eq!(
        with_images(11, true).render(),
        Err(Error::InvalidReply(ReplyFault::TooManyImages { limit: 10 }))
    );
    assert_eq!(
        with_images(1, false).render(),
        Err(Error::InvalidReply(ReplyFault::ImagesOnlyWhenFinished))
    );
    assert_eq!(
        Reply::text("x").with_image(b"png").render(),
        Err(Error::InvalidReply(ReplyFault::ImagesOnlyWhenFinished))
    );
    assert_eq!(IMAGE_MAX_BYTES, 10 * 1024 * 1024);
    let big = vec![0u8; IMAGE_MAX_BYTES];
    assert!(Reply::stream_finished("s", "").with_image(&big).render().is_ok());
    let bigger = vec![0u8; IMAGE_MAX_BYTES + 1];
    assert_eq!(
        Reply::stream_finished("s", "").with_image(&bigger).render(),
        Err(Error::InvalidReply(ReplyFault::ImageTooLarge { limit: IMAGE_MAX_BYTES }))
    );
    let id = "f".repeat(256);
    assert!(Reply::stream("s", "").with_feedback_id(&id).render().is_ok());
    assert_eq!(
        Reply::stream("s", "").with_feedback_id(&format!("{id}f")).render(),
        Err(Error::InvalidReply(ReplyFault::FeedbackIdTooLong { limit: 256 }))
    );
    let buttons = |n: usize| {
        let card = (0..n).fold(TemplateCard::new(CardType::ButtonInteraction), |c, i| {
            c.button("b", &i.to_string())
        });
        Reply::template_card(card).render()
    };
    assert!(buttons(6).is_ok());
    assert_eq!(
        buttons(7),
        Err(Error::InvalidReply(ReplyFault::TooManyCardItems { field: "button_list", limit: 6 }))
    );
    for bad in ["", "has space", "中文", &"t".repeat(129)] {
        let card = TemplateCard::new(CardType::TextNotice).task_id(bad);
        assert_eq!(
            Reply::template_card(card).render(),
            Err(Error::InvalidReply(ReplyFault::InvalidTaskId)),
            "{bad:?}"
        );
    }
    assert!(
        Reply::template_card(TemplateCard::new(CardType::TextNotice).task_id(&"t".repeat(128)))
            .render()
            .is_ok()
    );
    for bad in ["[]", "{}", r#"{"card_type":1}"#, "not json"] {
        assert_eq!(
            TemplateCard::from_json(bad),
            Err(Error::InvalidReply(ReplyFault::InvalidTemplateCard))
        );
    }
    assert_eq!(Reply::stream("s", &format!("{content}b")).render().unwrap_err().code(), -40011);
}

proptest! {
    #[test]
    fn any_content_reads_back_exactly(content in any::<String>(), id in "[ -~]{0,40}", finish in any::<bool>()) {
        prop_assume!(content.len() <= STREAM_CONTENT_MAX_BYTES);
        let reply = if finish { Reply::stream_finished(&id, &content) } else { Reply::stream(&id, &content) };
        let value = parsed(&reply);
        prop_assert_eq!(&value["stream"]["content"], &json!(content));
        prop_assert_eq!(&value["stream"]["id"], &json!(id));
        prop_assert_eq!(&value["stream"]["finish"], &json!(finish));
        prop_assert_eq!(&parsed(&Reply::text(&content))["text"]["content"], &json!(content));
    }
}

// --- the stream protocol -------------------------------------------------------------------

#[test]
fn a_stream_grows_then_finishes_with_its_images() {
    let start = 1_700_000_000;
    let mut stream = StreamState::with_random_id(at(start));
    let id = stream.id().to_owned();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(StreamState::with_random_id(at(start)).id(), id);
    let poll = |stream: &StreamState, now: u64| parsed(&stream.reply(at(now)))["stream"].clone();
    assert_eq!(poll(&stream, start), json!({"id": id, "finish": false, "content": ""}));
    stream.push_str("企业").unwrap();
    assert_eq!(poll(&stream, start + 1), json!({"id": id, "finish": false, "content": "企业"}));
    stream.push_str("微信").unwrap();
    stream.add_image(b"abc").unwrap();
    // Images wait for the finished reply.
    assert_eq!(poll(&stream, start + 2), json!({"id": id, "finish": false, "content": "企业微信"}));
    stream.finish();
    let last = poll(&stream, start + 3);
    assert_eq!(last["finish"], json!(true));
    assert_eq!(last["content"], json!("企业微信"));
    assert_eq!(last["msg_item"][0]["image"]["md5"], json!("900150983cd24fb0d6963f7d28e17f72"));
}

#[test]
fn past_six_minutes_a_poll_finishes_the_stream() {
    let start = 1_700_000_000;
    let mut stream = StreamState::new("s1", at(start));
    stream.push_str("partial").unwrap();
    assert!(!poll_finish(&stream, start + 359));
    assert!(poll_finish(&stream, start + 360));
    assert!(stream.is_past_horizon(at(start + 360)) && !stream.is_past_horizon(at(start + 359)));
    // A clock that went backwards is not past the horizon.
    assert!(!stream.is_past_horizon(at(start - 10)));
    assert_eq!(
        parsed(&Reply::unknown_stream("gone")),
        json!({"msgtype": "stream", "stream": {"id": "gone", "finish": true, "content": ""}})
    );
}

fn poll_finish(stream: &StreamState, now: u64) -> bool {
    parsed(&stream.reply(at(now)))["stream"]["finish"] == json!(true)
}

#[test]
fn a_stream_refuses_what_its_reply_could_not_carry() {
    let mut stream = StreamState::new("s1", at(0));
    stream.push_str(&"a".repeat(20_000)).unwrap();
    assert_eq!(
        stream.push_str(&"b".repeat(481)),
        Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 20480 }))
    );
    assert_eq!(stream.content().len(), 20_000, "left as it was");
    stream.push_str(&"b".repeat(480)).unwrap();
    for i in 0..10u8 {
        stream.add_image(&[i]).unwrap();
    }
    assert_eq!(
        stream.add_image(b"x"),
        Err(Error::InvalidReply(ReplyFault::TooManyImages { limit: 10 }))
    );
    stream.finish();
    assert!(stream.reply(at(0)).render().is_ok(), "whatever the state accepted, its reply renders");
}

// --- the one path ----------------------------------------------------------------------------

#[test]
fn a_reply_is_sealed_with_the_key_of_the_request_in_the_json_envelope() {
    // The AI bot's receive id is empty.
    let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "").unwrap();
    let body = std::fs::read_to_string(Path::new(DATA).join("text_group_quote.json")).unwrap();
    let sent = crypt.encrypt_msg(&body, Stamp::from_parts("1700000000", "n1")).unwrap();
    let request_body = envelope::render_reply(&sent).unwrap();
    let signed =
        Signed { msg_signature: sent.msg_signature(), timestamp: "1700000000", nonce: "n1" };
    let request = envelope::decrypt_msg(&crypt, signed, &request_body).unwrap();
    let message = Message::parse(request.message()).unwrap();
    assert!(matches!(message.kind(), Kind::Text { content: Some("@RobotA hello robot") }));

    let stream = StreamState::new("s1", at(1_700_000_000));
    let sealed = stream
        .reply(at(1_700_000_000))
        .seal(&request, Stamp::from_parts("1700000000", "n1"))
        .unwrap();
    let outer: Value = serde_json::from_str(&sealed).unwrap();
    assert_eq!(outer["timestamp"], json!("1700000000"));
    let signed = Signed {
        msg_signature: outer["msgsignature"].as_str().unwrap(),
        timestamp: "1700000000",
        nonce: "n1",
    };
    let inner: Value =
        serde_json::from_str(envelope::decrypt_msg(&crypt, signed, &sealed).unwrap().message())
            .unwrap();
    assert_eq!(
        inner,
        json!({"msgtype": "stream", "stream": {"id": "s1", "finish": false, "content": ""}})
    );
    assert_eq!(
        Reply::stream("s1", "").with_image(b"x").seal(&request, Stamp::from_parts("1", "n")),
        Err(Error::InvalidReply(ReplyFault::ImagesOnlyWhenFinished))
    );
}

/// A stored stream read back holds to the limits `push_str` and `add_image` keep: a store
/// someone else can write to cannot hand the service an eleventh image, an oversized one, or
/// content past 20,480 bytes.
#[cfg(feature = "serde")]
#[test]
fn a_stored_stream_is_read_back_within_its_limits() {
    let mut stream = StreamState::new("s1", at(1_700_000_000));
    stream.push_str("你好").unwrap();
    stream.add_image(b"\x89PNG").unwrap();
    let stored = serde_json::to_value(&stream).unwrap();
    assert_eq!(serde_json::from_value::<StreamState>(stored.clone()).unwrap(), stream);

    let with = |field: &str, value: Value| {
        let mut stored = stored.clone();
        stored[field] = value;
        serde_json::from_value::<StreamState>(stored).map_err(|e| e.to_string())
    };
    assert!(with("content", json!("a".repeat(STREAM_CONTENT_MAX_BYTES))).is_ok());
    let long = with("content", json!("a".repeat(STREAM_CONTENT_MAX_BYTES + 1))).unwrap_err();
    assert!(long.contains("20480"), "{long}");
    assert!(with("images", json!(vec![vec![1u8]; STREAM_MAX_IMAGES])).is_ok());
    let many = with("images", json!(vec![vec![1u8]; STREAM_MAX_IMAGES + 1])).unwrap_err();
    assert!(many.contains("more than 10 images"), "{many}");
    // An image one byte over, read from text (as a store holds it).
    let text = stored.to_string().replace(
        "\"images\":[[137,80,78,71]]",
        &format!("\"images\":[[{}0]]", "0,".repeat(IMAGE_MAX_BYTES)),
    );
    let large = serde_json::from_str::<StreamState>(&text).map(|_| ()).unwrap_err().to_string();
    assert!(large.contains("an image over"), "{large}");
    // The start, as seconds since the epoch: kept as it was, and one no clock can hold (a
    // store's content is not trusted) is refused, never a panic nor another time.
    assert_eq!(stored["started_at"], json!(1_700_000_000u64));
    assert_eq!(
        with("started_at", json!(1_700_000_001u64)).unwrap().started_at(),
        at(1_700_000_001)
    );
    let far = with("started_at", json!(u64::MAX)).unwrap_err();
    assert!(far.contains("start time out of range"), "{far}");
}

/// A stream opened at a time with a fraction of a second keeps the whole second, as a store
/// keeps it: what every replica reads back is the same state.
#[cfg(feature = "serde")]
#[test]
fn a_stream_keeps_its_start_to_the_second() {
    let stream = StreamState::new("s1", at(1_700_000_000) + std::time::Duration::from_millis(999));
    assert_eq!(stream.started_at(), at(1_700_000_000));
    let stored = serde_json::to_string(&stream).unwrap();
    assert_eq!(serde_json::from_str::<StreamState>(&stored).unwrap(), stream);
}

/// An AI-bot download's `aeskey` opens the file: its `Debug` shows the URL, never the key.
#[test]
fn debug_of_a_download_redacts_its_key() {
    const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    let json = format!(
        r#"{{"msgid":"m1","msgtype":"image","image":{{"url":"https://example.com/i","aeskey":"{KEY}"}}}}"#
    );
    let message = Message::parse(&json).unwrap();
    let Kind::Image(image) = message.kind() else { panic!("an image") };
    assert_eq!(image.aeskey, Some(KEY), "the key is there to use");
    let dbg = format!("{image:?} {image:#?}");
    // Not the key, nor any piece of it of 8 characters.
    for window in KEY.as_bytes().windows(8) {
        assert!(!dbg.contains(std::str::from_utf8(window).unwrap()), "{dbg}");
    }
    assert!(dbg.contains("https://example.com/i") && dbg.contains("redacted"), "{dbg}");
}

/// A time, from seconds since the Unix epoch.
fn at(seconds: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds)
}
