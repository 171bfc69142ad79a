/* Inverse probability weighting (Horvitz–Thompson, Hájek), overlap weights
 * and augmented IPW with stacked M-estimation standard errors that account
 * for the estimated logit score model. Formulas and the derivation of the
 * influence functions: docs/methods/weighting.md. */
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/propensity.h"
#include "internal/result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct causal_weighting {
  cz_alloc alloc;
  char *outcome, *cluster;
  char **terms;
  size_t nterms, capterms;
  int64_t estimand, method, stabilize;
  double conf_level, extreme;
};

int causal_weighting_new(causal_weighting **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_weighting *w = cz_calloc(&a, 1, sizeof *w);
  if (w == NULL)
    return CAUSAL_ENOMEM;
  w->alloc = a;
  w->estimand = CAUSAL_WEIGHTING_ATE;
  w->method = CAUSAL_WEIGHTING_HAJEK;
  w->conf_level = 0.95;
  w->extreme = 0.1;
  *out = w;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_weighting_free(causal_weighting *w) {
  if (w == NULL)
    return;
  for (size_t i = 0; i < w->nterms; i++)
    cz_free(&w->alloc, w->terms[i]);
  cz_free(&w->alloc, w->terms);
  cz_free(&w->alloc, w->outcome);
  cz_free(&w->alloc, w->cluster);
  cz_free(&w->alloc, w);
}

int causal_weighting_set_outcome(causal_weighting *w, const char *column) {
  CZ_REQUIRE_NONNULL(w);
  return cz_name_set(&w->alloc, &w->outcome, column, __func__, 0);
}

int causal_weighting_set_cluster(causal_weighting *w, const char *column) {
  CZ_REQUIRE_NONNULL(w);
  return cz_name_set(&w->alloc, &w->cluster, column, __func__, 1);
}

int causal_weighting_add_outcome_term(causal_weighting *w, const char *term) {
  CZ_REQUIRE_NONNULL(w);
  return cz_names_add(&w->alloc, &w->terms, &w->nterms, &w->capterms, term,
                      __func__);
}

int cz_weighting_copy(causal_weighting **out, const causal_weighting *w,
                      const char *outcome, const char *extra_term) {
  causal_weighting *c = NULL;
  int rc = causal_weighting_new(&c);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(c, outcome ? outcome : w->outcome);
  if (rc == CAUSAL_OK && w->cluster)
    rc = causal_weighting_set_cluster(c, w->cluster);
  for (size_t j = 0; rc == CAUSAL_OK && j < w->nterms; j++)
    rc = causal_weighting_add_outcome_term(c, w->terms[j]);
  if (rc == CAUSAL_OK && extra_term && w->nterms > 0)
    rc = causal_weighting_add_outcome_term(c, extra_term);
  if (rc == CAUSAL_OK) {
    c->estimand = w->estimand;
    c->method = w->method;
    c->stabilize = w->stabilize;
    c->conf_level = w->conf_level;
    c->extreme = w->extreme;
    *out = c;
  } else
    causal_weighting_free(c);
  return rc;
}

typedef struct optdef {
  int key, is_int;
  double min, max;
  int open;
  const char *name;
} optdef;

static const optdef optdefs[] = {
    {CAUSAL_WEIGHTING_ESTIMAND, 1, 1, 4, 0, "CAUSAL_WEIGHTING_ESTIMAND"},
    {CAUSAL_WEIGHTING_METHOD, 1, 1, 3, 0, "CAUSAL_WEIGHTING_METHOD"},
    {CAUSAL_WEIGHTING_STABILIZE, 1, 0, 1, 0, "CAUSAL_WEIGHTING_STABILIZE"},
    {CAUSAL_WEIGHTING_CONF_LEVEL, 0, 0, 1, 1, "CAUSAL_WEIGHTING_CONF_LEVEL"},
    {CAUSAL_WEIGHTING_EXTREME, 0, 0, 1, 1, "CAUSAL_WEIGHTING_EXTREME"},
};

static int opt_lookup(const char *fn, int key, int want_int,
                      const optdef **out) {
  for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++)
    if (optdefs[i].key == key) {
      if (want_int >= 0 && optdefs[i].is_int != want_int)
        return cz_fail(CAUSAL_EINVAL, "%s: %s is %s option", fn,
                       optdefs[i].name,
                       optdefs[i].is_int ? "an integer" : "a real");
      *out = &optdefs[i];
      return CAUSAL_OK;
    }
  return cz_fail(CAUSAL_EINVAL, "%s: unknown option key %d", fn, key);
}

int causal_weighting_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, -1, &o));
  *min = o->min;
  *max = o->max;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_weighting *w, int key) {
  return key == CAUSAL_WEIGHTING_ESTIMAND ? &w->estimand
         : key == CAUSAL_WEIGHTING_METHOD ? &w->method
                                          : &w->stabilize;
}

int causal_weighting_set_int(causal_weighting *w, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(w);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  if ((double)value < o->min || (double)value > o->max)
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %lld is outside [%.0f, %.0f]",
                   __func__, o->name, (long long)value, o->min, o->max);
  *int_slot(w, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_weighting_get_int(const causal_weighting *w, int key,
                             int64_t *value) {
  CZ_REQUIRE_NONNULL(w);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  *value = *int_slot((causal_weighting *)w, key);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_weighting_set_double(causal_weighting *w, int key, double value) {
  CZ_REQUIRE_NONNULL(w);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  if (!(value > o->min && value < o->max))
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %g is outside (%g, %g)", __func__,
                   o->name, value, o->min, o->max);
  if (key == CAUSAL_WEIGHTING_CONF_LEVEL)
    w->conf_level = value;
  else
    w->extreme = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_weighting_get_double(const causal_weighting *w, int key,
                                double *value) {
  CZ_REQUIRE_NONNULL(w);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  *value = key == CAUSAL_WEIGHTING_CONF_LEVEL ? w->conf_level : w->extreme;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Estimation
 * ====================================================================== */

typedef struct wctx {
  const cz_alloc *a;
  const causal_weighting *spec;
  cz_ps_fit ps;
  size_t n;
  double *y, *h, *hd, *w1, *w0, *dw1, *dw0, *dp;
  int32_t *cl;
  size_t ncl;
  /* AIPW outcome model */
  size_t ko;
  double *Xo;         /* n x ko */
  char **onames;
  double *gam[2];     /* ko each: arm 0, arm 1 */
  double *gvar[2];    /* ko x ko (X_a'X_a)^{-1} */
  double *m[2];       /* n fitted per arm */
  causal_result *odes;
  /* outputs */
  double mu[2], infl_sum[2];
  double *infl[2]; /* n influence values of mu0, mu1 */
} wctx;

static void wctx_free(wctx *c) {
  const cz_alloc *a = c->a;
  double *arr[] = {c->y,  c->h,      c->hd,      c->w1,       c->w0,
                   c->dw1, c->dw0,   c->dp,      c->Xo,       c->gam[0],
                   c->gam[1], c->gvar[0], c->gvar[1], c->m[0], c->m[1],
                   c->infl[0], c->infl[1]};
  for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
    cz_free(a, arr[i]);
  cz_free(a, c->cl);
  if (c->onames)
    for (size_t j = 0; j < c->ko; j++)
      cz_free(a, c->onames[j]);
  cz_free(a, c->onames);
  causal_result_free(c->odes);
  cz_ps_fit_free(&c->ps);
}

/* Inverse of A'A for A n x k (column-major) by pivoted QR (accurate for the
 * badly scaled columns of real covariates); rank deficiency is an error. */
static int qr_inverse(const cz_alloc *a, const char *what, const double *A,
                      size_t n, size_t k, double *inv, const double *y,
                      double *beta) {
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  int rc = cz_qr_factor(what, &qr, cz_cmat_dense(A, n, k), CZ_QR_TOL_DEFAULT,
                        &ws);
  if (rc == CAUSAL_OK && qr.rank < k) {
    size_t j = qr.perm[qr.rank];
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "%s: the design is rank deficient (rank %zu of %zu; column "
                 "%zu is collinear; an arm with too few units or a constant "
                 "covariate?)",
                 what, qr.rank, k, j + 1);
  }
  if (rc == CAUSAL_OK)
    rc = cz_qr_cov_unscaled(what, &qr, cz_mat_dense(inv, k, k), &ws);
  if (rc == CAUSAL_OK && y != NULL)
    rc = cz_qr_lstsq_refine(what, &qr, cz_cmat_dense(A, n, k), y, beta, NULL,
                            2, &ws);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  return rc;
}

static int read_outcome(wctx *c, const causal_dataset *ds) {
  const causal_weighting *s = c->spec;
  size_t col = 0, N = ds->nrows;
  CZ_CHECK(causal_dataset_col_index(ds, s->outcome, &col));
  if (ds->cols[col].type == CAUSAL_TYPE_CAT)
    return cz_fail(CAUSAL_ETYPE, "weighting: outcome '%s' is categorical",
                   s->outcome);
  double *all = cz_malloc(c->a, N * sizeof *all);
  if (all == NULL)
    return CAUSAL_ENOMEM;
  int rc = causal_dataset_col_to_f64(ds, col, all, N);
  for (size_t i = 0; rc == CAUSAL_OK && i < c->n; i++) {
    c->y[i] = all[c->ps.rows[i]];
    if (!isfinite(c->y[i]))
      rc = cz_fail(CAUSAL_ENONFINITE, "weighting: outcome '%s' is %g at row %zu",
                   s->outcome, c->y[i], c->ps.rows[i]);
  }
  if (rc == CAUSAL_OK && s->cluster != NULL) {
    size_t cc = 0;
    rc = causal_dataset_col_index(ds, s->cluster, &cc);
    if (rc == CAUSAL_OK)
      rc = causal_dataset_col_to_f64(ds, cc, all, N);
    double *v = NULL;
    size_t *ord = NULL;
    if (rc == CAUSAL_OK) {
      v = cz_malloc(c->a, c->n * sizeof *v);
      ord = cz_malloc(c->a, c->n * sizeof *ord);
      c->cl = cz_malloc(c->a, c->n * sizeof *c->cl);
      if (!v || !ord || !c->cl)
        rc = CAUSAL_ENOMEM;
    }
    if (rc == CAUSAL_OK) {
      /* code clusters 0..G-1 in increasing value order (shell sort of the
       * row indices by value) */
      for (size_t i = 0; i < c->n; i++) {
        v[i] = all[c->ps.rows[i]];
        ord[i] = i;
      }
      size_t gap = c->n / 2;
      while (gap > 0) {
        for (size_t i = gap; i < c->n; i++) {
          size_t tmp = ord[i], j = i;
          while (j >= gap && v[ord[j - gap]] > v[tmp]) {
            ord[j] = ord[j - gap];
            j -= gap;
          }
          ord[j] = tmp;
        }
        gap /= 2;
      }
      int32_t g = -1;
      for (size_t i = 0; i < c->n; i++) {
        if (i == 0 || v[ord[i]] != v[ord[i - 1]])
          g++;
        c->cl[ord[i]] = g;
      }
      c->ncl = (size_t)g + 1;
      if (c->ncl < 2)
        rc = cz_fail(CAUSAL_EINVAL, "weighting: cluster column '%s' has %zu "
                                    "cluster(s); at least 2 are needed",
                     s->cluster, c->ncl);
    }
    cz_free(c->a, v);
    cz_free(c->a, ord);
  }
  cz_free(c->a, all);
  return rc;
}

/* AIPW outcome regressions: the design of the outcome terms on the used
 * rows, and OLS per arm over the kept units. */
static int outcome_models(wctx *c, const causal_propensity *ps,
                          const causal_dataset *ds) {
  const causal_weighting *s = c->spec;
  size_t nt = s->nterms;
  const char *const *terms = (const char *const *)s->terms;
  if (nt == 0)
    terms = cz_ps_terms(ps, &nt);
  causal_design *d = NULL;
  int rc = causal_design_new(&d);
  for (size_t j = 0; rc == CAUSAL_OK && j < nt; j++)
    rc = causal_design_add_term(d, terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_design_build(&c->odes, d, ds);
  causal_design_free(d);
  const double *X = NULL, *drows = NULL;
  size_t nr = 0, k = 0, nrows = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(c->odes, "X", &X, &nr, &k);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(c->odes, "rows", &drows, &nrows);
  size_t n = c->n;
  size_t *map = NULL;
  if (rc == CAUSAL_OK) {
    c->ko = k;
    c->Xo = cz_malloc(c->a, n * k * sizeof *X);
    c->onames = cz_calloc(c->a, k, sizeof *c->onames);
    map = cz_malloc(c->a, ds->nrows * sizeof *map);
    for (int g = 0; g < 2; g++) {
      c->gam[g] = cz_malloc(c->a, k * sizeof(double));
      c->gvar[g] = cz_malloc(c->a, k * k * sizeof(double));
      c->m[g] = cz_malloc(c->a, n * sizeof(double));
    }
    if (!c->Xo || !c->onames || !map || !c->gam[0] || !c->gam[1] ||
        !c->gvar[0] || !c->gvar[1] || !c->m[0] || !c->m[1])
      rc = CAUSAL_ENOMEM;
  }
  for (size_t j = 0; rc == CAUSAL_OK && j < k; j++) {
    const char *nm = causal_result_dimname(c->odes, "X", 1, j);
    if ((c->onames[j] = cz_strdup(c->a, nm ? nm : "?")) == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    for (size_t r = 0; r < nrows; r++)
      map[(size_t)drows[r]] = r;
    for (size_t i = 0; i < n; i++) {
      size_t r = map[c->ps.rows[i]];
      for (size_t j = 0; j < k; j++)
        c->Xo[j * n + i] = X[j * nr + r];
    }
  }
  cz_free(c->a, map);
  for (int g = 0; rc == CAUSAL_OK && g < 2; g++) {
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
      na += c->ps.keep[i] && c->ps.t[i] == (double)g;
    if (na < k) {
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "weighting: the %s arm has %zu units for %zu outcome "
                   "regression coefficients",
                   g ? "treated" : "control", na, k);
      break;
    }
    double *A = cz_malloc(c->a, na * k * sizeof *A);
    double *ya = cz_malloc(c->a, na * sizeof *ya);
    if (!A || !ya)
      rc = CAUSAL_ENOMEM;
    size_t r = 0;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
      if (c->ps.keep[i] && c->ps.t[i] == (double)g) {
        for (size_t j = 0; j < k; j++)
          A[j * na + r] = c->Xo[j * n + i];
        ya[r++] = c->y[i];
      }
    if (rc == CAUSAL_OK)
      rc = qr_inverse(c->a, g ? "weighting: outcome regression (treated arm)"
                              : "weighting: outcome regression (control arm)",
                      A, na, k, c->gvar[g], ya, c->gam[g]);
    cz_free(c->a, A);
    cz_free(c->a, ya);
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
      double m = 0;
      for (size_t j = 0; j < k; j++)
        m += c->Xo[j * n + i] * c->gam[g][j];
      c->m[g][i] = m;
    }
  }
  return rc;
}

/* Tilting function h(e) and its derivative. */
static void tilt(int estimand, double e, double *h, double *hd) {
  switch (estimand) {
  case CAUSAL_WEIGHTING_ATT:
    *h = e, *hd = 1;
    break;
  case CAUSAL_WEIGHTING_ATC:
    *h = 1 - e, *hd = -1;
    break;
  case CAUSAL_WEIGHTING_ATO:
    *h = e * (1 - e), *hd = 1 - 2 * e;
    break;
  default:
    *h = 1, *hd = 0;
  }
}

/* Estimate mu_g and its influence values (the M-estimation sandwich). */
static int estimate_arm(wctx *c, int g) {
  size_t n = c->n, k = c->ps.k, ko = c->ko;
  int method = (int)c->spec->method;
  const double *t = c->ps.t;
  const uint8_t *keep = c->ps.keep;
  double *w = g ? c->w1 : c->w0, *dw = g ? c->dw1 : c->dw0;
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i])
      continue;
    double a = t[i] == (double)g;
    if (method == CAUSAL_WEIGHTING_HAJEK) {
      num += a * w[i] * c->y[i];
      den += a * w[i];
    } else if (method == CAUSAL_WEIGHTING_IPW) {
      num += a * w[i] * c->y[i];
      den += c->h[i];
    } else {
      num += c->h[i] * c->m[g][i] + a * w[i] * (c->y[i] - c->m[g][i]);
      den += c->h[i];
    }
  }
  double mu = num / den;
  c->mu[g] = mu;
  double *psi = c->infl[g];
  /* psi_i and the derivative sums G_beta, G_gamma */
  double *Gb = cz_calloc(c->a, k + ko + 1, sizeof *Gb);
  if (Gb == NULL)
    return CAUSAL_ENOMEM;
  double *Gg = Gb + k;
  for (size_t i = 0; i < n; i++) {
    double a = t[i] == (double)g;
    if (!keep[i]) {
      psi[i] = 0;
      continue;
    }
    double r = c->y[i] - mu, db;
    if (method == CAUSAL_WEIGHTING_HAJEK) {
      psi[i] = a * w[i] * r;
      db = a * r * dw[i];
    } else if (method == CAUSAL_WEIGHTING_IPW) {
      psi[i] = a * w[i] * c->y[i] - c->h[i] * mu;
      db = a * c->y[i] * dw[i] - mu * c->hd[i];
    } else {
      double res = c->y[i] - c->m[g][i];
      psi[i] = c->h[i] * (c->m[g][i] - mu) + a * w[i] * res;
      db = c->hd[i] * (c->m[g][i] - mu) + a * res * dw[i];
      for (size_t j = 0; j < ko; j++)
        Gg[j] += (c->h[i] - a * w[i]) * c->Xo[j * n + i];
    }
    db *= c->dp[i];
    for (size_t j = 0; j < k; j++)
      Gb[j] += db * c->ps.X[j * n + i];
  }
  int rc = CAUSAL_OK;
  /* logit correction: (I^-1 G_beta)' x_i (t_i - p_i), I = X' W X */
  if (k > 0) {
    double *A = cz_malloc(c->a, n * k * sizeof *A);
    double *Iinv = cz_malloc(c->a, k * k * sizeof *Iinv);
    double *v = cz_calloc(c->a, k, sizeof *v);
    double *pu = cz_malloc(c->a, n * sizeof *pu);
    if (!A || !Iinv || !v || !pu)
      rc = CAUSAL_ENOMEM;
    if (rc == CAUSAL_OK) {
      for (size_t i = 0; i < n; i++) {
        pu[i] = 1.0 / (1.0 + exp(-c->ps.eta[i]));
        double sw = sqrt(pu[i] * (1 - pu[i]));
        for (size_t j = 0; j < k; j++)
          A[j * n + i] = sw * c->ps.X[j * n + i];
      }
      rc = qr_inverse(c->a, "weighting: propensity information", A, n, k,
                      Iinv, NULL, NULL);
    }
    if (rc == CAUSAL_OK) {
      for (size_t j = 0; j < k; j++)
        for (size_t l = 0; l < k; l++)
          v[j] += Iinv[l * k + j] * Gb[l];
      for (size_t i = 0; i < n; i++) {
        double xv = 0;
        for (size_t j = 0; j < k; j++)
          xv += c->ps.X[j * n + i] * v[j];
        psi[i] += xv * (t[i] - pu[i]);
      }
    }
    cz_free(c->a, A);
    cz_free(c->a, Iinv);
    cz_free(c->a, v);
    cz_free(c->a, pu);
  }
  if (rc == CAUSAL_OK && ko > 0 && method == CAUSAL_WEIGHTING_AIPW) {
    double v[64], *vv = ko <= 64 ? v : cz_malloc(c->a, ko * sizeof *vv);
    if (vv == NULL)
      rc = CAUSAL_ENOMEM;
    if (rc == CAUSAL_OK) {
      const double *M = c->gvar[g];
      for (size_t j = 0; j < ko; j++) {
        vv[j] = 0;
        for (size_t l = 0; l < ko; l++)
          vv[j] += M[l * ko + j] * Gg[l];
      }
      for (size_t i = 0; i < n; i++) {
        if (!keep[i] || t[i] != (double)g)
          continue;
        double xv = 0;
        for (size_t j = 0; j < ko; j++)
          xv += c->Xo[j * n + i] * vv[j];
        psi[i] += xv * (c->y[i] - c->m[g][i]);
      }
    }
    if (vv != v)
      cz_free(c->a, vv);
  }
  for (size_t i = 0; i < n; i++)
    psi[i] /= den;
  cz_free(c->a, Gb);
  return rc;
}

/* Variance of a linear combination a1 * infl1 + a0 * infl0. */
static double infl_var(const wctx *c, double a1, double a0) {
  double s = 0;
  if (c->cl == NULL) {
    for (size_t i = 0; i < c->n; i++) {
      double v = a1 * c->infl[1][i] + a0 * c->infl[0][i];
      s += v * v;
    }
    return s;
  }
  double *sum = cz_calloc(c->a, c->ncl, sizeof *sum);
  if (sum == NULL)
    return NAN;
  for (size_t i = 0; i < c->n; i++)
    sum[c->cl[i]] += a1 * c->infl[1][i] + a0 * c->infl[0][i];
  for (size_t g = 0; g < c->ncl; g++)
    s += sum[g] * sum[g];
  cz_free(c->a, sum);
  return s * (double)c->ncl / (double)(c->ncl - 1);
}

static const char *estimand_name(int e) {
  static const char *nm[] = {"ATE", "ATT", "ATC", "ATO"};
  return nm[e - 1];
}

static int build_result(causal_result *r, wctx *c) {
  const causal_weighting *s = c->spec;
  size_t n = c->n;
  double z = cz_qnorm(0.5 + s->conf_level / 2, 1, 0);
  double est[3], se[3], st[3], pv[3], lo[3], hi[3];
  est[0] = c->mu[1] - c->mu[0];
  est[1] = c->mu[1];
  est[2] = c->mu[0];
  double v[3] = {infl_var(c, 1, -1), infl_var(c, 1, 0), infl_var(c, 0, 1)};
  for (int j = 0; j < 3; j++) {
    if (v[j] != v[j])
      return CAUSAL_ENOMEM;
    se[j] = sqrt(v[j]);
    st[j] = est[j] / se[j];
    pv[j] = 2 * cz_pnorm(-fabs(st[j]), 1, 0);
    lo[j] = est[j] - z * se[j];
    hi[j] = est[j] + z * se[j];
  }
  const char *terms[3] = {estimand_name((int)s->estimand), "mu1", "mu0"};
  CZ_CHECK(causal_result_set_string(r, "estimand", terms[0]));
  static const char *mnames[] = {"ipw", "hajek", "aipw"};
  CZ_CHECK(causal_result_set_string(r, "method", mnames[s->method - 1]));
  CZ_CHECK(causal_result_set_scalar(r, "estimate", est[0]));
  CZ_CHECK(causal_result_set_scalar(r, "std_error", se[0]));
  CZ_CHECK(causal_result_set_scalar(r, "statistic", st[0]));
  CZ_CHECK(causal_result_set_scalar(r, "p_value", pv[0]));
  CZ_CHECK(causal_result_set_scalar(r, "conf_low", lo[0]));
  CZ_CHECK(causal_result_set_scalar(r, "conf_high", hi[0]));
  CZ_CHECK(causal_result_set_scalar(r, "mu1", est[1]));
  CZ_CHECK(causal_result_set_scalar(r, "mu0", est[2]));
  CZ_CHECK(causal_result_set_scalar(r, "mu1_std_error", se[1]));
  CZ_CHECK(causal_result_set_scalar(r, "mu0_std_error", se[2]));
  CZ_CHECK(causal_result_set_table(r, "coef", terms, 3, est, se, st, pv, lo,
                                   hi));
  CZ_CHECK(causal_result_set_string(r, "statistic_type", "z"));
  /* weights */
  double *wt = cz_result_alloc_values(r, n);
  if (wt == NULL)
    return CAUSAL_ENOMEM;
  double sw[2] = {0, 0}, sw2[2] = {0, 0}, wmax[2] = {0, 0};
  size_t na[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    int g = c->ps.t[i] == 1.0;
    wt[i] = c->ps.keep[i] ? (g ? c->w1[i] : c->w0[i]) : 0.0;
    if (s->stabilize)
      wt[i] *= (double)(g ? c->ps.n1 : c->ps.n0) / (double)n;
    sw[g] += wt[i];
    sw2[g] += wt[i] * wt[i];
    wmax[g] = fmax(wmax[g], wt[i]);
    na[g] += c->ps.keep[i];
  }
  int rc = cz_result_take_vector(r, "weights", wt, n, NULL);
  if (rc != CAUSAL_OK)
    return rc;
  CZ_CHECK(causal_result_set_vector(r, "propensity", c->ps.p, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "treatment", c->ps.t, n, NULL));
  if ((wt = cz_result_alloc_values(r, n)) == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    wt[i] = (double)c->ps.rows[i];
  CZ_CHECK(cz_result_take_vector(r, "rows", wt, n, NULL));
  double share = fmax(wmax[0] / sw[0], wmax[1] / sw[1]);
  CZ_CHECK(causal_result_set_scalar(r, "nobs", (double)n));
  CZ_CHECK(causal_result_set_scalar(r, "n_dropped", (double)c->ps.n_dropped));
  CZ_CHECK(causal_result_set_scalar(r, "n_treated", (double)c->ps.n1));
  CZ_CHECK(causal_result_set_scalar(r, "n_control", (double)c->ps.n0));
  CZ_CHECK(causal_result_set_scalar(r, "n_trimmed", (double)c->ps.n_trimmed));
  CZ_CHECK(causal_result_set_scalar(r, "n_clipped", (double)c->ps.n_clipped));
  CZ_CHECK(causal_result_set_scalar(r, "ess_treated", sw[1] * sw[1] / sw2[1]));
  CZ_CHECK(causal_result_set_scalar(r, "ess_control", sw[0] * sw[0] / sw2[0]));
  CZ_CHECK(causal_result_set_scalar(r, "max_weight_share", share));
  if (c->cl != NULL)
    CZ_CHECK(causal_result_set_scalar(r, "n_clusters", (double)c->ncl));
  if (c->ko > 0) {
    size_t ko = c->ko;
    double *e = cz_malloc(c->a, 2 * ko * 3 * sizeof *e);
    char **nm = cz_calloc(c->a, 2 * ko, sizeof *nm);
    rc = (e && nm) ? CAUSAL_OK : CAUSAL_ENOMEM;
    for (size_t g = 0; rc == CAUSAL_OK && g < 2; g++)
      for (size_t j = 0; j < ko; j++) {
        size_t row = g * ko + j;
        size_t len = strlen(c->onames[j]) + 4;
        nm[row] = cz_malloc(c->a, len);
        if (nm[row] == NULL) {
          rc = CAUSAL_ENOMEM;
          break;
        }
        snprintf(nm[row], len, "y%d:%s", g == 0 ? 1 : 0, c->onames[j]);
        e[row] = c->gam[g == 0 ? 1 : 0][j];
      }
    if (rc == CAUSAL_OK)
      rc = causal_result_set_vector(r, "outcome_coef", e, 2 * ko,
                                    (const char *const *)nm);
    if (nm)
      for (size_t j = 0; j < 2 * ko; j++)
        cz_free(c->a, nm[j]);
    cz_free(c->a, nm);
    cz_free(c->a, e);
    CZ_CHECK(rc);
  }
  if (share > s->extreme && n >= 20) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "extreme weights: one unit carries %.1f%% of its arm's total "
             "weight (effective sizes %.1f treated, %.1f control)",
             100 * share, sw[1] * sw[1] / sw2[1], sw[0] * sw[0] / sw2[0]);
    CZ_CHECK(causal_result_add_warning(r, msg));
  }
  if (c->ps.n_clipped > 0) {
    char msg[120];
    snprintf(msg, sizeof msg, "%zu propensity scores were clipped",
             c->ps.n_clipped);
    CZ_CHECK(causal_result_add_warning(r, msg));
  }
  return CAUSAL_OK;
}

static int weighting_fit(causal_result *r, wctx *c,
                         const causal_propensity *ps,
                         const causal_dataset *ds) {
  const causal_weighting *s = c->spec;
  if (s->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL, "weighting: no outcome column set "
                                  "(causal_weighting_set_outcome)");
  size_t nextra = 2 + s->nterms;
  const char *extra[2 + 256];
  if (s->nterms > 256)
    return cz_fail(CAUSAL_EINVAL, "weighting: more than 256 outcome terms");
  extra[0] = s->outcome;
  extra[1] = s->cluster;
  for (size_t j = 0; j < s->nterms; j++)
    extra[2 + j] = s->terms[j];
  CZ_CHECK(cz_ps_estimate(&c->ps, ps, ds, extra, nextra));
  size_t n = c->n = c->ps.n;
  double **arr[] = {&c->y,  &c->h,   &c->hd,  &c->w1,      &c->w0,
                    &c->dw1, &c->dw0, &c->dp, &c->infl[0], &c->infl[1]};
  for (size_t j = 0; j < sizeof arr / sizeof arr[0]; j++)
    if ((*arr[j] = cz_malloc(c->a, n * sizeof(double))) == NULL)
      return CAUSAL_ENOMEM;
  CZ_CHECK(read_outcome(c, ds));
  for (size_t i = 0; i < n; i++) {
    double e = c->ps.p[i];
    tilt((int)s->estimand, e, &c->h[i], &c->hd[i]);
    c->w1[i] = c->h[i] / e;
    c->w0[i] = c->h[i] / (1 - e);
    c->dw1[i] = (c->hd[i] * e - c->h[i]) / (e * e);
    c->dw0[i] = (c->hd[i] * (1 - e) + c->h[i]) / ((1 - e) * (1 - e));
    c->dp[i] = c->ps.clipped[i] ? 0.0 : e * (1 - e);
  }
  if (s->method == CAUSAL_WEIGHTING_AIPW)
    CZ_CHECK(outcome_models(c, ps, ds));
  CZ_CHECK(estimate_arm(c, 0));
  CZ_CHECK(estimate_arm(c, 1));
  return build_result(r, c);
}

int causal_weighting_fit(causal_result **out, const causal_weighting *w,
                         const causal_propensity *ps,
                         const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(w);
  CZ_REQUIRE_NONNULL(ps);
  CZ_REQUIRE_NONNULL(ds);
  cz_alloc a = cz_alloc_current();
  wctx c;
  memset(&c, 0, sizeof c);
  c.a = &a;
  c.spec = w;
  c.ps.alloc = a;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "weighting");
  if (rc == CAUSAL_OK)
    rc = weighting_fit(r, &c, ps, ds);
  wctx_free(&c);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
