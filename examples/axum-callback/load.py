#!/usr/bin/env python3
"""The load benchmark of the axum example (not a test): callbacks/s and p50/p99/p99.9 latency
for XML and AI-bot callbacks, with de-duplication off, in memory and on Redis, and the crate's
share of the server's CPU. Loopback only, bounded in requests and time.

    cargo build --release --manifest-path examples/axum-callback/Cargo.toml
    python3 examples/axum-callback/load.py [--requests 20000] [--concurrency 16] [--rounds 3]

Each configuration runs a fresh server (release build) and the load generator (`src/bin/load.rs`,
every request a different callback, built before the clock starts); the rounds interleave the
configurations, so that a busy minute on the host touches them alike, and the table shows each
one's median round. The crate's share of the server's CPU comes from `perf record` on the
server during one extra run per format (if perf is installed): samples in `wxbizmsgcrypt::`
functions over all samples of the process.

Prints a Markdown table for BENCHMARKS.md.
"""

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "target/release/axum-callback")
LOAD = os.path.join(HERE, "target/release/load")
# The crate, and the crates it does its work with (AES, CBC, SHA-1, base64, MD5, the XML and JSON
# readers, UTF-8 validation): a sample in any of them is the crate's work.
CRATE_AND_ITS_PRIMITIVES = ("wxbizmsgcrypt::", "aes::", "cbc::", "sha1::", "base64::", "md5::", "quick_xml::",
                            "serde_json::", "simdutf8::", "memchr::", "subtle::")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env):
    # Both routes on the official sample credentials, which the load generator uses.
    proc = subprocess.Popen([SERVER], env={**os.environ, "BIND": "127.0.0.1:0", "WXBIZ_DEMO": "1", **env},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(mode, path, args, redis_url):
    env = {"WXBIZ_DEDUP": "off" if mode == "off" else "memory"}
    if mode == "redis":
        env["REDIS_URL"] = redis_url
    proc, addr = start_server(env)
    try:
        # A short warm-up on its own connection (allocators, Redis connection).
        subprocess.run([LOAD, addr, path, "200", "2"], check=True, capture_output=True, timeout=60)
        before = cpu_seconds(proc.pid)
        out = subprocess.run([LOAD, addr, path, str(args.requests), str(args.concurrency)],
                             check=True, capture_output=True, text=True, timeout=180).stdout.split()
        cpu = cpu_seconds(proc.pid) - before
    finally:
        proc.kill()
        proc.wait()
    requests, ok, seconds, rate, p50, p99, p999 = out
    assert requests == ok, f"{mode} {path}: {ok} of {requests} answered 200"
    return {"rate": float(rate), "p50": float(p50), "p99": float(p99), "p999": float(p999),
            "cpu_per_request_us": cpu / int(requests) * 1e6}


def crate_share(path, args):
    """The share of the server's CPU samples in the crate's own functions."""
    if shutil.which("perf") is None:
        return None
    proc, addr = start_server({"WXBIZ_DEDUP": "memory"})
    data = tempfile.mktemp(suffix=".perf")
    try:
        perf = subprocess.Popen(["perf", "record", "-F", "4000", "-g", "-o", data, "-p", str(proc.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        subprocess.run([LOAD, addr, path, str(args.requests), str(args.concurrency)], check=True,
                       capture_output=True, timeout=180)
        perf.send_signal(2)
        perf.wait(timeout=60)
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "sym", "--stdio",
                                 "-g", "none", "--percent-limit", "0"],
                                capture_output=True, text=True, timeout=300).stdout
    finally:
        proc.kill()
        proc.wait()
        if os.path.exists(data):
            os.remove(data)
    own, with_deps = 0.0, 0.0
    for line in report.splitlines():
        parts = line.split()
        if not (parts and parts[0].endswith("%")):
            continue
        percent = float(parts[0].rstrip("%"))
        if "wxbizmsgcrypt::" in line:
            own += percent
        if any(crate in line for crate in CRATE_AND_ITS_PRIMITIVES):
            with_deps += percent
    return own, with_deps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for binary in (SERVER, LOAD):
        assert os.path.exists(binary), f"build first: cargo build --release ({binary})"

    redis_port, workdir = free_port(), tempfile.mkdtemp()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    redis_url = f"redis://127.0.0.1:{redis_port}/"
    configs = [(path, mode) for path in ("/callback", "/aibot") for mode in ("off", "memory", "redis")]
    results = {config: [] for config in configs}
    try:
        for _ in range(args.rounds):
            for path, mode in configs:
                results[(path, mode)].append(run(mode, path, args, redis_url))
        shares = {path: crate_share(path, args) for path in ("/callback", "/aibot")}
    finally:
        redis.kill()
        redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    def median(path, mode, key):
        return statistics.median(r[key] for r in results[(path, mode)])

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"{os.cpu_count()} cores ({cpu}); {args.requests} requests over {args.concurrency} keep-alive "
          f"connections per run, load generator on the same machine; median of {args.rounds} interleaved rounds\n")
    print("| callbacks | de-duplication | callbacks/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/callback |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path, mode in configs:
        name = "XML text → text reply" if path == "/callback" else "AI bot enter_chat → text reply"
        print(f"| {name} | {mode} | {median(path, mode, 'rate'):,.0f} | {median(path, mode, 'p50'):.2f} | "
              f"{median(path, mode, 'p99'):.2f} | {median(path, mode, 'p999'):.2f} | "
              f"{median(path, mode, 'cpu_per_request_us'):.1f} |")
    print()
    for path in ("/callback", "/aibot"):
        for mode, against in (("memory", "off"), ("redis", "memory")):
            cost = 1 - median(path, mode, "rate") / median(path, against, "rate")
            tail = median(path, mode, "p999") / median(path, against, "p999")
            verdict = "met" if cost <= 0.10 and tail <= 1.5 else "MISSED"
            print(f"- {path}: {mode} against {against} costs {cost:.1%} throughput (target ≤ 10%) and "
                  f"{tail:.2f}× p99.9 (target ≤ 1.5×): {verdict}")
        if shares[path] is not None:
            own, with_deps = shares[path]
            print(f"- {path}: the crate's share of the server's CPU samples: {own:.1f}% in its own code, "
                  f"{with_deps:.1f}% with the primitives it calls (AES, SHA-1, base64, the XML/JSON readers)")


if __name__ == "__main__":
    main()
