"""Reference values for tests/bayes_ab_test.c.

P(B > A) and the expected losses of Beta and Gamma posteriors by
high-precision numerical integration (mpmath.quad at 30 digits) of the
defining integrals, and quantiles of B - A (Beta, Gamma) and B / A (Beta)
by scipy.integrate.quad + brentq on the exact distribution functions.

Run with Debian's Python: /usr/bin/python3 tests/ref/bayes_ab_reference.py
Writes tests/data/bayes_ab_reference.csv with columns
model,a1,b1,a2,b2,prob,loss_a,loss_b,diff_lo,diff_hi,lift_lo,lift_hi
(Beta: shapes; Gamma: shape, rate per arm; 95% equal-tailed intervals;
NaN where not computed).
"""
import csv
import math

import mpmath as mp
from scipy import integrate, optimize, stats

mp.mp.dps = 30


def beta_case(a1, b1, a2, b2):
    fa = lambda x: mp.betapdf(x, a1, b1) if hasattr(mp, "betapdf") else (
        x ** (a1 - 1) * (1 - x) ** (b1 - 1) / mp.beta(a1, b1))
    Fb = lambda x: mp.betainc(a2, b2, 0, x, regularized=True)
    Fb1 = lambda x: mp.betainc(a2 + 1, b2, 0, x, regularized=True)
    ma, mb = mp.mpf(a1) / (a1 + b1), mp.mpf(a2) / (a2 + b2)
    ca, sa = float(ma), math.sqrt(a1 * b1 / ((a1 + b1) ** 2 * (a1 + b1 + 1)))
    # f_A is below 1e-300 outside mean +- 40 sd: integrate there only
    pts = sorted({min(1, max(0, ca + k * sa))
                  for k in (-40, -12, -6, -3, 0, 3, 6, 12, 40)})
    if a1 + b1 < 1e4:
        prob = mp.quad(lambda x: fa(x) * (1 - Fb(x)), pts)
        # E[max(A - B, 0)] = int f_A(x) [x F_B(x) - m_B F_{B+1}(x)] dx
        loss_b = mp.quad(lambda x: fa(x) * (x * Fb(x) - mb * Fb1(x)), pts)
    else:
        # mpmath's betainc does not converge for shapes ~1e5: use scipy's
        # (Boost) incomplete beta in double precision with scipy quad
        sA, sB, sB1 = (stats.beta(a1, b1), stats.beta(a2, b2),
                       stats.beta(a2 + 1, b2))
        qd = lambda f: sum(integrate.quad(f, pts[i], pts[i + 1],
                                          epsabs=1e-15, epsrel=1e-14,
                                          limit=500)[0]
                           for i in range(len(pts) - 1))
        prob = mp.mpf(qd(lambda x: sA.pdf(x) * sB.sf(x)))
        loss_b = mp.mpf(qd(lambda x: sA.pdf(x) * (x * sB.cdf(x) -
                                                  float(mb) * sB1.cdf(x))))
    # E[max(B - A, 0)] = E[B - A] + E[max(A - B, 0)]
    loss_a = (mb - ma) + loss_b
    A, B = stats.beta(a1, b1), stats.beta(a2, b2)

    def cdf_diff(d):
        lo, hi = max(0, -d), min(1, 1 - d)
        r = integrate.quad(lambda x: A.pdf(x) * B.cdf(x + d), lo, hi,
                           points=[p for p in pts if lo < p < hi],
                           epsabs=1e-13, epsrel=1e-13, limit=500)[0]
        return r + (A.sf(hi) if hi < 1 else 0)

    def cdf_ratio(r):
        return integrate.quad(lambda x: A.pdf(x) * B.cdf(min(1, r * x)), 0, 1,
                              points=pts[1:-1] + [min(1, 1 / r)],
                              epsabs=1e-13, epsrel=1e-13, limit=500)[0]
    q = lambda f, p, lo, hi: optimize.brentq(lambda x: f(x) - p, lo, hi,
                                             xtol=1e-14)
    dlo, dhi = q(cdf_diff, 0.025, -1, 1), q(cdf_diff, 0.975, -1, 1)
    if not dlo < dhi:
        # scipy's quad fails on the x^(a - 1) singularity of shapes < 1
        # (IntegrationWarning): no reference for this interval
        dlo = dhi = float("nan")
    r0 = float(mb / ma)
    llo = q(cdf_ratio, 0.025, 1e-9, 1e6) - 1
    lhi = q(cdf_ratio, 0.975, 1e-9, 1e6) - 1
    return ["beta", a1, b1, a2, b2, float(prob), float(loss_a), float(loss_b),
            dlo, dhi, llo, lhi]


def gamma_case(a1, r1, a2, r2):
    fa = lambda x: r1 ** a1 * x ** (a1 - 1) * mp.exp(-r1 * x) / mp.gamma(a1)
    Fb = lambda x: mp.gammainc(a2, 0, r2 * x, regularized=True)
    Fb1 = lambda x: mp.gammainc(a2 + 1, 0, r2 * x, regularized=True)
    ma, mb = mp.mpf(a1) / r1, mp.mpf(a2) / r2
    sa = math.sqrt(a1) / r1
    pts = sorted({max(0, float(ma) + k * sa)
                  for k in (-12, -6, -3, 0, 3, 6, 12, 40)} | {0.0})
    prob = mp.quad(lambda x: fa(x) * (1 - Fb(x)), pts + [mp.inf])
    loss_b = mp.quad(lambda x: fa(x) * (x * Fb(x) - mb * Fb1(x)),
                     pts + [mp.inf])
    loss_a = (mb - ma) + loss_b
    A, B = stats.gamma(a1, scale=1 / r1), stats.gamma(a2, scale=1 / r2)
    hi = pts[-1]

    def cdf_diff(d):
        lo = max(0, -d)
        return integrate.quad(lambda x: A.pdf(x) * B.cdf(x + d), lo, hi,
                              points=[p for p in pts if lo < p < hi],
                              epsabs=1e-13, epsrel=1e-13, limit=500)[0]
    span = 20 * (sa + math.sqrt(a2) / r2)
    m = float(mb - ma)
    dlo = optimize.brentq(lambda d: cdf_diff(d) - 0.025, m - span, m + span,
                          xtol=1e-14)
    dhi = optimize.brentq(lambda d: cdf_diff(d) - 0.975, m - span, m + span,
                          xtol=1e-14)
    # ratio B / A via an independent route: mpmath root of the integral
    ratio_cdf = lambda r: float(mp.quad(
        lambda x: fa(x) * Fb(r * x), pts + [mp.inf]))
    r0 = float(mb / ma)
    llo = optimize.brentq(lambda r: ratio_cdf(r) - 0.025, r0 / 100, 100 * r0,
                          xtol=1e-12) - 1
    lhi = optimize.brentq(lambda r: ratio_cdf(r) - 0.975, r0 / 100, 100 * r0,
                          xtol=1e-12) - 1
    return ["gamma", a1, r1, a2, r2, float(prob), float(loss_a),
            float(loss_b), dlo, dhi, llo, lhi]


rows = [
    beta_case(21, 81, 31, 71),          # integer: Evan Miller's sum
    beta_case(1 + 120, 1 + 880, 1 + 140, 1 + 860),
    beta_case(0.5 + 3, 0.5 + 17, 0.5 + 6, 0.5 + 14),  # Jeffreys, non-integer
    beta_case(0.7, 2.3, 1.9, 0.6),      # small, skewed, non-integer
    beta_case(2.5 + 2000, 0.5 + 98000, 2.5 + 2100, 0.5 + 97900),  # large
    gamma_case(1 + 40, 0.01 + 100, 1 + 55, 0.01 + 110),
    gamma_case(0.5 + 3, 2.0, 0.5 + 9, 2.5),
]
with open("tests/data/bayes_ab_reference.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["model", "a1", "b1", "a2", "b2", "prob", "loss_a", "loss_b",
                "diff_lo", "diff_hi", "lift_lo", "lift_hi"])
    for r in rows:
        w.writerow([r[0]] + [repr(float(x)) for x in r[1:]])
        print(r)
