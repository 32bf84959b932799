//! The crate's side of the differential tests (`difftest/run.py`): reads one JSON request per
//! line on stdin, answers one JSON line on stdout.
//!
//! Requests carry `op`, `token`, `key`, `receive_id` and the op's inputs; answers are
//! `{"ok": …}` or `{"code": <official error code>}`. Not an API: a test fixture.

use std::io::{BufRead, Write};

use serde_json::{Value, json};
use wxbizmsgcrypt::{Error, MsgCrypt, json as json_envelope, xml};

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
    let crypt = MsgCrypt::new(s("token"), s("key"), s("receive_id"))?;
    let (sig, ts, nonce) = (s("msg_signature"), s("timestamp"), s("nonce"));
    Ok(match s("op") {
        "verify_url" => json!({ "ok": crypt.verify_url(sig, ts, nonce, s("encrypt"))? }),
        "decrypt" => json!({ "ok": crypt.decrypt_msg(sig, ts, nonce, s("encrypt"))? }),
        "decrypt_xml" => json!({ "ok": xml::decrypt_msg(&crypt, sig, ts, nonce, s("body"))? }),
        "decrypt_json" => {
            json!({ "ok": json_envelope::decrypt_msg(&crypt, sig, ts, nonce, s("body"))? })
        }
        "encrypt_xml" => json!({ "ok": xml::encrypt_msg(&crypt, s("reply"), ts, nonce)? }),
        "encrypt_json" => {
            json!({ "ok": json_envelope::encrypt_msg(&crypt, s("reply"), ts, nonce)? })
        }
        "encrypt_with_random" => {
            let random: Vec<u8> = r["random"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).map(|b| b as u8).collect())
                .unwrap_or_default();
            let random: [u8; 16] = random.try_into().unwrap_or([0; 16]);
            let sent = crypt.encrypt_msg_with_random(s("reply"), ts, nonce, &random)?;
            json!({ "ok": { "encrypt": sent.encrypt, "msg_signature": sent.msg_signature } })
        }
        other => json!({ "bad_request": format!("unknown op {other:?}") }),
    })
}
