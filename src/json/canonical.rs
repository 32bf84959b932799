//! The fast path: the bodies Tencent actually sends, recognised in one pass, without a JSON
//! parser.
//!
//! A canonical body is a flat object of strings without escapes and plain integers:
//!
//! ```text
//! {"tousername":"wx5823bf96d3bd56c7","encrypt":"…","agentid":218}
//! {"encrypt":"…"}
//! {"ToUserName":"gh_…","Encrypt":"…"}
//! ```
//!
//! In grammar form, with `ws` JSON's whitespace:
//!
//! ```text
//! body   := ws "{" ws member (ws "," ws member)* ws "}" ws
//! member := string ws ":" ws (string | integer)
//! string := '"' (any character but '"', '\' and U+0000 to U+001F)* '"'
//! integer:= "-"? ("0" | [1-9] [0-9]*)
//! ```
//!
//! with exactly one key `encrypt` or `Encrypt`, whose value is a string. Every such body is
//! strict JSON, an object with one Encrypt string and no escapes anywhere, so the full reader
//! reads exactly that string: [`read`] returns it. For anything else (an escape, a float, a
//! nested value, `true`, a duplicate, trailing text) it returns `None` and the full reader
//! decides. A property test and the `json_canonical` fuzz target hold it to the full reader.

use crate::envelope::Check;

/// The Encrypt value of a canonical body, or `None` if the body is not canonical.
pub(super) fn read(body: &str, check: Check) -> Option<&str> {
    let mut rest = skip_space(body).strip_prefix('{')?;
    let mut encrypt = None;
    loop {
        let (key, after) = string(skip_space(rest), Check::Everything)?;
        let after = skip_space(after).strip_prefix(':')?;
        let after = skip_space(after);
        let is_encrypt = key == "encrypt" || key == "Encrypt";
        rest = if is_encrypt {
            if encrypt.is_some() {
                return None;
            }
            let (value, after) = string(after, check)?;
            encrypt = Some(value);
            after
        } else if after.starts_with('"') {
            string(after, Check::Everything)?.1
        } else {
            integer(after)?
        };
        rest = skip_space(rest);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else {
            let after = rest.strip_prefix('}')?;
            return skip_space(after).is_empty().then_some(encrypt?);
        }
    }
}

/// A string without escapes at the start of `text`: its contents, and what follows it.
fn string(text: &str, check: Check) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('"')?;
    // SIMD search for the end; a backslash first means an escape, which is not canonical.
    let end = memchr::memchr2(b'"', b'\\', inner.as_bytes())?;
    let (value, after) = inner.split_at_checked(end)?;
    let after = after.strip_prefix('"')?;
    if check == Check::Everything && has_control_character(value) {
        return None;
    }
    Some((value, after))
}

/// An integer at the start of `text` (JSON's `int`, no fraction or exponent): what follows it.
fn integer(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let (number, after) = digits.split_at_checked(len)?;
    let well_formed = number == "0" || number.bytes().next().is_some_and(|b| b != b'0');
    // A fraction or an exponent would make it another kind of number.
    (well_formed && !after.starts_with(['.', 'e', 'E'])).then_some(after)
}

/// Whether `text` has a character JSON forbids raw in a string (below U+0020), in one
/// vectorized pass.
pub(super) fn has_control_character(text: &str) -> bool {
    text.bytes().fold(u8::MAX, u8::min) < 0x20
}

fn skip_space(text: &str) -> &str {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_official_envelopes() {
        for (body, expected) in [
            (r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs+/=","agentid":218}"#, "CZWs+/="),
            (
                r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs+/=","agentid":"218"}"#,
                "CZWs+/=",
            ),
            (r#"{"encrypt":"AbC"}"#, "AbC"),
            ("{\n  \"ToUserName\": \"gh_1\",\r\n  \"Encrypt\": \"AbC\"\n}\n", "AbC"),
            (r#"{"a":-0,"encrypt":"","b":-12}"#, ""),
        ] {
            for check in [Check::Everything, Check::AllButEncryptCharacters] {
                assert_eq!(read(body, check), Some(expected), "{body:?}");
            }
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_reader() {
        for body in [
            r#"{"encrypt":"a\/b"}"#,
            r#"{"encr\u0079pt":"a"}"#,
            r#"{"encrypt":"a","Encrypt":"b"}"#,
            r#"{"encrypt":"a","encrypt":"a"}"#,
            r#"{"encrypt":1}"#,
            r#"{"encrypt":"a","n":1.5}"#,
            r#"{"encrypt":"a","n":1e5}"#,
            r#"{"encrypt":"a","n":01}"#,
            r#"{"encrypt":"a","n":-}"#,
            r#"{"encrypt":"a","t":true}"#,
            r#"{"encrypt":"a","o":{}}"#,
            r#"{"encrypt":"a",}"#,
            r#"{"encrypt":"a"} x"#,
            r#"{"x":"a"}"#,
            r#"{}"#,
            r#"["encrypt"]"#,
            "{\"encrypt\":\"a\u{1}\"}",
            "{\"x\":\"a\u{1f}\",\"encrypt\":\"b\"}",
            "",
        ] {
            assert_eq!(read(body, Check::Everything), None, "{body:?}");
        }
        let odd = "{\"encrypt\":\"a\u{1}\"}";
        assert_eq!(read(odd, Check::AllButEncryptCharacters), Some("a\u{1}"));
    }
}
