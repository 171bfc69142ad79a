/* Single-thread throughput of traffic assignment on short string ids
 * (8-16 bytes). Short by design (a few seconds):
 *   ./build-h/bench/bench_assign [n_ids]
 * Reports million assignments per second for the raw hash, one-call-per-id
 * queries, timed by thread CPU time (with and without the top-level holdout/domain hash, with
 * overrides) and the batch call. The target is >= 20 M/s per core. */
#include "causal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Thread CPU time: the machine is shared, wall time would measure the
 * neighbours. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "bench_assign: %s: %s\n", what, causal_last_error());
  exit(1);
}

#define CHECK(x)                                                               \
  do {                                                                         \
    if ((x) != 0)                                                              \
      die(#x);                                                                 \
  } while (0)

/* holdout: 1 = a holdout (the top hash is computed too); overrides: number
 * of forced ids. */
static causal_assign_config *make(int holdout, int overrides) {
  causal_assign_config *c;
  int64_t d, l, e;
  CHECK(causal_assign_config_new(&c, "bench-top", 1000));
  if (holdout)
    CHECK(causal_assign_set_holdout(c, 0, 50));
  CHECK(causal_assign_add_domain(c, holdout ? 50 : 0, 1000, &d));
  CHECK(causal_assign_add_layer(c, d, "bench-layer", 10000, &l));
  CHECK(causal_assign_add_experiment(c, l, "e1", 0, 3000, &e));
  CHECK(causal_assign_add_variant(c, e, "control", 0.5, NULL));
  CHECK(causal_assign_add_variant(c, e, "treatment", 0.5, NULL));
  CHECK(causal_assign_set_exposure(c, e, 0.3));
  for (int i = 0; i < overrides; i++) {
    char id[32];
    int n = snprintf(id, sizeof id, "qa-%d", i);
    CHECK(causal_assign_add_override(c, e, id, (size_t)n, i % 2));
  }
  CHECK(causal_assign_add_experiment(c, l, "e2", 3000, 9000, &e));
  for (int v = 0; v < 4; v++) {
    char name[8];
    snprintf(name, sizeof name, "v%d", v);
    CHECK(causal_assign_add_variant(c, e, name, 0.25, NULL));
  }
  CHECK(causal_assign_finalize(c));
  return c;
}

typedef struct {
  char *data;
  int64_t *off;
  size_t n;
} ids;

static ids make_ids(size_t n, int width) {
  ids s;
  s.n = n;
  s.data = malloc(n * 17);
  s.off = malloc((n + 1) * sizeof *s.off);
  if (!s.data || !s.off)
    exit(1);
  s.off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    /* width 8: "u1234567"; 12: "user-1234567"; 16: "session-12345678" */
    const char *fmt = width == 8 ? "u%07zu" : width == 12 ? "user-%07zu"
                                                          : "session-%08zu";
    char buf[32];
    int len = snprintf(buf, sizeof buf, fmt, i % 10000000);
    memcpy(s.data + s.off[i], buf, (size_t)len);
    s.off[i + 1] = s.off[i] + len;
  }
  return s;
}

static volatile int64_t sink;

static double run_unit(const causal_assign_config *c, const ids *s, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    int64_t acc = 0, e, v;
    double t0 = now();
    for (size_t i = 0; i < s->n; i++) {
      causal_assign_unit(c, s->data + s->off[i],
                         (size_t)(s->off[i + 1] - s->off[i]), 0, &e, &v);
      acc += v;
    }
    double t = now() - t0;
    sink = acc;
    best = t < best ? t : best;
  }
  return (double)s->n / best / 1e6;
}

static double run_batch(const causal_assign_config *c, const ids *s,
                        int64_t *vars, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    CHECK(causal_assign_batch(c, 0, s->data, s->off, s->n, NULL, NULL, vars));
    double t = now() - t0;
    best = t < best ? t : best;
  }
  sink = vars[s->n - 1];
  return (double)s->n / best / 1e6;
}

static double run_hash(const ids *s, uint64_t *out, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    CHECK(causal_assign_buckets("bench-layer", 10000, s->data, s->off, s->n,
                                out));
    double t = now() - t0;
    best = t < best ? t : best;
  }
  sink = (int64_t)out[s->n - 1];
  return (double)s->n / best / 1e6;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 2000000;
  const int reps = 3;
  causal_assign_config *plain = make(0, 0), *hold = make(1, 0),
                       *ovr = make(0, 1000);
  int64_t *vars = malloc(n * sizeof *vars);
  uint64_t *bk = malloc(n * sizeof *bk);
  if (!vars || !bk)
    return 1;
  printf("bench_assign: %zu ids, best of %d, single thread, M "
         "assignments/s\n",
         n, reps);
  printf("%-6s %10s %10s %10s %10s %10s\n", "id", "hash", "unit", "unit+top",
         "unit+ovr", "batch");
  const int widths[] = {8, 12, 16};
  double worst = 1e300;
  for (int w = 0; w < 3; w++) {
    ids s = make_ids(n, widths[w]);
    double h = run_hash(&s, bk, reps);
    double u = run_unit(plain, &s, reps);
    double t = run_unit(hold, &s, reps);
    double o = run_unit(ovr, &s, reps);
    double b = run_batch(plain, &s, vars, reps);
    printf("%2d B   %10.1f %10.1f %10.1f %10.1f %10.1f\n", widths[w], h, u, t,
           o, b);
    double m = u < t ? u : t;
    m = m < o ? m : o;
    worst = m < worst ? m : worst;
    free(s.data);
    free(s.off);
  }
  printf("slowest query path: %.1f M/s (target >= 20): %s\n", worst,
         worst >= 20 ? "OK" : "BELOW TARGET");
  causal_assign_config_free(plain);
  causal_assign_config_free(hold);
  causal_assign_config_free(ovr);
  free(vars);
  free(bk);
  return 0;
}
