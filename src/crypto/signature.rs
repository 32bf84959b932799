//! `lower_hex(sha1(concat(sort_bytewise(parts))))`, and the crate's constant-time comparisons.
//!
//! One of the parts is the token, a secret; the others come from the request. The token's place
//! in the sorted order is found by comparing it with each other part in constant time
//! ([`ct_compare`]): ordinary comparisons would take a time that depends on where the token and
//! an attacker's nonce first differ. The public parts are sorted among themselves with ordinary
//! comparisons.

use core::fmt;

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// The token, with its bytes also as the zero-padded big-endian words [`ct_compare`] reads,
/// computed once. Wiped on drop.
pub(crate) struct Token {
    bytes: Box<[u8]>,
    words: Box<[u64]>,
}

impl Token {
    pub(crate) fn new(token: &str) -> Token {
        Token::from_bytes(token.as_bytes())
    }

    fn from_bytes(token: &[u8]) -> Token {
        let bytes: Box<[u8]> = token.into();
        let words = (0..bytes.len().div_ceil(8)).map(|index| word_at(&bytes, index)).collect();
        Token { bytes, words }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.bytes.zeroize();
        self.words.zeroize();
    }
}

/// A signature: 40 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signature([u8; 40]);

impl Signature {
    /// The 40 characters as a `String` of their own.
    pub(crate) fn to_hex_string(self) -> String {
        let mut out = String::with_capacity(40);
        self.push_to(&mut out);
        out
    }

    /// Appends the 40 characters to `out`.
    pub(crate) fn push_to(&self, out: &mut String) {
        // Every byte is an ASCII hex digit: the check is one short pass (a `char` at a time
        // cost 1% of a reply). It cannot fail; if it did, the 40 characters would be appended
        // one by one all the same, so nothing is ever left out.
        match core::str::from_utf8(&self.0) {
            Ok(hex) => out.push_str(hex),
            Err(_) => {
                debug_assert!(false, "a signature is ASCII hex");
                out.extend(self.0.iter().map(|&b| char::from(b)));
            }
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always ASCII hex; a failure here would be a bug, reported as a formatting error.
        f.write_str(core::str::from_utf8(&self.0).map_err(|_| fmt::Error)?)
    }
}

/// Signs `token` and `public` as the scheme does: the parts sorted bytewise, concatenated,
/// hashed with SHA-1, rendered as lowercase hex.
pub(crate) fn sign<const N: usize>(token: &Token, public: [&[u8]; N]) -> Signature {
    Signature(to_lower_hex(&digest(token, public)))
}

/// Whether `given` is the signature of `token` and `public`, compared in time independent of
/// the digest. This and [`ct_compare`] are the crate's only comparisons of secret-dependent
/// values.
///
/// Our digest is rendered as lowercase hex, the only spelling the scheme produces, and compared
/// with `given` as five 64-bit words. A `given` of the wrong length is refused on its length
/// alone, which tells an attacker nothing about the digest; any other `given` that is not our
/// hex (upper case, not hex at all) simply differs from it.
pub(crate) fn verify<const N: usize>(token: &Token, public: [&[u8]; N], given: &str) -> bool {
    let Ok(given) = <&[u8; 40]>::try_from(given.as_bytes()) else { return false };
    words(&sign(token, public).0).ct_eq(&words(given)).into()
}

/// SHA-1 of the parts sorted bytewise and concatenated, hashed one after the other without
/// copying them into a new buffer.
///
/// The public parts are sorted with ordinary comparisons. The token goes after every public
/// part that is less than it; that place is counted without a branch on the token (a tie puts
/// it first, which concatenates to the same bytes).
fn digest<const N: usize>(token: &Token, mut public: [&[u8]; N]) -> [u8; 20] {
    public.sort_unstable();
    let place: usize = public.iter().map(|part| usize::from(ct_compare(part, token).0)).sum();
    let mut hasher = Sha1::new();
    for (at, part) in public.iter().enumerate() {
        if at == place {
            hasher.update(&token.bytes);
        }
        hasher.update(part);
    }
    if place == N {
        hasher.update(&token.bytes);
    }
    hasher.finalize().into()
}

/// Compares `public` with the token bytewise, as `<[u8]>::cmp` does, in a time that depends only
/// on the two lengths: returns whether `public` is less, and whether they are equal.
///
/// Both are read in 8-byte words over the token's length, zero-padded past their ends, and
/// compared as big-endian integers with masks, not branches; the first word that differs
/// decides. If no word differs, one is a prefix of the other (zero-padding cannot tell a prefix
/// from trailing zero bytes), so the shorter is the lesser: only the lengths decide.
///
/// Plain integer arithmetic rather than `subtle`: `subtle` puts an optimisation barrier on every
/// intermediate value, which made this 75 ns per signature (5% of a 1 KiB decryption) where the
/// masks cost a few. The result goes through `black_box`, so the compiler cannot turn the
/// masks back into a branch on the outcome.
#[inline]
fn ct_compare(public: &[u8], token: &Token) -> (bool, bool) {
    let mut decided = 0u64;
    let mut less = 0u64;
    for (index, &s) in token.words.iter().enumerate() {
        let p = word_at(public, index);
        let differs = mask_nonzero(p ^ s);
        let take = differs & !decided;
        less = (less & !take) | (mask_less(p, s) & take);
        decided |= differs;
    }
    let (public_len, secret_len) = (public.len() as u64, token.bytes.len() as u64);
    let shorter = mask_less(public_len, secret_len);
    let less = (less & decided) | (shorter & !decided);
    let equal = !decided & !mask_nonzero(public_len ^ secret_len);
    let (less, equal) = core::hint::black_box((less, equal));
    (less != 0, equal != 0)
}

/// All ones if `x` is not zero, else zero.
const fn mask_nonzero(x: u64) -> u64 {
    ((x | x.wrapping_neg()) >> 63).wrapping_neg()
}

/// All ones if `x < y` (unsigned), else zero: the borrow of `x - y`, from Hacker's Delight §2-12.
const fn mask_less(x: u64, y: u64) -> u64 {
    (((!x & y) | (!(x ^ y) & x.wrapping_sub(y))) >> 63).wrapping_neg()
}

/// Bytes `8 * index .. 8 * index + 8` of `bytes` as a big-endian word, zeros past the end.
/// (Which way it goes depends on the length only.)
#[inline]
fn word_at(bytes: &[u8], index: usize) -> u64 {
    let rest = bytes.get(index.saturating_mul(8)..).unwrap_or_default();
    if let Some(word) = rest.first_chunk::<8>() {
        return u64::from_be_bytes(*word);
    }
    let mut word = [0u8; 8];
    for (w, b) in word.iter_mut().zip(rest) {
        *w = *b;
    }
    u64::from_be_bytes(word)
}

/// A signature as five words, so that `subtle` compares 5 values instead of 40.
fn words(hex: &[u8; 40]) -> [u64; 5] {
    let mut out = [0u64; 5];
    for (word, chunk) in out.iter_mut().zip(hex.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *word = u64::from_ne_bytes(bytes);
    }
    out
}

fn to_lower_hex(digest: &[u8; 20]) -> [u8; 40] {
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&[hex_digit(byte >> 4), hex_digit(byte & 0xF)]);
    }
    out
}

/// The lowercase hex digit for a nibble (`0..=15`), without a branch on it (the digest is what
/// a forged request is compared with): `9 - n` borrows exactly when `n` is 10 or more, and then
/// the 39 between `'9' + 1` and `'a'` is added.
const fn hex_digit(nibble: u8) -> u8 {
    let letter = 0u8.wrapping_sub(9u8.wrapping_sub(nibble) >> 7) & 39;
    b'0' + nibble + letter
}

#[cfg(test)]
mod tests {
    use core::cmp::Ordering;

    use super::*;

    /// The [`Ordering`] of [`ct_compare`].
    fn ct_ordering(public: &[u8], secret: &[u8]) -> Ordering {
        match ct_compare(public, &Token::from_bytes(secret)) {
            (_, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, false) => Ordering::Greater,
        }
    }

    #[test]
    fn hex_digits_are_lowercase_hex() {
        for nibble in 0..16u8 {
            assert_eq!(char::from(hex_digit(nibble)), char::from_digit(nibble.into(), 16).unwrap());
        }
    }

    #[test]
    fn hex_of_sha1_known_answer() {
        // FIPS 180 example: SHA-1("abc"), split into parts that sort back into "a", "b", "c".
        for (secret, public) in [("a", ["c", "b"]), ("b", ["c", "a"]), ("c", ["a", "b"])] {
            let sig = sign(&Token::new(secret), public.map(str::as_bytes));
            assert_eq!(sig.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
        }
        let mut out = String::from("<");
        sign(&Token::new("abc"), []).push_to(&mut out);
        assert_eq!(out, "<a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn verifies_only_the_exact_lowercase_hex() {
        let verify_abc = |given: &str| verify(&Token::new("abc"), [], given);
        assert!(verify_abc("a9993e364706816aba3e25717850c26c9cd0d89d"));
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
            assert!(!verify_abc(wrong), "{wrong}");
        }
    }

    /// The constant-time comparison agrees with the standard library's on every kind of pair:
    /// prefixes, trailing zero bytes, differences in each word, high bytes, empty strings.
    #[test]
    fn ct_compare_agrees_with_slice_ordering() {
        let pieces: [&[u8]; 14] = [
            b"",
            b"\0",
            b"\0\0",
            b"a",
            b"ab",
            b"abc\0",
            b"abcdefgh",
            b"abcdefgh\0",
            b"abcdefghi",
            b"abcdefgg\xff",
            b"\xff\xff",
            b"1409659813",
            b"QDG6eK",
            b"QDG6eKQDG6eKQDG6eKQDG6eKQDG6eK99",
        ];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for tail in [&b""[..], b"\0", b"x", b"\xff"] {
                    let b = [b, tail].concat();
                    assert_eq!(ct_ordering(a, &b), a.cmp(&b[..]), "{a:?} vs {b:?}");
                    assert_eq!(ct_ordering(&b, a), b[..].cmp(a), "{b:?} vs {a:?}");
                    checked += 2;
                }
            }
        }
        assert_eq!(checked, 14 * 14 * 4 * 2);
    }

    /// The secret's place in the order gives the digest of the plain sort, wherever it falls.
    #[test]
    fn digest_matches_a_plain_sort_wherever_the_secret_falls() {
        let public: [&[u8]; 3] = [b"1409659813", b"1372623149", b"RypEvHKD8QQ"];
        for secret in ["", "0", "1372623149", "14", "2", "Rz", "z", "QDG6eK"] {
            let mut all = [secret.as_bytes(), public[0], public[1], public[2]];
            all.sort_unstable();
            let expected: [u8; 20] = Sha1::digest(all.concat()).into();
            assert_eq!(digest(&Token::new(secret), public), expected, "{secret:?}");
        }
    }
}
