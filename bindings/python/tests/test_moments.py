"""Moments against numpy (rtol 1e-12), merging, serialization, pickling."""

import copy
import gc
import pickle

import numpy as np
import pytest

import causal
from conftest import needs_moments, tolist

pytestmark = needs_moments

RTOL = 1e-12


def ref_stats(X, w=None):
    X = np.asarray(X, dtype=float)
    if w is None:
        w = np.ones(len(X))
    W = w.sum()
    mean = (w[:, None] * X).sum(0) / W
    D = X - mean
    C = (w[:, None] * D).T @ D
    return dict(mean=mean, comoment=C, cov=C / (W - 1),
                var=np.diag(C) / (W - 1), var_pop=np.diag(C) / W,
                var_reliability=np.diag(C) / (W - (w ** 2).sum() / W),
                sd=np.sqrt(np.diag(C) / (W - 1)), min=X.min(0), max=X.max(0),
                crossprod=(w[:, None] * X).T @ X, sum=W * mean,
                sum_weights=W, sum_weights2=(w ** 2).sum(),
                corr=np.corrcoef(X.T) if w is None or np.all(w == 1) else
                C / np.sqrt(np.outer(np.diag(C), np.diag(C))))


def check(m, ref, keys=None):
    for k in keys or ("mean", "comoment", "cov", "var", "var_pop", "sd",
                      "min", "max", "crossprod", "sum", "sum_weights",
                      "sum_weights2", "var_reliability"):
        np.testing.assert_allclose(getattr(m, k), ref[k], rtol=RTOL,
                                   atol=1e-300, err_msg=k)


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3)) @ np.array([[1, .5, 0], [0, 1, .3],
                                               [0, 0, 2]]) + [1, -2, 3]
    w = rng.uniform(0.1, 3, size=500)
    return X, w


def test_against_numpy_unweighted(data):
    X, _ = data
    m = causal.Moments(3).update(X)
    assert m.count == 500 and m.p == 3
    ref = ref_stats(X)
    check(m, ref)
    np.testing.assert_allclose(m.corr, np.corrcoef(X.T), rtol=RTOL)
    np.testing.assert_allclose(m.var, X.var(0, ddof=1), rtol=RTOL)


def test_against_numpy_weighted(data):
    X, w = data
    m = causal.Moments(3).update(X, weights=w)
    ref = ref_stats(X, w)
    check(m, ref)
    np.testing.assert_allclose(m.corr, ref["corr"], rtol=RTOL)


def test_fortran_and_strided_inputs_zero_copy(data):
    X, w = data
    for arr in (np.asfortranarray(X), X[::2], np.ascontiguousarray(X.T).T,
                np.hstack([X, X])[:, ::2][:, :3]):
        a = causal.Moments(3).update(arr, w[:len(arr)])
        b = ref_stats(np.asarray(arr), w[:len(arr)])
        check(a, b)


def test_fortran_is_not_copied(monkeypatch, data):
    X, _ = data
    F = np.asfortranarray(X)
    seen = {}
    from causal import _lib
    orig = _lib.call

    def spy(name, *args):
        if name == "causal_moments_update":
            import ctypes
            seen["ptr"] = ctypes.cast(args[1], ctypes.c_void_p).value
            seen["strides"] = (args[3], args[4])
        return orig(name, *args)

    monkeypatch.setattr(_lib, "call", spy)
    causal.Moments(3).update(F)
    assert seen["ptr"] == F.ctypes.data
    assert seen["strides"] == (1, 500)
    causal.Moments(3).update(X)
    assert seen["ptr"] == X.ctypes.data and seen["strides"] == (3, 1)


def test_one_dimensional_and_single_row(mode):
    x = [1.0, 2.0, 4.0, 8.0]
    m = causal.Moments(1).update(x)
    assert tolist(m.mean) == [3.75]
    np.testing.assert_allclose(tolist(m.var), [np.var(x, ddof=1)], rtol=RTOL)
    m2 = causal.Moments(2).update([[1.0, 2.0]]).update([[3.0, 6.0]])
    assert tolist(m2.mean) == [2.0, 4.0]
    cov = tolist(m2.cov)
    assert cov == [[2.0, 4.0], [4.0, 8.0]]
    assert tolist(m2.corr)[0][1] == pytest.approx(1.0, rel=1e-15)


def test_chunked_equals_single_pass_and_merge_tree(data):
    X, w = data
    one = causal.Moments(3).update(X, w)
    parts = [causal.Moments(3).update(X[i:i + 37], w[i:i + 37])
             for i in range(0, 500, 37)]
    total = parts[0].copy()
    for p in parts[1:]:
        total.merge(p)
    check(total, ref_stats(X, w))
    s = sum(parts[1:], parts[0])  # __add__ returns new objects
    assert s.count == 500
    np.testing.assert_allclose(s.cov, one.cov, rtol=RTOL)
    assert parts[0].count == 37  # unchanged by +
    a = parts[0].copy()
    a += parts[1]
    assert a.count == 74


def test_large_offset_precision():
    rng = np.random.default_rng(3)
    x = 1e9 + rng.normal(size=10000) * 1e-3
    m = causal.Moments(1)
    for i in range(0, 10000, 1000):
        m.update(x[i:i + 1000])
    np.testing.assert_allclose(m.var, [np.var(x, ddof=1)], rtol=1e-9)


def test_serialization_and_pickle(data):
    X, w = data
    m = causal.Moments(3).update(X, w)
    b = m.to_bytes()
    assert isinstance(b, bytes) and len(b) > 0
    r = causal.Moments.from_bytes(b)
    np.testing.assert_array_equal(r.cov, m.cov)
    assert r.count == m.count
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        p = pickle.loads(pickle.dumps(m, protocol=proto))
        assert p.to_bytes() == b
    c = copy.copy(m)
    assert c.to_bytes() == b and copy.deepcopy(m).to_bytes() == b
    assert causal.Moments.from_bytes(bytearray(b)).count == 500


def test_corrupt_bytes():
    b = bytearray(causal.Moments(2).update([[1.0, 2.0], [3.0, 1.0]]).to_bytes())
    with pytest.raises(causal.CorruptDataError):
        causal.Moments.from_bytes(b[:-3])
    b2 = bytearray(b)
    b2[len(b2) // 2] ^= 0xFF
    with pytest.raises(causal.CorruptDataError):
        causal.Moments.from_bytes(b2)
    with pytest.raises(causal.CausalError):
        causal.Moments.from_bytes(b"")
    with pytest.raises(causal.CorruptDataError):
        causal.Moments.from_bytes(b"not a moments state at all........")


def test_update_errors_name_row_and_variable(mode):
    m = causal.Moments(2)
    with pytest.raises(causal.NonFiniteError) as ei:
        m.update([[1.0, 2.0], [3.0, float("nan")]])
    msg = str(ei.value)
    assert "x[1, 1]" in msg and "NaN" in msg, msg
    assert m.count == 0
    with pytest.raises(causal.OutOfRangeError) as ei:
        m.update([[1.0, 2.0], [3.0, 4.0]], weights=[1.0, -1.0])
    assert "w[1]" in str(ei.value) and "negative" in str(ei.value)
    with pytest.raises(causal.DimensionError):
        m.update([[1.0, 2.0, 3.0]])
    with pytest.raises(causal.DimensionError):
        m.update([[1.0, 2.0]], weights=[1.0, 2.0])
    with pytest.raises(causal.DimensionError):
        m.update([1.0, 2.0])


def test_state_unchanged_after_error():
    m = causal.Moments(1).update([1.0, 2.0])
    before = m.to_bytes()
    with pytest.raises(causal.NonFiniteError):
        m.update([3.0, float("inf")])
    assert m.to_bytes() == before


def test_empty_state_queries_raise():
    m = causal.Moments(2)
    with pytest.raises(causal.InvalidArgumentError):
        m.mean
    m.update(np.array([[1.0, 2.0]]))
    with pytest.raises(causal.InvalidArgumentError):
        m.var
    assert m.count == 1
    m.reset()
    assert m.count == 0


def test_merge_errors():
    with pytest.raises(causal.CausalError):
        causal.Moments(2).merge(causal.Moments(3))
    with pytest.raises(TypeError):
        causal.Moments(2).merge("x")
    with pytest.raises(causal.CausalError):
        causal.Moments(0)
    with pytest.raises(TypeError):
        causal.Moments(1.5)
    assert causal.Moments(1).__add__(3) is NotImplemented


def test_raw_get_wrong_length():
    m = causal.Moments(2).update([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(causal.DimensionError):
        m.get(4, 3)


def test_free_order_copies_survive():
    m = causal.Moments(1).update([1.0, 2.0, 3.0])
    c = m.copy()
    s = m + c
    del m
    gc.collect()
    assert s.count == 6 and c.count == 3
    c.close()
    assert s.count == 6
    with pytest.raises(ValueError, match="closed"):
        s.merge(c)
