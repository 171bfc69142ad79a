#!/usr/bin/env bash
# README command 1: install dependencies, build, run the main job on the
# data shipped in the repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/build/bindings/cli/causal" describe "$root/data/lalonde.csv"
