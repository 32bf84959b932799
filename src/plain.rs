//! Checks that need no key: WeChat's plain `signature`, and the timestamp window.

use crate::Error;
use crate::crypto::signature;

/// Verifies WeChat's plain `signature` query parameter: the lowercase hex SHA-1 of the token,
/// timestamp and nonce, sorted bytewise and concatenated, compared in constant time.
///
/// WeChat 公众号 and 小程序 send it with every request. In plaintext mode it is the only check;
/// in their GET URL check, answer with the `echostr` parameter **unchanged** once it verifies
/// (WeCom's URL check is different: use [`MsgCrypt::verify_url`](crate::MsgCrypt::verify_url)).
/// It does not cover the message: in safe mode, check `msg_signature` with the decrypting
/// methods instead.
///
/// # Errors
///
/// [`Error::EmptyToken`] (`-40003`) for an empty token; [`Error::SignatureMismatch`] (`-40001`)
/// if `signature` does not match.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, verify_signature};
///
/// // A 公众号 URL check: GET /wechat?signature=…&timestamp=…&nonce=…&echostr=…
/// let (signature, timestamp, nonce, echostr) =
///     ("76480565cbe296026c53aaacd1ad523a1ddba24f", "1409304348", "xxxxxx", "3141592653589793238");
/// verify_signature("pamtest", signature, timestamp, nonce)?;
/// let body = echostr; // answer 200 with the echostr unchanged
/// # assert_eq!(body, "3141592653589793238");
///
/// assert_eq!(verify_signature("pamtest", signature, timestamp, "yyyyyy"), Err(Error::SignatureMismatch));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn verify_signature(
    token: &str,
    signature: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::EmptyToken);
    }
    let parts = [token.as_bytes(), timestamp.as_bytes(), nonce.as_bytes()];
    if signature::verify(parts, signature) { Ok(()) } else { Err(Error::SignatureMismatch) }
}

/// Checks that a callback's `timestamp` is within `max_skew_secs` of `now_unix_secs`, either
/// way: a pure function, the crate reads no clock.
///
/// The timestamp is covered by `msg_signature`, so once the signature has verified a replayed
/// request can only be replayed within the window. To refuse replays inside it too, remember
/// the `msg_signature` (or the message's `MsgId`) of every request accepted in the last
/// `2 × max_skew_secs` and refuse a second one; that needs storage, so it stays with you.
/// WeCom retries a callback that got no 200 up to three times, with the same timestamp, within
/// about 15 seconds: keep the window well above that (300 seconds is a common choice) and
/// answer a duplicate with 200 rather than an error.
///
/// # Errors
///
/// - [`Error::TimestampInvalid`] (`-40013`, this crate's own code) unless `timestamp` is a
///   decimal number of seconds.
/// - [`Error::TimestampOutOfWindow`] (`-40012`, this crate's own code) if it is more than
///   `max_skew_secs` before or after `now_unix_secs`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, check_timestamp};
///
/// let now = 1_409_659_900; // in a server: SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs()
/// check_timestamp("1409659813", now, 300)?;
/// assert_eq!(check_timestamp("1409659000", now, 300), Err(Error::TimestampOutOfWindow));
/// assert_eq!(check_timestamp("yesterday", now, 300), Err(Error::TimestampInvalid));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn check_timestamp(
    timestamp: &str,
    now_unix_secs: u64,
    max_skew_secs: u64,
) -> Result<(), Error> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::TimestampInvalid);
    }
    // All digits: the only parse failure left is overflow, which is far outside any window.
    let sent: u64 = timestamp.parse().map_err(|_| Error::TimestampOutOfWindow)?;
    if sent.abs_diff(now_unix_secs) > max_skew_secs {
        return Err(Error::TimestampOutOfWindow);
    }
    Ok(())
}
