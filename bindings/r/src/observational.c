/* Observational estimators (include/causal/propensity.h, balance.h,
 * weighting.h, sensitivity.h). The R code (R/observational.R) checks the
 * arguments and converts the data; this glue builds the specifications.
 * Specs are named lists: treatment, terms, scores, outcome, outcome_terms,
 * cluster, covariates and the option lists (int_keys/int_values,
 * dbl_keys/dbl_values). */
#include "glue.h"

#define DS_TAG "causal_dataset"

static void ps_finalize(SEXP p) {
  causal_propensity_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}
static void bal_finalize(SEXP p) {
  causal_balance_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}
static void w_finalize(SEXP p) {
  causal_weighting_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static SEXP strings(SEXP spec, const char *field) {
  SEXP v = crr_list_get(spec, field);
  if (v != R_NilValue && TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  return v;
}

/* A propensity spec, held by a PROTECTed handle (caller UNPROTECTs 1). */
static causal_propensity *ps_build(SEXP spec, SEXP *handle) {
  SEXP hp = crr_handle("causal_propensity", ps_finalize, R_NilValue, NULL);
  causal_propensity *p = NULL;
  CRR_TRY(causal_propensity_new(&p));
  R_SetExternalPtrAddr(hp, p);
  CRR_TRY(causal_propensity_set_treatment(
      p, crr_string(crr_list_get(spec, "treatment"), "treatment")));
  SEXP terms = strings(spec, "terms");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_propensity_add_term(p, crr_str_at(terms, i, "term")));
  SEXP sc = crr_list_get(spec, "scores");
  if (sc != R_NilValue)
    CRR_TRY(causal_propensity_set_scores(p, crr_string(sc, "scores")));
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_propensity_set_int(p, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_propensity_set_double(p, o.dbl_keys[i], o.dbl_values[i]));
  *handle = hp;
  return p;
}

SEXP C_propensity_fit(SEXP data, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  SEXP hp;
  causal_propensity *p = ps_build(spec, &hp);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_propensity_fit(&r, p, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(3);
  return out;
}

SEXP C_weighting_fit(SEXP data, SEXP ps_spec, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP || TYPEOF(ps_spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  SEXP hp;
  causal_propensity *p = ps_build(ps_spec, &hp);
  SEXP hw = crr_handle("causal_weighting", w_finalize, R_NilValue, NULL);
  causal_weighting *w = NULL;
  CRR_TRY(causal_weighting_new(&w));
  R_SetExternalPtrAddr(hw, w);
  CRR_TRY(causal_weighting_set_outcome(
      w, crr_string(crr_list_get(spec, "outcome"), "outcome")));
  SEXP ot = strings(spec, "outcome_terms");
  for (R_xlen_t i = 0; i < Rf_xlength(ot); i++)
    CRR_TRY(causal_weighting_add_outcome_term(w, crr_str_at(ot, i, "term")));
  SEXP cl = crr_list_get(spec, "cluster");
  if (cl != R_NilValue)
    CRR_TRY(causal_weighting_set_cluster(w, crr_string(cl, "cluster")));
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_weighting_set_int(w, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_weighting_set_double(w, o.dbl_keys[i], o.dbl_values[i]));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_weighting_fit(&r, w, p, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(4);
  return out;
}

SEXP C_balance(SEXP data, SEXP spec, SEXP weights) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  if (weights != R_NilValue && TYPEOF(weights) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "weights must be numeric (double)");
  SEXP hb = crr_handle("causal_balance", bal_finalize, R_NilValue, NULL);
  causal_balance *b = NULL;
  CRR_TRY(causal_balance_new(&b));
  R_SetExternalPtrAddr(hb, b);
  CRR_TRY(causal_balance_set_treatment(
      b, crr_string(crr_list_get(spec, "treatment"), "treatment")));
  SEXP cv = strings(spec, "covariates");
  for (R_xlen_t i = 0; i < Rf_xlength(cv); i++)
    CRR_TRY(causal_balance_add_covariate(b, crr_str_at(cv, i, "covariate")));
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_balance_set_int(b, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_balance_set_double(b, o.dbl_keys[i], o.dbl_values[i]));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_balance_compute(
      &r, b, ds, weights == R_NilValue ? NULL : REAL(weights),
      weights == R_NilValue ? 0 : (size_t)Rf_xlength(weights)));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(3);
  return out;
}

SEXP C_evalue(SEXP type, SEXP est, SEXP lo, SEXP hi, SEXP se) {
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_evalue(&r, crr_int(type, "type"), crr_double(est, "estimate"),
                        crr_double(lo, "lo"), crr_double(hi, "hi"),
                        crr_double(se, "se")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}
