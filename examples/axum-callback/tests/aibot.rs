//! End to end, the AI bot on `/aibot`: every request is encrypted, and every reply decrypted,
//! by Tencent's official `@wecom/crypto` (the difftest's Node peer, `difftest/peer.js`; run
//! `npm ci` in `difftest/` first), so the server is held to the official implementation, not
//! to the library it is built on.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Server;
use serde_json::{Value, json};

/// The bot's credentials under `WXBIZ_DEMO=1` (the official sample's token and key; receive id "").
const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

/// Tencent's `@wecom/crypto`, one JSON request per line.
struct Official {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Official {
    fn start() -> Official {
        let difftest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../difftest");
        assert!(
            std::path::Path::new(difftest).join("node_modules/@wecom/crypto").exists(),
            "the official @wecom/crypto is not installed: run `npm ci` in difftest/"
        );
        let mut child = Command::new("node")
            .arg("peer.js")
            .current_dir(difftest)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Official { child, stdin, stdout }
    }

    fn ask(&mut self, request: Value) -> Value {
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }

    /// `plaintext` encrypted for the bot (receive id ""), and its signature.
    fn encrypt(&mut self, plaintext: &str, timestamp: &str, nonce: &str) -> (String, String) {
        let random: Vec<u8> = (0..16).map(|i| (i * 7 + nonce.len()) as u8).collect();
        let sent = self.ask(json!({"op": "encrypt", "token": TOKEN, "key": KEY, "receive_id": "",
                                   "timestamp": timestamp, "nonce": nonce, "reply": plaintext, "random": random}));
        (
            sent["encrypt"].as_str().unwrap().to_owned(),
            sent["msg_signature"].as_str().unwrap().to_owned(),
        )
    }

    /// A reply envelope decrypted: its plaintext, after the official signature check.
    fn decrypt(&mut self, envelope: &Value) -> String {
        let plain = self.ask(json!({"op": "decrypt", "token": TOKEN, "key": KEY,
                                    "timestamp": envelope["timestamp"], "nonce": envelope["nonce"],
                                    "msg_signature": envelope["msgsignature"], "encrypt": envelope["encrypt"]}));
        assert_eq!(plain["id"], json!(""), "the reply carries the bot's empty receive id: {plain}");
        plain["message"]
            .as_str()
            .unwrap_or_else(|| panic!("the official library refused: {plain}"))
            .to_owned()
    }
}

impl Drop for Official {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string()
}

/// POSTs `plaintext` to `/aibot` as WeCom would; returns the status and, for a reply, its
/// decrypted JSON plaintext.
fn post(server: &Server, official: &mut Official, plaintext: &Value) -> (u16, Option<Value>) {
    let (ts, nonce) = (now(), format!("n{}", plaintext["msgid"].as_str().unwrap_or("x")));
    let (encrypt, signature) = official.encrypt(&plaintext.to_string(), &ts, &nonce);
    let target = format!("/aibot?msg_signature={signature}&timestamp={ts}&nonce={nonce}");
    let (status, head, body) =
        server.send("POST", &target, json!({"encrypt": encrypt}).to_string().as_bytes());
    if body.is_empty() {
        return (status, None);
    }
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain"), "{head}");
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (envelope["timestamp"].as_str(), envelope["nonce"].as_str()),
        (Some(ts.as_str()), Some(nonce.as_str()))
    );
    (status, Some(serde_json::from_str(&official.decrypt(&envelope)).unwrap()))
}

fn message(msgid: &str, msgtype: &str, body: Value) -> Value {
    let mut message = json!({"msgid": msgid, "aibotid": "AIBOTID", "chattype": "single",
                             "from": {"userid": "zhangsan"}, "response_url": "RESPONSEURL", "msgtype": msgtype});
    message[msgtype] = body;
    message
}

#[test]
fn the_url_check_answers_the_official_echostr() {
    let server = Server::start();
    let mut official = Official::start();
    let (ts, nonce) = (now(), "echo1".to_owned());
    let (encrypt, signature) = official.encrypt("8312647301234567890", &ts, &nonce);
    let echostr = encrypt.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let target =
        format!("/aibot?msg_signature={signature}&timestamp={ts}&nonce={nonce}&echostr={echostr}");
    let (status, _, body) = server.send("GET", &target, b"");
    assert_eq!((status, body.as_slice()), (200, b"8312647301234567890".as_slice()));
}

#[test]
fn a_text_message_is_answered_with_a_streamed_echo() {
    let server = Server::start();
    let mut official = Official::start();
    let text = "流式回复测试 with \"quotes\" and more than a few characters";
    let (status, first) =
        post(&server, &mut official, &message("m1", "text", json!({"content": text})));
    let first = first.expect("the first reply opens the stream");
    assert_eq!(status, 200);
    assert_eq!((&first["msgtype"], &first["stream"]["finish"]), (&json!("stream"), &json!(false)));
    let id = first["stream"]["id"].as_str().unwrap().to_owned();

    // WeCom polls until the stream finishes; the content only grows.
    let mut seen = String::new();
    for poll in 0..200 {
        std::thread::sleep(Duration::from_millis(25));
        let refresh = message(&format!("r{poll}"), "stream", json!({"id": id}));
        let (status, reply) = post(&server, &mut official, &refresh);
        let reply = reply.expect("every poll is answered");
        assert_eq!((status, &reply["stream"]["id"]), (200, &json!(id)));
        let content = reply["stream"]["content"].as_str().unwrap().to_owned();
        assert!(content.starts_with(&seen), "{content:?} does not extend {seen:?}");
        seen = content;
        if reply["stream"]["finish"] == json!(true) {
            assert_eq!(seen, format!("你说：{text}"));
            return;
        }
    }
    panic!("the stream never finished; last content {seen:?}");
}

#[test]
fn unknown_streams_finish_enter_chat_is_welcomed_and_unknown_kinds_get_an_empty_200() {
    let server = Server::start();
    let mut official = Official::start();
    let (_, reply) =
        post(&server, &mut official, &message("r1", "stream", json!({"id": "no-such-stream"})));
    assert_eq!(
        reply.unwrap()["stream"],
        json!({"id": "no-such-stream", "finish": true, "content": ""})
    );

    let mut enter = message("e1", "event", json!({"eventtype": "enter_chat"}));
    enter["create_time"] = json!(now().parse::<u64>().unwrap());
    let (_, reply) = post(&server, &mut official, &enter);
    let reply = reply.expect("a welcome");
    assert_eq!(reply["msgtype"], json!("text"));
    assert!(reply["text"]["content"].as_str().unwrap().contains("你好"));

    for unknown in [
        message("u1", "hologram", json!({"depth": 3})),
        message("u2", "event", json!({"eventtype": "teleport"})),
        message("u3", "image", json!({"url": "https://example.invalid/i"})),
    ] {
        assert_eq!(post(&server, &mut official, &unknown), (200, None), "{unknown}");
    }
}
