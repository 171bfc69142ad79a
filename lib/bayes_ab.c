/* Bayesian A/B comparisons and ship decisions
 * (include/causal/bayes_ab.h, docs/methods/bayes_ab.md). */
#include "causal/bayes_ab.h"
#include "internal/core.h"
#include "internal/dist.h"
#include "internal/numint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QTOL 1e-13

/* ---- breakpoints for peaked integrands --------------------------------- */

typedef struct bp {
  double x[64];
  size_t n;
} bp;

static void bp_add(bp *b, double x, double lo, double hi) {
  if (x > lo && x < hi && b->n < 64)
    b->x[b->n++] = x;
}

/* mean +- {0.5, 1, 2, 4, 8, 16, 40} sd */
static void bp_spread(bp *b, double mean, double sd, double lo, double hi) {
  static const double k[] = {0, 0.5, 1, 2, 4, 8, 16, 40};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    bp_add(b, mean - k[i] * sd, lo, hi);
    if (k[i] > 0)
      bp_add(b, mean + k[i] * sd, lo, hi);
  }
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void bp_sort(bp *b) { qsort(b->x, b->n, sizeof b->x[0], cmp_d); }

/* ---- Beta–Beta ---------------------------------------------------------- */

typedef struct bb {
  double a1, b1, a2, b2; /* A ~ Beta(a1, b1), B ~ Beta(a2, b2) */
  double shift, scale;   /* F_B(scale * x + shift) */
} bb;

static double beta_sd(double a, double b) {
  return sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
}

/* f_A(x) * F_B(scale x + shift), with F_B clamped outside [0, 1] */
static double bb_integrand(double x, void *v) {
  const bb *c = v;
  double y = c->scale * x + c->shift;
  double fb = y <= 0 ? 0 : (y >= 1 ? 1 : cz_pbeta(y, c->a2, c->b2, 1, 0));
  if (fb == 0)
    return 0;
  return cz_dbeta(x, c->a1, c->b1, 0) * fb;
}

/* P(B <= scale A + shift) */
static double bb_cdf(const bb *c0, double scale, double shift) {
  bb c = *c0;
  c.scale = scale;
  c.shift = shift;
  bp b = {{0}, 0};
  double ma = c.a1 / (c.a1 + c.b1), sa = beta_sd(c.a1, c.b1);
  double mb = c.a2 / (c.a2 + c.b2), sb = beta_sd(c.a2, c.b2);
  bp_spread(&b, ma, sa, 0, 1);
  /* where B's distribution function moves: scale x + shift near mb */
  bp_spread(&b, (mb - shift) / scale, sb / scale, 0, 1);
  bp_add(&b, -shift / scale, 0, 1);
  bp_add(&b, (1 - shift) / scale, 0, 1);
  bp_sort(&b);
  double r, e;
  cz_quad(bb_integrand, &c, 0, 1, b.x, b.n, QTOL, 0, &r, &e);
  return r < 0 ? 0 : (r > 1 ? 1 : r);
}

static double prob_quad(double a1, double b1, double a2, double b2) {
  bb c = {a1, b1, a2, b2, 0, 1};
  return 1 - bb_cdf(&c, 1, 0); /* P(B > A) = 1 - P(B <= A) */
}

/* Evan Miller: P(B > A) = sum_{i=0}^{a2-1} B(a1 + i, b1 + b2) /
 * ((b2 + i) B(1 + i, b2) B(a1, b1)) for integer a2. */
static double prob_sum(double a1, double b1, double a2, double b2) {
  double s = 0, lb = cz_lbeta(a1, b1);
  long n = (long)a2;
  for (long i = 0; i < n; i++)
    s +=
        exp(cz_lbeta(a1 + i, b1 + b2) - log(b2 + i) - cz_lbeta(1 + i, b2) - lb);
  return s;
}

int causal_bayes_prob_beta(double a1, double b1, double a2, double b2,
                           int method, double *prob) {
  CZ_REQUIRE_NONNULL(prob);
  *prob = NAN;
  double v[4] = {a1, b1, a2, b2};
  for (int i = 0; i < 4; i++)
    if (!isfinite(v[i]) || !(v[i] > 0))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_bayes_prob_beta: shape %d = %g "
                     "must be finite and > 0",
                     i + 1, v[i]);
  if (method == 1) {
    if (a2 != floor(a2) || a2 > 1e6)
      return cz_fail(CAUSAL_EINVAL,
                     "causal_bayes_prob_beta: the sum formula "
                     "needs an integer a2 <= 1e6 (a2 = %g)",
                     a2);
    *prob = prob_sum(a1, b1, a2, b2);
  } else if (method == 0) {
    *prob = prob_quad(a1, b1, a2, b2);
  } else {
    return cz_fail(CAUSAL_EINVAL,
                   "causal_bayes_prob_beta: method %d (0 "
                   "quadrature, 1 sum)",
                   method);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* Quantile search on a monotone cdf(x) over [lo, hi]. */
typedef double (*cdf_fn)(double x, const void *ctx);
typedef struct qctx {
  cdf_fn f;
  const void *ctx;
  double p;
} qctx;
static double q_f(double x, void *v) {
  qctx *q = v;
  return q->f(x, q->ctx) - q->p;
}
static double quantile(cdf_fn f, const void *ctx, double p, double lo,
                       double hi) {
  qctx q = {f, ctx, p};
  double flo = q_f(lo, &q), fhi = q_f(hi, &q), r = NAN;
  for (int i = 0; i < 200 && fhi < 0; i++) {
    lo = hi;
    flo = fhi;
    hi = hi > 0 ? 2 * hi : 1;
    fhi = q_f(hi, &q);
  }
  if (cz_brent(q_f, &q, lo, hi, flo, fhi, 1e-12 * (fabs(lo) + fabs(hi)), 300,
               &r) < 0)
    return NAN;
  return r;
}

static double bb_diff_cdf(double d, const void *c) {
  return bb_cdf(c, 1, d); /* P(B - A <= d) = P(B <= A + d) */
}
static double bb_ratio_cdf(double r, const void *c) {
  if (r <= 0)
    return 0;
  return bb_cdf(c, r, 0);
}

/* ---- result helpers ----------------------------------------------------- */

typedef struct summary {
  double p, loss_a, loss_b, dmean, dlo, dhi, lmed, llo, lhi;
  double pa1, pa2, pb1, pb2, level;
  const char *model, *pmethod;
} summary;

static int emit(causal_result **out, const char *kind, const summary *s) {
  causal_result *r;
  CZ_CHECK(causal_result_new(&r, kind));
  struct {
    const char *n;
    double v;
  } e[] = {{"prob_b_beats_a", s->p},       {"expected_loss_a", s->loss_a},
           {"expected_loss_b", s->loss_b}, {"diff_mean", s->dmean},
           {"diff_conf_low", s->dlo},      {"diff_conf_high", s->dhi},
           {"lift_median", s->lmed},       {"lift_conf_low", s->llo},
           {"lift_conf_high", s->lhi},     {"post_a_1", s->pa1},
           {"post_a_2", s->pa2},           {"post_b_1", s->pb1},
           {"post_b_2", s->pb2},           {"cred_level", s->level}};
  int rc = CAUSAL_OK;
  for (size_t i = 0; i < sizeof e / sizeof e[0] && rc == CAUSAL_OK; i++)
    rc = causal_result_set_scalar(r, e[i].n, e[i].v);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(r, "model", s->model);
  if (rc == CAUSAL_OK && s->pmethod)
    rc = causal_result_set_string(r, "prob_method", s->pmethod);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  return CAUSAL_OK;
}

static int check_level(const char *who, double level) {
  if (!(level > 0 && level < 1))
    return cz_fail(CAUSAL_ERANGE, "%s: cred_level = %g is outside (0, 1)", who,
                   level);
  return CAUSAL_OK;
}

/* ---- Beta–Bernoulli ---------------------------------------------------- */

#define BB "causal_bayes_beta"

int causal_bayes_beta(causal_result **out, double s_a, double n_a, double s_b,
                      double n_b, double prior_a, double prior_b,
                      double cred_level) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const double in[4] = {s_a, n_a, s_b, n_b};
  const char *nm[4] = {"s_a", "n_a", "s_b", "n_b"};
  for (int i = 0; i < 4; i++) {
    if (!isfinite(in[i]))
      return cz_fail(CAUSAL_ENONFINITE, BB ": %s is not finite", nm[i]);
    if (in[i] < 0)
      return cz_fail(CAUSAL_ERANGE, BB ": %s = %g is negative", nm[i], in[i]);
  }
  if (s_a > n_a)
    return cz_fail(CAUSAL_ERANGE,
                   BB ": s_a = %g successes exceed n_a = %g "
                      "trials",
                   s_a, n_a);
  if (s_b > n_b)
    return cz_fail(CAUSAL_ERANGE,
                   BB ": s_b = %g successes exceed n_b = %g "
                      "trials",
                   s_b, n_b);
  if (!isfinite(prior_a) || !isfinite(prior_b) || !(prior_a > 0) ||
      !(prior_b > 0))
    return cz_fail(CAUSAL_ERANGE,
                   BB ": prior shapes (%g, %g) must be finite "
                      "and > 0",
                   prior_a, prior_b);
  CZ_CHECK(check_level(BB, cred_level));
  double a1 = prior_a + s_a, b1 = prior_b + n_a - s_a;
  double a2 = prior_a + s_b, b2 = prior_b + n_b - s_b;
  summary s;
  memset(&s, 0, sizeof s);
  int sum = a2 == floor(a2) && a2 <= 1e5;
  s.p = sum ? prob_sum(a1, b1, a2, b2) : prob_quad(a1, b1, a2, b2);
  s.pmethod = sum ? "sum" : "quadrature";
  /* losses (Stucchio): E[max(A - B, 0)] = m_A P(A' > B) - m_B P(A > B') */
  double ma = a1 / (a1 + b1), mb = a2 / (a2 + b2);
  double pa_ = 1 - prob_quad(a1 + 1, b1, a2, b2); /* P(A' > B) */
  double pb_ = 1 - prob_quad(a1, b1, a2 + 1, b2); /* P(A > B') */
  s.loss_b = ma * pa_ - mb * pb_;
  /* E[max(B - A, 0)] = m_B P(B' > A) - m_A P(B > A') */
  s.loss_a =
      mb * prob_quad(a1, b1, a2 + 1, b2) - ma * prob_quad(a1 + 1, b1, a2, b2);
  if (s.loss_a < 0)
    s.loss_a = 0;
  if (s.loss_b < 0)
    s.loss_b = 0;
  bb c = {a1, b1, a2, b2, 0, 1};
  double tail = (1 - cred_level) / 2;
  s.dmean = mb - ma;
  s.dlo = quantile(bb_diff_cdf, &c, tail, -1, 1);
  s.dhi = quantile(bb_diff_cdf, &c, 1 - tail, -1, 1);
  double r0 = mb / ma;
  s.lmed = quantile(bb_ratio_cdf, &c, 0.5, 0, 2 * r0) - 1;
  s.llo = quantile(bb_ratio_cdf, &c, tail, 0, 2 * r0) - 1;
  s.lhi = quantile(bb_ratio_cdf, &c, 1 - tail, 0, 2 * r0) - 1;
  s.pa1 = a1;
  s.pa2 = b1;
  s.pb1 = a2;
  s.pb2 = b2;
  s.level = cred_level;
  s.model = "beta-bernoulli";
  CZ_CHECK(emit(out, "bayes_ab", &s));
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- Normal ------------------------------------------------------------ */

#define NM "causal_bayes_normal"

typedef struct nn {
  double ma, va, mb, vb;
} nn;

static double nn_ratio_cdf(double r, const void *v) {
  const nn *c = v;
  return cz_pnorm(-(c->mb - r * c->ma) / sqrt(c->vb + r * r * c->va), 1, 0);
}

static int posterior_normal(const char *arm, double mean, double sd, double n,
                            double pm, double psd, double *m, double *v) {
  if (!isfinite(mean) || !isfinite(sd) || !isfinite(n))
    return cz_fail(CAUSAL_ENONFINITE, NM ": arm %s has a non-finite input",
                   arm);
  if (!(n > 0))
    return cz_fail(CAUSAL_ERANGE, NM ": arm %s has n = %g (must be > 0)", arm,
                   n);
  if (!(sd > 0))
    return cz_fail(CAUSAL_ERANGE,
                   NM ": arm %s has sd = %g (zero variance "
                      "or negative)",
                   arm, sd);
  double prec = n / (sd * sd), num = prec * mean;
  if (isfinite(psd)) {
    prec += 1 / (psd * psd);
    num += pm / (psd * psd);
  }
  *m = num / prec;
  *v = 1 / prec;
  return CAUSAL_OK;
}

int causal_bayes_normal(causal_result **out, double mean_a, double sd_a,
                        double n_a, double mean_b, double sd_b, double n_b,
                        double prior_mean, double prior_sd, double cred_level) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (isnan(prior_sd) || !(prior_sd > 0))
    return cz_fail(CAUSAL_ERANGE,
                   NM ": prior_sd = %g must be > 0 (Inf for a "
                      "flat prior)",
                   prior_sd);
  if (isfinite(prior_sd) && !isfinite(prior_mean))
    return cz_fail(CAUSAL_ENONFINITE, NM ": prior_mean is not finite");
  CZ_CHECK(check_level(NM, cred_level));
  nn c;
  CZ_CHECK(posterior_normal("A", mean_a, sd_a, n_a, prior_mean, prior_sd, &c.ma,
                            &c.va));
  CZ_CHECK(posterior_normal("B", mean_b, sd_b, n_b, prior_mean, prior_sd, &c.mb,
                            &c.vb));
  summary s;
  memset(&s, 0, sizeof s);
  double mu = c.mb - c.ma, sg = sqrt(c.va + c.vb), z = mu / sg;
  double tail = (1 - cred_level) / 2, zq = cz_qnorm(tail, 0, 0);
  s.p = cz_pnorm(z, 1, 0);
  s.loss_a = mu * cz_pnorm(z, 1, 0) + sg * cz_dnorm(z, 0);
  s.loss_b = -mu * cz_pnorm(-z, 1, 0) + sg * cz_dnorm(z, 0);
  s.dmean = mu;
  s.dlo = mu - zq * sg;
  s.dhi = mu + zq * sg;
  if (c.ma / sqrt(c.va) > 6) {
    double r0 = c.mb / c.ma, span = 10 * (fabs(r0) + 1);
    s.lmed = quantile(nn_ratio_cdf, &c, 0.5, r0 - span, r0 + span) - 1;
    s.llo = quantile(nn_ratio_cdf, &c, tail, r0 - span, r0 + span) - 1;
    s.lhi = quantile(nn_ratio_cdf, &c, 1 - tail, r0 - span, r0 + span) - 1;
  } else {
    s.lmed = s.llo = s.lhi = NAN; /* A's mean not bounded away from 0 */
  }
  s.pa1 = c.ma;
  s.pa2 = sqrt(c.va);
  s.pb1 = c.mb;
  s.pb2 = sqrt(c.vb);
  s.level = cred_level;
  s.model = "normal";
  CZ_CHECK(emit(out, "bayes_ab", &s));
  if (isnan(s.lmed)) {
    int rc = causal_result_add_warning(*out, "lift interval not computed: "
                                             "control mean is within 6 "
                                             "posterior sd of 0");
    if (rc != CAUSAL_OK) {
      causal_result_free(*out);
      *out = NULL;
      return rc;
    }
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- Normal–Inverse-Gamma (unknown variance) ---------------------------- */

#define NIG "causal_bayes_normal_nig"

/* Location-scale Student t: m + s T, T ~ t_nu. */
typedef struct tdist {
  double m, s, nu;
} tdist;

static double t_cdf(const tdist *d, double x) {
  return cz_pt((x - d->m) / d->s, d->nu, 1, 0);
}
static double t_quant(const tdist *d, double u) {
  return d->m + d->s * cz_qt(u, d->nu, 1, 0);
}
/* E[(X - x)^+] and E[(x - X)^+] in closed form (nu > 1): for standard T,
 * E[(T - c)^+] = (nu + c^2) / (nu - 1) f(c) - c (1 - F(c)). */
static double t_upper_pe(const tdist *d, double x) {
  double c = (x - d->m) / d->s;
  return d->s * ((d->nu + c * c) / (d->nu - 1) * cz_dt(c, d->nu, 0) -
                 c * cz_pt(c, d->nu, 0, 0));
}
static double t_lower_pe(const tdist *d, double x) {
  double c = (x - d->m) / d->s;
  return d->s * ((d->nu + c * c) / (d->nu - 1) * cz_dt(c, d->nu, 0) +
                 c * cz_pt(c, d->nu, 1, 0));
}

typedef struct tt {
  tdist a, b;
  double shift, scale; /* integrands evaluate B's functions at scale x + shift */
  int what;            /* 0: F_B, 1: lower partial E of B, 2: upper */
} tt;

static double tt_integrand(double u, void *v) {
  const tt *c = v;
  double x = c->scale * t_quant(&c->a, u) + c->shift;
  if (!isfinite(x)) /* u within rounding of 0 or 1: the limits */
    return c->what == 0 ? (x > 0) : 0;
  switch (c->what) {
  case 0:
    return t_cdf(&c->b, x);
  case 1:
    return t_lower_pe(&c->b, x);
  default:
    return t_upper_pe(&c->b, x);
  }
}

/* Breakpoints in u = F_A(x) where B's functions move (x = scale^-1 (m_B +
 * k s_B - shift)) and around A's own centre. */
static void tt_points(const tt *c, bp *b) {
  static const double k[] = {0, 0.5, 1, 2, 4, 8, 16, 40};
  b->n = 0;
  bp_add(b, 0.5, 0, 1);
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    for (int sg = -1; sg <= 1; sg += 2) {
      double x = (c->b.m + sg * k[i] * c->b.s - c->shift) / c->scale;
      bp_add(b, t_cdf(&c->a, x), 0, 1);
    }
  bp_sort(b);
}

static double tt_integral(tt *c, int what, double lo, double hi) {
  c->what = what;
  bp b = {{0}, 0}, in = {{0}, 0};
  tt_points(c, &b);
  for (size_t i = 0; i < b.n; i++)
    bp_add(&in, b.x[i], lo, hi);
  double r, e;
  cz_quad(tt_integrand, c, lo, hi, in.x, in.n, 1e-14, 1e-12, &r, &e);
  return r;
}

/* P(B <= scale A + shift) */
static double tt_cdf(const tt *c0, double scale, double shift) {
  tt c = *c0;
  c.scale = scale;
  c.shift = shift;
  double r = tt_integral(&c, 0, 0, 1);
  return r < 0 ? 0 : (r > 1 ? 1 : r);
}
static double tt_diff_cdf(double d, const void *v) { return tt_cdf(v, 1, d); }
static double tt_ratio_cdf(double r, const void *v) { return tt_cdf(v, r, 0); }

/* E[(Y - X)^+] for independent location-scale t's X (integrated over its
 * quantiles u) and Y. Below the median of X, E[(Y - x)^+] = (m_Y - x) +
 * E[(x - Y)^+], and the first part integrates exactly to
 * (m_Y - m_X) / 2 + s_X nu_X / (nu_X - 1) f_{nu_X}(0); what remains is
 * bounded on (0, 1) and vanishes at both ends. */
static double tt_loss(const tdist *x, const tdist *y) {
  tt c = {*x, *y, 0, 1, 0};
  double head = 0.5 * (y->m - x->m) +
                x->s * x->nu / (x->nu - 1) * cz_dt(0, x->nu, 0);
  return head + tt_integral(&c, 1, 0, 0.5) + tt_integral(&c, 2, 0.5, 1);
}

/* Quantile of a cdf on the real line: expand the bracket both ways. */
static double quantile2(cdf_fn f, const void *ctx, double p, double centre,
                        double spread) {
  double lo = centre - spread;
  for (int i = 0; i < 200 && f(lo, ctx) > p; i++) {
    spread *= 2;
    lo = centre - spread;
  }
  return quantile(f, ctx, p, lo, centre + spread);
}

static int posterior_nig(const char *arm, double mean, double sd, double n,
                         double m0, double k0, double a0, double b0,
                         tdist *d) {
  if (!isfinite(mean) || !isfinite(sd) || !isfinite(n))
    return cz_fail(CAUSAL_ENONFINITE, NIG ": arm %s has a non-finite input",
                   arm);
  if (!(n >= 1))
    return cz_fail(CAUSAL_ERANGE, NIG ": arm %s has n = %g (must be >= 1)",
                   arm, n);
  if (sd < 0 || (sd == 0 && n > 1))
    return cz_fail(CAUSAL_ERANGE,
                   NIG ": arm %s has sd = %g (zero variance or negative)", arm,
                   sd);
  double kn = k0 + n, mn = (k0 > 0 ? k0 * m0 : 0) / kn + n * mean / kn;
  double an = a0 + n / 2;
  double bn = b0 + 0.5 * (n - 1) * sd * sd;
  if (k0 > 0)
    bn += k0 * n * (mean - m0) * (mean - m0) / (2 * kn);
  if (!(2 * an > 1))
    return cz_fail(CAUSAL_ERANGE,
                   NIG ": arm %s: posterior df 2 a_n = %g must be > 1 "
                   "(more observations or a larger prior_shape)",
                   arm, 2 * an);
  if (!(bn > 0))
    return cz_fail(CAUSAL_ERANGE,
                   NIG ": arm %s: posterior scale b_n = %g must be > 0 "
                   "(sd = 0 needs prior_scale > 0)",
                   arm, bn);
  d->m = mn;
  d->s = sqrt(bn / (an * kn));
  d->nu = 2 * an;
  return CAUSAL_OK;
}

static int nig_extra(causal_result *r, const tt *c, int warn) {
  CZ_CHECK(causal_result_set_scalar(r, "post_a_df", c->a.nu));
  CZ_CHECK(causal_result_set_scalar(r, "post_b_df", c->b.nu));
  if (warn)
    CZ_CHECK(causal_result_add_warning(r, "lift interval not computed: "
                                          "P(control mean <= 0) is not "
                                          "negligible"));
  return CAUSAL_OK;
}

int causal_bayes_normal_nig(causal_result **out, double mean_a, double sd_a,
                            double n_a, double mean_b, double sd_b, double n_b,
                            double prior_mean, double prior_kappa,
                            double prior_shape, double prior_scale,
                            double cred_level) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (!isfinite(prior_kappa) || !(prior_kappa >= 0))
    return cz_fail(CAUSAL_ERANGE, NIG ": prior_kappa = %g must be finite and "
                                      ">= 0",
                   prior_kappa);
  if (prior_kappa > 0 && !isfinite(prior_mean))
    return cz_fail(CAUSAL_ENONFINITE, NIG ": prior_mean is not finite");
  if (!isfinite(prior_shape) || !(prior_shape >= -0.5))
    return cz_fail(CAUSAL_ERANGE,
                   NIG ": prior_shape = %g must be finite and >= -0.5",
                   prior_shape);
  if (!isfinite(prior_scale) || !(prior_scale >= 0))
    return cz_fail(CAUSAL_ERANGE,
                   NIG ": prior_scale = %g must be finite and >= 0",
                   prior_scale);
  CZ_CHECK(check_level(NIG, cred_level));
  tt c;
  memset(&c, 0, sizeof c);
  c.scale = 1;
  CZ_CHECK(posterior_nig("A", mean_a, sd_a, n_a, prior_mean, prior_kappa,
                         prior_shape, prior_scale, &c.a));
  CZ_CHECK(posterior_nig("B", mean_b, sd_b, n_b, prior_mean, prior_kappa,
                         prior_shape, prior_scale, &c.b));
  summary s;
  memset(&s, 0, sizeof s);
  double tail = (1 - cred_level) / 2;
  s.p = 1 - tt_cdf(&c, 1, 0);
  s.loss_a = tt_loss(&c.a, &c.b); /* E[(B - A)^+] */
  s.loss_b = tt_loss(&c.b, &c.a); /* E[(A - B)^+] */
  s.dmean = c.b.m - c.a.m;
  double spread = 10 * (c.a.s + c.b.s);
  s.dlo = quantile2(tt_diff_cdf, &c, tail, s.dmean, spread);
  s.dhi = quantile2(tt_diff_cdf, &c, 1 - tail, s.dmean, spread);
  int warn = !(t_cdf(&c.a, 0) < 1e-9);
  if (!warn) {
    double r0 = c.b.m / c.a.m, sp = 10 * (fabs(r0) + 1);
    s.lmed = quantile2(tt_ratio_cdf, &c, 0.5, r0, sp) - 1;
    s.llo = quantile2(tt_ratio_cdf, &c, tail, r0, sp) - 1;
    s.lhi = quantile2(tt_ratio_cdf, &c, 1 - tail, r0, sp) - 1;
  } else {
    s.lmed = s.llo = s.lhi = NAN;
  }
  s.pa1 = c.a.m;
  s.pa2 = c.a.s;
  s.pb1 = c.b.m;
  s.pb2 = c.b.s;
  s.level = cred_level;
  s.model = "normal_nig";
  CZ_CHECK(emit(out, "bayes_ab", &s));
  int rc = nig_extra(*out, &c, warn);
  if (rc != CAUSAL_OK) {
    causal_result_free(*out);
    *out = NULL;
    return rc;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- Gamma–Poisson ------------------------------------------------------ */

#define GP "causal_bayes_gamma"

typedef struct gg {
  double a1, r1, a2, r2, d;
} gg;

static double gg_integrand(double x, void *v) {
  const gg *c = v;
  double y = x + c->d;
  if (y <= 0)
    return 0;
  return cz_dgamma(x, c->a1, 1 / c->r1, 0) *
         cz_pgamma(y, c->a2, 1 / c->r2, 1, 0);
}

static double gg_diff_cdf(double d, const void *v) {
  gg c = *(const gg *)v;
  c.d = d;
  double ma = c.a1 / c.r1, sa = sqrt(c.a1) / c.r1;
  double mb = c.a2 / c.r2, sb = sqrt(c.a2) / c.r2;
  double hi = ma + 60 * sa + 10 / c.r1;
  bp b = {{0}, 0};
  bp_spread(&b, ma, sa, 0, hi);
  bp_spread(&b, mb - d, sb, 0, hi);
  bp_add(&b, -d, 0, hi);
  bp_sort(&b);
  double r, e;
  cz_quad(gg_integrand, &c, 0, hi, b.x, b.n, QTOL, 0, &r, &e);
  return r < 0 ? 0 : (r > 1 ? 1 : r);
}

int causal_bayes_gamma(causal_result **out, double y_a, double e_a, double y_b,
                       double e_b, double prior_shape, double prior_rate,
                       double cred_level) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const double in[4] = {y_a, e_a, y_b, e_b};
  const char *nm[4] = {"y_a", "e_a", "y_b", "e_b"};
  for (int i = 0; i < 4; i++) {
    if (!isfinite(in[i]))
      return cz_fail(CAUSAL_ENONFINITE, GP ": %s is not finite", nm[i]);
    if (in[i] < 0)
      return cz_fail(CAUSAL_ERANGE, GP ": %s = %g is negative", nm[i], in[i]);
  }
  if (!(prior_shape > 0) || !(prior_rate >= 0) || !isfinite(prior_shape) ||
      !isfinite(prior_rate))
    return cz_fail(CAUSAL_ERANGE,
                   GP ": prior shape %g must be > 0 and rate "
                      "%g >= 0",
                   prior_shape, prior_rate);
  if (!(prior_rate + e_a > 0) || !(prior_rate + e_b > 0))
    return cz_fail(CAUSAL_ERANGE, GP ": an arm has zero exposure and the "
                                     "prior rate is 0");
  CZ_CHECK(check_level(GP, cred_level));
  gg c = {prior_shape + y_a, prior_rate + e_a, prior_shape + y_b,
          prior_rate + e_b, 0};
  summary s;
  memset(&s, 0, sizeof s);
  double w = c.r1 / (c.r1 + c.r2), wc = c.r2 / (c.r1 + c.r2);
  s.p = cz_beta_inc(w, wc, c.a1, c.a2, 1, 0);
  double ma = c.a1 / c.r1, mb = c.a2 / c.r2;
  /* E[max(A - B, 0)] = m_A P(A' > B) - m_B P(A > B') */
  s.loss_b = ma * cz_beta_inc(w, wc, c.a1 + 1, c.a2, 0, 0) -
             mb * cz_beta_inc(w, wc, c.a1, c.a2 + 1, 0, 0);
  s.loss_a = mb * cz_beta_inc(w, wc, c.a1, c.a2 + 1, 1, 0) -
             ma * cz_beta_inc(w, wc, c.a1 + 1, c.a2, 1, 0);
  if (s.loss_a < 0)
    s.loss_a = 0;
  if (s.loss_b < 0)
    s.loss_b = 0;
  double tail = (1 - cred_level) / 2;
  /* B/A = (r_A / r_B) V / (1 - V), V ~ Beta(a_B, a_A) */
  double q[3] = {tail, 0.5, 1 - tail}, l[3];
  for (int i = 0; i < 3; i++) {
    double v = cz_qbeta(q[i], c.a2, c.a1, 1, 0);
    l[i] = (c.r1 / c.r2) * v / (1 - v) - 1;
  }
  s.llo = l[0];
  s.lmed = l[1];
  s.lhi = l[2];
  s.dmean = mb - ma;
  double span = 20 * (sqrt(c.a1) / c.r1 + sqrt(c.a2) / c.r2);
  s.dlo = quantile(gg_diff_cdf, &c, tail, s.dmean - span, s.dmean + span);
  s.dhi = quantile(gg_diff_cdf, &c, 1 - tail, s.dmean - span, s.dmean + span);
  s.pa1 = c.a1;
  s.pa2 = c.r1;
  s.pb1 = c.a2;
  s.pb2 = c.r2;
  s.level = cred_level;
  s.model = "gamma-poisson";
  CZ_CHECK(emit(out, "bayes_ab", &s));
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- decisions ---------------------------------------------------------- */

#define DEC "causal_decision_evaluate"

static int dec_body(causal_result *r, size_t m, const char *const *names,
                    const double *est, const double *se, const int *role,
                    const int *dir, const double *w, const double *margin,
                    double alpha, double *ni, double *glow, cz_buf *why) {
  double z = cz_qnorm(alpha, 0, 0);
  double oec = 0, ov = 0;
  int ngoal = 0, stop = 0, all_ok = 1;
  for (size_t i = 0; i < m; i++) {
    double e = dir[i] * est[i];
    ni[i] = glow[i] = NAN;
    if (role[i] == CAUSAL_METRIC_GOAL) {
      oec += w[i] * e;
      ov += w[i] * w[i] * se[i] * se[i];
      ngoal++;
      continue;
    }
    double lo = e - z * se[i], hi = e + z * se[i];
    glow[i] = lo;
    ni[i] = cz_pnorm((e + margin[i]) / se[i], 0, 0);
    const char *nmi = names[i];
    if (hi < -margin[i]) {
      stop = 1;
      all_ok = 0;
      cz_buf_printf(why,
                    "%sguardrail '%s' is significantly worse than its "
                    "non-inferiority margin %g (upper bound %.4g)",
                    why->len ? "; " : "", nmi, margin[i], hi);
    } else if (lo > -margin[i]) {
      cz_buf_printf(why,
                    "%sguardrail '%s' is non-inferior (lower bound "
                    "%.4g > -%g, p = %.3g)",
                    why->len ? "; " : "", nmi, lo, margin[i], ni[i]);
    } else {
      all_ok = 0;
      cz_buf_printf(why,
                    "%sguardrail '%s' is inconclusive (interval "
                    "[%.4g, %.4g] straddles -%g)",
                    why->len ? "; " : "", nmi, lo, hi, margin[i]);
    }
  }
  double ose = sqrt(ov);
  double olo = oec - z * ose, ohi = oec + z * ose;
  double op = ngoal && ose > 0 ? cz_pnorm(oec / ose, 0, 0) : NAN;
  const char *decision;
  if (ngoal == 0) {
    cz_buf_printf(why, "%sno goal metric: the OEC is undefined",
                  why->len ? "; " : "");
  } else if (olo > 0) {
    cz_buf_printf(why,
                  "%sOEC %.4g is significantly positive (lower bound "
                  "%.4g, p = %.3g)",
                  why->len ? "; " : "", oec, olo, op);
  } else if (ohi < 0) {
    stop = 1;
    cz_buf_printf(why,
                  "%sOEC %.4g is significantly negative (upper bound "
                  "%.4g)",
                  why->len ? "; " : "", oec, ohi);
  } else {
    cz_buf_printf(why,
                  "%sOEC %.4g is not significant (interval [%.4g, "
                  "%.4g])",
                  why->len ? "; " : "", oec, olo, ohi);
  }
  if (stop)
    decision = "stop";
  else if (ngoal > 0 && olo > 0 && all_ok)
    decision = "ship";
  else
    decision = "hold";
  if (why->failed)
    return CAUSAL_ENOMEM;
  CZ_CHECK(causal_result_set_string(r, "decision", decision));
  CZ_CHECK(causal_result_set_string(r, "reasons", why->data));
  CZ_CHECK(causal_result_set_scalar(r, "oec", oec));
  CZ_CHECK(causal_result_set_scalar(r, "oec_std_error", ose));
  CZ_CHECK(causal_result_set_scalar(r, "oec_conf_low", olo));
  CZ_CHECK(causal_result_set_scalar(r, "oec_conf_high", ohi));
  CZ_CHECK(causal_result_set_scalar(r, "oec_p_value", op));
  CZ_CHECK(causal_result_set_vector(r, "noninferiority_p_value", ni, m, names));
  CZ_CHECK(causal_result_set_vector(r, "guardrail_conf_low", glow, m, names));
  return CAUSAL_OK;
}

int causal_decision_evaluate(causal_result **out, size_t m,
                             const char *const *names, const double *estimate,
                             const double *std_error, const int *role,
                             const int *direction, const double *weight,
                             const double *margin, double alpha) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(names);
  CZ_REQUIRE_NONNULL(estimate);
  CZ_REQUIRE_NONNULL(std_error);
  CZ_REQUIRE_NONNULL(role);
  CZ_REQUIRE_NONNULL(direction);
  CZ_REQUIRE_NONNULL(weight);
  CZ_REQUIRE_NONNULL(margin);
  if (m == 0)
    return cz_fail(CAUSAL_EINVAL, DEC ": no metrics (m = 0)");
  if (!(alpha > 0 && alpha < 0.5))
    return cz_fail(CAUSAL_ERANGE, DEC ": alpha = %g is outside (0, 0.5)",
                   alpha);
  for (size_t i = 0; i < m; i++) {
    const char *nm = names[i];
    if (nm == NULL || nm[0] == 0)
      return cz_fail(CAUSAL_EINVAL, DEC ": names[%zu] is NULL or empty", i);
    if (!isfinite(estimate[i]) || !isfinite(std_error[i]))
      return cz_fail(CAUSAL_ENONFINITE,
                     DEC ": metric '%s' has a non-finite "
                         "estimate or std_error",
                     nm);
    if (!(std_error[i] > 0))
      return cz_fail(CAUSAL_ERANGE,
                     DEC ": metric '%s' has std_error %g (must "
                         "be > 0)",
                     nm, std_error[i]);
    if (role[i] != CAUSAL_METRIC_GOAL && role[i] != CAUSAL_METRIC_GUARDRAIL)
      return cz_fail(CAUSAL_EINVAL,
                     DEC ": metric '%s' has role %d (1 goal, "
                         "2 guardrail)",
                     nm, role[i]);
    if (direction[i] != 1 && direction[i] != -1)
      return cz_fail(CAUSAL_EINVAL,
                     DEC ": metric '%s' has direction %d (+1 "
                         "or -1)",
                     nm, direction[i]);
    if (role[i] == CAUSAL_METRIC_GOAL &&
        (!isfinite(weight[i]) || weight[i] < 0))
      return cz_fail(CAUSAL_ERANGE,
                     DEC ": goal '%s' has weight %g (must be "
                         ">= 0)",
                     nm, weight[i]);
    if (role[i] == CAUSAL_METRIC_GUARDRAIL &&
        (!isfinite(margin[i]) || margin[i] < 0))
      return cz_fail(CAUSAL_ERANGE,
                     DEC ": guardrail '%s' has margin %g "
                         "(must be >= 0)",
                     nm, margin[i]);
  }
  cz_alloc al = cz_alloc_current();
  double *mem = cz_calloc(&al, 2 * m, sizeof(double));
  if (mem == NULL)
    return CAUSAL_ENOMEM;
  cz_buf why;
  cz_buf_init(&why, &al);
  cz_buf_puts(&why, "");
  causal_result *r = NULL;
  int rc = why.failed ? CAUSAL_ENOMEM : causal_result_new(&r, "decision");
  if (rc == CAUSAL_OK)
    rc = dec_body(r, m, names, estimate, std_error, role, direction, weight,
                  margin, alpha, mem, mem + m, &why);
  cz_buf_free(&why);
  cz_free(&al, mem);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    if (rc == CAUSAL_ENOMEM)
      cz_fail(rc, DEC ": out of memory");
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
