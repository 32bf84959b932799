//! `json::read_encrypt` and `json::decrypt_msg` on arbitrary bodies; a value that can be read is
//! also decrypted with a correct signature, so the core sees what the reader hands it, and must
//! be what serde_json's own DOM reads (the reader has a fast path and a full one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{MsgCrypt, json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let read = json::read_encrypt(body);
    let _ = json::decrypt_msg(
        &crypt,
        "477715d11cdb4164915debcba66cb864d751f3e6",
        "1409659813",
        "1372623149",
        body,
    );
    if let (Ok(ours), Ok(dom)) = (&read, serde_json::from_str::<serde_json::Value>(body)) {
        let theirs = dom.get("encrypt").or_else(|| dom.get("Encrypt"));
        assert_eq!(Some(ours.as_ref()), theirs.and_then(serde_json::Value::as_str));
    }
    if let Ok(encrypt) = read {
        let sig = crypt.sign("1409659813", "1372623149", &encrypt.replace(' ', "+"));
        let whole = json::decrypt_msg(&crypt, &sig, "1409659813", "1372623149", body);
        assert_eq!(whole, crypt.decrypt_msg(&sig, "1409659813", "1372623149", &encrypt));
    }
});
