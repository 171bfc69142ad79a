#!/usr/bin/python3
"""Reference vectors for tests/rng_test.c, from numpy's PCG64 bit generator.

Run with Debian's /usr/bin/python3 (numpy 1.24):
    /usr/bin/python3 tests/ref/rng_reference.py           # writes tests/data/rng_*.txt
    /usr/bin/python3 tests/ref/rng_reference.py --stirlerr # table in lib/rng.c

numpy's PCG64 state is set explicitly, so numpy's own seeding (SeedSequence)
is not involved. The seeding formula of causal_rng_new
(pcg_setseq_128_srandom_r) is computed here with Python integers.

Files (one record per line, integers in hex, doubles as C99 hex floats):
  rng_raw.txt      raw  S_hi S_lo I_hi I_lo n  u64...      (random_raw)
                   dbl  S_hi S_lo I_hi I_lo n  double...   (Generator.random)
  rng_seed.txt     seed SEED STREAM S_hi S_lo I_hi I_lo n u64...
  rng_advance.txt  adv  S_hi S_lo I_hi I_lo D_hi D_lo S'_hi S'_lo n u64...
  rng_bounded.txt  bnd  S_hi S_lo I_hi I_lo BOUND n u64... (Generator.integers)
"""
import os
import sys

import numpy as np

MULT = 0x2360ED051FC65DA44385DF649FCCF645
MASK = (1 << 128) - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


def hi(x):
    return x >> 64


def lo(x):
    return x & ((1 << 64) - 1)


def h(x):
    return "0x%x" % x


def bitgen(state, inc):
    bg = np.random.PCG64()
    bg.state = {"bit_generator": "PCG64",
                "state": {"state": state, "inc": inc},
                "has_uint32": 0, "uinteger": 0}
    return bg


def get_state(bg):
    return bg.state["state"]["state"]


def srandom(seed, stream):
    """pcg_setseq_128_srandom_r(initstate=seed, initseq=stream)."""
    inc = ((stream << 1) | 1) & MASK
    state = 0
    state = (state * MULT + inc) & MASK
    state = (state + seed) & MASK
    state = (state * MULT + inc) & MASK
    return state, inc


def sh(state, inc):
    return [h(hi(state)), h(lo(state)), h(hi(inc)), h(lo(inc))]


# (state, inc) pairs: simple, all-ones, high-bit patterns, "random" constants.
CASES = [
    (0, 1),
    (1, 3),
    (MASK, MASK),
    (0x0123456789ABCDEF0123456789ABCDEF, 0xDA3E39CB94B95BDB1),
    (0x8000000000000000_0000000000000000, 0x5851F42D4C957F2D_14057B7EF767814F),
    (0xCAFEF00DD15EA5E5_0000000000000000, 0x0000000000000000_A02BDBF7BB3C0A7 | 1),
    (0x979C9A98D84620057D3E9CB6CFE0549B, 0x2F3B5C3D8A6E21C7F1E0D2C3B4A59687),
]


def write_raw():
    lines = []
    for state, inc in CASES:
        vals = bitgen(state, inc).random_raw(64)
        lines.append(" ".join(["raw"] + sh(state, inc) + [str(len(vals))] +
                              [h(int(v)) for v in vals]))
        gen = np.random.Generator(bitgen(state, inc))
        dbl = gen.random(64)
        lines.append(" ".join(["dbl"] + sh(state, inc) + [str(len(dbl))] +
                              [float(d).hex() for d in dbl]))
    return lines


def write_seed():
    lines = []
    pairs = [(0, 0), (42, 54), (1, 0), (0, 1), ((1 << 64) - 1, (1 << 64) - 1),
             (0x853C49E6748FEA9B, 0xDA3E39CB94B95BDB), (12345, 1 << 63),
             (20240601, 7)]
    for seed, stream in pairs:
        state, inc = srandom(seed, stream)
        vals = bitgen(state, inc).random_raw(16)
        lines.append(" ".join(["seed", h(seed), h(stream)] + sh(state, inc) +
                              [str(len(vals))] + [h(int(v)) for v in vals]))
    return lines


def write_advance():
    lines = []
    deltas = [0, 1, 2, 1000, 12345678901, (1 << 64) - 1, (1 << 64) + 12345,
              1 << 100, (1 << 127) + 0x123456789, MASK]
    for state, inc in CASES[2:6]:
        for d in deltas:
            bg = bitgen(state, inc)
            bg.advance(d)
            s2 = get_state(bg)
            vals = bg.random_raw(8)
            lines.append(" ".join(["adv"] + sh(state, inc) +
                                  [h(hi(d)), h(lo(d)), h(hi(s2)), h(lo(s2)),
                                   str(len(vals))] +
                                  [h(int(v)) for v in vals]))
    return lines


def write_bounded():
    # numpy's Generator.integers uses Lemire's method on 64-bit draws for
    # ranges above 2^32 (smaller ranges use buffered 32-bit draws).
    lines = []
    bounds = [3 << 62, (1 << 63) + 1, 10**12 + 39, (1 << 32) + 1,
              (1 << 64) - 1, 0xFFFFFFFF00000001, 6148914691236517206]
    for state, inc in CASES[3:5]:
        for b in bounds:
            gen = np.random.Generator(bitgen(state, inc))
            vals = gen.integers(0, b, size=200, dtype=np.uint64)
            lines.append(" ".join(["bnd"] + sh(state, inc) +
                                  [h(b), str(len(vals))] +
                                  [h(int(v)) for v in vals]))
    return lines


def stirlerr_table():
    import mpmath as mp
    mp.mp.dps = 40
    for n in range(1, 16):
        v = (mp.log(mp.factorial(n)) - (n + mp.mpf(1) / 2) * mp.log(n) + n
             - mp.log(2 * mp.pi) / 2)
        print("  %s, /* %d */" % (float(v).hex(), n))


def main():
    if "--stirlerr" in sys.argv:
        stirlerr_table()
        return
    files = {"rng_raw.txt": write_raw(), "rng_seed.txt": write_seed(),
             "rng_advance.txt": write_advance(),
             "rng_bounded.txt": write_bounded()}
    header = ("# generated by tests/ref/rng_reference.py with numpy %s\n"
              % np.__version__)
    for name, lines in files.items():
        with open(os.path.join(OUT, name), "w") as f:
            f.write(header)
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
