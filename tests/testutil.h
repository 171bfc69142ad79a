/* Shared helpers for the cmocka suites. */
#ifndef CZ_TESTUTIL_H
#define CZ_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "causal.h"

/* Assert a status code, printing the last-error message on mismatch. */
#define assert_status(expr, expected)                                          \
  do {                                                                         \
    int st_ = (expr);                                                          \
    if (st_ != (expected))                                                     \
      fail_msg("%s returned %d (%s), expected %d; last error: %s", #expr,      \
               st_, causal_strerror(st_), (int)(expected),                     \
               causal_last_error());                                           \
  } while (0)
#define assert_ok(expr) assert_status(expr, CAUSAL_OK)

/* Relative closeness |a-b| <= tol * max(|b|, tiny); exact equality for
 * infinities; NaN never passes. */
#define assert_close(a, b, tol)                                                \
  do {                                                                         \
    double a_ = (a), b_ = (b), t_ = (tol);                                     \
    int okc_;                                                                  \
    if (isinf(b_))                                                             \
      okc_ = (a_ == b_);                                                       \
    else {                                                                     \
      double sc_ = fabs(b_) > 1e-300 ? fabs(b_) : 1e-300;                      \
      okc_ = fabs(a_ - b_) <= t_ * sc_;                                        \
    }                                                                          \
    if (!okc_)                                                                 \
      fail_msg("%s = %.17g, expected %.17g (rel err %.3g > %.3g)", #a, a_, b_, \
               fabs(a_ - b_) / fabs(b_), t_);                                  \
  } while (0)

/* Assert the last error message contains a fragment. */
#define assert_error_mentions(fragment)                                        \
  do {                                                                         \
    if (strstr(causal_last_error(), (fragment)) == NULL)                       \
      fail_msg("last error '%s' does not mention '%s'", causal_last_error(),   \
               (fragment));                                                    \
  } while (0)

/* ---- out-of-memory injection ----------------------------------------------
 * A counting allocator that fails the k-th allocation. cz_oom_sweep runs
 * fn(arg) with failure injected at allocation 0, 1, 2, ... until fn
 * succeeds without hitting the injected failure, checking that every
 * failing run returns CAUSAL_ENOMEM and that no run leaks. fn must free
 * everything it creates (on success and failure). */
typedef struct cz_oom_state {
  long fail_at; /* -1: never fail */
  long count;   /* allocations made */
  long live;    /* allocations not yet freed */
  int injected; /* a failure was injected */
} cz_oom_state;

static void *cz_oom_malloc(void *opaque, size_t size) {
  cz_oom_state *s = opaque;
  if (s->fail_at >= 0 && s->count++ == s->fail_at) {
    s->injected = 1;
    return NULL;
  }
  void *p = malloc(size);
  if (p)
    s->live++;
  return p;
}

static void cz_oom_free(void *opaque, void *p) {
  cz_oom_state *s = opaque;
  if (p) {
    s->live--;
    free(p);
  }
}

static inline void cz_oom_sweep(int (*fn)(void *), void *arg) {
  for (long k = 0; k < 100000; k++) {
    cz_oom_state s = {k, 0, 0, 0};
    assert_ok(causal_set_thread_allocator(cz_oom_malloc, cz_oom_free, &s));
    int rc = fn(arg);
    assert_ok(causal_set_thread_allocator(NULL, NULL, NULL));
    if (s.live != 0)
      fail_msg("allocation failure at #%ld leaked %ld blocks (rc %d)", k,
               s.live, rc);
    if (!s.injected) {
      if (rc != CAUSAL_OK)
        fail_msg("run without injected failure returned %d: %s", rc,
                 causal_last_error());
      return;
    }
    if (rc != CAUSAL_ENOMEM)
      fail_msg("allocation failure at #%ld returned %d (%s), not ENOMEM: %s",
               k, rc, causal_strerror(rc), causal_last_error());
  }
  fail_msg("cz_oom_sweep: no successful run after 100000 allocations");
}

/* Path of a file under tests/ (CZ_TEST_DIR is set by meson). */
static inline const char *cz_test_path(const char *rel) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", CZ_TEST_DIR, rel);
  return buf;
}

#endif
