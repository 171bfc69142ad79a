# Reference values for the Abadie–Imbens matching estimator in
# tests/match_test.c: R Matching::Match (Sekhon) on the LaLonde data
# (data/lalonde.csv): estimate and Abadie–Imbens (2006) standard error for
# estimand ATT/ATC/ATE, M = 1/2/4, BiasAdjust, Weight 1/2, Var.calc 0/2,
# matching on covariates (X = age, educ, re74, re75, married) or on the
# fitted propensity score. Run from the repository root:
#   Rscript tests/ref/match_ai_reference.R
suppressPackageStartupMessages(library(Matching))
d <- read.csv("data/lalonde.csv")
d$race <- factor(d$race)
X <- as.matrix(d[, c("age", "educ", "re74", "re75", "married")])
ps <- fitted(glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
                 family = binomial, data = d))
cfg <- expand.grid(estimand = c("ATT", "ATC", "ATE"), M = c(1, 4),
                   bias = c(FALSE, TRUE), weight = c(1, 2), varcalc = c(0, 2),
                   on = c("X", "ps"), stringsAsFactors = FALSE)
cfg <- cfg[!(cfg$on == "ps" & cfg$weight == 2), ]
out <- NULL
for (i in seq_len(nrow(cfg))) {
  a <- cfg[i, ]
  XX <- if (a$on == "ps") ps else X
  m <- Match(Y = d$re78, Tr = d$treat, X = XX, estimand = a$estimand, M = a$M,
             BiasAdjust = a$bias, Weight = a$weight, Var.calc = a$varcalc,
             ties = TRUE, replace = TRUE)
  out <- rbind(out, data.frame(a, est = sprintf("%.17g", m$est),
                               se = sprintf("%.17g", m$se),
                               nobs = length(m$index.treated)))
}
write.csv(out, "tests/data/match_ai.csv", row.names = FALSE, quote = FALSE)
write.csv(data.frame(ps = sprintf("%.17g", ps)), "tests/data/match_ai_ps.csv",
          row.names = FALSE, quote = FALSE)
