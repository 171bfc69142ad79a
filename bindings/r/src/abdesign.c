/* A/B test design and Bayesian decisions (include/causal/power.h,
 * sequential.h, bayes_ab.h). R/abdesign.R checks and names the arguments;
 * this glue converts and calls. */
#include "glue.h"

#define GS_TAG "causal_gs"

static void power_finalize(SEXP p) {
  causal_power_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void gs_finalize(SEXP p) {
  causal_gs_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* ---- power ---------------------------------------------------------------- */

/* spec: list(int_keys, int_values, dbl_keys, dbl_values). */
SEXP C_power_solve(SEXP method, SEXP spec) {
  crr_options o;
  crr_options_read(spec, &o);
  SEXP h = crr_handle("causal_power", power_finalize, R_NilValue, NULL);
  causal_power *p = NULL;
  CRR_TRY(causal_power_new(&p, crr_int(method, "method")));
  R_SetExternalPtrAddr(h, p);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_power_set_int(p, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_power_set_double(p, o.dbl_keys[i], o.dbl_values[i]));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_power_solve(&r, p));
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_power_free(p);
  R_ClearExternalPtr(h);
  UNPROTECT(3);
  return out;
}

/* q, df, ncp of equal length (recycled in R). */
SEXP C_pnt(SEXP q, SEXP df, SEXP ncp, SEXP lower) {
  if (TYPEOF(q) != REALSXP || TYPEOF(df) != REALSXP ||
      TYPEOF(ncp) != REALSXP || Rf_xlength(df) != Rf_xlength(q) ||
      Rf_xlength(ncp) != Rf_xlength(q))
    crr_stop_msg(CAUSAL_EINVAL, "q, df and ncp must be numeric of one length");
  int lt = crr_bool(lower, "lower.tail");
  R_xlen_t n = Rf_xlength(q);
  SEXP out = PROTECT(Rf_allocVector(REALSXP, n));
  for (R_xlen_t i = 0; i < n; i++) {
    double a = REAL(q)[i], b = REAL(df)[i], c = REAL(ncp)[i];
    REAL(out)[i] = (ISNA(a) || ISNA(b) || ISNA(c)) ? NA_REAL
                                                   : causal_pnt(a, b, c, lt);
  }
  UNPROTECT(1);
  return out;
}

/* ---- group-sequential designs -------------------------------------------- */

/* spec: list(sides, alpha, spending, param, int_keys, int_values,
 * dbl_keys, dbl_values). Returns a handle of class causal_gs. */
SEXP C_gs_new(SEXP spec) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "spec must be a list");
  crr_options o;
  crr_options_read(spec, &o);
  SEXP h = crr_handle(GS_TAG, gs_finalize, R_NilValue, "causal_gs");
  causal_gs *g = NULL;
  CRR_TRY(causal_gs_new(&g, crr_int(crr_list_get(spec, "sides"), "sides"),
                        crr_double(crr_list_get(spec, "alpha"), "alpha"),
                        crr_int(crr_list_get(spec, "spending"), "spending"),
                        crr_double(crr_list_get(spec, "param"), "param")));
  R_SetExternalPtrAddr(h, g);
  for (R_xlen_t i = 0; i < o.nint; i++)
    CRR_TRY(causal_gs_set_int(g, o.int_keys[i], crr_option_int(&o, i)));
  for (R_xlen_t i = 0; i < o.ndbl; i++)
    CRR_TRY(causal_gs_set_double(g, o.dbl_keys[i], o.dbl_values[i]));
  UNPROTECT(1);
  return h;
}

SEXP C_gs_design(SEXP x, SEXP frac) {
  causal_gs *g = crr_get(x, GS_TAG);
  if (TYPEOF(frac) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "info_fraction must be numeric");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_gs_design(&r, g, REAL(frac), (size_t)Rf_xlength(frac)));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

SEXP C_gs_look(SEXP x, SEXP frac, SEXP z) {
  causal_gs *g = crr_get(x, GS_TAG);
  int d = 0;
  CRR_TRY(causal_gs_look(g, crr_double(frac, "info_fraction"),
                         crr_double(z, "z"), &d));
  return Rf_ScalarInteger(d);
}

SEXP C_gs_result(SEXP x) {
  causal_gs *g = crr_get(x, GS_TAG);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_gs_result(&r, g));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

SEXP C_gs_nlooks(SEXP x) {
  return Rf_ScalarReal((double)causal_gs_nlooks(crr_get(x, GS_TAG)));
}

SEXP C_gs_serialize(SEXP x) {
  causal_gs *g = crr_get(x, GS_TAG);
  SEXP hb = crr_buffer_handle();
  uint8_t *buf = NULL;
  size_t len = 0;
  CRR_TRY(causal_gs_serialize(g, &buf, &len));
  return crr_raw_take(hb, buf, len);
}

SEXP C_gs_deserialize(SEXP raw) {
  if (TYPEOF(raw) != RAWSXP)
    crr_stop_msg(CAUSAL_EINVAL, "causal_gs_from_raw: x must be a raw vector");
  SEXP h = crr_handle(GS_TAG, gs_finalize, R_NilValue, "causal_gs");
  causal_gs *g = NULL;
  CRR_TRY(causal_gs_deserialize(&g, RAW(raw), (size_t)Rf_xlength(raw)));
  R_SetExternalPtrAddr(h, g);
  UNPROTECT(1);
  return h;
}

SEXP C_msprt(SEXP est, SEXP var, SEXP tau2, SEXP alpha, SEXP theta0) {
  if (TYPEOF(est) != REALSXP || TYPEOF(var) != REALSXP ||
      Rf_xlength(est) != Rf_xlength(var))
    crr_stop_msg(CAUSAL_EINVAL,
                 "estimate and variance must be numeric of one length");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_msprt(&r, REAL(est), REAL(var), (size_t)Rf_xlength(est),
                       crr_double(tau2, "tau2"), crr_double(alpha, "alpha"),
                       crr_double(theta0, "theta0")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

/* ---- Bayesian A/B --------------------------------------------------------- */

/* model 1 beta (7 numbers), 2 normal (9), 3 gamma (7), 4 normal with
 * unknown variance (11). */
SEXP C_bayes(SEXP model, SEXP args) {
  int m = crr_int(model, "model");
  R_xlen_t need = m == 2 ? 9 : (m == 4 ? 11 : 7);
  if (TYPEOF(args) != REALSXP || Rf_xlength(args) != need)
    crr_stop_msg(CAUSAL_EINVAL, "args must be %d numbers", (int)need);
  const double *a = REAL(args);
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  if (m == 1)
    CRR_TRY(causal_bayes_beta(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
  else if (m == 2)
    CRR_TRY(causal_bayes_normal(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                a[7], a[8]));
  else if (m == 3)
    CRR_TRY(causal_bayes_gamma(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
  else if (m == 4)
    CRR_TRY(causal_bayes_normal_nig(&r, a[0], a[1], a[2], a[3], a[4], a[5],
                                    a[6], a[7], a[8], a[9], a[10]));
  else
    crr_stop_msg(CAUSAL_EINVAL, "model must be 1, 2, 3 or 4");
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}

SEXP C_bayes_prob_beta(SEXP shapes, SEXP method) {
  if (TYPEOF(shapes) != REALSXP || Rf_xlength(shapes) != 4)
    crr_stop_msg(CAUSAL_EINVAL, "shapes must be 4 numbers");
  const double *a = REAL(shapes);
  double p = 0;
  CRR_TRY(causal_bayes_prob_beta(a[0], a[1], a[2], a[3],
                                 crr_int(method, "method"), &p));
  return Rf_ScalarReal(p);
}

/* names (character), estimate, se, weight, margin (double), role,
 * direction (integer), all of one length. */
SEXP C_decide(SEXP names, SEXP est, SEXP se, SEXP role, SEXP dir, SEXP weight,
              SEXP margin, SEXP alpha) {
  R_xlen_t m = Rf_xlength(names);
  if (TYPEOF(names) != STRSXP || TYPEOF(est) != REALSXP ||
      TYPEOF(se) != REALSXP || TYPEOF(weight) != REALSXP ||
      TYPEOF(margin) != REALSXP || TYPEOF(role) != INTSXP ||
      TYPEOF(dir) != INTSXP || Rf_xlength(est) != m || Rf_xlength(se) != m ||
      Rf_xlength(weight) != m || Rf_xlength(margin) != m ||
      Rf_xlength(role) != m || Rf_xlength(dir) != m)
    crr_stop_msg(CAUSAL_EINVAL, "metric vectors must have one length");
  const char **nm = (const char **)R_alloc((size_t)m + 1, sizeof *nm);
  for (R_xlen_t i = 0; i < m; i++)
    nm[i] = crr_str_at(names, i, "names");
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_decision_evaluate(&r, (size_t)m, nm, REAL(est), REAL(se),
                                   INTEGER(role), INTEGER(dir), REAL(weight),
                                   REAL(margin), crr_double(alpha, "alpha")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}
