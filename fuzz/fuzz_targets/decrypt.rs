//! `verify_url` / `decrypt_msg` / `decrypt_msg_into` with arbitrary parameters: the input is
//! `msg_signature \n timestamp \n nonce \n encrypt`. Each is tried with the given signature and
//! with the correct one, so that base64 and AES are reached too, and a text with spaces also
//! with a signature over the spaces (which must be refused).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{Error, MsgCrypt, Signed, Stamp};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let (sig, timestamp, nonce, encrypt) = (
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
        let good = crypt.sign(Stamp::from_parts(timestamp, nonce), &encrypt.replace(' ', "+"));
        for msg_signature in [sig, good.as_str()] {
            let signed = Signed { msg_signature, timestamp, nonce };
            let decrypted = crypt.decrypt_msg(signed, encrypt);
            let message = decrypted.as_ref().map(|d| d.message().to_owned()).map_err(Clone::clone);
            let into = crypt.decrypt_msg_into(signed, encrypt, &mut buf).map(str::to_owned);
            assert_eq!(message, into);
            // The URL check fails wherever decryption does, and releases only echostrs.
            match (crypt.verify_url(signed, encrypt), &message) {
                (Ok(echo), Ok(message)) => {
                    assert_eq!(&echo, message);
                    assert!((1..=128).contains(&echo.len()));
                    assert!(
                        echo.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    );
                }
                (Err(Error::NotAnEchostr), Ok(_)) => {}
                (Err(e), Err(f)) => assert!(e == *f || *f == Error::MessageNotUtf8, "{e:?} {f:?}"),
                (got, want) => panic!("verify_url {got:?} against decrypt_msg {want:?}"),
            }
            if let Ok(decrypted) = decrypted {
                let _ = decrypted.encrypt_reply("ok", Stamp::from_parts(timestamp, nonce));
            }
        }
        // A signature over the spaces themselves verifies the text as sent, yet the scheme
        // signs the '+' form: it is refused as a mismatch, never as bad base64.
        if encrypt.contains(' ') {
            let over_spaces = crypt.sign(Stamp::from_parts(timestamp, nonce), encrypt);
            let signed = Signed { msg_signature: &over_spaces, timestamp, nonce };
            assert_eq!(crypt.decrypt_msg(signed, encrypt).err(), Some(Error::SignatureMismatch));
        }
    }
});
