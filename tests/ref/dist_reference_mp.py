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
  * pt() for df >= 1e4 (R switches to a normal approximation above 4e5;
    the R grid uses pbeta there) and qt() at those df;
  * pbinom(log.p = TRUE) for size >= 1e5 (R's dbinom-based log values are
    off by up to 1e-11 relative in the far tail, and underflow);
  * pbeta()/pf() with a parameter >= 5e3 (in the beta scale): R's log
    forms underflow to -Inf in places; the values here come from quadrature
    of the density at 50 digits, independent of any continued fraction or
    asymptotic expansion.
The output has the same columns; dist_test.c uses these values in place of
the R ones for matching rows (same family, func, p1, p2, x text).
"""
import csv
import signal
import sys

import mpmath as mp

mp.mp.dps = 50


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


def tail_integral(logf, x0, direction, end, h):
    """Integral of exp(logf) from x0 towards end (direction +-1), on the
    side where logf decreases: tanh-sinh quadrature on pieces
    [x0 + h 2^(k-1), x0 + h 2^k] until the integrand is 1e-60 of its start."""
    l0 = logf(x0)
    pts = [x0]
    step = h
    while True:
        nx = x0 + direction * step
        if (direction > 0 and nx >= end) or (direction < 0 and nx <= end):
            pts.append(end)
            break
        pts.append(nx)
        if logf(nx) < l0 - 140:
            break
        step *= 2
    # scaled by exp(-l0): mp.quad's error control is absolute
    tot = mp.mpf(0)
    for i in range(len(pts) - 1):
        lo, hi = sorted((pts[i], pts[i + 1]))
        tot += mp.quad(lambda s: mp.exp(logf(s) - l0), [lo, hi])
    return tot * mp.exp(l0)


def t_small_tail_quad(t, n):
    """P(T > |t|) by quadrature of the t density (large n)."""
    t = abs(t)
    lc = mp.loggamma((n + 1) / 2) - mp.loggamma(n / 2) - mp.log(n * mp.pi) / 2
    logf = lambda s: lc - (n + 1) / 2 * mp.log1p(s * s / n)
    g = (n + 1) * t / (n + t * t)
    h = min(mp.mpf(1), 1 / g) if g > 0 else mp.mpf(1)
    return tail_integral(logf, t, +1, mp.inf, h)


def beta_tails_quad(x, a, b):
    """(value, is_lower): the tail of I_x(a, b) away from the mode, by
    quadrature (the other tail is its complement)."""
    lB = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
    if a < 1:
        # s = w^2 removes the endpoint singularity; the density decreases
        lf = lambda w: mp.log(2) + (b - 1) * mp.log1p(-w * w) - lB
        sx = mp.sqrt(x)
        h = min(sx / 4, 1 / mp.sqrt(b))
        if x * b < 1:
            return tail_integral(lf, mp.mpf(0), +1, sx, h), True
        return tail_integral(lf, sx, +1, mp.mpf(1), h), False
    logf = lambda s: (a - 1) * mp.log(s) + (b - 1) * mp.log1p(-s) - lB
    mode = (a - 1) / (a + b - 2)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    g = abs((a - 1) / x - (b - 1) / (1 - x))
    h = min(sd, 1 / g) if g > 0 else sd
    h = min(h, x / 4, (1 - x) / 4)
    if x < mode:
        return tail_integral(logf, x, -1, mp.mpf(0), h), True
    return tail_integral(logf, x, +1, mp.mpf(1), h), False


def side(direct, is_lower, fn):
    """Requested value from one directly computed tail."""
    want_lower = fn in ("cdf", "logcdf")
    if want_lower == is_lower:
        return mp.log(direct) if fn.startswith("log") else direct
    return mp.log1p(-direct) if fn.startswith("log") else 1 - direct


def binom_tails_sum(k, n, p):
    """(P(X <= k), P(X > k)) by summing the masses on the small side."""
    q = 1 - p
    k = int(k)
    lpmf = lambda j: (mp.loggamma(n + 1) - mp.loggamma(j + 1)
                      - mp.loggamma(n - j + 1) + j * mp.log(p)
                      + (n - j) * mp.log(q))
    eps = mp.mpf(10) ** -60
    if k < n * p:
        j = k
        term = mp.exp(lpmf(j))
        s = term
        while j > 0:
            term *= j * q / ((n - j + 1) * p)
            j -= 1
            s += term
            if term < s * eps:
                break
        return s, True
    j = k + 1
    term = mp.exp(lpmf(j))
    s = term
    while j < n:
        term *= (n - j) * p / ((j + 1) * q)
        j += 1
        s += term
        if term < s * eps:
            break
    return s, False


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
        tail = t_small_tail_quad if n >= 1e7 else t_small_tail
        q = solve_log(lambda v, lw: tail(v, n), False, pp, u0)
        return -q if neg else q
    if fam == "t" and fn not in ("pdf", "logpdf"):
        n = p1
        if not mp.isfinite(n) or n < 1e4 or not mp.isfinite(x):
            return None
        lower = fn in ("cdf", "logcdf")
        if rv == 0 and not fn.startswith("log"):
            return None  # underflows in double either way
        if x == 0:
            return mp.log(mp.mpf(1) / 2) if fn.startswith("log") else 0.5
        # quadrature; mpmath's betainc is slow at large df
        return side(t_small_tail_quad(x, n), x < 0, fn)
    if fam in ("beta", "f") and fn not in ("pdf", "logpdf", "quantile",
                                           "isf"):
        if fam == "beta":
            a, b, xb = p1, p2, x
        else:
            if not (mp.isfinite(p1) and mp.isfinite(p2)):
                return None
            a, b = p1 / 2, p2 / 2
            if not mp.isfinite(x) or x <= 0:
                return None
            xb = p1 * x / (p2 + p1 * x)
        if max(a, b) < 5e3 or not (0 < xb < 1):
            return None
        return side(*beta_tails_quad(xb, a, b), fn)
    if fam == "binomial" and fn not in ("pdf", "logpdf", "quantile", "isf"):
        n, pr = int(p1), p2
        if n < 1e5 or not (0 < pr < 1) or not (0 <= x < n):
            return None
        return side(*binom_tails_sum(mp.floor(x), n, pr), fn)
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
    if fam == "t" and fn in ("pdf", "logpdf"):
        n = p1
        if not mp.isfinite(n) or n < 1e4 or not mp.isfinite(x):
            return None
        ld = (mp.loggamma((n + 1) / 2) - mp.loggamma(n / 2)
              - mp.log(n * mp.pi) / 2 - (n + 1) / 2 * mp.log1p(x * x / n))
        return ld if fn == "logpdf" else mp.exp(ld)
    if fam in ("beta", "f") and fn in ("pdf", "logpdf"):
        if not (mp.isfinite(p1) and mp.isfinite(p2)) or not mp.isfinite(x):
            return None
        a, b = (p1, p2) if fam == "beta" else (p1 / 2, p2 / 2)
        if max(a, b) < 5e3 or x <= 0 or (fam == "beta" and x >= 1):
            return None
        lB = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
        if fam == "beta":
            ld = (a - 1) * mp.log(x) + (b - 1) * mp.log1p(-x) - lB
        else:  # f(x) = m/n (mx/n)^(a-1) (1 + mx/n)^-(a+b) / B(a, b)
            r = p1 * x / p2
            ld = mp.log(p1 / p2) + (a - 1) * mp.log(r) - (a + b) * mp.log1p(r) - lB
        return ld if fn == "logpdf" else mp.exp(ld)
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
        signal.alarm(60)  # skip rows mpmath cannot do quickly
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
