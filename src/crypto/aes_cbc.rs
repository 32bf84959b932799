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
/// so it is no padding oracle. The last 32 bytes are checked in one branch-free pass (it
/// vectorizes) rather than byte by byte up to the first difference.
fn unpad(data: &[u8]) -> Result<usize, Error> {
    let Some(&last) = data.last() else {
        return Err(Error::InvalidPadding);
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > data.len() {
        return Err(Error::InvalidPadding);
    }
    let tail = data.get(data.len().saturating_sub(PAD_BLOCK)..).ok_or(Error::InvalidPadding)?;
    // Byte `i` from the end is padding if `i < pad`; each padding byte must equal `last`.
    let padding_ok = tail
        .iter()
        .rev()
        .enumerate()
        .fold(true, |ok, (from_end, &b)| ok & ((from_end >= pad) | (b == last)));
    if padding_ok { Ok(data.len() - pad) } else { Err(Error::InvalidPadding) }
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
