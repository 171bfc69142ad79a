/* libcausal — fusion of randomized and observational evidence.
 *
 * A causal_fusion handle is a specification: the combination method and
 * its options, and (for the data-level pipeline) column roles. It is not
 * modified by the evaluating functions and can be reused. Formulas,
 * assumptions and the references each number reproduces:
 * docs/methods/fusion.md.
 *
 * ---- Estimate level (causal_fusion_estimates) ----------------------------
 * k >= 1 sources, each an estimate est[i] with standard error se[i] > 0, or
 * a full k x k covariance cov (column-major, symmetric positive definite;
 * then se may be NULL, and when both are given se[i]^2 must equal cov[i,i]
 * to 1e-10 relative). Source CAUSAL_FUSION_RCT (default 0) is the
 * randomized one; the others are observational. Methods
 * (CAUSAL_FUSION_METHOD):
 *   IVW             inverse-variance fixed effect (GLS with cov). Always
 *                   warns that it assumes every source unbiased for the
 *                   same effect.
 *   DL, REML        random effects (DerSimonian–Laird; REML by Fisher
 *                   scoring), with Q, I^2, H^2, tau^2 (metafor::rma
 *                   conventions; with cov, V + tau^2 I as in rma.mv).
 *   POWER_PRIOR     normal-normal synthesis, RCT as prior; each
 *                   observational likelihood is discounted by an assumed
 *                   bias variance s2 = CAUSAL_FUSION_BIAS_VAR (variance
 *                   v_i + s2), i.e. a normal power prior with
 *                   a0_i = v_i / (v_i + s2). s2 = 0 is IVW, s2 = Inf the
 *                   RCT alone.
 *   TEST_THEN_POOL  pool (IVW) when the RCT-vs-observational z test does
 *                   not reject at CAUSAL_FUSION_PRETEST_ALPHA, else the RCT
 *                   alone (warns: naive interval not valid after pretest).
 *   MSE             convex weight lambda on the observational estimate that
 *                   minimizes the estimated MSE, with the squared bias
 *                   estimated by max(0, d^2 - Var d).
 *   MIXTURE         robust mixture prior built from the observational
 *                   evidence: (1-w) N(obs, v_obs) + w N(obs, sd_v^2),
 *                   w = CAUSAL_FUSION_MIX_WEIGHT, sd_v = CAUSAL_FUSION_MIX_SD
 *                   (0 = 10 x the RCT SE), updated by the RCT likelihood;
 *                   closed-form two-component normal posterior.
 * With k > 2, the bias-aware methods (TEST_THEN_POOL, MSE, MIXTURE) first
 * pool the observational sources by GLS into one estimate.
 *
 * Result (kind "fusion"): string "method"; scalars "estimate",
 * "std_error", "statistic" (estimate / SE), "p_value" (two-sided normal),
 * "conf_low", "conf_high", "k", "rct_estimate", "rct_std_error",
 * "rct_weight", "efficiency_gain" = Var(RCT) / Var(fused) - 1 (so 0.85
 * means the fused estimate is worth 85% more randomized sample); vector
 * "weights" (per source, summing to 1); bias diagnostic: scalars
 * "obs_estimate", "obs_std_error" (the GLS pool of the observational
 * sources), "bias_difference" (obs - RCT), "bias_std_error",
 * "bias_statistic" (standardized difference), "bias_p_value"; and
 * "q_statistic", "q_df", "q_p_value" (Cochran's Q of all sources).
 * "conf_level". IVW adds "i2" = 100 max(0, (Q - (k-1)) / Q), "h2" = Q/(k-1);
 * DL/REML add "tau2", "tau", "i2" (percent), "h2", "iterations" (REML);
 * POWER_PRIOR adds "bias_variance", vector "power" (a0 per source; 1 for
 * the RCT); TEST_THEN_POOL adds "pooled" (1/0), "pretest_alpha"; MSE adds
 * "lambda", "bias2", "rmse" (= std_error), "variance_fixed_weight"; MIXTURE
 * adds "prior_vague_weight",
 * "posterior_vague_weight", "vague_sd".
 *
 * causal_fusion_curve: the POWER_PRIOR fusion over a grid of assumed bias
 * variances (ngrid >= 1 values, each >= 0, +Inf allowed). Result (kind
 * "fusion_curve"): vectors "bias_variance", "estimate", "std_error",
 * "conf_low", "conf_high", "rct_weight", "efficiency_gain", "power" (a0 of
 * the pooled observational source); scalar "conf_level" and the bias
 * diagnostic entries.
 *
 * ---- Across K strata (causal_fusion_strata) -----------------------------
 * Per-stratum RCT estimates (rct_est, rct_se) and observational estimates
 * (obs_est; obs_se required by EB_DOUBLE, otherwise optional and only used
 * in the plug-in std_error), K >= 1 (K >= 3 for GREEN_STRAWDERMAN and
 * EB_DOUBLE). d = rct - obs, Sigma = diag(rct_se^2):
 *   KAPPA1  obs + (1 - tr(Sigma) / |d|^2)_+ d      (Rosenman et al. kappa1+)
 *   KAPPA2  obs + (1 - c Sigma_kk)_+ d_k, c = tr(Sigma^2) / d'Sigma^2 d
 *                                                    (kappa2+)
 *   GREEN_STRAWDERMAN  obs + (1 - (K-2) s2bar / |d|^2)_+ d with s2bar the
 *           mean RCT variance (Green & Strawderman 1991, positive part)
 *   EB_DOUBLE  empirical-Bayes double shrinkage (docs/methods/fusion.md).
 * Result (kind "fusion_strata"): string "method"; vectors "estimate",
 * "shrinkage" (weight on the RCT estimate per stratum), "std_error" (plug-in
 * sd treating the shrinkage fixed; see docs), "conf_low", "conf_high"
 * (estimate -/+ 1.96 std_error, same caveat), "rct_estimate",
 * "obs_estimate", "bias_statistic" ((obs - rct) / sqrt(rct_se^2 + obs_se^2),
 * obs_se taken as 0 when NULL), "bias_p_value"; scalars "kappa" (the fitted constant; EB_DOUBLE: the bias
 * variance), "risk_estimate"
 * (URE of the estimator, sum over strata), "rct_risk" (tr Sigma),
 * "efficiency_gain" (rct_risk / risk_estimate - 1).
 *
 * ---- Data level (causal_fusion_fit) -------------------------------------
 * One dataset with randomized and observational rows: outcome, 0/1
 * treatment, 0/1 source column (1 = randomized), optional covariate terms
 * and a stratum column. RCT estimate: difference in means (OLS of outcome
 * on treatment) or, with CAUSAL_FUSION_RCT_ADJUST = 1, regression adjusted
 * with the covariate terms; vcov CAUSAL_FUSION_VCOV (default HC2).
 * Observational estimate (CAUSAL_FUSION_OBS_ESTIMATOR): REGRESSION
 * (outcome ~ treatment + terms, same vcov) or IPW (Hájek, logit propensity
 * on the terms; sandwich SE of the stacked estimating equations) or AIPW
 * (causal_weighting, ATE: logit propensity and per-arm OLS outcome models on
 * the terms, M-estimation SE with the score model). Then the
 * estimate-level fusion by CAUSAL_FUSION_METHOD of the two. Result: that
 * of causal_fusion_estimates plus "n_rct", "n_obs", "rct_estimator",
 * "obs_estimator"; with a stratum column a table "strata" (rows = stratum
 * labels: the fused estimate per stratum) and vectors "stratum_rct",
 * "stratum_obs", "stratum_rct_se", "stratum_obs_se", "stratum_kappa1",
 * "stratum_kappa2" (causal_fusion_strata across the strata).
 * Covariate rows must be complete for IPW, transport and the surrogate
 * index (CAUSAL_EMISSING otherwise).
 *
 * ---- Transport (causal_fusion_transport) --------------------------------
 * The RCT effect transported to the population of the source = 0 rows
 * (their outcome and treatment may be missing). Sampling model logit
 * P(S = 1 | X) on the covariate terms (all rows); o(X) = (1-p)/p.
 *   IPSW   Hájek arm means of the trial outcomes weighted by o(X); SE from
 *          the stacked M-estimation sandwich (sampling logit + two means).
 *   AIPSW  (1/n0) sum [ (1-S)(g1 - g0) + S o (A (Y-g1)/e - (1-A)(Y-g0)/(1-e)) ]
 *          with g_a OLS of Y on the terms in trial arm a and e the trial
 *          treated share; SE from its influence function with the
 *          nuisances treated as known (orthogonal score).
 * Result (kind "fusion_transport"): "method", "estimate", "std_error",
 * "statistic", "p_value", "conf_low", "conf_high", "ipsw_estimate",
 * "ipsw_std_error", "aipsw_estimate", "aipsw_std_error", "rct_estimate"
 * (trial difference in means), "n_trial", "n_target",
 * "effective_trial_size" ((sum o)^2 / sum o^2 over trial rows).
 *
 * ---- Surrogate index (causal_fusion_surrogate) --------------------------
 * Athey, Chetty, Imbens & Kang (2019): OLS of the long-term outcome on the
 * surrogates (causal_fusion_add_surrogate) and covariate terms in the
 * source = 0 rows; the fitted index predicted for the source = 1
 * (experiment) rows; effect = difference in mean index between treated and
 * control. SE: Neyman (= HC2) variance of that difference plus the
 * first-stage term dbar' V dbar (V the first-stage vcov of type
 * CAUSAL_FUSION_VCOV, dbar the difference in mean design rows); the two
 * samples are independent. Result (kind "fusion_surrogate"): "estimate",
 * "std_error", "std_error_naive" (first stage ignored), "statistic",
 * "p_value", "conf_low", "conf_high", "surrogate_r_squared",
 * "n_experiment", "n_observational", vector "surrogate_coef".
 */
#ifndef CAUSAL_FUSION_H
#define CAUSAL_FUSION_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_fusion causal_fusion;

/* Estimate-level methods (pinned). */
enum {
  CAUSAL_FUSION_IVW = 1,
  CAUSAL_FUSION_DL = 2,
  CAUSAL_FUSION_REML = 3,
  CAUSAL_FUSION_POWER_PRIOR = 4,
  CAUSAL_FUSION_TEST_THEN_POOL = 5,
  CAUSAL_FUSION_MSE = 6,
  CAUSAL_FUSION_MIXTURE = 7
};

/* Strata shrinkage methods (pinned). */
enum {
  CAUSAL_FUSION_KAPPA1 = 1,
  CAUSAL_FUSION_KAPPA2 = 2,
  CAUSAL_FUSION_GREEN_STRAWDERMAN = 3,
  CAUSAL_FUSION_EB_DOUBLE = 4
};

/* Observational estimators of the data-level pipeline (pinned). */
enum {
  CAUSAL_FUSION_OBS_REGRESSION = 1,
  CAUSAL_FUSION_OBS_IPW = 2,
  CAUSAL_FUSION_OBS_AIPW = 3 /* augmented IPW of causal_weighting (ATE) */
};

/* Transport estimators (pinned). */
enum { CAUSAL_FUSION_IPSW = 1, CAUSAL_FUSION_AIPSW = 2 };

/* Option keys (pinned); causal_fusion_bounds() gives each key's range. */
enum {
  CAUSAL_FUSION_METHOD = 1,        /* CAUSAL_FUSION_IVW.._MIXTURE */
  CAUSAL_FUSION_RCT = 2,           /* index of the randomized source (0) */
  CAUSAL_FUSION_MAXITER = 3,       /* REML iterations, default 1000 */
  CAUSAL_FUSION_OBS_ESTIMATOR = 4, /* CAUSAL_FUSION_OBS_*, default REGRESSION */
  CAUSAL_FUSION_RCT_ADJUST = 5,    /* 1: regression-adjusted RCT estimate */
  CAUSAL_FUSION_VCOV = 6,          /* CAUSAL_VCOV_HC0..HC3, default HC2 */
  CAUSAL_FUSION_TRANSPORT = 7,     /* CAUSAL_FUSION_IPSW (default) / _AIPSW */
  CAUSAL_FUSION_CONF_LEVEL = 101,  /* default 0.95 */
  CAUSAL_FUSION_BIAS_VAR = 102,    /* POWER_PRIOR bias variance, default 0 */
  CAUSAL_FUSION_PRETEST_ALPHA = 103, /* default 0.05 */
  CAUSAL_FUSION_MIX_WEIGHT = 104,  /* prior vague weight, default 0.2 */
  CAUSAL_FUSION_MIX_SD = 105,      /* vague sd, 0 (default) = 10 x RCT SE */
  CAUSAL_FUSION_TOL = 106          /* REML tolerance, default 1e-12 */
};

CAUSAL_API int causal_fusion_new(causal_fusion **out, int method);
CAUSAL_API void causal_fusion_free(causal_fusion *f);
CAUSAL_API int causal_fusion_set_int(causal_fusion *f, int key, int64_t value);
CAUSAL_API int causal_fusion_set_double(causal_fusion *f, int key,
                                        double value);
CAUSAL_API int causal_fusion_get_int(const causal_fusion *f, int key,
                                     int64_t *value);
CAUSAL_API int causal_fusion_get_double(const causal_fusion *f, int key,
                                        double *value);
CAUSAL_API int causal_fusion_bounds(int key, double *min, double *max);

CAUSAL_API int causal_fusion_estimates(causal_result **out,
                                       const causal_fusion *f,
                                       const double *est, const double *se,
                                       size_t k, const double *cov);
CAUSAL_API int causal_fusion_curve(causal_result **out, const causal_fusion *f,
                                   const double *est, const double *se,
                                   size_t k, const double *cov,
                                   const double *bias_var, size_t ngrid);
CAUSAL_API int causal_fusion_strata(causal_result **out, int method,
                                    const double *rct_est,
                                    const double *rct_se,
                                    const double *obs_est,
                                    const double *obs_se, size_t K);

/* Data-level column roles (NULL clears the optional stratum). */
CAUSAL_API int causal_fusion_set_outcome(causal_fusion *f, const char *column);
CAUSAL_API int causal_fusion_set_treatment(causal_fusion *f,
                                           const char *column);
CAUSAL_API int causal_fusion_set_source(causal_fusion *f, const char *column);
CAUSAL_API int causal_fusion_set_stratum(causal_fusion *f, const char *column);
CAUSAL_API int causal_fusion_add_term(causal_fusion *f, const char *term);
CAUSAL_API int causal_fusion_fit(causal_result **out, const causal_fusion *f,
                                 const causal_dataset *ds);
CAUSAL_API int causal_fusion_transport(causal_result **out,
                                       const causal_fusion *f,
                                       const causal_dataset *ds);
CAUSAL_API int causal_fusion_add_surrogate(causal_fusion *f,
                                           const char *column);
CAUSAL_API int causal_fusion_surrogate(causal_result **out,
                                       const causal_fusion *f,
                                       const causal_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_FUSION_H */
