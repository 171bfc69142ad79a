#!/usr/bin/env bash
# ABI gate. usage: abi/check.sh BUILD_DIR
#  1. every exported symbol starts with causal_ (plus the version node);
#  2. the exported list equals abi/symbols.txt (a removed symbol is a break;
#     a new one must be added to symbols.txt and lib/libcausal.map on purpose);
#  3. every CAUSAL_API function declared in include/ is exported;
#  4. abidiff against the committed baseline abi/libcausal.abi finds no
#     incompatible change (exit bit 8) and no error (bits 1-2).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${1:?usage: abi/check.sh BUILD_DIR}"
so="$(ls -t "$build"/lib/libcausal.so.*.*.* | head -n 1)"
status=0
exported="$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWiu]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)"
bad="$(printf '%s\n' "$exported" | grep -vE '^(causal_|CAUSAL_[0-9_]+$)' || true)"
if [ -n "$bad" ]; then
  echo "ABI: symbols exported outside the causal_ prefix:"; echo "$bad"; status=1
fi
funcs="$(printf '%s\n' "$exported" | grep '^causal_')"
if ! diff <(sort -u "$here/symbols.txt") <(printf '%s\n' "$funcs") >/tmp/abi-sym.diff; then
  echo "ABI: exported symbols differ from abi/symbols.txt (< missing from the library, > new):"
  cat /tmp/abi-sym.diff; status=1
fi
declared="$(grep -hoE 'CAUSAL_API[^;(]*\b(causal_[a-z0-9_]+)\s*\(' "$root"/include/causal/*.h \
  | grep -oE 'causal_[a-z0-9_]+\s*\($' | tr -d ' (' | sort -u)"
undeclared="$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$funcs"))"
if [ -n "$undeclared" ]; then
  echo "ABI: declared with CAUSAL_API but not exported:"; echo "$undeclared"; status=1
fi
unlisted="$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$funcs"))"
if [ -n "$unlisted" ]; then
  echo "ABI: exported but not declared in a public header:"; echo "$unlisted"; status=1
fi
if command -v abidiff >/dev/null; then
  abidiff --no-added-syms --headers-dir1 "$root/include" --headers-dir2 "$root/include" "$here/libcausal.abi" "$so" >/tmp/abidiff.txt 2>&1
  rc=$?
  if [ $((rc & 8)) -ne 0 ] || [ $((rc & 3)) -ne 0 ]; then
    echo "ABI: abidiff reports an incompatible change or failed (exit $rc):"; cat /tmp/abidiff.txt; status=1
  elif [ $((rc & 4)) -ne 0 ]; then
    echo "ABI: compatible changes against the baseline (review them):"; cat /tmp/abidiff.txt
  fi
else
  echo "ABI: abidiff not installed (Debian package abigail-tools)"; status=1
fi
[ $status -eq 0 ] && echo "ABI: OK ($(printf '%s\n' "$funcs" | wc -l) exported functions)"
exit $status
