//! `CallbackQuery`: raw query strings as WeCom sends them, decoded exactly once.
#![allow(clippy::unwrap_used, clippy::panic)]

use wxbizmsgcrypt::{
    CallbackQuery, Error, MsgCrypt, PlainQuery, QueryFault, Stamp, verify_plain_signature,
};

const SIG: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
const ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
/// The official echostr percent-encoded as WeCom sends it.
const ENCODED: &str = "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";

fn sample() -> MsgCrypt {
    MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
        .unwrap()
}

/// The URL check through the query's own parts.
fn verify(q: &CallbackQuery) -> Result<String, Error> {
    sample().verify_url(q.signed(), q.echostr()?)
}

fn raw(echostr: &str) -> String {
    format!("msg_signature={SIG}&timestamp=1409659589&nonce=263014780&echostr={echostr}")
}

#[test]
fn the_official_url_check_as_it_arrives() {
    let q = CallbackQuery::parse(&raw(ENCODED)).unwrap();
    assert_eq!(q.msg_signature(), SIG);
    assert_eq!((q.timestamp(), q.nonce()), ("1409659589", "263014780"));
    assert_eq!(q.echostr(), Ok(ECHOSTR));
    assert_eq!(verify(&q).unwrap(), "1616140317555161061");
}

#[test]
fn order_empty_pairs_and_other_parameters_do_not_matter() {
    for raw in [
        format!(
            "echostr={ENCODED}&nonce=263014780&signature=abc&timestamp=1409659589&openid=o1&msg_signature={SIG}&"
        ),
        format!("&&{}&encrypt_type=aes", raw(ENCODED)),
    ] {
        let q = CallbackQuery::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(verify(&q).unwrap(), "1616140317555161061", "{raw}");
    }
}

#[test]
fn parse_url_takes_whole_urls_and_paths() {
    for url in [
        format!("https://example.com/callback?{}", raw(ENCODED)),
        format!("http://127.0.0.1:3000/callback?{}#fragment", raw(ENCODED)),
        format!("/callback?{}", raw(ENCODED)),
        format!("?{}", raw(ENCODED)),
        // A '?' after the fragment began is the fragment's.
        format!("/callback?{}#a?b", raw(ENCODED)),
    ] {
        let q = CallbackQuery::parse_url(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(verify(&q).unwrap(), "1616140317555161061", "{url}");
    }
    // No query at all: nothing to read.
    assert_eq!(
        CallbackQuery::parse_url("https://example.com/callback").unwrap_err(),
        Error::MalformedQuery(QueryFault::Missing("msg_signature"))
    );
    // A second '?' in the query is as ambiguous through parse_url as through parse.
    assert_eq!(
        CallbackQuery::parse_url(&format!("/callback?{}?x=1", raw(ENCODED))).unwrap_err(),
        Error::MalformedQuery(QueryFault::RawDelimiter('?'))
    );
}

/// A raw `?` or `#` is where frameworks and this parser would part ways: `serde_urlencoded` reads
/// `nonce=1?nonce=2` as one nonce `1?nonce=2`, a reader that restarts at `?` as `nonce=2`, and one
/// that stops at `#` drops the rest. Refused, with the character named.
#[test]
fn a_raw_question_mark_or_hash_is_refused() {
    for (raw, delimiter) in [
        (format!("https://example.com/callback?{}", raw(ENCODED)), '?'),
        (format!("{}#fragment", raw(ENCODED)), '#'),
        (format!("msg_signature={SIG}&timestamp=1409659589?nonce=1&nonce=263014780"), '?'),
        (format!("msg_signature={SIG}&timestamp=1409659589&nonce=263014780#&nonce=2"), '#'),
        ("?".to_owned(), '?'),
    ] {
        let err = CallbackQuery::parse(&raw).unwrap_err();
        assert_eq!(err, Error::MalformedQuery(QueryFault::RawDelimiter(delimiter)), "{raw}");
        assert_eq!(err.code(), -40002);
        assert!(err.hint().is_some_and(|h| h.contains("parse_url")));
    }
    // Encoded, they are ordinary characters of a value.
    let q = CallbackQuery::parse("msg_signature=a&timestamp=1&nonce=%3F%23").unwrap();
    assert_eq!(q.nonce(), "?#");
}

#[test]
fn decoding_is_done_exactly_once_and_plus_stays_plus() {
    // An unencoded '+' is kept as '+' (not turned into a space as a form decoder would).
    let q = CallbackQuery::parse(&raw(ECHOSTR)).unwrap();
    assert_eq!(q.echostr(), Ok(ECHOSTR));
    // Decoding twice would turn %252B into '+'; once gives the literal "%2B".
    let q = CallbackQuery::parse("msg_signature=a&timestamp=1&nonce=2&echostr=%252B").unwrap();
    assert_eq!(q.echostr(), Ok("%2B"));
    // Percent-encoded UTF-8 and an encoded parameter name.
    let q = CallbackQuery::parse("msg%5Fsignature=a&timestamp=1&nonce=%E4%BC%81").unwrap();
    assert_eq!((q.msg_signature(), q.nonce()), ("a", "企"));
}

#[test]
fn a_post_query_has_no_echostr() {
    let q = CallbackQuery::parse("msg_signature=a&timestamp=1&nonce=2").unwrap();
    assert_eq!(q.echostr(), Err(Error::MalformedQuery(QueryFault::Missing("echostr"))));
    assert_eq!(verify(&q), Err(Error::MalformedQuery(QueryFault::Missing("echostr"))));
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
    assert_eq!((q.msg_signature(), q.timestamp(), q.nonce()), ("a%", "%zz", "%2"));
}

/// With the `serde` feature, frameworks deserialize the struct themselves. Their query extractors
/// (axum's `Query`, actix's `web::Query`) form-decode, turning an unencoded '+' into a space: the
/// core reads it back as '+', so the URL check still passes.
#[cfg(feature = "serde")]
#[test]
fn serde_form_decoding_works_too() {
    for echostr in [ENCODED, ECHOSTR] {
        let q: CallbackQuery = serde_urlencoded::from_str(&raw(echostr)).unwrap();
        assert_eq!(verify(&q).unwrap(), "1616140317555161061", "{echostr}");
    }
    let q: CallbackQuery =
        serde_urlencoded::from_str("msg_signature=a&timestamp=1&nonce=2").unwrap();
    assert_eq!(q.echostr().ok(), None);
}

/// On every query `parse` accepts, the serde path reads the same values, but for the one thing a
/// form decoder does differently: a raw `+` is a space to it.
#[cfg(feature = "serde")]
mod serde_agrees_with_parse {
    use proptest::prelude::*;

    use super::*;

    /// A piece of a query value or name: characters, escapes good and bad, `+`, `=`.
    fn piece() -> impl Strategy<Value = String> {
        proptest::string::string_regex(
            "([a-zA-Z0-9_.~/=-]|\\+|%[0-9A-Fa-f]{2}|%|%2|%zz|%E4%BC%81| )*",
        )
        .unwrap()
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("msg_signature".to_owned()),
            Just("msg%5Fsignature".to_owned()),
            Just("timestamp".to_owned()),
            Just("nonce".to_owned()),
            Just("echostr".to_owned()),
            Just("openid".to_owned()),
            piece(),
        ]
    }

    proptest! {
        #[test]
        fn on_every_accepted_query(pairs in proptest::collection::vec((name(), piece(), any::<bool>()), 0..8)) {
            let raw: Vec<String> = pairs
                .iter()
                .map(|(n, v, with_eq)| if *with_eq { format!("{n}={v}") } else { n.clone() })
                .collect();
            let raw = raw.join("&");
            let Ok(ours) = CallbackQuery::parse(&raw) else { return Ok(()) };
            let theirs: CallbackQuery = serde_urlencoded::from_str(&raw)
                .map_err(|e| TestCaseError::fail(format!("{raw:?}: serde refused what parse accepts: {e}")))?;
            let form = |s: &str| s.replace('+', " ");
            prop_assert_eq!(theirs.msg_signature(), form(ours.msg_signature()), "{}", raw);
            prop_assert_eq!(theirs.timestamp(), form(ours.timestamp()), "{}", raw);
            prop_assert_eq!(theirs.nonce(), form(ours.nonce()), "{}", raw);
            let echostr = ours.echostr().ok().map(form);
            prop_assert_eq!(theirs.echostr().ok(), echostr.as_deref(), "{}", raw);
        }
    }
}

// --- WeChat's plain signature ---------------------------------------------------------------

/// WeChat's documented URL check (公众号 developer guide, 接入指南): token `pamtest`.
const WECHAT_GET: &str = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238";

#[test]
fn a_plain_query_is_parsed_like_a_callback_query_and_verified_with_the_token() {
    let query = PlainQuery::parse(&format!("openid=o1&{WECHAT_GET}&encrypt_type=aes")).unwrap();
    assert_eq!(query.signature(), "76480565cbe296026c53aaacd1ad523a1ddba24f");
    assert_eq!(query.stamp(), Stamp::from_parts("1409304348", "xxxxxx"));
    assert_eq!(verify_plain_signature("pamtest", query.signature(), query.stamp()), Ok(()));
    // The same check through a MsgCrypt holding the token (safe mode's URL check).
    let crypt =
        MsgCrypt::new("pamtest", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx1").unwrap();
    assert_eq!(crypt.verify_plain_signature(query.signature(), query.stamp()), Ok(()));
    let other =
        MsgCrypt::new("pamtesT", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx1").unwrap();
    assert_eq!(
        other.verify_plain_signature(query.signature(), query.stamp()),
        Err(Error::SignatureMismatch)
    );
    assert_eq!(query.echostr(), Ok("3141592653589793238"));

    for (raw, fault) in [
        ("timestamp=1&nonce=2", QueryFault::Missing("signature")),
        ("msg_signature=a&timestamp=1&nonce=2", QueryFault::Missing("signature")),
        ("signature=a&nonce=2", QueryFault::Missing("timestamp")),
        ("signature=a&signature=b&timestamp=1&nonce=2", QueryFault::Duplicate("signature")),
        ("signature=a&timestamp=1&nonce=2?x", QueryFault::RawDelimiter('?')),
        ("signature=%FF&timestamp=1&nonce=2", QueryFault::NotUtf8),
    ] {
        assert_eq!(PlainQuery::parse(raw), Err(Error::MalformedQuery(fault)), "{raw}");
    }
}

#[test]
fn a_plain_url_check_echoes_only_an_echostr() {
    let echo = |echostr: &str| {
        PlainQuery::parse(&format!("signature=a&timestamp=1&nonce=2&echostr={echostr}"))
            .unwrap()
            .echostr()
            .map(str::to_owned)
    };
    for good in ["3141592653589793238", "a-b_C9", &"7".repeat(128)] {
        assert_eq!(echo(good).as_deref(), Ok(good));
    }
    // Percent-decoded once: `%2D` is `-`.
    assert_eq!(echo("a%2Db").as_deref(), Ok("a-b"));
    for bad in ["", "%3Cscript%3E", "a+b", "a%20b", "%E4%BD%A0", &"7".repeat(129)] {
        assert_eq!(echo(bad), Err(Error::NotAnEchostr), "{bad:?}");
    }
    let post = PlainQuery::parse("signature=a&timestamp=1&nonce=2").unwrap();
    assert_eq!(post.echostr(), Err(Error::MalformedQuery(QueryFault::Missing("echostr"))));
}
