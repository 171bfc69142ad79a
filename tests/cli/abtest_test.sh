#!/usr/bin/env bash
# Tests of `causal abtest`: unit rows, aggregates, JSON, exit codes.
# usage: abtest_test.sh PATH/TO/causal
set -u
causal="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if [ "$2" -eq "$3" ]; then pass=$((pass + 1)); else
  echo "FAIL: $1 (exit $2, expected $3)"; fail=$((fail + 1)); fi; }
contains() { if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else
  echo "FAIL: $1: '$3' not in output:"; cat "$2"; fail=$((fail + 1)); fi; }

units="$root/tests/data/abtest_units.csv"
"$causal" abtest --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "--aggregates"
"$causal" abtest --adjust dunnett --test student "$units" >"$tmp/o" 2>&1
check dunnett $? 0
contains dunnett "$tmp/o" "B - A"
contains dunnett "$tmp/o" "D - A"
# CUPED with a partly missing covariate, JSON out
"$causal" abtest --json --covariate x1 --covariate x2 "$units" >"$tmp/j" 2>&1
check cuped-json $? 0
contains cuped-json "$tmp/j" '"kind": "abtest_arms"'
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/j"
  check json-valid $? 0
fi
"$causal" abtest --type ratio --y y --denominator d --control B "$units" >"$tmp/r" 2>&1
check ratio $? 0
contains ratio "$tmp/r" "A - B"
# aggregates: proportions with an SRM check (p3 of abtest_props.csv)
printf 'arm,trials,successes\nA,1000,120\nB,1010,150\n' >"$tmp/agg.csv"
"$causal" abtest --aggregates --type proportion --test chisq --allocation 0.5,0.5 "$tmp/agg.csv" >"$tmp/a" 2>&1
check aggregates $? 0
contains aggregates "$tmp/a" "SRM chi-square p-value"
printf 'arm,n,sum,sumsq\nA,100,500,2600\nB,100,520,2800\n' >"$tmp/m.csv"
"$causal" abtest --aggregates "$tmp/m.csv" >"$tmp/m" 2>&1; check agg-mean $? 0
# errors
printf 'arm,trials,successes\nA,10,12\nB,10,3\n' >"$tmp/bad.csv"
"$causal" abtest --aggregates --type proportion "$tmp/bad.csv" >"$tmp/e" 2>&1
check successes-gt-trials $? 1
contains successes-gt-trials "$tmp/e" "exceeds trials"
"$causal" abtest --aggregates --type proportion --allocation 0.5,0.6 "$tmp/agg.csv" >"$tmp/e" 2>&1
check bad-allocation $? 1
contains bad-allocation "$tmp/e" "sum to"
"$causal" abtest --y nope "$units" >"$tmp/e" 2>&1; check missing-col $? 1
contains missing-col "$tmp/e" "'nope'"
"$causal" abtest --frob "$units" >/dev/null 2>&1; check bad-option $? 2
"$causal" abtest "$tmp/none.csv" >/dev/null 2>&1; check no-file $? 3
echo "abtest cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
