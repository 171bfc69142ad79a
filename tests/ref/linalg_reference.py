#!/usr/bin/python3
"""Reference values for tests/linalg_test.c, computed with numpy/scipy.

Run:  /usr/bin/python3 tests/ref/linalg_reference.py > tests/data/linalg_reference.txt

Output format: blocks "name nrow ncol" followed by nrow*ncol numbers in
column-major order (%.17g). Inputs are generated here from a fixed seed and
written too, so the C test needs no random-number agreement with numpy.
"""
import sys

import numpy as np
import scipy.linalg as sla


def emit(name, a):
    a = np.atleast_2d(np.asarray(a, dtype=float))
    if a.shape[0] == 1 and np.ndim(a) == 2 and name.startswith("v_"):
        a = a.T
    nrow, ncol = a.shape
    print(f"{name} {nrow} {ncol}")
    for v in a.flatten(order="F"):
        print(f"{v:.17g}")


rng = np.random.default_rng(20240521)
n, k = 50, 4
X = rng.normal(size=(n, k)) * np.array([1.0, 10.0, 0.1, 3.0]) + np.array(
    [0.0, 5.0, -2.0, 1.0])
X[:, 0] = 1.0  # intercept
beta_true = np.array([1.0, -0.5, 2.0, 0.25])
y = X @ beta_true + rng.normal(size=n)
w = rng.uniform(0.1, 3.0, size=n)
w[7] = 0.0  # a zero weight

emit("X", X)
emit("v_y", y)
emit("v_w", w)
emit("XtX", X.T @ X)
emit("XtWX", X.T @ (w[:, None] * X))
emit("v_Xty", X.T @ y)
beta, *_ = np.linalg.lstsq(X, y, rcond=None)
emit("v_beta", beta)
emit("v_resid", y - X @ beta)
emit("XtXinv", np.linalg.inv(X.T @ X))
emit("cholR", sla.cholesky(X.T @ X, lower=False))

# Symmetric indefinite matrix: eigenvalues, dsysv solution, PSD clip.
A = rng.normal(size=(5, 5))
S = (A + A.T) / 2
S[0, 0] -= 3.0  # make sure at least one eigenvalue is negative
lam, V = np.linalg.eigh(S)
emit("S", S)
emit("v_S_eig", lam)
emit("S_psd", (V * np.maximum(lam, 0.0)) @ V.T)
B = rng.normal(size=(5, 2))
emit("B", B)
emit("S_solve_B", np.linalg.solve(S, B))

# General product for the dgemm wrapper.
G1 = rng.normal(size=(3, 4))
G2 = rng.normal(size=(5, 4))
emit("G1", G1)
emit("G2", G2)
emit("G1_G2t", G1 @ G2.T)
sys.stdout.flush()
