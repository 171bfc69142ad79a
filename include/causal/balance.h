/* libcausal — covariate balance between treated and control units, before
 * and after matching or weighting.
 *
 * A causal_balance handle names the treatment column (0/1 as in
 * propensity.h) and the covariates (columns; a categorical column gives
 * one row per level, named "col[level]"). causal_balance_compute evaluates
 * it on a dataset, optionally with adjustment weights (one per dataset
 * row, >= 0: matching weights or IPW weights; 0 = unit not used). Rows
 * with a missing treatment or covariate are dropped (their weights are
 * ignored).
 *
 * Statistics follow R MatchIt's summary() (standardize = TRUE), so its
 * tables are reproduced exactly:
 *   means          weighted means per arm
 *   smd            (mean_t - mean_c) / s, with s from the UNWEIGHTED sample
 *                  (before and after adjustment alike): SD_DENOM POOLED
 *                  s = sqrt((s_t^2 + s_c^2)/2), TREATED s_t, CONTROL s_c;
 *                  sample variances (n - 1) for continuous covariates and
 *                  m(1 - m) for binary (0/1) ones. |difference| <= 1.5e-8
 *                  is reported unstandardized.
 *   var_ratio      weighted variance treated / control (NaN for binary),
 *                  variance sum w (x - m)^2 / (1 - sum w^2), w normalized
 *   ecdf_mean/max  mean and max over the distinct values of |F_t - F_c| of
 *                  the weighted empirical CDFs; for binary covariates both
 *                  equal |mean_t - mean_c|
 * Options: CAUSAL_BALANCE_SD_DENOM (CAUSAL_BALANCE_POOLED default,
 * _TREATED, _CONTROL), CAUSAL_BALANCE_THRESHOLD (|smd| above it is
 * flagged; default 0.1).
 *
 * Result (kind "balance"): matrix "balance" with one row per covariate and
 * columns "mean_treated", "mean_control", "smd", "var_ratio",
 * "ecdf_mean", "ecdf_max", "flag" (1 if |smd| > threshold), and with
 * weights the same seven again suffixed "_adj"; scalars "threshold",
 * "n_flagged" (and "n_flagged_adj"), "max_abs_smd" (and "_adj"), "nobs",
 * "n_dropped", "n_treated", "n_control", with weights "ess_treated",
 * "ess_control" (Kish); string "sd_denom". A covariate constant in the
 * sample gets a warning. Errors: treatment not 0/1 or one arm empty
 * (CAUSAL_EINVAL), weights negative/NaN (CAUSAL_ERANGE / _ENONFINITE naming
 * the row), nweights != nrows (CAUSAL_EDIM), an arm with zero total
 * weight (CAUSAL_EINVAL). Formulas: docs/methods/balance.md.
 */
#ifndef CAUSAL_BALANCE_H
#define CAUSAL_BALANCE_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_balance causal_balance;

enum { CAUSAL_BALANCE_SD_DENOM = 1, CAUSAL_BALANCE_THRESHOLD = 101 };
enum {
  CAUSAL_BALANCE_POOLED = 1,
  CAUSAL_BALANCE_TREATED = 2,
  CAUSAL_BALANCE_CONTROL = 3
};

CAUSAL_API int causal_balance_new(causal_balance **out);
CAUSAL_API void causal_balance_free(causal_balance *b);
CAUSAL_API int causal_balance_set_treatment(causal_balance *b,
                                            const char *column);
CAUSAL_API int causal_balance_add_covariate(causal_balance *b,
                                            const char *column);
CAUSAL_API int causal_balance_set_int(causal_balance *b, int key,
                                      int64_t value);
CAUSAL_API int causal_balance_set_double(causal_balance *b, int key,
                                         double value);
CAUSAL_API int causal_balance_get_int(const causal_balance *b, int key,
                                      int64_t *value);
CAUSAL_API int causal_balance_get_double(const causal_balance *b, int key,
                                         double *value);
CAUSAL_API int causal_balance_bounds(int key, double *min, double *max);
/* weights: NULL (unadjusted only) or nweights == nrows(ds) values. */
CAUSAL_API int causal_balance_compute(causal_result **out,
                                      const causal_balance *b,
                                      const causal_dataset *ds,
                                      const double *weights, size_t nweights);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_BALANCE_H */
