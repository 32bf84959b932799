//! The message reader's fast path: a message in the shape Tencent sends, built in one pass
//! without the general reader's machinery.
//!
//! The shape: elements with ASCII names and no attributes; each element holds text, or one
//! CDATA section with whitespace around it, or child elements with whitespace between them;
//! whitespace around the root; no carriage return, no reference, nothing else (no XML
//! declaration, comment, processing instruction, DOCTYPE, namespace prefix, byte-order mark).
//! On anything else, well-formed or not, [`parse`] answers `None` and the caller reads the
//! message with the full reader ([`strict_xml::Reader`](wxbizmsgcrypt::__private::strict_xml::Reader)), whose
//! verdict stands.
//!
//! Where it answers, its nodes are exactly those the full reader's items build (a property
//! test and a fuzz target hold it to that).

use std::ops::Range;

use super::{Node, Span};

/// An element open while parsing.
struct Open {
    node: usize,
    last_child: usize,
    has_child: bool,
    /// The one CDATA section's content, if there was one.
    cdata: Option<Range<usize>>,
    name: Range<usize>,
}

/// The nodes of `xml`, if it is in the usual shape (and well-formed); see the module docs.
pub(super) fn parse(xml: &str) -> Option<Vec<Node>> {
    let bytes = xml.as_bytes();
    let mut nodes: Vec<Node> = Vec::with_capacity(16);
    let mut open: Vec<Open> = Vec::with_capacity(4);
    let mut items = 0usize;
    let mut pos = skip_space(bytes, 0);
    // At the top of the loop, `pos` is at the `<` of a start tag (or, at the start, at what
    // must be one).
    loop {
        if bytes.get(pos) != Some(&b'<') {
            return None;
        }
        let name = name_at(bytes, pos + 1)?;
        let index = nodes.len();
        let empty = match bytes.get(name.end) {
            Some(b'>') => {
                pos = name.end + 1;
                false
            }
            Some(b'/') if bytes.get(name.end + 1) == Some(&b'>') => {
                pos = name.end + 2;
                true
            }
            _ => return None,
        };
        items += 1;
        if items > pos / 8 + 128 {
            // Well within the full reader's budget (one per 8 bytes, plus 256), or let it judge.
            return None;
        }
        let text = if empty { Span::Source(0..0) } else { Span::None };
        nodes.push(Node { name: name.clone(), text, first_child: 0, next_sibling: 0 });
        if let Some(parent) = open.last_mut() {
            let link = if parent.last_child == 0 {
                &mut nodes.get_mut(parent.node)?.first_child
            } else {
                &mut nodes.get_mut(parent.last_child)?.next_sibling
            };
            *link = index;
            parent.last_child = index;
            parent.has_child = true;
        }
        if !empty {
            open.push(Open { node: index, last_child: 0, has_child: false, cdata: None, name });
        }
        // The content of the innermost open element, up to a child's start tag or the end of
        // the root.
        loop {
            let Some(top) = open.last_mut() else {
                // The root is closed: only whitespace may follow.
                return (skip_space(bytes, pos) == bytes.len()).then_some(nodes);
            };
            let lt = pos + find(b'<', bytes.get(pos..)?)?;
            let text = bytes.get(pos..lt)?;
            let space = text.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\n'));
            if !space && (!usual_text(text) || top.has_child || top.cdata.is_some()) {
                // Text beside children or a CDATA section (joined, or mixed content), or text
                // the full reader must judge.
                return None;
            }
            match bytes.get(lt + 1) {
                Some(b'/') => {
                    // The open element's name, then no more of a name: what follows must be
                    // whitespace or `>`.
                    let end = lt + 2 + top.name.len();
                    if !same_bytes(bytes.get(lt + 2..end)?, bytes.get(top.name.clone())?) {
                        return None;
                    }
                    let close = skip_space(bytes, end);
                    if bytes.get(close) != Some(&b'>') {
                        return None;
                    }
                    pos = close + 1;
                    let text = if top.has_child {
                        Span::None
                    } else if let Some(cdata) = top.cdata.take() {
                        Span::Source(cdata)
                    } else if text.is_empty() {
                        Span::Source(0..0)
                    } else {
                        Span::Source(lt - text.len()..lt)
                    };
                    nodes.get_mut(top.node)?.text = text;
                    open.pop();
                }
                Some(b'!') => {
                    const OPEN: &[u8] = b"<![CDATA[";
                    if top.has_child || top.cdata.is_some() || !space {
                        return None;
                    }
                    if bytes.get(lt..lt + OPEN.len()) != Some(OPEN) {
                        return None;
                    }
                    let from = lt + OPEN.len();
                    let len = find_cdata_end(bytes.get(from..)?)?;
                    if !usual_cdata(bytes.get(from..from + len)?) {
                        return None;
                    }
                    pos = from + len + 3;
                    items += 1;
                    if items > pos / 8 + 128 {
                        return None;
                    }
                    top.cdata = Some(from..from + len);
                }
                _ => {
                    // A child: beside whitespace only, and no CDATA section.
                    if top.cdata.is_some() || !space {
                        return None;
                    }
                    pos = lt;
                    break;
                }
            }
        }
    }
}

/// Past XML whitespace (without carriage returns, which the fast path leaves to the full
/// reader) from `at`.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n')) {
        at += 1;
    }
    at
}

/// An ASCII name without a colon at `at`: `[A-Za-z_][A-Za-z0-9_.-]*`.
fn name_at(bytes: &[u8], at: usize) -> Option<Range<usize>> {
    let rest = bytes.get(at..)?;
    if !rest.first().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_') {
        return None;
    }
    // One load and one branch a byte: names mix cases and digits, which a chain of range
    // tests mispredicts.
    let len = rest
        .iter()
        .position(|&b| !NAME_BYTES.get(usize::from(b)).copied().unwrap_or(false))
        .unwrap_or(rest.len());
    Some(at..at + len)
}

/// The bytes [`name_at`] takes after the first: `[A-Za-z0-9_.-]`.
#[allow(clippy::indexing_slicing)] // `b` runs over 0..256, the table's length.
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-');
        b += 1;
    }
    table
};

/// Byte-wise equality, in place: names are a few bytes, less than a call to `memcmp` costs.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The first `needle` in `haystack`: the first 32 bytes looked at one by one (most texts of
/// a message end there, and `memchr` costs more to set up than that), the rest with SIMD.
fn find(needle: u8, haystack: &[u8]) -> Option<usize> {
    let (head, tail) = haystack.split_at(haystack.len().min(32));
    match head.iter().position(|&b| b == needle) {
        Some(at) => Some(at),
        None => memchr::memchr(needle, tail).map(|at| head.len() + at),
    }
}

/// A CDATA section's content the fast path takes: XML characters only, and no carriage
/// return (which the full reader normalises). One pass that vectorises for the control bytes,
/// then a search for the lead byte of U+FFFE and U+FFFF.
fn usual_cdata(content: &[u8]) -> bool {
    let control =
        content.iter().fold(false, |bad, &b| bad | ((b < 0x20) & (b != b'\t') & (b != b'\n')));
    !control
        && !memchr::memchr_iter(0xEF, content)
            .any(|at| matches!(content.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])))
}

/// Text without references, carriage returns or `]]>` (which is not well-formed in text), of
/// XML characters only: one pass that vectorizes, then a search for the two bytes that start
/// what it cannot judge alone.
fn usual_text(text: &[u8]) -> bool {
    let plain = text
        .iter()
        .fold(true, |ok, &b| ok & ((b >= 0x20) | (b == b'\t') | (b == b'\n')) & (b != b'&'));
    // `memchr2_iter` rather than `memmem`: a searcher costs more to build than the short
    // texts of a message take to scan.
    plain
        && !memchr::memchr2_iter(b']', 0xEF, text).any(|at| match text.get(at..at + 3) {
            Some([b']', b']', b'>']) => true,
            // U+FFFE and U+FFFF, which are not XML characters.
            Some([0xEF, 0xBF, 0xBE | 0xBF]) => true,
            _ => false,
        })
}

/// Where the first `]]>` starts.
fn find_cdata_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b']', bytes).find(|&at| bytes.get(at..at + 3) == Some(b"]]>"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::parse;
    use crate::message::full_parse_nodes;

    /// Where the fast path answers, the full reader builds the same nodes (and needs no
    /// resolved text); where the full reader refuses, the fast path does not answer.
    fn agree(xml: &str) {
        let full = full_parse_nodes(xml);
        if let Some(fast) = parse(xml) {
            let (nodes, resolved) = full.unwrap_or_else(|e| panic!("{e:?} on {xml:?}"));
            assert_eq!(fast, nodes, "{xml:?}");
            assert!(resolved.is_empty(), "{xml:?}");
        }
    }

    #[test]
    fn the_fast_path_answers_for_every_body_of_the_corpus_and_agrees() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/callbacks");
        let mut unusual = Vec::new();
        let mut bodies = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let xml = std::fs::read_to_string(&path).unwrap();
                agree(&xml);
                bodies += 1;
                if parse(&xml).is_none() {
                    unusual.push(path.file_name().unwrap().to_string_lossy().into_owned());
                }
            }
        }
        // The shape Tencent sends: every body takes the fast path but the one composed with
        // references (`&amp;`, `&lt;`), which the full reader resolves, and a peer library's
        // copy that starts with an XML declaration (WeiXinMPSDK's wxa_media_check test).
        assert!(bodies >= 80, "{bodies} bodies");
        unusual.sort();
        assert_eq!(unusual, ["composed_wecom_link.xml", "senparc_wxa_media_check.xml"]);
    }

    #[test]
    fn unusual_shapes_are_left_to_the_full_reader() {
        for xml in [
            "<?xml version=\"1.0\"?><xml/>",
            "<xml><!-- c --></xml>",
            "<xml><A b=\"1\">x</A></xml>",
            "<xml><p:A xmlns:p=\"u\">x</p:A></xml>",
            "<xml><A>a&amp;b</A></xml>",
            "<xml><A>a\r\nb</A></xml>",
            "<xml><A>x<![CDATA[y]]></A></xml>",
            "<xml><A><![CDATA[x]]><![CDATA[y]]></A></xml>",
            "<xml>text<A/></xml>",
            "<xml><A/>text</xml>",
            "<xml><A>x</B></xml>",
            // An end tag that starts with the open element's name, or is cut short of it.
            "<xml><A>x</AB></xml>",
            "<xml><AB>x</A></xml>",
            "<xml><A>x</A.></xml>",
            "<xml><A>x</A",
            "<xml><A>x</A>",
            "<xml/><xml/>",
            "<xml>a]]>b</xml>",
            "\u{feff}<xml/>",
            "<企业>x</企业>",
            // Found by the fuzz target: text before the root, ending in `>`.
            ">xml><A>1</A></xml>",
            "x<xml/>",
        ] {
            assert!(parse(xml).is_none(), "{xml:?}");
            agree(xml);
        }
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<A>".to_owned()),
            Just("</A>".to_owned()),
            Just("<B>".to_owned()),
            Just("</B >".to_owned()),
            Just("<B/>".to_owned()),
            Just("<xml>".to_owned()),
            Just("</xml>".to_owned()),
            Just("<![CDATA[".to_owned()),
            Just("]]>".to_owned()),
            Just("]]".to_owned()),
            Just("<!--".to_owned()),
            Just("&lt;".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just("\t".to_owned()),
            Just("\u{1}".to_owned()),
            Just("\u{fffe}".to_owned()),
            "[a-z企😀<>&/!]{1,3}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn the_fast_path_agrees_with_the_full_reader(pieces in proptest::collection::vec(piece(), 0..24)) {
            agree(&pieces.concat());
        }

        #[test]
        fn the_fast_path_agrees_on_documents_built_to_be_usual(
            fields in proptest::collection::vec((0..4usize, "[a-z企 \n\t]{0,6}"), 0..12),
            indent in "[ \n\t]{0,3}",
        ) {
            let mut xml = String::from("<xml>");
            for (shape, text) in &fields {
                xml.push_str(&indent);
                match shape {
                    0 => xml.push_str(&format!("<F>{text}</F>")),
                    1 => xml.push_str(&format!("<F>{indent}<![CDATA[{text}]]>{indent}</F>")),
                    2 => xml.push_str(&format!("<G><H>{text}</H>{indent}<H/></G>")),
                    _ => xml.push_str("<E/>"),
                }
            }
            xml.push_str(&indent);
            xml.push_str("</xml>");
            prop_assert!(parse(&xml).is_some(), "{:?}", xml);
            agree(&xml);
        }
    }
}
