//! [`CallbackQuery`] and [`PlainQuery`]: the query parameters of a callback request, parsed
//! once and correctly.

use percent_encoding::percent_decode_str;

use crate::error::{Error, QueryFault};
use crate::signed::Signed;
use crate::stamp::Stamp;

/// The query parameters Tencent adds to a callback URL.
///
/// Parse the raw query string with [`CallbackQuery::parse`] (or a whole URL with
/// [`CallbackQuery::parse_url`]): it percent-decodes each value exactly once and leaves `+` as
/// `+` (a callback query is not a form: WeCom sends `+` as `%2B`, and decoding it twice, or as
/// a form, turns it into a space, the most reported cause of `-40001`). Then hand
/// [`signed`](CallbackQuery::signed) to the decrypting call.
///
/// With the `serde` feature it also implements `serde::Deserialize`, so that frameworks'
/// query extractors can build it; they form-decode a raw `+` into a space, which the core reads
/// back as `+` in the ciphertext. Prefer `parse` on the raw query.
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
/// assert_eq!(crypt.verify_url(query.signed(), query.echostr()?)?, "1616140317555161061");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackQuery {
    msg_signature: String,
    timestamp: String,
    nonce: String,
    echostr: Option<String>,
}

/// `Deserialize` as the derive would write it (the three required fields, `echostr` optional,
/// other fields ignored, a field twice refused), on `serde_core` alone: the crate takes no
/// derive macros.
#[cfg(feature = "serde")]
impl<'de> serde_core::Deserialize<'de> for CallbackQuery {
    fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_core::de::{Error as _, IgnoredAny, MapAccess, Visitor};

        const FIELDS: &[&str] = &["msg_signature", "timestamp", "nonce", "echostr"];

        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = CallbackQuery;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a callback query: msg_signature, timestamp, nonce, echostr")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CallbackQuery, A::Error> {
                let mut values: [Option<String>; 4] = [None, None, None, None];
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let Some((_, slot)) =
                        FIELDS.iter().zip(values.iter_mut()).find(|(name, _)| **name == key)
                    else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    if slot.is_some() {
                        return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    *slot = Some(map.next_value()?);
                }
                let [msg_signature, timestamp, nonce, echostr] = values;
                let required = |value: Option<String>, name: &'static str| {
                    value.ok_or_else(|| A::Error::missing_field(name))
                };
                Ok(CallbackQuery {
                    msg_signature: required(msg_signature, "msg_signature")?,
                    timestamp: required(timestamp, "timestamp")?,
                    nonce: required(nonce, "nonce")?,
                    echostr,
                })
            }
        }

        deserializer.deserialize_struct("CallbackQuery", FIELDS, Fields)
    }
}

impl CallbackQuery {
    /// Parses a raw query string, `msg_signature=…&timestamp=…&nonce=…[&echostr=…]`, exactly as
    /// it arrives after the `?` of the request line (axum's `RawQuery`, actix-web's
    /// `HttpRequest::query_string`). Other parameters (WeChat's `signature`, `openid`,
    /// `encrypt_type`, …) are ignored; the order does not matter.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] (`-40002`) with the reason:
    /// - [`QueryFault::RawDelimiter`]: a raw `?` or `#` (a URL, not a query: use
    ///   [`parse_url`](CallbackQuery::parse_url)). Frameworks would split such a string
    ///   differently, so it is refused rather than guessed at.
    /// - [`QueryFault::Missing`]: a required parameter is missing (the plain `signature` is not
    ///   `msg_signature`).
    /// - [`QueryFault::Duplicate`]: a parameter appears twice.
    /// - [`QueryFault::NotUtf8`]: a value does not decode to UTF-8.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{CallbackQuery, Error, QueryFault};
    ///
    /// let q = CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2&openid=o1")?;
    /// assert_eq!((q.msg_signature(), q.timestamp(), q.nonce()), ("ab", "1", "2"));
    ///
    /// let err = CallbackQuery::parse("signature=ab&timestamp=1&nonce=2").unwrap_err();
    /// assert_eq!(err, Error::MalformedQuery(QueryFault::Missing("msg_signature")));
    /// let err = CallbackQuery::parse("msg_signature=ab&timestamp=1?nonce=2").unwrap_err();
    /// assert_eq!(err, Error::MalformedQuery(QueryFault::RawDelimiter('?')));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn parse(raw_query: &str) -> Result<CallbackQuery, Error> {
        let [msg_signature, timestamp, nonce, echostr] =
            parse_fields(raw_query, ["msg_signature", "timestamp", "nonce", "echostr"])?;
        Ok(CallbackQuery {
            msg_signature: required(msg_signature, "msg_signature")?,
            timestamp: required(timestamp, "timestamp")?,
            nonce: required(nonce, "nonce")?,
            echostr,
        })
    }

    /// Parses the query of a whole URL, or of a path with a query: what follows the first `?`,
    /// up to a `#`, read by [`parse`](CallbackQuery::parse).
    ///
    /// # Errors
    ///
    /// The errors of [`parse`](CallbackQuery::parse): a URL without a query lacks
    /// `msg_signature`, and a second `?` inside the query is refused.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::CallbackQuery;
    ///
    /// let q = CallbackQuery::parse_url("https://example.com/callback?msg_signature=ab&timestamp=1&nonce=2#top")?;
    /// assert_eq!(q.signed().nonce, "2");
    /// let q = CallbackQuery::parse_url("/callback?msg_signature=ab&timestamp=1&nonce=2&echostr=e")?;
    /// assert_eq!(q.echostr()?, "e");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn parse_url(url: &str) -> Result<CallbackQuery, Error> {
        let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
        let query = without_fragment.split_once('?').map_or("", |(_, query)| query);
        CallbackQuery::parse(query)
    }

    /// The three signed parameters, for [`MsgCrypt::verify_url`](crate::MsgCrypt::verify_url)
    /// and [`MsgCrypt::decrypt_msg`](crate::MsgCrypt::decrypt_msg) (and the envelope modules).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::CallbackQuery;
    ///
    /// let q = CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2")?;
    /// let signed = q.signed();
    /// assert_eq!((signed.msg_signature, signed.timestamp, signed.nonce), ("ab", "1", "2"));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn signed(&self) -> Signed<'_> {
        Signed {
            msg_signature: &self.msg_signature,
            timestamp: &self.timestamp,
            nonce: &self.nonce,
        }
    }

    /// `msg_signature`, decoded.
    ///
    /// # Example
    ///
    /// ```
    /// let q = wxbizmsgcrypt::CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(q.msg_signature(), "ab");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn msg_signature(&self) -> &str {
        &self.msg_signature
    }

    /// `timestamp`, decoded, as sent. Not bound by the signature on its own: see
    /// [`check_timestamp`](crate::check_timestamp).
    ///
    /// # Example
    ///
    /// ```
    /// let q = wxbizmsgcrypt::CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(q.timestamp(), "1");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// `nonce`, decoded, as sent.
    ///
    /// # Example
    ///
    /// ```
    /// let q = wxbizmsgcrypt::CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(q.nonce(), "2");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// `echostr`, decoded: present on the GET URL check only.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] with [`QueryFault::Missing`]`("echostr")` (`-40002`) if the
    /// query has none (a POST's query has none).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{CallbackQuery, Error, QueryFault};
    ///
    /// let get = CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2&echostr=P9n")?;
    /// assert_eq!(get.echostr()?, "P9n");
    /// let post = CallbackQuery::parse("msg_signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(post.echostr(), Err(Error::MalformedQuery(QueryFault::Missing("echostr"))));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn echostr(&self) -> Result<&str, Error> {
        self.echostr.as_deref().ok_or(Error::MalformedQuery(QueryFault::Missing("echostr")))
    }
}

/// The values of the parameters `names` in `raw_query`, each percent-decoded once; other
/// parameters ignored.
pub(crate) fn parse_fields<const N: usize>(
    raw_query: &str,
    names: [&'static str; N],
) -> Result<[Option<String>; N], Error> {
    if let Some(delimiter) = raw_query.chars().find(|&c| c == '?' || c == '#') {
        return Err(Error::MalformedQuery(QueryFault::RawDelimiter(delimiter)));
    }
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    for pair in raw_query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name)?;
        let Some((field_name, slot)) =
            names.iter().zip(values.iter_mut()).find(|(n, _)| **n == name)
        else {
            continue;
        };
        if slot.is_some() {
            return Err(Error::MalformedQuery(QueryFault::Duplicate(field_name)));
        }
        *slot = Some(decode(value)?);
    }
    Ok(values)
}

/// `value`, or the fault of a missing parameter `name`.
fn required(value: Option<String>, name: &'static str) -> Result<String, Error> {
    value.ok_or(Error::MalformedQuery(QueryFault::Missing(name)))
}

/// The query of a WeChat request checked by its plain `signature` (the SHA-1 of the token,
/// timestamp and nonce, which covers nothing else): the URL check of 公众号 and 小程序 in every
/// mode, and every request in plaintext mode.
///
/// Parsed like [`CallbackQuery`]: each value percent-decoded exactly once, `+` kept as `+`,
/// other parameters (`openid`, `encrypt_type`, `msg_signature`, …) ignored. Check it with
/// [`MsgCrypt::verify_plain_signature`](crate::MsgCrypt::verify_plain_signature) (or
/// [`verify_plain_signature`](crate::verify_plain_signature) with the token, in plaintext
/// mode), then answer a URL check with [`echostr`](PlainQuery::echostr).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{PlainQuery, verify_plain_signature};
///
/// // A 公众号 URL check (WeChat's documented sample), as its request line brings it.
/// let query = PlainQuery::parse("signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx&echostr=3141592653589793238")?;
/// verify_plain_signature("pamtest", query.signature(), query.stamp())?;
/// assert_eq!(query.echostr()?, "3141592653589793238"); // answer 200 with exactly this
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainQuery {
    signature: String,
    timestamp: String,
    nonce: String,
    echostr: Option<String>,
}

impl PlainQuery {
    /// Parses a raw query string, `signature=…&timestamp=…&nonce=…[&echostr=…]`, exactly as it
    /// arrives after the `?` of the request line.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] (`-40002`) with the reason, as for [`CallbackQuery::parse`]:
    /// a raw `?` or `#`, a missing or duplicate parameter, a value that is not UTF-8.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{Error, PlainQuery, QueryFault};
    ///
    /// let q = PlainQuery::parse("signature=ab&timestamp=1&nonce=2&openid=o1")?;
    /// assert_eq!((q.signature(), q.stamp().timestamp(), q.stamp().nonce()), ("ab", "1", "2"));
    /// let err = PlainQuery::parse("msg_signature=ab&timestamp=1&nonce=2").unwrap_err();
    /// assert_eq!(err, Error::MalformedQuery(QueryFault::Missing("signature")));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn parse(raw_query: &str) -> Result<PlainQuery, Error> {
        let [signature, timestamp, nonce, echostr] =
            parse_fields(raw_query, ["signature", "timestamp", "nonce", "echostr"])?;
        Ok(PlainQuery {
            signature: required(signature, "signature")?,
            timestamp: required(timestamp, "timestamp")?,
            nonce: required(nonce, "nonce")?,
            echostr,
        })
    }

    /// `signature`, decoded.
    ///
    /// # Example
    ///
    /// ```
    /// let q = wxbizmsgcrypt::PlainQuery::parse("signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(q.signature(), "ab");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// `timestamp` and `nonce`, decoded, as sent: what the signature covers.
    ///
    /// # Example
    ///
    /// ```
    /// let q = wxbizmsgcrypt::PlainQuery::parse("signature=ab&timestamp=1&nonce=2")?;
    /// assert_eq!(q.stamp(), wxbizmsgcrypt::Stamp::from_parts("1", "2"));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn stamp(&self) -> Stamp<'_> {
        Stamp::from_parts(&self.timestamp, &self.nonce)
    }

    /// The `echostr` to answer a URL check with, once the signature verified: as sent, if it
    /// is echostr-shaped (1 to 128 ASCII letters, digits, `-` or `_`). The plain signature does
    /// not cover `echostr`, so anything else would be reflected to whoever sent it.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedQuery`] with [`QueryFault::Missing`]`("echostr")` (`-40002`) if the
    /// query has none (a POST's has none); [`Error::NotAnEchostr`] (`-40014`) if it is not
    /// echostr-shaped.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{Error, PlainQuery};
    ///
    /// let q = PlainQuery::parse("signature=ab&timestamp=1&nonce=2&echostr=3141592653589793238")?;
    /// assert_eq!(q.echostr()?, "3141592653589793238");
    /// let q = PlainQuery::parse("signature=ab&timestamp=1&nonce=2&echostr=%3Cscript%3E")?;
    /// assert_eq!(q.echostr(), Err(Error::NotAnEchostr));
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn echostr(&self) -> Result<&str, Error> {
        let echostr =
            self.echostr.as_deref().ok_or(Error::MalformedQuery(QueryFault::Missing("echostr")))?;
        if is_echostr(echostr.as_bytes()) { Ok(echostr) } else { Err(Error::NotAnEchostr) }
    }
}

/// 1 to 128 ASCII letters, digits, `-` or `_`: what Tencent's URL checks send as echostr, and
/// all a URL check may answer with.
pub(crate) fn is_echostr(bytes: &[u8]) -> bool {
    // WeCom's echostrs are 19 digits or so; 128 leaves room for any platform's, and none of
    // them is a message.
    const ECHOSTR_MAX: usize = 128;
    !bytes.is_empty()
        && bytes.len() <= ECHOSTR_MAX
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Percent-decodes once; `+` stays `+`.
fn decode(text: &str) -> Result<String, Error> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|value| value.into_owned())
        .map_err(|_| Error::MalformedQuery(QueryFault::NotUtf8))
}
