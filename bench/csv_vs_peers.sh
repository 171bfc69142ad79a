#!/bin/sh
# CSV reading: libcausal (whole read, streaming pass) vs pandas.read_csv and
# data.table::fread (1 thread = its default on this 2-core machine, and 2
# threads), on the same generated numeric file, in one run.
#
# Usage (from anywhere):  bench/csv_vs_peers.sh
#   CSV_BENCH_MB    file size in MB (default 1000; 100 for a quick run)
#   CSV_BENCH_REPS  repetitions, best is reported (default 3, 2 above 300 MB)
#   CSV_BENCH_OUT   directory for the data file (default bench/out, ignored
#                   by git)
# Needs: /usr/bin/time (Debian 'time'), /usr/bin/python3 with pandas
# (python3-pandas), Rscript with data.table (r-cran-data.table).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MB=${CSV_BENCH_MB:-1000}
if [ "$MB" -gt 300 ]; then DEFREPS=2; else DEFREPS=3; fi
REPS=${CSV_BENCH_REPS:-$DEFREPS}
OUT=${CSV_BENCH_OUT:-$ROOT/bench/out}
BUILD=$ROOT/build-bench
mkdir -p "$OUT"

[ -x /usr/bin/time ] || { echo "need /usr/bin/time (apt-get install time)"; exit 1; }
/usr/bin/python3 -c 'import pandas' 2>/dev/null ||
  { echo "need pandas (apt-get install python3-pandas)"; exit 1; }
Rscript -e 'library(data.table)' >/dev/null 2>&1 ||
  { echo "need data.table (apt-get install r-cran-data.table)"; exit 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$ROOT" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" -j2 bench/bench_csv >/dev/null
BIN=$BUILD/bench/bench_csv

CSV=$OUT/csv_bench_${MB}MB.csv
if [ ! -s "$CSV" ]; then
  echo "generating $CSV ..."
  "$BIN" --generate "$CSV" "$MB"
fi
SIZE=$(stat -c %s "$CSV")
cat "$CSV" >/dev/null # page cache: every tool reads from memory

RES=$OUT/csv_results.txt
: >"$RES"
# run LABEL CMD...: best wall time over REPS runs, its CPU time, peak RSS.
# Times are measured inside each program around the read call only
# (interpreter start-up excluded); RSS is the whole process (R and Python
# baselines included). "x" columns: time / libcausal whole-read time.
run() {
  label=$1
  shift
  i=0
  while [ $i -lt "$REPS" ]; do
    /usr/bin/time -v -o "$OUT/time.txt" "$@" >"$OUT/run.txt"
    rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$OUT/time.txt")
    echo "$label $(tail -n 1 "$OUT/run.txt") $rss" >>"$RES.all"
    i=$((i + 1))
  done
}
: >"$RES.all"
run libcausal_whole "$BIN" --whole "$CSV"
run libcausal_stream "$BIN" --stream "$CSV"
run pandas_read_csv /usr/bin/python3 "$ROOT/bench/csv_peer_pandas.py" "$CSV"
run fread_1thread Rscript "$ROOT/bench/csv_peer_fread.R" "$CSV" 1
run fread_2threads Rscript "$ROOT/bench/csv_peer_fread.R" "$CSV" 2

echo "file: $CSV ($SIZE bytes), best of $REPS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# columns of $RES.all: label tool wall cpu rows cols rss_kb
awk -v size="$SIZE" '
  { if (!($1 in best) || $3 < best[$1]) { best[$1] = $3; cpu[$1] = $4; rows[$1] = $5 }
    if ($7 > rss[$1]) rss[$1] = $7
    if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
  END {
    base = best["libcausal_whole"]; cbase = cpu["libcausal_whole"]
    printf "%-18s %8s %8s %8s %8s %8s %8s %10s\n", "reader", "wall s", "cpu s",
           "MB/s", "wall x", "cpu x", "RSS MB", "rows"
    for (i = 0; i < n; i++) {
      k = order[i]
      printf "%-18s %8.3f %8.3f %8.1f %8.2f %8.2f %8.0f %10d\n", k, best[k],
             cpu[k], size / 1e6 / best[k], best[k] / base, cpu[k] / cbase,
             rss[k] / 1024, rows[k]
    }
  }' "$RES.all" | tee "$RES"
