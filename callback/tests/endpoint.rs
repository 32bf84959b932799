//! The sans-I/O endpoint and the service around it: every answer by status and body, the
//! post-signature faults indistinguishable, freshness on the time inside the ciphertext, and
//! de-duplication (the in-memory store's bounds, expiry and concurrent use). Faulty requests
//! are built with the independent helpers of `tests/common` (RustCrypto directly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt::{Error, MsgCrypt, Signed, Stamp, json, xml};
use wxbizmsgcrypt_callback::endpoint::{
    Callback, Claim, ClaimToken, DedupStore, Endpoint, Format, MemoryDedup, NoDedup, Outcome,
    Request, Response, Service, StoreError, StoreKey, Xml,
};
use wxbizmsgcrypt_callback::message::Message;
use wxbizmsgcrypt_callback::reply::Reply;

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, CORP).unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Drives a future that never waits (the stores here answer at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn text_message(create_time: u64, msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
         <CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
         <MsgId>{msg_id}</MsgId><AgentID>1</AgentID></xml>"
    )
}

/// A POST as WeCom sends it: (query, body).
fn post(plaintext: &str, timestamp: &str, nonce: &str) -> (String, String) {
    let sent = crypt().encrypt_msg(plaintext, Stamp::from_parts(timestamp, nonce)).unwrap();
    let query =
        format!("msg_signature={}&timestamp={timestamp}&nonce={nonce}", sent.msg_signature());
    (query, xml::render_reply(&sent).unwrap())
}

fn handle<F: Format>(
    endpoint: &Endpoint<F>,
    method: &str,
    query: &str,
    body: &[u8],
    now: SystemTime,
) -> Outcome<F> {
    endpoint.handle(Request { method, query, body }, now)
}

fn respond<F: Format>(outcome: Outcome<F>) -> Response {
    match outcome {
        Outcome::Respond(response) => response,
        Outcome::Callback(callback) => panic!("expected a response, got {callback:?}"),
    }
}

fn respond_or_none<F: Format>(outcome: Outcome<F>) -> Option<Response> {
    match outcome {
        Outcome::Respond(response) => Some(response),
        Outcome::Callback(_) => None,
    }
}

fn callback<F: Format>(outcome: Outcome<F>) -> Callback<F> {
    match outcome {
        Outcome::Callback(callback) => callback,
        Outcome::Respond(response) => panic!("expected a callback, got {response:?}"),
    }
}

const GET_VECTOR: &str = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";

#[test]
fn the_url_check_answers_the_official_echo_and_refuses_the_rest_by_status() {
    let endpoint = Endpoint::xml(crypt());
    let now = at(1_409_659_589);
    let ok = respond(handle(&endpoint, "GET", GET_VECTOR, b"", now));
    assert_eq!(
        (ok.status(), ok.body(), ok.content_type()),
        (200, "1616140317555161061", Some("text/plain; charset=utf-8"))
    );
    assert!(ok.refusal().is_none());
    // The URL check is not judged on freshness: WeCom's console sends it when the admin saves.
    assert_eq!(respond(handle(&endpoint, "GET", GET_VECTOR, b"", at(2_000_000_000))).status(), 200);

    let forged = GET_VECTOR.replace("msg_signature=5c45", "msg_signature=0c45");
    let cases: [(&str, &str, u16, Option<i32>); 6] = [
        ("GET", &forged, 401, Some(-40001)),
        ("GET", "timestamp=1&nonce=2&echostr=x", 400, Some(-40002)),
        ("GET", "", 400, Some(-40002)),
        ("GET", "msg_signature=a&timestamp=1&nonce=2&echostr=x#frag", 400, Some(-40002)),
        ("PUT", GET_VECTOR, 405, None),
        ("DELETE", "", 405, None),
    ];
    for (method, query, status, code) in cases {
        let response = respond(handle(&endpoint, method, query, b"", now));
        assert_eq!(
            (response.status(), response.body(), response.content_type()),
            (status, "", None),
            "{method} {query}"
        );
        assert_eq!(response.refusal().map(Error::code), code, "{method} {query}");
    }
}

// --- WeChat 公众号 / 小程序 in safe and compatible mode ----------------------------------------

/// WeChat's documented URL check (公众号 developer guide, 接入指南): token `pamtest`.
const WECHAT_GET: &str = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238";
const WECHAT_APPID: &str = "wx5823bf96d3bd56c7";

fn wechat() -> Endpoint<Xml> {
    Endpoint::wechat(MsgCrypt::new("pamtest", KEY, WECHAT_APPID).unwrap())
}

#[test]
fn a_wechat_url_check_is_signed_plainly_and_echoes_only_an_echostr() {
    let endpoint = wechat();
    let now = at(1_409_304_348);
    let ok = respond(handle(&endpoint, "GET", WECHAT_GET, b"", now));
    assert_eq!((ok.status(), ok.body()), (200, "3141592653589793238"));

    // The signature covers the timestamp and nonce only: an echostr that is not one is
    // refused after it verified (403), never reflected.
    let reflected = WECHAT_GET.replace("echostr=3141592653589793238", "echostr=%3Cscript%3E");
    let response = respond(handle(&endpoint, "GET", &reflected, b"", now));
    assert_eq!((response.status(), response.body()), (403, ""));
    assert_eq!(response.refusal(), Some(&Error::NotAnEchostr));

    let forged = WECHAT_GET.replace("nonce=xxxxxx", "nonce=yyyyyy");
    let cases: [(&str, u16, i32); 3] = [
        (&forged, 401, -40001),
        // WeCom's URL check (msg_signature over an encrypted echostr) is not this mode's.
        (GET_VECTOR, 400, -40002),
        (
            "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx",
            400,
            -40002,
        ),
    ];
    for (query, status, code) in cases {
        let response = respond(handle(&endpoint, "GET", query, b"", now));
        assert_eq!((response.status(), response.body()), (status, ""), "{query}");
        assert_eq!(response.refusal().map(Error::code), Some(code), "{query}");
    }
    // And a WeCom endpoint refuses WeChat's: the mode is the configuration's.
    let wecom = Endpoint::xml(MsgCrypt::new("pamtest", KEY, WECHAT_APPID).unwrap());
    assert_eq!(respond(handle(&wecom, "GET", WECHAT_GET, b"", now)).status(), 400);
}

#[test]
fn wechat_messages_are_read_from_encrypt_alone_and_a_plaintext_post_is_refused() {
    let endpoint = wechat();
    let crypt = MsgCrypt::new("pamtest", KEY, WECHAT_APPID).unwrap();
    let real = "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[openid1]]></FromUserName>\
                <CreateTime>1409304348</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[real]]></Content><MsgId>1</MsgId></xml>";
    let sent = crypt.encrypt_msg(real, Stamp::from_parts("1409304348", "n1")).unwrap();
    // Compatible mode: the plaintext fields ride beside Encrypt, and say something else.
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[openid1]]></FromUserName>\
         <CreateTime>1409304348</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[forged]]></Content>\
         <MsgId>1</MsgId><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sent.encrypt()
    );
    let signature = common::sign(&["pamtest", "1409304348", "n1"]);
    let query = format!(
        "signature={signature}&timestamp=1409304348&nonce=n1&openid=openid1&encrypt_type=aes&msg_signature={}",
        sent.msg_signature()
    );
    let now = at(1_409_304_349);
    let callback = callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!(callback.message().get("Content"), Some("real"));
    let reply = callback.reply(&Reply::text("收到")).unwrap();
    let envelope = Message::parse(reply.body()).unwrap();
    let signed = Signed {
        msg_signature: envelope.get("MsgSignature").unwrap(),
        timestamp: envelope.get("TimeStamp").unwrap(),
        nonce: envelope.get("Nonce").unwrap(),
    };
    let answer =
        Message::parse(xml::decrypt_msg(&crypt, signed, reply.body()).unwrap().message()).unwrap();
    assert_eq!((answer.to_user_name(), answer.get("Content")), (Some("openid1"), Some("收到")));

    // Plaintext mode's POST: no msg_signature, a plaintext body. Refused, not read.
    let plain_query = format!("signature={signature}&timestamp=1409304348&nonce=n1&openid=openid1");
    let response = respond(handle(&endpoint, "POST", &plain_query, real.as_bytes(), now));
    assert_eq!((response.status(), response.body()), (400, ""));
}

/// A plaintext-mode POST from openid `o1` with `content`, signed with `pamtest` (as by hand,
/// from the documented recipe).
fn plain_post(timestamp: &str, nonce: &str, content: &str) -> (String, String) {
    let signature = common::sign(&["pamtest", timestamp, nonce]);
    let query = format!("signature={signature}&timestamp={timestamp}&nonce={nonce}&openid=o1");
    let body = format!(
        "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
         <CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>\
         <MsgId>{nonce}</MsgId></xml>"
    );
    (query, body)
}

#[test]
fn plaintext_mode_checks_the_plain_signature_and_answers_in_the_clear() {
    let endpoint = Endpoint::wechat_plaintext("pamtest").unwrap();
    let now = at(1_409_304_348);
    // The URL check: WeChat's documented request.
    let ok = respond(handle(&endpoint, "GET", WECHAT_GET, b"", now));
    assert_eq!((ok.status(), ok.body()), (200, "3141592653589793238"));

    let (query, body) = plain_post("1409304348", "123", "hi");
    let callback = callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!(callback.message().get("Content"), Some("hi"));
    // A reply that would close a CDATA section stays well formed, read by another parser.
    let response = callback.reply(&Reply::text("a]]>b<c>")).unwrap();
    assert_eq!(response.status(), 200);
    let document = roxmltree::Document::parse(response.body()).unwrap();
    let field = |name: &str| {
        document.root_element().children().find(|n| n.has_tag_name(name)).and_then(|n| n.text())
    };
    assert_eq!(field("ToUserName"), Some("o1"));
    assert_eq!(field("FromUserName"), Some("gh_abc"));
    assert_eq!(field("MsgType"), Some("text"));
    assert_eq!(field("Content"), Some("a]]>b<c>"));
    assert_eq!(field("Encrypt"), None);

    let forged = query.replace("nonce=123", "nonce=124");
    let safe_mode = format!("msg_signature={}&timestamp=1409304348&nonce=123", "0".repeat(40));
    let cases: [(&str, u16, i32); 3] = [
        (&forged, 401, -40001),
        // No `signature`: a safe-mode POST is not this endpoint's.
        (&safe_mode, 400, -40002),
        ("", 400, -40002),
    ];
    for (query, status, code) in cases {
        let response = respond(handle(&endpoint, "POST", query, body.as_bytes(), now));
        assert_eq!((response.status(), response.body()), (status, ""), "{query}");
        assert_eq!(response.refusal().map(Error::code), Some(code), "{query}");
    }
    // Freshness is the signed query's: a body claiming to be new under an old query is old.
    let (old_query, _) = plain_post("1409300000", "125", "x");
    let (_, new_body) = plain_post("1409304348", "125", "x");
    let stale = respond(handle(&endpoint, "POST", &old_query, new_body.as_bytes(), now));
    assert_eq!(stale.refusal().map(Error::code), Some(-40012));

    // A safe- or compatible-mode POST carries the plain signature too: refused (the console
    // was switched away from plaintext), never read as an Unknown message and acknowledged.
    for extra in
        ["&encrypt_type=aes&msg_signature=0123", "&msg_signature=0123", "&encrypt_type=aes"]
    {
        let safe = format!("{query}{extra}");
        let body = b"<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>";
        let response = respond(handle(&endpoint, "POST", &safe, body, now));
        assert_eq!((response.status(), response.body()), (400, ""), "{extra}");
    }
    // An empty token would let anyone sign.
    assert_eq!(Endpoint::wechat_plaintext("").err(), Some(Error::EmptyToken));
}

#[test]
fn wechat_json_mode_reads_the_documented_body_and_answers_in_json() {
    // 小程序 message push, safe mode, JSON (消息推送): the documented example, read as a POST.
    let crypt =
        MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")
            .unwrap();
    let endpoint = Endpoint::wechat_json(crypt.clone());
    let body = "{\n    \"Encrypt\": \"ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==\",\n    \"MsgSignature\": \"1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1\",\n    \"TimeStamp\": 1713424427,\n    \"Nonce\": \"415670741\"\n}";
    let query = "signature=x&timestamp=1713424427&nonce=415670741&openid=o1&encrypt_type=aes&msg_signature=1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1";
    let now = at(1_713_424_427);
    let documented = callback(handle(&endpoint, "POST", query, body.as_bytes(), now));
    assert_eq!(documented.message().get("demo_resp"), Some("good luck"));
    let ack = documented.acknowledge();
    assert_eq!((ack.status(), ack.body()), (200, "success"));

    // A user's text, sealed here from the scheme's definition, answered by handing it to
    // customer service: a JSON envelope WeChat's side opens.
    let appid = "wxba5fad812f8e6fb9";
    let plain = r#"{"ToUserName":"gh_abc","FromUserName":"o_user","CreateTime":1713424427,"MsgType":"text","Content":"人工","MsgId":23925563546465}"#;
    let frame = common::frame(
        &[3; 16],
        u32::try_from(plain.len()).unwrap(),
        plain.as_bytes(),
        appid.as_bytes(),
    );
    let encrypt =
        common::seal_raw("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &common::pkcs7_32(frame));
    let signature = common::sign(&["AAAAA", "1713424427", "n1", &encrypt]);
    let body = format!(r#"{{"ToUserName":"gh_abc","Encrypt":"{encrypt}"}}"#);
    let query = format!(
        "signature=x&timestamp=1713424427&nonce=n1&encrypt_type=aes&msg_signature={signature}"
    );
    let text = callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!(
        (text.message().msg_type(), text.message().get("Content")),
        (Some("text"), Some("人工"))
    );
    let response =
        text.reply(&wxbizmsgcrypt_callback::reply::JsonReply::TransferCustomerService).unwrap();
    assert_eq!(response.content_type(), Some("application/json; charset=utf-8"));
    let envelope: serde_json::Value = serde_json::from_str(response.body()).unwrap();
    let timestamp = envelope["TimeStamp"].to_string();
    let signed = Signed {
        msg_signature: envelope["MsgSignature"].as_str().unwrap(),
        timestamp: &timestamp,
        nonce: envelope["Nonce"].as_str().unwrap(),
    };
    let opened = json::decrypt_msg(&crypt, signed, response.body()).unwrap();
    let answer: serde_json::Value = serde_json::from_str(opened.message()).unwrap();
    assert_eq!(answer["MsgType"], "transfer_customer_service");
    assert_eq!(
        (answer["ToUserName"].as_str(), answer["FromUserName"].as_str()),
        (Some("o_user"), Some("gh_abc"))
    );

    // The URL check is the plain signature, echostr unchanged; a plaintext POST is refused.
    let wechat = Endpoint::wechat_json(MsgCrypt::new("pamtest", KEY, WECHAT_APPID).unwrap());
    let ok = respond(handle(&wechat, "GET", WECHAT_GET, b"", at(1_409_304_348)));
    assert_eq!((ok.status(), ok.body()), (200, "3141592653589793238"));
    let plain_post =
        "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx";
    let refused =
        respond(handle(&wechat, "POST", plain_post, br#"{"MsgType":"text"}"#, at(1_409_304_348)));
    assert_eq!(refused.status(), 400);
}

#[test]
fn malformed_bodies_are_400_and_oversized_ones_413() {
    let endpoint = Endpoint::xml(crypt()).with_max_body(1024);
    let (query, _) = post(&text_message(1_700_000_000, 1), "1700000000", "1");
    let now = at(1_700_000_000);
    for body in [&b"not xml"[..], b"", b"<xml><Nothing/></xml>", &[0xFF, 0xFE, b'<']] {
        let response = respond(handle(&endpoint, "POST", &query, body, now));
        assert_eq!((response.status(), response.body()), (400, ""), "{body:?}");
    }
    let huge = vec![b' '; 1025];
    assert_eq!(respond(handle(&endpoint, "POST", &query, &huge, now)).status(), 413);
    // A body with a valid envelope but a ciphertext that is not the signed one: 401.
    let response =
        respond(handle(&endpoint, "POST", &query, b"<xml><Encrypt>AAAA</Encrypt></xml>", now));
    assert_eq!(response.status(), 401);
}

/// Every fault after the signature, signed with the right token, answered alike: same status,
/// same body, same headers. Built with the independent frame and padding helpers.
#[test]
fn every_fault_after_the_signature_gets_the_same_answer() {
    let endpoint = Endpoint::xml(crypt());
    let now = at(1_700_000_000);
    let (ts, nonce) = ("1700000000", "42");
    let message = text_message(1_700_000_000, 9).into_bytes();
    let random = [7u8; 16];
    let mut faulty: Vec<(&str, String)> = Vec::new();
    // Padding: a padding byte that differs from the last.
    let mut bad_padding =
        common::pkcs7_32(common::frame(&random, message.len() as u32, &message, CORP.as_bytes()));
    let n = bad_padding.len();
    if bad_padding[n - 1] >= 2 {
        bad_padding[n - 2] ^= 0x40;
    } else {
        bad_padding.pop();
        bad_padding.extend([0x40; 32]);
    }
    faulty.push(("padding", common::seal_raw(KEY, &bad_padding)));
    // Frame: a length field past the end.
    faulty.push((
        "frame",
        common::seal_raw(
            KEY,
            &common::pkcs7_32(common::frame(&random, 100_000, &message, CORP.as_bytes())),
        ),
    ));
    // Receive id: another company's.
    faulty.push((
        "receive id",
        common::seal_raw(
            KEY,
            &common::pkcs7_32(common::frame(&random, message.len() as u32, &message, b"ww-other")),
        ),
    ));
    // UTF-8: a message that is not.
    let not_utf8 = [0xC3u8, 0x28];
    faulty.push((
        "utf-8",
        common::seal_raw(
            KEY,
            &common::pkcs7_32(common::frame(&random, 2, &not_utf8, CORP.as_bytes())),
        ),
    ));
    // A message that does not parse, and a stale one.
    for (name, plaintext) in
        [("not xml", "not xml".to_owned()), ("stale", text_message(1_400_000_000, 9))]
    {
        let bytes = plaintext.into_bytes();
        faulty.push((
            name,
            common::seal_raw(
                KEY,
                &common::pkcs7_32(common::frame(
                    &random,
                    bytes.len() as u32,
                    &bytes,
                    CORP.as_bytes(),
                )),
            ),
        ));
    }
    // Base64 that does not decode (signed as it is).
    faulty.push(("base64", "A!B=".to_owned()));
    let mut answers = Vec::new();
    for (name, encrypt) in &faulty {
        let signature = common::sign(&[TOKEN, ts, nonce, encrypt]);
        let query = format!("msg_signature={signature}&timestamp={ts}&nonce={nonce}");
        let body = format!(
            "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        );
        let response = respond(handle(&endpoint, "POST", &query, body.as_bytes(), now));
        let code = response.refusal().map(Error::code);
        answers.push((
            name,
            (response.status(), response.content_type(), response.body().to_owned()),
            code,
        ));
    }
    let first = &answers[0].1;
    for (name, answer, code) in &answers {
        assert_eq!(answer, first, "{name}");
        assert!(code.is_some(), "{name}: the fault is kept for the log");
    }
    assert_eq!(first, &(403, None, String::new()));
    // The log tells them apart.
    let codes: std::collections::HashSet<_> = answers.iter().map(|(_, _, code)| *code).collect();
    assert!(codes.len() >= 5, "{codes:?}");
    // A captured POST replayed as a URL check: the same answer, not the plaintext.
    let (query, body) = post(&text_message(1_700_000_000, 3), ts, nonce);
    let encrypt = Message::parse(&body).unwrap().get("Encrypt").unwrap().to_owned();
    let as_url_check = format!(
        "{query}&echostr={}",
        encrypt.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
    );
    let response = respond(handle(&endpoint, "GET", &as_url_check, b"", now));
    assert_eq!(
        (response.status(), response.content_type(), response.body().to_owned()),
        first.clone()
    );
    assert_eq!(response.refusal(), Some(&Error::NotAnEchostr));
}

#[test]
fn freshness_is_judged_on_create_time_inside_the_ciphertext() {
    let endpoint = Endpoint::xml(crypt()).with_freshness_window(Duration::from_secs(300));
    let now = at(1_700_000_000);
    // Fresh inside, a query timestamp from long ago (the signature does not bind it alone).
    let (query, body) = post(&text_message(1_700_000_000, 1), "1409659813", "1");
    callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    // Stale inside, a query timestamp of now: refused.
    let (query, body) = post(&text_message(1_699_999_000, 2), "1700000000", "1");
    let response = respond(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!((response.status(), response.refusal()), (403, Some(&Error::TimestampOutOfWindow)));
    // The window's edges.
    for (created, fresh) in [
        (1_699_999_700, true),
        (1_699_999_699, false),
        (1_700_000_300, true),
        (1_700_000_301, false),
    ] {
        let (query, body) = post(&text_message(created, 3), "1700000000", "1");
        let outcome = handle(&endpoint, "POST", &query, body.as_bytes(), now);
        assert_eq!(matches!(outcome, Outcome::Callback(_)), fresh, "{created}");
    }
    // Instruction callbacks carry TimeStamp; a message with neither is judged on the query.
    let ticket = "<xml><SuiteId>s</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>1699990000</TimeStamp></xml>";
    let (query, body) = post(ticket, "1700000000", "1");
    assert_eq!(respond(handle(&endpoint, "POST", &query, body.as_bytes(), now)).status(), 403);
    let timeless = "<xml><MsgType>event</MsgType><Event>future</Event></xml>";
    let (query, body) = post(timeless, "1700000000", "1");
    callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    let (query, body) = post(timeless, "1699990000", "1");
    assert_eq!(respond(handle(&endpoint, "POST", &query, body.as_bytes(), now)).status(), 403);
}

#[test]
fn callbacks_are_answered_from_the_request() {
    let endpoint = Endpoint::xml(crypt());
    let now = at(1_700_000_001);
    let (query, body) = post(&text_message(1_700_000_000, 1), "1700000000", "n1");
    let callback = callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!(callback.dedup_key().as_str(), format!("msg:{CORP}:1:1"));
    let ack = callback.acknowledge();
    assert_eq!((ack.status(), ack.body(), ack.content_type()), (200, "", None));
    let reply = callback.reply(&Reply::text("收到")).unwrap();
    assert_eq!(
        (reply.status(), reply.content_type()),
        (200, Some("application/xml; charset=utf-8"))
    );
    // WeCom's side: the reply decrypts, with the request's nonce and now's timestamp.
    let envelope = Message::parse(reply.body()).unwrap();
    assert_eq!(
        (envelope.get("TimeStamp"), envelope.get("Nonce")),
        (Some("1700000001"), Some("n1"))
    );
    let signed = Signed {
        msg_signature: envelope.get("MsgSignature").unwrap(),
        timestamp: "1700000001",
        nonce: "n1",
    };
    let answer =
        Message::parse(xml::decrypt_msg(&crypt(), signed, reply.body()).unwrap().message())
            .unwrap();
    assert_eq!((answer.to_user_name(), answer.get("Content")), (Some("zhangsan"), Some("收到")));
    // A reply over the limit is refused (one of the other format does not compile).
    assert!(callback.reply(&Reply::text(&"x".repeat(2049))).is_err());
    // Instruction callbacks are acknowledged with "success"; unknown events reach the app.
    let ticket = "<xml><SuiteId>s</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>1700000000</TimeStamp></xml>";
    let (query, body) = post(ticket, "1700000000", "1");
    let ack = callback_of(&endpoint, &query, &body, now).acknowledge();
    assert_eq!(
        (ack.status(), ack.body(), ack.content_type()),
        (200, "success", Some("text/plain; charset=utf-8"))
    );
    let unknown = "<xml><MsgType>event</MsgType><Event>brand_new</Event><CreateTime>1700000000</CreateTime></xml>";
    let (query, body) = post(unknown, "1700000000", "1");
    assert_eq!(callback_of(&endpoint, &query, &body, now).acknowledge().status(), 200);
}

fn callback_of(
    endpoint: &Endpoint<Xml>,
    query: &str,
    body: &str,
    now: SystemTime,
) -> Callback<Xml> {
    callback(handle(endpoint, "POST", query, body.as_bytes(), now))
}

#[test]
fn the_ai_bot_endpoint_takes_json_and_answers_in_json() {
    let bot = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "").unwrap();
    let endpoint = Endpoint::aibot(bot.clone());
    let now = at(1_700_000_000);
    let plaintext = r#"{"msgid":"m1","aibotid":"b1","chattype":"single","from":{"userid":"u"},"msgtype":"text","text":{"content":"hi"}}"#;
    let sent = bot.encrypt_msg(plaintext, Stamp::from_parts("1700000000", "n1")).unwrap();
    let query = format!("msg_signature={}&timestamp=1700000000&nonce=n1", sent.msg_signature());
    let body = json::render_reply(&sent).unwrap();
    let callback = callback(handle(&endpoint, "POST", &query, body.as_bytes(), now));
    assert_eq!(callback.dedup_key().as_str(), "aibot:b1:m1");
    let reply = callback.reply(&wxbizmsgcrypt_callback::aibot::Reply::stream("s1", "")).unwrap();
    assert_eq!(reply.content_type(), Some("text/plain; charset=utf-8"));
    let outer: serde_json::Value = serde_json::from_str(reply.body()).unwrap();
    assert_eq!(
        (outer["timestamp"].as_str(), outer["nonce"].as_str()),
        (Some("1700000000"), Some("n1"))
    );
    // An XML body at the JSON endpoint is malformed.
    let xml_body = xml::render_reply(&sent).unwrap();
    assert_eq!(respond(handle(&endpoint, "POST", &query, xml_body.as_bytes(), now)).status(), 400);
}

// --- the service: de-duplication ------------------------------------------------------------

fn service_run<D: DedupStore>(
    service: &Service<Xml, D>,
    query: &str,
    body: &str,
    now: SystemTime,
    handled: &Cell<usize>,
) -> Response {
    block_on(service.handle(
        Request { method: "POST", query, body: body.as_bytes() },
        now,
        |callback| async move {
            handled.set(handled.get() + 1);
            callback.acknowledge()
        },
    ))
}

#[test]
fn a_retry_gets_the_first_answer_and_a_swapped_replay_is_not_processed() {
    let refusals = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&refusals);
    let service =
        Service::new(Endpoint::xml(crypt()), MemoryDedup::new(1 << 20)).on_refusal(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        });
    let handled = Cell::new(0);
    let plaintext = text_message(1_700_000_000, 77);
    let now = at(1_700_000_002);
    // The callback and its three retries (each a new query and a fresh ciphertext): handled
    // once, and every delivery answered alike.
    for nonce in ["a", "b", "c", "d"] {
        let (query, body) = post(&plaintext, "1700000000", nonce);
        let response = service_run(&service, &query, &body, now, &handled);
        assert_eq!((response.status(), response.body()), (200, ""));
    }
    assert_eq!(handled.get(), 1);
    // A capture replayed with timestamp and nonce swapped: it verifies, and is answered as
    // the duplicate it is.
    let sent =
        crypt().encrypt_msg(&plaintext, Stamp::from_parts("1700000000", "1700000001")).unwrap();
    let swapped =
        format!("msg_signature={}&timestamp=1700000001&nonce=1700000000", sent.msg_signature());
    let body = xml::render_reply(&sent).unwrap();
    assert_eq!(service_run(&service, &swapped, &body, now, &handled).status(), 200);
    assert_eq!(handled.get(), 1);
    // Another message is handled; a refusal goes to the hook, not to the app.
    let (query, body) = post(&text_message(1_700_000_000, 78), "1700000000", "e");
    service_run(&service, &query, &body, now, &handled);
    assert_eq!(handled.get(), 2);
    assert_eq!(service_run(&service, "nonsense", "", now, &handled).status(), 400);
    assert_eq!((handled.get(), refusals.load(Ordering::Relaxed)), (2, 1));
}

/// A store that is down.
struct Down;

impl DedupStore for Down {
    async fn claim(
        &self,
        _key: &StoreKey,
        _token: &ClaimToken,
        _lease: Duration,
        _now: SystemTime,
    ) -> Result<Claim, StoreError> {
        Err(StoreError::new("connection refused"))
    }
    async fn complete(
        &self,
        _key: &StoreKey,
        _token: &ClaimToken,
        _answer: &[u8],
        _ttl: Duration,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        Err(StoreError::new("connection refused"))
    }
    async fn release(&self, _key: &StoreKey, _token: &ClaimToken) -> Result<(), StoreError> {
        Err(StoreError::new("connection refused"))
    }
    fn abandon(&self, _key: &StoreKey, _token: &ClaimToken) {}
}

#[test]
fn a_failing_store_fails_open_and_says_so() {
    let errors = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&errors);
    let service = Service::new(Endpoint::xml(crypt()), Down).on_store_error(move |err| {
        assert!(err.to_string().contains("connection refused"));
        counted.fetch_add(1, Ordering::Relaxed);
    });
    let handled = Cell::new(0);
    let (query, body) = post(&text_message(1_700_000_000, 5), "1700000000", "a");
    for _ in 0..2 {
        assert_eq!(service_run(&service, &query, &body, at(1_700_000_000), &handled).status(), 200);
    }
    assert_eq!((handled.get(), errors.load(Ordering::Relaxed)), (2, 2));
    // Without de-duplication, every delivery is handled.
    let service = Service::new(Endpoint::xml(crypt()), NoDedup);
    let handled = Cell::new(0);
    service_run(&service, &query, &body, at(1_700_000_000), &handled);
    service_run(&service, &query, &body, at(1_700_000_000), &handled);
    assert_eq!(handled.get(), 2);
}

#[test]
fn an_ai_bot_create_time_that_is_not_whole_seconds_is_refused() {
    let bot = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "").unwrap();
    let endpoint = Endpoint::aibot(bot.clone());
    for create_time in ["1700000000.5", "-1", "true", "\"soon\""] {
        let plaintext = format!(r#"{{"msgid":"m","msgtype":"text","create_time":{create_time}}}"#);
        let sent = bot.encrypt_msg(&plaintext, Stamp::from_parts("1700000000", "n")).unwrap();
        let query = format!("msg_signature={}&timestamp=1700000000&nonce=n", sent.msg_signature());
        let body = json::render_reply(&sent).unwrap();
        let response =
            respond(handle(&endpoint, "POST", &query, body.as_bytes(), at(1_700_000_000)));
        assert_eq!(response.status(), 403, "{create_time}");
    }
}

#[test]
fn a_wechat_json_create_time_that_is_not_whole_seconds_is_refused() {
    // The same rule as the AI bot's: a CreateTime that is there is the message's time, and one
    // that is no whole number of seconds is refused, never passed over for the query's.
    let crypt = MsgCrypt::new("tok3n", KEY, WECHAT_APPID).unwrap();
    let endpoint = Endpoint::wechat_json(crypt.clone());
    let cases = [
        ("1700000000", 200),
        ("\"1700000000\"", 200),
        ("null", 403),
        ("true", 403),
        ("\" 1700000000\"", 403),
        ("1700000000.5", 403),
        ("-1", 403),
    ];
    for (create_time, status) in cases {
        let plaintext = format!(
            r#"{{"ToUserName":"gh_a","MsgType":"event","Event":"e","CreateTime":{create_time}}}"#
        );
        let sent = crypt.encrypt_msg(&plaintext, Stamp::from_parts("1700000000", "n")).unwrap();
        let query = format!(
            "signature=x&timestamp=1700000000&nonce=n&encrypt_type=aes&msg_signature={}",
            sent.msg_signature()
        );
        let body = format!(r#"{{"ToUserName":"gh_a","Encrypt":"{}"}}"#, sent.encrypt());
        let outcome = handle(&endpoint, "POST", &query, body.as_bytes(), at(1_700_000_000));
        let got = match outcome {
            Outcome::Callback(callback) => callback.acknowledge().status(),
            Outcome::Respond(response) => response.status(),
        };
        assert_eq!(got, status, "{create_time}");
    }
}

/// What a store and a log see says nothing of the callback: not its user ids, not the new
/// `Mobile` of a sparse `update_user` (whose unsalted 64-bit digest came back after 345,679
/// guesses). It is the same for the retries of one callback on every replica configured alike,
/// and another under another secret.
#[test]
fn store_keys_say_nothing_and_agree_across_replicas() {
    let sparse = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
                  <CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>\
                  <ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Mobile><![CDATA[13800000000]]></Mobile></xml>";
    let deliver = |endpoint: &Endpoint<Xml>, nonce: &str| {
        let (query, body) = post(sparse, "1700000000", nonce);
        callback(handle(endpoint, "POST", &query, body.as_bytes(), at(1_700_000_000)))
    };
    let (replica_a, replica_b) = (Endpoint::xml(crypt()), Endpoint::xml(crypt()));
    let first = deliver(&replica_a, "a");
    let key = first.store_key().as_str().to_owned();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{key}");
    // The clear key, for the application, holds the user id; the store key holds nothing.
    assert!(first.dedup_key().as_str().contains("sys"));
    for field in
        ["zhangsan", "13800000000", "sys", "update_user", "change_contact", CORP, "1700000000"]
    {
        assert!(!key.contains(field), "{key} holds {field}");
    }
    assert_eq!(deliver(&replica_b, "b").store_key().as_str(), key, "a retry on another replica");
    // Another secret, another key: given, or derived from another EncodingAESKey.
    const GIVEN: &[u8; 32] = b"another secret, of 32 bytes, too";
    let given = Endpoint::xml(crypt()).with_dedup_secret(GIVEN);
    assert_ne!(deliver(&given, "c").store_key().as_str(), key);
    let other_key =
        MsgCrypt::new(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", CORP).unwrap();
    let sent = other_key.encrypt_msg(sparse, Stamp::from_parts("1700000000", "d")).unwrap();
    let query = format!("msg_signature={}&timestamp=1700000000&nonce=d", sent.msg_signature());
    let body = xml::render_reply(&sent).unwrap();
    let other = callback(handle(
        &Endpoint::xml(other_key),
        "POST",
        &query,
        body.as_bytes(),
        at(1_700_000_000),
    ));
    assert_eq!(other.dedup_key(), first.dedup_key(), "the same callback");
    assert_ne!(other.store_key().as_str(), key, "under another service's secret");
    // The secret is HMAC-SHA-256's key (checked against an independent computation).
    let expected = {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(GIVEN).unwrap();
        mac.update(first.dedup_key().as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(deliver(&given, "e").store_key().as_str(), expected);
}

// --- the in-memory store --------------------------------------------------------------------

fn key(n: usize) -> StoreKey {
    let key = Message::parse(&format!(
        "<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>{n}</MsgId></xml>"
    ))
    .unwrap()
    .dedup_key();
    StoreKey::new(b"the service's secret, 32 bytes..", &key)
}

/// A claim that was completed, as a later delivery sees it.
fn handled_once(store: &MemoryDedup, n: usize, ttl: Duration, now: SystemTime) -> Claim {
    let token = ClaimToken::random();
    let claim = store.claim_now(&key(n), &token, Duration::from_secs(7), now);
    if claim == Claim::Claimed {
        store.complete_now(&key(n), &token, b"ok", ttl, now).unwrap();
    }
    claim
}

#[test]
fn the_memory_store_expires_keys_after_their_ttl() {
    let store = MemoryDedup::new(1 << 20);
    let ttl = Duration::from_secs(660);
    let t0 = at(1_700_000_000);
    let done = Claim::Done(b"ok".to_vec());
    assert_eq!(handled_once(&store, 1, ttl, t0), Claim::Claimed);
    assert_eq!(handled_once(&store, 1, ttl, t0 + Duration::from_secs(659)), done);
    assert_eq!(
        handled_once(&store, 1, ttl, t0 + Duration::from_secs(660)),
        Claim::Claimed,
        "expired at its ttl"
    );
    assert_eq!(
        handled_once(&store, 1, ttl, t0 + Duration::from_secs(661)),
        done,
        "and recorded again"
    );
    // A claim expires with its lease.
    let lease = Duration::from_secs(7);
    assert_eq!(store.claim_now(&key(2), &ClaimToken::random(), lease, t0), Claim::Claimed);
    assert_eq!(
        store.claim_now(&key(2), &ClaimToken::random(), lease, t0 + Duration::from_secs(6)),
        Claim::InProgress
    );
    assert_eq!(store.claim_now(&key(2), &ClaimToken::random(), lease, t0 + lease), Claim::Claimed);
    // Expired keys are dropped as time passes, not kept until the capacity is reached.
    for n in 3..50 {
        handled_once(&store, n, ttl, t0);
    }
    for n in 100..400 {
        handled_once(&store, n, ttl, t0 + Duration::from_secs(10_000));
    }
    assert_eq!(store.len(), 300, "only the 300 keys of the last hour are kept");
}

#[test]
fn the_memory_store_holds_at_most_its_capacity() {
    let store = MemoryDedup::new(256 << 10);
    let ttl = Duration::from_secs(3600);
    let now = at(1_700_000_000);
    for n in 0..20_000 {
        assert_eq!(handled_once(&store, n, ttl, now), Claim::Claimed);
        assert!(store.bytes() <= store.capacity(), "{} > {}", store.bytes(), store.capacity());
    }
    assert!(store.capacity() <= 256 << 10, "{}", store.capacity());
    // The newest keys are still known; the oldest went first.
    assert_eq!(handled_once(&store, 19_999, ttl, now), Claim::Done(b"ok".to_vec()));
    assert_eq!(handled_once(&store, 0, ttl, now), Claim::Claimed);
}

/// The leak of the report: a key claimed and released again and again used to stay in the
/// expiry queue, beyond the capacity (75 MB for a store of 1,000 keys). Now every record
/// counts until it leaves the queue.
#[test]
fn claims_released_again_and_again_stay_within_the_capacity() {
    let store = MemoryDedup::new(256 << 10);
    let now = at(1_700_000_000);
    let token = ClaimToken::random();
    for _ in 0..100_000 {
        assert_eq!(store.claim_now(&key(7), &token, Duration::from_secs(600), now), Claim::Claimed);
        store.release_now(&key(7), &token);
        assert!(store.bytes() <= store.capacity());
    }
    assert!(store.len() <= 1);
}

#[test]
fn the_memory_store_is_exact_under_concurrent_use() {
    let store = Arc::new(MemoryDedup::new(64 << 20));
    let lease = Duration::from_secs(600);
    let now = at(1_700_000_000);
    let claimed = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (store, claimed) = (Arc::clone(&store), Arc::clone(&claimed));
            std::thread::spawn(move || {
                // Every thread sees every key: each key is claimed exactly once in all.
                for n in 0..2000 {
                    let claim = block_on(store.claim(&key(n), &ClaimToken::random(), lease, now));
                    if claim.unwrap() == Claim::Claimed {
                        claimed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(claimed.load(Ordering::Relaxed), 2000);
    assert_eq!(store.len(), 2000);
}

mod arbitrary {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever arrives, the endpoint answers (no panic) with one of its statuses, and a
        /// refusal's body is empty.
        #[test]
        fn any_request_gets_one_of_the_documented_answers(
            method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), "[A-Z]{0,8}"],
            query in prop_oneof![
                Just(GET_VECTOR.to_owned()),
                "(msg_signature=[0-9a-f]{40}&timestamp=[0-9]{10}&nonce=[0-9]{1,10}(&echostr=[A-Za-z0-9%+/=]{0,60})?)",
                ".{0,80}",
            ],
            body in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..200),
                "<xml><Encrypt>[A-Za-z0-9+/=]{0,100}</Encrypt></xml>".prop_map(String::into_bytes),
            ],
        ) {
            let xml = respond_or_none(handle(&Endpoint::xml(crypt()), &method, &query, &body, at(1_409_659_589)));
            let bot = Endpoint::aibot(MsgCrypt::new(TOKEN, KEY, "").unwrap());
            let aibot = respond_or_none(handle(&bot, &method, &query, &body, at(1_409_659_589)));
            for response in [xml, aibot].into_iter().flatten() {
                prop_assert!([200, 400, 401, 403, 405, 413].contains(&response.status()), "{}", response.status());
                if response.status() != 200 {
                    prop_assert_eq!(response.body(), "");
                    prop_assert_eq!(response.content_type(), None);
                }
            }
        }
    }
}
