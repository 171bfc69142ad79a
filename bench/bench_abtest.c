/* Comparisons per second from sufficient statistics (causal_abtest_compare_
 * values): two-proportion z (pooled), Welch t and ratio-metric z, over M
 * arm pairs generated from a formula shared with bench/abtest_peers.py.
 *   ./build-h/bench/bench_abtest [M]      (default 200000; about a second) */
#include "causal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Inputs of pair i (same formulas as abtest_peers.py). */
static void pair(long i, long *nc, long *xc, long *nt, long *xt, double *mc,
                 double *sc, double *mt, double *st) {
  *nc = 1000 + (i * 37) % 5000;
  *nt = 1000 + (i * 53) % 5000;
  *xc = *nc * (5 + i % 20) / 100;
  *xt = *nt * (6 + i % 17) / 100;
  *mc = 10 + (double)(i % 13) * 0.1;
  *mt = 10 + (double)(i % 11) * 0.1;
  *sc = 3 + (double)(i % 7) * 0.2;
  *st = 3 + (double)(i % 5) * 0.2;
}

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, causal_last_error());
  exit(1);
}

int main(int argc, char **argv) {
  long M = argc > 1 ? atol(argv[1]) : 200000;
  causal_abstats **P = malloc(4 * (size_t)M * sizeof *P);
  if (P == NULL)
    return 1;
  causal_abstats **C = P + 2 * M;
  for (long i = 0; i < M; i++) {
    long nc, xc, nt, xt;
    double mc, sc, mt, st;
    pair(i, &nc, &xc, &nt, &xt, &mc, &sc, &mt, &st);
    if (causal_abstats_from_counts(&P[2 * i], xc, nc) ||
        causal_abstats_from_counts(&P[2 * i + 1], xt, nt))
      die("from_counts");
    double sumc = mc * (double)nc, sst = mt * (double)nt;
    double ssc = sc * sc * (double)(nc - 1) + sumc * sumc / (double)nc;
    double sstt = st * st * (double)(nt - 1) + sst * sst / (double)nt;
    if (causal_abstats_from_sums(&C[2 * i], nc, sumc, ssc) ||
        causal_abstats_from_sums(&C[2 * i + 1], nt, sst, sstt))
      die("from_sums");
  }
  causal_abtest *tp = NULL, *tm = NULL;
  if (causal_abtest_new(&tp) || causal_abtest_new(&tm))
    die("new");
  causal_abtest_set_int(tp, CAUSAL_ABTEST_METRIC, CAUSAL_AB_PROPORTION);
  double out[CAUSAL_AB_NOUT], sink = 0;
  const char *label[2] = {"two-proportion z (pooled)", "Welch t (means)"};
  causal_abtest *spec[2] = {tp, tm};
  causal_abstats **arms[2] = {P, C};
  for (int k = 0; k < 2; k++) {
    double best = 1e300;
    for (int rep = 0; rep < 3; rep++) {
      double t0 = now();
      for (long i = 0; i < M; i++) {
        if (causal_abtest_compare_values(spec[k], arms[k][2 * i],
                                         arms[k][2 * i + 1], out,
                                         CAUSAL_AB_NOUT))
          die("compare");
        sink += out[CAUSAL_AB_OUT_P_VALUE];
      }
      double t = now() - t0;
      best = t < best ? t : best;
    }
    printf("%-28s %ld comparisons in %.3f s: %.3g per second\n", label[k], M,
           best, (double)M / best);
  }
  /* full result objects (JSON-able), for comparison */
  double t0 = now();
  long Mr = M / 10;
  for (long i = 0; i < Mr; i++) {
    causal_result *r;
    if (causal_abtest_compare(tm, C[2 * i], C[2 * i + 1], &r))
      die("compare");
    causal_result_free(r);
  }
  double t = now() - t0;
  printf("%-28s %ld comparisons in %.3f s: %.3g per second\n",
         "Welch t, full causal_result", Mr, t, (double)Mr / t);
  if (sink == 42)
    printf(" ");
  for (long i = 0; i < 4 * M; i++)
    causal_abstats_free(P[i]);
  free(P);
  causal_abtest_free(tp);
  causal_abtest_free(tm);
  return 0;
}
