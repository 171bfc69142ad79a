/* Binary logistic regression by Newton's method (IRLS), with prior weights,
 * an offset, an optional ridge penalty on the non-intercept coefficients,
 * detection of complete and quasi-complete separation, and classical or
 * sandwich covariances. Formulas and conventions: docs/methods/logit.md. */
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/regress.h"
#include "internal/result.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define WHO "causal_regress_fit (logit)"

#define LG_MAXITER_DEFAULT 25 /* glm.control(maxit = 25) */
#define LG_TOL_DEFAULT 1e-8   /* glm.control(epsilon = 1e-8) */
#define LG_MAXHALF 40         /* step halvings before giving up a step */
#define LG_POST                                                                \
  50                      /* Newton steps after the main loop (polish /        \
                             separation probe) */
#define LG_SEP_HITS 3     /* consecutive separating directions needed */
#define LG_VAR_MIN 1e-290 /* floor of p(1-p) in the IRLS weights only */

/* ---- numerically stable scalar pieces ---------------------------------- */

/* log(1 + e^t) without overflow or cancellation. */
static double lg_softplus(double t) {
  return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

/* Inverse logit, accurate in both tails. */
static double lg_prob(double eta) {
  if (eta >= 0)
    return 1.0 / (1.0 + exp(-eta));
  double e = exp(eta);
  return e / (1.0 + e);
}

/* p(1 - p) = e^-|eta| / (1 + e^-|eta|)^2, floored so that the IRLS weights
 * stay positive; the floor never enters the likelihood. */
static double lg_var(double eta) {
  double e = exp(-fabs(eta));
  double v = e / ((1.0 + e) * (1.0 + e));
  return v < LG_VAR_MIN ? LG_VAR_MIN : v;
}

/* Unit deviance 2 [log(1 + e^eta) - y eta] for y in {0, 1}: for y = 1 it
 * is 2 log(1 + e^-eta), evaluated directly (no log(0), no cancellation). */
static double lg_unit_dev(double y, double eta) {
  return 2.0 * lg_softplus(y > 0.5 ? -eta : eta);
}

/* ---- the working state -------------------------------------------------- */

typedef struct lg {
  cz_alloc a;
  size_t n, k; /* rows, kept coefficients */
  const double *y, *w, *off;
  double *X;                           /* n x k kept columns */
  double *pen;                         /* k: lambda, or 0 for the intercept */
  double *beta, *bnew, *delta, *g, *H; /* k, k, k, k, k x k */
  double *eta, *enew, *wt, *tmp;       /* n each */
  double *colmax;                      /* k: max |x_ij| */
  double *hs;                          /* k: power-of-two equilibration of H */
  double *kblock, *nblock; /* the allocations (beta/bnew, eta/enew swap) */
  cz_ws ws;
  double gmax; /* max |gradient| at the last Newton direction */
} lg;

static double lg_w(const lg *L, size_t i) {
  return L->w != NULL ? L->w[i] : 1.0;
}

/* eta = X b + offset */
static int lg_linpred(lg *L, const double *b, double *eta) {
  CZ_CHECK(
      cz_gemv(WHO, false, 1.0, cz_cmat_dense(L->X, L->n, L->k), b, 0.0, eta));
  if (L->off != NULL)
    for (size_t i = 0; i < L->n; i++)
      eta[i] += L->off[i];
  return CAUSAL_OK;
}

static double lg_deviance(const lg *L, const double *eta) {
  double d = 0;
  for (size_t i = 0; i < L->n; i++)
    d += lg_w(L, i) * lg_unit_dev(L->y[i], eta[i]);
  return d;
}

static double lg_penalty(const lg *L, const double *b) {
  double s = 0;
  for (size_t j = 0; j < L->k; j++)
    s += L->pen[j] * b[j] * b[j];
  return s;
}

/* Factor H (in L->H, + diag(pen) added here) as S H S = R'R with S the
 * power-of-two diagonal that brings diag(S H S) near 1. Equilibration
 * makes the factorization independent of the units of the columns
 * (lalonde's dollar incomes next to dummies), and powers of two make it
 * exact. */
static int lg_factor(lg *L, const char *what) {
  size_t k = L->k;
  for (size_t j = 0; j < k; j++) {
    L->H[j + j * k] += L->pen[j];
    double d = L->H[j + j * k];
    int e = 0;
    if (d > 0 && isfinite(d))
      (void)frexp(sqrt(d), &e);
    L->hs[j] = ldexp(1.0, -e);
  }
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++)
      L->H[i + j * k] *= L->hs[i] * L->hs[j];
  return cz_chol(WHO, what, cz_mat_dense(L->H, k, k));
}

/* v <- H^{-1} v with the factor from lg_factor. */
static int lg_solve(lg *L, double *v) {
  for (size_t j = 0; j < L->k; j++)
    v[j] *= L->hs[j];
  CZ_CHECK(cz_chol_solve(WHO, cz_cmat_dense(L->H, L->k, L->k),
                         cz_mat_dense(v, L->k, 1)));
  for (size_t j = 0; j < L->k; j++)
    v[j] *= L->hs[j];
  return CAUSAL_OK;
}

/* H = X' diag(w p (1 - p)) X + diag(pen), factored in place (Cholesky).
 * ESINGULAR if not positive definite (numerically). */
static int lg_hessian(lg *L, const double *eta) {
  for (size_t i = 0; i < L->n; i++)
    L->wt[i] = lg_w(L, i) * lg_var(eta[i]);
  cz_mat H = cz_mat_dense(L->H, L->k, L->k);
  CZ_CHECK(cz_xtwx(WHO, cz_cmat_dense(L->X, L->n, L->k), L->wt, H, &L->ws));
  return lg_factor(L, "the Fisher information");
}

/* Newton direction at b (with eta = X b + offset): gradient of the
 * penalized log-likelihood g = X' w (y - p) - pen .* b, delta = H^{-1} g.
 * Leaves the Cholesky factor of H in L->H. */
static int lg_newton(lg *L, const double *b, const double *eta) {
  for (size_t i = 0; i < L->n; i++)
    L->tmp[i] = lg_w(L, i) * (L->y[i] - lg_prob(eta[i]));
  CZ_CHECK(cz_xty(WHO, cz_cmat_dense(L->X, L->n, L->k), L->tmp, L->g));
  L->gmax = 0;
  for (size_t j = 0; j < L->k; j++) {
    L->g[j] -= L->pen[j] * b[j];
    if (fabs(L->g[j]) > L->gmax)
      L->gmax = fabs(L->g[j]);
  }
  CZ_CHECK(lg_hessian(L, eta));
  memcpy(L->delta, L->g, L->k * sizeof(double));
  return lg_solve(L, L->delta);
}

/* glm's start: mu = (w y + 1/2) / (w + 1), then one weighted least-squares
 * step on the working response. Sets beta, eta; *dev0 gets the deviance at
 * the starting mu (glm's first "devold"). */
static int lg_start(lg *L, double *dev0) {
  double d0 = 0;
  for (size_t i = 0; i < L->n; i++) {
    double w = lg_w(L, i), mu = (w * L->y[i] + 0.5) / (w + 1.0);
    double e = log(mu / (1.0 - mu)), v = mu * (1.0 - mu);
    d0 += w * lg_unit_dev(L->y[i], e);
    L->wt[i] = w * v;
    /* X' W z with z = e - offset + (y - mu) / v, so W z = w v (e - off)
     * + w (y - mu). */
    L->tmp[i] = L->wt[i] * (e - (L->off ? L->off[i] : 0)) + w * (L->y[i] - mu);
  }
  *dev0 = d0;
  cz_mat H = cz_mat_dense(L->H, L->k, L->k);
  CZ_CHECK(cz_xtwx(WHO, cz_cmat_dense(L->X, L->n, L->k), L->wt, H, &L->ws));
  CZ_CHECK(lg_factor(L, "the initial weighted cross-product"));
  CZ_CHECK(cz_xty(WHO, cz_cmat_dense(L->X, L->n, L->k), L->tmp, L->beta));
  CZ_CHECK(lg_solve(L, L->beta));
  return lg_linpred(L, L->beta, L->eta);
}

/* Take the step beta + s delta with s = 1, 1/2, 1/4, ... until the
 * penalized deviance does not increase. On success beta, eta and *pdev are
 * updated and *moved = 1; if no step length decreases it (we are at the
 * optimum to machine precision) nothing changes and *moved = 0. */
static int lg_linesearch(lg *L, double *pdev, int *moved) {
  double s = 1.0;
  *moved = 0;
  for (int h = 0; h <= LG_MAXHALF; h++, s *= 0.5) {
    for (size_t j = 0; j < L->k; j++)
      L->bnew[j] = L->beta[j] + s * L->delta[j];
    CZ_CHECK(lg_linpred(L, L->bnew, L->enew));
    double pd = lg_deviance(L, L->enew) + lg_penalty(L, L->bnew);
    /* Accept rounding-level increases: near the optimum the objective
     * cannot resolve the remaining improvement of the coefficients. */
    if (isfinite(pd) && pd <= *pdev + 16 * DBL_EPSILON * fabs(*pdev)) {
      double *t = L->beta;
      L->beta = L->bnew;
      L->bnew = t;
      t = L->eta;
      L->eta = L->enew;
      L->enew = t;
      *pdev = pd;
      *moved = 1;
      return CAUSAL_OK;
    }
  }
  return CAUSAL_OK;
}

/* ---- separation --------------------------------------------------------
 * Under (quasi-)complete separation the likelihood keeps increasing along
 * a direction d with (2 y_i - 1) x_i'd >= 0 for every row. Newton's
 * iterates then move along d by a nearly constant step (each separated
 * eta grows by about one unit per iteration), while the remaining
 * coefficients converge. So the Newton direction itself is the candidate;
 * it is confirmed when X d has the separating sign pattern. */
typedef struct lg_sep {
  size_t npos, nneg, nties; /* rows predicted y = 1, y = 0, tied */
  double zmax;              /* max |x_i'd| */
  int separates;            /* d has the separating sign pattern */
} lg_sep;

static int lg_separates(lg *L, const double *d, lg_sep *s) {
  CZ_CHECK(cz_gemv(WHO, false, 1.0, cz_cmat_dense(L->X, L->n, L->k), d, 0.0,
                   L->tmp));
  double zmax = 0;
  for (size_t i = 0; i < L->n; i++)
    if (fabs(L->tmp[i]) > zmax)
      zmax = fabs(L->tmp[i]);
  s->zmax = zmax;
  s->npos = s->nneg = s->nties = 0;
  s->separates = 0;
  if (!(zmax > 0) || !isfinite(zmax))
    return CAUSAL_OK;
  double tol = 1e-7 * zmax;
  for (size_t i = 0; i < L->n; i++) {
    double z = L->tmp[i];
    int one = L->y[i] > 0.5;
    if (fabs(z) <= tol)
      s->nties++;
    else if (z > 0 && one)
      s->npos++;
    else if (z < 0 && !one)
      s->nneg++;
    else
      return CAUSAL_OK;
  }
  s->separates = s->npos + s->nneg > 0;
  return CAUSAL_OK;
}

/* Name as few variables as possible: drop coefficients from the separating
 * direction d (smallest contribution first, never the intercept) while the
 * remaining direction still separates with no more ties. Works in
 * L->bnew; *s is updated to the pruned direction. */
static int lg_sep_prune(lg *L, const double *d, lg_sep *s, int icpt,
                        double **out) {
  double *e = L->bnew, *c = L->g; /* scratch: direction, contributions */
  memcpy(e, d, L->k * sizeof(double));
  for (size_t j = 0; j < L->k; j++)
    c[j] = (int)j == icpt ? INFINITY : fabs(d[j]) * L->colmax[j];
  for (;;) {
    size_t best = L->k;
    for (size_t j = 0; j < L->k; j++)
      if (e[j] != 0 && c[j] < INFINITY && (best == L->k || c[j] < c[best]))
        best = j;
    if (best == L->k)
      break;
    double keep = e[best], ic0 = icpt >= 0 ? e[icpt] : 0;
    e[best] = 0;
    c[best] = INFINITY; /* tried */
    lg_sep t;
    CZ_CHECK(lg_separates(L, e, &t));
    if (!(t.separates && t.nties <= s->nties) && icpt >= 0) {
      /* A threshold may need a new intercept: without it, the rest of the
       * direction separates completely iff it orders the two classes. */
      double ic = e[icpt];
      e[icpt] = 0;
      CZ_CHECK(cz_gemv(WHO, false, 1.0, cz_cmat_dense(L->X, L->n, L->k), e, 0.0,
                       L->tmp));
      double lo = INFINITY, hi = -INFINITY;
      for (size_t i = 0; i < L->n; i++) {
        if (L->y[i] > 0.5)
          lo = L->tmp[i] < lo ? L->tmp[i] : lo;
        else
          hi = L->tmp[i] > hi ? L->tmp[i] : hi;
      }
      e[icpt] = lo > hi ? -(lo + hi) / 2 : ic;
      CZ_CHECK(lg_separates(L, e, &t));
    }
    if (t.separates && t.nties <= s->nties) {
      *s = t;
    } else {
      e[best] = keep;
      if (icpt >= 0)
        e[icpt] = ic0;
    }
  }
  CZ_CHECK(lg_separates(L, e, s));
  *out = e;
  return CAUSAL_OK;
}

static int lg_sep_fail(lg *L, const double *d, const lg_sep *s,
                       const char *const *names, int icpt) {
  /* The variables whose coefficients move: contribution to X d above a
   * small fraction of the largest. */
  char list[512];
  size_t len = 0, shown = 0, more = 0;
  int has_icpt = 0;
  list[0] = '\0';
  for (size_t j = 0; j < L->k; j++) {
    if (!(fabs(d[j]) * L->colmax[j] > 1e-6 * s->zmax))
      continue;
    if ((int)j == icpt) {
      has_icpt = 1;
      continue;
    }
    if (shown < 8 && len < sizeof list - 80) {
      int m = snprintf(list + len, sizeof list - len, "%s'%s'",
                       shown ? ", " : "", names[j]);
      if (m > 0)
        len +=
            (size_t)m < sizeof list - len ? (size_t)m : sizeof list - len - 1;
      shown++;
    } else {
      more++;
    }
  }
  char extra[64] = "";
  if (more > 0)
    snprintf(extra, sizeof extra, " and %zu more", more);
  const char *kind = s->nties > 0 ? "quasi-complete" : "complete";
  if (shown == 0)
    return cz_fail(CAUSAL_ESEPARATION,
                   "%s: %s separation: the intercept%s perfectly predicts y "
                   "(y = 1 for %zu rows, y = 0 for %zu rows, %zu rows tied); "
                   "the maximum-likelihood estimate does not exist",
                   WHO, kind, extra, s->npos, s->nneg, s->nties);
  return cz_fail(CAUSAL_ESEPARATION,
                 "%s: %s separation: %s%s%s perfectly predict%s y (y = 1 for "
                 "%zu rows, y = 0 for %zu rows, %zu rows tied); the "
                 "maximum-likelihood estimate does not exist (drop or "
                 "recode the variable, or set CAUSAL_REGRESS_L2 > 0)",
                 WHO, kind, list, extra, has_icpt ? " (and the intercept)" : "",
                 (shown + more == 1 && !has_icpt) ? "s" : "", s->npos, s->nneg,
                 s->nties);
}

/* ---- the fit ------------------------------------------------------------ */

typedef struct lg_fit {
  int iter, converged, separated, polished;
  double crit; /* last relative change of the penalized deviance */
  double pdev, dev;
  lg_sep sep;
  const double *sepdir;
} lg_fit;

/* Main Newton loop (glm's rule) followed by polish / separation probe. */
static int lg_iterate(lg *L, int maxiter, double tol, int probe_sep,
                      lg_fit *F) {
  double dev0;
  int rc = lg_start(L, &dev0);
  if (rc != CAUSAL_OK && rc != CAUSAL_ESINGULAR)
    return rc;
  if (rc == CAUSAL_ESINGULAR)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: the weighted design is singular at the start values",
                   WHO);
  double pold = dev0;
  double pdev = lg_deviance(L, L->eta) + lg_penalty(L, L->beta);
  F->iter = 1;
  F->crit = fabs(pdev - pold) / (fabs(pdev) + 0.1);
  F->converged = F->crit < tol;
  int chol_failed = 0, have_dir = 0;
  while (!F->converged && F->iter < maxiter) {
    rc = lg_newton(L, L->beta, L->eta);
    if (rc == CAUSAL_ESINGULAR) {
      chol_failed = 1;
      break;
    }
    CZ_CHECK(rc);
    have_dir = 1;
    pold = pdev;
    int moved;
    CZ_CHECK(lg_linesearch(L, &pdev, &moved));
    F->iter++;
    F->crit = fabs(pdev - pold) / (fabs(pdev) + 0.1);
    F->converged = F->crit < tol;
  }

  /* Polish (quadratic convergence gives full precision in a step or two,
   * where glm stops one step earlier) and, without a penalty, watch for
   * a separating direction. */
  int hits = 0;
  double zprev = INFINITY;
  F->separated = 0;
  F->polished = 0;
  for (int t = 0; t < LG_POST && !chol_failed; t++) {
    rc = lg_newton(L, L->beta, L->eta);
    if (rc == CAUSAL_ESINGULAR) {
      chol_failed = 1;
      break;
    }
    CZ_CHECK(rc);
    have_dir = 1;
    CZ_CHECK(lg_separates(L, L->delta, &F->sep));
    double z = F->sep.zmax;
    if (probe_sep && F->sep.separates && z > 0.1) {
      if (++hits >= LG_SEP_HITS) {
        F->separated = 1;
        break;
      }
    } else {
      hits = 0;
    }
    /* Near the optimum the steps shrink quadratically until they reach
     * the rounding floor of the gradient; stop there. (The deviance is
     * no guide: its changes fall below rounding long before the
     * coefficients stop improving.) */
    if (z <= 1e-3 && !(z < 0.25 * zprev)) {
      F->polished = 1;
      break;
    }
    int moved;
    CZ_CHECK(lg_linesearch(L, &pdev, &moved));
    if (!moved) {
      /* No step length decreases the objective: at the optimum if the
       * step was negligible, otherwise the likelihood is still rising at
       * rounding level along a direction, i.e. separation. */
      if (z > 1e-3)
        F->separated = probe_sep && F->sep.separates;
      else
        F->polished = 1;
      break;
    }
    zprev = z;
  }
  if (chol_failed && probe_sep && have_dir) {
    CZ_CHECK(lg_separates(L, L->delta, &F->sep));
    F->separated = F->sep.separates;
  }
  if (chol_failed && !F->separated)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: the Fisher information became singular after %d "
                   "iterations (fitted probabilities numerically 0 or 1)",
                   WHO, F->iter);
  F->sepdir = L->delta;
  F->pdev = pdev;
  F->dev = lg_deviance(L, L->eta);
  return CAUSAL_OK;
}

/* Null deviance: intercept-only model with the offset (as glm refits it),
 * or eta = offset without an intercept. */
static double lg_null_deviance(const lg *L, int has_icpt) {
  double a = 0;
  if (has_icpt) {
    double sw = 0, sy = 0;
    for (size_t i = 0; i < L->n; i++) {
      sw += lg_w(L, i);
      sy += lg_w(L, i) * L->y[i];
    }
    a = log(sy / (sw - sy));
    if (L->off != NULL)
      for (int it = 0; it < 100; it++) {
        double g = 0, h = 0;
        for (size_t i = 0; i < L->n; i++) {
          double e = a + L->off[i], p = lg_prob(e);
          g += lg_w(L, i) * (L->y[i] - p);
          h += lg_w(L, i) * lg_var(e);
        }
        double step = g / h;
        a += step;
        if (!(fabs(step) > 1e-13 * (1.0 + fabs(a))))
          break;
      }
  }
  double d = 0;
  for (size_t i = 0; i < L->n; i++)
    d += lg_w(L, i) *
         lg_unit_dev(L->y[i], (has_icpt ? a : 0) + (L->off ? L->off[i] : 0));
  return d;
}

/* ---- input checks -------------------------------------------------------- */

static size_t lg_row(const cz_frame *f, size_t i) {
  return f->rows != NULL ? f->rows[i] : i;
}

static int lg_check(const cz_frame *f) {
  if (f->n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no rows to fit", WHO);
  if (f->k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the model has no terms", WHO);
  if (f->y == NULL || f->X == NULL || f->xnames == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: incomplete model frame", WHO);
  size_t n1 = 0;
  double sw1 = 0, sw0 = 0;
  for (size_t i = 0; i < f->n; i++) {
    double y = f->y[i];
    if (isnan(y))
      return cz_fail(CAUSAL_ENONFINITE, "%s: outcome y at row %zu is NaN", WHO,
                     lg_row(f, i));
    if (y != 0 && y != 1)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: outcome y at row %zu is %g; logistic regression "
                     "needs y in {0, 1}",
                     WHO, lg_row(f, i), y);
    double w = 1;
    if (f->w != NULL) {
      w = f->w[i];
      if (!isfinite(w))
        return cz_fail(CAUSAL_ENONFINITE, "%s: weight at row %zu is %s", WHO,
                       lg_row(f, i), isnan(w) ? "NaN" : "infinite");
      if (w < 0)
        return cz_fail(CAUSAL_ERANGE, "%s: weight at row %zu is negative (%g)",
                       WHO, lg_row(f, i), w);
    }
    if (f->offset != NULL && !isfinite(f->offset[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: offset at row %zu is %s", WHO,
                     lg_row(f, i), isnan(f->offset[i]) ? "NaN" : "infinite");
    n1 += y == 1;
    if (y == 1)
      sw1 += w;
    else
      sw0 += w;
  }
  for (size_t j = 0; j < f->k; j++)
    for (size_t i = 0; i < f->n; i++)
      if (!isfinite(f->X[i + j * f->n]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: term '%s' at row %zu is %s", WHO,
                       f->xnames[j], lg_row(f, i),
                       isnan(f->X[i + j * f->n]) ? "NaN" : "infinite");
  if (n1 == 0 || n1 == f->n || !(sw1 > 0) || !(sw0 > 0))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: outcome y is constant (all %s%s) in the %zu rows used; "
                   "logistic regression needs both outcomes",
                   WHO, (n1 == 0 || !(sw1 > 0)) ? "0" : "1",
                   (n1 != 0 && n1 != f->n) ? " with positive weight" : "",
                   f->n);
  if (f->n < f->k)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: too few rows: %zu rows for %zu coefficients", WHO, f->n,
                   f->k);
  return CAUSAL_OK;
}

/* ---- covariance ------------------------------------------------------------
 */

static int lg_vcov_type(const causal_regress *m, const cz_frame *f, int *type) {
  int t = (int)m->vcov;
  if (t == 0)
    t = f->ncluster_dims > 0 ? CAUSAL_VCOV_CR1 : CAUSAL_VCOV_CLASSICAL;
  if (t == CAUSAL_VCOV_CR2)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: vcov CR2 (Bell-McCaffrey) is not available for logit; "
                   "use CR0 or CR1",
                   WHO);
  if (m->ssc != 0 && (m->ssc < CAUSAL_SSC_R || m->ssc > CAUSAL_SSC_FIXEST))
    return cz_fail(CAUSAL_ERANGE, "%s: unknown small-sample convention %d", WHO,
                   (int)m->ssc);
  if (t < CAUSAL_VCOV_CLASSICAL || t > CAUSAL_VCOV_CR2)
    return cz_fail(CAUSAL_ERANGE, "%s: unknown vcov type %d", WHO, t);
  if ((t == CAUSAL_VCOV_CR0 || t == CAUSAL_VCOV_CR1) && f->ncluster_dims == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: vcov %s needs a cluster column "
                   "(causal_regress_add_cluster)",
                   WHO, t == CAUSAL_VCOV_CR0 ? "CR0" : "CR1");
  *type = t;
  return CAUSAL_OK;
}

/* V (k x k): classical = (X'WX + pen)^{-1}; sandwich types through
 * cz_vcov_compute with the working-weight-scaled design
 *   X~ = diag(sqrt(W)) X,  u = w (y - p) / sqrt(W),  W = w p (1 - p),
 * so X~_i u_i = x_i w_i (y_i - p_i) are the score contributions, the bread
 * is the classical V and the leverages x~_i' V x~_i are the GLM hat values
 * (sandwich's hatvalues.glm). */
static int lg_vcov(lg *L, const cz_frame *f, const causal_regress *m, int type,
                   double *V, const char **label) {
  cz_mat H = cz_mat_dense(L->H, L->k, L->k);
  /* Final gradient (for max_abs_gradient) and Cholesky of the information. */
  CZ_CHECK(lg_newton(L, L->beta, L->eta));
  CZ_CHECK(cz_chol_inverse(WHO, H));
  for (size_t j = 0; j < L->k; j++)
    for (size_t i = 0; i < L->k; i++)
      L->H[i + j * L->k] *= L->hs[i] * L->hs[j];
  memcpy(V, L->H, L->k * L->k * sizeof(double));
  if (type == CAUSAL_VCOV_CLASSICAL) {
    *label = "classical";
    return CAUSAL_OK;
  }
  size_t nk;
  if (!cz_mul_size(L->n, L->k, &nk))
    return cz_fail(CAUSAL_ENOMEM, "%s: design too large", WHO);
  double *Xs = cz_malloc(&L->a, nk * sizeof(double));
  if (Xs == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < L->n; i++) {
    double W = lg_w(L, i) * lg_var(L->eta[i]), sw = sqrt(W);
    L->tmp[i] = lg_w(L, i) * (L->y[i] - lg_prob(L->eta[i])) / sw;
    for (size_t j = 0; j < L->k; j++)
      Xs[i + j * L->n] = L->X[i + j * L->n] * sw;
  }
  cz_vcov_in in;
  memset(&in, 0, sizeof in);
  in.X = Xs;
  in.u = L->tmp;
  in.bread = L->H;
  in.n = L->n;
  in.k = L->k;
  in.type = type;
  in.ssc = m->ssc != 0 ? (int)m->ssc : CAUSAL_SSC_R;
  /* Stata's logit (an ml model) uses n/(n-1) for robust and G/(G-1) for
   * cluster standard errors, which vcov.c's factors N/(N-df_model) and
   * G/(G-1) (N-1)/(N-df_model) give with df_model = 1. */
  in.df_model = in.ssc == CAUSAL_SSC_STATA ? 1 : L->k;
  for (size_t c = 0; c < f->ncluster_dims && c < 2; c++) {
    in.cl[c] = f->cl[c];
    in.ncl[c] = f->ncl[c];
  }
  in.ncluster_dims = f->ncluster_dims;
  in.sigma2 = 1.0;
  cz_vcov_out out;
  memset(&out, 0, sizeof out);
  out.V = V;
  int rc = cz_vcov_compute(&L->a, &in, &out);
  cz_free(&L->a, Xs);
  if (rc != CAUSAL_OK)
    return rc;
  *label = out.label;
  return CAUSAL_OK;
}

/* ---- results ------------------------------------------------------------- */

static int lg_results(causal_result *r, lg *L, const cz_frame *f,
                      const causal_regress *m, const char *const *names,
                      const double *V, const char *label, const lg_fit *F,
                      double null_dev, int type) {
  size_t k = L->k;
  double level = m->conf_level > 0 && m->conf_level < 1 ? m->conf_level : 0.95;
  double crit = cz_qnorm(0.5 + level / 2, 1, 0);
  double *tab = cz_result_alloc_values(r, 6 * k);
  if (tab == NULL)
    return CAUSAL_ENOMEM;
  double *est = tab, *se = tab + k, *zs = tab + 2 * k, *pv = tab + 3 * k,
         *lo = tab + 4 * k, *hi = tab + 5 * k;
  for (size_t j = 0; j < k; j++) {
    est[j] = L->beta[j];
    se[j] = sqrt(V[j + j * k]);
    zs[j] = est[j] / se[j];
    pv[j] = 2 * cz_pnorm(-fabs(zs[j]), 1, 0);
    lo[j] = est[j] - crit * se[j];
    hi[j] = est[j] + crit * se[j];
  }
  int rc =
      causal_result_set_table(r, "coef", names, k, est, se, zs, pv, lo, hi);
  cz_result_free_values(r, tab);
  CZ_CHECK(rc);
  CZ_CHECK(causal_result_set_matrix(r, "vcov", V, k, k, names, names));
  CZ_CHECK(causal_result_set_string(r, "vcov_type", label));
  CZ_CHECK(causal_result_set_string(r, "statistic", "z"));
  CZ_CHECK(causal_result_set_scalar(r, "df", INFINITY));
  CZ_CHECK(causal_result_set_scalar(r, "nobs", (double)L->n));
  CZ_CHECK(causal_result_set_scalar(r, "n_dropped", (double)f->n_dropped));
  CZ_CHECK(causal_result_set_vector(
      r, "dropped_by_column", f->dropped_by_col,
      f->dropped_by_col != NULL ? f->n_used_cols : 0,
      f->dropped_by_col != NULL ? (const char *const *)f->used_cols : NULL));
  if (type == CAUSAL_VCOV_CR0 || type == CAUSAL_VCOV_CR1) {
    CZ_CHECK(causal_result_set_scalar(r, "n_clusters", (double)f->ncl[0]));
    if (f->ncluster_dims > 1)
      CZ_CHECK(causal_result_set_scalar(r, "n_clusters2", (double)f->ncl[1]));
  }
  double loglik = -F->dev / 2;
  CZ_CHECK(causal_result_set_scalar(r, "deviance", F->dev));
  CZ_CHECK(causal_result_set_scalar(r, "null_deviance", null_dev));
  CZ_CHECK(causal_result_set_scalar(r, "loglik", loglik));
  CZ_CHECK(causal_result_set_scalar(r, "aic", F->dev + 2.0 * (double)k));
  CZ_CHECK(causal_result_set_scalar(r, "bic",
                                    F->dev + log((double)L->n) * (double)k));
  CZ_CHECK(causal_result_set_scalar(r, "df_residual", (double)(L->n - k)));
  CZ_CHECK(causal_result_set_scalar(r, "df_null",
                                    (double)(L->n - (m->intercept ? 1 : 0))));
  CZ_CHECK(causal_result_set_scalar(r, "iterations", (double)F->iter));
  CZ_CHECK(causal_result_set_scalar(r, "converged", F->converged ? 1 : 0));
  CZ_CHECK(causal_result_set_scalar(r, "tolerance", F->crit));
  CZ_CHECK(causal_result_set_scalar(r, "max_abs_gradient", L->gmax));
  CZ_CHECK(causal_result_set_scalar(r, "l2", m->l2 > 0 ? m->l2 : 0));
  CZ_CHECK(causal_result_set_scalar(r, "penalized_deviance", F->pdev));
  if (m->keep_fitted) {
    double *v = cz_result_alloc_values(r, L->n);
    if (v == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < L->n; i++)
      v[i] = lg_prob(L->eta[i]);
    CZ_CHECK(cz_result_take_vector(r, "fitted", v, L->n, NULL));
    v = cz_result_alloc_values(r, L->n);
    if (v == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < L->n; i++)
      v[i] = L->y[i] - lg_prob(L->eta[i]);
    CZ_CHECK(cz_result_take_vector(r, "residuals", v, L->n, NULL));
    v = cz_result_alloc_values(r, L->n);
    if (v == NULL)
      return CAUSAL_ENOMEM;
    memcpy(v, L->eta, L->n * sizeof(double));
    CZ_CHECK(cz_result_take_vector(r, "linear_predictor", v, L->n, NULL));
  }
  return CAUSAL_OK;
}

/* ---- rank --------------------------------------------------------------- */

/* Pivoted QR of diag(sqrt(w)) X decides the kept columns. */
static int lg_rank(const cz_frame *f, const causal_regress *m, bool *dropped,
                   size_t *kept, double *tol_used) {
  cz_alloc a = f->alloc;
  size_t nk;
  if (!cz_mul_size(f->n, f->k, &nk))
    return cz_fail(CAUSAL_ENOMEM, "%s: design too large", WHO);
  double *Xw = cz_malloc(&a, nk * sizeof(double));
  if (Xw == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < f->k; j++)
    for (size_t i = 0; i < f->n; i++)
      Xw[i + j * f->n] =
          f->X[i + j * f->n] * (f->w != NULL ? sqrt(f->w[i]) : 1.0);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, &a);
  cz_ws_init(&ws, &a);
  int rc =
      cz_qr_factor(WHO, &qr, cz_cmat_dense(Xw, f->n, f->k), m->rank_tol, &ws);
  if (rc == CAUSAL_OK) {
    *kept = 0;
    *tol_used = qr.tol;
    for (size_t j = 0; j < f->k; j++) {
      dropped[j] = qr.dropped[j];
      *kept += !dropped[j];
    }
  }
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  cz_free(&a, Xw);
  return rc;
}

/* Same wording and policy as OLS (regress.c): "dropped_terms" lists the
 * dropped columns ("" if none) plus a warning, or an error with
 * CAUSAL_RANK_ERROR. */
static int lg_dropped_text(causal_result *r, const cz_frame *f,
                           const bool *dropped, size_t kept, double tol,
                           int as_error) {
  cz_buf b;
  cz_buf_init(&b, &f->alloc);
  size_t nd = 0;
  for (size_t j = 0; j < f->k; j++)
    if (dropped[j]) {
      cz_buf_printf(&b, "%s%s", nd ? ", " : "", f->xnames[j]);
      nd++;
    }
  cz_buf_append(&b, "", 1);
  if (b.failed) {
    cz_buf_free(&b);
    return cz_fail(CAUSAL_ENOMEM, "%s: out of memory", WHO);
  }
  int rc = CAUSAL_OK;
  if (kept == 0) {
    rc = cz_fail(CAUSAL_ESINGULAR, "%s: every regressor is zero (%s)", WHO,
                 b.data);
  } else if (as_error && nd > 0) {
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "%s: the design is rank deficient (rank %zu of %zu "
                 "columns): %s collinear with the other columns "
                 "(RANK_TOL %g)",
                 WHO, kept, f->k, b.data, tol);
  } else {
    rc = causal_result_set_string(r, "dropped_terms", b.data);
    if (rc == CAUSAL_OK && nd > 0) {
      cz_buf msg;
      cz_buf_init(&msg, &f->alloc);
      cz_buf_printf(&msg,
                    "rank deficient design (rank %zu of %zu): dropped "
                    "collinear terms: %s",
                    kept, f->k, b.data);
      cz_buf_append(&msg, "", 1);
      rc = msg.failed ? cz_fail(CAUSAL_ENOMEM, "%s: out of memory", WHO)
                      : causal_result_add_warning(r, msg.data);
      cz_buf_free(&msg);
    }
  }
  cz_buf_free(&b);
  return rc;
}

/* ---- entry ----------------------------------------------------------------
 */

static void lg_free(lg *L) {
  cz_free(&L->a, L->X);
  cz_free(&L->a, L->kblock);
  cz_free(&L->a, L->nblock);
  cz_ws_free(&L->ws);
}

static int lg_alloc(lg *L, size_t n, size_t k) {
  size_t nk, kk, nb, kb;
  if (!cz_mul_size(n, k, &nk) || !cz_mul_size(k, k, &kk) ||
      !cz_mul_size(n, 4 * sizeof(double), &nb) ||
      !cz_mul_size(kk + 7 * k, sizeof(double), &kb) ||
      !cz_mul_size(nk, sizeof(double), &nk))
    return cz_fail(CAUSAL_ENOMEM, "%s: design too large", WHO);
  L->X = cz_malloc(&L->a, nk);
  L->kblock = L->beta = cz_calloc(&L->a, 1, kb);
  L->nblock = L->eta = cz_malloc(&L->a, nb);
  if (L->X == NULL || L->beta == NULL || L->eta == NULL)
    return CAUSAL_ENOMEM;
  L->bnew = L->beta + k;
  L->delta = L->bnew + k;
  L->g = L->delta + k;
  L->pen = L->g + k;
  L->colmax = L->pen + k;
  L->H = L->colmax + k; /* k x k */
  L->hs = L->H + kk;
  L->enew = L->eta + n;
  L->wt = L->enew + n;
  L->tmp = L->wt + n;
  return CAUSAL_OK;
}

int cz_logit_fit(causal_result *r, const cz_frame *f, const causal_regress *m) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(m);
  CZ_CHECK(lg_check(f));
  if (f->nfe > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: absorbed fixed effects are not supported for logit "
                   "(the incidental-parameter problem biases the slopes); "
                   "add the factor as a categorical term instead",
                   WHO);
  int type = 0;
  CZ_CHECK(lg_vcov_type(m, f, &type));
  if (!(m->l2 >= 0) || !isfinite(m->l2))
    return cz_fail(CAUSAL_ERANGE, "%s: L2 penalty %g must be finite and >= 0",
                   WHO, m->l2);
  int maxiter = m->maxiter > 0
                    ? (int)(m->maxiter < 100000 ? m->maxiter : 100000)
                    : LG_MAXITER_DEFAULT;
  double tol = m->tol > 0 ? m->tol : LG_TOL_DEFAULT;

  cz_alloc a = f->alloc;
  lg L;
  memset(&L, 0, sizeof L);
  L.a = a;
  cz_ws_init(&L.ws, &a);
  bool *dropped = cz_calloc(&a, f->k, sizeof(bool));
  const char **names = cz_calloc(&a, f->k, sizeof(char *));
  double *V = NULL;
  int rc = CAUSAL_ENOMEM;
  if (dropped == NULL || names == NULL)
    goto done;
  size_t k = 0;
  double rtol = 0;
  rc = lg_rank(f, m, dropped, &k, &rtol);
  if (rc != CAUSAL_OK)
    goto done;
  rc = lg_dropped_text(r, f, dropped, k, rtol, m->rank == CAUSAL_RANK_ERROR);
  if (rc != CAUSAL_OK)
    goto done;
  rc = lg_alloc(&L, f->n, k);
  if (rc != CAUSAL_OK)
    goto done;
  L.n = f->n;
  L.k = k;
  L.y = f->y;
  L.w = f->w;
  L.off = f->offset;
  int icpt = -1;
  for (size_t j = 0, c = 0; j < f->k; j++) {
    if (dropped[j])
      continue;
    names[c] = f->xnames[j];
    memcpy(L.X + c * f->n, f->X + j * f->n, f->n * sizeof(double));
    int is_icpt = strcmp(f->xnames[j], "(Intercept)") == 0;
    if (is_icpt)
      icpt = (int)c;
    L.pen[c] = is_icpt ? 0.0 : m->l2;
    double cm = 0;
    for (size_t i = 0; i < f->n; i++)
      if (fabs(f->X[i + j * f->n]) > cm)
        cm = fabs(f->X[i + j * f->n]);
    L.colmax[c] = cm;
    c++;
  }
  int has_icpt = 0;
  for (size_t j = 0; j < f->k; j++)
    has_icpt |= strcmp(f->xnames[j], "(Intercept)") == 0;

  lg_fit F;
  memset(&F, 0, sizeof F);
  rc = lg_iterate(&L, maxiter, tol, !(m->l2 > 0), &F);
  if (rc != CAUSAL_OK)
    goto done;
  if (F.separated) {
    double *d = NULL;
    rc = lg_sep_prune(&L, F.sepdir, &F.sep, icpt, &d);
    if (rc == CAUSAL_OK)
      rc = lg_sep_fail(&L, d, &F.sep, names, icpt);
    goto done;
  }
  if (!F.converged) {
    rc = cz_fail(CAUSAL_ENOCONV,
                 "%s: no convergence in %d iterations: relative change of "
                 "the penalized deviance %.3g > tol %.3g (max |gradient| "
                 "%.3g); raise CAUSAL_REGRESS_MAXITER",
                 WHO, F.iter, F.crit, tol, L.gmax);
    goto done;
  }
  if (!F.polished) {
    rc = cz_fail(CAUSAL_ENOCONV,
                 "%s: the deviance converged in %d iterations but the "
                 "coefficients are still moving (max |x'step| %.3g); the "
                 "data may be nearly separated",
                 WHO, F.iter, F.sep.zmax);
    goto done;
  }
  V = cz_malloc(&a, k * k * sizeof(double));
  rc = CAUSAL_ENOMEM;
  if (V == NULL)
    goto done;
  const char *label = NULL;
  if (f->ncluster_dims > 0 && type != CAUSAL_VCOV_CR0 &&
      type != CAUSAL_VCOV_CR1) {
    rc = causal_result_add_warning(
        r, "cluster columns are ignored by the chosen non-cluster vcov");
    if (rc != CAUSAL_OK)
      goto done;
  }
  rc = lg_vcov(&L, f, m, type, V, &label);
  if (rc != CAUSAL_OK)
    goto done;
  double null_dev = lg_null_deviance(&L, has_icpt);
  rc = lg_results(r, &L, f, m, names, V, label, &F, null_dev, type);
done:
  cz_free(&a, V);
  cz_free(&a, names);
  cz_free(&a, dropped);
  lg_free(&L);
  return rc;
}
