/* A/B testing (include/causal/abtest.h): per-arm sufficient statistics
 * (causal_abstats handles: update, merge, serialize), comparisons, many
 * arms, SRM, p-value adjustment, Dunnett and the bootstrap. R/abtest.R
 * checks and names the arguments; this glue converts and calls. The
 * analysis specification (causal_abtest) is rebuilt from an option list
 * for every call: it is a few bytes and keeps no state worth sharing. */
#include "glue.h"

#include <math.h>
#include <string.h>

#define ABS_TAG "causal_abstats"

static void abs_finalize(SEXP p) {
  causal_abstats_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void abt_finalize(SEXP p) {
  causal_abtest_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void res_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void buf_finalize(SEXP p) {
  causal_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* A whole number that fits int64_t exactly (|v| <= 2^53). */
static int64_t ab_int64(SEXP x, const char *what) {
  double v = crr_double(x, what);
  if (!(fabs(v) <= 9007199254740992.0) || v != floor(v))
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a whole number, not %g", what, v);
  return (int64_t)v;
}

static const double *ab_doubles(SEXP x, const char *what, size_t *n) {
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a double vector", what);
  *n = (size_t)Rf_xlength(x);
  return REAL(x);
}

/* Wrap a new causal_abstats made by `make` (called with &s). */
#define ABS_NEW(call_with_out)                                                 \
  do {                                                                         \
    SEXP h_ = crr_handle(ABS_TAG, abs_finalize, R_NilValue, "causal_abstats"); \
    causal_abstats *s = NULL;                                                  \
    CRR_TRY(call_with_out);                                                    \
    R_SetExternalPtrAddr(h_, s);                                               \
    UNPROTECT(1);                                                              \
    return h_;                                                                 \
  } while (0)

SEXP C_abstats_new(SEXP flags, SEXP ncov) {
  int f = crr_int(flags, "flags");
  size_t q = crr_size(ncov, "ncov");
  ABS_NEW(causal_abstats_new(&s, f, q));
}

SEXP C_abstats_clone(SEXP x) {
  causal_abstats *src = crr_get(x, ABS_TAG);
  ABS_NEW(causal_abstats_clone(&s, src));
}

SEXP C_abstats_reset(SEXP x) {
  CRR_TRY(causal_abstats_reset(crr_get(x, ABS_TAG)));
  return R_NilValue;
}

/* c(n, nvars, ncov, flags, binary) */
SEXP C_abstats_info(SEXP x) {
  causal_abstats *s = crr_get(x, ABS_TAG);
  SEXP out = PROTECT(Rf_allocVector(REALSXP, 5));
  REAL(out)[0] = (double)causal_abstats_count(s);
  REAL(out)[1] = (double)causal_abstats_nvars(s);
  REAL(out)[2] = (double)causal_abstats_ncov(s);
  REAL(out)[3] = (double)causal_abstats_flags(s);
  REAL(out)[4] = (double)causal_abstats_is_binary(s);
  UNPROTECT(1);
  return out;
}

/* y: double; d: NULL or double of the same length; x: NULL or a double
 * vector/matrix with length(y) rows, read in place (column-major). */
SEXP C_abstats_update(SEXP x, SEXP y, SEXP d, SEXP cov) {
  causal_abstats *s = crr_get(x, ABS_TAG);
  size_t n, nd, nx;
  const double *yv = ab_doubles(y, "y", &n);
  const double *dv = NULL, *xv = NULL;
  if (d != R_NilValue) {
    dv = ab_doubles(d, "d", &nd);
    if (nd != n)
      crr_stop_msg(CAUSAL_EDIM, "d has %zu values but y has %zu", nd, n);
  }
  if (cov != R_NilValue) {
    xv = ab_doubles(cov, "x", &nx);
    size_t q = causal_abstats_ncov(s);
    if (nx != n * q)
      crr_stop_msg(CAUSAL_EDIM,
                   "x must have %zu rows (length of y) and %zu columns "
                   "(covariates of the state); it has %zu values",
                   n, q, nx);
  }
  if (n == 0)
    return R_NilValue;
  CRR_TRY(causal_abstats_update(s, yv, dv, xv, n, n));
  return R_NilValue;
}

SEXP C_abstats_merge(SEXP dst, SEXP src) {
  causal_abstats *d = crr_get(dst, ABS_TAG);
  causal_abstats *s = crr_get(src, ABS_TAG);
  CRR_TRY(causal_abstats_merge(d, s));
  return R_NilValue;
}

SEXP C_abstats_from_aggregates(SEXP flags, SEXP ncov, SEXP n, SEXP sums,
                               SEXP crossprod) {
  int f = crr_int(flags, "flags");
  size_t q = crr_size(ncov, "ncov");
  int64_t nn = ab_int64(n, "n");
  size_t ns, nc;
  const double *sv = ab_doubles(sums, "sums", &ns);
  const double *cv = ab_doubles(crossprod, "crossprod", &nc);
  size_t p = 1 + ((f & CAUSAL_ABSTATS_RATIO) ? 1 : 0) +
             q * ((f & CAUSAL_ABSTATS_MISSING_INDICATOR) ? 2 : 1);
  if (ns != p || nc != p * p)
    crr_stop_msg(CAUSAL_EDIM,
                 "the layout has %zu variables: sums needs %zu values and "
                 "crossprod %zu x %zu (got %zu and %zu values)",
                 p, p, p, p, ns, nc);
  ABS_NEW(causal_abstats_from_aggregates(&s, f, q, nn, sv, cv));
}

SEXP C_abstats_from_sums(SEXP n, SEXP sum, SEXP sumsq) {
  int64_t nn = ab_int64(n, "n");
  double s1 = crr_double(sum, "sum"), s2 = crr_double(sumsq, "sumsq");
  ABS_NEW(causal_abstats_from_sums(&s, nn, s1, s2));
}

SEXP C_abstats_from_counts(SEXP successes, SEXP trials) {
  int64_t x = ab_int64(successes, "successes");
  int64_t n = ab_int64(trials, "trials");
  ABS_NEW(causal_abstats_from_counts(&s, x, n));
}

SEXP C_abstats_get(SEXP x, SEXP what_, SEXP len_) {
  causal_abstats *s = crr_get(x, ABS_TAG);
  int what = crr_int(what_, "what");
  size_t len = crr_size(len_, "len");
  SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)len));
  CRR_TRY(causal_abstats_get(s, what, REAL(out), len));
  UNPROTECT(1);
  return out;
}

SEXP C_abstats_serialize(SEXP x) {
  causal_abstats *s = crr_get(x, ABS_TAG);
  /* Owned by an external pointer until copied: an R allocation failure
   * cannot leak the library's buffer. */
  SEXP hb = crr_handle("causal_buffer", buf_finalize, R_NilValue, NULL);
  uint8_t *buf = NULL;
  size_t len = 0;
  CRR_TRY(causal_abstats_serialize(s, &buf, &len));
  R_SetExternalPtrAddr(hb, buf);
  SEXP out = PROTECT(Rf_allocVector(RAWSXP, (R_xlen_t)len));
  if (len > 0)
    memcpy(RAW(out), buf, len);
  causal_free(buf);
  R_ClearExternalPtr(hb);
  UNPROTECT(2);
  return out;
}

SEXP C_abstats_deserialize(SEXP raw) {
  if (TYPEOF(raw) != RAWSXP)
    crr_stop_msg(CAUSAL_EINVAL, "causal_abstats_from_raw: x must be a raw "
                                "vector");
  ABS_NEW(causal_abstats_deserialize(&s, RAW(raw), (size_t)Rf_xlength(raw)));
}

/* ---- analyses ------------------------------------------------------------ */

/* opts: list(int_keys (integer), int_values (double), dbl_keys (integer),
 * dbl_values (double)). Returns the handle PROTECTed once. */
static SEXP abt_build(SEXP opts, causal_abtest **out) {
  if (TYPEOF(opts) != VECSXP || Rf_xlength(opts) != 4)
    crr_stop_msg(CAUSAL_EINVAL, "malformed option list");
  SEXP ik = VECTOR_ELT(opts, 0), iv = VECTOR_ELT(opts, 1);
  SEXP dk = VECTOR_ELT(opts, 2), dv = VECTOR_ELT(opts, 3);
  if (TYPEOF(ik) != INTSXP || TYPEOF(iv) != REALSXP ||
      Rf_xlength(ik) != Rf_xlength(iv) || TYPEOF(dk) != INTSXP ||
      TYPEOF(dv) != REALSXP || Rf_xlength(dk) != Rf_xlength(dv))
    crr_stop_msg(CAUSAL_EINVAL, "malformed option list");
  SEXP h = crr_handle("causal_abtest", abt_finalize, R_NilValue, NULL);
  causal_abtest *t = NULL;
  CRR_TRY(causal_abtest_new(&t));
  R_SetExternalPtrAddr(h, t);
  for (R_xlen_t i = 0; i < Rf_xlength(ik); i++) {
    double v = REAL(iv)[i];
    if (!(fabs(v) <= 9007199254740992.0) || v != floor(v))
      crr_stop_msg(CAUSAL_EINVAL, "option %d needs a whole number",
                   INTEGER(ik)[i]);
    CRR_TRY(causal_abtest_set_int(t, INTEGER(ik)[i], (int64_t)v));
  }
  for (R_xlen_t i = 0; i < Rf_xlength(dk); i++)
    CRR_TRY(causal_abtest_set_double(t, INTEGER(dk)[i], REAL(dv)[i]));
  *out = t;
  return h;
}

/* Convert and free a result owned by the external pointer hr. */
static SEXP abt_finish(SEXP hr) {
  causal_result *r = R_ExternalPtrAddr(hr);
  SEXP out = PROTECT(crr_result_entries(r));
  causal_result_free(r);
  R_ClearExternalPtr(hr);
  UNPROTECT(1);
  return out;
}

/* values_only TRUE: the CAUSAL_AB_NOUT values of compare_values. */
SEXP C_abtest_compare(SEXP opts, SEXP control, SEXP treatment,
                      SEXP values_only) {
  causal_abstats *c = crr_get(control, ABS_TAG);
  causal_abstats *tr = crr_get(treatment, ABS_TAG);
  int vo = crr_bool(values_only, "values_only");
  causal_abtest *t = NULL;
  SEXP ht = abt_build(opts, &t);
  SEXP out;
  int nprot = 1;
  if (vo) {
    out = PROTECT(Rf_allocVector(REALSXP, CAUSAL_AB_NOUT));
    nprot++;
    CRR_TRY(causal_abtest_compare_values(t, c, tr, REAL(out), CAUSAL_AB_NOUT));
  } else {
    SEXP hr = crr_handle("causal_result", res_finalize, R_NilValue, NULL);
    causal_result *r = NULL;
    CRR_TRY(causal_abtest_compare(t, c, tr, &r));
    R_SetExternalPtrAddr(hr, r);
    out = PROTECT(abt_finish(hr));
    nprot += 2;
  }
  causal_abtest_free(t);
  R_ClearExternalPtr(ht);
  UNPROTECT(nprot);
  return out;
}

/* arms: list of causal_abstats (arm 0 the control); names: NULL or
 * character; allocation: NULL or double. */
SEXP C_abtest_analyze(SEXP opts, SEXP arms, SEXP names, SEXP allocation) {
  if (TYPEOF(arms) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "arms must be a list of causal_abstats");
  size_t k = (size_t)Rf_xlength(arms);
  const causal_abstats **a =
      (const causal_abstats **)R_alloc(k + 1, sizeof *a);
  for (size_t i = 0; i < k; i++)
    a[i] = crr_get(VECTOR_ELT(arms, (R_xlen_t)i), ABS_TAG);
  const char **nm = NULL;
  if (names != R_NilValue) {
    if (TYPEOF(names) != STRSXP || (size_t)Rf_xlength(names) != k)
      crr_stop_msg(CAUSAL_EDIM, "names must be %zu strings", k);
    nm = (const char **)R_alloc(k + 1, sizeof *nm);
    for (size_t i = 0; i < k; i++) {
      SEXP e = STRING_ELT(names, (R_xlen_t)i);
      if (e == NA_STRING)
        crr_stop_msg(CAUSAL_EINVAL, "names[%zu] is NA", i + 1);
      nm[i] = Rf_translateCharUTF8(e);
    }
  }
  const double *al = NULL;
  if (allocation != R_NilValue) {
    size_t na;
    al = ab_doubles(allocation, "allocation", &na);
    if (na != k)
      crr_stop_msg(CAUSAL_EDIM, "allocation has %zu values for %zu arms", na,
                   k);
  }
  causal_abtest *t = NULL;
  SEXP ht = abt_build(opts, &t);
  SEXP hr = crr_handle("causal_result", res_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_abtest_analyze(t, (const causal_abstats *const *)a, k,
                                (const char *const *)nm, al, &r));
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(abt_finish(hr));
  causal_abtest_free(t);
  R_ClearExternalPtr(ht);
  UNPROTECT(3);
  return out;
}

SEXP C_abtest_bootstrap(SEXP opts, SEXP y_c, SEXP y_t) {
  size_t nc, nt;
  const double *c = ab_doubles(y_c, "y_control", &nc);
  const double *tv = ab_doubles(y_t, "y_treatment", &nt);
  causal_abtest *t = NULL;
  SEXP ht = abt_build(opts, &t);
  SEXP hr = crr_handle("causal_result", res_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_abtest_bootstrap(t, c, nc, tv, nt, &r));
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(abt_finish(hr));
  causal_abtest_free(t);
  R_ClearExternalPtr(ht);
  UNPROTECT(3);
  return out;
}

SEXP C_abtest_srm(SEXP counts, SEXP allocation) {
  size_t k, na;
  const double *cv = ab_doubles(counts, "counts", &k);
  const double *al = ab_doubles(allocation, "allocation", &na);
  if (na != k)
    crr_stop_msg(CAUSAL_EDIM, "allocation has %zu values for %zu counts", na,
                 k);
  int64_t *ci = (int64_t *)R_alloc(k + 1, sizeof *ci);
  for (size_t i = 0; i < k; i++) {
    if (!(fabs(cv[i]) <= 9007199254740992.0) || cv[i] != floor(cv[i]))
      crr_stop_msg(CAUSAL_EINVAL, "counts[%zu] = %g is not a whole number",
                   i + 1, cv[i]);
    ci[i] = (int64_t)cv[i];
  }
  SEXP hr = crr_handle("causal_result", res_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_abtest_srm(&r, ci, al, k));
  R_SetExternalPtrAddr(hr, r);
  SEXP out = PROTECT(abt_finish(hr));
  UNPROTECT(2);
  return out;
}

SEXP C_p_adjust(SEXP method, SEXP p) {
  int m = crr_int(method, "method");
  size_t n;
  const double *pv = ab_doubles(p, "p", &n);
  SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
  if (n > 0)
    CRR_TRY(causal_p_adjust(m, pv, n, REAL(out)));
  UNPROTECT(1);
  return out;
}

/* what 1: critical value for confidence x; 2: probability for c = x. */
SEXP C_dunnett(SEXP what, SEXP x, SEXP lambda, SEXP df, SEXP two_sided) {
  int w = crr_int(what, "what");
  double xv = crr_double(x, w == 1 ? "conf" : "c");
  size_t m;
  const double *lv = ab_doubles(lambda, "lambda", &m);
  double dfv = crr_double(df, "df");
  int ts = crr_bool(two_sided, "two_sided");
  double out = NAN;
  if (w == 1)
    CRR_TRY(causal_dunnett_quantile(&out, xv, lv, m, dfv, ts));
  else
    CRR_TRY(causal_dunnett_prob(&out, xv, lv, m, dfv, ts));
  return Rf_ScalarReal(out);
}
