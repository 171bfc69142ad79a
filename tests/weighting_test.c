/* IPW / Hajek / AIPW with M-estimation standard errors: LaLonde against
 * the stacked-moment reference (tests/ref/weighting_reference.py, the
 * moment conditions of statsmodels' TreatmentEffect), R point estimates
 * (tests/ref/propensity_reference.R), coverage simulation, bad input, OOM. */
#include "obs_testutil.h"

#include "../lib/internal/rng.h"

static causal_propensity *lalonde_ps(double lo, double hi) {
  causal_propensity *p = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "treat"));
  for (size_t j = 0; j < OBS_NTERMS; j++)
    assert_ok(causal_propensity_add_term(p, obs_terms[j]));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_LOW, lo));
  assert_ok(causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_HIGH, hi));
  return p;
}

static int method_code(const char *m) {
  return strcmp(m, "ipw") == 0     ? CAUSAL_WEIGHTING_IPW
         : strcmp(m, "hajek") == 0 ? CAUSAL_WEIGHTING_HAJEK
                                   : CAUSAL_WEIGHTING_AIPW;
}

static int estimand_code(const char *e) {
  return strcmp(e, "ATE") == 0   ? CAUSAL_WEIGHTING_ATE
         : strcmp(e, "ATT") == 0 ? CAUSAL_WEIGHTING_ATT
         : strcmp(e, "ATC") == 0 ? CAUSAL_WEIGHTING_ATC
                                 : CAUSAL_WEIGHTING_ATO;
}

static void t_lalonde_reference(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *ref = obs_read("data/weighting_lalonde.csv");
  size_t nref = causal_dataset_nrows(ref), mc = 0, ec = 0;
  assert_int_equal(nref, 48);
  assert_ok(causal_dataset_col_index(ref, "method", &mc));
  assert_ok(causal_dataset_col_index(ref, "estimand", &ec));
  const int32_t *mcode = NULL, *ecode = NULL;
  assert_ok(causal_dataset_col_cat(ref, mc, &mcode));
  assert_ok(causal_dataset_col_cat(ref, ec, &ecode));
  double *lo = obs_col(ref, "clip_low"), *hi = obs_col(ref, "clip_high");
  double *cl = obs_col(ref, "cluster"), *est = obs_col(ref, "estimate");
  double *se = obs_col(ref, "std_error"), *mu1 = obs_col(ref, "mu1");
  double *mu0 = obs_col(ref, "mu0"), *se1 = obs_col(ref, "mu1_se");
  double *se0 = obs_col(ref, "mu0_se");
  double worst_est = 0, worst_se = 0;
  for (size_t i = 0; i < nref; i++) {
    const char *m = causal_dataset_cat_label(ref, mc, (size_t)mcode[i]);
    const char *e = causal_dataset_cat_label(ref, ec, (size_t)ecode[i]);
    causal_propensity *p = lalonde_ps(lo[i], hi[i]);
    causal_weighting *w = NULL;
    assert_ok(causal_weighting_new(&w));
    assert_ok(causal_weighting_set_outcome(w, "re78"));
    assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                       method_code(m)));
    assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND,
                                       estimand_code(e)));
    if (cl[i] != 0)
      assert_ok(causal_weighting_set_cluster(w, "educ"));
    causal_result *r = NULL;
    assert_ok(causal_weighting_fit(&r, w, p, ds));
    double vals[6] = {obs_scalar(r, "estimate"), obs_scalar(r, "std_error"),
                      obs_scalar(r, "mu1"),      obs_scalar(r, "mu0"),
                      obs_scalar(r, "mu1_std_error"),
                      obs_scalar(r, "mu0_std_error")};
    double refs[6] = {est[i], se[i], mu1[i], mu0[i], se1[i], se0[i]};
    for (int j = 0; j < 6; j++) {
      double rel = fabs(vals[j] - refs[j]) / fabs(refs[j]);
      if (j == 0 || j == 2 || j == 3)
        worst_est = fmax(worst_est, rel);
      else
        worst_se = fmax(worst_se, rel);
      if (rel > 1e-10)
        fail_msg("%s %s clip [%g, %g] cluster %g: value %d = %.17g, "
                 "reference %.17g (rel %.3g)",
                 m, e, lo[i], hi[i], cl[i], j, vals[j], refs[j], rel);
    }
    const char *s = NULL;
    assert_ok(causal_result_get_string(r, "estimand", &s));
    assert_string_equal(s, e);
    causal_result_free(r);
    causal_weighting_free(w);
    causal_propensity_free(p);
  }
  print_message("weighting vs reference: worst rel err estimates %.2e, "
                "std errors %.2e\n",
                worst_est, worst_se);
  free(lo);
  free(hi);
  free(cl);
  free(est);
  free(se);
  free(mu1);
  free(mu0);
  free(se1);
  free(se0);
  causal_dataset_free(ref);
  causal_dataset_free(ds);
}

/* Point estimates against R (weighted.mean / lm with weights). */
static void t_lalonde_r(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_dataset *sc = obs_read("data/propensity_lalonde_scalars.csv");
  const char *names[4] = {"hajek_ATE", "hajek_ATT", "hajek_ATC", "hajek_ATO"};
  for (int e = 1; e <= 5; e++) {
    causal_propensity *p = lalonde_ps(0, 1);
    causal_weighting *w = NULL;
    assert_ok(causal_weighting_new(&w));
    assert_ok(causal_weighting_set_outcome(w, "re78"));
    if (e == 5) {
      assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                         CAUSAL_WEIGHTING_IPW));
    } else {
      assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND, e));
    }
    assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_STABILIZE, 1));
    causal_result *r = NULL;
    assert_ok(causal_weighting_fit(&r, w, p, ds));
    double ref = obs_lookup(sc, "name", e == 5 ? "ht_ATE" : names[e - 1],
                            "value");
    assert_close(obs_scalar(r, "estimate"), ref, 1e-10);
    /* stabilized ATE weights: P(T=a) / P(T=a | x) */
    if (e == 1) {
      const double *wt = NULL, *ps = NULL, *tt = NULL;
      size_t n = 0;
      assert_ok(causal_result_get_vector(r, "weights", &wt, &n));
      assert_ok(causal_result_get_vector(r, "propensity", &ps, &n));
      assert_ok(causal_result_get_vector(r, "treatment", &tt, &n));
      for (size_t i = 0; i < n; i++)
        assert_close(wt[i], tt[i] ? (185.0 / 614) / ps[i]
                                  : (429.0 / 614) / (1 - ps[i]),
                      1e-14);
    }
    causal_result_free(r);
    causal_weighting_free(w);
    causal_propensity_free(p);
  }
  causal_dataset_free(sc);
  causal_dataset_free(ds);
}

/* Coverage: y = 1 + tau T + x1 + x2 + e, logit P(T) = 0.3 x1 - 0.4 x2,
 * true ATE tau = 2 (constant effect). 400 replications of n = 500. */
static void t_coverage(void **state) {
  (void)state;
  enum { R = 400, N = 500 };
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 20261122, 6));
  double x1[N], x2[N], t[N], y[N];
  int cover[2] = {0, 0};
  for (int rep = 0; rep < R; rep++) {
    for (int i = 0; i < N; i++) {
      x1[i] = cz_rng_normal1(rng);
      x2[i] = cz_rng_normal1(rng);
      double pr = 1 / (1 + exp(-(0.3 * x1[i] - 0.4 * x2[i])));
      t[i] = cz_rng_uniform1(rng) < pr;
      y[i] = 1 + 2 * t[i] + x1[i] + x2[i] + x1[i] * x2[i] * 0.5 +
             cz_rng_normal1(rng);
    }
    causal_dataset *ds = NULL;
    assert_ok(causal_dataset_new(&ds));
    assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "x1", x1, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "x2", x2, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_BORROW));
    causal_propensity *p = NULL;
    assert_ok(causal_propensity_new(&p));
    assert_ok(causal_propensity_set_treatment(p, "t"));
    assert_ok(causal_propensity_add_term(p, "x1"));
    assert_ok(causal_propensity_add_term(p, "x2"));
    for (int m = 0; m < 2; m++) {
      causal_weighting *w = NULL;
      assert_ok(causal_weighting_new(&w));
      assert_ok(causal_weighting_set_outcome(w, "y"));
      assert_ok(causal_weighting_set_int(
          w, CAUSAL_WEIGHTING_METHOD,
          m ? CAUSAL_WEIGHTING_AIPW : CAUSAL_WEIGHTING_HAJEK));
      causal_result *r = NULL;
      assert_ok(causal_weighting_fit(&r, w, p, ds));
      cover[m] += obs_scalar(r, "conf_low") <= 2 &&
                  2 <= obs_scalar(r, "conf_high");
      causal_result_free(r);
      causal_weighting_free(w);
    }
    causal_propensity_free(p);
    causal_dataset_free(ds);
  }
  print_message("coverage of 95%% intervals: Hajek %.3f, AIPW %.3f\n",
                cover[0] / (double)R, cover[1] / (double)R);
  for (int m = 0; m < 2; m++) {
    double c = cover[m] / (double)R;
    assert_true(c >= 0.92 && c <= 0.98);
  }
  causal_rng_free(rng);
}

static void t_bad_input(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  causal_propensity *p = lalonde_ps(0, 1);
  causal_weighting *w = NULL;
  causal_result *r = NULL;
  assert_ok(causal_weighting_new(&w));
  assert_status(causal_weighting_fit(&r, w, p, ds), CAUSAL_EINVAL);
  assert_error_mentions("outcome");
  assert_ok(causal_weighting_set_outcome(w, "nope"));
  assert_status(causal_weighting_fit(&r, w, p, ds), CAUSAL_ENOTFOUND);
  assert_ok(causal_weighting_set_outcome(w, "race"));
  assert_status(causal_weighting_fit(&r, w, p, ds), CAUSAL_ETYPE);
  assert_ok(causal_weighting_set_outcome(w, "re78"));
  /* one cluster only */
  assert_ok(causal_weighting_set_cluster(w, "treat"));
  assert_ok(causal_weighting_fit(&r, w, p, ds)); /* 2 clusters: fine */
  assert_true(obs_scalar(r, "n_clusters") == 2);
  causal_result_free(r);
  assert_ok(causal_weighting_set_cluster(w, NULL));
  /* AIPW with an outcome term constant within an arm: singular */
  assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                     CAUSAL_WEIGHTING_AIPW));
  assert_ok(causal_weighting_add_outcome_term(w, "treat"));
  assert_status(causal_weighting_fit(&r, w, p, ds), CAUSAL_ESINGULAR);
  assert_error_mentions("arm");
  assert_status(causal_weighting_add_outcome_term(w, "treat"),
                CAUSAL_EEXISTS);
  /* options */
  assert_status(causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND, 5),
                CAUSAL_ERANGE);
  assert_status(causal_weighting_set_int(w, CAUSAL_WEIGHTING_CONF_LEVEL, 1),
                CAUSAL_EINVAL);
  assert_status(causal_weighting_set_double(w, CAUSAL_WEIGHTING_CONF_LEVEL, 1),
                CAUSAL_ERANGE);
  assert_ok(causal_weighting_set_double(w, CAUSAL_WEIGHTING_CONF_LEVEL, 0.9));
  double v, lo, hi;
  int64_t iv;
  assert_ok(causal_weighting_get_double(w, CAUSAL_WEIGHTING_CONF_LEVEL, &v));
  assert_true(v == 0.9);
  assert_ok(causal_weighting_get_int(w, CAUSAL_WEIGHTING_METHOD, &iv));
  assert_true(iv == CAUSAL_WEIGHTING_AIPW);
  assert_ok(causal_weighting_bounds(CAUSAL_WEIGHTING_ESTIMAND, &lo, &hi));
  assert_true(lo == 1 && hi == 4);
  assert_status(causal_weighting_bounds(77, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_weighting_fit(NULL, w, p, ds), CAUSAL_EINVAL);
  assert_status(causal_weighting_fit(&r, NULL, p, ds), CAUSAL_EINVAL);
  assert_status(causal_weighting_fit(&r, w, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_weighting_set_outcome(w, ""), CAUSAL_EINVAL);
  assert_status(causal_weighting_new(NULL), CAUSAL_EINVAL);
  causal_weighting_free(NULL);
  causal_weighting_free(w);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

/* Extreme weights are reported as warnings. */
static void t_extreme_warning(void **state) {
  (void)state;
  double t[40], e[40], y[40];
  for (int i = 0; i < 40; i++) {
    t[i] = i % 2;
    e[i] = 0.5;
    y[i] = i;
  }
  e[1] = 0.002; /* a treated unit with a tiny score */
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, 40, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "e", e, NULL, 40, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, 40, CAUSAL_COPY));
  causal_propensity *p = NULL;
  assert_ok(causal_propensity_new(&p));
  assert_ok(causal_propensity_set_treatment(p, "t"));
  assert_ok(causal_propensity_set_scores(p, "e"));
  causal_weighting *w = NULL;
  assert_ok(causal_weighting_new(&w));
  assert_ok(causal_weighting_set_outcome(w, "y"));
  causal_result *r = NULL;
  assert_ok(causal_weighting_fit(&r, w, p, ds));
  assert_true(causal_result_nwarnings(r) >= 1);
  assert_non_null(strstr(causal_result_warning(r, 0), "extreme weights"));
  /* Hajek with known scores: closed form */
  double s1 = 0, sy1 = 0, s0 = 0, sy0 = 0;
  for (int i = 0; i < 40; i++) {
    if (t[i]) {
      s1 += 1 / e[i];
      sy1 += y[i] / e[i];
    } else {
      s0 += 1 / (1 - e[i]);
      sy0 += y[i] / (1 - e[i]);
    }
  }
  assert_close(obs_scalar(r, "estimate"), sy1 / s1 - sy0 / s0, 1e-13);
  causal_result_free(r);
  causal_weighting_free(w);
  causal_propensity_free(p);
  causal_dataset_free(ds);
}

typedef struct oomarg {
  causal_dataset *ds;
  int method;
} oomarg;

static int oom_fit(void *arg) {
  oomarg *o = arg;
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  causal_result *r = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(p, "treat");
  for (size_t j = 0; rc == CAUSAL_OK && j < 3; j++)
    rc = causal_propensity_add_term(p, obs_terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, "re78");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_cluster(w, "educ");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD, o->method);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_fit(&r, w, p, o->ds);
  causal_result_free(r);
  causal_weighting_free(w);
  causal_propensity_free(p);
  return rc;
}

static void t_oom(void **state) {
  (void)state;
  causal_dataset *ds = obs_lalonde();
  oomarg o = {ds, CAUSAL_WEIGHTING_AIPW};
  cz_oom_sweep(oom_fit, &o);
  o.method = CAUSAL_WEIGHTING_IPW;
  cz_oom_sweep(oom_fit, &o);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_lalonde_reference), cmocka_unit_test(t_lalonde_r),
      cmocka_unit_test(t_coverage),          cmocka_unit_test(t_bad_input),
      cmocka_unit_test(t_extreme_warning),   cmocka_unit_test(t_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
