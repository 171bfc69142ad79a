/* Propensity scores on the logistic regression engine, clipping, trimming
 * (fixed bounds; Crump, Hotz, Imbens and Mitnik 2009) and overlap
 * diagnostics. Formulas: docs/methods/propensity.md. */
#include "internal/propensity.h"
#include "internal/dataset.h"
#include "internal/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct causal_propensity {
  cz_alloc alloc;
  char *treatment;
  char *scores;
  char **terms;
  size_t nterms, capterms;
  int64_t trim, bins, maxiter;
  double clip_low, clip_high, trim_low, trim_high;
};

int causal_propensity_new(causal_propensity **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_propensity *p = cz_calloc(&a, 1, sizeof *p);
  if (p == NULL)
    return CAUSAL_ENOMEM;
  p->alloc = a;
  p->trim = CAUSAL_TRIM_NONE;
  p->bins = 20;
  p->maxiter = 50;
  p->clip_low = 0;
  p->clip_high = 1;
  p->trim_low = 0.1;
  p->trim_high = 0.9;
  *out = p;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_propensity_free(causal_propensity *p) {
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->nterms; i++)
    cz_free(&p->alloc, p->terms[i]);
  cz_free(&p->alloc, p->terms);
  cz_free(&p->alloc, p->treatment);
  cz_free(&p->alloc, p->scores);
  cz_free(&p->alloc, p);
}

int causal_propensity_set_treatment(causal_propensity *p, const char *column) {
  CZ_REQUIRE_NONNULL(p);
  return cz_name_set(&p->alloc, &p->treatment, column, __func__, 0);
}

int causal_propensity_set_scores(causal_propensity *p, const char *column) {
  CZ_REQUIRE_NONNULL(p);
  return cz_name_set(&p->alloc, &p->scores, column, __func__, 1);
}

int causal_propensity_add_term(causal_propensity *p, const char *term) {
  CZ_REQUIRE_NONNULL(p);
  return cz_names_add(&p->alloc, &p->terms, &p->nterms, &p->capterms, term,
                      __func__);
}

const char *const *cz_ps_terms(const causal_propensity *ps, size_t *n) {
  *n = ps->nterms;
  return (const char *const *)ps->terms;
}

const char *cz_ps_treatment(const causal_propensity *ps) {
  return ps->treatment;
}
int cz_ps_has_scores(const causal_propensity *ps) { return ps->scores != NULL; }

int cz_ps_copy(causal_propensity **out, const causal_propensity *ps,
               const char *treatment, const char *extra_term) {
  causal_propensity *p = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(p, treatment ? treatment
                                                      : ps->treatment);
  if (rc == CAUSAL_OK && ps->scores)
    rc = causal_propensity_set_scores(p, ps->scores);
  for (size_t j = 0; rc == CAUSAL_OK && j < ps->nterms; j++)
    rc = causal_propensity_add_term(p, ps->terms[j]);
  if (rc == CAUSAL_OK && extra_term)
    rc = causal_propensity_add_term(p, extra_term);
  if (rc == CAUSAL_OK) {
    p->trim = ps->trim;
    p->bins = ps->bins;
    p->maxiter = ps->maxiter;
    p->clip_low = ps->clip_low;
    p->clip_high = ps->clip_high;
    p->trim_low = ps->trim_low;
    p->trim_high = ps->trim_high;
    *out = p;
  } else
    causal_propensity_free(p);
  return rc;
}

/* ---- options ---- */
typedef struct optdef {
  int key, is_int;
  double min, max;
  const char *name;
} optdef;

static const optdef optdefs[] = {
    {CAUSAL_PROPENSITY_TRIM, 1, 0, 2, "CAUSAL_PROPENSITY_TRIM"},
    {CAUSAL_PROPENSITY_BINS, 1, 1, 10000, "CAUSAL_PROPENSITY_BINS"},
    {CAUSAL_PROPENSITY_MAXITER, 1, 1, 10000, "CAUSAL_PROPENSITY_MAXITER"},
    {CAUSAL_PROPENSITY_CLIP_LOW, 0, 0, 0.5, "CAUSAL_PROPENSITY_CLIP_LOW"},
    {CAUSAL_PROPENSITY_CLIP_HIGH, 0, 0.5, 1, "CAUSAL_PROPENSITY_CLIP_HIGH"},
    {CAUSAL_PROPENSITY_TRIM_LOW, 0, 0, 0.5, "CAUSAL_PROPENSITY_TRIM_LOW"},
    {CAUSAL_PROPENSITY_TRIM_HIGH, 0, 0.5, 1, "CAUSAL_PROPENSITY_TRIM_HIGH"},
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

int causal_propensity_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, -1, &o));
  *min = o->min;
  *max = o->max;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_propensity *p, int key) {
  switch (key) {
  case CAUSAL_PROPENSITY_TRIM:
    return &p->trim;
  case CAUSAL_PROPENSITY_BINS:
    return &p->bins;
  default:
    return &p->maxiter;
  }
}

static double *dbl_slot(causal_propensity *p, int key) {
  switch (key) {
  case CAUSAL_PROPENSITY_CLIP_LOW:
    return &p->clip_low;
  case CAUSAL_PROPENSITY_CLIP_HIGH:
    return &p->clip_high;
  case CAUSAL_PROPENSITY_TRIM_LOW:
    return &p->trim_low;
  default:
    return &p->trim_high;
  }
}

int causal_propensity_set_int(causal_propensity *p, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(p);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  if ((double)value < o->min || (double)value > o->max)
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %lld is outside [%.0f, %.0f]",
                   __func__, o->name, (long long)value, o->min, o->max);
  *int_slot(p, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_propensity_get_int(const causal_propensity *p, int key,
                              int64_t *value) {
  CZ_REQUIRE_NONNULL(p);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  *value = *int_slot((causal_propensity *)p, key);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_propensity_set_double(causal_propensity *p, int key, double value) {
  CZ_REQUIRE_NONNULL(p);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  if (!(value >= o->min && value <= o->max))
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %g is outside [%g, %g]", __func__,
                   o->name, value, o->min, o->max);
  *dbl_slot(p, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_propensity_get_double(const causal_propensity *p, int key,
                                 double *value) {
  CZ_REQUIRE_NONNULL(p);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  *value = *dbl_slot((causal_propensity *)p, key);
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Estimation
 * ====================================================================== */

void cz_ps_fit_free(cz_ps_fit *f) {
  if (f == NULL)
    return;
  const cz_alloc *a = &f->alloc;
  if (f->xnames)
    for (size_t j = 0; j < f->k; j++)
      cz_free(a, f->xnames[j]);
  cz_free(a, f->xnames);
  cz_free(a, f->X);
  cz_free(a, f->beta);
  cz_free(a, f->eta);
  cz_free(a, f->p);
  cz_free(a, f->clipped);
  cz_free(a, f->keep);
  cz_free(a, f->t);
  cz_free(a, f->rows);
  causal_result_free(f->logit);
  cz_alloc keep = f->alloc;
  memset(f, 0, sizeof *f);
  f->alloc = keep;
}

/* Mark rows missing in column `name` (or in each ':' component of a term). */
static int mark_missing(const causal_dataset *ds, const char *name,
                        uint8_t *ok, int split) {
  char buf[512];
  const char *s = name;
  for (;;) {
    const char *colon = split ? strchr(s, ':') : NULL;
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len >= sizeof buf)
      return cz_fail(CAUSAL_EINVAL, "column name '%.40s...' is too long", s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    const cz_column *c = cz_dataset_find(ds, buf);
    if (c == NULL)
      return CAUSAL_ENOTFOUND;
    for (size_t i = 0; i < ds->nrows; i++)
      if (cz_col_missing(c, i))
        ok[i] = 0;
    if (colon == NULL)
      break;
    s = colon + 1;
  }
  return CAUSAL_OK;
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Crump et al. (2009): with g = 1 / (e (1 - e)), alpha = 0 when
 * max g <= 2 E[g]; otherwise gamma solves gamma = 2 E[g | g <= gamma] and
 * alpha = 1/2 - sqrt(1/4 - 1/gamma). Among the solutions of the sample
 * version (gamma = 2 m_k with g_(k) <= 2 m_k < g_(k+1), m_k the mean of the
 * k smallest g) we take the one minimising their variance bound m_k / k. */
static int crump_alpha(const cz_alloc *a, const double *p, size_t n,
                       double *alpha) {
  double *g = cz_malloc(a, n * sizeof *g);
  if (g == NULL)
    return CAUSAL_ENOMEM;
  double sum = 0, mx = 0;
  for (size_t i = 0; i < n; i++) {
    g[i] = 1.0 / (p[i] * (1.0 - p[i]));
    sum += g[i];
    if (g[i] > mx)
      mx = g[i];
  }
  *alpha = 0;
  if (mx > 2.0 * sum / (double)n) {
    qsort(g, n, sizeof *g, cmp);
    double cs = 0, best = INFINITY, gamma = NAN;
    for (size_t k = 1; k <= n; k++) {
      cs += g[k - 1];
      double two_m = 2.0 * cs / (double)k;
      int ok = g[k - 1] <= two_m && (k == n || two_m < g[k]);
      if (ok && cs / ((double)k * (double)k) < best) {
        best = cs / ((double)k * (double)k);
        gamma = two_m;
      }
    }
    if (gamma == gamma && gamma > 4.0)
      *alpha = 0.5 - sqrt(0.25 - 1.0 / gamma);
  }
  cz_free(a, g);
  return CAUSAL_OK;
}

static int fit_logit(cz_ps_fit *f, const causal_propensity *ps,
                     const causal_dataset *ds) {
  causal_regress *m = NULL;
  causal_design *d = NULL;
  causal_result *des = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_LOGIT);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, ps->treatment);
  for (size_t j = 0; rc == CAUSAL_OK && j < ps->nterms; j++)
    rc = causal_regress_add_term(m, ps->terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_RANK, CAUSAL_RANK_ERROR);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_MAXITER, ps->maxiter);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&f->logit, m, ds);
  if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
    rc = cz_fail_context(rc, "propensity model for '%s'", ps->treatment);
  if (rc == CAUSAL_OK)
    rc = causal_design_new(&d);
  for (size_t j = 0; rc == CAUSAL_OK && j < ps->nterms; j++)
    rc = causal_design_add_term(d, ps->terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_design_build(&des, d, ds);
  const double *X = NULL, *coef = NULL;
  size_t nr = 0, k = 0, kc = 0, tc = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(des, "X", &X, &nr, &k);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(f->logit, "coef", &coef, &kc, &tc);
  if (rc == CAUSAL_OK && (nr != f->n || kc != k))
    rc = cz_fail(CAUSAL_EINTERNAL, "propensity: design %zu x %zu vs logit %zu",
                 nr, k, kc);
  if (rc == CAUSAL_OK) {
    f->k = k;
    f->X = cz_malloc(&f->alloc, (nr * k > 0 ? nr * k : 1) * sizeof *X);
    f->beta = cz_malloc(&f->alloc, k * sizeof *coef);
    f->xnames = cz_calloc(&f->alloc, k, sizeof *f->xnames);
    if (f->X == NULL || f->beta == NULL || f->xnames == NULL)
      rc = CAUSAL_ENOMEM;
  }
  for (size_t j = 0; rc == CAUSAL_OK && j < k; j++) {
    const char *nm = causal_result_dimname(des, "X", 1, j);
    if ((f->xnames[j] = cz_strdup(&f->alloc, nm ? nm : "?")) == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    memcpy(f->X, X, nr * k * sizeof *X);
    memcpy(f->beta, coef, k * sizeof *coef);
    for (size_t i = 0; i < f->n; i++) {
      double e = 0;
      for (size_t j = 0; j < k; j++)
        e += X[j * nr + i] * coef[j];
      f->eta[i] = e;
      f->p[i] = 1.0 / (1.0 + exp(-e));
    }
  }
  causal_result_free(des);
  causal_design_free(d);
  causal_regress_free(m);
  return rc;
}

static int ps_estimate(cz_ps_fit *f, const causal_propensity *ps,
                       const causal_dataset *ds, const char *const *extra,
                       size_t nextra) {
  const cz_alloc *a = &f->alloc;
  if (ps->treatment == NULL)
    return cz_fail(CAUSAL_EINVAL, "propensity: no treatment column set "
                                  "(causal_propensity_set_treatment)");
  size_t N = ds->nrows;
  if (N == 0)
    return cz_fail(CAUSAL_EINVAL, "propensity: the dataset has no rows");
  uint8_t *ok = cz_malloc(a, N);
  if (ok == NULL)
    return CAUSAL_ENOMEM;
  memset(ok, 1, N);
  int rc = mark_missing(ds, ps->treatment, ok, 0);
  for (size_t j = 0; rc == CAUSAL_OK && j < ps->nterms; j++)
    rc = mark_missing(ds, ps->terms[j], ok, 1);
  for (size_t j = 0; rc == CAUSAL_OK && j < nextra; j++)
    if (extra[j] != NULL)
      rc = mark_missing(ds, extra[j], ok, 1);
  const cz_column *sc = NULL;
  if (rc == CAUSAL_OK && ps->scores != NULL &&
      (sc = cz_dataset_find(ds, ps->scores)) == NULL)
    rc = CAUSAL_ENOTFOUND;
  if (rc == CAUSAL_OK && sc != NULL && sc->type != CAUSAL_TYPE_F64)
    rc = cz_fail(CAUSAL_ETYPE, "propensity: scores column '%s' is not float64",
                 ps->scores);
  size_t n = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < N; i++)
    n += ok[i];
  if (rc == CAUSAL_OK && n == 0)
    rc = cz_fail(CAUSAL_EMISSING, "propensity: no row is complete in the "
                                  "treatment, covariate and outcome columns");
  causal_dataset *sub = NULL;
  const causal_dataset *use = ds;
  if (rc == CAUSAL_OK && n < N) {
    rc = causal_dataset_subset_mask(&sub, ds, ok, N);
    use = sub;
  }
  if (rc == CAUSAL_OK) {
    f->n = n;
    f->n_dropped = N - n;
    f->eta = cz_malloc(a, n * sizeof(double));
    f->p = cz_malloc(a, n * sizeof(double));
    f->t = cz_malloc(a, n * sizeof(double));
    f->clipped = cz_calloc(a, n, 1);
    f->keep = cz_malloc(a, n);
    f->rows = cz_malloc(a, n * sizeof(size_t));
    if (!f->eta || !f->p || !f->t || !f->clipped || !f->keep || !f->rows)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    size_t r = 0;
    for (size_t i = 0; i < N; i++)
      if (ok[i])
        f->rows[r++] = i;
  }
  /* treatment: 0/1 */
  size_t tcol = 0;
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_index(use, ps->treatment, &tcol);
  const cz_column *tc = rc == CAUSAL_OK ? &use->cols[tcol] : NULL;
  if (rc == CAUSAL_OK && tc->type == CAUSAL_TYPE_CAT && tc->nlevels != 2)
    rc = cz_fail(CAUSAL_EINVAL,
                 "propensity: categorical treatment '%s' has %zu levels, "
                 "not 2",
                 ps->treatment, tc->nlevels);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_to_f64(use, tcol, f->t, n);
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    if (f->t[i] != 0.0 && f->t[i] != 1.0)
      rc = cz_fail(CAUSAL_EINVAL,
                   "propensity: treatment '%s' is %g at row %zu (must be 0 or "
                   "1)",
                   ps->treatment, f->t[i], f->rows[i]);
    else if (f->t[i] == 1.0)
      f->n1++;
  }
  if (rc == CAUSAL_OK) {
    f->n0 = n - f->n1;
    if (f->n0 == 0)
      rc = cz_fail(CAUSAL_EINVAL,
                   "propensity: all %zu rows are treated ('%s' = 1): no "
                   "controls",
                   n, ps->treatment);
    else if (f->n1 == 0)
      rc = cz_fail(CAUSAL_EINVAL,
                   "propensity: no row is treated ('%s' = 0 in all %zu rows)",
                   ps->treatment, n);
  }
  if (rc == CAUSAL_OK && sc != NULL) {
    const double *v = sc->data;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
      size_t row = f->rows[i];
      double e = v[row];
      if (cz_col_missing(sc, row) || !isfinite(e))
        rc = cz_fail(isnan(e) || cz_col_missing(sc, row) ? CAUSAL_EMISSING
                                                          : CAUSAL_ENONFINITE,
                     "propensity: score '%s' is %s at row %zu", ps->scores,
                     isnan(e) || cz_col_missing(sc, row) ? "NaN/missing"
                                                         : "infinite",
                     row);
      f->p[i] = e;
      f->eta[i] = log(e) - log1p(-e);
    }
  } else if (rc == CAUSAL_OK) {
    f->estimated = 1;
    rc = fit_logit(f, ps, use);
  }
  /* clipping, then the (0, 1) check */
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    if (f->p[i] < ps->clip_low) {
      f->p[i] = ps->clip_low;
      f->clipped[i] = 1;
      f->n_clipped++;
    } else if (f->p[i] > ps->clip_high) {
      f->p[i] = ps->clip_high;
      f->clipped[i] = 1;
      f->n_clipped++;
    }
    if (!(f->p[i] > 0.0 && f->p[i] < 1.0))
      rc = cz_fail(CAUSAL_ERANGE,
                   "propensity: score %.17g at row %zu is not strictly "
                   "between 0 and 1 (no overlap; set CLIP_LOW/CLIP_HIGH to "
                   "clip)",
                   f->p[i], f->rows[i]);
  }
  /* common support */
  if (rc == CAUSAL_OK) {
    double mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
      int g = f->t[i] == 1.0;
      mn[g] = fmin(mn[g], f->p[i]);
      mx[g] = fmax(mx[g], f->p[i]);
    }
    if (mx[1] < mn[0] || mx[0] < mn[1])
      rc = cz_fail(CAUSAL_ENOOVERLAP,
                   "propensity: no common support: treated scores in [%g, "
                   "%g], control scores in [%g, %g]",
                   mn[1], mx[1], mn[0], mx[0]);
  }
  /* trimming */
  if (rc == CAUSAL_OK) {
    f->trim_low = 0;
    f->trim_high = 1;
    f->crump_alpha = NAN;
    if (ps->trim == CAUSAL_TRIM_FIXED) {
      f->trim_low = ps->trim_low;
      f->trim_high = ps->trim_high;
    } else if (ps->trim == CAUSAL_TRIM_CRUMP) {
      rc = crump_alpha(a, f->p, n, &f->crump_alpha);
      f->trim_low = f->crump_alpha;
      f->trim_high = 1 - f->crump_alpha;
    }
  }
  if (rc == CAUSAL_OK) {
    size_t k1 = 0, k0 = 0;
    for (size_t i = 0; i < n; i++) {
      f->keep[i] = f->p[i] >= f->trim_low && f->p[i] <= f->trim_high;
      if (!f->keep[i])
        f->n_trimmed++;
      else if (f->t[i] == 1.0)
        k1++;
      else
        k0++;
    }
    if (k1 == 0 || k0 == 0)
      rc = cz_fail(CAUSAL_ENOOVERLAP,
                   "propensity: trimming to [%g, %g] leaves %zu treated and "
                   "%zu control units",
                   f->trim_low, f->trim_high, k1, k0);
  }
  causal_dataset_free(sub);
  cz_free(a, ok);
  return rc;
}

int cz_ps_estimate(cz_ps_fit *f, const causal_propensity *ps,
                   const causal_dataset *ds, const char *const *extra,
                   size_t nextra) {
  memset(f, 0, sizeof *f);
  f->alloc = cz_alloc_current();
  CZ_REQUIRE_NONNULL(ps);
  CZ_REQUIRE_NONNULL(ds);
  int rc = ps_estimate(f, ps, ds, extra, nextra);
  if (rc != CAUSAL_OK)
    cz_ps_fit_free(f);
  return rc;
}

/* ======================================================================
 * Result
 * ====================================================================== */

static double quantile7(const double *s, size_t n, double q) {
  double h = (double)(n - 1) * q;
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n)
    return s[n - 1];
  return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

static int overlap_entries(causal_result *r, const cz_ps_fit *f,
                           const causal_propensity *ps) {
  const cz_alloc *a = &f->alloc;
  size_t n = f->n, nb = (size_t)ps->bins;
  double *s = cz_malloc(a, n * sizeof *s);
  double *edges = cz_malloc(a, (nb + 1) * sizeof *edges);
  double *counts = cz_calloc(a, 2 * nb, sizeof *counts);
  int rc = (s && edges && counts) ? CAUSAL_OK : CAUSAL_ENOMEM;
  double qm[14];
  static const double probs[7] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
  double mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
  for (int g = 0; rc == CAUSAL_OK && g < 2; g++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if ((f->t[i] == 1.0) == g)
        s[m++] = f->p[i];
    qsort(s, m, sizeof *s, cmp);
    mn[g] = s[0];
    mx[g] = s[m - 1];
    for (int j = 0; j < 7; j++)
      qm[j * 2 + g] = quantile7(s, m, probs[j]);
  }
  if (rc == CAUSAL_OK) {
    static const char *rn[2] = {"control", "treated"};
    static const char *cn[7] = {"min", "p05", "p25", "p50",
                                "p75", "p95", "max"};
    rc = causal_result_set_matrix(r, "quantiles", qm, 2, 7, rn, cn);
    double lo = fmin(mn[0], mn[1]), hi = fmax(mx[0], mx[1]);
    for (size_t j = 0; j <= nb; j++)
      edges[j] = lo + (hi - lo) * (double)j / (double)nb;
    edges[nb] = hi;
    for (size_t i = 0; i < n; i++) {
      size_t b = hi > lo ? (size_t)((f->p[i] - lo) / (hi - lo) * (double)nb)
                         : 0;
      if (b >= nb)
        b = nb - 1;
      /* rounding at the edges: make the bin agree with the edges */
      while (b > 0 && f->p[i] < edges[b])
        b--;
      while (b + 1 < nb && f->p[i] >= edges[b + 1])
        b++;
      counts[b * 2 + (f->t[i] == 1.0)] += 1;
    }
    if (rc == CAUSAL_OK)
      rc = causal_result_set_vector(r, "hist_edges", edges, nb + 1, NULL);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_matrix(r, "hist_counts", counts, 2, nb, rn,
                                    NULL);
    double slo = fmax(mn[0], mn[1]), shi = fmin(mx[0], mx[1]);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
      out += f->p[i] < slo || f->p[i] > shi;
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "support_low", slo);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "support_high", shi);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_outside_support", (double)out);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "share_outside_support",
                                    (double)out / (double)n);
  }
  cz_free(a, s);
  cz_free(a, edges);
  cz_free(a, counts);
  return rc;
}

static int build_result(causal_result *r, const cz_ps_fit *f,
                        const causal_propensity *ps) {
  size_t n = f->n;
  double *v = cz_result_alloc_values(r, n);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  memcpy(v, f->p, n * sizeof *v);
  CZ_CHECK(cz_result_take_vector(r, "propensity", v, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "linear_predictor", f->eta, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "treatment", f->t, n, NULL));
  if ((v = cz_result_alloc_values(r, n)) == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = (double)f->rows[i];
  CZ_CHECK(cz_result_take_vector(r, "rows", v, n, NULL));
  if ((v = cz_result_alloc_values(r, n)) == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = f->keep[i];
  CZ_CHECK(cz_result_take_vector(r, "keep", v, n, NULL));
  if (f->estimated) {
    const double *c = NULL, *V = NULL;
    size_t k = 0, nc = 0;
    CZ_CHECK(causal_result_get_matrix(f->logit, "coef", &c, &k, &nc));
    double *cols[CAUSAL_TABLE_NCOLS];
    for (int j = 0; j < CAUSAL_TABLE_NCOLS; j++)
      cols[j] = (double *)c + (size_t)j * k;
    CZ_CHECK(causal_result_set_table(r, "coef", (const char *const *)f->xnames,
                                     k, cols[0], cols[1], cols[2], cols[3],
                                     cols[4], cols[5]));
    CZ_CHECK(causal_result_get_matrix(f->logit, "vcov", &V, &k, &nc));
    CZ_CHECK(causal_result_set_matrix(r, "vcov", V, k, nc,
                                      (const char *const *)f->xnames,
                                      (const char *const *)f->xnames));
  }
  CZ_CHECK(causal_result_set_string(r, "source",
                                    f->estimated ? "logit" : "supplied"));
  CZ_CHECK(causal_result_set_scalar(r, "nobs", (double)n));
  CZ_CHECK(causal_result_set_scalar(r, "n_dropped", (double)f->n_dropped));
  CZ_CHECK(causal_result_set_scalar(r, "n_treated", (double)f->n1));
  CZ_CHECK(causal_result_set_scalar(r, "n_control", (double)f->n0));
  CZ_CHECK(causal_result_set_scalar(r, "n_clipped", (double)f->n_clipped));
  CZ_CHECK(causal_result_set_scalar(r, "n_trimmed", (double)f->n_trimmed));
  CZ_CHECK(causal_result_set_scalar(r, "trim_low", f->trim_low));
  CZ_CHECK(causal_result_set_scalar(r, "trim_high", f->trim_high));
  CZ_CHECK(causal_result_set_scalar(r, "crump_alpha", f->crump_alpha));
  return overlap_entries(r, f, ps);
}

int causal_propensity_fit(causal_result **out, const causal_propensity *p,
                          const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(p);
  CZ_REQUIRE_NONNULL(ds);
  cz_ps_fit f;
  CZ_CHECK(cz_ps_estimate(&f, p, ds, NULL, 0));
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "propensity");
  if (rc == CAUSAL_OK)
    rc = build_result(r, &f, p);
  cz_ps_fit_free(&f);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
