/* Data-level fusion: one dataset with randomized and observational rows.
 * The RCT and observational estimates come from the regression engine
 * (public causal_regress API on row subsets of the caller's dataset); the
 * two are then fused by causal_fusion_estimates with the handle's method.
 * Formulas: docs/methods/fusion.md ("Data-level pipeline"). */
#include "internal/fusion.h"

#include "causal/propensity.h"
#include "causal/weighting.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int causal_fusion_set_outcome(causal_fusion *f, const char *column) {
  CZ_REQUIRE_NONNULL(f);
  return cz_name_set(&f->alloc, &f->outcome, column, __func__, 0);
}
int causal_fusion_set_treatment(causal_fusion *f, const char *column) {
  CZ_REQUIRE_NONNULL(f);
  return cz_name_set(&f->alloc, &f->treatment, column, __func__, 0);
}
int causal_fusion_set_source(causal_fusion *f, const char *column) {
  CZ_REQUIRE_NONNULL(f);
  return cz_name_set(&f->alloc, &f->source, column, __func__, 0);
}
int causal_fusion_set_stratum(causal_fusion *f, const char *column) {
  CZ_REQUIRE_NONNULL(f);
  return cz_name_set(&f->alloc, &f->stratum, column, __func__, 1);
}

int causal_fusion_add_term(causal_fusion *f, const char *term) {
  CZ_REQUIRE_NONNULL(f);
  return cz_names_add(&f->alloc, &f->terms, &f->nterms, &f->capterms, term,
                      __func__);
}

/* Treatment-effect estimate from OLS of outcome on treatment (+ terms). */
static int ols_effect(const causal_fusion *f, const causal_dataset *ds,
                      int with_terms, double *est, double *se, double *nobs) {
  causal_regress *m = NULL;
  causal_result *fit = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_OLS);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, f->outcome);
  if (rc == CAUSAL_OK)
    rc = causal_regress_add_term(m, f->treatment);
  for (size_t i = 0; with_terms && i < f->nterms && rc == CAUSAL_OK; i++)
    rc = causal_regress_add_term(m, f->terms[i]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, f->vcov);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&fit, m, ds);
  if (rc == CAUSAL_OK) {
    const double *tab = NULL;
    size_t nr = 0, nc = 0;
    rc = causal_result_get_matrix(fit, "coef", &tab, &nr, &nc);
    size_t row = nr;
    for (size_t i = 0; rc == CAUSAL_OK && i < nr; i++) {
      const char *nm = causal_result_dimname(fit, "coef", 0, i);
      if (nm && strcmp(nm, f->treatment) == 0)
        row = i;
    }
    if (rc == CAUSAL_OK && row == nr)
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "causal_fusion_fit: the treatment '%s' was dropped as "
                   "collinear (no treated or no control rows?)",
                   f->treatment);
    if (rc == CAUSAL_OK) {
      *est = tab[row + CAUSAL_TABLE_ESTIMATE * nr];
      *se = tab[row + CAUSAL_TABLE_STD_ERROR * nr];
      rc = causal_result_get_scalar(fit, "nobs", nobs);
    }
  }
  causal_result_free(fit);
  causal_regress_free(m);
  return rc;
}

/* ATE by augmented IPW (the observational-estimators module): logit
 * propensity and per-arm OLS outcome regressions on the covariate terms,
 * M-estimation SE including the score model. */
static int aipw_effect(const causal_fusion *f, const causal_dataset *ds,
                       double *est, double *se, double *nobs) {
  causal_propensity *ps = NULL;
  causal_weighting *w = NULL;
  causal_result *fit = NULL;
  int rc = causal_propensity_new(&ps);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(ps, f->treatment);
  for (size_t i = 0; i < f->nterms && rc == CAUSAL_OK; i++)
    rc = causal_propensity_add_term(ps, f->terms[i]);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, f->outcome);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND,
                                  CAUSAL_WEIGHTING_ATE);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                  CAUSAL_WEIGHTING_AIPW);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_fit(&fit, w, ps, ds);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_scalar(fit, "estimate", est);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_scalar(fit, "std_error", se);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_scalar(fit, "nobs", nobs);
  causal_result_free(fit);
  causal_weighting_free(w);
  causal_propensity_free(ps);
  return rc;
}

static int subset_fit(const causal_fusion *f, const causal_dataset *ds,
                      const uint8_t *mask, size_t n, int with_terms,
                      const char *what, double *est, double *se,
                      double *nobs) {
  causal_dataset *sub = NULL;
  int rc = causal_dataset_subset_mask(&sub, ds, mask, n);
  if (rc == CAUSAL_OK && with_terms == 2) {
    rc = cz_fusion_ipw(f, sub, est, se, nobs);
  } else if (rc == CAUSAL_OK && with_terms == 3) {
    if (f->nterms == 0)
      rc = cz_fail(CAUSAL_EINVAL, "causal_fusion_fit: AIPW needs covariate "
                                  "terms (causal_fusion_add_term)");
    else
      rc = aipw_effect(f, sub, est, se, nobs);
    if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
      rc = cz_fail_context(rc, "causal_fusion_fit: %s estimate", what);
  } else if (rc == CAUSAL_OK) {
    rc = ols_effect(f, sub, with_terms, est, se, nobs);
    if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
      rc = cz_fail_context(rc, "causal_fusion_fit: %s estimate", what);
  }
  causal_dataset_free(sub);
  if (rc == CAUSAL_OK && !(*se > 0))
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "causal_fusion_fit: the %s standard error is %g (too few "
                 "rows?)",
                 what, *se);
  return rc;
}

/* RCT and obs estimates on the rows where sel (NULL: all) is set. */
static int two_estimates(const causal_fusion *f, const causal_dataset *ds,
                         const double *src, const double *strat, double level,
                         uint8_t *mask, size_t n, double est[2], double se[2],
                         double nobs[2]) {
  for (int s = 0; s < 2; s++) {
    double want = s == 0 ? 1.0 : 0.0;
    for (size_t i = 0; i < n; i++)
      mask[i] = src[i] == want && (strat == NULL || strat[i] == level);
    /* 0: difference in means, 1: regression adjusted, 2: IPW, 3: AIPW */
    int adj = s == 0 ? (int)f->rct_adjust
          : f->obs_estimator == CAUSAL_FUSION_OBS_IPW  ? 2
          : f->obs_estimator == CAUSAL_FUSION_OBS_AIPW ? 3
                                                       : 1;
    CZ_CHECK(subset_fit(f, ds, mask, n, adj,
                        s == 0 ? "randomized" : "observational", &est[s],
                        &se[s], &nobs[s]));
  }
  return CAUSAL_OK;
}

int causal_fusion_fit(causal_result **out, const causal_fusion *f,
                      const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(ds);
  if (f->outcome == NULL || f->treatment == NULL || f->source == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_fusion_fit: set the outcome, treatment and source "
                   "columns first (missing: %s%s%s)",
                   f->outcome ? "" : "outcome ",
                   f->treatment ? "" : "treatment ",
                   f->source ? "" : "source");
  size_t n = causal_dataset_nrows(ds), col = 0;
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_fusion_fit: the dataset has 0 rows");
  CZ_CHECK(causal_dataset_col_index(ds, f->source, &col));
  size_t scol = 0;
  if (f->stratum)
    CZ_CHECK(causal_dataset_col_index(ds, f->stratum, &scol));
  cz_alloc a = f->alloc;
  double *src = cz_calloc(&a, 2 * n, sizeof(double));
  uint8_t *mask = cz_calloc(&a, n, 1);
  causal_result *res = NULL;
  int rc = (src && mask) ? CAUSAL_OK : CAUSAL_ENOMEM;
  double *strat = src ? src + n : NULL;
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_to_f64(ds, col, src, n);
  if (rc == CAUSAL_OK && f->stratum)
    rc = causal_dataset_col_to_f64(ds, scol, strat, n);
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
    if (!(src[i] == 0 || src[i] == 1))
      rc = cz_fail(isnan(src[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "causal_fusion_fit: source column '%s' row %zu is %g; it "
                   "must be 1 (randomized) or 0 (observational)",
                   f->source, i, src[i]);
  for (size_t i = 0; rc == CAUSAL_OK && f->stratum && i < n; i++)
    if (isnan(strat[i]))
      rc = cz_fail(CAUSAL_EMISSING,
                   "causal_fusion_fit: stratum column '%s' row %zu is missing",
                   f->stratum, i);
  double est[2] = {0, 0}, se[2] = {0, 0}, nobs[2] = {0, 0};
  if (rc == CAUSAL_OK)
    rc = two_estimates(f, ds, src, NULL, 0, mask, n, est, se, nobs);
  if (rc == CAUSAL_OK) {
    causal_fusion g = *f;
    g.rct = 0;
    rc = causal_fusion_estimates(&res, &g, est, se, 2, NULL);
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "n_rct", nobs[0]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(res, "n_obs", nobs[1]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(
        res, "rct_estimator",
        f->rct_adjust ? "regression adjusted" : "difference in means");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(
        res, "obs_estimator",
        f->obs_estimator == CAUSAL_FUSION_OBS_IPW    ? "ipw (hajek)"
        : f->obs_estimator == CAUSAL_FUSION_OBS_AIPW ? "aipw"
                                                     : "regression");
  /* Per-stratum fusion. */
  if (rc == CAUSAL_OK && f->stratum) {
    int64_t nl = 0;
    double *levels = NULL;
    /* distinct levels in sorted order (simple: strata are few) */
    levels = cz_calloc(&a, n, sizeof(double));
    if (levels == NULL)
      rc = CAUSAL_ENOMEM;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
      int64_t j = 0;
      while (j < nl && levels[j] != strat[i])
        j++;
      if (j == nl)
        levels[nl++] = strat[i];
    }
    for (int64_t i = 1; i < nl; i++) /* insertion sort */
      for (int64_t j = i; j > 0 && levels[j - 1] > levels[j]; j--) {
        double t = levels[j];
        levels[j] = levels[j - 1];
        levels[j - 1] = t;
      }
    size_t L = (size_t)nl;
    double *cols = rc == CAUSAL_OK ? cz_calloc(&a, 10 * L + 1, sizeof(double))
                                   : NULL;
    char **names = rc == CAUSAL_OK ? cz_calloc(&a, L + 1, sizeof(char *)) : NULL;
    if (rc == CAUSAL_OK && (cols == NULL || names == NULL))
      rc = CAUSAL_ENOMEM;
    int typ = 0;
    if (rc == CAUSAL_OK)
      rc = causal_dataset_col_type(ds, scol, &typ);
    for (size_t l = 0; rc == CAUSAL_OK && l < L; l++) {
      double e2[2], s2[2], n2[2];
      rc = two_estimates(f, ds, src, strat, levels[l], mask, n, e2, s2, n2);
      causal_result *sr = NULL;
      if (rc == CAUSAL_OK) {
        causal_fusion g = *f;
        g.rct = 0;
        rc = causal_fusion_estimates(&sr, &g, e2, s2, 2, NULL);
      }
      static const char *const keys[] = {"estimate", "std_error", "statistic",
                                         "p_value", "conf_low", "conf_high"};
      for (size_t j = 0; rc == CAUSAL_OK && j < 6; j++)
        rc = causal_result_get_scalar(sr, keys[j], &cols[j * L + l]);
      causal_result_free(sr);
      cols[6 * L + l] = e2[0];
      cols[7 * L + l] = e2[1];
      cols[8 * L + l] = s2[0];
      cols[9 * L + l] = s2[1];
      char buf[64];
      const char *lab = NULL;
      if (typ == CAUSAL_TYPE_CAT)
        lab = causal_dataset_cat_label(ds, scol, (size_t)levels[l]);
      if (lab == NULL) {
        snprintf(buf, sizeof buf, "%.17g", levels[l]);
        lab = buf;
      }
      if (rc == CAUSAL_OK) {
        names[l] = cz_strdup(&a, lab);
        if (names[l] == NULL)
          rc = CAUSAL_ENOMEM;
      }
    }
    if (rc == CAUSAL_OK)
      rc = causal_result_set_table(res, "strata", (const char *const *)names,
                                   L, cols, cols + L, cols + 2 * L,
                                   cols + 3 * L, cols + 4 * L, cols + 5 * L);
    static const char *const vn[] = {"stratum_rct", "stratum_obs",
                                     "stratum_rct_se", "stratum_obs_se"};
    for (size_t j = 0; rc == CAUSAL_OK && j < 4; j++)
      rc = causal_result_set_vector(res, vn[j], cols + (6 + j) * L, L,
                                    (const char *const *)names);
    /* Shrinkage of the per-stratum RCT estimates toward the observational
     * ones across the strata (kappa1+, kappa2+; causal_fusion_strata). */
    static const struct {
      int method;
      const char *name;
    } shr[] = {{CAUSAL_FUSION_KAPPA1, "stratum_kappa1"},
               {CAUSAL_FUSION_KAPPA2, "stratum_kappa2"}};
    for (size_t j = 0; rc == CAUSAL_OK && j < 2; j++) {
      causal_result *sr = NULL;
      const double *e = NULL;
      size_t ne = 0;
      rc = causal_fusion_strata(&sr, shr[j].method, cols + 6 * L,
                                cols + 8 * L, cols + 7 * L, cols + 9 * L, L);
      if (rc == CAUSAL_OK)
        rc = causal_result_get_vector(sr, "estimate", &e, &ne);
      if (rc == CAUSAL_OK)
        rc = causal_result_set_vector(res, shr[j].name, e, ne,
                                      (const char *const *)names);
      causal_result_free(sr);
    }
    if (names)
      for (size_t l = 0; l < L; l++)
        cz_free(&a, names[l]);
    cz_free(&a, names);
    cz_free(&a, cols);
    cz_free(&a, levels);
  }
  cz_free(&a, src);
  cz_free(&a, mask);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}
