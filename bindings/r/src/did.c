/* Difference-in-differences (include/causal/did.h) and the Breusch-Pagan
 * test (causal_regress_breusch_pagan). The R code (R/did.R) checks the
 * arguments and converts the data; this glue builds the specifications. */
#include "glue.h"

#include <string.h>

#define DS_TAG "causal_dataset"

static void did_finalize(SEXP p) {
  causal_did_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* A character vector field of spec (NULL -> length 0). */
static SEXP strings(SEXP spec, const char *field) {
  SEXP v = crr_list_get(spec, field);
  if (v != R_NilValue && TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  return v;
}

/* data: a causal_dataset; spec: a named list (design, outcome, unit, time,
 * treatment, cohort, group, post, weights, placebo_outcome, terms,
 * cluster, int_keys, int_values, dbl_keys, dbl_values). */
SEXP C_did_fit(SEXP data, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  int design = crr_int(crr_list_get(spec, "design"), "design");
  SEXP hd = crr_handle("causal_did", did_finalize, R_NilValue, NULL);
  causal_did *d = NULL;
  CRR_TRY(causal_did_new(&d, design));
  R_SetExternalPtrAddr(hd, d);
  static const struct {
    const char *field;
    int (*set)(causal_did *, const char *);
  } roles[] = {{"outcome", causal_did_set_outcome},
               {"unit", causal_did_set_unit},
               {"time", causal_did_set_time},
               {"treatment", causal_did_set_treatment},
               {"cohort", causal_did_set_cohort},
               {"group", causal_did_set_group},
               {"post", causal_did_set_post},
               {"weights", causal_did_set_weights}};
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
    SEXP v = crr_list_get(spec, roles[i].field);
    if (v != R_NilValue)
      CRR_TRY(roles[i].set(d, crr_string(v, roles[i].field)));
  }
  SEXP terms = strings(spec, "terms"), cl = strings(spec, "cluster");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_did_add_term(d, crr_str_at(terms, i, "term")));
  for (R_xlen_t i = 0; i < Rf_xlength(cl); i++)
    CRR_TRY(causal_did_add_cluster(d, crr_str_at(cl, i, "cluster")));
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_did_set_int(d, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_did_set_double(d, o.dbl_keys[i], o.dbl_values[i]));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  SEXP po = crr_list_get(spec, "placebo_outcome");
  if (po == R_NilValue)
    CRR_TRY(causal_did_fit(&r, d, ds));
  else
    CRR_TRY(
        causal_did_fit_outcome(&r, d, ds, crr_string(po, "placebo_outcome")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_did_free(d);
  R_ClearExternalPtr(hd);
  UNPROTECT(3);
  return out;
}

/* Breusch-Pagan: spec (outcome, terms, intercept, weights, absorb,
 * ref_cols, ref_levels) is the OLS model; aux the auxiliary terms
 * (character, may be empty); studentize TRUE/FALSE. */
SEXP C_regress_bptest(SEXP data, SEXP spec, SEXP aux, SEXP studentize) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  if (TYPEOF(aux) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "aux must be character");
  int stud = crr_bool(studentize, "studentize");
  SEXP hm = crr_regress_handle();
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  R_SetExternalPtrAddr(hm, m);
  CRR_TRY(causal_regress_set_outcome(
      m, crr_string(crr_list_get(spec, "outcome"), "outcome")));
  SEXP terms = strings(spec, "terms"), ab = strings(spec, "absorb");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_regress_add_term(m, crr_str_at(terms, i, "term")));
  for (R_xlen_t i = 0; i < Rf_xlength(ab); i++)
    CRR_TRY(causal_regress_add_absorb(m, crr_str_at(ab, i, "absorb")));
  CRR_TRY(causal_regress_set_intercept(
      m, crr_bool(crr_list_get(spec, "intercept"), "intercept")));
  SEXP w = crr_list_get(spec, "weights");
  if (w != R_NilValue)
    CRR_TRY(causal_regress_set_weights(m, crr_string(w, "weights")));
  SEXP rc = strings(spec, "ref_cols"), rl = strings(spec, "ref_levels");
  if (Rf_xlength(rc) != Rf_xlength(rl))
    crr_stop_msg(CAUSAL_EINVAL, "reference must be named levels");
  for (R_xlen_t i = 0; i < Rf_xlength(rc); i++)
    CRR_TRY(causal_regress_set_reference(m, crr_str_at(rc, i, "reference"),
                                         crr_str_at(rl, i, "reference level")));
  size_t na = (size_t)Rf_xlength(aux);
  const char **an = (const char **)R_alloc(na + 1, sizeof(char *));
  for (size_t j = 0; j < na; j++)
    an[j] = crr_str_at(aux, (R_xlen_t)j, "aux term");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_regress_breusch_pagan(&r, m, ds, na ? an : NULL, na, stud));
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_regress_free(m);
  R_ClearExternalPtr(hm);
  UNPROTECT(3);
  return out;
}
