/* Regression: specification API, model frame, OLS/WLS against R and
 * statsmodels references, NIST StRD, Wald tests, bad input, OOM. */
#include "testutil.h"

#include "internal/regress.h"

/* ---- helpers ---------------------------------------------------------- */

static causal_regress *new_ols(void) {
  causal_regress *m = NULL;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  assert_non_null(m);
  return m;
}

/* 8 rows: y, x (NaN at row 2), g strings (NULL at row 5), w (0 at row 6),
 * cl int64 with a mask (row 7 missing), f categorical for absorbing. */
static causal_dataset *frame_ds(void) {
  static const double y[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const double x[8] = {0.5, 1.5, NAN, 2.0, 3.0, 1.0, 4.0, 2.5};
  static const char *const g[8] = {"b", "a", "b", "a", "b", NULL, "a", "b"};
  static const double w[8] = {1, 2, 1, 2, 1, 2, 0, 1};
  static const int64_t cl[8] = {30, 10, 20, 30, 10, 20, 30, 10};
  static const uint8_t clv[8] = {1, 1, 1, 1, 1, 1, 1, 0};
  static const double f[8] = {2.5, -1, 2.5, 7, -1, 7, 2.5, -1};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "g", g, 8));
  assert_ok(causal_dataset_add_f64(ds, "w", w, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "cl", cl, clv, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "f", f, NULL, 8, CAUSAL_COPY));
  return ds;
}

static void test_frame_basic(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_set_weights(m, "w"));
  assert_ok(causal_regress_add_cluster(m, "cl"));
  cz_frame f;
  assert_ok(cz_frame_build(&f, m, ds));
  /* dropped: row 2 (x NaN), 5 (g missing), 6 (w = 0), 7 (cl missing) */
  assert_int_equal(f.n, 4);
  assert_int_equal(f.n_dropped, 4);
  const size_t rows[4] = {0, 1, 3, 4};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(f.rows[i], rows[i]);
    assert_true(f.y[i] == (double)rows[i] + 1);
  }
  assert_int_equal(f.k, 3);
  assert_string_equal(f.xnames[0], "(Intercept)");
  assert_string_equal(f.xnames[1], "x");
  assert_string_equal(f.xnames[2], "g[b]");
  const double gb[4] = {1, 0, 0, 1}, xv[4] = {0.5, 1.5, 2.0, 3.0};
  for (size_t i = 0; i < 4; i++) {
    assert_true(f.X[i] == 1.0);
    assert_true(f.X[4 + i] == xv[i]);
    assert_true(f.X[8 + i] == gb[i]);
  }
  assert_non_null(f.w);
  assert_true(f.w[1] == 2.0);
  assert_int_equal(f.ncluster_dims, 1);
  assert_int_equal(f.ncl[0], 2); /* 30, 10, 30, 10 -> codes 1 0 1 0 */
  const int32_t codes[4] = {1, 0, 1, 0};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(f.cl[0][i], codes[i]);
  assert_int_equal(f.n_used_cols, 5);
  const char *used[5] = {"y", "x", "g", "w", "cl"};
  const double cnt[5] = {0, 1, 1, 0, 1};
  for (size_t j = 0; j < 5; j++) {
    assert_string_equal(f.used_cols[j], used[j]);
    assert_true(f.dropped_by_col[j] == cnt[j]);
  }
  assert_null(f.Xe);
  assert_null(f.Z);
  assert_int_equal(f.nfe, 0);
  cz_frame_free(&f);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

static void test_frame_absorb(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_add_absorb(m, "f"));
  cz_frame f;
  assert_ok(cz_frame_build(&f, m, ds));
  assert_int_equal(f.n, 7); /* only row 5 (g missing) */
  /* the intercept is absorbed; g keeps treatment contrasts */
  assert_int_equal(f.k, 1);
  assert_string_equal(f.xnames[0], "g[b]");
  assert_int_equal(f.nfe, 1);
  assert_int_equal(f.fe_levels[0], 3); /* -1, 2.5, 7 */
  const int32_t codes[7] = {1, 0, 1, 2, 0, 1, 0};
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(f.fe[0][i], codes[i]);
  cz_frame_free(&f);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

static void test_frame_errors(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  cz_frame f;
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_EINVAL); /* no outcome */
  assert_error_mentions("outcome");
  assert_ok(causal_regress_set_outcome(m, "nope"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nope");
  assert_ok(causal_regress_set_outcome(m, "g"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ETYPE);
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "zz"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("zz");
  causal_regress_free(m);
  /* negative weight names the row; Inf weight; Inf regressor */
  double w[8] = {1, 1, 1, 1, -2, 1, 1, 1};
  assert_ok(causal_dataset_add_f64(ds, "wneg", w, NULL, 8, CAUSAL_COPY));
  w[4] = INFINITY;
  assert_ok(causal_dataset_add_f64(ds, "winf", w, NULL, 8, CAUSAL_COPY));
  double xi[8] = {1, 2, 3, 4, 5, 6, -INFINITY, 8};
  assert_ok(causal_dataset_add_f64(ds, "xinf", xi, NULL, 8, CAUSAL_COPY));
  double z[8] = {0};
  assert_ok(causal_dataset_add_f64(ds, "wzero", z, NULL, 8, CAUSAL_COPY));
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_set_weights(m, "wneg"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ERANGE);
  assert_error_mentions("row 4");
  assert_ok(causal_regress_set_weights(m, "winf"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENONFINITE);
  assert_error_mentions("row 4");
  assert_ok(causal_regress_set_weights(m, "wzero"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_EMISSING);
  assert_error_mentions("zero weights");
  causal_regress_free(m);
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "xinf"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENONFINITE);
  assert_error_mentions("'xinf' is -Inf at row 6");
  causal_regress_free(m);
  causal_dataset_free(ds);
}

typedef struct frame_arg {
  const causal_dataset *ds;
  const causal_regress *m;
} frame_arg;

static int frame_oom_run(void *p) {
  frame_arg *fa = p;
  cz_frame f;
  int rc = cz_frame_build(&f, fa->m, fa->ds);
  if (rc == CAUSAL_OK)
    cz_frame_free(&f);
  return rc;
}

static void test_frame_oom(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_set_weights(m, "w"));
  assert_ok(causal_regress_add_cluster(m, "cl"));
  assert_ok(causal_regress_add_absorb(m, "f"));
  frame_arg fa = {ds, m};
  cz_oom_sweep(frame_oom_run, &fa);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_basic),
      cmocka_unit_test(test_frame_absorb),
      cmocka_unit_test(test_frame_errors),
      cmocka_unit_test(test_frame_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
