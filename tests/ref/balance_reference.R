# Reference balance tables for tests/balance_test.c from R MatchIt's
# summary() on the LaLonde data (data/lalonde.csv = MatchIt's lalonde).
# Run from the repository root: Rscript tests/ref/balance_reference.R
suppressMessages(library(MatchIt))
d <- read.csv("data/lalonde.csv", stringsAsFactors = TRUE)
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
covs <- c("age", "educ", "raceblack", "racehispan", "racewhite", "married",
          "nodegree", "re74", "re75")
cols <- c("Means Treated", "Means Control", "Std. Mean Diff.", "Var. Ratio",
          "eCDF Mean", "eCDF Max")
out <- function(tab, file) {
  tab <- tab[covs, cols]
  write.csv(data.frame(covariate = covs, tab, check.names = FALSE), file,
            row.names = FALSE)
}
# 1:1 nearest neighbour matching on the logit propensity score (ATT):
# treated-group SD denominators.
m <- matchit(f, data = d, method = "nearest", estimand = "ATT")
s <- summary(m, un = TRUE)
out(s$sum.all, "tests/data/balance_lalonde_all_att.csv")
out(s$sum.matched, "tests/data/balance_lalonde_matched_att.csv")
write.csv(data.frame(weight = m$weights),
          "tests/data/balance_lalonde_match_weights.csv", row.names = FALSE)
# IPW (ATE) weights from glm on a matchit object with estimand "ATE":
# pooled SD denominators (MatchIt's default for the ATE).
e <- fitted(glm(f, family = binomial, data = d))
w <- ifelse(d$treat == 1, 1 / e, 1 / (1 - e))
m2 <- matchit(f, data = d, method = "subclass", estimand = "ATE")
m2$weights <- w
s2 <- summary(m2, un = TRUE)
out(s2$sum.all, "tests/data/balance_lalonde_all_ate.csv")
out(s2$sum.across, "tests/data/balance_lalonde_ipw_ate.csv")
write.csv(data.frame(weight = w), "tests/data/balance_lalonde_ipw_weights.csv",
          row.names = FALSE)
print(s2$sum.across[covs, cols])
