//! The decrypt and encrypt paths beside the primitives they are built from, in one run.
//!
//! `cargo bench -p wxbizmsgcrypt-benches --bench callback`, then `python3 scripts/bench_ratios.py` prints each path's
//! median over the median of its primitives (`primitives_decrypt/sum`, `primitives_encrypt/sum`)
//! at the same size. The primitives are the floor: SHA-1 over the signature input, base64, and
//! AES-256-CBC, each on the same bytes, with the key schedule already done. On a shared machine
//! the two medians are taken minutes apart and may drift; `benches/interleaved.rs` measures the
//! same ratios without that drift.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{Fixture, Floor, NONCE, SIZES, TS, signed};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wxbizmsgcrypt::{Stamp, json, xml};

fn primitives_decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives_decrypt");
    tune(&mut g);
    let floor = Floor::new();
    for len in SIZES {
        let f = Fixture::new(len, &floor);
        let text = f.sent.encrypt();
        let (mut decoded, mut plain) = floor.buffers(text);
        let n = floor.base64_decode(text, &mut decoded);
        let ciphertext = decoded[..n].to_vec();
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("sha1", len), |b| {
            b.iter(|| floor.sha1(black_box(&f.sig_input)))
        });
        g.bench_function(BenchmarkId::new("base64_decode", len), |b| {
            b.iter(|| floor.base64_decode(black_box(text), &mut decoded))
        });
        g.bench_function(BenchmarkId::new("aes_cbc_decrypt", len), |b| {
            b.iter(|| floor.aes_cbc_decrypt(black_box(&ciphertext), &mut plain))
        });
        g.bench_function(BenchmarkId::new("sum", len), |b| {
            b.iter(|| {
                floor.decrypt(black_box(&f.sig_input), black_box(text), &mut decoded, &mut plain)
            })
        });
    }
    g.finish();
}

fn decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("decrypt");
    tune(&mut g);
    let floor = Floor::new();
    for len in SIZES {
        let f = Fixture::new(len, &floor);
        let (crypt, s) = (&f.crypt, &f.sent);
        assert_eq!(
            crypt.decrypt_msg(signed(s.msg_signature()), s.encrypt()).unwrap().message(),
            f.msg
        );
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("verify_url", len), |b| {
            b.iter(|| crypt.verify_url(signed(s.msg_signature()), black_box(s.encrypt())))
        });
        g.bench_function(BenchmarkId::new("decrypt_msg", len), |b| {
            b.iter(|| crypt.decrypt_msg(signed(s.msg_signature()), black_box(s.encrypt())))
        });
        // Key rotation configured, the current key opens the message: should cost nothing.
        let rotating = common::rotating();
        g.bench_function(BenchmarkId::new("decrypt_msg_rotating", len), |b| {
            b.iter(|| rotating.decrypt_msg(signed(s.msg_signature()), black_box(s.encrypt())))
        });
        let mut buf = Vec::new();
        g.bench_function(BenchmarkId::new("decrypt_msg_into", len), |b| {
            b.iter(|| {
                crypt
                    .decrypt_msg_into(signed(s.msg_signature()), black_box(s.encrypt()), &mut buf)
                    .map(str::len)
            })
        });
        g.bench_function(BenchmarkId::new("xml", len), |b| {
            b.iter(|| xml::decrypt_msg(crypt, signed(s.msg_signature()), black_box(&f.xml_body)))
        });
        g.bench_function(BenchmarkId::new("json", len), |b| {
            b.iter(|| json::decrypt_msg(crypt, signed(s.msg_signature()), black_box(&f.json_body)))
        });
    }
    g.finish();
}

fn primitives_encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives_encrypt");
    tune(&mut g);
    let floor = Floor::new();
    for len in SIZES {
        let f = Fixture::new(len, &floor);
        let (mut out, mut text) = (vec![0u8; f.frame.len()], vec![0u8; f.sent.encrypt().len()]);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("sum", len), |b| {
            b.iter(|| floor.encrypt(black_box(&f.frame), &mut out, &mut text, &f.sig_input))
        });
    }
    g.finish();
}

fn encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("encrypt");
    tune(&mut g);
    let floor = Floor::new();
    for len in SIZES {
        let f = Fixture::new(len, &floor);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("xml", len), |b| {
            b.iter(|| {
                xml::encrypt_reply(&f.decrypted, black_box(&f.msg), Stamp::from_parts(TS, NONCE))
            })
        });
        g.bench_function(BenchmarkId::new("encrypt_reply", len), |b| {
            b.iter(|| f.decrypted.encrypt_reply(black_box(&f.msg), Stamp::from_parts(TS, NONCE)))
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
