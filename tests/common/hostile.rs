//! Hostile XML envelopes of about 1 MiB, one per shape that once cost far more than its size
//! before the signature is checked, beside the CDATA body of the same size they are measured
//! against. Shared by `tests/pre_signature.rs` and `benches/interleaved.rs`; `fuzz/make_seeds.py`
//! writes the same shapes as seeds.
//!
//! Each body is the worst of its shape that the reader still *accepts*: its markup stays within
//! the envelope's budget (one item per 32 bytes, plus 64; a tag, attribute, comment or
//! processing instruction counts two, a namespace declaration four), so that it is read to the
//! end, and it ends with an `Encrypt` of [`ENCRYPT`] as a direct child of the root,
//! so that a reader must go through all of it to find the value it then verifies.
#![allow(dead_code)]

/// The size every body is built to (within a few bytes).
pub const SIZE: usize = 1 << 20;

/// The `Encrypt` value every hostile body holds.
pub const ENCRYPT: &str = "QUJD";

/// `open`, then `piece(i)` for i = 0, 1, … while the body stays within [`SIZE`], then the
/// `Encrypt` field and `close`.
fn fill(open: &str, piece: impl Fn(usize) -> String, close: &str) -> String {
    let tail = format!("<Encrypt>{ENCRYPT}</Encrypt>{close}");
    let mut body = String::with_capacity(SIZE + 64);
    body.push_str(open);
    for i in 0.. {
        let next = piece(i);
        if body.len() + next.len() + tail.len() > SIZE {
            break;
        }
        body.push_str(&next);
    }
    body.push_str(&tail);
    body
}

/// `text` padded with spaces to `width` bytes.
fn pad(text: String, width: usize) -> String {
    format!("{text:width$}")
}

/// The baseline: one CDATA section of `+` as large as the others.
pub fn cdata() -> String {
    let (head, tail) = ("<xml><Encrypt><![CDATA[", "]]></Encrypt></xml>");
    format!("{head}{}{tail}", "+".repeat(SIZE - head.len() - tail.len()))
}

/// The bytes a reference takes at the budget's limit; markup takes twice as many, a
/// declaration four times.
const ITEM: usize = 33;
const MARKUP: usize = 2 * ITEM;
const DECLARATION: usize = 4 * ITEM;

/// How many declarations go on the root: a quarter of the body.
const DECLARATIONS: usize = SIZE / 4 / DECLARATION;

/// `n` namespace declarations `xmlns:pNNNNNN="urn:…"`, [`DECLARATION`] bytes each.
fn declarations(n: usize) -> String {
    (0..n).map(|i| pad(format!(" xmlns:p{i:06}=\"urn:u\""), DECLARATION)).collect()
}

/// The namespace bomb: thousands of prefixes declared, then as many elements named with
/// the first one declared (the last a backward search would find).
pub fn namespace_bomb() -> String {
    let open = format!("<xml{}>", declarations(DECLARATIONS));
    fill(&open, |_| pad("<p000000:a/>".to_owned(), MARKUP), "</xml>")
}

/// Unprefixed elements with thousands of prefixes in scope: each looks up the default
/// namespace, which nobody declared.
pub fn unprefixed() -> String {
    let open = format!("<xml{}>", declarations(DECLARATIONS));
    fill(&open, |_| pad("<a/>".to_owned(), MARKUP), "</xml>")
}

/// Prefixed attributes with thousands of prefixes in scope, ten to an element.
pub fn prefixed_attributes() -> String {
    let open = format!("<xml{}>", declarations(DECLARATIONS));
    let attributes: String = (0..10).map(|i| pad(format!(" p000000:x{i}=\"\""), MARKUP)).collect();
    fill(&open, |_| pad(format!("<a{attributes}/>"), MARKUP * 11), "</xml>")
}

/// Elements nested as deep as the budget allows, all closed again before the Encrypt field.
pub fn deep_nesting() -> String {
    let levels = (SIZE - 64) / (2 * MARKUP + 1);
    let mut body = String::with_capacity(SIZE + 64);
    body.push_str("<xml>");
    for i in 0..levels {
        body.push_str(&format!("<a{i:0w$}>", w = MARKUP - 3));
    }
    for i in (0..levels).rev() {
        body.push_str(&format!("</a{i:0w$}>", w = MARKUP - 3));
    }
    body.push_str(&format!("<Encrypt>{ENCRYPT}</Encrypt></xml>"));
    body
}

/// One element with as many attributes as the budget allows.
pub fn many_attributes() -> String {
    let tail = format!("/><Encrypt>{ENCRYPT}</Encrypt></xml>");
    let mut body = String::from("<xml><a");
    for i in 0.. {
        let attribute = format!(" a{i:0w$}=\"\"", w = MARKUP - 5);
        if body.len() + attribute.len() + tail.len() > SIZE {
            break;
        }
        body.push_str(&attribute);
    }
    body.push_str(&tail);
    body
}

/// Names as long as the body allows: an element whose name is half of it, and an attribute
/// whose name is the rest.
pub fn long_names() -> String {
    let half = SIZE / 2 - 64;
    format!(
        "<xml><a{} b{}=\"\"/><Encrypt>{ENCRYPT}</Encrypt></xml>",
        "n".repeat(half),
        "m".repeat(half)
    )
}

/// The *same* prefix declared again on every level of a deep nesting.
pub fn redeclared() -> String {
    let open = pad("<p:a xmlns:p=\"urn:u\"".to_owned(), DECLARATION + MARKUP) + ">";
    let levels = (SIZE - 64) / (open.len() + 6);
    let mut body = String::with_capacity(SIZE + 64);
    body.push_str("<xml>");
    for _ in 0..levels {
        body.push_str(&open);
    }
    for _ in 0..levels {
        body.push_str("</p:a>");
    }
    body.push_str(&format!("<Encrypt>{ENCRYPT}</Encrypt></xml>"));
    body
}

/// Character references in the text of an element, as many as the budget allows.
pub fn references() -> String {
    fill("<xml><a>", |_| pad("&#43;".to_owned(), ITEM).replace(' ', "A"), "</a></xml>").replace(
        &format!("<Encrypt>{ENCRYPT}</Encrypt></a>"),
        &format!("</a><Encrypt>{ENCRYPT}</Encrypt>"),
    )
}

/// Character references in attribute values, as many as the budget allows.
pub fn attribute_references() -> String {
    let value = pad("&#43;".to_owned(), ITEM).replace(' ', "A").repeat((SIZE - 128) / ITEM);
    format!("<xml><a b=\"{value}\"/><Encrypt>{ENCRYPT}</Encrypt></xml>")
}

/// Comments and processing instructions, as many as the budget allows.
pub fn comments() -> String {
    let piece = |i: usize| if i.is_multiple_of(2) { "<!-- comment -->" } else { "<?pi target?>" };
    fill("<xml>", |i| pad(piece(i).to_owned(), MARKUP), "</xml>")
}

/// Short fields in the fast path's own shape (`<aNNNNNN><![CDATA[x]]></aNNNNNN>`, a start tag
/// and a CDATA section: three items, padded to their bytes with the whitespace the shape allows
/// between fields), as many as the budget allows. Past 20 fields the fast path leaves such a
/// body to the strict reader (`src/xml/canonical.rs`, `MAX_FIELDS`).
pub fn canonical_fields() -> String {
    fill("<xml>", |i| pad(format!("<a{i:06}><![CDATA[x]]></a{i:06}>"), 3 * ITEM), "</xml>")
}

/// Every shape, by name.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("namespace bomb", namespace_bomb()),
        ("unprefixed names", unprefixed()),
        ("prefixed attributes", prefixed_attributes()),
        ("deep nesting", deep_nesting()),
        ("many attributes", many_attributes()),
        ("long names", long_names()),
        ("one prefix redeclared", redeclared()),
        ("references in text", references()),
        ("references in attributes", attribute_references()),
        ("comments and PIs", comments()),
        ("canonical fields", canonical_fields()),
    ]
}

/// JSON envelopes of the same size, for the AI bot's and WeCom's JSON callbacks: what serde_json
/// reads before the signature. The baseline is one long `encrypt` string.
pub mod json {
    use super::{ENCRYPT, SIZE};

    /// The baseline: one string of `+` as large as the others.
    pub fn string() -> String {
        let (head, tail) = ("{\"encrypt\":\"", "\"}");
        format!("{head}{}{tail}", "+".repeat(SIZE - head.len() - tail.len()))
    }

    /// `{"k0000000":0,…,"encrypt":"QUJD"}`: as many keys as fit.
    pub fn many_keys() -> String {
        let tail = format!("\"encrypt\":\"{ENCRYPT}\"}}");
        let mut body = String::from("{");
        for i in 0.. {
            let member = format!("\"k{i:07}\":0,");
            if body.len() + member.len() + tail.len() > SIZE {
                break;
            }
            body.push_str(&member);
        }
        body.push_str(&tail);
        body
    }

    /// Arrays nested 100 deep, as many times as fit.
    pub fn nesting() -> String {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let tail = format!("0],\"encrypt\":\"{ENCRYPT}\"}}");
        let count = (SIZE - tail.len() - 8) / (deep.len() + 1);
        format!("{{\"x\":[{}{tail}", format!("{deep},").repeat(count))
    }

    /// A string of `\u0041` escapes.
    pub fn escapes() -> String {
        let tail = format!("\",\"encrypt\":\"{ENCRYPT}\"}}");
        format!("{{\"x\":\"{}{tail}", "\\u0041".repeat((SIZE - tail.len() - 8) / 6))
    }

    /// A number of a megabyte of digits.
    pub fn long_number() -> String {
        let tail = format!(",\"encrypt\":\"{ENCRYPT}\"}}");
        format!("{{\"x\":1{}{tail}", "0".repeat(SIZE - tail.len() - 8))
    }

    /// Every shape, by name.
    pub fn all() -> Vec<(&'static str, String)> {
        vec![
            ("many keys", many_keys()),
            ("nesting", nesting()),
            ("escapes", escapes()),
            ("long number", long_number()),
        ]
    }
}
