/* Tests for lib/iv.c: 2SLS / LIML / Fuller and the IV diagnostics against
 * the values of tests/ref/iv_reference.R (AER, sandwich, estimatr and
 * direct formula implementations), stored in tests/data/iv_reference.csv. */
#include "testutil.h"

#include "internal/iv.h"
#include "internal/regress.h"

#define TOL 1e-9

/* ---- reference values ------------------------------------------------- */
typedef struct refval {
  char key[512];
  double value;
} refval;
static refval *refs;
static size_t nrefs;

static size_t refcap;

static int load_file(const char *rel) {
  FILE *fp = fopen(cz_test_path(rel), "r");
  if (fp == NULL)
    return -1;
  char line[512];
  size_t cap = refcap;
  if (fgets(line, sizeof line, fp) == NULL) { /* header */
    fclose(fp);
    return -1;
  }
  while (fgets(line, sizeof line, fp)) {
    char *c1 = strchr(line, ',');
    char *c2 = c1 ? strrchr(line, ',') : NULL;
    if (c1 == NULL || c2 == NULL || c2 == c1)
      continue;
    if (nrefs == cap) {
      cap = cap ? 2 * cap : 512;
      refs = realloc(refs, cap * sizeof *refs);
    }
    *c2 = '\0';
    *c1 = ':';
    snprintf(refs[nrefs].key, sizeof refs[nrefs].key, "%s", line);
    refs[nrefs].value = strtod(c2 + 1, NULL);
    nrefs++;
  }
  refcap = cap;
  fclose(fp);
  return 0;
}

static int load_refs(void **state) {
  (void)state;
  if (load_file("data/iv_reference.csv") != 0 ||
      load_file("data/ols_fe_reference.csv") != 0)
    return -1;
  return load_file("data/iv_reference_sm.csv");
}

static int free_refs(void **state) {
  (void)state;
  free(refs);
  refs = NULL;
  nrefs = refcap = 0;
  return 0;
}

static int has_ref(const char *cs, const char *q) {
  char key[160];
  snprintf(key, sizeof key, "%s:%s", cs, q);
  for (size_t i = 0; i < nrefs; i++)
    if (strcmp(refs[i].key, key) == 0)
      return 1;
  return 0;
}

static double ref(const char *cs, const char *q) {
  char key[160];
  snprintf(key, sizeof key, "%s:%s", cs, q);
  for (size_t i = 0; i < nrefs; i++)
    if (strcmp(refs[i].key, key) == 0)
      return refs[i].value;
  fail_msg("reference value %s not found", key);
  return NAN;
}

/* ---- fitting helpers -------------------------------------------------- */
typedef struct spec {
  const char *data; /* file under tests/data */
  const char *y;
  const char *exog[4];
  const char *endo[3];
  const char *inst[6];
  const char *weights;
  const char *cluster;
  int vcov, ssc, method, keep;
  double level, alpha;
  const char *absorb[2];
} spec;

static int build_model(const spec *s, causal_regress **out) {
  causal_regress *m = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_IV);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, s->y);
  for (int j = 0; j < 4 && s->exog[j] && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_term(m, s->exog[j]);
  for (int j = 0; j < 3 && s->endo[j] && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_endogenous(m, s->endo[j]);
  for (int j = 0; j < 6 && s->inst[j] && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_instrument(m, s->inst[j]);
  if (s->weights && rc == CAUSAL_OK)
    rc = causal_regress_set_weights(m, s->weights);
  if (s->cluster && rc == CAUSAL_OK)
    rc = causal_regress_add_cluster(m, s->cluster);
  for (int j = 0; j < 2 && s->absorb[j] && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_absorb(m, s->absorb[j]);
  if (s->vcov && rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, s->vcov);
  if (s->ssc && rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_SSC, s->ssc);
  if (s->method && rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_IV_METHOD, s->method);
  if (s->keep && rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_KEEP_FITTED, 1);
  if (s->level > 0 && rc == CAUSAL_OK)
    rc = causal_regress_set_double(m, CAUSAL_REGRESS_CONF_LEVEL, s->level);
  if (s->alpha > 0 && rc == CAUSAL_OK)
    rc = causal_regress_set_double(m, CAUSAL_REGRESS_FULLER_ALPHA, s->alpha);
  if (rc != CAUSAL_OK) {
    causal_regress_free(m);
    return rc;
  }
  *out = m;
  return CAUSAL_OK;
}

/* The public entry: model frame, dispatch to cz_iv_fit. */
static int fit_ds(const spec *s, const causal_dataset *ds,
                  causal_result **out) {
  *out = NULL;
  causal_regress *m = NULL;
  int rc = build_model(s, &m);
  if (rc != CAUSAL_OK)
    return rc;
  rc = causal_regress_fit(out, m, ds);
  causal_regress_free(m);
  return rc;
}

static causal_dataset *load(const char *file) {
  char rel[256];
  snprintf(rel, sizeof rel, "data/%s", file);
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, cz_test_path(rel), NULL));
  return ds;
}

static causal_result *fit(const spec *s) {
  causal_dataset *ds = load(s->data);
  causal_result *r = NULL;
  int rc = fit_ds(s, ds, &r);
  causal_dataset_free(ds);
  assert_ok(rc);
  return r;
}

static double scalar(const causal_result *r, const char *name) {
  double v = NAN;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static double coef_col(const causal_result *r, const char *term, int col) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "coef", &v, &nr, &nc));
  for (size_t i = 0; i < nr; i++) {
    const char *t = causal_result_dimname(r, "coef", 0, i);
    if (t && strcmp(t, term) == 0)
      return v[i + (size_t)col * nr];
  }
  fail_msg("term %s not in coef", term);
  return NAN;
}

static double first_stage(const causal_result *r, const char *endo,
                          const char *col) {
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "first_stage", &v, &nr, &nc));
  assert_int_equal(nc, 5);
  size_t ci = nc;
  for (size_t j = 0; j < nc; j++)
    if (strcmp(causal_result_dimname(r, "first_stage", 1, j), col) == 0)
      ci = j;
  assert_true(ci < nc);
  for (size_t i = 0; i < nr; i++)
    if (strcmp(causal_result_dimname(r, "first_stage", 0, i), endo) == 0)
      return v[i + ci * nr];
  fail_msg("endogenous %s not in first_stage", endo);
  return NAN;
}

static const char *const cig_terms[] = {"(Intercept)", "lrincome", "lrprice"};
static const char *const cig2_terms[] = {"(Intercept)", "lrincome", "y95",
                                         "lrprice"};
static const char *const mroz_terms[] = {"(Intercept)", "city", "educ",
                                         "exper"};

static spec cig_spec(void) {
  spec s = {"iv_cig.csv",
            "lpacks",
            {"lrincome"},
            {"lrprice"},
            {"tdiff", "taxcpi"},
            NULL,
            NULL,
            0,
            0,
            0,
            0,
            0,
            0,
            {NULL, NULL}};
  return s;
}
static spec cig2_spec(void) {
  spec s = {"iv_cig2.csv",
            "lpacks",
            {"lrincome", "y95"},
            {"lrprice"},
            {"tdiff", "taxcpi"},
            NULL,
            "stateid",
            0,
            0,
            0,
            0,
            0,
            0,
            {NULL, NULL}};
  return s;
}
static spec mroz_spec(void) {
  spec s = {"iv_mroz.csv",
            "lwage",
            {"city"},
            {"educ", "exper"},
            {"age", "kidslt6", "meduc", "feduc", "heduc"},
            NULL,
            NULL,
            0,
            0,
            0,
            0,
            0,
            0,
            {NULL, NULL}};
  return s;
}

static void check_coefs(const causal_result *r, const char *cs,
                        const char *prefix, const char *const *terms,
                        size_t k) {
  char q[128];
  for (size_t j = 0; j < k; j++) {
    snprintf(q, sizeof q, "%s%s", prefix, terms[j]);
    assert_close(coef_col(r, terms[j], CAUSAL_TABLE_ESTIMATE), ref(cs, q), TOL);
  }
}

static void check_se(const causal_result *r, const char *cs, const char *prefix,
                     const char *const *terms, size_t k, double tol) {
  char q[128];
  for (size_t j = 0; j < k; j++) {
    snprintf(q, sizeof q, "%s%s", prefix, terms[j]);
    assert_close(coef_col(r, terms[j], CAUSAL_TABLE_STD_ERROR), ref(cs, q),
                 tol);
  }
}

/* ---- classical 2SLS with AER's diagnostics ----------------------------- */
static void check_classical(const char *cs, const spec *s,
                            const char *const *terms, size_t k) {
  causal_result *r = fit(s);
  assert_string_equal(causal_result_kind(r), "iv");
  check_coefs(r, cs, "coef_", terms, k);
  check_se(r, cs, "se_classical_", terms, k, TOL);
  assert_close(scalar(r, "sigma"), ref(cs, "sigma"), TOL);
  assert_close(scalar(r, "r_squared"), ref(cs, "r_squared"), TOL);
  assert_close(scalar(r, "adj_r_squared"), ref(cs, "adj_r_squared"), TOL);
  assert_close(scalar(r, "f_statistic"), ref(cs, "f_statistic"), TOL);
  assert_close(scalar(r, "f_p_value"), ref(cs, "f_p_value"), TOL);
  const char *vt;
  assert_ok(causal_result_get_string(r, "vcov_type", &vt));
  assert_string_equal(vt, "classical");
  /* first stages (AER's "Weak instruments" rows) */
  const double *fs;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "first_stage", &fs, &nr, &nc));
  for (size_t i = 0; i < nr; i++) {
    const char *e = causal_result_dimname(r, "first_stage", 0, i);
    char q[128];
    snprintf(q, sizeof q, "weak_f_%s", e);
    assert_close(first_stage(r, e, "f_statistic"), ref(cs, q), TOL);
    snprintf(q, sizeof q, "weak_p_%s", e);
    assert_close(first_stage(r, e, "p_value"), ref(cs, q), TOL);
    snprintf(q, sizeof q, "partial_r2_%s", e);
    assert_close(first_stage(r, e, "partial_r2"), ref(cs, q), TOL);
  }
  assert_close(scalar(r, "wu_hausman_f"), ref(cs, "wu_hausman"), TOL);
  assert_close(scalar(r, "wu_hausman_p_value"), ref(cs, "wu_hausman_p"), TOL);
  assert_close(scalar(r, "wu_hausman_f"), ref(cs, "wu_hausman_direct"), TOL);
  assert_close(scalar(r, "durbin"), ref(cs, "durbin_direct"), TOL);
  if (has_ref(cs, "sargan")) {
    assert_close(scalar(r, "sargan"), ref(cs, "sargan"), TOL);
    assert_close(scalar(r, "sargan_p_value"), ref(cs, "sargan_p"), TOL);
    assert_close(scalar(r, "hansen_j"), ref(cs, "hansen_j_hc"), TOL);
  }
  assert_close(scalar(r, "cragg_donald_f"), ref(cs, "cragg_donald_f"), TOL);
  /* KP with the homoskedastic meat is the Cragg–Donald F */
  assert_close(scalar(r, "kp_rk_wald_f"), ref(cs, "kp_iid_f"), TOL);
  assert_close(scalar(r, "kp_rk_wald_f"), scalar(r, "cragg_donald_f"), 1e-10);
  assert_close(scalar(r, "ar_f"), ref(cs, "ar_f"), TOL);
  causal_result_free(r);
}

/* statsmodels' IV2SLS (classical) on the same data */
static void check_statsmodels(const char *cs, const spec *s,
                              const char *const *terms, size_t k) {
  causal_result *r = fit(s);
  check_coefs(r, cs, "coef_", terms, k);
  check_se(r, cs, "se_classical_", terms, k, TOL);
  assert_close(scalar(r, "rss"), ref(cs, "rss"), TOL);
  causal_result_free(r);
}

static void test_cig_classical(void **state) {
  (void)state;
  spec s = cig_spec();
  check_classical("cig", &s, cig_terms, 3);
  check_statsmodels("sm_cig", &s, cig_terms, 3);
}

static void test_mroz_classical(void **state) {
  (void)state;
  spec s = mroz_spec();
  check_classical("mroz", &s, mroz_terms, 4);
  check_statsmodels("sm_mroz", &s, mroz_terms, 4);
}

static void test_cig2_classical(void **state) {
  (void)state;
  spec s = cig2_spec();
  s.cluster = NULL;
  check_classical("cig2", &s, cig2_terms, 4);
}

static void test_weighted(void **state) {
  (void)state;
  spec s = cig_spec();
  s.weights = "pop";
  check_classical("cigw", &s, cig_terms, 3);
  s.vcov = CAUSAL_VCOV_HC1;
  causal_result *r = fit(&s);
  check_se(r, "cigw", "se_sandwich_HC1_", cig_terms, 3, TOL);
  assert_close(first_stage(r, "lrprice", "f_statistic"),
               ref("cigw", "weak_f_HC1_lrprice"), TOL);
  assert_close(scalar(r, "wu_hausman_f"), ref("cigw", "wu_hausman_HC1"), TOL);
  assert_close(scalar(r, "f_statistic"), ref("cigw", "f_statistic_HC1"), TOL);
  causal_result_free(r);
}

/* ---- heteroskedasticity-robust ------------------------------------------ */
static void check_hc(const char *cs, spec s, const char *const *terms,
                     size_t k) {
  static const char *const labels[] = {"HC0", "HC1", "HC2", "HC3"};
  for (int t = 0; t < 4; t++) {
    s.vcov = CAUSAL_VCOV_HC0 + t;
    causal_result *r = fit(&s);
    char p[64];
    snprintf(p, sizeof p, "se_estimatr_%s_", labels[t]);
    check_se(r, cs, p, terms, k, TOL);
    if (t < 2) { /* sandwich::vcovHC on the ivreg fit agrees for HC0/HC1 */
      snprintf(p, sizeof p, "se_sandwich_%s_", labels[t]);
      check_se(r, cs, p, terms, k, TOL);
    }
    const char *vt;
    assert_ok(causal_result_get_string(r, "vcov_type", &vt));
    assert_string_equal(vt, labels[t]);
    /* estimatr's diagnostics under the same se_type */
    for (int e = 0; e < 3 && s.endo[e]; e++) {
      char q[128];
      snprintf(q, sizeof q, "fs_f_%s_%s", labels[t], s.endo[e]);
      assert_close(first_stage(r, s.endo[e], "f_statistic"), ref(cs, q), TOL);
      snprintf(q, sizeof q, "fs_p_%s_%s", labels[t], s.endo[e]);
      assert_close(first_stage(r, s.endo[e], "p_value"), ref(cs, q), TOL);
    }
    snprintf(p, sizeof p, "wh_%s", labels[t]);
    assert_close(scalar(r, "wu_hausman_f"), ref(cs, p), TOL);
    snprintf(p, sizeof p, "wh_p_%s", labels[t]);
    assert_close(scalar(r, "wu_hausman_p_value"), ref(cs, p), TOL);
    /* KP and J do not depend on the HC variant */
    assert_close(scalar(r, "kp_rk_wald"), ref(cs, "kp_hc"), TOL);
    assert_close(scalar(r, "kp_rk_wald_f"), ref(cs, "kp_hc_f"), TOL);
    if (has_ref(cs, "hansen_j_hc"))
      assert_close(scalar(r, "hansen_j"), ref(cs, "hansen_j_hc"), TOL);
    if (t == 1) {
      assert_close(scalar(r, "f_statistic"), ref(cs, "f_statistic_HC1"), TOL);
      for (int e = 0; e < 3 && s.endo[e]; e++) {
        char q[128];
        snprintf(q, sizeof q, "weak_f_HC1_%s", s.endo[e]);
        assert_close(first_stage(r, s.endo[e], "f_statistic"), ref(cs, q), TOL);
      }
      assert_close(scalar(r, "wu_hausman_f"), ref(cs, "wu_hausman_HC1"), TOL);
    }
    causal_result_free(r);
  }
}

static void test_cig_hc(void **state) {
  (void)state;
  check_hc("cig", cig_spec(), cig_terms, 3);
}

static void test_mroz_hc(void **state) {
  (void)state;
  check_hc("mroz", mroz_spec(), mroz_terms, 4);
}

/* With one endogenous regressor the KP rk Wald F equals the robust
 * first-stage F with the HC1 factor n / (n - L). */
static void test_kp_single_endogenous(void **state) {
  (void)state;
  spec s = cig_spec();
  s.vcov = CAUSAL_VCOV_HC1;
  causal_result *r = fit(&s);
  assert_close(scalar(r, "kp_rk_wald_f"),
               first_stage(r, "lrprice", "f_statistic"), 1e-10);
  causal_result_free(r);
}

/* ---- cluster-robust ----------------------------------------------------- */
static void check_cluster(const char *cs, spec s, const char *const *terms,
                          size_t k) {
  static const char *const labels[] = {"CR0", "stata", "CR2"};
  static const int types[] = {CAUSAL_VCOV_CR0, CAUSAL_VCOV_CR1,
                              CAUSAL_VCOV_CR2};
  for (int t = 0; t < 3; t++) {
    s.vcov = types[t];
    causal_result *r = fit(&s);
    char p[64];
    snprintf(p, sizeof p, "se_estimatr_%s_", labels[t]);
    check_se(r, cs, p, terms, k, TOL);
    for (int e = 0; e < 3 && s.endo[e]; e++) {
      char q[128];
      snprintf(q, sizeof q, "fs_f_%s_%s", labels[t], s.endo[e]);
      assert_close(first_stage(r, s.endo[e], "f_statistic"), ref(cs, q), TOL);
      snprintf(q, sizeof q, "fs_df2_%s", labels[t]);
      assert_close(first_stage(r, s.endo[e], "df2"), ref(cs, q), TOL);
      snprintf(q, sizeof q, "fs_p_%s_%s", labels[t], s.endo[e]);
      assert_close(first_stage(r, s.endo[e], "p_value"), ref(cs, q), TOL);
    }
    snprintf(p, sizeof p, "wh_%s", labels[t]);
    assert_close(scalar(r, "wu_hausman_f"), ref(cs, p), TOL);
    assert_close(scalar(r, "kp_rk_wald_f"), ref(cs, "kp_cl_f"), TOL);
    assert_close(scalar(r, "hansen_j"), ref(cs, "hansen_j_cl"), TOL);
    assert_close(scalar(r, "n_clusters"), strcmp(cs, "cig2") == 0 ? 48.0 : 7.0,
                 0);
    causal_result_free(r);
  }
}

static void test_cig2_cluster(void **state) {
  (void)state;
  check_cluster("cig2", cig2_spec(), cig2_terms, 4);
}

static void test_mroz_cluster(void **state) {
  (void)state;
  spec s = mroz_spec();
  s.cluster = "unemp";
  check_cluster("mrozcl", s, mroz_terms, 4);
}

/* Two-way clustering: KP and J use S1 + S2 - S12 (checked against the R
 * implementation); an indefinite two-way meat gives NaN, not a number. */
static int fit2way(const spec *s, const char *cl2, causal_result **r) {
  causal_dataset *ds = load(s->data);
  causal_regress *m = NULL;
  int rc = build_model(s, &m);
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_cluster(m, cl2);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(r, m, ds);
  causal_regress_free(m);
  causal_dataset_free(ds);
  return rc;
}

static void test_two_way_cluster(void **state) {
  (void)state;
  spec s = cig2_spec();
  s.vcov = CAUSAL_VCOV_CR0;
  causal_result *r = NULL;
  assert_ok(fit2way(&s, "y95", &r));
  assert_close(scalar(r, "n_clusters2"), 2, 0);
  assert_close(scalar(r, "kp_rk_wald"), ref("cig2", "kp_cl2"), TOL);
  /* here the two-way meat of the moment conditions is indefinite (R's
   * smallest eigenvalue is negative): J is reported as NaN with a warning */
  assert_true(ref("cig2", "hansen_j_cl2_S_mineig") < 0);
  assert_true(isnan(scalar(r, "hansen_j")));
  assert_true(causal_result_nwarnings(r) >= 1);
  /* F scaling with G = min(G1, G2) = 2 */
  assert_close(scalar(r, "kp_rk_wald_f"),
               ref("cig2", "kp_cl2") / 95.0 * (96.0 - 5.0) * 0.5 / 2.0, TOL);
  causal_result_free(r);
  spec t = mroz_spec();
  t.cluster = "unemp";
  t.vcov = CAUSAL_VCOV_CR1;
  assert_ok(fit2way(&t, "age", &r));
  assert_true(ref("mrozcl", "kp_cl2") < 0); /* R: Omega is indefinite */
  assert_true(isnan(scalar(r, "kp_rk_wald")));
  if (ref("mrozcl", "hansen_j_cl2_S_mineig") > 0)
    assert_close(scalar(r, "hansen_j"), ref("mrozcl", "hansen_j_cl2"), TOL);
  else
    assert_true(isnan(scalar(r, "hansen_j")));
  causal_result_free(r);
}

/* ---- LIML and Fuller ----------------------------------------------------- */
static void check_kclass(const char *cs, spec s, const char *const *terms,
                         size_t k) {
  s.method = CAUSAL_IV_LIML;
  causal_result *r = fit(&s);
  assert_close(scalar(r, "kappa"), ref(cs, "liml_kappa"), 1e-12);
  check_coefs(r, cs, "liml_coef_", terms, k);
  check_se(r, cs, "liml_se_classical_", terms, k, TOL);
  const char *mt;
  assert_ok(causal_result_get_string(r, "iv_method", &mt));
  assert_string_equal(mt, "LIML");
  causal_result_free(r);
  s.vcov = CAUSAL_VCOV_HC0;
  r = fit(&s);
  check_se(r, cs, "liml_se_HC0_", terms, k, TOL);
  causal_result_free(r);
  s.vcov = 0;
  s.method = CAUSAL_IV_FULLER;
  r = fit(&s);
  assert_close(scalar(r, "kappa"), ref(cs, "fuller1_kappa"), 1e-12);
  check_coefs(r, cs, "fuller1_coef_", terms, k);
  causal_result_free(r);
  s.alpha = 4;
  r = fit(&s);
  assert_close(scalar(r, "kappa"), ref(cs, "fuller4_kappa"), 1e-12);
  check_coefs(r, cs, "fuller4_coef_", terms, k);
  assert_close(scalar(r, "fuller_alpha"), 4.0, 0);
  causal_result_free(r);
}

static void test_cig_kclass(void **state) {
  (void)state;
  check_kclass("cig", cig_spec(), cig_terms, 3);
}

static void test_mroz_kclass(void **state) {
  (void)state;
  check_kclass("mroz", mroz_spec(), mroz_terms, 4);
}

/* ---- Anderson–Rubin confidence sets ---------------------------------------
 */
static void check_ar_set(const char *cs, spec s) {
  causal_result *r = fit(&s);
  const char *type;
  assert_ok(causal_result_get_string(r, "ar_ci_type", &type));
  char q[64];
  snprintf(q, sizeof q, "ar_ci_type_%s", type);
  if (!has_ref(cs, q))
    fail_msg("%s: AR set type %s differs from the reference", cs, type);
  if (strcmp(type, "interval") == 0 || strcmp(type, "rays") == 0) {
    assert_close(scalar(r, "ar_ci_low"), ref(cs, "ar_ci_low"), 1e-9);
    assert_close(scalar(r, "ar_ci_high"), ref(cs, "ar_ci_high"), 1e-9);
  } else if (strcmp(type, "all") == 0) {
    assert_true(isinf(scalar(r, "ar_ci_low")) && scalar(r, "ar_ci_low") < 0);
    assert_true(isinf(scalar(r, "ar_ci_high")) && scalar(r, "ar_ci_high") > 0);
  }
  causal_result_free(r);
}

static void test_ar_sets(void **state) {
  (void)state;
  check_ar_set("cig", cig_spec());
  spec s = {"iv_mroz.csv",
            "lwage",
            {"exper", "city"},
            {"educ"},
            {"meduc", "feduc"},
            NULL,
            NULL,
            0,
            0,
            0,
            0,
            0,
            0,
            {NULL, NULL}};
  check_ar_set("mroz1", s);
  spec w1 = s;
  memset(w1.inst, 0, sizeof w1.inst);
  w1.inst[0] = "age";
  check_ar_set("weak1", w1);
  w1.inst[1] = "unemp";
  check_ar_set("weak2", w1);
  w1.level = 0.99;
  check_ar_set("weak4", w1);
  spec w3 = s;
  memset(w3.inst, 0, sizeof w3.inst);
  w3.inst[0] = "unemp";
  w3.level = 0.955;
  check_ar_set("weak3", w3);
  w3.inst[0] = "kidslt6";
  w3.level = 0.9932;
  check_ar_set("weak5", w3);
  /* several endogenous regressors: joint AR test only */
  spec m = mroz_spec();
  causal_result *r = fit(&m);
  const char *type;
  assert_ok(causal_result_get_string(r, "ar_ci_type", &type));
  assert_string_equal(type, "unavailable");
  causal_result_free(r);
}

/* The AR bounds solve F(b) = F_crit: refit with the outcome y - b x and
 * check the AR F there (independent of the quadratic solution). */
static void test_ar_bounds_self_consistent(void **state) {
  (void)state;
  causal_dataset *ds = load("iv_cig.csv");
  spec s = cig_spec();
  causal_result *r = NULL;
  assert_ok(fit_ds(&s, ds, &r));
  double b[2] = {scalar(r, "ar_ci_low"), scalar(r, "ar_ci_high")};
  causal_result_free(r);
  size_t col, n = causal_dataset_nrows(ds);
  const double *y, *x;
  assert_ok(causal_dataset_col_index(ds, "lpacks", &col));
  assert_ok(causal_dataset_col_f64(ds, col, &y, NULL));
  assert_ok(causal_dataset_col_index(ds, "lrprice", &col));
  assert_ok(causal_dataset_col_f64(ds, col, &x, NULL));
  double *y0 = malloc(n * sizeof *y0);
  for (int t = 0; t < 2; t++) {
    for (size_t i = 0; i < n; i++)
      y0[i] = y[i] - b[t] * x[i];
    causal_dataset *d2 = load("iv_cig.csv");
    assert_ok(causal_dataset_add_f64(d2, "y0", y0, NULL, n, CAUSAL_COPY));
    spec s2 = s;
    s2.y = "y0";
    assert_ok(fit_ds(&s2, d2, &r));
    double p = scalar(r, "ar_f_p_value");
    assert_close(p, 0.05, 1e-9);
    causal_result_free(r);
    causal_dataset_free(d2);
  }
  free(y0);
  causal_dataset_free(ds);
}

/* All branches of the quadratic inequality behind the AR set. */
static void test_quadratic_set(void **state) {
  (void)state;
  double lo, hi;
  /* (b - 1)(b - 3) <= 0 */
  assert_string_equal(cz_iv_quadratic_set(1, -4, 3, &lo, &hi), "interval");
  assert_close(lo, 1, 1e-15);
  assert_close(hi, 3, 1e-15);
  /* -(b - 1)(b - 3) <= 0 */
  assert_string_equal(cz_iv_quadratic_set(-1, 4, -3, &lo, &hi), "rays");
  assert_close(lo, 1, 1e-15);
  assert_close(hi, 3, 1e-15);
  /* b^2 + 1 <= 0 */
  assert_string_equal(cz_iv_quadratic_set(1, 0, 1, &lo, &hi), "empty");
  assert_true(isnan(lo) && isnan(hi));
  /* -b^2 - 1 <= 0 and -(b - 2)^2 <= 0 */
  assert_string_equal(cz_iv_quadratic_set(-1, 0, -1, &lo, &hi), "all");
  assert_true(isinf(lo) && lo < 0 && isinf(hi) && hi > 0);
  assert_string_equal(cz_iv_quadratic_set(-1, 4, -4, &lo, &hi), "all");
  /* (b - 2)^2 <= 0: the single point */
  assert_string_equal(cz_iv_quadratic_set(1, -4, 4, &lo, &hi), "interval");
  assert_close(lo, 2, 1e-15);
  assert_close(hi, 2, 1e-15);
  /* linear: 2b - 4 <= 0 and -2b + 4 <= 0 */
  assert_string_equal(cz_iv_quadratic_set(0, 2, -4, &lo, &hi), "ray");
  assert_true(isinf(lo) && lo < 0);
  assert_close(hi, 2, 1e-15);
  assert_string_equal(cz_iv_quadratic_set(0, -2, 4, &lo, &hi), "ray");
  assert_close(lo, 2, 1e-15);
  assert_true(isinf(hi) && hi > 0);
  /* constant */
  assert_string_equal(cz_iv_quadratic_set(0, 0, 1, &lo, &hi), "empty");
  assert_string_equal(cz_iv_quadratic_set(0, 0, -1, &lo, &hi), "all");
  /* widely separated roots keep full accuracy: (b - 1e-8)(b - 1e8) */
  assert_string_equal(cz_iv_quadratic_set(1, -(1e8 + 1e-8), 1, &lo, &hi),
                      "interval");
  assert_close(lo, 1e-8, 1e-15);
  assert_close(hi, 1e8, 1e-15);
}

/* ---- other entries ---------------------------------------------------- */
static void test_entries(void **state) {
  (void)state;
  spec s = cig_spec();
  s.keep = 1;
  causal_result *r = fit(&s);
  const double *fv, *rv;
  size_t n1, n2;
  assert_ok(causal_result_get_vector(r, "fitted", &fv, &n1));
  assert_ok(causal_result_get_vector(r, "residuals", &rv, &n2));
  assert_int_equal(n1, 48);
  assert_int_equal(n2, 48);
  double rss = 0;
  for (size_t i = 0; i < n2; i++)
    rss += rv[i] * rv[i];
  assert_close(rss, scalar(r, "rss"), 1e-12);
  assert_close(sqrt(rss / 45.0), ref("cig", "sigma"), TOL);
  assert_close(scalar(r, "nobs"), 48, 0);
  assert_close(scalar(r, "df_residual"), 45, 0);
  assert_close(scalar(r, "df"), 45, 0);
  assert_close(scalar(r, "sargan_df"), 1, 0);
  assert_close(scalar(r, "kp_rk_df"), 2, 0);
  const char *str;
  assert_ok(causal_result_get_string(r, "statistic", &str));
  assert_string_equal(str, "t");
  assert_ok(causal_result_get_string(r, "instruments", &str));
  assert_string_equal(str, "tdiff,taxcpi");
  assert_ok(causal_result_get_string(r, "endogenous", &str));
  assert_string_equal(str, "lrprice");
  assert_ok(causal_result_get_string(r, "dropped_terms", &str));
  assert_string_equal(str, "");
  assert_ok(causal_result_get_string(r, "iv_method", &str));
  assert_string_equal(str, "2SLS");
  assert_close(scalar(r, "kappa"), 1.0, 0);
  const double *V;
  size_t a, b;
  assert_ok(causal_result_get_matrix(r, "vcov", &V, &a, &b));
  assert_int_equal(a, 3);
  char *json = NULL;
  size_t len = 0;
  assert_ok(causal_result_to_json(r, &json, &len));
  assert_non_null(strstr(json, "\"kp_rk_wald_f\""));
  causal_free(json);
  causal_result_free(r);
  /* just-identified: no over-identification statistics */
  s.inst[1] = NULL;
  r = fit(&s);
  assert_true(isnan(scalar(r, "sargan")));
  assert_true(isnan(scalar(r, "hansen_j")));
  assert_close(scalar(r, "sargan_df"), 0, 0);
  causal_result_free(r);
}

/* A collinear exogenous term is dropped (and named) under RANK_DROP. */
static void test_dropped_exog(void **state) {
  (void)state;
  causal_dataset *ds = load("iv_cig.csv");
  size_t col, n = causal_dataset_nrows(ds);
  const double *x;
  assert_ok(causal_dataset_col_index(ds, "lrincome", &col));
  assert_ok(causal_dataset_col_f64(ds, col, &x, NULL));
  double *x2 = malloc(n * sizeof *x2);
  for (size_t i = 0; i < n; i++)
    x2[i] = 2.0 * x[i];
  assert_ok(causal_dataset_add_f64(ds, "inc2", x2, NULL, n, CAUSAL_COPY));
  spec s = cig_spec();
  s.exog[1] = "inc2";
  causal_result *r = NULL;
  assert_ok(fit_ds(&s, ds, &r));
  const char *str;
  assert_ok(causal_result_get_string(r, "dropped_terms", &str));
  assert_true(strcmp(str, "inc2") == 0 || strcmp(str, "lrincome") == 0);
  assert_int_equal(causal_result_nwarnings(r), 1);
  assert_close(coef_col(r, "lrprice", 0), ref("cig", "coef_lrprice"), 1e-8);
  causal_result_free(r);
  causal_regress *m = NULL;
  assert_ok(build_model(&s, &m));
  assert_ok(causal_regress_set_int(m, CAUSAL_REGRESS_RANK, CAUSAL_RANK_ERROR));
  cz_frame f;
  memset(&f, 0, sizeof f);
  assert_ok(cz_frame_build(&f, m, ds));
  assert_ok(causal_result_new(&r, "iv"));
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_ESINGULAR);
  assert_error_mentions("collinear");
  causal_result_free(r);
  cz_frame_free(&f);
  causal_regress_free(m);
  free(x2);
  causal_dataset_free(ds);
}

/* ---- bad input -------------------------------------------------------- */
static void expect_fail(causal_dataset *ds, const spec *s, int status,
                        const char *frag) {
  causal_result *r = NULL;
  assert_status(fit_ds(s, ds, &r), status);
  assert_null(r);
  assert_error_mentions(frag);
}

static void test_errors(void **state) {
  (void)state;
  causal_dataset *ds = load("iv_mroz.csv");
  size_t col, n = causal_dataset_nrows(ds);
  const int64_t *xi;
  assert_ok(causal_dataset_col_index(ds, "city", &col));
  assert_ok(causal_dataset_col_i64(ds, col, &xi, NULL));
  double *v = malloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = 3.0 * (double)xi[i] - 1.0;
  assert_ok(causal_dataset_add_f64(ds, "city3", v, NULL, n, CAUSAL_COPY));
  for (size_t i = 0; i < n; i++)
    v[i] = 7.5;
  assert_ok(causal_dataset_add_f64(ds, "const", v, NULL, n, CAUSAL_COPY));
  const int64_t *x1, *x2;
  assert_ok(causal_dataset_col_index(ds, "meduc", &col));
  assert_ok(causal_dataset_col_i64(ds, col, &x1, NULL));
  assert_ok(causal_dataset_col_index(ds, "feduc", &col));
  assert_ok(causal_dataset_col_i64(ds, col, &x2, NULL));
  for (size_t i = 0; i < n; i++)
    v[i] = (double)(x1[i] + x2[i]);
  assert_ok(causal_dataset_add_f64(ds, "pareduc", v, NULL, n, CAUSAL_COPY));

  /* under-identified: 2 endogenous, 1 instrument */
  spec s = mroz_spec();
  memset(s.inst, 0, sizeof s.inst);
  s.inst[0] = "meduc";
  expect_fail(ds, &s, CAUSAL_EINVAL, "under-identified");
  assert_error_mentions("2 endogenous regressors");
  assert_error_mentions("1 excluded instrument");
  /* instrument collinear with the exogenous regressors */
  s = mroz_spec();
  s.inst[1] = "city3";
  expect_fail(ds, &s, CAUSAL_ESINGULAR, "instrument 'city3'");
  assert_error_mentions("collinear with the exogenous");
  /* zero-variance instrument */
  s = mroz_spec();
  s.inst[2] = "const";
  expect_fail(ds, &s, CAUSAL_ESINGULAR, "instrument 'const' has zero variance");
  /* instruments collinear among themselves */
  s = mroz_spec();
  s.inst[0] = "pareduc"; /* = meduc + feduc, both also instruments */
  expect_fail(ds, &s, CAUSAL_ESINGULAR, "collinear with the other instruments");
  /* endogenous regressor collinear with the exogenous ones */
  s = mroz_spec();
  s.endo[1] = "city3";
  expect_fail(ds, &s, CAUSAL_ESINGULAR, "endogenous regressor 'city3'");
  free(v);
  causal_dataset_free(ds);

  /* too few observations: 5 rows, L = 2 + 3 */
  causal_dataset *small = NULL;
  double a[5] = {1, 2, 3, 4, 5}, b[5] = {2, 1, 4, 3, 6}, c[5] = {1, 0, 1, 1, 0};
  double d[5] = {0.5, 0.1, 0.9, 0.3, 0.2}, e[5] = {3, 1, 2, 5, 4};
  assert_ok(causal_dataset_new(&small));
  assert_ok(causal_dataset_add_f64(small, "y", a, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(small, "x", b, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(small, "w", c, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(small, "z1", d, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(small, "z2", e, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(small, "q", e, NULL, 5, CAUSAL_COPY));
  spec t3 = {NULL, "y", {"w", "q"}, {"x"}, {"z1", "z2"}, NULL, NULL, 0, 0,
             0,    0,   0,          0,    {NULL, NULL}};
  expect_fail(small, &t3, CAUSAL_EINVAL, "5 observations are too few");
  causal_dataset_free(small);
}

/* NaN and Inf reaching the fit directly (the frame builder removes missing
 * rows; a hand-built frame checks the fit's own guard). */
static void test_nonfinite_frame(void **state) {
  (void)state;
  double y[6] = {1, 2, 3, 4, 5, 7}, X[6] = {1, 1, 1, 1, 1, 1};
  double Xe[6] = {1, 3, 2, 5, 4, 6},
         Z[12] = {1, 2, 2, 4, 5, 5, 0, 1, 0, 1, 1, 0};
  char *xn[1] = {"(Intercept)"}, *en[1] = {"x"}, *zn[2] = {"z1", "z2"};
  cz_frame f;
  memset(&f, 0, sizeof f);
  f.n = 6;
  f.y = y;
  f.X = X;
  f.k = 1;
  f.xnames = xn;
  f.Xe = Xe;
  f.ke = 1;
  f.xenames = en;
  f.Z = Z;
  f.kz = 2;
  f.znames = zn;
  causal_regress *m = NULL;
  assert_ok(causal_regress_new(&m, CAUSAL_REGRESS_IV));
  causal_result *r = NULL;
  assert_ok(causal_result_new(&r, "iv"));
  f.alloc = m->alloc;             /* the thread's current allocator */
  assert_ok(cz_iv_fit(r, &f, m)); /* finite: fits */
  Z[9] = NAN;
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_ENONFINITE);
  assert_error_mentions("instrument 'z2' is NaN at row 3");
  Z[9] = 1;
  Xe[2] = -INFINITY;
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_ENONFINITE);
  assert_error_mentions("endogenous regressor 'x' is -Inf at row 2");
  Xe[2] = 2;
  y[0] = NAN;
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_ENONFINITE);
  y[0] = 1;
  assert_status(cz_iv_fit(NULL, &f, m), CAUSAL_EINVAL);
  assert_status(cz_iv_fit(r, NULL, m), CAUSAL_EINVAL);
  assert_status(cz_iv_fit(r, &f, NULL), CAUSAL_EINVAL);
  /* an absorbed factor whose every level is a singleton leaves nothing */
  int32_t codes[6] = {0, 1, 2, 3, 4, 5}, *fes[1] = {codes};
  size_t lev[1] = {6};
  f.fe = fes;
  f.fe_levels = lev;
  f.nfe = 1;
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_EINVAL);
  assert_error_mentions("singleton");
  f.nfe = 0;
  m->iv_method = 9;
  assert_status(cz_iv_fit(r, &f, m), CAUSAL_ERANGE);
  causal_result_free(r);
  causal_regress_free(m);
}

/* ---- out of memory ------------------------------------------------------ */
typedef struct oom_arg {
  causal_dataset *ds;
  spec s;
} oom_arg;

static int oom_fit(void *p) {
  oom_arg *o = p;
  causal_result *r = NULL;
  int rc = fit_ds(&o->s, o->ds, &r);
  causal_result_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  oom_arg o;
  o.ds = load("iv_mroz.csv");
  o.s = mroz_spec();
  o.s.cluster = "unemp";
  o.s.method = CAUSAL_IV_LIML;
  o.s.keep = 1;
  cz_oom_sweep(oom_fit, &o);
  causal_dataset_free(o.ds);
  o.ds = load("iv_cig.csv");
  o.s = cig_spec();
  o.s.weights = "pop";
  o.s.vcov = CAUSAL_VCOV_HC3;
  cz_oom_sweep(oom_fit, &o);
  causal_dataset_free(o.ds);
}

/* ---- absorbed fixed effects -------------------------------------------- */
/* CigarettesSW (48 states x 1985, 1995) with state and year effects
 * absorbed vs ivreg with the factors as dummies (tests/ref/
 * ols_fe_reference.R): slopes, classical / HC1 / CR1 (by state) standard
 * errors, rss, sigma, residual df. */
static void test_absorb(void **state) {
  (void)state;
  static const int types[] = {CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC1,
                              CAUSAL_VCOV_CR1};
  static const char *const cases[] = {"cig_iv_classical", "cig_iv_HC1",
                                      "cig_iv_CR1"};
  static const char *const terms[] = {"lrincome", "lrprice"};
  double worst = 0;
  for (int t = 0; t < 3; t++) {
    spec s;
    memset(&s, 0, sizeof s);
    s.data = "ols_fe_cigs.csv";
    s.y = "lpacks";
    s.exog[0] = "lrincome";
    s.endo[0] = "lrprice";
    s.inst[0] = "tdiff";
    s.inst[1] = "rtax";
    s.absorb[0] = "state";
    s.absorb[1] = "year";
    s.vcov = types[t];
    s.ssc = CAUSAL_SSC_R;
    if (types[t] == CAUSAL_VCOV_CR1)
      s.cluster = "state";
    causal_result *r = fit(&s);
    char q[64];
    for (int j = 0; j < 2; j++) {
      snprintf(q, sizeof q, "estimate,%s", terms[j]);
      double e = fabs(coef_col(r, terms[j], 0) / ref(cases[t], q) - 1);
      snprintf(q, sizeof q, "std_error,%s", terms[j]);
      double se = fabs(coef_col(r, terms[j], 1) / ref(cases[t], q) - 1);
      worst = fmax(worst, fmax(e, se));
      assert_true(e < 1e-10);
      assert_true(se < 1e-10);
    }
    double df = fabs(scalar(r, "df") / ref(cases[t], "df,") - 1);
    assert_true(df < 1e-12);
    if (t == 0) {
      static const char *const sc[] = {"rss", "sigma", "df_residual"};
      for (int j = 0; j < 3; j++) {
        snprintf(q, sizeof q, "%s,", sc[j]);
        double e = fabs(scalar(r, sc[j]) / ref(cases[t], q) - 1);
        worst = fmax(worst, e);
        assert_true(e < 1e-10);
      }
      assert_true(scalar(r, "dof_fe") == 49); /* 48 states + 2 years - 1 */
      assert_true(scalar(r, "n_singletons") == 0);
      assert_true(scalar(r, "nobs") == 96);
    }
    causal_result_free(r);
  }
  print_message("IV with absorbed state and year effects: max rel err %.2e\n",
                worst);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cig_classical),
      cmocka_unit_test(test_mroz_classical),
      cmocka_unit_test(test_cig2_classical),
      cmocka_unit_test(test_weighted),
      cmocka_unit_test(test_cig_hc),
      cmocka_unit_test(test_mroz_hc),
      cmocka_unit_test(test_kp_single_endogenous),
      cmocka_unit_test(test_cig2_cluster),
      cmocka_unit_test(test_mroz_cluster),
      cmocka_unit_test(test_two_way_cluster),
      cmocka_unit_test(test_cig_kclass),
      cmocka_unit_test(test_mroz_kclass),
      cmocka_unit_test(test_ar_sets),
      cmocka_unit_test(test_ar_bounds_self_consistent),
      cmocka_unit_test(test_quadratic_set),
      cmocka_unit_test(test_entries),
      cmocka_unit_test(test_dropped_exog),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_nonfinite_frame),
      cmocka_unit_test(test_oom),
      cmocka_unit_test(test_absorb),
  };
  return cmocka_run_group_tests(tests, load_refs, free_refs);
}
