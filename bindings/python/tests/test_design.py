"""Design matrices."""

import numpy as np
import pytest

import causal
from conftest import needs_design, requires, tolist

pytestmark = needs_design


def ds():
    return causal.Dataset({
        "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "x": [0.5, None, 1.5, 2.0, 2.5, 3.0],
        "g": ["a", "b", "c", "a", "b", "c"],
    })


def test_design_matrix_numpy():
    d = causal.design_matrix(ds(), ["x", "g", "x:g"])
    assert d.names == ["(Intercept)", "x", "g[b]", "g[c]", "x:g[b]",
                       "x:g[c]"]
    assert d.X.shape == (5, 6)
    assert d.rows.tolist() == [0, 2, 3, 4, 5]
    assert d.n_dropped == 1
    assert d.dropped_by_column["x"] == 1 and d.dropped_by_column["g"] == 0
    x = np.array([0.5, 1.5, 2.0, 2.5, 3.0])
    gb = np.array([0, 0, 0, 1, 0.0])
    gc = np.array([0, 1, 0, 0, 1.0])
    expect = np.column_stack([np.ones(5), x, gb, gc, x * gb, x * gc])
    np.testing.assert_array_equal(d.X, expect)


def test_reference_and_no_intercept(mode):
    d = causal.design_matrix(ds(), "g + x", intercept=False,
                             reference={"g": "b"})
    # without intercept the first categorical keeps all levels
    assert d.names[:3] == ["g[a]", "g[b]", "g[c]"]
    d2 = causal.design_matrix(ds(), ["g"], reference={"g": "b"})
    assert d2.names == ["(Intercept)", "g[a]", "g[c]"]
    assert len(tolist(d2.X)) == 6


def test_design_object_and_result():
    with causal.Design(["x"]) as d:
        r = d.build(ds())
    assert r.kind == "design"
    assert set(["X", "rows", "n_dropped", "dropped_by_column"]) <= set(r)
    assert r["n_dropped"] == 1.0
    # the Result outlives the design and the dataset
    assert r.dimnames("X")[1] == ["(Intercept)", "x"]


def test_errors_name_the_term():
    with pytest.raises(causal.NotFoundError) as ei:
        causal.design_matrix(ds(), ["nope"])
    assert "nope" in str(ei.value)
    with pytest.raises(causal.CausalError) as ei:
        causal.design_matrix(ds(), ["g"], reference={"g": "zz"})
    assert "zz" in str(ei.value)
    with pytest.raises(causal.CausalError):
        causal.Design().add_term("")
    with pytest.raises(TypeError):
        causal.Design(["x"]).build({"x": [1.0]})


def test_design_matrix_accepts_dict():
    d = causal.design_matrix({"x": [1.0, 2.0]}, ["x"])
    assert d.X.tolist() == [[1.0, 1.0], [1.0, 2.0]]


@requires("causal_describe_dataset")
def test_describe():
    import numpy as np
    r = causal.describe(ds())
    assert r.kind == "describe"
    s = r["summary"]
    rows, cols = r.dimnames("summary")
    assert rows == ["y", "x", "g"]
    assert cols[:4] == ["count", "missing", "mean", "sd"]
    x = np.array([0.5, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_allclose(s[1, :4], [5, 1, x.mean(), x.std(ddof=1)],
                               rtol=1e-12)
    np.testing.assert_allclose(s[1, 5:8], np.percentile(x, [25, 50, 75]),
                               rtol=1e-12)
    assert np.isnan(s[2, 2])
    assert r.vector("levels").tolist() == [0, 0, 3]
