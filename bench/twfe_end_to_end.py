#!/usr/bin/python3
"""End-to-end two-way fixed-effects OLS on 10,000,000 rows (100,000 units x
100 periods, random assignment, 2 regressors), classical and CR1 by unit.
Run: CAUSAL_LIBRARY=build/lib/libcausal.so.0 PYTHONPATH=bindings/python \
     /usr/bin/time -v /usr/bin/python3 bench/twfe_end_to_end.py"""
import time, numpy as np, causal
rng = np.random.default_rng(1)
n = 10_000_000
unit = rng.integers(0, 100_000, n).astype(np.int64)
time_ = rng.integers(0, 100, n).astype(np.int64)
x1 = rng.normal(size=n); x2 = rng.normal(size=n)
ue = rng.normal(size=100_000); te = rng.normal(size=100)
y = 0.5 * x1 - 0.25 * x2 + ue[unit] + te[time_] + rng.normal(size=n)
ds = causal.Dataset.from_arrays(["y", "x1", "x2", "unit", "time"], [y, x1, x2, unit, time_])
for vc in ["classical", "CR1"]:
    t = time.perf_counter()
    r = causal.ols(ds, "y", ["x1", "x2"], absorb=["unit", "time"], vcov=vc, cluster="unit" if vc == "CR1" else None)
    dt = time.perf_counter() - t
    print(vc, "%.2f s" % dt, r.params, r.std_errors)
