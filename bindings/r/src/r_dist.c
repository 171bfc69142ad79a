/* Distributions: one entry point over causal_dist_eval with R's
 * recycling and NA conventions (an NA/NaN argument or parameter gives
 * NA/NaN; everything else the library checks and reports). */
#include "glue.h"

#include <math.h>

#define CRR_MAX_PARAMS 4

/* params: list of double vectors (already coerced by R). */
SEXP C_dist_eval(SEXP family, SEXP func, SEXP x, SEXP params) {
  int fam = crr_int(family, "family");
  int fn = crr_int(func, "fun");
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "x must be a double vector");
  if (TYPEOF(params) != VECSXP || Rf_xlength(params) > CRR_MAX_PARAMS)
    crr_stop_msg(CAUSAL_EINVAL, "params must be a list of at most %d vectors",
                 CRR_MAX_PARAMS);
  size_t np = (size_t)Rf_xlength(params);
  R_xlen_t nx = Rf_xlength(x), n = nx;
  int recycle = 0, empty = nx == 0;
  const double *pv[CRR_MAX_PARAMS];
  R_xlen_t plen[CRR_MAX_PARAMS];
  for (size_t j = 0; j < np; j++) {
    SEXP pj = VECTOR_ELT(params, (R_xlen_t)j);
    if (TYPEOF(pj) != REALSXP)
      crr_stop_msg(CAUSAL_EINVAL, "parameter %d must be a double vector",
                   (int)j + 1);
    plen[j] = Rf_xlength(pj);
    pv[j] = REAL(pj);
    if (plen[j] == 0)
      empty = 1;
    if (plen[j] != 1)
      recycle = 1;
    if (plen[j] > n)
      n = plen[j];
  }
  if (empty)
    n = 0;
  SEXP out = PROTECT(Rf_allocVector(REALSXP, n));
  double *o = REAL(out);
  const double *xv = REAL(x);
  if (n == 0) {
    UNPROTECT(1);
    return out;
  }
  if (!recycle) {
    double par[CRR_MAX_PARAMS];
    int param_na = 0;
    double na = 0;
    for (size_t j = 0; j < np; j++) {
      par[j] = pv[j][0];
      if (isnan(par[j]) && !param_na) {
        param_na = 1;
        na = par[j];
      }
    }
    R_xlen_t nnan = 0;
    for (R_xlen_t i = 0; i < n; i++)
      nnan += isnan(xv[i]) != 0;
    if (param_na) {
      for (R_xlen_t i = 0; i < n; i++)
        o[i] = isnan(xv[i]) ? xv[i] : na;
    } else if (nnan == 0) {
      CRR_TRY(causal_dist_eval(fam, fn, par, np, xv, (size_t)n, o));
    } else {
      /* Evaluate the non-missing arguments together, then scatter. */
      double *buf = (double *)R_alloc((size_t)(n - nnan) + 1, sizeof(double));
      R_xlen_t k = 0;
      for (R_xlen_t i = 0; i < n; i++)
        if (!isnan(xv[i]))
          buf[k++] = xv[i];
      CRR_TRY(causal_dist_eval(fam, fn, par, np, buf, (size_t)k, buf));
      k = 0;
      for (R_xlen_t i = 0; i < n; i++)
        o[i] = isnan(xv[i]) ? xv[i] : buf[k++];
    }
    UNPROTECT(1);
    return out;
  }
  /* Vectorized parameters: one call per element with recycling. */
  for (R_xlen_t i = 0; i < n; i++) {
    double par[CRR_MAX_PARAMS];
    double xi = xv[i % nx];
    double na = 0;
    int skip = isnan(xi);
    if (skip)
      na = xi;
    for (size_t j = 0; j < np; j++) {
      par[j] = pv[j][i % plen[j]];
      if (!skip && isnan(par[j])) {
        skip = 1;
        na = par[j];
      }
    }
    if (skip)
      o[i] = na;
    else
      CRR_TRY(causal_dist_eval(fam, fn, par, np, &xi, 1, &o[i]));
  }
  UNPROTECT(1);
  return out;
}
