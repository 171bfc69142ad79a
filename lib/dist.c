/* Probability distributions: scalar families (cz_* in internal/dist.h) and
 * the public vectorized entry causal_dist_eval.
 *
 * The heavy lifting (incomplete gamma/beta, normal tails, log-gamma) lives
 * in dist_special.c. Here each family is reduced to those functions, and
 * quantiles are found by a safeguarded Newton iteration on the log of the
 * smaller tail (continuous families) or by a bracketing integer search from
 * a Cornish-Fisher start (discrete families).
 */
#include "internal/core.h"
#include "internal/dist.h"

#include <float.h>
#include <math.h>

#define CZ_PI 3.14159265358979323846264338328
#define CZ_LN2 0.693147180559945309417232121458

/* log of one tail -> requested tail / scale */
static double tail_out(double lt, int have_lower, int lower, int log_p) {
  if (have_lower == lower)
    return log_p ? lt : exp(lt);
  if (lt >= 0.0)
    return log_p ? -INFINITY : 0.0;
  return log_p ? cz_log1mexp(lt) : -expm1(lt);
}

static double prob0(int log_p) { return log_p ? -INFINITY : 0.0; }
static double prob1(int log_p) { return log_p ? 0.0 : 1.0; }
static double dens_out(double ld, int log_p) { return log_p ? ld : exp(ld); }

/* ---- probability targets for quantiles ---------------------------------
 * A quantile request (p, lower, log_p) is turned into "log of the tail
 * `lower` equals lp" with lp <= log(1/2) where possible: for p > 1/2 the
 * complement 1 - p is exact, so no accuracy is lost by switching tails. */
typedef struct {
  int lower;   /* which tail the target refers to */
  double lp;   /* log of the target tail probability */
  int edge;    /* -1: quantile at the lower end, +1: upper end, 0: inside */
} cz_ptarget;

static cz_ptarget ptarget(double p, int lower, int log_p) {
  cz_ptarget t = {lower, 0.0, 0};
  double lp = log_p ? p : log(p);
  if (lp == -INFINITY) {
    t.edge = lower ? -1 : 1;
    return t;
  }
  if (lp == 0.0) {
    t.edge = lower ? 1 : -1;
    return t;
  }
  if (lp > -CZ_LN2) {
    t.lower = !lower;
    t.lp = log_p ? cz_log1mexp(p) : log1p(-p);
  } else {
    t.lower = lower;
    t.lp = lp;
  }
  return t;
}

/* ---- generic continuous quantile solver --------------------------------- */

enum { Q_TPOS, Q_GAMMA, Q_BETA };

typedef struct {
  int fam;
  double a, b;
} qspec;

static double qs_logtail(const qspec *s, double v, int lower) {
  switch (s->fam) {
  case Q_TPOS:
    return cz_pt(v, s->a, lower, 1);
  case Q_GAMMA:
    return cz_gamma_inc(s->a, v, lower, 1);
  default:
    return cz_beta_inc(v, 1.0 - v, s->a, s->b, lower, 1);
  }
}

static double qs_logpdf(const qspec *s, double v) {
  switch (s->fam) {
  case Q_TPOS:
    return cz_dt(v, s->a, 1);
  case Q_GAMMA:
    return cz_dgamma(v, s->a, 1.0, 1);
  default:
    return cz_dbeta(v, s->a, s->b, 1);
  }
}

/* Solve log tail(v) = lp for v in (vlo, vhi), 0 <= vlo < vhi <= Inf.
 * Newton steps are taken in u = log v (tails are close to linear there for
 * power-law and exponential tails) and applied multiplicatively so v keeps
 * full relative precision; a step that leaves the bracket is replaced by
 * bisection in log v (or by expansion when a side is open). */
static double qsolve(const qspec *s, int lower, double lp, double v, double vlo,
                     double vhi) {
  for (int it = 0; it < 400; it++) {
    double lt = qs_logtail(s, v, lower);
    double g = lt - lp;
    if (g == 0.0)
      return v;
    int above = lower ? (g > 0.0) : (g < 0.0); /* v is right of the root */
    if (above)
      vhi = v;
    else
      vlo = v;
    double ld = qs_logpdf(s, v);
    double slope = exp(log(v) + ld - lt); /* |d log tail / d log v| */
    double du = lower ? -g / slope : g / slope;
    double vn = v * exp(du);
    /* A Newton step below one ulp of v is convergence, even when rounding
     * puts v itself on the bracket edge (otherwise bisection would run). */
    if (isfinite(du) && (fabs(du) <= 4e-16 || vn == v))
      return vn;
    if (!(vn > vlo && vn < vhi) || !isfinite(du)) {
      if (vlo > 0.0 && isfinite(vhi))
        vn = sqrt(vlo) * sqrt(vhi);
      else if (vlo == 0.0)
        vn = vhi * exp(-fmax(2.0, fabs(log(vhi))));
      else
        vn = vlo * exp(fmax(2.0, fabs(log(vlo))));
      if (vn == 0.0)
        vn = vlo > 0.0 ? vlo : DBL_TRUE_MIN;
      if (isinf(vn))
        vn = DBL_MAX;
      du = 1.0;
    }
    if (fabs(du) <= 4e-16 || vn == v)
      return vn;
    if (vhi < DBL_MAX && vlo > 0.0 && vhi - vlo <= 2e-16 * vlo)
      return vn;
    if (vn <= DBL_TRUE_MIN && v <= DBL_TRUE_MIN)
      return above ? 0.0 : vn;
    if (vn >= DBL_MAX && v >= DBL_MAX)
      return INFINITY;
    v = vn;
  }
  return v;
}

/* ---- t ------------------------------------------------------------------ */

double cz_dt(double x, double df, int log_p) {
  if (isnan(x) || isnan(df))
    return x + df;
  if (isinf(df))
    return cz_dnorm(x, log_p);
  if (isinf(x))
    return prob0(log_p);
  double h = 0.5 * df, lr;
  if (df >= 20.0) /* log Gamma(h + 1/2) - log Gamma(h) via Stirling errors */
    lr = h * log1p(-0.5 / h) + 0.5 + 0.5 * log(h) + cz_stirlerr(h - 0.5) -
         cz_stirlerr(h);
  else
    lr = cz_lgamma(h + 0.5) - cz_lgamma(h);
  double ax = fabs(x), L;
  double w = x * x / df;
  if (isfinite(w) && w < 1e300)
    L = log1p(w);
  else
    L = 2.0 * log(ax) - log(df) + log1p(df / ax / ax);
  return dens_out(lr - 0.5 * log(df * CZ_PI) - 0.5 * (df + 1.0) * L, log_p);
}

double cz_pt(double x, double df, int lower, int log_p) {
  if (isnan(x) || isnan(df))
    return x + df;
  if (isinf(df))
    return cz_pnorm(x, lower, log_p);
  if (isinf(x))
    return ((x < 0) == (lower != 0)) ? prob0(log_p) : prob1(log_p);
  if (x == 0.0)
    return log_p ? -CZ_LN2 : 0.5;
  double ax = fabs(x), lsmall; /* log P(T > |x|) */
  if (df == 1.0) {
    lsmall = ax >= 1.0 ? log(atan(1.0 / ax) / CZ_PI)
                       : log(0.5 - atan(ax) / CZ_PI);
  } else {
    /* P(T > |x|) = I_{df/(df+x^2)}(df/2, 1/2) / 2; both arguments of the
     * incomplete beta are formed without cancellation. */
    double w = x * x / df, xb, yb;
    if (!(isfinite(w) && w > 0.0)) {
      double r = ax / sqrt(df);
      w = r * r;
    }
    if (w < 1.0) {
      xb = 1.0 / (1.0 + w);
      yb = w / (1.0 + w);
    } else {
      double iw = 1.0 / w;
      xb = iw / (1.0 + iw);
      yb = 1.0 / (1.0 + iw);
    }
    lsmall = cz_beta_inc(xb, yb, 0.5 * df, 0.5, 1, 1) - CZ_LN2;
  }
  return tail_out(lsmall, x < 0.0, lower, log_p);
}

double cz_qt(double p, double df, int lower, int log_p) {
  if (isnan(p) || isnan(df))
    return p + df;
  if (isinf(df))
    return cz_qnorm(p, lower, log_p);
  cz_ptarget t = ptarget(p, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? -INFINITY : INFINITY;
  if (t.lp == -CZ_LN2)
    return 0.0;
  /* |quantile| has upper tail probability exp(lp) for |T| on the positive
   * side; the sign is negative when the target is the lower tail. */
  double sign = t.lower ? -1.0 : 1.0, lp = t.lp, m;
  if (df == 1.0) {
    /* use p itself when given (1 - p is exact for p > 1/2) */
    double s = log_p ? exp(lp) : (p <= 0.5 ? p : 1.0 - p);
    if (lp < -708.0) /* s would be subnormal: 1/tan(pi s) = 1/(pi s) */
      m = exp(-lp - log(CZ_PI));
    else
      m = s <= 0.25 ? 1.0 / tan(CZ_PI * s) : tan(CZ_PI * (0.5 - s));
    return sign * m;
  }
  /* Normal quantile is a lower bound, the power-law tail approximation an
   * upper bound: use them to bracket. */
  double z = cz_qnorm(lp, 0, 1);
  double cf = z + (z * z * z + z) / (4.0 * df);
  double lK = cz_lgamma(0.5 * (df + 1.0)) - cz_lgamma(0.5 * df) -
              0.5 * log(df * CZ_PI);
  double lpow = (lK + 0.5 * (df + 1.0) * log(df) - log(df) - lp) / df;
  double vhi = lpow < 709.0 ? exp(lpow) : INFINITY;
  double v0 = fmin(vhi, fmax(z, cf));
  if (!(v0 > 0.0))
    v0 = z > 0.0 ? z : 1e-3;
  double vlo = z > 0.0 ? z * (1.0 - 1e-12) : 0.0;
  if (!(vhi > vlo))
    vhi = INFINITY;
  qspec s = {Q_TPOS, df, 0.0};
  return sign * qsolve(&s, 0, lp, v0, vlo, vhi);
}

/* ---- gamma / chi-square -------------------------------------------------- */

double cz_dgamma(double x, double shape, double scale, int log_p) {
  if (isnan(x) || isnan(shape) || isnan(scale))
    return x + shape + scale;
  if (x < 0.0 || isinf(x))
    return prob0(log_p);
  if (x == 0.0) {
    if (shape < 1.0)
      return INFINITY;
    if (shape > 1.0)
      return prob0(log_p);
    return log_p ? -log(scale) : 1.0 / scale;
  }
  double y = x / scale;
  double ld;
  if (shape < 1.0) /* x^(a-1) e^-x / Gamma(a) = pois(a; x) * a / x */
    ld = cz_ldpois_raw(shape, y) + log(shape / y) - log(scale);
  else
    ld = cz_ldpois_raw(shape - 1.0, y) - log(scale);
  return dens_out(ld, log_p);
}

double cz_pgamma(double x, double shape, double scale, int lower, int log_p) {
  if (isnan(x) || isnan(shape) || isnan(scale))
    return x + shape + scale;
  return cz_gamma_inc(shape, x / scale, lower, log_p);
}

static double qgamma1(double a, cz_ptarget t) {
  double z = t.lower ? cz_qnorm(t.lp, 1, 1) : cz_qnorm(t.lp, 0, 1);
  double c = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * sqrt(a));
  double wh = a * c * c * c; /* Wilson-Hilferty */
  double x0;
  if (t.lower) {
    /* P(a, x) <= x^a / Gamma(a+1): power law is a lower bound */
    double lpow = (t.lp + cz_lgamma1p(a)) / a;
    double pw = exp(lpow);
    x0 = wh > 0.0 ? fmax(wh, pw) : pw;
    if (pw == 0.0 && !(wh > 0.0))
      return 0.0;
  } else {
    double e = -t.lp + (a - 1.0) * log(-t.lp) - cz_lgamma(a);
    x0 = wh > 0.0 ? wh : a;
    if (e > x0 && t.lp < -5.0)
      x0 = e;
  }
  if (!(x0 > 0.0) || !isfinite(x0))
    x0 = a;
  qspec s = {Q_GAMMA, a, 0.0};
  return qsolve(&s, t.lower, t.lp, x0, 0.0, INFINITY);
}

double cz_qgamma(double p, double shape, double scale, int lower, int log_p) {
  if (isnan(p) || isnan(shape) || isnan(scale))
    return p + shape + scale;
  cz_ptarget t = ptarget(p, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? 0.0 : INFINITY;
  return qgamma1(shape, t) * scale;
}

double cz_dchisq(double x, double df, int log_p) {
  return cz_dgamma(x, 0.5 * df, 2.0, log_p);
}
double cz_pchisq(double x, double df, int lower, int log_p) {
  return cz_pgamma(x, 0.5 * df, 2.0, lower, log_p);
}
double cz_qchisq(double p, double df, int lower, int log_p) {
  return cz_qgamma(p, 0.5 * df, 2.0, lower, log_p);
}

/* ---- beta / F ------------------------------------------------------------ */

double cz_dbeta(double x, double a, double b, int log_p) {
  if (isnan(x) || isnan(a) || isnan(b))
    return x + a + b;
  if (x < 0.0 || x > 1.0)
    return prob0(log_p);
  if (x == 0.0 || x == 1.0) {
    double s = x == 0.0 ? a : b, o = x == 0.0 ? b : a;
    if (s < 1.0)
      return INFINITY;
    if (s > 1.0)
      return prob0(log_p);
    return log_p ? log(o) : o; /* 1 / B(1, o) = o */
  }
  double y = 1.0 - x, ld;
  if (a <= 2.0 || b <= 2.0) {
    ld = (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - cz_lbeta(a, b);
  } else {
    /* x^(a-1) y^(b-1) / B(a, b) = (a+b-1) * binom(a+b-2, a-1) x^(a-1)
     * y^(b-1): Loader's form keeps full accuracy for large a, b. */
    ld = log(a + b - 1.0) + cz_ldbinom_raw(a - 1.0, a + b - 2.0, x, y);
  }
  return dens_out(ld, log_p);
}

double cz_pbeta(double x, double a, double b, int lower, int log_p) {
  if (isnan(x) || isnan(a) || isnan(b))
    return x + a + b;
  if (x <= 0.0)
    return lower ? prob0(log_p) : prob1(log_p);
  if (x >= 1.0)
    return lower ? prob1(log_p) : prob0(log_p);
  return cz_beta_inc(x, 1.0 - x, a, b, lower, log_p);
}

/* Beta quantile as (v, flip): v is x (flip = 0) or y = 1 - x (flip = 1),
 * whichever is below 1/2, so both x and 1 - x are available accurately. */
static double qbeta_v(double a, double b, cz_ptarget t, int *flip) {
  double l05 = cz_beta_inc(0.5, 0.5, a, b, t.lower, 1);
  int below = t.lower ? (t.lp < l05) : (t.lp > l05);
  double ap = a, bp = b;
  int lw = t.lower;
  *flip = 0;
  if (!below) {
    ap = b;
    bp = a;
    lw = !lw;
    *flip = 1;
  }
  if (t.lp == l05)
    return 0.5;
  double mu = ap / (ap + bp), sd = sqrt(ap * bp / (ap + bp + 1.0)) / (ap + bp);
  double z = cz_qnorm(t.lp, lw, 1);
  double v0 = mu + z * sd;
  if (lw) {
    double pw = exp((t.lp + log(ap) + cz_lbeta(ap, bp)) / ap);
    if (pw == 0.0)
      return 0.0;
    if (!(v0 > 0.0 && v0 < 0.5) || pw < v0)
      v0 = pw;
  }
  if (!(v0 > 0.0))
    v0 = 0.5 * mu;
  if (v0 >= 0.5)
    v0 = 0.25;
  qspec s = {Q_BETA, ap, bp};
  return qsolve(&s, lw, t.lp, v0, 0.0, 0.5);
}

double cz_qbeta(double p, double a, double b, int lower, int log_p) {
  if (isnan(p) || isnan(a) || isnan(b))
    return p + a + b;
  cz_ptarget t = ptarget(p, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? 0.0 : 1.0;
  int flip;
  double v = qbeta_v(a, b, t, &flip);
  return flip ? 1.0 - v : v;
}

double cz_df(double x, double m, double n, int log_p) {
  if (isnan(x) || isnan(m) || isnan(n))
    return x + m + n;
  if (x < 0.0 || isinf(x))
    return prob0(log_p);
  if (isinf(m) && isinf(n))
    return x == 1.0 ? INFINITY : prob0(log_p);
  if (isinf(n)) /* chi^2_m / m */
    return log_p ? log(m) + cz_dchisq(m * x, m, 1) : m * cz_dchisq(m * x, m, 0);
  if (isinf(m)) { /* n / chi^2_n */
    if (x == 0.0)
      return prob0(log_p);
    double ld = cz_dchisq(n / x, n, 1) + log(n) - 2.0 * log(x);
    return dens_out(ld, log_p);
  }
  if (x == 0.0) {
    if (m < 2.0)
      return INFINITY;
    if (m > 2.0)
      return prob0(log_p);
    return prob1(log_p);
  }
  /* f = p^a q^b / (B(a,b) x) with p = mx/(n+mx), q = n/(n+mx) */
  double r = n / (m * x);
  if (!isfinite(r) || r == 0.0)
    r = (n / m) / x;
  double pp = 1.0 / (1.0 + r), qq = r / (1.0 + r);
  double a = 0.5 * m, b = 0.5 * n;
  double ld = cz_ldbinom_raw(a, a + b, pp, qq) + log(a * b / (a + b)) - log(x);
  return dens_out(ld, log_p);
}

double cz_pf(double x, double m, double n, int lower, int log_p) {
  if (isnan(x) || isnan(m) || isnan(n))
    return x + m + n;
  if (x <= 0.0)
    return lower ? prob0(log_p) : prob1(log_p);
  if (isinf(x))
    return lower ? prob1(log_p) : prob0(log_p);
  if (isinf(m) && isinf(n))
    return (x < 1.0) == (lower != 0) ? prob0(log_p) : prob1(log_p);
  if (isinf(n))
    return cz_pchisq(x * m, m, lower, log_p);
  if (isinf(m))
    return cz_pchisq(n / x, n, !lower, log_p);
  double r = n / (m * x);
  if (!isfinite(r) || r == 0.0)
    r = (n / m) / x;
  double pp = 1.0 / (1.0 + r), qq = r / (1.0 + r);
  return cz_beta_inc(pp, qq, 0.5 * m, 0.5 * n, lower, log_p);
}

double cz_qf(double p, double m, double n, int lower, int log_p) {
  if (isnan(p) || isnan(m) || isnan(n))
    return p + m + n;
  cz_ptarget t = ptarget(p, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? 0.0 : INFINITY;
  if (isinf(m) && isinf(n))
    return 1.0;
  if (isinf(n))
    return qgamma1(0.5 * m, t) * 2.0 / m;
  if (isinf(m)) {
    cz_ptarget u = t;
    u.lower = !t.lower;
    return n / (qgamma1(0.5 * n, u) * 2.0);
  }
  int flip;
  double v = qbeta_v(0.5 * m, 0.5 * n, t, &flip);
  double xb = flip ? 1.0 - v : v, yb = flip ? v : 1.0 - v;
  return (n / m) * (xb / yb);
}

/* ---- discrete families --------------------------------------------------- */

double cz_dbinom(double x, double n, double p, int log_p) {
  if (isnan(x) || isnan(n) || isnan(p))
    return x + n + p;
  if (x < 0.0 || x > n || x != floor(x))
    return prob0(log_p);
  return dens_out(cz_ldbinom_raw(x, n, p, 1.0 - p), log_p);
}

double cz_pbinom(double x, double n, double p, int lower, int log_p) {
  if (isnan(x) || isnan(n) || isnan(p))
    return x + n + p;
  double k = floor(x);
  if (k < 0.0)
    return lower ? prob0(log_p) : prob1(log_p);
  if (k >= n)
    return lower ? prob1(log_p) : prob0(log_p);
  if (p == 0.0)
    return lower ? prob1(log_p) : prob0(log_p);
  if (p == 1.0)
    return lower ? prob0(log_p) : prob1(log_p);
  /* P(X > k) = I_p(k + 1, n - k) */
  return cz_beta_inc(p, 1.0 - p, k + 1.0, n - k, !lower, log_p);
}

double cz_dpois(double x, double lambda, int log_p) {
  if (isnan(x) || isnan(lambda))
    return x + lambda;
  if (x < 0.0 || x != floor(x) || isinf(x))
    return prob0(log_p);
  if (lambda == 0.0)
    return x == 0.0 ? prob1(log_p) : prob0(log_p);
  return dens_out(cz_ldpois_raw(x, lambda), log_p);
}

double cz_ppois(double x, double lambda, int lower, int log_p) {
  if (isnan(x) || isnan(lambda))
    return x + lambda;
  double k = floor(x);
  if (k < 0.0)
    return lower ? prob0(log_p) : prob1(log_p);
  if (lambda == 0.0 || isinf(k))
    return lower ? prob1(log_p) : prob0(log_p);
  /* P(X <= k) = Q(k + 1, lambda) */
  return cz_gamma_inc(k + 1.0, lambda, !lower, log_p);
}

typedef struct {
  int binom;
  double n, p, lambda;
} dspec;

static double ds_logtail(const dspec *d, double k, int lower) {
  return d->binom ? cz_pbinom(k, d->n, d->p, lower, 1)
                  : cz_ppois(k, d->lambda, lower, 1);
}

/* pred(k): cdf(k) >= target (lower target) or sf(k) <= target (upper). */
static int ds_pred(const dspec *d, cz_ptarget t, double k) {
  /* A relative fuzz of 64 eps (as R does) so that a tail probability
   * equal to the target up to rounding counts as reaching it. */
  double l = ds_logtail(d, k, t.lower);
  return t.lower ? l >= t.lp - 64 * DBL_EPSILON
                 : l <= t.lp + 64 * DBL_EPSILON;
}

/* Smallest integer k in [0, kmax] with pred(k), starting near k0. */
static double dsearch(const dspec *d, cz_ptarget t, double k0, double kmax) {
  double k = floor(k0);
  if (!(k >= 0.0))
    k = 0.0;
  if (k > kmax)
    k = kmax;
  double lo, hi, step = 1.0;
  if (ds_pred(d, t, k)) {
    hi = k;
    lo = hi - 1.0;
    while (lo >= 0.0 && ds_pred(d, t, lo)) {
      hi = lo;
      step *= 2.0;
      lo = hi - step;
    }
    if (lo < 0.0)
      lo = -1.0; /* pred(-1) is false by convention */
  } else {
    lo = k;
    hi = lo + 1.0;
    while (hi < kmax && !ds_pred(d, t, hi)) {
      lo = hi;
      step *= 2.0;
      hi = lo + step;
    }
    if (hi > kmax)
      hi = kmax; /* pred(kmax) holds: the whole mass is below kmax */
  }
  while (hi - lo > 1.0) {
    double mid = lo + floor(0.5 * (hi - lo));
    if (ds_pred(d, t, mid))
      hi = mid;
    else
      lo = mid;
  }
  return hi;
}

/* Cornish-Fisher start mu + sd (z + g (z^2 - 1) / 6). */
static double cf_start(cz_ptarget t, double mu, double sd, double skew) {
  double z = t.lower ? cz_qnorm(t.lp, 1, 1) : cz_qnorm(t.lp, 0, 1);
  double k = mu + sd * (z + skew * (z * z - 1.0) / 6.0);
  return isfinite(k) ? k : mu;
}

double cz_qbinom(double pr, double n, double p, int lower, int log_p) {
  if (isnan(pr) || isnan(n) || isnan(p))
    return pr + n + p;
  cz_ptarget t = ptarget(pr, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? 0.0 : n;
  if (n == 0.0 || p == 0.0)
    return 0.0;
  if (p == 1.0)
    return n;
  double q = 1.0 - p, sd = sqrt(n * p * q);
  dspec d = {1, n, p, 0.0};
  return dsearch(&d, t, cf_start(t, n * p, sd, (q - p) / sd), n);
}

double cz_qpois(double pr, double lambda, int lower, int log_p) {
  if (isnan(pr) || isnan(lambda))
    return pr + lambda;
  if (lambda == 0.0)
    return 0.0;
  cz_ptarget t = ptarget(pr, lower, log_p);
  if (t.edge)
    return t.edge < 0 ? 0.0 : INFINITY;
  double sd = sqrt(lambda);
  dspec d = {0, 0.0, 0.0, lambda};
  return dsearch(&d, t, cf_start(t, lambda, sd, 1.0 / sd), INFINITY);
}

/* ---- public entry -------------------------------------------------------- */

static const char *family_name(int family) {
  switch (family) {
  case CAUSAL_DIST_NORMAL: return "normal";
  case CAUSAL_DIST_T: return "t";
  case CAUSAL_DIST_CHISQ: return "chisq";
  case CAUSAL_DIST_F: return "f";
  case CAUSAL_DIST_BETA: return "beta";
  case CAUSAL_DIST_GAMMA: return "gamma";
  case CAUSAL_DIST_BINOMIAL: return "binomial";
  case CAUSAL_DIST_POISSON: return "poisson";
  default: return NULL;
  }
}

int causal_dist_nparams(int family) {
  switch (family) {
  case CAUSAL_DIST_NORMAL:
  case CAUSAL_DIST_F:
  case CAUSAL_DIST_BETA:
  case CAUSAL_DIST_GAMMA:
  case CAUSAL_DIST_BINOMIAL:
    return 2;
  case CAUSAL_DIST_T:
  case CAUSAL_DIST_CHISQ:
  case CAUSAL_DIST_POISSON:
    return 1;
  default:
    return cz_fail(CAUSAL_EINVAL,
                   "causal_dist_nparams: unknown distribution family %d",
                   family);
  }
}

/* Validate one parameter: finite (unless inf_ok) and > 0 (or >= 0). */
static int check_param(const char *fam, const char *name, double v,
                       int allow_zero, int inf_ok) {
  int ok = allow_zero ? v >= 0.0 : v > 0.0;
  if (!ok || isnan(v) || (!inf_ok && isinf(v)))
    return cz_fail(CAUSAL_ERANGE, "%s: %s must be %s%s, got %g", fam, name,
                   allow_zero ? ">= 0" : "> 0",
                   inf_ok ? "" : " and finite", v);
  return CAUSAL_OK;
}

static int check_params(int family, const double *par) {
  const char *fam = family_name(family);
  switch (family) {
  case CAUSAL_DIST_NORMAL:
    if (!isfinite(par[0]))
      return cz_fail(CAUSAL_ERANGE, "normal: mean must be finite, got %g",
                     par[0]);
    return check_param(fam, "sd", par[1], 0, 0);
  case CAUSAL_DIST_T:
    return check_param(fam, "df", par[0], 0, 1);
  case CAUSAL_DIST_CHISQ:
    return check_param(fam, "df", par[0], 0, 0);
  case CAUSAL_DIST_F:
    CZ_CHECK(check_param(fam, "df1", par[0], 0, 1));
    return check_param(fam, "df2", par[1], 0, 1);
  case CAUSAL_DIST_BETA:
    CZ_CHECK(check_param(fam, "a", par[0], 0, 0));
    return check_param(fam, "b", par[1], 0, 0);
  case CAUSAL_DIST_GAMMA:
    CZ_CHECK(check_param(fam, "shape", par[0], 0, 0));
    return check_param(fam, "scale", par[1], 0, 0);
  case CAUSAL_DIST_BINOMIAL:
    CZ_CHECK(check_param(fam, "size", par[0], 1, 0));
    if (par[0] != floor(par[0]) || par[0] > 9007199254740992.0)
      return cz_fail(CAUSAL_ERANGE,
                     "binomial: size must be an integer in [0, 2^53], got %g",
                     par[0]);
    if (!(par[1] >= 0.0 && par[1] <= 1.0))
      return cz_fail(CAUSAL_ERANGE, "binomial: prob must be in [0, 1], got %g",
                     par[1]);
    return CAUSAL_OK;
  case CAUSAL_DIST_POISSON:
    return check_param(fam, "lambda", par[0], 1, 0);
  default:
    return CAUSAL_EINVAL;
  }
}

static double eval_one(int family, int func, const double *par, double x) {
  int log_p = func == CAUSAL_DIST_LOGPDF || func == CAUSAL_DIST_LOGCDF ||
              func == CAUSAL_DIST_LOGSF;
  int lower = func == CAUSAL_DIST_CDF || func == CAUSAL_DIST_LOGCDF ||
              func == CAUSAL_DIST_QUANTILE;
  int dens = func == CAUSAL_DIST_PDF || func == CAUSAL_DIST_LOGPDF;
  int quant = func == CAUSAL_DIST_QUANTILE || func == CAUSAL_DIST_ISF;
  double a = par[0], b = family == CAUSAL_DIST_T || family == CAUSAL_DIST_CHISQ ||
                                 family == CAUSAL_DIST_POISSON
                             ? 0.0
                             : par[1];
  switch (family) {
  case CAUSAL_DIST_NORMAL:
    if (quant)
      return a + b * cz_qnorm(x, lower, 0);
    if (dens)
      return log_p ? cz_dnorm((x - a) / b, 1) - log(b)
                   : cz_dnorm((x - a) / b, 0) / b;
    return cz_pnorm((x - a) / b, lower, log_p);
  case CAUSAL_DIST_T:
    if (quant)
      return cz_qt(x, a, lower, 0);
    return dens ? cz_dt(x, a, log_p) : cz_pt(x, a, lower, log_p);
  case CAUSAL_DIST_CHISQ:
    if (quant)
      return cz_qchisq(x, a, lower, 0);
    return dens ? cz_dchisq(x, a, log_p) : cz_pchisq(x, a, lower, log_p);
  case CAUSAL_DIST_F:
    if (quant)
      return cz_qf(x, a, b, lower, 0);
    return dens ? cz_df(x, a, b, log_p) : cz_pf(x, a, b, lower, log_p);
  case CAUSAL_DIST_BETA:
    if (quant)
      return cz_qbeta(x, a, b, lower, 0);
    return dens ? cz_dbeta(x, a, b, log_p) : cz_pbeta(x, a, b, lower, log_p);
  case CAUSAL_DIST_GAMMA:
    if (quant)
      return cz_qgamma(x, a, b, lower, 0);
    return dens ? cz_dgamma(x, a, b, log_p)
                : cz_pgamma(x, a, b, lower, log_p);
  case CAUSAL_DIST_BINOMIAL:
    if (quant)
      return cz_qbinom(x, a, b, lower, 0);
    return dens ? cz_dbinom(x, a, b, log_p) : cz_pbinom(x, a, b, lower, log_p);
  default: /* Poisson */
    if (quant)
      return cz_qpois(x, a, lower, 0);
    return dens ? cz_dpois(x, a, log_p) : cz_ppois(x, a, lower, log_p);
  }
}

int causal_dist_eval(int family, int func, const double *params,
                     size_t nparams, const double *x, size_t n, double *out) {
  const char *fam = family_name(family);
  if (fam == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_dist_eval: unknown distribution family %d", family);
  if (func < CAUSAL_DIST_PDF || func > CAUSAL_DIST_ISF)
    return cz_fail(CAUSAL_EINVAL, "causal_dist_eval: unknown function %d",
                   func);
  size_t np = (size_t)causal_dist_nparams(family);
  if (nparams != np)
    return cz_fail(CAUSAL_EDIM,
                   "causal_dist_eval: %s takes %zu parameters, got %zu", fam,
                   np, nparams);
  if (params == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_dist_eval: params is NULL");
  CZ_CHECK(check_params(family, params));
  if (n == 0) {
    cz_clear_error();
    return CAUSAL_OK;
  }
  if (x == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_dist_eval: x is NULL");
  if (out == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_dist_eval: out is NULL");
  int quant = func == CAUSAL_DIST_QUANTILE || func == CAUSAL_DIST_ISF;
  /* Validate everything first: x and out may alias, so nothing is written
   * before the whole input is known to be valid. */
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i]))
      return cz_fail(CAUSAL_ENONFINITE, "causal_dist_eval: %s: x[%zu] is NaN",
                     fam, i);
    if (quant && !(x[i] >= 0.0 && x[i] <= 1.0))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_dist_eval: %s: probability x[%zu] = %g is "
                     "outside [0, 1]",
                     fam, i, x[i]);
  }
  double par[2] = {params[0], np > 1 ? params[1] : 0.0};
  for (size_t i = 0; i < n; i++)
    out[i] = eval_one(family, func, par, x[i]);
  cz_clear_error();
  return CAUSAL_OK;
}
