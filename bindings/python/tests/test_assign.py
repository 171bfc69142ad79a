"""causal.assign: the published spec-v1 vectors and configuration vectors
(tests/data/assign_*, produced by the pure-Python tests/ref/
assign_reference.py) reproduced through the library; errors."""
import csv
import os

import pytest

from conftest import requires, tolist

import causal
from causal import assign as ca

needs_assign = requires("causal_assign_config_new")
pytestmark = needs_assign

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
DATA = os.path.join(ROOT, "tests", "data")


def _vectors():
    rows = []
    with open(os.path.join(DATA, "assign_vectors.txt")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            s, i, b, _, _, h, k = line.split()
            unhex = (lambda x: b"" if x == "-" else bytes.fromhex(x))
            rows.append((unhex(s), unhex(i), int(b), int(h, 16), int(k)))
    return rows


def test_spec_vectors(mode):
    rows = _vectors()
    assert len(rows) == 55
    for salt, uid, B, h, k in rows:
        assert tolist(ca.hash_ids([uid], salt)) == [h]
        assert tolist(ca.bucket([uid], salt, B)) == [k]
    # str ids are hashed as UTF-8: same as their bytes
    salt = "ünïcødé-salt"
    assert tolist(ca.bucket(["Zoë", "用户-7"], salt, 1000)) == \
        tolist(ca.bucket(["Zoë".encode(), "用户-7".encode()],
                         salt.encode(), 1000))


def _config_vectors():
    out = {}
    with open(os.path.join(DATA, "assign_config_vectors.csv")) as f:
        for r in csv.DictReader(f):
            out.setdefault(r["scenario"], []).append(
                (r["id"], int(r["bucket"]), int(r["experiment"]),
                 int(r["variant"])))
    return out


def _scenario(name):
    if name == "A":
        c = ca.Config("top-A", 100)
        lay = c.add_layer(c.add_domain(0, 100), "exp-2024", 1000)
        e = c.add_experiment(lay, "ab", 0, 1000)
        c.add_variant(e, "control", 0.5)
        c.add_variant(e, "treatment", 0.5)
    elif name == "B":
        c = ca.Config("top-B", 100)
        lay = c.add_layer(c.add_domain(0, 100), "ramp", 97)
        e = c.add_experiment(lay, "r", 0, 97)
        for v, w in (("a", 0.2), ("b", 0.3), ("c", 0.5)):
            c.add_variant(e, v, w)
        c.set_exposure(e, 0.37)
    else:
        c = ca.Config("top-C", 100)
        c.set_holdout(0, 10)
        lay = c.add_layer(c.add_domain(10, 60), "L1", 1000)
        e = c.add_experiment(lay, "e1", 100, 500)
        c.add_variant(e, "control", 0.5)
        c.add_variant(e, "treatment", 0.5)
        c.set_exposure(e, 0.5)
        c.add_override(e, "u7", "treatment")
        e2 = c.add_experiment(lay, "e2", 600, 900)
        c.add_variant(e2, "x", 0.25)
        c.add_variant(e2, "y", 0.75)
    c.finalize()
    return c


def test_config_vectors(mode):
    vec = _config_vectors()
    for name in "ABC":
        rows = vec[name]
        with _scenario(name) as c:
            r = c.assign([x[0] for x in rows], layer=0)
            assert tolist(r["bucket"]) == [x[1] for x in rows]
            assert tolist(r["experiment"]) == [x[2] for x in rows]
            assert tolist(r["variant"]) == [x[3] for x in rows]
            u, b, e, v = rows[7]
            want = v if e in (-1, 0) else ca.OTHER_EXPERIMENT
            assert c.variant(u, 0) == want


def test_simple_assign_matches_scenarios(mode):
    vec = _config_vectors()
    ids = [x[0] for x in vec["A"]]
    r = ca.assign(ids, "exp-2024", 1000, {"control": 50, "treatment": 50})
    names = ["control", "treatment"]
    assert tolist(r["bucket"]) == [x[1] for x in vec["A"]]
    assert r["variant"] == [names[x[3]] for x in vec["A"]]
    r = ca.assign(ids, "ramp", 97, [("a", 2), ("b", 3), ("c", 5)],
                  exposure=0.37)
    assert r["variant"] == [("abc"[x[3]] if x[3] >= 0 else None)
                            for x in vec["B"]]
    # int ids are formatted in decimal
    assert tolist(ca.bucket([42], "s", 100)) == \
        tolist(ca.bucket(["42"], "s", 100))


def test_rampup_never_reassigns():
    ids = ["user-%d" % i for i in range(20000)]
    prev = None
    for e in (0.05, 0.2, 0.5, 1.0):
        v = ca.assign(ids, "ramp-py", 1000, ["a", "b", "c"],
                      exposure=e)["variant"]
        if prev is not None:
            assert all(p is None or p == q for p, q in zip(prev, v))
        prev = v
    assert None not in prev


def test_errors():
    with pytest.raises(causal.InvalidArgumentError, match="id 1 is empty"):
        ca.bucket(["a", "", "b"], "s", 10)
    with pytest.raises(causal.OutOfRangeError, match="buckets = 0"):
        ca.bucket(["a"], "s", 0)
    with pytest.raises(TypeError):
        ca.bucket("abc", "s", 10)
    with pytest.raises(TypeError):
        ca.bucket([1.5], "s", 10)
    c = ca.Config("cfg", 100)
    d = c.add_domain(0, 50)
    with pytest.raises(causal.InvalidArgumentError, match="overlaps"):
        c.add_domain(40, 60)
    lay = c.add_layer(d, "l", 10)
    e = c.add_experiment(lay, "x", 0, 10)
    c.add_variant(e, "a", 0.5)
    c.add_variant(e, "b", 0.4)
    c.add_override(e, "qa", "a")
    with pytest.raises(causal.AlreadyExistsError, match="qa"):
        c.add_override(e, "qa", "b")
    with pytest.raises(ValueError):
        c.add_override(e, "qa2", "zzz")
    with pytest.raises(causal.InvalidArgumentError, match="not finalized"):
        c.assign(["u1"])
    with pytest.raises(causal.InvalidArgumentError, match="sum to"):
        c.finalize()
    c.close()
    assert ca.bucket([], "s", 10) is not None
