"""Result: building, reading, JSON, printing."""

import json
import math

import numpy as np
import pytest

import causal
from conftest import needs_result, tolist

pytestmark = needs_result


def fill(r):
    r["n"] = 10
    r["label"] = "hello \"world\""
    r.set_vector("v", [1.0, float("nan"), math.inf], names=["a", "b", "c"])
    r["u"] = [4.0, 5.0]
    r.set_matrix("m", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                 rownames=["r1", "r2"], colnames=["x", "y", "z"])
    r.set_table("coef", ["(Intercept)", "x"], [1.0, 2.0], [0.1, 0.2],
                [10.0, 10.0], [1e-20, 0.5], [0.8, 1.6], [1.2, 2.4])
    r.add_warning("dropped 3 rows")
    return r


def test_build_and_read(mode):
    r = fill(causal.Result("ols"))
    assert r.kind == "ols"
    assert r.keys() == ["n", "label", "v", "u", "m", "coef"] == list(r)
    assert len(r) == 6 and "m" in r and "zz" not in r and 3 not in r
    assert r["n"] == 10.0 and isinstance(r["n"], float)
    assert r["label"] == 'hello "world"'
    v = tolist(r["v"])
    assert v[0] == 1.0 and math.isnan(v[1]) and v[2] == math.inf
    assert r.names("v") == ["a", "b", "c"]
    assert r.names("u") is None
    assert tolist(r["m"]) == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert r.dimnames("m") == (["r1", "r2"], ["x", "y", "z"])
    assert r.dimnames("n") == (None, None)
    t = r["coef"]
    assert isinstance(t, causal.Table)
    assert t.terms == ["(Intercept)", "x"] and len(t) == 2
    assert tolist(t.estimate) == [1.0, 2.0]
    assert tolist(t.conf_high) == [1.2, 2.4]
    assert t["x"]["p_value"] == 0.5
    with pytest.raises(KeyError, match="zz"):
        t["zz"]
    assert r.type("coef") == "table" and r.type("m") == "matrix"
    assert r.warnings == ["dropped 3 rows"]
    assert r.get("zz", 7) == 7
    assert [k for k, _ in r.items()] == r.keys() and len(r.values()) == 6


def test_replace_keeps_position():
    r = causal.Result("x")
    r["a"] = 1.0
    r["b"] = 2.0
    r["a"] = "now a string"
    assert r.keys() == ["a", "b"] and r["a"] == "now a string"


def test_table_without_ci_is_nan():
    r = causal.Result("x")
    r.set_table("t", ["a"], [1.0], [2.0], [0.5], [0.6])
    assert math.isnan(r["t"].conf_low[0]) and math.isnan(r["t"].conf_high[0])
    with pytest.raises(ValueError, match="one per term"):
        r.set_table("t", ["a", "b"], [1.0], [2.0], [0.5], [0.6])


def test_json_and_to_dict():
    r = fill(causal.Result("ols"))
    text = r.to_json()
    doc = json.loads(text)
    assert doc["kind"] == "ols" and doc["libcausal"] == causal.library_version()
    assert doc["warnings"] == ["dropped 3 rows"]
    assert doc["entries"]["v"]["values"][1] == "NaN"
    assert doc["entries"]["v"]["values"][2] == "Infinity"
    assert doc["entries"]["m"]["values"] == [[1, 2, 3], [4, 5, 6]]
    d = r.to_dict()
    json.dumps(d)  # JSON-compatible (Python's json writes NaN)
    assert d["kind"] == "ols" and d["entries"]["n"] == 10.0
    assert math.isnan(d["entries"]["v"]["values"][1])

    def fix(x):
        if isinstance(x, dict):
            return {k: fix(v) for k, v in x.items()}
        if isinstance(x, list):
            return [fix(v) for v in x]
        if x == "NaN":
            return "NaN!"
        if x == "Infinity":
            return math.inf
        return x

    def nan_mark(x):
        if isinstance(x, dict):
            return {k: nan_mark(v) for k, v in x.items()}
        if isinstance(x, list):
            return [nan_mark(v) for v in x]
        if isinstance(x, float) and math.isnan(x):
            return "NaN!"
        if isinstance(x, int) and not isinstance(x, bool):
            return float(x)
        return x

    assert nan_mark(fix(doc)) == nan_mark(d)


def test_str_prints_table():
    r = fill(causal.Result("ols"))
    s = str(r)
    assert "Result: ols" in s and "(Intercept)" in s and "std.error" in s
    assert "1.000e-20" in s and "Warning: dropped 3 rows" in s
    assert "label" in s and "a=1.0000" in s
    # Small matrices print as a grid with their dimension names.
    assert "\nm:\n" in s and "r1" in s and "  z" in s
    big = causal.Result("big")
    big["M"] = [[float(i + j) for j in range(13)] for i in range(2)]
    assert "<2 x 13 matrix>" in str(big)
    assert "kind='ols'" in repr(r)
    assert "p.value" in repr(r["coef"])


def test_table_to_pandas():
    r = fill(causal.Result("ols"))
    df = r["coef"].to_pandas()
    assert list(df.index) == ["(Intercept)", "x"]
    assert df.loc["x", "estimate"] == 2.0


def test_errors():
    r = causal.Result("x")
    with pytest.raises(causal.NotFoundError) as ei:
        r["nope"]
    assert "nope" in str(ei.value)
    r["s"] = 1.0
    with pytest.raises(causal.TypeMismatchError) as ei:
        r.string("s")
    assert "s" in str(ei.value)
    with pytest.raises(causal.TypeMismatchError):
        r.table("s")
    with pytest.raises(TypeError):
        r[0]
    with pytest.raises(causal.CausalError):
        r.set_scalar("", 1.0)
    with pytest.raises(causal.DimensionError, match="names"):
        r.set_vector("v", [1.0, 2.0], names=["only one"])
    with pytest.raises(causal.DimensionError, match="colnames"):
        r.set_matrix("m", [[1.0, 2.0]], colnames=["a"])
    with pytest.raises(causal.DimensionError, match="rownames"):
        r.set_matrix("m", [[1.0, 2.0]], rownames=["a", "b"])
    with pytest.raises(causal.CausalError) as ei:
        causal.Result("")
    assert "kind" in str(ei.value)
    with pytest.raises(ValueError):
        r.set_matrix("m", [[1.0], [1.0, 2.0]])


def test_numpy_matrix_input():
    r = causal.Result("x")
    m = np.arange(6.0).reshape(2, 3)
    r["m"] = m
    assert np.array_equal(r["m"], m)
    r["f"] = np.asfortranarray(m)
    assert np.array_equal(r["f"], m)
    r["s"] = np.float64(2.5)
    assert r["s"] == 2.5


def test_close():
    r = causal.Result("x")
    r.close()
    assert "closed" in repr(r) and "closed" in str(r)
    with pytest.raises(ValueError, match="closed"):
        r.keys()
