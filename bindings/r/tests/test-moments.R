# Mergeable moments against base R, merge = single pass, serialization.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
close <- function(a, b, tol = 1e-13) {
  a <- unname(a); b <- unname(b)
  stopifnot(length(a) == length(b))
  r <- max(abs(a - b) / pmax(abs(b), 1e-300))
  if (!(r <= tol)) stop(sprintf("relative error %.3g > %.3g", r, tol))
  invisible(r)
}

set.seed(1)
n <- 500
X <- cbind(a = rnorm(n, 10, 3), b = runif(n), c = rexp(n) + 0.5 * rnorm(n))
m <- causal_moments(3)
causal_moments_update(m, X)
s <- summary(m)
stopifnot(s$n == n, s$sum_weights == n)
close(s$mean, colMeans(X))
close(s$var, apply(X, 2, var))
close(s$sd, apply(X, 2, sd))
close(s$cov, cov(X))
close(s$cor, cor(X))
stopifnot(identical(unname(s$min), unname(apply(X, 2, min))),
          identical(unname(s$max), unname(apply(X, 2, max))))
close(mean(m), colMeans(X))
close(causal_moments_get(m, "sum"), colSums(X))
close(causal_moments_get(m, "var_pop"), apply(X, 2, var) * (n - 1) / n)
close(causal_moments_get(m, "crossprod"), crossprod(X))
stopifnot(identical(dim(causal_moments_get(m, "cov")), c(3L, 3L)))

# Names.
mn <- causal_moments(c("a", "b", "c"))
causal_moments_update(mn, X)
stopifnot(identical(names(mean(mn)), c("a", "b", "c")),
          identical(dimnames(summary(mn)$cov), list(c("a", "b", "c"), c("a", "b", "c"))))

# Chunked updates and merges in any tree equal the single pass.
cuts <- list(1:37, 38:38, 39:250, 251:500)
m1 <- causal_moments(3)
parts <- lapply(cuts, function(ix) causal_moments_update(causal_moments(3), X[ix, , drop = FALSE]))
for (ix in cuts) causal_moments_update(m1, X[ix, , drop = FALSE])
merged <- causal_moments_merge(causal_moments_merge(parts[[1]], parts[[2]]),
                               parts[[3]] + parts[[4]])
for (w in c("mean", "var", "cov", "cor", "min", "max")) {
  close(causal_moments_get(m1, w), causal_moments_get(m, w))
  close(causal_moments_get(merged, w), causal_moments_get(m, w))
}
stopifnot(causal_moments_get(merged, "n") == n)
# merge returns a new object and leaves its inputs alone.
stopifnot(causal_moments_get(parts[[1]], "n") == 37)
stopifnot(inherits(catch(parts[[1]] - parts[[2]]), "causal_einval_error"))

# One variable from a plain vector; integer and data.frame input.
v <- causal_moments(1)
causal_moments_update(v, X[, 1])
close(causal_moments_get(v, "var"), var(X[, 1]))
iv <- causal_moments_update(causal_moments(1), 1:10)
close(causal_moments_get(iv, "mean"), 5.5)
dfm <- causal_moments_update(causal_moments(3), as.data.frame(X))
close(causal_moments_get(dfm, "cov"), cov(X))

# Frequency weights equal repeated rows.
w <- rep(c(1, 2, 3, 0), length.out = n)
mw <- causal_moments_update(causal_moments(3), X, w)
Xr <- X[rep(seq_len(n), w), ]
close(causal_moments_get(mw, "mean"), colMeans(Xr))
close(causal_moments_get(mw, "cov"), cov(Xr), 1e-12)
stopifnot(causal_moments_get(mw, "sum_weights") == sum(w))

# Numerically hard data: 1e9 + small noise.
y <- 1e9 + rnorm(1000, sd = 1e-3)
my <- causal_moments_update(causal_moments(1), y)
close(causal_moments_get(my, "var"), var(y), 1e-6)

# Serialization round trip.
raw <- causal_moments_to_raw(m)
stopifnot(is.raw(raw), length(raw) > 0)
m2 <- causal_moments_from_raw(raw)
for (w in c("n", "mean", "var", "cov", "min", "max")) {
  stopifnot(identical(causal_moments_get(m2, w), causal_moments_get(m, w)))
}
stopifnot(identical(causal_moments_to_raw(m2), raw))

# Corrupt or truncated buffers are classed errors, never crashes.
is_corrupt <- function(e) inherits(e, "causal_ecorrupt_error") ||
  inherits(e, "causal_eversion_error")
for (i in seq_along(raw)) {
  bad <- raw
  bad[i] <- as.raw(bitwXor(as.integer(bad[i]), 0x5a))
  e <- catch(causal_moments_from_raw(bad))
  if (!is_corrupt(e)) stop("flipping byte ", i, " was not detected")
}
for (k in c(0, 1, 8, length(raw) - 1)) {
  e <- catch(causal_moments_from_raw(raw[seq_len(k)]))
  stopifnot(inherits(e, "causal_ecorrupt_error"))
}
e <- catch(causal_moments_from_raw(c(raw, as.raw(0))))
stopifnot(is_corrupt(e))
set.seed(2)
for (i in 1:50) {
  e <- catch(causal_moments_from_raw(as.raw(sample(0:255, sample(0:200, 1), TRUE))))
  stopifnot(is_corrupt(e))
}
stopifnot(inherits(catch(causal_moments_from_raw(1:3)), "causal_einval_error"))

# Errors: non-finite data, negative weights, wrong shapes, empty states.
mm <- causal_moments(2)
Xn <- X[1:5, 1:2]; Xn[3, 2] <- NA
e <- catch(causal_moments_update(mm, Xn))
stopifnot(inherits(e, "causal_enonfinite_error"))
stopifnot(causal_moments_get(mm, "n") == 0)   # state unchanged
e <- catch(causal_moments_update(mm, X[1:5, 1:2], c(1, 1, -1, 1, 1)))
stopifnot(inherits(e, "causal_erange_error"))
stopifnot(inherits(catch(causal_moments_update(mm, X)), "causal_edim_error"))
stopifnot(inherits(catch(causal_moments_update(mm, X[, 1:2], 1:3)), "causal_edim_error"))
stopifnot(inherits(catch(causal_moments_merge(mm, m)), "causal_error"))
stopifnot(inherits(catch(causal_moments(0)), "causal_einval_error"))
stopifnot(inherits(catch(causal_moments_get(mm, "mean")), "causal_error"))
stopifnot(inherits(catch(causal_moments_get(mm, "bogus")), "causal_einval_error"))
stopifnot(identical(as.list(mm)$n, 0))
one <- causal_moments_update(causal_moments(2), X[1, 1:2, drop = FALSE])
stopifnot(is.na(as.list(one)$var))   # needs two rows; NA in the summary
causal_moments_reset(m1)
stopifnot(causal_moments_get(m1, "n") == 0)
stopifnot(causal_moments_nvars(m) == 3)
print(m)
cat("test-moments: OK\n")
