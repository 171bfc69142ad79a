/* libcausal — Bayesian samplers and MCMC diagnostics.
 *
 * One opaque handle, causal_sampler, for five kinds of model:
 *   exact conjugate posteriors, sampled independently:
 *     Beta–Binomial      p ~ Beta(a0, b0), s successes in n trials
 *     Gamma–Poisson      lambda ~ Gamma(shape0, rate0), count y, exposure e
 *     Normal–NIG         y_i ~ N(mu, sigma2), mu | sigma2 ~ N(m0, sigma2 /
 *                        k0), sigma2 ~ InvGamma(a0, b0)
 *   a Gibbs sampler for two groups with unknown, unequal variances
 *     y_gi ~ N(mu_g, sigma2_g), g in {a, b}; independent priors
 *     mu_g ~ N(m0, v0) (v0 = Inf: flat) and sigma2_g ~ InvGamma(a0, b0)
 *     (a0 = b0 = 0: the Jeffreys-type prior 1 / sigma2)
 *   NUTS for a user log density with gradient (C callback below):
 *     multinomial No-U-Turn sampler (Hoffman & Gelman 2014; Betancourt
 *     2017; as Stan), step-size dual averaging and a diagonal mass matrix
 *     adapted in Stan's windows.
 * Formulas, adaptation schedule and conventions: docs/methods/sampler.md.
 *
 * Chains: chain c (0-based) draws from PCG64 seeded with (seed, stream c),
 * so results depend only on the seed and the options, never on the number
 * of threads (CAUSAL_SAMPLER_THREADS runs chains in parallel).
 *
 * Result (kind "sampler"):
 *   matrix "draws": (chains * samples) x P, column-major, rows chain-major
 *     (all draws of chain 0, then chain 1, ...), colnames = parameters;
 *   matrix "summary" (when samples >= 2): P x 11, rownames = parameters,
 *     colnames "mean", "sd",
 *     "mcse_mean", "q5", "q50", "q95", "hdi_low", "hdi_high", "rhat",
 *     "ess_bulk", "ess_tail" (see causal_mcmc_summary; hdi at
 *     CAUSAL_SAMPLER_HDI_PROB);
 *   scalars "chains", "samples", "warmup", "seed"; string "model".
 * Conjugate models add the exact posterior parameters ("post_alpha",
 * "post_beta" for Beta; "post_shape", "post_rate" for Gamma; "post_mean",
 * "post_kappa", "post_a", "post_b" for NIG) and the exact posterior means
 * and variances as vectors "exact_mean", "exact_var" (per parameter).
 * NUTS adds per-chain vectors "step_size", "n_divergent", "accept_stat"
 * (mean over sampling iterations), "treedepth_max", "n_leapfrog" (total,
 * warmup included) and scalar "n_divergent_total"; matrix "inv_metric"
 * (dim x chains, the adapted diagonal inverse mass matrix); matrix
 * "sampler_params" ((chains * samples) x 5, colnames "accept_stat",
 * "step_size", "treedepth", "n_leapfrog", "divergent", rows as "draws").
 * Parameter names: "p" (Beta–Binomial), "lambda" (Gamma–Poisson), "mu",
 * "sigma2" (NIG), "mu_a", "mu_b", "sigma2_a", "sigma2_b", "diff" (= mu_b -
 * mu_a; Gibbs), "theta[1]" ... "theta[dim]" (NUTS).
 */
#ifndef CAUSAL_SAMPLER_H
#define CAUSAL_SAMPLER_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_sampler causal_sampler;

/* Log density (up to a constant) and its gradient at theta[0..dim-1].
 * Write *logp and grad[0..dim-1]; return 0 on success.
 *   return > 0: theta is outside the support (Stan's domain error): the
 *               point is rejected (during a trajectory: a divergence);
 *   return < 0: fatal error; the run stops with CAUSAL_EINVAL and a message
 *               naming the chain, iteration and the returned value.
 * A NaN or +Inf *logp or a non-finite gradient is treated like a return
 * > 0 (a divergence inside a trajectory, as in Stan); at the initial point
 * it is an error (CAUSAL_ENONFINITE). The callback must not modify theta.
 * With CAUSAL_SAMPLER_THREADS > 1 it is called from several threads at
 * once (different theta buffers) and must be thread-safe. */
typedef int (*causal_logp_grad_fn)(void *ctx, const double *theta,
                                   size_t dim, double *logp, double *grad);

/* Model kinds (pinned), as reported by causal_sampler_kind. */
enum {
  CAUSAL_SAMPLER_BETA_BINOMIAL = 1,
  CAUSAL_SAMPLER_GAMMA_POISSON = 2,
  CAUSAL_SAMPLER_NORMAL_NIG = 3,
  CAUSAL_SAMPLER_GIBBS_TWO_GROUP = 4,
  CAUSAL_SAMPLER_NUTS = 5
};

/* Option keys (pinned); causal_sampler_bounds() gives each range.
 * Integer keys (causal_sampler_set_int): */
enum {
  CAUSAL_SAMPLER_SEED = 1,          /* default 0 (any int64, used as uint64) */
  CAUSAL_SAMPLER_CHAINS = 2,        /* default 4, 1..1024 */
  CAUSAL_SAMPLER_SAMPLES = 3,       /* draws kept per chain, default 1000 */
  CAUSAL_SAMPLER_WARMUP = 4,        /* default 1000 (NUTS, Gibbs); 0 for the
                                       conjugate models (ignored there) */
  CAUSAL_SAMPLER_MAX_TREEDEPTH = 5, /* NUTS, default 10, 1..30 */
  CAUSAL_SAMPLER_THREADS = 6,       /* chains run in parallel, default 1 */
  CAUSAL_SAMPLER_ADAPT = 7,         /* NUTS: 1 adapt step size and metric in
                                       warmup (default), 0 keep fixed */
  CAUSAL_SAMPLER_THIN = 8           /* keep every k-th draw, default 1 */
};
/* Double keys (causal_sampler_set_double): */
enum {
  CAUSAL_SAMPLER_TARGET_ACCEPT = 101, /* NUTS delta, default 0.8, (0, 1) */
  CAUSAL_SAMPLER_STEP_SIZE = 102,     /* NUTS initial step, default 1 */
  CAUSAL_SAMPLER_INIT_RADIUS = 103,   /* random inits U(-r, r), default 2 */
  CAUSAL_SAMPLER_HDI_PROB = 104,      /* default 0.9, (0, 1) */
  CAUSAL_SAMPLER_MAX_DELTA_H = 105    /* divergence threshold, default 1000 */
};

/* ---- constructors (data are copied; *out = NULL on failure) ---- */
/* 0 <= successes <= trials (real values allowed); a0, b0 > 0. */
CAUSAL_API int causal_sampler_new_beta_binomial(causal_sampler **out,
                                                double successes,
                                                double trials, double a0,
                                                double b0);
/* count >= 0, exposure > 0 (a count observed over exposure units);
 * shape0, rate0 > 0. Posterior Gamma(shape0 + y, rate0 + e). */
CAUSAL_API int causal_sampler_new_gamma_poisson(causal_sampler **out,
                                                double count, double exposure,
                                                double shape0, double rate0);
/* n >= 1 finite observations; k0 > 0, a0 > 0, b0 > 0, m0 finite. */
CAUSAL_API int causal_sampler_new_normal(causal_sampler **out, const double *y,
                                         size_t n, double m0, double k0,
                                         double a0, double b0);
/* n_a, n_b >= 2 finite observations. Priors: m0 finite, v0 > 0 (Inf:
 * flat), a0 >= 0, b0 >= 0 finite; a group whose values are all equal needs
 * b0 > 0 (otherwise its posterior is improper). Chains start at the group
 * means and variances. With v0 = Inf the result has "exact_mean" and
 * "exact_var" (Student t and inverse-gamma marginals). */
CAUSAL_API int causal_sampler_new_gibbs_two_group(causal_sampler **out,
                                                  const double *y_a,
                                                  size_t n_a,
                                                  const double *y_b,
                                                  size_t n_b, double m0,
                                                  double v0, double a0,
                                                  double b0);
/* dim >= 1; fn non-NULL; ctx passed through untouched. */
CAUSAL_API int causal_sampler_new_nuts(causal_sampler **out, size_t dim,
                                       causal_logp_grad_fn fn, void *ctx);
CAUSAL_API void causal_sampler_free(causal_sampler *s);
CAUSAL_API int causal_sampler_kind(const causal_sampler *s, int *kind);

CAUSAL_API int causal_sampler_set_int(causal_sampler *s, int key,
                                      int64_t value);
CAUSAL_API int causal_sampler_set_double(causal_sampler *s, int key,
                                         double value);
CAUSAL_API int causal_sampler_get_int(const causal_sampler *s, int key,
                                      int64_t *value);
CAUSAL_API int causal_sampler_get_double(const causal_sampler *s, int key,
                                         double *value);
CAUSAL_API int causal_sampler_bounds(int key, double *min, double *max);

/* NUTS initial values: n = dim (every chain starts there) or n = dim *
 * chains (chain c from init[c * dim ...]); finite values. NULL (n = 0)
 * restores random inits U(-r, r) per coordinate from the chain's stream
 * (up to 100 attempts to find a finite log density, as Stan). */
CAUSAL_API int causal_sampler_set_init(causal_sampler *s, const double *init,
                                       size_t n);

/* Run all chains. The handle may be run again (same options: same
 * draws). */
CAUSAL_API int causal_sampler_run(const causal_sampler *s,
                                  causal_result **out);

/* ---- diagnostics on given draws -----------------------------------------
 * draws: n_iter x n_chains values of one parameter, chain-major
 * (draws[c * n_iter + i] is iteration i of chain c). Conventions and
 * formulas of R package posterior 1.4.0 (Vehtari et al. 2021):
 *   rhat       rank-normalized split R-hat, max of bulk and folded (tail)
 *   ess_bulk   ESS of rank-normalized split chains
 *   ess_tail   min of the ESS of the 5% and 95% quantile indicators
 *   ess_mean   ESS of the split chains (no rank normalization)
 *   mcse_mean  sd(all draws) / sqrt(ess_mean)
 * Results are NaN (status OK) where posterior returns NA: fewer than 3
 * iterations per split chain (ESS), constant draws. Non-finite draws are an
 * error (CAUSAL_ENONFINITE, naming chain and iteration). n_iter >= 2. */
CAUSAL_API int causal_mcmc_rhat(const double *draws, size_t n_iter,
                                size_t n_chains, double *value);
CAUSAL_API int causal_mcmc_ess_bulk(const double *draws, size_t n_iter,
                                    size_t n_chains, double *value);
CAUSAL_API int causal_mcmc_ess_tail(const double *draws, size_t n_iter,
                                    size_t n_chains, double *value);
CAUSAL_API int causal_mcmc_ess_mean(const double *draws, size_t n_iter,
                                    size_t n_chains, double *value);
CAUSAL_API int causal_mcmc_mcse_mean(const double *draws, size_t n_iter,
                                     size_t n_chains, double *value);
/* Highest-density interval of n >= 1 draws: the shortest interval
 * [x_(i), x_(i+m)] of the sorted draws, m = floor(prob * n) (ArviZ and
 * HDInterval convention; lowest i on ties); 0 < prob < 1. */
CAUSAL_API int causal_mcmc_hdi(const double *draws, size_t n, double prob,
                               double *low, double *high);
/* Summary of P parameters: draws is the (n_iter * n_chains) x P
 * column-major matrix of the sampler's "draws" entry (names: NULL or P
 * strings). Result kind "mcmc_summary" with the matrix "summary"
 * described above (quantiles by R's type 7). */
CAUSAL_API int causal_mcmc_summary(causal_result **out, const double *draws,
                                   size_t n_iter, size_t n_chains, size_t p,
                                   const char *const *names, double hdi_prob);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_SAMPLER_H */
