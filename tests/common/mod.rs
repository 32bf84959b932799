//! Test helpers that re-implement the scheme's pieces straight from the primitive crates
//! (RustCrypto `aes`/`cbc`/`sha1`, `base64`), independently of the crate's own framing, padding
//! and signing code, so that expected values do not come from the code under test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use sha1::{Digest, Sha1};

/// One entry of `tests/data/known.json` (copied from `shared/vectors/known.json`).
#[derive(Debug, Clone)]
pub struct Vector {
    pub name: String,
    pub variant: String,
    pub token: String,
    pub encoding_aes_key: String,
    pub receive_id: String,
    pub msg_signature: String,
    pub timestamp: String,
    pub nonce: String,
    pub input: String,
    pub expected_plaintext: String,
    pub expected_code: i32,
    pub encrypt_field: Option<String>,
    pub random_prefix: Option<String>,
    pub pkcs7_pad: Option<u64>,
}

pub fn vectors() -> Vec<Vector> {
    let text = include_str!("../data/known.json");
    let all: serde_json::Value = serde_json::from_str(text).expect("known.json parses");
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().map(str::to_owned);
    all.as_array()
        .expect("an array")
        .iter()
        .map(|v| Vector {
            name: s(v, "name").unwrap(),
            variant: s(v, "variant").unwrap(),
            token: s(v, "token").unwrap(),
            encoding_aes_key: s(v, "encoding_aes_key").unwrap(),
            receive_id: s(v, "receive_id").unwrap(),
            msg_signature: s(v, "msg_signature").unwrap(),
            timestamp: s(v, "timestamp").unwrap(),
            nonce: s(v, "nonce").unwrap(),
            input: s(v, "input").unwrap(),
            expected_plaintext: s(v, "expected_plaintext").unwrap(),
            expected_code: i32::try_from(v["expected_code"].as_i64().unwrap()).unwrap(),
            encrypt_field: s(v, "encrypt_field"),
            random_prefix: s(v, "random_prefix"),
            pkcs7_pad: v["pkcs7_pad"].as_u64(),
        })
        .collect()
}

/// The bare ciphertext of a vector: the echostr itself, or the Encrypt value of an XML/JSON body,
/// extracted here with plain string handling (not the crate's adapters).
pub fn bare_ciphertext(v: &Vector) -> String {
    match v.variant.as_str() {
        "echostr" => v.input.clone(),
        "xml" => {
            let start = v.input.find("<Encrypt><![CDATA[").expect("Encrypt CDATA") + 18;
            let end = v.input[start..].find("]]>").unwrap() + start;
            v.input[start..end].to_owned()
        }
        "json" => {
            let body: serde_json::Value = serde_json::from_str(&v.input).unwrap();
            let field = v.encrypt_field.as_deref().unwrap();
            body[field].as_str().unwrap().to_owned()
        }
        other => panic!("unknown variant {other}"),
    }
}

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

/// Inverse of [`seal_raw`]: the decrypted bytes, padding included.
pub fn open_raw(encoding_aes_key: &str, b64: &str) -> Vec<u8> {
    let key = aes_key(encoding_aes_key);
    let mut buf = STANDARD.decode(b64).unwrap();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
    cbc::Decryptor::<aes::Aes256>::new(&key.into(), key[..16].try_into().unwrap())
        .decrypt_blocks(blocks);
    buf
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

/// The signed parameters, bundled.
pub fn signed<'a>(
    msg_signature: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
) -> wxbizmsgcrypt::Signed<'a> {
    wxbizmsgcrypt::Signed { msg_signature, timestamp, nonce }
}

/// A decryption's message alone, for comparing with the expected text.
pub trait Plain {
    fn plain(self) -> Result<String, wxbizmsgcrypt::Error>;
}

impl Plain for Result<wxbizmsgcrypt::Decrypted, wxbizmsgcrypt::Error> {
    fn plain(self) -> Result<String, wxbizmsgcrypt::Error> {
        self.map(wxbizmsgcrypt::Decrypted::into_message)
    }
}
