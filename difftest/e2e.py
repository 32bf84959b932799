#!/usr/bin/env python3
"""End-to-end tests of an example server, with every request built, and every reply read, by
Tencent's official Python library (weworkapi's WXBizMsgCrypt3) or, for the deliberately broken
ones, by pycryptodome as that library does it.

Usage: e2e.py --server PATH [--redis]

With `--routes` naming `/mp`: a 公众号 in safe mode, driven by wechatpy's WeChatCrypto (the
URL check signed plainly, safe and compatible bodies, a plaintext-mode POST refused). With
`/mp-plain`: a 公众号 in plaintext mode (signature by hashlib, replies read by ElementTree). With
`/callback-apps`: two WeCom apps on /callback told apart by AgentID. With `/suite`: a
third-party suite's instruction and data URLs, and two suites on one Redis inbox.

The server binary is started on a free port with short timeouts (its `listening on ADDR` line
gives the port) and checked for: no credentials, exit 2 naming the variables, and a route whose
variables are only partly set, exit 2 naming the missing ones; the official URL check; a text
message answered with a reply the official library decrypts; a forged signature (401) and a
malformed body (400); a captured POST replayed as a URL check, and padding, frame, receive-id,
UTF-8 and staleness faults signed with the right token, all answered byte for byte alike (403,
empty); a retry and a replay with timestamp and nonce swapped, answered with the first answer
byte for byte without being processed again; an unknown event acknowledged; create_auth
answered within Tencent's 1000 ms; an oversized body refused; an idle connection closed within
the header timeout; a slow body cut off within the body timeout; 48 slow-body sockets
(re-opened as they are cut) against a handler limit of 16, then 4 parallel 1 MiB namespace
bombs, not pushing a normal callback past 4 s and 1 s.

With --redis: redis-server is started on a free port without persistence, two replicas share
it, a retry sent to the other replica gets the first answer byte for byte without being
processed, and with Redis stopped the replicas keep serving (they fail open: a callback is
processed rather than lost).

The last line is "e2e: N passed, M failed"; the exit status is 1 if anything failed.
"""

import argparse
import base64
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

from Crypto.Cipher import AES
from wechatpy.crypto import WeChatCrypto
from weworkapi.WXBizMsgCrypt3 import WXBizMsgCrypt as WeWork

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import hostile_xml  # noqa: E402  (the shapes of tests/common/hostile.rs)

TOKEN, KEY, CORP = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"
HEADER_TIMEOUT_MS, BODY_TIMEOUT_MS = 500, 1500
# The variables of the route at /callback, and the official sample's values.
CREDENTIALS = {"WXBIZ_TOKEN": TOKEN, "WXBIZ_AES_KEY": KEY, "WXBIZ_RECEIVE_ID": CORP}
ALL_ROUTE_VARIABLES = ("WXBIZ_TOKEN", "WXBIZ_AES_KEY", "WXBIZ_RECEIVE_ID", "WXBIZ_BOT_TOKEN",
                       "WXBIZ_BOT_AES_KEY", "WXBIZ_MP_TOKEN", "WXBIZ_MP_AES_KEY", "WXBIZ_MP_APPID",
                       "WXBIZ_MP_PLAIN_TOKEN", "WXBIZ_AGENT_ID", "WXBIZ_APP2_TOKEN", "WXBIZ_APP2_AES_KEY",
                       "WXBIZ_APP2_AGENT_ID", "WXBIZ_SUITE_ID", "WXBIZ_SUITE_TOKEN", "WXBIZ_SUITE_AES_KEY",
                       "WXBIZ_PROVIDER_CORPID", "WXBIZ_REDIS_PREFIX", "WXBIZ_DEMO", "REDIS_URL")
# A 公众号 in safe mode, for /mp: its appid is the receive id.
MP_TOKEN, MP_KEY, MP_APPID = "pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx8f7e6d5c4b3a2910"
GET_VECTOR = ("/callback?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
              "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp"
              "%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D")

passed, failures = 0, []


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
        print(f"  ok    {name}")
    else:
        failures.append(name)
        print(f"  FAIL  {name}: {detail}")


def environment(env):
    """The server's environment: short timeouts, no route variable but those in `env`."""
    base = {name: value for name, value in os.environ.items() if name not in ALL_ROUTE_VARIABLES}
    return {**base, "BIND": "127.0.0.1:0", "WXBIZ_HEADER_TIMEOUT_MS": str(HEADER_TIMEOUT_MS),
            "WXBIZ_IDLE_TIMEOUT_MS": str(HEADER_TIMEOUT_MS), "WXBIZ_BODY_TIMEOUT_MS": str(BODY_TIMEOUT_MS),
            **env}


class Server:
    def __init__(self, binary, env=None):
        self.proc = subprocess.Popen([binary], env=environment({**CREDENTIALS, **(env or {})}),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"{binary} did not start: {line!r}")
        host, port = line.split()[-1].rsplit(":", 1)
        self.addr = (host, int(port))

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def http(addr, method, target, body=b"", timeout=10):
    """One request on its own connection; returns (status, raw response bytes)."""
    with socket.create_connection(addr, timeout=timeout) as s:
        head = (f"{method} {target} HTTP/1.1\r\nHost: {addr[0]}\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        try:
            s.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (413, say) and closed before the body was all sent: read the answer
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0
    return status, raw


def response_body(raw):
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def without_date(raw):
    """The response with its Date header left out: everything else must be identical."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"date:")]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def xml_field(body, name):
    return ET.fromstring(body).find(name).text


def text_message(msg_id, content="hi from the official library", create_time=None):
    create_time = int(time.time()) if create_time is None else create_time
    return (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1</AgentID></xml>")


def official_post(plaintext, nonce, timestamp=None):
    """(target, body) of a POST built by the official library."""
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    ret, body = WeWork(TOKEN, KEY, CORP).EncryptMsg(plaintext, nonce, timestamp)
    assert ret == 0, ret
    target = f"/callback?msg_signature={xml_field(body, 'MsgSignature')}&timestamp={timestamp}&nonce={nonce}"
    return target, body.encode()


def read_reply(raw):
    """The official library's reading of a passive reply: its plaintext, parsed, or None."""
    body = response_body(raw).decode()
    ret, plain = WeWork(TOKEN, KEY, CORP).DecryptMsg(body, xml_field(body, "MsgSignature"),
                                                      xml_field(body, "TimeStamp"), xml_field(body, "Nonce"))
    return ET.fromstring(plain.decode()) if ret == 0 else None


def seal(frame):
    """Encrypts a raw frame as the official library does (PKCS#7 to 32 bytes, IV = key[:16])."""
    key = base64.b64decode(KEY + "=")
    return base64.b64encode(AES.new(key, AES.MODE_CBC, key[:16]).encrypt(frame)).decode()


def pad32(data):
    pad = 32 - len(data) % 32
    return data + bytes([pad]) * pad


def signed_post(encrypt, timestamp, nonce):
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce, encrypt])).encode()).hexdigest()
    body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    return f"/callback?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}", body.encode()


def unique():
    return int(time.time() * 1000) % 10**12 * 1000 + int.from_bytes(os.urandom(2), "big") % 1000


def run_single(binary):
    server = Server(binary)
    addr = server.addr
    try:
        status, raw = http(addr, "GET", GET_VECTOR)
        check("the official URL check is answered with its echo", (status, response_body(raw)) == (200, b"1616140317555161061"),
              raw[:200])

        msg_id = unique()
        target, body = official_post(text_message(msg_id), "n1")
        status, raw = http(addr, "POST", target, body)
        reply = read_reply(raw) if status == 200 else None
        first_reply_body = response_body(raw)
        check("a text message is answered with a reply the official library decrypts",
              reply is not None and reply.find("Content").text == "hi from the official library"
              and reply.find("ToUserName").text == "zhangsan", raw[:300])

        forged = target.split("msg_signature=")[0] + "msg_signature=" + "0" * 40 + "&" + target.split("&", 1)[1]
        status, raw = http(addr, "POST", forged, body)
        check("a forged signature is 401", status == 401, raw[:200])
        status, raw = http(addr, "POST", target, b"not xml at all")
        check("a malformed body is 400", status == 400, raw[:200])

        # Faults after the signature, each signed with the right token: one answer for all.
        ts, nonce = str(int(time.time())), "fault"
        message = text_message(unique()).encode()
        random16 = os.urandom(16)
        frame = pad32(random16 + struct.pack(">I", len(message)) + message + CORP.encode())
        bad_padding = bytearray(frame)
        if bad_padding[-1] >= 2:
            bad_padding[-2] ^= 0x40  # a padding byte that is not the padding length
        else:
            bad_padding[-1] = 0  # no padding length is 0
        stale = text_message(unique(), create_time=int(time.time()) - 4000).encode()
        faults = {
            "padding": seal(bytes(bad_padding)),
            "frame": seal(pad32(random16 + struct.pack(">I", len(message) + 9999) + message + CORP.encode())),
            "receive id": seal(pad32(random16 + struct.pack(">I", len(message)) + message + b"ww-another-corp")),
            "utf-8": seal(pad32(random16 + struct.pack(">I", 2) + b"\xc3\x28" + CORP.encode())),
            "stale CreateTime": seal(pad32(random16 + struct.pack(">I", len(stale)) + stale + CORP.encode())),
            "not xml": seal(pad32(random16 + struct.pack(">I", 7) + b"not xml" + CORP.encode())),
        }
        answers = {}
        for name, encrypt in faults.items():
            fault_target, fault_body = signed_post(encrypt, ts, nonce)
            answers[name] = without_date(http(addr, "POST", fault_target, fault_body)[1])
        # A captured POST replayed as a URL check verifies too: it must look the same.
        captured = xml_field(body.decode(), "Encrypt")
        echostr = captured.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        answers["captured POST as a URL check"] = without_date(http(addr, "GET", f"{target}&echostr={echostr}")[1])
        first = next(iter(answers.values()))
        check("faults after the signature are answered byte for byte alike",
              all(a == first for a in answers.values()), {k: v[:80] for k, v in answers.items()})
        check("and that answer is an empty 403", first.startswith(b"HTTP/1.1 403") and response_body(first) == b"", first)

        # The same message again: a retry (new nonce, fresh ciphertext), and a capture replayed
        # with timestamp and nonce swapped (which the signature cannot tell apart): each gets the
        # first answer again, byte for byte, and is not processed again (which would have sealed
        # a reply afresh, with other bytes).
        retry_target, retry_body = official_post(text_message(msg_id), "n2")
        status, raw = http(addr, "POST", retry_target, retry_body)
        check("a retry gets the first answer byte for byte, not processed again",
              status == 200 and response_body(raw) == first_reply_body, raw[:200])
        # Sent with timestamp T and nonce N (a number far from T); replayed as timestamp N, nonce T.
        now, other = str(int(time.time())), str(int(time.time()) - 123_456)
        ret, swapped_body = WeWork(TOKEN, KEY, CORP).EncryptMsg(text_message(msg_id), other, now)
        swapped = f"/callback?msg_signature={xml_field(swapped_body, 'MsgSignature')}&timestamp={other}&nonce={now}"
        status, raw = http(addr, "POST", swapped, swapped_body.encode())
        check("a replay with timestamp and nonce swapped verifies but is not processed",
              status == 200 and response_body(raw) == first_reply_body, raw[:200])

        event = (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
                 f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                 f"<Event><![CDATA[an_event_from_next_year]]></Event><Surprise>1</Surprise></xml>")
        status, raw = http(addr, "POST", *official_post(event, "n3"))
        check("an unknown event is acknowledged with 200", (status, response_body(raw)) == (200, b""), raw[:200])

        create_auth = (f"<xml><SuiteId><![CDATA[{CORP}]]></SuiteId><InfoType><![CDATA[create_auth]]></InfoType>"
                       f"<TimeStamp>{int(time.time())}</TimeStamp><AuthCode><![CDATA[AUTHCODE]]></AuthCode></xml>")
        started = time.monotonic()
        status, raw = http(addr, "POST", *official_post(create_auth, "n4"))
        took = time.monotonic() - started
        check("create_auth is answered 'success' within 1000 ms", (status, response_body(raw)) == (200, b"success")
              and took < 1.0, f"{took:.3f} s: {raw[:200]}")

        status, raw = http(addr, "POST", target, b"x" * (2 << 20))
        check("a body over 1 MiB is refused (413)", status == 413, raw[:200])

        # Timeouts: a connection that says nothing, one idle after a request, a body dripped.
        for name, prelude in [("a silent connection", b""),
                              ("an idle keep-alive connection",
                               f"GET {GET_VECTOR} HTTP/1.1\r\nHost: x\r\n\r\n".encode())]:
            with socket.create_connection(addr, timeout=10) as s:
                s.sendall(prelude)
                started = time.monotonic()
                if prelude:
                    s.recv(65536)
                    started = time.monotonic()
                closed = False
                try:
                    while s.recv(65536):
                        pass
                    closed = True
                except socket.timeout:
                    pass
                took = time.monotonic() - started
            check(f"{name} is closed within the header timeout",
                  closed and took < HEADER_TIMEOUT_MS / 1000 + 1.0, f"closed {closed} after {took:.2f} s")

        with socket.create_connection(addr, timeout=10) as s:
            s.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode())
            s.settimeout(0.2)
            started, answer = time.monotonic(), None
            while answer is None and time.monotonic() - started < 10:
                try:
                    s.sendall(b"<")  # one byte every 200 ms: 1000 bytes would take 200 s
                    answer = s.recv(65536)  # a response, or b"" for a closed connection
                except socket.timeout:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    answer = b""
            took = time.monotonic() - started
        check("a slow body is cut off within the body timeout",
              answer is not None and took < BODY_TIMEOUT_MS / 1000 + 1.5
              and (answer == b"" or answer.startswith(b"HTTP/1.1 408")),
              f"after {took:.2f} s: {answer[:80]}")
    finally:
        server.stop()


def run_configuration(binary, routes):
    """A service with no credentials exits 2 naming the variables; one whose route variables are
    only partly set exits 2 naming the missing ones; a route without its variables is not
    served (axum: the bot's variables alone, /callback is a 404)."""
    proc = subprocess.run([binary], env=environment({}), capture_output=True, text=True, timeout=30)
    check("no credentials: exit 2, naming the variables",
          proc.returncode == 2 and all(name in proc.stderr for name in CREDENTIALS), (proc.returncode, proc.stderr))
    proc = subprocess.run([binary], env=environment({"WXBIZ_TOKEN": TOKEN}), capture_output=True, text=True,
                          timeout=30)
    check("a route's variables partly set: exit 2, naming the missing ones",
          proc.returncode == 2 and "WXBIZ_AES_KEY" in proc.stderr and "WXBIZ_RECEIVE_ID" in proc.stderr,
          (proc.returncode, proc.stderr))
    demo = Server(binary, {"WXBIZ_DEMO": "1", "WXBIZ_TOKEN": "", "WXBIZ_AES_KEY": "", "WXBIZ_RECEIVE_ID": ""})
    try:
        status, raw = http(demo.addr, "GET", GET_VECTOR)
        check("WXBIZ_DEMO=1 serves the official sample", (status, response_body(raw)) == (200, b"1616140317555161061"),
              raw[:200])
    finally:
        demo.stop()
    if "/aibot" not in routes:
        return
    only_bot = Server(binary, {"WXBIZ_TOKEN": "", "WXBIZ_AES_KEY": "", "WXBIZ_RECEIVE_ID": "",
                               "WXBIZ_BOT_TOKEN": TOKEN, "WXBIZ_BOT_AES_KEY": KEY})
    only_app = Server(binary)
    try:
        check("a route without its variables is not served (/callback, bot configured)",
              http(only_bot.addr, "GET", GET_VECTOR)[0] == 404)
        status, raw = http(only_app.addr, "POST", "/aibot?msg_signature=x&timestamp=1&nonce=2", b"{}")
        check("a route without its variables is not served (/aibot, app configured)", status == 404, raw[:200])
    finally:
        only_bot.stop()
        only_app.stop()


def plain_signature(token, timestamp, nonce):
    """WeChat's plain `signature`, from its definition: SHA-1 of the sorted token, timestamp and
    nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def run_wechat(binary):
    """/mp, a 公众号 in safe mode (Endpoint::wechat), driven by wechatpy's WeChatCrypto: the URL
    check signed plainly and echoed unchanged (an echostr only); a text message encrypted by
    wechatpy, in the safe-mode body and in the compatible-mode body (whose plaintext fields say
    something else), answered with a reply wechatpy decrypts, addressed to the sender's openid;
    a plaintext-mode POST and a forged msg_signature refused."""
    server = Server(binary, {"WXBIZ_MP_TOKEN": MP_TOKEN, "WXBIZ_MP_AES_KEY": MP_KEY,
                             "WXBIZ_MP_APPID": MP_APPID})
    crypto = WeChatCrypto(MP_TOKEN, MP_KEY, MP_APPID)
    try:
        ts, nonce = str(int(time.time())), "mpnonce"
        sig = plain_signature(MP_TOKEN, ts, nonce)
        status, raw = http(server.addr, "GET", f"/mp?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=8273645501")
        check("/mp: the URL check, signed plainly, is answered with the echostr unchanged",
              (status, response_body(raw)) == (200, b"8273645501"), raw[:200])
        status, raw = http(server.addr, "GET", f"/mp?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=%3Cb%3Ehi")
        check("/mp: an echostr that is not one is not reflected (403)", (status, response_body(raw)) == (403, b""),
              raw[:200])
        forged = plain_signature("not-the-token", ts, nonce)
        status, _ = http(server.addr, "GET", f"/mp?signature={forged}&timestamp={ts}&nonce={nonce}&echostr=1")
        check("/mp: a URL check with another token's signature is 401", status == 401, status)

        def message(content, msg_id):
            return (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o_openid_1]]>"
                    f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                    f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")

        def post(body, msg_signature, nonce):
            query = (f"/mp?signature={plain_signature(MP_TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}"
                     f"&openid=o_openid_1&encrypt_type=aes&msg_signature={msg_signature}")
            return http(server.addr, "POST", query, body.encode())

        def reply_of(raw):
            """wechatpy's reading of the passive reply: its plaintext, parsed."""
            body = response_body(raw).decode()
            plain = crypto.decrypt_message(body, xml_field(body, "MsgSignature"), xml_field(body, "TimeStamp"),
                                           xml_field(body, "Nonce"))
            return ET.fromstring(plain)

        envelope = crypto.encrypt_message(message("你好，公众号", unique()), "n-safe", ts)
        status, raw = post(envelope, xml_field(envelope, "MsgSignature"), "n-safe")
        reply = reply_of(raw) if status == 200 else None
        check("/mp: a text message encrypted by wechatpy is echoed, sealed for wechatpy, to the sender's openid",
              reply is not None and reply.findtext("Content") == "你好，公众号"
              and reply.findtext("ToUserName") == "o_openid_1" and reply.findtext("FromUserName") == "gh_0123456789ab",
              raw[:300])

        envelope = crypto.encrypt_message(message("the real one", unique()), "n-compat", ts)
        compat = (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o_openid_1]]>"
                  f"</FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[forged]]></Content>"
                  f"<Encrypt><![CDATA[{xml_field(envelope, 'Encrypt')}]]></Encrypt></xml>")
        status, raw = post(compat, xml_field(envelope, "MsgSignature"), "n-compat")
        reply = reply_of(raw) if status == 200 else None
        check("/mp: compatible mode: the plaintext fields beside Encrypt are ignored",
              reply is not None and reply.findtext("Content") == "the real one", raw[:300])

        plain_query = f"/mp?signature={sig}&timestamp={ts}&nonce={nonce}&openid=o_openid_1"
        status, raw = http(server.addr, "POST", plain_query, message("plaintext mode", unique()).encode())
        check("/mp: a plaintext-mode POST (no msg_signature) is refused (400), not read",
              (status, response_body(raw)) == (400, b""), raw[:200])
        envelope = crypto.encrypt_message(message("x", unique()), "n-forged", ts)
        status, raw = post(envelope, "0" * 40, "n-forged")
        check("/mp: a forged msg_signature is 401", status == 401, raw[:200])
    finally:
        server.stop()


def run_wechat_plaintext(binary):
    """/mp-plain, a 公众号 in plaintext mode (Endpoint::wechat_plaintext): the URL check; a text
    message in the clear answered in the clear, well formed with `]]>` in it (read by
    ElementTree); a forged signature, a stale query and a safe-mode POST refused."""
    token = "plain-mode-token"
    server = Server(binary, {"WXBIZ_MP_PLAIN_TOKEN": token})
    try:
        ts, nonce = str(int(time.time())), "plainnonce"
        sig = plain_signature(token, ts, nonce)
        status, raw = http(server.addr, "GET",
                           f"/mp-plain?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=5550001")
        check("/mp-plain: the URL check is answered with the echostr unchanged",
              (status, response_body(raw)) == (200, b"5550001"), raw[:200])

        def post(content, ts=ts, nonce=nonce, signature=None):
            signature = signature or plain_signature(token, ts, nonce)
            body = (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o_plain]]>"
                    f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                    f"<Content>{content}</Content><MsgId>{unique()}</MsgId></xml>")
            query = f"/mp-plain?signature={signature}&timestamp={ts}&nonce={nonce}&openid=o_plain"
            return http(server.addr, "POST", query, body.encode())

        status, raw = post("x]]&gt;y &lt;z&gt; 你好")
        try:
            reply = ET.fromstring(response_body(raw)) if status == 200 else None
        except ET.ParseError:
            reply = None
        check("/mp-plain: a reply with ]]> in it is well formed plaintext XML, to the sender",
              reply is not None and reply.findtext("Content") == "x]]>y <z> 你好"
              and reply.findtext("ToUserName") == "o_plain" and reply.find("Encrypt") is None, raw[:300])
        status, raw = post("forged", signature=plain_signature("not-the-token", ts, nonce))
        check("/mp-plain: another token's signature is 401", status == 401, raw[:200])
        old = str(int(time.time()) - 3600)
        status, raw = post("stale", ts=old)
        check("/mp-plain: a query an hour old is refused (403)", (status, response_body(raw)) == (403, b""),
              raw[:200])
        status, raw = http(server.addr, "POST", f"/mp-plain?msg_signature={'0' * 40}&timestamp={ts}&nonce=n",
                           b"<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")
        check("/mp-plain: a safe-mode POST (no signature) is 400", status == 400, raw[:200])
        # What WeChat sends once the console is switched to safe mode: the plain signature too.
        safe = (f"/mp-plain?signature={sig}&timestamp={ts}&nonce={nonce}&openid=o_plain"
                f"&encrypt_type=aes&msg_signature={'0' * 40}")
        status, raw = http(server.addr, "POST", safe, b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
                                                      b"<Encrypt><![CDATA[AAAA]]></Encrypt></xml>")
        check("/mp-plain: a safe-mode POST with a valid plain signature is refused (400), not acknowledged",
              (status, response_body(raw)) == (400, b""), raw[:200])
    finally:
        server.stop()


APP2_TOKEN, APP2_KEY = "app2token", "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"


def start_redis():
    """A redis-server of our own on a free port: (process, port, workdir)."""
    port = free_port()
    workdir = tempfile.mkdtemp()
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port, workdir


def wework_post(path, token, key, receive_id, plaintext, nonce, agent_id=None, query=""):
    """(target, body) of a POST built by Tencent's library for `receive_id`, its envelope naming
    `agent_id` as WeCom's does (the envelope is not signed: only Encrypt is)."""
    ts = str(int(time.time()))
    ret, body = WeWork(token, key, receive_id).EncryptMsg(plaintext, nonce, ts)
    assert ret == 0, ret
    if agent_id is not None:
        body = body.replace("<xml>", f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><AgentID><![CDATA[{agent_id}]]></AgentID>", 1)
    return f"{path}?msg_signature={xml_field(body, 'MsgSignature')}&timestamp={ts}&nonce={nonce}{query}", body.encode()


def wework_url_check(path, token, key, receive_id, echo, nonce):
    """The target of a URL check built by Tencent's library: the echostr is an Encrypt value,
    signed as one."""
    ts = str(int(time.time()))
    ret, body = WeWork(token, key, receive_id).EncryptMsg(echo, nonce, ts)
    assert ret == 0, ret
    echostr = urllib.parse.quote(xml_field(body, "Encrypt"), safe="")
    return f"{path}?msg_signature={xml_field(body, 'MsgSignature')}&timestamp={ts}&nonce={nonce}&echostr={echostr}"


def wework_reply(raw, token, key, receive_id):
    """Tencent's library's reading of a passive reply sealed for `receive_id`, or None."""
    body = response_body(raw).decode()
    try:
        ret, plain = WeWork(token, key, receive_id).DecryptMsg(body, xml_field(body, "MsgSignature"),
                                                                 xml_field(body, "TimeStamp"), xml_field(body, "Nonce"))
    except Exception:  # noqa: BLE001 (a body that is not a reply at all)
        return None
    return ET.fromstring(plain.decode()) if ret == 0 else None


def run_apps(binary):
    """/callback with two apps of one company told apart by AgentID (WecomApps), driven by
    Tencent's library: each app's message answered sealed with its own key; app 2's message in
    an envelope naming app 1 refused (401); the URL check of either app answered."""
    server = Server(binary, {"WXBIZ_AGENT_ID": "1000002", "WXBIZ_APP2_TOKEN": APP2_TOKEN,
                             "WXBIZ_APP2_AES_KEY": APP2_KEY, "WXBIZ_APP2_AGENT_ID": "1000003"})
    try:
        for agent, token, key, content in (("1000002", TOKEN, KEY, "to app one"),
                                           ("1000003", APP2_TOKEN, APP2_KEY, "to app two")):
            message = text_message(unique(), content).replace("<AgentID>1</AgentID>", f"<AgentID>{agent}</AgentID>")
            target, body = wework_post("/callback", token, key, CORP, message, "a" + agent, agent_id=agent)
            status, raw = http(server.addr, "POST", target, body)
            reply = wework_reply(raw, token, key, CORP) if status == 200 else None
            check(f"/callback: app {agent}'s text is echoed, sealed with its own key",
                  reply is not None and reply.findtext("Content") == content, raw[:200])
        target, body = wework_post("/callback", APP2_TOKEN, APP2_KEY, CORP, text_message(unique(), "relabelled"), "rl",
                                   agent_id="1000002")
        status, raw = http(server.addr, "POST", target, body)
        check("/callback: app 2's message in an envelope naming app 1 is refused (401)", status == 401, raw[:200])
        target, body = wework_post("/callback", TOKEN, KEY, CORP, text_message(unique(), "nobody"), "nb",
                                   agent_id="1000009")
        status, raw = http(server.addr, "POST", target, body)
        check("/callback: a message for an app not configured is refused like a bad signature (401)", status == 401,
              raw[:200])
        message = text_message(unique(), "says app 2 inside")
        message = message.replace("<AgentID>1</AgentID>", "<AgentID>1000003</AgentID>")
        target, body = wework_post("/callback", TOKEN, KEY, CORP, message, "in", agent_id="1000002")
        status, raw = http(server.addr, "POST", target, body)
        check("/callback: a message whose own AgentID is not its envelope's is refused after the signature (403)",
              (status, response_body(raw)) == (403, b""), raw[:200])
        status, raw = http(server.addr, "GET", wework_url_check("/callback", APP2_TOKEN, APP2_KEY, CORP, "424242", "u2"))
        check("/callback: app 2's URL check is answered", (status, response_body(raw)) == (200, b"424242"), raw[:200])
    finally:
        server.stop()


SUITE_ID, SUITE_TOKEN, SUITE_KEY = "ww4asffe99e54c0fxxxx", "suitetoken", "SuiteKeySuiteKeySuiteKeySuiteKeySuiteKey123"
PROVIDER_CORPID, AUTH_CORP = "wwprovider0000001", "wwauthcorp000000a"


def suite_env(suite_id=SUITE_ID, extra=None):
    return {"WXBIZ_TOKEN": "", "WXBIZ_AES_KEY": "", "WXBIZ_RECEIVE_ID": "", "WXBIZ_SUITE_ID": suite_id,
            "WXBIZ_SUITE_TOKEN": SUITE_TOKEN, "WXBIZ_SUITE_AES_KEY": SUITE_KEY,
            "WXBIZ_PROVIDER_CORPID": PROVIDER_CORPID, **(extra or {})}


def instruction(info_type, suite_id=SUITE_ID, extra=""):
    return (f"<xml><SuiteId><![CDATA[{suite_id}]]></SuiteId><InfoType><![CDATA[{info_type}]]></InfoType>"
            f"<TimeStamp>{int(time.time())}</TimeStamp>{extra}</xml>")


def run_suite(binary):
    """A third-party suite at /suite/instruction and /suite/data?corpid=$CORPID$, driven by
    Tencent's library: URL checks sealed with the provider's corpid; create_auth answered
    'success' within 1000 ms; an instruction sealed for another suite refused; a data callback
    from an authorising company echoed sealed with its corpid, and one whose receive id is not
    the URL's corpid refused; two suites on one Redis keep their tickets apart."""
    server = Server(binary, suite_env())
    try:
        for path in ("/suite/instruction", "/suite/data"):
            target = wework_url_check(path, SUITE_TOKEN, SUITE_KEY, PROVIDER_CORPID, "987654", "uc")
            status, raw = http(server.addr, "GET", target)
            check(f"{path}: the URL check sealed with the provider's corpid is answered",
                  (status, response_body(raw)) == (200, b"987654"), raw[:200])
        create = instruction("create_auth", extra="<AuthCode><![CDATA[AUTHCODE]]></AuthCode><State><![CDATA[1]]></State>")
        target, body = wework_post("/suite/instruction", SUITE_TOKEN, SUITE_KEY, SUITE_ID, create, "ca")
        started = time.monotonic()
        status, raw = http(server.addr, "POST", target, body)
        took = time.monotonic() - started
        check("/suite/instruction: create_auth is recorded and answered 'success' within 1000 ms",
              (status, response_body(raw)) == (200, b"success") and took < 1.0, f"{took:.3f} s: {raw[:200]}")
        other = instruction("suite_ticket", "wwothersuite000000", "<SuiteTicket><![CDATA[t]]></SuiteTicket>")
        target, body = wework_post("/suite/instruction", SUITE_TOKEN, SUITE_KEY, "wwothersuite000000", other, "os")
        status, raw = http(server.addr, "POST", target, body)
        check("/suite/instruction: an instruction sealed for another suite is refused (403)",
              (status, response_body(raw)) == (403, b""), raw[:200])

        message = text_message(unique(), "from an authorising company").replace(CORP, AUTH_CORP)
        target, body = wework_post("/suite/data", SUITE_TOKEN, SUITE_KEY, AUTH_CORP, message, "dc", agent_id="1",
                                   query=f"&corpid={AUTH_CORP}")
        status, raw = http(server.addr, "POST", target, body)
        reply = wework_reply(raw, SUITE_TOKEN, SUITE_KEY, AUTH_CORP) if status == 200 else None
        check("/suite/data: a company's text is echoed, sealed with its corpid",
              reply is not None and reply.findtext("Content") == "from an authorising company", raw[:200])
        target, body = wework_post("/suite/data", SUITE_TOKEN, SUITE_KEY, "wwauthcorp000000b", text_message(unique()),
                                   "dx", agent_id="1", query=f"&corpid={AUTH_CORP}")
        status, raw = http(server.addr, "POST", target, body)
        check("/suite/data: a callback whose receive id is not the URL's corpid is refused (403)",
              (status, response_body(raw)) == (403, b""), raw[:200])
    finally:
        server.stop()

    redis, port, workdir = start_redis()
    extra = {"REDIS_URL": f"redis://127.0.0.1:{port}/", "WXBIZ_REDIS_PREFIX": "shared"}
    a = Server(binary, suite_env("wwsuiteAAAAAAAAAAA", extra))
    b = Server(binary, suite_env("wwsuiteBBBBBBBBBBB", extra))
    try:
        for server, suite_id, ticket in ((a, "wwsuiteAAAAAAAAAAA", "ticket-of-a"), (b, "wwsuiteBBBBBBBBBBB", "ticket-of-b")):
            body = instruction("suite_ticket", suite_id, f"<SuiteTicket><![CDATA[{ticket}]]></SuiteTicket>")
            status, raw = http(server.addr, "POST", *wework_post("/suite/instruction", SUITE_TOKEN, SUITE_KEY, suite_id,
                                                                 body, "st"))
            check(f"suite {suite_id[-1]}: its suite_ticket is answered 'success'",
                  (status, response_body(raw)) == (200, b"success"), raw[:200])
        kept = {}
        for suite_id in ("wwsuiteAAAAAAAAAAA", "wwsuiteBBBBBBBBBBB"):
            out = subprocess.run(["redis-cli", "-p", str(port), "HGET", f"shared:inbox:suite:{suite_id}:ticket", "value"],
                                 capture_output=True, text=True, timeout=10).stdout.strip()
            ttl = subprocess.run(["redis-cli", "-p", str(port), "PTTL", f"shared:inbox:suite:{suite_id}:ticket"],
                                 capture_output=True, text=True, timeout=10).stdout.strip()
            kept[suite_id] = (out, ttl)
        ok = ('"ticket-of-a"' in kept["wwsuiteAAAAAAAAAAA"][0] and '"ticket-of-b"' in kept["wwsuiteBBBBBBBBBBB"][0]
              and all(1_700_000 < int(ttl or 0) <= 1_800_000 for _, ttl in kept.values()))
        check("two suites on one Redis inbox keep their own tickets, for 30 minutes", ok, kept)
    finally:
        a.stop()
        b.stop()
        redis.kill()
        redis.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def timed_callback(addr):
    """A normal text callback: (seconds it took, whether it was answered with its reply, what
    it got instead)."""
    target, body = official_post(text_message(unique(), "a normal callback"), "normal")
    started = time.monotonic()
    try:
        status, raw = http(addr, "POST", target, body, timeout=30)
    except OSError as err:
        return time.monotonic() - started, False, repr(err)
    took = time.monotonic() - started
    reply = read_reply(raw) if status == 200 else None
    ok = reply is not None and reply.find("Content").text == "a normal callback"
    return took, ok, "" if ok else f"status {status}: {raw[:200]!r}"


def run_under_attack(binary):
    """Slow bodies hold no handler permit; namespace bombs cost the server a few milliseconds
    each: a normal callback stays answered quickly through both."""
    server = Server(binary, {"WXBIZ_MAX_CONCURRENT": "16"})
    stop = threading.Event()

    def slow_body():
        # Dripped a byte at a time: cut off at the body timeout, then opened again.
        target = f"/callback?msg_signature={'0' * 40}&timestamp=1&nonce=2"
        while not stop.is_set():
            try:
                with socket.create_connection(server.addr, timeout=5) as s:
                    s.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".encode())
                    while not stop.is_set():
                        s.sendall(b"<")
                        time.sleep(0.2)
            except OSError:
                pass

    def bomb(body):
        target = f"/callback?msg_signature={'0' * 40}&timestamp={int(time.time())}&nonce=bomb"
        while not stop.is_set():
            try:
                http(server.addr, "POST", target, body, timeout=30)
            except OSError:
                pass

    try:
        slow = [threading.Thread(target=slow_body, daemon=True) for _ in range(48)]
        for thread in slow:
            thread.start()
        time.sleep(BODY_TIMEOUT_MS / 1000 + 0.5)  # every slow socket open, some cut and re-opened
        worst, answered, missed = 0.0, True, ""
        for _ in range(5):
            took, ok, got = timed_callback(server.addr)
            worst, answered, missed = max(worst, took), answered and ok, missed or got
            time.sleep(0.3)
        check("48 slow-body sockets do not push a normal callback past 4 s",
              answered and worst < 4.0, f"worst {worst:.2f} s, answered {answered} {missed}")
        print(f"        (the slowest of 5 normal callbacks: {worst * 1000:.0f} ms)")
        stop.set()
        for thread in slow:
            thread.join(timeout=10)
        stop.clear()
        bomb_body = hostile_xml()["namespace_bomb"].encode()
        bombs = [threading.Thread(target=bomb, args=(bomb_body,), daemon=True) for _ in range(4)]
        for thread in bombs:
            thread.start()
        time.sleep(0.5)
        worst, answered, missed = 0.0, True, ""
        for _ in range(5):
            took, ok, got = timed_callback(server.addr)
            worst, answered, missed = max(worst, took), answered and ok, missed or got
            time.sleep(0.2)
        check("4 parallel 1 MiB namespace bombs do not push a normal callback past 1 s",
              answered and worst < 1.0, f"worst {worst:.2f} s, answered {answered} {missed}")
        print(f"        (the slowest of 5 normal callbacks: {worst * 1000:.0f} ms)")
    finally:
        stop.set()
        server.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_redis(binary):
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        check("redis-server is installed (.ci/run installs it)", False, "not found")
        return
    redis, port, workdir = start_redis()
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/"}
    a, b = Server(binary, env), Server(binary, env)
    try:
        msg_id = unique()
        status, raw = http(a.addr, "POST", *official_post(text_message(msg_id, "to replica A"), "r1"))
        reply = read_reply(raw) if status == 200 else None
        check("replica A processes a message", reply is not None and reply.find("Content").text == "to replica A", raw[:200])
        first = response_body(raw)
        status, raw = http(b.addr, "POST", *official_post(text_message(msg_id, "to replica A"), "r2"))
        check("its retry, sent to replica B, gets the first answer byte for byte, not processed again",
              status == 200 and response_body(raw) == first, raw[:200])

        redis.kill()
        redis.wait(timeout=10)
        started = time.monotonic()
        status, raw = http(a.addr, "POST", *official_post(text_message(unique(), "Redis is down"), "r3"))
        took = time.monotonic() - started
        reply = read_reply(raw) if status == 200 else None
        check("with Redis stopped the replicas keep serving (fail open), within a second",
              reply is not None and reply.find("Content").text == "Redis is down" and took < 1.5, f"{took:.2f} s: {raw[:200]}")
        status, raw = http(b.addr, "GET", GET_VECTOR)
        check("and the URL check still works", status == 200, raw[:200])
    finally:
        a.stop()
        b.stop()
        if redis.poll() is None:
            redis.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="the example server's binary")
    parser.add_argument("--redis", action="store_true", help="also the two-replica test with redis-server")
    parser.add_argument("--routes", default="/callback", help="the routes the server has, comma-separated")
    args = parser.parse_args()
    print(f"e2e: {args.server}")
    run_configuration(args.server, args.routes.split(","))
    run_single(args.server)
    if "/mp" in args.routes.split(","):
        run_wechat(args.server)
    if "/mp-plain" in args.routes.split(","):
        run_wechat_plaintext(args.server)
    if "/callback-apps" in args.routes.split(","):
        run_apps(args.server)
    if "/suite" in args.routes.split(","):
        run_suite(args.server)
    run_under_attack(args.server)
    if args.redis:
        run_redis(args.server)
    print(f"e2e: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
