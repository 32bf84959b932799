//! [`Stamp`]: the timestamp and nonce a message or reply is sent with, bundled.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::signed::Signed;

/// The `timestamp` and `nonce` an outgoing message or reply is signed with and carries in its
/// envelope, as one value: swapped, the two would still sign (the scheme sorts what it hashes),
/// so they never travel as two loose strings.
///
/// A reply is stamped [`new`](Stamp::new) from the time it is made (whole seconds since the
/// Unix epoch) and a nonce; the AI bot's replies echo the request's own timestamp and nonce,
/// [`Signed::stamp`]; a sender (WeCom's side, a test, a vector) writes them as it likes,
/// [`from_parts`](Stamp::from_parts).
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt::{Signed, Stamp};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_409_659_814);
/// let stamp = Stamp::new(now, "42");
/// assert_eq!((stamp.timestamp(), stamp.nonce()), ("1409659814", "42"));
/// assert_eq!(stamp.time(), Some(now));
///
/// let request = Signed { msg_signature: "…", timestamp: "1409659813", nonce: "1372623149" };
/// assert_eq!(request.stamp(), Stamp::from_parts("1409659813", "1372623149"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Stamp<'a> {
    timestamp: Timestamp<'a>,
    nonce: &'a str,
}

/// A timestamp's text: made from a time (its digits kept inline), or given.
#[derive(Clone, Copy)]
enum Timestamp<'a> {
    Seconds { digits: [u8; 20], len: u8 },
    Given(&'a str),
}

impl<'a> Stamp<'a> {
    /// The stamp of something sent at `at`: its timestamp the whole seconds since the Unix
    /// epoch (0 for a time before it), and `nonce`.
    ///
    /// # Example
    ///
    /// See [`Stamp`].
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let stamp = wxbizmsgcrypt::Stamp::new(UNIX_EPOCH + Duration::from_millis(1_700_000_000_999), "n");
    /// assert_eq!(stamp.timestamp(), "1700000000");
    /// ```
    #[must_use]
    pub fn new(at: SystemTime, nonce: &'a str) -> Stamp<'a> {
        let mut seconds = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut digits = [b'0'; 20];
        let mut len = 0u8;
        // Written backwards, then turned: at most 20 digits for a u64.
        for slot in digits.iter_mut() {
            // `% 10` is below 10: the cast keeps it.
            *slot = b'0' + (seconds % 10) as u8;
            len += 1;
            seconds /= 10;
            if seconds == 0 {
                break;
            }
        }
        if let Some(written) = digits.get_mut(..usize::from(len)) {
            written.reverse();
        }
        Stamp { timestamp: Timestamp::Seconds { digits, len }, nonce }
    }

    /// A stamp written as given: a sender's own timestamp and nonce (WeCom's side, a test, a
    /// known vector), or what a reply is to echo.
    ///
    /// # Example
    ///
    /// ```
    /// let stamp = wxbizmsgcrypt::Stamp::from_parts("1409659813", "1372623149");
    /// assert_eq!((stamp.timestamp(), stamp.nonce()), ("1409659813", "1372623149"));
    /// ```
    #[must_use]
    pub fn from_parts(timestamp: &'a str, nonce: &'a str) -> Stamp<'a> {
        Stamp { timestamp: Timestamp::Given(timestamp), nonce }
    }

    /// The timestamp, as it is signed and written.
    ///
    /// # Example
    ///
    /// See [`Stamp`].
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt::Stamp::from_parts("1409659813", "n").timestamp(), "1409659813");
    /// ```
    #[must_use]
    pub fn timestamp(&self) -> &str {
        self.timestamp.text()
    }

    /// The nonce.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt::Stamp::from_parts("1", "n").nonce(), "n");
    /// ```
    #[must_use]
    pub fn nonce(&self) -> &'a str {
        self.nonce
    }

    /// The timestamp as a time, if it is a whole number of seconds since the Unix epoch.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt::Stamp;
    /// assert_eq!(Stamp::from_parts("60", "n").time(), Some(UNIX_EPOCH + Duration::from_secs(60)));
    /// assert_eq!(Stamp::from_parts("soon", "n").time(), None);
    /// ```
    #[must_use]
    pub fn time(&self) -> Option<SystemTime> {
        let text = self.timestamp();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seconds: u64 = text.parse().ok()?;
        UNIX_EPOCH.checked_add(std::time::Duration::from_secs(seconds))
    }
}

impl Timestamp<'_> {
    fn text(&self) -> &str {
        match self {
            Timestamp::Given(text) => text,
            Timestamp::Seconds { digits, len } => {
                // At most 20 ASCII digits, written by `Stamp::new`: neither step can fail. If one
                // did, the timestamp would be empty, which WeCom refuses: never another time.
                let text = digits
                    .get(..usize::from(*len))
                    .and_then(|digits| std::str::from_utf8(digits).ok());
                debug_assert!(text.is_some(), "a stamp's seconds are its own ASCII digits");
                text.unwrap_or_default()
            }
        }
    }
}

impl PartialEq for Timestamp<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Timestamp<'_> {}

impl fmt::Debug for Stamp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stamp")
            .field("timestamp", &self.timestamp())
            .field("nonce", &self.nonce)
            .finish()
    }
}

impl<'a> Signed<'a> {
    /// The request's own timestamp and nonce, for a reply that echoes them (the AI bot's, as
    /// Tencent's plugin answers).
    ///
    /// # Example
    ///
    /// See [`Stamp`].
    ///
    /// ```
    /// use wxbizmsgcrypt::{Signed, Stamp};
    /// let signed = Signed { msg_signature: "…", timestamp: "1700000000", nonce: "n1" };
    /// assert_eq!(signed.stamp(), Stamp::from_parts("1700000000", "n1"));
    /// ```
    #[must_use]
    pub fn stamp(&self) -> Stamp<'a> {
        Stamp::from_parts(self.timestamp, self.nonce)
    }
}
