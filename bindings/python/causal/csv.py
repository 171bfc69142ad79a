"""Reading CSV files into Datasets (RFC 4180; see include/causal/csv.h)."""

import ctypes
import os

from . import _compat, _lib
from ._handle import Handle, new_out
from .dataset import Dataset, type_code

__all__ = ["CsvOptions", "CsvReader", "read_csv", "read_csv_string",
           "iter_csv"]

DELIMITER, HEADER, INFER_ROWS, CHUNK_ROWS = 1, 2, 3, 4
_KEYS = {"delimiter": DELIMITER, "header": HEADER, "infer_rows": INFER_ROWS,
         "chunk_rows": CHUNK_ROWS}


class CsvOptions(Handle):
    """CSV reader options (``causal_csv_options``).

    Keywords: ``delimiter`` (one character/byte, default ','), ``header``
    (bool, default True; without a header columns are V1, V2, ...),
    ``infer_rows`` (records used for type inference, default 10000; 0 =
    whole input), ``chunk_rows`` (streaming chunk size), ``na`` (list of NA
    tokens replacing the default {"", "NA"}), ``types`` (dict column ->
    'f64' / 'i64' / 'bool' / 'cat' or float / int / bool / str).
    """

    _free_name = "causal_csv_options_free"
    _type_name = "CsvOptions"

    def __init__(self, delimiter=None, header=None, infer_rows=None,
                 chunk_rows=None, na=None, types=None):
        out = new_out()
        _lib.call("causal_csv_options_new", ctypes.byref(out))
        self._adopt(out)
        if delimiter is not None:
            if isinstance(delimiter, str):
                d = delimiter.encode("utf-8")
            elif isinstance(delimiter, int):
                d = bytes([delimiter]) if 0 <= delimiter < 256 else b""
            else:
                d = bytes(delimiter)
            if len(d) != 1:
                raise ValueError("delimiter must be a single byte, got %r"
                                 % (delimiter,))
            self.set("delimiter", d[0])
        if header is not None:
            self.set("header", 1 if header else 0)
        if infer_rows is not None:
            self.set("infer_rows", infer_rows)
        if chunk_rows is not None:
            self.set("chunk_rows", chunk_rows)
        if na is not None:
            if isinstance(na, str):
                na = [na]
            for tok in na:
                self.add_na(tok)
        for col, t in (types or {}).items():
            self.set_type(col, t)

    @staticmethod
    def _key(key):
        if isinstance(key, str):
            try:
                return _KEYS[key]
            except KeyError:
                raise ValueError("unknown CSV option %r (one of %s)"
                                 % (key, ", ".join(_KEYS))) from None
        return int(key)

    def set(self, key, value):
        """Set an integer option by name ('delimiter', 'header',
        'infer_rows', 'chunk_rows') or C key."""
        _lib.call("causal_csv_options_set_int", self._handle, self._key(key),
                  int(value))
        return self

    def get(self, key):
        """Current value of an integer option."""
        v = ctypes.c_int64()
        _lib.call("causal_csv_options_get_int", self._handle, self._key(key),
                  ctypes.byref(v))
        return v.value

    @staticmethod
    def bounds(key):
        """(min, max) allowed for an integer option."""
        lo, hi = ctypes.c_int64(), ctypes.c_int64()
        _lib.call("causal_csv_options_bounds", CsvOptions._key(key),
                  ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    def add_na(self, token):
        """Add an NA token (the first call replaces the default set)."""
        _lib.call("causal_csv_options_add_na", self._handle,
                  _compat.encode(token, "NA token"))
        return self

    def set_type(self, column, t):
        """Fix the type of a column by header name."""
        _lib.call("causal_csv_options_set_type", self._handle,
                  _compat.encode(column, "column"),
                  type_code(t, "type of column %r" % column))
        return self


def _opts(options):
    if isinstance(options.get("options"), CsvOptions):
        if len(options) > 1:
            raise TypeError("pass either options= or keyword options")
        return options["options"], False
    return CsvOptions(**options), True


def _path(path):
    return _compat.encode(os.fspath(path), "path")


def read_csv(path, **options):
    """Read a whole CSV file into a :class:`Dataset`.

    Options as :class:`CsvOptions` keywords (``delimiter=``, ``header=``,
    ``na=[...]``, ``types={...}``, ``infer_rows=``) or ``options=`` an
    existing CsvOptions. Errors: CausalIOError (cannot open), ParseError
    with line and column."""
    o, own = _opts(options)
    try:
        out = new_out()
        _lib.call("causal_csv_read_file", ctypes.byref(out), _path(path),
                  o._handle)
        return Dataset._wrap(out)
    finally:
        if own:
            o.close()


def read_csv_string(data, **options):
    """Read CSV text (str or bytes) held in memory; options as read_csv."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    o, own = _opts(options)
    try:
        out = new_out()
        _lib.call("causal_csv_read_buffer", ctypes.byref(out), data,
                  len(data), o._handle)
        return Dataset._wrap(out)
    finally:
        if own:
            o.close()


class CsvReader(Handle):
    """Streaming CSV reader: iterate to get Dataset chunks of at most
    ``chunk_rows`` rows. Types are fixed by the first chunk; categorical
    codes are consistent across chunks. ``rows`` counts records read.
    Use as a context manager (or close()) to release the file early."""

    _free_name = "causal_csv_reader_free"
    _type_name = "CsvReader"

    def __init__(self, path, **options):
        o, own = _opts(options)
        try:
            out = new_out()
            _lib.call("causal_csv_reader_open", ctypes.byref(out),
                      _path(path), o._handle)
            self._adopt(out)
        finally:
            if own:
                o.close()

    @property
    def rows(self):
        """Data records consumed so far."""
        return _lib.fn("causal_csv_reader_rows")(self._handle)

    def __iter__(self):
        return self

    def __next__(self):
        if self.closed:
            raise StopIteration
        out = new_out()
        _lib.call("causal_csv_reader_next", self._handle, ctypes.byref(out))
        if not out.value:
            raise StopIteration
        return Dataset._wrap(out)

    def read_chunk(self):
        """The next chunk, or None at the end of input."""
        return next(self, None)


def iter_csv(path, chunk_rows=65536, **options):
    """Generator of Dataset chunks of a CSV file (streaming: memory bounded
    by ``chunk_rows``). The file is closed when the generator finishes or
    is closed. Options as :func:`read_csv`. The file is opened (and its
    errors raised) by this call, not at the first iteration."""
    return _chunks(CsvReader(path, chunk_rows=chunk_rows, **options))


def _chunks(reader):
    with reader:
        for chunk in reader:
            yield chunk
