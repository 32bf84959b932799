//! The XML envelope: WeCom apps, WeChat 公众号 and most 小程序 pushes.
//!
//! Reading takes the `Encrypt` value out of a callback body; rendering writes the reply envelope
//! in the official template. Neither knows anything of AES: [`decrypt_msg`] and
//! [`encrypt_reply`] join them with the core.
//!
//! ```text
//! <xml><ToUserName><![CDATA[corpid]]></ToUserName><Encrypt><![CDATA[…]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>
//! ```

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesText, Event};

use crate::crypto::signature::Signature;
use crate::error::{EnvelopeFault, Error};
use crate::{Decrypted, EncryptedMsg, MsgCrypt, Signed};

/// Verifies and decrypts an XML callback body: reads its `Encrypt` value with [`read_encrypt`]
/// and passes it to [`MsgCrypt::decrypt_msg`].
///
/// # Errors
///
/// [`Error::MalformedEnvelope`] (`-40002`) for a body [`read_encrypt`] refuses, then every error
/// of [`MsgCrypt::decrypt_msg`], in its order.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, MsgCrypt, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// // The official WeCom sample request.
/// let query = CallbackQuery::parse("msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149")?;
/// let body = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";
/// let decrypted = xml::decrypt_msg(&crypt, query.signed(), body)?;
/// assert!(decrypted.message().contains("<Content><![CDATA[hello]]></Content>"));
/// assert_eq!(decrypted.receive_id(), "wx5823bf96d3bd56c7");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn decrypt_msg(crypt: &MsgCrypt, signed: Signed<'_>, body: &str) -> Result<Decrypted, Error> {
    let encrypt = read_encrypt(body)?;
    crypt.decrypt_msg(signed, &encrypt)
}

/// Encrypts a reply to `to` (with the key that opened it, the receive id it carried and the
/// token that verified it) and renders the XML reply envelope: the body of a passive reply.
///
/// The ciphertext is written straight into the body, which is the only allocation. The bytes
/// are those of [`render_reply`].
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more, then
/// [`Error::ReplyFieldNotRepresentable`] (`-40011`) if `timestamp` or `nonce` holds a character
/// XML cannot carry.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("<xml>...</xml>", "1409659813", "1372623149")?; // WeCom's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = xml::encrypt_reply(&decrypted, "<xml>...</xml>", "1409659814", "42")?;
/// assert!(body.starts_with("<xml>\n<Encrypt><![CDATA["));
/// assert!(body.ends_with("<TimeStamp>1409659814</TimeStamp>\n<Nonce><![CDATA[42]]></Nonce>\n</xml>"));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply(
    to: &Decrypted,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
    let mut out = String::with_capacity(
        ENCRYPT_CDATA_OPEN
            .len()
            .saturating_add(to.ciphertext_len(reply))
            .saturating_add(room_after(timestamp, nonce)),
    );
    out.push_str(ENCRYPT_CDATA_OPEN);
    let signature = to.seal_appending(reply, timestamp, nonce, &mut out)?;
    out.push_str(ENCRYPT_CDATA_CLOSE);
    push_our_signature(&mut out, &signature);
    push_timestamp_and_nonce(&mut out, timestamp, nonce)?;
    Ok(out)
}

/// Reads the `Encrypt` value out of an XML callback body.
///
/// `Encrypt` must be a direct child of the root element, once. Its text may be CDATA or plain
/// text with character or predefined entity references (`&#43;` is `+`); whitespace around it
/// is not part of it. An XML declaration, comments, indentation, other elements and their order
/// do not matter. The result borrows from `body` unless a reference had to be resolved.
///
/// # Errors
///
/// [`Error::MalformedEnvelope`] (`-40002`), with the reason: the body is not well-formed XML
/// ([`EnvelopeFault::NotWellFormed`]), it has a DOCTYPE ([`EnvelopeFault::DoctypeForbidden`]:
/// entities are never expanded nor fetched), the root has no `Encrypt` child
/// ([`EnvelopeFault::MissingEncrypt`], also when `Encrypt` is only nested deeper), more than one
/// ([`EnvelopeFault::DuplicateEncrypt`]), or `Encrypt` has child elements
/// ([`EnvelopeFault::EncryptNotText`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::xml::read_encrypt;
///
/// let body = "<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt>\n    <![CDATA[AbC+/=]]>\n  </Encrypt>\n</xml>";
/// assert_eq!(read_encrypt(body)?, "AbC+/=");
/// assert_eq!(read_encrypt("<xml><Encrypt>AbC&#43;/=</Encrypt></xml>")?, "AbC+/=");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn read_encrypt(body: &str) -> Result<Cow<'_, str>, Error> {
    let mut reader = Reader::from_str(body);
    reader.config_mut().check_comments = true;
    let mut scan = Scan::default();
    loop {
        match reader.read_event().map_err(|_| not_well_formed())? {
            Event::DocType(_) => {
                return Err(Error::MalformedEnvelope(EnvelopeFault::DoctypeForbidden));
            }
            Event::Start(element) => scan.element(element.name().as_ref(), true)?,
            Event::Empty(element) => scan.element(element.name().as_ref(), false)?,
            Event::End(_) => scan.end()?,
            Event::Text(text) => scan.character_data(text.into_inner(), is_xml_whitespace)?,
            Event::CData(cdata) => scan.character_data(cdata.into_inner(), |_| false)?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .map(Cow::Borrowed)
                        .ok_or_else(not_well_formed)?,
                    Err(_) => return Err(not_well_formed()),
                };
                scan.character_data(resolved, |_| false)?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return scan.finish(),
        }
    }
}

fn not_well_formed() -> Error {
    Error::MalformedEnvelope(EnvelopeFault::NotWellFormed)
}

/// Where [`read_encrypt`] is in the document, and what it has found.
#[derive(Default)]
struct Scan<'a> {
    depth: usize,
    seen_root: bool,
    in_encrypt: bool,
    /// The character data of `Encrypt` so far: the first piece apart, so that the usual
    /// single piece (one CDATA section) costs no allocation.
    first_piece: Option<Cow<'a, str>>,
    more_pieces: Vec<Cow<'a, str>>,
    found: Option<Cow<'a, str>>,
}

impl<'a> Scan<'a> {
    /// A start tag (`has_content`) or an empty-element tag.
    fn element(&mut self, name: &str, has_content: bool) -> Result<(), Error> {
        let is_encrypt = self.depth == 1 && name == "Encrypt";
        if self.depth == 0 {
            if self.seen_root {
                return Err(not_well_formed());
            }
            self.seen_root = true;
        } else if self.in_encrypt {
            return Err(Error::MalformedEnvelope(EnvelopeFault::EncryptNotText));
        } else if is_encrypt && self.found.is_some() {
            return Err(Error::MalformedEnvelope(EnvelopeFault::DuplicateEncrypt));
        }
        if has_content {
            self.depth += 1;
            self.in_encrypt = is_encrypt;
        } else if is_encrypt {
            self.found = Some(Cow::Borrowed(""));
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), Error> {
        self.depth = self.depth.checked_sub(1).ok_or_else(not_well_formed)?;
        if self.in_encrypt {
            self.in_encrypt = false;
            self.found =
                Some(join_trimmed(self.first_piece.take(), std::mem::take(&mut self.more_pieces)));
        }
        Ok(())
    }

    /// Text, CDATA or a resolved reference. Outside the root only whitespace is allowed.
    fn character_data(
        &mut self,
        data: Cow<'a, str>,
        allowed_outside_root: impl Fn(&str) -> bool,
    ) -> Result<(), Error> {
        if self.depth == 0 && !allowed_outside_root(&data) {
            return Err(not_well_formed());
        }
        if self.in_encrypt {
            if self.first_piece.is_none() {
                self.first_piece = Some(data);
            } else {
                self.more_pieces.push(data);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Cow<'a, str>, Error> {
        if self.depth != 0 || !self.seen_root {
            return Err(not_well_formed());
        }
        self.found.ok_or(Error::MalformedEnvelope(EnvelopeFault::MissingEncrypt))
    }
}

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
/// cannot carry at all (a control character other than tab, newline and carriage return).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let reply = crypt.encrypt_msg("<xml>...</xml>", "1409659813", "1372623149")?;
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
    Ok(out)
}

const ENCRYPT_OPEN: &str = "<xml>\n<Encrypt>";
const ENCRYPT_CLOSE: &str = "</Encrypt>\n<MsgSignature>";
/// What [`render_reply`] writes around a ciphertext, which base64 makes always fit in CDATA:
/// [`encrypt_reply`] has the ciphertext written straight between them.
const ENCRYPT_CDATA_OPEN: &str = "<xml>\n<Encrypt><![CDATA[";
const ENCRYPT_CDATA_CLOSE: &str = "]]></Encrypt>\n<MsgSignature>";

/// Room for what follows the ciphertext: 154 bytes of markup and signature, and the timestamp
/// and nonce as they are when they need no escaping (escaped values only cost a reallocation).
fn room_after(timestamp: &str, nonce: &str) -> usize {
    160usize.saturating_add(timestamp.len()).saturating_add(nonce.len())
}

/// A signature we computed: hex, which always fits in CDATA as it is.
fn push_our_signature(out: &mut String, signature: &Signature) {
    out.push_str("<![CDATA[");
    signature.push_to(out);
    out.push_str("]]>");
}

/// Everything after the signature: the timestamp and nonce, and the end tags.
fn push_timestamp_and_nonce(out: &mut String, timestamp: &str, nonce: &str) -> Result<(), Error> {
    out.push_str("</MsgSignature>\n<TimeStamp>");
    push_text(out, timestamp)?;
    out.push_str("</TimeStamp>\n<Nonce>");
    push_cdata_or_text(out, nonce)?;
    out.push_str("</Nonce>\n</xml>");
    Ok(())
}

/// CDATA as the official template has it, unless the value cannot survive CDATA unchanged.
fn push_cdata_or_text(out: &mut String, value: &str) -> Result<(), Error> {
    // The usual field (a base64 ciphertext, a hex signature, a numeric nonce) passes the first,
    // vectorized test and needs no other: no `]]>`, no carriage return, no control character.
    if !is_printable_ascii_without_bracket(value) {
        if value.contains("]]>") || value.contains('\r') {
            return push_text(out, value);
        }
        check_xml_chars(value)?;
    }
    out.push_str("<![CDATA[");
    out.push_str(value);
    out.push_str("]]>");
    Ok(())
}

/// Escaped character data. A carriage return is written as `&#13;`, since a parser would turn a
/// literal one into a newline.
fn push_text(out: &mut String, value: &str) -> Result<(), Error> {
    check_xml_chars(value)?;
    let escaped = escape(value);
    if escaped.contains('\r') {
        out.push_str(&escaped.replace('\r', "&#13;"));
    } else {
        out.push_str(&escaped);
    }
    Ok(())
}

/// Refuses characters outside XML 1.0's `Char` production (escaping cannot help them).
fn check_xml_chars(value: &str) -> Result<(), Error> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    if value.chars().all(allowed) { Ok(()) } else { Err(Error::ReplyFieldNotRepresentable) }
}

/// One branch-free pass (it vectorizes) that clears the usual reply field for CDATA.
fn is_printable_ascii_without_bracket(value: &str) -> bool {
    // `b - 0x20 < 0x5F` is `b' ' <= b <= b'~'` as one unsigned compare.
    value.bytes().fold(true, |ok, b| ok & (b.wrapping_sub(0x20) < 0x5F) & (b != b']'))
}

fn is_xml_whitespace(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn trim_xml(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// The concatenated text of `Encrypt`, with surrounding XML whitespace removed; borrowed when a
/// single piece of the body holds it (the usual CDATA, with or without indentation around it).
///
/// Line ends are normalized (XML 1.0 §2.11) after trimming, so that the newline around an
/// indented value costs no copy; only a value with a carriage return inside is copied.
fn join_trimmed<'a>(first: Option<Cow<'a, str>>, more: Vec<Cow<'a, str>>) -> Cow<'a, str> {
    let joined = match first {
        None => Cow::Borrowed(""),
        Some(Cow::Borrowed(only)) if more.is_empty() => Cow::Borrowed(trim_xml(only)),
        Some(first) => {
            let mut pieces = more;
            pieces.insert(0, first);
            while pieces.last().is_some_and(|p| is_xml_whitespace(p)) {
                pieces.pop();
            }
            let first_kept =
                pieces.iter().position(|p| !is_xml_whitespace(p)).unwrap_or(pieces.len());
            pieces.drain(..first_kept);
            match pieces.len() {
                0 => Cow::Borrowed(""),
                1 => match pieces.pop() {
                    Some(Cow::Borrowed(text)) => Cow::Borrowed(trim_xml(text)),
                    Some(Cow::Owned(text)) => Cow::Owned(trim_xml(&text).to_owned()),
                    None => Cow::Borrowed(""),
                },
                _ => Cow::Owned(trim_xml(&pieces.concat()).to_owned()),
            }
        }
    };
    // `memchr` is SIMD; `str::contains` scanned the whole ciphertext at a few bytes a cycle.
    if memchr::memchr(b'\r', joined.as_bytes()).is_some() {
        Cow::Owned(BytesText::from_escaped(joined).xml10_content().into_owned())
    } else {
        joined
    }
}
