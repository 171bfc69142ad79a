/* Regression: the causal_regress specification, the model frame shared by
 * every family (cz_frame_build), OLS/WLS by pivoted QR with iterative
 * refinement, the family dispatch and the Wald test.
 * Formulas and conventions: docs/methods/ols.md. */
#include "internal/regress.h"
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/result.h"

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
  const optdef *d;
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
  const optdef *d;
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
  cz_free(a, f->X);
  cz_free(a, f->Xe);
  cz_free(a, f->Z);
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

/* Copy the kept rows of design e (minus its skipped leading columns) into a
 * new n x (kd - skip) matrix, with the column names. */
static int take_design(cz_frame *f, const fdesign *e, const uint8_t *ok,
                       size_t nrows, double **Xout, size_t *kout,
                       char ***names_out) {
  const cz_alloc *a = &f->alloc;
  size_t k = e->kd - e->skip, n = f->n, bytes;
  *kout = k;
  if (!cz_mul_size(n, k, &bytes) || !cz_mul_size(bytes, sizeof(double), &bytes))
    return cz_fail(CAUSAL_ENOMEM, "causal_regress_fit: %zu x %zu design "
                                  "overflows",
                   n, k);
  double *X = cz_malloc(a, bytes ? bytes : 1);
  char **names = cz_calloc(a, k ? k : 1, sizeof *names);
  *Xout = X;
  *names_out = names;
  if (X == NULL || names == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < k; j++) {
    const char *nm = causal_result_dimname(e->res, "X", 1, j + e->skip);
    names[j] = cz_strdup(a, nm ? nm : "?");
    if (names[j] == NULL)
      return CAUSAL_ENOMEM;
  }
  /* positions among the design's rows of the dataset rows kept */
  size_t p = 0, q = 0;
  if (n == e->nd) {
    memcpy(X, e->X + e->skip * e->nd, bytes);
    return CAUSAL_OK;
  }
  for (size_t i = 0; i < nrows && q < n; i++) {
    if (p < e->nd && (size_t)e->rows[p] == i) {
      if (ok[i]) {
        for (size_t j = 0; j < k; j++)
          X[q + j * n] = e->X[p + (j + e->skip) * e->nd];
        q++;
      }
      p++;
    }
  }
  return CAUSAL_OK;
}

static int frame_build(cz_frame *f, const causal_regress *m,
                       const causal_dataset *ds, fdesign *des,
                       uint8_t **okp) {
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
  for (size_t i = 0; i < nrows; i++) {
    for (int c = 0; c < 5 && ok[i]; c++)
      if (plain[c] != NULL && cz_col_missing(plain[c], i))
        ok[i] = 0;
    for (size_t d = 0; d < m->absorb.n && ok[i]; d++)
      if (cz_col_missing(cfe[d], i))
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
  f->rows = cz_malloc(a, n * sizeof *f->rows);
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
  rc = take_design(f, &des[0], ok, nrows, &f->X, &f->k, &f->xnames);
  if (rc == CAUSAL_OK && des[1].res)
    rc = take_design(f, &des[1], ok, nrows, &f->Xe, &f->ke, &f->xenames);
  if (rc == CAUSAL_OK && des[2].res)
    rc = take_design(f, &des[2], ok, nrows, &f->Z, &f->kz, &f->znames);
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

int cz_frame_build(cz_frame *f, const causal_regress *m,
                   const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(f);
  cz_alloc alloc = cz_alloc_current();
  memset(f, 0, sizeof *f);
  f->alloc = alloc;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  fdesign des[3];
  memset(des, 0, sizeof des);
  uint8_t *ok = NULL;
  int rc = frame_build(f, m, ds, des, &ok);
  for (int d = 0; d < 3; d++)
    causal_result_free(des[d].res);
  cz_free(&f->alloc, ok);
  if (rc != CAUSAL_OK)
    cz_frame_free(f);
  return rc;
}
