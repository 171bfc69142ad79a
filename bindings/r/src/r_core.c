/* Version, status text and a counting allocator for the leak tests. */
#include "glue.h"

#include <stdlib.h>

SEXP C_version(void) {
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 3));
  SET_VECTOR_ELT(out, 0, Rf_mkString(causal_version_string()));
  SET_VECTOR_ELT(out, 1, Rf_ScalarInteger(causal_version_number()));
  SET_VECTOR_ELT(out, 2, Rf_ScalarInteger(CAUSAL_VERSION_NUMBER));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 3));
  SET_STRING_ELT(nm, 0, Rf_mkChar("string"));
  SET_STRING_ELT(nm, 1, Rf_mkChar("number"));
  SET_STRING_ELT(nm, 2, Rf_mkChar("header_number"));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}

SEXP C_strerror(SEXP status) {
  return Rf_mkString(causal_strerror(crr_int(status, "status")));
}

/* Counting allocator used by the tests (internal, not exported): every
 * block libcausal allocates while it is installed is counted, and frees
 * are counted whatever thread-allocator setting is current later, since
 * each object remembers its allocator. fail_after >= 0 makes allocation
 * number fail_after + 1 onwards return NULL (out-of-memory injection).
 * The counter is static because objects keep pointing at it after the
 * allocator is uninstalled; it is only touched from R's main thread. */
typedef struct {
  double live;
  double total;
  double fail_after;
} crr_counter;

static crr_counter counter = {0, 0, -1};

static void *count_malloc(void *opaque, size_t size) {
  crr_counter *c = opaque;
  if (c->fail_after >= 0 && c->total >= c->fail_after)
    return NULL;
  void *p = malloc(size);
  if (p != NULL) {
    c->live += 1;
    c->total += 1;
  }
  return p;
}

static void count_free(void *opaque, void *ptr) {
  crr_counter *c = opaque;
  if (ptr != NULL) {
    c->live -= 1;
    free(ptr);
  }
}

SEXP C_alloc_track(SEXP on, SEXP fail_after) {
  if (crr_bool(on, "on")) {
    counter.total = 0;
    counter.fail_after = crr_double(fail_after, "fail_after");
    CRR_TRY(causal_set_thread_allocator(count_malloc, count_free, &counter));
  } else {
    CRR_TRY(causal_set_thread_allocator(NULL, NULL, NULL));
  }
  return R_NilValue;
}

SEXP C_alloc_count(void) {
  SEXP out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = counter.live;
  REAL(out)[1] = counter.total;
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_STRING_ELT(nm, 0, Rf_mkChar("live"));
  SET_STRING_ELT(nm, 1, Rf_mkChar("total"));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}
