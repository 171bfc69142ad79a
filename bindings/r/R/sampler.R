# Bayesian samplers and MCMC diagnostics (include/causal/sampler.h;
# docs/methods/sampler.md). The C glue is src/sampler.c.

.smp_num <- function(x, what) {
  .check(is.numeric(x) && length(x) == 1L && !is.na(x),
         paste(what, "must be a single number"))
  as.double(x)
}

# 8 integer options then 5 double options (NA: library default).
.smp_opts <- function(seed = NA, chains = NA, samples = NA, warmup = NA,
                      max_treedepth = NA, threads = NA, adapt = NA, thin = NA,
                      target_accept = NA, step_size = NA, init_radius = NA,
                      hdi_prob = NA, max_delta_h = NA) {
  v <- list(seed = seed, chains = chains, samples = samples, warmup = warmup,
            max_treedepth = max_treedepth, threads = threads, adapt = adapt,
            thin = thin, target_accept = target_accept, step_size = step_size,
            init_radius = init_radius, hdi_prob = hdi_prob,
            max_delta_h = max_delta_h)
  for (k in names(v)) {
    x <- v[[k]]
    if (is.logical(x) && !is.na(x)) x <- as.double(x)
    .check(length(x) == 1L && (is.na(x) || is.numeric(x)),
           paste(k, "must be a single number"))
    v[[k]] <- as.double(x)
  }
  unlist(v, use.names = FALSE)
}

.smp_result <- function(plain) {
  res <- .result_from_plain(plain)
  class(res) <- c("causal_sampler", class(res))
  res
}

causal_conjugate <- function(model = c("beta_binomial", "gamma_poisson",
                                       "normal"),
                             data, prior = NULL, chains = 4, samples = 1000,
                             seed = 0, hdi_prob = 0.9) {
  model <- match.arg(model)
  .check(is.numeric(data) && length(data) >= 1L, "data must be numeric")
  if (model == "normal") {
    if (is.null(prior)) prior <- c(m0 = 0, k0 = 1, a0 = 1, b0 = 1)
    .check(is.numeric(prior) && length(prior) == 4L,
           "prior must be c(m0, k0, a0, b0) for the normal model")
    m <- 3L
    args <- as.double(prior)
    y <- as.double(data)
  } else {
    if (is.null(prior)) prior <- c(1, 1)
    .check(length(data) == 2L,
           "data must be c(successes, trials) or c(count, exposure)")
    .check(is.numeric(prior) && length(prior) == 2L,
           "prior must be two numbers (a0, b0) or (shape0, rate0)")
    m <- if (model == "beta_binomial") 1L else 2L
    args <- c(as.double(data), as.double(prior))
    y <- NULL
  }
  opts <- .smp_opts(seed = seed, chains = chains, samples = samples,
                    hdi_prob = hdi_prob)
  .smp_result(.Call(C_sampler_run, m, args, y, NULL, opts, NULL, NULL,
                    emptyenv()))
}

causal_gibbs_two_group <- function(y_a, y_b, m0 = 0, v0 = Inf, a0 = 0,
                                   b0 = 0, chains = 4, samples = 1000,
                                   warmup = 1000, thin = 1, seed = 0,
                                   hdi_prob = 0.9, threads = 1) {
  .check(is.numeric(y_a) && is.numeric(y_b), "y_a and y_b must be numeric")
  args <- c(.smp_num(m0, "m0"), .smp_num(v0, "v0"), .smp_num(a0, "a0"),
            .smp_num(b0, "b0"))
  opts <- .smp_opts(seed = seed, chains = chains, samples = samples,
                    warmup = warmup, thin = thin, hdi_prob = hdi_prob,
                    threads = threads)
  .smp_result(.Call(C_sampler_run, 4L, args, as.double(y_a), as.double(y_b),
                    opts, NULL, NULL, emptyenv()))
}

causal_nuts <- function(fn, dim = NULL, init = NULL, chains = 4,
                        samples = 1000, warmup = 1000, seed = 0,
                        max_treedepth = 10, target_accept = 0.8,
                        step_size = 1, init_radius = 2, thin = 1,
                        adapt = TRUE, hdi_prob = 0.9, max_delta_h = 1000) {
  .check(is.function(fn), "fn must be a function of theta returning list(logp, gradient)")
  if (is.null(dim)) {
    .check(!is.null(init), "give dim or init")
    dim <- if (is.matrix(init)) ncol(init) else length(init)
  }
  dim <- .smp_num(dim, "dim")
  if (!is.null(init)) {
    .check(is.numeric(init), "init must be numeric")
    # a chains x dim matrix is passed chain by chain
    init <- if (is.matrix(init)) as.double(t(init)) else as.double(init)
  }
  wrapped <- function(theta) {
    tryCatch(fn(theta), error = function(e)
      structure(conditionMessage(e), class = "causal_callback_error"))
  }
  opts <- .smp_opts(seed = seed, chains = chains, samples = samples,
                    warmup = warmup, max_treedepth = max_treedepth,
                    adapt = adapt, thin = thin, target_accept = target_accept,
                    step_size = step_size, init_radius = init_radius,
                    hdi_prob = hdi_prob, max_delta_h = max_delta_h)
  .smp_result(.Call(C_sampler_run, 5L, dim, NULL, NULL, opts, init, wrapped,
                    environment()))
}

# x: iterations x chains matrix, or iterations x chains x parameters array
# (posterior's draws_array layout), or a plain vector (one chain).
causal_mcmc_diagnostics <- function(x, hdi_prob = 0.9) {
  .check(is.numeric(x), "x must be numeric")
  d <- dim(x)
  if (is.null(d)) d <- c(length(x), 1L, 1L)
  if (length(d) == 2L) d <- c(d, 1L)
  .check(length(d) == 3L, "x must be a vector, matrix or 3-d array")
  nm <- dimnames(x)[[3L]]
  plain <- .Call(C_mcmc_summary, as.double(x), as.double(d), nm,
                 .smp_num(hdi_prob, "hdi_prob"))
  res <- .result_from_plain(plain)
  s <- res$summary
  if (is.null(rownames(s)))
    rownames(s) <- if (d[3L] == 1L) "x" else paste0("x[", seq_len(d[3L]), "]")
  s
}

# draws of one parameter as an iterations x chains matrix
causal_sampler_draws <- function(x, param) {
  .check(inherits(x, "causal_sampler"), "x must be a causal_sampler result")
  d <- x$draws
  m <- matrix(d[, param], nrow = x$samples, ncol = x$chains)
  m
}

print.causal_sampler <- function(x, digits = max(3L, getOption("digits") - 3L),
                                 ...) {
  cat("libcausal sampler (", x$model, "): ", x$chains, " chains x ",
      x$samples, " draws", if (x$warmup > 0) paste0(" after ", x$warmup,
      " warmup"), "\n", sep = "")
  if (!is.null(x$summary)) print(signif(x$summary, digits))
  if (!is.null(x$n_divergent_total))
    cat("divergent transitions:", x$n_divergent_total, "\n")
  for (w in attr(x, "warnings")) cat("warning:", w, "\n")
  invisible(x)
}
