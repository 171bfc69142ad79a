/* Columnar datasets: typed, named columns of equal length with explicit
 * missing values. The layout is shared with design.c and csv.c through
 * internal/dataset.h. */
#include "internal/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ------------------------------------------------------ */

static const char *type_name(int type) {
  switch (type) {
  case CAUSAL_TYPE_F64: return "f64";
  case CAUSAL_TYPE_I64: return "i64";
  case CAUSAL_TYPE_BOOL: return "bool";
  case CAUSAL_TYPE_CAT: return "cat";
  default: return "unknown";
  }
}

static size_t elem_size(int type) {
  switch (type) {
  case CAUSAL_TYPE_F64: return sizeof(double);
  case CAUSAL_TYPE_I64: return sizeof(int64_t);
  case CAUSAL_TYPE_BOOL: return sizeof(uint8_t);
  case CAUSAL_TYPE_CAT: return sizeof(int32_t);
  default: return 0;
  }
}

static void free_labels(const cz_alloc *a, char **labels, size_t nlevels) {
  if (labels == NULL)
    return;
  for (size_t i = 0; i < nlevels; i++)
    cz_free(a, labels[i]);
  cz_free(a, labels);
}

/* Release every buffer a column owns (not the struct itself). */
static void column_release(const cz_alloc *a, cz_column *c) {
  cz_free(a, c->name);
  if (c->owns_data)
    cz_free(a, c->data);
  if (c->owns_valid)
    cz_free(a, c->valid);
  free_labels(a, c->labels, c->nlevels);
  memset(c, 0, sizeof *c);
}

static size_t count_missing(const cz_column *c, size_t n) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    m += (size_t)cz_col_missing(c, i);
  return m;
}

static int cmp_str_ptr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Linear lookup; the layout is fixed and column counts are modest. */
static const cz_column *find_col(const causal_dataset *ds, const char *name,
                                 size_t *index) {
  for (size_t j = 0; j < ds->ncols; j++) {
    if (strcmp(ds->cols[j].name, name) == 0) {
      if (index)
        *index = j;
      return &ds->cols[j];
    }
  }
  return NULL;
}

/* ENOTFOUND message naming the column, with a hint: a case-insensitive
 * match if there is one, otherwise the first few column names. fn may be
 * NULL (no prefix: the caller adds context). */
static int fail_not_found(const causal_dataset *ds, const char *fn,
                          const char *name) {
  const char *sep = fn ? ": " : "";
  fn = fn ? fn : "";
  for (size_t j = 0; j < ds->ncols; j++) {
    if (strcasecmp(ds->cols[j].name, name) == 0)
      return cz_fail(CAUSAL_ENOTFOUND,
                     "%s%sno column named '%s' (did you mean '%s'?)", fn, sep,
                     name, ds->cols[j].name);
  }
  if (ds->ncols == 0)
    return cz_fail(CAUSAL_ENOTFOUND,
                   "%s%sno column named '%s' (the dataset has no columns)", fn,
                   sep, name);
  char list[256];
  size_t used = 0;
  int truncated = 0;
  list[0] = '\0';
  for (size_t j = 0; j < ds->ncols; j++) {
    int w = snprintf(list + used, sizeof list - used, "%s'%s'",
                     j ? ", " : "", ds->cols[j].name);
    if (w < 0 || (size_t)w >= sizeof list - used) {
      list[used] = '\0'; /* drop the partial name */
      truncated = 1;
      break;
    }
    used += (size_t)w;
  }
  return cz_fail(CAUSAL_ENOTFOUND, "%s%sno column named '%s' (columns: %s%s)",
                 fn, sep, name, list, truncated ? ", ..." : "");
}

/* Checks shared by every way of adding a column: a usable name that is not
 * taken yet, and a row count that matches the dataset. */
static int check_new_column(const causal_dataset *ds, const char *fn,
                            const char *name, size_t n) {
  if (ds == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'ds' is NULL", fn);
  if (name == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'name' is NULL", fn);
  if (name[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: column name is empty", fn);
  if (find_col(ds, name, NULL) != NULL)
    return cz_fail(CAUSAL_EEXISTS, "%s: the dataset already has a column '%s'",
                   fn, name);
  if (ds->has_rows && n != ds->nrows)
    return cz_fail(CAUSAL_EDIM,
                   "%s: column '%s' has %zu rows but the dataset has %zu", fn,
                   name, n, ds->nrows);
  return CAUSAL_OK;
}

/* Labels: nlevels distinct non-NULL strings. Duplicates are found by
 * sorting a scratch copy of the pointers (O(L log L), not O(L^2)). */
static int check_labels(const cz_alloc *a, const char *fn, const char *name,
                        const char *const *labels, size_t nlevels) {
  if (nlevels == 0)
    return CAUSAL_OK;
  if (labels == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: column '%s': labels is NULL but nlevels "
                                  "is %zu",
                   fn, name, nlevels);
  for (size_t l = 0; l < nlevels; l++)
    if (labels[l] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: column '%s': label %zu is NULL", fn,
                     name, l);
  if (nlevels == 1)
    return CAUSAL_OK;
  const char **tmp = cz_calloc(a, nlevels, sizeof *tmp);
  if (tmp == NULL)
    return CAUSAL_ENOMEM;
  memcpy(tmp, labels, nlevels * sizeof *tmp);
  qsort(tmp, nlevels, sizeof *tmp, cmp_str_ptr);
  int rc = CAUSAL_OK;
  for (size_t l = 1; l < nlevels; l++) {
    if (strcmp(tmp[l - 1], tmp[l]) == 0) {
      rc = cz_fail(CAUSAL_EINVAL, "%s: column '%s': label '%s' appears twice",
                   fn, name, tmp[l]);
      break;
    }
  }
  cz_free(a, tmp);
  return rc;
}

static int check_codes(const char *fn, const char *name, const int32_t *codes,
                       size_t n, size_t nlevels) {
  for (size_t i = 0; i < n; i++) {
    if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= nlevels))
      return cz_fail(CAUSAL_ERANGE,
                     "%s: column '%s': code %ld at row %zu is outside "
                     "[-1, %zu)",
                     fn, name, (long)codes[i], i, nlevels);
  }
  return CAUSAL_OK;
}

/* Append a fully built column; takes ownership of its buffers (on failure
 * they are released). */
static int push_column(causal_dataset *ds, cz_column *c, size_t n) {
  if (ds->ncols == ds->cap) {
    size_t cap = ds->cap ? ds->cap * 2 : 8;
    size_t old_bytes, new_bytes;
    if (!cz_mul_size(cap, sizeof(cz_column), &new_bytes)) {
      column_release(&ds->alloc, c);
      return cz_fail(CAUSAL_ENOMEM, "too many columns");
    }
    old_bytes = ds->cap * sizeof(cz_column);
    cz_column *cols = cz_realloc(&ds->alloc, ds->cols, old_bytes, new_bytes);
    if (cols == NULL) {
      column_release(&ds->alloc, c);
      return CAUSAL_ENOMEM;
    }
    ds->cols = cols;
    ds->cap = cap;
  }
  c->nmissing = count_missing(c, n);
  ds->cols[ds->ncols++] = *c;
  ds->nrows = n;
  ds->has_rows = 1;
  return CAUSAL_OK;
}

/* Copy n elements of esz bytes (or allocate a 1-byte block when n == 0 so
 * that data pointers are never NULL). */
static void *dup_array(const cz_alloc *a, const void *src, size_t n,
                       size_t esz) {
  size_t bytes;
  if (!cz_mul_size(n, esz, &bytes)) {
    cz_fail(CAUSAL_ENOMEM, "allocation of %zu x %zu bytes overflows", n, esz);
    return NULL;
  }
  void *d = cz_malloc(a, bytes);
  if (d != NULL && bytes > 0)
    memcpy(d, src, bytes);
  return d;
}

static char **dup_labels(const cz_alloc *a, const char *const *labels,
                         size_t nlevels) {
  char **out = cz_calloc(a, nlevels ? nlevels : 1, sizeof *out);
  if (out == NULL)
    return NULL;
  for (size_t l = 0; l < nlevels; l++) {
    out[l] = cz_strdup(a, labels[l]);
    if (out[l] == NULL) {
      free_labels(a, out, l);
      return NULL;
    }
  }
  return out;
}

/* Common path of add_f64/add_i64/add_bool/add_cat. data_copy, when not
 * NULL, is an owned replacement for data (used for BOOL normalization). */
static int add_column(causal_dataset *ds, const char *fn, const char *name,
                      int type, const void *data, const uint8_t *valid,
                      size_t n, int ownership, const char *const *labels,
                      size_t nlevels) {
  CZ_CHECK(check_new_column(ds, fn, name, n));
  if (ownership != CAUSAL_COPY && ownership != CAUSAL_BORROW)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: ownership must be CAUSAL_COPY (0) or CAUSAL_BORROW "
                   "(1), got %d",
                   fn, ownership);
  if (data == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: column '%s': data is NULL", fn, name);
  if (type == CAUSAL_TYPE_CAT) {
    CZ_CHECK(check_labels(&ds->alloc, fn, name, labels, nlevels));
    CZ_CHECK(check_codes(fn, name, data, n, nlevels));
  }
  const cz_alloc *a = &ds->alloc;
  size_t esz = elem_size(type);
  cz_column c;
  memset(&c, 0, sizeof c);
  c.type = type;
  int borrow = ownership == CAUSAL_BORROW && data != NULL;
  if (type == CAUSAL_TYPE_BOOL && borrow) {
    /* Only 0/1 data can be borrowed as is; anything else is normalized
     * into an owned copy (documented exception). */
    const uint8_t *b = data;
    for (size_t i = 0; i < n && borrow; i++)
      borrow = b[i] <= 1;
  }
  c.name = cz_strdup(a, name);
  if (c.name == NULL)
    return CAUSAL_ENOMEM;
  if (borrow) {
    c.data = (void *)(uintptr_t)data; /* never written: owns_data = 0 */
  } else {
    c.data = data ? dup_array(a, data, n, esz) : cz_malloc(a, 1);
    c.owns_data = 1;
    if (c.data == NULL)
      goto oom;
    if (type == CAUSAL_TYPE_BOOL) {
      uint8_t *b = c.data;
      for (size_t i = 0; i < n; i++)
        b[i] = b[i] != 0;
    }
  }
  if (valid != NULL) {
    if (ownership == CAUSAL_BORROW) {
      c.valid = (uint8_t *)(uintptr_t)valid; /* never written */
    } else {
      c.valid = dup_array(a, valid, n, 1);
      c.owns_valid = 1;
      if (c.valid == NULL)
        goto oom;
    }
  }
  if (type == CAUSAL_TYPE_CAT) {
    c.labels = dup_labels(a, labels, nlevels);
    if (c.labels == NULL)
      goto oom;
    c.nlevels = nlevels;
  }
  return push_column(ds, &c, n);
oom:
  column_release(a, &c);
  return CAUSAL_ENOMEM;
}

/* ---- creation ----------------------------------------------------------- */

int causal_dataset_new(causal_dataset **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_dataset *ds = cz_calloc(&a, 1, sizeof *ds);
  if (ds == NULL)
    return CAUSAL_ENOMEM;
  ds->alloc = a;
  *out = ds;
  return CAUSAL_OK;
}

void causal_dataset_free(causal_dataset *ds) {
  if (ds == NULL)
    return;
  cz_alloc a = ds->alloc;
  for (size_t j = 0; j < ds->ncols; j++)
    column_release(&a, &ds->cols[j]);
  cz_free(&a, ds->cols);
  cz_free(&a, ds);
}

int causal_dataset_add_f64(causal_dataset *ds, const char *name,
                           const double *data, const uint8_t *valid, size_t n,
                           int ownership) {
  return add_column(ds, __func__, name, CAUSAL_TYPE_F64, data, valid, n,
                    ownership, NULL, 0);
}

int causal_dataset_add_i64(causal_dataset *ds, const char *name,
                           const int64_t *data, const uint8_t *valid, size_t n,
                           int ownership) {
  return add_column(ds, __func__, name, CAUSAL_TYPE_I64, data, valid, n,
                    ownership, NULL, 0);
}

int causal_dataset_add_bool(causal_dataset *ds, const char *name,
                            const uint8_t *data, const uint8_t *valid,
                            size_t n, int ownership) {
  return add_column(ds, __func__, name, CAUSAL_TYPE_BOOL, data, valid, n,
                    ownership, NULL, 0);
}

int causal_dataset_add_cat(causal_dataset *ds, const char *name,
                           const int32_t *codes, size_t n,
                           const char *const *labels, size_t nlevels,
                           int ownership) {
  return add_column(ds, __func__, name, CAUSAL_TYPE_CAT, codes, NULL, n,
                    ownership, labels, nlevels);
}

/* Levels = the distinct non-NULL strings in byte order; codes by binary
 * search in the sorted level table. */
int causal_dataset_add_strings(causal_dataset *ds, const char *name,
                               const char *const *values, size_t n) {
  static const char *fn = "causal_dataset_add_strings";
  CZ_CHECK(check_new_column(ds, fn, name, n));
  if (values == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: column '%s': values is NULL", fn, name);
  if (n > (size_t)INT32_MAX)
    return cz_fail(CAUSAL_ERANGE, "%s: column '%s': %zu rows exceed the "
                                  "categorical limit",
                   fn, name, n);
  const cz_alloc *a = &ds->alloc;
  const char **sorted = cz_calloc(a, n ? n : 1, sizeof *sorted);
  int32_t *codes = cz_calloc(a, n ? n : 1, sizeof *codes);
  if (sorted == NULL || codes == NULL) {
    cz_free(a, sorted);
    cz_free(a, codes);
    return CAUSAL_ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (values[i] != NULL)
      sorted[m++] = values[i];
  qsort(sorted, m, sizeof *sorted, cmp_str_ptr);
  size_t nlevels = 0;
  for (size_t i = 0; i < m; i++)
    if (nlevels == 0 || strcmp(sorted[nlevels - 1], sorted[i]) != 0)
      sorted[nlevels++] = sorted[i];
  for (size_t i = 0; i < n; i++) {
    if (values[i] == NULL) {
      codes[i] = -1;
      continue;
    }
    size_t lo = 0, hi = nlevels; /* sorted[lo..hi) contains values[i] */
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      if (strcmp(sorted[mid], values[i]) <= 0)
        lo = mid;
      else
        hi = mid;
    }
    codes[i] = (int32_t)lo;
  }
  char **labels = dup_labels(a, sorted, nlevels);
  cz_free(a, sorted);
  if (labels == NULL) {
    cz_free(a, codes);
    return CAUSAL_ENOMEM;
  }
  cz_column c;
  memset(&c, 0, sizeof c);
  c.type = CAUSAL_TYPE_CAT;
  c.data = codes;
  c.owns_data = 1;
  c.labels = labels;
  c.nlevels = nlevels;
  c.name = cz_strdup(a, name);
  if (c.name == NULL) {
    column_release(a, &c);
    return CAUSAL_ENOMEM;
  }
  return push_column(ds, &c, n);
}

int cz_dataset_adopt(causal_dataset *ds, const char *name, int type,
                     void *data, uint8_t *valid, size_t n, char **labels,
                     size_t nlevels) {
  static const char *fn = "cz_dataset_adopt";
  const cz_alloc *a = ds ? &ds->alloc : NULL;
  int rc = check_new_column(ds, fn, name, n);
  if (rc == CAUSAL_OK && elem_size(type) == 0)
    rc = cz_fail(CAUSAL_EINVAL, "%s: column '%s': unknown type %d", fn, name,
                 type);
  if (rc == CAUSAL_OK && data == NULL)
    rc = cz_fail(CAUSAL_EINVAL, "%s: column '%s': data is NULL", fn, name);
  if (rc == CAUSAL_OK && type != CAUSAL_TYPE_CAT && labels != NULL)
    rc = cz_fail(CAUSAL_EINVAL, "%s: column '%s': labels given for a %s column",
                 fn, name, type_name(type));
  if (rc == CAUSAL_OK && type == CAUSAL_TYPE_CAT) {
    rc = check_labels(a, fn, name, (const char *const *)labels, nlevels);
    if (rc == CAUSAL_OK)
      rc = check_codes(fn, name, data, n, nlevels);
  }
  cz_column c;
  memset(&c, 0, sizeof c);
  c.type = type;
  c.data = data;
  c.owns_data = 1;
  c.valid = valid;
  c.owns_valid = 1;
  c.labels = labels;
  c.nlevels = labels ? nlevels : 0;
  if (rc != CAUSAL_OK) {
    if (a != NULL)
      column_release(a, &c);
    return rc;
  }
  if (type == CAUSAL_TYPE_BOOL) {
    uint8_t *b = data; /* owned now: normalize in place */
    for (size_t i = 0; i < n; i++)
      b[i] = b[i] != 0;
  }
  c.name = cz_strdup(a, name);
  if (c.name == NULL) {
    column_release(a, &c);
    return CAUSAL_ENOMEM;
  }
  return push_column(ds, &c, n);
}

const cz_column *cz_dataset_find(const causal_dataset *ds, const char *name) {
  if (ds == NULL || name == NULL) {
    cz_fail(CAUSAL_EINVAL, "cz_dataset_find: %s is NULL",
            ds == NULL ? "ds" : "name");
    return NULL;
  }
  const cz_column *c = find_col(ds, name, NULL);
  if (c == NULL)
    fail_not_found(ds, NULL, name);
  return c;
}

/* ---- queries ------------------------------------------------------------ */

size_t causal_dataset_nrows(const causal_dataset *ds) {
  return ds ? ds->nrows : 0;
}

size_t causal_dataset_ncols(const causal_dataset *ds) {
  return ds ? ds->ncols : 0;
}

const char *causal_dataset_col_name(const causal_dataset *ds, size_t col) {
  if (ds == NULL || col >= ds->ncols)
    return NULL;
  return ds->cols[col].name;
}

int causal_dataset_col_index(const causal_dataset *ds, const char *name,
                             size_t *col) {
  CZ_REQUIRE_NONNULL(ds);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(col);
  if (find_col(ds, name, col) == NULL)
    return fail_not_found(ds, __func__, name);
  return CAUSAL_OK;
}

/* Column by index with argument checks; NULL after setting the error. */
static const cz_column *get_col(const causal_dataset *ds, size_t col,
                                const char *fn, int *rc) {
  if (ds == NULL) {
    *rc = cz_fail(CAUSAL_EINVAL, "%s: argument 'ds' is NULL", fn);
    return NULL;
  }
  if (col >= ds->ncols) {
    *rc = cz_fail(CAUSAL_ERANGE,
                  "%s: column index %zu is out of range (the dataset has %zu "
                  "columns)",
                  fn, col, ds->ncols);
    return NULL;
  }
  return &ds->cols[col];
}

static const cz_column *get_typed(const causal_dataset *ds, size_t col,
                                  int type, const char *fn, int *rc) {
  const cz_column *c = get_col(ds, col, fn, rc);
  if (c != NULL && c->type != type) {
    *rc = cz_fail(CAUSAL_ETYPE, "%s: column '%s' is %s, not %s", fn, c->name,
                  type_name(c->type), type_name(type));
    return NULL;
  }
  return c;
}

int causal_dataset_col_type(const causal_dataset *ds, size_t col, int *type) {
  int rc = CAUSAL_OK;
  const cz_column *c = get_col(ds, col, __func__, &rc);
  if (c == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(type);
  *type = c->type;
  return CAUSAL_OK;
}

int causal_dataset_col_nmissing(const causal_dataset *ds, size_t col,
                                size_t *nmissing) {
  int rc = CAUSAL_OK;
  const cz_column *c = get_col(ds, col, __func__, &rc);
  if (c == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(nmissing);
  *nmissing = c->nmissing;
  return CAUSAL_OK;
}

static int typed_view(const causal_dataset *ds, size_t col, int type,
                      const char *fn, const void **data,
                      const uint8_t **valid) {
  int rc = CAUSAL_OK;
  const cz_column *c = get_typed(ds, col, type, fn, &rc);
  if (c == NULL)
    return rc;
  if (data == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'data' is NULL", fn);
  *data = c->data;
  if (valid != NULL)
    *valid = c->valid;
  return CAUSAL_OK;
}

int causal_dataset_col_f64(const causal_dataset *ds, size_t col,
                           const double **data, const uint8_t **valid) {
  const void *p = NULL;
  int rc = typed_view(ds, col, CAUSAL_TYPE_F64, __func__, data ? &p : NULL,
                      valid);
  if (rc == CAUSAL_OK)
    *data = p;
  return rc;
}

int causal_dataset_col_i64(const causal_dataset *ds, size_t col,
                           const int64_t **data, const uint8_t **valid) {
  const void *p = NULL;
  int rc = typed_view(ds, col, CAUSAL_TYPE_I64, __func__, data ? &p : NULL,
                      valid);
  if (rc == CAUSAL_OK)
    *data = p;
  return rc;
}

int causal_dataset_col_bool(const causal_dataset *ds, size_t col,
                            const uint8_t **data, const uint8_t **valid) {
  const void *p = NULL;
  int rc = typed_view(ds, col, CAUSAL_TYPE_BOOL, __func__, data ? &p : NULL,
                      valid);
  if (rc == CAUSAL_OK)
    *data = p;
  return rc;
}

int causal_dataset_col_cat(const causal_dataset *ds, size_t col,
                           const int32_t **codes) {
  const void *p = NULL;
  int rc = typed_view(ds, col, CAUSAL_TYPE_CAT, "causal_dataset_col_cat",
                      codes ? &p : NULL, NULL);
  if (rc == CAUSAL_OK)
    *codes = p;
  return rc;
}

int causal_dataset_cat_nlevels(const causal_dataset *ds, size_t col,
                               size_t *nlevels) {
  int rc = CAUSAL_OK;
  const cz_column *c = get_typed(ds, col, CAUSAL_TYPE_CAT, __func__, &rc);
  if (c == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(nlevels);
  *nlevels = c->nlevels;
  return CAUSAL_OK;
}

const char *causal_dataset_cat_label(const causal_dataset *ds, size_t col,
                                     size_t level) {
  if (ds == NULL || col >= ds->ncols)
    return NULL;
  const cz_column *c = &ds->cols[col];
  if (c->type != CAUSAL_TYPE_CAT || level >= c->nlevels)
    return NULL;
  return c->labels[level];
}

int causal_dataset_col_to_f64(const causal_dataset *ds, size_t col,
                              double *out, size_t n) {
  int rc = CAUSAL_OK;
  const cz_column *c = get_col(ds, col, __func__, &rc);
  if (c == NULL)
    return rc;
  if (out == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'out' is NULL", __func__);
  if (n != ds->nrows)
    return cz_fail(CAUSAL_EDIM,
                   "%s: out has %zu elements but column '%s' has %zu rows",
                   __func__, n, c->name, ds->nrows);
  for (size_t i = 0; i < n; i++) {
    if (cz_col_missing(c, i)) {
      out[i] = NAN;
      continue;
    }
    switch (c->type) {
    case CAUSAL_TYPE_F64: out[i] = ((const double *)c->data)[i]; break;
    case CAUSAL_TYPE_I64: out[i] = (double)((const int64_t *)c->data)[i]; break;
    case CAUSAL_TYPE_BOOL: out[i] = ((const uint8_t *)c->data)[i] ? 1 : 0; break;
    default: out[i] = (double)((const int32_t *)c->data)[i]; break;
    }
  }
  return CAUSAL_OK;
}

/* ---- derived datasets --------------------------------------------------- */

/* Row selection: either a mask over nrows rows or an index list of k rows. */
typedef struct rowsel {
  const uint8_t *mask;
  const int64_t *idx;
  size_t nrows; /* rows of the source */
  size_t k;     /* rows selected */
} rowsel;

static size_t sel_row(const rowsel *s, size_t *cursor) {
  if (s->idx != NULL)
    return (size_t)s->idx[(*cursor)++];
  while (s->mask[*cursor] == 0)
    (*cursor)++;
  return (*cursor)++;
}

static void gather(void *dst, const void *src, size_t esz, const rowsel *s) {
  size_t cur = 0;
  switch (esz) {
  case 1:
    for (size_t j = 0; j < s->k; j++)
      ((uint8_t *)dst)[j] = ((const uint8_t *)src)[sel_row(s, &cur)];
    break;
  case 4:
    for (size_t j = 0; j < s->k; j++)
      ((int32_t *)dst)[j] = ((const int32_t *)src)[sel_row(s, &cur)];
    break;
  default:
    for (size_t j = 0; j < s->k; j++)
      memcpy((char *)dst + j * esz, (const char *)src + sel_row(s, &cur) * esz,
             esz);
    break;
  }
}

/* Owned copy of column src (rows per sel, or all rows when sel is NULL). */
static int copy_column(const cz_alloc *a, const cz_column *src, size_t nrows,
                       const rowsel *sel, cz_column *out) {
  memset(out, 0, sizeof *out);
  out->type = src->type;
  size_t esz = elem_size(src->type);
  size_t k = sel ? sel->k : nrows;
  out->name = cz_strdup(a, src->name);
  if (out->name == NULL)
    goto oom;
  out->owns_data = 1;
  if (sel == NULL) {
    out->data = dup_array(a, src->data, nrows, esz);
  } else {
    out->data = cz_calloc(a, k ? k : 1, esz);
    if (out->data != NULL)
      gather(out->data, src->data, esz, sel);
  }
  if (out->data == NULL)
    goto oom;
  if (src->valid != NULL) {
    out->owns_valid = 1;
    if (sel == NULL) {
      out->valid = dup_array(a, src->valid, nrows, 1);
    } else {
      out->valid = cz_malloc(a, k);
      if (out->valid != NULL)
        gather(out->valid, src->valid, 1, sel);
    }
    if (out->valid == NULL)
      goto oom;
  }
  if (src->type == CAUSAL_TYPE_CAT) {
    out->labels = dup_labels(a, (const char *const *)src->labels, src->nlevels);
    if (out->labels == NULL)
      goto oom;
    out->nlevels = src->nlevels;
  }
  out->nmissing = sel ? count_missing(out, k) : src->nmissing;
  return CAUSAL_OK;
oom:
  column_release(a, out);
  return CAUSAL_ENOMEM;
}

/* New dataset with columns cols[0..k) of ds (all when cols is NULL) and
 * the rows given by sel (all when NULL). */
static int derive(causal_dataset **out, const cz_alloc *a,
                  const causal_dataset *ds, const size_t *cols, size_t ncols,
                  const rowsel *sel) {
  causal_dataset *nd = cz_calloc(a, 1, sizeof *nd);
  if (nd == NULL)
    return CAUSAL_ENOMEM;
  nd->alloc = *a;
  if (ncols > 0) {
    nd->cols = cz_calloc(&nd->alloc, ncols, sizeof *nd->cols);
    if (nd->cols == NULL) {
      causal_dataset_free(nd);
      return CAUSAL_ENOMEM;
    }
    nd->cap = ncols;
  }
  for (size_t j = 0; j < ncols; j++) {
    const cz_column *src = &ds->cols[cols ? cols[j] : j];
    int rc = copy_column(&nd->alloc, src, ds->nrows, sel, &nd->cols[j]);
    if (rc != CAUSAL_OK) {
      causal_dataset_free(nd);
      return rc;
    }
    nd->ncols++;
  }
  if (ncols > 0) {
    nd->nrows = sel ? sel->k : ds->nrows;
    nd->has_rows = 1;
  }
  *out = nd;
  return CAUSAL_OK;
}

int causal_dataset_subset_mask(causal_dataset **out, const causal_dataset *ds,
                               const uint8_t *mask, size_t n) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(ds);
  if (mask == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'mask' is NULL", __func__);
  if (n != ds->nrows)
    return cz_fail(CAUSAL_EDIM, "%s: mask has %zu elements but the dataset "
                                "has %zu rows",
                   __func__, n, ds->nrows);
  rowsel sel = {mask, NULL, n, 0};
  for (size_t i = 0; i < n; i++)
    sel.k += mask[i] != 0;
  cz_alloc a = cz_alloc_current();
  return derive(out, &a, ds, NULL, ds->ncols, &sel);
}

int causal_dataset_subset_rows(causal_dataset **out, const causal_dataset *ds,
                               const int64_t *idx, size_t k) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(ds);
  if (idx == NULL && k > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'idx' is NULL", __func__);
  for (size_t j = 0; j < k; j++) {
    if (idx[j] < 0 || (uint64_t)idx[j] >= (uint64_t)ds->nrows)
      return cz_fail(CAUSAL_ERANGE,
                     "%s: idx[%zu] = %lld is outside [0, %zu)", __func__, j,
                     (long long)idx[j], ds->nrows);
  }
  rowsel sel = {NULL, idx, ds->nrows, k};
  cz_alloc a = cz_alloc_current();
  return derive(out, &a, ds, NULL, ds->ncols, &sel);
}

int causal_dataset_select(causal_dataset **out, const causal_dataset *ds,
                          const char *const *names, size_t k) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(ds);
  CZ_REQUIRE_NONNULL(names);
  if (k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no column names given (k = 0)",
                   __func__);
  cz_alloc a = cz_alloc_current();
  size_t *cols = cz_calloc(&a, k, sizeof *cols);
  if (cols == NULL)
    return CAUSAL_ENOMEM;
  int rc = CAUSAL_OK;
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    if (names[j] == NULL) {
      rc = cz_fail(CAUSAL_EINVAL, "%s: names[%zu] is NULL", __func__, j);
    } else if (find_col(ds, names[j], &cols[j]) == NULL) {
      rc = fail_not_found(ds, __func__, names[j]);
    } else {
      for (size_t i = 0; i < j; i++)
        if (cols[i] == cols[j])
          rc = cz_fail(CAUSAL_EEXISTS,
                       "%s: column '%s' is selected twice (names[%zu] and "
                       "names[%zu])",
                       __func__, names[j], i, j);
    }
  }
  if (rc == CAUSAL_OK)
    rc = derive(out, &a, ds, cols, k, NULL);
  cz_free(&a, cols);
  return rc;
}

/* ---- append ------------------------------------------------------------- */

/* New storage for one dst column while an append is prepared; nothing in
 * dst changes until every column has been prepared. */
typedef struct pending {
  void *data;
  uint8_t *valid;
  char **labels; /* CAT: first old_nlevels entries alias dst's strings */
  size_t nlevels;
  size_t old_nlevels;
  int32_t *remap; /* CAT: src level -> unified level */
} pending;

static void pending_release(const cz_alloc *a, pending *p) {
  cz_free(a, p->data);
  cz_free(a, p->valid);
  if (p->labels != NULL) {
    for (size_t l = p->old_nlevels; l < p->nlevels; l++)
      cz_free(a, p->labels[l]);
    cz_free(a, p->labels);
  }
  cz_free(a, p->remap);
}

/* A label with its code, sorted by text for binary search. */
typedef struct label_ref {
  const char *text;
  size_t code;
} label_ref;

static int cmp_label_ref(const void *a, const void *b) {
  return strcmp(((const label_ref *)a)->text, ((const label_ref *)b)->text);
}

/* Unified label table: dst's levels keep their codes, levels only in src
 * are appended in src's order (R's rbind rule; CSV chunks extend the
 * table the same way). remap[l] gives the unified code of src level l. */
static int unify_labels(const cz_alloc *a, const cz_column *d,
                        const cz_column *s, pending *p) {
  p->old_nlevels = d->nlevels;
  p->remap = cz_calloc(a, s->nlevels ? s->nlevels : 1, sizeof *p->remap);
  label_ref *sorted = cz_calloc(a, d->nlevels ? d->nlevels : 1,
                                sizeof *sorted);
  size_t total = 0;
  int ok = cz_add_size(d->nlevels, s->nlevels, &total);
  p->labels = ok ? cz_calloc(a, total ? total : 1, sizeof *p->labels) : NULL;
  if (p->remap == NULL || sorted == NULL || p->labels == NULL) {
    cz_free(a, sorted);
    return CAUSAL_ENOMEM;
  }
  if (d->nlevels > 0)
    memcpy(p->labels, d->labels, d->nlevels * sizeof *p->labels);
  p->nlevels = d->nlevels;
  for (size_t l = 0; l < d->nlevels; l++) {
    sorted[l].text = d->labels[l];
    sorted[l].code = l;
  }
  qsort(sorted, d->nlevels, sizeof *sorted, cmp_label_ref);
  int rc = CAUSAL_OK;
  for (size_t l = 0; l < s->nlevels; l++) {
    label_ref key = {s->labels[l], 0};
    const label_ref *hit =
        d->nlevels ? bsearch(&key, sorted, d->nlevels, sizeof *sorted,
                             cmp_label_ref)
                   : NULL;
    if (hit != NULL) {
      p->remap[l] = (int32_t)hit->code;
      continue;
    }
    if (p->nlevels >= (size_t)INT32_MAX) {
      rc = cz_fail(CAUSAL_ERANGE,
                   "causal_dataset_append: column '%s' has too many levels",
                   d->name);
      break;
    }
    p->labels[p->nlevels] = cz_strdup(a, key.text);
    if (p->labels[p->nlevels] == NULL) {
      rc = CAUSAL_ENOMEM;
      break;
    }
    p->remap[l] = (int32_t)p->nlevels++;
  }
  cz_free(a, sorted);
  return rc;
}

static int prepare_append(const cz_alloc *a, const cz_column *d, size_t dn,
                          const cz_column *s, size_t sn, pending *p) {
  size_t esz = elem_size(d->type), n = dn + sn;
  p->data = cz_calloc(a, n ? n : 1, esz);
  if (p->data == NULL)
    return CAUSAL_ENOMEM;
  memcpy(p->data, d->data, dn * esz);
  if (d->type == CAUSAL_TYPE_CAT) {
    CZ_CHECK(unify_labels(a, d, s, p));
    const int32_t *sc = s->data;
    int32_t *out = (int32_t *)p->data + dn;
    for (size_t i = 0; i < sn; i++)
      out[i] = sc[i] < 0 ? -1 : p->remap[sc[i]];
  } else if (sn > 0) {
    memcpy((char *)p->data + dn * esz, s->data, sn * esz);
  }
  if (d->valid != NULL || s->valid != NULL) {
    p->valid = cz_malloc(a, n);
    if (p->valid == NULL)
      return CAUSAL_ENOMEM;
    if (d->valid)
      memcpy(p->valid, d->valid, dn);
    else
      memset(p->valid, 1, dn);
    if (s->valid)
      memcpy(p->valid + dn, s->valid, sn);
    else
      memset(p->valid + dn, 1, sn);
  }
  return CAUSAL_OK;
}

/* dst has no columns: it takes a copy of src's structure and rows. */
static int append_to_empty(causal_dataset *dst, const causal_dataset *src) {
  causal_dataset *tmp = NULL;
  CZ_CHECK(derive(&tmp, &dst->alloc, src, NULL, src->ncols, NULL));
  cz_free(&dst->alloc, dst->cols);
  dst->cols = tmp->cols;
  dst->cap = tmp->cap;
  dst->ncols = tmp->ncols;
  dst->nrows = tmp->nrows;
  dst->has_rows = tmp->has_rows;
  tmp->cols = NULL;
  tmp->ncols = 0;
  causal_dataset_free(tmp);
  return CAUSAL_OK;
}

int causal_dataset_append(causal_dataset *dst, const causal_dataset *src) {
  static const char *fn = "causal_dataset_append";
  CZ_REQUIRE_NONNULL(dst);
  CZ_REQUIRE_NONNULL(src);
  if (src->ncols == 0)
    return CAUSAL_OK; /* nothing to append */
  if (dst->ncols == 0)
    return append_to_empty(dst, src);
  for (size_t j = 0; j < src->ncols; j++)
    if (find_col(dst, src->cols[j].name, NULL) == NULL)
      return cz_fail(CAUSAL_ENOTFOUND, "%s: src column '%s' is not in dst", fn,
                     src->cols[j].name);
  const cz_column **match = NULL;
  pending *pend = NULL;
  const cz_alloc *a = &dst->alloc;
  size_t total;
  if (!cz_add_size(dst->nrows, src->nrows, &total))
    return cz_fail(CAUSAL_ERANGE, "%s: row count overflows", fn);
  for (size_t j = 0; j < dst->ncols; j++) {
    const cz_column *d = &dst->cols[j];
    const cz_column *s = find_col(src, d->name, NULL);
    if (s == NULL)
      return cz_fail(CAUSAL_ENOTFOUND, "%s: dst column '%s' is not in src",
                     fn, d->name);
    if (s->type != d->type)
      return cz_fail(CAUSAL_ETYPE, "%s: column '%s' is %s in dst but %s in src",
                     fn, d->name, type_name(d->type), type_name(s->type));
  }
  match = cz_calloc(a, dst->ncols, sizeof *match);
  pend = cz_calloc(a, dst->ncols, sizeof *pend);
  int rc = (match && pend) ? CAUSAL_OK : CAUSAL_ENOMEM;
  for (size_t j = 0; j < dst->ncols && rc == CAUSAL_OK; j++) {
    match[j] = find_col(src, dst->cols[j].name, NULL);
    rc = prepare_append(a, &dst->cols[j], dst->nrows, match[j], src->nrows,
                        &pend[j]);
  }
  if (rc != CAUSAL_OK) {
    for (size_t j = 0; pend && j < dst->ncols; j++)
      pending_release(a, &pend[j]);
    cz_free(a, pend);
    cz_free(a, match);
    return rc;
  }
  /* Commit: nothing can fail from here on. */
  for (size_t j = 0; j < dst->ncols; j++) {
    cz_column *d = &dst->cols[j];
    const cz_column *s = match[j];
    size_t nmiss = d->nmissing + s->nmissing;
    if (d->owns_data)
      cz_free(a, d->data);
    if (d->owns_valid)
      cz_free(a, d->valid);
    d->data = pend[j].data;
    d->owns_data = 1;
    d->valid = pend[j].valid;
    d->owns_valid = pend[j].valid != NULL;
    if (d->type == CAUSAL_TYPE_CAT) {
      cz_free(a, d->labels); /* the strings live on in the new table */
      d->labels = pend[j].labels;
      d->nlevels = pend[j].nlevels;
      cz_free(a, pend[j].remap);
    }
    d->nmissing = nmiss;
  }
  dst->nrows = total;
  cz_free(a, pend);
  cz_free(a, match);
  return CAUSAL_OK;
}
