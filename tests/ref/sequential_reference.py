"""Independent reference boundaries for tests/sequential_test.c.

Group-sequential boundaries found by direct multivariate-normal
integration (scipy.stats.multivariate_normal.cdf, Genz's algorithm) of the
joint law of (Z_1..Z_k), Cov(Z_i, Z_j) = sqrt(t_i / t_j), instead of the
library's recursive grid integration. Spending functions as in
include/causal/sequential.h.

Run with Debian's Python: /usr/bin/python3 tests/ref/sequential_reference.py
Writes tests/data/sequential_reference.csv: one row per look with
case, sides, alpha, family, param, convention, k, look, frac, upper.
"""
import csv
import math

import numpy as np
from scipy.optimize import brentq
from scipy.stats import multivariate_normal, norm


def spend(fam, param, a, t):
    if t >= 1:
        return a
    if fam == 1:
        return 2 * norm.sf(norm.isf(a / 2) / math.sqrt(t))
    if fam == 2:
        return a * math.log(1 + (math.e - 1) * t)
    if fam == 3:
        return a * t if param == 0 else a * (1 - math.exp(-param * t)) / (
            1 - math.exp(-param))
    return a * t ** param


def side_spend(sides, conv, fam, param, alpha, t):
    if sides == 1:
        return spend(fam, param, alpha, t)
    if conv == 2:
        return 0.5 * spend(fam, param, alpha, t)
    return spend(fam, param, alpha / 2, t)


def bounds(sides, alpha, fam, param, conv, t):
    t = np.asarray(t, float)
    b = []
    for k in range(len(t)):
        cov = np.sqrt(np.minimum.outer(t[:k + 1], t[:k + 1]) /
                      np.maximum.outer(t[:k + 1], t[:k + 1]))
        target = 1 - sides * side_spend(sides, conv, fam, param, alpha, t[k])

        def cont(bk):
            up = np.array(b + [bk])
            lo = -up if sides == 2 else np.full(k + 1, -np.inf)
            return multivariate_normal.cdf(
                up, mean=np.zeros(k + 1), cov=cov, maxpts=2000000 * (k + 1),
                abseps=1e-11, releps=0, lower_limit=lo) - target
        if k == 0:
            b.append(float(norm.isf((1 - target) / sides)))
        else:
            b.append(brentq(cont, 0.5, 9, xtol=1e-9))
    return b


CASES = [
    ("obf2_5", 2, 0.05, 1, 0, 1, [0.2, 0.4, 0.6, 0.8, 1]),
    ("pocock2_5", 2, 0.05, 2, 0, 1, [0.2, 0.4, 0.6, 0.8, 1]),
    ("obf2_total", 2, 0.05, 1, 0, 2, [0.25, 0.5, 0.75, 1]),
    ("hsd1_uneq", 1, 0.025, 3, -4, 1, [0.3, 0.55, 0.8, 1]),
    ("hsd1_pos", 1, 0.025, 3, 1, 1, [0.5, 1]),
    ("pow1_3", 1, 0.05, 4, 3, 1, [0.1, 0.35, 0.7, 1]),
    ("obf1_4", 1, 0.05, 1, 0, 1, [0.25, 0.5, 0.75, 1]),
]

with open("tests/data/sequential_reference.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["case", "sides", "alpha", "family", "param", "convention",
                "k", "look", "frac", "upper"])
    for name, sides, alpha, fam, param, conv, t in CASES:
        b = bounds(sides, alpha, fam, param, conv, t)
        for i, (ti, bi) in enumerate(zip(t, b)):
            w.writerow([name, sides, alpha, fam, param, conv, len(t), i + 1,
                        ti, repr(bi)])
        print(name, [round(x, 5) for x in b])
