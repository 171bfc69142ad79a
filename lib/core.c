/* Core: versions, status text, thread-local last error, allocator hook. */
#include "internal/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CZ_ERRMSG_MAX 1024

/* Thread-local state. These are per-thread, not process-wide mutable
 * globals: each thread sees only its own last error and allocator. */
static _Thread_local char cz_errmsg[CZ_ERRMSG_MAX];
static _Thread_local cz_alloc cz_thread_alloc; /* zero = C library */

int causal_version_number(void) { return CAUSAL_VERSION_NUMBER; }

const char *causal_version_string(void) { return CAUSAL_VERSION_STRING; }

const char *causal_strerror(int status) {
  switch (status) {
  case CAUSAL_OK: return "success";
  case CAUSAL_EINVAL: return "invalid argument";
  case CAUSAL_ENOMEM: return "out of memory";
  case CAUSAL_ENONFINITE: return "non-finite value (NaN or infinity)";
  case CAUSAL_ESINGULAR: return "singular or rank-deficient system";
  case CAUSAL_ENOCONV: return "iteration did not converge";
  case CAUSAL_ESEPARATION: return "complete or quasi-complete separation";
  case CAUSAL_EIO: return "input/output error";
  case CAUSAL_EPARSE: return "parse error";
  case CAUSAL_ERANGE: return "value out of range";
  case CAUSAL_ENOTFOUND: return "not found";
  case CAUSAL_ETYPE: return "wrong type";
  case CAUSAL_EDIM: return "mismatched lengths or dimensions";
  case CAUSAL_ECORRUPT: return "corrupt or truncated data";
  case CAUSAL_EMISSING: return "missing values not allowed";
  case CAUSAL_ENOOVERLAP: return "no overlap between groups";
  case CAUSAL_EBUFSIZE: return "buffer too small";
  case CAUSAL_EVERSION: return "unsupported format version";
  case CAUSAL_EEXISTS: return "name already exists";
  case CAUSAL_EINTERNAL: return "internal error (a libcausal bug)";
  default: return "unknown status";
  }
}

const char *causal_last_error(void) { return cz_errmsg; }

void causal_clear_error(void) { cz_errmsg[0] = '\0'; }

void cz_clear_error(void) { cz_errmsg[0] = '\0'; }

int cz_vfail(int status, const char *fmt, va_list ap) {
  int n = vsnprintf(cz_errmsg, sizeof cz_errmsg, fmt, ap);
  if (n < 0)
    snprintf(cz_errmsg, sizeof cz_errmsg, "%s", causal_strerror(status));
  return status;
}

int cz_fail(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cz_vfail(status, fmt, ap);
  va_end(ap);
  return status;
}

int cz_fail_context(int status, const char *fmt, ...) {
  char old[CZ_ERRMSG_MAX];
  memcpy(old, cz_errmsg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(cz_errmsg, sizeof cz_errmsg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof cz_errmsg && old[0] != '\0')
    snprintf(cz_errmsg + n, sizeof cz_errmsg - (size_t)n, ": %s", old);
  return status;
}

/* ---- allocation ---- */

int causal_set_thread_allocator(causal_malloc_fn malloc_fn,
                                causal_free_fn free_fn, void *opaque) {
  if ((malloc_fn == NULL) != (free_fn == NULL))
    return cz_fail(CAUSAL_EINVAL, "causal_set_thread_allocator: malloc_fn and "
                                  "free_fn must both be set or both be NULL");
  cz_thread_alloc.malloc_fn = malloc_fn;
  cz_thread_alloc.free_fn = free_fn;
  cz_thread_alloc.opaque = malloc_fn ? opaque : NULL;
  return CAUSAL_OK;
}

cz_alloc cz_alloc_current(void) { return cz_thread_alloc; }

void *cz_malloc(const cz_alloc *a, size_t size) {
  if (size == 0)
    size = 1;
  void *p = a->malloc_fn ? a->malloc_fn(a->opaque, size) : malloc(size);
  if (p == NULL)
    cz_fail(CAUSAL_ENOMEM, "out of memory allocating %zu bytes", size);
  return p;
}

void *cz_calloc(const cz_alloc *a, size_t n, size_t size) {
  size_t total;
  if (!cz_mul_size(n, size, &total)) {
    cz_fail(CAUSAL_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
    return NULL;
  }
  void *p = cz_malloc(a, total);
  if (p != NULL)
    memset(p, 0, total);
  return p;
}

void *cz_realloc(const cz_alloc *a, void *p, size_t old_size, size_t new_size) {
  if (a->malloc_fn == NULL) {
    void *q = realloc(p, new_size ? new_size : 1);
    if (q == NULL)
      cz_fail(CAUSAL_ENOMEM, "out of memory allocating %zu bytes", new_size);
    return q;
  }
  void *q = cz_malloc(a, new_size);
  if (q == NULL)
    return NULL;
  if (p != NULL) {
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    cz_free(a, p);
  }
  return q;
}

void cz_free(const cz_alloc *a, void *p) {
  if (p == NULL)
    return;
  if (a->free_fn)
    a->free_fn(a->opaque, p);
  else
    free(p);
}

char *cz_strdup(const cz_alloc *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = cz_malloc(a, n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

int cz_name_set(const cz_alloc *a, char **slot, const char *v, const char *fn,
                int allow_null) {
  if (v == NULL && !allow_null)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'column' is NULL", fn);
  if (v != NULL && v[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: column name is empty", fn);
  char *c = NULL;
  if (v != NULL && (c = cz_strdup(a, v)) == NULL)
    return CAUSAL_ENOMEM;
  cz_free(a, *slot);
  *slot = c;
  cz_clear_error();
  return CAUSAL_OK;
}

int cz_names_add(const cz_alloc *a, char ***items, size_t *n, size_t *cap,
                 const char *s, const char *fn) {
  if (s == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: the name is NULL", fn);
  if (s[0] == '\0')
    return cz_fail(CAUSAL_EPARSE, "%s: the name is empty", fn);
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*items)[i], s) == 0)
      return cz_fail(CAUSAL_EEXISTS, "%s: '%s' is already present", fn, s);
  if (*n == *cap) {
    size_t nc = *cap ? 2 * *cap : 8;
    char **t = cz_realloc(a, *items, *cap * sizeof *t, nc * sizeof *t);
    if (t == NULL)
      return CAUSAL_ENOMEM;
    *items = t;
    *cap = nc;
  }
  char *c = cz_strdup(a, s);
  if (c == NULL)
    return CAUSAL_ENOMEM;
  (*items)[(*n)++] = c;
  cz_clear_error();
  return CAUSAL_OK;
}

/* User buffers: header with the allocator, padded to max alignment. */
typedef union cz_user_hdr {
  cz_alloc alloc;
  max_align_t align;
} cz_user_hdr;

void *cz_user_malloc(size_t size) {
  cz_alloc a = cz_alloc_current();
  size_t total;
  if (!cz_add_size(size, sizeof(cz_user_hdr), &total)) {
    cz_fail(CAUSAL_ENOMEM, "allocation of %zu bytes overflows", size);
    return NULL;
  }
  cz_user_hdr *h = cz_malloc(&a, total);
  if (h == NULL)
    return NULL;
  h->alloc = a;
  return h + 1;
}

void causal_free(void *ptr) {
  if (ptr == NULL)
    return;
  cz_user_hdr *h = (cz_user_hdr *)ptr - 1;
  cz_alloc a = h->alloc;
  cz_free(&a, h);
}

/* ---- growable text buffer ---- */

void cz_buf_init(cz_buf *b, const cz_alloc *a) {
  b->alloc = *a;
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->failed = 0;
}

static int cz_buf_reserve(cz_buf *b, size_t extra) {
  if (b->failed)
    return 0;
  size_t need;
  if (!cz_add_size(b->len, extra + 1, &need)) {
    b->failed = 1;
    return 0;
  }
  if (need <= b->cap)
    return 1;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  char *d = cz_realloc(&b->alloc, b->data, b->cap, cap);
  if (d == NULL) {
    b->failed = 1;
    return 0;
  }
  b->data = d;
  b->cap = cap;
  return 1;
}

void cz_buf_append(cz_buf *b, const char *s, size_t n) {
  if (!cz_buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void cz_buf_puts(cz_buf *b, const char *s) { cz_buf_append(b, s, strlen(s)); }

void cz_buf_printf(cz_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !cz_buf_reserve(b, (size_t)n)) {
    if (n < 0)
      b->failed = 1;
    va_end(ap2);
    return;
  }
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
}

void cz_buf_free(cz_buf *b) {
  cz_free(&b->alloc, b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
