"""Shared fixtures for the causal Python tests.

Run from the repository: /usr/bin/python3 -m pytest bindings/python/tests
(the package finds the build tree's libcausal, or set CAUSAL_LIBRARY).
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)
if PKG_ROOT not in sys.path:
    sys.path.insert(0, PKG_ROOT)

import causal  # noqa: E402,F401  (imported early: loads the library)
from causal import _compat, _lib  # noqa: E402


def requires(*names):
    """Skip (with a reason naming the C module) if the loaded library does
    not export these functions yet: its branch is not merged."""
    missing = [n for n in names if not _lib.has(n)]
    return pytest.mark.skipif(
        bool(missing),
        reason="libcausal at %s lacks %s: C module not merged yet"
        % (_lib.path, ", ".join(missing)))


needs_rng = requires("causal_rng_new")
needs_dist = requires("causal_dist_eval")
needs_moments = requires("causal_moments_new")
needs_result = requires("causal_result_new")
needs_dataset = requires("causal_dataset_new")
needs_design = requires("causal_design_new")
needs_csv = requires("causal_csv_read_file")


@pytest.fixture(params=["numpy", "lists"])
def mode(request):
    """Run a test with numpy and with numpy switched off (list path)."""
    prev = _compat.set_numpy(request.param == "numpy")
    try:
        yield request.param
    finally:
        _compat.set_numpy(prev)


@pytest.fixture
def nonumpy():
    prev = _compat.set_numpy(False)
    try:
        yield
    finally:
        _compat.set_numpy(prev)


def tolist(x):
    """numpy array or list -> nested list."""
    return x.tolist() if hasattr(x, "tolist") else list(x)


def run_python(code, env=None, block_numpy=False):
    """Run code in a fresh /usr/bin/python3 (or this interpreter) with the
    package importable; returns CompletedProcess."""
    import subprocess
    e = dict(os.environ)
    e["PYTHONPATH"] = PKG_ROOT + os.pathsep + e.get("PYTHONPATH", "")
    if env:
        e.update(env)
    prefix = ""
    if block_numpy:
        prefix = ("import sys\nsys.modules['numpy'] = None\n"
                  "sys.modules['pandas'] = None\n")
    return subprocess.run([sys.executable, "-c", prefix + code], env=e,
                          capture_output=True, text=True, timeout=120)
