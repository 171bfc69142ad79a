# PCG64 random numbers (include/causal/rng.h). A causal_rng is a reference
# object: draws advance its state in place.

.u128_ok <- function(x) {
  (is.numeric(x) && length(x) == 1L && !is.na(x) && x >= 0 &&
     x == floor(x) && is.finite(x)) ||
    (is.character(x) && length(x) == 1L && !is.na(x))
}

causal_rng <- function(seed, stream = 0) {
  .check(.u128_ok(seed), "seed must be a whole number >= 0 or a string")
  .check(.u128_ok(stream), "stream must be a whole number >= 0 or a string")
  .Call(C_rng_new, seed, stream)
}

.check_rng <- function(rng) {
  .check(inherits(rng, "causal_rng"), "rng must be a causal_rng object")
}

.check_n <- function(n) .check(.is_count(n), "n must be a whole number >= 0")

.param <- function(x, name) {
  .check(is.numeric(x) && length(x) == 1L,
         paste(name, "must be a single number"))
  as.double(x)
}

causal_rng_copy <- function(rng) {
  .check_rng(rng)
  .Call(C_rng_clone, rng)
}

causal_rng_state <- function(rng) {
  .check_rng(rng)
  .Call(C_rng_get_state, rng)
}

causal_rng_set_state <- function(rng, state, inc) {
  .check_rng(rng)
  if (missing(inc) && length(state) == 2L) {
    inc <- state[[2L]]
    state <- state[[1L]]
  }
  .check(.u128_ok(state), "state must be a whole number or a string")
  .check(.u128_ok(inc), "inc must be a whole number or a string")
  .Call(C_rng_set_state, rng, state, inc)
  invisible(rng)
}

causal_rng_advance <- function(rng, delta) {
  .check_rng(rng)
  .check(.u128_ok(delta), "delta must be a whole number >= 0 or a string")
  .Call(C_rng_advance, rng, delta)
  invisible(rng)
}

.draw <- function(rng, kind, n, a = 0, b = 0) {
  .check_rng(rng)
  .check_n(n)
  .Call(C_rng_draw, rng, kind, as.double(n), a, b)
}

causal_runif <- function(rng, n, min = 0, max = 1) {
  min <- .param(min, "min")
  max <- .param(max, "max")
  .check(is.finite(min) && is.finite(max) && min <= max,
         "min and max must be finite with min <= max", -9L)
  u <- .draw(rng, 1L, n)
  if (min == 0 && max == 1) u else min + (max - min) * u
}

causal_rnorm <- function(rng, n, mean = 0, sd = 1)
  .draw(rng, 2L, n, .param(mean, "mean"), .param(sd, "sd"))

causal_rexp <- function(rng, n, rate = 1)
  .draw(rng, 3L, n, .param(rate, "rate"))

causal_rgamma <- function(rng, n, shape, rate = 1, scale = 1 / rate) {
  scale <- .gamma_scale(rate, scale, !missing(rate) && !missing(scale))
  .draw(rng, 4L, n, .param(shape, "shape"), .param(scale, "scale"))
}

causal_rbeta <- function(rng, n, shape1, shape2)
  .draw(rng, 5L, n, .param(shape1, "shape1"), .param(shape2, "shape2"))

causal_rbinom <- function(rng, n, size, prob)
  .draw(rng, 6L, n, .param(size, "size"), .param(prob, "prob"))

causal_rpois <- function(rng, n, lambda)
  .draw(rng, 7L, n, .param(lambda, "lambda"))

causal_sample <- function(rng, n, k = n) {
  .check_rng(rng)
  .check_n(n)
  .check(.is_count(k), "k must be a whole number >= 0")
  .Call(C_rng_sample, rng, as.double(n), as.double(k))
}

causal_shuffle <- function(rng, x) {
  .check_rng(rng)
  idx <- .Call(C_rng_shuffle, rng, as.double(length(x)))
  x[idx]
}

# Raw 64-bit outputs as hex strings (for comparisons with other PCG64s).
causal_rng_u64 <- function(rng, n) {
  .check_rng(rng)
  .check_n(n)
  .Call(C_rng_u64, rng, as.double(n))
}

print.causal_rng <- function(x, ...) {
  st <- tryCatch(causal_rng_state(x), causal_error = function(e) NULL)
  if (is.null(st)) {
    cat("<causal_rng: invalid (freed or reloaded)>\n")
  } else {
    cat("<causal_rng PCG64>\n  state: ", st[["state"]], "\n  inc:   ",
        st[["inc"]], "\n", sep = "")
  }
  invisible(x)
}
