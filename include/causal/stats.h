/* libcausal — mergeable sufficient statistics.
 *
 * causal_moments accumulates, for p >= 1 variables and optional non-negative
 * weights w (1 when omitted):
 *   n       rows seen (int64)
 *   W, W2   sum of weights, sum of squared weights
 *   mean    weighted means (p)
 *   C       weighted co-moment matrix sum_i w_i (x_i - mean)(x_i - mean)'
 *   min/max per variable
 * update() processes a chunk by two passes over it (chunk mean, then centred
 * sums, via BLAS dsyrk for p > 1) and combines it with the running state by
 * the Chan–Golub–LeVeque pairwise formulas; merge() uses the same formulas.
 * Hence any split of the data into chunks and any merge tree give the same
 * result as one pass, to rounding (about 1e-15 relative), even for data like
 * 1e9 + tiny noise where naive sums of squares have no correct digits.
 *
 * Serialized form: versioned, little-endian, self-checking (see
 * docs/ARCHITECTURE.md, "Serialized states"). Deserialization validates
 * magic, version, kind, lengths, checksum and the values' invariants; a
 * corrupt or truncated buffer is CAUSAL_ECORRUPT, a newer format version
 * CAUSAL_EVERSION, never a crash.
 */
#ifndef CAUSAL_STATS_H
#define CAUSAL_STATS_H

#include "causal/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_moments causal_moments;

/* Quantities for causal_moments_get (pinned values) and their lengths. */
enum {
  CAUSAL_MOM_COUNT = 1,           /* 1: rows seen (as double) */
  CAUSAL_MOM_SUM_WEIGHTS = 2,     /* 1: W */
  CAUSAL_MOM_SUM_WEIGHTS2 = 3,    /* 1: W2 */
  CAUSAL_MOM_MEAN = 4,            /* p */
  CAUSAL_MOM_SUM = 5,             /* p: W * mean */
  CAUSAL_MOM_MIN = 6,             /* p */
  CAUSAL_MOM_MAX = 7,             /* p */
  CAUSAL_MOM_VAR = 8,             /* p: C_jj / (W - 1), frequency weights;
                                     the sample variance when unweighted */
  CAUSAL_MOM_VAR_POP = 9,         /* p: C_jj / W */
  CAUSAL_MOM_VAR_RELIABILITY = 10,/* p: C_jj / (W - W2 / W) */
  CAUSAL_MOM_SD = 11,             /* p: sqrt(VAR) */
  CAUSAL_MOM_COMOMENT = 12,       /* p*p column-major: C */
  CAUSAL_MOM_COV = 13,            /* p*p: C / (W - 1) */
  CAUSAL_MOM_CORR = 14,           /* p*p: correlation matrix */
  CAUSAL_MOM_CROSSPROD = 15       /* p*p: sum_i w_i x_i x_i' = C + W mean mean' */
};

CAUSAL_API int causal_moments_new(causal_moments **out, size_t p);
CAUSAL_API void causal_moments_free(causal_moments *m);
CAUSAL_API int causal_moments_clone(causal_moments **out,
                                    const causal_moments *m);
/* Back to the empty state. */
CAUSAL_API int causal_moments_reset(causal_moments *m);
CAUSAL_API size_t causal_moments_nvars(const causal_moments *m);

/* Add n rows. Element (i, j) of the chunk is x[i * row_stride + j *
 * col_stride] (strides in elements: column-major n x p is row_stride 1,
 * col_stride n; row-major is row_stride p, col_stride 1; col_stride is
 * ignored when p = 1). w: NULL or n finite weights >= 0. A NaN or infinite
 * x or w is CAUSAL_ENONFINITE naming the row and variable, a negative
 * weight CAUSAL_ERANGE; the state is then unchanged. n = 0 is a no-op. */
CAUSAL_API int causal_moments_update(causal_moments *m, const double *x,
                                     size_t n, size_t row_stride,
                                     size_t col_stride, const double *w);
/* dst += src (same p). src is not modified. */
CAUSAL_API int causal_moments_merge(causal_moments *dst,
                                    const causal_moments *src);
/* Write quantity `what` into out[0..len); len must be the quantity's
 * length (1, p or p*p) or CAUSAL_EDIM. Quantities that need more data than
 * seen (a variance from W <= 1, anything from an empty state) are
 * CAUSAL_EINVAL with a message, not NaN. */
CAUSAL_API int causal_moments_get(const causal_moments *m, int what,
                                  double *out, size_t len);

/* Serialize to a new buffer (*buf freed with causal_free). */
CAUSAL_API int causal_moments_serialize(const causal_moments *m, uint8_t **buf,
                                        size_t *len);
CAUSAL_API int causal_moments_deserialize(causal_moments **out,
                                          const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_STATS_H */
