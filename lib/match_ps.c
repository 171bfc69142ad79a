/* Abadie–Imbens (2016) adjustment of the matching variance for a
 * propensity score estimated by logistic regression (Econometrica 84(2),
 * 781–807). With X the logit design (intercept included), p = F(X'theta),
 * f = F' = p (1 - p) and I = E[f^2 / (p (1 - p)) X X'] = E[p (1 - p) X X']
 * the information matrix of the logit:
 *   ATE:  N Var = sigma^2 - c' I^{-1} c,
 *         c = E[(cov(X, mu1 | p) / p + cov(X, mu0 | p) / (1 - p)) f]
 *   ATT:  N Var = sigma_t^2 - c_t' I^{-1} c_t + d' I^{-1} d,
 *         c_t = E[(cov(X, mu1 | p) + p / (1 - p) cov(X, mu0 | p)) f] / E[p]
 *         d   = E[X f (mu1(p) - mu0(p) - tau_t)] / E[p]
 * sigma^2 / N is the Abadie–Imbens (2006) variance of matching on p. The
 * conditional covariances and means given p are estimated, as the paper
 * proposes, from the L units of arm w nearest to p_i (unit i itself
 * included when it is in arm w; ties by lower row):
 *   cov(X, mu_w | p_i) ~ sum_j (X_j - Xbar)(Y_j - Ybar) / (L - 1),
 *   mu_w(p_i) ~ Ybar.
 * ATC is the ATT of the flipped treatment (p -> 1 - p). The independent R
 * implementation in tests/ref/match_ai_reference.R checks this code. */
#include "internal/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double d;
  size_t row;
} nb;

static int cmp_nb(const void *x, const void *y) {
  const nb *a = x, *b = y;
  if (a->d != b->d)
    return a->d < b->d ? -1 : 1;
  return a->row < b->row ? -1 : (a->row > b->row);
}

/* L nearest units of arm w to p[i]: covariance of (X, y) over them into
 * cov (k values) and the mean of y into *mu. */
static void local_moments(const double *X, size_t n, size_t k, const double *y,
                          const uint8_t *t, const double *p, size_t i, int w,
                          size_t L, nb *work, double *cov, double *mu,
                          double *xbar) {
  size_t m = 0;
  for (size_t j = 0; j < n; j++)
    if (t[j] == w) {
      work[m].d = fabs(p[j] - p[i]);
      work[m].row = j;
      m++;
    }
  qsort(work, m, sizeof *work, cmp_nb);
  size_t l = L < m ? L : m;
  double yb = 0;
  for (size_t c = 0; c < k; c++)
    xbar[c] = 0;
  for (size_t q = 0; q < l; q++) {
    size_t j = work[q].row;
    yb += y[j];
    for (size_t c = 0; c < k; c++)
      xbar[c] += X[c * n + j];
  }
  yb /= (double)l;
  for (size_t c = 0; c < k; c++) {
    xbar[c] /= (double)l;
    cov[c] = 0;
  }
  for (size_t q = 0; q < l; q++) {
    size_t j = work[q].row;
    for (size_t c = 0; c < k; c++)
      cov[c] += (X[c * n + j] - xbar[c]) * (y[j] - yb);
  }
  for (size_t c = 0; c < k; c++)
    cov[c] = l > 1 ? cov[c] / (double)(l - 1) : 0;
  *mu = yb;
}

/* v' A^{-1} v for the k x k SPD A (row-major, destroyed). */
static int quad_inv(double *A, size_t k, const double *v, double *out) {
  for (size_t j = 0; j < k; j++) {
    double s = A[j * k + j];
    for (size_t q = 0; q < j; q++)
      s -= A[j * k + q] * A[j * k + q];
    if (!(s > 0))
      return -1;
    double l = sqrt(s);
    A[j * k + j] = l;
    for (size_t i = j + 1; i < k; i++) {
      double u = A[i * k + j];
      for (size_t q = 0; q < j; q++)
        u -= A[i * k + q] * A[j * k + q];
      A[i * k + j] = u / l;
    }
  }
  /* |L^{-1} v|^2 */
  double s = 0;
  double *z = A + k * k; /* scratch of k after A */
  for (size_t i = 0; i < k; i++) {
    double u = v[i];
    for (size_t q = 0; q < i; q++)
      u -= A[i * k + q] * z[q];
    z[i] = u / A[i * k + i];
    s += z[i] * z[i];
  }
  *out = s;
  return 0;
}

int cz_match_ai2016(const causal_match *m, const causal_dataset *ds,
                    const uint8_t *t, const double *y, const double *ps,
                    int estimand, double est, double var_ai, size_t L,
                    double *var) {
  const cz_alloc *a = &m->alloc;
  *var = NAN;
  causal_design *des = NULL;
  causal_result *dr = NULL;
  int rc = causal_design_new(&des);
  for (size_t j = 0; rc == CAUSAL_OK && j < m->covs.n; j++)
    rc = causal_design_add_term(des, m->covs.v[j]);
  if (rc == CAUSAL_OK)
    rc = causal_design_build(&dr, des, ds);
  causal_design_free(des);
  const double *X = NULL;
  size_t n = 0, k = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(dr, "X", &X, &n, &k);
  if (rc != CAUSAL_OK) {
    causal_result_free(dr);
    return rc;
  }
  double *p = cz_malloc(a, n * sizeof *p);
  double *A = cz_calloc(a, k * k + k, sizeof *A);
  double *c = cz_calloc(a, 5 * k, sizeof *c);
  nb *work = cz_malloc(a, n * sizeof *work);
  if (p == NULL || A == NULL || c == NULL || work == NULL) {
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  int flip = estimand == CAUSAL_MATCH_ATC; /* t is already flipped */
  double pbar = 0;
  for (size_t i = 0; i < n; i++) {
    p[i] = flip ? 1 - ps[i] : ps[i];
    pbar += p[i] / (double)n;
  }
  /* information matrix (1/N) sum p (1 - p) X X' */
  for (size_t i = 0; i < n; i++) {
    double f = p[i] * (1 - p[i]);
    for (size_t r = 0; r < k; r++)
      for (size_t s = 0; s <= r; s++)
        A[r * k + s] += f * X[r * n + i] * X[s * n + i] / (double)n;
  }
  for (size_t r = 0; r < k; r++)
    for (size_t s = r + 1; s < k; s++)
      A[r * k + s] = A[s * k + r];
  double *cv = c, *dv = c + k, *cov1 = c + 2 * k, *cov0 = c + 3 * k,
         *xb = c + 4 * k;
  int ate = estimand == CAUSAL_MATCH_ATE;
  for (size_t i = 0; i < n; i++) {
    double mu1, mu0, f = p[i] * (1 - p[i]);
    local_moments(X, n, k, y, t, p, i, 1, L, work, cov1, &mu1, xb);
    local_moments(X, n, k, y, t, p, i, 0, L, work, cov0, &mu0, xb);
    for (size_t r = 0; r < k; r++) {
      if (ate)
        cv[r] += (cov1[r] / p[i] + cov0[r] / (1 - p[i])) * f / (double)n;
      else {
        cv[r] +=
            (cov1[r] + p[i] / (1 - p[i]) * cov0[r]) * f / ((double)n * pbar);
        dv[r] += X[r * n + i] * f * (mu1 - mu0 - est) / ((double)n * pbar);
      }
    }
  }
  double qc = 0, qd = 0;
  double *A2 = cz_malloc(a, (k * k + k) * sizeof *A2);
  if (A2 == NULL) {
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  memcpy(A2, A, k * k * sizeof *A2);
  int bad = quad_inv(A, k, cv, &qc);
  if (!bad && !ate)
    bad = quad_inv(A2, k, dv, &qd);
  cz_free(a, A2);
  if (bad) {
    rc = cz_fail(CAUSAL_ESINGULAR, "causal_match_ai: the propensity "
                                   "model's information matrix is singular");
    goto done;
  }
  *var = var_ai + (-qc + qd) / (double)n;
  if (!(*var > 0))
    rc = cz_fail(CAUSAL_EINVAL,
                 "causal_match_ai: the Abadie–Imbens (2016) adjusted "
                 "variance is not positive (%g); the sample is too small "
                 "for the adjustment",
                 *var);
done:
  causal_result_free(dr);
  cz_free(a, p);
  cz_free(a, A);
  cz_free(a, c);
  cz_free(a, work);
  return rc;
}
