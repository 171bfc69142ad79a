#!/usr/bin/python3
"""Independent re-implementation of causal_simulate_scenario (lib/simulate.c)
on numpy's PCG64 bit generator, for tests/simulate_test.c.

Run with Debian's /usr/bin/python3 (numpy):
    /usr/bin/python3 tests/ref/simulate_reference.py
writes tests/data/simulate_{rct,obs,panel,truth}.csv for seed 20261122 and
rows 2000. Doubles are written with repr() (shortest round-trip), so the C
test can compare bit for bit.

Only the raw 64-bit outputs come from numpy (random_raw, with the state set
by the pcg_setseq_128_srandom_r formula); the uniform, normal (Leva's ratio
of uniforms, docs/methods/rng.md) and logistic transforms, the model and the
truths are written here from the description in include/causal/simulate.h.
"""
import csv
import math
import os

import numpy as np

MULT = 0x2360ED051FC65DA44385DF649FCCF645
MASK = (1 << 128) - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
SEED = 20261122
ROWS = 2000


class Rng:
    def __init__(self, seed, stream):
        inc = ((stream << 1) | 1) & MASK
        state = (0 * MULT + inc) & MASK
        state = (state + seed) & MASK
        state = (state * MULT + inc) & MASK
        self.bg = np.random.PCG64()
        self.bg.state = {"bit_generator": "PCG64",
                         "state": {"state": state, "inc": inc},
                         "has_uint32": 0, "uinteger": 0}

    def u64(self):
        return int(self.bg.random_raw())

    def uniform(self):
        return (self.u64() >> 11) * 2.0 ** -53

    def normal(self):
        s, t, a, b = 0.449871, -0.386595, 0.19600, 0.25472
        r1, r2 = 0.27597, 0.27846
        while True:
            u = 1.0 - self.uniform()
            v = 1.7156 * (self.uniform() - 0.5)
            x = u - s
            y = abs(v) - t
            q = x * x + y * (a * y - b * x)
            if q < r1:
                return v / u
            if q > r2:
                continue
            if v * v <= -4.0 * u * u * math.log(u):
                return v / u


def logistic(eta):
    return 1.0 / (1.0 + math.exp(-eta))


def users(seed, stream, n, first_id, obs):
    r = Rng(seed, stream)
    rows = []
    tau_all = tau_tr = 0.0
    conv_all = conv_tr = n_tr = 0
    for i in range(n):
        x1 = r.normal()
        x2 = 1 if r.uniform() < 0.4 else 0
        a = r.normal()
        e1 = r.normal()
        e2 = r.normal()
        uc = r.uniform()
        ut = r.uniform()
        pre = 10.0 + 3.0 * a + 1.5 * x1 + 2.0 * e1
        y0 = 10.0 + 3.0 * a + 1.5 * x1 + float(x2) + 3.0 * e2
        tau = 0.5 + 0.4 * x1
        eta = -2.0 + 0.6 * a + 0.3 * x1 + 0.3 * float(x2)
        c0 = 1 if uc < logistic(eta) else 0
        c1 = 1 if uc < logistic(eta + 0.2) else 0
        if obs:
            t = ut < logistic(-1.6 + 0.8 * x1 + 0.6 * float(x2) +
                              0.15 * (pre - 10.0))
        else:
            t = ut < 0.5
        t = 1 if t else 0
        rows.append([first_id + i, t, x1, x2, pre, c1 if t else c0,
                     y0 + tau if t else y0])
        tau_all += tau
        conv_all += c1 - c0
        if t:
            tau_tr += tau
            conv_tr += c1 - c0
            n_tr += 1
    return rows, (tau_all, tau_tr, conv_all, conv_tr, n_tr)


def panel(seed, n_units):
    r = Rng(seed, 3)
    rows = []
    tau_sum = 0.0
    cells = 0
    for i in range(n_units):
        u = r.uniform()
        c = 0 if u < 0.4 else 4 if u < 0.6 else 6 if u < 0.8 else 8
        f = r.normal()
        g = r.normal()
        tau = 2.0 + 0.5 * g
        level = 20.0 + 2.0 * f + (1.0 if c > 0 else 0.0)
        for t in range(1, 11):
            y0 = level + 0.25 * float(t) + r.normal()
            d = 1 if (c > 0 and t >= c) else 0
            rows.append([i + 1, t, c, d, y0 + tau if d else y0])
            if d:
                tau_sum += tau
                cells += 1
    return rows, tau_sum / cells


def write(name, header, rows):
    with open(os.path.join(OUT, "simulate_%s.csv" % name), "w",
              newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in row])


def main():
    n_units = ROWS // 100
    m = ROWS - 10 * n_units
    n_rct = m // 5
    n_obs = m - n_rct
    ur = ["unit", "treated", "tenure", "mobile", "pre_revenue", "converted",
          "revenue"]
    rct, rt = users(SEED, 1, n_rct, 1, False)
    obs, ot = users(SEED, 2, n_obs, n_rct + 1, True)
    pan, did_att = panel(SEED, n_units)
    write("rct", ur, rct)
    write("obs", ur, obs)
    write("panel", ["unit", "period", "cohort", "treated", "revenue"], pan)
    truth = [
        ("seed", SEED), ("rows", ROWS), ("n_rct", n_rct), ("n_obs", n_obs),
        ("n_units", n_units), ("n_periods", 10), ("n_panel", 10 * n_units),
        ("rct_ate_revenue", rt[0] / n_rct),
        ("rct_ate_conversion", rt[2] / n_rct),
        ("obs_att_revenue", ot[1] / ot[4]),
        ("obs_att_conversion", ot[3] / ot[4]),
        ("obs_ate_revenue", ot[0] / n_obs),
        ("obs_ate_conversion", ot[2] / n_obs),
        ("did_att", did_att),
    ]
    write("truth", ["name", "value"],
          [(k, float(v)) for k, v in truth])


if __name__ == "__main__":
    main()
