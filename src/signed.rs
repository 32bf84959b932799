//! [`Signed`]: the three signed query parameters of a callback, bundled.

/// The signed parameters of a callback request: `msg_signature`, `timestamp` and `nonce`,
/// URL-decoded once, as [`CallbackQuery::signed`](crate::CallbackQuery::signed) hands them out.
///
/// Bundled so that they travel together: three `&str` in a row invite swaps, and the scheme
/// cannot catch a swapped timestamp and nonce (it sorts the parts before hashing them, so a
/// swapped pair still verifies). Naming the fields makes a call read as itself.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, Signed};
///
/// let query = CallbackQuery::parse("msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780")?;
/// assert_eq!(
///     query.signed(),
///     Signed {
///         msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
///         timestamp: "1409659589",
///         nonce: "263014780",
///     }
/// );
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed<'a> {
    /// `msg_signature`: the SHA-1 over the token, timestamp, nonce and ciphertext.
    pub msg_signature: &'a str,
    /// `timestamp`, as sent (seconds since the Unix epoch). It is *not* bound by the signature
    /// on its own: judge freshness on the message's `CreateTime` where it has one.
    pub timestamp: &'a str,
    /// `nonce`, as sent.
    pub nonce: &'a str,
}
