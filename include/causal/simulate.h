/* libcausal — deterministic synthetic scenarios with known true effects.
 *
 * causal_simulate_scenario() builds, from a seed and a total size, the data
 * of a product team that ran a small randomized experiment next to a large
 * observational rollout, plus a market-level panel for
 * difference-in-differences. The same (seed, rows) gives the same bytes in
 * C, Python and R on any platform with IEEE-754 doubles (draws come only
 * from the library's PCG64; see docs/demo.md for the exact model and the
 * order of the draws).
 *
 * Sizes: rows >= CAUSAL_SIMULATE_MIN_ROWS (1000) and <= 2^32 in total.
 *   panel        n_periods = 10 periods; n_units = floor(rows / 100)
 *                units, so n_panel = 10 * n_units rows (~10%)
 *   user rows    m = rows - n_panel, split into
 *   rct          n_rct = floor(m / 5) users (~20% of the traffic)
 *   obs          n_obs = m - n_rct users
 * so n_rct + n_obs + n_panel == rows exactly.
 *
 * User datasets (rct and obs have the same columns):
 *   "unit"        I64   user id (rct 1..n_rct, obs n_rct+1..n_rct+n_obs)
 *   "treated"     BOOL  treatment received
 *   "tenure"      F64   standardized tenure, N(0, 1)
 *   "mobile"      BOOL  mobile user, Bernoulli(0.4)
 *   "pre_revenue" F64   revenue in the pre-period (the CUPED covariate)
 *   "converted"   BOOL  conversion in the experiment period
 *   "revenue"     F64   revenue in the experiment period
 * Generating model per user (a = latent engagement, never stored):
 *   tenure ~ N(0,1), mobile ~ Bern(0.4), a ~ N(0,1)
 *   pre_revenue = 10 + 3a + 1.5 tenure + 2 e1
 *   revenue(0)  = 10 + 3a + 1.5 tenure + mobile + 3 e2
 *   revenue(1)  = revenue(0) + 0.5 + 0.4 tenure   (heterogeneous effect)
 *   converted(d) = 1{u_c < logistic(-2 + 0.6a + 0.3 tenure + 0.3 mobile
 *                                  + 0.2 d)}       (same u_c for d = 0, 1)
 *   rct: treated = 1{u_t < 0.5}
 *   obs: treated = 1{u_t < logistic(-1.6 + 0.8 tenure + 0.6 mobile
 *                                    + 0.15 (pre_revenue - 10))}
 *   e1, e2 ~ N(0,1); u_c, u_t ~ U[0,1). Selection in obs depends on
 *   observed covariates only (ignorable given tenure, mobile, pre_revenue),
 *   and on characteristics that also raise revenue, so the naive treated -
 *   control difference is biased upwards.
 *
 * Panel dataset ("unit" I64 1..n_units, "period" I64 1..10, "cohort" I64
 * first treated period, 0 = never, "treated" BOOL = 1{cohort > 0 and
 * period >= cohort}, "revenue" F64), rows ordered by unit then period:
 *   cohort: 0 (never) w.p. 0.4, else 4, 6 or 8 w.p. 0.2 each
 *   revenue(0)_it = 20 + 2 f_i + 1{cohort > 0} + 0.25 t + e_it
 *   revenue(1)_it = revenue(0)_it + tau_i,  tau_i = 2 + 0.5 g_i
 *   f_i, g_i, e_it ~ N(0,1): parallel trends hold by construction
 *   (common time effect 0.25 t; level differences between cohorts).
 *
 * Truths: the sample estimands, computed from the generated units'
 * potential outcomes (exact for these data, not only in expectation).
 * The result (kind "scenario") holds scalars
 *   "seed", "rows", "n_rct", "n_obs", "n_units", "n_periods", "n_panel"
 *   "rct_ate_revenue", "rct_ate_conversion"   mean of Y(1) - Y(0), rct users
 *   "obs_att_revenue", "obs_att_conversion"   ... over treated obs users
 *   "obs_ate_revenue", "obs_ate_conversion"   ... over all obs users
 *   "did_att"          mean of tau_i over the treated unit-periods
 *   "param_revenue_effect" (0.5), "param_revenue_effect_tenure" (0.4),
 *   "param_conversion_logodds" (0.2), "param_did_effect" (2),
 *   "param_rct_share" (0.2), "param_rct_p_treat" (0.5): the population
 *   parameters of the generating model,
 * and string "truth_definition".
 *
 * Any of rct, obs, panel, truth may be NULL (that part is not returned);
 * at least one must be given. The parts are drawn from independent PCG64
 * streams (seed, stream 1 = rct, 2 = obs, 3 = panel), so each part is the
 * same whichever others are requested. On failure every *out is NULL.
 * Errors: all outputs NULL -> CAUSAL_EINVAL; rows out of range ->
 * CAUSAL_ERANGE; CAUSAL_ENOMEM.
 */
#ifndef CAUSAL_SIMULATE_H
#define CAUSAL_SIMULATE_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CAUSAL_SIMULATE_MIN_ROWS = 1000 };

CAUSAL_API int causal_simulate_scenario(causal_dataset **rct,
                                        causal_dataset **obs,
                                        causal_dataset **panel,
                                        causal_result **truth, uint64_t seed,
                                        size_t rows);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_SIMULATE_H */
