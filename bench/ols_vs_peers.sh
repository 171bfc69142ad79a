#!/bin/sh
# OLS with HC1 standard errors: libcausal vs statsmodels
# (OLS(y, X).fit(cov_type='HC1')) and R (lm + sandwich::vcovHC(type='HC1'))
# on the same generated data (1,000,000 x 20 by default), in one run; then
# libcausal at 10,000,000 x 20 against one dsyrk of that matrix (one
# repetition). Every timing (libcausal, statsmodels, R, dsyrk) is the best of
# BENCH_REPS runs (default 3) in the same process, which keeps the ratios
# meaningful on a shared machine. Peak RSS via /usr/bin/time.
#
# Usage:  bench/ols_vs_peers.sh
#   OLS_BENCH_N      rows for the peer comparison (default 1000000)
#   OLS_BENCH_BIG_N  rows for the dsyrk comparison (default 10000000; 0 skips)
#   OLS_BENCH_K      regressors (default 20)
#   OLS_BENCH_OUT    directory for the data file (default bench/out)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${OLS_BENCH_N:-1000000}
BIGN=${OLS_BENCH_BIG_N:-10000000}
K=${OLS_BENCH_K:-20}
OUT=${OLS_BENCH_OUT:-$ROOT/bench/out}
BUILD=$ROOT/build-bench
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "need /usr/bin/time (apt-get install time)"; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$ROOT" --buildtype=release -Dtests=false -Dbench=true >/dev/null
fi
ninja -C "$BUILD" -j2 bench/bench_ols >/dev/null
B=$BUILD/bench/bench_ols
DATA=$OUT/ols_${N}x${K}.f64
[ -f "$DATA" ] || "$B" gen "$DATA" "$N" "$K"

rss() { sed -n 's/^\([0-9]*\) *$/\1/p' "$1" | tail -1; }
T=$OUT/ols_time.txt

/usr/bin/time -f "%M" -o "$T" "$B" fit "$DATA" "$N" "$K" >"$OUT/c.txt" 2>/dev/null
C_S=$(sed -n 's/^seconds //p' "$OUT/c.txt"); C_M=$(rss "$T")

/usr/bin/time -f "%M" -o "$T" /usr/bin/python3 - "$DATA" "$N" "$K" >"$OUT/py.txt" <<'PY'
import sys, time, numpy as np, statsmodels.api as sm
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = np.fromfile(path, dtype="<f8").reshape(k + 1, n).T
y, X = d[:, 0], np.column_stack([np.ones(n), d[:, 1:]])
import os
best = float("inf")
for _ in range(int(os.environ.get("BENCH_REPS", "3"))):
    t0 = time.perf_counter()
    r = sm.OLS(y, X).fit(cov_type="HC1")
    se = r.bse
    best = min(best, time.perf_counter() - t0)
print("seconds %.3f" % best)
PY
PY_S=$(sed -n 's/^seconds //p' "$OUT/py.txt"); PY_M=$(rss "$T")

/usr/bin/time -f "%M" -o "$T" Rscript - "$DATA" "$N" "$K" >"$OUT/r.txt" 2>/dev/null <<'RS'
a <- commandArgs(TRUE); n <- as.numeric(a[2]); k <- as.integer(a[3])
d <- matrix(readBin(a[1], "double", n * (k + 1), size = 8, endian = "little"), n)
df <- as.data.frame(d); names(df) <- c("y", paste0("x", 1:k))
suppressPackageStartupMessages(library(sandwich))
best <- Inf
for (r in seq_len(as.integer(Sys.getenv("BENCH_REPS", "3")))) {
  t0 <- proc.time()[["elapsed"]]
  m <- lm(y ~ ., data = df); se <- sqrt(diag(vcovHC(m, type = "HC1")))
  best <- min(best, proc.time()[["elapsed"]] - t0)
  rm(m); invisible(gc())
}
cat(sprintf("seconds %.3f\n", best))
RS
R_S=$(sed -n 's/^seconds //p' "$OUT/r.txt"); R_M=$(rss "$T")

echo "OLS + HC1, n = $N, k = $K (+ intercept); fit time only, peak RSS of the process"
printf "%-22s %9s %9s %12s\n" tool seconds ratio peak_RSS_MB
for row in "libcausal $C_S $C_M" "statsmodels $PY_S $PY_M" "R_lm+sandwich $R_S $R_M"; do
  set -- $row
  printf "%-22s %9s %9.2f %12.0f\n" "$1" "$2" "$(echo "$2 / $C_S" | bc -l)" "$(echo "$3 / 1024" | bc -l)"
done

if [ "$BIGN" -gt 0 ]; then
  /usr/bin/time -f "%M" -o "$T" "$B" big - "$BIGN" "$K" >"$OUT/big.txt" 2>/dev/null
  echo "n = $BIGN, k = $K: libcausal $(sed -n 's/^seconds //p' "$OUT/big.txt") s," \
       "one dsyrk $(sed -n 's/^dsyrk //p' "$OUT/big.txt") s," \
       "ratio $(sed -n 's/^ratio //p' "$OUT/big.txt"), peak RSS $(( $(rss "$T") / 1024 )) MB"
fi
