/* Cost per call of the distribution functions A/B code calls in loops:
 * the t cdf at large df (Welch tests on big experiments), the t quantile,
 * and the normal cdf for scale. Short by design:
 *   ./build-h/bench/bench_dist               (well under a second)
 * Calls go through the public vectorized entry, one value per call, so
 * the figure includes argument validation. */
#include "causal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ns per call, best of 3 runs over n arguments spread over [lo, hi]. */
static double ns_per_call(int family, int func, const double *par,
                          size_t npar, double lo, double hi, int n,
                          double *sink) {
  double best = 1e300;
  for (int r = 0; r < 3; r++) {
    double t0 = now(), s = 0.0;
    for (int i = 0; i < n; i++) {
      double x = lo + (hi - lo) * (i + 0.5) / n, out;
      if (causal_dist_eval(family, func, par, npar, &x, 1, &out) != 0)
        exit(1);
      s += out;
    }
    double t = (now() - t0) / n * 1e9;
    best = t < best ? t : best;
    *sink += s;
  }
  return best;
}

int main(void) {
  double sink = 0.0;
  const int n = 200000;
  double df[] = {10.0, 1e5, 1e6, 1e7};
  for (size_t k = 0; k < sizeof df / sizeof df[0]; k++) {
    printf("t cdf       df = %-8g |t| <= 6 : %6.1f ns/call\n", df[k],
           ns_per_call(CAUSAL_DIST_T, CAUSAL_DIST_CDF, &df[k], 1, -6.0, 6.0, n,
                       &sink));
  }
  double d6 = 1e6;
  printf("t sf        df = 1e6      |t| <= 40: %6.1f ns/call\n",
         ns_per_call(CAUSAL_DIST_T, CAUSAL_DIST_SF, &d6, 1, -40.0, 40.0, n,
                     &sink));
  printf("t quantile  df = 1e6      p in (0,1): %6.1f ns/call\n",
         ns_per_call(CAUSAL_DIST_T, CAUSAL_DIST_QUANTILE, &d6, 1, 0.0, 1.0,
                     n / 10, &sink));
  double nrm[2] = {0.0, 1.0};
  printf("normal cdf                |z| <= 6 : %6.1f ns/call\n",
         ns_per_call(CAUSAL_DIST_NORMAL, CAUSAL_DIST_CDF, nrm, 2, -6.0, 6.0, n,
                     &sink));
  return sink == 0.0; /* keep the results live */
}
