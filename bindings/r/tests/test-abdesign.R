# Power, group-sequential designs and Bayesian A/B against base R.
library(causal)

rel <- function(a, b) abs(a - b) / abs(b)
err_class <- function(expr) tryCatch({ expr; "none" },
                                     causal_error = function(e) class(e)[1L])

## ---- power: proportions vs power.prop.test (pooled = Fleiss, no cc) -----
for (p1 in c(0.05, 0.1, 0.3, 0.5)) for (d in c(0.01, 0.03, 0.1)) {
  for (pw in c(0.8, 0.9)) {
    ref <- power.prop.test(p1 = p1, p2 = p1 + d, power = pw,
                           tol = 1e-12)$n
    got <- causal_power("prop_pooled", baseline = p1, effect = d,
                        power = pw)
    stopifnot(inherits(got, "causal_power"), inherits(got, "causal_result"),
              rel(got$n, ref) < 1e-6, got$solved_for == "n",
              got$n_ceiling == ceiling(got$n))
  }
  for (n in c(200, 5000)) {
    ref <- power.prop.test(n = n, p1 = p1, p2 = p1 + d, tol = 1e-12)$power
    got <- causal_power("prop_pooled", baseline = p1, effect = d, n = n)
    stopifnot(rel(got$power, ref) < 1e-6)
    refs <- power.prop.test(n = n, p1 = p1, p2 = p1 + d, tol = 1e-12,
                            strict = TRUE)$power
    got <- causal_power("prop_pooled", baseline = p1, effect = d, n = n,
                        strict = TRUE)
    stopifnot(rel(got$power, refs) < 1e-6)
  }
}
# MDE: power.prop.test solves for p2
ref <- power.prop.test(n = 3000, p1 = 0.1, power = 0.8, tol = 1e-12)$p2
got <- causal_power("prop_pooled", baseline = 0.1, n = 3000, power = 0.8)
stopifnot(got$solved_for == "effect", rel(got$p2, ref) < 1e-6,
          rel(got$effect, ref - 0.1) < 1e-6)
# one-sided
ref <- power.prop.test(p1 = 0.2, p2 = 0.25, power = 0.8, tol = 1e-12,
                       alternative = "one.sided")$n
stopifnot(rel(causal_power("prop_pooled", baseline = 0.2, effect = 0.05,
                           power = 0.8, sides = 1)$n, ref) < 1e-6)

## ---- power: means vs power.t.test ----------------------------------------
for (type in c("two.sample", "one.sample", "paired")) {
  smp <- c(two.sample = "two_sample", one.sample = "one_sample",
           paired = "paired")[[type]]
  for (sides in 1:2) {
    alt <- if (sides == 1) "one.sided" else "two.sided"
    for (delta in c(0.3, 1)) {
      ref <- power.t.test(delta = delta, sd = 1.5, power = 0.85, type = type,
                          alternative = alt, tol = 1e-12)$n
      got <- causal_power("mean_t", effect = delta, sd = 1.5, power = 0.85,
                          sample = smp, sides = sides)
      stopifnot(rel(got$n, ref) < 1e-6, is.finite(got$df))
      ref <- power.t.test(n = 25, delta = delta, sd = 1.5, type = type,
                          alternative = alt, tol = 1e-12,
                          strict = TRUE)$power
      got <- causal_power("mean_t", effect = delta, sd = 1.5, n = 25,
                          sample = smp, sides = sides, strict = TRUE)
      stopifnot(rel(got$power, ref) < 1e-6)
    }
    ref <- power.t.test(n = 40, sd = 2, power = 0.8, type = type,
                        alternative = alt, tol = 1e-12)$delta
    got <- causal_power("mean_t", sd = 2, n = 40, power = 0.8, sample = smp,
                        sides = sides)
    stopifnot(rel(got$effect, ref) < 1e-6)
  }
}
# normal approximation for means: closed form
z <- qnorm(0.975) + qnorm(0.8)
got <- causal_power("mean_z", effect = 0.5, sd = 2, power = 0.8)
stopifnot(rel(got$n, 2 * (z * 2 / 0.5)^2) < 1e-9)
invisible(capture.output(print(got)))

## ---- noncentral t vs pt(q, df, ncp) ---------------------------------------
# R's pnt sums to an absolute error of about 1e-12 and takes the upper tail
# as 1 - lower, so relative agreement is required in the body (both tails
# >= 0.01) and 1e-12 absolute elsewhere; for ncp = 0 R's central pt is
# accurate in the tails too, so 1e-10 relative holds everywhere there.
for (df in c(1.5, 4, 30, 200)) for (ncp in c(-2, 0, 0.5, 3, 8)) {
  q <- c(-5, -1, 0, 0.7, 2, 6, 12)
  lo <- suppressWarnings(pt(q, df, ncp))
  up <- suppressWarnings(pt(q, df, ncp, lower.tail = FALSE))
  glo <- causal_pnt(q, df, ncp)
  gup <- causal_pnt(q, df, ncp, lower.tail = FALSE)
  body <- pmin(lo, up) >= 0.01 | ncp == 0
  stopifnot(all(rel(glo, lo)[body] < 1e-10), all(rel(gup, up)[body] < 1e-10),
            all(abs(glo - lo) < 1e-12), all(abs(gup - up) < 1e-12))
}
stopifnot(is.na(causal_pnt(NA_real_, 3, 1)), length(causal_pnt(numeric(0), 3, 1)) == 0)

## ---- power: errors ---------------------------------------------------------
stopifnot(
  err_class(causal_power("nope", n = 10, effect = 1, sd = 1)) ==
    "causal_einval_error",
  err_class(causal_power("mean_t", effect = 1, sd = 1)) ==
    "causal_einval_error",
  err_class(causal_power("mean_t", effect = 1, n = 10, power = 0.8)) ==
    "causal_einval_error",
  err_class(causal_power("prop_pooled", baseline = 1.5, effect = 0.1,
                         power = 0.8)) != "none",
  err_class(causal_power("mean_t", effect = 1, sd = 1, power = "x")) ==
    "causal_einval_error")

## ---- group-sequential design ----------------------------------------------
d <- causal_gs_design(c(0.2, 0.4, 0.6, 0.8, 1), sides = 2, alpha = 0.05,
                      spending = "obf")
stopifnot(inherits(d, "causal_gs_design"),
          max(abs(d$upper - c(4.877, 3.357, 2.680, 2.290, 2.031))) < 1e-3,
          all(abs(d$lower + d$upper) < 1e-12),
          abs(d$alpha_spent[5] - 0.05) < 1e-9,
          abs(d$alpha_spent[1] - 4 * (1 - pnorm(qnorm(0.9875) /
                                                   sqrt(0.2)))) < 1e-9)
invisible(capture.output(print(d)))
# Pocock one-sided, one look = the fixed design
d1 <- causal_gs_design(1, sides = 1, alpha = 0.025, spending = "pocock")
stopifnot(abs(d1$upper - qnorm(0.975)) < 1e-8)
stopifnot(err_class(causal_gs_design(c(0.5, 0.4, 1))) != "none",
          err_class(causal_gs_design(1, spending = "x")) ==
            "causal_einval_error")

## ---- monitoring, save and restore -----------------------------------------
g <- causal_gs(sides = 2, alpha = 0.05, spending = "obf")
stopifnot(causal_gs_look(g, 0.2, 1.3) == "continue",
          causal_gs_look(g, 0.4, 2.0) == "continue",
          causal_gs_nlooks(g) == 2)
raw <- causal_gs_to_raw(g)
stopifnot(is.raw(raw))
g2 <- causal_gs_from_raw(raw)
s <- causal_gs_state(g2)
stopifnot(inherits(s, "causal_result"), causal_gs_nlooks(g2) == 2,
          identical(s$z, c(1.3, 2.0)), s$decision == "continue",
          abs(s$upper[1] - 4.877) < 1e-3)
# the restored state continues exactly like the original
stopifnot(causal_gs_look(g2, 0.6, 3.0) == "reject",
          causal_gs_look(g, 0.6, 3.0) == "reject",
          identical(causal_gs_to_raw(g), causal_gs_to_raw(g2)),
          err_class(causal_gs_look(g, 0.8, 1)) == "causal_einval_error",
          causal_gs_nlooks(g) == 3)
invisible(capture.output(print(g)))
bad <- raw
bad[length(bad)] <- as.raw(bitwXor(as.integer(bad[length(bad)]), 0xffL))
stopifnot(err_class(causal_gs_from_raw(bad)) != "none",
          err_class(causal_gs_from_raw(raw[-length(raw)])) != "none",
          err_class(causal_gs_from_raw(as.raw(1:3))) != "none",
          err_class(causal_gs_from_raw("x")) == "causal_einval_error",
          err_class(causal_gs_look(g2, 0.5, 1)) == "causal_einval_error")
for (i in seq_along(raw)) {
  b <- raw
  b[i] <- as.raw(bitwXor(as.integer(b[i]), 0x5aL))
  r <- tryCatch(causal_gs_from_raw(b), causal_error = function(e) e)
  stopifnot(inherits(r, "causal_error") || inherits(r, "causal_gs"))
}

## ---- mixture SPRT: the formulas of sequential.h ---------------------------
est <- c(0.01, 0.03, 0.02, 0.025)
v <- c(4e-4, 2e-4, 1e-4, 5e-5)
tau2 <- 1e-3
ms <- causal_msprt(est, v, tau2, alpha = 0.05)
lam <- sqrt(v / (v + tau2)) * exp(tau2 * est^2 / (2 * v * (v + tau2)))
p <- cummin(pmin(1, 1 / lam))
hw <- sqrt(v * (v + tau2) / tau2 * (log((v + tau2) / v) + 2 * log(1 / 0.05)))
stopifnot(all(rel(ms$lambda, lam) < 1e-12), all(abs(ms$p_value - p) < 1e-12),
          all(abs(ms$conf_low - cummax(est - hw)) < 1e-12),
          all(abs(ms$conf_high - cummin(est + hw)) < 1e-12),
          ms$first_rejection == (if (any(p <= 0.05)) which(p <= 0.05)[1] else 0),
          err_class(causal_msprt(1:2, 1, 1)) == "causal_einval_error",
          err_class(causal_msprt(1, -1, 1)) != "none")

## ---- Bayesian A/B ------------------------------------------------------------
pba <- function(a1, b1, a2, b2)
  integrate(function(x) dbeta(x, a1, b1) * pbeta(x, a2, b2, lower.tail = FALSE),
            0, 1, rel.tol = 1e-13)$value
for (cs in list(c(120, 1000, 140, 1000), c(3, 20, 7, 22),
                c(40.5, 300, 44.5, 310))) {
  b <- causal_bayes_beta(cs[1], cs[2], cs[3], cs[4])
  ref <- pba(1 + cs[1], 1 + cs[2] - cs[1], 1 + cs[3], 1 + cs[4] - cs[3])
  stopifnot(inherits(b, "causal_bayes"), rel(b$prob_b_beats_a, ref) < 1e-10,
            b$diff_conf_low < b$diff_mean, b$diff_mean < b$diff_conf_high,
            b$expected_loss_a >= 0, b$expected_loss_b >= 0,
            abs(b$expected_loss_a - b$expected_loss_b - b$diff_mean) < 1e-10)
}
stopifnot(rel(causal_bayes_prob_beta(3, 4, 5, 2), pba(3, 4, 5, 2)) < 1e-10,
          rel(causal_bayes_prob_beta(3, 4, 5, 2, method = "sum"),
              pba(3, 4, 5, 2)) < 1e-10)
# prior changes the posterior parameters
b <- causal_bayes_beta(5, 10, 6, 10, prior = c(2, 3))
stopifnot(b$post_a_1 == 7, b$post_a_2 == 8, b$post_b_1 == 8, b$post_b_2 == 7)
invisible(capture.output(print(b)))
# normal model, flat prior: closed form
bn <- causal_bayes_normal(1, 2, 100, 1.2, 2, 100)
se <- sqrt(0.04 + 0.04)
stopifnot(rel(bn$prob_b_beats_a, pnorm(0.2 / se)) < 1e-10,
          rel(bn$diff_conf_high, 0.2 + qnorm(0.975) * se) < 1e-10)
# binding futility (gsDesign test.type = 3) spends all of alpha under H0
gb <- causal_gs(sides = 1, alpha = 0.025, spending = "hsd", param = -4,
                futility = "hsd", futility_param = -2, binding = TRUE)
db <- causal_gs_design(gb, c(1, 2, 3) / 3)
stopifnot(abs(sum(db$prob_upper_h0) - 0.025) < 1e-8,
          abs(db$upper[3] - 1.9643) < 1e-4)
# normal model with unknown variance (reference prior): Student t posteriors
bt <- causal_bayes_normal_nig(10, 4, 30, 10.8, 5, 40)
sa <- 4 / sqrt(30); sb <- 5 / sqrt(40)
ref <- integrate(function(x) dt((x - 10) / sa, 29) / sa *
                   pt((x - 10.8) / sb, 39, lower.tail = FALSE), -Inf, Inf,
                 rel.tol = 1e-12)$value
stopifnot(abs(bt$prob_b_beats_a - ref) < 1e-9, bt$model == "normal_nig",
          bt$post_a_df == 29, rel(bt$post_a_2, sa) < 1e-14,
          abs(bt$expected_loss_a - bt$expected_loss_b - 0.8) < 1e-9,
          err_class(causal_bayes_normal_nig(1, 1, 2, 1, 1, 10)) != "none",
          err_class(causal_bayes_normal_nig(1, 1, 5, 1, 1, 10,
                                            prior_shape = -1)) != "none")
# gamma-Poisson: P(lambda_B > lambda_A) as an integral
bg <- causal_bayes_gamma(50, 100, 60, 100)
ref <- integrate(function(x) dgamma(x, 51, 100) *
                   pgamma(x, 61, 100, lower.tail = FALSE), 0, Inf,
                 rel.tol = 1e-13)$value
stopifnot(rel(bg$prob_b_beats_a, ref) < 1e-9)
stopifnot(err_class(causal_bayes_beta(5, 3, 1, 10)) != "none",
          err_class(causal_bayes_beta(NA, 3, 1, 10)) == "causal_einval_error",
          err_class(causal_bayes_normal(1, -2, 10, 1, 2, 10)) != "none",
          err_class(causal_bayes_gamma(1, 0, 1, 1, prior = 1)) ==
            "causal_einval_error")

## ---- decisions ---------------------------------------------------------------
dd <- causal_decide(list(revenue = c(0.05, 0.01)),
                    list(latency = c(0.001, 0.005, 0.02, -1)))
stopifnot(inherits(dd, "causal_decision"), dd$decision == "ship",
          rel(dd$oec_conf_low, 0.05 - qnorm(0.95) * 0.01) < 1e-10)
invisible(capture.output(print(dd)))
stopifnot(causal_decide(list(revenue = c(0.001, 0.01)))$decision == "hold",
          causal_decide(list(revenue = c(0.05, 0.01)),
                        list(latency = c(0.05, 0.005, 0.02, -1)))$decision ==
            "stop",
          err_class(causal_decide(list(c(1, 2)))) == "causal_einval_error",
          err_class(causal_decide(list(a = 1))) == "causal_einval_error")

## ---- memory: no leaks on errors, ENOMEM at every allocation ---------------
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
causal:::.alloc_track(TRUE)
live <- function() causal:::.alloc_count()[["live"]]
base <- live()
for (i in 1:50) {
  g <- causal_gs()
  causal_gs_look(g, 0.3, 1)
  g2 <- causal_gs_from_raw(causal_gs_to_raw(g))
  catch(causal_gs_look(g2, 0.2, 1))
  catch(causal_gs_from_raw(as.raw(1:40)))
  catch(causal_power("mean_t", effect = 1, sd = -1, power = 0.8))
  catch(causal_bayes_beta(5, 3, 1, 10))
}
rm(g, g2)
invisible(gc()); invisible(gc())
stopifnot(live() == base)
sweep <- function(f) {
  for (k in 0:10000) {
    causal:::.alloc_track(TRUE, fail_after = k)
    e <- catch(f())
    causal:::.alloc_track(TRUE)
    invisible(gc())
    if (live() != base) stop("leak after failing allocation ", k)
    if (is.null(e)) return(k)
    if (!inherits(e, "causal_enomem_error"))
      stop("allocation ", k, ": expected ENOMEM, got ", conditionMessage(e))
  }
  stop("sweep did not finish")
}
sweeps <- c(
  power = sweep(function() causal_power("mean_t", effect = 1, sd = 2,
                                        power = 0.8)),
  gs_design = sweep(function() causal_gs_design(c(0.5, 1))),
  gs_state = sweep(function() {
    g <- causal_gs()
    causal_gs_look(g, 0.5, 1)
    causal_gs_state(causal_gs_from_raw(causal_gs_to_raw(g)))
  }),
  bayes = sweep(function() causal_bayes_beta(3, 10, 5, 10)),
  decide = sweep(function() causal_decide(list(a = c(1, 0.5)),
                                          list(b = c(0, 1, 2))))
)
stopifnot(all(sweeps > 0))
causal:::.alloc_track(FALSE)
cat("abdesign tests passed\n")
