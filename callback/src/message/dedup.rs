//! [`DedupKey`]: one key for a callback and its retries, another for every other callback.

use std::fmt::{self, Write as _};

use sha1::{Digest, Sha1};

use super::{Element, Message};

/// The key to de-duplicate a callback on: equal for WeCom's retries of one callback (up to
/// three, with the same plaintext), different for different callbacks. [`Message::dedup_key`]
/// builds it.
///
/// It is text: a kind tag, the fields that identify the callback, and, where no id does it
/// alone, a digest of the whole message (the first 64 bits of SHA-1 over the tree of elements,
/// each element's name, text and its children's digests, the children's in sorted order, so
/// that the order of elements does not matter). The raw body is never the key: the same
/// ciphertext verifies in many spellings, and a retry is encrypted afresh.
///
/// It holds field values and user ids in clear: use it inside the application, but do not
/// make it a store key or a log field as it is. The [`endpoint`](crate::endpoint) keys it
/// with a secret first ([`endpoint::StoreKey`](crate::endpoint::StoreKey)), and that is what
/// its stores and hooks see.
///
/// | kind | key |
/// |---|---|
/// | a message with `MsgId` (`MsgID`) | `msg:` `ToUserName` `:` `AgentID` `:` `MsgId` |
/// | an event | `event:` `ToUserName` `:` `AgentID` `:` `FromUserName` `:` `CreateTime` `:` `Event` `:` `ChangeType` `:` `EventKey` `:` digest |
/// | an instruction callback | `info:` `SuiteId` or `AppId` `:` `InfoType` `:` `TimeStamp` or `CreateTime` `:` `AuthCorpId` or `AuthorizerAppid` `:` digest |
/// | anything else | `other:` `ToUserName` `:` `FromUserName` `:` `CreateTime` `:` digest |
///
/// Messages are told apart by `MsgId` alone, as Tencent recommends (公众号: "关于重试的消息排重，
/// 推荐使用msgid排重"; events "推荐使用FromUserName + CreateTime 排重"): a retry is the same
/// message even if its plaintext were rendered anew.
///
/// The digest is what tells apart two events of the same kind, sender and second that differ
/// elsewhere: two `change_contact` updates of different users (`UserID`), two clicks
/// (`EventKey`), two template-card events (`TaskId`, `ResponseCode`), two batch jobs
/// (`JobId`). A field missing is empty in the key; in a field, `%`, `:`, control characters,
/// line separators and invisible formatting characters are percent-encoded (`%3A`), so the key
/// is one printable line whose parts can be told apart; a field over 128 bytes is replaced by
/// `#` and a 64-bit digest of it, so the key stays short.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::Message;
///
/// let text = Message::parse("<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>")?;
/// assert_eq!(text.dedup_key().as_str(), "msg:ww1:1:1234567890123456");
///
/// let click = |key: &str| Message::parse(&format!(
///     "<xml><ToUserName>ww1</ToUserName><FromUserName>u1</FromUserName><CreateTime>1</CreateTime>\
///      <MsgType>event</MsgType><Event>click</Event><EventKey>{key}</EventKey></xml>"
/// ));
/// assert_eq!(click("a")?.dedup_key(), click("a")?.dedup_key());
/// assert_ne!(click("a")?.dedup_key(), click("b")?.dedup_key());
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey(String);

impl DedupKey {
    /// The key as text.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><MsgType>text</MsgType><MsgId>7</MsgId></xml>")?;
    /// assert!(message.dedup_key().as_str().starts_with("msg:"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key of the crate's own making from parts (the AI bot's keys share the format).
    ///
    /// In a part, `%`, `:`, control characters, whitespace other than the space, and the
    /// invisible formatting characters (bidirectional overrides, zero-width characters) are
    /// percent-encoded, so that the parts can be told apart and the key is one printable line.
    /// A part of more than [`PART_MAX_BYTES`] is replaced by `#` and a digest of it, so that the
    /// key stays short whatever the sender put in a field.
    pub(crate) fn from_parts(kind: &str, parts: &[&str]) -> DedupKey {
        let mut key = String::from(kind);
        for part in parts {
            key.push(':');
            if part.len() > PART_MAX_BYTES {
                key.push('#');
                key.push_str(&digest64(part.as_bytes()));
                continue;
            }
            for c in part.chars() {
                if must_encode(c) {
                    for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                        key.push_str(&format!("%{byte:02X}"));
                    }
                } else {
                    key.push(c);
                }
            }
        }
        DedupKey(key)
    }
}

/// The longest part a key holds as it is; longer ones are digested.
const PART_MAX_BYTES: usize = 128;

/// Whether a character would make the key ambiguous, more than one line, or read otherwise
/// than it is.
fn must_encode(c: char) -> bool {
    c == '%'
        || c == ':'
        || c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Bytes as lowercase hex digits, two per byte.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(bytes.len().saturating_mul(2));
    for byte in bytes {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The first 64 bits of a digest, as 16 lowercase hex digits.
fn hex64(digest: &[u8]) -> String {
    lower_hex(digest.get(..8).unwrap_or(digest))
}

/// The first 64 bits of SHA-1 over `bytes`, as 16 lowercase hex digits: the digest a key
/// holds where an id does not tell callbacks apart.
pub(crate) fn digest64(bytes: &[u8]) -> String {
    hex64(&Sha1::digest(bytes))
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Message {
    /// The key to de-duplicate this callback on: see [`DedupKey`] for the rule per kind.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::Message;
    ///
    /// let update = |user: &str| Message::parse(&format!(
    ///     "<xml><ToUserName></ToUserName><FromUserName>sys</FromUserName><CreateTime>1640333986</CreateTime><MsgType>event</MsgType>\
    ///      <Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>{user}</UserID></xml>"
    /// ));
    /// // Two users changed in the same second: two callbacks.
    /// assert_ne!(update("zhangsan")?.dedup_key(), update("lisi")?.dedup_key());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn dedup_key(&self) -> DedupKey {
        let field = |name: &str| self.get(name).unwrap_or_default();
        let is_event = self.msg_type().is_some_and(|t| t.eq_ignore_ascii_case("event"));
        // As sent: most are 64-bit integers, some WeCom ids are base64 text (WxJava's
        // testMsgIdStringAndNumericFormats).
        let msg_id = self.get("MsgId").or_else(|| self.get("MsgID")).filter(|id| !id.is_empty());
        if let (false, Some(msg_id)) = (is_event, msg_id) {
            return DedupKey::from_parts("msg", &[field("ToUserName"), field("AgentID"), msg_id]);
        }
        let digest = digest(self.root());
        if is_event {
            return DedupKey::from_parts(
                "event",
                &[
                    field("ToUserName"),
                    field("AgentID"),
                    field("FromUserName"),
                    field("CreateTime"),
                    field("Event"),
                    field("ChangeType"),
                    field("EventKey"),
                    &digest,
                ],
            );
        }
        if self.msg_type().is_none() && self.info_type().is_some() {
            let or = |a: &str, b: &str| self.get(a).or_else(|| self.get(b)).unwrap_or_default();
            return DedupKey::from_parts(
                "info",
                &[
                    or("SuiteId", "AppId"),
                    field("InfoType"),
                    or("TimeStamp", "CreateTime"),
                    or("AuthCorpId", "AuthorizerAppid"),
                    &digest,
                ],
            );
        }
        DedupKey::from_parts(
            "other",
            &[field("ToUserName"), field("FromUserName"), field("CreateTime"), &digest],
        )
    }
}

/// The first 64 bits of a digest of the tree under `root`, as 16 lowercase hex digits: an
/// element's digest is SHA-1 over its name, its text (each length-prefixed) and its children's
/// digests *sorted*, so that no two trees give the same input and the order of elements does
/// not matter (a retry rendered with its fields in another order is the same callback).
/// Post-order, with a stack of its own: no recursion on the sender's nesting.
fn digest(root: Element<'_>) -> String {
    struct Frame<'m, I> {
        element: Element<'m>,
        children: I,
        digests: Vec<[u8; 20]>,
    }
    fn frame<'m>(element: Element<'m>) -> Frame<'m, impl Iterator<Item = Element<'m>> + use<'m>> {
        Frame { element, children: element.children(), digests: Vec::new() }
    }
    fn finish<I>(frame: Frame<'_, I>) -> [u8; 20] {
        let Frame { element, mut digests, .. } = frame;
        digests.sort_unstable();
        let mut hasher = Sha1::new();
        let name = element.name();
        hasher.update((name.len() as u64).to_be_bytes());
        hasher.update(name);
        match element.text() {
            Some(text) => {
                hasher.update([1]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text);
            }
            None => hasher.update([0]),
        }
        hasher.update((digests.len() as u64).to_be_bytes());
        for digest in &digests {
            hasher.update(digest);
        }
        hasher.finalize().into()
    }
    let mut current = frame(root);
    let mut parents = Vec::new();
    loop {
        if let Some(child) = current.children.next() {
            parents.push(std::mem::replace(&mut current, frame(child)));
            continue;
        }
        let digest = finish(current);
        match parents.pop() {
            Some(parent) => {
                current = parent;
                current.digests.push(digest);
            }
            None => return hex64(&digest),
        }
    }
}
