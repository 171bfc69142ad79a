"""Out-of-core regression: causal.RegressionAccumulator and stream_fit.

The reference is the in-memory fit of the same data (causal.ols /
causal.logit, themselves checked against R and statsmodels in
test_regress.py): streamed, merged and pickled fits must agree with it to
1e-10 (estimates relative to max(|b|, SE), standard errors relative)."""

import copy
import csv
import os
import pickle
import random

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_regress_acc_new", "causal_regress_fit")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
LALONDE = os.path.join(ROOT, "data", "lalonde.csv")
TOL = 1e-10
LEVELS = ["a", "b", "c", "d"]


def make_data(n=60, seed=7):
    """Synthetic data (plain lists): a 4-level categorical g, an integer
    column k for C(k), 9 clusters, weights, one NaN and one missing level
    (two dropped rows), a binary outcome b."""
    r = random.Random(seed)
    d = {"x1": [], "x2": [], "g": [], "k": [], "cl": [], "w": [], "y": [],
         "b": [], "junk": []}
    for i in range(n):
        x1, x2 = r.gauss(0, 1), r.random()
        g = LEVELS[r.randrange(4)]
        y = 1 + 2 * x1 - x2 + 0.5 * (g == "b") + r.gauss(0, 1) * (1 + x2)
        d["x1"].append(x1)
        d["x2"].append(x2)
        d["g"].append(g)
        d["k"].append(r.randrange(1, 4))
        d["cl"].append(r.randrange(1, 10))
        d["w"].append(0.5 + 1.5 * r.random())
        d["y"].append(y)
        d["b"].append(int(y + r.gauss(0, 1) > 1.5))
        d["junk"].append("row%d" % i)  # an extra column, ignored
    d["x2"][5] = None
    d["g"][11] = None
    return d


DATA = make_data()
N = len(DATA["y"])


def chunks_of(d, size, start=0, stop=None):
    """Dict chunks of rows [start, stop) of d, ``size`` rows each."""
    stop = len(d["y"]) if stop is None else stop
    return [{c: v[i:min(i + size, stop)] for c, v in d.items()}
            for i in range(start, stop, size)]


def agree(got, ref, tol=TOL):
    """Largest discrepancy between two regression results (asserting the
    structure is identical)."""
    assert got.terms == ref.terms
    assert got.nobs == ref.nobs
    assert got["n_dropped"] == ref["n_dropped"]
    assert got["vcov_type"] == ref["vcov_type"]
    assert got["df"] == ref["df"] or (got["df"] != got["df"] and
                                      ref["df"] != ref["df"])
    worst = 0.0
    for t in ref.terms:
        b, se = ref.params[t], ref.std_errors[t]
        worst = max(worst, abs(got.params[t] - b) / max(abs(b), se),
                    abs(got.std_errors[t] - se) / se)
    if "n_clusters" in ref and got.kind == "logit":
        # OLS: see test_ols_n_clusters (a library bug)
        assert got["n_clusters"] == ref["n_clusters"]
    for q in ("r_squared", "sigma", "rss", "deviance", "null_deviance",
              "loglik"):
        if q in ref:
            worst = max(worst, abs(got[q] - ref[q]) / max(abs(ref[q]), 1e-300))
    assert worst <= tol, worst
    return worst


def run(acc, chunks):
    """Feed the same chunks in every pass until converged."""
    while not acc.converged:
        for c in chunks:
            acc.update(c)
        acc.next_pass()
    return acc.fit()


SCHEMA0 = {"y": [], "b": [], "x1": [], "x2": [], "g": [], "k": [], "cl": [],
           "w": []}


def new_acc(family, model, **kw):
    kw.setdefault("schema", SCHEMA0)
    kw.setdefault("levels", {"g": LEVELS})
    return causal.RegressionAccumulator(family, model, **kw)


CASES = [
    ("ols", "y ~ x1 + x2 + g + x1:g", {}, 1),
    ("ols", "y ~ x1 + x2 + g", dict(vcov="HC1"), 2),
    ("ols", "y ~ x1 + x2 + g", dict(vcov="HC0"), 2),
    ("ols", "y ~ x1 + x2 + g", dict(cluster="cl"), 2),          # CR1
    ("ols", "y ~ x1 + x2 + g", dict(cluster="cl", ssc="stata"), 2),
    ("ols", "y ~ x1 + x2 + g", dict(weights="w"), 1),
    ("ols", "y ~ x1 + x2 + g", dict(weights="w", vcov="HC1"), 2),
    ("ols", "y ~ x1 + x2 + g", dict(weights="w", cluster="cl"), 2),
    ("logit", "b ~ x1 + x2 + g", {}, None),
    ("logit", "b ~ x1 + x2 + g", dict(vcov="HC1"), None),
    ("logit", "b ~ x1 + x2 + g", dict(cluster="cl"), None),
    ("logit", "b ~ x1 + x2 + g", dict(weights="w", vcov="HC1"), None),
]


def reference(family, model, kw):
    return getattr(causal, family)(DATA, model, **kw)


@pytest.mark.parametrize("family,model,kw,passes", CASES)
def test_streamed_equals_in_memory(family, model, kw, passes):
    ref = reference(family, model, kw)
    assert ref["n_dropped"] == 2
    for size in (1, 7, 13, N):
        fit = run(new_acc(family, model, **kw), chunks_of(DATA, size))
        agree(fit, ref)
        if passes is not None:
            assert fit["passes"] == passes
        else:  # Newton steps plus the evaluation pass
            assert fit["passes"] == fit["iterations"] + 1 >= 3
        assert isinstance(fit, causal.RegressionResult)


def test_ols_n_clusters():
    ref = causal.ols(DATA, "y ~ x1 + g", cluster="cl")
    fit = run(new_acc("ols", "y ~ x1 + g", cluster="cl"), chunks_of(DATA, 9))
    assert fit["n_clusters"] == ref["n_clusters"] == 9


def test_every_chunk_size():
    ref = causal.ols(DATA, "y ~ x1 + x2 + g", vcov="HC1")
    worst = 0.0
    for size in range(1, N + 1):
        fit = run(new_acc("ols", "y ~ x1 + x2 + g", vcov="HC1"),
                  chunks_of(DATA, size))
        worst = max(worst, agree(fit, ref))
    assert worst < 1e-12  # typically a few 1e-15
    lref = causal.logit(DATA, "b ~ x1 + g", cluster="cl")
    for size in range(1, N + 1, 4):
        agree(run(new_acc("logit", "b ~ x1 + g", cluster="cl"),
                  chunks_of(DATA, size)), lref)


def split_points(rng, n, parts):
    cuts = sorted(rng.sample(range(1, n), parts - 1))
    return list(zip([0] + cuts, cuts + [n]))


def merge_tree(rng, states):
    """Merge the states in a random binary tree; some nodes go through a
    pickle or bytes round trip first."""
    states = list(states)
    while len(states) > 1:
        i = rng.randrange(len(states) - 1)
        a, b = states[i], states[i + 1]
        if rng.random() < 0.3:
            b = pickle.loads(pickle.dumps(b))
        if rng.random() < 0.5:
            merged = a + b
        else:
            merged = a.copy()
            merged += b
        states[i:i + 2] = [merged]
    return states[0]


@pytest.mark.parametrize("family,model,kw,passes", CASES)
def test_merge_trees_across_partitions(family, model, kw, passes):
    ref = reference(family, model, kw)
    rng = random.Random(hash(model + str(kw)) & 0xFFFF)
    for trial in range(3):
        parts = split_points(rng, N, rng.randrange(2, 7))
        base = new_acc(family, model, **kw)
        while not base.converged:
            # every partition starts from the same base state
            states = []
            for lo, hi in parts:
                s = base.copy() if rng.random() < 0.5 else \
                    causal.RegressionAccumulator.from_bytes(
                        base.to_bytes(), categorical=["g"])
                for c in chunks_of(DATA, rng.randrange(1, 9), lo, hi):
                    s.update(c)
                states.append(s)
            base = merge_tree(rng, states)
            base.next_pass()
        agree(base.fit(), ref)


def test_sum_of_partitions_and_operators():
    ref = causal.ols(DATA, "y ~ x1 + g", cluster="cl")
    base = new_acc("ols", "y ~ x1 + g", cluster="cl")
    halves = [(0, 25), (25, N)]
    while not base.converged:
        parts = []
        for lo, hi in halves:
            p = base.copy()
            for c in chunks_of(DATA, 10, lo, hi):
                p.update(c)
            parts.append(p)
        before = parts[1].to_bytes()
        base = sum(parts)
        assert parts[1].to_bytes() == before  # src is not modified
        base.next_pass()
    agree(base.fit(), ref)
    with pytest.raises(TypeError):
        base.merge(causal.Moments(1))
    with pytest.raises(TypeError):
        base + 1


def test_pickle_and_bytes_mid_stream():
    ref = causal.logit(DATA, "b ~ x1 + x2 + g", weights="w", cluster="cl")
    acc = new_acc("logit", "b ~ x1 + x2 + g", weights="w", cluster="cl")
    chunks = chunks_of(DATA, 8)
    while not acc.converged:
        for i, c in enumerate(chunks):
            acc.update(c)
            if i == 3:  # round trips in the middle of every pass
                acc = pickle.loads(pickle.dumps(acc))
                acc = copy.deepcopy(acc)
                raw = acc.to_bytes()
                again = causal.RegressionAccumulator.from_bytes(
                    raw, categorical=["g"])
                assert again.to_bytes() == raw
                assert again.pass_number == acc.pass_number
        p = acc.pass_number
        acc.next_pass()
        assert acc.converged or acc.pass_number == p + 1
    fit = acc.fit()
    agree(fit, ref)
    # pickling keeps the Python-side settings (labels of the printout)
    assert str(fit).startswith("Logistic regression: b ~ x1 + x2 + g")
    assert "(closed)" in repr(_closed(acc))


def _closed(acc):
    acc.close()
    return acc


def test_schema_forms_and_levels():
    ref = causal.ols(DATA, "y ~ x1 + g", vcov="HC1")
    chunks = chunks_of(DATA, 9)
    # the full data as schema (its levels are all present)
    agree(run(causal.RegressionAccumulator("ols", "y ~ x1 + g", vcov="HC1",
                                           schema=DATA), chunks), ref)
    # a Dataset with 0 rows and a categorical column
    ds0 = causal.Dataset({"y": [1.0], "x1": [2.0], "g": ["c"]})
    ds0 = ds0.take([])
    acc = causal.RegressionAccumulator("ols", "y", ["x1", "g"], vcov="HC1",
                                       schema=ds0, levels={"g": LEVELS})
    agree(run(acc, chunks), ref)
    # the level order sets the reference level
    fit = run(new_acc("ols", "y ~ x1 + g", vcov="HC1",
                      levels={"g": ["c", "a", "b", "d"]}), chunks)
    refc = causal.ols(DATA, "y ~ x1 + g", vcov="HC1", reference={"g": "c"})
    assert fit.terms == ["(Intercept)", "x1", "g[a]", "g[b]", "g[d]"]
    agree(fit, refc)
    # C() of an integer column, schema from the first chunks only through
    # levels
    refk = causal.ols(DATA, "y ~ x1 + C(k)")
    fit = run(new_acc("ols", "y ~ x1 + C(k)", levels={"k": [1, 2, 3]}),
              chunks)
    assert "k[2]" in fit.terms
    agree(fit, refk)
    with pytest.raises(causal.InvalidArgumentError, match="not among"):
        new_acc("ols", "y ~ x1 + g", schema=DATA, levels={"g": ["a", "b"]})
    with pytest.raises(causal.InvalidArgumentError, match="not distinct"):
        new_acc("ols", "y ~ x1 + g", levels={"g": ["a", "a"]})
    with pytest.raises(TypeError):
        new_acc("ols", "y ~ x1 + g", levels={"g": "abcd"})


def test_chunk_types(mode):
    """Dicts, Datasets and pandas DataFrames as chunks; with and without
    numpy."""
    ref = causal.ols(DATA, "y ~ x1 + x2 + g", weights="w", vcov="HC1")
    chunks = [causal.Dataset(c) for c in chunks_of(DATA, 11)]
    agree(run(new_acc("ols", "y ~ x1 + x2 + g", weights="w", vcov="HC1"),
              chunks), ref)
    if mode == "numpy":
        pd = pytest.importorskip("pandas")
        df = pd.DataFrame(DATA)
        frames = [df.iloc[i:i + 13] for i in range(0, N, 13)]
        agree(run(new_acc("ols", "y ~ x1 + x2 + g", weights="w",
                          vcov="HC1", schema=df.iloc[:0]), frames), ref)


def test_lalonde_csv_stream(tmp_path):
    """stream_fit over causal.iter_csv re-reading a file in every pass,
    against causal.ols / causal.logit of the whole file."""
    ds = causal.read_csv(LALONDE)
    for family, model, kw in (
            ("ols", "re78 ~ treat + age + educ + race + married + re74",
             dict(vcov="HC1")),
            ("ols", "re78 ~ treat + age + race", dict(cluster="educ")),
            ("logit", "treat ~ age + educ + race + married + re74 + re75",
             dict(vcov="HC0"))):
        ref = getattr(causal, family)(ds, model, **kw)
        passes = []

        def make_chunks():
            passes.append(1)
            return causal.iter_csv(LALONDE, chunk_rows=97)
        fit = causal.stream_fit(family, make_chunks, model, **kw)
        agree(fit, ref)
        assert len(passes) == fit["passes"]
        assert "Out-of-core fit: %d passes" % len(passes) in str(fit)
    # the same table lines as causal.ols
    ref = causal.ols(ds, "re78", ["treat", "age", "race"])
    fit = causal.stream_fit("ols", lambda: causal.iter_csv(LALONDE,
                                                           chunk_rows=50),
                            "re78", ["treat", "age", "race"])
    assert str(fit).splitlines()[:8] == str(ref).splitlines()[:8]
    assert "Out-of-core fit: 1 pass over" in str(fit)


def test_stream_fit_sources():
    ref = causal.ols(DATA, "y ~ x1 + g", cluster="cl")
    chunks = chunks_of(DATA, 6)
    # a list is re-iterable; the first chunk lacks level 'b' -> give levels
    with pytest.raises(causal.InvalidArgumentError,
                       match="level 'b'.*chunk 2; the schema was the first"):
        causal.stream_fit("ols", chunks, "y ~ x1 + g", cluster="cl")
    agree(causal.stream_fit("ols", chunks, "y ~ x1 + g", cluster="cl",
                            levels={"g": LEVELS}), ref)
    agree(causal.stream_fit("ols", lambda: iter(chunks), "y", ["x1", "g"],
                            schema=SCHEMA0, levels={"g": LEVELS},
                            cluster="cl"), ref)
    with pytest.raises(TypeError, match="iterator"):
        causal.stream_fit("ols", iter(chunks), "y ~ x1 + g")
    with pytest.raises(TypeError):
        causal.stream_fit("ols", 3, "y ~ x1 + g")
    with pytest.raises(causal.InvalidArgumentError, match="no chunks"):
        causal.stream_fit("ols", lambda: [], "y ~ x1 + g")
    # a pass that sees other rows: the library's error, with where it arose
    seen = []

    def shrinking():
        seen.append(1)
        return chunks if len(seen) == 1 else chunks[:-1]
    with pytest.raises(causal.InvalidArgumentError, match="pass 2"):
        causal.stream_fit("ols", shrinking, "y ~ x1 + g", cluster="cl",
                          levels={"g": LEVELS})


def test_errors():
    acc = new_acc("ols", "y ~ x1 + g", vcov="HC1")
    bad = {"y": [1.0, 2.0], "x1": [0.5, 0.1], "g": ["a", "e"]}
    before = acc.to_bytes()
    with pytest.raises(causal.InvalidArgumentError, match="level 'e'"):
        acc.update(bad)
    assert acc.to_bytes() == before  # unchanged by the failed update
    with pytest.raises(causal.NotFoundError, match="x1"):
        acc.update({"y": [1.0], "g": ["a"]})
    with pytest.raises(causal.TypeMismatchError):
        acc.update({"y": [1.0], "x1": ["u"], "g": ["a"]})
    with pytest.raises(causal.NonFiniteError):
        acc.update({"y": [1.0], "x1": [float("inf")], "g": ["a"]})
    with pytest.raises(TypeError):
        acc.update([1, 2, 3])
    with pytest.raises(causal.InvalidArgumentError):  # fit before the end
        acc.fit()
    # merging states of different passes
    for c in chunks_of(DATA, 20):
        acc.update(c)
    other = acc.copy()
    acc.next_pass()
    assert acc.pass_number == 2 and other.pass_number == 1
    with pytest.raises(causal.InvalidArgumentError, match="pass"):
        acc.merge(other)
    with pytest.raises(causal.InvalidArgumentError):
        acc.merge(acc)
    # another specification
    with pytest.raises(causal.InvalidArgumentError, match="x1.*x2"):
        other.merge(new_acc("ols", "y ~ x2 + g", vcov="HC1"))
    for c in chunks_of(DATA, 20):
        acc.update(c)
    assert acc.next_pass() is True
    with pytest.raises(causal.InvalidArgumentError):  # after the last pass
        acc.update(chunks_of(DATA, 5)[0])
    # unsupported out-of-core
    for kw in (dict(vcov="HC3"), dict(cluster=["cl", "k"])):
        with pytest.raises(causal.InvalidArgumentError):
            new_acc("ols", "y ~ x1", **kw)
    with pytest.raises(causal.InvalidArgumentError, match="absorb"):
        new_acc("ols", "y ~ x1 | g")
    with pytest.raises(causal.InvalidArgumentError, match="family"):
        new_acc("iv", "y ~ x1")
    with pytest.raises(causal.NotFoundError, match="'w'"):  # not in schema
        causal.RegressionAccumulator("ols", "y ~ x1", weights="w",
                                     schema={"y": [], "x1": []})
    with pytest.raises(causal.NotFoundError, match="'zz'"):
        causal.RegressionAccumulator("ols", "y ~ zz", schema={"y": []})
    # bytes: corrupt, truncated, another kind
    raw = bytearray(acc.to_bytes())
    raw[len(raw) // 2] ^= 0x10
    with pytest.raises(causal.CorruptDataError):
        causal.RegressionAccumulator.from_bytes(bytes(raw))
    with pytest.raises(causal.CorruptDataError):
        causal.RegressionAccumulator.from_bytes(acc.to_bytes()[:40])
    with pytest.raises(causal.CorruptDataError):
        causal.RegressionAccumulator.from_bytes(b"")
    m = causal.Moments(1).update([1.0, 2.0])
    with pytest.raises(causal.TypeMismatchError):
        causal.RegressionAccumulator.from_bytes(m.to_bytes())
    with pytest.raises(TypeError):
        causal.RegressionAccumulator.from_bytes("text")
    # logit outcome not 0/1
    lacc = new_acc("logit", "y ~ x1")
    with pytest.raises(causal.InvalidArgumentError):
        run(lacc, chunks_of(DATA, 30))


def test_repr_and_state():
    acc = new_acc("logit", "b ~ x1 + g", cluster="cl")
    assert acc.pass_number == 1 and not acc.converged
    assert "b ~ x1 + g, pass 1" in repr(acc)
    fit = run(acc, chunks_of(DATA, 17))
    assert "converged" in repr(acc)
    assert fit["vcov_type"] == "CR1"
    s = str(fit)
    assert s.startswith("Logistic regression: b ~ x1 + g")
    assert "Standard errors: CR1, 9 clusters" in s
    raw = causal.RegressionAccumulator.from_bytes(acc.to_bytes())
    assert "(from bytes)" in repr(raw)
    assert raw.fit().terms == fit.terms
    with acc:
        pass
    assert acc.closed
    with pytest.raises(ValueError):
        acc.update(DATA)


def test_csv_round_trip_matches_dict(tmp_path):
    """CSV chunks (types inferred per file: g categorical, k integer) give
    the same fit as the dict chunks."""
    path = tmp_path / "d.csv"
    cols = [c for c in DATA if c != "junk"]
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(cols)
        for i in range(N):
            wr.writerow(["NA" if DATA[c][i] is None else repr(DATA[c][i])
                         if isinstance(DATA[c][i], float) else DATA[c][i]
                         for c in cols])
    ref = causal.ols(DATA, "y ~ x1 + x2 + g", weights="w", cluster="cl")
    fit = causal.stream_fit(
        "ols", lambda: causal.iter_csv(str(path), chunk_rows=7),
        "y ~ x1 + x2 + g", weights="w", cluster="cl", levels={"g": LEVELS})
    agree(fit, ref)
