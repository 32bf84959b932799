//! The per-thread buffer a frame is decrypted or encrypted in.

use std::cell::Cell;

use zeroize::Zeroize;

use crate::error::Error;

thread_local! {
    /// Per-thread scratch for the frame being decrypted or encrypted, so that
    /// [`MsgCrypt::decrypt_msg`](crate::MsgCrypt::decrypt_msg) allocates only the message it
    /// returns and an envelope's reply only its body.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A scratch buffer larger than this is freed after use rather than kept for the thread.
const SCRATCH_KEEP_LIMIT: usize = 1 << 20;

/// Runs `f` with this thread's scratch buffer, then wipes it (after a decryption it holds the
/// plaintext; after an encryption only ciphertext, but one rule is simpler to trust).
///
/// The buffer is taken out of the thread-local for the call, so a nested call (there is none)
/// or a call while the thread is torn down simply gets a fresh, empty buffer: nothing here can
/// panic.
pub(super) fn with_scratch<T>(
    f: impl FnOnce(&mut Vec<u8>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut buf = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = f(&mut buf);
    buf.as_mut_slice().zeroize();
    if buf.capacity() <= SCRATCH_KEEP_LIMIT {
        // Fails only while the thread is being torn down; the buffer is then just dropped.
        let _ = SCRATCH.try_with(|cell| cell.set(buf));
    }
    result
}
