"""Independent reference for binding futility (gsDesign test.type = 3) in
tests/sequential_test.c.

One-sided design, k = 3 equal looks, alpha 0.025 (HSD gamma -4), beta 0.1
(HSD gamma -2 futility), futility BINDING: at each look the efficacy bound
b_i solves P0(a_j < Z_j < b_j for j < i, Z_i >= b_i) = alpha increment
(under theta = 0, the futility region excluded), the futility bound a_i
solves P_theta(a_j < Z_j < b_j for j < i, Z_i <= a_i) = beta increment, and
theta makes a_3 = b_3. All probabilities by direct multivariate-normal
integration (scipy.stats.multivariate_normal.cdf, Genz) instead of the
library's recursive grid.

Run with Debian's Python: /usr/bin/python3 tests/ref/sequential_binding_reference.py
Writes tests/data/sequential_binding_reference.csv (look, frac, lower,
upper, drift).
"""
import csv
import math

import numpy as np
from scipy.optimize import brentq
from scipy.stats import multivariate_normal, norm

T = np.array([1 / 3, 2 / 3, 1.0])
ALPHA, BETA = 0.025, 0.1


def hsd(a, g, t):
    return a if t >= 1 else a * (1 - math.exp(-g * t)) / (1 - math.exp(-g))


def box(lo, hi, mean, k):
    """P(lo_j < Z_j < hi_j, j <= k) for the canonical joint law."""
    t = T[:k + 1]
    if k == 0:
        return norm.cdf(hi[0] - mean[0]) - norm.cdf(lo[0] - mean[0])
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    return multivariate_normal.cdf(np.array(hi), mean=mean[:k + 1], cov=cov,
                                   lower_limit=np.array(lo),
                                   maxpts=400000 * (k + 1), abseps=1e-10,
                                   releps=0)


def design(theta):
    a, b = [], []
    m0 = np.zeros(3)
    m1 = theta * np.sqrt(T)
    for i in range(3):
        da = hsd(ALPHA, -4, T[i]) - hsd(ALPHA, -4, T[i - 1] if i else 0)
        db = hsd(BETA, -2, T[i]) - hsd(BETA, -2, T[i - 1] if i else 0)
        # continuing region so far (probability of reaching look i)
        reach0 = box(a, b, m0, i - 1) if i else 1.0
        reach1 = box(a, b, m1, i - 1) if i else 1.0

        def up(bi):  # P0(reach, Z_i >= bi) - da
            return reach0 - box(a + [-np.inf], b + [bi], m0, i) - da

        def low(ai):  # P1(reach, Z_i <= ai) - db
            return box(a + [-np.inf], b + [ai], m1, i) - db
        bi = brentq(up, 1, 5, xtol=1e-9)
        ai = brentq(low, -3, 4, xtol=1e-9)
        b.append(bi)
        a.append(min(ai, bi))
        last_gap = ai - bi
        _ = reach1
    return a, b, last_gap


theta = brentq(lambda th: design(th)[2], 3.2, 3.45, xtol=1e-8)
a, b, _ = design(theta)
with open("tests/data/sequential_binding_reference.csv", "w",
          newline="") as f:
    w = csv.writer(f)
    w.writerow(["look", "frac", "lower", "upper", "drift"])
    for i in range(3):
        w.writerow([i + 1, repr(float(T[i])), repr(float(a[i])),
                    repr(float(b[i])), repr(float(theta))])
print(theta, a, b)
