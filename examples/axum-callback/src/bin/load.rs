//! A load generator for the example server (not a test): keep-alive HTTP/1.1 connections on
//! loopback, each sending pre-built callbacks one after the other, every one different (its
//! own MsgId or msgid, so de-duplication stores every key), bounded in requests and time.
//!
//! ```text
//! load ADDR PATH REQUESTS CONCURRENCY     # PATH: /callback (XML) or /aibot (the AI bot)
//! ```
//!
//! Prints one line: `requests ok seconds rate p50_ms p99_ms p999_ms`. Used by `load.py`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wxbizmsgcrypt_callback::MsgCrypt;
use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, json, xml};

/// Renders a sender's encrypted message as the envelope of its format.
type Render = fn(
    &wxbizmsgcrypt_callback::wxbizmsgcrypt::EncryptedMsg,
) -> Result<String, wxbizmsgcrypt_callback::Error>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, path, requests, concurrency] = args.as_slice() else {
        return Err("usage: load ADDR PATH REQUESTS CONCURRENCY".into());
    };
    let (requests, concurrency): (usize, usize) = (requests.parse()?, concurrency.parse()?);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let run = format!("{}{}", now, std::process::id());
    let bot = path == "/aibot";
    let crypt = if bot {
        MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "")?
    } else {
        MsgCrypt::new(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "wx5823bf96d3bd56c7",
        )?
    };
    // Build every request first, so that the measurement is the server's.
    let mut prepared = Vec::with_capacity(requests);
    for i in 0..requests {
        let (timestamp, nonce) = (now.to_string(), format!("n{i}"));
        let (plaintext, render): (String, Render) = if bot {
            (
                format!(
                    r#"{{"msgid":"load-{run}-{i}","aibotid":"AIBOTID","chattype":"single","from":{{"userid":"zhangsan"}},"create_time":{now},"msgtype":"event","event":{{"eventtype":"enter_chat"}}}}"#
                ),
                json::render_reply,
            )
        } else {
            (
                format!(
                    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
                     <CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[load test 企业微信 {i}]]></Content>\
                     <MsgId>{run}{i:07}</MsgId><AgentID>1</AgentID></xml>"
                ),
                xml::render_reply,
            )
        };
        let sent = crypt.encrypt_msg(&plaintext, Stamp::from_parts(&timestamp, &nonce))?;
        let body = render(&sent)?;
        let target = format!(
            "{path}?msg_signature={}&timestamp={timestamp}&nonce={nonce}",
            sent.msg_signature()
        );
        prepared.push(format!(
            "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    }
    let chunks: Vec<Vec<String>> = {
        let mut chunks = vec![Vec::new(); concurrency.max(1)];
        for (i, request) in prepared.into_iter().enumerate() {
            chunks[i % concurrency.max(1)].push(request);
        }
        chunks
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);
    let tasks: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let addr = addr.clone();
            tokio::spawn(async move { connection(&addr, chunk, deadline).await })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut ok = 0;
    for task in tasks {
        let (times, good) = task.await??;
        latencies.extend(times);
        ok += good;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(index).map_or(0.0, |d: &Duration| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} {ok} {seconds:.3} {:.0} {:.3} {:.3} {:.3}",
        latencies.len(),
        latencies.len() as f64 / seconds,
        percentile(0.50),
        percentile(0.99),
        percentile(0.999)
    );
    Ok(())
}

/// Sends `requests` on one keep-alive connection; returns each latency and how many got a 200.
async fn connection(
    addr: &str,
    requests: Vec<String>,
    deadline: Instant,
) -> Result<(Vec<Duration>, usize), std::io::Error> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut times = Vec::with_capacity(requests.len());
    let mut ok = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for request in requests {
        if Instant::now() > deadline {
            break;
        }
        let sent = Instant::now();
        stream.write_all(request.as_bytes()).await?;
        // Read the head, then the body by its Content-Length.
        let mut filled = 0;
        let (head_end, length) = loop {
            let n = stream.read(&mut buffer[filled..]).await?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            filled += n;
            if let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| {
                        line.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>())
                    })
                    .transpose()
                    .map_err(std::io::Error::other)?
                    .unwrap_or(0);
                if head.starts_with("http/1.1 200") {
                    ok += 1;
                }
                break (end + 4, length);
            }
        };
        while filled < head_end + length {
            let n = stream.read(&mut buffer[filled..]).await?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed mid-body"));
            }
            filled += n;
        }
        times.push(sent.elapsed());
    }
    Ok((times, ok))
}
