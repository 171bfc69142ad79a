# Reference values for tests/mcmc_diag_test.c: R package posterior 1.4.0
# (rhat, ess_bulk, ess_tail, ess_mean, mcse_mean) on fixed draws, and the
# highest-density interval by the ArviZ / HDInterval rule (shortest window
# of floor(prob * n) + 1 sorted draws), written out here in plain R.
# Run from tests/:  Rscript ref/mcmc_diag_reference.R
suppressPackageStartupMessages(library(posterior))
stopifnot(packageVersion("posterior") >= "1.4.0")
set.seed(20261122)

ar1 <- function(n, phi, sd = 1) {
  x <- numeric(n); x[1] <- rnorm(1, sd = sd / sqrt(1 - phi^2))
  for (i in 2:n) x[i] <- phi * x[i - 1] + rnorm(1, sd = sd)
  x
}
sets <- list()
# name = list(matrix n_iter x n_chains)
sets$iid <- matrix(rnorm(1000 * 4), 1000, 4)
sets$ar09 <- sapply(1:4, function(c) ar1(1000, 0.9))
sets$shifted <- sapply(1:4, function(c) ar1(500, 0.5) + 0.3 * c)
sets$heavy <- matrix(rt(800 * 3, df = 2), 800, 3)
sets$ties <- matrix(round(rnorm(400 * 4), 1), 400, 4)
sets$odd <- sapply(1:3, function(c) ar1(101, 0.7))
sets$onechain <- matrix(ar1(300, 0.3), 300, 1)
sets$antithetic <- sapply(1:2, function(c) ar1(200, -0.6))
sets$short <- matrix(rnorm(7 * 2), 7, 2)
sets$lognorm <- matrix(exp(2 * rnorm(500 * 4)), 500, 4)

hdi <- function(x, prob) {
  s <- sort(x); n <- length(s); m <- floor(prob * n)
  w <- s[(m + 1):n] - s[1:(n - m)]
  i <- which.min(w)
  c(s[i], s[i + m])
}

draws_rows <- list(); ref_rows <- list()
f <- function(v) sprintf("%.17g", v)
for (nm in names(sets)) {
  x <- sets[[nm]]
  draws_rows[[nm]] <- data.frame(set = nm, chain = rep(seq_len(ncol(x)), each = nrow(x)),
                                 iter = rep(seq_len(nrow(x)), ncol(x)),
                                 value = f(as.vector(x)))
  h <- hdi(as.vector(x), 0.9)
  ref_rows[[nm]] <- data.frame(set = nm, n_iter = nrow(x), n_chains = ncol(x),
    rhat = f(rhat(x)), ess_bulk = f(ess_bulk(x)), ess_tail = f(ess_tail(x)),
    ess_mean = f(ess_mean(x)), mcse_mean = f(mcse_mean(x)),
    hdi_low = f(h[1]), hdi_high = f(h[2]),
    q5 = f(quantile(x, 0.05, names = FALSE)), q95 = f(quantile(x, 0.95, names = FALSE)))
}
write.csv(do.call(rbind, draws_rows), "data/mcmc_diag_draws.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, ref_rows), "data/mcmc_diag_reference.csv", row.names = FALSE, quote = FALSE)
