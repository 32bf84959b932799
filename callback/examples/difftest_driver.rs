//! The crate's side of the differential tests (`difftest/run.py`): reads one JSON request per
//! line on stdin, answers one JSON line on stdout.
//!
//! Requests carry `op`, `token`, `key`, `receive_id` and the op's inputs; answers are
//! `{"ok": …}` or `{"code": <error code>}`. Not an API: a test fixture.

use std::io::{BufRead, Write};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use wxbizmsgcrypt::{Error, MsgCrypt, Signed, Stamp, dangerous, json as json_envelope, media, xml};
use wxbizmsgcrypt_callback::aibot;
use wxbizmsgcrypt_callback::message::Message;
use wxbizmsgcrypt_callback::reply::{Article, Reply};

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => handle(&request).unwrap_or_else(|e| json!({ "code": e.code() })),
            Err(e) => json!({ "bad_request": e.to_string() }),
        };
        if writeln!(stdout, "{answer}").and_then(|()| stdout.flush()).is_err() {
            break;
        }
    }
}

fn handle(r: &Value) -> Result<Value, Error> {
    let s = |name: &str| r[name].as_str().unwrap_or_default();
    // The envelope reader alone, against ElementTree: no crypt needed.
    if s("op") == "read_xml" {
        return Ok(match xml::read_encrypt(s("body")) {
            Ok(text) => json!({ "ok": text }),
            Err(Error::MalformedEnvelope(fault)) => json!({ "fault": format!("{fault:?}") }),
            Err(other) => json!({ "code": other.code() }),
        });
    }
    // The message reader alone, against ElementTree: every top-level field's text.
    if s("op") == "parse_message" {
        let message = Message::parse(s("body"))?;
        let fields: Vec<Value> = message.fields().map(|(name, text)| json!([name, text])).collect();
        return Ok(json!({ "ok": fields }));
    }
    // Media decryption alone, against the official bot SDK's decryptFile: one-shot, or with
    // `chunk` (> 0) through a `Decryptor` in chunks of that size, its maximum the download's
    // length.
    if s("op") == "media_decrypt" {
        let key = media::MediaKey::new(s("key"))?;
        let Ok(data) = BASE64.decode(s("data_base64")) else {
            return Ok(json!({ "bad_request": "data_base64 is not base64" }));
        };
        let chunk = r["chunk"].as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        let file = if chunk == 0 {
            media::decrypt(&key, &data)?
        } else {
            let mut decryptor = media::Decryptor::new(&key, data.len() as u64);
            let mut file = Vec::new();
            for piece in data.chunks(chunk) {
                decryptor.update(piece, &mut file)?;
            }
            decryptor.finish(&mut file)?;
            file
        };
        return Ok(json!({ "ok": BASE64.encode(file) }));
    }
    let crypt = MsgCrypt::new(s("token"), s("key"), s("receive_id"))?;
    let (ts, nonce) = (s("timestamp"), s("nonce"));
    let signed = Signed { msg_signature: s("msg_signature"), timestamp: ts, nonce };
    // A reply is sealed with its own timestamp and nonce.
    let (reply_ts, reply_nonce) = (s("reply_timestamp"), s("reply_nonce"));
    Ok(match s("op") {
        "verify_url" => json!({ "ok": crypt.verify_url(signed, s("encrypt"))? }),
        "decrypt" => json!({ "ok": crypt.decrypt_msg(signed, s("encrypt"))?.into_message() }),
        "decrypt_xml" => {
            json!({ "ok": xml::decrypt_msg(&crypt, signed, s("body"))?.into_message() })
        }
        "decrypt_json" => {
            json!({ "ok": json_envelope::decrypt_msg(&crypt, signed, s("body"))?.into_message() })
        }
        // The reply path: decrypt the peer's request, answer it with `reply`.
        "reply_xml" => {
            let request = xml::decrypt_msg(&crypt, signed, s("body"))?;
            json!({ "ok": xml::encrypt_reply(&request, s("reply"), Stamp::from_parts(reply_ts, reply_nonce))? })
        }
        "reply_json" => {
            let request = json_envelope::decrypt_msg(&crypt, signed, s("body"))?;
            json!({ "ok": json_envelope::encrypt_reply(&request, s("reply"), Stamp::from_parts(reply_ts, reply_nonce))? })
        }
        // A passive reply to the peer's request, rendered from `reply` (text, or one news
        // article titled with it) and sealed into the XML envelope at `now`.
        "passive_reply" => {
            let request = xml::decrypt_msg(&crypt, signed, s("body"))?;
            let message = Message::parse(request.message())?;
            let reply = match s("kind") {
                "news" => Reply::news([Article::new(s("reply")).description(s("reply"))]),
                _ => Reply::text(s("reply")),
            };
            let now = UNIX_EPOCH + Duration::from_secs(r["now"].as_u64().unwrap_or_default());
            json!({ "ok": reply.seal(&request, &message, Stamp::new(now, reply_nonce))? })
        }
        // The AI bot: the peer's JSON request answered with a stream (or a text), sealed by
        // aibot::Reply::seal; `content` and `images` (base64) are the reply's.
        "aibot_reply" => {
            let request = json_envelope::decrypt_msg(&crypt, signed, s("body"))?;
            let message = aibot::Message::parse(request.message())?;
            let reply = match message.kind() {
                aibot::Kind::Text { .. } => {
                    let mut reply = if r["finish"] == true {
                        aibot::Reply::stream_finished(s("stream_id"), s("reply"))
                    } else {
                        aibot::Reply::stream(s("stream_id"), s("reply"))
                    };
                    for image in r["images"].as_array().into_iter().flatten() {
                        let Ok(bytes) = BASE64.decode(image.as_str().unwrap_or_default()) else {
                            return Ok(json!({ "bad_request": "images are base64" }));
                        };
                        reply = reply.with_image(&bytes);
                    }
                    reply
                }
                _ => aibot::Reply::text(s("reply")),
            };
            json!({ "ok": reply.seal(&request, Stamp::from_parts(reply_ts, reply_nonce))? })
        }
        // A sender's message, as WeCom would send it.
        "encrypt_xml" => {
            json!({ "ok": xml::render_reply(&crypt.encrypt_msg(s("reply"), Stamp::from_parts(ts, nonce))?)? })
        }
        "encrypt_json" => {
            json!({ "ok": json_envelope::render_reply(&crypt.encrypt_msg(s("reply"), Stamp::from_parts(ts, nonce))?)? })
        }
        "encrypt_with_random" => {
            let random: Vec<u8> = r["random"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).map(|b| b as u8).collect())
                .unwrap_or_default();
            let Ok(random) = <[u8; 16]>::try_from(random) else {
                return Ok(json!({ "bad_request": "random must be 16 bytes" }));
            };
            let sent = dangerous::encrypt_msg_with_random(
                &crypt,
                s("reply"),
                Stamp::from_parts(ts, nonce),
                &random,
            )?;
            json!({ "ok": { "encrypt": sent.encrypt(), "msg_signature": sent.msg_signature() } })
        }
        other => json!({ "bad_request": format!("unknown op {other:?}") }),
    })
}
