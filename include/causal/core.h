/* libcausal — core: export macro, versions, status codes, errors, allocator.
 *
 * Every public function returns an int status (0 = CAUSAL_OK, negative =
 * error) unless it is a pure query documented otherwise. On failure a
 * function that creates an object sets *out = NULL, and the calling thread's
 * causal_last_error() holds a message naming the argument, column or row at
 * fault. Status values are pinned: they never change between releases.
 */
#ifndef CAUSAL_CORE_H
#define CAUSAL_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(CAUSAL_BUILDING)
#define CAUSAL_API __declspec(dllexport)
#elif defined(__GNUC__) && defined(CAUSAL_BUILDING)
#define CAUSAL_API __attribute__((visibility("default")))
#else
#define CAUSAL_API
#endif

#define CAUSAL_VERSION_MAJOR 0
#define CAUSAL_VERSION_MINOR 2
#define CAUSAL_VERSION_PATCH 0
#define CAUSAL_VERSION_STRING "0.2.0"
/* major * 10000 + minor * 100 + patch */
#define CAUSAL_VERSION_NUMBER                                                  \
  (CAUSAL_VERSION_MAJOR * 10000 + CAUSAL_VERSION_MINOR * 100 +                 \
   CAUSAL_VERSION_PATCH)

/* Status codes. Pinned values: never renumbered, never reused. */
enum {
  CAUSAL_OK = 0,
  CAUSAL_EINVAL = -1,      /* invalid argument (NULL, zero size, bad value) */
  CAUSAL_ENOMEM = -2,      /* allocation failed */
  CAUSAL_ENONFINITE = -3,  /* NaN or infinity where finite values are needed */
  CAUSAL_ESINGULAR = -4,   /* singular or rank-deficient system */
  CAUSAL_ENOCONV = -5,     /* iterative method did not converge */
  CAUSAL_ESEPARATION = -6, /* complete or quasi-complete separation */
  CAUSAL_EIO = -7,         /* file could not be opened, read or written */
  CAUSAL_EPARSE = -8,      /* malformed text input (CSV, numbers) */
  CAUSAL_ERANGE = -9,      /* option or argument outside its allowed range */
  CAUSAL_ENOTFOUND = -10,  /* named column, entry or level does not exist */
  CAUSAL_ETYPE = -11,      /* wrong type (column type, result entry type) */
  CAUSAL_EDIM = -12,       /* mismatched lengths or dimensions */
  CAUSAL_ECORRUPT = -13,   /* serialized buffer truncated, corrupt or foreign */
  CAUSAL_EMISSING = -14,   /* missing values where none are allowed */
  CAUSAL_ENOOVERLAP = -15, /* no overlap / no common support */
  CAUSAL_EBUFSIZE = -16,   /* caller buffer too small; size reported */
  CAUSAL_EVERSION = -17,   /* serialized format version not supported */
  CAUSAL_EEXISTS = -18,    /* name already present (duplicate column) */
  CAUSAL_EINTERNAL = -99   /* internal invariant violated: a libcausal bug */
};

/* Compile-time and run-time versions. Bindings compare the two at load. */
CAUSAL_API int causal_version_number(void);
CAUSAL_API const char *causal_version_string(void);

/* Static, never-NULL text for a status code ("unknown status" if unknown). */
CAUSAL_API const char *causal_strerror(int status);

/* The specific message of this thread's most recent failing call. Read it
 * right after the call that failed: it stays valid until the thread's next
 * libcausal call, which may replace or clear it (a successful call may
 * leave it ""). Never NULL. */
CAUSAL_API const char *causal_last_error(void);
/* Clear this thread's last error message. */
CAUSAL_API void causal_clear_error(void);

/* Allocator hook.
 *
 * The hook is per thread: it applies to objects created by the calling
 * thread after the call. Each object records the allocator that created it
 * and uses it for all of its memory, so an object may be freed from any
 * thread, in any order relative to other objects. Pass NULL to restore the
 * C library's malloc/free. There is no process-wide mutable state.
 *
 * malloc_fn(opaque, size) returns NULL on failure; free_fn(opaque, ptr)
 * accepts NULL. Memory returned must be aligned for any object type. */
typedef void *(*causal_malloc_fn)(void *opaque, size_t size);
typedef void (*causal_free_fn)(void *opaque, void *ptr);
CAUSAL_API int causal_set_thread_allocator(causal_malloc_fn malloc_fn,
                                           causal_free_fn free_fn,
                                           void *opaque);

/* Free a buffer that a libcausal function returned to the caller
 * (documented per function). Accepts NULL. */
CAUSAL_API void causal_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_CORE_H */
