/* Power and sample size (include/causal/power.h, docs/methods/power.md).
 *
 * Every method reduces to a power function power(n, effect) that is
 * increasing in n and in |effect|; solving for n or the effect is a
 * bracketed root search (Brent) of power(.) - target, with the bracket
 * grown geometrically until it contains the root. */
#include "causal/power.h"
#include "internal/core.h"
#include "internal/dist.h"
#include "internal/numint.h"

#include <math.h>
#include <string.h>

struct causal_power {
  cz_alloc alloc;
  int method, solve, sides, strict, relative, arms, mult, sample;
  double alpha, power, n, effect, baseline, sd, ratio, rho;
  double num_mean, den_mean, num_var, den_var, cov;
};

/* ---- noncentral t ------------------------------------------------------ */

/* P(T <= t) for t >= 0 (Lenth 1989, AS 243 series):
 *   F = Phi(-d) + 1/2 sum_j [p_j I_x(j + 1/2, v/2) + q_j I_x(j + 1, v/2)],
 *   x = t^2 / (t^2 + v), p_j = e^-L L^j / j!,
 *   q_j = d e^-L L^j / (sqrt(2) Gamma(j + 3/2)), L = d^2 / 2.
 * Summed outwards from the Poisson mode so large |d| needs no underflowing
 * first terms; stops when both weights fall below 1e-17. */
static double pnt_nonneg(double t, double df, double d) {
  double base = cz_pnorm(-d, 1, 0);
  if (t == 0)
    return base;
  double t2 = t * t, x = t2 / (t2 + df), y = df / (t2 + df);
  double lam = 0.5 * d * d, llam = log(lam);
  double lq0 = log(fabs(d)) - 0.5 * log(2.0);
  double sgn = d < 0 ? -1.0 : 1.0;
  double hb = 0.5 * df;
  long j0 = (long)floor(lam);
  double sum = 0;
  for (int dir = 0; dir < 2; dir++) {
    long j = dir == 0 ? j0 : j0 - 1;
    for (; j >= 0; j += dir == 0 ? 1 : -1) {
      double jj = (double)j;
      double lp = -lam + jj * llam - cz_lgamma(jj + 1);
      double lq = lq0 - lam + jj * llam - cz_lgamma(jj + 1.5);
      double p = exp(lp), q = sgn * exp(lq);
      double term = p * cz_beta_inc(x, y, jj + 0.5, hb, 1, 0) +
                    q * cz_beta_inc(x, y, jj + 1.0, hb, 1, 0);
      sum += term;
      if (p < 1e-17 && fabs(q) < 1e-17 && (dir == 1 || jj > lam))
        break;
      if (j - j0 > 1000000)
        break;
    }
  }
  double f = base + 0.5 * sum;
  return f < 0 ? 0 : (f > 1 ? 1 : f);
}

double causal_pnt(double t, double df, double ncp, int lower_tail) {
  if (isnan(t) || isnan(df) || isnan(ncp) || !(df > 0) || !isfinite(ncp))
    return NAN;
  if (ncp == 0)
    return cz_pt(t, df, lower_tail, 0);
  if (isinf(t))
    return (t > 0) == (lower_tail != 0) ? 1.0 : 0.0;
  if (t >= 0) {
    double f = pnt_nonneg(t, df, ncp);
    return lower_tail ? f : 1 - f;
  }
  /* F(t; d) = 1 - F(-t; -d) */
  double f = pnt_nonneg(-t, df, -ncp);
  return lower_tail ? 1 - f : f;
}

/* ---- options ----------------------------------------------------------- */

typedef struct optdef {
  int key;
  const char *name;
  double min, max;
} optdef;

static const optdef OPTS[] = {
    {CAUSAL_POWER_SOLVE, "SOLVE", 1, 3},
    {CAUSAL_POWER_SIDES, "SIDES", 1, 2},
    {CAUSAL_POWER_STRICT, "STRICT", 0, 1},
    {CAUSAL_POWER_RELATIVE, "RELATIVE", 0, 1},
    {CAUSAL_POWER_ARMS, "ARMS", 2, 1000},
    {CAUSAL_POWER_MULTIPLICITY, "MULTIPLICITY", 0, 2},
    {CAUSAL_POWER_SAMPLE, "SAMPLE", 1, 3},
    {CAUSAL_POWER_ALPHA, "ALPHA", 1e-12, 0.5},
    {CAUSAL_POWER_POWER, "POWER", 1e-12, 1 - 1e-12},
    {CAUSAL_POWER_N, "N", 1e-9, 1e15},
    {CAUSAL_POWER_EFFECT, "EFFECT", -1e300, 1e300},
    {CAUSAL_POWER_BASELINE, "BASELINE", -1e300, 1e300},
    {CAUSAL_POWER_SD, "SD", 1e-300, 1e300},
    {CAUSAL_POWER_ALLOC_RATIO, "ALLOC_RATIO", 1e-6, 1e6},
    {CAUSAL_POWER_RHO, "RHO", -0.999999, 0.999999},
    {CAUSAL_POWER_NUM_MEAN, "NUM_MEAN", -1e300, 1e300},
    {CAUSAL_POWER_DEN_MEAN, "DEN_MEAN", 1e-300, 1e300},
    {CAUSAL_POWER_NUM_VAR, "NUM_VAR", 0, 1e300},
    {CAUSAL_POWER_DEN_VAR, "DEN_VAR", 0, 1e300},
    {CAUSAL_POWER_NUM_DEN_COV, "NUM_DEN_COV", -1e300, 1e300},
};

static const optdef *find_opt(int key) {
  for (size_t i = 0; i < sizeof OPTS / sizeof OPTS[0]; i++)
    if (OPTS[i].key == key)
      return &OPTS[i];
  return NULL;
}

int causal_power_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *d = find_opt(key);
  if (d == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_power_bounds: unknown option key %d",
                   key);
  *min = d->min;
  *max = d->max;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_power_new(causal_power **out, int method) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (method < CAUSAL_POWER_PROP_POOLED || method > CAUSAL_POWER_RATIO)
    return cz_fail(CAUSAL_EINVAL, "causal_power_new: unknown method %d",
                   method);
  cz_alloc a = cz_alloc_current();
  causal_power *p = cz_calloc(&a, 1, sizeof *p);
  if (p == NULL)
    return CAUSAL_ENOMEM;
  p->alloc = a;
  p->method = method;
  p->solve = CAUSAL_POWER_SOLVE_N;
  p->sides = 2;
  p->arms = 2;
  p->mult = CAUSAL_POWER_MULT_BONFERRONI;
  p->sample = CAUSAL_POWER_TWO_SAMPLE;
  p->alpha = 0.05;
  p->power = p->n = p->effect = p->baseline = p->sd = NAN;
  p->num_mean = p->den_mean = p->num_var = p->den_var = p->cov = NAN;
  p->ratio = 1;
  p->rho = 0;
  *out = p;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_power_free(causal_power *p) {
  if (p == NULL)
    return;
  cz_alloc a = p->alloc;
  cz_free(&a, p);
}

int causal_power_set_int(causal_power *p, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(p);
  const optdef *d = find_opt(key);
  if (d == NULL || key >= 100)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_power_set_int: %d is not an integer option key",
                   key);
  if ((double)value < d->min || (double)value > d->max)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_power_set_int: %s = %lld is outside [%.0f, %.0f]",
                   d->name, (long long)value, d->min, d->max);
  int v = (int)value;
  switch (key) {
  case CAUSAL_POWER_SOLVE:
    p->solve = v;
    break;
  case CAUSAL_POWER_SIDES:
    p->sides = v;
    break;
  case CAUSAL_POWER_STRICT:
    p->strict = v;
    break;
  case CAUSAL_POWER_RELATIVE:
    p->relative = v;
    break;
  case CAUSAL_POWER_ARMS:
    p->arms = v;
    break;
  case CAUSAL_POWER_MULTIPLICITY:
    p->mult = v;
    break;
  default:
    p->sample = v;
    break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_power_set_double(causal_power *p, int key, double value) {
  CZ_REQUIRE_NONNULL(p);
  const optdef *d = find_opt(key);
  if (d == NULL || key < 100)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_power_set_double: %d is not a real option key", key);
  if (isnan(value)) {
    /* NaN unsets an optional quantity (N, POWER, EFFECT, ...) */
    if (key == CAUSAL_POWER_ALPHA || key == CAUSAL_POWER_ALLOC_RATIO ||
        key == CAUSAL_POWER_RHO)
      return cz_fail(CAUSAL_ENONFINITE, "causal_power_set_double: %s is NaN",
                     d->name);
  } else if (!isfinite(value)) {
    return cz_fail(CAUSAL_ENONFINITE, "causal_power_set_double: %s is infinite",
                   d->name);
  } else if (value < d->min || value > d->max) {
    return cz_fail(CAUSAL_ERANGE,
                   "causal_power_set_double: %s = %g is outside [%g, %g]",
                   d->name, value, d->min, d->max);
  }
  switch (key) {
  case CAUSAL_POWER_ALPHA:
    p->alpha = value;
    break;
  case CAUSAL_POWER_POWER:
    p->power = value;
    break;
  case CAUSAL_POWER_N:
    p->n = value;
    break;
  case CAUSAL_POWER_EFFECT:
    p->effect = value;
    break;
  case CAUSAL_POWER_BASELINE:
    p->baseline = value;
    break;
  case CAUSAL_POWER_SD:
    p->sd = value;
    break;
  case CAUSAL_POWER_ALLOC_RATIO:
    p->ratio = value;
    break;
  case CAUSAL_POWER_RHO:
    p->rho = value;
    break;
  case CAUSAL_POWER_NUM_MEAN:
    p->num_mean = value;
    break;
  case CAUSAL_POWER_DEN_MEAN:
    p->den_mean = value;
    break;
  case CAUSAL_POWER_NUM_VAR:
    p->num_var = value;
    break;
  case CAUSAL_POWER_DEN_VAR:
    p->den_var = value;
    break;
  default:
    p->cov = value;
    break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- the power function ---------------------------------------------- */

typedef struct ctx {
  const causal_power *p;
  int is_prop, is_t, two_sample;
  double sd;      /* per-unit sd after CUPED / delta method */
  double alpha_c; /* per-comparison alpha */
  double zcrit;   /* normal critical value (NaN for t methods) */
  double target;  /* target power when solving */
  double fixed;   /* the fixed n or effect when solving the other */
} ctx;

static int prop_method(int m) {
  return m >= CAUSAL_POWER_PROP_POOLED && m <= CAUSAL_POWER_PROP_BASELINE;
}

/* Power at control size n and absolute effect e (> 0 by convention; the
 * sign is irrelevant except for proportions, where p2 = p1 + e). */
static double power_at(const ctx *c, double n, double e) {
  const causal_power *p = c->p;
  double n1 = n, n2 = p->ratio * n;
  int far = p->strict && p->sides == 2;
  if (c->is_prop) {
    double p1 = p->baseline, p2 = p1 + e;
    if (!(p2 > 0 && p2 < 1))
      return NAN;
    double q1 = 1 - p1, q2 = 1 - p2, ad = fabs(e), z = c->zcrit;
    double inv = 1 / n1 + 1 / n2;
    if (p->method == CAUSAL_POWER_PROP_ARCSINE) {
      double h = fabs(2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1)));
      double s = sqrt(inv);
      return cz_pnorm(h / s - z, 1, 0) + (far ? cz_pnorm(-h / s - z, 1, 0) : 0);
    }
    double se1 = sqrt(p1 * q1 / n1 + p2 * q2 / n2), se0;
    if (p->method == CAUSAL_POWER_PROP_POOLED) {
      double pb = (n1 * p1 + n2 * p2) / (n1 + n2);
      se0 = sqrt(pb * (1 - pb) * inv);
    } else if (p->method == CAUSAL_POWER_PROP_BASELINE) {
      se0 = sqrt(p1 * q1 * inv);
    } else {
      se0 = se1;
    }
    return cz_pnorm((ad - z * se0) / se1, 1, 0) +
           (far ? cz_pnorm((-ad - z * se0) / se1, 1, 0) : 0);
  }
  double se, df;
  if (c->two_sample) {
    se = c->sd * sqrt(1 / n1 + 1 / n2);
    df = n1 + n2 - 2;
  } else {
    se = c->sd / sqrt(n);
    df = n - 1;
  }
  double ncp = fabs(e) / se;
  if (!c->is_t)
    return cz_pnorm(ncp - c->zcrit, 1, 0) +
           (far ? cz_pnorm(-ncp - c->zcrit, 1, 0) : 0);
  if (!(df > 0))
    return NAN;
  double tc = cz_qt(c->alpha_c / p->sides, df, 0, 0);
  return causal_pnt(tc, df, ncp, 0) + (far ? causal_pnt(-tc, df, ncp, 1) : 0);
}

static double f_of_n(double n, void *vc) {
  ctx *c = vc;
  return power_at(c, n, c->fixed) - c->target;
}
static double f_of_e(double e, void *vc) {
  ctx *c = vc;
  return power_at(c, c->fixed, e) - c->target;
}

/* ---- Dunnett critical value ------------------------------------------- */

typedef struct dctx {
  double c, rho;
  int m, sides;
} dctx;

static double dunnett_integrand(double u, void *v) {
  const dctx *d = v;
  double sr = sqrt(d->rho), s1 = sqrt(1 - d->rho);
  double hi = cz_pnorm((d->c - sr * u) / s1, 1, 0);
  double lo = d->sides == 2 ? cz_pnorm((-d->c - sr * u) / s1, 1, 0) : 0;
  return cz_dnorm(u, 0) * pow(hi - lo, d->m);
}

/* P(max_i Z_i <= c) (one-sided) or P(max_i |Z_i| <= c) for m equicorrelated
 * standard normals with correlation rho >= 0 (Dunnett 1955): one integral
 * over the shared component. */
static double dunnett_cover(double c, void *v) {
  dctx *d = v;
  d->c = c;
  double r, e;
  const double pts[1] = {0};
  cz_quad(dunnett_integrand, d, -9, 9, pts, 1, 1e-14, 1e-14, &r, &e);
  return r;
}

typedef struct droot {
  dctx d;
  double level;
} droot;
static double dunnett_f(double c, void *v) {
  droot *r = v;
  return dunnett_cover(c, &r->d) - r->level;
}

static int dunnett_crit(double alpha, int m, double rho, int sides,
                        double *crit) {
  droot r = {{0, rho, m, sides}, 1 - alpha};
  double lo = 0, hi = 10;
  double flo = dunnett_f(lo, &r), fhi = dunnett_f(hi, &r);
  if (cz_brent(dunnett_f, &r, lo, hi, flo, fhi, 1e-13, 200, crit) != 0)
    return cz_fail(CAUSAL_ENOCONV,
                   "causal_power_solve: Dunnett critical value for %d "
                   "comparisons at alpha = %g did not converge",
                   m, alpha);
  return CAUSAL_OK;
}

/* ---- solving ----------------------------------------------------------- */

static const char *method_name(int m) {
  switch (m) {
  case CAUSAL_POWER_PROP_POOLED:
    return "proportions, pooled null variance";
  case CAUSAL_POWER_PROP_UNPOOLED:
    return "proportions, unpooled variance";
  case CAUSAL_POWER_PROP_ARCSINE:
    return "proportions, arcsine (Cohen's h)";
  case CAUSAL_POWER_PROP_BASELINE:
    return "proportions, baseline null variance";
  case CAUSAL_POWER_MEAN_T:
    return "means, noncentral t";
  case CAUSAL_POWER_MEAN_Z:
    return "means, normal approximation";
  default:
    return "ratio metric, delta method";
  }
}

#define FN "causal_power_solve"

static int check_inputs(const causal_power *p, ctx *c) {
  memset(c, 0, sizeof *c);
  c->p = p;
  c->is_prop = prop_method(p->method);
  c->is_t = p->method == CAUSAL_POWER_MEAN_T;
  c->two_sample = c->is_prop || p->sample == CAUSAL_POWER_TWO_SAMPLE;
  if (p->solve != CAUSAL_POWER_SOLVE_N && isnan(p->n))
    return cz_fail(CAUSAL_EINVAL, FN ": N is not set (needed unless solving "
                                     "for N)");
  if (p->solve != CAUSAL_POWER_SOLVE_POWER && isnan(p->power))
    return cz_fail(CAUSAL_EINVAL, FN ": POWER is not set (needed unless "
                                     "solving for power)");
  if (p->solve != CAUSAL_POWER_SOLVE_EFFECT) {
    if (isnan(p->effect))
      return cz_fail(CAUSAL_EINVAL, FN ": EFFECT is not set (needed unless "
                                       "solving for the effect)");
    if (p->effect == 0)
      return cz_fail(CAUSAL_ERANGE, FN ": EFFECT is 0");
  }
  if (p->solve != CAUSAL_POWER_SOLVE_POWER &&
      !(p->power > p->alpha / 2 || (p->sides == 1 && p->power > p->alpha)))
    return cz_fail(CAUSAL_ERANGE,
                   FN ": POWER = %g does not exceed the significance level",
                   p->power);
  if (!c->two_sample && p->arms > 2)
    return cz_fail(CAUSAL_EINVAL, FN ": ARMS > 2 needs a two-sample design");
  if (c->is_prop) {
    if (isnan(p->baseline) || !(p->baseline > 0 && p->baseline < 1))
      return cz_fail(CAUSAL_ERANGE, FN ": BASELINE (p1) must be set and in "
                                       "(0, 1) for proportions");
    if (p->rho != 0)
      return cz_fail(CAUSAL_EINVAL,
                     FN ": RHO (CUPED) applies to means and ratio metrics, "
                        "not to %s",
                     method_name(p->method));
    c->sd = NAN;
  } else if (p->method == CAUSAL_POWER_RATIO) {
    if (isnan(p->num_mean) || isnan(p->den_mean) || isnan(p->num_var) ||
        isnan(p->den_var) || isnan(p->cov))
      return cz_fail(CAUSAL_EINVAL,
                     FN ": the ratio method needs NUM_MEAN, DEN_MEAN, "
                        "NUM_VAR, DEN_VAR and NUM_DEN_COV");
    double r = p->num_mean / p->den_mean;
    double v = (p->num_var - 2 * r * p->cov + r * r * p->den_var) /
               (p->den_mean * p->den_mean);
    if (!(v > 0) || !isfinite(v))
      return cz_fail(CAUSAL_ERANGE,
                     FN ": delta-method variance of the ratio is %g (not "
                        "positive): check NUM_VAR, DEN_VAR, NUM_DEN_COV",
                     v);
    c->sd = sqrt(v * (1 - p->rho * p->rho));
  } else {
    if (isnan(p->sd))
      return cz_fail(CAUSAL_EINVAL, FN ": SD is not set");
    c->sd = p->sd * sqrt(1 - p->rho * p->rho);
  }
  if (p->relative) {
    double base = p->method == CAUSAL_POWER_RATIO ? p->num_mean / p->den_mean
                                                  : p->baseline;
    if (isnan(base) || base == 0)
      return cz_fail(CAUSAL_EINVAL, FN ": RELATIVE = 1 needs a non-zero "
                                       "BASELINE (control mean)");
  }
  /* per-comparison alpha and the critical value */
  int m = p->arms - 1;
  c->alpha_c = p->alpha;
  c->zcrit = cz_qnorm(p->alpha / p->sides, 0, 0);
  if (m > 1 && p->mult == CAUSAL_POWER_MULT_BONFERRONI) {
    c->alpha_c = p->alpha / m;
    c->zcrit = cz_qnorm(c->alpha_c / p->sides, 0, 0);
  } else if (m > 1 && p->mult == CAUSAL_POWER_MULT_DUNNETT) {
    if (c->is_t)
      return cz_fail(CAUSAL_EINVAL,
                     FN ": Dunnett adjustment needs a normal-approximation "
                        "method (not the t method)");
    double rho = p->ratio / (1 + p->ratio);
    CZ_CHECK(dunnett_crit(p->alpha, m, rho, p->sides, &c->zcrit));
    c->alpha_c = p->sides * cz_pnorm(c->zcrit, 0, 0);
  }
  return CAUSAL_OK;
}

static double abs_effect(const causal_power *p, double e) {
  if (!p->relative)
    return e;
  double base =
      p->method == CAUSAL_POWER_RATIO ? p->num_mean / p->den_mean : p->baseline;
  return e * base;
}

static int solve_n(ctx *c, double e, double *n) {
  const causal_power *p = c->p;
  c->fixed = e;
  c->target = p->power;
  /* t methods search n >= 2 as R's power.t.test does (df > 0 there) */
  double lo = c->is_t ? 2.0 : 1e-9;
  double flo = f_of_n(lo, c);
  if (isnan(flo))
    return cz_fail(CAUSAL_ERANGE, FN ": power undefined at n = %g", lo);
  if (flo >= 0) {
    *n = lo;
    return CAUSAL_OK;
  }
  double hi = lo < 1 ? 4 : 2 * lo, fhi = f_of_n(hi, c);
  while (fhi < 0 && hi < 1e16) {
    lo = hi;
    flo = fhi;
    hi *= 4;
    fhi = f_of_n(hi, c);
  }
  if (!(fhi >= 0))
    return cz_fail(CAUSAL_ENOCONV,
                   FN ": power %g not reached for n up to "
                      "%g (effect too small?)",
                   p->power, hi);
  int rc = cz_brent(f_of_n, c, lo, hi, flo, fhi, 1e-13 * hi, 400, n);
  if (rc != 0)
    return cz_fail(CAUSAL_ENOCONV, FN ": root search for n failed (%d)", rc);
  return CAUSAL_OK;
}

static int solve_effect(ctx *c, double *e) {
  const causal_power *p = c->p;
  c->fixed = p->n;
  c->target = p->power;
  double lo = 0, hi, flo = f_of_e(0, c), fhi;
  if (c->is_prop) {
    hi = 1 - p->baseline;
    /* the power function is defined on (-p1, 1 - p1); stay inside */
    hi -= 1e-15 * (1 + hi);
    fhi = f_of_e(hi, c);
    if (!(fhi >= 0))
      return cz_fail(CAUSAL_ERANGE,
                     FN ": power %g is not reached even for p2 -> 1 with "
                        "n = %g",
                     p->power, p->n);
  } else {
    hi = c->sd;
    fhi = f_of_e(hi, c);
    while (fhi < 0 && hi < 1e300) {
      lo = hi;
      flo = fhi;
      hi *= 4;
      fhi = f_of_e(hi, c);
    }
    if (!(fhi >= 0))
      return cz_fail(CAUSAL_ENOCONV, FN ": no effect reaches power %g",
                     p->power);
  }
  if (flo >= 0) {
    *e = 0;
    return CAUSAL_OK;
  }
  int rc = cz_brent(f_of_e, c, lo, hi, flo, fhi, 1e-14 * hi, 400, e);
  if (rc != 0)
    return cz_fail(CAUSAL_ENOCONV, FN ": root search for the effect failed");
  return CAUSAL_OK;
}

static int emit(causal_result *r, const ctx *c, double n, double e, double pw) {
  const causal_power *p = c->p;
  double n2 = c->two_sample ? p->ratio * n : 0;
  double base =
      p->method == CAUSAL_POWER_RATIO ? p->num_mean / p->den_mean : p->baseline;
  double es;
  if (p->method == CAUSAL_POWER_PROP_ARCSINE)
    es = 2 * asin(sqrt(p->baseline + e)) - 2 * asin(sqrt(p->baseline));
  else if (c->is_prop)
    es = e / sqrt(p->baseline * (1 - p->baseline));
  else
    es = e / c->sd;
  static const char *solved[] = {"", "n", "power", "effect"};
  const char *alt = p->sides == 1 ? "one.sided" : "two.sided";
  const char *mult = p->arms <= 2                              ? "none"
                     : p->mult == CAUSAL_POWER_MULT_BONFERRONI ? "bonferroni"
                     : p->mult == CAUSAL_POWER_MULT_DUNNETT    ? "dunnett"
                                                               : "none";
  double df = NAN;
  if (c->is_t)
    df = c->two_sample ? n + n2 - 2 : n - 1;
  double tcrit = c->is_t ? cz_qt(c->alpha_c / p->sides, df, 0, 0) : c->zcrit;
  CZ_CHECK(causal_result_set_string(r, "method", method_name(p->method)));
  CZ_CHECK(causal_result_set_string(r, "solved_for", solved[p->solve]));
  CZ_CHECK(causal_result_set_string(r, "alternative", alt));
  CZ_CHECK(causal_result_set_string(r, "multiplicity", mult));
  CZ_CHECK(causal_result_set_scalar(r, "n", n));
  CZ_CHECK(causal_result_set_scalar(r, "n1", n));
  CZ_CHECK(causal_result_set_scalar(r, "n2", c->two_sample ? n2 : NAN));
  CZ_CHECK(causal_result_set_scalar(
      r, "n_total", c->two_sample ? n + (p->arms - 1) * n2 : n));
  CZ_CHECK(causal_result_set_scalar(r, "n_ceiling", ceil(n - 1e-9 * n)));
  CZ_CHECK(causal_result_set_scalar(r, "power", pw));
  CZ_CHECK(causal_result_set_scalar(r, "effect", e));
  CZ_CHECK(causal_result_set_scalar(r, "effect_relative",
                                    isnan(base) || base == 0 ? NAN : e / base));
  CZ_CHECK(causal_result_set_scalar(r, "effect_size", es));
  CZ_CHECK(causal_result_set_scalar(r, "alpha", p->alpha));
  CZ_CHECK(causal_result_set_scalar(r, "alpha_per_comparison", c->alpha_c));
  CZ_CHECK(causal_result_set_scalar(r, "critical_value", tcrit));
  CZ_CHECK(causal_result_set_scalar(r, "sd", c->sd));
  if (c->is_prop) {
    CZ_CHECK(causal_result_set_scalar(r, "p1", p->baseline));
    CZ_CHECK(causal_result_set_scalar(r, "p2", p->baseline + e));
  }
  if (c->is_t)
    CZ_CHECK(causal_result_set_scalar(r, "df", df));
  return CAUSAL_OK;
}

int causal_power_solve(causal_result **out, const causal_power *p) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(p);
  ctx c;
  CZ_CHECK(check_inputs(p, &c));
  double n = p->n, e = NAN, pw = p->power;
  if (p->solve != CAUSAL_POWER_SOLVE_EFFECT) {
    e = abs_effect(p, p->effect);
    if (c.is_prop) {
      double p2 = p->baseline + e;
      if (!(p2 > 0 && p2 < 1))
        return cz_fail(CAUSAL_ERANGE,
                       FN ": p2 = BASELINE + EFFECT = %g is outside (0, 1)",
                       p2);
    }
  }
  if (p->solve == CAUSAL_POWER_SOLVE_N) {
    CZ_CHECK(solve_n(&c, e, &n));
  } else if (p->solve == CAUSAL_POWER_SOLVE_EFFECT) {
    CZ_CHECK(solve_effect(&c, &e));
  }
  pw = power_at(&c, n, e);
  if (isnan(pw))
    return cz_fail(CAUSAL_ERANGE,
                   FN ": power is undefined at n = %g (t "
                      "methods need df > 0)",
                   n);
  causal_result *r;
  CZ_CHECK(causal_result_new(&r, "power"));
  int rc = emit(r, &c, n, e, pw);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
