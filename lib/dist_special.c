/* Special functions behind the distributions: log-gamma, Stirling's error,
 * Loader's saddle-point terms, the regularized incomplete gamma and beta
 * functions, and the standard normal distribution.
 *
 * Methods (all from the published literature; see
 * docs/methods/distributions.md for formulas and references):
 *  - log Gamma: Taylor series of log Gamma(2 + e) in zeta(k) - 1 on
 *    |e| <= 1/2, upward recurrence to [1.5, 2.5], Stirling series x >= 13.
 *  - Poisson / binomial kernels: Loader (2000) saddle-point form
 *    exp(-stirlerr - bd0) which keeps full relative accuracy for huge
 *    arguments.
 *  - Incomplete gamma: power series (lower tail), Legendre continued
 *    fraction (upper tail, modified Lentz), the small-shape complement
 *    formula of DiDonato & Morris (1986) for a < 1, x < 2, and Temme's
 *    uniform expansion (two terms) for shapes beyond 1e10.
 *  - Incomplete beta: continued fraction (Didonato-Morris / Numerical
 *    Recipes form, modified Lentz) on the side where it converges, with the
 *    prefactor x^a y^b / B(a, b) in Loader's form.
 *  - Normal cdf: Cody (1993, ACM TOMS 715) rational approximations with the
 *    exp(-x^2/2) splitting trick; quantile: Wichura (1988, AS 241, PPND16),
 *    Newton-refined on the log scale beyond its range.
 */
#include "internal/dist.h"

#include <float.h>
#include <math.h>

#define CZ_LN_SQRT_2PI 0.918938533204672741780329736406
#define CZ_LN_2PI 1.83787706640934548356065947281
#define CZ_1_SQRT_2PI 0.398942280401432677939946059934
#define CZ_EULER 0.577215664901532860606512090082
#define CZ_PI 3.14159265358979323846264338328
#define CZ_LN2 0.693147180559945309417232121458

/* zeta(k) - 1 for k = 2..31 (computed with mpmath at 40 digits). */
static const double zeta_m1[30] = {
    0.644934066848226436472,     0.2020569031595942854,
    0.082323233711138191516,     0.0369277551433699263314,
    0.0173430619844491397145,    0.0083492773819228268398,
    0.00407735619794433937869,   0.00200839282608221441785,
    0.000994575127818085337146,  0.000494188604119464558702,
    0.000246086553308048298638,  0.000122713347578489146752,
    0.0000612481350587048292585, 0.0000305882363070204935517,
    0.0000152822594086518717326, 0.0000076371976378997622736,
    0.00000381729326499983985646, 0.00000190821271655393892566,
    9.53962033872796113152e-7,   4.76932986787806463117e-7,
    2.38450502727732990004e-7,   1.19219925965311073068e-7,
    5.96081890512594796124e-8,   2.98035035146522801861e-8,
    1.49015548283650412347e-8,   7.45071178983542949198e-9,
    3.72533402478845705482e-9,   1.8626597235130490064e-9,
    9.31327432419668182872e-10,  4.65662906503378407299e-10};

/* log Gamma(2 + e) for |e| <= 1/2:
 * (1 - gamma) e + sum_{k>=2} (-1)^k (zeta(k) - 1) e^k / k.
 * The terms decay like (e/2)^k, so 30 of them reach 1e-19. */
static double lgamma2p_series(double e) {
  double h = 0.0;
  for (int j = 29; j >= 0; j--)
    h = h * (-e) + zeta_m1[j] / (double)(j + 2);
  return (1.0 - CZ_EULER) * e + e * e * h;
}

/* Stirling series 1/(12x) - 1/(360x^3) + ..., error < 1e-18 for x >= 13. */
static double stirling_series(double x) {
  static const double c[8] = {1.0 / 12,       -1.0 / 360,
                              1.0 / 1260,     -1.0 / 1680,
                              1.0 / 1188,     -691.0 / 360360,
                              1.0 / 156,      -3617.0 / 122400};
  double x2 = 1.0 / (x * x);
  double s = c[7];
  for (int k = 6; k >= 0; k--)
    s = s * x2 + c[k];
  return s / x;
}

double cz_lgamma1p(double a) {
  if (fabs(a) <= 0.5)
    return lgamma2p_series(a) - log1p(a);
  return cz_lgamma(1.0 + a);
}

double cz_lgamma(double x) {
  if (isnan(x))
    return x;
  if (x <= 0.0)
    return INFINITY; /* pole (callers pass x > 0) */
  if (isinf(x))
    return INFINITY;
  if (x < 0.5)
    return cz_lgamma1p(x) - log(x);
  if (x <= 1.5)
    return lgamma2p_series(x - 1.0) - log(x); /* x - 1 exact */
  if (x <= 2.5)
    return lgamma2p_series(x - 2.0);
  if (x < 13.0) {
    /* Gamma(x) = Gamma(y) * y (y+1) ... (x-1), y = x - n in [1.5, 2.5);
     * y is exact and the product has no cancellation. */
    int n = (int)(x - 1.5);
    double y = x - n, prod = 1.0;
    for (int j = 0; j < n; j++)
      prod *= y + j;
    return lgamma2p_series(y - 2.0) + log(prod);
  }
  return (x - 0.5) * log(x) - x + CZ_LN_SQRT_2PI + stirling_series(x);
}

double cz_stirlerr(double n) {
  if (n >= 13.0)
    return stirling_series(n);
  /* Below 13 the difference loses only absolute accuracy ~1e-15, which is
   * what matters: stirlerr enters densities as exp(-stirlerr). */
  double lg = n <= 0.5 ? cz_lgamma1p(n) : cz_lgamma(n + 1.0);
  return lg - (n + 0.5) * log(n) + n - CZ_LN_SQRT_2PI;
}

double cz_lbeta(double a, double b) {
  double p = a < b ? a : b, q = a < b ? b : a;
  if (isinf(q))
    return -INFINITY;
  double r = p / (p + q);
  if (p >= 10.0) {
    double corr = cz_stirlerr(p) + cz_stirlerr(q) - cz_stirlerr(p + q);
    return -0.5 * log(q) + CZ_LN_SQRT_2PI + corr + (p - 0.5) * log(r) +
           q * log1p(-r);
  }
  if (q >= 10.0) {
    /* log Gamma(q) - log Gamma(p + q) without cancellation */
    double corr = cz_stirlerr(q) - cz_stirlerr(p + q);
    return cz_lgamma(p) + corr + p - p * log(p + q) +
           (q - 0.5) * log1p(-r);
  }
  return cz_lgamma(p) + cz_lgamma(q) - cz_lgamma(p + q);
}

double cz_bd0(double x, double np) {
  if (x == 0.0)
    return np;
  if (fabs(x - np) < 0.1 * (x + np)) {
    /* Loader's series in v = (x - np) / (x + np) avoids the cancellation
     * between x log(x/np) and np - x. */
    double v = (x - np) / (x + np);
    double s = (x - np) * v, ej = 2.0 * x * v, v2 = v * v;
    for (int j = 1; j < 1000; j++) {
      ej *= v2;
      double s1 = s + ej / (2 * j + 1);
      if (s1 == s)
        return s1;
      s = s1;
    }
    return s;
  }
  double r = x / np;
  double lr = (isfinite(r) && r > 0.0) ? log(r) : log(x) - log(np);
  return x * lr + np - x;
}

double cz_log1mexp(double x) {
  return x > -CZ_LN2 ? log(-expm1(x)) : log1p(-exp(x));
}

double cz_ldpois_raw(double a, double x) {
  if (a == 0.0)
    return -x;
  if (x == 0.0 || isinf(x))
    return -INFINITY;
  if (a < 1.0)
    return a * log(x) - x - cz_lgamma1p(a);
  return -cz_stirlerr(a) - cz_bd0(a, x) - 0.5 * log(2.0 * CZ_PI * a);
}

/* log of Gamma(a+b+1)/(Gamma(a+1)Gamma(b+1)) x^a y^b, a, b > 0 real,
 * x + y = 1 (both passed for accuracy). Loader's form. */
static double ldbinom_ab(double a, double b, double x, double y) {
  double n = a + b;
  double lc = cz_stirlerr(n) - cz_stirlerr(a) - cz_stirlerr(b) -
              cz_bd0(a, n * x) - cz_bd0(b, n * y);
  return lc + 0.5 * (log(n) - log(a) - log(b) - CZ_LN_2PI);
}

double cz_ldbinom_raw(double k, double n, double p, double q) {
  if (p == 0.0)
    return k == 0.0 ? 0.0 : -INFINITY;
  if (q == 0.0)
    return k == n ? 0.0 : -INFINITY;
  if (k == 0.0) {
    if (n == 0.0)
      return 0.0;
    return p < 0.5 ? n * log1p(-p) : n * log(q);
  }
  if (k == n)
    return q < 0.5 ? n * log1p(-q) : n * log(p);
  if (k < 0.0 || k > n)
    return -INFINITY;
  return ldbinom_ab(k, n - k, p, q);
}

/* Turn the log of one tail into the requested output. */
static double tail_out(double lt, int have_lower, int lower, int log_p) {
  if (have_lower == lower)
    return log_p ? lt : exp(lt);
  if (lt >= 0.0)
    return log_p ? -INFINITY : 0.0;
  return log_p ? cz_log1mexp(lt) : -expm1(lt);
}

/* ---- standard normal ---------------------------------------------------- */

double cz_dnorm(double x, int log_p) {
  if (isnan(x))
    return x;
  x = fabs(x);
  if (log_p)
    return -0.5 * x * x - CZ_LN_SQRT_2PI;
  if (x > 40.0)
    return 0.0;
  /* x^2 / 2 split so the large part is exact: x = hi + lo, hi with 16
   * fractional bits, hi^2 exact for x < 1024. */
  double hi = trunc(x * 65536.0) / 65536.0, lo = x - hi;
  return CZ_1_SQRT_2PI * exp(-0.5 * hi * hi) * exp(-(0.5 * lo + hi) * lo);
}

/* Cody's approximations (ACM TOMS 715, ANORM). Returns the smaller tail
 * probability (|x| in the tail) as log (if log_p) or value, and sets
 * *small_is_lower. For |x| <= 0.66291 returns both via *central. */
static const double nA[5] = {2.2352520354606839287, 161.02823106855587881,
                             1067.6894854603709582, 18154.981253343561249,
                             0.065682337918207449113};
static const double nB[4] = {47.20258190468824187, 976.09855173777669322,
                             10260.932208618978205, 45507.789335026729956};
static const double nC[9] = {0.39894151208813466764, 8.8831497943883759412,
                             93.506656132177855979,  597.27027639480026226,
                             2494.5375852903726711,  6848.1904505362823326,
                             11602.651437647350124,  9842.7148383839780218,
                             1.0765576773720192317e-8};
static const double nD[8] = {22.266688044328115691, 235.38790178262499861,
                             1519.377599407554805,  6485.558298266760755,
                             18615.571640885098091, 34900.952721145977266,
                             38912.003286093271411, 19685.429676859990727};
static const double nP[6] = {0.21589853405795699,     0.1274011611602473639,
                             0.022235277870649807,    0.001421619193227893466,
                             2.9112874951168792e-5,   0.02307344176494017303};
static const double nQ[5] = {1.28426009614491121, 0.468238212480865118,
                             0.0659881378689285515, 0.00378239633202758244,
                             7.29751555083966205e-5};

double cz_pnorm(double x, int lower, int log_p) {
  if (isnan(x))
    return x;
  if (isinf(x))
    return (x < 0) == (lower != 0) ? (log_p ? -INFINITY : 0.0)
                                   : (log_p ? 0.0 : 1.0);
  double y = fabs(x);
  if (y <= 0.66291) {
    double xsq = x * x, num = nA[4] * xsq, den = xsq;
    for (int i = 0; i < 3; i++) {
      num = (num + nA[i]) * xsq;
      den = (den + nB[i]) * xsq;
    }
    double t = x * (num + nA[3]) / (den + nB[3]);
    double v = lower ? 0.5 + t : 0.5 - t;
    return log_p ? log(v) : v;
  }
  double r; /* small tail = exp(-y^2/2) * r */
  if (y <= 5.656854249492380195) {
    double num = nC[8] * y, den = y;
    for (int i = 0; i < 7; i++) {
      num = (num + nC[i]) * y;
      den = (den + nD[i]) * y;
    }
    r = (num + nC[7]) / (den + nD[7]);
  } else if (y < 1e150) {
    double xsq = 1.0 / (x * x), num = nP[5] * xsq, den = xsq;
    for (int i = 0; i < 4; i++) {
      num = (num + nP[i]) * xsq;
      den = (den + nQ[i]) * xsq;
    }
    r = xsq * (num + nP[4]) / (den + nQ[4]);
    r = (CZ_1_SQRT_2PI - r) / y;
  } else {
    r = CZ_1_SQRT_2PI / y;
  }
  /* -y^2/2 = -hi^2/2 - (y - hi)(y + hi)/2 with hi^2 exact */
  double hi = trunc(y * 16.0) / 16.0;
  double del = (y - hi) * (y + hi);
  double lsmall = -0.5 * hi * hi - 0.5 * del + log(r);
  int small_is_lower = x < 0.0;
  if (small_is_lower == (lower != 0)) {
    if (log_p)
      return lsmall;
    return exp(-0.5 * hi * hi) * exp(-0.5 * del) * r;
  }
  double small = exp(-0.5 * hi * hi) * exp(-0.5 * del) * r;
  return log_p ? log1p(-small) : 1.0 - small;
}

/* Wichura's AS 241 (PPND16) coefficients. */
static const double wA[8] = {3.3871328727963666080,  133.14166789178437745,
                             1971.5909503065514427,  13731.693765509461125,
                             45921.953931549871457,  67265.770927008700853,
                             33430.575583588128105,  2509.0809287301226727};
static const double wB[8] = {1.0,                   42.313330701600911252,
                             687.18700749205790830, 5394.1960214247511077,
                             21213.794301586595867, 39307.895800092710610,
                             28729.085735721942674, 5226.4952788528545610};
static const double wC[8] = {1.42343711074968357734, 4.63033784615654529590,
                             5.76949722146069140550, 3.64784832476320460504,
                             1.27045825245236838258, 0.241780725177450611770,
                             0.0227238449892691845833,
                             7.74545014278341407640e-4};
static const double wD[8] = {1.0,
                             2.05319162663775882187,
                             1.67638483018380384940,
                             0.689767334985100004550,
                             0.148103976427480074590,
                             0.0151986665636164571966,
                             5.47593808499534494600e-4,
                             1.05075007164441684324e-9};
static const double wE[8] = {6.65790464350110377720,  5.46378491116411436990,
                             1.78482653991729133580,  0.296560571828504891230,
                             0.0265321895265761230930, 1.24266094738807843860e-3,
                             2.71155556874348757815e-5,
                             2.01033439929228813265e-7};
static const double wF[8] = {1.0,
                             0.599832206555887937690,
                             0.136929880922735805310,
                             0.0148753612908506148525,
                             7.86869131145613259100e-4,
                             1.84631831751005468180e-5,
                             1.42151175831644588870e-7,
                             2.04426310338993978564e-15};

static double poly7(const double *c, double x) {
  double s = c[7];
  for (int i = 6; i >= 0; i--)
    s = s * x + c[i];
  return s;
}

double cz_qnorm(double p, int lower, int log_p) {
  if (isnan(p))
    return p;
  /* Probabilities of the two tails; the one given is exact. */
  double pl, pu, lsmall;
  if (log_p) {
    if (p > 0.0)
      return NAN;
    if (p == 0.0)
      return lower ? INFINITY : -INFINITY;
    if (p == -INFINITY)
      return lower ? -INFINITY : INFINITY;
    double e = exp(p), c = -expm1(p);
    pl = lower ? e : c;
    pu = lower ? c : e;
  } else {
    if (p < 0.0 || p > 1.0)
      return NAN;
    if (p == 0.0)
      return lower ? -INFINITY : INFINITY;
    if (p == 1.0)
      return lower ? INFINITY : -INFINITY;
    pl = lower ? p : 1.0 - p;
    pu = lower ? 1.0 - p : p;
  }
  /* q = pl - 1/2 computed from the exactly known tail */
  int given_is_lower = lower != 0;
  double q = given_is_lower ? pl - 0.5 : 0.5 - pu;
  if (fabs(q) <= 0.425) {
    double r = 0.180625 - q * q;
    return q * poly7(wA, r) / poly7(wB, r);
  }
  int neg = q < 0.0; /* quantile below 0: the lower tail is small */
  double small = neg ? pl : pu;
  if (log_p && (neg == given_is_lower))
    lsmall = p;
  else
    lsmall = log(small);
  double r = sqrt(-lsmall), val;
  if (r <= 5.0)
    val = poly7(wC, r - 1.6) / poly7(wD, r - 1.6);
  else
    val = poly7(wE, r - 5.0) / poly7(wF, r - 5.0);
  if (r > 27.0) {
    /* Beyond the fitted range (only reachable on the log scale): Newton on
     * log Phi(-val) = lsmall. */
    for (int it = 0; it < 4; it++) {
      double lp = cz_pnorm(-val, 1, 1);
      double ld = cz_dnorm(val, 1);
      val += (lp - lsmall) * exp(lp - ld);
    }
  }
  return neg ? -val : val;
}

/* ---- incomplete gamma --------------------------------------------------- */

#define CZ_MAXIT 20000000

/* Series for P(a, x), x < a + 1: log of sum_{n>=0} x^n / ((a+1)...(a+n)) */
static double lgamma_series(double a, double x) {
  double term = 1.0, sum = 1.0;
  for (long n = 1; n < CZ_MAXIT; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * 1e-17)
      break;
  }
  return log(sum);
}

/* Legendre continued fraction for Q(a, x) = x^a e^-x / Gamma(a) * cf,
 * evaluated by the modified Lentz method; returns log cf. */
static double lgamma_cf(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (long i = 1; i < CZ_MAXIT; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny)
      d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) <= DBL_EPSILON)
      break;
  }
  return log(h);
}

/* Temme's uniform expansion, two terms (error O(1/a)); used for a > 1e10
 * where the series and the continued fraction need O(sqrt(a)) terms. */
static double gamma_temme(double a, double x, int lower, int log_p) {
  double eta = sqrt(2.0 * cz_bd0(a, x) / a);
  if (x < a)
    eta = -eta;
  double lam1 = (x - a) / a, c0;
  if (fabs(eta) < 1e-4)
    c0 = -1.0 / 3.0 + eta / 12.0;
  else
    c0 = 1.0 / lam1 - 1.0 / eta;
  double s = eta * sqrt(a);
  /* Q = Phi(-s) + phi(s)/sqrt(a) * c0 ; P = Phi(s) - phi(s)/sqrt(a) * c0 */
  double lphi = cz_dnorm(s, 1) - 0.5 * log(a);
  double corr = lower ? -c0 : c0;
  double lt = cz_pnorm(s, lower, 1);
  double v = lt + log1p(corr * exp(lphi - lt));
  return log_p ? v : exp(v);
}

double cz_gamma_inc(double a, double x, int lower, int log_p) {
  if (isnan(a) || isnan(x))
    return a + x;
  if (x <= 0.0)
    return tail_out(-INFINITY, 1, lower, log_p);
  if (isinf(x))
    return tail_out(0.0, 1, lower, log_p);
  if (a > 1e10)
    return gamma_temme(a, x, lower, log_p);
  if (a < 1.0 && x < 2.0) {
    /* DiDonato & Morris: with u = x^a / Gamma(a+1),
     *   P = u * a * S,  S = sum (-x)^n / (n! (a+n)),
     *   Q = (1 - u) + u * T, T = -a sum_{n>=1} (-x)^n / (n! (a+n)),
     * so Q keeps relative accuracy when P is close to 1. */
    double lu = a * log(x) - cz_lgamma1p(a);
    double t = 1.0, tsum = 0.0;
    for (int n = 1; n < 200; n++) {
      t *= -x / n;
      double term = t / (a + n);
      tsum += term;
      if (fabs(term) < 1e-17 * fabs(tsum))
        break;
    }
    double T = -a * tsum;
    double lp = lu + log1p(-T); /* a S = 1 - T */
    if (lower)
      return log_p ? lp : exp(lp);
    if (lp < -1.0) /* P small: its complement is accurate directly */
      return log_p ? log1p(-exp(lp)) : -expm1(lp);
    double u = exp(lu);
    double qv = -expm1(lu) + u * T;
    return log_p ? log(qv) : qv;
  }
  double ld = cz_ldpois_raw(a, x); /* log x^a e^-x / Gamma(a+1) */
  if (x < a + 1.0)
    return tail_out(ld + lgamma_series(a, x), 1, lower, log_p);
  return tail_out(ld + log(a) + lgamma_cf(a, x), 0, lower, log_p);
}

/* ---- incomplete beta ---------------------------------------------------- */

/* Continued fraction for I_x(a, b) = x^a y^b / (a B(a, b)) * cf. */
static double lbeta_cf(double x, double y, double a, double b) {
  const double tiny = 1e-300;
  double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  /* 1 - (a+b) x / (a+1) cancels for x near 1: use y = 1 - x there */
  double c = 1.0,
         d = x < 0.5 ? 1.0 - qab * x / qap : (1.0 - b + qab * y) / qap;
  if (fabs(d) < tiny)
    d = tiny;
  d = 1.0 / d;
  double h = d;
  for (long m = 1; m < CZ_MAXIT; m++) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) <= DBL_EPSILON)
      break;
  }
  return log(h);
}

/* B_{2k} / (2k (2k)!), k = 1..30: coefficients of
 * log(sinh(v/2) / (v/2)) = sum_k lsh[k-1] v^(2k) (mpmath, 40 digits). */
static const double lsh[30] = {
    4.16666666666666643537e-02,  -3.47222222222222235474e-04,
    5.51146384479717850219e-06,  -1.03339947089947094269e-07,
    2.08767569878681001866e-09,  -4.40349178223957768335e-11,
    9.55895466477476974959e-13,  -2.11855018520161419810e-14,
    4.77003447570991398299e-16,  -1.08743434927903093051e-17,
    2.50409219470919545985e-19,  -5.81436028575521787813e-21,
    1.35950270754979523516e-22,  -3.19768479537055250436e-24,
    7.55984150779227650945e-26,  -1.79524708402256326934e-27,
    4.27991904592607297725e-29,  -1.02388748351814168771e-30,
    2.45703533081448545713e-32,  -5.91255603925157488727e-34,
    1.42635041963860348169e-35,  -3.44876110106429602232e-37,
    8.35599592490040932070e-39,  -2.02840689013472721011e-40,
    4.93249408840136178202e-42,  -1.20136091188860456552e-43,
    2.93037597123053993721e-45,  -7.15763158205167139402e-47,
    1.75053031992578558642e-48,  -4.28634026373645325071e-50};

#define LA_NMAX 30

/* Expansion for a large against b (the idea behind DiDonato & Morris's
 * BGRAT; derived here from the integral). With t = e^-v,
 *   I_x(a, b) = 1/B(a,b) int_{v0}^inf e^{-T v} v^(b-1) f(v) dv,
 *   T = a + (b-1)/2,  v0 = -log x,  f(v) = (sinh(v/2) / (v/2))^(b-1),
 * and f = sum_n c_n v^(2n) (radius 2 pi; c_n from exp of the log-sinh
 * series). Termwise integration gives, with u = T v0 and
 * K = Gamma(a+b) / (Gamma(a) T^b),
 *   I_x(a, b)     = K sum_n c_n Gamma(b+2n, u) / (Gamma(b) T^(2n)),
 *   1 - I_x(a, b) = K sum_n c_n gamma(b+2n, u) / (Gamma(b) T^(2n)).
 * The series is in (v/(2 pi))^2 with v ~ max(v0, (b+2n)/T): a handful of
 * terms when a is large. Both sums have positive leading terms and no
 * cancellation; the one for the smaller tail is evaluated. Returns the log
 * of that tail and sets *have_lower, or NaN when the series does not
 * settle (the caller then uses the continued fraction). */
static double beta_large_a(double x, double y, double a, double b,
                           int *have_lower) {
  double v0 = y < 0.5 ? -log1p(-y) : -log(x);
  double T = a + 0.5 * (b - 1.0), u = T * v0;
  /* log K = -bd0(a, a+b) - log1p(b/a)/2 + b log1p((b+1)/(2T))
   *         + stirlerr(a+b) - stirlerr(a)  (no large cancellations) */
  double lK = -cz_bd0(a, a + b) - 0.5 * log1p(b / a) +
              b * log1p(0.5 * (b + 1.0) / T) + cz_stirlerr(a + b) -
              cz_stirlerr(a);
  double c[LA_NMAX + 1], bm1 = b - 1.0;
  c[0] = 1.0;
  /* Q-branch (sum with Gamma(b+2n, u)) unless Q(b, u) > 3/4: then
   * 1 - I_x is small and the P-branch gives it with relative accuracy
   * (the complement of a Q-branch result <= 3/4 loses at most 2 bits). */
  double lq;
  if (b == 0.5) /* Q(1/2, u) = erfc(sqrt u) = 2 Phi(-sqrt(2u)) */
    lq = cz_pnorm(-sqrt(2.0 * u), 1, 1) + CZ_LN2;
  else
    lq = cz_gamma_inc(b, u, 0, 1);
  int upper_g = lq <= -0.2876820724517809; /* log(3/4) */
  /* u^b e^-u / Gamma(b), in log */
  double lpois = b * log(u) - u - cz_lgamma(b);
  double sum = 1.0;
  if (upper_g) {
    /* tau_s = Gamma(s,u) / (Gamma(b,u) T^(s-b)):
     * tau_{s+1} = (s/T) tau_s + E v0^(s-b) / T, E = u^b e^-u / Gamma(b,u) */
    double E = exp(lpois - lq), tau = 1.0, pw = E / T, s = b;
    for (int n = 1; n <= LA_NMAX; n++) {
      double cn = 0.0;
      for (int k = 1; k <= n && k <= 30; k++)
        cn += k * lsh[k - 1] * c[n - k];
      c[n] = bm1 * cn / n;
      for (int j = 0; j < 2; j++) {
        tau = (s / T) * tau + pw;
        pw *= v0;
        s += 1.0;
      }
      double term = c[n] * tau;
      sum += term;
      if (fabs(term) <= 1e-17 * sum)
        break;
      if (n == LA_NMAX)
        return NAN;
    }
    *have_lower = 1;
    return lK + lq + log(sum);
  }
  /* P-branch: gamma(s,u) = u^s e^-u G_s with G_s = (1 + u G_{s+1}) / s
   * (stable downward); gamma(b+2n,u) / (gamma(b,u) T^(2n)) =
   * v0^(2n) G_{b+2n} / G_b. G at the top from its series. */
  double lp = cz_gamma_inc(b, u, 1, 1);
  double G[2 * LA_NMAX + 1];
  double stop = b + 2.0 * LA_NMAX, g = 0.0, term = 1.0 / stop;
  for (int k = 1; k < 100000; k++) {
    g += term;
    term *= u / (stop + k);
    if (term < 1e-17 * g)
      break;
  }
  g += term;
  G[2 * LA_NMAX] = g;
  for (int j = 2 * LA_NMAX - 1; j >= 0; j--)
    G[j] = (1.0 + u * G[j + 1]) / (b + j);
  double v2 = v0 * v0, pv = 1.0;
  for (int n = 1; n <= LA_NMAX; n++) {
    double cn = 0.0;
    for (int k = 1; k <= n && k <= 30; k++)
      cn += k * lsh[k - 1] * c[n - k];
    c[n] = bm1 * cn / n;
    pv *= v2;
    double t = c[n] * pv * G[2 * n] / G[0];
    sum += t;
    if (fabs(t) <= 1e-17 * sum)
      break;
    if (n == LA_NMAX)
      return NAN;
  }
  *have_lower = 0;
  return lK + lp + log(sum);
}

double cz_beta_inc(double x, double y, double a, double b, int lower,
                   int log_p) {
  if (isnan(x) || isnan(y) || isnan(a) || isnan(b))
    return x + y + a + b;
  if (x <= 0.0)
    return tail_out(-INFINITY, 1, lower, log_p);
  if (y <= 0.0)
    return tail_out(0.0, 1, lower, log_p);
  int have_lower = 1;
  /* One parameter large against the other, x on the large parameter's
   * side of the distribution: the expansion above (the continued fraction
   * would need O(sqrt(a)) steps with cancellation in each). */
  {
    int sw = b > a;
    double A = sw ? b : a, B = sw ? a : b, X = sw ? y : x, Y = sw ? x : y;
    if (A >= 1000.0 && B <= 0.01 * A && X >= 0.5) {
      double v0 = Y < 0.5 ? -log1p(-Y) : -log(X);
      if (B * v0 * v0 <= 1.0 && (B + 60.0) / (A + B) < 0.05) {
        int hl;
        double lt = beta_large_a(X, Y, A, B, &hl);
        if (!isnan(lt))
          return tail_out(lt, sw ? !hl : hl, lower, log_p);
      }
    }
  }
  /* The fraction converges for x below about its mean (a+1)/(a+b+2); when
   * one parameter is tiny against the other it is also usable a little
   * beyond, and then avoids the cancellation of the mirrored fraction. */
  double xcut = (a + 1.0) / (a + b + 2.0);
  if (a <= 1.0 && b > 1000.0 * a)
    xcut = fmin(0.5, 4.0 * xcut);
  else if (b <= 1.0 && a > 1000.0 * b)
    xcut = 1.0 - fmin(0.5, 4.0 * (b + 1.0) / (a + b + 2.0));
  if (x > xcut) {
    /* I_x(a, b) = 1 - I_y(b, a): evaluate where the fraction converges */
    double t = x;
    x = y;
    y = t;
    t = a;
    a = b;
    b = t;
    have_lower = 0;
  }
  /* log x^a y^b / (a B(a, b)) = log dbinom_raw(a; a+b, x) + log(b/(a+b)) */
  double lfront = ldbinom_ab(a, b, x, y) + log(b / (a + b));
  return tail_out(lfront + lbeta_cf(x, y, a, b), have_lower, lower, log_p);
}
