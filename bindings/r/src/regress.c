/* Regression (include/causal/regress.h): fit a specification on a dataset
 * and Wald tests. The R code (R/regress.R) parses formulas and checks the
 * arguments; this glue only builds the causal_regress handle. */
#include "glue.h"

#include <string.h>

#define DS_TAG "causal_dataset"

static void regress_finalize(SEXP p) {
  causal_regress_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void result_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* The element `name` of a named list, or R_NilValue. */
static SEXP list_get(SEXP list, const char *name) {
  SEXP nm = Rf_getAttrib(list, R_NamesSymbol);
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

/* Call add(m, s) for every string of spec$field (NULL or character). */
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

/* data: a causal_dataset handle; family: 1 ols, 2 logit, 3 iv; spec: a
 * named list (outcome, terms, intercept, ref_cols, ref_levels, weights,
 * offset, cluster, absorb, endog, instruments, int_keys, int_values,
 * dbl_keys, dbl_values). Returns the result's plain-list form. */
SEXP C_regress_fit(SEXP data, SEXP family, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  int fam = crr_int(family, "family");
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  SEXP hm = crr_handle("causal_regress", regress_finalize, R_NilValue, NULL);
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, fam));
  R_SetExternalPtrAddr(hm, m);
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
  add_each(m, spec, "endog", causal_regress_add_endogenous);
  add_each(m, spec, "instruments", causal_regress_add_instrument);
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
  SEXP hr = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_regress_fit(&r, m, ds));
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(crr_result_entries(r));
  causal_result_free(r);
  R_ClearExternalPtr(hr);
  causal_regress_free(m);
  R_ClearExternalPtr(hm);
  UNPROTECT(3);
  return out;
}

/* Wald test on the parts of a fit the test reads: terms, the k x 6 table
 * values (column-major), the k x k vcov, df; R is q x k (column-major),
 * rhs NULL or q values. Returns the plain-list result. */
SEXP C_regress_wald(SEXP terms, SEXP table, SEXP vcov, SEXP df, SEXP R,
                    SEXP rhs) {
  if (TYPEOF(terms) != STRSXP || TYPEOF(table) != REALSXP ||
      TYPEOF(vcov) != REALSXP || TYPEOF(R) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "wald: malformed fit or R");
  size_t k = (size_t)Rf_xlength(terms);
  if ((size_t)Rf_xlength(table) != 6 * k || (size_t)Rf_xlength(vcov) != k * k)
    crr_stop_msg(CAUSAL_EDIM, "wald: the fit's coef and vcov do not match");
  SEXP dim = Rf_getAttrib(R, R_DimSymbol);
  if (TYPEOF(dim) != INTSXP || Rf_xlength(dim) != 2)
    crr_stop_msg(CAUSAL_EINVAL, "wald: R must be a matrix");
  size_t q = (size_t)INTEGER(dim)[0], rk = (size_t)INTEGER(dim)[1];
  const double *rv = NULL;
  if (rhs != R_NilValue) {
    if (TYPEOF(rhs) != REALSXP || (size_t)Rf_xlength(rhs) != q)
      crr_stop_msg(CAUSAL_EDIM, "wald: rhs needs %zu values", q);
    rv = REAL(rhs);
  }
  double dfv = crr_double(df, "df");
  const char **tn = (const char **)R_alloc(k + 1, sizeof(char *));
  for (size_t j = 0; j < k; j++)
    tn[j] = str_at(terms, (R_xlen_t)j, "term");
  SEXP hf = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *fit = NULL;
  CRR_TRY(causal_result_new(&fit, "fit"));
  R_SetExternalPtrAddr(hf, fit);
  const double *t = REAL(table);
  CRR_TRY(causal_result_set_table(fit, "coef", tn, k, t, t + k, t + 2 * k,
                                  t + 3 * k, t + 4 * k, t + 5 * k));
  CRR_TRY(causal_result_set_matrix(fit, "vcov", REAL(vcov), k, k, tn, tn));
  CRR_TRY(causal_result_set_scalar(fit, "df", dfv));
  SEXP hr = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *w = NULL;
  CRR_TRY(causal_regress_wald(&w, fit, REAL(R), q, rk, rv));
  R_SetExternalPtrAddr(hr, w);
  SEXP out = PROTECT(crr_result_entries(w));
  causal_result_free(w);
  R_ClearExternalPtr(hr);
  causal_result_free(fit);
  R_ClearExternalPtr(hf);
  UNPROTECT(3);
  return out;
}
