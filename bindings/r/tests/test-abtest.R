# A/B testing: causal_abstats and causal_abtest* against prop.test,
# chisq.test, fisher.test, t.test, p.adjust and formulas written out in R;
# merge = single pass, raw round trips, classed errors.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
close <- function(a, b, tol = 1e-10) {
  a <- unname(a); b <- unname(b)
  stopifnot(length(a) == length(b), !anyNA(a), !anyNA(b))
  fin <- is.finite(b)
  stopifnot(identical(a[!fin], b[!fin]))
  r <- max(0, abs(a[fin] - b[fin]) / pmax(abs(b[fin]), 1e-300))
  if (!(r <= tol)) stop(sprintf("relative error %.3g > %.3g", r, tol))
  invisible(r)
}
# Absolute tolerance (for values that can be 0).
near <- function(a, b, tol = 1e-12) {
  d <- max(abs(unname(a) - unname(b)))
  if (!(d <= tol)) stop(sprintf("absolute error %.3g > %.3g", d, tol))
  invisible(d)
}
is_err <- function(e, cls) inherits(e, cls) && inherits(e, "causal_error")

# ---- proportions ------------------------------------------------------------
xc <- 120; nc <- 1000; xt <- 150; nt <- 1010
a <- causal_abstats_from_counts(xc, nc)
b <- causal_abstats_from_counts(xt, nt)
stopifnot(inherits(a, "causal_abstats"), causal_abstats_info(a)$binary,
          causal_abstats_get(a, "n") == nc)
close(causal_abstats_get(a, "mean"), xc / nc, 1e-15)
close(causal_abstats_get(a, "var"), var(rep(0:1, c(nc - xc, xc))), 1e-13)
tab <- matrix(c(xt, nt - xt, xc, nc - xc), 2, byrow = TRUE)

for (alt in c("two.sided", "greater", "less")) {
  for (yates in c(TRUE, FALSE)) {
    r <- causal_abtest(a, b, test = "chisq", correct = yates,
                       alternative = alt)
    pt <- prop.test(c(xt, xc), c(nt, nc), correct = yates, alternative = alt)
    stopifnot(inherits(r, "causal_abtest"), r$metric == "proportion",
              r$df == 1)
    close(r$statistic, pt$statistic)
    close(r$p_value, pt$p.value)
    close(c(r$conf_low, r$conf_high), pt$conf.int)
    close(r$estimate, pt$estimate[[1]] - pt$estimate[[2]], 1e-13)
  }
}
# chisq.test on the 2x2 table, with and without Yates.
for (yates in c(TRUE, FALSE)) {
  ct <- chisq.test(tab, correct = yates)
  r <- causal_abtest(a, b, test = "chisq", correct = yates)
  close(r$statistic, ct$statistic)
  close(r$p_value, ct$p.value)
}
# Pooled z: z^2 is the uncorrected chi-square, same two-sided p.
pt <- prop.test(c(xt, xc), c(nt, nc), correct = FALSE)
r <- causal_abtest(a, b, test = "z_pooled")
close(r$statistic^2, pt$statistic)
close(r$p_value, pt$p.value)
stopifnot(r$statistic > 0, is.infinite(r$df))
# proportion is the default test of metric = "proportion": pooled z.
close(causal_abtest(a, b, metric = "proportion")$p_value, pt$p.value)
# Unpooled (Wald) z and its interval, with a margin.
pc <- xc / nc; ptt <- xt / nt
se <- sqrt(pc * (1 - pc) / nc + ptt * (1 - ptt) / nt)
r <- causal_abtest(a, b, test = "z_unpooled", margin = -0.01,
                   alternative = "greater")
close(r$statistic, (ptt - pc + 0.01) / se)
close(r$p_value, pnorm((ptt - pc + 0.01) / se, lower.tail = FALSE))
close(r$conf_low, ptt - pc - qnorm(0.95) * se)
stopifnot(r$conf_high == Inf, r$margin == -0.01)
# A relative margin is a fraction of the control proportion.
r2 <- causal_abtest(a, b, test = "z_unpooled", margin = -0.01 / pc,
                    margin_relative = TRUE, alternative = "greater")
close(r2$statistic, r$statistic, 1e-12)
# Cohen's h and the delta-method lift.
close(r$effect_size, 2 * asin(sqrt(ptt)) - 2 * asin(sqrt(pc)), 1e-13)
lift_se <- sqrt((ptt * (1 - ptt) / nt) / pc^2 +
                  ptt^2 * (pc * (1 - pc) / nc) / pc^4)
r <- causal_abtest(a, b, test = "z_unpooled")
close(r$relative_lift, ptt / pc - 1, 1e-13)
close(r$relative_lift_std_error, lift_se, 1e-12)
close(c(r$relative_lift_conf_low, r$relative_lift_conf_high),
      ptt / pc - 1 + c(-1, 1) * qnorm(0.975) * lift_se, 1e-12)
stopifnot(identical(r$effect$term, c("difference", "relative_lift")))
# Fieller: the roots of the quadratic, minus 1.
z <- qnorm(0.975); sc2 <- pc * (1 - pc) / nc; st2 <- ptt * (1 - ptt) / nt
A <- pc^2 - z^2 * sc2; B <- -2 * ptt * pc; C <- ptt^2 - z^2 * st2
roots <- sort((-B + c(-1, 1) * sqrt(B^2 - 4 * A * C)) / (2 * A)) - 1
r <- causal_abtest(a, b, test = "z_unpooled", lift_ci = "fieller")
stopifnot(r$relative_lift_ci == "fieller")
close(c(r$relative_lift_conf_low, r$relative_lift_conf_high), roots, 1e-12)

# Fisher: p-values as fisher.test (1e-10); the conditional MLE and exact
# interval only to 1e-3 because fisher.test solves them with uniroot's
# default tolerance (docs/methods/abtest.md, section 3).
for (alt in c("two.sided", "greater", "less")) {
  ft <- fisher.test(tab, alternative = alt)
  r <- causal_abtest(a, b, test = "fisher", alternative = alt)
  close(r$p_value, ft$p.value)
  close(r$odds_ratio, ft$estimate, 1e-3)
  fin <- is.finite(ft$conf.int)
  close(c(r$odds_ratio_conf_low, r$odds_ratio_conf_high)[fin],
        ft$conf.int[fin], 1e-3)
}
# Small table: exact p-values where the normal tests are poor.
s1 <- causal_abstats_from_counts(1, 12); s2 <- causal_abstats_from_counts(7, 11)
close(causal_abtest(s1, s2, test = "fisher")$p_value,
      fisher.test(matrix(c(7, 4, 1, 11), 2, byrow = TRUE))$p.value)

# ---- means ------------------------------------------------------------------
set.seed(42)
yc <- rnorm(300, 10, 2); yt <- rgamma(250, 4, 0.38)
sc <- causal_abstats(yc); st <- causal_abstats(yt)
close(causal_abstats_get(st, "var"), var(yt), 1e-12)
for (alt in c("two.sided", "greater", "less")) {
  for (ve in c(FALSE, TRUE)) {
    for (mg in c(0, 0.3)) {
      tt <- t.test(yt, yc, var.equal = ve, alternative = alt, mu = mg,
                   conf.level = 0.9)
      r <- causal_abtest(sc, st,
                         test = if (ve) "student" else "welch",
                         alternative = alt, margin = mg, conf_level = 0.9)
      close(r$statistic, tt$statistic)
      close(r$df, tt$parameter)
      close(r$p_value, tt$p.value)
      close(c(r$conf_low, r$conf_high), tt$conf.int)
      close(r$std_error, tt$stderr, 1e-12)
    }
  }
}
# Welch is the default for means; z uses the normal reference.
close(causal_abtest(sc, st)$p_value, t.test(yt, yc)$p.value)
se <- sqrt(var(yt) / 250 + var(yc) / 300)
r <- causal_abtest(sc, st, test = "z")
close(r$p_value, 2 * pnorm(-abs(mean(yt) - mean(yc)) / se))
close(r$conf_high, mean(yt) - mean(yc) + qnorm(0.975) * se, 1e-12)
# Cohen's d with the pooled standard deviation.
sp <- sqrt((249 * var(yt) + 299 * var(yc)) / 548)
close(r$effect_size, (mean(yt) - mean(yc)) / sp, 1e-12)
# The fast path gives the same numbers.
v <- causal_abtest_values(sc, st, test = "student")
r <- causal_abtest(sc, st, test = "student")
stopifnot(identical(names(v)[1:4], c("estimate", "std_error", "statistic",
                                     "p_value")))
for (k in c("estimate", "std_error", "statistic", "p_value", "conf_low",
            "conf_high", "df", "relative_lift"))
  close(v[[k]], r[[k]], 1e-14)

# ---- merge = single pass; states from sums and aggregates ---------------------
cuts <- list(1:1, 2:90, 91:91, 92:250)
parts <- lapply(cuts, function(ix) causal_abstats(yt[ix]))
merged <- causal_abstats_merge(parts[[1]] + parts[[2]],
                               parts[[3]] + parts[[4]])
inplace <- causal_abstats()
for (ix in cuts) causal_abstats_update(inplace, yt[ix])
for (s in list(merged, inplace)) {
  stopifnot(causal_abstats_get(s, "n") == 250)
  close(causal_abstats_get(s, "mean"), causal_abstats_get(st, "mean"), 1e-14)
  close(causal_abstats_get(s, "comoment"), causal_abstats_get(st, "comoment"),
        1e-12)
  close(causal_abtest(sc, s)$p_value, causal_abtest(sc, st)$p_value, 1e-11)
}
# merge returns a new object; the inputs are unchanged.
stopifnot(causal_abstats_get(parts[[2]], "n") == 89)
stopifnot(is_err(catch(parts[[1]] - parts[[2]]), "causal_einval_error"))
fs <- causal_abstats_from_sums(250, sum(yt), sum(yt^2))
close(causal_abstats_get(fs, "var"), var(yt), 1e-9)
close(causal_abtest(sc, fs)$p_value, t.test(yt, yc)$p.value, 1e-8)
# A 0/1 metric from units equals the one from counts.
u <- causal_abstats(rep(c(1, 0), c(xc, nc - xc)))
stopifnot(causal_abstats_info(u)$binary)
close(causal_abtest(u, b, test = "chisq")$p_value,
      causal_abtest(a, b, test = "chisq")$p_value, 1e-12)
# copy is independent; reset empties.
cp <- causal_abstats_copy(st)
causal_abstats_update(cp, 1:10)
stopifnot(causal_abstats_get(cp, "n") == 260, causal_abstats_get(st, "n") == 250)
causal_abstats_reset(cp)
stopifnot(causal_abstats_get(cp, "n") == 0)

# ---- ratio metrics (delta method) -----------------------------------------------
set.seed(7)
mk <- function(n, rate) {
  d <- rpois(n, 20) + 1
  list(y = rbinom(n, d, rate), d = d)
}
uc <- mk(400, 0.10); ut <- mk(380, 0.11)
rc <- causal_abstats(uc$y, d = uc$d); rt <- causal_abstats(ut$y, d = ut$d)
stopifnot(identical(causal_abstats_info(rc)$variables, c("y", "d")))
lin <- function(u) {
  R <- sum(u$y) / sum(u$d)
  list(R = R, v = var((u$y - R * u$d) / mean(u$d)), n = length(u$y))
}
lc <- lin(uc); lt <- lin(ut)
r <- causal_abtest(rc, rt)     # metric inferred from the layout, z test
stopifnot(r$metric == "ratio", is.infinite(r$df))
se <- sqrt(lc$v / lc$n + lt$v / lt$n)
close(r$estimate, lt$R - lc$R, 1e-13)
close(r$std_error, se, 1e-12)
close(r$p_value, 2 * pnorm(-abs(lt$R - lc$R) / se), 1e-10)
cr <- causal_abstats_get(rt, "crossprod")
close(cr, crossprod(cbind(ut$y, ut$d)), 1e-13)
stopifnot(identical(dimnames(cr), list(c("y", "d"), c("y", "d"))))
# From warehouse aggregates: the same state.
ag <- causal_abstats_from_aggregates(380, c(sum(ut$y), sum(ut$d)), cr,
                                     ratio = TRUE)
close(causal_abtest(rc, ag)$p_value, r$p_value, 1e-9)

# ---- CUPED --------------------------------------------------------------------
set.seed(11)
n <- 1000
x <- rnorm(2 * n); w <- rexp(2 * n)
y <- 2 + x + 0.5 * w + rnorm(2 * n, sd = 0.7)
y[(n + 1):(2 * n)] <- y[(n + 1):(2 * n)] + 0.1
ic <- 1:n; it <- (n + 1):(2 * n)
cc <- causal_abstats(y[ic], x = cbind(pre = x[ic]))
ct <- causal_abstats(y[it], x = cbind(pre = x[it]))
r <- causal_abtest(cc, ct, cuped = TRUE)
theta <- cov(y, x) / var(x)
close(r$theta, theta)
stopifnot(identical(names(r$theta), "pre"))
adj <- y - theta * (x - mean(x))
tt <- t.test(adj[it], adj[ic])
close(r$statistic, tt$statistic)
close(r$p_value, tt$p.value)
close(c(r$conf_low, r$conf_high), tt$conf.int)
close(r$estimate_unadjusted, mean(y[it]) - mean(y[ic]), 1e-12)
close(r$variance_reduction,
      1 - (var(adj[it]) / n + var(adj[ic]) / n) /
        (var(y[it]) / n + var(y[ic]) / n), 1e-10)
close(r$imbalance_p_value, t.test(x[it], x[ic])$p.value)
stopifnot(r$variance_reduction > 0.5)
# Several covariates: the pooled regression slopes.
X <- cbind(pre = x, usage = w)
mc <- causal_abstats(y[ic], x = X[ic, ]); mt <- causal_abstats(y[it], x = X[it, ])
r <- causal_abtest(mc, mt, cuped = TRUE)
th <- coef(lm(y ~ X))[-1]
close(r$theta, th)
stopifnot(identical(names(r$theta), c("pre", "usage")))
adj <- y - drop(sweep(X, 2, colMeans(X)) %*% th)
tt <- t.test(adj[it], adj[ic])
close(r$p_value, tt$p.value)
close(c(r$conf_low, r$conf_high), tt$conf.int)
# Merged covariate states equal the single pass.
m2 <- causal_abstats(y[it][1:300], x = X[it[1:300], ]) +
  causal_abstats(y[it][301:n], x = X[it[301:n], ])
close(causal_abtest(mc, m2, cuped = TRUE)$p_value, r$p_value, 1e-11)
# Missing pre-period data: NaN is an error, unless missing_indicator.
xm <- x; xm[c(3, 1500)] <- NA
e <- catch(causal_abstats(y[ic], x = xm[ic]))
stopifnot(is_err(e, "causal_enonfinite_error"))
gc1 <- causal_abstats(y[ic], x = cbind(pre = xm[ic]), missing_indicator = TRUE)
gt1 <- causal_abstats(y[it], x = cbind(pre = xm[it]), missing_indicator = TRUE)
stopifnot(identical(causal_abstats_info(gc1)$variables,
                    c("y", "pre", "pre_missing")))
r <- causal_abtest(gc1, gt1, cuped = TRUE)
mi <- as.numeric(is.na(xm)); x0 <- ifelse(is.na(xm), 0, xm)
Z <- cbind(x0, mi)
th <- coef(lm(y ~ Z))[-1]
close(r$theta, th)
adj <- y - drop(sweep(Z, 2, colMeans(Z)) %*% th)
close(r$p_value, t.test(adj[it], adj[ic])$p.value)
# CUPED without covariates is an error.
stopifnot(is_err(catch(causal_abtest(sc, st, cuped = TRUE)), "causal_error"))

# ---- serialization --------------------------------------------------------------
for (s in list(a, st, rt, mt, gt1)) {
  raw <- causal_abstats_to_raw(s)
  stopifnot(is.raw(raw), length(raw) > 0)
  s2 <- causal_abstats_from_raw(raw, covariates = attr(s, "covariates"))
  for (q in c("n", "mean", "comoment"))
    stopifnot(identical(unname(causal_abstats_get(s2, q)),
                        unname(causal_abstats_get(s, q))))
  stopifnot(identical(causal_abstats_to_raw(s2), raw),
            identical(causal_abstats_info(s2)$binary,
                      causal_abstats_info(s)$binary))
}
raw <- causal_abstats_to_raw(st)
s2 <- causal_abstats_from_raw(raw)
stopifnot(identical(unclass(causal_abtest(sc, s2)), unclass(causal_abtest(sc, st))))
# Corrupt and truncated buffers are classed errors, never crashes.
for (i in seq_along(raw)) {
  bad <- raw
  bad[i] <- xor(bad[i], as.raw(0x5a))
  e <- catch(causal_abstats_from_raw(bad))
  stopifnot(is_err(e, "causal_error"))
}
for (len in c(0L, 1L, 8L, length(raw) - 1L)) {
  e <- catch(causal_abstats_from_raw(raw[seq_len(len)]))
  stopifnot(is_err(e, "causal_error"))
}
stopifnot(is_err(catch(causal_abstats_from_raw(as.raw(1:3))),
                 "causal_ecorrupt_error") ||
            is_err(catch(causal_abstats_from_raw(as.raw(1:3))), "causal_error"))
stopifnot(is_err(catch(causal_abstats_from_raw("x")), "causal_einval_error"))
# A handle saved and reloaded is invalid: a classed error, not a crash.
f <- tempfile(fileext = ".rds")
saveRDS(st, f)
old <- readRDS(f)
unlink(f)
stopifnot(is_err(catch(causal_abstats_get(old, "n")), "causal_einval_error"))
print(old)

# ---- many arms, SRM, p-value adjustment, Dunnett ----------------------------------
set.seed(5)
ys <- lapply(0:2, function(k) rexp(400 + 10 * k, 1 / (1 + 0.1 * k)))
arms <- setNames(lapply(ys, causal_abstats), c("A", "B", "C"))
for (adj in c("none", "bonferroni", "holm", "BH", "BY")) {
  r <- causal_abtest_arms(arms, adjust = adj, allocation = c(1, 1, 1) / 3)
  stopifnot(inherits(r, "causal_abtest_arms"),
            identical(r$comparisons$term, c("B - A", "C - A")))
  p <- sapply(2:3, function(k) t.test(ys[[k]], ys[[1]])$p.value)
  close(r$comparisons$p_value, p)
  close(r$p_value_adjusted, p.adjust(p, adj), 1e-10)
  close(r$srm_p_value, chisq.test(sapply(ys, length), p = rep(1, 3) / 3)$p.value,
        1e-12)
}
# Dunnett: simultaneous intervals with the library's critical value.
r <- causal_abtest_arms(arms, adjust = "dunnett", test = "z")
se <- r$comparisons$std_error
# lambda_i = s_0 / se_i: cov(D_i, D_j) is the control's variance s_0^2.
close(r$dunnett_lambda, sqrt(var(ys[[1]]) / 400) / se, 1e-10)
cv <- causal_dunnett_quantile(0.95, r$dunnett_lambda)
close(r$dunnett_critical, cv, 1e-12)
close(r$comparisons$conf_high - r$comparisons$estimate, cv * se, 1e-10)
close(r$p_value_adjusted,
      sapply(abs(r$comparisons$statistic), function(t)
        1 - causal_dunnett_prob(t, r$dunnett_lambda)), 1e-8)
# Dunnett's limits: one comparison is Student's t; lambda = 0 independent.
close(causal_dunnett_quantile(0.95, 0.5, df = 10), qt(0.975, 10))
close(causal_dunnett_prob(1.7, c(0, 0, 0)), (pnorm(1.7) - pnorm(-1.7))^3,
      1e-12)
close(causal_dunnett_prob(1.7, c(0, 0), two_sided = FALSE), pnorm(1.7)^2,
      1e-12)
# SRM against chisq.test.
cnt <- c(a = 5023, b = 4891, c = 5102)
al <- c(0.34, 0.33, 0.33)
s <- causal_srm(cnt, al)
ch <- chisq.test(cnt, p = al)
close(s$statistic, ch$statistic, 1e-12)
close(s$p_value, ch$p.value, 1e-12)
close(s$expected, ch$expected, 1e-13)
stopifnot(s$df == 2, identical(names(s$expected), names(cnt)))
# p-value adjustment mirrors p.adjust (names, NA, all methods).
p <- c(x = 0.01, y = 0.04, z = NA, u = 0.03, v = 0.2, w = 0.0001, q = 0.2)
for (m in c("holm", "bonferroni", "BH", "BY", "fdr", "none")) {
  got <- causal_p_adjust(p, m)
  ref <- p.adjust(p, m)
  stopifnot(identical(names(got), names(ref)), identical(is.na(got), is.na(ref)))
  close(got[!is.na(got)], ref[!is.na(ref)], 1e-15)
}
pp <- runif(200)^2
close(causal_p_adjust(pp, "BY"), p.adjust(pp, "BY"), 1e-13)
close(causal_p_adjust(pp, "holm"), p.adjust(pp, "holm"), 1e-15)
stopifnot(identical(causal_p_adjust(p, "BH", n = 6), p.adjust(p, "BH", n = 6)),
          identical(causal_p_adjust(c(NA, NA)), p.adjust(c(NA, NA))),
          identical(causal_p_adjust(numeric(0)), p.adjust(numeric(0))))

# ---- bootstrap ----------------------------------------------------------------
b1 <- causal_abtest_bootstrap(ys[[1]], ys[[2]], statistic = "median",
                              reps = 500, seed = 3)
stopifnot(inherits(b1, "causal_abtest_bootstrap"))
close(b1$estimate, median(ys[[2]]) - median(ys[[1]]), 1e-12)
stopifnot(b1$conf_low < b1$estimate, b1$estimate < b1$conf_high)
b2 <- causal_abtest_bootstrap(ys[[1]], ys[[2]], statistic = "median",
                              reps = 500, seed = 3)
stopifnot(identical(unclass(b1), unclass(b2)))
b3 <- causal_abtest_bootstrap(ys[[1]], ys[[2]], statistic = "median",
                              reps = 500, seed = 4)
stopifnot(b3$conf_low != b1$conf_low)
bq <- causal_abtest_bootstrap(ys[[1]], ys[[2]], statistic = "quantile",
                              quantile = 0.9, reps = 200, ci = "bca")
close(bq$estimate, quantile(ys[[2]], 0.9) - quantile(ys[[1]], 0.9), 1e-12)
stopifnot(is.finite(bq$bca_z0), bq$interval == "bca")
bm <- causal_abtest_bootstrap(ys[[1]], ys[[2]], reps = 4000)
tt <- t.test(ys[[2]], ys[[1]])
close(bm$estimate, mean(ys[[2]]) - mean(ys[[1]]), 1e-12)
close(bm$std_error, tt$stderr, 0.05)

# ---- errors are classed conditions -----------------------------------------
stopifnot(is_err(catch(causal_abstats_from_counts(-1, 10)), "causal_erange_error"),
          is_err(catch(causal_abstats_from_counts(1, -10)), "causal_erange_error"),
          is_err(catch(causal_abstats_from_counts(11, 10)), "causal_erange_error"),
          is_err(catch(causal_abstats_from_counts(1.5, 10)), "causal_einval_error"),
          is_err(catch(causal_abstats_from_sums(-2, 1, 1)), "causal_erange_error"))
e <- catch(causal_abstats_from_counts(11, 10))
stopifnot(grepl("exceeds trials", conditionMessage(e)), e$code == "ERANGE")
empty <- causal_abstats()
e <- catch(causal_abtest(empty, st))
stopifnot(is_err(e, "causal_einval_error"), grepl("n = 0", conditionMessage(e)))
e <- catch(causal_abtest(causal_abstats_from_counts(0, 0), b, test = "chisq"))
stopifnot(is_err(e, "causal_einval_error"))
e <- catch(causal_srm(c(10, 12), c(0.5, 0.6)))
stopifnot(is_err(e, "causal_einval_error"), grepl("sum to", conditionMessage(e)))
stopifnot(is_err(catch(causal_abtest_arms(arms, allocation = c(0.5, 0.3, 0.3))),
                 "causal_einval_error"),
          is_err(catch(causal_abtest_arms(arms, allocation = c(0.5, 0.5))),
                 "causal_edim_error"),
          is_err(catch(causal_srm(c(-1, 12), c(0.5, 0.5))), "causal_error"),
          is_err(catch(causal_abtest(sc, st, test = "chisq")), "causal_einval_error"),
          is_err(catch(causal_abtest(a, b, test = "chisq", margin = 0.01)),
                 "causal_einval_error"),
          is_err(catch(causal_abtest(a, b, test = "nope")), "causal_einval_error"),
          is_err(catch(causal_abtest(a, b, alternative = "up")), "causal_einval_error"),
          is_err(catch(causal_abtest(a, b, conf_level = 1.5)), "causal_erange_error"),
          is_err(catch(causal_abtest(a, "b")), "causal_einval_error"),
          is_err(catch(causal_abstats_merge(a, rt)), "causal_edim_error"),
          is_err(catch(causal_abstats_update(st, c(1, NaN))), "causal_enonfinite_error"),
          is_err(catch(causal_abstats_update(st, 1:3, x = 1:3)), "causal_edim_error"),
          is_err(catch(causal_abstats_update(rt, 1:3, d = 1:2)), "causal_edim_error"),
          is_err(catch(causal_abstats_get(st, "median")), "causal_einval_error"),
          is_err(catch(causal_abstats_get(empty, "mean")), "causal_einval_error"),
          is_err(catch(causal_p_adjust(c(0.1, 2))), "causal_erange_error"),
          is_err(catch(causal_p_adjust(0.1, "hommel")), "causal_einval_error"),
          is_err(catch(causal_p_adjust(0.1, n = 3)), "causal_einval_error"),
          is_err(catch(causal_p_adjust(c(0.1, NA), n = 2)), "causal_einval_error"),
          is_err(catch(causal_dunnett_quantile(0.95, 1.2)), "causal_erange_error"),
          is_err(catch(causal_abtest_arms(list(a))), "causal_einval_error"),
          is_err(catch(causal_abtest_bootstrap(numeric(0), 1:3)), "causal_error"),
          is_err(catch(causal_abtest_bootstrap(1:3, 1:3, reps = 2)), "causal_erange_error"))
# The state is unchanged after a failed update.
stopifnot(causal_abstats_get(st, "n") == 250)
# A 0/1 proportion test on a non-binary state is refused.
stopifnot(is_err(catch(causal_abtest(sc, st, metric = "proportion")),
                 "causal_einval_error"))

# ---- memory: no leaks on errors, out-of-memory at every allocation ----------
causal:::.alloc_track(TRUE)
live <- function() causal:::.alloc_count()[["live"]]
base <- live()
work <- function() {
  c1 <- causal_abstats(y[ic], x = X[ic, ]); t1 <- causal_abstats(y[it], x = X[it, ])
  t1 <- causal_abstats_from_raw(causal_abstats_to_raw(t1 + c1))
  r1 <- causal_abtest(c1, t1, cuped = TRUE)
  r2 <- causal_abtest(a, b, test = "fisher")
  r3 <- causal_abtest_arms(list(a, b, a), adjust = "dunnett",
                           allocation = c(1, 1, 1) / 3)
  r4 <- causal_abtest_bootstrap(1:20, 2:30, reps = 20, ci = "bca")
  r5 <- causal_srm(c(10, 12), c(0.5, 0.5))
  causal_abtest_values(c1, t1, cuped = TRUE)
}
for (i in 1:20) {
  work()
  catch(causal_abstats_update(causal_abstats(1:3), c(1, NaN)))
  catch(causal_abtest(causal_abstats(), st))
  catch(causal_abstats_from_raw(raw[-1]))
  catch(causal_abtest_arms(list(a, b), allocation = c(0.2, 0.2)))
}
invisible(gc()); invisible(gc())
stopifnot(live() == base)
for (k in 0:100000) {
  causal:::.alloc_track(TRUE, fail_after = k)
  e <- catch(work())
  causal:::.alloc_track(TRUE)
  invisible(gc())
  if (live() != base) stop("leak after failing allocation ", k)
  if (is.null(e)) break
  if (!inherits(e, "causal_enomem_error"))
    stop("allocation ", k, ": expected ENOMEM, got ", conditionMessage(e))
}
stopifnot(k > 10)
cat("out-of-memory sweep: ", k, " allocations\n", sep = "")
causal:::.alloc_track(FALSE)

# ---- printing -------------------------------------------------------------------
out <- capture.output(print(causal_abtest(a, b, test = "fisher")),
                      print(causal_abtest(cc, ct, cuped = TRUE)),
                      print(causal_abtest_arms(arms, adjust = "holm",
                                               allocation = c(1, 1, 1) / 3)),
                      print(b1), print(s), print(st), print(empty))
stopifnot(any(grepl("odds ratio", out)), any(grepl("CUPED", out)),
          any(grepl("C - A", out)), any(grepl("SRM", out)))
cat("test-abtest.R: OK\n")
