"""CSV reading vs pandas, options, streaming."""

import gc
import os

import numpy as np
import pandas as pd
import pytest

import causal
from conftest import needs_csv, tolist

pytestmark = needs_csv

SMALL = os.path.join(os.path.dirname(__file__), "data", "small.csv")


def test_read_small_vs_pandas():
    ds = causal.read_csv(SMALL)
    ref = pd.read_csv(SMALL, keep_default_na=False, na_values=["", "NA"])
    assert ds.columns == list(ref.columns)
    assert ds.dtypes == {"id": "i64", "score": "f64", "group": "cat",
                         "flag": "bool", "note": "cat"}
    assert ds["id"].tolist() == ref["id"].tolist()
    np.testing.assert_array_equal(ds["score"], ref["score"].to_numpy())
    assert ds["group"].tolist() == [None if isinstance(v, float) else v
                                    for v in ref["group"]]
    assert ds["flag"].tolist() == [str(v).lower() == "true"
                                   for v in ref["flag"]]
    assert ds["note"].tolist() == [None if isinstance(v, float) else v
                                   for v in ref["note"]]
    back = ds.to_pandas()
    assert back["score"].isna().sum() == 1


def test_pathlike_and_dataset_classmethod(tmp_path):
    import pathlib
    ds = causal.Dataset.read_csv(pathlib.Path(SMALL))
    assert ds.nrows == 5


def test_options(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("1;x;-\n2;y;5\n")
    ds = causal.read_csv(p, delimiter=";", header=False, na=["-"],
                         types={"V1": "f64", "V3": int})
    assert ds.columns == ["V1", "V2", "V3"]
    assert ds.dtypes == {"V1": "f64", "V2": "cat", "V3": "i64"}
    assert ds.missing("V3") == 1
    assert tolist(ds["V1"]) == [1.0, 2.0]
    o = causal.CsvOptions(delimiter="\t", infer_rows=5, chunk_rows=7)
    assert o.get("delimiter") == ord("\t") and o.get("infer_rows") == 5
    assert o.get("chunk_rows") == 7 and o.get("header") == 1
    lo, hi = causal.CsvOptions.bounds("chunk_rows")
    assert lo == 1 and hi >= 65536
    ds2 = causal.read_csv_string("a\tb\n1\t2\n", options=o)
    assert ds2.columns == ["a", "b"]


def test_option_errors():
    with pytest.raises(ValueError, match="single byte"):
        causal.CsvOptions(delimiter=";;")
    with pytest.raises(causal.CausalError):
        causal.CsvOptions(delimiter='"')
    with pytest.raises(causal.OutOfRangeError):
        causal.CsvOptions(chunk_rows=0)
    with pytest.raises(ValueError, match="unknown CSV option"):
        causal.CsvOptions().set("colour", 1)
    with pytest.raises(ValueError, match="not a column type"):
        causal.CsvOptions(types={"x": "date"})
    with pytest.raises(TypeError):
        causal.read_csv_string("a\n1\n", options=causal.CsvOptions(),
                               header=True)


def test_read_string_and_bytes():
    ds = causal.read_csv_string("x,y\n1,a\n2,b\n")
    assert ds.dtypes == {"x": "i64", "y": "cat"}
    assert causal.read_csv_string(b"\xef\xbb\xbfx\n1.5\n")["x"].tolist() == [1.5]


def test_io_error_names_path():
    with pytest.raises(causal.CausalIOError) as ei:
        causal.read_csv("/nonexistent/dir/file.csv")
    assert isinstance(ei.value, OSError)
    assert "/nonexistent/dir/file.csv" in str(ei.value)


def test_parse_error_has_line_and_column():
    with pytest.raises(causal.ParseError) as ei:
        causal.read_csv_string("a,b\n1,2\n3,abc\n", types={"b": "f64"})
    msg = str(ei.value)
    assert "line 3" in msg and "'b'" in msg and "abc" in msg


def test_streaming_chunks_equal_whole_read(tmp_path):
    rng = np.random.default_rng(0)
    n = 1003
    df = pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 9, n),
                       "g": rng.choice(["a", "b", "c", "d"], n)})
    p = tmp_path / "big.csv"
    df.to_csv(p, index=False, float_format="%.17g")
    whole = causal.read_csv(p)
    chunks = list(causal.iter_csv(p, chunk_rows=100))
    assert [c.nrows for c in chunks] == [100] * 10 + [3]
    acc = chunks[0].copy()
    for c in chunks[1:]:
        acc.append(c)
    for col in ("x", "k", "g"):
        assert acc[col].tolist() == whole[col].tolist()
    np.testing.assert_array_equal(whole["x"], df["x"].to_numpy())
    # categorical codes consistent across chunks
    assert chunks[-1].categories("g")[:len(chunks[0].categories("g"))] == \
        chunks[0].categories("g")


def test_reader_object(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("a\n1\n2\n3\n")
    with causal.CsvReader(p, chunk_rows=2) as r:
        assert r.rows == 0
        c1 = r.read_chunk()
        assert c1.nrows == 2 and r.rows == 2
        c2 = next(r)
        assert c2["a"].tolist() == [3]
        assert r.read_chunk() is None
    assert r.closed
    assert list(r) == []  # closed reader iterates nothing
    # chunks outlive the reader
    del r
    gc.collect()
    assert c1["a"].tolist() == [1, 2]


def test_iter_csv_errors_are_eager():
    with pytest.raises(causal.CausalIOError):
        causal.iter_csv("/nonexistent.csv")


def test_streaming_type_promotion_error(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("a\n1\n2\n3.5\n")
    with pytest.raises(causal.ParseError) as ei:
        list(causal.iter_csv(p, chunk_rows=2, infer_rows=2))
    assert "line 4" in str(ei.value)


def test_generator_close_frees_reader(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("a\n" + "1\n" * 10)
    g = causal.iter_csv(p, chunk_rows=3)
    first = next(g)
    g.close()
    assert first.nrows == 3
