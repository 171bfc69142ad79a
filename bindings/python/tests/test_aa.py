"""AA grouping bindings: causal.aa_split / aa_balance / aa_randinf / aa_mde.

Report numbers are checked against the R reference values of the C tests
(tests/data/aa_reference.csv from tests/ref/aa_reference.R) and, where
scipy is available, against scipy.stats directly."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_aa_new", "causal_aa_split")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
STATES = os.path.join(ROOT, "tests", "data", "aa_states.csv")
REF = os.path.join(ROOT, "tests", "data", "aa_reference.csv")
METRICS = ["population", "income", "illiteracy", "life_exp", "murder",
           "hs_grad", "frost", "area"]


def rel(a, b):
    return 0.0 if a == b else abs(a - b) / max(abs(b), 1e-300)


def ref():
    out = {}
    with open(REF) as f:
        for row in csv.DictReader(f):
            out[(row["case"], row["quantity"], row["term"])] = \
                float(row["value"])
    return out


def states_dict():
    with open(STATES) as f:
        rows = list(csv.DictReader(f))
    d = {"state": [r["state"] for r in rows],
         "region": [r["region"] for r in rows]}
    for m in METRICS:
        d[m] = [float(r[m]) for r in rows]
    d["g2"] = [int(r["g2"]) for r in rows]
    d["g3"] = [int(r["g3"]) for r in rows]
    return d


@pytest.mark.parametrize("case,k", [("g2", 2), ("g3", 3)])
def test_balance_matches_r(case, k):
    d = states_dict()
    R = ref()
    r = causal.aa_balance(d, METRICS, d[case], id="state")
    assert r.kind == "aa_balance"
    assert r["test"] == ("welch_t" if k == 2 else "anova_f")
    smd, pv, st = r.vector("smd"), r.vector("p_value"), r.vector("statistic")
    for j, m in enumerate(METRICS):
        assert rel(smd[j], R[(case, "smd", m)]) < 1e-10
        assert rel(st[j], R[(case, "statistic", m)]) < 1e-10
        assert rel(pv[j], R[(case, "p_value", m)]) < 1e-9
        for g in range(k):
            assert rel(r.matrix("means")[j][g], R[(case, "mean%d" % g, m)]) \
                < 1e-12
    assert rel(r["mahalanobis"], R[(case, "mahalanobis", "")]) < 1e-10
    assert "Mahalanobis" in str(r)


def test_balance_vs_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    d = states_dict()
    r = causal.aa_balance(d, METRICS, d["g2"])
    for j, m in enumerate(METRICS):
        x1 = [v for v, g in zip(d[m], d["g2"]) if g == 1]
        x0 = [v for v, g in zip(d[m], d["g2"]) if g == 0]
        t = scipy_stats.ttest_ind(x1, x0, equal_var=False)
        assert rel(r.vector("p_value")[j], t.pvalue) < 1e-8


def test_split_rerandomize_deterministic():
    d = states_dict()
    a = causal.aa_split(d, METRICS, id="state", p_accept=0.01, seed=3)
    b = causal.aa_split(d, METRICS, id="state", p_accept=0.01, seed=3)
    c = causal.aa_split(d, METRICS, id="state", p_accept=0.01, seed=4)
    assert a.group == b.group
    assert a.group != c.group
    assert a["mahalanobis"] <= a["threshold"]
    assert rel(a["threshold"], R_threshold(0.01, 8)) < 1e-12
    assert set(a.groups) == set(d["state"])
    assert a.groups["Alabama"] == a.group[0]
    assert sum(a.group) == 25
    assert a["method"] == "rerandomize"


def R_threshold(p, df):
    # qchisq via the library's own advisor is what we test elsewhere; here
    # use the R reference file for the values it has, else scipy.
    key = ("threshold", "p%g" % p, str(df))
    R = ref()
    if key in R:
        return R[key]
    scipy_stats = pytest.importorskip("scipy.stats")
    return scipy_stats.chi2.ppf(p, df)


def test_split_optimize_and_strata():
    d = states_dict()
    plain = causal.aa_split(d, METRICS, method="complete", seed=1)
    opt = causal.aa_split(d, METRICS, k=3, strata="region",
                          method="optimize", restarts=2, seed=1,
                          sizes=[20, 15, 15])
    assert opt["max_abs_smd"] < plain["max_abs_smd"]
    assert [opt.group.count(g) for g in range(3)] == [20, 15, 15]
    assert opt["test"] == "anova_f"


def test_pandas_input():
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(STATES)
    r = causal.aa_split(df, ["income", "murder"], id="state",
                        strata="region", seed=2)
    assert len(r.group) == 50
    assert r["mahalanobis"] <= r["threshold"]


def test_randinf():
    d = states_dict()
    s = causal.aa_split(d, METRICS, p_accept=0.05, seed=5)
    y = [v + (1.5 if g else 0.0) for v, g in zip(d["murder"], s.group)]
    r = causal.aa_randinf(d, METRICS, s.group, y, draws=200, p_accept=0.05)
    assert r.kind == "aa_randinf"
    assert r["p_value"] < 0.05
    assert rel(r["estimate"], 1.5) < 0.05 + abs(r["estimate"] - 1.5)
    y0 = [math.sin(i) for i in range(50)]
    r0 = causal.aa_randinf(d, METRICS, s.group, y0, draws=200,
                           p_accept=0.05)
    assert r0["p_value"] > 0.01
    assert r0["draws"] == 200 and r0["raw_draws"] >= 200


def test_mde():
    R = ref()
    r = causal.aa_mde([4, 0.25], sizes=[12, 10])
    assert rel(r.matrix("mde")[0][0], R[("mde", "plain", "a")]) < 1e-12
    r3 = causal.aa_mde([2], sizes=[8, 9, 7], alpha=0.1, power=0.9, r2=0.6,
                       ncov=3, p_accept=0.01)
    assert rel(r3["v_a"], R[("mde3", "v_a", "")]) < 1e-10
    assert rel(r3.matrix("mde_rerandomized")[0][1],
               R[("mde3", "rr", "g2")]) < 1e-10
    d = states_dict()
    rd = causal.aa_mde(data=d, metrics=["income"], sizes=[25, 25])
    n = 50
    mu = sum(d["income"]) / n
    var = sum((x - mu) ** 2 for x in d["income"]) / (n - 1)
    assert rel(rd.matrix("mde")[0][0],
               causal.aa_mde([var], sizes=[25, 25]).matrix("mde")[0][0]) \
        < 1e-12


def test_errors():
    d = states_dict()
    dup = dict(d)
    dup["state"] = list(d["state"])
    dup["state"][3] = dup["state"][0]
    with pytest.raises(causal.InvalidArgumentError, match="Alabama"):
        causal.aa_split(dup, METRICS, id="state")
    z = dict(d)
    z["zero"] = [1.0] * 50
    with pytest.raises(causal.InvalidArgumentError, match="zero"):
        causal.aa_split(z, ["income", "zero"])
    with pytest.raises(causal.InvalidArgumentError, match="cannot form"):
        causal.aa_split(d, METRICS, k=26)
    with pytest.raises(causal.InvalidArgumentError, match="stratum"):
        causal.aa_split(d, METRICS, k=13, strata="region")
    with pytest.raises(causal.NotFoundError):
        causal.aa_split(d, ["nope"])
    with pytest.raises(causal.ConvergenceError, match="draws"):
        causal.aa_split(d, METRICS, threshold=1e-9, max_draws=100)
    with pytest.raises(ValueError):
        causal.aa_split(d, METRICS, method="magic")
    nan = dict(d)
    nan["income"] = list(d["income"])
    nan["income"][7] = float("nan")
    with pytest.raises(causal.MissingValueError, match="row 7"):
        causal.aa_split(nan, METRICS)
