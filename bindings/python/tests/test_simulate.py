"""causal.simulate_scenario: the data are bit-for-bit those of the numpy
re-implementation (tests/ref/simulate_reference.py ->
tests/data/simulate_*.csv, also used by tests/simulate_test.c), the truths
match, and the scenario has the promised structure (randomized arms
balanced, observational arm confounded), checked here with numpy and
statsmodels independently of the library's estimators."""

import csv
import math
import os

import pytest

import causal
from conftest import requires, tolist

pytestmark = requires("causal_simulate_scenario")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
DATA = os.path.join(ROOT, "tests", "data")
SEED, ROWS = 20261122, 2000


def read_ref(name):
    with open(os.path.join(DATA, "simulate_%s.csv" % name)) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(v) for v in r] for r in rows[1:]]


def test_reference_bit_for_bit(mode):
    sc = causal.simulate_scenario(seed=SEED, rows=ROWS)
    for part in ("rct", "obs", "panel"):
        header, rows = read_ref(part)
        ds = sc[part]
        assert ds.columns == header
        assert len(ds) == len(rows)
        for j, name in enumerate(header):
            got = [float(v) for v in tolist(ds.column(name))]
            want = [r[j] for r in rows]
            assert got == want, (part, name)
    with open(os.path.join(DATA, "simulate_truth.csv")) as f:
        ref = {r["name"]: float(r["value"]) for r in csv.DictReader(f)}
    for k, v in ref.items():
        assert sc["truth"][k] == pytest.approx(v, rel=1e-14, abs=0), k
    assert "potential outcomes" in sc["truth"]["truth_definition"]


def test_types_and_sizes():
    sc = causal.simulate_scenario(seed=3, rows=12345)
    t = sc["truth"]
    assert len(sc["rct"]) + len(sc["obs"]) + len(sc["panel"]) == 12345
    assert (t["n_rct"], t["n_obs"], t["n_panel"]) == (
        len(sc["rct"]), len(sc["obs"]), len(sc["panel"]))
    assert sc["rct"].dtypes == {"unit": "i64", "treated": "bool",
                                "tenure": "f64", "mobile": "bool",
                                "pre_revenue": "f64", "converted": "bool",
                                "revenue": "f64"}
    assert sc["panel"].columns == ["unit", "period", "cohort", "treated",
                                   "revenue"]
    assert t["param_revenue_effect"] == 0.5 and t["param_did_effect"] == 2


def test_deterministic():
    a = causal.simulate_scenario(seed=7, rows=5000)
    b = causal.simulate_scenario(seed=7, rows=5000)
    c = causal.simulate_scenario(seed=8, rows=5000)
    for part in ("rct", "obs", "panel"):
        assert tolist(a[part].column("revenue")) == tolist(
            b[part].column("revenue"))
        assert tolist(a[part].column("revenue")) != tolist(
            c[part].column("revenue"))
    assert a["truth"] == b["truth"]


def test_confounding_and_balance():
    np = pytest.importorskip("numpy")
    sc = causal.simulate_scenario(seed=11, rows=200_000)
    truth = sc["truth"]
    r, o = sc["rct"].to_dict(), sc["obs"].to_dict()
    for d, bal in ((r, True), (o, False)):
        t = d["treated"]
        for x in ("tenure", "pre_revenue"):
            v = np.asarray(d[x], dtype=float)
            smd = (v[t].mean() - v[~t].mean()) / math.sqrt(
                (v[t].var(ddof=1) + v[~t].var(ddof=1)) / 2)
            assert (abs(smd) < 0.05) if bal else (smd > 0.3), (x, smd)
    # ATT identity: the effect on revenue is 0.5 + 0.4 tenure
    t = o["treated"]
    assert truth["obs_att_revenue"] == pytest.approx(
        0.5 + 0.4 * o["tenure"][t].mean(), rel=1e-12)
    naive = o["revenue"][t].mean() - o["revenue"][~t].mean()
    assert naive - truth["obs_att_revenue"] > 1.0


def test_regression_recovers_att():
    sm = pytest.importorskip("statsmodels.api")
    np = pytest.importorskip("numpy")
    sc = causal.simulate_scenario(seed=5, rows=100_000)
    o = sc["obs"].to_dict()
    t = o["treated"].astype(float)
    X = np.column_stack([o["tenure"], o["mobile"].astype(float),
                         o["pre_revenue"]])
    Xc = X - X[t == 1].mean(axis=0)
    design = sm.add_constant(np.column_stack([t, X, t[:, None] * Xc]))
    fit = sm.OLS(o["revenue"], design).fit(cov_type="HC1")
    lo, hi = fit.conf_int()[1]
    assert lo <= sc["truth"]["obs_att_revenue"] <= hi


def test_errors():
    with pytest.raises(causal.OutOfRangeError, match="rows = 999"):
        causal.simulate_scenario(seed=1, rows=999)
    with pytest.raises(causal.OutOfRangeError):
        causal.simulate_scenario(seed=-1, rows=5000)
    with pytest.raises(causal.OutOfRangeError):
        causal.simulate_scenario(seed=2 ** 64, rows=5000)
    with pytest.raises(TypeError):
        causal.simulate_scenario(seed="a", rows=5000)
    with pytest.raises(TypeError):
        causal.simulate_scenario(seed=1, rows=1.5)
    sc = causal.simulate_scenario(seed=2 ** 64 - 1, rows=1000.0)
    assert sc["truth"]["rows"] == 1000
