#!/usr/bin/env bash
# Tests of `causal did`: output, JSON values against the R references of
# tests/data/did_reference.csv (tests/ref/did_reference.R: lm with factor
# dummies + sandwich/car on AER's Fatalities), exit codes.
# usage: did_test.sh PATH/TO/causal
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
lacks() { # name, file, fixed string
  if grep -qF -- "$3" "$2"; then
    echo "FAIL: $1: '$3' in output:"; cat "$2"; fail=$((fail + 1))
  else pass=$((pass + 1)); fi
}
py() { # name, python script on stdin, args...
  local name="$1"
  shift
  if /usr/bin/python3 - "$@"; then pass=$((pass + 1)); else
    echo "FAIL: $name"; fail=$((fail + 1)); fi
}

panel="$root/tests/data/did_fatalities.csv"
refs="$root/tests/data/did_reference.csv"
fe=(--y frate --unit state --time year)

"$causal" --help >"$tmp/h" 2>&1; check help $? 0
contains help-did "$tmp/h" "  did        difference-in-differences"
"$causal" did --help >"$tmp/dh" 2>&1; check did-help $? 0
contains did-help-examples "$tmp/dh" "examples:"
contains did-help-design "$tmp/dh" "--design D"
contains did-help-leads "$tmp/dh" "--leads N"

# ---- TWFE ----
"$causal" did "$panel" "${fe[@]}" --cohort cohort >"$tmp/t" 2>&1
check twfe $? 0
contains twfe-title "$tmp/t" "Difference-in-differences (two-way fixed effects): frate"
contains twfe-panel "$tmp/t" "Panel: 47 units, 7 periods; 14 treated, 33 never treated; 329 observations"
contains twfe-se "$tmp/t" "Standard errors: CR1, 47 clusters; t(46) reference"
contains twfe-effect "$tmp/t" "Effect (treated)"
lacks twfe-no-coef "$tmp/t" "Coefficients:"
"$causal" did "$panel" "${fe[@]}" --cohort cohort --json >"$tmp/tj" 2>&1
check twfe-json $? 0
"$causal" did "$panel" "${fe[@]}" --treatment D --x beertax,unemp --vcov HC1 --json >"$tmp/cj" 2>&1
check twfe-cov $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --weights popm --json >"$tmp/wj" 2>&1
check twfe-weights $? 0
"$causal" did "$panel" "${fe[@]}" --treatment jail01 --json >"$tmp/jj" 2>&1
check twfe-jail $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --trends --vcov HC1 --json >"$tmp/trj" 2>&1
check trends $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --placebo-shift 1 --json >"$tmp/pj" 2>&1
check placebo $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --placebo-outcome unemp --json >"$tmp/poj" 2>&1
check placebo-outcome $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --placebo-outcome unemp >"$tmp/po" 2>&1
contains placebo-outcome-title "$tmp/po" "(two-way fixed effects): unemp"
py twfe-values "$tmp/tj" "$tmp/cj" "$tmp/wj" "$tmp/jj" "$tmp/trj" "$tmp/pj" \
  "$tmp/poj" "$refs" <<'PY'
import csv, json, sys
f = sys.argv[1:-1]
ref = {r["name"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[-1]))}
def close(got, name, tol=1e-8):
    want = ref[name]
    assert abs(got - want) <= tol * abs(want), (name, got, want)
def load(p):
    d = json.load(open(p))
    assert d["kind"] == "did", d["kind"]
    return d["entries"]
def row(e, term):
    return dict(zip(e["coef"]["rownames"], e["coef"]["values"]))[term]
def head(e, prefix):
    close(e["estimate"], prefix + ".est")
    close(e["std_error"], prefix + ".se")
    close(e["p_value"], prefix + ".p", 1e-7)
e = load(f[0]); head(e, "twfe")
assert e["design"] == "twfe" and e["nobs"] == ref["twfe.nobs"]
assert e["n_units"] == 47 and e["n_clusters"] == 47 and e["df"] == 46
e = load(f[1])
for t, name in (("treated", "D"), ("beertax", "beertax"), ("unemp", "unemp")):
    r = row(e, t)
    close(r[0], "twfe_cov.%s.est" % name)
    close(r[1], "twfe_cov.%s.se" % name)
assert e["vcov_type"] == "HC1" and "n_clusters" not in e
head(load(f[2]), "twfe_w")
e = load(f[3]); head(e, "twfe_jail")
assert e["nobs"] == ref["twfe_jail.nobs"] and e["n_dropped"] == 1
e = load(f[4]); head(e, "trend_hc1")
assert e["n_trend_parameters"] == 94
e = load(f[5]); head(e, "placebo")
assert e["nobs"] == ref["placebo.nobs"]
head(load(f[6]), "placebo_y")
PY

# ---- event study ----
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design event-study --json >"$tmp/ej" 2>&1
check es $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design es --reference -2 --json >"$tmp/e2j" 2>&1
check es-ref2 $? 0
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design event_study --leads 2 --lags 3 --json >"$tmp/ebj" 2>&1
check es-bin $? 0
"$causal" did "$panel" "${fe[@]}" --treatment D --design event-study --leads 2 --lags 3 \
  --endpoints drop --json >"$tmp/edj" 2>&1
check es-drop $? 0
py es-values "$tmp/ej" "$tmp/e2j" "$tmp/ebj" "$tmp/edj" "$refs" <<'PY'
import csv, json, sys
ref = {r["name"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[-1]))}
def close(got, name, tol=1e-8):
    want = ref[name]
    assert abs(got - want) <= tol * abs(want), (name, got, want)
for path, prefix, lo, hi, rp in ((sys.argv[1], "es", -3, 6, -1),
                                 (sys.argv[2], "es_ref2", -3, 6, -2),
                                 (sys.argv[3], "es_bin", -2, 3, -1),
                                 (sys.argv[4], "es_drop", -2, 3, -1)):
    e = json.load(open(path))["entries"]
    assert e["design"] == "event_study" and e["reference"] == rp
    assert e["event_time"]["values"] == list(range(lo, hi + 1))
    ev = dict(zip(e["event"]["rownames"], e["event"]["values"]))
    assert len(ev) == hi - lo + 1
    for k in range(lo, hi + 1):
        v = ev["rel[%d]" % k]
        if k == rp:
            assert v[0] == 0 and v[1] == 0
            continue
        close(v[0], "%s.r%d.est" % (prefix, k))
        close(v[1], "%s.r%d.se" % (prefix, k))
        close(v[3], "%s.r%d.p" % (prefix, k), 1e-7)
    close(e["estimate"], prefix + ".avg.est")
    close(e["std_error"], prefix + ".avg.se")
    close(e["pretrend_statistic"], prefix + ".pre_W")
    close(e["pretrend_p_value"], prefix + ".pre_p", 1e-7)
    assert e["pretrend_df1"] == ref[prefix + ".pre_df1"]
    assert e["nobs"] == ref[prefix + ".nobs"]
PY
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design event-study --leads 2 --lags 3 \
  --x unemp >"$tmp/e" 2>&1
check es-text $? 0
contains es-title "$tmp/e" "Difference-in-differences (event study): frate ~ unemp"
contains es-head "$tmp/e" "Event study (relative period r = time - cohort; reference r = -1):"
contains es-plot-head "$tmp/e" "interval (o estimate, | zero)"
contains es-ref-row "$tmp/e" "  -1           0 (reference)"
contains es-lag-row "$tmp/e" "  +3 "
contains es-pretrend "$tmp/e" "Pre-trend test (all leads = 0): F(1, 46) = "
contains es-covariate "$tmp/e" "unemp "
lacks es-no-rel-coef "$tmp/e" "rel["
py es-rows "$tmp/e" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(j for j, l in enumerate(lines) if l.startswith("Event study"))
rows = lines[i + 2:i + 8]
assert [r.split()[0] for r in rows] == ["-2", "-1", "0", "+1", "+2", "+3"], rows
for r in rows:  # an interval drawn on every row with an estimate
    assert r.rstrip().endswith(("-", "o")) and "o" in r.split()[-1], r
PY
# only lags: no pre-trend test, a warning on stderr
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design event-study --leads 1 >"$tmp/o" 2>"$tmp/w"
check es-no-leads $? 0
lacks es-no-pretrend "$tmp/o" "Pre-trend test"
contains es-no-leads-warning "$tmp/w" "warning:"

# ---- 2x2 ----
"$causal" did "$panel" --y frate --group grp --post post --cluster state --json >"$tmp/dj" 2>&1
check dd $? 0
"$causal" did "$panel" --y frate --group grp --post post --cluster state >"$tmp/d" 2>&1
check dd-text $? 0
contains dd-title "$tmp/d" "Difference-in-differences (2x2): frate"
contains dd-cells "$tmp/d" "Cell means:"
contains dd-coef "$tmp/d" "group:post"
py dd-values "$tmp/dj" "$refs" <<'PY'
import csv, json, sys
ref = {r["name"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[2]))}
e = json.load(open(sys.argv[1]))["entries"]
assert e["design"] == "2x2"
for got, name, tol in ((e["estimate"], "dd.est", 1e-8), (e["std_error"], "dd.se", 1e-8),
                       (e["estimate_means"], "dd.est", 1e-10)):
    assert abs(got - ref[name]) <= tol * abs(ref[name]), (name, got)
cm = e["cell_means"]["values"]
assert e["cell_means"]["names"][3] == "treated_post"
for v, n in zip(cm, ("dd.m00", "dd.m01", "dd.m10", "dd.m11")):
    assert abs(v - ref[n]) <= 1e-12 * abs(ref[n]), n
PY

# ---- errors: library 1, usage 2, file 3 ----
"$causal" did "$panel" "${fe[@]}" >"$tmp/x" 2>&1; check no-treatment $? 1
contains no-treatment-msg "$tmp/x" "treatment or cohort"
"$causal" did "$panel" "${fe[@]}" --cohort nope >"$tmp/x" 2>&1; check missing-col $? 1
contains missing-col-msg "$tmp/x" "nope"
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design 2x2 >"$tmp/x" 2>&1; check 2x2-cohorts $? 1
contains 2x2-cohorts-msg "$tmp/x" "one treatment date"
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design event-study --leads 2 \
  --reference -5 >"$tmp/x" 2>&1; check bad-reference $? 1
"$causal" did "$panel" "${fe[@]}" --cohort cohort --conf-level 2 >"$tmp/x" 2>&1; check bad-level $? 1
"$causal" did "$panel" "${fe[@]}" --cohort cohort --design synthetic >/dev/null 2>&1; check bad-design $? 2
"$causal" did "$panel" "${fe[@]}" --cohort cohort --vcov HC9 >/dev/null 2>&1; check bad-vcov $? 2
"$causal" did "$panel" "${fe[@]}" --cohort cohort --leads two >/dev/null 2>&1; check bad-leads $? 2
"$causal" did "$panel" "${fe[@]}" --cohort cohort --bogus >/dev/null 2>&1; check bad-option $? 2
"$causal" did "$panel" "${fe[@]}" --cohort >/dev/null 2>&1; check missing-value $? 2
"$causal" did "$panel" --unit state --cohort cohort >/dev/null 2>&1; check no-y $? 2
"$causal" did --y frate >/dev/null 2>&1; check no-file $? 2
"$causal" did "$panel" "$panel" --y frate >/dev/null 2>&1; check two-files $? 2
"$causal" did "$tmp/nope.csv" --y frate --cohort cohort >/dev/null 2>&1; check missing-file $? 3
printf 'u,t,y,c\na,1,1,0\na,1,2,0\nb,1,3,2\nb,2,4,2\n' >"$tmp/dup.csv"
"$causal" did "$tmp/dup.csv" --y y --unit u --time t --cohort c >"$tmp/x" 2>&1; check duplicate $? 1
contains duplicate-msg "$tmp/x" "appears in rows"

echo "did_test.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
