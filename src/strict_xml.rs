//! The crate's one XML reader: quick-xml's events, held to XML 1.0 well-formedness and XML
//! Namespaces 1.0, with the rules a callback needs on top (no DOCTYPE, so no entity is ever
//! declared, expanded or fetched).
//!
//! quick-xml tokenizes; it leaves most of well-formedness to its caller (it accepts `]]>` in
//! text, `<` in attribute values, attributes without whitespace between them, names that start
//! with a digit, a second XML declaration, `&#1;`). This reader adds those checks, so that what
//! it accepts is what a conforming parser (expat, behind the official Python library's
//! ElementTree) accepts, and a second reader of the same body never sees a different document.
//! `difftest/` holds it to ElementTree on a generated corpus; the named differences are listed
//! there.
//!
//! What it hands out: start and end tags (an empty-element tag as both), and character data as
//! it comes, each raw piece of text or CDATA apart from each resolved reference. Line ends are
//! for the consumer to normalise, piece by piece ([`normalize_line_ends`], XML §2.11): so that
//! `&#13;` stays a carriage return, and so that a consumer that trims whitespace can do it first
//! and copy nothing. Whitespace outside the root is checked and dropped; comments and processing
//! instructions are checked and dropped.
//!
//! Used by the envelope reader ([`crate::xml`]) and the message parser ([`crate::message`]);
//! its writer half ([`push_cdata_or_text`]) by the envelope and passive-reply renderers.

use std::borrow::Cow;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesDecl, BytesStart, Event};

use crate::error::Error;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not well-formed XML (or not namespace-well-formed).
    NotWellFormed,
    /// A DOCTYPE, which callbacks never have: refused, never expanded.
    Doctype,
    /// More items (tags, attributes, references, CDATA sections, comments, processing
    /// instructions) than the [`Budget`] allows for the bytes read so far.
    TooManyItems,
}

/// How many items a document may hold.
///
/// Each item costs quick-xml an event (tens of nanoseconds), however few bytes it takes: a
/// megabyte of `&#43;` is 200,000 events. The envelope is read before the signature is checked,
/// so anyone can send one; its items are bounded by its size. A real envelope has about ten
/// items in a kilobyte, and a ciphertext needs at most one reference per `+` (one character in
/// 64), should a sender escape it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// At most one item per 16 bytes read, plus 64.
    Envelope,
    /// At most one item per 8 bytes read, plus 256: a message, denser than an envelope (the
    /// densest real body has one item in 19 bytes), which may also arrive unauthenticated
    /// (plaintext mode) and is bounded all the same: so is the parsed message's table of
    /// elements, to a few times the body's size.
    Message,
}

impl Budget {
    fn allows(self, items: usize, bytes_read: u64) -> bool {
        let (per, slack) = match self {
            Budget::Envelope => (16, 64),
            Budget::Message => (8, 256),
        };
        let allowed = usize::try_from(bytes_read / per).unwrap_or(usize::MAX);
        items <= allowed.saturating_add(slack)
    }
}

/// One item of a document, as [`Reader::next`] hands them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A start tag, or an empty-element tag (followed at once by [`Item::End`]).
    Start {
        /// The name as written (`Encrypt`, `p:Encrypt`).
        name: &'a str,
        /// Whether the element is in a namespace: it has a prefix, or a default namespace
        /// (`xmlns="…"`) is in scope. `Encrypt` in a namespace is not the `Encrypt` of a callback.
        namespaced: bool,
    },
    /// The end of the element last started and not yet ended.
    End,
    /// Character data: a run of text, raw: its literal line ends not yet normalised
    /// ([`normalize_line_ends`]).
    Text(Cow<'a, str>),
    /// A CDATA section's content, raw like [`Item::Text`].
    CData(Cow<'a, str>),
    /// A character or predefined entity reference, resolved.
    Char(char),
}

/// A document read item by item; see the module docs.
pub(crate) struct Reader<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    body: &'a str,
    /// Names of the open elements' namespace scopes: for each open element, how many
    /// `namespaces` entries it added.
    scopes: Vec<usize>,
    /// In-scope namespace declarations, innermost last: (prefix, namespace name); the default
    /// namespace has the prefix "".
    namespaces: Vec<(&'a str, Cow<'a, str>)>,
    seen_root: bool,
    seen_event: bool,
    budget: Budget,
    items: usize,
    /// An empty-element tag's end, to hand out next.
    pending_end: bool,
    done: bool,
}

impl<'a> Reader<'a> {
    /// Starts reading `body`, which is first checked to hold only XML 1.0 characters (the
    /// whole document must: markup, text and CDATA alike).
    pub(crate) fn new(body: &'a str, budget: Budget) -> Result<Reader<'a>, Fault> {
        if !all_xml_chars(body) {
            return Err(Fault::NotWellFormed);
        }
        // quick-xml skips a leading byte-order mark itself.
        let mut reader = quick_xml::Reader::from_str(body);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Ok(Reader {
            reader,
            body,
            scopes: Vec::new(),
            namespaces: Vec::new(),
            seen_root: false,
            seen_event: false,
            budget,
            items: 0,
            pending_end: false,
            done: false,
        })
    }

    /// How many elements are open.
    pub(crate) fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// The next item, or `None` at the end of a well-formed document.
    pub(crate) fn next(&mut self) -> Result<Option<Item<'a>>, Fault> {
        if self.pending_end {
            self.pending_end = false;
            self.close_scope();
            return Ok(Some(Item::End));
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let event = self.reader.read_event().map_err(|_| Fault::NotWellFormed)?;
            let first = !std::mem::replace(&mut self.seen_event, true);
            if !matches!(event, Event::Text(_) | Event::End(_) | Event::Eof) {
                self.spend(1)?;
            }
            let depth = self.depth();
            match event {
                Event::Decl(decl) => {
                    // Only as the very first thing (quick-xml has skipped a byte-order mark;
                    // whitespace before it would have been an event of its own).
                    if !first || !well_formed_decl(&decl) {
                        return Err(Fault::NotWellFormed);
                    }
                }
                Event::DocType(_) => return Err(Fault::Doctype),
                Event::PI(pi) => {
                    let target = pi.target();
                    if !is_name(target)
                        || target.contains(':')
                        || target.eq_ignore_ascii_case("xml")
                    {
                        return Err(Fault::NotWellFormed);
                    }
                }
                Event::Comment(comment) => {
                    // `--` inside is refused by quick-xml; a comment may not end in `-` either.
                    if comment.ends_with('-') {
                        return Err(Fault::NotWellFormed);
                    }
                }
                Event::Start(tag) => return self.start(&tag).map(Some),
                Event::Empty(tag) => {
                    let item = self.start(&tag)?;
                    self.pending_end = true;
                    return Ok(Some(item));
                }
                Event::End(_) => {
                    // quick-xml has matched the name with the start tag's.
                    if depth == 0 {
                        return Err(Fault::NotWellFormed);
                    }
                    self.close_scope();
                    return Ok(Some(Item::End));
                }
                Event::Text(text) => {
                    let raw = text.into_inner();
                    if depth == 0 {
                        if !raw.bytes().all(is_xml_space) {
                            return Err(Fault::NotWellFormed);
                        }
                        continue;
                    }
                    if memchr::memmem::find(raw.as_bytes(), b"]]>").is_some() {
                        return Err(Fault::NotWellFormed);
                    }
                    return Ok(Some(Item::Text(raw)));
                }
                Event::CData(cdata) => {
                    if depth == 0 {
                        return Err(Fault::NotWellFormed);
                    }
                    return Ok(Some(Item::CData(cdata.into_inner())));
                }
                Event::GeneralRef(reference) => {
                    if depth == 0 {
                        return Err(Fault::NotWellFormed);
                    }
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => resolve_predefined_entity(&reference)
                            .and_then(|s| s.chars().next())
                            .ok_or(Fault::NotWellFormed)?,
                        Err(_) => return Err(Fault::NotWellFormed),
                    };
                    if !is_xml_char(resolved) {
                        return Err(Fault::NotWellFormed);
                    }
                    return Ok(Some(Item::Char(resolved)));
                }
                Event::Eof => {
                    if depth != 0 || !self.seen_root {
                        return Err(Fault::NotWellFormed);
                    }
                    self.done = true;
                }
            }
        }
    }

    /// Checks a start tag's name and attributes, opens its namespace scope, and hands it out.
    fn start(&mut self, tag: &BytesStart<'_>) -> Result<Item<'a>, Fault> {
        if self.depth() == 0 {
            if self.seen_root {
                return Err(Fault::NotWellFormed);
            }
            self.seen_root = true;
        }
        let name = in_body(self.body, tag.name().as_ref())?;
        if !is_qname(name) {
            return Err(Fault::NotWellFormed);
        }
        let attributes = attributes(in_body(self.body, tag.attributes_raw())?)?;
        self.spend(attributes.len())?;
        // Declarations first: they are in scope for the element's own name and attributes.
        let mut declared = 0;
        for (key, value) in &attributes {
            let declaration = if *key == "xmlns" { Some("") } else { key.strip_prefix("xmlns:") };
            let Some(prefix) = declaration else { continue };
            check_declaration(prefix, value)?;
            self.namespaces.push((prefix, value.clone()));
            declared += 1;
        }
        self.scopes.push(declared);
        let (prefix, _) = split_qname(name);
        let namespace = self.resolve(prefix)?;
        // Attributes: prefixes bound, and no two with the same expanded name.
        if has_duplicate(attributes.iter().map(|(key, _)| *key).collect()) {
            return Err(Fault::NotWellFormed);
        }
        let mut expanded: Vec<(&str, &str)> = Vec::with_capacity(attributes.len());
        for (key, _) in &attributes {
            if *key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let (prefix, local) = split_qname(key);
            let namespace = match prefix {
                None => "",
                Some(prefix) => self.resolve(Some(prefix))?.unwrap_or(""),
            };
            expanded.push((namespace, local));
        }
        if has_duplicate(expanded) {
            return Err(Fault::NotWellFormed);
        }
        Ok(Item::Start { name, namespaced: namespace.is_some_and(|ns| !ns.is_empty()) })
    }

    /// The namespace a prefix (or, for `None`, the default namespace) is bound to; an unbound
    /// prefix is not namespace-well-formed.
    fn resolve(&self, prefix: Option<&str>) -> Result<Option<&str>, Fault> {
        let wanted = prefix.unwrap_or("");
        if wanted == "xml" {
            return Ok(Some(XML_NAMESPACE));
        }
        match self.namespaces.iter().rev().find(|(p, _)| *p == wanted) {
            Some((_, namespace)) => Ok(Some(namespace)),
            None if prefix.is_none() => Ok(None),
            None => Err(Fault::NotWellFormed),
        }
    }

    /// Counts `items` more against the budget.
    fn spend(&mut self, items: usize) -> Result<(), Fault> {
        self.items = self.items.saturating_add(items);
        if self.budget.allows(self.items, self.reader.buffer_position()) {
            Ok(())
        } else {
            Err(Fault::TooManyItems)
        }
    }

    fn close_scope(&mut self) {
        let declared = self.scopes.pop().unwrap_or(0);
        let keep = self.namespaces.len().saturating_sub(declared);
        self.namespaces.truncate(keep);
    }
}

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// The rules of XML Namespaces 1.0 §3 for `xmlns:prefix="value"` (prefix "" for `xmlns`).
fn check_declaration(prefix: &str, value: &str) -> Result<(), Fault> {
    let ok = match prefix {
        // The default namespace may be undeclared with "", but not bound to the reserved ones.
        "" => value != XML_NAMESPACE && value != XMLNS_NAMESPACE,
        "xml" => value == XML_NAMESPACE,
        "xmlns" => false,
        _ => !value.is_empty() && value != XML_NAMESPACE && value != XMLNS_NAMESPACE,
    };
    if ok && (prefix.is_empty() || is_ncname(prefix)) { Ok(()) } else { Err(Fault::NotWellFormed) }
}

/// `part`, a piece of `body` that quick-xml lent for a shorter borrow, as a piece of `body`:
/// found again by its address (`get` checks the two ends are character boundaries, `ptr::eq`
/// that the range is those very bytes).
fn in_body<'a>(body: &'a str, part: &str) -> Result<&'a str, Fault> {
    let start =
        part.as_ptr().addr().checked_sub(body.as_ptr().addr()).ok_or(Fault::NotWellFormed)?;
    let end = start.checked_add(part.len()).ok_or(Fault::NotWellFormed)?;
    let found = body.get(start..end).ok_or(Fault::NotWellFormed)?;
    if std::ptr::eq(found, part) {
        Ok(found)
    } else {
        debug_assert!(false, "quick-xml lends pieces of the body it reads");
        Err(Fault::NotWellFormed)
    }
}

/// Splits a QName at its colon: (prefix, local name).
fn split_qname(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

fn is_qname(name: &str) -> bool {
    match name.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(name),
    }
}

/// A name without a colon.
fn is_ncname(name: &str) -> bool {
    !name.contains(':') && is_name(name)
}

/// XML 1.0 (fifth edition) `Name`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}'
        | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}'
        | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// The attributes of a start tag, from the text after its name (`tag.attributes_raw()`), held
/// to `(S Attribute)* S?`: whitespace before every attribute, `Name Eq AttValue`, no `<` in a
/// value and only well-formed references, no name twice. Values are returned resolved.
fn attributes(raw: &str) -> Result<Vec<(&str, Cow<'_, str>)>, Fault> {
    let mut out: Vec<(&str, Cow<'_, str>)> = Vec::new();
    let mut rest = raw;
    loop {
        let trimmed = rest.trim_start_matches(is_xml_space_char);
        let had_space = trimmed.len() < rest.len();
        rest = trimmed;
        if rest.is_empty() {
            return Ok(out);
        }
        if !had_space {
            return Err(Fault::NotWellFormed);
        }
        let name_end =
            rest.find(|c: char| is_xml_space_char(c) || c == '=').ok_or(Fault::NotWellFormed)?;
        let (name, after) = rest.split_at_checked(name_end).ok_or(Fault::NotWellFormed)?;
        if !is_qname(name) {
            return Err(Fault::NotWellFormed);
        }
        let after = after.trim_start_matches(is_xml_space_char);
        let after = after.strip_prefix('=').ok_or(Fault::NotWellFormed)?;
        let after = after.trim_start_matches(is_xml_space_char);
        let quote =
            after.chars().next().filter(|&q| q == '"' || q == '\'').ok_or(Fault::NotWellFormed)?;
        let after = after.get(1..).ok_or(Fault::NotWellFormed)?;
        let end = after.find(quote).ok_or(Fault::NotWellFormed)?;
        let (value, after) = after.split_at_checked(end).ok_or(Fault::NotWellFormed)?;
        out.push((name, attribute_value(value)?));
        rest = after.get(1..).ok_or(Fault::NotWellFormed)?;
    }
}

/// Whether two of `names` are equal: sorted, so that a tag with many attributes costs
/// `n log n`, not `n²`.
fn has_duplicate<T: Ord>(mut names: Vec<T>) -> bool {
    names.sort_unstable();
    names.windows(2).any(|pair| matches!(pair, [a, b] if a == b))
}

/// An attribute value: no raw `<`, references resolved (character references to XML
/// characters, the five predefined entities).
fn attribute_value(raw: &str) -> Result<Cow<'_, str>, Fault> {
    if raw.contains('<') {
        return Err(Fault::NotWellFormed);
    }
    let value = quick_xml::escape::unescape_with(raw, resolve_predefined_entity)
        .map_err(|_| Fault::NotWellFormed)?;
    if matches!(value, Cow::Owned(_)) && !value.chars().all(is_xml_char) {
        return Err(Fault::NotWellFormed);
    }
    Ok(value)
}

/// The XML declaration's pseudo-attributes: `version`, then optionally `encoding` (an
/// EncName), then optionally `standalone` (`yes` or `no`), nothing else.
///
/// The version is held to what expat accepts (letters, digits, `_`, `.` and `-`, even none),
/// not to XML 1.0's `1.` and digits: the official Python library reads such a body, so this
/// does too.
fn well_formed_decl(decl: &BytesDecl<'_>) -> bool {
    // The declaration's text is `xml` and its pseudo-attributes.
    let Some(raw) = decl.strip_prefix("xml") else { return false };
    let Ok(pairs) = attributes(raw) else { return false };
    let mut pairs = pairs.into_iter().peekable();
    let version_ok = pairs.next().is_some_and(|(name, value)| {
        name == "version"
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    });
    if !version_ok {
        return false;
    }
    if pairs.peek().is_some_and(|(name, _)| *name == "encoding") {
        let encoding_ok = pairs.next().is_some_and(|(_, value)| {
            let mut chars = value.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
        if !encoding_ok {
            return false;
        }
    }
    if pairs.peek().is_some_and(|(name, _)| *name == "standalone") {
        let standalone_ok = pairs.next().is_some_and(|(_, value)| value == "yes" || value == "no");
        if !standalone_ok {
            return false;
        }
    }
    pairs.next().is_none()
}

/// XML 1.0's `Char`: tab, newline, carriage return, and U+0020 up, less the surrogates (which a
/// `char` never is) and U+FFFE, U+FFFF.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Whether every character of `text` is an XML `Char`, in a pass that vectorises: a control
/// byte other than tab, newline and carriage return, or the UTF-8 of U+FFFE or U+FFFF (`EF BF
/// BE`, `EF BF BF`), is what can make a Rust string not XML.
pub(crate) fn all_xml_chars(text: &str) -> bool {
    let bytes = text.as_bytes();
    let no_control = bytes
        .iter()
        .fold(true, |ok, &b| ok & ((b >= 0x20) | (b == b'\t') | (b == b'\n') | (b == b'\r')));
    // `memchr_iter` rather than `memmem`: a searcher for a two-byte needle costs more to build
    // than the short texts it mostly runs on.
    no_control
        && !memchr::memchr_iter(0xEF, bytes)
            .any(|at| matches!(bytes.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])))
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_xml_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// XML 1.0 §2.11: a literal CR LF, or a CR alone, is a LF. Borrows unless there is a CR (found
/// with a SIMD search).
pub(crate) fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

// Writing: character data that reads back as it was written.

/// CDATA as the official template has it, unless the value cannot survive CDATA unchanged.
pub(crate) fn push_cdata_or_text(out: &mut String, value: &str) -> Result<(), Error> {
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
pub(crate) fn push_text(out: &mut String, value: &str) -> Result<(), Error> {
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
    if all_xml_chars(value) { Ok(()) } else { Err(Error::ReplyFieldNotRepresentable) }
}

/// One branch-free pass (it vectorizes) that clears the usual reply field for CDATA.
fn is_printable_ascii_without_bracket(value: &str) -> bool {
    // `b - 0x20 < 0x5F` is `b' ' <= b <= b'~'` as one unsigned compare.
    value.bytes().fold(true, |ok, b| ok & (b.wrapping_sub(0x20) < 0x5F) & (b != b']'))
}
