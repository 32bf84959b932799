//! The XML messages and events WeCom and WeChat send: what a decrypted callback says.
//!
//! [`Message::parse`] reads the plaintext of a callback (WeCom self-built and third-party apps,
//! WeCom instruction callbacks, WeChat 公众号/小程序 and 开放平台 component events) once, with the
//! crate's strict XML reader, and keeps **every** element: [`Message::get`] reads any top-level
//! field, modelled or not; [`Message::element`] any nested one. [`Message::kind`] is a typed
//! view on top, `#[non_exhaustive]` all the way down: a message type, event, change type or
//! instruction this crate does not know yet is [`Kind::Unknown`] (or an `Unknown` variant
//! within), never an error, and its fields stay readable.
//!
//! Pure: no I/O, and nothing of the crypto. Replies are in [`crate::reply`].
//!
//! ```
//! use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
//!
//! // The plaintext of a WeCom text message (developer.work.weixin.qq.com, path/96467).
//! let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>\
//!            <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>\
//!            <Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";
//! let message = Message::parse(xml)?;
//! assert_eq!(message.from_user_name(), Some("fromUser"));
//! assert_eq!(message.msg_id(), Some(1234567890123456));
//! match message.kind() {
//!     Kind::Text(text) => assert_eq!(text.content, Some("this is a test")),
//!     Kind::Event(Event::Click { event_key, .. }) => println!("clicked {event_key:?}"),
//!     _ => {} // anything else, including kinds added next year
//! }
//! // Fields the model does not name are there too, exactly as sent.
//! assert_eq!(message.get("AgentID"), Some("1"));
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

mod canonical;
pub(crate) mod dedup;
mod json;
mod kind;
mod shop;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use self::dedup::DedupKey;
pub use self::json::JsonMessage;
pub(crate) use self::json::{JsonObject, json_u64};
pub use self::kind::*;
pub use self::shop::ShopEvent;
use wxbizmsgcrypt::__private::strict_xml::{self, Budget, Fault, Item};
use wxbizmsgcrypt::{Error, MessageFault};

/// A parsed XML callback plaintext: every element, its text, its children.
///
/// Build it with [`Message::parse`]. It owns its data (one copy of the text, and one table of
/// elements), so it can be moved to a background task. Its `Debug` output names the message
/// type and lists the field names, never their values.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::Message;
///
/// let message = Message::parse("<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>")?;
/// assert_eq!((message.msg_type(), message.event()), (Some("event"), Some("subscribe")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone)]
pub struct Message {
    /// The XML, as given.
    source: Box<str>,
    /// Texts that had to be joined, resolved or normalised.
    resolved: String,
    /// The elements in document order; the root first.
    nodes: Vec<Node>,
}

/// One element: its name (in `source`), its text, and its place in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    name: Range<usize>,
    text: Span,
    /// Index of the first child, the next sibling; 0 for none (the root is no one's child or
    /// sibling).
    first_child: usize,
    next_sibling: usize,
}

/// Where an element's text is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Span {
    /// No character data (besides whitespace between child elements).
    None,
    Source(Range<usize>),
    Resolved(Range<usize>),
}

impl Message {
    /// Parses the XML plaintext of a callback:
    /// [`Decrypted::message`](wxbizmsgcrypt::Decrypted::message).
    ///
    /// Any root element and any elements are accepted. Element text may be CDATA or text, or
    /// both; whitespace around CDATA (and between child elements) is formatting, not text;
    /// text without CDATA is kept exactly as sent; character and predefined entity references
    /// are resolved; line ends are normalised as XML §2.11 says.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedMessage`] (`-40002`) only for text that is not well-formed XML
    /// ([`MessageFault::NotWellFormed`]), that declares a DOCTYPE
    /// ([`MessageFault::DoctypeForbidden`]), or that holds more markup than one item per 8
    /// bytes plus 256, counted as it is read ([`MessageFault::TooManyItems`], a bound on what
    /// an unauthenticated plaintext-mode body can cost; the densest real message has one item
    /// in 19 bytes). A message of an unknown kind, or missing fields, is no
    /// error.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::MessageFault;
    /// use wxbizmsgcrypt_callback::{Error, message::Message};
    ///
    /// // The official suite_ticket sample (path/90628): a space before the CDATA.
    /// let xml = "<xml>\n<SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>\n<InfoType> <![CDATA[suite_ticket]]></InfoType>\n\
    ///            <TimeStamp>1403610513</TimeStamp>\n<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>\n</xml>";
    /// assert_eq!(Message::parse(xml)?.info_type(), Some("suite_ticket"));
    ///
    /// let err = Message::parse("<xml><Content>a ]]> b</Content></xml>").unwrap_err();
    /// assert_eq!(err, Error::MalformedMessage(MessageFault::NotWellFormed));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse(xml: &str) -> Result<Message, Error> {
        let (nodes, resolved) = parse_nodes(xml).map_err(|fault| {
            Error::MalformedMessage(match fault {
                Fault::NotWellFormed => MessageFault::NotWellFormed,
                Fault::Doctype => MessageFault::DoctypeForbidden,
                Fault::TooManyItems => MessageFault::TooManyItems,
            })
        })?;
        Ok(Message { source: Box::from(xml), resolved, nodes })
    }

    /// The text of the top-level field `name` (a child of the root), modelled or not, exactly
    /// as sent; `None` if there is no such field, or it holds only other elements. If the field
    /// appears more than once, the first.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><NewField>v</NewField></xml>")?;
    /// assert_eq!(message.get("NewField"), Some("v"));
    /// assert_eq!(message.get("Missing"), None);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.root().child(name)?.text()
    }

    /// The top-level element `name` (the first, if there are several): for nested fields.
    ///
    /// # Example
    ///
    /// ```
    /// let xml = "<xml><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>";
    /// let message = wxbizmsgcrypt_callback::message::Message::parse(xml)?;
    /// let info = message.element("ScanCodeInfo").expect("present");
    /// assert_eq!(info.get("ScanType"), Some("qrcode"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn element(&self, name: &str) -> Option<Element<'_>> {
        self.root().child(name)
    }

    /// The root element (`<xml>` in every callback).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><A>1</A><B>2</B></xml>")?;
    /// let names: Vec<&str> = message.root().children().map(|e| e.name()).collect();
    /// assert_eq!(names, ["A", "B"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn root(&self) -> Element<'_> {
        Element { message: self, index: 0 }
    }

    /// Every top-level field with text, in order, as `(name, text)`: what [`get`](Message::get)
    /// reads.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><A>1</A><B><C>2</C></B><D/></xml>")?;
    /// let fields: Vec<(&str, &str)> = message.fields().collect();
    /// assert_eq!(fields, [("A", "1"), ("D", "")]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.root().children().filter_map(|e| Some((e.name(), e.text()?)))
    }

    /// `MsgType`: `text`, `image`, `event`, … (`None` for instruction callbacks, which have an
    /// `InfoType` instead).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><MsgType>text</MsgType></xml>")?;
    /// assert_eq!(message.msg_type(), Some("text"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn msg_type(&self) -> Option<&str> {
        self.get("MsgType")
    }

    /// `Event`, for `MsgType` `event`: `subscribe`, `click`, `change_contact`, …
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><MsgType>event</MsgType><Event>CLICK</Event></xml>")?;
    /// assert_eq!(message.event(), Some("CLICK"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// `InfoType`, for instruction callbacks (WeCom third-party apps: `suite_ticket`,
    /// `create_auth`, …; 开放平台: `component_verify_ticket`, `authorized`, …).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><InfoType>cancel_auth</InfoType></xml>")?;
    /// assert_eq!(message.info_type(), Some("cancel_auth"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn info_type(&self) -> Option<&str> {
        self.get("InfoType")
    }

    /// `ToUserName`: the corpid (WeCom) or the account's `gh_` id (WeChat); may be empty.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><ToUserName><![CDATA[]]></ToUserName></xml>")?;
    /// assert_eq!(message.to_user_name(), Some(""));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn to_user_name(&self) -> Option<&str> {
        self.get("ToUserName")
    }

    /// `FromUserName`: the sender's UserID (WeCom) or OpenID (WeChat); `sys` for contact events.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><FromUserName>sys</FromUserName></xml>")?;
    /// assert_eq!(message.from_user_name(), Some("sys"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn from_user_name(&self) -> Option<&str> {
        self.get("FromUserName")
    }

    /// `CreateTime`, sent in seconds since the Unix epoch; `None` if absent or not a decimal
    /// number of seconds.
    ///
    /// It comes from inside the ciphertext, so it is covered by the signature as a whole: a
    /// server can judge freshness on it ([`check_timestamp`](wxbizmsgcrypt::check_timestamp)). The
    /// query's `timestamp` is not bound on its own (the scheme sorts the signed parts and joins
    /// them without separators, so a captured request also verifies with its timestamp and
    /// nonce swapped or re-split).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><CreateTime>1348831860</CreateTime></xml>")?;
    /// assert_eq!(message.create_time(), Some(UNIX_EPOCH + Duration::from_secs(1348831860)));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn create_time(&self) -> Option<SystemTime> {
        parse_time(self.get("CreateTime")?)
    }

    /// `TimeStamp`, the time of an instruction callback (which has no `CreateTime`), sent in
    /// seconds; inside the ciphertext like `CreateTime`.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><TimeStamp>1403610513</TimeStamp></xml>")?;
    /// assert_eq!(message.timestamp(), Some(UNIX_EPOCH + Duration::from_secs(1403610513)));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn timestamp(&self) -> Option<SystemTime> {
        parse_time(self.get("TimeStamp")?)
    }

    /// `MsgId` (or `MsgID`, as 公众号 template and mass-send events spell it) as a 64-bit
    /// integer (ids go beyond 2^53, so never as a float); `None` if absent or not a decimal
    /// number. Some WeCom ids are text (`CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==`): read those with
    /// [`get`](Message::get)`("MsgId")`. [`dedup_key`](Message::dedup_key) uses the text.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><MsgID>3487542469355618313</MsgID></xml>")?;
    /// assert_eq!(message.msg_id(), Some(3487542469355618313));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn msg_id(&self) -> Option<u64> {
        parse_u64(self.get("MsgId").or_else(|| self.get("MsgID"))?)
    }

    /// `AgentID`, the WeCom application (WeChat messages have none).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><AgentID>1000002</AgentID></xml>")?;
    /// assert_eq!(message.agent_id(), Some(1000002));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn agent_id(&self) -> Option<u64> {
        parse_u64(self.get("AgentID")?)
    }

    fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index)
    }

    /// The text at `text`: `None` for an element without character data, and (it cannot
    /// happen: every range was cut at character boundaries when parsed) for a range that does
    /// not lie in its string.
    fn text_of(&self, text: &Span) -> Option<&str> {
        let found = match text {
            Span::None => return None,
            Span::Source(range) => self.source.get(range.clone()),
            Span::Resolved(range) => self.resolved.get(range.clone()),
        };
        debug_assert!(found.is_some(), "a parsed text lies in its string");
        found
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.root().children().map(|e| e.name()).collect();
        f.debug_struct("Message")
            .field("msg_type", &self.msg_type())
            .field("event", &self.event())
            .field("info_type", &self.info_type())
            .field("fields", &names)
            .finish_non_exhaustive()
    }
}

/// An element of a [`Message`]: its name, text and children.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::Message;
///
/// // WeCom splits a picture list into one <PicList> per picture (WxJava's testSendPicsInfo).
/// let xml = "<xml><SendPicsInfo><Count>2</Count>\
///            <PicList><item><PicMd5Sum><![CDATA[aaae]]></PicMd5Sum></item></PicList>\
///            <PicList><item><PicMd5Sum><![CDATA[149b]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>";
/// let message = Message::parse(xml)?;
/// let info = message.element("SendPicsInfo").expect("present");
/// let sums: Vec<&str> = info
///     .children_named("PicList")
///     .flat_map(|list| list.children_named("item"))
///     .filter_map(|item| item.get("PicMd5Sum"))
///     .collect();
/// assert_eq!(sums, ["aaae", "149b"]);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Element<'a> {
    message: &'a Message,
    index: usize,
}

impl<'a> Element<'a> {
    /// The element's name, as written.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><Content>hi</Content></xml>")?;
    /// assert_eq!(message.root().name(), "xml");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &'a str {
        let name = self.node().and_then(|node| self.message.source.get(node.name.clone()));
        debug_assert!(name.is_some(), "a parsed name lies in the source");
        // Names were checked when parsed; were one ever out of place, it would read as no
        // name, which matches no field: what is looked up by name is then absent.
        name.unwrap_or_default()
    }

    /// The element's text: its character data as [`Message::parse`] reads it, `Some("")` for
    /// an empty element, `None` for one that holds only other elements.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><A> <![CDATA[x]]> </A><B> y </B><C><D/></C></xml>")?;
    /// let root = message.root();
    /// assert_eq!(root.child("A").and_then(|e| e.text()), Some("x"));
    /// assert_eq!(root.child("B").and_then(|e| e.text()), Some(" y "));
    /// assert_eq!(root.child("C").and_then(|e| e.text()), None);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn text(&self) -> Option<&'a str> {
        self.message.text_of(&self.node()?.text)
    }

    /// The text of the child `name` (the first one): [`child`](Element::child) then
    /// [`text`](Element::text).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><BatchJob><JobId>j1</JobId></BatchJob></xml>")?;
    /// assert_eq!(message.element("BatchJob").and_then(|job| job.get("JobId")), Some("j1"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.child(name)?.text()
    }

    /// The first child named `name`.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><A><B>1</B></A></xml>")?;
    /// assert!(message.root().child("A").and_then(|a| a.child("B")).is_some());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn child(&self, name: &str) -> Option<Element<'a>> {
        self.children_named(name).next()
    }

    /// The children, in order.
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><A/><B/></xml>")?;
    /// assert_eq!(message.root().children().count(), 2);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn children(&self) -> impl Iterator<Item = Element<'a>> + use<'a> {
        let message = self.message;
        let first = self.node().map_or(0, |node| node.first_child);
        std::iter::successors((first != 0).then_some(first), move |&index| {
            let next = message.node(index)?.next_sibling;
            (next != 0).then_some(next)
        })
        .map(move |index| Element { message, index })
    }

    /// The children named `name`, in order: for repeated elements (`item`, `PicList`,
    /// `SelectedItem`, …).
    ///
    /// # Example
    ///
    /// ```
    /// let message = wxbizmsgcrypt_callback::message::Message::parse("<xml><L><item>1</item><item>2</item></L></xml>")?;
    /// let items: Vec<&str> = message.element("L").into_iter().flat_map(|l| l.children_named("item")).filter_map(|i| i.text()).collect();
    /// assert_eq!(items, ["1", "2"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn children_named<'n>(
        &self,
        name: &'n str,
    ) -> impl Iterator<Item = Element<'a>> + use<'a, 'n> {
        self.children().filter(move |child| child.name() == name)
    }

    fn node(&self) -> Option<&'a Node> {
        let node = self.message.node(self.index);
        debug_assert!(node.is_some(), "an element handle names a parsed node");
        node
    }
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Element").field("name", &self.name()).finish_non_exhaustive()
    }
}

/// A decimal `u64`, digits only (no sign, no spaces: a field that is not one is not one).
pub(crate) fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A time Tencent writes as decimal seconds since the Unix epoch; `None` if it is not one, or
/// is past what this platform's clock holds.
pub(crate) fn parse_time(text: &str) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(parse_u64(text)?))
}

/// A piece of an element's character data, as the reader hands it out (raw: line ends not yet
/// normalised).
enum Piece<'a> {
    Text(Cow<'a, str>),
    CData(Cow<'a, str>),
    Char(char),
}

/// An element open while parsing.
struct Open {
    node: usize,
    /// Where its pieces start in the shared list.
    pieces_from: usize,
    last_child: usize,
    has_child: bool,
}

/// Reads `xml` into its nodes, and the resolved texts they point into: with the fast path
/// ([`canonical`]) for the usual shape, else with the full reader.
fn parse_nodes(xml: &str) -> Result<(Vec<Node>, String), Fault> {
    if let Some(nodes) = canonical::parse(xml) {
        return Ok((nodes, String::new()));
    }
    full_parse_nodes(xml)
}

/// [`parse_nodes`] with the full reader alone.
fn full_parse_nodes(xml: &str) -> Result<(Vec<Node>, String), Fault> {
    let mut reader = strict_xml::Reader::new(xml, Budget::Message)?;
    let mut nodes: Vec<Node> = Vec::with_capacity(16);
    let mut resolved = String::new();
    let mut pieces: Vec<Piece<'_>> = Vec::with_capacity(4);
    let mut open: Vec<Open> = Vec::with_capacity(4);
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Start { name, .. } => {
                let index = nodes.len();
                let name = range_in(xml, name).ok_or(Fault::NotWellFormed)?;
                nodes.push(Node { name, text: Span::None, first_child: 0, next_sibling: 0 });
                if let Some(parent) = open.last_mut() {
                    parent.has_child = true;
                    let link = if parent.last_child == 0 {
                        nodes.get_mut(parent.node).map(|p| &mut p.first_child)
                    } else {
                        nodes.get_mut(parent.last_child).map(|s| &mut s.next_sibling)
                    };
                    *link.ok_or(Fault::NotWellFormed)? = index;
                    parent.last_child = index;
                }
                open.push(Open {
                    node: index,
                    pieces_from: pieces.len(),
                    last_child: 0,
                    has_child: false,
                });
            }
            Item::End => {
                let element = open.pop().ok_or(Fault::NotWellFormed)?;
                let own = pieces.get(element.pieces_from..).unwrap_or_default();
                let text = element_text(xml, own, element.has_child, &mut resolved);
                pieces.truncate(element.pieces_from);
                nodes.get_mut(element.node).ok_or(Fault::NotWellFormed)?.text = text;
            }
            Item::Text(text) => pieces.push(Piece::Text(text)),
            Item::CData(text) => pieces.push(Piece::CData(text)),
            Item::Char(c) => pieces.push(Piece::Char(c)),
        }
    }
    Ok((nodes, resolved))
}

/// An element's text from its pieces.
///
/// - With child elements, whitespace-only text is formatting; other text is kept (joined).
/// - With a CDATA section, whitespace-only text before the first piece and after the last is
///   formatting (`<InfoType> <![CDATA[suite_ticket]]></InfoType>` in the official sample);
///   whitespace between pieces is kept.
/// - Text alone is kept exactly.
fn element_text(xml: &str, pieces: &[Piece<'_>], has_child: bool, resolved: &mut String) -> Span {
    let formatting = |piece: &Piece<'_>| matches!(piece, Piece::Text(text) if text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')));
    let has_cdata = pieces.iter().any(|piece| matches!(piece, Piece::CData(_)));
    // With CDATA, only the formatting at either end goes.
    let (from, to) = if has_cdata && !has_child {
        let from = pieces.iter().take_while(|piece| formatting(piece)).count();
        let to = pieces.len() - pieces.iter().rev().take_while(|piece| formatting(piece)).count();
        (from, to.max(from))
    } else {
        (0, pieces.len())
    };
    let pieces = pieces.get(from..to).unwrap_or_default();
    let mut kept = pieces.iter().filter(|piece| !(has_child && formatting(piece)));
    let Some(first) = kept.next() else {
        return if has_child { Span::None } else { Span::Source(0..0) };
    };
    let second = kept.next();
    // One raw piece of the source without a line end to normalise: a range of the source.
    if let (Piece::Text(Cow::Borrowed(raw)) | Piece::CData(Cow::Borrowed(raw)), None) =
        (first, second)
        && !raw.contains('\r')
        && let Some(range) = range_in(xml, raw)
    {
        return Span::Source(range);
    }
    let start = resolved.len();
    for piece in std::iter::once(first).chain(second).chain(kept) {
        match piece {
            Piece::Char(c) => resolved.push(*c),
            Piece::Text(text) | Piece::CData(text) => {
                resolved.push_str(&strict_xml::normalize_line_ends(text));
            }
        }
    }
    Span::Resolved(start..resolved.len())
}

/// Where `part`, a piece of `whole`, lies in it (found by its address).
fn range_in(whole: &str, part: &str) -> Option<Range<usize>> {
    let start = part.as_ptr().addr().checked_sub(whole.as_ptr().addr())?;
    let end = start.checked_add(part.len())?;
    let found = whole.get(start..end)?;
    std::ptr::eq(found, part).then_some(start..end)
}

/// For the fuzz target that holds the fast path to the full reader: `false` if the fast path
/// answers with other nodes than the full reader builds, or answers where it refuses.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzzing_fast_path_agrees(xml: &str) -> bool {
    match canonical::parse(xml) {
        None => true,
        Some(fast) => full_parse_nodes(xml)
            .is_ok_and(|(nodes, resolved)| nodes == fast && resolved.is_empty()),
    }
}
