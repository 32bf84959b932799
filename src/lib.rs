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

    /// [`xml::read_encrypt`](crate::xml::read_encrypt)'s reading of `body`, and in the same
    /// reading the text of its first root child `name` (not in a namespace; `None` if there is
    /// none, an empty text if it is not a text of at most 64 bytes): for a router that picks
    /// the credentials by a field of the envelope. The fast path reads a recognised body for
    /// both; any other body is read once, by the strict reader, for both.
    ///
    /// # Errors
    ///
    /// Those of [`xml::read_encrypt`](crate::xml::read_encrypt).
    #[cfg(feature = "xml")]
    pub fn read_encrypt_and_root_child<'b>(
        body: &'b str,
        name: &str,
    ) -> Result<(std::borrow::Cow<'b, str>, Option<String>), crate::Error> {
        crate::xml::read_encrypt_and_root_child(body, name)
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

    /// How many AES decryptions `crypt` (and its clones) made: with the feature
    /// `__count-decryptions` only, for tests.
    #[cfg(feature = "__count-decryptions")]
    #[must_use]
    pub fn decryptions(crypt: &crate::MsgCrypt) -> usize {
        crypt.decryptions()
    }

    /// A 256-bit secret derived from `crypt`'s current EncodingAESKey for one `purpose`.
    #[must_use]
    pub fn derive_secret(crypt: &crate::MsgCrypt, purpose: &[u8; 15]) -> [u8; 32] {
        crypt.derive_secret(purpose)
    }
}
