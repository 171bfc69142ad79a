/* Balance tables against R MatchIt's summary() on LaLonde
 * (tests/ref/balance_reference.R): before and after 1:1 matching (ATT,
 * treated SD) and IPW (ATE, pooled SD); bad input; OOM. */
#include "obs_testutil.h"

static causal_balance *lalonde_balance(int denom) {
  causal_balance *b = NULL;
  assert_ok(causal_balance_new(&b));
  assert_ok(causal_balance_set_treatment(b, "treat"));
  for (size_t j = 0; j < OBS_NTERMS; j++)
    assert_ok(causal_balance_add_covariate(b, obs_terms[j]));
  assert_ok(causal_balance_set_int(b, CAUSAL_BALANCE_SD_DENOM, denom));
  return b;
}

/* Compare columns off..off+5 of "balance" with a MatchIt table. */
static void check_table(const causal_result *r, size_t off, const char *file,
                        double *worst) {
  static const char *rn[9] = {"age",          "educ",       "race[black]",
                              "race[hispan]", "race[white]", "married",
                              "nodegree",     "re74",        "re75"};
  static const char *cn[6] = {"Means Treated", "Means Control",
                              "Std. Mean Diff.", "Var. Ratio", "eCDF Mean",
                              "eCDF Max"};
  causal_dataset *ref = obs_read(file);
  const double *v = NULL;
  size_t nr = 0, nc = 0;
  assert_ok(causal_result_get_matrix(r, "balance", &v, &nr, &nc));
  assert_int_equal(nr, 9);
  for (size_t i = 0; i < 9; i++)
    assert_string_equal(causal_result_dimname(r, "balance", 0, i), rn[i]);
  for (size_t j = 0; j < 6; j++) {
    double *col = obs_col(ref, cn[j]);
    for (size_t i = 0; i < 9; i++) {
      double got = v[(off + j) * nr + i], want = col[i];
      if (isnan(want)) {
        if (!isnan(got))
          fail_msg("%s %s %s: %.17g, expected NA", file, rn[i], cn[j], got);
        continue;
      }
      double err = fabs(got - want) / fmax(fabs(want), 1e-300);
      if (fabs(got - want) > 1e-10 * fmax(fabs(want), 1e-3))
        fail_msg("%s %s %s: %.17g, expected %.17g", file, rn[i], cn[j], got,
                 want);
      if (want != 0 && err > *worst)
        *worst = err;
    }
    free(col);
  }
  causal_dataset_free(ref);
}

static void t_matchit_att(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *wd = obs_read("data/balance_lalonde_match_weights.csv");
  double *w = obs_col(wd, "weight");
  causal_balance *b = lalonde_balance(CAUSAL_BALANCE_TREATED);
  causal_result *r = NULL;
  assert_ok(causal_balance_compute(&r, b, ds, w, 614));
  double worst = 0;
  check_table(r, 0, "data/balance_lalonde_all_att.csv", &worst);
  check_table(r, 7, "data/balance_lalonde_matched_att.csv", &worst);
  print_message("balance vs MatchIt (matching, ATT): worst rel err %.2e\n",
                worst);
  /* flags follow the threshold */
  const double *v = NULL;
  size_t nr = 0, nc = 0;
  assert_ok(causal_result_get_matrix(r, "balance", &v, &nr, &nc));
  assert_int_equal(nc, 14);
  double nflag = 0, mx = 0;
  for (size_t i = 0; i < nr; i++) {
    assert_true(v[6 * nr + i] == (fabs(v[2 * nr + i]) > 0.1));
    nflag += v[6 * nr + i];
    mx = fmax(mx, fabs(v[2 * nr + i]));
  }
  assert_true(obs_scalar(r, "n_flagged") == nflag);
  assert_true(obs_scalar(r, "max_abs_smd") == mx);
  const char *s = NULL;
  assert_ok(causal_result_get_string(r, "sd_denom", &s));
  assert_string_equal(s, "treated");
  causal_result_free(r);
  free(w);
  causal_balance_free(b);
  causal_dataset_free(wd);
  causal_dataset_free(ds);
}

static void t_matchit_ipw(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *wd = obs_read("data/balance_lalonde_ipw_weights.csv");
  double *w = obs_col(wd, "weight");
  causal_balance *b = lalonde_balance(CAUSAL_BALANCE_POOLED);
  causal_result *r = NULL;
  assert_ok(causal_balance_compute(&r, b, ds, w, 614));
  double worst = 0;
  check_table(r, 0, "data/balance_lalonde_all_ate.csv", &worst);
  check_table(r, 7, "data/balance_lalonde_ipw_ate.csv", &worst);
  print_message("balance vs MatchIt (IPW, ATE): worst rel err %.2e\n", worst);
  causal_result_free(r);
  /* unweighted call: 7 columns, same first block */
  assert_ok(causal_balance_compute(&r, b, ds, NULL, 0));
  check_table(r, 0, "data/balance_lalonde_all_ate.csv", &worst);
  int type = 0;
  assert_status(causal_result_type(r, "ess_treated", &type), CAUSAL_ENOTFOUND);
  causal_result_free(r);
  free(w);
  causal_balance_free(b);
  causal_dataset_free(wd);
  causal_dataset_free(ds);
}

static void t_bad_input(void **state) {
  (void)state;
  double t[6] = {0, 1, 0, 1, 0, 1}, x[6] = {1, 2, 3, 4, 5, 7},
         c[6] = {3, 3, 3, 3, 3, 3}, all[6] = {1, 1, 1, 1, 1, 1},
         w[6] = {1, 1, 1, 1, 1, 1};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "c", c, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "all", all, NULL, 6, CAUSAL_COPY));
  causal_balance *b = NULL;
  causal_result *r = NULL;
  assert_ok(causal_balance_new(&b));
  assert_status(causal_balance_compute(&r, b, ds, NULL, 0), CAUSAL_EINVAL);
  assert_error_mentions("treatment");
  assert_ok(causal_balance_set_treatment(b, "t"));
  assert_status(causal_balance_compute(&r, b, ds, NULL, 0), CAUSAL_EINVAL);
  assert_error_mentions("covariates");
  assert_ok(causal_balance_add_covariate(b, "x"));
  assert_ok(causal_balance_add_covariate(b, "c"));
  assert_status(causal_balance_add_covariate(b, "c"), CAUSAL_EEXISTS);
  /* constant covariate: reported, difference 0 */
  assert_ok(causal_balance_compute(&r, b, ds, NULL, 0));
  assert_true(causal_result_nwarnings(r) == 1);
  assert_non_null(strstr(causal_result_warning(r, 0), "'c'"));
  causal_result_free(r);
  assert_status(causal_balance_compute(&r, b, ds, w, 5), CAUSAL_EDIM);
  w[3] = -1;
  assert_status(causal_balance_compute(&r, b, ds, w, 6), CAUSAL_ERANGE);
  assert_error_mentions("weights[3]");
  w[3] = NAN;
  assert_status(causal_balance_compute(&r, b, ds, w, 6), CAUSAL_ENONFINITE);
  w[3] = 0;
  w[1] = 0;
  w[5] = 0;
  assert_status(causal_balance_compute(&r, b, ds, w, 6), CAUSAL_EINVAL);
  assert_error_mentions("treated arm has zero total weight");
  assert_ok(causal_balance_set_treatment(b, "all"));
  assert_status(causal_balance_compute(&r, b, ds, NULL, 0), CAUSAL_EINVAL);
  assert_error_mentions("all rows are treated");
  assert_ok(causal_balance_set_treatment(b, "x"));
  assert_status(causal_balance_compute(&r, b, ds, NULL, 0), CAUSAL_EINVAL);
  assert_error_mentions("row 1");
  /* options */
  double lo, hi, v;
  int64_t iv;
  assert_status(causal_balance_set_int(b, CAUSAL_BALANCE_SD_DENOM, 4),
                CAUSAL_ERANGE);
  assert_status(causal_balance_set_int(b, 55, 1), CAUSAL_EINVAL);
  assert_status(causal_balance_set_double(b, CAUSAL_BALANCE_THRESHOLD, -1),
                CAUSAL_ERANGE);
  assert_ok(causal_balance_set_double(b, CAUSAL_BALANCE_THRESHOLD, 0.25));
  assert_ok(causal_balance_get_double(b, CAUSAL_BALANCE_THRESHOLD, &v));
  assert_true(v == 0.25);
  assert_ok(causal_balance_get_int(b, CAUSAL_BALANCE_SD_DENOM, &iv));
  assert_true(iv == CAUSAL_BALANCE_POOLED);
  assert_ok(causal_balance_bounds(CAUSAL_BALANCE_SD_DENOM, &lo, &hi));
  assert_true(lo == 1 && hi == 3);
  assert_status(causal_balance_bounds(9, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_balance_compute(NULL, b, ds, NULL, 0), CAUSAL_EINVAL);
  assert_status(causal_balance_compute(&r, NULL, ds, NULL, 0), CAUSAL_EINVAL);
  assert_status(causal_balance_new(NULL), CAUSAL_EINVAL);
  causal_balance_free(NULL);
  causal_balance_free(b);
  causal_dataset_free(ds);
}

typedef struct oomarg {
  causal_dataset *ds;
  const double *w;
} oomarg;

static int oom_fit(void *arg) {
  oomarg *o = arg;
  causal_balance *b = NULL;
  causal_result *r = NULL;
  int rc = causal_balance_new(&b);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_treatment(b, "treat");
  for (size_t j = 0; rc == CAUSAL_OK && j < OBS_NTERMS; j++)
    rc = causal_balance_add_covariate(b, obs_terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_balance_compute(&r, b, o->ds, o->w, 614);
  causal_result_free(r);
  causal_balance_free(b);
  return rc;
}

static void t_oom(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *wd = obs_read("data/balance_lalonde_ipw_weights.csv");
  double *w = obs_col(wd, "weight");
  oomarg o = {ds, w};
  cz_oom_sweep(oom_fit, &o);
  free(w);
  causal_dataset_free(wd);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_matchit_att), cmocka_unit_test(t_matchit_ipw),
      cmocka_unit_test(t_bad_input), cmocka_unit_test(t_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
