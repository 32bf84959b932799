//! `xml::read_encrypt` and `xml::decrypt_msg` on arbitrary bodies; a value that can be read is
//! also decrypted with a correct signature, so the core sees what the reader hands it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{MsgCrypt, xml};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let read = xml::read_encrypt(body);
    let _ = xml::decrypt_msg(
        &crypt,
        "477715d11cdb4164915debcba66cb864d751f3e6",
        "1409659813",
        "1372623149",
        body,
    );
    if let Ok(encrypt) = read {
        let sig = crypt.sign("1409659813", "1372623149", &encrypt.replace(' ', "+"));
        let whole = xml::decrypt_msg(&crypt, &sig, "1409659813", "1372623149", body);
        assert_eq!(whole, crypt.decrypt_msg(&sig, "1409659813", "1372623149", &encrypt));
    }
});
