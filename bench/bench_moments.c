/* Throughput of causal_moments_update against the machine's memory
 * bandwidth (a memcpy loop over the same bytes). Short by design: run with
 *   ./build-h/bench/bench_moments            (about a second) */
#include "causal.h"

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

/* Best of `reps` runs, seconds. */
static double time_update(size_t p, const double *x, size_t n, size_t rs,
                          size_t cs, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    causal_moments *m;
    if (causal_moments_new(&m, p) != 0)
      exit(1);
    double t0 = now();
    if (causal_moments_update(m, x, n, rs, cs, NULL) != 0)
      exit(1);
    double t = now() - t0;
    best = t < best ? t : best;
    causal_moments_free(m);
  }
  return best;
}

static double time_memcpy(double *dst, const double *src, size_t n, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    memcpy(dst, src, n * sizeof(double));
    double t = now() - t0;
    best = t < best ? t : best;
  }
  return best;
}

int main(void) {
  size_t total = 10000000; /* 80 MB of input in both cases */
  double *x = malloc(total * sizeof(double));
  double *y = malloc(total * sizeof(double));
  if (x == NULL || y == NULL)
    return 1;
  for (size_t i = 0; i < total; i++)
    x[i] = sin((double)i) + 1e3;
  double gb = (double)(total * sizeof(double)) / 1e9;
  /* memcpy reads and writes: report read bandwidth (bytes read / s). */
  double tm = time_memcpy(y, x, total, 3);
  printf("memcpy            %.2f GB/s (bytes read)\n", gb / tm);
  double t1 = time_update(1, x, total, 1, 0, 3);
  printf("update 1e7 x 1    %.2f GB/s  (%.2fx memcpy)\n", gb / t1, tm / t1);
  size_t n = total / 20;
  double tc = time_update(20, x, n, 1, n, 3);
  printf("update 5e5 x 20   %.2f GB/s  col-major (%.2fx memcpy)\n", gb / tc,
         tm / tc);
  double tr = time_update(20, x, n, 20, 1, 3);
  printf("update 5e5 x 20   %.2f GB/s  row-major (%.2fx memcpy)\n", gb / tr,
         tm / tr);
  free(x);
  free(y);
  return 0;
}
