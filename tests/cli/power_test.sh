#!/usr/bin/env bash
# Tests of `causal power`: values from R (tests/ref/power_reference.R),
# JSON, exit codes. usage: power_test.sh PATH/TO/causal
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

"$causal" power --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "--method"
# R: power.prop.test(p1 = .1, p2 = .12, power = .8)$n = 3840.847
"$causal" power --method prop_pooled --baseline 0.1 --effect 0.02 \
  --power 0.8 >"$tmp/o" 2>&1; check prop $? 0
contains prop "$tmp/o" "3840.85"
contains prop-ceil "$tmp/o" "round up: 3841"
# R: power.t.test(n = 20, delta = 1, sd = 1)$power = 0.8689528
"$causal" power --method mean_t --effect 1 --sd 1 --n 20 >"$tmp/t" 2>&1
check t $? 0
contains t "$tmp/t" "0.868953"
"$causal" power --method mean_t --effect 1 --sd 1 --n 20 --json >"$tmp/j"
check json $? 0
contains json "$tmp/j" '"kind": "power"'
"$causal" power --method prop_pooled --effect 0.02 --power 0.8 \
  >"$tmp/e" 2>&1; check missing-baseline $? 1
contains missing-baseline "$tmp/e" "BASELINE"
"$causal" power --method nope --n 3 --power 0.8 >/dev/null 2>&1
check bad-method $? 2
"$causal" power --method mean_z --sd 1 >/dev/null 2>&1; check two-of-three $? 2
echo "power CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
