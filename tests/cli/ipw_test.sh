#!/usr/bin/env bash
# Tests of `causal ipw`: output, JSON values against the reference values
# of tests/data/weighting_lalonde.csv (tests/ref/weighting_reference.py)
# and the MatchIt balance table of tests/data/balance_lalonde_all_ate.csv,
# bad input and exit codes.
# usage: ipw_test.sh PATH/TO/causal
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
base=(--data "$data" --treatment treat --outcome re78
      --covariates age,educ,race,married,nodegree,re74,re75)

"$causal" --help >"$tmp/h" 2>&1; check help $? 0
contains help-ipw "$tmp/h" "  ipw        inverse probability weighting"
"$causal" ipw --help >"$tmp/ih" 2>&1; check ipw-help $? 0
contains ipw-help-examples "$tmp/ih" "examples:"
contains ipw-help-estimand "$tmp/ih" "--estimand E"

"$causal" ipw "${base[@]}" >"$tmp/t" 2>&1; check ate $? 0
contains ate-title "$tmp/t" "IPW (Hajek, normalized) estimate of the ATE: re78 by treat"
contains ate-units "$tmp/t" "Units: 614 (185 treated, 429 control)"
contains ate-balance "$tmp/t" "Covariate balance"
contains ate-row "$tmp/t" "race[black]"
contains ate-effect "$tmp/t" "ATE "

for est in ate att atc ato; do
  for m in hajek ipw aipw; do
    "$causal" ipw "${base[@]}" --estimand $est --method $m --cluster educ \
      --json >"$tmp/$est$m.json" 2>"$tmp/err"
    check "json-$est-$m" $? 0
    py "value-$est-$m" "$tmp/$est$m.json" "$root/tests/data/weighting_lalonde.csv" \
      "$est" "$m" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
e = j["effect"]["entries"]
est, m = sys.argv[3].upper(), sys.argv[4]
for r in csv.DictReader(open(sys.argv[2])):
    if (r["estimand"] == est and r["method"] == m and r["cluster"] == "1"
            and r["clip_low"] == "0.001"):
        for k, v in (("estimate", "estimate"), ("std_error", "std_error")):
            ref = float(r[v])
            assert abs(e[k] - ref) <= 1e-9 * abs(ref), (k, e[k], ref)
        break
else:
    raise SystemExit("reference row missing")
PY
  done
done

# balance before weighting = MatchIt's summary (pooled SD for the ATE)
py balance-matchit "$tmp/atehajek.json" "$root/tests/data/balance_lalonde_all_ate.csv" <<'PY'
import csv, json, sys
b = json.load(open(sys.argv[1]))["balance"]["entries"]["balance"]
cols = b["colnames"]
ref = list(csv.DictReader(open(sys.argv[2])))
for i, r in enumerate(ref):
    got = b["values"][i][cols.index("smd")]
    want = float(r["Std. Mean Diff."])
    assert abs(got - want) <= 1e-10 * abs(want), (r["covariate"], got, want)
PY

# trimming and clipping are reported
"$causal" ipw "${base[@]}" --trim crump >"$tmp/tr" 2>&1; check trim $? 0
contains trim-count "$tmp/tr" "260 trimmed"
"$causal" ipw "${base[@]}" --clip 0.05,0.8 >"$tmp/cl" 2>&1; check clip $? 0
contains clip-warning "$tmp/cl" "propensity scores were clipped"

# bad input
printf 't,y,x\n1,1,1\n1,2,2\n1,3,3\n' >"$tmp/all.csv"
"$causal" ipw --data "$tmp/all.csv" --treatment t --outcome y --covariates x \
  >"$tmp/o" 2>"$tmp/e"; check all-treated $? 1
contains all-treated-msg "$tmp/e" "no controls"
printf 't,y,e\n0,1,0.1\n0,2,0.2\n1,3,0.7\n1,4,0.8\n' >"$tmp/sep.csv"
"$causal" ipw --data "$tmp/sep.csv" --treatment t --outcome y --scores e \
  >"$tmp/o" 2>"$tmp/e"; check no-overlap $? 1
contains no-overlap-msg "$tmp/e" "common support"
"$causal" ipw "${base[@]}" --estimand xyz >"$tmp/o" 2>&1; check bad-estimand $? 2
"$causal" ipw --data "$data" --outcome re78 >"$tmp/o" 2>&1; check no-treatment $? 2
"$causal" ipw "${base[@]}" --bogus 1 >"$tmp/o" 2>&1; check bad-option $? 2
"$causal" ipw --data "$tmp/missing.csv" --treatment t --outcome y \
  --covariates x >"$tmp/o" 2>&1; check missing-file $? 3
"$causal" ipw "${base[@]}" --covariates age,nope >"$tmp/o" 2>"$tmp/e"
check unknown-column $? 1
contains unknown-column-msg "$tmp/e" "nope"

echo "ipw CLI tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
