/* Tests for include/causal/sampler.h: conjugate posteriors against their
 * analytic moments and distribution functions (z-tests at |z| <= 4.5 with
 * fixed seeds), the two-group Gibbs sampler against the exact Student-t /
 * inverse-gamma marginals of the flat-prior model, NUTS on a
 * 100-dimensional correlated Gaussian (means and variances within MCSE
 * bounds) and on the two-group model (against Gibbs), reproducibility by
 * seed and across thread counts, bad input and out-of-memory sweeps. */
#include "testutil.h"

#include "internal/dist.h"
#include "internal/rng.h"

#define ZMAX 4.5

static double sca(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static const double *mat(const causal_result *r, const char *name, size_t *nr,
                         size_t *nc) {
  const double *m;
  assert_ok(causal_result_get_matrix(r, name, &m, nr, nc));
  return m;
}

static const double *vec(const causal_result *r, const char *name,
                         size_t *n) {
  const double *v;
  assert_ok(causal_result_get_vector(r, name, &v, n));
  return v;
}

/* z-test of the sample mean and variance of n independent draws. */
static void check_iid_moments(const char *what, const double *x, size_t n,
                              double mean, double var) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m += x[i];
  m /= (double)n;
  double s2 = 0, m4 = 0;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - m;
    s2 += d * d;
    m4 += d * d * d * d;
  }
  s2 /= (double)(n - 1);
  m4 /= (double)n;
  double zm = (m - mean) / sqrt(var / (double)n);
  double zv = (s2 - var) / sqrt((m4 - s2 * s2) / (double)n);
  if (fabs(zm) > ZMAX || fabs(zv) > ZMAX)
    fail_msg("%s: mean %.6g (exact %.6g, z %.2f), var %.6g (exact %.6g, z "
             "%.2f)",
             what, m, mean, zm, s2, var, zv);
}

/* Fraction of draws <= x against an exact CDF value (binomial z-test). */
static void check_cdf(const char *what, const double *x, size_t n, double q,
                      double p) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += x[i] <= q;
  double z = ((double)k / (double)n - p) / sqrt(p * (1 - p) / (double)n);
  if (fabs(z) > ZMAX)
    fail_msg("%s: P(X <= %g) = %.5f, exact %.5f (z %.2f)", what, q,
             (double)k / (double)n, p, z);
}

static causal_result *run(causal_sampler *s) {
  causal_result *r;
  assert_ok(causal_sampler_run(s, &r));
  return r;
}

static void test_beta_binomial(void **state) {
  (void)state;
  causal_sampler *s;
  assert_ok(causal_sampler_new_beta_binomial(&s, 37, 120, 2, 3));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 5000));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 11));
  int kind;
  assert_ok(causal_sampler_kind(s, &kind));
  assert_int_equal(kind, CAUSAL_SAMPLER_BETA_BINOMIAL);
  causal_result *r = run(s);
  double a = 39, b = 86;
  assert_true(sca(r, "post_alpha") == a && sca(r, "post_beta") == b);
  size_t nr, nc, n;
  const double *d = mat(r, "draws", &nr, &nc);
  assert_int_equal(nr, 20000);
  assert_int_equal(nc, 1);
  assert_string_equal(causal_result_dimname(r, "draws", 1, 0), "p");
  double mean = a / (a + b), var = a * b / ((a + b) * (a + b) * (a + b + 1));
  assert_close(vec(r, "exact_mean", &n)[0], mean, 1e-15);
  assert_close(vec(r, "exact_var", &n)[0], var, 1e-14);
  check_iid_moments("beta", d, nr, mean, var);
  for (double q = 0.2; q < 0.45; q += 0.05)
    check_cdf("beta", d, nr, q, cz_pbeta(q, a, b, 1, 0));
  /* independent draws: R-hat near 1, ESS near the number of draws */
  const double *sm = mat(r, "summary", &nr, &nc);
  assert_int_equal(nc, 11);
  assert_true(fabs(sm[8] - 1) < 0.01);
  assert_true(sm[9] > 15000);
  causal_result_free(r);
  causal_sampler_free(s);
}

static void test_gamma_poisson(void **state) {
  (void)state;
  causal_sampler *s;
  assert_ok(causal_sampler_new_gamma_poisson(&s, 17, 4.5, 0.5, 0.1));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 5000));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 12));
  causal_result *r = run(s);
  double a = 17.5, b = 4.6;
  assert_true(sca(r, "post_shape") == a && sca(r, "post_rate") == b);
  size_t nr, nc;
  const double *d = mat(r, "draws", &nr, &nc);
  check_iid_moments("gamma", d, nr, a / b, a / (b * b));
  for (double q = 2.5; q < 5.5; q += 0.5)
    check_cdf("gamma", d, nr, q, cz_gamma_inc(a, q * b, 1, 0));
  causal_result_free(r);
  causal_sampler_free(s);
}

static void test_normal_nig(void **state) {
  (void)state;
  double y[12] = {4.1, 5.3, 3.9, 6.2, 5.0, 4.4, 5.8, 6.6, 3.7, 4.9, 5.5, 5.1};
  double m0 = 4, k0 = 2, a0 = 3, b0 = 2;
  causal_sampler *s;
  assert_ok(causal_sampler_new_normal(&s, y, 12, m0, k0, a0, b0));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 5000));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 13));
  causal_result *r = run(s);
  /* posterior parameters recomputed here from the textbook update */
  double n = 12, ybar = 0, ss = 0;
  for (int i = 0; i < 12; i++)
    ybar += y[i] / n;
  for (int i = 0; i < 12; i++)
    ss += (y[i] - ybar) * (y[i] - ybar);
  double kn = k0 + n, mn = (k0 * m0 + n * ybar) / kn, an = a0 + n / 2;
  double bn = b0 + ss / 2 + k0 * n * (ybar - m0) * (ybar - m0) / (2 * kn);
  assert_close(sca(r, "post_mean"), mn, 1e-14);
  assert_close(sca(r, "post_kappa"), kn, 1e-15);
  assert_close(sca(r, "post_a"), an, 1e-15);
  assert_close(sca(r, "post_b"), bn, 1e-13);
  size_t nr, nc;
  const double *d = mat(r, "draws", &nr, &nc);
  assert_int_equal(nc, 2);
  check_iid_moments("nig mu", d, nr, mn, bn / ((an - 1) * kn));
  check_iid_moments("nig sigma2", d + nr, nr, bn / (an - 1),
                    bn * bn / ((an - 1) * (an - 1) * (an - 2)));
  /* marginals: mu is Student t (2 an df), sigma2 inverse gamma */
  double sc = sqrt(bn / (an * kn));
  for (double q = -1.5; q <= 1.5; q += 0.5)
    check_cdf("nig mu", d, nr, mn + q * sc, cz_pt(q, 2 * an, 1, 0));
  for (double q = 0.4; q < 1.2; q += 0.2)
    check_cdf("nig sigma2", d + nr, nr, q, cz_gamma_inc(an, bn / q, 0, 0));
  causal_result_free(r);
  causal_sampler_free(s);
}

/* Revenue-like data: skewed, unequal variances. */
static void make_groups(double *ya, size_t na, double *yb, size_t nb) {
  causal_rng g;
  cz_rng_seed(&g, 777, 1);
  for (size_t i = 0; i < na; i++)
    ya[i] = 10 + 3 * cz_rng_normal1(&g);
  for (size_t i = 0; i < nb; i++)
    yb[i] = 11 + 6 * cz_rng_normal1(&g);
}

static void test_gibbs(void **state) {
  (void)state;
  double ya[40], yb[25];
  make_groups(ya, 40, yb, 25);
  causal_sampler *s;
  assert_ok(causal_sampler_new_gibbs_two_group(&s, ya, 40, yb, 25, 0,
                                               INFINITY, 0, 0));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 4000));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, 200));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 14));
  causal_result *r = run(s);
  size_t nr, nc, n;
  const double *d = mat(r, "draws", &nr, &nc);
  const double *sm = mat(r, "summary", &n, &nc);
  assert_int_equal(n, 5);
  assert_string_equal(causal_result_dimname(r, "summary", 0, 4), "diff");
  /* exact moments recomputed here: t_{n-1} and InvGamma((n-1)/2, SS/2) */
  const double *ys[2] = {ya, yb};
  double ns[2] = {40, 25}, em[5], ev[5];
  for (int g = 0; g < 2; g++) {
    double m = 0, ss = 0;
    for (int i = 0; i < (int)ns[g]; i++)
      m += ys[g][i] / ns[g];
    for (int i = 0; i < (int)ns[g]; i++)
      ss += (ys[g][i] - m) * (ys[g][i] - m);
    double nu = ns[g] - 1, sc2 = ss / (ns[g] * nu);
    em[g] = m;
    ev[g] = sc2 * nu / (nu - 2);
    double ia = nu / 2, ib = ss / 2;
    em[2 + g] = ib / (ia - 1);
    ev[2 + g] = ib * ib / ((ia - 1) * (ia - 1) * (ia - 2));
    /* CDF of mu_g at a few points (Student t); ESS-based tolerance */
    double sc = sqrt(sc2);
    for (double q = -1; q <= 1; q += 1) {
      size_t k = 0;
      for (size_t i = 0; i < nr; i++)
        k += d[i + g * nr] <= m + q * sc;
      double p = cz_pt(q, nu, 1, 0);
      double z = ((double)k / (double)nr - p) /
                 sqrt(p * (1 - p) / sm[g + 9 * 5] * 1.5);
      if (fabs(z) > ZMAX)
        fail_msg("gibbs mu_%d CDF at %g: z = %.2f", g, q, z);
    }
  }
  em[4] = em[1] - em[0];
  ev[4] = ev[0] + ev[1];
  const double *xm = vec(r, "exact_mean", &n);
  const double *xv = vec(r, "exact_var", &n);
  for (int j = 0; j < 5; j++) {
    assert_close(xm[j], em[j], 1e-12);
    assert_close(xv[j], ev[j], 1e-12);
    double z = (sm[j] - em[j]) / sm[j + 2 * 5];
    if (fabs(z) > ZMAX)
      fail_msg("gibbs param %d mean %.6g exact %.6g (z %.2f)", j, sm[j], em[j],
               z);
    /* variance: E[(x - mean)^2] with its own MCSE */
    double *sq = malloc(nr * sizeof(double));
    for (size_t i = 0; i < nr; i++)
      sq[i] = (d[i + j * nr] - em[j]) * (d[i + j * nr] - em[j]);
    double mc, mv = 0;
    assert_ok(causal_mcmc_mcse_mean(sq, 4000, 4, &mc));
    for (size_t i = 0; i < nr; i++)
      mv += sq[i] / (double)nr;
    free(sq);
    if (fabs(mv - ev[j]) / mc > ZMAX)
      fail_msg("gibbs param %d var %.6g exact %.6g (z %.2f)", j, mv, ev[j],
               (mv - ev[j]) / mc);
    assert_true(sm[j + 8 * 5] < 1.01); /* R-hat */
  }
  for (size_t i = 0; i < nr; i++)
    assert_true(d[i + 4 * nr] == d[i + nr] - d[i]);
  causal_result_free(r);
  causal_sampler_free(s);
}

/* ---- NUTS targets ---- */

/* Gaussian with AR(1) correlation rho and scales sd[i]: the precision is
 * D^-1 Q D^-1 with Q tridiagonal, so the gradient costs O(d). */
typedef struct {
  size_t d;
  double rho;
  double mu[100], sd[100];
  long calls;
} ar_gauss;

static int ar_logp(void *ctx, const double *th, size_t dim, double *lp,
                   double *g) {
  ar_gauss *m = ctx;
  m->calls++;
  double z[100];
  for (size_t i = 0; i < dim; i++)
    z[i] = (th[i] - m->mu[i]) / m->sd[i];
  double r = m->rho, c = 1 / (1 - r * r), q = 0;
  for (size_t i = 0; i < dim; i++) {
    double diag = (i == 0 || i == dim - 1) ? 1 : 1 + r * r;
    double qz = diag * z[i];
    if (i > 0)
      qz -= r * z[i - 1];
    if (i + 1 < dim)
      qz -= r * z[i + 1];
    qz *= c;
    q += z[i] * qz;
    g[i] = -qz / m->sd[i];
  }
  *lp = -0.5 * q;
  return 0;
}

static void ar_init(ar_gauss *m, size_t d) {
  m->d = d;
  m->rho = 0.9;
  m->calls = 0;
  for (size_t i = 0; i < d; i++) {
    m->mu[i] = (double)i / 10.0;
    m->sd[i] = exp(log(0.1) + (log(10.0) - log(0.1)) * (double)i /
                                  (double)(d > 1 ? d - 1 : 1));
  }
}

static void test_nuts_gaussian100(void **state) {
  (void)state;
  ar_gauss m;
  ar_init(&m, 100);
  causal_sampler *s;
  assert_ok(causal_sampler_new_nuts(&s, 100, ar_logp, &m));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 2026));
  causal_result *r = run(s);
  size_t nr, nc, n;
  const double *d = mat(r, "draws", &nr, &nc);
  const double *sm = mat(r, "summary", &n, &nc);
  assert_int_equal(nr, 4000);
  assert_int_equal(n, 100);
  double zmax = 0;
  for (size_t j = 0; j < 100; j++) {
    double z = (sm[j] - m.mu[j]) / sm[j + 2 * 100];
    if (fabs(z) > zmax)
      zmax = fabs(z);
    if (fabs(z) > ZMAX)
      fail_msg("theta[%zu]: mean %.5g, exact %.5g, mcse %.3g (z %.2f)", j + 1,
               sm[j], m.mu[j], sm[j + 200], z);
    double *sq = malloc(nr * sizeof(double));
    double mv = 0, mc;
    for (size_t i = 0; i < nr; i++) {
      sq[i] = (d[i + j * nr] - m.mu[j]) * (d[i + j * nr] - m.mu[j]);
      mv += sq[i] / (double)nr;
    }
    assert_ok(causal_mcmc_mcse_mean(sq, 1000, 4, &mc));
    free(sq);
    double var = m.sd[j] * m.sd[j];
    if (fabs(mv - var) / mc > ZMAX)
      fail_msg("theta[%zu]: var %.5g exact %.5g (z %.2f)", j + 1, mv, var,
               (mv - var) / mc);
    assert_true(sm[j + 8 * 100] < 1.02);
    assert_true(sm[j + 9 * 100] > 400); /* ESS bulk */
  }
  (void)zmax;
  assert_true(sca(r, "n_divergent_total") == 0);
  const double *acc = vec(r, "accept_stat", &n);
  assert_int_equal(n, 4);
  for (size_t c = 0; c < 4; c++)
    assert_true(acc[c] > 0.7 && acc[c] < 0.95);
  /* adapted metric approximates the marginal variances (1e-2 .. 1e2) */
  const double *im = mat(r, "inv_metric", &nr, &nc);
  assert_int_equal(nr, 100);
  assert_int_equal(nc, 4);
  assert_true(im[0] < 0.05 && im[99] > 20);
  const double *sp = mat(r, "sampler_params", &nr, &nc);
  assert_int_equal(nc, 5);
  assert_string_equal(causal_result_dimname(r, "sampler_params", 1, 2),
                      "treedepth");
  assert_true(sp[0 + 2 * nr] >= 1 && sp[0 + 3 * nr] >= 1);
  causal_result_free(r);
  causal_sampler_free(s);
}

/* Two-group normal model on (mu_a, mu_b, log sigma_a, log sigma_b) with
 * flat priors: the same posterior as Gibbs with v0 = Inf, a0 = b0 = 0. */
typedef struct {
  double n[2], mean[2], ss[2];
} two_group;

static int tg_logp(void *ctx, const double *th, size_t dim, double *lp,
                   double *g) {
  (void)dim;
  two_group *m = ctx;
  *lp = 0;
  for (int k = 0; k < 2; k++) {
    double mu = th[k], ls = th[2 + k], is2 = exp(-2 * ls);
    double dm = m->mean[k] - mu, q = m->ss[k] + m->n[k] * dm * dm;
    *lp += -m->n[k] * ls - 0.5 * q * is2;
    g[k] = m->n[k] * dm * is2;
    g[2 + k] = -m->n[k] + q * is2;
  }
  return 0;
}

static void test_nuts_two_group(void **state) {
  (void)state;
  double ya[40], yb[25];
  make_groups(ya, 40, yb, 25);
  two_group m;
  const double *ys[2] = {ya, yb};
  size_t ns[2] = {40, 25};
  for (int k = 0; k < 2; k++) {
    double mean = 0, ss = 0;
    for (size_t i = 0; i < ns[k]; i++)
      mean += ys[k][i] / (double)ns[k];
    for (size_t i = 0; i < ns[k]; i++)
      ss += (ys[k][i] - mean) * (ys[k][i] - mean);
    m.n[k] = (double)ns[k];
    m.mean[k] = mean;
    m.ss[k] = ss;
  }
  causal_sampler *s;
  assert_ok(causal_sampler_new_nuts(&s, 4, tg_logp, &m));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 99));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 2000));
  double init[4] = {10, 11, 1, 1.5};
  assert_ok(causal_sampler_set_init(s, init, 4));
  causal_result *r = run(s);
  causal_sampler *gs;
  assert_ok(causal_sampler_new_gibbs_two_group(&gs, ya, 40, yb, 25, 0,
                                               INFINITY, 0, 0));
  assert_ok(causal_sampler_set_int(gs, CAUSAL_SAMPLER_SEED, 98));
  assert_ok(causal_sampler_set_int(gs, CAUSAL_SAMPLER_SAMPLES, 4000));
  causal_result *rg = run(gs);
  size_t nr, nc, n;
  const double *d = mat(r, "draws", &nr, &nc);
  const double *gsum = mat(rg, "summary", &n, &nc);
  /* transform NUTS draws to (mu_a, mu_b, sigma2_a, sigma2_b, diff) */
  double *t = malloc(nr * 5 * sizeof(double));
  for (size_t i = 0; i < nr; i++) {
    t[i] = d[i];
    t[i + nr] = d[i + nr];
    t[i + 2 * nr] = exp(2 * d[i + 2 * nr]);
    t[i + 3 * nr] = exp(2 * d[i + 3 * nr]);
    t[i + 4 * nr] = d[i + nr] - d[i];
  }
  causal_result *rt;
  assert_ok(causal_mcmc_summary(&rt, t, 2000, 4, 5, NULL, 0.9));
  const double *tsum = mat(rt, "summary", &n, &nc);
  for (int j = 0; j < 5; j++) {
    double se = sqrt(tsum[j + 10] * tsum[j + 10] + gsum[j + 10] * gsum[j + 10]);
    double z = (tsum[j] - gsum[j]) / se;
    if (fabs(z) > ZMAX)
      fail_msg("two-group param %d: NUTS %.5g, Gibbs %.5g (z %.2f)", j,
               tsum[j], gsum[j], z);
    /* variance against the exact one (flat-prior t / inverse gamma) */
    size_t k;
    const double *xm = vec(rg, "exact_mean", &k), *xv = vec(rg, "exact_var", &k);
    double *sq = malloc(nr * sizeof(double)), mv = 0, mc;
    for (size_t i = 0; i < nr; i++) {
      sq[i] = (t[i + j * nr] - xm[j]) * (t[i + j * nr] - xm[j]);
      mv += sq[i] / (double)nr;
    }
    assert_ok(causal_mcmc_mcse_mean(sq, 2000, 4, &mc));
    free(sq);
    if (fabs(mv - xv[j]) / mc > ZMAX)
      fail_msg("two-group param %d: NUTS var %.5g, exact %.5g (z %.2f)", j, mv,
               xv[j], (mv - xv[j]) / mc);
  }
  free(t);
  causal_result_free(rt);
  causal_result_free(rg);
  causal_result_free(r);
  causal_sampler_free(gs);
  causal_sampler_free(s);
}

static void test_reproducible(void **state) {
  (void)state;
  ar_gauss m;
  ar_init(&m, 5);
  causal_sampler *s;
  assert_ok(causal_sampler_new_nuts(&s, 5, ar_logp, &m));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 200));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, 200));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_CHAINS, 3));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 5));
  causal_result *r1 = run(s), *r2 = run(s);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_THREADS, 2));
  causal_result *r3 = run(s);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_THREADS, 3));
  causal_result *r4 = run(s);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 6));
  causal_result *r5 = run(s);
  size_t nr, nc;
  const double *d1 = mat(r1, "draws", &nr, &nc);
  assert_memory_equal(d1, mat(r2, "draws", &nr, &nc), nr * nc * sizeof(double));
  assert_memory_equal(d1, mat(r3, "draws", &nr, &nc), nr * nc * sizeof(double));
  assert_memory_equal(d1, mat(r4, "draws", &nr, &nc), nr * nc * sizeof(double));
  assert_true(memcmp(d1, mat(r5, "draws", &nr, &nc), nr * nc * sizeof(double)));
  /* chains differ from each other (independent streams) */
  assert_true(d1[0] != d1[200] && d1[200] != d1[400]);
  causal_result_free(r1);
  causal_result_free(r2);
  causal_result_free(r3);
  causal_result_free(r4);
  causal_result_free(r5);
  /* Gibbs: threads do not change the draws either */
  double ya[40], yb[25];
  make_groups(ya, 40, yb, 25);
  causal_sampler *g;
  assert_ok(causal_sampler_new_gibbs_two_group(&g, ya, 40, yb, 25, 0, 100, 1,
                                               1));
  assert_ok(causal_sampler_set_int(g, CAUSAL_SAMPLER_SAMPLES, 50));
  r1 = run(g);
  assert_ok(causal_sampler_set_int(g, CAUSAL_SAMPLER_THREADS, 4));
  r2 = run(g);
  d1 = mat(r1, "draws", &nr, &nc);
  assert_memory_equal(d1, mat(r2, "draws", &nr, &nc), nr * nc * sizeof(double));
  /* informative prior: no exact moments reported */
  assert_status(causal_result_type(r1, "exact_mean", &(int){0}),
                CAUSAL_ENOTFOUND);
  causal_result_free(r1);
  causal_result_free(r2);
  causal_sampler_free(g);
  causal_sampler_free(s);
}

/* Half-normal through rejection: the callback rejects x < 0 (return 1),
 * which NUTS treats as a divergence, as Stan does with a domain error. */
static int halfnormal(void *ctx, const double *th, size_t dim, double *lp,
                      double *g) {
  (void)ctx;
  (void)dim;
  if (th[0] < 0)
    return 1;
  *lp = -0.5 * th[0] * th[0];
  g[0] = -th[0];
  return 0;
}
static int nan_above(void *ctx, const double *th, size_t dim, double *lp,
                     double *g) {
  (void)ctx;
  (void)dim;
  *lp = th[0] > 2 ? NAN : -0.5 * th[0] * th[0];
  g[0] = -th[0];
  return 0;
}
static int always_nan(void *ctx, const double *th, size_t dim, double *lp,
                      double *g) {
  (void)ctx;
  (void)th;
  (void)dim;
  *lp = NAN;
  g[0] = 0;
  return 0;
}
static int fails_later(void *ctx, const double *th, size_t dim, double *lp,
                       double *g) {
  (void)dim;
  long *calls = ctx;
  if (++*calls > 50)
    return -7;
  *lp = -0.5 * th[0] * th[0];
  g[0] = -th[0];
  return 0;
}

static void test_nuts_support(void **state) {
  (void)state;
  causal_sampler *s;
  assert_ok(causal_sampler_new_nuts(&s, 1, halfnormal, NULL));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 3));
  double init = 0.5;
  assert_ok(causal_sampler_set_init(s, &init, 1));
  causal_result *r = run(s);
  size_t n, nc;
  const double *sm = mat(r, "summary", &n, &nc);
  double mean = sqrt(2 / 3.14159265358979323846);
  assert_true(fabs(sm[0] - mean) / sm[2] < ZMAX);
  assert_true(sca(r, "n_divergent_total") > 0);
  assert_true(causal_result_nwarnings(r) >= 1);
  causal_result_free(r);
  causal_sampler_free(s);
  /* NaN log density above 2: divergences, the run completes */
  assert_ok(causal_sampler_new_nuts(&s, 1, nan_above, NULL));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 300));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, 300));
  assert_ok(causal_sampler_set_init(s, &init, 1));
  r = run(s);
  const double *d = mat(r, "draws", &n, &nc);
  for (size_t i = 0; i < n; i++)
    assert_true(d[i] <= 2);
  causal_result_free(r);
  causal_sampler_free(s);
}

/* Short warmup (no metric adaptation below 20), no adaptation, thinning,
 * a single draw per chain (no summary). */
static void test_nuts_options(void **state) {
  (void)state;
  ar_gauss m;
  ar_init(&m, 3);
  causal_sampler *s;
  assert_ok(causal_sampler_new_nuts(&s, 3, ar_logp, &m));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, 10));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 40));
  causal_result *r = run(s);
  size_t nr, nc;
  const double *im = mat(r, "inv_metric", &nr, &nc);
  for (size_t i = 0; i < nr * nc; i++)
    assert_true(im[i] == 1.0);
  causal_result_free(r);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_ADAPT, 0));
  assert_ok(causal_sampler_set_double(s, CAUSAL_SAMPLER_STEP_SIZE, 0.05));
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_THIN, 3));
  r = run(s);
  const double *sp = mat(r, "sampler_params", &nr, &nc);
  assert_int_equal(nr, 160);
  for (size_t i = 0; i < nr; i++)
    assert_true(sp[i + nr] == 0.05);
  causal_result_free(r);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 1));
  r = run(s);
  int type;
  assert_status(causal_result_type(r, "summary", &type), CAUSAL_ENOTFOUND);
  mat(r, "draws", &nr, &nc);
  assert_int_equal(nr, 4);
  causal_result_free(r);
  causal_sampler_free(s);
}

static void test_errors(void **state) {
  (void)state;
  causal_sampler *s = (causal_sampler *)1;
  assert_status(causal_sampler_new_nuts(&s, 0, ar_logp, NULL), CAUSAL_EINVAL);
  assert_null(s);
  assert_error_mentions("dim");
  assert_status(causal_sampler_new_nuts(&s, 2, NULL, NULL), CAUSAL_EINVAL);
  assert_error_mentions("fn");
  assert_status(causal_sampler_new_nuts(NULL, 2, ar_logp, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_sampler_new_beta_binomial(&s, 5, 4, 1, 1),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_new_beta_binomial(&s, 1, 4, 0, 1),
                CAUSAL_ERANGE);
  assert_error_mentions("a0");
  assert_status(causal_sampler_new_beta_binomial(&s, 1, 4, 1, -2),
                CAUSAL_ERANGE);
  assert_error_mentions("b0");
  assert_status(causal_sampler_new_beta_binomial(&s, NAN, 4, 1, 1),
                CAUSAL_ENONFINITE);
  assert_status(causal_sampler_new_gamma_poisson(&s, 3, 0, 1, 1),
                CAUSAL_ERANGE);
  assert_error_mentions("exposure");
  assert_status(causal_sampler_new_gamma_poisson(&s, -1, 2, 1, 1),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_new_gamma_poisson(&s, 3, 2, 1, NAN),
                CAUSAL_ENONFINITE);
  assert_error_mentions("rate0");
  double y[3] = {1, NAN, 2};
  assert_status(causal_sampler_new_normal(&s, y, 3, 0, 1, 1, 1),
                CAUSAL_ENONFINITE);
  assert_error_mentions("y[1]");
  y[1] = 3;
  assert_status(causal_sampler_new_normal(&s, y, 0, 0, 1, 1, 1),
                CAUSAL_EINVAL);
  assert_status(causal_sampler_new_normal(&s, y, 3, 0, 0, 1, 1),
                CAUSAL_ERANGE);
  assert_error_mentions("k0");
  assert_status(causal_sampler_new_normal(&s, y, 3, 0, 1, 1, -1),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_new_normal(&s, NULL, 3, 0, 1, 1, 1),
                CAUSAL_EINVAL);
  assert_status(causal_sampler_new_normal(&s, y, 3, INFINITY, 1, 1, 1),
                CAUSAL_ENONFINITE);
  assert_status(causal_sampler_new_gibbs_two_group(&s, y, 1, y, 3, 0, 1, 1, 1),
                CAUSAL_EINVAL);
  assert_error_mentions("n_a = 1");
  assert_status(causal_sampler_new_gibbs_two_group(&s, y, 3, y, 3, 0, 0, 1, 1),
                CAUSAL_ERANGE);
  assert_error_mentions("v0");
  assert_status(
      causal_sampler_new_gibbs_two_group(&s, y, 3, y, 3, 0, 1, -1, 1),
      CAUSAL_ERANGE);
  double c[3] = {2, 2, 2};
  assert_status(causal_sampler_new_gibbs_two_group(&s, y, 3, c, 3, 0, 1, 1, 0),
                CAUSAL_EINVAL);
  assert_error_mentions("y_b");
  y[2] = INFINITY;
  assert_status(causal_sampler_new_gibbs_two_group(&s, y, 3, c, 3, 0, 1, 1, 1),
                CAUSAL_ENONFINITE);
  assert_error_mentions("y_a[2]");
  assert_null(s);

  /* options */
  assert_ok(causal_sampler_new_nuts(&s, 2, ar_logp, NULL));
  assert_status(causal_sampler_set_int(s, CAUSAL_SAMPLER_CHAINS, 0),
                CAUSAL_ERANGE);
  assert_error_mentions("chains");
  assert_status(causal_sampler_set_int(s, CAUSAL_SAMPLER_MAX_TREEDEPTH, 31),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_set_int(s, 999, 1), CAUSAL_EINVAL);
  assert_status(causal_sampler_set_int(s, CAUSAL_SAMPLER_TARGET_ACCEPT, 1),
                CAUSAL_EINVAL);
  assert_status(causal_sampler_set_double(s, CAUSAL_SAMPLER_TARGET_ACCEPT, 1),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_set_double(s, CAUSAL_SAMPLER_STEP_SIZE, 0),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_set_double(s, CAUSAL_SAMPLER_HDI_PROB, NAN),
                CAUSAL_ERANGE);
  assert_status(causal_sampler_set_double(s, CAUSAL_SAMPLER_SEED, 1),
                CAUSAL_EINVAL);
  assert_ok(causal_sampler_set_double(s, CAUSAL_SAMPLER_TARGET_ACCEPT, 0.9));
  double v, lo, hi;
  int64_t iv;
  assert_ok(causal_sampler_get_double(s, CAUSAL_SAMPLER_TARGET_ACCEPT, &v));
  assert_true(v == 0.9);
  assert_ok(causal_sampler_get_int(s, CAUSAL_SAMPLER_WARMUP, &iv));
  assert_int_equal(iv, 1000);
  assert_ok(causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, -5));
  assert_ok(causal_sampler_get_int(s, CAUSAL_SAMPLER_SEED, &iv));
  assert_int_equal(iv, -5);
  assert_status(causal_sampler_get_int(s, 101, &iv), CAUSAL_EINVAL);
  assert_status(causal_sampler_get_double(s, 1, &v), CAUSAL_EINVAL);
  assert_ok(causal_sampler_bounds(CAUSAL_SAMPLER_MAX_TREEDEPTH, &lo, &hi));
  assert_true(lo == 1 && hi == 30);
  assert_status(causal_sampler_bounds(0, &lo, &hi), CAUSAL_EINVAL);
  /* initial values */
  double init[4] = {0, NAN, 1, 2};
  assert_status(causal_sampler_set_init(s, init, 2), CAUSAL_ENONFINITE);
  assert_error_mentions("init[1]");
  assert_status(causal_sampler_set_init(s, init, 3), CAUSAL_EDIM);
  init[1] = 1;
  assert_ok(causal_sampler_set_init(s, init, 4));
  assert_ok(causal_sampler_set_init(s, NULL, 0));
  causal_sampler_free(s);
  causal_sampler *b;
  assert_ok(causal_sampler_new_beta_binomial(&b, 1, 2, 1, 1));
  assert_status(causal_sampler_set_init(b, init, 1), CAUSAL_EINVAL);
  causal_result *r = (causal_result *)1;
  assert_status(causal_sampler_run(NULL, &r), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_sampler_run(b, NULL), CAUSAL_EINVAL);
  causal_sampler_free(b);
  causal_sampler_free(NULL);

  /* NaN log density everywhere: clear error at initialization */
  assert_ok(causal_sampler_new_nuts(&s, 1, always_nan, NULL));
  assert_status(causal_sampler_run(s, &r), CAUSAL_ENONFINITE);
  assert_error_mentions("100 random initial values");
  double one = 1;
  assert_ok(causal_sampler_set_init(s, &one, 1));
  assert_status(causal_sampler_run(s, &r), CAUSAL_ENONFINITE);
  assert_error_mentions("initial values");
  causal_sampler_free(s);
  /* fatal callback error mid-run */
  long calls = 0;
  assert_ok(causal_sampler_new_nuts(&s, 1, fails_later, &calls));
  assert_status(causal_sampler_run(s, &r), CAUSAL_EINVAL);
  assert_error_mentions("callback returned -7");
  assert_error_mentions("chain 1");
  assert_null(r);
  causal_sampler_free(s);
}

/* ---- OOM sweeps ---- */
static int oom_conj(void *arg) {
  (void)arg;
  double y[4] = {1, 2, 4, 3};
  causal_sampler *s[4] = {NULL, NULL, NULL, NULL};
  causal_result *r = NULL;
  int rc = causal_sampler_new_beta_binomial(&s[0], 1, 3, 1, 1);
  if (rc == 0)
    rc = causal_sampler_new_gamma_poisson(&s[1], 1, 3, 1, 1);
  if (rc == 0)
    rc = causal_sampler_new_normal(&s[2], y, 4, 0, 1, 1, 1);
  if (rc == 0)
    rc = causal_sampler_new_gibbs_two_group(&s[3], y, 4, y, 4, 0, INFINITY, 0,
                                            0);
  for (int k = 0; k < 4 && rc == 0; k++) {
    rc = causal_sampler_set_int(s[k], CAUSAL_SAMPLER_SAMPLES, 10);
    if (rc == 0)
      rc = causal_sampler_set_int(s[k], CAUSAL_SAMPLER_WARMUP, 5);
    if (rc == 0)
      rc = causal_sampler_run(s[k], &r);
    causal_result_free(r);
    r = NULL;
  }
  for (int k = 0; k < 4; k++)
    causal_sampler_free(s[k]);
  return rc;
}

static int oom_nuts(void *arg) {
  ar_gauss *m = arg;
  causal_sampler *s = NULL;
  causal_result *r = NULL;
  int rc = causal_sampler_new_nuts(&s, 3, ar_logp, m);
  double init[3] = {0, 0, 0};
  if (rc == 0)
    rc = causal_sampler_set_init(s, init, 3);
  if (rc == 0)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, 10);
  if (rc == 0)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, 30);
  if (rc == 0)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_CHAINS, 2);
  if (rc == 0)
    rc = causal_sampler_run(s, &r);
  causal_result_free(r);
  causal_sampler_free(s);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_conj, NULL);
  ar_gauss m;
  ar_init(&m, 3);
  cz_oom_sweep(oom_nuts, &m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_beta_binomial),
      cmocka_unit_test(test_gamma_poisson),
      cmocka_unit_test(test_normal_nig),
      cmocka_unit_test(test_gibbs),
      cmocka_unit_test(test_nuts_gaussian100),
      cmocka_unit_test(test_nuts_two_group),
      cmocka_unit_test(test_reproducible),
      cmocka_unit_test(test_nuts_support),
      cmocka_unit_test(test_nuts_options),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
