//! Secrets never reach Debug or Display: not the token, not the key, not a decrypted message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, frame, pkcs7_32, seal_raw, sign, signed};
use wxbizmsgcrypt::{Error, MsgCrypt, Stamp};

const TOKEN: &str = "SuperSecretTokenValue";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const SECRET_MSG: &str = "confidential-plaintext";
const RID: &str = "ww-receiver";

fn assert_clean(text: &str) {
    for secret in [TOKEN, KEY, SECRET_MSG, "other-receiver"] {
        assert!(!text.contains(secret), "{text:?} leaks {secret:?}");
    }
    // Not even a long piece of the key.
    for window in KEY.as_bytes().windows(8) {
        let piece = std::str::from_utf8(window).unwrap();
        assert!(!text.contains(piece), "{text:?} leaks part of the key");
    }
}

#[test]
fn debug_of_msg_crypt_is_redacted() {
    let crypt = MsgCrypt::new(TOKEN, KEY, RID).unwrap();
    let dbg = format!("{crypt:?} {crypt:#?}");
    assert_clean(&dbg);
    assert!(dbg.contains("redacted"));
    assert!(dbg.contains(RID), "the receive id is not secret and helps debugging: {dbg}");
}

#[test]
fn errors_from_real_failures_leak_nothing() {
    let crypt = MsgCrypt::new(TOKEN, KEY, RID).unwrap();
    let (ts, nonce) = ("1700000000", "42");
    let fault_of = |data: Vec<u8>| {
        let encrypt = seal_raw(KEY, &data);
        let sig = sign(&[TOKEN, ts, nonce, &encrypt]);
        crypt.decrypt_msg(signed(&sig, ts, nonce), &encrypt).plain().unwrap_err()
    };
    let good = crypt.encrypt_msg(SECRET_MSG, Stamp::from_parts(ts, nonce)).unwrap();
    let mut errors = vec![
        MsgCrypt::new("", KEY, RID).unwrap_err(),
        MsgCrypt::new(TOKEN, &KEY[..42], RID).unwrap_err(),
        MsgCrypt::new(TOKEN, &format!("{}!", &KEY[..42]), RID).unwrap_err(),
        crypt
            .decrypt_msg(signed(good.msg_signature(), ts, "43"), good.encrypt())
            .plain()
            .unwrap_err(),
        crypt
            .decrypt_msg(signed(&sign(&[TOKEN, ts, nonce, "@@@@"]), ts, nonce), "@@@@")
            .plain()
            .unwrap_err(),
        crypt
            .decrypt_msg(signed(&sign(&[TOKEN, ts, nonce, ""]), ts, nonce), "")
            .plain()
            .unwrap_err(),
        fault_of(pkcs7_32(frame(&[0; 16], 22, SECRET_MSG.as_bytes(), b"other-receiver"))),
        fault_of(pkcs7_32(frame(&[0; 16], 9999, SECRET_MSG.as_bytes(), RID.as_bytes()))),
        fault_of(pkcs7_32(b"confidential".to_vec())),
        fault_of([SECRET_MSG.as_bytes(), &[0u8; 10]].concat()),
    ];
    let mut bad_utf8 = SECRET_MSG.as_bytes().to_vec();
    bad_utf8.push(0xFF);
    errors.push(fault_of(pkcs7_32(frame(&[0; 16], 23, &bad_utf8, RID.as_bytes()))));

    let codes: std::collections::BTreeSet<i32> = errors.iter().map(Error::code).collect();
    let expected = [-40010, -40008, -40007, -40005, -40004, -40003, -40001];
    assert_eq!(codes, expected.into_iter().collect(), "every construction/decrypt code");
    for e in &errors {
        assert_clean(&format!("{e} {e:?} {e:#?}"));
        let msg = e.to_string();
        assert!(!msg.is_empty() && msg.chars().next().unwrap().is_lowercase(), "{msg}");
    }
}
