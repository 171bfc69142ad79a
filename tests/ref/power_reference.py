"""Reference values for tests/power_test.c from statsmodels:
NormalIndPower (with proportion_effectsize for the arcsine method and with
d = delta / sd for means) and TTestIndPower, plus Evan Miller's calculator
formula (written out below from the calculator's published JavaScript).

Run with Debian's Python: /usr/bin/python3 tests/ref/power_reference.py
Writes tests/data/power_reference_sm.csv. Columns as power_reference_r.csv;
method 3 = arcsine, 6 = means z, 5 = t, 4 = baseline (Evan Miller);
'ratio' is nobs2 / nobs1 (statsmodels' ratio). statsmodels' two-sided
power always adds the far tail, so strict = 1 there.
"""
import csv
import math

from scipy.optimize import brentq
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

rows = []
HEAD = ["method", "solve", "sample", "sides", "strict", "alpha", "power",
        "n", "baseline", "effect", "sd", "ratio", "out_n", "out_power",
        "out_effect"]
NaN = float("nan")


def polish(fn, lo, hi):
    """statsmodels' solve_power stops early (its power at the returned
    effect can be off by 2e-6); polish the root of statsmodels' own power
    function with brentq to 1e-14."""
    return brentq(fn, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)


def alt(sides):
    return "larger" if sides == 1 else "two-sided"


zp = NormalIndPower()
tp = TTestIndPower()
for sides in (1, 2):
    for p1, p2 in ((0.10, 0.12), (0.5, 0.6), (0.03, 0.0345)):
        h = proportion_effectsize(p2, p1)  # 2 asin sqrt(p2) - 2 asin sqrt(p1)
        for ratio in (1.0, 2.5):
            n = zp.solve_power(effect_size=h, alpha=0.05, power=0.8,
                               ratio=ratio, alternative=alt(sides))
            rows.append([3, 1, 1, sides, 1, 0.05, 0.8, NaN, p1, p2 - p1, NaN,
                         ratio, n, 0.8, p2 - p1])
            pw = zp.power(effect_size=h, nobs1=700, alpha=0.05, ratio=ratio,
                          alternative=alt(sides))
            rows.append([3, 2, 1, sides, 1, 0.05, NaN, 700, p1, p2 - p1, NaN,
                         ratio, 700, pw, p2 - p1])
    for delta, sd in ((1.0, 4.0), (0.25, 1.0)):
        d = delta / sd
        for ratio in (1.0, 0.5):
            n = zp.solve_power(effect_size=d, alpha=0.05, power=0.9,
                               ratio=ratio, alternative=alt(sides))
            rows.append([6, 1, 1, sides, 1, 0.05, 0.9, NaN, NaN, delta, sd,
                         ratio, n, 0.9, delta])
            n = tp.solve_power(effect_size=d, alpha=0.05, power=0.9,
                               ratio=ratio, alternative=alt(sides))
            rows.append([5, 1, 1, sides, 1, 0.05, 0.9, NaN, NaN, delta, sd,
                         ratio, n, 0.9, delta])
            pw = tp.power(effect_size=d, nobs1=40, alpha=0.05, ratio=ratio,
                          alternative=alt(sides))
            rows.append([5, 2, 1, sides, 1, 0.05, NaN, 40, NaN, delta, sd,
                         ratio, 40, pw, delta])
            es = polish(lambda e: tp.power(e, 40, 0.05, ratio,
                                           alternative=alt(sides)) - 0.8,
                        0.05, 5.0)
            rows.append([5, 3, 1, sides, 1, 0.05, 0.8, 40, NaN, NaN, sd,
                         ratio, 40, 0.8, es * sd])


# Evan Miller's calculator (two-sided, null sd sqrt(2 p (1 - p)) from the
# baseline, alternative sd from both arms):
def evan_miller(alpha, power, p, delta):
    ta = norm.ppf(1 - alpha / 2)
    tb = norm.ppf(power)
    sd1 = math.sqrt(2 * p * (1 - p))
    sd2 = math.sqrt(p * (1 - p) + (p + delta) * (1 - p - delta))
    return (ta * sd1 + tb * sd2) ** 2 / delta ** 2


for p, delta in ((0.2, 0.01), (0.05, 0.005), (0.4, 0.05)):
    rows.append([4, 1, 1, 2, 0, 0.05, 0.8, NaN, p, delta, NaN, 1.0,
                 evan_miller(0.05, 0.8, p, delta), 0.8, delta])

with open("tests/data/power_reference_sm.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(HEAD)
    for r in rows:
        w.writerow([repr(float(x)) for x in r])
