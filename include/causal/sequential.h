/* libcausal — sequential monitoring: group-sequential designs with
 * Lan–DeMets alpha spending, monitoring state saved and resumed between
 * looks, and always-valid inference (mixture SPRT).
 *
 * Z statistics: at information fraction t_k (0 < t_1 < ... <= 1) the
 * standardized statistic Z_k has mean theta sqrt(t_k) (theta = drift, the
 * mean of Z at full information) and Cov(Z_j, Z_k) = sqrt(t_j / t_k).
 * Crossing probabilities are computed by recursive numerical integration
 * on the grid of Jennison & Turnbull (2000, ch. 19) with Simpson's rule
 * (Armitage, McPherson & Rowe 1969); boundaries by Brent root finding to
 * 1e-12. Formulas and conventions: docs/methods/sequential.md.
 *
 * Spending functions f(t; a) (pinned), a = the alpha (or beta) to spend:
 *   CAUSAL_GS_OBF     Lan–DeMets O'Brien–Fleming type 2 - 2 Phi(z_{1-a/2}/sqrt
 * t) CAUSAL_GS_POCOCK  Lan–DeMets Pocock type a log(1 + (e - 1) t)
 *   CAUSAL_GS_HSD     Hwang–Shih–DeCani a (1 - e^{-g t}) / (1 - e^{-g}),
 *                     param g (g = 0: a t)
 *   CAUSAL_GS_POWER   power family a t^rho, param rho > 0
 *
 * Sides and conventions:
 *   one-sided (sides = 1): upper boundary spends f(t; alpha); this is
 *     gsDesign test.type = 1 and ldbounds sides = 1.
 *   two-sided symmetric (sides = 2), alpha = total two-sided level:
 *     CAUSAL_GS_SPEND_PER_SIDE (default): each boundary spends
 *       f(t; alpha / 2) — ldbounds/ld98 (alpha = 0.05, sides = 2) and
 *       gsDesign test.type = 2 (its one-sided alpha = 0.025): OBF 5 equal
 *       looks give 4.877, 3.357, 2.680, 2.290, 2.031.
 *     CAUSAL_GS_SPEND_TOTAL: the total f(t; alpha) is spent, half on each
 *       side (Lan & DeMets 1983 form for a two-sided alpha). Differs from
 *       PER_SIDE only for OBF (the others are linear in alpha).
 * Futility (one-sided only, optional): a lower boundary by beta spending
 * under the design drift. Non-binding by default (efficacy bounds are
 * computed as if it did not exist, so ignoring it never inflates alpha) —
 * gsDesign test.type = 4; with CAUSAL_GS_BINDING = 1 the efficacy bounds
 * are computed with the futility bounds in the continuation region
 * (slightly lower bounds; alpha holds only if the trial always stops at a
 * futility crossing) — gsDesign test.type = 3. The drift is chosen so that
 * the last lower and upper bounds meet (power exactly 1 - beta).
 */
#ifndef CAUSAL_SEQUENTIAL_H
#define CAUSAL_SEQUENTIAL_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_gs causal_gs;

/* Spending families (pinned). */
enum {
  CAUSAL_GS_NONE = 0, /* futility only: no futility boundary */
  CAUSAL_GS_OBF = 1,
  CAUSAL_GS_POCOCK = 2,
  CAUSAL_GS_HSD = 3,
  CAUSAL_GS_POWER = 4
};

/* Two-sided conventions (pinned). */
enum { CAUSAL_GS_SPEND_PER_SIDE = 1, CAUSAL_GS_SPEND_TOTAL = 2 };

/* Decisions at a look (pinned). */
enum {
  CAUSAL_GS_CONTINUE = 0,
  CAUSAL_GS_REJECT = 1,   /* efficacy boundary crossed: reject H0 */
  CAUSAL_GS_FUTILITY = 2, /* futility boundary crossed (non-binding) */
  CAUSAL_GS_ACCEPT = 3    /* final look without crossing: do not reject */
};

/* Option keys (pinned); integers (< 100) via set_int, reals via
 * set_double; causal_gs_bounds() gives ranges. */
enum {
  CAUSAL_GS_CONVENTION = 1,   /* CAUSAL_GS_SPEND_*; default PER_SIDE */
  CAUSAL_GS_FUT_SPENDING = 2, /* futility spending family; default NONE */
  CAUSAL_GS_BINDING = 3,      /* 0 (default): non-binding futility (gsDesign
                                 test.type = 4); 1: binding (test.type = 3):
                                 the efficacy bounds assume the trial stops
                                 at every futility crossing (added in 0.2) */
  CAUSAL_GS_BETA = 101,       /* type II error for the drift and the
                                 inflation factor; default 0.1 */
  CAUSAL_GS_FUT_PARAM = 102,  /* futility family parameter (HSD g, rho) */
  CAUSAL_GS_DRIFT = 103       /* drift used for futility while monitoring
                                 (the design's "drift" entry) */
};

/* A design and monitoring state. sides 1 or 2; alpha in (0, 0.5]
 * (two-sided: the total); spending a family above with its parameter
 * (ignored for OBF and Pocock). */
CAUSAL_API int causal_gs_new(causal_gs **out, int sides, double alpha,
                             int spending, double param);
CAUSAL_API void causal_gs_free(causal_gs *g);
CAUSAL_API int causal_gs_set_int(causal_gs *g, int key, int64_t value);
CAUSAL_API int causal_gs_set_double(causal_gs *g, int key, double value);
CAUSAL_API int causal_gs_bounds(int key, double *min, double *max);

/* Boundaries of a planned design at the k information fractions frac
 * (increasing, in (0, 1], the last equal to 1). Result kind "gs_design":
 * vectors "info_fraction", "upper" (efficacy z), "lower" (-upper for
 * two-sided; futility z for one-sided with futility; -Inf otherwise),
 * "alpha_spent" (cumulative, all sides), "alpha_increment", "nominal_p"
 * (one-sided p-value of each upper bound), "beta_spent" (futility),
 * "prob_upper_h1", "prob_lower_h1" (crossing probabilities under the
 * drift), "prob_upper_h0", "prob_lower_h0" (under theta = 0, with the
 * futility bound respected: gsDesign's "P(Cross) if delta=0"); scalars "drift" (theta giving power 1 - beta), "fixed_drift"
 * (z_{1-alpha/sides} + z_{1-beta}), "inflation_factor" ((drift /
 * fixed_drift)^2: maximum information relative to the fixed design),
 * "power", "expected_info_h0", "expected_info_h1" (fractions of the
 * maximum), "alpha", "beta", "sides"; string "spending". */
CAUSAL_API int causal_gs_design(causal_result **out, const causal_gs *g,
                                const double *frac, size_t k);

/* Monitoring: add a look at information fraction frac (greater than the
 * previous look's, at most 1; frac = 1 is the final analysis) with the
 * observed z. The boundary is computed from the actual fractions of all
 * looks so far. *decision receives CAUSAL_GS_*. Looks after a stopping
 * decision are refused (CAUSAL_EINVAL). On failure the state is
 * unchanged. */
CAUSAL_API int causal_gs_look(causal_gs *g, double frac, double z,
                              int *decision);
/* Number of looks recorded. */
CAUSAL_API size_t causal_gs_nlooks(const causal_gs *g);
/* The looks so far (kind "gs_monitor"): vectors "info_fraction", "z",
 * "upper", "lower", "alpha_spent", "decision_code"; string "decision"
 * ("continue", "reject", "futility", "accept"); scalar "n_looks". */
CAUSAL_API int causal_gs_result(causal_result **out, const causal_gs *g);

/* Serialized state (lib/internal/serial.h envelope, kind "gs monitor") in a
 * new buffer freed with causal_free; and back. */
CAUSAL_API int causal_gs_serialize(const causal_gs *g, uint8_t **buf,
                                   size_t *len);
CAUSAL_API int causal_gs_deserialize(causal_gs **out, const uint8_t *buf,
                                     size_t len);

/* Value of a spending function f(t; a) (a family above, with param). */
CAUSAL_API double causal_gs_spend(int family, double param, double a, double t);

/* ---- always-valid inference: mixture SPRT ------------------------------
 * Looks i = 1..n report an estimate theta_hat_i of the effect (e.g. the
 * difference in means) and its variance V_i (decreasing as data arrive).
 * With a N(theta0, tau2) mixture over the effect (Robbins 1970; Johari et
 * al. 2017, "Peeking at A/B tests"), the mixture likelihood ratio is
 *   Lambda_i = sqrt(V_i / (V_i + tau2)) *
 *              exp(tau2 (theta_hat_i - theta0)^2 / (2 V_i (V_i + tau2))),
 * the always-valid p-value p_i = min(p_{i-1}, 1 / Lambda_i) (p_0 = 1), and
 * the confidence sequence theta_hat_i +- sqrt(V_i (V_i + tau2) / tau2 *
 * (log((V_i + tau2) / V_i) + 2 log(1 / alpha))), intersected over looks.
 * Result kind "msprt": vectors "lambda", "p_value", "conf_low",
 * "conf_high"; scalars "first_rejection" (1-based look where p <= alpha,
 * 0 if none), "tau2", "alpha"; string "decision" ("reject" or
 * "continue"). */
CAUSAL_API int causal_msprt(causal_result **out, const double *estimate,
                            const double *variance, size_t n, double tau2,
                            double alpha, double theta0);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_SEQUENTIAL_H */
