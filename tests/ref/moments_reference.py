#!/usr/bin/python3
"""Exact reference moments for tests/moments_test.c.

Run:  /usr/bin/python3 tests/ref/moments_reference.py > tests/data/moments_reference.txt

Every double is an integer times a power of two, so after scaling by the
smallest power of two present, sums and sums of squares are exact Python
integers; mean and sample variance are then exact rationals, rounded once
to the nearest double for output ("name n mean var", %.17g).

Datasets:
- nist_<File>: the NIST StRD univariate files, parsed as the C test does
  (numbers after the "Data: Y" line and its dashed rule; float() rounds
  correctly, like strtod).
- adv1e9: n = 1e6 values 1e9 + (u1 + u2 + u3 + u4 - 2) * 1e-3 with u from
  splitmix64 (seed 42) as (next >> 11) * 2^-53. Each operation is a single
  IEEE double operation evaluated left to right, which the C test repeats
  step by step, so both sides see bit-identical data.
"""
import os
import sys
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
NIST = os.path.join(HERE, "..", "data", "nist")
M64 = (1 << 64) - 1


def exact_mean_var(xs):
    fr = [Fraction(x) for x in xs]
    den = max(f.denominator for f in fr)  # a power of two: lcm of all
    ints = [f.numerator * (den // f.denominator) for f in fr]
    n = len(ints)
    s = sum(ints)
    ss = sum(v * v for v in ints)
    mean = Fraction(s, n * den)
    var = Fraction(n * ss - s * s, n * (n - 1) * den * den)
    return float(mean), float(var)


def nist_data(name):
    with open(os.path.join(NIST, name + ".dat")) as f:
        lines = f.read().splitlines()
    i = next(k for k, l in enumerate(lines) if l.strip().startswith("Data: Y"))
    xs = []
    for l in lines[i + 1:]:
        t = l.strip()
        if not t or set(t) == {"-"}:  # blank or the dashed rule
            continue
        xs.append(float(t))
    return xs


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def unif(self):
        return (self.next() >> 11) * 2.0 ** -53


def adv1e9(n=1000000, seed=42):
    r = SplitMix64(seed)
    xs = []
    for _ in range(n):
        s = r.unif()
        s = s + r.unif()
        s = s + r.unif()
        s = s + r.unif()
        s = s - 2.0
        s = s * 1e-3
        xs.append(1e9 + s)
    return xs


def main():
    out = sys.stdout
    for name in ["Lew", "Lottery", "Mavro", "Michelso", "NumAcc1", "NumAcc2",
                 "NumAcc3", "NumAcc4"]:
        xs = nist_data(name)
        m, v = exact_mean_var(xs)
        out.write(f"nist_{name} {len(xs)} {m:.17g} {v:.17g}\n")
    xs = adv1e9()
    m, v = exact_mean_var(xs)
    out.write(f"adv1e9 {len(xs)} {m:.17g} {v:.17g}\n")


if __name__ == "__main__":
    main()
