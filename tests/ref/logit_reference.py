"""Reference values for tests/logit_test.c from statsmodels and scipy.

Run from the repository root with Debian's Python (numpy, scipy,
statsmodels):  /usr/bin/python3 tests/ref/logit_reference.py
Reads the designs written by tests/ref/logit_reference.R and writes
tests/data/logit_reference_py.csv (case, quantity, i, j, value).

- statsmodels Logit (Newton, tight tolerance): estimates, classical,
  cov_type="HC0" and cov_type="cluster" covariances.
- Ridge (L2) logit: the penalized likelihood
      -loglik(b) + lambda/2 * ||b without intercept||^2
  minimized by scipy.optimize (trust-exact with the analytic gradient and
  Hessian, then MINPACK's hybrid root finder on the gradient), an algorithm independent of libcausal's IRLS; its
  classical covariance is the inverse penalized Hessian at the optimum.
"""
import csv

import numpy as np
import scipy.optimize as so
import statsmodels.api as sm
from scipy.special import expit, log1p


def load(name):
    with open(f"tests/data/logit_{name}.csv") as fh:
        r = csv.reader(fh)
        head = next(r)
        rows = np.array([[float(v) for v in row] for row in r])
    d = {h: rows[:, i] for i, h in enumerate(head[:4])}
    d["X"] = rows[:, 4:]
    d["names"] = head[4:]
    return d


out = []


def add(case, q, v):
    v = np.asarray(v, dtype=float)
    if v.ndim == 2:
        for j in range(v.shape[1]):
            for i in range(v.shape[0]):
                out.append((case, q, i + 1, j + 1, v[i, j]))
    elif v.ndim == 1:
        for i, x in enumerate(v):
            out.append((case, q, i + 1, 0, x))
    else:
        out.append((case, q, 0, 0, float(v)))


def softplus(t):
    return np.where(t > 0, t + log1p(np.exp(-np.abs(t))), log1p(np.exp(t)))


# ---- statsmodels Logit -------------------------------------------------
for name in ["lalonde", "swiss", "affairs"]:
    d = load(name)
    y, X = d["y"], d["X"]
    m = sm.Logit(y, X)
    start = m.fit(method="newton", tol=1e-14, maxiter=200, disp=0).params
    f0 = m.fit(start_params=start, method="newton", tol=1e-14, maxiter=200,
               disp=0)
    f1 = m.fit(start_params=start, method="newton", tol=1e-14, maxiter=200,
               disp=0, cov_type="HC0")
    f2 = m.fit(start_params=start, method="newton", tol=1e-14, maxiter=200,
               disp=0, cov_type="cluster",
               cov_kwds={"groups": d["cl"].astype(int)})
    case = f"sm_{name}"
    add(case, "estimate", f0.params)
    add(case, "vcov_classical", f0.cov_params())
    add(case, "vcov_HC0", f1.cov_params())
    add(case, "vcov_cluster", f2.cov_params())
    add(case, "loglik", f0.llf)
    add(case, "llnull", f0.llnull)

# ---- ridge logit by scipy ---------------------------------------------
for name, lam, use_w, use_off in [("lalonde", 2.0, False, False),
                                  ("lalonde", 50.0, True, True),
                                  ("affairs", 5.0, False, False),
                                  ("swiss", 1.0, False, False)]:
    d = load(name)
    y, X = d["y"], d["X"]
    n, k = X.shape
    w = d["w"] if use_w else np.ones(n)
    off = d["off"] if use_off else np.zeros(n)
    pen = np.full(k, lam)
    pen[0] = 0.0  # intercept not penalized
    # Column scaling for the optimizer only (the objective is unchanged).
    s = 1.0 / np.abs(X).max(axis=0)
    Xs = X * s

    def obj(c):
        b = c * s
        eta = X @ b + off
        return np.sum(w * softplus(np.where(y > 0.5, -eta, eta))) + \
            0.5 * np.sum(pen * b * b)

    def grad(c):
        b = c * s
        p = expit(X @ b + off)
        return Xs.T @ (w * (p - y)) + s * pen * b

    def hess(c):
        b = c * s
        p = expit(X @ b + off)
        H = (Xs * (w * p * (1 - p))[:, None]).T @ Xs
        return H + np.diag(pen * s * s)

    r = so.minimize(obj, np.zeros(k), jac=grad, hess=hess,
                    method="trust-exact", options={"gtol": 1e-13,
                                                   "maxiter": 1000})
    # The objective stalls at rounding level before the gradient does:
    # finish by solving grad = 0 with MINPACK's hybrid method.
    r2 = so.root(grad, r.x, jac=hess, method="hybr",
                 options={"xtol": 1e-15})
    assert np.max(np.abs(grad(r2.x))) < 1e-10, (r, r2)
    b = r2.x * s
    eta = X @ b + off
    dev = 2 * np.sum(w * softplus(np.where(y > 0.5, -eta, eta)))
    p = expit(eta)
    H = (X * (w * p * (1 - p))[:, None]).T @ X + np.diag(pen)
    case = f"l2_{name}_{lam:g}" + ("_woff" if use_w else "")
    add(case, "lambda", lam)
    add(case, "estimate", b)
    add(case, "deviance", dev)
    add(case, "penalized_deviance", dev + np.sum(pen * b * b))
    add(case, "vcov_classical", np.linalg.inv(H))

with open("tests/data/logit_reference_py.csv", "w", newline="") as fh:
    wr = csv.writer(fh, lineterminator="\n")
    wr.writerow(["case", "quantity", "i", "j", "value"])
    for c, q, i, j, v in out:
        wr.writerow([c, q, i, j, repr(float(v))])
