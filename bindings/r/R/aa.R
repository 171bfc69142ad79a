# AA grouping of a fixed set of units (include/causal/aa.h,
# docs/methods/aa.md): balanced splits by rerandomization or a swap
# optimizer, balance reports, randomization inference under the same design
# and a minimum-detectable-effect advisor. The C glue is src/aa.c.

.aa_methods <- c(rerandomize = 1L, optimize = 2L, complete = 3L)
.aa_objectives <- c(max_smd = 1L, mahalanobis = 2L)

.aa_spec <- function(metrics, k, id, strata, sizes, method, p_accept,
                     threshold, max_draws, seed, restarts, objective) {
  metrics <- .colnames_arg(metrics, "metrics")
  .check(length(metrics) >= 1L, "metrics: give at least one column")
  .check(.is_count(k) && k >= 2, "k must be a whole number >= 2")
  spec <- list(k = as.double(k), metrics = metrics, id = .one_col(id, "id"),
               strata = .one_col(strata, "strata"))
  if (!is.null(sizes)) {
    .check(is.numeric(sizes) && !anyNA(sizes) && all(sizes == floor(sizes)),
           "sizes must be whole numbers")
    spec$sizes <- as.double(sizes)
  }
  ik <- 1L
  iv <- .pick(method, .aa_methods, "method")
  .check(.is_count(seed), "seed must be a whole number >= 0")
  ik <- c(ik, 3L)
  iv <- c(iv, seed)
  for (o in list(list(2L, max_draws, "max_draws"),
                 list(4L, restarts, "restarts"))) {
    if (is.null(o[[2L]])) next
    .check(.is_count(o[[2L]]), paste(o[[3L]], "must be a whole number"))
    ik <- c(ik, o[[1L]])
    iv <- c(iv, o[[2L]])
  }
  if (!is.null(objective)) {
    ik <- c(ik, 5L)
    iv <- c(iv, .pick(objective, .aa_objectives, "objective"))
  }
  dk <- integer(0)
  dv <- double(0)
  for (o in list(list(101L, p_accept, "p_accept"),
                 list(102L, threshold, "threshold"))) {
    if (is.null(o[[2L]])) next
    .check(is.numeric(o[[2L]]) && length(o[[2L]]) == 1L,
           paste(o[[3L]], "must be a single number"))
    dk <- c(dk, o[[1L]])
    dv <- c(dv, o[[2L]])
  }
  spec$int_keys <- as.integer(ik)
  spec$int_values <- as.double(iv)
  spec$dbl_keys <- as.integer(dk)
  spec$dbl_values <- as.double(dv)
  spec
}

.aa_data <- function(data, spec) {
  used <- c(spec$metrics, spec$id, spec$strata)
  if (inherits(data, "causal_dataset")) return(data)
  .check(is.data.frame(data) || is.list(data),
         "data must be a data.frame, a list of columns or a causal_dataset")
  data <- data[intersect(used, names(data))]
  for (c in intersect(c(spec$id, spec$strata), names(data)))
    if (is.character(data[[c]])) data[[c]] <- factor(data[[c]])
  as_causal_dataset(data, copy = FALSE)
}

.aa_groups <- function(group) {
  .check(is.numeric(group) && !anyNA(group) && all(group == floor(group)),
         "group must be whole numbers (0-based groups)")
  as.double(group)
}

.aa_result <- function(plain, cls) {
  res <- .result_from_plain(plain)
  class(res) <- c(cls, class(res))
  res
}

causal_aa_split <- function(data, metrics, k = 2, id = NULL, strata = NULL,
                            sizes = NULL, method = "rerandomize",
                            p_accept = NULL, threshold = NULL,
                            max_draws = NULL, seed = 0, restarts = NULL,
                            objective = NULL) {
  spec <- .aa_spec(metrics, k, id, strata, sizes, method, p_accept,
                   threshold, max_draws, seed, restarts, objective)
  ds <- .aa_data(data, spec)
  .aa_result(.Call(C_aa_run, ds, spec, 1L, NULL, NULL, NULL), "causal_aa")
}

causal_aa_balance <- function(data, metrics, group, k = NULL, id = NULL) {
  group <- .aa_groups(group)
  if (is.null(k)) k <- max(2, max(group) + 1)
  spec <- .aa_spec(metrics, k, id, NULL, NULL, "rerandomize", NULL, NULL,
                   NULL, 0, NULL, NULL)
  ds <- .aa_data(data, spec)
  .aa_result(.Call(C_aa_run, ds, spec, 2L, group, NULL, NULL), "causal_aa")
}

causal_aa_randinf <- function(data, metrics, group, y, draws = 1000, k = NULL,
                              strata = NULL, method = "rerandomize",
                              p_accept = NULL, threshold = NULL,
                              max_draws = NULL, seed = 0, restarts = NULL,
                              objective = NULL) {
  group <- .aa_groups(group)
  .check(is.numeric(y), "y must be numeric")
  .check(.is_count(draws) && draws >= 1, "draws must be a whole number >= 1")
  if (is.null(k)) k <- max(2, max(group) + 1)
  spec <- .aa_spec(metrics, k, NULL, strata, NULL, method, p_accept,
                   threshold, max_draws, seed, restarts, objective)
  ds <- .aa_data(data, spec)
  .result_from_plain(.Call(C_aa_run, ds, spec, 3L, group, as.double(y),
                           as.double(draws)))
}

causal_aa_mde <- function(variance = NULL, sizes, alpha = 0.05, power = 0.8,
                          r2 = 0, ncov = 0, p_accept = 0.05, data = NULL,
                          metrics = NULL) {
  if (is.null(variance)) {
    .check(!is.null(data) && !is.null(metrics),
           "causal_aa_mde needs variance, or data and metrics")
    data <- as.data.frame(data)
    variance <- vapply(metrics, function(m) stats::var(data[[m]], na.rm = TRUE),
                       0)
  }
  .check(is.numeric(variance), "variance must be numeric")
  .check(is.numeric(sizes) && !anyNA(sizes), "sizes must be numeric")
  for (v in list(alpha, power, r2, ncov, p_accept))
    .check(is.numeric(v) && length(v) == 1L, "options must be single numbers")
  res <- .result_from_plain(.Call(C_aa_mde, as.double(variance),
                                  as.double(sizes), as.double(alpha),
                                  as.double(power), as.double(r2),
                                  as.double(ncov), as.double(p_accept)))
  if (!is.null(names(variance)))
    for (e in c("mde", "mde_rerandomized"))
      rownames(res[[e]]) <- names(variance)
  res
}

print.causal_aa <- function(x, digits = max(3L, getOption("digits") - 3L),
                            ...) {
  k <- length(x$size)
  if (!is.null(x$method)) {
    cat("AA split (", x$method, "), ", k, " groups of sizes ",
        paste(x$size, collapse = ", "), "\n", sep = "")
  } else {
    cat("Balance of ", k, " groups of sizes ", paste(x$size, collapse = ", "),
        "\n", sep = "")
  }
  tab <- cbind(x$means, smd = x$smd, statistic = x$statistic,
               p_value = x$p_value)
  colnames(tab)[seq_len(k)] <- paste0("mean[", seq_len(k) - 1L, "]")
  print(tab, digits = digits)
  cat("test: ", x$test, "; worst |SMD| ", format(x$max_abs_smd, digits = digits),
      "; smallest p ", format(x$min_p_value, digits = digits), "\n", sep = "")
  cat("Mahalanobis M = ", format(x$mahalanobis, digits = digits), " on ",
      x$mahalanobis_df, " df (p = ",
      format(x$mahalanobis_p_value, digits = digits), ")\n", sep = "")
  if (!is.null(x$threshold) && is.finite(x$threshold))
    cat("accepted with M <= a = ", format(x$threshold, digits = digits),
        " after ", x$draws, " draws\n", sep = "")
  for (w in attr(x, "warnings")) cat("warning: ", w, "\n", sep = "")
  invisible(x)
}
