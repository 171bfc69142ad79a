/* Helpers shared by the observational suites (propensity, balance,
 * weighting): LaLonde and reference CSV access. */
#ifndef CZ_OBS_TESTUTIL_H
#define CZ_OBS_TESTUTIL_H

#include "testutil.h"

static inline causal_dataset *obs_read(const char *rel) {
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, cz_test_path(rel), NULL));
  return ds;
}

static inline causal_dataset *obs_lalonde(void) {
  return obs_read("../data/lalonde.csv");
}

/* Column as a freshly malloc'ed double array (caller frees). */
static inline double *obs_col(const causal_dataset *ds, const char *name) {
  size_t col = 0, n = causal_dataset_nrows(ds);
  assert_ok(causal_dataset_col_index(ds, name, &col));
  double *v = malloc((n ? n : 1) * sizeof *v);
  assert_non_null(v);
  assert_ok(causal_dataset_col_to_f64(ds, col, v, n));
  return v;
}

/* Value of column `vcol` in the row whose string column `kcol` is `key`. */
static inline double obs_lookup(const causal_dataset *ds, const char *kcol,
                                const char *key, const char *vcol) {
  size_t kc = 0, n = causal_dataset_nrows(ds);
  assert_ok(causal_dataset_col_index(ds, kcol, &kc));
  const int32_t *codes = NULL;
  assert_ok(causal_dataset_col_cat(ds, kc, &codes));
  double *v = obs_col(ds, vcol);
  for (size_t i = 0; i < n; i++)
    if (strcmp(causal_dataset_cat_label(ds, kc, (size_t)codes[i]), key) ==
        0) {
      double x = v[i];
      free(v);
      return x;
    }
  free(v);
  fail_msg("reference key '%s' not found", key);
  return NAN;
}

static inline double obs_scalar(const causal_result *r, const char *name) {
  double v = NAN;
  assert_ok(causal_result_get_scalar(r, name, &v));
  return v;
}

static const char *const obs_terms[] = {"age",     "educ",     "race", "married",
                                        "nodegree", "re74",    "re75"};
#define OBS_NTERMS 7

#endif
