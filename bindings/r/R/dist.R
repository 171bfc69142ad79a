# Distributions (include/causal/dist.h).

.dist_families <- c(normal = 1L, t = 2L, chisq = 3L, f = 4L, beta = 5L,
                    gamma = 6L, binomial = 7L, poisson = 8L)
.dist_nparams <- c(normal = 2L, t = 1L, chisq = 1L, f = 2L, beta = 2L,
                   gamma = 2L, binomial = 2L, poisson = 1L)
.dist_funs <- c(pdf = 1L, logpdf = 2L, cdf = 3L, sf = 4L, logcdf = 5L,
                logsf = 6L, quantile = 7L, isf = 8L)

# Evaluate `fun` of `family` at x. params: numeric vector (one value per
# parameter) or a list of numeric vectors recycled against x.
causal_dist <- function(family, fun, x, params) {
  .check(is.character(family) && length(family) == 1L &&
           family %in% names(.dist_families),
         paste("family must be one of:",
               paste(names(.dist_families), collapse = ", ")))
  .check(is.character(fun) && length(fun) == 1L && fun %in% names(.dist_funs),
         paste("fun must be one of:", paste(names(.dist_funs), collapse = ", ")))
  .check(is.numeric(x) || is.logical(x) && all(is.na(x)),
         "x must be numeric")
  if (!is.list(params)) params <- as.list(params)
  .check(length(params) == .dist_nparams[[family]],
         sprintf("family '%s' takes %d parameter(s), got %d", family,
                 .dist_nparams[[family]], length(params)))
  ok <- vapply(params, function(p) is.numeric(p) || is.logical(p) &&
                 all(is.na(p)), NA)
  .check(all(ok), "parameters must be numeric")
  params <- lapply(params, as.double)
  out <- .Call(C_dist_eval, .dist_families[[family]], .dist_funs[[fun]],
               as.double(x), params)
  if (length(out) == length(x)) {
    # Keep names, dim and dimnames of x as R's d/p/q functions do.
    if (!is.null(names(x))) names(out) <- names(x)
    if (!is.null(dim(x))) {
      dim(out) <- dim(x)
      dimnames(out) <- dimnames(x)
    }
  }
  out
}

.check_flag <- function(x, name) {
  .check(is.logical(x) && length(x) == 1L && !is.na(x),
         paste(name, "must be TRUE or FALSE"))
}

.d <- function(family, x, params, log) {
  .check_flag(log, "log")
  causal_dist(family, if (log) "logpdf" else "pdf", x, params)
}

.p <- function(family, q, params, lower.tail, log.p) {
  .check_flag(lower.tail, "lower.tail")
  .check_flag(log.p, "log.p")
  fun <- if (lower.tail) {
    if (log.p) "logcdf" else "cdf"
  } else {
    if (log.p) "logsf" else "sf"
  }
  causal_dist(family, fun, q, params)
}

# The library has no log-probability quantile: with log.p the probability
# is exp(p), or, when it is above 1/2, the other tail's -expm1(p) through
# the complementary quantile function so that no digits are lost near 1.
.q <- function(family, p, params, lower.tail, log.p) {
  .check_flag(lower.tail, "lower.tail")
  .check_flag(log.p, "log.p")
  direct <- if (lower.tail) "quantile" else "isf"
  other <- if (lower.tail) "isf" else "quantile"
  if (!log.p) return(causal_dist(family, direct, p, params))
  .check(is.numeric(p), "p must be numeric")
  big <- !is.na(p) & p > -log(2)
  out <- causal_dist(family, direct, ifelse(big, 0.5, exp(p)), params)
  if (any(big)) {
    alt <- causal_dist(family, other, ifelse(big, -expm1(p), 0.5), params)
    big <- rep_len(big, length(out))
    out[big] <- alt[big]
  }
  out
}

causal_dnorm <- function(x, mean = 0, sd = 1, log = FALSE)
  .d("normal", x, list(mean, sd), log)
causal_pnorm <- function(q, mean = 0, sd = 1, lower.tail = TRUE, log.p = FALSE)
  .p("normal", q, list(mean, sd), lower.tail, log.p)
causal_qnorm <- function(p, mean = 0, sd = 1, lower.tail = TRUE, log.p = FALSE)
  .q("normal", p, list(mean, sd), lower.tail, log.p)

causal_dt <- function(x, df, log = FALSE) .d("t", x, list(df), log)
causal_pt <- function(q, df, lower.tail = TRUE, log.p = FALSE)
  .p("t", q, list(df), lower.tail, log.p)
causal_qt <- function(p, df, lower.tail = TRUE, log.p = FALSE)
  .q("t", p, list(df), lower.tail, log.p)

causal_dchisq <- function(x, df, log = FALSE) .d("chisq", x, list(df), log)
causal_pchisq <- function(q, df, lower.tail = TRUE, log.p = FALSE)
  .p("chisq", q, list(df), lower.tail, log.p)
causal_qchisq <- function(p, df, lower.tail = TRUE, log.p = FALSE)
  .q("chisq", p, list(df), lower.tail, log.p)

causal_df <- function(x, df1, df2, log = FALSE)
  .d("f", x, list(df1, df2), log)
causal_pf <- function(q, df1, df2, lower.tail = TRUE, log.p = FALSE)
  .p("f", q, list(df1, df2), lower.tail, log.p)
causal_qf <- function(p, df1, df2, lower.tail = TRUE, log.p = FALSE)
  .q("f", p, list(df1, df2), lower.tail, log.p)

causal_dbeta <- function(x, shape1, shape2, log = FALSE)
  .d("beta", x, list(shape1, shape2), log)
causal_pbeta <- function(q, shape1, shape2, lower.tail = TRUE, log.p = FALSE)
  .p("beta", q, list(shape1, shape2), lower.tail, log.p)
causal_qbeta <- function(p, shape1, shape2, lower.tail = TRUE, log.p = FALSE)
  .q("beta", p, list(shape1, shape2), lower.tail, log.p)

.gamma_scale <- function(rate, scale, both) {
  if (both) {
    .check(isTRUE(all.equal(rate, 1 / scale)),
           "specify 'rate' or 'scale' but not both")
  }
  scale
}
causal_dgamma <- function(x, shape, rate = 1, scale = 1 / rate, log = FALSE) {
  scale <- .gamma_scale(rate, scale, !missing(rate) && !missing(scale))
  .d("gamma", x, list(shape, scale), log)
}
causal_pgamma <- function(q, shape, rate = 1, scale = 1 / rate,
                          lower.tail = TRUE, log.p = FALSE) {
  scale <- .gamma_scale(rate, scale, !missing(rate) && !missing(scale))
  .p("gamma", q, list(shape, scale), lower.tail, log.p)
}
causal_qgamma <- function(p, shape, rate = 1, scale = 1 / rate,
                          lower.tail = TRUE, log.p = FALSE) {
  scale <- .gamma_scale(rate, scale, !missing(rate) && !missing(scale))
  .q("gamma", p, list(shape, scale), lower.tail, log.p)
}

causal_dbinom <- function(x, size, prob, log = FALSE)
  .d("binomial", x, list(size, prob), log)
causal_pbinom <- function(q, size, prob, lower.tail = TRUE, log.p = FALSE)
  .p("binomial", q, list(size, prob), lower.tail, log.p)
causal_qbinom <- function(p, size, prob, lower.tail = TRUE, log.p = FALSE)
  .q("binomial", p, list(size, prob), lower.tail, log.p)

causal_dpois <- function(x, lambda, log = FALSE)
  .d("poisson", x, list(lambda), log)
causal_ppois <- function(q, lambda, lower.tail = TRUE, log.p = FALSE)
  .p("poisson", q, list(lambda), lower.tail, log.p)
causal_qpois <- function(p, lambda, lower.tail = TRUE, log.p = FALSE)
  .q("poisson", p, list(lambda), lower.tail, log.p)
