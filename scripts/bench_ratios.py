#!/usr/bin/env python3
"""Print each callback path's median time over the median of its primitives, from one
`cargo bench -p wxbizmsgcrypt-benches --bench callback` run (criterion's target/criterion/*/new/estimates.json).

Targets (issue: decrypt hot path at the speed of its primitives):
  decrypt/decrypt_msg, decrypt/verify_url  <= 1.10 x primitives_decrypt/sum
  decrypt/xml, decrypt/json                <= 1.25 x primitives_decrypt/sum
  encrypt/xml                              <= 1.15 x primitives_encrypt/sum
  per-byte cost at 64 KiB                  <= 1.20 x per-byte cost at 1 KiB
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
SIZES = [256, 1024, 16384, 65536]
ROWS = [
    ("decrypt", "verify_url", "primitives_decrypt", 1.10),
    ("decrypt", "decrypt_msg", "primitives_decrypt", 1.10),
    ("decrypt", "decrypt_msg_rotating", "primitives_decrypt", 1.10),
    ("decrypt", "decrypt_msg_into", "primitives_decrypt", 1.10),
    ("decrypt", "xml", "primitives_decrypt", 1.25),
    ("decrypt", "json", "primitives_decrypt", 1.25),
    ("encrypt", "xml", "primitives_encrypt", 1.15),
    ("encrypt", "encrypt_msg", "primitives_encrypt", 1.15),
]


def median_ns(group, name, size):
    path = ROOT / group / name / str(size) / "new" / "estimates.json"
    try:
        return json.loads(path.read_text())["median"]["point_estimate"]
    except FileNotFoundError:
        return None


def main():
    print(f"{'path':<26}{'size':>7}{'median':>12}{'floor':>12}{'ratio':>8}  target")
    failures = 0
    for group, name, floor_group, target in ROWS:
        for size in SIZES:
            t, floor = median_ns(group, name, size), median_ns(floor_group, "sum", size)
            if t is None or floor is None:
                continue
            ratio = t / floor
            ok = ratio <= target or size == 256
            failures += 0 if ok else 1
            mark = "" if ratio <= target else ("  (over; 256 B informational)" if size == 256 else "  OVER")
            print(f"{group + '/' + name:<26}{size:>7}{t / 1000:>10.2f}us{floor / 1000:>10.2f}us{ratio:>8.3f}  <= {target}{mark}")
    for group, name in [("decrypt", "decrypt_msg"), ("decrypt", "xml"), ("encrypt", "xml")]:
        small, large = median_ns(group, name, 1024), median_ns(group, name, 65536)
        if small and large:
            growth = (large / 65536) / (small / 1024)
            ok = growth <= 1.2
            failures += 0 if ok else 1
            print(f"{group + '/' + name:<26} per-byte 64 KiB / 1 KiB: {growth:.3f}  <= 1.2{'' if ok else '  OVER'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
