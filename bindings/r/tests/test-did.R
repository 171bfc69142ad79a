# Difference-in-differences: causal_did / causal_event_study / causal_bptest
# against lm with factor dummies and cluster-robust covariances computed
# here in base R (plus sandwich / lmtest when installed), on a simulated
# staggered panel. Required: 1e-8 relative (the fixed-effect demeaning
# tolerance; docs/methods/did.md).
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
TOL <- 1e-8

set.seed(11)
units <- 30
periods <- 8
p <- expand.grid(time = seq_len(periods), unit = seq_len(units))
p <- p[c("unit", "time")]
coh <- sample(c(0, 4, 6), units, TRUE, prob = c(0.4, 0.3, 0.3))
coh[1:3] <- c(0, 4, 6) # every cohort present
p$cohort <- coh[p$unit]
p$D <- as.integer(p$cohort > 0 & p$time >= p$cohort)
p$x <- rnorm(nrow(p))
p$w <- runif(nrow(p), 0.5, 2)
ue <- rnorm(units)
te <- rnorm(periods)
p$y <- ue[p$unit] + te[p$time] + 0.5 * p$D + 0.3 * p$x +
  rnorm(nrow(p)) * (1 + 0.5 * p$D)
p$z <- ue[p$unit] + rnorm(nrow(p)) # a placebo outcome
p <- p[-c(5, 77, 140), ] # unbalanced
p$state <- sprintf("u%02d", p$unit) # character unit ids
G <- length(unique(p$unit))

# Cluster-robust covariance of an lm fit (CR1 as sandwich::vcovCL(type =
# "HC1"): G/(G-1) (n-1)/(n-k)), and HC1, written out.
vcov_cr1 <- function(m, cl) {
  X <- model.matrix(m)
  X <- X[, !is.na(coef(m)), drop = FALSE]
  u <- residuals(m)
  w <- weights(m)
  if (is.null(w)) w <- rep(1, length(u))
  B <- solve(crossprod(X * sqrt(w)))
  S <- rowsum(X * (w * u), cl)
  n <- nrow(X)
  k <- ncol(X)
  g <- nrow(S)
  g / (g - 1) * (n - 1) / (n - k) * B %*% crossprod(S) %*% B
}
vcov_hc1 <- function(m) {
  X <- model.matrix(m)
  X <- X[, !is.na(coef(m)), drop = FALSE]
  u <- residuals(m)
  B <- solve(crossprod(X))
  n <- nrow(X)
  n / (n - ncol(X)) * B %*% crossprod(X * u) %*% B
}
se_of <- function(V, term) sqrt(V[term, term])

# ---- TWFE ----------------------------------------------------------------------
lmf <- lm(y ~ D + factor(unit) + factor(time), p)
V <- vcov_cr1(lmf, p$unit)
r <- causal_did(y ~ 1, p, unit = "unit", time = "time", cohort = "cohort")
stopifnot(inherits(r, "causal_did"), inherits(r, "causal_regression"),
          r$design == "twfe", identical(r$coef$term, "treated"),
          rel(r$estimate, coef(lmf)[["D"]]) < TOL,
          rel(r$std_error, se_of(V, "D")) < TOL,
          rel(r$p_value, 2 * pt(-abs(coef(lmf)[["D"]] / se_of(V, "D")),
                                G - 1)) < 1e-7,
          r$df == G - 1, r$n_clusters == G, r$nobs == nrow(p),
          r$n_units == units, r$n_periods == periods,
          r$n_treated_units + r$n_never_treated == units,
          r$vcov_type == "CR1")
if (requireNamespace("sandwich", quietly = TRUE)) {
  Vs <- sandwich::vcovCL(lmf, cluster = ~unit, type = "HC1")
  stopifnot(rel(r$std_error, sqrt(Vs["D", "D"])) < TOL)
}
# the same from the treatment column, a character unit id, and the
# outcome given as a name
r2 <- causal_did("y", p, unit = "state", time = "time", treatment = "D")
stopifnot(rel(r2$estimate, r$estimate) < 1e-12,
          rel(r2$std_error, r$std_error) < 1e-12)
# covariates, HC1 without clustering
lmx <- lm(y ~ D + x + factor(unit) + factor(time), p)
Vx <- vcov_hc1(lmx)
r <- causal_did(y ~ x, p, unit = "unit", time = "time", cohort = "cohort",
                vcov = "HC1")
stopifnot(identical(r$coef$term, c("treated", "x")),
          rel(r$coef$estimate, unname(coef(lmx)[c("D", "x")])) < TOL,
          rel(r$coef$std_error, sqrt(diag(Vx)[c("D", "x")])) < TOL,
          is.null(r$n_clusters))
r3 <- causal_did("y", p, terms = "x", unit = "unit", time = "time",
                 cohort = "cohort", vcov = "HC1")
stopifnot(identical(coef(r3), coef(r)))
# weights
lmw <- lm(y ~ D + factor(unit) + factor(time), p, weights = w)
r <- causal_did(y ~ 1, p, unit = "unit", time = "time", cohort = "cohort",
                weights = "w")
stopifnot(rel(r$estimate, coef(lmw)[["D"]]) < TOL,
          rel(r$std_error, se_of(vcov_cr1(lmw, p$unit), "D")) < TOL)
# unit-specific linear trends
lmt <- lm(y ~ D + factor(unit) + factor(time) + factor(unit):time, p)
r <- causal_did(y ~ 1, p, unit = "unit", time = "time", cohort = "cohort",
                trends = TRUE)
stopifnot(rel(r$estimate, coef(lmt)[["D"]]) < TOL,
          rel(r$std_error, se_of(vcov_cr1(lmt, p$unit), "D")) < TOL,
          r$n_trend_parameters == 2 * units)
# placebo outcome
lmz <- lm(z ~ D + factor(unit) + factor(time), p)
r <- causal_did(y ~ 1, p, unit = "unit", time = "time", cohort = "cohort",
                placebo_outcome = "z")
stopifnot(rel(r$estimate, coef(lmz)[["D"]]) < TOL,
          rel(r$std_error, se_of(vcov_cr1(lmz, p$unit), "D")) < TOL)
out <- capture.output(print(r))
stopifnot(grepl("^Difference-in-differences \\(two-way fixed effects\\): z$",
                out[1]))

# ---- event study ---------------------------------------------------------------
event_lm <- function(dat, lo, hi, ref, bin = TRUE) {
  rr <- ifelse(dat$cohort > 0, dat$time - dat$cohort, NA)
  if (bin) rr <- pmin(pmax(rr, lo), hi)
  ks <- setdiff(sort(unique(rr[!is.na(rr)])), ref)
  nm <- character(0)
  for (k in ks) {
    v <- paste0("r", ifelse(k < 0, paste0("m", -k), k))
    dat[[v]] <- as.integer(!is.na(rr) & rr == k)
    nm <- c(nm, v)
  }
  m <- lm(as.formula(paste("y ~", paste(nm, collapse = " + "),
                           "+ factor(unit) + factor(time)")), dat)
  list(m = m, V = vcov_cr1(m, dat$unit), nm = nm, ks = ks)
}
check_event <- function(r, e, ref) {
  ev <- r$event
  stopifnot(identical(as.integer(r$event_time),
                      as.integer(sort(c(e$ks, ref)))),
            r$reference == ref)
  for (i in seq_along(e$ks)) {
    row <- ev[ev$term == sprintf("rel[%d]", e$ks[i]), ]
    stopifnot(rel(row$estimate, coef(e$m)[[e$nm[i]]]) < TOL,
              rel(row$std_error, se_of(e$V, e$nm[i])) < TOL)
  }
  refrow <- ev[ev$term == sprintf("rel[%d]", ref), ]
  stopifnot(refrow$estimate == 0, refrow$std_error == 0)
  leads <- e$nm[e$ks < 0]
  b <- coef(e$m)[leads]
  W <- drop(t(b) %*% solve(e$V[leads, leads], b))
  post <- e$nm[e$ks >= 0]
  a <- rep(1 / length(post), length(post))
  stopifnot(rel(r$pretrend_statistic, W) < TOL,
            r$pretrend_df1 == length(leads), r$pretrend_df2 == G - 1,
            rel(r$pretrend_p_value,
                pf(W / length(leads), length(leads), G - 1,
                   lower.tail = FALSE)) < 1e-7,
            rel(r$estimate, sum(a * coef(e$m)[post])) < TOL,
            rel(r$std_error,
                sqrt(drop(t(a) %*% e$V[post, post] %*% a))) < TOL)
}
r <- causal_event_study(y ~ 1, p, unit = "unit", time = "time",
                        cohort = "cohort")
stopifnot(r$design == "event_study")
check_event(r, event_lm(p, -Inf, Inf, -1), -1)
r <- causal_event_study(y ~ 1, p, unit = "unit", time = "time",
                        cohort = "cohort", leads = 2, lags = 2)
check_event(r, event_lm(p, -2, 2, -1), -1)
r <- causal_did(y ~ 1, p, unit = "unit", time = "time", treatment = "D",
                design = "event_study", leads = 3, lags = 2, reference = -2)
check_event(r, event_lm(p, -3, 2, -2), -2)
# the pre-trend test is a Wald test on the result
r <- causal_event_study(y ~ 1, p, unit = "unit", time = "time",
                        cohort = "cohort", leads = 2, lags = 2)
w <- causal_wald(r, "rel[-2]")
stopifnot(rel(w$statistic, r$pretrend_statistic) < 1e-12)
out <- capture.output(print(r))
evl <- grep("^(-[0-9]|\\+[0-9]|0 )", out, value = TRUE)
stopifnot(any(grepl("^Event study \\(relative period r = time - cohort; reference r = -1\\):",
                    out)),
          length(evl) == 5L, sum(grepl("\\(reference\\)", evl)) == 1L,
          all(grepl("o", evl)),
          sum(grepl("-+o-+", evl)) == 4L,
          any(grepl("^Pre-trend test \\(all leads = 0\\): F\\(1, 29\\)", out)),
          any(grepl("Average post-treatment effect", out)),
          !any(grepl("^Coefficients:", out)))
# only lags: no test, a warning
r <- causal_event_study(y ~ 1, p, unit = "unit", time = "time",
                        cohort = "cohort", leads = 1)
stopifnot(is.null(r$pretrend_statistic), length(attr(r, "warnings")) >= 1)

# ---- 2x2 ------------------------------------------------------------------------
d2 <- p[p$cohort %in% c(0, 4), ]
d2$g <- as.integer(d2$cohort > 0)
d2$post <- as.integer(d2$time >= 4)
m2 <- lm(y ~ g * post, d2)
V2 <- vcov_cr1(m2, d2$unit)
r <- causal_did(y ~ 1, d2, group = "g", post = "post", cluster = "unit")
stopifnot(r$design == "2x2",
          identical(r$coef$term, c("(Intercept)", "group", "post",
                                   "group:post")),
          rel(unname(coef(r)), unname(coef(m2))) < 1e-10,
          rel(r$std_error, se_of(V2, "g:post")) < 1e-10)
mu <- with(d2, tapply(y, list(g, post), mean))
stopifnot(rel(unname(r$cell_means), c(mu["0", "0"], mu["0", "1"],
                                      mu["1", "0"], mu["1", "1"])) < 1e-12,
          rel(r$estimate_means, r$estimate) < 1e-10)
# derived from the cohort column
r3 <- causal_did(y ~ 1, d2, design = "2x2", unit = "unit", time = "time",
                 cohort = "cohort")
stopifnot(rel(r3$estimate, r$estimate) < 1e-10)
out <- capture.output(print(r))
stopifnot(any(grepl("^Cell means:", out)),
          any(grepl("^Difference of the differences", out)),
          any(grepl("95% confidence interval", out)))
e <- catch(causal_did(y ~ 1, p, design = "2x2", unit = "unit", time = "time",
                      cohort = "cohort"))
stopifnot(inherits(e, "causal_einval_error"),
          grepl("one treatment date", conditionMessage(e)))

# ---- Breusch-Pagan --------------------------------------------------------------
mb <- lm(y ~ x + D, p)
e2 <- residuals(mb)^2
aux <- lm(e2 ~ x + D, p)
bp_k <- nrow(p) * summary(aux)$r.squared
r <- causal_bptest(y ~ x + D, p)
stopifnot(inherits(r, "causal_bptest"), rel(r$statistic, bp_k) < 1e-10,
          r$df == 2, rel(r$p_value, pchisq(bp_k, 2, lower.tail = FALSE)) < 1e-8)
sig2 <- mean(e2)
bp_o <- sum((fitted(lm(I(e2 / sig2 - 1) ~ x + D, p)))^2) / 2
r <- causal_bptest("y", p, terms = c("x", "D"), studentize = FALSE)
stopifnot(rel(r$statistic, bp_o) < 1e-10)
r <- causal_bptest(y ~ x + D, p, aux = ~x)
stopifnot(rel(r$statistic, nrow(p) * summary(lm(e2 ~ x, p))$r.squared) < 1e-10,
          r$df == 1)
# (weighted models: checked against lmtest::bptest in tests/did_test.c;
# lmtest is not among the package's Suggests)
rw <- causal_bptest(y ~ x + D, p, weights = "w")
stopifnot(is.finite(rw$statistic), rw$df == 2, rw$nobs == nrow(p))
stopifnot(any(grepl("^BP = ", capture.output(print(r)))))

# ---- errors ---------------------------------------------------------------------
e <- catch(causal_did(y ~ 1, p, unit = "unit", time = "time", cohort = "nope"))
stopifnot(inherits(e, "causal_enotfound_error"), grepl("nope", e$message))
e <- catch(causal_did(y ~ 1, p, unit = "unit", time = "time"))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_did(y ~ 1, p, unit = "unit", time = "time",
                      cohort = "cohort", design = "synthetic"))
stopifnot(inherits(e, "causal_einval_error"), grepl("design", e$message))
e <- catch(causal_did(y ~ 1, p, unit = "unit", time = "time",
                      cohort = "cohort", conf_level = 2))
stopifnot(inherits(e, "causal_erange_error"))
e <- catch(causal_did(y ~ x | time, p, unit = "unit", time = "time",
                      cohort = "cohort"))
stopifnot(inherits(e, "causal_einval_error"), grepl("absorbed", e$message))
e <- catch(causal_did(y ~ 1, rbind(p, p[1, ]), unit = "unit", time = "time",
                      cohort = "cohort"))
stopifnot(inherits(e, "causal_einval_error"),
          grepl("appears in rows", e$message),
          identical(conditionCall(e)[[1L]], as.name("causal_did")))
e <- catch(causal_event_study(y ~ 1, p, unit = "unit", time = "time",
                              cohort = "cohort", leads = 2, reference = -5))
stopifnot(inherits(e, "causal_erange_error"))
e <- catch(causal_did(y ~ 1, p, unit = "unit", time = "time",
                      cohort = "cohort", leads = 1.5))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_bptest(y ~ x | unit, p))
stopifnot(inherits(e, "causal_einval_error"))

cat("test-did.R: OK\n")
