"""Reference values for lib/weighting.c on the LaLonde data (data/lalonde.csv).

Run with Debian's Python: /usr/bin/python3 tests/ref/weighting_reference.py
Writes tests/data/weighting_lalonde.csv.

Independent of the C code: every estimator is written as the stack of its
estimating equations (logit score model, per-arm OLS outcome models for
AIPW, the potential-outcome means), solved directly, and its sandwich
variance J^-1 S J^-T / n^2 is computed with the Jacobian J obtained by
complex-step differentiation of the stacked moments (exact to rounding, no
analytic derivative is coded here). The moment conditions of the IPW (Hajek)
and AIPW estimators are those of statsmodels' TreatmentEffect (0.14,
statsmodels/treatment/treatment_effects.py: _IPWGMM, _AIPWGMM), including
its default clipping of the scores to (0.001, 0.999); statsmodels 0.14 is
not in Debian bookworm, so its numbers are reproduced through the same
equations (its GMM uses numerical derivatives; see docs/methods/weighting.md
for a comparison run of statsmodels 0.14 itself).

Cluster-robust rows sum the influence functions within clusters of 'educ'
and multiply by G/(G-1).
"""
import os
import numpy as np
import pandas as pd
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(HERE, "..", "..", "data", "lalonde.csv"))
n = len(df)
t = df["treat"].to_numpy(float)
y = df["re78"].to_numpy(float)
race = df["race"]
# Design in the column order of causal_design: intercept, age, educ,
# race[hispan], race[white], married, nodegree, re74, re75
X = np.column_stack([np.ones(n), df["age"], df["educ"],
                     (race == "hispan").astype(float),
                     (race == "white").astype(float),
                     df["married"], df["nodegree"], df["re74"], df["re75"]])
k = X.shape[1]
beta = sm.Logit(t, X).fit(disp=0, tol=1e-14, maxiter=200, method="newton").params
cl_codes = pd.factorize(df["educ"], sort=True)[0]


def expit(z):
    return 1.0 / (1.0 + np.exp(-z))


def clip(p, lo, hi):
    # clipped values are constants (derivative 0), as np.clip in statsmodels
    pr = p.real
    out = p.copy()
    out[pr < lo] = lo
    out[pr > hi] = hi
    return out


def tilt(e, est):
    return {"ATE": np.ones_like(e), "ATT": e, "ATC": 1 - e,
            "ATO": e * (1 - e)}[est]


def moments(theta, method, est, lo, hi):
    """n x m stacked moments at theta = (mu1, mu0, [g1, g0], beta)."""
    mu1, mu0 = theta[0], theta[1]
    off = 2
    if method == "aipw":
        g1 = theta[off:off + k]
        g0 = theta[off + k:off + 2 * k]
        off += 2 * k
    b = theta[off:]
    pu = expit(X @ b)
    e = clip(pu, lo, hi)
    h = tilt(e, est)
    w1 = h / e
    w0 = h / (1 - e)
    cols = []
    if method == "hajek":
        cols += [t * w1 * (y - mu1), (1 - t) * w0 * (y - mu0)]
    elif method == "ipw":
        cols += [t * w1 * y - h * mu1, (1 - t) * w0 * y - h * mu0]
    else:
        m1 = X @ g1
        m0 = X @ g0
        cols += [h * m1 + t * w1 * (y - m1) - h * mu1,
                 h * m0 + (1 - t) * w0 * (y - m0) - h * mu0]
        cols += list(((t * (y - m1))[:, None] * X).T)
        cols += list((((1 - t) * (y - m0))[:, None] * X).T)
    cols += list(((t - pu)[:, None] * X).T)
    return np.column_stack(cols)


def solve(method, est, lo, hi):
    e = clip(expit(X @ beta), lo, hi)
    h = tilt(e, est)
    w1, w0 = h / e, h / (1 - e)
    parts = []
    if method == "hajek":
        mu1 = np.sum(t * w1 * y) / np.sum(t * w1)
        mu0 = np.sum((1 - t) * w0 * y) / np.sum((1 - t) * w0)
    elif method == "ipw":
        mu1 = np.sum(t * w1 * y) / np.sum(h)
        mu0 = np.sum((1 - t) * w0 * y) / np.sum(h)
    else:
        g1 = np.linalg.lstsq(X[t == 1], y[t == 1], rcond=None)[0]
        g0 = np.linalg.lstsq(X[t == 0], y[t == 0], rcond=None)[0]
        m1, m0 = X @ g1, X @ g0
        mu1 = np.sum(h * m1 + t * w1 * (y - m1)) / np.sum(h)
        mu0 = np.sum(h * m0 + (1 - t) * w0 * (y - m0)) / np.sum(h)
        parts = [g1, g0]
    return np.concatenate([[mu1, mu0]] + parts + [beta])


def sandwich(method, est, lo, hi, cluster):
    theta = solve(method, est, lo, hi)
    psi = moments(theta.astype(complex), method, est, lo, hi).real
    m = len(theta)
    J = np.zeros((m, m))
    step = 1e-30
    for j in range(m):
        th = theta.astype(complex)
        th[j] += 1j * step
        J[:, j] = moments(th, method, est, lo, hi).sum(axis=0).imag / step
    Jinv = np.linalg.inv(J)
    infl = psi @ Jinv.T  # n x m
    if cluster:
        G = cl_codes.max() + 1
        s = np.zeros((G, m))
        np.add.at(s, cl_codes, infl)
        V = s.T @ s * G / (G - 1)
    else:
        V = infl.T @ infl
    c = np.zeros(m)
    c[0], c[1] = 1, -1
    return (theta[0] - theta[1], np.sqrt(c @ V @ c), theta[0], theta[1],
            np.sqrt(V[0, 0]), np.sqrt(V[1, 1]))


rows = []
for lo, hi in [(0.001, 0.999), (0.05, 0.8)]:
    for method in ["hajek", "ipw", "aipw"]:
        for est in ["ATE", "ATT", "ATC", "ATO"]:
            for cluster in [0, 1]:
                r = sandwich(method, est, lo, hi, cluster)
                rows.append(dict(method=method, estimand=est, clip_low=lo,
                                 clip_high=hi, cluster=cluster,
                                 estimate=r[0], std_error=r[1], mu1=r[2],
                                 mu0=r[3], mu1_se=r[4], mu0_se=r[5]))
out = pd.DataFrame(rows)
p = expit(X @ beta)
print("min/max score:", p.min(), p.max(), "clipped:", np.sum(p < 0.001))
print(out.to_string())
out.to_csv(os.path.join(HERE, "..", "data", "weighting_lalonde.csv"),
           index=False, float_format="%.17g")
