#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

pub use wxbizmsgcrypt;

#[cfg(feature = "actix-web-4")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix-web-4")))]
#[path = "adapters/actix.rs"]
pub mod actix;
pub mod aibot;
#[cfg(feature = "axum-0_8")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum-0_8")))]
#[path = "adapters/axum.rs"]
pub mod axum;
pub mod endpoint;
pub mod inbox;
pub mod lease;
pub mod message;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod reply;

pub use wxbizmsgcrypt::{Error, MsgCrypt};
