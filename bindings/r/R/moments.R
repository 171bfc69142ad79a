# Mergeable moments (include/causal/stats.h). A causal_moments object is a
# reference: causal_moments_update() changes it in place; merge and `+`
# return new objects.

.mom_what <- c(n = 1L, sum_weights = 2L, sum_weights2 = 3L, mean = 4L,
               sum = 5L, min = 6L, max = 7L, var = 8L, var_pop = 9L,
               var_reliability = 10L, sd = 11L, comoment = 12L, cov = 13L,
               cor = 14L, crossprod = 15L)
.mom_len <- c(n = 0L, sum_weights = 0L, sum_weights2 = 0L, mean = 1L,
              sum = 1L, min = 1L, max = 1L, var = 1L, var_pop = 1L,
              var_reliability = 1L, sd = 1L, comoment = 2L, cov = 2L,
              cor = 2L, crossprod = 2L)

.check_mom <- function(m, name = "m") {
  .check(inherits(m, "causal_moments"),
         paste(name, "must be a causal_moments object"))
}

.mom_wrap <- function(h, names) {
  if (!is.null(names)) attr(h, "varnames") <- as.character(names)
  h
}

causal_moments <- function(p, names = NULL) {
  if (is.character(p)) {
    names <- p
    p <- length(p)
  }
  .check(.is_count(p) && p >= 1, "p must be a whole number >= 1")
  .check(is.null(names) || length(names) == p,
         "names must have one entry per variable", -12L)
  .mom_wrap(.Call(C_moments_new, as.double(p)), names)
}

causal_moments_nvars <- function(m) {
  .check_mom(m)
  .Call(C_moments_nvars, m)
}

causal_moments_update <- function(m, x, w = NULL) {
  .check_mom(m)
  if (is.data.frame(x)) x <- as.matrix(x)
  .check(is.numeric(x) || is.logical(x), "x must be numeric")
  # Double matrices are read in place (column-major strides, no copy).
  if (!is.double(x)) storage.mode(x) <- "double"
  if (!is.null(w)) {
    .check(is.numeric(w), "w must be numeric")
    if (!is.double(w)) w <- as.double(w)
  }
  .Call(C_moments_update, m, x, w)
  invisible(m)
}

causal_moments_copy <- function(m) {
  .check_mom(m)
  .mom_wrap(.Call(C_moments_clone, m), attr(m, "varnames"))
}

causal_moments_reset <- function(m) {
  .check_mom(m)
  .Call(C_moments_reset, m)
  invisible(m)
}

causal_moments_merge <- function(a, b) {
  .check_mom(a, "a")
  .check_mom(b, "b")
  out <- causal_moments_copy(a)
  .Call(C_moments_merge, out, b)
  out
}

Ops.causal_moments <- function(e1, e2) {
  if (.Generic != "+" || missing(e2))
    .causal_stop(-1L, paste0("operator '", .Generic,
                             "' is not defined for causal_moments (only +)"))
  causal_moments_merge(e1, e2)
}

causal_moments_get <- function(m, what) {
  .check_mom(m)
  .check(is.character(what) && length(what) == 1L && what %in% names(.mom_what),
         paste("what must be one of:", paste(names(.mom_what), collapse = ", ")))
  p <- .Call(C_moments_nvars, m)
  shape <- .mom_len[[what]]
  len <- c(1, p, p * p)[shape + 1L]
  v <- .Call(C_moments_get, m, .mom_what[[what]], len)
  nm <- attr(m, "varnames")
  if (shape == 1L && !is.null(nm)) names(v) <- nm
  if (shape == 2L) {
    dim(v) <- c(p, p)
    if (!is.null(nm)) dimnames(v) <- list(nm, nm)
  }
  v
}

mean.causal_moments <- function(x, ...) causal_moments_get(x, "mean")

as.list.causal_moments <- function(x, ...) {
  n <- causal_moments_get(x, "n")
  out <- list(n = n, sum_weights = causal_moments_get(x, "sum_weights"))
  if (n == 0) return(out)
  for (w in c("mean", "min", "max")) out[[w]] <- causal_moments_get(x, w)
  # Variances need sum_weights > 1; they are NA (not an error) here.
  for (w in c("var", "sd", "cov", "cor")) {
    out[w] <- list(tryCatch(causal_moments_get(x, w),
                            causal_error = function(e) NA_real_))
  }
  out
}

summary.causal_moments <- function(object, ...) {
  structure(as.list(object), class = "summary.causal_moments")
}

print.summary.causal_moments <- function(x, digits = getOption("digits"),
                                         ...) {
  cat("causal_moments: n =", format(x$n), " sum of weights =",
      format(x$sum_weights, digits = digits), "\n")
  if (x$n > 0) {
    tab <- rbind(mean = x$mean, sd = x$sd, min = x$min, max = x$max)
    if (is.null(colnames(tab)))
      colnames(tab) <- paste0("V", seq_len(ncol(tab)))
    print(t(tab), digits = digits)
  }
  invisible(x)
}

print.causal_moments <- function(x, ...) {
  p <- tryCatch(causal_moments_nvars(x), causal_error = function(e) NULL)
  if (is.null(p)) {
    cat("<causal_moments: invalid (freed or reloaded)>\n")
  } else {
    print(summary(x), ...)
  }
  invisible(x)
}

causal_moments_to_raw <- function(m) {
  .check_mom(m)
  .Call(C_moments_serialize, m)
}

causal_moments_from_raw <- function(x, names = NULL) {
  .check(is.raw(x), "x must be a raw vector")
  .mom_wrap(.Call(C_moments_deserialize, x), names)
}
