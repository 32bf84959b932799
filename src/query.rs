//! [`CallbackQuery`]: the query parameters of a callback request, parsed once and correctly.

use percent_encoding::percent_decode_str;

use crate::{Error, QueryFault};

/// The query parameters Tencent adds to a callback URL.
///
/// Parse the raw query string with [`CallbackQuery::parse`]: it percent-decodes each value
/// exactly once and leaves `+` as `+` (a callback query is not a form: WeCom sends `+` as
/// `%2B`, and decoding it twice, or as a form, turns it into a space, the most reported cause of
/// `-40001`). With the `serde` feature, frameworks can deserialize it directly, for example
/// with `axum::extract::Query<CallbackQuery>`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};
///
/// // The request line of WeCom's URL check, as it arrives.
/// let raw = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780\
///            &echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
/// let query = CallbackQuery::parse(raw)?;
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// assert_eq!(query.verify_url(&crypt)?, "1616140317555161061");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[non_exhaustive]
pub struct CallbackQuery {
    /// `msg_signature`: the signature over token, timestamp, nonce and the ciphertext.
    pub msg_signature: String,
    /// `timestamp`, as sent (seconds since the Unix epoch).
    pub timestamp: String,
    /// `nonce`, as sent.
    pub nonce: String,
    /// `echostr`: present on the GET URL check only.
    #[cfg_attr(feature = "serde", serde(default))]
    pub echostr: Option<String>,
}

impl CallbackQuery {
    /// Parses a raw query string: `msg_signature=…&timestamp=…&nonce=…[&echostr=…]`, exactly as
    /// it arrives in the request line. A full URL is accepted too (everything up to `?` and from
    /// `#` is ignored). Other parameters (WeChat's `signature`, `openid`, `encrypt_type`, …) are
    /// ignored.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] (`-40002`) with the reason: a required parameter is missing
    /// ([`QueryFault::Missing`]; the plain `signature` is not `msg_signature`), a parameter
    /// appears twice ([`QueryFault::Duplicate`]), or a value does not decode to UTF-8
    /// ([`QueryFault::NotUtf8`]).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{CallbackQuery, Error, QueryFault};
    ///
    /// let q = CallbackQuery::parse("https://example.com/callback?msg_signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!((q.msg_signature.as_str(), q.echostr), ("ab", None));
    ///
    /// let err = CallbackQuery::parse("signature=ab&timestamp=1&nonce=2").unwrap_err();
    /// assert_eq!(err, Error::MalformedQuery(QueryFault::Missing("msg_signature")));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn parse(raw: &str) -> Result<CallbackQuery, Error> {
        let query = raw.split_once('?').map_or(raw, |(_, query)| query);
        let query = query.split_once('#').map_or(query, |(query, _)| query);
        let mut fields: [(&'static str, Option<String>); 4] =
            [("msg_signature", None), ("timestamp", None), ("nonce", None), ("echostr", None)];
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name)?;
            let Some((field_name, slot)) = fields.iter_mut().find(|(n, _)| *n == name) else {
                continue;
            };
            if slot.is_some() {
                return Err(Error::MalformedQuery(QueryFault::Duplicate(field_name)));
            }
            *slot = Some(decode(value)?);
        }
        let [(_, msg_signature), (_, timestamp), (_, nonce), (_, echostr)] = fields;
        let required = |value: Option<String>, name| {
            value.ok_or(Error::MalformedQuery(QueryFault::Missing(name)))
        };
        Ok(CallbackQuery {
            msg_signature: required(msg_signature, "msg_signature")?,
            timestamp: required(timestamp, "timestamp")?,
            nonce: required(nonce, "nonce")?,
            echostr,
        })
    }

    /// Answers WeCom's GET URL check with this query: [`MsgCrypt::verify_url`] on its four
    /// parameters.
    ///
    /// [`MsgCrypt::verify_url`]: crate::MsgCrypt::verify_url
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] with [`QueryFault::Missing`]`("echostr")` (`-40002`) if the
    /// query has no `echostr` (a POST's query has none), then the errors of
    /// [`MsgCrypt::verify_url`](crate::MsgCrypt::verify_url).
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};
    /// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let query = CallbackQuery::parse("msg_signature=x&timestamp=1&nonce=2")?;
    /// assert_eq!(query.verify_url(&crypt).unwrap_err().code(), -40002);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn verify_url(&self, crypt: &crate::MsgCrypt) -> Result<String, Error> {
        let echostr =
            self.echostr.as_deref().ok_or(Error::MalformedQuery(QueryFault::Missing("echostr")))?;
        crypt.verify_url(&self.msg_signature, &self.timestamp, &self.nonce, echostr)
    }
}

/// Percent-decodes once; `+` stays `+`.
fn decode(text: &str) -> Result<String, Error> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|value| value.into_owned())
        .map_err(|_| Error::MalformedQuery(QueryFault::NotUtf8))
}
