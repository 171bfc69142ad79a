"""Columnar datasets and design matrices."""

import ctypes
import math
from collections import namedtuple

from . import _compat, _lib
from ._handle import Handle, new_out

__all__ = ["Dataset", "Design", "DesignMatrix", "design_matrix", "describe",
           "F64", "I64", "BOOL", "CAT"]

F64, I64, BOOL, CAT = 1, 2, 3, 4
COPY, BORROW = 0, 1
TYPE_NAMES = {F64: "f64", I64: "i64", BOOL: "bool", CAT: "cat"}
_TYPE_ALIASES = {
    "f64": F64, "float": F64, "float64": F64, "double": F64, float: F64,
    "i64": I64, "int": I64, "int64": I64, int: I64,
    "bool": BOOL, "boolean": BOOL, bool: BOOL,
    "cat": CAT, "category": CAT, "categorical": CAT, "str": CAT,
    "string": CAT, str: CAT,
    F64: F64, I64: I64, BOOL: BOOL, CAT: CAT,
}


def type_code(t, what="type"):
    """Column type code from 'f64'/'i64'/'bool'/'cat' (or float, int, bool,
    str, or the C constants)."""
    try:
        return _TYPE_ALIASES[t.lower() if isinstance(t, str) else t]
    except (KeyError, TypeError):
        raise ValueError("%s %r is not a column type (use 'f64', 'i64', "
                         "'bool' or 'cat')" % (what, t)) from None


def _np():
    return _compat.numpy()


def _infer_list(name, seq):
    """Column type of a Python sequence: BOOL, I64, F64 or CAT (strings),
    ignoring None (missing)."""
    kinds = set()
    for v in seq:
        if v is None:
            continue
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            kinds.add("b")
        elif isinstance(v, int) or type(v).__name__.startswith("int"):
            kinds.add("i")
        elif isinstance(v, float) or type(v).__name__.startswith("float"):
            kinds.add("f")
        elif isinstance(v, str):
            kinds.add("s")
        else:
            raise TypeError("column %r: cannot store a %s (%r)"
                            % (name, type(v).__name__, v))
    if not kinds or kinds <= {"f"} or kinds == {"i", "f"}:
        return F64
    if kinds == {"i"}:
        return I64
    if kinds == {"b"}:
        return BOOL
    if kinds == {"s"}:
        return CAT
    raise TypeError("column %r mixes value types (%s); convert it first"
                    % (name, ", ".join(sorted(
                        {"b": "bool", "i": "int", "f": "float",
                         "s": "str"}[k] for k in kinds))))


class Dataset(Handle):
    """A columnar dataset of named, typed columns (f64, i64, bool, cat).

    Construction::

        Dataset()                              # empty, add columns later
        Dataset({"y": [1.0, 2.5], "g": ["a", "b"]})
        Dataset.from_pandas(df)
        Dataset.from_arrays(["x", "y"], [x, y])    # numpy: zero-copy
        causal.read_csv("file.csv")

    Column types are inferred: float -> f64, int -> i64, bool -> bool,
    str -> cat (levels sorted), pandas categoricals keep their categories.
    ``None`` (and NaN in float columns) is missing.

    Ownership: by default (``copy=True``) the library copies the data. With
    ``copy=False`` C-contiguous float64/int64/bool numpy arrays are borrowed
    zero-copy; the Dataset keeps a reference to them until its C object is
    freed, but you must not modify them while the Dataset is alive.

    Access: ``ds["y"]`` returns a column (see :meth:`column`),
    ``ds[["a", "b"]]`` selects columns, ``ds[mask]`` (booleans) or
    ``ds[[3, 1, 1]]`` / ``ds[2:10]`` select rows, ``ds[i]`` returns row i as
    a dict. Subsets and selections are new Datasets owning copies.
    """

    _free_name = "causal_dataset_free"
    _type_name = "Dataset"

    def __init__(self, data=None, copy=True):
        out = new_out()
        _lib.call("causal_dataset_new", ctypes.byref(out))
        self._adopt(out)
        if data is None:
            return
        pd = _compat.pandas()
        if pd is not None and isinstance(data, pd.DataFrame):
            self._add_frame(data, copy)
        elif isinstance(data, dict):
            for k, v in data.items():
                self.add_column(k, v, copy=copy)
        else:
            raise TypeError("Dataset() takes a dict of columns or a pandas "
                            "DataFrame, not %s" % type(data).__name__)

    @classmethod
    def _wrap(cls, out):
        ds = cls.__new__(cls)
        ds._adopt(out)
        return ds

    @classmethod
    def from_dict(cls, columns, copy=True):
        """Dataset from a dict of name -> column values."""
        return cls(dict(columns), copy=copy)

    @classmethod
    def from_arrays(cls, names, arrays, copy=False):
        """Dataset from parallel sequences of names and arrays. Zero-copy
        (borrowed) by default for suitable numpy arrays."""
        names, arrays = list(names), list(arrays)
        if len(names) != len(arrays):
            raise ValueError("from_arrays: %d names for %d arrays"
                             % (len(names), len(arrays)))
        ds = cls()
        for k, v in zip(names, arrays):
            ds.add_column(k, v, copy=copy)
        return ds

    @classmethod
    def from_pandas(cls, df, copy=True):
        """Dataset from a pandas DataFrame (the index is ignored).

        float -> f64 (NaN missing); int -> i64; nullable Int* -> i64 with a
        validity mask; bool / nullable boolean -> bool; category -> cat with
        the same categories (as str) and order; object/str -> cat (levels
        sorted; None/NaN missing)."""
        ds = cls()
        ds._add_frame(df, copy)
        return ds

    def _add_frame(self, df, copy):
        for k in df.columns:
            if not isinstance(k, str):
                raise TypeError("column names must be str, got %r" % (k,))
            self.add_column(k, df[k], copy=copy)

    # ---- adding columns ----
    def add_column(self, name, values, type=None, valid=None, copy=True):
        """Add a column (name unique: AlreadyExistsError otherwise).

        ``type``: None (infer) or 'f64', 'i64', 'bool', 'cat'. ``valid``: an
        optional presence mask (truthy = present). A pandas Series or
        Categorical is converted as in :meth:`from_pandas`. Returns self."""
        self._handle  # raises if closed
        nm = _compat.encode(name, "column name")
        pd = _compat.pandas()
        if pd is not None and isinstance(values, (pd.Series, pd.Categorical,
                                                  pd.Index)):
            return self._add_pandas(name, values, type, valid, copy)
        t = None if type is None else type_code(type)
        np = _np()
        if np is not None and not (isinstance(values, (list, tuple)) and
                                   t is None):
            arr = np.asarray(values)
            if arr.ndim != 1:
                raise ValueError("column %r must be 1-dimensional, got shape "
                                 "%s" % (name, arr.shape))
            if arr.dtype.kind == "O" or (t is None and arr.dtype.kind in "US"):
                return self._add_list(name, arr.tolist(), t, valid)
            if t is None:
                k = arr.dtype.kind
                t = BOOL if k == "b" else I64 if k in "iu" else \
                    F64 if k == "f" else None
                if t is None:
                    raise TypeError("column %r: unsupported dtype %s"
                                    % (name, arr.dtype))
            if t == CAT:
                return self._add_list(name, [None if v is None else str(v)
                                             for v in arr.tolist()], t, valid)
            return self._add_typed(nm, name, arr, t, valid, copy)
        seq = list(values)
        return self._add_list(name, seq, t, valid)

    def _add_typed(self, nm, name, data, t, valid, copy):
        """Add an f64/i64/bool column from an array-like."""
        tc = {F64: "d", I64: "q", BOOL: "B"}[t]
        if t == BOOL and _np() is not None:
            np = _np()
            arr = np.asarray(data)
            if arr.dtype == np.bool_:
                data = arr.view(np.uint8)
            elif arr.dtype.kind == "f":
                bad = ~np.isin(arr, (0.0, 1.0))
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise ValueError("column %r: value %r at row %d is not a "
                                     "bool" % (name, arr[i].item(), i))
        if t == I64 and _np() is not None:
            np = _np()
            arr = np.asarray(data)
            if arr.dtype == np.uint64 and arr.size and \
                    arr.max() > np.iinfo(np.int64).max:
                i = int(np.argmax(arr))
                raise OverflowError("column %r: value %d at row %d does not "
                                    "fit int64" % (name, int(arr[i]), i))
        x = _compat.as_input(data, tc, "column %r" % name)
        v = None
        vptr = _compat.null("B")
        if valid is not None:
            v = self._mask(valid, "valid mask of column %r" % name)
            if v.n != x.n:
                from .errors import DimensionError
                raise DimensionError("column %r: valid mask has %d values for "
                                     "%d rows" % (name, v.n, x.n), -12)
            vptr = v.ptr
        own = COPY if (copy or x.copied) else BORROW
        fname = {F64: "causal_dataset_add_f64", I64: "causal_dataset_add_i64",
                 BOOL: "causal_dataset_add_bool"}[t]
        _lib.call(fname, self._handle, nm, x.ptr, vptr, x.n, own)
        if own == BORROW:
            self._keep.append(x.keep)
            if v is not None:
                self._keep.append(v.keep)
        return self

    @staticmethod
    def _mask(mask, what):
        np = _np()
        if np is not None:
            arr = np.asarray(mask)
            if arr.dtype == np.bool_:
                return _compat.as_input(arr.view(np.uint8), "B", what)
            return _compat.as_input((arr != 0).astype(np.uint8), "B", what)
        return _compat.as_input([1 if m else 0 for m in mask], "B", what)

    def _add_list(self, name, seq, t, valid):
        """Add a column from a Python list (None = missing), copying."""
        nm = _compat.encode(name, "column name")
        if t is None:
            t = _infer_list(name, seq)
        present = [v is not None for v in seq]
        if valid is not None:
            vm = list(valid)
            if len(vm) != len(seq):
                from .errors import DimensionError
                raise DimensionError("column %r: valid mask has %d values for "
                                     "%d rows" % (name, len(vm), len(seq)),
                                     -12)
            present = [p and bool(m) for p, m in zip(present, vm)]
        if t == CAT:
            vals = [None if not p else (s if isinstance(s, str) else str(s))
                    for s, p in zip(seq, present)]
            arr = _compat.names_array(vals, "column %r" % name,
                                      allow_none=True)
            _lib.call("causal_dataset_add_strings", self._handle, nm, arr,
                      len(vals))
            return self
        if t == F64:
            data = [float("nan") if not p else float(v)
                    for v, p in zip(seq, present)]
            mask = None if all(present) or valid is None else present
        elif t == I64:
            data = []
            for i, (v, p) in enumerate(zip(seq, present)):
                if not p:
                    data.append(0)
                    continue
                if isinstance(v, float):
                    if not v.is_integer():
                        raise ValueError("column %r: value %r at row %d is not"
                                         " an integer" % (name, v, i))
                    v = int(v)
                data.append(int(v))
            mask = None if all(present) else present
        else:
            data = []
            for i, (v, p) in enumerate(zip(seq, present)):
                if p and v not in (True, False, 0, 1):
                    raise ValueError("column %r: value %r at row %d is not a "
                                     "bool" % (name, v, i))
                data.append(1 if p and v else 0)
            mask = None if all(present) else present
        if t == I64:
            for i, d in enumerate(data):
                if not -(1 << 63) <= d < (1 << 63):
                    raise OverflowError("column %r: value %d at row %d does "
                                        "not fit int64" % (name, d, i))
        return self._add_typed(nm, name, data, t, mask, True)

    def _add_pandas(self, name, s, t, valid, copy):
        pd = _compat.pandas()
        np = _np()
        nm = _compat.encode(name, "column name")
        if isinstance(s, pd.Index):
            s = pd.Series(s)
        dtype = s.dtype
        if isinstance(dtype, pd.CategoricalDtype) and t in (None, CAT):
            cat = s.array if isinstance(s, pd.Series) else s
            codes = np.ascontiguousarray(cat.codes, dtype=np.int32)
            labels = [str(c) for c in cat.categories]
            return self.add_categorical(name, codes, labels)
        if isinstance(s, pd.Categorical):
            s = pd.Series(s)
        if pd.api.types.is_extension_array_dtype(dtype) and \
                dtype.kind in "iub" and t in (None, I64, BOOL, F64):
            mask = ~s.isna().to_numpy()
            kind = dtype.kind
            tt = t or (BOOL if kind == "b" else I64)
            fill = False if kind == "b" else 0
            vals = s.to_numpy(dtype=("bool" if kind == "b" else "int64")
                              if tt != F64 else "float64",
                              na_value=fill if tt != F64 else np.nan)
            if valid is not None:
                mask &= np.asarray(valid).astype(bool)
            return self._add_typed(nm, name, vals, tt, mask, True)
        if pd.api.types.is_extension_array_dtype(dtype) and \
                dtype.kind == "f":
            vals = s.to_numpy(dtype="float64", na_value=np.nan)
            return self._add_typed(nm, name, vals, t or F64, valid, True)
        if dtype.kind in "biuf":
            return self.add_column(name, s.to_numpy(), t, valid, copy)
        if dtype.kind in "OSU" or isinstance(dtype, pd.StringDtype):
            vals = [None if (v is None or v is pd.NA or
                             (isinstance(v, float) and math.isnan(v)))
                    else v for v in s.tolist()]
            return self._add_list(name, vals, t, valid)
        raise TypeError("column %r: unsupported pandas dtype %s"
                        % (name, dtype))

    def add_categorical(self, name, codes, labels, copy=True):
        """Add a categorical column from int codes in [-1, len(labels))
        (-1 = missing) and distinct str labels (always copied)."""
        x = _compat.as_input(codes, "i", "codes of column %r" % name)
        lab = _compat.names_array(list(labels), "labels")
        own = COPY if (copy or x.copied) else BORROW
        _lib.call("causal_dataset_add_cat", self._handle,
                  _compat.encode(name, "column name"), x.ptr, x.n, lab,
                  len(lab), own)
        if own == BORROW:
            self._keep.append(x.keep)
        return self

    # ---- shape and schema ----
    @property
    def nrows(self):
        """Number of rows."""
        return _lib.fn("causal_dataset_nrows")(self._handle)

    @property
    def ncols(self):
        """Number of columns."""
        return _lib.fn("causal_dataset_ncols")(self._handle)

    @property
    def shape(self):
        return (self.nrows, self.ncols)

    def __len__(self):
        return self.nrows

    @property
    def columns(self):
        """Column names in order."""
        h = self._handle
        f = _lib.fn("causal_dataset_col_name")
        return [_compat.decode(f(h, i)) for i in range(self.ncols)]

    def __iter__(self):
        return iter(self.columns)

    def __contains__(self, name):
        if not isinstance(name, str):
            return False
        c = ctypes.c_size_t()
        return _lib.fn("causal_dataset_col_index")(
            self._handle, _compat.encode(name), ctypes.byref(c)) == 0

    def _index(self, name):
        if isinstance(name, int) and not isinstance(name, bool):
            if not 0 <= name < self.ncols:
                from .errors import NotFoundError
                raise NotFoundError("column index %d out of range (%d "
                                    "columns)" % (name, self.ncols), -10)
            return name
        c = ctypes.c_size_t()
        _lib.call("causal_dataset_col_index", self._handle,
                  _compat.encode(name, "column name"), ctypes.byref(c))
        return c.value

    def column_type(self, name):
        """'f64', 'i64', 'bool' or 'cat'."""
        t = ctypes.c_int()
        _lib.call("causal_dataset_col_type", self._handle, self._index(name),
                  ctypes.byref(t))
        return TYPE_NAMES[t.value]

    @property
    def dtypes(self):
        """Dict of column name -> type name."""
        return {c: self.column_type(c) for c in self.columns}

    def missing(self, name):
        """Number of missing values in a column."""
        k = ctypes.c_size_t()
        _lib.call("causal_dataset_col_nmissing", self._handle,
                  self._index(name), ctypes.byref(k))
        return k.value

    # ---- column access ----
    def _raw(self, name):
        """(type, data copy, valid copy or None, labels or None)."""
        h = self._handle
        i = self._index(name)
        t = self.column_type(i)
        n = self.nrows
        vp = ctypes.POINTER(ctypes.c_uint8)()
        if t == "cat":
            p = ctypes.POINTER(ctypes.c_int32)()
            _lib.call("causal_dataset_col_cat", h, i, ctypes.byref(p))
            return t, _compat.copy_from(_compat.addr_of(p), n, "i"), None, \
                self.categories(i)
        tc, ct, fname = {"f64": ("d", ctypes.c_double, "causal_dataset_col_f64"),
                         "i64": ("q", ctypes.c_int64, "causal_dataset_col_i64"),
                         "bool": ("B", ctypes.c_uint8,
                                  "causal_dataset_col_bool")}[t]
        p = ctypes.POINTER(ct)()
        _lib.call(fname, h, i, ctypes.byref(p), ctypes.byref(vp))
        data = _compat.copy_from(_compat.addr_of(p), n, tc)
        va = _compat.addr_of(vp)
        valid = None if va is None else _compat.copy_from(va, n, "B")
        return t, data, valid, None

    def valid(self, name):
        """Presence mask of a column (bool array / list; False = missing)."""
        t, data, valid, _ = self._raw(name)
        np = _np()
        if np is not None:
            ok = np.ones(len(data), dtype=bool) if valid is None else \
                np.asarray(valid) != 0
            if t == "f64":
                ok &= ~np.isnan(data)
            elif t == "cat":
                ok &= np.asarray(data) >= 0
            return ok
        ok = [True] * len(data) if valid is None else [v != 0 for v in valid]
        if t == "f64":
            ok = [o and not math.isnan(d) for o, d in zip(ok, data)]
        elif t == "cat":
            ok = [o and d >= 0 for o, d in zip(ok, data)]
        return ok

    def column(self, name):
        """A copy of a column with missing values marked.

        With numpy: f64 -> float64 array (NaN missing); i64 -> int64 array,
        or float64 with NaN if any value is missing; bool -> bool array, or
        object array with None if any missing; cat -> object array of labels
        with None for missing. Without numpy: a list with None for missing.
        See also :meth:`codes`, :meth:`categories`, :meth:`valid`,
        :meth:`to_f64`."""
        t, data, valid, labels = self._raw(name)
        np = _np()
        ok = self.valid(name)
        if np is not None:
            allok = bool(ok.all())
            if t == "f64":
                if not allok:
                    data = data.copy()
                    data[~ok] = np.nan
                return data
            if t == "i64":
                if allok:
                    return data
                out = data.astype(np.float64)
                out[~ok] = np.nan
                return out
            if t == "bool":
                b = data != 0
                if allok:
                    return b
                out = b.astype(object)
                out[~ok] = None
                return out
            lab = np.array(labels + [None], dtype=object)
            return lab[np.where(ok, data, len(labels))]
        if t == "f64":
            return [d if o else None for d, o in zip(data, ok)]
        if t == "i64":
            return [d if o else None for d, o in zip(data, ok)]
        if t == "bool":
            return [bool(d) if o else None for d, o in zip(data, ok)]
        return [labels[d] if o else None for d, o in zip(data, ok)]

    def codes(self, name):
        """Level codes of a categorical column (int32; -1 = missing)."""
        t, data, _, _ = self._raw(name)
        if t != "cat":
            from .errors import TypeMismatchError
            raise TypeMismatchError("column %r is %s, not categorical"
                                    % (name, t), -11)
        return data

    def categories(self, name):
        """Level labels of a categorical column (list of str)."""
        h = self._handle
        i = self._index(name)
        k = ctypes.c_size_t()
        _lib.call("causal_dataset_cat_nlevels", h, i, ctypes.byref(k))
        f = _lib.fn("causal_dataset_cat_label")
        return [_compat.decode(f(h, i, j)) for j in range(k.value)]

    def to_f64(self, name):
        """Any column as float64 (missing -> NaN, bool -> 0/1, cat -> level
        code), via ``causal_dataset_col_to_f64``."""
        n = self.nrows
        out = _compat.Out(n, "d")
        _lib.call("causal_dataset_col_to_f64", self._handle,
                  self._index(name), out.ptr, n)
        return out.result((n,))

    def row(self, i):
        """Row i as a dict (missing -> None)."""
        n = self.nrows
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("row %d out of range (%d rows)" % (i, n))
        sub = self.take([i])
        try:
            out = {}
            for c in sub.columns:
                v = sub.column(c)[0]
                if isinstance(v, float) and math.isnan(v):
                    v = None
                out[c] = v.item() if hasattr(v, "item") else v
            return out
        finally:
            sub.close()

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.column(key)
        if isinstance(key, int) and not isinstance(key, bool):
            return self.row(key)
        if isinstance(key, slice):
            return self.take(list(range(*key.indices(self.nrows))))
        np = _np()
        if np is not None and isinstance(key, np.ndarray):
            if key.dtype == np.bool_:
                return self.filter(key)
            return self.take(key)
        key = list(key)
        if key and all(isinstance(k, str) for k in key):
            return self.select(key)
        if key and all(isinstance(k, bool) or type(k).__name__ == "bool_"
                       for k in key):
            return self.filter(key)
        return self.take(key)

    # ---- derived datasets ----
    def filter(self, mask):
        """New Dataset of the rows where mask is true (nrows booleans)."""
        m = self._mask(mask, "mask")
        out = new_out()
        _lib.call("causal_dataset_subset_mask", ctypes.byref(out),
                  self._handle, m.ptr, m.n)
        return Dataset._wrap(out)

    def take(self, rows):
        """New Dataset with the given rows in that order (repeats allowed;
        negative indices count from the end)."""
        np = _np()
        n = self.nrows
        if np is not None:
            idx = np.asarray(rows)
            if idx.size == 0:
                idx = idx.astype(np.int64)
            if idx.dtype.kind in "iu" and idx.size and (idx < 0).any():
                idx = np.where(idx < 0, idx + n, idx)
        else:
            idx = [int(r) + n if int(r) < 0 else r for r in rows]
        x = _compat.as_input(idx, "q", "rows")
        out = new_out()
        _lib.call("causal_dataset_subset_rows", ctypes.byref(out),
                  self._handle, x.ptr, x.n)
        return Dataset._wrap(out)

    def head(self, n=5):
        """The first n rows."""
        return self.take(list(range(min(n, self.nrows))))

    def select(self, names):
        """New Dataset with the named columns, in that order."""
        if isinstance(names, str):
            names = [names]
        names = list(names)
        arr = _compat.names_array(names, "names")
        out = new_out()
        _lib.call("causal_dataset_select", ctypes.byref(out), self._handle,
                  arr, len(names))
        return Dataset._wrap(out)

    def copy(self):
        """A new Dataset owning copies of all columns."""
        return self.select(self.columns)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def append(self, other):
        """Append the rows of ``other`` in place (columns matched by name,
        same types; categorical labels unified). Returns self."""
        if not isinstance(other, Dataset):
            other = Dataset(other)
        _lib.call("causal_dataset_append", self._handle, other._handle)
        return self

    # ---- conversions ----
    def to_dict(self):
        """Dict of column name -> column (as :meth:`column`)."""
        return {c: self.column(c) for c in self.columns}

    def to_pandas(self):
        """A pandas DataFrame: f64 -> float64; i64 -> int64 (nullable Int64
        if any missing); bool -> bool (nullable boolean if any missing);
        cat -> Categorical with the dataset's levels."""
        pd = _compat.pandas()
        if pd is None:
            raise ImportError("to_pandas needs pandas (and numpy)")
        np = _np()
        cols = {}
        for c in self.columns:
            t, data, _, labels = self._raw(c)
            ok = self.valid(c)
            allok = bool(ok.all())
            if t == "f64":
                s = pd.Series(self.column(c), dtype="float64")
            elif t == "i64":
                s = pd.Series(data, dtype="int64") if allok else \
                    pd.Series(pd.arrays.IntegerArray(data, ~ok))
            elif t == "bool":
                b = np.asarray(data) != 0
                s = pd.Series(b, dtype="bool") if allok else \
                    pd.Series(pd.arrays.BooleanArray(b, ~ok))
            else:
                s = pd.Series(pd.Categorical.from_codes(
                    np.asarray(data, dtype=np.int32),
                    categories=pd.Index(labels, dtype=object)))
            cols[c] = s
        return pd.DataFrame(cols)

    def __repr__(self):
        if self.closed:
            return "<causal.Dataset (closed)>"
        cols = ", ".join("%s: %s" % kv for kv in self.dtypes.items())
        return "<causal.Dataset %d rows x %d columns: %s>" % (
            self.nrows, self.ncols, cols)

    # ---- CSV ----
    @staticmethod
    def read_csv(path, **options):
        """See :func:`causal.read_csv`."""
        from .csv import read_csv
        return read_csv(path, **options)


# ---- design matrices --------------------------------------------------------

DesignMatrix = namedtuple("DesignMatrix", "X names rows n_dropped "
                                          "dropped_by_column")
DesignMatrix.__doc__ = """Output of :func:`design_matrix`.

X: n_used x k float64 array (list of rows without numpy); names: k column
names; rows: the dataset rows used (int array / list); n_dropped: rows
dropped for missing values; dropped_by_column: dict column -> rows missing
in it."""


class Design(Handle):
    """A model specification (``causal_design``): intercept, terms and
    reference levels, evaluated against datasets by :meth:`build`.

    Terms are column names or ':'-separated interactions ("x", "a:b").
    Categorical columns enter as treatment dummies ("region[north]").
    """

    _free_name = "causal_design_free"
    _type_name = "Design"

    def __init__(self, terms=(), intercept=True, reference=None):
        out = new_out()
        _lib.call("causal_design_new", ctypes.byref(out))
        self._adopt(out)
        self.set_intercept(intercept)
        if isinstance(terms, str):
            terms = [t.strip() for t in terms.split("+") if t.strip()]
        for t in terms:
            self.add_term(t)
        for col, level in (reference or {}).items():
            self.set_reference(col, level)

    def set_intercept(self, intercept):
        """Include the intercept column (default) or not."""
        _lib.call("causal_design_set_intercept", self._handle,
                  1 if intercept else 0)
        return self

    def add_term(self, term):
        """Add a term: "x" or an interaction "a:b"."""
        _lib.call("causal_design_add_term", self._handle,
                  _compat.encode(term, "term"))
        return self

    def set_reference(self, column, level):
        """Use ``level`` as the reference (omitted) level of ``column``."""
        _lib.call("causal_design_set_reference", self._handle,
                  _compat.encode(column, "column"),
                  _compat.encode(level, "level"))
        return self

    def build(self, ds):
        """Evaluate against a Dataset: a Result of kind "design" holding
        matrix "X", vector "rows", scalar "n_dropped" and vector
        "dropped_by_column" (see include/causal/dataset.h)."""
        from .result import Result
        if not isinstance(ds, Dataset):
            raise TypeError("build needs a Dataset, not %s"
                            % type(ds).__name__)
        out = new_out()
        _lib.call("causal_design_build", ctypes.byref(out), self._handle,
                  ds._handle)
        return Result._wrap(out)


def design_matrix(ds, terms, intercept=True, reference=None):
    """Model matrix of ``ds`` for ``terms`` (a list, or a "x + a:b" string).

    Rows with a missing value in any used column are dropped (listwise).
    ``reference`` maps categorical column -> reference level. Returns a
    :class:`DesignMatrix` (X, names, rows, n_dropped, dropped_by_column);
    use :class:`Design` ``.build()`` for the raw Result."""
    if not isinstance(ds, Dataset):
        ds = Dataset(ds)
    with Design(terms, intercept, reference) as d, d.build(ds) as r:
        X = r.matrix("X")
        _, names = r.dimnames("X")
        rows = r.vector("rows")
        np = _np()
        rows = rows.astype(np.int64) if np is not None else \
            [int(v) for v in rows]
        dropped = r.vector("dropped_by_column")
        dnames = r.names("dropped_by_column") or []
        return DesignMatrix(X, names or [], rows, int(r.scalar("n_dropped")),
                            {k: int(v) for k, v in zip(dnames, dropped)})


def describe(ds):
    """Per-column summary of a Dataset (``causal_describe_dataset``): a
    Result of kind "describe" with matrix "summary" (one row per column:
    count, missing, mean, sd, min, q25, median, q75, max), vectors "type"
    and "levels"."""
    from .result import Result
    if not isinstance(ds, Dataset):
        ds = Dataset(ds)
    out = new_out()
    _lib.call("causal_describe_dataset", ctypes.byref(out), ds._handle)
    return Result._wrap(out)
