/* Distributions: reference values from R (tests/ref/dist_reference.R ->
 * tests/data/dist_reference.csv), internal identities, error paths. */
#include "testutil.h"

#include "internal/dist.h"

#include <float.h>

/* ---- reference CSV ------------------------------------------------------ */

typedef struct {
  char family[16], func[16];
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

static ref_row *load_reference(size_t *count) {
  FILE *f = fopen(cz_test_path("data/dist_reference.csv"), "r");
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

static double tolerance_for(const ref_row *r, int family, int func) {
  int discrete = family == CAUSAL_DIST_BINOMIAL || family == CAUSAL_DIST_POISSON;
  if (discrete && (func == CAUSAL_DIST_QUANTILE || func == CAUSAL_DIST_ISF))
    return 0.0;
  double t = COND_ULPS * DBL_EPSILON * r->cond;
  return t > BODY_TOL ? t : BODY_TOL;
}

static void test_reference_values(void **state) {
  (void)state;
  size_t n;
  ref_row *rows = load_reference(&n);
  assert_true(n > 5000);
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
      if (failures < 60)
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
