"""Python references for tests/abtest_test.c (run from tests/:
/usr/bin/python3 ref/abtest_reference.py). Reads data/abtest_props.csv and
data/abtest_units.csv (written by abtest_reference.R) and writes
data/abtest_reference_py.txt ("key value" lines): statsmodels
proportions_ztest (pooled), test_proportions_2indep (Wald, unpooled),
ttest_ind (Welch / pooled), scipy fisher_exact, chi2_contingency and
chisquare (SRM)."""
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest, test_proportions_2indep
from statsmodels.stats.weightstats import ttest_ind

out = []


def put(k, v):
    out.append("%s %.17g" % (k, float(v)))


props = pd.read_csv("data/abtest_props.csv")
for r in props.itertuples():
    for mg in (0.0, 0.02, -0.05):
        k = "%s.z.m%g" % (r.name, mg)
        z, p = proportions_ztest([r.xt, r.xc], [r.nt, r.nc], value=mg)
        put(k + ".pooled_statistic", z)
        put(k + ".pooled_p_value", p)
        z, p = proportions_ztest([r.xt, r.xc], [r.nt, r.nc], value=mg,
                                 alternative="larger")
        put(k + ".pooled_p_greater", p)
        if 0 < r.xt < r.nt and 0 < r.xc < r.nc:
            res = test_proportions_2indep(r.xt, r.nt, r.xc, r.nc, value=mg,
                                          method="wald", compare="diff",
                                          correction=False)
            put(k + ".unpooled_statistic", res.statistic)
            put(k + ".unpooled_p_value", res.pvalue)
    tab = np.array([[r.xt, r.nt - r.xt], [r.xc, r.nc - r.xc]])
    for alt, name in (("two-sided", "two.sided"), ("greater", "greater"),
                      ("less", "less")):
        orr, p = stats.fisher_exact(tab, alternative=alt)
        put("%s.fisher.%s.p_value" % (r.name, name), p)
    if (tab.sum(axis=0) > 0).all():
        for cor in (True, False):
            chi2, p, dof, _ = stats.chi2_contingency(tab, correction=cor)
            put("%s.chisq.two.sided.%d.statistic" % (r.name, int(cor)), chi2)
            put("%s.chisq.two.sided.%d.p_value" % (r.name, int(cor)), p)

u = pd.read_csv("data/abtest_units.csv")
yA = u.y[u.arm == "A"].to_numpy()
yB = u.y[u.arm == "B"].to_numpy()
for alt, name in (("two-sided", "two.sided"), ("larger", "greater"),
                  ("smaller", "less")):
    for mu in (0.0, 1.5):
        k = "mean.%s.mu%g" % (name, mu)
        t, p, df = ttest_ind(yB, yA, alternative=alt, usevar="unequal", value=mu)
        put(k + ".welch.statistic", t)
        put(k + ".welch.p_value", p)
        put(k + ".welch.df", df)
        t, p, df = ttest_ind(yB, yA, alternative=alt, usevar="pooled", value=mu)
        put(k + ".student.statistic", t)
        put(k + ".student.p_value", p)
r = stats.ttest_ind(yB, yA, equal_var=False)
put("scipy.welch.p_value", r.pvalue)
r = stats.chisquare([5023, 4891, 5102], f_exp=np.array([0.34, 0.33, 0.33]) * 15016)
put("srm.statistic", r.statistic)
put("srm.p_value", r.pvalue)
with open("data/abtest_reference_py.txt", "w") as f:
    f.write("\n".join(out) + "\n")
