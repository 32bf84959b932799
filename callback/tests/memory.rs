//! What the in-memory stores hold, counted by a global allocator that counts this thread's
//! allocations and the bytes it holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/counting.rs"]
mod counting;

use counting::live;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// `MemoryDedup` holds at most about its capacity, keys and answers together, whatever the
/// sequence of calls: claims, releases (the report's leak: 1,000,000 claim-then-forget cycles
/// on a store of 1,000 keys held 75 MB), completions with answers of every size, claims made
/// again.
#[test]
fn the_memory_store_holds_about_its_capacity_whatever_the_calls() {
    use std::time::{Duration, SystemTime};
    use wxbizmsgcrypt_callback::endpoint::{ClaimToken, MemoryDedup, StoreKey};
    use wxbizmsgcrypt_callback::message::Message;

    const CAPACITY: usize = 1 << 20;
    let keys: Vec<StoreKey> = (0..5000)
        .map(|n| {
            let key =
                Message::parse(&format!("<xml><MsgType>text</MsgType><MsgId>{n}</MsgId></xml>"))
                    .unwrap()
                    .dedup_key();
            StoreKey::new(&[7; 32], &key)
        })
        .collect();
    let token = ClaimToken::random();
    let answer = vec![b'x'; 3000];
    let now = SystemTime::now();
    let (lease, ttl) = (Duration::from_secs(7), Duration::from_secs(3600));
    let before = live();
    let store = MemoryDedup::new(CAPACITY);
    let mut most = 0;
    // A cheap generator: the same sequence every run.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for step in 0..300_000usize {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let key = &keys[(state % keys.len() as u64) as usize];
        match step % 4 {
            // Claimed and released again and again: the leak of the report.
            0 | 1 => {
                store.claim_now(key, &token, lease, now);
                store.release_now(key, &token);
            }
            // Claimed and completed with an answer of up to 3000 bytes.
            2 => {
                store.claim_now(key, &token, lease, now);
                let len = (state >> 32) as usize % answer.len();
                store.complete_now(key, &token, &answer[..len], ttl, now).unwrap();
            }
            // Claimed and left (a process that died).
            _ => {
                store.claim_now(key, &token, lease, now);
            }
        }
        if step % 1000 == 0 {
            most = most.max(live() - before);
        }
    }
    most = most.max(live() - before);
    assert!(store.bytes() <= store.capacity());
    // What it holds: the records as counted, and the tables' spare room.
    assert!(
        most as usize <= CAPACITY + CAPACITY / 4,
        "{most} bytes held for a capacity of {CAPACITY}"
    );
    println!("held at most {most} bytes for a capacity of {CAPACITY}");
    drop(store);
}
