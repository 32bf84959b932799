//! `xml::read_encrypt` and `xml::decrypt_msg` on arbitrary bodies; a value that can be read is
//! also decrypted with a correct signature, so the core sees what the reader hands it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{Decrypted, MsgCrypt, Signed, Stamp, xml};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let (timestamp, nonce) = ("1409659813", "1372623149");
    let read = xml::read_encrypt(body);
    let official =
        Signed { msg_signature: "477715d11cdb4164915debcba66cb864d751f3e6", timestamp, nonce };
    let _ = xml::decrypt_msg(&crypt, official, body);
    if let Ok(encrypt) = read {
        let sig = crypt.sign(Stamp::from_parts(timestamp, nonce), &encrypt.replace(' ', "+"));
        let signed = Signed { msg_signature: &sig, timestamp, nonce };
        let whole = xml::decrypt_msg(&crypt, signed, body).map(Decrypted::into_message);
        assert_eq!(whole, crypt.decrypt_msg(signed, &encrypt).map(Decrypted::into_message));
    }
});
