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
contains version "$tmp/v" "causal 0.2.0"
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

# ---- regression: ols, logit, iv ------------------------------------------
contains help-ols "$tmp/h" "  ols        linear regression"
for c in ols logit iv; do
  "$causal" $c --help >"$tmp/rh" 2>&1; check "$c-help" $? 0
  contains "$c-help-examples" "$tmp/rh" "examples:"
  contains "$c-help-vcov" "$tmp/rh" "--vcov"
done
contains iv-help-endog "$tmp/rh" "--instruments"
lal="$root/data/lalonde.csv"
"$causal" ols "$lal" --y re78 --x treat,age,educ,race --vcov HC1 >"$tmp/o" 2>&1
check ols-lalonde $? 0
contains ols-title "$tmp/o" "Linear regression (OLS): re78 ~ treat + age + educ + race"
contains ols-head "$tmp/o" "Std. Error"
contains ols-term "$tmp/o" "race[hispan]"
contains ols-se "$tmp/o" "Standard errors: HC1"
contains ols-r2 "$tmp/o" "R-squared:"
contains ols-n "$tmp/o" "Observations: 614"
# JSON values against an exact least-squares solution computed here and
# against the same fit through the library (coefficients, HC1 SEs).
"$causal" ols "$lal" --y re78 --x treat,age,educ,race,married --vcov HC1 --json >"$tmp/oj" 2>&1
check ols-json $? 0
if /usr/bin/python3 - "$tmp/oj" "$lal" <<'PY'
import json, sys
import numpy as np, pandas as pd
d = json.load(open(sys.argv[1]))
assert d["kind"] == "ols", d["kind"]
e = d["entries"]
tab = e["coef"]
coef = dict(zip(tab["rownames"], tab["values"]))
df = pd.read_csv(sys.argv[2])
X = np.column_stack([np.ones(len(df)), df.treat, df.age, df.educ,
                     df.race == "hispan", df.race == "white",
                     df.married]).astype(float)
names = ["(Intercept)", "treat", "age", "educ", "race[hispan]",
         "race[white]", "married"]
y = df.re78.values
b, *_ = np.linalg.lstsq(X, y, rcond=None)
u = y - X @ b
n, k = X.shape
B = np.linalg.inv(X.T @ X)
V = B @ (X.T * u**2) @ X @ B * n / (n - k)
for j, t in enumerate(names):
    assert abs(coef[t][0] - b[j]) <= 1e-9 * abs(b[j]), (t, coef[t][0], b[j])
    se = np.sqrt(V[j, j])
    assert abs(coef[t][1] - se) <= 1e-9 * se, (t, coef[t][1], se)
assert e["vcov_type"] == "HC1" and e["nobs"] == 614 and e["df"] == 607
r2 = 1 - (u @ u) / ((y - y.mean()) @ (y - y.mean()))
assert abs(e["r_squared"] - r2) < 1e-12
PY
then pass=$((pass + 1)); else echo "FAIL: ols-json values"; fail=$((fail + 1)); fi
# A small file whose fit is known exactly: y = 1 + 2 x + (-1,1,...) noise
printf 'y,x,g,w\n2,0,a,1\n4,1,a,2\n6,2,b,1\n8,3,b,2\n10,4,a,1\n12,5,b,2\n' >"$tmp/lin.csv"
"$causal" ols "$tmp/lin.csv" --y y --x x --json >"$tmp/lj" 2>"$tmp/lj.err"; check ols-exact $? 0
if /usr/bin/python3 - "$tmp/lj" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["entries"]
c = dict(zip(e["coef"]["rownames"], e["coef"]["values"]))
assert abs(c["(Intercept)"][0] - 2) < 1e-13 and abs(c["x"][0] - 2) < 1e-13, c
assert e["rss"] < 1e-24 and e["nobs"] == 6
PY
then pass=$((pass + 1)); else echo "FAIL: ols-exact values"; fail=$((fail + 1)); fi
# Options reach the library: weights, clusters, absorb, reference, SSC, CI.
"$causal" ols "$tmp/lin.csv" --y y --x x,g --weights w --reference g=b --json >"$tmp/wj" 2>&1
check ols-weights $? 0
contains ols-weights-ref "$tmp/wj" '"g[a]"'
"$causal" ols "$root/tests/data/ols_cps.csv" --y lwage --x education,experience,gender \
  --cluster occupation,sector --ssc stata --conf-level 0.9 --json >"$tmp/cj" 2>"$tmp/cje"
check ols-2way $? 0
contains ols-2way-warning "$tmp/cje" "warning: two-way cluster covariance"
"$causal" ols "$root/tests/data/ols_cps.csv" --y lwage --x education,experience \
  --absorb occupation,sector --cluster occupation >"$tmp/ab" 2>&1
check ols-absorb $? 0
contains ols-absorb-title "$tmp/ab" "| occupation + sector"
contains ols-absorb-fe "$tmp/ab" "Absorbed fixed effects"
contains ols-absorb-cl "$tmp/ab" "6 clusters"
"$causal" ols "$root/tests/data/ols_cig.csv" --y lpacks --x lrprice,lrincome,year \
  --cat year --weights population --vcov HC1 --json >"$tmp/gj" 2>&1
check ols-cat-wls $? 0
# The reference values of tests/data/ols_reference.csv (R lm + sandwich /
# estimatr) for the same models.
if /usr/bin/python3 - "$tmp/cj" "$tmp/gj" "$root/tests/data/ols_reference.csv" <<'PY'
import csv, json, sys
cj = json.load(open(sys.argv[1]))["entries"]
assert cj["vcov_type"] == "CR1" and cj["n_clusters"] == 6 and cj["n_clusters2"] == 3
# 90% interval with t(Gmin - 1 = 2) df: half-width = 2.919986 se
for est, se, _, _, lo, hi in cj["coef"]["values"]:
    assert abs((hi - lo) / 2 - 2.919985580355516 * se) <= 1e-9 * se
gj = json.load(open(sys.argv[2]))["entries"]
ref = [r for r in csv.DictReader(open(sys.argv[3])) if r["case"] == "cig_HC1"]
c = dict(zip(gj["coef"]["rownames"], gj["coef"]["values"]))
cols = ["estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
n = 0
for r in ref:
    if r["quantity"] in cols:
        got = c[r["term"]][cols.index(r["quantity"])]
        want = float(r["value"])
        assert abs(got - want) <= 1e-9 * abs(want), (r, got)
        n += 1
    elif r["quantity"] in ("r_squared", "sigma", "f_statistic"):
        got, want = gj[r["quantity"]], float(r["value"])
        assert abs(got - want) <= 1e-9 * abs(want), (r, got)
        n += 1
assert n >= 20, n
PY
then pass=$((pass + 1)); else echo "FAIL: ols reference values"; fail=$((fail + 1)); fi
# logit against glm's reference (tests/data/logit_reference.csv, "lalonde":
# no weights or offset, race with black as reference)
"$causal" logit "$lal" --y treat --x age,educ,race,married,nodegree,re74,re75 \
  --reference race=black --json >"$tmp/lg" 2>&1
check logit $? 0
if /usr/bin/python3 - "$tmp/lg" "$root/tests/data/logit_reference.csv" <<'PY'
import csv, json, sys
e = json.load(open(sys.argv[1]))["entries"]
assert json.load(open(sys.argv[1]))["kind"] == "logit"
est = [r for r in csv.DictReader(open(sys.argv[2]))
       if r["case"] == "lalonde" and r["quantity"] == "estimate"]
est.sort(key=lambda r: int(r["i"]))
vals = [row[0] for row in e["coef"]["values"]]
assert len(vals) == len(est) == 9
for got, r in zip(vals, est):
    want = float(r["value"])
    assert abs(got - want) <= 1e-9 * abs(want), (got, want)
assert e["converged"] == 1
PY
then pass=$((pass + 1)); else echo "FAIL: logit reference values"; fail=$((fail + 1)); fi
"$causal" logit "$lal" --y treat --x age,educ --vcov HC0 --offset age --l2 0.5 >"$tmp/lo" 2>&1
check logit-options $? 0
contains logit-title "$tmp/lo" "Logistic regression: treat ~ age + educ"
contains logit-dev "$tmp/lo" "Null deviance"
contains logit-z "$tmp/lo" "z value"
# iv against AER::ivreg (tests/data/iv_reference.csv, case "cig")
"$causal" iv "$root/tests/data/iv_cig.csv" --y lpacks --x lrincome --endog lrprice \
  --instruments tdiff,taxcpi --json >"$tmp/ij" 2>&1
check iv $? 0
if /usr/bin/python3 - "$tmp/ij" "$root/tests/data/iv_reference.csv" <<'PY'
import csv, json, sys
e = json.load(open(sys.argv[1]))["entries"]
ref = {r["quantity"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[2]))
       if r["case"] == "cig"}
c = dict(zip(e["coef"]["rownames"], e["coef"]["values"]))
for t in ("(Intercept)", "lrincome", "lrprice"):
    for q, j in (("coef_", 0), ("se_classical_", 1)):
        want = ref[q + t]
        assert abs(c[t][j] - want) <= 1e-9 * abs(want), (t, q)
for q in ("cragg_donald_f", "sargan"):
    assert abs(e[q] - ref[q]) <= 1e-9 * abs(ref[q]), q
PY
then pass=$((pass + 1)); else echo "FAIL: iv reference values"; fail=$((fail + 1)); fi
"$causal" iv "$root/tests/data/iv_cig.csv" --y lpacks --x lrincome --endog lrprice \
  --instruments tdiff,taxcpi --method liml --vcov HC1 >"$tmp/io" 2>&1
check iv-liml $? 0
contains iv-liml-title "$tmp/io" "Instrumental variables (LIML): lpacks ~ lrincome + [lrprice ~ tdiff + taxcpi]"
contains iv-first-stage "$tmp/io" "First stage F (lrprice)"
contains iv-sargan "$tmp/io" "Sargan"
contains iv-ar "$tmp/io" "Anderson-Rubin confidence set (interval)"
# Errors: the library's message and exit 1; usage errors exit 2; files 3.
"$causal" ols "$lal" --y re78 --x age,nope >"$tmp/e" 2>&1; check ols-missing-col $? 1
contains ols-missing-col-msg "$tmp/e" "nope"
"$causal" ols "$lal" --y re78 --x age,educ --cluster nope >"$tmp/e" 2>&1; check ols-missing-cluster $? 1
"$causal" logit "$lal" --y race --x age >"$tmp/e" 2>&1; check logit-3-levels $? 1
printf 'y,x\n0,1\n0,2\n1,3\n1,4\n' >"$tmp/sep.csv"
"$causal" logit "$tmp/sep.csv" --y y --x x >"$tmp/e" 2>&1; check logit-separation $? 1
contains logit-separation-msg "$tmp/e" "separation"
"$causal" iv "$lal" --y re78 --x age --endog educ,re74 --instruments married >"$tmp/e" 2>&1
check iv-underidentified $? 1
contains iv-underidentified-msg "$tmp/e" "under-identified"
printf 'y,x,x2\n1,1,2\n2,2,4\n4,3,6\n3,4,8\n' >"$tmp/col.csv"
"$causal" ols "$tmp/col.csv" --y y --x x,x2 >"$tmp/o" 2>"$tmp/e"; check ols-collinear-drop $? 0
contains ols-collinear-warning "$tmp/e" "x2"
"$causal" ols "$tmp/col.csv" --y y --x x,x2 --rank error >"$tmp/e" 2>&1; check ols-collinear-error $? 1
"$causal" ols "$tmp/nope.csv" --y y --x x >/dev/null 2>&1; check ols-missing-file $? 3
"$causal" ols "$lal" --x age >/dev/null 2>&1; check ols-no-y $? 2
"$causal" ols --y re78 --x age >/dev/null 2>&1; check ols-no-file $? 2
"$causal" ols "$lal" --y re78 --x age --vcov HC9 >/dev/null 2>&1; check ols-bad-vcov $? 2
"$causal" ols "$lal" --y re78 --x age --ssc spss >/dev/null 2>&1; check ols-bad-ssc $? 2
"$causal" ols "$lal" --y re78 --x age --offset age >/dev/null 2>&1; check ols-offset-refused $? 2
"$causal" logit "$lal" --y treat --x age --absorb educ >/dev/null 2>&1; check logit-absorb-refused $? 2
"$causal" iv "$lal" --y re78 --x age --endog educ >/dev/null 2>&1; check iv-no-instruments $? 2
"$causal" iv "$lal" --y re78 --x age --endog educ --instruments married --method gmm >/dev/null 2>&1
check iv-bad-method $? 2
"$causal" ols "$lal" --y re78 --x age --conf-level abc >/dev/null 2>&1; check ols-bad-number $? 2
"$causal" ols "$lal" --y re78 --x age --conf-level 1.5 >/dev/null 2>&1; check ols-level-range $? 1
"$causal" ols "$lal" --y re78 --x age --reference race >/dev/null 2>&1; check ols-bad-reference $? 2
"$causal" ols "$lal" --y re78 --x >/dev/null 2>&1; check ols-missing-value $? 2
"$causal" ols "$lal" "$lal" --y re78 --x age >/dev/null 2>&1; check ols-two-files $? 2

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
