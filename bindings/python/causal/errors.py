"""Exceptions raised for libcausal status codes.

Every failing C call becomes an instance of a :class:`CausalError` subclass
chosen by its status code. The message is the library's own
(``causal_last_error()``), which names the argument, column or row at fault;
``.status`` is the numeric code and ``.function`` the C function that failed.
Subclasses also derive from the matching built-in exception where one exists
(``ValueError``, ``KeyError``, ``TypeError``, ``OSError``, ``MemoryError``)
so that idiomatic ``except ValueError:`` handlers work.
"""

from . import _lib

__all__ = [
    "CausalError", "InvalidArgumentError", "OutOfMemoryError",
    "NonFiniteError", "SingularMatrixError", "ConvergenceError",
    "SeparationError", "CausalIOError", "ParseError", "OutOfRangeError",
    "NotFoundError", "TypeMismatchError", "DimensionError",
    "CorruptDataError", "MissingValueError", "NoOverlapError",
    "BufferSizeError", "VersionError", "AlreadyExistsError", "InternalError",
    "STATUS", "error_class",
]

#: Pinned status codes of include/causal/core.h.
STATUS = {
    "OK": 0, "EINVAL": -1, "ENOMEM": -2, "ENONFINITE": -3, "ESINGULAR": -4,
    "ENOCONV": -5, "ESEPARATION": -6, "EIO": -7, "EPARSE": -8, "ERANGE": -9,
    "ENOTFOUND": -10, "ETYPE": -11, "EDIM": -12, "ECORRUPT": -13,
    "EMISSING": -14, "ENOOVERLAP": -15, "EBUFSIZE": -16, "EVERSION": -17,
    "EEXISTS": -18, "EINTERNAL": -99,
}


class CausalError(Exception):
    """Base class of libcausal errors.

    Attributes: ``status`` (the C status code, negative), ``message`` (the
    library's message) and ``function`` (the C function that failed, or None).
    """

    status = None

    def __init__(self, message, status=None, function=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.function = function

    def __str__(self):
        # KeyError would otherwise repr() its argument.
        return self.message


class InvalidArgumentError(CausalError, ValueError):
    """CAUSAL_EINVAL: invalid argument (NULL, zero size, bad value)."""
    status = -1


class OutOfMemoryError(CausalError, MemoryError):
    """CAUSAL_ENOMEM: an allocation failed."""
    status = -2


class NonFiniteError(CausalError, ValueError):
    """CAUSAL_ENONFINITE: NaN or infinity where finite values are needed."""
    status = -3


class SingularMatrixError(CausalError):
    """CAUSAL_ESINGULAR: singular or rank-deficient system."""
    status = -4


class ConvergenceError(CausalError):
    """CAUSAL_ENOCONV: an iterative method did not converge."""
    status = -5


class SeparationError(CausalError):
    """CAUSAL_ESEPARATION: complete or quasi-complete separation."""
    status = -6


class CausalIOError(CausalError, OSError):
    """CAUSAL_EIO: a file could not be opened, read or written."""
    status = -7

    def __init__(self, message, status=None, function=None):
        CausalError.__init__(self, message, status, function)
        self.args = (message,)

    def __str__(self):
        return self.message


class ParseError(CausalError, ValueError):
    """CAUSAL_EPARSE: malformed text input (CSV, numbers)."""
    status = -8


class OutOfRangeError(CausalError, ValueError):
    """CAUSAL_ERANGE: option or argument outside its allowed range."""
    status = -9


class NotFoundError(CausalError, KeyError):
    """CAUSAL_ENOTFOUND: named column, entry or level does not exist."""
    status = -10


class TypeMismatchError(CausalError, TypeError):
    """CAUSAL_ETYPE: wrong type (column type, result entry type)."""
    status = -11


class DimensionError(CausalError, ValueError):
    """CAUSAL_EDIM: mismatched lengths or dimensions."""
    status = -12


class CorruptDataError(CausalError, ValueError):
    """CAUSAL_ECORRUPT: serialized buffer truncated, corrupt or foreign."""
    status = -13


class MissingValueError(CausalError, ValueError):
    """CAUSAL_EMISSING: missing values where none are allowed."""
    status = -14


class NoOverlapError(CausalError):
    """CAUSAL_ENOOVERLAP: no overlap / no common support."""
    status = -15


class BufferSizeError(CausalError):
    """CAUSAL_EBUFSIZE: caller buffer too small (a binding bug if seen)."""
    status = -16


class VersionError(CausalError):
    """CAUSAL_EVERSION: serialized format version not supported."""
    status = -17


class AlreadyExistsError(CausalError, ValueError):
    """CAUSAL_EEXISTS: name already present (duplicate column)."""
    status = -18


class InternalError(CausalError):
    """CAUSAL_EINTERNAL: an internal invariant was violated (a libcausal
    bug; please report it)."""
    status = -99


_BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, NonFiniteError,
    SingularMatrixError, ConvergenceError, SeparationError, CausalIOError,
    ParseError, OutOfRangeError, NotFoundError, TypeMismatchError,
    DimensionError, CorruptDataError, MissingValueError, NoOverlapError,
    BufferSizeError, VersionError, AlreadyExistsError, InternalError)}


def error_class(status):
    """The exception class for a status code (CausalError if unknown)."""
    return _BY_STATUS.get(status, CausalError)


def strerror(status):
    """Static text of a status code (``causal_strerror``)."""
    return _lib.fn("causal_strerror")(int(status)).decode("utf-8", "replace")


def last_error():
    """This thread's last libcausal error message (``causal_last_error``)."""
    return _lib.fn("causal_last_error")().decode("utf-8", "replace")


def clear_error():
    """Clear this thread's last error message."""
    _lib.fn("causal_clear_error")()


def make_error(status, function=None):
    msg = last_error() or strerror(status)
    return error_class(status)(msg, status, function)


def raise_status(status, function=None):
    raise make_error(status, function)
