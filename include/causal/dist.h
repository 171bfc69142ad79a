/* libcausal — probability distributions.
 *
 * One vectorized entry point, keyed by family and function. Parameters are
 * passed as an array whose length must equal the family's parameter count;
 * invalid parameters (e.g. sd <= 0, df <= 0, p outside [0,1]) are
 * CAUSAL_ERANGE / CAUSAL_EINVAL errors naming the parameter, never a silent
 * NaN. A NaN argument x gives CAUSAL_ENONFINITE naming its index; +-Inf
 * arguments are valid where the function is defined there.
 *
 * Families and their params (pinned values):
 *   CAUSAL_DIST_NORMAL    {mean, sd}            sd > 0
 *   CAUSAL_DIST_T         {df}                  df > 0 (df = +Inf is normal)
 *   CAUSAL_DIST_CHISQ     {df}                  df > 0
 *   CAUSAL_DIST_F         {df1, df2}            df1, df2 > 0 (may be +Inf)
 *   CAUSAL_DIST_BETA      {a, b}                a, b > 0
 *   CAUSAL_DIST_GAMMA     {shape, scale}        shape, scale > 0
 *   CAUSAL_DIST_BINOMIAL  {size, prob}          size integer >= 0, 0<=prob<=1
 *   CAUSAL_DIST_POISSON   {lambda}              lambda >= 0
 *
 * Functions:
 *   CAUSAL_DIST_PDF       density (probability mass for discrete families)
 *   CAUSAL_DIST_LOGPDF    log density, accurate where the density underflows
 *   CAUSAL_DIST_CDF       P(X <= x)
 *   CAUSAL_DIST_SF        P(X > x), computed directly (not 1 - cdf)
 *   CAUSAL_DIST_LOGCDF    log P(X <= x)
 *   CAUSAL_DIST_LOGSF     log P(X > x)
 *   CAUSAL_DIST_QUANTILE  smallest x with cdf(x) >= p, p in [0,1]
 *   CAUSAL_DIST_ISF       smallest x with sf(x) <= p, p in [0,1]
 *                         (upper-tail quantile, accurate for tiny p)
 * For discrete families the quantile is an integer-valued double. */
#ifndef CAUSAL_DIST_H
#define CAUSAL_DIST_H

#include "causal/core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  CAUSAL_DIST_NORMAL = 1,
  CAUSAL_DIST_T = 2,
  CAUSAL_DIST_CHISQ = 3,
  CAUSAL_DIST_F = 4,
  CAUSAL_DIST_BETA = 5,
  CAUSAL_DIST_GAMMA = 6,
  CAUSAL_DIST_BINOMIAL = 7,
  CAUSAL_DIST_POISSON = 8
};

enum {
  CAUSAL_DIST_PDF = 1,
  CAUSAL_DIST_LOGPDF = 2,
  CAUSAL_DIST_CDF = 3,
  CAUSAL_DIST_SF = 4,
  CAUSAL_DIST_LOGCDF = 5,
  CAUSAL_DIST_LOGSF = 6,
  CAUSAL_DIST_QUANTILE = 7,
  CAUSAL_DIST_ISF = 8
};

/* Number of parameters of a family (>= 1), or CAUSAL_EINVAL if unknown. */
CAUSAL_API int causal_dist_nparams(int family);

/* out[i] = func(x[i]; params) for i < n. x and out may alias. n may be 0. */
CAUSAL_API int causal_dist_eval(int family, int func, const double *params,
                                size_t nparams, const double *x, size_t n,
                                double *out);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_DIST_H */
