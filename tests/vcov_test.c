/* Sandwich covariance internals (lib/vcov.c): validation, closed-form
 * checks on a tiny design, the PSD fix of two-way clustering, BM df,
 * OOM sweeps. The package comparisons live in regress_test.c. */
#include "testutil.h"

#include "internal/gram.h"
#include "internal/linalg.h"
#include "internal/regress.h"

/* y-free setup: X = [1, x], residuals u, bread = (X'X)^{-1}. */
typedef struct tiny {
  double X[16], u[8], B[4];
  int32_t cl[8], cl2[8];
  cz_vcov_in in;
} tiny;

static void tiny_init(tiny *t) {
  const double x[8] = {1, 2, 4, 7, 3, 5, 8, 6};
  const double u[8] = {0.5, -1, 0.25, 1.5, -0.75, 0.1, -0.6, 0.3};
  double sx = 0, sxx = 0;
  for (int i = 0; i < 8; i++) {
    t->X[i] = 1;
    t->X[8 + i] = x[i];
    t->u[i] = u[i];
    t->cl[i] = i / 2;     /* 4 clusters of 2 */
    t->cl2[i] = i % 3;    /* 3 clusters */
    sx += x[i];
    sxx += x[i] * x[i];
  }
  double det = 8 * sxx - sx * sx;
  t->B[0] = sxx / det;
  t->B[1] = t->B[2] = -sx / det;
  t->B[3] = 8 / det;
  memset(&t->in, 0, sizeof t->in);
  t->in.X = t->X;
  t->in.u = t->u;
  t->in.bread = t->B;
  t->in.n = 8;
  t->in.k = 2;
  t->in.df_model = 2;
  t->in.ssc = CAUSAL_SSC_R;
  t->in.cl[0] = t->cl;
  t->in.ncl[0] = 4;
  t->in.cl[1] = t->cl2;
  t->in.ncl[1] = 3;
  t->in.sigma2 = 0.7;
}

/* Explicit B M B with M = sum_g s_g s_g' (or per-row when cl == NULL). */
static void explicit_v(const tiny *t, const int32_t *cl, size_t G,
                       const double *wt, double c, double V[4]) {
  double S[8][2] = {{0}};
  for (int i = 0; i < 8; i++) {
    size_t g = cl ? (size_t)cl[i] : (size_t)i;
    double f = wt ? wt[i] : 1.0;
    S[g][0] += t->X[i] * t->u[i] * f;
    S[g][1] += t->X[8 + i] * t->u[i] * f;
  }
  double M[4] = {0};
  for (size_t g = 0; g < (cl ? G : 8); g++)
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++)
        M[a + 2 * b] += S[g][a] * S[g][b];
  double T[4];
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      T[a + 2 * b] = t->B[a] * M[2 * b] + t->B[a + 2] * M[1 + 2 * b];
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      V[a + 2 * b] = c * (T[a] * t->B[2 * b] + T[a + 2] * t->B[1 + 2 * b]);
}

static void run(tiny *t, int type, int ssc, double V[4], double *df) {
  cz_alloc a = cz_alloc_current();
  t->in.type = type;
  t->in.ssc = ssc;
  cz_vcov_out o = {V, 0, NULL, 0};
  assert_ok(cz_vcov_compute(&a, &t->in, &o));
  *df = o.df;
}

static void test_closed_forms(void **state) {
  (void)state;
  tiny t;
  tiny_init(&t);
  double V[4], E[4], df;
  run(&t, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R, V, &df);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], 0.7 * t.B[i], 1e-15);
  assert_true(df == 6);
  run(&t, CAUSAL_VCOV_HC0, CAUSAL_SSC_R, V, &df);
  explicit_v(&t, NULL, 0, NULL, 1.0, E);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i], 1e-13);
  run(&t, CAUSAL_VCOV_HC1, CAUSAL_SSC_STATA, V, &df);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i] * 8.0 / 6.0, 1e-13);
  run(&t, CAUSAL_VCOV_HC1, CAUSAL_SSC_FIXEST, V, &df);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i] * 7.0 / 6.0, 1e-13);
  run(&t, CAUSAL_VCOV_HC1, CAUSAL_SSC_STATSMODELS, V, &df);
  assert_true(isinf(df));
  /* HC2 via explicit leverages */
  double w[8];
  for (int i = 0; i < 8; i++) {
    double x0 = t.X[i], x1 = t.X[8 + i];
    double h = x0 * (t.B[0] * x0 + t.B[2] * x1) + x1 * (t.B[1] * x0 + t.B[3] * x1);
    w[i] = 1.0 / sqrt(1.0 - h);
  }
  run(&t, CAUSAL_VCOV_HC2, CAUSAL_SSC_R, V, &df);
  explicit_v(&t, NULL, 0, w, 1.0, E);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i], 1e-12);
  /* CR0 / CR1 one-way */
  t.in.ncluster_dims = 1;
  run(&t, CAUSAL_VCOV_CR0, CAUSAL_SSC_R, V, &df);
  explicit_v(&t, t.cl, 4, NULL, 1.0, E);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i], 1e-13);
  assert_true(df == 3);
  run(&t, CAUSAL_VCOV_CR1, CAUSAL_SSC_STATA, V, &df);
  for (int i = 0; i < 4; i++)
    assert_close(V[i], E[i] * (4.0 / 3.0) * (7.0 / 6.0), 1e-13);
  /* CR2 with every cluster of size 2: runs, BM df finite and <= G - 1 */
  run(&t, CAUSAL_VCOV_CR2, CAUSAL_SSC_R, V, &df);
  cz_alloc a = cz_alloc_current();
  double dfb[2];
  assert_ok(cz_vcov_bm_df(&a, &t.in, dfb));
  for (int j = 0; j < 2; j++)
    assert_true(dfb[j] > 0 && dfb[j] <= 3.0 + 1e-12);
}

static void test_twoway_psd(void **state) {
  (void)state;
  tiny t;
  tiny_init(&t);
  t.in.ncluster_dims = 2;
  cz_alloc a = cz_alloc_current();
  /* which sign the raw V1 + V2 - V12 takes depends on the data; search
   * residual patterns until one needs the fix, and check V is PSD then */
  int seen = 0;
  for (int s = 0; s < 256 && !seen; s++) {
    for (int i = 0; i < 8; i++)
      t.u[i] = ((s >> (i % 8)) & 1) ? 1.0 : -1.0 * (i + 1);
    double V[4];
    t.in.type = CAUSAL_VCOV_CR1;
    t.in.ssc = CAUSAL_SSC_STATA;
    cz_vcov_out o = {V, 0, NULL, 0};
    assert_ok(cz_vcov_compute(&a, &t.in, &o));
    assert_true(o.df == 2); /* min(G) - 1 */
    double tr = V[0] + V[3], det = V[0] * V[3] - V[1] * V[2];
    assert_true(tr >= -1e-12 && det >= -1e-12 * tr * tr);
    seen = o.psd_fixed;
  }
  assert_true(seen);
}

static void test_validation(void **state) {
  (void)state;
  tiny t;
  tiny_init(&t);
  cz_alloc a = cz_alloc_current();
  double V[4], df[2];
  cz_vcov_out o = {V, 0, NULL, 0};
  t.in.type = 99;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_ERANGE);
  t.in.type = CAUSAL_VCOV_HC0;
  t.in.ssc = 0;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_ERANGE);
  t.in.ssc = CAUSAL_SSC_R;
  assert_status(cz_vcov_compute(&a, NULL, &o), CAUSAL_EINVAL);
  assert_status(cz_vcov_compute(&a, &t.in, NULL), CAUSAL_EINVAL);
  cz_vcov_out o0 = {NULL, 0, NULL, 0};
  assert_status(cz_vcov_compute(&a, &t.in, &o0), CAUSAL_EINVAL);
  t.in.df_model = 8;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  t.in.df_model = 2;
  t.in.type = CAUSAL_VCOV_CR1;
  t.in.ncluster_dims = 0;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  t.in.ncluster_dims = 1;
  t.in.ncl[0] = 1;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  assert_error_mentions("at least 2 clusters");
  t.in.ncl[0] = 4;
  t.in.type = CAUSAL_VCOV_CR2;
  t.in.ncluster_dims = 2;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  assert_status(cz_vcov_bm_df(&a, &t.in, df), CAUSAL_EINVAL);
  t.in.ncluster_dims = 1;
  t.in.type = CAUSAL_VCOV_CLASSICAL;
  t.in.sigma2 = NAN;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  /* leverage 1: HC3 undefined */
  t.in.sigma2 = 1;
  t.in.type = CAUSAL_VCOV_HC3;
  t.X[8 + 3] = 1e6; /* a dominating point: leverage ~ 1 */
  double sx = 0, sxx = 0;
  for (int i = 0; i < 8; i++) {
    sx += t.X[8 + i];
    sxx += t.X[8 + i] * t.X[8 + i];
  }
  double det = 8 * sxx - sx * sx;
  t.B[0] = sxx / det;
  t.B[1] = t.B[2] = -sx / det;
  t.B[3] = 8 / det;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_ESINGULAR);
  assert_error_mentions("leverage");
}

static int oom_run(void *p) {
  tiny *t = p;
  cz_alloc a = cz_alloc_current();
  double V[4], df[2];
  static const int types[] = {CAUSAL_VCOV_HC1, CAUSAL_VCOV_HC3,
                              CAUSAL_VCOV_CR1, CAUSAL_VCOV_CR2};
  int rc = CAUSAL_OK;
  for (int i = 0; i < 4 && rc == CAUSAL_OK; i++) {
    t->in.type = types[i];
    t->in.ncluster_dims = 1;
    cz_vcov_out o = {V, 0, NULL, 0};
    rc = cz_vcov_compute(&a, &t->in, &o);
  }
  if (rc == CAUSAL_OK)
    rc = cz_vcov_bm_df(&a, &t->in, df);
  if (rc == CAUSAL_OK) {
    t->in.type = CAUSAL_VCOV_CR1;
    t->in.ncluster_dims = 2;
    cz_vcov_out o = {V, 0, NULL, 0};
    rc = cz_vcov_compute(&a, &t->in, &o);
  }
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  tiny t;
  tiny_init(&t);
  cz_oom_sweep(oom_run, &t);
}

/* Blocked access: the gather callback gives the same covariances as the
 * matrix form (it delivers the rows in blocks; here 3 rows at a time are
 * asked for at most, the callback copes with any block). */
typedef struct gctx {
  const tiny *t;
  int calls;
} gctx;

static int tiny_gather(void *ctx, size_t i0, size_t b, double *Xb,
                       double *ub) {
  gctx *g = ctx;
  g->calls++;
  for (size_t i = 0; i < b; i++) {
    Xb[i] = g->t->X[i0 + i];
    Xb[i + b] = g->t->X[8 + i0 + i];
    ub[i] = g->t->u[i0 + i];
  }
  return CAUSAL_OK;
}

static int failing_gather(void *ctx, size_t i0, size_t b, double *Xb,
                          double *ub) {
  (void)ctx;
  (void)i0;
  (void)b;
  (void)Xb;
  (void)ub;
  return cz_fail(CAUSAL_EIO, "gather failed on purpose");
}

static void test_gather(void **state) {
  (void)state;
  static const int types[] = {CAUSAL_VCOV_HC0, CAUSAL_VCOV_HC1,
                              CAUSAL_VCOV_HC2, CAUSAL_VCOV_HC3,
                              CAUSAL_VCOV_CR0, CAUSAL_VCOV_CR1};
  cz_alloc a = cz_alloc_current();
  for (size_t q = 0; q < sizeof types / sizeof types[0]; q++)
    for (size_t dims = 1; dims <= 2; dims++) {
      if (types[q] < CAUSAL_VCOV_CR0 && dims == 2)
        continue;
      tiny t;
      tiny_init(&t);
      t.in.type = types[q];
      t.in.ncluster_dims = types[q] >= CAUSAL_VCOV_CR0 ? dims : 0;
      double V1[4], V2[4];
      cz_vcov_out o1 = {V1, 0, NULL, 0}, o2 = {V2, 0, NULL, 0};
      assert_ok(cz_vcov_compute(&a, &t.in, &o1));
      gctx g = {&t, 0};
      t.in.X = NULL;
      t.in.u = NULL;
      t.in.gather = tiny_gather;
      t.in.gather_ctx = &g;
      assert_ok(cz_vcov_compute(&a, &t.in, &o2));
      assert_true(g.calls >= 1);
      for (int i = 0; i < 4; i++)
        assert_true(fabs(V1[i] - V2[i]) <= 1e-15 * fabs(V1[i]));
      assert_true(o1.df == o2.df);
      /* a failing gather propagates its status */
      t.in.gather = failing_gather;
      assert_status(cz_vcov_compute(&a, &t.in, &o2), CAUSAL_EIO);
    }
  /* CR2 needs the matrix */
  tiny t;
  tiny_init(&t);
  gctx g = {&t, 0};
  t.in.type = CAUSAL_VCOV_CR2;
  t.in.ncluster_dims = 1;
  t.in.gather = tiny_gather;
  t.in.gather_ctx = &g;
  double V[4];
  cz_vcov_out o = {V, 0, NULL, 0};
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  assert_error_mentions("CR2 needs the design matrix");
  /* neither X nor gather */
  t.in.type = CAUSAL_VCOV_HC1;
  t.in.gather = NULL;
  t.in.X = NULL;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_EINVAL);
  /* non-finite scores: an error, not a NaN covariance */
  tiny_init(&t);
  t.u[3] = NAN;
  t.in.type = CAUSAL_VCOV_HC1;
  assert_status(cz_vcov_compute(&a, &t.in, &o), CAUSAL_ENONFINITE);
}

/* Gram accumulator (internal/gram.h): every column count from 1 to
 * CZ_GRAM_PMAX (tile edges), row counts that are not multiples of the
 * vector width, several blocks, shifts and weights, against a long-double
 * reference; both entry points (block and column pointers). The fallback
 * (dsyrk) is taken for p > CZ_GRAM_PMAX and is checked the same way. */
static double lcg_unif(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) * 0x1.0p-53;
}

static void check_gram(size_t p, size_t n, int shifted, int weighted) {
  cz_alloc a = cz_alloc_current();
  uint64_t seed = 12345 + p * 7 + n;
  double *A = malloc(n * p * sizeof *A), *w = malloc(n * sizeof *w);
  double *C = malloc(p * p * sizeof *C), h[CZ_GRAM_PMAX + 8];
  assert_non_null(A);
  assert_non_null(w);
  assert_non_null(C);
  for (size_t i = 0; i < n * p; i++)
    A[i] = 3.0 + lcg_unif(&seed);
  for (size_t i = 0; i < n; i++)
    w[i] = lcg_unif(&seed);
  for (size_t j = 0; j < p && j < CZ_GRAM_PMAX + 8; j++)
    h[j] = shifted ? 3.0 + 0.01 * (double)j : 0.0;
  cz_gram g;
  assert_ok(cz_gram_init(&g, &a, p));
  int colwise = shifted || weighted;
  if (colwise) {
    const double *cols[CZ_GRAM_PMAX];
    /* blocks of 37 rows through the column-pointer entry point */
    for (size_t i0 = 0; i0 < n; i0 += 37) {
      size_t b = n - i0 < 37 ? n - i0 : 37;
      for (size_t j = 0; j < p; j++)
        cols[j] = A + j * n + i0;
      cz_gram_addv(&g, cols, shifted ? h : NULL, weighted ? w + i0 : NULL,
                   b);
    }
  } else {
    /* two unequal blocks through the matrix entry point */
    size_t b1 = n / 3;
    cz_gram_add(&g, A, n, b1);
    cz_gram_add(&g, A + b1, n, n - b1);
  }
  for (size_t i = 0; i < p * p; i++)
    C[i] = NAN; /* beta = 0 must not read C */
  cz_gram_get(&g, 0.0, C, p);
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i <= j; i++) {
      long double acc = 0, mag = 0;
      for (size_t r = 0; r < n; r++) {
        long double v = (long double)(weighted ? w[r] : 1.0) *
                        (A[r + i * n] - h[i]) * (A[r + j * n] - h[j]);
        acc += v;
        mag += fabsl(v);
      }
      double ref = (double)acc;
      /* summation error bound: a few eps times sum |terms| */
      if (!(fabs(C[i + j * p] - ref) <= 1e-14 * (double)mag))
        fail_msg("gram p=%zu n=%zu shift=%d w=%d: C[%zu,%zu] = %.17g, "
                 "reference %.17g",
                 p, n, shifted, weighted, i, j, C[i + j * p], ref);
    }
  /* beta = 1 adds to C */
  double c00 = C[0];
  cz_gram_get(&g, 1.0, C, p);
  assert_true(C[0] == 2.0 * c00);
  cz_gram_free(&g);
  cz_gram_free(&g); /* idempotent */
  free(A);
  free(w);
  free(C);
}

static void test_gram(void **state) {
  (void)state;
  for (size_t p = 1; p <= CZ_GRAM_PMAX; p++) {
    check_gram(p, 19, 0, 0);
    check_gram(p, 300, 1, 1);
  }
  check_gram(22, 1, 0, 0);
  check_gram(22, 8, 1, 0);
  check_gram(22, 1000, 0, 1);
  check_gram(CZ_GRAM_PMAX + 3, 50, 0, 0); /* the dsyrk fallback */
}

/* Residual pass: u, X'u, u'u and max |x~| against plain loops. */
static void test_gram_resid(void **state) {
  (void)state;
  enum { N = 203, K = 5 };
  uint64_t seed = 99;
  double X[N * K], y[N], beta[K], h[K], u[N], xr[K] = {0}, xm[K] = {0};
  const double *cols[K];
  for (size_t i = 0; i < N * K; i++)
    X[i] = lcg_unif(&seed) - 0.3;
  for (size_t i = 0; i < N; i++)
    y[i] = lcg_unif(&seed);
  for (size_t j = 0; j < K; j++) {
    beta[j] = 0.5 - 0.2 * (double)j;
    h[j] = 0.1 * (double)j;
    cols[j] = X + j * N;
  }
  double uu = 0.0;
  for (size_t i0 = 0; i0 < N; i0 += 64) { /* blocks, like the OLS pass */
    size_t b = N - i0 < 64 ? N - i0 : 64;
    const double *cb[K];
    for (size_t j = 0; j < K; j++)
      cb[j] = cols[j] + i0;
    uu += cz_gram_resid(cb, h, y + i0, beta, K, b, u + i0, xr, xm);
  }
  double ruu = 0.0;
  for (size_t i = 0; i < N; i++) {
    double v = y[i];
    for (size_t j = 0; j < K; j++)
      v -= (X[i + j * N] - h[j]) * beta[j];
    assert_true(fabs(u[i] - v) <= 1e-14);
    ruu += v * v;
  }
  assert_true(fabs(uu - ruu) <= 1e-13 * ruu);
  for (size_t j = 0; j < K; j++) {
    double acc = 0.0, mx = 0.0;
    for (size_t i = 0; i < N; i++) {
      double x = X[i + j * N] - h[j];
      acc += x * u[i];
      mx = fabs(x) > mx ? fabs(x) : mx;
    }
    assert_true(fabs(xr[j] - acc) <= 1e-13);
    assert_true(xm[j] == mx);
  }
}

/* cz_vcov_hc_given with the meat of the matrix form equals
 * cz_vcov_compute (HC0, HC1 in every convention); other types and NULL
 * arguments are refused; the OOM paths leak nothing. */
static void tiny_meat(const tiny *t, double M[4]) {
  memset(M, 0, 4 * sizeof *M);
  for (int i = 0; i < 8; i++) {
    double x[2] = {t->X[i], t->X[8 + i]}, u2 = t->u[i] * t->u[i];
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++)
        M[a + 2 * b] += u2 * x[a] * x[b];
  }
}

static int oom_given(void *arg) {
  tiny *t = arg;
  cz_alloc a = cz_alloc_current();
  double M[4], V[4];
  tiny_meat(t, M);
  t->in.type = CAUSAL_VCOV_HC1;
  cz_vcov_out o = {V, 0, NULL, 0};
  int rc = cz_vcov_hc_given(&a, &t->in, M, &o);
  if (rc == CAUSAL_OK) {
    cz_gram g;
    rc = cz_gram_init(&g, &a, 3);
    cz_gram_free(&g);
  }
  return rc;
}

static void test_hc_given(void **state) {
  (void)state;
  cz_alloc a = cz_alloc_current();
  static const int ssc[] = {CAUSAL_SSC_R, CAUSAL_SSC_STATA,
                            CAUSAL_SSC_STATSMODELS, CAUSAL_SSC_FIXEST};
  for (int type = CAUSAL_VCOV_HC0; type <= CAUSAL_VCOV_HC1; type++)
    for (size_t q = 0; q < 4; q++) {
      tiny t;
      tiny_init(&t);
      double V1[4], V2[4], M[4];
      double df1, df2;
      run(&t, type, ssc[q], V1, &df1);
      tiny_meat(&t, M);
      M[1] = NAN; /* only the upper triangle is read */
      cz_vcov_out o = {V2, 0, NULL, 0};
      t.in.X = NULL; /* not read */
      t.in.u = NULL;
      assert_ok(cz_vcov_hc_given(&a, &t.in, M, &o));
      df2 = o.df;
      for (int i = 0; i < 4; i++)
        assert_true(fabs(V1[i] - V2[i]) <= 1e-14 * fabs(V1[i]));
      assert_true(df1 == df2);
      assert_string_equal(o.label, type == CAUSAL_VCOV_HC0 ? "HC0" : "HC1");
    }
  tiny t;
  tiny_init(&t);
  double M[4], V[4];
  tiny_meat(&t, M);
  cz_vcov_out o = {V, 0, NULL, 0};
  t.in.type = CAUSAL_VCOV_HC2;
  assert_status(cz_vcov_hc_given(&a, &t.in, M, &o), CAUSAL_EINVAL);
  assert_error_mentions("not HC0/HC1");
  t.in.type = CAUSAL_VCOV_HC1;
  assert_status(cz_vcov_hc_given(&a, &t.in, NULL, &o), CAUSAL_EINVAL);
  assert_status(cz_vcov_hc_given(&a, NULL, M, &o), CAUSAL_EINVAL);
  M[2] = INFINITY;
  assert_status(cz_vcov_hc_given(&a, &t.in, M, &o), CAUSAL_ENONFINITE);
  tiny_init(&t);
  cz_oom_sweep(oom_given, &t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_forms),
      cmocka_unit_test(test_twoway_psd),
      cmocka_unit_test(test_validation),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_gather),
      cmocka_unit_test(test_gram),
      cmocka_unit_test(test_gram_resid),
      cmocka_unit_test(test_hc_given),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
