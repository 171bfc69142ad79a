#!/usr/bin/env bash
# Tests of `causal fuse`: the issue's check, metafor values
# (tests/data/fusion_ref.csv from tests/ref/fusion_reference.R), JSON,
# CSV input and exit codes. usage: fuse_test.sh PATH/TO/causal
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

"$causal" fuse --help >"$tmp/h" 2>&1; check help $? 0
contains help "$tmp/h" "--method"
# the issue: IVW 0.05068, SE 0.00624, RCT weight 0.5395, gain 85%
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 >"$tmp/o" 2>&1
check ivw $? 0
contains ivw-est "$tmp/o" "0.0506803"
contains ivw-se "$tmp/o" "0.00624323"
contains ivw-w "$tmp/o" "0.5395"
contains ivw-gain "$tmp/o" "85.4%"
contains ivw-warn "$tmp/o" "without bias"
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 --json >"$tmp/j"
check json $? 0
contains json "$tmp/j" '"kind": "fusion"'
contains json-est "$tmp/j" '"estimate": 0.0506803046720632'
# metafor dat.bcg REML (13 log risk ratios; the first one as "rct")
awk -F, 'NR > 1 && $1 == "\"bcg\"" { print $3 "," sqrt($4) "," ($2 == 0) }' \
  "$(dirname "$0")/../data/fusion_inputs.csv" >"$tmp/rows"
{ echo "estimate,std_error,rct"; cat "$tmp/rows"; } >"$tmp/bcg.csv"
"$causal" fuse --csv "$tmp/bcg.csv" --method reml --json >"$tmp/r" 2>&1
check reml $? 0
# metafor: tau2 = 0.31324325813648074 (first 8 digits; awk prints %.6g SEs)
contains reml-tau "$tmp/r" '"tau2": 0.3132'
"$causal" fuse --rct 0.0522,0.0085 --obs 0.0089,0.0042 --method mixture \
  >"$tmp/m" 2>&1; check mixture $? 0
contains mixture "$tmp/m" "mixture"
# bad input
"$causal" fuse --rct 0.0522,0 --obs 0.0489,0.0092 >"$tmp/e" 2>&1
check zero-se $? 1
contains zero-se "$tmp/e" "se[0] = 0"
"$causal" fuse --rct 0.0522 >"$tmp/e" 2>&1; check bad-pair $? 2
"$causal" fuse --rct 0.0522,0.0085 >"$tmp/e" 2>&1; check no-obs $? 2
"$causal" fuse --rct 0.05,0.01 --obs 0.04,0.01 --method nope >"$tmp/e" 2>&1
check bad-method $? 2
"$causal" fuse --csv "$tmp/missing.csv" >"$tmp/e" 2>&1; check no-file $? 3

# ---- data level, transport, surrogate index: the R values in
# tests/data/fusion_ref.csv (tests/ref/fusion_reference.R; as in
# tests/fusion_test.c), to 1e-8 relative from the %.17g JSON
data="$(dirname "$0")/../data"
ref="$data/fusion_ref.csv"
# refcheck NAME JSON CASE ENTRY=QUANTITY... ; ENTRY may be "vec[i]" or
# "table[i,j]" (0-based)
refcheck() {
  name="$1" js="$2" cas="$3"
  shift 3
  if python3 - "$js" "$ref" "$cas" "$@" >"$tmp/rc" 2>&1 <<'PY'
import csv, json, re, sys
js, ref, cas = sys.argv[1:4]
d = json.load(open(js))["entries"]
refs = {(r["case"], r["quantity"]): float(r["value"])
        for r in csv.DictReader(open(ref)) if r["method"] == "DATA"}
bad = 0
for spec in sys.argv[4:]:
    entry, q = spec.split("=")
    m = re.fullmatch(r"(\w+)(?:\[(\d+)(?:,(\d+))?\])?", entry)
    v = d[m.group(1)]
    if m.group(3) is not None:
        v = v["values"][int(m.group(2))][int(m.group(3))]
    elif m.group(2) is not None:
        v = v["values"][int(m.group(2))]
    want = refs[(cas, q)]
    if not abs(v - want) <= 1e-8 * abs(want):
        print(f"{entry} = {v!r}, reference {cas}/{q} = {want!r}")
        bad = 1
sys.exit(bad)
PY
  then pass=$((pass + 1)); else
    echo "FAIL: $name"; cat "$tmp/rc"; fail=$((fail + 1)); fi
}
dargs="--outcome y --treatment a --source source --covariates x"
"$causal" fuse --data "$data/fusion_data.csv" $dargs --stratum stratum \
  --json >"$tmp/d.json" 2>"$tmp/e"; check data $? 0
refcheck data "$tmp/d.json" data_all rct_estimate=rct_estimate \
  rct_std_error=rct_std_error obs_estimate=obs_estimate \
  obs_std_error=obs_std_error estimate=estimate std_error=std_error \
  bias_statistic=bias_statistic bias_p_value=bias_p_value
for l in 0 1 2; do
  refcheck "data-stratum-$l" "$tmp/d.json" "data_s$((l + 1))" \
    "strata[$l,0]=estimate" "strata[$l,1]=std_error" \
    "stratum_rct[$l]=rct_estimate" "stratum_rct_se[$l]=rct_std_error" \
    "stratum_obs[$l]=obs_estimate" "stratum_obs_se[$l]=obs_std_error"
done
contains data-n "$tmp/d.json" '"n_rct": 300'
"$causal" fuse --data "$data/fusion_data.csv" $dargs --stratum stratum \
  >"$tmp/d.txt" 2>&1; check data-text $? 0
contains data-text "$tmp/d.txt" "1.16838"
contains data-text-strata "$tmp/d.txt" "kappa2+"
"$causal" fuse --data "$data/fusion_data.csv" $dargs --obs-estimator ipw \
  --json >"$tmp/i.json" 2>"$tmp/e"; check data-ipw $? 0
refcheck data-ipw "$tmp/i.json" ipw obs_estimate=obs_estimate \
  obs_std_error=obs_std_error
refcheck data-ipw-rct "$tmp/i.json" data_all rct_estimate=rct_estimate
"$causal" fuse --data "$data/fusion_data.csv" $dargs --obs-estimator aipw \
  --method reml --json >"$tmp/a.json" 2>"$tmp/e"; check data-aipw $? 0
contains data-aipw "$tmp/a.json" '"obs_estimator": "aipw"'
contains data-aipw-method "$tmp/a.json" '"method": "reml"'
for m in ipsw aipsw; do
  "$causal" fuse transport --data "$data/fusion_transport.csv" $dargs \
    --method $m --json >"$tmp/t.json" 2>"$tmp/e"; check "transport-$m" $? 0
  refcheck "transport-$m" "$tmp/t.json" transport \
    ipsw_estimate=ipsw_estimate ipsw_std_error=ipsw_std_error \
    aipsw_estimate=aipsw_estimate aipsw_std_error=aipsw_std_error \
    rct_estimate=rct_estimate "estimate=${m}_estimate" \
    "std_error=${m}_std_error"
done
"$causal" fuse surrogate --data "$data/fusion_surrogate.csv" \
  --long-outcome ylong --treatment a --source source --surrogates s1,s2 \
  --covariates x --json >"$tmp/s.json" 2>"$tmp/e"; check surrogate $? 0
refcheck surrogate "$tmp/s.json" surrogate estimate=estimate \
  std_error=std_error std_error_naive=std_error_naive \
  surrogate_r_squared=surrogate_r_squared
for f in d i a t s; do
  python3 -m json.tool "$tmp/$f.json" >/dev/null 2>&1; check "json-$f" $? 0
done
"$causal" fuse --data "$data/fusion_data.csv" $dargs \
  --report "$tmp/d.html" --markdown "$tmp/d.md" >/dev/null 2>&1
check data-report $? 0
contains data-report "$tmp/d.html" "Randomized (RCT)"
contains data-report-md "$tmp/d.md" "obs_estimate"
# bad data-level input
"$causal" fuse --data "$data/fusion_data.csv" --outcome y --treatment a \
  >"$tmp/e" 2>&1; check data-no-source $? 2
contains data-no-source "$tmp/e" "--source"
"$causal" fuse --data "$data/fusion_data.csv" $dargs --obs-estimator nope \
  >"$tmp/e" 2>&1; check data-bad-estimator $? 2
"$causal" fuse --data "$data/fusion_data.csv" --outcome y --treatment a \
  --source x >"$tmp/e" 2>&1; check data-source-not-01 $? 1
contains data-source-not-01 "$tmp/e" "source column 'x'"
"$causal" fuse --data "$data/fusion_data.csv" --outcome y --treatment a \
  --source nope >"$tmp/e" 2>&1; check data-no-column $? 1
contains data-no-column "$tmp/e" "nope"
"$causal" fuse --data "$data/fusion_data.csv" --outcome y --treatment a \
  --source source --obs-estimator aipw >"$tmp/e" 2>&1; check aipw-no-x $? 1
contains aipw-no-x "$tmp/e" "AIPW needs covariate terms"
"$causal" fuse --data "$tmp/missing.csv" $dargs >"$tmp/e" 2>&1
check data-no-file $? 3
"$causal" fuse transport --data "$data/fusion_transport.csv" $dargs \
  --method mixture >"$tmp/e" 2>&1; check transport-bad-method $? 2
"$causal" fuse transport --data "$data/fusion_transport.csv" $dargs \
  --stratum x >"$tmp/e" 2>&1; check transport-stratum $? 2
"$causal" fuse surrogate --data "$data/fusion_surrogate.csv" \
  --long-outcome ylong --treatment a --source source >"$tmp/e" 2>&1
check surrogate-none $? 2
contains surrogate-none "$tmp/e" "--surrogates"
"$causal" fuse surrogate --data "$data/fusion_surrogate.csv" \
  --long-outcome ylong --treatment a --source source --surrogates s1,zz \
  >"$tmp/e" 2>&1; check surrogate-no-column $? 1
contains surrogate-no-column "$tmp/e" "zz"

# ---- strata shrinkage: examples/fusion_strata.csv (statsmodels HC2 per
# stratum, examples/fusion_strata.py) equals the data-level stratum
# vectors; kappa1+ against its closed form; kappa2+ against the data-level
# stratum_kappa2
scsv="$(dirname "$0")/../../examples/fusion_strata.csv"
"$causal" fuse strata --csv "$scsv" --json >"$tmp/k1.json" 2>"$tmp/e"
check strata-kappa1 $? 0
"$causal" fuse strata --csv "$scsv" --method kappa2 --json >"$tmp/k2.json" \
  2>"$tmp/e"; check strata-kappa2 $? 0
"$causal" fuse strata --csv "$scsv" --method eb-double --json \
  >"$tmp/eb.json" 2>"$tmp/e"; check strata-eb $? 0
"$causal" fuse strata --csv "$scsv" --method green-strawderman \
  >"$tmp/gs.txt" 2>&1; check strata-gs $? 0
contains strata-gs "$tmp/gs.txt" "green-strawderman (3 strata)"
if python3 - "$scsv" "$tmp/d.json" "$tmp/k1.json" "$tmp/k2.json" \
  "$tmp/eb.json" >"$tmp/rc" 2>&1 <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
col = lambda c: [float(r[c]) for r in rows]
rct, rse, obs = col("rct_estimate"), col("rct_std_error"), col("obs_estimate")
d = json.load(open(sys.argv[2]))["entries"]
k1, k2, eb = (json.load(open(f))["entries"] for f in sys.argv[3:6])
bad = 0
def close(what, a, b, tol):
    global bad
    if not abs(a - b) <= tol * abs(b):
        print(f"{what}: {a!r} vs {b!r}"); bad = 1
for c, e in [("rct_estimate", "stratum_rct"), ("rct_std_error",
             "stratum_rct_se"), ("obs_estimate", "stratum_obs"),
             ("obs_std_error", "stratum_obs_se")]:
    for l, v in enumerate(col(c)):
        close(f"{c}[{l}]", d[e]["values"][l], v, 1e-8)
dd = [r - o for r, o in zip(rct, obs)]
g = max(0.0, 1 - sum(s * s for s in rse) / sum(x * x for x in dd))
for l in range(len(rows)):
    close(f"kappa1[{l}]", k1["estimate"]["values"][l], obs[l] + g * dd[l],
          1e-12)
    close(f"kappa2[{l}]", k2["estimate"]["values"][l],
          d["stratum_kappa2"]["values"][l], 1e-8)
assert k2["method"] != k1["method"] and len(eb["estimate"]["values"]) == 3
sys.exit(bad)
PY
then pass=$((pass + 1)); else
  echo "FAIL: strata values"; cat "$tmp/rc"; fail=$((fail + 1)); fi
"$causal" fuse strata --csv "$scsv" --markdown "$tmp/k.md" >/dev/null 2>&1
check strata-report $? 0
contains strata-report "$tmp/k.md" "| stratum 3 |"
"$causal" fuse transport --data "$data/fusion_transport.csv" $dargs \
  --markdown "$tmp/t.md" >/dev/null 2>&1; check transport-report $? 0
contains transport-report "$tmp/t.md" "aipsw_estimate"
printf 'rct_estimate,rct_std_error,obs_estimate\n0.1,0.2,0.0\n0.3,0.2,0.1\n0.2,0.1,0.0\n' \
  >"$tmp/s3.csv"
"$causal" fuse strata --csv "$tmp/s3.csv" --method eb-double >"$tmp/e" 2>&1
check strata-eb-no-obs-se $? 1
contains strata-eb-no-obs-se "$tmp/e" "obs_se"
cut -d, -f1,2 "$tmp/s3.csv" >"$tmp/s2.csv"
"$causal" fuse strata --csv "$tmp/s2.csv" >"$tmp/e" 2>&1
check strata-no-column $? 1
contains strata-no-column "$tmp/e" "obs_estimate"
"$causal" fuse strata --csv "$scsv" --method nope >"$tmp/e" 2>&1
check strata-bad-method $? 2
"$causal" fuse strata >"$tmp/e" 2>&1; check strata-no-csv $? 2
"$causal" fuse strata --csv "$tmp/missing.csv" >"$tmp/e" 2>&1
check strata-no-file $? 3

echo "fuse CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
