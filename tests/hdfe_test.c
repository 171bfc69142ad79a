/* Absorbed fixed effects (lib/hdfe.c): demeaning against dense least
 * squares on the full dummy matrices (pivoted QR), slopes against R's lm
 * with factor dummies on Grunfeld and Fatalities
 * (tests/ref/hdfe_reference.R), singleton removal against a brute-force
 * reference, degrees of freedom against the rank of the dummy matrix,
 * the nested-in-cluster test, bad input and out-of-memory paths. */
#include "testutil.h"

#include "internal/linalg.h"
#include "internal/regress.h"

/* ---- small deterministic generator (splitmix64) ---- */
static uint64_t rs;
static uint64_t next_u64(void) {
  uint64_t z = (rs += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
static double unif(void) { return (double)(next_u64() >> 11) * 0x1p-53; }
static int32_t draw(size_t L) { return (int32_t)(next_u64() % L); }

static cz_alloc al(void) { return cz_alloc_current(); }

/* ---- dense reference: residuals of sqrt(w) a on sqrt(w) [D_1 ... D_Q] ----
 * Returns the rank of the dummy matrix. */
static size_t dense_demean(int32_t *const *fe, const size_t *levels, size_t nfe,
                           size_t n, const double *w, const double *A,
                           size_t ncol, double *out) {
  size_t tot = 0;
  for (size_t q = 0; q < nfe; q++)
    tot += levels[q];
  double *D = calloc(n * tot, sizeof *D);
  double *y = malloc(n * sizeof *y), *b = malloc(tot * sizeof *b);
  double *r = malloc(n * sizeof *r);
  assert_non_null(D);
  size_t o = 0;
  for (size_t q = 0; q < nfe; q++) {
    for (size_t i = 0; i < n; i++)
      D[i + (o + (size_t)fe[q][i]) * n] = w ? sqrt(w[i]) : 1.0;
    o += levels[q];
  }
  cz_alloc a = al();
  cz_ws ws;
  cz_ws_init(&ws, &a);
  cz_qr qr;
  cz_qr_init(&qr, &a);
  assert_ok(cz_qr_factor("ref", &qr, cz_cmat_dense(D, n, tot), 0, &ws));
  for (size_t c = 0; c < ncol; c++) {
    for (size_t i = 0; i < n; i++)
      y[i] = A[c * n + i] * (w ? sqrt(w[i]) : 1.0);
    assert_ok(cz_qr_lstsq_refine("ref", &qr, cz_cmat_dense(D, n, tot), y, b, r,
                                 2, &ws));
    for (size_t i = 0; i < n; i++)
      out[c * n + i] = r[i] / (w ? sqrt(w[i]) : 1.0);
  }
  size_t rank = qr.rank;
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  free(D);
  free(y);
  free(b);
  free(r);
  return rank;
}

/* Largest |A[i, c] - mean(A[, c])| (the scale of the convergence test). */
static double col_scale(const double *A, size_t n) {
  double s = 0, mx = 0;
  for (size_t i = 0; i < n; i++)
    s += A[i];
  for (size_t i = 0; i < n; i++)
    mx = fmax(mx, fabs(A[i] - s / (double)n));
  return mx;
}

/* Demean with hdfe and compare with the dense reference within
 * tol_cmp * scale per column; checks dof against the dummy rank when
 * exact (two factors or `dof_exact`). */
static void check_vs_dense(int32_t *const *fe, const size_t *levels, size_t nfe,
                           size_t n, const double *w, const double *A,
                           size_t ncol, double tol_cmp, int dof_exact) {
  double *B = malloc(n * ncol * sizeof *B), *R = malloc(n * ncol * sizeof *R);
  memcpy(B, A, n * ncol * sizeof *B);
  cz_alloc a = al();
  int it = -1;
  size_t dof = 0;
  assert_ok(cz_hdfe_demean(&a, fe, levels, nfe, n, w, B, ncol, 1e-13, 10000,
                           &it, &dof));
  assert_true(it >= 1);
  size_t rank = dense_demean(fe, levels, nfe, n, w, A, ncol, R);
  if (dof_exact)
    assert_int_equal(dof, rank);
  else
    assert_true(dof >= rank);
  double err = 0;
  for (size_t c = 0; c < ncol; c++) {
    /* the dense reference carries rounding of the order eps * |A| */
    double sc = col_scale(A + c * n, n), big = 0;
    for (size_t i = 0; i < n; i++)
      big = fmax(big, fabs(A[c * n + i]));
    for (size_t i = 0; i < n; i++)
      if (sc > 0)
        err = fmax(err, fabs(B[c * n + i] - R[c * n + i]) / sc);
    for (size_t i = 0; i < n; i++)
      if (fabs(B[c * n + i] - R[c * n + i]) > tol_cmp * sc + 1e-14 * big)
        fail_msg("column %zu row %zu: hdfe %.17g, dense %.17g (scale %g)", c, i,
                 B[c * n + i], R[c * n + i], sc);
  }
  print_message("nfe %zu n %zu: %d sweeps, max |hdfe - dense| / scale %.2g\n",
                nfe, n, it, err);
  free(B);
  free(R);
}

typedef struct problem {
  size_t n, nfe, ncol;
  size_t levels[4];
  int32_t *fe[4];
  double *w, *A;
} problem;

static problem make_problem(uint64_t seed, size_t n, size_t nfe,
                            const size_t *levels, size_t ncol, int weighted) {
  problem p;
  memset(&p, 0, sizeof p);
  rs = seed;
  p.n = n;
  p.nfe = nfe;
  p.ncol = ncol;
  for (size_t q = 0; q < nfe; q++) {
    p.levels[q] = levels[q];
    p.fe[q] = malloc(n * sizeof(int32_t));
    for (size_t i = 0; i < n; i++)
      p.fe[q][i] = draw(levels[q]);
  }
  p.A = malloc(n * ncol * sizeof(double));
  for (size_t c = 0; c < ncol; c++)
    for (size_t i = 0; i < n; i++) /* factor effects plus noise */
      p.A[c * n + i] =
          3.0 * (double)p.fe[0][i] / (double)levels[0] +
          (nfe > 1 ? sin((double)p.fe[1][i] * (double)(c + 1)) : 0.0) + unif() -
          0.5 + (double)c * 100;
  if (weighted) {
    p.w = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
      p.w[i] = 0.2 + 3 * unif();
  }
  return p;
}

static void free_problem(problem *p) {
  for (size_t q = 0; q < p->nfe; q++)
    free(p->fe[q]);
  free(p->w);
  free(p->A);
}

/* ---- demeaning vs dense least squares ---- */

static void test_one_factor(void **state) {
  (void)state;
  size_t L[1] = {7};
  problem p = make_problem(1, 60, 1, L, 2, 0);
  check_vs_dense(p.fe, p.levels, 1, p.n, NULL, p.A, 2, 1e-13, 1);
  check_vs_dense(p.fe, p.levels, 1, p.n, p.A + p.n, p.A, 1, 1e-13, 1);
  /* exact in one pass, iterations = 1, dof = levels used */
  double *B = malloc(p.n * sizeof *B);
  memcpy(B, p.A, p.n * sizeof *B);
  int it = 0;
  size_t dof = 0;
  cz_alloc a = al();
  assert_ok(cz_hdfe_demean(&a, p.fe, p.levels, 1, p.n, NULL, B, 1, 1e-8, 1, &it,
                           &dof));
  assert_int_equal(it, 1);
  assert_int_equal(dof, 7);
  free(B);
  free_problem(&p);
}

static void test_two_factors(void **state) {
  (void)state;
  size_t L[2] = {25, 9};
  for (int weighted = 0; weighted < 2; weighted++) {
    problem p = make_problem(2 + (uint64_t)weighted, 300, 2, L, 3, weighted);
    check_vs_dense(p.fe, p.levels, 2, p.n, p.w, p.A, 3, 1e-10, 1);
    free_problem(&p);
  }
  /* factor with fewer levels first: the internal reordering */
  size_t L2[2] = {4, 40};
  problem p = make_problem(4, 250, 2, L2, 2, 1);
  check_vs_dense(p.fe, p.levels, 2, p.n, p.w, p.A, 2, 1e-10, 1);
  free_problem(&p);
}

static void test_three_four_factors(void **state) {
  (void)state;
  size_t L[4] = {30, 12, 5, 3};
  for (int weighted = 0; weighted < 2; weighted++) {
    problem p = make_problem(10 + (uint64_t)weighted, 400, 3, L, 2, weighted);
    /* random codes: no redundancy beyond the k-2 rule, dof is exact */
    check_vs_dense(p.fe, p.levels, 3, p.n, p.w, p.A, 2, 1e-10, 1);
    free_problem(&p);
  }
  problem p = make_problem(12, 500, 4, L, 2, 1);
  check_vs_dense(p.fe, p.levels, 4, p.n, p.w, p.A, 2, 1e-10, 1);
  free_problem(&p);
  /* third factor = first factor's code mod 3: an extra redundancy the rule
   * does not see, so dof is an upper bound of the rank */
  problem r = make_problem(13, 200, 3, L, 1, 0);
  for (size_t i = 0; i < r.n; i++)
    r.fe[2][i] = r.fe[0][i] % 5;
  check_vs_dense(r.fe, r.levels, 3, r.n, NULL, r.A, 1, 1e-10, 0);
  free_problem(&r);
}

/* Two factors whose bipartite graph has 3 components (and empty levels):
 * dof = used levels - 3. */
static void test_components(void **state) {
  (void)state;
  size_t n = 120;
  size_t levels[2] = {14, 9}; /* unit 13 and period 8 never used */
  int32_t *f1 = malloc(n * sizeof *f1), *f2 = malloc(n * sizeof *f2);
  double *A = malloc(n * sizeof *A);
  rs = 21;
  for (size_t i = 0; i < n; i++) {
    int g = (int)(i % 3); /* units 0-3 x periods 0-2, 4-8 x 3-5, 9-12 x 6-7 */
    int u0[3] = {0, 4, 9}, nu[3] = {4, 5, 4}, t0[3] = {0, 3, 6},
        nt[3] = {3, 3, 2};
    f1[i] = u0[g] + draw((size_t)nu[g]);
    f2[i] = t0[g] + draw((size_t)nt[g]);
    A[i] = (double)f1[i] * 0.7 - (double)f2[i] + unif();
  }
  int32_t *fe[2] = {f1, f2};
  check_vs_dense(fe, levels, 2, n, NULL, A, 1, 1e-10, 1);
  size_t dof = 0;
  cz_alloc a = al();
  assert_ok(cz_hdfe_demean(&a, fe, levels, 2, n, NULL, NULL, 0, 1e-8, 10, NULL,
                           &dof));
  assert_int_equal(dof, 13 + 8 - 3);
  free(f1);
  free(f2);
  free(A);
}

/* Columns that the factors absorb completely, constant columns, and a
 * large offset (calendar years) keep full accuracy. */
static void test_special_columns(void **state) {
  (void)state;
  size_t L[2] = {15, 6};
  problem p = make_problem(31, 150, 2, L, 4, 1);
  size_t n = p.n;
  for (size_t i = 0; i < n; i++) {
    p.A[i] = 5.25;                                               /* constant */
    p.A[n + i] = 2.0 * p.fe[0][i] - 0.5 * p.fe[1][i] + 1e3;      /* absorbed */
    p.A[3 * n + i] = 1987 + p.fe[1][i] + 1e-3 * (double)(i % 7); /* offset */
  }
  check_vs_dense(p.fe, p.levels, 2, n, p.w, p.A, 4, 1e-10, 1);
  double *B = malloc(4 * n * sizeof *B);
  memcpy(B, p.A, 4 * n * sizeof *B);
  cz_alloc a = al();
  int it = 0;
  assert_ok(cz_hdfe_demean(&a, p.fe, p.levels, 2, n, p.w, B, 4, 1e-12, 1000,
                           &it, NULL));
  for (size_t i = 0; i < n; i++) {
    assert_true(fabs(B[i]) < 1e-12);
    assert_true(fabs(B[n + i]) < 1e-9);
  }
  free(B);
  free_problem(&p);
}

/* ---- R references: slopes from lm(y ~ x + factor(a) + factor(b)) ---- */

typedef struct table {
  size_t n, k;
  char names[12][16];
  double *v; /* column-major n x k */
} table;

static table read_table(const char *rel) {
  table t;
  memset(&t, 0, sizeof t);
  FILE *f = fopen(cz_test_path(rel), "r");
  assert_non_null(f);
  assert_int_equal(fscanf(f, "%zu %zu", &t.n, &t.k), 2);
  assert_true(t.k <= 12);
  for (size_t j = 0; j < t.k; j++)
    assert_int_equal(fscanf(f, "%15s", t.names[j]), 1);
  t.v = malloc(t.n * t.k * sizeof(double));
  for (size_t i = 0; i < t.n; i++)
    for (size_t j = 0; j < t.k; j++)
      assert_int_equal(fscanf(f, "%lf", &t.v[j * t.n + i]), 1);
  fclose(f);
  return t;
}

static const double *col(const table *t, const char *name) {
  for (size_t j = 0; j < t->k; j++)
    if (strcmp(t->names[j], name) == 0)
      return t->v + j * t->n;
  fail_msg("no column %s", name);
  return NULL;
}

static int read_ref(const char *name, double *v, size_t cap) {
  FILE *f = fopen(cz_test_path("data/hdfe_reference.txt"), "r");
  assert_non_null(f);
  char nm[64];
  size_t k;
  while (fscanf(f, "%63s %zu", nm, &k) == 2) {
    assert_true(k <= cap);
    for (size_t j = 0; j < k; j++)
      assert_int_equal(fscanf(f, "%lf", &v[j]), 1);
    if (strcmp(nm, name) == 0) {
      fclose(f);
      return (int)k;
    }
  }
  fclose(f);
  fail_msg("reference %s not found", name);
  return 0;
}

/* Demean [y, X] (rows where use[i]), then OLS of y on X without intercept
 * on the sqrt(w)-scaled data; compare slopes (1e-10 relative), the
 * weighted RSS and the absorbed degrees of freedom with R. */
static void check_panel(const char *refname, const table *t,
                        const char *const *fnames, size_t nfe,
                        const char *yname, const char *const *xnames, size_t k,
                        const char *wname, const uint8_t *use) {
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++)
    n += use == NULL || use[i];
  int32_t *fe[3];
  size_t levels[3] = {0, 0, 0};
  double *A = malloc(n * (k + 1) * sizeof *A), *w = NULL;
  const double *wc = wname ? col(t, wname) : NULL;
  if (wc)
    w = malloc(n * sizeof *w);
  for (size_t q = 0; q < nfe; q++) {
    fe[q] = malloc(n * sizeof(int32_t));
    const double *c = col(t, fnames[q]);
    for (size_t i = 0, m = 0; i < t->n; i++)
      if (use == NULL || use[i]) {
        fe[q][m++] = (int32_t)c[i];
        if ((size_t)c[i] + 1 > levels[q])
          levels[q] = (size_t)c[i] + 1;
      }
  }
  for (size_t j = 0; j <= k; j++) {
    const double *c = col(t, j == 0 ? yname : xnames[j - 1]);
    for (size_t i = 0, m = 0; i < t->n; i++)
      if (use == NULL || use[i]) {
        A[j * n + m] = c[i];
        if (wc && j == 0)
          w[m] = wc[i];
        m++;
      }
  }
  cz_alloc a = al();
  int it = 0;
  size_t dof = 0;
  assert_ok(cz_hdfe_demean(&a, fe, levels, nfe, n, w, A, k + 1, 1e-14, 10000,
                           &it, &dof));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= k; j++)
      A[j * n + i] *= w ? sqrt(w[i]) : 1.0;
  cz_ws ws;
  cz_ws_init(&ws, &a);
  cz_qr qr;
  cz_qr_init(&qr, &a);
  double beta[8], resid[400], ref[8];
  assert_true(n <= 400);
  assert_ok(cz_qr_factor("t", &qr, cz_cmat_dense(A + n, n, k), 0, &ws));
  assert_ok(cz_qr_lstsq_refine("t", &qr, cz_cmat_dense(A + n, n, k), A, beta,
                               resid, 2, &ws));
  int nref = read_ref(refname, ref, 8);
  assert_int_equal((size_t)nref, k + 2);
  double err = 0;
  for (size_t j = 0; j < k; j++) {
    assert_close(beta[j], ref[j], 1e-10);
    err = fmax(err, fabs(beta[j] - ref[j]) / fabs(ref[j]));
  }
  double rss = 0;
  for (size_t i = 0; i < n; i++)
    rss += resid[i] * resid[i];
  assert_close(rss, ref[k], 1e-10);
  assert_int_equal(dof, (size_t)ref[k + 1]);
  print_message("%-20s iterations %d, dof_fe %zu, slopes rel err %.2g\n",
                refname, it, dof, err);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  for (size_t q = 0; q < nfe; q++)
    free(fe[q]);
  free(A);
  free(w);
}

static void test_grunfeld(void **state) {
  (void)state;
  table t = read_table("data/hdfe_grunfeld.txt");
  const char *fn[2] = {"firm0", "year0"};
  const char *xn[2] = {"value", "capital"};
  check_panel("grunfeld_ols", &t, fn, 2, "inv", xn, 2, NULL, NULL);
  check_panel("grunfeld_wls", &t, fn, 2, "inv", xn, 2, "w", NULL);
  uint8_t use[200];
  const double *firm = col(&t, "firm0"), *year = col(&t, "year0");
  for (size_t i = 0; i < t.n; i++) /* the R script's unbalanced subset */
    use[i] = ((7 * ((int)firm[i] + 1) + (int)year[i] + 1935) % 5) != 0;
  check_panel("grunfeld_unbal_ols", &t, fn, 2, "inv", xn, 2, NULL, use);
  check_panel("grunfeld_unbal_wls", &t, fn, 2, "inv", xn, 2, "w", use);
  free(t.v);
}

static void test_fatalities(void **state) {
  (void)state;
  table t = read_table("data/hdfe_fatalities.txt");
  const char *fn[3] = {"state0", "year0", "breath0"};
  const char *xn[4] = {"beertax", "drinkage", "unemp", "lincome"};
  check_panel("fatalities_ols", &t, fn, 2, "rate", xn, 4, NULL, NULL);
  check_panel("fatalities_wls", &t, fn, 2, "rate", xn, 4, "w", NULL);
  check_panel("fatalities_3fe", &t, fn, 3, "rate", xn, 4, NULL, NULL);
  free(t.v);
}

/* ---- singletons ---- */

/* Brute force: recount from scratch, drop every row in a level of count 1,
 * repeat until nothing changes. */
static size_t brute_singletons(int32_t *const *fe, const size_t *levels,
                               size_t nfe, size_t n, uint8_t *keep) {
  memset(keep, 1, n);
  size_t removed = 0;
  for (;;) {
    size_t drop = 0;
    uint8_t *mark = calloc(n, 1);
    for (size_t q = 0; q < nfe; q++) {
      size_t *cnt = calloc(levels[q], sizeof *cnt);
      for (size_t i = 0; i < n; i++)
        if (keep[i])
          cnt[fe[q][i]]++;
      for (size_t i = 0; i < n; i++)
        if (keep[i] && cnt[fe[q][i]] == 1)
          mark[i] = 1;
      free(cnt);
    }
    for (size_t i = 0; i < n; i++)
      if (mark[i]) {
        keep[i] = 0;
        drop++;
      }
    free(mark);
    if (drop == 0)
      return removed;
    removed += drop;
  }
}

static void test_singletons(void **state) {
  (void)state;
  /* Sparse random designs produce cascades of singletons. */
  for (uint64_t seed = 1; seed <= 30; seed++) {
    size_t L[3] = {40, 25, 9};
    size_t nfe = 1 + seed % 3, n = 30 + seed * 3;
    problem p = make_problem(seed * 7, n, nfe, L, 0, 0);
    uint8_t *k1 = malloc(n), *k2 = malloc(n);
    size_t r1 = 0;
    cz_alloc a = al();
    assert_ok(cz_hdfe_singletons(&a, p.fe, p.levels, nfe, n, k1, &r1));
    size_t r2 = brute_singletons(p.fe, p.levels, nfe, n, k2);
    assert_int_equal(r1, r2);
    assert_memory_equal(k1, k2, n);
    free(k1);
    free(k2);
    free_problem(&p);
  }
  /* A chain: unit i spans periods i and i+1 once each, the last unit one
   * row only -> removing it uncovers a new singleton each time, all go. */
  int32_t u[9] = {0, 0, 1, 1, 2, 2, 3, 3, 4};
  int32_t t[9] = {0, 1, 1, 2, 2, 3, 3, 4, 4};
  int32_t *fe[2] = {u, t};
  size_t levels[2] = {5, 5};
  uint8_t keep[9];
  size_t removed = 0;
  cz_alloc a = al();
  assert_ok(cz_hdfe_singletons(&a, fe, levels, 2, 9, keep, &removed));
  assert_int_equal(removed, 9);
  /* none to remove */
  int32_t v[4] = {0, 0, 1, 1}, s[4] = {0, 1, 0, 1};
  int32_t *fe2[2] = {v, s};
  size_t lv[2] = {2, 2};
  assert_ok(cz_hdfe_singletons(&a, fe2, lv, 2, 4, keep, NULL));
  for (int i = 0; i < 4; i++)
    assert_int_equal(keep[i], 1);
}

/* ---- nested ---- */

static void test_nested(void **state) {
  (void)state;
  int32_t fe[6] = {0, 0, 1, 1, 2, 2};
  int32_t cl[6] = {5, 5, 7, 7, 5, 5};
  assert_int_equal(cz_hdfe_nested(fe, 3, cl, 6), 1);
  assert_int_equal(cz_hdfe_nested(fe, 4, cl, 6), 1); /* unused level */
  cl[3] = 8;
  assert_int_equal(cz_hdfe_nested(fe, 3, cl, 6), 0);
  assert_int_equal(cz_hdfe_nested(NULL, 3, cl, 6), CAUSAL_EINVAL);
  assert_int_equal(cz_hdfe_nested(fe, 3, NULL, 6), CAUSAL_EINVAL);
  assert_int_equal(cz_hdfe_nested(fe, 0, cl, 6), CAUSAL_EINVAL);
  assert_int_equal(cz_hdfe_nested(fe, 3, cl, 0), CAUSAL_EINVAL);
  assert_int_equal(cz_hdfe_nested(fe, 2, cl, 6), CAUSAL_ERANGE);
  assert_error_mentions("fe[4] = 2");
}

/* ---- bad input ---- */

static void test_errors(void **state) {
  (void)state;
  int32_t f1[4] = {0, 1, 0, 1}, f2[4] = {0, 0, 1, 1};
  int32_t *fe[2] = {f1, f2};
  size_t lv[2] = {2, 2};
  double A[8] = {1, 2, 3, 4, 5, 6, 7, 8}, A0[8];
  memcpy(A0, A, sizeof A);
  double w[4] = {1, 1, 1, 1};
  cz_alloc a = al();
  int it;
  size_t dof;
  uint8_t keep[4];
#define DM(...) cz_hdfe_demean(__VA_ARGS__, 1e-8, 100, &it, &dof)
  assert_status(DM(NULL, fe, lv, 2, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_status(DM(&a, NULL, lv, 2, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_error_mentions("'fe'");
  assert_status(DM(&a, fe, NULL, 2, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_status(DM(&a, fe, lv, 0, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_error_mentions("nfe");
  assert_status(DM(&a, fe, lv, 2, 0, NULL, A, 2), CAUSAL_EINVAL);
  assert_error_mentions("n is 0");
  assert_status(DM(&a, fe, lv, 2, 4, NULL, NULL, 2), CAUSAL_EINVAL);
  size_t lv0[2] = {2, 0};
  assert_status(DM(&a, fe, lv0, 2, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_error_mentions("levels[1] is 0");
  int32_t *fen[2] = {f1, NULL};
  assert_status(DM(&a, fen, lv, 2, 4, NULL, A, 2), CAUSAL_EINVAL);
  assert_error_mentions("fe[1] is NULL");
  f2[2] = 2; /* out of range */
  assert_status(DM(&a, fe, lv, 2, 4, NULL, A, 2), CAUSAL_ERANGE);
  assert_error_mentions("fe[1][2] = 2");
  assert_status(cz_hdfe_singletons(&a, fe, lv, 2, 4, keep, NULL),
                CAUSAL_ERANGE);
  f2[2] = -1;
  assert_status(DM(&a, fe, lv, 2, 4, NULL, A, 2), CAUSAL_ERANGE);
  f2[2] = 1;
  w[2] = 0;
  assert_status(DM(&a, fe, lv, 2, 4, w, A, 2), CAUSAL_ERANGE);
  assert_error_mentions("w[2] = 0");
  w[2] = -1;
  assert_status(DM(&a, fe, lv, 2, 4, w, A, 2), CAUSAL_ERANGE);
  w[2] = NAN;
  assert_status(DM(&a, fe, lv, 2, 4, w, A, 2), CAUSAL_ENONFINITE);
  assert_error_mentions("w[2] is NaN");
  w[2] = 1;
  A[6] = NAN;
  assert_status(DM(&a, fe, lv, 2, 4, w, A, 2), CAUSAL_ENONFINITE);
  assert_error_mentions("A[2, 1] is NaN");
  A[6] = -INFINITY;
  assert_status(DM(&a, fe, lv, 2, 4, w, A, 2), CAUSAL_ENONFINITE);
  assert_error_mentions("A[2, 1] is -Inf");
  A[6] = 7;
  assert_memory_equal(A, A0, sizeof A);
  assert_status(cz_hdfe_demean(&a, fe, lv, 2, 4, w, A, 2, 0, 100, &it, &dof),
                CAUSAL_EINVAL);
  assert_error_mentions("tol");
  assert_status(cz_hdfe_demean(&a, fe, lv, 2, 4, w, A, 2, NAN, 100, &it, &dof),
                CAUSAL_EINVAL);
  assert_status(cz_hdfe_demean(&a, fe, lv, 2, 4, w, A, 2, 1e-8, 0, &it, &dof),
                CAUSAL_EINVAL);
  assert_error_mentions("maxiter");
  /* singletons */
  assert_status(cz_hdfe_singletons(NULL, fe, lv, 2, 4, keep, NULL),
                CAUSAL_EINVAL);
  assert_status(cz_hdfe_singletons(&a, fe, lv, 2, 4, NULL, NULL),
                CAUSAL_EINVAL);
  assert_status(cz_hdfe_singletons(&a, fe, lv, 2, 0, keep, NULL),
                CAUSAL_EINVAL);
  assert_status(cz_hdfe_singletons(&a, fe, lv, 0, 4, keep, NULL),
                CAUSAL_EINVAL);
  assert_memory_equal(A, A0, sizeof A);
#undef DM
}

/* A slowly converging design (a long chain of overlapping units: each unit
 * spans two neighbouring periods) with a tiny maxiter: CAUSAL_ENOCONV naming
 * the iterations and the tolerance, and A left unchanged. */
static void test_noconv(void **state) {
  (void)state;
  size_t T = 60, n = 4 * T;
  int32_t *u = malloc(n * sizeof *u), *t = malloc(n * sizeof *t);
  double *A = malloc(n * sizeof *A), *B = malloc(n * sizeof *B);
  rs = 99;
  for (size_t i = 0; i < n; i++) {
    size_t unit = i / 4;
    u[i] = (int32_t)unit;
    t[i] = (int32_t)(unit + (i % 2 == 0 ? 0 : 1)) % (int32_t)T;
    A[i] = unif() + (double)t[i] * 0.1;
  }
  memcpy(B, A, n * sizeof *A);
  int32_t *fe[2] = {u, t};
  size_t lv[2] = {T, T};
  cz_alloc a = al();
  int it = 0;
  assert_status(
      cz_hdfe_demean(&a, fe, lv, 2, n, NULL, B, 1, 1e-12, 3, &it, NULL),
      CAUSAL_ENOCONV);
  assert_error_mentions("did not converge in 3 iterations");
  assert_error_mentions("tol 1e-12");
  assert_memory_equal(A, B, n * sizeof *A);
  /* with enough iterations it converges and matches the dense solution */
  check_vs_dense(fe, lv, 2, n, NULL, A, 1, 1e-9, 1);
  free(u);
  free(t);
  free(A);
  free(B);
}

/* ---- out of memory ---- */

typedef struct oom_arg {
  problem *p;
  int mode; /* 0 demean, 1 singletons, 2 nested, 3 dof only */
} oom_arg;

static int oom_fn(void *arg) {
  oom_arg *o = arg;
  problem *p = o->p;
  cz_alloc a = al();
  if (o->mode == 1) {
    uint8_t *keep = malloc(p->n);
    int rc = cz_hdfe_singletons(&a, p->fe, p->levels, p->nfe, p->n, keep, NULL);
    free(keep);
    return rc;
  }
  if (o->mode == 2) {
    int rc = cz_hdfe_nested(p->fe[0], p->levels[0], p->fe[1], p->n);
    return rc < 0 ? rc : CAUSAL_OK;
  }
  double *B = malloc(p->n * p->ncol * sizeof *B);
  memcpy(B, p->A, p->n * p->ncol * sizeof *B);
  int it;
  size_t dof;
  int rc = cz_hdfe_demean(&a, p->fe, p->levels, p->nfe, p->n, p->w,
                          o->mode == 3 ? NULL : B, o->mode == 3 ? 0 : p->ncol,
                          1e-10, 1000, &it, &dof);
  if (rc != CAUSAL_OK)
    assert_memory_equal(B, p->A, p->n * p->ncol * sizeof *B);
  free(B);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  size_t L[3] = {20, 8, 4};
  for (size_t nfe = 1; nfe <= 3; nfe++) {
    problem p = make_problem(40 + nfe, 120, nfe, L, 2, nfe == 2);
    for (int mode = 0; mode < 4; mode++) {
      if (mode == 2 && nfe < 2)
        continue;
      oom_arg o = {&p, mode};
      cz_oom_sweep(oom_fn, &o);
    }
    free_problem(&p);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_factor),
      cmocka_unit_test(test_two_factors),
      cmocka_unit_test(test_three_four_factors),
      cmocka_unit_test(test_components),
      cmocka_unit_test(test_special_columns),
      cmocka_unit_test(test_grunfeld),
      cmocka_unit_test(test_fatalities),
      cmocka_unit_test(test_singletons),
      cmocka_unit_test(test_nested),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_noconv),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
