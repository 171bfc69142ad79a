/* Regression: specification API, model frame, OLS/WLS against R and
 * statsmodels references, NIST StRD, Wald tests, bad input, OOM. */
#include "testutil.h"

#include "internal/regress.h"

/* ---- helpers ---------------------------------------------------------- */

static causal_regress *new_ols(void) {
  causal_regress *m = NULL;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  assert_non_null(m);
  return m;
}

/* 8 rows: y, x (NaN at row 2), g strings (NULL at row 5), w (0 at row 6),
 * cl int64 with a mask (row 7 missing), f categorical for absorbing. */
static causal_dataset *frame_ds(void) {
  static const double y[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const double x[8] = {0.5, 1.5, NAN, 2.0, 3.0, 1.0, 4.0, 2.5};
  static const char *const g[8] = {"b", "a", "b", "a", "b", NULL, "a", "b"};
  static const double w[8] = {1, 2, 1, 2, 1, 2, 0, 1};
  static const int64_t cl[8] = {30, 10, 20, 30, 10, 20, 30, 10};
  static const uint8_t clv[8] = {1, 1, 1, 1, 1, 1, 1, 0};
  static const double f[8] = {2.5, -1, 2.5, 7, -1, 7, 2.5, -1};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "g", g, 8));
  assert_ok(causal_dataset_add_f64(ds, "w", w, NULL, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "cl", cl, clv, 8, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "f", f, NULL, 8, CAUSAL_COPY));
  return ds;
}

static void test_frame_basic(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_set_weights(m, "w"));
  assert_ok(causal_regress_add_cluster(m, "cl"));
  cz_frame f;
  assert_ok(cz_frame_build(&f, m, ds));
  /* dropped: row 2 (x NaN), 5 (g missing), 6 (w = 0), 7 (cl missing) */
  assert_int_equal(f.n, 4);
  assert_int_equal(f.n_dropped, 4);
  const size_t rows[4] = {0, 1, 3, 4};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(f.rows[i], rows[i]);
    assert_true(f.y[i] == (double)rows[i] + 1);
  }
  assert_int_equal(f.k, 3);
  assert_string_equal(f.xnames[0], "(Intercept)");
  assert_string_equal(f.xnames[1], "x");
  assert_string_equal(f.xnames[2], "g[b]");
  const double gb[4] = {1, 0, 0, 1}, xv[4] = {0.5, 1.5, 2.0, 3.0};
  for (size_t i = 0; i < 4; i++) {
    assert_true(f.X[i] == 1.0);
    assert_true(f.X[4 + i] == xv[i]);
    assert_true(f.X[8 + i] == gb[i]);
  }
  assert_non_null(f.w);
  assert_true(f.w[1] == 2.0);
  assert_int_equal(f.ncluster_dims, 1);
  assert_int_equal(f.ncl[0], 2); /* 30, 10, 30, 10 -> codes 1 0 1 0 */
  const int32_t codes[4] = {1, 0, 1, 0};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(f.cl[0][i], codes[i]);
  assert_int_equal(f.n_used_cols, 5);
  const char *used[5] = {"y", "x", "g", "w", "cl"};
  const double cnt[5] = {0, 1, 1, 0, 1};
  for (size_t j = 0; j < 5; j++) {
    assert_string_equal(f.used_cols[j], used[j]);
    assert_true(f.dropped_by_col[j] == cnt[j]);
  }
  assert_null(f.Xe);
  assert_null(f.Z);
  assert_int_equal(f.nfe, 0);
  cz_frame_free(&f);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

static void test_frame_absorb(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_add_absorb(m, "f"));
  cz_frame f;
  assert_ok(cz_frame_build(&f, m, ds));
  assert_int_equal(f.n, 7); /* only row 5 (g missing) */
  /* the intercept is absorbed; g keeps treatment contrasts */
  assert_int_equal(f.k, 1);
  assert_string_equal(f.xnames[0], "g[b]");
  assert_int_equal(f.nfe, 1);
  assert_int_equal(f.fe_levels[0], 3); /* -1, 2.5, 7 */
  const int32_t codes[7] = {1, 0, 1, 2, 0, 1, 0};
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(f.fe[0][i], codes[i]);
  cz_frame_free(&f);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

static void test_frame_errors(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  cz_frame f;
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_EINVAL); /* no outcome */
  assert_error_mentions("outcome");
  assert_ok(causal_regress_set_outcome(m, "nope"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nope");
  assert_ok(causal_regress_set_outcome(m, "g"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ETYPE);
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "zz"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("zz");
  causal_regress_free(m);
  /* negative weight names the row; Inf weight; Inf regressor */
  double w[8] = {1, 1, 1, 1, -2, 1, 1, 1};
  assert_ok(causal_dataset_add_f64(ds, "wneg", w, NULL, 8, CAUSAL_COPY));
  w[4] = INFINITY;
  assert_ok(causal_dataset_add_f64(ds, "winf", w, NULL, 8, CAUSAL_COPY));
  double xi[8] = {1, 2, 3, 4, 5, 6, -INFINITY, 8};
  assert_ok(causal_dataset_add_f64(ds, "xinf", xi, NULL, 8, CAUSAL_COPY));
  double z[8] = {0};
  assert_ok(causal_dataset_add_f64(ds, "wzero", z, NULL, 8, CAUSAL_COPY));
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_set_weights(m, "wneg"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ERANGE);
  assert_error_mentions("row 4");
  assert_ok(causal_regress_set_weights(m, "winf"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENONFINITE);
  assert_error_mentions("row 4");
  assert_ok(causal_regress_set_weights(m, "wzero"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_EMISSING);
  assert_error_mentions("zero weights");
  causal_regress_free(m);
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "xinf"));
  assert_status(cz_frame_build(&f, m, ds), CAUSAL_ENONFINITE);
  assert_error_mentions("'xinf' is -Inf at row 6");
  causal_regress_free(m);
  causal_dataset_free(ds);
}

typedef struct frame_arg {
  const causal_dataset *ds;
  const causal_regress *m;
} frame_arg;

static int frame_oom_run(void *p) {
  frame_arg *fa = p;
  cz_frame f;
  int rc = cz_frame_build(&f, fa->m, fa->ds);
  if (rc == CAUSAL_OK)
    cz_frame_free(&f);
  return rc;
}

static void test_frame_oom(void **state) {
  (void)state;
  causal_dataset *ds = frame_ds();
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_ok(causal_regress_set_weights(m, "w"));
  assert_ok(causal_regress_add_cluster(m, "cl"));
  assert_ok(causal_regress_add_absorb(m, "f"));
  frame_arg fa = {ds, m};
  cz_oom_sweep(frame_oom_run, &fa);
  causal_regress_free(m);
  causal_dataset_free(ds);
}


/* ---- reference comparisons (tests/ref/ols_reference.R, .py) ---------- */

typedef struct refrow {
  char c[48], q[32], t[64];
  double v;
} refrow;

typedef struct reftab {
  refrow *r;
  size_t n;
} reftab;

static reftab load_ref(const char *rel) {
  FILE *fp = fopen(cz_test_path(rel), "r");
  if (fp == NULL)
    fail_msg("cannot open %s", rel);
  reftab t = {NULL, 0};
  size_t cap = 0;
  char line[512];
  if (fgets(line, sizeof line, fp) == NULL) /* header */
    fail_msg("empty %s", rel);
  while (fgets(line, sizeof line, fp)) {
    if (t.n == cap) {
      cap = cap ? 2 * cap : 256;
      t.r = realloc(t.r, cap * sizeof *t.r);
      assert_non_null(t.r);
    }
    refrow *r = &t.r[t.n];
    char *f[4];
    char *p = line;
    for (int i = 0; i < 4; i++) {
      f[i] = p;
      p = strchr(p, i < 3 ? ',' : '\n');
      if (p == NULL && i < 3)
        fail_msg("bad line in %s: %s", rel, line);
      if (p)
        *p++ = '\0';
    }
    snprintf(r->c, sizeof r->c, "%s", f[0]);
    snprintf(r->q, sizeof r->q, "%s", f[1]);
    snprintf(r->t, sizeof r->t, "%s", f[2]);
    r->v = strcmp(f[3], "NA") == 0 ? NAN : strtod(f[3], NULL);
    t.n++;
  }
  fclose(fp);
  return t;
}

static causal_dataset *read_csv(const char *rel, const char *cat_col) {
  causal_csv_options *o = NULL;
  assert_ok(causal_csv_options_new(&o));
  if (cat_col)
    assert_ok(causal_csv_options_set_type(o, cat_col, CAUSAL_TYPE_CAT));
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, cz_test_path(rel), o));
  causal_csv_options_free(o);
  return ds;
}

static int table_col(const char *q) {
  static const char *const cols[6] = {"estimate", "std_error", "statistic",
                                      "p_value",  "conf_low",  "conf_high"};
  for (int j = 0; j < 6; j++)
    if (strcmp(q, cols[j]) == 0)
      return j;
  return -1;
}

static int is_scalar_q(const char *q) {
  static const char *const s[] = {"r_squared", "adj_r_squared", "sigma",
                                  "loglik",    "aic",           "bic",
                                  "rss",       "df_residual",   "df",
                                  "f_statistic", "f_p_value",
                                  "nobs",      "n_singletons"};
  for (size_t j = 0; j < sizeof s / sizeof s[0]; j++)
    if (strcmp(q, s[j]) == 0)
      return 1;
  return 0;
}

/* Max relative error over every reference value of `case` that the fit
 * reports; fails above tol. Returns the number of values compared. */
static size_t compare_case(const reftab *ref, const char *cs,
                           const causal_result *r, double tol,
                           double *maxrel) {
  const double *tab;
  size_t nt, nc, cnt = 0;
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &nt, &nc));
  for (size_t i = 0; i < ref->n; i++) {
    const refrow *e = &ref->r[i];
    if (strcmp(e->c, cs) != 0)
      continue;
    double got;
    int j = table_col(e->q);
    if (j >= 0) {
      size_t row = 0;
      while (row < nt &&
             strcmp(causal_result_dimname(r, "coef", 0, row), e->t) != 0)
        row++;
      if (row == nt)
        fail_msg("%s: term '%s' not in the coef table", cs, e->t);
      got = tab[row + (size_t)j * nt];
    } else if (is_scalar_q(e->q)) {
      assert_ok(causal_result_get_scalar(r, e->q, &got));
    } else if (strcmp(e->q, "df_bm") == 0) {
      const double *v;
      size_t n;
      assert_ok(causal_result_get_vector(r, "df_bm", &v, &n));
      size_t row = 0;
      while (row < n &&
             strcmp(causal_result_dimname(r, "df_bm", 0, row), e->t) != 0)
        row++;
      assert_true(row < n);
      got = v[row];
    } else {
      continue;
    }
    double den = fabs(e->v) > 1e-300 ? fabs(e->v) : 1e-300;
    double rel = isinf(e->v) && got == e->v ? 0 : fabs(got - e->v) / den;
    if (rel > *maxrel)
      *maxrel = rel;
    if (!(rel <= tol))
      fail_msg("%s %s[%s] = %.17g, reference %.17g (rel err %.3g > %.3g)", cs,
               e->q, e->t, got, e->v, rel, tol);
    cnt++;
  }
  return cnt;
}

typedef struct refspec {
  const char *cs;
  const char *file;
  const char *catcol;
  const char *terms[10];
  const char *weights;
  const char *cl1, *cl2;
  int vcov, ssc;
} refspec;

#define CPS_TERMS                                                              \
  {"education", "experience", "gender", "union", "ethnicity", "married", NULL}
#define CIG_TERMS {"lrprice", "lrincome", "year", NULL}
#define LAL_TERMS                                                              \
  {"treat", "age", "educ", "race", "married", "nodegree", "re74", "re75", NULL}

static const refspec specs[] = {
    {"cps_classical", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R},
    {"cps_HC0", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC0, CAUSAL_SSC_R},
    {"cps_HC1", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"cps_HC2", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC2, CAUSAL_SSC_R},
    {"cps_HC3", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC3, CAUSAL_SSC_R},
    {"cps_HC1_fixest", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC1, CAUSAL_SSC_FIXEST},
    {"cps_CR0", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation", NULL,
     CAUSAL_VCOV_CR0, CAUSAL_SSC_R},
    {"cps_CR1", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation", NULL,
     CAUSAL_VCOV_CR1, CAUSAL_SSC_STATA},
    {"cps_CR2", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation", NULL,
     CAUSAL_VCOV_CR2, CAUSAL_SSC_R},
    {"cps_2way_R", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation",
     "sector", CAUSAL_VCOV_CR1, CAUSAL_SSC_R},
    {"cps_2way_CR0", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation",
     "sector", CAUSAL_VCOV_CR0, CAUSAL_SSC_R},
    {"cps_2way_stata", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation",
     "sector", CAUSAL_VCOV_CR1, CAUSAL_SSC_STATA},
    {"cig_wls", "data/ols_cig.csv", "year", CIG_TERMS, "population", NULL,
     NULL, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R},
    {"cig_HC1", "data/ols_cig.csv", "year", CIG_TERMS, "population", NULL,
     NULL, CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"cig_HC2", "data/ols_cig.csv", "year", CIG_TERMS, "population", NULL,
     NULL, CAUSAL_VCOV_HC2, CAUSAL_SSC_R},
    {"cig_CR1", "data/ols_cig.csv", "year", CIG_TERMS, "population", "state",
     NULL, CAUSAL_VCOV_CR1, CAUSAL_SSC_R},
    {"cig_CR2", "data/ols_cig.csv", "year", CIG_TERMS, "population", "state",
     NULL, CAUSAL_VCOV_CR2, CAUSAL_SSC_R},
    {"lalonde_HC0", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC0, CAUSAL_SSC_R},
    {"lalonde_HC1", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"lalonde_HC2", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC2, CAUSAL_SSC_R},
    {"lalonde_HC3", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL, NULL,
     CAUSAL_VCOV_HC3, CAUSAL_SSC_R},
    {"sm_lalonde_classical", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL,
     NULL, NULL, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_STATSMODELS},
    {"sm_lalonde_HC0", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL,
     NULL, CAUSAL_VCOV_HC0, CAUSAL_SSC_STATSMODELS},
    {"sm_lalonde_HC1", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL,
     NULL, CAUSAL_VCOV_HC1, CAUSAL_SSC_STATSMODELS},
    {"sm_lalonde_HC2", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL,
     NULL, CAUSAL_VCOV_HC2, CAUSAL_SSC_STATSMODELS},
    {"sm_lalonde_HC3", "data/ols_lalonde.csv", NULL, LAL_TERMS, NULL, NULL,
     NULL, CAUSAL_VCOV_HC3, CAUSAL_SSC_STATSMODELS},
    {"sm_cps_CR1", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation",
     NULL, CAUSAL_VCOV_CR1, CAUSAL_SSC_STATSMODELS},
    {"sm_cps_2way", "data/ols_cps.csv", NULL, CPS_TERMS, NULL, "occupation",
     "sector", CAUSAL_VCOV_CR1, CAUSAL_SSC_STATSMODELS},
};

static causal_result *fit_spec(const refspec *s, const causal_dataset *ds) {
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(
      m, strstr(s->file, "cps") ? "lwage"
                                : strstr(s->file, "cig") ? "lpacks" : "re78"));
  for (size_t j = 0; s->terms[j]; j++)
    assert_ok(causal_regress_add_term(m, s->terms[j]));
  if (s->weights)
    assert_ok(causal_regress_set_weights(m, s->weights));
  if (s->cl1)
    assert_ok(causal_regress_add_cluster(m, s->cl1));
  if (s->cl2)
    assert_ok(causal_regress_add_cluster(m, s->cl2));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, s->vcov));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_SSC, s->ssc));
  causal_result *r = NULL;
  assert_ok(causal_regress_fit(&r, m, ds));
  causal_regress_free(m);
  return r;
}

static void test_references(void **state) {
  (void)state;
  reftab ref = load_ref("data/ols_reference.csv");
  reftab sm = load_ref("data/ols_reference_sm.csv");
  double worst = 0;
  size_t total = 0;
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    const refspec *s = &specs[i];
    causal_dataset *ds = read_csv(s->file, s->catcol);
    causal_result *r = fit_spec(s, ds);
    double maxrel = 0;
    /* weighted CR2: libcausal applies Bell-McCaffrey to the sqrt(w)-scaled
     * regression; clubSandwich's inverse-variance working model differs
     * slightly (docs/methods/ols.md), hence the looser tolerance there. */
    double tol = strcmp(s->cs, "cig_CR2") == 0 ? 2e-3 : 1e-8;
    size_t cnt = compare_case(strncmp(s->cs, "sm_", 3) ? &ref : &sm, s->cs, r,
                              tol, &maxrel);
    if (cnt < 10)
      fail_msg("%s: only %zu reference values compared", s->cs, cnt);
    /* CR2 needs the design matrix: the QR path; the others are well
     * conditioned and take the normal-equations fast path */
    const char *solver = NULL;
    assert_ok(causal_result_get_string(r, "solver", &solver));
    assert_string_equal(solver,
                        s->vcov == CAUSAL_VCOV_CR2 ? "qr" : "cholesky");
    print_message("%-22s %4zu values, max rel err %.2e (%s)\n", s->cs, cnt,
                  maxrel, solver);
    if (maxrel > worst)
      worst = maxrel;
    total += cnt;
    causal_result_free(r);
    causal_dataset_free(ds);
  }
  print_message("references: %zu values, max rel err %.2e\n", total, worst);
  free(ref.r);
  free(sm.r);
}

/* ---- NIST StRD linear regression ---------------------------------------- */

typedef struct nist_case {
  const char *name;
  int degree;  /* polynomial in x (0: the columns as given) */
  int ncols;   /* predictor columns in the file */
  int intercept;
  double min_lre;
  const char *solver; /* the path expected: "qr" for the ill-conditioned */
} nist_case;

static double lre(double got, double want) {
  if (got == want)
    return 15.0;
  double r = want != 0 ? fabs(got - want) / fabs(want) : fabs(got);
  double l = -log10(r);
  return l > 15.0 ? 15.0 : l;
}

static void nist_run(const nist_case *c, double out[4]) {
  char rel[64];
  snprintf(rel, sizeof rel, "data/nist/%s.dat", c->name);
  FILE *fp = fopen(cz_test_path(rel), "r");
  assert_non_null(fp);
  char line[512];
  double cb[16], cse[16], csd = NAN, cr2 = NAN;
  int nb = 0, in_data = 0;
  size_t n = 0, cap = 0;
  double *vals = NULL; /* row-major y, x... */
  int nv = 1 + c->ncols;
  while (fgets(line, sizeof line, fp)) {
    if (in_data) {
      double v[8];
      char *p = line, *e;
      int got = 0;
      for (; got < nv; got++) {
        v[got] = strtod(p, &e);
        if (e == p)
          break;
        p = e;
      }
      if (got < nv)
        continue;
      if (n == cap) {
        cap = cap ? 2 * cap : 128;
        vals = realloc(vals, cap * (size_t)nv * sizeof *vals);
        assert_non_null(vals);
      }
      memcpy(vals + n * (size_t)nv, v, (size_t)nv * sizeof *v);
      n++;
      continue;
    }
    char bn[8];
    double a, b;
    if (sscanf(line, " B%7[0-9] %lf %lf", bn, &a, &b) == 3 && nb < 16) {
      cb[nb] = a;
      cse[nb] = b;
      nb++;
    } else if (strstr(line, "Standard Deviation") &&
               sscanf(strstr(line, "Deviation") + 9, "%lf", &a) == 1) {
      csd = a;
    } else if (strstr(line, "R-Squared") &&
               sscanf(strstr(line, "Squared") + 7, "%lf", &a) == 1) {
      cr2 = a;
    } else if (strncmp(line, "Data:", 5) == 0 && strchr(line, 'y') &&
               strstr(line, "Response") == NULL) {
      in_data = 1;
    }
  }
  fclose(fp);
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  double *col = malloc(n * sizeof *col);
  assert_non_null(col);
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_set_intercept(m, c->intercept));
  assert_ok(causal_regress_set_double(m, CAUSAL_REGRESS_RANK_TOL, 1e-15));
  for (int j = 0; j < nv; j++) {
    for (size_t i = 0; i < n; i++)
      col[i] = vals[i * (size_t)nv + (size_t)j];
    char nm[16];
    snprintf(nm, sizeof nm, j == 0 ? "y" : "x%d", j);
    assert_ok(causal_dataset_add_f64(ds, nm, col, NULL, n, CAUSAL_COPY));
    if (j > 0)
      assert_ok(causal_regress_add_term(m, nm));
  }
  for (int d = 2; d <= c->degree; d++) {
    for (size_t i = 0; i < n; i++) {
      double x = vals[i * (size_t)nv + 1], p = x;
      for (int e = 1; e < d; e++)
        p *= x;
      col[i] = p;
    }
    char nm[16];
    snprintf(nm, sizeof nm, "x1^%d", d);
    assert_ok(causal_dataset_add_f64(ds, nm, col, NULL, n, CAUSAL_COPY));
    assert_ok(causal_regress_add_term(m, nm));
  }
  causal_result *r = NULL;
  assert_ok(causal_regress_fit(&r, m, ds));
  const double *tab;
  size_t nt, ncol;
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &nt, &ncol));
  assert_int_equal(nt, (size_t)nb);
  double lb = 15, ls = 15, sd, r2;
  for (size_t j = 0; j < nt; j++) {
    double l1 = lre(tab[j], cb[j]), l2 = lre(tab[j + nt], cse[j]);
    lb = l1 < lb ? l1 : lb;
    ls = l2 < ls ? l2 : ls;
  }
  assert_ok(causal_result_get_scalar(r, "sigma", &sd));
  assert_ok(causal_result_get_scalar(r, "r_squared", &r2));
  const char *solver = NULL;
  assert_ok(causal_result_get_string(r, "solver", &solver));
  if (strcmp(solver, c->solver) != 0)
    fail_msg("%s: solver %s, expected %s", c->name, solver, c->solver);
  out[0] = lb;
  out[1] = ls;
  out[2] = lre(sd, csd);
  out[3] = lre(r2, cr2);
  causal_result_free(r);
  causal_regress_free(m);
  causal_dataset_free(ds);
  free(col);
  free(vals);
}

static void test_nist(void **state) {
  (void)state;
  static const nist_case cases[] = {
      {"Norris", 1, 1, 1, 12, "cholesky"},
      {"Pontius", 2, 1, 1, 12, "cholesky"},
      {"NoInt1", 1, 1, 0, 12, "cholesky"},
      {"NoInt2", 1, 1, 0, 12, "cholesky"},
      {"Filip", 10, 1, 1, 6, "qr"},
      {"Longley", 0, 6, 1, 12, "cholesky"},
      {"Wampler1", 5, 1, 1, 12, "qr"},
      {"Wampler2", 5, 1, 1, 12, "qr"},
      {"Wampler3", 5, 1, 1, 12, "qr"},
      {"Wampler4", 5, 1, 1, 12, "qr"},
      {"Wampler5", 5, 1, 1, 12, "qr"},
  };
  print_message("%-9s %6s %6s %6s %6s  (LRE: coef, SE, resid SD, R2)\n",
                "dataset", "coef", "se", "sd", "r2");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double l[4];
    nist_run(&cases[i], l);
    print_message("%-9s %6.1f %6.1f %6.1f %6.1f\n", cases[i].name, l[0], l[1],
                  l[2], l[3]);
    for (int q = 0; q < 4; q++)
      if (l[q] < cases[i].min_lre)
        fail_msg("%s: LRE %.1f below %.1f (quantity %d)", cases[i].name, l[q],
                 cases[i].min_lre, q);
  }
}

/* ---- specification API -------------------------------------------------- */

static void test_spec_api(void **state) {
  (void)state;
  causal_regress *m = (causal_regress *)1;
  assert_status(causal_regress_new(&m, 0), CAUSAL_ERANGE);
  assert_null(m);
  assert_status(causal_regress_new(NULL, CAUSAL_REGRESS_OLS), CAUSAL_EINVAL);
  causal_regress_free(NULL);
  m = new_ols();
  assert_status(causal_regress_set_outcome(NULL, "y"), CAUSAL_EINVAL);
  assert_status(causal_regress_set_outcome(m, NULL), CAUSAL_EINVAL);
  assert_status(causal_regress_set_outcome(m, ""), CAUSAL_EINVAL);
  assert_status(causal_regress_add_term(m, NULL), CAUSAL_EINVAL);
  assert_status(causal_regress_add_term(m, "a::b"), CAUSAL_EPARSE);
  assert_error_mentions("a::b");
  assert_ok(causal_regress_add_term(m, "a:b"));
  assert_status(causal_regress_add_term(m, "b:a"), CAUSAL_EEXISTS);
  assert_status(causal_regress_set_intercept(m, 2), CAUSAL_ERANGE);
  assert_status(causal_regress_set_reference(m, "g", NULL), CAUSAL_EINVAL);
  assert_ok(causal_regress_set_reference(m, "g", "a"));
  assert_ok(causal_regress_set_reference(m, "g", "b")); /* replaces */
  assert_status(causal_regress_set_weights(m, ""), CAUSAL_EINVAL);
  assert_status(causal_regress_set_offset(m, "o"), CAUSAL_EINVAL);
  assert_error_mentions("LOGIT");
  assert_status(causal_regress_add_endogenous(m, "x"), CAUSAL_EINVAL);
  assert_status(causal_regress_add_instrument(m, "z"), CAUSAL_EINVAL);
  assert_ok(causal_regress_add_cluster(m, "c1"));
  assert_status(causal_regress_add_cluster(m, "c1"), CAUSAL_EEXISTS);
  assert_ok(causal_regress_add_cluster(m, "c2"));
  assert_status(causal_regress_add_cluster(m, "c3"), CAUSAL_ERANGE);
  assert_ok(causal_regress_add_absorb(m, "f"));
  assert_status(causal_regress_add_absorb(m, "f"), CAUSAL_EEXISTS);
  /* every option key: bounds, range errors, wrong kind, round trip */
  static const int ikeys[] = {CAUSAL_REGRESS_VCOV, CAUSAL_REGRESS_SSC,
                              CAUSAL_REGRESS_RANK, CAUSAL_REGRESS_MAXITER,
                              CAUSAL_REGRESS_KEEP_FITTED,
                              CAUSAL_REGRESS_IV_METHOD};
  static const int dkeys[] = {CAUSAL_REGRESS_CONF_LEVEL, CAUSAL_REGRESS_TOL,
                              CAUSAL_REGRESS_RANK_TOL, CAUSAL_REGRESS_L2,
                              CAUSAL_REGRESS_FULLER_ALPHA};
  for (size_t i = 0; i < 6; i++) {
    double lo, hi;
    int64_t v;
    assert_ok(causal_regress_bounds(ikeys[i], &lo, &hi));
    assert_status(causal_regress_set_int(m, ikeys[i], (int64_t)lo - 1),
                  CAUSAL_ERANGE);
    assert_status(causal_regress_set_int(m, ikeys[i], (int64_t)hi + 1),
                  CAUSAL_ERANGE);
    assert_ok(causal_regress_set_int(m, ikeys[i], (int64_t)hi));
    assert_ok(causal_regress_get_int(m, ikeys[i], &v));
    assert_int_equal(v, (int64_t)hi);
    assert_status(causal_regress_set_double(m, ikeys[i], 1.0), CAUSAL_EINVAL);
    assert_status(causal_regress_get_double(m, ikeys[i], &lo), CAUSAL_EINVAL);
  }
  for (size_t i = 0; i < 5; i++) {
    double lo, hi, v;
    int64_t iv;
    assert_ok(causal_regress_bounds(dkeys[i], &lo, &hi));
    assert_status(causal_regress_set_double(m, dkeys[i], lo - 1),
                  CAUSAL_ERANGE);
    assert_status(causal_regress_set_double(m, dkeys[i], NAN), CAUSAL_ERANGE);
    if (isfinite(hi))
      assert_status(causal_regress_set_double(m, dkeys[i], hi + 1),
                    CAUSAL_ERANGE);
    assert_ok(causal_regress_set_double(m, dkeys[i], 0.5));
    assert_ok(causal_regress_get_double(m, dkeys[i], &v));
    assert_true(v == 0.5);
    assert_status(causal_regress_set_int(m, dkeys[i], 1), CAUSAL_EINVAL);
    assert_status(causal_regress_get_int(m, dkeys[i], &iv), CAUSAL_EINVAL);
  }
  assert_status(causal_regress_set_double(m, CAUSAL_REGRESS_CONF_LEVEL, 1.0),
                CAUSAL_ERANGE);
  assert_status(causal_regress_set_double(m, CAUSAL_REGRESS_CONF_LEVEL, 0.0),
                CAUSAL_ERANGE);
  double lo, hi;
  assert_status(causal_regress_bounds(999, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_regress_bounds(CAUSAL_REGRESS_VCOV, NULL, &hi),
                CAUSAL_EINVAL);
  assert_status(causal_regress_set_int(m, 999, 1), CAUSAL_EINVAL);
  assert_status(causal_regress_set_int(NULL, CAUSAL_REGRESS_VCOV, 1),
                CAUSAL_EINVAL);
  int64_t v;
  assert_status(causal_regress_get_int(m, CAUSAL_REGRESS_VCOV, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_regress_get_int(NULL, CAUSAL_REGRESS_VCOV, &v),
                CAUSAL_EINVAL);
  causal_regress_free(m);
  /* IV-only setters on an IV spec */
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_IV));
  assert_ok(causal_regress_add_endogenous(m, "x"));
  assert_ok(causal_regress_add_instrument(m, "z"));
  causal_regress_free(m);
  /* defaults */
  m = new_ols();
  double d;
  assert_ok(causal_regress_get_double(m, CAUSAL_REGRESS_CONF_LEVEL, &d));
  assert_true(d == 0.95);
  assert_ok(causal_regress_get_double(m, CAUSAL_REGRESS_RANK_TOL, &d));
  assert_true(d == 1e-7);
  assert_ok(causal_regress_get_int(m, CAUSAL_REGRESS_SSC, &v));
  assert_int_equal(v, CAUSAL_SSC_R);
  causal_regress_free(m);
}

/* ---- bad input and rank handling ---------------------------------------- */

static causal_dataset *small_ds(size_t n) {
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  double *y = malloc(n * sizeof *y), *x = malloc(n * sizeof *x);
  double *x2 = malloc(n * sizeof *x2), *c = malloc(n * sizeof *c);
  double *yc = malloc(n * sizeof *yc);
  int64_t *cl = malloc(n * sizeof *cl);
  const char **g = malloc(n * sizeof *g);
  for (size_t i = 0; i < n; i++) {
    x[i] = (double)i;
    x2[i] = 2.0 * (double)i; /* collinear with x */
    y[i] = 1.0 + 0.5 * x[i] + ((i * 7919) % 13) / 13.0;
    c[i] = 3.0;
    yc[i] = 4.0;
    cl[i] = 1;
    g[i] = i % 2 ? "a" : "b";
  }
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "x2", x2, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "c", c, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "yc", yc, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "cl", cl, NULL, n, CAUSAL_COPY));
  /* g has a level "z" with no rows: its dummy column is all zero */
  int32_t *codes = malloc(n * sizeof *codes);
  for (size_t i = 0; i < n; i++)
    codes[i] = i % 2 ? 0 : 1;
  const char *labels[3] = {"a", "b", "z"};
  assert_ok(causal_dataset_add_cat(ds, "g", codes, n, labels, 3, CAUSAL_COPY));
  free(codes);
  free(y), free(x), free(x2), free(c), free(yc), free(cl), free(g);
  return ds;
}

static causal_result *fit_terms(const causal_dataset *ds, const char *y,
                                const char *const *terms, int rank, int rc) {
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, y));
  for (size_t j = 0; terms[j]; j++)
    assert_ok(causal_regress_add_term(m, terms[j]));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_RANK, rank));
  causal_result *r = NULL;
  assert_status(causal_regress_fit(&r, m, ds), rc);
  causal_regress_free(m);
  return r;
}

static void test_rank(void **state) {
  (void)state;
  causal_dataset *ds = small_ds(20);
  const char *t1[] = {"x", "x2", NULL}, *t0[] = {"x", NULL};
  causal_result *r = fit_terms(ds, "y", t1, CAUSAL_RANK_DROP, CAUSAL_OK);
  const char *dt;
  assert_ok(causal_result_get_string(r, "dropped_terms", &dt));
  assert_string_equal(dt, "x2");
  assert_int_equal(causal_result_nwarnings(r), 1);
  assert_non_null(strstr(causal_result_warning(r, 0), "x2"));
  const double *tab, *tab0;
  size_t nt, nc, nt0;
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &nt, &nc));
  assert_int_equal(nt, 2);
  causal_result *r0 = fit_terms(ds, "y", t0, CAUSAL_RANK_DROP, CAUSAL_OK);
  assert_ok(causal_result_get_matrix(r0, "coef", &tab0, &nt0, &nc));
  assert_ok(causal_result_get_string(r0, "dropped_terms", &dt));
  assert_string_equal(dt, "");
  for (size_t i = 0; i < 12; i++)
    assert_close(tab[i], tab0[i], 1e-12);
  causal_result_free(r);
  causal_result_free(r0);
  fit_terms(ds, "y", t1, CAUSAL_RANK_ERROR, CAUSAL_ESINGULAR);
  assert_error_mentions("x2");
  /* constant column besides the intercept; empty factor level */
  const char *t2[] = {"x", "c", "g", NULL};
  r = fit_terms(ds, "y", t2, CAUSAL_RANK_DROP, CAUSAL_OK);
  assert_ok(causal_result_get_string(r, "dropped_terms", &dt));
  assert_non_null(strstr(dt, "g[z]"));
  assert_true(strstr(dt, "c") != NULL);
  causal_result_free(r);
  fit_terms(ds, "y", t2, CAUSAL_RANK_ERROR, CAUSAL_ESINGULAR);
  assert_error_mentions("g[z]");
  /* constant outcome: exact fit, zero residual variance */
  r = fit_terms(ds, "yc", t0, CAUSAL_RANK_DROP, CAUSAL_OK);
  double rss;
  assert_ok(causal_result_get_scalar(r, "rss", &rss));
  assert_true(rss < 1e-20);
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &nt, &nc));
  assert_close(tab[0], 4.0, 1e-14);
  causal_result_free(r);
  causal_dataset_free(ds);
  /* n <= k */
  ds = small_ds(2);
  fit_terms(ds, "y", t0, CAUSAL_RANK_DROP, CAUSAL_EINVAL);
  assert_error_mentions("no residual degrees of freedom");
  causal_dataset_free(ds);
}

static void test_fit_errors(void **state) {
  (void)state;
  causal_dataset *ds = small_ds(20);
  causal_regress *m = new_ols();
  causal_result *r = (causal_result *)1;
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_regress_fit(NULL, m, ds), CAUSAL_EINVAL);
  assert_status(causal_regress_fit(&r, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_regress_fit(&r, m, NULL), CAUSAL_EINVAL);
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  /* cluster-robust without a cluster column */
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_CR1));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("cluster");
  /* a single cluster */
  assert_ok(causal_regress_add_cluster(m, "cl"));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("at least 2 clusters");
  causal_regress_free(m);
  /* unknown columns */
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_set_weights(m, "nope"));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nope");
  causal_regress_free(m);
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_cluster(m, "nope"));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_ENOTFOUND);
  causal_regress_free(m);
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_set_reference(m, "g", "nolevel"));
  assert_ok(causal_regress_add_term(m, "g"));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nolevel");
  causal_regress_free(m);
  /* IV spec without instruments */
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_IV));
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_EINVAL);
  causal_regress_free(m);
  /* a dataset with no rows */
  causal_dataset *e = NULL;
  assert_ok(causal_dataset_new(&e));
  assert_ok(causal_dataset_add_f64(e, "y", NULL, NULL, 0, CAUSAL_COPY));
  m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_status(causal_regress_fit(&r, m, e), CAUSAL_EINVAL);
  causal_regress_free(m);
  causal_dataset_free(e);
  causal_dataset_free(ds);
}

/* ---- Wald tests vs car::linearHypothesis -------------------------------- */

static causal_result *cps_fit(int ssc) {
  causal_dataset *ds = read_csv("data/ols_cps.csv", NULL);
  refspec s = specs[2]; /* cps_HC1 */
  s.ssc = ssc;
  causal_result *r = fit_spec(&s, ds);
  causal_dataset_free(ds);
  return r;
}

static double refval(const reftab *t, const char *cs, const char *q) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->r[i].c, cs) == 0 && strcmp(t->r[i].q, q) == 0)
      return t->r[i].v;
  fail_msg("no reference %s %s", cs, q);
  return NAN;
}

static void test_wald(void **state) {
  (void)state;
  reftab ref = load_ref("data/ols_reference.csv");
  causal_result *fit = cps_fit(CAUSAL_SSC_R);
  const double *tab;
  size_t k, nc;
  assert_ok(causal_result_get_matrix(fit, "coef", &tab, &k, &nc));
  double *R = calloc(2 * k, sizeof *R);
  for (size_t j = 0; j < k; j++) {
    const char *nm = causal_result_dimname(fit, "coef", 0, j);
    if (strcmp(nm, "education") == 0)
      R[0 + 2 * j] = 1;
    if (strcmp(nm, "experience") == 0)
      R[1 + 2 * j] = 1;
  }
  const double rhs[2] = {0.05, 0};
  causal_result *w = NULL;
  assert_ok(causal_regress_wald(&w, fit, R, 2, k, rhs));
  assert_string_equal(causal_result_kind(w), "wald");
  double v;
  assert_ok(causal_result_get_scalar(w, "f_statistic", &v));
  assert_close(v, refval(&ref, "cps_wald", "stat_F"), 1e-10);
  assert_ok(causal_result_get_scalar(w, "statistic", &v));
  assert_close(v, refval(&ref, "cps_wald", "stat_Chisq"), 1e-10);
  assert_ok(causal_result_get_scalar(w, "p_value", &v));
  assert_close(v, refval(&ref, "cps_wald", "p_F"), 1e-8);
  assert_ok(causal_result_get_scalar(w, "df1", &v));
  assert_true(v == 2);
  causal_result_free(w);
  /* z convention: chi-square p-value */
  causal_result *fz = cps_fit(CAUSAL_SSC_STATSMODELS);
  assert_ok(causal_regress_wald(&w, fz, R, 2, k, rhs));
  assert_ok(causal_result_get_scalar(w, "p_value", &v));
  assert_close(v, refval(&ref, "cps_wald", "p_Chisq"), 1e-8);
  assert_ok(causal_result_get_scalar(w, "df2", &v));
  assert_true(isinf(v));
  causal_result_free(w);
  causal_result_free(fz);
  /* errors */
  w = (causal_result *)1;
  assert_status(causal_regress_wald(&w, fit, R, 2, k - 1, NULL), CAUSAL_EDIM);
  assert_null(w);
  assert_status(causal_regress_wald(&w, fit, R, 0, k, NULL), CAUSAL_EINVAL);
  assert_status(causal_regress_wald(&w, fit, NULL, 2, k, NULL), CAUSAL_EINVAL);
  assert_status(causal_regress_wald(&w, NULL, R, 2, k, NULL), CAUSAL_EINVAL);
  assert_status(causal_regress_wald(NULL, fit, R, 2, k, NULL), CAUSAL_EINVAL);
  double bad[2] = {NAN, 0};
  assert_status(causal_regress_wald(&w, fit, R, 2, k, bad), CAUSAL_ENONFINITE);
  double *R2 = calloc(2 * k, sizeof *R2);
  R2[0] = 1;
  R2[1] = 2; /* second row = 2 * first row */
  assert_status(causal_regress_wald(&w, fit, R2, 2, k, NULL),
                CAUSAL_ESINGULAR);
  free(R2);
  causal_result *other = NULL;
  assert_ok(causal_result_new(&other, "x"));
  assert_status(causal_regress_wald(&w, other, R, 2, k, NULL),
                CAUSAL_ENOTFOUND);
  causal_result_free(other);
  free(R);
  causal_result_free(fit);
  free(ref.r);
}

/* ---- out of memory ------------------------------------------------------ */

typedef struct fit_arg {
  const causal_dataset *ds;
  int vcov, two;
} fit_arg;

static int fit_oom_run(void *p) {
  fit_arg *fa = p;
  causal_regress *m = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_OLS);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, "y");
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_term(m, "x");
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_term(m, "x2");
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_term(m, "g");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_reference(m, "g", "b");
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_cluster(m, "gc");
  if (rc == CAUSAL_OK && fa->two)
    rc = causal_regress_add_cluster(m, "gc2");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_weights(m, "w");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, fa->vcov);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_KEEP_FITTED, 1);
  causal_result *r = NULL, *w = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&r, m, fa->ds);
  if (rc == CAUSAL_OK) {
    double R[4] = {0, 1, 0, 0};
    rc = causal_regress_wald(&w, r, R, 1, 4, NULL);
  }
  causal_result_free(w);
  causal_result_free(r);
  causal_regress_free(m);
  return rc;
}

static void test_fit_oom(void **state) {
  (void)state;
  causal_dataset *ds = small_ds(30);
  double w[30], x2[30];
  int64_t gc[30], gc2[30];
  for (size_t i = 0; i < 30; i++) {
    w[i] = 1.0 + (double)(i % 3);
    x2[i] = sin((double)i);
    gc[i] = (int64_t)(i % 5);
    gc2[i] = (int64_t)(i % 4);
  }
  assert_ok(causal_dataset_add_f64(ds, "w", w, NULL, 30, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "gc", gc, NULL, 30, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "gc2", gc2, NULL, 30, CAUSAL_COPY));
  /* replace collinear x2 by a free regressor for these runs */
  causal_dataset *d2 = NULL;
  const char *keep[] = {"y", "x", "g", "w", "gc", "gc2"};
  assert_ok(causal_dataset_select(&d2, ds, keep, 6));
  assert_ok(causal_dataset_add_f64(d2, "x2", x2, NULL, 30, CAUSAL_COPY));
  static const int types[] = {CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC3,
                              CAUSAL_VCOV_CR1, CAUSAL_VCOV_CR2};
  for (size_t t = 0; t < 4; t++) {
    fit_arg fa = {d2, types[t], 0};
    cz_oom_sweep(fit_oom_run, &fa);
  }
  fit_arg fa = {d2, CAUSAL_VCOV_CR1, 1};
  cz_oom_sweep(fit_oom_run, &fa);
  causal_dataset_free(d2);
  causal_dataset_free(ds);
}

/* ---- normal-equations fast path vs the QR path -------------------------- */

/* n rows of plain float64 columns (a lazy design): y, x1..x3, a weight, a
 * cluster id, x2 missing at rows 5 and 17 unless `complete` (then every
 * row is used: the lean frame and, unweighted, the direct passes of the
 * Gram kernel); x4 = x1 + 1e-9 noise, x3 = +Inf at row 9 when `inf`. */
static causal_dataset *fast_ds(size_t n, int complete, int inf) {
  double *c[7];
  for (int j = 0; j < 7; j++) {
    c[j] = malloc(n * sizeof(double));
    assert_non_null(c[j]);
  }
  int64_t *cl = malloc(n * sizeof *cl);
  assert_non_null(cl);
  for (size_t i = 0; i < n; i++) {
    double t = (double)i;
    c[1][i] = 0.5 + sin(0.37 * t);
    c[2][i] = cos(1.3 * t) * 3.0 + 0.01 * t;
    c[3][i] = (double)((i * 7) % 11) - 2.0;
    c[4][i] = c[1][i] + 1e-9 * sin(5.1 * t);
    c[5][i] = 1.0 + (double)(i % 4);
    /* heteroskedastic noise from a deterministic sequence */
    double u = sin(12.9898 * t + 78.233) * 43758.5453;
    u -= floor(u);
    c[0][i] = 1.5 + 0.8 * c[1][i] - 0.3 * c[2][i] + 0.1 * c[3][i] +
              (u - 0.5) * (1.0 + fabs(c[2][i]));
    cl[i] = (int64_t)(i % 12);
  }
  if (!complete) {
    c[2][5] = NAN;
    c[2][17] = NAN;
  }
  if (inf)
    c[3][9] = INFINITY;
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  const char *names[6] = {"y", "x1", "x2", "x3", "x4", "w"};
  for (int j = 0; j < 6; j++)
    assert_ok(causal_dataset_add_f64(ds, names[j], c[j], NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "cl", cl, NULL, n, CAUSAL_COPY));
  for (int j = 0; j < 7; j++)
    free(c[j]);
  free(cl);
  return ds;
}

static causal_result *fast_fit(const causal_dataset *ds, int vcov, int wls,
                               double rank_tol, int x4) {
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x1"));
  assert_ok(causal_regress_add_term(m, "x2"));
  assert_ok(causal_regress_add_term(m, "x3"));
  if (x4)
    assert_ok(causal_regress_add_term(m, "x4"));
  if (wls)
    assert_ok(causal_regress_set_weights(m, "w"));
  if (vcov >= CAUSAL_VCOV_CR0)
    assert_ok(causal_regress_add_cluster(m, "cl"));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, vcov));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_KEEP_FITTED, 1));
  if (rank_tol > 0)
    assert_ok(causal_regress_set_double(m, CAUSAL_REGRESS_RANK_TOL, rank_tol));
  causal_result *r = NULL;
  assert_ok(causal_regress_fit(&r, m, ds));
  causal_regress_free(m);
  return r;
}

static double rel_diff(double a, double b) {
  double d = fabs(a - b), s = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return s > 0 ? d / s : d;
}

static void expect_solver(const causal_result *r, const char *want) {
  const char *got = NULL;
  assert_ok(causal_result_get_string(r, "solver", &got));
  assert_string_equal(got, want);
}

static void test_fast_path(void **state) {
  (void)state;
  static const int types[] = {
      CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC0, CAUSAL_VCOV_HC1, CAUSAL_VCOV_HC2,
      CAUSAL_VCOV_HC3,       CAUSAL_VCOV_CR0, CAUSAL_VCOV_CR1};
  double worst = 0;
  causal_dataset *ds = NULL;
  for (int complete = 1; complete >= 0; complete--) {
    causal_dataset_free(ds);
    ds = fast_ds(400, complete, 0);
    for (int wls = 0; wls < 2; wls++)
      for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        /* RANK_TOL 0.05 puts the threshold (10 k tol)^2 above 1: QR path */
        causal_result *a = fast_fit(ds, types[t], wls, 0, 0);
        causal_result *b = fast_fit(ds, types[t], wls, 0.05, 0);
        expect_solver(a, "cholesky");
        expect_solver(b, "qr");
        const double *ta, *tb, *va, *vb, *ra, *rb;
        size_t n1, n2, c1, c2, nr;
        assert_ok(causal_result_get_matrix(a, "coef", &ta, &n1, &c1));
        assert_ok(causal_result_get_matrix(b, "coef", &tb, &n2, &c2));
        assert_int_equal(n1, 4);
        assert_int_equal(n2, 4);
        for (size_t i = 0; i < n1 * 6; i++) {
          /* p-values near 1 and t near 0 are compared absolutely */
          double d = rel_diff(ta[i], tb[i]);
          if (fabs(ta[i]) < 1e-3)
            d = fabs(ta[i] - tb[i]);
          worst = d > worst ? d : worst;
          if (d > 1e-10)
            fail_msg("type %d wls %d: coef entry %zu: %.17g vs %.17g", types[t],
                     wls, i, ta[i], tb[i]);
        }
        assert_ok(causal_result_get_matrix(a, "vcov", &va, &n1, &c1));
        assert_ok(causal_result_get_matrix(b, "vcov", &vb, &n2, &c2));
        for (size_t i = 0; i < 16; i++)
          assert_true(rel_diff(va[i], vb[i]) < 1e-10);
        static const char *sc[] = {
            "rss", "sigma", "r_squared", "f_statistic", "loglik", "df", "nobs"};
        for (size_t q = 0; q < sizeof sc / sizeof sc[0]; q++) {
          double x, y;
          assert_ok(causal_result_get_scalar(a, sc[q], &x));
          assert_ok(causal_result_get_scalar(b, sc[q], &y));
          assert_true(rel_diff(x, y) < 1e-10);
        }
        assert_ok(causal_result_get_vector(a, "residuals", &ra, &nr));
        assert_int_equal(nr, complete ? 400 : 398);
        assert_ok(causal_result_get_vector(b, "residuals", &rb, &nr));
        for (size_t i = 0; i < nr; i++)
          if (!(fabs(ra[i] - rb[i]) < 1e-11))
            fail_msg("type %d wls %d: residual %zu: %.17g vs %.17g", types[t],
                     wls, i, ra[i], rb[i]);
        causal_result_free(a);
        causal_result_free(b);
      }
  }
  print_message("fast path vs QR: max rel diff %.2e\n", worst);
  /* a nearly collinear column: the QR path decides and names it */
  causal_result *r = fast_fit(ds, CAUSAL_VCOV_HC1, 0, 0, 1);
  expect_solver(r, "qr");
  const char *dropped = NULL;
  assert_ok(causal_result_get_string(r, "dropped_terms", &dropped));
  assert_string_equal(dropped, "x4");
  causal_result_free(r);
  causal_dataset_free(ds);
  /* +Inf in a (lazily read) regressor: named with its dataset row */
  ds = fast_ds(50, 0, 1);
  causal_regress *m = new_ols();
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x1"));
  assert_ok(causal_regress_add_term(m, "x3"));
  r = (causal_result *)1;
  assert_status(causal_regress_fit(&r, m, ds), CAUSAL_ENONFINITE);
  assert_null(r);
  assert_error_mentions("'x3' is +Inf at row 9");
  causal_regress_free(m);
  causal_dataset_free(ds);
}

typedef struct fast_arg {
  const causal_dataset *ds;
  int vcov, x4;
} fast_arg;

static int fast_oom_run(void *arg) {
  const fast_arg *fa = arg;
  causal_regress *m = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_OLS);
  const char *terms[] = {"x1", "x2", "x3", "x4"};
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, "y");
  for (int j = 0; j < 3 + fa->x4 && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_term(m, terms[j]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_weights(m, "w");
  if (rc == CAUSAL_OK && fa->vcov >= CAUSAL_VCOV_CR0)
    rc = causal_regress_add_cluster(m, "cl");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, fa->vcov);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_KEEP_FITTED, 1);
  causal_result *r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&r, m, fa->ds);
  causal_result_free(r);
  causal_regress_free(m);
  return rc;
}

static void test_fast_oom(void **state) {
  (void)state;
  causal_dataset *ds = fast_ds(60, 0, 0);
  static const int types[] = {CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC1,
                              CAUSAL_VCOV_HC3, CAUSAL_VCOV_CR1};
  for (size_t t = 0; t < 4; t++)
    for (int x4 = 0; x4 < 2; x4++) { /* x4: the QR fallback materializes */
      fast_arg fa = {ds, types[t], x4};
      cz_oom_sweep(fast_oom_run, &fa);
    }
  causal_dataset_free(ds);
}

/* ---- absorbed fixed effects against the dummy regressions ------------- */

typedef struct fespec {
  const char *cs, *file;
  const char *outcome;
  const char *terms[6];
  const char *absorb[2];
  const char *cl;
  int vcov, ssc;
} fespec;

#define GR_TERMS {"value", "capital", NULL}
#define FAT_TERMS {"beertax", "drinkage", "unemp", "income", NULL}

static const fespec fespecs[] = {
    {"gr_fe1_classical", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm", NULL}, NULL, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R},
    {"gr_fe1_HC1", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm", NULL}, NULL, CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"gr_fe1_CR1", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm", NULL}, "firm", CAUSAL_VCOV_CR1, CAUSAL_SSC_R},
    /* Stata's areg counts the absorbed levels in K, as R's dummies do */
    {"gr_fe1_CR1", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm", NULL}, "firm", CAUSAL_VCOV_CR1, CAUSAL_SSC_STATA},
    {"gr_fe1_CR1_fixest", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm", NULL}, "firm", CAUSAL_VCOV_CR1, CAUSAL_SSC_FIXEST},
    {"gr_fe2_classical", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm_s", "year"}, NULL, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R},
    {"gr_fe2_HC1", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm_s", "year"}, NULL, CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"gr_fe2_CR1", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm_s", "year"}, "firm", CAUSAL_VCOV_CR1, CAUSAL_SSC_R},
    {"gr_fe2_CR1_fixest", "data/ols_fe_grunfeld.csv", "inv", GR_TERMS,
     {"firm_s", "year"}, "firm", CAUSAL_VCOV_CR1, CAUSAL_SSC_FIXEST},
    {"fat_fe2_classical", "data/ols_fe_fatalities.csv", "frate", FAT_TERMS,
     {"state", "year"}, NULL, CAUSAL_VCOV_CLASSICAL, CAUSAL_SSC_R},
    {"fat_fe2_HC1", "data/ols_fe_fatalities.csv", "frate", FAT_TERMS,
     {"state", "year"}, NULL, CAUSAL_VCOV_HC1, CAUSAL_SSC_R},
    {"fat_fe2_CR1", "data/ols_fe_fatalities.csv", "frate", FAT_TERMS,
     {"state", "year"}, "state", CAUSAL_VCOV_CR1, CAUSAL_SSC_R},
    {"fat_fe2_CR1_fixest", "data/ols_fe_fatalities.csv", "frate", FAT_TERMS,
     {"state", "year"}, "state", CAUSAL_VCOV_CR1, CAUSAL_SSC_FIXEST},
};

static void test_fe_references(void **state) {
  (void)state;
  reftab ref = load_ref("data/ols_fe_reference.csv");
  double worst = 0;
  for (size_t i = 0; i < sizeof fespecs / sizeof fespecs[0]; i++) {
    const fespec *s = &fespecs[i];
    causal_dataset *ds = read_csv(s->file, NULL);
    causal_regress *m = new_ols();
    assert_ok(causal_regress_set_outcome(m, s->outcome));
    for (size_t j = 0; s->terms[j]; j++)
      assert_ok(causal_regress_add_term(m, s->terms[j]));
    for (size_t j = 0; j < 2 && s->absorb[j]; j++)
      assert_ok(causal_regress_add_absorb(m, s->absorb[j]));
    if (s->cl)
      assert_ok(causal_regress_add_cluster(m, s->cl));
    assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, s->vcov));
    assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_SSC, s->ssc));
    /* tight demeaning so the slopes reach 1e-10 */
    assert_ok(causal_regress_set_double(m, CAUSAL_REGRESS_TOL, 1e-14));
    causal_result *r = NULL;
    assert_ok(causal_regress_fit(&r, m, ds));
    expect_solver(r, "qr");
    double maxrel = 0;
    size_t cnt = compare_case(&ref, s->cs, r, 1e-10, &maxrel);
    if (cnt < 5)
      fail_msg("%s: only %zu reference values compared", s->cs, cnt);
    print_message("%-22s %4zu values, max rel err %.2e\n", s->cs, cnt, maxrel);
    worst = maxrel > worst ? maxrel : worst;
    causal_result_free(r);
    causal_regress_free(m);
    causal_dataset_free(ds);
  }
  print_message("fixed effects: max rel err %.2e\n", worst);
  free(ref.r);
}

/* Group encoding: integer ids with a compact range are coded by direct
 * indexing, others (here ids spread over 1e12) by sorting. Both must give
 * the same fit, bit for bit, for absorbed factors and clusters. */
static void fit_ids(const int64_t *unit, const int64_t *period, size_t n,
                    const double *y, const double *x, causal_result **out) {
  causal_dataset *ds;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, n, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, n, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_i64(ds, "unit", unit, NULL, n, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_i64(ds, "period", period, NULL, n,
                                   CAUSAL_BORROW));
  causal_regress *m;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  assert_ok(causal_regress_set_outcome(m, "y"));
  assert_ok(causal_regress_add_term(m, "x"));
  assert_ok(causal_regress_add_absorb(m, "unit"));
  assert_ok(causal_regress_add_absorb(m, "period"));
  assert_ok(causal_regress_add_cluster(m, "unit"));
  assert_ok(causal_regress_fit(out, m, ds));
  causal_regress_free(m);
  causal_dataset_free(ds);
}

static void test_group_encoding_paths(void **state) {
  (void)state;
  enum { N = 600 };
  static int64_t u1[N], p1[N], u2[N], p2[N];
  static double y[N], x[N];
  uint64_t s = 99;
  for (size_t i = 0; i < N; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t u = (int64_t)((s >> 33) % 40), p = (int64_t)((s >> 20) % 12);
    u1[i] = u - 7; /* dense, with negative ids */
    p1[i] = 2000 + p;
    u2[i] = u * 1000000000000LL - 5; /* sparse: sorted */
    p2[i] = p * 77777777777LL;
    x[i] = (double)((s >> 11) % 1000) / 100.0;
    y[i] = 0.5 * x[i] + (double)u * 0.1 - (double)p * 0.2 +
           (double)((s >> 40) % 97) / 97.0;
  }
  causal_result *a, *b;
  fit_ids(u1, p1, N, y, x, &a);
  fit_ids(u2, p2, N, y, x, &b);
  const double *ca, *cb;
  size_t na, ka, nb, kb;
  assert_ok(causal_result_get_matrix(a, "coef", &ca, &na, &ka));
  assert_ok(causal_result_get_matrix(b, "coef", &cb, &nb, &kb));
  assert_int_equal(na * ka, nb * kb);
  for (size_t j = 0; j < na * ka; j++)
    assert_true(ca[j] == cb[j]);
  double ga, gb;
  assert_ok(causal_result_get_scalar(a, "n_clusters", &ga));
  assert_ok(causal_result_get_scalar(b, "n_clusters", &gb));
  assert_true(ga == 40 && gb == 40);
  causal_result_free(a);
  causal_result_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_basic),
      cmocka_unit_test(test_frame_absorb),
      cmocka_unit_test(test_frame_errors),
      cmocka_unit_test(test_frame_oom),
      cmocka_unit_test(test_references),
      cmocka_unit_test(test_nist),
      cmocka_unit_test(test_spec_api),
      cmocka_unit_test(test_rank),
      cmocka_unit_test(test_fit_errors),
      cmocka_unit_test(test_wald),
      cmocka_unit_test(test_fit_oom),
      cmocka_unit_test(test_fast_path),
      cmocka_unit_test(test_fast_oom),
      cmocka_unit_test(test_fe_references),
      cmocka_unit_test(test_group_encoding_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
