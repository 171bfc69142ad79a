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

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_ABTEST_H */
