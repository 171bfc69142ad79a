/* Distributions: reference values from R (tests/ref/dist_reference.R ->
 * tests/data/dist_reference.csv), internal identities, error paths. */
#include "testutil.h"

#include "internal/core.h"
#include "internal/dist.h"

#include <float.h>

#define CZ_PI_TEST 3.14159265358979323846

/* ---- reference CSV ------------------------------------------------------ */

typedef struct {
  char family[16], func[16], key[128];
  double p1, p2, x, value, cond;
} ref_row;

static const char *fam_names[] = {NULL,    "normal", "t",        "chisq", "f",
                                  "beta",  "gamma",  "binomial", "poisson"};
static const char *func_names[] = {NULL,     "pdf",   "logpdf",
                                   "cdf",    "sf",    "logcdf",
                                   "logsf",  "quantile", "isf"};

static int lookup(const char *const *names, int n, const char *s) {
  for (int i = 1; i < n; i++)
    if (strcmp(names[i], s) == 0)
      return i;
  return 0;
}

/* Small dedicated parser (the library's CSV reader is not used here so the
 * test stays independent of it). Fields: family,func,p1,p2,x,value,cond. */
static double parse_num(const char *s) {
  if (strcmp(s, "NA") == 0)
    return NAN;
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0')
    fail_msg("bad number '%s' in reference file", s);
  return v;
}

static ref_row *load_reference(const char *rel, size_t *count) {
  FILE *f = fopen(cz_test_path(rel), "r");
  assert_non_null(f);
  size_t cap = 8192, n = 0;
  ref_row *rows = malloc(cap * sizeof *rows);
  assert_non_null(rows);
  char line[512];
  int header = 1;
  while (fgets(line, sizeof line, f)) {
    if (header) {
      header = 0;
      continue;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0')
      continue;
    char *fields[7];
    int nf = 0;
    char *p = line;
    while (nf < 7) {
      fields[nf++] = p;
      char *c = strchr(p, ',');
      if (!c)
        break;
      *c = '\0';
      p = c + 1;
    }
    assert_int_equal(nf, 7);
    if (n == cap) {
      cap *= 2;
      rows = realloc(rows, cap * sizeof *rows);
      assert_non_null(rows);
    }
    ref_row *r = &rows[n++];
    snprintf(r->key, sizeof r->key, "%s,%s,%s,%s,%s", fields[0], fields[1],
             fields[2], fields[3], fields[4]);
    snprintf(r->family, sizeof r->family, "%s", fields[0]);
    snprintf(r->func, sizeof r->func, "%s", fields[1]);
    r->p1 = parse_num(fields[2]);
    r->p2 = parse_num(fields[3]);
    r->x = parse_num(fields[4]);
    r->value = parse_num(fields[5]);
    r->cond = parse_num(fields[6]);
  }
  fclose(f);
  *count = n;
  return rows;
}

/* Tolerance policy (documented in docs/methods/distributions.md):
 *  - discrete quantiles: exact;
 *  - infinities: exact; a reference 0 needs |value| <= 1e-300;
 *  - otherwise relative error <= max(1e-13, 16 eps cond), where cond is the
 *    condition number in the reference file: an error of a few ulps in an
 *    argument (x/scale, x^2/df, 1 - x, ...) is unavoidable for any
 *    implementation, R's included, and is amplified by cond;
 *  - subnormal references (below DBL_MIN) carry only the precision of the
 *    subnormal range: an absolute slack of 2^-1058 is allowed.
 * Returns the relative error (0 if exact match), or +Inf on a hard
 * mismatch (wrong infinity or sign). */
#define BODY_TOL 1e-13
#define COND_ULPS 16.0

static double rel_error(double got, double ref) {
  if (isinf(ref) || isinf(got))
    return got == ref ? 0.0 : INFINITY;
  if (isnan(got))
    return INFINITY;
  if (ref == 0.0)
    return fabs(got) <= 1e-300 ? 0.0 : INFINITY;
  double err = fabs(got - ref);
  if (fabs(ref) < DBL_MIN) {
    double slack = ldexp(1.0, -1058);
    err = err > slack ? err - slack : 0.0;
  }
  return err / fabs(ref);
}

/* Known limitation (docs/methods/distributions.md): when both beta
 * parameters are large (>= 1e4: binomial with k and n - k both large, F
 * with both df large, beta(1e6, 1e6)) and x is near the mean, the
 * incomplete beta still comes from the continued fraction, which loses
 * ~1e3 ulps there (Temme's uniform expansion / BASYM would fix it). Those
 * rows are held to 5e-13, or 128 eps cond when the condition number is
 * large. Everything else (t at any df, one parameter large) meets the
 * common policy. */
#define BOTH_LARGE_TOL 5e-13
#define BOTH_LARGE_ULPS 128.0

static int both_large_params(const ref_row *r, int family) {
  switch (family) {
  case CAUSAL_DIST_F:
    return isfinite(r->p1) && isfinite(r->p2) && r->p1 >= 2e4 && r->p2 >= 2e4;
  case CAUSAL_DIST_BINOMIAL:
    return floor(r->x) + 1.0 >= 1e4 && r->p1 - floor(r->x) >= 1e4;
  case CAUSAL_DIST_BETA:
    return fmin(r->p1, r->p2) >= 1e4;
  default:
    return 0;
  }
}

static double tolerance_for(const ref_row *r, int family, int func) {
  int discrete = family == CAUSAL_DIST_BINOMIAL || family == CAUSAL_DIST_POISSON;
  if (discrete && (func == CAUSAL_DIST_QUANTILE || func == CAUSAL_DIST_ISF))
    return 0.0;
  double t = COND_ULPS * DBL_EPSILON * r->cond;
  /* very small or large values are exp(log value) (for log forms near 0
   * the value is -P with P = exp(log P)): the log carries an absolute
   * error of eps |log v|, a relative error of the value */
  double av = fabs(r->value);
  if (av > 0.0 && isfinite(av) && (av < 1e-30 || av > 1e30))
    t = fmax(t, 4.0 * DBL_EPSILON * fabs(log(av)));
  if (both_large_params(r, family) && func != CAUSAL_DIST_PDF &&
      func != CAUSAL_DIST_LOGPDF)
    t = fmax(t, fmax(BOTH_LARGE_TOL, BOTH_LARGE_ULPS * DBL_EPSILON * r->cond));
  return t > BODY_TOL ? t : BODY_TOL;
}

static void test_reference_values(void **state) {
  (void)state;
  size_t n, nmp;
  ref_row *rows = load_reference("data/dist_reference.csv", &n);
  assert_true(n > 5000);
  /* mpmath values replace R's where R is known to be inaccurate
   * (tests/ref/dist_reference_mp.py); match rows by their text key. */
  ref_row *mprows = load_reference("data/dist_reference_mp.csv", &nmp);
  size_t replaced = 0;
  for (size_t j = 0; j < nmp; j++)
    for (size_t i = 0; i < n; i++)
      if (strcmp(rows[i].key, mprows[j].key) == 0) {
        rows[i].value = mprows[j].value;
        replaced++;
        break;
      }
  assert_int_equal(replaced, nmp);
  free(mprows);
  /* max relative error per family/function (only where tol is the body
   * tolerance, i.e. cond small) and overall max of err/tol */
  double maxerr[9][9] = {{0}}, maxratio[9][9] = {{0}};
  size_t counts[9][9] = {{0}};
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    const ref_row *r = &rows[i];
    int fam = lookup(fam_names, 9, r->family);
    int fn = lookup(func_names, 9, r->func);
    assert_true(fam > 0 && fn > 0);
    double par[2] = {r->p1, r->p2};
    size_t np = (size_t)causal_dist_nparams(fam);
    double got;
    int rc = causal_dist_eval(fam, fn, par, np, &r->x, 1, &got);
    if (rc != CAUSAL_OK)
      fail_msg("%s %s(%g; %g, %g) failed: %s", r->family, r->func, r->x,
               r->p1, r->p2, causal_last_error());
    double err = rel_error(got, r->value);
    double tol = tolerance_for(r, fam, fn);
    counts[fam][fn]++;
    if (err > maxerr[fam][fn])
      maxerr[fam][fn] = err;
    double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
    if (ratio > maxratio[fam][fn])
      maxratio[fam][fn] = ratio;
    if (err > tol) {
      if (failures < 100000)
        printf("MISMATCH %s %s p=(%.17g, %.17g) x=%.17g: got %.17g want "
               "%.17g rel %.3g tol %.3g cond %.3g\n",
               r->family, r->func, r->p1, r->p2, r->x, got, r->value, err,
               tol, r->cond);
      failures++;
    }
  }
  printf("%-9s %-9s %6s %12s %10s\n", "family", "func", "rows", "max rel err",
         "max err/tol");
  for (int f = 1; f < 9; f++)
    for (int g = 1; g < 9; g++)
      if (counts[f][g])
        printf("%-9s %-9s %6zu %12.3g %10.3g\n", fam_names[f], func_names[g],
               counts[f][g], maxerr[f][g], maxratio[f][g]);
  free(rows);
  if (failures)
    fail_msg("%d reference mismatches", failures);
}


/* ---- error paths ---------------------------------------------------------- */

static void test_nparams(void **state) {
  (void)state;
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_NORMAL), 2);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_T), 1);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_CHISQ), 1);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_F), 2);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_BETA), 2);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_GAMMA), 2);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_BINOMIAL), 2);
  assert_int_equal(causal_dist_nparams(CAUSAL_DIST_POISSON), 1);
  assert_status(causal_dist_nparams(0), CAUSAL_EINVAL);
  assert_error_mentions("unknown distribution family 0");
  assert_status(causal_dist_nparams(9), CAUSAL_EINVAL);
}

static void test_errors(void **state) {
  (void)state;
  double par[2] = {0.0, 1.0}, x[3] = {0.1, 0.2, 0.3}, out[3];
  assert_status(causal_dist_eval(99, CAUSAL_DIST_CDF, par, 2, x, 3, out),
                CAUSAL_EINVAL);
  assert_error_mentions("family 99");
  assert_status(causal_dist_eval(CAUSAL_DIST_NORMAL, 0, par, 2, x, 3, out),
                CAUSAL_EINVAL);
  assert_error_mentions("unknown function 0");
  assert_status(causal_dist_eval(CAUSAL_DIST_NORMAL, 9, par, 2, x, 3, out),
                CAUSAL_EINVAL);
  assert_status(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, par, 1, x, 3, out),
      CAUSAL_EDIM);
  assert_error_mentions("normal takes 2 parameters, got 1");
  assert_status(
      causal_dist_eval(CAUSAL_DIST_T, CAUSAL_DIST_CDF, par, 2, x, 3, out),
      CAUSAL_EDIM);
  assert_status(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, NULL, 2, x, 3, out),
      CAUSAL_EINVAL);
  assert_error_mentions("params is NULL");
  assert_status(causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, par, 2,
                                 NULL, 3, out),
                CAUSAL_EINVAL);
  assert_error_mentions("x is NULL");
  assert_status(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, par, 2, x, 3, NULL),
      CAUSAL_EINVAL);
  assert_error_mentions("out is NULL");
  /* n = 0 is fine, even with NULL x and out */
  assert_ok(causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, par, 2, NULL,
                             0, NULL));
  /* NaN argument: names the index, nothing written */
  double xn[3] = {0.1, NAN, 0.3}, o2[3] = {7, 7, 7};
  assert_status(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, par, 2, xn, 3, o2),
      CAUSAL_ENONFINITE);
  assert_error_mentions("x[1] is NaN");
  assert_true(o2[0] == 7 && o2[2] == 7);
  /* probabilities outside [0, 1] */
  double pr[2] = {0.5, 1.5};
  assert_status(causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_QUANTILE, par,
                                 2, pr, 2, out),
                CAUSAL_ERANGE);
  assert_error_mentions("x[1] = 1.5 is outside [0, 1]");
  pr[1] = -0.1;
  assert_status(
      causal_dist_eval(CAUSAL_DIST_T, CAUSAL_DIST_ISF, par + 1, 1, pr, 2, out),
      CAUSAL_ERANGE);
  pr[1] = -INFINITY;
  assert_status(causal_dist_eval(CAUSAL_DIST_POISSON, CAUSAL_DIST_ISF, par + 1,
                                 1, pr, 2, out),
                CAUSAL_ERANGE);
}

typedef struct {
  int family;
  double p[2];
  const char *msg;
} bad_param;

static void test_bad_params(void **state) {
  (void)state;
  const bad_param cases[] = {
      {CAUSAL_DIST_NORMAL, {0, -1}, "normal: sd must be > 0 and finite, got -1"},
      {CAUSAL_DIST_NORMAL, {0, 0}, "normal: sd must be > 0"},
      {CAUSAL_DIST_NORMAL, {NAN, 1}, "normal: mean must be finite"},
      {CAUSAL_DIST_NORMAL, {INFINITY, 1}, "normal: mean must be finite"},
      {CAUSAL_DIST_NORMAL, {0, INFINITY}, "normal: sd"},
      {CAUSAL_DIST_T, {0, 0}, "t: df must be > 0, got 0"},
      {CAUSAL_DIST_T, {NAN, 0}, "t: df"},
      {CAUSAL_DIST_CHISQ, {-2, 0}, "chisq: df must be > 0 and finite, got -2"},
      {CAUSAL_DIST_CHISQ, {INFINITY, 0}, "chisq: df"},
      {CAUSAL_DIST_F, {0, 3}, "f: df1 must be > 0"},
      {CAUSAL_DIST_F, {3, -1}, "f: df2 must be > 0"},
      {CAUSAL_DIST_BETA, {0, 1}, "beta: a must be > 0"},
      {CAUSAL_DIST_BETA, {1, NAN}, "beta: b must be > 0"},
      {CAUSAL_DIST_GAMMA, {-1, 1}, "gamma: shape must be > 0"},
      {CAUSAL_DIST_GAMMA, {1, 0}, "gamma: scale must be > 0"},
      {CAUSAL_DIST_BINOMIAL, {2.5, 0.5}, "binomial: size must be an integer"},
      {CAUSAL_DIST_BINOMIAL, {-1, 0.5}, "binomial: size must be >= 0"},
      {CAUSAL_DIST_BINOMIAL, {10, 1.5}, "binomial: prob must be in [0, 1]"},
      {CAUSAL_DIST_BINOMIAL, {10, NAN}, "binomial: prob"},
      {CAUSAL_DIST_POISSON, {-1, 0}, "poisson: lambda must be >= 0"},
      {CAUSAL_DIST_POISSON, {INFINITY, 0}, "poisson: lambda"},
  };
  double x = 0.5, out;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t np = (size_t)causal_dist_nparams(cases[i].family);
    for (int fn = CAUSAL_DIST_PDF; fn <= CAUSAL_DIST_ISF; fn++) {
      assert_status(
          causal_dist_eval(cases[i].family, fn, cases[i].p, np, &x, 1, &out),
          CAUSAL_ERANGE);
      assert_error_mentions(cases[i].msg);
    }
  }
}

/* ---- behaviour ------------------------------------------------------------ */

static void test_alias_and_clear(void **state) {
  (void)state;
  double par[2] = {0.0, 1.0};
  double v[4] = {-1.0, 0.0, 1.0, 2.0}, ref[4];
  assert_ok(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_SF, par, 2, v, 4, ref));
  cz_fail(CAUSAL_EIO, "stale");
  assert_ok(
      causal_dist_eval(CAUSAL_DIST_NORMAL, CAUSAL_DIST_SF, par, 2, v, 4, v));
  assert_string_equal(causal_last_error(), "");
  for (int i = 0; i < 4; i++)
    assert_true(v[i] == ref[i]);
}

/* Family fixtures for the identity checks. */
typedef struct {
  int family;
  double p[2];
  double lo, hi; /* range of x to probe */
} fixture;

static const fixture fixtures[] = {
    {CAUSAL_DIST_NORMAL, {1.0, 2.0}, -15.0, 17.0},
    {CAUSAL_DIST_T, {1.0, 0}, -50.0, 50.0},
    {CAUSAL_DIST_T, {3.5, 0}, -20.0, 20.0},
    {CAUSAL_DIST_T, {1e6, 0}, -8.0, 8.0},
    {CAUSAL_DIST_T, {1e9, 0}, -8.0, 8.0},
    {CAUSAL_DIST_F, {50.0, 1e7}, 0.3, 2.5},
    {CAUSAL_DIST_F, {1e7, 50.0}, 0.5, 3.0},
    {CAUSAL_DIST_CHISQ, {0.7, 0}, 1e-6, 40.0},
    {CAUSAL_DIST_CHISQ, {30.0, 0}, 5.0, 80.0},
    {CAUSAL_DIST_F, {4.0, 9.0}, 1e-4, 30.0},
    {CAUSAL_DIST_F, {1e6, 1e8}, 0.995, 1.005},
    {CAUSAL_DIST_BETA, {0.4, 0.7}, 1e-6, 1.0 - 1e-6},
    {CAUSAL_DIST_BETA, {30.0, 70.0}, 0.1, 0.5},
    {CAUSAL_DIST_BETA, {1e6, 1e6}, 0.498, 0.502},
    {CAUSAL_DIST_BETA, {0.5, 1e7}, 1e-12, 5e-7},
    {CAUSAL_DIST_BETA, {1e7, 3.0}, 1.0 - 2e-6, 1.0 - 1e-8},
    {CAUSAL_DIST_GAMMA, {0.2, 3.0}, 1e-8, 20.0},
    {CAUSAL_DIST_GAMMA, {250.0, 0.1}, 19.0, 32.0},
    {CAUSAL_DIST_BINOMIAL, {40.0, 0.35}, 0.0, 40.0},
    {CAUSAL_DIST_BINOMIAL, {1e6, 0.3}, 298000.0, 302000.0},
    {CAUSAL_DIST_BINOMIAL, {1e9, 1e-4}, 98500.0, 101500.0},
    {CAUSAL_DIST_POISSON, {7.5, 0}, 0.0, 30.0},
    {CAUSAL_DIST_POISSON, {1e5, 0}, 98500.0, 101500.0},
};

static double eval1(const fixture *f, int fn, double x) {
  double out;
  size_t np = (size_t)causal_dist_nparams(f->family);
  assert_ok(causal_dist_eval(f->family, fn, f->p, np, &x, 1, &out));
  return out;
}

static void test_identities(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof fixtures / sizeof fixtures[0]; k++) {
    const fixture *f = &fixtures[k];
    int discrete =
        f->family == CAUSAL_DIST_BINOMIAL || f->family == CAUSAL_DIST_POISSON;
    double prev = -1.0;
    for (int i = 0; i <= 40; i++) {
      double x = f->lo + (f->hi - f->lo) * i / 40.0;
      if (discrete)
        x = floor(x);
      double c = eval1(f, CAUSAL_DIST_CDF, x), s = eval1(f, CAUSAL_DIST_SF, x);
      /* cdf + sf = 1, logs consistent, monotone cdf */
      assert_true(fabs(c + s - 1.0) <= 4e-15);
      /* compare on the probability scale: log(c) near c = 1 is itself
       * ill-conditioned */
      assert_close(exp(eval1(f, CAUSAL_DIST_LOGCDF, x)), c, 1e-13);
      assert_close(exp(eval1(f, CAUSAL_DIST_LOGSF, x)), s, 1e-13);
      assert_true(c >= prev);
      prev = c;
      double d = eval1(f, CAUSAL_DIST_PDF, x);
      assert_true(d >= 0.0);
      if (d > 0.0)
        assert_close(eval1(f, CAUSAL_DIST_LOGPDF, x), log(d), 1e-12);
      /* quantile(cdf(x)) recovers x; isf(sf(x)) too */
      if (c > 1e-300 && c < 1.0 && s > 1e-300) {
        double q = eval1(f, CAUSAL_DIST_QUANTILE, c);
        double qi = eval1(f, CAUSAL_DIST_ISF, s);
        if (discrete) {
          /* a probability near 1 is rounded, so only its small
           * complement identifies x: check the side that is <= 1/2 */
          if ((c <= 0.5 && q != x) || (s <= 0.5 && qi != x))
            fail_msg("fixture %zu: x = %.17g, quantile(%.17g) = %.17g, "
                     "isf(%.17g) = %.17g", k, x, c, q, s, qi);
        } else {
          double d0 = eval1(f, CAUSAL_DIST_PDF, x);
          /* conditioning: |dx| = |dp| / f, where dp is 1e-14 of the
           * probability plus its rounding (eps) when it is near 1 */
          double sc = d0 * fmax(fabs(x), 1e-300);
          double dpc = 1e-14 * fmin(c, s) + (c > 0.5 ? DBL_EPSILON : 0.0);
          double dps = 1e-14 * fmin(c, s) + (s > 0.5 ? DBL_EPSILON : 0.0);
          assert_close(q, x, 1e-12 + dpc / sc);
          assert_close(qi, x, 1e-12 + dps / sc);
        }
      }
    }
  }
}

/* Deep tails and limits named in the accuracy target. */
static void test_tails(void **state) {
  (void)state;
  /* normal survival at z = 38 */
  /* values from mpmath (50 digits); R 4.2 returns 0 for the first and
   * -447.19749 (wrong in the 6th digit) for qnorm(-1e5, log.p = TRUE) */
  double v = cz_pnorm(38.0, 0, 0);
  assert_true(fabs(v - 2.885428360068784e-316) <= 1e-6 * 2.885428360068784e-316);
  assert_close(cz_pnorm(-38.0, 1, 1), -726.5572160188201, 1e-14);
  assert_close(cz_pnorm(-1e5, 1, 1), -5000000012.431864, 1e-14);
  assert_close(cz_qnorm(-1e5, 1, 1), -447.19789367852505, 1e-13);
  assert_close(cz_qnorm(cz_pnorm(-30.0, 1, 1), 1, 1), -30.0, 1e-14);
  /* quantiles at tiny p on both sides */
  assert_close(cz_qnorm(1e-300, 1, 0), -37.047096299361201, 1e-14);
  assert_close(cz_qnorm(1e-300, 0, 0), 37.047096299361201, 1e-14);
  /* t(1) is Cauchy */
  assert_close(cz_pt(-1e10, 1.0, 1, 0), 1.0 / (CZ_PI_TEST * 1e10), 1e-14);
  assert_close(cz_qt(1e-300, 1.0, 0, 0), 1.0 / (CZ_PI_TEST * 1e-300), 1e-14);
  /* t with df = Inf is normal; F limits */
  assert_true(cz_pt(1.5, INFINITY, 1, 0) == cz_pnorm(1.5, 1, 0));
  assert_close(cz_pf(2.0, 3.0, INFINITY, 1, 0), cz_pchisq(6.0, 3.0, 1, 0),
               1e-15);
  assert_close(cz_pf(2.0, INFINITY, 5.0, 0, 0), cz_pchisq(2.5, 5.0, 1, 0),
               1e-15);
  assert_true(cz_pf(0.5, INFINITY, INFINITY, 1, 0) == 0.0);
  assert_true(cz_pf(1.0, INFINITY, INFINITY, 1, 0) == 1.0);
  assert_true(cz_qf(0.3, INFINITY, INFINITY, 1, 0) == 1.0);
  assert_true(cz_df(INFINITY, 1.0, 1.0, 0) == 0.0);
  assert_true(cz_df(1e-200, INFINITY, 7.0, 0) == 0.0);
  /* discrete: non-integer mass is 0, cdf floors */
  assert_true(cz_dbinom(2.5, 10, 0.3, 0) == 0.0);
  assert_true(cz_pbinom(2.5, 10, 0.3, 1, 0) == cz_pbinom(2.0, 10, 0.3, 1, 0));
  assert_true(cz_dpois(1.5, 3.0, 1) == -INFINITY);
  assert_true(cz_qpois(1.0, 3.0, 1, 0) == INFINITY);
  assert_true(cz_qbinom(0.0, 10, 0.3, 0, 0) == 10.0);
  /* special functions at and near their exact points */
  assert_true(cz_lgamma(1.0) == 0.0 && cz_lgamma(2.0) == 0.0);
  assert_close(cz_lgamma(1.0 + 1e-10), -5.7721571257832440e-11, 1e-14);
  assert_close(cz_lgamma(0.5), 0.57236494292470008707, 1e-15);
  assert_close(cz_lgamma(100.0), 359.13420536957539878, 1e-15);
  assert_close(cz_lbeta(1e4, 3e4), -22496.948166341114, 1e-14);
}

/* The normal cdf/quantile are hot paths in A/B code: keep them cheap. */
static void test_normal_speed(void **state) {
  (void)state;
  double s = 0;
  for (int i = 0; i < 1000000; i++) {
    double z = -8.0 + 16.0 * (i / 1e6);
    s += cz_pnorm(z, 1, 0) + cz_qnorm((i + 0.5) / 1e6, 1, 0);
  }
  assert_true(isfinite(s));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_values),
      cmocka_unit_test(test_nparams),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_bad_params),
      cmocka_unit_test(test_alias_and_clear),
      cmocka_unit_test(test_identities),
      cmocka_unit_test(test_tails),
      cmocka_unit_test(test_normal_speed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
