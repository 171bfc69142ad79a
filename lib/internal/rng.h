/* Internal PCG64 API for estimators: the generator layout and scalar draws,
 * so code inside the library can draw one value at a time without the bulk
 * array functions of include/causal/rng.h.
 *
 * The 128-bit state is stored as two 64-bit halves whatever the compiler, so
 * the layout does not depend on __int128 support. Arithmetic uses unsigned
 * __int128 where the compiler has it and a portable two-halves
 * implementation otherwise; both are always compiled (the *_portable
 * functions) so the test suite can check that they agree. Define
 * CZ_RNG_FORCE_PORTABLE to make the main path use the fallback. */
#ifndef CZ_INTERNAL_RNG_H
#define CZ_INTERNAL_RNG_H

#include "internal/core.h"

#include <stdint.h>

#if defined(__SIZEOF_INT128__) && !defined(CZ_RNG_FORCE_PORTABLE)
#define CZ_RNG_HAVE_INT128 1
/* __extension__ keeps -Wpedantic quiet about the GNU type. */
__extension__ typedef unsigned __int128 cz_uint128;
#else
#define CZ_RNG_HAVE_INT128 0
#endif

/* PCG64 multiplier 0x2360ED051FC65DA44385DF649FCCF645 (O'Neill 2014). */
#define CZ_PCG_MULT_HI UINT64_C(0x2360ED051FC65DA4)
#define CZ_PCG_MULT_LO UINT64_C(0x4385DF649FCCF645)

struct causal_rng {
  cz_alloc alloc;
  uint64_t state_hi, state_lo; /* LCG state */
  uint64_t inc_hi, inc_lo;     /* odd increment (the stream) */
};

/* ---- portable 128-bit arithmetic on (hi, lo) halves ---- */
typedef struct cz_u128 {
  uint64_t hi, lo;
} cz_u128;

/* Full 64x64 -> 128 product from 32-bit limbs. */
static inline cz_u128 cz_mul64x64_portable(uint64_t a, uint64_t b) {
  uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32;
  uint64_t b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  /* middle column: cannot overflow (each term < 2^32 after the shifts) */
  uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
  cz_u128 r;
  r.lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

/* Low 128 bits of a * b. */
static inline cz_u128 cz_u128_mul_portable(cz_u128 a, cz_u128 b) {
  cz_u128 r = cz_mul64x64_portable(a.lo, b.lo);
  r.hi += a.hi * b.lo + a.lo * b.hi;
  return r;
}

static inline cz_u128 cz_u128_add_portable(cz_u128 a, cz_u128 b) {
  cz_u128 r;
  r.lo = a.lo + b.lo;
  r.hi = a.hi + b.hi + (r.lo < a.lo);
  return r;
}

/* XSL-RR 128/64 output function. */
static inline uint64_t cz_pcg_output(uint64_t hi, uint64_t lo) {
  unsigned rot = (unsigned)(hi >> 58);
  uint64_t x = hi ^ lo;
  return (x >> rot) | (x << ((64u - rot) & 63u));
}

/* One PCG64 draw with the portable arithmetic. */
static inline uint64_t cz_rng_next_portable(causal_rng *r) {
  cz_u128 s = {r->state_hi, r->state_lo};
  cz_u128 m = {CZ_PCG_MULT_HI, CZ_PCG_MULT_LO};
  cz_u128 c = {r->inc_hi, r->inc_lo};
  s = cz_u128_add_portable(cz_u128_mul_portable(s, m), c);
  r->state_hi = s.hi;
  r->state_lo = s.lo;
  return cz_pcg_output(s.hi, s.lo);
}

/* ---- main path ---- */

/* Next raw 64-bit output: advance the LCG, then output the new state. */
static inline uint64_t cz_rng_next(causal_rng *r) {
#if CZ_RNG_HAVE_INT128
  typedef cz_uint128 u128;
  const u128 mult = ((u128)CZ_PCG_MULT_HI << 64) | CZ_PCG_MULT_LO;
  u128 s = ((u128)r->state_hi << 64) | r->state_lo;
  s = s * mult + (((u128)r->inc_hi << 64) | r->inc_lo);
  r->state_hi = (uint64_t)(s >> 64);
  r->state_lo = (uint64_t)s;
  return cz_pcg_output(r->state_hi, r->state_lo);
#else
  return cz_rng_next_portable(r);
#endif
}

/* Uniform on [0, 1) with 53 random bits: (u64 >> 11) * 2^-53. */
static inline double cz_rng_uniform1(causal_rng *r) {
  return (double)(cz_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1]: 1 - uniform1, for logarithms. */
static inline double cz_rng_uniform_pos1(causal_rng *r) {
  return 1.0 - cz_rng_uniform1(r);
}

/* High 64 bits of a 64x64 product, low half in *lo. */
static inline uint64_t cz_mulhi64(uint64_t a, uint64_t b, uint64_t *lo) {
#if CZ_RNG_HAVE_INT128
  cz_uint128 m = (cz_uint128)a * b;
  *lo = (uint64_t)m;
  return (uint64_t)(m >> 64);
#else
  cz_u128 m = cz_mul64x64_portable(a, b);
  *lo = m.lo;
  return m.hi;
#endif
}

/* Uniform integer on [0, bound), bound >= 1, without modulo bias (Lemire
 * 2019, multiply and reject). Bit-identical to numpy's 64-bit Lemire path. */
static inline uint64_t cz_rng_bounded1(causal_rng *r, uint64_t bound) {
  uint64_t lo;
  uint64_t hi = cz_mulhi64(cz_rng_next(r), bound, &lo);
  if (lo < bound) {
    uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
    while (lo < threshold)
      hi = cz_mulhi64(cz_rng_next(r), bound, &lo);
  }
  return hi;
}

/* Scalar draws; parameters are NOT validated (callers check them):
 * shape, a, b > 0 and finite; 0 <= p <= 1; n >= 0; 0 <= lambda < 2^53. */
double cz_rng_normal1(causal_rng *r);            /* N(0, 1) */
double cz_rng_exponential1(causal_rng *r);       /* rate 1 */
double cz_rng_gamma1(causal_rng *r, double shape); /* scale 1 */
/* log of a Gamma(shape, 1) variate; finite even when the variate itself
 * would underflow (shape << 1). */
double cz_rng_log_gamma1(causal_rng *r, double shape);
double cz_rng_beta1(causal_rng *r, double a, double b);
int64_t cz_rng_binomial1(causal_rng *r, int64_t n, double p);
int64_t cz_rng_poisson1(causal_rng *r, double lambda);

/* Set up a generator in place (no allocation): pcg_setseq_128_srandom_r. */
void cz_rng_seed(causal_rng *r, uint64_t seed, uint64_t stream);

/* Portable variants of the 128-bit algorithms, always compiled, for tests
 * of the fallback path. */
void cz_rng_seed_portable(causal_rng *r, uint64_t seed, uint64_t stream);
void cz_rng_advance_portable(causal_rng *r, uint64_t delta_hi,
                             uint64_t delta_lo);
uint64_t cz_rng_bounded1_portable(causal_rng *r, uint64_t bound);

#endif /* CZ_INTERNAL_RNG_H */
