#!/bin/sh
# Greedy 1:1 propensity-score matching (logistic model treat ~ x1 + x2,
# caliper 0.2 SD, order largest, no replacement): libcausal vs R MatchIt
# (matchit(method = "nearest", caliper = 0.2)) on the same generated CSV
# (1 treated : 4 controls) at sizes MatchIt handles, in one run; each timing
# is the best of BENCH_REPS (default 3) in-process runs, data already in
# memory (CSV reading excluded on both sides), the propensity model
# included on both sides. Then libcausal alone at 1,000,000 treated x
# 10,000,000 controls on one score (bench_match big).
#
# Usage: bench/match_vs_matchit.sh
#   MATCH_BENCH_SIZES  total rows (default "5000 20000 50000")
#   MATCH_BENCH_BIG    0 skips the 1M x 10M run
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${MATCH_BENCH_SIZES:-"5000 20000 50000"}
OUT=${MATCH_BENCH_OUT:-$ROOT/bench/out}
BUILD=$ROOT/build-bench
REPS=${BENCH_REPS:-3}
export BENCH_REPS=$REPS
mkdir -p "$OUT"
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$ROOT" --buildtype=release -Dtests=false -Dbench=true >/dev/null
fi
# the shared library too: a configured build dir with only its symlinks
# would be picked up by the Python binding's source-tree search
ninja -C "$BUILD" -j2 bench/bench_match lib/libcausal.so.0.2.0 >/dev/null
B=$BUILD/bench/bench_match
printf '%-8s %12s %12s %8s %s\n' rows libcausal_s matchit_s ratio same_counts
for N in $SIZES; do
  N1=$((N / 5)); N0=$((N - N1))
  DATA=$OUT/match_$N.csv
  [ -f "$DATA" ] || "$B" gen "$DATA" "$N1" "$N0"
  "$B" fit "$DATA" >"$OUT/c.txt"
  C_S=$(sed -n 's/^seconds //p' "$OUT/c.txt")
  C_MT=$(sed -n 's/^matched_treated \([0-9]*\).*/\1/p' "$OUT/c.txt")
  Rscript - "$DATA" "$REPS" >"$OUT/r.txt" <<'R'
suppressPackageStartupMessages(library(MatchIt))
a <- commandArgs(TRUE); d <- read.csv(a[1]); best <- Inf
for (k in seq_len(as.integer(a[2]))) {
  t0 <- proc.time()[["elapsed"]]
  m <- matchit(treat ~ x1 + x2, data = d, method = "nearest", caliper = 0.2)
  best <- min(best, proc.time()[["elapsed"]] - t0)
}
cat(sprintf("seconds %.4f\nmatched_treated %d\n", best, sum(m$weights[d$treat == 1] > 0)))
R
  R_S=$(sed -n 's/^seconds //p' "$OUT/r.txt")
  R_MT=$(sed -n 's/^matched_treated //p' "$OUT/r.txt")
  # MatchIt 4.5.1 ignores calipers under 1 score unit (see
  # docs/methods/matching.md), so the matched counts differ by design.
  printf '%-8s %12s %12s %8.1f %s\n' "$N" "$C_S" "$R_S" \
    "$(echo "$R_S / $C_S" | bc -l)" "libcausal $C_MT / MatchIt $R_MT treated matched"
done
if [ "${MATCH_BENCH_BIG:-1}" != 0 ]; then
  echo "1,000,000 treated x 10,000,000 controls, one score, 1:1, caliper 0.2 SD:"
  BENCH_REPS=1 "$B" big 1e6 1e7
fi
