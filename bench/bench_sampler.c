/* NUTS throughput: gradient evaluations per second and effective samples
 * per second on two models, the same ones bench/nuts_vs_rstan.sh runs in
 * rstan:
 *   gauss100  100-d Gaussian, AR(1) correlation 0.9, scales 0.1 .. 10
 *   twogroup  two normal groups (revenue per user), unequal variances,
 *             parameters (mu_a, mu_b, log sigma_a, log sigma_b), flat
 *             priors, full-data likelihood (n = 1000 per group)
 * 4 chains x (1000 warmup + 1000 draws), one thread, seed 1. Times are
 * process CPU seconds (the machine may be shared; rstan's side is timed
 * the same way).
 * usage: bench_sampler [DATA_DIR]  (writes DATA_DIR/twogroup.csv and the
 * gauss100 constants for the rstan side when given). Output: one line per
 * model, key=value. */
#include "causal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
  size_t d;
  double rho, mu[100], sd[100];
  long calls;
} gauss;

static int gauss_lp(void *ctx, const double *th, size_t dim, double *lp,
                    double *g) {
  gauss *m = ctx;
  m->calls++;
  double z[100], r = m->rho, c = 1 / (1 - r * r), q = 0;
  for (size_t i = 0; i < dim; i++)
    z[i] = (th[i] - m->mu[i]) / m->sd[i];
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

typedef struct {
  size_t n[2];
  double *y[2];
  long calls;
} twogroup;

static int tg_lp(void *ctx, const double *th, size_t dim, double *lp,
                 double *g) {
  (void)dim;
  twogroup *m = ctx;
  m->calls++;
  *lp = 0;
  for (int k = 0; k < 2; k++) {
    double mu = th[k], ls = th[2 + k], is2 = exp(-2 * ls);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < m->n[k]; i++) {
      double e = m->y[k][i] - mu;
      s1 += e;
      s2 += e * e;
    }
    double n = (double)m->n[k];
    *lp += -n * ls - 0.5 * s2 * is2;
    g[k] = s1 * is2;
    g[2 + k] = -n + s2 * is2;
  }
  return 0;
}

static void run(const char *name, causal_sampler *s, long *calls) {
  causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, 1);
  causal_result *r;
  *calls = 0;
  double t0 = now();
  int rc = causal_sampler_run(s, &r);
  double t = now() - t0;
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "%s: %s\n", name, causal_last_error());
    exit(1);
  }
  const double *sm;
  size_t p, nc;
  causal_result_get_matrix(r, "summary", &sm, &p, &nc);
  double ess_min = INFINITY;
  for (size_t j = 0; j < p; j++)
    if (sm[j + 9 * p] < ess_min)
      ess_min = sm[j + 9 * p];
  double ndiv;
  causal_result_get_scalar(r, "n_divergent_total", &ndiv);
  printf("model=%s impl=libcausal seconds=%.4f grad_evals=%ld "
         "grad_per_sec=%.0f ess_bulk_min=%.1f ess_per_sec=%.1f "
         "divergent=%.0f\n",
         name, t, *calls, (double)*calls / t, ess_min, ess_min / t, ndiv);
  causal_result_free(r);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : NULL;
  static gauss gm;
  gm.d = 100;
  gm.rho = 0.9;
  for (size_t i = 0; i < 100; i++) {
    gm.mu[i] = (double)i / 10.0;
    gm.sd[i] = exp(log(0.1) + (log(10.0) - log(0.1)) * (double)i / 99.0);
  }
  /* two-group data from the library's PCG (seed 2026) */
  static double ya[1000], yb[1000];
  causal_rng *rng;
  causal_rng_new(&rng, 2026, 0);
  causal_rng_normal(rng, 10, 3, ya, 1000);
  causal_rng_normal(rng, 11, 6, yb, 1000);
  causal_rng_free(rng);
  if (dir != NULL) {
    char path[4096];
    snprintf(path, sizeof path, "%s/twogroup.csv", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
      perror(path);
      return 1;
    }
    fprintf(f, "group,y\n");
    for (int i = 0; i < 1000; i++)
      fprintf(f, "a,%.17g\n", ya[i]);
    for (int i = 0; i < 1000; i++)
      fprintf(f, "b,%.17g\n", yb[i]);
    fclose(f);
  }
  twogroup tg = {{1000, 1000}, {ya, yb}, 0};

  causal_sampler *s;
  causal_sampler_new_nuts(&s, 100, gauss_lp, &gm);
  run("gauss100", s, &gm.calls);
  causal_sampler_free(s);
  causal_sampler_new_nuts(&s, 4, tg_lp, &tg);
  run("twogroup", s, &tg.calls);
  causal_sampler_free(s);
  return 0;
}
