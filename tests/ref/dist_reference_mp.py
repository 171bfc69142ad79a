#!/usr/bin/python3
"""High-precision (mpmath, 40 digits) replacements for R reference values
where R itself is not accurate to 1e-13.

    /usr/bin/python3 tests/ref/dist_reference_mp.py \
        < tests/data/dist_reference.csv > tests/data/dist_reference_mp.csv

Reads the R grid (tests/ref/dist_reference.R) and recomputes, from the
defining formulas, the rows in the classes below. R's known weak spots:
  * qt() for tiny p (1e-300) with small df is off by up to 1e-5 relative;
  * qf() / qbeta() in the far lower tail return 0 or lose digits (R 4.2);
  * dgamma()/dchisq() with shape >= 1e4 are off by up to 5e-12;
  * pt() for df >= 1e5 (R switches to an approximation above 4e5 and the
    reference grid uses pbeta there, which is still ~1e-12 in the tails).
The output has the same columns; dist_test.c uses these values in place of
the R ones for matching rows (same family, func, p1, p2, x text).
"""
import csv
import signal
import sys

import mpmath as mp

mp.mp.dps = 40


def num(s):
    if s == "NA":
        return None
    # the double the C test parses, not the decimal string
    return mp.mpf(float(s))


def t_small_tail(t, n):
    """P(T > |t|) for finite n, from the smaller beta argument."""
    t2 = t * t
    if t2 >= n:
        xb = n / (n + t2)
        return mp.betainc(n / 2, mp.mpf(1) / 2, 0, xb, regularized=True) / 2
    # upper integral from yb: mpmath forms 1 - I, so carry enough digits
    # for the ~t^2/2 nats the tail is below 1
    with mp.workdps(int(50 + t2 / 4.0)):
        yb = t2 / (n + t2)
        v = mp.betainc(mp.mpf(1) / 2, n / 2, yb, 1, regularized=True) / 2
    return +v


def t_tail(x, n, lower):
    if x == 0:
        return mp.mpf(1) / 2
    s = t_small_tail(x, n)
    return s if (x < 0) == lower else 1 - s


def beta_tail(x, a, b, lower):
    if lower:
        return mp.betainc(a, b, 0, x, regularized=True)
    return mp.betainc(a, b, x, 1, regularized=True)


def f_tail(x, m, n, lower):
    return beta_tail(m * x / (n + m * x), m / 2, n / 2, lower)


def solve_log(tail, lower, p, u0):
    """Solve tail(e^u) = p (small tail given) by secant in log space."""
    lp = mp.log(p)
    g = lambda u: mp.log(tail(mp.exp(u), lower)) - lp
    u = mp.findroot(g, (u0, u0 + mp.mpf("1e-6")), solver="secant",
                    tol=mp.mpf(10) ** -34, maxsteps=200)
    return mp.exp(u)


def quantile(tail, p, lower_q, u0, sign=1):
    """Quantile for probability p (lower_q: lower tail requested)."""
    # work with the smaller tail, which is exact for p > 1/2 in doubles
    if p > mp.mpf(1) / 2:
        p = 1 - p
        lower_q = not lower_q
    return solve_log(tail, lower_q, p, u0)


def compute(row):
    fam, fn = row["family"], row["func"]
    p1, p2, x = num(row["p1"]), num(row["p2"]), num(row["x"])
    rv = float(row["value"])
    if fam == "t" and fn in ("quantile", "isf"):
        n = p1
        if not (0 < x < 1) or not mp.isfinite(n) or x in (mp.mpf("0.5"),):
            return None
        lower_q = fn == "quantile"
        # |q| solves P(T > |q|) = min(p, 1-p); the sign follows the tail
        pp = x if x <= 0.5 else 1 - x
        neg = (x < 0.5) == lower_q
        u0 = mp.log(abs(rv)) if rv != 0 and mp.isfinite(rv) else mp.mpf(0)
        q = solve_log(lambda v, lw: t_small_tail(v, n), False, pp, u0)
        return -q if neg else q
    if fam == "t" and fn not in ("pdf", "logpdf"):
        n = p1
        if not mp.isfinite(n) or n < 1e5 or not mp.isfinite(x):
            return None
        lower = fn in ("cdf", "logcdf")
        v = t_tail(x, n, lower)
        return mp.log(v) if fn.startswith("log") else v
    if fam == "f" and fn in ("quantile", "isf"):
        m, n = p1, p2
        if not (mp.isfinite(m) and mp.isfinite(n)) or max(m, n) > 1e4:
            return None
        if not (0 < x < 1):
            return None
        lower_q = fn == "quantile"
        small_p = x if x <= 0.5 else 1 - x
        low_tail = (x <= 0.5) == lower_q  # target is the lower tail
        if rv > 0 and mp.isfinite(rv):
            u0 = mp.log(rv)
        else:  # R returned 0: start from the beta power law
            a, b = m / 2, n / 2
            lxb = (mp.log(small_p) + mp.log(a) + mp.log(mp.beta(a, b))) / a
            u0 = mp.log(n / m) + lxb
        return solve_log(lambda v, lw: f_tail(v, m, n, lw), low_tail,
                         small_p, u0)
    if fam in ("gamma", "chisq") and fn in ("pdf", "logpdf"):
        a, s = (p1, p2) if fam == "gamma" else (p1 / 2, mp.mpf(2))
        if a < 1e4 or not mp.isfinite(x) or x <= 0:
            return None
        ld = (a - 1) * mp.log(x / s) - x / s - mp.loggamma(a) - mp.log(s)
        return ld if fn == "logpdf" else mp.exp(ld)
    return None


def _timeout(signum, frame):
    raise TimeoutError


def main():
    signal.signal(signal.SIGALRM, _timeout)
    rd = csv.DictReader(sys.stdin)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(rd.fieldnames)
    for row in rd:
        signal.alarm(20)  # skip rows mpmath cannot do quickly
        try:
            v = compute(row)
        except (ValueError, ZeroDivisionError, mp.libmp.NoConvergence,
                TimeoutError):
            v = None
        signal.alarm(0)
        if v is None or not mp.isfinite(v) or v == 0:
            continue
        out = dict(row)
        out["value"] = "%.17g" % float(v)
        w.writerow([out[k] for k in rd.fieldnames])


if __name__ == "__main__":
    main()
