"""Results: the one output type of every libcausal estimator."""

import ctypes
import math

from . import _compat, _lib
from ._handle import Handle, new_out

__all__ = ["Result", "Table", "SCALAR", "VECTOR", "MATRIX", "TABLE", "STRING"]

SCALAR, VECTOR, MATRIX, TABLE, STRING = 1, 2, 3, 4, 5
_TYPE_NAMES = {SCALAR: "scalar", VECTOR: "vector", MATRIX: "matrix",
               TABLE: "table", STRING: "string"}
TABLE_COLUMNS = ("estimate", "std_error", "statistic", "p_value", "conf_low",
                 "conf_high")


def _fmt(v, width=10):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN".rjust(width)
        if v != 0 and (abs(v) < 1e-4 or abs(v) >= 1e6):
            return ("%.3e" % v).rjust(width)
        return ("%.4f" % v).rjust(width)
    return str(v).rjust(width)


def _tolist(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


class Table:
    """A coefficient table (an entry of type TABLE), copied out of a Result.

    Attributes ``terms`` (list of str) and the columns ``estimate``,
    ``std_error``, ``statistic``, ``p_value``, ``conf_low``, ``conf_high``
    (numpy arrays, or lists without numpy). ``values`` is the nterms x 6
    matrix. ``table["x"]`` gives the row of term ``x`` as a dict; ``str()``
    prints a regression table.
    """

    def __init__(self, terms, values):
        self.terms = list(terms)
        self.values = values  # nterms x 6 (numpy) or list of rows
        for j, col in enumerate(TABLE_COLUMNS):
            if _compat.numpy() is not None and hasattr(values, "shape"):
                setattr(self, col, values[:, j].copy())
            else:
                setattr(self, col, [row[j] for row in values])

    def __len__(self):
        return len(self.terms)

    def __getitem__(self, term):
        try:
            i = self.terms.index(term)
        except ValueError:
            raise KeyError("no term %r in the table (terms: %s)"
                           % (term, ", ".join(self.terms))) from None
        return {c: float(getattr(self, c)[i]) for c in TABLE_COLUMNS}

    def to_pandas(self):
        """A DataFrame indexed by term (needs pandas)."""
        pd = _compat.pandas()
        if pd is None:
            raise ImportError("to_pandas needs pandas")
        return pd.DataFrame({c: getattr(self, c) for c in TABLE_COLUMNS},
                            index=pd.Index(self.terms, name="term"))

    def __repr__(self):
        return "Table(%d terms)\n%s" % (len(self.terms), self)

    def __str__(self):
        heads = ("estimate", "std.error", "statistic", "p.value", "conf.low",
                 "conf.high")
        w = max([4] + [len(t) for t in self.terms])
        lines = ["%s %s" % ("term".ljust(w), " ".join(h.rjust(10)
                                                      for h in heads))]
        for i, t in enumerate(self.terms):
            lines.append("%s %s" % (t.ljust(w), " ".join(
                _fmt(float(getattr(self, c)[i])) for c in TABLE_COLUMNS)))
        return "\n".join(lines)


class Result(Handle):
    """A libcausal result: an ordered mapping of named entries plus warnings.

    Reading is mapping-like: ``r["coef"]``, ``"coef" in r``, ``len(r)``,
    ``r.keys()``, ``r.items()``, ``r.get(name)``. Values are copied out:

    ======== =====================================================
    scalar   float
    string   str
    vector   1-D numpy array (list without numpy); names: ``r.names(e)``
    matrix   2-D numpy array, nrow x ncol (list of rows without numpy);
             ``r.dimnames(e)`` gives (rownames, colnames)
    table    :class:`Table` (terms, estimate, std_error, ...)
    ======== =====================================================

    ``r.kind`` names the producer, ``r.warnings`` lists warnings,
    ``r.to_json()`` gives the library's JSON text and ``r.to_dict()`` a
    JSON-compatible dict of the same structure with NaN/Infinity as floats.

    ``Result(kind)`` creates an empty result that can be filled with
    ``r["x"] = 1.5`` (scalar), ``r["s"] = "text"``, ``r["v"] = [1, 2]``
    (vector) or the ``set_*`` methods, mirroring the C building API.
    """

    _free_name = "causal_result_free"
    _type_name = "Result"

    def __init__(self, kind="result"):
        out = new_out()
        _lib.call("causal_result_new", ctypes.byref(out),
                  _compat.encode(kind, "kind"))
        self._adopt(out)

    @classmethod
    def _wrap(cls, ptr):
        self = cls.__new__(cls)
        self._adopt(ptr)
        return self

    # ---- building ----
    def set_scalar(self, name, value):
        """Set a scalar entry (replacing an entry of the same name)."""
        _lib.call("causal_result_set_scalar", self._handle,
                  _compat.encode(name), float(value))

    def set_string(self, name, value):
        """Set a UTF-8 string entry."""
        _lib.call("causal_result_set_string", self._handle,
                  _compat.encode(name), _compat.encode(value, "value"))

    def set_vector(self, name, values, names=None):
        """Set a vector entry, with optional element names."""
        x = _compat.as_input(values, "d", "values")
        nm = None if names is None else _compat.names_array(names)
        _check_names(name, "names", nm, x.n)
        _lib.call("causal_result_set_vector", self._handle,
                  _compat.encode(name), x.ptr, x.n, nm)

    def set_matrix(self, name, values, rownames=None, colnames=None):
        """Set a matrix entry from a 2-D array (nrow x ncol) or list of
        rows, with optional row and column names."""
        rows, nrow, ncol = _matrix_colmajor(values)
        x = _compat.as_input(rows, "d", "values")
        rn = None if rownames is None else _compat.names_array(rownames,
                                                               "rownames")
        cn = None if colnames is None else _compat.names_array(colnames,
                                                               "colnames")
        _check_names(name, "rownames", rn, nrow)
        _check_names(name, "colnames", cn, ncol)
        _lib.call("causal_result_set_matrix", self._handle,
                  _compat.encode(name), x.ptr, nrow, ncol, rn, cn)

    def set_table(self, name, terms, estimate, std_error, statistic, p_value,
                  conf_low=None, conf_high=None):
        """Set a coefficient table; each column has one value per term
        (conf_low/conf_high may be None: filled with NaN)."""
        t = _compat.names_array(terms, "terms")
        cols = [_compat.as_input(c, "d", nm) for c, nm in (
            (estimate, "estimate"), (std_error, "std_error"),
            (statistic, "statistic"), (p_value, "p_value"))]
        ci = [None if c is None else _compat.as_input(c, "d", nm)
              for c, nm in ((conf_low, "conf_low"), (conf_high, "conf_high"))]
        for c in cols + [c for c in ci if c is not None]:
            if c.n != len(terms):
                raise ValueError("table %r: every column needs %d values "
                                 "(one per term), got %d"
                                 % (name, len(terms), c.n))
        ptrs = [c.ptr for c in cols] + [
            _compat.null("d") if c is None else c.ptr for c in ci]
        _lib.call("causal_result_set_table", self._handle,
                  _compat.encode(name), t, len(terms), *ptrs)

    def add_warning(self, text):
        """Append a warning."""
        _lib.call("causal_result_add_warning", self._handle,
                  _compat.encode(text, "text"))

    def __setitem__(self, name, value):
        if isinstance(value, str):
            self.set_string(name, value)
        elif isinstance(value, (int, float)) or (
                _compat.numpy() is not None and _compat.numpy().ndim(value) == 0):
            self.set_scalar(name, value)
        elif _ndim(value) == 2:
            self.set_matrix(name, value)
        else:
            self.set_vector(name, value)

    # ---- reading ----
    @property
    def kind(self):
        """The producer's name ("ols", "design", ...)."""
        return _compat.decode(_lib.fn("causal_result_kind")(self._handle))

    def keys(self):
        """Entry names in insertion order."""
        h = self._handle
        n = _lib.fn("causal_result_count")(h)
        f = _lib.fn("causal_result_name")
        return [_compat.decode(f(h, i)) for i in range(n)]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return _lib.fn("causal_result_count")(self._handle)

    def __contains__(self, name):
        if not isinstance(name, str):
            return False
        t = ctypes.c_int()
        return _lib.fn("causal_result_type")(
            self._handle, _compat.encode(name), ctypes.byref(t)) == 0

    def type(self, name):
        """Entry type as a string: scalar, vector, matrix, table, string."""
        t = ctypes.c_int()
        _lib.call("causal_result_type", self._handle, _compat.encode(name),
                  ctypes.byref(t))
        return _TYPE_NAMES.get(t.value, "unknown")

    def get(self, name, default=None):
        return self[name] if name in self else default

    def values(self):
        return [self[k] for k in self.keys()]

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def __getitem__(self, name):
        if not isinstance(name, str):
            raise TypeError("result entries are named by str, not %s"
                            % type(name).__name__)
        t = self.type(name)
        if t == "scalar":
            return self.scalar(name)
        if t == "string":
            return self.string(name)
        if t == "vector":
            return self.vector(name)
        if t == "table":
            return self.table(name)
        return self.matrix(name)

    def scalar(self, name):
        """A scalar entry as float."""
        v = ctypes.c_double()
        _lib.call("causal_result_get_scalar", self._handle,
                  _compat.encode(name), ctypes.byref(v))
        return v.value

    def string(self, name):
        """A string entry as str."""
        v = ctypes.c_char_p()
        _lib.call("causal_result_get_string", self._handle,
                  _compat.encode(name), ctypes.byref(v))
        return _compat.decode(v.value)

    def vector(self, name):
        """A vector entry: numpy array (list without numpy)."""
        p = ctypes.POINTER(ctypes.c_double)()
        n = ctypes.c_size_t()
        _lib.call("causal_result_get_vector", self._handle,
                  _compat.encode(name), ctypes.byref(p), ctypes.byref(n))
        return _compat.copy_from(_compat.addr_of(p), n.value, "d")

    def matrix(self, name):
        """A matrix or table entry as nrow x ncol numpy array (list of rows
        without numpy)."""
        p = ctypes.POINTER(ctypes.c_double)()
        nr, nc = ctypes.c_size_t(), ctypes.c_size_t()
        _lib.call("causal_result_get_matrix", self._handle,
                  _compat.encode(name), ctypes.byref(p), ctypes.byref(nr),
                  ctypes.byref(nc))
        flat = _compat.copy_from(_compat.addr_of(p), nr.value * nc.value, "d")
        np = _compat.numpy()
        if np is not None:
            return flat.reshape((nc.value, nr.value)).T.copy()
        return [[flat[j * nr.value + i] for j in range(nc.value)]
                for i in range(nr.value)]

    def table(self, name):
        """A table entry as :class:`Table`."""
        if self.type(name) != "table":
            from .errors import TypeMismatchError
            raise TypeMismatchError("result entry %r is a %s, not a table"
                                    % (name, self.type(name)), -11)
        return Table(self.names(name), self.matrix(name))

    def _dimnames(self, name, axis, count):
        f = _lib.fn("causal_result_dimname")
        h, nm = self._handle, _compat.encode(name)
        out = [_compat.decode(f(h, nm, axis, k)) for k in range(count)]
        return None if count and all(s is None for s in out) else out

    def _shape(self, name):
        t = self.type(name)
        if t == "vector":
            p = ctypes.POINTER(ctypes.c_double)()
            n = ctypes.c_size_t()
            _lib.call("causal_result_get_vector", self._handle,
                      _compat.encode(name), ctypes.byref(p), ctypes.byref(n))
            return n.value, None
        if t in ("matrix", "table"):
            p = ctypes.POINTER(ctypes.c_double)()
            nr, nc = ctypes.c_size_t(), ctypes.c_size_t()
            _lib.call("causal_result_get_matrix", self._handle,
                      _compat.encode(name), ctypes.byref(p), ctypes.byref(nr),
                      ctypes.byref(nc))
            return nr.value, nc.value
        return None, None

    def names(self, name):
        """Element names of a vector, or row names of a matrix/table
        (None when the entry has none)."""
        n, _ = self._shape(name)
        return None if n is None else self._dimnames(name, 0, n)

    def dimnames(self, name):
        """(rownames, colnames) of a matrix/table, (names, None) of a vector;
        each None when absent."""
        nr, nc = self._shape(name)
        if nr is None:
            return None, None
        return (self._dimnames(name, 0, nr),
                None if nc is None else self._dimnames(name, 1, nc))

    @property
    def warnings(self):
        """List of warning texts."""
        h = self._handle
        n = _lib.fn("causal_result_nwarnings")(h)
        f = _lib.fn("causal_result_warning")
        return [_compat.decode(f(h, i)) for i in range(n)]

    def to_json(self):
        """The library's JSON text (see include/causal/result.h)."""
        buf = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _lib.call("causal_result_to_json", self._handle, ctypes.byref(buf),
                  ctypes.byref(n))
        try:
            return ctypes.string_at(buf, n.value).decode("utf-8")
        finally:
            _lib.fn("causal_free")(buf)

    def to_dict(self):
        """A JSON-compatible dict with the structure of :meth:`to_json`
        ({"libcausal", "kind", "entries", "warnings"}), numbers as floats
        (NaN and infinities as float nan/inf rather than strings)."""
        from . import library_version
        entries = {}
        for k in self.keys():
            t = self.type(k)
            if t in ("scalar", "string"):
                entries[k] = self[k]
            elif t == "vector":
                entries[k] = {"type": "vector",
                              "values": [float(v) for v in self.vector(k)],
                              "names": self.names(k)}
            else:
                m = self.matrix(k)
                rn, cn = self.dimnames(k)
                nr, nc = self._shape(k)
                entries[k] = {"type": t, "nrow": nr, "ncol": nc,
                              "values": [[float(v) for v in row] for row in m],
                              "rownames": rn, "colnames": cn}
        return {"libcausal": library_version(), "kind": self.kind,
                "entries": entries, "warnings": self.warnings}

    def __repr__(self):
        if self.closed:
            return "<causal.Result (closed)>"
        return "<causal.Result kind=%r, %d entries>\n%s" % (
            self.kind, len(self), self._body())

    def __str__(self):
        if self.closed:
            return "<causal.Result (closed)>"
        return "Result: %s\n%s" % (self.kind, self._body())

    def _matrix_text(self, k, max_rows=50, max_cols=12):
        nr, nc = self._shape(k)
        if nr == 0 or nc == 0 or nr > max_rows or nc > max_cols:
            return "  %s  <%d x %d matrix>" % (k, nr, nc)
        m = _tolist(self.matrix(k))
        rn = self._dimnames(k, 0, nr) or ["[%d,]" % i for i in range(nr)]
        cn = self._dimnames(k, 1, nc) or ["[,%d]" % j for j in range(nc)]
        return "\n%s:\n%s" % (k, _grid(list(rn), list(cn), m))

    def _body(self):
        lines = []
        keys = self.keys()
        scal = [k for k in keys if self.type(k) in ("scalar", "string")]
        w = max([0] + [len(k) for k in scal])
        for k in scal:
            v = self[k]
            lines.append("  %s  %s" % (k.ljust(w), v if isinstance(v, str)
                                       else _fmt(v, 0)))
        for k in keys:
            t = self.type(k)
            if t == "table":
                lines.append("\n%s:\n%s" % (k, self.table(k)))
            elif t == "vector":
                v = self.vector(k)
                nm = self.names(k)
                if nm is None:
                    body = " ".join(_fmt(float(x), 0) for x in v[:20])
                    if len(v) > 20:
                        body += " ... (%d values)" % len(v)
                else:
                    body = ", ".join("%s=%s" % (a, _fmt(float(x), 0))
                                     for a, x in list(zip(nm, v))[:20])
                lines.append("  %s  [%s]" % (k, body))
            elif t == "matrix":
                lines.append(self._matrix_text(k))
        for wtxt in self.warnings:
            lines.append("Warning: %s" % wtxt)
        return "\n".join(lines)


def _grid(rownames, colnames, rows):
    """Right-aligned text grid; rows are lists of floats."""
    cells = [[_fmt(float(v), 0).strip() for v in r] for r in rows]
    w0 = max([0] + [len(x) for x in rownames])
    widths = [max([len(c)] + [len(r[j]) for r in cells])
              for j, c in enumerate(colnames)]
    out = [" " * w0 + "".join("  " + c.rjust(widths[j])
                              for j, c in enumerate(colnames))]
    for name, r in zip(rownames, cells):
        out.append(name.ljust(w0) + "".join("  " + v.rjust(widths[j])
                                            for j, v in enumerate(r)))
    return "\n".join(out)


def _check_names(entry, what, arr, n):
    # C reads exactly n names: a shorter list would be read out of bounds.
    if arr is not None and len(arr) != n:
        from .errors import DimensionError
        raise DimensionError("entry %r: %s has %d names for %d values"
                             % (entry, what, len(arr), n), -12)


def _ndim(v):
    np = _compat.numpy()
    if np is not None:
        return np.ndim(v)
    if isinstance(v, (list, tuple)) and v and isinstance(v[0], (list, tuple)):
        return 2
    return 1


def _matrix_colmajor(values):
    """(column-major flat data, nrow, ncol) from a 2-D array or rows."""
    np = _compat.numpy()
    if np is not None:
        m = np.asarray(values, dtype="float64")
        if m.ndim != 2:
            raise ValueError("matrix must be 2-dimensional, got shape %s"
                             % (m.shape,))
        return np.asfortranarray(m).ravel(order="F"), m.shape[0], m.shape[1]
    rows = [list(r) for r in values]
    nrow = len(rows)
    ncol = len(rows[0]) if rows else 0
    for i, r in enumerate(rows):
        if len(r) != ncol:
            raise ValueError("matrix row %d has %d values, expected %d"
                             % (i, len(r), ncol))
    return [float(rows[i][j]) for j in range(ncol) for i in range(nrow)], \
        nrow, ncol

