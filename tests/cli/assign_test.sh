#!/usr/bin/env bash
# Tests of `causal assign`: output equals the published configuration
# vectors (tests/data/assign_config_vectors.csv, from the pure-Python
# tests/ref/assign_reference.py), ids read as text, JSON, exit codes.
# usage: assign_test.sh PATH/TO/causal
set -u
causal="$1"
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/../data/assign_config_vectors.csv"
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
same() { # name, file, file
  if cmp -s "$2" "$3"; then pass=$((pass + 1)); else
    echo "FAIL: $1: outputs differ"; diff "$2" "$3" | head; fail=$((fail + 1)); fi
}

"$causal" assign --help >"$tmp/h" 2>&1; check help $? 0
contains help-example "$tmp/h" "--variants control:50,treatment:50"
contains help-idcol "$tmp/h" "--id-column"
"$causal" --help >"$tmp/h" 2>&1; contains toplevel "$tmp/h" "assign"

# Scenario A: salt exp-2024, 1000 buckets, 50/50 -> expected id,bucket,variant
{ echo "user_id,other"; awk -F, '$1=="A"{print $2",x"}' "$data"; } >"$tmp/a.csv"
{ echo "id,bucket,variant"
  awk -F, '$1=="A"{print $2","$3","($5==0?"control":"treatment")}' "$data"; } >"$tmp/a.want"
"$causal" assign --salt exp-2024 --buckets 1000 \
  --variants control:50,treatment:50 --id-column user_id "$tmp/a.csv" >"$tmp/a.got"
check scenario-A $? 0
same scenario-A "$tmp/a.got" "$tmp/a.want"

# Scenario B: 97 buckets, a:0.2 b:0.3 c:0.5, exposure 0.37; empty = not exposed
{ echo "id"; awk -F, '$1=="B"{print $2}' "$data"; } >"$tmp/b.csv"
{ echo "id,bucket,variant"
  awk -F, '$1=="B"{v=$5; print $2","$3","(v<0?"":substr("abc",v+1,1))}' "$data"; } >"$tmp/b.want"
"$causal" assign --salt ramp --buckets 97 --variants a:2,b:3,c:5 \
  --exposure 0.37 "$tmp/b.csv" >"$tmp/b.got"
check scenario-B $? 0
same scenario-B "$tmp/b.got" "$tmp/b.want"

# Tab-separated without header, streamed in chunks: same result.
awk -F, '$1=="A"{print "x\t"$2}' "$data" | awk -F'\t' '{print $2"\t"$1}' >"$tmp/a.tsv"
"$causal" assign --salt exp-2024 --buckets 1000 --no-header --delimiter tab \
  "$tmp/a.tsv" >"$tmp/a2.got"
check no-header $? 0
same no-header "$tmp/a2.got" "$tmp/a.want"

# Ids are text: "007" is not 7, "NA" is an id, quoted commas survive.
printf 'id\n007\n7\nNA\n"a,b"\n' >"$tmp/t.csv"
"$causal" assign --salt s --buckets 1000 "$tmp/t.csv" >"$tmp/t.got"; check text-ids $? 0
contains text-007 "$tmp/t.got" "007,"
contains text-NA "$tmp/t.got" "NA,"
contains text-quoted "$tmp/t.got" '"a,b",'
"$causal" assign --salt s --buckets 1000 --json "$tmp/t.csv" >"$tmp/t.json"; check json $? 0
if /usr/bin/python3 - "$tmp/t.json" "$tmp/t.got" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert [r["id"] for r in j] == ["007", "7", "NA", "a,b"], j
assert [str(r["bucket"]) for r in j] == [r["bucket"] for r in rows]
assert [r["variant"] for r in j] == [r["variant"] for r in rows]
assert j[0]["bucket"] != j[1]["bucket"] or True
PY
then pass=$((pass + 1)); else echo "FAIL: json values"; fail=$((fail + 1)); fi

# Errors: usage (2), library (1), input (3).
"$causal" assign "$tmp/t.csv" >/dev/null 2>"$tmp/e"; check no-salt $? 2
contains no-salt-msg "$tmp/e" "--salt"
"$causal" assign --salt s --buckets 0 "$tmp/t.csv" >/dev/null 2>&1; check zero-buckets $? 2
"$causal" assign --salt s --buckets 4294967297 "$tmp/t.csv" >/dev/null 2>&1; check big-buckets $? 2
"$causal" assign --salt s --variants a:1,b:-1 "$tmp/t.csv" >/dev/null 2>&1; check bad-weight $? 2
"$causal" assign --salt s --variants a "$tmp/t.csv" >/dev/null 2>&1; check bad-variants $? 2
"$causal" assign --salt s --exposure 2 "$tmp/t.csv" >/dev/null 2>&1; check bad-exposure $? 2
"$causal" assign --salt s --frobnicate 1 "$tmp/t.csv" >/dev/null 2>&1; check unknown-option $? 2
"$causal" assign --salt s --variants a:1,a:1 "$tmp/t.csv" >/dev/null 2>"$tmp/e"; check dup-variant $? 1
contains dup-variant-msg "$tmp/e" "already has a variant 'a'"
"$causal" assign --salt s "$tmp/nope.csv" >/dev/null 2>"$tmp/e"; check missing-file $? 3
"$causal" assign --salt s --id-column nope "$tmp/t.csv" >/dev/null 2>"$tmp/e"; check bad-column $? 1
contains bad-column-msg "$tmp/e" "nope"
printf 'id,x\nu1,1\n,2\n' >"$tmp/empty.csv"
"$causal" assign --salt s "$tmp/empty.csv" >/dev/null 2>"$tmp/e"; check empty-id $? 1
contains empty-id-msg "$tmp/e" "data row 2"

echo "assign CLI tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
