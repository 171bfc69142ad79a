#!/usr/bin/env bash
# Tests of `causal bayes`: values from the library's reference checks
# (Beta-Bernoulli P(B > A) by Evan Miller's exact sum, the NIG model
# against tests/ref/bayes_nig_reference.py), per-arm aggregates from the
# command line and from CSV, decisions, JSON, exit codes.
# usage: bayes_test.sh PATH/TO/causal
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

"$causal" bayes --help >"$tmp/h" 2>&1; check help $? 0
for f in --model --a --b --input --control --treatment --prior --prior-mean \
  --prior-sd --prior-kappa --prior-shape --prior-scale --level --threshold \
  --max-loss --json; do
  contains "help $f" "$tmp/h" "$f"
done
"$causal" bayes --a 120,1000 --b 145,1000 >"$tmp/b" 2>&1; check beta $? 0
contains beta "$tmp/b" "P(B > A)              0.950197"
contains beta-dec "$tmp/b" "decision: ship B"
"$causal" bayes --a 120,1000 --b 145,1000 --max-loss 0.0001 >"$tmp/b2" 2>&1
check max-loss $? 0
contains max-loss "$tmp/b2" "decision: keep testing"
"$causal" bayes --a 145,1000 --b 120,1000 >"$tmp/b3" 2>&1
contains keep-a "$tmp/b3" "decision: keep A"
"$causal" bayes --a 120,1000 --b 145,1000 --json >"$tmp/bj"
check beta-json $? 0
json_ok beta-json "$tmp/bj"
contains beta-json "$tmp/bj" '"decision": "ship B"'
contains beta-json-model "$tmp/bj" '"model": "beta-bernoulli"'
# NIG reference row 1 (tests/data/bayes_nig_reference.csv):
# P(B > A) = 0.76671193824738
"$causal" bayes --model nig --a 30,10,4 --b 40,10.8,5 --json >"$tmp/nj"
check nig $? 0
json_ok nig "$tmp/nj"
contains nig "$tmp/nj" '0.766711938247'
contains nig-model "$tmp/nj" '"model": "normal_nig"'
"$causal" bayes --model normal --a 400,10,4 --b 500,10.5,5 >"$tmp/n" 2>&1
check normal $? 0
"$causal" bayes --model gamma --a 50,100 --b 61,100 --threshold 0.9 \
  >"$tmp/g" 2>&1; check gamma $? 0
contains gamma "$tmp/g" "keep testing"
# per-arm aggregates from CSV (more than two arms: pick by label)
printf 'arm,conversions,exposures\nctl,120,1000\nv1,130,1000\nv2,145,1000\n' \
  >"$tmp/arms.csv"
"$causal" bayes --input "$tmp/arms.csv" --control ctl --treatment v2 \
  >"$tmp/c" 2>&1; check csv $? 0
contains csv "$tmp/c" "0.950197"
# --treatment alone: the control is the first other row
printf 'arm,conversions,exposures\nv2,145,1000\nctl,120,1000\n' >"$tmp/a2.csv"
"$causal" bayes --input "$tmp/a2.csv" --treatment v2 >"$tmp/c3" 2>&1
check csv-treatment $? 0
contains csv-treatment "$tmp/c3" "0.950197"
printf 'arm,n,mean,sd\nA,30,10,4\nB,40,10.8,5\n' >"$tmp/norm.csv"
"$causal" bayes --model nig --input "$tmp/norm.csv" >"$tmp/c2" 2>&1
check csv-nig $? 0
contains csv-nig "$tmp/c2" "0.766712"
# errors: invalid aggregates (1), usage (2), unreadable input (3)
"$causal" bayes --a 1200,1000 --b 145,1000 >"$tmp/e" 2>&1; check bad-agg $? 1
contains bad-agg "$tmp/e" "exceed"
"$causal" bayes --model nig --a 2,1,1 --b 40,10.8,5 >"$tmp/e2" 2>&1
check nig-df $? 1
"$causal" bayes --input "$tmp/norm.csv" >"$tmp/e3" 2>&1; check csv-cols $? 1
contains csv-cols "$tmp/e3" "conversions"
"$causal" bayes --a 1,2 >/dev/null 2>&1; check one-arm $? 2
"$causal" bayes --a 1,2,3 --b 1,2 >/dev/null 2>&1; check arity $? 2
"$causal" bayes --model foo --a 1,2 --b 1,2 >/dev/null 2>&1; check model $? 2
"$causal" bayes --a 1,2 --b 1,2 --bogus 1 >/dev/null 2>&1; check unknown $? 2
"$causal" bayes --input "$tmp/none.csv" >/dev/null 2>&1; check missing $? 3
echo "bayes CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
