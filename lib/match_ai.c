/* Abadie–Imbens matching estimator with replacement and all ties kept
 * (the conventions of R Matching::Match), its Abadie–Imbens (2006)
 * standard error, the regression bias adjustment (Abadie and Imbens 2011)
 * and the Abadie–Imbens (2016) adjustment for an estimated propensity
 * score. Formulas: docs/methods/matching.md.
 *
 * Notation: focal units are the treated (ATT), the controls (ATC: the
 * treatment is flipped and the sign of the estimate restored at the end),
 * or everyone (ATE). For focal unit i, J(i) is the set of units of the
 * other arm whose squared distance is within DIST_TOL of the M-th
 * smallest; K(j) = sum over i with j in J(i) of 1/|J(i)|, KK(j) the same
 * with 1/|J(i)|^2. */
#include "internal/dist.h"
#include "internal/match.h"
#include "internal/result.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Matching::Match: distance.tolerance (on squared distances) and
 * tolerance (sqrt(machine eps)). */
#define DIST_TOL 1e-5
#define CCC 1.4901161193847656e-08

typedef struct {
  const cz_alloc *a;
  size_t n, K;      /* rows, matching variables */
  const uint8_t *t; /* arm, flipped for ATC */
  const double *y;
  const double *Z; /* n x K row-major, original scale (bias adjustment) */
  double *U;       /* n x K row-major, metric-transformed */
  int all;         /* ATE */
  size_t M;
  /* match lists in CSR form over focal units */
  size_t *beg, *idx, npairs, cap;
  double *Kc, *KK;
} ai_ctx;

static double sqdist(const ai_ctx *c, size_t i, size_t j) {
  const double *a = c->U + i * c->K, *b = c->U + j * c->K;
  double s = 0;
  for (size_t k = 0; k < c->K; k++) {
    double e = a[k] - b[k];
    s += e * e;
  }
  return s;
}

static int cmp_dbl(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : (a > b);
}

/* m-th smallest (1-based) of v[0..n) (v is reordered). */
static double kth_smallest(double *v, size_t n, size_t m) {
  size_t lo = 0, hi = n - 1, k = m - 1;
  while (lo < hi) { /* quickselect with median-of-three pivot */
    size_t mid = lo + (hi - lo) / 2;
    double p[3] = {v[lo], v[mid], v[hi]};
    qsort(p, 3, sizeof *p, cmp_dbl);
    double piv = p[1];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < piv)
        i++;
      while (v[j] > piv)
        j--;
      if (i <= j) {
        double tmp = v[i];
        v[i] = v[j];
        v[j] = tmp;
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
      return v[k];
  }
  return v[k];
}

static int push_pair(ai_ctx *c, size_t j) {
  if (c->npairs == c->cap) {
    size_t nc = c->cap ? 2 * c->cap : 1024;
    size_t *ni = cz_realloc(c->a, c->idx, c->cap * sizeof *ni, nc * sizeof *ni);
    if (ni == NULL)
      return CAUSAL_ENOMEM;
    c->idx = ni;
    c->cap = nc;
  }
  c->idx[c->npairs++] = j;
  return CAUSAL_OK;
}

/* Match every focal unit; fill beg/idx, K, KK. */
static int ai_match(ai_ctx *c, double *work) {
  size_t n = c->n;
  for (size_t i = 0; i < n; i++) {
    c->beg[i] = c->npairs;
    if (!c->all && !c->t[i])
      continue;
    size_t m = 0;
    for (size_t j = 0; j < n; j++)
      if (c->t[j] != c->t[i])
        work[m++] = sqdist(c, i, j);
    double dmax = kth_smallest(work, m, c->M) + DIST_TOL;
    size_t b = c->npairs;
    for (size_t j = 0; j < n; j++)
      if (c->t[j] != c->t[i] && sqdist(c, i, j) <= dmax)
        CZ_CHECK(push_pair(c, j));
    double cnt = (double)(c->npairs - b);
    for (size_t p = b; p < c->npairs; p++) {
      c->Kc[c->idx[p]] += 1 / cnt;
      c->KK[c->idx[p]] += 1 / (cnt * cnt);
    }
  }
  c->beg[n] = c->npairs;
  return CAUSAL_OK;
}

/* Cholesky of the q x q row-major matrix A in place (lower); 0 on
 * success, -1 if not positive definite. */
static int chol(double *A, size_t q) {
  for (size_t j = 0; j < q; j++) {
    double s = A[j * q + j];
    for (size_t k = 0; k < j; k++)
      s -= A[j * q + k] * A[j * q + k];
    if (!(s > 0))
      return -1;
    double l = sqrt(s);
    A[j * q + j] = l;
    for (size_t i = j + 1; i < q; i++) {
      double u = A[i * q + j];
      for (size_t k = 0; k < j; k++)
        u -= A[i * q + k] * A[j * q + k];
      A[i * q + j] = u / l;
    }
  }
  return 0;
}

static void chol_solve(const double *L, size_t q, double *b) {
  for (size_t i = 0; i < q; i++) {
    double u = b[i];
    for (size_t k = 0; k < i; k++)
      u -= L[i * q + k] * b[k];
    b[i] = u / L[i * q + i];
  }
  for (size_t i = q; i-- > 0;) {
    double u = b[i];
    for (size_t k = i + 1; k < q; k++)
      u -= L[k * q + i] * b[k];
    b[i] = u / L[i * q + i];
  }
}

/* Bias-adjustment slopes: weighted least squares of y on (1, Z) over the
 * units of arm `arm`, weights K(j). alpha gets the K slopes. */
static int ai_bias_coef(const ai_ctx *c, int arm, double *alpha) {
  size_t q = c->K + 1;
  double *A = cz_calloc(c->a, q * q + q, sizeof *A);
  if (A == NULL)
    return CAUSAL_ENOMEM;
  double *b = A + q * q;
  for (size_t i = 0; i < c->n; i++) {
    if (c->t[i] != arm || c->Kc[i] == 0)
      continue;
    double w = c->Kc[i];
    for (size_t r = 0; r < q; r++) {
      double zr = r == 0 ? 1 : c->Z[i * c->K + r - 1];
      b[r] += w * zr * c->y[i];
      for (size_t s = 0; s <= r; s++) {
        double zs = s == 0 ? 1 : c->Z[i * c->K + s - 1];
        A[r * q + s] += w * zr * zs;
      }
    }
  }
  for (size_t r = 0; r < q; r++)
    for (size_t s = r + 1; s < q; s++)
      A[r * q + s] = A[s * q + r];
  int rc = CAUSAL_OK;
  if (chol(A, q) != 0)
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "causal_match_ai: the bias-adjustment regression is "
                 "singular (matched %s units have collinear covariates)",
                 arm ? "treated" : "control");
  else {
    chol_solve(A, q, b);
    memcpy(alpha, b + 1, c->K * sizeof *alpha);
  }
  cz_free(c->a, A);
  return rc;
}

/* Heteroskedastic conditional variances: sample variance of y over unit i
 * and its J nearest units of its own arm (ties within DIST_TOL kept, as
 * the compiled Matching code). */
static void ai_sigma_het(const ai_ctx *c, size_t J, double *sig, double *work) {
  size_t n = c->n;
  for (size_t i = 0; i < n; i++) {
    size_t m = 0;
    for (size_t j = 0; j < n; j++)
      if (j != i && c->t[j] == c->t[i])
        work[m++] = sqdist(c, i, j);
    if (m == 0) { /* alone in its arm: no within-arm variance */
      sig[i] = 0;
      continue;
    }
    size_t jj = J < m ? J : m;
    double dmax = kth_smallest(work, m, jj) + DIST_TOL;
    double s = c->y[i], s2 = c->y[i] * c->y[i], cnt = 1;
    for (size_t j = 0; j < n; j++)
      if (j != i && c->t[j] == c->t[i] && sqdist(c, i, j) <= dmax) {
        s += c->y[j];
        s2 += c->y[j] * c->y[j];
        cnt += 1;
      }
    double fm = s / cnt, sm = s2 / cnt;
    sig[i] = (sm - fm * fm) * cnt / (cnt - 1);
  }
}

/* Standardize the matching variables (sample SD, floored at CCC) and apply
 * the metric: Weight 1 identity, Weight 2 the inverse of X'X/N of the
 * standardized X (identity if that is not positive definite). */
static int ai_metric(ai_ctx *c, int weight) {
  size_t n = c->n, K = c->K;
  for (size_t k = 0; k < K; k++) {
    double mu = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
      mu += c->Z[i * K + k];
      s2 += c->Z[i * K + k] * c->Z[i * K + k];
    }
    mu /= (double)n;
    double v = (s2 > CCC ? s2 : CCC) / (double)n - mu * mu;
    double sd = sqrt(v) * sqrt((double)n / (double)(n - 1));
    if (!(sd >= CCC))
      sd = CCC;
    for (size_t i = 0; i < n; i++)
      c->U[i * K + k] = (c->Z[i * K + k] - mu) / sd;
  }
  if (weight != 2)
    return CAUSAL_OK;
  double *A = cz_calloc(c->a, K * K + K, sizeof *A);
  if (A == NULL)
    return CAUSAL_ENOMEM;
  double *tmp = A + K * K;
  for (size_t i = 0; i < n; i++)
    for (size_t r = 0; r < K; r++)
      for (size_t s = 0; s <= r; s++)
        A[r * K + s] += c->U[i * K + r] * c->U[i * K + s] / (double)n;
  if (chol(A, K) == 0) { /* u = L^{-1} x: |u_i - u_j|^2 = Mahalanobis */
    for (size_t i = 0; i < n; i++) {
      double *u = c->U + i * K;
      for (size_t r = 0; r < K; r++) {
        double v = u[r];
        for (size_t s = 0; s < r; s++)
          v -= A[r * K + s] * tmp[s];
        tmp[r] = v / A[r * K + r];
      }
      memcpy(u, tmp, K * sizeof *u);
    }
  }
  cz_free(c->a, A);
  return CAUSAL_OK;
}

typedef struct {
  double est, var;
  size_t nfocal, npairs;
} ai_out;

static int ai_estimate(ai_ctx *c, int bias, size_t J, ai_out *o) {
  size_t n = c->n, K = c->K;
  double *work = cz_malloc(c->a, (n ? n : 1) * sizeof *work);
  double *alc = cz_calloc(c->a, 2 * K, sizeof *alc);
  double *sig = cz_malloc(c->a, (n ? n : 1) * sizeof *sig);
  double *scaus = cz_malloc(c->a, (n ? n : 1) * sizeof *scaus);
  int rc = (work && alc && sig && scaus) ? CAUSAL_OK : CAUSAL_ENOMEM;
  double *alt = alc + K;
  if (rc == CAUSAL_OK)
    rc = ai_match(c, work);
  if (rc == CAUSAL_OK && bias) {
    rc = ai_bias_coef(c, 0, alc);
    if (rc == CAUSAL_OK && c->all)
      rc = ai_bias_coef(c, 1, alt);
  }
  if (rc != CAUSAL_OK)
    goto done;
  /* per focal unit: SCAUS_i = mean over J(i) of the (adjusted) pair
   * differences; the estimate is their mean */
  double est = 0;
  size_t nf = 0;
  for (size_t i = 0; i < n; i++) {
    if (c->beg[i + 1] == c->beg[i])
      continue;
    const double *al = c->t[i] ? alc : alt; /* slopes of the matched arm */
    double s = 0;
    for (size_t p = c->beg[i]; p < c->beg[i + 1]; p++) {
      size_t j = c->idx[p];
      double adj = 0;
      for (size_t k = 0; k < K; k++)
        adj += (c->Z[i * K + k] - c->Z[j * K + k]) * al[k];
      /* y_j adjusted to x_i: y_j + (z_i - z_j)' alpha */
      double yj = c->y[j] + adj;
      s += c->t[i] ? c->y[i] - yj : yj - c->y[i];
    }
    scaus[i] = s / (double)(c->beg[i + 1] - c->beg[i]);
    est += scaus[i];
    nf++;
  }
  est /= (double)nf;
  if (J == 0) { /* homoskedastic: half the weighted mean squared residual
                   of the pair differences */
    double num = 0;
    for (size_t i = 0; i < n; i++) {
      size_t cnt = c->beg[i + 1] - c->beg[i];
      if (cnt == 0)
        continue;
      const double *al = c->t[i] ? alc : alt;
      for (size_t p = c->beg[i]; p < c->beg[i + 1]; p++) {
        size_t j = c->idx[p];
        double adj = 0;
        for (size_t k = 0; k < K; k++)
          adj += (c->Z[i * K + k] - c->Z[j * K + k]) * al[k];
        double yj = c->y[j] + adj;
        double tau = c->t[i] ? c->y[i] - yj : yj - c->y[i];
        num += (tau - est) * (tau - est) / (double)cnt;
      }
    }
    double s2 = 0.5 * num / (double)nf;
    for (size_t i = 0; i < n; i++)
      sig[i] = s2;
  } else {
    ai_sigma_het(c, J, sig, work);
  }
  double SN = (double)nf, vpop = 0, dvar = 0;
  for (size_t i = 0; i < n; i++) {
    double k = c->Kc[i], kk = c->KK[i];
    if (c->all)
      vpop += sig[i] * (k * k + 2 * k - kk);
    else if (!c->t[i])
      vpop += sig[i] * (k * k - kk);
    if (c->beg[i + 1] > c->beg[i])
      dvar += (scaus[i] - est) * (scaus[i] - est);
  }
  o->est = est;
  o->var = vpop / (SN * SN) + dvar / (SN * SN);
  o->nfocal = nf;
  o->npairs = c->npairs;
done:
  cz_free(c->a, work);
  cz_free(c->a, alc);
  cz_free(c->a, sig);
  cz_free(c->a, scaus);
  return rc;
}

int causal_match_ai(causal_result **out, const causal_match *m,
                    const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  const cz_alloc *a = &m->alloc;
  if (m->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_match_ai: no outcome column set "
                                  "(causal_match_set_outcome)");
  if (!m->ai_on_score && m->mah.n == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_ai: no matching covariates: add them with "
                   "causal_match_add_mahalanobis, or set AI_ON_SCORE = 1");
  if (m->ai_on_score && m->score == NULL && m->covs.n == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_ai: AI_ON_SCORE needs a score column or "
                   "propensity-model covariates");
  if (m->ai_ps_adjust && (!m->ai_on_score || m->score != NULL))
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_ai: AI_PS_ADJUST needs matching on the "
                   "score estimated from the covariates (AI_ON_SCORE = 1, "
                   "no score column)");
  uint8_t *t = NULL;
  double *y = NULL, *Z = NULL, *U = NULL, *Kc = NULL;
  size_t n1 = 0, n0 = 0, n = causal_dataset_nrows(ds), K = 0;
  ai_ctx c;
  memset(&c, 0, sizeof c);
  causal_result *r = NULL;
  int rc = cz_match_treatment(m, ds, &t, &n1, &n0);
  if (rc == CAUSAL_OK)
    rc = cz_match_column(m, ds, m->outcome, "outcome", &y);
  if (rc == CAUSAL_OK && m->ai_on_score) {
    K = 1;
    rc = cz_match_score(m, ds, 0, &Z);
  } else if (rc == CAUSAL_OK) {
    K = m->mah.n;
    Z = cz_malloc(a, n * K * sizeof *Z);
    if (Z == NULL)
      rc = CAUSAL_ENOMEM;
    for (size_t k = 0; rc == CAUSAL_OK && k < K; k++) {
      double *v;
      rc = cz_match_column(m, ds, m->mah.v[k], "matching covariate", &v);
      if (rc == CAUSAL_OK) {
        for (size_t i = 0; i < n; i++)
          Z[i * K + k] = v[i];
        cz_free(a, v);
      }
    }
  }
  size_t M = (size_t)m->ai_m;
  if (rc == CAUSAL_OK) {
    if (m->estimand == CAUSAL_MATCH_ATC)
      for (size_t i = 0; i < n; i++)
        t[i] = (uint8_t)!t[i];
    size_t nt = m->estimand == CAUSAL_MATCH_ATC ? n0 : n1;
    size_t nc = n - nt;
    /* Matching::Match caps M at the size of the arm(s) matched from */
    if (m->estimand == CAUSAL_MATCH_ATE)
      M = M < nt ? (M < nc ? M : nc) : (nt < nc ? nt : nc);
    else
      M = M < nc ? M : nc;
    U = cz_malloc(a, n * K * sizeof *U);
    Kc = cz_calloc(a, 2 * n, sizeof *Kc);
    c.beg = cz_malloc(a, (n + 1) * sizeof *c.beg);
    if (U == NULL || Kc == NULL || c.beg == NULL)
      rc = CAUSAL_ENOMEM;
  }
  ai_out o = {0, 0, 0, 0};
  if (rc == CAUSAL_OK) {
    c.a = a;
    c.n = n;
    c.K = K;
    c.t = t;
    c.y = y;
    c.Z = Z;
    c.U = U;
    c.all = m->estimand == CAUSAL_MATCH_ATE;
    c.M = M;
    c.Kc = Kc;
    c.KK = Kc + n;
    rc = ai_metric(&c, (int)m->ai_weight);
  }
  if (rc == CAUSAL_OK)
    rc = ai_estimate(&c, (int)m->ai_bias, (size_t)m->ai_var_matches, &o);
  double psvar = NAN;
  if (rc == CAUSAL_OK && m->ai_ps_adjust)
    rc = cz_match_ai2016(m, ds, t, y, Z, (int)m->estimand, o.est, o.var,
                         M > 1 ? M : 2, &psvar);
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "match_ai");
  if (rc == CAUSAL_OK) {
    double est = m->estimand == CAUSAL_MATCH_ATC ? -o.est : o.est;
    double se = sqrt(o.var);
    double seu = m->ai_ps_adjust ? sqrt(psvar) : se;
    double z = cz_qnorm(0.5 + m->conf_level / 2, 1, 0);
    const char *names[] = {
        "estimate",  "std_error",       "statistic", "p_value",
        "conf_low",  "conf_high",       "nobs",      "n_treated",
        "n_control", "n_matched_pairs", "M"};
    double vals[] = {est,           seu,
                     est / seu,     2 * cz_pnorm(-fabs(est / seu), 1, 0),
                     est - z * seu, est + z * seu,
                     (double)n,     (double)n1,
                     (double)n0,    (double)o.npairs,
                     (double)M};
    for (size_t k = 0; rc == CAUSAL_OK && k < sizeof vals / sizeof *vals; k++)
      rc = causal_result_set_scalar(r, names[k], vals[k]);
    if (rc == CAUSAL_OK && m->ai_ps_adjust)
      rc = causal_result_set_scalar(r, "std_error_unadjusted", se);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_string(
          r, "estimand",
          m->estimand == CAUSAL_MATCH_ATE
              ? "ATE"
              : (m->estimand == CAUSAL_MATCH_ATC ? "ATC" : "ATT"));
    if (rc == CAUSAL_OK)
      rc = causal_result_set_string(r, "vcov_type",
                                    m->ai_ps_adjust ? "Abadie-Imbens (2016)"
                                                    : "Abadie-Imbens (2006)");
  }
  cz_free(a, t);
  cz_free(a, y);
  cz_free(a, Z);
  cz_free(a, U);
  cz_free(a, Kc);
  cz_free(a, c.beg);
  cz_free(a, c.idx);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
