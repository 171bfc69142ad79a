/* Regression (include/causal/regress.h): fit a specification on a dataset
 * and Wald tests. The R code (R/regress.R) parses formulas and checks the
 * arguments; this glue only builds the causal_regress handle. */
#include "glue.h"

#include <string.h>

#define DS_TAG "causal_dataset"

/* data: a causal_dataset handle; family: 1 ols, 2 logit, 3 iv; spec: a
 * named list (outcome, terms, intercept, ref_cols, ref_levels, weights,
 * offset, cluster, absorb, endog, instruments, int_keys, int_values,
 * dbl_keys, dbl_values). Returns the result's plain-list form. */
SEXP C_regress_fit(SEXP data, SEXP family, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  int fam = crr_int(family, "family");
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  SEXP hm = crr_regress_handle();
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, fam));
  R_SetExternalPtrAddr(hm, m);
  crr_regress_spec(m, spec);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_regress_fit(&r, m, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
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
    tn[j] = crr_str_at(terms, (R_xlen_t)j, "term");
  SEXP hf = crr_result_handle();
  causal_result *fit = NULL;
  CRR_TRY(causal_result_new(&fit, "fit"));
  R_SetExternalPtrAddr(hf, fit);
  const double *t = REAL(table);
  CRR_TRY(causal_result_set_table(fit, "coef", tn, k, t, t + k, t + 2 * k,
                                  t + 3 * k, t + 4 * k, t + 5 * k));
  CRR_TRY(causal_result_set_matrix(fit, "vcov", REAL(vcov), k, k, tn, tn));
  CRR_TRY(causal_result_set_scalar(fit, "df", dfv));
  SEXP hr = crr_result_handle();
  causal_result *w = NULL;
  CRR_TRY(causal_regress_wald(&w, fit, REAL(R), q, rk, rv));
  SEXP out = PROTECT(crr_result_take(hr, w));
  causal_result_free(fit);
  R_ClearExternalPtr(hf);
  UNPROTECT(3);
  return out;
}
