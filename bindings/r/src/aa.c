/* AA grouping (include/causal/aa.h): splits, balance reports,
 * randomization inference and the MDE advisor. R/aa.R checks the
 * arguments; this glue builds the causal_aa handle and calls. */
#include "glue.h"

#include <string.h>

#define DS_TAG "causal_dataset"

static void aa_finalize(SEXP p) {
  causal_aa_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* spec: list(k, metrics, id, strata, sizes, int_keys, int_values, dbl_keys,
 * dbl_values). Returns the handle PROTECTed once; *out the causal_aa. */
static SEXP aa_build(SEXP spec, causal_aa **out) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  SEXP h = crr_handle("causal_aa", aa_finalize, R_NilValue, NULL);
  causal_aa *aa = NULL;
  CRR_TRY(causal_aa_new(&aa, (int64_t)crr_double(crr_list_get(spec, "k"), "k")));
  R_SetExternalPtrAddr(h, aa);
  SEXP m = crr_list_get(spec, "metrics");
  if (TYPEOF(m) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "metrics must be character");
  for (R_xlen_t i = 0; i < Rf_xlength(m); i++) {
    if (STRING_ELT(m, i) == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "metric %d is NA", (int)i + 1);
    CRR_TRY(causal_aa_add_metric(aa, Rf_translateCharUTF8(STRING_ELT(m, i))));
  }
  SEXP v = crr_list_get(spec, "id");
  if (v != R_NilValue)
    CRR_TRY(causal_aa_set_id(aa, crr_string(v, "id")));
  v = crr_list_get(spec, "strata");
  if (v != R_NilValue)
    CRR_TRY(causal_aa_set_strata(aa, crr_string(v, "strata")));
  v = crr_list_get(spec, "sizes");
  if (v != R_NilValue) {
    if (TYPEOF(v) != REALSXP)
      crr_stop_msg(CAUSAL_EINVAL, "sizes must be numeric");
    R_xlen_t k = Rf_xlength(v);
    int64_t *s = (int64_t *)R_alloc((size_t)k + 1, sizeof *s);
    for (R_xlen_t g = 0; g < k; g++)
      s[g] = (int64_t)REAL(v)[g];
    CRR_TRY(causal_aa_set_sizes(aa, s, (size_t)k));
  }
  SEXP ik = crr_list_get(spec, "int_keys"), iv = crr_list_get(spec, "int_values");
  SEXP dk = crr_list_get(spec, "dbl_keys"), dv = crr_list_get(spec, "dbl_values");
  if (TYPEOF(ik) != INTSXP || TYPEOF(iv) != REALSXP ||
      Rf_xlength(ik) != Rf_xlength(iv) || TYPEOF(dk) != INTSXP ||
      TYPEOF(dv) != REALSXP || Rf_xlength(dk) != Rf_xlength(dv))
    crr_stop_msg(CAUSAL_EINVAL, "malformed option lists");
  for (R_xlen_t i = 0; i < Rf_xlength(ik); i++)
    CRR_TRY(causal_aa_set_int(aa, INTEGER(ik)[i], (int64_t)REAL(iv)[i]));
  for (R_xlen_t i = 0; i < Rf_xlength(dk); i++)
    CRR_TRY(causal_aa_set_double(aa, INTEGER(dk)[i], REAL(dv)[i]));
  *out = aa;
  return h;
}

static int64_t *aa_groups(SEXP group, size_t *n) {
  if (TYPEOF(group) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "group must be numeric");
  *n = (size_t)Rf_xlength(group);
  int64_t *g = (int64_t *)R_alloc(*n + 1, sizeof *g);
  for (size_t i = 0; i < *n; i++) {
    double x = REAL(group)[i];
    if (ISNAN(x))
      crr_stop_msg(CAUSAL_EINVAL, "group[%d] is NA", (int)i + 1);
    g[i] = (int64_t)x;
  }
  return g;
}

/* what: 1 split, 2 balance, 3 randinf. */
SEXP C_aa_run(SEXP data, SEXP spec, SEXP what, SEXP group, SEXP y, SEXP draws) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  causal_aa *aa = NULL;
  SEXP h = aa_build(spec, &aa);
  int w = crr_int(what, "what");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  if (w == 1) {
    CRR_TRY(causal_aa_split(&r, aa, ds));
  } else {
    size_t n;
    int64_t *g = aa_groups(group, &n);
    if (w == 2) {
      CRR_TRY(causal_aa_balance(&r, aa, ds, g, n));
    } else {
      if (TYPEOF(y) != REALSXP)
        crr_stop_msg(CAUSAL_EINVAL, "y must be numeric");
      CRR_TRY(causal_aa_randinf(&r, aa, ds, g, n, REAL(y),
                                (size_t)Rf_xlength(y),
                                (int64_t)crr_double(draws, "draws")));
    }
  }
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_aa_free(aa);
  R_ClearExternalPtr(h);
  UNPROTECT(3);
  return out;
}

SEXP C_aa_mde(SEXP variance, SEXP sizes, SEXP alpha, SEXP power, SEXP r2,
              SEXP ncov, SEXP p_accept) {
  if (TYPEOF(variance) != REALSXP || TYPEOF(sizes) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "variance and sizes must be numeric");
  size_t k = (size_t)Rf_xlength(sizes);
  int64_t *s = (int64_t *)R_alloc(k + 1, sizeof *s);
  for (size_t g = 0; g < k; g++)
    s[g] = (int64_t)REAL(sizes)[g];
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_aa_mde(&r, REAL(variance), (size_t)Rf_xlength(variance), s, k,
                        crr_double(alpha, "alpha"), crr_double(power, "power"),
                        crr_double(r2, "r2"), (int64_t)crr_double(ncov, "ncov"),
                        crr_double(p_accept, "p_accept")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}
