"""Loader, versions and the error classes."""

import ctypes
import os
import shutil
import subprocess
import textwrap

import pytest

import causal
from causal import _lib, errors
from conftest import run_python


def test_versions():
    assert causal.__version__ == "0.2.0"
    v = causal.library_version()
    major, minor, patch = (int(p) for p in v.split("."))
    assert causal.library_version_number() == major * 10000 + minor * 100 + patch
    assert major == _lib.PACKAGE_MAJOR
    assert causal.library_version_number() >= _lib.MIN_LIBRARY_VERSION
    assert os.path.exists(causal.library_path()) or \
        causal.library_path() == _lib.SONAME


def test_every_signature_is_declared():
    # Every function the loaded library exports that the headers declare has
    # argtypes/restype set; every header function is in SIGNATURES.
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include",
                        "causal")
    import re
    declared = set()
    # Headers this binding covers (regress.h and later estimators are bound
    # when they are implemented).
    covered = ["core.h", "result.h", "rng.h", "dist.h", "stats.h",
               "dataset.h", "csv.h", "describe.h"]
    for h in covered:
        text = open(os.path.join(root, h)).read()
        declared |= set(re.findall(r"CAUSAL_API[^;(]*?\b(causal_\w+)\s*\(",
                                   text, re.S))
    assert declared <= set(_lib.SIGNATURES), \
        declared - set(_lib.SIGNATURES)
    for name in _lib.SIGNATURES:
        f = _lib.fn(name)
        if _lib.has(name):
            assert f.argtypes is not None, name


def test_status_codes_match_header():
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                             "include", "causal", "core.h")).read()
    import re
    for name, value in re.findall(r"CAUSAL_(E\w+|OK) = (-?\d+)", text):
        assert errors.STATUS[name] == int(value)
        if value != "0":
            assert errors.error_class(int(value)).status == int(value)


@pytest.mark.parametrize("status,cls,base", [
    (-1, causal.InvalidArgumentError, ValueError),
    (-2, causal.OutOfMemoryError, MemoryError),
    (-3, causal.NonFiniteError, ValueError),
    (-4, causal.SingularMatrixError, causal.CausalError),
    (-5, causal.ConvergenceError, causal.CausalError),
    (-6, causal.SeparationError, causal.CausalError),
    (-7, causal.CausalIOError, OSError),
    (-8, causal.ParseError, ValueError),
    (-9, causal.OutOfRangeError, ValueError),
    (-10, causal.NotFoundError, KeyError),
    (-11, causal.TypeMismatchError, TypeError),
    (-12, causal.DimensionError, ValueError),
    (-13, causal.CorruptDataError, ValueError),
    (-14, causal.MissingValueError, ValueError),
    (-15, causal.NoOverlapError, causal.CausalError),
    (-16, causal.BufferSizeError, causal.CausalError),
    (-17, causal.VersionError, causal.CausalError),
    (-18, causal.AlreadyExistsError, ValueError),
    (-99, causal.InternalError, causal.CausalError),
])
def test_error_classes(status, cls, base):
    assert errors.error_class(status) is cls
    assert issubclass(cls, causal.CausalError) and issubclass(cls, base)
    e = errors.make_error(status, "causal_fake")
    assert isinstance(e, cls)
    assert e.status == status and e.function == "causal_fake"
    # No message pending: the static text is used; str() is the bare text
    # (no KeyError quoting).
    errors.clear_error()
    e = errors.make_error(status)
    assert str(e) == causal.strerror(status) != "unknown status"


def test_unknown_status():
    assert errors.error_class(-1234) is causal.CausalError
    assert causal.strerror(-1234) == "unknown status"
    assert causal.strerror(0) == "success"


def test_last_error_cleared_before_calls():
    errors.clear_error()
    assert causal.last_error() == ""


def _fake_library(tmp_path, version):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text(textwrap.dedent("""
        int causal_version_number(void) { return %d; }
        const char *causal_version_string(void) { return "x"; }
    """ % version))
    so = tmp_path / "libfake.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)],
                   check=True)
    return so


def test_loader_rejects_other_major(tmp_path):
    so = _fake_library(tmp_path, 10000)  # 1.0.0
    p = run_python("import causal", env={"CAUSAL_LIBRARY": str(so)})
    assert p.returncode != 0
    assert "ImportError" in p.stderr and "version 1.0.0" in p.stderr


def test_loader_rejects_too_old_minor(tmp_path):
    so = _fake_library(tmp_path, 5)  # 0.0.5
    p = run_python("import causal", env={"CAUSAL_LIBRARY": str(so)})
    assert p.returncode != 0 and "0.0.5" in p.stderr


def test_loader_bad_env_path():
    p = run_python("import causal",
                   env={"CAUSAL_LIBRARY": "/nonexistent/libcausal.so"})
    assert p.returncode != 0
    assert "CAUSAL_LIBRARY" in p.stderr and "/nonexistent" in p.stderr


def test_loader_lists_what_was_tried(tmp_path):
    # A copy of the package outside the source tree, no env var, no
    # installed library on the default path: the error lists the attempts.
    pkg = tmp_path / "causal"
    shutil.copytree(os.path.dirname(causal.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ)
    env.pop("CAUSAL_LIBRARY", None)
    env["PYTHONPATH"] = str(tmp_path)
    env["LD_LIBRARY_PATH"] = ""
    p = subprocess.run([__import__("sys").executable, "-c", "import causal"],
                       env=env, capture_output=True, text=True,
                       cwd=str(tmp_path))
    if p.returncode == 0:
        pytest.skip("libcausal.so.0 is installed system-wide")
    assert "Tried:" in p.stderr and "libcausal.so.0" in p.stderr
    assert "CAUSAL_LIBRARY" in p.stderr


def test_loader_env_override_is_used():
    p = run_python("import causal; print(causal.library_path())",
                   env={"CAUSAL_LIBRARY": _lib.path})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == _lib.path


def test_source_tree_build_is_found():
    p = run_python("import causal; print(causal.library_path())",
                   env={"CAUSAL_LIBRARY": ""})
    assert p.returncode == 0, p.stderr
    assert "/lib/libcausal.so" in p.stdout


def test_missing_function_message():
    m = _lib._Missing("causal_nothing")
    with pytest.raises(NotImplementedError, match="causal_nothing"):
        m()


def test_set_thread_allocator_declared():
    f = _lib.fn("causal_set_thread_allocator")
    assert f.restype is ctypes.c_int
    assert f(None, None, None) == 0  # restore malloc/free


def test_causal_free_accepts_null():
    _lib.fn("causal_free")(None)
