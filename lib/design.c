/* Design matrices: a model specification (intercept, terms, reference
 * levels) evaluated against a dataset, with listwise deletion.
 * The rules are documented in docs/methods/design.md. */
#include "internal/dataset.h"
#include "internal/result.h"

#include <stdio.h>
#include <string.h>

typedef struct dterm {
  char *text;    /* as given, e.g. "x:region" */
  char **parts;  /* column names */
  size_t nparts;
} dterm;

typedef struct dref {
  char *column;
  char *level;
} dref;

struct causal_design {
  cz_alloc alloc;
  int intercept;
  dterm *terms;
  size_t nterms, tcap;
  dref *refs;
  size_t nrefs, rcap;
};

/* ---- specification ------------------------------------------------------ */

static void term_release(const cz_alloc *a, dterm *t) {
  cz_free(a, t->text);
  if (t->parts != NULL)
    for (size_t i = 0; i < t->nparts; i++)
      cz_free(a, t->parts[i]);
  cz_free(a, t->parts);
}

int causal_design_new(causal_design **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_design *d = cz_calloc(&a, 1, sizeof *d);
  if (d == NULL)
    return CAUSAL_ENOMEM;
  d->alloc = a;
  d->intercept = 1;
  *out = d;
  return CAUSAL_OK;
}

void causal_design_free(causal_design *d) {
  if (d == NULL)
    return;
  cz_alloc a = d->alloc;
  for (size_t i = 0; i < d->nterms; i++)
    term_release(&a, &d->terms[i]);
  for (size_t i = 0; i < d->nrefs; i++) {
    cz_free(&a, d->refs[i].column);
    cz_free(&a, d->refs[i].level);
  }
  cz_free(&a, d->terms);
  cz_free(&a, d->refs);
  cz_free(&a, d);
}

int causal_design_set_intercept(causal_design *d, int intercept) {
  CZ_REQUIRE_NONNULL(d);
  if (intercept != 0 && intercept != 1)
    return cz_fail(CAUSAL_ERANGE, "%s: intercept must be 0 or 1, got %d",
                   __func__, intercept);
  d->intercept = intercept;
  return CAUSAL_OK;
}

/* Grow an array of elements of size esz to hold one more. */
static int grow(const cz_alloc *a, void **arr, size_t *cap, size_t n,
                size_t esz) {
  if (n < *cap)
    return CAUSAL_OK;
  size_t ncap = *cap ? *cap * 2 : 4, bytes;
  if (!cz_mul_size(ncap, esz, &bytes))
    return cz_fail(CAUSAL_ENOMEM, "too many design terms");
  void *p = cz_realloc(a, *arr, *cap * esz, bytes);
  if (p == NULL)
    return CAUSAL_ENOMEM;
  *arr = p;
  *cap = ncap;
  return CAUSAL_OK;
}

/* Is every part of a also in b (same count)? Parts within a term are
 * distinct, so this is set equality: "a:b" and "b:a" are the same term. */
static int same_term(const dterm *a, char *const *parts, size_t nparts) {
  if (a->nparts != nparts)
    return 0;
  for (size_t i = 0; i < nparts; i++) {
    size_t j = 0;
    while (j < a->nparts && strcmp(a->parts[j], parts[i]) != 0)
      j++;
    if (j == a->nparts)
      return 0;
  }
  return 1;
}

int causal_design_add_term(causal_design *d, const char *term) {
  static const char *fn = "causal_design_add_term";
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(term);
  if (term[0] == '\0')
    return cz_fail(CAUSAL_EPARSE, "%s: term is empty", fn);
  /* Split on ':'; every part must be non-empty and distinct. */
  size_t nparts = 1;
  for (const char *p = term; *p; p++)
    nparts += *p == ':';
  const char *start = term;
  for (size_t k = 0; k < nparts; k++) {
    const char *end = strchr(start, ':');
    if (end == NULL)
      end = start + strlen(start);
    if (end == start)
      return cz_fail(CAUSAL_EPARSE,
                     "%s: term '%s' has an empty column name (part %zu)", fn,
                     term, k + 1);
    start = end + 1;
  }
  const cz_alloc *a = &d->alloc;
  dterm t;
  memset(&t, 0, sizeof t);
  t.parts = cz_calloc(a, nparts, sizeof *t.parts);
  t.text = cz_strdup(a, term);
  int rc = (t.parts && t.text) ? CAUSAL_OK : CAUSAL_ENOMEM;
  start = term;
  for (size_t k = 0; k < nparts && rc == CAUSAL_OK; k++) {
    const char *end = strchr(start, ':');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    t.parts[k] = cz_malloc(a, len + 1);
    if (t.parts[k] == NULL) {
      rc = CAUSAL_ENOMEM;
      break;
    }
    memcpy(t.parts[k], start, len);
    t.parts[k][len] = '\0';
    t.nparts = k + 1;
    for (size_t j = 0; j < k; j++)
      if (strcmp(t.parts[j], t.parts[k]) == 0)
        rc = cz_fail(CAUSAL_EPARSE, "%s: term '%s' names column '%s' twice",
                     fn, term, t.parts[k]);
    start = start + len + 1;
  }
  for (size_t i = 0; i < d->nterms && rc == CAUSAL_OK; i++)
    if (same_term(&d->terms[i], t.parts, t.nparts))
      rc = cz_fail(CAUSAL_EEXISTS, "%s: term '%s' is already in the design%s%s",
                   fn, term, strcmp(d->terms[i].text, term) ? " as " : "",
                   strcmp(d->terms[i].text, term) ? d->terms[i].text : "");
  if (rc == CAUSAL_OK)
    rc = grow(a, (void **)&d->terms, &d->tcap, d->nterms, sizeof(dterm));
  if (rc != CAUSAL_OK) {
    term_release(a, &t);
    return rc;
  }
  d->terms[d->nterms++] = t;
  return CAUSAL_OK;
}

int causal_design_set_reference(causal_design *d, const char *column,
                                const char *level) {
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(column);
  CZ_REQUIRE_NONNULL(level);
  if (column[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: column name is empty", __func__);
  const cz_alloc *a = &d->alloc;
  char *lev = cz_strdup(a, level);
  if (lev == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < d->nrefs; i++) {
    if (strcmp(d->refs[i].column, column) == 0) { /* replace */
      cz_free(a, d->refs[i].level);
      d->refs[i].level = lev;
      return CAUSAL_OK;
    }
  }
  char *col = cz_strdup(a, column);
  int rc = col ? grow(a, (void **)&d->refs, &d->rcap, d->nrefs, sizeof(dref))
               : CAUSAL_ENOMEM;
  if (rc != CAUSAL_OK) {
    cz_free(a, col);
    cz_free(a, lev);
    return rc;
  }
  d->refs[d->nrefs].column = col;
  d->refs[d->nrefs].level = lev;
  d->nrefs++;
  return CAUSAL_OK;
}

/* ---- evaluation --------------------------------------------------------- */

/* One dataset column used by the design. */
typedef struct ucol {
  const cz_column *col;
  size_t ref;   /* CAT: reference level code */
  size_t full_term; /* CAT: the term coded with all levels (no intercept:
                       the first categorical main effect); SIZE_MAX = none */
} ucol;

/* Scratch state of one build; everything is freed by build_release. */
typedef struct build {
  const cz_alloc *a;
  ucol *used;
  size_t nused;
  size_t **tcols; /* per term: index into used[] of each part */
  size_t *rows;   /* used dataset rows */
  size_t nrows;
  char **names;   /* output column names */
  size_t ncols;
} build;

static void build_release(build *b, size_t nterms) {
  if (b->tcols)
    for (size_t t = 0; t < nterms; t++)
      cz_free(b->a, b->tcols[t]);
  cz_free(b->a, b->tcols);
  cz_free(b->a, b->used);
  cz_free(b->a, b->rows);
  if (b->names)
    for (size_t j = 0; j < b->ncols; j++)
      cz_free(b->a, b->names[j]);
  cz_free(b->a, b->names);
}

/* Number of columns a used column contributes to a term. */
static size_t ncontrib(const ucol *u, size_t t) {
  if (u->col->type != CAUSAL_TYPE_CAT)
    return 1;
  if (u->full_term == t)
    return u->col->nlevels;
  return u->col->nlevels ? u->col->nlevels - 1 : 0;
}

/* Level code of the k-th dummy of a categorical used column. */
static size_t dummy_level(const ucol *u, size_t t, size_t k) {
  return u->full_term == t || k < u->ref ? k : k + 1;
}

static int resolve(build *b, const causal_design *d,
                   const causal_dataset *ds) {
  static const char *fn = "causal_design_build";
  size_t maxused = 0;
  for (size_t t = 0; t < d->nterms; t++)
    maxused += d->terms[t].nparts;
  b->used = cz_calloc(b->a, maxused ? maxused : 1, sizeof *b->used);
  b->tcols = cz_calloc(b->a, d->nterms ? d->nterms : 1, sizeof *b->tcols);
  if (b->used == NULL || b->tcols == NULL)
    return CAUSAL_ENOMEM;
  for (size_t t = 0; t < d->nterms; t++) {
    const dterm *term = &d->terms[t];
    b->tcols[t] = cz_calloc(b->a, term->nparts, sizeof **b->tcols);
    if (b->tcols[t] == NULL)
      return CAUSAL_ENOMEM;
    for (size_t k = 0; k < term->nparts; k++) {
      const cz_column *c = cz_dataset_find(ds, term->parts[k]);
      if (c == NULL)
        return cz_fail_context(CAUSAL_ENOTFOUND, "%s: term '%s'", fn,
                               term->text);
      size_t u = 0;
      while (u < b->nused && b->used[u].col != c)
        u++;
      if (u == b->nused) {
        b->used[b->nused].col = c;
        b->used[b->nused++].full_term = SIZE_MAX;
      }
      b->tcols[t][k] = u;
    }
  }
  /* Reference levels: every one must name a categorical column of the
   * dataset and one of its levels (typos are errors, not no-ops). */
  for (size_t i = 0; i < d->nrefs; i++) {
    const dref *r = &d->refs[i];
    const cz_column *c = cz_dataset_find(ds, r->column);
    if (c == NULL)
      return cz_fail_context(CAUSAL_ENOTFOUND, "%s: reference level", fn);
    if (c->type != CAUSAL_TYPE_CAT)
      return cz_fail(CAUSAL_ETYPE,
                     "%s: reference level '%s' set for column '%s', which is "
                     "not categorical",
                     fn, r->level, r->column);
    size_t l = 0;
    while (l < c->nlevels && strcmp(c->labels[l], r->level) != 0)
      l++;
    if (l == c->nlevels)
      return cz_fail(CAUSAL_ENOTFOUND,
                     "%s: column '%s' has no level '%s' (reference level)", fn,
                     r->column, r->level);
    for (size_t u = 0; u < b->nused; u++)
      if (b->used[u].col == c)
        b->used[u].ref = l;
  }
  /* Without an intercept the first categorical main effect is coded with
   * all its levels, so the model still spans the constant. */
  if (!d->intercept) {
    for (size_t t = 0; t < d->nterms; t++) {
      ucol *u = &b->used[b->tcols[t][0]];
      if (d->terms[t].nparts == 1 && u->col->type == CAUSAL_TYPE_CAT) {
        u->full_term = t;
        break;
      }
    }
  }
  return CAUSAL_OK;
}

/* Rows with no missing value in any used column. */
static int complete_rows(build *b, const causal_dataset *ds) {
  static const char *fn = "causal_design_build";
  size_t n = ds->nrows;
  b->rows = cz_calloc(b->a, n ? n : 1, sizeof *b->rows);
  if (b->rows == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    int ok = 1;
    for (size_t u = 0; u < b->nused && ok; u++)
      ok = !cz_col_missing(b->used[u].col, i);
    if (ok)
      b->rows[b->nrows++] = i;
  }
  if (b->nrows > 0)
    return CAUSAL_OK;
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the dataset has no rows", fn);
  char list[512];
  size_t used = 0;
  list[0] = '\0';
  for (size_t u = 0; u < b->nused && used < sizeof list; u++) {
    int w = snprintf(list + used, sizeof list - used, "%s'%s' %zu",
                     u ? ", " : "", b->used[u].col->name,
                     b->used[u].col->nmissing);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  return cz_fail(CAUSAL_EMISSING,
                 "%s: no complete rows: all %zu rows were dropped for missing "
                 "values (rows missing by column: %s)",
                 fn, n, list);
}

/* Append "x", "g[level]" for component k of a term's column tuple. */
static void put_component(cz_buf *s, const ucol *u, size_t t, size_t k) {
  cz_buf_puts(s, u->col->name);
  if (u->col->type == CAUSAL_TYPE_CAT) {
    cz_buf_puts(s, "[");
    cz_buf_puts(s, u->col->labels[dummy_level(u, t, k)]);
    cz_buf_puts(s, "]");
  }
}

/* Output column names; the first component of a term varies fastest
 * (R's model.matrix order). */
static int make_names(build *b, const causal_design *d) {
  size_t total = d->intercept ? 1 : 0;
  for (size_t t = 0; t < d->nterms; t++) {
    size_t m = 1;
    for (size_t k = 0; k < d->terms[t].nparts; k++)
      if (!cz_mul_size(m, ncontrib(&b->used[b->tcols[t][k]], t), &m))
        return cz_fail(CAUSAL_ENOMEM, "design has too many columns");
    if (!cz_add_size(total, m, &total))
      return cz_fail(CAUSAL_ENOMEM, "design has too many columns");
  }
  if (total == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_design_build: the design has no columns (no "
                   "intercept and no terms contributing a column)");
  b->names = cz_calloc(b->a, total, sizeof *b->names);
  if (b->names == NULL)
    return CAUSAL_ENOMEM;
  if (d->intercept) {
    b->names[b->ncols] = cz_strdup(b->a, "(Intercept)");
    if (b->names[b->ncols] == NULL)
      return CAUSAL_ENOMEM;
    b->ncols++;
  }
  size_t idx[64];
  for (size_t t = 0; t < d->nterms; t++) {
    const dterm *term = &d->terms[t];
    size_t np = term->nparts;
    if (np > sizeof idx / sizeof idx[0])
      return cz_fail(CAUSAL_ERANGE, "causal_design_build: term '%s' has more "
                                    "than 64 components",
                     term->text);
    int empty = 0;
    for (size_t k = 0; k < np; k++) {
      idx[k] = 0;
      empty |= ncontrib(&b->used[b->tcols[t][k]], t) == 0;
    }
    while (!empty) {
      cz_buf s;
      cz_buf_init(&s, b->a);
      for (size_t k = 0; k < np; k++) {
        if (k)
          cz_buf_puts(&s, ":");
        put_component(&s, &b->used[b->tcols[t][k]], t, idx[k]);
      }
      if (s.failed) {
        cz_buf_free(&s);
        return CAUSAL_ENOMEM;
      }
      b->names[b->ncols++] = s.data;
      /* odometer, first component fastest */
      size_t k = 0;
      while (k < np && ++idx[k] == ncontrib(&b->used[b->tcols[t][k]], t))
        idx[k++] = 0;
      if (k == np)
        break;
    }
  }
  return CAUSAL_OK;
}

/* Value of a numeric (non-CAT) column at a row. */
static double num_at(const cz_column *c, size_t i) {
  switch (c->type) {
  case CAUSAL_TYPE_F64: return ((const double *)c->data)[i];
  case CAUSAL_TYPE_I64: return (double)((const int64_t *)c->data)[i];
  default: return ((const uint8_t *)c->data)[i] ? 1.0 : 0.0;
  }
}

static void fill_matrix(const build *b, const causal_design *d, double *X) {
  size_t n = b->nrows, j = 0;
  if (d->intercept) {
    for (size_t i = 0; i < n; i++)
      X[i] = 1.0;
    j = 1;
  }
  size_t idx[64];
  for (size_t t = 0; t < d->nterms; t++) {
    size_t np = d->terms[t].nparts;
    int empty = 0;
    for (size_t k = 0; k < np; k++) {
      idx[k] = 0;
      empty |= ncontrib(&b->used[b->tcols[t][k]], t) == 0;
    }
    while (!empty) {
      double *col = X + j * n;
      for (size_t i = 0; i < n; i++)
        col[i] = 1.0;
      for (size_t k = 0; k < np; k++) {
        const ucol *u = &b->used[b->tcols[t][k]];
        const cz_column *c = u->col;
        if (c->type == CAUSAL_TYPE_CAT) {
          int32_t level = (int32_t)dummy_level(u, t, idx[k]);
          const int32_t *codes = c->data;
          for (size_t i = 0; i < n; i++)
            if (codes[b->rows[i]] != level)
              col[i] = 0.0;
        } else {
          for (size_t i = 0; i < n; i++)
            col[i] *= num_at(c, b->rows[i]);
        }
      }
      j++;
      size_t k = 0;
      while (k < np && ++idx[k] == ncontrib(&b->used[b->tcols[t][k]], t))
        idx[k++] = 0;
      if (k == np)
        break;
    }
  }
}

static int emit(causal_result *res, const build *b, const causal_design *d,
                const causal_dataset *ds) {
  size_t nx;
  if (!cz_mul_size(b->nrows, b->ncols, &nx) || nx > SIZE_MAX / sizeof(double))
    return cz_fail(CAUSAL_ENOMEM, "design matrix of %zu x %zu overflows",
                   b->nrows, b->ncols);
  double *X = cz_result_alloc_values(res, nx);
  if (X == NULL)
    return CAUSAL_ENOMEM;
  fill_matrix(b, d, X);
  CZ_CHECK(cz_result_take_matrix(res, "X", X, b->nrows, b->ncols, NULL,
                                 (const char *const *)b->names));
  double *rows = cz_result_alloc_values(res, b->nrows);
  if (rows == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < b->nrows; i++)
    rows[i] = (double)b->rows[i];
  CZ_CHECK(cz_result_take_vector(res, "rows", rows, b->nrows, NULL));
  CZ_CHECK(causal_result_set_scalar(res, "n_dropped",
                                    (double)(ds->nrows - b->nrows)));
  double *drop = cz_result_alloc_values(res, b->nused);
  const char **names = cz_calloc(b->a, b->nused ? b->nused : 1,
                                 sizeof *names);
  if (drop == NULL || names == NULL) {
    cz_result_free_values(res, drop);
    cz_free(b->a, names);
    return CAUSAL_ENOMEM;
  }
  for (size_t u = 0; u < b->nused; u++) {
    drop[u] = (double)b->used[u].col->nmissing;
    names[u] = b->used[u].col->name;
  }
  int rc = cz_result_take_vector(res, "dropped_by_column", drop, b->nused,
                                 b->nused ? names : NULL);
  cz_free(b->a, names);
  return rc;
}

int causal_design_build(causal_result **out, const causal_design *d,
                        const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(ds);
  cz_alloc a = cz_alloc_current();
  build b;
  memset(&b, 0, sizeof b);
  b.a = &a;
  causal_result *res = NULL;
  int rc = resolve(&b, d, ds);
  if (rc == CAUSAL_OK)
    rc = complete_rows(&b, ds);
  if (rc == CAUSAL_OK)
    rc = make_names(&b, d);
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&res, "design");
  if (rc == CAUSAL_OK)
    rc = emit(res, &b, d, ds);
  build_release(&b, d->nterms);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  return CAUSAL_OK;
}
