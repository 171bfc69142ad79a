#!/usr/bin/env bash
# Tests of `causal sample`: posterior means against closed forms (Beta,
# Gamma, Normal-Inverse-Gamma, flat-prior two-group t marginals) within
# 4.5 Monte Carlo standard errors, determinism by seed, draws CSV, JSON,
# reports, bad input and exit codes.
# usage: sample_test.sh PATH/TO/causal
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
json_ok() { if python3 -m json.tool "$2" >/dev/null 2>&1; then
  pass=$((pass + 1)); else echo "FAIL: $1: invalid JSON"; head -c 2000 "$2";
  fail=$((fail + 1)); fi; }
# near NAME JSONFILE PARAM EXPECTED: the posterior mean of PARAM in the
# result's summary is within 4.5 of its mcse_mean of EXPECTED (and the
# library's own exact mean, when given, agrees with EXPECTED to 1e-9).
near() {
  if python3 - "$2" "$3" "$4" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["entries"]
par, want = sys.argv[2], float(sys.argv[3])
s = r["summary"]
i = s["rownames"].index(par)
row = s["values"][i]
mean, mcse = row[s["colnames"].index("mean")], row[s["colnames"].index("mcse_mean")]
ok = abs(mean - want) <= 4.5 * mcse
if "exact_mean" in r:
    ex = r["exact_mean"]["values"][i]
    ok = ok and abs(ex - want) <= 1e-9 * max(1.0, abs(want))
if not ok:
    print("mean %.10g mcse %.3g want %.10g" % (mean, mcse, want))
sys.exit(0 if ok else 1)
PY
  then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

# ---- help ----
"$causal" sample --help >"$tmp/h" 2>&1; check help $? 0
for f in beta gamma-poisson normal gibbs --successes --trials --counts-sum \
  --exposure --prior --data --column --group --outcome --prior-mean \
  --prior-kappa --prior-var --prior-shape --prior-scale --draws --chains \
  --warmup --seed --hdi --draws-out --json --report --markdown usage: \
  examples:; do
  contains "help $f" "$tmp/h" "$f"
done

# ---- Beta-Binomial: Beta(1 + 120, 1 + 880), mean 121 / 1002 ----
"$causal" sample beta --successes 120 --trials 1000 --prior 1,1 >"$tmp/b" 2>&1
check beta $? 0
contains beta-table "$tmp/b" "ess_bulk"
contains beta-exact "$tmp/b" "exact posterior mean: p 0.120758"
"$causal" sample beta --successes 120 --trials 1000 --prior 1,1 --json \
  >"$tmp/bj"; check beta-json $? 0
json_ok beta-json "$tmp/bj"
near beta-mean "$tmp/bj" p "$(python3 -c 'print(121/1002)')"
# a non-default prior: Beta(2 + 7, 5 + 13)
"$causal" sample beta --successes 7 --trials 20 --prior 2,5 --draws 3000 \
  --json >"$tmp/bj2"; check beta-prior $? 0
near beta-prior-mean "$tmp/bj2" p "$(python3 -c 'print(9/27)')"

# ---- Gamma-Poisson: Gamma(shape 2 + 50, rate 0.5 + 100) ----
"$causal" sample gamma-poisson --counts-sum 50 --exposure 100 --prior 2,0.5 \
  --json >"$tmp/gj"; check gamma $? 0
json_ok gamma-json "$tmp/gj"
near gamma-mean "$tmp/gj" lambda "$(python3 -c 'print(52/100.5)')"

# ---- Normal-Inverse-Gamma on a small CSV ----
cat >"$tmp/y.csv" <<'CSV'
g,y
a,4.1
a,5.3
a,3.8
a,6.0
a,4.4
a,5.1
b,6.2
b,7.9
b,5.5
b,8.4
b,6.8
b,9.1
b,
CSV
# prior m0 = 1, k0 = 2, a0 = 3, b0 = 4 on the 12 non-missing y
read -r mun sig2 < <(python3 - "$tmp/y.csv" <<'PY'
import csv, sys
y = [float(r["y"]) for r in csv.DictReader(open(sys.argv[1])) if r["y"]]
n = len(y); m = sum(y) / n; ss = sum((v - m) ** 2 for v in y)
m0, k0, a0, b0 = 1.0, 2.0, 3.0, 4.0
kn = k0 + n; mun = (k0 * m0 + n * m) / kn
an = a0 + n / 2; bn = b0 + ss / 2 + k0 * n * (m - m0) ** 2 / (2 * kn)
print(mun, bn / (an - 1))
PY
)
"$causal" sample normal --data "$tmp/y.csv" --column y --prior-mean 1 \
  --prior-kappa 2 --prior-shape 3 --prior-scale 4 --draws 4000 --json \
  >"$tmp/nj"; check normal $? 0
json_ok normal-json "$tmp/nj"
near normal-mu "$tmp/nj" mu "$mun"
near normal-sigma2 "$tmp/nj" sigma2 "$sig2"

# ---- Gibbs, flat priors: E mu_g = ybar_g, E diff = ybar_b - ybar_a ----
read -r ma mb < <(python3 - "$tmp/y.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["y"]]
f = lambda g: [float(r["y"]) for r in rows if r["g"] == g]
a, b = f("a"), f("b")
print(sum(a) / len(a), sum(b) / len(b))
PY
)
"$causal" sample gibbs --data "$tmp/y.csv" --group g --outcome y --json \
  >"$tmp/gb"; check gibbs $? 0
json_ok gibbs-json "$tmp/gb"
near gibbs-mu-a "$tmp/gb" mu_a "$ma"
near gibbs-mu-b "$tmp/gb" mu_b "$mb"
near gibbs-diff "$tmp/gb" diff "$(python3 -c "print($mb - $ma)")"
"$causal" sample gibbs --data "$tmp/y.csv" --group g --outcome y >"$tmp/gt"
contains gibbs-groups "$tmp/gt" "groups: a = a, b = b (g)"
contains gibbs-diff-row "$tmp/gt" "diff"

# ---- determinism by seed; draws CSV ----
"$causal" sample beta --successes 3 --trials 10 --seed 7 --draws 50 \
  --chains 2 --draws-out "$tmp/d1.csv" >/dev/null; check draws-out $? 0
"$causal" sample beta --successes 3 --trials 10 --seed 7 --draws 50 \
  --chains 2 --draws-out "$tmp/d2.csv" >/dev/null
"$causal" sample beta --successes 3 --trials 10 --seed 8 --draws 50 \
  --chains 2 --draws-out "$tmp/d3.csv" >/dev/null
cmp -s "$tmp/d1.csv" "$tmp/d2.csv"; check same-seed $? 0
cmp -s "$tmp/d1.csv" "$tmp/d3.csv"; check other-seed $? 1
[ "$(wc -l <"$tmp/d1.csv")" -eq 101 ]; check draws-rows $? 0
contains draws-head "$tmp/d1.csv" "chain,draw,p"
contains draws-chain2 "$tmp/d1.csv" "2,50,"
"$causal" sample gibbs --data "$tmp/y.csv" --group g --outcome y --seed 3 \
  --draws 20 --json >"$tmp/s1" 2>/dev/null
"$causal" sample gibbs --data "$tmp/y.csv" --group g --outcome y --seed 3 \
  --draws 20 --json >"$tmp/s2" 2>/dev/null
cmp -s "$tmp/s1" "$tmp/s2"; check gibbs-same-seed $? 0

# ---- reports ----
"$causal" sample gibbs --data "$tmp/y.csv" --group g --outcome y \
  --report "$tmp/r.html" --markdown "$tmp/r.md" >/dev/null
check report $? 0
[ -s "$tmp/r.html" ]; check report-html $? 0
contains report-svg "$tmp/r.html" "<svg"
contains report-diff "$tmp/r.md" "Posterior of the difference mu_b - mu_a"
contains report-means "$tmp/r.md" "Posterior of each group mean"
"$causal" sample beta --successes 12 --trials 80 --markdown "$tmp/b.md" \
  >/dev/null; check report-beta $? 0
contains report-beta-p "$tmp/b.md" "Posterior of p"

# ---- bad input ----
"$causal" sample beta --successes 120 --trials 100 >"$tmp/e" 2>&1
check trials-lt-successes $? 1
contains trials-msg "$tmp/e" "successes <= trials"
"$causal" sample beta --successes -1 --trials 10 >"$tmp/e" 2>&1
check neg-successes $? 1
"$causal" sample gamma-poisson --counts-sum -3 --exposure 10 >"$tmp/e" 2>&1
check neg-count $? 1
contains neg-count-msg "$tmp/e" "count = -3"
"$causal" sample gamma-poisson --counts-sum 3 --exposure 0 >"$tmp/e" 2>&1
check zero-exposure $? 1
"$causal" sample beta --successes 1 --trials 10 --prior 0,1 >"$tmp/e" 2>&1
check bad-prior $? 1
"$causal" sample normal --data "$tmp/y.csv" --column nope >"$tmp/e" 2>&1
check missing-column $? 1
contains missing-column-msg "$tmp/e" "has no column 'nope'"
"$causal" sample gibbs --data "$tmp/y.csv" --group nope --outcome y \
  >"$tmp/e" 2>&1; check missing-group $? 1
printf 'g,y\na,1\nb,2\nc,3\n' >"$tmp/three.csv"
"$causal" sample gibbs --data "$tmp/three.csv" --group g --outcome y \
  >"$tmp/e" 2>&1; check three-groups $? 1
contains three-groups-msg "$tmp/e" "more than two values"
"$causal" sample normal --data "$tmp/nofile.csv" --column y >"$tmp/e" 2>&1
check no-file $? 3
"$causal" sample >"$tmp/e" 2>&1; check no-model $? 2
"$causal" sample poisson >"$tmp/e" 2>&1; check bad-model $? 2
contains bad-model-msg "$tmp/e" "unknown model"
"$causal" sample beta --trials 10 >"$tmp/e" 2>&1; check no-successes $? 2
"$causal" sample beta --successes 1 --trials 10 --draws 1 >"$tmp/e" 2>&1
check draws-1 $? 2
"$causal" sample beta --successes 1 --trials 10 --chains 0 >"$tmp/e" 2>&1
check chains-0 $? 2
"$causal" sample beta --successes 1 --trials 10 --bogus 1 >"$tmp/e" 2>&1
check bogus $? 2
"$causal" sample beta --successes 1 --trials 10 --prior 1 >"$tmp/e" 2>&1
check prior-one $? 2
"$causal" sample normal --column y >"$tmp/e" 2>&1; check no-data $? 2

echo "sample_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
