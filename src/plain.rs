//! Checks that need no key: WeChat's plain `signature`, and the timestamp window.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Stamp;
use crate::crypto::signature::{self, Token};
use crate::error::Error;

/// Verifies WeChat's plain `signature` query parameter: the lowercase hex SHA-1 of the token,
/// timestamp and nonce, sorted bytewise and concatenated, compared in constant time. `stamp`
/// is the request's `timestamp` and `nonce`.
///
/// WeChat 公众号 and 小程序 send it with every request. In plaintext mode it is the only check;
/// in their GET URL check, answer with the `echostr` parameter unchanged once it verifies, but
/// only an echostr-shaped one (digits or letters): the signature does not cover `echostr`, so
/// anything else would be reflected to whoever sent it. (WeCom's URL check is different: use
/// [`MsgCrypt::verify_url`](crate::MsgCrypt::verify_url).) It does not cover the message: in
/// safe mode, check `msg_signature` with the decrypting methods instead.
///
/// # Errors
///
/// [`Error::EmptyToken`] (`-40003`) for an empty token; [`Error::SignatureMismatch`] (`-40001`)
/// if `signature` does not match.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, Stamp, verify_plain_signature};
///
/// // A 公众号 URL check: GET /wechat?signature=…&timestamp=…&nonce=…&echostr=…
/// let (signature, timestamp, nonce, echostr) =
///     ("76480565cbe296026c53aaacd1ad523a1ddba24f", "1409304348", "xxxxxx", "3141592653589793238");
/// verify_plain_signature("pamtest", signature, Stamp::from_parts(timestamp, nonce))?;
/// assert!(echostr.bytes().all(|b| b.is_ascii_alphanumeric()));
/// let body = echostr; // answer 200 with the echostr unchanged
/// assert_eq!(body, "3141592653589793238");
///
/// let wrong_nonce = Stamp::from_parts(timestamp, "yyyyyy");
/// assert_eq!(verify_plain_signature("pamtest", signature, wrong_nonce), Err(Error::SignatureMismatch));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn verify_plain_signature(token: &str, signature: &str, stamp: Stamp<'_>) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::EmptyToken);
    }
    verify_with(&Token::new(token), signature, stamp)
}

/// [`verify_plain_signature`] with a token already checked and kept.
pub(crate) fn verify_with(token: &Token, signature: &str, stamp: Stamp<'_>) -> Result<(), Error> {
    let public = [stamp.timestamp().as_bytes(), stamp.nonce().as_bytes()];
    if signature::verify(token, public, signature) { Ok(()) } else { Err(Error::SignatureMismatch) }
}

/// Checks that a timestamp (decimal seconds since the Unix epoch) is within `max_skew` of
/// `now`, either way: a pure function, the crate reads no clock.
///
/// **Judge freshness on something the signature binds.** The query's `timestamp` is not: the
/// scheme sorts the signed parts and joins them without separators, so a captured request also
/// verifies with its timestamp and nonce swapped or re-split, and a years-old capture whose
/// nonce happens to be a number near "now" passes a check on the query's timestamp. Check the
/// message's own `CreateTime` (inside the ciphertext) where it has one, and the query's
/// timestamp only where it has none. Within the window, refuse what you have already seen
/// (WeCom retries a callback that got no 200 up to three times, about 5 seconds apart: answer
/// the retry with 200, not an error).
///
/// # Errors
///
/// - [`Error::InvalidTimestamp`] (`-40013`, this crate's own code) unless `timestamp` is a
///   decimal number of seconds.
/// - [`Error::TimestampOutOfWindow`] (`-40012`, this crate's own code) if it is more than
///   `max_skew` before or after `now` (or `now` is before 1970).
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use wxbizmsgcrypt::{Error, check_timestamp};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_409_659_900); // in a server: SystemTime::now()
/// let window = Duration::from_secs(300);
/// check_timestamp("1409659813", now, window)?;
/// assert_eq!(check_timestamp("1409659000", now, window), Err(Error::TimestampOutOfWindow));
/// assert_eq!(check_timestamp("yesterday", now, window), Err(Error::InvalidTimestamp));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn check_timestamp(timestamp: &str, now: SystemTime, max_skew: Duration) -> Result<(), Error> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidTimestamp);
    }
    // All digits: the only parse failure left is overflow, which is far outside any window.
    let sent: u64 = timestamp.parse().map_err(|_| Error::TimestampOutOfWindow)?;
    // Whole seconds on both sides, as the timestamp has them.
    let now = now.duration_since(UNIX_EPOCH).map_err(|_| Error::TimestampOutOfWindow)?.as_secs();
    if Duration::from_secs(sent.abs_diff(now)) > max_skew {
        return Err(Error::TimestampOutOfWindow);
    }
    Ok(())
}
