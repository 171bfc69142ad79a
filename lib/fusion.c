/* Fusion of randomized and observational estimates: the causal_fusion
 * specification, estimate-level combinations (IVW/GLS, DerSimonian–Laird,
 * REML, power prior, test-then-pool, MSE-optimal weight, robust mixture
 * prior) and shrinkage across strata. Formulas: docs/methods/fusion.md.
 * The data-level pipeline is in lib/fusion_data.c.
 *
 * k is small (a handful of sources), so everything works on dense k x k
 * matrices through the Cholesky helpers of lib/internal/linalg.h. */
#include "internal/fusion.h"
#include "internal/dist.h"
#include "internal/linalg.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ======================================================================
 * Specification and options
 * ====================================================================== */

int causal_fusion_new(causal_fusion **out, int method) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (method < CAUSAL_FUSION_IVW || method > CAUSAL_FUSION_MIXTURE)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_fusion_new: method %d is not one of "
                   "CAUSAL_FUSION_IVW (1) .. CAUSAL_FUSION_MIXTURE (7)",
                   method);
  cz_alloc a = cz_alloc_current();
  causal_fusion *f = cz_calloc(&a, 1, sizeof *f);
  if (f == NULL)
    return CAUSAL_ENOMEM;
  f->alloc = a;
  f->method = method;
  f->rct = 0;
  f->maxiter = 1000;
  f->obs_estimator = CAUSAL_FUSION_OBS_REGRESSION;
  f->rct_adjust = 0;
  f->vcov = CAUSAL_VCOV_HC2;
  f->conf_level = 0.95;
  f->bias_var = 0;
  f->pretest_alpha = 0.05;
  f->mix_weight = 0.2;
  f->mix_sd = 0;
  f->tol = 1e-12;
  f->transport = CAUSAL_FUSION_IPSW;
  *out = f;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_fusion_free(causal_fusion *f) {
  if (f == NULL)
    return;
  const cz_alloc *a = &f->alloc;
  cz_free(a, f->outcome);
  cz_free(a, f->treatment);
  cz_free(a, f->source);
  cz_free(a, f->stratum);
  for (size_t i = 0; i < f->nterms; i++)
    cz_free(a, f->terms[i]);
  cz_free(a, f->terms);
  for (size_t i = 0; i < f->nsurr; i++)
    cz_free(a, f->surr[i]);
  cz_free(a, f->surr);
  cz_free(a, f);
}

typedef struct optdef {
  int key;
  int is_int;
  double min, max;
  int min_open, max_open;
  const char *name;
} optdef;

static const optdef optdefs[] = {
    {CAUSAL_FUSION_METHOD, 1, 1, 7, 0, 0, "CAUSAL_FUSION_METHOD"},
    {CAUSAL_FUSION_RCT, 1, 0, 1e9, 0, 0, "CAUSAL_FUSION_RCT"},
    {CAUSAL_FUSION_MAXITER, 1, 1, 1e9, 0, 0, "CAUSAL_FUSION_MAXITER"},
    {CAUSAL_FUSION_OBS_ESTIMATOR, 1, 1, 3, 0, 0,
     "CAUSAL_FUSION_OBS_ESTIMATOR"},
    {CAUSAL_FUSION_RCT_ADJUST, 1, 0, 1, 0, 0, "CAUSAL_FUSION_RCT_ADJUST"},
    {CAUSAL_FUSION_VCOV, 1, 2, 5, 0, 0, "CAUSAL_FUSION_VCOV"},
    {CAUSAL_FUSION_TRANSPORT, 1, 1, 2, 0, 0, "CAUSAL_FUSION_TRANSPORT"},
    {CAUSAL_FUSION_CONF_LEVEL, 0, 0, 1, 1, 1, "CAUSAL_FUSION_CONF_LEVEL"},
    {CAUSAL_FUSION_BIAS_VAR, 0, 0, INFINITY, 0, 0, "CAUSAL_FUSION_BIAS_VAR"},
    {CAUSAL_FUSION_PRETEST_ALPHA, 0, 0, 1, 1, 1,
     "CAUSAL_FUSION_PRETEST_ALPHA"},
    {CAUSAL_FUSION_MIX_WEIGHT, 0, 0, 1, 1, 1, "CAUSAL_FUSION_MIX_WEIGHT"},
    {CAUSAL_FUSION_MIX_SD, 0, 0, DBL_MAX, 0, 0, "CAUSAL_FUSION_MIX_SD"},
    {CAUSAL_FUSION_TOL, 0, 0, 1, 1, 1, "CAUSAL_FUSION_TOL"},
};

static int opt_lookup(const char *fn, int key, int want_int,
                      const optdef **out) {
  for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++) {
    const optdef *o = &optdefs[i];
    if (o->key != key)
      continue;
    if (want_int >= 0 && o->is_int != want_int)
      return cz_fail(CAUSAL_EINVAL, "%s: %s is %s option; use %s", fn, o->name,
                     o->is_int ? "an integer" : "a real",
                     o->is_int ? "causal_fusion_set_int/get_int"
                               : "causal_fusion_set_double/get_double");
    *out = o;
    return CAUSAL_OK;
  }
  return cz_fail(CAUSAL_EINVAL, "%s: unknown option key %d", fn, key);
}

int causal_fusion_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, -1, &o));
  *min = o->min;
  *max = o->max;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_fusion *f, int key) {
  switch (key) {
  case CAUSAL_FUSION_METHOD:
    return &f->method;
  case CAUSAL_FUSION_RCT:
    return &f->rct;
  case CAUSAL_FUSION_MAXITER:
    return &f->maxiter;
  case CAUSAL_FUSION_OBS_ESTIMATOR:
    return &f->obs_estimator;
  case CAUSAL_FUSION_RCT_ADJUST:
    return &f->rct_adjust;
  case CAUSAL_FUSION_TRANSPORT:
    return &f->transport;
  default:
    return &f->vcov;
  }
}

static double *dbl_slot(causal_fusion *f, int key) {
  switch (key) {
  case CAUSAL_FUSION_CONF_LEVEL:
    return &f->conf_level;
  case CAUSAL_FUSION_BIAS_VAR:
    return &f->bias_var;
  case CAUSAL_FUSION_PRETEST_ALPHA:
    return &f->pretest_alpha;
  case CAUSAL_FUSION_MIX_WEIGHT:
    return &f->mix_weight;
  case CAUSAL_FUSION_MIX_SD:
    return &f->mix_sd;
  default:
    return &f->tol;
  }
}

int causal_fusion_set_int(causal_fusion *f, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(f);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  if ((double)value < o->min || (double)value > o->max)
    return cz_fail(CAUSAL_ERANGE, "causal_fusion_set_int: %s = %lld is outside [%g, %g]",
                   o->name, (long long)value, o->min, o->max);
  *int_slot(f, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_fusion_set_double(causal_fusion *f, int key, double value) {
  CZ_REQUIRE_NONNULL(f);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  if (isnan(value))
    return cz_fail(CAUSAL_ENONFINITE, "causal_fusion_set_double: %s is NaN",
                   o->name);
  if (value < o->min || value > o->max || (o->min_open && value == o->min) ||
      (o->max_open && value == o->max))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_fusion_set_double: %s = %g is outside %s%g, %g%s",
                   o->name, value, o->min_open ? "(" : "[", o->min, o->max,
                   o->max_open ? ")" : "]");
  *dbl_slot(f, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_fusion_get_int(const causal_fusion *f, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  *value = *int_slot((causal_fusion *)f, key);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_fusion_get_double(const causal_fusion *f, int key, double *value) {
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  *value = *dbl_slot((causal_fusion *)f, key);
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Linear algebra on k x k: GLS with V + D (D diagonal)
 * ====================================================================== */

typedef struct fz_work {
  size_t k;
  double *M, *Minv, *u, *v, *e, *tmp; /* k*k, k*k, k, k, k, k */
} fz_work;

static int work_init(const cz_alloc *a, fz_work *w, size_t k) {
  memset(w, 0, sizeof *w);
  w->k = k;
  size_t kk;
  if (!cz_mul_size(k, k, &kk) || kk > SIZE_MAX / 2 - 4 * k)
    return cz_fail(CAUSAL_ERANGE, "fusion: k = %zu is too large", k);
  double *buf = cz_calloc(a, 2 * kk + 4 * k, sizeof(double));
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  w->M = buf;
  w->Minv = buf + kk;
  w->u = buf + 2 * kk;
  w->v = w->u + k;
  w->e = w->v + k;
  w->tmp = w->e + k;
  return CAUSAL_OK;
}

static void work_free(const cz_alloc *a, fz_work *w) { cz_free(a, w->M); }

/* GLS of y (over the index set sel, nsel entries) with covariance
 * V + diag(add): mu = 1'M^-1 y / 1'M^-1 1, var = 1 / 1'M^-1 1, weights
 * w = M^-1 1 / 1'M^-1 1 (length nsel). Fills w->Minv with M^-1 when want_inv.
 * Not positive definite: CAUSAL_EINVAL naming the covariance. */
static int gls(fz_work *w, const double *y, const double *V, size_t k,
               const size_t *sel, size_t nsel, const double *add,
               double *mu, double *var, double *weights, int want_inv) {
  cz_mat M = cz_mat_dense(w->M, nsel, nsel);
  for (size_t j = 0; j < nsel; j++)
    for (size_t i = 0; i < nsel; i++)
      CZ_AT(M, i, j) = V[sel[i] + sel[j] * k] +
                       (i == j && add != NULL ? add[sel[i]] : 0.0);
  int rc = cz_chol("causal_fusion", "the source covariance", M);
  if (rc == CAUSAL_ENOMEM)
    return rc;
  if (rc != CAUSAL_OK) {
    char why[256]; /* copy: the message buffer is rewritten below */
    snprintf(why, sizeof why, "%s", causal_last_error());
    return cz_fail(CAUSAL_EINVAL,
                   "causal_fusion: the covariance of the sources is not "
                   "positive definite (%s)",
                   why);
  }
  for (size_t i = 0; i < nsel; i++) {
    w->u[i] = 1.0;
    w->v[i] = y[sel[i]];
  }
  cz_mat U = cz_mat_dense(w->u, nsel, 1), Y = cz_mat_dense(w->v, nsel, 1);
  CZ_CHECK(cz_chol_solve("causal_fusion", cz_mat_c(M), U));
  CZ_CHECK(cz_chol_solve("causal_fusion", cz_mat_c(M), Y));
  double su = 0, sv = 0;
  for (size_t i = 0; i < nsel; i++) {
    su += w->u[i];
    sv += w->v[i];
  }
  if (!(su > 0))
    return cz_fail(CAUSAL_EINVAL, "causal_fusion: 1'V^-1 1 = %g is not "
                                  "positive; the covariance is degenerate",
                   su);
  *mu = sv / su;
  *var = 1.0 / su;
  if (weights)
    for (size_t i = 0; i < nsel; i++)
      weights[i] = w->u[i] / su;
  if (want_inv) {
    CZ_CHECK(cz_chol_inverse("causal_fusion", M));
    memcpy(w->Minv, w->M, nsel * nsel * sizeof(double));
  }
  return CAUSAL_OK;
}

/* Quadratic form e' Minv e on the full index set. */
static double quad(const double *Minv, const double *e, size_t k) {
  double s = 0;
  for (size_t j = 0; j < k; j++) {
    double t = 0;
    for (size_t i = 0; i < k; i++)
      t += Minv[i + j * k] * e[i];
    s += t * e[j];
  }
  return s;
}

/* ======================================================================
 * Input validation
 * ====================================================================== */

static int check_inputs(const char *fn, const causal_fusion *f,
                        const double *est, const double *se, size_t k,
                        const double *cov) {
  CZ_REQUIRE_NONNULL(f);
  if (est == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'est' is NULL", fn);
  if (se == NULL && cov == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: both 'se' and 'cov' are NULL; give the standard "
                   "errors or the covariance",
                   fn);
  if (k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: k = 0 sources", fn);
  if ((size_t)f->rct >= k)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: CAUSAL_FUSION_RCT = %lld but there are only %zu "
                   "sources (0-based index)",
                   fn, (long long)f->rct, k);
  if (k > 100000)
    return cz_fail(CAUSAL_ERANGE, "%s: k = %zu sources is too many (at most "
                                  "100000)",
                   fn, k);
  for (size_t i = 0; i < k; i++)
    if (!isfinite(est[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: est[%zu] is %s", fn, i,
                     isnan(est[i]) ? "NaN" : "infinite");
  if (se != NULL)
    for (size_t i = 0; i < k; i++) {
      if (!isfinite(se[i]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: se[%zu] is %s", fn, i,
                       isnan(se[i]) ? "NaN" : "infinite");
      if (!(se[i] > 0))
        return cz_fail(CAUSAL_EINVAL,
                       "%s: se[%zu] = %g; standard errors must be positive",
                       fn, i, se[i]);
    }
  if (cov != NULL) {
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < k; i++) {
        double c = cov[i + j * k];
        if (!isfinite(c))
          return cz_fail(CAUSAL_ENONFINITE, "%s: cov[%zu, %zu] is %s", fn, i,
                         j, isnan(c) ? "NaN" : "infinite");
        if (i == j && !(c > 0))
          return cz_fail(CAUSAL_EINVAL,
                         "%s: cov[%zu, %zu] = %g; variances must be positive",
                         fn, i, i, c);
        double ct = cov[j + i * k];
        if (fabs(c - ct) > 1e-12 * (fabs(c) + fabs(ct)))
          return cz_fail(CAUSAL_EINVAL,
                         "%s: cov is not symmetric: cov[%zu, %zu] = %g but "
                         "cov[%zu, %zu] = %g",
                         fn, i, j, c, j, i, ct);
      }
    if (se != NULL)
      for (size_t i = 0; i < k; i++) {
        double d = cov[i + i * k], s2 = se[i] * se[i];
        if (fabs(d - s2) > 1e-10 * d)
          return cz_fail(CAUSAL_EINVAL,
                         "%s: se[%zu]^2 = %.17g differs from cov[%zu, %zu] = "
                         "%.17g",
                         fn, i, s2, i, i, d);
      }
  }
  return CAUSAL_OK;
}

/* ======================================================================
 * Estimate-level core
 * ====================================================================== */

typedef struct fz_out {
  double est, var, lo, hi, p_value; /* lo/hi NaN: normal interval */
  double *weights;                  /* k */
} fz_out;

static const char *method_name(int64_t m) {
  switch (m) {
  case CAUSAL_FUSION_IVW:
    return "ivw";
  case CAUSAL_FUSION_DL:
    return "dl";
  case CAUSAL_FUSION_REML:
    return "reml";
  case CAUSAL_FUSION_POWER_PRIOR:
    return "power-prior";
  case CAUSAL_FUSION_TEST_THEN_POOL:
    return "test-then-pool";
  case CAUSAL_FUSION_MSE:
    return "mse";
  default:
    return "mixture";
  }
}

/* Sticky result builder. */
typedef struct rb {
  causal_result *r;
  int rc;
} rb;
static void rs(rb *b, const char *name, double v) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_scalar(b->r, name, v);
}
static void rv(rb *b, const char *name, const double *v, size_t n) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_vector(b->r, name, v, n, NULL);
}
static void rstr(rb *b, const char *name, const char *v) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_set_string(b->r, name, v);
}
static void rw(rb *b, const char *text) {
  if (b->rc == CAUSAL_OK)
    b->rc = causal_result_add_warning(b->r, text);
}

/* The bias diagnostic: GLS pool of the observational sources (all but r)
 * and its standardized difference from the RCT estimate. */
typedef struct fz_bias {
  double obs, obs_var, cov_or; /* pooled obs, its variance, Cov(obs, rct) */
  double d, d_var, z, p;
  double *wobs; /* k: weights of the pooled obs (0 at r) */
} fz_bias;

static int bias_diag(fz_work *w, const double *y, const double *V, size_t k,
                     size_t r, size_t *sel, double *wtmp, fz_bias *b) {
  size_t n = 0;
  for (size_t i = 0; i < k; i++)
    if (i != r)
      sel[n++] = i;
  double mu = 0, var = 0;
  CZ_CHECK(gls(w, y, V, k, sel, n, NULL, &mu, &var, wtmp, 0));
  for (size_t i = 0; i < k; i++)
    b->wobs[i] = 0;
  double c = 0;
  for (size_t i = 0; i < n; i++) {
    b->wobs[sel[i]] = wtmp[i];
    c += wtmp[i] * V[sel[i] + r * k];
  }
  b->obs = mu;
  b->obs_var = var;
  b->cov_or = c;
  b->d = mu - y[r];
  b->d_var = var + V[r + r * k] - 2 * c;
  if (!(b->d_var > 0))
    return cz_fail(CAUSAL_EINVAL,
                   "causal_fusion: the variance of the RCT-vs-observational "
                   "difference is %g (covariance degenerate)",
                   b->d_var);
  b->z = b->d / sqrt(b->d_var);
  b->p = 2 * cz_pnorm(-fabs(b->z), 1, 0);
  return CAUSAL_OK;
}

/* Two-component (or one) normal mixture CDF. */
static double mix_cdf(double x, const double *pi, const double *m,
                      const double *s, int nc) {
  double F = 0;
  for (int j = 0; j < nc; j++)
    F += pi[j] * cz_pnorm((x - m[j]) / s[j], 1, 0);
  return F;
}

static double mix_quantile(double p, const double *pi, const double *m,
                           const double *s, int nc) {
  double lo = INFINITY, hi = -INFINITY;
  for (int j = 0; j < nc; j++) {
    lo = fmin(lo, m[j] - 40 * s[j]);
    hi = fmax(hi, m[j] + 40 * s[j]);
  }
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi);
    if (mix_cdf(mid, pi, m, s, nc) < p)
      lo = mid;
    else
      hi = mid;
    if (hi - lo <= 1e-15 * fmax(fabs(lo), fabs(hi)))
      break;
  }
  return 0.5 * (lo + hi);
}

typedef struct fz_ctx {
  const causal_fusion *f;
  const double *y, *V;
  size_t k, r;
  fz_work w;
  size_t *sel;
  double *wtmp, *add;
  fz_bias bias;
  double q, q_df, q_p; /* Cochran's Q at tau2 = 0 */
} fz_ctx;

/* Cochran's Q (generalized: residuals in the V^-1 metric). */
static int cochran_q(fz_ctx *c) {
  size_t k = c->k;
  for (size_t i = 0; i < k; i++)
    c->sel[i] = i;
  double mu = 0, var = 0;
  CZ_CHECK(gls(&c->w, c->y, c->V, k, c->sel, k, NULL, &mu, &var, NULL, 1));
  for (size_t i = 0; i < k; i++)
    c->w.e[i] = c->y[i] - mu;
  c->q = quad(c->w.Minv, c->w.e, k);
  c->q_df = (double)(k - 1);
  c->q_p = k > 1 ? cz_pchisq(c->q, c->q_df, 0, 0) : NAN;
  return CAUSAL_OK;
}

/* Plain GLS of all sources with V + diag(add). */
static int gls_all(fz_ctx *c, const double *add, fz_out *o) {
  for (size_t i = 0; i < c->k; i++)
    c->sel[i] = i;
  return gls(&c->w, c->y, c->V, c->k, c->sel, c->k, add, &o->est, &o->var,
             o->weights, 0);
}

static void rct_alone(fz_ctx *c, fz_out *o) {
  o->est = c->y[c->r];
  o->var = c->V[c->r + c->r * c->k];
  for (size_t i = 0; i < c->k; i++)
    o->weights[i] = i == c->r ? 1.0 : 0.0;
}

/* tr(P) and the P matrix pieces for tau2 (V + tau2 I). Returns tr(P),
 * y'PPy and tr(PP) in out[3]. Uses c->w.Minv and the P buffer. */
static int reml_pieces(fz_ctx *c, double tau2, double *P, double out[3]) {
  size_t k = c->k;
  for (size_t i = 0; i < k; i++) {
    c->sel[i] = i;
    c->add[i] = tau2;
  }
  double mu = 0, var = 0;
  CZ_CHECK(gls(&c->w, c->y, c->V, k, c->sel, k, c->add, &mu, &var, NULL, 1));
  const double *W = c->w.Minv;
  /* u = W 1, s = 1'W1 */
  double s = 0;
  for (size_t i = 0; i < k; i++) {
    double t = 0;
    for (size_t j = 0; j < k; j++)
      t += W[i + j * k];
    c->w.u[i] = t;
    s += t;
  }
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++)
      P[i + j * k] = W[i + j * k] - c->w.u[i] * c->w.u[j] / s;
  double trP = 0, trPP = 0, yPPy = 0;
  for (size_t i = 0; i < k; i++) {
    trP += P[i + i * k];
    double py = 0;
    for (size_t j = 0; j < k; j++) {
      py += P[i + j * k] * c->y[j];
      trPP += P[i + j * k] * P[i + j * k];
    }
    yPPy += py * py;
  }
  out[0] = trP;
  out[1] = yPPy;
  out[2] = trPP;
  return CAUSAL_OK;
}

static int tau2_dl(fz_ctx *c, double *P, double *tau2, double *vt) {
  double pc[3];
  CZ_CHECK(reml_pieces(c, 0.0, P, pc));
  double df = (double)(c->k - 1);
  *tau2 = fmax(0.0, (c->q - df) / pc[0]);
  *vt = df / pc[0];
  return CAUSAL_OK;
}

static int tau2_reml(fz_ctx *c, double *P, double *tau2, double *vt,
                     int64_t *iters) {
  double pc[3];
  /* Typical sampling variance (the I^2 denominator) from tau2 = 0. */
  CZ_CHECK(reml_pieces(c, 0.0, P, pc));
  *vt = (double)(c->k - 1) / pc[0];
  /* Start at the DL value, then Fisher scoring with step halving at the
   * boundary (metafor's scheme). */
  double t = fmax(0.0, (c->q - (double)(c->k - 1)) / pc[0]);
  double vbar = 0; /* scale of the convergence test: mean variance */
  for (size_t i = 0; i < c->k; i++)
    vbar += c->V[i + i * c->k] / (double)c->k;
  int64_t it = 0;
  for (;;) {
    if (it >= c->f->maxiter)
      return cz_fail(CAUSAL_ENOCONV,
                     "causal_fusion: REML did not converge in %lld "
                     "iterations (tolerance %g, tau2 = %g)",
                     (long long)c->f->maxiter, c->f->tol, t);
    it++;
    CZ_CHECK(reml_pieces(c, t, P, pc));
    double adj = (pc[1] - pc[0]) / pc[2];
    while (t + adj < 0)
      adj /= 2;
    double tn = t + adj;
    double change = fabs(tn - t);
    t = tn;
    if (change <= c->f->tol * fmax(t, vbar))
      break;
  }
  *tau2 = t;
  *iters = it;
  return CAUSAL_OK;
}

static const char IVW_WARNING[] =
    "inverse-variance (fixed-effect) fusion assumes every source estimates "
    "the same effect without bias; a confounded observational estimate "
    "makes the fused interval shrink around the wrong value (see the bias "
    "diagnostic)";

/* Fills the result for one method. */
static int fuse_method(fz_ctx *c, rb *b, double *P) {
  const causal_fusion *f = c->f;
  size_t k = c->k, r = c->r;
  double vr = c->V[r + r * k];
  double zc = cz_qnorm((1 + f->conf_level) / 2, 1, 0);
  double *weights = c->wtmp + k; /* second half of wtmp */
  fz_out o = {0, 0, NAN, NAN, NAN, weights};
  int64_t m = f->method;
  bool need_obs = m == CAUSAL_FUSION_TEST_THEN_POOL || m == CAUSAL_FUSION_MSE ||
                  m == CAUSAL_FUSION_MIXTURE;
  if ((need_obs || m == CAUSAL_FUSION_DL || m == CAUSAL_FUSION_REML) && k < 2)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_fusion: method '%s' needs k >= 2 sources (k = %zu)",
                   method_name(m), k);
  rstr(b, "method", method_name(m));
  switch (m) {
  case CAUSAL_FUSION_IVW: {
    CZ_CHECK(gls_all(c, NULL, &o));
    rw(b, IVW_WARNING);
    double df = (double)(k - 1);
    rs(b, "i2", k > 1 && c->q > 0 ? 100 * fmax(0, (c->q - df) / c->q) : 0);
    rs(b, "h2", k > 1 ? c->q / df : NAN);
    break;
  }
  case CAUSAL_FUSION_DL:
  case CAUSAL_FUSION_REML: {
    double tau2 = 0, vt = 0;
    int64_t iters = 0;
    if (m == CAUSAL_FUSION_DL)
      CZ_CHECK(tau2_dl(c, P, &tau2, &vt));
    else
      CZ_CHECK(tau2_reml(c, P, &tau2, &vt, &iters));
    for (size_t i = 0; i < k; i++)
      c->add[i] = tau2;
    CZ_CHECK(gls_all(c, c->add, &o));
    rs(b, "tau2", tau2);
    rs(b, "tau", sqrt(tau2));
    rs(b, "i2", 100 * tau2 / (vt + tau2));
    rs(b, "h2", (tau2 + vt) / vt);
    if (m == CAUSAL_FUSION_REML)
      rs(b, "iterations", (double)iters);
    break;
  }
  case CAUSAL_FUSION_POWER_PRIOR: {
    double s2 = f->bias_var;
    double *power = P; /* k scratch */
    if (isinf(s2) || k == 1) {
      rct_alone(c, &o);
    } else {
      for (size_t i = 0; i < k; i++)
        c->add[i] = i == r ? 0.0 : s2;
      CZ_CHECK(gls_all(c, c->add, &o));
    }
    for (size_t i = 0; i < k; i++) {
      double vi = c->V[i + i * k];
      power[i] = i == r ? 1.0 : (isinf(s2) ? 0.0 : vi / (vi + s2));
    }
    rs(b, "bias_variance", s2);
    rv(b, "power", power, k);
    break;
  }
  case CAUSAL_FUSION_TEST_THEN_POOL: {
    int pooled = c->bias.p > f->pretest_alpha;
    if (pooled)
      CZ_CHECK(gls_all(c, NULL, &o));
    else
      rct_alone(c, &o);
    rs(b, "pooled", pooled);
    rs(b, "pretest_alpha", f->pretest_alpha);
    rw(b, "test-then-pool: the reported interval ignores the pretest; its "
          "coverage is not valid after the data-driven pooling decision "
          "(it can be far below nominal when the bias is near the "
          "detection threshold)");
    break;
  }
  case CAUSAL_FUSION_MSE: {
    const fz_bias *bi = &c->bias;
    double cc = bi->cov_or, vo = bi->obs_var;
    double b2 = fmax(0.0, bi->d * bi->d - bi->d_var);
    double lam = (vr - cc) / (bi->d_var + b2);
    lam = fmin(1.0, fmax(0.0, lam));
    o.est = c->y[r] + lam * bi->d;
    double vfix =
        (1 - lam) * (1 - lam) * vr + lam * lam * vo + 2 * lam * (1 - lam) * cc;
    o.var = vfix + lam * lam * b2;
    for (size_t i = 0; i < k; i++)
      weights[i] = i == r ? 1 - lam : lam * bi->wobs[i];
    rs(b, "lambda", lam);
    rs(b, "bias2", b2);
    rs(b, "rmse", sqrt(o.var));
    rs(b, "variance_fixed_weight", vfix);
    rw(b, "mse: the interval uses the estimated root-MSE with the weight "
          "treated as fixed; it is approximate (the weight and the squared "
          "bias are estimated from the same data)");
    break;
  }
  default: { /* MIXTURE */
    const fz_bias *bi = &c->bias;
    if (bi->cov_or != 0)
      return cz_fail(CAUSAL_EINVAL,
                     "causal_fusion: the mixture prior needs the RCT to be "
                     "independent of the observational sources (cov = %g)",
                     bi->cov_or);
    double sv = f->mix_sd > 0 ? f->mix_sd : 10 * sqrt(vr);
    double s2[2] = {bi->obs_var, sv * sv};
    double prior[2] = {1 - f->mix_weight, f->mix_weight};
    double lm[2], pm[2], ps[2], bj[2], pi[2];
    for (int j = 0; j < 2; j++) {
      double tv = s2[j] + vr;
      lm[j] = log(prior[j]) + cz_dnorm((c->y[r] - bi->obs) / sqrt(tv), 1) -
              0.5 * log(tv);
      bj[j] = s2[j] / tv;
      pm[j] = bi->obs + bj[j] * (c->y[r] - bi->obs);
      ps[j] = sqrt(s2[j] * vr / tv);
    }
    double mx = fmax(lm[0], lm[1]);
    double z0 = exp(lm[0] - mx), z1 = exp(lm[1] - mx);
    pi[0] = z0 / (z0 + z1);
    pi[1] = z1 / (z0 + z1);
    o.est = pi[0] * pm[0] + pi[1] * pm[1];
    double m2 = 0;
    for (int j = 0; j < 2; j++)
      m2 += pi[j] * (ps[j] * ps[j] + pm[j] * pm[j]);
    o.var = fmax(0.0, m2 - o.est * o.est);
    double a = (1 - f->conf_level) / 2;
    o.lo = mix_quantile(a, pi, pm, ps, 2);
    o.hi = mix_quantile(1 - a, pi, pm, ps, 2);
    double F0 = mix_cdf(0.0, pi, pm, ps, 2);
    o.p_value = fmin(1.0, 2 * fmin(F0, 1 - F0));
    double wr = pi[0] * bj[0] + pi[1] * bj[1];
    for (size_t i = 0; i < k; i++)
      weights[i] = i == r ? wr : (1 - wr) * bi->wobs[i];
    rs(b, "prior_vague_weight", f->mix_weight);
    rs(b, "posterior_vague_weight", pi[1]);
    rs(b, "vague_sd", sv);
    break;
  }
  }
  double se = sqrt(o.var);
  rs(b, "estimate", o.est);
  rs(b, "std_error", se);
  rs(b, "statistic", o.est / se);
  rs(b, "p_value",
     isnan(o.p_value) ? 2 * cz_pnorm(-fabs(o.est / se), 1, 0) : o.p_value);
  rs(b, "conf_low", isnan(o.lo) ? o.est - zc * se : o.lo);
  rs(b, "conf_high", isnan(o.hi) ? o.est + zc * se : o.hi);
  rs(b, "conf_level", f->conf_level);
  rs(b, "k", (double)k);
  rs(b, "rct_estimate", c->y[r]);
  rs(b, "rct_std_error", sqrt(vr));
  rs(b, "rct_weight", weights[r]);
  rs(b, "efficiency_gain", vr / o.var - 1);
  rv(b, "weights", weights, k);
  return b->rc;
}

static void bias_entries(rb *b, const fz_ctx *c) {
  const fz_bias *bi = &c->bias;
  bool have = c->k >= 2;
  rs(b, "obs_estimate", have ? bi->obs : NAN);
  rs(b, "obs_std_error", have ? sqrt(bi->obs_var) : NAN);
  rs(b, "bias_difference", have ? bi->d : NAN);
  rs(b, "bias_std_error", have ? sqrt(bi->d_var) : NAN);
  rs(b, "bias_statistic", have ? bi->z : NAN);
  rs(b, "bias_p_value", have ? bi->p : NAN);
  rs(b, "q_statistic", c->q);
  rs(b, "q_df", c->q_df);
  rs(b, "q_p_value", c->q_p);
}

static void ctx_free(fz_ctx *c, const cz_alloc *a, double *V, double *P) {
  work_free(a, &c->w);
  cz_free(a, c->sel);
  cz_free(a, c->wtmp);
  cz_free(a, c->add);
  cz_free(a, c->bias.wobs);
  cz_free(a, V);
  cz_free(a, P);
}

/* Shared setup: V, workspace, Q, bias diagnostic. */
static int ctx_setup(fz_ctx *c, const cz_alloc *a, const causal_fusion *f,
                     const double *est, const double *se, size_t k,
                     const double *cov, double **Vout, double **Pout) {
  memset(c, 0, sizeof *c);
  *Vout = *Pout = NULL;
  c->f = f;
  c->y = est;
  c->k = k;
  c->r = (size_t)f->rct;
  double *V = cz_calloc(a, k * k, sizeof(double));
  double *P = cz_calloc(a, k * k, sizeof(double));
  *Vout = V;
  *Pout = P;
  if (V == NULL || P == NULL)
    return CAUSAL_ENOMEM;
  if (cov)
    memcpy(V, cov, k * k * sizeof(double));
  else
    for (size_t i = 0; i < k; i++)
      V[i + i * k] = se[i] * se[i];
  c->V = V;
  CZ_CHECK(work_init(a, &c->w, k));
  c->sel = cz_calloc(a, k, sizeof(size_t));
  c->wtmp = cz_calloc(a, 2 * k, sizeof(double));
  c->add = cz_calloc(a, k, sizeof(double));
  c->bias.wobs = cz_calloc(a, k, sizeof(double));
  if (!c->sel || !c->wtmp || !c->add || !c->bias.wobs)
    return CAUSAL_ENOMEM;
  CZ_CHECK(cochran_q(c));
  if (k >= 2)
    CZ_CHECK(bias_diag(&c->w, est, V, k, c->r, c->sel, c->wtmp, &c->bias));
  return CAUSAL_OK;
}

int causal_fusion_estimates(causal_result **out, const causal_fusion *f,
                            const double *est, const double *se, size_t k,
                            const double *cov) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_CHECK(check_inputs(__func__, f, est, se, k, cov));
  cz_alloc a = f->alloc;
  fz_ctx c;
  double *V = NULL, *P = NULL;
  int rc = ctx_setup(&c, &a, f, est, se, k, cov, &V, &P);
  rb b = {NULL, CAUSAL_OK};
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&b.r, "fusion");
  if (rc == CAUSAL_OK)
    rc = fuse_method(&c, &b, P);
  if (rc == CAUSAL_OK) {
    bias_entries(&b, &c);
    rc = b.rc;
  }
  ctx_free(&c, &a, V, P);
  if (rc != CAUSAL_OK) {
    causal_result_free(b.r);
    return rc;
  }
  *out = b.r;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_fusion_curve(causal_result **out, const causal_fusion *f,
                        const double *est, const double *se, size_t k,
                        const double *cov, const double *bias_var,
                        size_t ngrid) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_CHECK(check_inputs(__func__, f, est, se, k, cov));
  if (bias_var == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'bias_var' is NULL", __func__);
  if (ngrid == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: ngrid = 0", __func__);
  if (k < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: needs k >= 2 sources (k = %zu)",
                   __func__, k);
  for (size_t g = 0; g < ngrid; g++)
    if (isnan(bias_var[g]) || bias_var[g] < 0)
      return cz_fail(isnan(bias_var[g]) ? CAUSAL_ENONFINITE : CAUSAL_EINVAL,
                     "%s: bias_var[%zu] = %g; must be >= 0 (Inf allowed)",
                     __func__, g, bias_var[g]);
  if (ngrid > SIZE_MAX / (8 * sizeof(double)))
    return cz_fail(CAUSAL_ERANGE, "%s: ngrid = %zu is too large", __func__,
                   ngrid);
  cz_alloc a = f->alloc;
  fz_ctx c;
  double *V = NULL, *P = NULL;
  double *cols = NULL;
  causal_result *res = NULL;
  int rc = ctx_setup(&c, &a, f, est, se, k, cov, &V, &P);
  if (rc == CAUSAL_OK) {
    cols = cz_calloc(&a, 7 * ngrid, sizeof(double));
    if (cols == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    double zc = cz_qnorm((1 + f->conf_level) / 2, 1, 0);
    size_t r = c.r;
    double vr = V[r + r * k];
    double *weights = c.wtmp + k;
    for (size_t g = 0; g < ngrid && rc == CAUSAL_OK; g++) {
      fz_out o = {0, 0, NAN, NAN, NAN, weights};
      double s2 = bias_var[g];
      if (isinf(s2)) {
        rct_alone(&c, &o);
      } else {
        for (size_t i = 0; i < k; i++)
          c.add[i] = i == r ? 0.0 : s2;
        rc = gls_all(&c, c.add, &o);
      }
      double s = sqrt(o.var);
      cols[g] = o.est;
      cols[ngrid + g] = s;
      cols[2 * ngrid + g] = o.est - zc * s;
      cols[3 * ngrid + g] = o.est + zc * s;
      cols[4 * ngrid + g] = weights[r];
      cols[5 * ngrid + g] = vr / o.var - 1;
      cols[6 * ngrid + g] =
          isinf(s2) ? 0.0 : c.bias.obs_var / (c.bias.obs_var + s2);
    }
  }
  rb b = {NULL, rc};
  if (rc == CAUSAL_OK)
    b.rc = causal_result_new(&b.r, "fusion_curve");
  rstr(&b, "method", "power-prior");
  rv(&b, "bias_variance", bias_var, ngrid);
  static const char *const names[] = {"estimate", "std_error", "conf_low",
                                      "conf_high", "rct_weight",
                                      "efficiency_gain", "power"};
  for (size_t j = 0; j < 7; j++)
    rv(&b, names[j], cols ? cols + j * ngrid : NULL, ngrid);
  if (b.rc == CAUSAL_OK) {
    rs(&b, "conf_level", f->conf_level);
    bias_entries(&b, &c);
  }
  res = b.r;
  rc = b.rc;
  cz_free(&a, cols);
  ctx_free(&c, &a, V, P);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Shrinkage across K strata
 * ====================================================================== */

static const char *strata_name(int m) {
  switch (m) {
  case CAUSAL_FUSION_KAPPA1:
    return "kappa1+";
  case CAUSAL_FUSION_KAPPA2:
    return "kappa2+";
  case CAUSAL_FUSION_GREEN_STRAWDERMAN:
    return "green-strawderman";
  default:
    return "eb-double";
  }
}

static int check_vec(const char *fn, const char *name, const double *x,
                     size_t n, int positive) {
  if (x == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument '%s' is NULL", fn, name);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: %s[%zu] is %s", fn, name, i,
                     isnan(x[i]) ? "NaN" : "infinite");
    if (positive && !(x[i] > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: %s[%zu] = %g; standard errors must be positive", fn,
                     name, i, x[i]);
  }
  return CAUSAL_OK;
}

/* Shrinkage of d = rct - obs by the common factor a / |d|^2 (kappa1+ with
 * a = tr Sigma, Green–Strawderman with a = (K-2) mean variance): factor on
 * the RCT per stratum and Stein's unbiased risk estimate given obs. */
static double common_factor(const double *d, const double *s2, size_t K,
                            double a, double *fac) {
  double D = 0, S = 0;
  for (size_t i = 0; i < K; i++) {
    D += d[i] * d[i];
    S += s2[i];
  }
  double g = D > 0 ? a / D : INFINITY;
  if (g >= 1) { /* everything pulled onto obs: estimator = obs */
    for (size_t i = 0; i < K; i++)
      fac[i] = 0;
    return D - S;
  }
  double div = 0;
  for (size_t i = 0; i < K; i++) {
    fac[i] = 1 - g;
    div += s2[i] * (a / D - 2 * a * d[i] * d[i] / (D * D));
  }
  return S - 2 * div + a * a / D;
}

int causal_fusion_strata(causal_result **out, int method,
                         const double *rct_est, const double *rct_se,
                         const double *obs_est, const double *obs_se,
                         size_t K) {
  const char *fn = __func__;
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (method < CAUSAL_FUSION_KAPPA1 || method > CAUSAL_FUSION_EB_DOUBLE)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: method %d is not one of CAUSAL_FUSION_KAPPA1 (1) .. "
                   "CAUSAL_FUSION_EB_DOUBLE (4)",
                   fn, method);
  if (K == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: K = 0 strata", fn);
  if (method == CAUSAL_FUSION_GREEN_STRAWDERMAN && K < 3)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: Green–Strawderman needs K >= 3 strata (K = %zu)", fn,
                   K);
  if (method == CAUSAL_FUSION_EB_DOUBLE && K < 3)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: EB double shrinkage needs K >= 3 strata (K = %zu)", fn,
                   K);
  if (K > SIZE_MAX / (8 * sizeof(double)))
    return cz_fail(CAUSAL_ERANGE, "%s: K = %zu is too large", fn, K);
  CZ_CHECK(check_vec(fn, "rct_est", rct_est, K, 0));
  CZ_CHECK(check_vec(fn, "rct_se", rct_se, K, 1));
  CZ_CHECK(check_vec(fn, "obs_est", obs_est, K, 0));
  if (method == CAUSAL_FUSION_EB_DOUBLE && obs_se == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: argument 'obs_se' is NULL (EB double shrinkage needs "
                   "it)",
                   fn);
  if (obs_se != NULL)
    CZ_CHECK(check_vec(fn, "obs_se", obs_se, K, 1));
  cz_alloc a = cz_alloc_current();
  double *buf = cz_calloc(&a, 10 * K, sizeof(double));
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  double *lo = buf + 6 * K, *hi = buf + 7 * K, *bz = buf + 8 * K,
         *bp = buf + 9 * K;
  double *d = buf, *s2 = buf + K, *fac = buf + 2 * K, *est = buf + 3 * K,
         *se = buf + 4 * K, *so2 = buf + 5 * K;
  double S = 0, S2 = 0;
  for (size_t i = 0; i < K; i++) {
    d[i] = rct_est[i] - obs_est[i];
    s2[i] = rct_se[i] * rct_se[i];
    so2[i] = obs_se ? obs_se[i] * obs_se[i] : 0.0;
    S += s2[i];
    S2 += s2[i] * s2[i];
  }
  double kappa = 0, risk = NAN, eta2 = NAN, A = NAN, mu = NAN, beta = NAN;
  if (method == CAUSAL_FUSION_KAPPA1) {
    kappa = S;
    risk = common_factor(d, s2, K, S, fac);
  } else if (method == CAUSAL_FUSION_GREEN_STRAWDERMAN) {
    kappa = (double)(K - 2) * S / (double)K;
    risk = common_factor(d, s2, K, kappa, fac);
  } else if (method == CAUSAL_FUSION_KAPPA2) {
    double Q = 0;
    for (size_t i = 0; i < K; i++)
      Q += s2[i] * s2[i] * d[i] * d[i];
    double cst = Q > 0 ? S2 / Q : INFINITY;
    kappa = cst;
    double div = 0, g2 = 0;
    for (size_t i = 0; i < K; i++) {
      double t = cst * s2[i];
      if (t >= 1) { /* clipped: estimator = obs in this stratum */
        fac[i] = 0;
        div += s2[i];
        g2 += d[i] * d[i];
      } else {
        fac[i] = 1 - t;
        div += s2[i] * (t - 2 * cst * s2[i] * s2[i] * s2[i] * d[i] * d[i] / Q);
        g2 += t * t * d[i] * d[i];
      }
    }
    risk = S - 2 * div + g2;
  } else { /* EB double shrinkage (moment version, docs/methods/fusion.md) */
    double Kd = (double)K;
    beta = 0;
    for (size_t i = 0; i < K; i++)
      beta += -d[i] / Kd; /* mean bias of obs: obs - rct */
    double ss = 0, mv = 0;
    for (size_t i = 0; i < K; i++) {
      ss += (-d[i] - beta) * (-d[i] - beta);
      mv += (s2[i] + so2[i]) / Kd;
    }
    eta2 = fmax(0.0, ss / (Kd - 1) - mv);
    /* stage 1: per-stratum combination with the debiased obs */
    double *V1 = se; /* reuse: stage-1 variances */
    for (size_t i = 0; i < K; i++) {
      double vo = so2[i] + eta2;
      double lam = s2[i] / (s2[i] + vo); /* weight on the obs */
      est[i] = (1 - lam) * rct_est[i] + lam * (obs_est[i] - beta);
      V1[i] = s2[i] * vo / (s2[i] + vo);
      fac[i] = 1 - lam;
    }
    /* stage 2: shrink toward the precision-weighted grand mean */
    double sw = 0, swc = 0;
    for (size_t i = 0; i < K; i++) {
      sw += 1 / V1[i];
      swc += est[i] / V1[i];
    }
    mu = swc / sw;
    double ssc = 0, mv1 = 0;
    for (size_t i = 0; i < K; i++) {
      ssc += (est[i] - mu) * (est[i] - mu);
      mv1 += V1[i] / Kd;
    }
    A = fmax(0.0, ssc / (Kd - 1) - mv1);
    for (size_t i = 0; i < K; i++) {
      double B = V1[i] / (V1[i] + A);
      est[i] = est[i] - B * (est[i] - mu);
      fac[i] *= 1 - B; /* weight on the RCT estimate after both stages */
      se[i] = sqrt(V1[i] * (1 - B));
    }
    kappa = eta2;
  }
  if (method != CAUSAL_FUSION_EB_DOUBLE)
    for (size_t i = 0; i < K; i++) {
      est[i] = obs_est[i] + fac[i] * d[i];
      se[i] = sqrt(fac[i] * fac[i] * s2[i] +
                   (1 - fac[i]) * (1 - fac[i]) * so2[i]);
    }
  double zc = cz_qnorm(0.975, 1, 0);
  for (size_t i = 0; i < K; i++) {
    lo[i] = est[i] - zc * se[i];
    hi[i] = est[i] + zc * se[i];
    /* per-stratum bias diagnostic: (obs - rct) / sd of the difference */
    bz[i] = -d[i] / sqrt(s2[i] + so2[i]);
    bp[i] = 2 * cz_pnorm(-fabs(bz[i]), 1, 0);
  }
  rb b = {NULL, CAUSAL_OK};
  b.rc = causal_result_new(&b.r, "fusion_strata");
  rstr(&b, "method", strata_name(method));
  rv(&b, "estimate", est, K);
  rv(&b, "std_error", se, K);
  rv(&b, "conf_low", lo, K);
  rv(&b, "conf_high", hi, K);
  rv(&b, "shrinkage", fac, K);
  rv(&b, "bias_statistic", bz, K);
  rv(&b, "bias_p_value", bp, K);
  rv(&b, "rct_estimate", rct_est, K);
  rv(&b, "obs_estimate", obs_est, K);
  rs(&b, "kappa", kappa);
  rs(&b, "risk_estimate", risk);
  rs(&b, "rct_risk", S);
  rs(&b, "efficiency_gain", isnan(risk) ? NAN : S / risk - 1);
  if (method == CAUSAL_FUSION_EB_DOUBLE) {
    rs(&b, "bias_mean", beta);
    rs(&b, "bias_variance", eta2);
    rs(&b, "prior_mean", mu);
    rs(&b, "prior_variance", A);
  }
  rw(&b, "strata shrinkage: the standard errors treat the data-driven "
         "shrinkage factors as fixed and are not valid interval widths; "
         "the risk estimate is the sum over strata of the expected squared "
         "error");
  cz_free(&a, buf);
  if (b.rc != CAUSAL_OK) {
    causal_result_free(b.r);
    return b.rc;
  }
  *out = b.r;
  cz_clear_error();
  return CAUSAL_OK;
}
