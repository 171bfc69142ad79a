/* E-values against the formulas written out in R
 * (tests/ref/sensitivity_reference.R), the published example of
 * VanderWeele & Ding (2017), bad input and OOM. */
#include "obs_testutil.h"

static int type_code(const char *s) {
  static const char *nm[] = {"RR",      "OR_RARE",   "OR_COMMON",
                             "HR_RARE", "HR_COMMON", "SMD"};
  for (int i = 0; i < 6; i++)
    if (strcmp(nm[i], s) == 0)
      return i + 1;
  return -1;
}

static void t_reference(void **state) {
  (void)state;
  causal_dataset *ref = obs_read("data/sensitivity_evalues.csv");
  size_t n = causal_dataset_nrows(ref), tc = 0;
  assert_int_equal(n, 11);
  assert_ok(causal_dataset_col_index(ref, "type", &tc));
  const int32_t *codes = NULL;
  assert_ok(causal_dataset_col_cat(ref, tc, &codes));
  double *est = obs_col(ref, "est"), *lo = obs_col(ref, "lo"),
         *hi = obs_col(ref, "hi"), *se = obs_col(ref, "se"),
         *rr = obs_col(ref, "rr"), *ev = obs_col(ref, "evalue"),
         *evci = obs_col(ref, "evalue_ci");
  for (size_t i = 0; i < n; i++) {
    int type = type_code(causal_dataset_cat_label(ref, tc, (size_t)codes[i]));
    causal_result *r = NULL;
    assert_ok(causal_evalue(&r, type, est[i], lo[i], hi[i], se[i]));
    assert_close(obs_scalar(r, "rr"), rr[i], 1e-14);
    assert_close(obs_scalar(r, "evalue"), ev[i], 1e-14);
    assert_close(obs_scalar(r, "evalue_ci"), evci[i], 1e-14);
    causal_result_free(r);
  }
  free(est);
  free(lo);
  free(hi);
  free(se);
  free(rr);
  free(ev);
  free(evci);
  causal_dataset_free(ref);
  /* the paper's example: RR 3.9 (1.8, 8.7) -> 7.26 and 3.0 */
  causal_result *r = NULL;
  assert_ok(causal_evalue(&r, CAUSAL_EVALUE_RR, 3.9, 1.8, 8.7, NAN));
  assert_close(obs_scalar(r, "evalue_ci"), 3.0, 1e-15);
  assert_true(fabs(obs_scalar(r, "evalue") - 7.26) < 0.005);
  causal_result_free(r);
  /* no limits: evalue_ci NaN; null estimate: E = 1 */
  assert_ok(causal_evalue(&r, CAUSAL_EVALUE_RR, 2, NAN, NAN, NAN));
  assert_true(isnan(obs_scalar(r, "evalue_ci")));
  causal_result_free(r);
  assert_ok(causal_evalue(&r, CAUSAL_EVALUE_RR, 1, 0.5, 2, NAN));
  assert_true(obs_scalar(r, "evalue") == 1 && obs_scalar(r, "evalue_ci") == 1);
  causal_result_free(r);
}

static void t_bad_input(void **state) {
  (void)state;
  causal_result *r = NULL;
  assert_status(causal_evalue(&r, 0, 2, NAN, NAN, NAN), CAUSAL_ERANGE);
  assert_status(causal_evalue(&r, 7, 2, NAN, NAN, NAN), CAUSAL_ERANGE);
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_RR, 0, NAN, NAN, NAN),
                CAUSAL_ERANGE);
  assert_error_mentions("estimate");
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_RR, NAN, NAN, NAN, NAN),
                CAUSAL_ENONFINITE);
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_OR_RARE, 2, -1, 3, NAN),
                CAUSAL_ERANGE);
  assert_error_mentions("lo");
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_RR, 2, 2.5, 3, NAN),
                CAUSAL_EINVAL);
  assert_error_mentions("bracket");
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_SMD, 0.2, NAN, NAN, -1),
                CAUSAL_ERANGE);
  assert_status(causal_evalue(&r, CAUSAL_EVALUE_SMD, INFINITY, NAN, NAN, 1),
                CAUSAL_ENONFINITE);
  assert_null(r);
  assert_status(causal_evalue(NULL, CAUSAL_EVALUE_RR, 2, NAN, NAN, NAN),
                CAUSAL_EINVAL);
}

static int oom_fn(void *arg) {
  (void)arg;
  causal_result *r = NULL;
  int rc = causal_evalue(&r, CAUSAL_EVALUE_HR_COMMON, 1.8, 1.1, 2.9, NAN);
  causal_result_free(r);
  return rc;
}

static void t_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_fn, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_reference),
                                     cmocka_unit_test(t_bad_input),
                                     cmocka_unit_test(t_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
