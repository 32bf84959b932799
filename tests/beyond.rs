//! Beyond the official library: several receive ids, any receive id, key rotation, WeChat's
//! plain signature and the timestamp window. For each: the success path, the failure path with
//! its exact code, and the interactions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, bare_ciphertext, frame, pkcs7_32, seal_raw, sign, signed, vectors};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt::{
    Error, KeyUsed, MsgCrypt, Stamp, check_timestamp, json, verify_plain_signature, xml,
};

const TOKEN: &str = "QDG6eK";
const NEW_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const OLD_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const TS: &str = "1409659813";
const NONCE: &str = "1372623149";

/// A sender: what WeCom does with `key` for receive id `rid`.
fn sender(key: &str, rid: &str) -> MsgCrypt {
    MsgCrypt::new(TOKEN, key, rid).unwrap()
}

// --- several receive ids --------------------------------------------------------------------

#[test]
fn any_of_several_receive_ids_matches_and_others_do_not() {
    let crypt = MsgCrypt::builder(TOKEN, NEW_KEY)
        .receive_id("ww-suite")
        .receive_id("ww-corp-a")
        .build()
        .unwrap();
    for rid in ["ww-suite", "ww-corp-a"] {
        let sent = sender(NEW_KEY, rid).encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
        let got =
            crypt.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
        assert_eq!((got.message(), got.receive_id()), ("hi", rid));
    }
    for rid in ["ww-corp-b", "", "ww-suit", "ww-suitee"] {
        let sent = sender(NEW_KEY, rid).encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
        let err = crypt
            .decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt())
            .plain()
            .unwrap_err();
        assert_eq!((err.clone(), err.code()), (Error::ReceiveIdMismatch, -40005), "{rid:?}");
    }
}

/// A third-party suite's URL checks, sent by the admin console when its URLs are saved, carry
/// the service provider's own corpid, not the suite id (TENANTS.md: EasyWeChat #1300). The
/// echostr here is built by hand: frame, PKCS#7, AES, and the signature over the four parts.
#[test]
fn a_suite_url_check_carries_the_providers_corpid_and_the_hint_says_so() {
    let (suite_id, provider_corpid) = ("ww4asffe99e54c0fxxxx", "wwprovider0corpid");
    let echo = b"8312647301234567890";
    let echostr =
        seal_raw(NEW_KEY, &pkcs7_32(frame(&[9; 16], 19, echo, provider_corpid.as_bytes())));
    let msg_signature = sign(&[TOKEN, TS, NONCE, &echostr]);

    let suite_only = MsgCrypt::new(TOKEN, NEW_KEY, suite_id).unwrap();
    let err = suite_only.verify_url(signed(&msg_signature, TS, NONCE), &echostr).unwrap_err();
    assert_eq!((err.clone(), err.code()), (Error::ReceiveIdMismatch, -40005));
    let hint = err.hint().unwrap_or_default();
    assert!(hint.contains("provider's own corpid"), "{hint}");

    let both = MsgCrypt::builder(TOKEN, NEW_KEY)
        .receive_id(suite_id)
        .receive_id(provider_corpid)
        .build()
        .unwrap();
    let got = both.verify_url(signed(&msg_signature, TS, NONCE), &echostr).unwrap();
    assert_eq!(got.as_bytes(), echo);
}

#[test]
fn encrypt_msg_writes_the_first_receive_id() {
    let crypt = MsgCrypt::builder(TOKEN, NEW_KEY)
        .receive_id("ww-first")
        .receive_id("ww-second")
        .build()
        .unwrap();
    let sent = crypt.encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    let plain = common::open_raw(NEW_KEY, sent.encrypt());
    assert_eq!(plain, pkcs7_32(frame(plain[..16].try_into().unwrap(), 2, b"hi", b"ww-first")));
}

// --- any receive id -------------------------------------------------------------------------

#[test]
fn any_receive_id_returns_it_instead_of_checking_it() {
    let crypt = MsgCrypt::builder(TOKEN, NEW_KEY).any_receive_id().build().unwrap();
    for rid in ["ww-corp-a", "ww-corp-b", "", "企业"] {
        let sent = sender(NEW_KEY, rid).encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
        let got =
            crypt.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
        assert_eq!((got.message(), got.receive_id()), ("hi", rid));
        // The reply goes back with the receive id of the message it answers.
        let reply = got.encrypt_reply("ok", Stamp::from_parts("1", "2")).unwrap();
        assert_eq!(
            sender(NEW_KEY, rid)
                .decrypt_msg(signed(reply.msg_signature(), "1", "2"), reply.encrypt())
                .plain()
                .unwrap(),
            "ok"
        );
    }
}

#[test]
fn any_receive_id_still_checks_signature_and_frame() {
    let crypt = MsgCrypt::builder(TOKEN, NEW_KEY).any_receive_id().build().unwrap();
    let sent = sender(NEW_KEY, "ww1").encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    assert_eq!(
        crypt.decrypt_msg(signed(sent.msg_signature(), TS, "other"), sent.encrypt()).plain(),
        Err(Error::SignatureMismatch)
    );
    let bad = seal_raw(NEW_KEY, &pkcs7_32(frame(&[0; 16], 99, b"hi", b"ww1")));
    assert_eq!(
        crypt.decrypt_msg(signed(&sign(&[TOKEN, TS, NONCE, &bad]), TS, NONCE), &bad).plain(),
        Err(Error::MessageLengthOutOfRange)
    );
    // A receive id that is not UTF-8 is no company's id: refused as a mismatch, by every entry
    // point alike (the URL check and decrypt_msg_into do not hand it out, but check it all the
    // same).
    let odd = seal_raw(NEW_KEY, &pkcs7_32(frame(&[0; 16], 2, b"hi", &[0xFF, 0xFE])));
    let sig = sign(&[TOKEN, TS, NONCE, &odd]);
    let err = crypt.decrypt_msg(signed(&sig, TS, NONCE), &odd).unwrap_err();
    assert_eq!(err, Error::ReceiveIdMismatch);
    assert_eq!(crypt.verify_url(signed(&sig, TS, NONCE), &odd), Err(Error::ReceiveIdMismatch));
    let mut buf = Vec::new();
    let into = crypt.decrypt_msg_into(signed(&sig, TS, NONCE), &odd, &mut buf);
    assert_eq!(into, Err(Error::ReceiveIdMismatch));
    // A message and receive id split inside a character: the receive id is checked first.
    let split = seal_raw(NEW_KEY, &pkcs7_32(frame(&[0; 16], 1, "é".as_bytes(), b"")));
    let err = crypt
        .decrypt_msg(signed(&sign(&[TOKEN, TS, NONCE, &split]), TS, NONCE), &split)
        .unwrap_err();
    assert_eq!(err, Error::ReceiveIdMismatch);
    // A UTF-8 receive id after a message that is not: the message's fault.
    let bad_message = seal_raw(NEW_KEY, &pkcs7_32(frame(&[0; 16], 1, &[0xC3], b"ww1")));
    let err = crypt
        .decrypt_msg(signed(&sign(&[TOKEN, TS, NONCE, &bad_message]), TS, NONCE), &bad_message)
        .unwrap_err();
    assert_eq!(err, Error::MessageNotUtf8);
}

#[test]
fn a_receive_id_must_be_configured_or_waived_explicitly() {
    let err = MsgCrypt::builder(TOKEN, NEW_KEY).build().unwrap_err();
    assert_eq!((err.clone(), err.code()), (Error::ReceiveIdRequired, -40005));
    let any = MsgCrypt::builder(TOKEN, NEW_KEY).any_receive_id().build().unwrap();
    assert_eq!(any.encrypt_msg("hi", Stamp::from_parts(TS, NONCE)), Err(Error::ReceiveIdRequired));
    // With an explicit id as well, encrypt_msg has one to write.
    let both =
        MsgCrypt::builder(TOKEN, NEW_KEY).any_receive_id().receive_id("ww1").build().unwrap();
    let sent = both.encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    assert_eq!(
        sender(NEW_KEY, "ww1")
            .decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt())
            .plain()
            .unwrap(),
        "hi"
    );
}

// --- key rotation ---------------------------------------------------------------------------

fn rotating() -> MsgCrypt {
    MsgCrypt::builder(TOKEN, NEW_KEY).previous_key(OLD_KEY).receive_id("ww1").build().unwrap()
}

#[test]
fn a_message_in_the_current_key_uses_the_current_key() {
    let sent = sender(NEW_KEY, "ww1").encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    let got =
        rotating().decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
    assert_eq!((got.message(), got.key_used()), ("hi", KeyUsed::Current));
}

#[test]
fn a_message_in_the_previous_key_falls_back_and_the_reply_uses_the_previous_key() {
    let old = sender(OLD_KEY, "ww1");
    let new_only = sender(NEW_KEY, "ww1");
    let crypt = rotating();
    for len in [0, 1, 31, 32, 33, 4096] {
        let msg = "m".repeat(len);
        let sent = old.encrypt_msg(&msg, Stamp::from_parts(TS, NONCE)).unwrap();
        assert!(
            new_only
                .decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt())
                .plain()
                .is_err()
        );
        let got =
            crypt.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
        assert_eq!((got.message(), got.key_used()), (msg.as_str(), KeyUsed::Previous));
        assert_eq!(
            crypt
                .decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt())
                .plain()
                .unwrap(),
            msg
        );

        let reply = got.encrypt_reply("reply", Stamp::from_parts("1", "2")).unwrap();
        assert_eq!(
            old.decrypt_msg(signed(reply.msg_signature(), "1", "2"), reply.encrypt())
                .plain()
                .unwrap(),
            "reply"
        );
        let err = new_only
            .decrypt_msg(signed(reply.msg_signature(), "1", "2"), reply.encrypt())
            .plain()
            .unwrap_err();
        assert!(matches!(err.code(), -40007 | -40008 | -40005), "{err:?}");
    }
}

#[test]
fn rotation_with_a_wrong_signature_is_still_40001() {
    let sent = sender(OLD_KEY, "ww1").encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    let err = rotating()
        .decrypt_msg(signed(sent.msg_signature(), TS, "other-nonce"), sent.encrypt())
        .plain()
        .unwrap_err();
    assert_eq!((err.clone(), err.code()), (Error::SignatureMismatch, -40001));
}

#[test]
fn when_both_keys_fail_the_current_keys_error_is_reported() {
    let crypt = rotating();
    let current_only = sender(NEW_KEY, "ww1");
    let mut seen = std::collections::BTreeSet::new();
    // Messages that fail under the current key in each key-dependent way.
    let cases = [
        pkcs7_32(frame(&[0; 16], 99, b"hi", b"ww1")), // length out of range
        pkcs7_32(frame(&[0; 16], 2, b"hi", b"ww-other")), // receive id mismatch
        pkcs7_32(vec![0u8; 18]),                      // frame too short
        [vec![7u8; 61], vec![9, 3, 4]].concat(),      // bad padding
    ];
    for data in cases {
        let encrypt = seal_raw(NEW_KEY, &data);
        let sig = sign(&[TOKEN, TS, NONCE, &encrypt]);
        let expected =
            current_only.decrypt_msg(signed(&sig, TS, NONCE), &encrypt).plain().unwrap_err();
        assert_eq!(
            crypt.decrypt_msg(signed(&sig, TS, NONCE), &encrypt).plain().unwrap_err(),
            expected
        );
        seen.insert(expected.to_string());
    }
    assert_eq!(seen.len(), 4, "each case fails in its own way: {seen:?}");
    // Key-independent faults are not retried and keep their code.
    let sig = sign(&[TOKEN, TS, NONCE, "@@@@"]);
    assert_eq!(
        crypt.decrypt_msg(signed(&sig, TS, NONCE), "@@@@").plain(),
        Err(Error::InvalidBase64)
    );
    let sig = sign(&[TOKEN, TS, NONCE, ""]);
    assert_eq!(
        crypt.decrypt_msg(signed(&sig, TS, NONCE), "").plain(),
        Err(Error::InvalidCiphertextLength)
    );
}

#[test]
fn a_decrypted_message_replies_with_the_token_of_the_crypt_that_verified_it() {
    let a = MsgCrypt::new("token-a", NEW_KEY, "ww1").unwrap();
    let b = MsgCrypt::new("token-b", NEW_KEY, "ww1").unwrap();
    let sent = a.encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    let from_a = a.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
    let reply = from_a.encrypt_reply("ok", Stamp::from_parts("1", "2")).unwrap();
    // Signed with a's token, checked with the test's own SHA-1.
    assert_eq!(reply.msg_signature(), sign(&["token-a", "1", "2", reply.encrypt()]));
    assert_ne!(reply.msg_signature(), sign(&["token-b", "1", "2", reply.encrypt()]));
    assert_eq!(
        b.decrypt_msg(signed(reply.msg_signature(), "1", "2"), reply.encrypt()).unwrap_err(),
        Error::SignatureMismatch
    );
    // The envelopes sign with it too.
    let body = xml::encrypt_reply(&from_a, "ok", Stamp::from_parts("1", "2")).unwrap();
    let encrypt = xml::read_encrypt(&body).unwrap();
    assert!(body.contains(&sign(&["token-a", "1", "2", &encrypt])));
}

#[test]
fn previous_key_with_any_receive_id() {
    let crypt =
        MsgCrypt::builder(TOKEN, NEW_KEY).previous_key(OLD_KEY).any_receive_id().build().unwrap();
    let sent =
        sender(OLD_KEY, "ww-corp-z").encrypt_msg("hi", Stamp::from_parts(TS, NONCE)).unwrap();
    let got = crypt.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
    assert_eq!(
        (got.message(), got.receive_id(), got.key_used()),
        ("hi", "ww-corp-z", KeyUsed::Previous)
    );
    let reply = got.encrypt_reply("ok", Stamp::from_parts("1", "2")).unwrap();
    let back = sender(OLD_KEY, "ww-corp-z")
        .decrypt_msg(signed(reply.msg_signature(), "1", "2"), reply.encrypt())
        .plain();
    assert_eq!(back.unwrap(), "ok");
}

#[test]
fn an_invalid_previous_key_is_40004() {
    let err = MsgCrypt::builder(TOKEN, NEW_KEY)
        .previous_key("short")
        .receive_id("ww1")
        .build()
        .unwrap_err();
    assert_eq!((err.clone(), err.code()), (Error::InvalidAesKey, -40004));
}

#[test]
fn every_official_vector_passes_through_the_fallback_too() {
    for v in vectors() {
        let encrypt = bare_ciphertext(&v);
        let other = if v.encoding_aes_key == OLD_KEY { NEW_KEY } else { OLD_KEY };
        // The vector's key as current (fallback configured but unused), then as previous.
        for (current, previous, key_used) in [
            (v.encoding_aes_key.as_str(), other, KeyUsed::Current),
            (other, v.encoding_aes_key.as_str(), KeyUsed::Previous),
        ] {
            let crypt = MsgCrypt::builder(&v.token, current)
                .previous_key(previous)
                .receive_id(&v.receive_id)
                .build()
                .unwrap();
            let got = crypt.decrypt_msg(signed(&v.msg_signature, &v.timestamp, &v.nonce), &encrypt);
            match (v.expected_code, got) {
                (0, Ok(d)) => assert_eq!(
                    (d.message(), d.key_used()),
                    (v.expected_plaintext.as_str(), key_used),
                    "{}",
                    v.name
                ),
                (0, Err(e)) => panic!("{}: {e}", v.name),
                (code, got) => assert_eq!(got.unwrap_err().code(), code, "{}", v.name),
            }
        }
    }
}

#[test]
fn adapters_have_the_detailed_and_reply_entry_points() {
    let crypt =
        MsgCrypt::builder(TOKEN, NEW_KEY).previous_key(OLD_KEY).any_receive_id().build().unwrap();
    let old = sender(OLD_KEY, "ww9");
    let sent = old.encrypt_msg("<xml/>", Stamp::from_parts(TS, NONCE)).unwrap();

    let xml_body = xml::render_reply(&sent).unwrap();
    let got = xml::decrypt_msg(&crypt, signed(sent.msg_signature(), TS, NONCE), &xml_body).unwrap();
    assert_eq!((got.receive_id(), got.key_used()), ("ww9", KeyUsed::Previous));
    let body = xml::encrypt_reply(&got, "r", Stamp::from_parts("1", "2")).unwrap();
    let encrypt = xml::read_encrypt(&body).unwrap();
    assert_eq!(
        old.decrypt_msg(signed(&sign(&[TOKEN, "1", "2", &encrypt]), "1", "2"), &encrypt)
            .plain()
            .unwrap(),
        "r"
    );

    let json_body = json::render_reply(&sent);
    let got =
        json::decrypt_msg(&crypt, signed(sent.msg_signature(), TS, NONCE), &json_body.unwrap())
            .unwrap();
    assert_eq!(got.message(), "<xml/>");
    for body in [
        json::encrypt_reply(&got, "r", Stamp::from_parts("1", "2")).unwrap(),
        json::encrypt_reply_wechat(&got, "r", Stamp::from_parts("1", "2")).unwrap(),
    ] {
        let encrypt = json::read_encrypt(&body).unwrap();
        assert_eq!(
            old.decrypt_msg(signed(&sign(&[TOKEN, "1", "2", &encrypt]), "1", "2"), &encrypt)
                .plain()
                .unwrap(),
            "r"
        );
    }
    assert_eq!(
        json::encrypt_reply_wechat(&got, "r", Stamp::from_parts("soon", "2")),
        Err(Error::ReplyTimestampNotNumeric)
    );
}

#[test]
fn decrypted_and_builder_debug_redact_secrets() {
    let crypt = rotating();
    let sent = sender(OLD_KEY, "ww1")
        .encrypt_msg("top-secret-message", Stamp::from_parts(TS, NONCE))
        .unwrap();
    let got = crypt.decrypt_msg(signed(sent.msg_signature(), TS, NONCE), sent.encrypt()).unwrap();
    let dbg = format!("{got:?} {crypt:?}");
    for secret in ["top-secret-message", TOKEN, NEW_KEY, OLD_KEY] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
    let builder = MsgCrypt::builder(TOKEN, NEW_KEY).previous_key(OLD_KEY).receive_id("ww1");
    let dbg = format!("{builder:?}");
    for secret in [TOKEN, NEW_KEY, OLD_KEY] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
    assert_eq!(got.into_message(), "top-secret-message");
}

// --- WeChat's plain signature ---------------------------------------------------------------

#[test]
fn plain_signature_verifies_and_fails_with_40001() {
    // Expected value computed independently with Python: hashlib.sha1("".join(sorted([...]))).
    let good = "76480565cbe296026c53aaacd1ad523a1ddba24f";
    assert_eq!(good, sign(&["pamtest", "1409304348", "xxxxxx"]));
    assert_eq!(
        verify_plain_signature("pamtest", good, Stamp::from_parts("1409304348", "xxxxxx")),
        Ok(())
    );
    for (sig, ts, nonce) in [
        (good, "1409304349", "xxxxxx"),
        (good, "1409304348", "xxxxxy"),
        ("76480565CBE296026C53AAACD1AD523A1DDBA24F", "1409304348", "xxxxxx"),
        (&good[..39], "1409304348", "xxxxxx"),
        ("", "1409304348", "xxxxxx"),
    ] {
        let err = verify_plain_signature("pamtest", sig, Stamp::from_parts(ts, nonce)).unwrap_err();
        assert_eq!((err.clone(), err.code()), (Error::SignatureMismatch, -40001));
    }
    assert_eq!(
        verify_plain_signature("", good, Stamp::from_parts("1409304348", "xxxxxx")),
        Err(Error::EmptyToken)
    );
}

#[test]
fn plain_signature_is_not_msg_signature() {
    // Passing msg_signature where signature is expected (and the reverse) fails.
    let v = &vectors()[0];
    assert_eq!(
        verify_plain_signature(
            &v.token,
            &v.msg_signature,
            Stamp::from_parts(&v.timestamp, &v.nonce)
        ),
        Err(Error::SignatureMismatch)
    );
}

// --- timestamp window -----------------------------------------------------------------------

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH.checked_add(Duration::from_secs(secs)).unwrap()
}

const WINDOW: Duration = Duration::from_secs(300);

#[test]
fn timestamps_inside_the_window_pass_and_outside_fail_with_40012() {
    let now = at(1_700_000_000);
    for ts in ["1700000000", "1699999700", "1700000300", "1699999999"] {
        assert_eq!(check_timestamp(ts, now, WINDOW), Ok(()), "{ts}");
    }
    // Sub-second parts of "now" do not count: the timestamp has whole seconds.
    assert_eq!(check_timestamp("1699999700", now + Duration::from_millis(999), WINDOW), Ok(()));
    for ts in ["1699999699", "1700000301", "0", "18446744073709551615", "99999999999999999999999"] {
        let err = check_timestamp(ts, now, WINDOW).unwrap_err();
        assert_eq!((err.clone(), err.code()), (Error::TimestampOutOfWindow, -40012), "{ts}");
        assert_eq!(err.official_name(), None);
    }
    assert_eq!(check_timestamp("0", UNIX_EPOCH, Duration::ZERO), Ok(()));
    assert_eq!(check_timestamp("5", at(i64::MAX as u64 / 2), Duration::MAX), Ok(()));
    // A clock before 1970 judges nothing fresh.
    let before_1970 = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(check_timestamp("0", before_1970, WINDOW), Err(Error::TimestampOutOfWindow));
}

#[test]
fn timestamps_that_are_not_numbers_fail_with_40013() {
    for ts in ["", "abc", "-5", "+5", " 1700000000", "1700000000 ", "1.5", "1e9", "１７"] {
        let err = check_timestamp(ts, at(1_700_000_000), WINDOW).unwrap_err();
        assert_eq!((err.clone(), err.code()), (Error::InvalidTimestamp, -40013), "{ts:?}");
    }
}
