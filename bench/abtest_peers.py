"""statsmodels / scipy on the inputs of bench_abtest.c (same formulas).
Run with Debian's Python: /usr/bin/python3 bench/abtest_peers.py [M]."""
import sys
import time

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

M = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
i = np.arange(M)
nc = 1000 + (i * 37) % 5000
nt = 1000 + (i * 53) % 5000
xc = nc * (5 + i % 20) // 100
xt = nt * (6 + i % 17) // 100
mc = 10 + (i % 13) * 0.1
mt = 10 + (i % 11) * 0.1
sc = 3 + (i % 7) * 0.2
st = 3 + (i % 5) * 0.2


def best(f, reps=3):
    b = 1e300
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t0)
    return b


def loop_z():
    for k in range(M):
        proportions_ztest([xt[k], xc[k]], [nt[k], nc[k]])


def loop_t():
    for k in range(M):
        stats.ttest_ind_from_stats(mt[k], st[k], nt[k], mc[k], sc[k], nc[k],
                                   equal_var=False)


def vec_t():
    stats.ttest_ind_from_stats(mt, st, nt, mc, sc, nc, equal_var=False)


for name, f in (("statsmodels proportions_ztest, loop", loop_z),
                ("scipy ttest_ind_from_stats, loop", loop_t),
                ("scipy ttest_ind_from_stats, vectorized", vec_t)):
    t = best(f)
    print("%-40s %d comparisons in %.3f s: %.3g per second" % (name, M, t, M / t))
