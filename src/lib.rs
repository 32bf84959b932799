#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::indexing_slicing))]

mod crypto;
pub mod dangerous;
#[cfg(any(feature = "xml", feature = "json"))]
mod envelope;
mod error;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod json;
pub mod media;
mod msg_crypt;
mod plain;
mod query;
mod signed;
mod stamp;
#[cfg(feature = "xml")]
mod strict_xml;
#[cfg(feature = "xml")]
#[cfg_attr(docsrs, doc(cfg(feature = "xml")))]
pub mod xml;

pub use error::{EnvelopeFault, Error, MessageFault, QueryFault, ReplyFault};
pub use msg_crypt::{Decrypted, EncryptedMsg, KeyUsed, MsgCrypt, MsgCryptBuilder};
pub use plain::{check_timestamp, verify_plain_signature};
pub use query::{CallbackQuery, PlainQuery};
pub use signed::Signed;
pub use stamp::Stamp;

/// What `wxbizmsgcrypt-callback` shares with this crate and users must not rely on: no semver
/// promise, which is why that crate pins this one's exact version (as serde does its derive).
#[doc(hidden)]
pub mod __private {
    /// The strict XML reader and the writer of character data, shared with the toolkit's
    /// message model and replies.
    #[cfg(feature = "xml")]
    pub mod strict_xml {
        pub use crate::strict_xml::{
            Budget, Fault, Item, Reader, normalize_line_ends, push_cdata_or_text,
        };
    }

    /// The value of the parameter `name` in `raw_query`, read as [`CallbackQuery`](crate::CallbackQuery)
    /// reads its own (percent-decoded once, `+` kept, a repeated `name` refused), so that the
    /// toolkit's routing and the signature check never read one query two ways.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`](crate::Error::MalformedQuery) as `CallbackQuery::parse`.
    pub fn query_field(
        raw_query: &str,
        name: &'static str,
    ) -> Result<Option<String>, crate::Error> {
        let [value] = crate::query::parse_fields(raw_query, [name])?;
        Ok(value)
    }

    /// A 256-bit secret derived from `crypt`'s current EncodingAESKey for one `purpose`.
    #[must_use]
    pub fn derive_secret(crypt: &crate::MsgCrypt, purpose: &[u8; 15]) -> [u8; 32] {
        crypt.derive_secret(purpose)
    }
}
