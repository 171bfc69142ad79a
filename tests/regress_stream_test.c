/* Out-of-core regression accumulators (lib/regress_stream.c).
 *
 * The reference is causal_regress_fit on all rows at once (itself checked
 * against R, statsmodels and NIST in regress_test.c / logit_test.c): every
 * streamed or merged fit must reproduce its coefficients and standard
 * errors to 1e-10 relative (relative to max(|value|, SE) for estimates). */
#include "testutil.h"

/* ---- synthetic data -------------------------------------------------------
 * Deterministic generator (splitmix64) so failures reproduce. */
static uint64_t sm_state;
static uint64_t sm_next(void) {
  uint64_t z = (sm_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static double unif(void) { return (double)(sm_next() >> 11) * 0x1p-53; }
static double gauss(void) {
  double u = unif(), v = unif();
  return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}
static size_t urand(size_t n) { return (size_t)(sm_next() % n); }

typedef struct data {
  size_t n;
  double *y, *x1, *x2, *w, *off, *yb;
  int64_t *cl;
  const char **g;
} data;

static const char *LEVELS[] = {"a", "b", "c", "d"};

static void data_make(data *d, size_t n, uint64_t seed, int with_nan) {
  sm_state = seed;
  d->n = n;
  d->y = calloc(n, sizeof(double));
  d->x1 = calloc(n, sizeof(double));
  d->x2 = calloc(n, sizeof(double));
  d->w = calloc(n, sizeof(double));
  d->off = calloc(n, sizeof(double));
  d->yb = calloc(n, sizeof(double));
  d->cl = calloc(n, sizeof(int64_t));
  d->g = calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    size_t gi = urand(4);
    d->g[i] = LEVELS[gi];
    d->x1[i] = 3 + 2 * gauss();
    d->x2[i] = unif() * 10;
    d->cl[i] = (int64_t)urand(23) * 7 - 50;
    d->w[i] = 0.5 + 2 * unif();
    d->off[i] = 0.3 * gauss();
    double eta = 1 + 0.5 * d->x1[i] - 0.2 * d->x2[i] + 0.3 * (double)gi;
    d->y[i] = eta + (1 + 0.2 * d->x2[i]) * gauss() + 0.3 * (double)(d->cl[i] % 5);
    double le = -1 + 0.4 * d->x1[i] - 0.15 * d->x2[i] + 0.4 * (double)gi +
                d->off[i];
    d->yb[i] = unif() < 1 / (1 + exp(-le)) ? 1 : 0;
    if (with_nan && i % 37 == 5)
      d->x2[i] = NAN;
    if (with_nan && i % 53 == 7)
      d->g[i] = NULL;
  }
}

static void data_free(data *d) {
  free(d->y);
  free(d->x1);
  free(d->x2);
  free(d->w);
  free(d->off);
  free(d->yb);
  free(d->cl);
  free(d->g);
}

/* Rows [from, to) as a dataset; the categorical column gets only the
 * levels present in these rows (so chunks differ in their level sets). */
static int make_ds(causal_dataset **out, const data *d, size_t from,
                   size_t to) {
  causal_dataset *ds = NULL;
  size_t n = to - from;
  int rc = causal_dataset_new(&ds);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "y", d->y + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "x1", d->x1 + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "x2", d->x2 + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "w", d->w + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "off", d->off + from, NULL, n,
                                CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "yb", d->yb + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_i64(ds, "cl", d->cl + from, NULL, n, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_strings(ds, "g", d->g + from, n);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return CAUSAL_OK;
}

/* A schema with every level and no rows. */
static causal_dataset *schema_ds(void) {
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  const char *names[] = {"y", "x1", "x2", "w", "off", "yb"};
  for (int i = 0; i < 6; i++)
    assert_ok(causal_dataset_add_f64(ds, names[i], NULL, NULL, 0, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "cl", NULL, NULL, 0, CAUSAL_COPY));
  int32_t none = 0;
  assert_ok(causal_dataset_add_cat(ds, "g", &none, 0, LEVELS, 4, CAUSAL_COPY));
  return ds;
}

typedef struct specopt {
  int family, vcov, ssc, weighted, offset, cluster;
} specopt;

static int make_spec(causal_regress **out, const specopt *o) {
  causal_regress *m = NULL;
  int rc = causal_regress_new(&m, o->family);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, o->family == CAUSAL_REGRESS_LOGIT ? "yb"
                                                                          : "y");
  const char *terms[] = {"x1", "x2", "g", "x1:g"};
  int nt = o->family == CAUSAL_REGRESS_LOGIT ? 3 : 4;
  for (int t = 0; t < nt && rc == CAUSAL_OK; t++)
    rc = causal_regress_add_term(m, terms[t]);
  if (rc == CAUSAL_OK && o->weighted)
    rc = causal_regress_set_weights(m, "w");
  if (rc == CAUSAL_OK && o->offset)
    rc = causal_regress_set_offset(m, "off");
  if (rc == CAUSAL_OK && o->cluster)
    rc = causal_regress_add_cluster(m, "cl");
  if (rc == CAUSAL_OK && o->vcov)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, o->vcov);
  if (rc == CAUSAL_OK && o->ssc)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_SSC, o->ssc);
  if (rc != CAUSAL_OK) {
    causal_regress_free(m);
    return rc;
  }
  *out = m;
  return CAUSAL_OK;
}

/* ---- comparison ------------------------------------------------------- */
static double worst_coef, worst_se; /* largest relative differences seen */
static void track(double *worst, double err) {
  if (err > *worst)
    *worst = err;
}

static void compare_fits(const causal_result *s, const causal_result *r,
                         double tol) {
  const double *a, *b;
  size_t na, ka, nb, kb;
  assert_ok(causal_result_get_matrix(s, "coef", &a, &na, &ka));
  assert_ok(causal_result_get_matrix(r, "coef", &b, &nb, &kb));
  assert_int_equal(na, nb);
  for (size_t j = 0; j < na; j++) {
    assert_string_equal(causal_result_dimname(s, "coef", 0, j),
                        causal_result_dimname(r, "coef", 0, j));
    double se = b[j + nb];
    double sc = fabs(b[j]) > se ? fabs(b[j]) : se;
    track(&worst_coef, fabs(a[j] - b[j]) / sc);
    track(&worst_se, fabs(a[j + na] - se) / se);
    if (fabs(a[j] - b[j]) > tol * sc)
      fail_msg("coef %s: %.17g vs %.17g", causal_result_dimname(r, "coef", 0, j),
               a[j], b[j]);
    assert_close(a[j + na], se, tol);
    if (fabs(a[j + 2 * na] - b[j + 2 * nb]) >
        tol * (1 + fabs(b[j + 2 * nb])) * 10)
      fail_msg("statistic %zu: %.17g vs %.17g", j, a[j + 2 * na], b[j + 2 * nb]);
  }
  const double *va, *vb;
  assert_ok(causal_result_get_matrix(s, "vcov", &va, &na, &ka));
  assert_ok(causal_result_get_matrix(r, "vcov", &vb, &nb, &kb));
  for (size_t j = 0; j < na; j++)
    for (size_t i = 0; i < na; i++) {
      double sc = sqrt(vb[i + i * na] * vb[j + j * na]);
      if (fabs(va[i + j * na] - vb[i + j * na]) > tol * sc)
        fail_msg("vcov[%zu, %zu]: %.17g vs %.17g", i, j, va[i + j * na],
                 vb[i + j * na]);
    }
  /* Cluster counts agree too (OLS counts clusters in its second pass). */
  double ga, gb;
  if (causal_result_get_scalar(r, "n_clusters", &gb) == CAUSAL_OK) {
    assert_ok(causal_result_get_scalar(s, "n_clusters", &ga));
    assert_true(ga == gb);
  }
  const char *sa, *sb;
  assert_ok(causal_result_get_string(s, "vcov_type", &sa));
  assert_ok(causal_result_get_string(r, "vcov_type", &sb));
  assert_string_equal(sa, sb);
  assert_ok(causal_result_get_string(s, "statistic", &sa));
  assert_ok(causal_result_get_string(r, "statistic", &sb));
  assert_string_equal(sa, sb);
  assert_ok(causal_result_get_string(s, "dropped_terms", &sa));
  assert_ok(causal_result_get_string(r, "dropped_terms", &sb));
  assert_string_equal(sa, sb);
  const char *exact[] = {"nobs", "n_dropped", "df"};
  for (int i = 0; i < 3; i++) {
    double x, y;
    assert_ok(causal_result_get_scalar(s, exact[i], &x));
    assert_ok(causal_result_get_scalar(r, exact[i], &y));
    if (!(x == y))
      fail_msg("%s: %g vs %g", exact[i], x, y);
  }
  const char *kind = causal_result_kind(r);
  const char *ols[] = {"r_squared", "adj_r_squared", "sigma", "rss",
                       "f_statistic", "loglik", "aic", "bic", "df_residual"};
  const char *lg[] = {"deviance", "null_deviance", "loglik", "aic", "bic",
                      "df_residual", "df_null"};
  int isols = strcmp(kind, "ols") == 0;
  size_t nq = isols ? 9 : 7;
  for (size_t i = 0; i < nq; i++) {
    const char *nm = isols ? ols[i] : lg[i];
    double x, y;
    assert_ok(causal_result_get_scalar(s, nm, &x));
    assert_ok(causal_result_get_scalar(r, nm, &y));
    if (fabs(x - y) > tol * (fabs(y) > 1 ? fabs(y) : 1))
      fail_msg("%s: %.17g vs %.17g", nm, x, y);
  }
  const double *da, *db;
  assert_ok(causal_result_get_vector(s, "dropped_by_column", &da, &na));
  assert_ok(causal_result_get_vector(r, "dropped_by_column", &db, &nb));
  assert_int_equal(na, nb);
  for (size_t j = 0; j < na; j++) {
    assert_string_equal(causal_result_dimname(s, "dropped_by_column", 0, j),
                        causal_result_dimname(r, "dropped_by_column", 0, j));
    assert_true(da[j] == db[j]);
  }
}

/* ---- streaming with random chunkings and merge trees ---------------------
 * cuts[0..nc] are chunk boundaries (chunks may be empty or one row). In
 * each pass every chunk goes into its own clone of the base state (or,
 * with serial = 1, into the base directly); the clones are merged in a
 * random tree, one intermediate state travels through serialize /
 * deserialize, and next_pass is called on the result. */
static causal_result *stream(const causal_regress *m, const data *d,
                             const size_t *cuts, size_t nc, int serial,
                             int schema_full) {
  causal_dataset **chunks = calloc(nc, sizeof *chunks);
  for (size_t c = 0; c < nc; c++)
    assert_ok(make_ds(&chunks[c], d, cuts[c], cuts[c + 1]));
  /* schema: every level and no rows, or all the data */
  causal_dataset *sch = NULL;
  if (schema_full)
    assert_ok(make_ds(&sch, d, 0, d->n));
  else
    sch = schema_ds();
  causal_regress_acc *base = NULL;
  assert_ok(causal_regress_acc_new(&base, m, sch));
  causal_dataset_free(sch);
  int done = 0;
  for (int pass = 0; !done; pass++) {
    assert_true(pass < 40);
    if (serial) {
      for (size_t c = 0; c < nc; c++)
        assert_ok(causal_regress_acc_update(base, chunks[c]));
    } else {
      causal_regress_acc **parts = calloc(nc, sizeof *parts);
      for (size_t c = 0; c < nc; c++) {
        assert_ok(causal_regress_acc_clone(&parts[c], base));
        assert_ok(causal_regress_acc_update(parts[c], chunks[c]));
      }
      size_t live = nc;
      while (live > 1) { /* random merge tree */
        size_t i = urand(live), j = urand(live - 1);
        if (j >= i)
          j++;
        assert_ok(causal_regress_acc_merge(parts[i], parts[j]));
        causal_regress_acc_free(parts[j]);
        parts[j] = parts[--live];
        if (i == live)
          i = j;
        if (urand(4) == 0) { /* ship it through the wire format */
          uint8_t *buf = NULL;
          size_t len = 0;
          causal_regress_acc *back = NULL;
          assert_ok(causal_regress_acc_serialize(parts[i], &buf, &len));
          assert_ok(causal_regress_acc_deserialize(&back, buf, len));
          causal_free(buf);
          causal_regress_acc_free(parts[i]);
          parts[i] = back;
        }
      }
      causal_regress_acc_free(base);
      base = parts[0];
      free(parts);
    }
    assert_ok(causal_regress_acc_next_pass(base));
    assert_ok(causal_regress_acc_converged(base, &done));
  }
  causal_result *r = NULL;
  assert_ok(causal_regress_acc_fit(&r, base));
  causal_regress_acc_free(base);
  for (size_t c = 0; c < nc; c++)
    causal_dataset_free(chunks[c]);
  free(chunks);
  return r;
}

static causal_result *in_memory(const causal_regress *m, const data *d) {
  causal_dataset *ds = NULL;
  causal_result *r = NULL;
  assert_ok(make_ds(&ds, d, 0, d->n));
  assert_ok(causal_regress_fit(&r, m, ds));
  causal_dataset_free(ds);
  return r;
}

/* Random boundaries: nc chunks, some empty, one of a single row. */
static size_t random_cuts(size_t *cuts, size_t n, size_t maxc) {
  size_t nc = 1 + urand(maxc);
  cuts[0] = 0;
  for (size_t c = 1; c < nc; c++)
    cuts[c] = urand(n + 1);
  cuts[nc] = n;
  for (size_t i = 1; i < nc; i++) /* sort */
    for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
      size_t t = cuts[j];
      cuts[j] = cuts[j - 1];
      cuts[j - 1] = t;
    }
  if (nc >= 3 && cuts[1] + 1 <= n) /* a one-row chunk */
    cuts[2] = cuts[1] + 1 > cuts[2] ? cuts[2] : cuts[1] + 1;
  return nc;
}

static void check_spec(const specopt *o, size_t n, int trials, int nan) {
  data d;
  data_make(&d, n, 1234 + (uint64_t)o->vcov * 7 + (uint64_t)o->weighted, nan);
  causal_regress *m = NULL;
  assert_ok(make_spec(&m, o));
  causal_result *ref = in_memory(m, &d);
  size_t cuts[20];
  for (int t = 0; t < trials; t++) {
    size_t nc = random_cuts(cuts, n, 12);
    causal_result *s = stream(m, &d, cuts, nc, t % 3 == 0, t % 4 == 1);
    compare_fits(s, ref, 1e-10);
    causal_result_free(s);
  }
  causal_result_free(ref);
  causal_regress_free(m);
  data_free(&d);
}

static void test_ols(void **st) {
  (void)st;
  int vc[] = {CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC0, CAUSAL_VCOV_HC1,
              CAUSAL_VCOV_CR0, CAUSAL_VCOV_CR1};
  for (int v = 0; v < 5; v++)
    for (int wt = 0; wt < 2; wt++) {
      specopt o = {CAUSAL_REGRESS_OLS, vc[v], 0, wt, 0,
                   vc[v] >= CAUSAL_VCOV_CR0};
      check_spec(&o, 700, 6, wt);
    }
}

static void test_ols_conventions(void **st) {
  (void)st;
  int ssc[] = {CAUSAL_SSC_R, CAUSAL_SSC_STATA, CAUSAL_SSC_STATSMODELS,
               CAUSAL_SSC_FIXEST};
  for (int s = 0; s < 4; s++) {
    specopt o = {CAUSAL_REGRESS_OLS, CAUSAL_VCOV_HC1, ssc[s], 1, 0, 0};
    check_spec(&o, 300, 2, 0);
    specopt c = {CAUSAL_REGRESS_OLS, CAUSAL_VCOV_CR1, ssc[s], 0, 0, 1};
    check_spec(&c, 300, 2, 0);
  }
}

static void test_logit(void **st) {
  (void)st;
  int vc[] = {CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC0, CAUSAL_VCOV_HC1,
              CAUSAL_VCOV_CR0, CAUSAL_VCOV_CR1};
  for (int v = 0; v < 5; v++)
    for (int var = 0; var < 3; var++) {
      specopt o = {CAUSAL_REGRESS_LOGIT, vc[v], 0, var == 1, var == 2,
                   vc[v] >= CAUSAL_VCOV_CR0};
      check_spec(&o, 900, 3, var == 1);
    }
  specopt s = {CAUSAL_REGRESS_LOGIT, CAUSAL_VCOV_HC1, CAUSAL_SSC_STATA, 1, 1,
               0};
  check_spec(&s, 500, 2, 0);
}

/* Rank deficiency: x3 = 2 x1 is dropped by name, as in memory. */
static void test_rank(void **st) {
  (void)st;
  data d;
  data_make(&d, 200, 99, 0);
  causal_dataset *ds = NULL;
  assert_ok(make_ds(&ds, &d, 0, 200));
  double *x3 = malloc(200 * sizeof *x3);
  for (int i = 0; i < 200; i++)
    x3[i] = 2 * d.x1[i];
  assert_ok(causal_dataset_add_f64(ds, "x3", x3, NULL, 200, CAUSAL_COPY));
  for (int fam = 1; fam <= 2; fam++) {
    causal_regress *m = NULL;
    assert_ok(causal_regress_new(&m, fam));
    assert_ok(causal_regress_set_outcome(m, fam == 1 ? "y" : "yb"));
    assert_ok(causal_regress_add_term(m, "x1"));
    assert_ok(causal_regress_add_term(m, "x3"));
    assert_ok(causal_regress_add_term(m, "g"));
    causal_result *ref = NULL, *s = NULL;
    assert_ok(causal_regress_fit(&ref, m, ds));
    causal_regress_acc *acc = NULL;
    assert_ok(causal_regress_acc_new(&acc, m, ds));
    int done = 0;
    while (!done) {
      assert_ok(causal_regress_acc_update(acc, ds));
      assert_ok(causal_regress_acc_next_pass(acc));
      assert_ok(causal_regress_acc_converged(acc, &done));
    }
    assert_ok(causal_regress_acc_fit(&s, acc));
    compare_fits(s, ref, 1e-10);
    assert_int_equal(causal_result_nwarnings(s), causal_result_nwarnings(ref));
    /* RANK_ERROR names the column */
    assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_RANK, CAUSAL_RANK_ERROR));
    causal_regress_acc *acc2 = NULL;
    assert_ok(causal_regress_acc_new(&acc2, m, ds));
    assert_ok(causal_regress_acc_update(acc2, ds));
    assert_status(causal_regress_acc_next_pass(acc2), CAUSAL_ESINGULAR);
    assert_error_mentions("x");
    causal_regress_acc_free(acc2);
    causal_regress_acc_free(acc);
    causal_result_free(s);
    causal_result_free(ref);
    causal_regress_free(m);
  }
  free(x3);
  causal_dataset_free(ds);
  data_free(&d);
}

/* ---- driver ---------------------------------------------------------------- */
typedef struct drv {
  causal_dataset **chunks;
  size_t nc;
  int64_t passes_seen;
  int fail_at_pass;
} drv;

static int drv_next(void *opaque, int64_t pass, size_t index,
                    const causal_dataset **chunk) {
  drv *d = opaque;
  if (pass > d->passes_seen)
    d->passes_seen = pass;
  if (d->fail_at_pass && pass == d->fail_at_pass)
    return CAUSAL_EIO;
  *chunk = index < d->nc ? d->chunks[index] : NULL;
  return CAUSAL_OK;
}

static void test_driver(void **st) {
  (void)st;
  data d;
  data_make(&d, 600, 5, 0);
  specopt o = {CAUSAL_REGRESS_LOGIT, CAUSAL_VCOV_CR1, 0, 1, 1, 1};
  causal_regress *m = NULL;
  assert_ok(make_spec(&m, &o));
  drv dv = {calloc(6, sizeof(causal_dataset *)), 6, 0, 0};
  for (size_t c = 0; c < 6; c++)
    assert_ok(make_ds(&dv.chunks[c], &d, c * 100, (c + 1) * 100));
  causal_dataset *sch = schema_ds();
  causal_result *s = NULL, *ref = in_memory(m, &d);
  assert_ok(causal_regress_stream_fit(&s, m, sch, drv_next, &dv));
  compare_fits(s, ref, 1e-10);
  double passes;
  assert_ok(causal_result_get_scalar(s, "passes", &passes));
  assert_true(passes == (double)dv.passes_seen && passes >= 3);
  causal_result_free(s);
  /* a failing callback stops the fit with its status */
  dv.fail_at_pass = 2;
  assert_status(causal_regress_stream_fit(&s, m, sch, drv_next, &dv),
                CAUSAL_EIO);
  assert_null(s);
  assert_error_mentions("pass 2");
  assert_status(causal_regress_stream_fit(&s, m, sch, NULL, &dv),
                CAUSAL_EINVAL);
  causal_result_free(ref);
  causal_dataset_free(sch);
  for (size_t c = 0; c < 6; c++)
    causal_dataset_free(dv.chunks[c]);
  free(dv.chunks);
  causal_regress_free(m);
  data_free(&d);
}

/* ---- serialization ----------------------------------------------------- */
static causal_regress_acc *acc_in_pass2(const data *d, int family) {
  specopt o = {family, CAUSAL_VCOV_CR1, 0, 1, family == 2, 1};
  causal_regress *m = NULL;
  assert_ok(make_spec(&m, &o));
  causal_dataset *ds = NULL;
  assert_ok(make_ds(&ds, d, 0, d->n));
  causal_regress_acc *acc = NULL;
  assert_ok(causal_regress_acc_new(&acc, m, ds));
  assert_ok(causal_regress_acc_update(acc, ds));
  assert_ok(causal_regress_acc_next_pass(acc));
  assert_ok(causal_regress_acc_update(acc, ds));
  causal_dataset_free(ds);
  causal_regress_free(m);
  return acc;
}

static void test_serialize(void **st) {
  (void)st;
  data d;
  data_make(&d, 80, 77, 0);
  for (int fam = 1; fam <= 2; fam++) {
    causal_regress_acc *acc = acc_in_pass2(&d, fam), *back = NULL;
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    assert_ok(causal_regress_acc_serialize(acc, &buf, &len));
    assert_ok(causal_regress_acc_deserialize(&back, buf, len));
    assert_ok(causal_regress_acc_serialize(back, &buf2, &len2));
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    causal_free(buf2);
    causal_regress_acc_free(back);
    /* every truncation */
    for (size_t l = 0; l < len; l++) {
      assert_status(causal_regress_acc_deserialize(&back, buf, l),
                    CAUSAL_ECORRUPT);
      assert_null(back);
    }
    /* every bit flip */
    uint8_t *c = malloc(len);
    for (size_t i = 0; i < len; i++)
      for (int b = 0; b < 8; b++) {
        memcpy(c, buf, len);
        c[i] ^= (uint8_t)(1u << b);
        int rc = causal_regress_acc_deserialize(&back, c, len);
        if (rc == CAUSAL_OK)
          fail_msg("bit flip at byte %zu bit %d accepted", i, b);
        assert_true(rc == CAUSAL_ECORRUPT || rc == CAUSAL_EVERSION ||
                    rc == CAUSAL_ETYPE);
      }
    /* a valid envelope around a garbled payload (checksum recomputed):
     * decoding must still fail cleanly, never crash */
    for (size_t i = 16; i + 8 < len; i++) {
      memcpy(c, buf, len);
      c[i] ^= 0x5a;
      uint64_t h = UINT64_C(0xcbf29ce484222325);
      for (size_t j = 0; j < len - 8; j++) {
        h ^= c[j];
        h *= UINT64_C(0x100000001b3);
      }
      for (int j = 0; j < 8; j++)
        c[len - 8 + j] = (uint8_t)(h >> (8 * j));
      int rc = causal_regress_acc_deserialize(&back, c, len);
      if (rc == CAUSAL_OK)
        causal_regress_acc_free(back);
      else
        assert_true(rc == CAUSAL_ECORRUPT || rc == CAUSAL_ENOMEM);
    }
    free(c);
    causal_free(buf);
    causal_regress_acc_free(acc);
  }
  /* another kind */
  causal_moments *mo = NULL;
  uint8_t *mb = NULL;
  size_t ml = 0;
  causal_regress_acc *back = NULL;
  assert_ok(causal_moments_new(&mo, 1));
  assert_ok(causal_moments_serialize(mo, &mb, &ml));
  assert_status(causal_regress_acc_deserialize(&back, mb, ml), CAUSAL_ETYPE);
  assert_error_mentions("moments");
  causal_free(mb);
  causal_moments_free(mo);
  assert_status(causal_regress_acc_deserialize(NULL, mb, ml), CAUSAL_EINVAL);
  data_free(&d);
}

/* ---- bad input --------------------------------------------------------- */
static void test_bad_input(void **st) {
  (void)st;
  data d;
  data_make(&d, 120, 3, 0);
  causal_dataset *ds = NULL;
  assert_ok(make_ds(&ds, &d, 0, 120));
  specopt o = {CAUSAL_REGRESS_OLS, CAUSAL_VCOV_HC1, 0, 0, 0, 0};
  causal_regress *m = NULL;
  assert_ok(make_spec(&m, &o));
  causal_regress_acc *acc = NULL;
  /* NULLs */
  assert_status(causal_regress_acc_new(NULL, m, ds), CAUSAL_EINVAL);
  assert_status(causal_regress_acc_new(&acc, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_regress_acc_new(&acc, m, NULL), CAUSAL_EINVAL);
  assert_null(acc);
  causal_regress_acc_free(NULL);
  /* unsupported specifications */
  {
    causal_regress *u = NULL;
    assert_ok(make_spec(&u, &o));
    assert_ok(causal_regress_add_absorb(u, "g"));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    assert_error_mentions("absorb");
    causal_regress_free(u);
    assert_ok(make_spec(&u, &o));
    assert_ok(causal_regress_set_int(u, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_HC3));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    assert_error_mentions("HC3");
    assert_ok(causal_regress_set_int(u, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_CR1));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    assert_error_mentions("cluster");
    assert_ok(causal_regress_add_cluster(u, "cl"));
    assert_ok(causal_regress_add_cluster(u, "g"));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    assert_error_mentions("two-way");
    causal_regress_free(u);
    assert_ok(causal_regress_new(&u, CAUSAL_REGRESS_IV));
    assert_ok(causal_regress_set_outcome(u, "y"));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    causal_regress_free(u);
    assert_ok(causal_regress_new(&u, CAUSAL_REGRESS_OLS));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_EINVAL);
    assert_error_mentions("outcome");
    assert_ok(causal_regress_set_outcome(u, "g"));
    assert_ok(causal_regress_add_term(u, "x1"));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_ETYPE);
    assert_ok(causal_regress_set_outcome(u, "nope"));
    assert_status(causal_regress_acc_new(&acc, u, ds), CAUSAL_ENOTFOUND);
    assert_error_mentions("nope");
    causal_regress_free(u);
  }
  assert_ok(causal_regress_acc_new(&acc, m, ds));
  /* a chunk without a column */
  causal_dataset *sel = NULL;
  const char *keep[] = {"y", "x1", "g"};
  assert_ok(causal_dataset_select(&sel, ds, keep, 3));
  assert_status(causal_regress_acc_update(acc, sel), CAUSAL_ENOTFOUND);
  assert_error_mentions("x2");
  causal_dataset_free(sel);
  /* categorical in the schema, numeric in the chunk */
  causal_dataset *bad = NULL;
  assert_ok(causal_dataset_new(&bad));
  double one[3] = {1, 2, 3};
  const char *gv[3] = {"a", "b", "e"};
  assert_ok(causal_dataset_add_f64(bad, "y", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x1", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x2", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "g", one, NULL, 3, CAUSAL_COPY));
  assert_status(causal_regress_acc_update(acc, bad), CAUSAL_ETYPE);
  assert_error_mentions("'g'");
  causal_dataset_free(bad);
  /* an unseen level */
  assert_ok(causal_dataset_new(&bad));
  assert_ok(causal_dataset_add_f64(bad, "y", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x1", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x2", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(bad, "g", gv, 3));
  assert_status(causal_regress_acc_update(acc, bad), CAUSAL_EINVAL);
  assert_error_mentions("level 'e'");
  assert_error_mentions("row 2");
  causal_dataset_free(bad);
  /* infinity */
  assert_ok(causal_dataset_new(&bad));
  double inf[3] = {1, INFINITY, 3};
  assert_ok(causal_dataset_add_f64(bad, "y", one, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x1", inf, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(bad, "x2", one, NULL, 3, CAUSAL_COPY));
  const char *gv2[3] = {"a", "b", "a"};
  assert_ok(causal_dataset_add_strings(bad, "g", gv2, 3));
  assert_status(causal_regress_acc_update(acc, bad), CAUSAL_ENONFINITE);
  assert_error_mentions("x1");
  /* the failed updates left the state empty */
  assert_status(causal_regress_acc_next_pass(acc), CAUSAL_EINVAL);
  assert_error_mentions("no rows");
  /* fit before the passes are done */
  causal_result *r = NULL;
  assert_ok(causal_regress_acc_update(acc, ds));
  assert_status(causal_regress_acc_fit(&r, acc), CAUSAL_EINVAL);
  assert_null(r);
  assert_ok(causal_regress_acc_next_pass(acc));
  int done = 1;
  assert_ok(causal_regress_acc_converged(acc, &done));
  assert_int_equal(done, 0);
  int64_t pass = 0;
  assert_ok(causal_regress_acc_pass(acc, &pass));
  assert_int_equal(pass, 2);
  /* pass 2 with other rows */
  causal_dataset *half = NULL;
  int64_t idx[60];
  for (int i = 0; i < 60; i++)
    idx[i] = i;
  assert_ok(causal_dataset_subset_rows(&half, ds, idx, 60));
  assert_ok(causal_regress_acc_update(acc, half));
  assert_status(causal_regress_acc_next_pass(acc), CAUSAL_EINVAL);
  assert_error_mentions("same data");
  /* merging: other spec, other pass, self */
  causal_regress_acc *o2 = NULL, *o3 = NULL;
  assert_ok(causal_regress_acc_new(&o2, m, ds));
  assert_status(causal_regress_acc_merge(acc, o2), CAUSAL_EINVAL);
  assert_error_mentions("different passes");
  assert_status(causal_regress_acc_merge(acc, acc), CAUSAL_EINVAL);
  specopt o_cl = {CAUSAL_REGRESS_OLS, CAUSAL_VCOV_CR1, 0, 0, 0, 1};
  causal_regress *m2 = NULL;
  assert_ok(make_spec(&m2, &o_cl));
  assert_ok(causal_regress_acc_new(&o3, m2, ds));
  assert_status(causal_regress_acc_merge(o2, o3), CAUSAL_EINVAL);
  assert_error_mentions("cluster");
  causal_regress_free(m2);
  causal_regress_acc_free(o3);
  specopt o_w = {CAUSAL_REGRESS_OLS, CAUSAL_VCOV_HC1, 0, 1, 0, 0};
  assert_ok(make_spec(&m2, &o_w));
  assert_ok(causal_regress_acc_new(&o3, m2, ds));
  assert_status(causal_regress_acc_merge(o2, o3), CAUSAL_EINVAL);
  assert_error_mentions("weights");
  causal_regress_free(m2);
  causal_regress_acc_free(o3);
  /* same pass 2, but from a different pass-1 state */
  assert_ok(causal_regress_acc_update(o2, half));
  assert_ok(causal_regress_acc_next_pass(o2));
  assert_status(causal_regress_acc_merge(acc, o2), CAUSAL_EINVAL);
  assert_error_mentions("same merged state");
  causal_regress_acc_free(o2);
  causal_dataset_free(half);
  causal_regress_acc_free(acc);
  /* update / next_pass after completion */
  causal_regress *mc = NULL;
  assert_ok(causal_regress_new(&mc, CAUSAL_REGRESS_OLS));
  assert_ok(causal_regress_set_outcome(mc, "y"));
  assert_ok(causal_regress_add_term(mc, "x1"));
  assert_ok(causal_regress_acc_new(&acc, mc, ds));
  assert_ok(causal_regress_acc_update(acc, ds));
  assert_ok(causal_regress_acc_next_pass(acc));
  assert_ok(causal_regress_acc_converged(acc, &done));
  assert_int_equal(done, 1);
  assert_status(causal_regress_acc_update(acc, ds), CAUSAL_EINVAL);
  assert_error_mentions("complete");
  assert_status(causal_regress_acc_next_pass(acc), CAUSAL_EINVAL);
  causal_regress_acc_free(acc);
  /* logit: y not 0/1; constant y */
  causal_regress_free(mc);
  assert_ok(causal_regress_new(&mc, CAUSAL_REGRESS_LOGIT));
  assert_ok(causal_regress_set_outcome(mc, "y"));
  assert_ok(causal_regress_add_term(mc, "x1"));
  assert_ok(causal_regress_acc_new(&acc, mc, ds));
  assert_status(causal_regress_acc_update(acc, ds), CAUSAL_EINVAL);
  assert_error_mentions("{0, 1}");
  causal_regress_acc_free(acc);
  assert_ok(causal_regress_set_outcome(mc, "yb"));
  assert_ok(causal_regress_acc_new(&acc, mc, ds));
  causal_dataset *ones = NULL;
  int64_t pos[50];
  size_t np = 0;
  for (size_t i = 0; i < 120 && np < 50; i++)
    if (d.yb[i] == 1)
      pos[np++] = (int64_t)i;
  assert_ok(causal_dataset_subset_rows(&ones, ds, pos, np));
  assert_ok(causal_regress_acc_update(acc, ones));
  assert_status(causal_regress_acc_next_pass(acc), CAUSAL_EINVAL);
  assert_error_mentions("constant");
  causal_dataset_free(ones);
  causal_regress_acc_free(acc);
  causal_regress_free(mc);
  causal_dataset_free(bad);
  causal_regress_free(m);
  causal_dataset_free(ds);
  data_free(&d);
}

/* Separated data do not converge: ENOCONV with the hint. */
static void test_separation(void **st) {
  (void)st;
  double x[40], y[40];
  for (int i = 0; i < 40; i++) {
    x[i] = i;
    y[i] = i >= 20;
  }
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 40, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, 40, CAUSAL_COPY));
  causal_regress *m = NULL;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_LOGIT));
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  causal_regress_acc *acc = NULL;
  assert_ok(causal_regress_acc_new(&acc, m, ds));
  int rc = CAUSAL_OK;
  for (int p = 0; p < 100 && rc == CAUSAL_OK; p++) {
    assert_ok(causal_regress_acc_update(acc, ds));
    rc = causal_regress_acc_next_pass(acc);
  }
  assert_true(rc == CAUSAL_ENOCONV || rc == CAUSAL_ESINGULAR);
  assert_error_mentions("separat");
  causal_regress_acc_free(acc);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

/* ---- out of memory ----------------------------------------------------- */
typedef struct oomarg {
  const data *d;
  int family;
} oomarg;

static int oom_run(void *p) {
  const oomarg *o = p;
  specopt so = {o->family, CAUSAL_VCOV_CR1, 0, 1, 0, 1};
  causal_regress *m = NULL;
  causal_dataset *c1 = NULL, *c2 = NULL;
  causal_regress_acc *a = NULL, *b = NULL, *back = NULL;
  causal_result *r = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = make_spec(&m, &so);
  if (rc == CAUSAL_OK)
    rc = make_ds(&c1, o->d, 0, 20);
  if (rc == CAUSAL_OK)
    rc = make_ds(&c2, o->d, 20, o->d->n);
  if (rc == CAUSAL_OK)
    rc = causal_regress_acc_new(&a, m, c1);
  int done = 0;
  while (rc == CAUSAL_OK && !done) {
    rc = causal_regress_acc_clone(&b, a);
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_update(a, c1);
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_update(b, c2);
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_merge(a, b);
    causal_regress_acc_free(b);
    b = NULL;
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_serialize(a, &buf, &len);
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_deserialize(&back, buf, len);
    causal_free(buf);
    buf = NULL;
    if (rc == CAUSAL_OK) {
      causal_regress_acc_free(a);
      a = back;
      back = NULL;
      rc = causal_regress_acc_next_pass(a);
    }
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_converged(a, &done);
  }
  if (rc == CAUSAL_OK)
    rc = causal_regress_acc_fit(&r, a);
  causal_result_free(r);
  causal_regress_acc_free(a);
  causal_dataset_free(c1);
  causal_dataset_free(c2);
  causal_regress_free(m);
  return rc;
}

static void test_oom(void **st) {
  (void)st;
  data d;
  data_make(&d, 60, 11, 0);
  oomarg o = {&d, CAUSAL_REGRESS_OLS};
  cz_oom_sweep(oom_run, &o);
  o.family = CAUSAL_REGRESS_LOGIT;
  cz_oom_sweep(oom_run, &o);
  data_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ols),        cmocka_unit_test(test_ols_conventions),
      cmocka_unit_test(test_logit),      cmocka_unit_test(test_rank),
      cmocka_unit_test(test_driver),     cmocka_unit_test(test_serialize),
      cmocka_unit_test(test_bad_input),  cmocka_unit_test(test_separation),
      cmocka_unit_test(test_oom),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  printf("largest relative difference to the in-memory fit: coefficients "
         "%.2g, standard errors %.2g\n",
         worst_coef, worst_se);
  return rc;
}
