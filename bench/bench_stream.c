/* Streaming OLS + HC1 (two passes) over a synthetic stream that is never
 * held in memory: chunks of 100,000 rows x 20 regressors are generated on
 * the fly (the same rows in both passes). Reports time per pass, rows per
 * second and the peak resident set size (getrusage), which must not grow
 * with the number of rows (O(k^2) state; O(chunk * k) scratch).
 *   ./build-h/bench/bench_stream [rows=10000000] [k=20]          */
#include "causal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define CHUNK 100000

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long peak_kb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

static uint64_t s;
static double unif(void) {
  s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return (double)(s >> 11) * 0x1p-53;
}

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, causal_last_error());
  exit(1);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atof(argv[1]) : 10000000;
  size_t k = argc > 2 ? (size_t)atoi(argv[2]) : 20;
  double **x = calloc(k, sizeof *x), *y = malloc(CHUNK * sizeof *y);
  char **names = calloc(k, sizeof *names);
  for (size_t j = 0; j < k; j++) {
    x[j] = malloc(CHUNK * sizeof(double));
    names[j] = malloc(32);
    snprintf(names[j], 32, "x%zu", j);
  }
  causal_regress *m = NULL;
  if (causal_regress_new(&m, CAUSAL_REGRESS_OLS) ||
      causal_regress_set_outcome(m, "y") ||
      causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_HC1))
    die("spec");
  for (size_t j = 0; j < k; j++)
    if (causal_regress_add_term(m, names[j]))
      die("term");
  causal_regress_acc *acc = NULL;
  long rss0 = 0;
  double tpass[4] = {0};
  int done = 0, pass = 0;
  while (!done) {
    double t0 = now();
    s = 42;
    for (size_t r0 = 0; r0 < n; r0 += CHUNK) {
      size_t c = n - r0 < CHUNK ? n - r0 : CHUNK;
      for (size_t i = 0; i < c; i++) {
        double e = unif() - 0.5, eta = 1;
        for (size_t j = 0; j < k; j++) {
          x[j][i] = unif();
          eta += x[j][i] * (double)(j % 3);
        }
        y[i] = eta + e * (1 + x[0][i]);
      }
      causal_dataset *ds = NULL;
      if (causal_dataset_new(&ds) ||
          causal_dataset_add_f64(ds, "y", y, NULL, c, CAUSAL_BORROW))
        die("dataset");
      for (size_t j = 0; j < k; j++)
        if (causal_dataset_add_f64(ds, names[j], x[j], NULL, c, CAUSAL_BORROW))
          die("dataset");
      if (acc == NULL) {
        if (causal_regress_acc_new(&acc, m, ds))
          die("acc_new");
        rss0 = peak_kb();
      }
      if (causal_regress_acc_update(acc, ds))
        die("update");
      causal_dataset_free(ds);
    }
    if (causal_regress_acc_next_pass(acc) ||
        causal_regress_acc_converged(acc, &done))
      die("next_pass");
    tpass[pass++] = now() - t0;
  }
  double t0 = now();
  causal_result *r = NULL;
  if (causal_regress_acc_fit(&r, acc))
    die("fit");
  double tfit = now() - t0;
  const double *coef;
  size_t nr, nc;
  causal_result_get_matrix(r, "coef", &coef, &nr, &nc);
  uint8_t *buf = NULL;
  size_t len = 0;
  causal_regress_acc_serialize(acc, &buf, &len);
  printf("rows %zu, k %zu (+ intercept), chunk %d, OLS + HC1 (2 passes)\n", n,
         k, CHUNK);
  printf("pass 1 (TSQR of [X y]): %.2f s, %.2f Mrows/s\n", tpass[0],
         (double)n / tpass[0] / 1e6);
  printf("pass 2 (HC1 meat):      %.2f s, %.2f Mrows/s\n", tpass[1],
         (double)n / tpass[1] / 1e6);
  printf("fit: %.4f s; x1 = %.6f (se %.6f); serialized state %zu bytes\n",
         tfit, coef[1], coef[1 + nr], len);
  printf("peak RSS: %.1f MB after the first chunk, %.1f MB at the end\n",
         (double)rss0 / 1024, (double)peak_kb() / 1024);
  causal_free(buf);
  causal_result_free(r);
  causal_regress_acc_free(acc);
  causal_regress_free(m);
  for (size_t j = 0; j < k; j++) {
    free(x[j]);
    free(names[j]);
  }
  free(x);
  free(names);
  free(y);
  return 0;
}
