/* Mergeable moments: handles, zero-copy updates from R matrices, and
 * serialization to raw vectors. */
#include "glue.h"

#include <string.h>

#define MOM_TAG "causal_moments"

static void mom_finalize(SEXP p) {
  causal_moments_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

SEXP C_moments_new(SEXP p_) {
  size_t p = crr_size(p_, "p");
  SEXP h = crr_handle(MOM_TAG, mom_finalize, R_NilValue, "causal_moments");
  causal_moments *m = NULL;
  CRR_TRY(causal_moments_new(&m, p));
  R_SetExternalPtrAddr(h, m);
  UNPROTECT(1);
  return h;
}

SEXP C_moments_clone(SEXP x) {
  causal_moments *src = crr_get(x, MOM_TAG);
  SEXP h = crr_handle(MOM_TAG, mom_finalize, R_NilValue, "causal_moments");
  causal_moments *m = NULL;
  CRR_TRY(causal_moments_clone(&m, src));
  R_SetExternalPtrAddr(h, m);
  UNPROTECT(1);
  return h;
}

SEXP C_moments_nvars(SEXP x) {
  causal_moments *m = crr_get(x, MOM_TAG);
  return Rf_ScalarReal((double)causal_moments_nvars(m));
}

SEXP C_moments_reset(SEXP x) {
  CRR_TRY(causal_moments_reset(crr_get(x, MOM_TAG)));
  return R_NilValue;
}

/* x: double vector (one variable) or double matrix, column-major, read
 * in place through strides. w: NULL or a double vector of nrow(x). */
SEXP C_moments_update(SEXP x, SEXP data, SEXP w) {
  causal_moments *m = crr_get(x, MOM_TAG);
  if (TYPEOF(data) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "causal_moments_update: x must be double");
  size_t n, p;
  SEXP dim = Rf_getAttrib(data, R_DimSymbol);
  if (dim != R_NilValue && Rf_xlength(dim) == 2) {
    n = (size_t)INTEGER(dim)[0];
    p = (size_t)INTEGER(dim)[1];
  } else {
    n = (size_t)Rf_xlength(data);
    p = 1;
  }
  if (p != causal_moments_nvars(m))
    crr_stop_msg(CAUSAL_EDIM,
                 "causal_moments_update: x has %zu columns but the moments "
                 "object has %zu variables",
                 p, causal_moments_nvars(m));
  const double *wv = NULL;
  if (w != R_NilValue) {
    if (TYPEOF(w) != REALSXP || (size_t)Rf_xlength(w) != n)
      crr_stop_msg(CAUSAL_EDIM,
                   "causal_moments_update: w must be a double vector of "
                   "length %zu (rows of x)",
                   n);
    wv = REAL(w);
  }
  if (n == 0)
    return R_NilValue;
  CRR_TRY(causal_moments_update(m, REAL(data), n, 1, n, wv));
  return R_NilValue;
}

SEXP C_moments_merge(SEXP dst, SEXP src) {
  causal_moments *d = crr_get(dst, MOM_TAG);
  causal_moments *s = crr_get(src, MOM_TAG);
  CRR_TRY(causal_moments_merge(d, s));
  return R_NilValue;
}

/* Quantity `what` as a vector of length len (1, p or p*p). */
SEXP C_moments_get(SEXP x, SEXP what_, SEXP len_) {
  causal_moments *m = crr_get(x, MOM_TAG);
  int what = crr_int(what_, "what");
  size_t len = crr_size(len_, "len");
  SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)len));
  CRR_TRY(causal_moments_get(m, what, REAL(out), len));
  UNPROTECT(1);
  return out;
}

SEXP C_moments_serialize(SEXP x) {
  causal_moments *m = crr_get(x, MOM_TAG);
  /* The library's buffer is owned by an external pointer until copied,
   * so an allocation failure in R cannot leak it. */
  SEXP hb = crr_buffer_handle();
  uint8_t *buf = NULL;
  size_t len = 0;
  CRR_TRY(causal_moments_serialize(m, &buf, &len));
  return crr_raw_take(hb, buf, len);
}

SEXP C_moments_deserialize(SEXP raw) {
  if (TYPEOF(raw) != RAWSXP)
    crr_stop_msg(CAUSAL_EINVAL, "causal_moments_from_raw: x must be a raw "
                                "vector");
  SEXP h = crr_handle(MOM_TAG, mom_finalize, R_NilValue, "causal_moments");
  causal_moments *m = NULL;
  CRR_TRY(causal_moments_deserialize(&m, RAW(raw), (size_t)Rf_xlength(raw)));
  R_SetExternalPtrAddr(h, m);
  UNPROTECT(1);
  return h;
}
