#!/usr/bin/env bash
# Tests of the `causal` command line: output, JSON validity, exit codes.
# usage: cli_test.sh PATH/TO/causal
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

"$causal" --version >"$tmp/v" 2>&1; check version $? 0
contains version "$tmp/v" "causal 0.1.0"
"$causal" --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "describe"
"$causal" >/dev/null 2>&1; check no-args $? 2
"$causal" frobnicate >/dev/null 2>&1; check unknown-command $? 2
"$causal" describe --help >"$tmp/dh" 2>&1; check describe-help $? 0
contains describe-help "$tmp/dh" "--json"

# A small file whose summary is known exactly.
printf 'x,k,flag,grp\n1,10,true,a\n2,20,false,b\n3,,true,a\n4,40,true,\nNA,50,false,b\n' >"$tmp/s.csv"
"$causal" describe "$tmp/s.csv" >"$tmp/out" 2>&1; check describe $? 0
contains describe-header "$tmp/out" "median"
contains describe-x "$tmp/out" "x      i64"
contains describe-cat "$tmp/out" "cat2"
"$causal" describe --json "$tmp/s.csv" >"$tmp/j" 2>&1; check describe-json $? 0
if /usr/bin/python3 - "$tmp/j" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["entries"]["summary"]
rows = dict(zip(e["rownames"], e["values"]))
cols = e["colnames"]
x = dict(zip(cols, rows["x"]))
assert x["count"] == 4 and x["missing"] == 1, x
assert abs(x["mean"] - 2.5) < 1e-15 and abs(x["sd"] - 1.2909944487358056) < 1e-15, x
assert x["q25"] == 1.75 and x["median"] == 2.5 and x["q75"] == 3.25, x
k = dict(zip(cols, rows["k"]))
assert k["count"] == 4 and k["missing"] == 1 and k["mean"] == 30, k
f = dict(zip(cols, rows["flag"]))
assert f["mean"] == 0.6, f
g = dict(zip(cols, rows["grp"]))
assert g["count"] == 4 and g["mean"] == "NaN", g
PY
then pass=$((pass + 1)); else echo "FAIL: describe-json values"; fail=$((fail + 1)); fi

# Errors: missing file, malformed CSV, bad options.
"$causal" describe "$tmp/nope.csv" >"$tmp/e" 2>&1; check missing-file $? 3
contains missing-file-msg "$tmp/e" "nope.csv"
printf 'a,b\n1,2\n3\n' >"$tmp/bad.csv"
"$causal" describe "$tmp/bad.csv" >"$tmp/e" 2>&1; check ragged $? 1
contains ragged-msg "$tmp/e" "line 3"
"$causal" describe --bogus "$tmp/s.csv" >/dev/null 2>&1; check bad-option $? 2
"$causal" describe --delimiter >/dev/null 2>&1; check missing-value $? 2
"$causal" describe --delimiter ab "$tmp/s.csv" >/dev/null 2>&1; check long-delim $? 2
"$causal" describe --delimiter '"' "$tmp/s.csv" >/dev/null 2>&1; check quote-delim $? 1
"$causal" describe >/dev/null 2>&1; check no-file $? 2
# Options that change parsing.
printf 'x;y\n1;-\n2;5\n' >"$tmp/semi.csv"
"$causal" describe --json --delimiter ';' --na - "$tmp/semi.csv" >"$tmp/j2" 2>&1; check semicolon $? 0
contains semicolon-missing "$tmp/j2" '"y"'
# The example dataset shipped in the repository.
"$causal" describe "$root/data/lalonde.csv" >"$tmp/l" 2>&1; check lalonde $? 0
contains lalonde-re78 "$tmp/l" "re78"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
