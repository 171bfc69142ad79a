#!/usr/bin/env bash
# Tests of --report / --markdown on the CLI commands (report_opts.c):
# files written, the expected charts and tables inside, well-formed XML
# (Debian python3 xml.etree), the normal output unchanged, exit codes.
# usage: report_test.sh PATH/TO/causal
set -u
causal="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/tests/data"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { if [ "$2" -eq "$3" ]; then pass=$((pass + 1)); else
  echo "FAIL: $1 (exit $2, expected $3)"; fail=$((fail + 1)); fi; }
contains() { if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else
  echo "FAIL: $1: '$3' not in $2"; fail=$((fail + 1)); fi; }
lacks() { if grep -qF -- "$3" "$2"; then
  echo "FAIL: $1: '$3' in $2"; fail=$((fail + 1)); else pass=$((pass + 1)); fi; }
wellformed() {
  if /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$2"; then
    pass=$((pass + 1)); else echo "FAIL: $1: $2 is not well-formed"; fail=$((fail + 1)); fi; }

# ols: coefficient plot (no intercept), coef table, same stdout as without
"$causal" ols "$root/data/lalonde.csv" --y re78 --x treat,age,educ --vcov HC1 \
  >"$tmp/plain.txt" 2>&1; check ols-plain $? 0
"$causal" ols "$root/data/lalonde.csv" --y re78 --x treat,age,educ --vcov HC1 \
  --report "$tmp/ols.html" --markdown "$tmp/ols.md" >"$tmp/o.txt" 2>&1
check ols $? 0
if cmp -s "$tmp/plain.txt" "$tmp/o.txt"; then pass=$((pass + 1)); else
  echo "FAIL: --report changed the printed output"; fail=$((fail + 1)); fi
contains ols-svg "$tmp/ols.html" "<title>Coefficients with confidence intervals</title>"
contains ols-row "$tmp/ols.html" ">treat</text>"
lacks ols-intercept "$tmp/ols.html" ">(Intercept)</text>"
contains ols-table "$tmp/ols.html" "<td>(Intercept)</td>"
contains ols-cmd "$tmp/ols.html" "--y re78 --x treat,age,educ --vcov HC1"
lacks ols-cmd-report "$tmp/ols.html" "--report"
wellformed ols "$tmp/ols.html"
contains ols-md "$tmp/ols.md" "**Figure: Coefficients with confidence intervals**"
contains ols-md-row "$tmp/ols.md" "| treat | "
# deterministic: a second run gives the same bytes
"$causal" ols "$root/data/lalonde.csv" --y re78 --x treat,age,educ --vcov HC1 \
  --report "$tmp/ols2.html" >/dev/null 2>&1
if cmp -s "$tmp/ols.html" "$tmp/ols2.html"; then pass=$((pass + 1)); else
  echo "FAIL: report not deterministic"; fail=$((fail + 1)); fi
# --report=FILE form and logit
"$causal" logit "$root/data/lalonde.csv" --y treat --x age,educ \
  --report="$tmp/logit.html" >/dev/null 2>&1; check logit $? 0
contains logit "$tmp/logit.html" ">educ</text>"

# did event study: intervals against relative time, treatment line
"$causal" did "$data/did_fatalities.csv" --y frate --unit state --time year \
  --cohort cohort --design event-study --leads 3 --lags 4 \
  --report "$tmp/did.html" --markdown "$tmp/did.md" >/dev/null 2>&1
check did $? 0
contains did "$tmp/did.html" "<title>Event-study estimates</title>"
contains did-ref "$tmp/did.html" ">treatment</text>"
contains did-x "$tmp/did.html" ">Periods relative to treatment</text>"
wellformed did "$tmp/did.html"
contains did-md "$tmp/did.md" "| Series | x | y |"
# did 2x2: coefficient plot
"$causal" did "$data/did_fatalities.csv" --y frate --group grp --post post \
  --cluster state --report "$tmp/did2.html" >/dev/null 2>&1; check did2x2 $? 0
contains did2x2 "$tmp/did2.html" "<title>Coefficients</title>"

# power: power curve with the solved n and target power marked
"$causal" power --method mean_t --effect 1 --sd 2 --power 0.8 \
  --report "$tmp/power.html" --markdown "$tmp/power.md" >/dev/null 2>&1
check power $? 0
contains power "$tmp/power.html" "<title>Power by sample size</title>"
contains power-series "$tmp/power.html" ">half the effect</text>"
contains power-n "$tmp/power.html" "<dt>n_ceiling</dt><dd>64</dd>"
wellformed power "$tmp/power.html"
contains power-md "$tmp/power.md" "Reference lines: y = 0.8 (power); x = 63.77 (n)"

# abtest: forest plot of each arm against control
"$causal" abtest "$data/abtest_units.csv" --report "$tmp/ab.html" \
  --markdown "$tmp/ab.md" >/dev/null 2>&1; check abtest $? 0
contains abtest "$tmp/ab.html" "<title>Difference from the control</title>"
contains abtest-row "$tmp/ab.html" ">B - A</text>"
wellformed abtest "$tmp/ab.html"
contains abtest-md "$tmp/ab.md" "| B - A | 2.284 [1.073, 3.496] |"

# describe: tables only; Markdown to stdout with '-'
"$causal" describe "$root/data/lalonde.csv" --markdown - >"$tmp/d.txt" 2>&1
check describe $? 0
contains describe "$tmp/d.txt" "# causal describe"
contains describe-table "$tmp/d.txt" "| age |"
"$causal" describe "$root/data/lalonde.csv" --report "$tmp/d.html" >/dev/null
check describe-html $? 0
lacks describe-nochart "$tmp/d.html" "<svg"
wellformed describe "$tmp/d.html"

# sequential: boundaries against the information fraction with markers;
# monitoring adds the observed z path and the decision
"$causal" sequential --k 5 --z 0.9,1.8,2.4 --report "$tmp/seq.html" \
  --markdown "$tmp/seq.md" >/dev/null 2>&1; check sequential $? 0
contains seq "$tmp/seq.html" "<title>Group-sequential boundaries</title>"
contains seq-series "$tmp/seq.html" ">Efficacy boundaries</text>"
contains seq-z "$tmp/seq.html" ">Observed z</text>"
contains seq-x "$tmp/seq.html" ">Information fraction</text>"
contains seq-dec "$tmp/seq.html" "Decision at look 3: continue."
wellformed seq "$tmp/seq.html"
contains seq-md "$tmp/seq.md" "| Efficacy boundaries | 0.2 | 4.877 |"
contains seq-md-z "$tmp/seq.md" "| Observed z | 0.6 | 2.4 |"
"$causal" sequential --sides 1 --alpha 0.025 --futility hsd --k 4 \
  --report "$tmp/seq1.html" >"$tmp/seq1.txt" 2>&1; check sequential-design $? 0
contains seq1-fut "$tmp/seq1.html" ">Futility boundary</text>"
lacks seq1-noz "$tmp/seq1.html" ">Observed z</text>"
contains seq1-table "$tmp/seq1.html" "<caption>looks</caption>"
contains seq1-col "$tmp/seq1.html" "<th scope=\"col\">alpha_spent</th>"

# bayes: posterior densities of the arms and of B - A, summary block
"$causal" bayes --a 120,1000 --b 145,1000 --report "$tmp/bayes.html" \
  --markdown "$tmp/bayes.md" >/dev/null 2>&1; check bayes $? 0
contains bayes "$tmp/bayes.html" "<title>Posterior of each arm</title>"
contains bayes-diff "$tmp/bayes.html" "<title>Posterior of the difference B - A</title>"
contains bayes-arm "$tmp/bayes.html" ">B (treatment)</text>"
contains bayes-cri "$tmp/bayes.html" ">95% credible interval</text>"
contains bayes-kv "$tmp/bayes.html" "<dt>P(B &gt; A)</dt><dd>0.950197</dd>"
contains bayes-dec "$tmp/bayes.html" "<dd>ship B (threshold 0.95)</dd>"
wellformed bayes "$tmp/bayes.html"
contains bayes-md "$tmp/bayes.md" "**Figure: Posterior of the difference B - A**"
for m in "--model nig --a 30,10.0,4.0 --b 40,10.8,5.0" \
  "--model gamma --a 50,100 --b 61,100" "--model normal --a 1000,10,4 --b 1000,10.5,4"; do
  # shellcheck disable=SC2086
  "$causal" bayes $m --markdown "$tmp/bm.md" >/dev/null 2>&1; check "bayes $m" $? 0
  contains "bayes-md $m" "$tmp/bm.md" "| B (treatment) | 201 |"
done
# the plotted peak of the B - A density (numerical convolution in the CLI)
# against scipy: normal model in closed form, beta by quadrature
peak() { sed -n 's/^| B - A | 201 | [^|]* | [^|]* | [^|]* | \([^ |]*\) |$/\1/p' "$1"; }
"$causal" bayes --model normal --a 1000,10,4 --b 1000,10.5,4 --markdown "$tmp/bn.md" >/dev/null 2>&1
"$causal" bayes --a 120,1000 --b 145,1000 --markdown "$tmp/bb.md" >/dev/null 2>&1
if /usr/bin/python3 - "$(peak "$tmp/bn.md")" "$(peak "$tmp/bb.md")" <<'PY'
import sys
from math import sqrt
from scipy import stats, integrate, optimize
pn, pb = float(sys.argv[1]), float(sys.argv[2])
sd = sqrt(2 * 16 / 1000)
rn = stats.norm.pdf(0, scale=sd)
a, b = stats.beta(121, 881), stats.beta(146, 856)
f = lambda d: integrate.quad(lambda x: a.pdf(x) * b.pdf(x + d), 0, 1,
                             points=[0.12], limit=200)[0]
rb = -optimize.minimize_scalar(lambda d: -f(d), bounds=(0, 0.05),
                               method="bounded").fun
ok = abs(pn / rn - 1) < 2e-3 and abs(pb / rb - 1) < 2e-3
print("normal peak %g vs %g, beta peak %g vs %g" % (pn, rn, pb, rb))
sys.exit(0 if ok else 1)
PY
then pass=$((pass + 1)); else echo "FAIL: B - A density peak"; fail=$((fail + 1)); fi

# ipw: love plot before/after weighting, overlap histograms, effect and
# balance tables without the per-unit vectors
"$causal" ipw --data "$root/data/lalonde.csv" --treatment treat --outcome re78 \
  --covariates age,educ,race,married,nodegree,re74,re75 \
  >"$tmp/ipw_plain.txt" 2>&1; check ipw-plain $? 0
"$causal" ipw --data "$root/data/lalonde.csv" --treatment treat --outcome re78 \
  --covariates age,educ,race,married,nodegree,re74,re75 \
  --report "$tmp/ipw.html" --markdown "$tmp/ipw.md" >"$tmp/ipw.txt" 2>&1
check ipw $? 0
if cmp -s "$tmp/ipw_plain.txt" "$tmp/ipw.txt"; then pass=$((pass + 1)); else
  echo "FAIL: ipw --report changed the printed output"; fail=$((fail + 1)); fi
contains ipw-love "$tmp/ipw.html" "<title>Covariate balance before and after weighting</title>"
contains ipw-row "$tmp/ipw.html" ">race[black]</text>"
contains ipw-overlap "$tmp/ipw.html" "<title>Propensity-score overlap by arm</title>"
contains ipw-effect "$tmp/ipw.html" "<caption>coef</caption>"
contains ipw-balance "$tmp/ipw.html" "<caption>balance</caption>"
contains ipw-kv "$tmp/ipw.html" "<dt>Estimand</dt><dd>ATE (hajek)</dd>"
lacks ipw-weights "$tmp/ipw.html" "<caption>weights</caption>"
wellformed ipw "$tmp/ipw.html"
contains ipw-md "$tmp/ipw.md" "| Treated | 185 |"
# the love plot shows |smd| and |smd_adj| of the balance table
/usr/bin/python3 - "$tmp/ipw.md" <<'PY' && pass=$((pass + 1)) || { echo "FAIL: ipw love values"; fail=$((fail + 1)); }
import sys
rows = [[c.strip() for c in l.strip().strip("|").split("|")]
        for l in open(sys.argv[1]) if l.startswith("| race\\[black\\]")]
love = [r for r in rows if len(r) == 3][0]
bal = [r for r in rows if len(r) == 15][0]
assert abs(float(love[1]) - abs(float(bal[3]))) < 1e-3, (love, bal)
assert abs(float(love[2]) - abs(float(bal[10]))) < 1e-3, (love, bal)
PY

# psm: balance table in the text output, against MatchIt 4.5.1's summary()
# of matchit(treat ~ age + educ + race + married + nodegree + re74 + re75,
# data = lalonde) (--compat: MatchIt's own matches; tests/ref/
# psm_balance_reference.R): Std. Mean Diff., Var. Ratio and eCDF Max
# before and after matching; then the report: love plot,
# overlap histograms, effect forest plot and tables
psm_args="--data $root/data/lalonde.csv --treatment treat --outcome re78 --covariates age,educ,race,married,nodegree,re74,re75"
# shellcheck disable=SC2086
"$causal" psm $psm_args --compat >"$tmp/psm_mi.txt" 2>&1; check psm-compat $? 0
contains psm-balance "$tmp/psm_mi.txt" "race[black]      1.7615          .     0.6404     1.0259          .     0.3730  **"
contains psm-balance-age "$tmp/psm_mi.txt" "age             -0.3094     0.4400     0.1577     0.0854     0.4633     0.2541  *-"
contains psm-balance-re74 "$tmp/psm_mi.txt" "re74            -0.7211     0.5181     0.4470    -0.0780     1.2629     0.2865  *-"
# shellcheck disable=SC2086
"$causal" psm $psm_args >"$tmp/psm_plain.txt" 2>&1; check psm-plain $? 0
# shellcheck disable=SC2086
"$causal" psm $psm_args --report "$tmp/psm.html" --markdown "$tmp/psm.md" \
  >"$tmp/psm.txt" 2>&1; check psm $? 0
if cmp -s "$tmp/psm_plain.txt" "$tmp/psm.txt"; then pass=$((pass + 1)); else
  echo "FAIL: psm --report changed the printed output"; fail=$((fail + 1)); fi
contains psm-love "$tmp/psm.html" "<title>Covariate balance before and after matching</title>"
contains psm-overlap "$tmp/psm.html" "<title>Propensity-score overlap by arm</title>"
contains psm-forest "$tmp/psm.html" "<title>Effect estimates</title>"
contains psm-ai "$tmp/psm.html" ">Abadie-Imbens (AI 2016)</text>"
contains psm-kv "$tmp/psm.html" "<dd>185 of 185 treated, 185 of 429 control</dd>"
contains psm-bal-table "$tmp/psm.html" "<caption>balance</caption>"
lacks psm-weights "$tmp/psm.html" "<caption>distance</caption>"
lacks psm-matches "$tmp/psm.html" "<caption>match_matrix</caption>"
wellformed psm "$tmp/psm.html"
contains psm-md "$tmp/psm.md" "| race\\[black\\] | 1.762 | 1.026 |"
contains psm-md-hist "$tmp/psm.md" "| Control | 429 |"
# --score only: no covariates, so no balance and no love plot
"$causal" psm --data "$root/data/lalonde.csv" --treatment treat --outcome re78 \
  --score re75 --report "$tmp/psm2.html" >"$tmp/psm2.txt" 2>&1; check psm-score $? 0
lacks psm-score-love "$tmp/psm2.html" "<title>Covariate balance"
wellformed psm-score "$tmp/psm2.html"

# fuse: forest plot of the randomized, observational and fused estimates;
# the power-prior fused estimate over the assumed bias SD
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 --report "$tmp/fuse.html" \
  --markdown "$tmp/fuse.md" >"$tmp/fuse.txt" 2>&1; check fuse $? 0
contains fuse-forest "$tmp/fuse.html" "<title>Randomized, observational and fused estimates</title>"
contains fuse-curve "$tmp/fuse.html" "<title>Fused estimate by assumed bias SD (power prior)</title>"
contains fuse-rows "$tmp/fuse.html" ">Randomized (RCT)</text>"
wellformed fuse "$tmp/fuse.html"
# 95% intervals est -/+ 1.96 se; the fused row in its own series
contains fuse-md-rct "$tmp/fuse.md" "| Randomized (RCT) | 0.0522 [0.03554, 0.06886] | NA |"
contains fuse-md-fused "$tmp/fuse.md" "| Fused (ivw) | NA | 0.05068 [0.03844, 0.06292] |"
"$causal" fuse --rct 0.05,0.01 --obs 0.09,0.004 --obs 0.08,0.006 --method power-prior \
  --bias-var 0.0004 --markdown "$tmp/fuse3.md" >/dev/null 2>&1; check fuse3 $? 0
contains fuse3-pool "$tmp/fuse3.md" "| Observational (pooled) |"
contains fuse3-ref "$tmp/fuse3.md" "x = 0.02 (assumed)"
# the curve starts at bias SD 0 with the IVW pool of the three sources
# (largest value here) and ends near the RCT estimate
if /usr/bin/python3 - "$tmp/fuse3.md" <<'PY'
import sys
row = [l for l in open(sys.argv[1]) if l.startswith("| Fused estimate | 61 |")][0]
c = [x.strip() for x in row.strip().strip("|").split("|")]
est, se = [0.05, 0.09, 0.08], [0.01, 0.004, 0.006]
w = [1 / s**2 for s in se]
ivw = sum(wi * e for wi, e in zip(w, est)) / sum(w)
assert float(c[2]) == 0 and abs(float(c[5]) / ivw - 1) < 1e-3, (c, ivw)
assert abs(float(c[4]) - 0.05) < 0.002, c
PY
then pass=$((pass + 1)); else echo "FAIL: fuse curve"; fail=$((fail + 1)); fi

# errors: missing file name (usage), unwritable path (I/O), analysis
# failure writes no report
"$causal" ols "$root/data/lalonde.csv" --y re78 --x age --report \
  >/dev/null 2>"$tmp/e"; check no-name $? 2
contains no-name "$tmp/e" "--report needs a file name"
"$causal" power --method mean_t --effect 1 --sd 2 --power 0.8 \
  --report "$tmp/no/such/dir/r.html" >/dev/null 2>"$tmp/e"; check unwritable $? 3
contains unwritable "$tmp/e" "cannot write"
"$causal" ols "$root/data/lalonde.csv" --y nope --x age \
  --report "$tmp/bad.html" >/dev/null 2>&1; check bad-column $? 1
if [ -e "$tmp/bad.html" ]; then echo "FAIL: report written on failure"
  fail=$((fail + 1)); else pass=$((pass + 1)); fi
for c in ols did power abtest describe sequential bayes ipw psm fuse; do
  "$causal" $c --help >"$tmp/h" 2>&1
  contains "help-$c" "$tmp/h" "--report FILE"
done
echo "report CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
