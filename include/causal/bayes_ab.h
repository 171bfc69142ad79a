/* libcausal — Bayesian A/B comparisons and ship decisions.
 *
 * Two arms, A (control) and B (treatment), summarized by plain numbers.
 * Every function returns a causal_result; formulas and accuracy in
 * docs/methods/bayes_ab.md.
 *
 * Common result entries: scalars "prob_b_beats_a" P(B > A),
 * "expected_loss_a" E[max(B - A, 0)] (loss of choosing A),
 * "expected_loss_b" E[max(A - B, 0)], "diff_mean", "diff_conf_low",
 * "diff_conf_high" (equal-tailed credible interval of B - A),
 * "lift_median", "lift_conf_low", "lift_conf_high" (of B / A - 1),
 * "post_a_1", "post_a_2", "post_b_1", "post_b_2" (posterior parameters),
 * "cred_level"; string "model".
 */
#ifndef CAUSAL_BAYES_AB_H
#define CAUSAL_BAYES_AB_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Beta–Bernoulli: successes s and trials n per arm, prior Beta(a0, b0)
 * for both arms (a0 = b0 = 1: uniform). P(B > A) is exact: Evan Miller's
 * finite sum when the posterior B shape alpha_B is an integer (< 1e6),
 * otherwise adaptive Gauss–Kronrod quadrature of f_A(x) (1 - F_B(x)) to
 * 1e-12 (entry "prob_method" says which). Expected losses in closed form
 * through the same probability with shifted shapes. Credible intervals of
 * the difference and of the relative lift: quantiles of the exact
 * distribution functions P(B - A <= d) = int f_A(x) F_B(x + d) dx and
 * P(B / A <= r) = int f_A(x) F_B(r x) dx by quadrature and root finding
 * (deterministic; no Monte Carlo). */
CAUSAL_API int causal_bayes_beta(causal_result **out, double s_a, double n_a,
                                 double s_b, double n_b, double prior_a,
                                 double prior_b, double cred_level);

/* Normal model for a continuous metric: per-arm mean, standard deviation
 * and size; the unknown variance is plugged in (sd^2 / n: the sampling
 * variance of the mean), prior N(prior_mean, prior_sd^2) on each arm's
 * mean (prior_sd = Inf: flat prior). Conjugate normal posteriors; P(B > A),
 * losses and the difference interval in closed form; the lift interval by
 * inverting P(B - r A <= 0) (exact when A > 0 a.s.; Fieller-type). */
CAUSAL_API int causal_bayes_normal(causal_result **out, double mean_a,
                                   double sd_a, double n_a, double mean_b,
                                   double sd_b, double n_b, double prior_mean,
                                   double prior_sd, double cred_level);

/* Normal model with UNKNOWN variance (added in 0.2): a Normal–Inverse-
 * Gamma conjugate prior on each arm's (mu, sigma^2),
 *   sigma^2 ~ InvGamma(prior_shape, prior_scale),
 *   mu | sigma^2 ~ N(prior_mean, sigma^2 / prior_kappa),
 * updated with the arm's mean, sample sd (n - 1 denominator) and size n:
 *   kappa_n = kappa_0 + n, mu_n = (kappa_0 mu_0 + n mean) / kappa_n,
 *   a_n = a_0 + n / 2,
 *   b_n = b_0 + (n - 1) sd^2 / 2 + kappa_0 n (mean - mu_0)^2 / (2 kappa_n).
 * The posterior of mu is Student t with 2 a_n df, location mu_n and scale
 * sqrt(b_n / (a_n kappa_n)). prior_kappa = 0, prior_shape = -0.5,
 * prior_scale = 0 is the reference prior p(mu, sigma^2) ~ 1 / sigma^2:
 * mu | data ~ t_{n-1}(mean, sd^2 / n). Requires prior_kappa >= 0,
 * prior_shape >= -0.5, prior_scale >= 0 (prior_mean finite when
 * prior_kappa > 0) and posterior df 2 a_n > 1 per arm (the expected
 * losses need a finite mean). P(B > A), the expected losses and the
 * difference interval by adaptive quadrature over A's quantiles (closed
 * form partial expectations of the t); the lift interval as in
 * causal_bayes_normal (NaN with a warning unless P(A <= 0) < 1e-9).
 * Entries as above with model "normal_nig"; post_*_1 / post_*_2 are the
 * t location and scale, plus scalars "post_a_df", "post_b_df". */
CAUSAL_API int causal_bayes_normal_nig(causal_result **out, double mean_a,
                                       double sd_a, double n_a, double mean_b,
                                       double sd_b, double n_b,
                                       double prior_mean, double prior_kappa,
                                       double prior_shape, double prior_scale,
                                       double cred_level);

/* Gamma–Poisson for counts: total count y and exposure e per arm (units,
 * days), prior Gamma(shape, rate) on each rate. Posteriors Gamma(shape +
 * y, rate + e). P(lambda_B > lambda_A) = I_{e'_A/(e'_A+e'_B)}(a_A, a_B)
 * exactly (incomplete beta); the lift interval exactly from the beta
 * distribution of the rate ratio; the difference interval by quadrature;
 * losses in closed form. */
CAUSAL_API int causal_bayes_gamma(causal_result **out, double y_a, double e_a,
                                  double y_b, double e_b, double prior_shape,
                                  double prior_rate, double cred_level);

/* P(X_B > X_A) for independent X_A ~ Beta(a1, b1), X_B ~ Beta(a2, b2),
 * by quadrature (method 0) or, when a2 is an integer, Evan Miller's sum
 * (method 1). */
CAUSAL_API int causal_bayes_prob_beta(double a1, double b1, double a2,
                                      double b2, int method, double *prob);

/* ---- decisions -----------------------------------------------------------
 * m metrics, each with an estimated treatment effect and standard error
 * (any scale: absolute or relative lift), a role, a direction and, for
 * guardrails, a non-inferiority margin (> 0, in the effect's units).
 *   role[i]      CAUSAL_METRIC_GOAL or CAUSAL_METRIC_GUARDRAIL
 *   direction[i] +1: higher is better, -1: lower is better
 *   weight[i]    OEC weight of a goal metric (>= 0; ignored for guardrails)
 * OEC = sum_goal w_i dir_i est_i with se sqrt(sum w_i^2 se_i^2) (metrics
 * treated as independent). With z = z_{1-alpha} (one-sided, per check):
 *   stop   if any guardrail is significantly worse than its margin
 *          (dir est + z se < -margin) or the OEC is significantly negative
 *   ship   if the OEC is significantly positive (lower bound > 0) and every
 *          guardrail is shown non-inferior (dir est - z se > -margin)
 *   hold   otherwise.
 * Result kind "decision": string "decision" ("ship", "hold", "stop"),
 * string "reasons" (one sentence per finding, separated by "; "), scalars
 * "oec", "oec_std_error", "oec_conf_low", "oec_conf_high", "oec_p_value";
 * vectors (named by metric) "noninferiority_p_value" and
 * "guardrail_conf_low" (dir-adjusted lower bounds; NaN for goals). */
enum { CAUSAL_METRIC_GOAL = 1, CAUSAL_METRIC_GUARDRAIL = 2 };

CAUSAL_API int causal_decision_evaluate(causal_result **out, size_t m,
                                        const char *const *names,
                                        const double *estimate,
                                        const double *std_error,
                                        const int *role, const int *direction,
                                        const double *weight,
                                        const double *margin, double alpha);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_BAYES_AB_H */
