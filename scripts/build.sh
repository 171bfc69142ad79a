#!/usr/bin/env bash
# Configure (once) and build libcausal into build/ (installs into build/prefix
# so the R package and pkg-config users can link it without root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
extra=()
[ "${CI:-}" = "true" ] && extra+=(--werror)
if [ ! -f build/build.ninja ]; then
  meson setup build --prefix="$root/build/prefix" --libdir=lib "${extra[@]}" >/dev/null
fi
ninja -C build >/dev/null
meson install -C build --quiet >/dev/null
