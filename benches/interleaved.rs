//! Ratios to the primitives, measured so that machine noise cancels out.
//!
//! `benches/callback.rs` (criterion) times each path and its primitives one after the other;
//! on a shared machine their medians can drift by 30% between two benchmarks a minute apart.
//! Here each round times the primitives and the path back to back on the same input, and the
//! median of the per-round ratios is printed: noise that lasts longer than a round cancels.
//!
//! `cargo bench --bench interleaved` (about 20 s). Under `cargo bench -- --test` (CI) it runs
//! three rounds per row, only to prove that it still works.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{Fixture, Floor, NONCE, SIZES, TS};
use wxbizmsgcrypt::{json, xml};

/// Median over `rounds` of (time of `ours`) / (time of `floor`), each timed over `reps` calls.
fn ratio(rounds: usize, reps: usize, mut floor: impl FnMut(), mut ours: impl FnMut()) -> f64 {
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            (0..reps).for_each(|_| floor());
            let floor_secs = t.elapsed().as_secs_f64();
            let t = Instant::now();
            (0..reps).for_each(|_| ours());
            t.elapsed().as_secs_f64() / floor_secs
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let rounds = if quick { 3 } else { 201 };
    let floor = Floor::new();
    println!(
        "{:<30}{:>8}{:>8}  (median of {rounds} interleaved rounds)",
        "path / floor", "size", "ratio"
    );
    for len in SIZES {
        let reps = if quick { 1 } else { (100_000 / len).max(10) };
        let f = Fixture::new(len, &floor);
        let (crypt, sig, text) = (&f.crypt, f.sent.msg_signature.as_str(), f.sent.encrypt.as_str());
        let (mut decoded, mut plain) = floor.buffers(text);
        let (mut out, mut encoded) = (vec![0u8; f.frame.len()], vec![0u8; text.len()]);
        let mut buf = Vec::new();

        let mut dec_floor = || {
            black_box(floor.decrypt(
                black_box(&f.sig_input),
                black_box(text),
                &mut decoded,
                &mut plain,
            ));
        };
        let rotating = common::rotating();
        let rows: [(&str, f64); 6] = [
            (
                "decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(crypt.decrypt_msg(sig, TS, NONCE, black_box(text)).unwrap());
                }),
            ),
            (
                "decrypt_msg, previous key set",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(rotating.decrypt_msg(sig, TS, NONCE, black_box(text)).unwrap());
                }),
            ),
            (
                "decrypt_msg_into / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        crypt
                            .decrypt_msg_into(sig, TS, NONCE, black_box(text), &mut buf)
                            .unwrap()
                            .len(),
                    );
                }),
            ),
            (
                "xml::decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        xml::decrypt_msg(crypt, sig, TS, NONCE, black_box(&f.xml_body)).unwrap(),
                    );
                }),
            ),
            (
                "json::decrypt_msg / decrypt",
                ratio(rounds, reps, &mut dec_floor, || {
                    black_box(
                        json::decrypt_msg(crypt, sig, TS, NONCE, black_box(&f.json_body)).unwrap(),
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
                            black_box(&f.frame),
                            &mut out,
                            &mut encoded,
                            &f.sig_input,
                        ));
                    },
                    || {
                        black_box(xml::encrypt_msg(crypt, black_box(&f.msg), TS, NONCE).unwrap());
                    },
                ),
            ),
        ];
        for (name, r) in rows {
            println!("{name:<30}{len:>8}{r:>8.3}");
        }
    }
}
