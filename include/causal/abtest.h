/* libcausal — A/B testing: per-arm sufficient statistics and their analysis.
 *
 * ---- Per-arm sufficient statistics (causal_abstats) ----------------------
 *
 * One causal_abstats holds, for one arm and one metric, the mergeable
 * sufficient statistics every analysis in this module (and the power,
 * sequential and Bayesian code) is computed from:
 *
 *   n        units (int64)
 *   mean[p]  means of the p variables
 *   C[p*p]   centred co-moments sum_i (v_i - mean)(v_i - mean)'
 *
 * The p variables of a unit are, in this order (the "layout"):
 *   0            y  the metric (a 0/1 conversion, a value, or the
 *                   numerator of a ratio metric)
 *   1            d  the ratio metric's denominator, if CAUSAL_ABSTATS_RATIO
 *   next ncov    x_1..x_ncov pre-period covariates (CUPED), if ncov > 0
 *   next ncov    m_1..m_ncov 0/1 "covariate j missing" indicators, if
 *                CAUSAL_ABSTATS_MISSING_INDICATOR
 * so p = 1 + (RATIO ? 1 : 0) + ncov * (MISSING_INDICATOR ? 2 : 1).
 * From these: n, sum = n * mean, sum of squares and every cross sum
 * (CROSSPROD = C + n mean mean').
 *
 * update() and merge() use the Chan–Golub–LeVeque pairwise formulas, so any
 * split of the units into chunks and any merge order give the single-pass
 * result to rounding. from_aggregates() builds a state from the raw sums a
 * warehouse delivers (n, sums, sums of squares and cross products).
 *
 * The state also records whether every y seen is 0 or 1 ("binary"); the
 * proportion tests (z, chi-square, Fisher) require it. From aggregates, y is
 * taken as binary when sum(y^2) equals sum(y) (to 1e-9 relative) and
 * 0 <= sum(y) <= n.
 *
 * Missing covariates (units without pre-period data): without
 * MISSING_INDICATOR a NaN covariate is CAUSAL_ENONFINITE. With it, a NaN
 * x_j is stored as 0 and its indicator m_j as 1; CUPED then adjusts on
 * (x, m) jointly, which is regression adjustment with a missing-indicator
 * (unbiased under randomization; see docs/methods/abtest.md). y and d must
 * always be finite.
 *
 * Serialized form: the versioned envelope of lib/internal/serial.h, kind
 * "abstats" (17).
 */
#ifndef CAUSAL_ABTEST_H
#define CAUSAL_ABTEST_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_abstats causal_abstats;

/* Layout flags for causal_abstats_new (pinned, OR-able). */
enum {
  CAUSAL_ABSTATS_RATIO = 1,            /* variable 1 is a denominator */
  CAUSAL_ABSTATS_MISSING_INDICATOR = 2 /* NaN covariate -> 0 + indicator */
};

/* Quantities for causal_abstats_get (pinned) and their lengths. */
enum {
  CAUSAL_ABSTATS_N = 1,         /* 1: units (as double) */
  CAUSAL_ABSTATS_SUM = 2,       /* p: n * mean */
  CAUSAL_ABSTATS_MEAN = 3,      /* p */
  CAUSAL_ABSTATS_VAR = 4,       /* p: C_jj / (n - 1), needs n >= 2 */
  CAUSAL_ABSTATS_COMOMENT = 5,  /* p*p column-major: C */
  CAUSAL_ABSTATS_COV = 6,       /* p*p: C / (n - 1), needs n >= 2 */
  CAUSAL_ABSTATS_CROSSPROD = 7, /* p*p: sum_i v_i v_i' = C + n mean mean' */
  CAUSAL_ABSTATS_SUMSQ = 8      /* p: diagonal of CROSSPROD */
};

/* An empty state. flags: 0 or CAUSAL_ABSTATS_* OR-ed; ncov: covariates. */
CAUSAL_API int causal_abstats_new(causal_abstats **out, int flags,
                                  size_t ncov);
CAUSAL_API void causal_abstats_free(causal_abstats *s);
CAUSAL_API int causal_abstats_clone(causal_abstats **out,
                                    const causal_abstats *s);
CAUSAL_API int causal_abstats_reset(causal_abstats *s);

/* Layout queries (pure; 0 for NULL). */
CAUSAL_API size_t causal_abstats_nvars(const causal_abstats *s);
CAUSAL_API size_t causal_abstats_ncov(const causal_abstats *s);
CAUSAL_API int causal_abstats_flags(const causal_abstats *s);
CAUSAL_API int64_t causal_abstats_count(const causal_abstats *s);
/* 1 if every y is 0/1 (see above), else 0; 0 for an empty state. */
CAUSAL_API int causal_abstats_is_binary(const causal_abstats *s);

/* Add n units. y: n values; d: n denominators (required iff RATIO, else
 * must be NULL); x: covariates, x[i + j * ldx] is covariate j of unit i
 * (required iff ncov > 0; ldx >= n). Non-finite y/d (and x without
 * MISSING_INDICATOR) is CAUSAL_ENONFINITE naming the argument and row; the
 * state is then unchanged. n = 0 is a no-op. */
CAUSAL_API int causal_abstats_update(causal_abstats *s, const double *y,
                                     const double *d, const double *x,
                                     size_t ldx, size_t n);
/* dst += src; layouts must match (CAUSAL_EDIM otherwise). */
CAUSAL_API int causal_abstats_merge(causal_abstats *dst,
                                    const causal_abstats *src);

/* From warehouse aggregates: n units, sums[p] = sum_i v_i, and
 * crossprod[p*p] = sum_i v_i v_i' (column-major, symmetric; for p = 1 this
 * is the sum of squares). Negative n is CAUSAL_ERANGE; n = 0 needs all sums
 * 0; sums of squares below sum^2 / n beyond rounding (a negative variance)
 * or a cross-product matrix that is not symmetric is CAUSAL_EINVAL naming
 * the element. */
CAUSAL_API int causal_abstats_from_aggregates(causal_abstats **out, int flags,
                                              size_t ncov, int64_t n,
                                              const double *sums,
                                              const double *crossprod);
/* Shorthands with p = 1: a mean metric from (n, sum y, sum y^2) and a
 * proportion from (successes, trials) (successes > trials or negative
 * counts: CAUSAL_ERANGE). */
CAUSAL_API int causal_abstats_from_sums(causal_abstats **out, int64_t n,
                                        double sum, double sumsq);
CAUSAL_API int causal_abstats_from_counts(causal_abstats **out,
                                          int64_t successes, int64_t trials);

/* Write quantity `what` into out[0..len); len must be its length (1, p or
 * p*p) or CAUSAL_EDIM. Anything from an empty state, or VAR/COV with
 * n < 2, is CAUSAL_EINVAL. */
CAUSAL_API int causal_abstats_get(const causal_abstats *s, int what,
                                  double *out, size_t len);

/* Serialize to a new buffer (*buf freed with causal_free) and back. */
CAUSAL_API int causal_abstats_serialize(const causal_abstats *s,
                                        uint8_t **buf, size_t *len);
CAUSAL_API int causal_abstats_deserialize(causal_abstats **out,
                                          const uint8_t *buf, size_t len);

/* ---- Analysis (causal_abtest) ----------------------------------------------
 *
 * A causal_abtest is an analysis specification (metric, test, alternative,
 * margin, confidence level, CUPED, multiplicity adjustment, ...), set with
 * enum-keyed options and reused for any number of comparisons. It is not
 * modified by analyses; one handle may be used from several threads at once
 * once configured. Formulas: docs/methods/abtest.md.
 *
 * Comparisons are treatment minus control: the difference
 * delta = m_T - m_C of the arm metrics m (proportion, mean or ratio
 * sum(y)/sum(d)), the relative lift m_T / m_C - 1, and the test of
 *   two-sided  H0: delta = margin      greater  H0: delta <= margin
 *   less       H0: delta >= margin
 * (non-inferiority: GREATER with margin -m; superiority: GREATER with
 * margin +m; with CAUSAL_ABTEST_MARGIN_RELATIVE the margin is a fraction of
 * the control metric, margin * m_C).
 */

typedef struct causal_abtest causal_abtest;

/* Metric (CAUSAL_ABTEST_METRIC; pinned). */
enum {
  CAUSAL_AB_MEAN = 1,       /* mean of y (default) */
  CAUSAL_AB_PROPORTION = 2, /* mean of a 0/1 y (state must be binary) */
  CAUSAL_AB_RATIO = 3       /* sum(y) / sum(d), delta method (RATIO state) */
};

/* Test (CAUSAL_ABTEST_TEST; pinned). 0 = the metric's default: Welch for
 * means, pooled z for proportions, z for ratios. */
enum {
  CAUSAL_AB_TEST_DEFAULT = 0,
  CAUSAL_AB_Z_POOLED = 1,   /* proportions: pooled-variance z
                               (statsmodels proportions_ztest) */
  CAUSAL_AB_Z_UNPOOLED = 2, /* proportions: unpooled (Wald) z */
  CAUSAL_AB_CHISQ = 3,      /* proportions: R prop.test / chisq.test on the
                               2x2 table, Yates per CAUSAL_ABTEST_CORRECT */
  CAUSAL_AB_FISHER = 4,     /* proportions: Fisher's exact test (R) */
  CAUSAL_AB_WELCH = 5,      /* means: Welch t, Satterthwaite df */
  CAUSAL_AB_STUDENT = 6,    /* means: Student t, pooled variance */
  CAUSAL_AB_Z = 7           /* means, ratios: normal (large-sample) z */
};

/* Alternative (CAUSAL_ABTEST_ALTERNATIVE; pinned). */
enum {
  CAUSAL_AB_TWO_SIDED = 0,
  CAUSAL_AB_GREATER = 1,
  CAUSAL_AB_LESS = 2
};

/* Relative-lift interval (CAUSAL_ABTEST_LIFT_CI; pinned). */
enum {
  CAUSAL_AB_LIFT_DELTA = 1,  /* delta method (default) */
  CAUSAL_AB_LIFT_FIELLER = 2 /* Fieller's interval for m_T / m_C */
};

/* Multiplicity adjustment (CAUSAL_ABTEST_ADJUST and causal_p_adjust;
 * pinned). Bonferroni..BY match R's p.adjust exactly. */
enum {
  CAUSAL_AB_ADJUST_NONE = 0,
  CAUSAL_AB_BONFERRONI = 1,
  CAUSAL_AB_HOLM = 2,
  CAUSAL_AB_BH = 3,      /* Benjamini–Hochberg */
  CAUSAL_AB_BY = 4,      /* Benjamini–Yekutieli */
  CAUSAL_AB_DUNNETT = 5  /* many-to-one simultaneous (analyze() only) */
};

/* Bootstrap statistic and interval (pinned). */
enum {
  CAUSAL_AB_BOOT_MEAN = 1,
  CAUSAL_AB_BOOT_QUANTILE = 2, /* quantile CAUSAL_ABTEST_QUANTILE (type 7) */
  CAUSAL_AB_BOOT_PERCENTILE = 1,
  CAUSAL_AB_BOOT_BCA = 2
};

/* Option keys (pinned). Integer options via set_int, real via set_double;
 * causal_abtest_bounds gives each key's valid range. */
enum {
  CAUSAL_ABTEST_METRIC = 1,       /* CAUSAL_AB_MEAN.. ; default MEAN */
  CAUSAL_ABTEST_TEST = 2,         /* CAUSAL_AB_*; default 0 (see above) */
  CAUSAL_ABTEST_ALTERNATIVE = 3,  /* default TWO_SIDED */
  CAUSAL_ABTEST_CORRECT = 4,      /* Yates correction for CHISQ; default 1 */
  CAUSAL_ABTEST_CUPED = 5,        /* 1: adjust on the states' covariates */
  CAUSAL_ABTEST_LIFT_CI = 6,      /* CAUSAL_AB_LIFT_*; default DELTA */
  CAUSAL_ABTEST_ADJUST = 7,       /* for analyze(); default NONE */
  CAUSAL_ABTEST_MARGIN_RELATIVE = 8, /* 1: margin is a fraction of m_C */
  CAUSAL_ABTEST_BOOT_STATISTIC = 9,  /* default MEAN */
  CAUSAL_ABTEST_BOOT_CI = 10,        /* default PERCENTILE */
  CAUSAL_ABTEST_BOOT_REPS = 11,      /* default 2000 */
  CAUSAL_ABTEST_SEED = 12,           /* bootstrap PCG seed, default 1 */
  CAUSAL_ABTEST_CONF_LEVEL = 101, /* default 0.95 */
  CAUSAL_ABTEST_MARGIN = 102,     /* default 0 */
  CAUSAL_ABTEST_QUANTILE = 103    /* bootstrap quantile, default 0.5 */
};

CAUSAL_API int causal_abtest_new(causal_abtest **out);
CAUSAL_API void causal_abtest_free(causal_abtest *t);
CAUSAL_API int causal_abtest_set_int(causal_abtest *t, int key, int64_t value);
CAUSAL_API int causal_abtest_set_double(causal_abtest *t, int key,
                                        double value);
CAUSAL_API int causal_abtest_get_int(const causal_abtest *t, int key,
                                     int64_t *value);
CAUSAL_API int causal_abtest_get_double(const causal_abtest *t, int key,
                                        double *value);
/* Valid closed range [lo, hi] of an option (integer options too). */
CAUSAL_API int causal_abtest_bounds(int key, double *lo, double *hi);

/* One comparison, treatment against control, as a result of kind
 * "abtest" (entries in docs/methods/abtest.md: "estimate", "std_error",
 * "statistic", "df", "p_value", "conf_low", "conf_high", table "effect"
 * with rows "difference" and "relative_lift", "effect_size", CUPED's
 * "theta", "variance_reduction", "imbalance_p_value", ...). */
CAUSAL_API int causal_abtest_compare(const causal_abtest *t,
                                     const causal_abstats *control,
                                     const causal_abstats *treatment,
                                     causal_result **out);

/* The same comparison without building a result (the high-throughput
 * path): out[0..len) with len >= CAUSAL_AB_NOUT receives the values below.
 * Values that do not exist for the test are NaN (df of a z test is Inf). */
enum {
  CAUSAL_AB_OUT_ESTIMATE = 0,  /* delta */
  CAUSAL_AB_OUT_STD_ERROR = 1,
  CAUSAL_AB_OUT_STATISTIC = 2,
  CAUSAL_AB_OUT_P_VALUE = 3,
  CAUSAL_AB_OUT_CONF_LOW = 4,
  CAUSAL_AB_OUT_CONF_HIGH = 5,
  CAUSAL_AB_OUT_DF = 6,
  CAUSAL_AB_OUT_LIFT = 7,       /* relative lift */
  CAUSAL_AB_OUT_LIFT_LOW = 8,
  CAUSAL_AB_OUT_LIFT_HIGH = 9,
  CAUSAL_AB_NOUT = 10
};
CAUSAL_API int causal_abtest_compare_values(const causal_abtest *t,
                                            const causal_abstats *control,
                                            const causal_abstats *treatment,
                                            double *out, size_t len);

/* k >= 2 arms, arms[0] the control: each other arm against it, with the
 * adjustment CAUSAL_ABTEST_ADJUST over these k - 1 comparisons (Dunnett:
 * simultaneous intervals and adjusted p-values). names: NULL or k arm
 * names. If allocation is not NULL (k planned shares summing to 1), an
 * SRM check of the arms' unit counts is added ("srm_statistic",
 * "srm_p_value"). Result kind "abtest_arms", table "comparisons". */
CAUSAL_API int causal_abtest_analyze(const causal_abtest *t,
                                     const causal_abstats *const *arms,
                                     size_t k, const char *const *names,
                                     const double *allocation,
                                     causal_result **out);

/* Sample ratio mismatch: Pearson chi-square goodness of fit of k >= 2
 * observed unit counts against planned shares (finite, > 0, summing to 1
 * within sqrt(DBL_EPSILON), as R's chisq.test). Result kind "srm": "statistic", "df", "p_value",
 * vectors "expected", "observed_share". */
CAUSAL_API int causal_abtest_srm(causal_result **out, const int64_t *counts,
                                 const double *allocation, size_t k);

/* Adjusted p-values of a declared family of n p-values, as R's p.adjust
 * (method CAUSAL_AB_BONFERRONI..CAUSAL_AB_BY, or NONE = copy). */
CAUSAL_API int causal_p_adjust(int method, const double *p, size_t n,
                               double *out);

/* Dunnett's many-to-one critical value: the c with
 * P(max_i |T_i| <= c) = conf (two-sided) or P(max_i T_i <= c) = conf
 * (one-sided) for T multivariate t with df degrees of freedom (Inf:
 * normal) and correlations lambda_i lambda_j (i != j), 0 <= lambda_i < 1.
 * And the matching probability for a given c. */
CAUSAL_API int causal_dunnett_quantile(double *c, double conf,
                                       const double *lambda, size_t m,
                                       double df, int two_sided);
CAUSAL_API int causal_dunnett_prob(double *prob, double c,
                                   const double *lambda, size_t m, double df,
                                   int two_sided);

/* Bootstrap of unit-level data (the only analysis that needs units): the
 * difference of CAUSAL_ABTEST_BOOT_STATISTIC (mean or quantile) between
 * y_t (n_t units) and y_c (n_c units), resampling each arm with the PCG64
 * stream seeded by CAUSAL_ABTEST_SEED; percentile or BCa interval.
 * Result kind "abtest_bootstrap". */
CAUSAL_API int causal_abtest_bootstrap(const causal_abtest *t,
                                       const double *y_c, size_t n_c,
                                       const double *y_t, size_t n_t,
                                       causal_result **out);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_ABTEST_H */
