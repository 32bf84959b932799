//! One test per fault of protocol.md §4, each asserting the exact variant and official code.
//! Malformed ciphertexts are built with the test helpers' own AES and SHA-1, so that every one
//! carries a valid signature and reaches the stage it targets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, frame, pkcs7_32, seal_raw, sign, signed};
use wxbizmsgcrypt::{Error, MsgCrypt, Stamp};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const RID: &str = "wx5823bf96d3bd56c7";
const TS: &str = "1409659589";
const NONCE: &str = "263014780";
/// The official echostr of the WeCom sample and its signature.
const ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
const ECHOSTR_SIG: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, RID).unwrap()
}

/// Decrypts `encrypt` with a valid signature computed by the test's own SHA-1.
fn decrypt_signed(c: &MsgCrypt, encrypt: &str) -> Result<String, Error> {
    let sig = sign(&[TOKEN, TS, NONCE, encrypt]);
    c.decrypt_msg(signed(&sig, TS, NONCE), encrypt).plain()
}

/// Every entry point agrees on every fault, but for one: the URL check refuses a plaintext that
/// is not echostr-shaped before it looks at its UTF-8.
fn assert_fault(encrypt: &str, expected: Error) {
    let c = crypt();
    let got = decrypt_signed(&c, encrypt).unwrap_err();
    assert_eq!(got, expected);
    let sig = sign(&[TOKEN, TS, NONCE, encrypt]);
    let url_check_expected =
        if expected == Error::MessageNotUtf8 { Error::NotAnEchostr } else { expected.clone() };
    assert_eq!(c.verify_url(signed(&sig, TS, NONCE), encrypt).unwrap_err(), url_check_expected);
    let mut buf = Vec::new();
    assert_eq!(
        c.decrypt_msg_into(signed(&sig, TS, NONCE), encrypt, &mut buf).unwrap_err(),
        expected
    );
}

fn sealed(data: &[u8]) -> String {
    seal_raw(KEY, data)
}

// --- construction: -40003 / -40004 -------------------------------------------------------

#[test]
fn empty_token_is_refused_with_40003() {
    let err = MsgCrypt::new("", KEY, RID).unwrap_err();
    assert_eq!(err, Error::EmptyToken);
    assert_eq!(err.code(), -40003);
}

#[test]
fn keys_of_the_wrong_length_are_40004() {
    for key in [&KEY[..42], &format!("{KEY}="), &format!("{KEY}A"), "", &KEY[..1]] {
        let err = MsgCrypt::new(TOKEN, key, RID).unwrap_err();
        assert_eq!(err, Error::InvalidAesKey, "{key:?}");
        assert_eq!(err.code(), -40004);
    }
}

#[test]
fn keys_with_a_non_base64_character_are_40004() {
    for bad in ['!', '-', '_', '=', ' ', 'é'] {
        let mut key: String = KEY.chars().take(42).collect();
        key.insert(10, bad);
        key.truncate(if bad.len_utf8() == 1 { 43 } else { 43 + bad.len_utf8() - 1 });
        assert_eq!(MsgCrypt::new(TOKEN, &key, RID).unwrap_err(), Error::InvalidAesKey, "{key:?}");
    }
}

#[test]
fn keys_with_trailing_bits_set_are_accepted() {
    // The official sample key ends in 'C' (0b000010): its two unused low bits are not zero, so a
    // strict base64 decoder refuses it. Every official library accepts it.
    assert!(MsgCrypt::new(TOKEN, KEY, RID).is_ok());
    assert!(MsgCrypt::new(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", RID).is_ok());
}

// --- signature: -40001 ---------------------------------------------------------------------

#[test]
fn wrong_truncated_uppercase_or_empty_signatures_are_40001() {
    let c = crypt();
    let flipped = format!("{}4", &ECHOSTR_SIG[..39]);
    for sig in [
        flipped.as_str(),
        &ECHOSTR_SIG[..39],
        &ECHOSTR_SIG[..20],
        &ECHOSTR_SIG.to_uppercase(),
        "",
        &format!("{ECHOSTR_SIG}0"),
        &format!(" {ECHOSTR_SIG}"),
    ] {
        let err = c.verify_url(signed(sig, TS, NONCE), ECHOSTR).unwrap_err();
        assert_eq!(err, Error::SignatureMismatch, "{sig:?}");
        assert_eq!(err.code(), -40001);
    }
}

#[test]
fn a_signature_over_other_parameters_is_40001() {
    let c = crypt();
    assert_eq!(
        c.verify_url(signed(ECHOSTR_SIG, "1409659590", NONCE), ECHOSTR),
        Err(Error::SignatureMismatch)
    );
    assert_eq!(
        c.verify_url(signed(ECHOSTR_SIG, TS, "263014781"), ECHOSTR),
        Err(Error::SignatureMismatch)
    );
    let other_token = MsgCrypt::new("QDG6eL", KEY, RID).unwrap();
    assert_eq!(
        other_token.verify_url(signed(ECHOSTR_SIG, TS, NONCE), ECHOSTR),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_signature_is_checked_before_anything_else() {
    // Not base64, empty, and garbage: all -40001 when the signature is wrong.
    let c = crypt();
    for encrypt in ["@@@@", "", "AAAA"] {
        assert_eq!(
            c.decrypt_msg(signed(ECHOSTR_SIG, TS, NONCE), encrypt).plain(),
            Err(Error::SignatureMismatch)
        );
    }
}

#[test]
fn plus_that_arrived_as_space_is_read_as_plus() {
    // The official echostr has three '+'. A form decoder turns them into spaces; the signature
    // was computed over the '+' form, and verify_url reads the spaces back as '+'.
    let mangled = ECHOSTR.replace('+', " ");
    assert_ne!(mangled, ECHOSTR);
    assert_eq!(
        crypt().verify_url(signed(ECHOSTR_SIG, TS, NONCE), &mangled).unwrap(),
        "1616140317555161061"
    );
    // The `+` form is what the previous key decodes again, after the current key failed.
    let rotated = MsgCrypt::builder(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        .previous_key(KEY)
        .receive_id(RID)
        .build()
        .unwrap();
    assert_eq!(
        rotated.verify_url(signed(ECHOSTR_SIG, TS, NONCE), &mangled).unwrap(),
        "1616140317555161061"
    );
}

#[test]
fn a_signature_over_the_spaces_themselves_does_not_verify() {
    // The scheme signs the '+' form, so a signature computed over the text with its spaces is a
    // mismatch (-40001), not an invalid base64 (-40010), although it verifies the text as sent.
    let c = crypt();
    let mangled = ECHOSTR.replace('+', " ");
    let over_spaces = c.sign(Stamp::from_parts(TS, NONCE), &mangled);
    assert_eq!(
        c.decrypt_msg(signed(&over_spaces, TS, NONCE), &mangled).plain(),
        Err(Error::SignatureMismatch)
    );
    // Spaces in a text that is not base64 after the replacement either: the signature decides.
    let junk = "@@ @";
    assert_eq!(
        c.decrypt_msg(signed(&c.sign(Stamp::from_parts(TS, NONCE), junk), TS, NONCE), junk).plain(),
        Err(Error::SignatureMismatch)
    );
    let replaced = c.sign(Stamp::from_parts(TS, NONCE), "@@+@");
    assert_eq!(
        c.decrypt_msg(signed(&replaced, TS, NONCE), junk).plain(),
        Err(Error::InvalidBase64)
    );
}

// --- base64: -40010 ------------------------------------------------------------------------

#[test]
fn invalid_base64_is_40010() {
    for encrypt in ["@@@@", "AAA", "AAAAA", "AA=A", "AAAA\n", "AAAA====", "-_-_"] {
        assert_fault(encrypt, Error::InvalidBase64);
        assert_eq!(Error::InvalidBase64.code(), -40010);
    }
}

// --- AES / padding: -40007 -----------------------------------------------------------------

#[test]
fn empty_ciphertext_is_40007_not_a_panic() {
    assert_fault("", Error::InvalidCiphertextLength);
    assert_eq!(Error::InvalidCiphertextLength.code(), -40007);
}

#[test]
fn ciphertext_not_whole_blocks_is_40007() {
    use base64::Engine;
    for n in [1usize, 15, 17, 31, 33] {
        let encrypt = base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        assert_fault(&encrypt, Error::InvalidCiphertextLength);
    }
}

#[test]
fn pad_byte_zero_is_40007() {
    let mut data = pkcs7_32(frame(&[1; 16], 5, b"hello", RID.as_bytes()));
    *data.last_mut().unwrap() = 0;
    assert_fault(&sealed(&data), Error::InvalidPadding);
    assert_eq!(Error::InvalidPadding.code(), -40007);
}

#[test]
fn pad_byte_33_is_40007() {
    // 63 bytes + 33 bytes of 33 would be valid PKCS#7 to 48- or 64-byte blocks, never to 32.
    let mut data = vec![b'x'; 63];
    data.extend([33u8; 33]);
    assert_eq!(data.len(), 96);
    assert_fault(&sealed(&data), Error::InvalidPadding);
}

#[test]
fn non_uniform_padding_is_40007() {
    let mut data = pkcs7_32(frame(&[1; 16], 5, b"hello", RID.as_bytes()));
    let pad = usize::from(*data.last().unwrap());
    assert!(pad >= 2);
    let n = data.len();
    data[n - pad] ^= 1;
    assert_fault(&sealed(&data), Error::InvalidPadding);
}

#[test]
fn pad_larger_than_the_data_is_40007() {
    // One 16-byte block ending in 32: the padding would be longer than the data.
    assert_fault(&sealed(&[32u8; 16]), Error::InvalidPadding);
}

#[test]
fn pkcs7_to_16_bytes_is_not_the_scheme() {
    // What a 16-byte PKCS#7 padder (RustCrypto's Pkcs7) would produce for a 44-byte frame:
    // 4 bytes of 4 instead of 20 of 20. Valid here too (last byte 4, four 4s), so it must decrypt:
    // the scheme's decoders accept any well-formed pad 1..=32.
    let f = frame(&[1; 16], 10, b"0123456789", RID.as_bytes()); // 20 + 10 + 18 = 48
    let mut data = f.clone();
    data.extend([16u8; 16]);
    assert_eq!(decrypt_signed(&crypt(), &sealed(&data)).unwrap(), "0123456789");
}

// --- frame: -40008 -------------------------------------------------------------------------

#[test]
fn frame_of_18_bytes_is_40008() {
    let data = pkcs7_32(vec![b'r'; 18]);
    assert_fault(&sealed(&data), Error::FrameTooShort);
    assert_eq!(Error::FrameTooShort.code(), -40008);
}

#[test]
fn empty_frame_is_40008() {
    // A whole block of padding and nothing else.
    assert_fault(&sealed(&[32u8; 32]), Error::FrameTooShort);
}

#[test]
fn length_field_past_the_end_is_40008() {
    for len_field in [0xFFFF_FFF0u32, u32::MAX, 1000, 5 + 18 + 1] {
        let data = pkcs7_32(frame(&[1; 16], len_field, b"hello", RID.as_bytes()));
        assert_fault(&sealed(&data), Error::MessageLengthOutOfRange);
    }
    assert_eq!(Error::MessageLengthOutOfRange.code(), -40008);
}

#[test]
fn non_utf8_message_is_40008() {
    let data = pkcs7_32(frame(&[1; 16], 3, &[0xE4, 0xBC, 0xFF], RID.as_bytes()));
    assert_fault(&sealed(&data), Error::MessageNotUtf8);
    assert_eq!(Error::MessageNotUtf8.code(), -40008);
}

// --- receive id: -40005 --------------------------------------------------------------------

#[test]
fn receive_id_mismatch_is_40005() {
    for rid in
        ["wx5823bf96d3bd56c8", "wx5823bf96d3bd56c", "wx5823bf96d3bd56c77", "WX5823BF96D3BD56C7"]
    {
        let data = pkcs7_32(frame(&[1; 16], 5, b"hello", rid.as_bytes()));
        assert_fault(&sealed(&data), Error::ReceiveIdMismatch);
    }
    assert_eq!(Error::ReceiveIdMismatch.code(), -40005);
}

#[test]
fn empty_receive_id_trailer_is_40005_when_one_is_configured() {
    let data = pkcs7_32(frame(&[1; 16], 5, b"hello", b""));
    assert_fault(&sealed(&data), Error::ReceiveIdMismatch);
}

#[test]
fn empty_configured_receive_id_requires_an_empty_trailer() {
    // The AI-bot case. An empty configured id is not "skip the check" (Go's fail-open).
    let bot = MsgCrypt::new(TOKEN, KEY, "").unwrap();
    let with_id = sealed(&pkcs7_32(frame(&[1; 16], 5, b"hello", RID.as_bytes())));
    assert_eq!(decrypt_signed(&bot, &with_id), Err(Error::ReceiveIdMismatch));
    let without = sealed(&pkcs7_32(frame(&[1; 16], 5, b"hello", b"")));
    assert_eq!(decrypt_signed(&bot, &without).unwrap(), "hello");
}

#[test]
fn receive_id_is_checked_before_utf8() {
    let data = pkcs7_32(frame(&[1; 16], 1, &[0xFF], b"someone-else"));
    assert_fault(&sealed(&data), Error::ReceiveIdMismatch);
}

#[test]
fn a_wrong_key_fails_cleanly() {
    // Same token (so the signature verifies), other key: the decrypted bytes are noise.
    let other = MsgCrypt::new(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", RID).unwrap();
    let err = other.verify_url(signed(ECHOSTR_SIG, TS, NONCE), ECHOSTR).unwrap_err();
    assert!(matches!(err.code(), -40007 | -40008 | -40005), "{err:?}");
}

// --- the URL check releases only an echostr: -40014 ----------------------------------------

/// The official WeCom POST sample (developer.work.weixin.qq.com, 加解密方案说明): its query and
/// the `Encrypt` of its body.
const POST_SIG: &str = "477715d11cdb4164915debcba66cb864d751f3e6";
const POST_TS: &str = "1409659813";
const POST_NONCE: &str = "1372623149";
const POST_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

#[test]
fn a_captured_post_replayed_as_a_url_check_is_refused_with_40014() {
    let c = crypt();
    let post = signed(POST_SIG, POST_TS, POST_NONCE);
    // The signature does verify: it covers the same four strings. The message is a real one.
    let message = c.decrypt_msg(post, POST_ENCRYPT).unwrap();
    assert!(message.message().contains("<Content><![CDATA[hello]]></Content>"));
    // As a URL check it is refused, and the plaintext is nowhere in the error.
    let err = c.verify_url(post, POST_ENCRYPT).unwrap_err();
    assert_eq!((err.clone(), err.code(), err.official_name()), (Error::NotAnEchostr, -40014, None));
    assert!(!format!("{err} {err:?}").contains("hello"));

    // The same request as it would arrive, through CallbackQuery.
    let encoded = POST_ENCRYPT.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let raw = format!(
        "msg_signature={POST_SIG}&timestamp={POST_TS}&nonce={POST_NONCE}&echostr={encoded}"
    );
    let q = wxbizmsgcrypt::CallbackQuery::parse(&raw).unwrap();
    assert_eq!(c.verify_url(q.signed(), q.echostr().unwrap()), Err(Error::NotAnEchostr));
    // A key rotation that opens it with the previous key refuses it just the same.
    let rotated = MsgCrypt::builder(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        .previous_key(KEY)
        .receive_id(RID)
        .build()
        .unwrap();
    assert_eq!(rotated.verify_url(post, POST_ENCRYPT), Err(Error::NotAnEchostr));
}

#[test]
fn only_echostr_shaped_plaintexts_are_released() {
    let c = crypt();
    let url_check = |plain: &[u8]| {
        let encrypt = sealed(&pkcs7_32(frame(&[7; 16], plain.len() as u32, plain, RID.as_bytes())));
        c.verify_url(signed(&sign(&[TOKEN, TS, NONCE, &encrypt]), TS, NONCE), &encrypt)
    };
    let longest = "9".repeat(128);
    for echo in ["1", "1616140317555161061", "abc-XYZ_09", longest.as_str()] {
        assert_eq!(url_check(echo.as_bytes()).as_deref(), Ok(echo), "{echo:?}");
    }
    let too_long = "9".repeat(129);
    for not_echo in [
        "",
        too_long.as_str(),
        "<xml><Content>hi</Content></xml>",
        "{\"msgtype\":\"text\"}",
        "12 34",
        "1+2",
        "a/b",
        "a=",
        "1616140317555161061\n",
        "企业微信",
    ] {
        assert_eq!(url_check(not_echo.as_bytes()), Err(Error::NotAnEchostr), "{not_echo:?}");
    }
    assert_eq!(url_check(&[0xFF, b'1']), Err(Error::NotAnEchostr));
    // The shape is judged after every other check: a wrong receive id is still -40005.
    let encrypt = sealed(&pkcs7_32(frame(&[7; 16], 5, b"<xml>", b"someone-else")));
    let sig = sign(&[TOKEN, TS, NONCE, &encrypt]);
    assert_eq!(c.verify_url(signed(&sig, TS, NONCE), &encrypt), Err(Error::ReceiveIdMismatch));
}
