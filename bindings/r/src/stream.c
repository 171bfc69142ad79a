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

static void regress_finalize(SEXP p) {
  causal_regress_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void result_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void buf_finalize(SEXP p) {
  causal_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* ---- the specification (the list layout of R/regress.R's .regress, built
 * by R/stream.R's .acc_spec) ---- */

static SEXP list_get(SEXP list, const char *name) {
  SEXP nm = Rf_getAttrib(list, R_NamesSymbol);
  if (nm == R_NilValue)
    return R_NilValue;
  for (R_xlen_t i = 0; i < Rf_xlength(list); i++)
    if (strcmp(CHAR(STRING_ELT(nm, i)), name) == 0)
      return VECTOR_ELT(list, i);
  return R_NilValue;
}

static const char *str_at(SEXP x, R_xlen_t i, const char *what) {
  SEXP c = STRING_ELT(x, i);
  if (c == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL, "%s %d is NA", what, (int)i + 1);
  return Rf_translateCharUTF8(c);
}

static void add_each(causal_regress *m, SEXP spec, const char *field,
                     int (*add)(causal_regress *, const char *)) {
  SEXP v = list_get(spec, field);
  if (v == R_NilValue)
    return;
  if (TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  for (R_xlen_t i = 0; i < Rf_xlength(v); i++)
    CRR_TRY(add(m, str_at(v, i, field)));
}

static void set_one(causal_regress *m, SEXP spec, const char *field,
                    int (*set)(causal_regress *, const char *)) {
  SEXP v = list_get(spec, field);
  if (v == R_NilValue)
    return;
  CRR_TRY(set(m, crr_string(v, field)));
}

/* Fill the specification m from the R list spec. */
static void spec_fill(causal_regress *m, SEXP spec) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  set_one(m, spec, "outcome", causal_regress_set_outcome);
  add_each(m, spec, "terms", causal_regress_add_term);
  CRR_TRY(causal_regress_set_intercept(
      m, crr_bool(list_get(spec, "intercept"), "intercept")));
  SEXP rc = list_get(spec, "ref_cols"), rl = list_get(spec, "ref_levels");
  if (rc != R_NilValue) {
    if (TYPEOF(rc) != STRSXP || TYPEOF(rl) != STRSXP ||
        Rf_xlength(rc) != Rf_xlength(rl))
      crr_stop_msg(CAUSAL_EINVAL, "reference must be character");
    for (R_xlen_t i = 0; i < Rf_xlength(rc); i++)
      CRR_TRY(causal_regress_set_reference(m, str_at(rc, i, "reference"),
                                           str_at(rl, i, "reference level")));
  }
  set_one(m, spec, "weights", causal_regress_set_weights);
  set_one(m, spec, "offset", causal_regress_set_offset);
  add_each(m, spec, "cluster", causal_regress_add_cluster);
  add_each(m, spec, "absorb", causal_regress_add_absorb);
  SEXP ik = list_get(spec, "int_keys"), iv = list_get(spec, "int_values");
  SEXP dk = list_get(spec, "dbl_keys"), dv = list_get(spec, "dbl_values");
  if (TYPEOF(ik) != INTSXP || TYPEOF(iv) != REALSXP ||
      Rf_xlength(ik) != Rf_xlength(iv) || TYPEOF(dk) != INTSXP ||
      TYPEOF(dv) != REALSXP || Rf_xlength(dk) != Rf_xlength(dv))
    crr_stop_msg(CAUSAL_EINVAL, "options must be integer keys and values");
  for (R_xlen_t i = 0; i < Rf_xlength(ik); i++) {
    double v = REAL(iv)[i];
    if (!(v == (double)(int64_t)v))
      crr_stop_msg(CAUSAL_EINVAL, "option %d needs a whole number",
                   INTEGER(ik)[i]);
    CRR_TRY(causal_regress_set_int(m, INTEGER(ik)[i], (int64_t)v));
  }
  for (R_xlen_t i = 0; i < Rf_xlength(dk); i++)
    CRR_TRY(causal_regress_set_double(m, INTEGER(dk)[i], REAL(dv)[i]));
}

/* ---- the accumulator ---- */

/* schema: a causal_dataset; family: 1 ols, 2 logit; spec: as above. */
SEXP C_regress_acc_new(SEXP schema, SEXP family, SEXP spec) {
  causal_dataset *ds = crr_get(schema, DS_TAG);
  int fam = crr_int(family, "family");
  SEXP hm = crr_handle("causal_regress", regress_finalize, R_NilValue, NULL);
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, fam));
  R_SetExternalPtrAddr(hm, m);
  spec_fill(m, spec);
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
  SEXP hr = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_regress_acc_fit(&r, acc));
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(crr_result_entries(r));
  causal_result_free(r);
  R_ClearExternalPtr(hr);
  UNPROTECT(2);
  return out;
}

SEXP C_regress_acc_serialize(SEXP x) {
  causal_regress_acc *acc = crr_get(x, ACC_TAG);
  /* Owned by an external pointer until copied, so an allocation failure
   * in R cannot leak it. */
  SEXP hb = crr_handle("causal_buffer", buf_finalize, R_NilValue, NULL);
  uint8_t *buf = NULL;
  size_t len = 0;
  CRR_TRY(causal_regress_acc_serialize(acc, &buf, &len));
  R_SetExternalPtrAddr(hb, buf);
  SEXP out = PROTECT(Rf_allocVector(RAWSXP, (R_xlen_t)len));
  if (len > 0)
    memcpy(RAW(out), buf, len);
  causal_free(buf);
  R_ClearExternalPtr(hb);
  UNPROTECT(2);
  return out;
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
