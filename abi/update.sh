#!/usr/bin/env bash
# Regenerate the ABI baseline after a deliberate, reviewed ABI change:
#   abi/update.sh BUILD_DIR
# Writes abi/symbols.txt (exported functions) and abi/libcausal.abi (abidw).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: abi/update.sh BUILD_DIR}"
so="$(ls -t "$build"/lib/libcausal.so.*.*.* | head -n 1)"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWiu]$/ {sub(/@.*/, "", $3); print $3}' \
  | grep '^causal_' | sort -u > "$here/symbols.txt"
abidw --no-corpus-path --headers-dir "$here/../include" "$so" > "$here/libcausal.abi"
echo "wrote $here/symbols.txt ($(wc -l < "$here/symbols.txt") symbols) and $here/libcausal.abi"
