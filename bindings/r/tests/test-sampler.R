# Samplers and diagnostics: conjugate posteriors against exact moments
# (z-tests), Gibbs against the exact Student-t mean, NUTS with an R log
# density (a correlated Gaussian), errors from the R function as
# conditions, and diagnostics against R package posterior when installed.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
Z <- 4.5

r <- causal_conjugate("beta_binomial", c(37, 120), prior = c(2, 3),
                      samples = 4000, seed = 3)
stopifnot(inherits(r, "causal_sampler"), r$post_alpha == 39,
          r$post_beta == 86)
a <- 39; b <- 86
m <- a / (a + b); v <- a * b / ((a + b)^2 * (a + b + 1))
x <- r$draws[, "p"]
stopifnot(abs(mean(x) - m) / sqrt(v / length(x)) < Z)
stopifnot(abs(r$exact_var - v) < 1e-15)
stopifnot(abs(mean(x <= qbeta(0.3, a, b)) - 0.3) / sqrt(0.21 / length(x)) < Z)

r <- causal_conjugate("gamma_poisson", c(17, 4.5), prior = c(0.5, 0.1),
                      samples = 4000, seed = 4)
x <- r$draws[, "lambda"]
stopifnot(abs(mean(x) - 17.5 / 4.6) / sqrt(17.5 / 4.6^2 / length(x)) < Z)
stopifnot(abs(mean(x <= qgamma(0.7, 17.5, 4.6)) - 0.7) /
            sqrt(0.21 / length(x)) < Z)

y <- c(4.1, 5.3, 3.9, 6.2, 5.0, 4.4, 5.8, 6.6, 3.7, 4.9, 5.5, 5.1)
r <- causal_conjugate("normal", y, prior = c(4, 2, 3, 2), samples = 4000,
                      seed = 5)
n <- length(y); kn <- 2 + n; an <- 3 + n / 2
mn <- (8 + n * mean(y)) / kn
bn <- 2 + sum((y - mean(y))^2) / 2 + 2 * n * (mean(y) - 4)^2 / (2 * kn)
stopifnot(abs(r$post_b - bn) < 1e-12, abs(r$post_mean - mn) < 1e-12)
s2 <- r$draws[, "sigma2"]
stopifnot(abs(mean(s2 <= 1 / qgamma(0.4, an, bn, lower.tail = FALSE)) - 0.4) /
            sqrt(0.24 / length(s2)) < Z)

set.seed(11)
ya <- rnorm(40, 10, 3); yb <- rnorm(25, 11, 6)
g <- causal_gibbs_two_group(ya, yb, samples = 3000, warmup = 200, seed = 7)
s <- g$summary
stopifnot(identical(rownames(s), c("mu_a", "mu_b", "sigma2_a", "sigma2_b",
                                   "diff")))
stopifnot(abs(s["mu_a", "mean"] - mean(ya)) / s["mu_a", "mcse_mean"] < Z)
stopifnot(abs(s["diff", "mean"] - (mean(yb) - mean(ya))) /
            s["diff", "mcse_mean"] < Z)
ig <- (sum((yb - mean(yb))^2) / 2) / ((length(yb) - 1) / 2 - 1)
stopifnot(abs(s["sigma2_b", "mean"] - ig) / s["sigma2_b", "mcse_mean"] < Z)
dd <- causal_sampler_draws(g, "diff")
stopifnot(identical(dim(dd), c(3000L, 4L)))

# NUTS with an R function
Sigma <- matrix(c(1, 0.8, 0, 0.8, 2, 0.3, 0, 0.3, 0.5), 3)
P <- solve(Sigma); mu <- c(1, -2, 0.5)
calls <- 0
lg <- function(th) {
  calls <<- calls + 1
  z <- th - mu
  list(-0.5 * sum(z * (P %*% z)), -as.vector(P %*% z))
}
fit <- causal_nuts(lg, dim = 3, samples = 1000, warmup = 500, seed = 9)
stopifnot(calls > 1000)
s <- fit$summary
stopifnot(all(abs(s[, "mean"] - mu) / s[, "mcse_mean"] < Z))
stopifnot(all(s[, "rhat"] < 1.02), fit$n_divergent_total == 0)
stopifnot(max(abs(cov(fit$draws) - Sigma)) < 0.15)
fit2 <- causal_nuts(lg, dim = 3, samples = 1000, warmup = 500, seed = 9)
stopifnot(identical(fit$draws, fit2$draws))
# deriv()-style return value and a matrix of inits
lg2 <- function(th) structure(-0.5 * sum(th^2), gradient = -th)
f3 <- causal_nuts(lg2, init = matrix(0, 2, 2), chains = 2, samples = 50,
                  warmup = 50, seed = 1)
stopifnot(nrow(f3$draws) == 100)

# errors
e <- catch(causal_nuts(function(th) stop("model exploded"), dim = 2))
stopifnot(inherits(e, "causal_error"), grepl("model exploded", conditionMessage(e)))
e <- catch(causal_nuts(function(th) list(NaN, c(0, 0)), init = c(0, 0)))
stopifnot(inherits(e, "causal_enonfinite_error"),
          grepl("initial values", conditionMessage(e)))
e <- catch(causal_nuts(function(th) list(0, 1:3 + 0), dim = 2))
stopifnot(inherits(e, "causal_error"), grepl("gradient of length 2", conditionMessage(e)))
e <- catch(causal_nuts(lg2, dim = 0))
stopifnot(inherits(e, "causal_einval_error"), grepl("dim", conditionMessage(e)))
e <- catch(causal_nuts(lg2, init = c(NaN, 1)))
stopifnot(inherits(e, "causal_enonfinite_error"))
e <- catch(causal_conjugate("beta_binomial", c(1, 2), prior = c(0, 1)))
stopifnot(inherits(e, "causal_erange_error"), grepl("a0", conditionMessage(e)))
e <- catch(causal_gibbs_two_group(c(1, 2), c(1, NA)))
stopifnot(inherits(e, "causal_enonfinite_error"))
e <- catch(causal_gibbs_two_group(c(1, 2), c(1, 3), v0 = -1))
stopifnot(inherits(e, "causal_erange_error"))
# half-normal through NULL (outside the support)
hn <- function(th) if (th < 0) NULL else list(-0.5 * th^2, -th)
f4 <- causal_nuts(hn, init = 0.5, samples = 1000, warmup = 500, seed = 2)
stopifnot(all(f4$draws >= 0),
          abs(f4$summary[1, "mean"] - sqrt(2 / pi)) / f4$summary[1, "mcse_mean"] < Z)

# diagnostics against posterior
x <- matrix(rnorm(400), 100, 4)
x[, 2] <- x[, 2] + 0.5
d <- causal_mcmc_diagnostics(x)
stopifnot(identical(colnames(d)[9:11], c("rhat", "ess_bulk", "ess_tail")))
pkg <- "posterior" # optional: compared when installed
if (requireNamespace(pkg, quietly = TRUE)) {
  pf <- function(f) get(f, envir = asNamespace(pkg))
  stopifnot(abs(d[1, "rhat"] - pf("rhat")(x)) < 1e-10,
            abs(d[1, "ess_bulk"] - pf("ess_bulk")(x)) < 1e-8,
            abs(d[1, "ess_tail"] - pf("ess_tail")(x)) < 1e-8,
            abs(d[1, "mcse_mean"] - pf("mcse_mean")(x)) < 1e-12)
}
arr <- array(rnorm(600), c(100, 3, 2), dimnames = list(NULL, NULL, c("u", "v")))
d2 <- causal_mcmc_diagnostics(arr)
stopifnot(identical(rownames(d2), c("u", "v")))
e <- catch(causal_mcmc_diagnostics(c(1, NaN, 3)))
stopifnot(inherits(e, "causal_enonfinite_error"))
print(g)
cat("test-sampler.R: OK\n")
