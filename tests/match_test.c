/* Matching: greedy nearest neighbour against R MatchIt 4.5.1 and an
 * independent R implementation (tests/ref/match_reference.R ->
 * tests/data/match_*.csv), effects with the cluster-robust SE against
 * lm + sandwich::vcovCL, Abadie–Imbens against R Matching::Match
 * (tests/ref/match_ai_reference.R), coverage simulation, bad input, OOM. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

/* ---- reference tables ---------------------------------------------------- */

enum { NROW = 614, MAXREF = 20000 };

typedef struct {
  char config[32];
  long a, b;      /* row, or focal_row and slot */
  double x, y, z; /* distance, weight, subclass / match_row */
} refrow;

static refrow *units, *mms;
static size_t nunits, nmms;

static size_t read_ref(const char *rel, refrow *out, int kind) {
  FILE *fp = fopen(cz_test_path(rel), "r");
  assert_non_null(fp);
  char line[512];
  size_t n = 0;
  assert_non_null(fgets(line, sizeof line, fp)); /* header */
  while (fgets(line, sizeof line, fp) && n < MAXREF) {
    refrow *r = &out[n];
    char *tok = strtok(line, ",\n");
    snprintf(r->config, sizeof r->config, "%s", tok);
    if (kind == 0) { /* config,row,distance,weight,subclass */
      r->a = strtol(strtok(NULL, ",\n"), NULL, 10);
      tok = strtok(NULL, ",\n");
      r->x = strcmp(tok, "NA") == 0 ? NAN : strtod(tok, NULL);
      r->y = strtod(strtok(NULL, ",\n"), NULL);
      tok = strtok(NULL, ",\n");
      r->z = strcmp(tok, "NA") == 0 ? NAN : strtod(tok, NULL);
    } else { /* config,focal_row,slot,match_row */
      r->a = strtol(strtok(NULL, ",\n"), NULL, 10);
      r->b = strtol(strtok(NULL, ",\n"), NULL, 10);
      tok = strtok(NULL, ",\n");
      r->z = strcmp(tok, "NA") == 0 ? NAN : strtod(tok, NULL);
    }
    n++;
  }
  fclose(fp);
  return n;
}

typedef struct {
  double est, se, nobs, ncl;
} refeff;

static int read_effect(const char *config, refeff *e) {
  FILE *fp = fopen(cz_test_path("data/match_effect.csv"), "r");
  assert_non_null(fp);
  char line[512];
  int found = 0;
  while (fgets(line, sizeof line, fp)) {
    char *tok = strtok(line, ",\n");
    if (strcmp(tok, config) != 0)
      continue;
    e->est = strtod(strtok(NULL, ",\n"), NULL);
    e->se = strtod(strtok(NULL, ",\n"), NULL);
    e->nobs = strtod(strtok(NULL, ",\n"), NULL);
    e->ncl = strtod(strtok(NULL, ",\n"), NULL);
    found = 1;
    break;
  }
  fclose(fp);
  return found;
}

static int setup(void **state) {
  (void)state;
  units = calloc(MAXREF, sizeof *units);
  mms = calloc(MAXREF, sizeof *mms);
  nunits = read_ref("data/match_units.csv", units, 0);
  nmms = read_ref("data/match_mm.csv", mms, 1);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  free(units);
  free(mms);
  return 0;
}

/* LaLonde with MatchIt's distance of config `cfg` as column "mi_dist". */
static causal_dataset *lalonde(const char *cfg) {
  causal_dataset *ds = NULL;
  assert_ok(
      causal_csv_read_file(&ds, cz_test_path("../data/lalonde.csv"), NULL));
  assert_int_equal(causal_dataset_nrows(ds), NROW);
  if (cfg != NULL) {
    double d[NROW];
    size_t k = 0;
    for (size_t i = 0; i < nunits; i++)
      if (strcmp(units[i].config, cfg) == 0)
        d[units[i].a - 1] = units[i].x, k++;
    assert_int_equal(k, NROW);
    assert_ok(
        causal_dataset_add_f64(ds, "mi_dist", d, NULL, NROW, CAUSAL_COPY));
  }
  return ds;
}

static const char *PS_TERMS[] = {"age",      "educ", "race", "married",
                                 "nodegree", "re74", "re75"};

/* Compare a "match" result with the reference of config cfg: match matrix
 * exactly, weights to 1e-12, subclass partition. */
static void check_match(const causal_result *r, const char *cfg) {
  const double *mmv, *w, *sub, *foc;
  size_t nr, nc, n, nf;
  assert_ok(causal_result_get_matrix(r, "match_matrix", &mmv, &nr, &nc));
  assert_ok(causal_result_get_vector(r, "focal_rows", &foc, &nf));
  assert_int_equal(nf, nr);
  size_t seen = 0;
  for (size_t i = 0; i < nmms; i++) {
    if (strcmp(mms[i].config, cfg) != 0)
      continue;
    long frow = mms[i].a - 1, slot = mms[i].b - 1;
    size_t f = 0;
    while (f < nf && (long)foc[f] != frow)
      f++;
    assert_true(f < nf);
    assert_true((size_t)slot < nc);
    double want = isnan(mms[i].z) ? -1 : mms[i].z - 1;
    if (mmv[(size_t)slot * nr + f] != want)
      fail_msg("%s: focal row %ld slot %ld matched %g, MatchIt %g", cfg, frow,
               slot, mmv[(size_t)slot * nr + f], want);
    seen++;
  }
  assert_int_equal(seen, nr * nc);
  assert_ok(causal_result_get_vector(r, "weights", &w, &n));
  assert_ok(causal_result_get_vector(r, "subclass", &sub, &n));
  assert_int_equal(n, NROW);
  double map_ref_to_ours[NROW + 1];
  for (size_t i = 0; i <= NROW; i++)
    map_ref_to_ours[i] = -1;
  size_t k = 0;
  for (size_t i = 0; i < nunits; i++) {
    if (strcmp(units[i].config, cfg) != 0)
      continue;
    size_t row = (size_t)units[i].a - 1;
    k++;
    if (fabs(w[row] - units[i].y) > 1e-12 * (1 + units[i].y))
      fail_msg("%s: weight of row %zu = %.17g, reference %.17g", cfg, row,
               w[row], units[i].y);
    if (isnan(units[i].z)) {
      assert_true(sub[row] == 0);
    } else {
      size_t s = (size_t)units[i].z;
      assert_true(s <= NROW);
      assert_true(sub[row] > 0);
      if (map_ref_to_ours[s] < 0)
        map_ref_to_ours[s] = sub[row];
      else if (map_ref_to_ours[s] != sub[row])
        fail_msg("%s: row %zu in our subclass %g, expected %g", cfg, row,
                 sub[row], map_ref_to_ours[s]);
    }
  }
  assert_int_equal(k, NROW);
}

static void check_effect(const causal_result *r, const char *cfg) {
  refeff e;
  assert_true(read_effect(cfg, &e));
  double v;
  assert_ok(causal_result_get_scalar(r, "estimate", &v));
  assert_close(v, e.est, 1e-10);
  assert_ok(causal_result_get_scalar(r, "std_error", &v));
  assert_close(v, e.se, 1e-9);
  assert_ok(causal_result_get_scalar(r, "nobs", &v));
  assert_true(v == e.nobs);
}

typedef struct {
  const char *cfg;  /* reference config */
  const char *dist; /* MatchIt distance config providing the score */
  int ratio, replace, order, estimand, compat;
  double caliper;
  const char *exact[2];
} mcase;

static causal_match *spec_for(const mcase *c) {
  causal_match *m = NULL;
  assert_ok(causal_match_new(&m));
  assert_ok(causal_match_set_treatment(m, "treat"));
  assert_ok(causal_match_set_outcome(m, "re78"));
  assert_ok(causal_match_set_score(m, "mi_dist"));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_RATIO, c->ratio));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_REPLACE, c->replace));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ORDER, c->order));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, c->estimand));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_COMPAT, c->compat));
  if (c->caliper > 0)
    assert_ok(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, c->caliper));
  for (int j = 0; j < 2 && c->exact[j]; j++)
    assert_ok(causal_match_add_exact(m, c->exact[j]));
  return m;
}

static const mcase CASES[] = {
    /* MatchIt 4.5.1 exactly (compat) */
    {"nn1", "nn1", 1, 0, 0, CAUSAL_MATCH_ATT, 1, 0, {0}},
    {"nn2", "nn2", 2, 0, 0, CAUSAL_MATCH_ATT, 1, 0, {0}},
    {"repl", "repl", 1, 1, 0, CAUSAL_MATCH_ATT, 1, 0, {0}},
    {"smallest",
     "smallest",
     1,
     0,
     CAUSAL_MATCH_ORDER_SMALLEST,
     CAUSAL_MATCH_ATT,
     1,
     0,
     {0}},
    {"data",
     "data",
     1,
     0,
     CAUSAL_MATCH_ORDER_DATA,
     CAUSAL_MATCH_ATT,
     1,
     0,
     {0}},
    {"exact", "exact", 1, 0, 0, CAUSAL_MATCH_ATT, 1, 0, {"race", 0}},
    {"exact2", "exact2", 2, 0, 0, CAUSAL_MATCH_ATT, 1, 0, {"race", "married"}},
    {"atc", "atc", 1, 0, 0, CAUSAL_MATCH_ATC, 1, 0, {0}},
    {"lin", "lin", 1, 0, 0, CAUSAL_MATCH_ATT, 1, 0, {0}},
    /* true nearest neighbour (independent R implementation) */
    {"nn1_true", "nn1", 1, 0, 0, CAUSAL_MATCH_ATT, 0, 0, {0}},
    {"nn2_true", "nn2", 2, 0, 0, CAUSAL_MATCH_ATT, 0, 0, {0}},
    {"smallest_true",
     "smallest",
     1,
     0,
     CAUSAL_MATCH_ORDER_SMALLEST,
     CAUSAL_MATCH_ATT,
     0,
     0,
     {0}},
    {"data_true",
     "data",
     1,
     0,
     CAUSAL_MATCH_ORDER_DATA,
     CAUSAL_MATCH_ATT,
     0,
     0,
     {0}},
    {"atc_true", "atc", 1, 0, 0, CAUSAL_MATCH_ATC, 0, 0, {0}},
    {"lin_true", "lin", 1, 0, 0, CAUSAL_MATCH_ATT, 0, 0, {0}},
    {"cal_lin", "cal_lin", 1, 0, 0, CAUSAL_MATCH_ATT, 0, 0.2, {0}},
    {"cal_ps", "cal_ps", 1, 0, 0, CAUSAL_MATCH_ATT, 0, 0.2, {0}},
    {"cal_lin2", "cal_lin2", 2, 0, 0, CAUSAL_MATCH_ATT, 0, 0.05, {0}},
};

static void test_matchit_configs(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const mcase *c = &CASES[i];
    causal_dataset *ds = lalonde(c->dist);
    causal_match *m = spec_for(c);
    causal_result *r = NULL;
    assert_ok(causal_match_effect(&r, m, ds));
    assert_string_equal(causal_result_kind(r), "match_effect");
    check_match(r, c->cfg);
    check_effect(r, c->cfg);
    causal_result *r2 = NULL;
    assert_ok(causal_match_fit(&r2, m, ds));
    check_match(r2, c->cfg);
    causal_result_free(r2);
    causal_result_free(r);
    causal_match_free(m);
    causal_dataset_free(ds);
  }
}

/* The propensity model fitted by the regression engine: scores equal
 * glm's to 1e-8 and the matched sets are MatchIt's. */
static void test_own_propensity(void **state) {
  (void)state;
  const char *cfgs[] = {"nn1", "lin"};
  for (int k = 0; k < 2; k++) {
    causal_dataset *ds = lalonde(cfgs[k]);
    causal_match *m = NULL;
    assert_ok(causal_match_new(&m));
    assert_ok(causal_match_set_treatment(m, "treat"));
    for (size_t j = 0; j < 7; j++)
      assert_ok(causal_match_add_covariate(m, PS_TERMS[j]));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_COMPAT, 1));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_DISTANCE,
                                   k ? CAUSAL_MATCH_DIST_LINEAR_PS
                                     : CAUSAL_MATCH_DIST_PS));
    causal_result *r = NULL;
    assert_ok(causal_match_fit(&r, m, ds));
    const double *d;
    size_t n;
    assert_ok(causal_result_get_vector(r, "distance", &d, &n));
    for (size_t i = 0; i < nunits; i++)
      if (strcmp(units[i].config, cfgs[k]) == 0)
        assert_close(d[units[i].a - 1], units[i].x, 1e-6); /* glm eps */
    check_match(r, cfgs[k]);
    causal_result_free(r);
    causal_match_free(m);
    causal_dataset_free(ds);
  }
}

static void test_mahalanobis(void **state) {
  (void)state;
  const char *mv[] = {"age", "educ", "re74", "re75"};
  /* pure Mahalanobis, data order */
  causal_dataset *ds = lalonde("mahcal");
  causal_match *m = NULL;
  assert_ok(causal_match_new(&m));
  assert_ok(causal_match_set_treatment(m, "treat"));
  assert_ok(causal_match_set_outcome(m, "re78"));
  for (int j = 0; j < 4; j++)
    assert_ok(causal_match_add_mahalanobis(m, mv[j]));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_DISTANCE,
                                 CAUSAL_MATCH_DIST_MAHALANOBIS));
  causal_result *r = NULL;
  assert_ok(causal_match_effect(&r, m, ds));
  check_match(r, "mahal");
  check_effect(r, "mahal");
  causal_result_free(r);
  /* largest order needs a score */
  assert_ok(
      causal_match_set_int(m, CAUSAL_MATCH_ORDER, CAUSAL_MATCH_ORDER_LARGEST));
  assert_status(causal_match_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("needs a score");
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ORDER, 0));
  /* Mahalanobis within a 0.25 SD caliper on MatchIt's score */
  assert_ok(
      causal_match_set_int(m, CAUSAL_MATCH_DISTANCE, CAUSAL_MATCH_DIST_PS));
  assert_ok(causal_match_set_score(m, "mi_dist"));
  assert_ok(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 0.25));
  assert_ok(causal_match_effect(&r, m, ds));
  check_match(r, "mahcal");
  check_effect(r, "mahcal");
  double v;
  assert_ok(causal_result_get_scalar(r, "n_unmatched_treated", &v));
  assert_true(v == 185 - 116);
  assert_true(causal_result_nwarnings(r) == 1);
  causal_result_free(r);
  causal_match_free(m);
  causal_dataset_free(ds);
}

/* Random order: seeded, reproducible, a valid greedy matching. */
static void test_random_order(void **state) {
  (void)state;
  causal_dataset *ds = lalonde("nn1");
  mcase c = {"x", "nn1", 1,  0, CAUSAL_MATCH_ORDER_RANDOM, CAUSAL_MATCH_ATT,
             0,   0,     {0}};
  causal_match *m = spec_for(&c);
  causal_result *a = NULL, *b = NULL, *o = NULL;
  assert_ok(causal_match_fit(&a, m, ds));
  assert_ok(causal_match_fit(&b, m, ds));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_SEED, 99));
  assert_ok(causal_match_fit(&o, m, ds));
  const double *ma, *mb, *mo;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(a, "match_matrix", &ma, &nr, &nc));
  assert_ok(causal_result_get_matrix(b, "match_matrix", &mb, &nr, &nc));
  assert_ok(causal_result_get_matrix(o, "match_matrix", &mo, &nr, &nc));
  assert_memory_equal(ma, mb, nr * nc * sizeof *ma);
  size_t diff = 0;
  int used[NROW] = {0};
  for (size_t i = 0; i < nr; i++) {
    diff += ma[i] != mo[i];
    assert_true(ma[i] >= 0);
    assert_int_equal(used[(int)ma[i]]++, 0); /* without replacement */
  }
  assert_true(diff > 0);
  causal_result_free(a);
  causal_result_free(b);
  causal_result_free(o);
  causal_match_free(m);
  causal_dataset_free(ds);
}

/* ---- bad input ------------------------------------------------------------
 */

static causal_dataset *small_ds(const double *t, const double *s, size_t n) {
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "s", s, NULL, n, CAUSAL_COPY));
  double y[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, n, CAUSAL_COPY));
  double c[8] = {3, 3, 3, 3, 3, 3, 3, 3};
  assert_ok(causal_dataset_add_f64(ds, "c", c, NULL, n, CAUSAL_COPY));
  return ds;
}

static void test_bad_input(void **state) {
  (void)state;
  causal_match *m = NULL;
  causal_result *r = (causal_result *)1;
  assert_status(causal_match_new(NULL), CAUSAL_EINVAL);
  assert_ok(causal_match_new(&m));
  double t[6] = {1, 1, 0, 0, 0, 0}, s[6] = {.1, .2, .3, .4, .5, .6};
  causal_dataset *ds = small_ds(t, s, 6);
  /* no treatment */
  assert_status(causal_match_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_null(r);
  assert_error_mentions("treatment");
  assert_ok(causal_match_set_treatment(m, "t"));
  assert_status(causal_match_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("no score");
  assert_ok(causal_match_set_score(m, "s"));
  assert_status(causal_match_effect(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("outcome");
  assert_ok(causal_match_set_outcome(m, "nope"));
  assert_status(causal_match_effect(&r, m, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("nope");
  assert_ok(causal_match_set_outcome(m, "y"));
  assert_ok(causal_match_fit(&r, m, ds));
  causal_result_free(r);
  /* options */
  assert_status(causal_match_set_int(m, CAUSAL_MATCH_RATIO, 0), CAUSAL_ERANGE);
  assert_status(causal_match_set_int(m, 999, 1), CAUSAL_EINVAL);
  assert_status(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, -1),
                CAUSAL_ERANGE);
  assert_status(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, NAN),
                CAUSAL_ERANGE);
  assert_status(causal_match_set_double(m, CAUSAL_MATCH_CONF_LEVEL, 1),
                CAUSAL_ERANGE);
  assert_status(causal_match_set_double(m, CAUSAL_MATCH_RATIO, 1),
                CAUSAL_EINVAL);
  double lo, hi, dv;
  int64_t iv;
  assert_ok(causal_match_bounds(CAUSAL_MATCH_RATIO, &lo, &hi));
  assert_true(lo == 1 && hi == 1000);
  assert_status(causal_match_bounds(77, &lo, &hi), CAUSAL_EINVAL);
  assert_ok(causal_match_get_int(m, CAUSAL_MATCH_RATIO, &iv));
  assert_true(iv == 1);
  assert_status(causal_match_get_int(m, 101, &iv), CAUSAL_EINVAL);
  assert_ok(causal_match_get_double(m, CAUSAL_MATCH_CALIPER, &dv));
  assert_true(isinf(dv));
  assert_status(causal_match_get_double(m, 1, &dv), CAUSAL_EINVAL);
  assert_status(causal_match_add_exact(m, ""), CAUSAL_EINVAL);
  assert_ok(causal_match_add_exact(m, "c"));
  assert_status(causal_match_add_exact(m, "c"), CAUSAL_EEXISTS);
  assert_status(causal_match_set_treatment(m, NULL), CAUSAL_EINVAL);
  /* ATE refused for greedy matching */
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, CAUSAL_MATCH_ATE));
  assert_status(causal_match_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("ATE");
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, CAUSAL_MATCH_ATT));
  /* caliper too tight for any match: clear error */
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_STD_CALIPER, 0));
  assert_ok(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 1e-6));
  assert_status(causal_match_fit(&r, m, ds), CAUSAL_EINVAL);
  assert_error_mentions("no units were matched");
  /* caliper that drops one treated unit: counted, not an error */
  assert_ok(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 0.15));
  double s2[6] = {.1, .5, .3, .4, .55, .6};
  causal_dataset *ds2 = small_ds(t, s2, 6);
  assert_ok(causal_match_fit(&r, m, ds2));
  assert_ok(causal_result_get_scalar(r, "n_unmatched_treated", &dv));
  assert_true(dv == 1);
  assert_ok(causal_result_get_scalar(r, "n_unmatched_control", &dv));
  assert_true(dv == 3);
  assert_true(causal_result_nwarnings(r) == 1);
  causal_result_free(r);
  causal_dataset_free(ds2);
  /* all treated / no treated */
  double t1[6] = {1, 1, 1, 1, 1, 1}, t0[6] = {0, 0, 0, 0, 0, 0};
  ds2 = small_ds(t1, s, 6);
  assert_status(causal_match_fit(&r, m, ds2), CAUSAL_EINVAL);
  assert_error_mentions("no controls");
  causal_dataset_free(ds2);
  ds2 = small_ds(t0, s, 6);
  assert_status(causal_match_fit(&r, m, ds2), CAUSAL_EINVAL);
  assert_error_mentions("no treated");
  causal_dataset_free(ds2);
  /* treatment not 0/1 */
  double t2[6] = {1, 2, 0, 0, 0, 0};
  ds2 = small_ds(t2, s, 6);
  assert_status(causal_match_fit(&r, m, ds2), CAUSAL_EINVAL);
  assert_error_mentions("row 1");
  causal_dataset_free(ds2);
  /* NaN score */
  double s3[6] = {.1, NAN, .3, .4, .5, .6};
  ds2 = small_ds(t, s3, 6);
  assert_status(causal_match_fit(&r, m, ds2), CAUSAL_EMISSING);
  assert_error_mentions("row 1");
  causal_dataset_free(ds2);
  double s4[6] = {.1, INFINITY, .3, .4, .5, .6};
  ds2 = small_ds(t, s4, 6);
  assert_status(causal_match_fit(&r, m, ds2), CAUSAL_ENONFINITE);
  causal_dataset_free(ds2);
  /* constant Mahalanobis covariate */
  causal_match *mm = NULL;
  assert_ok(causal_match_new(&mm));
  assert_ok(causal_match_set_treatment(mm, "t"));
  assert_ok(causal_match_add_mahalanobis(mm, "c"));
  assert_ok(causal_match_set_int(mm, CAUSAL_MATCH_DISTANCE,
                                 CAUSAL_MATCH_DIST_MAHALANOBIS));
  assert_status(causal_match_fit(&r, mm, ds), CAUSAL_ESINGULAR);
  assert_error_mentions("constant");
  /* collinear Mahalanobis columns */
  assert_ok(causal_match_add_mahalanobis(mm, "s"));
  assert_ok(causal_match_add_mahalanobis(mm, "y"));
  assert_status(causal_match_fit(&r, mm, ds), CAUSAL_ESINGULAR);
  assert_error_mentions("collinear");
  causal_match_free(mm);
  assert_status(causal_match_fit(NULL, m, ds), CAUSAL_EINVAL);
  assert_status(causal_match_fit(&r, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_match_fit(&r, m, NULL), CAUSAL_EINVAL);
  causal_match_free(m);
  causal_match_free(NULL);
  causal_dataset_free(ds);
}

/* ---- simulation: coverage of the cluster-robust interval ------------------
 */

static void test_coverage(void **state) {
  (void)state;
  enum { N = 600, REPS = 300 };
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 20261122, 7));
  static double x[N], t[N], y[N];
  int cover = 0;
  const double tau = 2.0;
  causal_match *m = NULL;
  assert_ok(causal_match_new(&m));
  assert_ok(causal_match_set_treatment(m, "t"));
  assert_ok(causal_match_set_outcome(m, "y"));
  assert_ok(causal_match_add_covariate(m, "x"));
  assert_ok(causal_match_set_double(m, CAUSAL_MATCH_CALIPER, 0.2));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_DISTANCE,
                                 CAUSAL_MATCH_DIST_LINEAR_PS));
  for (int rep = 0; rep < REPS; rep++) {
    double u[3 * N];
    assert_ok(causal_rng_normal(rng, 0, 1, u, 3 * N));
    double v[N];
    assert_ok(causal_rng_uniform(rng, v, N));
    for (int i = 0; i < N; i++) {
      x[i] = u[i];
      double p = 1 / (1 + exp(-(-1 + 0.8 * x[i])));
      t[i] = v[i] < p;
      /* constant effect, so ATT = tau */
      y[i] = 1 + 1.5 * x[i] + tau * t[i] + u[N + i];
    }
    causal_dataset *ds = NULL;
    assert_ok(causal_dataset_new(&ds));
    assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_BORROW));
    causal_result *r = NULL;
    assert_ok(causal_match_effect(&r, m, ds));
    double lo, hi;
    assert_ok(causal_result_get_scalar(r, "conf_low", &lo));
    assert_ok(causal_result_get_scalar(r, "conf_high", &hi));
    cover += lo <= tau && tau <= hi;
    causal_result_free(r);
    causal_dataset_free(ds);
  }
  double rate = (double)cover / REPS;
  if (rate < 0.91 || rate > 0.98)
    fail_msg("coverage %.3f outside [0.91, 0.98]", rate);
  causal_match_free(m);
  causal_rng_free(rng);
}

/* Coverage of the Abadie–Imbens interval (ATE, M = 4, bias-adjusted,
 * heteroskedastic variance) with a heterogeneous effect: E[tau] = 2. */
static void test_coverage_ai(void **state) {
  (void)state;
  enum { N = 400, REPS = 300 };
  causal_rng *rng = NULL;
  assert_ok(causal_rng_new(&rng, 99, 3));
  static double x[N], t[N], y[N];
  int cover = 0;
  causal_match *m = NULL;
  assert_ok(causal_match_new(&m));
  assert_ok(causal_match_set_treatment(m, "t"));
  assert_ok(causal_match_set_outcome(m, "y"));
  assert_ok(causal_match_add_mahalanobis(m, "x"));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, CAUSAL_MATCH_ATE));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_M, 4));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_BIAS_ADJUST, 1));
  assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_VAR_MATCHES, 4));
  for (int rep = 0; rep < REPS; rep++) {
    double u[2 * N], v[N];
    assert_ok(causal_rng_normal(rng, 0, 1, u, 2 * N));
    assert_ok(causal_rng_uniform(rng, v, N));
    for (int i = 0; i < N; i++) {
      x[i] = u[i];
      t[i] = v[i] < 1 / (1 + exp(-0.7 * x[i]));
      /* tau(x) = 2 + x, E[x] = 0 */
      y[i] = x[i] + t[i] * (2 + x[i]) + u[N + i];
    }
    causal_dataset *ds = NULL;
    assert_ok(causal_dataset_new(&ds));
    assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "t", t, NULL, N, CAUSAL_BORROW));
    assert_ok(causal_dataset_add_f64(ds, "y", y, NULL, N, CAUSAL_BORROW));
    causal_result *r = NULL;
    assert_ok(causal_match_ai(&r, m, ds));
    double lo, hi;
    assert_ok(causal_result_get_scalar(r, "conf_low", &lo));
    assert_ok(causal_result_get_scalar(r, "conf_high", &hi));
    cover += lo <= 2 && 2 <= hi;
    causal_result_free(r);
    causal_dataset_free(ds);
  }
  double rate = (double)cover / REPS;
  if (rate < 0.91 || rate > 0.98)
    fail_msg("AI coverage %.3f outside [0.91, 0.98]", rate);
  causal_match_free(m);
  causal_rng_free(rng);
}

/* ---- Abadie–Imbens against Matching::Match ------------------------------ */

static void test_ai_matching(void **state) {
  (void)state;
  causal_dataset *ds = lalonde(NULL);
  FILE *fp = fopen(cz_test_path("data/match_ai_ps.csv"), "r");
  assert_non_null(fp);
  char line[512];
  double ps[NROW];
  assert_non_null(fgets(line, sizeof line, fp));
  for (size_t i = 0; i < NROW; i++) {
    assert_non_null(fgets(line, sizeof line, fp));
    ps[i] = strtod(line, NULL);
  }
  fclose(fp);
  assert_ok(causal_dataset_add_f64(ds, "r_ps", ps, NULL, NROW, CAUSAL_COPY));
  fp = fopen(cz_test_path("data/match_ai.csv"), "r");
  assert_non_null(fp);
  assert_non_null(fgets(line, sizeof line, fp));
  const char *X[] = {"age", "educ", "re74", "re75", "married"};
  int ncase = 0;
  while (fgets(line, sizeof line, fp)) {
    /* estimand,M,bias,weight,varcalc,on,est,se,nobs */
    char est_s[8], bias_s[8], on_s[8];
    int M, weight, varcalc;
    double est, se;
    char *tok = strtok(line, ",\n");
    snprintf(est_s, sizeof est_s, "%s", tok);
    M = atoi(strtok(NULL, ",\n"));
    snprintf(bias_s, sizeof bias_s, "%s", strtok(NULL, ",\n"));
    weight = atoi(strtok(NULL, ",\n"));
    varcalc = atoi(strtok(NULL, ",\n"));
    snprintf(on_s, sizeof on_s, "%s", strtok(NULL, ",\n"));
    est = strtod(strtok(NULL, ",\n"), NULL);
    se = strtod(strtok(NULL, ",\n"), NULL);
    causal_match *m = NULL;
    assert_ok(causal_match_new(&m));
    assert_ok(causal_match_set_treatment(m, "treat"));
    assert_ok(causal_match_set_outcome(m, "re78"));
    int e = strcmp(est_s, "ATT") == 0   ? CAUSAL_MATCH_ATT
            : strcmp(est_s, "ATC") == 0 ? CAUSAL_MATCH_ATC
                                        : CAUSAL_MATCH_ATE;
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, e));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_M, M));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_BIAS_ADJUST,
                                   strcmp(bias_s, "TRUE") == 0));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_WEIGHT, weight));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_VAR_MATCHES, varcalc));
    if (strcmp(on_s, "ps") == 0) {
      assert_ok(causal_match_set_score(m, "r_ps"));
      assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_ON_SCORE, 1));
    } else {
      for (int j = 0; j < 5; j++)
        assert_ok(causal_match_add_mahalanobis(m, X[j]));
    }
    causal_result *r = NULL;
    assert_ok(causal_match_ai(&r, m, ds));
    double v, s;
    assert_ok(causal_result_get_scalar(r, "estimate", &v));
    assert_ok(causal_result_get_scalar(r, "std_error", &s));
    if (fabs(v - est) > 1e-10 * fabs(est) || fabs(s - se) > 1e-10 * se)
      fail_msg("Match(%s, M=%d, bias=%s, Weight=%d, Var.calc=%d, X=%s): "
               "est %.17g vs %.17g, se %.17g vs %.17g",
               est_s, M, bias_s, weight, varcalc, on_s, v, est, s, se);
    causal_result_free(r);
    causal_match_free(m);
    ncase++;
  }
  fclose(fp);
  assert_true(ncase >= 60);
  causal_dataset_free(ds);
}

/* Abadie–Imbens (2016): against the independent R implementation of the
 * published formulas (tests/ref/match_ai_reference.R). The score comes
 * from our logit (glm's to ~1e-9), so the tolerance is 1e-6. */
static void test_ai2016(void **state) {
  (void)state;
  causal_dataset *ds = lalonde(NULL);
  FILE *fp = fopen(cz_test_path("data/match_ai2016.csv"), "r");
  assert_non_null(fp);
  char line[512];
  assert_non_null(fgets(line, sizeof line, fp));
  int ncase = 0;
  while (fgets(line, sizeof line, fp)) {
    char est_s[8];
    snprintf(est_s, sizeof est_s, "%s", strtok(line, ",\n"));
    int M = atoi(strtok(NULL, ",\n"));
    double est = strtod(strtok(NULL, ",\n"), NULL);
    double se_ai = strtod(strtok(NULL, ",\n"), NULL);
    double se_adj = strtod(strtok(NULL, ",\n"), NULL);
    causal_match *m = NULL;
    assert_ok(causal_match_new(&m));
    assert_ok(causal_match_set_treatment(m, "treat"));
    assert_ok(causal_match_set_outcome(m, "re78"));
    for (size_t j = 0; j < 7; j++)
      assert_ok(causal_match_add_covariate(m, PS_TERMS[j]));
    int e = strcmp(est_s, "ATT") == 0   ? CAUSAL_MATCH_ATT
            : strcmp(est_s, "ATC") == 0 ? CAUSAL_MATCH_ATC
                                        : CAUSAL_MATCH_ATE;
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, e));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_M, M));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_ON_SCORE, 1));
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_PS_ADJUST, 1));
    causal_result *r = NULL;
    assert_ok(causal_match_ai(&r, m, ds));
    double v;
    assert_ok(causal_result_get_scalar(r, "estimate", &v));
    assert_close(v, est, 1e-6);
    assert_ok(causal_result_get_scalar(r, "std_error_unadjusted", &v));
    assert_close(v, se_ai, 1e-6);
    assert_ok(causal_result_get_scalar(r, "std_error", &v));
    assert_close(v, se_adj, 1e-6);
    causal_result_free(r);
    /* refused without an estimated score */
    assert_ok(causal_match_set_int(m, CAUSAL_MATCH_AI_ON_SCORE, 0));
    assert_status(causal_match_ai(&r, m, ds), CAUSAL_EINVAL);
    causal_match_free(m);
    ncase++;
  }
  fclose(fp);
  assert_int_equal(ncase, 6);
  causal_dataset_free(ds);
}

/* ---- OOM ------------------------------------------------------------------
 */

typedef struct {
  causal_dataset *ds;
  int kind;
} oom_arg;

static int oom_run(void *p) {
  oom_arg *a = p;
  causal_match *m = NULL;
  int rc = causal_match_new(&m);
  if (rc == CAUSAL_OK)
    rc = causal_match_set_treatment(m, "treat");
  if (rc == CAUSAL_OK)
    rc = causal_match_set_outcome(m, "re78");
  if (rc == CAUSAL_OK && a->kind == 0)
    rc = causal_match_set_score(m, "mi_dist");
  if (rc == CAUSAL_OK && a->kind == 0)
    rc = causal_match_add_exact(m, "race");
  if (rc == CAUSAL_OK && a->kind == 0)
    rc = causal_match_set_int(m, CAUSAL_MATCH_RATIO, 2);
  if (rc == CAUSAL_OK && a->kind == 1)
    rc = causal_match_add_covariate(m, "age");
  if (rc == CAUSAL_OK && a->kind == 1)
    rc = causal_match_add_mahalanobis(m, "educ");
  if (rc == CAUSAL_OK && a->kind == 1)
    rc = causal_match_add_mahalanobis(m, "re74");
  if (rc == CAUSAL_OK && a->kind == 2)
    rc = causal_match_add_covariate(m, "re74");
  if (rc == CAUSAL_OK && a->kind == 2)
    rc = causal_match_set_int(m, CAUSAL_MATCH_AI_ON_SCORE, 1);
  if (rc == CAUSAL_OK && a->kind == 2)
    rc = causal_match_set_int(m, CAUSAL_MATCH_AI_PS_ADJUST, 1);
  if (rc == CAUSAL_OK && a->kind == 3)
    rc = causal_match_add_mahalanobis(m, "age");
  if (rc == CAUSAL_OK && a->kind == 3)
    rc = causal_match_add_mahalanobis(m, "educ");
  if (rc == CAUSAL_OK && a->kind == 3)
    rc = causal_match_set_int(m, CAUSAL_MATCH_AI_BIAS_ADJUST, 1);
  if (rc == CAUSAL_OK && a->kind == 3)
    rc = causal_match_set_int(m, CAUSAL_MATCH_AI_VAR_MATCHES, 2);
  if (rc == CAUSAL_OK && a->kind == 3)
    rc = causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, CAUSAL_MATCH_ATE);
  causal_result *r = NULL;
  if (rc == CAUSAL_OK && a->kind >= 2)
    rc = causal_match_ai(&r, m, a->ds);
  else if (rc == CAUSAL_OK)
    rc = causal_match_effect(&r, m, a->ds);
  causal_result_free(r);
  causal_match_free(m);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  oom_arg a = {lalonde("nn1"), 0};
  cz_oom_sweep(oom_run, &a);
  a.kind = 1;
  cz_oom_sweep(oom_run, &a);
  a.kind = 2;
  cz_oom_sweep(oom_run, &a);
  a.kind = 3;
  cz_oom_sweep(oom_run, &a);
  causal_dataset_free(a.ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matchit_configs),
      cmocka_unit_test(test_own_propensity),
      cmocka_unit_test(test_mahalanobis),
      cmocka_unit_test(test_random_order),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_coverage),
      cmocka_unit_test(test_coverage_ai),
      cmocka_unit_test(test_ai_matching),
      cmocka_unit_test(test_ai2016),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
