#!/usr/bin/env bash
# Tests of `causal fuse`: the issue's check, metafor values
# (tests/data/fusion_ref.csv from tests/ref/fusion_reference.R), JSON,
# CSV input and exit codes. usage: fuse_test.sh PATH/TO/causal
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

"$causal" fuse --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "--method"
# the issue: IVW 0.05068, SE 0.00624, RCT weight 0.5395, gain 85%
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 >"$tmp/o" 2>&1
check ivw $? 0
contains ivw-est "$tmp/o" "0.0506803"
contains ivw-se "$tmp/o" "0.00624323"
contains ivw-w "$tmp/o" "0.5395"
contains ivw-gain "$tmp/o" "85.4%"
contains ivw-warn "$tmp/o" "without bias"
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 --json >"$tmp/j"
check json $? 0
contains json "$tmp/j" '"kind": "fusion"'
contains json-est "$tmp/j" '"estimate": 0.0506803046720632'
# metafor dat.bcg REML (13 log risk ratios; the first one as "rct")
awk -F, 'NR > 1 && $1 == "\"bcg\"" { print $3 "," sqrt($4) "," ($2 == 0) }' \
  "$(dirname "$0")/../data/fusion_inputs.csv" >"$tmp/rows"
{ echo "estimate,std_error,rct"; cat "$tmp/rows"; } >"$tmp/bcg.csv"
"$causal" fuse --csv "$tmp/bcg.csv" --method reml --json >"$tmp/r" 2>&1
check reml $? 0
# metafor: tau2 = 0.31324325813648074 (first 8 digits; awk prints %.6g SEs)
contains reml-tau "$tmp/r" '"tau2": 0.3132'
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0089,0.0042 --method mixture \
  >"$tmp/m" 2>&1; check mixture $? 0
contains mixture "$tmp/m" "mixture"
# bad input
"$causal" fuse --rct 0.0522,0 --obs 0.0489,0.0092 >"$tmp/e" 2>&1
check zero-se $? 1
contains zero-se "$tmp/e" "se[0] = 0"
"$causal" fuse --rct 0.0522 >"$tmp/e" 2>&1; check bad-pair $? 2
"$causal" fuse --rct 0.0522,0.0085 >"$tmp/e" 2>&1; check no-obs $? 2
"$causal" fuse --rct 0.05,0.01 --obs 0.04,0.01 --method nope >"$tmp/e" 2>&1
check bad-method $? 2
"$causal" fuse --csv "$tmp/missing.csv" >"$tmp/e" 2>&1; check no-file $? 3

echo "fuse CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
