//! encrypt → decrypt over the sizes where framing and padding change, with non-ASCII receive ids.
//! Each ciphertext is also opened with the test helpers' own AES, so a bug shared by the crate's
//! two directions cannot pass unnoticed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, frame, open_raw, pkcs7_32, signed};
use wxbizmsgcrypt::MsgCrypt;
use wxbizmsgcrypt::Stamp;

const TOKEN: &str = "tok3n";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const SIZES: [usize; 11] = [0, 1, 11, 12, 15, 16, 31, 32, 33, 4096, 65536];
const RECEIVE_IDS: [&str; 4] = ["ww0123456789abcdef", "", "企业微信-套件", "wx😀"];

fn message(len: usize) -> String {
    // Cycle through 1-, 3- and 4-byte characters, then pad with ASCII to exactly `len` bytes.
    let mut s = String::with_capacity(len);
    for c in "a企b😀]]>&<".chars().cycle() {
        if s.len() + c.len_utf8() > len {
            break;
        }
        s.push(c);
    }
    while s.len() < len {
        s.push('z');
    }
    s
}

#[test]
fn round_trip_over_boundary_sizes_and_receive_ids() {
    for rid in RECEIVE_IDS {
        let crypt = MsgCrypt::new(TOKEN, KEY, rid).unwrap();
        for len in SIZES {
            let msg = message(len);
            assert_eq!(msg.len(), len);
            let random = [0x5Au8; 16];
            let sent = wxbizmsgcrypt::dangerous::encrypt_msg_with_random(
                &crypt,
                &msg,
                Stamp::from_parts("1700000000", "nonce"),
                &random,
            )
            .unwrap();

            // Independent check of the wire format.
            let expected = pkcs7_32(frame(&random, len as u32, msg.as_bytes(), rid.as_bytes()));
            assert_eq!(open_raw(KEY, sent.encrypt()), expected, "len {len} rid {rid:?}");
            assert_eq!(
                sent.msg_signature(),
                common::sign(&[TOKEN, "1700000000", "nonce", sent.encrypt()])
            );

            let back = crypt
                .decrypt_msg(signed(sent.msg_signature(), "1700000000", "nonce"), sent.encrypt())
                .plain();
            assert_eq!(back.as_deref(), Ok(msg.as_str()), "len {len} rid {rid:?}");
        }
    }
}

#[test]
fn encrypt_msg_draws_fresh_random_bytes() {
    let crypt = MsgCrypt::new(TOKEN, KEY, "ww1").unwrap();
    let a = crypt.encrypt_msg("same reply", Stamp::from_parts("1", "n")).unwrap();
    let b = crypt.encrypt_msg("same reply", Stamp::from_parts("1", "n")).unwrap();
    assert_ne!(a.encrypt(), b.encrypt());
    let (ra, rb) = (open_raw(KEY, a.encrypt()), open_raw(KEY, b.encrypt()));
    assert_ne!(ra[..16], rb[..16]);
    assert_ne!(ra[..16], [0u8; 16]);
    for sent in [a, b] {
        assert_eq!(
            crypt
                .decrypt_msg(signed(sent.msg_signature(), "1", "n"), sent.encrypt())
                .plain()
                .unwrap(),
            "same reply"
        );
    }
}

#[test]
fn a_reused_buffer_gives_each_message_back() {
    let crypt = MsgCrypt::new(TOKEN, KEY, "ww1").unwrap();
    let mut buf = Vec::new();
    for len in [65536, 0, 33, 4096, 1] {
        let msg = message(len);
        let sent = crypt.encrypt_msg(&msg, Stamp::from_parts("1", "n")).unwrap();
        let got = crypt
            .decrypt_msg_into(signed(sent.msg_signature(), "1", "n"), sent.encrypt(), &mut buf)
            .unwrap();
        assert_eq!(got, msg);
    }
}

#[test]
fn clones_share_the_keys_and_work_across_threads() {
    let crypt = MsgCrypt::new(TOKEN, KEY, "ww1").unwrap();
    let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1", "n")).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (c, s) = (crypt.clone(), sent.clone());
            std::thread::spawn(move || {
                c.decrypt_msg(signed(s.msg_signature(), "1", "n"), s.encrypt()).plain()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), "hello");
    }
}
