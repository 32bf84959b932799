//! What both benches share: the inputs, and the primitives a path is measured against.
#![allow(dead_code)]

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::PAD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig, Simd};
use sha1::{Digest, Sha1};
use wxbizmsgcrypt::{Decrypted, EncryptedMsg, MsgCrypt, Signed, Stamp};

pub const TOKEN: &str = "QDG6eK";
pub const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
pub const RID: &str = "wx5823bf96d3bd56c7";
pub const TS: &str = "1409659813";
pub const NONCE: &str = "1372623149";
pub const SIZES: [usize; 4] = [256, 1024, 16 * 1024, 64 * 1024];
const CONFIG: GeneralPurposeConfig = PAD.with_decode_allow_trailing_bits(true);

/// A realistic text-message callback of exactly `len` bytes: well-formed XML with CJK and
/// ASCII content (from 210 bytes; below 279 without the CDATA and line breaks the official
/// sample has).
pub fn message(len: usize) -> String {
    let (head, tail) = if len >= 279 {
        (
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[",
            "]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>",
        )
    } else {
        (
            "<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>mycreate</FromUserName><CreateTime>1409659813</CreateTime><MsgType>text</MsgType><Content>",
            "</Content><MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>",
        )
    };
    let room = len.saturating_sub(head.len() + tail.len());
    let mut body = String::new();
    for c in "企业微信 hello, ".chars().cycle() {
        if body.len() + c.len_utf8() > room {
            break;
        }
        body.push(c);
    }
    while body.len() < room {
        body.push('x');
    }
    let m = format!("{head}{body}{tail}");
    assert_eq!(m.len(), len, "a message of {len} bytes");
    m
}

/// The bench's credentials.
pub fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, RID).unwrap()
}

/// The same credentials with a previous key configured (key rotation), for the cost of the
/// configuration when the current key opens every message.
pub fn rotating() -> MsgCrypt {
    MsgCrypt::builder(TOKEN, KEY)
        .previous_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        .receive_id(RID)
        .build()
        .unwrap()
}

/// The signed parameters of a fixture's request.
pub fn signed(msg_signature: &str) -> Signed<'_> {
    Signed { msg_signature, timestamp: TS, nonce: NONCE }
}

/// A message of `len` bytes, encrypted, with the bodies and primitive inputs derived from it.
pub struct Fixture {
    pub crypt: MsgCrypt,
    pub msg: String,
    pub sent: EncryptedMsg,
    /// The message decrypted: what a reply is made from.
    pub decrypted: Decrypted,
    pub xml_body: String,
    pub json_body: String,
    /// Token, timestamp, nonce and ciphertext, sorted and concatenated: SHA-1's input.
    pub sig_input: Vec<u8>,
    /// The padded plaintext frame (what AES encrypts).
    pub frame: Vec<u8>,
}

impl Fixture {
    pub fn new(len: usize, floor: &Floor) -> Fixture {
        Fixture::with_message(message(len), floor)
    }

    /// The fixture of a given message (a reply's plaintext, say).
    pub fn with_message(msg: String, floor: &Floor) -> Fixture {
        let crypt = MsgCrypt::new(TOKEN, KEY, RID).unwrap();
        let sent = crypt.encrypt_msg(&msg, Stamp::from_parts(TS, NONCE)).unwrap();
        let xml_body = format!(
            "<xml><ToUserName><![CDATA[{RID}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>",
            sent.encrypt()
        );
        let json_body =
            format!(r#"{{"tousername":"{RID}","encrypt":"{}","agentid":218}}"#, sent.encrypt());
        let mut parts = [TOKEN, TS, NONCE, sent.encrypt()];
        parts.sort_unstable();
        let sig_input = parts.concat().into_bytes();
        let (mut decoded, mut frame) = floor.buffers(sent.encrypt());
        floor.decrypt(&sig_input, sent.encrypt(), &mut decoded, &mut frame);
        let decrypted = crypt.decrypt_msg(signed(sent.msg_signature()), sent.encrypt()).unwrap();
        Fixture { crypt, msg, sent, decrypted, xml_body, json_body, sig_input, frame }
    }
}

/// The primitives, with the key schedule done: the floor a path cannot go below.
pub struct Floor {
    engine: Simd,
    cipher: aes::Aes256,
    iv: aes::Block,
}

impl Floor {
    pub fn new() -> Floor {
        let raw = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG)
            .decode(format!("{KEY}="))
            .unwrap();
        let mut iv = aes::Block::default();
        iv.copy_from_slice(&raw[..16]);
        Floor {
            engine: Simd::standard(CONFIG),
            cipher: aes::Aes256::new_from_slice(&raw).unwrap(),
            iv,
        }
    }

    /// Scratch buffers for [`Floor::decrypt`] (decoded ciphertext, plaintext), allocated once.
    pub fn buffers(&self, text: &str) -> (Vec<u8>, Vec<u8>) {
        let n = self.engine.decode(text).unwrap().len();
        (vec![0u8; n + 3], vec![0u8; n])
    }

    pub fn sha1(&self, sig_input: &[u8]) -> u8 {
        Sha1::digest(sig_input)[0]
    }

    /// SHA-1 over the four parts as a request brings them, apart: sorted, one update each (the
    /// alternative, copying them together first, is a pass over the ciphertext of its own).
    pub fn sha1_of_parts(&self, mut parts: [&[u8]; 4]) -> u8 {
        parts.sort_unstable();
        let mut hasher = Sha1::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize()[0]
    }

    /// What `MsgCrypt::sign` does, with the token sorted among the parts by ordinary
    /// comparisons: sort, SHA-1 of the four parts, lowercase hex into a new `String`.
    pub fn sign_plain_sort(&self, parts: [&[u8]; 4]) -> String {
        let mut parts = parts;
        parts.sort_unstable();
        let mut hasher = Sha1::new();
        for part in parts {
            hasher.update(part);
        }
        // Rendered as the crate renders it: into an array, then appended as chars.
        let mut digits = [0u8; 40];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(hasher.finalize()) {
            let digit = |n: u8| if n < 10 { b'0' + n } else { b'a' + n - 10 };
            pair.copy_from_slice(&[digit(byte >> 4), digit(byte & 0xF)]);
        }
        let mut hex = String::with_capacity(40);
        hex.extend(digits.iter().map(|&b| char::from(b)));
        hex
    }

    /// Decodes into `decoded`, returns the length.
    pub fn base64_decode(&self, text: &str, decoded: &mut [u8]) -> usize {
        self.engine.decode_slice(text, decoded).unwrap()
    }

    pub fn aes_cbc_decrypt(&self, input: &[u8], output: &mut [u8]) {
        let (i, _) = Array::slice_as_chunks(input);
        let (o, _) = Array::slice_as_chunks_mut(&mut output[..input.len()]);
        cbc::Decryptor::<&aes::Aes256>::inner_iv_init(&self.cipher, &self.iv)
            .decrypt_blocks_b2b(i, o)
            .unwrap();
    }

    /// SHA-1 over the signature input, base64 decode, AES-256-CBC decrypt.
    pub fn decrypt(
        &self,
        sig_input: &[u8],
        text: &str,
        decoded: &mut [u8],
        plain: &mut [u8],
    ) -> u8 {
        let digest = self.sha1(sig_input);
        let n = self.base64_decode(text, decoded);
        self.aes_cbc_decrypt(&decoded[..n], plain);
        digest ^ plain[0]
    }

    /// AES-256-CBC encrypt, base64 encode, SHA-1 over the signature input.
    pub fn encrypt(&self, frame: &[u8], out: &mut [u8], text: &mut [u8], sig_input: &[u8]) -> u8 {
        let (i, _) = Array::slice_as_chunks(frame);
        let (o, _) = Array::slice_as_chunks_mut(out);
        cbc::Encryptor::<&aes::Aes256>::inner_iv_init(&self.cipher, &self.iv)
            .encrypt_blocks_b2b(i, o)
            .unwrap();
        let n = self.engine.encode_slice(&*out, text).unwrap();
        self.sha1(sig_input) ^ text[n - 1]
    }
}
