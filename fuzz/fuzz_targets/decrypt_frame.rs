//! The fuzzer chooses the decrypted frame itself: the input (cut to whole AES blocks) is
//! encrypted with the raw primitives, signed, and decrypted by the crate, so that padding,
//! frame, receive-id and UTF-8 checks see arbitrary plaintext. Whatever it is, decrypting gives
//! an error or a message that a well-formed frame really holds, never a panic.
#![no_main]

use aes::cipher::{BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{Error, MsgCrypt, Signed, Stamp};

const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

fuzz_target!(|data: &[u8]| {
    let mut frame = data[..data.len() / 16 * 16].to_vec();
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let key = lenient.decode(format!("{KEY}=")).unwrap();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut frame);
    cbc::Encryptor::<aes::Aes256>::new(key[..].try_into().unwrap(), key[..16].try_into().unwrap())
        .encrypt_blocks(blocks);
    let encrypt = base64::engine::general_purpose::STANDARD.encode(&frame);

    for crypt in [
        MsgCrypt::new("QDG6eK", KEY, "wx5823bf96d3bd56c7").unwrap(),
        MsgCrypt::new("QDG6eK", KEY, "").unwrap(),
        MsgCrypt::builder("QDG6eK", KEY).any_receive_id().build().unwrap(),
    ] {
        let sig = crypt.sign(Stamp::from_parts("1", "2"), &encrypt);
        let signed = Signed { msg_signature: &sig, timestamp: "1", nonce: "2" };
        let decrypted = crypt.decrypt_msg(signed, &encrypt);
        match &decrypted {
            Ok(d) => {
                // A message came out: the plaintext really is a well-formed padded frame.
                let pad = usize::from(*data.get(frame.len() - 1).unwrap());
                let body = &data[..frame.len() - pad];
                let len = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
                assert_eq!(d.message().as_bytes(), &body[20..20 + len]);
                assert_eq!(d.receive_id().as_bytes(), &body[20 + len..]);
            }
            Err(e) => assert!(matches!(e.code(), -40005 | -40007 | -40008), "{e:?}"),
        }
        match (crypt.verify_url(signed, &encrypt), decrypted) {
            (Ok(echo), Ok(d)) => assert_eq!(echo, d.message()),
            (Err(Error::NotAnEchostr), Ok(_)) => {}
            (Err(e), Err(f)) => assert!(e == f || f == Error::MessageNotUtf8, "{e:?} {f:?}"),
            (got, want) => panic!("verify_url {got:?} against decrypt_msg {want:?}"),
        }
    }
});
