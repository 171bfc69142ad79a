"""The package works without numpy/pandas installed (fresh interpreter with
the imports blocked), returning lists."""

import textwrap

from conftest import run_python

SCRIPT = textwrap.dedent(r'''
    import array, math, pickle
    import causal
    from causal import _compat, _lib
    assert _compat.numpy() is None and _compat.pandas() is None
    out = {}
    if _lib.has("causal_dist_eval"):
        out["cdf"] = causal.dist.Normal().cdf([0.0, 1.0])
        assert isinstance(out["cdf"], list) and out["cdf"][0] == 0.5
        assert causal.dist.Poisson(2).pmf(array.array("d", [0.0]))[0] > 0
    if _lib.has("causal_rng_new"):
        r = causal.Rng(1, 2)
        assert isinstance(r.random(3), list) and isinstance(r.u64(), int)
        assert sorted(r.shuffle([3, 1, 2])) == [1, 2, 3]
        out["rng"] = r.integers(10, 4)
    if _lib.has("causal_moments_new"):
        m = causal.Moments(2).update([[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]])
        assert m.mean == [4 / 3, 8 / 3] or abs(m.mean[0] - 4 / 3) < 1e-15
        assert isinstance(m.cov, list) and isinstance(m.cov[0], list)
        m2 = pickle.loads(pickle.dumps(m))
        assert m2.to_bytes() == m.to_bytes()
        m1 = causal.Moments(1).update(memoryview(array.array("d", [1.0, 3.0])))
        assert m1.mean == [2.0]
    if _lib.has("causal_dataset_new"):
        ds = causal.Dataset({"x": [1.0, None], "g": ["a", "b"],
                             "i": array.array("q", [1, 2])})
        assert ds["x"] == [1.0, None] and ds["g"] == ["a", "b"]
        assert ds["i"] == [1, 2]
        assert ds[[True, False]].nrows == 1
        try:
            ds.to_pandas()
        except ImportError:
            pass
        else:
            raise AssertionError("to_pandas without pandas")
    if _lib.has("causal_result_new"):
        res = causal.Result("k")
        res["v"] = [1.0, 2.0]
        res.set_matrix("m", [[1.0, 2.0]])
        assert res["v"] == [1.0, 2.0] and res["m"] == [[1.0, 2.0]]
        str(res)
    if _lib.has("causal_design_new"):
        d = causal.design_matrix(causal.Dataset({"x": [1.0, 2.0]}), ["x"])
        assert d.X == [[1.0, 1.0], [1.0, 2.0]] and d.rows == [0, 1]
    if _lib.has("causal_csv_read_buffer"):
        c = causal.read_csv_string("a,b\n1,x\n")
        assert c["a"] == [1] and c["b"] == ["x"]
    print("OK")
''')


def test_import_and_use_without_numpy():
    p = run_python(SCRIPT, block_numpy=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "OK"


def test_env_switch_disables_numpy():
    p = run_python("import causal; from causal import _compat; "
                   "print(_compat.numpy() is None)",
                   env={"CAUSAL_NO_NUMPY": "1"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "True"


def test_set_numpy_roundtrip():
    from causal import _compat
    prev = _compat.set_numpy(False)
    assert _compat.numpy() is None
    _compat.set_numpy(prev)
    assert (_compat.numpy() is not None) == prev
