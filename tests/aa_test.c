/* AA grouping: reports against R (tests/ref/aa_reference.R), rerandomization,
 * the optimizer, randomization inference against exact enumeration, the MDE
 * advisor, bad input and out-of-memory paths. */
#include "testutil.h"

static const char *const METRICS[8] = {"population", "income", "illiteracy",
                                       "life_exp",   "murder", "hs_grad",
                                       "frost",      "area"};

/* ---- reference values ---- */
typedef struct refrow {
  char key[256];
  double v;
} refrow;
static refrow refs[400];
static size_t nrefs;

static void load_refs(void) {
  if (nrefs)
    return;
  FILE *f = fopen(cz_test_path("data/aa_reference.csv"), "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f)); /* header */
  while (fgets(line, sizeof line, f) && nrefs < 400) {
    char c[64], q[64], t[64];
    double v;
    /* case,quantity,term,value with a possibly empty term */
    char *p1 = strchr(line, ','), *p2 = p1 ? strchr(p1 + 1, ',') : NULL,
         *p3 = p2 ? strchr(p2 + 1, ',') : NULL;
    assert_non_null(p3);
    snprintf(c, sizeof c, "%.*s", (int)(p1 - line), line);
    snprintf(q, sizeof q, "%.*s", (int)(p2 - p1 - 1), p1 + 1);
    snprintf(t, sizeof t, "%.*s", (int)(p3 - p2 - 1), p2 + 1);
    v = strtod(p3 + 1, NULL);
    snprintf(refs[nrefs].key, sizeof refs[nrefs].key, "%s|%s|%s", c, q, t);
    refs[nrefs++].v = v;
  }
  fclose(f);
}

static double ref(const char *c, const char *q, const char *t) {
  load_refs();
  char key[256];
  snprintf(key, sizeof key, "%s|%s|%s", c, q, t);
  for (size_t i = 0; i < nrefs; i++)
    if (strcmp(refs[i].key, key) == 0)
      return refs[i].v;
  fail_msg("reference %s not found", key);
  return NAN;
}

static causal_dataset *states(void) {
  causal_csv_options *o = NULL;
  assert_ok(causal_csv_options_new(&o));
  assert_ok(causal_csv_options_set_type(o, "state", CAUSAL_TYPE_CAT));
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, cz_test_path("data/aa_states.csv"), o));
  causal_csv_options_free(o);
  return ds;
}

static causal_aa *states_spec(int64_t k) {
  causal_aa *aa = NULL;
  assert_ok(causal_aa_new(&aa, k));
  for (int j = 0; j < 8; j++)
    assert_ok(causal_aa_add_metric(aa, METRICS[j]));
  assert_ok(causal_aa_set_id(aa, "state"));
  return aa;
}

static void column_groups(const causal_dataset *ds, const char *name,
                          int64_t *g) {
  size_t col;
  assert_ok(causal_dataset_col_index(ds, name, &col));
  const int64_t *v;
  assert_ok(causal_dataset_col_i64(ds, col, &v, NULL));
  memcpy(g, v, causal_dataset_nrows(ds) * sizeof *g);
}

static double vec_at(const causal_result *r, const char *name, size_t i) {
  const double *v;
  size_t n;
  assert_ok(causal_result_get_vector(r, name, &v, &n));
  assert_true(i < n);
  return v[i];
}

static double mat_at(const causal_result *r, const char *name, size_t i,
                     size_t j) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, name, &v, &nr, &nc));
  assert_true(i < nr && j < nc);
  return v[i + j * nr];
}

static double scal(const causal_result *r, const char *name) {
  double v;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

/* ---- balance report vs R ---- */
static void check_report(const char *cas, int64_t k) {
  causal_dataset *ds = states();
  causal_aa *aa = states_spec(k);
  int64_t g[50];
  column_groups(ds, cas, g);
  causal_result *r = NULL;
  assert_ok(causal_aa_balance(&r, aa, ds, g, 50));
  assert_string_equal(causal_result_kind(r), "aa_balance");
  const char *test;
  assert_ok(causal_result_get_string(r, "test", &test));
  assert_string_equal(test, k == 2 ? "welch_t" : "anova_f");
  double maxsmd = 0, minp = 1;
  for (size_t j = 0; j < 8; j++) {
    const char *m = METRICS[j];
    assert_string_equal(causal_result_dimname(r, "smd", 0, j), m);
    for (size_t gg = 0; gg < (size_t)k; gg++) {
      char q[16];
      snprintf(q, sizeof q, "mean%zu", gg);
      assert_close(mat_at(r, "means", j, gg), ref(cas, q, m), 1e-13);
      snprintf(q, sizeof q, "sd%zu", gg);
      assert_close(mat_at(r, "sd", j, gg), ref(cas, q, m), 1e-12);
    }
    assert_close(vec_at(r, "smd", j), ref(cas, "smd", m), 1e-11);
    assert_close(vec_at(r, "statistic", j), ref(cas, "statistic", m), 1e-11);
    assert_close(vec_at(r, "df", j), ref(cas, "df", m), 1e-11);
    assert_close(vec_at(r, "p_value", j), ref(cas, "p_value", m), 1e-10);
    if (fabs(vec_at(r, "smd", j)) > maxsmd)
      maxsmd = fabs(vec_at(r, "smd", j));
    if (vec_at(r, "p_value", j) < minp)
      minp = vec_at(r, "p_value", j);
  }
  assert_close(scal(r, "max_abs_smd"), maxsmd, 0);
  assert_close(scal(r, "min_p_value"), minp, 0);
  assert_close(scal(r, "mahalanobis"), ref(cas, "mahalanobis", ""), 1e-11);
  assert_close(scal(r, "mahalanobis_p_value"),
               ref(cas, "mahalanobis_p_value", ""), 1e-10);
  assert_close(scal(r, "mahalanobis_df"), 8.0 * (double)(k - 1), 0);
  causal_result_free(r);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

static void test_report_two_groups(void **state) {
  (void)state;
  check_report("g2", 2);
}

static void test_report_three_groups(void **state) {
  (void)state;
  check_report("g3", 3);
}

/* ---- thresholds, v_a and the MDE formula vs R ---- */
static void test_threshold_va(void **state) {
  (void)state;
  const double ps[] = {0.001, 0.05, 0.1, 0.5};
  const char *pn[] = {"p0.001", "p0.05", "p0.1", "p0.5"};
  const int dfs[] = {1, 3, 8, 16};
  double var = 1;
  int64_t sizes[2] = {10, 10};
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      char t[8];
      snprintf(t, sizeof t, "%d", dfs[b]);
      causal_result *r = NULL;
      assert_ok(
          causal_aa_mde(&r, &var, 1, sizes, 2, 0.05, 0.8, 0.5, dfs[b], ps[a]));
      assert_close(scal(r, "threshold"), ref("threshold", pn[a], t), 1e-12);
      assert_close(scal(r, "v_a"), ref("v_a", pn[a], t), 1e-11);
      assert_close(scal(r, "variance_factor"),
                   1 - 0.5 * (1 - ref("v_a", pn[a], t)), 1e-12);
      causal_result_free(r);
    }
}

static void test_mde(void **state) {
  (void)state;
  double var[2] = {4, 0.25};
  int64_t sizes[2] = {12, 10};
  causal_result *r = NULL;
  assert_ok(causal_aa_mde(&r, var, 2, sizes, 2, 0.05, 0.8, 0.3, 0, 0.1));
  assert_string_equal(causal_result_kind(r), "aa_mde");
  assert_close(mat_at(r, "mde", 0, 0), ref("mde", "plain", "a"), 1e-12);
  assert_close(mat_at(r, "mde", 1, 0), ref("mde", "plain", "b"), 1e-12);
  /* no covariates: rerandomization changes nothing */
  assert_close(mat_at(r, "mde_rerandomized", 0, 0), ref("mde", "plain", "a"),
               1e-12);
  assert_close(scal(r, "v_a"), 1, 0);
  assert_close(scal(r, "df"), 20, 0);
  causal_result_free(r);
  double v2 = 2;
  int64_t s3[3] = {8, 9, 7};
  assert_ok(causal_aa_mde(&r, &v2, 1, s3, 3, 0.1, 0.9, 0.6, 3, 0.01));
  assert_close(scal(r, "v_a"), ref("mde3", "v_a", ""), 1e-11);
  assert_close(mat_at(r, "mde", 0, 0), ref("mde3", "plain", "g1"), 1e-12);
  assert_close(mat_at(r, "mde", 0, 1), ref("mde3", "plain", "g2"), 1e-12);
  assert_close(mat_at(r, "mde_rerandomized", 0, 1), ref("mde3", "rr", "g2"),
               1e-11);
  causal_result_free(r);
}

/* ---- rerandomization ---- */
static void group_vector(const causal_result *r, int64_t *g, size_t n) {
  const double *v;
  size_t m;
  assert_ok(causal_result_get_vector(r, "group", &v, &m));
  assert_int_equal(m, n);
  for (size_t i = 0; i < n; i++)
    g[i] = (int64_t)v[i];
}

static void test_rerandomize(void **state) {
  (void)state;
  causal_dataset *ds = states();
  causal_aa *aa = states_spec(2);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_SEED, 7));
  assert_ok(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0.01));
  causal_result *r = NULL, *r2 = NULL, *b = NULL;
  assert_ok(causal_aa_split(&r, aa, ds));
  assert_string_equal(causal_result_kind(r), "aa_split");
  const char *meth;
  assert_ok(causal_result_get_string(r, "method", &meth));
  assert_string_equal(meth, "rerandomize");
  double a = scal(r, "threshold");
  assert_close(scal(r, "p_accept"), 0.01, 1e-12);
  assert_true(scal(r, "mahalanobis") <= a);
  assert_true(scal(r, "draws") >= 1);
  assert_close(vec_at(r, "size", 0), 25, 0);
  assert_close(vec_at(r, "size", 1), 25, 0);
  /* names are the ids */
  assert_string_equal(causal_result_dimname(r, "group", 0, 0), "Alabama");
  assert_string_equal(causal_result_dimname(r, "group", 0, 49), "Wyoming");
  /* the report equals causal_aa_balance on the returned groups */
  int64_t g[50], g2[50];
  group_vector(r, g, 50);
  assert_ok(causal_aa_balance(&b, aa, ds, g, 50));
  assert_close(scal(b, "mahalanobis"), scal(r, "mahalanobis"), 1e-14);
  assert_close(scal(b, "max_abs_smd"), scal(r, "max_abs_smd"), 1e-14);
  causal_result_free(b);
  /* determinism: same seed, same split; another seed, another split */
  assert_ok(causal_aa_split(&r2, aa, ds));
  group_vector(r2, g2, 50);
  assert_memory_equal(g, g2, sizeof g);
  assert_close(scal(r2, "draws"), scal(r, "draws"), 0);
  causal_result_free(r2);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_SEED, 8));
  assert_ok(causal_aa_split(&r2, aa, ds));
  group_vector(r2, g2, 50);
  assert_true(memcmp(g, g2, sizeof g) != 0);
  causal_result_free(r2);
  causal_result_free(r);
  /* explicit threshold overrides p_accept */
  assert_ok(causal_aa_set_double(aa, CAUSAL_AA_THRESHOLD, 3.5));
  assert_ok(causal_aa_split(&r, aa, ds));
  assert_close(scal(r, "threshold"), 3.5, 0);
  assert_true(scal(r, "mahalanobis") <= 3.5);
  causal_result_free(r);
  /* unreachable threshold: the cap gives a clear error */
  assert_ok(causal_aa_set_double(aa, CAUSAL_AA_THRESHOLD, 1e-6));
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_MAX_DRAWS, 500));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_ENOCONV);
  assert_null(r);
  assert_error_mentions("500 draws");
  assert_error_mentions("CAUSAL_AA_MAX_DRAWS");
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

/* Under plain randomization E[M] = d exactly and M is roughly chi2_d. */
static void test_mahalanobis_distribution(void **state) {
  (void)state;
  causal_dataset *ds = states();
  causal_aa *aa = states_spec(2);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_COMPLETE));
  double sum = 0;
  int below = 0, reps = 2000;
  double a20 = 0;
  for (int s = 0; s < reps; s++) {
    causal_result *r = NULL;
    assert_ok(causal_aa_set_int(aa, CAUSAL_AA_SEED, s));
    assert_ok(causal_aa_split(&r, aa, ds));
    double m = scal(r, "mahalanobis");
    sum += m;
    if (s == 0) {
      causal_result *t = NULL;
      double one = 1;
      int64_t sz[2] = {25, 25};
      assert_ok(causal_aa_mde(&t, &one, 1, sz, 2, 0.05, 0.8, 0, 8, 0.2));
      a20 = scal(t, "threshold");
      causal_result_free(t);
    }
    below += m <= a20;
    causal_result_free(r);
  }
  /* sd(M) ~ 4 for chi2_8: the mean of 2000 has sd ~ 0.09 */
  assert_true(fabs(sum / reps - 8) < 0.4);
  double frac = (double)below / reps; /* about 0.2 (asymptotic) */
  assert_true(frac > 0.14 && frac < 0.26);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

/* ---- strata and sizes ---- */
static void test_strata_sizes(void **state) {
  (void)state;
  causal_dataset *ds = states();
  size_t col;
  assert_ok(causal_dataset_col_index(ds, "region", &col));
  const int32_t *reg;
  assert_ok(causal_dataset_col_cat(ds, col, &reg));
  size_t nlev;
  assert_ok(causal_dataset_cat_nlevels(ds, col, &nlev));
  for (int method = 1; method <= 3; method++) {
    causal_aa *aa = states_spec(3);
    assert_ok(causal_aa_set_strata(aa, "region"));
    int64_t sizes[3] = {20, 15, 15};
    assert_ok(causal_aa_set_sizes(aa, sizes, 3));
    assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, method));
    assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 3));
    assert_ok(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0.2));
    causal_result *r = NULL;
    assert_ok(causal_aa_split(&r, aa, ds));
    int64_t g[50];
    group_vector(r, g, 50);
    int cnt[3] = {0, 0, 0}, cell[8][3];
    memset(cell, 0, sizeof cell);
    for (int i = 0; i < 50; i++) {
      cnt[g[i]]++;
      cell[reg[i]][g[i]]++;
    }
    assert_int_equal(cnt[0], 20);
    assert_int_equal(cnt[1], 15);
    assert_int_equal(cnt[2], 15);
    /* each stratum's share of each group is within 2 of proportional */
    for (size_t s = 0; s < nlev; s++) {
      int m = cell[s][0] + cell[s][1] + cell[s][2];
      for (int gg = 0; gg < 3; gg++)
        assert_true(fabs(cell[s][gg] - m * sizes[gg] / 50.0) < 2);
    }
    causal_result_free(r);
    causal_aa_free(aa);
  }
  causal_dataset_free(ds);
}

/* ---- optimizer ---- */
static void test_optimize(void **state) {
  (void)state;
  causal_dataset *ds = states();
  causal_aa *aa = states_spec(2);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_OPTIMIZE));
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 5));
  causal_result *r = NULL, *r2 = NULL;
  assert_ok(causal_aa_split(&r, aa, ds));
  /* objective = the report's max |SMD| (exact incremental bookkeeping) */
  assert_close(scal(r, "objective"), scal(r, "max_abs_smd"), 1e-9);
  assert_true(scal(r, "max_abs_smd") < 0.05);
  assert_true(scal(r, "min_p_value") > 0.85);
  assert_close(scal(r, "draws"), 5, 0);
  int64_t g[50], g2[50];
  group_vector(r, g, 50);
  assert_ok(causal_aa_split(&r2, aa, ds));
  group_vector(r2, g2, 50);
  assert_memory_equal(g, g2, sizeof g);
  causal_result_free(r2);
  /* Mahalanobis objective: M is far below a typical rerandomized value */
  assert_ok(
      causal_aa_set_int(aa, CAUSAL_AA_OBJECTIVE, CAUSAL_AA_OBJ_MAHALANOBIS));
  assert_ok(causal_aa_split(&r2, aa, ds));
  assert_close(scal(r2, "objective"), scal(r2, "mahalanobis"), 1e-9);
  assert_true(scal(r2, "mahalanobis") < 0.05);
  causal_result_free(r2);
  causal_result_free(r);
  /* k = 4 with strata */
  causal_aa_free(aa);
  aa = states_spec(4);
  assert_ok(causal_aa_set_strata(aa, "region"));
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_OPTIMIZE));
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 2));
  assert_ok(causal_aa_split(&r, aa, ds));
  assert_close(scal(r, "objective"), scal(r, "max_abs_smd"), 1e-9);
  assert_true(scal(r, "max_abs_smd") < 0.3);
  const char *test;
  assert_ok(causal_result_get_string(r, "test", &test));
  assert_string_equal(test, "anova_f");
  causal_result_free(r);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

/* Worst SMD and effect-estimate variance: designs vs plain randomization on
 * the states (outcome = linear in the standardized metrics + noise). */
static void test_design_gains(void **state) {
  (void)state;
  causal_dataset *ds = states();
  double y[50], z[50 * 8];
  for (int j = 0; j < 8; j++) {
    size_t col;
    assert_ok(causal_dataset_col_index(ds, METRICS[j], &col));
    double v[50], m = 0, s = 0;
    assert_ok(causal_dataset_col_to_f64(ds, col, v, 50));
    for (int i = 0; i < 50; i++)
      m += v[i] / 50;
    for (int i = 0; i < 50; i++)
      s += (v[i] - m) * (v[i] - m) / 49;
    for (int i = 0; i < 50; i++)
      z[i * 8 + j] = (v[i] - m) / sqrt(s);
  }
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 99, 0));
  double eps[50];
  assert_ok(causal_rng_normal(rng, 0, 1, eps, 50));
  causal_rng_free(rng);
  for (int i = 0; i < 50; i++) /* fixed potential outcomes */
    y[i] = z[i * 8 + 1] + z[i * 8 + 3] - z[i * 8 + 4] + 1.2 * eps[i];
  double mean_smd[3] = {0, 0, 0}, var_est[3] = {0, 0, 0};
  int reps = 150;
  for (int method = 1; method <= 3; method++) {
    causal_aa *aa = states_spec(2);
    assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, method));
    assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 1));
    assert_ok(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0.01));
    double s1 = 0, s2 = 0;
    for (int s = 0; s < reps; s++) {
      causal_result *r = NULL;
      assert_ok(causal_aa_set_int(aa, CAUSAL_AA_SEED, 1000 + s));
      assert_ok(causal_aa_split(&r, aa, ds));
      mean_smd[method - 1] += scal(r, "max_abs_smd") / reps;
      int64_t g[50];
      group_vector(r, g, 50);
      double m1 = 0, m0 = 0;
      for (int i = 0; i < 50; i++)
        *(g[i] ? &m1 : &m0) += y[i] / 25;
      s1 += m1 - m0;
      s2 += (m1 - m0) * (m1 - m0);
      causal_result_free(r);
    }
    var_est[method - 1] = (s2 - s1 * s1 / reps) / (reps - 1);
    causal_aa_free(aa);
  }
  /* plain randomization: worst |SMD| of 8 metrics around 0.5 */
  assert_true(mean_smd[2] > 0.35);
  assert_true(mean_smd[0] < 0.6 * mean_smd[2]);
  assert_true(mean_smd[1] < 0.15 * mean_smd[2]);
  assert_true(var_est[0] < 0.8 * var_est[2]);
  assert_true(var_est[1] < 0.8 * var_est[2]);
  causal_dataset_free(ds);
}

/* ---- randomization inference vs exact enumeration ---- */
static void test_randinf_exact(void **state) {
  (void)state;
  /* 8 units, 1 metric; allocations 4/4 (70). Accepted: M <= a. */
  double x[8] = {1.0, 2.5, 3.1, 4.0, 5.2, 6.6, 7.0, 9.9};
  double y[8] = {2.0, 3.1, 2.2, 5.0, 4.1, 7.3, 6.0, 9.0};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 8, CAUSAL_COPY));
  causal_aa *aa = NULL;
  assert_ok(causal_aa_new(&aa, 2));
  assert_ok(causal_aa_add_metric(aa, "x"));
  const double a = 0.3;
  assert_ok(causal_aa_set_double(aa, CAUSAL_AA_THRESHOLD, a));
  double xm = 0, s2 = 0;
  for (int i = 0; i < 8; i++)
    xm += x[i] / 8;
  for (int i = 0; i < 8; i++)
    s2 += (x[i] - xm) * (x[i] - xm) / 7;
  int64_t obs[8] = {1, 0, 0, 1, 1, 0, 0, 1};
  double tobs = 0;
  for (int i = 0; i < 8; i++)
    tobs += (obs[i] ? y[i] : -y[i]) / 4;
  int accepted = 0, extreme = 0;
  for (unsigned mask = 0; mask < 256; mask++) {
    if (__builtin_popcount(mask) != 4)
      continue;
    double dx = 0, dy = 0;
    for (int i = 0; i < 8; i++) {
      double sg = (mask >> i & 1) ? 0.25 : -0.25;
      dx += sg * x[i];
      dy += sg * y[i];
    }
    double M = dx * dx / (s2 * 0.5);
    if (M <= a) {
      accepted++;
      extreme += fabs(dy) >= fabs(tobs) - 1e-9 * fabs(tobs);
    }
  }
  assert_true(accepted >= 10 && accepted < 70);
  double pexact = (double)extreme / accepted;
  causal_result *r = NULL;
  assert_ok(causal_aa_randinf(&r, aa, ds, obs, 8, y, 8, 20000));
  assert_string_equal(causal_result_kind(r), "aa_randinf");
  assert_close(scal(r, "estimate"), tobs, 1e-14);
  /* (1 + B p) / (1 + B) with binomial noise sd <= 0.0036 */
  assert_true(fabs(scal(r, "p_value") - pexact) < 0.015);
  assert_true(scal(r, "raw_draws") > 20000 * 70.0 / accepted * 0.8);
  assert_int_equal(causal_result_nwarnings(r), 0);
  double p1 = scal(r, "p_value");
  causal_result_free(r);
  /* without acceptance (plain) the p-value differs: all 70 allocations */
  int ext_all = 0;
  for (unsigned mask = 0; mask < 256; mask++) {
    if (__builtin_popcount(mask) != 4)
      continue;
    double dy = 0;
    for (int i = 0; i < 8; i++)
      dy += ((mask >> i & 1) ? 0.25 : -0.25) * y[i];
    ext_all += fabs(dy) >= fabs(tobs) - 1e-9 * fabs(tobs);
  }
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_COMPLETE));
  assert_ok(causal_aa_randinf(&r, aa, ds, obs, 8, y, 8, 20000));
  assert_true(fabs(scal(r, "p_value") - ext_all / 70.0) < 0.015);
  assert_true(fabs(p1 - ext_all / 70.0) > 0.03); /* the rule matters here */
  causal_result_free(r);
  /* determinism */
  causal_result *r2 = NULL;
  assert_ok(causal_aa_randinf(&r, aa, ds, obs, 8, y, 8, 500));
  assert_ok(causal_aa_randinf(&r2, aa, ds, obs, 8, y, 8, 500));
  assert_close(scal(r, "p_value"), scal(r2, "p_value"), 0);
  causal_result_free(r);
  causal_result_free(r2);
  /* an observed allocation outside the acceptance region is flagged */
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_RERANDOMIZE));
  int64_t bad[8] = {0, 0, 0, 0, 1, 1, 1, 1};
  assert_ok(causal_aa_randinf(&r, aa, ds, bad, 8, y, 8, 100));
  assert_int_equal(causal_result_nwarnings(r), 1);
  causal_result_free(r);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

static void test_randinf_optimize_k3(void **state) {
  (void)state;
  causal_dataset *ds = states();
  causal_aa *aa = states_spec(3);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_METHOD, CAUSAL_AA_OPTIMIZE));
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 1));
  causal_result *r = NULL;
  assert_ok(causal_aa_split(&r, aa, ds));
  int64_t g[50];
  group_vector(r, g, 50);
  causal_result_free(r);
  /* a large effect in group 2 is detected; none gives a large p */
  double y[50], y0[50];
  for (int i = 0; i < 50; i++) {
    y0[i] = sin(3.0 * i);
    y[i] = y0[i] + (g[i] == 2 ? 2.0 : 0.0);
  }
  assert_ok(causal_aa_randinf(&r, aa, ds, g, 50, y, 50, 60));
  assert_true(scal(r, "p_value") < 0.05);
  assert_true(isnan(scal(r, "estimate")));
  causal_result_free(r);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

/* ---- bad input ---- */
static void test_errors(void **state) {
  (void)state;
  causal_aa *aa = NULL;
  causal_result *r = NULL;
  assert_status(causal_aa_new(&aa, 1), CAUSAL_ERANGE);
  assert_null(aa);
  assert_status(causal_aa_new(NULL, 2), CAUSAL_EINVAL);
  assert_ok(causal_aa_new(&aa, 2));
  assert_status(causal_aa_add_metric(aa, ""), CAUSAL_EINVAL);
  assert_status(causal_aa_add_metric(aa, NULL), CAUSAL_EINVAL);
  assert_ok(causal_aa_add_metric(aa, "x"));
  assert_status(causal_aa_add_metric(aa, "x"), CAUSAL_EEXISTS);
  assert_status(causal_aa_set_id(aa, ""), CAUSAL_EINVAL);
  int64_t sz3[3] = {2, 2, 2}, sz1[2] = {1, 5};
  assert_status(causal_aa_set_sizes(aa, sz3, 3), CAUSAL_EDIM);
  assert_status(causal_aa_set_sizes(aa, sz1, 2), CAUSAL_EINVAL);
  assert_error_mentions("sizes[0]");
  assert_status(causal_aa_set_int(aa, CAUSAL_AA_METHOD, 4), CAUSAL_ERANGE);
  assert_status(causal_aa_set_int(aa, CAUSAL_AA_SEED, -1), CAUSAL_ERANGE);
  assert_status(causal_aa_set_int(aa, 77, 1), CAUSAL_EINVAL);
  assert_status(causal_aa_set_int(aa, CAUSAL_AA_P_ACCEPT, 1), CAUSAL_ETYPE);
  assert_status(causal_aa_set_double(aa, CAUSAL_AA_METHOD, 1), CAUSAL_ETYPE);
  assert_status(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0), CAUSAL_ERANGE);
  assert_status(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, NAN),
                CAUSAL_ERANGE);
  assert_status(causal_aa_set_double(aa, CAUSAL_AA_THRESHOLD, INFINITY),
                CAUSAL_ERANGE);
  double lo, hi, dv;
  int64_t iv;
  assert_ok(causal_aa_bounds(CAUSAL_AA_P_ACCEPT, &lo, &hi));
  assert_true(lo > 0 && hi == 1);
  assert_status(causal_aa_bounds(0, &lo, &hi), CAUSAL_EINVAL);
  assert_ok(causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 4));
  assert_ok(causal_aa_get_int(aa, CAUSAL_AA_RESTARTS, &iv));
  assert_int_equal(iv, 4);
  assert_ok(causal_aa_get_double(aa, CAUSAL_AA_P_ACCEPT, &dv));
  assert_close(dv, 0.05, 0);
  assert_status(causal_aa_get_int(aa, CAUSAL_AA_P_ACCEPT, &iv), CAUSAL_EINVAL);
  assert_status(causal_aa_get_double(aa, CAUSAL_AA_SEED, &dv), CAUSAL_EINVAL);

  /* data problems */
  double x[6] = {1, 2, 3, 4, 5, 7}, c[6] = {3, 3, 3, 3, 3, 3};
  double xn[6] = {1, 2, NAN, 4, 5, 6}, xi[6] = {1, 2, INFINITY, 4, 5, 6};
  double x2[6] = {2, 4, 6, 8, 10, 14};
  const char *ids[6] = {"a", "b", "c", "b", "e", "f"};
  const char *ide[6] = {"a", "b", "", "d", "e", "f"};
  const char *idm[6] = {"a", "b", NULL, "d", "e", "f"};
  const char *st[6] = {"u", "u", "u", "u", "v", "v"};
  const char *cat[6] = {"u", "u", "u", "u", "v", "v"};
  int64_t iid[6] = {10, 11, 12, 13, 11, 15};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "const", c, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "xnan", xn, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "xinf", xi, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x2", x2, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "dup", ids, 6));
  assert_ok(causal_dataset_add_strings(ds, "empty", ide, 6));
  assert_ok(causal_dataset_add_strings(ds, "missing", idm, 6));
  assert_ok(causal_dataset_add_strings(ds, "st", st, 6));
  assert_ok(causal_dataset_add_strings(ds, "cat", cat, 6));
  assert_ok(causal_dataset_add_i64(ds, "iid", iid, NULL, 6, CAUSAL_COPY));

  assert_status(causal_aa_split(NULL, aa, ds), CAUSAL_EINVAL);
  assert_status(causal_aa_split(&r, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_aa_split(&r, aa, NULL), CAUSAL_EINVAL);
  assert_ok(causal_aa_set_id(aa, "dup"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_EINVAL);
  assert_null(r);
  assert_error_mentions("id 'b'");
  assert_error_mentions("duplicated (rows 1 and 3)");
  assert_ok(causal_aa_set_id(aa, "iid"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_EINVAL);
  assert_error_mentions("id '11'");
  assert_ok(causal_aa_set_id(aa, "empty"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_EINVAL);
  assert_error_mentions("empty at row 2");
  assert_ok(causal_aa_set_id(aa, "missing"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_EINVAL);
  assert_error_mentions("empty at row 2");
  assert_ok(causal_aa_set_id(aa, "x"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_ETYPE);
  assert_ok(causal_aa_set_id(aa, "nope"));
  assert_status(causal_aa_split(&r, aa, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nope");
  assert_ok(causal_aa_set_id(aa, NULL));
  assert_ok(causal_aa_split(&r, aa, ds)); /* fine without ids */
  assert_string_equal(causal_result_dimname(r, "group", 0, 5), "6");
  causal_result_free(r);

  causal_aa *b = NULL;
  assert_ok(causal_aa_new(&b, 2));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_EINVAL);
  assert_error_mentions("no metric");
  assert_ok(causal_aa_add_metric(b, "const"));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_EINVAL);
  assert_error_mentions("metric 'const' has zero variance");
  causal_aa_free(b);
  const char *bad[4] = {"xnan", "xinf", "cat", "nothere"};
  const int code[4] = {CAUSAL_EMISSING, CAUSAL_ENONFINITE, CAUSAL_ETYPE,
                       CAUSAL_ENOTFOUND};
  for (int t = 0; t < 4; t++) {
    assert_ok(causal_aa_new(&b, 2));
    assert_ok(causal_aa_add_metric(b, bad[t]));
    assert_status(causal_aa_split(&r, b, ds), code[t]);
    assert_error_mentions(bad[t]);
    causal_aa_free(b);
  }
  assert_error_mentions("nothere");
  assert_ok(causal_aa_new(&b, 2));
  assert_ok(causal_aa_add_metric(b, "x"));
  assert_ok(causal_aa_add_metric(b, "x2"));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_ESINGULAR);
  assert_error_mentions("metric 'x2'");
  causal_aa_free(b);
  /* more groups than units can fill */
  assert_ok(causal_aa_new(&b, 4));
  assert_ok(causal_aa_add_metric(b, "x"));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_EINVAL);
  assert_error_mentions("6 units cannot form k = 4 groups");
  causal_aa_free(b);
  /* stratum too small for the groups; sizes not summing to N */
  assert_ok(causal_aa_new(&b, 3));
  assert_ok(causal_aa_add_metric(b, "x"));
  assert_ok(causal_aa_set_strata(b, "st"));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_EINVAL);
  assert_error_mentions("stratum 'v'");
  assert_error_mentions("cannot be balanced");
  assert_ok(causal_aa_set_strata(b, "x"));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_ETYPE);
  assert_ok(causal_aa_set_strata(b, NULL));
  assert_ok(causal_aa_set_sizes(b, sz3, 3));
  assert_ok(causal_aa_split(&r, b, ds));
  causal_result_free(r);
  int64_t sz4[3] = {2, 2, 3};
  assert_ok(causal_aa_set_sizes(b, sz4, 3));
  assert_status(causal_aa_split(&r, b, ds), CAUSAL_EDIM);
  assert_error_mentions("sum to 7");
  causal_aa_free(b);

  /* balance / randinf arguments */
  int64_t g[6] = {0, 1, 0, 1, 0, 1}, gbad[6] = {0, 1, 2, 1, 0, 1};
  int64_t gone[6] = {0, 1, 1, 1, 1, 1};
  double y[6] = {1, 2, 3, 4, 5, 6}, yn[6] = {1, 2, NAN, 4, 5, 6};
  assert_status(causal_aa_balance(&r, aa, ds, NULL, 6), CAUSAL_EINVAL);
  assert_status(causal_aa_balance(&r, aa, ds, g, 5), CAUSAL_EDIM);
  assert_status(causal_aa_balance(&r, aa, ds, gbad, 6), CAUSAL_ERANGE);
  assert_error_mentions("group[2] = 2");
  assert_status(causal_aa_balance(&r, aa, ds, gone, 6), CAUSAL_EINVAL);
  assert_error_mentions("group 0 has 1 units");
  assert_status(causal_aa_randinf(&r, aa, ds, g, 6, y, 5, 10), CAUSAL_EDIM);
  assert_status(causal_aa_randinf(&r, aa, ds, g, 6, yn, 6, 10),
                CAUSAL_ENONFINITE);
  assert_error_mentions("y[2] is NaN");
  assert_status(causal_aa_randinf(&r, aa, ds, g, 6, y, 6, 0), CAUSAL_ERANGE);
  assert_status(causal_aa_randinf(&r, aa, ds, gone, 6, y, 6, 10),
                CAUSAL_EINVAL);
  assert_status(causal_aa_randinf(&r, aa, ds, NULL, 6, y, 6, 10),
                CAUSAL_EINVAL);

  /* MDE arguments */
  double v = 1, vz = 0;
  int64_t s2[2] = {5, 5}, s0[2] = {0, 5}, s11[2] = {1, 1};
  assert_status(causal_aa_mde(&r, &vz, 1, s2, 2, 0.05, 0.8, 0, 0, 0.1),
                CAUSAL_EINVAL);
  assert_error_mentions("variance[0]");
  assert_status(causal_aa_mde(&r, &v, 0, s2, 2, 0.05, 0.8, 0, 0, 0.1),
                CAUSAL_EINVAL);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 1, 0.05, 0.8, 0, 0, 0.1),
                CAUSAL_EINVAL);
  assert_status(causal_aa_mde(&r, &v, 1, s0, 2, 0.05, 0.8, 0, 0, 0.1),
                CAUSAL_EINVAL);
  assert_status(causal_aa_mde(&r, &v, 1, s11, 2, 0.05, 0.8, 0, 0, 0.1),
                CAUSAL_EINVAL);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 2, 0, 0.8, 0, 0, 0.1),
                CAUSAL_ERANGE);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 2, 0.05, 1, 0, 0, 0.1),
                CAUSAL_ERANGE);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 2, 0.05, 0.8, 1.5, 0, 0.1),
                CAUSAL_ERANGE);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 2, 0.05, 0.8, 0.5, -1, 0.1),
                CAUSAL_ERANGE);
  assert_status(causal_aa_mde(&r, &v, 1, s2, 2, 0.05, 0.8, 0.5, 2, 0),
                CAUSAL_ERANGE);
  assert_status(causal_aa_mde(&r, NULL, 1, s2, 2, 0.05, 0.8, 0.5, 2, 0.1),
                CAUSAL_EINVAL);
  assert_null(r);
  causal_aa_free(aa);
  causal_aa_free(NULL);
  causal_dataset_free(ds);
}

/* ---- out of memory ---- */
typedef struct oom_arg {
  causal_dataset *ds;
  int method;
  int what; /* 0 spec + split, 1 balance, 2 randinf, 3 mde */
} oom_arg;

static int oom_run(void *p) {
  oom_arg *o = p;
  causal_aa *aa = NULL;
  causal_result *r = NULL;
  int rc;
  if (o->what == 3) {
    double v[2] = {1, 2};
    int64_t s[3] = {5, 6, 7};
    rc = causal_aa_mde(&r, v, 2, s, 3, 0.05, 0.8, 0.5, 2, 0.1);
    causal_result_free(r);
    return rc;
  }
  if ((rc = causal_aa_new(&aa, 2)) != CAUSAL_OK)
    return rc;
  int64_t sizes[2] = {24, 26};
  if ((rc = causal_aa_add_metric(aa, "income")) ||
      (rc = causal_aa_add_metric(aa, "murder")) ||
      (rc = causal_aa_add_metric(aa, "frost")) ||
      (rc = causal_aa_add_metric(aa, "area")) ||
      (rc = causal_aa_add_metric(aa, "hs_grad")) ||
      (rc = causal_aa_set_id(aa, "state")) ||
      (rc = causal_aa_set_strata(aa, "region")) ||
      (rc = causal_aa_set_sizes(aa, sizes, 2)) ||
      (rc = causal_aa_set_int(aa, CAUSAL_AA_METHOD, o->method)) ||
      (rc = causal_aa_set_int(aa, CAUSAL_AA_RESTARTS, 1)))
    goto out;
  int64_t g[50];
  double y[50];
  for (int i = 0; i < 50; i++) {
    g[i] = i % 2;
    y[i] = i * 0.5;
  }
  if (o->what == 0)
    rc = causal_aa_split(&r, aa, o->ds);
  else if (o->what == 1)
    rc = causal_aa_balance(&r, aa, o->ds, g, 50);
  else
    rc = causal_aa_randinf(&r, aa, o->ds, g, 50, y, 50, 3);
out:
  causal_result_free(r);
  causal_aa_free(aa);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  oom_arg o = {states(), 1, 0};
  for (int m = 1; m <= 3; m++) {
    o.method = m;
    o.what = 0;
    cz_oom_sweep(oom_run, &o);
    o.what = 2;
    cz_oom_sweep(oom_run, &o);
  }
  o.what = 1;
  cz_oom_sweep(oom_run, &o);
  o.what = 3;
  cz_oom_sweep(oom_run, &o);
  causal_dataset_free(o.ds);
}

/* Caller data untouched and k > 10 group names. */
static void test_many_groups(void **state) {
  (void)state;
  causal_dataset *ds = states();
  causal_aa *aa = NULL;
  assert_ok(causal_aa_new(&aa, 12));
  assert_ok(causal_aa_add_metric(aa, "income"));
  assert_ok(causal_aa_add_metric(aa, "murder"));
  assert_ok(causal_aa_set_double(aa, CAUSAL_AA_P_ACCEPT, 0.3));
  causal_result *r = NULL;
  assert_ok(causal_aa_split(&r, aa, ds));
  assert_string_equal(causal_result_dimname(r, "means", 1, 11), "11");
  assert_close(vec_at(r, "size", 0), 5, 0); /* 50 = 2 x 5 + 10 x 4 */
  assert_close(vec_at(r, "size", 11), 4, 0);
  assert_close(scal(r, "mahalanobis_df"), 22, 0);
  causal_result_free(r);
  causal_aa_free(aa);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_two_groups),
      cmocka_unit_test(test_report_three_groups),
      cmocka_unit_test(test_threshold_va),
      cmocka_unit_test(test_mde),
      cmocka_unit_test(test_rerandomize),
      cmocka_unit_test(test_mahalanobis_distribution),
      cmocka_unit_test(test_strata_sizes),
      cmocka_unit_test(test_optimize),
      cmocka_unit_test(test_design_gains),
      cmocka_unit_test(test_randinf_exact),
      cmocka_unit_test(test_randinf_optimize_k3),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_many_groups),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
