//! A global allocator that counts this thread's calls to `alloc`, `alloc_zeroed` and
//! `realloc`, and the bytes it holds at its peak: for the tests that prove what a path
//! allocates. Each test binary that uses it installs it:
//!
//! ```text
//! #[path = "common/counting.rs"]
//! mod counting;
//! #[global_allocator]
//! static GLOBAL: counting::Counting = counting::Counting;
//! ```
#![allow(dead_code, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes this thread holds, and the most it has held since `PEAK` was last reset.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn grow(bytes: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only a
// const-initialized thread-local `Cell`, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        grow(size(layout));
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        grow(size(layout));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        grow(isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grow(-size(layout));
        unsafe { System.dealloc(ptr, layout) }
    }
}

pub fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// The allocations `f` makes, and the most bytes held at once while it ran beyond what was
/// held before.
pub fn cost_of(f: impl FnOnce()) -> (usize, isize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let allocations = allocations_in(f);
    (allocations, PEAK.with(Cell::get) - start)
}

/// The bytes this thread holds now.
pub fn live() -> isize {
    LIVE.with(Cell::get)
}
