"""statsmodels reference for tests/iv_test.c: classical 2SLS coefficients and
standard errors from statsmodels.sandbox.regression.gmm.IV2SLS.

Run from the repository root with Debian's Python (numpy, pandas,
statsmodels):  /usr/bin/python3 tests/ref/iv_reference.py
Reads tests/data/iv_cig.csv and iv_mroz.csv (written by iv_reference.R) and
writes tests/data/iv_reference_sm.csv (case,quantity,value)."""
import numpy as np
import pandas as pd
from statsmodels.sandbox.regression.gmm import IV2SLS

rows = []


def run(case, path, y, exog, endo, inst):
    d = pd.read_csv(path)
    n = len(d)
    X = np.column_stack([np.ones(n)] + [d[c].to_numpy(float) for c in exog + endo])
    Z = np.column_stack([np.ones(n)] + [d[c].to_numpy(float) for c in exog + inst])
    res = IV2SLS(d[y].to_numpy(float), X, Z).fit()
    names = ["(Intercept)"] + exog + endo
    for nm, b, se in zip(names, res.params, res.bse):
        rows.append((case, "coef_" + nm, b))
        rows.append((case, "se_classical_" + nm, se))
    rows.append((case, "rss", float(np.sum(res.resid ** 2))))


run("sm_cig", "tests/data/iv_cig.csv", "lpacks", ["lrincome"], ["lrprice"],
    ["tdiff", "taxcpi"])
run("sm_mroz", "tests/data/iv_mroz.csv", "lwage", ["city"], ["educ", "exper"],
    ["age", "kidslt6", "meduc", "feduc", "heduc"])

with open("tests/data/iv_reference_sm.csv", "w") as fh:
    fh.write("case,quantity,value\n")
    for c, q, v in rows:
        fh.write("%s,%s,%.17g\n" % (c, q, v))
print("wrote", len(rows), "values")
