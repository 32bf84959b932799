//! Every vector of `tests/data/known.json` (a copy of `shared/vectors/known.json`, with its
//! provenance in each `source` field) through the core, in both directions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, Vector, bare_ciphertext, signed, vectors};
use wxbizmsgcrypt::MsgCrypt;
use wxbizmsgcrypt::Stamp;

fn crypt(v: &Vector) -> MsgCrypt {
    MsgCrypt::new(&v.token, &v.encoding_aes_key, &v.receive_id)
        .unwrap_or_else(|e| panic!("{}: new failed: {e}", v.name))
}

#[test]
fn there_are_vectors_of_every_kind() {
    let all = vectors();
    assert!(all.len() >= 16, "only {} vectors", all.len());
    for kind in ["echostr", "xml", "json"] {
        assert!(all.iter().any(|v| v.variant == kind), "no {kind} vector");
    }
    assert!(all.iter().any(|v| v.expected_code != 0), "no negative vector");
}

#[test]
fn every_vector_decrypts_or_fails_with_its_code() {
    for v in vectors() {
        let c = crypt(&v);
        let encrypt = bare_ciphertext(&v);
        let got = if v.variant == "echostr" {
            c.verify_url(signed(&v.msg_signature, &v.timestamp, &v.nonce), &encrypt)
        } else {
            c.decrypt_msg(signed(&v.msg_signature, &v.timestamp, &v.nonce), &encrypt).plain()
        };
        match (v.expected_code, got) {
            (0, Ok(plain)) => assert_eq!(plain, v.expected_plaintext, "{}: plaintext", v.name),
            (0, Err(e)) => panic!("{}: expected success, got {e} ({})", v.name, e.code()),
            (code, Ok(_)) => panic!("{}: expected {code}, got success", v.name),
            (code, Err(e)) => assert_eq!(e.code(), code, "{}: {e}", v.name),
        }
    }
}

#[test]
fn every_vector_decrypts_into_a_reused_buffer() {
    let mut buf = Vec::new();
    for v in vectors().iter().filter(|v| v.expected_code == 0) {
        let encrypt = bare_ciphertext(v);
        let got = crypt(v)
            .decrypt_msg_into(signed(&v.msg_signature, &v.timestamp, &v.nonce), &encrypt, &mut buf)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(got, v.expected_plaintext, "{}", v.name);
    }
}

/// Vectors that record the 16 random bytes are reproduced byte for byte by the encrypting side,
/// and the signature of a positive vector is reproduced too.
#[test]
fn vectors_with_random_prefix_encrypt_byte_for_byte() {
    let mut checked = 0;
    for v in vectors() {
        let Some(prefix) = v.random_prefix.as_deref() else { continue };
        let random: [u8; 16] = prefix.as_bytes().try_into().expect("16-byte prefix");
        let sent = wxbizmsgcrypt::dangerous::encrypt_msg_with_random(
            &crypt(&v),
            &v.expected_plaintext,
            Stamp::from_parts(&v.timestamp, &v.nonce),
            &random,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(sent.encrypt(), bare_ciphertext(&v), "{}: ciphertext", v.name);
        if v.expected_code == 0 {
            assert_eq!(sent.msg_signature(), &v.msg_signature, "{}: signature", v.name);
        }
        assert_eq!(sent.timestamp(), v.timestamp);
        assert_eq!(sent.nonce(), v.nonce);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} vectors carry a random prefix");
}

/// The recorded padding length matches what the scheme's 32-byte PKCS#7 gives, decrypted with
/// the test's own AES (so the crate's unpadder is not the judge of its own padding).
#[test]
fn recorded_padding_is_pkcs7_to_32_bytes() {
    for v in vectors() {
        let Some(pad) = v.pkcs7_pad else { continue };
        let plain = common::open_raw(&v.encoding_aes_key, &bare_ciphertext(&v));
        assert_eq!(plain.len() % 32, 0, "{}", v.name);
        let last = *plain.last().unwrap();
        assert_eq!(u64::from(last), pad, "{}", v.name);
        assert!(plain[plain.len() - usize::from(last)..].iter().all(|&b| b == last));
    }
}
