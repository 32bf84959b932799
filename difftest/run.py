#!/usr/bin/env python3
"""Differential tests: wxbizmsgcrypt against the official libraries, in both directions.

Peers (pinned in requirements.txt and package.json):
  - weworkapi 0.1.7, WXBizMsgCrypt3: Tencent's official WeCom Python library (XML)
  - wechatpy 1.8.18, WeChatCrypto: the most used community WeChat library (XML)
  - wx-crypt 0.0.3, the WeCom AI-bot channel (JSON, empty receive id)
  - @wecom/crypto 1.0.1: Tencent's official Node library (bare ciphertext, caller's random bytes)
  - @wecom/aibot-node-sdk 1.0.7: Tencent's official AI-bot SDK (its decryptFile, for media)

For every random case (key, token, receive id, nonce, timestamp, message of 0 B to 64 KiB with the
boundary sizes, ASCII, CJK, emoji and "]]>"), each peer encrypts and the crate decrypts, and the
crate encrypts and each peer decrypts; with @wecom/crypto, given the same 16 random bytes, the
ciphertext and signature must be identical byte for byte.

Then the cases where the official code accepts what the crate refuses on purpose are checked and
named (see DELIBERATE below), the XML envelope reader is held to ElementTree on a generated
corpus (xml_corpus.py, with its own named decisions), and the message reader and passive replies
to ElementTree and weworkapi (messages.py), media decryption to the bot SDK (media.py), and AI-bot
replies to wx-crypt and Python's json (aibot.py); nothing else may differ.

Usage: run.py --driver target/debug/examples/difftest_driver [--cases 2000] [--seed N]
The last line is "difftest: N passed, M failed"; the exit status is 1 if anything failed.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import string
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

from Crypto.Cipher import AES  # pycryptodome, the same AES the official Python library uses
from wechatpy.crypto import WeChatCrypto
from weworkapi.WXBizMsgCrypt3 import WXBizMsgCrypt as WeWork
from wx_crypt.channel import WxChannel_WecomAiBot
from wx_crypt.WXBizMsgCrypt3 import WXBizMsgCrypt as WxCrypt

import aibot
import media
import messages
import xml_corpus

HERE = os.path.dirname(os.path.abspath(__file__))
# What MsgCrypt::verify_url releases (every echostr WeCom sends is a short decimal string).
ECHOSTR_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,128}")
BOUNDARY_SIZES = [0, 1, 11, 12, 15, 16, 31, 32, 33, 4096, 65536]
ALNUM = string.ascii_letters + string.digits


class Peer:
    """A JSON-lines subprocess: one request per line, one answer per line."""

    def __init__(self, argv, cwd=None):
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )

    def ask(self, request):
        self.proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.proc.args[0]} exited")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class Results:
    def __init__(self):
        self.passed = 0
        self.failures = []
        self.by_check = {}

    def check(self, name, ok, detail=""):
        self.by_check.setdefault(name, [0, 0])[0 if ok else 1] += 1
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {detail}")


def message(rng, size):
    """A string of exactly `size` UTF-8 bytes, of a random kind."""
    kind = rng.choice(["ascii", "cjk", "emoji", "xml"])
    alphabet = {
        "ascii": list(string.printable),
        "cjk": list("企业微信回调消息加解密测试中文"),
        "emoji": ["😀", "🚀", "a", "企"],
        "xml": ["]]>", "<", "&", '"', "'", "<![CDATA[", "x"],
    }[kind]
    out, used = [], 0
    while used < size:
        piece = rng.choice(alphabet)
        if used + len(piece.encode()) > size:
            piece = "z" * (size - used)
        out.append(piece)
        used += len(piece.encode())
    return "".join(out)


def case(rng):
    size = rng.choice(BOUNDARY_SIZES) if rng.random() < 0.4 else (
        rng.randint(0, 65536) if rng.random() < 0.1 else rng.randint(0, 2048))
    return {
        "token": "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 32))),
        "key": "".join(rng.choice(ALNUM) for _ in range(43)),
        "receive_id": rng.choice(["", "ww" + os.urandom(8).hex(), "wx" + os.urandom(8).hex(), "企业微信套件"]),
        "timestamp": str(rng.randint(1_000_000_000, 2_000_000_000)),
        # BMP-only: Node sorts by UTF-16 code unit, the others by code point (equal in the BMP).
        "nonce": "".join(rng.choice(ALNUM + "企") for _ in range(rng.randint(1, 16))),
        "reply": message(rng, size),
        "random": [rng.randrange(256) for _ in range(16)],
    }


def xml_field(body, name):
    return ET.fromstring(body).find(name).text


def run_case(c, ours, node, results):
    token, key, rid, ts, nonce, msg = (c[k] for k in ("token", "key", "receive_id", "timestamp", "nonce", "reply"))
    base = {"token": token, "key": key, "receive_id": rid, "timestamp": ts, "nonce": nonce}
    size = len(msg.encode())

    # @wecom/crypto: identical bytes for identical random bytes, both ways decryptable.
    theirs = node.ask({**base, "op": "encrypt", "reply": msg, "random": c["random"]})
    mine = ours.ask({**base, "op": "encrypt_with_random", "reply": msg, "random": c["random"]})
    results.check("node: same ciphertext and signature", mine.get("ok") == theirs,
                  f"size {size}: ours {str(mine)[:80]} theirs {str(theirs)[:80]}")
    got = ours.ask({**base, "op": "decrypt", "msg_signature": theirs["msg_signature"], "encrypt": theirs["encrypt"]})
    results.check("node encrypts, we decrypt", got.get("ok") == msg, f"size {size}: {str(got)[:120]}")
    if "ok" in mine:
        back = node.ask({**base, "op": "decrypt", "msg_signature": mine["ok"]["msg_signature"],
                         "encrypt": mine["ok"]["encrypt"]})
        results.check("we encrypt, node decrypts", back == {"message": msg, "id": rid}, f"size {size}: {str(back)[:120]}")

    # weworkapi (official Python, XML): EncryptMsg -> ours; ours -> DecryptMsg; echostr both ways.
    wework = WeWork(token, key, rid)
    ret, body = wework.EncryptMsg(msg, nonce, ts)
    request = {**base, "msg_signature": xml_field(body, "MsgSignature"), "body": body}
    got = ours.ask({**request, "op": "decrypt_xml"})
    results.check("weworkapi encrypts, we decrypt (XML)", ret == 0 and got.get("ok") == msg, f"size {size}: {str(got)[:120]}")
    # The same ciphertext as a URL check: ours releases it only if it is echostr-shaped.
    echostr = xml_field(body, "Encrypt")
    got = ours.ask({**base, "op": "verify_url", "msg_signature": xml_field(body, "MsgSignature"), "encrypt": echostr})
    expected = {"ok": msg} if ECHOSTR_SHAPE.fullmatch(msg) else {"code": -40014}
    results.check("weworkapi echostr, our verify_url", got == expected, f"size {size}: {str(got)[:120]}")
    # Our reply to its request, sealed with its own timestamp and nonce, decrypted by weworkapi.
    reply_ts, reply_nonce = str(int(ts) + 1), nonce + "r"
    mine = ours.ask({**request, "op": "reply_xml", "reply": msg, "reply_timestamp": reply_ts, "reply_nonce": reply_nonce})
    ret, plain = wework.DecryptMsg(mine["ok"], xml_field(mine["ok"], "MsgSignature"), reply_ts, reply_nonce)
    results.check("we reply (XML), weworkapi decrypts", ret == 0 and plain.decode() == msg, f"size {size}: ret {ret}")
    # A sender's message from us, and its ciphertext as an echostr for the official VerifyURL.
    mine = ours.ask({**base, "op": "encrypt_xml", "reply": msg})
    ret, plain = wework.DecryptMsg(mine["ok"], xml_field(mine["ok"], "MsgSignature"), ts, nonce)
    results.check("we encrypt (XML), weworkapi decrypts", ret == 0 and plain.decode() == msg, f"size {size}: ret {ret}")
    ret, plain = wework.VerifyURL(xml_field(mine["ok"], "MsgSignature"), ts, nonce, xml_field(mine["ok"], "Encrypt"))
    results.check("our echostr, weworkapi VerifyURL", ret == 0 and plain.decode() == msg, f"size {size}: ret {ret}")

    # wechatpy (XML, parses our envelope with xmltodict).
    wechat = WeChatCrypto(token, key, rid)
    body = wechat.encrypt_message(msg, nonce, ts)
    got = ours.ask({**base, "op": "decrypt_xml", "msg_signature": xml_field(body, "MsgSignature"), "body": body})
    results.check("wechatpy encrypts, we decrypt (XML)", got.get("ok") == msg, f"size {size}: {str(got)[:120]}")
    try:
        plain = wechat.decrypt_message(mine["ok"], xml_field(mine["ok"], "MsgSignature"), ts, nonce)
        results.check("we encrypt (XML), wechatpy decrypts", plain == msg, f"size {size}")
    except Exception as e:  # noqa: BLE001 - any exception is a difference
        results.check("we encrypt (XML), wechatpy decrypts", False, f"size {size}: {e!r}")

    # wx-crypt, WeCom AI-bot channel (JSON).
    bot = WxCrypt(token, key, rid, channel=WxChannel_WecomAiBot)
    # wx-crypt needs bytes: its `if text is bytes: text = text.encode()` never converts a str.
    ret, body = bot.EncryptMsg(msg.encode(), nonce, ts)
    parsed = json.loads(body)
    got = ours.ask({**base, "op": "decrypt_json", "msg_signature": parsed["msgsignature"], "body": body})
    results.check("wx-crypt encrypts, we decrypt (JSON)", ret == 0 and got.get("ok") == msg, f"size {size}: {str(got)[:120]}")
    mine = ours.ask({**base, "op": "encrypt_json", "reply": msg})
    reply = json.loads(mine["ok"])
    ret, plain = bot.DecryptMsg(mine["ok"], reply["msgsignature"], ts, nonce)
    results.check("we encrypt (JSON), wx-crypt decrypts", ret == 0 and plain.decode() == msg, f"size {size}: ret {ret}")
    # Our reply to its request, as the AI bot would get it.
    reply_ts, reply_nonce = str(int(ts) + 1), nonce + "r"
    mine = ours.ask({**base, "op": "reply_json", "msg_signature": parsed["msgsignature"], "body": body,
                     "reply": msg, "reply_timestamp": reply_ts, "reply_nonce": reply_nonce})
    reply = json.loads(mine["ok"])
    ret, plain = bot.DecryptMsg(mine["ok"], reply["msgsignature"], reply_ts, reply_nonce)
    results.check("we reply (JSON), wx-crypt decrypts", ret == 0 and plain.decode() == msg, f"size {size}: ret {ret}")


# --- the deliberate differences --------------------------------------------------------------

def seal(key43, frame):
    key = base64.b64decode(key43 + "=")
    return base64.b64encode(AES.new(key, AES.MODE_CBC, key[:16]).encrypt(frame)).decode()


def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def pkcs7_32(data):
    pad = 32 - len(data) % 32
    return data + bytes([pad]) * pad


DELIBERATE = {
    "a URL check whose plaintext is not an echostr": (
        "the official VerifyURL decrypts any ciphertext the signature covers, so a captured POST "
        "sent as a URL check comes back as plaintext; the crate releases only 1-128 ASCII "
        "letters, digits, '-' or '_' (-40014)"),
    "non-uniform padding": (
        "the official libraries read only the last padding byte; the crate checks that every "
        "padding byte equals it (-40007), as PKCS#7 requires"),
    "length field past the end, empty receive id": (
        "the official libraries slice past the end of the frame without noticing and, with an "
        "empty receive id, accept the message; the crate refuses a length field that runs past "
        "the frame (-40008)"),
}
DELIBERATE.update(media.DELIBERATE)


def deliberate(rng, ours, node, results, count):
    for _ in range(count):
        token, key = "tok" + os.urandom(4).hex(), "".join(rng.choice(ALNUM) for _ in range(43))
        ts, nonce = str(rng.randint(1_000_000_000, 2_000_000_000)), str(rng.randint(1, 10**9))
        msg = message(rng, rng.randint(1, 300)).encode()

        # 1. A padding byte other than the last one altered (the frame is sized so that the
        #    padding is at least 2 bytes long).
        rid = "ww" + os.urandom(8).hex()
        if 32 - (20 + len(msg) + len(rid)) % 32 < 2:
            msg += b"x"
        frame = pkcs7_32(os.urandom(16) + struct.pack(">I", len(msg)) + msg + rid.encode())
        pad = frame[-1]
        frame = frame[:-2] + bytes([pad ^ 0x40, pad])
        encrypt = seal(key, frame)
        sig = sign(token, ts, nonce, encrypt)
        ret, plain = WeWork(token, key, rid).VerifyURL(sig, ts, nonce, encrypt)
        theirs = node.ask({"op": "decrypt", "token": token, "key": key, "timestamp": ts, "nonce": nonce,
                           "msg_signature": sig, "encrypt": encrypt})
        got = ours.ask({"op": "verify_url", "token": token, "key": key, "receive_id": rid,
                        "timestamp": ts, "nonce": nonce, "msg_signature": sig, "encrypt": encrypt})
        results.check("deliberate: non-uniform padding",
                      ret == 0 and plain == msg and theirs.get("message") == msg.decode() and got == {"code": -40007},
                      f"official ret {ret}, node {str(theirs)[:60]}, ours {got}")

        # 2. A captured message sent as a URL check: the official VerifyURL answers with it.
        rid = "ww" + os.urandom(8).hex()
        xml_msg = "<xml><Content><![CDATA[" + message(rng, rng.randint(0, 60)) + "]]></Content></xml>"
        ret, body = WeWork(token, key, rid).EncryptMsg(xml_msg, nonce, ts)
        encrypt, sig = xml_field(body, "Encrypt"), xml_field(body, "MsgSignature")
        ret, plain = WeWork(token, key, rid).VerifyURL(sig, ts, nonce, encrypt)
        got = ours.ask({"op": "verify_url", "token": token, "key": key, "receive_id": rid,
                        "timestamp": ts, "nonce": nonce, "msg_signature": sig, "encrypt": encrypt})
        results.check("deliberate: a URL check whose plaintext is not an echostr",
                      ret == 0 and plain.decode() == xml_msg and got == {"code": -40014},
                      f"official ret {ret}, ours {got}")

        # 3. A length field past the end with an empty receive id.
        extra = rng.randint(1, 64)
        frame = pkcs7_32(os.urandom(16) + struct.pack(">I", len(msg) + extra) + msg)
        encrypt = seal(key, frame)
        sig = sign(token, ts, nonce, encrypt)
        ret, plain = WeWork(token, key, "").VerifyURL(sig, ts, nonce, encrypt)
        got = ours.ask({"op": "verify_url", "token": token, "key": key, "receive_id": "",
                        "timestamp": ts, "nonce": nonce, "msg_signature": sig, "encrypt": encrypt})
        theirs = node.ask({"op": "decrypt", "token": token, "key": key, "timestamp": ts, "nonce": nonce,
                           "msg_signature": sig, "encrypt": encrypt})
        # The official libraries slice past the end without noticing and compare an empty trailer
        # with the empty receive id: accepted.
        results.check("deliberate: length field past the end, empty receive id",
                      ret == 0 and plain == msg and theirs == {"message": msg.decode(), "id": ""}
                      and got == {"code": -40008},
                      f"official ret {ret} {plain!r:.40}, node {str(theirs)[:60]}, ours {got}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True, help="path to the difftest_driver example binary")
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"difftest: seed {seed}, {args.cases} random cases")
    rng = random.Random(seed)

    ours = Peer([args.driver])
    node = Peer(["node", os.path.join(HERE, "peer.js")], cwd=HERE)
    results = Results()
    try:
        for i in range(args.cases):
            c = case(rng)
            before = len(results.failures)
            run_case(c, ours, node, results)
            if len(results.failures) > before and len(results.failures) <= 10:
                print(f"  case {i} failed: size {len(c['reply'].encode())}, receive id {c['receive_id']!r}")
        deliberate(rng, ours, node, results, max(20, args.cases // 20))
        xml_decisions = xml_corpus.run(rng, ours, results, max(500, args.cases * 2))
        messages.run(rng, ours, results, max(200, args.cases // 2))
        media.run(rng, ours, node, results, min(200, max(50, args.cases // 5)))
        aibot.run(rng, ours, results, max(100, args.cases // 5))
    finally:
        ours.close()
        node.close()

    width = max(len(k) for k in results.by_check)
    for name, (ok, bad) in sorted(results.by_check.items()):
        print(f"  {name:<{width}}  {ok:>6} passed  {bad:>4} failed")
    print("deliberate differences (asserted above, where the official code accepts and the crate refuses):")
    for name, why in DELIBERATE.items():
        print(f"  - {name}: {why}")
    print("the message reader against ElementTree, named decisions:")
    for name, why in messages.DECISIONS.items():
        print(f"  - {name}: {why}")
    print("the XML envelope against ElementTree, named decisions (how often each explained a difference):")
    for name, why in xml_corpus.DECISIONS.items():
        print(f"  - {name} ({xml_decisions.get(name, 0)}): {why}")
    for failure in results.failures[:20]:
        print(f"FAILED {failure}")
    print(f"difftest: {results.passed} passed, {len(results.failures)} failed")
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
