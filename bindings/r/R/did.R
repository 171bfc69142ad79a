# Difference-in-differences (include/causal/did.h; docs/methods/did.md):
# 2x2, two-way fixed effects and event studies, and the Breusch-Pagan test.
# The C glue (src/did.c) builds the causal_did specification and fits it.

.did_design <- c("2x2" = 1L, twfe = 2L, event_study = 3L,
                 "event-study" = 3L, es = 3L)
.did_endpoints <- c(bin = 1L, drop = 2L)
.did_ikey <- c(design = 1L, reference = 2L, leads = 3L, lags = 4L,
               endpoints = 5L, trends = 6L, vcov = 7L, ssc = 8L,
               placebo_shift = 9L, maxiter = 10L)
.did_dkey <- c(conf_level = 101L, tol = 102L)
.did_label <- c("2x2" = "2x2", twfe = "two-way fixed effects",
                event_study = "event study")

# The outcome and covariates from a formula (y ~ x1 + factor(g)) or an
# outcome name with terms.
.did_model <- function(formula, terms) {
  if (inherits(formula, "formula")) {
    .check(is.null(terms), "give either a formula or outcome and terms, not both")
    spec <- .parse_formula(formula, "ols")
    .check(!length(spec$absorb),
           paste("'|' in the formula: unit and time effects are absorbed",
                 "already; add other factors as terms, e.g. factor(region)"))
    .check(spec$intercept, "the model cannot drop the intercept")
    return(spec)
  }
  .check(is.character(formula) && length(formula) == 1L && !is.na(formula),
         "the model is a formula (y ~ covariates) or an outcome column name")
  .check(is.null(terms) || (is.character(terms) && !anyNA(terms)),
         "terms must be character")
  list(outcome = formula, terms = as.character(terms), intercept = TRUE,
       factors = character(0))
}

causal_did <- function(formula, data, unit = NULL, time = NULL,
                       treatment = NULL, cohort = NULL, group = NULL,
                       post = NULL, design = NULL, terms = NULL,
                       weights = NULL, cluster = NULL, vcov = NULL,
                       ssc = NULL, reference = NULL, leads = NULL,
                       lags = NULL, endpoints = NULL, trends = FALSE,
                       placebo_shift = NULL, placebo_outcome = NULL,
                       conf_level = NULL, maxiter = NULL, tol = NULL) {
  .did(formula, data, unit, time, treatment, cohort, group, post, design,
       terms, weights, cluster, vcov, ssc, reference, leads, lags, endpoints,
       trends, placebo_shift, placebo_outcome, conf_level, maxiter, tol,
       match.call())
}

causal_event_study <- function(formula, data, unit, time, cohort = NULL,
                               treatment = NULL, leads = NULL, lags = NULL,
                               reference = NULL, endpoints = NULL,
                               terms = NULL, weights = NULL, cluster = NULL,
                               vcov = NULL, ssc = NULL, trends = FALSE,
                               placebo_shift = NULL, placebo_outcome = NULL,
                               conf_level = NULL, maxiter = NULL,
                               tol = NULL) {
  .did(formula, data, unit, time, treatment, cohort, NULL, NULL,
       "event_study", terms, weights, cluster, vcov, ssc, reference, leads,
       lags, endpoints, trends, placebo_shift, placebo_outcome, conf_level,
       maxiter, tol, match.call())
}

.did <- function(formula, data, unit, time, treatment, cohort, group, post,
                 design, terms, weights, cluster, vcov, ssc, reference, leads,
                 lags, endpoints, trends, placebo_shift, placebo_outcome,
                 conf_level, maxiter, tol, call) {
  .check(!missing(data) && !is.null(data), "data is missing")
  spec <- .did_model(formula, terms)
  if (is.null(design)) {
    design <- if (!is.null(group) || !is.null(post)) "2x2" else "twfe"
  }
  spec$design <- .pick(design, .did_design, "design")
  for (role in c("unit", "time", "treatment", "cohort", "group", "post",
                 "weights", "placebo_outcome")) {
    spec[role] <- list(.one_col(get(role), role))
  }
  spec$cluster <- .colnames_arg(cluster, "cluster")
  ik <- integer(0)
  iv <- numeric(0)
  add <- function(key, value) {
    ik <<- c(ik, .did_ikey[[key]])
    iv <<- c(iv, value)
  }
  for (o in c("reference", "leads", "lags", "placebo_shift", "maxiter")) {
    v <- get(o)
    if (is.null(v)) next
    .check(is.numeric(v) && length(v) == 1L && !is.na(v) && v == floor(v),
           sprintf("%s must be a whole number", o))
    add(o, v)
  }
  if (!is.null(vcov)) add("vcov", .pick(vcov, .regress_vcov, "vcov"))
  if (!is.null(ssc)) add("ssc", .pick(ssc, .regress_ssc, "ssc"))
  if (!is.null(endpoints))
    add("endpoints", .pick(endpoints, .did_endpoints, "endpoints"))
  .check(is.logical(trends) && length(trends) == 1L && !is.na(trends),
         "trends must be TRUE or FALSE")
  if (trends) add("trends", 1)
  dk <- integer(0)
  dv <- numeric(0)
  for (o in c("conf_level", "tol")) {
    v <- get(o)
    if (is.null(v)) next
    .check(is.numeric(v) && length(v) == 1L, sprintf("%s must be a number", o))
    dk <- c(dk, .did_dkey[[o]])
    dv <- c(dv, v)
  }
  spec$int_keys <- as.integer(ik)
  spec$int_values <- as.double(iv)
  spec$dbl_keys <- as.integer(dk)
  spec$dbl_values <- as.double(dv)
  used <- unique(c(spec$outcome,
                   unlist(strsplit(spec$terms, ":", fixed = TRUE)),
                   spec$unit, spec$time, spec$treatment, spec$cohort,
                   spec$group, spec$post, spec$weights, spec$placebo_outcome,
                   spec$cluster))
  ds <- .model_data(data, used, spec$factors)
  res <- .result_from_plain(.Call(C_did_fit, ds, spec))
  class(res) <- c("causal_did", "causal_regression", class(res))
  attr(res, "call") <- call
  out <- if (is.null(spec$placebo_outcome)) spec$outcome
         else spec$placebo_outcome
  attr(res, "model") <- paste(c(out, if (length(spec$terms))
    paste(spec$terms, collapse = " + ")), collapse = " ~ ")
  attr(res, "weighted") <- !is.null(spec$weights)
  res
}

# A text dot-and-whisker plot of estimates (est, lo, hi) on a common scale,
# with "|" at zero.
.ci_plot <- function(est, lo, hi, width = 29L) {
  v <- c(est, lo, hi, 0)
  v <- v[is.finite(v)]
  a <- min(v)
  b <- max(v)
  if (a == b) {
    a <- a - 1
    b <- b + 1
  }
  pos <- function(x) as.integer(round((x - a) / (b - a) * (width - 1L))) + 1L
  vapply(seq_along(est), function(i) {
    cells <- rep(" ", width)
    cells[pos(0)] <- "|"
    if (is.finite(lo[i]) && is.finite(hi[i]))
      cells[pos(lo[i]):pos(hi[i])] <- "-"
    if (is.finite(est[i])) cells[pos(est[i])] <- "o"
    sub("\\s+$", "", paste(cells, collapse = ""))
  }, "")
}

print.causal_did <- function(x, digits = max(3L, getOption("digits") - 3L),
                             signif.stars = getOption("show.signif.stars"),
                             ...) {
  design <- x$design
  lab <- if (design %in% names(.did_label)) .did_label[[design]] else design
  cat("Difference-in-differences (", lab, "): ", attr(x, "model"), "\n",
      sep = "")
  cl <- attr(x, "call")
  if (!is.null(cl)) cat("Call: ", paste(deparse(cl), collapse = "\n"), "\n",
                        sep = "")
  panel <- c(if (!is.null(x$n_units)) paste(x$n_units, "units"),
             if (!is.null(x$n_periods)) paste(x$n_periods, "periods"))
  tr <- c(if (!is.null(x$n_treated_units))
            paste(x$n_treated_units, "treated"),
          if (!is.null(x$n_never_treated))
            paste(x$n_never_treated, "never treated"))
  obs <- paste(x$nobs, "observations")
  if (isTRUE(x$n_dropped > 0)) obs <- sprintf("%s (%d dropped)", obs,
                                              as.integer(x$n_dropped))
  parts <- c(paste(panel, collapse = ", "), paste(tr, collapse = ", "), obs)
  cat("\nPanel: ", paste(parts[nzchar(parts)], collapse = "; "), "\n",
      sep = "")
  stat <- if (is.finite(x$df)) "t" else "z"
  cat("Standard errors: ", x$vcov_type, sep = "")
  if (!is.null(x$n_clusters)) cat(", ", x$n_clusters, " clusters", sep = "")
  cat(if (is.finite(x$df)) sprintf("; t(%s) reference", format(x$df))
      else "; normal reference", sep = "")
  if (!is.null(x$n_trend_parameters)) {
    cat("; unit-specific linear trends (", x$n_trend_parameters,
        " parameters)", sep = "")
  }
  cat("\n\n")
  what <- switch(design, "2x2" = "Effect (group:post)",
                 twfe = "Effect (treated)",
                 event_study = "Average post-treatment effect (r >= 0)",
                 "Effect")
  head <- data.frame(term = what, estimate = x$estimate,
                     std_error = x$std_error, statistic = x$statistic,
                     p_value = x$p_value, stringsAsFactors = FALSE)
  stats::printCoefmat(.coef_matrix(head, stat), digits = digits,
                      signif.stars = signif.stars, P.values = TRUE,
                      has.Pvalue = TRUE, signif.legend = FALSE)
  cat(sprintf("%g%% confidence interval: [%s, %s]\n", .did_level(x),
              format(signif(x$conf_low, digits)),
              format(signif(x$conf_high, digits))))
  if (!is.null(x$cell_means)) {
    m <- matrix(x$cell_means, 2L, 2L, byrow = TRUE,
                dimnames = list(c("control", "treated"), c("pre", "post")))
    m <- cbind(m, "post - pre" = m[, 2L] - m[, 1L])
    cat("\nCell means:\n")
    print(signif(m, digits))
    cat("Difference of the differences: ",
        format(signif(x$estimate_means, digits)), "\n", sep = "")
  }
  if (!is.null(x$event)) .print_event(x, stat, digits)
  rest <- x$coef$term
  if (!is.null(x$event)) rest <- rest[!startsWith(rest, "rel[")]
  if (length(rest) && !identical(rest, "treated")) {
    cat("\nCoefficients:\n")
    tab <- x$coef[x$coef$term %in% rest, , drop = FALSE]
    stats::printCoefmat(.coef_matrix(tab, stat), digits = digits,
                        signif.stars = signif.stars, P.values = TRUE,
                        has.Pvalue = TRUE)
  }
  w <- attr(x, "warnings")
  if (length(w)) {
    cat("\nWarnings:\n")
    for (s in w) cat("  - ", s, "\n", sep = "")
  }
  invisible(x)
}

# The confidence level of a did fit, from its headline interval.
.did_level <- function(x) {
  q <- (x$conf_high - x$estimate) / x$std_error
  p <- if (is.finite(x$df)) stats::pt(q, x$df) else stats::pnorm(q)
  round(100 * (2 * p - 1), 6)
}

.print_event <- function(x, stat, digits) {
  ev <- x$event
  r <- as.integer(x$event_time)
  ref <- r == x$reference
  f <- function(v) ifelse(ref, "", format(signif(v, digits)))
  m <- cbind(Estimate = ifelse(ref, "0", format(signif(ev$estimate, digits))),
             "Std. Error" = ifelse(ref, "(reference)",
                                   format(signif(ev$std_error, digits))),
             ifelse(ref, "", sprintf("%.3f", ev$statistic)),
             ifelse(ref, "", format.pval(ev$p_value, digits = digits)),
             conf.low = f(ev$conf_low), conf.high = f(ev$conf_high))
  colnames(m)[3:4] <- c(paste(stat, "value"), sprintf("Pr(>|%s|)", stat))
  rownames(m) <- ifelse(r > 0, paste0("+", r), as.character(r))
  # the interval plot takes the rest of the line (padded: printed as is)
  used <- max(nchar(utils::capture.output(print(m, quote = FALSE,
                                                right = TRUE))))
  w <- max(11L, min(41L, getOption("width", 80L) - used - 2L))
  plot <- formatC(.ci_plot(ev$estimate, ev$conf_low, ev$conf_high, w),
                  width = -w)
  m <- cbind(m, plot)
  colnames(m)[ncol(m)] <- formatC("interval", width = -w)
  cat("\nEvent study (relative period r = time - cohort; reference r = ",
      x$reference, "):\n", sep = "")
  print(m, quote = FALSE, right = TRUE)
  if (!is.null(x$pretrend_f)) {
    test <- if (is.finite(x$pretrend_df2)) {
      sprintf("F(%d, %s) = %s", as.integer(x$pretrend_df1),
              format(x$pretrend_df2), format(signif(x$pretrend_f, digits)))
    } else {
      sprintf("chi-square(%d) = %s", as.integer(x$pretrend_df1),
              format(signif(x$pretrend_statistic, digits)))
    }
    cat("Pre-trend test (all leads = 0): ", test, ",  p-value: ",
        format.pval(x$pretrend_p_value, digits = digits), "\n", sep = "")
  }
}

# ---- Breusch-Pagan ---------------------------------------------------------
causal_bptest <- function(formula, data, terms = NULL, aux = NULL,
                          weights = NULL, studentize = TRUE,
                          reference = NULL) {
  .check(!missing(data) && !is.null(data), "data is missing")
  if (inherits(formula, "formula")) {
    .check(is.null(terms), "give either a formula or outcome and terms, not both")
    spec <- .parse_formula(formula, "ols")
  } else {
    spec <- .did_model(formula, terms)
    spec$absorb <- character(0)
  }
  if (inherits(aux, "formula")) aux <- .rhs(aux[[length(aux)]],
                                             environment(aux))$terms
  .check(is.null(aux) || (is.character(aux) && !anyNA(aux)),
         "aux must be terms (character) or a one-sided formula ~ a + b")
  .check(is.logical(studentize) && length(studentize) == 1L &&
           !is.na(studentize), "studentize must be TRUE or FALSE")
  spec$weights <- .one_col(weights, "weights")
  reference <- unlist(reference)
  spec$ref_cols <- as.character(names(reference))
  spec$ref_levels <- as.character(reference)
  aux <- as.character(aux)
  used <- unique(c(spec$outcome,
                   unlist(strsplit(c(spec$terms, aux), ":", fixed = TRUE)),
                   spec$weights, spec$absorb, spec$ref_cols))
  ds <- .model_data(data, used, spec$factors)
  res <- .result_from_plain(.Call(C_regress_bptest, ds, spec, aux,
                                  studentize))
  class(res) <- c("causal_bptest", class(res))
  res
}

print.causal_bptest <- function(x, digits = max(3L, getOption("digits") - 3L),
                                ...) {
  cat(x$method, "\n\nBP = ", format(signif(x$statistic, digits)), ", df = ",
      x$df, ", p-value = ", format.pval(x$p_value, digits = digits),
      "  (n = ", x$nobs, ")\n", sep = "")
  invisible(x)
}
