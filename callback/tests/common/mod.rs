//! Test helpers that re-implement the scheme's pieces straight from the primitive crates
//! (RustCrypto `aes`/`cbc`/`sha1`, `base64`), independently of the crates' own framing,
//! padding and signing code, so that expected values do not come from the code under test.
//! (The same as the crypto crate's `tests/common`, for the faults this crate's endpoint must
//! answer alike.)
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use aes::cipher::{BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use sha1::{Digest, Sha1};

/// The 32-byte AES key: base64 of the 43 characters plus "=", trailing bits ignored.
pub fn aes_key(encoding_aes_key: &str) -> [u8; 32] {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let bytes = LENIENT.decode(format!("{encoding_aes_key}=")).unwrap();
    bytes.try_into().unwrap()
}

/// AES-256-CBC encryption of `data` (whole 16-byte blocks, no padding added), IV = key[..16],
/// then standard base64.
pub fn seal_raw(encoding_aes_key: &str, data: &[u8]) -> String {
    assert_eq!(data.len() % 16, 0, "seal_raw takes whole blocks");
    let key = aes_key(encoding_aes_key);
    let mut buf = data.to_vec();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
    cbc::Encryptor::<aes::Aes256>::new(&key.into(), key[..16].try_into().unwrap())
        .encrypt_blocks(blocks);
    STANDARD.encode(buf)
}

/// The frame `random ‖ len ‖ msg ‖ receive_id`, without padding.
pub fn frame(random: &[u8; 16], len_field: u32, msg: &[u8], receive_id: &[u8]) -> Vec<u8> {
    let mut f = random.to_vec();
    f.extend(len_field.to_be_bytes());
    f.extend(msg);
    f.extend(receive_id);
    f
}

/// PKCS#7 to 32-byte blocks, from its definition.
pub fn pkcs7_32(mut data: Vec<u8>) -> Vec<u8> {
    let pad = 32 - data.len() % 32;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    data
}

/// `lower_hex(sha1(concat(sort(parts))))`.
pub fn sign(parts: &[&str]) -> String {
    let mut parts = parts.to_vec();
    parts.sort();
    let digest = Sha1::digest(parts.concat().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
