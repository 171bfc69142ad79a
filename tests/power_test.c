/* Tests for include/causal/power.h against R (power.prop.test,
 * power.t.test, pt with ncp: tests/ref/power_reference.R) and statsmodels
 * (NormalIndPower, TTestIndPower) plus Evan Miller's calculator formula
 * (tests/ref/power_reference.py). */
#include "testutil.h"

#include "internal/numint.h"

/* Read a numeric CSV with a header line into rows of up to 32 columns. */
typedef struct csvtab {
  int nrow, ncol;
  double v[600][32];
} csvtab;

static csvtab TAB;

static void read_csv_num(const char *rel, csvtab *t) {
  FILE *f = fopen(cz_test_path(rel), "r");
  if (f == NULL)
    fail_msg("cannot open %s", rel);
  char line[4096];
  t->nrow = 0;
  t->ncol = 0;
  if (fgets(line, sizeof line, f) == NULL)
    fail_msg("empty %s", rel);
  for (char *s = line; *s; s++)
    t->ncol += *s == ',';
  t->ncol++;
  while (fgets(line, sizeof line, f) != NULL && t->nrow < 600) {
    char *s = line;
    for (int j = 0; j < t->ncol; j++) {
      char *end;
      while (*s == '"')
        s++;
      if (strncmp(s, "NA", 2) == 0 && s[2] != 'N') {
        t->v[t->nrow][j] = NAN;
        end = s + 2;
      } else {
        t->v[t->nrow][j] = strtod(s, &end);
      }
      s = end;
      while (*s && *s != ',')
        s++;
      if (*s == ',')
        s++;
    }
    t->nrow++;
  }
  fclose(f);
}

static double get(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static causal_power *mk(int method) {
  causal_power *p;
  assert_ok(causal_power_new(&p, method));
  return p;
}

/* One row of a reference table: configure, solve, compare. */
static void run_row(const double *v, int has_ratio, double tol_n, double tol_p,
                    double tol_e) {
  int method = (int)v[0], solve = (int)v[1], sample = (int)v[2];
  int sides = (int)v[3], strict = (int)v[4];
  causal_power *p = mk(method);
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_SOLVE, solve));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_SIDES, sides));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_STRICT, strict));
  if (method >= 5)
    assert_ok(causal_power_set_int(p, CAUSAL_POWER_SAMPLE, sample));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_ALPHA, v[5]));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, v[6]));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_N, v[7]));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_BASELINE, v[8]));
  if (solve != CAUSAL_POWER_SOLVE_EFFECT)
    assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, v[9]));
  if (!isnan(v[10]))
    assert_ok(causal_power_set_double(p, CAUSAL_POWER_SD, v[10]));
  int o = has_ratio ? 12 : 11;
  if (has_ratio)
    assert_ok(causal_power_set_double(p, CAUSAL_POWER_ALLOC_RATIO, v[11]));
  causal_result *r;
  assert_ok(causal_power_solve(&r, p));
  if (solve == CAUSAL_POWER_SOLVE_N)
    assert_close(get(r, "n"), v[o], tol_n);
  else if (solve == CAUSAL_POWER_SOLVE_POWER)
    assert_close(get(r, "power"), v[o + 1], tol_p);
  else
    assert_close(fabs(get(r, "effect")), fabs(v[o + 2]), tol_e);
  causal_result_free(r);
  causal_power_free(p);
}

static void test_r_reference(void **state) {
  (void)state;
  read_csv_num("data/power_reference_r.csv", &TAB);
  assert_true(TAB.nrow > 200);
  for (int i = 0; i < TAB.nrow; i++)
    run_row(TAB.v[i], 0, 1e-9, 1e-10, 1e-9);
}

static void test_statsmodels_reference(void **state) {
  (void)state;
  read_csv_num("data/power_reference_sm.csv", &TAB);
  assert_true(TAB.nrow > 50);
  /* statsmodels' brentq stops at ~1e-10 relative in n; scipy's noncentral
   * t (Boost) differs from R's pt by up to 4e-10 where ours agrees with R
   * to 1e-12 (e.g. d = 0.25, n1 = 40, ratio 0.5, one-sided) */
  for (int i = 0; i < TAB.nrow; i++)
    run_row(TAB.v[i], 1, 1e-8, 1e-8, 1e-8);
}

static void test_pnt(void **state) {
  (void)state;
  read_csv_num("data/power_pnt.csv", &TAB);
  double worst = 0;
  for (int i = 0; i < TAB.nrow; i++) {
    double q = TAB.v[i][0], df = TAB.v[i][1], ncp = TAB.v[i][2];
    for (int tail = 0; tail < 2; tail++) {
      double ref = TAB.v[i][3 + tail];
      double got = causal_pnt(q, df, ncp, tail == 0);
      double err = fabs(got - ref);
      /* R's pnt targets 1e-12 absolute; relative where values are large */
      double tol = 1e-11 + 1e-9 * fabs(ref);
      if (err > tol)
        fail_msg("pnt(%g, %g, %g, lower=%d) = %.15g, R %.15g", q, df, ncp,
                 tail == 0, got, ref);
      if (err > worst)
        worst = err;
    }
  }
  assert_true(isnan(causal_pnt(1, 0, 1, 1)));
  assert_true(isnan(causal_pnt(NAN, 3, 1, 1)));
  assert_close(causal_pnt(INFINITY, 3, 1, 1), 1.0, 0);
  assert_close(causal_pnt(1.3, 7, 0, 1), 1 - causal_pnt(1.3, 7, 0, 0), 1e-15);
}

/* Unequal allocation, CUPED, relative MDE, ratio metrics and k arms
 * against closed forms of the normal approximation. */
static void test_closed_forms(void **state) {
  (void)state;
  double za = 1.959963984540054, zb = 0.8416212335729143;
  /* means z, two-sample, ratio 2, CUPED rho 0.5, relative MDE 5% of 10 */
  causal_power *p = mk(CAUSAL_POWER_MEAN_Z);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_SD, 3));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_BASELINE, 10));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_RELATIVE, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.05));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_ALLOC_RATIO, 2));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_RHO, 0.5));
  causal_result *r;
  assert_ok(causal_power_solve(&r, p));
  /* power ~ Phi(d/se - z): ignoring the far tail (strict 0) exactly */
  double var = 9 * 0.75, d = 0.5;
  double n = (za + zb) * (za + zb) * var * (1 + 0.5) / (d * d);
  assert_close(get(r, "n"), n, 1e-10);
  assert_close(get(r, "n2"), 2 * n, 1e-10);
  assert_close(get(r, "n_total"), 3 * n, 1e-10);
  assert_close(get(r, "sd"), sqrt(var), 1e-14);
  assert_close(get(r, "effect_relative"), 0.05, 1e-14);
  causal_result_free(r);
  /* 4 arms with Bonferroni: z at alpha / 3 */
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_ARMS, 4));
  assert_ok(causal_power_solve(&r, p));
  double zc = 2.3939797998185104; /* qnorm(1 - 0.05/6) */
  assert_close(get(r, "critical_value"), zc, 1e-12);
  assert_close(get(r, "n"), (zc + zb) * (zc + zb) * var * 1.5 / (d * d), 1e-10);
  assert_close(get(r, "n_total"), 7 * get(r, "n"), 1e-12);
  causal_result_free(r);
  /* Dunnett, equal allocation, 3 comparisons, two-sided 0.05: the
   * tabulated infinite-df critical value is 2.349 (Dunnett 1955) */
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_ALLOC_RATIO, 1));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_MULTIPLICITY,
                                 CAUSAL_POWER_MULT_DUNNETT));
  assert_ok(causal_power_solve(&r, p));
  assert_close(get(r, "critical_value"), 2.349, 5e-4);
  const char *s;
  assert_ok(causal_result_get_string(r, "multiplicity", &s));
  assert_string_equal(s, "dunnett");
  causal_result_free(r);
  causal_power_free(p);

  /* ratio metric: delta-method sd equals the sd given to MEAN_Z */
  p = mk(CAUSAL_POWER_RATIO);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_MEAN, 2));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_DEN_MEAN, 4));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_VAR, 3));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_DEN_VAR, 5));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_DEN_COV, 1.5));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.01));
  assert_ok(causal_power_solve(&r, p));
  double R = 0.5, vr = (3 - 2 * R * 1.5 + R * R * 5) / 16;
  assert_close(get(r, "sd"), sqrt(vr), 1e-14);
  assert_close(get(r, "n"), (za + zb) * (za + zb) * vr * 2 / 1e-4, 1e-9);
  causal_result_free(r);
  /* relative MDE for a ratio metric uses NUM_MEAN / DEN_MEAN */
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_RELATIVE, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.02));
  assert_ok(causal_power_solve(&r, p));
  assert_close(get(r, "effect"), 0.01, 1e-14);
  causal_result_free(r);
  /* power and MDE round trip */
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_RELATIVE, 0));
  assert_ok(
      causal_power_set_int(p, CAUSAL_POWER_SOLVE, CAUSAL_POWER_SOLVE_EFFECT));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_N, 12345));
  assert_ok(causal_power_solve(&r, p));
  double e = get(r, "effect");
  causal_result_free(r);
  assert_ok(
      causal_power_set_int(p, CAUSAL_POWER_SOLVE, CAUSAL_POWER_SOLVE_POWER));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, e));
  assert_ok(causal_power_solve(&r, p));
  assert_close(get(r, "power"), 0.8, 1e-12);
  causal_result_free(r);
  causal_power_free(p);

  /* proportions: unpooled closed form */
  p = mk(CAUSAL_POWER_PROP_UNPOOLED);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_BASELINE, 0.1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.02));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_solve(&r, p));
  assert_close(get(r, "n"), (za + zb) * (za + zb) * (0.09 + 0.12 * 0.88) / 4e-4,
               1e-10);
  assert_close(get(r, "p2"), 0.12, 1e-14);
  assert_ok(causal_result_get_string(r, "method", &s));
  assert_non_null(strstr(s, "unpooled"));
  causal_result_free(r);
  causal_power_free(p);
}

static void test_errors(void **state) {
  (void)state;
  causal_power *p = (causal_power *)1;
  assert_status(causal_power_new(&p, 99), CAUSAL_EINVAL);
  assert_null(p);
  assert_error_mentions("method");
  assert_status(causal_power_new(NULL, 1), CAUSAL_EINVAL);
  p = mk(CAUSAL_POWER_PROP_POOLED);
  causal_result *r = (causal_result *)1;
  /* nothing set */
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_null(r);
  assert_error_mentions("POWER");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("EFFECT");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.1));
  assert_status(causal_power_solve(&r, p), CAUSAL_ERANGE);
  assert_error_mentions("BASELINE");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_BASELINE, 0.95));
  assert_status(causal_power_solve(&r, p), CAUSAL_ERANGE);
  assert_error_mentions("p2");
  assert_status(causal_power_set_double(p, CAUSAL_POWER_ALPHA, 0.7),
                CAUSAL_ERANGE);
  assert_error_mentions("ALPHA");
  assert_status(causal_power_set_double(p, CAUSAL_POWER_ALPHA, NAN),
                CAUSAL_ENONFINITE);
  assert_status(causal_power_set_double(p, CAUSAL_POWER_SD, INFINITY),
                CAUSAL_ENONFINITE);
  assert_status(causal_power_set_double(p, CAUSAL_POWER_N, -3), CAUSAL_ERANGE);
  assert_status(causal_power_set_double(p, 7, 1), CAUSAL_EINVAL);
  assert_status(causal_power_set_int(p, 101, 1), CAUSAL_EINVAL);
  assert_status(causal_power_set_int(p, CAUSAL_POWER_SIDES, 3), CAUSAL_ERANGE);
  assert_error_mentions("SIDES");
  assert_status(causal_power_set_int(NULL, CAUSAL_POWER_SIDES, 1),
                CAUSAL_EINVAL);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_RHO, 0.3));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_BASELINE, 0.2));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("RHO");
  assert_status(causal_power_solve(NULL, p), CAUSAL_EINVAL);
  assert_status(causal_power_solve(&r, NULL), CAUSAL_EINVAL);
  causal_power_free(p);
  causal_power_free(NULL);

  p = mk(CAUSAL_POWER_MEAN_T);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 1));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("SD");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_SD, 1));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_ARMS, 3));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_MULTIPLICITY,
                                 CAUSAL_POWER_MULT_DUNNETT));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("Dunnett");
  assert_ok(
      causal_power_set_int(p, CAUSAL_POWER_SAMPLE, CAUSAL_POWER_ONE_SAMPLE));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("two-sample");
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_ARMS, 2));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.01));
  assert_status(causal_power_solve(&r, p), CAUSAL_ERANGE);
  assert_error_mentions("significance level");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_set_int(p, CAUSAL_POWER_RELATIVE, 1));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("BASELINE");
  causal_power_free(p);

  p = mk(CAUSAL_POWER_RATIO);
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_EFFECT, 1));
  assert_status(causal_power_solve(&r, p), CAUSAL_EINVAL);
  assert_error_mentions("NUM_MEAN");
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_MEAN, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_DEN_MEAN, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_VAR, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_DEN_VAR, 1));
  assert_ok(causal_power_set_double(p, CAUSAL_POWER_NUM_DEN_COV, 1));
  assert_status(causal_power_solve(&r, p), CAUSAL_ERANGE);
  assert_error_mentions("delta-method");
  causal_power_free(p);

  double lo, hi;
  assert_ok(causal_power_bounds(CAUSAL_POWER_ALPHA, &lo, &hi));
  assert_true(lo > 0 && hi == 0.5);
  assert_status(causal_power_bounds(9999, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_power_bounds(CAUSAL_POWER_ALPHA, NULL, &hi),
                CAUSAL_EINVAL);
}

static int oom_fn(void *arg) {
  (void)arg;
  causal_power *p;
  int rc = causal_power_new(&p, CAUSAL_POWER_MEAN_T);
  if (rc)
    return rc;
  causal_power_set_double(p, CAUSAL_POWER_SD, 1);
  causal_power_set_double(p, CAUSAL_POWER_EFFECT, 0.5);
  causal_power_set_double(p, CAUSAL_POWER_POWER, 0.8);
  causal_result *r;
  rc = causal_power_solve(&r, p);
  causal_power_free(p);
  if (rc == 0)
    causal_result_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_fn, NULL);
}

/* The shared quadrature and root finder. */
static double fsq(double x, void *c) {
  (void)c;
  return 1 / sqrt(x);
}
static double fcub(double x, void *c) {
  (void)c;
  return x * x * x - 2;
}
static void test_numint(void **state) {
  (void)state;
  double r, e;
  assert_int_equal(cz_quad(fsq, NULL, 0, 1, NULL, 0, 1e-13, 0, &r, &e), 0);
  assert_close(r, 2.0, 1e-12);
  double root;
  assert_int_equal(cz_brent(fcub, NULL, 0, 3, -2, 25, 1e-15, 200, &root), 0);
  assert_close(root, cbrt(2.0), 1e-14);
  assert_int_equal(cz_brent(fcub, NULL, 0, 1, -2, -1, 1e-15, 200, &root), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pnt),
      cmocka_unit_test(test_r_reference),
      cmocka_unit_test(test_statsmodels_reference),
      cmocka_unit_test(test_closed_forms),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_numint),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
