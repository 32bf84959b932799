"""Media decryption (the AI bot's images, files and videos) against Tencent's official bot SDK.

Node's own crypto encrypts each file (peer.js `encrypt_file`: AES-256-CBC, IV = the key's first
16 bytes, auto padding off, PKCS#7 to 32 bytes); the official `decryptFile` of
@wecom/aibot-node-sdk 1.0.7 and the crate both decrypt it: `media::decrypt` in one shot and
`media::Decryptor` in random chunks (1 byte to 64 KiB). Files are 0 B to 1 MiB, biased to the
16- and 32-byte boundaries, large ones rare; keys come in both forms the sources show: the
43-character EncodingAESKey (unused low bits set or not) and the 44-character padded `aeskey`.

Then corrupted downloads, where both must refuse: cut short or lengthened off the 16-byte grid,
empty, a padding byte other than the last one changed, a padding length of 0, over 32 or
longer than the data; and a changed ciphertext byte or the wrong key, where both must agree
(refuse, or, about once in 256 tries, accept the same bytes: the scheme has no MAC).

The official SDK checks what the crate checks (length via Node's `final()`, padding 1 to 32,
every padding byte); on bad padding it throws "Invalid PKCS#7 padding: padding bytes mismatch".
The one difference is the key, named in DELIBERATE below.
"""

import base64

# Where the official decryptFile accepts and the crate refuses, on purpose (run.py prints these
# with its own).
DELIBERATE = {
    "a media key base64 decodes only leniently": (
        "the official decryptFile decodes the key with Buffer.from(key, 'base64'), which skips "
        "whitespace and characters outside base64, ignores extra '=', and takes the URL-safe "
        "alphabet; the crate takes exactly 43 characters of standard base64, optionally followed "
        "by one '=' (-40004), as it does for the EncodingAESKey"),
}

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
MiB = 1 << 20


def b64(data):
    return base64.b64encode(data).decode()


def key_text(raw, form, rng):
    """The key in one of its forms: "43" (unused bits clear), "43+bits" (set), or "44"."""
    text = b64(raw)
    if form == "44":
        return text
    text = text[:43]
    if form == "43+bits":
        text = text[:42] + ALPHABET[ALPHABET.index(text[42]) | rng.randint(1, 3)]
    return text


def size(rng):
    roll = rng.random()
    if roll < 0.45:
        return max(0, 16 * rng.randint(0, 8) + rng.choice([-1, 0, 1]))
    if roll < 0.85:
        return rng.randint(0, 4096)
    if roll < 0.96:
        return rng.randint(4097, 128 * 1024)
    # Rare: up to 1 MiB, on or next to a 16-byte boundary half the time.
    n = rng.randint(128 * 1024, MiB)
    return min(MiB, n - n % 16 + rng.choice([-1, 0, 1])) if rng.random() < 0.5 else n


def same(answer, data):
    return answer == {"ok": b64(data)}


def refused(official, mine):
    return "error" in official and mine == {"code": -40007}


def run(rng, ours, node, results, count):
    for i in range(count):
        raw = rng.randbytes(32)
        form = rng.choice(["43", "43+bits", "44"])
        key = key_text(raw, form, rng)
        file = rng.randbytes(size(rng))
        what = f"file {i}: {len(file)} bytes, key form {form}"
        enc = node.ask({"op": "encrypt_file", "key": key, "data_base64": b64(file)})
        encrypted = base64.b64decode(enc["ok"])
        results.check("media: node encrypts to whole 32-byte blocks",
                      len(encrypted) == len(file) + 32 - len(file) % 32, what)

        official = node.ask({"op": "decrypt_file", "key": key, "data_base64": enc["ok"]})
        results.check("media: node encrypts, the official decryptFile decrypts", same(official, file), what)
        mine = ours.ask({"op": "media_decrypt", "key": key, "data_base64": enc["ok"]})
        results.check("media: node encrypts, media::decrypt decrypts", same(mine, file), f"{what}: {str(mine)[:80]}")
        chunk = rng.choice([1, 7, 16, 31, 4096, 65536, rng.randint(1, 65536)]) if len(file) <= 8192 \
            else rng.choice([4096, 65536, rng.randint(1000, 65536)])
        mine = ours.ask({"op": "media_decrypt", "key": key, "data_base64": enc["ok"], "chunk": chunk})
        results.check("media: node encrypts, media::Decryptor decrypts (random chunks)", same(mine, file),
                      f"{what}, chunks of {chunk}: {str(mine)[:80]}")

        # Faults, on the smaller files (the large ones would only cost time).
        if len(file) <= 64 * 1024:
            faults(rng, ours, node, results, key, file, encrypted, what)


def both(ours, node, key, data, chunk=0):
    request = {"key": key, "data_base64": b64(data)}
    official = node.ask({**request, "op": "decrypt_file"})
    mine = ours.ask({**request, "op": "media_decrypt", "chunk": chunk})
    return official, mine


def faults(rng, ours, node, results, key, file, encrypted, what):
    chunk = rng.choice([0, 1, 5, 16, 64])

    # Off the 16-byte grid: cut short, or lengthened (or empty).
    if rng.random() < 0.5:
        cut = rng.randint(1, min(len(encrypted), 47))
        bad = encrypted[:-cut]
        if len(bad) % 16 == 0 and bad:
            bad = bad[:-1]
    else:
        bad = encrypted + rng.randbytes(rng.randint(1, 15))
    official, mine = both(ours, node, key, bad, chunk)
    results.check("media: both refuse a download off the 16-byte grid", refused(official, mine),
                  f"{what}, {len(bad)} bytes: official {str(official)[:60]}, ours {mine}")
    if rng.random() < 0.05:
        official, mine = both(ours, node, key, b"", chunk)
        results.check("media: both refuse an empty download", refused(official, mine), f"official {official}, ours {mine}")

    # A padding byte other than the last changed (the plaintext encrypted as given).
    pad = 32 - len(file) % 32
    if pad >= 2:
        plain = bytearray(file + bytes([pad]) * pad)
        at = len(plain) - 1 - rng.randint(1, pad - 1)
        plain[at] ^= rng.randint(1, 255)
        bad = node.ask({"op": "encrypt_file", "key": key, "data_base64": b64(bytes(plain)), "raw": True})
        official, mine = both(ours, node, key, base64.b64decode(bad["ok"]), chunk)
        results.check("media: both refuse a spoiled padding byte", refused(official, mine),
                      f"{what}, pad {pad}, byte {len(plain) - 1 - at} from the end: official {str(official)[:60]}, ours {mine}")

    # A padding length of 0, over 32, or longer than the data.
    kind = rng.choice(["0", "over 32", "longer than the data"])
    if kind == "longer than the data":
        last = rng.randint(17, 32)
        plain = bytes([last]) * 16  # one block, all of it saying 17 to 32
    else:
        last = 0 if kind == "0" else rng.choice([33, 64, 255])
        plain = rng.randbytes(16 * rng.randint(1, 4) - 1) + bytes([last])
    bad = node.ask({"op": "encrypt_file", "key": key, "data_base64": b64(bytes(plain)), "raw": True})
    official, mine = both(ours, node, key, base64.b64decode(bad["ok"]), chunk)
    results.check("media: both refuse a padding length out of range", refused(official, mine),
                  f"{what}, last byte {last}, {len(plain)} bytes: official {str(official)[:60]}, ours {mine}")

    # A changed ciphertext byte, or the wrong key: no MAC, so both refuse or both accept alike.
    bad = bytearray(encrypted)
    bad[rng.randrange(len(bad))] ^= rng.randint(1, 255)
    other = key_text(rng.randbytes(32), rng.choice(["43", "44"]), rng)
    for k, data, name in [(key, bytes(bad), "a changed ciphertext byte"), (other, encrypted, "the wrong key")]:
        official, mine = both(ours, node, k, data, chunk)
        agree = refused(official, mine) or ("ok" in official and mine == official)
        results.check(f"media: both refuse or accept alike {name}", agree,
                      f"{what}: official {str(official)[:60]}, ours {str(mine)[:60]}")

    # Keys only a lenient decoder takes: the official SDK decrypts, the crate refuses (DELIBERATE).
    if rng.random() < 0.2:
        k44 = b64(base64.b64decode(key + "=" * (-len(key) % 4)))
        lenient = rng.choice([
            k44 + "=",  # an extra '='
            " " + k44,  # whitespace
            k44 + "\n",
            k44[:20] + "\t" + k44[20:],
            k44[:43] + "!",  # a character outside base64, skipped
            k44.replace("+", "-").replace("/", "_") if ("+" in k44 or "/" in k44) else k44 + " ",
        ])
        official, mine = both(ours, node, lenient, encrypted, chunk)
        results.check("deliberate: a media key base64 decodes only leniently",
                      same(official, file) and mine == {"code": -40004},
                      f"{what}, key {lenient!r}: official {str(official)[:60]}, ours {mine}")
