//! Rendering the XML reply envelope: the official template's bytes for ordinary values,
//! well-formed XML for any value.

use crate::EncryptedMsg;
use crate::crypto::signature::Signature;
use crate::error::Error;
use crate::strict_xml::{push_cdata_or_text, push_text};

/// Renders an encrypted message as the official XML envelope.
///
/// For ordinary values the bytes are exactly those of Tencent's Python and Java libraries:
///
/// ```text
/// <xml>
/// <Encrypt><![CDATA[E]]></Encrypt>
/// <MsgSignature><![CDATA[S]]></MsgSignature>
/// <TimeStamp>T</TimeStamp>
/// <Nonce><![CDATA[N]]></Nonce>
/// </xml>
/// ```
///
/// (no newline after `</xml>`). Unlike the official libraries it always produces well-formed XML
/// that reads back to the same values: a value that cannot sit in CDATA (it contains `]]>` or a
/// carriage return) is written as escaped text instead, and the timestamp is escaped.
///
/// # Errors
///
/// [`Error::ReplyFieldNotRepresentable`] (`-40011`) if a value contains a character XML 1.0
/// cannot carry at all (a control character other than tab, newline and carriage return), or
/// the timestamp and nonce are so much escaped markup that
/// [`read_encrypt`](super::read_encrypt) would refuse the body.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Stamp, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let reply = crypt.encrypt_msg("<xml>...</xml>", Stamp::from_parts("1409659813", "1372623149"))?;
/// let body = xml::render_reply(&reply)?;
/// assert_eq!(
///     body,
///     format!(
///         "<xml>\n<Encrypt><![CDATA[{}]]></Encrypt>\n<MsgSignature><![CDATA[{}]]></MsgSignature>\n\
///          <TimeStamp>1409659813</TimeStamp>\n<Nonce><![CDATA[1372623149]]></Nonce>\n</xml>",
///         reply.encrypt(),
///         reply.msg_signature()
///     )
/// );
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn render_reply(msg: &EncryptedMsg) -> Result<String, Error> {
    let mut out = String::with_capacity(
        ENCRYPT_OPEN.len() + msg.encrypt().len() + room_after(msg.timestamp(), msg.nonce()),
    );
    out.push_str(ENCRYPT_OPEN);
    push_cdata_or_text(&mut out, msg.encrypt())?;
    out.push_str(ENCRYPT_CLOSE);
    push_cdata_or_text(&mut out, msg.msg_signature())?;
    push_timestamp_and_nonce(&mut out, msg.timestamp(), msg.nonce())?;
    ensure_readable(&out, msg.timestamp(), msg.nonce())?;
    Ok(out)
}

/// Checks that a body whose timestamp or nonce had to be escaped reads back: escaped values
/// are markup (a reference per `&`, `<`, `>`, `'`, `"` or carriage return, as quick-xml's
/// `escape` and [`push_text`] write them), and the envelope reader bounds markup before the
/// signature is checked, so a value made mostly of them would give a body no reader of this
/// crate takes. Ordinary values (digits, letters) skip the check.
pub(super) fn ensure_readable(body: &str, timestamp: &str, nonce: &str) -> Result<(), Error> {
    let plain = |value: &str| {
        !value.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'\'' | b'"' | b'\r' | b']'))
    };
    if plain(timestamp) && plain(nonce) {
        return Ok(());
    }
    super::read_encrypt(body).map(|_| ()).map_err(|_| Error::ReplyFieldNotRepresentable)
}

const ENCRYPT_OPEN: &str = "<xml>\n<Encrypt>";
const ENCRYPT_CLOSE: &str = "</Encrypt>\n<MsgSignature>";
/// What [`render_reply`] writes around a ciphertext, which base64 makes always fit in CDATA:
/// [`encrypt_reply`] has the ciphertext written straight between them.
pub(super) const ENCRYPT_CDATA_OPEN: &str = "<xml>\n<Encrypt><![CDATA[";
pub(super) const ENCRYPT_CDATA_CLOSE: &str = "]]></Encrypt>\n<MsgSignature>";

/// Room for what follows the ciphertext: 154 bytes of markup and signature, and the timestamp
/// and nonce as they are when they need no escaping (escaped values only cost a reallocation).
pub(super) fn room_after(timestamp: &str, nonce: &str) -> usize {
    160usize.saturating_add(timestamp.len()).saturating_add(nonce.len())
}

/// A signature we computed: hex, which always fits in CDATA as it is.
pub(super) fn push_our_signature(out: &mut String, signature: &Signature) {
    out.push_str("<![CDATA[");
    signature.push_to(out);
    out.push_str("]]>");
}

/// Everything after the signature: the timestamp and nonce, and the end tags.
pub(super) fn push_timestamp_and_nonce(
    out: &mut String,
    timestamp: &str,
    nonce: &str,
) -> Result<(), Error> {
    out.push_str("</MsgSignature>\n<TimeStamp>");
    push_text(out, timestamp)?;
    out.push_str("</TimeStamp>\n<Nonce>");
    push_cdata_or_text(out, nonce)?;
    out.push_str("</Nonce>\n</xml>");
    Ok(())
}
