# Regression (include/causal/regress.h): OLS/WLS, logistic regression and
# instrumental variables by column names or formulas, and Wald tests.
# Formulas are parsed here (stats::terms) into the library's terms; the C
# glue (src/regress.c) builds the specification and fits it.

.regress_family <- c(ols = 1L, logit = 2L, iv = 3L)
.regress_vcov <- c(classical = 1L, iid = 1L, hc0 = 2L, hc1 = 3L, hc2 = 4L,
                   hc3 = 5L, cr0 = 6L, cr1 = 7L, cr2 = 8L)
.regress_ssc <- c(r = 1L, stata = 2L, statsmodels = 3L, fixest = 4L)
.regress_rank <- c(drop = 1L, error = 2L)
.regress_method <- c("2sls" = 1L, tsls = 1L, liml = 2L, fuller = 3L)

.pick <- function(value, table, what) {
  .check(is.character(value) && length(value) == 1L && !is.na(value),
         sprintf("%s must be a single string (one of %s)", what,
                 paste(names(table), collapse = ", ")))
  code <- table[tolower(value)]
  .check(!is.na(code), sprintf("%s '%s' is not one of: %s", what, value,
                               paste(names(table), collapse = ", ")))
  unname(code)
}

# Column names from NULL, a character vector or a one-sided formula.
.colnames_arg <- function(x, what) {
  if (is.null(x)) return(character(0))
  if (inherits(x, "formula")) {
    .check(length(x) == 2L, sprintf("%s: use a one-sided formula, e.g. ~ a + b",
                                     what))
    return(all.vars(x))
  }
  .check(is.character(x) && !anyNA(x) && all(nzchar(x)),
         sprintf("%s must be column names (character) or a one-sided formula",
                 what))
  x
}

.one_col <- function(x, what) {
  x <- .colnames_arg(x, what)
  .check(length(x) <= 1L, sprintf("%s must be one column", what))
  if (length(x)) x else NULL
}

# A term label of stats::terms ("x", "x:g", "factor(g)") -> the library's
# term ("x", "x:g", "g") plus the columns to make factors.
.term_of <- function(label) {
  parts <- strsplit(label, ":", fixed = TRUE)[[1L]]
  fac <- character(0)
  out <- vapply(parts, function(p) {
    p <- trimws(p)
    m <- regmatches(p, regexec("^(as\\.)?factor\\((.+)\\)$", p))[[1L]]
    if (length(m)) {
      p <- trimws(m[3L])
      fac <<- c(fac, gsub("^`|`$", "", p))
    }
    p <- gsub("^`|`$", "", p)
    .check(!grepl("[()^*/+|~]", p),
           sprintf(paste("formula term '%s' is not a column name: compute",
                         "transformations (log, I(), poly) as columns first"),
                   label))
    p
  }, "")
  list(term = paste(out, collapse = ":"), factors = fac)
}

# Right-hand side expression -> list(terms, intercept, factors).
.rhs <- function(expr, env) {
  tt <- stats::terms(stats::as.formula(call("~", expr), env = env))
  labs <- attr(tt, "term.labels")
  parsed <- lapply(labs, .term_of)
  list(terms = vapply(parsed, `[[`, "", "term"),
       intercept = attr(tt, "intercept") == 1L,
       factors = unique(unlist(lapply(parsed, `[[`, "factors"))))
}

# Split a formula's right-hand side at top-level `|`.
.bar_parts <- function(expr) {
  if (is.call(expr) && identical(expr[[1L]], as.name("|")))
    return(c(.bar_parts(expr[[2L]]), list(expr[[3L]])))
  list(expr)
}

# Formula -> model specification. family "iv": y ~ exog + endog |
# exog + instruments (AER/estimatr style); otherwise y ~ terms | absorb.
.parse_formula <- function(formula, family) {
  .check(length(formula) == 3L, "the formula needs an outcome: y ~ x1 + x2")
  lhs <- formula[[2L]]
  .check(is.name(lhs), sprintf(paste("the outcome '%s' must be a column name",
                                     "(compute transformations first)"),
                               deparse(lhs)))
  env <- environment(formula)
  parts <- .bar_parts(formula[[3L]])
  .check(length(parts) <= 2L,
         "use at most one '|' (absorbed factors, or instruments for causal_iv)")
  main <- .rhs(parts[[1L]], env)
  spec <- list(outcome = as.character(lhs), terms = main$terms,
               intercept = main$intercept, factors = main$factors,
               absorb = character(0), endog = character(0),
               instruments = character(0))
  if (length(parts) == 2L) {
    second <- .rhs(parts[[2L]], env)
    if (family == "iv") {
      spec$endog <- setdiff(main$terms, second$terms)
      spec$instruments <- setdiff(second$terms, main$terms)
      spec$terms <- intersect(main$terms, second$terms)
      spec$factors <- unique(c(spec$factors, second$factors))
    } else {
      spec$absorb <- second$terms
    }
  }
  spec
}

# Columns the model uses, converted for the library (only those).
.model_data <- function(data, used, factors) {
  if (inherits(data, "causal_dataset")) {
    if (!length(factors)) return(data)
    data <- as.data.frame(data, stringsAsFactors = FALSE)
  }
  .check(is.data.frame(data) || is.list(data),
         "data must be a data.frame, a list of columns or a causal_dataset")
  data <- data[intersect(used, names(data))]
  for (f in intersect(factors, names(data))) {
    if (!is.factor(data[[f]])) data[[f]] <- factor(data[[f]])
  }
  as_causal_dataset(data, copy = FALSE)
}

# The model as the list the C glue reads (src/glue.c, crr_regress_spec),
# plus `used`, the columns it uses, and `factors`, those to make factors.
# Shared by .regress and causal_regress_acc (stream.R); NULL arguments
# leave their option unset.
.regress_spec <- function(family, formula, terms, weights, offset, cluster,
                          absorb, endog, instruments, vcov, ssc, intercept,
                          reference, conf_level, rank, rank_tol, maxiter, tol,
                          keep_fitted, l2, method, fuller_alpha) {
  if (inherits(formula, "formula")) {
    .check(is.null(terms) && is.null(endog) && is.null(instruments),
           "give either a formula or outcome and terms, not both")
    spec <- .parse_formula(formula, family)
  } else {
    .check(is.character(formula) && length(formula) == 1L && !is.na(formula),
           "the model is a formula (y ~ x1 + x2) or an outcome column name")
    .check(is.null(terms) || (is.character(terms) && !anyNA(terms)),
           "terms must be character")
    spec <- list(outcome = formula, terms = as.character(terms),
                 intercept = TRUE, factors = character(0),
                 absorb = character(0),
                 endog = .colnames_arg(endog, "endog"),
                 instruments = .colnames_arg(instruments, "instruments"))
  }
  .check(is.logical(intercept) && length(intercept) == 1L && !is.na(intercept),
         "intercept must be TRUE or FALSE")
  if (!intercept) spec$intercept <- FALSE
  spec$absorb <- c(spec$absorb, .colnames_arg(absorb, "absorb"))
  spec$cluster <- .colnames_arg(cluster, "cluster")
  spec$weights <- .one_col(weights, "weights")
  spec$offset <- .one_col(offset, "offset")
  reference <- unlist(reference)
  .check(length(reference) == 0L ||
           ((is.character(reference) || is.numeric(reference)) &&
              !is.null(names(reference))),
         "reference must be a named list or vector of levels, e.g. list(region = \"north\")")
  spec$ref_cols <- as.character(names(reference))
  spec$ref_levels <- as.character(reference)
  ik <- c(2L, 3L)
  iv <- c(.pick(ssc, .regress_ssc, "ssc"), .pick(rank, .regress_rank, "rank"))
  if (!is.null(vcov)) {
    ik <- c(ik, 1L)
    iv <- c(iv, .pick(vcov, .regress_vcov, "vcov"))
  }
  if (!is.null(maxiter)) {
    .check(.is_count(maxiter), "maxiter must be a whole number >= 0")
    ik <- c(ik, 4L)
    iv <- c(iv, maxiter)
  }
  .check(is.logical(keep_fitted) && length(keep_fitted) == 1L &&
           !is.na(keep_fitted), "keep_fitted must be TRUE or FALSE")
  if (keep_fitted) {
    ik <- c(ik, 5L)
    iv <- c(iv, 1)
  }
  if (!is.null(method)) {
    ik <- c(ik, 6L)
    iv <- c(iv, .pick(method, .regress_method, "method"))
  }
  dk <- 101L
  dv <- conf_level
  for (o in list(list(102L, tol, "tol"), list(103L, rank_tol, "rank_tol"),
                 list(104L, l2, "l2"), list(105L, fuller_alpha,
                                            "fuller_alpha"))) {
    if (is.null(o[[2L]])) next
    dk <- c(dk, o[[1L]])
    dv <- c(dv, o[[2L]])
  }
  for (v in dv) .check(is.numeric(v) && length(v) == 1L,
                       "numeric options must be single numbers")
  spec$int_keys <- as.integer(ik)
  spec$int_values <- as.double(iv)
  spec$dbl_keys <- as.integer(dk)
  spec$dbl_values <- as.double(dv)
  spec$used <- unique(c(spec$outcome,
                        unlist(strsplit(c(spec$terms, spec$endog,
                                          spec$instruments), ":",
                                        fixed = TRUE)),
                        spec$weights, spec$offset, spec$cluster, spec$absorb,
                        spec$ref_cols))
  spec
}

.regress <- function(family, formula, data, terms, weights, offset, cluster,
                     absorb, endog, instruments, vcov, ssc, intercept,
                     reference, conf_level, rank, rank_tol, maxiter, tol,
                     keep_fitted, l2, method, fuller_alpha, call) {
  # causal_ols(data, formula) and causal_ols(data, "y", terms) as well as
  # causal_ols(formula, data).
  if (!inherits(formula, "formula") &&
      (is.data.frame(formula) || inherits(formula, "causal_dataset") ||
       (is.list(formula) && !is.null(names(formula))))) {
    tmp <- formula
    formula <- data
    data <- tmp
    tmp <- call$formula
    call$formula <- call$data
    call$data <- tmp
  }
  .check(!missing(data) && !is.null(data), "data is missing")
  spec <- .regress_spec(family, formula, terms, weights, offset, cluster,
                        absorb, endog, instruments, vcov, ssc, intercept,
                        reference, conf_level, rank, rank_tol, maxiter, tol,
                        keep_fitted, l2, method, fuller_alpha)
  ds <- .model_data(data, spec$used, spec$factors)
  plain <- .Call(C_regress_fit, ds, .regress_family[[family]], spec)
  res <- .result_from_plain(plain)
  class(res) <- c("causal_regression", class(res))
  attr(res, "call") <- call
  attr(res, "model") <- .model_text(spec, family)
  attr(res, "weighted") <- !is.null(spec$weights)
  res
}

.model_text <- function(spec, family) {
  rhs <- spec$terms
  if (length(spec$endog)) {
    rhs <- c(rhs, spec$endog)
  }
  if (!spec$intercept) rhs <- c(rhs, "0")
  s <- paste(spec$outcome, "~", if (length(rhs)) paste(rhs, collapse = " + ")
             else "1")
  if (length(spec$instruments)) {
    s <- paste(s, "|", paste(c(spec$terms, spec$instruments),
                             collapse = " + "))
  }
  if (length(spec$absorb)) {
    s <- paste(s, "|", paste(spec$absorb, collapse = " + "))
  }
  s
}

causal_ols <- function(formula, data, terms = NULL, weights = NULL,
                       cluster = NULL, absorb = NULL, vcov = NULL, ssc = "R",
                       intercept = TRUE, reference = NULL, conf_level = 0.95,
                       rank = "drop", rank_tol = NULL, maxiter = NULL,
                       tol = NULL, keep_fitted = FALSE) {
  .regress("ols", formula, data, terms, weights, NULL, cluster, absorb, NULL,
           NULL, vcov, ssc, intercept, reference, conf_level, rank, rank_tol,
           maxiter, tol, keep_fitted, NULL, NULL, NULL, match.call())
}

causal_logit <- function(formula, data, terms = NULL, weights = NULL,
                         offset = NULL, cluster = NULL, vcov = NULL,
                         ssc = "R", intercept = TRUE, reference = NULL,
                         l2 = NULL, conf_level = 0.95, rank = "drop",
                         rank_tol = NULL, maxiter = NULL, tol = NULL,
                         keep_fitted = FALSE) {
  .regress("logit", formula, data, terms, weights, offset, cluster, NULL,
           NULL, NULL, vcov, ssc, intercept, reference, conf_level, rank,
           rank_tol, maxiter, tol, keep_fitted, l2, NULL, NULL, match.call())
}

causal_iv <- function(formula, data, terms = NULL, endog = NULL,
                      instruments = NULL, method = "2sls",
                      fuller_alpha = NULL, weights = NULL, cluster = NULL,
                      vcov = NULL, ssc = "R", intercept = TRUE,
                      reference = NULL, conf_level = 0.95, rank = "drop",
                      rank_tol = NULL, keep_fitted = FALSE) {
  .regress("iv", formula, data, terms, weights, NULL, cluster, NULL, endog,
           instruments, vcov, ssc, intercept, reference, conf_level, rank,
           rank_tol, NULL, NULL, keep_fitted, NULL, method, fuller_alpha,
           match.call())
}

# ---- methods ---------------------------------------------------------------
coef.causal_regression <- function(object, ...) {
  stats::setNames(object$coef$estimate, object$coef$term)
}

vcov.causal_regression <- function(object, ...) object$vcov

confint.causal_regression <- function(object, parm, level = NULL, ...) {
  .check(is.null(level),
         "the interval's level is fixed at fit time: refit with conf_level")
  ci <- cbind(object$coef$conf_low, object$coef$conf_high)
  dimnames(ci) <- list(object$coef$term, c("conf.low", "conf.high"))
  if (!missing(parm)) ci <- ci[parm, , drop = FALSE]
  ci
}

nobs.causal_regression <- function(object, ...) object$nobs

.title <- function(x) {
  kind <- attr(x, "kind")
  switch(kind,
    ols = if (isTRUE(attr(x, "weighted"))) "Linear regression (WLS)"
          else "Linear regression (OLS)",
    logit = "Logistic regression",
    iv = sprintf("Instrumental variables (%s)", x$iv_method),
    sprintf("Regression (%s)", kind))
}

.fmt <- function(v, digits) format(signif(v, digits))
.fmt_p <- function(p) format.pval(p, digits = 4L)

print.causal_regression <- function(x, digits = max(3L, getOption("digits") - 3L),
                                    signif.stars = getOption("show.signif.stars"),
                                    ...) {
  kind <- attr(x, "kind")
  cat(.title(x), ": ", attr(x, "model"), "\n", sep = "")
  cl <- attr(x, "call")
  if (!is.null(cl)) cat("Call: ", paste(deparse(cl), collapse = "\n"), "\n",
                        sep = "")
  cat("\nStandard errors: ", x$vcov_type, sep = "")
  if (!is.null(x$n_clusters)) {
    cat(", ", x$n_clusters, if (!is.null(x$n_clusters2))
      paste0(" x ", x$n_clusters2), " clusters", sep = "")
  }
  cat(if (is.finite(x$df)) sprintf("; t(%s) reference", format(x$df))
      else "; normal reference", "\n", sep = "")
  cat("\nCoefficients:\n")
  stats::printCoefmat(.coef_matrix(x$coef, x$statistic), digits = digits,
                      signif.stars = signif.stars, na.print = "NA",
                      P.values = TRUE, has.Pvalue = TRUE)
  cat("\n")
  nd <- x$n_dropped
  cat("Observations: ", x$nobs, if (!is.null(nd) && nd > 0)
    sprintf(" (%d dropped for missing values or zero weights)", nd), "\n",
    sep = "")
  if (kind %in% c("ols", "iv")) {
    cat("Residual standard error: ", .fmt(x$sigma, digits), " on ",
        x$df_residual, " degrees of freedom\n", sep = "")
    cat("Multiple R-squared: ", .fmt(x$r_squared, digits),
        ",\tAdjusted R-squared: ", .fmt(x$adj_r_squared, digits), sep = "")
    if (!is.null(x$within_r_squared)) {
      cat(",\tWithin R-squared: ", .fmt(x$within_r_squared, digits), sep = "")
    }
    cat("\n")
    if (!is.null(x$f_statistic)) {
      cat("Wald F-statistic (", x$vcov_type, "): ",
          .fmt(x$f_statistic, digits), " on ", x$f_df1, " and ",
          format(x$f_df2), " DF,  p-value: ", .fmt_p(x$f_p_value), "\n",
          sep = "")
    }
    if (!is.null(x$dof_fe)) {
      cat("Absorbed fixed effects: ", x$dof_fe, " parameters, ",
          x$n_singletons, " singletons removed\n", sep = "")
    }
  }
  if (kind == "logit") {
    cat("Null deviance: ", .fmt(x$null_deviance, digits),
        ";  residual deviance: ", .fmt(x$deviance, digits), ";  AIC: ",
        .fmt(x$aic, digits), "\n", sep = "")
    cat("Log-likelihood: ", .fmt(x$loglik, digits), ";  iterations: ",
        x$iterations, "\n", sep = "")
  }
  if (kind == "iv") .print_iv_diagnostics(x, digits)
  w <- attr(x, "warnings")
  if (length(w)) {
    cat("\nWarnings:\n")
    for (s in w) cat("  - ", s, "\n", sep = "")
  }
  invisible(x)
}

.print_iv_diagnostics <- function(x, digits) {
  cat("\nDiagnostic tests:\n")
  fs <- x$first_stage
  rows <- list()
  if (is.matrix(fs)) {
    for (i in seq_len(nrow(fs))) {
      rows[[length(rows) + 1L]] <- c(
        sprintf("Weak instruments (%s)", rownames(fs)[i]), fs[i, "df1"],
        fs[i, "df2"], fs[i, "f_statistic"], fs[i, "p_value"])
    }
  }
  rows[[length(rows) + 1L]] <- c("Wu-Hausman", x$wu_hausman_df1,
                                 x$wu_hausman_df2, x$wu_hausman_f,
                                 x$wu_hausman_p_value)
  if (isTRUE(x$sargan_df > 0)) {
    rows[[length(rows) + 1L]] <- c("Sargan", x$sargan_df, NA, x$sargan,
                                   x$sargan_p_value)
    rows[[length(rows) + 1L]] <- c("Hansen J", x$hansen_j_df, NA, x$hansen_j,
                                   x$hansen_j_p_value)
  }
  rows[[length(rows) + 1L]] <- c("Anderson-Rubin", x$ar_df1, x$ar_df2,
                                 x$ar_f, x$ar_f_p_value)
  m <- do.call(rbind, lapply(rows, function(r) as.numeric(r[-1L])))
  dimnames(m) <- list(vapply(rows, `[`, "", 1L),
                      c("df1", "df2", "statistic", "p-value"))
  stats::printCoefmat(m, digits = digits, has.Pvalue = TRUE,
                      P.values = TRUE, signif.stars = FALSE, na.print = "",
                      cs.ind = integer(0), zap.ind = 1:2, tst.ind = 3L)
  cat("Cragg-Donald F: ", .fmt(x$cragg_donald_f, digits),
      ";  Kleibergen-Paap rk Wald F: ", .fmt(x$kp_rk_wald_f, digits), "\n",
      sep = "")
  if (!is.null(x$ar_ci_type) && x$ar_ci_type != "unavailable") {
    cat("Anderson-Rubin confidence set (", x$ar_ci_type, "): [",
        .fmt(x$ar_ci_low, digits), ", ", .fmt(x$ar_ci_high, digits), "]\n",
        sep = "")
  }
}

# ---- Wald tests ------------------------------------------------------------
.wald_matrix <- function(fit, R) {
  terms <- fit$coef$term
  k <- length(terms)
  rows_for <- function(w) {
    bad <- setdiff(names(w), terms)
    .check(!length(bad), sprintf("wald: no coefficient '%s' (kept terms: %s)",
                                 bad[1L], paste(terms, collapse = ", ")),
           -10L)
    row <- numeric(k)
    row[match(names(w), terms)] <- as.double(w)
    row
  }
  if (is.character(R)) {
    return(do.call(rbind, lapply(R, function(t) rows_for(stats::setNames(1, t)))))
  }
  if (is.list(R) && !is.data.frame(R)) {
    return(do.call(rbind, lapply(R, rows_for)))
  }
  .check(is.numeric(R), paste("R must be a numeric matrix, term names, a",
                              "named numeric vector or a list of them"))
  if (is.matrix(R)) return(R)
  if (!is.null(names(R))) return(matrix(rows_for(R), nrow = 1L))
  matrix(R, nrow = 1L)
}

causal_wald <- function(fit, R, rhs = NULL) {
  .check(inherits(fit, "causal_result") && !is.null(fit$coef) &&
           !is.null(fit$vcov) && !is.null(fit$df),
         "fit must be a causal_regression result")
  M <- .wald_matrix(fit, R)
  storage.mode(M) <- "double"
  if (!is.null(rhs)) {
    .check(is.numeric(rhs) && !anyNA(rhs), "rhs must be numbers")
    if (length(rhs) == 1L && nrow(M) > 1L) rhs <- rep(rhs, nrow(M))
    rhs <- as.double(rhs)
  }
  tab <- as.double(unlist(fit$coef[.table_cols]))
  plain <- .Call(C_regress_wald, as.character(fit$coef$term), tab,
                 as.double(fit$vcov), as.double(fit$df), M, rhs)
  res <- .result_from_plain(plain)
  class(res) <- c("causal_wald", class(res))
  res
}

print.causal_wald <- function(x, digits = max(3L, getOption("digits") - 3L),
                              ...) {
  if (is.finite(x$df2)) {
    cat("Wald test: F(", x$df1, ", ", format(x$df2), ") = ",
        format(signif(x$f_statistic, digits)), ",  p-value: ",
        format.pval(x$p_value, digits = digits), "  (chi-square form ",
        format(signif(x$statistic, digits)), ")\n", sep = "")
  } else {
    cat("Wald test: chi-square(", x$df1, ") = ",
        format(signif(x$statistic, digits)), ",  p-value: ",
        format.pval(x$p_value, digits = digits), "\n", sep = "")
  }
  invisible(x)
}
