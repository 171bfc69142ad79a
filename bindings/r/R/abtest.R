# A/B testing (include/causal/abtest.h, docs/methods/abtest.md): per-arm
# sufficient statistics (causal_abstats: a reference that updates in place,
# merges exactly and serializes to raw), two-arm comparisons, many arms
# with multiplicity adjustment, SRM, p-value adjustment, Dunnett and the
# bootstrap. The C glue is src/abtest.c.

.ab_metrics <- c(mean = 1L, proportion = 2L, ratio = 3L)
.ab_tests <- c(default = 0L, z_pooled = 1L, z_unpooled = 2L, chisq = 3L,
               fisher = 4L, welch = 5L, student = 6L, z = 7L)
.ab_prop_tests <- c("z_pooled", "z_unpooled", "chisq", "fisher")
.ab_alternatives <- c(two.sided = 0L, "two-sided" = 0L, greater = 1L,
                      less = 2L)
.ab_lift_ci <- c(delta = 1L, fieller = 2L)
# Lower-case keys: .pick() lower-cases the value ("BH" and "bh" both work).
.ab_adjust <- c(none = 0L, bonferroni = 1L, holm = 2L, bh = 3L, fdr = 3L,
                by = 4L, dunnett = 5L)
.ab_boot_stat <- c(mean = 1L, quantile = 2L, median = 2L)
.ab_boot_ci <- c(percentile = 1L, bca = 2L)
.abs_what <- c(n = 1L, sum = 2L, mean = 3L, var = 4L, comoment = 5L,
               cov = 6L, crossprod = 7L, sumsq = 8L)
.abs_shape <- c(n = 0L, sum = 1L, mean = 1L, var = 1L, comoment = 2L,
                cov = 2L, crossprod = 2L, sumsq = 1L)

.check_abs <- function(s, name = "s") {
  .check(inherits(s, "causal_abstats"),
         paste(name, "must be a causal_abstats object"))
}

.flag <- function(v, what) {
  .check(is.logical(v) && length(v) == 1L && !is.na(v),
         paste(what, "must be TRUE or FALSE"))
  v
}

.num1 <- function(v, what) {
  .check(is.numeric(v) && length(v) == 1L && !is.na(v),
         paste(what, "must be a single number"))
  as.double(v)
}

# Covariate names travel with the handle (attribute), so results and
# quantities can be labelled; serialization keeps only the numbers.
.abs_wrap <- function(h, covariates) {
  if (!is.null(covariates)) attr(h, "covariates") <- as.character(covariates)
  h
}

.abs_info <- function(s) {
  v <- .Call(C_abstats_info, s)
  list(n = v[[1L]], p = v[[2L]], ncov = v[[3L]], flags = as.integer(v[[4L]]),
       binary = v[[5L]] == 1)
}

# Variable names of the layout: y, d, covariates, their missing indicators.
.abs_varnames <- function(s, info = .abs_info(s)) {
  q <- info$ncov
  cn <- attr(s, "covariates")
  if (length(cn) != q) cn <- if (q == 1) "x" else paste0("x", seq_len(q))
  c("y", if (bitwAnd(info$flags, 1L)) "d", cn,
    if (bitwAnd(info$flags, 2L)) paste0(cn, "_missing"))
}

.abs_flags <- function(ratio, missing_indicator) {
  as.integer(.flag(ratio, "ratio")) +
    2L * as.integer(.flag(missing_indicator, "missing_indicator"))
}

.as_values <- function(v, what) {
  .check(is.numeric(v) || is.logical(v), paste(what, "must be numeric"))
  .check(is.null(dim(v)) || length(dim(v)) <= 2L && NCOL(v) == 1L,
         paste(what, "must be a vector"))
  as.double(v)
}

# x as a double matrix (one column per covariate) and its names.
.as_cov <- function(x) {
  if (is.data.frame(x)) x <- as.matrix(x)
  .check(is.numeric(x) || is.logical(x), "x must be numeric")
  if (!is.matrix(x)) x <- matrix(x, ncol = 1L)
  if (!is.double(x)) storage.mode(x) <- "double"
  x
}

causal_abstats <- function(y = NULL, d = NULL, x = NULL,
                           missing_indicator = FALSE, ratio = !is.null(d),
                           ncov = NULL) {
  cn <- NULL
  if (!is.null(x)) {
    x <- .as_cov(x)
    cn <- colnames(x)
    if (is.null(ncov)) ncov <- ncol(x)
  }
  if (is.null(ncov)) ncov <- 0
  .check(.is_count(ncov), "ncov must be a whole number >= 0")
  s <- .abs_wrap(.Call(C_abstats_new, .abs_flags(ratio, missing_indicator),
                       as.double(ncov)), cn)
  if (!is.null(y)) causal_abstats_update(s, y, d, x)
  s
}

causal_abstats_update <- function(s, y, d = NULL, x = NULL) {
  .check_abs(s)
  y <- .as_values(y, "y")
  if (!is.null(d)) d <- .as_values(d, "d")
  if (!is.null(x)) x <- .as_cov(x)
  .Call(C_abstats_update, s, y, d, x)
  invisible(s)
}

causal_abstats_from_counts <- function(successes, trials) {
  .Call(C_abstats_from_counts, .num1(successes, "successes"),
        .num1(trials, "trials"))
}

causal_abstats_from_sums <- function(n, sum, sumsq) {
  .Call(C_abstats_from_sums, .num1(n, "n"), .num1(sum, "sum"),
        .num1(sumsq, "sumsq"))
}

causal_abstats_from_aggregates <- function(n, sums, crossprod, ratio = FALSE,
                                           ncov = 0,
                                           missing_indicator = FALSE,
                                           covariates = NULL) {
  .check(.is_count(ncov), "ncov must be a whole number >= 0")
  .check(is.numeric(sums) && is.numeric(crossprod),
         "sums and crossprod must be numeric")
  .abs_wrap(.Call(C_abstats_from_aggregates,
                  .abs_flags(ratio, missing_indicator), as.double(ncov),
                  .num1(n, "n"), as.double(sums), as.double(crossprod)),
            covariates)
}

causal_abstats_copy <- function(s) {
  .check_abs(s)
  .abs_wrap(.Call(C_abstats_clone, s), attr(s, "covariates"))
}

causal_abstats_reset <- function(s) {
  .check_abs(s)
  .Call(C_abstats_reset, s)
  invisible(s)
}

causal_abstats_merge <- function(a, b) {
  .check_abs(a, "a")
  .check_abs(b, "b")
  out <- causal_abstats_copy(a)
  .Call(C_abstats_merge, out, b)
  out
}

Ops.causal_abstats <- function(e1, e2) {
  if (.Generic != "+" || missing(e2))
    .causal_stop(-1L, paste0("operator '", .Generic,
                             "' is not defined for causal_abstats (only +)"))
  causal_abstats_merge(e1, e2)
}

causal_abstats_get <- function(s, what) {
  .check_abs(s)
  .check(is.character(what) && length(what) == 1L &&
           what %in% names(.abs_what),
         paste("what must be one of:", paste(names(.abs_what),
                                              collapse = ", ")))
  info <- .abs_info(s)
  p <- info$p
  shape <- .abs_shape[[what]]
  v <- .Call(C_abstats_get, s, .abs_what[[what]], c(1, p, p * p)[shape + 1L])
  nm <- .abs_varnames(s, info)
  if (shape == 1L) names(v) <- nm
  if (shape == 2L) {
    dim(v) <- c(p, p)
    dimnames(v) <- list(nm, nm)
  }
  v
}

causal_abstats_info <- function(s) {
  .check_abs(s)
  info <- .abs_info(s)
  list(n = info$n, variables = .abs_varnames(s, info), ncov = info$ncov,
       ratio = bitwAnd(info$flags, 1L) != 0,
       missing_indicator = bitwAnd(info$flags, 2L) != 0,
       binary = info$binary)
}

print.causal_abstats <- function(x, digits = getOption("digits"), ...) {
  info <- tryCatch(causal_abstats_info(x), causal_error = function(e) NULL)
  if (is.null(info)) {
    cat("<causal_abstats: invalid (freed or reloaded)>\n")
    return(invisible(x))
  }
  cat("<causal_abstats: n = ", format(info$n), ", variables ",
      paste(info$variables, collapse = ", "),
      if (info$binary) "; y is 0/1", ">\n", sep = "")
  if (info$n > 0) {
    tab <- cbind(mean = causal_abstats_get(x, "mean"),
                 sd = if (info$n > 1) sqrt(causal_abstats_get(x, "var"))
                      else NA_real_)
    print(tab, digits = digits)
  }
  invisible(x)
}

causal_abstats_to_raw <- function(s) {
  .check_abs(s)
  .Call(C_abstats_serialize, s)
}

causal_abstats_from_raw <- function(x, covariates = NULL) {
  .check(is.raw(x), "x must be a raw vector")
  .abs_wrap(.Call(C_abstats_deserialize, x), covariates)
}

# ---- analyses ----------------------------------------------------------------

# Option list for src/abtest.c: integer keys/values, real keys/values.
.ab_opts <- function(ints = list(), dbls = list()) {
  ints <- ints[!vapply(ints, is.null, NA)]
  dbls <- dbls[!vapply(dbls, is.null, NA)]
  list(as.integer(names(ints)), as.double(unlist(ints)),
       as.integer(names(dbls)), as.double(unlist(dbls)))
}

# Options common to compare, values and arms. metric NULL: proportion for
# a proportion test, ratio for states with a denominator, else mean.
.ab_spec <- function(control, metric, test, alternative, conf_level, margin,
                     margin_relative, cuped, correct, lift_ci, adjust) {
  tcode <- if (is.null(test)) 0L else .pick(test, .ab_tests, "test")
  if (is.null(metric)) {
    metric <- if (!is.null(test) && tolower(test) %in% .ab_prop_tests)
                "proportion"
              else if (bitwAnd(.abs_info(control)$flags, 1L)) "ratio"
              else "mean"
  }
  .ab_opts(
    ints = list("1" = .pick(metric, .ab_metrics, "metric"),
                "2" = tcode,
                "3" = .pick(alternative, .ab_alternatives, "alternative"),
                "4" = as.integer(.flag(correct, "correct")),
                "5" = as.integer(.flag(cuped, "cuped")),
                "6" = .pick(lift_ci, .ab_lift_ci, "lift_ci"),
                "7" = .pick(adjust, .ab_adjust, "adjust"),
                "8" = as.integer(.flag(margin_relative, "margin_relative"))),
    dbls = list("101" = .num1(conf_level, "conf_level"),
                "102" = .num1(margin, "margin")))
}

.ab_class <- function(plain, cls) {
  res <- .result_from_plain(plain)
  class(res) <- c(cls, class(res))
  res
}

causal_abtest <- function(control, treatment, metric = NULL, test = NULL,
                          alternative = "two.sided", conf_level = 0.95,
                          margin = 0, margin_relative = FALSE, cuped = FALSE,
                          correct = TRUE, lift_ci = "delta") {
  .check_abs(control, "control")
  .check_abs(treatment, "treatment")
  spec <- .ab_spec(control, metric, test, alternative, conf_level, margin,
                   margin_relative, cuped, correct, lift_ci, "none")
  res <- .ab_class(.Call(C_abtest_compare, spec, control, treatment, FALSE),
                   "causal_abtest")
  if (!is.null(res$theta)) {
    info <- .abs_info(control)
    nm <- .abs_varnames(control, info)[-seq_len(1L + bitwAnd(info$flags, 1L))]
    for (e in c("theta", "imbalance_statistic", "imbalance_p_value"))
      if (length(res[[e]]) == length(nm)) names(res[[e]]) <- nm
  }
  res
}

causal_abtest_values <- function(control, treatment, metric = NULL,
                                 test = NULL, alternative = "two.sided",
                                 conf_level = 0.95, margin = 0,
                                 margin_relative = FALSE, cuped = FALSE,
                                 correct = TRUE, lift_ci = "delta") {
  .check_abs(control, "control")
  .check_abs(treatment, "treatment")
  spec <- .ab_spec(control, metric, test, alternative, conf_level, margin,
                   margin_relative, cuped, correct, lift_ci, "none")
  v <- .Call(C_abtest_compare, spec, control, treatment, TRUE)
  stats::setNames(v, c("estimate", "std_error", "statistic", "p_value",
                       "conf_low", "conf_high", "df", "relative_lift",
                       "relative_lift_conf_low", "relative_lift_conf_high"))
}

causal_abtest_arms <- function(arms, allocation = NULL, adjust = "none",
                               metric = NULL, test = NULL,
                               alternative = "two.sided", conf_level = 0.95,
                               margin = 0, margin_relative = FALSE,
                               cuped = FALSE, correct = TRUE,
                               lift_ci = "delta", names = NULL) {
  .check(is.list(arms) && !inherits(arms, "causal_abstats") &&
           length(arms) >= 2L,
         "arms must be a list of at least two causal_abstats (control first)")
  for (i in seq_along(arms)) .check_abs(arms[[i]], sprintf("arms[[%d]]", i))
  if (is.null(names)) names <- base::names(arms)
  if (!is.null(names)) {
    .check(is.character(names) && length(names) == length(arms) &&
             !anyNA(names) && all(nzchar(names)),
           "names must be one non-empty string per arm")
  }
  if (!is.null(allocation)) {
    .check(is.numeric(allocation), "allocation must be numeric")
    allocation <- as.double(allocation)
  }
  spec <- .ab_spec(arms[[1L]], metric, test, alternative, conf_level, margin,
                   margin_relative, cuped, correct, lift_ci, adjust)
  .ab_class(.Call(C_abtest_analyze, spec, unname(arms), names, allocation),
            "causal_abtest_arms")
}

causal_abtest_bootstrap <- function(y_control, y_treatment, statistic = "mean",
                                    quantile = 0.5, reps = 2000, seed = 1,
                                    ci = "percentile", conf_level = 0.95,
                                    alternative = "two.sided") {
  y_control <- .as_values(y_control, "y_control")
  y_treatment <- .as_values(y_treatment, "y_treatment")
  st <- .pick(statistic, .ab_boot_stat, "statistic")
  if (tolower(statistic) == "median") quantile <- 0.5
  .check(.is_count(reps), "reps must be a whole number")
  .check(.is_count(seed), "seed must be a whole number >= 0")
  spec <- .ab_opts(
    ints = list("3" = .pick(alternative, .ab_alternatives, "alternative"),
                "9" = st, "10" = .pick(ci, .ab_boot_ci, "ci"),
                "11" = reps, "12" = seed),
    dbls = list("101" = .num1(conf_level, "conf_level"),
                "103" = .num1(quantile, "quantile")))
  .ab_class(.Call(C_abtest_bootstrap, spec, y_control, y_treatment),
            "causal_abtest_bootstrap")
}

causal_srm <- function(counts, allocation) {
  .check(is.numeric(counts) && is.numeric(allocation),
         "counts and allocation must be numeric")
  res <- .result_from_plain(.Call(C_abtest_srm, as.double(counts),
                                  as.double(allocation)))
  if (!is.null(names(counts)))
    for (e in c("expected", "observed_share")) names(res[[e]]) <- names(counts)
  res
}

# As stats::p.adjust: NA p-values stay NA and the family is the non-NA
# ones (n is evaluated after they are dropped, as in p.adjust); names are
# kept. n larger than the number of p-values ("more tests than given") is
# not supported.
causal_p_adjust <- function(p, method = "holm", n = length(p)) {
  .check(is.numeric(p) || all(is.na(p)), "p must be numeric")
  m <- .pick(method, .ab_adjust[names(.ab_adjust) != "dunnett"], "method")
  out <- stats::setNames(as.numeric(p), names(p))
  ok <- !is.na(out)
  p <- out[ok]
  .check(is.numeric(n) && length(n) == 1L && !is.na(n) && n == length(p),
         paste("causal_p_adjust: n must be the number of non-NA p-values",
               "(larger families are not supported)"))
  if (length(p)) out[ok] <- .Call(C_p_adjust, m, unname(p))
  out
}

causal_dunnett_quantile <- function(conf, lambda, df = Inf, two_sided = TRUE) {
  .check(is.numeric(lambda), "lambda must be numeric")
  .Call(C_dunnett, 1L, .num1(conf, "conf"), as.double(lambda),
        .num1(df, "df"), .flag(two_sided, "two_sided"))
}

causal_dunnett_prob <- function(c, lambda, df = Inf, two_sided = TRUE) {
  .check(is.numeric(lambda), "lambda must be numeric")
  .Call(C_dunnett, 2L, .num1(c, "c"), as.double(lambda), .num1(df, "df"),
        .flag(two_sided, "two_sided"))
}

# ---- printing ----------------------------------------------------------------

.ab_ci_text <- function(lo, hi, digits) {
  paste0("[", format(lo, digits = digits), ", ", format(hi, digits = digits),
         "]")
}

print.causal_abtest <- function(x, digits = max(3L, getOption("digits") - 3L),
                                ...) {
  cat("A/B test (", x$method, ") of the ", x$metric,
      ": treatment - control\n", sep = "")
  cat("  control:   n = ", format(x$n_control), ", ", x$metric, " ",
      format(x$metric_control, digits = digits), "\n", sep = "")
  cat("  treatment: n = ", format(x$n_treatment), ", ", x$metric, " ",
      format(x$metric_treatment, digits = digits), "\n", sep = "")
  pct <- paste0(format(100 * x$conf_level), "%")
  cat("difference ", format(x$estimate, digits = digits), " (se ",
      format(x$std_error, digits = digits), "), ", pct, " CI ",
      .ab_ci_text(x$conf_low, x$conf_high, digits), "\n", sep = "")
  cat("relative lift ", format(x$relative_lift, digits = digits), ", ",
      pct, " CI ", .ab_ci_text(x$relative_lift_conf_low,
                               x$relative_lift_conf_high, digits),
      " (", x$relative_lift_ci, ")\n", sep = "")
  h0 <- switch(x$alternative, greater = "<=", less = ">=", "=")
  cat(if (!is.na(x$statistic))
        paste0("statistic ", format(x$statistic, digits = digits),
               if (is.finite(x$df))
                 paste0(" on ", format(x$df, digits = digits), " df"),
               ", "),
      "p-value ", format.pval(x$p_value, digits = digits),
      " (H0: difference ", h0, " ", format(x$margin, digits = digits), ")\n",
      sep = "")
  cat("effect size (", x$effect_size_type, ") ",
      format(x$effect_size, digits = digits), "\n", sep = "")
  if (!is.null(x$odds_ratio))
    cat("odds ratio ", format(x$odds_ratio, digits = digits), ", ", pct,
        " CI ", .ab_ci_text(x$odds_ratio_conf_low, x$odds_ratio_conf_high,
                            digits), "\n", sep = "")
  if (!is.null(x$theta)) {
    cat("CUPED: variance reduction ",
        format(x$variance_reduction, digits = digits),
        ", unadjusted difference ",
        format(x$estimate_unadjusted, digits = digits), " (se ",
        format(x$std_error_unadjusted, digits = digits), ")\n", sep = "")
    cat("  theta: ", paste(format(x$theta, digits = digits),
                           collapse = ", "), "\n", sep = "")
  }
  for (w in attr(x, "warnings")) cat("warning: ", w, "\n", sep = "")
  invisible(x)
}

print.causal_abtest_arms <- function(x,
                                     digits = max(3L, getOption("digits") - 3L),
                                     ...) {
  cat("A/B/n test (", x$method, ") of the ", x$metric,
      ", each arm against the control; adjustment: ", x$adjust, "\n",
      sep = "")
  tab <- data.frame(estimate = x$comparisons$estimate,
                    std_error = x$comparisons$std_error,
                    statistic = x$comparisons$statistic,
                    p_value = x$comparisons$p_value,
                    p_adjusted = x$p_value_adjusted,
                    conf_low = x$comparisons$conf_low,
                    conf_high = x$comparisons$conf_high,
                    relative_lift = x$relative_lift,
                    row.names = x$comparisons$term)
  print(tab, digits = digits)
  if (!is.null(x$srm_p_value))
    cat("SRM check: chi-square ", format(x$srm_statistic, digits = digits),
        ", p-value ", format.pval(x$srm_p_value, digits = digits), "\n",
        sep = "")
  for (w in attr(x, "warnings")) cat("warning: ", w, "\n", sep = "")
  invisible(x)
}

print.causal_abtest_bootstrap <- function(x,
                                          digits = max(3L,
                                                       getOption("digits") - 3L),
                                          ...) {
  what <- if (x$statistic_type == "quantile")
    paste0("quantile ", format(x$quantile)) else x$statistic_type
  cat("Bootstrap (", format(x$reps), " replicates, seed ", format(x$seed),
      ") of the difference in ", what, "\n", sep = "")
  cat("estimate ", format(x$estimate, digits = digits), " (se ",
      format(x$std_error, digits = digits), ", bias ",
      format(x$bias, digits = digits), "), ",
      format(100 * x$conf_level), "% CI ",
      .ab_ci_text(x$conf_low, x$conf_high, digits), "\n", sep = "")
  for (w in attr(x, "warnings")) cat("warning: ", w, "\n", sep = "")
  invisible(x)
}
