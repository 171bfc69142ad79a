"""Regression bindings: causal.ols / logit / iv / wald.

Numbers are checked against the reference values committed for the C
tests (tests/data/*_reference*.csv, produced by tests/ref/*.R and *.py from
R lm/sandwich/estimatr/AER/glm and statsmodels) and against statsmodels
directly."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_regress_new", "causal_regress_fit")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
DATA = os.path.join(ROOT, "tests", "data")
LALONDE = os.path.join(ROOT, "data", "lalonde.csv")
LAL_TERMS = ["treat", "age", "educ", "race", "married", "nodegree", "re74",
             "re75"]
CPS_TERMS = ["education", "experience", "gender", "union", "ethnicity",
             "married"]
TABLE = ("estimate", "std_error", "statistic", "p_value", "conf_low",
         "conf_high")
SCALARS = ("r_squared", "adj_r_squared", "sigma", "loglik", "aic", "bic",
           "rss", "df_residual", "df", "f_statistic", "f_p_value")


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


def load_ref(name):
    """{case: [(quantity, term, value)]} of an ols-style reference file."""
    out = {}
    with open(os.path.join(DATA, name)) as f:
        for row in csv.DictReader(f):
            v = float("nan") if row["value"] == "NA" else float(row["value"])
            out.setdefault(row["case"], []).append(
                (row["quantity"], row["term"], v))
    return out


def load_kv(name):
    """{(case, quantity): value} of an iv-style reference file."""
    with open(os.path.join(DATA, name)) as f:
        return {(r["case"], r["quantity"]): float(r["value"])
                for r in csv.DictReader(f)}


def compare(res, refs, tol):
    """Every reference value the result reports must agree within tol."""
    tab = res.coef
    n = 0
    for q, term, v in refs:
        if q in TABLE:
            got = tab[term][q]
        elif q in SCALARS:
            got = res[q]
        else:
            continue
        assert rel(got, v) <= tol, (q, term, got, v)
        n += 1
    return n


OLS_REF = load_ref("ols_reference.csv")
OLS_SM = load_ref("ols_reference_sm.csv")


@pytest.mark.parametrize("case,kw", [
    ("cps_classical", dict()),
    ("cps_HC0", dict(vcov="HC0")),
    ("cps_HC1", dict(vcov="hc1")),
    ("cps_HC2", dict(vcov="HC2")),
    ("cps_HC3", dict(vcov="HC3")),
    ("cps_HC1_fixest", dict(vcov="HC1", ssc="fixest")),
    ("cps_CR0", dict(vcov="CR0", cluster="occupation")),
    ("cps_CR1", dict(vcov="CR1", ssc="stata", cluster="occupation")),
    ("cps_CR2", dict(vcov="CR2", cluster="occupation")),
    ("cps_2way_R", dict(cluster=["occupation", "sector"])),
    ("cps_2way_stata", dict(cluster=["occupation", "sector"], ssc="Stata")),
    ("sm_cps_CR1", dict(cluster="occupation", ssc="statsmodels")),
])
def test_ols_cps_references(case, kw):
    ds = causal.read_csv(os.path.join(DATA, "ols_cps.csv"))
    r = causal.ols(ds, "lwage", CPS_TERMS, **kw)
    refs = (OLS_SM if case.startswith("sm_") else OLS_REF)[case]
    assert compare(r, refs, 1e-9) >= 10


def test_ols_lalonde_references_and_formula():
    ds = causal.read_csv(LALONDE)
    for v in ("HC0", "HC1", "HC2", "HC3"):
        r = causal.ols(ds, "re78", LAL_TERMS, vcov=v)
        assert compare(r, OLS_REF["lalonde_" + v], 1e-9) >= 10
        r = causal.ols(ds, "re78 ~ " + " + ".join(LAL_TERMS), vcov=v,
                       ssc="statsmodels")
        assert compare(r, OLS_SM["sm_lalonde_" + v], 1e-9) >= 10
        assert r["statistic"] == "z"


def test_wls_with_C_formula_and_pandas():
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(os.path.join(DATA, "ols_cig.csv"))
    assert df["year"].dtype.kind == "i"  # C() turns it into dummies
    for case, kw in (("cig_wls", {}), ("cig_HC1", dict(vcov="HC1")),
                     ("cig_HC2", dict(vcov="HC2")),
                     ("cig_CR1", dict(cluster="state"))):
        r = causal.ols(df, "lpacks ~ lrprice + lrincome + C(year)",
                       weights="population", **kw)
        assert "year[1995]" in r.terms
        assert compare(r, OLS_REF[case], 1e-9) >= 10
    assert "WLS" in str(r)


def test_ols_against_statsmodels_directly():
    pd = pytest.importorskip("pandas")
    sm = pytest.importorskip("statsmodels.api")
    np = pytest.importorskip("numpy")
    df = pd.read_csv(LALONDE)
    X = df[["treat", "age", "educ", "married", "nodegree", "re74", "re75"]]
    X = X.assign(**{"race[hispan]": (df.race == "hispan") * 1.0,
                    "race[white]": (df.race == "white") * 1.0})
    X = sm.add_constant(X.astype(float)).rename(
        columns={"const": "(Intercept)"})
    fit = sm.OLS(df["re78"].astype(float), X).fit(cov_type="HC1")
    r = causal.ols(df, "re78", LAL_TERMS, vcov="HC1")
    for t in X.columns:
        assert rel(r.params[t], fit.params[t]) < 1e-10, t
        assert rel(r.std_errors[t], fit.bse[t]) < 1e-10, t
    assert rel(r["r_squared"], fit.rsquared) < 1e-12
    # WLS with weights, classical covariance, no intercept
    w = 0.5 + (np.arange(len(df)) % 5)
    df2 = df.assign(w=w)
    # without an intercept the first factor keeps all its levels
    X0 = X.drop(columns="(Intercept)").assign(
        **{"race[black]": (df.race == "black") * 1.0})
    fit = sm.WLS(df2["re78"], X0, weights=w).fit()
    r = causal.ols(df2, "re78 ~ 0 + " + " + ".join(LAL_TERMS), weights="w")
    assert "(Intercept)" not in r.terms and "race[black]" in r.terms
    for t in X0.columns:
        assert rel(r.params[t], fit.params[t]) < 1e-10, t
        assert rel(r.std_errors[t], fit.bse[t]) < 1e-10, t
    cov = np.asarray(r.cov)
    assert cov.shape == (len(r.terms), len(r.terms))


def test_logit_against_glm_reference():
    """The R case lalonde_woff of tests/ref/logit_reference.R: weights,
    offset, clusters by educ (CR1 by default), race with reference black."""
    ref = {}
    with open(os.path.join(DATA, "logit_reference.csv")) as f:
        for row in csv.DictReader(f):
            if row["case"] == "lalonde_woff":
                ref[(row["quantity"], int(row["i"]), int(row["j"]))] = \
                    float(row["value"])
    ds = causal.read_csv(LALONDE)
    n = ds.nrows
    age = ds["age"]
    data = {c: ds[c] for c in ds.columns}
    data["w"] = [0.5 + ((i + 1) % 7) / 3 for i in range(n)]
    data["off"] = [0.02 * (float(a) - 25) for a in age]
    terms = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    r = causal.logit(data, "treat", terms, weights="w", offset="off",
                     cluster="educ", reference={"race": "black"})
    assert r["vcov_type"] == "CR1"
    est = [v for (q, i, j), v in sorted(ref.items()) if q == "estimate"]
    assert len(est) == len(r.terms) == 9
    for got, want in zip(r.coef.estimate, est):
        assert rel(float(got), want) < 1e-10
    V = r.cov
    for (q, i, j), v in ref.items():
        if q == "vcov_CR1":
            assert rel(float(V[i - 1][j - 1]), v) < 1e-9 or abs(v) < 1e-300
    assert rel(r["null_deviance"], ref[("null_deviance", 0, 0)]) < 1e-12
    assert rel(r["deviance"], ref[("deviance", 0, 0)]) < 1e-10
    r3 = causal.logit(data, "treat", terms, weights="w", offset="off",
                      cluster="educ", reference={"race": "black"},
                      vcov="HC3")
    V = r3.cov
    for (q, i, j), v in ref.items():
        if q == "vcov_HC3":
            assert rel(float(V[i - 1][j - 1]), v) < 1e-9
    assert any("cluster" in w for w in r3.warnings)
    assert "Logistic regression" in str(r) and "deviance" in str(r)


def test_logit_against_statsmodels_directly():
    pd = pytest.importorskip("pandas")
    sm = pytest.importorskip("statsmodels.api")
    df = pd.read_csv(LALONDE)
    X = df[["age", "educ", "married", "re74"]].astype(float)
    X = sm.add_constant(X).rename(columns={"const": "(Intercept)"})
    fit = sm.Logit(df["treat"], X).fit(disp=0, method="newton", tol=1e-14,
                                       maxiter=100)
    r = causal.logit(df, "treat ~ age + educ + married + re74")
    for t in X.columns:
        assert rel(r.params[t], fit.params[t]) < 1e-9, t
        assert rel(r.std_errors[t], fit.bse[t]) < 1e-8, t
    assert rel(r["loglik"], fit.llf) < 1e-12
    # ridge penalty: a finite fit on separated data
    sep = df.assign(flag=((df.treat == 1) & (df.index % 3 == 0)) * 1.0)
    with pytest.raises(causal.SeparationError) as ei:
        causal.logit(sep, "treat ~ age + flag")
    assert "flag" in str(ei.value)
    r = causal.logit(sep, "treat ~ age + flag", l2=1.0)
    assert math.isfinite(r.params["flag"])


IV = load_kv("iv_reference.csv")
IV.update(load_kv("iv_reference_sm.csv"))


def test_iv_references():
    ds = causal.read_csv(os.path.join(DATA, "iv_cig.csv"))
    r = causal.iv(ds, "lpacks", ["lrincome"], "lrprice", ["tdiff", "taxcpi"])
    terms = ["(Intercept)", "lrincome", "lrprice"]
    for t in terms:
        assert rel(r.params[t], IV[("cig", "coef_" + t)]) < 1e-10
        assert rel(r.std_errors[t], IV[("cig", "se_classical_" + t)]) < 1e-10
        assert rel(r.std_errors[t], IV[("sm_cig", "se_classical_" + t)]) \
            < 1e-9
    for q in ("cragg_donald_f", "sargan", "r_squared"):
        assert rel(r[q], IV[("cig", q)]) < 1e-9, q
    for v in ("HC0", "HC1", "HC2", "HC3"):
        rv = causal.iv(ds, "lpacks ~ lrincome + [lrprice ~ tdiff + taxcpi]",
                       vcov=v)
        for t in terms:
            assert rel(rv.std_errors[t],
                       IV[("cig", "se_estimatr_%s_%s" % (v, t))]) < 1e-9
    rl = causal.iv(ds, "lpacks ~ lrincome + [lrprice ~ tdiff + taxcpi]",
                   method="liml")
    assert rl["iv_method"] == "LIML"
    assert rel(rl["kappa"], IV[("cig", "liml_kappa")]) < 1e-12
    for t in terms:
        assert rel(rl.params[t], IV[("cig", "liml_coef_" + t)]) < 1e-9
    rf = causal.iv(ds, "lpacks ~ lrincome + [lrprice ~ tdiff + taxcpi]",
                   method="fuller", fuller_alpha=4)
    for t in terms:
        assert rel(rf.params[t], IV[("cig", "fuller4_coef_" + t)]) < 1e-9
    s = str(r)
    assert "Instrumental variables (2SLS)" in s and "Cragg-Donald" in s


def test_iv_two_endogenous():
    ds = causal.read_csv(os.path.join(DATA, "iv_mroz.csv"))
    r = causal.iv(ds, "lwage ~ city + [educ + exper ~ age + kidslt6 + meduc "
                  "+ feduc + heduc]")
    for t in ("(Intercept)", "city", "educ", "exper"):
        assert rel(r.params[t], IV[("mroz", "coef_" + t)]) < 1e-10
        assert rel(r.std_errors[t], IV[("mroz", "se_classical_" + t)]) < 1e-10
    fs = r["first_stage"]
    rn, cn = r.dimnames("first_stage")
    assert rn == ["educ", "exper"]
    assert rel(float(fs[0][1]), IV[("mroz", "weak_f_educ")]) < 1e-9
    assert rel(r["wu_hausman_f"], IV[("mroz", "wu_hausman")]) < 1e-9


def test_iv_against_statsmodels_directly():
    sm_iv = pytest.importorskip("statsmodels.sandbox.regression.gmm")
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    df = pd.read_csv(os.path.join(DATA, "iv_cig.csv"))
    X = np.column_stack([np.ones(len(df)), df.lrincome, df.lrprice])
    Z = np.column_stack([np.ones(len(df)), df.lrincome, df.tdiff, df.taxcpi])
    fit = sm_iv.IV2SLS(df.lpacks.values, X, Z).fit()
    r = causal.iv(df, "lpacks", exog=["lrincome"], endog=["lrprice"],
                  instruments=["tdiff", "taxcpi"])
    np.testing.assert_allclose(r.coef.estimate, fit.params, rtol=1e-10)
    np.testing.assert_allclose(r.coef.std_error, fit.bse, rtol=1e-10)


def test_wald():
    ref = {q: v for q, _, v in OLS_REF["cps_wald"]}
    ds = causal.read_csv(os.path.join(DATA, "ols_cps.csv"))
    r = causal.ols(ds, "lwage", CPS_TERMS, vcov="HC1")
    w = r.wald(["education", "experience"], [0.05, 0])
    assert w.kind == "wald"
    assert rel(w["f_statistic"], ref["stat_F"]) < 1e-10
    assert rel(w["statistic"], ref["stat_Chisq"]) < 1e-10
    assert rel(w["p_value"], ref["p_F"]) < 1e-8
    assert "F(2, " in str(w)
    # the same restrictions as a matrix and as dicts
    k = len(r.terms)
    R = [[0.0] * k for _ in range(2)]
    R[0][r.terms.index("education")] = 1
    R[1][r.terms.index("experience")] = 1
    w2 = causal.wald(r, R, [0.05, 0])
    assert w2["statistic"] == w["statistic"]
    w3 = r.wald([{"education": 1}, {"experience": 1}], [0.05, 0])
    assert w3["statistic"] == w["statistic"]
    # z statistics: chi-square reference
    rz = causal.ols(ds, "lwage", CPS_TERMS, vcov="HC1", ssc="statsmodels")
    wz = rz.wald(["education", "experience"], [0.05, 0])
    assert rel(wz["p_value"], ref["p_Chisq"]) < 1e-8
    assert math.isinf(wz["df2"]) and "chi2(2)" in str(wz)
    # a contrast: education = experience
    wc = r.wald({"education": 1, "experience": -1})
    assert wc["df1"] == 1
    with pytest.raises(causal.NotFoundError):
        r.wald("nope")
    with pytest.raises(causal.DimensionError):
        r.wald([[1.0, 0.0]])
    with pytest.raises(causal.DimensionError):
        r.wald(["education"], [1, 2])


def test_inputs_agree(mode):
    data = {"y": [1.0, 2.5, 2.0, 4.5, 3.0, 6.5, 5.0, 8.0],
            "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "g": ["a", "b", "a", "b", "c", "c", "a", "b"],
            "k": [1, 2, 1, 2, 1, 2, 1, 2]}
    r1 = causal.ols(data, "y", ["x", "g", "x:g"], reference={"g": "b"})
    r2 = causal.ols(causal.Dataset(data), "y ~ x + g + x:g",
                    reference={"g": "b"})
    assert r1.terms == r2.terms == ["(Intercept)", "x", "g[a]", "g[c]",
                                    "x:g[a]", "x:g[c]"]
    assert r1.params == r2.params
    r3 = causal.ols(data, "y ~ x + C(k)")
    assert r3.terms == ["(Intercept)", "x", "k[2]"]
    r4 = causal.ols(causal.Dataset(data), "y ~ x + C(k)")
    assert r3.params == r4.params
    assert r1.nobs == 8


def test_pandas_only_used_columns():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 5.0], "x": [1, 2, 3, 4, 5],
                       "junk": [object()] * 5})
    r = causal.ols(df, "y ~ x")
    assert r.terms == ["(Intercept)", "x"]
    assert rel(r.params["x"], 0.9) < 1e-12  # 9 / 10


def test_absorb_and_fixed_effects_printout():
    ds = causal.read_csv(os.path.join(DATA, "ols_cps.csv"))
    r1 = causal.ols(ds, "lwage ~ education + experience | occupation")
    r2 = causal.ols(ds, "lwage", ["education", "experience"],
                    absorb="occupation")
    r3 = causal.ols(ds, "lwage ~ education + experience + occupation")
    assert r1.params == r2.params
    for t in ("education", "experience"):
        assert rel(r1.params[t], r3.params[t]) < 1e-10
        assert rel(r1.std_errors[t], r3.std_errors[t]) < 1e-10
    assert "(Intercept)" not in r1.terms
    assert "Absorbed fixed effects" in str(r1)


def test_printout():
    ds = causal.read_csv(LALONDE)
    r = causal.ols(ds, "re78", LAL_TERMS + ["treat:married"], vcov="HC1")
    s = str(r)
    for frag in ("Linear regression (OLS): re78 ~ treat + age", "Estimate",
                 "Std. Error", "t value", "Pr(>|t|)", "treat:married",
                 "Observations: 614", "Standard errors: HC1",
                 "R-squared:", "Signif. codes"):
        assert frag in s, frag
    assert "***" in s
    assert "Signif" not in r.summary(stars=False)
    assert repr(r).startswith("<causal.RegressionResult kind='ols'")
    # a dropped collinear term is reported, not hidden
    d = {c: ds[c] for c in ("re78", "age", "educ")}
    d["age2"] = [2.0 * a for a in d["age"]]
    r = causal.ols(d, "re78 ~ age + educ + age2")
    assert r["dropped_terms"] == "age2"
    assert "Warning:" in str(r) and "age2" in str(r)
    assert "age2" not in r.terms
    with pytest.raises(causal.SingularMatrixError) as ei:
        causal.ols(d, "re78 ~ age + educ + age2", rank="error")
    assert "age2" in str(ei.value) or "age" in str(ei.value)
    r.close()
    assert "closed" in str(r)


def test_errors():
    ds = causal.read_csv(LALONDE)
    with pytest.raises(causal.NotFoundError) as ei:
        causal.ols(ds, "re78", ["age", "nope"])
    assert "nope" in str(ei.value)
    with pytest.raises(causal.NotFoundError):
        causal.ols({"y": [1.0, 2.0, 3.0]}, "y ~ x")
    with pytest.raises(KeyError):  # NotFoundError is a KeyError
        causal.ols(ds, "re78 ~ age", cluster="nope")
    with pytest.raises(ValueError):
        causal.ols(ds, "re78 ~ age", vcov="HC9")
    with pytest.raises(ValueError):
        causal.ols(ds, "re78 ~ age", ssc="spss")
    with pytest.raises(ValueError):
        causal.ols(ds, "re78 ~ age", rank="maybe")
    with pytest.raises(causal.CausalError):
        causal.ols(ds, "re78 ~ age", conf_level=1.5)
    with pytest.raises(causal.InvalidArgumentError) as ei:
        causal.iv(ds, "re78 ~ age + [educ + re74 ~ married]")
    assert "under-identified" in str(ei.value)
    with pytest.raises(ValueError):
        causal.ols(ds, "re78 ~ age + [educ ~ married]")
    with pytest.raises(TypeError):
        causal.ols([1, 2, 3], "y ~ x")
    with pytest.raises(TypeError):
        causal.ols(ds, "re78 ~ age", ["educ"])
    with pytest.raises(TypeError):
        causal.ols(ds, 5)
    with pytest.raises(causal.CausalError):  # two-level only
        causal.logit(ds, "race ~ age")
    bad = {"y": [1.0, 2.0, float("inf"), 4.0], "x": [1.0, 2.0, 3.0, 5.0]}
    with pytest.raises(causal.NonFiniteError):
        causal.ols(bad, "y ~ x")
    neg = {"y": [1.0, 2.0, 3.0, 4.0], "x": [1.0, 2.0, 3.0, 5.0],
           "w": [1.0, -1.0, 1.0, 1.0]}
    with pytest.raises(causal.OutOfRangeError):
        causal.ols(neg, "y ~ x", weights="w")


def test_parse_formula():
    f = causal.regress.parse_formula("y ~ a + b:C(g) + C(h) - 1 | u + v")
    assert f.outcome == "y" and f.terms == ["a", "b:g", "h"]
    assert f.categorical == ["g", "h"] and not f.intercept
    assert f.absorb == ["u", "v"]
    f = causal.regress.parse_formula("y ~ 0 + x")
    assert f.terms == ["x"] and not f.intercept
    f = causal.regress.parse_formula("y ~ x + [d1 + d2 ~ z1 + z2]",
                                     allow_iv=True)
    assert f.endog == ["d1", "d2"] and f.instruments == ["z1", "z2"]
    for bad in ("y", "y ~ a + ", "y ~ a * b", "C(y) ~ x", "y ~ log(x)"):
        with pytest.raises(ValueError):
            causal.regress.parse_formula(bad)
