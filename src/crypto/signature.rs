//! `lower_hex(sha1(concat(sort_bytewise(parts))))`, and the crate's one constant-time compare.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// A signature: 40 lowercase hex characters.
pub(crate) type Hex = [u8; 40];

/// A SHA-1 digest.
type Digest20 = [u8; 20];

/// Signs `parts` as the scheme does (see [`digest`]) and renders the signature as lowercase hex.
pub(crate) fn sign<const N: usize>(parts: [&[u8]; N]) -> Hex {
    to_lower_hex(&digest(parts))
}

/// Whether `given` is the signature of `parts`, compared in time independent of the digest.
/// This is the crate's only comparison of a secret-dependent value.
///
/// Our digest is rendered as lowercase hex, the only spelling the scheme produces, and compared
/// with `given` as five 64-bit words. A `given` of the wrong length is refused on its length
/// alone, which tells an attacker nothing about the digest; any other `given` that is not our
/// hex (upper case, not hex at all) simply differs from it.
pub(crate) fn verify<const N: usize>(parts: [&[u8]; N], given: &str) -> bool {
    let Ok(given) = <&Hex>::try_from(given.as_bytes()) else { return false };
    words(&to_lower_hex(&digest(parts))).ct_eq(&words(given)).into()
}

/// SHA-1 of the parts sorted bytewise and concatenated, hashed one after the other without
/// copying them into a new buffer.
fn digest<const N: usize>(mut parts: [&[u8]; N]) -> Digest20 {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// A signature as five words, so that `subtle` compares 5 values instead of 40.
fn words(hex: &Hex) -> [u64; 5] {
    let mut out = [0u64; 5];
    for (word, chunk) in out.iter_mut().zip(hex.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *word = u64::from_ne_bytes(bytes);
    }
    out
}

/// Renders a signature as a `String`.
pub(crate) fn to_string(hex: &Hex) -> String {
    String::from(as_str(hex))
}

/// A signature as text (it is always ASCII, so the check cannot fail).
pub(crate) fn as_str(hex: &Hex) -> &str {
    core::str::from_utf8(hex).unwrap_or_default()
}

fn to_lower_hex(digest: &[u8; 20]) -> Hex {
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&[hex_digit(byte >> 4), hex_digit(byte & 0xF)]);
    }
    out
}

/// The lowercase hex digit for a nibble (`0..=15`).
const fn hex_digit(nibble: u8) -> u8 {
    if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_sha1_known_answer() {
        // FIPS 180 example: SHA-1("abc"), split into parts that sort back into "a", "b", "c".
        let sig = sign([b"c".as_slice(), b"a", b"b"]);
        assert_eq!(&sig, b"a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn verifies_only_the_exact_lowercase_hex() {
        let abc = [b"abc".as_slice()];
        assert!(verify(abc, "a9993e364706816aba3e25717850c26c9cd0d89d"));
        for wrong in [
            "A9993E364706816ABA3E25717850C26C9CD0D89D",
            "a9993e364706816aba3e25717850c26c9cd0d89",
            "a9993e364706816aba3e25717850c26c9cd0d89d0",
            "a9993e364706816aba3e25717850c26c9cd0d89e",
            "b9993e364706816aba3e25717850c26c9cd0d89d",
            "a9993e364706816aba3e25717850c26c9cd0d8 d",
            "a9993e364706816aba3e25717850c26c9cd0d8gd",
            "",
        ] {
            assert!(!verify(abc, wrong), "{wrong}");
        }
    }
}
