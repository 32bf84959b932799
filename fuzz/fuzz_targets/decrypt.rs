//! `verify_url` / `decrypt_msg` / `decrypt_msg_into` / `decrypt_msg_detailed` with arbitrary
//! parameters: the input is `msg_signature \n timestamp \n nonce \n encrypt`. Each is tried
//! with the given signature and with the correct one, so that base64 and AES are reached too,
//! and a text with spaces also with a signature over the spaces (which must be refused).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::MsgCrypt;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let (sig, ts, nonce, encrypt) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let exact = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let rotating = MsgCrypt::builder("QDG6eK", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        .previous_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
        .any_receive_id()
        .build()
        .unwrap();
    let mut buf = Vec::new();
    for crypt in [&exact, &rotating] {
        // The signature as the core computes it: over the text with spaces read as '+'.
        let good = crypt.sign(ts, nonce, &encrypt.replace(' ', "+"));
        for sig in [sig, good.as_str()] {
            let plain = crypt.verify_url(sig, ts, nonce, encrypt);
            assert_eq!(plain, crypt.decrypt_msg(sig, ts, nonce, encrypt));
            let into = crypt.decrypt_msg_into(sig, ts, nonce, encrypt, &mut buf).map(str::to_owned);
            assert_eq!(plain, into);
            if let Ok(detailed) = crypt.decrypt_msg_detailed(sig, ts, nonce, encrypt) {
                assert_eq!(plain.as_deref(), Ok(detailed.message()));
                let _ = crypt.encrypt_reply(&detailed, "ok", ts, nonce);
            }
        }
        // A signature over the spaces themselves verifies the text as sent, yet the scheme
        // signs the '+' form: it is refused as a mismatch, never as bad base64.
        if encrypt.contains(' ') {
            let over_spaces = crypt.sign(ts, nonce, encrypt);
            let got = crypt.decrypt_msg(&over_spaces, ts, nonce, encrypt);
            assert_eq!(got, Err(wxbizmsgcrypt::Error::SignatureMismatch));
        }
    }
});
