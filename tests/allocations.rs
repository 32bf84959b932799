//! Heap allocations on the decrypt and XML encrypt paths, counted by a global allocator that counts this
//! thread's calls to `alloc`, `alloc_zeroed` and `realloc`, and the bytes it holds at its peak.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(unsafe_code)]

use wxbizmsgcrypt::{Decrypted, MsgCrypt, Signed, Stamp};

fn signed(msg_signature: &str) -> Signed<'_> {
    Signed { msg_signature, timestamp: "1409659813", nonce: "1372623149" }
}

#[path = "common/counting.rs"]
mod counting;

use counting::{allocations_in, cost_of};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

const SIZES: [usize; 5] = [0, 31, 1024, 16 * 1024, 64 * 1024];

fn fixture(len: usize) -> (MsgCrypt, String, wxbizmsgcrypt::EncryptedMsg) {
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let msg: String = "企业微信 hello ".chars().cycle().take(len / 2).collect();
    let sent = crypt.encrypt_msg(&msg, Stamp::from_parts("1409659813", "1372623149")).unwrap();
    (crypt, msg, sent)
}

#[test]
fn the_counter_counts() {
    // The test is only as good as its counter: one Vec is one allocation.
    assert_eq!(allocations_in(|| drop(std::hint::black_box(vec![1u8; 100]))), 1);
}

#[test]
fn decrypt_msg_allocates_only_the_string_it_returns() {
    // Sizes in descending order after a warm-up at the largest: this thread's scratch buffer has
    // grown, and each call allocates the returned String and nothing else.
    let (crypt, msg, sent) = fixture(64 * 1024);
    let _ = crypt.decrypt_msg(signed(sent.msg_signature()), sent.encrypt());
    for len in SIZES.into_iter().rev() {
        let (c, m, s) = if len == 64 * 1024 {
            (crypt.clone(), msg.clone(), sent.clone())
        } else {
            fixture(len)
        };
        let mut out = String::new();
        let n = allocations_in(|| {
            out = c.decrypt_msg(signed(s.msg_signature()), s.encrypt()).unwrap().into_message();
        });
        assert_eq!(out, m);
        assert!(n <= 1, "{len} bytes: {n} allocations");
        if !m.is_empty() {
            assert_eq!(out.capacity(), m.len(), "the String has exactly the message's size");
        }
    }
}

#[test]
fn decrypt_msg_into_allocates_nothing_once_the_buffer_has_grown() {
    let mut buf = Vec::new();
    let (crypt, _, big) = fixture(64 * 1024);
    crypt.decrypt_msg_into(signed(big.msg_signature()), big.encrypt(), &mut buf).unwrap();
    for len in SIZES {
        let (c, m, s) = fixture(len);
        let mut got_len = usize::MAX;
        let n = allocations_in(|| {
            got_len =
                c.decrypt_msg_into(signed(s.msg_signature()), s.encrypt(), &mut buf).unwrap().len();
        });
        assert_eq!(got_len, m.len());
        assert_eq!(n, 0, "{len} bytes: {n} allocations");
    }
}

#[test]
fn readers_borrow_the_ciphertext() {
    let (_, _, sent) = fixture(1024);
    let json_body =
        format!(r#"{{"tousername":"ww1","encrypt":"{}","agentid":218}}"#, sent.encrypt());
    let n = allocations_in(|| {
        assert_eq!(wxbizmsgcrypt::json::read_encrypt(&json_body).unwrap(), sent.encrypt());
    });
    assert_eq!(n, 0, "json::read_encrypt allocated {n} times");
}

#[test]
fn xml_encrypt_reply_allocates_only_the_body_it_returns() {
    // A warm-up at the largest size grows this thread's scratch buffer (and seeds `rand`'s
    // thread-local generator); then each reply is written into one String of its final size.
    let (crypt, _, sent) = fixture(0);
    let message: Decrypted =
        crypt.decrypt_msg(signed(sent.msg_signature()), sent.encrypt()).unwrap();
    let reply = |len: usize| "回复 reply ".chars().cycle().take(len / 2).collect::<String>();
    let _ = wxbizmsgcrypt::xml::encrypt_reply(
        &message,
        &reply(64 * 1024),
        Stamp::from_parts("1409659814", "42"),
    );
    for len in SIZES.into_iter().rev() {
        let reply = reply(len);
        let mut body = String::new();
        let n = allocations_in(|| {
            body = wxbizmsgcrypt::xml::encrypt_reply(
                &message,
                &reply,
                Stamp::from_parts("1409659814", "42"),
            )
            .unwrap();
        });
        assert_eq!(n, 1, "{len} bytes: {n} allocations");
        let encrypt = wxbizmsgcrypt::xml::read_encrypt(&body).unwrap();
        assert!(body.capacity() - body.len() < 16, "{len} bytes: capacity {}", body.capacity());
        assert!(!encrypt.is_empty());
    }
}

#[test]
fn the_peak_counter_counts() {
    let (allocations, peak) = cost_of(|| {
        let a = std::hint::black_box(vec![1u8; 1000]);
        let b = std::hint::black_box(vec![1u8; 500]);
        drop((a, b));
        drop(std::hint::black_box(vec![1u8; 700]));
    });
    assert_eq!((allocations, peak), (3, 1500));
}

/// Before the signature is checked, anyone can send a body: one of a megabyte of character
/// references costs at most 3 times what the same size of CDATA costs, in peak heap (the body
/// itself counted, as a server holds it) and in allocations. Before, each resolved reference
/// was a `String` of its own: 6.9 MB and 200,000 allocations. (The time is a bench row.)
#[test]
fn a_megabyte_of_references_costs_no_more_than_three_times_cdata() {
    const SIZE: usize = 1 << 20;
    let references = {
        let mut body = String::from("<xml><Encrypt>");
        while body.len() < SIZE - 16 {
            body.push_str("&#43;");
        }
        body + "</Encrypt></xml>"
    };
    let cdata = {
        let head = "<xml><Encrypt><![CDATA[";
        let tail = "]]></Encrypt></xml>";
        format!("{head}{}{tail}", "+".repeat(references.len() - head.len() - tail.len()))
    };
    assert_eq!(references.len(), cdata.len());
    let read = |text: &str| {
        cost_of(|| {
            let body = String::from(text); // the request as the server holds it
            let _ = std::hint::black_box(wxbizmsgcrypt::xml::read_encrypt(&body));
        })
    };
    let (cdata_allocations, cdata_peak) = read(&cdata);
    let (reference_allocations, reference_peak) = read(&references);
    assert!(cdata_peak >= SIZE as isize, "the body itself is counted: {cdata_peak}");
    assert!(
        reference_peak <= 3 * cdata_peak,
        "references: {reference_peak} bytes at the peak, CDATA: {cdata_peak}"
    );
    assert!(
        reference_allocations <= 3 * cdata_allocations.max(8),
        "references: {reference_allocations} allocations, CDATA: {cdata_allocations}"
    );
    // A body of references is refused as such, not read.
    assert_eq!(
        wxbizmsgcrypt::xml::read_encrypt(&references),
        Err(wxbizmsgcrypt::Error::MalformedEnvelope(wxbizmsgcrypt::EnvelopeFault::TooManyItems))
    );
}

/// The same for a value that really is in pieces, within the budget: its pieces are joined in
/// one growing buffer, not one allocation each.
#[test]
fn a_value_in_many_pieces_is_joined_in_one_buffer() {
    let mut body = String::from("<xml><Encrypt>");
    for _ in 0..2000 {
        body.push_str(&format!("{}<![CDATA[B]]>&#43;", "A".repeat(63)));
    }
    body.push_str("</Encrypt></xml>");
    let mut value = String::new();
    let (allocations, peak) = cost_of(|| {
        value = wxbizmsgcrypt::xml::read_encrypt(&body).unwrap().into_owned();
    });
    assert_eq!(value.len(), 2000 * 65);
    assert!(allocations <= 30, "{allocations} allocations for 6000 pieces");
    assert!(peak <= 4 * value.len() as isize, "{peak} bytes at the peak");
}
