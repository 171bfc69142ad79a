#!/usr/bin/env bash
# Install the Debian packages libcausal needs to build and test.
# Usage: scripts/install-deps.sh [--test]   (--test adds the test-only tools)
set -euo pipefail
pkgs=(gcc meson ninja-build pkg-config libopenblas-dev liblapacke-dev python3)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev clang abigail-tools python3-pytest python3-numpy
         python3-pandas python3-scipy python3-mpmath python3-statsmodels
         r-base-core r-base-dev r-cran-sandwich r-cran-aer)
  pkgs+=(r-cran-matchit r-cran-matching r-cran-posterior r-cran-metafor)
  pkgs+=(chromium fonts-dejavu-core)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
