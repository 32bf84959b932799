//! `lower_hex(sha1(concat(sort_bytewise(parts))))`, and the crate's one constant-time compare.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// A signature: 40 lowercase hex characters.
pub(crate) type Hex = [u8; 40];

/// Signs `parts` as the scheme does: sorts them bytewise and hashes them one after the other,
/// without concatenating them into a new buffer.
pub(crate) fn sign<const N: usize>(mut parts: [&[u8]; N]) -> Hex {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    to_lower_hex(&hasher.finalize().into())
}

/// Whether `given` equals the signature `expected`, in time independent of their contents.
pub(crate) fn matches(expected: &Hex, given: &str) -> bool {
    expected.as_slice().ct_eq(given.as_bytes()).into()
}

/// Renders a signature as a `String` (it is always ASCII).
pub(crate) fn to_string(hex: &Hex) -> String {
    hex.iter().map(|&b| char::from(b)).collect()
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
    fn matches_only_the_exact_lowercase_hex() {
        let sig = sign([b"abc".as_slice()]);
        assert!(matches(&sig, "a9993e364706816aba3e25717850c26c9cd0d89d"));
        assert!(!matches(&sig, "A9993E364706816ABA3E25717850C26C9CD0D89D"));
        assert!(!matches(&sig, "a9993e364706816aba3e25717850c26c9cd0d89"));
        assert!(!matches(&sig, ""));
    }
}
