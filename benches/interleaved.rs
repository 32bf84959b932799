//! Ratios to the primitives, measured so that machine noise cancels out.
//!
//! `benches/callback.rs` (criterion) times each path and its primitives one after the other;
//! on a shared machine their medians can drift by 20% between two benchmarks a minute apart.
//! Here each round times the primitives and the path back to back on the same input, and the
//! median of the per-round ratios is printed: noise that lasts longer than a round cancels.
//!
//! `cargo bench --bench interleaved` (about 20 s). Under `cargo bench -- --test` (CI) it runs
//! three rounds per row, only to prove that it still works.

use std::hint::black_box;
use std::time::Instant;

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::PAD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig, Simd};
use sha1::{Digest, Sha1};
use wxbizmsgcrypt::{MsgCrypt, json, xml};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const RID: &str = "wx5823bf96d3bd56c7";
const TS: &str = "1409659813";
const NONCE: &str = "1372623149";
const CONFIG: GeneralPurposeConfig = PAD.with_decode_allow_trailing_bits(true);

struct Floor {
    engine: Simd,
    cipher: aes::Aes256,
    iv: aes::Block,
}

impl Floor {
    fn new() -> Floor {
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

    /// SHA-1 over the signature input, base64 decode, AES-256-CBC decrypt.
    fn decrypt(&self, sig_input: &[u8], text: &str, decoded: &mut [u8], plain: &mut [u8]) -> u8 {
        let digest = Sha1::digest(sig_input);
        let n = self.engine.decode_slice(text, decoded).unwrap();
        let (i, _) = Array::slice_as_chunks(&decoded[..n]);
        let (o, _) = Array::slice_as_chunks_mut(&mut plain[..n]);
        cbc::Decryptor::<&aes::Aes256>::inner_iv_init(&self.cipher, &self.iv)
            .decrypt_blocks_b2b(i, o)
            .unwrap();
        digest[0] ^ plain[0]
    }

    /// AES-256-CBC encrypt, base64 encode, SHA-1 over the signature input.
    fn encrypt(&self, frame: &[u8], out: &mut [u8], text: &mut [u8], sig_input: &[u8]) -> u8 {
        let (i, _) = Array::slice_as_chunks(frame);
        let (o, _) = Array::slice_as_chunks_mut(out);
        cbc::Encryptor::<&aes::Aes256>::inner_iv_init(&self.cipher, &self.iv)
            .encrypt_blocks_b2b(i, o)
            .unwrap();
        let n = self.engine.encode_slice(&*out, text).unwrap();
        Sha1::digest(sig_input)[0] ^ text[n - 1]
    }
}

/// Median over `rounds` of (time of `ours`) / (time of `floor`), each timed over `reps` calls.
fn ratio(rounds: usize, reps: usize, mut floor: impl FnMut(), mut ours: impl FnMut()) -> f64 {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            (0..reps).for_each(|_| floor());
            let floor_ns = t.elapsed().as_secs_f64();
            let t = Instant::now();
            (0..reps).for_each(|_| ours());
            t.elapsed().as_secs_f64() / floor_ns
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let rounds = if quick { 3 } else { 201 };
    let crypt = MsgCrypt::new(TOKEN, KEY, RID).unwrap();
    let floor = Floor::new();
    println!(
        "{:<28}{:>8}{:>8}  (median of {rounds} interleaved rounds)",
        "path / floor", "size", "ratio"
    );
    for len in [256usize, 1024, 16 * 1024, 64 * 1024] {
        let reps = if quick { 1 } else { (100_000 / len).max(10) };
        let msg = "企业微信 hello, "
            .chars()
            .cycle()
            .scan(0, |n, c| {
                *n += c.len_utf8();
                (*n <= len).then_some(c)
            })
            .collect::<String>();
        let msg = format!("{msg}{}", "x".repeat(len - msg.len()));
        let sent = crypt.encrypt_msg(&msg, TS, NONCE).unwrap();
        let xml_body = format!(
            "<xml><ToUserName><![CDATA[{RID}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>",
            sent.encrypt
        );
        let json_body =
            format!(r#"{{"tousername":"{RID}","encrypt":"{}","agentid":218}}"#, sent.encrypt);
        let mut parts = [TOKEN, TS, NONCE, sent.encrypt.as_str()];
        parts.sort_unstable();
        let sig_input = parts.concat().into_bytes();
        let (mut decoded, mut plain) =
            (vec![0u8; sent.encrypt.len()], vec![0u8; sent.encrypt.len()]);
        let frame = {
            let n = floor.engine.decode_slice(&sent.encrypt, &mut decoded).unwrap();
            decoded[..n].to_vec()
        };
        let (mut out, mut text) = (vec![0u8; frame.len()], vec![0u8; sent.encrypt.len()]);
        let sig = sent.msg_signature.as_str();
        let mut buf = Vec::new();

        let mut dec_floor = || {
            black_box(floor.decrypt(
                black_box(&sig_input),
                black_box(&sent.encrypt),
                &mut decoded,
                &mut plain,
            ));
        };
        let rows: [(&str, f64); 5] = [
            (
                "decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(crypt.decrypt_msg(sig, TS, NONCE, black_box(&sent.encrypt)).unwrap());
                }),
            ),
            (
                "decrypt_msg_into / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        crypt
                            .decrypt_msg_into(sig, TS, NONCE, black_box(&sent.encrypt), &mut buf)
                            .unwrap()
                            .len(),
                    );
                }),
            ),
            (
                "xml::decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        xml::decrypt_msg(&crypt, sig, TS, NONCE, black_box(&xml_body)).unwrap(),
                    );
                }),
            ),
            (
                "json::decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        json::decrypt_msg(&crypt, sig, TS, NONCE, black_box(&json_body)).unwrap(),
                    );
                }),
            ),
            (
                "xml::encrypt_msg / encrypt",
                ratio(
                    rounds,
                    reps,
                    || {
                        black_box(floor.encrypt(
                            black_box(&frame),
                            &mut out,
                            &mut text,
                            &sig_input,
                        ));
                    },
                    || {
                        black_box(xml::encrypt_msg(&crypt, black_box(&msg), TS, NONCE).unwrap());
                    },
                ),
            ),
        ];
        for (name, r) in rows {
            println!("{name:<28}{len:>8}{r:>8.3}");
        }
    }
}
