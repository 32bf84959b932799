//! Calls that give up a guarantee, quarantined under a name that says so.
//!
//! Nothing here is needed to serve callbacks. It exists for known-answer tests and for
//! reproducing a ciphertext byte for byte.

use crate::error::Error;
use crate::msg_crypt::EncryptedMsg;
use crate::{MsgCrypt, Stamp};

/// Encrypts like [`MsgCrypt::encrypt_msg`] with the caller's 16 "random" bytes instead of fresh
/// ones from a CSPRNG: deterministic, for tests and known-answer checks.
///
/// Dangerous because the 16 bytes are the only thing that makes two encryptions of the same
/// message differ: reused, they let an observer see that two messages share their first blocks.
///
/// # Errors
///
/// The errors of [`MsgCrypt::encrypt_msg`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Stamp, dangerous};
///
/// // The official WeChat Java sample (WXBizMsgCryptTest.testAesEncrypt).
/// let crypt = MsgCrypt::new("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")?;
/// let sent = dangerous::encrypt_msg_with_random(&crypt, "我是中文abcd123", Stamp::from_parts("1409304348", "xxxxxx"), b"aaaabbbbccccdddd")?;
/// assert_eq!(
///     sent.encrypt(),
///     "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
/// );
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_msg_with_random(
    crypt: &MsgCrypt,
    msg: &str,
    stamp: Stamp<'_>,
    random: &[u8; 16],
) -> Result<EncryptedMsg, Error> {
    crypt.sender()?.seal(msg, random, stamp)
}
