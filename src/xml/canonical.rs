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
//! with exactly one field named `Encrypt`. Every such body is well-formed XML whose root has one
//! `Encrypt` child of character data only, so the full reader would read it, and read exactly
//! the field's CDATA (or text) with XML whitespace trimmed from both ends: that is what
//! [`read`] returns. For anything else (a declaration, a comment, an attribute, a reference, a
//! carriage return, a non-ASCII character, another root name, a duplicate, nesting) it returns
//! `None` and the full reader decides. A property test and the `xml_canonical` fuzz target hold
//! it to the full reader.

/// How much of the `Encrypt` value to check.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// All of it, as for the rest of the body.
    Everything,
    /// Everything but which characters the `Encrypt` value holds: for a caller that checks
    /// them another way (a text that decrypts is all base64) and reads the body again in full
    /// when it does not.
    AllButEncryptCharacters,
}

/// The trimmed `Encrypt` value of a canonical body, or `None` if the body is not canonical.
pub(super) fn read(body: &str, check: Check) -> Option<&str> {
    let mut rest = skip_space(body).strip_prefix("<xml>")?;
    let mut encrypt = None;
    loop {
        rest = skip_space(rest);
        if let Some(after) = rest.strip_prefix("</xml>") {
            // Only whitespace may follow the root.
            return skip_space(after).is_empty().then_some(encrypt?);
        }
        let (name, value, after) = field(rest, check)?;
        if name == "Encrypt" {
            if encrypt.is_some() {
                return None;
            }
            encrypt = Some(value);
        }
        rest = after;
    }
}

/// One field: its name, its trimmed value, and what follows it.
fn field(text: &str, check: Check) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix('<')?;
    let name_len = rest
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .filter(|&len| len > 0)?;
    let (name, rest) = rest.split_at_checked(name_len)?;
    if name.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let rest = rest.strip_prefix('>')?;
    let inner = skip_space(rest);
    let (value, rest) = if let Some(cdata) = inner.strip_prefix("<![CDATA[") {
        // The CDATA ends at the first `]`, which must begin `]]>`: base64 has none, so on the
        // long Encrypt value this is one SIMD search.
        let end = memchr::memchr(b']', cdata.as_bytes())?;
        let (value, after) = cdata.split_at_checked(end)?;
        let after = skip_space(after.strip_prefix("]]>")?);
        let unchecked = check == Check::AllButEncryptCharacters && name == "Encrypt";
        if !unchecked && !plain_ascii(value) {
            return None;
        }
        (trim(value), after)
    } else {
        let end = memchr::memchr3(b'<', b'&', b']', rest.as_bytes())?;
        let (value, after) = rest.split_at_checked(end)?;
        if !plain_ascii(value) {
            return None;
        }
        (trim(value), after)
    };
    let rest = rest.strip_prefix("</")?.strip_prefix(name)?.strip_prefix('>')?;
    Some((name, value, rest))
}

/// Printable ASCII, tab or newline: characters that are XML characters, that no parser
/// changes, and that none of the two readers could read differently. One branch-free pass
/// (it vectorises).
fn plain_ascii(text: &str) -> bool {
    text.bytes()
        .fold(true, |ok, b| ok & ((b.wrapping_sub(0x20) < 0x5F) | (b == b'\t') | (b == b'\n')))
}

/// Leading spaces, tabs and newlines skipped (a carriage return is not canonical: a reader
/// normalises it).
fn skip_space(text: &str) -> &str {
    text.trim_start_matches([' ', '\t', '\n'])
}

/// XML whitespace trimmed from both ends, as the full reader trims the `Encrypt` value.
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
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
