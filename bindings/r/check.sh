#!/bin/sh
# Build and check the R package against a meson build of libcausal.
#
#   bindings/r/check.sh [BUILDDIR]      (default: <repo>/build)
#
# libcausal is found through pkg-config: BUILDDIR/prefix (what
# scripts/build.sh installs) if it holds causal.pc, else the build tree's
# meson-uninstalled/causal-uninstalled.pc. Runs `R CMD build` and
# `R CMD check --no-manual` in BUILDDIR/rcheck, prints the check's
# summary and "R tests: N passed", and fails on any ERROR or WARNING.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)

pcdir=""
if [ -d "$build/prefix" ]; then
  pc=$(find "$build/prefix" -name causal.pc 2>/dev/null | head -n 1)
  [ -n "$pc" ] && pcdir=$(dirname "$pc")
fi
[ -n "$pcdir" ] || pcdir="$build/meson-uninstalled"
PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
echo "R package: libcausal from $pcdir"

work="$build/rcheck"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
R CMD build --no-build-vignettes "$here" > build.log 2>&1 || {
  cat build.log
  exit 1
}
tarball=$(ls causal_*.tar.gz)
set +e
_R_CHECK_FORCE_SUGGESTS_=false R CMD check --no-manual "$tarball" > check.log 2>&1
rc=$?
set -e
log=causal.Rcheck/00check.log
grep -E '(NOTE|WARNING|ERROR)' "$log" || true
passed=$(ls causal.Rcheck/tests/*.Rout 2>/dev/null | wc -l | tr -d ' ')
failed=$(ls causal.Rcheck/tests/*.Rout.fail 2>/dev/null | wc -l | tr -d ' ')
for f in causal.Rcheck/tests/*.Rout.fail; do
  [ -f "$f" ] || continue
  echo "== $f"
  tail -n 20 "$f"
done
tail -n 1 "$log"
echo "R tests: $passed passed, $failed failed"
if [ "$rc" -ne 0 ] || grep -qE '^Status: .*(ERROR|WARNING)' "$log"; then
  exit 1
fi
exit 0
