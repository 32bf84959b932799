//! `json::read_encrypt` and `json::decrypt_msg` on arbitrary bodies; a value that can be read is
//! also decrypted with a correct signature, so the core sees what the reader hands it, and must
//! be what serde_json's own DOM reads (the reader has a fast path and a full one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{Decrypted, MsgCrypt, Signed, Stamp, json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let (timestamp, nonce) = ("1409659813", "1372623149");
    let read = json::read_encrypt(body);
    let official =
        Signed { msg_signature: "0623cbc5a8cbee5bcc137c70de99575366fc2af3", timestamp, nonce };
    let _ = json::decrypt_msg(&crypt, official, body);
    if let (Ok(ours), Ok(dom)) = (&read, serde_json::from_str::<serde_json::Value>(body)) {
        let theirs = dom.get("encrypt").or_else(|| dom.get("Encrypt"));
        assert_eq!(Some(ours.as_ref()), theirs.and_then(serde_json::Value::as_str));
    }
    if let Ok(encrypt) = read {
        let sig = crypt.sign(Stamp::from_parts(timestamp, nonce), &encrypt.replace(' ', "+"));
        let signed = Signed { msg_signature: &sig, timestamp, nonce };
        let whole = json::decrypt_msg(&crypt, signed, body).map(Decrypted::into_message);
        assert_eq!(whole, crypt.decrypt_msg(signed, &encrypt).map(Decrypted::into_message));
    }
});
