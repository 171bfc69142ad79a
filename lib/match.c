/* Nearest-neighbour matching: the causal_match specification, the score
 * (logistic model through causal_regress, or a user column), greedy 1-D
 * matching on a sorted array with union-find "next available" pointers,
 * Mahalanobis matching, exact strata, MatchIt weights and subclasses, and
 * the effect after matching with the cluster-robust SE.
 * Formulas and conventions: docs/methods/matching.md. */
#include "internal/match.h"
#include "internal/sort.h"
#include "internal/dist.h"
#include "internal/result.h"
#include "internal/rng.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Specification
 * ====================================================================== */

static int list_add(causal_match *m, cz_strlist *l, const char *s,
                    const char *who) {
  if (s == NULL || s[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: column/term is NULL or empty", who);
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], s) == 0)
      return cz_fail(CAUSAL_EEXISTS, "%s: '%s' was already added", who, s);
  if (l->n == l->cap) {
    size_t nc = l->cap ? 2 * l->cap : 4;
    char **nv =
        cz_realloc(&m->alloc, l->v, l->cap * sizeof *nv, nc * sizeof *nv);
    if (nv == NULL)
      return CAUSAL_ENOMEM;
    l->v = nv;
    l->cap = nc;
  }
  char *d = cz_strdup(&m->alloc, s);
  if (d == NULL)
    return CAUSAL_ENOMEM;
  l->v[l->n++] = d;
  cz_clear_error();
  return CAUSAL_OK;
}

static void list_free(causal_match *m, cz_strlist *l) {
  for (size_t i = 0; i < l->n; i++)
    cz_free(&m->alloc, l->v[i]);
  cz_free(&m->alloc, l->v);
}

int causal_match_new(causal_match **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_match *m = cz_calloc(&a, 1, sizeof *m);
  if (m == NULL)
    return CAUSAL_ENOMEM;
  m->alloc = a;
  m->estimand = CAUSAL_MATCH_ATT;
  m->ratio = 1;
  m->order = CAUSAL_MATCH_ORDER_DEFAULT;
  m->distance = CAUSAL_MATCH_DIST_PS;
  m->seed = 1;
  m->std_caliper = 1;
  m->ai_m = 1;
  m->ai_weight = 1;
  m->caliper = INFINITY;
  m->conf_level = 0.95;
  *out = m;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_match_free(causal_match *m) {
  if (m == NULL)
    return;
  cz_alloc a = m->alloc;
  cz_free(&a, m->treatment);
  cz_free(&a, m->outcome);
  cz_free(&a, m->score);
  list_free(m, &m->covs);
  list_free(m, &m->mah);
  list_free(m, &m->exact);
  cz_free(&a, m);
}

static int set_name(causal_match *m, char **slot, const char *s,
                    const char *who, int allow_null) {
  CZ_REQUIRE_NONNULL(m);
  if (s == NULL && allow_null) {
    cz_free(&m->alloc, *slot);
    *slot = NULL;
    cz_clear_error();
    return CAUSAL_OK;
  }
  if (s == NULL || s[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: column name is NULL or empty", who);
  char *d = cz_strdup(&m->alloc, s);
  if (d == NULL)
    return CAUSAL_ENOMEM;
  cz_free(&m->alloc, *slot);
  *slot = d;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_match_set_treatment(causal_match *m, const char *column) {
  return set_name(m, m ? &m->treatment : NULL, column,
                  "causal_match_set_treatment", 0);
}
int causal_match_set_outcome(causal_match *m, const char *column) {
  return set_name(m, m ? &m->outcome : NULL, column, "causal_match_set_outcome",
                  0);
}
int causal_match_set_score(causal_match *m, const char *column) {
  return set_name(m, m ? &m->score : NULL, column, "causal_match_set_score", 1);
}
int causal_match_add_covariate(causal_match *m, const char *term) {
  CZ_REQUIRE_NONNULL(m);
  return list_add(m, &m->covs, term, "causal_match_add_covariate");
}
int causal_match_add_mahalanobis(causal_match *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  return list_add(m, &m->mah, column, "causal_match_add_mahalanobis");
}
int causal_match_add_exact(causal_match *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  return list_add(m, &m->exact, column, "causal_match_add_exact");
}

int causal_match_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  double lo, hi;
  switch (key) {
  case CAUSAL_MATCH_ESTIMAND:
    lo = 1;
    hi = 3;
    break;
  case CAUSAL_MATCH_RATIO:
    lo = 1;
    hi = 1000;
    break;
  case CAUSAL_MATCH_REPLACE:
  case CAUSAL_MATCH_STD_CALIPER:
  case CAUSAL_MATCH_AI_BIAS_ADJUST:
  case CAUSAL_MATCH_AI_ON_SCORE:
  case CAUSAL_MATCH_AI_PS_ADJUST:
  case CAUSAL_MATCH_COMPAT:
    lo = 0;
    hi = 1;
    break;
  case CAUSAL_MATCH_ORDER:
    lo = 0;
    hi = 4;
    break;
  case CAUSAL_MATCH_DISTANCE:
    lo = 1;
    hi = 3;
    break;
  case CAUSAL_MATCH_SEED:
    lo = 0;
    hi = 9007199254740992.0;
    break;
  case CAUSAL_MATCH_AI_M:
    lo = 1;
    hi = 1000;
    break;
  case CAUSAL_MATCH_AI_WEIGHT:
    lo = 1;
    hi = 2;
    break;
  case CAUSAL_MATCH_AI_VAR_MATCHES:
    lo = 0;
    hi = 1000;
    break;
  case CAUSAL_MATCH_CALIPER:
    lo = 0;
    hi = INFINITY;
    break;
  case CAUSAL_MATCH_CONF_LEVEL:
    lo = 0;
    hi = 1;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL, "causal_match_bounds: unknown key %d", key);
  }
  *min = lo;
  *max = hi;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_match *m, int key) {
  switch (key) {
  case CAUSAL_MATCH_ESTIMAND:
    return &m->estimand;
  case CAUSAL_MATCH_RATIO:
    return &m->ratio;
  case CAUSAL_MATCH_REPLACE:
    return &m->replace;
  case CAUSAL_MATCH_ORDER:
    return &m->order;
  case CAUSAL_MATCH_DISTANCE:
    return &m->distance;
  case CAUSAL_MATCH_SEED:
    return &m->seed;
  case CAUSAL_MATCH_STD_CALIPER:
    return &m->std_caliper;
  case CAUSAL_MATCH_AI_M:
    return &m->ai_m;
  case CAUSAL_MATCH_AI_BIAS_ADJUST:
    return &m->ai_bias;
  case CAUSAL_MATCH_AI_WEIGHT:
    return &m->ai_weight;
  case CAUSAL_MATCH_AI_ON_SCORE:
    return &m->ai_on_score;
  case CAUSAL_MATCH_AI_PS_ADJUST:
    return &m->ai_ps_adjust;
  case CAUSAL_MATCH_AI_VAR_MATCHES:
    return &m->ai_var_matches;
  case CAUSAL_MATCH_COMPAT:
    return &m->compat;
  default:
    return NULL;
  }
}

int causal_match_set_int(causal_match *m, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(m);
  int64_t *slot = int_slot(m, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_set_int: key %d is not an integer option",
                   key);
  double lo, hi;
  CZ_CHECK(causal_match_bounds(key, &lo, &hi));
  if ((double)value < lo || (double)value > hi)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_match_set_int: value %lld for key %d is outside "
                   "[%.0f, %.0f]",
                   (long long)value, key, lo, hi);
  *slot = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_match_get_int(const causal_match *m, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(value);
  int64_t *slot = int_slot((causal_match *)m, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_get_int: key %d is not an integer option",
                   key);
  *value = *slot;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_match_set_double(causal_match *m, int key, double value) {
  CZ_REQUIRE_NONNULL(m);
  if (key == CAUSAL_MATCH_CALIPER) {
    if (!(value > 0))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_match_set_double: caliper %g must be > 0 (Inf "
                     "for none)",
                     value);
    m->caliper = value;
  } else if (key == CAUSAL_MATCH_CONF_LEVEL) {
    if (!(value > 0 && value < 1))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_match_set_double: conf_level %g is not in (0, 1)",
                     value);
    m->conf_level = value;
  } else {
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_set_double: key %d is not a real option", key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_match_get_double(const causal_match *m, int key, double *value) {
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(value);
  if (key == CAUSAL_MATCH_CALIPER)
    *value = m->caliper;
  else if (key == CAUSAL_MATCH_CONF_LEVEL)
    *value = m->conf_level;
  else
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match_get_double: key %d is not a real option", key);
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Data extraction
 * ====================================================================== */

/* Column as doubles (n values, caller frees); NaN / missing is an error
 * naming the column and the first row. */
int cz_match_column(const causal_match *m, const causal_dataset *ds,
                    const char *name, const char *role, double **out) {
  *out = NULL;
  size_t col, n = causal_dataset_nrows(ds);
  int rc = causal_dataset_col_index(ds, name, &col);
  if (rc != CAUSAL_OK)
    return cz_fail(rc, "causal_match: %s column '%s' is not in the dataset",
                   role, name);
  double *v = cz_malloc(&m->alloc, (n ? n : 1) * sizeof *v);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  rc = causal_dataset_col_to_f64(ds, col, v, n);
  if (rc != CAUSAL_OK) {
    cz_free(&m->alloc, v);
    return rc;
  }
  for (size_t i = 0; i < n; i++) {
    if (isnan(v[i])) {
      cz_free(&m->alloc, v);
      return cz_fail(CAUSAL_EMISSING,
                     "causal_match: %s column '%s' is missing (NaN) at row "
                     "%zu; drop incomplete rows first",
                     role, name, i);
    }
    if (!isfinite(v[i])) {
      cz_free(&m->alloc, v);
      return cz_fail(CAUSAL_ENONFINITE,
                     "causal_match: %s column '%s' is infinite at row %zu",
                     role, name, i);
    }
  }
  *out = v;
  return CAUSAL_OK;
}

/* Treatment as 0/1 bytes; counts per arm. */
int cz_match_treatment(const causal_match *m, const causal_dataset *ds,
                       uint8_t **out, size_t *n1, size_t *n0) {
  *out = NULL;
  if (m->treatment == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_match: no treatment column set "
                                  "(causal_match_set_treatment)");
  size_t n = causal_dataset_nrows(ds);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_match: the dataset has no rows");
  double *v;
  CZ_CHECK(cz_match_column(m, ds, m->treatment, "treatment", &v));
  uint8_t *t = cz_malloc(&m->alloc, n);
  if (t == NULL) {
    cz_free(&m->alloc, v);
    return CAUSAL_ENOMEM;
  }
  size_t c1 = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] != 0 && v[i] != 1) {
      double bad = v[i];
      cz_free(&m->alloc, v);
      cz_free(&m->alloc, t);
      return cz_fail(CAUSAL_EINVAL,
                     "causal_match: treatment '%s' is %g at row %zu (must be "
                     "0 or 1)",
                     m->treatment, bad, i);
    }
    t[i] = (uint8_t)(v[i] == 1);
    c1 += t[i];
  }
  cz_free(&m->alloc, v);
  if (c1 == 0 || c1 == n) {
    cz_free(&m->alloc, t);
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match: treatment '%s' has %s (all %zu rows are %s); "
                   "matching needs both arms",
                   m->treatment, c1 == 0 ? "no treated units" : "no controls",
                   n, c1 == 0 ? "0" : "1");
  }
  *n1 = c1;
  *n0 = n - c1;
  *out = t;
  return CAUSAL_OK;
}

/* The score: user column, or the logistic propensity model. linear = 1
 * returns the linear predictor. Returns NULL score (OK) when neither a
 * score column nor covariates are given. */
int cz_match_score(const causal_match *m, const causal_dataset *ds, int linear,
                   double **out) {
  *out = NULL;
  size_t n = causal_dataset_nrows(ds);
  if (m->score != NULL) {
    double *v;
    CZ_CHECK(cz_match_column(m, ds, m->score, "score", &v));
    *out = v;
    return CAUSAL_OK;
  }
  if (m->covs.n == 0)
    return CAUSAL_OK;
  causal_regress *r = NULL;
  causal_result *fit = NULL;
  int rc = causal_regress_new(&r, CAUSAL_REGRESS_LOGIT);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(r, m->treatment);
  for (size_t j = 0; rc == CAUSAL_OK && j < m->covs.n; j++)
    rc = causal_regress_add_term(r, m->covs.v[j]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(r, CAUSAL_REGRESS_KEEP_FITTED, 1);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&fit, r, ds);
  causal_regress_free(r);
  if (rc != CAUSAL_OK)
    return cz_fail_context(rc, "causal_match: propensity model");
  double nobs = 0;
  const double *f = NULL;
  size_t nf = 0;
  rc = causal_result_get_scalar(fit, "nobs", &nobs);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(fit, linear ? "linear_predictor" : "fitted",
                                  &f, &nf);
  if (rc == CAUSAL_OK && nf != n)
    rc = cz_fail(CAUSAL_EMISSING,
                 "causal_match: the propensity model dropped %zu rows with "
                 "missing values; drop incomplete rows first",
                 n - nf);
  double *v = NULL;
  if (rc == CAUSAL_OK) {
    v = cz_malloc(&m->alloc, n * sizeof *v);
    if (v == NULL)
      rc = CAUSAL_ENOMEM;
    else
      memcpy(v, f, n * sizeof *v);
  }
  causal_result_free(fit);
  *out = v;
  return rc;
}


/* ======================================================================
 * Greedy 1-D matching within one stratum.
 *   foc[0..nf): focal rows in processing order
 *   ctl[0..nc): rows of the other group (any order)
 *   mm: n_focal_total x k, indexed by fpos[row] (row's focal position)
 * ====================================================================== */

typedef struct {
  const cz_alloc *a;
  const double *d; /* score per row */
  double cal;      /* absolute caliper (Inf: none) */
  size_t k;        /* ratio */
  int replace;
  int compat;         /* MatchIt 4.5.1 truncated differences */
  const size_t *fpos; /* row -> focal position */
  int64_t *mm;        /* focal position * k + r -> row or -1 */
} cz_greedy;

static inline size_t uf_find(size_t *p, size_t j) {
  while (p[j] != j) {
    p[j] = p[p[j]];
    j = p[j];
  }
  return j;
}

static int in_row(const int64_t *row, size_t r, int64_t c) {
  for (size_t i = 0; i < r; i++)
    if (row[i] == c)
      return 1;
  return 0;
}

static int greedy_1d(const cz_greedy *g, const size_t *foc, size_t nf,
                     const size_t *ctl, size_t nc) {
  const cz_alloc *a = g->a;
  if (nf == 0 || nc == 0)
    return CAUSAL_OK;
  uint64_t *ck = cz_malloc(a, nc * sizeof *ck);
  size_t *cr = cz_malloc(a, nc * sizeof *cr);
  double *cd = cz_malloc(a, nc * sizeof *cd);
  size_t *pos = cz_malloc(a, nf * sizeof *pos);
  size_t *L = NULL, *R = NULL;
  int rc = CAUSAL_OK;
  if (ck == NULL || cr == NULL || cd == NULL || pos == NULL) {
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < nc; i++) {
    cr[i] = ctl[i];
    ck[i] = cz_sort_key_f64(g->d[ctl[i]]);
  }
  /* ctl is in row order, so the stable sort ranks by (score, row). */
  rc = cz_radix_sort(a, ck, cr, nc);
  if (rc != CAUSAL_OK)
    goto done;
  for (size_t i = 0; i < nc; i++)
    cd[i] = g->d[cr[i]];
  /* pos: number of controls ranked before the focal unit by (score, row) */
  for (size_t f = 0; f < nf; f++) {
    size_t row = foc[f];
    uint64_t key = cz_sort_key_f64(g->d[row]);
    size_t lo = 0, hi = nc;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (ck[mid] < key || (ck[mid] == key && cr[mid] < row))
        lo = mid + 1;
      else
        hi = mid;
    }
    pos[f] = lo;
  }
  if (!g->replace) {
    L = cz_malloc(a, (nc + 1) * sizeof *L);
    R = cz_malloc(a, (nc + 1) * sizeof *R);
    if (L == NULL || R == NULL) {
      rc = CAUSAL_ENOMEM;
      goto done;
    }
    for (size_t j = 0; j <= nc; j++)
      L[j] = R[j] = j;
  }
  size_t left_avail = nc;
  for (size_t r = 0; r < g->k && left_avail > 0; r++) {
    for (size_t f = 0; f < nf && left_avail > 0; f++) {
      size_t row = foc[f];
      double dt = g->d[row];
      int64_t *mrow = g->mm + g->fpos[row] * g->k;
      size_t li = SIZE_MAX, ri = SIZE_MAX; /* sorted positions */
      if (!g->replace) {
        size_t j = uf_find(L, pos[f]); /* j-1: largest free < pos */
        if (j > 0)
          li = j - 1;
        j = uf_find(R, pos[f]);
        if (j < nc)
          ri = j;
      } else {
        for (size_t j = pos[f]; j > 0; j--)
          if (!in_row(mrow, r, (int64_t)cr[j - 1])) {
            li = j - 1;
            break;
          }
        for (size_t j = pos[f]; j < nc; j++)
          if (!in_row(mrow, r, (int64_t)cr[j])) {
            ri = j;
            break;
          }
      }
      double dl = li != SIZE_MAX ? fabs(dt - cd[li]) : 0;
      double dr = ri != SIZE_MAX ? fabs(dt - cd[ri]) : 0;
      if (g->compat) {
        dl = trunc(dl);
        dr = trunc(dr);
      }
      if (li != SIZE_MAX && dl > g->cal)
        li = SIZE_MAX;
      if (ri != SIZE_MAX && dr > g->cal)
        ri = SIZE_MAX;
      size_t pick;
      if (li != SIZE_MAX && ri != SIZE_MAX)
        pick = dl <= dr ? li : ri;
      else if (li != SIZE_MAX)
        pick = li;
      else if (ri != SIZE_MAX)
        pick = ri;
      else
        continue;
      mrow[r] = (int64_t)cr[pick];
      if (!g->replace) {
        L[pick + 1] = pick;
        R[pick] = pick + 1;
        left_avail--;
      }
    }
  }
done:
  cz_free(a, ck);
  cz_free(a, cr);
  cz_free(a, cd);
  cz_free(a, pos);
  cz_free(a, L);
  cz_free(a, R);
  return rc;
}

/* Mahalanobis (Euclidean on transformed coordinates z, n x p row-major)
 * within the score caliper (when d != NULL and cal finite). Ties: lowest
 * row among distances equal to 1e-9 relative. */
static int greedy_mahal(const cz_greedy *g, const double *z, size_t p,
                        const size_t *foc, size_t nf, const size_t *ctl,
                        size_t nc, uint8_t *used) {
  int use_cal = g->d != NULL && isfinite(g->cal);
  for (size_t r = 0; r < g->k; r++) {
    for (size_t f = 0; f < nf; f++) {
      size_t row = foc[f];
      int64_t *mrow = g->mm + g->fpos[row] * g->k;
      const double *zt = z + row * p;
      double best = INFINITY;
      int64_t bi = -1;
      for (size_t c = 0; c < nc; c++) {
        size_t cj = ctl[c];
        if (used[cj] || (g->replace && in_row(mrow, r, (int64_t)cj)))
          continue;
        if (use_cal && fabs(g->d[cj] - g->d[row]) > g->cal)
          continue;
        const double *zc = z + cj * p;
        double s = 0;
        for (size_t j = 0; j < p; j++) {
          double e = zt[j] - zc[j];
          s += e * e;
        }
        /* equal to 1e-9 relative is a tie (kept: the lower row), so
         * rounding of mathematically equal distances cannot decide */
        if (bi < 0 || s < best - 1e-9 * best) {
          best = s;
          bi = (int64_t)cj;
        }
      }
      if (bi < 0)
        continue;
      mrow[r] = bi;
      if (!g->replace)
        used[bi] = 1;
    }
  }
  return CAUSAL_OK;
}

/* ======================================================================
 * Mahalanobis transform (MatchIt): drop constant columns, standardize,
 * pooled within-group covariance S, z = L^{-1} x with S = L L'.
 * ====================================================================== */

int cz_match_mahal(const causal_match *m, const causal_dataset *ds,
                   const uint8_t *t, double **zout, size_t *pout) {
  *zout = NULL;
  *pout = 0;
  const cz_alloc *a = &m->alloc;
  size_t n = causal_dataset_nrows(ds), p = m->mah.n, q = 0;
  double *X = cz_malloc(a, n * p * sizeof *X); /* column-major, kept cols */
  double *S = cz_calloc(a, p * p, sizeof *S);
  double *z = NULL;
  int rc = (X == NULL || S == NULL) ? CAUSAL_ENOMEM : CAUSAL_OK;
  for (size_t j = 0; rc == CAUSAL_OK && j < p; j++) {
    double *v;
    rc = cz_match_column(m, ds, m->mah.v[j], "Mahalanobis", &v);
    if (rc != CAUSAL_OK)
      break;
    double lo = v[0], hi = v[0], mu = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
      lo = v[i] < lo ? v[i] : lo;
      hi = v[i] > hi ? v[i] : hi;
      mu += v[i];
    }
    mu /= (double)n;
    for (size_t i = 0; i < n; i++)
      ss += (v[i] - mu) * (v[i] - mu);
    double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    if (fabs(hi - lo) >= sqrt(DBL_EPSILON) && sd > 0) {
      for (size_t i = 0; i < n; i++)
        X[q * n + i] = (v[i] - mu) / sd;
      q++;
    }
    cz_free(a, v);
  }
  if (rc == CAUSAL_OK && q == 0)
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "causal_match: every Mahalanobis column is constant (%zu "
                 "columns, first '%s'); the distance is undefined",
                 p, p ? m->mah.v[0] : "");
  if (rc == CAUSAL_OK) {
    /* pooled within-group covariance, divisor n - 2 */
    double mean[2];
    for (size_t j = 0; j < q; j++) {
      double s[2] = {0, 0}, c[2] = {0, 0};
      for (size_t i = 0; i < n; i++) {
        s[t[i]] += X[j * n + i];
        c[t[i]] += 1;
      }
      mean[0] = s[0] / c[0];
      mean[1] = s[1] / c[1];
      for (size_t i = 0; i < n; i++)
        X[j * n + i] -= mean[t[i]];
    }
    for (size_t j = 0; j < q; j++)
      for (size_t k = 0; k <= j; k++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
          s += X[j * n + i] * X[k * n + i];
        S[j * q + k] = S[k * q + j] = s / (double)(n - 2);
      }
    /* Cholesky S = L L' (lower, row-major in S) */
    for (size_t j = 0; j < q && rc == CAUSAL_OK; j++) {
      double s = S[j * q + j];
      for (size_t k = 0; k < j; k++)
        s -= S[j * q + k] * S[j * q + k];
      if (!(s > 1e-10))
        rc = cz_fail(CAUSAL_ESINGULAR,
                     "causal_match: the Mahalanobis columns are collinear "
                     "(column %zu of the non-constant ones is a linear "
                     "combination of the earlier ones)",
                     j + 1);
      else {
        double l = sqrt(s);
        S[j * q + j] = l;
        for (size_t i = j + 1; i < q; i++) {
          double u = S[i * q + j];
          for (size_t k = 0; k < j; k++)
            u -= S[i * q + k] * S[j * q + k];
          S[i * q + j] = u / l;
        }
      }
    }
  }
  if (rc == CAUSAL_OK) {
    /* Re-read the standardized values (X was group-centred in place). */
    size_t c = 0;
    for (size_t j = 0; rc == CAUSAL_OK && j < p; j++) {
      double *v;
      rc = cz_match_column(m, ds, m->mah.v[j], "Mahalanobis", &v);
      if (rc != CAUSAL_OK)
        break;
      double lo = v[0], hi = v[0], mu = 0, ss = 0;
      for (size_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        mu += v[i];
      }
      mu /= (double)n;
      for (size_t i = 0; i < n; i++)
        ss += (v[i] - mu) * (v[i] - mu);
      double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
      if (fabs(hi - lo) >= sqrt(DBL_EPSILON) && sd > 0) {
        for (size_t i = 0; i < n; i++)
          X[c * n + i] = (v[i] - mu) / sd;
        c++;
      }
      cz_free(a, v);
    }
  }
  if (rc == CAUSAL_OK) {
    z = cz_malloc(a, n * q * sizeof *z);
    if (z == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < n; i++) /* forward solve L z = x */
      for (size_t j = 0; j < q; j++) {
        double u = X[j * n + i];
        for (size_t k = 0; k < j; k++)
          u -= S[j * q + k] * z[i * q + k];
        z[i * q + j] = u / S[j * q + j];
      }
    *zout = z;
    *pout = q;
  }
  cz_free(a, X);
  cz_free(a, S);
  return rc;
}

/* ======================================================================
 * Exact strata: dense ids over the combinations of the exact columns.
 * ====================================================================== */

/* qsort has no context argument in C11: sort (prev id, value, row) triples */
typedef struct {
  size_t prev;
  double v;
  size_t row;
} triple;

static int cmp_triple(const void *x, const void *y) {
  const triple *a = x, *b = y;
  if (a->prev != b->prev)
    return a->prev < b->prev ? -1 : 1;
  if (a->v != b->v)
    return a->v < b->v ? -1 : 1;
  return a->row < b->row ? -1 : (a->row > b->row);
}

static int exact_strata(const causal_match *m, const causal_dataset *ds,
                        size_t *id, size_t *nstrata) {
  size_t n = causal_dataset_nrows(ds);
  for (size_t i = 0; i < n; i++)
    id[i] = 0;
  *nstrata = 1;
  if (m->exact.n == 0)
    return CAUSAL_OK;
  triple *tr = cz_malloc(&m->alloc, n * sizeof *tr);
  if (tr == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < m->exact.n; j++) {
    double *v;
    int rc = cz_match_column(m, ds, m->exact.v[j], "exact", &v);
    if (rc != CAUSAL_OK) {
      cz_free(&m->alloc, tr);
      return rc;
    }
    for (size_t i = 0; i < n; i++) {
      tr[i].prev = id[i];
      tr[i].v = v[i];
      tr[i].row = i;
    }
    cz_free(&m->alloc, v);
    qsort(tr, n, sizeof *tr, cmp_triple);
    size_t s = 0;
    for (size_t i = 0; i < n; i++) {
      if (i > 0 && (tr[i].prev != tr[i - 1].prev || tr[i].v != tr[i - 1].v))
        s++;
      id[tr[i].row] = s;
    }
    *nstrata = s + 1;
  }
  cz_free(&m->alloc, tr);
  return CAUSAL_OK;
}

/* ======================================================================
 * Matching driver
 * ====================================================================== */

void cz_match_state_free(const causal_match *m, cz_match_state *s) {
  cz_free(&m->alloc, s->t);
  cz_free(&m->alloc, s->d);
  cz_free(&m->alloc, s->mm);
  cz_free(&m->alloc, s->focal);
  cz_free(&m->alloc, s->w);
  cz_free(&m->alloc, s->sub);
  memset(s, 0, sizeof *s);
}

static double sd_of(const double *d, size_t n) {
  double mu = 0, ss = 0;
  for (size_t i = 0; i < n; i++)
    mu += d[i];
  mu /= (double)n;
  for (size_t i = 0; i < n; i++)
    ss += (d[i] - mu) * (d[i] - mu);
  return n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

static int focal_order(const causal_match *m, cz_match_state *s, int order,
                       size_t *ord) {
  const cz_alloc *a = &m->alloc;
  size_t nf = s->nfocal;
  for (size_t f = 0; f < nf; f++)
    ord[f] = s->focal[f];
  if (order == CAUSAL_MATCH_ORDER_DATA)
    return CAUSAL_OK;
  if (order == CAUSAL_MATCH_ORDER_RANDOM) {
    causal_rng *rng = NULL;
    CZ_CHECK(causal_rng_new(&rng, (uint64_t)m->seed, 0));
    for (size_t i = nf; i > 1; i--) { /* Fisher–Yates */
      size_t j = (size_t)cz_rng_bounded1(rng, (uint64_t)i);
      size_t tmp = ord[i - 1];
      ord[i - 1] = ord[j];
      ord[j] = tmp;
    }
    causal_rng_free(rng);
    return CAUSAL_OK;
  }
  uint64_t *key = cz_malloc(a, (nf ? nf : 1) * sizeof *key);
  if (key == NULL)
    return CAUSAL_ENOMEM;
  for (size_t f = 0; f < nf; f++) {
    uint64_t k = cz_sort_key_f64(s->d[ord[f]]);
    key[f] = order == CAUSAL_MATCH_ORDER_LARGEST ? ~k : k;
  }
  int rc = cz_radix_sort(a, key, ord, nf);
  cz_free(a, key);
  return rc;
}

int cz_match_run(const causal_match *m, const causal_dataset *ds,
                 cz_match_state *s) {
  const cz_alloc *a = &m->alloc;
  memset(s, 0, sizeof *s);
  if (m->estimand == CAUSAL_MATCH_ATE)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match: estimand ATE is not available for greedy "
                   "nearest-neighbour matching (it matches one focal group; "
                   "use ATT or ATC, or causal_match_ai for ATE)");
  if (m->treatment == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_match: no treatment column set "
                                  "(causal_match_set_treatment)");
  int mahal_only = m->distance == CAUSAL_MATCH_DIST_MAHALANOBIS;
  if (mahal_only && m->mah.n == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_match: distance MAHALANOBIS needs "
                                  "Mahalanobis columns "
                                  "(causal_match_add_mahalanobis)");
  if (!mahal_only && m->score == NULL && m->covs.n == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match: no score column and no propensity-model "
                   "covariates (causal_match_set_score or "
                   "causal_match_add_covariate)");
  size_t n = causal_dataset_nrows(ds), n1 = 0, n0 = 0;
  int rc = cz_match_treatment(m, ds, &s->t, &n1, &n0);
  if (rc != CAUSAL_OK)
    return rc;
  s->n = n;
  s->n1 = n1;
  s->n0 = n0;
  s->k = (size_t)m->ratio;
  s->replace = (int)m->replace;
  int focal1 = m->estimand != CAUSAL_MATCH_ATC;
  size_t *ord = NULL, *fpos = NULL, *strat = NULL, *cnt = NULL, *lst = NULL;
  uint8_t *used = NULL;
  double *z = NULL;
  size_t p = 0, nstrata = 1;
  if (!mahal_only || m->score != NULL || m->covs.n > 0) {
    rc = cz_match_score(m, ds, m->distance == CAUSAL_MATCH_DIST_LINEAR_PS,
                        &s->d);
    if (rc != CAUSAL_OK)
      goto fail;
  }
  s->caliper = INFINITY;
  if (isfinite(m->caliper)) {
    if (s->d == NULL) {
      rc = cz_fail(CAUSAL_EINVAL,
                   "causal_match: a caliper needs a score (set a score "
                   "column or propensity covariates)");
      goto fail;
    }
    s->caliper = m->std_caliper ? m->caliper * sd_of(s->d, n) : m->caliper;
  }
  if (m->mah.n > 0 &&
      (mahal_only || m->distance != CAUSAL_MATCH_DIST_MAHALANOBIS)) {
    rc = cz_match_mahal(m, ds, s->t, &z, &p);
    if (rc != CAUSAL_OK)
      goto fail;
  }
  s->nfocal = focal1 ? n1 : n0;
  s->focal = cz_malloc(a, s->nfocal * sizeof *s->focal);
  fpos = cz_malloc(a, n * sizeof *fpos);
  ord = cz_malloc(a, s->nfocal * sizeof *ord);
  strat = cz_malloc(a, n * sizeof *strat);
  s->mm = cz_malloc(a, s->nfocal * s->k * sizeof *s->mm);
  if (s->focal == NULL || fpos == NULL || ord == NULL || strat == NULL ||
      s->mm == NULL) {
    rc = CAUSAL_ENOMEM;
    goto fail;
  }
  for (size_t i = 0, f = 0; i < n; i++)
    if (s->t[i] == focal1) {
      fpos[i] = f;
      s->focal[f++] = i;
    }
  for (size_t i = 0; i < s->nfocal * s->k; i++)
    s->mm[i] = -1;
  int order = (int)m->order;
  if (order == CAUSAL_MATCH_ORDER_DEFAULT)
    order = s->d == NULL ? CAUSAL_MATCH_ORDER_DATA
                         : (focal1 ? CAUSAL_MATCH_ORDER_LARGEST
                                   : CAUSAL_MATCH_ORDER_SMALLEST);
  if (s->d == NULL && (order == CAUSAL_MATCH_ORDER_LARGEST ||
                       order == CAUSAL_MATCH_ORDER_SMALLEST)) {
    rc = cz_fail(CAUSAL_EINVAL, "causal_match: match order largest/smallest "
                                "needs a score; pure Mahalanobis matching "
                                "allows DATA or RANDOM");
    goto fail;
  }
  rc = focal_order(m, s, order, ord);
  if (rc != CAUSAL_OK)
    goto fail;
  rc = exact_strata(m, ds, strat, &nstrata);
  if (rc != CAUSAL_OK)
    goto fail;
  /* Bucket focal units (in processing order) and the others (in row
   * order) by stratum: counting sort. */
  cnt = cz_calloc(a, 2 * nstrata + 2, sizeof *cnt);
  lst = cz_malloc(a, n * sizeof *lst);
  if (cnt == NULL || lst == NULL) {
    rc = CAUSAL_ENOMEM;
    goto fail;
  }
  size_t *start = cnt; /* start[2*st] focal, start[2*st+1] others */
  for (size_t i = 0; i < n; i++)
    start[2 * strat[i] + (s->t[i] != focal1) + 1]++;
  for (size_t b = 1; b < 2 * nstrata + 1; b++)
    start[b] += start[b - 1];
  for (size_t f = 0; f < s->nfocal; f++)
    lst[start[2 * strat[ord[f]]]++] = ord[f];
  for (size_t i = 0; i < n; i++)
    if (s->t[i] != focal1)
      lst[start[2 * strat[i] + 1]++] = i;
  /* now start[b] is the end of bucket b; bucket b begins at start[b-1] */
  cz_greedy g = {a,          s->d,           s->caliper, s->k,
                 s->replace, (int)m->compat, fpos,       s->mm};
  if (z != NULL) {
    used = cz_calloc(a, n, 1);
    if (used == NULL) {
      rc = CAUSAL_ENOMEM;
      goto fail;
    }
  }
  for (size_t st = 0; st < nstrata && rc == CAUSAL_OK; st++) {
    size_t fb = st == 0 ? 0 : start[2 * st - 1], fe = start[2 * st];
    size_t ce = start[2 * st + 1];
    if (z != NULL)
      rc = greedy_mahal(&g, z, p, lst + fb, fe - fb, lst + fe, ce - fe, used);
    else
      rc = greedy_1d(&g, lst + fb, fe - fb, lst + fe, ce - fe);
  }
  if (rc != CAUSAL_OK)
    goto fail;
  rc = cz_match_weights(m, s);
fail:
  cz_free(a, ord);
  cz_free(a, fpos);
  cz_free(a, strat);
  cz_free(a, cnt);
  cz_free(a, lst);
  cz_free(a, used);
  cz_free(a, z);
  if (rc != CAUSAL_OK)
    cz_match_state_free(m, s);
  return rc;
}

/* MatchIt weights and subclasses from the match matrix. */
int cz_match_weights(const causal_match *m, cz_match_state *s) {
  const cz_alloc *a = &m->alloc;
  size_t n = s->n, k = s->k;
  s->w = cz_calloc(a, n, sizeof *s->w);
  s->sub = cz_calloc(a, n, sizeof *s->sub);
  if (s->w == NULL || s->sub == NULL)
    return CAUSAL_ENOMEM;
  size_t S = 0;
  for (size_t f = 0; f < s->nfocal; f++) {
    const int64_t *row = s->mm + f * k;
    size_t c = 0;
    for (size_t r = 0; r < k; r++)
      c += row[r] >= 0;
    if (c == 0)
      continue;
    size_t fr = s->focal[f];
    s->w[fr] = 1;
    S++;
    if (!s->replace)
      s->sub[fr] = S;
    for (size_t r = 0; r < k; r++)
      if (row[r] >= 0) {
        s->w[row[r]] += 1.0 / (double)c;
        if (!s->replace)
          s->sub[row[r]] = S;
      }
  }
  if (S == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_match: no units were matched (%zu focal units, "
                   "caliper %g): widen the caliper or check the overlap",
                   s->nfocal, s->caliper);
  int focal1 = m->estimand != CAUSAL_MATCH_ATC;
  double sw = 0;
  size_t nm = 0;
  for (size_t i = 0; i < n; i++)
    if (s->t[i] != focal1 && s->w[i] > 0) {
      sw += s->w[i];
      nm++;
    }
  for (size_t i = 0; i < n; i++)
    if (s->t[i] != focal1)
      s->w[i] *= (double)nm / sw;
  s->nsub = S;
  s->m_focal = S;
  s->m_other = nm;
  return CAUSAL_OK;
}

/* ======================================================================
 * Results
 * ====================================================================== */

static int put_match(causal_result *r, const causal_match *m,
                     const cz_match_state *s) {
  size_t n = s->n;
  int focal1 = m->estimand != CAUSAL_MATCH_ATC;
  double *v = cz_result_alloc_values(r, n);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = s->d != NULL ? s->d[i] : NAN;
  CZ_CHECK(cz_result_take_vector(r, "distance", v, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "weights", s->w, n, NULL));
  v = cz_result_alloc_values(r, n);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    v[i] = (double)s->sub[i];
  CZ_CHECK(cz_result_take_vector(r, "subclass", v, n, NULL));
  size_t nk = s->nfocal * s->k;
  v = cz_result_alloc_values(r, nk ? nk : 1);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t f = 0; f < s->nfocal; f++) /* column-major nfocal x k */
    for (size_t j = 0; j < s->k; j++)
      v[j * s->nfocal + f] = (double)s->mm[f * s->k + j];
  CZ_CHECK(
      cz_result_take_matrix(r, "match_matrix", v, s->nfocal, s->k, NULL, NULL));
  v = cz_result_alloc_values(r, s->nfocal);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t f = 0; f < s->nfocal; f++)
    v[f] = (double)s->focal[f];
  CZ_CHECK(cz_result_take_vector(r, "focal_rows", v, s->nfocal, NULL));
  size_t mt = focal1 ? s->m_focal : s->m_other;
  size_t mc = focal1 ? s->m_other : s->m_focal;
  CZ_CHECK(causal_result_set_scalar(r, "n_treated", (double)s->n1));
  CZ_CHECK(causal_result_set_scalar(r, "n_control", (double)s->n0));
  CZ_CHECK(causal_result_set_scalar(r, "n_matched_treated", (double)mt));
  CZ_CHECK(causal_result_set_scalar(r, "n_matched_control", (double)mc));
  CZ_CHECK(
      causal_result_set_scalar(r, "n_unmatched_treated", (double)(s->n1 - mt)));
  CZ_CHECK(
      causal_result_set_scalar(r, "n_unmatched_control", (double)(s->n0 - mc)));
  CZ_CHECK(causal_result_set_scalar(r, "caliper", s->caliper));
  CZ_CHECK(causal_result_set_scalar(r, "ratio", (double)s->k));
  CZ_CHECK(causal_result_set_scalar(r, "replace", (double)s->replace));
  CZ_CHECK(causal_result_set_string(
      r, "estimand", m->estimand == CAUSAL_MATCH_ATC ? "ATC" : "ATT"));
  size_t unf = s->nfocal - s->m_focal;
  if (unf > 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "%zu of %zu %s units were not matched", unf,
             s->nfocal, focal1 ? "treated" : "control");
    CZ_CHECK(causal_result_add_warning(r, msg));
  }
  return CAUSAL_OK;
}

int causal_match_fit(causal_result **out, const causal_match *m,
                     const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  cz_match_state s;
  CZ_CHECK(cz_match_run(m, ds, &s));
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "match");
  if (rc == CAUSAL_OK)
    rc = put_match(r, m, &s);
  cz_match_state_free(m, &s);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* Effect: WLS of y on treatment over the matched rows (weights > 0), with
 * the cluster-robust (subclass) or HC1 covariance, through causal_regress
 * on a small generated dataset. */
static int match_effect_ols(const causal_match *m, const cz_match_state *s,
                            const double *y, causal_result *r) {
  const cz_alloc *a = &m->alloc;
  size_t n = s->n, nm = 0;
  for (size_t i = 0; i < n; i++)
    nm += s->w[i] > 0;
  double *buf = cz_malloc(a, 4 * nm * sizeof *buf);
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  double *yy = buf, *tt = buf + nm, *ww = buf + 2 * nm, *cc = buf + 3 * nm;
  for (size_t i = 0, j = 0; i < n; i++)
    if (s->w[i] > 0) {
      yy[j] = y[i];
      tt[j] = s->t[i];
      ww[j] = s->w[i];
      cc[j] = (double)s->sub[i];
      j++;
    }
  causal_dataset *ds = NULL;
  causal_regress *reg = NULL;
  causal_result *fit = NULL;
  int rc = causal_dataset_new(&ds);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "y", yy, NULL, nm, CAUSAL_BORROW);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "treat", tt, NULL, nm, CAUSAL_BORROW);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "w", ww, NULL, nm, CAUSAL_BORROW);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(ds, "subclass", cc, NULL, nm, CAUSAL_BORROW);
  if (rc == CAUSAL_OK)
    rc = causal_regress_new(&reg, CAUSAL_REGRESS_OLS);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(reg, "y");
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_term(reg, "treat");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_weights(reg, "w");
  if (rc == CAUSAL_OK && !s->replace)
    rc = causal_regress_add_cluster(reg, "subclass");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(reg, CAUSAL_REGRESS_VCOV,
                                s->replace ? CAUSAL_VCOV_HC1 : CAUSAL_VCOV_CR1);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(reg, CAUSAL_REGRESS_SSC, CAUSAL_SSC_R);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&fit, reg, ds);
  double est = NAN, se = NAN;
  if (rc == CAUSAL_OK) {
    const double *V = NULL, *cf = NULL;
    size_t nr = 0, nc = 0, nrc = 0, ncc = 0;
    rc = causal_result_get_matrix(fit, "vcov", &V, &nr, &nc);
    if (rc == CAUSAL_OK)
      rc = causal_result_get_matrix(fit, "coef", &cf, &nrc, &ncc);
    if (rc == CAUSAL_OK && (nr < 2 || nrc < 2))
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "causal_match_effect: the treatment is collinear in the "
                   "matched data");
    if (rc == CAUSAL_OK) {
      est = cf[1]; /* coef table column-major: estimate column first */
      se = sqrt(V[1 * nr + 1]);
    }
  }
  if (rc == CAUSAL_OK) {
    double z = cz_qnorm(0.5 + m->conf_level / 2, 1, 0);
    double stat = est / se;
    rc = causal_result_set_scalar(r, "estimate", est);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "std_error", se);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "statistic", stat);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "p_value",
                                    2 * cz_pnorm(-fabs(stat), 1, 0));
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "conf_low", est - z * se);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "conf_high", est + z * se);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "df", INFINITY);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "nobs", (double)nm);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_clusters",
                                    s->replace ? 0 : (double)s->nsub);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_string(r, "vcov_type",
                                    s->replace ? "HC1" : "CR1 (subclass)");
  }
  causal_result_free(fit);
  causal_regress_free(reg);
  causal_dataset_free(ds);
  cz_free(a, buf);
  return rc;
}

int causal_match_effect(causal_result **out, const causal_match *m,
                        const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  if (m->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_match_effect: no outcome column "
                                  "set (causal_match_set_outcome)");
  double *y = NULL;
  CZ_CHECK(cz_match_column(m, ds, m->outcome, "outcome", &y));
  cz_match_state s;
  int rc = cz_match_run(m, ds, &s);
  if (rc != CAUSAL_OK) {
    cz_free(&m->alloc, y);
    return rc;
  }
  causal_result *r = NULL;
  rc = causal_result_new(&r, "match_effect");
  if (rc == CAUSAL_OK)
    rc = put_match(r, m, &s);
  if (rc == CAUSAL_OK)
    rc = match_effect_ols(m, &s, y, r);
  cz_match_state_free(m, &s);
  cz_free(&m->alloc, y);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
