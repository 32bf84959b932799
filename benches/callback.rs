//! The decrypt and encrypt paths beside the primitives they are built from, in one run.
//!
//! `cargo bench --bench callback`, then `python3 scripts/bench_ratios.py` prints each path's
//! median over the median of its primitives (`primitives_decrypt/sum`, `primitives_encrypt/sum`)
//! at the same size. The primitives are the floor: SHA-1 over the signature input, base64, and
//! AES-256-CBC, each on the same bytes, with the key schedule already done.

use std::hint::black_box;
use std::time::Duration;

use aes::cipher::InnerIvInit;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::PAD;
use base64::engine::{GeneralPurposeConfig, Simd};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sha1::{Digest, Sha1};
use wxbizmsgcrypt::{EncryptedMsg, MsgCrypt, json, xml};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const RID: &str = "wx5823bf96d3bd56c7";
const TS: &str = "1409659813";
const NONCE: &str = "1372623149";
const SIZES: [usize; 4] = [256, 1024, 16 * 1024, 64 * 1024];

/// A realistic callback message of exactly `len` bytes.
fn message(len: usize) -> String {
    let head = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[";
    let tail = "]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";
    let fill = len.saturating_sub(head.len() + tail.len());
    let body: String = "企业微信 hello ".chars().cycle().take(fill).collect();
    let mut m = format!("{head}{body}{tail}");
    while m.len() > len {
        m.pop();
    }
    while m.len() < len {
        m.push('x');
    }
    m
}

struct Input {
    crypt: MsgCrypt,
    msg: String,
    sent: EncryptedMsg,
    xml_body: String,
    json_body: String,
    /// Token, timestamp, nonce and ciphertext, sorted and concatenated: SHA-1's input.
    sig_input: Vec<u8>,
    /// The decoded ciphertext.
    ciphertext: Vec<u8>,
    /// The padded plaintext frame.
    frame: Vec<u8>,
}

fn input(len: usize) -> Input {
    let crypt = MsgCrypt::new(TOKEN, KEY, RID).unwrap();
    let msg = message(len);
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
    let ciphertext = ENGINE.with(|e| e.decode(&sent.encrypt).unwrap());
    let mut frame = ciphertext.clone();
    aes_cbc_decrypt(&key(), &ciphertext, &mut frame);
    Input { crypt, msg, sent, xml_body, json_body, sig_input, ciphertext, frame }
}

const CONFIG: GeneralPurposeConfig = PAD.with_decode_allow_trailing_bits(true);

thread_local! {
    /// The base64 engine the crate uses: AVX2/NEON when the CPU has it.
    static ENGINE: Simd = Simd::standard(CONFIG);
}

/// The AES-256 key schedule and the IV, computed once, outside the measurements.
fn key() -> (aes::Aes256, aes::Block) {
    let raw = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG)
        .decode(format!("{KEY}="))
        .unwrap();
    let mut iv = aes::Block::default();
    iv.copy_from_slice(&raw[..16]);
    (aes::Aes256::new_from_slice(&raw).unwrap(), iv)
}

fn aes_cbc_decrypt((cipher, iv): &(aes::Aes256, aes::Block), input: &[u8], output: &mut [u8]) {
    let (inb, _) = Array::slice_as_chunks(input);
    let (outb, _) = Array::slice_as_chunks_mut(output);
    cbc::Decryptor::<&aes::Aes256>::inner_iv_init(cipher, iv)
        .decrypt_blocks_b2b(inb, outb)
        .unwrap();
}

fn aes_cbc_encrypt((cipher, iv): &(aes::Aes256, aes::Block), input: &[u8], output: &mut [u8]) {
    let (inb, _) = Array::slice_as_chunks(input);
    let (outb, _) = Array::slice_as_chunks_mut(output);
    cbc::Encryptor::<&aes::Aes256>::inner_iv_init(cipher, iv)
        .encrypt_blocks_b2b(inb, outb)
        .unwrap();
}

fn primitives_decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives_decrypt");
    tune(&mut g);
    let aes = key();
    for len in SIZES {
        let i = input(len);
        g.throughput(Throughput::Bytes(len as u64));
        let mut decoded = vec![0u8; i.ciphertext.len() + 3];
        let mut plain = vec![0u8; i.ciphertext.len()];
        g.bench_function(BenchmarkId::new("sha1", len), |b| {
            b.iter(|| Sha1::digest(black_box(&i.sig_input)))
        });
        g.bench_function(BenchmarkId::new("base64_decode", len), |b| {
            b.iter(|| ENGINE.with(|e| e.decode_slice(black_box(&i.sent.encrypt), &mut decoded)))
        });
        g.bench_function(BenchmarkId::new("aes_cbc_decrypt", len), |b| {
            b.iter(|| aes_cbc_decrypt(&aes, black_box(&i.ciphertext), &mut plain))
        });
        g.bench_function(BenchmarkId::new("sum", len), |b| {
            b.iter(|| {
                let digest = Sha1::digest(black_box(&i.sig_input));
                let n = ENGINE.with(|e| e.decode_slice(black_box(&i.sent.encrypt), &mut decoded));
                aes_cbc_decrypt(&aes, &decoded[..n.unwrap()], &mut plain);
                (digest, plain[0])
            })
        });
    }
    g.finish();
}

fn decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("decrypt");
    tune(&mut g);
    for len in SIZES {
        let i = input(len);
        assert_eq!(
            i.crypt.decrypt_msg(&i.sent.msg_signature, TS, NONCE, &i.sent.encrypt).unwrap(),
            i.msg
        );
        g.throughput(Throughput::Bytes(len as u64));
        let s = &i.sent;
        g.bench_function(BenchmarkId::new("verify_url", len), |b| {
            b.iter(|| i.crypt.verify_url(&s.msg_signature, TS, NONCE, black_box(&s.encrypt)))
        });
        g.bench_function(BenchmarkId::new("decrypt_msg", len), |b| {
            b.iter(|| i.crypt.decrypt_msg(&s.msg_signature, TS, NONCE, black_box(&s.encrypt)))
        });
        let mut buf = Vec::new();
        g.bench_function(BenchmarkId::new("decrypt_msg_into", len), |b| {
            b.iter(|| {
                i.crypt
                    .decrypt_msg_into(&s.msg_signature, TS, NONCE, black_box(&s.encrypt), &mut buf)
                    .map(str::len)
            })
        });
        g.bench_function(BenchmarkId::new("xml", len), |b| {
            b.iter(|| {
                xml::decrypt_msg(&i.crypt, &s.msg_signature, TS, NONCE, black_box(&i.xml_body))
            })
        });
        g.bench_function(BenchmarkId::new("json", len), |b| {
            b.iter(|| {
                json::decrypt_msg(&i.crypt, &s.msg_signature, TS, NONCE, black_box(&i.json_body))
            })
        });
    }
    g.finish();
}

fn primitives_encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives_encrypt");
    tune(&mut g);
    let aes = key();
    for len in SIZES {
        let i = input(len);
        g.throughput(Throughput::Bytes(len as u64));
        let mut out = vec![0u8; i.frame.len()];
        let mut text = vec![0u8; i.sent.encrypt.len()];
        g.bench_function(BenchmarkId::new("sum", len), |b| {
            b.iter(|| {
                aes_cbc_encrypt(&aes, black_box(&i.frame), &mut out);
                let n = ENGINE.with(|e| e.encode_slice(&out, &mut text)).unwrap();
                (Sha1::digest(black_box(&i.sig_input)), n)
            })
        });
    }
    g.finish();
}

fn encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("encrypt");
    tune(&mut g);
    for len in SIZES {
        let i = input(len);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("xml", len), |b| {
            b.iter(|| xml::encrypt_msg(&i.crypt, black_box(&i.msg), TS, NONCE))
        });
        g.bench_function(BenchmarkId::new("encrypt_msg", len), |b| {
            b.iter(|| i.crypt.encrypt_msg(black_box(&i.msg), TS, NONCE))
        });
    }
    g.finish();
}

fn tune(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(40);
}

criterion_group!(benches, primitives_decrypt, decrypt, primitives_encrypt, encrypt);
criterion_main!(benches);
