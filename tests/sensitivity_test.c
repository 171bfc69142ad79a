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

/* Refutation helpers on simulated data with a true effect of 2. */
static causal_dataset *sim(void) {
  enum { N = 400 };
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 7, 1));
  double x[N], t[N], y[N], z[N], u[N];
  for (int i = 0; i < N; i++) {
    assert_ok(causal_rng_normal(rng, 0, 1, &x[i], 1));
    assert_ok(causal_rng_uniform(rng, &u[i], 1));
    t[i] = u[i] < 1 / (1 + exp(-0.5 * x[i]));
    assert_ok(causal_rng_normal(rng, 0, 1, &z[i], 1));
    y[i] = 1 + 2 * t[i] + x[i] + z[i];
    assert_ok(causal_rng_normal(rng, 0, 1, &z[i], 1));
    z[i] += x[i]; /* a placebo outcome: confounded, not affected */
  }
  causal_rng_free(rng);
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "z", z, NULL, N, CAUSAL_COPY));
  return ds;
}

static void specs(causal_propensity **p, causal_weighting **w, int method) {
  assert_ok(causal_propensity_new(p));
  assert_ok(causal_propensity_set_treatment(*p, "t"));
  assert_ok(causal_propensity_add_term(*p, "x"));
  assert_ok(causal_weighting_new(w));
  assert_ok(causal_weighting_set_outcome(*w, "y"));
  assert_ok(causal_weighting_set_int(*w, CAUSAL_WEIGHTING_METHOD, method));
}

static void t_refute(void **state) {
  (void)state;
  causal_dataset *ds = sim();
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  specs(&p, &w, CAUSAL_WEIGHTING_AIPW);
  causal_result *fit = NULL, *r = NULL;
  assert_ok(causal_weighting_fit(&fit, w, p, ds));
  double est = obs_scalar(fit, "estimate");
  /* placebo treatment: estimates centred on 0, p-value large */
  assert_ok(causal_weighting_refute(&r, w, p, ds,
                                    CAUSAL_REFUTE_PLACEBO_TREATMENT, NULL, 50,
                                    11));
  assert_true(obs_scalar(r, "estimate") == est);
  assert_true(fabs(obs_scalar(r, "refuted_estimate")) <
              4 * obs_scalar(r, "refuted_sd") / sqrt(50.0) + 0.05);
  assert_close(obs_scalar(r, "p_value"), 1.0 / 51, 1e-15);
  const double *v = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "refuted_estimates", &v, &n));
  assert_int_equal(n, 50);
  causal_result_free(r);
  /* same seed, same result */
  causal_result *r2 = NULL;
  assert_ok(causal_weighting_refute(&r, w, p, ds,
                                    CAUSAL_REFUTE_PLACEBO_TREATMENT, NULL, 5,
                                    3));
  assert_ok(causal_weighting_refute(&r2, w, p, ds,
                                    CAUSAL_REFUTE_PLACEBO_TREATMENT, NULL, 5,
                                    3));
  assert_true(obs_scalar(r, "refuted_estimate") ==
              obs_scalar(r2, "refuted_estimate"));
  causal_result_free(r);
  causal_result_free(r2);
  /* random common cause: the estimate barely moves */
  assert_ok(causal_weighting_refute(
      &r, w, p, ds, CAUSAL_REFUTE_RANDOM_COMMON_CAUSE, NULL, 10, 5));
  assert_true(fabs(obs_scalar(r, "shift")) < 0.2 * obs_scalar(fit,
                                                              "std_error") +
                                                  0.05);
  assert_true(isnan(obs_scalar(r, "p_value")));
  causal_result_free(r);
  /* placebo outcome: no effect, the fit's own p-value */
  assert_ok(causal_weighting_refute(&r, w, p, ds,
                                    CAUSAL_REFUTE_PLACEBO_OUTCOME, "z", 0, 0));
  assert_true(fabs(obs_scalar(r, "refuted_estimate")) < 0.4);
  assert_true(obs_scalar(r, "p_value") > 0.01);
  assert_true(obs_scalar(r, "reps") == 1);
  causal_result_free(r);
  /* errors */
  assert_status(causal_weighting_refute(&r, w, p, ds, 4, NULL, 5, 0),
                CAUSAL_ERANGE);
  assert_status(causal_weighting_refute(&r, w, p, ds,
                                        CAUSAL_REFUTE_PLACEBO_OUTCOME, NULL,
                                        1, 0),
                CAUSAL_EINVAL);
  assert_status(causal_weighting_refute(&r, w, p, ds,
                                        CAUSAL_REFUTE_PLACEBO_TREATMENT, NULL,
                                        0, 0),
                CAUSAL_ERANGE);
  assert_status(causal_weighting_refute(&r, w, NULL, ds, 1, NULL, 5, 0),
                CAUSAL_EINVAL);
  assert_null(r);
  causal_result_free(fit);
  causal_weighting_free(w);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

typedef struct refarg {
  causal_dataset *ds;
  int kind;
} refarg;

static int oom_refute(void *arg) {
  refarg *o = arg;
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  causal_result *r = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(p, "t");
  if (rc == CAUSAL_OK)
    rc = causal_propensity_add_term(p, "x");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, "y");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_add_outcome_term(w, "x");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_refute(&r, w, p, o->ds, o->kind, "z", 2, 1);
  causal_result_free(r);
  causal_weighting_free(w);
  causal_propensity_free(p);
  return rc;
}

static void t_refute_oom(void **state) {
  (void)state;
  causal_dataset *ds = sim();
  for (int k = 1; k <= 3; k++) {
    refarg o = {ds, k};
    cz_oom_sweep(oom_refute, &o);
  }
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_reference), cmocka_unit_test(t_bad_input),
      cmocka_unit_test(t_oom), cmocka_unit_test(t_refute),
      cmocka_unit_test(t_refute_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
