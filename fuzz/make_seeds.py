#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from ../tests/data/known.json (the known vectors),
in each target's input format, and the callback bodies of ../callback/tests/data/callbacks/ (for the
message target), into seeds/<target>/. Run it when the vectors or the bodies change.

With --large DIR it writes instead the hostile bodies of about 1 MiB that
../tests/common/hostile.rs builds (../difftest/hostile.py: the same shapes, at the edge of the
reader's budget) into DIR/<target>/, for run.sh's pass with inputs as large as a service accepts. They are not
committed: run.sh writes them into large-seeds/ (ignored by git) each time."""
import base64
import json
import os
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
vectors = json.loads((HERE.parent / "tests/data/known.json").read_text())

sys.path.insert(0, str(HERE.parent / "difftest"))
from hostile import hostile_json, hostile_xml  # noqa: E402  (the shapes of tests/common/hostile.rs)


if len(sys.argv) == 3 and sys.argv[1] == "--large":
    out = pathlib.Path(sys.argv[2])
    for target, bodies in [("xml_decrypt", hostile_xml()), ("xml_canonical", hostile_xml()),
                           ("message", hostile_xml()), ("json_decrypt", hostile_json()),
                           ("json_canonical", hostile_json())]:
        (out / target).mkdir(parents=True, exist_ok=True)
        for name, body in bodies.items():
            (out / target / f"large-{name}").write_text(body)
    # The endpoint target: a forged POST's query, then each body with an AgentID last (the
    # router's worst case: its scan reads to the end before the core reads it again).
    (out / "endpoint").mkdir(parents=True, exist_ok=True)
    for name, body in hostile_xml().items():
        at = body.rfind("</xml>")
        routed = body[:at] + "<AgentID>218</AgentID>" + body[at:] if at >= 0 else body
        query = "msg_signature=" + "0" * 40 + "&timestamp=1409659813&nonce=1372623149&corpid=wx5823bf96d3bd56c7"
        (out / "endpoint" / f"large-{name}").write_text(query + "\n" + routed)
    print("large seeds written to", out)
    sys.exit(0)


def write(target, name, data):
    d = HERE / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


for v in vectors:
    name = v["name"]
    if v["variant"] == "echostr":
        encrypt = v["input"]
    elif v["variant"] == "xml":
        write("xml_decrypt", name, v["input"])
        write("xml_canonical", name, v["input"])
        encrypt = v["input"].split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        # The same envelope indented, as the WeChat docs show it.
        indented = re.sub(r"(<xml>|</\w+>)(?=<\w)", "\\1\n    ", v["input"]).replace("</xml>", "\n</xml>")
        write("xml_canonical", name + "_indented", indented + "\n")
    else:
        write("json_decrypt", name, v["input"])
        write("json_canonical", name, v["input"])
        body = json.loads(v["input"])
        encrypt = body.get("encrypt") or body.get("Encrypt")
    write("decrypt", name, "\n".join([v["msg_signature"], v["timestamp"], v["nonce"], encrypt]))
    write("round_trip", name, (v.get("random_prefix") or "0123456789abcdef").encode()
          + "\n".join([v["expected_plaintext"], v["receive_id"], v["timestamp"], v["nonce"]]).encode())
    # The frame target takes plaintext: a well-formed padded frame for the sample receive id.
    msg = v["expected_plaintext"].encode()
    frame = b"r" * 16 + len(msg).to_bytes(4, "big") + msg + b"wx5823bf96d3bd56c7"
    pad = 32 - len(frame) % 32
    write("decrypt_frame", name, frame + bytes([pad]) * pad)
    query = (f"msg_signature={v['msg_signature']}&timestamp={v['timestamp']}&nonce={v['nonce']}"
             f"&echostr={encrypt.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}")
    write("query", name, query)
    if v["variant"] == "xml":
        post = f"msg_signature={v['msg_signature']}&timestamp={v['timestamp']}&nonce={v['nonce']}"
        write("endpoint", name, post + "\n" + v["input"])
        write("endpoint", name + "_get", query + "\n")
for body in sorted((HERE.parent / "callback/tests/data/callbacks").glob("*.xml")):
    write("message", body.stem, body.read_bytes())
# 公众号's documented plain signature, as a plaintext-mode POST and as a URL check.
plain = "signature=76480565cbe296026c53aaacd1ad523a1ddba24f&timestamp=1409304348&nonce=xxxxxx"
write("endpoint", "plain_post", plain + "&openid=o1\n" + (HERE.parent / "callback/tests/data/callbacks/mp_text.xml").read_text())
write("endpoint", "plain_get", plain + "&echostr=3141592653589793238\n")
print("seeds written to", HERE / "seeds")
