"""Reference values for the Normal-Inverse-Gamma model of
causal_bayes_normal_nig (tests/bayes_ab_test.c).

Independent computation: the posterior of each arm's mean is Student t
(location mu_n, scale sqrt(b_n / (a_n kappa_n)), 2 a_n df); P(B > A),
the expected losses and the credible intervals are computed here by
scipy.integrate.quad over the real line in x (libcausal integrates over
A's quantiles with closed-form partial expectations): the losses as the
double integral int f_A(x) int_x^inf (1 - F_B(y)) dy dx, the difference
and lift distribution functions int f_A(x) F_B(x + d) dx and
int f_A(x) F_B(r x) dx, inverted with brentq. P(B > A) is also checked
with mpmath at 30 digits.

Run with Debian's Python: /usr/bin/python3 tests/ref/bayes_nig_reference.py
Writes tests/data/bayes_nig_reference.csv.
"""
import csv
import math

import mpmath as mp
from scipy import integrate, optimize, stats

mp.mp.dps = 30

# mean_a, sd_a, n_a, mean_b, sd_b, n_b, m0, k0, a0, b0, level
CASES = [
    (10, 4, 30, 10.8, 5, 40, 0, 0, -0.5, 0, 0.95),
    (10, 4, 400, 10.5, 5, 500, 0, 0, -0.5, 0, 0.95),
    (1, 2, 5, 2, 1, 4, 1.5, 1, 2, 3, 0.90),
    (5, 1, 3, 5.5, 1.5, 3, 0, 0, -0.5, 0, 0.95),
    (0.1, 0.3, 10000, 0.102, 0.3, 10000, 0, 0, -0.5, 0, 0.95),
    (3, 0, 1, 4, 0, 1, 3.5, 2, 3, 4, 0.80),
]


def posterior(mean, sd, n, m0, k0, a0, b0):
    kn = k0 + n
    mn = (k0 * m0 + n * mean) / kn
    an = a0 + n / 2
    bn = b0 + 0.5 * (n - 1) * sd ** 2 + k0 * n * (mean - m0) ** 2 / (2 * kn)
    return stats.t(2 * an, loc=mn, scale=math.sqrt(bn / (an * kn))), (
        mn, math.sqrt(bn / (an * kn)), 2 * an)


def q(f, lo, hi, pts):
    pts = sorted(p for p in pts if lo < p < hi)
    edges = [lo] + pts + [hi]
    tot = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        tot += integrate.quad(f, a, b, epsabs=1e-14, epsrel=1e-12,
                              limit=500)[0]
    return tot


def case(c):
    ma, sa, na, mb, sb, nb, m0, k0, a0, b0, level = c
    A, pa = posterior(ma, sa, na, m0, k0, a0, b0)
    B, pb = posterior(mb, sb, nb, m0, k0, a0, b0)
    sc = pa[1] + pb[1]
    pts = [pa[0] + k * pa[1] for k in (-40, -10, -4, -1, 0, 1, 4, 10, 40)]
    pts += [pb[0] + k * pb[1] for k in (-40, -10, -4, -1, 0, 1, 4, 10, 40)]
    inf = math.inf
    prob = q(lambda x: A.pdf(x) * B.sf(x), -inf, inf, pts)
    # mpmath check of P(B > A)
    tA = lambda x: mp.gamma((pa[2] + 1) / 2) / (mp.sqrt(pa[2] * mp.pi) *
                   mp.gamma(pa[2] / 2)) * (1 + ((x - pa[0]) / pa[1]) ** 2 /
                   pa[2]) ** (-(pa[2] + 1) / 2) / pa[1]
    nu = mp.mpf(pb[2])

    def sfB(x):
        z = (x - pb[0]) / pb[1]
        p = mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + z * z),
                       regularized=True) / 2
        return p if z > 0 else 1 - p
    mpp = mp.quad(lambda x: tA(x) * sfB(x),
                  [-mp.inf] + sorted(set(pts)) + [mp.inf])
    assert abs(float(mpp) - prob) < 1e-10, (float(mpp), prob)
    # E[(B - x)^+] = int_x^inf (1 - F_B(y)) dy; E[(x - B)^+] = int_-inf^x F_B
    upB = lambda x: q(B.sf, x, inf, [p for p in pts])
    upA = lambda x: q(A.sf, x, inf, [p for p in pts])
    loss_a = q(lambda x: A.pdf(x) * upB(x), -inf, inf, pts)
    loss_b = q(lambda x: B.pdf(x) * upA(x), -inf, inf, pts)
    tail = (1 - level) / 2
    cdf_d = lambda d: q(lambda x: A.pdf(x) * B.cdf(x + d), -inf, inf,
                        pts + [p - d for p in pts])
    dm = pb[0] - pa[0]
    lo, hi = dm - 200 * sc, dm + 200 * sc
    dlo = optimize.brentq(lambda d: cdf_d(d) - tail, lo, hi, xtol=1e-13)
    dhi = optimize.brentq(lambda d: cdf_d(d) - (1 - tail), lo, hi, xtol=1e-13)
    llo = lhi = lmed = math.nan
    if A.cdf(0) < 1e-9:
        cdf_r = lambda r: q(lambda x: A.pdf(x) * B.cdf(r * x), 0, inf,
                            pts + [p / r for p in pts if r > 0])
        r0 = pb[0] / pa[0]
        f = lambda p: optimize.brentq(lambda r: cdf_r(r) - p, r0 / 10,
                                      r0 * 10 + 1, xtol=1e-13) - 1
        llo, lmed, lhi = f(tail), f(0.5), f(1 - tail)
    return list(c) + [prob, loss_a, loss_b, dlo, dhi, lmed, llo, lhi,
                      pa[2], pb[2]]


def main():
    with open("tests/data/bayes_nig_reference.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["mean_a", "sd_a", "n_a", "mean_b", "sd_b", "n_b", "m0",
                    "k0", "a0", "b0", "level", "prob", "loss_a", "loss_b",
                    "diff_lo", "diff_hi", "lift_med", "lift_lo", "lift_hi",
                    "df_a", "df_b"])
        for c in CASES:
            w.writerow([repr(float(v)) for v in case(c)])


if __name__ == "__main__":
    main()
