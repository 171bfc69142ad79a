/* Internal core helpers: errors, allocation, checked arithmetic.
 * Private to the library; never installed. Prefix cz_ for internal symbols
 * (hidden by default visibility and the version script). */
#ifndef CZ_INTERNAL_CORE_H
#define CZ_INTERNAL_CORE_H

#include "causal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define CZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CZ_UNUSED __attribute__((unused))
#else
#define CZ_PRINTF(a, b)
#define CZ_UNUSED
#endif

/* ---- errors -------------------------------------------------------------
 * cz_fail(status, fmt, ...) records a formatted message in this thread's
 * last-error buffer and returns status, so call sites read
 *     if (x == NULL) return cz_fail(CAUSAL_EINVAL, "x is NULL");
 * cz_clear_error() is called on entry of public functions that succeed.  */
int cz_fail(int status, const char *fmt, ...) CZ_PRINTF(2, 3);
int cz_vfail(int status, const char *fmt, va_list ap);
/* Prepend context to the current message: "reading 'f.csv': <old>". */
int cz_fail_context(int status, const char *fmt, ...) CZ_PRINTF(2, 3);
void cz_clear_error(void);

#define CZ_CHECK(expr)                                                         \
  do {                                                                         \
    int cz_rc_ = (expr);                                                       \
    if (cz_rc_ != CAUSAL_OK)                                                   \
      return cz_rc_;                                                           \
  } while (0)

#define CZ_REQUIRE_NONNULL(p)                                                  \
  do {                                                                         \
    if ((p) == NULL)                                                           \
      return cz_fail(CAUSAL_EINVAL, "%s: argument '%s' is NULL", __func__,     \
                     #p);                                                      \
  } while (0)

/* ---- allocation ---------------------------------------------------------
 * Every object stores the allocator current in the creating thread
 * (cz_alloc_current()) and routes all its memory through it. */
typedef struct cz_alloc {
  causal_malloc_fn malloc_fn;
  causal_free_fn free_fn;
  void *opaque;
} cz_alloc;

cz_alloc cz_alloc_current(void);
void *cz_malloc(const cz_alloc *a, size_t size); /* sets ENOMEM message */
void *cz_calloc(const cz_alloc *a, size_t n, size_t size); /* overflow-safe */
/* Grow/shrink a block of old_size bytes to new_size (alloc + copy + free). */
void *cz_realloc(const cz_alloc *a, void *p, size_t old_size, size_t new_size);
void cz_free(const cz_alloc *a, void *p);
char *cz_strdup(const cz_alloc *a, const char *s);

/* Specification setters shared by the estimator handles.
 * cz_name_set: replace *slot by a copy of a column name (NULL clears it
 * when allow_null; NULL otherwise and "" are CAUSAL_EINVAL naming fn).
 * cz_names_add: append a copy of a name (term or column) to a growable
 * list; NULL is CAUSAL_EINVAL, "" is
 * CAUSAL_EPARSE and a term already present CAUSAL_EEXISTS. Both clear the
 * error on success. */
int cz_name_set(const cz_alloc *a, char **slot, const char *v, const char *fn,
                int allow_null);
int cz_names_add(const cz_alloc *a, char ***items, size_t *n, size_t *cap,
                 const char *s, const char *fn);

/* Buffers handed to the caller (freed by causal_free): a small header
 * records the allocator so causal_free can route the release. */
void *cz_user_malloc(size_t size);

/* Overflow-checked size arithmetic: return false on overflow. */
static inline bool cz_mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a)
    return false;
  *out = a * b;
  return true;
}
static inline bool cz_add_size(size_t a, size_t b, size_t *out) {
  if (b > SIZE_MAX - a)
    return false;
  *out = a + b;
  return true;
}

/* Growable byte buffer (text building: JSON, messages). */
typedef struct cz_buf {
  cz_alloc alloc;
  char *data;
  size_t len;
  size_t cap;
  int failed; /* sticky: an allocation failed */
} cz_buf;
void cz_buf_init(cz_buf *b, const cz_alloc *a);
void cz_buf_append(cz_buf *b, const char *s, size_t n);
void cz_buf_puts(cz_buf *b, const char *s);
void cz_buf_printf(cz_buf *b, const char *fmt, ...) CZ_PRINTF(2, 3);
void cz_buf_free(cz_buf *b);

#endif /* CZ_INTERNAL_CORE_H */
