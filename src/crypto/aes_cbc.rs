//! AES-256-CBC over whole blocks, with PKCS#7 padding to 32-byte blocks (not 16: protocol.md §2).

use aes::cipher::array::Array;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};

use super::key::AesKey;
use crate::error::Error;

/// The scheme pads to multiples of this many bytes.
pub(crate) const PAD_BLOCK: usize = 32;

/// The AES block size.
const AES_BLOCK: usize = 16;

/// How many padding bytes follow `len` bytes of frame: 1 to 32, never 0.
pub(crate) const fn pad_len(len: usize) -> usize {
    PAD_BLOCK - len % PAD_BLOCK
}

/// Appends the 32-byte PKCS#7 padding to `buf` and encrypts it in place.
///
/// # Errors
///
/// [`Error::EncryptFailed`] if the padded frame were not whole AES blocks, which the padding
/// rules out: nothing is left unencrypted.
pub(crate) fn pad_and_encrypt(key: &AesKey, buf: &mut Vec<u8>) -> Result<(), Error> {
    let pad = pad_len(buf.len());
    // `pad` is 1..=32, so it fits in a byte.
    buf.resize(buf.len() + pad, pad as u8);
    let (blocks, tail) = Array::slice_as_chunks_mut(buf.as_mut_slice());
    if !tail.is_empty() {
        debug_assert!(false, "a padded frame is whole blocks");
        return Err(Error::EncryptFailed);
    }
    cbc::Encryptor::<&aes::Aes256>::inner_iv_init(&key.cipher, &key.iv).encrypt_blocks(blocks);
    Ok(())
}

/// Decrypts `buf` in place and returns the length of the data before the padding.
///
/// # Errors
///
/// [`Error::InvalidCiphertextLength`] if `buf` is empty or not whole AES blocks;
/// [`Error::InvalidPadding`] if the last byte is 0 or over 32, longer than the data, or the
/// padding bytes differ.
pub(crate) fn decrypt_and_unpad(key: &AesKey, buf: &mut [u8]) -> Result<usize, Error> {
    if buf.is_empty() || !buf.len().is_multiple_of(AES_BLOCK) {
        return Err(Error::InvalidCiphertextLength);
    }
    let (blocks, tail) = Array::slice_as_chunks_mut(&mut *buf);
    if !tail.is_empty() {
        debug_assert!(false, "the length was checked to be whole blocks");
        return Err(Error::InvalidCiphertextLength);
    }
    cbc::Decryptor::<&aes::Aes256>::inner_iv_init(&key.cipher, &key.iv).decrypt_blocks(blocks);
    unpad(buf)
}

/// Checks the PKCS#7 padding (1 to 32 bytes) and returns the unpadded length.
///
/// Not constant-time: it runs only after the signature over the ciphertext has been verified,
/// so it is no padding oracle. The last 32 bytes (16 if that is all there is) are checked as
/// 64-bit words against the padding byte repeated, each masked to the bytes that are padding,
/// rather than byte by byte.
fn unpad(data: &[u8]) -> Result<usize, Error> {
    let Some(&last) = data.last() else {
        return Err(Error::InvalidPadding);
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > data.len() {
        return Err(Error::InvalidPadding);
    }
    // The tail that holds the padding: 32 bytes, or 16 if the ciphertext is one block (the
    // check above keeps the pad within it). Shorter data is no ciphertext; it is checked byte
    // by byte (only the unit tests pass it).
    let tail: Option<&[u8]> = match (data.last_chunk::<PAD_BLOCK>(), data.last_chunk::<16>()) {
        (Some(tail), _) => Some(tail),
        (None, Some(tail)) if pad <= 16 => Some(tail),
        _ => None,
    };
    let tail = match tail {
        Some(tail) => tail,
        None => {
            let padding = data.get(data.len() - pad..).ok_or(Error::InvalidPadding)?;
            return if padding.iter().all(|&b| b == last) {
                Ok(data.len() - pad)
            } else {
                Err(Error::InvalidPadding)
            };
        }
    };
    // Word `k` of the tail holds its bytes `8k..8k+8`; its last `pad` bytes are padding.
    let repeated = u64::from_ne_bytes([last; 8]);
    let first_pad_byte = tail.len() - pad;
    let padding_ok = tail.chunks_exact(8).enumerate().fold(true, |ok, (k, chunk)| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        // Bytes of this word before the padding starts: none, some, or all of the 8.
        let before = first_pad_byte.saturating_sub(8 * k).min(8);
        let mask = mask_from_byte(before);
        ok & ((u64::from_ne_bytes(bytes) ^ repeated) & mask == 0)
    });
    if padding_ok { Ok(data.len() - pad) } else { Err(Error::InvalidPadding) }
}

/// A mask of the bytes at `from..8` of a word read with `from_ne_bytes` (`from` is 0 to 8).
fn mask_from_byte(from: usize) -> u64 {
    // A byte array's first byte is the low byte on little-endian targets, the high byte on
    // big-endian ones.
    let keep_high = if cfg!(target_endian = "little") {
        u64::MAX.checked_shl(8 * from as u32)
    } else {
        u64::MAX.checked_shr(8 * from as u32)
    };
    // Shifting by 64 (`from` is 8) keeps nothing.
    keep_high.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_len_is_one_to_thirty_two() {
        assert_eq!(pad_len(0), 32);
        assert_eq!(pad_len(1), 31);
        assert_eq!(pad_len(31), 1);
        assert_eq!(pad_len(32), 32);
        assert_eq!(pad_len(63), 1);
    }

    /// The word-wise check against the definition, byte by byte, for every length up to three
    /// blocks and every last byte, with the byte before the padding equal or not, and one
    /// padding byte changed.
    #[test]
    fn unpad_agrees_with_the_definition() {
        let definition = |data: &[u8]| -> Result<usize, Error> {
            let last = *data.last().ok_or(Error::InvalidPadding)?;
            let pad = usize::from(last);
            if pad == 0 || pad > 32 || pad > data.len() {
                return Err(Error::InvalidPadding);
            }
            let ok = data[data.len() - pad..].iter().all(|&b| b == last);
            if ok { Ok(data.len() - pad) } else { Err(Error::InvalidPadding) }
        };
        let mut checked = 0;
        for len in 0..=96usize {
            for last in 0..=40u8 {
                for spoil in [None, Some(0usize), Some(1), Some(7), Some(8), Some(15), Some(31)] {
                    let mut data: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
                    let pad = usize::from(last).min(len);
                    let start = len - pad;
                    data[start..].fill(last);
                    if let Some(at) = spoil.filter(|&at| at < pad) {
                        data[len - 1 - at] ^= 0x10;
                        if at == 0 {
                            continue; // that would change the pad byte itself
                        }
                    }
                    assert_eq!(unpad(&data), definition(&data), "{len} {last} {spoil:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 20_000);
    }

    #[test]
    fn unpad_accepts_well_formed_and_rejects_the_rest() {
        let mut d = vec![7u8; 40];
        d.extend([3, 3, 3]);
        assert_eq!(unpad(&d), Ok(40));
        assert_eq!(unpad(&[32u8; 32]), Ok(0));
        assert_eq!(unpad(&[]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&[1, 2, 0]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&[33u8; 64]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&[5u8; 4]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&[9, 2, 3, 3]), Err(Error::InvalidPadding));
        assert_eq!(unpad(&[9, 3, 3, 3]), Ok(1));
        assert_eq!(unpad(&[2, 2]), Ok(0));
        // 32 bytes of padding after data: only the last 32 are looked at.
        let mut d = vec![1u8; 33];
        d.extend([32u8; 32]);
        assert_eq!(unpad(&d), Ok(33));
        d[33] = 31;
        assert_eq!(unpad(&d), Err(Error::InvalidPadding));
    }
}
