/* Absorbing two fixed effects: singleton removal + demeaning of y and two
 * regressors to tol 1e-8, on 1e6 and 1e7 rows (docs/methods/hdfe.md).
 *   ./build-h/bench/bench_hdfe          1e6 rows, then 1e7 rows
 *   ./build-h/bench/bench_hdfe 1e6      only the 1e6-row problems
 * Two designs with 100,000 units and 100 periods (1e7 rows; 10,000 units
 * for 1e6 rows):
 *   random  every row draws its unit and its period uniformly (unbalanced);
 *   window  every row draws its unit, and a period within a window of 10
 *           consecutive periods that starts at a unit-specific random
 *           period: units overlap only with nearby units, the slow case
 *           for alternating projections.
 * y = x1 - 0.5 x2 + unit effect + period effect + noise, x1 correlated
 * with the unit effect. Single-threaded. */
#include "internal/regress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* splitmix64: a small deterministic generator for the benchmark data. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
static double unif(void) { return (double)(next_u64() >> 11) * 0x1p-53; }
static double gauss(void) {
  double u = unif(), v = unif();
  return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static int run(size_t n, size_t units, size_t periods, int window) {
  int32_t *unit = malloc(n * sizeof *unit);
  int32_t *per = malloc(n * sizeof *per);
  double *A = malloc(3 * n * sizeof *A);
  double *ue = malloc(units * sizeof *ue);
  double *pe = malloc(periods * sizeof *pe);
  int32_t *start = malloc(units * sizeof *start);
  uint8_t *keep = malloc(n);
  if (!unit || !per || !A || !ue || !pe || !start || !keep)
    return 1;
  for (size_t u = 0; u < units; u++) {
    ue[u] = gauss();
    start[u] = (int32_t)(next_u64() % (periods - 9));
  }
  for (size_t t = 0; t < periods; t++)
    pe[t] = 0.1 * (double)t + gauss();
  for (size_t i = 0; i < n; i++) {
    size_t u = next_u64() % units;
    size_t t =
        window ? (size_t)start[u] + next_u64() % 10 : next_u64() % periods;
    unit[i] = (int32_t)u;
    per[i] = (int32_t)t;
    double x1 = 0.5 * ue[u] + gauss(), x2 = gauss();
    A[i] = x1 - 0.5 * x2 + ue[u] + pe[t] + gauss();
    A[n + i] = x1;
    A[2 * n + i] = x2;
  }
  int32_t *fe[2] = {unit, per};
  size_t levels[2] = {units, periods};
  cz_alloc al = cz_alloc_current();
  double t0 = now();
  size_t removed = 0;
  if (cz_hdfe_singletons(&al, fe, levels, 2, n, keep, &removed) != 0)
    return 1;
  /* Keep the non-singleton rows (in place), columns packed with stride m. */
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (keep[i]) {
      unit[m] = unit[i];
      per[m] = per[i];
      m++;
    }
  for (size_t c = 0; c < 3; c++) {
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
      if (keep[i])
        A[c * n + j++] = A[c * n + i];
    memmove(A + c * m, A + c * n, m * sizeof *A);
  }
  double t1 = now();
  int iters = 0;
  size_t dof = 0;
  int rc = cz_hdfe_demean(&al, fe, levels, 2, m, NULL, A, 3, 1e-8, 10000,
                          &iters, &dof);
  double t2 = now();
  if (rc != 0) {
    printf("demean failed: %s\n", causal_last_error());
    return 1;
  }
  printf("%-6s n = %8zu  units %6zu  periods %3zu  singletons %6zu  "
         "dof_fe %6zu  iterations %3d  singletons %.3f s  demean %.3f s  "
         "total %.3f s\n",
         window ? "window" : "random", n, units, periods, removed, dof, iters,
         t1 - t0, t2 - t1, t2 - t0);
  free(unit);
  free(per);
  free(A);
  free(ue);
  free(pe);
  free(start);
  free(keep);
  return 0;
}

int main(int argc, char **argv) {
  int big = !(argc > 1 && strcmp(argv[1], "1e6") == 0);
  for (int window = 0; window < 2; window++)
    if (run(1000000, 10000, 100, window) != 0)
      return 1;
  if (big)
    for (int window = 0; window < 2; window++)
      if (run(10000000, 100000, 100, window) != 0)
        return 1;
  return 0;
}
