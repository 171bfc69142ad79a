/* bench_aa: how much AA designs improve on plain randomization.
 *
 * For each data set and design (COMPLETE = plain stratified randomization,
 * RERANDOMIZE with p_accept 0.01, OPTIMIZE with 5 restarts) it runs R seeded
 * splits and reports the mean worst |SMD|, the mean smallest t-test
 * p-value, the mean Mahalanobis distance, the time per split, and the
 * variance over splits of the difference-in-means estimate of a fixed
 * outcome y = linear in the standardized metrics + noise (R^2 about 0.5),
 * relative to plain randomization, next to Morgan & Rubin's prediction
 * 1 - (1 - v_a) R^2 for rerandomization.
 *
 * Usage: bench_aa [reps]   (run from the source root; reads
 *        tests/data/aa_states.csv and data/lalonde.csv)
 * Numbers are recorded in docs/methods/aa.md. */
#include "causal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(x)                                                               \
  do {                                                                         \
    int rc_ = (x);                                                             \
    if (rc_) {                                                                 \
      fprintf(stderr, "%s: %s\n", #x, causal_last_error());                    \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double scal(const causal_result *r, const char *n) {
  double v;
  CHECK(causal_result_get_scalar(r, n, &v));
  return v;
}

/* Outcome: sum of the first three standardized metrics plus noise scaled so
 * the R^2 of y on the metrics is about 0.5. */
static void make_outcome(const causal_dataset *ds, const char *const *m,
                         size_t p, double *y, double *r2) {
  size_t n = causal_dataset_nrows(ds);
  double *v = malloc(n * sizeof *v), *lin = calloc(n, sizeof *lin);
  for (size_t j = 0; j < p && j < 3; j++) {
    size_t col;
    CHECK(causal_dataset_col_index(ds, m[j], &col));
    CHECK(causal_dataset_col_to_f64(ds, col, v, n));
    double mu = 0, s = 0;
    for (size_t i = 0; i < n; i++)
      mu += v[i] / (double)n;
    for (size_t i = 0; i < n; i++)
      s += (v[i] - mu) * (v[i] - mu) / (double)(n - 1);
    for (size_t i = 0; i < n; i++)
      lin[i] += (v[i] - mu) / sqrt(s);
  }
  double vl = 0, ml = 0;
  for (size_t i = 0; i < n; i++)
    ml += lin[i] / (double)n;
  for (size_t i = 0; i < n; i++)
    vl += (lin[i] - ml) * (lin[i] - ml) / (double)(n - 1);
  causal_rng *rng;
  CHECK(causal_rng_new(&rng, 2024, 0));
  CHECK(causal_rng_normal(rng, 0, sqrt(vl), v, n));
  causal_rng_free(rng);
  double ve = 0, me = 0;
  for (size_t i = 0; i < n; i++)
    me += v[i] / (double)n;
  for (size_t i = 0; i < n; i++) {
    ve += (v[i] - me) * (v[i] - me) / (double)(n - 1);
    y[i] = lin[i] + v[i];
  }
  *r2 = vl / (vl + ve); /* approximately: the noise is nearly orthogonal */
  free(v);
  free(lin);
}

/* In-sample R^2 of y on all the metrics (OLS), the R^2 of Morgan & Rubin's
 * variance factor. */
static double r2_on_metrics(const causal_dataset *ds, const char *const *m,
                            size_t p, const double *y) {
  size_t n = causal_dataset_nrows(ds);
  double *v = malloc(n * sizeof *v);
  causal_dataset *d2;
  CHECK(causal_dataset_new(&d2));
  causal_regress *reg;
  CHECK(causal_regress_new(&reg, CAUSAL_REGRESS_OLS));
  CHECK(causal_regress_set_outcome(reg, "y_"));
  for (size_t j = 0; j < p; j++) {
    size_t col;
    CHECK(causal_dataset_col_index(ds, m[j], &col));
    CHECK(causal_dataset_col_to_f64(ds, col, v, n));
    CHECK(causal_dataset_add_f64(d2, m[j], v, NULL, n, CAUSAL_COPY));
    CHECK(causal_regress_add_term(reg, m[j]));
  }
  CHECK(causal_dataset_add_f64(d2, "y_", y, NULL, n, CAUSAL_COPY));
  causal_result *r;
  CHECK(causal_regress_fit(&r, reg, d2));
  double r2 = scal(r, "r_squared");
  causal_result_free(r);
  causal_regress_free(reg);
  causal_dataset_free(d2);
  free(v);
  return r2;
}

static void run(const char *title, causal_dataset *ds, const char *const *m,
                size_t p, const char *id, const char *strata, int reps) {
  size_t n = causal_dataset_nrows(ds);
  double *y = malloc(n * sizeof *y), r2;
  make_outcome(ds, m, p, y, &r2);
  r2 = r2_on_metrics(ds, m, p, y);
  printf("\n%s: %zu units, %zu metrics%s%s, %d splits per design, outcome "
         "R^2 on the metrics %.3f\n",
         title, n, p, strata ? ", strata " : "", strata ? strata : "", reps,
         r2);
  printf("%-12s %12s %12s %12s %12s %12s %10s\n", "design", "worst|SMD|",
         "min p", "M", "var(est)", "var ratio", "ms/split");
  double var0 = NAN;
  const int methods[3] = {CAUSAL_AA_COMPLETE, CAUSAL_AA_RERANDOMIZE,
                          CAUSAL_AA_OPTIMIZE};
  const char *names[3] = {"complete", "rerandomize", "optimize"};
  double va = NAN;
  for (int d = 0; d < 3; d++) {
    causal_aa *aa;
    CHECK(causal_aa_new(&aa, 2));
    for (size_t j = 0; j < p; j++)
      CHECK(causal_aa_add_metric(aa, m[j]));
    if (id)
      CHECK(causal_aa_set_id(aa, id));
    if (strata)
      CHECK(causal_aa_set_strata(aa, strata));
    CHECK(causal_aa_set_int(aa, CAUSAL_AA_METHOD, methods[d]));
    CHECK(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0.01));
    CHECK(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 5));
    double smd = 0, minp = 0, M = 0, s1 = 0, s2 = 0, t0 = now();
    for (int s = 0; s < reps; s++) {
      causal_result *r;
      CHECK(causal_aa_set_int(aa, CAUSAL_AA_SEED, s));
      CHECK(causal_aa_split(&r, aa, ds));
      smd += scal(r, "max_abs_smd") / reps;
      minp += scal(r, "min_p_value") / reps;
      M += scal(r, "mahalanobis") / reps;
      if (methods[d] == CAUSAL_AA_RERANDOMIZE)
        va = scal(r, "v_a");
      const double *g;
      size_t ng;
      CHECK(causal_result_get_vector(r, "group", &g, &ng));
      double a1 = 0, a0 = 0, c1 = 0, c0 = 0;
      for (size_t i = 0; i < n; i++) {
        if (g[i] > 0.5) {
          a1 += y[i];
          c1++;
        } else {
          a0 += y[i];
          c0++;
        }
      }
      double est = a1 / c1 - a0 / c0;
      s1 += est;
      s2 += est * est;
      causal_result_free(r);
    }
    double ms = 1e3 * (now() - t0) / reps;
    double var = (s2 - s1 * s1 / reps) / (reps - 1);
    if (d == 0)
      var0 = var;
    printf("%-12s %12.4f %12.4f %12.3f %12.5g %12.3f %10.2f\n", names[d], smd,
           minp, M, var, var / var0, ms);
    causal_aa_free(aa);
  }
  printf("Morgan-Rubin prediction for rerandomization: v_a = %.4f, "
         "1 - (1 - v_a) R^2 = %.3f\n",
         va, 1 - (1 - va) * r2);
  free(y);
}

static causal_dataset *read(const char *path, const char *catcol) {
  causal_csv_options *o;
  CHECK(causal_csv_options_new(&o));
  if (catcol)
    CHECK(causal_csv_options_set_type(o, catcol, CAUSAL_TYPE_CAT));
  causal_dataset *ds;
  CHECK(causal_csv_read_file(&ds, path, o));
  causal_csv_options_free(o);
  return ds;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 200;
  /* synthetic: 40 units, 5 correlated normal metrics */
  {
    size_t n = 40, p = 5;
    double *x = malloc(n * p * sizeof *x), z[5];
    causal_rng *rng;
    CHECK(causal_rng_new(&rng, 1, 0));
    for (size_t i = 0; i < n; i++) {
      CHECK(causal_rng_normal(rng, 0, 1, z, p));
      for (size_t j = 0; j < p; j++) /* common factor: correlation 0.5 */
        x[i + j * n] = (z[j] + (j ? x[i] : 0)) * (j ? 0.8 : 1);
    }
    causal_rng_free(rng);
    causal_dataset *ds;
    CHECK(causal_dataset_new(&ds));
    const char *const m[5] = {"m1", "m2", "m3", "m4", "m5"};
    for (size_t j = 0; j < p; j++)
      CHECK(causal_dataset_add_f64(ds, m[j], x + j * n, NULL, n, CAUSAL_COPY));
    run("synthetic", ds, m, p, NULL, NULL, reps);
    causal_dataset_free(ds);
    free(x);
  }
  {
    causal_dataset *ds = read("tests/data/aa_states.csv", "state");
    const char *const m[8] = {"population", "income",  "illiteracy", "life_exp",
                              "murder",     "hs_grad", "frost",      "area"};
    run("US states (state.x77)", ds, m, 8, "state", NULL, reps);
    run("US states, strata = region", ds, m, 8, "state", "region", reps);
    causal_dataset_free(ds);
  }
  {
    causal_dataset *ds = read("data/lalonde.csv", NULL);
    const char *const m[6] = {"re74", "re75",    "age",
                              "educ", "married", "nodegree"};
    run("lalonde", ds, m, 6, NULL, "race", reps / 4 > 10 ? reps / 4 : 10);
    causal_dataset_free(ds);
  }
  return 0;
}
