//! Any text: `Message::parse` never panics, nor does anything done with what it returns (the
//! typed view, the de-duplication key, a reply to it); and its fast path answers only with the
//! full reader's nodes. The seeds are the callback bodies of `tests/data/callbacks/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt_callback::message::{self, Element, Message};
use wxbizmsgcrypt_callback::reply::{Article, Reply};

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else { return };
    assert!(message::fuzzing_fast_path_agrees(xml), "{xml:?}");
    let Ok(message) = Message::parse(xml) else { return };
    let _ = format!("{:?} {:?}", message, message.kind());
    let _ = (message.msg_type(), message.event(), message.info_type(), message.create_time());
    let _ = (message.msg_id(), message.agent_id(), message.timestamp(), message.fields().count());
    let key = message.dedup_key();
    assert!(!key.as_str().contains(['\n', '\r']), "{key}");
    walk(message.root(), 0);
    let content = message.get("Content").unwrap_or("x");
    for reply in [Reply::text(content), Reply::news([Article::new(content)])] {
        if let Ok(rendered) = reply.render(&message, std::time::UNIX_EPOCH) {
            // Whatever the message held, the reply is XML the reader takes back, exactly.
            let back = Message::parse(&rendered).expect("a rendered reply parses");
            assert_eq!(back.to_user_name(), message.from_user_name());
            assert_eq!(back.from_user_name(), Some(message.to_user_name().unwrap_or_default()));
            let written = back.get("Content").or_else(|| {
                back.element("Articles").and_then(|a| a.child("item")).and_then(|i| i.get("Title"))
            });
            assert_eq!(written, Some(content), "{rendered:?}");
        }
    }
});

fn walk(element: Element<'_>, depth: usize) {
    let _ = (element.name(), element.text());
    if depth < 64 {
        for child in element.children() {
            walk(child, depth + 1);
        }
    }
}
