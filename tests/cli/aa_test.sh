#!/usr/bin/env bash
# Tests of `causal aa-split`: report, determinism, JSON, assignment file,
# errors and exit codes.  usage: aa_test.sh PATH/TO/causal
set -u
causal="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
states="$root/tests/data/aa_states.csv"
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
M=population,income,illiteracy,life_exp,murder,hs_grad,frost,area

"$causal" aa-split --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "--p-accept"
"$causal" --help >"$tmp/h" 2>&1; contains main-help "$tmp/h" "aa-split"

"$causal" aa-split --metrics $M --id state --p-accept 0.01 --seed 3 \
  --out "$tmp/g1.csv" "$states" >"$tmp/r1" 2>&1; check split $? 0
contains split-title "$tmp/r1" "AA split (rerandomize): 2 groups of sizes 25, 25"
contains split-test "$tmp/r1" "test: Welch t"
contains split-accept "$tmp/r1" "accepted: M <= a = 1.6465"  # qchisq(0.01, 8) = 1.6464974
contains split-out "$tmp/g1.csv" "state,group"
contains split-out-id "$tmp/g1.csv" "Alabama,"
"$causal" aa-split --metrics $M --id state --p-accept 0.01 --seed 3 \
  --out "$tmp/g2.csv" "$states" >"$tmp/r2" 2>&1; check split-again $? 0
if cmp -s "$tmp/g1.csv" "$tmp/g2.csv" && cmp -s "$tmp/r1" "$tmp/r2"; then
  pass=$((pass + 1)); else echo "FAIL: same seed, different split"; fail=$((fail + 1)); fi
"$causal" aa-split --metrics $M --id state --p-accept 0.01 --seed 4 \
  --out "$tmp/g3.csv" "$states" >/dev/null 2>&1; check split-seed4 $? 0
if cmp -s "$tmp/g1.csv" "$tmp/g3.csv"; then
  echo "FAIL: another seed gave the same split"; fail=$((fail + 1)); else pass=$((pass + 1)); fi

# JSON: the report agrees with a recomputation in Python from the groups.
"$causal" aa-split --json --metrics $M --id state --strata region -k 3 \
  --method optimize --restarts 2 --sizes 20,15,15 "$states" >"$tmp/j" 2>&1
check json $? 0
if /usr/bin/python3 - "$tmp/j" "$states" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "aa_split", d["kind"]
e = d["entries"]
g = dict(zip(e["group"]["names"], e["group"]["values"]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert sorted(g.values()).count(0) == 20 and sorted(g.values()).count(2) == 15
means = e["means"]
j = means["rownames"].index("income")
for k in range(3):
    v = [float(r["income"]) for r in rows if g[r["state"]] == k]
    assert abs(sum(v) / len(v) - means["values"][j][k]) < 1e-9 * abs(means["values"][j][k])
# every region split in proportion (within 2 of its share)
for reg in {r["region"] for r in rows}:
    members = [g[r["state"]] for r in rows if r["region"] == reg]
    for k, size in enumerate((20, 15, 15)):
        assert abs(members.count(k) - len(members) * size / 50) < 2, (reg, k)
assert e["method"] == "optimize" and e["test"] == "anova_f"
assert e["max_abs_smd"] < 0.3
PY
then pass=$((pass + 1)); else echo "FAIL: json values"; fail=$((fail + 1)); fi

# Errors.
printf 'id,x,y\na,1,2\nb,2,1\na,3,5\nd,4,4\ne,5,0\nf,6,9\n' >"$tmp/dup.csv"
"$causal" aa-split --metrics x,y --id id "$tmp/dup.csv" >"$tmp/e" 2>&1; check dup-id $? 1
contains dup-id-msg "$tmp/e" "id 'a'"
printf 'x,c\n1,3\n2,3\n3,3\n4,3\n5,3\n' >"$tmp/zero.csv"
"$causal" aa-split --metrics x,c "$tmp/zero.csv" >"$tmp/e" 2>&1; check zero-var $? 1
contains zero-var-msg "$tmp/e" "metric 'c' has zero variance"
"$causal" aa-split --metrics x -k 3 "$tmp/zero.csv" >"$tmp/e" 2>&1; check too-many-groups $? 1
contains too-many-groups-msg "$tmp/e" "cannot form k = 3 groups"
"$causal" aa-split --metrics $M --strata region -k 13 "$states" >"$tmp/e" 2>&1; check strata $? 1
contains strata-msg "$tmp/e" "cannot be balanced"
"$causal" aa-split --metrics $M --threshold 1e-9 --max-draws 20 "$states" >"$tmp/e" 2>&1; check cap $? 1
contains cap-msg "$tmp/e" "20 draws"
"$causal" aa-split --metrics x "$tmp/nope.csv" >"$tmp/e" 2>&1; check missing-file $? 3
"$causal" aa-split "$states" >/dev/null 2>&1; check no-metrics $? 2
"$causal" aa-split --metrics x --method magic "$states" >/dev/null 2>&1; check bad-method $? 2
"$causal" aa-split --metrics x --p-accept 2 "$states" >/dev/null 2>&1; check bad-p $? 2
"$causal" aa-split --metrics x --bogus 1 "$states" >/dev/null 2>&1; check bad-option $? 2
"$causal" aa-split --metrics nope "$states" >"$tmp/e" 2>&1; check unknown-col $? 1
contains unknown-col-msg "$tmp/e" "nope"

echo "aa-split CLI tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
