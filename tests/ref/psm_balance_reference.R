# Reference for the balance table of `causal psm --compat` (tests/cli/
# report_test.sh): MatchIt 4.5.1 summary() of 1:1 nearest-neighbour
# matching on the logistic propensity score, LaLonde data.
# usage: Rscript tests/ref/psm_balance_reference.R  (from the repository root)
suppressMessages(library(MatchIt))
d <- read.csv("data/lalonde.csv", stringsAsFactors = TRUE)
m <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75,
             data = d)
s <- summary(m)
cols <- c("Std. Mean Diff.", "Var. Ratio", "eCDF Max")
cat("before matching\n")
print(round(s$sum.all[, cols], 4))
cat("after matching\n")
print(round(s$sum.matched[, cols], 4))
