/* PCG64 generator: bit-exactness against numpy, the portable 128-bit
 * fallback, reproducibility, argument checks, OOM, and statistical tests
 * (moments and goodness of fit) of every sampling function.
 *
 * Reference vectors: tests/ref/rng_reference.py (numpy's PCG64).
 * Distribution functions used by the goodness-of-fit tests are computed
 * here from libm (erfc, lgamma, exp) and numerical integration, not from
 * the library. */
#include "testutil.h"

#include "internal/rng.h"

/* ---- reference file reader -------------------------------------------- */

typedef struct rec {
  char *tok[4096];
  int ntok;
  char line[131072];
} rec;

/* Next record (non-comment line) split into tokens; 0 at EOF. */
static int next_rec(FILE *f, rec *r) {
  while (fgets(r->line, sizeof r->line, f) != NULL) {
    if (r->line[0] == '#' || r->line[0] == '\n')
      continue;
    r->ntok = 0;
    for (char *s = strtok(r->line, " \n"); s && r->ntok < 4096;
         s = strtok(NULL, " \n"))
      r->tok[r->ntok++] = s;
    return 1;
  }
  return 0;
}

static uint64_t hx(const char *s) { return strtoull(s, NULL, 16); }

static FILE *open_data(const char *name) {
  FILE *f = fopen(cz_test_path(name), "r");
  if (f == NULL)
    fail_msg("cannot open %s", cz_test_path(name));
  return f;
}

/* A generator with an explicit state (checked through the public API). */
static causal_rng *rng_at(const char *const *t) {
  causal_rng *r;
  assert_ok(causal_rng_new(&r, 0, 0));
  assert_ok(causal_rng_set_state(r, hx(t[0]), hx(t[1]), hx(t[2]), hx(t[3])));
  return r;
}

static void stack_at(causal_rng *r, const char *const *t) {
  memset(r, 0, sizeof *r);
  r->state_hi = hx(t[0]);
  r->state_lo = hx(t[1]);
  r->inc_hi = hx(t[2]);
  r->inc_lo = hx(t[3]);
}

/* ---- bit-exactness ------------------------------------------------------ */

static void test_raw_vs_numpy(void **state) {
  (void)state;
  FILE *f = open_data("data/rng_raw.txt");
  rec *r = malloc(sizeof *r);
  int nraw = 0, ndbl = 0;
  while (next_rec(f, r)) {
    const char *const *t = (const char *const *)r->tok + 1;
    int n = atoi(r->tok[5]);
    assert_int_equal(r->ntok, 6 + n);
    causal_rng *g = rng_at(t);
    causal_rng p;
    stack_at(&p, t);
    if (strcmp(r->tok[0], "raw") == 0) {
      uint64_t out[64];
      assert_ok(causal_rng_u64(g, out, (size_t)n));
      for (int i = 0; i < n; i++) {
        uint64_t want = hx(r->tok[6 + i]);
        assert_true(out[i] == want);
        assert_true(cz_rng_next_portable(&p) == want);
      }
      nraw++;
    } else {
      assert_string_equal(r->tok[0], "dbl");
      double out[64];
      assert_ok(causal_rng_uniform(g, out, (size_t)n));
      for (int i = 0; i < n; i++) {
        double want = strtod(r->tok[6 + i], NULL);
        if (out[i] != want)
          fail_msg("uniform #%d: %a != numpy %a", i, out[i], want);
        assert_true(out[i] >= 0.0 && out[i] < 1.0);
      }
      ndbl++;
    }
    causal_rng_free(g);
  }
  assert_true(nraw >= 7 && ndbl >= 7);
  free(r);
  fclose(f);
}

static void test_seed_vs_formula(void **state) {
  (void)state;
  FILE *f = open_data("data/rng_seed.txt");
  rec *r = malloc(sizeof *r);
  int ncase = 0;
  while (next_rec(f, r)) {
    assert_string_equal(r->tok[0], "seed");
    uint64_t seed = hx(r->tok[1]), stream = hx(r->tok[2]);
    uint64_t sh, sl, ih, il;
    causal_rng *g;
    assert_ok(causal_rng_new(&g, seed, stream));
    assert_ok(causal_rng_get_state(g, &sh, &sl, &ih, &il));
    assert_true(sh == hx(r->tok[3]) && sl == hx(r->tok[4]));
    assert_true(ih == hx(r->tok[5]) && il == hx(r->tok[6]));
    causal_rng p;
    memset(&p, 0, sizeof p);
    cz_rng_seed_portable(&p, seed, stream);
    assert_true(p.state_hi == sh && p.state_lo == sl && p.inc_hi == ih &&
                p.inc_lo == il);
    int n = atoi(r->tok[7]);
    for (int i = 0; i < n; i++) {
      uint64_t x;
      assert_ok(causal_rng_u64(g, &x, 1));
      assert_true(x == hx(r->tok[8 + i]));
    }
    causal_rng_free(g);
    ncase++;
  }
  assert_true(ncase >= 8);
  free(r);
  fclose(f);
}

static void test_advance_vs_numpy(void **state) {
  (void)state;
  FILE *f = open_data("data/rng_advance.txt");
  rec *r = malloc(sizeof *r);
  int ncase = 0;
  while (next_rec(f, r)) {
    assert_string_equal(r->tok[0], "adv");
    const char *const *t = (const char *const *)r->tok + 1;
    uint64_t dh = hx(r->tok[5]), dl = hx(r->tok[6]);
    causal_rng *g = rng_at(t);
    assert_ok(causal_rng_advance(g, dh, dl));
    uint64_t sh, sl, ih, il;
    assert_ok(causal_rng_get_state(g, &sh, &sl, &ih, &il));
    assert_true(sh == hx(r->tok[7]) && sl == hx(r->tok[8]));
    causal_rng p;
    stack_at(&p, t);
    cz_rng_advance_portable(&p, dh, dl);
    assert_true(p.state_hi == sh && p.state_lo == sl);
    int n = atoi(r->tok[9]);
    for (int i = 0; i < n; i++) {
      uint64_t x;
      assert_ok(causal_rng_u64(g, &x, 1));
      assert_true(x == hx(r->tok[10 + i]));
    }
    causal_rng_free(g);
    ncase++;
  }
  assert_true(ncase >= 40);
  free(r);
  fclose(f);
}

static void test_bounded_vs_numpy(void **state) {
  (void)state;
  FILE *f = open_data("data/rng_bounded.txt");
  rec *r = malloc(sizeof *r);
  int ncase = 0;
  uint64_t *out = malloc(4096 * sizeof *out);
  while (next_rec(f, r)) {
    assert_string_equal(r->tok[0], "bnd");
    const char *const *t = (const char *const *)r->tok + 1;
    uint64_t bound = hx(r->tok[5]);
    int n = atoi(r->tok[6]);
    causal_rng *g = rng_at(t);
    causal_rng p;
    stack_at(&p, t);
    assert_ok(causal_rng_bounded(g, bound, out, (size_t)n));
    for (int i = 0; i < n; i++) {
      uint64_t want = hx(r->tok[7 + i]);
      assert_true(out[i] == want);
      assert_true(out[i] < bound);
      assert_true(cz_rng_bounded1_portable(&p, bound) == want);
    }
    causal_rng_free(g);
    ncase++;
  }
  assert_true(ncase >= 14);
  free(out);
  free(r);
  fclose(f);
}

/* The portable two-halves arithmetic agrees with the main path on many
 * pseudo-random states, increments, multiplications and jump distances. */
static void test_portable_fallback(void **state) {
  (void)state;
  causal_rng *src;
  assert_ok(causal_rng_new(&src, 99, 5));
  for (int rep = 0; rep < 200; rep++) {
    uint64_t w[6];
    assert_ok(causal_rng_u64(src, w, 6));
    causal_rng a, b;
    memset(&a, 0, sizeof a);
    a.state_hi = w[0];
    a.state_lo = w[1];
    a.inc_hi = w[2];
    a.inc_lo = w[3] | 1u;
    b = a;
    for (int i = 0; i < 500; i++)
      assert_true(cz_rng_next(&a) == cz_rng_next_portable(&b));
    /* jump distances of all sizes, incl. > 2^64 */
    uint64_t dh = (rep % 3 == 0) ? 0 : w[4] >> (rep % 64);
    uint64_t dl = w[5];
    causal_rng c = a, d = a;
    assert_ok(causal_rng_advance(&c, dh, dl));
    cz_rng_advance_portable(&d, dh, dl);
    assert_true(c.state_hi == d.state_hi && c.state_lo == d.state_lo);
    /* 64x64 products */
    cz_u128 m = cz_mul64x64_portable(w[0], w[1]);
#if CZ_RNG_HAVE_INT128
    cz_uint128 ref = (cz_uint128)w[0] * w[1];
    assert_true(m.hi == (uint64_t)(ref >> 64) && m.lo == (uint64_t)ref);
#endif
    uint64_t lo, hi = cz_mulhi64(w[0], w[1], &lo);
    assert_true(hi == m.hi && lo == m.lo);
    /* bounded draws, incl. bounds that force rejections */
    uint64_t bound = (rep % 2) ? (w[4] | (UINT64_C(1) << 63)) : w[4] % 1000 + 1;
    causal_rng e = a, g = a;
    for (int i = 0; i < 50; i++)
      assert_true(cz_rng_bounded1(&e, bound) ==
                  cz_rng_bounded1_portable(&g, bound));
    /* seeding */
    causal_rng s1, s2;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    cz_rng_seed(&s1, w[0], w[1]);
    cz_rng_seed_portable(&s2, w[0], w[1]);
    assert_memory_equal(&s1, &s2, sizeof s1);
  }
  /* Carry paths of the 64x64 product: all-ones operands. */
  cz_u128 m = cz_mul64x64_portable(UINT64_MAX, UINT64_MAX);
  assert_true(m.hi == UINT64_MAX - 1 && m.lo == 1);
  causal_rng_free(src);
}

/* ---- reproducibility ---------------------------------------------------- */

static void test_reproducibility(void **state) {
  (void)state;
  enum { N = 1000 };
  static uint64_t a[N], b[N], c[N];
  causal_rng *g1, *g2, *g3, *g4;
  assert_ok(causal_rng_new(&g1, 2024, 1));
  assert_ok(causal_rng_new(&g2, 2024, 1));
  assert_ok(causal_rng_new(&g3, 2024, 2));
  assert_ok(causal_rng_new(&g4, 2025, 1));
  assert_ok(causal_rng_u64(g1, a, N));
  assert_ok(causal_rng_u64(g2, b, N));
  assert_memory_equal(a, b, sizeof a);
  assert_ok(causal_rng_u64(g3, c, N));
  int same = 0;
  for (int i = 0; i < N; i++)
    same += a[i] == c[i];
  assert_true(same <= 1); /* different stream: unrelated sequence */
  assert_ok(causal_rng_u64(g4, c, N));
  same = 0;
  for (int i = 0; i < N; i++)
    same += a[i] == c[i];
  assert_true(same <= 1);

  /* clone copies the state exactly and is independent afterwards */
  causal_rng *cl;
  assert_ok(causal_rng_clone(&cl, g1));
  assert_ok(causal_rng_u64(g1, a, N));
  assert_ok(causal_rng_u64(cl, b, N));
  assert_memory_equal(a, b, sizeof a);
  assert_ok(causal_rng_u64(cl, b, 1)); /* drawing from the clone ... */
  assert_ok(causal_rng_u64(g1, a, 1)); /* ... does not move the original */
  assert_true(a[0] == b[0]);

  /* advance(k) == drawing k values, for several k */
  const uint64_t ks[] = {0, 1, 2, 3, 17, 999, 1000};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    causal_rng *x, *y;
    assert_ok(causal_rng_new(&x, 7, 3));
    assert_ok(causal_rng_new(&y, 7, 3));
    assert_ok(causal_rng_u64(x, c, (size_t)ks[i]));
    assert_ok(causal_rng_advance(y, 0, ks[i]));
    uint64_t s[8];
    assert_ok(causal_rng_get_state(x, &s[0], &s[1], &s[2], &s[3]));
    assert_ok(causal_rng_get_state(y, &s[4], &s[5], &s[6], &s[7]));
    assert_memory_equal(s, s + 4, 4 * sizeof s[0]);
    causal_rng_free(x);
    causal_rng_free(y);
  }
  /* advance composes with carry across the 64-bit halves, and advancing by
   * 2^128 - 1 steps back by one */
  causal_rng *x, *y;
  assert_ok(causal_rng_new(&x, 11, 12));
  assert_ok(causal_rng_clone(&y, x));
  assert_ok(causal_rng_advance(x, 0, UINT64_MAX));
  assert_ok(causal_rng_advance(x, 0, 5));
  assert_ok(causal_rng_advance(y, 1, 4));
  assert_memory_equal(&x->state_hi, &y->state_hi, 4 * sizeof(uint64_t));
  assert_ok(causal_rng_u64(x, a, 1));
  assert_ok(causal_rng_advance(x, UINT64_MAX, UINT64_MAX));
  assert_ok(causal_rng_u64(x, b, 1));
  assert_true(a[0] == b[0]);

  /* get/set_state round trip */
  uint64_t sh, sl, ih, il;
  assert_ok(causal_rng_get_state(g3, &sh, &sl, &ih, &il));
  assert_ok(causal_rng_u64(g3, a, 10));
  assert_ok(causal_rng_set_state(g3, sh, sl, ih, il));
  assert_ok(causal_rng_u64(g3, b, 10));
  assert_memory_equal(a, b, 10 * sizeof a[0]);
  assert_ok(causal_rng_set_state(g4, sh, sl, ih, il));
  assert_ok(causal_rng_u64(g4, c, 10));
  assert_memory_equal(a, c, 10 * sizeof a[0]);

  causal_rng_free(x);
  causal_rng_free(y);
  causal_rng_free(cl);
  causal_rng_free(g1);
  causal_rng_free(g2);
  causal_rng_free(g3);
  causal_rng_free(g4);
  causal_rng_free(NULL);
}

/* Bulk functions equal the internal scalar draws on the same state. */
static void test_bulk_matches_scalar(void **state) {
  (void)state;
  enum { N = 200 };
  causal_rng *g, *h;
  assert_ok(causal_rng_new(&g, 31, 4));
  assert_ok(causal_rng_clone(&h, g));
  double d[N];
  int64_t k[N];
  uint64_t u[N];
  assert_ok(causal_rng_normal(g, 1.5, 2.0, d, N));
  for (int i = 0; i < N; i++)
    assert_true(d[i] == 1.5 + 2.0 * cz_rng_normal1(h));
  assert_ok(causal_rng_exponential(g, 4.0, d, N));
  for (int i = 0; i < N; i++)
    assert_true(d[i] == cz_rng_exponential1(h) / 4.0);
  const double shapes[] = {0.3, 2.5};
  for (int s = 0; s < 2; s++) {
    assert_ok(causal_rng_gamma(g, shapes[s], 3.0, d, N));
    for (int i = 0; i < N; i++)
      assert_true(d[i] == cz_rng_gamma1(h, shapes[s]) * 3.0);
  }
  const double ab[][2] = {{0.5, 0.5}, {2, 3}, {0.5, 4}};
  for (int s = 0; s < 3; s++) {
    assert_ok(causal_rng_beta(g, ab[s][0], ab[s][1], d, N));
    for (int i = 0; i < N; i++)
      assert_true(d[i] == cz_rng_beta1(h, ab[s][0], ab[s][1]));
  }
  assert_ok(causal_rng_binomial(g, 50, 0.7, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == cz_rng_binomial1(h, 50, 0.7));
  assert_ok(causal_rng_binomial(g, 5000, 0.2, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == cz_rng_binomial1(h, 5000, 0.2));
  assert_ok(causal_rng_poisson(g, 3.0, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == cz_rng_poisson1(h, 3.0));
  assert_ok(causal_rng_poisson(g, 300.0, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == cz_rng_poisson1(h, 300.0));
  assert_ok(causal_rng_bounded(g, 77, u, N));
  for (int i = 0; i < N; i++)
    assert_true(u[i] == cz_rng_bounded1(h, 77));
  /* log_gamma1 is the log of the same draw gamma1 makes */
  causal_rng *h2;
  assert_ok(causal_rng_clone(&h2, h));
  for (int i = 0; i < N; i++) {
    double lg = cz_rng_log_gamma1(h, 0.05), gg = cz_rng_gamma1(h2, 0.05);
    assert_true(isfinite(lg));
    assert_true(fabs(exp(lg) - gg) <= 1e-12 * gg);
  }
  causal_rng_free(h2);
  causal_rng_free(g);
  causal_rng_free(h);
}

/* ---- arguments and edge cases ------------------------------------------ */

static void test_errors(void **state) {
  (void)state;
  causal_rng *g = (causal_rng *)1, *c = (causal_rng *)1;
  assert_status(causal_rng_new(NULL, 1, 2), CAUSAL_EINVAL);
  assert_ok(causal_rng_new(&g, 1, 2));
  assert_status(causal_rng_clone(NULL, g), CAUSAL_EINVAL);
  assert_status(causal_rng_clone(&c, NULL), CAUSAL_EINVAL);
  assert_null(c);
  assert_error_mentions("rng");

  uint64_t a, b, x, y;
  assert_status(causal_rng_get_state(NULL, &a, &b, &x, &y), CAUSAL_EINVAL);
  assert_status(causal_rng_get_state(g, NULL, &b, &x, &y), CAUSAL_EINVAL);
  assert_status(causal_rng_get_state(g, &a, NULL, &x, &y), CAUSAL_EINVAL);
  assert_status(causal_rng_get_state(g, &a, &b, NULL, &y), CAUSAL_EINVAL);
  assert_status(causal_rng_get_state(g, &a, &b, &x, NULL), CAUSAL_EINVAL);
  assert_status(causal_rng_set_state(NULL, 0, 0, 0, 1), CAUSAL_EINVAL);
  assert_ok(causal_rng_get_state(g, &a, &b, &x, &y));
  assert_status(causal_rng_set_state(g, 5, 6, 7, 8), CAUSAL_EINVAL);
  assert_error_mentions("odd");
  uint64_t a2, b2, x2, y2; /* a failed set_state leaves the state alone */
  assert_ok(causal_rng_get_state(g, &a2, &b2, &x2, &y2));
  assert_true(a == a2 && b == b2 && x == x2 && y == y2);
  assert_status(causal_rng_advance(NULL, 0, 1), CAUSAL_EINVAL);

  uint64_t u[4];
  double d[4];
  int64_t k[4];
  assert_status(causal_rng_u64(NULL, u, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_u64(g, NULL, 4), CAUSAL_EINVAL);
  assert_error_mentions("out");
  assert_ok(causal_rng_u64(g, NULL, 0));
  assert_status(causal_rng_uniform(NULL, d, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_uniform(g, NULL, 1), CAUSAL_EINVAL);
  assert_ok(causal_rng_uniform(g, NULL, 0));
  assert_status(causal_rng_bounded(NULL, 5, u, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_bounded(g, 0, u, 4), CAUSAL_ERANGE);
  assert_error_mentions("bound");
  assert_status(causal_rng_bounded(g, 5, NULL, 4), CAUSAL_EINVAL);
  assert_ok(causal_rng_bounded(g, 5, NULL, 0));
  assert_ok(causal_rng_bounded(g, 1, u, 4));
  for (int i = 0; i < 4; i++)
    assert_true(u[i] == 0);

  assert_status(causal_rng_normal(NULL, 0, 1, d, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_normal(g, NAN, 1, d, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("mean");
  assert_status(causal_rng_normal(g, 0, INFINITY, d, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("sd");
  assert_status(causal_rng_normal(g, 0, -1, d, 4), CAUSAL_ERANGE);
  assert_error_mentions("sd");
  assert_status(causal_rng_normal(g, 0, 1, NULL, 4), CAUSAL_EINVAL);
  assert_ok(causal_rng_normal(g, 3, 0, d, 4));
  for (int i = 0; i < 4; i++)
    assert_true(d[i] == 3.0);

  assert_status(causal_rng_exponential(NULL, 1, d, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_exponential(g, 0, d, 4), CAUSAL_ERANGE);
  assert_error_mentions("rate");
  assert_status(causal_rng_exponential(g, -2, d, 4), CAUSAL_ERANGE);
  assert_status(causal_rng_exponential(g, NAN, d, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("rate");
  assert_status(causal_rng_exponential(g, 1, NULL, 4), CAUSAL_EINVAL);

  assert_status(causal_rng_gamma(NULL, 1, 1, d, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_gamma(g, 0, 1, d, 4), CAUSAL_ERANGE);
  assert_error_mentions("shape");
  assert_status(causal_rng_gamma(g, -INFINITY, 1, d, 4), CAUSAL_ENONFINITE);
  assert_status(causal_rng_gamma(g, 1, -1, d, 4), CAUSAL_ERANGE);
  assert_error_mentions("scale");
  assert_status(causal_rng_gamma(g, 1, NAN, d, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("scale");
  assert_status(causal_rng_gamma(g, 1, 1, NULL, 4), CAUSAL_EINVAL);

  assert_status(causal_rng_beta(NULL, 1, 1, d, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_beta(g, 0, 1, d, 4), CAUSAL_ERANGE);
  assert_error_mentions("a =");
  assert_status(causal_rng_beta(g, 1, NAN, d, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("b =");
  assert_status(causal_rng_beta(g, 1, -3, d, 4), CAUSAL_ERANGE);
  assert_status(causal_rng_beta(g, 1, 1, NULL, 4), CAUSAL_EINVAL);

  assert_status(causal_rng_binomial(NULL, 5, 0.5, k, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_binomial(g, -1, 0.5, k, 4), CAUSAL_ERANGE);
  assert_error_mentions("trials");
  assert_status(causal_rng_binomial(g, 5, NAN, k, 4), CAUSAL_ENONFINITE);
  assert_error_mentions("p =");
  assert_status(causal_rng_binomial(g, 5, 1.5, k, 4), CAUSAL_ERANGE);
  assert_status(causal_rng_binomial(g, 5, -0.1, k, 4), CAUSAL_ERANGE);
  assert_error_mentions("p =");
  assert_status(causal_rng_binomial(g, 5, 0.5, NULL, 4), CAUSAL_EINVAL);

  assert_status(causal_rng_poisson(NULL, 1, k, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_poisson(g, -1, k, 4), CAUSAL_ERANGE);
  assert_error_mentions("lambda");
  assert_status(causal_rng_poisson(g, NAN, k, 4), CAUSAL_ENONFINITE);
  assert_status(causal_rng_poisson(g, INFINITY, k, 4), CAUSAL_ENONFINITE);
  assert_status(causal_rng_poisson(g, 0x1p53, k, 4), CAUSAL_ERANGE);
  assert_error_mentions("2^53");
  assert_status(causal_rng_poisson(g, 1, NULL, 4), CAUSAL_EINVAL);

  assert_status(causal_rng_shuffle(NULL, k, 4), CAUSAL_EINVAL);
  assert_status(causal_rng_shuffle(g, NULL, 4), CAUSAL_EINVAL);
  assert_error_mentions("idx");
  assert_ok(causal_rng_shuffle(g, NULL, 0));

  assert_status(causal_rng_sample(NULL, 5, 2, k), CAUSAL_EINVAL);
  assert_status(causal_rng_sample(g, -1, 0, k), CAUSAL_ERANGE);
  assert_error_mentions("n =");
  assert_status(causal_rng_sample(g, 5, -1, k), CAUSAL_ERANGE);
  assert_status(causal_rng_sample(g, 3, 4, k), CAUSAL_ERANGE);
  assert_error_mentions("k = 4");
  assert_status(causal_rng_sample(g, 5, 2, NULL), CAUSAL_EINVAL);
  assert_ok(causal_rng_sample(g, 5, 0, NULL));
  assert_ok(causal_rng_sample(g, 0, 0, NULL));

  /* a successful call clears the previous message */
  assert_ok(causal_rng_u64(g, u, 1));
  assert_string_equal(causal_last_error(), "");
  causal_rng_free(g);
}

static void test_edge_values(void **state) {
  (void)state;
  enum { N = 2000 };
  causal_rng *g;
  assert_ok(causal_rng_new(&g, 5, 5));
  static int64_t k[N];
  static double d[N];
  assert_ok(causal_rng_binomial(g, 0, 0.3, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0);
  assert_ok(causal_rng_binomial(g, 1000, 0.0, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0);
  assert_ok(causal_rng_binomial(g, 1000, 1.0, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 1000);
  assert_ok(causal_rng_binomial(g, INT64_MAX, 0.5, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] > 0 && k[i] < INT64_MAX);
  assert_ok(causal_rng_binomial(g, INT64_MAX, 1e-300, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0);
  assert_ok(causal_rng_binomial(g, 1, 0.5, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0 || k[i] == 1);
  assert_ok(causal_rng_poisson(g, 0.0, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0);
  assert_ok(causal_rng_poisson(g, 0x1p53 - 4096, k, N));
  for (int i = 0; i < N; i++)
    assert_true(fabs((double)k[i] - 0x1p53) < 20 * sqrt(0x1p53));
  assert_ok(causal_rng_poisson(g, 1e-300, k, N));
  for (int i = 0; i < N; i++)
    assert_true(k[i] == 0);
  /* tiny shapes: finite, in range, never NaN */
  const double ab[][2] = {{1e-3, 1e-3}, {1e-3, 1e3}, {1e3, 1e-3},
                          {1e-8, 0.5},  {0.02, 2},   {1e6, 1e6}};
  for (int s = 0; s < 6; s++) {
    assert_ok(causal_rng_beta(g, ab[s][0], ab[s][1], d, N));
    for (int i = 0; i < N; i++)
      assert_true(d[i] >= 0.0 && d[i] <= 1.0);
  }
  assert_ok(causal_rng_gamma(g, 1e-3, 1.0, d, N));
  for (int i = 0; i < N; i++)
    assert_true(d[i] >= 0.0 && isfinite(d[i]));
  assert_ok(causal_rng_gamma(g, 1e12, 1e-12, d, N));
  for (int i = 0; i < N; i++)
    assert_true(fabs(d[i] - 1.0) < 1e-4);
  assert_ok(causal_rng_exponential(g, 1e-300, d, N));
  for (int i = 0; i < N; i++)
    assert_true(d[i] >= 0.0 && !isnan(d[i]));
  causal_rng_free(g);
}

/* ---- out of memory ----------------------------------------------------- */

static int oom_new(void *arg) {
  (void)arg;
  causal_rng *g = (causal_rng *)1;
  int rc = causal_rng_new(&g, 1, 2);
  if (rc != CAUSAL_OK) {
    assert_null(g);
    return rc;
  }
  causal_rng_free(g);
  return rc;
}

static int oom_clone(void *arg) {
  causal_rng *g = (causal_rng *)1;
  int rc = causal_rng_clone(&g, arg);
  if (rc != CAUSAL_OK) {
    assert_null(g);
    return rc;
  }
  causal_rng_free(g);
  return rc;
}

static int oom_sample(void *arg) {
  int64_t out[10];
  return causal_rng_sample(arg, 1000, 10, out);
}

static void test_oom(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, 3, 4));
  cz_oom_sweep(oom_new, NULL);
  cz_oom_sweep(oom_clone, g);
  cz_oom_sweep(oom_sample, g);
  causal_rng_free(g);
}

/* ---- statistical tests -------------------------------------------------
 * Each test uses a fixed seed, so it is reproducible; thresholds are
 * p < 1e-6 (goodness of fit) and 5 standard errors (moments), so a correct
 * sampler essentially never fails, while the *_can_fail tests show that
 * the same checks reject a slightly wrong distribution. */

#define NSTAT 100000
#define P_MIN 1e-6

/* Fixed seeds; RNG_TEST_SEED=k shifts them all, to check by hand that the
 * suite passes for other seeds too. */
static uint64_t stat_seed(uint64_t base) {
  const char *s = getenv("RNG_TEST_SEED");
  return base + (s ? strtoull(s, NULL, 10) * 1000 : 0);
}

/* Upper tail of chi-square(df): exact finite series for integer df <= 200
 * (Abramowitz & Stegun 26.4.4-5), the Wilson-Hilferty cube-root
 * approximation above (relative error of a few percent at p ~ 1e-6). */
static double chisq_upper(double x, double df) {
  if (x <= 0)
    return 1.0;
  if (df <= 200 && df == floor(df)) {
    int m = (int)df;
    double h = 0.5 * x, sum = 0, term;
    if (m % 2 == 0) {
      term = exp(-h); /* j = 0 */
      for (int j = 0; j < m / 2; j++) {
        sum += term;
        term *= h / (j + 1);
      }
      return fmin(1.0, sum);
    }
    /* odd: erfc(sqrt(h)) + e^-h sum_{j=1}^{(m-1)/2} h^(j-1/2)/Gamma(j+1/2) */
    term = exp(-h) * sqrt(h) / tgamma(1.5);
    for (int j = 1; j <= (m - 1) / 2; j++) {
      sum += term;
      term *= h / (j + 0.5);
    }
    return fmin(1.0, erfc(sqrt(h)) + sum);
  }
  double h = 2.0 / (9.0 * df);
  double z = (cbrt(x / df) - (1.0 - h)) / sqrt(h);
  return 0.5 * erfc(z / sqrt(2.0));
}

/* Chi-square over cells with observed counts and probabilities; adjacent
 * cells are merged until each bin expects >= min_exp. A separate "outside"
 * cell (tails beyond the tabulated range) is its own bin when it expects
 * at least 1e-3, otherwise it must be empty. Returns the p-value. */
static double chisq_cells(const double *obs, const double *prob, int ncell,
                          double out_obs, double out_prob, double n,
                          double min_exp, int *df_out) {
  double stat = 0, o = 0, e = 0;
  int bins = 0;
  double *rest = malloc(((size_t)ncell + 1) * sizeof *rest); /* suffix sums */
  rest[ncell] = 0;
  for (int i = ncell; i-- > 0;)
    rest[i] = rest[i + 1] + prob[i] * n;
  for (int i = 0; i < ncell; i++) {
    o += obs[i];
    e += prob[i] * n;
    int last = i == ncell - 1;
    /* close a bin when full and the rest can still fill one */
    if (last || (e >= min_exp && rest[i + 1] >= min_exp)) {
      stat += (o - e) * (o - e) / e;
      bins++;
      o = e = 0;
    }
  }
  if (out_prob * n >= 1e-3) {
    stat += (out_obs - out_prob * n) * (out_obs - out_prob * n) /
            (out_prob * n);
    bins++;
  } else if (out_obs > 0) {
    fail_msg("%g draws outside the range of expected count %g", out_obs,
             out_prob * n);
  }
  free(rest);
  int df = bins - 1;
  if (df_out)
    *df_out = df;
  assert_true(df >= 1);
  return chisq_upper(stat, df);
}

/* Kolmogorov-Smirnov p-value of sorted x against cdf (asymptotic
 * distribution with Stephens' small-sample factor). */
static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef double (*cdf_fn)(double x, const double *par);

static double ks_pvalue(double *x, size_t n, cdf_fn F, const double *par) {
  qsort(x, n, sizeof *x, cmp_double);
  double d = 0;
  for (size_t i = 0; i < n; i++) {
    double f = F(x[i], par);
    double d1 = fabs(f - (double)i / n), d2 = fabs((double)(i + 1) / n - f);
    d = fmax(d, fmax(d1, d2));
  }
  double sn = sqrt((double)n);
  double lam = (sn + 0.12 + 0.11 / sn) * d;
  if (lam < 0.2)
    return 1.0;
  double p = 0;
  for (int j = 1; j <= 100; j++)
    p += 2.0 * ((j & 1) ? 1 : -1) * exp(-2.0 * j * j * lam * lam);
  return fmin(1.0, fmax(p, 0.0));
}

static double cdf_normal(double x, const double *par) {
  return 0.5 * erfc(-(x - par[0]) / (par[1] * sqrt(2.0)));
}

static double cdf_exponential(double x, const double *par) {
  return x <= 0 ? 0.0 : -expm1(-par[0] * x);
}

static double cdf_uniform(double x, const double *par) {
  (void)par;
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Mean and variance within 5 standard errors; the variance's standard
 * error uses the excess kurtosis: Var(s^2) ~ (kurt + 2) sigma^4 / n. */
static void check_moments(const char *what, const double *x, size_t n,
                          double mean, double var, double exkurt) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m += x[i];
  m /= n;
  double v = 0;
  for (size_t i = 0; i < n; i++)
    v += (x[i] - m) * (x[i] - m);
  v /= (n - 1);
  double zm = (m - mean) / sqrt(var / n);
  double zv = (v - var) / sqrt((exkurt + 2.0) * var * var / n);
  if (fabs(zm) > 5 || fabs(zv) > 5)
    fail_msg("%s: mean %.8g (want %.8g, z %.2f), var %.8g (want %.8g, z "
             "%.2f)",
             what, m, mean, zm, v, var, zv);
}

/* ---- densities integrated here (adaptive Simpson) ---- */

typedef double (*fn1)(double t, const double *par);

static double simpson_rec(fn1 f, const double *par, double a, double b,
                          double fa, double fm, double fb, double whole,
                          double tol, int depth) {
  double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
  double flm = f(lm, par), frm = f(rm, par);
  double left = (m - a) / 6 * (fa + 4 * flm + fm);
  double right = (b - m) / 6 * (fm + 4 * frm + fb);
  double delta = left + right - whole;
  if (depth <= 0 || fabs(delta) <= 15 * tol)
    return left + right + delta / 15;
  return simpson_rec(f, par, a, m, fa, flm, fm, left, tol / 2, depth - 1) +
         simpson_rec(f, par, m, b, fm, frm, fb, right, tol / 2, depth - 1);
}

static double integrate(fn1 f, const double *par, double a, double b) {
  if (!(b > a))
    return 0.0;
  double fa = f(a, par), fb = f(b, par), fm = f(0.5 * (a + b), par);
  double whole = (b - a) / 6 * (fa + 4 * fm + fb);
  return simpson_rec(f, par, a, b, fa, fm, fb, whole, 1e-14, 40);
}

/* par = {shape a, other shape b, log normaliser} */
static double gamma_pdf(double x, const double *p) {
  if (x <= 0)
    return p[0] == 1.0 ? exp(-p[2]) : 0.0;
  return exp((p[0] - 1) * log(x) - x - p[2]);
}
/* x = t^(1/a): the density x^(a-1) e^-x dx becomes e^(-t^(1/a)) dt / a,
 * smooth at 0 for a < 1. */
static double gamma_pdf_t(double t, const double *p) {
  return exp(-pow(t, 1.0 / p[0]) - p[2]) / p[0];
}
static double gamma_cell(const double *p, double l, double u) {
  if (p[0] < 1.0)
    return integrate(gamma_pdf_t, p, pow(l, p[0]), pow(u, p[0]));
  return integrate(gamma_pdf, p, l, u);
}

/* Beta on [0, 1/2] with density x^(a-1) (1-x)^(b-1) / B(a, b); the upper
 * half is the same with a and b swapped and s = 1 - x. */
static double beta_pdf(double x, const double *p) {
  if (x <= 0)
    return p[0] == 1.0 ? exp(-p[2]) : 0.0;
  return exp((p[0] - 1) * log(x) + (p[1] - 1) * log1p(-x) - p[2]);
}
static double beta_pdf_t(double t, const double *p) {
  return exp((p[1] - 1) * log1p(-pow(t, 1.0 / p[0])) - p[2]) / p[0];
}
static double beta_half(const double *p, double l, double u) {
  if (p[0] < 1.0)
    return integrate(beta_pdf_t, p, pow(l, p[0]), pow(u, p[0]));
  return integrate(beta_pdf, p, l, u);
}
static double beta_cell(const double *p, double l, double u) {
  double q[3] = {p[1], p[0], p[2]};
  double r = 0;
  if (l < 0.5)
    r += beta_half(p, l, fmin(u, 0.5));
  if (u > 0.5)
    r += beta_half(q, 1.0 - u, 1.0 - fmax(l, 0.5));
  return r;
}

typedef double (*cell_fn)(const double *p, double l, double u);

static size_t find_cell(const double *e, size_t ne, double x) {
  size_t lo = 0, hi = ne - 1; /* e[lo] <= x < e[hi] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (e[mid] <= x)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* Binned chi-square of x against cells [e_i, e_{i+1}); draws >= e_last
 * fall into the last cell when closed (bounded support), otherwise into the
 * outside cell with probability 1 - sum. */
static double gof_continuous(const double *x, size_t n, const double *e,
                             size_t ne, int closed, cell_fn cell,
                             const double *p) {
  size_t nc = ne - 1;
  double *prob = calloc(nc, sizeof *prob), *obs = calloc(nc, sizeof *obs);
  double total = 0, out_obs = 0;
  for (size_t i = 0; i < nc; i++) {
    prob[i] = cell(p, e[i], e[i + 1]);
    total += prob[i];
  }
  /* the integrals must sum to 1: checks the integrator and normaliser */
  if (fabs(total - 1.0) > 1e-7)
    fail_msg("cell probabilities sum to %.12g", total);
  for (size_t i = 0; i < n; i++) {
    if (x[i] < e[0] || isnan(x[i]))
      fail_msg("draw %g below the support", x[i]);
    if (x[i] >= e[ne - 1]) {
      if (closed && x[i] == e[ne - 1])
        obs[nc - 1] += 1;
      else
        out_obs += 1;
    } else {
      obs[find_cell(e, ne, x[i])] += 1;
    }
  }
  double pv = chisq_cells(obs, prob, (int)nc, out_obs, fmax(0, 1 - total),
                          (double)n, fmax(5.0, n / 400.0), NULL);
  free(prob);
  free(obs);
  return pv;
}

/* Grid: 0, then geo points 10^lg0 .. 10^lg1, then linear lin0 .. lin1. */
static size_t make_grid(double *e, double lg0, double lg1, int ng,
                        double lin0, double lin1, int nl) {
  size_t k = 0;
  e[k++] = 0.0;
  for (int i = 0; i < ng; i++)
    e[k++] = pow(10.0, lg0 + (lg1 - lg0) * i / ng);
  for (int i = 0; i <= nl; i++)
    e[k++] = lin0 + (lin1 - lin0) * i / nl;
  return k;
}

static double gamma_gof(const double *x, size_t n, double a, double scale) {
  double *y = malloc(n * sizeof *y), *e = malloc(4000 * sizeof *e);
  for (size_t i = 0; i < n; i++)
    y[i] = x[i] / scale;
  double p[3] = {a, 0, lgamma(a)};
  size_t ne;
  if (a < 1) /* P(X < x) ~ x^a: small shapes need a grid down to 1e-300 */
    ne = make_grid(e, a < 0.05 ? -300 : -30, 0, 600, 1.0, 60.0, 600);
  else
    ne = make_grid(e, 0, 0, 0, fmax(1e-9, a - 10 * sqrt(a)),
                   a + 14 * sqrt(a) + 20, 2000);
  double pv = gof_continuous(y, n, e, ne, 0, gamma_cell, p);
  free(y);
  free(e);
  return pv;
}

static double beta_gof(const double *x, size_t n, double a, double b) {
  double *e = malloc(4000 * sizeof *e);
  size_t ne = make_grid(e, -30, -2, 500, 0.01, 0.99, 2000);
  /* 1 - 10^-2 .. 1 - 10^-12, then 1. Doubles below 1 are spaced 1.1e-16,
   * so finer cells near 1 would measure the rounding of the draws rather
   * than the sampler: a draw within half a spacing of an edge rounds across
   * it. At 1 - 1e-12 that moves < 1e-6 of a bin's mass. */
  for (int i = 1; i <= 200; i++)
    e[ne++] = 1.0 - pow(10.0, -2.0 - 10.0 * i / 200);
  e[ne++] = 1.0;
  double p[3] = {a, b, lgamma(a) + lgamma(b) - lgamma(a + b)};
  double pv = gof_continuous(x, n, e, ne, 1, beta_cell, p);
  free(e);
  return pv;
}

/* Discrete: cells k = lo..hi (mean +- 12 sd, tails < 1e-30) with pmf
 * ratios pmf(k+1)/pmf(k) from the closed form, run outwards from the mode
 * and normalised over the range. (lgamma differences would lose ~1e-3 of
 * relative accuracy at n ~ 1e12 through cancellation.) */
typedef double (*ratio_fn)(double k, const double *par); /* pmf(k+1)/pmf(k) */

static double binom_ratio(double k, const double *p) {
  return (p[0] - k) / (k + 1) * (p[1] / (1 - p[1]));
}
static double pois_ratio(double k, const double *p) { return p[0] / (k + 1); }

static double gof_discrete(const int64_t *x, size_t n, int64_t lo, int64_t hi,
                           int64_t mode, ratio_fn ratio, const double *par) {
  size_t nc = (size_t)(hi - lo + 1);
  double *prob = calloc(nc, sizeof *prob), *obs = calloc(nc, sizeof *obs);
  double total = 0, out_obs = 0;
  size_t im = (size_t)(mode - lo);
  prob[im] = 1.0;
  for (size_t i = im + 1; i < nc; i++)
    prob[i] = prob[i - 1] * ratio((double)(lo + (int64_t)i - 1), par);
  for (size_t i = im; i-- > 0;)
    prob[i] = prob[i + 1] / ratio((double)(lo + (int64_t)i), par);
  for (size_t i = 0; i < nc; i++)
    total += prob[i];
  for (size_t i = 0; i < nc; i++)
    prob[i] /= total;
  for (size_t i = 0; i < n; i++) {
    if (x[i] < lo || x[i] > hi)
      out_obs += 1;
    else
      obs[x[i] - lo] += 1;
  }
  double pv = chisq_cells(obs, prob, (int)nc, out_obs, 0, (double)n,
                          fmax(5.0, n / 1000.0), NULL);
  free(prob);
  free(obs);
  return pv;
}

/* RNG_TEST_VERBOSE=1 prints every p-value. */
static void expect_pass(const char *what, double p) {
  if (getenv("RNG_TEST_VERBOSE"))
    printf("  %-40s p = %.4g\n", what, p);
  if (!(p >= P_MIN))
    fail_msg("%s: goodness-of-fit p-value %.3g < %g", what, p, P_MIN);
}

static void expect_reject(const char *what, double p) {
  if (getenv("RNG_TEST_VERBOSE"))
    printf("  %-40s p = %.4g (must reject)\n", what, p);
  if (!(p < P_MIN))
    fail_msg("%s: wrong parameter not rejected (p = %.3g)", what, p);
}

static void test_stats_uniform_normal_exponential(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1001), 0));
  double *x = malloc(NSTAT * sizeof *x);
  double par[2];

  assert_ok(causal_rng_uniform(g, x, NSTAT));
  check_moments("uniform", x, NSTAT, 0.5, 1.0 / 12, -1.2);
  expect_pass("uniform", ks_pvalue(x, NSTAT, cdf_uniform, NULL));

  const double ms[][2] = {{0, 1}, {-3, 0.25}, {1e6, 1e3}};
  for (int c = 0; c < 3; c++) {
    assert_ok(causal_rng_normal(g, ms[c][0], ms[c][1], x, NSTAT));
    check_moments("normal", x, NSTAT, ms[c][0], ms[c][1] * ms[c][1], 0);
    par[0] = ms[c][0];
    par[1] = ms[c][1];
    expect_pass("normal", ks_pvalue(x, NSTAT, cdf_normal, par));
  }
  /* tail frequency beyond 4 sd: the ratio-of-uniforms tails are exact */
  size_t tail = 0;
  const size_t nt = 2000000;
  for (size_t i = 0; i < nt; i++)
    tail += fabs(cz_rng_normal1(g)) > 4.0;
  double pt = erfc(4.0 / sqrt(2.0)), et = pt * nt;
  assert_true(fabs(tail - et) < 5 * sqrt(et));

  const double rates[] = {1.0, 0.01, 250.0};
  for (int c = 0; c < 3; c++) {
    assert_ok(causal_rng_exponential(g, rates[c], x, NSTAT));
    double m = 1 / rates[c];
    check_moments("exponential", x, NSTAT, m, m * m, 6);
    par[0] = rates[c];
    expect_pass("exponential", ks_pvalue(x, NSTAT, cdf_exponential, par));
  }
  free(x);
  causal_rng_free(g);
}

static void test_stats_gamma(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1002), 0));
  double *x = malloc(NSTAT * sizeof *x);
  const double cases[][2] = {{0.1, 1}, {1, 1}, {3.5, 2}, {1e4, 0.5},
                             {0.5, 3}, {0.01, 1}};
  for (int c = 0; c < 6; c++) {
    double a = cases[c][0], s = cases[c][1];
    assert_ok(causal_rng_gamma(g, a, s, x, NSTAT));
    if (a >= 0.1) /* shape 0.01: fourth moment too heavy for a z-test */
      check_moments("gamma", x, NSTAT, a * s, a * s * s, 6 / a);
    expect_pass("gamma", gamma_gof(x, NSTAT, a, s));
  }
  free(x);
  causal_rng_free(g);
}

static void test_stats_beta(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1003), 0));
  double *x = malloc(NSTAT * sizeof *x);
  const double cases[][2] = {{0.05, 0.05}, {0.5, 2}, {50, 70}, {1, 1},
                             {0.3, 0.9},   {2, 0.2}, {5, 3}};
  for (int c = 0; c < 7; c++) {
    double a = cases[c][0], b = cases[c][1], s = a + b;
    assert_ok(causal_rng_beta(g, a, b, x, NSTAT));
    double mean = a / s, var = a * b / (s * s * (s + 1));
    double ek = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) /
                (a * b * (s + 2) * (s + 3));
    check_moments("beta", x, NSTAT, mean, var, ek);
    expect_pass("beta", beta_gof(x, NSTAT, a, b));
  }
  free(x);
  causal_rng_free(g);
}

static void test_stats_binomial(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1004), 0));
  int64_t *k = malloc(NSTAT * sizeof *k);
  double *x = malloc(NSTAT * sizeof *x);
  /* inversion and BTRS, p below and above 1/2, the switch point */
  const double cases[][2] = {{20, 0.3},   {1e6, 0.4}, {1e9, 1e-7},
                             {20, 0.9},   {100, 0.5}, {1000, 0.995},
                             {19, 0.5},   {21, 0.5},  {1e4, 0.001},
                             {1e12, 0.25}};
  for (int c = 0; c < 10; c++) {
    double n = cases[c][0], p = cases[c][1];
    assert_ok(causal_rng_binomial(g, (int64_t)n, p, k, NSTAT));
    for (size_t i = 0; i < NSTAT; i++) {
      assert_true(k[i] >= 0 && k[i] <= (int64_t)n);
      x[i] = (double)k[i];
    }
    double mean = n * p, var = n * p * (1 - p);
    check_moments("binomial", x, NSTAT, mean, var, (1 - 6 * p * (1 - p)) / var);
    double sd = sqrt(var);
    int64_t lo = (int64_t)fmax(0, floor(mean - 12 * sd - 2));
    int64_t hi = (int64_t)fmin(n, ceil(mean + 12 * sd + 2));
    double par[2] = {n, p};
    int64_t mode = (int64_t)floor((n + 1) * p);
    if (mode > (int64_t)n)
      mode = (int64_t)n;
    expect_pass("binomial",
                gof_discrete(k, NSTAT, lo, hi, mode, binom_ratio, par));
  }
  free(x);
  free(k);
  causal_rng_free(g);
}

static void test_stats_poisson(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1005), 0));
  int64_t *k = malloc(NSTAT * sizeof *k);
  double *x = malloc(NSTAT * sizeof *x);
  const double lams[] = {0.5, 30, 1e6, 9.99, 10, 3, 1e12};
  for (int c = 0; c < 7; c++) {
    double lam = lams[c];
    assert_ok(causal_rng_poisson(g, lam, k, NSTAT));
    for (size_t i = 0; i < NSTAT; i++) {
      assert_true(k[i] >= 0);
      x[i] = (double)k[i];
    }
    check_moments("poisson", x, NSTAT, lam, lam, 1 / lam);
    double sd = sqrt(lam);
    int64_t lo = (int64_t)fmax(0, floor(lam - 12 * sd - 2));
    int64_t hi = (int64_t)ceil(lam + 12 * sd + 5);
    double par[1] = {lam};
    expect_pass("poisson", gof_discrete(k, NSTAT, lo, hi, (int64_t)floor(lam),
                                        pois_ratio, par));
  }
  free(x);
  free(k);
  causal_rng_free(g);
}

/* The same checks reject slightly wrong parameters. */
static void test_stats_can_fail(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1006), 0));
  double *x = malloc(NSTAT * sizeof *x);
  int64_t *k = malloc(NSTAT * sizeof *k);
  double par[2];
  assert_ok(causal_rng_normal(g, 0.0, 1.0, x, NSTAT));
  par[0] = 0.03;
  par[1] = 1.0;
  expect_reject("normal vs mean 0.03", ks_pvalue(x, NSTAT, cdf_normal, par));
  assert_ok(causal_rng_exponential(g, 1.0, x, NSTAT));
  par[0] = 1.04;
  expect_reject("exponential vs rate 1.04",
                ks_pvalue(x, NSTAT, cdf_exponential, par));
  assert_ok(causal_rng_gamma(g, 3.5, 1.0, x, NSTAT));
  expect_reject("gamma 3.5 vs 3.4", gamma_gof(x, NSTAT, 3.4, 1.0));
  assert_ok(causal_rng_gamma(g, 0.1, 1.0, x, NSTAT));
  expect_reject("gamma 0.1 vs 0.105", gamma_gof(x, NSTAT, 0.105, 1.0));
  assert_ok(causal_rng_beta(g, 0.5, 2.0, x, NSTAT));
  expect_reject("beta (0.5,2) vs (0.5,2.2)", beta_gof(x, NSTAT, 0.5, 2.2));
  assert_ok(causal_rng_beta(g, 0.05, 0.05, x, NSTAT));
  expect_reject("beta (0.05,0.05) vs (0.05,0.055)",
                beta_gof(x, NSTAT, 0.05, 0.055));
  assert_ok(causal_rng_binomial(g, 20, 0.3, k, NSTAT));
  par[0] = 20;
  par[1] = 0.31;
  expect_reject("binomial p 0.3 vs 0.31",
                gof_discrete(k, NSTAT, 0, 20, 6, binom_ratio, par));
  assert_ok(causal_rng_poisson(g, 30, k, NSTAT));
  par[0] = 30.5;
  expect_reject("poisson 30 vs 30.5",
                gof_discrete(k, NSTAT, 0, 120, 30, pois_ratio, par));
  free(k);
  free(x);
  causal_rng_free(g);
}

/* Chi-square uniformity of bounded draws into nb equal-probability bins;
 * bin(x) = floor(x * nb / bound) computed exactly in 128 bits. */
static double bounded_uniformity(const uint64_t *x, size_t n, uint64_t bound,
                                 int nb) {
  double *obs = calloc((size_t)nb, sizeof *obs);
  double *prob = calloc((size_t)nb, sizeof *prob);
  for (size_t i = 0; i < n; i++) {
    uint64_t lo;
    uint64_t hi = cz_mulhi64(x[i], (uint64_t)nb, &lo); /* x * nb */
    /* (hi:lo) / bound < nb; long division by bound via doubles is not
     * exact, so step through the candidate bins */
    int b = (int)(((double)x[i] / (double)bound) * nb);
    if (b >= nb)
      b = nb - 1;
    for (;;) {
      /* b*bound <= x*nb < (b+1)*bound ? */
      uint64_t l1, h1 = cz_mulhi64((uint64_t)b, bound, &l1);
      uint64_t l2, h2 = cz_mulhi64((uint64_t)b + 1, bound, &l2);
      int ge = (hi > h1) || (hi == h1 && lo >= l1);
      int lt = (hi < h2) || (hi == h2 && lo < l2);
      if (ge && lt)
        break;
      b += ge ? 1 : -1;
    }
    obs[b] += 1;
  }
  /* bin b holds the integers x with b*bound <= x*nb < (b+1)*bound */
  for (int b = 0; b < nb; b++) {
    long double lo = ceill((long double)b * bound / nb);
    long double hi = ceill((long double)(b + 1) * bound / nb);
    prob[b] = (double)((hi - lo) / (long double)bound);
  }
  double pv = chisq_cells(obs, prob, nb, 0, 0, (double)n, 0, NULL);
  free(obs);
  free(prob);
  return pv;
}

static void test_stats_bounded(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1007), 0));
  uint64_t *x = malloc(NSTAT * sizeof *x);
  const uint64_t bounds[] = {UINT64_C(3) << 62, UINT64_C(0xAAAAAAAAAAAAAAAB),
                             1000000007u, 7, 10, (UINT64_C(1) << 63) + 1};
  const int nbins[] = {48, 60, 50, 7, 10, 64};
  for (int c = 0; c < 6; c++) {
    assert_ok(causal_rng_bounded(g, bounds[c], x, NSTAT));
    for (size_t i = 0; i < NSTAT; i++)
      assert_true(x[i] < bounds[c]);
    expect_pass("bounded", bounded_uniformity(x, NSTAT, bounds[c], nbins[c]));
  }
  /* modulo reduction is biased for these bounds and the test sees it */
  for (int c = 0; c < 2; c++) {
    assert_ok(causal_rng_u64(g, x, NSTAT));
    for (size_t i = 0; i < NSTAT; i++)
      x[i] %= bounds[c];
    expect_reject("modulo-biased bounded",
                  bounded_uniformity(x, NSTAT, bounds[c], nbins[c]));
  }
  free(x);
  causal_rng_free(g);
}

/* Chi-square that R draws are uniform on m cells (df m - 1). */
static double uniform_cells(const double *obs, int m, double r) {
  double *prob = malloc((size_t)m * sizeof *prob);
  for (int i = 0; i < m; i++)
    prob[i] = 1.0 / m;
  double pv = chisq_cells(obs, prob, m, 0, 0, r, 0, NULL);
  free(prob);
  return pv;
}

static void test_stats_shuffle(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1008), 0));
  /* all 24 permutations of 4 elements equally likely */
  enum { R4 = 120000 };
  double *obs = calloc(256, sizeof *obs);
  for (int r = 0; r < R4; r++) {
    int64_t v[4] = {0, 1, 2, 3};
    assert_ok(causal_rng_shuffle(g, v, 4));
    obs[v[0] * 64 + v[1] * 16 + v[2] * 4 + v[3]] += 1;
  }
  double cells[24];
  int m = 0;
  for (int c = 0; c < 256; c++) {
    int a = c / 64, b = c / 16 % 4, d = c / 4 % 4, e = c % 4;
    int perm = a != b && a != d && a != e && b != d && b != e && d != e;
    if (perm)
      cells[m++] = obs[c];
    else
      assert_true(obs[c] == 0);
  }
  assert_int_equal(m, 24);
  expect_pass("shuffle permutations", uniform_cells(cells, 24, R4));

  /* position of each of 10 elements: 10x10 table */
  enum { R10 = 50000, N10 = 10 };
  double tab[N10][N10] = {{0}};
  int64_t v[N10];
  for (int r = 0; r < R10; r++) {
    for (int i = 0; i < N10; i++)
      v[i] = i;
    assert_ok(causal_rng_shuffle(g, v, N10));
    for (int i = 0; i < N10; i++)
      tab[v[i]][i] += 1;
  }
  /* A uniform permutation matrix has covariance P(x)P / (n-1), P = I - J/n,
   * so sum (O-E)^2/E is n/(n-1) times a chi-square with (n-1)^2 df. */
  double stat = 0, e = (double)R10 / N10;
  for (int i = 0; i < N10; i++)
    for (int j = 0; j < N10; j++)
      stat += (tab[i][j] - e) * (tab[i][j] - e) / e;
  stat *= (N10 - 1.0) / N10;
  expect_pass("shuffle positions", chisq_upper(stat, (N10 - 1) * (N10 - 1)));
  free(obs);
  causal_rng_free(g);
}

static void test_stats_sample(void **state) {
  (void)state;
  causal_rng *g;
  assert_ok(causal_rng_new(&g, stat_seed(1009), 0));
  /* ordered 3-samples of {0..5}: 120 arrangements (sparse path), and
   * 5-samples of {0..4}: 120 permutations (dense path k = n) */
  const int64_t nk[][2] = {{6, 3}, {5, 5}};
  for (int c = 0; c < 2; c++) {
    enum { R = 120000 };
    int64_t n = nk[c][0], k = nk[c][1];
    double *obs = calloc(7776, sizeof *obs);
    for (int r = 0; r < R; r++) {
      int64_t out[5];
      assert_ok(causal_rng_sample(g, n, k, out));
      int code = 0;
      for (int i = 0; i < k; i++) {
        assert_true(out[i] >= 0 && out[i] < n);
        for (int j = 0; j < i; j++)
          assert_true(out[i] != out[j]);
        code = code * 6 + (int)out[i];
      }
      obs[code] += 1;
    }
    double cells[120];
    int m = 0;
    for (int cd = 0; cd < 7776; cd++)
      if (obs[cd] > 0)
        cells[m++] = obs[cd];
    assert_int_equal(m, 120);
    expect_pass("sample arrangements", uniform_cells(cells, 120, R));
    free(obs);
  }
  /* inclusion frequencies: each value is included with prob p = k/n; the
   * counts have covariance R p (1-p) n/(n-1) (I - J/n), so the scaled
   * statistic is chi-square with n - 1 df */
  const int64_t fk[][2] = {{50, 10}, {20, 19}, {1000, 3}};
  for (int c = 0; c < 3; c++) {
    int64_t n = fk[c][0], k = fk[c][1];
    int R = (int)(400000 / k);
    double *cnt = calloc((size_t)n, sizeof *cnt);
    double *first = calloc((size_t)n, sizeof *first);
    int64_t *out = malloc((size_t)k * sizeof *out);
    for (int r = 0; r < R; r++) {
      assert_ok(causal_rng_sample(g, n, k, out));
      for (int i = 0; i < k; i++)
        cnt[out[i]] += 1;
      first[out[0]] += 1;
    }
    double p = (double)k / n, e = R * p, stat = 0;
    for (int i = 0; i < n; i++)
      stat += (cnt[i] - e) * (cnt[i] - e);
    stat /= R * p * (1 - p) * n / (n - 1.0);
    expect_pass("sample inclusion", chisq_upper(stat, (double)n - 1));
    expect_pass("sample first element", uniform_cells(first, (int)n, R));
    free(cnt);
    free(first);
    free(out);
  }
  /* huge n, O(k) memory: distinct and in range */
  enum { K = 5000 };
  int64_t *out = malloc(K * sizeof *out);
  const int64_t big = INT64_C(1000000000000000);
  assert_ok(causal_rng_sample(g, big, K, out));
  double mean = 0;
  for (int i = 0; i < K; i++) {
    assert_true(out[i] >= 0 && out[i] < big);
    mean += (double)out[i] / K;
  }
  qsort(out, K, sizeof *out, cmp_i64);
  for (int i = 1; i < K; i++)
    assert_true(out[i] != out[i - 1]);
  /* mean of K uniforms on [0, big): sd big / sqrt(12 K) */
  assert_true(fabs(mean - big / 2.0) < 5 * big / sqrt(12.0 * K));
  free(out);
  causal_rng_free(g);
}

#define STATS_TESTS                                                            \
  cmocka_unit_test(test_stats_uniform_normal_exponential),                     \
      cmocka_unit_test(test_stats_gamma), cmocka_unit_test(test_stats_beta),   \
      cmocka_unit_test(test_stats_binomial),                                   \
      cmocka_unit_test(test_stats_poisson),                                    \
      cmocka_unit_test(test_stats_can_fail),                                   \
      cmocka_unit_test(test_stats_bounded),                                    \
      cmocka_unit_test(test_stats_shuffle), cmocka_unit_test(test_stats_sample)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_raw_vs_numpy),
      cmocka_unit_test(test_seed_vs_formula),
      cmocka_unit_test(test_advance_vs_numpy),
      cmocka_unit_test(test_bounded_vs_numpy),
      cmocka_unit_test(test_portable_fallback),
      cmocka_unit_test(test_reproducibility),
      cmocka_unit_test(test_bulk_matches_scalar),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_edge_values),
      cmocka_unit_test(test_oom),
      STATS_TESTS};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
