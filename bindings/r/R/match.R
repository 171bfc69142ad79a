# Matching (include/causal/match.h; docs/methods/matching.md): greedy
# nearest-neighbour matching as MatchIt's method = "nearest", the effect
# after matching with the cluster-robust SE, and the Abadie-Imbens matching
# estimator of Matching::Match with its analytic SE (and the 2016
# adjustment for an estimated propensity score). C glue: src/match.c.

.match_estimand <- c(att = 1L, atc = 2L, ate = 3L)
.match_order <- c(default = 0L, largest = 1L, smallest = 2L, random = 3L,
                  data = 4L)
.match_distance <- c(ps = 1L, glm = 1L, linear = 2L, linear.logit = 2L,
                     mahalanobis = 3L)
.match_ikey <- c(estimand = 1L, ratio = 2L, replace = 3L, order = 4L,
                 distance = 5L, seed = 6L, std_caliper = 7L, M = 8L,
                 bias_adjust = 9L, weight = 10L, on_score = 11L,
                 ps_adjust = 12L, var_matches = 13L, compat = 14L)
.match_dkey <- c(caliper = 101L, conf_level = 102L)

.match_flag <- function(x, what) {
  .check(is.logical(x) && length(x) == 1L && !is.na(x),
         sprintf("%s must be TRUE or FALSE", what))
  as.numeric(x)
}
.match_whole <- function(x, what) {
  .check(is.numeric(x) && length(x) == 1L && !is.na(x) && x == floor(x),
         sprintf("%s must be a whole number", what))
  as.numeric(x)
}

.match_call <- function(data, spec, ints, dbls, mode, call) {
  .check(!missing(data) && !is.null(data), "data is missing")
  spec$int_keys <- unname(.match_ikey[names(ints)])
  spec$int_values <- as.double(unlist(ints))
  spec$dbl_keys <- unname(.match_dkey[names(dbls)])
  spec$dbl_values <- as.double(unlist(dbls))
  if (!length(dbls)) {
    spec$dbl_keys <- integer(0)
    spec$dbl_values <- double(0)
  }
  terms <- spec$covariates
  used <- unique(c(spec$treatment, spec$outcome, spec$score,
                   unlist(strsplit(terms, ":", fixed = TRUE)),
                   spec$mahalanobis, spec$exact))
  chars <- if (is.data.frame(data) || is.list(data))
    used[vapply(used, function(u) is.character(data[[u]]), TRUE)]
  else character(0)
  ds <- .model_data(data, used, chars)
  res <- .result_from_plain(.Call(C_match_run, ds, spec, as.integer(mode)))
  class(res) <- c("causal_match", class(res))
  attr(res, "call") <- call
  res
}

.match_spec <- function(data, treatment, covariates, outcome, score,
                        distance, ratio, replace, caliper, std_caliper,
                        order, estimand, exact, mahalanobis, seed, compat,
                        conf_level) {
  spec <- list(treatment = .one_col(treatment, "treatment"),
               outcome = .one_col(outcome, "outcome"),
               score = .one_col(score, "score"),
               covariates = .colnames_arg(covariates, "covariates"),
               mahalanobis = .colnames_arg(mahalanobis, "mahalanobis"),
               exact = .colnames_arg(exact, "exact"))
  ints <- list(distance = .pick(distance, .match_distance, "distance"),
               ratio = .match_whole(ratio, "ratio"),
               replace = .match_flag(replace, "replace"),
               order = .pick(order, .match_order, "order"),
               estimand = .pick(estimand, .match_estimand, "estimand"),
               seed = .match_whole(seed, "seed"),
               std_caliper = .match_flag(std_caliper, "std_caliper"),
               compat = .match_flag(compat, "compat"))
  dbls <- list(conf_level = conf_level)
  if (!is.null(caliper)) {
    .check(is.numeric(caliper) && length(caliper) == 1L,
           "caliper must be a number")
    dbls$caliper <- caliper
  }
  list(spec = spec, ints = ints, dbls = dbls)
}

causal_match <- function(data, treatment, covariates = NULL, outcome = NULL,
                         score = NULL, distance = "ps", ratio = 1,
                         replace = FALSE, caliper = NULL, std_caliper = TRUE,
                         order = "default", estimand = "ATT", exact = NULL,
                         mahalanobis = NULL, seed = 1, compat = FALSE,
                         conf_level = 0.95) {
  s <- .match_spec(data, treatment, covariates, outcome, score, distance,
                   ratio, replace, caliper, std_caliper, order, estimand,
                   exact, mahalanobis, seed, compat, conf_level)
  .match_call(data, s$spec, s$ints, s$dbls,
              if (is.null(s$spec$outcome)) 0L else 1L, match.call())
}

causal_match_effect <- function(data, outcome, treatment, covariates = NULL,
                                ...) {
  .check(!missing(outcome) && !is.null(outcome), "outcome is missing")
  causal_match(data, treatment, covariates, outcome = outcome, ...)
}

causal_match_ai <- function(data, outcome, treatment, X = NULL,
                            covariates = NULL, score = NULL,
                            on_score = FALSE, M = 1, estimand = "ATT",
                            bias_adjust = FALSE, weight = 1,
                            var_matches = 0, ps_adjust = FALSE,
                            conf_level = 0.95) {
  spec <- list(treatment = .one_col(treatment, "treatment"),
               outcome = .one_col(outcome, "outcome"),
               score = .one_col(score, "score"),
               covariates = .colnames_arg(covariates, "covariates"),
               mahalanobis = .colnames_arg(X, "X"),
               exact = character(0))
  ints <- list(estimand = .pick(estimand, .match_estimand, "estimand"),
               M = .match_whole(M, "M"),
               bias_adjust = .match_flag(bias_adjust, "bias_adjust"),
               weight = .match_whole(weight, "weight"),
               on_score = .match_flag(on_score, "on_score"),
               ps_adjust = .match_flag(ps_adjust, "ps_adjust"),
               var_matches = .match_whole(var_matches, "var_matches"))
  .match_call(data, spec, ints, list(conf_level = conf_level), 2L,
              match.call())
}

print.causal_match <- function(x, digits = max(3L, getOption("digits") - 3L),
                               ...) {
  if (!is.null(x$ratio)) {
    cat(sprintf("Nearest-neighbour matching (%s, %d:1%s)\n", x$estimand,
                as.integer(x$ratio),
                if (isTRUE(x$replace == 1)) ", with replacement" else ""))
    cat(sprintf("  treated: %d matched, %d unmatched\n",
                as.integer(x$n_matched_treated),
                as.integer(x$n_unmatched_treated)))
    cat(sprintf("  control: %d matched, %d unmatched\n",
                as.integer(x$n_matched_control),
                as.integer(x$n_unmatched_control)))
  }
  if (!is.null(x$estimate)) {
    if (is.null(x$ratio))
      cat(sprintf("Abadie-Imbens matching estimator (%s, M = %d)\n",
                  x$estimand, as.integer(x$M)))
    cat(sprintf("  estimate %s  std. error %s (%s)\n",
                format(signif(x$estimate, digits)),
                format(signif(x$std_error, digits)), x$vcov_type))
    cat(sprintf("  95%% CI [%s, %s]  p = %s\n",
                format(signif(x$conf_low, digits)),
                format(signif(x$conf_high, digits)),
                format(signif(x$p_value, digits))))
  }
  invisible(x)
}
