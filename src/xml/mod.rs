//! The XML envelope: WeCom apps, WeChat 公众号 and most 小程序 pushes.
//!
//! Reading takes the `Encrypt` value out of a callback body; rendering writes the reply envelope
//! in the official template. Neither knows anything of AES: [`decrypt_msg`] and
//! [`encrypt_reply`] join them with the core.
//!
//! ```text
//! <xml><ToUserName><![CDATA[corpid]]></ToUserName><Encrypt><![CDATA[…]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>
//! ```

mod canonical;
mod render;

use std::borrow::Cow;

pub use self::render::render_reply;
use self::render::{
    ENCRYPT_CDATA_CLOSE, ENCRYPT_CDATA_OPEN, ensure_readable, push_our_signature,
    push_timestamp_and_nonce, room_after,
};
use crate::envelope::{self, Check, Readers};
use crate::error::{EnvelopeFault, Error};
use crate::strict_xml::{self, Budget, Fault, Item};
use crate::{Decrypted, MsgCrypt, Signed, Stamp};

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
    envelope::decrypt_body::<XmlEnvelope, _>(body, |encrypt| crypt.decrypt_msg(signed, encrypt))
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
/// [`Error::ReplyFieldNotRepresentable`] (`-40011`) if `stamp`'s timestamp or nonce holds a character
/// XML cannot carry, or so much escaped markup that [`read_encrypt`] would refuse the body.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("<xml>...</xml>", Stamp::from_parts("1409659813", "1372623149"))?; // WeCom's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = xml::encrypt_reply(&decrypted, "<xml>...</xml>", Stamp::from_parts("1409659814", "42"))?;
/// assert!(body.starts_with("<xml>\n<Encrypt><![CDATA["));
/// assert!(body.ends_with("<TimeStamp>1409659814</TimeStamp>\n<Nonce><![CDATA[42]]></Nonce>\n</xml>"));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply(to: &Decrypted, reply: &str, stamp: Stamp<'_>) -> Result<String, Error> {
    let (timestamp, nonce) = (stamp.timestamp(), stamp.nonce());
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
    ensure_readable(&out, timestamp, nonce)?;
    Ok(out)
}

/// Reads the `Encrypt` value out of an XML callback body.
///
/// `Encrypt` must be a direct child of the root element, once, not in a namespace (no prefix,
/// no default namespace declared around it). Its text may be CDATA or plain text with
/// character or predefined entity references (`&#43;` is `+`); XML whitespace around it is not
/// part of it. An XML declaration, comments, indentation, other elements and their order do not
/// matter. The result borrows from `body` unless a reference had to be resolved, or the value
/// came in several pieces.
///
/// The body must be well-formed XML 1.0 with namespaces, as a conforming parser (expat, behind
/// the official Python library) reads it: every character an XML character, attributes well
/// formed and unique, references that name characters, `]]>` only to end a CDATA section, an
/// XML declaration only at the start. Line ends are normalised as XML §2.11 says, before
/// references are resolved (`&#13;` is a carriage return). So a proxy, a logger or another
/// parser in front of this one never sees a different `Encrypt`.
///
/// The bodies Tencent sends are recognised by a fast path first, which answers only when its
/// answer is the full reader's (a property test and a fuzz target hold it to that).
///
/// # Errors
///
/// [`Error::MalformedEnvelope`] (`-40002`), with the reason: the body is not well-formed XML
/// ([`EnvelopeFault::NotWellFormed`]), it has a DOCTYPE ([`EnvelopeFault::DoctypeForbidden`]:
/// entities are never expanded nor fetched), the root has no `Encrypt` child
/// ([`EnvelopeFault::MissingEncrypt`], also when `Encrypt` is only nested deeper or in a
/// namespace), more than one ([`EnvelopeFault::DuplicateEncrypt`]), or `Encrypt` has child
/// elements ([`EnvelopeFault::EncryptNotText`]). Well-formedness is judged on the whole body
/// first: a body that is not well-formed is `NotWellFormed` whatever else is wrong with it.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{EnvelopeFault, Error, xml::read_encrypt};
///
/// let body = "<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt>\n    <![CDATA[AbC+/=]]>\n  </Encrypt>\n</xml>";
/// assert_eq!(read_encrypt(body)?, "AbC+/=");
/// assert_eq!(read_encrypt("<xml><Encrypt>AbC&#43;/=</Encrypt></xml>")?, "AbC+/=");
///
/// let not_xml = "<xml><Encrypt>AbC]]>/=</Encrypt></xml>";
/// assert_eq!(read_encrypt(not_xml), Err(Error::MalformedEnvelope(EnvelopeFault::NotWellFormed)));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn read_encrypt(body: &str) -> Result<Cow<'_, str>, Error> {
    envelope::read_encrypt::<XmlEnvelope>(body)
}

/// The XML envelope's readers: the fast path of [`canonical`], the strict reader.
enum XmlEnvelope {}

impl Readers for XmlEnvelope {
    fn read_fast(body: &str, check: Check) -> Option<&str> {
        canonical::read(body, check)
    }

    fn read_full(body: &str) -> Result<Cow<'_, str>, Error> {
        read_encrypt_full(body)
    }
}

/// [`read_encrypt`] without the fast path: the strict reader, every item of the body.
fn read_encrypt_full(body: &str) -> Result<Cow<'_, str>, Error> {
    read_encrypt_full_with(body, None).map(|(encrypt, _)| encrypt)
}

/// The longest text [`read_encrypt_and_root_child`] keeps of a field: it reads ids
/// (`AgentID`), which are shorter.
const MAX_FIELD_LEN: usize = 64;

/// [`read_encrypt`], and in the same reading the text of the first root child `name` (not in
/// a namespace): its character data as a reader of XML hands it out, `None` if there is no
/// such child, an empty text if it is not a short text (more than [`MAX_FIELD_LEN`] bytes, or
/// with child elements), which names no id. What a router needs to pick the credentials
/// before the signature.
///
/// Bodies the fast path recognises (Tencent's) are read by it alone, for both; any other body
/// is read once, by the strict reader, for both.
pub(crate) fn read_encrypt_and_root_child<'b>(
    body: &'b str,
    name: &str,
) -> Result<(Cow<'b, str>, Option<String>), Error> {
    match canonical::read_with_field(body, Check::Everything, Some(name)) {
        Some((encrypt, field)) => Ok((Cow::Borrowed(encrypt), field)),
        None => read_encrypt_full_with(body, Some(name)),
    }
}

/// A root child's text as [`read_encrypt_and_root_child`] reads it, fed the strict reader's
/// items one by one.
struct Field<'n> {
    name: &'n str,
    /// `None` until the element starts; then its text, or an empty text once it is known not
    /// to be a short text.
    text: Option<String>,
    /// Whether the text is complete (the element ended, or it is known not to be short).
    done: bool,
}

impl<'n> Field<'n> {
    fn new(name: &'n str) -> Self {
        Field { name, text: None, done: false }
    }

    /// Takes in `item`, read at `depth` (the reader's, after the item); `true` once the field
    /// is read, after which every item is ignored.
    fn see(&mut self, item: &Item<'_>, depth: usize) -> bool {
        if self.done {
            return true;
        }
        let Some(text) = self.text.as_mut() else {
            if matches!(item, Item::Start { name, namespaced: false } if *name == self.name)
                && depth == 2
            {
                self.text = Some(String::new());
            }
            return false;
        };
        match item {
            Item::End if depth == 1 => self.done = true,
            Item::Text(piece) | Item::CData(piece) if text.len() + piece.len() <= MAX_FIELD_LEN => {
                text.push_str(piece);
            }
            Item::Char(c) if text.len() + c.len_utf8() <= MAX_FIELD_LEN => text.push(*c),
            // A child element, or a text too long for an id.
            _ => {
                text.clear();
                self.done = true;
            }
        }
        self.done
    }

    fn finish(self) -> Option<String> {
        self.text
    }
}

/// The strict reader's reading of `Encrypt`, and of the root child `field` if one is named.
fn read_encrypt_full_with<'b>(
    body: &'b str,
    field: Option<&str>,
) -> Result<(Cow<'b, str>, Option<String>), Error> {
    let mut reader = strict_xml::Reader::new(body, Budget::Envelope).map_err(envelope_fault)?;
    let mut field = field.map(Field::new);
    let mut found: Option<Cow<'_, str>> = None;
    let mut value: Option<Value<'_>> = None;
    // The first fault of the envelope's shape, reported once the body is known well-formed.
    let mut shape_fault = None;
    while let Some(item) = reader.next_item().map_err(envelope_fault)? {
        if let Some(field) = field.as_mut() {
            field.see(&item, reader.depth());
        }
        match (item, value.as_mut()) {
            (Item::Start { .. }, Some(_)) => {
                shape_fault.get_or_insert(EnvelopeFault::EncryptNotText);
            }
            (Item::Start { name: "Encrypt", namespaced: false }, None) if reader.depth() == 2 => {
                if found.is_some() {
                    shape_fault.get_or_insert(EnvelopeFault::DuplicateEncrypt);
                }
                value = Some(Value::default());
            }
            (Item::End, Some(_)) if reader.depth() == 1 => {
                let text = value.take().map(Value::finish);
                found = found.or(text);
            }
            (Item::Text(piece) | Item::CData(piece), Some(value)) => value.push(piece),
            (Item::Char(c), Some(value)) => value.push_char(c),
            _ => {}
        }
    }
    match (shape_fault, found) {
        (Some(fault), _) => Err(Error::MalformedEnvelope(fault)),
        (None, Some(text)) => Ok((text, field.and_then(Field::finish))),
        (None, None) => Err(Error::MalformedEnvelope(EnvelopeFault::MissingEncrypt)),
    }
}

fn envelope_fault(fault: Fault) -> Error {
    Error::MalformedEnvelope(match fault {
        Fault::NotWellFormed => EnvelopeFault::NotWellFormed,
        Fault::Doctype => EnvelopeFault::DoctypeForbidden,
        Fault::TooManyItems => EnvelopeFault::TooManyItems,
    })
}

/// The `Encrypt` value as its pieces arrive, trimmed of XML whitespace at both ends when done.
///
/// The usual value, one piece with or without indentation around it, stays borrowed, its line
/// ends normalised only if a carriage return is left once it is trimmed. Once a second piece
/// must be joined, every piece is normalised and appended to one `String`, so that a body of
/// many small pieces (one reference per character, say) costs one growing buffer, never an
/// allocation per piece.
#[derive(Default)]
struct Value<'a> {
    /// Everything from the first piece that is not all whitespace, up to the last such piece:
    /// borrowed, a single raw piece; owned, pieces joined and normalised.
    kept: Option<Cow<'a, str>>,
    /// Whitespace-only pieces after `kept`, normalised: joined in if more text follows, else
    /// trimmed away.
    pending: String,
}

impl<'a> Value<'a> {
    fn push(&mut self, raw: Cow<'a, str>) {
        if raw.bytes().all(is_xml_space) {
            if self.kept.is_some() {
                self.pending.push_str(&strict_xml::normalize_line_ends(&raw));
            }
            return;
        }
        match self.kept.take() {
            None => self.kept = Some(raw),
            Some(kept) => {
                let mut joined = self.joined(kept);
                joined.push_str(&strict_xml::normalize_line_ends(&raw));
                self.kept = Some(Cow::Owned(joined));
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if c.is_ascii() && is_xml_space(c as u8) {
            if self.kept.is_some() {
                self.pending.push(c);
            }
            return;
        }
        let mut joined = match self.kept.take() {
            None => String::new(),
            Some(kept) => self.joined(kept),
        };
        joined.push(c);
        self.kept = Some(Cow::Owned(joined));
    }

    /// `kept` as one normalised `String`, with the pending whitespace after it.
    fn joined(&mut self, kept: Cow<'a, str>) -> String {
        let mut joined = match kept {
            Cow::Borrowed(raw) => strict_xml::normalize_line_ends(raw).into_owned(),
            Cow::Owned(joined) => joined,
        };
        joined.push_str(&self.pending);
        self.pending.clear();
        joined
    }

    fn finish(self) -> Cow<'a, str> {
        match self.kept {
            None => Cow::Borrowed(""),
            // Trimming first, then normalising, gives what normalising first does: both CR and
            // LF are whitespace to trim.
            Some(Cow::Borrowed(raw)) => strict_xml::normalize_line_ends(trim(raw)),
            Some(Cow::Owned(mut text)) => {
                let end = text.trim_end_matches(is_xml_space_char).len();
                text.truncate(end);
                let start = text.len() - text.trim_start_matches(is_xml_space_char).len();
                text.drain(..start);
                Cow::Owned(text)
            }
        }
    }
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_xml_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn trim(text: &str) -> &str {
    text.trim_matches(is_xml_space_char)
}

/// The fast path's two readings of a body, for the fuzz target that holds them to the full
/// reader. Only under `cfg(fuzzing)` (cargo-fuzz sets it): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzzing_readings(body: &str) -> [Option<&str>; 2] {
    envelope::fuzzing_readings::<XmlEnvelope>(body)
}

/// The full reading alone; see [`fuzzing_readings`].
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzzing_read_full(body: &str) -> Result<Cow<'_, str>, Error> {
    read_encrypt_full(body)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Canonical bodies as Tencent sends them, compact and indented, CDATA and text.
    const CANONICAL: [&str; 5] = [
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zE==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>",
        "<xml>\n    <ToUserName><![CDATA[gh_1]]></ToUserName>\n    <Encrypt><![CDATA[msg+encrypt/==]]></Encrypt>\n</xml>\n",
        "<xml><ToUserName>ww1</ToUserName><Encrypt>AbC+/=</Encrypt><AgentID>218</AgentID></xml>",
        "<xml><Encrypt>\n  <![CDATA[AbC+/=]]>\n</Encrypt></xml>",
        "<xml><ToUserName><![CDATA[]]></ToUserName><Encrypt><![CDATA[]]></Encrypt></xml>",
    ];

    /// What a mutation inserts or writes over: markup, references, line ends, characters XML
    /// refuses, non-ASCII.
    const PIECES: [&str; 24] = [
        "<",
        ">",
        "&",
        "]",
        "]]>",
        "<![CDATA[",
        "<!--c-->",
        "<?pi x?>",
        "&#43;",
        "&amp;",
        "&#13;",
        " a=\"1\"",
        " xmlns=\"urn:x\"",
        "p:",
        "\r",
        "\r\n",
        "\t",
        " ",
        "\u{1}",
        "\u{FFFE}",
        "é",
        "/",
        "<Encrypt>x</Encrypt>",
        "<x/>",
    ];

    fn mutated() -> impl Strategy<Value = String> {
        let mutation = prop_oneof![
            (any::<prop::sample::Index>(), 0..PIECES.len()).prop_map(|(at, p)| (0u8, at, p)),
            (any::<prop::sample::Index>(), 0..PIECES.len()).prop_map(|(at, p)| (1u8, at, p)),
            (any::<prop::sample::Index>(), 1usize..8).prop_map(|(at, n)| (2u8, at, n)),
        ];
        (0..CANONICAL.len(), proptest::collection::vec(mutation, 0..4)).prop_map(|(base, ops)| {
            let mut body = CANONICAL[base].to_owned();
            for (kind, at, arg) in ops {
                let mut at = at.index(body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                match kind {
                    0 => body.insert_str(at, PIECES[arg]),
                    1 => {
                        let mut end = (at + 1).min(body.len());
                        while !body.is_char_boundary(end) {
                            end += 1;
                        }
                        body.replace_range(at..end, PIECES[arg]);
                    }
                    _ => {
                        let mut end = (at + arg).min(body.len());
                        while !body.is_char_boundary(end) {
                            end += 1;
                        }
                        body.replace_range(at..end, "");
                    }
                }
            }
            body
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The fast path answers only with the full reader's answer, for mutations of canonical
        /// bodies and for arbitrary text.
        #[test]
        fn the_fast_path_answers_only_as_the_full_reader_does(body in prop_oneof![mutated(), ".{0,80}"]) {
            let full = read_encrypt_full(&body);
            if let Some(fast) = canonical::read(&body, Check::Everything) {
                prop_assert_eq!(full.as_deref(), Ok(fast), "{:?}", body);
            }
            // Unchecked, the value may hold what the full reader refuses or reads otherwise;
            // where it is plain text, the two agree.
            let unchecked = canonical::read(&body, Check::AllButEncryptCharacters);
            if let Some(fast) = unchecked.filter(|v| v.bytes().all(|b| (0x20..0x7F).contains(&b))) {
                prop_assert_eq!(full.as_deref(), Ok(fast), "{:?}", body);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The one-pass reading of `Encrypt` and a root child is the two readings it replaces:
        /// `read_encrypt`'s, then `root_child_text`'s (whose early stop only matters for a body
        /// that is not well-formed, which the one pass refuses).
        #[test]
        fn one_pass_reads_what_two_passes_read(body in prop_oneof![mutated(), ".{0,80}"]) {
            let one_pass = read_encrypt_and_root_child(&body, "AgentID");
            let two_passes = read_encrypt(&body);
            prop_assert_eq!(
                one_pass.as_ref().map(|(encrypt, _)| encrypt.as_ref()),
                two_passes.as_deref(),
                "{:?}", body
            );
            if let Ok((_, field)) = one_pass {
                prop_assert_eq!(field, root_child_text(&body, "AgentID", Budget::Envelope).unwrap());
            }
        }
    }

    #[test]
    fn one_pass_reads_the_first_root_child_of_that_name_as_a_short_text() {
        // Tencent's sample envelope (the fast path), and the same with a comment (the strict
        // reader's one pass).
        let sample = CANONICAL[0];
        let commented = sample.replacen("<Encrypt>", "<!--c--><Encrypt>", 1);
        for body in [sample, commented.as_str()] {
            let (encrypt, agent_id) = read_encrypt_and_root_child(body, "AgentID").unwrap();
            assert!(encrypt.starts_with("RypEvHKD8QQ"), "{body}");
            assert_eq!(agent_id.as_deref(), Some("218"), "{body}");
        }
        let cases = [
            // None: absent, nested deeper, in a namespace.
            ("<xml><Encrypt>e</Encrypt></xml>", None),
            ("<xml><Encrypt>e</Encrypt><a><AgentID>1</AgentID></a></xml>", None),
            ("<xml><Encrypt>e</Encrypt><p:AgentID xmlns:p=\"u\">1</p:AgentID></xml>", None),
            // The first of two; references resolved; CDATA and text joined; whitespace kept
            // (the caller trims).
            ("<xml><AgentID>1</AgentID><Encrypt>e</Encrypt><AgentID>2</AgentID></xml>", Some("1")),
            (
                "<xml><Encrypt>e</Encrypt><AgentID> 2&#49;<![CDATA[8]]></AgentID></xml>",
                Some(" 218"),
            ),
            // Not a short text: a child element, more than 64 bytes.
            ("<xml><Encrypt>e</Encrypt><AgentID><x/>1</AgentID></xml>", Some("")),
        ];
        for (body, expected) in cases {
            let (encrypt, agent_id) = read_encrypt_and_root_child(body, "AgentID").unwrap();
            assert_eq!((encrypt.as_ref(), agent_id.as_deref()), ("e", expected), "{body}");
        }
        let at_most =
            format!("<xml><Encrypt>e</Encrypt><AgentID>{}</AgentID></xml>", "7".repeat(64));
        let too_long =
            format!("<xml><Encrypt>e</Encrypt><AgentID>{}</AgentID></xml>", "7".repeat(65));
        assert_eq!(
            read_encrypt_and_root_child(&at_most, "AgentID").unwrap().1,
            Some("7".repeat(64))
        );
        assert_eq!(
            read_encrypt_and_root_child(&too_long, "AgentID").unwrap().1,
            Some(String::new())
        );
        // The whole body is judged, also past the field: what follows it is not well-formed.
        assert_eq!(
            read_encrypt_and_root_child(
                "<xml><AgentID>1</AgentID><Encrypt>e</Encrypt><a></xml>",
                "AgentID"
            ),
            Err(Error::MalformedEnvelope(EnvelopeFault::NotWellFormed))
        );
    }

    /// The strict reader's reading of the first root child `name`, alone, stopping at that
    /// element's end: the reference the one-pass readings are held to.
    fn root_child_text(xml: &str, name: &str, budget: Budget) -> Result<Option<String>, Fault> {
        let mut reader = strict_xml::Reader::new(xml, budget)?;
        let mut field = Field::new(name);
        while let Some(item) = reader.next_item()? {
            if field.see(&item, reader.depth()) {
                return Ok(field.finish());
            }
        }
        Ok(field.finish())
    }

    #[test]
    fn the_fast_path_reads_a_field_as_the_strict_reader_does() {
        // Canonical bodies, so read by the fast path alone: the field's raw text, the
        // whitespace around a CDATA section kept (the caller trims), as the strict reader
        // hands it out; empty past 64 bytes, counting that whitespace.
        let cases = [
            ("<xml><Encrypt>e</Encrypt><AgentID>218</AgentID></xml>", Some("218")),
            ("<xml><Encrypt>e</Encrypt><AgentID> 218\t</AgentID></xml>", Some(" 218\t")),
            (
                "<xml><Encrypt>e</Encrypt><AgentID>\n  <![CDATA[218]]>\n</AgentID></xml>",
                Some("\n  218\n"),
            ),
            ("<xml><Encrypt>e</Encrypt><AgentID><![CDATA[]]></AgentID></xml>", Some("")),
            ("<xml><Encrypt>e</Encrypt><AgentIDs>1</AgentIDs><Agent>2</Agent></xml>", None),
            ("<xml><AgentID>1</AgentID><Encrypt>e</Encrypt><AgentID>2</AgentID></xml>", Some("1")),
        ];
        let spaced = format!(
            "<xml><Encrypt>e</Encrypt><AgentID> <![CDATA[{}]]> </AgentID></xml>",
            "7".repeat(62)
        );
        let over = format!(
            "<xml><Encrypt>e</Encrypt><AgentID> <![CDATA[{}]]>  </AgentID></xml>",
            "7".repeat(62)
        );
        let at_most = format!(" {} ", "7".repeat(62));
        let cases = cases
            .into_iter()
            .chain([(spaced.as_str(), Some(at_most.as_str())), (over.as_str(), Some(""))]);
        for (body, expected) in cases {
            let fast = canonical::read_with_field(body, Check::Everything, Some("AgentID"));
            assert_eq!(
                fast.as_ref().map(|(e, f)| (*e, f.as_deref())),
                Some(("e", expected)),
                "{body:?}"
            );
            let strict = root_child_text(body, "AgentID", Budget::Envelope).unwrap();
            assert_eq!(strict.as_deref(), expected, "{body:?}");
        }
    }

    #[test]
    fn a_canonical_shape_the_budget_refuses_is_left_to_the_full_reader() {
        // 40 short fields: canonical in shape, but more markup than the envelope's budget
        // allows for so few bytes (2 items a start tag, 1 a CDATA section, 64 of slack).
        let fields: String = (0..40).map(|_| "<a><![CDATA[x]]></a>").collect();
        let body = format!("<xml>{fields}<Encrypt><![CDATA[AbC+/=]]></Encrypt></xml>");
        assert_eq!(canonical::read(&body, Check::Everything), None);
        let refused = Err(Error::MalformedEnvelope(EnvelopeFault::TooManyItems));
        assert_eq!(read_encrypt(&body), refused);
        assert_eq!(read_encrypt_and_root_child(&body, "AgentID").map(|(e, _)| e), refused);
        // 20 fields stay on the fast path, with the full reader's answer.
        let fields: String = (0..19).map(|_| "<a><![CDATA[x]]></a>").collect();
        let body = format!("<xml>{fields}<Encrypt><![CDATA[AbC+/=]]></Encrypt></xml>");
        assert_eq!(canonical::read(&body, Check::Everything), Some("AbC+/="));
        assert_eq!(read_encrypt_full(&body).as_deref(), Ok("AbC+/="));
    }

    #[test]
    fn the_canonical_bodies_take_the_fast_path() {
        for body in CANONICAL {
            assert!(canonical::read(body, Check::Everything).is_some(), "{body:?}");
            assert_eq!(read_encrypt(body), read_encrypt_full(body));
        }
    }
}
