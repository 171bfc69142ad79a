/* Results: an ordered list of named entries plus warnings, and their JSON
 * encoding. Names are found through a small open-addressing hash index so
 * results with thousands of entries stay linear to build. */
#include "internal/result.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct entry {
  char *name;
  int type;      /* CAUSAL_ENTRY_* */
  double scalar; /* SCALAR */
  char *text;    /* STRING */
  double *values; /* VECTOR (nrow values), MATRIX/TABLE (column-major) */
  size_t nrow;    /* VECTOR: length */
  size_t ncol;    /* VECTOR: 1 */
  char **rownames; /* VECTOR element names / MATRIX row names, or NULL */
  char **colnames; /* MATRIX/TABLE column names, or NULL */
} entry;

struct causal_result {
  cz_alloc alloc;
  char *kind;
  entry *entries;
  size_t n, cap;
  size_t *index; /* hash slots: entry position + 1, 0 = empty */
  size_t icap;   /* power of two, > 2 * n, or 0 */
  char **warnings;
  size_t nwarn, wcap;
};

static const char *const table_colnames[CAUSAL_TABLE_NCOLS] = {
    "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"};

static const char *entry_type_name(int type) {
  switch (type) {
  case CAUSAL_ENTRY_SCALAR: return "scalar";
  case CAUSAL_ENTRY_VECTOR: return "vector";
  case CAUSAL_ENTRY_MATRIX: return "matrix";
  case CAUSAL_ENTRY_TABLE: return "table";
  case CAUSAL_ENTRY_STRING: return "string";
  default: return "unknown";
  }
}

/* ---- memory ------------------------------------------------------------- */

static void free_names(const cz_alloc *a, char **names, size_t n) {
  if (names == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    cz_free(a, names[i]);
  cz_free(a, names);
}

static void entry_release(const cz_alloc *a, entry *e) {
  cz_free(a, e->name);
  cz_free(a, e->text);
  cz_free(a, e->values);
  free_names(a, e->rownames, e->nrow);
  free_names(a, e->colnames, e->ncol);
  memset(e, 0, sizeof *e);
}

static char **dup_names(const cz_alloc *a, const char *const *names,
                        size_t n) {
  char **out = cz_calloc(a, n ? n : 1, sizeof *out);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    out[i] = cz_strdup(a, names[i]);
    if (out[i] == NULL) {
      free_names(a, out, i);
      return NULL;
    }
  }
  return out;
}

/* ---- hash index --------------------------------------------------------- */

static size_t hash_name(const char *s) {
  /* FNV-1a, 64-bit constants folded to size_t. */
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return (size_t)(h ^ (h >> 32));
}

static size_t find_entry(const causal_result *r, const char *name) {
  if (r->icap == 0)
    return SIZE_MAX;
  size_t mask = r->icap - 1;
  for (size_t s = hash_name(name) & mask;; s = (s + 1) & mask) {
    size_t v = r->index[s];
    if (v == 0)
      return SIZE_MAX;
    if (strcmp(r->entries[v - 1].name, name) == 0)
      return v - 1;
  }
}

static void index_insert(size_t *index, size_t icap, const char *name,
                         size_t pos) {
  size_t mask = icap - 1;
  size_t s = hash_name(name) & mask;
  while (index[s] != 0)
    s = (s + 1) & mask;
  index[s] = pos + 1;
}

/* Make room for one more entry (array and index) without changing the
 * result's contents, so a later failure leaves it as it was. */
static int reserve_entry(causal_result *r) {
  const cz_alloc *a = &r->alloc;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    size_t bytes;
    if (!cz_mul_size(cap, sizeof(entry), &bytes))
      return cz_fail(CAUSAL_ENOMEM, "too many result entries");
    entry *e = cz_realloc(a, r->entries, r->cap * sizeof(entry), bytes);
    if (e == NULL)
      return CAUSAL_ENOMEM;
    r->entries = e;
    r->cap = cap;
  }
  if (2 * (r->n + 1) >= r->icap) {
    size_t icap = r->icap ? r->icap * 2 : 16;
    size_t *index = cz_calloc(a, icap, sizeof *index);
    if (index == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
      index_insert(index, icap, r->entries[i].name, i);
    cz_free(a, r->index);
    r->index = index;
    r->icap = icap;
  }
  return CAUSAL_OK;
}

/* Store a fully built entry e (whose name is not yet set): replaces an
 * entry of the same name in place, or appends. Takes ownership of e's
 * buffers, releasing them on failure. */
static int store_entry(causal_result *r, const char *name, entry *e) {
  size_t pos = find_entry(r, name);
  int rc = CAUSAL_OK;
  if (pos == SIZE_MAX)
    rc = reserve_entry(r);
  if (rc == CAUSAL_OK) {
    e->name = cz_strdup(&r->alloc, name);
    if (e->name == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc != CAUSAL_OK) {
    entry_release(&r->alloc, e);
    return rc;
  }
  if (pos != SIZE_MAX) {
    entry_release(&r->alloc, &r->entries[pos]);
    r->entries[pos] = *e; /* same name: the index stays valid */
  } else {
    r->entries[r->n] = *e;
    index_insert(r->index, r->icap, e->name, r->n);
    r->n++;
  }
  return CAUSAL_OK;
}

/* ---- argument checks ---------------------------------------------------- */

static int check_target(const causal_result *r, const char *name,
                        const char *fn) {
  if (r == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'r' is NULL", fn);
  if (name == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'name' is NULL", fn);
  if (name[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: entry name is empty", fn);
  return CAUSAL_OK;
}

static int check_names(const char *const *names, size_t n, const char *fn,
                       const char *name, const char *what) {
  if (names == NULL)
    return CAUSAL_OK;
  for (size_t i = 0; i < n; i++)
    if (names[i] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': %s[%zu] is NULL", fn,
                     name, what, i);
  return CAUSAL_OK;
}

/* ---- building ----------------------------------------------------------- */

int causal_result_new(causal_result **out, const char *kind) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(kind);
  if (kind[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_result_new: kind is empty");
  cz_alloc a = cz_alloc_current();
  causal_result *r = cz_calloc(&a, 1, sizeof *r);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  r->alloc = a;
  r->kind = cz_strdup(&a, kind);
  if (r->kind == NULL) {
    cz_free(&a, r);
    return CAUSAL_ENOMEM;
  }
  *out = r;
  return CAUSAL_OK;
}

void causal_result_free(causal_result *r) {
  if (r == NULL)
    return;
  cz_alloc a = r->alloc;
  for (size_t i = 0; i < r->n; i++)
    entry_release(&a, &r->entries[i]);
  free_names(&a, r->warnings, r->nwarn);
  cz_free(&a, r->entries);
  cz_free(&a, r->index);
  cz_free(&a, r->kind);
  cz_free(&a, r);
}

int causal_result_set_scalar(causal_result *r, const char *name,
                             double value) {
  CZ_CHECK(check_target(r, name, __func__));
  entry e;
  memset(&e, 0, sizeof e);
  e.type = CAUSAL_ENTRY_SCALAR;
  e.scalar = value;
  return store_entry(r, name, &e);
}

int causal_result_set_string(causal_result *r, const char *name,
                             const char *value) {
  CZ_CHECK(check_target(r, name, __func__));
  if (value == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': value is NULL", __func__,
                   name);
  entry e;
  memset(&e, 0, sizeof e);
  e.type = CAUSAL_ENTRY_STRING;
  e.text = cz_strdup(&r->alloc, value);
  if (e.text == NULL)
    return CAUSAL_ENOMEM;
  return store_entry(r, name, &e);
}

/* Shared by vectors, matrices and tables: copy values (column-major) and
 * the optional names into e. */
static int fill_array(const cz_alloc *a, entry *e, const double *values,
                      size_t nrow, size_t ncol, const char *const *rownames,
                      const char *const *colnames) {
  size_t total;
  if (!cz_mul_size(nrow, ncol, &total) || total > SIZE_MAX / sizeof(double))
    return cz_fail(CAUSAL_ENOMEM, "%zu x %zu values overflow", nrow, ncol);
  e->nrow = nrow;
  e->ncol = ncol;
  e->values = cz_malloc(a, total * sizeof(double));
  if (e->values == NULL)
    return CAUSAL_ENOMEM;
  if (total > 0 && values != NULL)
    memcpy(e->values, values, total * sizeof(double));
  if (rownames != NULL) {
    e->rownames = dup_names(a, rownames, nrow);
    if (e->rownames == NULL)
      return CAUSAL_ENOMEM;
  }
  if (colnames != NULL) {
    e->colnames = dup_names(a, colnames, ncol);
    if (e->colnames == NULL)
      return CAUSAL_ENOMEM;
  }
  return CAUSAL_OK;
}

int causal_result_set_vector(causal_result *r, const char *name,
                             const double *values, size_t n,
                             const char *const *names) {
  CZ_CHECK(check_target(r, name, __func__));
  if (values == NULL && n > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': values is NULL", __func__,
                   name);
  CZ_CHECK(check_names(names, n, __func__, name, "names"));
  entry e;
  memset(&e, 0, sizeof e);
  e.type = CAUSAL_ENTRY_VECTOR;
  int rc = fill_array(&r->alloc, &e, values, n, 1, names, NULL);
  if (rc != CAUSAL_OK) {
    entry_release(&r->alloc, &e);
    return rc;
  }
  return store_entry(r, name, &e);
}

int causal_result_set_matrix(causal_result *r, const char *name,
                             const double *values, size_t nrow, size_t ncol,
                             const char *const *rownames,
                             const char *const *colnames) {
  CZ_CHECK(check_target(r, name, __func__));
  if (values == NULL && nrow > 0 && ncol > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': values is NULL", __func__,
                   name);
  CZ_CHECK(check_names(rownames, nrow, __func__, name, "rownames"));
  CZ_CHECK(check_names(colnames, ncol, __func__, name, "colnames"));
  entry e;
  memset(&e, 0, sizeof e);
  e.type = CAUSAL_ENTRY_MATRIX;
  int rc = fill_array(&r->alloc, &e, values, nrow, ncol, rownames, colnames);
  if (rc != CAUSAL_OK) {
    entry_release(&r->alloc, &e);
    return rc;
  }
  return store_entry(r, name, &e);
}

int causal_result_set_table(causal_result *r, const char *name,
                            const char *const *terms, size_t nterms,
                            const double *estimate, const double *std_error,
                            const double *statistic, const double *p_value,
                            const double *conf_low, const double *conf_high) {
  CZ_CHECK(check_target(r, name, __func__));
  const double *cols[CAUSAL_TABLE_NCOLS] = {estimate, std_error, statistic,
                                            p_value,  conf_low,  conf_high};
  if (nterms > 0) {
    if (terms == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': terms is NULL", __func__,
                     name);
    for (int j = 0; j < CAUSAL_TABLE_CONF_LOW; j++)
      if (cols[j] == NULL)
        return cz_fail(CAUSAL_EINVAL, "%s: entry '%s': %s is NULL", __func__,
                       name, table_colnames[j]);
  }
  CZ_CHECK(check_names(terms, nterms, __func__, name, "terms"));
  entry e;
  memset(&e, 0, sizeof e);
  e.type = CAUSAL_ENTRY_TABLE;
  int rc = fill_array(&r->alloc, &e, NULL, nterms, CAUSAL_TABLE_NCOLS,
                      nterms ? terms : NULL, table_colnames);
  if (rc != CAUSAL_OK) {
    entry_release(&r->alloc, &e);
    return rc;
  }
  for (int j = 0; j < CAUSAL_TABLE_NCOLS; j++) {
    double *dst = e.values + (size_t)j * nterms;
    for (size_t i = 0; i < nterms; i++)
      dst[i] = cols[j] ? cols[j][i] : NAN;
  }
  return store_entry(r, name, &e);
}

/* ---- internal: zero-copy setters ---- */

double *cz_result_alloc_values(causal_result *r, size_t n) {
  return cz_calloc(&r->alloc, n ? n : 1, sizeof(double));
}

void cz_result_free_values(causal_result *r, double *values) {
  cz_free(&r->alloc, values);
}

static int take_array(causal_result *r, const char *name, int type,
                      double *values, size_t nrow, size_t ncol,
                      const char *const *rownames,
                      const char *const *colnames, const char *fn) {
  int rc = check_target(r, name, fn);
  if (rc == CAUSAL_OK && values == NULL)
    rc = cz_fail(CAUSAL_EINVAL, "%s: entry '%s': values is NULL", fn, name);
  if (rc == CAUSAL_OK)
    rc = check_names(rownames, nrow, fn, name, "rownames");
  if (rc == CAUSAL_OK)
    rc = check_names(colnames, ncol, fn, name, "colnames");
  if (rc != CAUSAL_OK) {
    if (r != NULL)
      cz_free(&r->alloc, values);
    return rc;
  }
  entry e;
  memset(&e, 0, sizeof e);
  e.type = type;
  e.values = values;
  e.nrow = nrow;
  e.ncol = ncol;
  if (rownames != NULL && (e.rownames = dup_names(&r->alloc, rownames,
                                                  nrow)) == NULL)
    rc = CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK && colnames != NULL &&
      (e.colnames = dup_names(&r->alloc, colnames, ncol)) == NULL)
    rc = CAUSAL_ENOMEM;
  if (rc != CAUSAL_OK) {
    entry_release(&r->alloc, &e);
    return rc;
  }
  return store_entry(r, name, &e);
}

int cz_result_take_matrix(causal_result *r, const char *name, double *values,
                          size_t nrow, size_t ncol,
                          const char *const *rownames,
                          const char *const *colnames) {
  return take_array(r, name, CAUSAL_ENTRY_MATRIX, values, nrow, ncol,
                    rownames, colnames, __func__);
}

int cz_result_take_vector(causal_result *r, const char *name, double *values,
                          size_t n, const char *const *names) {
  return take_array(r, name, CAUSAL_ENTRY_VECTOR, values, n, 1, names, NULL,
                    __func__);
}

int causal_result_add_warning(causal_result *r, const char *text) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(text);
  const cz_alloc *a = &r->alloc;
  if (r->nwarn == r->wcap) {
    size_t cap = r->wcap ? r->wcap * 2 : 4;
    size_t bytes;
    if (!cz_mul_size(cap, sizeof(char *), &bytes))
      return cz_fail(CAUSAL_ENOMEM, "too many warnings");
    char **w = cz_realloc(a, r->warnings, r->wcap * sizeof(char *), bytes);
    if (w == NULL)
      return CAUSAL_ENOMEM;
    r->warnings = w;
    r->wcap = cap;
  }
  char *copy = cz_strdup(a, text);
  if (copy == NULL)
    return CAUSAL_ENOMEM;
  r->warnings[r->nwarn++] = copy;
  return CAUSAL_OK;
}

/* ---- reading ------------------------------------------------------------ */

const char *causal_result_kind(const causal_result *r) {
  return r ? r->kind : NULL;
}

size_t causal_result_count(const causal_result *r) { return r ? r->n : 0; }

const char *causal_result_name(const causal_result *r, size_t i) {
  if (r == NULL || i >= r->n)
    return NULL;
  return r->entries[i].name;
}

/* Entry by name with checks; NULL after setting the error in *rc. */
static const entry *lookup(const causal_result *r, const char *name,
                           const char *fn, int *rc) {
  if (r == NULL || name == NULL) {
    *rc = cz_fail(CAUSAL_EINVAL, "%s: argument '%s' is NULL", fn,
                  r == NULL ? "r" : "name");
    return NULL;
  }
  size_t pos = find_entry(r, name);
  if (pos == SIZE_MAX) {
    *rc = cz_fail(CAUSAL_ENOTFOUND, "%s: the %s result has no entry '%s'", fn,
                  r->kind, name);
    return NULL;
  }
  return &r->entries[pos];
}

/* Entry of an accepted type (type2 = 0 if only one). */
static const entry *lookup_typed(const causal_result *r, const char *name,
                                 int type, int type2, const char *fn,
                                 int *rc) {
  const entry *e = lookup(r, name, fn, rc);
  if (e != NULL && e->type != type && e->type != type2) {
    *rc = cz_fail(CAUSAL_ETYPE, "%s: entry '%s' is a %s, not a %s", fn, name,
                  entry_type_name(e->type), entry_type_name(type));
    return NULL;
  }
  return e;
}

int causal_result_type(const causal_result *r, const char *name, int *type) {
  int rc = CAUSAL_OK;
  const entry *e = lookup(r, name, __func__, &rc);
  if (e == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(type);
  *type = e->type;
  return CAUSAL_OK;
}

int causal_result_get_scalar(const causal_result *r, const char *name,
                             double *value) {
  int rc = CAUSAL_OK;
  const entry *e =
      lookup_typed(r, name, CAUSAL_ENTRY_SCALAR, 0, __func__, &rc);
  if (e == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(value);
  *value = e->scalar;
  return CAUSAL_OK;
}

int causal_result_get_string(const causal_result *r, const char *name,
                             const char **value) {
  int rc = CAUSAL_OK;
  const entry *e =
      lookup_typed(r, name, CAUSAL_ENTRY_STRING, 0, __func__, &rc);
  if (e == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(value);
  *value = e->text;
  return CAUSAL_OK;
}

int causal_result_get_vector(const causal_result *r, const char *name,
                             const double **values, size_t *n) {
  int rc = CAUSAL_OK;
  const entry *e =
      lookup_typed(r, name, CAUSAL_ENTRY_VECTOR, 0, __func__, &rc);
  if (e == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(values);
  CZ_REQUIRE_NONNULL(n);
  *values = e->values;
  *n = e->nrow;
  return CAUSAL_OK;
}

int causal_result_get_matrix(const causal_result *r, const char *name,
                             const double **values, size_t *nrow,
                             size_t *ncol) {
  int rc = CAUSAL_OK;
  const entry *e = lookup_typed(r, name, CAUSAL_ENTRY_MATRIX,
                                CAUSAL_ENTRY_TABLE, __func__, &rc);
  if (e == NULL)
    return rc;
  CZ_REQUIRE_NONNULL(values);
  CZ_REQUIRE_NONNULL(nrow);
  CZ_REQUIRE_NONNULL(ncol);
  *values = e->values;
  *nrow = e->nrow;
  *ncol = e->ncol;
  return CAUSAL_OK;
}

const char *causal_result_dimname(const causal_result *r, const char *name,
                                  int axis, size_t k) {
  if (r == NULL || name == NULL)
    return NULL;
  size_t pos = find_entry(r, name);
  if (pos == SIZE_MAX)
    return NULL;
  const entry *e = &r->entries[pos];
  if (e->type != CAUSAL_ENTRY_VECTOR && e->type != CAUSAL_ENTRY_MATRIX &&
      e->type != CAUSAL_ENTRY_TABLE)
    return NULL;
  if (axis == 0)
    return e->rownames && k < e->nrow ? e->rownames[k] : NULL;
  if (axis == 1 && e->type != CAUSAL_ENTRY_VECTOR)
    return e->colnames && k < e->ncol ? e->colnames[k] : NULL;
  return NULL;
}

size_t causal_result_nwarnings(const causal_result *r) {
  return r ? r->nwarn : 0;
}

const char *causal_result_warning(const causal_result *r, size_t i) {
  if (r == NULL || i >= r->nwarn)
    return NULL;
  return r->warnings[i];
}

/* ---- JSON --------------------------------------------------------------- */

/* The writer runs twice: first with out == NULL to measure, then into a
 * buffer of exactly that size. */
typedef struct jw {
  char *out;
  size_t len;
  int overflow;
} jw;

static void jw_put(jw *w, const char *s, size_t n) {
  if (n > SIZE_MAX - 1 - w->len) {
    w->overflow = 1;
    return;
  }
  if (w->out != NULL)
    memcpy(w->out + w->len, s, n);
  w->len += n;
}

static void jw_puts(jw *w, const char *s) { jw_put(w, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if invalid; *skip is then the
 * maximal invalid subpart to replace by one U+FFFD (Unicode's "substitution
 * of maximal subparts", which Python's errors='replace' also follows). */
static size_t utf8_valid(const unsigned char *s, size_t *skip) {
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0)
      lo = 0xA0; /* no overlongs */
    else if (c == 0xED)
      hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F; /* <= U+10FFFF */
  } else {
    *skip = 1;
    return 0;
  }
  for (size_t i = 1; i < need; i++) {
    unsigned char b = s[i]; /* a NUL terminator fails the range test */
    unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) {
      *skip = i;
      return 0;
    }
  }
  return need;
}

static void jw_string(jw *w, const char *str) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  jw_put(w, "\"", 1);
  size_t run = 0; /* bytes s[0..run) pending verbatim copy */
  while (s[run] != '\0') {
    unsigned char c = s[run];
    const char *esc = NULL;
    char ubuf[7];
    size_t adv = 1;
    if (c == '"')
      esc = "\\\"";
    else if (c == '\\')
      esc = "\\\\";
    else if (c == '\n')
      esc = "\\n";
    else if (c == '\r')
      esc = "\\r";
    else if (c == '\t')
      esc = "\\t";
    else if (c == '\b')
      esc = "\\b";
    else if (c == '\f')
      esc = "\\f";
    else if (c < 0x20) {
      memcpy(ubuf, "\\u00", 4);
      ubuf[4] = hex[c >> 4];
      ubuf[5] = hex[c & 15];
      ubuf[6] = '\0';
      esc = ubuf;
    } else if (c >= 0x80) {
      size_t skip = 0, n = utf8_valid(s + run, &skip);
      if (n == 0) {
        esc = "\xef\xbf\xbd"; /* U+FFFD */
        adv = skip;
      } else if (n == 3 && c == 0xE2 && s[run + 1] == 0x80 &&
                 (s[run + 2] == 0xA8 || s[run + 2] == 0xA9)) {
        /* U+2028/2029 are valid JSON but break JavaScript embedding. */
        esc = s[run + 2] == 0xA8 ? "\\u2028" : "\\u2029";
        adv = 3;
      } else {
        run += n;
        continue;
      }
    } else {
      run++;
      continue;
    }
    jw_put(w, (const char *)s, run);
    jw_puts(w, esc);
    s += run + adv;
    run = 0;
  }
  jw_put(w, (const char *)s, run);
  jw_put(w, "\"", 1);
}

static void jw_number(jw *w, double x) {
  if (isnan(x)) {
    jw_puts(w, "\"NaN\"");
    return;
  }
  if (isinf(x)) {
    jw_puts(w, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  if (x == 0 && signbit(x)) {
    /* "-0" is read as the integer 0 by many parsers; keep the sign. */
    jw_puts(w, "-0.0");
    return;
  }
  char buf[40], out[40];
  int n = snprintf(buf, sizeof buf, "%.17g", x);
  if (n < 0 || (size_t)n >= sizeof buf) {
    w->overflow = 1;
    return;
  }
  /* A host may have set a locale whose decimal point is not '.': map any
   * run of other bytes to a single '.'. */
  size_t k = 0;
  int in_sep = 0;
  for (int i = 0; i < n; i++) {
    char c = buf[i];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' ||
        c == 'E') {
      out[k++] = c;
      in_sep = 0;
    } else if (!in_sep) {
      out[k++] = '.';
      in_sep = 1;
    }
  }
  jw_put(w, out, k);
}

static void jw_size(jw *w, size_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%zu", v);
  jw_put(w, buf, (size_t)n);
}

static void jw_names(jw *w, char *const *names, size_t n) {
  if (names == NULL) {
    jw_puts(w, "null");
    return;
  }
  jw_put(w, "[", 1);
  for (size_t i = 0; i < n; i++) {
    if (i)
      jw_put(w, ", ", 2);
    jw_string(w, names[i]);
  }
  jw_put(w, "]", 1);
}

static void jw_entry(jw *w, const entry *e) {
  switch (e->type) {
  case CAUSAL_ENTRY_SCALAR: jw_number(w, e->scalar); return;
  case CAUSAL_ENTRY_STRING: jw_string(w, e->text); return;
  case CAUSAL_ENTRY_VECTOR:
    jw_puts(w, "{\"type\": \"vector\", \"values\": [");
    for (size_t i = 0; i < e->nrow; i++) {
      if (i)
        jw_put(w, ", ", 2);
      jw_number(w, e->values[i]);
    }
    jw_puts(w, "], \"names\": ");
    jw_names(w, e->rownames, e->nrow);
    jw_put(w, "}", 1);
    return;
  default: /* MATRIX, TABLE: rows nested, values stored column-major */
    jw_puts(w, e->type == CAUSAL_ENTRY_TABLE ? "{\"type\": \"table\""
                                             : "{\"type\": \"matrix\"");
    jw_puts(w, ", \"nrow\": ");
    jw_size(w, e->nrow);
    jw_puts(w, ", \"ncol\": ");
    jw_size(w, e->ncol);
    jw_puts(w, ", \"values\": [");
    for (size_t i = 0; i < e->nrow; i++) {
      jw_puts(w, i ? ", [" : "[");
      for (size_t j = 0; j < e->ncol; j++) {
        if (j)
          jw_put(w, ", ", 2);
        jw_number(w, e->values[j * e->nrow + i]);
      }
      jw_put(w, "]", 1);
    }
    jw_puts(w, "], \"rownames\": ");
    jw_names(w, e->rownames, e->nrow);
    jw_puts(w, ", \"colnames\": ");
    jw_names(w, e->colnames, e->ncol);
    jw_put(w, "}", 1);
    return;
  }
}

static void jw_result(jw *w, const causal_result *r) {
  jw_puts(w, "{\"libcausal\": ");
  jw_string(w, causal_version_string());
  jw_puts(w, ", \"kind\": ");
  jw_string(w, r->kind);
  jw_puts(w, ", \"entries\": {");
  for (size_t i = 0; i < r->n; i++) {
    if (i)
      jw_put(w, ", ", 2);
    jw_string(w, r->entries[i].name);
    jw_put(w, ": ", 2);
    jw_entry(w, &r->entries[i]);
  }
  jw_puts(w, "}, \"warnings\": [");
  for (size_t i = 0; i < r->nwarn; i++) {
    if (i)
      jw_put(w, ", ", 2);
    jw_string(w, r->warnings[i]);
  }
  jw_puts(w, "]}");
}

int causal_result_to_json(const causal_result *r, char **json, size_t *len) {
  CZ_REQUIRE_NONNULL(json);
  *json = NULL;
  CZ_REQUIRE_NONNULL(r);
  jw w = {NULL, 0, 0};
  jw_result(&w, r);
  if (w.overflow)
    return cz_fail(CAUSAL_ENOMEM, "%s: the JSON text is too large", __func__);
  size_t need = w.len;
  char *buf = cz_user_malloc(need + 1);
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  w.out = buf;
  w.len = 0;
  jw_result(&w, r);
  if (w.len != need) { /* the two passes must agree */
    causal_free(buf);
    return cz_fail(CAUSAL_EINTERNAL, "%s: JSON length changed", __func__);
  }
  buf[need] = '\0';
  *json = buf;
  if (len != NULL)
    *len = need;
  return CAUSAL_OK;
}
