//! Base64 of the ciphertext: standard alphabet, `=` padding.
//!
//! Decoding allows non-zero trailing bits, as every official decoder does; the signature already
//! covers the exact text. On x86-64 and aarch64 the engine picks AVX2/NEON at run time.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::PAD;
use base64::engine::{GeneralPurposeConfig, Simd};

use crate::Error;

const CONFIG: GeneralPurposeConfig = PAD.with_decode_allow_trailing_bits(true);

static ENGINE: LazyLock<Simd> = LazyLock::new(|| Simd::standard(CONFIG));

/// Decodes `text` into `buf`, replacing its contents. `buf` grows to at most 3/4 of `text`'s
/// length and is never shrunk, so a reused buffer stops allocating.
///
/// Only growth is zero-filled: the decoder overwrites exactly the bytes it decodes, and `buf` is
/// then cut to that length, so no earlier content survives.
///
/// # Errors
///
/// [`Error::InvalidBase64`] on any character outside the standard alphabet, misplaced or missing
/// padding, or an impossible length.
pub(crate) fn decode_into(text: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
    let estimate = base64::decoded_len_estimate(text.len());
    if buf.len() < estimate {
        buf.resize(estimate, 0);
    }
    let out = buf.get_mut(..estimate).ok_or(Error::InvalidBase64)?;
    let decoded = ENGINE.decode_slice(text, out).map_err(|_| Error::InvalidBase64);
    buf.truncate(*decoded.as_ref().unwrap_or(&0));
    decoded.map(drop)
}

/// Appends the encoding of `bytes` to `out`.
pub(crate) fn encode_appending(bytes: &[u8], out: &mut String) {
    ENGINE.encode_string(bytes, out);
}

/// The length of the padded encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3).saturating_mul(4)
}
