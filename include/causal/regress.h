/* libcausal — regression: OLS/WLS, logistic, instrumental variables, with
 * absorbed fixed effects and robust / cluster-robust inference.
 *
 * A causal_regress handle is a model specification: the model family, the
 * outcome column, design terms (as in causal_design: "x", "a:b",
 * categorical dummies with a reference level), optional weights, offset,
 * cluster columns, absorbed factors, endogenous regressors and
 * instruments, and options. causal_regress_fit() evaluates it on a dataset
 * and returns a causal_result. The specification is not modified by
 * fitting and can be reused on other datasets.
 *
 * Result entries common to all families (kind "ols", "logit" or "iv"):
 *   table  "coef"          term, estimate, std_error, statistic, p_value,
 *                          conf_low, conf_high (dropped terms excluded)
 *   matrix "vcov"          covariance of the kept coefficients (named)
 *   string "vcov_type"     e.g. "HC1", "CR2"
 *   string "statistic"     "t" or "z"
 *   scalar "df"            reference t degrees of freedom (Inf for z)
 *   scalar "nobs"          rows used;  scalar "n_dropped" rows dropped
 *   vector "dropped_by_column"   rows missing per used column
 *   string "dropped_terms" comma-separated names of collinear terms
 *                          dropped ("" if none) — also a warning
 *   scalar "n_clusters" (and "n_clusters2") when clustered
 * OLS/IV add r_squared, adj_r_squared, sigma, rss, f_statistic, f_df1,
 * f_df2, f_p_value, loglik, aic, bic, df_residual; logit adds
 * deviance, null_deviance, loglik, aic, bic, iterations, converged.
 * Family-specific entries are listed in docs/methods/<family>.md.
 */
#ifndef CAUSAL_REGRESS_H
#define CAUSAL_REGRESS_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"
#include "causal/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_regress causal_regress;

/* Families (pinned). */
enum {
  CAUSAL_REGRESS_OLS = 1,   /* least squares; WLS when weights are set */
  CAUSAL_REGRESS_LOGIT = 2, /* binary logistic regression (IRLS) */
  CAUSAL_REGRESS_IV = 3     /* 2SLS / LIML / Fuller */
};

/* Option keys (pinned). Integer options via set_int, real via set_double;
 * causal_regress_bounds() gives each key's valid range. */
enum {
  CAUSAL_REGRESS_VCOV = 1,       /* CAUSAL_VCOV_*; default CLASSICAL, or
                                    CR1 when a cluster column is set */
  CAUSAL_REGRESS_SSC = 2,        /* small-sample convention CAUSAL_SSC_*;
                                    default CAUSAL_SSC_R */
  CAUSAL_REGRESS_RANK = 3,       /* CAUSAL_RANK_DROP (default) or _ERROR */
  CAUSAL_REGRESS_MAXITER = 4,    /* iterations (logit, fixed effects) */
  CAUSAL_REGRESS_KEEP_FITTED = 5,/* 1: add vectors "fitted", "residuals" */
  CAUSAL_REGRESS_IV_METHOD = 6,  /* CAUSAL_IV_2SLS (default), _LIML, _FULLER */
  CAUSAL_REGRESS_CONF_LEVEL = 101, /* default 0.95 */
  CAUSAL_REGRESS_TOL = 102,        /* convergence tolerance */
  CAUSAL_REGRESS_RANK_TOL = 103,   /* pivoted-QR rank tolerance */
  CAUSAL_REGRESS_L2 = 104,         /* logit ridge penalty lambda >= 0 */
  CAUSAL_REGRESS_FULLER_ALPHA = 105 /* Fuller's constant, default 1 */
};

/* Covariance estimators (pinned). */
enum {
  CAUSAL_VCOV_CLASSICAL = 1,
  CAUSAL_VCOV_HC0 = 2,
  CAUSAL_VCOV_HC1 = 3,
  CAUSAL_VCOV_HC2 = 4,
  CAUSAL_VCOV_HC3 = 5,
  CAUSAL_VCOV_CR0 = 6,
  CAUSAL_VCOV_CR1 = 7,
  CAUSAL_VCOV_CR2 = 8 /* Bell–McCaffrey, with BM degrees of freedom */
};

/* Small-sample conventions (pinned): which packages' degrees-of-freedom
 * factors and reference distributions to reproduce. docs/methods/ols.md
 * gives the exact formulas of each. */
enum {
  CAUSAL_SSC_R = 1,           /* sandwich/lmtest and estimatr */
  CAUSAL_SSC_STATA = 2,       /* Stata regress/ivregress, vce(robust|cluster) */
  CAUSAL_SSC_STATSMODELS = 3, /* statsmodels OLS.fit(cov_type=...) */
  CAUSAL_SSC_FIXEST = 4       /* fixest feols, incl. nested fixed effects */
};

enum { CAUSAL_RANK_DROP = 1, CAUSAL_RANK_ERROR = 2 };
enum { CAUSAL_IV_2SLS = 1, CAUSAL_IV_LIML = 2, CAUSAL_IV_FULLER = 3 };

CAUSAL_API int causal_regress_new(causal_regress **out, int family);
CAUSAL_API void causal_regress_free(causal_regress *m);

CAUSAL_API int causal_regress_set_outcome(causal_regress *m,
                                          const char *column);
/* Exogenous regressors, as causal_design terms ("x", "a:b"). */
CAUSAL_API int causal_regress_add_term(causal_regress *m, const char *term);
CAUSAL_API int causal_regress_set_intercept(causal_regress *m, int intercept);
CAUSAL_API int causal_regress_set_reference(causal_regress *m,
                                            const char *column,
                                            const char *level);
/* Non-negative weights (WLS / weighted likelihood); zero-weight rows are
 * dropped and counted. */
CAUSAL_API int causal_regress_set_weights(causal_regress *m,
                                          const char *column);
/* Logit only: a known offset added to the linear predictor. */
CAUSAL_API int causal_regress_set_offset(causal_regress *m,
                                         const char *column);
/* Cluster columns (one, or two for two-way clustering). */
CAUSAL_API int causal_regress_add_cluster(causal_regress *m,
                                          const char *column);
/* Absorbed fixed effects (categorical or integer columns). */
CAUSAL_API int causal_regress_add_absorb(causal_regress *m,
                                         const char *column);
/* IV only. */
CAUSAL_API int causal_regress_add_endogenous(causal_regress *m,
                                             const char *term);
CAUSAL_API int causal_regress_add_instrument(causal_regress *m,
                                             const char *term);

CAUSAL_API int causal_regress_set_int(causal_regress *m, int key,
                                      int64_t value);
CAUSAL_API int causal_regress_set_double(causal_regress *m, int key,
                                         double value);
CAUSAL_API int causal_regress_get_int(const causal_regress *m, int key,
                                      int64_t *value);
CAUSAL_API int causal_regress_get_double(const causal_regress *m, int key,
                                         double *value);
CAUSAL_API int causal_regress_bounds(int key, double *min, double *max);

CAUSAL_API int causal_regress_fit(causal_result **out, const causal_regress *m,
                                  const causal_dataset *ds);

/* Wald test of R b = r on a fitted result (its "coef", "vcov", "df"):
 * R is q x k column-major over the kept coefficients in "coef" order,
 * rhs has q values (NULL = zeros). Result (kind "wald"): scalars
 * "statistic" (chi-square form), "f_statistic" (= statistic / q),
 * "df1" (= q), "df2" (the fit's df; Inf for z), "p_value" (F(q, df2), or
 * chi-square(q) when df2 is Inf). */
CAUSAL_API int causal_regress_wald(causal_result **out,
                                   const causal_result *fit, const double *R,
                                   size_t q, size_t k, const double *rhs);


/* ---- Breusch–Pagan test (any OLS/WLS specification) -------------------
 * Regresses the squared residuals of the model m (family OLS, no absorbed
 * factors) on an auxiliary design: the model's own regressors when
 * nterms == 0 (terms may then be NULL), else the given causal_design terms
 * (with an intercept). studentize = 1: Koenker's studentized version
 * (lmtest::bptest default); 0: the original Breusch–Pagan (1979) version.
 * Result (kind "breusch_pagan"): scalars "statistic", "df", "p_value"
 * (chi-square upper tail), "nobs"; string "method". Weighted models follow
 * lmtest::bptest exactly (docs/methods/did.md). Implemented in lib/did.c. */
CAUSAL_API int causal_regress_breusch_pagan(causal_result **out,
                                            const causal_regress *m,
                                            const causal_dataset *ds,
                                            const char *const *terms,
                                            size_t nterms, int studentize);

/* ==== Out-of-core regression: mergeable accumulators ====================
 * (lib/regress_stream.c; formulas, rules and a worked example in
 * docs/methods/regress_stream.md)
 *
 * A causal_regress_acc accumulates the sufficient statistics of an OLS/WLS
 * or LOGIT specification over data that arrive in chunks (datasets with the
 * same columns) or in partitions reduced by merge(). The state is
 * O(k^2 + G k) for k design columns and G clusters, independent of the
 * number of rows. The fit equals causal_regress_fit on all rows together
 * (to rounding) with the same result entries, plus scalar "passes".
 *
 * Schema: the specification is evaluated against `schema` (a dataset with
 * every column the specification uses; it may have 0 rows). For
 * categorical term and outcome columns the schema's level list fixes the
 * design columns: chunks may lack levels, but a chunk row with a level
 * the schema does not list is CAUSAL_EINVAL naming the level, column and
 * row. Chunk columns are matched by name (extra columns are ignored; a
 * missing one is CAUSAL_ENOTFOUND, categorical vs numeric CAUSAL_ETYPE).
 * Rows with missing values (NaN, masks) are dropped and counted exactly as
 * causal_regress_fit does; +-Inf is CAUSAL_ENONFINITE.
 *
 * Passes: the caller feeds every chunk (update), then calls next_pass, and
 * repeats while converged() reports done = 0:
 *   OLS, classical vcov: 1 pass.  OLS, HC0/HC1/CR0/CR1: 2 passes (the
 *   scores need the coefficients of pass 1).  LOGIT: one pass per Newton
 *   (IRLS) iteration plus one evaluation pass.
 * Not available out-of-core (CAUSAL_EINVAL at creation): IV, absorbed
 * factors, HC2/HC3/CR2, two-way clustering, the L2 penalty, KEEP_FITTED.
 *
 * Merge: dst += src for accumulators of the same specification and schema
 * in the same pass, derived from one state of the previous passes (for
 * pass >= 2: merge pass 1, call next_pass once, copy that state to every
 * partition by clone or serialize). src is not modified. A difference is
 * CAUSAL_EINVAL naming it.
 *
 * Serialized form: the envelope of causal_moments (kind 16), carrying the
 * specification, the schema and the state, so a deserialized accumulator
 * can continue updating. Corrupt or truncated buffers are CAUSAL_ECORRUPT,
 * a buffer of another kind CAUSAL_ETYPE, a newer version CAUSAL_EVERSION.
 */
typedef struct causal_regress_acc causal_regress_acc;

CAUSAL_API int causal_regress_acc_new(causal_regress_acc **out,
                                      const causal_regress *m,
                                      const causal_dataset *schema);
CAUSAL_API void causal_regress_acc_free(causal_regress_acc *acc);
CAUSAL_API int causal_regress_acc_clone(causal_regress_acc **out,
                                        const causal_regress_acc *acc);
/* Add a chunk to the current pass. A chunk of 0 rows is a no-op. On error
 * the accumulator is unchanged. After the last pass: CAUSAL_EINVAL. */
CAUSAL_API int causal_regress_acc_update(causal_regress_acc *acc,
                                         const causal_dataset *chunk);
CAUSAL_API int causal_regress_acc_merge(causal_regress_acc *dst,
                                        const causal_regress_acc *src);
/* End the current pass: solve what it allows (rank decision and
 * coefficients, a Newton step, convergence check) and start the next one
 * unless none is needed. Every pass must see the same rows (checked:
 * CAUSAL_EINVAL). Logit non-convergence: CAUSAL_ENOCONV. */
CAUSAL_API int causal_regress_acc_next_pass(causal_regress_acc *acc);
/* *done = 1 when causal_regress_acc_fit can be called. */
CAUSAL_API int causal_regress_acc_converged(const causal_regress_acc *acc,
                                            int *done);
/* Current pass, 1-based. */
CAUSAL_API int causal_regress_acc_pass(const causal_regress_acc *acc,
                                       int64_t *pass);
CAUSAL_API int causal_regress_acc_fit(causal_result **out,
                                      const causal_regress_acc *acc);
CAUSAL_API int causal_regress_acc_serialize(const causal_regress_acc *acc,
                                            uint8_t **buf, size_t *len);
CAUSAL_API int causal_regress_acc_deserialize(causal_regress_acc **out,
                                              const uint8_t *buf, size_t len);

/* Driver for callers who can re-read their data: next(opaque, pass, index,
 * &chunk) sets *chunk to the index-th chunk of the data (0-based, starting
 * over in every pass) or to NULL after the last one, and returns 0 or a
 * CAUSAL_E* status that stops the fit. The chunk stays owned by the
 * callback and needs to stay valid only until the next call. */
typedef int (*causal_regress_chunk_fn)(void *opaque, int64_t pass,
                                       size_t index,
                                       const causal_dataset **chunk);
CAUSAL_API int causal_regress_stream_fit(causal_result **out,
                                         const causal_regress *m,
                                         const causal_dataset *schema,
                                         causal_regress_chunk_fn next,
                                         void *opaque);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_REGRESS_H */
