//! AES-256-CBC over whole blocks, with PKCS#7 padding to 32-byte blocks (not 16: protocol.md §2).

use aes::cipher::array::Array;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
use zeroize::Zeroize;

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

/// [`decrypt_and_unpad`] over a stream: the ciphertext comes in chunks of any size, the
/// plaintext goes out as it is decrypted, and the padding is checked at the end.
///
/// Between calls it holds fewer than 16 bytes of ciphertext (an incomplete block) and the last
/// 32 bytes of plaintext (0, 16 or 32 of them: the plaintext is whole blocks), which may be
/// padding and are handed out only by [`finish`](DecryptStream::finish). It never allocates;
/// the plaintext is appended to the caller's `Vec`.
pub(crate) struct DecryptStream {
    /// The CBC state: its own copy of the key schedule and the chaining value (the IV, then the
    /// last ciphertext block).
    mode: cbc::Decryptor<aes::Aes256>,
    /// The first `partial_len` bytes are ciphertext of a block not yet complete.
    partial: aes::Block,
    partial_len: usize,
    /// The first `held_len` bytes are the last plaintext decrypted, not yet handed out.
    held: [u8; PAD_BLOCK],
    held_len: usize,
}

impl DecryptStream {
    /// Starts decrypting with `key`.
    pub(crate) fn new(key: &AesKey) -> DecryptStream {
        DecryptStream {
            mode: cbc::Decryptor::inner_iv_init(key.cipher.clone(), &key.iv),
            partial: aes::Block::default(),
            partial_len: 0,
            held: [0; PAD_BLOCK],
            held_len: 0,
        }
    }

    /// Decrypts `chunk`, the next piece of ciphertext, and appends to `out` the plaintext that
    /// is sure not to be padding. `out` grows by less than `chunk.len() + 48` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCiphertextLength`] if a check on the stream's own bookkeeping fails,
    /// which cannot happen; `out` is then as it was.
    pub(crate) fn update(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let result = self.update_inner(chunk, out, start);
        if result.is_err() {
            if let Some(appended) = out.get_mut(start..) {
                appended.zeroize();
            }
            out.truncate(start);
        }
        result
    }

    fn update_inner(&mut self, chunk: &[u8], out: &mut Vec<u8>, start: usize) -> Result<(), Error> {
        let broken = || {
            debug_assert!(false, "the stream's bookkeeping is consistent");
            Error::InvalidCiphertextLength
        };
        let pending = self.partial_len + chunk.len();
        let whole = pending - pending % AES_BLOCK;
        if whole == 0 {
            // Still no complete block: keep the bytes.
            let end = self.partial_len + chunk.len();
            self.partial.get_mut(self.partial_len..end).ok_or_else(broken)?.copy_from_slice(chunk);
            self.partial_len = end;
            return Ok(());
        }
        let (completing, rest) =
            chunk.split_at_checked(whole - self.partial_len).ok_or_else(broken)?;
        let held = self.held.get(..self.held_len).ok_or_else(broken)?;
        let partial = self.partial.get(..self.partial_len).ok_or_else(broken)?;
        out.reserve(held.len() + whole);
        out.extend_from_slice(held);
        out.extend_from_slice(partial);
        out.extend_from_slice(completing);
        // The bytes of an incomplete block left over: fewer than 16.
        self.partial.get_mut(..rest.len()).ok_or_else(broken)?.copy_from_slice(rest);
        self.partial_len = rest.len();

        let ciphertext = out.get_mut(start + held.len()..).ok_or_else(broken)?;
        let (blocks, tail) = Array::slice_as_chunks_mut(ciphertext);
        if !tail.is_empty() {
            return Err(broken());
        }
        self.mode.decrypt_blocks(blocks);

        // Hold back the last 32 bytes of plaintext (16 if that is all there is so far).
        let keep = (out.len() - start).min(PAD_BLOCK);
        let cut = out.len() - keep;
        let last = out.get_mut(cut..).ok_or_else(broken)?;
        self.held.get_mut(..keep).ok_or_else(broken)?.copy_from_slice(last);
        self.held_len = keep;
        last.zeroize();
        out.truncate(cut);
        Ok(())
    }

    /// Checks that the ciphertext was whole blocks and the padding well formed, and appends the
    /// rest of the plaintext (the held-back bytes before the padding) to `out`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCiphertextLength`] if the ciphertext was empty or not whole AES blocks;
    /// [`Error::InvalidPadding`] as for [`decrypt_and_unpad`]. `out` is then as it was.
    pub(crate) fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.partial_len != 0 || self.held_len == 0 {
            return Err(Error::InvalidCiphertextLength);
        }
        // The held bytes are the last 32 of the plaintext, or all 16 of it: all the padding
        // can cover, so `unpad` judges them as it would the whole plaintext.
        let Some(held) = self.held.get(..self.held_len) else {
            debug_assert!(false, "at most 32 bytes are held");
            return Err(Error::InvalidCiphertextLength);
        };
        let len = unpad(held)?;
        out.extend_from_slice(held.get(..len).ok_or(Error::InvalidPadding)?);
        Ok(())
    }
}

impl Drop for DecryptStream {
    fn drop(&mut self) {
        // The chaining value (until the first block, the IV: half of the key) is wiped by
        // `cbc` (its `zeroize` feature), the key schedule by `aes`; the plaintext held back and
        // the partial block here.
        self.held.zeroize();
        self.partial.as_mut_slice().zeroize();
    }
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
