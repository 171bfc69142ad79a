/* libcausal — sensitivity analysis: E-values (VanderWeele and Ding 2017).
 *
 * The E-value is the minimum strength of association, on the risk-ratio
 * scale, that an unmeasured confounder would need with both treatment and
 * outcome to fully explain away an observed association:
 *   E = RR + sqrt(RR (RR - 1)) for RR >= 1 (RR < 1: use 1/RR).
 * causal_evalue converts the estimate to the risk-ratio scale first:
 *   CAUSAL_EVALUE_RR          RR as given
 *   CAUSAL_EVALUE_OR_RARE     odds ratio, rare outcome (< 15%): RR = OR
 *   CAUSAL_EVALUE_OR_COMMON   odds ratio, common outcome: RR = sqrt(OR)
 *   CAUSAL_EVALUE_HR_RARE     hazard ratio, rare outcome: RR = HR
 *   CAUSAL_EVALUE_HR_COMMON   RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))
 *   CAUSAL_EVALUE_SMD         standardized mean difference d with standard
 *                             error se: RR = exp(0.91 d), limits
 *                             exp(0.91 d -+ 1.78 se)
 * For ratio types the limits lo <= estimate <= hi are optional (NaN = not
 * given) and se is ignored; for SMD lo/hi are ignored and se (>= 0, NaN =
 * none) gives the limits. The E-value of the interval uses the limit
 * closest to the null; it is 1 when the interval contains the null.
 *
 * Result (kind "evalue"): scalars "rr", "rr_low", "rr_high" (risk-ratio
 * scale), "evalue" (point estimate), "evalue_ci" (NaN without limits).
 * Errors: ratio estimates or limits <= 0 or non-finite (CAUSAL_ERANGE /
 * _ENONFINITE), limits not bracketing the estimate (CAUSAL_EINVAL),
 * unknown type (CAUSAL_ERANGE). Formulas: docs/methods/sensitivity.md.
 */
#ifndef CAUSAL_SENSITIVITY_H
#define CAUSAL_SENSITIVITY_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/propensity.h"
#include "causal/result.h"
#include "causal/weighting.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  CAUSAL_EVALUE_RR = 1,
  CAUSAL_EVALUE_OR_RARE = 2,
  CAUSAL_EVALUE_OR_COMMON = 3,
  CAUSAL_EVALUE_HR_RARE = 4,
  CAUSAL_EVALUE_HR_COMMON = 5,
  CAUSAL_EVALUE_SMD = 6
};

CAUSAL_API int causal_evalue(causal_result **out, int type, double estimate,
                             double lo, double hi, double se);

/* ---- Refutation helpers (rerun a weighting estimator) -----------------
 * causal_weighting_refute fits w / ps on ds (the original estimate), then
 * reruns it `reps` times (reps >= 1) with:
 *   CAUSAL_REFUTE_PLACEBO_TREATMENT   the treatment column permuted at
 *       random (PCG64 seeded by seed, stream 0): estimates should be
 *       near 0; "p_value" = (1 + #{|placebo| >= |estimate|}) / (reps + 1)
 *   CAUSAL_REFUTE_RANDOM_COMMON_CAUSE an added N(0, 1) covariate in the
 *       score model (and the outcome model when it has its own terms):
 *       estimates should stay close to the original
 *   CAUSAL_REFUTE_PLACEBO_OUTCOME     the column `placebo` as the outcome
 *       (an outcome the treatment cannot affect), reps is ignored (1 fit):
 *       the estimate should be near 0; "p_value" is that fit's p-value
 * Result (kind "refutation"): string "refuter"; scalars "estimate",
 * "std_error" (original fit), "refuted_estimate" (mean of the reruns),
 * "refuted_sd" (their SD; NaN for one rerun), "reps", "p_value" (see
 * above; NaN for the random common cause), "shift" = refuted_estimate -
 * estimate; vector "refuted_estimates". The generated columns are named
 * "__placebo_treatment" / "__random_common_cause" (a dataset column of
 * that name is CAUSAL_EEXISTS). Supplied scores cannot be refuted by a
 * placebo treatment (CAUSAL_EINVAL). Reruns that fail abort the call with
 * their error. */
enum {
  CAUSAL_REFUTE_PLACEBO_TREATMENT = 1,
  CAUSAL_REFUTE_RANDOM_COMMON_CAUSE = 2,
  CAUSAL_REFUTE_PLACEBO_OUTCOME = 3
};

CAUSAL_API int causal_weighting_refute(causal_result **out,
                                       const causal_weighting *w,
                                       const causal_propensity *ps,
                                       const causal_dataset *ds, int kind,
                                       const char *placebo, size_t reps,
                                       uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_SENSITIVITY_H */
