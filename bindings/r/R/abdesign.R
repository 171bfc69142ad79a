# A/B test design and Bayesian decisions (include/causal/power.h,
# sequential.h, bayes_ab.h; formulas in docs/methods/power.md,
# sequential.md, bayes_ab.md of libcausal): power and sample size,
# group-sequential boundaries and monitoring, Bayesian A/B comparisons and
# ship decisions. The C glue is src/abdesign.c.

.power_methods <- c(prop_pooled = 1L, prop_unpooled = 2L, prop_arcsine = 3L,
                    prop_baseline = 4L, mean_t = 5L, mean_z = 6L, ratio = 7L)
.power_solve <- c(n = 1L, power = 2L, effect = 3L)
.power_sample <- c(two_sample = 1L, one_sample = 2L, paired = 3L)
.power_mult <- c(none = 0L, bonferroni = 1L, dunnett = 2L)
.power_real <- c(alpha = 101L, power = 102L, n = 103L, effect = 104L,
                 baseline = 105L, sd = 106L, ratio = 107L, rho = 108L,
                 num_mean = 109L, den_mean = 110L, num_var = 111L,
                 den_var = 112L, num_den_cov = 113L)
.gs_spending <- c(none = 0L, obf = 1L, pocock = 2L, hsd = 3L, power = 4L)
.gs_convention <- c(per_side = 1L, total = 2L)
.gs_decisions <- c("continue", "reject", "futility", "accept")

.num1 <- function(x, what) {
  .check(is.numeric(x) && length(x) == 1L && !is.na(x),
         paste(what, "must be a single number"))
  as.double(x)
}

.flag <- function(x, what) {
  .check(is.logical(x) && length(x) == 1L && !is.na(x),
         paste(what, "must be TRUE or FALSE"))
  as.double(x)
}

.classed <- function(plain, cls) {
  res <- .result_from_plain(plain)
  class(res) <- c(cls, class(res))
  res
}

causal_power <- function(method, n = NULL, power = NULL, effect = NULL,
                         solve = NULL, alpha = 0.05, sides = 2,
                         strict = FALSE, relative = FALSE, arms = 2,
                         multiplicity = "bonferroni", sample = "two_sample",
                         baseline = NULL, sd = NULL, ratio = NULL, rho = NULL,
                         num_mean = NULL, den_mean = NULL, num_var = NULL,
                         den_var = NULL, num_den_cov = NULL) {
  m <- .pick(method, .power_methods, "method")
  if (is.null(solve)) {
    missing <- c("n", "power", "effect")[c(is.null(n), is.null(power),
                                           is.null(effect))]
    .check(length(missing) == 1L,
           "give exactly two of n, power and effect (or solve =)")
    solve <- missing
  }
  .check(.is_count(sides), "sides must be 1 or 2")
  .check(.is_count(arms), "arms must be a whole number >= 2")
  ik <- 1:7
  iv <- c(.pick(solve, .power_solve, "solve"), sides,
          .flag(strict, "strict"), .flag(relative, "relative"), arms,
          .pick(multiplicity, .power_mult, "multiplicity"),
          .pick(sample, .power_sample, "sample"))
  vals <- list(alpha = alpha, power = power, n = n, effect = effect,
               baseline = baseline, sd = sd, ratio = ratio, rho = rho,
               num_mean = num_mean, den_mean = den_mean, num_var = num_var,
               den_var = den_var, num_den_cov = num_den_cov)
  vals <- vals[!vapply(vals, is.null, NA)]
  dv <- vapply(names(vals), function(k) .num1(vals[[k]], k), 0)
  spec <- list(int_keys = as.integer(ik), int_values = as.double(iv),
               dbl_keys = unname(.power_real[names(vals)]),
               dbl_values = unname(dv))
  .classed(.Call(C_power_solve, m, spec), "causal_power")
}

print.causal_power <- function(x, digits = max(3L, getOption("digits") - 3L),
                               ...) {
  cat("Power (", x$method, "), solved for ", x$solved_for, "\n", sep = "")
  keep <- c("n", "n_ceiling", "n_total", "power", "effect", "effect_relative",
            "effect_size", "alpha", "p1", "p2", "sd", "df")
  keep <- keep[keep %in% names(x)]
  v <- unlist(x[keep])
  v <- v[!is.na(v)]
  print(v, digits = digits)
  invisible(x)
}

causal_pnt <- function(q, df, ncp, lower.tail = TRUE) {
  .check(is.numeric(q) && is.numeric(df) && is.numeric(ncp),
         "q, df and ncp must be numeric")
  n <- if (length(q) && length(df) && length(ncp))
    max(length(q), length(df), length(ncp)) else 0L
  .Call(C_pnt, rep_len(as.double(q), n), rep_len(as.double(df), n),
        rep_len(as.double(ncp), n), .flag(lower.tail, "lower.tail") == 1)
}

causal_gs <- function(sides = 2, alpha = 0.05, spending = "obf", param = 0,
                      convention = "per_side", futility = "none",
                      futility_param = 0, beta = 0.1, drift = NULL,
                      binding = FALSE) {
  .check(identical(sides, 1) || identical(sides, 2) ||
         identical(sides, 1L) || identical(sides, 2L), "sides must be 1 or 2")
  dk <- c(101L, 102L)
  dv <- c(.num1(beta, "beta"), .num1(futility_param, "futility_param"))
  if (!is.null(drift)) {
    dk <- c(dk, 103L)
    dv <- c(dv, .num1(drift, "drift"))
  }
  spec <- list(sides = as.integer(sides), alpha = .num1(alpha, "alpha"),
               spending = .pick(spending, .gs_spending, "spending"),
               param = .num1(param, "param"), int_keys = 1:3,
               int_values = as.double(c(
                 .pick(convention, .gs_convention, "convention"),
                 .pick(futility, .gs_spending, "futility"),
                 .flag(binding, "binding"))),
               dbl_keys = dk, dbl_values = dv)
  .Call(C_gs_new, spec)
}

causal_gs_design <- function(info_fraction, ...) {
  g <- if (inherits(info_fraction, "causal_gs")) {
    stop_if <- list(...)
    .check(length(stop_if) >= 1L, "give the information fractions")
    frac <- stop_if[[1L]]
    info_fraction
  } else {
    frac <- info_fraction
    causal_gs(...)
  }
  .check(is.numeric(frac) && length(frac) >= 1L && !anyNA(frac),
         "info_fraction must be numeric without NA")
  .classed(.Call(C_gs_design, g, as.double(frac)), "causal_gs_design")
}

print.causal_gs_design <- function(x, digits = max(3L, getOption("digits") -
                                                     3L), ...) {
  cat("Group-sequential design (", x$spending, ", ", x$sides,
      "-sided, alpha ", format(x$alpha), ")\n", sep = "")
  tab <- cbind(info_fraction = x$info_fraction, lower = x$lower,
               upper = x$upper, nominal_p = x$nominal_p,
               alpha_spent = x$alpha_spent)
  print(tab, digits = digits)
  cat("drift ", format(x$drift, digits = digits), ", inflation factor ",
      format(x$inflation_factor, digits = digits), "\n", sep = "")
  invisible(x)
}

causal_gs_look <- function(g, info_fraction, z) {
  d <- .Call(C_gs_look, g, .num1(info_fraction, "info_fraction"),
             .num1(z, "z"))
  .gs_decisions[d + 1L]
}

causal_gs_nlooks <- function(g) .Call(C_gs_nlooks, g)

causal_gs_state <- function(g) .classed(.Call(C_gs_result, g),
                                        "causal_gs_state")

causal_gs_to_raw <- function(g) .Call(C_gs_serialize, g)

causal_gs_from_raw <- function(x) {
  .check(is.raw(x), "causal_gs_from_raw: x must be a raw vector")
  .Call(C_gs_deserialize, x)
}

print.causal_gs <- function(x, ...) {
  n <- causal_gs_nlooks(x)
  cat("<causal_gs: ", n, " look", if (n != 1) "s", ">\n", sep = "")
  if (n > 0) {
    s <- causal_gs_state(x)
    print(cbind(info_fraction = s$info_fraction, z = s$z, lower = s$lower,
                upper = s$upper))
    cat("decision: ", s$decision, "\n", sep = "")
  }
  invisible(x)
}

causal_msprt <- function(estimate, variance, tau2, alpha = 0.05,
                         theta0 = 0) {
  .check(is.numeric(estimate) && is.numeric(variance) &&
         length(estimate) == length(variance) && length(estimate) >= 1L,
         "estimate and variance must be numeric vectors of one length")
  .result_from_plain(.Call(C_msprt, as.double(estimate), as.double(variance),
                           .num1(tau2, "tau2"), .num1(alpha, "alpha"),
                           .num1(theta0, "theta0")))
}

causal_bayes_beta <- function(s_a, n_a, s_b, n_b, prior = c(1, 1),
                              cred_level = 0.95) {
  .check(is.numeric(prior) && length(prior) == 2L, "prior must be c(a0, b0)")
  args <- c(.num1(s_a, "s_a"), .num1(n_a, "n_a"), .num1(s_b, "s_b"),
            .num1(n_b, "n_b"), as.double(prior),
            .num1(cred_level, "cred_level"))
  .classed(.Call(C_bayes, 1L, args), "causal_bayes")
}

causal_bayes_normal <- function(mean_a, sd_a, n_a, mean_b, sd_b, n_b,
                                prior_mean = 0, prior_sd = Inf,
                                cred_level = 0.95) {
  args <- c(.num1(mean_a, "mean_a"), .num1(sd_a, "sd_a"), .num1(n_a, "n_a"),
            .num1(mean_b, "mean_b"), .num1(sd_b, "sd_b"), .num1(n_b, "n_b"),
            .num1(prior_mean, "prior_mean"), .num1(prior_sd, "prior_sd"),
            .num1(cred_level, "cred_level"))
  .classed(.Call(C_bayes, 2L, args), "causal_bayes")
}

causal_bayes_normal_nig <- function(mean_a, sd_a, n_a, mean_b, sd_b, n_b,
                                    prior_mean = 0, prior_kappa = 0,
                                    prior_shape = -0.5, prior_scale = 0,
                                    cred_level = 0.95) {
  args <- c(.num1(mean_a, "mean_a"), .num1(sd_a, "sd_a"), .num1(n_a, "n_a"),
            .num1(mean_b, "mean_b"), .num1(sd_b, "sd_b"), .num1(n_b, "n_b"),
            .num1(prior_mean, "prior_mean"),
            .num1(prior_kappa, "prior_kappa"),
            .num1(prior_shape, "prior_shape"),
            .num1(prior_scale, "prior_scale"),
            .num1(cred_level, "cred_level"))
  .classed(.Call(C_bayes, 4L, args), "causal_bayes")
}

causal_bayes_gamma <- function(y_a, e_a, y_b, e_b, prior = c(1, 0),
                               cred_level = 0.95) {
  .check(is.numeric(prior) && length(prior) == 2L,
         "prior must be c(shape, rate)")
  args <- c(.num1(y_a, "y_a"), .num1(e_a, "e_a"), .num1(y_b, "y_b"),
            .num1(e_b, "e_b"), as.double(prior),
            .num1(cred_level, "cred_level"))
  .classed(.Call(C_bayes, 3L, args), "causal_bayes")
}

causal_bayes_prob_beta <- function(a1, b1, a2, b2, method = "quadrature") {
  shapes <- c(.num1(a1, "a1"), .num1(b1, "b1"), .num1(a2, "a2"),
              .num1(b2, "b2"))
  .Call(C_bayes_prob_beta, shapes,
        .pick(method, c(quadrature = 0L, sum = 1L), "method"))
}

print.causal_bayes <- function(x, digits = max(3L, getOption("digits") - 3L),
                               ...) {
  cat("Bayesian A/B (", x$model, ")\n", sep = "")
  cat("P(B > A)          ", format(x$prob_b_beats_a, digits = digits), "\n")
  cat("expected loss A/B ", format(x$expected_loss_a, digits = digits), "/",
      format(x$expected_loss_b, digits = digits), "\n")
  lv <- format(100 * x$cred_level)
  cat("B - A             ", format(x$diff_mean, digits = digits), " [",
      format(x$diff_conf_low, digits = digits), ", ",
      format(x$diff_conf_high, digits = digits), "] (", lv, "%)\n", sep = "")
  cat("lift B / A - 1    ", format(x$lift_median, digits = digits), " [",
      format(x$lift_conf_low, digits = digits), ", ",
      format(x$lift_conf_high, digits = digits), "]\n", sep = "")
  invisible(x)
}

causal_decide <- function(goals, guardrails = list(), alpha = 0.05) {
  .check(is.list(goals) && length(goals) >= 1L && !is.null(names(goals)),
         "goals must be a named list of c(estimate, se[, weight[, direction]])")
  .check(is.list(guardrails) && (length(guardrails) == 0L ||
                                 !is.null(names(guardrails))),
         "guardrails must be a named list of c(estimate, se, margin[, direction])")
  row <- function(v, nm, len, fill) {
    .check(is.numeric(v) && length(v) >= len && length(v) <= 4L && !anyNA(v),
           sprintf("metric '%s' needs %d to 4 numbers", nm, len))
    c(as.double(v), fill)[1:4]
  }
  g <- lapply(names(goals), function(k) row(goals[[k]], k, 2L, c(1, 1)))
  r <- lapply(names(guardrails), function(k) row(guardrails[[k]], k, 3L, 1))
  ng <- length(g)
  nr <- length(r)
  gm <- matrix(as.double(unlist(g)), nrow = 4L)
  rm <- matrix(as.double(unlist(r)), nrow = 4L)
  .classed(.Call(C_decide, c(names(goals), names(guardrails)),
                 c(gm[1L, ], rm[1L, ]), c(gm[2L, ], rm[2L, ]),
                 c(rep(1L, ng), rep(2L, nr)),
                 as.integer(c(gm[4L, ], rm[4L, ])),
                 c(gm[3L, ], rep(0, nr)), c(rep(0, ng), rm[3L, ]),
                 .num1(alpha, "alpha")), "causal_decision")
}

print.causal_decision <- function(x, ...) {
  cat("Decision: ", x$decision, "\n", sep = "")
  if (nzchar(x$reasons)) cat(strsplit(x$reasons, "; ", fixed = TRUE)[[1L]],
                             sep = "\n")
  cat("OEC ", format(x$oec, digits = 4), " [", format(x$oec_conf_low,
      digits = 4), ", ", format(x$oec_conf_high, digits = 4), "], p = ",
      format(x$oec_p_value, digits = 4), "\n", sep = "")
  invisible(x)
}
