"""Difference-in-differences bindings: causal.did / event_study /
breusch_pagan.

Numbers are checked against the R reference values committed for the C
tests (tests/data/did_reference.csv, produced by tests/ref/did_reference.R
with lm + factor dummies, sandwich, car and lmtest on AER's Fatalities;
the panel is tests/data/did_fatalities.csv) at the C suite's tolerances
(1e-8 relative for estimates and SEs, set by the fixed-effect demeaning
tolerance; p-values 1e-7), and against statsmodels directly."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_did_new", "causal_did_fit")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
DATA = os.path.join(ROOT, "tests", "data")
PANEL = os.path.join(DATA, "did_fatalities.csv")
TOL = 1e-8


def load_ref():
    with open(os.path.join(DATA, "did_reference.csv")) as f:
        return {r["name"]: float(r["value"]) for r in csv.DictReader(f)}


REF = load_ref()


def close(got, name, tol=TOL):
    want = REF[name]
    assert abs(got - want) <= tol * max(abs(want), 1e-300), (name, got, want)


def check(row, prefix, p_tol=1e-7):
    """row: a dict with estimate/std_error/p_value (a Table row or the
    headline effect)."""
    close(row["estimate"], prefix + ".est")
    close(row["std_error"], prefix + ".se")
    close(row["p_value"], prefix + ".p", p_tol)


@pytest.fixture(scope="module")
def panel():
    return causal.read_csv(PANEL)


def test_twfe(panel):
    kw = dict(unit="state", time="year")
    r = causal.did(panel, "frate", cohort="cohort", **kw)
    assert isinstance(r, causal.DidResult)
    assert isinstance(r, causal.RegressionResult)
    assert r.design == "twfe" and r.terms == ["treated"]
    check(r.effect, "twfe")
    check(r.coef["treated"], "twfe")
    assert r.nobs == REF["twfe.nobs"]
    assert r["n_units"] == 47 and r["n_periods"] == 7
    assert r["n_clusters"] == 47 and r["vcov_type"] == "CR1"
    assert r["df"] == 46
    # the same from the treatment column, or both
    check(causal.did(panel, "frate", treatment="D", **kw).effect, "twfe")
    check(causal.did(panel, "frate", treatment="D", cohort="cohort",
                     **kw).effect, "twfe")
    # covariates by formula and by x, HC1 without clustering
    for rc in (causal.did(panel, "frate ~ beertax + unemp", cohort="cohort",
                          vcov="HC1", **kw),
               causal.did(panel, "frate", ["beertax", "unemp"],
                          cohort="cohort", vcov="HC1", **kw)):
        for t in ("beertax", "unemp"):
            check(rc.coef[t], "twfe_cov." + t)
        check(rc.coef["treated"], "twfe_cov.D")
        assert "n_clusters" not in rc
    # weights; a treatment column with a missing value
    check(causal.did(panel, "frate", cohort="cohort", weights="popm",
                     **kw).effect, "twfe_w")
    rj = causal.did(panel, "frate", treatment="jail01", **kw)
    check(rj.effect, "twfe_jail")
    assert rj.nobs == REF["twfe_jail.nobs"] and rj["n_dropped"] == 1
    # unbalanced panel (the reference script's rule)
    sid, year = panel["sid"], panel["year"]
    keep = [(3 * int(s) + int(y)) % 7 != 0 for s, y in zip(sid, year)]
    ru = causal.did(panel.filter(keep), "frate", cohort="cohort", **kw)
    check(ru.effect, "twfe_unbal")
    assert ru.nobs == REF["twfe_unbal.nobs"]


def check_event(r, prefix, lo, hi, ref=-1):
    assert r.design == "event_study"
    assert r.event_time == list(range(lo, hi + 1))
    assert r["reference"] == ref
    ev = r.event
    for k in range(lo, hi + 1):
        row = ev["rel[%d]" % k]
        if k == ref:
            assert row["estimate"] == 0 and row["std_error"] == 0
            continue
        check(row, "%s.r%d" % (prefix, k))
        check(r.coef["rel[%d]" % k], "%s.r%d" % (prefix, k))
    check(r.effect, prefix + ".avg")
    close(r["pretrend_statistic"], prefix + ".pre_W")
    assert r["pretrend_df1"] == REF[prefix + ".pre_df1"]
    assert r["pretrend_df2"] == 46
    close(r["pretrend_p_value"], prefix + ".pre_p", 1e-7)
    assert r.nobs == REF[prefix + ".nobs"]


def test_event_study(panel):
    kw = dict(unit="state", time="year", cohort="cohort")
    check_event(causal.event_study(panel, "frate", **kw), "es", -3, 6)
    check_event(causal.did(panel, "frate", design="event-study", unit="state",
                           time="year", treatment="D"), "es", -3, 6)
    check_event(causal.event_study(panel, "frate", reference=-2, **kw),
                "es_ref2", -3, 6, -2)
    check_event(causal.event_study(panel, "frate", leads=2, lags=3, **kw),
                "es_bin", -2, 3)
    check_event(causal.event_study(panel, "frate", leads=2, lags=3,
                                   endpoints="drop", **kw),
                "es_drop", -2, 3)
    rt = causal.event_study(panel, "frate", leads=2, lags=3, trends=True,
                            **kw)
    check_event(rt, "es_trend", -2, 3)
    assert rt["n_trend_parameters"] == 94
    # the pre-trend test is a Wald test on the result
    r = causal.event_study(panel, "frate", leads=2, lags=3, **kw)
    w = r.wald("rel[-2]")
    assert abs(w["statistic"] - r["pretrend_statistic"]) <= \
        1e-12 * r["pretrend_statistic"]
    # only lags: no pre-trend test, a warning
    r = causal.event_study(panel, "frate", leads=1, **kw)
    assert "pretrend_statistic" not in r and r.warnings
    assert "Pre-trend" not in str(r)


def test_trends_placebo_2x2(panel):
    kw = dict(unit="state", time="year", cohort="cohort")
    check(causal.did(panel, "frate", trends=True, **kw).effect, "trend")
    check(causal.did(panel, "frate", trends=True, vcov="HC1", **kw).effect,
          "trend_hc1")
    check(causal.did(panel, "frate", trends=True, vcov="classical",
                     **kw).effect, "trend_cl")
    rw = causal.did(panel, "frate ~ unemp", trends=True, weights="popm", **kw)
    check(rw.effect, "trend_w")
    check(rw.coef["unemp"], "trend_w.unemp")
    rp = causal.did(panel, "frate", placebo_shift=1, **kw)
    check(rp.effect, "placebo")
    assert rp.nobs == REF["placebo.nobs"]
    check(causal.did(panel, "frate", placebo_outcome="unemp", **kw).effect,
          "placebo_y")
    # 2x2 from group/post (the design is inferred from them)
    r = causal.did(panel, "frate", group="grp", post="post", cluster="state")
    assert r.design == "2x2"
    assert r.terms == ["(Intercept)", "group", "post", "group:post"]
    check(r.coef["group:post"], "dd")
    check(r.effect, "dd")
    cm = list(r["cell_means"])
    for v, name in zip(cm, ("dd.m00", "dd.m01", "dd.m10", "dd.m11")):
        close(v, name, 1e-12)
    close(r["estimate_means"], "dd.est", 1e-10)
    # 2x2 derived from cohorts on the never-treated + 1983 subset
    sub = panel.filter([c in (0, 1983) for c in panel["cohort"]])
    check(causal.did(sub, "frate", design="2x2", unit="state", time="year",
                     cohort="cohort").effect, "dd3")
    with pytest.raises(causal.InvalidArgumentError,
                       match="one treatment date"):
        causal.did(panel, "frate", design="2x2", unit="state", time="year",
                   cohort="cohort")


def test_against_statsmodels(panel):
    """TWFE by dummies in statsmodels with clustered (CR1) errors."""
    pd = pytest.importorskip("pandas")
    sm = pytest.importorskip("statsmodels.formula.api")
    df = pd.read_csv(PANEL)
    fit = sm.ols("frate ~ D + unemp + C(state) + C(year)", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["state"]}, use_t=True)
    r = causal.did(df, "frate ~ unemp", unit="state", time="year",
                   treatment="D", ssc="stata")
    for t, name in (("treated", "D"), ("unemp", "unemp")):
        b, se = fit.params[name], fit.bse[name]
        assert abs(r.params[t] - b) <= 1e-8 * abs(b)
        assert abs(r.std_errors[t] - se) <= 1e-8 * se


def test_breusch_pagan(panel):
    m = "frate ~ beertax + unemp + income"
    r = causal.breusch_pagan(panel, m)
    close(r["statistic"], "bp.k", 1e-10)
    close(r["p_value"], "bp.k.p", 1e-8)
    assert r["df"] == 3 and r["nobs"] == 329
    r = causal.breusch_pagan(panel, "frate", ["beertax", "unemp", "income"],
                             studentize=False)
    close(r["statistic"], "bp.o", 1e-10)
    close(r["p_value"], "bp.o.p", 1e-8)
    close(causal.breusch_pagan(panel, m, terms=["beertax", "income"])
          ["statistic"], "bp.z", 1e-10)
    close(causal.breusch_pagan(panel, m, weights="popm")["statistic"],
          "bp.wk", 1e-10)
    close(causal.breusch_pagan(panel, m, weights="popm",
                               studentize=False)["statistic"], "bp.wo", 1e-10)
    assert "BP = " in str(r)


def test_printing(panel):
    r = causal.event_study(panel, "frate ~ unemp", unit="state", time="year",
                           cohort="cohort", leads=2, lags=3)
    s = str(r)
    lines = s.splitlines()
    assert lines[0] == "Difference-in-differences (event study): frate ~ unemp"
    assert "47 units, 7 periods; 14 treated, 33 never treated" in lines[1]
    assert "Standard errors: CR1, 47 clusters; t(46) reference" in s
    assert "Average post-treatment effect (r >= 0)" in s
    assert "Event study (relative period r = time - cohort; reference " \
        "r = -1):" in s
    ev = [ln for ln in lines if ln.startswith("  -") or ln.startswith("  +")
          or ln.startswith("  0 ")]
    assert len(ev) == 6  # -2 .. +3
    ref = [ln for ln in ev if "(reference)" in ln]
    assert len(ref) == 1 and ref[0].split()[0] == "-1"
    # every non-reference row has its interval drawn, the estimate marked
    for ln in ev:
        if "(reference)" not in ln:
            assert "o" in ln.split("  ")[-1] and "-" in ln.split("  ")[-1]
    assert "Pre-trend test (all leads = 0): F(1, 46) = " in s
    assert "Coefficients:" in s and "unemp" in s
    assert "rel[" not in s.split("Coefficients:")[1]
    # TWFE without covariates: the headline only
    t = str(causal.did(panel, "frate", unit="state", time="year",
                       cohort="cohort"))
    assert "Effect (treated)" in t and "Coefficients:" not in t
    d = str(causal.did(panel, "frate", group="grp", post="post"))
    assert "Cell means:" in d and "Difference of the differences" in d
    assert "(2x2)" in d


def test_ci_plot():
    from causal.did import _ci_plot
    rows = _ci_plot([(1.0, 0.5, 1.5), (0.0, 0.0, 0.0), (-1.0, -2.0, 0.0),
                     (float("nan"), float("nan"), float("nan"))], width=21)
    # the scale runs from -2 to 1.5: zero at position round(2/3.5*20) = 11
    assert rows[1] == " " * 11 + "o"
    assert rows[0].index("o") == 17 and rows[0][11] == "|"
    assert rows[2].startswith("-----") and rows[2].index("o") == 6
    assert rows[3] == " " * 11 + "|"


def test_model_handle_and_options(panel):
    from causal.did import DidModel
    with DidModel("frate", "event_study", unit="state", time="year",
                  cohort="cohort", leads=2, lags=3, conf_level=0.9) as spec:
        assert spec.get("leads") == 2 and spec.get("design") == 3
        assert spec.get("conf_level") == 0.9
        r = spec.fit(panel)
        r2 = spec.fit(panel, outcome="unemp")
        assert r.nobs == r2.nobs and r.effect != r2.effect
        lo, hi = DidModel.bounds("conf_level")
        assert lo == 0 and hi == 1
        with pytest.raises(KeyError):
            spec.get("nope")
    e = r.effect  # a 90% interval with the t(46) reference
    q = (e["conf_high"] - e["estimate"]) / e["std_error"]
    assert abs(q - causal.dist.StudentT(46).ppf(0.95)) < 1e-10


def test_errors(panel):
    kw = dict(unit="state", time="year")
    with pytest.raises(causal.NotFoundError, match="nope"):
        causal.did(panel, "frate", cohort="nope", **kw)
    with pytest.raises(causal.InvalidArgumentError,
                       match="treatment or cohort"):
        causal.did(panel, "frate", **kw)
    with pytest.raises(causal.OutOfRangeError):
        causal.event_study(panel, "frate", cohort="cohort", reference=-9,
                           leads=2, **kw)
    with pytest.raises(causal.OutOfRangeError):
        causal.did(panel, "frate", cohort="cohort", conf_level=1.5, **kw)
    with pytest.raises(ValueError, match="design"):
        causal.did(panel, "frate", cohort="cohort", design="synthetic", **kw)
    with pytest.raises(causal.InvalidArgumentError, match="absorbed"):
        causal.did(panel, "frate ~ unemp | year", cohort="cohort", **kw)
    # duplicate (unit, time) rows are named
    dup = panel.take(list(range(10)) + [3])
    with pytest.raises(causal.InvalidArgumentError, match="appears in rows"):
        causal.did(dup, "frate", cohort="cohort", **kw)
    with pytest.raises(TypeError):
        causal.did(panel, "frate", cohort="cohort", leads="two",
                   design="event_study", **kw)
    with pytest.raises(causal.InvalidArgumentError):
        causal.breusch_pagan(panel, "frate ~ unemp | state")
    assert math.isfinite(causal.breusch_pagan(panel, "frate ~ unemp")
                         ["statistic"])
