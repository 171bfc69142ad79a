"""Out-of-core regression: mergeable, serializable OLS/WLS and logit
accumulators (``causal_regress_acc``, include/causal/regress.h;
formulas, passes and rules in docs/methods/regress_stream.md).

Data that do not fit in memory, or that live in partitions, are folded
chunk by chunk into a state of size O(k^2 + G k); states are merged and
pickled; the fit equals :func:`causal.ols` / :func:`causal.logit` on all
rows together (to rounding), with the same result entries plus
"passes"::

    import causal
    schema = causal.read_csv("part-0.csv")        # or 0 rows with every level
    acc = causal.RegressionAccumulator("ols", "y ~ x1 + g", schema=schema,
                                       vcov="HC1")
    while not acc.converged:                     # 2 passes for HC1
        for path in parts:
            for chunk in causal.iter_csv(path, chunk_rows=100_000):
                acc.update(chunk)
        acc.next_pass()
    print(acc.fit())                             # prints like causal.ols

    # the same loop, driven for you:
    causal.stream_fit("ols", lambda: causal.iter_csv("big.csv"),
                      "y ~ x1 + g", vcov="HC1")

Distributed (Dask/Spark partitions, processes): every partition updates a
copy (``acc.copy()``, or a pickle / :meth:`to_bytes` round trip) of the same
state; the partial states are merged (``a.merge(b)``, ``a + b``,
``sum(parts)``), ``next_pass()`` is called on the merged state, and that
state is sent back out for the next pass, until ``converged``.

Schema: the specification is checked against ``schema`` (a Dataset, pandas
DataFrame or dict with every column the model uses; it may have zero rows).
Its level lists fix the dummy columns of categorical terms, so chunks may
lack levels but a level the schema does not list raises
InvalidArgumentError naming it. ``levels={column: [labels]}`` sets (or
orders) a column's levels without data, e.g. for a 0-row schema; the first
label is the reference level unless ``reference`` says otherwise.
"""

import ctypes

from . import _compat, _lib
from ._handle import Handle, new_out
from .dataset import Dataset
from .errors import InvalidArgumentError
from .regress import (Model, RegressionResult, _columns_of, _describe,
                      _names, _spec, _tolist)

__all__ = ["RegressionAccumulator", "StreamResult", "stream_fit"]

_P = ctypes.POINTER
_SIGNATURES = {
    "causal_regress_acc_new": (ctypes.c_int, [_P(ctypes.c_void_p),
                                              ctypes.c_void_p,
                                              ctypes.c_void_p]),
    "causal_regress_acc_free": (None, [ctypes.c_void_p]),
    "causal_regress_acc_clone": (ctypes.c_int, [_P(ctypes.c_void_p),
                                                ctypes.c_void_p]),
    "causal_regress_acc_update": (ctypes.c_int, [ctypes.c_void_p,
                                                 ctypes.c_void_p]),
    "causal_regress_acc_merge": (ctypes.c_int, [ctypes.c_void_p,
                                                ctypes.c_void_p]),
    "causal_regress_acc_next_pass": (ctypes.c_int, [ctypes.c_void_p]),
    "causal_regress_acc_converged": (ctypes.c_int, [ctypes.c_void_p,
                                                    _P(ctypes.c_int)]),
    "causal_regress_acc_pass": (ctypes.c_int, [ctypes.c_void_p,
                                               _P(ctypes.c_int64)]),
    "causal_regress_acc_fit": (ctypes.c_int, [_P(ctypes.c_void_p),
                                              ctypes.c_void_p]),
    "causal_regress_acc_serialize": (ctypes.c_int, [ctypes.c_void_p,
                                                    _P(ctypes.c_void_p),
                                                    _P(ctypes.c_size_t)]),
    "causal_regress_acc_deserialize": (ctypes.c_int, [_P(ctypes.c_void_p),
                                                      _P(ctypes.c_uint8),
                                                      ctypes.c_size_t]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))


# ---- data conversion -----------------------------------------------------
def _label(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _column_names(data):
    if isinstance(data, Dataset):
        return list(data.columns)
    pd = _compat.pandas()
    if pd is not None and isinstance(data, pd.DataFrame):
        return [c for c in data.columns]
    if isinstance(data, dict):
        return list(data.keys())
    raise TypeError("a chunk must be a causal.Dataset, a pandas DataFrame or "
                    "a dict of columns, not %s" % type(data).__name__)


def _convert(data, used, categorical):
    """``data`` as a Dataset with the model's columns (all columns when
    ``used`` is None), the ``categorical`` ones made categorical. Missing
    columns are left out so that the library names them."""
    from .regress import _dataset
    if used is None:
        used = _column_names(data)
    else:
        _column_names(data)  # the type check
    return _dataset(data, used, [c for c in categorical])


def _with_levels(ds, levels):
    """A copy of ``ds`` whose columns in ``levels`` are categorical with
    exactly those labels, in that order (values must be among them)."""
    if not levels:
        return ds
    have = ds.columns
    out = ds.select([c for c in have if c not in levels])
    for col, labs in levels.items():
        labs = [_label(v) for v in labs]
        if len(set(labs)) != len(labs):
            raise InvalidArgumentError("levels of column %r are not distinct: "
                                       "%r" % (col, labs), -1)
        index = {s: i for i, s in enumerate(labs)}
        values = _tolist(ds.column(col)) if col in have else []
        codes = []
        for i, v in enumerate(values):
            if v is None:
                codes.append(-1)
                continue
            s = _label(v)
            if s not in index:
                raise InvalidArgumentError(
                    "schema: value %r of column %r (row %d) is not among the "
                    "levels given for it (%s)"
                    % (s, col, i, ", ".join(repr(x) for x in labs)), -1)
            codes.append(index[s])
        if col in have or not ds.nrows:
            out.add_categorical(col, codes, labs)
    return out


class StreamResult(RegressionResult):
    """A :class:`causal.RegressionResult` of an out-of-core fit; its table
    also says how many passes over the data the fit took."""

    _type_name = "StreamResult"

    def summary(self, stars=True, digits=4):
        s = super().summary(stars=stars, digits=digits)
        if self.closed or "passes" not in self:
            return s
        n = int(self["passes"])
        return s + "\nOut-of-core fit: %d pass%s over the data" % (
            n, "" if n == 1 else "es")


def _restore(data, meta):
    """Unpickling helper (module-level so pickle can find it)."""
    return RegressionAccumulator.from_bytes(data, **meta)


# ---- the accumulator -----------------------------------------------------
class RegressionAccumulator(Handle):
    """Mergeable state of an OLS/WLS or logistic regression fitted out of
    core (``causal_regress_acc``).

    ``RegressionAccumulator(family, y, x=None, *, schema, levels=None,
    weights=None, offset=None, cluster=None, vcov=None, ssc="R",
    intercept=True, reference=None, conf_level=0.95, rank="drop",
    rank_tol=None, maxiter=None, tol=None)``

    ``family``: "ols" or "logit". ``y`` and ``x`` as in :func:`causal.ols`:
    an outcome column with a list of terms, or a formula
    ``"y ~ x1 + x2:g + C(year)"`` (no ``| absorb``: add the factor as a
    categorical term). ``schema``: Dataset, DataFrame or dict with every
    column the model uses (may have 0 rows); ``levels``: {column: labels}
    fixing categorical levels (see the module docstring). Options as
    :func:`causal.ols` / :func:`causal.logit`; not available out of core
    (InvalidArgumentError): HC2/HC3/CR2, two clusters, ``l2``,
    ``keep_fitted``.

    Use: :meth:`update` with every chunk (Dataset, DataFrame or dict of
    columns), :meth:`next_pass`, repeat while not :attr:`converged` (OLS
    classical: 1 pass; OLS HC/CR: 2; logit: one per Newton step plus
    one), then :meth:`fit`. Every pass must see the same rows.

    Merging: :meth:`merge` / ``+`` / ``sum()`` of states of the same
    specification and schema in the same pass, derived from one state of
    the previous passes (copy it to every partition with :meth:`copy`,
    pickle or :meth:`to_bytes`). Serialization: :meth:`to_bytes` gives the
    library's byte form (readable by the C library and the R package);
    pickling also keeps the Python-side conversion settings.
    """

    _free_name = "causal_regress_acc_free"
    _type_name = "RegressionAccumulator"

    def __init__(self, family, y, x=None, *, schema, levels=None,
                 weights=None, offset=None, cluster=None, vcov=None,
                 ssc="R", intercept=True, reference=None, conf_level=0.95,
                 rank="drop", rank_tol=None, maxiter=None, tol=None):
        if family not in ("ols", "logit"):
            raise InvalidArgumentError(
                "family %r: out-of-core regression is 'ols' or 'logit'"
                % (family,), -1)
        f, _ = _spec(y, x, False)
        if not intercept:
            f.intercept = False
        clusters = _names(cluster, "cluster")
        levels = self._levels_arg(levels)
        used = [f.outcome] + _columns_of(f.terms)
        used += [c for c in [weights, offset] if c is not None]
        used += clusters + list(f.absorb) + list((reference or {}).keys())
        used += list(levels)
        used = [c for i, c in enumerate(used) if c not in used[:i]]
        categorical = list(f.categorical) + \
            [c for c in levels if c not in f.categorical]
        opts = dict(weights=weights, cluster=clusters, vcov=vcov, ssc=ssc,
                    reference=reference, conf_level=conf_level, rank=rank,
                    rank_tol=rank_tol, maxiter=maxiter, tol=tol)
        if offset is not None:
            opts["offset"] = offset
        ds = _with_levels(_convert(schema, used, categorical), levels)
        with Model(family, f.outcome, f.terms, intercept=f.intercept,
                   absorb=f.absorb, **opts) as m:
            out = new_out()
            _lib.call("causal_regress_acc_new", ctypes.byref(out),
                      m._handle, ds._handle)
        self._adopt(out)
        self._meta = dict(used=used, categorical=categorical,
                          formula=_describe(f, family),
                          weighted=weights is not None)

    @staticmethod
    def _levels_arg(levels):
        if levels is None:
            return {}
        if not isinstance(levels, dict):
            raise TypeError("levels must be a dict {column: [labels]}")
        out = {}
        for k, v in levels.items():
            if not isinstance(k, str):
                raise TypeError("levels: column names must be str, not %r"
                                % (k,))
            if isinstance(v, (str, bytes)):
                raise TypeError("levels[%r] must be a list of labels" % k)
            out[k] = list(v)
        return out

    @classmethod
    def _wrap(cls, out, meta):
        a = cls.__new__(cls)
        a._adopt(out)
        a._meta = dict(meta)
        return a

    # ---- state ----
    @property
    def converged(self):
        """True when :meth:`fit` can be called (no further pass needed)."""
        done = ctypes.c_int()
        _lib.call("causal_regress_acc_converged", self._handle,
                  ctypes.byref(done))
        return bool(done.value)

    @property
    def pass_number(self):
        """The current pass, 1-based."""
        p = ctypes.c_int64()
        _lib.call("causal_regress_acc_pass", self._handle, ctypes.byref(p))
        return p.value

    def __repr__(self):
        if self.closed:
            return "<causal.RegressionAccumulator (closed)>"
        return ("<causal.RegressionAccumulator %s, pass %d%s>"
                % (self._meta.get("formula") or "(from bytes)",
                   self.pass_number,
                   ", converged" if self.converged else ""))

    # ---- accumulation ----
    def update(self, chunk):
        """Add a chunk (Dataset, pandas DataFrame or dict of columns) to the
        current pass. Columns are matched by name; extra ones are ignored.
        On error the state is unchanged. Returns self."""
        ds = _convert(chunk, self._meta.get("used"),
                      self._meta.get("categorical", ()))
        _lib.call("causal_regress_acc_update", self._handle, ds._handle)
        return self

    def next_pass(self):
        """End the current pass (solve what it allows: coefficients, a
        Newton step, the convergence check). Returns :attr:`converged`."""
        _lib.call("causal_regress_acc_next_pass", self._handle)
        return self.converged

    def merge(self, other):
        """Add the state ``other`` into this one (same specification, schema
        and pass; ``other`` is unchanged). Returns self."""
        if not isinstance(other, RegressionAccumulator):
            raise TypeError("can only merge a RegressionAccumulator, not %s"
                            % type(other).__name__)
        _lib.call("causal_regress_acc_merge", self._handle, other._handle)
        return self

    def __add__(self, other):
        if not isinstance(other, RegressionAccumulator):
            return NotImplemented
        return self.copy().merge(other)

    def __radd__(self, other):
        # sum(states) starts from 0
        if isinstance(other, int) and other == 0:
            return self.copy()
        return NotImplemented

    def __iadd__(self, other):
        if not isinstance(other, RegressionAccumulator):
            return NotImplemented
        return self.merge(other)

    def copy(self):
        """An independent copy (``causal_regress_acc_clone``)."""
        out = new_out()
        _lib.call("causal_regress_acc_clone", ctypes.byref(out), self._handle)
        return RegressionAccumulator._wrap(out, self._meta)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def fit(self):
        """The fit (:class:`causal.RegressionResult`, printing like
        :func:`causal.ols`); InvalidArgumentError before convergence."""
        out = new_out()
        _lib.call("causal_regress_acc_fit", ctypes.byref(out), self._handle)
        r = StreamResult._wrap(out)
        r._formula = self._meta.get("formula")
        r._weighted = self._meta.get("weighted", False)
        return r

    # ---- serialization ----
    def to_bytes(self):
        """The library's versioned, checksummed byte form (kind 16): the
        specification, schema and state."""
        buf = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _lib.call("causal_regress_acc_serialize", self._handle,
                  ctypes.byref(buf), ctypes.byref(n))
        try:
            return ctypes.string_at(buf, n.value)
        finally:
            _lib.fn("causal_free")(buf)

    @classmethod
    def from_bytes(cls, data, *, categorical=(), used=None, formula=None,
                   weighted=False):
        """Rebuild a state from :meth:`to_bytes` output (of any libcausal
        binding). Corrupt or truncated input raises CorruptDataError, bytes
        of another kind TypeMismatchError, a newer format VersionError.

        The Python-side settings are not part of the bytes: ``categorical``
        lists columns to convert to categorical in chunks (those of ``C()``
        and ``levels``), ``used`` the columns to convert (default: all),
        ``formula`` / ``weighted`` only label the printed fit. Pickling
        keeps them."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("data must be bytes, not %s"
                            % type(data).__name__)
        data = bytes(data)
        buf = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(
            data or b"\0")
        out = new_out()
        _lib.call("causal_regress_acc_deserialize", ctypes.byref(out), buf,
                  len(data))
        return cls._wrap(out, dict(used=used, categorical=list(categorical),
                                   formula=formula, weighted=weighted))

    def __reduce__(self):
        return (_restore, (self.to_bytes(), dict(self._meta)))


# ---- the driver ----------------------------------------------------------
def _chunk_source(make_chunks):
    """A function returning a fresh iterable of chunks for every pass."""
    if callable(make_chunks):
        return make_chunks
    if isinstance(make_chunks, (Dataset, dict)):
        return lambda: [make_chunks]
    try:
        it = iter(make_chunks)
    except TypeError:
        raise TypeError("make_chunks must be a function returning an "
                        "iterable of chunks, or a re-iterable collection of "
                        "chunks") from None
    if it is make_chunks:
        raise TypeError("make_chunks is an iterator, which can be read only "
                        "once; pass a function that returns a fresh one for "
                        "every pass, e.g. lambda: causal.iter_csv(path)")
    return lambda: make_chunks


def stream_fit(family, make_chunks, y, x=None, schema=None, **opts):
    """Fit an OLS/WLS (``family="ols"``) or logistic (``"logit"``)
    regression on data read in chunks, as many passes as the model needs
    (docs/methods/regress_stream.md).

    ``make_chunks()`` returns a fresh iterable of chunks (Datasets,
    DataFrames or dicts) for every pass, e.g.
    ``lambda: causal.iter_csv("big.csv", chunk_rows=100_000)``; a list of
    chunks works too. ``y`` / ``x``: outcome and terms, or a formula.
    ``schema``: as :class:`RegressionAccumulator`; by default the first
    chunk of the first pass (then it must carry every categorical level,
    or give ``levels=``). Other options (``weights``, ``cluster``,
    ``vcov``, ``levels``, ...) as :class:`RegressionAccumulator`.

    Returns the :class:`causal.RegressionResult` ("passes" says how many
    passes were read). Errors name the pass and chunk where they arose."""
    source = _chunk_source(make_chunks)
    acc = None
    if schema is not None:
        acc = RegressionAccumulator(family, y, x, schema=schema, **opts)
    try:
        npass = 0
        while acc is None or not acc.converged:
            npass += 1
            n = 0
            for chunk in source():
                if acc is None:
                    acc = RegressionAccumulator(family, y, x, schema=chunk,
                                                **opts)
                try:
                    acc.update(chunk)
                except Exception as e:
                    _annotate(e, npass, n, "" if schema is not None else
                              "; the schema was the first chunk: give "
                              "schema= or levels= to list every level")
                    raise
                n += 1
            if acc is None:
                raise InvalidArgumentError(
                    "stream_fit: make_chunks() gave no chunks, so there is "
                    "neither data nor a schema", -1)
            try:
                acc.next_pass()
            except Exception as e:
                _annotate(e, npass, None)
                raise
        return acc.fit()
    finally:
        if acc is not None:
            acc.close()


def _annotate(e, npass, chunk, hint=""):
    where = "pass %d" % npass if chunk is None else \
        "pass %d, chunk %d" % (npass, chunk)
    if hint and "levels of the schema" in str(e):
        where += hint
    msg = getattr(e, "message", None)
    if isinstance(msg, str) and e.args and e.args[0] == msg:
        e.message = "%s (stream_fit: %s)" % (msg, where)
        e.args = (e.message,) + tuple(e.args[1:])
