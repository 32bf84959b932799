//! `xml::read_encrypt` is as strict as a conforming parser: the bodies expat (behind the official
//! Python library's ElementTree) refuses are refused, with `NotWellFormed`; what it reads, this
//! reads the same. Each case is written from the XML 1.0 / Namespaces 1.0 rule it breaks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::borrow::Cow;

use wxbizmsgcrypt::{EnvelopeFault, Error, xml};

fn refused(body: &str) -> Error {
    xml::read_encrypt(body).expect_err(body)
}

const NOT_WELL_FORMED: Error = Error::MalformedEnvelope(EnvelopeFault::NotWellFormed);

#[test]
fn the_ten_kinds_of_body_that_are_not_well_formed() {
    for body in [
        // Attributes: unique names (§3.1 WFC: Unique Att Spec), `Name Eq AttValue`.
        "<xml><Encrypt a=\"1\" a=\"2\">x</Encrypt></xml>",
        "<xml a='1' a='2'><Encrypt>x</Encrypt></xml>",
        "<xml><Encrypt %%% \"<\">x</Encrypt></xml>",
        "<xml><Encrypt a=1>x</Encrypt></xml>",
        "<xml><Encrypt a=\"1\"b=\"2\">x</Encrypt></xml>",
        "<xml><Encrypt a>x</Encrypt></xml>",
        // A raw `<`, or an `&` that is no reference, in an attribute value (§3.1 WFC: No < in
        // Attribute Values; §4.1).
        "<xml><Encrypt a=\"<\">x</Encrypt></xml>",
        "<xml><Encrypt a=\"&\">x</Encrypt></xml>",
        "<xml><Encrypt a=\"&nbsp;\">x</Encrypt></xml>",
        // References that name no character (§4.1 WFC: Legal Character).
        "<xml><Encrypt>&#1;</Encrypt></xml>",
        "<xml><Encrypt>&#xFFFE;</Encrypt></xml>",
        "<xml><Encrypt>&#xFFFF;</Encrypt></xml>",
        "<xml><Encrypt>&#0;</Encrypt></xml>",
        "<xml><Encrypt>&#xD800;</Encrypt></xml>",
        "<xml><Encrypt>&#x110000;</Encrypt></xml>",
        "<xml><Encrypt>&#X41;</Encrypt></xml>",
        "<xml><Encrypt a=\"&#1;\">x</Encrypt></xml>",
        // A raw control character in text, a raw NUL in CDATA (§2.2 Char).
        "<xml><Encrypt>a\u{1}b</Encrypt></xml>",
        "<xml><Encrypt><![CDATA[a\u{0}b]]></Encrypt></xml>",
        "<xml><Encrypt>a\u{FFFE}b</Encrypt></xml>",
        "<xml>\u{B}<Encrypt>x</Encrypt></xml>",
        // `]]>` in text (§2.4).
        "<xml><Encrypt>a]]>b</Encrypt></xml>",
        "<xml><ToUserName>]]></ToUserName><Encrypt>x</Encrypt></xml>",
        // An XML declaration anywhere but at the very start, or twice (§2.8).
        "<xml><?xml version=\"1.0\"?><Encrypt>x</Encrypt></xml>",
        "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><xml><Encrypt>x</Encrypt></xml>",
        " <?xml version=\"1.0\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?xml encoding=\"UTF-8\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?xml version=\"1:0\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?xml version=\"1 0\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?xml version=\"1.0\" standalone=\"maybe\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?xml version=\"1.0\" bogus=\"1\"?><xml><Encrypt>x</Encrypt></xml>",
        "<?XML version=\"1.0\"?><xml><Encrypt>x</Encrypt></xml>",
        // Names (§2.3): no digit, no `-` first; QNames with one colon (Namespaces §3).
        "<xml><1a/><Encrypt>x</Encrypt></xml>",
        "<xml><-a/><Encrypt>x</Encrypt></xml>",
        "<xml><a:b:c/><Encrypt>x</Encrypt></xml>",
        "<xml><:a/><Encrypt>x</Encrypt></xml>",
        "< xml><Encrypt>x</Encrypt></xml>",
        // Unbound prefixes, and bindings the namespace rules forbid.
        "<xml><p:Encrypt>x</p:Encrypt></xml>",
        "<xml><Encrypt p:a=\"1\">x</Encrypt></xml>",
        "<xml xmlns:p=\"\"><Encrypt>x</Encrypt></xml>",
        "<xml xmlns:xmlns=\"urn:x\"><Encrypt>x</Encrypt></xml>",
        "<xml xmlns:xml=\"urn:x\"><Encrypt>x</Encrypt></xml>",
        "<xml xmlns:a=\"urn:x\" xmlns:b=\"urn:x\"><Encrypt a:c=\"1\" b:c=\"2\">x</Encrypt></xml>",
        // Comments and processing instructions (§2.5, §2.6).
        "<xml><!-- a -- b --><Encrypt>x</Encrypt></xml>",
        "<xml><!-- a ---><Encrypt>x</Encrypt></xml>",
        "<xml><?xml-stylesheet?><? ?><Encrypt>x</Encrypt></xml>",
        // Structure.
        "<xml><Encrypt>x</Encrypt></xml><Encrypt>y</Encrypt>",
        "<xml><Encrypt>x</Encrypt></xml>trailing",
        "<xml><Encrypt>x</Encrypt></xml><![CDATA[y]]>",
        "<xml><Encrypt>x</Encrypt></xml>&#65;",
        "<xml><Encrypt>x</Encrypt>",
        "<xml><Encrypt>x</xml></Encrypt>",
        "",
    ] {
        assert_eq!(refused(body), NOT_WELL_FORMED, "{body:?}");
    }
}

#[test]
fn what_is_well_formed_is_still_read() {
    for (body, expected) in [
        // A declaration at the very start (after a byte-order mark too).
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><xml><Encrypt>x</Encrypt></xml>",
            "x",
        ),
        ("\u{FEFF}<?xml version='1.0'?><xml><Encrypt>x</Encrypt></xml>", "x"),
        // Versions as expat takes them (XML 1.0 says `1.` and digits; expat is the reference).
        ("<?xml version=\"1.1\"?><xml><Encrypt>x</Encrypt></xml>", "x"),
        ("<?xml version=\"\"?><xml><Encrypt>x</Encrypt></xml>", "x"),
        // Attributes, well formed, on any element; a processing instruction; comments.
        ("<xml a=\"1\" b='&lt;&#65;'><Encrypt c=\"&quot;\">x</Encrypt></xml>", "x"),
        ("<xml><?pi data?><!-- - --><Encrypt>x<!---->y</Encrypt></xml>", "xy"),
        // `>` alone in text is fine; only `]]>` is not.
        ("<xml><ToUserName>a>b]]</ToUserName><Encrypt>x</Encrypt></xml>", "x"),
        // Namespaces: bound prefixes elsewhere, an undeclared default namespace.
        ("<xml xmlns:p=\"urn:x\"><p:Other/><Encrypt p:a=\"1\">x</Encrypt></xml>", "x"),
        ("<xml xmlns=\"urn:x\"><Encrypt xmlns=\"\">x</Encrypt></xml>", "x"),
        (
            "<xml xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"><Encrypt xml:lang=\"en\">x</Encrypt></xml>",
            "x",
        ),
        // Non-ASCII names (XML 1.0 fifth edition).
        ("<xml><名字>张三</名字><Encrypt>x</Encrypt></xml>", "x"),
    ] {
        assert_eq!(xml::read_encrypt(body).unwrap_or_else(|e| panic!("{body:?}: {e}")), expected);
    }
}

/// `Encrypt` in a namespace is not the callback's `Encrypt`, as a namespace-aware reader
/// (ElementTree's `find("Encrypt")`) sees it: a prefixed name, or a default namespace declared
/// on it or around it.
#[test]
fn encrypt_in_a_namespace_is_not_encrypt() {
    for body in [
        "<xml><Encrypt xmlns=\"urn:x\">x</Encrypt></xml>",
        "<xml xmlns=\"urn:x\"><Encrypt>x</Encrypt></xml>",
        "<xml xmlns:p=\"urn:x\"><p:Encrypt>x</p:Encrypt></xml>",
    ] {
        assert_eq!(
            refused(body),
            Error::MalformedEnvelope(EnvelopeFault::MissingEncrypt),
            "{body:?}"
        );
    }
    // The namespaced one is another element: the plain one next to it is read.
    let both = "<xml xmlns:p=\"urn:x\"><p:Encrypt>no</p:Encrypt><Encrypt>yes</Encrypt></xml>";
    assert_eq!(xml::read_encrypt(both).unwrap(), "yes");
}

/// Line ends are normalised on the document (XML §2.11), before references are resolved: a
/// literal CR is a newline, `&#13;` a carriage return.
#[test]
fn a_carriage_return_reference_stays_a_carriage_return() {
    assert_eq!(xml::read_encrypt("<xml><Encrypt>a&#13;b</Encrypt></xml>").unwrap(), "a\rb");
    assert_eq!(xml::read_encrypt("<xml><Encrypt>a&#xD;&#xA;b</Encrypt></xml>").unwrap(), "a\r\nb");
    assert_eq!(xml::read_encrypt("<xml><Encrypt>a\r\nb\rc</Encrypt></xml>").unwrap(), "a\nb\nc");
    assert_eq!(
        xml::read_encrypt("<xml><Encrypt><![CDATA[a\r\n]]>&#13;<![CDATA[\rb]]></Encrypt></xml>")
            .unwrap(),
        "a\n\r\nb"
    );
}

#[test]
fn a_doctype_is_still_refused_and_never_expanded() {
    for body in [
        "<!DOCTYPE xml><xml><Encrypt>x</Encrypt></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"AbC\">]><xml><Encrypt>&e;</Encrypt></xml>",
        "<?xml version=\"1.0\"?><!DOCTYPE xml SYSTEM \"http://example.invalid/x.dtd\"><xml/>",
    ] {
        assert_eq!(
            refused(body),
            Error::MalformedEnvelope(EnvelopeFault::DoctypeForbidden),
            "{body:?}"
        );
    }
    // An entity never declared is not well-formed, not expanded.
    assert_eq!(refused("<xml><Encrypt>&e;</Encrypt></xml>"), NOT_WELL_FORMED);
}

/// Well-formedness is judged on the whole body first: the envelope's shape is only reported for
/// a body that is XML.
#[test]
fn not_well_formed_wins_over_the_shape() {
    assert_eq!(refused("<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt>]]></xml>"), NOT_WELL_FORMED);
    assert_eq!(refused("<xml><Encrypt><x/></Encrypt>&#1;</xml>"), NOT_WELL_FORMED);
    assert_eq!(
        refused("<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>"),
        Error::MalformedEnvelope(EnvelopeFault::DuplicateEncrypt)
    );
    assert_eq!(
        refused("<xml><Encrypt><x/></Encrypt><Encrypt>b</Encrypt></xml>"),
        Error::MalformedEnvelope(EnvelopeFault::EncryptNotText)
    );
}

/// The usual values are read without a copy, whichever reader reads them.
#[test]
fn usual_values_are_borrowed() {
    for body in [
        "<xml><Encrypt><![CDATA[AbC+/=]]></Encrypt></xml>",
        "<xml>\n  <Encrypt>\n    <![CDATA[AbC+/=]]>\n  </Encrypt>\n</xml>\n",
        "<xml><Encrypt>  AbC+/=\t\r\n</Encrypt></xml>",
        "<?xml version=\"1.0\"?><xml><!-- full reader --><Encrypt>\r\n<![CDATA[AbC+/=]]>\r\n</Encrypt></xml>",
    ] {
        let got = xml::read_encrypt(body).unwrap();
        assert_eq!(got, "AbC+/=", "{body:?}");
        assert!(matches!(got, Cow::Borrowed(_)), "copied without need: {body:?}");
    }
}

/// Markup is bounded by the body's size before the signature is checked: at most one item (a
/// reference, a CDATA section; a tag, an attribute or a comment counts two) per 32 bytes, plus
/// 64. A ciphertext with every `+` escaped is inside it.
#[test]
fn markup_is_bounded_by_the_size_of_the_body() {
    let too_many = Error::MalformedEnvelope(EnvelopeFault::TooManyItems);
    let references = format!("<xml><Encrypt>{}</Encrypt></xml>", "&#43;".repeat(200));
    assert_eq!(refused(&references), too_many);
    let tags = format!("<xml>{}<Encrypt>x</Encrypt></xml>", "<a/>".repeat(200));
    assert_eq!(refused(&tags), too_many);
    let attributes: String = (0..200).map(|i| format!(" a{i}=\"\"")).collect();
    assert_eq!(refused(&format!("<xml{attributes}><Encrypt>x</Encrypt></xml>")), too_many);
    // Within it: 64 references in a short body, and a real ciphertext with each `+` escaped.
    let few = format!("<xml><Encrypt>{}</Encrypt></xml>", "&#43;".repeat(60));
    assert_eq!(xml::read_encrypt(&few).unwrap(), "+".repeat(60));
    let cipher =
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhG+d3Q==";
    let long = cipher.repeat(200);
    let escaped = format!("<xml><Encrypt>{}</Encrypt></xml>", long.replace('+', "&#43;"));
    assert_eq!(xml::read_encrypt(&escaped).unwrap(), long);
}
