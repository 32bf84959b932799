//! The scheme's primitives, knowing nothing of envelopes: key decoding, AES-256-CBC with
//! PKCS#7 padding to 32-byte blocks, the plaintext frame, and the SHA-1 signature.

pub(crate) mod aes_cbc;
pub(crate) mod b64;
pub(crate) mod frame;
pub(crate) mod key;
pub(crate) mod signature;
