"""Hostile envelopes of about 1 MiB, the Python twin of tests/common/hostile.rs: each the worst
of its shape that the crate's reader still accepts (its markup at the edge of the envelope's
budget: one item per 32 bytes, plus 64, markup counting two and a namespace declaration four),
ending with an Encrypt of "QUJD" as a direct child of the root.

Used by xml_corpus.py (ElementTree must read them as the crate does) and by
../fuzz/make_seeds.py --large (seeds for the fuzz pass with large inputs)."""

SIZE = 1 << 20
ITEM, MARKUP, DECLARATION = 33, 66, 132
ENCRYPT = "QUJD"


def fill(head, piece, close):
    tail = f"<Encrypt>{ENCRYPT}</Encrypt>{close}"
    out, size, i = [head], len(head), 0
    while True:
        nxt = piece(i)
        if size + len(nxt) + len(tail) > SIZE:
            break
        out.append(nxt)
        size += len(nxt)
        i += 1
    return "".join(out) + tail


def hostile_xml():
    """The shapes of tests/common/hostile.rs, as bodies."""
    declarations = "".join(f' xmlns:p{i:06}="urn:u"'.ljust(DECLARATION) for i in range(SIZE // 4 // DECLARATION))
    root = f"<xml{declarations}>"
    levels = (SIZE - 64) // (2 * MARKUP + 1)
    nested = "".join(f"<a{i:0{MARKUP - 3}}>" for i in range(levels)) + "".join(
        f"</a{i:0{MARKUP - 3}}>" for i in reversed(range(levels)))
    attributes = "".join(f' a{i:0{MARKUP - 5}}=""' for i in range((SIZE - 64) // MARKUP))
    reference = "&#43;".ljust(ITEM, "A")
    return {
        "namespace_bomb": fill(root, lambda i: "<p000000:a/>".ljust(MARKUP), "</xml>"),
        "unprefixed": fill(root, lambda i: "<a/>".ljust(MARKUP), "</xml>"),
        "deep_nesting": f"<xml>{nested}<Encrypt>{ENCRYPT}</Encrypt></xml>",
        "many_attributes": f"<xml><a{attributes}/><Encrypt>{ENCRYPT}</Encrypt></xml>",
        "long_names": f'<xml><a{"n" * (SIZE // 2 - 64)} b{"m" * (SIZE // 2 - 64)}=""/><Encrypt>{ENCRYPT}</Encrypt></xml>',
        "canonical_fields": fill("<xml>", lambda i: f"<a{i:06}><![CDATA[x]]></a{i:06}>".ljust(3 * ITEM), "</xml>"),
        "references": "<xml><a>" + reference * ((SIZE - 64) // ITEM) + f"</a><Encrypt>{ENCRYPT}</Encrypt></xml>",
        "cdata": "<xml><Encrypt><![CDATA[" + "+" * (SIZE - 42) + "]]></Encrypt></xml>",
    }


def hostile_json():
    keys = "".join(f'"k{i:07}":0,' for i in range((SIZE - 64) // 13))
    return {
        "many_keys": "{" + keys + f'"encrypt":"{ENCRYPT}"}}',
        "escapes": '{"x":"' + "\\u0041" * ((SIZE - 64) // 6) + f'","encrypt":"{ENCRYPT}"}}',
        "string": '{"encrypt":"' + "+" * (SIZE - 16) + '"}',
    }
