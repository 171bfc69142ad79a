/* libcausal — inverse probability weighting and augmented IPW (doubly
 * robust) effects with M-estimation standard errors.
 *
 * A causal_weighting handle holds the outcome side of the estimator: the
 * outcome column, the outcome-regression terms used by AIPW (default: the
 * propensity model's terms), an optional cluster column, and options. The
 * propensity side (treatment, score model or supplied scores, clipping,
 * trimming) is a causal_propensity passed to causal_weighting_fit. Rows
 * with a missing value in any used column are dropped first.
 *
 * Estimands (tilting function h(e) of the score e): ATE h = 1, ATT h = e,
 * ATC h = 1 - e, ATO (overlap weights) h = e(1 - e). Unit weights are
 * w = h(e)/e for treated and h(e)/(1 - e) for control units (0 for units
 * removed by trimming). Methods:
 *   CAUSAL_WEIGHTING_IPW    Horvitz–Thompson: mu_a = sum w y 1{T=a} / sum h
 *   CAUSAL_WEIGHTING_HAJEK  normalized: mu_a = sum w y 1{T=a} / sum w 1{T=a}
 *                           (statsmodels TreatmentEffect.ipw; default)
 *   CAUSAL_WEIGHTING_AIPW   augmented: OLS outcome regression per arm
 *                           m_a(x), mu_a = sum [h m_a + w 1{T=a}(y - m_a)]
 *                           / sum h (statsmodels .aipw for the ATE)
 * Effect = mu_1 - mu_0. Standard errors stack the estimating equations of
 * mu_1, mu_0, the outcome regressions (AIPW) and the logit score model
 * (when the scores are estimated; clipped scores have zero derivative) and
 * use the sandwich J^-1 S J^-T / n (no small-sample factor, normal
 * reference), or with a cluster column the per-cluster sums of the
 * influence functions times G/(G-1). Supplied scores are treated as known.
 *
 * Options: CAUSAL_WEIGHTING_ESTIMAND (CAUSAL_WEIGHTING_ATE default, _ATT,
 * _ATC, _ATO), CAUSAL_WEIGHTING_METHOD (default HAJEK),
 * CAUSAL_WEIGHTING_STABILIZE (0/1: multiply the reported "weights" of arm
 * a by n_a/n; the estimates do not change), CAUSAL_WEIGHTING_CONF_LEVEL
 * (0.95), CAUSAL_WEIGHTING_EXTREME (0.1: warn when one unit carries more
 * than this share of its arm's total weight).
 *
 * Result (kind "weighting"): scalars "estimate", "std_error", "statistic"
 * (z), "p_value", "conf_low", "conf_high", "mu1", "mu0", "mu1_std_error",
 * "mu0_std_error", "nobs", "n_dropped", "n_treated", "n_control",
 * "n_trimmed", "n_clipped", "ess_treated", "ess_control" (Kish),
 * "max_weight_share", "n_clusters" (with a cluster column); strings
 * "estimand", "method"; table "coef" with rows "<ESTIMAND>", "mu1", "mu0";
 * vectors "weights", "propensity", "treatment", "rows" (per used row);
 * AIPW adds vector "outcome_coef" (names "y1:<term>", "y0:<term>": the
 * per-arm OLS coefficients).
 * Errors: outcome not set, AIPW outcome regression singular in an arm
 * (CAUSAL_ESINGULAR naming the arm), and everything causal_propensity_fit
 * reports. Formulas: docs/methods/weighting.md.
 */
#ifndef CAUSAL_WEIGHTING_H
#define CAUSAL_WEIGHTING_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/propensity.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_weighting causal_weighting;

enum {
  CAUSAL_WEIGHTING_ESTIMAND = 1,
  CAUSAL_WEIGHTING_METHOD = 2,
  CAUSAL_WEIGHTING_STABILIZE = 3,
  CAUSAL_WEIGHTING_CONF_LEVEL = 101,
  CAUSAL_WEIGHTING_EXTREME = 102
};

enum {
  CAUSAL_WEIGHTING_ATE = 1,
  CAUSAL_WEIGHTING_ATT = 2,
  CAUSAL_WEIGHTING_ATC = 3,
  CAUSAL_WEIGHTING_ATO = 4
};

enum {
  CAUSAL_WEIGHTING_IPW = 1,
  CAUSAL_WEIGHTING_HAJEK = 2,
  CAUSAL_WEIGHTING_AIPW = 3
};

CAUSAL_API int causal_weighting_new(causal_weighting **out);
CAUSAL_API void causal_weighting_free(causal_weighting *w);
CAUSAL_API int causal_weighting_set_outcome(causal_weighting *w,
                                            const char *column);
/* Outcome-regression term for AIPW (repeatable; none: use the propensity
 * model's terms). */
CAUSAL_API int causal_weighting_add_outcome_term(causal_weighting *w,
                                                 const char *term);
/* Cluster column (any type; NULL removes it). */
CAUSAL_API int causal_weighting_set_cluster(causal_weighting *w,
                                            const char *column);
CAUSAL_API int causal_weighting_set_int(causal_weighting *w, int key,
                                        int64_t value);
CAUSAL_API int causal_weighting_set_double(causal_weighting *w, int key,
                                           double value);
CAUSAL_API int causal_weighting_get_int(const causal_weighting *w, int key,
                                        int64_t *value);
CAUSAL_API int causal_weighting_get_double(const causal_weighting *w, int key,
                                           double *value);
CAUSAL_API int causal_weighting_bounds(int key, double *min, double *max);
CAUSAL_API int causal_weighting_fit(causal_result **out,
                                    const causal_weighting *w,
                                    const causal_propensity *ps,
                                    const causal_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_WEIGHTING_H */
