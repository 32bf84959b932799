#![doc = include_str!("../README.md")]
//!
//! # Crate layout
//!
//! - [`MsgCrypt`] works on the bare ciphertext: [`verify_url`](MsgCrypt::verify_url),
//!   [`decrypt_msg`](MsgCrypt::decrypt_msg), [`encrypt_msg`](MsgCrypt::encrypt_msg), and
//!   [`decrypt_msg_detailed`](MsgCrypt::decrypt_msg_detailed) /
//!   [`encrypt_reply`](MsgCrypt::encrypt_reply) for several receive ids and key rotation
//!   ([`MsgCrypt::builder`]).
//! - [`xml`] and [`json`] read the `Encrypt` value out of a callback body and render reply
//!   envelopes; they know nothing of AES.
//! - [`CallbackQuery`] parses the query string of a callback request.
//! - [`verify_signature`] (WeChat's plain `signature`) and [`check_timestamp`] (a replay window)
//!   need no key.
//! - [`Error`] is the one error type; [`Error::code`] gives Tencent's official return code.
//!
//! This crate does no I/O: no sockets, no files, no clock, no logging. Timestamps, nonces,
//! "now" and (optionally) the 16 random bytes of a reply are passed in.
#![forbid(unsafe_code)]
#![deny(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_errors_doc,
    clippy::missing_panics_doc
)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

mod builder;
mod crypto;
mod error;
pub mod json;
mod msg_crypt;
mod plain;
mod query;
pub mod xml;

pub use builder::MsgCryptBuilder;
pub use error::{EnvelopeFault, Error, QueryFault};
pub use msg_crypt::{Decrypted, EncryptedMsg, KeyUsed, MsgCrypt};
pub use plain::{check_timestamp, verify_signature};
pub use query::CallbackQuery;
