#!/usr/bin/env bash
# README command 2: install dependencies, build, run every test suite
# (cmocka + CLI, Python, R) and print one closing tally line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh --test
scripts/build.sh
total_pass=0
total_fail=0

echo "== C test suites (cmocka) and CLI"
set +e
meson test -C build --print-errorlogs --num-processes 2 > build/meson-test.out 2>&1
c_rc=$?
set -e
grep -E '^ *[0-9]+/[0-9]+ ' build/meson-test.out || true
c_ok=$(awk '/^Ok:/ {print $2}' build/meson-test.out)
c_fail=$(awk '/^Fail:/ {print $2}' build/meson-test.out)
c_to=$(awk '/^Timeout:/ {print $2}' build/meson-test.out)
[ "$c_rc" -eq 0 ] || { cat build/meson-test.out; }
total_pass=$((total_pass + ${c_ok:-0}))
total_fail=$((total_fail + ${c_fail:-0} + ${c_to:-0} + (c_rc != 0 && ${c_fail:-0} == 0 ? 1 : 0)))

echo "== Python bindings (pytest)"
set +e
CAUSAL_LIBRARY="$root/build/lib/libcausal.so.0" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  -rs bindings/python/tests > build/pytest.out 2>&1
py_rc=$?
set -e
tail -n 3 build/pytest.out
[ "$py_rc" -eq 0 ] || cat build/pytest.out
py_pass=$(grep -oE '[0-9]+ passed' build/pytest.out | tail -n 1 | grep -oE '[0-9]+' || echo 0)
py_fail=$( (grep -oE '[0-9]+ (failed|error)' build/pytest.out || true) | awk '{s += $1} END {print s + 0}')
total_pass=$((total_pass + py_pass))
total_fail=$((total_fail + py_fail + (py_rc != 0 && py_fail == 0 ? 1 : 0)))

echo "== installed Python package (meson install into build/prefix, no CAUSAL_LIBRARY)"
if (cd /tmp && env -u CAUSAL_LIBRARY PYTHONPATH="$root/build/prefix/lib/python3/dist-packages" /usr/bin/python3 -c "
import causal, os
assert causal.__file__.startswith('$root/build/prefix/'), causal.__file__
r = causal.describe(causal.read_csv('$root/data/lalonde.csv'))
assert r['summary'].shape == (9, 9)
print('installed package OK:', causal.library_version())
"); then total_pass=$((total_pass + 1)); else total_fail=$((total_fail + 1)); fi

echo "== R package (R CMD build + check)"
set +e
bindings/r/check.sh "$root/build" > build/rcheck.out 2>&1
r_rc=$?
set -e
tail -n 4 build/rcheck.out
[ "$r_rc" -eq 0 ] || cat build/rcheck.out
r_pass=$(grep -oE '^R tests: [0-9]+ passed' build/rcheck.out | grep -oE '[0-9]+' || echo 0)
total_pass=$((total_pass + r_pass))
total_fail=$((total_fail + (r_rc != 0 ? 1 : 0)))

echo "$total_pass $total_fail" > build/test-total
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
