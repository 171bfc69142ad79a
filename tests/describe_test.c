/* causal_describe_dataset: values against direct computation and R. */
#include "testutil.h"

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Reference quantile (type 7) by full sort. */
static double ref_q7(const double *x, size_t n, double p) {
  double *s = malloc(n * sizeof *s);
  memcpy(s, x, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_d);
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  double q = lo + 1 < n ? s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]) : s[lo];
  free(s);
  return q;
}

static double cell(const causal_result *r, size_t row, size_t col) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "summary", &v, &nr, &nc));
  assert_true(row < nr && col < nc);
  return v[row + col * nr];
}

enum { C_COUNT, C_MISSING, C_MEAN, C_SD, C_MIN, C_Q25, C_MED, C_Q75, C_MAX };

static void test_small_known(void **state) {
  (void)state;
  /* R: x <- c(1, 2, 3, 4, NA); quantile(x, c(.25,.5,.75), na.rm=TRUE)
   *    -> 1.75 2.50 3.25; sd -> 1.290994448735806 */
  double x[] = {1, 2, 3, 4, NAN};
  int64_t k[] = {10, 20, 0, 40, 50};
  uint8_t kvalid[] = {1, 1, 0, 1, 1};
  uint8_t flag[] = {1, 0, 1, 1, 0};
  const char *grp[] = {"a", "b", "a", NULL, "b"};
  causal_dataset *ds;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 5, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_i64(ds, "k", k, kvalid, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_bool(ds, "flag", flag, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "grp", grp, 5));
  causal_result *r;
  assert_ok(causal_describe_dataset(&r, ds));
  assert_string_equal(causal_result_kind(r), "describe");
  assert_string_equal(causal_result_dimname(r, "summary", 0, 0), "x");
  assert_string_equal(causal_result_dimname(r, "summary", 1, C_MED), "median");
  assert_close(cell(r, 0, C_COUNT), 4, 0);
  assert_close(cell(r, 0, C_MISSING), 1, 0);
  assert_close(cell(r, 0, C_MEAN), 2.5, 1e-15);
  assert_close(cell(r, 0, C_SD), 1.290994448735806, 1e-15);
  assert_close(cell(r, 0, C_MIN), 1, 0);
  assert_close(cell(r, 0, C_Q25), 1.75, 1e-15);
  assert_close(cell(r, 0, C_MED), 2.5, 1e-15);
  assert_close(cell(r, 0, C_Q75), 3.25, 1e-15);
  assert_close(cell(r, 0, C_MAX), 4, 0);
  /* k: 10 20 40 50 -> mean 30, median 30, q25 17.5 */
  assert_close(cell(r, 1, C_MISSING), 1, 0);
  assert_close(cell(r, 1, C_MEAN), 30, 1e-15);
  assert_close(cell(r, 1, C_Q25), 17.5, 1e-15);
  /* bool mean is the share of true */
  assert_close(cell(r, 2, C_MEAN), 0.6, 1e-15);
  /* categorical: counts only */
  assert_close(cell(r, 3, C_COUNT), 4, 0);
  assert_close(cell(r, 3, C_MISSING), 1, 0);
  assert_true(isnan(cell(r, 3, C_MEAN)));
  const double *types, *levels;
  size_t n;
  assert_ok(causal_result_get_vector(r, "type", &types, &n));
  assert_int_equal(n, 4);
  assert_int_equal((int)types[0], CAUSAL_TYPE_F64);
  assert_int_equal((int)types[3], CAUSAL_TYPE_CAT);
  assert_ok(causal_result_get_vector(r, "levels", &levels, &n));
  assert_int_equal((int)levels[3], 2);
  assert_int_equal((int)levels[0], 0);
  assert_int_equal(causal_result_nwarnings(r), 0);
  /* Caller data untouched (describe reorders a private copy). */
  assert_true(x[0] == 1 && x[1] == 2 && x[2] == 3 && x[3] == 4 && isnan(x[4]));
  causal_result_free(r);
  causal_dataset_free(ds);
}

static void test_random_against_sort(void **state) {
  (void)state;
  /* Quickselect-based quartiles equal full-sort quartiles on awkward data:
   * many ties, sorted, reverse-sorted, random. */
  size_t n = 1001;
  double *x = malloc(n * sizeof *x);
  for (int pattern = 0; pattern < 4; pattern++) {
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(s >> 11) / 9007199254740992.0;
      x[i] = pattern == 0 ? floor(u * 5)
             : pattern == 1 ? (double)i
             : pattern == 2 ? (double)(n - i)
                            : u * 1e6 - 5e5;
    }
    for (size_t m = 1; m <= n; m += (m < 10 ? 1 : 97)) {
      causal_dataset *ds;
      causal_result *r;
      assert_ok(causal_dataset_new(&ds));
      assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, m, CAUSAL_BORROW));
      assert_ok(causal_describe_dataset(&r, ds));
      assert_close(cell(r, 0, C_Q25), ref_q7(x, m, 0.25), 1e-15);
      assert_close(cell(r, 0, C_MED), ref_q7(x, m, 0.5), 1e-15);
      assert_close(cell(r, 0, C_Q75), ref_q7(x, m, 0.75), 1e-15);
      assert_close(cell(r, 0, C_MIN), ref_q7(x, m, 0), 0);
      assert_close(cell(r, 0, C_MAX), ref_q7(x, m, 1), 0);
      if (m == 1)
        assert_true(isnan(cell(r, 0, C_SD)));
      causal_result_free(r);
      causal_dataset_free(ds);
    }
  }
  free(x);
}

static void test_infinite_and_empty(void **state) {
  (void)state;
  double x[] = {1, INFINITY, 3};
  double y[] = {NAN, NAN, NAN};
  double z[] = {-INFINITY, INFINITY, 0};
  causal_dataset *ds;
  causal_result *r;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "z", z, NULL, 3, CAUSAL_COPY));
  assert_ok(causal_describe_dataset(&r, ds));
  assert_true(isinf(cell(r, 0, C_MEAN)) && cell(r, 0, C_MEAN) > 0);
  assert_true(isnan(cell(r, 0, C_SD)));
  assert_true(isinf(cell(r, 0, C_MAX)));
  assert_close(cell(r, 0, C_MED), 3, 0);
  assert_int_equal(causal_result_nwarnings(r), 2);
  assert_non_null(strstr(causal_result_warning(r, 0), "'x'"));
  assert_close(cell(r, 1, C_COUNT), 0, 0);
  assert_close(cell(r, 1, C_MISSING), 3, 0);
  assert_true(isnan(cell(r, 1, C_MEAN)) && isnan(cell(r, 1, C_MIN)));
  assert_true(isnan(cell(r, 2, C_MEAN)));
  causal_result_free(r);
  causal_dataset_free(ds);
}

static void test_errors(void **state) {
  (void)state;
  causal_result *r = (causal_result *)1;
  assert_status(causal_describe_dataset(&r, NULL), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_describe_dataset(NULL, NULL), CAUSAL_EINVAL);
  causal_dataset *ds;
  assert_ok(causal_dataset_new(&ds));
  assert_status(causal_describe_dataset(&r, ds), CAUSAL_EINVAL);
  assert_error_mentions("no columns");
  causal_dataset_free(ds);
}

static int oom_describe(void *arg) {
  (void)arg;
  double x[] = {3, 1, 2, INFINITY};
  causal_dataset *ds = NULL;
  causal_result *r = NULL;
  int rc = causal_dataset_new(&ds);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "x", x, NULL, 4, CAUSAL_COPY);
  if (rc == CAUSAL_OK)
    rc = causal_describe_dataset(&r, ds);
  causal_result_free(r);
  causal_dataset_free(ds);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_describe, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_known),
      cmocka_unit_test(test_random_against_sort),
      cmocka_unit_test(test_infinite_and_empty),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
