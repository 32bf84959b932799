"""Messages and passive replies against ElementTree and the official Python library.

1. The message reader: random callback plaintexts (fields with CJK, emoji, "]]>", "&", "<",
   tabs, newlines and carriage returns, as CDATA, as escaped text, or as CDATA split around a
   "]]>"; nested blocks; repeated elements), each read by `Message::parse` and by ElementTree.
   Every top-level field with text must come back with ElementTree's text, in order.
2. Passive replies: the official WeCom library (weworkapi) encrypts a request from a random
   sender; the crate answers it with `reply::Reply::seal` (a text, or a news article); weworkapi
   decrypts the reply and ElementTree reads it: To/From swapped, the CreateTime given, the
   content exactly. Content XML cannot carry, or a text over 2048 bytes, must be refused with
   -40011 instead.
"""

import xml.etree.ElementTree as ET

from weworkapi.WXBizMsgCrypt3 import WXBizMsgCrypt as WeWork

# Decisions of the crate's message reader that differ from ElementTree on purpose.
DECISIONS = {
    "whitespace around a CDATA section is formatting": (
        "`<InfoType> <![CDATA[suite_ticket]]></InfoType>` (the official suite_ticket sample) "
        "reads as 'suite_ticket'; ElementTree keeps the space"),
}

NAMES = ["ToUserName", "FromUserName", "Content", "EventKey", "Title", "Description", "New_Field", "x"]
PIECES = ["a", "Z", "9", " ", "企业微信", "😀", "]]>", "]]", "<", ">", "&", "\"", "'", "\t", "\n", "\r", "\r\n"]
TEXT_MAX_BYTES = 2048
# Characters XML 1.0 cannot carry at all, not even escaped.
NOT_XML = ["\x01", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff"]


def value(rng, max_pieces=12):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, max_pieces)))


def escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def as_cdata(text):
    """CDATA, split around every "]]>" (the one way CDATA can hold it)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def field_xml(rng, text):
    """`text` written as XML content that reads back to it (carriage returns included)."""
    if "\r" in text:
        # A literal carriage return is a line end to a parser (XML 2.11): escape it.
        return escape(text)
    return as_cdata(text) if rng.random() < 0.6 else escape(text)


def message_body(rng):
    """A random callback plaintext; returns (body, [(name, text)] of top-level text fields,
    whether a field has whitespace around its CDATA)."""
    parts, fields, spaced = [], [], False
    for _ in range(rng.randint(0, 10)):
        name = rng.choice(NAMES)
        roll = rng.random()
        if roll < 0.15:
            # A nested block (ScanCodeInfo-like) with repeated items: not a text field.
            items = "".join(f"<item><V>{field_xml(rng, value(rng, 3))}</V></item>" for _ in range(rng.randint(1, 3)))
            parts.append(f"<{name}>\n  {items}\n</{name}>")
        elif roll < 0.2:
            parts.append(f"<{name}/>")
            fields.append((name, ""))
        elif roll < 0.22:
            # Text, whitespace and CDATA in one element: only the formatting at its ends is
            # dropped, so text that starts and ends with something else reads as ElementTree
            # reads it.
            head, tail = "x" + value(rng, 3).replace("\r", ""), value(rng, 3).replace("\r", "") + "y"
            parts.append(f"<{name}>{escape(head)} {as_cdata(tail)}</{name}>")
            fields.append((name, f"{head} {tail}"))
        elif roll < 0.25:
            text = value(rng).replace("\r", "")
            parts.append(f"<{name}> {as_cdata(text)}\n</{name}>")
            fields.append((name, text))
            spaced = True
        else:
            text = value(rng)
            parts.append(f"<{name}>{field_xml(rng, text)}</{name}>")
            fields.append((name, text))
    sep = rng.choice(["", "\n", "\n  ", " "])
    return "<xml>" + sep + sep.join(parts) + sep + "</xml>", fields, spaced


def element_tree_fields(body):
    root = ET.fromstring(body)
    return [(child.tag, child.text or "") for child in root if len(child) == 0]


def check_messages(rng, ours, results, count):
    seen = {}
    for _ in range(count):
        body, fields, spaced = message_body(rng)
        got = ours.ask({"op": "parse_message", "body": body})
        ours_fields = [tuple(pair) for pair in got.get("ok", [])]
        theirs = element_tree_fields(body)
        if spaced:
            # ElementTree keeps the formatting around the CDATA; the generator knows the value.
            ok = ours_fields == fields and [n for n, _ in theirs] == [n for n, _ in fields]
            if ok:
                seen[next(iter(DECISIONS))] = seen.get(next(iter(DECISIONS)), 0) + 1
        else:
            ok = ours_fields == theirs == fields
        results.check("message: fields read as ElementTree reads them", ok,
                      f"{body!r:.200}: ElementTree {theirs!r:.100}, ours {got!r:.100}")
    for decision in DECISIONS:
        results.check(f"message decision seen: {decision}", seen.get(decision, 0) > 0, "not exercised")


def request_xml(rng, to_user, from_user):
    return ("<xml><ToUserName>" + as_cdata(to_user) + "</ToUserName><FromUserName>" + as_cdata(from_user)
            + "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            + "<Content>" + as_cdata(value(rng)) + "</Content><MsgId>1234567890123456</MsgId></xml>")


def reply_content(rng):
    roll = rng.random()
    if roll < 0.1:
        return value(rng) + rng.choice(NOT_XML) + value(rng), "not xml"
    if roll < 0.2:
        # Around the limit: 2040 to 2056 bytes.
        text = "企" * 680
        text = text + "a" * rng.randint(0, 16)
        return text, "long" if len(text.encode()) > TEXT_MAX_BYTES else "ok"
    return value(rng, 40), "ok"


def check_replies(ours, rng, results, count):
    for _ in range(count):
        token, key = "tok" + str(rng.randint(0, 10**6)), "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(43))
        rid = "ww" + str(rng.randint(10**9, 10**10))
        ts, nonce, now = str(rng.randint(1_000_000_000, 2_000_000_000)), str(rng.randint(1, 10**9)), rng.randint(1_000_000_000, 2_000_000_000)
        to_user = rng.choice(["gh_1", "ww1", rid, "企业"])
        from_user = rng.choice(["o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "zhangsan", "wwhhhhccc7775555aaa/lisi", value(rng, 4).replace("\r", "") or "u"])
        wework = WeWork(token, key, rid)
        ret, body = wework.EncryptMsg(request_xml(rng, to_user, from_user), nonce, ts)
        signature = ET.fromstring(body).find("MsgSignature").text
        content, expect = reply_content(rng)
        kind = rng.choice(["text", "text", "news"])
        if kind == "news" and expect == "long":
            expect = "ok"  # the 2048-byte limit is the text reply's
        got = ours.ask({"op": "passive_reply", "token": token, "key": key, "receive_id": rid, "timestamp": ts,
                        "nonce": nonce, "msg_signature": signature, "body": body, "kind": kind, "reply": content,
                        "now": now, "reply_nonce": nonce + "r"})
        name = f"reply: {kind}, weworkapi decrypts, ElementTree reads it back"
        if from_user.strip(" \t\r\n") == "":
            expect = "no recipient"  # a blank FromUserName: nobody to answer
        if expect != "ok":
            results.check(f"reply: {expect} content refused with -40011", got == {"code": -40011}, f"{content!r:.80}: {got}")
            continue
        if "ok" not in got:
            results.check(name, False, f"{content!r:.80}: {got}")
            continue
        envelope = ET.fromstring(got["ok"])
        ret, plain = wework.DecryptMsg(got["ok"], envelope.find("MsgSignature").text, str(now), nonce + "r")
        if ret != 0:
            results.check(name, False, f"weworkapi ret {ret}")
            continue
        reply = ET.fromstring(plain.decode())
        ok = (reply.find("ToUserName").text == from_user and (reply.find("FromUserName").text or "") == to_user
              and reply.find("CreateTime").text == str(now) and envelope.find("TimeStamp").text == str(now))
        if kind == "text":
            ok = ok and reply.find("MsgType").text == "text" and (reply.find("Content").text or "") == content
        else:
            items = reply.findall("Articles/item")
            ok = (ok and reply.find("MsgType").text == "news" and reply.find("ArticleCount").text == "1"
                  and len(items) == 1 and (items[0].find("Title").text or "") == content
                  and (items[0].find("Description").text or "") == content)
        results.check(name, ok, f"{content!r:.80}: {plain!r:.200}")


def run(rng, ours, results, count):
    check_messages(rng, ours, results, count)
    check_replies(ours, rng, results, count)
