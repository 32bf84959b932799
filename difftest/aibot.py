"""AI-bot replies against the WeCom AI-bot channel of wx-crypt (the JSON envelope, empty receive
id), and Python's own `json` and `hashlib`.

wx-crypt encrypts a bot callback (a text, or an event); the crate answers it through
`aibot::Reply::seal` with a stream (random content: CJK, emoji, quotes, backslashes, control
characters, the 20480-byte boundary; images on finished streams) or a text; wx-crypt decrypts
the reply and `json.loads` must read back exactly what was asked for, each image as its base64
and MD5. Content over 20480 bytes, images on an unfinished stream and more than 10 images must
be refused with -40011 instead.
"""

import base64
import hashlib
import json

from wx_crypt.channel import WxChannel_WecomAiBot
from wx_crypt.WXBizMsgCrypt3 import WXBizMsgCrypt as WxCrypt

PIECES = ["a", "企业微信", "😀", '"', "\\", "/", "\n", "\t", "\u0001", "\u007f", "\u2028", "</", "{}", "]]>"]
CONTENT_MAX_BYTES = 20480


def content(rng):
    roll = rng.random()
    if roll < 0.1:
        # Around the limit: 20470 to 20490 bytes.
        return "企" * 6820 + "a" * rng.randint(10, 30)
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60)))


def run(rng, ours, results, count):
    for i in range(count):
        token = "tok" + str(rng.randint(0, 10**6))
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(43))
        ts, nonce = str(rng.randint(1_000_000_000, 2_000_000_000)), str(rng.randint(1, 10**9))
        bot = WxCrypt(token, key, "", channel=WxChannel_WecomAiBot)
        is_text = rng.random() < 0.8
        plaintext = (
            {"msgid": f"m{i}", "aibotid": "AIBOT", "chattype": "single", "from": {"userid": "u1"},
             "msgtype": "text", "text": {"content": "hi"}}
            if is_text else
            {"msgid": f"e{i}", "aibotid": "AIBOT", "msgtype": "event", "event": {"eventtype": "enter_chat"}})
        ret, body = bot.EncryptMsg(json.dumps(plaintext, ensure_ascii=False).encode(), nonce, ts)
        signature = json.loads(body)["msgsignature"]
        text = content(rng)
        finish = rng.random() < 0.5
        images = [bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
                  for _ in range(rng.choice([0, 0, 1, 3, 10, 11]))] if is_text else []
        got = ours.ask({"op": "aibot_reply", "token": token, "key": key, "receive_id": "", "timestamp": ts,
                        "nonce": nonce, "msg_signature": signature, "body": body, "stream_id": f"s{i}",
                        "reply": text, "finish": finish,
                        "images": [base64.b64encode(b).decode() for b in images],
                        "reply_timestamp": ts, "reply_nonce": nonce})
        too_long = is_text and len(text.encode()) > CONTENT_MAX_BYTES
        bad_images = bool(images) and (not finish or len(images) > 10)
        if too_long or bad_images:
            results.check("aibot: a reply over a limit is refused with -40011", got == {"code": -40011},
                          f"{len(text.encode())} bytes, {len(images)} images, finish {finish}: {got}")
            continue
        if "ok" not in got:
            results.check("aibot: wx-crypt decrypts our reply, json reads it back", False, str(got)[:200])
            continue
        envelope = json.loads(got["ok"])
        ret, plain = bot.DecryptMsg(got["ok"], envelope["msgsignature"], envelope["timestamp"], envelope["nonce"])
        reply = json.loads(plain) if ret == 0 else None
        if is_text:
            want = {"msgtype": "stream", "stream": {"id": f"s{i}", "finish": finish, "content": text}}
            if images:
                want["stream"]["msg_item"] = [
                    {"msgtype": "image", "image": {"base64": base64.b64encode(b).decode(),
                                                   "md5": hashlib.md5(b).hexdigest()}} for b in images]
        else:
            want = {"msgtype": "text", "text": {"content": text}}
        results.check("aibot: wx-crypt decrypts our reply, json reads it back",
                      ret == 0 and reply == want and envelope["timestamp"] == ts,
                      f"ret {ret}: {str(reply)[:160]} != {str(want)[:160]}")
