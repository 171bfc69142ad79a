"""Matching bindings: causal.match / causal.match_ai.

Checked against the reference values committed for the C tests:
tests/data/match_units.csv, match_mm.csv and match_effect.csv (R MatchIt
4.5.1 and an independent R greedy implementation, lm + sandwich::vcovCL;
tests/ref/match_reference.R) and tests/data/match_ai.csv (R
Matching::Match; tests/ref/match_ai_reference.R)."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_match_new", "causal_match_fit")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
DATA = os.path.join(ROOT, "tests", "data")
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def lalonde():
    with open(os.path.join(ROOT, "data", "lalonde.csv")) as f:
        rows = list(csv.DictReader(f))
    d = {}
    for k in rows[0]:
        if k == "race":
            d[k] = [r[k] for r in rows]
        else:
            d[k] = [float(r[k]) for r in rows]
    return d


def ref_units(cfg):
    with open(os.path.join(DATA, "match_units.csv")) as f:
        return [r for r in csv.DictReader(f) if r["config"] == cfg]


def ref_effect(cfg):
    with open(os.path.join(DATA, "match_effect.csv")) as f:
        for r in csv.DictReader(f):
            if r["config"] == cfg:
                return float(r["estimate"]), float(r["std_error"])
    raise KeyError(cfg)


def tolist(v):
    return [float(x) for x in v]


@pytest.mark.parametrize("cfg,kw", [
    ("nn1", dict(compat=True)),
    ("nn2", dict(compat=True, ratio=2)),
    ("exact", dict(compat=True, exact="race")),
    ("nn1_true", dict()),
    ("cal_lin", dict(caliper=0.2)),
])
def test_match_weights_and_effect(cfg, kw):
    d = lalonde()
    units = ref_units(cfg if cfg != "nn1_true" else "nn1")
    d["mi_dist"] = [float(u["distance"]) for u in units]
    r = causal.match(d, "treat", score="mi_dist", outcome="re78", **kw)
    want = [float(u["weight"]) for u in ref_units(cfg)]
    got = tolist(r["weights"])
    assert max(abs(a - b) for a, b in zip(got, want)) < 1e-12
    est, se = ref_effect(cfg)
    assert abs(r["estimate"] - est) <= 1e-10 * abs(est)
    assert abs(r["std_error"] - se) <= 1e-9 * se
    assert "matching" in str(r)


def test_own_propensity_model():
    d = lalonde()
    r = causal.match(d, "treat", COVS, compat=True)
    want = [float(u["distance"]) for u in ref_units("nn1")]
    got = tolist(r["distance"])
    assert max(abs(a - b) / b for a, b in zip(got, want)) < 1e-6
    assert r["n_matched_treated"] == 185
    assert r["n_unmatched_control"] == 429 - 185


def test_match_ai_against_matching():
    d = lalonde()
    with open(os.path.join(DATA, "match_ai.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["on"] == "X"][:12]
    for row in rows:
        a = causal.match_ai(d, "re78", "treat",
                            X=["age", "educ", "re74", "re75", "married"],
                            estimand=row["estimand"], M=int(row["M"]),
                            bias_adjust=row["bias"] == "TRUE",
                            weight=int(row["weight"]),
                            var_matches=int(row["varcalc"]))
        est, se = float(row["est"]), float(row["se"])
        assert abs(a["estimate"] - est) <= 1e-10 * abs(est), row
        assert abs(a["std_error"] - se) <= 1e-10 * se, row


def test_ps_adjust():
    """AI (2016) against the independent R implementation of the formulas
    (tests/data/match_ai2016.csv); our logit's scores differ from glm's by
    ~1e-9, hence 1e-6."""
    d = lalonde()
    with open(os.path.join(DATA, "match_ai2016.csv")) as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        a = causal.match_ai(d, "re78", "treat", covariates=COVS,
                            on_score=True, ps_adjust=True,
                            estimand=row["estimand"], M=int(row["M"]))
        assert abs(a["estimate"] / float(row["est"]) - 1) < 1e-6
        assert abs(a["std_error_unadjusted"] / float(row["se_ai"]) - 1) < 1e-6
        assert abs(a["std_error"] / float(row["se_adj"]) - 1) < 1e-6
        assert "2016" in a["vcov_type"]


def test_errors():
    d = lalonde()
    with pytest.raises(causal.InvalidArgumentError, match="ATE"):
        causal.match(d, "treat", COVS, estimand="ATE")
    with pytest.raises(causal.NotFoundError, match="nope"):
        causal.match(d, "treat", ["nope"])
    toy = {"t": [1.0, 1.0, 0.0, 0.0, 0.0], "s": [0.1, 0.2, 0.5, 0.6, 0.7]}
    with pytest.raises(causal.InvalidArgumentError, match="no units"):
        causal.match(toy, "t", score="s", caliper=0.01)
    with pytest.raises(ValueError):
        causal.match(d, "treat", COVS, order="sideways")
    bad = dict(d)
    bad["treat"] = [1.0] * len(d["treat"])
    with pytest.raises(causal.InvalidArgumentError, match="no controls"):
        causal.match(bad, "treat", COVS)
    with pytest.raises(causal.OutOfRangeError):
        causal.match(d, "treat", COVS, ratio=0)
    r = causal.match(d, "treat", COVS, caliper=0.01)
    assert r["n_unmatched_treated"] > 0
    assert any("not matched" in w for w in r.warnings)
