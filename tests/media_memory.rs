//! `media::Decryptor` in constant memory: 100 MiB of ciphertext streamed in 64 KiB chunks, with
//! the heap counted by a global allocator that counts this thread's calls to `alloc`,
//! `alloc_zeroed` and `realloc`, and the bytes it holds at its peak (tests/common/counting.rs, as
//! tests/allocations.rs uses it, in a test binary of its own).
//!
//! The ciphertext is cheap to make and still checkable against an independent implementation
//! (RustCrypto `aes` + `cbc` used directly): CBC decrypts any ciphertext, so the stream is one
//! pseudo-random 64 KiB chunk repeated, followed by one block made with the independent
//! encryptor so that it decrypts to a full block of padding. Each chunk after the first decrypts
//! to the same plaintext (its chaining value is the chunk's own last block), so the expected
//! plaintext is two chunks' worth, decrypted once by the independent decryptor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(unsafe_code)]

use std::time::Instant;

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, array::Array};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use wxbizmsgcrypt::media::{Decryptor, MediaKey};

#[path = "common/counting.rs"]
mod counting;

use counting::cost_of;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[test]
fn the_counter_counts() {
    // The test is only as good as its counter: one Vec of 1 MiB is one allocation of 1 MiB.
    let (allocations, peak) = cost_of(|| drop(std::hint::black_box(vec![1u8; 1 << 20])));
    assert_eq!((allocations, peak), (1, 1 << 20));
}

const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 1600; // 100 MiB
const PEAK_BOUND: isize = 1 << 20;

/// Independent CBC decryption of whole blocks with the given IV.
fn cbc_decrypt(key: &[u8; 32], iv: &[u8], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let (blocks, tail) = Array::slice_as_chunks_mut(&mut buf[..]);
    assert!(tail.is_empty());
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.try_into().unwrap()).decrypt_blocks(blocks);
    buf
}

#[test]
fn a_100_mib_stream_runs_in_constant_memory() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        // SplitMix64.
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let raw: [u8; 32] = std::array::from_fn(|_| next() as u8);
    let key = MediaKey::new(STANDARD.encode(raw).trim_end_matches('=')).unwrap();
    let chunk: Vec<u8> = (0..CHUNK).map(|_| next() as u8).collect();
    let chunk_last_block = &chunk[CHUNK - 16..];

    // The last block: one block of padding (16 bytes of 16), encrypted after the chunk.
    let mut last = [16u8; 16];
    for (b, c) in last.iter_mut().zip(chunk_last_block) {
        *b ^= c;
    }
    let mut last_block = Array::from(last);
    cbc::Encryptor::<aes::Aes256>::new((&raw).into(), (&[0u8; 16]).into())
        .encrypt_block(&mut last_block);

    // What the first chunk and every later one decrypt to.
    let first_plain = cbc_decrypt(&raw, &raw[..16], &chunk);
    let later_plain = cbc_decrypt(&raw, chunk_last_block, &chunk);
    assert_ne!(first_plain[..16], later_plain[..16]);
    assert_eq!(first_plain[16..], later_plain[16..]);

    // Checks `bytes`, the plaintext at `pos` of the stream, against the expected.
    let mut pos = 0usize;
    let mut check = |mut bytes: &[u8]| {
        while !bytes.is_empty() {
            let (index, offset) = (pos / CHUNK, pos % CHUNK);
            let expected = if index == 0 { &first_plain } else { &later_plain };
            let n = bytes.len().min(CHUNK - offset);
            assert!(bytes[..n] == expected[offset..offset + n], "plaintext differs at {pos}");
            bytes = &bytes[n..];
            pos += n;
        }
    };

    let mut out = Vec::new();
    let started = Instant::now();
    let (allocations, peak) = cost_of(|| {
        let mut decryptor = Decryptor::new(&key, (CHUNKS * CHUNK + 16) as u64);
        for _ in 0..CHUNKS {
            decryptor.update(&chunk, &mut out).unwrap();
            // At most 48 bytes more than the chunk: the 32 held back before, and no more.
            assert!(out.len() <= CHUNK + 48);
            check(&out);
            out.clear();
        }
        decryptor.update(&last_block, &mut out).unwrap();
        decryptor.finish(&mut out).unwrap();
        check(&out);
    });
    let elapsed = started.elapsed();
    eprintln!(
        "100 MiB streamed in {elapsed:.2?} ({:.0} MiB/s): {allocations} allocations, peak {peak} bytes",
        100.0 / elapsed.as_secs_f64()
    );
    assert_eq!(pos, CHUNKS * CHUNK, "the whole file came out");
    // `out` grows to hold one chunk's plaintext (twice, as a Vec doubles), and that is all.
    assert!(allocations <= 4, "{allocations} allocations");
    assert!(peak < PEAK_BOUND, "peak {peak} bytes");
}
