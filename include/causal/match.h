/* libcausal — nearest-neighbour matching (propensity score, Mahalanobis),
 * with the effect after matching and its standard errors.
 *
 * A causal_match handle is a specification: the treatment column (0/1),
 * the propensity-model terms (causal_design terms, fitted by the logistic
 * regression engine) or a user-supplied score column, optional Mahalanobis
 * columns, exact-matching columns, the outcome (for effects) and options.
 * It is not modified by fitting and can be reused on other datasets.
 * Formulas, tie rules and what reproduces R MatchIt / Matching exactly:
 * docs/methods/matching.md.
 *
 * Greedy nearest-neighbour matching (causal_match_fit) follows R MatchIt
 * 4.5.1 method = "nearest":
 *   - the focal group is the treated (ATT) or the controls (ATC); each focal
 *     unit, in the match order, takes its nearest available unit of the
 *     other group, RATIO passes over the focal units (pass r gives every
 *     focal unit its r-th match);
 *   - distance: the fitted propensity score (DIST_PS, MatchIt distance =
 *     "glm"), its linear predictor (DIST_LINEAR_PS, link "linear.logit"),
 *     the score column as given (set_score), or Mahalanobis distance on the
 *     Mahalanobis columns (pooled within-group covariance of the
 *     standardized columns, as MatchIt), optionally within a caliper on the
 *     score;
 *   - caliper: |score_i - score_j| <= CALIPER * SD(score) (STD_CALIPER = 1,
 *     SD over all units) or <= CALIPER (STD_CALIPER = 0);
 *   - exact columns: matching runs separately within each combination of
 *     their levels;
 *   - ties (deterministic): units are ranked by (score, row); a focal unit's
 *     nearest candidates below and above it in that ranking are compared
 *     and the one below wins a tie in |difference|. Mahalanobis: the lowest
 *     row among distances equal to 1e-9 relative (so rounding cannot
 *     decide between mathematically equal distances). Match order
 * LARGEST/SMALLEST breaks ties in the score by row; RANDOM is a PCG64
 * permutation (SEED). MatchIt 4.5.1 compares integer-truncated |differences| in
 * its score path (C abs() on a double): with both neighbours within 1 score
 * unit the one below is taken even if farther, and calipers under 1 score unit
 * are ignored. COMPAT = 1 reproduces that exactly; the default is the true
 * nearest neighbour.
 * Estimand ATE is refused for greedy matching (CAUSAL_EINVAL): greedy
 * matching of the focal group only balances that group (as MatchIt).
 *
 * Result of causal_match_fit (kind "match"):
 *   vector "distance"   the score of every row (NaN for pure Mahalanobis)
 *   vector "weights"    MatchIt weights: matched focal units 1, a matched
 *                       unit of the other group the sum over its focal
 *                       units of 1/(matches of that focal unit), then
 *                       rescaled so these sum to their count; unmatched 0
 *   vector "subclass"   matched set id 1..S (the S matched focal units in
 *                       row order) of every matched row, 0 otherwise (no
 *                       replacement only; all 0 with replacement)
 *   matrix "match_matrix" n_focal x RATIO: 0-based row of each match, -1
 *                       if none; rows are the focal units in row order
 *   vector "focal_rows" 0-based rows of the focal units
 *   scalars "n_treated", "n_control", "n_matched_treated",
 *           "n_matched_control", "n_unmatched_treated",
 *           "n_unmatched_control", "caliper" (absolute width, Inf if none),
 *           "ratio", "replace"
 * No focal unit matched: CAUSAL_EINVAL "no units were matched".
 *
 * causal_match_effect: matches as causal_match_fit, then the effect
 * difference of weighted outcome means (weighted least squares of the outcome
 * on the treatment in the matched data) with MatchIt's recommended
 * standard error: cluster-robust on matched-set membership
 * (sandwich::vcovCL, HC1-type, G/(G-1) (n-1)/(n-2)) without replacement;
 * HC1 with replacement. All entries of causal_match_fit plus scalars
 * "estimate", "std_error", "statistic", "p_value", "conf_low",
 * "conf_high", "df" (Inf: normal reference), "nobs", "n_clusters";
 * string "vcov_type".
 *
 * causal_match_ai: Abadie–Imbens matching estimator, R Matching::Match:
 * matching with replacement on the covariates (the Mahalanobis columns, or
 * the score when AI_ON_SCORE = 1), M matches with all ties kept, weighting
 * matrix AI_WEIGHT 1 (inverse variances) or 2 (Mahalanobis), estimand ATT,
 * ATC or ATE, optional regression bias adjustment, and the Abadie–Imbens
 * (2006) standard error (homoskedastic, Var.calc = 0 as Matching's
 * default, or heteroskedastic with AI_VAR_MATCHES = J > 0). When matching
 * on the propensity score estimated from the covariate terms, AI_PS_ADJUST
 * = 1 adds the Abadie–Imbens (2016) correction for the estimated score.
 * Result (kind "match_ai"): scalars "estimate", "std_error" (the AI 2016
 * SE when AI_PS_ADJUST = 1, else AI 2006), "std_error_unadjusted" (AI 2006;
 * only with AI_PS_ADJUST), "statistic", "p_value", "conf_low",
 * "conf_high" (normal reference), "nobs", "n_treated", "n_control",
 * "n_matched_pairs" (matched pairs incl. ties), "M" (after capping at the
 * arm sizes); strings "estimand", "vcov_type". The plain bootstrap is not
 * offered: it is invalid for nearest-neighbour matching.
 * Errors: no outcome, no covariates (or score with AI_ON_SCORE),
 * AI_PS_ADJUST without a score estimated from covariates (CAUSAL_EINVAL);
 * a singular bias-adjustment regression or propensity information matrix
 * (CAUSAL_ESINGULAR); a non-positive adjusted variance (CAUSAL_EINVAL).
 */
#ifndef CAUSAL_MATCH_H
#define CAUSAL_MATCH_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_match causal_match;

/* Estimands (pinned). */
enum { CAUSAL_MATCH_ATT = 1, CAUSAL_MATCH_ATC = 2, CAUSAL_MATCH_ATE = 3 };

/* Match order (pinned). Default: LARGEST for ATT, SMALLEST for ATC (the
 * score; MatchIt's defaults), DATA for pure Mahalanobis matching. */
enum {
  CAUSAL_MATCH_ORDER_DEFAULT = 0,
  CAUSAL_MATCH_ORDER_LARGEST = 1,
  CAUSAL_MATCH_ORDER_SMALLEST = 2,
  CAUSAL_MATCH_ORDER_RANDOM = 3,
  CAUSAL_MATCH_ORDER_DATA = 4
};

/* Distance (pinned). */
enum {
  CAUSAL_MATCH_DIST_PS = 1,         /* fitted probability (default) */
  CAUSAL_MATCH_DIST_LINEAR_PS = 2,  /* logit linear predictor */
  CAUSAL_MATCH_DIST_MAHALANOBIS = 3 /* Mahalanobis columns only */
};

/* Option keys (pinned); integer via set_int, real via set_double. */
enum {
  CAUSAL_MATCH_ESTIMAND = 1,       /* default ATT */
  CAUSAL_MATCH_RATIO = 2,          /* k of k:1, 1..1000; default 1 */
  CAUSAL_MATCH_REPLACE = 3,        /* 0 (default) or 1 */
  CAUSAL_MATCH_ORDER = 4,          /* CAUSAL_MATCH_ORDER_* */
  CAUSAL_MATCH_DISTANCE = 5,       /* CAUSAL_MATCH_DIST_* */
  CAUSAL_MATCH_SEED = 6,           /* PCG64 seed for ORDER_RANDOM; default 1 */
  CAUSAL_MATCH_STD_CALIPER = 7,    /* 1 (default): caliper in SD units */
  CAUSAL_MATCH_AI_M = 8,           /* Matching::Match M, default 1 */
  CAUSAL_MATCH_AI_BIAS_ADJUST = 9, /* 0 (default) or 1 */
  CAUSAL_MATCH_AI_WEIGHT = 10, /* 1 (default) inverse variance, 2 Mahalanobis */
  CAUSAL_MATCH_AI_ON_SCORE = 11,    /* 1: match on the score, 0 (default):
                                       on the Mahalanobis columns */
  CAUSAL_MATCH_AI_PS_ADJUST = 12,   /* 1: Abadie–Imbens (2016) SE */
  CAUSAL_MATCH_AI_VAR_MATCHES = 13, /* J for heteroskedastic variance; 0 */
  CAUSAL_MATCH_COMPAT = 14,         /* 1: MatchIt 4.5.1's score comparisons
                                       (integer-truncated |differences|); 0 */
  CAUSAL_MATCH_CALIPER = 101,       /* > 0; default Inf (no caliper) */
  CAUSAL_MATCH_CONF_LEVEL = 102     /* default 0.95 */
};

CAUSAL_API int causal_match_new(causal_match **out);
CAUSAL_API void causal_match_free(causal_match *m);

/* Treatment: numeric, integer or bool column with values 0 and 1. */
CAUSAL_API int causal_match_set_treatment(causal_match *m, const char *column);
/* Outcome (causal_match_effect, causal_match_ai). */
CAUSAL_API int causal_match_set_outcome(causal_match *m, const char *column);
/* A term of the logistic propensity model (causal_design syntax). */
CAUSAL_API int causal_match_add_covariate(causal_match *m, const char *term);
/* A user-supplied score column used as the distance (no model is fitted;
 * DIST_PS / DIST_LINEAR_PS then both mean "this column"). NULL clears. */
CAUSAL_API int causal_match_set_score(causal_match *m, const char *column);
/* A numeric Mahalanobis column (used for DIST_MAHALANOBIS, for Mahalanobis
 * matching within the score caliper when the distance is a score, and as
 * the covariates of causal_match_ai). */
CAUSAL_API int causal_match_add_mahalanobis(causal_match *m,
                                            const char *column);
/* An exact-matching column (any type; categorical levels or values). */
CAUSAL_API int causal_match_add_exact(causal_match *m, const char *column);

CAUSAL_API int causal_match_set_int(causal_match *m, int key, int64_t value);
CAUSAL_API int causal_match_set_double(causal_match *m, int key, double value);
CAUSAL_API int causal_match_get_int(const causal_match *m, int key,
                                    int64_t *value);
CAUSAL_API int causal_match_get_double(const causal_match *m, int key,
                                       double *value);
CAUSAL_API int causal_match_bounds(int key, double *min, double *max);

CAUSAL_API int causal_match_fit(causal_result **out, const causal_match *m,
                                const causal_dataset *ds);
CAUSAL_API int causal_match_effect(causal_result **out, const causal_match *m,
                                   const causal_dataset *ds);
CAUSAL_API int causal_match_ai(causal_result **out, const causal_match *m,
                               const causal_dataset *ds);

#ifdef __cplusplus
}
#endif

#endif
