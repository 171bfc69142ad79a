"""Loading libcausal and declaring the C signatures (ctypes).

Where the shared library comes from, in order:

1. the environment variable ``CAUSAL_LIBRARY`` (a path to the library file);
2. when the package runs from the libcausal source tree, the newest
   ``build*/lib/libcausal.so*`` of that tree;
3. the installed library by its soname ``libcausal.so.0`` (then whatever
   ``ctypes.util.find_library("causal")`` finds).

At load the library's ``causal_version_number()`` must have the package's
major version and at least :data:`MIN_LIBRARY_VERSION`; otherwise
:class:`ImportError` is raised. Every exported function gets its ``argtypes``
and ``restype`` declared here; nothing else in the package calls a C function
that is not listed in :data:`SIGNATURES`.
"""

import ctypes
import ctypes.util
import glob
import os
from ctypes import (POINTER, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_size_t, c_uint8, c_uint64, c_void_p)

__all__ = ["lib", "path", "call", "has", "fn", "MIN_LIBRARY_VERSION"]

#: The package speaks to libraries with this major version...
PACKAGE_MAJOR = 0
#: ...and at least this version number (major * 10000 + minor * 100 + patch).
MIN_LIBRARY_VERSION = 200

ENV_VAR = "CAUSAL_LIBRARY"
SONAME = "libcausal.so.0"

_P = POINTER
_pd = _P(c_double)
_handle = c_void_p
_out = _P(c_void_p)  # creators: T **out
_names = _P(c_char_p)  # const char *const *

# name: (restype, [argtypes])
SIGNATURES = {
    # core.h
    "causal_version_number": (c_int, []),
    "causal_version_string": (c_char_p, []),
    "causal_strerror": (c_char_p, [c_int]),
    "causal_last_error": (c_char_p, []),
    "causal_clear_error": (None, []),
    "causal_set_thread_allocator": (c_int, [c_void_p, c_void_p, c_void_p]),
    "causal_free": (None, [c_void_p]),
    # result.h
    "causal_result_new": (c_int, [_out, c_char_p]),
    "causal_result_free": (None, [_handle]),
    "causal_result_set_scalar": (c_int, [_handle, c_char_p, c_double]),
    "causal_result_set_string": (c_int, [_handle, c_char_p, c_char_p]),
    "causal_result_set_vector": (c_int, [_handle, c_char_p, _pd, c_size_t,
                                         _names]),
    "causal_result_set_matrix": (c_int, [_handle, c_char_p, _pd, c_size_t,
                                         c_size_t, _names, _names]),
    "causal_result_set_table": (c_int, [_handle, c_char_p, _names, c_size_t,
                                        _pd, _pd, _pd, _pd, _pd, _pd]),
    "causal_result_add_warning": (c_int, [_handle, c_char_p]),
    "causal_result_kind": (c_char_p, [_handle]),
    "causal_result_count": (c_size_t, [_handle]),
    "causal_result_name": (c_char_p, [_handle, c_size_t]),
    "causal_result_type": (c_int, [_handle, c_char_p, _P(c_int)]),
    "causal_result_get_scalar": (c_int, [_handle, c_char_p, _pd]),
    "causal_result_get_string": (c_int, [_handle, c_char_p, _P(c_char_p)]),
    "causal_result_get_vector": (c_int, [_handle, c_char_p, _P(_pd),
                                         _P(c_size_t)]),
    "causal_result_get_matrix": (c_int, [_handle, c_char_p, _P(_pd),
                                         _P(c_size_t), _P(c_size_t)]),
    "causal_result_dimname": (c_char_p, [_handle, c_char_p, c_int, c_size_t]),
    "causal_result_nwarnings": (c_size_t, [_handle]),
    "causal_result_warning": (c_char_p, [_handle, c_size_t]),
    "causal_result_to_json": (c_int, [_handle, _P(c_void_p), _P(c_size_t)]),
    # rng.h
    "causal_rng_new": (c_int, [_out, c_uint64, c_uint64]),
    "causal_rng_free": (None, [_handle]),
    "causal_rng_clone": (c_int, [_out, _handle]),
    "causal_rng_get_state": (c_int, [_handle, _P(c_uint64), _P(c_uint64),
                                     _P(c_uint64), _P(c_uint64)]),
    "causal_rng_set_state": (c_int, [_handle, c_uint64, c_uint64, c_uint64,
                                     c_uint64]),
    "causal_rng_advance": (c_int, [_handle, c_uint64, c_uint64]),
    "causal_rng_u64": (c_int, [_handle, _P(c_uint64), c_size_t]),
    "causal_rng_uniform": (c_int, [_handle, _pd, c_size_t]),
    "causal_rng_bounded": (c_int, [_handle, c_uint64, _P(c_uint64), c_size_t]),
    "causal_rng_normal": (c_int, [_handle, c_double, c_double, _pd, c_size_t]),
    "causal_rng_exponential": (c_int, [_handle, c_double, _pd, c_size_t]),
    "causal_rng_gamma": (c_int, [_handle, c_double, c_double, _pd, c_size_t]),
    "causal_rng_beta": (c_int, [_handle, c_double, c_double, _pd, c_size_t]),
    "causal_rng_binomial": (c_int, [_handle, c_int64, c_double, _P(c_int64),
                                    c_size_t]),
    "causal_rng_poisson": (c_int, [_handle, c_double, _P(c_int64), c_size_t]),
    "causal_rng_shuffle": (c_int, [_handle, _P(c_int64), c_size_t]),
    "causal_rng_sample": (c_int, [_handle, c_int64, c_int64, _P(c_int64)]),
    # dist.h
    "causal_dist_nparams": (c_int, [c_int]),
    "causal_dist_eval": (c_int, [c_int, c_int, _pd, c_size_t, _pd, c_size_t,
                                 _pd]),
    # stats.h
    "causal_moments_new": (c_int, [_out, c_size_t]),
    "causal_moments_free": (None, [_handle]),
    "causal_moments_clone": (c_int, [_out, _handle]),
    "causal_moments_reset": (c_int, [_handle]),
    "causal_moments_nvars": (c_size_t, [_handle]),
    "causal_moments_update": (c_int, [_handle, _pd, c_size_t, c_size_t,
                                      c_size_t, _pd]),
    "causal_moments_merge": (c_int, [_handle, _handle]),
    "causal_moments_get": (c_int, [_handle, c_int, _pd, c_size_t]),
    "causal_moments_serialize": (c_int, [_handle, _P(c_void_p),
                                         _P(c_size_t)]),
    "causal_moments_deserialize": (c_int, [_out, _P(c_uint8), c_size_t]),
    # dataset.h
    "causal_dataset_new": (c_int, [_out]),
    "causal_dataset_free": (None, [_handle]),
    "causal_dataset_add_f64": (c_int, [_handle, c_char_p, _pd, _P(c_uint8),
                                       c_size_t, c_int]),
    "causal_dataset_add_i64": (c_int, [_handle, c_char_p, _P(c_int64),
                                       _P(c_uint8), c_size_t, c_int]),
    "causal_dataset_add_bool": (c_int, [_handle, c_char_p, _P(c_uint8),
                                        _P(c_uint8), c_size_t, c_int]),
    "causal_dataset_add_cat": (c_int, [_handle, c_char_p, _P(c_int32),
                                       c_size_t, _names, c_size_t, c_int]),
    "causal_dataset_add_strings": (c_int, [_handle, c_char_p, _names,
                                           c_size_t]),
    "causal_dataset_nrows": (c_size_t, [_handle]),
    "causal_dataset_ncols": (c_size_t, [_handle]),
    "causal_dataset_col_name": (c_char_p, [_handle, c_size_t]),
    "causal_dataset_col_index": (c_int, [_handle, c_char_p, _P(c_size_t)]),
    "causal_dataset_col_type": (c_int, [_handle, c_size_t, _P(c_int)]),
    "causal_dataset_col_nmissing": (c_int, [_handle, c_size_t,
                                            _P(c_size_t)]),
    "causal_dataset_col_f64": (c_int, [_handle, c_size_t, _P(_pd),
                                       _P(_P(c_uint8))]),
    "causal_dataset_col_i64": (c_int, [_handle, c_size_t, _P(_P(c_int64)),
                                       _P(_P(c_uint8))]),
    "causal_dataset_col_bool": (c_int, [_handle, c_size_t, _P(_P(c_uint8)),
                                        _P(_P(c_uint8))]),
    "causal_dataset_col_cat": (c_int, [_handle, c_size_t, _P(_P(c_int32))]),
    "causal_dataset_cat_nlevels": (c_int, [_handle, c_size_t, _P(c_size_t)]),
    "causal_dataset_cat_label": (c_char_p, [_handle, c_size_t, c_size_t]),
    "causal_dataset_col_to_f64": (c_int, [_handle, c_size_t, _pd, c_size_t]),
    "causal_dataset_subset_mask": (c_int, [_out, _handle, _P(c_uint8),
                                           c_size_t]),
    "causal_dataset_subset_rows": (c_int, [_out, _handle, _P(c_int64),
                                           c_size_t]),
    "causal_dataset_select": (c_int, [_out, _handle, _names, c_size_t]),
    "causal_dataset_append": (c_int, [_handle, _handle]),
    "causal_design_new": (c_int, [_out]),
    "causal_design_free": (None, [_handle]),
    "causal_design_set_intercept": (c_int, [_handle, c_int]),
    "causal_design_add_term": (c_int, [_handle, c_char_p]),
    "causal_design_set_reference": (c_int, [_handle, c_char_p, c_char_p]),
    "causal_design_build": (c_int, [_out, _handle, _handle]),
    # describe.h
    "causal_describe_dataset": (c_int, [_out, _handle]),
    # csv.h
    "causal_csv_options_new": (c_int, [_out]),
    "causal_csv_options_free": (None, [_handle]),
    "causal_csv_options_set_int": (c_int, [_handle, c_int, c_int64]),
    "causal_csv_options_get_int": (c_int, [_handle, c_int, _P(c_int64)]),
    "causal_csv_options_bounds": (c_int, [c_int, _P(c_int64), _P(c_int64)]),
    "causal_csv_options_add_na": (c_int, [_handle, c_char_p]),
    "causal_csv_options_set_type": (c_int, [_handle, c_char_p, c_int]),
    "causal_csv_read_file": (c_int, [_out, c_char_p, _handle]),
    "causal_csv_read_buffer": (c_int, [_out, c_char_p, c_size_t, _handle]),
    "causal_csv_reader_open": (c_int, [_out, c_char_p, _handle]),
    "causal_csv_reader_next": (c_int, [_handle, _out]),
    "causal_csv_reader_rows": (c_int64, [_handle]),
    "causal_csv_reader_free": (None, [_handle]),
}


def _package_dir():
    return os.path.dirname(os.path.abspath(__file__))


def _source_tree_candidates():
    """libcausal.so* files of build directories when running from source."""
    root = os.path.normpath(os.path.join(_package_dir(), "..", "..", ".."))
    if not os.path.isfile(os.path.join(root, "include", "causal.h")):
        return []
    found = []
    for pattern in ("build*/lib/libcausal.so.0", "build*/lib/libcausal.so"):
        # A half-built tree can leave a dangling symlink: skip it.
        found.extend(f for f in sorted(glob.glob(os.path.join(root, pattern)))
                     if os.path.exists(f))
    # Newest build first: the one the developer touched last. Sanitizer
    # builds are skipped unless their runtime is preloaded: loading one into
    # a plain interpreter aborts the process rather than failing.
    asan_loaded = "asan" in os.environ.get("LD_PRELOAD", "")
    seen, unique = set(), []
    for f in sorted(found, key=lambda f: -os.path.getmtime(f)):
        real = os.path.realpath(f)
        if real in seen or (not asan_loaded and _is_sanitized(real)):
            continue
        seen.add(real)
        unique.append(f)
    return unique


def _install_prefix_candidates():
    """libcausal.so.0 under the prefix the package was installed into
    (<prefix>/lib[/<multiarch>]/ for <prefix>/lib/python3*/*-packages/causal),
    so an install into a private prefix works without LD_LIBRARY_PATH."""
    pkg = _package_dir()
    parts = pkg.split(os.sep)
    if len(parts) < 5 or not parts[-2].endswith("-packages"):
        return []
    prefix = os.sep.join(parts[:-4]) or os.sep
    found = [os.path.join(prefix, "lib", SONAME)]
    found.extend(sorted(glob.glob(os.path.join(prefix, "lib", "*", SONAME))))
    return [f for f in found if os.path.isfile(f)]


def _is_sanitized(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__tsan_init" in data or \
        b"__msan_init" in data


def _load():
    tried = []
    env = os.environ.get(ENV_VAR)
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            raise ImportError(
                "causal: cannot load libcausal from %s=%r: %s" % (ENV_VAR, env, e)
            ) from e
    candidates = _source_tree_candidates() + _install_prefix_candidates() + [SONAME]
    try:
        alt = ctypes.util.find_library("causal")
        if alt and alt not in candidates:
            candidates.append(alt)
    except Exception:  # pragma: no cover - find_library may shell out
        pass
    for cand in candidates:
        try:
            return ctypes.CDLL(cand), cand
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
    raise ImportError(
        "causal: cannot find the libcausal shared library. Tried:\n  "
        + "\n  ".join(["$%s (not set)" % ENV_VAR] + tried)
        + "\nBuild it (meson setup build && ninja -C build), install it, or "
        "set %s to the path of libcausal.so." % ENV_VAR
    )


class _Missing:
    """Stand-in for a function the loaded library does not export (a module
    not built into it yet): calling it raises a clear NotImplementedError."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        raise NotImplementedError(
            "libcausal at %s does not export %s (its module is not built "
            "into this library)" % (path, self.name)
        )


def _declare(cdll):
    table = {}
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            f = getattr(cdll, name)
        except AttributeError:
            table[name] = _Missing(name)
            continue
        f.restype = restype
        f.argtypes = argtypes
        table[name] = f
    return table


lib, path = _load()
_fns = _declare(lib)

_version = _fns["causal_version_number"]()
if _version // 10000 != PACKAGE_MAJOR or _version < MIN_LIBRARY_VERSION:
    raise ImportError(
        "causal: libcausal at %s has version %d.%d.%d; this package needs "
        "%d.x >= %d.%d.%d" % (path, _version // 10000, _version // 100 % 100,
                              _version % 100, PACKAGE_MAJOR,
                              MIN_LIBRARY_VERSION // 10000,
                              MIN_LIBRARY_VERSION // 100 % 100,
                              MIN_LIBRARY_VERSION % 100)
    )


_clear = _fns["causal_clear_error"]


def has(name):
    """True if the loaded library exports the C function ``name``."""
    return not isinstance(_fns[name], _Missing)


def fn(name):
    """The declared ctypes function ``name`` (for calls that return values
    rather than a status)."""
    return _fns[name]


def call(name, *args):
    """Call the C function ``name``; a negative status raises the matching
    :class:`causal.CausalError` subclass with the library's message."""
    _clear()
    status = _fns[name](*args)
    if status < 0:
        from .errors import raise_status
        raise_status(status, name)
    return status
