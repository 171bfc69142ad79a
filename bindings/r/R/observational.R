# Observational estimators (include/causal/propensity.h, balance.h,
# weighting.h, sensitivity.h; docs/methods/propensity.md, balance.md,
# weighting.md, sensitivity.md). The C glue is src/observational.c.

.obs_trim <- c(none = 0L, fixed = 1L, crump = 2L)
.obs_estimand <- c(ate = 1L, att = 2L, atc = 3L, ato = 4L, overlap = 4L)
.obs_method <- c(ipw = 1L, ht = 1L, hajek = 2L, aipw = 3L)
.obs_denom <- c(pooled = 1L, treated = 2L, control = 3L)
.obs_evalue <- c(rr = 1L, or_rare = 2L, or = 2L, or_common = 3L,
                 hr_rare = 4L, hr = 4L, hr_common = 5L, smd = 6L)

.obs_cols <- function(terms) unique(unlist(strsplit(terms, ":", fixed = TRUE)))

.obs_num <- function(x, what) {
  .check(is.numeric(x) && length(x) == 1L && !is.na(x),
         sprintf("%s must be a number", what))
  as.double(x)
}

.ps_spec <- function(treatment, covariates, scores, clip, trim, bins,
                     maxiter) {
  spec <- list(treatment = .one_col(treatment, "treatment"),
               terms = .colnames_arg(covariates, "covariates"),
               scores = .one_col(scores, "scores"))
  .check(!is.null(spec$treatment), "treatment is missing")
  ik <- integer(0); iv <- numeric(0); dk <- integer(0); dv <- numeric(0)
  if (!is.null(clip)) {
    .check(is.numeric(clip) && length(clip) == 2L, "clip must be c(low, high)")
    dk <- c(dk, 101L, 102L); dv <- c(dv, clip)
  }
  if (!is.null(trim)) {
    if (is.character(trim)) {
      ik <- c(ik, 1L); iv <- c(iv, .pick(trim, .obs_trim, "trim"))
    } else {
      .check(is.numeric(trim) && length(trim) == 2L,
             "trim must be \"crump\" or c(low, high)")
      ik <- c(ik, 1L); iv <- c(iv, 1)
      dk <- c(dk, 103L, 104L); dv <- c(dv, trim)
    }
  }
  if (!is.null(bins)) { ik <- c(ik, 2L); iv <- c(iv, .obs_num(bins, "bins")) }
  if (!is.null(maxiter)) {
    ik <- c(ik, 3L); iv <- c(iv, .obs_num(maxiter, "maxiter"))
  }
  spec$int_keys <- as.integer(ik); spec$int_values <- as.double(iv)
  spec$dbl_keys <- as.integer(dk); spec$dbl_values <- as.double(dv)
  spec
}

causal_propensity <- function(data, treatment, covariates = NULL,
                              scores = NULL, clip = NULL, trim = NULL,
                              bins = 20, maxiter = NULL) {
  spec <- .ps_spec(treatment, covariates, scores, clip, trim, bins, maxiter)
  ds <- .model_data(data, unique(c(spec$treatment, .obs_cols(spec$terms),
                                   spec$scores)), character(0))
  res <- .result_from_plain(.Call(C_propensity_fit, ds, spec))
  class(res) <- c("causal_propensity", class(res))
  res
}

causal_balance <- function(data, treatment, covariates, weights = NULL,
                           sd_denom = "pooled", threshold = 0.1) {
  spec <- list(treatment = .one_col(treatment, "treatment"),
               covariates = .colnames_arg(covariates, "covariates"),
               int_keys = 1L,
               int_values = as.double(.pick(sd_denom, .obs_denom, "sd_denom")),
               dbl_keys = 101L, dbl_values = .obs_num(threshold, "threshold"))
  .check(!is.null(spec$treatment), "treatment is missing")
  if (!is.null(weights)) {
    .check(is.numeric(weights), "weights must be numeric")
    weights <- as.double(weights)
  }
  ds <- .model_data(data, unique(c(spec$treatment, spec$covariates)),
                    character(0))
  res <- .result_from_plain(.Call(C_balance, ds, spec, weights))
  class(res) <- c("causal_balance", class(res))
  res
}

print.causal_balance <- function(x, digits = 4L, ...) {
  m <- x$balance
  show <- m[, !grepl("^flag", colnames(m)), drop = FALSE]
  cat(sprintf("Covariate balance (SD denominator: %s; |smd| > %g flagged *)\n",
              x$sd_denom, x$threshold))
  flag <- rowSums(m[, grepl("^flag", colnames(m)), drop = FALSE]) > 0
  out <- format(signif(show, digits))
  out <- cbind(out, flag = ifelse(flag, "*", ""))
  print(noquote(out))
  invisible(x)
}

causal_ipw <- function(data, outcome, treatment, covariates = NULL,
                       scores = NULL, estimand = "ate", method = "hajek",
                       clip = NULL, trim = NULL, cluster = NULL,
                       stabilize = FALSE, conf_level = 0.95,
                       outcome_covariates = NULL) {
  ps <- .ps_spec(treatment, covariates, scores, clip, trim, NULL, NULL)
  .check(is.logical(stabilize) && length(stabilize) == 1L && !is.na(stabilize),
         "stabilize must be TRUE or FALSE")
  spec <- list(outcome = .one_col(outcome, "outcome"),
               outcome_terms = .colnames_arg(outcome_covariates,
                                             "outcome_covariates"),
               cluster = .one_col(cluster, "cluster"),
               int_keys = c(1L, 2L, 3L),
               int_values = as.double(c(.pick(estimand, .obs_estimand,
                                              "estimand"),
                                        .pick(method, .obs_method, "method"),
                                        stabilize)),
               dbl_keys = 101L,
               dbl_values = .obs_num(conf_level, "conf_level"))
  .check(!is.null(spec$outcome), "outcome is missing")
  used <- unique(c(spec$outcome, ps$treatment, .obs_cols(ps$terms),
                   .obs_cols(spec$outcome_terms), ps$scores, spec$cluster))
  ds <- .model_data(data, used, character(0))
  res <- .result_from_plain(.Call(C_weighting_fit, ds, ps, spec))
  class(res) <- c("causal_weighting", class(res))
  res
}

causal_aipw <- function(data, outcome, treatment, covariates = NULL,
                        outcome_covariates = NULL, ...) {
  causal_ipw(data, outcome, treatment, covariates, method = "aipw",
             outcome_covariates = outcome_covariates, ...)
}

print.causal_weighting <- function(x, digits = 4L, ...) {
  cat(sprintf("%s by %s (n = %d: %d treated, %d control)\n", x$estimand,
              toupper(x$method), as.integer(x$nobs), as.integer(x$n_treated),
              as.integer(x$n_control)))
  cat(sprintf("estimate %s  std. error %s  z %s  p %s\n",
              format(signif(x$estimate, digits)),
              format(signif(x$std_error, digits)),
              format(signif(x$statistic, digits)),
              format.pval(x$p_value, digits = 3L)))
  cat(sprintf("confidence interval [%s, %s]\n",
              format(signif(x$conf_low, digits)),
              format(signif(x$conf_high, digits))))
  w <- attr(x, "warnings")
  if (length(w)) cat(paste0("warning: ", w, "\n"), sep = "")
  invisible(x)
}

causal_evalue <- function(estimate, lo = NA, hi = NA, se = NA, type = "rr") {
  code <- .pick(type, .obs_evalue, "type")
  num <- function(v, what) {
    .check(length(v) == 1L && (is.na(v) || is.numeric(v)),
           sprintf("%s must be a number or NA", what))
    as.double(v)
  }
  res <- .result_from_plain(.Call(C_evalue, code, num(estimate, "estimate"),
                                  num(lo, "lo"), num(hi, "hi"), num(se, "se")))
  res
}
