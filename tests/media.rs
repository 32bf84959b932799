//! `media::decrypt` and `media::Decryptor` against an independent implementation inside this
//! file: RustCrypto `aes` + `cbc` used directly, with its own PKCS#7 padding to 32 bytes and
//! its own unpadding model, and keys made from raw bytes (so the expected key is never decoded
//! by the code under test). Every failure names its seed or inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use wxbizmsgcrypt::Error;
use wxbizmsgcrypt::media::{self, Decryptor, MediaKey};

// --- the independent implementation ----------------------------------------------------------

/// SplitMix64: a small, seedable generator, so that every case can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn key(&mut self) -> [u8; 32] {
        self.bytes(32).try_into().unwrap()
    }
}

/// The key forms a media key is written in: the 43-character EncodingAESKey (or unpadded
/// `aeskey`) and the 44-character padded `aeskey`; `trailing` sets the last character's 2
/// unused low bits (0 to 3), as most real EncodingAESKeys have them.
fn key_text(raw: &[u8; 32], padded: bool, trailing: u8) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let canonical = STANDARD.encode(raw);
    assert_eq!((canonical.len(), &canonical[43..]), (44, "="));
    let mut chars = canonical.into_bytes();
    let last = ALPHABET.iter().position(|&c| c == chars[42]).unwrap();
    assert_eq!(last & 3, 0, "a canonical encoding leaves the unused bits clear");
    chars[42] = ALPHABET[last | usize::from(trailing & 3)];
    if !padded {
        chars.pop();
    }
    String::from_utf8(chars).unwrap()
}

/// PKCS#7 to a multiple of 32 bytes: 1 to 32 bytes, each the padding's length.
fn pkcs7_32(file: &[u8]) -> Vec<u8> {
    let pad = 32 - file.len() % 32;
    let mut out = file.to_vec();
    out.extend(std::iter::repeat_n(pad as u8, pad));
    out
}

/// AES-256-CBC over whole blocks, IV = the key's first 16 bytes, no padding added.
fn encrypt_raw(key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let mut buf = plaintext.to_vec();
    let (blocks, tail) = Array::slice_as_chunks_mut(&mut buf[..]);
    assert!(tail.is_empty(), "whole blocks only");
    cbc::Encryptor::<aes::Aes256>::new(key.into(), key[..16].try_into().unwrap())
        .encrypt_blocks(blocks);
    buf
}

/// A media download as WeCom makes it.
fn encrypt_file(key: &[u8; 32], file: &[u8]) -> Vec<u8> {
    encrypt_raw(key, &pkcs7_32(file))
}

/// The model of a media decryption: the file, or the fault and its code, by the definition
/// (ciphertext whole blocks and not empty; the last byte 1 to 32 and no more than the data; all
/// padding bytes equal to it).
fn model(key: &[u8; 32], encrypted: &[u8]) -> Result<Vec<u8>, Error> {
    if encrypted.is_empty() || !encrypted.len().is_multiple_of(16) {
        return Err(Error::InvalidCiphertextLength);
    }
    let mut buf = encrypted.to_vec();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf[..]);
    cbc::Decryptor::<aes::Aes256>::new(key.into(), key[..16].try_into().unwrap())
        .decrypt_blocks(blocks);
    let pad = usize::from(*buf.last().unwrap());
    if pad == 0
        || pad > 32
        || pad > buf.len()
        || buf[buf.len() - pad..].iter().any(|&b| usize::from(b) != pad)
    {
        return Err(Error::InvalidPadding);
    }
    buf.truncate(buf.len() - pad);
    Ok(buf)
}

// --- driving the code under test ---------------------------------------------------------------

/// Streams `encrypted` through a `Decryptor` in chunks of the given sizes (cycled), checking on
/// the way that each `update` appends less than the chunk plus 48 bytes and holds back exactly
/// the last 32 bytes of plaintext.
fn stream(key: &MediaKey, encrypted: &[u8], chunk_sizes: &[usize]) -> Result<Vec<u8>, Error> {
    let mut decryptor = Decryptor::new(key, encrypted.len() as u64);
    let mut out = Vec::new();
    let (mut fed, mut sizes) = (0, chunk_sizes.iter().cycle());
    while fed < encrypted.len() {
        let n = (*sizes.next().unwrap()).clamp(1, encrypted.len() - fed);
        let before = out.len();
        decryptor.update(&encrypted[fed..fed + n], &mut out)?;
        fed += n;
        assert!(out.len() - before < n + 48, "update appended too much");
        let whole = fed - fed % 16;
        assert_eq!(out.len(), whole.saturating_sub(32), "after {fed} bytes, all but 32 are out");
    }
    decryptor.finish(&mut out)?;
    Ok(out)
}

/// Both entry points against the model, for one key in the given form.
fn check(raw: &[u8; 32], form: (bool, u8), encrypted: &[u8], chunk_sizes: &[usize], what: &str) {
    let text = key_text(raw, form.0, form.1);
    let key = MediaKey::new(&text).unwrap_or_else(|e| panic!("{what}: key {text:?}: {e}"));
    let expected = model(raw, encrypted);
    let one_shot = media::decrypt(&key, encrypted);
    assert!(
        one_shot == expected,
        "{what}: one-shot {:?} expected {:?}",
        one_shot.map(|v| v.len()),
        expected.map(|v| v.len())
    );
    let streamed = stream(&key, encrypted, chunk_sizes);
    assert!(
        streamed == expected,
        "{what}, chunks {chunk_sizes:?}: streamed {:?} expected {:?}",
        streamed.map(|v| v.len()),
        expected.map(|v| v.len())
    );
}

const FORMS: [(bool, u8); 4] = [(false, 0), (true, 0), (false, 3), (true, 2)];

// --- known answer ------------------------------------------------------------------------------

/// Made with Node's `crypto` (AES-256-CBC, auto padding off, PKCS#7 to 32 added by hand) under
/// the official sample EncodingAESKey; the official bot SDK's `decryptFile`
/// (@wecom/aibot-node-sdk 1.0.7) decrypts it to the same bytes with the key as 43 or 44
/// characters.
const SAMPLE_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const SAMPLE_DOWNLOAD: [u8; 32] = [
    0x83, 0x41, 0xbf, 0x3d, 0xd4, 0x6b, 0x1d, 0xe9, 0x74, 0x5d, 0x6e, 0x2d, 0x18, 0x4b, 0x88, 0xa9,
    0x4f, 0x6d, 0xa6, 0xb1, 0x81, 0x95, 0xe7, 0x03, 0x02, 0x5e, 0x52, 0x07, 0x1f, 0xfe, 0xbf, 0x56,
];

#[test]
fn known_answer_from_node() {
    for text in [SAMPLE_KEY.to_owned(), format!("{SAMPLE_KEY}=")] {
        let key = MediaKey::new(&text).unwrap();
        assert_eq!(media::decrypt(&key, &SAMPLE_DOWNLOAD).unwrap(), b"a tiny file", "{text}");
        for size in [1, 5, 16, 32] {
            assert_eq!(stream(&key, &SAMPLE_DOWNLOAD, &[size]).unwrap(), b"a tiny file");
        }
    }
    // The independent implementation agrees with Node, so that it can stand in for it below.
    let raw: [u8; 32] = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(format!("{}A", &SAMPLE_KEY[..42])) // the same key, its unused bits clear
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(key_text(&raw, false, 2), SAMPLE_KEY);
    assert_eq!(encrypt_file(&raw, b"a tiny file"), SAMPLE_DOWNLOAD);
}

// --- round trips ---------------------------------------------------------------------------------

#[test]
fn every_small_size_in_every_key_form() {
    // 0 to 130 bytes: every 16- and 32-byte boundary up to four blocks and beyond, each size
    // streamed in one chunk, in single bytes and in random chunks.
    let mut rng = Rng(1);
    for len in 0..=130 {
        let raw = rng.key();
        let file = rng.bytes(len);
        let encrypted = encrypt_file(&raw, &file);
        assert_eq!(model(&raw, &encrypted).unwrap(), file, "the model inverts the encryptor");
        for form in FORMS {
            let chunks = [1 + rng.below(40), 1 + rng.below(7)];
            for sizes in [&[usize::MAX][..], &[1], &chunks] {
                check(&raw, form, &encrypted, sizes, &format!("{len} bytes, form {form:?}"));
            }
        }
    }
}

#[test]
fn files_up_to_a_mebibyte_around_block_boundaries() {
    let seed = 0x5eed_0001;
    let mut rng = Rng(seed);
    let mut sizes = vec![1 << 20, (1 << 20) - 1, (1 << 20) - 32, 4096, 4095, 4097];
    for _ in 0..5 {
        let boundary = 32 * (1 + rng.below((1 << 20) / 32));
        let step = if rng.below(2) == 0 { 16 } else { 32 };
        let boundary = boundary - boundary % step;
        sizes.extend([boundary - 1, boundary, boundary + 1]);
    }
    for (i, &len) in sizes.iter().enumerate() {
        let raw = rng.key();
        let file = rng.bytes(len);
        let encrypted = encrypt_file(&raw, &file);
        let form = FORMS[i % FORMS.len()];
        let chunks = [1 + rng.below(70_000), 1 + rng.below(100), 16, 4096];
        check(&raw, form, &encrypted, &chunks, &format!("seed {seed:#x}, file {i}: {len} bytes"));
    }
}

#[test]
fn single_byte_chunks_over_a_larger_file() {
    let mut rng = Rng(7);
    let raw = rng.key();
    for len in [4095, 4096, 4097, 8191] {
        let file = rng.bytes(len);
        check(&raw, (true, 1), &encrypt_file(&raw, &file), &[1], &format!("{len} bytes"));
    }
}

proptest! {
    /// Any chunking of any input, valid or not, gives what the one-shot call gives, and both
    /// give what the model gives.
    #[test]
    fn streaming_equals_one_shot(
        raw in any::<[u8; 32]>(),
        file in proptest::collection::vec(any::<u8>(), 0..300),
        form in 0usize..4,
        damage in prop_oneof![
            Just(None),
            (any::<prop::sample::Index>(), 1u8..=255).prop_map(Some),
        ],
        cut in 0usize..20,
        extra in proptest::collection::vec(any::<u8>(), 0..20),
        chunks in proptest::collection::vec(1usize..64, 1..8),
    ) {
        let mut encrypted = encrypt_file(&raw, &file);
        if let Some((at, xor)) = damage {
            let at = at.index(encrypted.len());
            encrypted[at] ^= xor;
        }
        encrypted.truncate(encrypted.len().saturating_sub(cut));
        encrypted.extend(extra);
        let what = format!("{} bytes, damage {damage:?}, cut {cut}", file.len());
        check(&raw, FORMS[form], &encrypted, &chunks, &what);
    }

    /// Random bytes as ciphertext: refused or accepted exactly as the model says.
    #[test]
    fn arbitrary_ciphertext_matches_the_model(
        raw in any::<[u8; 32]>(),
        encrypted in proptest::collection::vec(any::<u8>(), 0..200),
        chunks in proptest::collection::vec(1usize..40, 1..6),
    ) {
        check(&raw, (false, 0), &encrypted, &chunks, "arbitrary");
    }
}

// --- rejects, one per fault ------------------------------------------------------------------------

/// The plaintext `file` followed by `pad` bytes of `pad`, with byte `spoil` of the padding
/// (counted from the end, 0 being the last) changed, encrypted as whole blocks.
fn with_padding(raw: &[u8; 32], file: &[u8], pad: u8, spoil: Option<usize>) -> Vec<u8> {
    let mut plain = file.to_vec();
    plain.extend(std::iter::repeat_n(pad, usize::from(pad)));
    if let Some(at) = spoil {
        let i = plain.len() - 1 - at;
        plain[i] = pad.wrapping_add(1);
    }
    encrypt_raw(raw, &plain)
}

fn assert_refused(raw: &[u8; 32], encrypted: &[u8], expected: Error, what: &str) {
    for form in [(false, 0), (true, 3)] {
        let key = MediaKey::new(&key_text(raw, form.0, form.1)).unwrap();
        let one_shot = media::decrypt(&key, encrypted);
        assert_eq!(one_shot, Err(expected.clone()), "{what}: one-shot");
        for chunks in [&[usize::MAX][..], &[1], &[17, 5]] {
            assert_eq!(
                stream(&key, encrypted, chunks),
                Err(expected.clone()),
                "{what}: chunks {chunks:?}"
            );
        }
        assert_eq!(expected.code(), -40007);
    }
}

#[test]
fn every_padding_byte_is_checked() {
    let mut rng = Rng(3);
    let raw = rng.key();
    let mut checked = 0;
    for pad in 1..=32u8 {
        // Files that put the padding at the end of a 16- or 32-byte block, after 0 to 3 blocks.
        for file_len in (0..=64usize).filter(|len| (len + usize::from(pad)) % 16 == 0) {
            let file = rng.bytes(file_len);
            // The control: well formed, it decrypts (16-byte multiples are accepted too, as by
            // the official decryptFile).
            let key = MediaKey::new(&key_text(&raw, false, 0)).unwrap();
            let good = with_padding(&raw, &file, pad, None);
            assert_eq!(media::decrypt(&key, &good).unwrap(), file, "pad {pad}, file {file_len}");
            assert_eq!(stream(&key, &good, &[3]).unwrap(), file, "pad {pad}, file {file_len}");
            // Each padding byte but the last (which says how long the padding is) spoiled.
            for spoil in 1..usize::from(pad) {
                let bad = with_padding(&raw, &file, pad, Some(spoil));
                assert_refused(
                    &raw,
                    &bad,
                    Error::InvalidPadding,
                    &format!("pad {pad}, file {file_len}, byte {spoil} from the end"),
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn a_padding_length_out_of_range_is_refused() {
    let mut rng = Rng(4);
    let raw = rng.key();
    // The last byte 0, or over 32: as many bytes of it as fit.
    for last in [0u8, 33, 34, 64, 128, 255] {
        for blocks in 1..=4 {
            let mut plain = rng.bytes(16 * blocks);
            let n = plain.len().min(usize::from(last));
            let len = plain.len();
            plain[len - n..].fill(last);
            plain[len - 1] = last;
            assert_refused(
                &raw,
                &encrypt_raw(&raw, &plain),
                Error::InvalidPadding,
                &format!("last byte {last}, {blocks} blocks"),
            );
        }
    }
    // Padding longer than the data: one block whose 16 bytes all say 17 to 32.
    for pad in 17..=32u8 {
        assert_refused(
            &raw,
            &encrypt_raw(&raw, &[pad; 16]),
            Error::InvalidPadding,
            &format!("{pad} of 16"),
        );
    }
}

#[test]
fn truncated_and_misaligned_downloads_are_refused() {
    let mut rng = Rng(5);
    let raw = rng.key();
    assert_refused(&raw, &[], Error::InvalidCiphertextLength, "empty");
    for len in [0usize, 1, 31, 32, 33, 100, 4096] {
        // A file of zero bytes, so that a download cut at a block boundary ends in a 0 byte:
        // a padding fault, deterministically.
        let encrypted = encrypt_file(&raw, &vec![0; len]);
        for cut in 1..=encrypted.len().min(48) {
            let short = &encrypted[..encrypted.len() - cut];
            let expected = if short.is_empty() || !short.len().is_multiple_of(16) {
                Error::InvalidCiphertextLength
            } else {
                Error::InvalidPadding
            };
            assert_refused(&raw, short, expected, &format!("{len} bytes cut by {cut}"));
        }
        for extra in 1..16 {
            let mut long = encrypted.clone();
            long.extend(rng.bytes(extra));
            assert_refused(
                &raw,
                &long,
                Error::InvalidCiphertextLength,
                &format!("{len} bytes and {extra} more"),
            );
        }
    }
}

#[test]
fn the_wrong_key_is_refused_by_the_padding_check() {
    // Most wrong keys fail the padding check (1 in 256 or so would not: the seed is fixed).
    let mut rng = Rng(6);
    let (right, wrong) = (rng.key(), rng.key());
    let file = rng.bytes(1000);
    let encrypted = encrypt_file(&right, &file);
    assert_eq!(model(&wrong, &encrypted), Err(Error::InvalidPadding));
    assert_refused(&wrong, &encrypted, Error::InvalidPadding, "wrong key");
}

#[test]
fn malformed_keys_are_refused() {
    let good = SAMPLE_KEY;
    let aes128 = STANDARD.encode([7u8; 16]); // iLink/ClawBot's AES-128 keys: not this scheme
    let aes512 = STANDARD.encode([7u8; 64]);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        (good[..42].to_owned(), "42 characters"),
        (format!("{}=", &good[..42]), "42 characters and ="),
        (format!("{good}=="), "two ="),
        (format!("{good}A"), "44 characters, no ="),
        (format!("{good}A="), "45 characters"),
        (format!("{}!", &good[..42]), "a character outside base64"),
        (format!("{}-{}", &good[..10], &good[11..]), "URL-safe alphabet"),
        (format!("{}_{}", &good[..10], &good[11..]), "URL-safe alphabet"),
        (format!(" {good}"), "leading space"),
        (format!("{good}\n"), "trailing newline"),
        (format!("{good}= "), "trailing space after ="),
        (format!("{}é", &good[..41]), "43 bytes with a non-ASCII character"),
        (format!("={}", &good[..42]), "= first"),
        (format!("{}={}", &good[..20], &good[21..]), "= inside"),
        (aes128.clone(), "a 16-byte key, padded"),
        (aes128.trim_end_matches('=').to_owned(), "a 16-byte key"),
        (aes512, "a 64-byte key"),
        (format!("{good}{good}"), "twice"),
    ];
    for (text, what) in cases {
        let err = MediaKey::new(&text).unwrap_err();
        assert_eq!(err, Error::InvalidAesKey, "{what}: {text:?}");
        assert_eq!(err.code(), -40004);
    }
}

#[test]
fn trailing_bits_do_not_change_the_key() {
    let mut rng = Rng(8);
    let raw = rng.key();
    let file = rng.bytes(77);
    let encrypted = encrypt_file(&raw, &file);
    for padded in [false, true] {
        for trailing in 0..4 {
            let key = MediaKey::new(&key_text(&raw, padded, trailing)).unwrap();
            assert_eq!(
                media::decrypt(&key, &encrypted).unwrap(),
                file,
                "padded {padded}, bits {trailing}"
            );
        }
    }
}

// --- the maximum ---------------------------------------------------------------------------------

#[test]
fn exactly_the_maximum_is_accepted_one_byte_more_is_not() {
    let mut rng = Rng(9);
    let raw = rng.key();
    let key = MediaKey::new(&key_text(&raw, false, 1)).unwrap();
    for len in [0usize, 31, 32, 1000] {
        let file = rng.bytes(len);
        let encrypted = encrypt_file(&raw, &file);
        let n = encrypted.len();
        for chunk in [1, 7, 16, n] {
            // Exactly the maximum.
            let mut decryptor = Decryptor::new(&key, n as u64);
            let mut out = Vec::new();
            for piece in encrypted.chunks(chunk) {
                decryptor.update(piece, &mut out).unwrap();
            }
            decryptor.update(&[], &mut out).unwrap();
            decryptor.finish(&mut out).unwrap();
            assert_eq!(out, file, "{len} bytes, max {n}, chunks of {chunk}");

            // One byte under: refused at the chunk that goes past, which adds nothing; the
            // decryptor is spent.
            let mut decryptor = Decryptor::new(&key, n as u64 - 1);
            let mut out = Vec::new();
            let mut fed = 0;
            let mut refused = None;
            for piece in encrypted.chunks(chunk) {
                let before = out.len();
                match decryptor.update(piece, &mut out) {
                    Ok(()) => fed += piece.len(),
                    Err(err) => {
                        assert_eq!(out.len(), before, "nothing of the refused chunk comes out");
                        refused = Some(err);
                        break;
                    }
                }
            }
            assert_eq!(
                refused,
                Some(Error::MediaTooLarge),
                "{len} bytes, max {}, chunks of {chunk}",
                n - 1
            );
            // Only the chunk holding the last byte goes past the maximum.
            let last_chunk = n - (n - 1) / chunk * chunk;
            assert_eq!(fed, n - last_chunk, "refused at the chunk that goes past");
            assert_eq!(decryptor.update(&[], &mut out), Err(Error::MediaTooLarge));
            assert_eq!(decryptor.update(&encrypted[..1], &mut out), Err(Error::MediaTooLarge));
            assert_eq!(decryptor.finish(&mut out), Err(Error::MediaTooLarge));
            assert_eq!(Error::MediaTooLarge.code(), -40007);
        }
    }
}

#[test]
fn a_first_chunk_over_the_maximum_is_refused_at_once() {
    let key = MediaKey::new(SAMPLE_KEY).unwrap();
    let mut decryptor = Decryptor::new(&key, 31);
    let mut out = b"kept".to_vec();
    assert_eq!(decryptor.update(&SAMPLE_DOWNLOAD, &mut out), Err(Error::MediaTooLarge));
    assert_eq!(out, b"kept");
    // A maximum of 0 takes only empty chunks, and an empty download is no download.
    let mut decryptor = Decryptor::new(&key, 0);
    decryptor.update(&[], &mut out).unwrap();
    assert_eq!(decryptor.finish(&mut out), Err(Error::InvalidCiphertextLength));
    // No maximum to speak of.
    let mut decryptor = Decryptor::new(&key, u64::MAX);
    let mut out = Vec::new();
    decryptor.update(&SAMPLE_DOWNLOAD, &mut out).unwrap();
    decryptor.finish(&mut out).unwrap();
    assert_eq!(out, b"a tiny file");
}

#[test]
fn output_is_appended_to_what_the_vec_holds() {
    let key = MediaKey::new(SAMPLE_KEY).unwrap();
    let mut out = b"header:".to_vec();
    let mut decryptor = Decryptor::new(&key, 32);
    decryptor.update(&SAMPLE_DOWNLOAD, &mut out).unwrap();
    decryptor.finish(&mut out).unwrap();
    assert_eq!(out, b"header:a tiny file");
    // A failed finish leaves the Vec as it was.
    let mut decryptor = Decryptor::new(&key, 32);
    let mut out = b"header:".to_vec();
    decryptor.update(&SAMPLE_DOWNLOAD[..16], &mut out).unwrap();
    assert_eq!(decryptor.finish(&mut out), Err(Error::InvalidPadding));
    assert_eq!(out, b"header:");
}

// --- secrets ---------------------------------------------------------------------------------------

#[test]
fn debug_shows_neither_key_nor_plaintext() {
    let secret_file = b"SECRET-FILE-CONTENTS-0123456789ABCDEFGHIJ".repeat(3);
    let raw = Rng(10).key();
    for padded in [false, true] {
        let text = key_text(&raw, padded, 1);
        let key = MediaKey::new(&text).unwrap();
        let mut decryptor = Decryptor::new(&key, 1 << 20);
        let mut out = Vec::new();
        decryptor.update(&encrypt_file(&raw, &secret_file), &mut out).unwrap();
        let shown = format!("{key:?} {key:#?} {decryptor:?} {decryptor:#?}");
        assert!(shown.contains("[redacted]"), "{shown}");
        for window in text.as_bytes().windows(8) {
            assert!(!shown.contains(std::str::from_utf8(window).unwrap()), "{shown} leaks the key");
        }
        // The held-back plaintext (the last 32 bytes, padding and all) is not shown either.
        let held = &secret_file[secret_file.len() - 20..];
        assert!(!shown.contains(std::str::from_utf8(&held[..8]).unwrap()), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("received"), "the counters help debugging: {shown}");
    }
}
