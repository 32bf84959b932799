//! The EncodingAESKey: 43 base64 characters that decode to the 32-byte AES-256 key, whose first
//! 16 bytes are also the CBC IV.

use aes::Aes256;
use aes::cipher::KeyInit;
use base64::Engine;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::PAD;
use zeroize::Zeroize;

use crate::error::Error;

/// Standard alphabet, `=` padding, trailing bits allowed: 43 base64 characters carry 258 bits and
/// every official decoder ignores the last 2. Most real keys have them set (protocol.md §1).
const KEY_ENGINE: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, PAD.with_decode_allow_trailing_bits(true));

/// Length of an EncodingAESKey in characters.
const KEY_CHARS: usize = 43;

/// A decoded key: the AES-256 key schedule (computed once) and the IV.
///
/// The key schedule is zeroized on drop by `aes` (its `zeroize` feature), the IV by us.
#[derive(Clone)]
pub(crate) struct AesKey {
    pub(crate) cipher: Aes256,
    pub(crate) iv: aes::Block,
}

impl AesKey {
    /// Decodes an EncodingAESKey.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAesKey`] unless `encoding_aes_key` is 43 base64 characters decoding to
    /// 32 bytes.
    pub(crate) fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<AesKey, Error> {
        let chars = encoding_aes_key.as_bytes();
        if chars.len() != KEY_CHARS {
            return Err(Error::InvalidAesKey);
        }
        let mut padded = [b'='; KEY_CHARS + 1];
        padded[..KEY_CHARS].copy_from_slice(chars);
        // Decoded straight into the array the cipher is keyed from, which is lent, never
        // moved: no copy of the key is left on the stack (`[u8; 32].into()` made one).
        let mut raw = aes::cipher::Key::<Aes256>::default();
        let decoded = KEY_ENGINE.decode_slice(padded, raw.as_mut_slice());
        let result = match (decoded, raw.first_chunk::<16>()) {
            (Ok(32), Some(first)) => {
                let cipher = Aes256::new(&raw);
                let mut iv = aes::Block::default();
                iv.copy_from_slice(first);
                Ok(AesKey { cipher, iv })
            }
            _ => Err(Error::InvalidAesKey),
        };
        raw.as_mut_slice().zeroize();
        padded.zeroize();
        result
    }

    /// Decodes a media key: an EncodingAESKey, or the per-message `aeskey` of the AI bot's
    /// long-connection mode, which is either that (43 characters) or the same with its one `=`
    /// of padding (44 characters). Trailing bits are allowed in both.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAesKey`] unless `key` is 43 base64 characters decoding to 32 bytes,
    /// optionally followed by one `=`.
    pub(crate) fn from_media_key(key: &str) -> Result<AesKey, Error> {
        // Standard base64 of 32 bytes is 43 characters and one `=`; that `=` carries nothing.
        let unpadded = match key.strip_suffix('=') {
            Some(rest) if rest.len() == KEY_CHARS => rest,
            _ => key,
        };
        AesKey::from_encoding_aes_key(unpadded)
    }
}

impl Drop for AesKey {
    fn drop(&mut self) {
        self.iv.as_mut_slice().zeroize();
    }
}
