# Fusion of randomized and observational estimates (include/causal/fusion.h;
# formulas in docs/methods/fusion.md).

.fusion_methods <- c(ivw = 1L, dl = 2L, reml = 3L, "power-prior" = 4L,
                     "test-then-pool" = 5L, mse = 6L, mixture = 7L)
.fusion_strata_methods <- c(kappa1 = 1L, kappa2 = 2L,
                            "green-strawderman" = 3L, "eb-double" = 4L)

.fusion_spec <- function(method, rct, conf_level, bias_variance,
                         pretest_alpha, mix_weight, mix_sd, maxiter, tol) {
  method <- match.arg(method, names(.fusion_methods))
  if (!is.numeric(rct) || length(rct) != 1L || rct < 1 || rct != floor(rct))
    stop("rct must be a single 1-based index")
  ik <- c(2L); iv <- c(as.double(rct) - 1)
  if (!is.null(maxiter)) { ik <- c(ik, 3L); iv <- c(iv, as.double(maxiter)) }
  dk <- integer(); dv <- double()
  add <- function(key, v) if (!is.null(v)) {
    if (!is.numeric(v) || length(v) != 1L) stop("options must be numbers")
    dk <<- c(dk, key); dv <<- c(dv, as.double(v))
  }
  add(101L, conf_level); add(102L, bias_variance); add(103L, pretest_alpha)
  add(104L, mix_weight); add(105L, mix_sd); add(106L, tol)
  list(method = .fusion_methods[[method]], int_keys = ik, int_values = iv,
       dbl_keys = dk, dbl_values = dv)
}

causal_fuse <- function(est, se = NULL, cov = NULL,
                        method = c("ivw", "dl", "reml", "power-prior",
                                   "test-then-pool", "mse", "mixture"),
                        rct = 1L, conf_level = NULL, bias_variance = NULL,
                        pretest_alpha = NULL, mix_weight = NULL,
                        mix_sd = NULL, maxiter = NULL, tol = NULL) {
  spec <- .fusion_spec(method, rct, conf_level, bias_variance, pretest_alpha,
                       mix_weight, mix_sd, maxiter, tol)
  if (!is.null(cov)) cov <- as.double(as.matrix(cov))
  if (!is.null(se)) se <- as.double(se)
  res <- .result_from_plain(.Call(C_fusion_estimates, as.double(est), se,
                                  cov, spec))
  class(res) <- c("causal_fusion", class(res))
  res
}

causal_fusion_curve <- function(est, se = NULL, bias_variance, cov = NULL,
                                rct = 1L, conf_level = NULL) {
  spec <- .fusion_spec("power-prior", rct, conf_level, NULL, NULL, NULL,
                       NULL, NULL, NULL)
  if (!is.null(cov)) cov <- as.double(as.matrix(cov))
  if (!is.null(se)) se <- as.double(se)
  .result_from_plain(.Call(C_fusion_curve, as.double(est), se, cov, spec,
                           as.double(bias_variance)))
}

causal_fuse_strata <- function(rct_est, rct_se, obs_est, obs_se = NULL,
                               method = c("kappa1", "kappa2",
                                          "green-strawderman", "eb-double")) {
  method <- match.arg(method)
  if (!is.null(obs_se)) obs_se <- as.double(obs_se)
  .result_from_plain(.Call(C_fusion_strata,
                           .fusion_strata_methods[[method]],
                           as.double(rct_est), as.double(rct_se),
                           as.double(obs_est), obs_se))
}

.fusion_data <- function(data, what, method, outcome, treatment, source,
                         terms, stratum = NULL, surrogates = character(),
                         ints = list(), conf_level = NULL) {
  stopifnot(is.character(outcome), is.character(treatment),
            is.character(source))
  spec <- .fusion_spec(method, 1L, conf_level, NULL, NULL, NULL, NULL, NULL,
                       NULL)
  for (k in names(ints)) {
    spec$int_keys <- c(spec$int_keys, ints[[k]][1])
    spec$int_values <- c(spec$int_values, as.double(ints[[k]][2]))
  }
  spec$outcome <- outcome; spec$treatment <- treatment; spec$source <- source
  spec$stratum <- stratum
  spec$terms <- as.character(terms); spec$surrogates <- as.character(surrogates)
  used <- c(outcome, treatment, source, terms, stratum, surrogates)
  ds <- .model_data(data, used, character())
  .result_from_plain(.Call(C_fusion_data, ds, spec, as.integer(what)))
}

causal_fuse_data <- function(data, outcome, treatment, source,
                             terms = character(), stratum = NULL,
                             method = c("ivw", "dl", "reml", "power-prior",
                                        "test-then-pool", "mse", "mixture"),
                             obs_estimator = c("regression", "ipw", "aipw"),
                             rct_adjust = FALSE,
                             vcov = c("HC2", "HC0", "HC1", "HC3"),
                             conf_level = NULL) {
  obs_estimator <- match.arg(obs_estimator)
  vcov <- match.arg(vcov)
  ints <- list(obs = c(4L, switch(obs_estimator, regression = 1L, ipw = 2L, aipw = 3L)),
               adj = c(5L, as.integer(isTRUE(rct_adjust))),
               vcov = c(6L, c(HC0 = 2L, HC1 = 3L, HC2 = 4L, HC3 = 5L)[[vcov]]))
  .fusion_data(data, 1L, match.arg(method), outcome, treatment, source,
               terms, stratum, ints = ints, conf_level = conf_level)
}

causal_transport <- function(data, outcome, treatment, source,
                             terms = character(),
                             method = c("ipsw", "aipsw"), conf_level = NULL) {
  method <- match.arg(method)
  .fusion_data(data, 2L, "ivw", outcome, treatment, source, terms,
               ints = list(tr = c(7L, if (method == "aipsw") 2L else 1L)),
               conf_level = conf_level)
}

causal_surrogate_index <- function(data, outcome, treatment, source,
                                   surrogates, terms = character(),
                                   conf_level = NULL) {
  .fusion_data(data, 3L, "ivw", outcome, treatment, source, terms,
               surrogates = surrogates, conf_level = conf_level)
}
