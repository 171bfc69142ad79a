/* PCG64 generator and the sampling algorithms of include/causal/rng.h.
 * docs/methods/rng.md gives the formulas and references. */
#include "internal/rng.h"

#include <math.h>
#include <string.h>

#define CZ_LN_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */

static int ok(void) {
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- 128-bit LCG: seeding and jump-ahead ------------------------------- */

static void seed_with(causal_rng *r, uint64_t seed, uint64_t stream,
                      uint64_t (*next)(causal_rng *)) {
  /* pcg_setseq_128_srandom_r: inc = 2*stream+1; state = 0; step;
   * state += seed; step. */
  r->state_hi = 0;
  r->state_lo = 0;
  r->inc_hi = stream >> 63;
  r->inc_lo = (stream << 1) | 1u;
  (void)next(r);
  uint64_t lo = r->state_lo + seed;
  r->state_hi += (lo < seed);
  r->state_lo = lo;
  (void)next(r);
}

void cz_rng_seed(causal_rng *r, uint64_t seed, uint64_t stream) {
  seed_with(r, seed, stream, cz_rng_next);
}

void cz_rng_seed_portable(causal_rng *r, uint64_t seed, uint64_t stream) {
  seed_with(r, seed, stream, cz_rng_next_portable);
}

/* Brown (1994), "Random number generation with arbitrary strides": the
 * affine map s -> M s + C applied delta times, by square and multiply on
 * (M, C) pairs. Arithmetic is mod 2^128, so delta wraps the same way. */
void cz_rng_advance_portable(causal_rng *r, uint64_t delta_hi,
                             uint64_t delta_lo) {
  cz_u128 acc_mult = {0, 1}, acc_plus = {0, 0};
  cz_u128 cur_mult = {CZ_PCG_MULT_HI, CZ_PCG_MULT_LO};
  cz_u128 cur_plus = {r->inc_hi, r->inc_lo};
  const cz_u128 one = {0, 1};
  while (delta_hi != 0 || delta_lo != 0) {
    if (delta_lo & 1u) {
      acc_mult = cz_u128_mul_portable(acc_mult, cur_mult);
      acc_plus = cz_u128_add_portable(cz_u128_mul_portable(acc_plus, cur_mult),
                                      cur_plus);
    }
    cur_plus = cz_u128_mul_portable(cz_u128_add_portable(cur_mult, one),
                                    cur_plus);
    cur_mult = cz_u128_mul_portable(cur_mult, cur_mult);
    delta_lo = (delta_lo >> 1) | (delta_hi << 63);
    delta_hi >>= 1;
  }
  cz_u128 s = {r->state_hi, r->state_lo};
  s = cz_u128_add_portable(cz_u128_mul_portable(acc_mult, s), acc_plus);
  r->state_hi = s.hi;
  r->state_lo = s.lo;
}

static void advance_main(causal_rng *r, uint64_t delta_hi, uint64_t delta_lo) {
#if CZ_RNG_HAVE_INT128
  typedef cz_uint128 u128;
  u128 delta = ((u128)delta_hi << 64) | delta_lo;
  u128 acc_mult = 1, acc_plus = 0;
  u128 cur_mult = ((u128)CZ_PCG_MULT_HI << 64) | CZ_PCG_MULT_LO;
  u128 cur_plus = ((u128)r->inc_hi << 64) | r->inc_lo;
  while (delta != 0) {
    if (delta & 1u) {
      acc_mult *= cur_mult;
      acc_plus = acc_plus * cur_mult + cur_plus;
    }
    cur_plus = (cur_mult + 1) * cur_plus;
    cur_mult *= cur_mult;
    delta >>= 1;
  }
  u128 s = ((u128)r->state_hi << 64) | r->state_lo;
  s = acc_mult * s + acc_plus;
  r->state_hi = (uint64_t)(s >> 64);
  r->state_lo = (uint64_t)s;
#else
  cz_rng_advance_portable(r, delta_hi, delta_lo);
#endif
}

uint64_t cz_rng_bounded1_portable(causal_rng *r, uint64_t bound) {
  cz_u128 m = cz_mul64x64_portable(cz_rng_next_portable(r), bound);
  if (m.lo < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (m.lo < threshold)
      m = cz_mul64x64_portable(cz_rng_next_portable(r), bound);
  }
  return m.hi;
}

/* ---- objects and state ------------------------------------------------- */

int causal_rng_new(causal_rng **out, uint64_t seed, uint64_t stream) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_rng *r = cz_malloc(&a, sizeof *r);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  r->alloc = a;
  cz_rng_seed(r, seed, stream);
  *out = r;
  return ok();
}

void causal_rng_free(causal_rng *rng) {
  if (rng == NULL)
    return;
  cz_alloc a = rng->alloc;
  cz_free(&a, rng);
}

int causal_rng_clone(causal_rng **out, const causal_rng *rng) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(rng);
  cz_alloc a = cz_alloc_current();
  causal_rng *r = cz_malloc(&a, sizeof *r);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  *r = *rng;
  r->alloc = a; /* the copy belongs to the allocator current at cloning */
  *out = r;
  return ok();
}

int causal_rng_get_state(const causal_rng *rng, uint64_t *state_hi,
                         uint64_t *state_lo, uint64_t *inc_hi,
                         uint64_t *inc_lo) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_REQUIRE_NONNULL(state_hi);
  CZ_REQUIRE_NONNULL(state_lo);
  CZ_REQUIRE_NONNULL(inc_hi);
  CZ_REQUIRE_NONNULL(inc_lo);
  *state_hi = rng->state_hi;
  *state_lo = rng->state_lo;
  *inc_hi = rng->inc_hi;
  *inc_lo = rng->inc_lo;
  return ok();
}

int causal_rng_set_state(causal_rng *rng, uint64_t state_hi, uint64_t state_lo,
                         uint64_t inc_hi, uint64_t inc_lo) {
  CZ_REQUIRE_NONNULL(rng);
  if ((inc_lo & 1u) == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_rng_set_state: increment (inc_lo = 0x%016llx) "
                   "must be odd",
                   (unsigned long long)inc_lo);
  rng->state_hi = state_hi;
  rng->state_lo = state_lo;
  rng->inc_hi = inc_hi;
  rng->inc_lo = inc_lo;
  return ok();
}

int causal_rng_advance(causal_rng *rng, uint64_t delta_hi, uint64_t delta_lo) {
  CZ_REQUIRE_NONNULL(rng);
  advance_main(rng, delta_hi, delta_lo);
  return ok();
}

/* ---- argument checks ---------------------------------------------------- */

static int check_out(const char *fn, const void *out, size_t n) {
  if (out == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'out' is NULL with n = %zu",
                   fn, n);
  return CAUSAL_OK;
}

/* x finite and x > 0 (or >= 0 when zero_ok). */
static int check_param(const char *fn, const char *name, double x,
                       int zero_ok) {
  if (!isfinite(x))
    return cz_fail(CAUSAL_ENONFINITE, "%s: %s = %g is not finite", fn, name,
                   x);
  if (x < 0 || (x == 0 && !zero_ok))
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %g must be %s", fn, name, x,
                   zero_ok ? ">= 0" : "> 0");
  return CAUSAL_OK;
}

/* ---- uniform and integer draws ------------------------------------------ */

int causal_rng_u64(causal_rng *rng, uint64_t *out, size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_out(__func__, out, n));
  for (size_t i = 0; i < n; i++)
    out[i] = cz_rng_next(rng);
  return ok();
}

int causal_rng_uniform(causal_rng *rng, double *out, size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_out(__func__, out, n));
  for (size_t i = 0; i < n; i++)
    out[i] = cz_rng_uniform1(rng);
  return ok();
}

int causal_rng_bounded(causal_rng *rng, uint64_t bound, uint64_t *out,
                       size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  if (bound == 0)
    return cz_fail(CAUSAL_ERANGE, "causal_rng_bounded: bound = 0 must be >= 1");
  CZ_CHECK(check_out(__func__, out, n));
  for (size_t i = 0; i < n; i++)
    out[i] = cz_rng_bounded1(rng, bound);
  return ok();
}

/* ---- normal: ratio of uniforms with Leva's quadratic bounds ------------- */

/* Leva (1992), ACM TOMS 18(4) 449-453, Algorithm 712. (u, v) uniform on
 * (0,1] x [-sqrt(2/e), sqrt(2/e)); accept when v^2 <= -4 u^2 log u (the
 * Kinderman-Monahan region), with two quadratic curves deciding most points
 * without the logarithm. v/u is then exactly N(0, 1). */
double cz_rng_normal1(causal_rng *r) {
  const double s = 0.449871, t = -0.386595, a = 0.19600, b = 0.25472;
  const double r1 = 0.27597, r2 = 0.27846;
  for (;;) {
    double u = cz_rng_uniform_pos1(r);
    double v = 1.7156 * (cz_rng_uniform1(r) - 0.5);
    double x = u - s, y = fabs(v) - t;
    double q = x * x + y * (a * y - b * x);
    if (q < r1)
      return v / u;
    if (q > r2)
      continue;
    if (v * v <= -4.0 * u * u * log(u))
      return v / u;
  }
}

int causal_rng_normal(causal_rng *rng, double mean, double sd, double *out,
                      size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  if (!isfinite(mean))
    return cz_fail(CAUSAL_ENONFINITE, "causal_rng_normal: mean = %g is not "
                   "finite", mean);
  CZ_CHECK(check_param(__func__, "sd", sd, 1));
  CZ_CHECK(check_out(__func__, out, n));
  for (size_t i = 0; i < n; i++)
    out[i] = mean + sd * cz_rng_normal1(rng);
  return ok();
}

/* ---- exponential: inversion ---------------------------------------------- */

double cz_rng_exponential1(causal_rng *r) {
  /* U on [0,1): -log(1-U) = -log1p(-U) is in [0, 37.4], exact at small U. */
  return -log1p(-cz_rng_uniform1(r));
}

int causal_rng_exponential(causal_rng *rng, double rate, double *out,
                           size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_param(__func__, "rate", rate, 0));
  CZ_CHECK(check_out(__func__, out, n));
  for (size_t i = 0; i < n; i++)
    out[i] = cz_rng_exponential1(rng) / rate;
  return ok();
}

/* ---- gamma: Marsaglia & Tsang (2000) ------------------------------------- */

/* Shape >= 1. d = shape - 1/3, c = 1/sqrt(9 d); X = d (1 + c Z)^3 accepted
 * with the squeeze 1 - 0.0331 Z^4 or the exact log test. */
static double gamma_mt(causal_rng *r, double d, double c) {
  for (;;) {
    double z, v;
    do {
      z = cz_rng_normal1(r);
      v = 1.0 + c * z;
    } while (v <= 0.0);
    v = v * v * v;
    double u = cz_rng_uniform_pos1(r);
    double z2 = z * z;
    if (u < 1.0 - 0.0331 * z2 * z2)
      return d * v;
    if (log(u) < 0.5 * z2 + d * (1.0 - v + log(v)))
      return d * v;
  }
}

typedef struct gamma_setup {
  double d, c;   /* Marsaglia-Tsang constants for max(shape, shape + 1) */
  double inv_a;  /* 1/shape when boosting (shape < 1), else 0 */
} gamma_setup;

static gamma_setup gamma_prepare(double shape) {
  gamma_setup g;
  double s = shape < 1.0 ? shape + 1.0 : shape;
  g.d = s - 1.0 / 3.0;
  g.c = 1.0 / sqrt(9.0 * g.d);
  g.inv_a = shape < 1.0 ? 1.0 / shape : 0.0;
  return g;
}

/* Log of a gamma variate. For shape < 1 the boost G(a) = G(a+1) U^(1/a)
 * (Marsaglia & Tsang 2000, sec. 6) is applied in log space, so the value
 * stays finite when the variate would underflow. */
static double log_gamma_draw(causal_rng *r, const gamma_setup *g) {
  double x = log(gamma_mt(r, g->d, g->c));
  if (g->inv_a != 0.0)
    x += log(cz_rng_uniform_pos1(r)) * g->inv_a;
  return x;
}

static double gamma_draw(causal_rng *r, const gamma_setup *g) {
  double x = gamma_mt(r, g->d, g->c);
  if (g->inv_a != 0.0)
    x *= exp(log(cz_rng_uniform_pos1(r)) * g->inv_a);
  return x;
}

double cz_rng_gamma1(causal_rng *r, double shape) {
  gamma_setup g = gamma_prepare(shape);
  return gamma_draw(r, &g);
}

double cz_rng_log_gamma1(causal_rng *r, double shape) {
  gamma_setup g = gamma_prepare(shape);
  return log_gamma_draw(r, &g);
}

int causal_rng_gamma(causal_rng *rng, double shape, double scale, double *out,
                     size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_param(__func__, "shape", shape, 0));
  CZ_CHECK(check_param(__func__, "scale", scale, 0));
  CZ_CHECK(check_out(__func__, out, n));
  gamma_setup g = gamma_prepare(shape);
  for (size_t i = 0; i < n; i++)
    out[i] = gamma_draw(rng, &g) * scale;
  return ok();
}

/* ---- beta ------------------------------------------------------------------ */

typedef struct beta_setup {
  double a, b;
  int method; /* 0: Johnk (a, b < 1); 1: X/(X+Y); 2: log-space gammas */
  gamma_setup ga, gb;
} beta_setup;

static beta_setup beta_prepare(double a, double b) {
  beta_setup s;
  s.a = a;
  s.b = b;
  s.method = (a < 1.0 && b < 1.0) ? 0 : (a >= 1.0 && b >= 1.0) ? 1 : 2;
  s.ga = gamma_prepare(a);
  s.gb = gamma_prepare(b);
  return s;
}

static double beta_draw(causal_rng *r, const beta_setup *s) {
  if (s->method == 0) {
    /* Johnk (1964): X = U^(1/a), Y = V^(1/b), accept when X + Y <= 1 and
     * return X/(X+Y); all in logs so tiny a, b neither underflow nor give
     * 0/0. Acceptance probability Gamma(a+1)Gamma(b+1)/Gamma(a+b+1) >= 1/2
     * here. */
    for (;;) {
      double lx = log(cz_rng_uniform_pos1(r)) / s->a;
      double ly = log(cz_rng_uniform_pos1(r)) / s->b;
      double lm = lx > ly ? lx : ly;
      double ls = lm + log1p(exp(-fabs(lx - ly)));
      if (ls <= 0.0)
        return exp(lx - ls);
    }
  }
  if (s->method == 1) {
    for (;;) {
      double x = gamma_draw(r, &s->ga);
      double y = gamma_draw(r, &s->gb);
      if (x + y > 0.0)
        return x / (x + y);
    }
  }
  /* One shape below 1: X/(X+Y) = 1/(1 + exp(log Y - log X)), finite logs. */
  double lx = log_gamma_draw(r, &s->ga);
  double ly = log_gamma_draw(r, &s->gb);
  return 1.0 / (1.0 + exp(ly - lx));
}

double cz_rng_beta1(causal_rng *r, double a, double b) {
  beta_setup s = beta_prepare(a, b);
  return beta_draw(r, &s);
}

int causal_rng_beta(causal_rng *rng, double a, double b, double *out,
                    size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_param(__func__, "a", a, 0));
  CZ_CHECK(check_param(__func__, "b", b, 0));
  CZ_CHECK(check_out(__func__, out, n));
  beta_setup s = beta_prepare(a, b);
  for (size_t i = 0; i < n; i++)
    out[i] = beta_draw(rng, &s);
  return ok();
}

/* ---- log probabilities for the rejection tests -------------------------- */

/* Stirling error: log(n!) - log(sqrt(2 pi n) (n/e)^n), n >= 1 an integer.
 * Table (tests/ref/rng_reference.py --stirlerr, 40-digit mpmath) for
 * n <= 15, asymptotic series (error < 2e-16) above. */
static double stirlerr(double n) {
  static const double tab[16] = {
      0.0, /* unused */
      0x1.4c071bcda0a5bp-4, 0x1.52a9b923ea649p-5, 0x1.c579a268d80b3p-6,
      0x1.54a2662fd78a9p-6, 0x1.10b4e513fcbedp-6, 0x1.c6b167bebdf36p-7,
      0x1.85d4d612e4a86p-7, 0x1.552805e7b3076p-7, 0x1.2f4871b12ab64p-7,
      0x1.10f9d4c0743a7p-7, 0x1.f0593088014f8p-8, 0x1.c7018733aa9c6p-8,
      0x1.a40514700f36cp-8, 0x1.86076c002d4a7p-8, 0x1.6c08f6f194a10p-8};
  if (n <= 15.0)
    return tab[(int)n];
  double nn = 1.0 / (n * n);
  return (1.0 / 12 -
          nn * (1.0 / 360 -
                nn * (1.0 / 1260 - nn * (1.0 / 1680 - nn * (1.0 / 1188))))) /
         n;
}

/* Deviance term x log(x/m) + m - x, accurate when x is close to m (Loader
 * 2000, "Fast and accurate computation of binomial probabilities"). */
static double bd0(double x, double m) {
  if (fabs(x - m) < 0.1 * (x + m)) {
    double v = (x - m) / (x + m);
    double s = (x - m) * v;
    double ej = 2.0 * x * v;
    double v2 = v * v;
    for (int j = 1; j < 1000; j++) {
      ej *= v2;
      double s1 = s + ej / (2 * j + 1);
      if (s1 == s)
        return s1;
      s = s1;
    }
    return s;
  }
  return x * log(x / m) + m - x;
}

/* log P(X = k), X ~ Poisson(lambda), lambda > 0, k >= 0. */
static double poisson_logpmf(double k, double lambda) {
  if (k == 0.0)
    return -lambda;
  return -stirlerr(k) - bd0(k, lambda) - 0.5 * log(k) - CZ_LN_SQRT_2PI;
}

/* log P(X = k), X ~ Binomial(n, p), 0 < p < 1, 0 <= k <= n (saddle point
 * form of Loader 2000: no large cancelling terms even for n ~ 1e18). */
static double binom_logpmf(double k, double n, double p, double q) {
  if (k == 0.0)
    return n * log1p(-p);
  if (k == n)
    return n * log(p);
  return stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) -
         bd0(n - k, n * q) + 0.5 * log(n / (k * (n - k))) - CZ_LN_SQRT_2PI;
}

/* ---- binomial ------------------------------------------------------------ */

typedef struct binom_setup {
  int64_t n;
  int flip;   /* p > 1/2: draw n - Binomial(n, 1 - p) */
  int method; /* 0: constant (n = 0 or p in {0, 1}); 1: inversion; 2: BTRS */
  double p, q;
  double r0, s, a_inv;                        /* inversion */
  double nd, b, a, c, alpha, vr, m, logfm; /* BTRS */
} binom_setup;

static binom_setup binom_prepare(int64_t n, double p) {
  binom_setup s;
  memset(&s, 0, sizeof s);
  s.n = n;
  s.flip = p > 0.5;
  s.p = s.flip ? 1.0 - p : p;
  s.q = 1.0 - s.p;
  s.nd = (double)n;
  if (n == 0 || s.p == 0.0) {
    s.method = 0;
  } else if (s.nd * s.p < 10.0) {
    /* f(x)/f(x-1) = a_inv/x - s with s = p/q, a_inv = (n+1) s. */
    s.method = 1;
    s.s = s.p / s.q;
    s.a_inv = (s.nd + 1.0) * s.s;
    s.r0 = exp(s.nd * log1p(-s.p));
  } else {
    /* Hormann (1993), BTRS, valid for n p >= 10 with p <= 1/2. */
    s.method = 2;
    double spq = sqrt(s.nd * s.p * s.q);
    s.b = 1.15 + 2.53 * spq;
    s.a = -0.0873 + 0.0248 * s.b + 0.01 * s.p;
    s.c = s.nd * s.p + 0.5;
    s.alpha = (2.83 + 5.1 / s.b) * spq;
    s.vr = 0.92 - 4.2 / s.b;
    s.m = floor((s.nd + 1.0) * s.p);
    if (s.m > s.nd)
      s.m = s.nd;
    s.logfm = binom_logpmf(s.m, s.nd, s.p, s.q);
  }
  return s;
}

static int64_t binom_inversion(causal_rng *r, const binom_setup *s) {
  for (;;) {
    double u = cz_rng_uniform1(r), f = s->r0;
    int64_t x = 0;
    /* Sequential search; f reaches exactly 0 past x = n (and underflows in
     * the far tail), where rounding could otherwise keep u > 0: restart. */
    while (u > f) {
      u -= f;
      x++;
      f *= s->a_inv / (double)x - s->s;
      if (!(f > 0.0))
        break;
    }
    if (u <= f && x <= s->n)
      return x;
  }
}

static int64_t binom_btrs(causal_rng *r, const binom_setup *s) {
  for (;;) {
    double u = cz_rng_uniform1(r) - 0.5;
    double v = cz_rng_uniform1(r);
    double us = 0.5 - fabs(u);
    double k = floor((2.0 * s->a / us + s->b) * u + s->c);
    if (k < 0.0 || k > s->nd || k >= 0x1p63)
      continue;
    if (us >= 0.07 && v <= s->vr)
      return (int64_t)k;
    /* v = 0 gives log(0) = -inf: always accepted, as it should be. */
    double lv = log(v * s->alpha / (s->a / (us * us) + s->b));
    if (lv <= binom_logpmf(k, s->nd, s->p, s->q) - s->logfm)
      return (int64_t)k;
  }
}

static int64_t binom_draw(causal_rng *r, const binom_setup *s) {
  int64_t x;
  if (s->method == 0)
    x = 0;
  else if (s->method == 1)
    x = binom_inversion(r, s);
  else
    x = binom_btrs(r, s);
  return s->flip ? s->n - x : x;
}

int64_t cz_rng_binomial1(causal_rng *r, int64_t n, double p) {
  binom_setup s = binom_prepare(n, p);
  return binom_draw(r, &s);
}

int causal_rng_binomial(causal_rng *rng, int64_t trials, double p,
                        int64_t *out, size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  if (trials < 0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_rng_binomial: trials = %lld must be >= 0",
                   (long long)trials);
  if (!isfinite(p))
    return cz_fail(CAUSAL_ENONFINITE, "causal_rng_binomial: p = %g is not "
                   "finite", p);
  if (p < 0.0 || p > 1.0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_rng_binomial: p = %g must be in [0, 1]", p);
  CZ_CHECK(check_out(__func__, out, n));
  binom_setup s = binom_prepare(trials, p);
  for (size_t i = 0; i < n; i++)
    out[i] = binom_draw(rng, &s);
  return ok();
}

/* ---- Poisson -------------------------------------------------------------- */

typedef struct pois_setup {
  double lambda;
  int method; /* 0: lambda = 0; 1: inversion; 2: PTRS */
  double e0;  /* exp(-lambda) */
  double a, b, vr, log_inv_alpha;
} pois_setup;

static pois_setup pois_prepare(double lambda) {
  pois_setup s;
  memset(&s, 0, sizeof s);
  s.lambda = lambda;
  if (lambda == 0.0) {
    s.method = 0;
  } else if (lambda < 10.0) {
    s.method = 1;
    s.e0 = exp(-lambda);
  } else {
    /* Hormann (1993), PTRS, valid for lambda >= 10. */
    s.method = 2;
    s.b = 0.931 + 2.53 * sqrt(lambda);
    s.a = -0.059 + 0.02483 * s.b;
    s.log_inv_alpha = log(1.1239 + 1.1328 / (s.b - 3.4));
    s.vr = 0.9277 - 3.6224 / (s.b - 2.0);
  }
  return s;
}

static int64_t pois_inversion(causal_rng *r, const pois_setup *s) {
  for (;;) {
    double u = cz_rng_uniform1(r), f = s->e0;
    int64_t x = 0;
    while (u > f) {
      u -= f;
      x++;
      f *= s->lambda / (double)x;
      if (!(f > 0.0)) /* far tail underflowed: restart */
        break;
    }
    if (u <= f)
      return x;
  }
}

static int64_t pois_ptrs(causal_rng *r, const pois_setup *s) {
  for (;;) {
    double u = cz_rng_uniform1(r) - 0.5;
    double v = cz_rng_uniform1(r);
    double us = 0.5 - fabs(u);
    double k = floor((2.0 * s->a / us + s->b) * u + s->lambda + 0.43);
    if (us >= 0.07 && v <= s->vr)
      return (int64_t)k; /* k >= 0 in this region */
    if (k < 0.0 || (us < 0.013 && v > us))
      continue;
    double lhs = log(v) + s->log_inv_alpha - log(s->a / (us * us) + s->b);
    if (lhs <= poisson_logpmf(k, s->lambda))
      return (int64_t)k;
  }
}

static int64_t pois_draw(causal_rng *r, const pois_setup *s) {
  if (s->method == 0)
    return 0;
  if (s->method == 1)
    return pois_inversion(r, s);
  return pois_ptrs(r, s);
}

int64_t cz_rng_poisson1(causal_rng *r, double lambda) {
  pois_setup s = pois_prepare(lambda);
  return pois_draw(r, &s);
}

int causal_rng_poisson(causal_rng *rng, double lambda, int64_t *out,
                       size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  CZ_CHECK(check_param(__func__, "lambda", lambda, 1));
  if (lambda >= 0x1p53)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_rng_poisson: lambda = %g must be < 2^53", lambda);
  CZ_CHECK(check_out(__func__, out, n));
  pois_setup s = pois_prepare(lambda);
  for (size_t i = 0; i < n; i++)
    out[i] = pois_draw(rng, &s);
  return ok();
}

/* ---- permutations ----------------------------------------------------- */

int causal_rng_shuffle(causal_rng *rng, int64_t *idx, size_t n) {
  CZ_REQUIRE_NONNULL(rng);
  if (idx == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_rng_shuffle: argument 'idx' is NULL with n = %zu",
                   n);
  /* Fisher-Yates (Durstenfeld): position i takes a uniform pick of the
   * i + 1 not yet placed elements. */
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)cz_rng_bounded1(rng, (uint64_t)i);
    int64_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
  return ok();
}

/* Sparse array for the partial Fisher-Yates of causal_rng_sample: a virtual
 * identity permutation of {0..n-1} of which only displaced entries are
 * stored (open addressing, linear probing, key -1 = empty). */
typedef struct sparse_perm {
  int64_t *keys, *vals;
  size_t mask;
  unsigned shift; /* 64 - log2(capacity): Fibonacci hashing takes top bits */
} sparse_perm;

static size_t sparse_slot(const sparse_perm *m, int64_t key) {
  size_t h =
      (size_t)(((uint64_t)key * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
  while (m->keys[h] != -1 && m->keys[h] != key)
    h = (h + 1) & m->mask;
  return h;
}

static int64_t sparse_get(const sparse_perm *m, int64_t key) {
  size_t h = sparse_slot(m, key);
  return m->keys[h] == -1 ? key : m->vals[h];
}

static void sparse_put(sparse_perm *m, int64_t key, int64_t val) {
  size_t h = sparse_slot(m, key);
  m->keys[h] = key;
  m->vals[h] = val;
}

int causal_rng_sample(causal_rng *rng, int64_t n, int64_t k, int64_t *out) {
  CZ_REQUIRE_NONNULL(rng);
  if (n < 0)
    return cz_fail(CAUSAL_ERANGE, "causal_rng_sample: n = %lld must be >= 0",
                   (long long)n);
  if (k < 0 || k > n)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_rng_sample: k = %lld must be in [0, n = %lld]",
                   (long long)k, (long long)n);
  if (out == NULL && k > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_rng_sample: argument 'out' is NULL with k = %lld",
                   (long long)k);
  /* Partial Fisher-Yates: step i swaps position i with a uniform position
   * j in [i, n) and emits the element landing at i, so out is a uniformly
   * random ordered k-sample. With k = n out itself holds the permutation;
   * otherwise a hash map of the <= k displaced entries keeps memory O(k).
   * Both paths consume the same draws and give the same output. */
  if (k == n) {
    for (int64_t i = 0; i < n; i++)
      out[i] = i;
    for (int64_t i = 0; i < k; i++) {
      int64_t j = i + (int64_t)cz_rng_bounded1(rng, (uint64_t)(n - i));
      int64_t t = out[j];
      out[j] = out[i];
      out[i] = t;
    }
    return ok();
  }
  if ((uint64_t)k > SIZE_MAX / (8 * sizeof(int64_t)))
    return cz_fail(CAUSAL_ENOMEM,
                   "causal_rng_sample: k = %lld is too large to index",
                   (long long)k);
  size_t cap = 16;
  unsigned shift = 60;
  while (cap < 2 * (size_t)k) { /* load factor <= 1/2 */
    cap *= 2;
    shift--;
  }
  cz_alloc a = cz_alloc_current();
  int64_t *buf = cz_calloc(&a, cap, 2 * sizeof(int64_t));
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  sparse_perm m = {buf, buf + cap, cap - 1, shift};
  for (size_t i = 0; i < cap; i++)
    m.keys[i] = -1;
  for (int64_t i = 0; i < k; i++) {
    int64_t j = i + (int64_t)cz_rng_bounded1(rng, (uint64_t)(n - i));
    int64_t vj = sparse_get(&m, j);
    int64_t vi = sparse_get(&m, i);
    out[i] = vj;
    if (j != i)
      sparse_put(&m, j, vi);
  }
  cz_free(&a, buf);
  return ok();
}
