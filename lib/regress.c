/* Regression: the causal_regress specification, the model frame shared by
 * every family (cz_frame_build), OLS/WLS by pivoted QR with iterative
 * refinement, the family dispatch and the Wald test.
 * Formulas and conventions: docs/methods/ols.md. */
#include "internal/regress.h"
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/gram.h"
#include "internal/linalg.h"
#include "internal/result.h"

#include <cblas.h>
#include <lapacke.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Specification
 * ====================================================================== */

static void strlist_free(const cz_alloc *a, cz_strlist *l) {
  for (size_t i = 0; i < l->n; i++)
    cz_free(a, l->items[i]);
  cz_free(a, l->items);
  l->items = NULL;
  l->n = l->cap = 0;
}

static int strlist_has(const cz_strlist *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0)
      return 1;
  return 0;
}

static int strlist_push(const cz_alloc *a, cz_strlist *l, const char *s) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 4;
    char **items = cz_realloc(a, l->items, l->cap * sizeof *items,
                              cap * sizeof *items);
    if (items == NULL)
      return CAUSAL_ENOMEM;
    l->items = items;
    l->cap = cap;
  }
  char *dup = cz_strdup(a, s);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  l->items[l->n++] = dup;
  return CAUSAL_OK;
}

int causal_regress_new(causal_regress **out, int family) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (family != CAUSAL_REGRESS_OLS && family != CAUSAL_REGRESS_LOGIT &&
      family != CAUSAL_REGRESS_IV)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_regress_new: family %d is not one of "
                   "CAUSAL_REGRESS_OLS (1), _LOGIT (2), _IV (3)",
                   family);
  cz_alloc a = cz_alloc_current();
  causal_regress *m = cz_calloc(&a, 1, sizeof *m);
  if (m == NULL)
    return CAUSAL_ENOMEM;
  m->alloc = a;
  m->family = family;
  m->intercept = 1;
  m->vcov = 0;
  m->ssc = CAUSAL_SSC_R;
  m->rank = CAUSAL_RANK_DROP;
  m->maxiter = 0;
  m->keep_fitted = 0;
  m->iv_method = CAUSAL_IV_2SLS;
  m->conf_level = 0.95;
  m->tol = 0.0;
  m->rank_tol = CZ_QR_TOL_LM;
  m->l2 = 0.0;
  m->fuller_alpha = 1.0;
  *out = m;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_regress_free(causal_regress *m) {
  if (m == NULL)
    return;
  const cz_alloc *a = &m->alloc;
  cz_free(a, m->outcome);
  strlist_free(a, &m->terms);
  for (size_t i = 0; i < m->nrefs; i++) {
    cz_free(a, m->refs[i].column);
    cz_free(a, m->refs[i].level);
  }
  cz_free(a, m->refs);
  cz_free(a, m->weights);
  cz_free(a, m->offset);
  strlist_free(a, &m->clusters);
  strlist_free(a, &m->absorb);
  strlist_free(a, &m->endogenous);
  strlist_free(a, &m->instruments);
  cz_free(a, m);
}

static int check_name(const char *fn, const char *what, const char *s) {
  if (s == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is NULL", fn, what);
  if (s[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: %s is empty", fn, what);
  return CAUSAL_OK;
}

/* Replace a single-string slot. */
static int set_slot(causal_regress *m, char **slot, const char *s) {
  char *dup = cz_strdup(&m->alloc, s);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  cz_free(&m->alloc, *slot);
  *slot = dup;
  return CAUSAL_OK;
}

int causal_regress_set_outcome(causal_regress *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  CZ_CHECK(check_name(__func__, "column", column));
  CZ_CHECK(set_slot(m, &m->outcome, column));
  cz_clear_error();
  return CAUSAL_OK;
}

/* Validate a term's syntax (and set-duplication against `list`) by
 * adding it to a scratch causal_design with the existing terms. */
static int check_term(const char *fn, const cz_strlist *list,
                      const char *term) {
  causal_design *d = NULL;
  CZ_CHECK(causal_design_new(&d));
  int rc = CAUSAL_OK;
  for (size_t i = 0; i < list->n && rc == CAUSAL_OK; i++)
    rc = causal_design_add_term(d, list->items[i]);
  if (rc == CAUSAL_OK)
    rc = causal_design_add_term(d, term);
  causal_design_free(d);
  if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
    return cz_fail_context(rc, "%s: term '%s'", fn, term);
  return rc;
}

static int add_term_to(causal_regress *m, cz_strlist *l, const char *fn,
                       const char *term) {
  CZ_CHECK(check_name(fn, "term", term));
  CZ_CHECK(check_term(fn, l, term));
  CZ_CHECK(strlist_push(&m->alloc, l, term));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_add_term(causal_regress *m, const char *term) {
  CZ_REQUIRE_NONNULL(m);
  return add_term_to(m, &m->terms, __func__, term);
}

int causal_regress_set_intercept(causal_regress *m, int intercept) {
  CZ_REQUIRE_NONNULL(m);
  if (intercept != 0 && intercept != 1)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_regress_set_intercept: intercept = %d, must be 0 "
                   "or 1",
                   intercept);
  m->intercept = intercept;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_set_reference(causal_regress *m, const char *column,
                                 const char *level) {
  CZ_REQUIRE_NONNULL(m);
  CZ_CHECK(check_name(__func__, "column", column));
  if (level == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: level is NULL", __func__);
  for (size_t i = 0; i < m->nrefs; i++)
    if (strcmp(m->refs[i].column, column) == 0) {
      CZ_CHECK(set_slot(m, &m->refs[i].level, level));
      cz_clear_error();
      return CAUSAL_OK;
    }
  char *c = cz_strdup(&m->alloc, column);
  char *l = cz_strdup(&m->alloc, level);
  cz_refpair *refs = NULL;
  if (c != NULL && l != NULL)
    refs = cz_realloc(&m->alloc, m->refs, m->nrefs * sizeof *refs,
                      (m->nrefs + 1) * sizeof *refs);
  if (refs == NULL) {
    cz_free(&m->alloc, c);
    cz_free(&m->alloc, l);
    return CAUSAL_ENOMEM;
  }
  m->refs = refs;
  m->refs[m->nrefs].column = c;
  m->refs[m->nrefs].level = l;
  m->nrefs++;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_set_weights(causal_regress *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  CZ_CHECK(check_name(__func__, "column", column));
  CZ_CHECK(set_slot(m, &m->weights, column));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_set_offset(causal_regress *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  CZ_CHECK(check_name(__func__, "column", column));
  if (m->family != CAUSAL_REGRESS_LOGIT)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_regress_set_offset: an offset is only supported "
                   "for CAUSAL_REGRESS_LOGIT");
  CZ_CHECK(set_slot(m, &m->offset, column));
  cz_clear_error();
  return CAUSAL_OK;
}

static int add_column_to(causal_regress *m, cz_strlist *l, const char *fn,
                         const char *what, const char *column, size_t max) {
  CZ_CHECK(check_name(fn, "column", column));
  if (strlist_has(l, column))
    return cz_fail(CAUSAL_EEXISTS, "%s: %s column '%s' was already added", fn,
                   what, column);
  if (l->n >= max)
    return cz_fail(CAUSAL_ERANGE, "%s: at most %zu %s columns are supported",
                   fn, max, what);
  CZ_CHECK(strlist_push(&m->alloc, l, column));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_add_cluster(causal_regress *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  return add_column_to(m, &m->clusters, __func__, "cluster", column, 2);
}

int causal_regress_add_absorb(causal_regress *m, const char *column) {
  CZ_REQUIRE_NONNULL(m);
  return add_column_to(m, &m->absorb, __func__, "absorb", column, 64);
}

int causal_regress_add_endogenous(causal_regress *m, const char *term) {
  CZ_REQUIRE_NONNULL(m);
  if (m->family != CAUSAL_REGRESS_IV)
    return cz_fail(CAUSAL_EINVAL, "causal_regress_add_endogenous: endogenous "
                                  "regressors need CAUSAL_REGRESS_IV");
  return add_term_to(m, &m->endogenous, __func__, term);
}

int causal_regress_add_instrument(causal_regress *m, const char *term) {
  CZ_REQUIRE_NONNULL(m);
  if (m->family != CAUSAL_REGRESS_IV)
    return cz_fail(CAUSAL_EINVAL, "causal_regress_add_instrument: instruments "
                                  "need CAUSAL_REGRESS_IV");
  return add_term_to(m, &m->instruments, __func__, term);
}

/* ---- options ---- */

typedef struct optdef {
  int key;
  int is_int;
  double min, max;
  int min_open, max_open; /* bounds excluded */
  const char *name;
} optdef;

static const optdef optdefs[] = {
    {CAUSAL_REGRESS_VCOV, 1, 0, 8, 0, 0, "CAUSAL_REGRESS_VCOV"},
    {CAUSAL_REGRESS_SSC, 1, 1, 4, 0, 0, "CAUSAL_REGRESS_SSC"},
    {CAUSAL_REGRESS_RANK, 1, 1, 2, 0, 0, "CAUSAL_REGRESS_RANK"},
    {CAUSAL_REGRESS_MAXITER, 1, 0, 1e9, 0, 0, "CAUSAL_REGRESS_MAXITER"},
    {CAUSAL_REGRESS_KEEP_FITTED, 1, 0, 1, 0, 0, "CAUSAL_REGRESS_KEEP_FITTED"},
    {CAUSAL_REGRESS_IV_METHOD, 1, 1, 3, 0, 0, "CAUSAL_REGRESS_IV_METHOD"},
    {CAUSAL_REGRESS_CONF_LEVEL, 0, 0, 1, 1, 1, "CAUSAL_REGRESS_CONF_LEVEL"},
    {CAUSAL_REGRESS_TOL, 0, 0, 1, 0, 1, "CAUSAL_REGRESS_TOL"},
    {CAUSAL_REGRESS_RANK_TOL, 0, 0, 1, 0, 1, "CAUSAL_REGRESS_RANK_TOL"},
    {CAUSAL_REGRESS_L2, 0, 0, INFINITY, 0, 1, "CAUSAL_REGRESS_L2"},
    {CAUSAL_REGRESS_FULLER_ALPHA, 0, 0, INFINITY, 0, 1,
     "CAUSAL_REGRESS_FULLER_ALPHA"},
};

static const optdef *find_opt(int key) {
  for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++)
    if (optdefs[i].key == key)
      return &optdefs[i];
  return NULL;
}

static int opt_lookup(const char *fn, int key, int want_int,
                      const optdef **out) {
  const optdef *d = find_opt(key);
  if (d == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown option key %d", fn, key);
  if (d->is_int != want_int)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is %s option; use %s", fn, d->name,
                   d->is_int ? "an integer" : "a real",
                   d->is_int ? "causal_regress_set_int/get_int"
                             : "causal_regress_set_double/get_double");
  *out = d;
  return CAUSAL_OK;
}

int causal_regress_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *d = find_opt(key);
  if (d == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_regress_bounds: unknown option key %d",
                   key);
  *min = d->min;
  *max = d->max;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_set_int(causal_regress *m, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(m);
  const optdef *d = NULL; /* set by opt_lookup (silences -O3 -Wmaybe-...) */
  CZ_CHECK(opt_lookup(__func__, key, 1, &d));
  if ((double)value < d->min || (double)value > d->max)
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %lld is outside [%.0f, %.0f]",
                   __func__, d->name, (long long)value, d->min, d->max);
  switch (key) {
  case CAUSAL_REGRESS_VCOV: m->vcov = value; break;
  case CAUSAL_REGRESS_SSC: m->ssc = value; break;
  case CAUSAL_REGRESS_RANK: m->rank = value; break;
  case CAUSAL_REGRESS_MAXITER: m->maxiter = value; break;
  case CAUSAL_REGRESS_KEEP_FITTED: m->keep_fitted = value; break;
  default: m->iv_method = value; break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_set_double(causal_regress *m, int key, double value) {
  CZ_REQUIRE_NONNULL(m);
  const optdef *d = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &d));
  if (isnan(value) || value < d->min || value > d->max ||
      (d->min_open && value == d->min) || (d->max_open && value == d->max))
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %g is outside %s%g, %g%s",
                   __func__, d->name, value, d->min_open ? "(" : "[", d->min,
                   d->max, d->max_open ? ")" : "]");
  switch (key) {
  case CAUSAL_REGRESS_CONF_LEVEL: m->conf_level = value; break;
  case CAUSAL_REGRESS_TOL: m->tol = value; break;
  case CAUSAL_REGRESS_RANK_TOL: m->rank_tol = value; break;
  case CAUSAL_REGRESS_L2: m->l2 = value; break;
  default: m->fuller_alpha = value; break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_get_int(const causal_regress *m, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(value);
  const optdef *d;
  CZ_CHECK(opt_lookup(__func__, key, 1, &d));
  switch (key) {
  case CAUSAL_REGRESS_VCOV: *value = m->vcov; break;
  case CAUSAL_REGRESS_SSC: *value = m->ssc; break;
  case CAUSAL_REGRESS_RANK: *value = m->rank; break;
  case CAUSAL_REGRESS_MAXITER: *value = m->maxiter; break;
  case CAUSAL_REGRESS_KEEP_FITTED: *value = m->keep_fitted; break;
  default: *value = m->iv_method; break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_get_double(const causal_regress *m, int key,
                              double *value) {
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(value);
  const optdef *d;
  CZ_CHECK(opt_lookup(__func__, key, 0, &d));
  switch (key) {
  case CAUSAL_REGRESS_CONF_LEVEL: *value = m->conf_level; break;
  case CAUSAL_REGRESS_TOL: *value = m->tol; break;
  case CAUSAL_REGRESS_RANK_TOL: *value = m->rank_tol; break;
  case CAUSAL_REGRESS_L2: *value = m->l2; break;
  default: *value = m->fuller_alpha; break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Model frame
 * ====================================================================== */

void cz_frame_free(cz_frame *f) {
  if (f == NULL)
    return;
  const cz_alloc *a = &f->alloc;
  cz_free(a, f->y);
  double *mats[3] = {f->X, f->Xe, f->Z};
  for (int d = 0; d < 3; d++) {
    if (f->xres[d] != NULL) /* the array lives in the evaluated design */
      causal_result_free(f->xres[d]);
    else
      cz_free(a, mats[d]);
  }
  cz_free(a, (void *)f->xcol);
  cz_free(a, f->w);
  cz_free(a, f->offset);
  char **lists[3] = {f->xnames, f->xenames, f->znames};
  size_t counts[3] = {f->k, f->ke, f->kz};
  for (int l = 0; l < 3; l++) {
    if (lists[l] != NULL)
      for (size_t j = 0; j < counts[l]; j++)
        cz_free(a, lists[l][j]);
    cz_free(a, lists[l]);
  }
  for (int d = 0; d < 2; d++)
    cz_free(a, f->cl[d]);
  if (f->fe != NULL)
    for (size_t j = 0; j < f->nfe; j++)
      cz_free(a, f->fe[j]);
  cz_free(a, f->fe);
  cz_free(a, f->fe_levels);
  cz_free(a, f->rows);
  if (f->used_cols != NULL)
    for (size_t j = 0; j < f->n_used_cols; j++)
      cz_free(a, f->used_cols[j]);
  cz_free(a, f->used_cols);
  cz_free(a, f->dropped_by_col);
  cz_alloc keep = f->alloc;
  memset(f, 0, sizeof *f);
  f->alloc = keep;
}

/* One evaluated design (exogenous, endogenous or instruments). */
typedef struct fdesign {
  causal_result *res;
  const double *X;   /* nd x kd */
  size_t nd, kd;
  size_t skip;       /* leading columns to drop (an intercept) */
  const double *rows;
} fdesign;

static int eval_design(fdesign *e, const causal_regress *m,
                       const cz_strlist *terms, int intercept, int drop_first,
                       const causal_dataset *ds) {
  causal_design *d = NULL;
  CZ_CHECK(causal_design_new(&d));
  int rc = causal_design_set_intercept(d, intercept);
  for (size_t i = 0; i < terms->n && rc == CAUSAL_OK; i++)
    rc = causal_design_add_term(d, terms->items[i]);
  for (size_t i = 0; i < m->nrefs && rc == CAUSAL_OK; i++)
    rc = causal_design_set_reference(d, m->refs[i].column, m->refs[i].level);
  if (rc == CAUSAL_OK)
    rc = causal_design_build(&e->res, d, ds);
  causal_design_free(d);
  if (rc != CAUSAL_OK)
    return rc == CAUSAL_ENOMEM ? rc
                               : cz_fail_context(rc, "causal_regress_fit");
  size_t n2;
  CZ_CHECK(causal_result_get_matrix(e->res, "X", &e->X, &e->nd, &e->kd));
  CZ_CHECK(causal_result_get_vector(e->res, "rows", &e->rows, &n2));
  e->skip = drop_first ? 1 : 0;
  return CAUSAL_OK;
}

/* Remember a used dataset column (deduplicated, in order of first use). */
static int use_col(cz_frame *f, size_t *cap, const cz_column *c) {
  for (size_t j = 0; j < f->n_used_cols; j++)
    if (strcmp(f->used_cols[j], c->name) == 0)
      return CAUSAL_OK;
  if (f->n_used_cols == *cap) {
    size_t nc = *cap ? 2 * *cap : 8;
    char **names = cz_realloc(&f->alloc, f->used_cols,
                              *cap * sizeof *names, nc * sizeof *names);
    if (names == NULL)
      return CAUSAL_ENOMEM;
    f->used_cols = names;
    double *cnt = cz_realloc(&f->alloc, f->dropped_by_col,
                             *cap * sizeof *cnt, nc * sizeof *cnt);
    if (cnt == NULL)
      return CAUSAL_ENOMEM;
    f->dropped_by_col = cnt;
    *cap = nc;
  }
  char *dup = cz_strdup(&f->alloc, c->name);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  f->used_cols[f->n_used_cols] = dup;
  f->dropped_by_col[f->n_used_cols] = (double)c->nmissing;
  f->n_used_cols++;
  return CAUSAL_OK;
}

static double colval(const cz_column *c, size_t i) {
  switch (c->type) {
  case CAUSAL_TYPE_F64: return ((const double *)c->data)[i];
  case CAUSAL_TYPE_I64: return (double)((const int64_t *)c->data)[i];
  case CAUSAL_TYPE_BOOL: return ((const uint8_t *)c->data)[i] ? 1.0 : 0.0;
  default: return (double)((const int32_t *)c->data)[i];
  }
}

/* Mark rows of `ok` whose row index is not in the design's used rows. */
static void and_design_rows(uint8_t *ok, size_t nrows, const fdesign *e) {
  size_t p = 0;
  for (size_t i = 0; i < nrows; i++) {
    if (p < e->nd && (size_t)e->rows[p] == i)
      p++;
    else
      ok[i] = 0;
  }
}

static int find_col(const causal_dataset *ds, const char *role,
                    const char *name, const cz_column **out) {
  *out = cz_dataset_find(ds, name);
  if (*out == NULL)
    return cz_fail(CAUSAL_ENOTFOUND,
                   "causal_regress_fit: %s column '%s' is not in the dataset",
                   role, name);
  return CAUSAL_OK;
}

/* Infinite values in a used numeric column among the rows kept. */
static int check_inf(const cz_column *c, const char *role, const uint8_t *ok,
                     size_t nrows) {
  if (c->type != CAUSAL_TYPE_F64)
    return CAUSAL_OK;
  const double *v = c->data;
  for (size_t i = 0; i < nrows; i++)
    if (ok[i] && isinf(v[i]))
      return cz_fail(CAUSAL_ENONFINITE,
                     "causal_regress_fit: %s column '%s' is %s at row %zu",
                     role, c->name, v[i] > 0 ? "+Inf" : "-Inf", i);
  return CAUSAL_OK;
}

typedef struct keyidx {
  union {
    int64_t i;
    double d;
  } key;
  size_t idx; /* position among the used rows */
} keyidx;

static int cmp_i64(const void *pa, const void *pb) {
  const keyidx *a = pa, *b = pb;
  if (a->key.i != b->key.i)
    return a->key.i < b->key.i ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}
static int cmp_f64(const void *pa, const void *pb) {
  const keyidx *a = pa, *b = pb;
  if (a->key.d != b->key.d)
    return a->key.d < b->key.d ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Integer keys with a compact range (unit and period ids, categorical
 * codes): codes by direct indexing in O(n + range) instead of a sort, same
 * result (codes in increasing key order). Returns CAUSAL_EINVAL, without
 * touching codes, when the range is too wide (the caller sorts instead),
 * CAUSAL_ENOMEM when the map cannot be allocated. */
static int dense_codes(const cz_alloc *a, const keyidx *ki, size_t n,
                       int32_t *codes, size_t *ngroups) {
  int64_t lo = ki[0].key.i, hi = ki[0].key.i;
  for (size_t i = 1; i < n; i++) {
    int64_t v = ki[i].key.i;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  uint64_t range = (uint64_t)hi - (uint64_t)lo; /* no overflow in uint64 */
  if (range >= (uint64_t)4 * n + 1024 || range >= (uint64_t)INT32_MAX ||
      n > (size_t)INT32_MAX)
    return CAUSAL_EINVAL;
  size_t m = (size_t)range + 1;
  int32_t *map = cz_malloc(a, m * sizeof *map);
  if (map == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < m; j++)
    map[j] = -1;
  for (size_t i = 0; i < n; i++)
    map[(uint64_t)ki[i].key.i - (uint64_t)lo] = 0;
  int32_t g = 0;
  for (size_t j = 0; j < m; j++)
    if (map[j] == 0)
      map[j] = g++;
  for (size_t i = 0; i < n; i++)
    codes[ki[i].idx] = map[(uint64_t)ki[i].key.i - (uint64_t)lo];
  cz_free(a, map);
  *ngroups = (size_t)g;
  return CAUSAL_OK;
}

/* Encode the values of column c at the used rows as codes 0..G-1 in
 * increasing order of value (level order for categorical columns).
 * Levels without used rows get no code. */
static int encode_groups(const cz_alloc *a, const cz_column *c,
                         const size_t *rows, size_t n, int32_t **codes_out,
                         size_t *ngroups) {
  int32_t *codes = cz_malloc(a, (n ? n : 1) * sizeof *codes);
  keyidx *ki = cz_malloc(a, (n ? n : 1) * sizeof *ki);
  if (codes == NULL || ki == NULL) {
    cz_free(a, codes);
    cz_free(a, ki);
    return CAUSAL_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    size_t r = rows[i];
    ki[i].idx = i;
    switch (c->type) {
    case CAUSAL_TYPE_F64: {
      double v = ((const double *)c->data)[r];
      ki[i].key.d = v == 0.0 ? 0.0 : v; /* -0 and +0 are one group */
      break;
    }
    case CAUSAL_TYPE_I64: ki[i].key.i = ((const int64_t *)c->data)[r]; break;
    case CAUSAL_TYPE_BOOL:
      ki[i].key.i = ((const uint8_t *)c->data)[r] != 0;
      break;
    default: ki[i].key.i = ((const int32_t *)c->data)[r]; break;
    }
  }
  int isf = c->type == CAUSAL_TYPE_F64;
  if (!isf && n > 0) {
    int rc = dense_codes(a, ki, n, codes, ngroups);
    if (rc != CAUSAL_EINVAL) {
      cz_free(a, ki);
      if (rc != CAUSAL_OK) {
        cz_free(a, codes);
        return rc;
      }
      *codes_out = codes;
      return CAUSAL_OK;
    }
  }
  qsort(ki, n, sizeof *ki, isf ? cmp_f64 : cmp_i64);
  size_t g = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && (isf ? ki[i].key.d != ki[i - 1].key.d
                      : ki[i].key.i != ki[i - 1].key.i))
      g++;
    codes[ki[i].idx] = (int32_t)g;
  }
  cz_free(a, ki);
  if (n > (size_t)INT32_MAX) {
    cz_free(a, codes);
    return cz_fail(CAUSAL_ERANGE, "causal_regress_fit: too many rows (%zu) "
                                  "for 32-bit group codes",
                   n);
  }
  *codes_out = codes;
  *ngroups = n ? g + 1 : 0;
  return CAUSAL_OK;
}

/* The kept rows of design e (minus its skipped leading columns) as an
 * n x (kd - skip) matrix, with the column names. No copy: the design's own
 * buffer is compacted in place (row q of column j never lies after the
 * source row p >= q of column j + skip, so a forward sweep is safe) and the
 * design result moves into *owner, which keeps it alive with the frame. */
static int take_design(cz_frame *f, fdesign *e, const uint8_t *ok,
                       double **Xout, size_t *kout, char ***names_out,
                       causal_result **owner) {
  const cz_alloc *a = &f->alloc;
  size_t k = e->kd - e->skip, n = f->n, nd = e->nd;
  *kout = k;
  char **names = cz_calloc(a, k ? k : 1, sizeof *names);
  *names_out = names;
  if (names == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < k; j++) {
    const char *nm = causal_result_dimname(e->res, "X", 1, j + e->skip);
    names[j] = cz_strdup(a, nm ? nm : "?");
    if (names[j] == NULL)
      return CAUSAL_ENOMEM;
  }
  if (k == 0) { /* an intercept-only design whose intercept is absorbed */
    *Xout = cz_malloc(a, 1);
    return *Xout ? CAUSAL_OK : CAUSAL_ENOMEM;
  }
  uint8_t *keep = NULL;
  if (n != nd) {
    keep = cz_malloc(a, nd);
    if (keep == NULL)
      return CAUSAL_ENOMEM;
    for (size_t p = 0; p < nd; p++)
      keep[p] = ok[(size_t)e->rows[p]];
  }
  /* The buffer belongs to the design result this frame owns from here on;
   * the const comes from the public getter only. */
  double *X = (double *)(uintptr_t)e->X;
  for (size_t j = 0; j < k; j++) {
    double *dst = X + j * n;
    const double *src = X + (j + e->skip) * nd;
    if (keep == NULL) {
      if (dst != src)
        memmove(dst, src, n * sizeof *dst);
      continue;
    }
    size_t q = 0;
    for (size_t p = 0; p < nd; p++)
      if (keep[p])
        dst[q++] = src[p];
  }
  cz_free(a, keep);
  *Xout = X;
  *owner = e->res;
  e->res = NULL;
  return CAUSAL_OK;
}

/* Lazy exogenous design: every term a plain float64 column of ds (no ':'),
 * no reference levels, no absorbed factors and at least one column. */
static int lazy_design(const causal_regress *m, const causal_dataset *ds) {
  if (m->absorb.n > 0 || m->nrefs > 0 || (m->terms.n == 0 && !m->intercept))
    return 0;
  for (size_t t = 0; t < m->terms.n; t++) {
    if (strchr(m->terms.items[t], ':') != NULL)
      return 0;
    const cz_column *c = NULL;
    for (size_t j = 0; j < ds->ncols && c == NULL; j++)
      if (strcmp(ds->cols[j].name, m->terms.items[t]) == 0)
        c = &ds->cols[j];
    if (c == NULL || c->type != CAUSAL_TYPE_F64)
      return 0;
  }
  return 1;
}

/* Names and column pointers of a lazy design (see lazy_design). */
static int lazy_setup(cz_frame *f, const causal_regress *m,
                      const causal_dataset *ds, size_t *ucap) {
  const cz_alloc *a = &f->alloc;
  size_t k = m->terms.n + (m->intercept ? 1 : 0);
  f->xcol = cz_calloc(a, k, sizeof *f->xcol);
  f->xnames = cz_calloc(a, k, sizeof *f->xnames);
  if (f->xcol == NULL || f->xnames == NULL)
    return CAUSAL_ENOMEM;
  f->k = k;
  size_t j = 0;
  if (m->intercept) {
    f->xnames[j] = cz_strdup(a, "(Intercept)");
    if (f->xnames[j++] == NULL)
      return CAUSAL_ENOMEM;
  }
  for (size_t t = 0; t < m->terms.n; t++, j++) {
    const cz_column *c = cz_dataset_find(ds, m->terms.items[t]);
    f->xcol[j] = c->data;
    f->xnames[j] = cz_strdup(a, c->name);
    if (f->xnames[j] == NULL)
      return CAUSAL_ENOMEM;
    CZ_CHECK(use_col(f, ucap, c));
  }
  return CAUSAL_OK;
}

static int frame_build(cz_frame *f, const causal_regress *m,
                       const causal_dataset *ds, fdesign *des, uint8_t **okp,
                       int lazy) {
  static const char *fn = "causal_regress_fit";
  const cz_alloc *a = &f->alloc;
  size_t nrows = ds->nrows, ucap = 0;
  if (m->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: no outcome column was set", fn);
  if (nrows == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the dataset has no rows", fn);
  if (m->family == CAUSAL_REGRESS_IV &&
      (m->endogenous.n == 0 || m->instruments.n == 0))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: an IV model needs at least one endogenous term and "
                   "one instrument (have %zu and %zu)",
                   fn, m->endogenous.n, m->instruments.n);
  const cz_column *cy, *cw = NULL, *co = NULL, *ccl[2] = {NULL, NULL};
  CZ_CHECK(find_col(ds, "outcome", m->outcome, &cy));
  if (cy->type == CAUSAL_TYPE_CAT &&
      !(m->family == CAUSAL_REGRESS_LOGIT && cy->nlevels == 2))
    return cz_fail(CAUSAL_ETYPE,
                   "%s: outcome column '%s' is categorical (%zu levels); a "
                   "numeric outcome is needed%s",
                   fn, cy->name, cy->nlevels,
                   m->family == CAUSAL_REGRESS_LOGIT
                       ? " (logit accepts a two-level categorical)"
                       : "");
  CZ_CHECK(use_col(f, &ucap, cy));
  /* Designs: the exogenous one keeps its intercept unless fixed effects
   * absorb it; endogenous and instrument designs are evaluated with an
   * intercept that is then dropped, so categorical terms there use
   * treatment contrasts (the constant is in the exogenous design). */
  int absorb = m->absorb.n > 0;
  int xint = absorb ? 1 : m->intercept;
  int lean = lazy == 2; /* see below: no row index, borrowed outcome */
  lazy = lazy && lazy_design(m, ds);
  lean = lean && lazy;
  if (lazy)
    CZ_CHECK(lazy_setup(f, m, ds, &ucap));
  else
    CZ_CHECK(eval_design(&des[0], m, &m->terms, xint, absorb, ds));
  if (m->endogenous.n)
    CZ_CHECK(eval_design(&des[1], m, &m->endogenous, 1, 1, ds));
  if (m->instruments.n)
    CZ_CHECK(eval_design(&des[2], m, &m->instruments, 1, 1, ds));
  for (int d = 0; d < 3; d++) {
    if (des[d].res == NULL)
      continue;
    size_t nu = 0;
    const double *cnt;
    CZ_CHECK(causal_result_get_vector(des[d].res, "dropped_by_column", &cnt,
                                      &nu));
    for (size_t j = 0; j < nu; j++) {
      const cz_column *c =
          cz_dataset_find(ds, causal_result_dimname(des[d].res,
                                                    "dropped_by_column", 0, j));
      if (c == NULL)
        return cz_fail(CAUSAL_EINTERNAL, "%s: design column vanished", fn);
      CZ_CHECK(use_col(f, &ucap, c));
    }
  }
  if (m->weights) {
    CZ_CHECK(find_col(ds, "weights", m->weights, &cw));
    if (cw->type == CAUSAL_TYPE_CAT)
      return cz_fail(CAUSAL_ETYPE, "%s: weights column '%s' is categorical",
                     fn, cw->name);
    CZ_CHECK(use_col(f, &ucap, cw));
  }
  if (m->offset) {
    CZ_CHECK(find_col(ds, "offset", m->offset, &co));
    if (co->type == CAUSAL_TYPE_CAT)
      return cz_fail(CAUSAL_ETYPE, "%s: offset column '%s' is categorical",
                     fn, co->name);
    CZ_CHECK(use_col(f, &ucap, co));
  }
  for (size_t d = 0; d < m->clusters.n; d++) {
    CZ_CHECK(find_col(ds, "cluster", m->clusters.items[d], &ccl[d]));
    CZ_CHECK(use_col(f, &ucap, ccl[d]));
  }
  const cz_column **cfe = NULL;
  if (absorb) {
    cfe = cz_calloc(a, m->absorb.n, sizeof *cfe);
    if (cfe == NULL)
      return CAUSAL_ENOMEM;
  }
  int rc = CAUSAL_OK;
  for (size_t d = 0; d < m->absorb.n && rc == CAUSAL_OK; d++) {
    rc = find_col(ds, "absorb", m->absorb.items[d], &cfe[d]);
    if (rc == CAUSAL_OK)
      rc = use_col(f, &ucap, cfe[d]);
  }
  uint8_t *ok = NULL;
  if (rc == CAUSAL_OK) {
    ok = cz_malloc(a, nrows);
    *okp = ok;
    if (ok == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc != CAUSAL_OK) {
    cz_free(a, cfe);
    return rc;
  }
  /* listwise deletion over every used column */
  memset(ok, 1, nrows);
  for (int d = 0; d < 3; d++)
    if (des[d].res != NULL)
      and_design_rows(ok, nrows, &des[d]);
  const cz_column *plain[5] = {cy, cw, co, ccl[0], ccl[1]};
  int scan = 0; /* only columns with missing values need the row loop */
  for (int c = 0; c < 5; c++) {
    if (plain[c] != NULL && plain[c]->nmissing == 0)
      plain[c] = NULL;
    scan |= plain[c] != NULL;
  }
  for (size_t d = 0; d < m->absorb.n; d++)
    scan |= cfe[d]->nmissing > 0;
  /* lazy design columns: only those with missing values need a look */
  for (size_t t = 0; lazy && t < m->terms.n; t++) {
    const cz_column *c = cz_dataset_find(ds, m->terms.items[t]);
    for (size_t i = 0; c->nmissing > 0 && i < nrows; i++)
      if (cz_col_missing(c, i))
        ok[i] = 0;
  }
  for (size_t i = 0; scan && i < nrows; i++) {
    for (int c = 0; c < 5 && ok[i]; c++)
      if (plain[c] != NULL && cz_col_missing(plain[c], i))
        ok[i] = 0;
    for (size_t d = 0; d < m->absorb.n && ok[i]; d++)
      if (cfe[d]->nmissing > 0 && cz_col_missing(cfe[d], i))
        ok[i] = 0;
  }
  /* infinite values (missing ones were dropped above) */
  rc = check_inf(cy, "outcome", ok, nrows);
  if (rc == CAUSAL_OK && co)
    rc = check_inf(co, "offset", ok, nrows);
  for (size_t j = 1; j < f->n_used_cols && rc == CAUSAL_OK; j++) {
    const cz_column *c = cz_dataset_find(ds, f->used_cols[j]);
    int is_design = c != cw && c != co && c != ccl[0] && c != ccl[1];
    for (size_t d = 0; d < m->absorb.n; d++)
      is_design &= c != cfe[d];
    /* a lazy design's columns are checked where they are read (the OLS
     * cross-product pass, cz_frame_materialize): one pass fewer */
    is_design &= !lazy;
    if (is_design)
      rc = check_inf(c, "regressor", ok, nrows);
  }
  /* weights: finite and non-negative; zero-weight rows are dropped */
  for (size_t i = 0; i < nrows && rc == CAUSAL_OK && cw; i++) {
    if (!ok[i])
      continue;
    double w = colval(cw, i);
    if (!isfinite(w))
      rc = cz_fail(CAUSAL_ENONFINITE, "%s: weights column '%s' is %s at row %zu",
                   fn, cw->name, w > 0 ? "+Inf" : "-Inf", i);
    else if (w < 0)
      rc = cz_fail(CAUSAL_ERANGE,
                   "%s: weights column '%s' is negative (%g) at row %zu", fn,
                   cw->name, w, i);
    else if (w == 0)
      ok[i] = 0;
  }
  if (rc != CAUSAL_OK) {
    cz_free(a, cfe);
    return rc;
  }
  size_t n = 0;
  for (size_t i = 0; i < nrows; i++)
    n += ok[i];
  if (n == 0) {
    cz_free(a, cfe);
    return cz_fail(CAUSAL_EMISSING,
                   "%s: no rows left after dropping missing values%s", fn,
                   cw ? " and zero weights" : "");
  }
  f->n = n;
  f->n_dropped = nrows - n;
  if (lean && n == nrows && cy->type == CAUSAL_TYPE_F64 && !cw && !co &&
      m->clusters.n == 0 && !absorb && m->endogenous.n == 0 &&
      m->instruments.n == 0) {
    /* lean frame (OLS through causal_regress_fit only): every row is used
     * and nothing else needs the row index, so the outcome is borrowed
     * from the dataset and rows stays NULL (identity). Saves two n-sized
     * arrays and their first-touch page faults. Nothing below can fail. */
    f->y = (double *)cy->data;
    cz_free(a, cfe);
    return CAUSAL_OK;
  }
  /* rows before y: y without rows marks a lean frame (frame_free_lean) */
  f->rows = cz_malloc(a, n * sizeof *f->rows);
  if (f->rows != NULL)
    f->y = cz_malloc(a, n * sizeof *f->y);
  if (f->rows == NULL || f->y == NULL) {
    cz_free(a, cfe);
    return CAUSAL_ENOMEM;
  }
  for (size_t i = 0, q = 0; i < nrows; i++)
    if (ok[i])
      f->rows[q++] = i;
  for (size_t i = 0; i < n; i++)
    f->y[i] = colval(cy, f->rows[i]);
  if (cw || co) {
    if (cw)
      f->w = cz_malloc(a, n * sizeof *f->w);
    if (co)
      f->offset = cz_malloc(a, n * sizeof *f->offset);
    if ((cw && f->w == NULL) || (co && f->offset == NULL)) {
      cz_free(a, cfe);
      return CAUSAL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
      if (cw)
        f->w[i] = colval(cw, f->rows[i]);
      if (co)
        f->offset[i] = colval(co, f->rows[i]);
    }
  }
  if (!lazy)
    rc = take_design(f, &des[0], ok, &f->X, &f->k, &f->xnames, &f->xres[0]);
  if (rc == CAUSAL_OK && des[1].res)
    rc = take_design(f, &des[1], ok, &f->Xe, &f->ke, &f->xenames,
                     &f->xres[1]);
  if (rc == CAUSAL_OK && des[2].res)
    rc = take_design(f, &des[2], ok, &f->Z, &f->kz, &f->znames, &f->xres[2]);
  f->ncluster_dims = m->clusters.n;
  for (size_t d = 0; d < m->clusters.n && rc == CAUSAL_OK; d++)
    rc = encode_groups(a, ccl[d], f->rows, n, &f->cl[d], &f->ncl[d]);
  if (rc == CAUSAL_OK && absorb) {
    f->fe = cz_calloc(a, m->absorb.n, sizeof *f->fe);
    f->fe_levels = cz_calloc(a, m->absorb.n, sizeof *f->fe_levels);
    if (f->fe == NULL || f->fe_levels == NULL)
      rc = CAUSAL_ENOMEM;
    else
      f->nfe = m->absorb.n;
    for (size_t d = 0; d < m->absorb.n && rc == CAUSAL_OK; d++)
      rc = encode_groups(a, cfe[d], f->rows, n, &f->fe[d], &f->fe_levels[d]);
  }
  cz_free(a, cfe);
  return rc;
}

/* A lean frame (frame_build with lazy == 2) borrows y from the dataset
 * and has no row index; every other frame owns y and has rows. */
static void frame_free_lean(cz_frame *f) {
  if (f->y != NULL && f->rows == NULL)
    f->y = NULL; /* borrowed */
  cz_frame_free(f);
}

static int frame_build_top(cz_frame *f, const causal_regress *m,
                           const causal_dataset *ds, int lazy) {
  CZ_REQUIRE_NONNULL(f);
  cz_alloc alloc = cz_alloc_current();
  memset(f, 0, sizeof *f);
  f->alloc = alloc;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  fdesign des[3];
  memset(des, 0, sizeof des);
  uint8_t *ok = NULL;
  int rc = frame_build(f, m, ds, des, &ok, lazy);
  for (int d = 0; d < 3; d++)
    causal_result_free(des[d].res);
  cz_free(&f->alloc, ok);
  if (rc != CAUSAL_OK)
    frame_free_lean(f);
  return rc;
}

int cz_frame_build(cz_frame *f, const causal_regress *m,
                   const causal_dataset *ds) {
  return frame_build_top(f, m, ds, 0);
}

int cz_frame_build_lazy(cz_frame *f, const causal_regress *m,
                        const causal_dataset *ds) {
  return frame_build_top(f, m, ds, 1);
}

/* Fill f->X from a lazy design, checking for infinite values as
 * cz_frame_build does (column name, dataset row). */
int cz_frame_materialize(cz_frame *f) {
  CZ_REQUIRE_NONNULL(f);
  if (f->X != NULL || f->xcol == NULL)
    return CAUSAL_OK;
  size_t n = f->n, k = f->k, bytes;
  if (!cz_mul_size(n, k, &bytes) || !cz_mul_size(bytes, sizeof(double), &bytes))
    return cz_fail(CAUSAL_ENOMEM, "causal_regress_fit: %zu x %zu design "
                                  "overflows",
                   n, k);
  double *X = cz_malloc(&f->alloc, bytes);
  if (X == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < k; j++) {
    const double *c = f->xcol[j];
    double *x = X + j * n;
    if (c == NULL) {
      for (size_t i = 0; i < n; i++)
        x[i] = 1.0;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      size_t row = f->rows != NULL ? f->rows[i] : i; /* lean: identity */
      double v = c[row];
      if (isinf(v)) {
        cz_free(&f->alloc, X);
        return cz_fail(CAUSAL_ENONFINITE,
                       "causal_regress_fit: regressor column '%s' is %s at "
                       "row %zu",
                       f->xnames[j], v > 0 ? "+Inf" : "-Inf", row);
      }
      x[i] = v;
    }
  }
  f->X = X;
  return CAUSAL_OK;
}

/* ======================================================================
 * OLS / WLS
 * ====================================================================== */

static const char *fitfn = "causal_regress_fit";

/* The normal-equations fast path is taken when rcond(D X'WX D) (D the
 * power-of-two column equilibration, LAPACK dpocon's 1-norm estimate)
 * exceeds max(CZ_OLS_RCOND_MIN, (10 k RANK_TOL)^2), i.e. cond(X) below
 * about 1e5 and far from any rank decision of the QR path. */
#define CZ_OLS_RCOND_MIN 1e-6

/* Working arrays of one OLS fit (freed by ols_release). */
typedef struct ols_ws {
  const cz_alloc *a;
  size_t n, k;
  double *y, *X, *w;        /* working copies (compacted, demeaned) */
  int32_t *cl[2];
  size_t ncl[2];
  int32_t **fe;
  size_t *fe_levels;
  double *yw, *Xw, *sw;     /* sqrt(w)-scaled */
  double *beta, *resid, *cov, *bread, *X1, *V, *dfc;
  double *Xframe;           /* design materialized for the QR path */
  size_t *kidx;
  cz_qr qr;
  cz_ws ws;
  cz_buf msg;
} ols_ws;

static void ols_release(ols_ws *o, size_t nfe) {
  const cz_alloc *a = o->a;
  double *bufs[] = {o->y,    o->X,     o->w,   o->yw, /* Xw aliases X */
                    o->sw,   o->beta,  o->resid, o->cov, o->bread,
                    o->X1,   o->V,     o->dfc, o->Xframe};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    cz_free(a, bufs[i]);
  cz_free(a, o->cl[0]);
  cz_free(a, o->cl[1]);
  if (o->fe)
    for (size_t d = 0; d < nfe; d++)
      cz_free(a, o->fe[d]);
  cz_free(a, o->fe);
  cz_free(a, o->fe_levels);
  cz_free(a, o->kidx);
  cz_qr_free(&o->qr);
  cz_ws_free(&o->ws);
  cz_buf_free(&o->msg);
}

static double *dalloc(const cz_alloc *a, size_t n1, size_t n2) {
  size_t n;
  if (!cz_mul_size(n1 ? n1 : 1, n2 ? n2 : 1, &n) || n > SIZE_MAX / sizeof(double)) {
    cz_fail(CAUSAL_ENOMEM, "causal_regress_fit: %zu x %zu array overflows",
            n1, n2);
    return NULL;
  }
  return cz_malloc(a, n * sizeof(double));
}

/* Codes 0..L-1 re-encoded after rows were removed (levels left empty
 * disappear). */
static int recode(const cz_alloc *a, int32_t *codes, size_t n, size_t *levels) {
  size_t L = *levels;
  int32_t *map = cz_malloc(a, (L ? L : 1) * sizeof *map);
  if (map == NULL)
    return CAUSAL_ENOMEM;
  for (size_t l = 0; l < L; l++)
    map[l] = -1;
  int32_t next = 0;
  for (size_t i = 0; i < n; i++) {
    if (map[codes[i]] < 0)
      map[codes[i]] = next++;
    codes[i] = map[codes[i]];
  }
  cz_free(a, map);
  *levels = (size_t)next;
  return CAUSAL_OK;
}

/* Copy the frame into working arrays; with absorbed factors remove
 * singletons and demean y and X. */
static int ols_prepare(ols_ws *o, const cz_frame *f, const causal_regress *m,
                       causal_result *r, size_t *dof_fe) {
  const cz_alloc *a = o->a;
  size_t n = f->n, k = f->k;
  o->n = n;
  o->k = k;
  o->y = dalloc(a, n, 1);
  o->X = dalloc(a, n, k);
  if (o->y == NULL || o->X == NULL)
    return CAUSAL_ENOMEM;
  memcpy(o->y, f->y, n * sizeof *o->y);
  memcpy(o->X, f->X, n * k * sizeof *o->X);
  if (f->w) {
    o->w = dalloc(a, n, 1);
    if (o->w == NULL)
      return CAUSAL_ENOMEM;
    memcpy(o->w, f->w, n * sizeof *o->w);
  }
  for (size_t d = 0; d < f->ncluster_dims; d++) {
    o->cl[d] = cz_malloc(a, n * sizeof *o->cl[d]);
    if (o->cl[d] == NULL)
      return CAUSAL_ENOMEM;
    memcpy(o->cl[d], f->cl[d], n * sizeof *o->cl[d]);
    o->ncl[d] = f->ncl[d];
  }
  *dof_fe = 0;
  if (f->nfe == 0)
    return CAUSAL_OK;
  size_t nfe = f->nfe;
  o->fe = cz_calloc(a, nfe, sizeof *o->fe);
  o->fe_levels = cz_malloc(a, nfe * sizeof *o->fe_levels);
  if (o->fe == NULL || o->fe_levels == NULL)
    return CAUSAL_ENOMEM;
  for (size_t d = 0; d < nfe; d++) {
    o->fe[d] = cz_malloc(a, n * sizeof *o->fe[d]);
    if (o->fe[d] == NULL)
      return CAUSAL_ENOMEM;
    memcpy(o->fe[d], f->fe[d], n * sizeof *o->fe[d]);
    o->fe_levels[d] = f->fe_levels[d];
  }
  uint8_t *keep = cz_malloc(a, n);
  if (keep == NULL)
    return CAUSAL_ENOMEM;
  size_t nrem = 0;
  int rc = cz_hdfe_singletons(a, o->fe, o->fe_levels, nfe, n, keep, &nrem);
  if (rc == CAUSAL_OK && nrem > 0) {
    size_t q = 0;
    for (size_t i = 0; i < n; i++) {
      if (!keep[i])
        continue;
      o->y[q] = o->y[i];
      if (o->w)
        o->w[q] = o->w[i];
      for (size_t d = 0; d < f->ncluster_dims; d++)
        o->cl[d][q] = o->cl[d][i];
      for (size_t d = 0; d < nfe; d++)
        o->fe[d][q] = o->fe[d][i];
      q++;
    }
    for (size_t j = 0; j < k; j++) {
      size_t p = 0;
      for (size_t i = 0; i < n; i++)
        if (keep[i])
          o->X[p++ + j * q] = o->X[i + j * n];
    }
    o->n = n = q;
    for (size_t d = 0; d < f->ncluster_dims && rc == CAUSAL_OK; d++)
      rc = recode(a, o->cl[d], n, &o->ncl[d]);
    for (size_t d = 0; d < nfe && rc == CAUSAL_OK; d++)
      rc = recode(a, o->fe[d], n, &o->fe_levels[d]);
  }
  cz_free(a, keep);
  CZ_CHECK(rc);
  CZ_CHECK(causal_result_set_scalar(r, "n_singletons", (double)nrem));
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: no observations left after removing %zu singleton "
                   "rows of the absorbed factors",
                   fitfn, nrem);
  /* demean [y X] together */
  double *A = dalloc(a, n, k + 1);
  if (A == NULL)
    return CAUSAL_ENOMEM;
  memcpy(A, o->y, n * sizeof *A);
  memcpy(A + n, o->X, n * k * sizeof *A);
  int iters = 0;
  double tol = m->tol > 0 ? m->tol : 1e-8;
  int maxit = m->maxiter > 0 ? (int)m->maxiter : 10000;
  rc = cz_hdfe_demean(a, o->fe, o->fe_levels, nfe, n, o->w, A, k + 1, tol,
                      maxit, &iters, dof_fe);
  if (rc == CAUSAL_OK) {
    /* keep the raw y for R^2; the demeaned one goes to yw below */
    o->yw = dalloc(a, n, 1);
    if (o->yw == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    memcpy(o->yw, A, n * sizeof *A);
    memcpy(o->X, A + n, n * k * sizeof *A);
    rc = causal_result_set_scalar(r, "fe_iterations", (double)iters);
  }
  cz_free(a, A);
  return rc;
}

/* Is factor codes fe (L levels) nested in cluster codes cl? */
static int nested_in(const cz_alloc *a, const int32_t *fe, size_t L,
                     const int32_t *cl, size_t n, int *nested) {
  int32_t *map = cz_malloc(a, (L ? L : 1) * sizeof *map);
  if (map == NULL)
    return CAUSAL_ENOMEM;
  for (size_t l = 0; l < L; l++)
    map[l] = -1;
  *nested = 1;
  for (size_t i = 0; i < n && *nested; i++) {
    if (map[fe[i]] < 0)
      map[fe[i]] = cl[i];
    else if (map[fe[i]] != cl[i])
      *nested = 0;
  }
  cz_free(a, map);
  return CAUSAL_OK;
}

static void put_list(cz_buf *b, char *const *names, const size_t *idx,
                     size_t cnt) {
  for (size_t i = 0; i < cnt; i++) {
    if (i)
      cz_buf_puts(b, ", ");
    cz_buf_puts(b, names[idx[i]]);
  }
}

static double tcrit(double level, double df) {
  double p = 0.5 * (1.0 + level);
  return isinf(df) ? cz_qnorm(p, 1, 0) : cz_qt(p, df, 1, 0);
}
static double pval2(double t, double df) {
  if (isnan(t) || isnan(df))
    return NAN;
  return 2.0 * (isinf(df) ? cz_pnorm(-fabs(t), 1, 0) : cz_pt(-fabs(t), df, 1, 0));
}

/* Wald statistic b_S' V_SS^{-1} b_S over the index set S (q entries). */
static int wald_stat(const cz_alloc *a, const double *b, const double *V,
                     size_t k, const size_t *S, size_t q, double *W) {
  double *A = dalloc(a, q, q), *d = dalloc(a, q, 1);
  int rc = A && d ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK) {
    for (size_t j = 0; j < q; j++) {
      d[j] = b[S[j]];
      for (size_t i = 0; i < q; i++)
        A[i + j * q] = V[S[i] + S[j] * k];
    }
    double *d0 = dalloc(a, q, 1);
    if (d0 == NULL)
      rc = CAUSAL_ENOMEM;
    else {
      memcpy(d0, d, q * sizeof *d);
      rc = cz_posv(fitfn, cz_mat_dense(A, q, q), cz_mat_dense(d, q, 1));
      double s = 0;
      for (size_t j = 0; j < q; j++)
        s += d0[j] * d[j];
      *W = s;
      cz_free(a, d0);
    }
  }
  cz_free(a, A);
  cz_free(a, d);
  return rc;
}

/* Estimates of one fit, from either solver, for the shared report. */
typedef struct ols_est {
  int type, clustered;
  const char *solver;     /* "cholesky" or "qr" */
  size_t n, k, rk, nd, dof_fe, df_full;
  const double *yraw, *wraw; /* outcome and weights of the rows used */
  const int32_t *const *cl;  /* cluster codes of the rows used */
  const size_t *ncl;
  double rss, sigma2, dfres;
  double within_tss;      /* absorbed: weighted sum of squares of demeaned y */
  cz_vcov_out vout;
} ols_est;

/* ---- fast path: normal equations with iterative refinement ----------- */

/* Row source of the fast path: design column j of frame row i is
 * col[j][rows ? rows[i] : i] (NULL = the intercept), scaled by sqrt(w_i).
 * With beta set, ub receives the scaled residuals sqrt(w)(y - X beta); with
 * xr set the pass also accumulates X'u into xr and u'u into rr (the
 * refinement quantities). Used directly and as the cz_vcov_in gather.
 * Everything happens on one block of a few hundred rows (fp_block), which
 * stays in L1/L2 while the residuals, X'u and the Gram kernel read it. */
typedef struct fp_src {
  const double **col;
  const size_t *rows;
  const double *y, *w;
  const cz_alloc *a;
  size_t n, k;
  const double *shift; /* NULL, or subtracted from each column (centring) */
  const double *beta;
  double *xr, rr;
  double *sw; /* block scratch */
} fp_src;

/* Ask for the rows of the next block while this one is computed: the
 * hardware prefetchers follow a few streams, not k + 1 separate columns,
 * and a pass is otherwise a read from memory followed by computation. */
static void fp_prefetch(const fp_src *s, size_t i0, size_t b) {
#if defined(__GNUC__) || defined(__clang__)
  if (s->rows != NULL || i0 >= s->n)
    return;
  size_t e = s->n - i0 < b ? s->n - i0 : b;
  for (size_t j = 0; j <= s->k; j++) {
    const double *c = j < s->k ? s->col[j] : s->y;
    if (c == NULL)
      continue;
    for (size_t i = 0; i < e; i += 8) /* one 64-byte line */
      __builtin_prefetch(c + i0 + i, 0, 2);
  }
#else
  (void)s;
  (void)i0;
  (void)b;
#endif
}

static int fp_gather(void *ctx, size_t i0, size_t b, double *Xb, double *ub) {
  fp_src *s = ctx;
  size_t k = s->k;
  fp_prefetch(s, i0 + b, b);
  memcpy(ub, s->y + i0, b * sizeof *ub);
  if (s->w != NULL)
    for (size_t i = 0; i < b; i++) {
      s->sw[i] = sqrt(s->w[i0 + i]);
      ub[i] *= s->sw[i];
    }
  for (size_t j = 0; j < k; j++) {
    const double *c = s->col[j];
    double *x = Xb + j * b;
    double h = s->shift != NULL ? s->shift[j] : 0.0;
    if (c == NULL)
      for (size_t i = 0; i < b; i++)
        x[i] = 1.0 - h;
    else if (s->rows == NULL) {
      c += i0;
      for (size_t i = 0; i < b; i++)
        x[i] = c[i] - h;
    } else
      for (size_t i = 0; i < b; i++)
        x[i] = c[s->rows[i0 + i]] - h;
    if (s->w != NULL)
      for (size_t i = 0; i < b; i++)
        x[i] *= s->sw[i];
    /* residuals column by column while the column is in L1 */
    if (s->beta != NULL && s->beta[j] != 0.0) {
      double bj = s->beta[j];
      for (size_t i = 0; i < b; i++)
        ub[i] -= bj * x[i];
    }
  }
  if (s->xr != NULL) {
    for (size_t j = 0; j < k; j++) {
      const double *x = Xb + j * b;
      double acc = 0.0;
      for (size_t i = 0; i < b; i++)
        acc += x[i] * ub[i];
      s->xr[j] += acc;
    }
    double acc = 0.0;
    for (size_t i = 0; i < b; i++)
      acc += ub[i] * ub[i];
    s->rr += acc;
  }
  return CAUSAL_OK;
}

/* Rows per block: a few hundred for the tiled Gram kernel (the block of
 * k + 1 columns stays in L1/L2), about 2 MB for dsyrk (fewer calls). */
static size_t fp_block(size_t k) {
  if (cz_gram_fast(k + 1))
    return 256;
  size_t b = 262144 / (k + 1);
  return b < 256 ? 256 : b > 65536 ? 65536 : b;
}

/* One pass over the rows through fp_gather (refinement: X'r and r'r). */
static void fp_pass(fp_src *s, size_t n, double *W) {
  size_t B = fp_block(s->k);
  for (size_t i0 = 0; i0 < n; i0 += B) {
    size_t b = n - i0 < B ? n - i0 : B;
    fp_gather(s, i0, b, W, W + s->k * b);
  }
}

/* ---- direct passes: the columns read in place (internal/gram.h) ----
 * When rows are not re-indexed (nothing dropped), unweighted and the Gram
 * kernel is available, a pass reads each column of a DB-row chunk where it
 * lives, with the centring applied in registers: no copy of the block.
 * The next chunk is prefetched into L2 meanwhile (k + 1 separate streams
 * are more than the hardware prefetchers follow). */
#define DB 256

typedef struct fp_direct {
  const double *cb[CZ_GRAM_PMAX]; /* chunk column pointers: X, then y */
  double hs[CZ_GRAM_PMAX];        /* shifts (0 for the intercept and y) */
  double *u, *w, *ones;           /* DB each */
  double xmax[CZ_GRAM_PMAX];      /* max_i |x~_ij| seen by the passes */
} fp_direct;

static int fp_direct_ok(const fp_src *s, const cz_gram *g) {
  return s->rows == NULL && s->w == NULL && g->simd &&
         s->k + 1 <= CZ_GRAM_PMAX;
}

static void fp_chunk(const fp_src *s, fp_direct *d, size_t i0, size_t b) {
  size_t k = s->k;
  for (size_t j = 0; j < k; j++) {
    d->cb[j] = s->col[j] != NULL ? s->col[j] + i0 : d->ones;
    d->hs[j] = s->shift != NULL ? s->shift[j] : 0.0;
  }
  d->cb[k] = s->y + i0;
  d->hs[k] = 0.0;
#if defined(__GNUC__) || defined(__clang__)
  size_t e = i0 + b < s->n ? i0 + b : s->n; /* the next chunk: e.. */
  size_t e2 = e + b < s->n ? e + b : s->n;
  for (size_t j = 0; j <= k; j++) {
    const double *c = j < k ? s->col[j] : s->y;
    if (c != NULL)
      for (size_t i = e; i < e2; i += 8) /* one 64-byte line */
        __builtin_prefetch(c + i, 0, 2);
  }
#endif
}

/* X'X pass: [X y]'[X y] into g. */
static void fp_cross_direct(const fp_src *s, fp_direct *d, cz_gram *g) {
  for (size_t i0 = 0; i0 < s->n; i0 += DB) {
    size_t b = s->n - i0 < DB ? s->n - i0 : DB;
    fp_chunk(s, d, i0, b);
    cz_gram_addv(g, d->cb, d->hs, NULL, b);
  }
}

/* Refinement pass with beta: X'u into s->xr, u'u into s->rr, and with
 * meat != NULL the HC meat sum u_i^2 x_i x_i' (k columns). */
static void fp_pass_direct(fp_src *s, fp_direct *d, cz_gram *meat) {
  size_t k = s->k;
  for (size_t i0 = 0; i0 < s->n; i0 += DB) {
    size_t b = s->n - i0 < DB ? s->n - i0 : DB;
    fp_chunk(s, d, i0, b);
    s->rr += cz_gram_resid(d->cb, d->hs, s->y + i0, s->beta, k, b, d->u,
                           s->xr, d->xmax);
    if (meat != NULL) {
      for (size_t i = 0; i < b; i++)
        d->w[i] = d->u[i] * d->u[i];
      cz_gram_addv(meat, d->cb, d->hs, d->w, b);
    }
  }
}

/* The fast path's state: G = X'WX (k x k), the equilibration D (powers of
 * two), R = chol(D G D), the coefficients. */
typedef struct fp_state {
  size_t k;
  double *C;     /* (k+1)^2: [X y]'W[X y] */
  double *R, *D, *b, *c, *db, *dtot, *W;
  double *sh;    /* the centring shift (0 for the intercept), or NULL */
  size_t j0;     /* the intercept column when sh is set */
  fp_direct *direct; /* scratch of the direct passes, or NULL */
  double rcond;
} fp_state;

/* x <- G^{-1} x = D (DGD)^{-1} D x */
static void fp_solve(const fp_state *s, double *x) {
  size_t k = s->k;
  for (size_t j = 0; j < k; j++)
    x[j] *= s->D[j];
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)k,
              s->R, (int)k, x, 1);
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k,
              s->R, (int)k, x, 1);
  for (size_t j = 0; j < k; j++)
    x[j] *= s->D[j];
}

/* x' G y */
static double fp_quad(const fp_state *s, const double *x, const double *y) {
  size_t k = s->k, p = k + 1;
  double acc = 0.0;
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++)
      acc += x[i] * s->C[i <= j ? i + j * p : j + i * p] * y[j];
  return acc;
}

/* R = chol(D A D) of the leading k x k block of A (ld lda, upper triangle
 * read) with D the power-of-two equilibration, and its rcond (dpocon's
 * 1-norm estimate) into s->R, s->D, s->rcond; *good = 0 when a column is
 * zero or the factorization fails. Uses s->W[0..4k) as workspace. */
static int fp_chol(fp_state *s, const double *A, size_t lda, int *good) {
  size_t k = s->k;
  *good = 0;
  for (size_t j = 0; j < k; j++) {
    double g = A[j + j * lda];
    if (!(g > 0))
      return CAUSAL_OK; /* a zero column: rank deficient */
    int e;
    (void)frexp(sqrt(g), &e);
    s->D[j] = ldexp(1.0, -e);
  }
  double anorm = 0.0;
  for (size_t j = 0; j < k; j++) {
    double col = 0.0;
    for (size_t i = 0; i < k; i++) {
      double v = A[i <= j ? i + j * lda : j + i * lda] * s->D[i] * s->D[j];
      col += fabs(v);
      s->R[i + j * k] = i <= j ? v : 0.0;
    }
    anorm = col > anorm ? col : anorm;
  }
  int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)k, s->R, (int)k);
  if (info != 0)
    return CAUSAL_OK;
  lapack_int *iw = (lapack_int *)(s->W + 3 * k);
  info = LAPACKE_dpocon_work(LAPACK_COL_MAJOR, 'U', (int)k, s->R, (int)k,
                             anorm, &s->rcond, s->W, iw);
  *good = info == 0;
  return CAUSAL_OK;
}

/* Cross products, Cholesky with a condition estimate. Sets *ok = 0 (no
 * error) when the normal equations are not safe: a non-finite or zero
 * column, a failed factorization, or rcond(D G D) below the threshold
 * (docs/methods/ols.md); the QR path then decides. */
static int fp_factor(fp_state *s, fp_src *src, size_t n, double rank_tol,
                     int *ok) {
  size_t k = s->k, p = k + 1, B = fp_block(k);
  *ok = 0;
  memset(s->C, 0, p * p * sizeof *s->C);
  src->beta = NULL;
  src->xr = NULL;
  cz_gram g;
  CZ_CHECK(cz_gram_init(&g, src->a, p));
  if (s->direct != NULL && fp_direct_ok(src, &g)) {
    fp_cross_direct(src, s->direct, &g);
  } else {
    for (size_t i0 = 0; i0 < n; i0 += B) {
      size_t b = n - i0 < B ? n - i0 : B;
      fp_gather(src, i0, b, s->W, s->W + k * b);
      cz_gram_add(&g, s->W, b, b); /* [X y] block, ld b */
    }
  }
  cz_gram_get(&g, 0.0, s->C, p);
  cz_gram_free(&g);
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i <= j; i++)
      if (!isfinite(s->C[i + j * p]))
        return CAUSAL_OK; /* infinite values or overflow: the QR path */
  /* accuracy: the (centred) normal equations must be well conditioned */
  int good = 0;
  CZ_CHECK(fp_chol(s, s->C, p, &good));
  double thr = 10.0 * (double)k * rank_tol;
  thr *= thr;
  if (!good || !(s->rcond > (thr > CZ_OLS_RCOND_MIN ? thr : CZ_OLS_RCOND_MIN)))
    return CAUSAL_OK;
  if (s->sh != NULL) {
    /* rank decisions: those of the QR path on the uncentred design, whose
     * Gram matrix is U' G U with U = I + e_j0 sh' (X = X~ U); thr as above */
    double *G = s->W + 4 * k, *R0 = G + k * k, *D0 = R0 + k * k;
    double rc0 = s->rcond, *Rs = s->R, *Ds = s->D;
    const double *Cc = s->C, *h = s->sh;
    size_t z = s->j0;
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i <= j; i++) {
        double a = Cc[i + j * p] + h[i] * Cc[z <= j ? z + j * p : j + z * p] +
                   h[j] * Cc[i <= z ? i + z * p : z + i * p] +
                   h[i] * h[j] * Cc[z + z * p];
        G[i + j * k] = G[j + i * k] = a;
      }
    s->R = R0;
    s->D = D0;
    int good0 = 0;
    int rc = fp_chol(s, G, k, &good0);
    double rcu = s->rcond;
    s->R = Rs;
    s->D = Ds;
    s->rcond = rc0;
    CZ_CHECK(rc);
    if (!good0 || !(rcu > thr))
      return CAUSAL_OK;
  }
  *ok = 1;
  return CAUSAL_OK;
}

static double fp_scaled_max(const fp_state *s, const double *x) {
  double mx = 0.0;
  for (size_t j = 0; j < s->k; j++) {
    double v = fabs(x[j]) / s->D[j];
    mx = v > mx ? v : mx;
  }
  return mx;
}

/* After an accumulating pass: db = G^{-1} X'r, b += db, rss update.
 * Returns 1 when converged (the next correction would be below about
 * 4 eps |b|: the contraction factor is about k eps / rcond). */
static int fp_update(fp_state *s, const fp_src *src, double *rss) {
  size_t k = s->k;
  memcpy(s->db, s->c, k * sizeof *s->db);
  fp_solve(s, s->db);
  *rss = src->rr - 2.0 * cblas_ddot((int)k, s->db, 1, s->c, 1) +
         fp_quad(s, s->db, s->db);
  if (*rss < 0)
    *rss = 0;
  for (size_t j = 0; j < k; j++) {
    s->b[j] += s->db[j];
    s->dtot[j] += s->db[j];
  }
  return fp_scaled_max(s, s->db) <=
         4.0 * s->rcond / (double)k * fp_scaled_max(s, s->b);
}

static int max_cluster_size(const cz_alloc *a, const int32_t *cl, size_t n,
                            size_t G, double *mx) {
  size_t *cnt = cz_calloc(a, G ? G : 1, sizeof *cnt);
  if (cnt == NULL)
    return CAUSAL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (++cnt[cl[i]] > m)
      m = cnt[cl[i]];
  cz_free(a, cnt);
  *mx = (double)m;
  return CAUSAL_OK;
}

static int ols_fast(ols_ws *o, ols_est *e, const cz_frame *f,
                    const causal_regress *m, int *done) {
  const cz_alloc *a = o->a;
  size_t n = f->n, k = f->k, p = k + 1, B = fp_block(k);
  *done = 0;
  fp_state s;
  memset(&s, 0, sizeof s);
  s.k = k;
  fp_src src;
  memset(&src, 0, sizeof src);
  src.col = cz_malloc(a, k * sizeof *src.col);
  s.C = dalloc(a, p, p);
  double *sm = dalloc(a, 7 * k + k * k, 1);
  /* W: a block of [X y] (or the small-matrix scratch of fp_factor), then
   * the row scratch of fp_gather (65536 rows: the largest block of vcov.c) */
  size_t wsz = B * p > 5 * k + 2 * k * k ? B * p : 5 * k + 2 * k * k;
  s.W = dalloc(a, wsz + 65536, 1);
  if (src.col == NULL || s.C == NULL || sm == NULL || s.W == NULL) {
    cz_free(a, (void *)src.col);
    cz_free(a, s.C);
    cz_free(a, sm);
    cz_free(a, s.W);
    return CAUSAL_ENOMEM;
  }
  s.R = sm;
  s.D = s.R + k * k;
  s.b = s.D + k;
  s.c = s.b + k;
  s.db = s.c + k;
  s.dtot = s.db + k;
  src.sw = s.W + wsz;
  src.a = a;
  src.n = n;
  src.k = k;
  src.y = f->y;
  src.w = f->w;
  if (f->X != NULL) {
    for (size_t j = 0; j < k; j++)
      src.col[j] = f->X + j * n;
  } else {
    for (size_t j = 0; j < k; j++)
      src.col[j] = f->xcol[j];
    src.rows = f->n_dropped > 0 ? f->rows : NULL;
  }
  fp_direct dir;
  if (cz_gram_fast(p) && src.rows == NULL && src.w == NULL) {
    dir.u = src.sw; /* 65536 doubles of row scratch, unused here */
    dir.w = dir.u + DB;
    dir.ones = dir.w + DB;
    for (size_t i = 0; i < DB; i++)
      dir.ones[i] = 1.0;
    memset(dir.xmax, 0, sizeof dir.xmax);
    s.direct = &dir;
  }
  /* With an intercept the other columns are centred at the means of the
   * first block: X~ = X T, T = I - e_j0 sh'. Any shift is exact algebra
   * (b = T b~, V = T V~ T'), and a rough centring removes the collinearity
   * with the constant that dominates cond(X'X) for typical data, which
   * keeps the refinement short and the speculative meat valid. */
  int twoway = e->clustered && f->ncluster_dims > 1; /* PSD fix: not
                                                        congruence-invariant */
  for (size_t j = 0; j < k && s.sh == NULL && !twoway; j++)
    if (f->X != NULL ? strcmp(f->xnames[j], "(Intercept)") == 0
                     : f->xcol[j] == NULL) {
      s.sh = s.dtot + k;
      s.j0 = j;
    }
  if (s.sh != NULL) {
    size_t b = n < B ? n : B;
    src.w = NULL;
    fp_gather(&src, 0, b, s.W, s.W + k * b);
    src.w = f->w;
    for (size_t j = 0; j < k; j++) {
      double acc = 0.0;
      for (size_t i = 0; i < b; i++)
        acc += s.W[i + j * b];
      s.sh[j] = j == s.j0 ? 0.0 : acc / (double)b;
    }
    src.shift = s.sh;
  }
  int ok = 0, rc = fp_factor(&s, &src, n, m->rank_tol, &ok);
  if (rc != CAUSAL_OK || !ok)
    goto out;
  /* b0 from the normal equations */
  for (size_t j = 0; j < k; j++)
    s.b[j] = s.C[j + k * p];
  fp_solve(&s, s.b);
  int type = e->type;
  int spec = type == CAUSAL_VCOV_HC0 || type == CAUSAL_VCOV_HC1 ||
             ((type == CAUSAL_VCOV_CR0 || type == CAUSAL_VCOV_CR1) &&
              f->ncluster_dims == 1);
  o->bread = dalloc(a, k, k);
  o->V = dalloc(a, k, k);
  o->beta = dalloc(a, k, 1);
  if (o->bread == NULL || o->V == NULL || o->beta == NULL) {
    rc = CAUSAL_ENOMEM;
    goto out;
  }
  /* bread G^{-1} = D (DGD)^{-1} D */
  memcpy(o->bread, s.R, k * k * sizeof *o->bread);
  if (LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (int)k, o->bread, (int)k)) {
    rc = cz_fail(CAUSAL_EINTERNAL, "%s: dpotri failed", fitfn);
    goto out;
  }
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++)
      o->bread[j + i * k] = o->bread[i + j * k] *= s.D[i] * s.D[j];
  e->n = n;
  e->k = e->rk = k;
  e->nd = 0;
  e->dof_fe = 0;
  e->df_full = k;
  if (n <= k) {
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: %zu observations for %zu parameters: no residual "
                 "degrees of freedom",
                 fitfn, n, k);
    goto out;
  }
  e->dfres = (double)(n - k);
  cz_vcov_in vin;
  memset(&vin, 0, sizeof vin);
  vin.bread = o->bread;
  vin.n = n;
  vin.k = k;
  vin.type = type;
  vin.ssc = (int)m->ssc;
  vin.df_model = k;
  vin.ncluster_dims = e->clustered ? f->ncluster_dims : 0;
  for (size_t d = 0; d < vin.ncluster_dims; d++) {
    vin.cl[d] = f->cl[d];
    vin.ncl[d] = f->ncl[d];
  }
  vin.gather = fp_gather;
  vin.gather_ctx = &src;
  memset(&e->vout, 0, sizeof e->vout);
  e->vout.V = o->V;
  /* Refinement passes; with HC0/HC1/CR0/CR1 the first one also computes
   * the meat (speculatively, with the unrefined residuals). */
  double rss = 0.0;
  int have_v = 0, have_xmax = 0;
  memset(s.dtot, 0, k * sizeof *s.dtot);
  for (int it = 0; it < 4; it++) {
    memset(s.c, 0, k * sizeof *s.c);
    src.beta = s.b;
    src.xr = s.c;
    src.rr = 0.0;
    int hc = type == CAUSAL_VCOV_HC0 || type == CAUSAL_VCOV_HC1;
    if (spec && it == 0 && hc && s.direct != NULL) {
      /* the meat in place from the columns, with the residuals */
      cz_gram gm;
      rc = cz_gram_init(&gm, a, k);
      if (rc == CAUSAL_OK && fp_direct_ok(&src, &gm)) {
        double *M = s.W; /* k x k */
        fp_pass_direct(&src, s.direct, &gm);
        cz_gram_get(&gm, 0.0, M, k);
        rc = cz_vcov_hc_given(a, &vin, M, &e->vout);
        have_v = rc == CAUSAL_OK;
        have_xmax = 1;
      } else if (rc == CAUSAL_OK) {
        rc = cz_vcov_compute(a, &vin, &e->vout);
        have_v = rc == CAUSAL_OK;
      }
      cz_gram_free(&gm);
      if (rc != CAUSAL_OK)
        goto out;
      memset(s.dtot, 0, k * sizeof *s.dtot);
    } else if (spec && it == 0) {
      rc = cz_vcov_compute(a, &vin, &e->vout);
      if (rc != CAUSAL_OK)
        goto out;
      have_v = 1;
      memset(s.dtot, 0, k * sizeof *s.dtot);
    } else if (s.direct != NULL) {
      fp_pass_direct(&src, s.direct, NULL);
    } else {
      fp_pass(&src, n, s.W);
    }
    if (fp_update(&s, &src, &rss))
      break;
  }
  src.xr = NULL;
  e->rss = rss;
  e->sigma2 = rss / e->dfres;
  if (have_v) {
    /* Keep the speculative meat when the residual change X dtot moves
     * every variance by less than 1e-10 (relative): with d_i = x_i'dtot,
     * |d_i| <= delta = ||X dtot|| and Cauchy–Schwarz bound the change of
     * a'Ma (a = B e_j) by 2 delta sqrt(mc a'Ga a'Ma) + delta^2 mc a'Ga,
     * where a'Ga = B_jj, a'Ma = V_jj / c, c <= cmax the small-sample
     * factor and m the largest cluster (1 for HC). */
    double d2 = fp_quad(&s, s.dtot, s.dtot), delta = sqrt(d2 > 0 ? d2 : 0);
    if (have_xmax) {
      /* tighter when the pass recorded max_i |x~_ij|: |d_i| <=
       * sum_j max_i |x~_ij| |dtot_j| (usually ~sqrt(n) times smaller) */
      double dinf = 0.0;
      for (size_t j = 0; j < k; j++)
        dinf += s.direct->xmax[j] * fabs(s.dtot[j]);
      if (dinf < delta) {
        delta = dinf;
        d2 = dinf * dinf;
      }
    }
    double cmax = (double)n / e->dfres, mc = 1.0;
    if (e->clustered) {
      cmax *= (double)f->ncl[0] / (double)(f->ncl[0] - 1);
      rc = max_cluster_size(a, f->cl[0], n, f->ncl[0], &mc);
      if (rc != CAUSAL_OK)
        goto out;
    }
    double eps = 0.0;
    for (size_t j = 0; j < k; j++) {
      double vjj = o->V[j + j * k], q = mc * cmax * o->bread[j + j * k] / vjj;
      double ej = vjj > 0 ? 2.0 * delta * sqrt(q) + d2 * q : INFINITY;
      eps = ej > eps ? ej : eps;
    }

    if (!(eps <= 1e-10))
      have_v = 0; /* recompute the meat with the refined residuals */
  }
  if (!have_v) {
    vin.sigma2 = e->sigma2;
    src.beta = s.b;
    rc = cz_vcov_compute(a, &vin, &e->vout);
    if (rc != CAUSAL_OK)
      goto out;
  }
  if (s.sh != NULL) { /* back to the uncentred coefficients */
    const double *h = s.sh;
    size_t z = s.j0;
    s.b[z] -= cblas_ddot((int)k, h, 1, s.b, 1);
    double *mats[2] = {o->bread, o->V};
    for (int q = 0; q < 2; q++) { /* A <- T A T' */
      double *A = mats[q];
      for (size_t j = 0; j < k; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < k; i++)
          acc += h[i] * A[i + j * k];
        A[z + j * k] -= acc;
      }
      for (size_t i = 0; i < k; i++) {
        double acc = 0.0;
        for (size_t j = 0; j < k; j++)
          acc += A[i + j * k] * h[j];
        A[i + z * k] -= acc;
      }
    }
  }
  memcpy(o->beta, s.b, k * sizeof *s.b);
  o->kidx = cz_malloc(a, k * sizeof *o->kidx);
  if (o->kidx == NULL) {
    rc = CAUSAL_ENOMEM;
    goto out;
  }
  for (size_t j = 0; j < k; j++)
    o->kidx[j] = j;
  if (m->keep_fitted) { /* unweighted residuals y - X b */
    o->resid = dalloc(a, n, 1);
    if (o->resid == NULL) {
      rc = CAUSAL_ENOMEM;
      goto out;
    }
    src.w = NULL;
    src.shift = NULL; /* b is back in the uncentred coordinates */
    src.beta = s.b;
    for (size_t i0 = 0; i0 < n; i0 += B) {
      size_t b = n - i0 < B ? n - i0 : B;
      fp_gather(&src, i0, b, s.W, o->resid + i0);
    }
  }
  e->solver = "cholesky";
  e->yraw = f->y;
  e->wraw = f->w;
  e->cl = (const int32_t *const *)f->cl;
  e->ncl = f->ncl;
  *done = 1;
out:
  cz_free(a, (void *)src.col);
  cz_free(a, s.C);
  cz_free(a, sm);
  cz_free(a, s.W);
  if (rc == CAUSAL_OK && !*done) { /* the QR path starts afresh */
    cz_free(a, o->bread);
    cz_free(a, o->V);
    cz_free(a, o->beta);
    cz_free(a, o->resid);
    cz_free(a, o->kidx);
    o->bread = o->V = o->beta = o->resid = NULL;
    o->kidx = NULL;
  }
  return rc;
}

/* ---- QR path: pivoted QR with long-double refinement ------------------ */

static int ols_qr(causal_result *r, ols_ws *o, ols_est *e, const cz_frame *f,
                  const causal_regress *m) {
  const cz_alloc *a = o->a;
  size_t dof_fe = 0;
  CZ_CHECK(ols_prepare(o, f, m, r, &dof_fe));
  size_t n = o->n, k = o->k;
  if (k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the model has no regressors besides "
                                  "the absorbed fixed effects",
                   fitfn);
  /* sqrt(w) scaling (WLS) */
  if (o->yw == NULL) {
    o->yw = dalloc(a, n, 1);
    if (o->yw == NULL)
      return CAUSAL_ENOMEM;
    memcpy(o->yw, o->y, n * sizeof *o->y);
  }
  if (o->w) {
    o->sw = dalloc(a, n, 1);
    if (o->sw == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      o->sw[i] = sqrt(o->w[i]);
      o->yw[i] *= o->sw[i];
    }
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < n; i++)
        o->X[i + j * n] *= o->sw[i];
  }
  o->Xw = o->X;
  cz_cmat Xw = cz_cmat_dense(o->Xw, n, k);
  CZ_CHECK(cz_check_finite(fitfn, "X", Xw));
  CZ_CHECK(cz_qr_factor(fitfn, &o->qr, Xw, m->rank_tol, &o->ws));
  size_t rk = o->qr.rank;
  o->kidx = cz_malloc(a, k * sizeof *o->kidx);
  size_t *didx = o->kidx ? cz_malloc(a, k * sizeof *didx) : NULL;
  if (didx == NULL)
    return CAUSAL_ENOMEM;
  size_t nk = 0, nd = 0;
  for (size_t j = 0; j < k; j++) {
    if (o->qr.dropped[j])
      didx[nd++] = j;
    else
      o->kidx[nk++] = j;
  }
  put_list(&o->msg, f->xnames, didx, nd);
  cz_free(a, didx);
  if (o->msg.failed)
    return CAUSAL_ENOMEM;
  const char *dropped = o->msg.data ? o->msg.data : "";
  if (rk == 0)
    return cz_fail(CAUSAL_ESINGULAR, "%s: every regressor is zero (%s)", fitfn,
                   dropped);
  if (nd > 0 && m->rank == CAUSAL_RANK_ERROR)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: the design is rank deficient (rank %zu of %zu "
                   "columns): %s collinear with the other columns "
                   "(RANK_TOL %g)",
                   fitfn, rk, k, dropped, o->qr.tol);
  size_t df_full = rk + dof_fe;
  if (n <= df_full)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %zu observations for %zu parameters: no residual "
                   "degrees of freedom",
                   fitfn, n, df_full);
  /* coefficients (refined) and residuals */
  o->beta = dalloc(a, k, 1);
  o->resid = dalloc(a, n, 1);
  o->cov = dalloc(a, k, k);
  o->bread = dalloc(a, rk, rk);
  o->V = dalloc(a, rk, rk);
  if (!o->beta || !o->resid || !o->cov || !o->bread || !o->V)
    return CAUSAL_ENOMEM;
  CZ_CHECK(cz_qr_lstsq_refine(fitfn, &o->qr, Xw, o->yw, o->beta, o->resid, 2,
                              &o->ws));
  CZ_CHECK(cz_qr_cov_unscaled(fitfn, &o->qr, cz_mat_dense(o->cov, k, k),
                              &o->ws));
  for (size_t j = 0; j < rk; j++)
    for (size_t i = 0; i < rk; i++)
      o->bread[i + j * rk] = o->cov[o->kidx[i] + o->kidx[j] * k];
  const double *X1 = o->Xw;
  if (rk < k) {
    o->X1 = dalloc(a, n, rk);
    if (o->X1 == NULL)
      return CAUSAL_ENOMEM;
    for (size_t j = 0; j < rk; j++)
      memcpy(o->X1 + j * n, o->Xw + o->kidx[j] * n, n * sizeof *o->X1);
    X1 = o->X1;
  }
  double rss = 0;
  for (size_t i = 0; i < n; i++)
    rss += o->resid[i] * o->resid[i];
  e->n = n;
  e->k = k;
  e->rk = rk;
  e->nd = nd;
  e->dof_fe = dof_fe;
  e->df_full = df_full;
  e->rss = rss;
  e->dfres = (double)(n - df_full);
  e->sigma2 = rss / e->dfres;
  e->solver = "qr";
  e->yraw = o->y;
  e->wraw = o->w;
  e->cl = (const int32_t *const *)o->cl;
  e->ncl = o->ncl;
  if (f->nfe > 0) {
    double sy = 0;
    for (size_t i = 0; i < n; i++)
      sy += o->yw[i] * o->yw[i]; /* demeaned (and weighted) y */
    e->within_tss = sy;
  }
  /* fixest: absorbed factors nested in a cluster dimension do not count */
  size_t df_v = df_full;
  if (e->clustered && f->nfe > 0 && m->ssc == CAUSAL_SSC_FIXEST) {
    size_t sub = 0;
    for (size_t d = 0; d < f->nfe; d++) {
      int nest = 0;
      for (size_t c = 0; c < f->ncluster_dims && !nest; c++)
        CZ_CHECK(nested_in(a, o->fe[d], o->fe_levels[d], o->cl[c], n, &nest));
      if (nest)
        sub += o->fe_levels[d] - 1;
    }
    size_t eff = dof_fe > sub ? dof_fe - sub : 1;
    df_v = rk + eff;
  }
  cz_vcov_in vin;
  memset(&vin, 0, sizeof vin);
  vin.X = X1;
  vin.u = o->resid;
  vin.bread = o->bread;
  vin.n = n;
  vin.k = rk;
  vin.type = e->type;
  vin.ssc = (int)m->ssc;
  vin.df_model = df_v;
  vin.ncluster_dims = e->clustered ? f->ncluster_dims : 0;
  for (size_t d = 0; d < vin.ncluster_dims; d++) {
    vin.cl[d] = o->cl[d];
    vin.ncl[d] = o->ncl[d];
  }
  vin.sigma2 = e->sigma2;
  memset(&e->vout, 0, sizeof e->vout);
  e->vout.V = o->V;
  CZ_CHECK(cz_vcov_compute(a, &vin, &e->vout));
  if (e->type == CAUSAL_VCOV_CR2) {
    o->dfc = dalloc(a, rk, 1);
    if (o->dfc == NULL)
      return CAUSAL_ENOMEM;
    CZ_CHECK(cz_vcov_bm_df(a, &vin, o->dfc));
  }
  if (m->keep_fitted && o->sw) /* unweighted residuals */
    for (size_t i = 0; i < n; i++)
      o->resid[i] /= o->sw[i];
  return CAUSAL_OK;
}

/* ---- report (both paths) ----------------------------------------------- */

static int ols_report(causal_result *r, ols_ws *o, const ols_est *e,
                      const cz_frame *f, const causal_regress *m) {
  const cz_alloc *a = o->a;
  size_t n = e->n, k = e->k, rk = e->rk, nd = e->nd;
  double df = e->vout.df;
  const char *dropped = o->msg.data ? o->msg.data : "";
  if (o->dfc == NULL) {
    o->dfc = dalloc(a, rk, 1);
    if (o->dfc == NULL)
      return CAUSAL_ENOMEM;
    for (size_t j = 0; j < rk; j++)
      o->dfc[j] = df;
  }
  if (e->vout.psd_fixed)
    CZ_CHECK(causal_result_add_warning(
        r, "two-way cluster covariance was not positive semi-definite; "
           "negative eigenvalues were set to zero (Cameron, Gelbach and "
           "Miller 2011)"));
  /* coefficient table */
  double *tab = dalloc(a, rk, 6);
  const char **tn = cz_calloc(a, rk, sizeof *tn);
  if (tab == NULL || tn == NULL) {
    cz_free(a, tab);
    cz_free(a, tn);
    return CAUSAL_ENOMEM;
  }
  for (size_t j = 0; j < rk; j++) {
    double b = o->beta[o->kidx[j]], se = sqrt(o->V[j + j * rk]);
    double t = b / se, q = tcrit(m->conf_level, o->dfc[j]);
    tn[j] = f->xnames[o->kidx[j]];
    tab[j] = b;
    tab[j + rk] = se;
    tab[j + 2 * rk] = t;
    tab[j + 3 * rk] = pval2(t, o->dfc[j]);
    tab[j + 4 * rk] = b - q * se;
    tab[j + 5 * rk] = b + q * se;
  }
  int rc = causal_result_set_table(r, "coef", tn, rk, tab, tab + rk,
                                   tab + 2 * rk, tab + 3 * rk, tab + 4 * rk,
                                   tab + 5 * rk);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "vcov", o->V, rk, rk, tn, tn);
  cz_free(a, tab);
  if (rc != CAUSAL_OK) {
    cz_free(a, tn);
    return rc;
  }
  if (e->type == CAUSAL_VCOV_CR2)
    rc = causal_result_set_vector(r, "df_bm", o->dfc, rk, tn);
  cz_free(a, tn);
  CZ_CHECK(rc);
  CZ_CHECK(causal_result_set_string(r, "vcov_type", e->vout.label));
  CZ_CHECK(causal_result_set_string(r, "statistic", isinf(df) ? "z" : "t"));
  CZ_CHECK(causal_result_set_string(r, "solver", e->solver));
  CZ_CHECK(causal_result_set_scalar(r, "df", df));
  CZ_CHECK(causal_result_set_scalar(r, "nobs", (double)n));
  CZ_CHECK(causal_result_set_scalar(r, "n_dropped",
                                    (double)(f->n_dropped + (f->n - n))));
  CZ_CHECK(causal_result_set_vector(r, "dropped_by_column", f->dropped_by_col,
                                    f->n_used_cols,
                                    (const char *const *)f->used_cols));
  CZ_CHECK(causal_result_set_string(r, "dropped_terms", dropped));
  if (nd > 0) {
    cz_buf w;
    cz_buf_init(&w, a);
    cz_buf_printf(&w, "rank deficient design (rank %zu of %zu): dropped "
                      "collinear terms: %s",
                  rk, k, dropped);
    rc = w.failed ? CAUSAL_ENOMEM : causal_result_add_warning(r, w.data);
    cz_buf_free(&w);
    CZ_CHECK(rc);
  }
  if (e->clustered) {
    CZ_CHECK(causal_result_set_scalar(r, "n_clusters", (double)e->ncl[0]));
    if (f->ncluster_dims > 1)
      CZ_CHECK(causal_result_set_scalar(r, "n_clusters2", (double)e->ncl[1]));
  }
  if (f->nfe > 0)
    CZ_CHECK(causal_result_set_scalar(r, "dof_fe", (double)e->dof_fe));
  /* goodness of fit on the original scale of y */
  const double *y = e->yraw, *w = e->wraw;
  int centered = f->nfe > 0 || m->intercept;
  double sw = 0, swy = 0, tss = 0, slw = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0;
    sw += wi;
    swy += wi * y[i];
    if (w)
      slw += log(wi);
  }
  double ybar = centered ? swy / sw : 0.0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0, d = y[i] - ybar;
    tss += wi * d * d;
  }
  double rss = e->rss, dfres = e->dfres;
  double N = (double)n, r2 = 1.0 - rss / tss;
  double adj = 1.0 - (1.0 - r2) * (N - (centered ? 1.0 : 0.0)) / dfres;
  CZ_CHECK(causal_result_set_scalar(r, "r_squared", r2));
  CZ_CHECK(causal_result_set_scalar(r, "adj_r_squared", adj));
  if (f->nfe > 0)
    CZ_CHECK(causal_result_set_scalar(r, "within_r_squared",
                                      1.0 - rss / e->within_tss));
  CZ_CHECK(causal_result_set_scalar(r, "sigma", sqrt(e->sigma2)));
  CZ_CHECK(causal_result_set_scalar(r, "rss", rss));
  CZ_CHECK(causal_result_set_scalar(r, "df_residual", dfres));
  /* overall Wald F of the kept non-intercept coefficients */
  size_t *S = cz_malloc(a, rk * sizeof *S), q = 0;
  if (S == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < rk; j++)
    if (!(m->intercept && f->nfe == 0 &&
          strcmp(f->xnames[o->kidx[j]], "(Intercept)") == 0))
      S[q++] = j;
  double W = NAN;
  double *bk = dalloc(a, rk, 1);
  rc = bk ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK && q > 0) {
    for (size_t j = 0; j < rk; j++)
      bk[j] = o->beta[o->kidx[j]];
    rc = wald_stat(a, bk, o->V, rk, S, q, &W);
    if (rc == CAUSAL_ESINGULAR) { /* e.g. fewer clusters than coefficients */
      W = NAN;
      rc = causal_result_add_warning(
          r, "the overall F statistic is undefined: the covariance of the "
             "slopes is singular");
    }
  }
  cz_free(a, bk);
  cz_free(a, S);
  CZ_CHECK(rc);
  double Fq = q ? W / (double)q : NAN;
  double fp = NAN;
  if (q > 0 && !isnan(W))
    fp = isinf(df) ? cz_pchisq(W, (double)q, 0, 0)
                   : cz_pf(Fq, (double)q, df, 0, 0);
  CZ_CHECK(causal_result_set_scalar(r, "f_statistic", Fq));
  CZ_CHECK(causal_result_set_scalar(r, "f_df1", (double)q));
  CZ_CHECK(causal_result_set_scalar(r, "f_df2", df));
  CZ_CHECK(causal_result_set_scalar(r, "f_p_value", fp));
  /* Gaussian log-likelihood as R's logLik.lm (weights included) */
  double ll = 0.5 * (slw - N * (log(6.283185307179586476925) + 1.0 - log(N) +
                                log(rss)));
  double npar = (double)(e->df_full + 1);
  CZ_CHECK(causal_result_set_scalar(r, "loglik", ll));
  CZ_CHECK(causal_result_set_scalar(r, "aic", -2.0 * ll + 2.0 * npar));
  CZ_CHECK(causal_result_set_scalar(r, "bic", -2.0 * ll + log(N) * npar));
  if (m->keep_fitted) { /* o->resid holds the unweighted residuals */
    double *fit = cz_result_alloc_values(r, n);
    if (fit == NULL)
      return CAUSAL_ENOMEM;
    double *res = cz_result_alloc_values(r, n);
    if (res == NULL) {
      cz_result_free_values(r, fit);
      return CAUSAL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
      res[i] = o->resid[i];
      fit[i] = y[i] - res[i];
    }
    rc = cz_result_take_vector(r, "residuals", res, n, NULL);
    if (rc != CAUSAL_OK) {
      cz_result_free_values(r, fit);
      return rc;
    }
    CZ_CHECK(cz_result_take_vector(r, "fitted", fit, n, NULL));
  }
  return CAUSAL_OK;
}

static int ols_fit(causal_result *r, const cz_frame *f, const causal_regress *m,
                   ols_ws *o) {
  ols_est e;
  memset(&e, 0, sizeof e);
  int type = m->vcov ? (int)m->vcov
                     : (f->ncluster_dims ? CAUSAL_VCOV_CR1 : CAUSAL_VCOV_CLASSICAL);
  int clustered = type >= CAUSAL_VCOV_CR0;
  if (clustered && f->ncluster_dims == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: vcov type %d (cluster-robust) needs a cluster column "
                   "(causal_regress_add_cluster)",
                   fitfn, type);
  if (!clustered && f->ncluster_dims > 0)
    CZ_CHECK(causal_result_add_warning(
        r, "cluster columns are ignored by the chosen non-cluster vcov"));
  if (f->nfe > 0 && (type == CAUSAL_VCOV_HC2 || type == CAUSAL_VCOV_HC3 ||
                     type == CAUSAL_VCOV_CR2))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: HC2, HC3 and CR2 need the leverages of the absorbed "
                   "fixed effects, which are not computed; use HC1 or CR1",
                   fitfn);
  e.type = type;
  e.clustered = clustered;
  int done = 0;
  if (f->nfe == 0 && type != CAUSAL_VCOV_CR2 && f->k > 0)
    CZ_CHECK(ols_fast(o, &e, f, m, &done));
  if (!done) {
    /* the QR path needs the design as a matrix */
    cz_frame g = *f;
    if (g.X == NULL) {
      CZ_CHECK(cz_frame_materialize(&g));
      o->Xframe = g.X;
    }
    CZ_CHECK(ols_qr(r, o, &e, &g, m));
  }
  return ols_report(r, o, &e, f, m);
}

int cz_ols_fit(causal_result *r, const cz_frame *f, const causal_regress *m) {
  ols_ws o;
  memset(&o, 0, sizeof o);
  o.a = &f->alloc;
  cz_qr_init(&o.qr, o.a);
  cz_ws_init(&o.ws, o.a);
  cz_buf_init(&o.msg, o.a);
  int rc = ols_fit(r, f, m, &o);
  ols_release(&o, f->nfe);
  return rc;
}

/* ======================================================================
 * Dispatch
 * ====================================================================== */

int causal_regress_fit(causal_result **out, const causal_regress *m,
                       const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  static const char *const kinds[] = {"ols", "logit", "iv"};
  cz_frame f;
  if (m->family == CAUSAL_REGRESS_OLS)
    CZ_CHECK(frame_build_top(&f, m, ds, 2)); /* lazy and lean */
  else
    CZ_CHECK(cz_frame_build(&f, m, ds));
  causal_result *r = NULL;
  int rc = causal_result_new(&r, kinds[m->family - 1]);
  if (rc == CAUSAL_OK) {
    switch (m->family) {
    case CAUSAL_REGRESS_OLS: rc = cz_ols_fit(r, &f, m); break;
    case CAUSAL_REGRESS_LOGIT: rc = cz_logit_fit(r, &f, m); break;
    default: rc = cz_iv_fit(r, &f, m); break;
    }
  }
  frame_free_lean(&f);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Wald test
 * ====================================================================== */

int causal_regress_wald(causal_result **out, const causal_result *fit,
                        const double *R, size_t q, size_t k,
                        const double *rhs) {
  static const char *who = "causal_regress_wald";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(fit);
  CZ_REQUIRE_NONNULL(R);
  if (q == 0 || k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: q = %zu and k = %zu must be positive",
                   who, q, k);
  const double *tab, *V;
  size_t kt, c6, kv1, kv2;
  double df;
  CZ_CHECK(causal_result_get_matrix(fit, "coef", &tab, &kt, &c6));
  CZ_CHECK(causal_result_get_matrix(fit, "vcov", &V, &kv1, &kv2));
  CZ_CHECK(causal_result_get_scalar(fit, "df", &df));
  if (kv1 != kt || kv2 != kt)
    return cz_fail(CAUSAL_EDIM, "%s: the fit's vcov is %zu x %zu for %zu "
                                "coefficients",
                   who, kv1, kv2, kt);
  if (k != kt)
    return cz_fail(CAUSAL_EDIM,
                   "%s: R has %zu columns but the fit has %zu coefficients",
                   who, k, kt);
  if (q > k)
    return cz_fail(CAUSAL_EDIM, "%s: %zu restrictions on %zu coefficients "
                                "cannot be independent",
                   who, q, k);
  CZ_CHECK(cz_check_finite(who, "R", cz_cmat_dense(R, q, k)));
  if (rhs)
    CZ_CHECK(cz_check_finite_vec(who, "rhs", rhs, q));
  cz_alloc a = cz_alloc_current();
  double *d = dalloc(&a, q, 1), *d0 = dalloc(&a, q, 1);
  double *RV = dalloc(&a, q, k), *A = dalloc(&a, q, q);
  causal_result *res = NULL;
  int rc = d && d0 && RV && A ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK) /* d = R b - r */
    rc = cz_gemv(who, false, 1.0, cz_cmat_dense(R, q, k), tab, 0.0, d);
  if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < q; i++)
      d0[i] = d[i] -= rhs ? rhs[i] : 0.0;
    rc = cz_check_finite(who, "vcov", cz_cmat_dense(V, k, k));
  }
  if (rc == CAUSAL_OK)
    rc = cz_gemm(who, false, false, 1.0, cz_cmat_dense(R, q, k),
                 cz_cmat_dense(V, k, k), 0.0, cz_mat_dense(RV, q, k));
  if (rc == CAUSAL_OK)
    rc = cz_gemm(who, false, true, 1.0, cz_cmat_dense(RV, q, k),
                 cz_cmat_dense(R, q, k), 0.0, cz_mat_dense(A, q, q));
  if (rc == CAUSAL_OK) {
    rc = cz_posv(who, cz_mat_dense(A, q, q), cz_mat_dense(d, q, 1));
    if (rc == CAUSAL_ESINGULAR)
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "%s: R V R' is singular (linearly dependent restrictions, "
                   "or restrictions on coefficients with zero variance)",
                   who);
  }
  double W = 0;
  if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < q; i++)
      W += d0[i] * d[i];
    rc = causal_result_new(&res, "wald");
  }
  double Q = (double)q;
  double p = isinf(df) ? cz_pchisq(W, Q, 0, 0) : cz_pf(W / Q, Q, df, 0, 0);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "statistic", W);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "f_statistic", W / Q);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "df1", Q);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "df2", df);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "p_value", p);
  cz_free(&a, d);
  cz_free(&a, d0);
  cz_free(&a, RV);
  cz_free(&a, A);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}

