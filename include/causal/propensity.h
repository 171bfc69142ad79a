/* libcausal — propensity scores, clipping, trimming and overlap diagnostics.
 *
 * A causal_propensity handle is a specification: the treatment column (0/1
 * values: BOOL, integer or float64 0/1, or a two-level categorical whose
 * second level is "treated"), and either design terms of a logistic model
 * (as in causal_regress: "x", "a:b", categorical dummies; an intercept is
 * always included) or a column of user-supplied scores. causal_propensity_fit
 * evaluates it on a dataset. The logistic model is causal_regress with
 * CAUSAL_REGRESS_LOGIT (perfect separation is CAUSAL_ESEPARATION naming the
 * variable; collinear terms are CAUSAL_ESINGULAR naming them: the score
 * model must be full rank so that the M-estimators of weighting.h can
 * stack its estimating equations).
 *
 * Rows with a missing value in any used column are dropped and counted.
 *
 * Options (pinned keys; causal_propensity_bounds gives the ranges):
 *   CAUSAL_PROPENSITY_TRIM       CAUSAL_TRIM_NONE (default), CAUSAL_TRIM_FIXED
 *                                (keep TRIM_LOW <= e <= TRIM_HIGH) or
 *                                CAUSAL_TRIM_CRUMP (Crump, Hotz, Imbens and
 *                                Mitnik 2009: keep alpha <= e <= 1 - alpha,
 *                                alpha from their closed-form rule)
 *   CAUSAL_PROPENSITY_BINS       histogram bins, default 20, 1..10000
 *   CAUSAL_PROPENSITY_MAXITER    logit iterations, default 50
 *   CAUSAL_PROPENSITY_CLIP_LOW   scores below are set to it (default 0: none)
 *   CAUSAL_PROPENSITY_CLIP_HIGH  scores above are set to it (default 1: none)
 *   CAUSAL_PROPENSITY_TRIM_LOW   fixed trimming bounds, default 0.1 / 0.9
 *   CAUSAL_PROPENSITY_TRIM_HIGH
 * Clipping happens before trimming. A score (after clipping) that is NaN,
 * Inf, <= 0 or >= 1 is an error naming the row (CAUSAL_ENONFINITE or
 * CAUSAL_ERANGE). All treated or no treated rows: CAUSAL_EINVAL. No unit
 * left after trimming, or no common support (max score of one arm below
 * the min of the other): CAUSAL_ENOOVERLAP.
 *
 * Result (kind "propensity"), vectors of length nobs in the order of the
 * used dataset rows:
 *   vector "propensity"        scores after clipping
 *   vector "linear_predictor"  logit of the unclipped scores (x'b)
 *   vector "treatment"         0/1
 *   vector "rows"              0-based dataset rows used
 *   vector "keep"              1 if kept by trimming (all 1 without)
 *   table "coef", matrix "vcov" of the logit (absent with user scores)
 *   scalars "nobs", "n_dropped", "n_treated", "n_control", "n_clipped",
 *     "n_trimmed", "trim_low", "trim_high" (bounds applied; 0 and 1 without
 *     trimming), "crump_alpha" (NaN unless CRUMP),
 *     "support_low" = max(min score treated, min score control),
 *     "support_high" = min(max treated, max control), "n_outside_support",
 *     "share_outside_support" (units outside [support_low, support_high])
 *   matrix "quantiles" 2 x 7: rows "control", "treated"; columns "min",
 *     "p05", "p25", "p50", "p75", "p95", "max" (R's type 7 quantiles)
 *   vector "hist_edges"  bins + 1 common bin edges over [min, max] score
 *   matrix "hist_counts" 2 x bins: rows "control", "treated" (a bin holds
 *     edge[j] <= e < edge[j+1]; the last bin includes its right edge)
 * Formulas: docs/methods/propensity.md.
 */
#ifndef CAUSAL_PROPENSITY_H
#define CAUSAL_PROPENSITY_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_propensity causal_propensity;

enum {
  CAUSAL_PROPENSITY_TRIM = 1,
  CAUSAL_PROPENSITY_BINS = 2,
  CAUSAL_PROPENSITY_MAXITER = 3,
  CAUSAL_PROPENSITY_CLIP_LOW = 101,
  CAUSAL_PROPENSITY_CLIP_HIGH = 102,
  CAUSAL_PROPENSITY_TRIM_LOW = 103,
  CAUSAL_PROPENSITY_TRIM_HIGH = 104
};

enum { CAUSAL_TRIM_NONE = 0, CAUSAL_TRIM_FIXED = 1, CAUSAL_TRIM_CRUMP = 2 };

CAUSAL_API int causal_propensity_new(causal_propensity **out);
CAUSAL_API void causal_propensity_free(causal_propensity *p);
CAUSAL_API int causal_propensity_set_treatment(causal_propensity *p,
                                               const char *column);
/* Logistic model term (repeatable). */
CAUSAL_API int causal_propensity_add_term(causal_propensity *p,
                                          const char *term);
/* Use this column as the scores instead of fitting (NULL: fit again). */
CAUSAL_API int causal_propensity_set_scores(causal_propensity *p,
                                            const char *column);
CAUSAL_API int causal_propensity_set_int(causal_propensity *p, int key,
                                         int64_t value);
CAUSAL_API int causal_propensity_set_double(causal_propensity *p, int key,
                                            double value);
CAUSAL_API int causal_propensity_get_int(const causal_propensity *p, int key,
                                         int64_t *value);
CAUSAL_API int causal_propensity_get_double(const causal_propensity *p,
                                            int key, double *value);
CAUSAL_API int causal_propensity_bounds(int key, double *min, double *max);
CAUSAL_API int causal_propensity_fit(causal_result **out,
                                     const causal_propensity *p,
                                     const causal_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_PROPENSITY_H */
