#!/usr/bin/env bash
# README command 1: install the dependencies, build, and run the main job:
# `causal demo` generates a synthetic scenario with known true effects
# (a randomized experiment, a self-selected observational population, a
# market panel; a few million rows) and runs the analysis pipeline on it,
# each estimate beside the truth, with timings (docs/demo.md).
# usage: scripts/demo.sh [OUT_DIR] [causal demo options, e.g. --rows 100000]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build/demo}"
[ $# -gt 0 ] && shift
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
mkdir -p "$out"
# prints the summary table and the paths of results.json and report.html
"$root/build/bindings/cli/causal" demo --out "$out" "$@"
