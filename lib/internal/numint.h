/* Small numerical kernels shared by the design modules (power, sequential,
 * bayes_ab): a bracketing root finder and adaptive Gauss–Kronrod
 * quadrature. Header-only (static functions), private to the library.
 *
 * Root finder: Brent's method (Brent 1973, "Algorithms for minimization
 * without derivatives", ch. 4): inverse quadratic interpolation / secant
 * steps guarded by bisection, so it never leaves the bracket and converges
 * at least linearly. Written from the published description.
 *
 * Quadrature: the 21-point Kronrod extension of the 10-point Gauss rule
 * (nodes and weights from Piessens et al. 1983, QUADPACK tables, which are
 * public mathematical constants) with global adaptive bisection of the
 * interval of largest error estimate, on a fixed-size stack array (no
 * allocation). Integrable endpoint singularities (x^-1/2 of Beta(1/2, .)
 * densities) are handled by repeated bisection towards the endpoint. */
#ifndef CZ_INTERNAL_NUMINT_H
#define CZ_INTERNAL_NUMINT_H

#include "internal/core.h"

#include <float.h>
#include <math.h>
#include <stddef.h>

typedef double (*cz_fn1)(double x, void *ctx);

/* Root of f in [a, b] where f(a) and f(b) have opposite signs (or one is
 * zero). Absolute tolerance xtol + 4 eps |x|. Returns 0 on success, -1 if
 * the bracket is invalid or f is NaN, -2 if maxit is exhausted (the best
 * point is still stored). */
static int CZ_UNUSED cz_brent(cz_fn1 f, void *ctx, double a, double b,
                              double fa, double fb, double xtol, int maxit,
                              double *root) {
  if (isnan(fa) || isnan(fb))
    return -1;
  if (fa == 0) {
    *root = a;
    return 0;
  }
  if (fb == 0) {
    *root = b;
    return 0;
  }
  if ((fa > 0) == (fb > 0))
    return -1;
  double c = a, fc = fa, d = b - a, e = d;
  for (int it = 0; it < maxit; it++) {
    if ((fb > 0) == (fc > 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (fabs(fc) < fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    double tol = 2 * DBL_EPSILON * fabs(b) + 0.5 * xtol;
    double m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0) {
      *root = b;
      return 0;
    }
    if (fabs(e) >= tol && fabs(fa) > fabs(fb)) {
      double s = fb / fa, p, q;
      if (a == c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        double qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0)
        q = -q;
      else
        p = -p;
      if (2 * p < 3 * m * q - fabs(tol * q) && 2 * p < fabs(e * q)) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
    fb = f(b, ctx);
    if (isnan(fb))
      return -1;
  }
  *root = b;
  return -2;
}

/* Gauss–Kronrod 21-point nodes (non-negative half) and weights. */
static const double cz_gk21_x[11] = {
    0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
    0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
    0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
    0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
    0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
    0.000000000000000000000000000000000};
static const double cz_gk21_wk[11] = {
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077746800950500, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821};
static const double cz_gk21_wg[5] = {
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338};

static double CZ_UNUSED cz_gk21(cz_fn1 f, void *ctx, double a, double b,
                                double *err) {
  double c = 0.5 * (a + b), h = 0.5 * (b - a);
  double fc = f(c, ctx);
  double rk = fc * cz_gk21_wk[10], rg = 0;
  for (int j = 0; j < 10; j++) {
    double dx = h * cz_gk21_x[j];
    double f1 = f(c - dx, ctx), f2 = f(c + dx, ctx);
    rk += cz_gk21_wk[j] * (f1 + f2);
    if (j % 2 == 1)
      rg += cz_gk21_wg[j / 2] * (f1 + f2);
  }
  *err = fabs((rk - rg) * h);
  return rk * h;
}

#define CZ_QUAD_MAXINT 400

/* Adaptive integral of f over [a, b] to absolute error abstol (or relative
 * reltol of the result). *err receives the final error estimate. Returns 0
 * on success, -2 when the interval budget ran out (result still stored),
 * -1 on NaN. The interval is first split at the given breakpoints
 * (npts interior points, ascending, inside (a, b); may be 0). */
static int CZ_UNUSED cz_quad(cz_fn1 f, void *ctx, double a, double b,
                             const double *pts, size_t npts, double abstol,
                             double reltol, double *result, double *err) {
  double lo[CZ_QUAD_MAXINT], hi[CZ_QUAD_MAXINT], val[CZ_QUAD_MAXINT],
      er[CZ_QUAD_MAXINT];
  size_t n = 0;
  double prev = a;
  for (size_t i = 0; i <= npts && n < CZ_QUAD_MAXINT / 2; i++) {
    double next = i < npts ? pts[i] : b;
    if (!(next > prev))
      continue;
    lo[n] = prev;
    hi[n] = next;
    val[n] = cz_gk21(f, ctx, prev, next, &er[n]);
    n++;
    prev = next;
  }
  for (;;) {
    double tot = 0, terr = 0;
    size_t worst = 0;
    for (size_t i = 0; i < n; i++) {
      tot += val[i];
      terr += er[i];
      if (er[i] > er[worst])
        worst = i;
    }
    *result = tot;
    *err = terr;
    if (isnan(tot) || isnan(terr))
      return -1;
    if (terr <= abstol || terr <= reltol * fabs(tot))
      return 0;
    if (n + 1 >= CZ_QUAD_MAXINT)
      return -2;
    double m = 0.5 * (lo[worst] + hi[worst]);
    if (!(m > lo[worst] && m < hi[worst]))
      return -2; /* cannot split further */
    double e1, e2;
    double v1 = cz_gk21(f, ctx, lo[worst], m, &e1);
    double v2 = cz_gk21(f, ctx, m, hi[worst], &e2);
    lo[n] = m;
    hi[n] = hi[worst];
    val[n] = v2;
    er[n] = e2;
    n++;
    hi[worst] = m;
    val[worst] = v1;
    er[worst] = e1;
  }
}

#endif /* CZ_INTERNAL_NUMINT_H */
