#!/usr/bin/env bash
# Tests of `causal sequential`: published boundaries (gsDesign's default
# design, ld98 5-look OBF; see tests/sequential_test.c for the sources),
# monitoring from --z and from a CSV of cumulative statistics, JSON, exit
# codes. usage: sequential_test.sh PATH/TO/causal
set -u
causal="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if [ "$2" -eq "$3" ]; then pass=$((pass + 1)); else
  echo "FAIL: $1 (exit $2, expected $3)"; fail=$((fail + 1)); fi; }
contains() { if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else
  echo "FAIL: $1: '$3' not in:"; cat "$2"; fail=$((fail + 1)); fi; }
json_ok() { if python3 -m json.tool "$2" >/dev/null 2>&1; then
  pass=$((pass + 1)); else echo "FAIL: $1: invalid JSON"; cat "$2";
  fail=$((fail + 1)); fi; }

"$causal" sequential --help >"$tmp/h" 2>&1; check help $? 0
for f in --looks --k --sides --alpha --spending --param --convention \
  --futility --futility-param --binding --beta --z --fractions --input --max-n --json; do
  contains "help $f" "$tmp/h" "$f"
done
# ld98 / ldbounds, 5 equal looks, two-sided 0.05, OBF: 4.877 ... 2.031
"$causal" sequential --k 5 >"$tmp/obf" 2>&1; check obf $? 0
contains obf "$tmp/obf" "4.8769"
contains obf-last "$tmp/obf" "2.0310"
# Pocock: 2.438 ... 2.386
"$causal" sequential --k 5 --spending pocock >"$tmp/poc" 2>&1
check pocock $? 0
contains pocock "$tmp/poc" "2.4380"
# gsDesign() default (k = 3, test.type = 4, HSD -4 / -2): upper 3.0107,
# 2.5465, 1.9992, lower -0.2387, 0.9411 (gsDesign test snapshots)
"$causal" sequential --sides 1 --alpha 0.025 --spending hsd --param -4 \
  --futility hsd --futility-param -2 --k 3 >"$tmp/gsd" 2>&1; check gsd $? 0
for v in 3.0107 2.5465 1.9992 -0.2387 0.9411 "inflation factor 1.0698"; do
  contains "gsd $v" "$tmp/gsd" "$v"
done
# binding futility (gsDesign test.type = 3): lower final bound 1.9643
"$causal" sequential --sides 1 --alpha 0.025 --spending hsd --param -4 \
  --futility hsd --futility-param -2 --k 3 --binding >"$tmp/gsb" 2>&1
check binding $? 0
contains binding "$tmp/gsb" "1.9643"
# progress on stderr only with --progress (stderr is not a terminal here)
"$causal" --progress sequential --k 3 >/dev/null 2>"$tmp/p"; check progress $? 0
contains progress "$tmp/p" "design with 3 looks"
"$causal" sequential --k 3 >/dev/null 2>"$tmp/np"
if [ -s "$tmp/np" ]; then echo "FAIL: progress without --progress"; cat "$tmp/np"
  fail=$((fail + 1)); else pass=$((pass + 1)); fi
"$causal" sequential --k 3 --json >"$tmp/dj"; check design-json $? 0
json_ok design-json "$tmp/dj"
contains design-json "$tmp/dj" '"kind": "gs_design"'
# monitoring: 4 planned looks, z crosses 2.359 at the third
"$causal" sequential --looks 0.25,0.5,0.75,1 --z 1.1,2.2,3.1 >"$tmp/m" 2>&1
check monitor $? 0
contains monitor "$tmp/m" "decision: reject"
"$causal" sequential --looks 0.25,0.5,0.75,1 --z 1.1,1.2 --json >"$tmp/mj"
check monitor-json $? 0
json_ok monitor-json "$tmp/mj"
contains monitor-json "$tmp/mj" '"decision": "continue"'
# later looks after a stop are ignored (reported on stderr)
"$causal" sequential --looks 0.5,1 --z 4,0.1 --fractions 0.5,1 >"$tmp/s" 2>&1
check stop $? 0
contains stop "$tmp/s" "ignored"
# CSV of cumulative statistics: z = estimate / std_error, t = n / max-n
printf 'n,estimate,std_error\n250,0.3,0.2\n500,0.45,0.14\n' >"$tmp/looks.csv"
"$causal" sequential --input "$tmp/looks.csv" --max-n 1000 --k 4 \
  >"$tmp/c" 2>&1; check csv $? 0
contains csv "$tmp/c" "0.2500"
contains csv-z "$tmp/c" "3.2143"
contains csv-dec "$tmp/c" "decision: reject"
printf 'info_fraction,z\n0.3,1\n0.6,1.5\n' >"$tmp/l2.csv"
"$causal" sequential --input "$tmp/l2.csv" --sides 1 --alpha 0.025 \
  --futility obf --json >"$tmp/cj"; check csv-futility $? 0
json_ok csv-futility "$tmp/cj"
# errors: bad looks (data: 1), usage (2), unreadable input (3)
"$causal" sequential --looks 0.5,0.4,1 >"$tmp/e" 2>&1; check bad-looks $? 1
contains bad-looks "$tmp/e" "frac[1]"
"$causal" sequential --looks 0.5,0.9 >/dev/null 2>&1; check last-not-1 $? 1
"$causal" sequential --sides 2 --futility hsd >"$tmp/e2" 2>&1
check two-sided-futility $? 1
"$causal" sequential --nope 3 >/dev/null 2>&1; check unknown $? 2
"$causal" sequential --spending wiggle >/dev/null 2>&1; check bad-family $? 2
"$causal" sequential --sides 3 >/dev/null 2>&1; check bad-sides $? 2
"$causal" sequential --z 1,x >/dev/null 2>&1; check bad-z $? 2
"$causal" sequential --input "$tmp/missing.csv" >/dev/null 2>&1
check missing-file $? 3
echo "sequential CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
