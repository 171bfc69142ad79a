/* Fusion of randomized and observational estimates
 * (include/causal/fusion.h). R/fusion.R checks and names the arguments;
 * this glue converts and calls. */
#include "glue.h"

#define FU_TAG "causal_fusion"

static void fu_finalize(SEXP p) {
  causal_fusion_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static const double *fu_doubles(SEXP x, const char *what, size_t *n) {
  if (x == R_NilValue) {
    *n = 0;
    return NULL;
  }
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a double vector", what);
  *n = (size_t)Rf_xlength(x);
  return REAL(x);
}

/* A fusion spec from list(method, int_keys, int_values, dbl_keys,
 * dbl_values), PROTECTed handle returned in *h. */
static causal_fusion *fu_spec(SEXP spec, SEXP *h) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  int method = crr_int(crr_list_get(spec, "method"), "method");
  *h = crr_handle(FU_TAG, fu_finalize, R_NilValue, NULL);
  causal_fusion *f = NULL;
  CRR_TRY(causal_fusion_new(&f, method));
  R_SetExternalPtrAddr(*h, f);
  crr_options o;
  crr_options_read(spec, &o);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_fusion_set_int(f, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_fusion_set_double(f, o.dbl_keys[i], o.dbl_values[i]));
  return f;
}

static void fu_done(SEXP h, causal_fusion *f) {
  causal_fusion_free(f);
  R_ClearExternalPtr(h);
}

SEXP C_fusion_estimates(SEXP est, SEXP se, SEXP cov, SEXP spec) {
  size_t k = 0, ks = 0, kc = 0;
  const double *y = fu_doubles(est, "est", &k);
  const double *s = fu_doubles(se, "se", &ks);
  const double *c = fu_doubles(cov, "cov", &kc);
  if (s != NULL && ks != k)
    crr_stop_msg(CAUSAL_EDIM, "se has %zu values but est has %zu", ks, k);
  if (c != NULL && kc != k * k)
    crr_stop_msg(CAUSAL_EDIM, "cov has %zu values, expected %zu x %zu", kc,
                 k, k);
  SEXP h;
  causal_fusion *f = fu_spec(spec, &h);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_fusion_estimates(&r, f, y, s, k, c));
  SEXP out = PROTECT(crr_result_take(hr, r));
  fu_done(h, f);
  UNPROTECT(3);
  return out;
}

SEXP C_fusion_curve(SEXP est, SEXP se, SEXP cov, SEXP spec, SEXP grid) {
  size_t k = 0, ks = 0, kc = 0, ng = 0;
  const double *y = fu_doubles(est, "est", &k);
  const double *s = fu_doubles(se, "se", &ks);
  const double *c = fu_doubles(cov, "cov", &kc);
  const double *g = fu_doubles(grid, "bias_variance", &ng);
  if (s != NULL && ks != k)
    crr_stop_msg(CAUSAL_EDIM, "se has %zu values but est has %zu", ks, k);
  if (c != NULL && kc != k * k)
    crr_stop_msg(CAUSAL_EDIM, "cov has %zu values, expected %zu x %zu", kc,
                 k, k);
  SEXP h;
  causal_fusion *f = fu_spec(spec, &h);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_fusion_curve(&r, f, y, s, k, c, g, ng));
  SEXP out = PROTECT(crr_result_take(hr, r));
  fu_done(h, f);
  UNPROTECT(3);
  return out;
}

SEXP C_fusion_strata(SEXP method, SEXP a, SEXP b, SEXP c, SEXP d) {
  size_t K = 0, n1 = 0, n2 = 0, n3 = 0;
  const double *ra = fu_doubles(a, "rct_est", &K);
  const double *rb = fu_doubles(b, "rct_se", &n1);
  const double *oc = fu_doubles(c, "obs_est", &n2);
  const double *od = fu_doubles(d, "obs_se", &n3);
  if (n1 != K || n2 != K || (od != NULL && n3 != K))
    crr_stop_msg(CAUSAL_EDIM, "rct_est, rct_se, obs_est (and obs_se) must "
                              "have the same length");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_fusion_strata(&r, crr_int(method, "method"), ra, rb, oc, od,
                               K));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

#define DS_TAG "causal_dataset"

static SEXP fu_strings(SEXP spec, const char *field) {
  SEXP v = crr_list_get(spec, field);
  if (v != R_NilValue && TYPEOF(v) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be character", field);
  return v;
}

/* Data-level fusion: spec as fu_spec plus outcome, treatment, source,
 * stratum (optional), terms, surrogates; what = 1 fit, 2 transport,
 * 3 surrogate index. */
SEXP C_fusion_data(SEXP data, SEXP spec, SEXP what) {
  causal_dataset *ds = crr_get(data, DS_TAG);
  int w = crr_int(what, "what");
  SEXP h;
  causal_fusion *f = fu_spec(spec, &h);
  static const struct {
    const char *field;
    int (*set)(causal_fusion *, const char *);
  } roles[] = {{"outcome", causal_fusion_set_outcome},
               {"treatment", causal_fusion_set_treatment},
               {"source", causal_fusion_set_source},
               {"stratum", causal_fusion_set_stratum}};
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
    SEXP v = crr_list_get(spec, roles[i].field);
    if (v != R_NilValue)
      CRR_TRY(roles[i].set(f, crr_string(v, roles[i].field)));
  }
  SEXP terms = fu_strings(spec, "terms"), su = fu_strings(spec, "surrogates");
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++)
    CRR_TRY(causal_fusion_add_term(f, crr_str_at(terms, i, "term")));
  for (R_xlen_t i = 0; i < Rf_xlength(su); i++)
    CRR_TRY(causal_fusion_add_surrogate(f, crr_str_at(su, i, "surrogate")));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  if (w == 1)
    CRR_TRY(causal_fusion_fit(&r, f, ds));
  else if (w == 2)
    CRR_TRY(causal_fusion_transport(&r, f, ds));
  else
    CRR_TRY(causal_fusion_surrogate(&r, f, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
  fu_done(h, f);
  UNPROTECT(3);
  return out;
}
