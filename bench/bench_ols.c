/* OLS + HC1 timing. Modes:
 *   bench_ols gen FILE N K   write y and K regressors (raw little-endian
 *                            float64, column-major: y, x1..xK) for peers
 *   bench_ols fit FILE N K   time causal_regress_fit (OLS, HC1) on that file
 *   bench_ols big N K        generate in memory; time the fit and one dsyrk
 *                            of the N x (K+1) matrix (the machine yardstick)
 * Each timing is the best of BENCH_REPS (default 3) runs, so that a busy
 * shared machine disturbs the ratios less; the peers get the same rule.
 * Prints "seconds <t>" lines; peak RSS is measured by the driver script
 * (/usr/bin/time). Data: x ~ U(0,1) from a 64-bit LCG (bench only),
 * y = 1 + sum_j x_j / j + heteroskedastic noise. */
#include "causal.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t lcg = 88172645463325252ULL;
static double unif(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

static double *generate(size_t n, size_t k) {
  double *d = malloc(n * (k + 1) * sizeof *d);
  if (d == NULL)
    exit(2);
  double *y = d;
  for (size_t i = 0; i < n; i++)
    y[i] = 1.0;
  for (size_t j = 1; j <= k; j++)
    for (size_t i = 0; i < n; i++) {
      double x = unif();
      d[i + j * n] = x;
      y[i] += x / (double)j;
    }
  for (size_t i = 0; i < n; i++)
    y[i] += (0.5 + d[i + n]) * (unif() - 0.5);
  return d;
}

static int reps(void) {
  const char *e = getenv("BENCH_REPS");
  int r = e ? atoi(e) : 3;
  return r > 0 ? r : 1;
}

static double fit(const double *d, size_t n, size_t k) {
  causal_dataset *ds = NULL;
  causal_regress *m = NULL;
  causal_result *r = NULL;
  char nm[32];
  if (causal_dataset_new(&ds) ||
      causal_dataset_add_f64(ds, "y", d, NULL, n, CAUSAL_BORROW) ||
      causal_regress_new(&m, CAUSAL_REGRESS_OLS) ||
      causal_regress_set_outcome(m, "y") ||
      causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_HC1))
    exit(3);
  for (size_t j = 1; j <= k; j++) {
    snprintf(nm, sizeof nm, "x%zu", j);
    if (causal_dataset_add_f64(ds, nm, d + j * n, NULL, n, CAUSAL_BORROW) ||
        causal_regress_add_term(m, nm))
      exit(3);
  }
  double t = INFINITY;
  for (int rep = 0; rep < reps(); rep++) {
    causal_result_free(r);
    r = NULL;
    double t0 = now();
    if (causal_regress_fit(&r, m, ds) != 0) {
      fprintf(stderr, "fit failed: %s\n", causal_last_error());
      exit(4);
    }
    double t1 = now() - t0;
    t = t1 < t ? t1 : t;
  }
  const char *solver = "?";
  causal_result_get_string(r, "solver", &solver);
  fprintf(stderr, "solver %s\n", solver);
  const double *tab;
  size_t nt, nc;
  causal_result_get_matrix(r, "coef", &tab, &nt, &nc);
  fprintf(stderr, "coef[x1] = %.6f se = %.6g\n", tab[1], tab[1 + nt]);
  causal_result_free(r);
  causal_regress_free(m);
  causal_dataset_free(ds);
  return t;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bench_ols gen|fit|big FILE|- N K\n");
    return 1;
  }
  size_t n = strtoull(argv[3], NULL, 10), k = strtoull(argv[4], NULL, 10);
  if (strcmp(argv[1], "gen") == 0) {
    double *d = generate(n, k);
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(d, sizeof *d, n * (k + 1), f) != n * (k + 1))
      return 5;
    fclose(f);
    free(d);
    return 0;
  }
  if (strcmp(argv[1], "fit") == 0) {
    double *d = malloc(n * (k + 1) * sizeof *d);
    FILE *f = fopen(argv[2], "rb");
    if (!d || !f || fread(d, sizeof *d, n * (k + 1), f) != n * (k + 1))
      return 5;
    fclose(f);
    printf("seconds %.3f\n", fit(d, n, k));
    free(d);
    return 0;
  }
  double *d = generate(n, k);
  double t = fit(d, n, k);
  /* yardstick: one dsyrk of the n x (k+1) data matrix (X'X with y) */
  size_t p = k + 1;
  double *C = calloc(p * p, sizeof *C);
  double ts = INFINITY;
  for (int rep = 0; rep < reps(); rep++) {
    double t0 = now();
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, d,
                (int)n, 0.0, C, (int)p);
    double t1 = now() - t0;
    ts = t1 < ts ? t1 : ts;
  }
  printf("seconds %.3f\ndsyrk %.3f\nratio %.2f\n", t, ts, t / ts);
  free(C);
  free(d);
  return 0;
}
