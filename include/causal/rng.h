/* libcausal — PCG random numbers.
 *
 * Generator: PCG64 (O'Neill 2014), 128-bit LCG state with multiplier
 * 0x2360ED051FC65DA44385DF649FCCF645 and odd increment (the stream),
 * output function XSL-RR 128/64. Each draw first advances the state, then
 * outputs the new state, which is bit-for-bit numpy's PCG64 bit generator
 * when its state/inc are set explicitly.
 *
 * Seeding: causal_rng_new(seed, stream) follows pcg_setseq_128_srandom_r with
 * initstate = seed (zero-extended to 128 bits) and initseq = stream: inc =
 * (stream << 1) | 1; state = 0; step; state += seed; step. Different streams
 * give independent sequences from the same seed.
 *
 * A causal_rng is not thread-safe; use one per thread (give each thread its
 * own stream, or advance() copies by disjoint amounts).
 */
#ifndef CAUSAL_RNG_H
#define CAUSAL_RNG_H

#include "causal/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_rng causal_rng;

CAUSAL_API int causal_rng_new(causal_rng **out, uint64_t seed, uint64_t stream);
CAUSAL_API void causal_rng_free(causal_rng *rng);
/* Independent copy of the full state. */
CAUSAL_API int causal_rng_clone(causal_rng **out, const causal_rng *rng);

/* Raw 128-bit state and increment as high/low 64-bit halves. set_state
 * requires an odd increment (CAUSAL_EINVAL otherwise). */
CAUSAL_API int causal_rng_get_state(const causal_rng *rng, uint64_t *state_hi,
                                    uint64_t *state_lo, uint64_t *inc_hi,
                                    uint64_t *inc_lo);
CAUSAL_API int causal_rng_set_state(causal_rng *rng, uint64_t state_hi,
                                    uint64_t state_lo, uint64_t inc_hi,
                                    uint64_t inc_lo);
/* Jump ahead by delta = delta_hi * 2^64 + delta_lo draws in O(log delta). */
CAUSAL_API int causal_rng_advance(causal_rng *rng, uint64_t delta_hi,
                                  uint64_t delta_lo);

/* Bulk draws into caller buffers; n may be 0. */
CAUSAL_API int causal_rng_u64(causal_rng *rng, uint64_t *out, size_t n);
/* Uniform on [0, 1): (u64 >> 11) * 2^-53, numpy's next_double. */
CAUSAL_API int causal_rng_uniform(causal_rng *rng, double *out, size_t n);
/* Uniform integers on [0, bound) without modulo bias; bound >= 1. */
CAUSAL_API int causal_rng_bounded(causal_rng *rng, uint64_t bound,
                                  uint64_t *out, size_t n);
CAUSAL_API int causal_rng_normal(causal_rng *rng, double mean, double sd,
                                 double *out, size_t n);
/* Exponential with the given rate (mean 1/rate), rate > 0. */
CAUSAL_API int causal_rng_exponential(causal_rng *rng, double rate,
                                      double *out, size_t n);
/* Gamma with shape > 0 and scale > 0 (mean shape*scale). */
CAUSAL_API int causal_rng_gamma(causal_rng *rng, double shape, double scale,
                                double *out, size_t n);
CAUSAL_API int causal_rng_beta(causal_rng *rng, double a, double b,
                               double *out, size_t n);
/* Binomial(trials, p), trials >= 0, 0 <= p <= 1. */
CAUSAL_API int causal_rng_binomial(causal_rng *rng, int64_t trials, double p,
                                   int64_t *out, size_t n);
/* Poisson with mean lambda >= 0 (lambda < 2^53). */
CAUSAL_API int causal_rng_poisson(causal_rng *rng, double lambda, int64_t *out,
                                  size_t n);
/* Fisher–Yates shuffle of idx[0..n) in place (the caller's buffer is the
 * output here by design). */
CAUSAL_API int causal_rng_shuffle(causal_rng *rng, int64_t *idx, size_t n);
/* k distinct indices from {0..n-1} without replacement, in random order,
 * into out[0..k); k <= n. O(k) memory. */
CAUSAL_API int causal_rng_sample(causal_rng *rng, int64_t n, int64_t k,
                                 int64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_RNG_H */
