/* Matching (include/causal/match.h). The R code (R/match.R) checks the
 * arguments and converts the data; this glue builds the causal_match
 * specification and runs fit (mode 0), effect (1) or the Abadie–Imbens
 * estimator (2). */
#include "glue.h"

#define DS_TAG "causal_dataset"

static void match_finalize(SEXP p) {
  causal_match_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void add_all(causal_match *m, SEXP spec, const char *field,
                    int (*add)(causal_match *, const char *)) {
  SEXP v = crr_list_get(spec, field);
  if (v == R_NilValue)
    return;
  if (TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  for (R_xlen_t i = 0; i < Rf_xlength(v); i++)
    CRR_TRY(add(m, crr_str_at(v, i, field)));
}

/* spec: named list (treatment, outcome, score, covariates, mahalanobis,
 * exact, int_keys, int_values, dbl_keys, dbl_values); mode 0/1/2. */
SEXP C_match_run(SEXP data, SEXP spec, SEXP mode) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  int md = crr_int(mode, "mode");
  SEXP hm = crr_handle("causal_match", match_finalize, R_NilValue, NULL);
  causal_match *m = NULL;
  CRR_TRY(causal_match_new(&m));
  R_SetExternalPtrAddr(hm, m);
  static const struct {
    const char *field;
    int (*set)(causal_match *, const char *);
  } roles[] = {{"treatment", causal_match_set_treatment},
               {"outcome", causal_match_set_outcome},
               {"score", causal_match_set_score}};
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
    SEXP v = crr_list_get(spec, roles[i].field);
    if (v != R_NilValue)
      CRR_TRY(roles[i].set(m, crr_string(v, roles[i].field)));
  }
  add_all(m, spec, "covariates", causal_match_add_covariate);
  add_all(m, spec, "mahalanobis", causal_match_add_mahalanobis);
  add_all(m, spec, "exact", causal_match_add_exact);
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_match_set_int(m, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_match_set_double(m, o.dbl_keys[i], o.dbl_values[i]));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  if (md == 0)
    CRR_TRY(causal_match_fit(&r, m, ds));
  else if (md == 1)
    CRR_TRY(causal_match_effect(&r, m, ds));
  else
    CRR_TRY(causal_match_ai(&r, m, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_match_free(m);
  R_ClearExternalPtr(hm);
  UNPROTECT(3);
  return out;
}
