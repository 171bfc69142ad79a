/* libcausal — difference-in-differences on top of the regression engine.
 *
 * A causal_did handle is a specification: the design, column roles and
 * options. causal_did_fit() evaluates it on a dataset (the handle is not
 * modified and can be reused). Formulas, conventions and the references
 * each number reproduces: docs/methods/did.md.
 *
 * Designs (CAUSAL_DID_DESIGN):
 *   2X2          y ~ group + post + group:post (+ terms), with an intercept.
 *                group/post come from 0/1 columns (causal_did_set_group,
 *                causal_did_set_post) or, when those are not set, from the
 *                time column and a single treatment date (cohort or
 *                treatment column): group = unit ever treated, post =
 *                time >= the treatment date.
 *   TWFE         y ~ D (+ terms) | unit + time (absorbed fixed effects).
 *                D is the treatment column (0/1 treated in this period) or,
 *                without it, 1{time >= cohort}.
 *   EVENT_STUDY  y ~ sum_{r != ref} 1{time - cohort = r} (+ terms) | unit +
 *                time, r over the event window; never-treated units have
 *                all dummies 0. Needs a numeric, integer-valued time column
 *                and the cohort (or an absorbing treatment column, from
 *                which the cohort is the first treated period).
 *
 * Column roles: outcome (required); unit and time (required for TWFE and
 * EVENT_STUDY); treatment (0/1 per row) and/or cohort (first treated
 * period per unit; 0, NA or +Inf = never treated; constant within a unit);
 * group and post (2X2); terms (covariates, causal_design syntax); weights;
 * cluster columns (default: the unit when it is set, CR1).
 *
 * Result (kind "did"):
 *   string "design"        "2x2", "twfe" or "event_study"
 *   table  "coef"          the kept coefficients: "group", "post",
 *                          "group:post" (2X2), "treated" (TWFE), "rel[r]"
 *                          (EVENT_STUDY), then the covariate terms
 *   matrix "vcov", string "vcov_type", scalar "df" (so causal_regress_wald
 *                          accepts a did result), "nobs", "n_dropped",
 *                          "n_units", "n_periods", "n_clusters",
 *                          "n_treated_units", "n_never_treated"
 *   scalars "estimate", "std_error", "statistic", "p_value", "conf_low",
 *                          "conf_high": the headline effect (2X2: group:post;
 *                          TWFE: treated; EVENT_STUDY: the average of the
 *                          post-period coefficients r >= 0)
 *   2X2: vector "cell_means" (control_pre, control_post, treated_pre,
 *        treated_post; weighted with weights) and scalar "estimate_means"
 *        (the DiD of the four means)
 *   EVENT_STUDY: table "event" (rows "rel[r]" for every r of the window,
 *        the reference row with estimate 0, std_error 0, statistic and
 *        p_value NaN, CI [0, 0]), vector "event_time" (r of each row),
 *        scalar "reference"; when there are leads: "pretrend_statistic"
 *        (chi-square form W), "pretrend_f" (W / q), "pretrend_df1",
 *        "pretrend_df2", "pretrend_p_value" (joint Wald test that all lead
 *        coefficients are 0, via causal_regress_wald)
 *   with trends: scalar "n_trend_parameters".
 */
#ifndef CAUSAL_DID_H
#define CAUSAL_DID_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/regress.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_did causal_did;

/* Designs (pinned). */
enum { CAUSAL_DID_2X2 = 1, CAUSAL_DID_TWFE = 2, CAUSAL_DID_EVENT_STUDY = 3 };

/* Endpoint handling of a limited event window (pinned). */
enum {
  CAUSAL_DID_BIN = 1, /* relative times beyond the window join the end bins */
  CAUSAL_DID_DROP = 2 /* observations of treated units beyond it are dropped */
};

/* Option keys (pinned); causal_did_bounds() gives each key's range. */
enum {
  CAUSAL_DID_DESIGN = 1,        /* CAUSAL_DID_*; default TWFE */
  CAUSAL_DID_REFERENCE = 2,     /* reference relative period, default -1 */
  CAUSAL_DID_LEADS = 3,         /* window starts at -LEADS; -1 (default) = all
                                   observed leads */
  CAUSAL_DID_LAGS = 4,          /* window ends at +LAGS; -1 (default) = all */
  CAUSAL_DID_ENDPOINTS = 5,     /* CAUSAL_DID_BIN (default) or _DROP */
  CAUSAL_DID_TRENDS = 6,        /* 1: unit-specific linear time trends */
  CAUSAL_DID_VCOV = 7,          /* CAUSAL_VCOV_*; 0 = default (CR1 by unit
                                   when a unit column is set, else classical) */
  CAUSAL_DID_SSC = 8,           /* CAUSAL_SSC_*; default CAUSAL_SSC_R */
  CAUSAL_DID_PLACEBO_SHIFT = 9, /* k > 0: fake treatment date k time units
                                   before the real one, on the
                                   pre-treatment rows only; default 0 */
  CAUSAL_DID_MAXITER = 10, /* fixed-effect iterations (0 = engine default) */
  CAUSAL_DID_CONF_LEVEL = 101, /* default 0.95 */
  CAUSAL_DID_TOL = 102         /* fixed-effect tolerance (0 = default) */
};

CAUSAL_API int causal_did_new(causal_did **out, int design);
CAUSAL_API void causal_did_free(causal_did *d);

/* Column roles; each setter replaces the previous column. NULL clears the
 * optional roles (unit, time, treatment, cohort, group, post, weights). */
CAUSAL_API int causal_did_set_outcome(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_unit(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_time(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_treatment(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_cohort(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_group(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_post(causal_did *d, const char *column);
CAUSAL_API int causal_did_set_weights(causal_did *d, const char *column);
/* Covariates (causal_design terms) and cluster columns (one or two). */
CAUSAL_API int causal_did_add_term(causal_did *d, const char *term);
CAUSAL_API int causal_did_add_cluster(causal_did *d, const char *column);

CAUSAL_API int causal_did_set_int(causal_did *d, int key, int64_t value);
CAUSAL_API int causal_did_set_double(causal_did *d, int key, double value);
CAUSAL_API int causal_did_get_int(const causal_did *d, int key, int64_t *value);
CAUSAL_API int causal_did_get_double(const causal_did *d, int key,
                                     double *value);
CAUSAL_API int causal_did_bounds(int key, double *min, double *max);

CAUSAL_API int causal_did_fit(causal_result **out, const causal_did *d,
                              const causal_dataset *ds);
/* Placebo outcome: the same specification fitted to another outcome
 * column (the handle is not modified). */
CAUSAL_API int causal_did_fit_outcome(causal_result **out, const causal_did *d,
                                      const causal_dataset *ds,
                                      const char *outcome);


#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_DID_H */
