/* Group-sequential designs, monitoring and the mixture SPRT
 * (include/causal/sequential.h, docs/methods/sequential.md).
 *
 * Crossing probabilities: Jennison & Turnbull (2000), ch. 19. The
 * sub-density h_k of Z_k on the continuation region is carried on a grid
 * built around the drift mean theta sqrt(t_k): 6r - 1 points (dense in
 * the centre, logarithmically spaced in the tails out to 3 + 4 log r sd),
 * trimmed to the continuation interval [a_k, b_k] with the endpoints
 * added, plus midpoints for Simpson's rule. With Delta = t_k - t_{k-1},
 *   h_k(z) = sum_j w_j h_{k-1}(z_j) sqrt(t_k / Delta)
 *            phi((z sqrt t_k - z_j sqrt t_{k-1} - theta Delta) / sqrt Delta)
 * and the probability of first crossing b_k at look k is
 *   sum_j w_j h_{k-1}(z_j) Phibar((b_k sqrt t_k - z_j sqrt t_{k-1}
 *                                  - theta Delta) / sqrt Delta).
 * r = 48 (gsDesign uses 18): boundaries agree with multivariate-normal
 * integration to ~1e-9. */
#include "causal/sequential.h"
#include "internal/core.h"
#include "internal/dist.h"
#include "internal/numint.h"
#include "internal/serial.h"

#include <math.h>
#include <string.h>

#ifndef GS_R
#define GS_R 48
#endif
#define GS_MAXGRID (12 * GS_R + 8)
#define GS_MAXLOOKS 1000
#define GS_ZMAX 40.0

struct causal_gs {
  cz_alloc alloc;
  int sides, spending, conv, fut_spending, binding;
  double alpha, param, beta, fut_param, drift;
  size_t n, cap;
  double *frac, *z, *upper, *lower;
  int *dec;
};

/* ---- spending functions ------------------------------------------------ */

double causal_gs_spend(int family, double param, double a, double t) {
  if (isnan(t) || isnan(a) || isnan(param))
    return NAN;
  if (t <= 0)
    return 0;
  if (t >= 1)
    return a;
  switch (family) {
  case CAUSAL_GS_OBF:
    return 2 * cz_pnorm(cz_qnorm(a / 2, 0, 0) / sqrt(t), 0, 0);
  case CAUSAL_GS_POCOCK:
    return a * log1p((2.718281828459045 - 1) * t); /* e - 1 */
  case CAUSAL_GS_HSD:
    if (fabs(param) < 1e-12)
      return a * t;
    return a * expm1(-param * t) / expm1(-param);
  case CAUSAL_GS_POWER:
    return a * pow(t, param);
  default:
    return NAN;
  }
}

/* Cumulative alpha spent on ONE side at t. */
static double side_spend(const causal_gs *g, double t) {
  if (g->sides == 1)
    return causal_gs_spend(g->spending, g->param, g->alpha, t);
  if (g->conv == CAUSAL_GS_SPEND_TOTAL)
    return 0.5 * causal_gs_spend(g->spending, g->param, g->alpha, t);
  return causal_gs_spend(g->spending, g->param, 0.5 * g->alpha, t);
}

/* ---- recursive integration -------------------------------------------- */

typedef struct grid {
  int m;    /* 0: first look (no previous grid) */
  double t; /* information fraction of this grid */
  double z[GS_MAXGRID], w[GS_MAXGRID], h[GS_MAXGRID];
} grid;

static void build_points(grid *g, double mu, double a, double b) {
  double y[6 * GS_R + 2];
  int n = 0;
  const double r = GS_R;
  double first = mu - 3 - 4 * log(r), last = mu + 3 + 4 * log(r);
  if (a > first)
    y[n++] = a;
  for (int i = 1; i <= 6 * GS_R - 1; i++) {
    double x;
    if (i < GS_R)
      x = -3 - 4 * log(r / i);
    else if (i <= 5 * GS_R)
      x = -3 + 3 * (i - r) / (2 * r);
    else
      x = 3 + 4 * log(r / (6 * r - i));
    x += mu;
    if (x > a && x < b)
      y[n++] = x;
  }
  if (b < last)
    y[n++] = b;
  if (n < 2) {
    g->m = 0;
    return;
  }
  int m = 2 * n - 1;
  for (int j = 0; j < n; j++) {
    g->z[2 * j] = y[j];
    if (j + 1 < n)
      g->z[2 * j + 1] = 0.5 * (y[j] + y[j + 1]);
  }
  for (int i = 0; i < m; i++)
    g->w[i] = 0;
  for (int j = 0; j + 1 < n; j++) {
    double d = g->z[2 * j + 2] - g->z[2 * j];
    g->w[2 * j] += d / 6;
    g->w[2 * j + 1] += 4 * d / 6;
    g->w[2 * j + 2] += d / 6;
  }
  g->m = m;
}

/* P(first exit above b at look t) given the previous grid (or none). */
static double cross_upper(const grid *prev, double t, double theta, double b) {
  if (isinf(b))
    return b > 0 ? 0 : 1;
  if (prev == NULL)
    return cz_pnorm(b - theta * sqrt(t), 0, 0);
  double d = t - prev->t, sd = sqrt(d), st = sqrt(t), sp = sqrt(prev->t);
  double s = 0;
  for (int i = 0; i < prev->m; i++)
    s += prev->w[i] * prev->h[i] *
         cz_pnorm((b * st - prev->z[i] * sp - theta * d) / sd, 0, 0);
  return s;
}

static double cross_lower(const grid *prev, double t, double theta, double a) {
  if (isinf(a))
    return a < 0 ? 0 : 1;
  if (prev == NULL)
    return cz_pnorm(a - theta * sqrt(t), 1, 0);
  double d = t - prev->t, sd = sqrt(d), st = sqrt(t), sp = sqrt(prev->t);
  double s = 0;
  for (int i = 0; i < prev->m; i++)
    s += prev->w[i] * prev->h[i] *
         cz_pnorm((a * st - prev->z[i] * sp - theta * d) / sd, 1, 0);
  return s;
}

/* The sub-density at look t on [a, b] from prev (NULL: first look). */
static void advance(const grid *prev, grid *next, double t, double theta,
                    double a, double b) {
  build_points(next, theta * sqrt(t), a, b);
  next->t = t;
  if (prev == NULL) {
    for (int i = 0; i < next->m; i++)
      next->h[i] = cz_dnorm(next->z[i] - theta * sqrt(t), 0);
    return;
  }
  double d = t - prev->t, sd = sqrt(d), st = sqrt(t), sp = sqrt(prev->t);
  double c = st / sd;
  for (int i = 0; i < next->m; i++) {
    double s = 0;
    for (int j = 0; j < prev->m; j++)
      s += prev->w[j] * prev->h[j] *
           cz_dnorm((next->z[i] * st - prev->z[j] * sp - theta * d) / sd, 0);
    next->h[i] = c * s;
  }
}

typedef struct bctx {
  const grid *prev;
  double t, theta, target;
} bctx;

static double fu(double b, void *v) {
  bctx *c = v;
  return cross_upper(c->prev, c->t, c->theta, b) - c->target;
}
static double fl(double a, void *v) {
  bctx *c = v;
  return cross_lower(c->prev, c->t, c->theta, a) - c->target;
}

/* Upper bound spending `target` at look t (+Inf when nothing to spend). */
static int solve_upper(const grid *prev, double t, double target, double *b) {
  if (!(target > 1e-300)) {
    *b = INFINITY;
    return CAUSAL_OK;
  }
  bctx c = {prev, t, 0, target};
  double lo = -GS_ZMAX, hi = GS_ZMAX;
  double flo = fu(lo, &c), fhi = fu(hi, &c);
  if (!(flo > 0))
    return cz_fail(CAUSAL_ERANGE,
                   "sequential: alpha increment %g at "
                   "information %g exceeds the probability "
                   "of continuing",
                   target, t);
  if (fhi >= 0) {
    *b = hi;
    return CAUSAL_OK;
  }
  if (cz_brent(fu, &c, lo, hi, flo, fhi, 1e-13, 300, b) != 0)
    return cz_fail(CAUSAL_ENOCONV,
                   "sequential: boundary search at "
                   "information %g did not converge",
                   t);
  return CAUSAL_OK;
}

/* Lower (futility) bound spending `target` under theta, unconstrained
 * (may exceed the upper bound; the caller clamps). */
static int solve_lower(const grid *prev, double t, double theta, double target,
                       double *a) {
  if (!(target > 1e-300)) {
    *a = -INFINITY;
    return CAUSAL_OK;
  }
  bctx c = {prev, t, theta, target};
  double lo = -GS_ZMAX, hi = GS_ZMAX;
  double flo = fl(lo, &c), fhi = fl(hi, &c);
  if (flo >= 0) {
    *a = lo;
    return CAUSAL_OK;
  }
  if (fhi <= 0) {
    *a = hi;
    return CAUSAL_OK;
  }
  if (cz_brent(fl, &c, lo, hi, flo, fhi, 1e-13, 300, a) != 0)
    return cz_fail(CAUSAL_ENOCONV,
                   "sequential: futility search at "
                   "information %g did not converge",
                   t);
  return CAUSAL_OK;
}

/* Work area for a design: two grids swapped look by look. */
typedef struct work {
  grid g[2];
} work;

/* Efficacy bounds under H0 for fractions t[0..k-1]. */
static int efficacy_bounds(const causal_gs *gs, work *w, const double *t,
                           size_t k, double *b) {
  const grid *prev = NULL;
  double spent = 0;
  for (size_t i = 0; i < k; i++) {
    double cum = side_spend(gs, t[i]);
    CZ_CHECK(solve_upper(prev, t[i], cum - spent, &b[i]));
    spent = cum;
    grid *next = &w->g[i % 2];
    double a = gs->sides == 2 ? -b[i] : -INFINITY;
    advance(prev, next, t[i], 0, a, b[i]);
    prev = next;
  }
  return CAUSAL_OK;
}

/* Crossing probabilities under theta with fixed bounds [a, b]. */
static void crossing(work *w, const double *t, size_t k, double theta,
                     const double *a, const double *b, double *pu, double *pl) {
  const grid *prev = NULL;
  for (size_t i = 0; i < k; i++) {
    pu[i] = cross_upper(prev, t[i], theta, b[i]);
    pl[i] = cross_lower(prev, t[i], theta, a[i]);
    grid *next = &w->g[i % 2];
    advance(prev, next, t[i], theta, a[i], b[i]);
    prev = next;
  }
}

/* Futility bounds under theta (one-sided, bounds b known); returns
 * a_K - b_K with a_K unclamped. */
static int futility_bounds(const causal_gs *gs, work *w, const double *t,
                           size_t k, double theta, const double *b, double *a,
                           double *gap) {
  const grid *prev = NULL;
  double spent = 0;
  for (size_t i = 0; i < k; i++) {
    double cum =
        causal_gs_spend(gs->fut_spending, gs->fut_param, gs->beta, t[i]);
    CZ_CHECK(solve_lower(prev, t[i], theta, cum - spent, &a[i]));
    spent = cum;
    if (i + 1 == k)
      *gap = a[i] - b[i];
    if (a[i] > b[i])
      a[i] = b[i];
    grid *next = &w->g[i % 2];
    advance(prev, next, t[i], theta, a[i], b[i]);
    prev = next;
  }
  return CAUSAL_OK;
}

/* Binding futility under theta: efficacy bounds under H0 with the
 * futility bounds in the continuation region, futility bounds under theta,
 * look by look (w: 2 work areas, H0 and theta). Returns a_K - b_K with a_K
 * unclamped. */
static int binding_bounds(const causal_gs *gs, work *w, const double *t,
                          size_t k, double theta, double *b, double *a,
                          double *gap) {
  const grid *p0 = NULL, *p1 = NULL;
  double aspent = 0, bspent = 0;
  for (size_t i = 0; i < k; i++) {
    double acum = side_spend(gs, t[i]);
    double bcum =
        causal_gs_spend(gs->fut_spending, gs->fut_param, gs->beta, t[i]);
    CZ_CHECK(solve_upper(p0, t[i], acum - aspent, &b[i]));
    CZ_CHECK(solve_lower(p1, t[i], theta, bcum - bspent, &a[i]));
    aspent = acum;
    bspent = bcum;
    if (i + 1 == k)
      *gap = a[i] - b[i];
    if (a[i] > b[i])
      a[i] = b[i];
    grid *n0 = &w[0].g[i % 2], *n1 = &w[1].g[i % 2];
    advance(p0, n0, t[i], 0, a[i], b[i]);
    advance(p1, n1, t[i], theta, a[i], b[i]);
    p0 = n0;
    p1 = n1;
  }
  return CAUSAL_OK;
}

typedef struct dctx {
  const causal_gs *gs;
  work *w;
  const double *t;
  size_t k;
  const double *b;
  double *a, *pu, *pl;
  int rc;
  double *bw; /* the efficacy bounds, rewritten under binding futility */
} dctx;

static double f_power(double theta, void *v) {
  dctx *c = v;
  crossing(c->w, c->t, c->k, theta, c->a, c->b, c->pu, c->pl);
  /* power counts the upper (right-direction) crossings only */
  double s = 0;
  for (size_t i = 0; i < c->k; i++)
    s += c->pu[i];
  return s - (1 - c->gs->beta);
}

static double f_gap(double theta, void *v) {
  dctx *c = v;
  double gap = 0;
  int rc = c->gs->binding
               ? binding_bounds(c->gs, c->w, c->t, c->k, theta, c->bw, c->a,
                                &gap)
               : futility_bounds(c->gs, c->w, c->t, c->k, theta, c->b, c->a,
                                 &gap);
  if (rc != CAUSAL_OK) {
    c->rc = rc;
    return NAN;
  }
  return gap;
}

/* ---- object ------------------------------------------------------------ */

static int check_family(const char *who, const char *what, int fam,
                        double param, int allow_none) {
  if (fam == CAUSAL_GS_NONE && allow_none)
    return CAUSAL_OK;
  if (fam < CAUSAL_GS_OBF || fam > CAUSAL_GS_POWER)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown %s spending family %d", who,
                   what, fam);
  if (!isfinite(param))
    return cz_fail(CAUSAL_ENONFINITE,
                   "%s: %s spending parameter is not "
                   "finite",
                   who, what);
  if (fam == CAUSAL_GS_POWER && !(param > 0))
    return cz_fail(CAUSAL_ERANGE, "%s: power-family rho = %g must be > 0", who,
                   param);
  if (fam == CAUSAL_GS_HSD && fabs(param) > 40)
    return cz_fail(CAUSAL_ERANGE, "%s: HSD gamma = %g is outside [-40, 40]",
                   who, param);
  return CAUSAL_OK;
}

int causal_gs_new(causal_gs **out, int sides, double alpha, int spending,
                  double param) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (sides != 1 && sides != 2)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_gs_new: sides = %d (must be 1 or "
                   "2)",
                   sides);
  if (isnan(alpha) || !(alpha > 0 && alpha <= 0.5))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_gs_new: alpha = %g is outside "
                   "(0, 0.5]",
                   alpha);
  if (spending == CAUSAL_GS_OBF || spending == CAUSAL_GS_POCOCK)
    param = 0;
  CZ_CHECK(check_family("causal_gs_new", "alpha", spending, param, 0));
  cz_alloc a = cz_alloc_current();
  causal_gs *g = cz_calloc(&a, 1, sizeof *g);
  if (g == NULL)
    return CAUSAL_ENOMEM;
  g->alloc = a;
  g->sides = sides;
  g->alpha = alpha;
  g->spending = spending;
  g->param = param;
  g->conv = CAUSAL_GS_SPEND_PER_SIDE;
  g->fut_spending = CAUSAL_GS_NONE;
  g->beta = 0.1;
  g->fut_param = 0;
  g->drift = NAN;
  *out = g;
  cz_clear_error();
  return CAUSAL_OK;
}

static void free_looks(causal_gs *g) {
  cz_free(&g->alloc, g->frac);
  cz_free(&g->alloc, g->z);
  cz_free(&g->alloc, g->upper);
  cz_free(&g->alloc, g->lower);
  cz_free(&g->alloc, g->dec);
}

void causal_gs_free(causal_gs *g) {
  if (g == NULL)
    return;
  free_looks(g);
  cz_alloc a = g->alloc;
  cz_free(&a, g);
}

int causal_gs_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  switch (key) {
  case CAUSAL_GS_CONVENTION:
    *min = 1;
    *max = 2;
    break;
  case CAUSAL_GS_FUT_SPENDING:
    *min = 0;
    *max = 4;
    break;
  case CAUSAL_GS_BINDING:
    *min = 0;
    *max = 1;
    break;
  case CAUSAL_GS_BETA:
    *min = 1e-6;
    *max = 0.5;
    break;
  case CAUSAL_GS_FUT_PARAM:
    *min = -40;
    *max = 40;
    break;
  case CAUSAL_GS_DRIFT:
    *min = 0;
    *max = 100;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL, "causal_gs_bounds: unknown option key %d",
                   key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_gs_set_int(causal_gs *g, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(g);
  double lo, hi;
  if (key >= 100 || causal_gs_bounds(key, &lo, &hi) != CAUSAL_OK)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_gs_set_int: %d is not an integer option key", key);
  if ((double)value < lo || (double)value > hi)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_gs_set_int: %s = %lld is outside "
                   "[%.0f, %.0f]",
                   key == CAUSAL_GS_CONVENTION ? "CONVENTION"
                   : key == CAUSAL_GS_BINDING  ? "BINDING"
                                               : "FUT_SPENDING",
                   (long long)value, lo, hi);
  if (key == CAUSAL_GS_CONVENTION)
    g->conv = (int)value;
  else if (key == CAUSAL_GS_BINDING)
    g->binding = (int)value;
  else
    g->fut_spending = (int)value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_gs_set_double(causal_gs *g, int key, double value) {
  CZ_REQUIRE_NONNULL(g);
  double lo, hi;
  if (key < 100 || causal_gs_bounds(key, &lo, &hi) != CAUSAL_OK)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_gs_set_double: %d is not a real option key", key);
  const char *name = key == CAUSAL_GS_BETA        ? "BETA"
                     : key == CAUSAL_GS_FUT_PARAM ? "FUT_PARAM"
                                                  : "DRIFT";
  if (!isfinite(value))
    return cz_fail(CAUSAL_ENONFINITE,
                   "causal_gs_set_double: %s is not "
                   "finite",
                   name);
  if (value < lo || value > hi)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_gs_set_double: %s = %g is outside [%g, %g]", name,
                   value, lo, hi);
  if (key == CAUSAL_GS_BETA)
    g->beta = value;
  else if (key == CAUSAL_GS_FUT_PARAM)
    g->fut_param = value;
  else
    g->drift = value;
  cz_clear_error();
  return CAUSAL_OK;
}

static const char *family_name(int f) {
  switch (f) {
  case CAUSAL_GS_OBF:
    return "Lan-DeMets O'Brien-Fleming";
  case CAUSAL_GS_POCOCK:
    return "Lan-DeMets Pocock";
  case CAUSAL_GS_HSD:
    return "Hwang-Shih-DeCani";
  case CAUSAL_GS_POWER:
    return "power family";
  default:
    return "none";
  }
}

static int check_fut(const causal_gs *g, const char *who) {
  if (g->fut_spending == CAUSAL_GS_NONE)
    return CAUSAL_OK;
  if (g->sides != 1)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: futility boundaries need a one-sided "
                   "design",
                   who);
  return check_family(who, "futility", g->fut_spending, g->fut_param, 0);
}

/* ---- design ------------------------------------------------------------ */

#define DES "causal_gs_design"

static int design_body(causal_result *r, const causal_gs *g, const double *t,
                       size_t k, work *w, double *mem) {
  double *b = mem, *a = mem + k, *pu = mem + 2 * k, *pl = mem + 3 * k;
  double *cum = mem + 4 * k, *inc = mem + 5 * k, *nom = mem + 6 * k;
  double *bs = mem + 7 * k, *pu0 = mem + 8 * k, *pl0 = mem + 9 * k;
  CZ_CHECK(efficacy_bounds(g, w, t, k, b));
  dctx c = {g, w, t, k, b, a, pu, pl, CAUSAL_OK, b};
  int fut = g->fut_spending != CAUSAL_GS_NONE;
  double theta;
  if (!fut) {
    for (size_t i = 0; i < k; i++)
      a[i] = g->sides == 2 ? -b[i] : -INFINITY;
    double lo = 0, hi = 1, flo = f_power(lo, &c), fhi = f_power(hi, &c);
    while (fhi < 0 && hi < 64) {
      lo = hi;
      flo = fhi;
      hi *= 2;
      fhi = f_power(hi, &c);
    }
    if (cz_brent(f_power, &c, lo, hi, flo, fhi, 1e-12, 300, &theta) != 0)
      return cz_fail(CAUSAL_ENOCONV, DES ": drift for power %g not found",
                     1 - g->beta);
  } else {
    double lo = 0, hi = 1, flo = f_gap(lo, &c), fhi = f_gap(hi, &c);
    while (fhi < 0 && hi < 64) {
      lo = hi;
      flo = fhi;
      hi *= 2;
      fhi = f_gap(hi, &c);
    }
    CZ_CHECK(c.rc);
    if (cz_brent(f_gap, &c, lo, hi, flo, fhi, 1e-12, 300, &theta) != 0)
      return c.rc ? c.rc
                  : cz_fail(CAUSAL_ENOCONV,
                            DES ": drift where the futility and efficacy "
                                "bounds meet not found");
    f_gap(theta, &c);
    CZ_CHECK(c.rc);
  }
  crossing(w, t, k, theta, a, b, pu, pl);
  double power = 0, eh1 = 0, cont = 1;
  for (size_t i = 0; i < k; i++) {
    power += pu[i];
    double stop = i + 1 < k ? pu[i] + pl[i] : cont;
    eh1 += t[i] * stop;
    cont -= pu[i] + pl[i];
  }
  /* expected information under H0 with the futility bound respected */
  crossing(w, t, k, 0, a, b, pu0, pl0);
  double eh0 = 0;
  cont = 1;
  for (size_t i = 0; i < k; i++) {
    double stop = i + 1 < k ? pu0[i] + pl0[i] : cont;
    eh0 += t[i] * stop;
    cont -= pu0[i] + pl0[i];
  }
  crossing(w, t, k, theta, a, b, pu, pl);
  double prev = 0;
  for (size_t i = 0; i < k; i++) {
    cum[i] = g->sides * side_spend(g, t[i]);
    inc[i] = cum[i] - prev;
    prev = cum[i];
    nom[i] = cz_pnorm(b[i], 0, 0);
    bs[i] =
        fut ? causal_gs_spend(g->fut_spending, g->fut_param, g->beta, t[i]) : 0;
  }
  double zfix = cz_qnorm(g->alpha / g->sides, 0, 0) + cz_qnorm(g->beta, 0, 0);
  CZ_CHECK(causal_result_set_vector(r, "info_fraction", t, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "upper", b, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "lower", a, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "alpha_spent", cum, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "alpha_increment", inc, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "nominal_p", nom, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "beta_spent", bs, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "prob_upper_h1", pu, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "prob_lower_h1", pl, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "prob_upper_h0", pu0, k, NULL));
  CZ_CHECK(causal_result_set_vector(r, "prob_lower_h0", pl0, k, NULL));
  CZ_CHECK(causal_result_set_scalar(r, "drift", theta));
  CZ_CHECK(causal_result_set_scalar(r, "fixed_drift", zfix));
  CZ_CHECK(causal_result_set_scalar(r, "inflation_factor",
                                    (theta / zfix) * (theta / zfix)));
  CZ_CHECK(causal_result_set_scalar(r, "power", power));
  CZ_CHECK(causal_result_set_scalar(r, "expected_info_h0", eh0));
  CZ_CHECK(causal_result_set_scalar(r, "expected_info_h1", eh1));
  CZ_CHECK(causal_result_set_scalar(r, "alpha", g->alpha));
  CZ_CHECK(causal_result_set_scalar(r, "beta", g->beta));
  CZ_CHECK(causal_result_set_scalar(r, "sides", g->sides));
  CZ_CHECK(causal_result_set_string(r, "spending", family_name(g->spending)));
  return CAUSAL_OK;
}

static int check_fracs(const char *who, const double *t, size_t k) {
  if (k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no looks (k = 0)", who);
  if (k > GS_MAXLOOKS)
    return cz_fail(CAUSAL_ERANGE, "%s: k = %zu looks (at most %d)", who, k,
                   GS_MAXLOOKS);
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(t[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: frac[%zu] is not finite", who, i);
    if (!(t[i] > 0 && t[i] <= 1))
      return cz_fail(CAUSAL_ERANGE, "%s: frac[%zu] = %g is outside (0, 1]", who,
                     i, t[i]);
    if (i > 0 && !(t[i] > t[i - 1]))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: frac[%zu] = %g does not exceed "
                     "frac[%zu] = %g",
                     who, i, t[i], i - 1, t[i - 1]);
  }
  if (t[k - 1] != 1)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the last fraction frac[%zu] = %g must "
                   "be 1 (the planned maximum)",
                   who, k - 1, t[k - 1]);
  return CAUSAL_OK;
}

int causal_gs_design(causal_result **out, const causal_gs *g,
                     const double *frac, size_t k) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(g);
  CZ_REQUIRE_NONNULL(frac);
  CZ_CHECK(check_fracs(DES, frac, k));
  CZ_CHECK(check_fut(g, DES));
  cz_alloc al = g->alloc;
  work *w = cz_malloc(&al, 2 * sizeof *w); /* [1]: binding futility */
  double *mem = cz_calloc(&al, 10 * k, sizeof(double));
  causal_result *r = NULL;
  int rc = (w == NULL || mem == NULL) ? CAUSAL_ENOMEM : CAUSAL_OK;
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "gs_design");
  if (rc == CAUSAL_OK)
    rc = design_body(r, g, frac, k, w, mem);
  cz_free(&al, w);
  cz_free(&al, mem);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- monitoring -------------------------------------------------------- */

#define LOOK "causal_gs_look"

static int grow(causal_gs *g) {
  if (g->n < g->cap)
    return CAUSAL_OK;
  size_t nc = g->cap ? 2 * g->cap : 8;
  double *p[4] = {g->frac, g->z, g->upper, g->lower};
  double *q[4] = {NULL, NULL, NULL, NULL};
  int *d = cz_calloc(&g->alloc, nc, sizeof(int));
  int ok = d != NULL;
  for (int i = 0; i < 4 && ok; i++) {
    q[i] = cz_calloc(&g->alloc, nc, sizeof(double));
    ok = q[i] != NULL;
  }
  if (!ok) {
    cz_free(&g->alloc, d);
    for (int i = 0; i < 4; i++)
      cz_free(&g->alloc, q[i]);
    return CAUSAL_ENOMEM;
  }
  for (int i = 0; i < 4; i++) {
    if (g->n)
      memcpy(q[i], p[i], g->n * sizeof(double));
    cz_free(&g->alloc, p[i]);
  }
  if (g->n)
    memcpy(d, g->dec, g->n * sizeof(int));
  cz_free(&g->alloc, g->dec);
  g->frac = q[0];
  g->z = q[1];
  g->upper = q[2];
  g->lower = q[3];
  g->dec = d;
  g->cap = nc;
  return CAUSAL_OK;
}

/* Boundaries at a new look t given the stored looks. */
static int look_bounds(const causal_gs *g, work *w, double t, double *b,
                       double *a) {
  const grid *prev = NULL;
  /* H0 recursion with the efficacy bounds actually used (non-binding
   * futility is ignored here; binding futility bounds the region) */
  for (size_t i = 0; i < g->n; i++) {
    grid *next = &w->g[i % 2];
    double lo = g->sides == 2 ? -g->upper[i]
                : g->binding  ? g->lower[i]
                              : -INFINITY;
    advance(prev, next, g->frac[i], 0, lo, g->upper[i]);
    prev = next;
  }
  double spent = g->n ? side_spend(g, g->frac[g->n - 1]) : 0;
  CZ_CHECK(solve_upper(prev, t, side_spend(g, t) - spent, b));
  if (g->sides == 2) {
    *a = -*b;
    return CAUSAL_OK;
  }
  *a = -INFINITY;
  if (g->fut_spending == CAUSAL_GS_NONE)
    return CAUSAL_OK;
  if (isnan(g->drift))
    return cz_fail(CAUSAL_EINVAL, LOOK ": futility monitoring needs "
                                       "CAUSAL_GS_DRIFT (the design's "
                                       "'drift' entry)");
  /* futility recursion under the drift with the bounds used */
  prev = NULL;
  for (size_t i = 0; i < g->n; i++) {
    grid *next = &w->g[i % 2];
    advance(prev, next, g->frac[i], g->drift, g->lower[i], g->upper[i]);
    prev = next;
  }
  double bs = g->n ? causal_gs_spend(g->fut_spending, g->fut_param, g->beta,
                                     g->frac[g->n - 1])
                   : 0;
  double cum = causal_gs_spend(g->fut_spending, g->fut_param, g->beta, t);
  CZ_CHECK(solve_lower(prev, t, g->drift, cum - bs, a));
  if (*a > *b || t >= 1)
    *a = *b; /* the last look decides */
  return CAUSAL_OK;
}

int causal_gs_look(causal_gs *g, double frac, double z, int *decision) {
  CZ_REQUIRE_NONNULL(g);
  CZ_REQUIRE_NONNULL(decision);
  if (!isfinite(frac) || !isfinite(z))
    return cz_fail(CAUSAL_ENONFINITE, LOOK ": %s is not finite",
                   isfinite(frac) ? "z" : "frac");
  if (g->n > 0 && g->dec[g->n - 1] != CAUSAL_GS_CONTINUE)
    return cz_fail(CAUSAL_EINVAL,
                   LOOK ": the monitoring already stopped at "
                        "look %zu",
                   g->n);
  if (frac > 1)
    return cz_fail(CAUSAL_ERANGE,
                   LOOK ": frac = %g is beyond the planned "
                        "information (1)",
                   frac);
  if (!(frac > 0))
    return cz_fail(CAUSAL_ERANGE, LOOK ": frac = %g must be > 0", frac);
  if (g->n > 0 && !(frac > g->frac[g->n - 1]))
    return cz_fail(CAUSAL_EINVAL,
                   LOOK ": frac = %g does not exceed the "
                        "previous look's %g",
                   frac, g->frac[g->n - 1]);
  if (g->n >= GS_MAXLOOKS)
    return cz_fail(CAUSAL_ERANGE, LOOK ": at most %d looks", GS_MAXLOOKS);
  CZ_CHECK(check_fut(g, LOOK));
  work *w = cz_malloc(&g->alloc, sizeof *w);
  if (w == NULL)
    return CAUSAL_ENOMEM;
  double b, a;
  int rc = look_bounds(g, w, frac, &b, &a);
  cz_free(&g->alloc, w);
  CZ_CHECK(rc);
  CZ_CHECK(grow(g));
  int d = CAUSAL_GS_CONTINUE;
  if (z >= b || (g->sides == 2 && z <= -b))
    d = CAUSAL_GS_REJECT;
  else if (frac >= 1)
    d = CAUSAL_GS_ACCEPT;
  else if (g->sides == 1 && z <= a)
    d = CAUSAL_GS_FUTILITY;
  g->frac[g->n] = frac;
  g->z[g->n] = z;
  g->upper[g->n] = b;
  g->lower[g->n] = a;
  g->dec[g->n] = d;
  g->n++;
  *decision = d;
  cz_clear_error();
  return CAUSAL_OK;
}

size_t causal_gs_nlooks(const causal_gs *g) { return g ? g->n : 0; }

static const char *decision_name(int d) {
  switch (d) {
  case CAUSAL_GS_REJECT:
    return "reject";
  case CAUSAL_GS_FUTILITY:
    return "futility";
  case CAUSAL_GS_ACCEPT:
    return "accept";
  default:
    return "continue";
  }
}

static int monitor_body(causal_result *r, const causal_gs *g, double *tmp) {
  size_t n = g->n;
  for (size_t i = 0; i < n; i++)
    tmp[i] = g->sides * side_spend(g, g->frac[i]);
  CZ_CHECK(causal_result_set_vector(r, "info_fraction", g->frac, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "z", g->z, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "upper", g->upper, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "lower", g->lower, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "alpha_spent", tmp, n, NULL));
  for (size_t i = 0; i < n; i++)
    tmp[i] = g->dec[i];
  CZ_CHECK(causal_result_set_vector(r, "decision_code", tmp, n, NULL));
  CZ_CHECK(causal_result_set_string(
      r, "decision", decision_name(n ? g->dec[n - 1] : CAUSAL_GS_CONTINUE)));
  CZ_CHECK(causal_result_set_scalar(r, "n_looks", (double)n));
  return CAUSAL_OK;
}

int causal_gs_result(causal_result **out, const causal_gs *g) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(g);
  cz_alloc al = g->alloc;
  double *tmp = cz_calloc(&al, g->n + 1, sizeof(double));
  if (tmp == NULL)
    return CAUSAL_ENOMEM;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "gs_monitor");
  if (rc == CAUSAL_OK)
    rc = monitor_body(r, g, tmp);
  cz_free(&al, tmp);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- serialization ------------------------------------------------------
 * Payload: u8 sides, u8 spending, u8 convention (| binding << 4), u8
 * futility family,
 * f64 alpha, param, beta, futility param, drift, u32 n, then per look
 * f64 frac, z, upper, lower and u8 decision. */

#define SER "causal_gs_serialize"
#define DESER "causal_gs_deserialize"

int causal_gs_serialize(const causal_gs *g, uint8_t **buf, size_t *len) {
  CZ_REQUIRE_NONNULL(buf);
  *buf = NULL;
  CZ_REQUIRE_NONNULL(len);
  *len = 0;
  CZ_REQUIRE_NONNULL(g);
  cz_writer w;
  cz_writer_init(&w, &g->alloc);
  cz_put_u8(&w, (uint8_t)g->sides);
  cz_put_u8(&w, (uint8_t)g->spending);
  cz_put_u8(&w, (uint8_t)(g->conv | (g->binding << 4)));
  cz_put_u8(&w, (uint8_t)g->fut_spending);
  cz_put_f64(&w, g->alpha);
  cz_put_f64(&w, g->param);
  cz_put_f64(&w, g->beta);
  cz_put_f64(&w, g->fut_param);
  cz_put_f64(&w, g->drift);
  cz_put_u32(&w, (uint32_t)g->n);
  for (size_t i = 0; i < g->n; i++) {
    cz_put_f64(&w, g->frac[i]);
    cz_put_f64(&w, g->z[i]);
    cz_put_f64(&w, g->upper[i]);
    cz_put_f64(&w, g->lower[i]);
    cz_put_u8(&w, (uint8_t)g->dec[i]);
  }
  int rc = cz_serial_seal(SER, CZ_KIND_GS_MONITOR, &w, buf, len);
  cz_writer_free(&w);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

static int corrupt(const char *what) {
  return cz_fail(CAUSAL_ECORRUPT, DESER ": invalid %s", what);
}

int causal_gs_deserialize(causal_gs **out, const uint8_t *buf, size_t len) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(buf);
  cz_reader r;
  unsigned version;
  CZ_CHECK(cz_serial_open(DESER, buf, len, CZ_KIND_GS_MONITOR, &version, &r));
  int sides = cz_get_u8(&r), sp = cz_get_u8(&r), conv = cz_get_u8(&r);
  int binding = conv >> 4; /* high nibble: binding futility (0.2) */
  conv &= 0x0f;
  int fut = cz_get_u8(&r);
  double alpha = cz_get_f64(&r), param = cz_get_f64(&r);
  double beta = cz_get_f64(&r), fparam = cz_get_f64(&r);
  double drift = cz_get_f64(&r);
  uint32_t n = cz_get_u32(&r);
  if (r.failed)
    return cz_reader_finish(DESER, &r);
  if (n > GS_MAXLOOKS || cz_reader_remaining(&r) != (size_t)n * 33)
    return corrupt("look count");
  if (conv < 1 || conv > 2 || binding > 1 || fut > 4 || !(beta > 0 && beta <= 0.5) ||
      !isfinite(fparam) || !(isnan(drift) || (drift >= 0 && drift <= 100)))
    return corrupt("options");
  causal_gs *g;
  int nrc = causal_gs_new(&g, sides, alpha, sp, param);
  if (nrc == CAUSAL_ENOMEM)
    return nrc;
  if (nrc != CAUSAL_OK)
    return corrupt("design (sides, alpha or spending)");
  g->conv = conv;
  g->binding = binding;
  g->fut_spending = fut;
  g->beta = beta;
  g->fut_param = fparam;
  g->drift = drift;
  for (uint32_t i = 0; i < n; i++) {
    int rc = grow(g);
    if (rc != CAUSAL_OK) {
      causal_gs_free(g);
      return rc;
    }
    double f = cz_get_f64(&r), z = cz_get_f64(&r);
    double up = cz_get_f64(&r), lo = cz_get_f64(&r);
    int d = cz_get_u8(&r);
    int bad = !(f > 0 && f <= 1) || (i > 0 && !(f > g->frac[i - 1])) ||
              !isfinite(z) || isnan(up) || isnan(lo) || d > 3 ||
              (i > 0 && g->dec[i - 1] != CAUSAL_GS_CONTINUE);
    if (bad) {
      causal_gs_free(g);
      return corrupt("look");
    }
    g->frac[i] = f;
    g->z[i] = z;
    g->upper[i] = up;
    g->lower[i] = lo;
    g->dec[i] = d;
    g->n = i + 1;
  }
  int rc = cz_reader_finish(DESER, &r);
  if (rc != CAUSAL_OK) {
    causal_gs_free(g);
    return rc;
  }
  *out = g;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- mixture SPRT ------------------------------------------------------ */

#define MS "causal_msprt"

static int msprt_body(causal_result *r, const double *est, const double *var,
                      size_t n, double tau2, double alpha, double theta0,
                      double *mem) {
  double *lam = mem, *p = mem + n, *lo = mem + 2 * n, *hi = mem + 3 * n;
  double pmin = 1, clo = -INFINITY, chi = INFINITY;
  size_t first = 0;
  for (size_t i = 0; i < n; i++) {
    double v = var[i], d = est[i] - theta0;
    double llam =
        0.5 * log(v / (v + tau2)) + tau2 * d * d / (2 * v * (v + tau2));
    lam[i] = exp(llam);
    double pi = llam > 0 ? exp(-llam) : 1;
    pmin = pi < pmin ? pi : pmin;
    p[i] = pmin;
    double half =
        sqrt(v * (v + tau2) / tau2 * (log((v + tau2) / v) - 2 * log(alpha)));
    double l = est[i] - half, h = est[i] + half;
    clo = l > clo ? l : clo;
    chi = h < chi ? h : chi;
    lo[i] = clo;
    hi[i] = chi;
    if (first == 0 && pmin <= alpha)
      first = i + 1;
  }
  CZ_CHECK(causal_result_set_vector(r, "lambda", lam, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "p_value", p, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "conf_low", lo, n, NULL));
  CZ_CHECK(causal_result_set_vector(r, "conf_high", hi, n, NULL));
  CZ_CHECK(causal_result_set_scalar(r, "first_rejection", (double)first));
  CZ_CHECK(causal_result_set_scalar(r, "tau2", tau2));
  CZ_CHECK(causal_result_set_scalar(r, "alpha", alpha));
  CZ_CHECK(
      causal_result_set_string(r, "decision", first ? "reject" : "continue"));
  return CAUSAL_OK;
}

int causal_msprt(causal_result **out, const double *estimate,
                 const double *variance, size_t n, double tau2, double alpha,
                 double theta0) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(estimate);
  CZ_REQUIRE_NONNULL(variance);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, MS ": no looks (n = 0)");
  if (!isfinite(tau2) || !(tau2 > 0))
    return cz_fail(CAUSAL_ERANGE, MS ": tau2 = %g must be finite and > 0",
                   tau2);
  if (!(alpha > 0 && alpha < 1))
    return cz_fail(CAUSAL_ERANGE, MS ": alpha = %g is outside (0, 1)", alpha);
  if (!isfinite(theta0))
    return cz_fail(CAUSAL_ENONFINITE, MS ": theta0 is not finite");
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(estimate[i]))
      return cz_fail(CAUSAL_ENONFINITE, MS ": estimate[%zu] is not finite", i);
    if (!isfinite(variance[i]) || !(variance[i] > 0))
      return cz_fail(CAUSAL_ERANGE,
                     MS ": variance[%zu] = %g must be finite and > 0", i,
                     variance[i]);
  }
  cz_alloc al = cz_alloc_current();
  double *mem = cz_calloc(&al, 4 * n, sizeof(double));
  if (mem == NULL)
    return CAUSAL_ENOMEM;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "msprt");
  if (rc == CAUSAL_OK)
    rc = msprt_body(r, estimate, variance, n, tau2, alpha, theta0, mem);
  cz_free(&al, mem);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
