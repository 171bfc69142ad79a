/* Internal scalar distribution API (R-style), used by the public vectorized
 * entry causal_dist_eval and directly by estimators.
 *
 * Conventions:
 *  - lower_tail != 0: P(X <= x); otherwise P(X > x), computed directly.
 *  - log_p != 0: probabilities (arguments of q*, results of p*) are logs.
 *  - d* functions take log_p as "return the log density".
 *  - Parameters are assumed valid (the public entry validates them);
 *    x = +-Inf is handled, NaN propagates.
 *  - Gamma uses (shape, scale). Discrete quantiles return integer-valued
 *    doubles: the smallest k with P(X <= k) >= p (lower tail) or with
 *    P(X > k) <= p (upper tail).
 */
#ifndef CZ_INTERNAL_DIST_H
#define CZ_INTERNAL_DIST_H

/* ---- special functions (lib/dist_special.c) ---- */
double cz_lgamma(double x);          /* log Gamma(x), x > 0 */
double cz_lgamma1p(double a);        /* log Gamma(1 + a), accurate near 0 */
double cz_lbeta(double a, double b); /* log B(a, b), a, b > 0 */
/* log(n!) - [(n + 1/2) log n - n + log(2 pi)/2]: Stirling's error, n > 0 */
double cz_stirlerr(double n);
/* Loader's deviance term x log(x / np) + np - x, computed stably. */
double cz_bd0(double x, double np);
/* log(1 - exp(x)) for x < 0 */
double cz_log1mexp(double x);
/* log of x^a e^-x / Gamma(a + 1) (Poisson mass with real x = a), x >= 0 */
double cz_ldpois_raw(double a, double x);
/* log of Gamma(n+1)/(Gamma(k+1)Gamma(n-k+1)) p^k q^(n-k) with q = 1 - p
 * given separately, real k in [0, n]. */
double cz_ldbinom_raw(double k, double n, double p, double q);
/* Regularized incomplete gamma: lower P(a, x) or upper Q(a, x). */
double cz_gamma_inc(double a, double x, int lower_tail, int log_p);
/* Regularized incomplete beta I_x(a, b) (lower) or 1 - I_x(a, b) (upper);
 * y = 1 - x is passed separately so callers can keep it accurate. */
double cz_beta_inc(double x, double y, double a, double b, int lower_tail,
                   int log_p);

/* ---- standard normal (lib/dist_special.c) ---- */
double cz_dnorm(double x, int log_p);
double cz_pnorm(double x, int lower_tail, int log_p);
double cz_qnorm(double p, int lower_tail, int log_p);

/* ---- other families (lib/dist.c) ---- */
double cz_dt(double x, double df, int log_p);
double cz_pt(double x, double df, int lower_tail, int log_p);
double cz_qt(double p, double df, int lower_tail, int log_p);

double cz_dchisq(double x, double df, int log_p);
double cz_pchisq(double x, double df, int lower_tail, int log_p);
double cz_qchisq(double p, double df, int lower_tail, int log_p);

double cz_df(double x, double df1, double df2, int log_p);
double cz_pf(double x, double df1, double df2, int lower_tail, int log_p);
double cz_qf(double p, double df1, double df2, int lower_tail, int log_p);

double cz_dbeta(double x, double a, double b, int log_p);
double cz_pbeta(double x, double a, double b, int lower_tail, int log_p);
double cz_qbeta(double p, double a, double b, int lower_tail, int log_p);

double cz_dgamma(double x, double shape, double scale, int log_p);
double cz_pgamma(double x, double shape, double scale, int lower_tail,
                 int log_p);
double cz_qgamma(double p, double shape, double scale, int lower_tail,
                 int log_p);

double cz_dbinom(double x, double size, double prob, int log_p);
double cz_pbinom(double x, double size, double prob, int lower_tail,
                 int log_p);
double cz_qbinom(double p, double size, double prob, int lower_tail,
                 int log_p);

double cz_dpois(double x, double lambda, int log_p);
double cz_ppois(double x, double lambda, int lower_tail, int log_p);
double cz_qpois(double p, double lambda, int lower_tail, int log_p);

#endif /* CZ_INTERNAL_DIST_H */
