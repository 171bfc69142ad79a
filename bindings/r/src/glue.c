/* Helpers shared by the R glue files: named-list access, the regression
 * specification built by R/regress.R and R/stream.R, option lists, and
 * handles for results and library-owned buffers. */
#include "glue.h"

#include <string.h>

SEXP crr_list_get(SEXP list, const char *name) {
  SEXP nm = Rf_getAttrib(list, R_NamesSymbol);
  if (nm == R_NilValue)
    return R_NilValue;
  for (R_xlen_t i = 0; i < Rf_xlength(list); i++)
    if (strcmp(CHAR(STRING_ELT(nm, i)), name) == 0)
      return VECTOR_ELT(list, i);
  return R_NilValue;
}

const char *crr_str_at(SEXP x, R_xlen_t i, const char *what) {
  SEXP c = STRING_ELT(x, i);
  if (c == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL, "%s %d is NA", what, (int)i + 1);
  return Rf_translateCharUTF8(c);
}

void crr_options_read(SEXP spec, crr_options *o) {
  SEXP ik = crr_list_get(spec, "int_keys"), iv = crr_list_get(spec, "int_values");
  SEXP dk = crr_list_get(spec, "dbl_keys"), dv = crr_list_get(spec, "dbl_values");
  if (TYPEOF(ik) != INTSXP || TYPEOF(iv) != REALSXP ||
      Rf_xlength(ik) != Rf_xlength(iv) || TYPEOF(dk) != INTSXP ||
      TYPEOF(dv) != REALSXP || Rf_xlength(dk) != Rf_xlength(dv))
    crr_stop_msg(CAUSAL_EINVAL, "options must be integer keys and values");
  o->nint = Rf_xlength(ik);
  o->int_keys = INTEGER(ik);
  o->int_values = REAL(iv);
  o->ndbl = Rf_xlength(dk);
  o->dbl_keys = INTEGER(dk);
  o->dbl_values = REAL(dv);
}

int64_t crr_option_int(const crr_options *o, R_xlen_t i) {
  double v = o->int_values[i];
  if (!(v == (double)(int64_t)v))
    crr_stop_msg(CAUSAL_EINVAL, "option %d needs a whole number",
                 o->int_keys[i]);
  return (int64_t)v;
}

/* ---- the regression specification ---- */

/* Call add(m, s) for every string of spec$field (NULL or character). */
static void add_each(causal_regress *m, SEXP spec, const char *field,
                     int (*add)(causal_regress *, const char *)) {
  SEXP v = crr_list_get(spec, field);
  if (v == R_NilValue)
    return;
  if (TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  for (R_xlen_t i = 0; i < Rf_xlength(v); i++)
    CRR_TRY(add(m, crr_str_at(v, i, field)));
}

static void set_one(causal_regress *m, SEXP spec, const char *field,
                    int (*set)(causal_regress *, const char *)) {
  SEXP v = crr_list_get(spec, field);
  if (v == R_NilValue)
    return;
  CRR_TRY(set(m, crr_string(v, field)));
}

static void regress_finalize(SEXP p) {
  causal_regress_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

SEXP crr_regress_handle(void) {
  return crr_handle("causal_regress", regress_finalize, R_NilValue, NULL);
}

void crr_regress_spec(causal_regress *m, SEXP spec) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  set_one(m, spec, "outcome", causal_regress_set_outcome);
  add_each(m, spec, "terms", causal_regress_add_term);
  CRR_TRY(causal_regress_set_intercept(
      m, crr_bool(crr_list_get(spec, "intercept"), "intercept")));
  SEXP rc = crr_list_get(spec, "ref_cols"), rl = crr_list_get(spec, "ref_levels");
  if (rc != R_NilValue) {
    if (TYPEOF(rc) != STRSXP || TYPEOF(rl) != STRSXP ||
        Rf_xlength(rc) != Rf_xlength(rl))
      crr_stop_msg(CAUSAL_EINVAL, "reference must be character");
    for (R_xlen_t i = 0; i < Rf_xlength(rc); i++)
      CRR_TRY(causal_regress_set_reference(
          m, crr_str_at(rc, i, "reference"),
          crr_str_at(rl, i, "reference level")));
  }
  set_one(m, spec, "weights", causal_regress_set_weights);
  set_one(m, spec, "offset", causal_regress_set_offset);
  add_each(m, spec, "cluster", causal_regress_add_cluster);
  add_each(m, spec, "absorb", causal_regress_add_absorb);
  add_each(m, spec, "endog", causal_regress_add_endogenous);
  add_each(m, spec, "instruments", causal_regress_add_instrument);
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_regress_set_int(m, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_regress_set_double(m, o.dbl_keys[i], o.dbl_values[i]));
}

/* ---- results and buffers ---- */

static void result_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

SEXP crr_result_handle(void) {
  return crr_handle("causal_result", result_finalize, R_NilValue, NULL);
}

SEXP crr_result_take(SEXP hr, causal_result *r) {
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(crr_result_entries(r));
  causal_result_free(r);
  R_ClearExternalPtr(hr);
  UNPROTECT(1);
  return out;
}

static void buffer_finalize(SEXP p) {
  causal_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

SEXP crr_buffer_handle(void) {
  return crr_handle("causal_buffer", buffer_finalize, R_NilValue, NULL);
}

SEXP crr_raw_take(SEXP hb, uint8_t *buf, size_t len) {
  R_SetExternalPtrAddr(hb, buf);
  SEXP out = PROTECT(Rf_allocVector(RAWSXP, (R_xlen_t)len));
  if (len > 0)
    memcpy(RAW(out), buf, len);
  causal_free(buf);
  R_ClearExternalPtr(hb);
  UNPROTECT(2);
  return out;
}
