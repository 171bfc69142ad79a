/* Propensity scores: LaLonde logit against R glm, overlap diagnostics,
 * Crump trimming against the rule written out in R, bad input, OOM. */
#include "obs_testutil.h"

static causal_propensity *lalonde_spec(void) {
  causal_propensity *p = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "treat"));
  for (size_t j = 0; j < OBS_NTERMS; j++)
    assert_ok(causal_propensity_add_term(p, obs_terms[j]));
  return p;
}

static void t_lalonde_scores(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *ref = obs_read("data/propensity_lalonde_scores.csv");
  causal_dataset *sc = obs_read("data/propensity_lalonde_scalars.csv");
  causal_dataset *cf = obs_read("data/propensity_lalonde_coef.csv");
  causal_propensity *p = lalonde_spec();
  causal_result *r = NULL;
  assert_ok(causal_propensity_fit(&r, p, ds));
  const double *e = NULL, *eta = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "propensity", &e, &n));
  assert_int_equal(n, 614);
  assert_ok(causal_result_get_vector(r, "linear_predictor", &eta, &n));
  double *re = obs_col(ref, "propensity"), *reta = obs_col(ref,
                                                          "linear_predictor");
  for (size_t i = 0; i < n; i++) {
    assert_close(e[i], re[i], 1e-10);
    assert_close(eta[i], reta[i], 1e-9);
  }
  /* coefficients vs glm */
  const double *c = NULL;
  size_t k = 0, nc = 0;
  assert_ok(causal_result_get_matrix(r, "coef", &c, &k, &nc));
  assert_int_equal(k, 9);
  double *ce = obs_col(cf, "estimate"), *cse = obs_col(cf, "std_error");
  for (size_t j = 0; j < k; j++) {
    assert_close(c[j], ce[j], 1e-9);
    assert_close(c[k + j], cse[j], 1e-8);
  }
  /* overlap */
  assert_close(obs_scalar(r, "support_low"),
               obs_lookup(sc, "name", "support_low", "value"), 1e-12);
  assert_close(obs_scalar(r, "support_high"),
               obs_lookup(sc, "name", "support_high", "value"), 1e-12);
  assert_true(obs_scalar(r, "n_outside_support") ==
              obs_lookup(sc, "name", "n_outside_support", "value"));
  assert_close(obs_scalar(r, "share_outside_support"), 65.0 / 614, 1e-15);
  assert_true(obs_scalar(r, "n_treated") == 185);
  assert_true(obs_scalar(r, "n_control") == 429);
  /* quantiles */
  causal_dataset *qd = obs_read("data/propensity_lalonde_quantiles.csv");
  const double *q = NULL;
  size_t qr = 0, qc = 0;
  assert_ok(causal_result_get_matrix(r, "quantiles", &q, &qr, &qc));
  assert_int_equal(qr, 2);
  assert_int_equal(qc, 7);
  const char *qn[7] = {"X0.", "X5.", "X25.", "X50.", "X75.", "X95.", "X100."};
  for (size_t j = 0; j < 7; j++) {
    double *col = obs_col(qd, qn[j]);
    assert_close(q[j * 2 + 0], col[0], 1e-12);
    assert_close(q[j * 2 + 1], col[1], 1e-12);
    free(col);
  }
  /* histogram: counts add up per arm, common edges */
  const double *edges = NULL, *hc = NULL;
  size_t ne = 0, hr = 0, hcn = 0;
  assert_ok(causal_result_get_vector(r, "hist_edges", &edges, &ne));
  assert_int_equal(ne, 21);
  assert_ok(causal_result_get_matrix(r, "hist_counts", &hc, &hr, &hcn));
  double s0 = 0, s1 = 0;
  for (size_t j = 0; j < hcn; j++) {
    s0 += hc[j * 2];
    s1 += hc[j * 2 + 1];
  }
  assert_true(s0 == 429 && s1 == 185);
  assert_close(edges[0], q[0], 1e-15);        /* min control */
  assert_close(edges[20], q[6 * 2 + 1], 1e-15); /* max treated */
  /* check every count by brute force */
  for (size_t j = 0; j < 20; j++) {
    double cnt[2] = {0, 0};
    const double *tv = NULL;
    assert_ok(causal_result_get_vector(r, "treatment", &tv, &n));
    for (size_t i = 0; i < n; i++)
      if (e[i] >= edges[j] && (e[i] < edges[j + 1] || j == 19))
        cnt[tv[i] == 1.0] += 1;
    assert_true(cnt[0] == hc[j * 2] && cnt[1] == hc[j * 2 + 1]);
  }
  free(re);
  free(reta);
  free(ce);
  free(cse);
  causal_result_free(r);
  causal_propensity_free(p);
  causal_dataset_free(qd);
  causal_dataset_free(cf);
  causal_dataset_free(sc);
  causal_dataset_free(ref);
  causal_dataset_free(ds);
}

static void t_trimming(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *sc = obs_read("data/propensity_lalonde_scalars.csv");
  causal_propensity *p = lalonde_spec();
  causal_result *r = NULL;
  assert_ok(causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM,
                                      CAUSAL_TRIM_CRUMP));
  assert_ok(causal_propensity_fit(&r, p, ds));
  assert_close(obs_scalar(r, "crump_alpha"),
               obs_lookup(sc, "name", "crump_alpha", "value"), 1e-12);
  assert_true(obs_scalar(r, "n_trimmed") ==
              obs_lookup(sc, "name", "n_crump_trimmed", "value"));
  causal_result_free(r);
  /* fixed bounds: count by hand */
  assert_ok(causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM,
                                      CAUSAL_TRIM_FIXED));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_LOW, 0.05));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_HIGH, 0.8));
  assert_ok(causal_propensity_fit(&r, p, ds));
  const double *e = NULL, *keep = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "propensity", &e, &n));
  assert_ok(causal_result_get_vector(r, "keep", &keep, &n));
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++) {
    int in = e[i] >= 0.05 && e[i] <= 0.8;
    assert_true(keep[i] == in);
    cnt += !in;
  }
  assert_true(obs_scalar(r, "n_trimmed") == (double)cnt);
  assert_true(cnt > 0);
  causal_result_free(r);
  /* clipping: scores at the bounds, counted */
  assert_ok(causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM,
                                      CAUSAL_TRIM_NONE));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_LOW, 0.05));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_HIGH, 0.8));
  assert_ok(causal_propensity_fit(&r, p, ds));
  assert_ok(causal_result_get_vector(r, "propensity", &e, &n));
  for (size_t i = 0; i < n; i++)
    assert_true(e[i] >= 0.05 && e[i] <= 0.8);
  assert_true(obs_scalar(r, "n_clipped") == (double)cnt);
  causal_result_free(r);
  causal_propensity_free(p);
  causal_dataset_free(sc);
  causal_dataset_free(ds);
}

static void t_supplied_scores(void **state) {
  (void)state;
  double e[6] = {0.2, 0.6, 0.4, 0.3, 0.5, 0.7};
  double t[6] = {0, 0, 1, 0, 1, 1};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "ps", e, NULL, 6, CAUSAL_COPY));
  causal_propensity *p = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "t"));
  assert_ok(causal_propensity_set_scores(p, "ps"));
  causal_result *r = NULL;
  assert_ok(causal_propensity_fit(&r, p, ds));
  const double *v = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "propensity", &v, &n));
  for (size_t i = 0; i < 6; i++)
    assert_true(v[i] == e[i]);
  assert_ok(causal_result_get_vector(r, "linear_predictor", &v, &n));
  assert_close(v[0], log(0.25), 1e-15);
  const char *src = NULL;
  assert_ok(causal_result_get_string(r, "source", &src));
  assert_string_equal(src, "supplied");
  int type = 0;
  assert_status(causal_result_type(r, "coef", &type), CAUSAL_ENOTFOUND);
  causal_result_free(r);
  /* a score of 0, a NaN score, no overlap */
  double bad[6] = {0.0, 0.6, 0.4, 0.3, 0.5, 0.7};
  assert_ok(causal_dataset_add_f64(ds, "ps0", bad, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_propensity_set_scores(p, "ps0"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ERANGE);
  assert_error_mentions("row 0");
  assert_null(r);
  bad[0] = NAN;
  assert_ok(causal_dataset_add_f64(ds, "psnan", bad, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_propensity_set_scores(p, "psnan"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_EMISSING);
  assert_error_mentions("row 0");
  double sep[6] = {0.1, 0.2, 0.6, 0.3, 0.7, 0.8};
  assert_ok(causal_dataset_add_f64(ds, "pssep", sep, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_propensity_set_scores(p, "pssep"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ENOOVERLAP);
  assert_error_mentions("common support");
  /* clipping rescues the score at 0 */
  assert_ok(causal_propensity_set_scores(p, "ps0"));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_LOW, 0.01));
  assert_ok(causal_propensity_fit(&r, p, ds));
  assert_true(obs_scalar(r, "n_clipped") == 1);
  causal_result_free(r);
  /* trimming that removes an arm */
  assert_ok(causal_propensity_set_scores(p, "ps"));
  assert_ok(causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM,
                                      CAUSAL_TRIM_FIXED));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_LOW, 0.45));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_HIGH, 0.55));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ENOOVERLAP);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

static void t_bad_input(void **state) {
  (void)state;
  double t1[5] = {1, 1, 1, 1, 1}, x[5] = {1, 2, 3, 4, 5},
         c[5] = {2, 2, 2, 2, 2}, t2[5] = {0, 1, 0, 2, 1},
         t3[6] = {0, 0, 0, 1, 1, 1}, x3[6] = {1, 2, 3, 4, 5, 6};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "all", t1, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "c", c, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "t2", t2, NULL, 5, CAUSAL_COPY));
  causal_propensity *p = NULL;
  causal_result *r = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_EINVAL);
  assert_error_mentions("treatment");
  assert_ok(causal_propensity_set_treatment(p, "all"));
  assert_ok(causal_propensity_add_term(p, "x"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_EINVAL);
  assert_error_mentions("no controls");
  assert_ok(causal_propensity_set_treatment(p, "t2"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_EINVAL);
  assert_error_mentions("row 3");
  assert_ok(causal_propensity_set_treatment(p, "nope"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ENOTFOUND);
  causal_propensity_free(p);
  causal_dataset_free(ds);
  /* perfect separation and a constant covariate */
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t3, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x3, NULL, 6, CAUSAL_COPY));
  double c6[6] = {2, 2, 2, 2, 2, 2};
  assert_ok(causal_dataset_add_f64(ds, "c", c6, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "t"));
  assert_ok(causal_propensity_add_term(p, "x"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ESEPARATION);
  assert_error_mentions("x");
  causal_propensity_free(p);
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "t"));
  assert_ok(causal_propensity_add_term(p, "c"));
  assert_status(causal_propensity_fit(&r, p, ds), CAUSAL_ESINGULAR);
  assert_error_mentions("c");
  /* options */
  assert_status(causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM, 3),
                CAUSAL_ERANGE);
  assert_status(causal_propensity_set_int(p, CAUSAL_PROPENSITY_CLIP_LOW, 3),
                CAUSAL_EINVAL);
  assert_status(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_LOW,
                                             NAN),
                CAUSAL_ERANGE);
  assert_status(causal_propensity_set_double(p, 999, 0.1), CAUSAL_EINVAL);
  double lo, hi, v;
  int64_t iv;
  assert_ok(causal_propensity_bounds(CAUSAL_PROPENSITY_BINS, &lo, &hi));
  assert_true(lo == 1 && hi == 10000);
  assert_ok(causal_propensity_get_int(p, CAUSAL_PROPENSITY_BINS, &iv));
  assert_true(iv == 20);
  assert_ok(causal_propensity_get_double(p, CAUSAL_PROPENSITY_TRIM_HIGH, &v));
  assert_true(v == 0.9);
  assert_status(causal_propensity_add_term(p, "c"), CAUSAL_EEXISTS);
  assert_status(causal_propensity_add_term(p, ""), CAUSAL_EPARSE);
  assert_status(causal_propensity_set_treatment(p, NULL), CAUSAL_EINVAL);
  assert_status(causal_propensity_fit(NULL, p, ds), CAUSAL_EINVAL);
  assert_status(causal_propensity_fit(&r, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_propensity_fit(&r, p, NULL), CAUSAL_EINVAL);
  assert_status(causal_propensity_new(NULL), CAUSAL_EINVAL);
  causal_propensity_free(NULL);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

static void t_missing_rows(void **state) {
  (void)state;
  double t[8] = {0, 1, 0, 1, 0, 1, 0, 1};
  double x[8] = {1, NAN, 3, 2, 5, 4, 2, 6};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 8, CAUSAL_COPY));
  causal_propensity *p = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "t"));
  assert_ok(causal_propensity_add_term(p, "x"));
  causal_result *r = NULL;
  assert_ok(causal_propensity_fit(&r, p, ds));
  assert_true(obs_scalar(r, "nobs") == 7);
  assert_true(obs_scalar(r, "n_dropped") == 1);
  const double *rows = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "rows", &rows, &n));
  assert_true(rows[0] == 0 && rows[1] == 2);
  causal_result_free(r);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

typedef struct oomarg {
  causal_dataset *ds;
  int trim;
} oomarg;

static int oom_fit(void *arg) {
  oomarg *o = arg;
  causal_propensity *p = NULL;
  causal_result *r = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(p, "treat");
  for (size_t j = 0; rc == CAUSAL_OK && j < 3; j++)
    rc = causal_propensity_add_term(p, obs_terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM, o->trim);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_fit(&r, p, o->ds);
  causal_result_free(r);
  causal_propensity_free(p);
  return rc;
}

static void t_oom(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  oomarg o = {ds, CAUSAL_TRIM_CRUMP};
  cz_oom_sweep(oom_fit, &o);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_lalonde_scores), cmocka_unit_test(t_trimming),
      cmocka_unit_test(t_supplied_scores), cmocka_unit_test(t_bad_input),
      cmocka_unit_test(t_missing_rows), cmocka_unit_test(t_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
