"""Dataset: construction, column access, subsets, append, pandas, GC."""

import gc
import math
import weakref

import numpy as np
import pandas as pd
import pytest

import causal
from conftest import needs_dataset, tolist

pytestmark = needs_dataset


def is_missing(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def test_from_dict_types_and_missing(mode):
    ds = causal.Dataset({"x": [1.0, None, 3.5], "i": [1, 2, None],
                         "b": [True, None, False], "g": ["b", "a", None],
                         "n": [1, 2.5, 3]})
    assert ds.nrows == len(ds) == 3 and ds.ncols == 5
    assert ds.shape == (3, 5)
    assert ds.columns == ["x", "i", "b", "g", "n"] == list(ds)
    assert ds.dtypes == {"x": "f64", "i": "i64", "b": "bool", "g": "cat",
                         "n": "f64"}
    assert [ds.missing(c) for c in ds.columns] == [1, 1, 1, 1, 0]
    assert ds.categories("g") == ["a", "b"]
    assert tolist(ds.codes("g")) == [1, 0, -1]
    x = tolist(ds["x"])
    assert x[0] == 1.0 and is_missing(x[1]) and x[2] == 3.5
    i = tolist(ds["i"])
    assert i[:2] == [1, 2] and is_missing(i[2])
    assert tolist(ds["b"]) == [True, None, False]
    assert tolist(ds["g"]) == ["b", "a", None]
    assert tolist(ds.valid("i")) == [True, True, False]
    assert tolist(ds.valid("x")) == [True, False, True]
    assert tolist(ds.valid("g")) == [True, True, False]
    f = tolist(ds.to_f64("b"))
    assert f[0] == 1.0 and math.isnan(f[1]) and f[2] == 0.0
    assert tolist(ds.to_f64("g"))[:2] == [1.0, 0.0]
    assert "x" in ds and "zz" not in ds and 3 not in ds
    assert ds[0] == {"x": 1.0, "i": 1, "b": True, "g": "b", "n": 1.0}
    assert ds[-2]["x"] is None
    assert "3 rows x 5 columns" in repr(ds)


def test_complete_columns_keep_their_dtype():
    ds = causal.Dataset({"i": np.array([1, 2, 3]), "b": np.array([True, False, True]),
                         "f": np.array([1, 2], dtype=np.float32).repeat(2)[:3]})
    assert ds["i"].dtype == np.int64 and ds["b"].dtype == bool
    assert ds["f"].dtype == np.float64
    assert ds.dtypes == {"i": "i64", "b": "bool", "f": "f64"}


def test_numpy_column_types():
    ds = causal.Dataset({"u8": np.arange(3, dtype=np.uint8),
                         "i32": np.arange(3, dtype=np.int32),
                         "s": np.array(["x", "y", "x"]),
                         "o": np.array(["p", None, "q"], dtype=object)})
    assert ds.dtypes == {"u8": "i64", "i32": "i64", "s": "cat", "o": "cat"}
    assert ds["o"].tolist() == ["p", None, "q"]
    with pytest.raises(OverflowError, match="u"):
        causal.Dataset({"u": np.array([2**64 - 1], dtype=np.uint64)})


def test_explicit_type_and_valid_mask(mode):
    ds = causal.Dataset()
    ds.add_column("x", [1, 2, 3], type="f64", valid=[1, 0, 1])
    ds.add_column("k", [0, 1, 1], type=bool)
    ds.add_column("c", [1, 2, 1], type="cat")
    assert ds.dtypes == {"x": "f64", "k": "bool", "c": "cat"}
    assert ds.missing("x") == 1
    assert ds.categories("c") == ["1", "2"]
    with pytest.raises(ValueError, match="not a column type"):
        ds.add_column("y", [1], type="complex")


def test_add_categorical_codes(mode):
    ds = causal.Dataset()
    ds.add_categorical("g", [2, 0, -1, 1], ["lo", "mid", "hi"])
    assert ds.categories("g") == ["lo", "mid", "hi"]
    assert tolist(ds["g"]) == ["hi", "lo", None, "mid"]
    with pytest.raises(causal.CausalError) as ei:
        ds.add_categorical("h", [0, 5, 0, 0], ["a", "b"])
    assert "h" in str(ei.value)


def test_errors_name_the_column(mode):
    ds = causal.Dataset({"x": [1.0, 2.0]})
    with pytest.raises(causal.AlreadyExistsError) as ei:
        ds.add_column("x", [1.0, 2.0])
    assert "'x'" in str(ei.value) and ei.value.status == -18
    with pytest.raises(causal.DimensionError) as ei:
        ds.add_column("y", [1.0, 2.0, 3.0])
    assert "y" in str(ei.value)
    with pytest.raises(causal.NotFoundError) as ei:
        ds["nope"]
    assert isinstance(ei.value, KeyError) and "nope" in str(ei.value)
    with pytest.raises(causal.CausalError):
        ds.add_column("", [1.0, 2.0])
    with pytest.raises(causal.TypeMismatchError):
        ds.codes("x")
    with pytest.raises(TypeError, match="mixes"):
        ds.add_column("m", [1, "a"])
    with pytest.raises(TypeError, match="cannot store"):
        ds.add_column("m", [object(), 1.0])
    with pytest.raises(TypeError):
        causal.Dataset([1, 2])
    with pytest.raises(causal.NotFoundError):
        ds.column_type(5)
    with pytest.raises(IndexError):
        ds[7]


def test_subsets(mode):
    ds = causal.Dataset({"x": [0.0, 1.0, 2.0, 3.0, 4.0], "g": list("abcab")})
    sub = ds[[True, False, True, False, True]]
    assert tolist(sub["x"]) == [0.0, 2.0, 4.0]
    assert tolist(sub["g"]) == ["a", "c", "b"]
    t = ds.take([4, 0, 0, -1])
    assert tolist(t["x"]) == [4.0, 0.0, 0.0, 4.0]
    assert tolist(ds[1:3]["x"]) == [1.0, 2.0]
    assert tolist(ds.head(2)["x"]) == [0.0, 1.0]
    assert ds.take([]).nrows == 0
    sel = ds[["g"]]
    assert sel.columns == ["g"]
    assert ds.select("x").columns == ["x"]
    with pytest.raises(causal.CausalError) as ei:
        ds.take([0, 9])
    assert "9" in str(ei.value)
    with pytest.raises(causal.CausalError):
        ds.filter([True, False])
    with pytest.raises(causal.NotFoundError, match="zz"):
        ds.select(["x", "zz"])


def test_numpy_index_and_mask():
    ds = causal.Dataset({"x": np.arange(5.0)})
    assert ds[np.array([3, 1])]["x"].tolist() == [3.0, 1.0]
    assert ds[np.arange(5) > 2]["x"].tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match="integer"):
        ds.take(np.array([0.5]))


def test_append_unifies_labels(mode):
    a = causal.Dataset({"x": [1.0, 2.0], "g": ["a", "b"]})
    b = causal.Dataset({"x": [3.0], "g": ["c"]})
    assert a.append(b) is a
    assert tolist(a["x"]) == [1.0, 2.0, 3.0]
    assert tolist(a["g"]) == ["a", "b", "c"]
    a.append({"x": [4.0], "g": ["a"]})
    assert a.nrows == 4
    with pytest.raises(causal.CausalError):
        a.append(causal.Dataset({"x": [1], "g": ["a"]}))  # i64 vs f64


def test_copy_is_independent():
    a = causal.Dataset({"x": [1.0, 2.0]})
    c = a.copy()
    a.close()
    assert c["x"].tolist() == [1.0, 2.0]


def test_borrow_zero_copy_keeps_arrays_alive():
    x = np.arange(1000, dtype=np.float64)
    i = np.arange(1000, dtype=np.int64)
    ref = weakref.ref(x)
    ds = causal.Dataset.from_arrays(["x", "i"], [x, i])  # borrowed
    # The C dataset points into our array.
    from causal import _lib
    import ctypes
    p = ctypes.POINTER(ctypes.c_double)()
    v = ctypes.POINTER(ctypes.c_uint8)()
    _lib.call("causal_dataset_col_f64", ds._handle, 0, ctypes.byref(p),
              ctypes.byref(v))
    assert ctypes.cast(p, ctypes.c_void_p).value == x.ctypes.data
    del x
    gc.collect()
    assert ref() is not None  # kept alive by the Dataset
    assert ds["x"][999] == 999.0
    del ds
    gc.collect()
    assert ref() is None  # released with the C object


def test_borrow_noncontiguous_is_copied():
    x = np.arange(10.0)[::2]
    ds = causal.Dataset.from_arrays(["x"], [x])
    assert ds["x"].tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert ds._keep == []


def test_copy_mode_does_not_borrow():
    x = np.arange(3.0)
    ds = causal.Dataset({"x": x})
    x[0] = 99.0
    assert ds["x"][0] == 0.0


def test_column_access_returns_copies():
    ds = causal.Dataset({"x": [1.0, 2.0]})
    c = ds["x"]
    c[0] = 5.0
    assert ds["x"][0] == 1.0


def test_finalizer_order_parent_before_child():
    ds = causal.Dataset({"x": np.arange(10.0), "g": list("ababababab")})
    sub = ds[ds["x"] > 4]
    sel = ds.select(["g"])
    ds.close()
    del ds
    gc.collect()
    assert sub["x"].tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert sel.categories("g") == ["a", "b"]
    del sub
    gc.collect()
    assert sel.nrows == 10


def test_borrowed_parent_freed_before_subset():
    x = np.arange(6.0)
    ds = causal.Dataset.from_arrays(["x"], [x])
    sub = ds.take([5, 4])
    del ds, x
    gc.collect()
    assert sub["x"].tolist() == [5.0, 4.0]


def test_close_and_context_manager():
    with causal.Dataset({"x": [1.0]}) as ds:
        assert ds.nrows == 1
    assert ds.closed
    ds.close()
    with pytest.raises(ValueError, match="closed"):
        ds.nrows
    with pytest.raises(ValueError, match="closed"):
        with ds:
            pass
    assert "closed" in repr(ds)


def test_empty_dataset():
    ds = causal.Dataset()
    assert ds.nrows == 0 and ds.columns == []
    ds.add_column("x", np.array([], dtype=np.float64))
    assert ds.nrows == 0 and ds["x"].tolist() == []


def test_pandas_round_trip():
    df = pd.DataFrame({
        "f": [1.5, np.nan, -2.0, 4.0],
        "i": np.array([1, 2, 3, 4], dtype=np.int64),
        "ni": pd.array([1, None, 3, 4], dtype="Int64"),
        "b": [True, False, True, True],
        "nb": pd.array([True, None, False, True], dtype="boolean"),
        "c": pd.Categorical(["z", "y", None, "z"], categories=["z", "y", "x"]),
        "s": ["u", None, "v", "u"],
    })
    ds = causal.Dataset.from_pandas(df)
    assert ds.dtypes == {"f": "f64", "i": "i64", "ni": "i64", "b": "bool",
                         "nb": "bool", "c": "cat", "s": "cat"}
    assert ds.missing("ni") == 1 and ds.missing("nb") == 1
    assert ds.categories("c") == ["z", "y", "x"]
    back = ds.to_pandas()
    expect = df.copy()
    expect["s"] = pd.Categorical(df["s"], categories=["u", "v"])
    pd.testing.assert_frame_equal(back, expect, check_categorical=True)
    assert str(back["ni"].dtype) == "Int64"
    assert str(back["nb"].dtype) == "boolean"
    # Dataset(df) is the same as from_pandas
    assert causal.Dataset(df).dtypes == ds.dtypes


def test_pandas_zero_copy_float_column():
    df = pd.DataFrame({"x": np.arange(4.0)})
    ds = causal.Dataset.from_pandas(df, copy=False)
    assert ds["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert len(ds._keep) == 1


def test_pandas_unsupported_dtype():
    df = pd.DataFrame({"t": pd.to_datetime(["2020-01-01"])})
    with pytest.raises(TypeError, match="'t'"):
        causal.Dataset.from_pandas(df)
    with pytest.raises(TypeError, match="str"):
        causal.Dataset.from_pandas(pd.DataFrame({0: [1.0]}))


def test_to_pandas_without_numpy(nonumpy):
    ds = causal.Dataset({"x": [1.0]})
    with pytest.raises(ImportError):
        ds.to_pandas()


def test_lists_path_accepts_buffers(nonumpy):
    import array
    ds = causal.Dataset()
    ds.add_column("a", array.array("d", [1.0, 2.0]))
    ds.add_column("m", memoryview(array.array("q", [5, 6])))
    assert ds.dtypes == {"a": "f64", "m": "i64"}
    assert ds["m"] == [5, 6]
    assert ds.to_dict() == {"a": [1.0, 2.0], "m": [5, 6]}
