# statsmodels reference values for tests/regress_test.c (convention
# CAUSAL_SSC_STATSMODELS). Run from tests/ with Debian's Python:
#   /usr/bin/python3 ref/ols_reference.py
# Reads data/ols_cps.csv and data/ols_lalonde.csv (written by
# ols_reference.R) and writes data/ols_reference_sm.csv (case,quantity,
# term,value). Design matrices are built by hand with the same column
# order and names as libcausal (treatment contrasts, byte-sorted levels).
import numpy as np
import pandas as pd
import statsmodels.api as sm

rows = []

def emit(case, q, term, v):
    rows.append((case, q, term, "%.17g" % v))

def design(df, terms):
    cols, names = [np.ones(len(df))], ["(Intercept)"]
    for t in terms:
        x = df[t]
        if x.dtype == object:
            levels = sorted(x.unique())
            for l in levels[1:]:
                cols.append((x == l).astype(float).values)
                names.append("%s[%s]" % (t, l))
        else:
            cols.append(x.astype(float).values)
            names.append(t)
    return np.column_stack(cols), names

def table(case, res, names):
    ci = res.conf_int(0.05)
    for j, nm in enumerate(names):
        emit(case, "estimate", nm, res.params[j])
        emit(case, "std_error", nm, res.bse[j])
        emit(case, "statistic", nm, res.tvalues[j])
        emit(case, "p_value", nm, res.pvalues[j])
        emit(case, "conf_low", nm, ci[j, 0])
        emit(case, "conf_high", nm, ci[j, 1])

lal = pd.read_csv("data/ols_lalonde.csv")
X, names = design(lal, ["treat", "age", "educ", "race", "married", "nodegree",
                        "re74", "re75"])
for ty in ["HC0", "HC1", "HC2", "HC3"]:
    table("sm_lalonde_" + ty, sm.OLS(lal["re78"].values, X).fit(cov_type=ty), names)
res = sm.OLS(lal["re78"].values, X).fit()
table("sm_lalonde_classical", res, names)

cps = pd.read_csv("data/ols_cps.csv")
X, names = design(cps, ["education", "experience", "gender", "union",
                        "ethnicity", "married"])
y = cps["lwage"].values
occ = pd.factorize(cps["occupation"], sort=True)[0]
sec = pd.factorize(cps["sector"], sort=True)[0]
table("sm_cps_CR1", sm.OLS(y, X).fit(cov_type="cluster",
                                       cov_kwds={"groups": occ}), names)
# two-way: statsmodels' V1 + V2 - V12 (each with its own G/(G-1)), then the
# eigenvalue clipping libcausal always applies (statsmodels does not clip).
res = sm.OLS(y, X).fit(cov_type="cluster",
                       cov_kwds={"groups": np.column_stack([occ, sec])})
V = res.cov_params()
lam, U = np.linalg.eigh(V)
Vc = (U * np.maximum(lam, 0)) @ U.T
from scipy import stats
b, se = res.params, np.sqrt(np.diag(Vc))
zc = stats.norm.ppf(0.975)
for j, nm in enumerate(names):
    emit("sm_cps_2way", "estimate", nm, b[j])
    emit("sm_cps_2way", "std_error", nm, se[j])
    emit("sm_cps_2way", "statistic", nm, b[j] / se[j])
    emit("sm_cps_2way", "p_value", nm, 2 * stats.norm.sf(abs(b[j] / se[j])))
    emit("sm_cps_2way", "conf_low", nm, b[j] - zc * se[j])
    emit("sm_cps_2way", "conf_high", nm, b[j] + zc * se[j])

pd.DataFrame(rows, columns=["case", "quantity", "term", "value"]).to_csv(
    "data/ols_reference_sm.csv", index=False)
print("wrote", len(rows), "reference values")
