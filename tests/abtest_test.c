/* Tests for the A/B testing module (include/causal/abtest.h). */
#include "testutil.h"

#include "internal/abtest.h"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_abstats_update_merge),
      cmocka_unit_test(test_abstats_missing_indicator),
      cmocka_unit_test(test_abstats_counts_binary),
      cmocka_unit_test(test_abstats_errors),
      cmocka_unit_test(test_abstats_serialize),
      cmocka_unit_test(test_abstats_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
