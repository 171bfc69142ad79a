/* Greedy 1:1 caliper matching timing. Modes:
 *   bench_match big N1 N0      1:1 matching without replacement, caliper
 *                              0.2 SD, on one score: N1 treated, N0
 *                              controls generated in memory
 *   bench_match gen FILE N1 N0 write a CSV (treat, x1, x2, y) for peers
 *   bench_match fit FILE       time causal_match_fit on that CSV with the
 *                              logistic propensity model treat ~ x1 + x2
 *                              (MatchIt defaults: distance "glm", 1:1,
 *                              order largest, caliper 0.2)
 * Prints "seconds <t>" (best of BENCH_REPS, default 1) and the matched
 * counts. Data from a 64-bit LCG (bench only). */
#include "causal.h"

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

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t lcg = 88172645463325252ULL;
static double unif(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(lcg >> 11) + 0.5) * 0x1.0p-53;
}
static double norm(void) { /* Box–Muller, one value */
  double u = unif(), v = unif();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static int reps(void) {
  const char *e = getenv("BENCH_REPS");
  int r = e ? atoi(e) : 1;
  return r > 0 ? r : 1;
}

static void report(causal_result *r) {
  double mt, mc, ut;
  causal_result_get_scalar(r, "n_matched_treated", &mt);
  causal_result_get_scalar(r, "n_matched_control", &mc);
  causal_result_get_scalar(r, "n_unmatched_treated", &ut);
  printf("matched_treated %.0f matched_control %.0f unmatched_treated %.0f\n",
         mt, mc, ut);
}

static int big(size_t n1, size_t n0) {
  size_t n = n1 + n0;
  double *t = malloc(n * sizeof *t), *s = malloc(n * sizeof *s);
  if (!t || !s)
    return 2;
  for (size_t i = 0; i < n; i++) {
    t[i] = i % (n / n1) == 0 && i / (n / n1) < n1; /* spread the treated */
    s[i] = 1 / (1 + exp(-(norm() + (t[i] ? 0.5 : -1.5))));
  }
  causal_dataset *ds = NULL;
  causal_dataset_new(&ds);
  causal_dataset_add_f64(ds, "t", t, NULL, n, CAUSAL_BORROW);
  causal_dataset_add_f64(ds, "s", s, NULL, n, CAUSAL_BORROW);
  causal_match *m = NULL;
  causal_match_new(&m);
  causal_match_set_treatment(m, "t");
  causal_match_set_score(m, "s");
  causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 0.2);
  double best = INFINITY, bestc = INFINITY;
  causal_result *r = NULL;
  for (int k = 0; k < reps(); k++) {
    causal_result_free(r);
    r = NULL;
    double t0 = now(), c0 = cpu();
    int rc = causal_match_fit(&r, m, ds);
    double el = now() - t0, ec = cpu() - c0;
    if (rc != CAUSAL_OK) {
      fprintf(stderr, "error: %s\n", causal_last_error());
      return 1;
    }
    best = el < best ? el : best;
    bestc = ec < bestc ? ec : bestc;
  }
  /* wall clock, and CPU time (the machine is shared: wall includes waits) */
  printf("seconds %.3f cpu_seconds %.3f\n", best, bestc);
  report(r);
  causal_result_free(r);
  causal_match_free(m);
  causal_dataset_free(ds);
  free(t);
  free(s);
  return 0;
}

static int gen(const char *path, size_t n1, size_t n0) {
  FILE *fp = fopen(path, "w");
  if (!fp)
    return 2;
  fprintf(fp, "treat,x1,x2,y\n");
  size_t n = n1 + n0;
  for (size_t i = 0; i < n; i++) {
    int t = i < n1;
    double x1 = norm() + (t ? 0.5 : 0), x2 = norm() + (t ? 0.3 : 0);
    double y = 1 + x1 + 0.5 * x2 + 2 * t + norm();
    fprintf(fp, "%d,%.10g,%.10g,%.10g\n", t, x1, x2, y);
  }
  fclose(fp);
  return 0;
}

static int fit(const char *path) {
  causal_dataset *ds = NULL;
  if (causal_csv_read_file(&ds, path, NULL) != CAUSAL_OK) {
    fprintf(stderr, "error: %s\n", causal_last_error());
    return 1;
  }
  causal_match *m = NULL;
  causal_match_new(&m);
  causal_match_set_treatment(m, "treat");
  causal_match_add_covariate(m, "x1");
  causal_match_add_covariate(m, "x2");
  causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 0.2);
  double best = INFINITY;
  causal_result *r = NULL;
  for (int k = 0; k < reps(); k++) {
    causal_result_free(r);
    r = NULL;
    double t0 = now();
    if (causal_match_fit(&r, m, ds) != CAUSAL_OK) {
      fprintf(stderr, "error: %s\n", causal_last_error());
      return 1;
    }
    double el = now() - t0;
    best = el < best ? el : best;
  }
  printf("seconds %.4f\n", best);
  report(r);
  causal_result_free(r);
  causal_match_free(m);
  causal_dataset_free(ds);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "big") == 0)
    return big((size_t)atof(argv[2]), (size_t)atof(argv[3]));
  if (argc == 5 && strcmp(argv[1], "gen") == 0)
    return gen(argv[2], (size_t)atof(argv[3]), (size_t)atof(argv[4]));
  if (argc == 3 && strcmp(argv[1], "fit") == 0)
    return fit(argv[2]);
  fprintf(stderr, "usage: bench_match big N1 N0 | gen FILE N1 N0 | fit FILE\n");
  return 2;
}
