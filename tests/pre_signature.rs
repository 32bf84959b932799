//! What a body costs before its signature is checked: every hostile shape of about 1 MiB is
//! read to the end (it is the worst the budget lets through), in peak heap at most four times
//! the body, and refused for its signature like any other. The time is a row of
//! `benches/interleaved.rs` (at most 10 times the CDATA body of the same size), never an
//! assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/counting.rs"]
mod counting;
#[path = "common/hostile.rs"]
mod hostile;

use wxbizmsgcrypt::{Error, MsgCrypt, Signed, json, xml};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// A request whose signature cannot verify: what anyone without the token can send.
const FORGED: Signed<'static> = Signed {
    msg_signature: "0000000000000000000000000000000000000000",
    timestamp: "1409659813",
    nonce: "1372623149",
};

fn crypt() -> MsgCrypt {
    MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
        .unwrap()
}

#[test]
fn every_xml_shape_is_read_to_its_encrypt_value() {
    for (name, body) in hostile::all() {
        assert!(
            body.len() <= hostile::SIZE && body.len() > hostile::SIZE - 4096,
            "{name}: {}",
            body.len()
        );
        assert_eq!(xml::read_encrypt(&body).as_deref(), Ok(hostile::ENCRYPT), "{name}");
    }
    assert_eq!(xml::read_encrypt(&hostile::cdata()).map(|v| v.len()), Ok(hostile::SIZE - 42));
}

#[test]
fn every_json_shape_is_read_to_its_encrypt_value() {
    for (name, body) in hostile::json::all() {
        assert!(
            body.len() <= hostile::SIZE && body.len() > hostile::SIZE - 4096,
            "{name}: {}",
            body.len()
        );
        assert_eq!(json::read_encrypt(&body).as_deref(), Ok(hostile::ENCRYPT), "{name}");
    }
}

/// The shape of the report (27,000 declarations `xmlns:pNNNNNN="u"`, then 27,000
/// `<p000000:a/>`), which cost seconds of CPU in `read_encrypt` when every name looked back
/// through every declaration in scope: refused as more markup than its size warrants.
#[test]
fn the_reported_namespace_bomb_is_refused() {
    let declarations: String = (0..27_000).map(|i| format!(" xmlns:p{i:06}=\"u\"")).collect();
    let body = format!(
        "<xml{declarations}>{}<Encrypt>QUJD</Encrypt></xml>",
        "<p000000:a/>".repeat(27_000)
    );
    assert_eq!(
        xml::read_encrypt(&body),
        Err(Error::MalformedEnvelope(wxbizmsgcrypt::EnvelopeFault::TooManyItems))
    );
}

/// One more item than the budget allows, for each kind: refused, not read on. (So the shapes
/// above are the worst there are.)
#[test]
fn one_more_item_is_refused() {
    let too_many = Err(Error::MalformedEnvelope(wxbizmsgcrypt::EnvelopeFault::TooManyItems));
    // 64 items of slack, and one per 32 bytes: tags count two.
    let tags = |n: usize| format!("<xml>{}<Encrypt>x</Encrypt></xml>", "<a/>".repeat(n));
    assert_eq!(xml::read_encrypt(&tags(29)).as_deref(), Ok("x"));
    assert_eq!(xml::read_encrypt(&tags(34)), too_many);
    // Declarations count four.
    let declarations = |n: usize| {
        let declarations: String = (0..n).map(|i| format!(" xmlns:p{i}=\"u\"")).collect();
        format!("<xml{declarations}><Encrypt>x</Encrypt></xml>")
    };
    assert_eq!(xml::read_encrypt(&declarations(14)).as_deref(), Ok("x"));
    assert_eq!(xml::read_encrypt(&declarations(20)), too_many);
    // References in an attribute value count one each, as in text.
    let references =
        |n: usize| format!("<xml><a b=\"{}\"/><Encrypt>x</Encrypt></xml>", "&#43;".repeat(n));
    assert_eq!(xml::read_encrypt(&references(60)).as_deref(), Ok("x"));
    assert_eq!(xml::read_encrypt(&references(200)), too_many);
}

/// Peak heap before the signature: at most four times the body (which is not counted: the
/// service holds it anyway), for every shape, through the path a service takes.
#[test]
fn every_shape_costs_at_most_four_times_its_size_in_heap() {
    let crypt = crypt();
    let mut worst = (0.0f64, "");
    for (name, body) in hostile::all() {
        let (_, peak) = counting::cost_of(|| {
            assert_eq!(
                xml::decrypt_msg(&crypt, FORGED, &body).err(),
                Some(Error::SignatureMismatch),
                "{name}"
            );
        });
        let ratio = peak as f64 / body.len() as f64;
        println!("{name}: {ratio:.2}× the body");
        assert!(ratio <= 4.0, "{name}: {peak} bytes at the peak for a body of {}", body.len());
        if ratio > worst.0 {
            worst = (ratio, name);
        }
    }
    for (name, body) in hostile::json::all() {
        let (_, peak) = counting::cost_of(|| {
            assert_eq!(
                json::decrypt_msg(&crypt, FORGED, &body).err(),
                Some(Error::SignatureMismatch),
                "{name}"
            );
        });
        assert!(peak as f64 <= 4.0 * body.len() as f64, "json {name}: {peak} bytes at the peak");
        println!("json {name}: {:.2}× the body", peak as f64 / body.len() as f64);
    }
    println!("worst peak heap: {:.2}× the body ({})", worst.0, worst.1);
}

/// The counter sees what a reader holds: a body whose `Encrypt` comes in pieces is joined into
/// a buffer of its size, which must show.
#[test]
fn the_peak_counter_sees_a_joined_value() {
    let body = format!(
        "<xml><Encrypt>{}</Encrypt></xml>",
        format!("A&#43;{}", "A".repeat(34)).repeat(5_000)
    );
    let (_, peak) = counting::cost_of(|| {
        assert!(xml::read_encrypt(&body).is_ok());
    });
    assert!(peak >= 160_000, "{peak}");
}
