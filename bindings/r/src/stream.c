/* Out-of-core regression (include/causal/regress.h, "Out-of-core"): the
 * causal_regress_acc handle, its passes, merges and serialization. The R
 * code (R/stream.R) checks the arguments, converts chunks to datasets and
 * drives the passes. */
#include "glue.h"

#include <string.h>

#define ACC_TAG "causal_regress_acc"
#define ACC_CLASS "causal_regress_acc"
#define DS_TAG "causal_dataset"

static void acc_finalize(SEXP p) {
  causal_regress_acc_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* ---- the accumulator ---- */

/* schema: a causal_dataset; family: 1 ols, 2 logit; spec: the list layout
 * of R/regress.R's .regress, built by R/stream.R's .acc_spec (see
 * crr_regress_spec). */
SEXP C_regress_acc_new(SEXP schema, SEXP family, SEXP spec) {
  causal_dataset *ds = crr_get(schema, DS_TAG);
  int fam = crr_int(family, "family");
  SEXP hm = crr_regress_handle();
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, fam));
  R_SetExternalPtrAddr(hm, m);
  crr_regress_spec(m, spec);
  SEXP h = crr_handle(ACC_TAG, acc_finalize, R_NilValue, ACC_CLASS);
  causal_regress_acc *acc = NULL;
  CRR_TRY(causal_regress_acc_new(&acc, m, ds));
  R_SetExternalPtrAddr(h, acc);
  /* The accumulator keeps its own copy of the specification. */
  causal_regress_free(m);
  R_ClearExternalPtr(hm);
  UNPROTECT(2);
  return h;
}

SEXP C_regress_acc_clone(SEXP x) {
  causal_regress_acc *src = crr_get(x, ACC_TAG);
  SEXP h = crr_handle(ACC_TAG, acc_finalize, R_NilValue, ACC_CLASS);
  causal_regress_acc *acc = NULL;
  CRR_TRY(causal_regress_acc_clone(&acc, src));
  R_SetExternalPtrAddr(h, acc);
  UNPROTECT(1);
  return h;
}

SEXP C_regress_acc_update(SEXP x, SEXP chunk) {
  causal_regress_acc *acc = crr_get(x, ACC_TAG);
  causal_dataset *ds = crr_get(chunk, DS_TAG);
  CRR_TRY(causal_regress_acc_update(acc, ds));
  return R_NilValue;
}

SEXP C_regress_acc_merge(SEXP dst, SEXP src) {
  causal_regress_acc *d = crr_get(dst, ACC_TAG);
  causal_regress_acc *s = crr_get(src, ACC_TAG);
  CRR_TRY(causal_regress_acc_merge(d, s));
  return R_NilValue;
}

SEXP C_regress_acc_next_pass(SEXP x) {
  CRR_TRY(causal_regress_acc_next_pass(crr_get(x, ACC_TAG)));
  return R_NilValue;
}

/* c(pass, converged) as doubles. */
SEXP C_regress_acc_state(SEXP x) {
  causal_regress_acc *acc = crr_get(x, ACC_TAG);
  int64_t pass = 0;
  int done = 0;
  CRR_TRY(causal_regress_acc_pass(acc, &pass));
  CRR_TRY(causal_regress_acc_converged(acc, &done));
  SEXP out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = (double)pass;
  REAL(out)[1] = done ? 1.0 : 0.0;
  UNPROTECT(1);
  return out;
}

SEXP C_regress_acc_fit(SEXP x) {
  causal_regress_acc *acc = crr_get(x, ACC_TAG);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_regress_acc_fit(&r, acc));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

SEXP C_regress_acc_serialize(SEXP x) {
  causal_regress_acc *acc = crr_get(x, ACC_TAG);
  /* Owned by an external pointer until copied, so an allocation failure
   * in R cannot leak it. */
  SEXP hb = crr_buffer_handle();
  uint8_t *buf = NULL;
  size_t len = 0;
  CRR_TRY(causal_regress_acc_serialize(acc, &buf, &len));
  return crr_raw_take(hb, buf, len);
}

SEXP C_regress_acc_deserialize(SEXP raw) {
  if (TYPEOF(raw) != RAWSXP)
    crr_stop_msg(CAUSAL_EINVAL, "causal_acc_from_raw: x must be a raw "
                                "vector");
  SEXP h = crr_handle(ACC_TAG, acc_finalize, R_NilValue, ACC_CLASS);
  causal_regress_acc *acc = NULL;
  CRR_TRY(
      causal_regress_acc_deserialize(&acc, RAW(raw), (size_t)Rf_xlength(raw)));
  R_SetExternalPtrAddr(h, acc);
  UNPROTECT(1);
  return h;
}
