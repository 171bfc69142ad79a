# Distributions against R's stats functions.
library(causal)

relerr <- function(a, b) {
  stopifnot(length(a) == length(b))
  same <- (a == b) | (is.na(a) & is.na(b))
  d <- abs(a - b) / pmax(abs(b), .Machine$double.xmin)
  d[same] <- 0
  max(d)
}
check <- function(a, b, tol, what) {
  r <- relerr(a, b)
  if (!(r <= tol)) stop(sprintf("%s: max relative error %.3g > %.3g", what, r, tol))
  invisible(r)
}

# Body of each distribution: relative error 1e-12. Tails (logs of tiny
# probabilities, quantiles near 0 and 1) are checked at 1e-9.
body <- 1e-12
tail <- 1e-9
pr <- c(1e-10, 1e-4, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.9999)
pb <- c(0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)

fams <- list(
  list(name = "normal", x = c(-30, -5, -1.5, -0.3, 0, 0.7, 2, 8),
       xb = c(-3, -1.5, -0.3, 0, 0.7, 2),
       d = function(x, ...) dnorm(x, 1.5, 2, ...),
       p = function(q, ...) pnorm(q, 1.5, 2, ...),
       q = function(p, ...) qnorm(p, 1.5, 2, ...),
       cd = function(x, ...) causal_dnorm(x, 1.5, 2, ...),
       cp = function(q, ...) causal_pnorm(q, 1.5, 2, ...),
       cq = function(p, ...) causal_qnorm(p, 1.5, 2, ...)),
  list(name = "t", x = c(-50, -4, -1, 0, 0.5, 2, 10),
       xb = c(-2, -1, 0, 0.5, 2),
       d = function(x, ...) dt(x, 7.5, ...),
       p = function(q, ...) pt(q, 7.5, ...),
       q = function(p, ...) qt(p, 7.5, ...),
       cd = function(x, ...) causal_dt(x, 7.5, ...),
       cp = function(q, ...) causal_pt(q, 7.5, ...),
       cq = function(p, ...) causal_qt(p, 7.5, ...)),
  list(name = "chisq", x = c(0.01, 0.5, 1, 3, 7, 20, 60),
       xb = c(0.5, 1, 3, 7, 12),
       d = function(x, ...) dchisq(x, 4, ...),
       p = function(q, ...) pchisq(q, 4, ...),
       q = function(p, ...) qchisq(p, 4, ...),
       cd = function(x, ...) causal_dchisq(x, 4, ...),
       cp = function(q, ...) causal_pchisq(q, 4, ...),
       cq = function(p, ...) causal_qchisq(p, 4, ...)),
  list(name = "f", x = c(0.01, 0.3, 1, 2.5, 6, 40),
       xb = c(0.3, 1, 2.5),
       d = function(x, ...) df(x, 5, 12, ...),
       p = function(q, ...) pf(q, 5, 12, ...),
       q = function(p, ...) qf(p, 5, 12, ...),
       cd = function(x, ...) causal_df(x, 5, 12, ...),
       cp = function(q, ...) causal_pf(q, 5, 12, ...),
       cq = function(p, ...) causal_qf(p, 5, 12, ...)),
  list(name = "beta", x = c(0.001, 0.1, 0.3, 0.5, 0.8, 0.99),
       xb = c(0.1, 0.3, 0.5, 0.8),
       d = function(x, ...) dbeta(x, 2.5, 4, ...),
       p = function(q, ...) pbeta(q, 2.5, 4, ...),
       q = function(p, ...) qbeta(p, 2.5, 4, ...),
       cd = function(x, ...) causal_dbeta(x, 2.5, 4, ...),
       cp = function(q, ...) causal_pbeta(q, 2.5, 4, ...),
       cq = function(p, ...) causal_qbeta(p, 2.5, 4, ...)),
  list(name = "gamma", x = c(0.01, 0.5, 1, 2, 5, 15, 40),
       xb = c(0.5, 1, 2, 5),
       d = function(x, ...) dgamma(x, 2.2, scale = 1.5, ...),
       p = function(q, ...) pgamma(q, 2.2, scale = 1.5, ...),
       q = function(p, ...) qgamma(p, 2.2, scale = 1.5, ...),
       cd = function(x, ...) causal_dgamma(x, 2.2, scale = 1.5, ...),
       cp = function(q, ...) causal_pgamma(q, 2.2, scale = 1.5, ...),
       cq = function(p, ...) causal_qgamma(p, 2.2, scale = 1.5, ...)),
  list(name = "binomial", x = c(0, 1, 5, 9, 15, 20),
       xb = c(3, 5, 7, 9),
       d = function(x, ...) dbinom(x, 20, 0.35, ...),
       p = function(q, ...) pbinom(q, 20, 0.35, ...),
       q = function(p, ...) qbinom(p, 20, 0.35, ...),
       cd = function(x, ...) causal_dbinom(x, 20, 0.35, ...),
       cp = function(q, ...) causal_pbinom(q, 20, 0.35, ...),
       cq = function(p, ...) causal_qbinom(p, 20, 0.35, ...)),
  list(name = "poisson", x = c(0, 1, 3, 4, 8, 30),
       xb = c(1, 3, 4, 6),
       d = function(x, ...) dpois(x, 3.7, ...),
       p = function(q, ...) ppois(q, 3.7, ...),
       q = function(p, ...) qpois(p, 3.7, ...),
       cd = function(x, ...) causal_dpois(x, 3.7, ...),
       cp = function(q, ...) causal_ppois(q, 3.7, ...),
       cq = function(p, ...) causal_qpois(p, 3.7, ...))
)

worst <- c(body = 0, tail = 0)
for (f in fams) {
  n <- f$name
  for (set in c("body", "tail")) {
    x <- if (set == "body") f$xb else f$x
    p <- if (set == "body") pb else pr
    tol <- if (set == "body") body else tail
    r <- c(
      check(f$cd(x), f$d(x), tol, paste(n, set, "d")),
      check(f$cd(x, log = TRUE), f$d(x, log = TRUE), tol, paste(n, set, "log d")),
      check(f$cp(x), f$p(x), tol, paste(n, set, "p")),
      check(f$cp(x, lower.tail = FALSE), f$p(x, lower.tail = FALSE), tol,
            paste(n, set, "upper p")),
      check(f$cp(x, log.p = TRUE), f$p(x, log.p = TRUE), tol,
            paste(n, set, "log p")),
      check(f$cp(x, lower.tail = FALSE, log.p = TRUE),
            f$p(x, lower.tail = FALSE, log.p = TRUE), tol,
            paste(n, set, "log upper p")),
      check(f$cq(p), f$q(p), tol, paste(n, set, "q")),
      check(f$cq(p, lower.tail = FALSE), f$q(p, lower.tail = FALSE), tol,
            paste(n, set, "upper q")),
      check(f$cq(log(p), log.p = TRUE), f$q(log(p), log.p = TRUE), tol,
            paste(n, set, "q log.p")),
      check(f$cq(log(p), lower.tail = FALSE, log.p = TRUE),
            f$q(log(p), lower.tail = FALSE, log.p = TRUE), tol,
            paste(n, set, "upper q log.p")))
    worst[[set]] <- max(worst[[set]], r)
  }
}
cat(sprintf("test-dist: worst relative error body %.3g, tails %.3g\n",
            worst[["body"]], worst[["tail"]]))

# Generic entry point, vectorized parameters with recycling, NA handling,
# attributes kept.
stopifnot(all.equal(causal_dist("normal", "cdf", 1.96, c(0, 1)),
                    pnorm(1.96), tolerance = 1e-14))
check(causal_pnorm(1, mean = c(0, 1, 2), sd = c(1, 2)), pnorm(1, c(0, 1, 2), c(1, 2)),
      body, "recycled params")
check(causal_dist("t", "isf", c(0.025, 0.05), list(c(3, 30))), qt(c(0.025, 0.05), c(3, 30), lower.tail = FALSE),
      body, "isf recycled")
x <- c(a = 0.5, b = NA, c = NaN, d = 1)
out <- causal_pnorm(x)
stopifnot(identical(names(out), names(x)), is.na(out[["b"]]),
          is.nan(out[["c"]]), abs(out[["d"]] - pnorm(1)) < 1e-15)
stopifnot(is.na(causal_pnorm(1, mean = NA)))
m <- matrix(c(0.1, 0.5, 0.9, 0.99), 2, dimnames = list(c("r1", "r2"), NULL))
stopifnot(identical(dimnames(causal_qnorm(m)), dimnames(m)))
stopifnot(identical(causal_pnorm(numeric(0)), numeric(0)))
stopifnot(identical(causal_pnorm(1, mean = numeric(0)), numeric(0)))

# Invalid parameters are classed errors (R would return NaN with a warning).
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
e <- catch(causal_pnorm(1, sd = -1))
stopifnot(inherits(e, "causal_error"), e$status %in% c(-1L, -9L))
e <- catch(causal_qnorm(1.5))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_dist("cauchy", "cdf", 1, 1))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_dist("normal", "cdf", 1, 1))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_dgamma(1, 2, rate = 2, scale = 2))
stopifnot(inherits(e, "causal_einval_error"))
stopifnot(all.equal(causal_dgamma(1, 2, rate = 4), dgamma(1, 2, rate = 4),
                    tolerance = 1e-13))
cat("test-dist: OK\n")
