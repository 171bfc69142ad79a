/* libcausal — power and sample size for A/B tests.
 *
 * A causal_power handle is a design specification: a method (how the test
 * statistic is modelled), the quantities of the design as enum-keyed
 * options, and which one of sample size, power or effect to solve for.
 * causal_power_solve() returns a causal_result (kind "power").
 *
 * Methods (pinned) and the references they reproduce (formulas in
 * docs/methods/power.md):
 *   CAUSAL_POWER_PROP_POOLED    two proportions, normal approximation, null
 *                               variance from the pooled proportion, the
 *                               alternative's from each arm: R
 *                               power.prop.test (Fleiss without continuity
 *                               correction)
 *   CAUSAL_POWER_PROP_UNPOOLED  two proportions, unpooled (Wald) variance
 *                               under the null and the alternative
 *   CAUSAL_POWER_PROP_ARCSINE   Cohen's h = 2 asin sqrt(p2) - 2 asin sqrt(p1)
 *                               with a normal test: statsmodels
 *                               NormalIndPower + proportion_effectsize
 *                               (set STRICT = 1 for its two-sided power)
 *   CAUSAL_POWER_PROP_BASELINE  null variance 2 p1 (1 - p1) from the baseline
 *                               only: Evan Miller's online calculator
 *   CAUSAL_POWER_MEAN_T         noncentral t (two-sample, one-sample,
 *                               paired): R power.t.test, statsmodels
 *                               TTestIndPower (STRICT = 1), G*Power
 *   CAUSAL_POWER_MEAN_Z         normal approximation for means:
 *                               statsmodels NormalIndPower with
 *                               effect = delta / sd
 *   CAUSAL_POWER_RATIO          ratio metric sum(num) / sum(den) per unit:
 *                               delta-method per-unit standard deviation,
 *                               then the normal approximation
 * Means and ratio metrics accept a CUPED correlation RHO: the per-unit
 * variance is multiplied by (1 - RHO^2).
 *
 * Arms: N is the size of the control arm (group 1); each treatment arm has
 * N * ALLOC_RATIO units. With ARMS = k > 2 each of the k - 1 treatment
 * arms is compared with control; MULTIPLICITY chooses Bonferroni (alpha /
 * (k - 1) per comparison) or Dunnett (the equicoordinate critical value of
 * k - 1 correlated normal statistics, correlation r / (1 + r); normal
 * methods only). Power is per comparison.
 *
 * Result entries: scalars "n" (control arm, fractional), "n1", "n2" (each
 * treatment arm), "n_total", "n_ceiling" (ceil(n)), "power", "effect"
 * (absolute), "effect_relative" (when a baseline is known), "effect_size"
 * (standardized: Cohen's h or d, or delta / se at one unit), "alpha",
 * "alpha_per_comparison", "critical_value", "sd" (per-unit sd used, after
 * CUPED / delta method; NaN for proportions), "p1", "p2" (proportions),
 * "df" (t methods); strings "method", "solved_for",
 * "alternative", "multiplicity".
 */
#ifndef CAUSAL_POWER_H
#define CAUSAL_POWER_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_power causal_power;

/* Methods (pinned). */
enum {
  CAUSAL_POWER_PROP_POOLED = 1,
  CAUSAL_POWER_PROP_UNPOOLED = 2,
  CAUSAL_POWER_PROP_ARCSINE = 3,
  CAUSAL_POWER_PROP_BASELINE = 4,
  CAUSAL_POWER_MEAN_T = 5,
  CAUSAL_POWER_MEAN_Z = 6,
  CAUSAL_POWER_RATIO = 7
};

/* What to solve for (pinned). */
enum {
  CAUSAL_POWER_SOLVE_N = 1,     /* needs POWER and EFFECT */
  CAUSAL_POWER_SOLVE_POWER = 2, /* needs N and EFFECT */
  CAUSAL_POWER_SOLVE_EFFECT = 3 /* needs N and POWER; the MDE */
};

/* Samples for the mean methods (pinned). */
enum {
  CAUSAL_POWER_TWO_SAMPLE = 1,
  CAUSAL_POWER_ONE_SAMPLE = 2,
  CAUSAL_POWER_PAIRED = 3 /* SD is the sd of the differences */
};

/* Multiplicity adjustments for ARMS > 2 (pinned). */
enum {
  CAUSAL_POWER_MULT_NONE = 0,
  CAUSAL_POWER_MULT_BONFERRONI = 1,
  CAUSAL_POWER_MULT_DUNNETT = 2
};

/* Option keys (pinned). Integer options (< 100) via set_int, real ones
 * via set_double; causal_power_bounds() gives each key's valid range.
 * Unset reals are NaN. */
enum {
  CAUSAL_POWER_SOLVE = 1,         /* CAUSAL_POWER_SOLVE_*; default SOLVE_N */
  CAUSAL_POWER_SIDES = 2,         /* 1 or 2 (default 2) */
  CAUSAL_POWER_STRICT = 3,        /* 1: two-sided power adds the far tail
                                     (R strict = TRUE, statsmodels); 0 */
  CAUSAL_POWER_RELATIVE = 4,      /* 1: EFFECT is relative to BASELINE */
  CAUSAL_POWER_ARMS = 5,          /* k >= 2 arms incl. control; default 2 */
  CAUSAL_POWER_MULTIPLICITY = 6,  /* CAUSAL_POWER_MULT_*; default
                                     BONFERRONI (used when ARMS > 2) */
  CAUSAL_POWER_SAMPLE = 7,        /* CAUSAL_POWER_TWO_SAMPLE (default), ... */
  CAUSAL_POWER_ALPHA = 101,       /* significance level; default 0.05 */
  CAUSAL_POWER_POWER = 102,       /* target power 1 - beta */
  CAUSAL_POWER_N = 103,           /* control-arm size */
  CAUSAL_POWER_EFFECT = 104,      /* MDE: p2 - p1, mean difference, ratio
                                     difference (absolute unless RELATIVE) */
  CAUSAL_POWER_BASELINE = 105,    /* p1 (proportions), control mean (means,
                                     for a relative MDE) */
  CAUSAL_POWER_SD = 106,          /* per-unit sd (means) */
  CAUSAL_POWER_ALLOC_RATIO = 107, /* treatment / control size; default 1 */
  CAUSAL_POWER_RHO = 108,         /* CUPED correlation in (-1, 1); default 0 */
  CAUSAL_POWER_NUM_MEAN = 109,    /* ratio metric: mean numerator per unit */
  CAUSAL_POWER_DEN_MEAN = 110,    /* mean denominator per unit (> 0) */
  CAUSAL_POWER_NUM_VAR = 111,     /* per-unit variance of the numerator */
  CAUSAL_POWER_DEN_VAR = 112,     /* per-unit variance of the denominator */
  CAUSAL_POWER_NUM_DEN_COV = 113  /* per-unit covariance */
};

CAUSAL_API int causal_power_new(causal_power **out, int method);
CAUSAL_API void causal_power_free(causal_power *p);
CAUSAL_API int causal_power_set_int(causal_power *p, int key, int64_t value);
CAUSAL_API int causal_power_set_double(causal_power *p, int key, double value);
/* Valid range of an option key: [*min, *max] (integers as doubles);
 * CAUSAL_EINVAL for an unknown key. */
CAUSAL_API int causal_power_bounds(int key, double *min, double *max);
/* Solve the design. Root finding (Brent) to a relative tolerance of 1e-12
 * in n or the effect. */
CAUSAL_API int causal_power_solve(causal_result **out, const causal_power *p);

/* Noncentral t distribution function P(T <= t) for df > 0 and finite
 * noncentrality ncp (lower_tail = 0: P(T > t)); AS 243-type Poisson-mixture
 * series in the incomplete beta, summed outwards from the mode to 1e-16.
 * NaN for invalid arguments. Exposed for reference tests and bindings. */
CAUSAL_API double causal_pnt(double t, double df, double ncp, int lower_tail);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_POWER_H */
