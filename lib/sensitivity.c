/* E-values (VanderWeele and Ding 2017; conversions of VanderWeele 2017 and
 * Chinn 2000 as in the EValue R package). docs/methods/sensitivity.md. */
#include "internal/core.h"
#include "internal/propensity.h"
#include "internal/rng.h"

#include <string.h>

#include <math.h>

static double to_rr(int type, double v) {
  switch (type) {
  case CAUSAL_EVALUE_OR_COMMON:
    return sqrt(v);
  case CAUSAL_EVALUE_HR_COMMON:
    return (1 - pow(0.5, sqrt(v))) / (1 - pow(0.5, sqrt(1 / v)));
  default:
    return v;
  }
}

static double evalue_rr(double rr) {
  if (rr < 1)
    rr = 1 / rr;
  return rr + sqrt(rr * (rr - 1));
}

static int check_ratio(const char *what, double v, int optional) {
  if (optional && isnan(v))
    return CAUSAL_OK;
  if (!isfinite(v))
    return cz_fail(CAUSAL_ENONFINITE, "causal_evalue: %s is %g", what, v);
  if (v <= 0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_evalue: %s = %g must be > 0 for a ratio", what, v);
  return CAUSAL_OK;
}

int causal_evalue(causal_result **out, int type, double estimate, double lo,
                  double hi, double se) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (type < CAUSAL_EVALUE_RR || type > CAUSAL_EVALUE_SMD)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_evalue: type %d is not one of CAUSAL_EVALUE_RR (1) "
                   "... CAUSAL_EVALUE_SMD (6)",
                   type);
  double rr, rlo = NAN, rhi = NAN;
  if (type == CAUSAL_EVALUE_SMD) {
    if (!isfinite(estimate))
      return cz_fail(CAUSAL_ENONFINITE, "causal_evalue: estimate is %g",
                     estimate);
    if (!isnan(se) && !(se >= 0 && isfinite(se)))
      return cz_fail(CAUSAL_ERANGE,
                     "causal_evalue: se = %g must be finite and >= 0", se);
    rr = exp(0.91 * estimate);
    if (!isnan(se)) {
      rlo = exp(0.91 * estimate - 1.78 * se);
      rhi = exp(0.91 * estimate + 1.78 * se);
    }
  } else {
    CZ_CHECK(check_ratio("estimate", estimate, 0));
    CZ_CHECK(check_ratio("lo", lo, 1));
    CZ_CHECK(check_ratio("hi", hi, 1));
    if ((!isnan(lo) && lo > estimate) || (!isnan(hi) && hi < estimate))
      return cz_fail(CAUSAL_EINVAL,
                     "causal_evalue: limits [%g, %g] do not bracket the "
                     "estimate %g",
                     lo, hi, estimate);
    rr = to_rr(type, estimate);
    rlo = isnan(lo) ? NAN : to_rr(type, lo);
    rhi = isnan(hi) ? NAN : to_rr(type, hi);
  }
  double e = evalue_rr(rr), eci = NAN;
  if (!isnan(rlo) || !isnan(rhi)) {
    if (rr > 1)
      eci = isnan(rlo) ? NAN : (rlo <= 1 ? 1.0 : evalue_rr(rlo));
    else if (rr < 1)
      eci = isnan(rhi) ? NAN : (rhi >= 1 ? 1.0 : evalue_rr(rhi));
    else
      eci = 1.0;
  }
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "evalue");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr", rr);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr_low", rlo);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "rr_high", rhi);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "evalue", e);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "evalue_ci", eci);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Refutation helpers
 * ====================================================================== */

/* A copy of ds with one more float64 column (values copied). */
static int with_column(causal_dataset **out, const causal_dataset *ds,
                       const char *name, const double *v) {
  size_t nc = causal_dataset_ncols(ds), n = causal_dataset_nrows(ds);
  size_t idx = 0;
  if (causal_dataset_col_index(ds, name, &idx) == CAUSAL_OK)
    return cz_fail(CAUSAL_EEXISTS,
                   "causal_weighting_refute: the dataset already has a "
                   "column '%s'",
                   name);
  cz_alloc a = cz_alloc_current();
  const char **names = cz_malloc(&a, (nc ? nc : 1) * sizeof *names);
  if (names == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < nc; j++)
    names[j] = causal_dataset_col_name(ds, j);
  causal_dataset *c = NULL;
  int rc = causal_dataset_select(&c, ds, names, nc);
  cz_free(&a, names);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(c, name, v, NULL, n, CAUSAL_COPY);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(c);
    return rc;
  }
  *out = c;
  return CAUSAL_OK;
}

static int fit_estimate(const causal_weighting *w, const causal_propensity *ps,
                        const causal_dataset *ds, double *est, double *se,
                        double *p) {
  causal_result *r = NULL;
  int rc = causal_weighting_fit(&r, w, ps, ds);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_scalar(r, "estimate", est);
  if (rc == CAUSAL_OK && se)
    rc = causal_result_get_scalar(r, "std_error", se);
  if (rc == CAUSAL_OK && p)
    rc = causal_result_get_scalar(r, "p_value", p);
  causal_result_free(r);
  return rc;
}

static int refute_run(causal_result *r, const causal_weighting *w,
                      const causal_propensity *ps, const causal_dataset *ds,
                      int kind, const char *placebo, size_t reps,
                      uint64_t seed, const cz_alloc *a) {
  double est = NAN, se = NAN;
  CZ_CHECK(fit_estimate(w, ps, ds, &est, &se, NULL));
  size_t n = causal_dataset_nrows(ds);
  if (kind == CAUSAL_REFUTE_PLACEBO_OUTCOME)
    reps = 1;
  double *vals = cz_malloc(a, reps * sizeof *vals);
  double *col = cz_malloc(a, (n ? n : 1) * sizeof *col);
  double *orig = cz_malloc(a, (n ? n : 1) * sizeof *orig);
  int64_t *perm = cz_malloc(a, (n ? n : 1) * sizeof *perm);
  causal_rng *rng = NULL;
  int rc = (vals && col && orig && perm) ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = causal_rng_new(&rng, seed, 0);
  double pval = NAN;
  const char *tname = NULL;
  size_t tc = 0;
  size_t exceed = 0;
  for (size_t rep = 0; rc == CAUSAL_OK && rep < reps; rep++) {
    causal_dataset *d2 = NULL;
    causal_propensity *p2 = NULL;
    causal_weighting *w2 = NULL;
    double e = NAN, pv = NAN;
    if (kind == CAUSAL_REFUTE_PLACEBO_TREATMENT) {
      if (rep == 0) {
        tname = cz_ps_treatment(ps);
        rc = causal_dataset_col_index(ds, tname, &tc);
        if (rc == CAUSAL_OK)
          rc = causal_dataset_col_to_f64(ds, tc, orig, n);
      }
      for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
        perm[i] = (int64_t)i;
      if (rc == CAUSAL_OK)
        rc = causal_rng_shuffle(rng, perm, n);
      for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
        col[i] = orig[perm[i]];
      if (rc == CAUSAL_OK)
        rc = with_column(&d2, ds, "__placebo_treatment", col);
      if (rc == CAUSAL_OK)
        rc = cz_ps_copy(&p2, ps, "__placebo_treatment", NULL);
      if (rc == CAUSAL_OK)
        rc = fit_estimate(w, p2, d2, &e, NULL, NULL);
      if (rc == CAUSAL_OK && fabs(e) >= fabs(est))
        exceed++;
    } else if (kind == CAUSAL_REFUTE_RANDOM_COMMON_CAUSE) {
      for (size_t i = 0; i < n; i++)
        col[i] = cz_rng_normal1(rng);
      rc = with_column(&d2, ds, "__random_common_cause", col);
      if (rc == CAUSAL_OK)
        rc = cz_ps_copy(&p2, ps, NULL, "__random_common_cause");
      if (rc == CAUSAL_OK)
        rc = cz_weighting_copy(&w2, w, NULL, "__random_common_cause");
      if (rc == CAUSAL_OK)
        rc = fit_estimate(w2, p2, d2, &e, NULL, NULL);
    } else {
      rc = cz_weighting_copy(&w2, w, placebo, NULL);
      if (rc == CAUSAL_OK)
        rc = fit_estimate(w2, ps, ds, &e, NULL, &pv);
      pval = pv;
    }
    vals[rep] = e;
    causal_weighting_free(w2);
    causal_propensity_free(p2);
    causal_dataset_free(d2);
  }
  if (rc == CAUSAL_OK) {
    double m = 0, ss = 0;
    for (size_t i = 0; i < reps; i++)
      m += vals[i];
    m /= (double)reps;
    for (size_t i = 0; i < reps; i++)
      ss += (vals[i] - m) * (vals[i] - m);
    if (kind == CAUSAL_REFUTE_PLACEBO_TREATMENT)
      pval = (1.0 + (double)exceed) / ((double)reps + 1.0);
    static const char *nm[] = {"placebo_treatment", "random_common_cause",
                               "placebo_outcome"};
    rc = causal_result_set_string(r, "refuter", nm[kind - 1]);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "estimate", est);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "std_error", se);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "refuted_estimate", m);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(
          r, "refuted_sd", reps > 1 ? sqrt(ss / (double)(reps - 1)) : NAN);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "reps", (double)reps);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "p_value", pval);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "shift", m - est);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_vector(r, "refuted_estimates", vals, reps, NULL);
  }
  causal_rng_free(rng);
  cz_free(a, perm);
  cz_free(a, orig);
  cz_free(a, col);
  cz_free(a, vals);
  return rc;
}

int causal_weighting_refute(causal_result **out, const causal_weighting *w,
                            const causal_propensity *ps,
                            const causal_dataset *ds, int kind,
                            const char *placebo, size_t reps, uint64_t seed) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(w);
  CZ_REQUIRE_NONNULL(ps);
  CZ_REQUIRE_NONNULL(ds);
  if (kind < CAUSAL_REFUTE_PLACEBO_TREATMENT ||
      kind > CAUSAL_REFUTE_PLACEBO_OUTCOME)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_weighting_refute: kind %d is not 1 (placebo "
                   "treatment), 2 (random common cause) or 3 (placebo "
                   "outcome)",
                   kind);
  if (kind == CAUSAL_REFUTE_PLACEBO_OUTCOME && placebo == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_weighting_refute: a placebo "
                                  "outcome column is needed");
  if (kind != CAUSAL_REFUTE_PLACEBO_OUTCOME && (reps == 0 || reps > 100000))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_weighting_refute: reps = %zu is outside [1, "
                   "100000]",
                   reps);
  if (kind == CAUSAL_REFUTE_PLACEBO_TREATMENT && cz_ps_has_scores(ps))
    return cz_fail(CAUSAL_EINVAL,
                   "causal_weighting_refute: supplied scores cannot be "
                   "refuted with a placebo treatment (the scores belong to "
                   "the real treatment)");
  cz_alloc a = cz_alloc_current();
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "refutation");
  if (rc == CAUSAL_OK)
    rc = refute_run(r, w, ps, ds, kind, placebo, reps, seed, &a);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
