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

static void regress_finalize(SEXP p) {
  causal_regress_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void result_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

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

/* A character vector field of spec (NULL -> length 0). */
static SEXP strings(SEXP spec, const char *field) {
  SEXP v = list_get(spec, field);
  if (v != R_NilValue && TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  return v;
}

/* The result handle's plain-list form; frees it. hr is PROTECTed. */
static SEXP entries_and_free(SEXP hr, causal_result *r) {
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(crr_result_entries(r));
  causal_result_free(r);
  R_ClearExternalPtr(hr);
  UNPROTECT(1);
  return out;
}

/* data: a causal_dataset; spec: a named list (design, outcome, unit, time,
 * treatment, cohort, group, post, weights, placebo_outcome, terms,
 * cluster, int_keys, int_values, dbl_keys, dbl_values). */
SEXP C_did_fit(SEXP data, SEXP spec) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  int design = crr_int(list_get(spec, "design"), "design");
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
    SEXP v = list_get(spec, roles[i].field);
    if (v != R_NilValue)
      CRR_TRY(roles[i].set(d, crr_string(v, roles[i].field)));
  }
  SEXP terms = strings(spec, "terms"), cl = strings(spec, "cluster");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_did_add_term(d, str_at(terms, i, "term")));
  for (R_xlen_t i = 0; i < Rf_xlength(cl); i++)
    CRR_TRY(causal_did_add_cluster(d, str_at(cl, i, "cluster")));
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
    CRR_TRY(causal_did_set_int(d, INTEGER(ik)[i], (int64_t)v));
  }
  for (R_xlen_t i = 0; i < Rf_xlength(dk); i++)
    CRR_TRY(causal_did_set_double(d, INTEGER(dk)[i], REAL(dv)[i]));
  SEXP hr = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  SEXP po = list_get(spec, "placebo_outcome");
  if (po == R_NilValue)
    CRR_TRY(causal_did_fit(&r, d, ds));
  else
    CRR_TRY(
        causal_did_fit_outcome(&r, d, ds, crr_string(po, "placebo_outcome")));
  SEXP out = PROTECT(entries_and_free(hr, r));
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
  SEXP hm = crr_handle("causal_regress", regress_finalize, R_NilValue, NULL);
  causal_regress *m = NULL;
  CRR_TRY(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  R_SetExternalPtrAddr(hm, m);
  CRR_TRY(causal_regress_set_outcome(
      m, crr_string(list_get(spec, "outcome"), "outcome")));
  SEXP terms = strings(spec, "terms"), ab = strings(spec, "absorb");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_regress_add_term(m, str_at(terms, i, "term")));
  for (R_xlen_t i = 0; i < Rf_xlength(ab); i++)
    CRR_TRY(causal_regress_add_absorb(m, str_at(ab, i, "absorb")));
  CRR_TRY(causal_regress_set_intercept(
      m, crr_bool(list_get(spec, "intercept"), "intercept")));
  SEXP w = list_get(spec, "weights");
  if (w != R_NilValue)
    CRR_TRY(causal_regress_set_weights(m, crr_string(w, "weights")));
  SEXP rc = strings(spec, "ref_cols"), rl = strings(spec, "ref_levels");
  if (Rf_xlength(rc) != Rf_xlength(rl))
    crr_stop_msg(CAUSAL_EINVAL, "reference must be named levels");
  for (R_xlen_t i = 0; i < Rf_xlength(rc); i++)
    CRR_TRY(causal_regress_set_reference(m, str_at(rc, i, "reference"),
                                         str_at(rl, i, "reference level")));
  size_t na = (size_t)Rf_xlength(aux);
  const char **an = (const char **)R_alloc(na + 1, sizeof(char *));
  for (size_t j = 0; j < na; j++)
    an[j] = str_at(aux, (R_xlen_t)j, "aux term");
  SEXP hr = crr_handle("causal_result", result_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_regress_breusch_pagan(&r, m, ds, na ? an : NULL, na, stud));
  SEXP out = PROTECT(entries_and_free(hr, r));
  causal_regress_free(m);
  R_ClearExternalPtr(hm);
  UNPROTECT(3);
  return out;
}
