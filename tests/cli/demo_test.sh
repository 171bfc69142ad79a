#!/usr/bin/env bash
# Tests of `causal demo`: results.json parses and has every step with its
# estimates beside the truth; the randomized estimates cover the truth for
# the fixed seed; the naive observational estimate is biased; the table on
# stdout; determinism; exit codes.
# usage: demo_test.sh PATH/TO/causal
set -u
causal="$1"
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

"$causal" --help >"$tmp/h" 2>&1; check help $? 0
contains help-demo "$tmp/h" "  demo       end-to-end demo"
"$causal" demo --help >"$tmp/dh" 2>&1; check demo-help $? 0
contains demo-help-examples "$tmp/dh" "examples:"
contains demo-help-rows "$tmp/dh" "--rows N"

# ---- a small run, table on stdout ----
"$causal" demo --rows 60000 --seed 42 --out "$tmp/a" >"$tmp/t" 2>"$tmp/e"
check run $? 0
contains table-head "$tmp/t" "causal demo: seed 42, 60000 rows"
contains table-balance "$tmp/t" "Covariate balance"
contains table-cuped "$tmp/t" "revenue: CUPED"
contains table-timing "$tmp/t" "seconds       cpu  status"
contains table-path "$tmp/t" "results: $tmp/a/results.json"
py results "$tmp/a/results.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "causal demo" and d["seed"] == 42 and d["rows"] == 60000
sc = d["scenario"]["entries"]
assert d["scenario"]["kind"] == "scenario"
assert sc["n_rct"] + sc["n_obs"] + sc["n_panel"] == 60000
names = [s["name"] for s in d["steps"]]
for want in ("simulate", "rct", "bayes", "observational", "weighting",
             "matching", "balance", "did", "fusion", "report"):
    assert want in names, (want, names)
steps = {s["name"]: s for s in d["steps"]}
for s in d["steps"]:
    assert s["status"] == "ok", s
    assert s["seconds"] >= 0 and s["error"] is None
    for e in s["estimates"]:
        for k in ("estimate", "std_error", "conf_low", "conf_high", "truth"):
            assert k in e
        assert e["truth"] == sc[e["estimand"]]
        assert e["conf_low"] <= e["estimate"] <= e["conf_high"]
        assert e["covers"] == (e["conf_low"] <= e["truth"] <= e["conf_high"])
assert d["total_seconds"] >= sum(s["seconds"] for s in d["steps"]) - 1e-6
# the randomized estimates cover the truth for this seed
rct = steps["rct"]["estimates"]
assert len(rct) == 3 and all(e["covers"] for e in rct), rct
cuped = [e for e in rct if "CUPED" in e["label"]][0]
welch = [e for e in rct if "Welch" == e["method"][:5]][0]
assert cuped["std_error"] < welch["std_error"]  # variance reduction
vr = steps["rct"]["details"]["revenue_cuped"]["entries"]["variance_reduction"]
assert 0.2 < vr < 0.6, vr
assert steps["bayes"]["estimates"][0]["covers"]
# observational: the naive difference is biased, the adjusted one covers
obs = {e["label"]: e for e in steps["observational"]["estimates"]}
naive = obs["revenue: naive treated - control"]
adj = obs["revenue: regression-adjusted ATT"]
assert naive["covers"] is False and naive["error"] > 1.0
assert adj["covers"], adj
for e in steps["did"]["estimates"]:
    assert e["covers"] and e["estimand"] == "did_att", e
es = steps["did"]["details"]["event_study"]["entries"]
assert es["pretrend_p_value"] > 0.001
# balance (causal_balance): rct balanced; obs not, until weighted
det = steps["balance"]["details"]
rb = det["rct"]["entries"]["balance"]
ob = det["obs"]["entries"]["balance"]
assert rb["rownames"] == ["tenure", "mobile", "pre_revenue"] == ob["rownames"]
smd, smd_adj = ob["colnames"].index("smd"), ob["colnames"].index("smd_adj")
for row in rb["values"]:
    assert abs(row[smd]) < 0.1
assert max(row[smd] for row in ob["values"]) > 0.5
for row in ob["values"]:
    assert abs(row[smd_adj]) < 0.05, row
# weighting: three estimates, each covering its truth; compact details
w = {e["label"]: e for e in steps["weighting"]["estimates"]}
assert set(w) == {"revenue: Hajek IPW ATT", "revenue: AIPW ATT", "revenue: AIPW ATE"}
for e in w.values():  # within 4 SE (both ATT intervals miss at seed 42:
    assert abs(e["error"]) < 4 * e["std_error"], e  # 2.5 and 2.1 SE)
assert w["revenue: AIPW ATE"]["estimand"] == "obs_ate_revenue"
assert "weights" not in steps["weighting"]["details"]["hajek_att"]["entries"]
# matching: with replacement and Abadie-Imbens near the truth; balance
mt = {e["label"]: e for e in steps["matching"]["estimates"]}
assert set(mt) == {"revenue: 1:1 matching, no replacement",
                   "revenue: 1:1 matching with replacement",
                   "revenue: matching, Abadie-Imbens SE"}, mt
for k in ("revenue: 1:1 matching with replacement", "revenue: matching, Abadie-Imbens SE"):
    assert abs(mt[k]["error"]) < 4 * mt[k]["std_error"], mt[k]
md = steps["matching"]["details"]
assert md["nearest"]["entries"]["vcov_type"].startswith("CR"), md["nearest"]
assert md["nearest"]["entries"]["caliper"] > 0
assert md["nearest_replace"]["entries"]["replace"] == 1
assert md["abadie_imbens"]["entries"]["nobs"] == 20000
mb = det["obs_matched"]["entries"]["balance"]
for row in mb["values"]:
    assert abs(row[smd_adj]) < 0.1, row
# fusion of the randomized CUPED and the observational AIPW ATE
fu = steps["fusion"]
assert [e["estimand"] for e in fu["estimates"]] == ["rct_ate_revenue"] * 5
ivw = fu["details"]["ivw"]
assert ivw["warnings"], ivw  # IVW always warns that it assumes no bias
assert abs(ivw["entries"]["weights"]["values"][0] + ivw["entries"]["weights"]["values"][1] - 1) < 1e-12
for e in fu["estimates"][:3]:
    assert abs(e["error"]) < 4 * e["std_error"], e
    assert e["std_error"] <= welch["std_error"], e
# with the confounded naive difference: IVW is pulled away, MSE is not
fe = {e["label"]: e for e in fu["estimates"]}
assert fe["revenue: IVW with naive obs"]["error"] > 1.0
assert fe["revenue: bias-aware with naive obs"]["covers"]
assert fu["details"]["mse_naive"]["entries"]["lambda"] < 0.05
PY

# ---- the report: well-formed XHTML with inline SVG charts, and Markdown ----
contains table-report "$tmp/t" "report:  $tmp/a/report.html"
contains report-svg "$tmp/a/report.html" "<svg"
for t in "Estimates beside the truth" "Covariate balance" "Propensity-score overlap" \
  "Revenue lift: plain vs CUPED" "posterior of the conversion lift" \
  "Difference-in-differences: event study" "Average effect on revenue (ATE)"; do
  contains "report-$t" "$tmp/a/report.html" "$t"
  contains "report-md-$t" "$tmp/a/report.md" "$t"
done
mkdir "$tmp/xml" && cp "$tmp/a/report.html" "$tmp/xml/"
if /usr/bin/python3 "$(dirname "$0")/../ref/report_xml_check.py" "$tmp/xml" >"$tmp/xc" 2>&1
then pass=$((pass + 1)); else echo "FAIL: report-xml"; cat "$tmp/xc"; fail=$((fail + 1)); fi

# ---- --json: the same document on stdout; deterministic estimates ----
"$causal" demo --rows 60000 --seed 42 --out "$tmp/b" --json >"$tmp/j" 2>"$tmp/e"
check json $? 0
py json-stdout "$tmp/j" "$tmp/a/results.json" "$tmp/b/results.json" <<'PY'
import json, sys
j, a, b = (json.load(open(p)) for p in sys.argv[1:])
def strip(d):  # timings differ between runs
    d = dict(d); d.pop("total_seconds"); d.pop("total_cpu_seconds")
    d["steps"] = [{k: v for k, v in s.items() if k not in ("seconds", "cpu_seconds")}
                  for s in d["steps"]]
    return d
assert strip(j) == strip(b)
assert strip(a) == strip(b)
PY
"$causal" demo --rows 60000 --seed 43 --out "$tmp/c" --json >/dev/null 2>&1
check seed43 $? 0
py seed-differs "$tmp/a/results.json" "$tmp/c/results.json" <<'PY'
import json, sys
a, c = (json.load(open(p)) for p in sys.argv[1:])
assert a["scenario"]["entries"]["rct_ate_revenue"] != c["scenario"]["entries"]["rct_ate_revenue"]
PY

# ---- usage errors 2, unwritable output 3 ----
"$causal" demo --rows 10 --out "$tmp/x" >/dev/null 2>&1; check rows-small $? 2
"$causal" demo --rows abc --out "$tmp/x" >/dev/null 2>&1; check rows-text $? 2
"$causal" demo --rows 1.5e3x >/dev/null 2>&1; check rows-junk $? 2
"$causal" demo --seed -1 --out "$tmp/x" >/dev/null 2>&1; check seed-neg $? 2
"$causal" demo --seed 18446744073709551616 --out "$tmp/x" >/dev/null 2>&1; check seed-big $? 2
"$causal" demo --bogus >/dev/null 2>&1; check bad-option $? 2
"$causal" demo --rows >/dev/null 2>&1; check missing-value $? 2
"$causal" demo --out "" >/dev/null 2>&1; check empty-out $? 2
: >"$tmp/file"
"$causal" demo --rows 2000 --out "$tmp/file/sub" >"$tmp/x" 2>&1; check out-unwritable $? 3
contains out-msg "$tmp/x" "cannot create directory"

echo "demo_test.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
