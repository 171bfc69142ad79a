"""Rng against numpy's PCG64 bit generator (state set explicitly)."""

import copy
import math

import numpy as np
import pytest

import causal
from conftest import needs_rng, tolist

pytestmark = needs_rng

MULT = 0x2360ED051FC65DA44385DF649FCCF645
M128 = (1 << 128) - 1


def seeded_state(seed, stream):
    """pcg_setseq_128_srandom_r, written independently from the header."""
    inc = ((stream << 1) | 1) & M128
    state = 0
    state = (state * MULT + inc) & M128
    state = (state + seed) & M128
    state = (state * MULT + inc) & M128
    return state, inc


def numpy_gen(state, inc):
    bg = np.random.PCG64()
    bg.state = {"bit_generator": "PCG64",
                "state": {"state": state, "inc": inc},
                "has_uint32": 0, "uinteger": 0}
    return bg


@pytest.mark.parametrize("seed,stream", [(0, 0), (42, 54), (2**64 - 1, 7),
                                         (12345, 2**64 - 1)])
def test_seeding_matches_reference(seed, stream):
    r = causal.Rng(seed, stream)
    assert r.state == seeded_state(seed, stream)


def test_raw_stream_matches_numpy_pcg64():
    r = causal.Rng(2024, 3)
    st, inc = r.state
    bg = numpy_gen(st, inc)
    ours = r.u64(1000)
    theirs = bg.random_raw(1000)
    assert ours.dtype == np.uint64
    assert np.array_equal(ours, theirs)
    # scalar draw continues the same stream
    assert r.u64() == int(bg.random_raw())


def test_uniform_matches_numpy_random():
    r = causal.Rng(7, 1)
    gen = np.random.Generator(numpy_gen(*r.state))
    assert np.array_equal(r.random(500), gen.random(500))
    x = r.random()
    assert isinstance(x, float) and x == gen.random()


def test_state_set_and_get_big_ints():
    r = causal.Rng()
    st = (1 << 127) + 12345678901234567890
    inc = (1 << 100) + 1
    r.state = (st, inc)
    assert r.state == (st, inc)
    bg = numpy_gen(st, inc)
    assert np.array_equal(r.u64(10), bg.random_raw(10))


def test_state_errors():
    r = causal.Rng()
    with pytest.raises(causal.InvalidArgumentError) as ei:
        r.state = (5, 4)  # even increment
    assert "inc" in str(ei.value).lower() or "odd" in str(ei.value).lower()
    with pytest.raises(ValueError):
        r.state = (1 << 128, 1)
    with pytest.raises(ValueError):
        r.state = (-1, 1)
    with pytest.raises(TypeError):
        r.state = 5
    with pytest.raises(TypeError):
        r.state = (1.5, 1)


@pytest.mark.parametrize("delta", [0, 1, 17, 2**64 - 1, 2**64, 2**100 + 3,
                                   2**128 - 1])
def test_advance_matches_numpy(delta):
    r = causal.Rng(99, 5)
    bg = numpy_gen(*r.state)
    assert r.advance(delta) is r
    bg.advance(delta)
    assert r.state[0] == bg.state["state"]["state"]
    assert np.array_equal(r.u64(5), bg.random_raw(5))


def test_advance_equals_drawing():
    a, b = causal.Rng(1), causal.Rng(1)
    a.u64(1234)
    b.advance(1234)
    assert a.state == b.state


def test_advance_errors():
    r = causal.Rng()
    with pytest.raises(ValueError):
        r.advance(-1)
    with pytest.raises(ValueError):
        r.advance(2**128)
    with pytest.raises(TypeError):
        r.advance(1.0)


def test_seed_errors():
    with pytest.raises(ValueError, match="seed"):
        causal.Rng(-1)
    with pytest.raises(ValueError, match="stream"):
        causal.Rng(0, 2**64)
    with pytest.raises(TypeError):
        causal.Rng("1")


def test_copy_and_clone_are_independent():
    r = causal.Rng(3)
    c = r.copy()
    assert c.state == r.state
    a = r.u64(4)
    assert c.state != r.state
    assert np.array_equal(c.u64(4), a)
    assert copy.copy(r).state == r.state
    assert copy.deepcopy(r).state == r.state


def test_streams_differ():
    assert not np.array_equal(causal.Rng(1, 0).u64(4), causal.Rng(1, 1).u64(4))


def test_integers(mode):
    r = causal.Rng(11)
    x = r.integers(6, 6000)
    vals = tolist(x)
    assert len(vals) == 6000 and min(vals) == 0 and max(vals) == 5
    # roughly uniform
    for k in range(6):
        assert abs(vals.count(k) - 1000) < 150
    if mode == "numpy":
        assert x.dtype == np.int64
    assert tolist(r.integers(1, 5)) == [0] * 5
    assert 0 <= r.integers(2**64) < 2**64
    big = r.integers(2**63 + 5, 10)
    assert all(0 <= v < 2**63 + 5 for v in tolist(big))
    with pytest.raises(ValueError, match="bound"):
        r.integers(0)
    with pytest.raises(ValueError, match="bound"):
        r.integers(2**64 + 1)
    with pytest.raises(ValueError):
        r.integers(5, -1)
    with pytest.raises(TypeError):
        r.integers(5, 2.0)


def lemire(raw, bound):
    """Lemire's multiply-and-reject bounded draw over a raw u64 iterator."""
    m = next(raw) * bound
    lo = m & (2**64 - 1)
    if lo < bound:
        threshold = (2**64 - bound) % bound
        while lo < threshold:
            m = next(raw) * bound
            lo = m & (2**64 - 1)
    return m >> 64


@pytest.mark.parametrize("bound", [1, 3, 6, 1000, 2**63 + 5, 2**64 - 1])
def test_integers_match_lemire_on_numpy_stream(bound):
    r = causal.Rng(77, 2)
    raw = iter(int(v) for v in numpy_gen(*r.state).random_raw(5000))
    expect = [lemire(raw, bound) for _ in range(1000)]
    assert tolist(r.integers(bound, 1000)) == expect


@pytest.mark.parametrize("name,args,mean,var", [
    ("normal", (2.0, 3.0), 2.0, 9.0),
    ("exponential", (4.0,), 0.25, 1 / 16),
    ("gamma", (2.5, 2.0), 5.0, 10.0),
    ("beta", (2.0, 5.0), 2 / 7, 10 / (49 * 8)),
    ("binomial", (20, 0.3), 6.0, 4.2),
    ("poisson", (3.5,), 3.5, 3.5),
])
def test_distribution_moments(mode, name, args, mean, var):
    r = causal.Rng(2023, 1)
    n = 40000
    x = tolist(getattr(r, name)(*args, n=n))
    assert len(x) == n
    m = sum(x) / n
    v = sum((a - m) ** 2 for a in x) / (n - 1)
    assert abs(m - mean) < 5 * math.sqrt(var / n)
    assert abs(v / var - 1) < 0.05
    one = getattr(r, name)(*args)
    assert isinstance(one, (int, float))


def test_integer_draw_types():
    r = causal.Rng(1)
    assert r.binomial(10, 0.5, n=3).dtype == np.int64
    assert r.poisson(2.0, n=3).dtype == np.int64
    assert isinstance(r.binomial(10.0, 0.5), int)
    with pytest.raises(TypeError):
        r.binomial(10.5, 0.5)


@pytest.mark.parametrize("call,words", [
    (lambda r: r.normal(0, -1, n=2), ["sd"]),
    (lambda r: r.exponential(0.0, n=2), ["rate"]),
    (lambda r: r.gamma(-1.0, 1.0, n=2), ["shape"]),
    (lambda r: r.gamma(1.0, 0.0, n=2), ["scale"]),
    (lambda r: r.beta(0.0, 1.0, n=2), ["a"]),
    (lambda r: r.binomial(-1, 0.5, n=2), ["trials"]),
    (lambda r: r.binomial(5, 1.5, n=2), ["p"]),
    (lambda r: r.poisson(-2.0, n=2), ["lambda"]),
    (lambda r: r.sample(3, 5), ["k"]),
])
def test_draw_errors(call, words):
    r = causal.Rng(1)
    with pytest.raises(causal.CausalError) as ei:
        call(r)
    assert isinstance(ei.value, ValueError)
    assert ei.value.status in (-1, -9)
    msg = str(ei.value)
    assert any(w in msg for w in words), msg


def test_shuffle_never_mutates(mode):
    r = causal.Rng(8)
    data = list(range(50))
    out = r.shuffle(data)
    assert data == list(range(50))
    assert sorted(out) == data and out != data
    arr = np.arange(20.0)
    before = arr.copy()
    if mode == "numpy":
        sh = r.shuffle(arr)
        assert np.array_equal(arr, before)
        assert sorted(sh.tolist()) == before.tolist()
    perm = r.shuffle(10)
    assert sorted(tolist(perm)) == list(range(10))
    assert tolist(r.permutation(0)) == []
    assert r.shuffle(["a"]) == ["a"]


def test_shuffle_is_fisher_yates_of_stream():
    # Same seed, same permutation; different seeds, different ones.
    assert tolist(causal.Rng(4).permutation(30)) == \
        tolist(causal.Rng(4).permutation(30))
    assert tolist(causal.Rng(4).permutation(30)) != \
        tolist(causal.Rng(5).permutation(30))


def test_sample(mode):
    r = causal.Rng(9)
    s = tolist(r.sample(1000, 50))
    assert len(s) == 50 == len(set(s)) and all(0 <= v < 1000 for v in s)
    assert sorted(tolist(r.sample(5, 5))) == list(range(5))
    assert tolist(r.sample(5, 0)) == []
    with pytest.raises(ValueError):
        r.sample(5, -1)


def test_closed_generator():
    r = causal.Rng(1)
    r.close()
    r.close()  # idempotent
    assert r.closed
    with pytest.raises(ValueError, match="closed"):
        r.random()
    assert "closed" in repr(r)
    with causal.Rng(2) as g:
        g.random()
    assert g.closed
