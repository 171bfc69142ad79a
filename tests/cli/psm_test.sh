#!/usr/bin/env bash
# Tests of `causal psm`: output, JSON values against the R references
# (tests/data/match_effect.csv from tests/ref/match_reference.R: MatchIt
# 4.5.1 + lm/sandwich::vcovCL; tests/data/match_ai2016.csv from
# tests/ref/match_ai_reference.R: Matching::Match + the AI (2016) formula),
# bad input and exit codes.
# usage: psm_test.sh PATH/TO/causal
set -u
causal="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # name, command status, expected status
  if [ "$2" -eq "$3" ]; then pass=$((pass + 1)); else
    echo "FAIL: $1 (exit $2, expected $3)"; fail=$((fail + 1)); fi
}
contains() { # name, file, fixed string
  if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else
    echo "FAIL: $1: '$3' not in output:"; cat "$2"; fail=$((fail + 1)); fi
}
py() { # name, python script on stdin, args...
  local name="$1"
  shift
  if /usr/bin/python3 - "$@"; then pass=$((pass + 1)); else
    echo "FAIL: $name"; fail=$((fail + 1)); fi
}

data="$root/data/lalonde.csv"
refs="$root/tests/data"
base=(--data "$data" --treatment treat --outcome re78
      --covariates age,educ,race,married,nodegree,re74,re75)

"$causal" --help >"$tmp/h" 2>&1; check help $? 0
contains help-psm "$tmp/h" "  psm        propensity-score matching"
"$causal" psm --help >"$tmp/ph" 2>&1; check psm-help $? 0
contains psm-help-examples "$tmp/ph" "examples:"
contains psm-help-caliper "$tmp/ph" "--caliper C"

"$causal" psm "${base[@]}" >"$tmp/t" 2>&1; check text $? 0
contains text-title "$tmp/t" "Propensity-score matching: ATT of treatment on re78"
contains text-matched "$tmp/t" "matched        185       185"
contains text-cr "$tmp/t" "cluster-robust (matched sets)"
contains text-ai "$tmp/t" "AI (2016), estimated score"

# JSON: true nearest neighbour = the independent R greedy reference;
# --compat = MatchIt 4.5.1; AI on the same score vs Matching + AI (2016)
"$causal" psm "${base[@]}" --json >"$tmp/j" 2>"$tmp/e"; check json $? 0
"$causal" psm "${base[@]}" --compat --json >"$tmp/jc" 2>"$tmp/e"
check json-compat $? 0
"$causal" psm "${base[@]}" --caliper 0.2 --distance linear --json \
  >"$tmp/jl" 2>"$tmp/e"; check json-caliper $? 0
py json-values "$tmp/j" "$tmp/jc" "$tmp/jl" "$refs" <<'PY'
import csv, json, sys
j, jc, jl, refs = sys.argv[1:5]
eff = {r["config"]: r for r in csv.DictReader(open(refs + "/match_effect.csv"))}
ai = {(r["estimand"], r["M"]): r
      for r in csv.DictReader(open(refs + "/match_ai2016.csv"))}
def close(a, b, tol):
    return abs(a - b) <= tol * abs(b)
ok = True
for path, cfg in ((j, "nn1_true"), (jc, "nn1"), (jl, "cal_lin")):
    d = json.load(open(path))
    m = d["match"]["entries"]
    ok &= close(m["estimate"], float(eff[cfg]["estimate"]), 1e-8)
    ok &= close(m["std_error"], float(eff[cfg]["std_error"]), 1e-8)
    ok &= m["nobs"] == float(eff[cfg]["nobs"])
a = json.load(open(j))["ai"]["entries"]
r = ai[("ATT", "1")]
ok &= close(a["estimate"], float(r["est"]), 1e-6)
ok &= close(a["std_error_unadjusted"], float(r["se_ai"]), 1e-6)
ok &= close(a["std_error"], float(r["se_adj"]), 1e-6)
sys.exit(0 if ok else 1)
PY

# ---- bad input ----
"$causal" psm "${base[@]}" --estimand ATE >"$tmp/o" 2>"$tmp/e"
check ate-refused $? 1
contains ate-msg "$tmp/e" "ATE is not available"
"$causal" psm "${base[@]}" --order sideways >"$tmp/o" 2>"$tmp/e"
check bad-order $? 2
"$causal" psm --data "$data" --treatment treat --outcome re78 >"$tmp/o" 2>"$tmp/e"
check no-covariates $? 2
"$causal" psm "${base[@]}" --data /nonexistent.csv >"$tmp/o" 2>"$tmp/e"
check missing-file $? 3
"$causal" psm "${base[@]}" --covariates nope >"$tmp/o" 2>"$tmp/e"
check unknown-column $? 1
contains unknown-column-msg "$tmp/e" "nope"
printf 't,s,y\n1,0.1,1\n1,0.2,2\n0,0.5,3\n0,0.6,4\n' >"$tmp/toy.csv"
"$causal" psm --data "$tmp/toy.csv" --treatment t --outcome y --score s \
  --caliper 0.01 >"$tmp/o" 2>"$tmp/e"
check tight-caliper $? 1
contains tight-caliper-msg "$tmp/e" "no units were matched"
printf 't,s,y\n1,0.1,1\n1,0.2,2\n1,0.5,3\n' >"$tmp/all.csv"
"$causal" psm --data "$tmp/all.csv" --treatment t --outcome y --score s \
  >"$tmp/o" 2>"$tmp/e"
check all-treated $? 1
contains all-treated-msg "$tmp/e" "no controls"
"$causal" psm "${base[@]}" --caliper 0.01 >"$tmp/o" 2>"$tmp/e"
check some-unmatched $? 0
contains unmatched-warning "$tmp/e" "treated units were not matched"

echo "psm CLI tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
