# Observational estimators: causal_propensity / causal_balance /
# causal_ipw / causal_aipw / causal_evalue against glm, weighted.mean and
# the MatchIt summary() formulas written out in base R, on simulated data
# (the LaLonde comparisons with MatchIt and statsmodels are in the C and
# Python suites).
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

set.seed(6)
n <- 400
d <- data.frame(x1 = rnorm(n), x2 = rnorm(n),
                g = sample(c("a", "b", "c"), n, TRUE), stringsAsFactors = FALSE)
d$t <- as.numeric(runif(n) < plogis(0.4 * d$x1 - 0.5 * d$x2 + (d$g == "b")))
d$y <- 1 + 2 * d$t + d$x1 + d$x2 + rnorm(n)

# propensity scores = glm
ps <- causal_propensity(d, "t", c("x1", "x2", "g"))
fit <- glm(t ~ x1 + x2 + g, family = binomial, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
stopifnot(rel(ps$propensity, unname(fitted(fit))) < 1e-9)
e <- unname(fitted(fit))
q <- quantile(e[d$t == 1], c(0, .05, .25, .5, .75, .95, 1), type = 7)
stopifnot(rel(ps$quantiles["treated", ], unname(q)) < 1e-9)
stopifnot(ps$n_treated == sum(d$t))

# crump trimming keeps alpha <= e <= 1 - alpha
pc <- causal_propensity(d, "t", c("x1", "x2", "g"), trim = "crump")
a <- pc$crump_alpha
stopifnot(pc$n_trimmed == sum(e < a | e > 1 - a))

# Hajek IPW for ATE and ATT = weighted.mean
for (est in c("ate", "att")) {
  r <- causal_ipw(d, "y", "t", c("x1", "x2", "g"), estimand = est)
  w <- if (est == "ate") ifelse(d$t == 1, 1 / e, 1 / (1 - e))
       else ifelse(d$t == 1, 1, e / (1 - e))
  ref <- weighted.mean(d$y[d$t == 1], w[d$t == 1]) -
    weighted.mean(d$y[d$t == 0], w[d$t == 0])
  stopifnot(rel(r$estimate, ref) < 1e-9)
  stopifnot(r$conf_low < r$estimate, r$estimate < r$conf_high)
}
r <- causal_aipw(d, "y", "t", c("x1", "x2", "g"))
m1 <- lm(y ~ x1 + x2 + g, data = d, subset = t == 1)
m0 <- lm(y ~ x1 + x2 + g, data = d, subset = t == 0)
f1 <- predict(m1, d); f0 <- predict(m0, d)
ref <- mean(f1 + d$t * (d$y - f1) / e) - mean(f0 + (1 - d$t) * (d$y - f0) / (1 - e))
stopifnot(rel(r$estimate, ref) < 1e-9)
stopifnot(abs(r$estimate - 2) < 4 * r$std_error)
out <- capture.output(print(r))
stopifnot(any(grepl("AIPW", out)))

# balance = MatchIt's formulas (pooled SD, weighted means, eCDF max)
w <- ifelse(d$t == 1, 1 / e, 1 / (1 - e))
b <- causal_balance(d, "t", c("x1", "g"), weights = w)
x <- d$x1
sd_p <- sqrt((var(x[d$t == 1]) + var(x[d$t == 0])) / 2)
smd <- (weighted.mean(x[d$t == 1], w[d$t == 1]) -
          weighted.mean(x[d$t == 0], w[d$t == 0])) / sd_p
stopifnot(rel(b$balance["x1", "smd_adj"], smd) < 1e-10)
ec <- function(x, t, w) {
  w[t == 1] <- w[t == 1] / sum(w[t == 1]); w[t == 0] <- -w[t == 0] / sum(w[t == 0])
  o <- order(x); cs <- cumsum(w[o])
  max(abs(cs[c(diff(x[o]) != 0, TRUE)]))
}
stopifnot(rel(b$balance["x1", "ecdf_max_adj"], ec(x, d$t, w)) < 1e-10)
stopifnot(rel(b$balance["x1", "ecdf_max"], ec(x, d$t, rep(1, n))) < 1e-10)
stopifnot("g[b]" %in% rownames(b$balance))
out <- capture.output(print(b))
stopifnot(any(grepl("smd_adj", out)))

# E-values (VanderWeele & Ding 2017 example)
ev <- causal_evalue(3.9, 1.8, 8.7)
stopifnot(abs(ev$evalue - (3.9 + sqrt(3.9 * 2.9))) < 1e-12, ev$evalue_ci == 3)
ev <- causal_evalue(0.5, se = 0.1, type = "smd")
stopifnot(abs(ev$rr - exp(0.455)) < 1e-12)

# errors name the problem
e1 <- catch(causal_ipw(d, "y", "t", c("x1", "x2"), estimand = "atx"))
stopifnot(inherits(e1, "error"))
d$all <- 1
e2 <- catch(causal_propensity(d, "all", "x1"))
stopifnot(inherits(e2, "causal_error"), grepl("no controls", conditionMessage(e2)))
d$sep <- ifelse(d$t == 1, 0.9, 0.1)
e3 <- catch(causal_ipw(d, "y", "t", scores = "sep"))
stopifnot(grepl("common support", conditionMessage(e3)))
e4 <- catch(causal_evalue(-2))
stopifnot(inherits(e4, "causal_error"))
cat("observational: OK\n")
