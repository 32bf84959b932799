//! `CallbackQuery`: raw query strings as WeCom sends them, decoded exactly once.

use wxbizmsgcrypt::{CallbackQuery, Error, MsgCrypt, QueryFault};

const SIG: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
const ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
/// The official echostr percent-encoded as WeCom sends it.
const ENCODED: &str = "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";

fn sample() -> MsgCrypt {
    MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
        .unwrap()
}

fn raw(echostr: &str) -> String {
    format!("msg_signature={SIG}&timestamp=1409659589&nonce=263014780&echostr={echostr}")
}

#[test]
fn the_official_url_check_as_it_arrives() {
    let q = CallbackQuery::parse(&raw(ENCODED)).unwrap();
    assert_eq!(q.msg_signature, SIG);
    assert_eq!((q.timestamp.as_str(), q.nonce.as_str()), ("1409659589", "263014780"));
    assert_eq!(q.echostr.as_deref(), Some(ECHOSTR));
    assert_eq!(q.verify_url(&sample()).unwrap(), "1616140317555161061");
}

#[test]
fn full_urls_fragments_order_and_other_parameters() {
    for raw in [
        format!("https://example.com/callback?{}", raw(ENCODED)),
        format!("/callback?{}#fragment", raw(ENCODED)),
        format!(
            "echostr={ENCODED}&nonce=263014780&signature=abc&timestamp=1409659589&openid=o1&msg_signature={SIG}&"
        ),
        format!("&&{}&encrypt_type=aes", raw(ENCODED)),
    ] {
        let q = CallbackQuery::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(q.verify_url(&sample()).unwrap(), "1616140317555161061", "{raw}");
    }
}

#[test]
fn decoding_is_done_exactly_once_and_plus_stays_plus() {
    // An unencoded '+' is kept as '+' (not turned into a space as a form decoder would).
    let q = CallbackQuery::parse(&raw(ECHOSTR)).unwrap();
    assert_eq!(q.echostr.as_deref(), Some(ECHOSTR));
    // Decoding twice would turn %252B into '+'; once gives the literal "%2B".
    let q = CallbackQuery::parse("msg_signature=a&timestamp=1&nonce=2&echostr=%252B").unwrap();
    assert_eq!(q.echostr.as_deref(), Some("%2B"));
    // Percent-encoded UTF-8 and an encoded parameter name.
    let q = CallbackQuery::parse("msg%5Fsignature=a&timestamp=1&nonce=%E4%BC%81").unwrap();
    assert_eq!((q.msg_signature.as_str(), q.nonce.as_str()), ("a", "企"));
}

#[test]
fn a_post_query_has_no_echostr() {
    let q = CallbackQuery::parse("msg_signature=a&timestamp=1&nonce=2").unwrap();
    assert_eq!(q.echostr, None);
    assert_eq!(q.verify_url(&sample()), Err(Error::MalformedQuery(QueryFault::Missing("echostr"))));
}

#[test]
fn missing_duplicate_and_non_utf8_parameters_are_40002() {
    let cases = [
        ("", QueryFault::Missing("msg_signature")),
        ("signature=a&timestamp=1&nonce=2", QueryFault::Missing("msg_signature")),
        ("msg_signature=a&nonce=2", QueryFault::Missing("timestamp")),
        ("msg_signature=a&timestamp=1", QueryFault::Missing("nonce")),
        (
            "msg_signature=a&timestamp=1&nonce=2&msg_signature=b",
            QueryFault::Duplicate("msg_signature"),
        ),
        (
            "msg_signature=a&timestamp=1&nonce=2&echostr=x&echostr=y",
            QueryFault::Duplicate("echostr"),
        ),
        ("msg_signature=%FF&timestamp=1&nonce=2", QueryFault::NotUtf8),
    ];
    for (raw, fault) in cases {
        let err = CallbackQuery::parse(raw).unwrap_err();
        assert_eq!(err, Error::MalformedQuery(fault), "{raw:?}");
        assert_eq!(err.code(), -40002);
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn malformed_percent_escapes_are_kept_literally_as_browsers_do() {
    let q = CallbackQuery::parse("msg_signature=a%&timestamp=%zz&nonce=%2").unwrap();
    assert_eq!(
        (q.msg_signature.as_str(), q.timestamp.as_str(), q.nonce.as_str()),
        ("a%", "%zz", "%2")
    );
}

/// With the `serde` feature, frameworks deserialize the struct themselves. Their query extractors
/// (axum's `Query`, actix's `web::Query`) form-decode, turning an unencoded '+' into a space: the
/// core reads it back as '+', so the URL check still passes.
#[cfg(feature = "serde")]
#[test]
fn serde_form_decoding_works_too() {
    for echostr in [ENCODED, ECHOSTR] {
        let q: CallbackQuery = serde_urlencoded::from_str(&raw(echostr)).unwrap();
        assert_eq!(q.verify_url(&sample()).unwrap(), "1616140317555161061", "{echostr}");
    }
    let q: CallbackQuery =
        serde_urlencoded::from_str("msg_signature=a&timestamp=1&nonce=2").unwrap();
    assert_eq!(q.echostr, None);
}
