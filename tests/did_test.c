/* Difference-in-differences: spec API, TWFE / event study / 2x2 / trends /
 * placebo against R (tests/ref/did_reference.R on AER's Fatalities), the
 * Breusch–Pagan test against lmtest::bptest, bad input, a coverage
 * simulation and OOM sweeps. */
#include "testutil.h"

#define TOL 1e-8

/* ---- reference values ---------------------------------------------------- */

typedef struct refval {
  char name[64];
  double value;
} refval;
static refval refs[512];
static size_t nrefs;

static void load_refs(void) {
  if (nrefs > 0)
    return;
  FILE *fp = fopen(cz_test_path("data/did_reference.csv"), "r");
  assert_non_null(fp);
  char line[256];
  assert_non_null(fgets(line, sizeof line, fp)); /* header */
  while (fgets(line, sizeof line, fp) && nrefs < 512) {
    char *comma = strchr(line, ',');
    assert_non_null(comma);
    *comma = '\0';
    snprintf(refs[nrefs].name, sizeof refs[nrefs].name, "%.63s", line);
    refs[nrefs].value = strtod(comma + 1, NULL);
    nrefs++;
  }
  fclose(fp);
}

static double ref(const char *name) {
  load_refs();
  for (size_t i = 0; i < nrefs; i++)
    if (strcmp(refs[i].name, name) == 0)
      return refs[i].value;
  fail_msg("reference value '%s' not found", name);
  return NAN;
}

static causal_dataset *fatalities(void) {
  causal_dataset *ds = NULL;
  assert_ok(
      causal_csv_read_file(&ds, cz_test_path("data/did_fatalities.csv"), NULL));
  return ds;
}

/* Row of a table entry by row name. */
static size_t row_of(const causal_result *r, const char *entry,
                     const char *name) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, entry, &v, &nr, &nc));
  for (size_t i = 0; i < nr; i++) {
    const char *d = causal_result_dimname(r, entry, 0, i);
    if (d && strcmp(d, name) == 0)
      return i;
  }
  fail_msg("row '%s' not in '%s'", name, entry);
  return 0;
}

static double cell(const causal_result *r, const char *entry, const char *name,
                   int col) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, entry, &v, &nr, &nc));
  return v[row_of(r, entry, name) + (size_t)col * nr];
}

static double scalar(const causal_result *r, const char *name) {
  double v = NAN;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

/* estimate, SE and p of a coefficient against "<prefix>.est/.se/.p" */
static void check_coef(const causal_result *r, const char *entry,
                       const char *row, const char *prefix) {
  char nb[96];
  snprintf(nb, sizeof nb, "%s.est", prefix);
  assert_close(cell(r, entry, row, CAUSAL_TABLE_ESTIMATE), ref(nb), TOL);
  snprintf(nb, sizeof nb, "%s.se", prefix);
  assert_close(cell(r, entry, row, CAUSAL_TABLE_STD_ERROR), ref(nb), TOL);
  snprintf(nb, sizeof nb, "%s.p", prefix);
  assert_close(cell(r, entry, row, CAUSAL_TABLE_P_VALUE), ref(nb), 1e-7);
}

static causal_did *new_did(int design) {
  causal_did *d = NULL;
  assert_ok(causal_did_new(&d, design));
  assert_non_null(d);
  assert_ok(causal_did_set_outcome(d, "frate"));
  assert_ok(causal_did_set_unit(d, "state"));
  assert_ok(causal_did_set_time(d, "year"));
  return d;
}

static causal_result *fit(const causal_did *d, const causal_dataset *ds) {
  causal_result *r = NULL;
  assert_ok(causal_did_fit(&r, d, ds));
  assert_non_null(r);
  assert_string_equal(causal_result_kind(r), "did");
  return r;
}

/* ---- spec API ---------------------------------------------------------------
 */

static void test_spec_api(void **state) {
  (void)state;
  causal_did *d = NULL;
  assert_status(causal_did_new(NULL, CAUSAL_DID_TWFE), CAUSAL_EINVAL);
  assert_status(causal_did_new(&d, 4), CAUSAL_ERANGE);
  assert_null(d);
  assert_error_mentions("design 4");
  assert_ok(causal_did_new(&d, CAUSAL_DID_TWFE));
  int64_t iv;
  double dv, lo, hi;
  assert_ok(causal_did_get_int(d, CAUSAL_DID_DESIGN, &iv));
  assert_int_equal(iv, CAUSAL_DID_TWFE);
  assert_ok(causal_did_get_int(d, CAUSAL_DID_REFERENCE, &iv));
  assert_int_equal(iv, -1);
  assert_ok(causal_did_get_int(d, CAUSAL_DID_LEADS, &iv));
  assert_int_equal(iv, -1);
  assert_ok(causal_did_get_int(d, CAUSAL_DID_ENDPOINTS, &iv));
  assert_int_equal(iv, CAUSAL_DID_BIN);
  assert_ok(causal_did_get_int(d, CAUSAL_DID_SSC, &iv));
  assert_int_equal(iv, CAUSAL_SSC_R);
  assert_ok(causal_did_get_double(d, CAUSAL_DID_CONF_LEVEL, &dv));
  assert_true(dv == 0.95);
  /* every key: bounds, in-range set/get round trip, out-of-range rejected */
  const int ikeys[] = {CAUSAL_DID_DESIGN,        CAUSAL_DID_REFERENCE,
                       CAUSAL_DID_LEADS,         CAUSAL_DID_LAGS,
                       CAUSAL_DID_ENDPOINTS,     CAUSAL_DID_TRENDS,
                       CAUSAL_DID_VCOV,          CAUSAL_DID_SSC,
                       CAUSAL_DID_PLACEBO_SHIFT, CAUSAL_DID_MAXITER};
  for (size_t i = 0; i < sizeof ikeys / sizeof ikeys[0]; i++) {
    assert_ok(causal_did_bounds(ikeys[i], &lo, &hi));
    assert_ok(causal_did_set_int(d, ikeys[i], (int64_t)hi));
    assert_ok(causal_did_get_int(d, ikeys[i], &iv));
    assert_true(iv == (int64_t)hi);
    assert_status(causal_did_set_int(d, ikeys[i], (int64_t)hi + 1),
                  CAUSAL_ERANGE);
    assert_status(causal_did_set_int(d, ikeys[i], (int64_t)lo - 1),
                  CAUSAL_ERANGE);
    assert_ok(causal_did_set_int(d, ikeys[i], (int64_t)lo));
    assert_status(causal_did_set_double(d, ikeys[i], 1.0), CAUSAL_EINVAL);
  }
  assert_ok(causal_did_bounds(CAUSAL_DID_CONF_LEVEL, &lo, &hi));
  assert_true(lo == 0 && hi == 1);
  assert_status(causal_did_set_double(d, CAUSAL_DID_CONF_LEVEL, 1.0),
                CAUSAL_ERANGE);
  assert_status(causal_did_set_double(d, CAUSAL_DID_CONF_LEVEL, NAN),
                CAUSAL_ERANGE);
  assert_ok(causal_did_set_double(d, CAUSAL_DID_CONF_LEVEL, 0.9));
  assert_ok(causal_did_get_double(d, CAUSAL_DID_CONF_LEVEL, &dv));
  assert_true(dv == 0.9);
  assert_ok(causal_did_set_double(d, CAUSAL_DID_TOL, 1e-10));
  assert_ok(causal_did_get_double(d, CAUSAL_DID_TOL, &dv));
  assert_true(dv == 1e-10);
  assert_status(causal_did_set_double(d, CAUSAL_DID_TOL, 0.0 - 1e-3),
                CAUSAL_ERANGE);
  assert_status(causal_did_set_int(d, CAUSAL_DID_TOL, 1), CAUSAL_EINVAL);
  assert_status(causal_did_get_int(d, 77, &iv), CAUSAL_EINVAL);
  assert_status(causal_did_bounds(77, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_did_bounds(CAUSAL_DID_LAGS, NULL, &hi), CAUSAL_EINVAL);
  assert_status(causal_did_get_double(d, CAUSAL_DID_TOL, NULL), CAUSAL_EINVAL);
  /* roles */
  assert_status(causal_did_set_outcome(d, NULL), CAUSAL_EINVAL);
  assert_status(causal_did_set_outcome(d, ""), CAUSAL_EINVAL);
  assert_status(causal_did_set_outcome(NULL, "y"), CAUSAL_EINVAL);
  assert_ok(causal_did_set_unit(d, "u"));
  assert_ok(causal_did_set_unit(d, NULL)); /* clears */
  assert_status(causal_did_set_time(d, ""), CAUSAL_EINVAL);
  assert_ok(causal_did_set_treatment(d, "D"));
  assert_ok(causal_did_set_cohort(d, "E"));
  assert_ok(causal_did_set_group(d, "g"));
  assert_ok(causal_did_set_post(d, "p"));
  assert_ok(causal_did_set_weights(d, "w"));
  assert_ok(causal_did_add_term(d, "x"));
  assert_status(causal_did_add_term(d, "x"), CAUSAL_EEXISTS);
  assert_status(causal_did_add_term(d, "a::b"), CAUSAL_EPARSE);
  assert_status(causal_did_add_term(d, NULL), CAUSAL_EINVAL);
  assert_ok(causal_did_add_cluster(d, "c1"));
  assert_status(causal_did_add_cluster(d, "c1"), CAUSAL_EEXISTS);
  assert_ok(causal_did_add_cluster(d, "c2"));
  assert_status(causal_did_add_cluster(d, "c3"), CAUSAL_EINVAL);
  assert_status(causal_did_add_cluster(d, ""), CAUSAL_EINVAL);
  causal_did_free(d);
  causal_did_free(NULL);
  /* fit argument checks */
  causal_result *r = (causal_result *)1;
  causal_dataset *ds = fatalities();
  d = new_did(CAUSAL_DID_TWFE);
  assert_status(causal_did_fit(&r, NULL, ds), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_did_fit(&r, d, NULL), CAUSAL_EINVAL);
  assert_status(causal_did_fit(NULL, d, ds), CAUSAL_EINVAL);
  assert_status(causal_did_fit_outcome(&r, d, ds, NULL), CAUSAL_EINVAL);
  assert_status(causal_did_fit_outcome(&r, d, ds, ""), CAUSAL_EINVAL);
  causal_did_free(d);
  causal_dataset_free(ds);
}

/* ---- TWFE ---------------------------------------------------------------- */

static void test_twfe_reference(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  /* cohort -> D, clustered by unit (default) */
  causal_did *d = new_did(CAUSAL_DID_TWFE);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  causal_result *r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe");
  assert_close(scalar(r, "estimate"), ref("twfe.est"), TOL);
  assert_close(scalar(r, "std_error"), ref("twfe.se"), TOL);
  assert_close(scalar(r, "p_value"), ref("twfe.p"), 1e-7);
  assert_true(scalar(r, "nobs") == ref("twfe.nobs"));
  assert_true(scalar(r, "n_clusters") == 47);
  assert_true(scalar(r, "df") == 46);
  assert_true(scalar(r, "n_units") == 47);
  assert_true(scalar(r, "n_treated_units") == 14);
  assert_true(scalar(r, "n_never_treated") == 33);
  assert_true(scalar(r, "n_periods") == 7);
  const char *s;
  assert_ok(causal_result_get_string(r, "design", &s));
  assert_string_equal(s, "twfe");
  assert_ok(causal_result_get_string(r, "vcov_type", &s));
  assert_string_equal(s, "CR1");
  double lo = scalar(r, "conf_low"), hi = scalar(r, "conf_high");
  assert_true(lo < scalar(r, "estimate") && hi > scalar(r, "estimate"));
  causal_result_free(r);
  /* the same D given as a treatment column, and both (consistent) */
  assert_ok(causal_did_set_cohort(d, NULL));
  assert_ok(causal_did_set_treatment(d, "D"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe");
  causal_result_free(r);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe");
  causal_result_free(r);
  /* the jail column has California 1988 missing: that row is dropped */
  assert_ok(causal_did_set_cohort(d, NULL));
  assert_ok(causal_did_set_treatment(d, "jail01"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe_jail");
  assert_true(scalar(r, "nobs") == ref("twfe_jail.nobs"));
  assert_true(scalar(r, "n_dropped") == 1);
  causal_result_free(r);
  causal_did_free(d);
  /* covariates, HC1 without clustering */
  d = new_did(CAUSAL_DID_TWFE);
  assert_ok(causal_did_set_treatment(d, "D"));
  assert_ok(causal_did_add_term(d, "beertax"));
  assert_ok(causal_did_add_term(d, "unemp"));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_VCOV, CAUSAL_VCOV_HC1));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe_cov.D");
  check_coef(r, "coef", "beertax", "twfe_cov.beertax");
  check_coef(r, "coef", "unemp", "twfe_cov.unemp");
  assert_ok(causal_result_get_string(r, "vcov_type", &s));
  assert_string_equal(s, "HC1");
  causal_result_free(r);
  causal_did_free(d);
  /* weights */
  d = new_did(CAUSAL_DID_TWFE);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  assert_ok(causal_did_set_weights(d, "popm"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "twfe_w");
  causal_result_free(r);
  assert_ok(causal_did_set_weights(d, NULL));
  /* placebo outcome */
  assert_ok(causal_did_fit_outcome(&r, d, ds, "unemp"));
  check_coef(r, "coef", "treated", "placebo_y");
  causal_result_free(r);
  /* placebo date: one year early on pre-treatment rows */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_PLACEBO_SHIFT, 1));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "placebo");
  assert_true(scalar(r, "nobs") == ref("placebo.nobs"));
  assert_true(scalar(r, "n_singletons") == 3);
  causal_result_free(r);
  /* also from the treatment column (absorbing) */
  assert_ok(causal_did_set_cohort(d, NULL));
  assert_ok(causal_did_set_treatment(d, "D"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "placebo");
  causal_result_free(r);
  causal_did_free(d);
  /* unbalanced panel */
  size_t n = causal_dataset_nrows(ds), ci;
  const double *sid = NULL;
  double *sv = malloc(n * sizeof *sv), *yv = malloc(n * sizeof *yv);
  assert_ok(causal_dataset_col_index(ds, "sid", &ci));
  assert_ok(causal_dataset_col_to_f64(ds, ci, sv, n));
  assert_ok(causal_dataset_col_index(ds, "year", &ci));
  assert_ok(causal_dataset_col_to_f64(ds, ci, yv, n));
  (void)sid;
  uint8_t *mask = malloc(n);
  for (size_t i = 0; i < n; i++)
    mask[i] = ((int64_t)(3 * sv[i] + yv[i])) % 7 != 0;
  causal_dataset *du = NULL;
  assert_ok(causal_dataset_subset_mask(&du, ds, mask, n));
  d = new_did(CAUSAL_DID_TWFE);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  r = fit(d, du);
  check_coef(r, "coef", "treated", "twfe_unbal");
  assert_true(scalar(r, "nobs") == ref("twfe_unbal.nobs"));
  causal_result_free(r);
  causal_did_free(d);
  causal_dataset_free(du);
  free(mask);
  free(sv);
  free(yv);
  causal_dataset_free(ds);
}

/* ---- event studies ----------------------------------------------------- */

static void check_event(const causal_result *r, const char *prefix, int lo,
                        int hi, int refp) {
  char row[32], nb[64];
  for (int k = lo; k <= hi; k++) {
    snprintf(row, sizeof row, "rel[%d]", k);
    if (k == refp) {
      assert_true(cell(r, "event", row, CAUSAL_TABLE_ESTIMATE) == 0);
      assert_true(cell(r, "event", row, CAUSAL_TABLE_STD_ERROR) == 0);
      continue;
    }
    snprintf(nb, sizeof nb, "%s.r%d", prefix, k);
    check_coef(r, "event", row, nb);
    check_coef(r, "coef", row, nb);
  }
  snprintf(nb, sizeof nb, "%s.avg.est", prefix);
  assert_close(scalar(r, "estimate"), ref(nb), TOL);
  snprintf(nb, sizeof nb, "%s.avg.se", prefix);
  assert_close(scalar(r, "std_error"), ref(nb), TOL);
  snprintf(nb, sizeof nb, "%s.avg.p", prefix);
  assert_close(scalar(r, "p_value"), ref(nb), 1e-7);
  snprintf(nb, sizeof nb, "%s.pre_W", prefix);
  assert_close(scalar(r, "pretrend_statistic"), ref(nb), TOL);
  assert_close(scalar(r, "pretrend_f"), ref(nb) / scalar(r, "pretrend_df1"),
               TOL);
  snprintf(nb, sizeof nb, "%s.pre_df1", prefix);
  assert_true(scalar(r, "pretrend_df1") == ref(nb));
  assert_true(scalar(r, "pretrend_df2") == 46);
  snprintf(nb, sizeof nb, "%s.pre_p", prefix);
  assert_close(scalar(r, "pretrend_p_value"), ref(nb), 1e-7);
  snprintf(nb, sizeof nb, "%s.nobs", prefix);
  assert_true(scalar(r, "nobs") == ref(nb));
  /* event_time matches the rows; reference recorded */
  const double *et;
  size_t ne;
  assert_ok(causal_result_get_vector(r, "event_time", &et, &ne));
  assert_int_equal(ne, (size_t)(hi - lo + 1));
  for (size_t i = 0; i < ne; i++)
    assert_true(et[i] == lo + (double)i);
  assert_true(scalar(r, "reference") == refp);
}

static void test_event_reference(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  causal_did *d = new_did(CAUSAL_DID_EVENT_STUDY);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  causal_result *r = fit(d, ds);
  check_event(r, "es", -3, 6, -1);
  const char *s;
  assert_ok(causal_result_get_string(r, "design", &s));
  assert_string_equal(s, "event_study");
  causal_result_free(r);
  /* from the treatment column (absorbing) it is the same */
  assert_ok(causal_did_set_cohort(d, NULL));
  assert_ok(causal_did_set_treatment(d, "D"));
  r = fit(d, ds);
  check_event(r, "es", -3, 6, -1);
  causal_result_free(r);
  assert_ok(causal_did_set_treatment(d, NULL));
  assert_ok(causal_did_set_cohort(d, "cohort"));
  /* reference -2 */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -2));
  r = fit(d, ds);
  check_event(r, "es_ref2", -3, 6, -2);
  causal_result_free(r);
  assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -1));
  /* window [-2, 3], binned and dropped */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_LEADS, 2));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_LAGS, 3));
  r = fit(d, ds);
  check_event(r, "es_bin", -2, 3, -1);
  causal_result_free(r);
  assert_ok(causal_did_set_int(d, CAUSAL_DID_ENDPOINTS, CAUSAL_DID_DROP));
  r = fit(d, ds);
  check_event(r, "es_drop", -2, 3, -1);
  causal_result_free(r);
  /* binned window with unit-specific trends */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_ENDPOINTS, CAUSAL_DID_BIN));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_TRENDS, 1));
  r = fit(d, ds);
  check_event(r, "es_trend", -2, 3, -1);
  assert_true(scalar(r, "n_trend_parameters") == 94);
  causal_result_free(r);
  /* the pre-trend test equals causal_regress_wald on the did result */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_TRENDS, 0));
  r = fit(d, ds);
  const double *tab;
  size_t k, c6;
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &k, &c6));
  double *R = calloc(k, sizeof *R);
  R[row_of(r, "coef", "rel[-2]")] = 1;
  causal_result *w = NULL;
  assert_ok(causal_regress_wald(&w, r, R, 1, k, NULL));
  assert_close(scalar(w, "statistic"), scalar(r, "pretrend_statistic"), 1e-12);
  causal_result_free(w);
  free(R);
  causal_result_free(r);
  /* only lags: no pre-trend test, a warning */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_LEADS, 1));
  r = fit(d, ds);
  double v;
  assert_status(causal_result_get_scalar(r, "pretrend_statistic", &v),
                CAUSAL_ENOTFOUND);
  assert_true(causal_result_nwarnings(r) >= 1);
  causal_result_free(r);
  causal_did_free(d);
  causal_dataset_free(ds);
}

/* ---- unit-specific trends ----------------------------------------------- */

static void test_trend_reference(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  causal_did *d = new_did(CAUSAL_DID_TWFE);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_TRENDS, 1));
  causal_result *r = fit(d, ds);
  check_coef(r, "coef", "treated", "trend");
  assert_true(scalar(r, "df") == 46);
  assert_int_equal(row_of(r, "coef", "treated"), 0);
  const double *tab;
  size_t k, c6;
  assert_ok(causal_result_get_matrix(r, "coef", &tab, &k, &c6));
  assert_int_equal(k, 1); /* period effects are not reported */
  causal_result_free(r);
  assert_ok(causal_did_set_int(d, CAUSAL_DID_VCOV, CAUSAL_VCOV_HC1));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "trend_hc1");
  causal_result_free(r);
  assert_ok(causal_did_set_int(d, CAUSAL_DID_VCOV, CAUSAL_VCOV_CLASSICAL));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "trend_cl");
  causal_result_free(r);
  assert_ok(causal_did_set_int(d, CAUSAL_DID_VCOV, CAUSAL_VCOV_HC3));
  causal_result *bad = NULL;
  assert_status(causal_did_fit(&bad, d, ds), CAUSAL_EINVAL);
  assert_error_mentions("trends");
  assert_ok(causal_did_set_int(d, CAUSAL_DID_VCOV, 0));
  /* weights and a covariate */
  assert_ok(causal_did_set_weights(d, "popm"));
  assert_ok(causal_did_add_term(d, "unemp"));
  r = fit(d, ds);
  check_coef(r, "coef", "treated", "trend_w");
  check_coef(r, "coef", "unemp", "trend_w.unemp");
  causal_result_free(r);
  causal_did_free(d);
  causal_dataset_free(ds);
}

/* ---- 2x2 ------------------------------------------------------------------
 */

static void test_2x2_reference(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  causal_did *d = NULL;
  assert_ok(causal_did_new(&d, CAUSAL_DID_2X2));
  assert_ok(causal_did_set_outcome(d, "frate"));
  assert_ok(causal_did_set_group(d, "grp"));
  assert_ok(causal_did_set_post(d, "post"));
  assert_ok(causal_did_add_cluster(d, "state"));
  causal_result *r = fit(d, ds);
  check_coef(r, "coef", "group:post", "dd");
  assert_close(scalar(r, "estimate"), ref("dd.est"), TOL);
  const double *mu;
  size_t n4;
  assert_ok(causal_result_get_vector(r, "cell_means", &mu, &n4));
  assert_int_equal(n4, 4);
  assert_close(mu[0], ref("dd.m00"), 1e-12);
  assert_close(mu[1], ref("dd.m01"), 1e-12);
  assert_close(mu[2], ref("dd.m10"), 1e-12);
  assert_close(mu[3], ref("dd.m11"), 1e-12);
  assert_close(scalar(r, "estimate_means"), ref("dd.est"), 1e-10);
  assert_string_equal(causal_result_dimname(r, "cell_means", 0, 3),
                      "treated_post");
  causal_result_free(r);
  /* the unit column gives the same default clustering */
  assert_ok(causal_did_set_unit(d, "state"));
  causal_did_free(d);
  assert_ok(causal_did_new(&d, CAUSAL_DID_2X2));
  assert_ok(causal_did_set_outcome(d, "frate"));
  assert_ok(causal_did_set_group(d, "grp"));
  assert_ok(causal_did_set_post(d, "post"));
  assert_ok(causal_did_set_unit(d, "state"));
  r = fit(d, ds);
  check_coef(r, "coef", "group:post", "dd");
  causal_result_free(r);
  causal_did_free(d);
  /* derived from cohorts: never treated + the 1983 cohort */
  size_t n = causal_dataset_nrows(ds), ci;
  double *cv = malloc(n * sizeof *cv);
  assert_ok(causal_dataset_col_index(ds, "cohort", &ci));
  assert_ok(causal_dataset_col_to_f64(ds, ci, cv, n));
  uint8_t *mask = malloc(n);
  for (size_t i = 0; i < n; i++)
    mask[i] = cv[i] == 0 || cv[i] == 1983;
  causal_dataset *d3 = NULL;
  assert_ok(causal_dataset_subset_mask(&d3, ds, mask, n));
  d = new_did(CAUSAL_DID_2X2);
  assert_ok(causal_did_set_cohort(d, "cohort"));
  r = fit(d, d3);
  check_coef(r, "coef", "group:post", "dd3");
  causal_result_free(r);
  /* the full data has several cohorts: refused */
  causal_result *bad = NULL;
  assert_status(causal_did_fit(&bad, d, ds), CAUSAL_EINVAL);
  assert_error_mentions("one treatment date");
  causal_did_free(d);
  causal_dataset_free(d3);
  free(mask);
  free(cv);
  causal_dataset_free(ds);
}

/* ---- Breusch–Pagan ---------------------------------------------------------
 */

static void test_breusch_pagan(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  causal_regress *m = NULL;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  assert_ok(causal_regress_set_outcome(m, "frate"));
  assert_ok(causal_regress_add_term(m, "beertax"));
  assert_ok(causal_regress_add_term(m, "unemp"));
  assert_ok(causal_regress_add_term(m, "income"));
  causal_result *r = NULL;
  assert_ok(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 1));
  assert_string_equal(causal_result_kind(r), "breusch_pagan");
  assert_close(scalar(r, "statistic"), ref("bp.k"), 1e-10);
  assert_close(scalar(r, "p_value"), ref("bp.k.p"), 1e-8);
  assert_true(scalar(r, "df") == 3);
  assert_true(scalar(r, "nobs") == 329);
  causal_result_free(r);
  assert_ok(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 0));
  assert_close(scalar(r, "statistic"), ref("bp.o"), 1e-10);
  assert_close(scalar(r, "p_value"), ref("bp.o.p"), 1e-8);
  causal_result_free(r);
  const char *const z[2] = {"beertax", "income"};
  assert_ok(causal_regress_breusch_pagan(&r, m, ds, z, 2, 1));
  assert_close(scalar(r, "statistic"), ref("bp.z"), 1e-10);
  assert_true(scalar(r, "df") == 2);
  causal_result_free(r);
  assert_ok(causal_regress_set_weights(m, "popm"));
  assert_ok(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 1));
  assert_close(scalar(r, "statistic"), ref("bp.wk"), 1e-10);
  causal_result_free(r);
  assert_ok(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 0));
  assert_close(scalar(r, "statistic"), ref("bp.wo"), 1e-10);
  causal_result_free(r);
  /* errors */
  assert_status(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 2),
                CAUSAL_ERANGE);
  assert_null(r);
  assert_status(causal_regress_breusch_pagan(&r, m, ds, NULL, 1, 1),
                CAUSAL_EINVAL);
  const char *const zn[1] = {NULL};
  assert_status(causal_regress_breusch_pagan(&r, m, ds, zn, 1, 1),
                CAUSAL_EINVAL);
  const char *const z1[1] = {"nope"};
  assert_status(causal_regress_breusch_pagan(&r, m, ds, z1, 1, 1),
                CAUSAL_ENOTFOUND);
  assert_status(causal_regress_breusch_pagan(&r, NULL, ds, NULL, 0, 1),
                CAUSAL_EINVAL);
  assert_ok(causal_regress_add_absorb(m, "state"));
  assert_status(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 1),
                CAUSAL_EINVAL);
  assert_error_mentions("absorbed");
  causal_regress_free(m);
  /* intercept-only model: no auxiliary regressor */
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  assert_ok(causal_regress_set_outcome(m, "frate"));
  assert_status(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 1),
                CAUSAL_EINVAL);
  causal_regress_free(m);
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_LOGIT));
  assert_status(causal_regress_breusch_pagan(&r, m, ds, NULL, 0, 1),
                CAUSAL_EINVAL);
  causal_regress_free(m);
  causal_dataset_free(ds);
}

/* ---- bad input ----------------------------------------------------------- */

/* A small panel: 4 units x 4 periods; unit "d" never treated, cohorts
 * b = 3, c = 2 (a = never). Optional edits by the caller. */
typedef struct mini {
  const char *unit[16];
  double time[16], y[16], cohort[16], trt[16];
} mini;

static void mini_init(mini *p) {
  static const char *const u[4] = {"a", "b", "c", "d"};
  static const double coh[4] = {0, 3, 2, 0};
  for (int i = 0; i < 16; i++) {
    int g = i / 4, t = i % 4 + 1;
    p->unit[i] = u[g];
    p->time[i] = t;
    p->cohort[i] = coh[g];
    p->trt[i] = coh[g] > 0 && t >= coh[g];
    p->y[i] = 0.3 * g + 0.1 * t + 0.05 * ((i * 7) % 5);
  }
}

static causal_dataset *mini_ds(const mini *p, size_t n) {
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_strings(ds, "u", p->unit, n));
  assert_ok(causal_dataset_add_f64(ds, "t", p->time, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", p->y, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "E", p->cohort, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "D", p->trt, NULL, n, CAUSAL_COPY));
  return ds;
}

static causal_did *mini_did(int design, int use_cohort) {
  causal_did *d = NULL;
  assert_ok(causal_did_new(&d, design));
  assert_ok(causal_did_set_outcome(d, "y"));
  assert_ok(causal_did_set_unit(d, "u"));
  assert_ok(causal_did_set_time(d, "t"));
  if (use_cohort)
    assert_ok(causal_did_set_cohort(d, "E"));
  else
    assert_ok(causal_did_set_treatment(d, "D"));
  return d;
}

static int mini_fit_status(const mini *p, size_t n, int design,
                           int use_cohort) {
  causal_dataset *ds = mini_ds(p, n);
  causal_did *d = mini_did(design, use_cohort);
  causal_result *r = (causal_result *)1;
  int rc = causal_did_fit(&r, d, ds);
  if (rc != CAUSAL_OK)
    assert_null(r);
  causal_result_free(r);
  causal_did_free(d);
  causal_dataset_free(ds);
  return rc;
}

static void test_bad_input(void **state) {
  (void)state;
  mini p;
  mini_init(&p);
  assert_ok(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1));
  assert_ok(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 1));
  /* duplicate (unit, time) */
  p.time[5] = 1;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1), CAUSAL_EINVAL);
  assert_error_mentions("unit 'b' at time 1");
  assert_error_mentions("rows 4 and 5");
  mini_init(&p);
  /* cohort not constant within a unit */
  p.cohort[6] = 4;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 1),
                CAUSAL_EINVAL);
  assert_error_mentions("not constant within unit 'b'");
  mini_init(&p);
  /* treatment inconsistent with the cohort column */
  p.trt[9] = 0; /* c at t = 2 */
  {
    causal_dataset *ds = mini_ds(&p, 16);
    causal_did *d = mini_did(CAUSAL_DID_TWFE, 1);
    assert_ok(causal_did_set_treatment(d, "D"));
    causal_result *r = NULL;
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("unit 'c' at time 2");
    causal_did_free(d);
    causal_dataset_free(ds);
  }
  /* a treatment that switches off: fine for TWFE, not for event studies */
  p.trt[11] = 0; /* c at t = 4; trt[9] restored below */
  p.trt[9] = 1;
  assert_ok(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 0));
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 0),
                CAUSAL_EINVAL);
  assert_error_mentions("switches from 1 to 0 for unit 'c' at time 4");
  mini_init(&p);
  /* treatment not 0/1 */
  p.trt[3] = 2;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 0), CAUSAL_ERANGE);
  assert_error_mentions("row 3");
  mini_init(&p);
  /* everyone treated at the same date: no comparison */
  for (int i = 0; i < 16; i++) {
    p.cohort[i] = 3;
    p.trt[i] = p.time[i] >= 3;
  }
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1), CAUSAL_EINVAL);
  assert_error_mentions("no never-treated and no not-yet-treated");
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 0),
                CAUSAL_EINVAL);
  /* staggered, no never-treated: TWFE ok, the full event study is not
   * identified and says why */
  mini_init(&p);
  for (int i = 0; i < 16; i++) {
    int g = i / 4;
    p.cohort[i] = g == 0 ? 2 : g == 3 ? 4 : p.cohort[i];
    p.trt[i] = p.time[i] >= p.cohort[i];
  }
  assert_ok(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1));
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 1),
                CAUSAL_ESINGULAR);
  assert_error_mentions("no never-treated units");
  mini_init(&p);
  /* no treated unit */
  for (int i = 0; i < 16; i++)
    p.cohort[i] = p.trt[i] = 0;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1), CAUSAL_EINVAL);
  assert_error_mentions("no unit is ever treated");
  mini_init(&p);
  /* a single unit */
  for (int i = 0; i < 16; i++)
    p.unit[i] = "b", p.time[i] = i + 1, p.cohort[i] = 5, p.trt[i] = i + 1 >= 5;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1), CAUSAL_EINVAL);
  assert_error_mentions("1 unit(s)");
  mini_init(&p);
  /* NaN outcome: dropped and counted; Inf time: error naming the row */
  p.y[2] = NAN;
  {
    causal_dataset *ds = mini_ds(&p, 16);
    causal_did *d = mini_did(CAUSAL_DID_TWFE, 1);
    causal_result *r = NULL;
    assert_ok(causal_did_fit(&r, d, ds));
    assert_true(scalar(r, "n_dropped") == 1);
    causal_result_free(r);
    causal_did_free(d);
    causal_dataset_free(ds);
  }
  p.time[7] = INFINITY;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_TWFE, 1), CAUSAL_ENONFINITE);
  assert_error_mentions("row 7");
  mini_init(&p);
  /* non-integer periods in an event study */
  p.time[1] = 2.5;
  assert_status(mini_fit_status(&p, 16, CAUSAL_DID_EVENT_STUDY, 1),
                CAUSAL_EINVAL);
  assert_error_mentions("integer");
  mini_init(&p);
  /* reference period outside the window, or without observations */
  {
    causal_dataset *ds = mini_ds(&p, 16);
    causal_did *d = mini_did(CAUSAL_DID_EVENT_STUDY, 1);
    causal_result *r = NULL;
    assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -5));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ERANGE);
    assert_error_mentions("outside the event window");
    assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -1));
    assert_ok(causal_did_set_int(d, CAUSAL_DID_LEADS, 0));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ERANGE);
    assert_ok(causal_did_set_int(d, CAUSAL_DID_LEADS, 5));
    assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -4));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("reference period -4");
    /* the window has gaps: a warning, the fit goes on */
    assert_ok(causal_did_set_int(d, CAUSAL_DID_REFERENCE, -1));
    assert_ok(causal_did_fit(&r, d, ds));
    assert_true(causal_result_nwarnings(r) >= 1);
    causal_result_free(r);
    /* missing roles, unknown columns, reserved names, design mismatch */
    assert_ok(causal_did_set_time(d, NULL));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("unit and time");
    assert_ok(causal_did_set_time(d, "nope"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ENOTFOUND);
    assert_error_mentions("nope");
    assert_ok(causal_did_set_time(d, "u"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ETYPE);
    assert_ok(causal_did_set_time(d, "t"));
    assert_ok(causal_did_set_cohort(d, NULL));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("treatment or cohort");
    assert_ok(causal_did_set_cohort(d, "E"));
    assert_ok(causal_did_add_term(d, "zz"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ENOTFOUND);
    assert_error_mentions("zz");
    causal_did_free(d);
    causal_dataset_free(ds);
  }
  {
    causal_dataset *ds = mini_ds(&p, 16);
    double z[16] = {0};
    assert_ok(causal_dataset_add_f64(ds, "did.g0", z, NULL, 16, CAUSAL_COPY));
    causal_did *d = mini_did(CAUSAL_DID_TWFE, 1);
    assert_ok(causal_did_add_term(d, "did.g0"));
    causal_result *r = NULL;
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EEXISTS);
    assert_error_mentions("reserved");
    causal_did_free(d);
    /* 2x2 errors */
    assert_ok(causal_did_new(&d, CAUSAL_DID_2X2));
    assert_ok(causal_did_set_outcome(d, "y"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_ok(causal_did_set_group(d, "D"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("both");
    assert_ok(causal_did_set_post(d, "t")); /* not 0/1 */
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_ERANGE);
    assert_error_mentions("post column 't'");
    assert_ok(causal_did_set_post(d, "D")); /* group == post: empty cells */
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("cell");
    assert_ok(causal_did_set_int(d, CAUSAL_DID_TRENDS, 1));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_ok(causal_did_set_int(d, CAUSAL_DID_TRENDS, 0));
    assert_ok(causal_did_set_int(d, CAUSAL_DID_PLACEBO_SHIFT, 1));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("placebo");
    causal_did_free(d);
    /* 2x2 from a treatment column needs the unit */
    assert_ok(causal_did_new(&d, CAUSAL_DID_2X2));
    assert_ok(causal_did_set_outcome(d, "y"));
    assert_ok(causal_did_set_time(d, "t"));
    assert_ok(causal_did_set_treatment(d, "D"));
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    assert_error_mentions("unit column");
    causal_did_free(d);
    causal_dataset_free(ds);
  }
  /* an empty dataset */
  {
    causal_dataset *ds = mini_ds(&p, 0);
    causal_did *d = mini_did(CAUSAL_DID_TWFE, 1);
    causal_result *r = NULL;
    assert_status(causal_did_fit(&r, d, ds), CAUSAL_EINVAL);
    causal_did_free(d);
    causal_dataset_free(ds);
  }
}

/* ---- simulation: coverage and pre-trend level -----------------------------
 */

static void test_simulation(void **state) {
  (void)state;
  enum { U = 60, T = 10, N = U * T, REPS = 200 };
  const double effect = 0.5;
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 20240611, 3));
  int64_t *unit = malloc(N * sizeof *unit);
  double *time = malloc(N * sizeof *time), *y = malloc(N * sizeof *y);
  double *coh = malloc(N * sizeof *coh);
  double ue[U], te[T], eps[N];
  size_t covered = 0, total = 0, rejected = 0;
  causal_did *d = NULL;
  assert_ok(causal_did_new(&d, CAUSAL_DID_EVENT_STUDY));
  assert_ok(causal_did_set_outcome(d, "y"));
  assert_ok(causal_did_set_unit(d, "unit"));
  assert_ok(causal_did_set_time(d, "time"));
  assert_ok(causal_did_set_cohort(d, "cohort"));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_LEADS, 3));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_LAGS, 3));
  assert_ok(causal_did_set_int(d, CAUSAL_DID_ENDPOINTS, CAUSAL_DID_DROP));
  /* fixest's rule: unit effects nested in the unit clusters are not
   * counted in K (lm's count inflates CR1 by sqrt((n-1)/(n-K)) ~ 1.07
   * here, and the intervals over-cover at ~0.97) */
  assert_ok(causal_did_set_int(d, CAUSAL_DID_SSC, CAUSAL_SSC_FIXEST));
  for (int rep = 0; rep < REPS; rep++) {
    assert_ok(causal_rng_normal(rng, 0, 1, ue, U));
    assert_ok(causal_rng_normal(rng, 0, 1, te, T));
    assert_ok(causal_rng_normal(rng, 0, 1, eps, N));
    for (int i = 0; i < N; i++) {
      int u = i / T, t = i % T + 1;
      /* cohorts 4, 6, 8 and never treated, 15 units each */
      double e = u % 4 == 3 ? 0 : 4 + 2 * (u % 4);
      unit[i] = u;
      time[i] = t;
      coh[i] = e;
      y[i] = ue[u] + te[t - 1] + eps[i] + (e > 0 && t >= e ? effect : 0);
    }
    causal_dataset *ds = NULL;
    assert_ok(causal_dataset_new(&ds));
    assert_ok(causal_dataset_add_i64(ds, "unit", unit, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "time", time, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_BORROW));
    assert_ok(
        causal_dataset_add_f64(ds, "cohort", coh, NULL, N, CAUSAL_BORROW));
    causal_result *r = fit(d, ds);
    const double *ev, *et;
    size_t ne, nc, n2;
    assert_ok(causal_result_get_matrix(r, "event", &ev, &ne, &nc));
    assert_ok(causal_result_get_vector(r, "event_time", &et, &n2));
    for (size_t j = 0; j < ne; j++) {
      if (et[j] == -1)
        continue;
      double truth = et[j] >= 0 ? effect : 0;
      covered += ev[j + 4 * ne] <= truth && truth <= ev[j + 5 * ne];
      total++;
    }
    rejected += scalar(r, "pretrend_p_value") < 0.05;
    causal_result_free(r);
    causal_dataset_free(ds);
  }
  double cov = (double)covered / (double)total;
  double rej = (double)rejected / REPS;
  print_message("simulation: coverage %.4f (%zu intervals), pre-trend "
                "rejection %.3f\n",
                cov, total, rej);
  if (!(cov >= 0.90 && cov <= 0.99))
    fail_msg("event-study 95%% CI coverage %.3f outside [0.90, 0.99]", cov);
  if (!(rej >= 0.02 && rej <= 0.09))
    fail_msg("pre-trend test rejection rate %.3f outside [0.02, 0.09]", rej);
  causal_did_free(d);
  causal_rng_free(rng);
  free(unit);
  free(time);
  free(y);
  free(coh);
}

/* ---- out of memory ------------------------------------------------------- */

typedef struct oom_arg {
  const causal_dataset *ds;
  int design, trends, weights, shift, bp;
} oom_arg;

static int oom_fit(void *p) {
  const oom_arg *o = p;
  causal_result *r = NULL;
  int rc;
  if (o->bp) {
    causal_regress *m = NULL;
    rc = causal_regress_new(&m, CAUSAL_REGRESS_OLS);
    if (rc == CAUSAL_OK)
      rc = causal_regress_set_outcome(m, "frate");
    if (rc == CAUSAL_OK)
      rc = causal_regress_add_term(m, "beertax");
    if (rc == CAUSAL_OK)
      rc = causal_regress_add_term(m, "unemp");
    if (rc == CAUSAL_OK && o->weights)
      rc = causal_regress_set_weights(m, "popm");
    const char *const z[1] = {"income"};
    if (rc == CAUSAL_OK)
      rc = causal_regress_breusch_pagan(&r, m, o->ds, o->bp == 2 ? z : NULL,
                                        o->bp == 2 ? 1 : 0, 1);
    causal_regress_free(m);
    causal_result_free(r);
    return rc;
  }
  causal_did *d = NULL;
  rc = causal_did_new(&d, o->design);
  if (rc == CAUSAL_OK)
    rc = causal_did_set_outcome(d, "frate");
  if (rc == CAUSAL_OK)
    rc = causal_did_set_unit(d, "state");
  if (rc == CAUSAL_OK && o->design == CAUSAL_DID_2X2) {
    rc = causal_did_set_group(d, "grp");
    if (rc == CAUSAL_OK)
      rc = causal_did_set_post(d, "post");
  } else if (rc == CAUSAL_OK) {
    rc = causal_did_set_time(d, "year");
    if (rc == CAUSAL_OK)
      rc = causal_did_set_cohort(d, "cohort");
  }
  if (rc == CAUSAL_OK)
    rc = causal_did_add_term(d, "unemp");
  if (rc == CAUSAL_OK && o->weights)
    rc = causal_did_set_weights(d, "popm");
  if (rc == CAUSAL_OK && o->trends)
    rc = causal_did_set_int(d, CAUSAL_DID_TRENDS, 1);
  if (rc == CAUSAL_OK && o->shift)
    rc = causal_did_set_int(d, CAUSAL_DID_PLACEBO_SHIFT, 1);
  if (rc == CAUSAL_OK && o->design == CAUSAL_DID_EVENT_STUDY) {
    rc = causal_did_set_int(d, CAUSAL_DID_LEADS, 2);
    if (rc == CAUSAL_OK)
      rc = causal_did_set_int(d, CAUSAL_DID_LAGS, 3);
  }
  if (rc == CAUSAL_OK)
    rc = causal_did_fit(&r, d, o->ds);
  causal_result_free(r);
  causal_did_free(d);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  causal_dataset *ds = fatalities();
  const oom_arg cases[] = {
      {ds, CAUSAL_DID_TWFE, 0, 0, 0, 0},
      {ds, CAUSAL_DID_TWFE, 1, 1, 0, 0},
      {ds, CAUSAL_DID_TWFE, 0, 0, 1, 0},
      {ds, CAUSAL_DID_EVENT_STUDY, 0, 1, 0, 0},
      {ds, CAUSAL_DID_EVENT_STUDY, 1, 0, 0, 0},
      {ds, CAUSAL_DID_2X2, 0, 0, 0, 0},
      {ds, 0, 0, 0, 0, 1},
      {ds, 0, 0, 1, 0, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cz_oom_sweep(oom_fit, (void *)&cases[i]);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_api),
      cmocka_unit_test(test_twfe_reference),
      cmocka_unit_test(test_event_reference),
      cmocka_unit_test(test_trend_reference),
      cmocka_unit_test(test_2x2_reference),
      cmocka_unit_test(test_breusch_pagan),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_simulation),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
