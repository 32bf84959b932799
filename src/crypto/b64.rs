//! Base64 of the ciphertext: standard alphabet, `=` padding.
//!
//! Decoding allows non-zero trailing bits, as every official decoder does; the signature already
//! covers the exact text. On x86-64 and aarch64 the engine picks AVX2/NEON at run time.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::PAD;
use base64::engine::{GeneralPurposeConfig, Simd};

use crate::error::Error;

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
///
/// Encoded a chunk at a time on the stack, then appended as text: `base64`'s own
/// `encode_string` does the same but checks each chunk with `core::str::from_utf8`, which cost
/// as much as the encoding itself; the check here is SIMD (the text is ASCII, so it is cheap).
///
/// # Errors
///
/// [`Error::EncodeBase64Failed`] if a chunk failed to encode or to read back as text, which
/// cannot happen: the text is never signed or sent incomplete.
pub(crate) fn encode_appending(bytes: &[u8], out: &mut String) -> Result<(), Error> {
    // 768 input bytes (a multiple of 3, so no padding inside) encode to 1024 characters.
    let mut chunk = [0u8; 1024];
    for input in bytes.chunks(768) {
        let text = ENGINE
            .encode_slice(input, &mut chunk)
            .ok()
            .and_then(|written| chunk.get(..written))
            .and_then(|text| simdutf8::basic::from_utf8(text).ok());
        let Some(text) = text else {
            debug_assert!(false, "a chunk of 768 bytes encodes to 1024 ASCII characters");
            return Err(Error::EncodeBase64Failed);
        };
        out.push_str(text);
    }
    Ok(())
}

/// The length of the padded encoding of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3).saturating_mul(4)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn encode_appending_matches_the_scalar_engine_across_chunk_boundaries() {
        let bytes: Vec<u8> = (0..2400u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in (0..40).chain(760..780).chain(1530..1540).chain([2304, 2305, 2400]) {
            let mut out = String::from("<");
            encode_appending(&bytes[..len], &mut out).unwrap();
            assert_eq!(out, format!("<{}", STANDARD.encode(&bytes[..len])), "{len}");
            assert_eq!(out.len() - 1, encoded_len(len));
        }
    }
}
