"""The XML envelope reader against ElementTree (expat), the parser behind Tencent's official
Python library: a generated corpus of well-formed and broken envelopes, each read by both.

ElementTree's verdict is a parse error, no `Encrypt` child of the root (`find("Encrypt")` is
None), or its text. The crate's must be the same, but for the differences named in
DECISIONS, each a choice the crate makes on purpose (and tests in tests/xml_strict.rs)."""

import random
import xml.etree.ElementTree as ET

from hostile import hostile_xml

# Real envelopes: WeCom (with AgentID), WeChat, indented as the docs show them, text instead of
# CDATA. The Encrypt value is a plausible base64 ciphertext.
CIPHER = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Q=="
BASES = [
    f"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{CIPHER}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>",
    f"<xml>\n    <ToUserName><![CDATA[gh_123]]></ToUserName>\n    <Encrypt><![CDATA[{CIPHER}]]></Encrypt>\n</xml>\n",
    f"<xml><ToUserName>ww1</ToUserName><Encrypt>{CIPHER}</Encrypt><AgentID>218</AgentID></xml>",
    f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <Encrypt>\n    <![CDATA[{CIPHER}]]>\n  </Encrypt>\n</xml>",
]

# Hand-written cases: each rule of XML 1.0 and Namespaces 1.0 a body can break, and what is
# allowed next to it.
CASES = [
    "<xml><Encrypt a=\"1\" a=\"2\">x</Encrypt></xml>",
    "<xml><Encrypt %%% \"<\">x</Encrypt></xml>",
    "<xml><Encrypt a=\"1\"b=\"2\">x</Encrypt></xml>",
    "<xml><Encrypt a=\"<\">x</Encrypt></xml>",
    "<xml><Encrypt a=\"&\">x</Encrypt></xml>",
    "<xml><Encrypt a=\"&#1;\">x</Encrypt></xml>",
    "<xml><Encrypt a='&lt;&#65;&quot;'>x</Encrypt></xml>",
    "<xml><Encrypt>&#1;</Encrypt></xml>",
    "<xml><Encrypt>&#xFFFE;</Encrypt></xml>",
    "<xml><Encrypt>&#x10FFFF;</Encrypt></xml>",
    "<xml><Encrypt>&#X41;</Encrypt></xml>",
    "<xml><Encrypt>&#65;&#x2B;&amp;&lt;&gt;&quot;&apos;</Encrypt></xml>",
    "<xml><Encrypt>&nbsp;</Encrypt></xml>",
    "<xml><Encrypt>a\x01b</Encrypt></xml>",
    "<xml><Encrypt><![CDATA[a\x00b]]></Encrypt></xml>",
    "<xml><Encrypt>a\ufffeb</Encrypt></xml>",
    "<xml><Encrypt>a]]>b</Encrypt></xml>",
    "<xml><Encrypt>a]]b>c</Encrypt></xml>",
    "<xml><?xml version=\"1.0\"?><Encrypt>x</Encrypt></xml>",
    "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><xml><Encrypt>x</Encrypt></xml>",
    " <?xml version=\"1.0\"?><xml><Encrypt>x</Encrypt></xml>",
    "<?xml version=\"1.1\"?><xml><Encrypt>x</Encrypt></xml>",
    "<?xml version = '1.0' standalone='no'?><xml><Encrypt>x</Encrypt></xml>",
    "<?xml version=\"1.0\"encoding=\"UTF-8\"?><xml><Encrypt>x</Encrypt></xml>",
    "<?xml encoding=\"UTF-8\"?><xml><Encrypt>x</Encrypt></xml>",
    "<?xml?><xml><Encrypt>x</Encrypt></xml>",
    "\ufeff<xml><Encrypt>x</Encrypt></xml>",
    "<xml><Encrypt>a&#13;b</Encrypt></xml>",
    "<xml><Encrypt>a\r\nb\rc</Encrypt></xml>",
    "<xml><Encrypt><![CDATA[a\r\n]]>&#13;<![CDATA[\rb]]></Encrypt></xml>",
    "<xml><Encrypt xmlns=\"urn:x\">x</Encrypt></xml>",
    "<xml xmlns=\"urn:x\"><Encrypt>x</Encrypt></xml>",
    "<xml xmlns=\"urn:x\"><Encrypt xmlns=\"\">x</Encrypt></xml>",
    "<xml xmlns:p=\"urn:x\"><p:Encrypt>no</p:Encrypt><Encrypt>yes</Encrypt></xml>",
    "<xml><p:Encrypt>x</p:Encrypt></xml>",
    "<xml><Encrypt p:a=\"1\">x</Encrypt></xml>",
    "<xml xmlns:p=\"\"><Encrypt>x</Encrypt></xml>",
    "<xml xmlns:a=\"urn:x\" xmlns:b=\"urn:x\"><Encrypt a:c=\"1\" b:c=\"2\">x</Encrypt></xml>",
    "<xml xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"><Encrypt xml:lang=\"en\">x</Encrypt></xml>",
    "<xml xmlns:xml=\"urn:x\"><Encrypt>x</Encrypt></xml>",
    "<xml xmlns=\"http://www.w3.org/2000/xmlns/\"><Encrypt>x</Encrypt></xml>",
    "<xml><1a/><Encrypt>x</Encrypt></xml>",
    "<xml><a:b:c/><Encrypt>x</Encrypt></xml>",
    "<xml><名字>张三</名字><Encrypt>x</Encrypt></xml>",
    "<xml><!-- a -- b --><Encrypt>x</Encrypt></xml>",
    "<xml><!-- a ---><Encrypt>x</Encrypt></xml>",
    "<xml><!----><?pi data?><Encrypt>x<!-- c -->y</Encrypt></xml>",
    "<xml><?Xml a?><Encrypt>x</Encrypt></xml>",
    "<xml><?a:b c?><Encrypt>x</Encrypt></xml>",
    "<xml><Encrypt>x</Encrypt></xml><Encrypt>y</Encrypt>",
    "<xml><Encrypt>x</Encrypt></xml>trailing",
    "<xml><Encrypt>x</Encrypt></xml><![CDATA[y]]>",
    "<xml><Encrypt>x</Encrypt>",
    "<xml><Encrypt>x</xml></Encrypt>",
    "<xml><Encrypt>x</Encrypt ></xml >",
    "<xml><Nested><Encrypt>deep</Encrypt></Nested></xml>",
    "<xml><Encrypt/></xml>",
    "<xml><Encrypt></Encrypt></xml>",
    "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
    "<xml><Encrypt>a<x/>b</Encrypt></xml>",
    "<xml><Encrypt>  padded\t</Encrypt></xml>",
    "<!DOCTYPE xml><xml><Encrypt>x</Encrypt></xml>",
    "<!DOCTYPE xml [<!ENTITY e \"AbC\">]><xml><Encrypt>&e;</Encrypt></xml>",
    "<root><Encrypt>x</Encrypt></root>",
    "<xml><Encrypt>" + "&#43;" * 200 + "</Encrypt></xml>",
    "<xml>" + "<a/>" * 200 + "<Encrypt>x</Encrypt></xml>",
    "",
    "not xml",
]

# What mutations splice in.
PIECES = ["<", ">", "&", "]", "]]>", "<![CDATA[", "]]", "<!--c-->", "<?pi x?>", "&#43;", "&amp;",
          "&#13;", " a=\"1\"", " xmlns=\"urn:x\"", " xmlns:p=\"urn:p\"", "p:", "\r", "\r\n", "\t", " ",
          "\x01", "\ufffe", "é", "/", "=", "\"", "'", "<Encrypt>x</Encrypt>", "<x/>", "<?xml version=\"1.0\"?>"]


def mutate(rng, body):
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(body))
        kind = rng.random()
        if kind < 0.4:
            body = body[:at] + rng.choice(PIECES) + body[at:]
        elif kind < 0.7:
            body = body[:at] + rng.choice(PIECES) + body[at + 1:]
        elif kind < 0.85:
            body = body[:at] + body[at + rng.randint(1, 8):]
        else:
            # CDATA <-> text
            body = body.replace("<![CDATA[", "", 1).replace("]]>", "", 1) if rng.random() < 0.5 \
                else body.replace(CIPHER, f"<![CDATA[{CIPHER}]]>", 1)
    return body


def corpus(rng, count):
    out = list(CASES) + list(BASES)
    while len(out) < count:
        out.append(mutate(rng, rng.choice(BASES)))
    return out


def element_tree(body):
    """("error",) | ("missing",) | ("found", text, children, count)"""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return ("error",)
    found = root.find("Encrypt")
    if found is None:
        return ("missing",)
    return ("found", found.text or "", len(found) > 0, len(root.findall("Encrypt")))


# The differences the crate makes on purpose, and how to recognise each.
DECISIONS = {
    "whitespace around the Encrypt value is not part of it": (
        "ElementTree returns the text with its indentation; base64 has no whitespace, and a "
        "value indented as the docs indent it should verify"),
    "more than one Encrypt child is refused (DuplicateEncrypt)": (
        "ElementTree's find() takes the first; two readers could take different ones"),
    "an Encrypt with child elements is refused (EncryptNotText)": (
        "ElementTree returns the text before the first child"),
    "a DOCTYPE is refused (DoctypeForbidden)": (
        "expat reads an internal subset and expands its entities; callbacks never have one"),
    "an empty Encrypt reads as the empty string": (
        "ElementTree's text is None; the core then refuses it (-40007)"),
    "more markup than an envelope of its size holds is refused (TooManyItems)": (
        "at most one reference or CDATA section per 32 bytes, plus 64, a tag, attribute, comment "
        "or processing instruction counting two and a namespace declaration four: the "
        "envelope is read before the signature is checked, and each item costs the reader far "
        "more than its bytes"),
}


def markup_items(body):
    """A rough count of what the crate counts: tags (not end tags), attributes, comments and
    processing instructions two each, namespace declarations four, references and CDATA
    sections one."""
    cdata = body.count("<![CDATA[")
    markup = body.count("<") - body.count("</") - cdata
    return 2 * markup + 2 * body.count("=") + 2 * body.count("xmlns") + body.count("&") + cdata


def strip(text):
    return text.strip(" \t\r\n")


def judge(body, theirs, ours):
    """None if equal, the name of a decision if it explains the difference, else a failure."""
    kind = theirs[0]
    if "<!DOCTYPE" in body and ours == {"fault": "DoctypeForbidden"}:
        return "a DOCTYPE is refused (DoctypeForbidden)"
    if ours == {"fault": "TooManyItems"} and kind != "error" and markup_items(body) > len(body) // 32 + 64:
        return "more markup than an envelope of its size holds is refused (TooManyItems)"
    if kind == "error":
        return None if ours == {"fault": "NotWellFormed"} else "FAIL"
    if kind == "missing":
        return None if ours == {"fault": "MissingEncrypt"} else "FAIL"
    _, text, children, count = theirs
    if count > 1:
        return "more than one Encrypt child is refused (DuplicateEncrypt)" \
            if ours == {"fault": "DuplicateEncrypt"} else "FAIL"
    if children:
        return "an Encrypt with child elements is refused (EncryptNotText)" \
            if ours == {"fault": "EncryptNotText"} else "FAIL"
    if ours == {"ok": text}:
        return None if text != "" else "an empty Encrypt reads as the empty string"
    if ours == {"ok": strip(text)}:
        return "whitespace around the Encrypt value is not part of it" if strip(text) else \
            "an empty Encrypt reads as the empty string"
    return "FAIL"


def run(rng, ours, results, count):
    seen = {}
    for body in corpus(rng, count):
        got = ours.ask({"op": "read_xml", "body": body})
        verdict = judge(body, element_tree(body), got)
        if verdict == "FAIL":
            results.check("xml: envelope read as ElementTree reads it", False,
                          f"{body!r:.200}: ElementTree {element_tree(body)!r:.80}, ours {got!r:.80}")
        else:
            results.check("xml: envelope read as ElementTree reads it", True)
            if verdict:
                seen[verdict] = seen.get(verdict, 0) + 1
    # The hostile shapes of 1 MiB at the edge of the budget (hostile.py): read to the end, and
    # exactly as ElementTree reads them; a tag more of each would be refused as TooManyItems.
    for name, body in hostile_xml().items():
        got = ours.ask({"op": "read_xml", "body": body})
        theirs = element_tree(body)
        results.check("xml: a hostile 1 MiB shape is read as ElementTree reads it",
                      got == {"ok": theirs[1]} if theirs[0] == "found" else False,
                      f"{name}: ElementTree {theirs!r:.80}, ours {got!r:.80}")
    # Every named decision must actually be exercised by the corpus, or it names nothing.
    for decision in DECISIONS:
        results.check(f"xml decision seen: {decision}", seen.get(decision, 0) > 0, "not exercised")
    return seen
