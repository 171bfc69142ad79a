/* Tests of causal_simulate_scenario (include/causal/simulate.h).
 * Reference data: tests/ref/simulate_reference.py re-implements the
 * generator on numpy's PCG64 and writes tests/data/simulate_*.csv. */
#include "testutil.h"

#define REF_SEED UINT64_C(20261122)
#define REF_ROWS 2000

typedef struct scen {
  causal_dataset *rct, *obs, *panel;
  causal_result *truth;
} scen;

static void scen_make(scen *s, uint64_t seed, size_t rows) {
  assert_ok(causal_simulate_scenario(&s->rct, &s->obs, &s->panel, &s->truth,
                                     seed, rows));
}

static void scen_free(scen *s) {
  causal_dataset_free(s->rct);
  causal_dataset_free(s->obs);
  causal_dataset_free(s->panel);
  causal_result_free(s->truth);
}

static double truth(const scen *s, const char *name) {
  double v = NAN;
  assert_ok(causal_result_get_scalar(s->truth, name, &v));
  return v;
}

/* Column as doubles (malloc'ed). */
static double *col(const causal_dataset *ds, const char *name) {
  size_t j, n = causal_dataset_nrows(ds);
  assert_ok(causal_dataset_col_index(ds, name, &j));
  double *v = malloc(n * sizeof *v);
  assert_non_null(v);
  assert_ok(causal_dataset_col_to_f64(ds, j, v, n));
  return v;
}

/* ---- bit-for-bit against the numpy re-implementation ---- */

static void compare_csv(const causal_dataset *ds, const char *file) {
  FILE *f = fopen(cz_test_path(file), "r");
  assert_non_null(f);
  char line[4096];
  assert_non_null(fgets(line, sizeof line, f));
  size_t ncol = causal_dataset_ncols(ds), nrow = causal_dataset_nrows(ds);
  /* header names match the dataset's columns in order */
  char *save = NULL, *tok = strtok_r(line, ",\n", &save);
  for (size_t j = 0; j < ncol; j++) {
    assert_non_null(tok);
    assert_string_equal(tok, causal_dataset_col_name(ds, j));
    tok = strtok_r(NULL, ",\n", &save);
  }
  assert_null(tok);
  double *cols[16];
  assert_true(ncol <= 16);
  for (size_t j = 0; j < ncol; j++)
    cols[j] = col(ds, causal_dataset_col_name(ds, j));
  size_t i = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    assert_true(i < nrow);
    char *p = line;
    for (size_t j = 0; j < ncol; j++) {
      char *end;
      double want = strtod(p, &end);
      assert_true(end != p);
      if (cols[j][i] != want)
        fail_msg("%s row %zu column %s: %.17g, reference %.17g", file, i,
                 causal_dataset_col_name(ds, j), cols[j][i], want);
      p = end + 1;
    }
    i++;
  }
  assert_int_equal(i, nrow);
  fclose(f);
  for (size_t j = 0; j < ncol; j++)
    free(cols[j]);
}

static void test_reference(void **state) {
  (void)state;
  scen s = {0};
  scen_make(&s, REF_SEED, REF_ROWS);
  compare_csv(s.rct, "data/simulate_rct.csv");
  compare_csv(s.obs, "data/simulate_obs.csv");
  compare_csv(s.panel, "data/simulate_panel.csv");
  FILE *f = fopen(cz_test_path("data/simulate_truth.csv"), "r");
  assert_non_null(f);
  char name[128];
  double v;
  int k = 0;
  assert_int_equal(fscanf(f, "%127s", name), 1); /* header */
  while (fscanf(f, " %127[^,],%lf", name, &v) == 2) {
    assert_close(truth(&s, name), v, 1e-14);
    k++;
  }
  assert_int_equal(k, 14);
  fclose(f);
  const char *def = NULL;
  assert_ok(causal_result_get_string(s.truth, "truth_definition", &def));
  assert_non_null(strstr(def, "potential outcomes"));
  assert_string_equal(causal_result_kind(s.truth), "scenario");
  scen_free(&s);
}

/* ---- determinism ---- */

static int same_bytes(const causal_dataset *a, const causal_dataset *b) {
  size_t n = causal_dataset_nrows(a);
  if (n != causal_dataset_nrows(b) ||
      causal_dataset_ncols(a) != causal_dataset_ncols(b))
    return 0;
  for (size_t j = 0; j < causal_dataset_ncols(a); j++) {
    int ta, tb;
    assert_ok(causal_dataset_col_type(a, j, &ta));
    assert_ok(causal_dataset_col_type(b, j, &tb));
    if (ta != tb)
      return 0;
    const void *pa = NULL, *pb = NULL;
    size_t sz = 8;
    if (ta == CAUSAL_TYPE_F64) {
      assert_ok(causal_dataset_col_f64(a, j, (const double **)&pa, NULL));
      assert_ok(causal_dataset_col_f64(b, j, (const double **)&pb, NULL));
    } else if (ta == CAUSAL_TYPE_I64) {
      assert_ok(causal_dataset_col_i64(a, j, (const int64_t **)&pa, NULL));
      assert_ok(causal_dataset_col_i64(b, j, (const int64_t **)&pb, NULL));
    } else {
      assert_ok(causal_dataset_col_bool(a, j, (const uint8_t **)&pa, NULL));
      assert_ok(causal_dataset_col_bool(b, j, (const uint8_t **)&pb, NULL));
      sz = 1;
    }
    if (memcmp(pa, pb, n * sz) != 0)
      return 0;
  }
  return 1;
}

static void test_determinism(void **state) {
  (void)state;
  scen a = {0}, b = {0}, c = {0};
  scen_make(&a, 7, 5000);
  scen_make(&b, 7, 5000);
  scen_make(&c, 8, 5000);
  assert_true(same_bytes(a.rct, b.rct));
  assert_true(same_bytes(a.obs, b.obs));
  assert_true(same_bytes(a.panel, b.panel));
  assert_true(truth(&a, "rct_ate_revenue") == truth(&b, "rct_ate_revenue"));
  assert_true(truth(&a, "did_att") == truth(&b, "did_att"));
  assert_false(same_bytes(a.rct, c.rct));
  assert_false(same_bytes(a.obs, c.obs));
  assert_false(same_bytes(a.panel, c.panel));
  assert_true(truth(&a, "obs_att_revenue") != truth(&c, "obs_att_revenue"));
  /* Each part alone equals the part of the full call (own streams). */
  causal_dataset *p = NULL;
  causal_result *t = NULL;
  assert_ok(causal_simulate_scenario(NULL, NULL, &p, NULL, 7, 5000));
  assert_true(same_bytes(p, a.panel));
  causal_dataset_free(p);
  assert_ok(causal_simulate_scenario(NULL, &p, NULL, NULL, 7, 5000));
  assert_true(same_bytes(p, a.obs));
  causal_dataset_free(p);
  assert_ok(causal_simulate_scenario(&p, NULL, NULL, &t, 7, 5000));
  assert_true(same_bytes(p, a.rct));
  double v;
  assert_ok(causal_result_get_scalar(t, "did_att", &v));
  assert_true(truth(&a, "did_att") == v);
  causal_dataset_free(p);
  causal_result_free(t);
  /* The same users regardless of the total size: a bigger scenario starts
   * with the same rct users (same stream). */
  scen big = {0};
  scen_make(&big, 7, 10000);
  double *x5 = col(a.rct, "tenure"), *x10 = col(big.rct, "tenure");
  for (size_t i = 0; i < causal_dataset_nrows(a.rct); i++)
    assert_true(x5[i] == x10[i]);
  free(x5);
  free(x10);
  scen_free(&big);
  scen_free(&a);
  scen_free(&b);
  scen_free(&c);
}

/* ---- sizes and schema ---- */

static void check_schema(const causal_dataset *ds, const char *const *names,
                         const int *types, size_t k) {
  assert_int_equal(causal_dataset_ncols(ds), k);
  for (size_t j = 0; j < k; j++) {
    int t;
    size_t nm;
    assert_string_equal(causal_dataset_col_name(ds, j), names[j]);
    assert_ok(causal_dataset_col_type(ds, j, &t));
    assert_int_equal(t, types[j]);
    assert_ok(causal_dataset_col_nmissing(ds, j, &nm));
    assert_int_equal(nm, 0);
  }
}

static void test_sizes(void **state) {
  (void)state;
  static const char *const un[] = {"unit",        "treated",   "tenure",
                                   "mobile",      "pre_revenue", "converted",
                                   "revenue"};
  static const int ut[] = {CAUSAL_TYPE_I64, CAUSAL_TYPE_BOOL, CAUSAL_TYPE_F64,
                           CAUSAL_TYPE_BOOL, CAUSAL_TYPE_F64, CAUSAL_TYPE_BOOL,
                           CAUSAL_TYPE_F64};
  static const char *const pn[] = {"unit", "period", "cohort", "treated",
                                   "revenue"};
  static const int pt[] = {CAUSAL_TYPE_I64, CAUSAL_TYPE_I64, CAUSAL_TYPE_I64,
                           CAUSAL_TYPE_BOOL, CAUSAL_TYPE_F64};
  static const size_t sizes[] = {1000, 1001, 12345, 99999, 250000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t rows = sizes[k];
    scen s = {0};
    scen_make(&s, 3, rows);
    size_t nr = causal_dataset_nrows(s.rct), no = causal_dataset_nrows(s.obs),
           np = causal_dataset_nrows(s.panel);
    assert_int_equal(nr + no + np, rows);
    assert_int_equal(np, 10 * (rows / 100));
    assert_int_equal(nr, (rows - np) / 5);
    assert_true(truth(&s, "rows") == (double)rows);
    assert_true(truth(&s, "n_rct") == (double)nr);
    assert_true(truth(&s, "n_obs") == (double)no);
    assert_true(truth(&s, "n_panel") == (double)np);
    assert_true(truth(&s, "n_units") == (double)(rows / 100));
    assert_true(truth(&s, "n_periods") == 10);
    assert_true(truth(&s, "seed") == 3);
    check_schema(s.rct, un, ut, 7);
    check_schema(s.obs, un, ut, 7);
    check_schema(s.panel, pn, pt, 5);
    /* ids: rct 1..nr, obs nr+1..nr+no */
    double *id = col(s.obs, "unit");
    assert_true(id[0] == (double)nr + 1 && id[no - 1] == (double)(nr + no));
    free(id);
    scen_free(&s);
  }
}

/* ---- panel structure ---- */

static void test_panel(void **state) {
  (void)state;
  scen s = {0};
  scen_make(&s, 11, 200000); /* 2000 units */
  size_t n = causal_dataset_nrows(s.panel);
  double *u = col(s.panel, "unit"), *t = col(s.panel, "period"),
         *c = col(s.panel, "cohort"), *d = col(s.panel, "treated");
  size_t never = 0, ncoh[9] = {0};
  for (size_t i = 0; i < n; i++) {
    assert_true(u[i] == (double)(i / 10 + 1));
    assert_true(t[i] == (double)(i % 10 + 1));
    assert_true(c[i] == c[i - i % 10]); /* constant within a unit */
    assert_true(c[i] == 0 || c[i] == 4 || c[i] == 6 || c[i] == 8);
    assert_true(d[i] == (c[i] > 0 && t[i] >= c[i] ? 1.0 : 0.0));
    if (i % 10 == 0) {
      never += c[i] == 0;
      ncoh[(int)c[i]]++;
    }
  }
  /* shares 0.4 / 0.2 / 0.2 / 0.2 within 5 binomial SE of 2000 units */
  assert_true(fabs((double)never / 2000 - 0.4) < 5 * sqrt(0.24 / 2000));
  for (int k = 4; k <= 8; k += 2)
    assert_true(fabs((double)ncoh[k] / 2000 - 0.2) < 5 * sqrt(0.16 / 2000));
  /* truth near the parameter 2: sd(tau) = 0.5 over ~1200 treated units */
  assert_true(fabs(truth(&s, "did_att") - 2.0) < 5 * 0.5 / sqrt(1000.0));
  free(u);
  free(t);
  free(c);
  free(d);
  scen_free(&s);
}

/* ---- truths against the generating parameters ---- */

static double mean_where(const double *x, const double *w, size_t n,
                         int want, size_t *count) {
  double s = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (w == NULL || (w[i] != 0) == want) {
      s += x[i];
      k++;
    }
  if (count)
    *count = k;
  return s / (double)k;
}

static double var_where(const double *x, const double *w, size_t n,
                        int want) {
  size_t k;
  double m = mean_where(x, w, n, want, &k), s = 0;
  for (size_t i = 0; i < n; i++)
    if (w == NULL || (w[i] != 0) == want)
      s += (x[i] - m) * (x[i] - m);
  return s / (double)(k - 1);
}

static double smd(const double *x, const double *t, size_t n) {
  double d = mean_where(x, t, n, 1, NULL) - mean_where(x, t, n, 0, NULL);
  return d / sqrt((var_where(x, t, n, 1) + var_where(x, t, n, 0)) / 2);
}

/* E[logistic(eta + 0.2) - logistic(eta)] with eta = -2 + 0.3 mobile + N(0,
 * 0.6^2 + 0.3^2): the population conversion effect, by the trapezoid rule. */
static double conversion_effect(void) {
  double sd = sqrt(0.36 + 0.09), total = 0;
  for (int m = 0; m <= 1; m++) {
    double mu = -2 + 0.3 * m, s = 0, h = 1e-3;
    for (double z = -10; z <= 10; z += h) {
      double eta = mu + sd * z;
      s += (1 / (1 + exp(-eta - 0.2)) - 1 / (1 + exp(-eta))) *
           exp(-z * z / 2) * h;
    }
    total += (m ? 0.4 : 0.6) * s / sqrt(2 * 3.14159265358979323846);
  }
  return total;
}

static void test_truth(void **state) {
  (void)state;
  scen s = {0};
  scen_make(&s, 2024, 500000);
  size_t nr = causal_dataset_nrows(s.rct), no = causal_dataset_nrows(s.obs);
  double *xr = col(s.rct, "tenure"), *tr = col(s.rct, "treated");
  double *xo = col(s.obs, "tenure"), *to = col(s.obs, "treated");
  /* revenue effect 0.5 + 0.4 tenure: exact identities over the units */
  assert_close(truth(&s, "rct_ate_revenue"),
               0.5 + 0.4 * mean_where(xr, NULL, nr, 0, NULL), 1e-12);
  assert_close(truth(&s, "obs_ate_revenue"),
               0.5 + 0.4 * mean_where(xo, NULL, no, 0, NULL), 1e-12);
  assert_close(truth(&s, "obs_att_revenue"),
               0.5 + 0.4 * mean_where(xo, to, no, 1, NULL), 1e-12);
  /* and near the population parameter */
  assert_true(fabs(truth(&s, "rct_ate_revenue") - 0.5) < 5 * 0.4 / sqrt(nr));
  assert_true(truth(&s, "obs_att_revenue") > 0.6); /* selection on tenure */
  /* conversion: sample ATE near the population effect (5 SE; the share of
   * units whose conversion the treatment changes is about 3%) */
  double ce = conversion_effect();
  assert_true(ce > 0.02 && ce < 0.04);
  assert_true(fabs(truth(&s, "rct_ate_conversion") - ce) <
              5 * sqrt(ce / (double)nr));
  assert_true(fabs(truth(&s, "obs_ate_conversion") - ce) <
              5 * sqrt(ce / (double)no));
  assert_true(truth(&s, "param_revenue_effect") == 0.5);
  assert_true(truth(&s, "param_revenue_effect_tenure") == 0.4);
  assert_true(truth(&s, "param_conversion_logodds") == 0.2);
  assert_true(truth(&s, "param_did_effect") == 2.0);
  assert_true(truth(&s, "param_rct_share") == 0.2);
  assert_true(truth(&s, "param_rct_p_treat") == 0.5);
  /* rct share of the user traffic */
  assert_close((double)nr / (double)(nr + no), 0.2, 1e-3);
  free(xr);
  free(tr);
  free(xo);
  free(to);
  scen_free(&s);
}

/* ---- randomized arms balanced, observational arm confounded ---- */

static void test_balance_and_confounding(void **state) {
  (void)state;
  scen s = {0};
  scen_make(&s, 99, 500000);
  static const char *const cov[] = {"tenure", "mobile", "pre_revenue"};
  size_t nr = causal_dataset_nrows(s.rct), no = causal_dataset_nrows(s.obs);
  double *tr = col(s.rct, "treated"), *to = col(s.obs, "treated");
  size_t n1;
  double share = mean_where(tr, NULL, nr, 0, &n1);
  assert_true(fabs(share - 0.5) < 5 * sqrt(0.25 / nr));
  double se_smd = sqrt(4.0 / (double)nr);
  for (int k = 0; k < 3; k++) {
    double *x = col(s.rct, cov[k]), *y = col(s.obs, cov[k]);
    assert_true(fabs(smd(x, tr, nr)) < 5 * se_smd);
    assert_true(smd(y, to, no) > 0.15); /* treated differ, upwards */
    free(x);
    free(y);
  }
  double share_obs = mean_where(to, NULL, no, 0, NULL);
  assert_true(share_obs > 0.15 && share_obs < 0.5);
  /* naive difference in the rct covers its truth within 5 SE; in obs it
   * is biased upwards by far more than 10 SE */
  double *yr = col(s.rct, "revenue"), *yo = col(s.obs, "revenue");
  size_t k1, k0;
  double d = mean_where(yr, tr, nr, 1, &k1) - mean_where(yr, tr, nr, 0, &k0);
  double se = sqrt(var_where(yr, tr, nr, 1) / k1 + var_where(yr, tr, nr, 0) / k0);
  assert_true(fabs(d - truth(&s, "rct_ate_revenue")) < 5 * se);
  d = mean_where(yo, to, no, 1, &k1) - mean_where(yo, to, no, 0, &k0);
  se = sqrt(var_where(yo, to, no, 1) / k1 + var_where(yo, to, no, 0) / k0);
  double bias = d - truth(&s, "obs_att_revenue");
  assert_true(bias > 10 * se);
  assert_true(bias > 1.0);
  free(tr);
  free(to);
  free(yr);
  free(yo);
  scen_free(&s);
}

/* ---- errors ---- */

static void test_errors(void **state) {
  (void)state;
  causal_dataset *a = (causal_dataset *)&a, *b = (causal_dataset *)&b,
                 *c = (causal_dataset *)&c;
  causal_result *r = (causal_result *)&r;
  assert_status(causal_simulate_scenario(NULL, NULL, NULL, NULL, 1, 5000),
                CAUSAL_EINVAL);
  assert_error_mentions("all NULL");
  assert_status(causal_simulate_scenario(&a, &b, &c, &r, 1, 999),
                CAUSAL_ERANGE);
  assert_error_mentions("rows = 999");
  assert_null(a);
  assert_null(b);
  assert_null(c);
  assert_null(r);
  assert_status(causal_simulate_scenario(&a, NULL, NULL, NULL, 1, 0),
                CAUSAL_ERANGE);
  if (sizeof(size_t) > 4) {
    size_t big = (size_t)((uint64_t)1 << 32) + 1;
    assert_status(causal_simulate_scenario(NULL, NULL, NULL, &r, 1, big),
                  CAUSAL_ERANGE);
    assert_error_mentions("rows");
  }
}

static int oom_run(void *arg) {
  int *which = arg;
  causal_dataset *a = NULL, *b = NULL, *c = NULL;
  causal_result *r = NULL;
  int rc = causal_simulate_scenario(*which & 1 ? &a : NULL,
                                    *which & 2 ? &b : NULL,
                                    *which & 4 ? &c : NULL,
                                    *which & 8 ? &r : NULL, 5, 1000);
  if (rc != CAUSAL_OK && (a || b || c || r))
    return CAUSAL_EINTERNAL; /* outputs must be NULL on failure */
  causal_dataset_free(a);
  causal_dataset_free(b);
  causal_dataset_free(c);
  causal_result_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  static int which[] = {15, 1, 2, 4, 8};
  for (size_t k = 0; k < sizeof which / sizeof which[0]; k++)
    cz_oom_sweep(oom_run, &which[k]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_panel),
      cmocka_unit_test(test_truth),
      cmocka_unit_test(test_balance_and_confounding),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
