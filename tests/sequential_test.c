/* Tests for include/causal/sequential.h: published boundaries (ld98 /
 * ldbounds / gsDesign conventions), boundaries from independent
 * multivariate-normal integration (tests/ref/sequential_reference.py),
 * monitoring with save/resume, and simulations of type-I error and power
 * under repeated looks and of the mSPRT under continuous monitoring. */
#include "testutil.h"

static causal_gs *mkgs(int sides, double alpha, int fam, double param) {
  causal_gs *g;
  assert_ok(causal_gs_new(&g, sides, alpha, fam, param));
  return g;
}

static const double *vec(const causal_result *r, const char *name, size_t *n) {
  const double *v;
  assert_ok(causal_result_get_vector(r, name, &v, n));
  return v;
}

static double sca(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static const double T5[5] = {0.2, 0.4, 0.6, 0.8, 1};

/* Published 5-look, two-sided alpha = 0.05 (each side 0.025) Lan-DeMets
 * boundaries at equal fractions, as printed by ld98 / ldbounds
 * (bounds(5, iuse = 1 or 2, alpha = 0.05)) and gsDesign test.type = 2
 * with sfLDOF / sfLDPocock and alpha = 0.025. */
static void test_published(void **state) {
  (void)state;
  static const double obf[5] = {4.877, 3.357, 2.680, 2.290, 2.031};
  static const double poc[5] = {2.438, 2.427, 2.410, 2.397, 2.386};
  for (int f = 0; f < 2; f++) {
    causal_gs *g = mkgs(2, 0.05, f == 0 ? CAUSAL_GS_OBF : CAUSAL_GS_POCOCK, 0);
    causal_result *r;
    assert_ok(causal_gs_design(&r, g, T5, 5));
    size_t n;
    const double *u = vec(r, "upper", &n), *l = vec(r, "lower", &n);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
      assert_true(fabs(u[i] - (f == 0 ? obf : poc)[i]) < 5e-4);
      assert_true(l[i] == -u[i]);
    }
    const double *cum = vec(r, "alpha_spent", &n);
    assert_close(cum[4], 0.05, 1e-15);
    causal_result_free(r);
    /* the same design as one-sided alpha = 0.025 gives the same upper
     * bounds (gsDesign test.type = 1 vs 2 share the upper bound) */
    causal_gs *g1 =
        mkgs(1, 0.025, f == 0 ? CAUSAL_GS_OBF : CAUSAL_GS_POCOCK, 0);
    causal_result *r1;
    assert_ok(causal_gs_design(&r1, g1, T5, 5));
    const double *u1 = vec(r1, "upper", &n);
    assert_ok(causal_gs_design(&r, g, T5, 5));
    u = vec(r, "upper", &n);
    for (int i = 0; i < 5; i++)
      assert_close(u1[i], u[i], 1e-4); /* differ only by lower crossing */
    causal_result_free(r);
    causal_result_free(r1);
    causal_gs_free(g);
    causal_gs_free(g1);
  }
}

static void test_reference(void **state) {
  (void)state;
  FILE *f = fopen(cz_test_path("data/sequential_reference.csv"), "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f));
  double frac[16], ref[16];
  int rows = 0;
  char name[64], cur[64] = "";
  int sides = 0, fam = 0, conv = 0, k = 0, look = 0;
  double alpha = 0, param = 0, fr, up;
  while (fgets(line, sizeof line, f) != NULL) {
    int got = sscanf(line, "%63[^,],%d,%lf,%d,%lf,%d,%d,%d,%lf,%lf", name,
                     &sides, &alpha, &fam, &param, &conv, &k, &look, &fr, &up);
    assert_int_equal(got, 10);
    strcpy(cur, name);
    frac[look - 1] = fr;
    ref[look - 1] = up;
    if (look < k)
      continue;
    causal_gs *g = mkgs(sides, alpha, fam, param);
    assert_ok(causal_gs_set_int(g, CAUSAL_GS_CONVENTION, conv));
    causal_result *r;
    assert_ok(causal_gs_design(&r, g, frac, (size_t)k));
    size_t n;
    const double *u = vec(r, "upper", &n);
    for (int i = 0; i < k; i++) {
      /* Genz's quasi-Monte Carlo reference is good to ~1e-7 in probability,
       * ~6e-6 in the last bounds of 5-look designs; the grid itself is
       * converged to 1e-9 (r = 48 vs r = 200) */
      if (fabs(u[i] - ref[i]) > 1e-5)
        fail_msg("%s look %d: upper %.9f, mvn reference %.9f", cur, i + 1, u[i],
                 ref[i]);
    }
    causal_result_free(r);
    causal_gs_free(g);
    rows++;
  }
  fclose(f);
  assert_true(rows >= 7);
}

static void test_design_properties(void **state) {
  (void)state;
  /* one look: the fixed design */
  const double one = 1;
  causal_gs *g = mkgs(2, 0.05, CAUSAL_GS_HSD, -4);
  causal_result *r;
  assert_ok(causal_gs_design(&r, g, &one, 1));
  size_t n;
  assert_close(vec(r, "upper", &n)[0], 1.959963984540054, 1e-11);
  assert_close(sca(r, "inflation_factor"), 1.0, 1e-9);
  assert_close(sca(r, "power"), 0.9, 1e-10);
  causal_result_free(r);
  causal_gs_free(g);

  /* OBF with the TOTAL convention: first bound is qnorm(1 - f(t1)/2)
   * with f(t; 0.05) = 2 - 2 Phi(1.96 / sqrt t) */
  g = mkgs(2, 0.05, CAUSAL_GS_OBF, 0);
  assert_ok(causal_gs_set_int(g, CAUSAL_GS_CONVENTION, CAUSAL_GS_SPEND_TOTAL));
  assert_ok(causal_gs_design(&r, g, T5, 5));
  assert_close(vec(r, "upper", &n)[0], 1.959963984540054 / sqrt(0.2), 1e-9);
  causal_result_free(r);
  causal_gs_free(g);

  /* one-sided with non-binding beta-spending futility (gsDesign's default
   * test.type = 4, k = 3, HSD -4 / -2, alpha 0.025, beta 0.1): bounds meet
   * at the end, power is 1 - beta, inflation ~1.07 */
  g = mkgs(1, 0.025, CAUSAL_GS_HSD, -4);
  assert_ok(causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, CAUSAL_GS_HSD));
  assert_ok(causal_gs_set_double(g, CAUSAL_GS_FUT_PARAM, -2));
  const double t3[3] = {1.0 / 3, 2.0 / 3, 1};
  assert_ok(causal_gs_design(&r, g, t3, 3));
  const double *u = vec(r, "upper", &n), *l = vec(r, "lower", &n);
  assert_close(l[2], u[2], 1e-9);
  assert_true(fabs(u[0] - 3.01) < 0.005 && fabs(u[1] - 2.55) < 0.005);
  assert_true(fabs(l[0] + 0.24) < 0.005 && fabs(l[1] - 0.94) < 0.005);
  assert_close(sca(r, "power"), 0.9, 1e-8);
  assert_true(fabs(sca(r, "inflation_factor") - 1.07) < 0.005);
  const double *pl = vec(r, "prob_lower_h1", &n);
  assert_close(pl[0] + pl[1] + pl[2], 0.1, 1e-8);
  assert_true(sca(r, "expected_info_h0") < sca(r, "expected_info_h1"));
  causal_result_free(r);
  causal_gs_free(g);

  /* spending functions */
  assert_close(causal_gs_spend(CAUSAL_GS_POCOCK, 0, 0.05, 0.5),
               0.05 * log(1 + (exp(1) - 1) * 0.5), 1e-15);
  assert_close(causal_gs_spend(CAUSAL_GS_HSD, 0, 0.05, 0.3), 0.015, 1e-14);
  assert_close(causal_gs_spend(CAUSAL_GS_POWER, 2, 0.05, 0.5), 0.0125, 1e-15);
  assert_close(causal_gs_spend(CAUSAL_GS_OBF, 0, 0.05, 1), 0.05, 0);
  assert_true(causal_gs_spend(CAUSAL_GS_OBF, 0, 0.05, 0) == 0);
  assert_true(isnan(causal_gs_spend(9, 0, 0.05, 0.5)));
}

/* Simulation: Z_k = S(t_k) / sqrt(t_k) with Brownian S plus drift. */
static double simulate(const double *t, size_t k, const double *up,
                       const double *lo, double theta, int sides, int ntrial,
                       uint64_t seed, double *fut_rate) {
  causal_rng *rng;
  assert_ok(causal_rng_new(&rng, seed, 1));
  double e[64];
  int rej = 0, fut = 0;
  for (int s = 0; s < ntrial; s++) {
    assert_ok(causal_rng_normal(rng, 0, 1, e, k));
    double S = 0, tp = 0;
    for (size_t i = 0; i < k; i++) {
      double d = t[i] - tp;
      S += sqrt(d) * e[i] + theta * d;
      tp = t[i];
      double z = S / sqrt(t[i]);
      if (z >= up[i] || (sides == 2 && z <= -up[i])) {
        rej++;
        break;
      }
      if (lo != NULL && z <= lo[i]) {
        fut++;
        break;
      }
    }
  }
  causal_rng_free(rng);
  if (fut_rate)
    *fut_rate = (double)fut / ntrial;
  return (double)rej / ntrial;
}

static void test_simulation(void **state) {
  (void)state;
  const int N = 20000;
  /* two-sided OBF, 5 looks */
  causal_gs *g = mkgs(2, 0.05, CAUSAL_GS_OBF, 0);
  causal_result *r;
  assert_ok(causal_gs_design(&r, g, T5, 5));
  size_t n;
  const double *u = vec(r, "upper", &n);
  double sd = sqrt(0.05 * 0.95 / N);
  double rate = simulate(T5, 5, u, NULL, 0, 2, N, 11, NULL);
  if (fabs(rate - 0.05) > 4 * sd)
    fail_msg("type I %g vs 0.05 (MC sd %g)", rate, sd);
  double th = sca(r, "drift");
  double pw = simulate(T5, 5, u, NULL, th, 2, N, 12, NULL);
  double sdp = sqrt(0.9 * 0.1 / N);
  if (fabs(pw - 0.9) > 4 * sdp)
    fail_msg("power %g vs 0.9 (MC sd %g)", pw, sdp);
  causal_result_free(r);
  causal_gs_free(g);
  /* naive repeated 1.96 looks inflate alpha (the simulation can fail) */
  const double naive[5] = {1.96, 1.96, 1.96, 1.96, 1.96};
  assert_true(simulate(T5, 5, naive, NULL, 0, 2, N, 13, NULL) > 0.1);

  /* one-sided Pocock, unequal looks, with futility: binding futility in the
   * simulation gives power 1 - beta; ignoring futility keeps alpha */
  g = mkgs(1, 0.025, CAUSAL_GS_POCOCK, 0);
  assert_ok(causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, CAUSAL_GS_POWER));
  assert_ok(causal_gs_set_double(g, CAUSAL_GS_FUT_PARAM, 2));
  assert_ok(causal_gs_set_double(g, CAUSAL_GS_BETA, 0.2));
  const double t4[4] = {0.3, 0.5, 0.8, 1};
  assert_ok(causal_gs_design(&r, g, t4, 4));
  u = vec(r, "upper", &n);
  const double *l = vec(r, "lower", &n);
  sd = sqrt(0.025 * 0.975 / N);
  rate = simulate(t4, 4, u, NULL, 0, 1, N, 14, NULL);
  if (fabs(rate - 0.025) > 4 * sd)
    fail_msg("type I (futility ignored) %g vs 0.025", rate);
  double fr;
  pw = simulate(t4, 4, u, l, sca(r, "drift"), 1, N, 15, &fr);
  sdp = sqrt(0.8 * 0.2 / N);
  if (fabs(pw - 0.8) > 4 * sdp)
    fail_msg("power with futility %g vs 0.8", pw);
  causal_result_free(r);
  causal_gs_free(g);
}

static void test_monitoring(void **state) {
  (void)state;
  causal_gs *g = mkgs(2, 0.05, CAUSAL_GS_OBF, 0);
  causal_result *r;
  assert_ok(causal_gs_design(&r, g, T5, 5));
  size_t n;
  const double *u = vec(r, "upper", &n);
  double ub[5];
  memcpy(ub, u, sizeof ub);
  causal_result_free(r);
  /* looks at the planned fractions give the planned bounds */
  int d;
  assert_ok(causal_gs_look(g, 0.2, 1.0, &d));
  assert_int_equal(d, CAUSAL_GS_CONTINUE);
  assert_ok(causal_gs_look(g, 0.4, -2.0, &d));
  assert_int_equal(d, CAUSAL_GS_CONTINUE);
  /* save, resume in a new object, continue */
  uint8_t *buf;
  size_t len;
  assert_ok(causal_gs_serialize(g, &buf, &len));
  causal_gs *h;
  assert_ok(causal_gs_deserialize(&h, buf, len));
  assert_int_equal(causal_gs_nlooks(h), 2);
  assert_ok(causal_gs_look(h, 0.6, 2.5, &d));
  assert_int_equal(d, CAUSAL_GS_CONTINUE);
  assert_ok(causal_gs_look(h, 0.8, 2.3, &d));
  assert_int_equal(d, CAUSAL_GS_REJECT);
  assert_ok(causal_gs_result(&r, h));
  const double *mu = vec(r, "upper", &n);
  assert_int_equal(n, 4);
  for (int i = 0; i < 4; i++)
    assert_close(mu[i], ub[i], 1e-10);
  const char *s;
  assert_ok(causal_result_get_string(r, "decision", &s));
  assert_string_equal(s, "reject");
  causal_result_free(r);
  /* stopped: further looks refused */
  assert_status(causal_gs_look(h, 0.9, 0, &d), CAUSAL_EINVAL);
  assert_error_mentions("stopped");
  causal_gs_free(h);

  /* a corrupted or truncated buffer */
  buf[len - 9] ^= 1;
  assert_status(causal_gs_deserialize(&h, buf, len), CAUSAL_ECORRUPT);
  assert_null(h);
  assert_status(causal_gs_deserialize(&h, buf, 10), CAUSAL_ECORRUPT);
  causal_free(buf);

  /* unplanned fractions: bound from the actual looks; equals a design at
   * those fractions when the last is 1 */
  causal_gs *m = mkgs(1, 0.025, CAUSAL_GS_HSD, -4);
  const double tt[3] = {0.37, 0.71, 1};
  for (int i = 0; i < 3; i++)
    assert_ok(causal_gs_look(m, tt[i], 0.5, &d));
  assert_int_equal(d, CAUSAL_GS_ACCEPT);
  causal_gs *m2 = mkgs(1, 0.025, CAUSAL_GS_HSD, -4);
  assert_ok(causal_gs_design(&r, m2, tt, 3));
  causal_result *r2;
  assert_ok(causal_gs_result(&r2, m));
  const double *a1 = vec(r, "upper", &n), *a2 = vec(r2, "upper", &n);
  for (int i = 0; i < 3; i++)
    assert_close(a1[i], a2[i], 1e-12);
  causal_result_free(r);
  causal_result_free(r2);
  causal_gs_free(m2);
  causal_gs_free(m);

  /* errors */
  assert_status(causal_gs_look(g, 1.2, 0, &d), CAUSAL_ERANGE);
  assert_error_mentions("beyond the planned information");
  assert_status(causal_gs_look(g, 0.3, 0, &d), CAUSAL_EINVAL);
  assert_error_mentions("previous look");
  assert_status(causal_gs_look(g, 0.5, NAN, &d), CAUSAL_ENONFINITE);
  assert_status(causal_gs_look(g, 0.5, 0, NULL), CAUSAL_EINVAL);
  assert_int_equal(causal_gs_nlooks(g), 2);
  causal_gs_free(g);

  /* futility monitoring needs the drift */
  g = mkgs(1, 0.025, CAUSAL_GS_OBF, 0);
  assert_ok(causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, CAUSAL_GS_HSD));
  assert_status(causal_gs_look(g, 0.5, 0, &d), CAUSAL_EINVAL);
  assert_error_mentions("DRIFT");
  assert_ok(causal_gs_set_double(g, CAUSAL_GS_DRIFT, 3.0));
  assert_ok(causal_gs_look(g, 0.5, -1, &d));
  assert_int_equal(d, CAUSAL_GS_FUTILITY);
  causal_gs_free(g);
}

static void test_errors(void **state) {
  (void)state;
  causal_gs *g = (causal_gs *)1;
  assert_status(causal_gs_new(&g, 3, 0.05, 1, 0), CAUSAL_EINVAL);
  assert_null(g);
  assert_error_mentions("sides");
  assert_status(causal_gs_new(&g, 1, 0.7, 1, 0), CAUSAL_ERANGE);
  assert_status(causal_gs_new(&g, 1, NAN, 1, 0), CAUSAL_ERANGE);
  assert_status(causal_gs_new(&g, 1, 0.05, 7, 0), CAUSAL_EINVAL);
  assert_status(causal_gs_new(&g, 1, 0.05, CAUSAL_GS_POWER, -1), CAUSAL_ERANGE);
  assert_error_mentions("rho");
  assert_status(causal_gs_new(&g, 1, 0.05, CAUSAL_GS_HSD, NAN),
                CAUSAL_ENONFINITE);
  g = mkgs(2, 0.05, CAUSAL_GS_OBF, 0);
  causal_result *r = (causal_result *)1;
  const double bad1[2] = {0.5, 0.4}, bad2[2] = {0.5, 0.9}, bad3[2] = {0, 1},
               bad4[2] = {NAN, 1};
  assert_status(causal_gs_design(&r, g, bad1, 2), CAUSAL_EINVAL);
  assert_null(r);
  assert_error_mentions("frac[1]");
  assert_status(causal_gs_design(&r, g, bad2, 2), CAUSAL_EINVAL);
  assert_error_mentions("must be 1");
  assert_status(causal_gs_design(&r, g, bad3, 2), CAUSAL_ERANGE);
  assert_status(causal_gs_design(&r, g, bad4, 2), CAUSAL_ENONFINITE);
  assert_status(causal_gs_design(&r, g, T5, 0), CAUSAL_EINVAL);
  assert_status(causal_gs_design(&r, NULL, T5, 5), CAUSAL_EINVAL);
  /* futility on a two-sided design */
  assert_ok(causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, CAUSAL_GS_OBF));
  assert_status(causal_gs_design(&r, g, T5, 5), CAUSAL_EINVAL);
  assert_error_mentions("one-sided");
  assert_status(causal_gs_set_int(g, CAUSAL_GS_CONVENTION, 5), CAUSAL_ERANGE);
  assert_status(causal_gs_set_int(g, CAUSAL_GS_BETA, 1), CAUSAL_EINVAL);
  assert_status(causal_gs_set_double(g, CAUSAL_GS_BETA, 0.9), CAUSAL_ERANGE);
  assert_status(causal_gs_set_double(g, CAUSAL_GS_BETA, NAN),
                CAUSAL_ENONFINITE);
  assert_status(causal_gs_set_double(g, CAUSAL_GS_CONVENTION, 1),
                CAUSAL_EINVAL);
  double lo, hi;
  assert_ok(causal_gs_bounds(CAUSAL_GS_BETA, &lo, &hi));
  assert_status(causal_gs_bounds(77, &lo, &hi), CAUSAL_EINVAL);
  causal_gs_free(g);
  causal_gs_free(NULL);
  assert_int_equal(causal_gs_nlooks(NULL), 0);
  /* wrong kind of serialized buffer */
  uint8_t *buf;
  size_t len;
  causal_moments *mo;
  assert_ok(causal_moments_new(&mo, 1));
  assert_ok(causal_moments_serialize(mo, &buf, &len));
  assert_status(causal_gs_deserialize(&g, buf, len), CAUSAL_ETYPE);
  causal_free(buf);
  causal_moments_free(mo);
}

/* ---- mSPRT ---- */

static void test_msprt(void **state) {
  (void)state;
  const double est[4] = {0.5, 0.3, 0.41, 0.38};
  const double var[4] = {0.25, 0.1, 0.02, 0.01};
  causal_result *r;
  assert_ok(causal_msprt(&r, est, var, 4, 0.04, 0.05, 0));
  size_t n;
  const double *lam = vec(r, "lambda", &n), *p = vec(r, "p_value", &n);
  const double *lo = vec(r, "conf_low", &n), *hi = vec(r, "conf_high", &n);
  double pm = 1, cl = -INFINITY, ch = INFINITY;
  int first = 0;
  for (int i = 0; i < 4; i++) {
    double v = var[i], t2 = 0.04, d = est[i];
    double L = sqrt(v / (v + t2)) * exp(t2 * d * d / (2 * v * (v + t2)));
    assert_close(lam[i], L, 1e-13);
    pm = fmin(pm, fmin(1, 1 / L));
    assert_close(p[i], pm, 1e-13);
    if (!first && pm <= 0.05)
      first = i + 1;
    double h = sqrt(v * (v + t2) / t2 * (log((v + t2) / v) + 2 * log(20.0)));
    cl = fmax(cl, d - h);
    ch = fmin(ch, d + h);
    assert_close(lo[i], cl, 1e-13);
    assert_close(hi[i], ch, 1e-13);
    /* duality: the CS excludes 0 exactly when Lambda >= 1/alpha here */
    assert_int_equal(L >= 20, d - h > 0 || d + h < 0);
  }
  assert_true(first > 0);
  assert_close(sca(r, "first_rejection"), first, 0);
  causal_result_free(r);

  /* errors */
  r = (causal_result *)1;
  assert_status(causal_msprt(&r, est, var, 0, 1, 0.05, 0), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_msprt(&r, est, var, 4, 0, 0.05, 0), CAUSAL_ERANGE);
  assert_error_mentions("tau2");
  assert_status(causal_msprt(&r, est, var, 4, 1, 1.5, 0), CAUSAL_ERANGE);
  const double badv[2] = {1, -1}, bade[2] = {0, NAN};
  assert_status(causal_msprt(&r, est, badv, 2, 1, 0.05, 0), CAUSAL_ERANGE);
  assert_error_mentions("variance[1]");
  assert_status(causal_msprt(&r, bade, var, 2, 1, 0.05, 0), CAUSAL_ENONFINITE);
  assert_error_mentions("estimate[1]");
  assert_status(causal_msprt(&r, NULL, var, 2, 1, 0.05, 0), CAUSAL_EINVAL);
}

/* Continuous monitoring: a look after every observation of N(0, 1) data
 * (estimate = running mean, V = 1 / n): the mSPRT's type-I error stays at
 * or below alpha, while a naive z-test at every look rejects far more. */
static void test_msprt_simulation(void **state) {
  (void)state;
  enum { TRIALS = 2000, NOBS = 500 };
  causal_rng *rng;
  assert_ok(causal_rng_new(&rng, 2024, 3));
  static double x[NOBS], est[NOBS], var[NOBS];
  int rej = 0, naive = 0;
  for (int s = 0; s < TRIALS; s++) {
    assert_ok(causal_rng_normal(rng, 0, 1, x, NOBS));
    double sum = 0;
    int nv = 0;
    for (int i = 0; i < NOBS; i++) {
      sum += x[i];
      est[i] = sum / (i + 1);
      var[i] = 1.0 / (i + 1);
      if (!nv && fabs(est[i]) / sqrt(var[i]) > 1.959963984540054)
        nv = 1;
    }
    naive += nv;
    causal_result *r;
    assert_ok(causal_msprt(&r, est, var, NOBS, 1.0, 0.05, 0));
    rej += sca(r, "first_rejection") > 0;
    causal_result_free(r);
  }
  causal_rng_free(rng);
  double rate = (double)rej / TRIALS, sd = sqrt(0.05 * 0.95 / TRIALS);
  if (rate > 0.05 + 3 * sd)
    fail_msg("mSPRT type I %g > alpha", rate);
  assert_true((double)naive / TRIALS > 0.2);
}

/* ---- OOM ---- */

static int oom_design(void *arg) {
  (void)arg;
  causal_gs *g;
  int rc = causal_gs_new(&g, 1, 0.025, CAUSAL_GS_HSD, -4);
  if (rc)
    return rc;
  causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, CAUSAL_GS_HSD);
  causal_gs_set_double(g, CAUSAL_GS_FUT_PARAM, -2);
  const double t[2] = {0.5, 1};
  causal_result *r;
  rc = causal_gs_design(&r, g, t, 2);
  if (rc == 0)
    causal_result_free(r);
  causal_gs_free(g);
  return rc;
}

static int oom_monitor(void *arg) {
  (void)arg;
  causal_gs *g, *h = NULL;
  int d, rc = causal_gs_new(&g, 2, 0.05, CAUSAL_GS_OBF, 0);
  if (rc)
    return rc;
  uint8_t *buf = NULL;
  size_t len;
  causal_result *r = NULL;
  if ((rc = causal_gs_look(g, 0.5, 1, &d)) == 0 &&
      (rc = causal_gs_serialize(g, &buf, &len)) == 0 &&
      (rc = causal_gs_deserialize(&h, buf, len)) == 0 &&
      (rc = causal_gs_look(h, 1, 1, &d)) == 0)
    rc = causal_gs_result(&r, h);
  causal_result_free(r);
  causal_free(buf);
  causal_gs_free(h);
  causal_gs_free(g);
  return rc;
}

static int oom_msprt(void *arg) {
  (void)arg;
  const double e[2] = {1, 2}, v[2] = {1, 0.5};
  causal_result *r;
  int rc = causal_msprt(&r, e, v, 2, 1, 0.05, 0);
  if (rc == 0)
    causal_result_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_design, NULL);
  cz_oom_sweep(oom_monitor, NULL);
  cz_oom_sweep(oom_msprt, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_published),
      cmocka_unit_test(test_reference),
      cmocka_unit_test(test_design_properties),
      cmocka_unit_test(test_simulation),
      cmocka_unit_test(test_monitoring),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_msprt),
      cmocka_unit_test(test_msprt_simulation),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
