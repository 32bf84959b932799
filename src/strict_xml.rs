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
//! Used by the envelope reader ([`crate::xml`]) and `wxbizmsgcrypt-callback`'s message parser;
//! its writer half ([`push_cdata_or_text`]) by the envelope and passive-reply renderers.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesDecl, BytesStart, Event};

use crate::error::Error;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
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
///
/// Items are tags, attributes, references (in text and in attribute values), CDATA sections,
/// comments and processing instructions, each counted by its cost (in an envelope, a tag or an
/// attribute counts two). So bounded, any body costs the reader time and memory in proportion
/// to its size, within a small factor of what the same size of CDATA costs (`tests/pre_signature.rs`, `benches/interleaved.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// At most one item per 32 bytes read, plus 64; markup counts two. A real envelope has
    /// about ten items and no reference; even a ciphertext with each `+` and `/` escaped by a
    /// proxy has fewer than one reference in 32 bytes.
    Envelope,
    /// At most one item per 8 bytes read, plus 256: a message, denser than an envelope (the
    /// densest real body has one item in 19 bytes), which may also arrive unauthenticated
    /// (plaintext mode) and is bounded all the same: so is the parsed message's table of
    /// elements, to a few times the body's size.
    Message,
}

/// What an item is, for what it counts against the [`Budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// A character or entity reference, a CDATA section, the XML declaration: what a
    /// legitimate envelope may hold many of (a ciphertext escaped by a proxy has a reference
    /// in every 64 characters or so).
    Reference,
    /// A start or empty-element tag, an attribute, a comment, a processing instruction: what
    /// an envelope holds a handful of, and what costs the reader most (names checked, prefixes
    /// resolved, duplicates looked for).
    Markup,
    /// A namespace declaration: a binding held for its element's whole scope, about 100 bytes
    /// of memory (its entry, its place in the lookup table), where the shortest declaration of
    /// a new prefix takes 13 bytes of the body. It counts four items, so that what the
    /// bindings hold stays below the body's size.
    Declaration,
}

/// Tags with at most this many attributes are checked for duplicates pairwise; longer ones
/// through a set, so that a tag of many attributes costs `n`, not `n²`.
const PAIRWISE_ATTRIBUTES: usize = 16;

impl Budget {
    /// How many items a `cost` counts. In an envelope, markup counts two: a real one has a
    /// handful of tags and nothing else, and each costs the reader several times what a
    /// reference does.
    pub fn items(self, cost: Cost) -> usize {
        match (self, cost) {
            (_, Cost::Reference) | (Budget::Message, Cost::Markup) => 1,
            (Budget::Envelope, Cost::Markup) => 2,
            (_, Cost::Declaration) => 4,
        }
    }

    fn allows(self, items: usize, bytes_read: u64) -> bool {
        let (per, slack) = match self {
            Budget::Envelope => (32, 64),
            Budget::Message => (8, 256),
        };
        let allowed = usize::try_from(bytes_read / per).unwrap_or(usize::MAX);
        items <= allowed.saturating_add(slack)
    }
}

/// One item of a document, as [`Reader::next_item`] hands them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
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
pub struct Reader<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    body: &'a str,
    /// For each open element, how many namespace bindings it added.
    scopes: Vec<u32>,
    /// The namespace declarations in scope, looked up in constant time.
    namespaces: Namespaces<'a>,
    /// The attribute names of the tag being read (kept, so that each is parsed once).
    names: Vec<&'a str>,
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
    ///
    /// # Errors
    ///
    /// [`Fault::NotWellFormed`] if `body` holds a character that is not an XML character.
    pub fn new(body: &'a str, budget: Budget) -> Result<Reader<'a>, Fault> {
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
            namespaces: Namespaces::default(),
            names: Vec::new(),
            seen_root: false,
            seen_event: false,
            budget,
            items: 0,
            pending_end: false,
            done: false,
        })
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// The next item, or `None` at the end of a well-formed document.
    ///
    /// # Errors
    ///
    /// The first [`Fault`] of the document: not well-formed, a DOCTYPE, or more markup than
    /// the budget allows.
    pub fn next_item(&mut self) -> Result<Option<Item<'a>>, Fault> {
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
            let cost = match event {
                Event::Text(_) | Event::End(_) | Event::Eof => None,
                Event::Start(_) | Event::Empty(_) | Event::Comment(_) | Event::PI(_) => {
                    Some(Cost::Markup)
                }
                Event::Decl(_) | Event::DocType(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    Some(Cost::Reference)
                }
            };
            if let Some(cost) = cost {
                self.spend(self.budget.items(cost))?;
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
                    // `]` is rare in text: look for it alone first.
                    if memchr::memchr(b']', raw.as_bytes()).is_some()
                        && memchr::memmem::find(raw.as_bytes(), b"]]>").is_some()
                    {
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
    ///
    /// Linear in the tag's length whatever it holds: the attributes are walked twice without
    /// being collected (once to count them against the budget and bind the declarations, once
    /// for duplicates), and every prefix is looked up in constant time.
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
        let raw = in_body(self.body, tag.attributes_raw())?;
        self.scopes.push(0);
        self.names.clear();
        // Every attribute is counted against the budget before it is kept, and every
        // reference in its value (each is resolved); a declaration counts
        // `DECLARATION_ITEMS`. Declarations are bound as they come: in scope for the element's
        // own name and all of its attributes, which are resolved once all are bound.
        for attribute in Attributes::new(raw) {
            let (key, value) = attribute?;
            let declared = declared_prefix(key);
            let cost = if declared.is_some() { Cost::Declaration } else { Cost::Markup };
            let references =
                references_in(value).saturating_mul(self.budget.items(Cost::Reference));
            self.spend(self.budget.items(cost).saturating_add(references))?;
            let value = attribute_value(value)?;
            self.names.push(key);
            if let Some(prefix) = declared {
                check_declaration(prefix, &value)?;
                self.namespaces.bind(prefix, value);
                if let Some(declared) = self.scopes.last_mut() {
                    *declared = declared.saturating_add(1);
                }
            }
        }
        let (prefix, _) = split_qname(name);
        let namespace = self.namespaces.resolve(prefix)?;
        if !self.names.is_empty() && self.has_duplicate_attribute()? {
            return Err(Fault::NotWellFormed);
        }
        Ok(Item::Start { name, namespaced: namespace.is_some_and(|ns| !ns.is_empty()) })
    }

    /// Whether two of the tag's attributes (`self.names`) have the same expanded name; an
    /// unbound prefix is a fault. A declaration's expanded name is in the xmlns namespace, so
    /// `xmlns:a` twice is a duplicate, and so are `a:x` and `b:x` with `a` and `b` bound to one
    /// namespace.
    ///
    /// A few attributes are compared pairwise. More go through a set of their keyed 64-bit
    /// hashes, so that a tag of many costs `n`, not `n²` (or `n log n` string comparisons);
    /// only if two hashes meet, which a sender cannot arrange without the key, are the names
    /// sorted and compared.
    fn has_duplicate_attribute(&self) -> Result<bool, Fault> {
        let namespaces = &self.namespaces;
        let expanded = |key: &'a str| -> Result<(&str, &'a str), Fault> {
            Ok(match split_qname(key) {
                (None, "xmlns") => (XMLNS_NAMESPACE, "xmlns"),
                (Some("xmlns"), local) => (XMLNS_NAMESPACE, local),
                (Some(prefix), local) => (namespaces.resolve(Some(prefix))?.unwrap_or(""), local),
                (None, local) => ("", local),
            })
        };
        if self.names.len() <= PAIRWISE_ATTRIBUTES {
            let mut seen = [("", ""); PAIRWISE_ATTRIBUTES];
            for (i, &key) in self.names.iter().enumerate() {
                let name = expanded(key)?;
                let earlier = seen.get(..i).unwrap_or_default();
                if earlier.contains(&name) {
                    return Ok(true);
                }
                if let Some(slot) = seen.get_mut(i) {
                    *slot = name;
                }
            }
            return Ok(false);
        }
        let mut hashes: HashSet<u64, IdentityHasher> =
            HashSet::with_capacity_and_hasher(self.names.len(), IdentityHasher);
        let mut collision = false;
        for &key in &self.names {
            collision |= !hashes.insert(namespaces.hasher.hash_one(expanded(key)?));
        }
        if !collision {
            return Ok(false);
        }
        drop(hashes);
        let mut sorted =
            self.names.iter().map(|&key| expanded(key)).collect::<Result<Vec<_>, _>>()?;
        sorted.sort_unstable();
        Ok(sorted.windows(2).any(|pair| matches!(pair, [a, b] if a == b)))
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
        for _ in 0..declared {
            self.namespaces.unbind();
        }
    }
}

/// The namespace declarations in scope: every binding, innermost last, and for each prefix
/// the place of its innermost binding, so that a lookup costs one hash however many are in
/// scope (a backward search cost a megabyte of them seconds).
struct Namespaces<'a> {
    bindings: Vec<Binding<'a>>,
    /// Prefix ("" for the default namespace) → index of its innermost binding.
    innermost: HashMap<&'a str, u32, RandomState>,
    /// Keyed per reader: the prefixes and attribute names are the sender's.
    hasher: RandomState,
}

struct Binding<'a> {
    prefix: &'a str,
    namespace: Cow<'a, str>,
    /// The binding of the same prefix this one hides, to restore when it goes out of scope.
    hides: Option<u32>,
}

impl Default for Namespaces<'_> {
    fn default() -> Self {
        let hasher = RandomState::new();
        Namespaces { bindings: Vec::new(), innermost: HashMap::with_hasher(hasher.clone()), hasher }
    }
}

impl<'a> Namespaces<'a> {
    fn bind(&mut self, prefix: &'a str, namespace: Cow<'a, str>) {
        // Fewer bindings than bytes in a body, which `Reader::new` had as a `&str`.
        let index = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
        let hides = self.innermost.insert(prefix, index);
        self.bindings.push(Binding { prefix, namespace, hides });
    }

    fn unbind(&mut self) {
        let Some(binding) = self.bindings.pop() else { return };
        match binding.hides {
            Some(hidden) => self.innermost.insert(binding.prefix, hidden),
            None => self.innermost.remove(binding.prefix),
        };
    }

    /// The namespace a prefix (or, for `None`, the default namespace) is bound to; an unbound
    /// prefix is not namespace-well-formed.
    fn resolve(&self, prefix: Option<&str>) -> Result<Option<&str>, Fault> {
        let wanted = prefix.unwrap_or("");
        if wanted == "xml" {
            return Ok(Some(XML_NAMESPACE));
        }
        // The usual document declares nothing: no hashing at all.
        let found = if self.bindings.is_empty() {
            None
        } else {
            let index = self.innermost.get(wanted).and_then(|&i| usize::try_from(i).ok());
            index.and_then(|i| self.bindings.get(i))
        };
        match found {
            Some(binding) => Ok(Some(&binding.namespace)),
            None if prefix.is_none() => Ok(None),
            None => Err(Fault::NotWellFormed),
        }
    }
}

/// The prefix an attribute name declares ("" for the default namespace), if it is a
/// namespace declaration.
fn declared_prefix(key: &str) -> Option<&str> {
    if key == "xmlns" { Some("") } else { key.strip_prefix("xmlns:") }
}

/// How many references an attribute value holds.
fn references_in(value: &str) -> usize {
    value.bytes().filter(|&b| b == b'&').count()
}

/// The identity on `u64`s that are already keyed hashes.
#[derive(Clone, Copy, Default)]
struct IdentityHasher;

impl BuildHasher for IdentityHasher {
    type Hasher = IdentityHash;
    fn build_hasher(&self) -> IdentityHash {
        IdentityHash(0)
    }
}

struct IdentityHash(u64);

impl std::hash::Hasher for IdentityHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called (a `u64` key); fold anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
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
    match name.bytes().position(|b| b == b':') {
        Some(at) => (name.get(..at), name.get(at + 1..).unwrap_or_default()),
        None => (None, name),
    }
}

fn is_qname(name: &str) -> bool {
    match split_qname(name) {
        (Some(prefix), local) => is_ncname(prefix) && is_ncname(local),
        (None, local) => is_ncname(local),
    }
}

/// A name without a colon.
fn is_ncname(name: &str) -> bool {
    !name.as_bytes().contains(&b':') && is_name(name)
}

/// XML 1.0 (fifth edition) `Name`. ASCII names, the usual ones, are checked a byte at a time
/// through a table; others a character at a time.
fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_ascii() {
        let class = |b: u8| ASCII_NAME.get(usize::from(b)).copied().unwrap_or(NOT_NAME);
        return bytes.first().is_some_and(|&b| class(b) == NAME_START)
            && bytes.iter().all(|&b| class(b) != NOT_NAME);
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

const NOT_NAME: u8 = 0;
const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;

/// For each ASCII byte, whether it may start a name, only continue one, or neither.
#[allow(clippy::indexing_slicing)] // `b` runs over 0..128, the table's length.
const ASCII_NAME: [u8; 128] = {
    let mut table = [NOT_NAME; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            NAME_START
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            NAME_CHAR
        } else {
            NOT_NAME
        };
        b += 1;
    }
    table
};

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
/// to `(S Attribute)* S?`: whitespace before every attribute, `Name Eq AttValue`. Hands out each
/// name and its raw value (check and resolve it with [`attribute_value`]); stops at the first
/// fault, which it hands out last.
struct Attributes<'a> {
    rest: &'a str,
    failed: bool,
}

impl<'a> Attributes<'a> {
    fn new(raw: &'a str) -> Attributes<'a> {
        Attributes { rest: raw, failed: false }
    }

    fn step(&mut self) -> Result<Option<(&'a str, &'a str)>, Fault> {
        let rest = self.rest;
        let trimmed = trim_space_start(rest);
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.len() == rest.len() {
            return Err(Fault::NotWellFormed);
        }
        let name_end = trimmed
            .bytes()
            .position(|b| is_xml_space(b) || b == b'=')
            .ok_or(Fault::NotWellFormed)?;
        let (name, after) = trimmed.split_at_checked(name_end).ok_or(Fault::NotWellFormed)?;
        if !is_qname(name) {
            return Err(Fault::NotWellFormed);
        }
        let after = trim_space_start(after).strip_prefix('=').ok_or(Fault::NotWellFormed)?;
        let after = trim_space_start(after);
        let quote = match after.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(Fault::NotWellFormed),
        };
        let after = after.get(1..).ok_or(Fault::NotWellFormed)?;
        let end = memchr::memchr(quote, after.as_bytes()).ok_or(Fault::NotWellFormed)?;
        let (value, after) = after.split_at_checked(end).ok_or(Fault::NotWellFormed)?;
        self.rest = after.get(1..).ok_or(Fault::NotWellFormed)?;
        Ok(Some((name, value)))
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(&'a str, &'a str), Fault>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let step = self.step();
        self.failed = step.is_err();
        step.transpose()
    }
}

impl Clone for Attributes<'_> {
    fn clone(&self) -> Self {
        Attributes { rest: self.rest, failed: self.failed }
    }
}

fn trim_space_start(text: &str) -> &str {
    text.trim_start_matches(is_xml_space_char)
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
    let Ok(pairs) = Attributes::new(raw)
        .map(|attribute| attribute.and_then(|(name, value)| Ok((name, attribute_value(value)?))))
        .collect::<Result<Vec<_>, Fault>>()
    else {
        return false;
    };
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
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Whether every character of `text` is an XML `Char`, in a pass that vectorises: a control
/// byte other than tab, newline and carriage return, or the UTF-8 of U+FFFE or U+FFFF (`EF BF
/// BE`, `EF BF BF`), is what can make a Rust string not XML.
pub fn all_xml_chars(text: &str) -> bool {
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
pub fn normalize_line_ends(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

// Writing: character data that reads back as it was written.

/// CDATA as the official template has it, unless the value cannot survive CDATA unchanged.
///
/// # Errors
///
/// [`Error::ReplyFieldNotRepresentable`] (`-40011`) for a character XML cannot carry.
pub fn push_cdata_or_text(out: &mut String, value: &str) -> Result<(), Error> {
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
///
/// # Errors
///
/// [`Error::ReplyFieldNotRepresentable`] (`-40011`) for a character XML cannot carry.
pub fn push_text(out: &mut String, value: &str) -> Result<(), Error> {
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
