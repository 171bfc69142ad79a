/* Internal helpers of the IV fit (lib/iv.c) exposed for unit tests. The
 * fit itself, cz_iv_fit, is declared in internal/regress.h. */
#ifndef CZ_INTERNAL_IV_H
#define CZ_INTERNAL_IV_H

/* The solution set of a2 b^2 + a1 b + a0 <= 0 over the real line, as used
 * for the Anderson–Rubin confidence set. Returns the static type name:
 *   "interval"  [*lo, *hi]
 *   "rays"      (-Inf, *lo] U [*hi, Inf)
 *   "ray"       [*lo, Inf) or (-Inf, *hi] (the other bound infinite)
 *   "all"       *lo = -Inf, *hi = +Inf
 *   "empty"     *lo = *hi = NaN */
const char *cz_iv_quadratic_set(double a2, double a1, double a0, double *lo,
                                double *hi);

#endif
