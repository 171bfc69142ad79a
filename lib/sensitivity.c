/* E-values (VanderWeele and Ding 2017; conversions of VanderWeele 2017 and
 * Chinn 2000 as in the EValue R package). docs/methods/sensitivity.md. */
#include "internal/core.h"

#include <math.h>

static double to_rr(int type, double v) {
  switch (type) {
  case CAUSAL_EVALUE_OR_COMMON:
    return sqrt(v);
  case CAUSAL_EVALUE_HR_COMMON:
    return (1 - pow(0.5, sqrt(v))) / (1 - pow(0.5, sqrt(1 / v)));
  default:
    return v;
  }
}

static double evalue_rr(double rr) {
  if (rr < 1)
    rr = 1 / rr;
  return rr + sqrt(rr * (rr - 1));
}

static int check_ratio(const char *what, double v, int optional) {
  if (optional && isnan(v))
    return CAUSAL_OK;
  if (!isfinite(v))
    return cz_fail(CAUSAL_ENONFINITE, "causal_evalue: %s is %g", what, v);
  if (v <= 0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_evalue: %s = %g must be > 0 for a ratio", what, v);
  return CAUSAL_OK;
}

int causal_evalue(causal_result **out, int type, double estimate, double lo,
                  double hi, double se) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (type < CAUSAL_EVALUE_RR || type > CAUSAL_EVALUE_SMD)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_evalue: type %d is not one of CAUSAL_EVALUE_RR (1) "
                   "... CAUSAL_EVALUE_SMD (6)",
                   type);
  double rr, rlo = NAN, rhi = NAN;
  if (type == CAUSAL_EVALUE_SMD) {
    if (!isfinite(estimate))
      return cz_fail(CAUSAL_ENONFINITE, "causal_evalue: estimate is %g",
                     estimate);
    if (!isnan(se) && !(se >= 0 && isfinite(se)))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_evalue: se = %g must be finite and >= 0", se);
    rr = exp(0.91 * estimate);
    if (!isnan(se)) {
      rlo = exp(0.91 * estimate - 1.78 * se);
      rhi = exp(0.91 * estimate + 1.78 * se);
    }
  } else {
    CZ_CHECK(check_ratio("estimate", estimate, 0));
    CZ_CHECK(check_ratio("lo", lo, 1));
    CZ_CHECK(check_ratio("hi", hi, 1));
    if ((!isnan(lo) && lo > estimate) || (!isnan(hi) && hi < estimate))
      return cz_fail(CAUSAL_EINVAL,
                     "causal_evalue: limits [%g, %g] do not bracket the "
                     "estimate %g",
                     lo, hi, estimate);
    rr = to_rr(type, estimate);
    rlo = isnan(lo) ? NAN : to_rr(type, lo);
    rhi = isnan(hi) ? NAN : to_rr(type, hi);
  }
  double e = evalue_rr(rr), eci = NAN;
  if (!isnan(rlo) || !isnan(rhi)) {
    if (rr > 1)
      eci = isnan(rlo) ? NAN : (rlo <= 1 ? 1.0 : evalue_rr(rlo));
    else if (rr < 1)
      eci = isnan(rhi) ? NAN : (rhi >= 1 ? 1.0 : evalue_rr(rhi));
    else
      eci = 1.0;
  }
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "evalue");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr", rr);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr_low", rlo);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr_high", rhi);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "evalue", e);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "evalue_ci", eci);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
