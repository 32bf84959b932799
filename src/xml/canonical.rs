//! The fast path: the bodies Tencent actually sends, recognised in one pass, without an XML
//! parser.
//!
//! A canonical body is the WeCom or WeChat envelope, compact or indented:
//!
//! ```text
//! <xml><ToUserName><![CDATA[corpid]]></ToUserName><Encrypt><![CDATA[…]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>
//! ```
//!
//! In grammar form, with `S` one of space, tab and newline:
//!
//! ```text
//! body  := S* "<xml>" S* (field S*)+ "</xml>" S*
//! field := "<" name ">" S* "<![CDATA[" cdata "]]>" S* "</" name ">"
//!        | "<" name ">" text "</" name ">"
//! name  := [A-Za-z_] [A-Za-z0-9_]*
//! cdata := printable ASCII, tab or newline, no "]"
//! text  := printable ASCII, tab or newline, no "<", "&" or "]"
//! ```
//!
//! with exactly one field named `Encrypt`, and at most 20 fields. Every such body is well-formed
//! XML whose root has one `Encrypt` child of character data only, so the full reader would read
//! it, and read exactly
//! the field's CDATA (or text) with XML whitespace trimmed from both ends: that is what
//! [`read`] returns. For anything else (a declaration, a comment, an attribute, a reference, a
//! carriage return, a non-ASCII character, another root name, a duplicate, nesting) it returns
//! `None` and the full reader decides. A property test and the `xml_canonical` fuzz target hold
//! it to the full reader.

use crate::envelope::Check;

/// The trimmed `Encrypt` value of a canonical body, or `None` if the body is not canonical.
///
/// It works on bytes, with positions into the body: every delimiter it looks for is ASCII, so
/// every position it stops at is a character boundary, and the one `&str` it hands out is cut
/// with a checked `get`.
pub(super) fn read(body: &str, check: Check) -> Option<&str> {
    read_with_field(body, check, None).map(|(encrypt, _)| encrypt)
}

/// [`read`], and the text of the first field called `name` if one is asked for, exactly as
/// the strict reader hands it out (`xml::read_encrypt_and_root_child`): its raw text with the
/// whitespace around a CDATA section, `None` if there is no such field, an empty text if it is
/// longer than [`MAX_FIELD_LEN`](super::MAX_FIELD_LEN). For a router that picks the
/// credentials by a field of the envelope, in the fast path's one pass.
pub(super) fn read_with_field<'b>(
    body: &'b str,
    check: Check,
    name: Option<&str>,
) -> Option<(&'b str, Option<String>)> {
    let bytes = body.as_bytes();
    let mut at = expect(bytes, skip_space(bytes, 0), b"<xml>")?;
    let mut encrypt = None;
    let mut named: Option<String> = None;
    let mut fields = 0usize;
    loop {
        at = skip_space(bytes, at);
        if let Some(after) = expect(bytes, at, b"</xml>") {
            // Only whitespace may follow the root.
            let (start, end) = encrypt?;
            return (skip_space(bytes, after) == bytes.len())
                .then(|| Some((body.get(start..end)?, named)))?;
        }
        fields += 1;
        if fields > MAX_FIELDS {
            return None;
        }
        let field = field(bytes, at, check)?;
        if field.is_encrypt {
            if encrypt.is_some() {
                return None;
            }
            encrypt = Some(field.value);
        }
        if named.is_none()
            && name
                .is_some_and(|name| bytes.get(field.name.0..field.name.1) == Some(name.as_bytes()))
        {
            named = Some(field.raw_text(body)?);
        }
        at = field.end;
    }
}

/// The most fields a canonical body has. The full reader's envelope budget counts 2 items for
/// the root and at most 3 for a field (its start tag 2, a CDATA section 1) against a slack of 64
/// whatever the body's size: up to 20 fields it can never refuse a canonical body as
/// `TooManyItems`, so the fast path's answer stays the full reader's. Tencent's envelopes have
/// three or four.
const MAX_FIELDS: usize = 20;

/// A field of a canonical body: whether it is `Encrypt`, where its trimmed value lies, and
/// where the field ends.
struct Field {
    is_encrypt: bool,
    /// Where its name lies.
    name: (usize, usize),
    value: (usize, usize),
    /// Its character data as a reader of XML hands it out: the text, or the whitespace before
    /// a CDATA section, the section's content and the whitespace after it.
    raw: [(usize, usize); 3],
    end: usize,
}

impl Field {
    /// The field's raw text, or an empty text if it is longer than an id
    /// ([`MAX_FIELD_LEN`](super::MAX_FIELD_LEN)); `None` only if a range is not in `body`
    /// (which [`field`] never makes).
    fn raw_text(&self, body: &str) -> Option<String> {
        let len: usize = self.raw.iter().map(|(start, end)| end - start).sum();
        let mut text = String::new();
        if len <= super::MAX_FIELD_LEN {
            for &(start, end) in &self.raw {
                text.push_str(body.get(start..end)?);
            }
        }
        Some(text)
    }
}

/// The field starting at `at`: `<name>`, a value, `</name>`.
fn field(bytes: &[u8], at: usize, check: Check) -> Option<Field> {
    let name_start = expect(bytes, at, b"<")?;
    let mut name_end = name_start;
    while bytes.get(name_end).is_some_and(|&b| is_name_byte(b)) {
        name_end += 1;
    }
    let name = bytes.get(name_start..name_end)?;
    if name.first().is_none_or(u8::is_ascii_digit) {
        return None;
    }
    let is_encrypt = name.first_chunk::<7>() == Some(b"Encrypt") && name.len() == 7;
    let inner = expect(bytes, name_end, b">")?;
    let content = skip_space(bytes, inner);
    let (value, raw, after) = if let Some(cdata) = expect(bytes, content, b"<![CDATA[") {
        // The CDATA ends at the first `]`, which must begin `]]>`: base64 has none, so on the
        // long Encrypt value this is one SIMD search.
        let end = cdata + find(b']', bytes.get(cdata..)?)?;
        let closed = expect(bytes, end, b"]]>")?;
        let after = skip_space(bytes, closed);
        let unchecked = check == Check::AllButEncryptCharacters && is_encrypt;
        if !unchecked && !plain_ascii(bytes.get(cdata..end)?) {
            return None;
        }
        let raw = [(inner, content), (cdata, end), (closed, after)];
        (trim(bytes, cdata, end), raw, after)
    } else {
        let end = inner + memchr::memchr3(b'<', b'&', b']', bytes.get(inner..)?)?;
        if !plain_ascii(bytes.get(inner..end)?) {
            return None;
        }
        (trim(bytes, inner, end), [(inner, end), (end, end), (end, end)], end)
    };
    let close = expect(bytes, after, b"</")?;
    let close_end = close.checked_add(name.len())?;
    // Names are a few bytes: compared in place rather than by a call to `memcmp`.
    let closing = bytes.get(close..close_end)?;
    if !closing.iter().zip(name).all(|(a, b)| a == b) {
        return None;
    }
    let end = expect(bytes, close_end, b">")?;
    Some(Field { is_encrypt, name: (name_start, name_end), value, raw, end })
}

/// The first `needle` in `haystack`: the first 32 bytes looked at one by one (the short values
/// end there, and `memchr` costs more to set up than that), the rest with `memchr`'s SIMD.
fn find(needle: u8, haystack: &[u8]) -> Option<usize> {
    let (head, tail) = haystack.split_at(haystack.len().min(32));
    match head.iter().position(|&b| b == needle) {
        Some(at) => Some(at),
        None => memchr::memchr(needle, tail).map(|at| head.len() + at),
    }
}

/// `[A-Za-z0-9_]`, looked up in a table (one load).
fn is_name_byte(b: u8) -> bool {
    NAME_BYTES.get(usize::from(b)).copied().unwrap_or(false)
}

/// Which bytes [`is_name_byte`] accepts.
#[allow(clippy::indexing_slicing)] // `b` runs over 0..256, the table's length.
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// The position after `expected`, if `bytes` has it at `at`. (A fixed-size comparison, which
/// compiles to a few loads, where a slice's would call `memcmp`.)
fn expect<const N: usize>(bytes: &[u8], at: usize, expected: &[u8; N]) -> Option<usize> {
    let found = bytes.get(at..)?.first_chunk::<N>()?;
    (found == expected).then_some(at + N)
}

/// Printable ASCII, tab or newline: characters that are XML characters, that no parser
/// changes, and that none of the two readers could read differently. One branch-free pass
/// that vectorises (an OR of the bytes that are not).
fn plain_ascii(bytes: &[u8]) -> bool {
    let outside = bytes.iter().fold(0u8, |outside, &b| {
        let plain = (b.wrapping_sub(0x20) < 0x5F) | (b == b'\t') | (b == b'\n');
        outside | u8::from(!plain)
    });
    outside == 0
}

/// The position after the spaces, tabs and newlines at `at` (a carriage return is not
/// canonical: a reader normalises it).
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n') = bytes.get(at) {
        at += 1;
    }
    at
}

/// `start..end` less the XML whitespace at both ends, as the full reader trims the `Encrypt`
/// value.
fn trim(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    let space = |at: usize| matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r'));
    while start < end && space(start) {
        start += 1;
    }
    while end > start && space(end - 1) {
        end -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_official_envelopes() {
        for (body, expected) in [
            (
                "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypE+/==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>",
                "RypE+/==",
            ),
            (
                "<xml>\n    <ToUserName><![CDATA[toUser]]></ToUserName>\n    <Encrypt><![CDATA[msg_encrypt]]></Encrypt>\n</xml>\n",
                "msg_encrypt",
            ),
            ("<xml><Encrypt>AbC+/=</Encrypt><AgentID>218</AgentID></xml>", "AbC+/="),
            ("<xml><Encrypt>\n  <![CDATA[ x ]]>\n  </Encrypt></xml>", "x"),
            ("<xml><ToUserName><![CDATA[]]></ToUserName><Encrypt><![CDATA[]]></Encrypt></xml>", ""),
        ] {
            for check in [Check::Everything, Check::AllButEncryptCharacters] {
                assert_eq!(read(body, check), Some(expected), "{body:?}");
            }
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_reader() {
        for body in [
            "<?xml version=\"1.0\"?><xml><Encrypt>a</Encrypt></xml>",
            "<xml><Encrypt a=\"1\">a</Encrypt></xml>",
            "<xml><!-- c --><Encrypt>a</Encrypt></xml>",
            "<xml><Encrypt>a&#43;</Encrypt></xml>",
            "<xml><Encrypt>a\r\n</Encrypt></xml>",
            "<xml><Encrypt>企</Encrypt></xml>",
            "<root><Encrypt>a</Encrypt></root>",
            "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
            "<xml><Encrypt><x>a</x></Encrypt></xml>",
            "<xml><ToUserName/><Encrypt>a</Encrypt></xml>",
            "<xml><Encrypt>a</Encrypt></xml><x/>",
            "<xml><Encrypt>a</encrypt></xml>",
            "<xml><Encrypt><![CDATA[a]]]></Encrypt></xml>",
            "<xml><Encrypt><![CDATA[a]]>b</Encrypt></xml>",
            "<xml><ToUserName>a</ToUserName></xml>",
            "<xml><1a>x</1a><Encrypt>a</Encrypt></xml>",
            "<xml><Encrypt>a\u{1}</Encrypt></xml>",
            "<xml><Encrypt>a]]>b</Encrypt></xml>",
            "<xml><Encrypt>a</Encrypt>",
            "",
        ] {
            assert_eq!(read(body, Check::Everything), None, "{body:?}");
        }
        // Unchecked, only the Encrypt value's characters go unchecked.
        let odd = "<xml><Encrypt><![CDATA[a\u{1}\u{FFFE}]]></Encrypt></xml>";
        assert_eq!(read(odd, Check::Everything), None);
        assert_eq!(read(odd, Check::AllButEncryptCharacters), Some("a\u{1}\u{FFFE}"));
        let odd_elsewhere =
            "<xml><ToUserName><![CDATA[a\u{1}]]></ToUserName><Encrypt>b</Encrypt></xml>";
        assert_eq!(read(odd_elsewhere, Check::AllButEncryptCharacters), None);
    }
}
