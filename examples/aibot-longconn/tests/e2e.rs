//! The `aibot-longconn` binary against a fake WeCom of our own: a WebSocket server that speaks
//! the frames of Tencent's page (subscribe and its ack, callbacks, acks on the callback's
//! `req_id`), an HTTP server for media, and a `redis-server` for two replicas. Media is
//! encrypted here with RustCrypto directly (AES-256-CBC, IV = the key's first 16 bytes,
//! PKCS#7 to 32 bytes), and the expected hash computed from the plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes::cipher::{BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// What the fake WeCom saw, shared with the test.
#[derive(Default)]
struct Seen {
    /// Subscribed connections open now, the most ever open at once, and how many were acked.
    subscribed_now: usize,
    subscribed_most: usize,
    subscriptions: usize,
    /// Subscribe frames received, refused ones included.
    attempts: usize,
    /// Per connection, the frames to send it.
    senders: HashMap<usize, mpsc::UnboundedSender<String>>,
    /// Reply frames (cmd, req_id, body), in order.
    replies: Vec<(String, String, Value)>,
    /// A second frame of one req_id arrived before the first was acked.
    two_in_flight: bool,
    /// The connections subscribed now; as WeCom does, a new subscription kicks them.
    subscribed_ids: Vec<usize>,
    /// `disconnected_event`s sent to kicked connections.
    kicks: usize,
    /// The errcode to ack a reply frame of this `req_id` with (0 if not named).
    refuse: HashMap<String, i64>,
    /// Reply frames of these `req_id`s are never acked.
    never_ack: Vec<String>,
    /// Subscriptions still to refuse (errcode 40001), one each.
    refuse_subscriptions: usize,
    /// Connections still to drop right after their subscription's ack.
    drop_after_subscribe: usize,
    /// Pings are not answered.
    ignore_pings: bool,
}

struct FakeWecom {
    url: String,
    seen: Arc<Mutex<Seen>>,
}

impl FakeWecom {
    /// Serves WebSocket connections: acks the subscription and pings at once, acks reply
    /// frames after `ack_delay` (checking that no second frame of a `req_id` comes first).
    async fn start(ack_delay: Duration) -> FakeWecom {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut next_id = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                next_id += 1;
                tokio::spawn(connection(next_id, tcp, Arc::clone(&shared), ack_delay));
            }
        });
        FakeWecom { url, seen }
    }

    /// Sends `frame` to every open connection.
    fn send(&self, frame: &Value) {
        for sender in self.seen.lock().unwrap().senders.values() {
            let _ = sender.send(frame.to_string());
        }
    }

    async fn wait_until(&self, what: &str, within: Duration, done: impl Fn(&Seen) -> bool) {
        let start = Instant::now();
        while !done(&self.seen.lock().unwrap()) {
            assert!(start.elapsed() < within, "{what}: not within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn replies_to(&self, req_id: &str) -> Vec<(String, Value)> {
        let seen = self.seen.lock().unwrap();
        seen.replies
            .iter()
            .filter(|(_, id, _)| id == req_id)
            .map(|(c, _, b)| (c.clone(), b.clone()))
            .collect()
    }
}

async fn connection(
    id: usize,
    tcp: tokio::net::TcpStream,
    seen: Arc<Mutex<Seen>>,
    ack_delay: Duration,
) {
    let Ok(socket) = tokio_tungstenite::accept_async(tcp).await else { return };
    let (mut write, mut read) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    seen.lock().unwrap().senders.insert(id, tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if write.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    let mut subscribed = false;
    let in_flight: Arc<Mutex<HashMap<String, bool>>> = Arc::default();
    while let Some(Ok(message)) = read.next().await {
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
        let cmd = frame["cmd"].as_str().unwrap_or_default().to_owned();
        let req_id = frame["headers"]["req_id"].as_str().unwrap_or_default().to_owned();
        let ack = json!({"headers": {"req_id": req_id}, "errcode": 0, "errmsg": "ok"}).to_string();
        match cmd.as_str() {
            "aibot_subscribe" => {
                assert_eq!(frame["body"]["bot_id"], "BOTID");
                assert_eq!(frame["body"]["secret"], "SECRET");
                let drop_it = {
                    let mut seen = seen.lock().unwrap();
                    seen.attempts += 1;
                    if seen.refuse_subscriptions > 0 {
                        seen.refuse_subscriptions -= 1;
                        let refused = json!({"headers": {"req_id": req_id}, "errcode": 40001, "errmsg": "invalid secret"});
                        let _ = tx.send(refused.to_string());
                        continue;
                    }
                    seen.subscriptions += 1;
                    seen.subscribed_now += 1;
                    seen.subscribed_most = seen.subscribed_most.max(seen.subscribed_now);
                    // One connection per bot: the older ones are kicked.
                    let kick = json!({"cmd": "aibot_event_callback", "headers": {"req_id": "KICK"},
                        "body": {"msgid": format!("kick-{id}"), "create_time": 1_700_000_000, "aibotid": "AIBOTID",
                                 "msgtype": "event", "event": {"eventtype": "disconnected_event"}}});
                    let older: Vec<usize> = seen.subscribed_ids.clone();
                    for other in older {
                        if let Some(sender) = seen.senders.get(&other) {
                            let _ = sender.send(kick.to_string());
                        }
                        seen.kicks += 1;
                    }
                    seen.subscribed_ids = vec![id];
                    let drop_it = seen.drop_after_subscribe > 0;
                    seen.drop_after_subscribe = seen.drop_after_subscribe.saturating_sub(1);
                    drop_it
                };
                subscribed = true;
                let _ = tx.send(ack);
                if drop_it {
                    // The socket drops (a proxy restarts, say).
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    break;
                }
            }
            "ping" => {
                if !seen.lock().unwrap().ignore_pings {
                    let _ = tx.send(ack);
                }
            }
            _ => {
                {
                    let mut flights = in_flight.lock().unwrap();
                    let mut seen = seen.lock().unwrap();
                    if flights.insert(req_id.clone(), true) == Some(true) {
                        seen.two_in_flight = true;
                    }
                    seen.replies.push((cmd, req_id.clone(), frame["body"].clone()));
                }
                if seen.lock().unwrap().never_ack.contains(&req_id) {
                    continue;
                }
                let errcode = seen.lock().unwrap().refuse.get(&req_id).copied().unwrap_or(0);
                let ack = json!({"headers": {"req_id": req_id}, "errcode": errcode, "errmsg": "x"})
                    .to_string();
                let (tx, flights) = (tx.clone(), Arc::clone(&in_flight));
                tokio::spawn(async move {
                    tokio::time::sleep(ack_delay).await;
                    flights.lock().unwrap().insert(req_id, false);
                    let _ = tx.send(ack);
                });
            }
        }
    }
    writer.abort();
    let mut seen = seen.lock().unwrap();
    seen.senders.remove(&id);
    seen.subscribed_ids.retain(|other| *other != id);
    if subscribed {
        seen.subscribed_now -= 1;
    }
}

/// The binary, its stderr kept for the failure message.
struct Bot {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Bot {
    fn start(env: &[(&str, &str)]) -> Bot {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aibot-longconn"));
        command.env_remove("REDIS_URL").stdout(Stdio::null()).stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Bot { child, log }
    }

    fn said(&self, what: &str) -> bool {
        self.log.lock().unwrap().iter().any(|line| line.contains(what))
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- aibot-longconn said:\n{}", self.log.lock().unwrap().join("\n"));
        }
    }
}

fn env<'a>(url: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("WECOM_AIBOT_BOT_ID", "BOTID"),
        ("WECOM_AIBOT_SECRET", "SECRET"),
        ("WECOM_AIBOT_WS_URL", url),
        ("WECOM_AIBOT_HEARTBEAT_MS", "1000"),
        ("WECOM_AIBOT_LEASE_MS", "2000"),
    ];
    env.extend_from_slice(extra);
    env
}

fn callback(cmd: &str, req_id: &str, body: Value) -> Value {
    json!({"cmd": cmd, "headers": {"req_id": req_id}, "body": body})
}

fn text(msgid: &str, content: &str) -> Value {
    json!({"msgid": msgid, "aibotid": "AIBOTID", "chatid": "CHATID", "chattype": "single",
           "from": {"userid": "USERID"}, "msgtype": "text", "text": {"content": content}})
}

/// `plain` encrypted as WeCom's media are, under `key`.
fn encrypt_media(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    let mut data = plain.to_vec();
    let pad = 32 - data.len() % 32;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let (blocks, _) = Array::slice_as_chunks_mut(&mut data);
    cbc::Encryptor::<aes::Aes256>::new(&(*key).into(), key[..16].try_into().unwrap())
        .encrypt_blocks(blocks);
    data
}

/// Serves `files` (path → bytes) over HTTP/1.1 on 127.0.0.1.
async fn serve_files(files: HashMap<String, Vec<u8>>) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let files = Arc::clone(&files);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let body = files.get(&path).cloned().unwrap_or_default();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tcp.write_all(response.as_bytes()).await;
                let _ = tcp.write_all(&body).await;
            });
        }
    });
    addr
}

#[test]
fn without_credentials_it_exits_2_naming_them() {
    let output = Command::new(env!("CARGO_BIN_EXE_aibot-longconn"))
        .env_remove("WECOM_AIBOT_BOT_ID")
        .env_remove("WECOM_AIBOT_SECRET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WECOM_AIBOT_BOT_ID") && stderr.contains("WECOM_AIBOT_SECRET"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_answers_text_welcomes_media_and_never_twice() {
    let wecom = FakeWecom::start(Duration::from_millis(150)).await;
    let bot = Bot::start(&env(&wecom.url, &[]));
    wecom.wait_until("subscribed", Duration::from_secs(10), |seen| seen.subscribed_now == 1).await;

    // enter_chat: a welcome, on its own command.
    wecom.send(&callback("aibot_event_callback", "E1", json!({"msgid": "EV1", "create_time": 1_700_000_000,
        "aibotid": "AIBOTID", "from": {"userid": "USERID"}, "msgtype": "event", "event": {"eventtype": "enter_chat"}})));
    wecom
        .wait_until("a welcome", Duration::from_secs(5), |seen| {
            seen.replies.iter().any(|r| r.1 == "E1")
        })
        .await;
    let welcome = wecom.replies_to("E1");
    assert_eq!(welcome[0].0, "aibot_respond_welcome_msg");
    assert_eq!(welcome[0].1["msgtype"], "text");

    // A text: a stream that grows, one frame in flight at a time, ending exactly.
    wecom.send(&callback("aibot_msg_callback", "T1", text("M1", "hello 世界")));
    wecom
        .wait_until("the stream's end", Duration::from_secs(10), |seen| {
            seen.replies.iter().any(|(_, id, body)| id == "T1" && body["stream"]["finish"] == true)
        })
        .await;
    let frames = wecom.replies_to("T1");
    assert!(frames.iter().all(|(cmd, _)| cmd == "aibot_respond_msg"));
    let contents: Vec<&str> =
        frames.iter().map(|(_, b)| b["stream"]["content"].as_str().unwrap()).collect();
    assert_eq!(*contents.last().unwrap(), "你说：hello 世界");
    assert!(contents.windows(2).all(|pair| pair[1].starts_with(pair[0])), "{contents:?}");
    assert!(!wecom.seen.lock().unwrap().two_in_flight, "two frames of one req_id in flight");

    // The same msgid redelivered: no second stream.
    wecom.send(&callback("aibot_msg_callback", "T2", text("M1", "hello 世界")));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(wecom.replies_to("T2").is_empty(), "a redelivered msgid was answered again");

    // An answer WeCom refuses (the stream expired on its side): the msgid is not taken as
    // answered, and its redelivery is answered again.
    wecom.seen.lock().unwrap().refuse.insert("T3".to_owned(), 846_608);
    wecom.send(&callback("aibot_msg_callback", "T3", text("M3", "again")));
    wecom
        .wait_until("the refused stream's end", Duration::from_secs(10), |seen| {
            seen.replies.iter().any(|(_, id, body)| id == "T3" && body["stream"]["finish"] == true)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wecom.send(&callback("aibot_msg_callback", "T4", text("M3", "again")));
    wecom
        .wait_until("the redelivery answered", Duration::from_secs(10), |seen| {
            seen.replies.iter().any(|(_, id, body)| id == "T4" && body["stream"]["finish"] == true)
        })
        .await;

    // A 1 MiB file under a 44-character key, and an image under a 43-character one.
    let file: Vec<u8> = (0..1_048_576u32).map(|i| (i * 31 % 251) as u8).collect();
    let image = b"\x89PNG not really an image".to_vec();
    let (file_key, image_key) = ([7u8; 32], [9u8; 32]);
    let addr = serve_files(HashMap::from([
        ("/file".to_owned(), encrypt_media(&file_key, &file)),
        ("/image".to_owned(), encrypt_media(&image_key, &image)),
    ]))
    .await;
    let cases = [
        ("F1", "file", &file, STANDARD.encode(file_key)),
        ("I1", "image", &image, STANDARD_NO_PAD.encode(image_key)),
    ];
    for (req_id, kind, plain, aeskey) in cases {
        assert!(aeskey.len() == 44 || aeskey.len() == 43);
        let mut body = text(&format!("msg-{req_id}"), "");
        body["msgtype"] = json!(kind);
        body[kind] = json!({"url": format!("http://{addr}/{kind}"), "aeskey": aeskey});
        wecom.send(&callback("aibot_msg_callback", req_id, body));
        wecom
            .wait_until(kind, Duration::from_secs(15), |seen| {
                seen.replies.iter().any(|r| r.1 == req_id)
            })
            .await;
        let hex: String = Sha256::digest(plain).iter().map(|b| format!("{b:02x}")).collect();
        let answer = &wecom.replies_to(req_id)[0].1["stream"];
        assert_eq!(answer["content"], format!("收到 {} 字节，sha256 {hex}", plain.len()));
        assert_eq!(answer["finish"], true);
    }
    drop(bot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kick_resubscribes_once_then_it_stays_down() {
    let wecom = FakeWecom::start(Duration::from_millis(10)).await;
    let bot = Bot::start(&env(&wecom.url, &[]));
    wecom.wait_until("subscribed", Duration::from_secs(10), |seen| seen.subscriptions == 1).await;
    let kick = callback(
        "aibot_event_callback",
        "K1",
        json!({"msgid": "KICK1", "create_time": 1_700_000_000,
        "aibotid": "AIBOTID", "msgtype": "event", "event": {"eventtype": "disconnected_event"}}),
    );
    wecom.send(&kick);
    wecom
        .wait_until("re-subscribed once", Duration::from_secs(6), |seen| seen.subscriptions == 2)
        .await;
    wecom.send(&kick);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let seen = wecom.seen.lock().unwrap();
    assert_eq!(seen.subscriptions, 2, "kicked twice, it connected again");
    assert_eq!(seen.subscribed_now, 0);
    drop(seen);
    assert!(bot.said("staying down"));
}

/// A redis-server of the test's own on a free port, without persistence.
struct RedisServer {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("aibot-longconn-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (.ci/run installs it)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child, port, dir }
    }
}

impl RedisServer {
    /// Runs one command (RESP over a plain socket), its answer ignored.
    fn command(&self, parts: &[&str]) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut request = format!("*{}\r\n", parts.len());
        for part in parts {
            request.push_str(&format!("${}\r\n{part}\r\n", part.len()));
        }
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = [0u8; 64];
        let _ = stream.read(&mut answer).unwrap();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_holder_and_the_standby_takes_over() {
    let redis = RedisServer::start();
    let redis_url = format!("redis://127.0.0.1:{}/", redis.port);
    let wecom = FakeWecom::start(Duration::from_millis(10)).await;
    let extra = [("REDIS_URL", redis_url.as_str())];
    let mut a = Bot::start(&env(&wecom.url, &extra));
    let mut b = Bot::start(&env(&wecom.url, &extra));
    wecom
        .wait_until("one subscribed", Duration::from_secs(10), |seen| seen.subscribed_now == 1)
        .await;
    // Both stand by, one holds: for three lease periods, one connection.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(wecom.seen.lock().unwrap().subscriptions, 1);
    let (holder, standby) =
        if a.said("holds the lease") { (&mut a, &mut b) } else { (&mut b, &mut a) };
    assert!(!standby.said("holds the lease"));

    // The holder freezes (a GC pause, a VM migration): its socket stays open, its lease runs
    // out. The standby takes over within the lease's time and 5 s, and its subscription kicks
    // the frozen one (as WeCom does).
    let pid = holder.child.id().to_string();
    assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    let frozen = Instant::now();
    wecom
        .wait_until("the standby subscribed", Duration::from_secs(2 + 5), |seen| {
            seen.subscriptions == 2
        })
        .await;
    eprintln!("taken over in {:?}", frozen.elapsed());
    assert!(standby.said("holds the lease"));

    // The frozen holder wakes up to a kick and a lost lease: it must stay down, never kick
    // the new holder back.
    assert!(Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    tokio::time::sleep(Duration::from_secs(5)).await;
    {
        let seen = wecom.seen.lock().unwrap();
        assert_eq!(seen.subscriptions, 2, "the old holder subscribed again after losing its lease");
        assert_eq!(seen.kicks, 1, "the new holder was kicked");
        assert_eq!(seen.subscribed_now, 1);
    }

    // Any replica queues a proactive message in the outbox (here: written into Redis as the
    // crate's Outbox writes it); the holder sends it.
    let entry =
        json!({"chatid": "CHAT9", "chat_type": 1, "markdown": "**from the outbox**"}).to_string();
    redis.command(&["RPUSH", "aibot-longconn:BOTID:inbox:aibot:BOTID:outbox", &entry]);
    wecom
        .wait_until("the outbox sent", Duration::from_secs(5), |seen| {
            seen.replies.iter().any(|(cmd, _, body)| {
                cmd == "aibot_send_msg"
                    && body["chatid"] == "CHAT9"
                    && body["markdown"]["content"] == "**from the outbox**"
            })
        })
        .await;

    // And when the new holder dies outright, the old one, standing by again, takes over.
    standby.child.kill().unwrap();
    wecom
        .wait_until("the first replica back", Duration::from_secs(2 + 5), |seen| {
            seen.subscriptions == 3
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drops_missed_pongs_refusals_and_ack_timeouts_over_a_real_socket() {
    let wecom = FakeWecom::start(Duration::from_millis(10)).await;
    {
        let mut seen = wecom.seen.lock().unwrap();
        // Two refused subscriptions first (their own counter: 1 s, then 2 s), then one that
        // is dropped at once (the drops' counter: 1 s).
        seen.refuse_subscriptions = 2;
        seen.drop_after_subscribe = 1;
    }
    let started = Instant::now();
    let bot = Bot::start(&env(&wecom.url, &[]));
    wecom
        .wait_until("two refusals, a drop, then subscribed", Duration::from_secs(10), |seen| {
            seen.attempts == 4 && seen.subscribed_now == 1
        })
        .await;
    // 1 s + 2 s after the refusals, then the first step after the drop: about 4 s.
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(4) && took < Duration::from_secs(8), "{took:?}");

    // A final frame never acked: after 5 s it fails, is sent once more, and the message is
    // not recorded as answered.
    wecom.seen.lock().unwrap().never_ack.push("N1".to_owned());
    wecom.send(&callback("aibot_msg_callback", "N1", text("MN", "hi")));
    wecom
        .wait_until("the final frame sent again", Duration::from_secs(30), |seen| {
            seen.replies
                .iter()
                .filter(|(_, id, body)| id == "N1" && body["stream"]["finish"] == true)
                .count()
                == 2
        })
        .await;

    // Pings go unanswered: two missed, and the socket is closed and opened again.
    let before = wecom.seen.lock().unwrap().subscriptions;
    wecom.seen.lock().unwrap().ignore_pings = true;
    wecom
        .wait_until("a new socket after two missed pongs", Duration::from_secs(8), |seen| {
            seen.subscriptions > before
        })
        .await;
    drop(bot);
}
