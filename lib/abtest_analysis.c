/* A/B testing: analysis of per-arm sufficient statistics (causal_abtest).
 * Formulas and the references they reproduce: docs/methods/abtest.md. */
#include "internal/abtest.h"
#include "internal/dist.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


/* ---- options -------------------------------------------------------------- */

int causal_abtest_new(causal_abtest **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_abtest *t = cz_calloc(&a, 1, sizeof *t);
  if (t == NULL)
    return CAUSAL_ENOMEM;
  t->alloc = a;
  t->metric = CAUSAL_AB_MEAN;
  t->test = CAUSAL_AB_TEST_DEFAULT;
  t->alternative = CAUSAL_AB_TWO_SIDED;
  t->correct = 1;
  t->lift_ci = CAUSAL_AB_LIFT_DELTA;
  t->adjust = CAUSAL_AB_ADJUST_NONE;
  t->boot_stat = CAUSAL_AB_BOOT_MEAN;
  t->boot_ci = CAUSAL_AB_BOOT_PERCENTILE;
  t->boot_reps = 2000;
  t->seed = 1;
  t->conf_level = 0.95;
  t->quantile = 0.5;
  cz_abtest_refresh_crit(t);
  *out = t;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_abtest_free(causal_abtest *t) {
  if (t == NULL)
    return;
  cz_alloc a = t->alloc;
  cz_free(&a, t);
}

int causal_abtest_bounds(int key, double *lo, double *hi) {
  CZ_REQUIRE_NONNULL(lo);
  CZ_REQUIRE_NONNULL(hi);
  double l, h;
  switch (key) {
  case CAUSAL_ABTEST_METRIC: l = 1, h = 3; break;
  case CAUSAL_ABTEST_TEST: l = 0, h = 7; break;
  case CAUSAL_ABTEST_ALTERNATIVE: l = 0, h = 2; break;
  case CAUSAL_ABTEST_CORRECT:
  case CAUSAL_ABTEST_CUPED:
  case CAUSAL_ABTEST_MARGIN_RELATIVE: l = 0, h = 1; break;
  case CAUSAL_ABTEST_LIFT_CI:
  case CAUSAL_ABTEST_BOOT_STATISTIC:
  case CAUSAL_ABTEST_BOOT_CI: l = 1, h = 2; break;
  case CAUSAL_ABTEST_ADJUST: l = 0, h = 5; break;
  case CAUSAL_ABTEST_BOOT_REPS: l = 10, h = 1e8; break;
  case CAUSAL_ABTEST_SEED: l = 0, h = 9007199254740992.0; break;
  case CAUSAL_ABTEST_CONF_LEVEL: l = 1e-6, h = 1 - 1e-12; break;
  case CAUSAL_ABTEST_MARGIN: l = -DBL_MAX, h = DBL_MAX; break;
  case CAUSAL_ABTEST_QUANTILE: l = 0, h = 1; break;
  default:
    return cz_fail(CAUSAL_ERANGE, "causal_abtest_bounds: unknown option %d",
                   key);
  }
  *lo = l;
  *hi = h;
  return CAUSAL_OK;
}

static int is_int_key(int key) { return key >= 1 && key <= 12; }

int causal_abtest_set_int(causal_abtest *t, int key, int64_t value) {
  static const char *who = "causal_abtest_set_int";
  CZ_REQUIRE_NONNULL(t);
  double lo, hi;
  if (!is_int_key(key))
    return cz_fail(CAUSAL_ERANGE, "%s: option %d is not an integer option",
                   who, key);
  CZ_CHECK(causal_abtest_bounds(key, &lo, &hi));
  if ((double)value < lo || (double)value > hi)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: value %lld of option %d outside [%g, %g]", who,
                   (long long)value, key, lo, hi);
  int v = (int)value;
  switch (key) {
  case CAUSAL_ABTEST_METRIC: t->metric = v; break;
  case CAUSAL_ABTEST_TEST: t->test = v; break;
  case CAUSAL_ABTEST_ALTERNATIVE: t->alternative = v; break;
  case CAUSAL_ABTEST_CORRECT: t->correct = v; break;
  case CAUSAL_ABTEST_CUPED: t->cuped = v; break;
  case CAUSAL_ABTEST_LIFT_CI: t->lift_ci = v; break;
  case CAUSAL_ABTEST_ADJUST: t->adjust = v; break;
  case CAUSAL_ABTEST_MARGIN_RELATIVE: t->margin_relative = v; break;
  case CAUSAL_ABTEST_BOOT_STATISTIC: t->boot_stat = v; break;
  case CAUSAL_ABTEST_BOOT_CI: t->boot_ci = v; break;
  case CAUSAL_ABTEST_BOOT_REPS: t->boot_reps = value; break;
  default: t->seed = value; break;
  }
  cz_abtest_refresh_crit(t);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_abtest_set_double(causal_abtest *t, int key, double value) {
  static const char *who = "causal_abtest_set_double";
  CZ_REQUIRE_NONNULL(t);
  if (key != CAUSAL_ABTEST_CONF_LEVEL && key != CAUSAL_ABTEST_MARGIN &&
      key != CAUSAL_ABTEST_QUANTILE)
    return cz_fail(CAUSAL_ERANGE, "%s: option %d is not a real option", who,
                   key);
  if (!isfinite(value))
    return cz_fail(CAUSAL_ENONFINITE, "%s: value of option %d is %g", who,
                   key, value);
  double lo, hi;
  CZ_CHECK(causal_abtest_bounds(key, &lo, &hi));
  if (value < lo || value > hi)
    return cz_fail(CAUSAL_ERANGE, "%s: value %g of option %d outside [%g, %g]",
                   who, value, key, lo, hi);
  if (key == CAUSAL_ABTEST_CONF_LEVEL)
    t->conf_level = value;
  else if (key == CAUSAL_ABTEST_MARGIN)
    t->margin = value;
  else
    t->quantile = value;
  cz_abtest_refresh_crit(t);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_abtest_get_int(const causal_abtest *t, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(t);
  CZ_REQUIRE_NONNULL(value);
  switch (key) {
  case CAUSAL_ABTEST_METRIC: *value = t->metric; break;
  case CAUSAL_ABTEST_TEST: *value = t->test; break;
  case CAUSAL_ABTEST_ALTERNATIVE: *value = t->alternative; break;
  case CAUSAL_ABTEST_CORRECT: *value = t->correct; break;
  case CAUSAL_ABTEST_CUPED: *value = t->cuped; break;
  case CAUSAL_ABTEST_LIFT_CI: *value = t->lift_ci; break;
  case CAUSAL_ABTEST_ADJUST: *value = t->adjust; break;
  case CAUSAL_ABTEST_MARGIN_RELATIVE: *value = t->margin_relative; break;
  case CAUSAL_ABTEST_BOOT_STATISTIC: *value = t->boot_stat; break;
  case CAUSAL_ABTEST_BOOT_CI: *value = t->boot_ci; break;
  case CAUSAL_ABTEST_BOOT_REPS: *value = t->boot_reps; break;
  case CAUSAL_ABTEST_SEED: *value = t->seed; break;
  default:
    return cz_fail(CAUSAL_ERANGE,
                   "causal_abtest_get_int: option %d is not an integer option",
                   key);
  }
  return CAUSAL_OK;
}

int causal_abtest_get_double(const causal_abtest *t, int key, double *value) {
  CZ_REQUIRE_NONNULL(t);
  CZ_REQUIRE_NONNULL(value);
  switch (key) {
  case CAUSAL_ABTEST_CONF_LEVEL: *value = t->conf_level; break;
  case CAUSAL_ABTEST_MARGIN: *value = t->margin; break;
  case CAUSAL_ABTEST_QUANTILE: *value = t->quantile; break;
  default:
    return cz_fail(CAUSAL_ERANGE,
                   "causal_abtest_get_double: option %d is not a real option",
                   key);
  }
  return CAUSAL_OK;
}

/* ---- per-arm summaries ---------------------------------------------------- */



const char *cz_abtest_metric_name(int m) {
  return m == CAUSAL_AB_PROPORTION ? "proportion"
         : m == CAUSAL_AB_RATIO    ? "ratio"
                                   : "mean";
}

int cz_abtest_effective_test(const causal_abtest *t) {
  if (t->test != CAUSAL_AB_TEST_DEFAULT)
    return t->test;
  switch (t->metric) {
  case CAUSAL_AB_PROPORTION: return CAUSAL_AB_Z_POOLED;
  case CAUSAL_AB_RATIO: return CAUSAL_AB_Z;
  default: return CAUSAL_AB_WELCH;
  }
}

const char *cz_abtest_test_name(int test) {
  switch (test) {
  case CAUSAL_AB_Z_POOLED: return "two-proportion z test (pooled variance)";
  case CAUSAL_AB_Z_UNPOOLED: return "two-proportion z test (unpooled variance)";
  case CAUSAL_AB_CHISQ: return "chi-square test of the 2x2 table";
  case CAUSAL_AB_FISHER: return "Fisher's exact test";
  case CAUSAL_AB_WELCH: return "Welch t test";
  case CAUSAL_AB_STUDENT: return "Student t test (pooled variance)";
  default: return "z test";
  }
}

const char *cz_abtest_alt_name(int a) {
  return a == CAUSAL_AB_GREATER ? "greater"
         : a == CAUSAL_AB_LESS  ? "less"
                                : "two.sided";
}

/* Check that the test fits the metric and the states. */
static int check_spec(const char *who, const causal_abtest *t, int test,
                      const causal_abstats *c, const causal_abstats *tr) {
  int ratio_state = (c->flags & CAUSAL_ABSTATS_RATIO) != 0;
  if (c->flags != tr->flags || c->ncov != tr->ncov)
    return cz_fail(CAUSAL_EDIM,
                   "%s: control and treatment states have different layouts",
                   who);
  const causal_abstats *arms[2] = {c, tr};
  const char *an[2] = {"control", "treatment"};
  for (int i = 0; i < 2; i++)
    if (arms[i]->n == 0)
      return cz_fail(CAUSAL_EINVAL, "%s: the %s arm has n = 0 units", who,
                     an[i]);
  int prop_test = test >= CAUSAL_AB_Z_POOLED && test <= CAUSAL_AB_FISHER;
  switch (t->metric) {
  case CAUSAL_AB_PROPORTION:
    if (!prop_test)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: test '%s' is not a test of proportions", who,
                     cz_abtest_test_name(test));
    for (int i = 0; i < 2; i++)
      if (!arms[i]->binary)
        return cz_fail(CAUSAL_EINVAL,
                       "%s: metric is 'proportion' but the %s arm's y is not "
                       "0/1",
                       who, an[i]);
    break;
  case CAUSAL_AB_RATIO:
    if (!ratio_state)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: metric is 'ratio' but the states have no "
                     "denominator (CAUSAL_ABSTATS_RATIO)",
                     who);
    if (test != CAUSAL_AB_Z)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: ratio metrics use the z test (delta method), not "
                     "'%s'",
                     who, cz_abtest_test_name(test));
    break;
  default:
    if (prop_test)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: test '%s' needs metric 'proportion'", who,
                     cz_abtest_test_name(test));
  }
  if ((test == CAUSAL_AB_CHISQ || test == CAUSAL_AB_FISHER) &&
      t->margin != 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: '%s' tests equality only; a margin needs a z test",
                   who, cz_abtest_test_name(test));
  if ((test == CAUSAL_AB_CHISQ || test == CAUSAL_AB_FISHER) && t->cuped)
    return cz_fail(CAUSAL_EINVAL, "%s: CUPED needs a z or t test, not '%s'",
                   who, cz_abtest_test_name(test));
  if (t->cuped && c->ncov == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: CUPED is on but the states have no covariates", who);
  if (test == CAUSAL_AB_FISHER)
    for (int i = 0; i < 2; i++) {
      double s = arms[i]->mean[0] * (double)arms[i]->n;
      if (fabs(s - nearbyint(s)) > 1e-7 * fmax(1, s))
        return cz_fail(CAUSAL_EINVAL,
                       "%s: Fisher's test needs integer counts; the %s arm "
                       "has %.17g successes",
                       who, an[i], s);
    }
  if (test == CAUSAL_AB_WELCH || test == CAUSAL_AB_STUDENT ||
      t->metric != CAUSAL_AB_PROPORTION)
    for (int i = 0; i < 2; i++)
      if (arms[i]->n < 2)
        return cz_fail(CAUSAL_EINVAL,
                       "%s: the %s arm has n = 1; a variance needs n >= 2",
                       who, an[i]);
  return CAUSAL_OK;
}

/* Linear functional a of the layout whose mean is the arm metric's
 * linearization: e_0 for means, (e_0 - R e_1) / mean(d) for ratios. */
static int arm_basic(const causal_abtest *t, const causal_abstats *s,
                     const char *who, const char *name, arm *a, double *lin) {
  size_t p = s->p;
  double n = (double)s->n;
  a->n = n;
  memset(lin, 0, p * sizeof(double));
  if (t->metric == CAUSAL_AB_RATIO) {
    double dbar = s->mean[1];
    if (!(fabs(dbar) > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the %s arm's denominator sums to 0 (ratio undefined)",
                     who, name);
    double R = s->mean[0] / dbar;
    a->m = R;
    lin[0] = 1 / dbar;
    lin[1] = -R / dbar;
  } else {
    a->m = s->mean[0];
    lin[0] = 1;
  }
  if (t->metric == CAUSAL_AB_PROPORTION) {
    a->succ = nearbyint(s->mean[0] * n);
    a->v = s->n > 1 ? s->C[0] / (n - 1) : 0;
    a->se2 = a->m * (1 - a->m) / n;
    return CAUSAL_OK;
  }
  double q = 0; /* lin' C lin */
  for (size_t k = 0; k < 2 && k < p; k++)
    for (size_t j = 0; j < 2 && j < p; j++)
      q += lin[j] * s->C[j + k * p] * lin[k];
  if (q < 0)
    q = 0;
  a->v = q / (n - 1);
  a->se2 = a->v / n;
  return CAUSAL_OK;
}

/* Solve the q x q symmetric system A theta = b in place by Gaussian
 * elimination with symmetric pivots skipped when they are below
 * tol * (original diagonal) (collinear or constant covariates): their
 * theta is 0. Returns the number dropped. A and b are overwritten. */
static size_t solve_drop(size_t q, double *A, double *b, double *theta,
                         unsigned char *used) {
  size_t dropped = 0;
  /* LDL' by outer products with pivot checks against the original diag */
  double *diag0 = theta; /* borrow theta as scratch for the original diag */
  for (size_t k = 0; k < q; k++)
    diag0[k] = A[k + k * q];
  for (size_t k = 0; k < q; k++) {
    double piv = A[k + k * q];
    if (!(piv > 1e-10 * diag0[k]) || !(diag0[k] > 0)) {
      used[k] = 0;
      dropped++;
      continue;
    }
    used[k] = 1;
    for (size_t i = k + 1; i < q; i++) {
      double f = A[i + k * q] / piv;
      if (f == 0)
        continue;
      for (size_t j = k + 1; j < q; j++)
        A[i + j * q] -= f * A[k + j * q];
      b[i] -= f * b[k];
    }
  }
  for (size_t kk = q; kk-- > 0;) {
    if (!used[kk]) {
      theta[kk] = 0;
      continue;
    }
    double s = b[kk];
    for (size_t j = kk + 1; j < q; j++)
      s -= A[kk + j * q] * theta[j];
    theta[kk] = s / A[kk + kk * q];
  }
  return dropped;
}

/* CUPED: theta from the union of the two arms, then adjusted arm metrics
 * and variances. lin[2][p] are the arms' linear functionals. */
static int cuped_adjust(const causal_abtest *t, const causal_abstats *const s[2],
                        const double *const lin[2], arm a[2], cuped_info *ci,
                        const char *who) {
  size_t p = s[0]->p, xo = cz_abstats_xoff(s[0]), q = p - xo;
  ci->q = q;
  double n0 = (double)s[0]->n, n1 = (double)s[1]->n, N = n0 + n1;
  double f = n0 * n1 / N;
  /* scratch: A (q*q), b (q), used (q) */
  double *A = cz_malloc(&t->alloc, (q * q + q) * sizeof(double));
  unsigned char *used = cz_malloc(&t->alloc, q ? q : 1);
  if (A == NULL || used == NULL) {
    cz_free(&t->alloc, A);
    cz_free(&t->alloc, used);
    return CAUSAL_ENOMEM;
  }
  double *b = A + q * q;
  /* union co-moments of x, and of (linearized metric, x):
   * S = C_0 + C_1 + f * delta delta' (delta of arm means) */
  double dl = 0; /* difference of the linearized metric's arm means */
  for (size_t j = 0; j < 2 && j < xo; j++)
    dl += lin[1][j] * s[1]->mean[j] - lin[0][j] * s[0]->mean[j];
  if (t->metric == CAUSAL_AB_RATIO)
    dl = 0; /* each arm's linearization has mean 0 by construction */
  for (size_t k = 0; k < q; k++) {
    double dk = s[1]->mean[xo + k] - s[0]->mean[xo + k];
    for (size_t j = 0; j < q; j++) {
      double dj = s[1]->mean[xo + j] - s[0]->mean[xo + j];
      A[j + k * q] = s[0]->C[(xo + j) + (xo + k) * p] +
                     s[1]->C[(xo + j) + (xo + k) * p] + f * dj * dk;
    }
    double cl = 0;
    for (int arm_i = 0; arm_i < 2; arm_i++)
      for (size_t j = 0; j < xo; j++)
        cl += lin[arm_i][j] * s[arm_i]->C[j + (xo + k) * p];
    b[k] = cl + f * dl * dk;
    used[k] = 1;
  }
  ci->dropped = solve_drop(q, A, b, ci->theta, used);
  /* imbalance check: Welch t of each covariate's arm means */
  for (size_t k = 0; k < q; k++) {
    double v0 = s[0]->C[(xo + k) * (p + 1)] / (n0 - 1);
    double v1 = s[1]->C[(xo + k) * (p + 1)] / (n1 - 1);
    double a0 = v0 / n0, a1 = v1 / n1, se = sqrt(a0 + a1);
    double dk = s[1]->mean[xo + k] - s[0]->mean[xo + k];
    if (se > 0) {
      double df = (a0 + a1) * (a0 + a1) /
                  (a0 * a0 / (n0 - 1) + a1 * a1 / (n1 - 1));
      ci->imb_stat[k] = dk / se;
      ci->imb_p[k] = 2 * cz_pt(fabs(dk / se), df, 0, 0);
    } else {
      ci->imb_stat[k] = NAN;
      ci->imb_p[k] = NAN;
    }
  }
  /* adjusted metrics: m - theta'(xbar_arm - xbar_union), variances of
   * lin'v - theta'x within each arm */
  ci->delta_raw = a[1].m - a[0].m;
  for (int i = 0; i < 2; i++) {
    double ni = (double)s[i]->n, shift = 0, cross = 0, quad = 0;
    ci->se2_raw[i] = a[i].se2;
    for (size_t k = 0; k < q; k++) {
      double xu = (n0 * s[0]->mean[xo + k] + n1 * s[1]->mean[xo + k]) / N;
      shift += ci->theta[k] * (s[i]->mean[xo + k] - xu);
      for (size_t j = 0; j < xo; j++)
        cross += ci->theta[k] * lin[i][j] * s[i]->C[j + (xo + k) * p];
      for (size_t j = 0; j < q; j++)
        quad += ci->theta[j] * s[i]->C[(xo + j) + (xo + k) * p] *
                ci->theta[k];
    }
    double vq = a[i].v * (ni - 1) - 2 * cross + quad;
    if (vq < 0)
      vq = 0;
    a[i].m -= shift;
    a[i].v = vq / (ni - 1);
    a[i].se2 = a[i].v / ni;
  }
  cz_free(&t->alloc, A);
  cz_free(&t->alloc, used);
  (void)who;
  return CAUSAL_OK;
}

/* ---- tests ------------------------------------------------------------------ */


/* p-value of statistic z against the reference distribution (df Inf:
 * normal) for the alternative. */
double cz_abtest_pval(double z, double df, int alt) {
  if (isinf(df)) {
    if (alt == CAUSAL_AB_GREATER)
      return cz_pnorm(z, 0, 0);
    if (alt == CAUSAL_AB_LESS)
      return cz_pnorm(z, 1, 0);
    return 2 * cz_pnorm(-fabs(z), 1, 0);
  }
  if (alt == CAUSAL_AB_GREATER)
    return cz_pt(z, df, 0, 0);
  if (alt == CAUSAL_AB_LESS)
    return cz_pt(z, df, 1, 0);
  return 2 * cz_pt(-fabs(z), df, 1, 0);
}

/* Critical value for the interval at conf_level. */
/* t quantile for large df by the Cornish–Fisher expansion in 1/df
 * (Abramowitz & Stegun 26.7.5, four terms): for df >= 1000 and
 * 0.5 <= p <= 0.9995 it agrees with cz_qt to 3e-13 relative and is ~50
 * times faster, which matters on the high-throughput path. */
static double qt_large_df(double x, double nu) {
  double x2 = x * x;
  double g1 = (x2 + 1) * x / 4, g2 = ((5 * x2 + 16) * x2 + 3) * x / 96;
  double g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384;
  double g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x /
              92160;
  return x + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu;
}

double cz_abtest_crit(double conf, double df, int alt) {
  double pr = alt == CAUSAL_AB_TWO_SIDED ? (1 + conf) / 2 : conf;
  if (isinf(df))
    return cz_qnorm(pr, 1, 0);
  if (df >= 1000 && pr >= 0.5 && pr <= 0.9995)
    return qt_large_df(cz_qnorm(pr, 1, 0), df);
  return cz_qt(pr, df, 1, 0);
}

void cz_abtest_refresh_crit(causal_abtest *t) {
  t->zcrit = cz_qnorm(t->alternative == CAUSAL_AB_TWO_SIDED
                          ? (1 + t->conf_level) / 2
                          : t->conf_level,
                      1, 0);
}

/* cz_abtest_crit for t's conf_level and alternative, with the normal
 * quantile taken from t->zcrit: the same values, one qnorm less per call. */
static double crit(const causal_abtest *t, double df) {
  if (isinf(df))
    return t->zcrit;
  double conf = t->conf_level;
  double pr = t->alternative == CAUSAL_AB_TWO_SIDED ? (1 + conf) / 2 : conf;
  if (df >= 1000 && pr >= 0.5 && pr <= 0.9995)
    return qt_large_df(t->zcrit, df);
  return cz_qt(pr, df, 1, 0);
}

static void interval(double est, double se, double q, int alt, double *lo,
                     double *hi) {
  *lo = alt == CAUSAL_AB_LESS ? -INFINITY : est - q * se;
  *hi = alt == CAUSAL_AB_GREATER ? INFINITY : est + q * se;
}

/* R's prop.test for two groups (treatment first, as DELTA = p_T - p_C). */
static int chisq_test(const causal_abtest *t, const arm a[2], cmp *r,
                      const char *who) {
  double x[2] = {a[1].succ, a[0].succ}, n[2] = {a[1].n, a[0].n};
  double est[2] = {x[0] / n[0], x[1] / n[1]};
  double delta = est[0] - est[1];
  double yates = t->correct ? 0.5 : 0.0;
  double sinv = 1 / n[0] + 1 / n[1];
  if (yates > fabs(delta) / sinv)
    yates = fabs(delta) / sinv;
  double xt = x[0] + x[1], N = n[0] + n[1];
  double stat = 0;
  for (int i = 0; i < 2; i++) {
    double E1 = n[i] * xt / N, E0 = n[i] * (N - xt) / N;
    if (!(E1 > 0) || !(E0 > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the chi-square test is undefined when every unit "
                     "converts or none does (an expected count is 0)",
                     who);
    double o1 = x[i], o0 = n[i] - x[i];
    double d1 = fabs(o1 - E1) - yates, d0 = fabs(o0 - E0) - yates;
    stat += d1 * d1 / E1 + d0 * d0 / E0;
  }
  r->stat = stat;
  r->df = 1;
  if (t->alternative == CAUSAL_AB_TWO_SIDED) {
    r->p = cz_pchisq(stat, 1, 0, 0);
  } else {
    double z = (delta > 0 ? 1 : delta < 0 ? -1 : 0) * sqrt(stat);
    r->p = cz_pnorm(z, t->alternative == CAUSAL_AB_LESS, 0);
  }
  double z = t->zcrit;
  double width = z * sqrt(est[0] * (1 - est[0]) / n[0] +
                          est[1] * (1 - est[1]) / n[1]) +
                 yates * sinv;
  r->lo = t->alternative == CAUSAL_AB_LESS ? -1 : fmax(-1, delta - width);
  r->hi = t->alternative == CAUSAL_AB_GREATER ? 1 : fmin(1, delta + width);
  return CAUSAL_OK;
}

/* ---- Fisher's exact test -------------------------------------------------------
 * Table [[a, b], [c, d]] = [[x_T, n_T - x_T], [x_C, n_C - x_C]]; X = a
 * is hypergeometric with m = a + c successes, n = b + d failures, k = n_T
 * draws. Probabilities are built by the ratio recursion
 * P(x+1)/P(x) = (m - x)(k - x) / ((x + 1)(n - k + x + 1)) from the mode,
 * normalized by their sum, then tilted by psi^x for the odds ratio. */
typedef struct hyper {
  double m, n, k;
  long lo, hi;
  double *logd; /* log of unnormalized central probabilities */
} hyper;

static void hyper_fill(hyper *h) {
  long lo = h->lo, hi = h->hi, len = hi - lo + 1;
  /* start at the mode (approximately) and recurse outwards in logs */
  double mode = floor((h->k + 1) * (h->m + 1) / (h->m + h->n + 2));
  long md = (long)mode;
  if (md < lo)
    md = lo;
  if (md > hi)
    md = hi;
  h->logd[md - lo] = 0;
  for (long x = md; x < hi; x++) {
    double r = (h->m - x) * (h->k - x) / ((x + 1) * (h->n - h->k + x + 1));
    h->logd[x + 1 - lo] = h->logd[x - lo] + log(r);
  }
  for (long x = md; x > lo; x--) {
    /* P(x-1)/P(x) = x (n - k + x) / ((m - x + 1)(k - x + 1)) */
    double r = x * (h->n - h->k + x) / ((h->m - x + 1) * (h->k - x + 1));
    h->logd[x - 1 - lo] = h->logd[x - lo] + log(r);
  }
  (void)len;
}

/* Normalized probabilities under odds ratio psi into d (len entries). */
static void hyper_dens(const hyper *h, double logpsi, double *d) {
  long len = h->hi - h->lo + 1;
  double mx = -INFINITY;
  for (long i = 0; i < len; i++) {
    d[i] = h->logd[i] + logpsi * (double)(h->lo + i);
    if (d[i] > mx)
      mx = d[i];
  }
  double s = 0;
  for (long i = 0; i < len; i++) {
    d[i] = exp(d[i] - mx);
    s += d[i];
  }
  for (long i = 0; i < len; i++)
    d[i] /= s;
}

static double hyper_mean(const hyper *h, double logpsi, double *d) {
  hyper_dens(h, logpsi, d);
  double s = 0;
  for (long i = 0; i < h->hi - h->lo + 1; i++)
    s += d[i] * (double)(h->lo + i);
  return s;
}

/* P(X >= x) (upper) or P(X <= x) under psi. */
static double hyper_tail(const hyper *h, double logpsi, long x, int upper,
                         double *d) {
  hyper_dens(h, logpsi, d);
  double s = 0;
  for (long i = 0; i < h->hi - h->lo + 1; i++) {
    long v = h->lo + i;
    if (upper ? v >= x : v <= x)
      s += d[i];
  }
  return s;
}

/* Root in log(psi) of f(lp) = target, f increasing, by bisection on a
 * bracket grown outward (to full double precision). */
typedef double (*mono_fn)(const hyper *h, double lp, long x, double *d);
static double f_mean(const hyper *h, double lp, long x, double *d) {
  (void)x;
  return hyper_mean(h, lp, d);
}
static double f_upper(const hyper *h, double lp, long x, double *d) {
  return hyper_tail(h, lp, x, 1, d);
}
static double f_lower_neg(const hyper *h, double lp, long x, double *d) {
  return -hyper_tail(h, lp, x, 0, d);
}

static double mono_root(const hyper *h, mono_fn f, long x, double target,
                        double *d) {
  double lo = -1, hi = 1;
  int it = 0;
  while (f(h, lo, x, d) > target && it++ < 200)
    lo *= 2;
  it = 0;
  while (f(h, hi, x, d) < target && it++ < 200)
    hi *= 2;
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi)
      break;
    if (f(h, mid, x, d) < target)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

static int fisher_test(const causal_abtest *t, const arm a[2], cmp *r) {
  long xa = (long)a[1].succ;
  hyper h;
  h.m = a[1].succ + a[0].succ;
  h.n = (a[1].n - a[1].succ) + (a[0].n - a[0].succ);
  h.k = a[1].n;
  h.lo = (long)fmax(0, h.k - h.n);
  h.hi = (long)fmin(h.k, h.m);
  size_t len = (size_t)(h.hi - h.lo + 1);
  h.logd = cz_malloc(&t->alloc, 2 * len * sizeof(double));
  if (h.logd == NULL)
    return CAUSAL_ENOMEM;
  double *d = h.logd + len;
  hyper_fill(&h);
  hyper_dens(&h, 0, d);
  if (t->alternative == CAUSAL_AB_GREATER || t->alternative == CAUSAL_AB_LESS) {
    r->p = hyper_tail(&h, 0, xa, t->alternative == CAUSAL_AB_GREATER, d);
  } else {
    /* R: sum of probabilities <= P(observed) * (1 + 1e-7) */
    double dobs = d[xa - h.lo] * (1 + 1e-7), s = 0;
    for (size_t i = 0; i < len; i++)
      if (d[i] <= dobs)
        s += d[i];
    r->p = s > 1 ? 1 : s;
  }
  /* conditional MLE of the odds ratio and its exact interval */
  double alpha = 1 - t->conf_level;
  if (xa == h.lo)
    r->odds_ratio = 0;
  else if (xa == h.hi)
    r->odds_ratio = INFINITY;
  else
    r->odds_ratio = exp(mono_root(&h, f_mean, xa, (double)xa, d));
  double a_lo = t->alternative == CAUSAL_AB_TWO_SIDED ? alpha / 2 : alpha;
  r->or_lo = 0;
  r->or_hi = INFINITY;
  if (t->alternative != CAUSAL_AB_LESS && xa != h.lo)
    r->or_lo = exp(mono_root(&h, f_upper, xa, a_lo, d));
  if (t->alternative != CAUSAL_AB_GREATER && xa != h.hi)
    r->or_hi = exp(mono_root(&h, f_lower_neg, xa, -a_lo, d));
  cz_free(&t->alloc, h.logd);
  return CAUSAL_OK;
}

/* Relative lift m_T / m_C - 1 and its interval. */
static void lift(const causal_abtest *t, const arm a[2], double margin_abs,
                 cmp *r) {
  double mc = a[0].m, mt = a[1].m;
  r->lift_unbounded = 0;
  if (mc == 0) {
    r->lift = r->lift_se = r->lift_stat = r->lift_p = NAN;
    r->lift_lo = r->lift_hi = NAN;
    r->lift_unbounded = 1;
    return;
  }
  double s0 = a[0].se2, s1 = a[1].se2;
  r->lift = mt / mc - 1;
  r->lift_se = sqrt(s1 / (mc * mc) + mt * mt * s0 / (mc * mc * mc * mc));
  double m_rel = margin_abs / mc;
  r->lift_stat = (r->lift - m_rel) / r->lift_se;
  r->lift_p = cz_abtest_pval(r->lift_stat, INFINITY, t->alternative);
  double z = t->zcrit;
  if (t->lift_ci == CAUSAL_AB_LIFT_DELTA) {
    interval(r->lift, r->lift_se, z, t->alternative, &r->lift_lo, &r->lift_hi);
    return;
  }
  /* Fieller: (mt - rho mc)^2 = z^2 (s1 + rho^2 s0) */
  double A = mc * mc - z * z * s0, B = -2 * mt * mc, C = mt * mt - z * z * s1;
  double disc = B * B - 4 * A * C;
  if (!(A > 0) || disc < 0) {
    r->lift_lo = -INFINITY;
    r->lift_hi = INFINITY;
    r->lift_unbounded = 1;
    return;
  }
  double sq = sqrt(disc);
  /* numerically stable roots */
  double qq = -0.5 * (B + (B < 0 ? -sq : sq));
  double r1 = qq / A, r2 = C / qq;
  if (qq == 0)
    r1 = r2 = -B / (2 * A);
  double lo = fmin(r1, r2) - 1, hi = fmax(r1, r2) - 1;
  r->lift_lo = t->alternative == CAUSAL_AB_LESS ? -INFINITY : lo;
  r->lift_hi = t->alternative == CAUSAL_AB_GREATER ? INFINITY : hi;
}

/* The whole comparison of two summarized arms. */
static int compare_arms(const causal_abtest *t, int test, const arm a[2],
                        cmp *r, const char *who) {
  r->test = test;
  r->est = a[1].m - a[0].m;
  r->margin_abs = t->margin_relative ? t->margin * a[0].m : t->margin;
  r->df = INFINITY;
  r->odds_ratio = r->or_lo = r->or_hi = NAN;
  double n0 = a[0].n, n1 = a[1].n;
  /* unpooled standard error: the interval's for every test but Student */
  r->se = sqrt(a[0].se2 + a[1].se2);
  int alt = t->alternative;
  switch (test) {
  case CAUSAL_AB_Z_POOLED: {
    double pb = (a[0].succ + a[1].succ) / (n0 + n1);
    double se0 = sqrt(pb * (1 - pb) * (1 / n0 + 1 / n1));
    if (!(se0 > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: zero variance: the pooled proportion is %g", who,
                     pb);
    r->stat = (r->est - r->margin_abs) / se0;
    r->p = cz_abtest_pval(r->stat, INFINITY, alt);
    break;
  }
  case CAUSAL_AB_CHISQ:
    CZ_CHECK(chisq_test(t, a, r, who));
    break;
  case CAUSAL_AB_FISHER:
    CZ_CHECK(fisher_test(t, a, r));
    r->stat = NAN;
    r->df = NAN;
    break;
  case CAUSAL_AB_STUDENT: {
    double sp2 = (a[0].v * (n0 - 1) + a[1].v * (n1 - 1)) / (n0 + n1 - 2);
    r->se = sqrt(sp2 * (1 / n0 + 1 / n1));
    r->df = n0 + n1 - 2;
    break;
  }
  case CAUSAL_AB_WELCH: {
    double s0 = a[0].se2, s1 = a[1].se2;
    r->df = (s0 + s1) * (s0 + s1) / (s0 * s0 / (n0 - 1) + s1 * s1 / (n1 - 1));
    break;
  }
  default: break; /* z, unpooled z: normal, unpooled se */
  }
  if (test != CAUSAL_AB_Z_POOLED && test != CAUSAL_AB_CHISQ &&
      test != CAUSAL_AB_FISHER) {
    if (!(r->se > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: zero variance: the metric is constant in both arms "
                     "(standard error 0)",
                     who);
    r->stat = (r->est - r->margin_abs) / r->se;
    r->p = cz_abtest_pval(r->stat, r->df, alt);
  }
  if (test != CAUSAL_AB_CHISQ) {
    double q = crit(t, test == CAUSAL_AB_FISHER ? INFINITY : r->df);
    interval(r->est, r->se, q, alt, &r->lo, &r->hi);
  }
  lift(t, a, r->margin_abs, r);
  /* effect sizes: Cohen's h for proportions, d (pooled sd) otherwise */
  if (t->metric == CAUSAL_AB_PROPORTION) {
    r->effect_size = 2 * asin(sqrt(a[1].m)) - 2 * asin(sqrt(a[0].m));
  } else {
    double sp2 = (a[0].v * (n0 - 1) + a[1].v * (n1 - 1)) / (n0 + n1 - 2);
    r->effect_size = sp2 > 0 ? r->est / sqrt(sp2) : NAN;
  }
  return CAUSAL_OK;
}

/* Summarize both arms (and apply CUPED when on). ci may be NULL when CUPED
 * is off. */
static int summarize(const causal_abtest *t, const causal_abstats *c,
                     const causal_abstats *tr, arm a[2], cuped_info *ci,
                     double *linbuf, const char *who) {
  const causal_abstats *s[2] = {c, tr};
  size_t p = c->p;
  double *lin[2] = {linbuf, linbuf + p};
  CZ_CHECK(arm_basic(t, c, who, "control", &a[0], lin[0]));
  CZ_CHECK(arm_basic(t, tr, who, "treatment", &a[1], lin[1]));
  if (t->cuped) {
    const double *cl[2] = {lin[0], lin[1]};
    CZ_CHECK(cuped_adjust(t, s, cl, a, ci, who));
  }
  return CAUSAL_OK;
}

int cz_abtest_compare_core(const causal_abtest *t, const causal_abstats *c,
                        const causal_abstats *tr, arm a[2], cmp *r,
                        cuped_info *ci, const char *who) {
  CZ_REQUIRE_NONNULL(t);
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(tr);
  int test = cz_abtest_effective_test(t);
  CZ_CHECK(check_spec(who, t, test, c, tr));
  double stackbuf[16], *linbuf = stackbuf;
  size_t p = c->p;
  if (2 * p > 16) {
    linbuf = cz_malloc(&t->alloc, 2 * p * sizeof(double));
    if (linbuf == NULL)
      return CAUSAL_ENOMEM;
  }
  int rc = summarize(t, c, tr, a, ci, linbuf, who);
  if (linbuf != stackbuf)
    cz_free(&t->alloc, linbuf);
  CZ_CHECK(rc);
  return compare_arms(t, test, a, r, who);
}

int cz_abtest_cuped_alloc(const causal_abtest *t, const causal_abstats *c,
                       cuped_info *ci) {
  memset(ci, 0, sizeof *ci);
  if (!t->cuped || c == NULL)
    return CAUSAL_OK;
  size_t q = c->p - cz_abstats_xoff(c);
  ci->theta = cz_calloc(&t->alloc, 3 * (q ? q : 1), sizeof(double));
  if (ci->theta == NULL)
    return CAUSAL_ENOMEM;
  ci->imb_stat = ci->theta + q;
  ci->imb_p = ci->imb_stat + q;
  return CAUSAL_OK;
}

int causal_abtest_compare_values(const causal_abtest *t,
                                 const causal_abstats *control,
                                 const causal_abstats *treatment, double *out,
                                 size_t len) {
  static const char *who = "causal_abtest_compare_values";
  CZ_REQUIRE_NONNULL(out);
  if (len < CAUSAL_AB_NOUT)
    return cz_fail(CAUSAL_EBUFSIZE, "%s: len = %zu is below CAUSAL_AB_NOUT = %d",
                   who, len, CAUSAL_AB_NOUT);
  CZ_REQUIRE_NONNULL(t);
  arm a[2];
  cmp r;
  cuped_info ci;
  CZ_CHECK(cz_abtest_cuped_alloc(t, control, &ci));
  int rc = cz_abtest_compare_core(t, control, treatment, a, &r, &ci, who);
  cz_free(&t->alloc, ci.theta);
  CZ_CHECK(rc);
  out[CAUSAL_AB_OUT_ESTIMATE] = r.est;
  out[CAUSAL_AB_OUT_STD_ERROR] = r.se;
  out[CAUSAL_AB_OUT_STATISTIC] = r.stat;
  out[CAUSAL_AB_OUT_P_VALUE] = r.p;
  out[CAUSAL_AB_OUT_CONF_LOW] = r.lo;
  out[CAUSAL_AB_OUT_CONF_HIGH] = r.hi;
  out[CAUSAL_AB_OUT_DF] = r.df;
  out[CAUSAL_AB_OUT_LIFT] = r.lift;
  out[CAUSAL_AB_OUT_LIFT_LOW] = r.lift_lo;
  out[CAUSAL_AB_OUT_LIFT_HIGH] = r.lift_hi;
  return CAUSAL_OK;
}

/* ---- result building ------------------------------------------------------ */

typedef struct rb {
  causal_result *r;
  int rc;
} rb;

static void rb_scalar(rb *b, const char *name, double v) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_scalar(b->r, name, v);
}
static void rb_string(rb *b, const char *name, const char *v) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_string(b->r, name, v);
}
static void rb_vector(rb *b, const char *name, const double *v, size_t n,
                      const char *const *names) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_vector(b->r, name, v, n, names);
}
static void rb_warn(rb *b, const char *text) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_add_warning(b->r, text);
}

static void put_comparison(const causal_abtest *t, rb *b, const arm a[2],
                           const cmp *r) {
  rb_string(b, "metric", cz_abtest_metric_name(t->metric));
  rb_string(b, "method", cz_abtest_test_name(r->test));
  rb_string(b, "alternative", cz_abtest_alt_name(t->alternative));
  rb_scalar(b, "conf_level", t->conf_level);
  rb_scalar(b, "margin", r->margin_abs);
  rb_scalar(b, "n_control", a[0].n);
  rb_scalar(b, "n_treatment", a[1].n);
  rb_scalar(b, "metric_control", a[0].m);
  rb_scalar(b, "metric_treatment", a[1].m);
  rb_scalar(b, "std_error_control", sqrt(a[0].se2));
  rb_scalar(b, "std_error_treatment", sqrt(a[1].se2));
  rb_scalar(b, "estimate", r->est);
  rb_scalar(b, "std_error", r->se);
  rb_scalar(b, "statistic", r->stat);
  rb_scalar(b, "df", r->df);
  rb_scalar(b, "p_value", r->p);
  rb_scalar(b, "conf_low", r->lo);
  rb_scalar(b, "conf_high", r->hi);
  rb_scalar(b, "relative_lift", r->lift);
  rb_scalar(b, "relative_lift_std_error", r->lift_se);
  rb_scalar(b, "relative_lift_conf_low", r->lift_lo);
  rb_scalar(b, "relative_lift_conf_high", r->lift_hi);
  rb_string(b, "relative_lift_ci",
            t->lift_ci == CAUSAL_AB_LIFT_FIELLER ? "fieller" : "delta");
  rb_scalar(b, "effect_size", r->effect_size);
  rb_string(b, "effect_size_type",
            t->metric == CAUSAL_AB_PROPORTION ? "cohen_h" : "cohen_d");
  if (r->test == CAUSAL_AB_FISHER) {
    rb_scalar(b, "odds_ratio", r->odds_ratio);
    rb_scalar(b, "odds_ratio_conf_low", r->or_lo);
    rb_scalar(b, "odds_ratio_conf_high", r->or_hi);
  }
  if (b->rc == CAUSAL_OK) {
    const char *terms[2] = {"difference", "relative_lift"};
    double est[2] = {r->est, r->lift}, se[2] = {r->se, r->lift_se};
    double st[2] = {r->stat, r->lift_stat}, pv[2] = {r->p, r->lift_p};
    double lo[2] = {r->lo, r->lift_lo}, hi[2] = {r->hi, r->lift_hi};
    b->rc = causal_result_set_table(b->r, "effect", terms, 2, est, se, st, pv,
                                     lo, hi);
  }
  if (r->lift_unbounded)
    rb_warn(b, a[0].m == 0 ? "relative lift undefined: the control metric is 0"
                           : "Fieller interval for the relative lift is "
                             "unbounded (the control metric is not "
                             "significantly different from 0)");
}

static void put_cuped(rb *b, const cuped_info *ci, const arm a[2]) {
  rb_vector(b, "theta", ci->theta, ci->q, NULL);
  double raw = ci->se2_raw[0] + ci->se2_raw[1], adj = a[0].se2 + a[1].se2;
  rb_scalar(b, "variance_reduction", raw > 0 ? 1 - adj / raw : NAN);
  rb_scalar(b, "estimate_unadjusted", ci->delta_raw);
  rb_scalar(b, "std_error_unadjusted", sqrt(raw));
  rb_vector(b, "imbalance_statistic", ci->imb_stat, ci->q, NULL);
  rb_vector(b, "imbalance_p_value", ci->imb_p, ci->q, NULL);
  double mn = NAN;
  for (size_t k = 0; k < ci->q; k++)
    if (!isnan(ci->imb_p[k]) && !(ci->imb_p[k] >= mn))
      mn = ci->imb_p[k];
  rb_scalar(b, "imbalance_min_p_value", mn);
  if (ci->dropped > 0) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "CUPED: %zu covariate(s) with zero variance or collinear with "
             "others were not used (theta 0)",
             ci->dropped);
    rb_warn(b, msg);
  }
  if (mn < 0.001)
    rb_warn(b, "CUPED: pre-period covariate means differ between arms "
               "(imbalance p < 0.001): check the randomization");
}

int causal_abtest_compare(const causal_abtest *t, const causal_abstats *control,
                          const causal_abstats *treatment,
                          causal_result **out) {
  static const char *who = "causal_abtest_compare";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(t);
  arm a[2];
  cmp r;
  cuped_info ci;
  CZ_CHECK(cz_abtest_cuped_alloc(t, control, &ci));
  int rc = cz_abtest_compare_core(t, control, treatment, a, &r, &ci, who);
  rb b = {NULL, rc};
  if (rc == CAUSAL_OK)
    b.rc = causal_result_new(&b.r, "abtest");
  if (b.rc == CAUSAL_OK) {
    put_comparison(t, &b, a, &r);
    if (t->cuped)
      put_cuped(&b, &ci, a);
  }
  cz_free(&t->alloc, ci.theta);
  if (b.rc != CAUSAL_OK) {
    causal_result_free(b.r);
    return b.rc;
  }
  *out = b.r;
  cz_clear_error();
  return CAUSAL_OK;
}
