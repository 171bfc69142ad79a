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

# Abadie–Imbens (2016) adjustment for matching on the estimated propensity
# score, written from the published formulas (Econometrica 84(2), Theorems
# 1-2 and Section 4), independently of lib/match_ps.c:
#   ATE: Var = se_AI^2 - c' I^-1 c / N
#   ATT: Var = se_AI^2 - (c_t' I^-1 c_t - d' I^-1 d) / N
# with the conditional moments given p from the L nearest units of each arm
# (unit i included in its own arm; ties by lower row), L = max(M, 2).
glmfit <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
              family = binomial, data = d)
Xd <- model.matrix(glmfit)
ai2016 <- function(estimand, M) {
  tr <- d$treat; p <- fitted(glmfit); y <- d$re78
  m <- Match(Y = y, Tr = tr, X = p, estimand = estimand, M = M, ties = TRUE,
             replace = TRUE)
  est <- as.numeric(m$est); if (estimand == "ATC") { tr <- 1 - tr; p <- 1 - p; est <- -est }
  N <- length(y); L <- max(M, 2); f <- p * (1 - p)
  I <- crossprod(Xd * sqrt(f)) / N
  loc <- function(i, w) {
    cand <- which(tr == w)
    o <- cand[order(abs(p[cand] - p[i]), cand)][seq_len(min(L, length(cand)))]
    list(cov = as.vector(cov(Xd[o, , drop = FALSE], y[o])), mu = mean(y[o]))
  }
  cvec <- 0; dvec <- 0
  for (i in seq_len(N)) {
    a1 <- loc(i, 1); a0 <- loc(i, 0)
    if (estimand == "ATE") {
      cvec <- cvec + (a1$cov / p[i] + a0$cov / (1 - p[i])) * f[i] / N
    } else {
      cvec <- cvec + (a1$cov + p[i] / (1 - p[i]) * a0$cov) * f[i] / (N * mean(p))
      dvec <- dvec + Xd[i, ] * f[i] * (a1$mu - a0$mu - est) / (N * mean(p))
    }
  }
  v <- m$se^2 - drop(t(cvec) %*% solve(I, cvec)) / N
  if (estimand != "ATE") v <- v + drop(t(dvec) %*% solve(I, dvec)) / N
  data.frame(estimand = estimand, M = M, est = sprintf("%.17g", m$est),
             se_ai = sprintf("%.17g", m$se), se_adj = sprintf("%.17g", sqrt(v)))
}
adj <- do.call(rbind, lapply(c("ATT", "ATC", "ATE"), function(e)
  rbind(ai2016(e, 1), ai2016(e, 4))))
write.csv(adj, "tests/data/match_ai2016.csv", row.names = FALSE, quote = FALSE)
