//! End to end: start the server binary on a free port (on the official sample credentials),
//! send the official GET vector percent-encoded as WeCom sends it and POSTs built with the
//! library (a text, events, unknown kinds, stale and malformed requests), and check every
//! answer. Plain HTTP/1.1 over a TcpStream: no client library.

mod common;

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use common::Server;

use wxbizmsgcrypt_callback::MsgCrypt;
use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Signed, Stamp, xml};

fn sample() -> MsgCrypt {
    MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
        .unwrap()
}

/// The official echostr, percent-encoded as WeCom sends it ('/' as %2F, '+' as %2B, '=' as %3D).
const GET_VECTOR: &str = "/callback?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";

#[test]
fn end_to_end() {
    let server = Server::start();

    // 1. The URL check: 200, text/plain, exactly the echo.
    let (status, head, body) = server.send("GET", GET_VECTOR, b"");
    assert_eq!(status, 200, "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain"), "{head}");
    assert_eq!(body, b"1616140317555161061");

    // 2. A bad signature: 401. A malformed query: 400. Never a 500.
    let bad_sig = GET_VECTOR.replace("msg_signature=5c45", "msg_signature=0c45");
    assert_eq!(server.send("GET", &bad_sig, b"").0, 401);
    assert_eq!(server.send("GET", "/callback?timestamp=1&nonce=2&echostr=x", b"").0, 400);
    assert_eq!(server.send("GET", "/callback", b"").0, 400);

    // 3. A text message built with the library: the reply echoes its content, encrypted.
    let crypt = sample();
    let now = unix_now();
    let content = "hello 企业微信 ]]> & <tag>";
    let text = format!(
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[mycreate]]></FromUserName>\
         <CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>{}</Content><MsgId>1</MsgId><AgentID>218</AgentID></xml>",
        "hello 企业微信 ]]&gt; &amp; &lt;tag&gt;"
    );
    let (status, first_answer) = post_raw(&server, &crypt, &text, &now.to_string());
    let reply = open_reply(&crypt, status, first_answer.clone()).expect("a reply");
    assert_eq!(reply.get("Content").map(String::as_str), Some(content));
    assert_eq!(reply.get("ToUserName").map(String::as_str), Some("mycreate"));
    assert_eq!(reply.get("FromUserName").map(String::as_str), Some("wx5823bf96d3bd56c7"));
    assert_eq!(reply.get("MsgType").map(String::as_str), Some("text"));

    // 4. Events: enter_agent and subscribe get a welcome, a click names its key, anything
    //    else (an unknown event, an unknown message type) an empty 200, never a 500.
    let event = |event: &str, extra: &str| {
        format!(
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[mycreate]]></FromUserName>\
             <CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{extra}\
             <AgentID>218</AgentID></xml>"
        )
    };
    for welcome in ["enter_agent", "subscribe"] {
        let reply =
            post(&server, &crypt, &event(welcome, ""), &now.to_string()).expect("a welcome");
        assert!(reply["Content"].contains("欢迎"), "{welcome}: {reply:?}");
    }
    let click = event("click", "<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>");
    let reply = post(&server, &crypt, &click, &now.to_string()).expect("a reply to the click");
    assert!(reply["Content"].contains("V1001_TODAY_MUSIC"), "{reply:?}");
    for quiet in [
        event("future_event", "<Whatever>1</Whatever>"),
        event("change_contact", "<ChangeType>update_user</ChangeType><UserID>zhangsan</UserID>"),
        text.replace("[CDATA[text]]", "[CDATA[hologram]]").replace("<MsgId>1<", "<MsgId>3<"),
    ] {
        assert_eq!(post(&server, &crypt, &quiet, &now.to_string()), None, "{quiet}");
    }
    // An instruction callback is acknowledged with "success", as Tencent requires.
    let ticket = format!(
        "<xml><SuiteId>ww1</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>{now}</TimeStamp></xml>"
    );
    assert_eq!(post_raw(&server, &crypt, &ticket, &now.to_string()), (200, b"success".to_vec()));

    // A retry of the text (a fresh ciphertext): not handled again, but answered with the first
    // answer, byte for byte (if that one was lost on its way, the reply still arrives).
    assert_eq!(post_raw(&server, &crypt, &text, &now.to_string()), (200, first_answer));

    // 5. Freshness is judged on CreateTime, inside the ciphertext: a replayed message from long
    //    ago is refused (403, after the signature) even under a fresh query timestamp, and a
    //    fresh message is answered whatever the query's timestamp says (it is not bound).
    let stale = text.replace(&format!("<CreateTime>{now}"), "<CreateTime>1409659813");
    let (status, body) = post_raw(&server, &crypt, &stale, &now.to_string());
    assert_eq!((status, body.len()), (403, 0));
    let fresh = text.replace("<MsgId>1<", "<MsgId>2<");
    assert!(post(&server, &crypt, &fresh, "1409659813").is_some());

    // 6. Malformed bodies: 400; a tampered body: 401; an oversized body: refused, never a 500.
    let sent = crypt.encrypt_msg(&text, Stamp::from_parts("1", "42")).unwrap();
    let target = format!("/callback?msg_signature={}&timestamp=1&nonce=42", sent.msg_signature());
    assert_eq!(server.send("POST", &target, b"not xml").0, 400);
    assert_eq!(server.send("POST", &target, b"<xml><Encrypt>AAAA</Encrypt></xml>").0, 401);
    assert_eq!(server.send("POST", &target, &[0xFF, 0xFE]).0, 400);
    let huge = vec![b'a'; 2 << 20];
    let status = server.send("POST", &target, &huge).0;
    assert!((400..500).contains(&status), "oversized body got {status}");
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// POSTs `plaintext` as WeCom would (encrypted, in the XML envelope, under a query with
/// `timestamp`); returns the status and the raw body.
fn post_raw(server: &Server, crypt: &MsgCrypt, plaintext: &str, timestamp: &str) -> (u16, Vec<u8>) {
    let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts(timestamp, "1372623149")).unwrap();
    let target = format!(
        "/callback?msg_signature={}&timestamp={timestamp}&nonce=1372623149",
        sent.msg_signature()
    );
    let (status, _, body) =
        server.send("POST", &target, xml::render_reply(&sent).unwrap().as_bytes());
    (status, body)
}

/// [`post_raw`], expecting a 200: `None` for an empty one, else the reply's fields, decrypted
/// with the app's credentials and read with roxmltree (independent of the library's reader).
fn post(
    server: &Server,
    crypt: &MsgCrypt,
    plaintext: &str,
    timestamp: &str,
) -> Option<HashMap<String, String>> {
    let (status, body) = post_raw(server, crypt, plaintext, timestamp);
    assert_eq!(status, 200, "{plaintext}");
    open_reply(crypt, status, body)
}

/// A 200's body: `None` if empty, else the reply's fields (see [`post`]).
fn open_reply(crypt: &MsgCrypt, status: u16, body: Vec<u8>) -> Option<HashMap<String, String>> {
    assert_eq!(status, 200);
    if body.is_empty() {
        return None;
    }
    let body = String::from_utf8(body).unwrap();
    let envelope = fields(&body);
    let signed = Signed {
        msg_signature: &envelope["MsgSignature"],
        timestamp: &envelope["TimeStamp"],
        nonce: &envelope["Nonce"],
    };
    let decrypted = xml::decrypt_msg(crypt, signed, &body)
        .expect("the reply decrypts with the app's credentials");
    Some(fields(decrypted.message()))
}

/// The top-level fields of an XML document, read with roxmltree.
fn fields(xml: &str) -> HashMap<String, String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    doc.root_element()
        .children()
        .filter(roxmltree::Node::is_element)
        .map(|n| (n.tag_name().name().to_owned(), n.text().unwrap_or_default().to_owned()))
        .collect()
}

/// The official WeCom POST sample (its query, and its body's Encrypt sent as the echostr of a
/// URL check) verifies, but the URL check refuses to release the message: -40014.
#[test]
fn a_captured_post_replayed_as_a_url_check_is_refused() {
    let server = Server::start();
    let encrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
    let echostr = encrypt.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let target = format!(
        "/callback?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149&echostr={echostr}"
    );
    let (status, head, body) = server.send("GET", &target, b"");
    // Refused after the signature: the one answer every such fault gets, with nothing in it.
    assert_eq!((status, body.len()), (403, 0), "{head}");
}
