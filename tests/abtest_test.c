/* Tests for the A/B testing module (include/causal/abtest.h). */
#include "testutil.h"

#include "internal/abtest.h"
#include "internal/dist.h"
#include "internal/rng.h"

/* ---- per-arm sufficient statistics ---------------------------------------- */

/* Deterministic pseudo-data: y, d, two covariates (x2 has NaNs). */
static void make_units(size_t n, double *y, double *d, double *x) {
  for (size_t i = 0; i < n; i++) {
    double u = (double)((i * 7919u) % 1000u) / 1000.0;
    double v = (double)((i * 104729u) % 997u) / 997.0;
    x[i] = 1e6 + 3 * u; /* large offset: tests the centred update */
    x[i + n] = (i % 5 == 0) ? NAN : v * v;
    d[i] = 1 + (double)(i % 4);
    y[i] = 2 * d[i] + u - v + 1e-3 * (double)i;
  }
}

static void naive_cov(size_t n, const double *a, const double *b, double *ma,
                      double *mb, double *c) {
  long double sa = 0, sb = 0, s = 0;
  for (size_t i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  *ma = (double)(sa / n);
  *mb = (double)(sb / n);
  for (size_t i = 0; i < n; i++)
    s += ((long double)a[i] - sa / n) * ((long double)b[i] - sb / n);
  *c = (double)s;
}

static void test_abstats_update_merge(void **state) {
  (void)state;
  enum { N = 1003 };
  static double y[N], d[N], x[2 * N];
  make_units(N, y, d, x);
  /* layout y, d, x1 (no missing covariate) */
  causal_abstats *a, *b, *c;
  assert_ok(causal_abstats_new(&a, CAUSAL_ABSTATS_RATIO, 1));
  assert_int_equal(causal_abstats_nvars(a), 3);
  assert_int_equal(causal_abstats_ncov(a), 1);
  assert_int_equal(causal_abstats_flags(a), CAUSAL_ABSTATS_RATIO);
  assert_ok(causal_abstats_update(a, y, d, x, N, N));
  assert_int_equal(causal_abstats_count(a), N);
  assert_int_equal(causal_abstats_is_binary(a), 0);
  /* chunks of uneven sizes merged in another order */
  assert_ok(causal_abstats_new(&b, CAUSAL_ABSTATS_RATIO, 1));
  assert_ok(causal_abstats_new(&c, CAUSAL_ABSTATS_RATIO, 1));
  assert_ok(causal_abstats_update(b, y, d, x, N, 100));
  assert_ok(causal_abstats_update(c, y + 100, d + 100, x + 100, N, 600));
  assert_ok(causal_abstats_update(c, y + 700, d + 700, x + 700, N, N - 700));
  assert_ok(causal_abstats_merge(c, b));
  double ma[3], mc[3], Ca[9], Cc[9];
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_MEAN, ma, 3));
  assert_ok(causal_abstats_get(c, CAUSAL_ABSTATS_MEAN, mc, 3));
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_COMOMENT, Ca, 9));
  assert_ok(causal_abstats_get(c, CAUSAL_ABSTATS_COMOMENT, Cc, 9));
  const double *cols[3] = {y, d, x};
  for (int j = 0; j < 3; j++) {
    assert_close(mc[j], ma[j], 1e-14);
    for (int k = 0; k < 3; k++) {
      double m1, m2, cjk;
      naive_cov(N, cols[j], cols[k], &m1, &m2, &cjk);
      assert_close(ma[j], m1, 1e-14);
      assert_close(Ca[j + 3 * k], cjk, 1e-11);
      /* merges lose ~|mean| * eps / sd relative: x has mean 1e6, sd 1 */
      assert_close(Cc[j + 3 * k], cjk, 1e-9);
    }
  }
  /* from_aggregates with the raw sums gives the same state */
  double S[3], X[9], n1;
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_N, &n1, 1));
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_SUM, S, 3));
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_CROSSPROD, X, 9));
  causal_abstats *g;
  assert_ok(causal_abstats_from_aggregates(&g, CAUSAL_ABSTATS_RATIO, 1, N, S,
                                           X));
  double mg[3], Cg[9], v[3], ss[3];
  assert_ok(causal_abstats_get(g, CAUSAL_ABSTATS_MEAN, mg, 3));
  assert_ok(causal_abstats_get(g, CAUSAL_ABSTATS_COMOMENT, Cg, 9));
  assert_ok(causal_abstats_get(g, CAUSAL_ABSTATS_VAR, v, 3));
  assert_ok(causal_abstats_get(g, CAUSAL_ABSTATS_SUMSQ, ss, 3));
  for (int j = 0; j < 3; j++) {
    assert_close(mg[j], ma[j], 1e-14);
    assert_close(v[j], Cg[j + 3 * j] / (N - 1), 1e-15);
    assert_close(ss[j], X[j + 3 * j], 1e-15);
  }
  /* y and d have moderate means: the raw-sum route keeps ~12 digits */
  assert_close(Cg[0], Ca[0], 1e-10);
  assert_close(Cg[1 + 3], Ca[1 + 3], 1e-10);
  /* layout mismatch */
  causal_abstats *p1;
  assert_ok(causal_abstats_new(&p1, 0, 0));
  assert_status(causal_abstats_merge(a, p1), CAUSAL_EDIM);
  assert_error_mentions("layouts differ");
  /* self-merge doubles */
  assert_ok(causal_abstats_merge(a, a));
  assert_int_equal(causal_abstats_count(a), 2 * N);
  double Ca2[9];
  assert_ok(causal_abstats_get(a, CAUSAL_ABSTATS_COMOMENT, Ca2, 9));
  assert_close(Ca2[0], 2 * Ca[0], 1e-15);
  /* clone, reset */
  causal_abstats *cl;
  assert_ok(causal_abstats_clone(&cl, c));
  assert_int_equal(causal_abstats_count(cl), N);
  assert_ok(causal_abstats_reset(cl));
  assert_int_equal(causal_abstats_count(cl), 0);
  assert_status(causal_abstats_get(cl, CAUSAL_ABSTATS_MEAN, mg, 3),
                CAUSAL_EINVAL);
  assert_error_mentions("empty");
  causal_abstats_free(cl);
  causal_abstats_free(a);
  causal_abstats_free(b);
  causal_abstats_free(c);
  causal_abstats_free(g);
  causal_abstats_free(p1);
}

static void test_abstats_missing_indicator(void **state) {
  (void)state;
  enum { N = 50 };
  double y[N], d[N], x[2 * N];
  make_units(N, y, d, x);
  causal_abstats *s;
  /* NaN covariate without the indicator layout: error naming the cell */
  assert_ok(causal_abstats_new(&s, 0, 2));
  assert_status(causal_abstats_update(s, y, NULL, x, N, N), CAUSAL_ENONFINITE);
  assert_error_mentions("x[0, 1]");
  assert_int_equal(causal_abstats_count(s), 0);
  causal_abstats_free(s);
  assert_ok(causal_abstats_new(&s, CAUSAL_ABSTATS_MISSING_INDICATOR, 2));
  assert_int_equal(causal_abstats_nvars(s), 5);
  assert_ok(causal_abstats_update(s, y, NULL, x, N, N));
  double m[5];
  assert_ok(causal_abstats_get(s, CAUSAL_ABSTATS_MEAN, m, 5));
  assert_close(m[3], 0.0 + 0.0, 0); /* x1 never missing */
  assert_close(m[4], 10.0 / N, 1e-15);
  double s2 = 0;
  for (size_t i = 0; i < N; i++)
    s2 += isnan(x[i + N]) ? 0 : x[i + N];
  assert_close(m[2], s2 / N, 1e-14);
  /* +Inf is not "missing" */
  x[N + 3] = INFINITY;
  assert_status(causal_abstats_update(s, y, NULL, x, N, N), CAUSAL_ENONFINITE);
  assert_error_mentions("only NaN marks");
  causal_abstats_free(s);
}

static void test_abstats_counts_binary(void **state) {
  (void)state;
  causal_abstats *s, *u;
  assert_ok(causal_abstats_from_counts(&s, 30, 100));
  assert_int_equal(causal_abstats_is_binary(s), 1);
  double y[100];
  for (int i = 0; i < 100; i++)
    y[i] = i < 30 ? 1 : 0;
  assert_ok(causal_abstats_new(&u, 0, 0));
  assert_int_equal(causal_abstats_is_binary(u), 0); /* empty */
  assert_ok(causal_abstats_update(u, y, NULL, NULL, 0, 100));
  assert_int_equal(causal_abstats_is_binary(u), 1);
  double a[2], b[2];
  assert_ok(causal_abstats_get(s, CAUSAL_ABSTATS_VAR, a, 1));
  assert_ok(causal_abstats_get(u, CAUSAL_ABSTATS_VAR, b, 1));
  assert_close(a[0], b[0], 1e-15);
  assert_close(a[0], 0.3 * 0.7 * 100 / 99, 1e-15);
  assert_ok(causal_abstats_merge(u, s));
  assert_int_equal(causal_abstats_is_binary(u), 1);
  y[0] = 0.5;
  assert_ok(causal_abstats_update(u, y, NULL, NULL, 0, 1));
  assert_int_equal(causal_abstats_is_binary(u), 0);
  causal_abstats_free(u);
  causal_abstats_free(s);
  /* from_sums: binary detection */
  assert_ok(causal_abstats_from_sums(&s, 10, 4, 4));
  assert_int_equal(causal_abstats_is_binary(s), 1);
  causal_abstats_free(s);
  assert_ok(causal_abstats_from_sums(&s, 10, 4, 5));
  assert_int_equal(causal_abstats_is_binary(s), 0);
  causal_abstats_free(s);
  /* zero-variance aggregate is accepted (constant metric) */
  assert_ok(causal_abstats_from_sums(&s, 4, 8, 16));
  assert_ok(causal_abstats_get(s, CAUSAL_ABSTATS_VAR, a, 1));
  assert_true(a[0] == 0);
  causal_abstats_free(s);
}

static void test_abstats_errors(void **state) {
  (void)state;
  causal_abstats *s = (causal_abstats *)1;
  assert_status(causal_abstats_new(NULL, 0, 0), CAUSAL_EINVAL);
  assert_status(causal_abstats_new(&s, 4, 0), CAUSAL_ERANGE);
  assert_null(s);
  assert_status(causal_abstats_new(&s, CAUSAL_ABSTATS_MISSING_INDICATOR, 0),
                CAUSAL_EINVAL);
  assert_status(causal_abstats_new(&s, 0, 5000), CAUSAL_ERANGE);
  assert_status(causal_abstats_from_counts(&s, 5, 3), CAUSAL_ERANGE);
  assert_error_mentions("exceeds trials");
  assert_status(causal_abstats_from_counts(&s, -1, 3), CAUSAL_ERANGE);
  assert_error_mentions("successes = -1");
  assert_status(causal_abstats_from_counts(&s, 0, -3), CAUSAL_ERANGE);
  assert_error_mentions("trials = -3");
  assert_status(causal_abstats_from_sums(&s, -2, 0, 0), CAUSAL_ERANGE);
  assert_status(causal_abstats_from_sums(&s, 0, 1, 1), CAUSAL_EINVAL);
  assert_error_mentions("n = 0");
  assert_status(causal_abstats_from_sums(&s, 10, 10, 5), CAUSAL_EINVAL);
  assert_error_mentions("negative variance");
  assert_status(causal_abstats_from_sums(&s, 10, NAN, 5), CAUSAL_ENONFINITE);
  double sums[2] = {1, 2}, cp[4] = {1, 2, 3, 4};
  assert_status(causal_abstats_from_aggregates(&s, CAUSAL_ABSTATS_RATIO, 0, 5,
                                               sums, cp),
                CAUSAL_EINVAL);
  assert_error_mentions("not symmetric");
  assert_null(s);
  /* n = 0 aggregate: an empty arm is representable (analyses reject it) */
  double z[1] = {0};
  assert_ok(causal_abstats_from_aggregates(&s, 0, 0, 0, z, z));
  assert_int_equal(causal_abstats_count(s), 0);
  double v;
  assert_ok(causal_abstats_get(s, CAUSAL_ABSTATS_N, &v, 1));
  assert_status(causal_abstats_get(s, CAUSAL_ABSTATS_N, &v, 2), CAUSAL_EDIM);
  assert_status(causal_abstats_get(s, 99, &v, 1), CAUSAL_ERANGE);
  assert_status(causal_abstats_get(s, CAUSAL_ABSTATS_SUM, NULL, 1),
                CAUSAL_EINVAL);
  double y[3] = {1, NAN, 2}, dd[3] = {1, 1, 1};
  assert_status(causal_abstats_update(s, y, NULL, NULL, 0, 3),
                CAUSAL_ENONFINITE);
  assert_error_mentions("y[1]");
  assert_status(causal_abstats_update(s, y, dd, NULL, 0, 3), CAUSAL_EINVAL);
  assert_error_mentions("no denominator");
  assert_ok(causal_abstats_update(s, y, NULL, NULL, 0, 1));
  assert_status(causal_abstats_get(s, CAUSAL_ABSTATS_VAR, &v, 1),
                CAUSAL_EINVAL);
  assert_error_mentions("n >= 2");
  assert_ok(causal_abstats_update(s, NULL, NULL, NULL, 0, 0));
  causal_abstats_free(s);
  assert_ok(causal_abstats_new(&s, CAUSAL_ABSTATS_RATIO, 1));
  assert_status(causal_abstats_update(s, y, NULL, dd, 3, 3), CAUSAL_EINVAL);
  assert_error_mentions("d is NULL");
  assert_status(causal_abstats_update(s, y, dd, NULL, 3, 3), CAUSAL_EINVAL);
  assert_error_mentions("x is NULL");
  assert_status(causal_abstats_update(s, dd, dd, dd, 2, 3), CAUSAL_EDIM);
  assert_error_mentions("ldx");
  causal_abstats_free(s);
  causal_abstats_free(NULL);
  assert_int_equal(causal_abstats_nvars(NULL), 0);
  assert_int_equal(causal_abstats_count(NULL), 0);
}

static void test_abstats_serialize(void **state) {
  (void)state;
  enum { N = 40 };
  double y[N], d[N], x[2 * N];
  make_units(N, y, d, x);
  causal_abstats *s, *t;
  assert_ok(causal_abstats_new(&s, CAUSAL_ABSTATS_RATIO |
                                       CAUSAL_ABSTATS_MISSING_INDICATOR,
                               2));
  assert_ok(causal_abstats_update(s, y, d, x, N, N));
  uint8_t *buf;
  size_t len;
  assert_ok(causal_abstats_serialize(s, &buf, &len));
  assert_ok(causal_abstats_deserialize(&t, buf, len));
  size_t p = causal_abstats_nvars(t);
  assert_int_equal(p, 6);
  double a[36], b[36];
  assert_ok(causal_abstats_get(s, CAUSAL_ABSTATS_COMOMENT, a, 36));
  assert_ok(causal_abstats_get(t, CAUSAL_ABSTATS_COMOMENT, b, 36));
  assert_memory_equal(a, b, sizeof a);
  assert_int_equal(causal_abstats_count(t), N);
  causal_abstats_free(t);
  /* every single-byte corruption and every truncation is rejected */
  for (size_t i = 0; i < len; i++) {
    buf[i] ^= 0x10;
    int rc = causal_abstats_deserialize(&t, buf, len);
    assert_true(rc == CAUSAL_ECORRUPT || rc == CAUSAL_EVERSION ||
                rc == CAUSAL_ETYPE);
    assert_null(t);
    buf[i] ^= 0x10;
  }
  for (size_t l = 0; l < len; l++)
    assert_true(causal_abstats_deserialize(&t, buf, l) != CAUSAL_OK);
  causal_free(buf);
  /* a moments buffer is the wrong kind */
  causal_moments *m;
  assert_ok(causal_moments_new(&m, 1));
  assert_ok(causal_moments_update(m, y, N, 1, 1, NULL));
  assert_ok(causal_moments_serialize(m, &buf, &len));
  assert_status(causal_abstats_deserialize(&t, buf, len), CAUSAL_ETYPE);
  assert_error_mentions("abstats");
  causal_free(buf);
  causal_moments_free(m);
  assert_status(causal_abstats_serialize(s, NULL, &len), CAUSAL_EINVAL);
  causal_abstats_free(s);
}

static int oom_abstats(void *arg) {
  (void)arg;
  double y[4] = {1, 2, 3, 4}, S[2] = {1, 2}, X[4] = {1, 1, 1, 4};
  causal_abstats *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  uint8_t *buf = NULL;
  size_t len;
  int rc = causal_abstats_new(&a, 0, 1);
  if (rc == 0)
    rc = causal_abstats_update(a, y, NULL, y, 4, 4);
  if (rc == 0)
    rc = causal_abstats_clone(&b, a);
  if (rc == 0)
    rc = causal_abstats_from_aggregates(&c, 0, 1, 2, S, X);
  if (rc == 0)
    rc = causal_abstats_from_counts(&d, 1, 2);
  if (rc == 0)
    rc = causal_abstats_serialize(a, &buf, &len);
  if (rc == 0)
    rc = causal_abstats_deserialize(&e, buf, len);
  causal_free(buf);
  causal_abstats_free(a);
  causal_abstats_free(b);
  causal_abstats_free(c);
  causal_abstats_free(d);
  causal_abstats_free(e);
  return rc;
}

static void test_abstats_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_abstats, NULL);
}


static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* ---- reference data ---------------------------------------------------------- */

typedef struct kv {
  char key[96];
  double v;
} kv;
static kv *refs[2];
static size_t nrefs[2];

static void load_refs(int which, const char *rel) {
  if (refs[which])
    return;
  FILE *f = fopen(cz_test_path(rel), "r");
  assert_non_null(f);
  size_t cap = 1024;
  refs[which] = malloc(cap * sizeof(kv));
  char key[96];
  double v;
  while (fscanf(f, "%95s %lf", key, &v) == 2) {
    if (nrefs[which] == cap)
      refs[which] = realloc(refs[which], (cap *= 2) * sizeof(kv));
    strcpy(refs[which][nrefs[which]].key, key);
    refs[which][nrefs[which]++].v = v;
  }
  fclose(f);
}

/* Reference value by key from the R (0) or Python (1) file; NAN if absent
 * and !required. */
static double refv(int which, const char *fmt, ...) {
  char key[96];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(key, sizeof key, fmt, ap);
  va_end(ap);
  load_refs(0, "data/abtest_reference.txt");
  load_refs(1, "data/abtest_reference_py.txt");
  for (size_t i = 0; i < nrefs[which]; i++)
    if (strcmp(refs[which][i].key, key) == 0)
      return refs[which][i].v;
  return NAN;
}

/* Units of data/abtest_units.csv. */
enum { NU_MAX = 2000 };
static char u_arm[NU_MAX];
static double u_y[NU_MAX], u_d[NU_MAX], u_x[2 * NU_MAX];
static size_t n_units;

static void load_units(void) {
  if (n_units)
    return;
  FILE *f = fopen(cz_test_path("data/abtest_units.csv"), "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f)) {
    char *p = line, *e;
    u_arm[n_units] = p[0];
    p += 2;
    u_y[n_units] = strtod(p, &e);
    u_d[n_units] = strtod(e + 1, &e);
    u_x[n_units] = strtod(e + 1, &e);
    p = e + 1;
    u_x[NU_MAX + n_units] = strncmp(p, "NA", 2) == 0 ? NAN : strtod(p, &e);
    n_units++;
  }
  fclose(f);
}

/* Arm state from the units: flags/ncov select the layout; covariates
 * x1 (and x2 if ncov == 2). */
static causal_abstats *arm_stats(char g, int flags, size_t ncov) {
  load_units();
  static double y[NU_MAX], d[NU_MAX], x[2 * NU_MAX];
  size_t k = 0;
  for (size_t i = 0; i < n_units; i++)
    if (u_arm[i] == g) {
      y[k] = u_y[i];
      d[k] = u_d[i];
      x[k] = u_x[i];
      x[NU_MAX + k] = u_x[NU_MAX + i];
      k++;
    }
  causal_abstats *s;
  assert_ok(causal_abstats_new(&s, flags, ncov));
  assert_ok(causal_abstats_update(s, y, (flags & CAUSAL_ABSTATS_RATIO) ? d : NULL,
                                  ncov ? x : NULL, NU_MAX, k));
  return s;
}

static double res_scalar(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

/* ---- proportions ---------------------------------------------------------------- */

static const char *ALT[3] = {"two.sided", "greater", "less"};

static void test_proportions_reference(void **state) {
  (void)state;
  FILE *f = fopen(cz_test_path("data/abtest_props.csv"), "r");
  assert_non_null(f);
  char line[256], name[16];
  assert_non_null(fgets(line, sizeof line, f));
  long xc, nc, xt, nt;
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_PROPORTION));
  int ncases = 0;
  while (fscanf(f, "%15[^,],%ld,%ld,%ld,%ld\n", name, &xc, &nc, &xt, &nt) == 5) {
    ncases++;
    causal_abstats *c, *tr;
    assert_ok(causal_abstats_from_counts(&c, xc, nc));
    assert_ok(causal_abstats_from_counts(&tr, xt, nt));
    double o[CAUSAL_AB_NOUT];
    /* chi-square = prop.test, every alternative, with and without Yates */
    assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_CHISQ));
    for (int a = 0; a < 3; a++)
      for (int cor = 1; cor >= 0; cor--) {
        char k[64];
        snprintf(k, sizeof k, "%s.chisq.%s.%d", name, ALT[a], cor);
        assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, a));
        assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CORRECT, cor));
        assert_ok(causal_abtest_compare_values(t, c, tr, o, CAUSAL_AB_NOUT));
        assert_close(o[CAUSAL_AB_OUT_STATISTIC], refv(0, "%s.statistic", k), 1e-12);
        assert_close(o[CAUSAL_AB_OUT_P_VALUE], refv(0, "%s.p_value", k), 1e-11);
        assert_close(o[CAUSAL_AB_OUT_CONF_LOW], refv(0, "%s.conf_low", k), 1e-12);
        assert_close(o[CAUSAL_AB_OUT_CONF_HIGH], refv(0, "%s.conf_high", k), 1e-12);
        double py = refv(1, "%s.statistic", k);
        if (!isnan(py)) {
          assert_close(o[CAUSAL_AB_OUT_STATISTIC], py, 1e-12);
          assert_close(o[CAUSAL_AB_OUT_P_VALUE], refv(1, "%s.p_value", k), 1e-11);
        }
      }
    assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CORRECT, 1));
    /* Fisher: p-values (R and scipy), odds ratio and its interval */
    assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_FISHER));
    for (int a = 0; a < 3; a++) {
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, a));
      causal_result *r;
      assert_ok(causal_abtest_compare(t, c, tr, &r));
      double p = res_scalar(r, "p_value");
      assert_close(p, refv(0, "%s.fisher.%s.p_value", name, ALT[a]), 1e-12);
      assert_close(p, refv(1, "%s.fisher.%s.p_value", name, ALT[a]), 1e-11);
      double orr = refv(0, "%s.fisher.odds_ratio", name);
      if (!isnan(orr)) {
        assert_close(res_scalar(r, "odds_ratio"), orr, 1e-9);
        /* fisher.test's own estimate uses uniroot's default tolerance */
        assert_close(res_scalar(r, "odds_ratio"),
                     refv(0, "%s.fisher.%s.odds_ratio_r", name, ALT[a]), 1e-3);
        if (a == 0) {
          assert_close(res_scalar(r, "odds_ratio_conf_low"),
                       refv(0, "%s.fisher.or_low", name), 1e-9);
          assert_close(res_scalar(r, "odds_ratio_conf_high"),
                       refv(0, "%s.fisher.or_high", name), 1e-9);
        }
      } else {
        double e = res_scalar(r, "odds_ratio");
        assert_true(e == 0 || isinf(e));
      }
      causal_result_free(r);
    }
    assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, 0));
    /* z tests with margins (R formulas and statsmodels) */
    const double margins[3] = {0, 0.02, -0.05};
    for (int mi = 0; mi < 3; mi++) {
      char k[64];
      snprintf(k, sizeof k, "%s.z.m%g", name, margins[mi]);
      assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, margins[mi]));
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_Z_POOLED));
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, 0));
      assert_ok(causal_abtest_compare_values(t, c, tr, o, CAUSAL_AB_NOUT));
      assert_close(o[2], refv(0, "%s.pooled_statistic", k), 1e-13);
      assert_close(o[3], refv(0, "%s.pooled_p_value", k), 1e-12);
      assert_close(o[2], refv(1, "%s.pooled_statistic", k), 1e-12);
      assert_close(o[3], refv(1, "%s.pooled_p_value", k), 1e-11);
      assert_close(o[4], refv(0, "%s.conf_low", k), 1e-13);
      assert_close(o[5], refv(0, "%s.conf_high", k), 1e-13);
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, 1));
      assert_ok(causal_abtest_compare_values(t, c, tr, o, CAUSAL_AB_NOUT));
      assert_close(o[3], refv(0, "%s.pooled_p_greater", k), 1e-12);
      assert_close(o[3], refv(1, "%s.pooled_p_greater", k), 1e-11);
      assert_true(isinf(o[5]));
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, 0));
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_Z_UNPOOLED));
      int rc = causal_abtest_compare_values(t, c, tr, o, CAUSAL_AB_NOUT);
      if (rc == CAUSAL_OK) {
        assert_close(o[2], refv(0, "%s.unpooled_statistic", k), 1e-13);
        assert_close(o[3], refv(0, "%s.unpooled_p_value", k), 1e-12);
        double py = refv(1, "%s.unpooled_statistic", k);
        if (!isnan(py)) {
          assert_close(o[2], py, 1e-12);
          assert_close(o[3], refv(1, "%s.unpooled_p_value", k), 1e-11);
        }
      }
    }
    assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, 0));
    assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, 0));
    causal_result *r;
    assert_ok(causal_abtest_compare(t, c, tr, &r));
    assert_close(res_scalar(r, "effect_size"), refv(0, "%s.cohen_h", name), 1e-13);
    causal_result_free(r);
    causal_abstats_free(c);
    causal_abstats_free(tr);
  }
  assert_int_equal(ncases, 6);
  fclose(f);
  causal_abtest_free(t);
}

/* ---- means, lift, effect size ------------------------------------------------------ */

static void test_means_reference(void **state) {
  (void)state;
  causal_abstats *A = arm_stats('A', 0, 0), *B = arm_stats('B', 0, 0);
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  double o[CAUSAL_AB_NOUT];
  for (int a = 0; a < 3; a++)
    for (int mi = 0; mi < 2; mi++) {
      double mu = mi ? 1.5 : 0;
      char k[64];
      snprintf(k, sizeof k, "mean.%s.mu%g", ALT[a], mu);
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, a));
      assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, mu));
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_WELCH));
      assert_ok(causal_abtest_compare_values(t, A, B, o, CAUSAL_AB_NOUT));
      assert_close(o[2], refv(0, "%s.welch.statistic", k), 1e-12);
      assert_close(o[6], refv(0, "%s.welch.df", k), 1e-12);
      assert_close(o[3], refv(0, "%s.welch.p_value", k), 1e-10);
      assert_close(o[2], refv(1, "%s.welch.statistic", k), 1e-12);
      assert_close(o[3], refv(1, "%s.welch.p_value", k), 1e-10);
      assert_close(o[6], refv(1, "%s.welch.df", k), 1e-12);
      if (a != 2)
        assert_close(o[4], refv(0, "%s.welch.conf_low", k), 1e-12);
      if (a != 1)
        assert_close(o[5], refv(0, "%s.welch.conf_high", k), 1e-12);
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_STUDENT));
      assert_ok(causal_abtest_compare_values(t, A, B, o, CAUSAL_AB_NOUT));
      assert_close(o[2], refv(0, "%s.student.statistic", k), 1e-12);
      assert_close(o[3], refv(0, "%s.student.p_value", k), 1e-10);
      assert_close(o[3], refv(1, "%s.student.p_value", k), 1e-10);
      if (a != 2)
        assert_close(o[4], refv(0, "%s.student.conf_low", k), 1e-12);
      if (a != 1)
        assert_close(o[5], refv(0, "%s.student.conf_high", k), 1e-12);
    }
  assert_close(refv(1, "scipy.welch.p_value"), refv(0, "mean.two.sided.mu0.welch.p_value"), 1e-10);
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, 0));
  assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, 0));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, 0));
  causal_result *r;
  assert_ok(causal_abtest_compare(t, A, B, &r));
  assert_close(res_scalar(r, "effect_size"), refv(0, "mean.cohen_d"), 1e-12);
  assert_close(res_scalar(r, "relative_lift"), refv(0, "mean.lift"), 1e-12);
  assert_close(res_scalar(r, "relative_lift_std_error"), refv(0, "mean.lift_se"), 1e-12);
  assert_close(res_scalar(r, "relative_lift_conf_low"), refv(0, "mean.lift_low"), 1e-12);
  assert_close(res_scalar(r, "relative_lift_conf_high"), refv(0, "mean.lift_high"), 1e-12);
  const double *tab;
  size_t nr, ncol;
  assert_ok(causal_result_get_matrix(r, "effect", &tab, &nr, &ncol));
  assert_int_equal(nr, 2);
  assert_close(tab[1], refv(0, "mean.lift"), 1e-12);
  causal_result_free(r);
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_LIFT_CI, CAUSAL_AB_LIFT_FIELLER));
  assert_ok(causal_abtest_compare_values(t, A, B, o, CAUSAL_AB_NOUT));
  assert_close(o[CAUSAL_AB_OUT_LIFT_LOW], refv(0, "mean.fieller_low"), 1e-11);
  assert_close(o[CAUSAL_AB_OUT_LIFT_HIGH], refv(0, "mean.fieller_high"), 1e-11);
  causal_abtest_free(t);
  causal_abstats_free(A);
  causal_abstats_free(B);
}

/* ---- CUPED and ratio metrics ---------------------------------------------------------- */

static void test_cuped_reference(void **state) {
  (void)state;
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 1));
  causal_abstats *A = arm_stats('A', 0, 1), *B = arm_stats('B', 0, 1);
  causal_result *r;
  assert_ok(causal_abtest_compare(t, A, B, &r));
  const double *th;
  size_t q;
  assert_ok(causal_result_get_vector(r, "theta", &th, &q));
  assert_int_equal(q, 1);
  assert_close(th[0], refv(0, "cuped1.theta"), 1e-12);
  assert_close(res_scalar(r, "estimate"), refv(0, "cuped1.estimate"), 1e-11);
  assert_close(res_scalar(r, "statistic"), refv(0, "cuped1.statistic"), 1e-11);
  assert_close(res_scalar(r, "df"), refv(0, "cuped1.df"), 1e-11);
  assert_close(res_scalar(r, "p_value"), refv(0, "cuped1.p_value"), 1e-10);
  assert_close(res_scalar(r, "conf_low"), refv(0, "cuped1.conf_low"), 1e-11);
  assert_close(res_scalar(r, "conf_high"), refv(0, "cuped1.conf_high"), 1e-11);
  assert_close(res_scalar(r, "variance_reduction"), refv(0, "cuped1.variance_reduction"), 1e-11);
  assert_close(res_scalar(r, "imbalance_min_p_value"), refv(0, "cuped1.imbalance_p_value"), 1e-10);
  assert_true(res_scalar(r, "variance_reduction") > 0.3);
  causal_result_free(r);
  causal_abstats_free(A);
  causal_abstats_free(B);
  /* two covariates, x2 partly missing: indicator layout */
  A = arm_stats('A', CAUSAL_ABSTATS_MISSING_INDICATOR, 2);
  B = arm_stats('B', CAUSAL_ABSTATS_MISSING_INDICATOR, 2);
  assert_ok(causal_abtest_compare(t, A, B, &r));
  assert_ok(causal_result_get_vector(r, "theta", &th, &q));
  assert_int_equal(q, 4); /* x1, x2, m1 (never missing: dropped), m2 */
  assert_close(th[0], refv(0, "cupedm.theta1"), 1e-11);
  assert_close(th[1], refv(0, "cupedm.theta2"), 1e-11);
  assert_true(th[2] == 0);
  assert_close(th[3], refv(0, "cupedm.theta3"), 1e-10);
  assert_int_equal(causal_result_nwarnings(r), 1);
  assert_close(res_scalar(r, "estimate"), refv(0, "cupedm.estimate"), 1e-11);
  assert_close(res_scalar(r, "statistic"), refv(0, "cupedm.statistic"), 1e-11);
  assert_close(res_scalar(r, "df"), refv(0, "cupedm.df"), 1e-11);
  assert_close(res_scalar(r, "p_value"), refv(0, "cupedm.p_value"), 1e-10);
  assert_close(res_scalar(r, "variance_reduction"), refv(0, "cupedm.variance_reduction"), 1e-11);
  causal_result_free(r);
  causal_abstats_free(A);
  causal_abstats_free(B);
  /* ratio metric, delta method */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 0));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_RATIO));
  A = arm_stats('A', CAUSAL_ABSTATS_RATIO, 0);
  B = arm_stats('B', CAUSAL_ABSTATS_RATIO, 0);
  double o[CAUSAL_AB_NOUT];
  assert_ok(causal_abtest_compare_values(t, A, B, o, CAUSAL_AB_NOUT));
  assert_close(o[0], refv(0, "ratio.estimate"), 1e-12);
  assert_close(o[1], refv(0, "ratio.std_error"), 1e-12);
  assert_close(o[2], refv(0, "ratio.statistic"), 1e-12);
  assert_close(o[3], refv(0, "ratio.p_value"), 1e-11);
  assert_close(o[4], refv(0, "ratio.conf_low"), 1e-12);
  assert_close(o[5], refv(0, "ratio.conf_high"), 1e-12);
  assert_close(o[7], refv(0, "ratio.lift"), 1e-12);
  assert_ok(causal_abtest_compare(t, A, B, &r));
  assert_close(res_scalar(r, "relative_lift_std_error"), refv(0, "ratio.lift_se"), 1e-12);
  causal_result_free(r);
  /* a ratio state analysed as a mean is a mean of y; a mean state cannot
   * be a ratio */
  causal_abstats *M = arm_stats('A', 0, 0);
  assert_status(causal_abtest_compare_values(t, M, M, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("no denominator");
  causal_abstats_free(M);
  causal_abstats_free(A);
  causal_abstats_free(B);
  /* ratio CUPED */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 1));
  A = arm_stats('A', CAUSAL_ABSTATS_RATIO, 1);
  B = arm_stats('B', CAUSAL_ABSTATS_RATIO, 1);
  assert_ok(causal_abtest_compare(t, A, B, &r));
  assert_ok(causal_result_get_vector(r, "theta", &th, &q));
  assert_close(th[0], refv(0, "ratio_cuped.theta"), 1e-11);
  assert_close(res_scalar(r, "estimate"), refv(0, "ratio_cuped.estimate"), 1e-11);
  assert_close(res_scalar(r, "std_error"), refv(0, "ratio_cuped.std_error"), 1e-11);
  assert_close(res_scalar(r, "p_value"), refv(0, "ratio_cuped.p_value"), 1e-10);
  causal_result_free(r);
  causal_abstats_free(A);
  causal_abstats_free(B);
  causal_abtest_free(t);
}

/* ---- SRM, p.adjust, Dunnett ------------------------------------------------------------ */

static void test_srm(void **state) {
  (void)state;
  int64_t cnt[3] = {5023, 4891, 5102};
  double al[3] = {0.34, 0.33, 0.33};
  causal_result *r;
  assert_ok(causal_abtest_srm(&r, cnt, al, 3));
  assert_close(res_scalar(r, "statistic"), refv(0, "srm.statistic"), 1e-13);
  assert_close(res_scalar(r, "p_value"), refv(0, "srm.p_value"), 1e-12);
  assert_close(res_scalar(r, "p_value"), refv(1, "srm.p_value"), 1e-12);
  assert_close(res_scalar(r, "df"), 2, 0);
  causal_result_free(r);
  /* errors */
  double bad[3] = {0.5, 0.3, 0.3};
  assert_status(causal_abtest_srm(&r, cnt, bad, 3), CAUSAL_EINVAL);
  assert_error_mentions("sum to");
  assert_null(r);
  double neg[3] = {0.5, -0.2, 0.7};
  assert_status(causal_abtest_srm(&r, cnt, neg, 3), CAUSAL_ERANGE);
  cnt[1] = -1;
  assert_status(causal_abtest_srm(&r, cnt, al, 3), CAUSAL_ERANGE);
  assert_error_mentions("counts[1]");
  assert_status(causal_abtest_srm(&r, cnt, al, 1), CAUSAL_EINVAL);
  int64_t zero[2] = {0, 0};
  double half[2] = {0.5, 0.5};
  assert_status(causal_abtest_srm(&r, zero, half, 2), CAUSAL_EINVAL);
  /* a gross mismatch warns */
  int64_t mis[2] = {1000, 1200};
  assert_ok(causal_abtest_srm(&r, mis, half, 2));
  assert_int_equal(causal_result_nwarnings(r), 1);
  causal_result_free(r);
}

static void test_p_adjust(void **state) {
  (void)state;
  const double pv[10] = {0.01, 0.04, 0.03, 0.04, 0.2, 0.0001, 0.5, 0.03, 0.9, 0.012};
  const char *nm[4] = {"bonferroni", "holm", "BH", "BY"};
  double out[10];
  for (int m = 1; m <= 4; m++) {
    assert_ok(causal_p_adjust(m, pv, 10, out));
    for (int i = 0; i < 10; i++)
      assert_close(out[i], refv(0, "padj.%s.%d", nm[m - 1], i), 1e-15);
  }
  assert_ok(causal_p_adjust(CAUSAL_AB_ADJUST_NONE, pv, 10, out));
  assert_memory_equal(out, pv, sizeof pv);
  double bad[2] = {0.1, 1.5};
  assert_status(causal_p_adjust(1, bad, 2, out), CAUSAL_ERANGE);
  assert_error_mentions("p[1]");
  bad[1] = NAN;
  assert_status(causal_p_adjust(1, bad, 2, out), CAUSAL_ENONFINITE);
  assert_status(causal_p_adjust(9, pv, 10, out), CAUSAL_ERANGE);
  assert_status(causal_p_adjust(1, pv, 0, out), CAUSAL_EINVAL);
}

static void test_dunnett(void **state) {
  (void)state;
  /* exact special cases: one comparison is Student's t; lambda = 0 gives
   * independent comparisons */
  double lam1 = 0.6, c, pr;
  assert_ok(causal_dunnett_quantile(&c, 0.95, &lam1, 1, 17, 1));
  assert_close(c, 2.1098155778333165, 1e-10); /* qt(0.975, 17) */
  double lam0[3] = {0, 0, 0};
  assert_ok(causal_dunnett_prob(&pr, 2.1, lam0, 3, INFINITY, 1));
  double ph = 2 * 0.98213557943718344 - 1; /* 2 pnorm(2.1) - 1 */
  assert_close(pr, ph * ph * ph, 1e-12);
  assert_ok(causal_dunnett_prob(&pr, 2.1, lam0, 3, INFINITY, 0));
  assert_close(pr, pow(0.98213557943718344, 3), 1e-12);
  /* classical Dunnett from the units: 4 arms, Student pooled variance */
  causal_abstats *arms[4];
  const char *names[4] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; i++)
    arms[i] = arm_stats(names[i][0], 0, 0);
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_STUDENT));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ADJUST, CAUSAL_AB_DUNNETT));
  causal_result *r;
  assert_ok(causal_abtest_analyze(t, (const causal_abstats *const *)arms, 4,
                                  names, NULL, &r));
  double crit = res_scalar(r, "dunnett_critical");
  assert_close(crit, refv(0, "dunnett.critical"), 1e-9);
  assert_close(crit, refv(0, "dunnett.mc_critical"), 2e-3); /* multcomp (QMC) */
  assert_close(res_scalar(r, "dunnett_df"), refv(0, "dunnett.df"), 0);
  const double *tab, *padj, *lam;
  size_t nr, nc, np;
  assert_ok(causal_result_get_matrix(r, "comparisons", &tab, &nr, &nc));
  assert_ok(causal_result_get_vector(r, "p_value_adjusted", &padj, &np));
  assert_ok(causal_result_get_vector(r, "dunnett_lambda", &lam, &np));
  assert_string_equal(causal_result_dimname(r, "comparisons", 0, 0), "B - A");
  for (int i = 0; i < 3; i++) {
    assert_close(tab[i + 2 * nr], refv(0, "dunnett.statistic.%d", i + 1), 1e-12);
    assert_close(tab[i + 4 * nr], refv(0, "dunnett.conf_low.%d", i + 1), 1e-9);
    double pa = refv(0, "dunnett.p_adj.%d", i + 1);
    assert_true(fabs(padj[i] - pa) < 1e-9);
    assert_true(fabs(padj[i] - refv(0, "dunnett.mc_p.%d", i + 1)) < 1e-3);
  }
  assert_ok(causal_dunnett_prob(&pr, 2, lam, 3, refv(0, "dunnett.df"), 1));
  assert_close(pr, refv(0, "dunnett.prob_at_2"), 1e-10);
  assert_ok(causal_dunnett_prob(&pr, 2, lam, 3, INFINITY, 1));
  assert_close(pr, refv(0, "dunnett.normal_prob_at_2"), 1e-10);
  causal_result_free(r);
  /* Holm over the family, with SRM */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_WELCH));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ADJUST, CAUSAL_AB_HOLM));
  double al[4] = {0.25, 0.25, 0.25, 0.25};
  assert_ok(causal_abtest_analyze(t, (const causal_abstats *const *)arms, 4,
                                  NULL, al, &r));
  assert_ok(causal_result_get_matrix(r, "comparisons", &tab, &nr, &nc));
  assert_ok(causal_result_get_vector(r, "p_value_adjusted", &padj, &np));
  double p3[3] = {tab[0 + 3 * nr], tab[1 + 3 * nr], tab[2 + 3 * nr]}, h3[3];
  assert_ok(causal_p_adjust(CAUSAL_AB_HOLM, p3, 3, h3));
  for (int i = 0; i < 3; i++)
    assert_close(padj[i], h3[i], 1e-15);
  assert_close(res_scalar(r, "srm_statistic"), refv(0, "srm4.statistic"), 1e-13);
  assert_close(res_scalar(r, "srm_p_value"), refv(0, "srm4.p_value"), 1e-12);
  assert_string_equal(causal_result_dimname(r, "comparisons", 0, 2), "arm3 - arm0");
  causal_result_free(r);
  /* large-sample Dunnett (Welch se) runs and is wider than unadjusted */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ADJUST, CAUSAL_AB_DUNNETT));
  assert_ok(causal_abtest_analyze(t, (const causal_abstats *const *)arms, 4,
                                  NULL, NULL, &r));
  crit = res_scalar(r, "dunnett_critical");
  assert_true(crit > 1.96 && crit < 2.40);
  causal_result_free(r);
  /* errors */
  assert_status(causal_abtest_analyze(t, (const causal_abstats *const *)arms, 1,
                                      NULL, NULL, &r),
                CAUSAL_EINVAL);
  double bad[4] = {0.3, 0.3, 0.3, 0.3};
  assert_status(causal_abtest_analyze(t, (const causal_abstats *const *)arms, 4,
                                      NULL, bad, &r),
                CAUSAL_EINVAL);
  assert_error_mentions("sum to");
  assert_status(causal_dunnett_quantile(&c, 0.95, &lam1, 0, 5, 1), CAUSAL_EINVAL);
  double l1 = 1.0;
  assert_status(causal_dunnett_quantile(&c, 0.95, &l1, 1, 5, 1), CAUSAL_ERANGE);
  assert_status(causal_dunnett_quantile(&c, 1.5, &lam1, 1, 5, 1), CAUSAL_ERANGE);
  assert_status(causal_dunnett_prob(&pr, 1, &lam1, 1, -1, 1), CAUSAL_ERANGE);
  causal_abtest_free(t);
  for (int i = 0; i < 4; i++)
    causal_abstats_free(arms[i]);
}

/* ---- bootstrap ----------------------------------------------------------------------- */

static void test_bootstrap(void **state) {
  (void)state;
  load_units();
  static double ya[NU_MAX], yb[NU_MAX];
  size_t na = 0, nb = 0;
  for (size_t i = 0; i < n_units; i++) {
    if (u_arm[i] == 'A')
      ya[na++] = u_y[i];
    if (u_arm[i] == 'B')
      yb[nb++] = u_y[i];
  }
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_BOOT_REPS, 4000));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_SEED, 42));
  causal_result *r, *r2, *w;
  assert_ok(causal_abtest_bootstrap(t, ya, na, yb, nb, &r));
  assert_ok(causal_abtest_bootstrap(t, ya, na, yb, nb, &r2));
  assert_true(res_scalar(r, "conf_low") == res_scalar(r2, "conf_low"));
  causal_result_free(r2);
  causal_abstats *A = arm_stats('A', 0, 0), *B = arm_stats('B', 0, 0);
  assert_ok(causal_abtest_compare(t, A, B, &w));
  /* the bootstrap of a mean difference agrees with Welch to MC error */
  double se_w = res_scalar(w, "std_error");
  assert_close(res_scalar(r, "estimate"), res_scalar(w, "estimate"), 1e-12);
  assert_true(fabs(res_scalar(r, "std_error") - se_w) < 0.05 * se_w);
  assert_true(fabs(res_scalar(r, "conf_low") - res_scalar(w, "conf_low")) < 0.15 * se_w);
  assert_true(fabs(res_scalar(r, "conf_high") - res_scalar(w, "conf_high")) < 0.15 * se_w);
  causal_result_free(r);
  /* BCa for the mean: near the percentile interval, small z0 and a */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_BOOT_CI, CAUSAL_AB_BOOT_BCA));
  assert_ok(causal_abtest_bootstrap(t, ya, na, yb, nb, &r));
  assert_true(fabs(res_scalar(r, "bca_z0")) < 0.1);
  assert_true(fabs(res_scalar(r, "bca_acceleration")) < 0.05);
  assert_true(fabs(res_scalar(r, "conf_low") - res_scalar(w, "conf_low")) < 0.2 * se_w);
  causal_result_free(r);
  causal_result_free(w);
  /* median: estimate is the difference of type-7 medians */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_BOOT_STATISTIC, CAUSAL_AB_BOOT_QUANTILE));
  assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_QUANTILE, 0.9));
  assert_ok(causal_abtest_bootstrap(t, ya, na, yb, nb, &r));
  double sa[NU_MAX], sb[NU_MAX];
  memcpy(sa, ya, na * sizeof(double));
  memcpy(sb, yb, nb * sizeof(double));
  qsort(sa, na, sizeof(double), cmp_dbl);
  qsort(sb, nb, sizeof(double), cmp_dbl);
  double ha = 0.9 * (double)(na - 1), hb = 0.9 * (double)(nb - 1);
  size_t ja = (size_t)ha, jb = (size_t)hb;
  double qa = sa[ja] + (ha - (double)ja) * (sa[ja + 1] - sa[ja]);
  double qb = sb[jb] + (hb - (double)jb) * (sb[jb + 1] - sb[jb]);
  assert_close(res_scalar(r, "estimate"), qb - qa, 1e-13);
  assert_true(res_scalar(r, "conf_low") < qb - qa && qb - qa < res_scalar(r, "conf_high"));
  causal_result_free(r);
  /* errors */
  assert_status(causal_abtest_bootstrap(t, ya, 1, yb, nb, &r), CAUSAL_EINVAL);
  ya[3] = NAN;
  assert_status(causal_abtest_bootstrap(t, ya, na, yb, nb, &r), CAUSAL_ENONFINITE);
  assert_error_mentions("y_c[3]");
  causal_abtest_free(t);
  causal_abstats_free(A);
  causal_abstats_free(B);
}

/* ---- errors and options ------------------------------------------------------------- */

static void test_compare_errors(void **state) {
  (void)state;
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  causal_abstats *e, *c, *p, *k;
  assert_ok(causal_abstats_new(&e, 0, 0));
  assert_ok(causal_abstats_from_sums(&c, 10, 20, 40)); /* constant 2 */
  assert_ok(causal_abstats_from_counts(&p, 3, 10));
  assert_ok(causal_abstats_from_sums(&k, 10, 25, 80));
  double o[CAUSAL_AB_NOUT];
  causal_result *r = (causal_result *)1;
  assert_status(causal_abtest_compare(t, e, k, &r), CAUSAL_EINVAL);
  assert_error_mentions("control arm has n = 0");
  assert_null(r);
  assert_status(causal_abtest_compare_values(t, c, c, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("zero variance");
  assert_status(causal_abtest_compare_values(t, c, k, o, 3), CAUSAL_EBUFSIZE);
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_PROPORTION));
  assert_status(causal_abtest_compare_values(t, p, k, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("not 0/1");
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_WELCH));
  assert_status(causal_abtest_compare_values(t, p, p, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("not a test of proportions");
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_FISHER));
  assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, 0.1));
  assert_status(causal_abtest_compare_values(t, p, p, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("margin");
  assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, 0));
  causal_abstats *all;
  assert_ok(causal_abstats_from_counts(&all, 10, 10));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_Z_POOLED));
  assert_status(causal_abtest_compare_values(t, all, all, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_CHISQ));
  assert_status(causal_abtest_compare_values(t, all, all, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("expected count");
  /* proportions in relative margin: non-inferiority with margin -10% */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_Z_UNPOOLED));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, CAUSAL_AB_GREATER));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_MARGIN_RELATIVE, 1));
  assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, -0.1));
  assert_ok(causal_abtest_compare(t, p, p, &r));
  assert_close(res_scalar(r, "margin"), -0.03, 1e-15);
  assert_close(res_scalar(r, "statistic"), 0.03 / sqrt(2 * 0.3 * 0.7 / 10), 1e-14);
  causal_result_free(r);
  /* CUPED without covariates */
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 1));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_MEAN));
  assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, 0));
  assert_status(causal_abtest_compare_values(t, k, k, o, CAUSAL_AB_NOUT), CAUSAL_EINVAL);
  assert_error_mentions("no covariates");
  /* options */
  assert_status(causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, 8), CAUSAL_ERANGE);
  assert_status(causal_abtest_set_int(t, CAUSAL_ABTEST_CONF_LEVEL, 1), CAUSAL_ERANGE);
  assert_status(causal_abtest_set_double(t, CAUSAL_ABTEST_CONF_LEVEL, 1.0), CAUSAL_ERANGE);
  assert_status(causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, NAN), CAUSAL_ENONFINITE);
  assert_status(causal_abtest_set_double(t, CAUSAL_ABTEST_TEST, 1), CAUSAL_ERANGE);
  int64_t iv;
  double dv, lo, hi;
  for (int key = 1; key <= 12; key++) {
    assert_ok(causal_abtest_get_int(t, key, &iv));
    assert_ok(causal_abtest_bounds(key, &lo, &hi));
    assert_true(lo <= (double)iv && (double)iv <= hi);
  }
  assert_ok(causal_abtest_get_double(t, CAUSAL_ABTEST_CONF_LEVEL, &dv));
  assert_close(dv, 0.95, 0);
  assert_status(causal_abtest_get_double(t, 1, &dv), CAUSAL_ERANGE);
  assert_status(causal_abtest_get_int(t, 101, &iv), CAUSAL_ERANGE);
  assert_status(causal_abtest_bounds(55, &lo, &hi), CAUSAL_ERANGE);
  assert_status(causal_abtest_new(NULL), CAUSAL_EINVAL);
  causal_abtest_free(NULL);
  causal_abstats_free(all);
  causal_abstats_free(e);
  causal_abstats_free(c);
  causal_abstats_free(p);
  causal_abstats_free(k);
  causal_abtest_free(t);
}

/* Large-df t quantiles use a Cornish–Fisher expansion: check it against
 * cz_qt through Welch intervals at several levels. */
static void test_large_df_quantile(void **state) {
  (void)state;
  causal_abstats *a, *b;
  assert_ok(causal_abstats_from_sums(&a, 3000, 30000, 3000 * 100.0 + 2999 * 4));
  assert_ok(causal_abstats_from_sums(&b, 2500, 25300, 2500 * 102.4144 + 2499 * 9));
  causal_abstats *sa, *sb;
  assert_ok(causal_abstats_from_sums(&sa, 20, 200, 20 * 100.0 + 19 * 4));
  assert_ok(causal_abstats_from_sums(&sb, 15, 156, 15 * 108.16 + 14 * 9));
  double lift_se = 0;
  causal_abtest *t;
  assert_ok(causal_abtest_new(&t));
  const double levels[4] = {0.5, 0.9, 0.95, 0.998};
  for (int i = 0; i < 4; i++)
    for (int alt = 0; alt < 2; alt++) {
      double o[CAUSAL_AB_NOUT];
      /* each setter is the last one called before some comparison */
      assert_ok(causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, alt));
      if (alt == 0)
        assert_ok(causal_abtest_set_double(t, CAUSAL_ABTEST_CONF_LEVEL, levels[i]));
      assert_ok(causal_abtest_compare_values(t, a, b, o, CAUSAL_AB_NOUT));
      assert_true(o[CAUSAL_AB_OUT_DF] > 1000);
      double pr = alt ? levels[i] : (1 + levels[i]) / 2;
      double q = cz_qt(pr, o[CAUSAL_AB_OUT_DF], 1, 0);
      assert_close(o[0] - o[4], q * o[1], 1e-12);
      /* The lift interval uses the normal quantile the spec stores: it must
       * follow every change of CONF_LEVEL and ALTERNATIVE. */
      double zq = cz_qnorm(pr, 1, 0);
      double lw = o[CAUSAL_AB_OUT_LIFT] - o[CAUSAL_AB_OUT_LIFT_LOW];
      if (i == 0 && alt == 0)
        lift_se = lw / zq;
      if (zq == 0) /* one-sided at level 0.5: an empty-width bound */
        assert_true(lw == 0);
      else
        assert_close(lw / zq, lift_se, 1e-12);
      /* small df: the exact t quantile */
      assert_ok(causal_abtest_compare_values(t, sa, sb, o, CAUSAL_AB_NOUT));
      assert_true(o[CAUSAL_AB_OUT_DF] < 100);
      q = cz_qt(pr, o[CAUSAL_AB_OUT_DF], 1, 0);
      assert_close(o[0] - o[4], q * o[1], 1e-12);
    }
  causal_abtest_free(t);
  causal_abstats_free(a);
  causal_abstats_free(b);
  causal_abstats_free(sa);
  causal_abstats_free(sb);
}

static int oom_analysis(void *arg) {
  (void)arg;
  causal_abtest *t = NULL;
  causal_abstats *s[3] = {NULL, NULL, NULL};
  causal_result *r = NULL;
  double y[6] = {1, 2, 3, 4, 5, 7}, x[6] = {1, 1, 2, 3, 5, 8};
  double p[4] = {0.1, 0.2, 0.01, 0.5}, pa[4];
  int64_t cnt[3] = {10, 12, 9};
  double al[3] = {0.3, 0.4, 0.3};
  int rc = causal_abtest_new(&t);
  for (int i = 0; i < 3 && rc == 0; i++) {
    rc = causal_abstats_new(&s[i], 0, 1);
    if (rc == 0)
      rc = causal_abstats_update(s[i], y + i, NULL, x + i, 3, 3);
  }
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 1);
  if (rc == 0 && (rc = causal_abtest_compare(t, s[0], s[1], &r)) == 0)
    causal_result_free(r);
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_ADJUST, CAUSAL_AB_DUNNETT);
  if (rc == 0 && (rc = causal_abtest_analyze(t, (const causal_abstats *const *)s,
                                             3, NULL, al, &r)) == 0)
    causal_result_free(r);
  if (rc == 0)
    rc = causal_p_adjust(CAUSAL_AB_BH, p, 4, pa);
  if (rc == 0 && (rc = causal_abtest_srm(&r, cnt, al, 3)) == 0)
    causal_result_free(r);
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_BOOT_CI, CAUSAL_AB_BOOT_BCA);
  if (rc == 0 && (rc = causal_abtest_bootstrap(t, y, 3, y + 3, 3, &r)) == 0)
    causal_result_free(r);
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_PROPORTION);
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_FISHER);
  if (rc == 0)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 0);
  causal_abstats *c1 = NULL, *c2 = NULL;
  if (rc == 0)
    rc = causal_abstats_from_counts(&c1, 3, 10);
  if (rc == 0)
    rc = causal_abstats_from_counts(&c2, 7, 10);
  if (rc == 0 && (rc = causal_abtest_compare(t, c1, c2, &r)) == 0)
    causal_result_free(r);
  causal_abstats_free(c1);
  causal_abstats_free(c2);
  for (int i = 0; i < 3; i++)
    causal_abstats_free(s[i]);
  causal_abtest_free(t);
  return rc;
}

static void test_analysis_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_analysis, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_abstats_update_merge),
      cmocka_unit_test(test_abstats_missing_indicator),
      cmocka_unit_test(test_abstats_counts_binary),
      cmocka_unit_test(test_abstats_errors),
      cmocka_unit_test(test_abstats_serialize),
      cmocka_unit_test(test_abstats_oom),
      cmocka_unit_test(test_proportions_reference),
      cmocka_unit_test(test_means_reference),
      cmocka_unit_test(test_cuped_reference),
      cmocka_unit_test(test_srm),
      cmocka_unit_test(test_p_adjust),
      cmocka_unit_test(test_dunnett),
      cmocka_unit_test(test_bootstrap),
      cmocka_unit_test(test_compare_errors),
      cmocka_unit_test(test_analysis_oom),
      cmocka_unit_test(test_large_df_quantile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
