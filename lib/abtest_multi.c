/* A/B testing: SRM, multiplicity (p.adjust, Dunnett), many arms, bootstrap.
 * Formulas: docs/methods/abtest.md. */
#include "internal/abtest.h"
#include "internal/dist.h"
#include "internal/rng.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sample ratio mismatch -------------------------------------------------- */

static int check_allocation(const char *who, const double *alloc, size_t k) {
  double s = 0;
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(alloc[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: allocation[%zu] is %g", who, i,
                     alloc[i]);
    if (!(alloc[i] > 0))
      return cz_fail(CAUSAL_ERANGE, "%s: allocation[%zu] = %g is not > 0",
                     who, i, alloc[i]);
    s += alloc[i];
  }
  if (fabs(s - 1) > sqrt(DBL_EPSILON))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: allocations sum to %.17g, not 1", who, s);
  return CAUSAL_OK;
}

/* Pearson chi-square of counts against shares (R chisq.test(x, p = a)). */
static void srm_stat(const double *counts, const double *alloc, size_t k,
                     double *stat, double *pv, double *expected) {
  double N = 0, x2 = 0;
  for (size_t i = 0; i < k; i++)
    N += counts[i];
  for (size_t i = 0; i < k; i++) {
    double e = N * alloc[i], d = counts[i] - e;
    if (expected)
      expected[i] = e;
    x2 += d * d / e;
  }
  *stat = x2;
  *pv = cz_pchisq(x2, (double)(k - 1), 0, 0);
}

int causal_abtest_srm(causal_result **out, const int64_t *counts,
                      const double *allocation, size_t k) {
  static const char *who = "causal_abtest_srm";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(counts);
  CZ_REQUIRE_NONNULL(allocation);
  if (k < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: k = %zu arms; SRM needs k >= 2", who,
                   k);
  CZ_CHECK(check_allocation(who, allocation, k));
  int64_t total = 0;
  for (size_t i = 0; i < k; i++) {
    if (counts[i] < 0)
      return cz_fail(CAUSAL_ERANGE, "%s: counts[%zu] = %lld is negative", who,
                     i, (long long)counts[i]);
    total += counts[i];
  }
  if (total == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: all counts are 0", who);
  cz_alloc a = cz_alloc_current();
  double *buf = cz_malloc(&a, 3 * k * sizeof(double));
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  double *c = buf, *e = buf + k, *sh = buf + 2 * k, st, pv;
  for (size_t i = 0; i < k; i++)
    c[i] = (double)counts[i];
  srm_stat(c, allocation, k, &st, &pv, e);
  for (size_t i = 0; i < k; i++)
    sh[i] = c[i] / (double)total;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "srm");
  if (rc == 0)
    rc = causal_result_set_scalar(r, "statistic", st);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "df", (double)(k - 1));
  if (rc == 0)
    rc = causal_result_set_scalar(r, "p_value", pv);
  if (rc == 0)
    rc = causal_result_set_vector(r, "expected", e, k, NULL);
  if (rc == 0)
    rc = causal_result_set_vector(r, "observed_share", sh, k, NULL);
  if (rc == 0 && pv < 0.001)
    rc = causal_result_add_warning(
        r, "sample ratio mismatch: observed counts differ from the planned "
           "allocation (p < 0.001)");
  cz_free(&a, buf);
  if (rc != 0) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- p.adjust ----------------------------------------------------------------- */

/* Stable sort of indices by p (ascending); merge sort into idx via tmp. */
static void sort_idx(const double *p, size_t *idx, size_t *tmp, size_t n) {
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = (p[idx[j]] < p[idx[i]]) ? idx[j++] : idx[i++];
      while (i < mid)
        tmp[k++] = idx[i++];
      while (j < hi)
        tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

int causal_p_adjust(int method, const double *p, size_t n, double *out) {
  static const char *who = "causal_p_adjust";
  CZ_REQUIRE_NONNULL(p);
  CZ_REQUIRE_NONNULL(out);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: n = 0 p-values", who);
  if (method < CAUSAL_AB_ADJUST_NONE || method > CAUSAL_AB_BY)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: method %d is not NONE, BONFERRONI, HOLM, BH or BY",
                   who, method);
  for (size_t i = 0; i < n; i++)
    if (!(p[i] >= 0 && p[i] <= 1))
      return cz_fail(isnan(p[i]) ? CAUSAL_ENONFINITE : CAUSAL_ERANGE,
                     "%s: p[%zu] = %g is not in [0, 1]", who, i, p[i]);
  double dn = (double)n;
  if (method == CAUSAL_AB_ADJUST_NONE || n == 1) {
    memmove(out, p, n * sizeof(double));
    return CAUSAL_OK;
  }
  if (method == CAUSAL_AB_BONFERRONI) {
    for (size_t i = 0; i < n; i++)
      out[i] = fmin(1, dn * p[i]);
    return CAUSAL_OK;
  }
  cz_alloc a = cz_alloc_current();
  size_t *idx = cz_malloc(&a, 2 * n * sizeof(size_t));
  double *val = cz_malloc(&a, n * sizeof(double));
  if (idx == NULL || val == NULL) {
    cz_free(&a, idx);
    cz_free(&a, val);
    return CAUSAL_ENOMEM;
  }
  sort_idx(p, idx, idx + n, n);
  if (method == CAUSAL_AB_HOLM) {
    /* pmin(1, cummax((n - i + 1) * p[o])) over ascending p */
    double run = 0;
    for (size_t i = 0; i < n; i++) {
      double v = (dn - (double)i) * p[idx[i]];
      run = fmax(run, v);
      val[idx[i]] = fmin(1, run);
    }
  } else {
    /* BH/BY: pmin(1, cummin(q * n / i * p[o])) over descending p; R's order
     * (decreasing = TRUE) is stable, so ties keep their index order; the
     * cumulative minimum makes tied values equal anyway. */
    double q = 1;
    if (method == CAUSAL_AB_BY) {
      q = 0;
      for (size_t i = 1; i <= n; i++)
        q += 1.0 / (double)i;
    }
    double run = INFINITY;
    for (size_t r = n; r-- > 0;) {
      double v = q * dn / (double)(r + 1) * p[idx[r]];
      run = fmin(run, v);
      val[idx[r]] = fmin(1, run);
    }
  }
  memcpy(out, val, n * sizeof(double));
  cz_free(&a, idx);
  cz_free(&a, val);
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- Dunnett: multivariate normal / t with product correlation ----------------
 * With corr(T_i, T_j) = lambda_i lambda_j, X_i = lambda_i Z + sqrt(1 -
 * lambda_i^2) E_i with Z, E_i iid N(0, 1), so conditionally on Z the X_i are
 * independent:
 *   P(max |X_i| <= c) = int phi(z) prod_i [Phi((c - l_i z) / s_i)
 *                                         - Phi((-c - l_i z) / s_i)] dz
 * (Dunnett 1955; Dunnett & Sobel). For t with nu df, T = X / S with
 * S = sqrt(chi2_nu / nu): P_t(c) = int f_S(s) P_normal(c s) ds.
 * Both integrals by composite 10-point Gauss–Legendre. */

static const double gl_x[5] = {0.1488743389816312, 0.4333953941292472,
                               0.6794095682990244, 0.8650633666889845,
                               0.9739065285171717};
static const double gl_w[5] = {0.2955242247147529, 0.2692667193099963,
                               0.2190863625159820, 0.1494513491505806,
                               0.0666713443086881};

#define DN_ZLIM 8.5
#define DN_ZPANELS 34
#define DN_SPANELS 40

static double dn_normal(double c, const double *lam, size_t m, int two) {
  if (c <= 0 && two)
    return 0;
  double h = 2 * DN_ZLIM / DN_ZPANELS, tot = 0;
  for (int pn = 0; pn < DN_ZPANELS; pn++) {
    double mid = -DN_ZLIM + (pn + 0.5) * h;
    for (int k = 0; k < 10; k++) {
      double z = mid + (k < 5 ? -gl_x[k] : gl_x[k - 5]) * h / 2;
      double w = gl_w[k % 5] * h / 2, prod = cz_dnorm(z, 0);
      for (size_t i = 0; i < m && prod > 0; i++) {
        double s = sqrt(1 - lam[i] * lam[i]);
        double up = cz_pnorm((c - lam[i] * z) / s, 1, 0);
        prod *= two ? up - cz_pnorm((-c - lam[i] * z) / s, 1, 0) : up;
      }
      tot += w * prod;
    }
  }
  return tot;
}

static double dn_prob(double c, const double *lam, size_t m, double df,
                      int two) {
  if (isinf(df))
    return dn_normal(c, lam, m, two);
  /* S range: chi-square quantiles 1e-15 and 1 - 1e-15 */
  double slo = sqrt(cz_qchisq(1e-15, df, 1, 0) / df);
  double shi = sqrt(cz_qchisq(1e-15, df, 0, 0) / df);
  double h = (shi - slo) / DN_SPANELS, tot = 0;
  double lc = log(2) + (df / 2) * log(df / 2) - cz_lgamma(df / 2);
  for (int pn = 0; pn < DN_SPANELS; pn++) {
    double mid = slo + (pn + 0.5) * h;
    for (int k = 0; k < 10; k++) {
      double s = mid + (k < 5 ? -gl_x[k] : gl_x[k - 5]) * h / 2;
      if (s <= 0)
        continue;
      double fs = exp(lc + (df - 1) * log(s) - df * s * s / 2);
      tot += gl_w[k % 5] * h / 2 * fs * dn_normal(c * s, lam, m, two);
    }
  }
  return tot;
}

static int dn_check(const char *who, const double *lambda, size_t m,
                    double df) {
  CZ_REQUIRE_NONNULL(lambda);
  if (m == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: m = 0 comparisons", who);
  for (size_t i = 0; i < m; i++)
    if (!(lambda[i] >= 0 && lambda[i] < 1))
      return cz_fail(CAUSAL_ERANGE, "%s: lambda[%zu] = %g is not in [0, 1)",
                     who, i, lambda[i]);
  if (!(df > 0))
    return cz_fail(CAUSAL_ERANGE, "%s: df = %g is not > 0", who, df);
  return CAUSAL_OK;
}

int causal_dunnett_prob(double *prob, double c, const double *lambda, size_t m,
                        double df, int two_sided) {
  static const char *who = "causal_dunnett_prob";
  CZ_REQUIRE_NONNULL(prob);
  CZ_CHECK(dn_check(who, lambda, m, df));
  if (isnan(c))
    return cz_fail(CAUSAL_ENONFINITE, "%s: c is NaN", who);
  double p = dn_prob(c, lambda, m, df, two_sided != 0);
  *prob = p < 0 ? 0 : p > 1 ? 1 : p;
  return CAUSAL_OK;
}

/* c with P(c) = conf: bracketed secant (Illinois) on the increasing P. */
static double dn_quantile(double conf, const double *lam, size_t m, double df,
                          int two) {
  double a = two ? 0 : -10, fa = dn_prob(a, lam, m, df, two) - conf;
  double b = 3, fb = dn_prob(b, lam, m, df, two) - conf;
  while (fb < 0 && b < 1e6) {
    a = b;
    fa = fb;
    b *= 2;
    fb = dn_prob(b, lam, m, df, two) - conf;
  }
  int side = 0;
  for (int it = 0; it < 100 && fabs(b - a) > 1e-13 * fmax(1, fabs(b)); it++) {
    double c = (a * fb - b * fa) / (fb - fa);
    if (!(c > fmin(a, b) && c < fmax(a, b)))
      c = 0.5 * (a + b);
    double fc = dn_prob(c, lam, m, df, two) - conf;
    if (fc == 0)
      return c;
    if ((fc > 0) == (fb > 0)) {
      b = c;
      fb = fc;
      if (side == -1)
        fa /= 2;
      side = -1;
    } else {
      a = c;
      fa = fc;
      if (side == 1)
        fb /= 2;
      side = 1;
    }
  }
  return fabs(fa) < fabs(fb) ? a : b;
}

int causal_dunnett_quantile(double *c, double conf, const double *lambda,
                            size_t m, double df, int two_sided) {
  static const char *who = "causal_dunnett_quantile";
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(dn_check(who, lambda, m, df));
  if (!(conf > 0 && conf < 1))
    return cz_fail(CAUSAL_ERANGE, "%s: conf = %g is not in (0, 1)", who,
                   conf);
  *c = dn_quantile(conf, lambda, m, df, two_sided != 0);
  return CAUSAL_OK;
}

/* ---- many arms ----------------------------------------------------------------- */

typedef struct multi {
  size_t m;                /* comparisons */
  double *est, *se, *stat, *p, *lo, *hi, *padj, *lift, *df, *lam;
  char **terms;
} multi;

static int dunnett_apply(const causal_abtest *t,
                         const causal_abstats *const *arms, size_t k,
                         const arm *ac, multi *M, double *crit_out,
                         double *df_out) {
  size_t m = M->m;
  int alt = t->alternative, two = alt == CAUSAL_AB_TWO_SIDED;
  int test = cz_abtest_effective_test(t);
  double df = INFINITY;
  if (t->metric == CAUSAL_AB_MEAN && test == CAUSAL_AB_STUDENT && !t->cuped) {
    /* classical Dunnett: one pooled variance over all k arms */
    double ss = 0, N = 0;
    for (size_t i = 0; i < k; i++) {
      double ni = (double)arms[i]->n;
      ss += arms[i]->C[0];
      N += ni;
    }
    df = N - (double)k;
    double s2 = ss / df, n0 = (double)arms[0]->n;
    for (size_t i = 0; i < m; i++) {
      double ni = (double)arms[i + 1]->n;
      M->se[i] = sqrt(s2 * (1 / ni + 1 / n0));
      M->lam[i] = sqrt(ni / (ni + n0));
      M->df[i] = df;
    }
  } else {
    /* large-sample version with each comparison's own standard errors:
     * cov(D_i, D_j) = se_0^2 */
    double s0 = ac[0].se2;
    for (size_t i = 0; i < m; i++) {
      double si = M->se[i] * M->se[i] - s0;
      M->lam[i] = sqrt(s0 / (s0 + (si > 0 ? si : 0)));
      if (!(M->lam[i] < 1))
        M->lam[i] = 1 - 1e-12;
      M->df[i] = INFINITY;
    }
  }
  double c = dn_quantile(t->conf_level, M->lam, m, df, two);
  for (size_t i = 0; i < m; i++) {
    double margin = t->margin_relative ? t->margin * ac[0].m : t->margin;
    double z = (M->est[i] - margin) / M->se[i];
    M->stat[i] = z;
    double arg = alt == CAUSAL_AB_LESS ? -z : two ? fabs(z) : z;
    double pr = dn_prob(arg, M->lam, m, df, two);
    M->padj[i] = fmin(1, fmax(0, 1 - pr));
    M->p[i] = cz_abtest_pval(z, df, alt);
    M->lo[i] = alt == CAUSAL_AB_LESS ? -INFINITY : M->est[i] - c * M->se[i];
    M->hi[i] = alt == CAUSAL_AB_GREATER ? INFINITY : M->est[i] + c * M->se[i];
  }
  *crit_out = c;
  *df_out = df;
  return CAUSAL_OK;
}

static void multi_free(const cz_alloc *a, multi *M) {
  if (M->terms)
    for (size_t i = 0; i < M->m; i++)
      cz_free(a, M->terms[i]);
  cz_free(a, M->terms);
  cz_free(a, M->est);
}

int causal_abtest_analyze(const causal_abtest *t,
                          const causal_abstats *const *arms, size_t k,
                          const char *const *names, const double *allocation,
                          causal_result **out) {
  static const char *who = "causal_abtest_analyze";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(t);
  CZ_REQUIRE_NONNULL(arms);
  if (k < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: k = %zu arms; need a control and at "
                                  "least one treatment",
                   who, k);
  for (size_t i = 0; i < k; i++)
    if (arms[i] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: arms[%zu] is NULL", who, i);
  if (allocation != NULL)
    CZ_CHECK(check_allocation(who, allocation, k));
  int adjust = t->adjust;
  size_t m = k - 1;
  multi M;
  memset(&M, 0, sizeof M);
  M.m = m;
  cz_alloc al = t->alloc;
  M.est = cz_calloc(&al, 10 * m, sizeof(double));
  M.terms = cz_calloc(&al, m, sizeof(char *));
  if (M.est == NULL || M.terms == NULL) {
    multi_free(&al, &M);
    return CAUSAL_ENOMEM;
  }
  M.se = M.est + m, M.stat = M.se + m, M.p = M.stat + m, M.lo = M.p + m;
  M.hi = M.lo + m, M.padj = M.hi + m, M.lift = M.padj + m, M.df = M.lift + m;
  M.lam = M.df + m;
  int rc = CAUSAL_OK;
  arm ac[2];
  cmp r;
  for (size_t i = 0; i < m && rc == CAUSAL_OK; i++) {
    cuped_info ci;
    rc = cz_abtest_cuped_alloc(t, arms[0], &ci);
    if (rc == CAUSAL_OK)
      rc = cz_abtest_compare_core(t, arms[0], arms[i + 1], ac, &r, &ci, who);
    cz_free(&al, ci.theta);
    if (rc != CAUSAL_OK) {
      cz_fail_context(rc, "%s: arm %zu", who, i + 1);
      break;
    }
    M.est[i] = r.est, M.se[i] = r.se, M.stat[i] = r.stat, M.p[i] = r.p;
    M.lo[i] = r.lo, M.hi[i] = r.hi, M.lift[i] = r.lift, M.df[i] = r.df;
    char buf[256];
    if (names)
      snprintf(buf, sizeof buf, "%s - %s", names[i + 1] ? names[i + 1] : "?",
               names[0] ? names[0] : "?");
    else
      snprintf(buf, sizeof buf, "arm%zu - arm0", i + 1);
    M.terms[i] = cz_strdup(&al, buf);
    if (M.terms[i] == NULL)
      rc = CAUSAL_ENOMEM;
  }
  double dcrit = NAN, ddf = NAN;
  if (rc == CAUSAL_OK) {
    if (adjust == CAUSAL_AB_DUNNETT)
      rc = dunnett_apply(t, arms, k, ac, &M, &dcrit, &ddf);
    else
      rc = causal_p_adjust(adjust, M.p, m, M.padj);
  }
  causal_result *res = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&res, "abtest_arms");
  static const char *adj_names[] = {"none", "bonferroni", "holm", "BH", "BY",
                                    "dunnett"};
  if (rc == CAUSAL_OK)
    rc = causal_result_set_table(res, "comparisons",
                                 (const char *const *)M.terms, m, M.est, M.se,
                                 M.stat, M.p, M.lo, M.hi);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_vector(res, "p_value_adjusted", M.padj, m,
                                  (const char *const *)M.terms);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_vector(res, "relative_lift", M.lift, m,
                                  (const char *const *)M.terms);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_vector(res, "df", M.df, m,
                                  (const char *const *)M.terms);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(res, "adjust", adj_names[adjust]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(res, "metric",
                                  cz_abtest_metric_name(t->metric));
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(
        res, "method", cz_abtest_test_name(cz_abtest_effective_test(t)));
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(res, "alternative",
                                  cz_abtest_alt_name(t->alternative));
  if (rc == CAUSAL_OK && adjust == CAUSAL_AB_DUNNETT) {
    rc = causal_result_set_scalar(res, "dunnett_critical", dcrit);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(res, "dunnett_df", ddf);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_vector(res, "dunnett_lambda", M.lam, m, NULL);
  }
  if (rc == CAUSAL_OK && allocation != NULL) {
    double st, pv;
    double *tmp = cz_malloc(&al, k * sizeof(double));
    if (tmp == NULL)
      rc = CAUSAL_ENOMEM;
    else {
      for (size_t i = 0; i < k; i++)
        tmp[i] = (double)arms[i]->n;
      srm_stat(tmp, allocation, k, &st, &pv, NULL);
      rc = causal_result_set_scalar(res, "srm_statistic", st);
      if (rc == CAUSAL_OK)
        rc = causal_result_set_scalar(res, "srm_p_value", pv);
      if (rc == CAUSAL_OK && pv < 0.001)
        rc = causal_result_add_warning(
            res, "sample ratio mismatch: arm sizes differ from the planned "
                 "allocation (p < 0.001); results may be biased");
      cz_free(&al, tmp);
    }
  }
  multi_free(&al, &M);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- bootstrap ---------------------------------------------------------------- */

/* Type-7 quantile of x[0..n) via selection (x is permuted). */
static double select_k(double *x, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    double piv = x[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (x[i] < piv)
        i++;
      while (x[j] > piv)
        j--;
      if (i <= j) {
        double tt = x[i];
        x[i] = x[j];
        x[j] = tt;
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return x[k];
  }
  return x[k];
}

static double quantile7(double *x, size_t n, double q) {
  double h = (double)(n - 1) * q;
  size_t j = (size_t)floor(h);
  double g = h - (double)j;
  double a = select_k(x, n, j);
  if (g == 0 || j + 1 >= n)
    return a;
  /* the next order statistic is the minimum of the part above j */
  double b = x[j + 1];
  for (size_t i = j + 2; i < n; i++)
    if (x[i] < b)
      b = x[i];
  return a + g * (b - a);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Quantile (type 7) of a sorted array with element `skip` removed (or
 * none when skip == n). */
static double quantile7_sorted_skip(const double *s, size_t n, size_t skip,
                                    double q) {
  size_t nn = skip < n ? n - 1 : n;
  double h = (double)(nn - 1) * q;
  size_t j = (size_t)floor(h);
  double g = h - (double)j;
  size_t j0 = (skip < n && j >= skip) ? j + 1 : j;
  double a = s[j0];
  if (g == 0 || j + 1 >= nn)
    return a;
  size_t j1 = (skip < n && j + 1 >= skip) ? j + 2 : j + 1;
  return a + g * (s[j1] - a);
}

int causal_abtest_bootstrap(const causal_abtest *t, const double *y_c,
                            size_t n_c, const double *y_t, size_t n_t,
                            causal_result **out) {
  static const char *who = "causal_abtest_bootstrap";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(t);
  CZ_REQUIRE_NONNULL(y_c);
  CZ_REQUIRE_NONNULL(y_t);
  if (n_c < 2 || n_t < 2)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: each arm needs at least 2 units (control %zu, "
                   "treatment %zu)",
                   who, n_c, n_t);
  for (size_t i = 0; i < n_c; i++)
    if (!isfinite(y_c[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: y_c[%zu] is %g", who, i, y_c[i]);
  for (size_t i = 0; i < n_t; i++)
    if (!isfinite(y_t[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: y_t[%zu] is %g", who, i, y_t[i]);
  int quant = t->boot_stat == CAUSAL_AB_BOOT_QUANTILE;
  double q = t->quantile;
  size_t B = (size_t)t->boot_reps;
  cz_alloc al = t->alloc;
  size_t nmax = n_c > n_t ? n_c : n_t;
  double *rep = cz_malloc(&al, B * sizeof(double));
  double *work = cz_malloc(&al, (nmax + n_c + n_t) * sizeof(double));
  if (rep == NULL || work == NULL) {
    cz_free(&al, rep);
    cz_free(&al, work);
    return CAUSAL_ENOMEM;
  }
  double *sc = work + nmax, *st = sc + n_c;
  memcpy(sc, y_c, n_c * sizeof(double));
  memcpy(st, y_t, n_t * sizeof(double));
  qsort(sc, n_c, sizeof(double), cmp_double);
  qsort(st, n_t, sizeof(double), cmp_double);
  double mc = 0, mt = 0;
  for (size_t i = 0; i < n_c; i++)
    mc += sc[i];
  for (size_t i = 0; i < n_t; i++)
    mt += st[i];
  mc /= (double)n_c;
  mt /= (double)n_t;
  double est = quant ? quantile7_sorted_skip(st, n_t, n_t, q) -
                           quantile7_sorted_skip(sc, n_c, n_c, q)
                     : mt - mc;
  causal_rng rng;
  cz_rng_seed(&rng, (uint64_t)t->seed, 0);
  for (size_t b = 0; b < B; b++) {
    double v[2];
    const double *src[2] = {sc, st};
    size_t nn[2] = {n_c, n_t};
    for (int g = 0; g < 2; g++) {
      if (quant) {
        for (size_t i = 0; i < nn[g]; i++)
          work[i] = src[g][cz_rng_bounded1(&rng, nn[g])];
        v[g] = quantile7(work, nn[g], q);
      } else {
        double s = 0;
        for (size_t i = 0; i < nn[g]; i++)
          s += src[g][cz_rng_bounded1(&rng, nn[g])];
        v[g] = s / (double)nn[g];
      }
    }
    rep[b] = v[1] - v[0];
  }
  qsort(rep, B, sizeof(double), cmp_double);
  double mean_rep = 0, var_rep = 0;
  for (size_t b = 0; b < B; b++)
    mean_rep += rep[b];
  mean_rep /= (double)B;
  for (size_t b = 0; b < B; b++)
    var_rep += (rep[b] - mean_rep) * (rep[b] - mean_rep);
  double se = sqrt(var_rep / (double)(B - 1));
  int alt = t->alternative;
  double alpha = 1 - t->conf_level;
  double plo = alt == CAUSAL_AB_TWO_SIDED ? alpha / 2 : alpha;
  double phi = 1 - plo;
  double z0 = NAN, acc = NAN;
  if (t->boot_ci == CAUSAL_AB_BOOT_BCA) {
    size_t below = 0;
    for (size_t b = 0; b < B; b++)
      below += rep[b] < est;
    z0 = cz_qnorm((double)below / (double)B, 1, 0);
    /* jackknife over all units of both arms (leave one out) */
    double sum = 0, s2 = 0, s3 = 0, ntot = (double)(n_c + n_t);
    double jmean = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int g = 0; g < 2; g++) {
        const double *s = g ? st : sc;
        size_t n = g ? n_t : n_c;
        for (size_t i = 0; i < n; i++) {
          double th;
          if (quant) {
            double a0 = g ? quantile7_sorted_skip(sc, n_c, n_c, q)
                          : quantile7_sorted_skip(st, n_t, n_t, q);
            double a1 = quantile7_sorted_skip(s, n, i, q);
            th = g ? a1 - a0 : a0 - a1;
          } else {
            double mloo = ((g ? mt : mc) * (double)n - s[i]) / (double)(n - 1);
            th = g ? mloo - mc : mt - mloo;
          }
          if (pass == 0) {
            sum += th;
          } else {
            double dd = jmean - th;
            s2 += dd * dd;
            s3 += dd * dd * dd;
          }
        }
      }
      if (pass == 0)
        jmean = sum / ntot;
    }
    acc = s2 > 0 ? s3 / (6 * pow(s2, 1.5)) : 0;
    double za = cz_qnorm(plo, 1, 0), zb = cz_qnorm(phi, 1, 0);
    plo = cz_pnorm(z0 + (z0 + za) / (1 - acc * (z0 + za)), 1, 0);
    phi = cz_pnorm(z0 + (z0 + zb) / (1 - acc * (z0 + zb)), 1, 0);
  }
  double lo = quantile7_sorted_skip(rep, B, B, plo);
  double hi = quantile7_sorted_skip(rep, B, B, phi);
  if (alt == CAUSAL_AB_LESS)
    lo = -INFINITY;
  if (alt == CAUSAL_AB_GREATER)
    hi = INFINITY;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "abtest_bootstrap");
  if (rc == 0)
    rc = causal_result_set_scalar(r, "estimate", est);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "std_error", se);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "conf_low", lo);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "conf_high", hi);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "bias", mean_rep - est);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "reps", (double)B);
  if (rc == 0)
    rc = causal_result_set_scalar(r, "conf_level", t->conf_level);
  if (rc == 0)
    rc = causal_result_set_string(r, "statistic_type",
                                  quant ? "quantile" : "mean");
  if (rc == 0 && quant)
    rc = causal_result_set_scalar(r, "quantile", q);
  if (rc == 0)
    rc = causal_result_set_string(
        r, "interval", t->boot_ci == CAUSAL_AB_BOOT_BCA ? "bca" : "percentile");
  if (rc == 0 && t->boot_ci == CAUSAL_AB_BOOT_BCA) {
    rc = causal_result_set_scalar(r, "bca_z0", z0);
    if (rc == 0)
      rc = causal_result_set_scalar(r, "bca_acceleration", acc);
  }
  if (rc == 0)
    rc = causal_result_set_scalar(r, "seed", (double)t->seed);
  cz_free(&al, rep);
  cz_free(&al, work);
  if (rc != 0) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
