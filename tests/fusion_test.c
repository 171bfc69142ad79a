/* Tests of lib/fusion.c and lib/fusion_data.c. Reference values:
 * tests/ref/fusion_reference.R (metafor::rma / rma.mv, numerical
 * integration of the power-prior and mixture posteriors, lm + sandwich HC2)
 * written to tests/data/fusion_*.csv. */
#include "testutil.h"

/* ---- reference files ---- */
typedef struct refrow {
  char cas[32], method[16], q[40];
  double v;
} refrow;
static refrow refs[400];
static size_t nrefs;

static void load_refs(void) {
  if (nrefs)
    return;
  FILE *fp = fopen(cz_test_path("data/fusion_ref.csv"), "r");
  assert_non_null(fp);
  char line[256];
  assert_non_null(fgets(line, sizeof line, fp)); /* header */
  while (fgets(line, sizeof line, fp) && nrefs < 400) {
    refrow *r = &refs[nrefs];
    if (sscanf(line, "%31[^,],%15[^,],%39[^,],%lf", r->cas, r->method, r->q,
               &r->v) == 4)
      nrefs++;
  }
  fclose(fp);
}

static double ref(const char *cas, const char *method, const char *q) {
  load_refs();
  for (size_t i = 0; i < nrefs; i++)
    if (!strcmp(refs[i].cas, cas) && !strcmp(refs[i].method, method) &&
        !strcmp(refs[i].q, q))
      return refs[i].v;
  fail_msg("no reference %s/%s/%s", cas, method, q);
  return NAN;
}

/* Inputs of a case: yi, and se = sqrt(vi). */
static size_t inputs(const char *cas, double *y, double *se) {
  FILE *fp = fopen(cz_test_path("data/fusion_inputs.csv"), "r");
  assert_non_null(fp);
  char line[256], c[40];
  size_t n = 0;
  assert_non_null(fgets(line, sizeof line, fp));
  while (fgets(line, sizeof line, fp)) {
    double i, yi, vi;
    if (sscanf(line, "\"%39[^\"]\",%lf,%lf,%lf", c, &i, &yi, &vi) == 4 &&
        !strcmp(c, cas)) {
      y[n] = yi;
      se[n] = sqrt(vi);
      n++;
    }
  }
  fclose(fp);
  assert_true(n > 0);
  return n;
}

static double get(const causal_result *r, const char *name) {
  double v = NAN;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static void close_or_zero(double a, double b, double tol) {
  if (b == 0)
    assert_true(fabs(a) <= 1e-12);
  else
    assert_close(a, b, tol);
}

static causal_result *fuse(int method, const double *y, const double *se,
                           size_t k, const double *cov) {
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  assert_ok(causal_fusion_new(&f, method));
  assert_ok(causal_fusion_estimates(&r, f, y, se, k, cov));
  causal_fusion_free(f);
  return r;
}

/* ---- the issue's check ---- */
static void test_issue_check(void **state) {
  (void)state;
  double y[2] = {0.0522, 0.0489}, se[2] = {0.0085, 0.0092};
  causal_result *r = fuse(CAUSAL_FUSION_IVW, y, se, 2, NULL);
  /* the numbers of the issue, to their printed precision */
  assert_true(fabs(get(r, "estimate") - 0.05068) < 5e-6);
  assert_true(fabs(get(r, "std_error") - 0.00624) < 5e-6);
  assert_true(fabs(get(r, "rct_weight") - 0.5395) < 5e-5);
  /* efficiency gain = Var(RCT)/Var(fused) - 1 = 0.8536 -> "85%" */
  assert_true(fabs(get(r, "efficiency_gain") - 0.85) < 0.005);
  assert_close(get(r, "efficiency_gain"),
               0.0085 * 0.0085 / pow(ref("issue", "FE", "std_error"), 2) - 1,
               1e-12);
  assert_close(get(r, "estimate"), ref("issue", "FE", "estimate"), 1e-12);
  assert_close(get(r, "rct_weight"), ref("issue", "FE", "weight0"), 1e-12);
  /* the assumption warning is always there */
  assert_true(causal_result_nwarnings(r) >= 1);
  assert_non_null(strstr(causal_result_warning(r, 0), "without bias"));
  /* bias diagnostic: standardized difference obs - RCT */
  double z = (0.0489 - 0.0522) / sqrt(0.0085 * 0.0085 + 0.0092 * 0.0092);
  assert_close(get(r, "bias_statistic"), z, 1e-12);
  assert_close(get(r, "bias_p_value"), ref("issue", "FE", "q_p_value"), 1e-10);
  causal_result_free(r);
}

/* ---- metafor rma FE / DL / REML ---- */
static void check_case(const char *cas) {
  double y[32], se[32];
  size_t k = inputs(cas, y, se);
  static const struct {
    int method;
    const char *name;
  } ms[] = {{CAUSAL_FUSION_IVW, "FE"},
            {CAUSAL_FUSION_DL, "DL"},
            {CAUSAL_FUSION_REML, "REML"}};
  for (size_t m = 0; m < 3; m++) {
    causal_result *r = fuse(ms[m].method, y, se, k, NULL);
    const char *mn = ms[m].name;
    double tol = 1e-11; /* observed: 4e-14 */
    assert_close(get(r, "estimate"), ref(cas, mn, "estimate"), tol);
    assert_close(get(r, "std_error"), ref(cas, mn, "std_error"), tol);
    assert_close(get(r, "conf_low"), ref(cas, mn, "conf_low"), tol);
    assert_close(get(r, "conf_high"), ref(cas, mn, "conf_high"), tol);
    assert_close(get(r, "p_value"), ref(cas, mn, "p_value"), 1e-10);
    assert_close(get(r, "q_statistic"), ref(cas, mn, "q_statistic"), tol);
    assert_close(get(r, "q_p_value"), ref(cas, mn, "q_p_value"), tol);
    close_or_zero(get(r, "i2"), ref(cas, mn, "i2"), tol);
    assert_close(get(r, "h2"), ref(cas, mn, "h2"), tol);
    if (ms[m].method != CAUSAL_FUSION_IVW)
      close_or_zero(get(r, "tau2"), ref(cas, mn, "tau2"), tol);
    const double *w = NULL;
    size_t nw = 0;
    assert_ok(causal_result_get_vector(r, "weights", &w, &nw));
    assert_int_equal(nw, k);
    for (size_t i = 0; i < k; i++) {
      char q[32];
      snprintf(q, sizeof q, "weight%zu", i);
      assert_close(w[i], ref(cas, mn, q), tol);
    }
    causal_result_free(r);
  }
}

static void test_metafor(void **state) {
  (void)state;
  check_case("issue");
  check_case("bcg");
  check_case("homog");
}

static void read_cov(double *V) {
  FILE *fp = fopen(cz_test_path("data/fusion_cov.csv"), "r");
  assert_non_null(fp);
  char line[128];
  assert_non_null(fgets(line, sizeof line, fp));
  for (int i = 0; i < 16; i++)
    assert_int_equal(fscanf(fp, "%lf", &V[i]), 1);
  fclose(fp);
}

static void test_covariance(void **state) {
  (void)state;
  double y[8], se[8], V[16];
  size_t k = inputs("cov", y, se);
  assert_int_equal(k, 4);
  read_cov(V);
  causal_result *r = fuse(CAUSAL_FUSION_IVW, y, NULL, k, V);
  assert_close(get(r, "estimate"), ref("cov", "FE", "estimate"), 1e-10);
  assert_close(get(r, "std_error"), ref("cov", "FE", "std_error"), 1e-10);
  assert_close(get(r, "q_statistic"), ref("cov", "FE", "q_statistic"), 1e-10);
  causal_result_free(r);
  /* se given along with cov: must agree */
  r = fuse(CAUSAL_FUSION_REML, y, se, k, V);
  /* rma.mv optimizes on a log scale with BFGS: agreement to ~1e-7 */
  assert_close(get(r, "tau2"), ref("cov", "REML", "tau2"), 1e-6);
  assert_close(get(r, "estimate"), ref("cov", "REML", "estimate"), 1e-7);
  assert_close(get(r, "std_error"), ref("cov", "REML", "std_error"), 1e-7);
  /* the REML score equation solved to machine precision in R */
  assert_close(get(r, "tau2"), ref("cov", "REML_ROOT", "tau2"), 1e-10);
  assert_close(get(r, "estimate"), ref("cov", "REML_ROOT", "estimate"), 1e-12);
  assert_close(get(r, "std_error"), ref("cov", "REML_ROOT", "std_error"),
               1e-12);
  causal_result_free(r);
}

/* ---- power prior ---- */
static void test_power_prior(void **state) {
  (void)state;
  double y[2] = {0.0522, 0.0489}, se[2] = {0.0085, 0.0092};
  static const char *cases[] = {"power0", "power1e-05",
                                "power1e-04"};
  double grid[3];
  causal_fusion *f = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_POWER_PRIOR));
  for (int c = 0; c < 3; c++) {
    double s2 = ref(cases[c], "POWER", "bias_variance");
    grid[c] = s2;
    assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_BIAS_VAR, s2));
    causal_result *r = NULL;
    assert_ok(causal_fusion_estimates(&r, f, y, se, 2, NULL));
    assert_close(get(r, "estimate"), ref(cases[c], "POWER", "estimate"), 1e-11);
    assert_close(get(r, "std_error"), ref(cases[c], "POWER", "std_error"),
                 1e-11);
    const double *pw = NULL;
    size_t np = 0;
    assert_ok(causal_result_get_vector(r, "power", &pw, &np));
    assert_close(pw[1], ref(cases[c], "POWER", "a0"), 1e-14);
    causal_result_free(r);
  }
  /* bias variance 0 is IVW; Inf is the RCT alone */
  causal_result *r = NULL, *iv = fuse(CAUSAL_FUSION_IVW, y, se, 2, NULL);
  assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_BIAS_VAR, 0));
  assert_ok(causal_fusion_estimates(&r, f, y, se, 2, NULL));
  assert_close(get(r, "estimate"), get(iv, "estimate"), 1e-15);
  causal_result_free(r);
  causal_result_free(iv);
  assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_BIAS_VAR, INFINITY));
  assert_ok(causal_fusion_estimates(&r, f, y, se, 2, NULL));
  assert_true(get(r, "estimate") == 0.0522);
  assert_true(get(r, "rct_weight") == 1);
  causal_result_free(r);
  /* the curve equals the point evaluations */
  double g4[4] = {grid[0], grid[1], grid[2], INFINITY};
  assert_ok(causal_fusion_curve(&r, f, y, se, 2, NULL, g4, 4));
  const double *e = NULL, *s = NULL, *rw = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
  assert_int_equal(n, 4);
  assert_ok(causal_result_get_vector(r, "std_error", &s, &n));
  assert_ok(causal_result_get_vector(r, "rct_weight", &rw, &n));
  for (int c = 0; c < 3; c++) {
    assert_close(e[c], ref(cases[c], "POWER", "estimate"), 1e-9);
    assert_close(s[c], ref(cases[c], "POWER", "std_error"), 1e-9);
  }
  assert_true(e[3] == 0.0522);
  assert_true(rw[0] < rw[1] && rw[1] < rw[2] && rw[2] < rw[3]);
  causal_result_free(r);
  causal_fusion_free(f);
}

/* ---- robust mixture ---- */
static void check_mix(const char *cas) {
  double y[2], se[2];
  inputs(cas, y, se);
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_MIXTURE));
  assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_MIX_WEIGHT,
                                     ref(cas, "MIXTURE", "mix_weight")));
  assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_MIX_SD,
                                     ref(cas, "MIXTURE", "mix_sd")));
  assert_ok(causal_fusion_estimates(&r, f, y, se, 2, NULL));
  static const char *qs[] = {"estimate", "std_error", "conf_low", "conf_high",
                             "posterior_vague_weight"};
  for (int i = 0; i < 5; i++)
    assert_close(get(r, qs[i]), ref(cas, "MIXTURE", qs[i]), 1e-11);
  causal_result_free(r);
  causal_fusion_free(f);
}

static void test_mixture(void **state) {
  (void)state;
  check_mix("mix_agree");
  check_mix("mix_conflict");
  /* in conflict the vague component takes over: close to the RCT alone */
  assert_true(ref("mix_conflict", "MIXTURE", "posterior_vague_weight") > 0.99);
}

/* ---- test-then-pool and MSE weight ---- */
static void test_bias_aware(void **state) {
  (void)state;
  double y[2] = {0.0522, 0.0489}, se[2] = {0.0085, 0.0092};
  causal_result *r = fuse(CAUSAL_FUSION_TEST_THEN_POOL, y, se, 2, NULL);
  assert_true(get(r, "pooled") == 1);
  assert_close(get(r, "estimate"), ref("issue", "FE", "estimate"), 1e-12);
  assert_true(causal_result_nwarnings(r) >= 1);
  causal_result_free(r);
  double yc[2] = {0.0522, 0.0089};
  r = fuse(CAUSAL_FUSION_TEST_THEN_POOL, yc, se, 2, NULL);
  assert_true(get(r, "pooled") == 0);
  assert_true(get(r, "estimate") == 0.0522);
  assert_true(get(r, "efficiency_gain") == 0);
  causal_result_free(r);
  /* MSE weight: lambda = v_r / (v_r + v_o + b2), b2 = max(0, d^2 - Var d) */
  double vr = se[0] * se[0], vo = se[1] * se[1];
  for (int c = 0; c < 2; c++) {
    const double *yy = c ? yc : y;
    double d = yy[1] - yy[0];
    double b2 = fmax(0, d * d - vr - vo);
    double lam = vr / (vr + vo + b2);
    r = fuse(CAUSAL_FUSION_MSE, yy, se, 2, NULL);
    assert_close(get(r, "lambda"), lam, 1e-13);
    assert_close(get(r, "bias2"), b2 == 0 ? 1 : b2, b2 == 0 ? 1e300 : 1e-13);
    assert_close(get(r, "estimate"), (1 - lam) * yy[0] + lam * yy[1], 1e-13);
    double mse = (1 - lam) * (1 - lam) * vr + lam * lam * (vo + b2);
    assert_close(get(r, "std_error"), sqrt(mse), 1e-13);
    causal_result_free(r);
  }
}

/* ---- strata shrinkage ---- */
static void test_strata(void **state) {
  (void)state;
  double rct[5] = {0.5, 0.1, -0.2, 0.8, 0.3}, rse[5] = {0.2, 0.3, 0.25, 0.4,
                                                       0.2};
  double obs[5] = {0.4, 0.2, 0.0, 0.5, 0.35}, ose[5] = {0.05, 0.06, 0.05, 0.08,
                                                       0.04};
  double d[5], S = 0, D = 0, S2 = 0, Q = 0;
  for (int i = 0; i < 5; i++) {
    d[i] = rct[i] - obs[i];
    S += rse[i] * rse[i];
    S2 += pow(rse[i], 4);
    D += d[i] * d[i];
    Q += pow(rse[i], 4) * d[i] * d[i];
  }
  causal_result *r = NULL;
  const double *e = NULL;
  size_t n = 0;
  /* kappa1+: common factor (1 - tr Sigma / |d|^2)_+ */
  assert_ok(causal_fusion_strata(&r, CAUSAL_FUSION_KAPPA1, rct, rse, obs,
                                 NULL, 5));
  assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
  double g = fmax(0, 1 - S / D);
  for (int i = 0; i < 5; i++)
    assert_close(e[i], obs[i] + g * d[i], 1e-13);
  const double *bz = NULL, *lo = NULL, *se = NULL;
  assert_ok(causal_result_get_vector(r, "bias_statistic", &bz, &n));
  assert_ok(causal_result_get_vector(r, "conf_low", &lo, &n));
  assert_ok(causal_result_get_vector(r, "std_error", &se, &n));
  for (int i = 0; i < 5; i++) {
    assert_close(bz[i], -d[i] / rse[i], 1e-14);
    assert_close(se[i], g * rse[i], 1e-14);
    assert_close(lo[i], e[i] - 1.959963984540054 * se[i], 1e-12);
  }
  causal_result_free(r);
  /* kappa2+: per-stratum (1 - c sigma_k^2)_+, c = tr(S^2)/d'S^2 d */
  assert_ok(causal_fusion_strata(&r, CAUSAL_FUSION_KAPPA2, rct, rse, obs,
                                 NULL, 5));
  assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
  for (int i = 0; i < 5; i++)
    assert_close(e[i], obs[i] + fmax(0, 1 - S2 / Q * rse[i] * rse[i]) * d[i],
                 1e-13);
  causal_result_free(r);
  /* Green–Strawderman: (1 - (K-2) mean(sigma^2) / |d|^2)_+ */
  assert_ok(causal_fusion_strata(&r, CAUSAL_FUSION_GREEN_STRAWDERMAN, rct, rse,
                                 obs, NULL, 5));
  assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
  g = fmax(0, 1 - 3 * (S / 5) / D);
  for (int i = 0; i < 5; i++)
    assert_close(e[i], obs[i] + g * d[i], 1e-13);
  causal_result_free(r);
  assert_ok(causal_fusion_strata(&r, CAUSAL_FUSION_EB_DOUBLE, rct, rse, obs,
                                 ose, 5));
  assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
  assert_int_equal(n, 5);
  for (int i = 0; i < 5; i++)
    assert_true(isfinite(e[i]));
  causal_result_free(r);
}

/* The unbiased risk estimates are unbiased: simulate tau_r ~ N(tau, Sigma)
 * with obs fixed and compare the mean URE with the mean squared error. */
static void test_strata_risk(void **state) {
  (void)state;
  enum { K = 8, NSIM = 20000 };
  double tau[K], obs[K], se[K];
  for (int i = 0; i < K; i++) {
    tau[i] = 0.1 * i;
    obs[i] = tau[i] + (i % 2 ? 0.15 : -0.1);
    se[i] = 0.1 + 0.02 * i;
  }
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 42, 0));
  int methods[3] = {CAUSAL_FUSION_KAPPA1, CAUSAL_FUSION_KAPPA2,
                    CAUSAL_FUSION_GREEN_STRAWDERMAN};
  for (int m = 0; m < 3; m++) {
    double sum_ure = 0, sum_loss = 0, sum_loss2 = 0;
    for (int s = 0; s < NSIM; s++) {
      double rct[K], z[K];
      assert_ok(causal_rng_normal(rng, 0, 1, z, K));
      for (int i = 0; i < K; i++)
        rct[i] = tau[i] + se[i] * z[i];
      causal_result *r = NULL;
      assert_ok(causal_fusion_strata(&r, methods[m], rct, se, obs, NULL, K));
      const double *e = NULL;
      size_t n = 0;
      assert_ok(causal_result_get_vector(r, "estimate", &e, &n));
      double loss = 0;
      for (int i = 0; i < K; i++)
        loss += (e[i] - tau[i]) * (e[i] - tau[i]);
      sum_loss += loss;
      sum_loss2 += loss * loss;
      sum_ure += get(r, "risk_estimate");
      causal_result_free(r);
    }
    double ml = sum_loss / NSIM, mu = sum_ure / NSIM;
    double sd = sqrt(sum_loss2 / NSIM - ml * ml);
    /* URE and loss have comparable spread; 6 standard errors of the mean */
    if (fabs(mu - ml) > 6 * 2 * sd / sqrt((double)NSIM))
      fail_msg("method %d: mean URE %g vs mean loss %g (sd %g)", methods[m], mu,
               ml, sd);
  }
  causal_rng_free(rng);
}

/* ---- data level ---- */
static void check_data(const causal_result *r, const char *cas) {
  static const char *qs[] = {"rct_estimate", "rct_std_error", "obs_estimate",
                             "obs_std_error", "estimate", "std_error",
                             "bias_statistic", "bias_p_value"};
  for (int i = 0; i < 8; i++)
    assert_close(get(r, qs[i]), ref(cas, "DATA", qs[i]), 1e-9);
}

static causal_fusion *data_spec(int strat) {
  causal_fusion *f = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_IVW));
  assert_ok(causal_fusion_set_outcome(f, "y"));
  assert_ok(causal_fusion_set_treatment(f, "a"));
  assert_ok(causal_fusion_set_source(f, "source"));
  assert_ok(causal_fusion_add_term(f, "x"));
  if (strat)
    assert_ok(causal_fusion_set_stratum(f, "stratum"));
  return f;
}

static const double *sr_rct(const causal_result *r) {
  const double *v = NULL;
  size_t n = 0;
  assert_ok(causal_result_get_vector(r, "stratum_rct", &v, &n));
  return v;
}

static void test_data_level(void **state) {
  (void)state;
  causal_dataset *ds = NULL;
  assert_ok(
      causal_csv_read_file(&ds, cz_test_path("data/fusion_data.csv"), NULL));
  causal_fusion *f = data_spec(1);
  causal_result *r = NULL;
  assert_ok(causal_fusion_fit(&r, f, ds));
  check_data(r, "data_all");
  assert_true(get(r, "n_rct") == 300);
  assert_true(get(r, "n_obs") == 1200);
  const double *tab = NULL, *sr = NULL;
  size_t nr = 0, nc = 0, n = 0;
  assert_ok(causal_result_get_matrix(r, "strata", &tab, &nr, &nc));
  assert_int_equal(nr, 3);
  assert_ok(causal_result_get_vector(r, "stratum_rct", &sr, &n));
  for (size_t l = 0; l < 3; l++) {
    char cas[16];
    snprintf(cas, sizeof cas, "data_s%zu", l + 1);
    assert_close(tab[l], ref(cas, "DATA", "estimate"), 1e-9);
    assert_close(tab[l + nr], ref(cas, "DATA", "std_error"), 1e-9);
    assert_close(sr[l], ref(cas, "DATA", "rct_estimate"), 1e-9);
    assert_string_equal(causal_result_dimname(r, "strata", 0, l),
                        l == 0 ? "1" : l == 1 ? "2" : "3");
  }
  /* kappa2+ across the strata equals causal_fusion_strata on the vectors */
  const double *so = NULL, *sse = NULL, *ose = NULL, *k2 = NULL;
  assert_ok(causal_result_get_vector(r, "stratum_obs", &so, &n));
  assert_ok(causal_result_get_vector(r, "stratum_rct_se", &sse, &n));
  assert_ok(causal_result_get_vector(r, "stratum_obs_se", &ose, &n));
  assert_ok(causal_result_get_vector(r, "stratum_kappa2", &k2, &n));
  assert_int_equal(n, 3);
  causal_result *kr = NULL;
  assert_ok(causal_fusion_strata(&kr, CAUSAL_FUSION_KAPPA2, sr_rct(r), sse, so,
                                 ose, 3));
  const double *e2 = NULL;
  assert_ok(causal_result_get_vector(kr, "estimate", &e2, &n));
  for (size_t l = 0; l < 3; l++)
    assert_true(k2[l] == e2[l]);
  causal_result_free(kr);
  causal_result_free(r);
  /* bad input */
  causal_fusion *g = NULL;
  assert_ok(causal_fusion_new(&g, CAUSAL_FUSION_IVW));
  assert_status(causal_fusion_fit(&r, g, ds), CAUSAL_EINVAL);
  assert_error_mentions("outcome");
  assert_ok(causal_fusion_set_outcome(g, "y"));
  assert_ok(causal_fusion_set_treatment(g, "a"));
  assert_ok(causal_fusion_set_source(g, "x")); /* not 0/1 */
  assert_status(causal_fusion_fit(&r, g, ds), CAUSAL_EINVAL);
  assert_error_mentions("source column 'x' row 0");
  assert_ok(causal_fusion_set_source(g, "nope"));
  assert_status(causal_fusion_fit(&r, g, ds), CAUSAL_ENOTFOUND);
  assert_status(causal_fusion_set_outcome(g, NULL), CAUSAL_EINVAL);
  assert_status(causal_fusion_set_outcome(g, ""), CAUSAL_EINVAL);
  assert_status(causal_fusion_add_term(g, NULL), CAUSAL_EINVAL);
  assert_ok(causal_fusion_set_stratum(g, NULL));
  /* AIPW without covariate terms has no models to fit. */
  assert_ok(causal_fusion_set_source(g, "source"));
  assert_ok(causal_fusion_set_int(g, CAUSAL_FUSION_OBS_ESTIMATOR,
                                  CAUSAL_FUSION_OBS_AIPW));
  assert_status(causal_fusion_fit(&r, g, ds), CAUSAL_EINVAL);
  assert_error_mentions("AIPW needs covariate terms");
  assert_null(r);
  causal_fusion_free(g);
  causal_fusion_free(f);
  causal_dataset_free(ds);
}


/* ---- observational IPW, transport, surrogate index ---- */
static void test_ipw(void **state) {
  (void)state;
  causal_dataset *ds = NULL;
  assert_ok(
      causal_csv_read_file(&ds, cz_test_path("data/fusion_data.csv"), NULL));
  causal_fusion *f = data_spec(0);
  assert_ok(causal_fusion_set_int(f, CAUSAL_FUSION_OBS_ESTIMATOR,
                                  CAUSAL_FUSION_OBS_IPW));
  causal_result *r = NULL;
  assert_ok(causal_fusion_fit(&r, f, ds));
  assert_close(get(r, "obs_estimate"), ref("ipw", "DATA", "obs_estimate"),
               1e-9);
  /* numerical Jacobian in the reference (observed 2e-12) */
  assert_close(get(r, "obs_std_error"), ref("ipw", "DATA", "obs_std_error"),
               1e-9);
  assert_close(get(r, "rct_estimate"), ref("data_all", "DATA", "rct_estimate"),
               1e-9);
  const char *s = NULL;
  assert_ok(causal_result_get_string(r, "obs_estimator", &s));
  assert_string_equal(s, "ipw (hajek)");
  causal_result_free(r);
  causal_fusion_free(f);
  causal_dataset_free(ds);
}

/* The AIPW observational estimate is the weighting module's AIPW ATE
 * (checked there against the statsmodels moment conditions) on the
 * source = 0 rows; fusion must pass it through unchanged. */
static void test_aipw(void **state) {
  (void)state;
  causal_dataset *ds = NULL, *obs = NULL;
  assert_ok(
      causal_csv_read_file(&ds, cz_test_path("data/fusion_data.csv"), NULL));
  size_t n = causal_dataset_nrows(ds), col = 0;
  assert_ok(causal_dataset_col_index(ds, "source", &col));
  double *src = malloc(n * sizeof(double));
  uint8_t *mask = malloc(n);
  assert_non_null(src);
  assert_non_null(mask);
  assert_ok(causal_dataset_col_to_f64(ds, col, src, n));
  for (size_t i = 0; i < n; i++)
    mask[i] = src[i] == 0;
  assert_ok(causal_dataset_subset_mask(&obs, ds, mask, n));
  causal_propensity *ps = NULL;
  causal_weighting *w = NULL;
  causal_result *direct = NULL, *r = NULL;
  assert_ok(causal_propensity_new(&ps));
  assert_ok(causal_propensity_set_treatment(ps, "a"));
  assert_ok(causal_propensity_add_term(ps, "x"));
  assert_ok(causal_weighting_new(&w));
  assert_ok(causal_weighting_set_outcome(w, "y"));
  assert_ok(causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                     CAUSAL_WEIGHTING_AIPW));
  assert_ok(causal_weighting_fit(&direct, w, ps, obs));
  causal_fusion *f = data_spec(0);
  assert_ok(causal_fusion_set_int(f, CAUSAL_FUSION_OBS_ESTIMATOR,
                                  CAUSAL_FUSION_OBS_AIPW));
  assert_ok(causal_fusion_fit(&r, f, ds));
  assert_close(get(r, "obs_estimate"), get(direct, "estimate"), 1e-15);
  assert_close(get(r, "obs_std_error"), get(direct, "std_error"), 1e-15);
  assert_close(get(r, "rct_estimate"), ref("data_all", "DATA", "rct_estimate"),
               1e-9);
  const char *s = NULL;
  assert_ok(causal_result_get_string(r, "obs_estimator", &s));
  assert_string_equal(s, "aipw");
  causal_result_free(r);
  causal_result_free(direct);
  causal_fusion_free(f);
  causal_weighting_free(w);
  causal_propensity_free(ps);
  causal_dataset_free(obs);
  causal_dataset_free(ds);
  free(mask);
  free(src);
}

static causal_fusion *transport_spec(int method) {
  causal_fusion *f = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_IVW));
  assert_ok(causal_fusion_set_outcome(f, "y"));
  assert_ok(causal_fusion_set_treatment(f, "a"));
  assert_ok(causal_fusion_set_source(f, "source"));
  assert_ok(causal_fusion_add_term(f, "x"));
  assert_ok(causal_fusion_set_int(f, CAUSAL_FUSION_TRANSPORT, method));
  return f;
}

static void test_transport(void **state) {
  (void)state;
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(
      &ds, cz_test_path("data/fusion_transport.csv"), NULL));
  for (int m = CAUSAL_FUSION_IPSW; m <= CAUSAL_FUSION_AIPSW; m++) {
    causal_fusion *f = transport_spec(m);
    causal_result *r = NULL;
    assert_ok(causal_fusion_transport(&r, f, ds));
    assert_close(get(r, "ipsw_estimate"),
                 ref("transport", "DATA", "ipsw_estimate"), 1e-9);
    assert_close(get(r, "ipsw_std_error"),
                 ref("transport", "DATA", "ipsw_std_error"), 1e-9);
    assert_close(get(r, "aipsw_estimate"),
                 ref("transport", "DATA", "aipsw_estimate"), 1e-9);
    assert_close(get(r, "aipsw_std_error"),
                 ref("transport", "DATA", "aipsw_std_error"), 1e-9);
    assert_close(get(r, "rct_estimate"),
                 ref("transport", "DATA", "rct_estimate"), 1e-12);
    const char *nm = m == CAUSAL_FUSION_IPSW ? "ipsw" : "aipsw";
    char key[32];
    snprintf(key, sizeof key, "%s_estimate", nm);
    assert_true(get(r, "estimate") == get(r, key));
    assert_true(get(r, "n_trial") == 400 && get(r, "n_target") == 800);
    causal_result_free(r);
    causal_fusion_free(f);
  }
  /* bad input: a target row marked 2; missing roles */
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_IVW));
  assert_status(causal_fusion_transport(&r, f, ds), CAUSAL_EINVAL);
  assert_status(causal_fusion_surrogate(&r, f, ds), CAUSAL_EINVAL);
  assert_status(causal_fusion_transport(NULL, f, ds), CAUSAL_EINVAL);
  assert_status(causal_fusion_add_surrogate(f, ""), CAUSAL_EINVAL);
  assert_status(causal_fusion_set_int(f, CAUSAL_FUSION_TRANSPORT, 3),
                CAUSAL_ERANGE);
  causal_fusion_free(f);
  f = transport_spec(CAUSAL_FUSION_IPSW);
  assert_ok(causal_fusion_set_source(f, "x"));
  assert_status(causal_fusion_transport(&r, f, ds), CAUSAL_EINVAL);
  assert_error_mentions("source column 'x'");
  assert_null(r);
  causal_fusion_free(f);
  causal_dataset_free(ds);
}

static void test_surrogate(void **state) {
  (void)state;
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(
      &ds, cz_test_path("data/fusion_surrogate.csv"), NULL));
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_IVW));
  assert_ok(causal_fusion_set_outcome(f, "ylong"));
  assert_ok(causal_fusion_set_treatment(f, "a"));
  assert_ok(causal_fusion_set_source(f, "source"));
  assert_ok(causal_fusion_add_term(f, "x"));
  assert_status(causal_fusion_surrogate(&r, f, ds), CAUSAL_EINVAL);
  assert_error_mentions("surrogate");
  assert_ok(causal_fusion_add_surrogate(f, "s1"));
  assert_ok(causal_fusion_add_surrogate(f, "s2"));
  assert_ok(causal_fusion_surrogate(&r, f, ds));
  static const char *qs[] = {"estimate", "std_error", "std_error_naive",
                             "surrogate_r_squared"};
  for (int i = 0; i < 4; i++)
    assert_close(get(r, qs[i]), ref("surrogate", "DATA", qs[i]), 1e-9);
  assert_true(causal_result_nwarnings(r) == 1);
  causal_result_free(r);
  causal_fusion_free(f);
  causal_dataset_free(ds);
}

static int oom_transport(void *arg) {
  const causal_dataset *ds = arg;
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  int rc = causal_fusion_new(&f, CAUSAL_FUSION_IVW);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_outcome(f, "y");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_treatment(f, "a");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_source(f, "source");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_add_term(f, "x");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_transport(&r, f, ds);
  causal_result_free(r);
  r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_OBS_ESTIMATOR,
                               CAUSAL_FUSION_OBS_IPW);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_fit(&r, f, ds);
  causal_result_free(r);
  r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_fusion_add_surrogate(f, "s");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_surrogate(&r, f, ds);
  causal_result_free(r);
  causal_fusion_free(f);
  return rc;
}

/* ---- options and bad input ---- */
static void test_options(void **state) {
  (void)state;
  causal_fusion *f = NULL;
  assert_status(causal_fusion_new(&f, 0), CAUSAL_ERANGE);
  assert_null(f);
  assert_status(causal_fusion_new(&f, 8), CAUSAL_ERANGE);
  assert_status(causal_fusion_new(NULL, 1), CAUSAL_EINVAL);
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_DL));
  int64_t iv = 0;
  double dv = 0, lo = 0, hi = 0;
  assert_ok(causal_fusion_get_int(f, CAUSAL_FUSION_METHOD, &iv));
  assert_int_equal(iv, CAUSAL_FUSION_DL);
  assert_ok(causal_fusion_get_double(f, CAUSAL_FUSION_CONF_LEVEL, &dv));
  assert_true(dv == 0.95);
  assert_ok(causal_fusion_set_double(f, CAUSAL_FUSION_CONF_LEVEL, 0.9));
  assert_ok(causal_fusion_get_double(f, CAUSAL_FUSION_CONF_LEVEL, &dv));
  assert_true(dv == 0.9);
  assert_status(causal_fusion_set_double(f, CAUSAL_FUSION_CONF_LEVEL, 1),
                CAUSAL_ERANGE);
  assert_status(causal_fusion_set_double(f, CAUSAL_FUSION_BIAS_VAR, -1),
                CAUSAL_ERANGE);
  assert_status(causal_fusion_set_double(f, CAUSAL_FUSION_BIAS_VAR, NAN),
                CAUSAL_ENONFINITE);
  assert_status(causal_fusion_set_int(f, CAUSAL_FUSION_CONF_LEVEL, 1),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_set_double(f, CAUSAL_FUSION_METHOD, 1),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_set_int(f, 999, 1), CAUSAL_EINVAL);
  assert_status(causal_fusion_set_int(f, CAUSAL_FUSION_METHOD, 9),
                CAUSAL_ERANGE);
  assert_ok(causal_fusion_bounds(CAUSAL_FUSION_METHOD, &lo, &hi));
  assert_true(lo == 1 && hi == 7);
  assert_status(causal_fusion_bounds(999, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_fusion_get_int(NULL, CAUSAL_FUSION_METHOD, &iv),
                CAUSAL_EINVAL);
  causal_fusion_free(f);
  causal_fusion_free(NULL);
}

static void test_bad_input(void **state) {
  (void)state;
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_IVW));
  double y[3] = {0.1, 0.2, 0.3}, se[3] = {0.1, 0.1, 0.1};
  assert_status(causal_fusion_estimates(&r, f, y, se, 0, NULL), CAUSAL_EINVAL);
  assert_error_mentions("k = 0");
  assert_null(r);
  assert_status(causal_fusion_estimates(&r, f, NULL, se, 3, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_estimates(&r, f, y, NULL, 3, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_estimates(NULL, f, y, se, 3, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_estimates(&r, NULL, y, se, 3, NULL),
                CAUSAL_EINVAL);
  double bad[3] = {0.1, 0, 0.1};
  assert_status(causal_fusion_estimates(&r, f, y, bad, 3, NULL),
                CAUSAL_EINVAL);
  assert_error_mentions("se[1] = 0");
  bad[1] = -0.1;
  assert_status(causal_fusion_estimates(&r, f, y, bad, 3, NULL),
                CAUSAL_EINVAL);
  bad[1] = NAN;
  assert_status(causal_fusion_estimates(&r, f, y, bad, 3, NULL),
                CAUSAL_ENONFINITE);
  assert_error_mentions("se[1] is NaN");
  double yn[3] = {0.1, 0.2, NAN};
  assert_status(causal_fusion_estimates(&r, f, yn, se, 3, NULL),
                CAUSAL_ENONFINITE);
  assert_error_mentions("est[2] is NaN");
  /* non-PSD, asymmetric, mismatched covariance */
  double V[4] = {1, 2, 2, 1};
  double y2[2] = {0.1, 0.2};
  assert_status(causal_fusion_estimates(&r, f, y2, NULL, 2, V), CAUSAL_EINVAL);
  assert_error_mentions("not positive definite");
  double A[4] = {1, 0.2, 0.3, 1};
  assert_status(causal_fusion_estimates(&r, f, y2, NULL, 2, A), CAUSAL_EINVAL);
  assert_error_mentions("not symmetric");
  double B[4] = {1, 0, 0, 1}, sB[2] = {1, 2};
  assert_status(causal_fusion_estimates(&r, f, y2, sB, 2, B), CAUSAL_EINVAL);
  assert_error_mentions("differs from cov[1, 1]");
  double Z[4] = {0, 0, 0, 1};
  assert_status(causal_fusion_estimates(&r, f, y2, NULL, 2, Z), CAUSAL_EINVAL);
  /* RCT index out of range */
  assert_ok(causal_fusion_set_int(f, CAUSAL_FUSION_RCT, 5));
  assert_status(causal_fusion_estimates(&r, f, y, se, 3, NULL), CAUSAL_ERANGE);
  assert_error_mentions("CAUSAL_FUSION_RCT");
  causal_fusion_free(f);
  /* methods needing two sources */
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_REML));
  assert_status(causal_fusion_estimates(&r, f, y, se, 1, NULL), CAUSAL_EINVAL);
  assert_error_mentions("k >= 2");
  double g[2] = {0, -1};
  assert_status(causal_fusion_curve(&r, f, y, se, 3, NULL, g, 2),
                CAUSAL_EINVAL);
  assert_error_mentions("bias_var[1]");
  assert_status(causal_fusion_curve(&r, f, y, se, 3, NULL, g, 0),
                CAUSAL_EINVAL);
  assert_status(causal_fusion_curve(&r, f, y, se, 3, NULL, NULL, 2),
                CAUSAL_EINVAL);
  /* REML iteration cap */
  double yb[4] = {0.1, 0.9, -0.5, 0.4}, sb[4] = {0.1, 0.2, 0.15, 0.1};
  assert_ok(causal_fusion_set_int(f, CAUSAL_FUSION_MAXITER, 1));
  assert_status(causal_fusion_estimates(&r, f, yb, sb, 4, NULL),
                CAUSAL_ENOCONV);
  causal_fusion_free(f);
  /* mixture with correlated sources */
  assert_ok(causal_fusion_new(&f, CAUSAL_FUSION_MIXTURE));
  double C[4] = {1, 0.1, 0.1, 1};
  assert_status(causal_fusion_estimates(&r, f, y2, NULL, 2, C), CAUSAL_EINVAL);
  assert_error_mentions("independent");
  causal_fusion_free(f);
  /* strata */
  assert_status(causal_fusion_strata(&r, 0, y, se, y, NULL, 3), CAUSAL_ERANGE);
  assert_status(causal_fusion_strata(&r, 1, y, se, y, NULL, 0), CAUSAL_EINVAL);
  assert_status(causal_fusion_strata(&r, 3, y, se, y, NULL, 2), CAUSAL_EINVAL);
  assert_status(causal_fusion_strata(&r, 4, y, se, y, NULL, 3), CAUSAL_EINVAL);
  assert_status(causal_fusion_strata(&r, 1, y, bad, y, NULL, 3),
                CAUSAL_ENONFINITE);
  assert_error_mentions("rct_se[1]");
  assert_status(causal_fusion_strata(&r, 1, y, se, NULL, NULL, 3),
                CAUSAL_EINVAL);
  assert_null(r);
}

/* ---- out of memory ---- */
static int oom_new(void *arg) {
  (void)arg;
  causal_fusion *f = NULL;
  int rc = causal_fusion_new(&f, CAUSAL_FUSION_IVW);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_outcome(f, "y");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_add_term(f, "x");
  causal_fusion_free(f);
  return rc;
}

static int oom_method(void *arg) {
  int method = *(const int *)arg;
  double y[3] = {0.0522, 0.0489, 0.03}, se[3] = {0.0085, 0.0092, 0.01};
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  int rc = causal_fusion_new(&f, method);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_estimates(&r, f, y, se, 3, NULL);
  double g[3] = {0, 1e-4, INFINITY};
  causal_result *c = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_fusion_curve(&c, f, y, se, 3, NULL, g, 3);
  causal_result_free(c);
  causal_result_free(r);
  causal_fusion_free(f);
  return rc;
}

static int oom_strata(void *arg) {
  int method = *(const int *)arg;
  double a[4] = {0.1, 0.5, 0.3, 0.2}, s[4] = {0.1, 0.2, 0.1, 0.1},
         b[4] = {0.2, 0.3, 0.25, 0.1};
  causal_result *r = NULL;
  int rc = causal_fusion_strata(&r, method, a, s, b, s, 4);
  causal_result_free(r);
  return rc;
}

static int oom_fit(void *arg) {
  const causal_dataset *ds = arg;
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  int rc = causal_fusion_new(&f, CAUSAL_FUSION_IVW);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_outcome(f, "y");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_treatment(f, "a");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_source(f, "source");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_stratum(f, "stratum");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_add_term(f, "x");
  if (rc == CAUSAL_OK)
    rc = causal_fusion_fit(&r, f, ds);
  causal_result_free(r);
  causal_fusion_free(f);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_new, NULL);
  for (int m = CAUSAL_FUSION_IVW; m <= CAUSAL_FUSION_MIXTURE; m++)
    cz_oom_sweep(oom_method, &m);
  for (int m = CAUSAL_FUSION_KAPPA1; m <= CAUSAL_FUSION_EB_DOUBLE; m++)
    cz_oom_sweep(oom_strata, &m);
  /* a small data set keeps the sweep short */
  enum { N = 40 };
  double y[N], a[N], x[N], s[N], st[N];
  for (int i = 0; i < N; i++) {
    s[i] = i < N / 2;
    a[i] = (i / 2) % 2;
    x[i] = sin(i);
    st[i] = i % 2;
    y[i] = a[i] + x[i] + 0.1 * cos(3 * i);
  }
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "a", a, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "source", s, NULL, N, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "stratum", st, NULL, N, CAUSAL_COPY));
  cz_oom_sweep(oom_fit, ds);
  /* transport / IPW / surrogate on the same small data (all outcomes
   * present; surrogate s) */
  double sg[N];
  for (int i = 0; i < N; i++)
    sg[i] = cos(2 * i) + a[i];
  assert_ok(causal_dataset_add_f64(ds, "s", sg, NULL, N, CAUSAL_COPY));
  cz_oom_sweep(oom_transport, ds);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_issue_check),  cmocka_unit_test(test_metafor),
      cmocka_unit_test(test_covariance),   cmocka_unit_test(test_power_prior),
      cmocka_unit_test(test_mixture),      cmocka_unit_test(test_bias_aware),
      cmocka_unit_test(test_strata),       cmocka_unit_test(test_strata_risk),
      cmocka_unit_test(test_data_level),   cmocka_unit_test(test_ipw),
      cmocka_unit_test(test_aipw),
      cmocka_unit_test(test_transport),    cmocka_unit_test(test_surrogate),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
