"""Deterministic synthetic scenario with known true effects
(``causal_simulate_scenario``, include/causal/simulate.h; the model, the
truths and the demo pipeline are described in docs/demo.md)::

    import causal
    sc = causal.simulate_scenario(seed=20261122, rows=100_000)
    sc["rct"]        # Dataset: randomized experiment (~20% of user rows)
    sc["obs"]        # Dataset: observational users who self-selected
    sc["panel"]      # Dataset: units x 10 periods, staggered adoption
    sc["truth"]      # dict: rct_ate_revenue, obs_att_revenue, did_att, ...
    sc["rct"].to_pandas()      # with pandas; .to_dict() gives numpy arrays

The same (seed, rows) gives the same data in C, Python, R and the
``causal demo`` command.
"""

import ctypes

from . import _lib
from ._handle import new_out
from .dataset import Dataset
from .result import Result

__all__ = ["simulate_scenario"]

_P = ctypes.POINTER
_h = ctypes.c_void_p
_SIGNATURES = {
    "causal_simulate_scenario": (ctypes.c_int, [_P(_h), _P(_h), _P(_h),
                                                _P(_h), ctypes.c_uint64,
                                                ctypes.c_size_t]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

#: Smallest accepted total size (CAUSAL_SIMULATE_MIN_ROWS).
MIN_ROWS = 1000


def _count(value, name, hi):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError("%s must be an integer, not %r" % (name, value))
    if value < 0 or value > hi:
        from .errors import OutOfRangeError
        raise OutOfRangeError("%s = %d is out of range [0, %d]"
                              % (name, value, hi))
    return value


def simulate_scenario(seed=20261122, rows=3_000_000):
    """Generate the scenario: a dict with Datasets ``"rct"``, ``"obs"``,
    ``"panel"`` and ``"truth"``, a dict of the sample true effects and sizes
    (floats) plus ``"truth_definition"`` (str).

    ``seed``: integer in [0, 2**64); ``rows``: total rows (>= 1000),
    split as n_rct + n_obs + n_panel == rows (docs/demo.md)."""
    seed = _count(seed, "seed", 2 ** 64 - 1)
    rows = _count(rows, "rows", 2 ** 63 - 1)
    outs = [new_out() for _ in range(4)]
    _lib.call("causal_simulate_scenario", *(ctypes.byref(o) for o in outs),
              ctypes.c_uint64(seed), ctypes.c_size_t(rows))
    rct, obs, panel = (Dataset._wrap(o) for o in outs[:3])
    res = Result._wrap(outs[3])
    truth = {k: res[k] for k in res.keys()}
    return {"rct": rct, "obs": obs, "panel": panel, "truth": truth}
