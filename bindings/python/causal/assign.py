"""Deterministic traffic assignment (include/causal/assign.h).

The bucket of an id is a versioned specification (docs/methods/assign.md,
spec version 1: SipHash-2-4 keyed by the salt, multiply-high to B buckets),
so this module, a C/C++ service linking libcausal, the R package and the
``causal assign`` command give every unit the same bucket and variant::

    import causal
    causal.assign.bucket(["u1", "u2"], salt="exp-2024", buckets=1000)
    r = causal.assign.assign(user_ids, salt="exp-2024", buckets=1000,
                             variants={"control": 50, "treatment": 50})
    r["bucket"], r["variant"]         # variant names (None: not exposed)

    cfg = causal.assign.Config("top", 100)        # layers and domains
    d = cfg.add_domain(0, 100)
    ui = cfg.add_layer(d, "ui-layer", 1000)
    e = cfg.add_experiment(ui, "button", 0, 500)
    cfg.add_variant(e, "control", 0.5); cfg.add_variant(e, "green", 0.5)
    cfg.set_exposure(e, 0.1)                      # ramp up later: 0.5, 1
    cfg.add_override(e, "qa-account-1", "green")
    cfg.finalize()
    cfg.assign(user_ids, layer=ui)    # dict of bucket, experiment, variant

Ids are str (hashed as UTF-8), bytes (as is) or int (formatted in
decimal). An empty id raises InvalidArgumentError naming its position.
Negative variant codes say why a unit has no variant: HOLDOUT,
OUTSIDE_DOMAIN, UNALLOCATED, NOT_EXPOSED, OTHER_EXPERIMENT.
"""

import array
import ctypes
import itertools

from . import _compat, _lib
from ._handle import Handle, new_out

__all__ = ["hash_ids", "bucket", "assign", "Config", "SPEC_VERSION",
           "HOLDOUT", "OUTSIDE_DOMAIN", "UNALLOCATED", "NOT_EXPOSED",
           "OTHER_EXPERIMENT", "REASONS"]

_P = ctypes.POINTER
_i64, _u64, _vp = ctypes.c_int64, ctypes.c_uint64, ctypes.c_void_p
_cp = ctypes.c_char_p
_SIGNATURES = {
    "causal_assign_hash": (ctypes.c_int, [_cp, _cp, ctypes.c_size_t,
                                          _P(_u64)]),
    "causal_assign_bucket": (ctypes.c_int, [_cp, _u64, _cp, ctypes.c_size_t,
                                            _P(_u64)]),
    "causal_assign_buckets": (ctypes.c_int, [_cp, _u64, _vp, _vp,
                                             ctypes.c_size_t, _vp]),
    "causal_assign_siphash24": (ctypes.c_int, [_u64, _u64, _vp,
                                               ctypes.c_size_t, _P(_u64)]),
    "causal_assign_config_new": (ctypes.c_int, [_P(_vp), _cp, _u64]),
    "causal_assign_config_free": (None, [_vp]),
    "causal_assign_set_holdout": (ctypes.c_int, [_vp, _u64, _u64]),
    "causal_assign_add_domain": (ctypes.c_int, [_vp, _u64, _u64, _P(_i64)]),
    "causal_assign_add_layer": (ctypes.c_int, [_vp, _i64, _cp, _u64,
                                               _P(_i64)]),
    "causal_assign_add_experiment": (ctypes.c_int, [_vp, _i64, _cp, _u64,
                                                    _u64, _P(_i64)]),
    "causal_assign_add_variant": (ctypes.c_int, [_vp, _i64, _cp,
                                                 ctypes.c_double, _P(_i64)]),
    "causal_assign_set_exposure": (ctypes.c_int, [_vp, _i64,
                                                  ctypes.c_double]),
    "causal_assign_add_override": (ctypes.c_int, [_vp, _i64, _cp,
                                                  ctypes.c_size_t, _i64]),
    "causal_assign_finalize": (ctypes.c_int, [_vp]),
    "causal_assign_count": (ctypes.c_int, [_vp, _P(_i64), _P(_i64),
                                           _P(_i64)]),
    "causal_assign_experiment_info": (ctypes.c_int, [_vp, _i64, _P(_cp),
                                                     _P(_i64), _P(_i64)]),
    "causal_assign_variant_name": (ctypes.c_int, [_vp, _i64, _i64,
                                                  _P(_cp)]),
    "causal_assign_unit": (ctypes.c_int, [_vp, _cp, ctypes.c_size_t, _i64,
                                          _P(_i64), _P(_i64)]),
    "causal_assign_variant": (ctypes.c_int, [_vp, _cp, ctypes.c_size_t,
                                             _i64, _P(_i64)]),
    "causal_assign_batch": (ctypes.c_int, [_vp, _i64, _vp, _vp,
                                           ctypes.c_size_t, _vp, _vp, _vp]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

# ---- pinned constants (include/causal/assign.h) --------------------------
SPEC_VERSION = 1
HOLDOUT, OUTSIDE_DOMAIN, UNALLOCATED, NOT_EXPOSED, OTHER_EXPERIMENT = \
    -1, -2, -3, -4, -5
#: code -> name of the reasons for "no variant"
REASONS = {HOLDOUT: "holdout", OUTSIDE_DOMAIN: "outside_domain",
           UNALLOCATED: "unallocated", NOT_EXPOSED: "not_exposed",
           OTHER_EXPERIMENT: "other_experiment"}


def _encode_id(x, i):
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x).encode("ascii")
    if hasattr(x, "item"):  # numpy scalar
        return _encode_id(x.item(), i)
    raise TypeError("ids[%d] = %r is not str, bytes or int" % (i, x))


class _Packed:
    """ids packed into one buffer with n + 1 int64 offsets (kept alive)."""

    def __init__(self, ids):
        if isinstance(ids, (str, bytes)):
            raise TypeError("ids must be a sequence of ids, not a single "
                            "string")
        enc = [_encode_id(x, i) for i, x in enumerate(ids)]
        self.n = len(enc)
        self.data = b"".join(enc)
        self.offsets = array.array("q", [0])
        self.offsets.extend(itertools.accumulate(len(e) for e in enc))
        self._buf = ctypes.create_string_buffer(self.data, len(self.data) + 1)
        self.data_ptr = ctypes.cast(self._buf, _vp)
        self.off_ptr = _vp(self.offsets.buffer_info()[0])


def hash_ids(ids, salt):
    """64-bit spec-v1 hashes of ``ids`` under ``salt`` (uint64 array or
    list of int)."""
    p = _Packed(ids)
    out = array.array("Q", bytes(8 * p.n))
    s = _compat.encode(salt, "salt")
    for i in range(p.n):  # the C API hashes one id per call
        h = _u64()
        a, b = p.offsets[i], p.offsets[i + 1]
        _lib.call("causal_assign_hash", s, p.data[a:b] or None, b - a,
                  ctypes.byref(h))
        out[i] = h.value
    np = _compat.numpy()
    return np.array(out, dtype=np.uint64) if np is not None else out.tolist()


def bucket(ids, salt, buckets):
    """Spec-v1 buckets ``floor(hash * buckets / 2^64)`` of ``ids``."""
    p = _Packed(ids)
    out = array.array("Q", bytes(8 * max(p.n, 1)))
    _lib.call("causal_assign_buckets", _compat.encode(salt, "salt"),
              int(buckets), p.data_ptr, p.off_ptr, p.n,
              _vp(out.buffer_info()[0]))
    out = out[:p.n]
    np = _compat.numpy()
    return np.array(out, dtype=np.int64) if np is not None else out.tolist()


def _weights(variants):
    """dict / list of (name, weight) / list of names -> [(name, w)] with
    weights normalized to sum 1 (so percentages work)."""
    if isinstance(variants, dict):
        items = list(variants.items())
    else:
        items = [(v, 1.0) if isinstance(v, str) else tuple(v)
                 for v in variants]
    if not items:
        raise ValueError("variants is empty")
    total = float(sum(w for _, w in items))
    if not total > 0:
        raise ValueError("variant weights must be positive")
    return [(str(n), float(w) / total) for n, w in items]


class Config(Handle):
    """A traffic-assignment configuration (``causal_assign_config``).

    Build it with the add/set methods (indices are returned), call
    :meth:`finalize`, then :meth:`assign`. See docs/methods/assign.md."""

    _free_name = "causal_assign_config_free"
    _type_name = "assignment config"

    def __init__(self, salt, buckets):
        out = new_out()
        _lib.call("causal_assign_config_new", ctypes.byref(out),
                  _compat.encode(salt, "salt"), int(buckets))
        self._adopt(out)
        self._names = {}  # experiment -> [variant names]

    def _idx(self, name, *args):
        i = _i64()
        _lib.call(name, self._handle, *args, ctypes.byref(i))
        return i.value

    def set_holdout(self, lo, hi):
        _lib.call("causal_assign_set_holdout", self._handle, int(lo),
                  int(hi))

    def add_domain(self, lo, hi):
        return self._idx("causal_assign_add_domain", int(lo), int(hi))

    def add_layer(self, domain, salt, buckets):
        return self._idx("causal_assign_add_layer", int(domain),
                         _compat.encode(salt, "salt"), int(buckets))

    def add_experiment(self, layer, name, lo, hi):
        e = self._idx("causal_assign_add_experiment", int(layer),
                      _compat.encode(name), int(lo), int(hi))
        self._names[e] = []
        return e

    def add_variant(self, experiment, name, weight):
        v = self._idx("causal_assign_add_variant", int(experiment),
                      _compat.encode(name), float(weight))
        self._names.setdefault(int(experiment), []).append(name)
        return v

    def set_exposure(self, experiment, exposure):
        _lib.call("causal_assign_set_exposure", self._handle,
                  int(experiment), float(exposure))

    def add_override(self, experiment, uid, variant):
        """Force ``uid`` into ``variant`` (index or name) of an
        experiment."""
        if isinstance(variant, str):
            names = self._names.get(int(experiment), [])
            if variant not in names:
                raise ValueError("experiment %d has no variant %r"
                                 % (experiment, variant))
            variant = names.index(variant)
        b = _encode_id(uid, 0)
        _lib.call("causal_assign_add_override", self._handle,
                  int(experiment), b, len(b), int(variant))

    def finalize(self):
        """Validate and freeze; required before :meth:`assign`."""
        _lib.call("causal_assign_finalize", self._handle)

    def variant_names(self, experiment):
        _, _, nv = self.experiment_info(experiment)
        out = []
        for v in range(nv):
            s = _cp()
            _lib.call("causal_assign_variant_name", self._handle,
                      int(experiment), v, ctypes.byref(s))
            out.append(_compat.decode(s.value))
        return out

    def experiment_info(self, experiment):
        """(name, layer, number of variants)."""
        s, lay, nv = _cp(), _i64(), _i64()
        _lib.call("causal_assign_experiment_info", self._handle,
                  int(experiment), ctypes.byref(s), ctypes.byref(lay),
                  ctypes.byref(nv))
        return _compat.decode(s.value), lay.value, nv.value

    def assign(self, ids, layer=0):
        """Vectorized assignment in one layer: dict with ``bucket`` (layer
        bucket), ``experiment`` (index or -1) and ``variant`` (index, or a
        negative reason code, see :data:`REASONS`)."""
        p = _Packed(ids)
        m = max(p.n, 1)
        b = array.array("Q", bytes(8 * m))
        e = array.array("q", bytes(8 * m))
        v = array.array("q", bytes(8 * m))
        _lib.call("causal_assign_batch", self._handle, int(layer),
                  p.data_ptr, p.off_ptr, p.n, _vp(b.buffer_info()[0]),
                  _vp(e.buffer_info()[0]), _vp(v.buffer_info()[0]))
        np = _compat.numpy()
        conv = ((lambda a: np.array(a[:p.n], dtype=np.int64))
                if np is not None else (lambda a: a[:p.n].tolist()))
        return {"bucket": conv(b), "experiment": conv(e),
                "variant": conv(v)}

    def variant(self, uid, experiment):
        """Variant index (or negative reason) of one id in one
        experiment."""
        b = _encode_id(uid, 0)
        v = _i64()
        _lib.call("causal_assign_variant", self._handle, b, len(b),
                  int(experiment), ctypes.byref(v))
        return v.value


def simple_config(salt, buckets, variants, exposure=1.0):
    """The single-experiment config of docs/methods/assign.md section 5
    (shared with R and the CLI): layer salt ``salt``, ``buckets`` buckets,
    one experiment over all of them."""
    items = _weights(variants)
    cfg = Config(_compat.encode(salt, "salt") + b"#top", 1)
    d = cfg.add_domain(0, 1)
    lay = cfg.add_layer(d, salt, buckets)
    e = cfg.add_experiment(lay, "experiment", 0, buckets)
    for name, w in items:
        cfg.add_variant(e, name, w)
    cfg.set_exposure(e, exposure)
    cfg.finalize()
    return cfg


def assign(ids, salt, buckets, variants, exposure=1.0):
    """Assign ``ids`` to ``variants`` (dict name -> weight, weights are
    normalized, e.g. ``{"control": 50, "treatment": 50}``) by the spec-v1
    bucket of (salt, id, buckets). Returns a dict with ``id``, ``bucket``
    and ``variant`` (variant name, or None for units not exposed)."""
    with simple_config(salt, buckets, variants, exposure) as cfg:
        r = cfg.assign(ids, layer=0)
        names = cfg.variant_names(0)
    var = [names[v] if v >= 0 else None for v in
           (r["variant"].tolist() if hasattr(r["variant"], "tolist")
            else r["variant"])]
    return {"id": list(ids), "bucket": r["bucket"], "variant": var,
            "variant_index": r["variant"]}
