/* Covariate balance tables (MatchIt summary() conventions): standardized
 * mean differences with unweighted denominators, variance ratios, eCDF
 * statistics, before and after weighting. docs/methods/balance.md. */
#include "internal/dataset.h"
#include "internal/result.h"
#include "internal/sort.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct causal_balance {
  cz_alloc alloc;
  char *treatment;
  char **covs;
  size_t ncovs, cap;
  int64_t sd_denom;
  double threshold;
};

int causal_balance_new(causal_balance **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_balance *b = cz_calloc(&a, 1, sizeof *b);
  if (b == NULL)
    return CAUSAL_ENOMEM;
  b->alloc = a;
  b->sd_denom = CAUSAL_BALANCE_POOLED;
  b->threshold = 0.1;
  *out = b;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_balance_free(causal_balance *b) {
  if (b == NULL)
    return;
  for (size_t i = 0; i < b->ncovs; i++)
    cz_free(&b->alloc, b->covs[i]);
  cz_free(&b->alloc, b->covs);
  cz_free(&b->alloc, b->treatment);
  cz_free(&b->alloc, b);
}

int causal_balance_set_treatment(causal_balance *b, const char *column) {
  CZ_REQUIRE_NONNULL(b);
  return cz_name_set(&b->alloc, &b->treatment, column, __func__, 0);
}

int causal_balance_add_covariate(causal_balance *b, const char *column) {
  CZ_REQUIRE_NONNULL(b);
  return cz_names_add(&b->alloc, &b->covs, &b->ncovs, &b->cap, column,
                      __func__);
}

int causal_balance_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  if (key == CAUSAL_BALANCE_SD_DENOM) {
    *min = 1;
    *max = 3;
  } else if (key == CAUSAL_BALANCE_THRESHOLD) {
    *min = 0;
    *max = INFINITY;
  } else
    return cz_fail(CAUSAL_EINVAL, "%s: unknown option key %d", __func__, key);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_balance_set_int(causal_balance *b, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(b);
  if (key != CAUSAL_BALANCE_SD_DENOM)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown integer option key %d",
                   __func__, key);
  if (value < 1 || value > 3)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: CAUSAL_BALANCE_SD_DENOM = %lld is outside [1, 3]",
                   __func__, (long long)value);
  b->sd_denom = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_balance_get_int(const causal_balance *b, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(b);
  CZ_REQUIRE_NONNULL(value);
  if (key != CAUSAL_BALANCE_SD_DENOM)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown integer option key %d",
                   __func__, key);
  *value = b->sd_denom;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_balance_set_double(causal_balance *b, int key, double value) {
  CZ_REQUIRE_NONNULL(b);
  if (key != CAUSAL_BALANCE_THRESHOLD)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown real option key %d", __func__,
                   key);
  if (!(value >= 0) || isinf(value))
    return cz_fail(CAUSAL_ERANGE,
                   "%s: CAUSAL_BALANCE_THRESHOLD = %g must be finite and >= 0",
                   __func__, value);
  b->threshold = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_balance_get_double(const causal_balance *b, int key,
                              double *value) {
  CZ_REQUIRE_NONNULL(b);
  CZ_REQUIRE_NONNULL(value);
  if (key != CAUSAL_BALANCE_THRESHOLD)
    return cz_fail(CAUSAL_EINVAL, "%s: unknown real option key %d", __func__,
                   key);
  *value = b->threshold;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Statistics
 * ====================================================================== */

typedef struct bctx {
  const cz_alloc *a;
  size_t n;        /* used rows */
  const double *t; /* n 0/1 */
  double *x;       /* n covariate values */
  size_t *ord;     /* n scratch */
  double *cum;     /* n scratch */
} bctx;

/* Weighted mean and MatchIt variance of arm g (w NULL = unit weights). */
static void wstats(const bctx *c, const double *w, int g, int bin,
                   double *mean, double *var, size_t *npos) {
  double sw = 0, sx = 0, sw2 = 0;
  size_t np = 0;
  for (size_t i = 0; i < c->n; i++)
    if (c->t[i] == (double)g) {
      double wi = w ? w[i] : 1.0;
      sw += wi;
      sx += wi * c->x[i];
      np += wi != 0;
    }
  double m = sx / sw, ss = 0;
  for (size_t i = 0; i < c->n; i++)
    if (c->t[i] == (double)g) {
      double wi = (w ? w[i] : 1.0) / sw, d = c->x[i] - m;
      ss += wi * d * d;
      sw2 += wi * wi;
    }
  *mean = m;
  *var = bin ? m * (1 - m) : ss / (1 - sw2);
  *npos = np;
}

/* eCDF mean and max of |F_1 - F_0| over the distinct values. */
static void ecdf_stats(const bctx *c, const double *w, const size_t *ord,
                       double *emean, double *emax) {
  double s[2] = {0, 0};
  for (size_t i = 0; i < c->n; i++)
    s[c->t[i] == 1.0] += w ? w[i] : 1.0;
  double cum = 0, sum = 0, mx = 0;
  size_t cnt = 0;
  for (size_t r = 0; r < c->n; r++) {
    size_t i = ord[r];
    int g = c->t[i] == 1.0;
    double wi = (w ? w[i] : 1.0) / s[g];
    cum += g ? wi : -wi;
    if (r + 1 == c->n || c->x[ord[r + 1]] != c->x[i]) {
      double d = fabs(cum);
      sum += d;
      if (d > mx)
        mx = d;
      cnt++;
    }
  }
  *emean = sum / (double)cnt;
  *emax = mx;
}

/* The seven statistics of one covariate for weights w (NULL = none) with
 * the unweighted denominator sd. */
static void cov_stats(const bctx *c, const double *w, const size_t *ord,
                      int bin, double sd, double thr, double *o) {
  double m1, m0, v1, v0;
  size_t p1, p0;
  wstats(c, w, 1, bin, &m1, &v1, &p1);
  wstats(c, w, 0, bin, &m0, &v0, &p0);
  int too_small = p1 < 2 && p0 < 2;
  double md = m1 - m0;
  o[0] = m1;
  o[1] = m0;
  o[2] = (fabs(md) > sqrt(DBL_EPSILON) && !too_small) ? md / sd : md;
  o[3] = NAN;
  o[4] = o[5] = NAN;
  if (bin) {
    o[4] = o[5] = fabs(md);
  } else if (!too_small) {
    o[3] = v1 / v0;
    ecdf_stats(c, w, ord, &o[4], &o[5]);
  }
  o[6] = fabs(o[2]) > thr ? 1.0 : 0.0;
}

/* Unweighted standardization (MatchIt: s.weights only). */
static double denom_sd(const bctx *c, int bin, int mode) {
  double m1, m0, v1, v0;
  size_t p1, p0;
  wstats(c, NULL, 1, bin, &m1, &v1, &p1);
  wstats(c, NULL, 0, bin, &m0, &v0, &p0);
  double s = mode == CAUSAL_BALANCE_TREATED   ? sqrt(v1)
             : mode == CAUSAL_BALANCE_CONTROL ? sqrt(v0)
                                              : sqrt((v1 + v0) / 2);
  if (isfinite(s) && s >= sqrt(DBL_EPSILON))
    return s;
  /* fallback: pooled SD with proportional contributions */
  double n = (double)c->n, acc = 0;
  if (bin) {
    double n1 = (double)p1, n0 = (double)p0;
    acc = (m1 * n1) * (1 - m1) / n + (m0 * n0) * (1 - m0) / n;
  } else {
    for (size_t i = 0; i < c->n; i++) {
      double d = c->x[i] - (c->t[i] == 1.0 ? m1 : m0);
      acc += d * d;
    }
    acc /= n - 2;
  }
  return sqrt(acc);
}

static int read_col(const causal_dataset *ds, const char *name, size_t *col) {
  return causal_dataset_col_index(ds, name, col);
}

static int balance_compute(causal_result *r, const causal_balance *b,
                           const causal_dataset *ds, const double *weights,
                           size_t nweights, const cz_alloc *a) {
  if (b->treatment == NULL)
    return cz_fail(CAUSAL_EINVAL, "balance: no treatment column set "
                                  "(causal_balance_set_treatment)");
  if (b->ncovs == 0)
    return cz_fail(CAUSAL_EINVAL, "balance: no covariates "
                                  "(causal_balance_add_covariate)");
  size_t N = ds->nrows;
  if (N == 0)
    return cz_fail(CAUSAL_EINVAL, "balance: the dataset has no rows");
  if (weights != NULL && nweights != N)
    return cz_fail(CAUSAL_EDIM, "balance: %zu weights for %zu rows", nweights,
                   N);
  /* used rows */
  uint8_t *ok = cz_malloc(a, N);
  size_t *cols = cz_malloc(a, b->ncovs * sizeof *cols);
  double *all = cz_malloc(a, N * sizeof *all);
  bctx c = {a, 0, NULL, NULL, NULL, NULL};
  double *t = NULL, *w = NULL, *tab = NULL;
  uint64_t *keys = NULL;
  char **names = NULL;
  size_t nrow = 0;
  int rc = (ok && cols && all) ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    memset(ok, 1, N);
  size_t tcol = 0;
  if (rc == CAUSAL_OK)
    rc = read_col(ds, b->treatment, &tcol);
  for (size_t j = 0; rc == CAUSAL_OK && j < b->ncovs; j++) {
    rc = read_col(ds, b->covs[j], &cols[j]);
    if (rc != CAUSAL_OK)
      break;
    const cz_column *cc = &ds->cols[cols[j]];
    for (size_t i = 0; i < N; i++)
      if (cz_col_missing(cc, i))
        ok[i] = 0;
    nrow += cc->type == CAUSAL_TYPE_CAT ? cc->nlevels : 1;
  }
  if (rc == CAUSAL_OK)
    for (size_t i = 0; i < N; i++)
      if (cz_col_missing(&ds->cols[tcol], i))
        ok[i] = 0;
  size_t n = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < N; i++)
    n += ok[i];
  if (rc == CAUSAL_OK && n == 0)
    rc = cz_fail(CAUSAL_EMISSING, "balance: no complete row");
  if (rc == CAUSAL_OK) {
    c.n = n;
    t = cz_malloc(a, n * sizeof *t);
    c.x = cz_malloc(a, n * sizeof *c.x);
    c.ord = cz_malloc(a, n * sizeof *c.ord);
    keys = cz_malloc(a, n * sizeof *keys);
    w = weights ? cz_malloc(a, n * sizeof *w) : NULL;
    tab = cz_malloc(a, (nrow ? nrow : 1) * 14 * sizeof *tab);
    names = cz_calloc(a, nrow ? nrow : 1, sizeof *names);
    if (!t || !c.x || !c.ord || !keys || (weights && !w) || !tab || !names)
      rc = CAUSAL_ENOMEM;
  }
  c.t = t;
  size_t n1 = 0;
  if (rc == CAUSAL_OK) {
    const cz_column *tc = &ds->cols[tcol];
    if (tc->type == CAUSAL_TYPE_CAT && tc->nlevels != 2)
      rc = cz_fail(CAUSAL_EINVAL, "balance: categorical treatment '%s' has "
                                  "%zu levels, not 2",
                   b->treatment, tc->nlevels);
    if (rc == CAUSAL_OK)
      rc = causal_dataset_col_to_f64(ds, tcol, all, N);
    size_t u = 0;
    for (size_t i = 0; rc == CAUSAL_OK && i < N; i++) {
      if (!ok[i])
        continue;
      if (all[i] != 0.0 && all[i] != 1.0)
        rc = cz_fail(CAUSAL_EINVAL,
                     "balance: treatment '%s' is %g at row %zu (must be 0 or "
                     "1)",
                     b->treatment, all[i], i);
      n1 += all[i] == 1.0;
      if (w != NULL) {
        if (isnan(weights[i]) || isinf(weights[i]))
          rc = cz_fail(CAUSAL_ENONFINITE, "balance: weights[%zu] is %g", i,
                       weights[i]);
        else if (weights[i] < 0)
          rc = cz_fail(CAUSAL_ERANGE, "balance: weights[%zu] = %g is negative",
                       i, weights[i]);
        w[u] = weights[i];
      }
      t[u++] = all[i];
    }
    if (rc == CAUSAL_OK && (n1 == 0 || n1 == n))
      rc = cz_fail(CAUSAL_EINVAL,
                   "balance: %s (treatment '%s', %zu complete rows)",
                   n1 == 0 ? "no treated rows" : "all rows are treated",
                   b->treatment, n);
  }
  double ws[2] = {0, 0}, ws2[2] = {0, 0};
  if (rc == CAUSAL_OK && w != NULL) {
    for (size_t i = 0; i < n; i++) {
      ws[t[i] == 1.0] += w[i];
      ws2[t[i] == 1.0] += w[i] * w[i];
    }
    if (ws[0] <= 0 || ws[1] <= 0)
      rc = cz_fail(CAUSAL_EINVAL,
                   "balance: the %s arm has zero total weight",
                   ws[1] <= 0 ? "treated" : "control");
  }
  size_t row = 0, nconst = 0;
  const char *first_const = NULL;
  double max_smd[2] = {0, 0};
  size_t nflag[2] = {0, 0};
  for (size_t j = 0; rc == CAUSAL_OK && j < b->ncovs; j++) {
    const cz_column *cc = &ds->cols[cols[j]];
    rc = causal_dataset_col_to_f64(ds, cols[j], all, N);
    size_t nl = cc->type == CAUSAL_TYPE_CAT ? cc->nlevels : 1;
    for (size_t l = 0; rc == CAUSAL_OK && l < nl; l++, row++) {
      size_t u = 0;
      for (size_t i = 0; i < N; i++)
        if (ok[i])
          c.x[u++] = cc->type == CAUSAL_TYPE_CAT ? (all[i] == (double)l)
                                                 : all[i];
      int bin = 1, constant = 1;
      for (size_t i = 0; i < n; i++) {
        if (c.x[i] != 0.0 && c.x[i] != 1.0)
          bin = 0;
        if (c.x[i] != c.x[0])
          constant = 0;
        if (!isfinite(c.x[i])) {
          rc = cz_fail(CAUSAL_ENONFINITE, "balance: covariate '%s' is "
                                          "infinite at a used row",
                       b->covs[j]);
          break;
        }
      }
      if (rc != CAUSAL_OK)
        break;
      if (constant && nconst++ == 0)
        first_const = b->covs[j];
      /* eCDF statistics (continuous covariates only) need the order. */
      for (size_t i = 0; i < n; i++) {
        c.ord[i] = i;
        keys[i] = cz_sort_key_f64(c.x[i]);
      }
      if (!bin && (rc = cz_radix_sort(a, keys, c.ord, n)) != CAUSAL_OK)
        break;
      double sd = denom_sd(&c, bin, (int)b->sd_denom);
      double o[14];
      cov_stats(&c, NULL, c.ord, bin, sd, b->threshold, o);
      if (w != NULL)
        cov_stats(&c, w, c.ord, bin, sd, b->threshold, o + 7);
      for (int s = 0; s < (w ? 2 : 1); s++) {
        double v = fabs(o[s * 7 + 2]);
        if (v > max_smd[s])
          max_smd[s] = v;
        nflag[s] += o[s * 7 + 6] != 0;
      }
      size_t ncolt = w ? 14 : 7;
      for (size_t k = 0; k < ncolt; k++)
        tab[k * nrow + row] = o[k];
      size_t len = strlen(cc->name) + 4 +
                   (cc->type == CAUSAL_TYPE_CAT ? strlen(cc->labels[l]) : 0);
      if ((names[row] = cz_malloc(a, len)) == NULL) {
        rc = CAUSAL_ENOMEM;
        break;
      }
      if (cc->type == CAUSAL_TYPE_CAT)
        snprintf(names[row], len, "%s[%s]", cc->name, cc->labels[l]);
      else
        snprintf(names[row], len, "%s", cc->name);
    }
  }
  if (rc == CAUSAL_OK) {
    static const char *cn[14] = {
        "mean_treated",     "mean_control",     "smd",      "var_ratio",
        "ecdf_mean",        "ecdf_max",         "flag",     "mean_treated_adj",
        "mean_control_adj", "smd_adj",          "var_ratio_adj",
        "ecdf_mean_adj",    "ecdf_max_adj",     "flag_adj"};
    rc = causal_result_set_matrix(r, "balance", tab, nrow, w ? 14 : 7,
                                  (const char *const *)names, cn);
  }
  if (rc == CAUSAL_OK) {
    static const char *dn[] = {"pooled", "treated", "control"};
    rc = causal_result_set_string(r, "sd_denom", dn[b->sd_denom - 1]);
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "threshold", b->threshold);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "n_flagged", (double)nflag[0]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "max_abs_smd", max_smd[0]);
  if (rc == CAUSAL_OK && w != NULL)
    rc = causal_result_set_scalar(r, "n_flagged_adj", (double)nflag[1]);
  if (rc == CAUSAL_OK && w != NULL)
    rc = causal_result_set_scalar(r, "max_abs_smd_adj", max_smd[1]);
  if (rc == CAUSAL_OK && w != NULL)
    rc = causal_result_set_scalar(r, "ess_treated", ws[1] * ws[1] / ws2[1]);
  if (rc == CAUSAL_OK && w != NULL)
    rc = causal_result_set_scalar(r, "ess_control", ws[0] * ws[0] / ws2[0]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "nobs", (double)n);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "n_dropped", (double)(N - n));
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "n_treated", (double)n1);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "n_control", (double)(n - n1));
  if (rc == CAUSAL_OK && nconst > 0) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "%zu covariate column(s) constant in the sample (first: '%.100s'); "
             "their differences are 0",
             nconst, first_const);
    rc = causal_result_add_warning(r, msg);
  }
  if (names)
    for (size_t j = 0; j < nrow; j++)
      cz_free(a, names[j]);
  cz_free(a, names);
  cz_free(a, tab);
  cz_free(a, w);
  cz_free(a, keys);
  cz_free(a, c.ord);
  cz_free(a, c.x);
  cz_free(a, t);
  cz_free(a, all);
  cz_free(a, cols);
  cz_free(a, ok);
  return rc;
}

int causal_balance_compute(causal_result **out, const causal_balance *b,
                           const causal_dataset *ds, const double *weights,
                           size_t nweights) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(b);
  CZ_REQUIRE_NONNULL(ds);
  cz_alloc a = cz_alloc_current();
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "balance");
  if (rc == CAUSAL_OK)
    rc = balance_compute(r, b, ds, weights, nweights, &a);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
