#!/usr/bin/env python3
"""Independent pure-Python implementation of libcausal's assignment spec v1
(docs/methods/assign.md). Writes the published test vectors:

  tests/data/assign_vectors.txt         hash and bucket per (salt, id, B)
  tests/data/assign_config_vectors.csv  variant per id for three configs
  (and copies of both in bindings/r/tests/ for the R package's tests)

It shares no code with lib/assign.c: SipHash-2-4 is written from the paper
(Aumasson & Bernstein 2012) and checked here against the reference
implementation's 64 published vectors before anything is written.

usage: python3 tests/ref/assign_reference.py [--check]
  --check  recompute and compare with the committed files (exit 1 on diff)
"""
import math
import os
import sys

MASK = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(k0, k1, msg):
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & MASK
            v1 = rotl(v1, 13) ^ v0
            v0 = rotl(v0, 32)
            v2 = (v2 + v3) & MASK
            v3 = rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & MASK
            v3 = rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & MASK
            v1 = rotl(v1, 17) ^ v2
            v2 = rotl(v2, 32)

    n = len(msg)
    full = n - n % 8
    for i in range(0, full, 8):
        m = int.from_bytes(msg[i:i + 8], "little")
        v3 ^= m
        rounds(2)
        v0 ^= m
    b = ((n & 0xFF) << 56) | int.from_bytes(msg[full:], "little")
    v3 ^= b
    rounds(2)
    v0 ^= b
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


# SipHash-2-4 reference vectors (veorq/SipHash vectors.h, key 00..0f,
# message 00 01 .. (i-1)), as little-endian 64-bit integers. Entry 15 is
# the example of the paper's appendix.
OFFICIAL = [
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a,
    0x85676696d7fb7e2d, 0xcf2794e0277187b7, 0x18765564cd99a68d,
    0xcbc9466e58fee3ce, 0xab0200f58b01d137, 0x93f5f5799a932462,
    0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee,
    0xa129ca6149be45e5, 0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794,
    0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd, 0xbed65cf21aa2ee98,
    0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3,
    0x2f2e6163076bcfad, 0xde4daaaca71dc9a5, 0xa6a2506687956571,
    0xad87a3535c49ef28, 0x32d892fad841c342, 0x7127512f72f27cce,
    0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d,
    0x9abfd8766a33735c, 0x0e3ea96b5304a7d0, 0xad0c42d6fc585992,
    0x187306c89bc215a9, 0xd4a60abcf3792b95, 0xf935451de4f21df2,
    0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72,
    0xa192d576b245165a, 0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f,
    0x7fa8220ba3b2ecea, 0x245731c13ca42499, 0xb78dbfaf3a8d83bd,
    0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57,
    0x958a324ceb064572,
]


def check_official():
    key = bytes(range(16))
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    for i, want in enumerate(OFFICIAL):
        got = siphash24(k0, k1, bytes(range(i)))
        if got != want:
            raise SystemExit("SipHash-2-4 vector %d: %016x != %016x"
                             % (i, got, want))


# ---- spec v1 --------------------------------------------------------------
SPEC_KEY = b"causal-assign-v1"
SK0 = int.from_bytes(SPEC_KEY[:8], "little")
SK1 = int.from_bytes(SPEC_KEY[8:], "little")


def derive_key(salt):
    return (siphash24(SK0, SK1, b"\x00" + salt),
            siphash24(SK0, SK1, b"\x01" + salt))


def hash_id(salt, uid):
    k0, k1 = derive_key(salt)
    return siphash24(k0, k1, uid)


def bucket_of(h, buckets):
    return (h * buckets) >> 64


def fix24(x):
    # x * 2^24 is exact in binary floating point; round half up.
    return int(math.floor(x * 16777216.0 + 0.5))


def variant_segments(lo, hi, weights, exposure):
    """[(start, end_live, end)] per variant: buckets [start, end_live) are
    live, [end_live, end) reserved for ramp-up."""
    R = hi - lo
    q = [fix24(w) for w in weights]
    Q = sum(q)
    out, a, C = [], 0, 0
    E = fix24(exposure)
    for qj in q:
        C += qj
        b = (2 * R * C + Q) // (2 * Q)
        live = ((b - a) * E) >> 24
        out.append((lo + a, lo + a + live, lo + b))
        a = b
    return out


HOLDOUT, OUTSIDE, UNALLOCATED, NOT_EXPOSED = -1, -2, -3, -4


class Config:
    """Minimal reference of the configuration semantics."""

    def __init__(self, salt, buckets, holdout=None, domain=(0, None)):
        self.salt, self.buckets = salt, buckets
        self.holdout = holdout
        self.domain = (domain[0], buckets if domain[1] is None else domain[1])
        self.layer = None
        self.exps = []
        self.overrides = {}

    def set_layer(self, salt, buckets):
        self.layer = (salt, buckets)

    def add_experiment(self, lo, hi, weights, exposure=1.0):
        self.exps.append((lo, hi, variant_segments(lo, hi, weights,
                                                   exposure)))

    def assign(self, uid):
        lsalt, lb = self.layer
        b = bucket_of(hash_id(lsalt, uid), lb)
        if uid in self.overrides:
            e, v = self.overrides[uid]
            return b, e, v
        t = bucket_of(hash_id(self.salt, uid), self.buckets)
        if self.holdout and self.holdout[0] <= t < self.holdout[1]:
            return b, -1, HOLDOUT
        if not self.domain[0] <= t < self.domain[1]:
            return b, -1, OUTSIDE
        for e, (lo, hi, segs) in enumerate(self.exps):
            if lo <= b < hi:
                for v, (s, live, end) in enumerate(segs):
                    if s <= b < end:
                        return b, e, (v if b < live else NOT_EXPOSED)
        return b, -1, UNALLOCATED


def scenarios():
    """The three configurations of tests/data/assign_config_vectors.csv;
    tests in C, Python, R and the CLI rebuild them by hand."""
    a = Config(b"top-A", 100)
    a.set_layer(b"exp-2024", 1000)
    a.add_experiment(0, 1000, [0.5, 0.5])
    b = Config(b"top-B", 100)
    b.set_layer(b"ramp", 97)
    b.add_experiment(0, 97, [0.2, 0.3, 0.5], exposure=0.37)
    c = Config(b"top-C", 100, holdout=(0, 10), domain=(10, 60))
    c.set_layer(b"L1", 1000)
    c.add_experiment(100, 500, [0.5, 0.5], exposure=0.5)
    c.add_experiment(600, 900, [0.25, 0.75])
    c.overrides[b"u7"] = (0, 1)
    return [("A", a), ("B", b), ("C", c)]


def vector_cases():
    salts = [b"", b"layer-1", b"exp:checkout-button",
             "ünïcødé-salt".encode(), b"long-" + b"0123456789" * 30]
    ids = [b"1", b"user_42", b"abcdefg", b"abcdefgh", b"0123456789abcdef",
           "Zoë".encode(), "用户-7".encode(), "🙂".encode(), b"a\x00b",
           b"x" * 63, b"session:9f1c2e7a-44b0-4c1e-9d2a-7b3c5e6f8a90"]
    bucket_counts = [1, 2, 7, 100, 1000, 10000, 1 << 32]
    for si, s in enumerate(salts):
        for ii, u in enumerate(ids):
            yield s, u, bucket_counts[(si + ii) % len(bucket_counts)]


def hexs(b):
    return b.hex() if b else "-"


def render_vectors():
    lines = [
        "# libcausal assignment hash, spec version 1 "
        "(docs/methods/assign.md)",
        "# produced by tests/ref/assign_reference.py (pure Python)",
        "# salt_hex id_hex buckets k0 k1 hash bucket   (hex of raw UTF-8 "
        "bytes; '-' = empty; k0 k1 hash as 16 hex digits)",
    ]
    for s, u, B in vector_cases():
        k0, k1 = derive_key(s)
        h = siphash24(k0, k1, u)
        lines.append("%s %s %d %016x %016x %016x %d"
                     % (hexs(s), hexs(u), B, k0, k1, h, bucket_of(h, B)))
    return "\n".join(lines) + "\n"


def render_config():
    lines = ["scenario,id,bucket,experiment,variant"]
    for name, cfg in scenarios():
        for i in range(1000):
            uid = ("u%d" % i).encode()
            b, e, v = cfg.assign(uid)
            lines.append("%s,%s,%d,%d,%d" % (name, uid.decode(), b, e, v))
    return "\n".join(lines) + "\n"


def main():
    check_official()
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "data")
    rtests = os.path.join(here, "..", "..", "bindings", "r", "tests")
    v, cv = render_vectors(), render_config()
    # The R package's tests run from its own tree, so they get copies.
    files = {os.path.join(data, "assign_vectors.txt"): v,
             os.path.join(data, "assign_config_vectors.csv"): cv,
             os.path.join(rtests, "assign_vectors.txt"): v,
             os.path.join(rtests, "assign_config_vectors.csv"): cv}
    if "--check" in sys.argv:
        bad = 0
        for f, text in files.items():
            with open(f, encoding="utf-8") as fh:
                if fh.read() != text:
                    print("differs:", f)
                    bad = 1
        sys.exit(bad)
    for f, text in files.items():
        with open(f, "w", encoding="utf-8") as fh:
            fh.write(text)
    print("official SipHash-2-4 vectors OK; wrote",
          ", ".join(os.path.relpath(f) for f in files))


if __name__ == "__main__":
    main()
