/* Tests for include/causal/bayes_ab.h: Beta–Bernoulli, Normal and
 * Gamma–Poisson comparisons against high-precision integration
 * (tests/ref/bayes_ab_reference.py, mpmath / scipy), the closed forms
 * against each other and against Monte Carlo with the library PCG, and the
 * ship / hold / stop decisions. */
#include "testutil.h"

#include "internal/rng.h"

static double sca(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static void test_reference(void **state) {
  (void)state;
  FILE *f = fopen(cz_test_path("data/bayes_ab_reference.csv"), "r");
  assert_non_null(f);
  char line[1024];
  assert_non_null(fgets(line, sizeof line, f));
  int rows = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    char model[16];
    double v[11];
    int got =
        sscanf(line, "%15[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf",
               model, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
               &v[8], &v[9], &v[10]);
    assert_int_equal(got, 12);
    causal_result *r;
    if (strcmp(model, "beta") == 0) {
      /* pass shapes as prior (1e-300-free): successes = shape - 0.5 with
       * prior 0.5 reproduces the posterior exactly */
      double pa = 0.25;
      assert_ok(causal_bayes_beta(&r, v[0] - pa, v[0] + v[1] - 2 * pa,
                                  v[2] - pa, v[2] + v[3] - 2 * pa, pa, pa,
                                  0.95));
      assert_close(sca(r, "post_a_1"), v[0], 1e-14);
      assert_close(sca(r, "post_b_2"), v[3], 1e-14);
      /* both probability methods */
      double p0, p1;
      assert_ok(causal_bayes_prob_beta(v[0], v[1], v[2], v[3], 0, &p0));
      assert_true(fabs(p0 - v[4]) < 1e-12);
      if (v[2] == floor(v[2])) {
        assert_ok(causal_bayes_prob_beta(v[0], v[1], v[2], v[3], 1, &p1));
        assert_true(fabs(p1 - v[4]) < 1e-12);
      }
    } else {
      /* gamma: counts with a prior (shape, rate) = (0.5, 0) plus exposure */
      assert_ok(causal_bayes_gamma(&r, v[0] - 0.5, v[1], v[2] - 0.5, v[3], 0.5,
                                   0, 0.95));
    }
    assert_true(fabs(sca(r, "prob_b_beats_a") - v[4]) < 1e-12);
    assert_true(fabs(sca(r, "expected_loss_a") - v[5]) < 1e-12);
    assert_true(fabs(sca(r, "expected_loss_b") - v[6]) < 1e-12);
    if (!isnan(v[7])) { /* NaN: no scipy reference (see the script) */
      assert_close(sca(r, "diff_conf_low"), v[7], 1e-8);
      assert_close(sca(r, "diff_conf_high"), v[8], 1e-8);
    }
    assert_close(sca(r, "lift_conf_low"), v[9], 1e-8);
    assert_close(sca(r, "lift_conf_high"), v[10], 1e-8);
    causal_result_free(r);
    rows++;
  }
  fclose(f);
  assert_true(rows >= 7);
}

/* Monte Carlo with the library PCG agrees within MC error. */
static void test_monte_carlo(void **state) {
  (void)state;
  causal_result *r;
  assert_ok(causal_bayes_beta(&r, 37, 410, 52, 405, 1, 1, 0.9));
  double a1 = sca(r, "post_a_1"), b1 = sca(r, "post_a_2");
  double a2 = sca(r, "post_b_1"), b2 = sca(r, "post_b_2");
  causal_rng *g;
  assert_ok(causal_rng_new(&g, 99, 0));
  enum { N = 200000 };
  static double d[N];
  int win = 0;
  double la = 0;
  for (int i = 0; i < N; i++) {
    double xa = cz_rng_beta1(g, a1, b1), xb = cz_rng_beta1(g, a2, b2);
    d[i] = xb - xa;
    win += xb > xa;
    la += xb > xa ? xb - xa : 0;
  }
  causal_rng_free(g);
  double p = (double)win / N;
  assert_true(fabs(p - sca(r, "prob_b_beats_a")) < 4 * sqrt(p * (1 - p) / N));
  assert_true(fabs(la / N - sca(r, "expected_loss_a")) < 2e-4);
  /* empirical 5% quantile of the difference */
  double lo = sca(r, "diff_conf_low");
  int below = 0;
  for (int i = 0; i < N; i++)
    below += d[i] <= lo;
  assert_true(fabs((double)below / N - 0.05) < 4 * sqrt(0.05 * 0.95 / N));
  assert_close(sca(r, "cred_level"), 0.9, 0);
  const char *s;
  assert_ok(causal_result_get_string(r, "prob_method", &s));
  assert_string_equal(s, "sum");
  causal_result_free(r);
}

static void test_normal(void **state) {
  (void)state;
  causal_result *r;
  /* flat prior: posterior N(mean, sd^2 / n) */
  assert_ok(
      causal_bayes_normal(&r, 10, 4, 400, 10.5, 5, 500, 0, INFINITY, 0.95));
  double va = 16.0 / 400, vb = 25.0 / 500, mu = 0.5, sg = sqrt(va + vb);
  double z = mu / sg;
  double Phi = 0.5 * erfc(-z / sqrt(2)),
         phi = exp(-z * z / 2) / sqrt(2 * 3.141592653589793);
  assert_close(sca(r, "prob_b_beats_a"), Phi, 1e-14);
  assert_close(sca(r, "expected_loss_a"), mu * Phi + sg * phi, 1e-13);
  assert_close(sca(r, "expected_loss_b"), -mu * (1 - Phi) + sg * phi, 1e-12);
  assert_close(sca(r, "diff_conf_low"), mu - 1.959963984540054 * sg, 1e-13);
  /* lift: P(B - r A <= 0) = 0.025 at the lower bound */
  double rl = 1 + sca(r, "lift_conf_low");
  double zz = (10.5 - rl * 10) / sqrt(vb + rl * rl * va);
  assert_close(0.5 * erfc(zz / sqrt(2)), 0.025, 1e-9);
  causal_result_free(r);
  /* informative prior shrinks both arms */
  assert_ok(causal_bayes_normal(&r, 10, 4, 4, 12, 4, 4, 11, 1, 0.95));
  /* precision 1/4 + 1 */
  assert_close(sca(r, "post_a_1"), (10 * 0.25 + 11) / 1.25, 1e-14);
  assert_close(sca(r, "post_b_2"), sqrt(1 / 1.25), 1e-14);
  causal_result_free(r);
  /* control mean near 0: no lift interval, a warning */
  assert_ok(
      causal_bayes_normal(&r, 0.01, 1, 10, 0.5, 1, 10, 0, INFINITY, 0.95));
  assert_true(isnan(sca(r, "lift_conf_low")));
  assert_int_equal(causal_result_nwarnings(r), 1);
  causal_result_free(r);
}

/* Normal-Inverse-Gamma model against tests/ref/bayes_nig_reference.py
 * (scipy quadrature in x over the real line, nested for the losses;
 * P(B > A) also by mpmath). */
static void test_normal_nig(void **state) {
  (void)state;
  FILE *f = fopen(cz_test_path("data/bayes_nig_reference.csv"), "r");
  assert_non_null(f);
  char line[1024];
  assert_non_null(fgets(line, sizeof line, f));
  int rows = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    double v[21];
    char *p = line;
    for (int i = 0; i < 21; i++) {
      char *end;
      v[i] = strtod(p, &end);
      assert_true(end != p);
      p = end + 1;
    }
    causal_result *r;
    assert_ok(causal_bayes_normal_nig(&r, v[0], v[1], v[2], v[3], v[4], v[5],
                                      v[6], v[7], v[8], v[9], v[10]));
    double scale = fabs(v[16 - 2]) + fabs(v[15 - 1]); /* interval width */
    struct {
      const char *name;
      double want, tol;
    } chk[] = {{"prob_b_beats_a", v[11], 1e-10},
               {"expected_loss_a", v[12], 1e-9 * (1 + v[12])},
               {"expected_loss_b", v[13], 1e-9 * (1 + v[13])},
               {"diff_conf_low", v[14], 1e-9 * scale},
               {"diff_conf_high", v[15], 1e-9 * scale},
               {"lift_median", v[16], 1e-8},
               {"lift_conf_low", v[17], 1e-8},
               {"lift_conf_high", v[18], 1e-8},
               {"post_a_df", v[19], 0},
               {"post_b_df", v[20], 0}};
    for (size_t i = 0; i < sizeof chk / sizeof chk[0]; i++) {
      double got = sca(r, chk[i].name);
      if (isnan(chk[i].want)) {
        if (!isnan(got))
          fail_msg("row %d %s: %g, reference NaN", rows, chk[i].name, got);
        continue;
      }
      if (!(fabs(got - chk[i].want) <= chk[i].tol))
        fail_msg("row %d %s: %.15g, reference %.15g", rows, chk[i].name, got,
                 chk[i].want);
    }
    const char *m;
    assert_ok(causal_result_get_string(r, "model", &m));
    assert_string_equal(m, "normal_nig");
    /* losses differ by the difference of posterior means */
    assert_close(sca(r, "expected_loss_a") - sca(r, "expected_loss_b"),
                 sca(r, "post_b_1") - sca(r, "post_a_1"), 1e-9);
    causal_result_free(r);
    rows++;
  }
  fclose(f);
  assert_int_equal(rows, 6);
  /* reference prior: mu | data ~ t_{n-1}(mean, sd / sqrt n) */
  causal_result *r;
  assert_ok(
      causal_bayes_normal_nig(&r, 10, 4, 25, 11, 3, 16, 0, 0, -0.5, 0, 0.95));
  assert_close(sca(r, "post_a_1"), 10, 1e-15);
  assert_close(sca(r, "post_a_2"), 4.0 / 5, 1e-15);
  assert_close(sca(r, "post_b_2"), 3.0 / 4, 1e-15);
  assert_close(sca(r, "post_a_df"), 24, 0);
  causal_result_free(r);
  /* many observations: agrees with the plug-in normal model */
  causal_result *rn;
  assert_ok(causal_bayes_normal_nig(&r, 10, 4, 1e6, 10.01, 4, 1e6, 0, 0, -0.5,
                                    0, 0.95));
  assert_ok(
      causal_bayes_normal(&rn, 10, 4, 1e6, 10.01, 4, 1e6, 0, INFINITY, 0.95));
  assert_close(sca(r, "prob_b_beats_a"), sca(rn, "prob_b_beats_a"), 1e-6);
  /* t_{1e6} vs normal quantiles differ by ~1e-5 relative */
  assert_true(fabs(sca(r, "diff_conf_low") - sca(rn, "diff_conf_low")) <
              3e-5 * fabs(sca(rn, "diff_conf_low")));
  causal_result_free(r);
  causal_result_free(rn);
  /* identical arms: exactly 1/2 */
  assert_ok(causal_bayes_normal_nig(&r, 2, 1, 5, 2, 1, 5, 0, 0, -0.5, 0, 0.9));
  assert_close(sca(r, "prob_b_beats_a"), 0.5, 1e-12);
  causal_result_free(r);
  /* errors */
  r = (causal_result *)1;
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 2, 1, 1, 10, 0, 0, -0.5, 0,
                                        0.95),
                CAUSAL_ERANGE);
  assert_null(r);
  assert_error_mentions("arm A");
  assert_error_mentions("df");
  assert_status(causal_bayes_normal_nig(&r, 1, 0, 10, 1, 1, 10, 0, 0, -0.5, 0,
                                        0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("zero variance");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 0, 1, 1, 10, 0, 0, -0.5, 0,
                                        0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("n = 0");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, NAN, 1, 10, 0, 0, -0.5, 0,
                                        0.95),
                CAUSAL_ENONFINITE);
  assert_error_mentions("arm B");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, 1, 1, 10, 0, -1, -0.5, 0,
                                        0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("prior_kappa");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, 1, 1, 10, NAN, 1, -0.5, 0,
                                        0.95),
                CAUSAL_ENONFINITE);
  assert_error_mentions("prior_mean");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, 1, 1, 10, 0, 0, -1, 0,
                                        0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("prior_shape");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, 1, 1, 10, 0, 0, -0.5, -1,
                                        0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("prior_scale");
  assert_status(causal_bayes_normal_nig(&r, 1, 1, 5, 1, 1, 10, 0, 0, -0.5, 0,
                                        1),
                CAUSAL_ERANGE);
  assert_error_mentions("cred_level");
  assert_status(causal_bayes_normal_nig(NULL, 1, 1, 5, 1, 1, 10, 0, 0, -0.5, 0,
                                        0.95),
                CAUSAL_EINVAL);
}

static void test_errors(void **state) {
  (void)state;
  causal_result *r = (causal_result *)1;
  assert_status(causal_bayes_beta(&r, 5, 3, 1, 2, 1, 1, 0.95), CAUSAL_ERANGE);
  assert_null(r);
  assert_error_mentions("exceed");
  assert_status(causal_bayes_beta(&r, -1, 3, 1, 2, 1, 1, 0.95), CAUSAL_ERANGE);
  assert_error_mentions("negative");
  assert_status(causal_bayes_beta(&r, NAN, 3, 1, 2, 1, 1, 0.95),
                CAUSAL_ENONFINITE);
  assert_status(causal_bayes_beta(&r, 1, 3, 1, 2, 0, 1, 0.95), CAUSAL_ERANGE);
  assert_status(causal_bayes_beta(&r, 1, 3, 1, 2, 1, 1, 1.5), CAUSAL_ERANGE);
  assert_error_mentions("cred_level");
  assert_status(causal_bayes_normal(&r, 1, 0, 10, 1, 1, 10, 0, INFINITY, 0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("zero variance");
  assert_status(causal_bayes_normal(&r, 1, 1, 0, 1, 1, 10, 0, INFINITY, 0.95),
                CAUSAL_ERANGE);
  assert_error_mentions("n = 0");
  assert_status(causal_bayes_normal(&r, 1, 1, 1, 1, 1, 10, 0, 0, 0.95),
                CAUSAL_ERANGE);
  assert_status(causal_bayes_gamma(&r, 1, 0, 1, 1, 1, 0, 0.95), CAUSAL_ERANGE);
  assert_error_mentions("exposure");
  assert_status(causal_bayes_gamma(&r, -1, 1, 1, 1, 1, 0, 0.95), CAUSAL_ERANGE);
  assert_status(causal_bayes_gamma(NULL, 1, 1, 1, 1, 1, 0, 0.95),
                CAUSAL_EINVAL);
  double p;
  assert_status(causal_bayes_prob_beta(1, 1, 2.5, 1, 1, &p), CAUSAL_EINVAL);
  assert_status(causal_bayes_prob_beta(0, 1, 2, 1, 0, &p), CAUSAL_ERANGE);
  assert_status(causal_bayes_prob_beta(1, 1, 2, 1, 7, &p), CAUSAL_EINVAL);
  /* symmetric arms: exactly 1/2 */
  assert_ok(causal_bayes_prob_beta(3.5, 7.25, 3.5, 7.25, 0, &p));
  assert_close(p, 0.5, 1e-12);
}

/* ---- decisions ---- */

static const char *NAMES[4] = {"revenue", "sessions", "latency", "errors"};

static void decide(double *est, double *se, const char *expect,
                   const char *fragment) {
  const int role[4] = {CAUSAL_METRIC_GOAL, CAUSAL_METRIC_GOAL,
                       CAUSAL_METRIC_GUARDRAIL, CAUSAL_METRIC_GUARDRAIL};
  const int dir[4] = {1, 1, -1, -1};
  const double w[4] = {0.7, 0.3, 0, 0}, margin[4] = {0, 0, 0.02, 0.01};
  causal_result *r;
  assert_ok(causal_decision_evaluate(&r, 4, NAMES, est, se, role, dir, w,
                                     margin, 0.05));
  const char *d, *why;
  assert_ok(causal_result_get_string(r, "decision", &d));
  assert_ok(causal_result_get_string(r, "reasons", &why));
  if (strcmp(d, expect) != 0 || strstr(why, fragment) == NULL)
    fail_msg("decision %s (%s), expected %s mentioning '%s'", d, why, expect,
             fragment);
  double oec = 0.7 * est[0] + 0.3 * est[1];
  assert_close(sca(r, "oec"), oec, 1e-14);
  assert_close(sca(r, "oec_std_error"),
               sqrt(0.49 * se[0] * se[0] + 0.09 * se[1] * se[1]), 1e-14);
  const double *ni;
  size_t n;
  assert_ok(causal_result_get_vector(r, "noninferiority_p_value", &ni, &n));
  assert_int_equal(n, 4);
  assert_true(isnan(ni[0]));
  /* latency: lower is better, est 'e' -> dir est = -e */
  double zl = (-est[2] + 0.02) / se[2];
  assert_close(ni[2], 0.5 * erfc(zl / sqrt(2)), 1e-12);
  assert_string_equal(causal_result_dimname(r, "noninferiority_p_value", 0, 2),
                      "latency");
  causal_result_free(r);
}

static void test_decisions(void **state) {
  (void)state;
  double est[4] = {0.05, 0.02, 0.001, -0.001},
         se[4] = {0.01, 0.01, 0.005, 0.002};
  decide(est, se, "ship", "significantly positive");
  /* a guardrail worse than its margin: stop */
  est[2] = 0.05;
  decide(est, se, "stop", "guardrail 'latency' is significantly worse");
  /* inconclusive guardrail: hold */
  est[2] = 0.015;
  decide(est, se, "hold", "guardrail 'latency' is inconclusive");
  /* OEC not significant: hold */
  est[2] = 0.001;
  est[0] = 0.001;
  est[1] = -0.002;
  decide(est, se, "hold", "not significant");
  /* OEC significantly negative: stop */
  est[0] = -0.05;
  decide(est, se, "stop", "significantly negative");

  /* errors */
  causal_result *r = (causal_result *)1;
  const int role[1] = {CAUSAL_METRIC_GOAL}, dir[1] = {1}, bad[1] = {3};
  const double e1[1] = {1}, s1[1] = {1}, s0[1] = {0}, w1[1] = {1}, m1[1] = {0};
  const char *nm[1] = {"x"}, *nn[1] = {NULL};
  assert_status(
      causal_decision_evaluate(&r, 0, nm, e1, s1, role, dir, w1, m1, 0.05),
      CAUSAL_EINVAL);
  assert_null(r);
  assert_status(
      causal_decision_evaluate(&r, 1, nm, e1, s0, role, dir, w1, m1, 0.05),
      CAUSAL_ERANGE);
  assert_error_mentions("'x'");
  assert_status(
      causal_decision_evaluate(&r, 1, nm, e1, s1, bad, dir, w1, m1, 0.05),
      CAUSAL_EINVAL);
  assert_error_mentions("role");
  assert_status(
      causal_decision_evaluate(&r, 1, nm, e1, s1, role, bad, w1, m1, 0.05),
      CAUSAL_EINVAL);
  assert_error_mentions("direction");
  assert_status(
      causal_decision_evaluate(&r, 1, nn, e1, s1, role, dir, w1, m1, 0.05),
      CAUSAL_EINVAL);
  assert_status(
      causal_decision_evaluate(&r, 1, nm, e1, s1, role, dir, w1, m1, 0.7),
      CAUSAL_ERANGE);
  assert_status(
      causal_decision_evaluate(&r, 1, nm, e1, s1, role, dir, NULL, m1, 0.05),
      CAUSAL_EINVAL);
}

/* ---- OOM ---- */

static int oom_models(void *arg) {
  (void)arg;
  causal_result *r;
  int rc = causal_bayes_beta(&r, 3, 10, 5, 12, 1, 1, 0.95);
  if (rc)
    return rc;
  causal_result_free(r);
  if ((rc =
           causal_bayes_normal(&r, 0.01, 1, 10, 0.5, 1, 10, 0, INFINITY, 0.95)))
    return rc;
  causal_result_free(r);
  if ((rc = causal_bayes_normal_nig(&r, 5, 1, 3, 5.5, 1.5, 3, 0, 0, -0.5, 0,
                                    0.95)))
    return rc;
  causal_result_free(r);
  if ((rc = causal_bayes_gamma(&r, 3, 10, 5, 12, 1, 0, 0.95)))
    return rc;
  causal_result_free(r);
  const char *nm[2] = {"a", "b"};
  const double e[2] = {1, 0}, s[2] = {0.1, 0.1}, w[2] = {1, 0}, m[2] = {0, 0.5};
  const int role[2] = {1, 2}, dir[2] = {1, 1};
  rc = causal_decision_evaluate(&r, 2, nm, e, s, role, dir, w, m, 0.05);
  if (rc == 0)
    causal_result_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_models, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference), cmocka_unit_test(test_monte_carlo),
      cmocka_unit_test(test_normal),    cmocka_unit_test(test_normal_nig),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_decisions), cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
