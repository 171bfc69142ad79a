/* Per-column summaries: count, missing, mean, sd, min, quartiles, max. */
#include "internal/core.h"
#include "internal/dataset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { D_COUNT, D_MISSING, D_MEAN, D_SD, D_MIN, D_Q25, D_MED, D_Q75, D_MAX, D_N };

static const char *const summary_names[D_N] = {
    "count", "missing", "mean", "sd", "min", "q25", "median", "q75", "max"};

static void swap_d(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

/* Partially order x[lo..hi] so that x[k] is the k-th smallest and no element
 * left of k is larger (Hoare partition with median-of-three pivots). */
static void select_kth(double *x, size_t lo, size_t hi, size_t k) {
  while (hi > lo) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] < x[lo]) swap_d(&x[mid], &x[lo]);
    if (x[hi] < x[lo]) swap_d(&x[hi], &x[lo]);
    if (x[hi] < x[mid]) swap_d(&x[hi], &x[mid]);
    double pivot = x[mid];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (x[i] < pivot) i++;
      while (x[j] > pivot) j--;
      if (i <= j) {
        swap_d(&x[i], &x[j]);
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return;
  }
}

/* Smallest value of x[from..n), after select_kth placed x[from-1]. */
static double min_from(const double *x, size_t from, size_t n) {
  double m = x[from];
  for (size_t i = from + 1; i < n; i++)
    if (x[i] < m) m = x[i];
  return m;
}

/* Type-7 quantile of x[0..n), n >= 1; reorders x. */
static double quantile7(double *x, size_t n, double p) {
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  select_kth(x, 0, n - 1, lo);
  double a = x[lo];
  if (lo + 1 >= n || h == (double)lo)
    return a;
  double b = min_from(x, lo + 1, n);
  return a + (h - (double)lo) * (b - a);
}

static int summarize_numeric(const cz_column *c, size_t nrows, double *vals,
                             double *row, int *has_inf) {
  size_t m = 0, nfinite = 0;
  for (size_t i = 0; i < nrows; i++) {
    if (cz_col_missing(c, i))
      continue;
    double v;
    switch (c->type) {
    case CAUSAL_TYPE_F64: v = ((const double *)c->data)[i]; break;
    case CAUSAL_TYPE_I64: v = (double)((const int64_t *)c->data)[i]; break;
    default: v = ((const uint8_t *)c->data)[i] ? 1.0 : 0.0; break;
    }
    vals[m++] = v;
    if (isfinite(v))
      nfinite++;
  }
  row[D_COUNT] = (double)m;
  row[D_MISSING] = (double)(nrows - m);
  *has_inf = nfinite < m;
  if (m == 0)
    return CAUSAL_OK;
  /* Moments over the finite values; infinities are folded in after. */
  double mean = NAN, sd = NAN;
  if (nfinite > 0) {
    causal_moments *mom = NULL;
    CZ_CHECK(causal_moments_new(&mom, 1));
    /* Finite values to the front (order is irrelevant for what follows). */
    for (size_t i = 0, f = 0; i < m; i++)
      if (isfinite(vals[i]))
        swap_d(&vals[f++], &vals[i]);
    int rc = causal_moments_update(mom, vals, nfinite, 1, 1, NULL);
    if (rc == CAUSAL_OK)
      rc = causal_moments_get(mom, CAUSAL_MOM_MEAN, &mean, 1);
    if (rc == CAUSAL_OK && nfinite > 1)
      rc = causal_moments_get(mom, CAUSAL_MOM_SD, &sd, 1);
    causal_moments_free(mom);
    CZ_CHECK(rc);
  }
  if (*has_inf) {
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
      if (!isfinite(vals[i]))
        s += vals[i]; /* +Inf, -Inf, or NaN when both signs occur */
    mean = s;
    sd = NAN;
  }
  row[D_MEAN] = mean;
  row[D_SD] = sd;
  double lo = vals[0], hi = vals[0];
  for (size_t i = 1; i < m; i++) {
    if (vals[i] < lo) lo = vals[i];
    if (vals[i] > hi) hi = vals[i];
  }
  row[D_MIN] = lo;
  row[D_MAX] = hi;
  row[D_Q25] = quantile7(vals, m, 0.25);
  row[D_MED] = quantile7(vals, m, 0.5);
  row[D_Q75] = quantile7(vals, m, 0.75);
  return CAUSAL_OK;
}

static int describe_into(causal_result *r, const causal_dataset *ds,
                         double *summary, double *types, double *levels,
                         const char **names, double *vals) {
  size_t k = ds->ncols, n = ds->nrows;
  for (size_t j = 0; j < k; j++) {
    const cz_column *c = &ds->cols[j];
    double row[D_N];
    for (int s = 0; s < D_N; s++)
      row[s] = NAN;
    names[j] = c->name;
    types[j] = c->type;
    levels[j] = c->type == CAUSAL_TYPE_CAT ? (double)c->nlevels : 0.0;
    if (c->type == CAUSAL_TYPE_CAT) {
      row[D_COUNT] = (double)(n - c->nmissing);
      row[D_MISSING] = (double)c->nmissing;
    } else {
      int has_inf = 0;
      CZ_CHECK(summarize_numeric(c, n, vals, row, &has_inf));
      if (has_inf) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "column '%s' has infinite values: mean and sd are not finite",
                 c->name);
        CZ_CHECK(causal_result_add_warning(r, msg));
      }
    }
    for (int s = 0; s < D_N; s++)
      summary[j + (size_t)s * k] = row[s];
  }
  CZ_CHECK(causal_result_set_matrix(r, "summary", summary, k, D_N, names,
                                    summary_names));
  CZ_CHECK(causal_result_set_vector(r, "type", types, k, names));
  CZ_CHECK(causal_result_set_vector(r, "levels", levels, k, names));
  return CAUSAL_OK;
}

int causal_describe_dataset(causal_result **out, const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(ds);
  if (ds->ncols == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_describe_dataset: dataset has no columns");
  cz_alloc a = cz_alloc_current();
  size_t k = ds->ncols, n = ds->nrows;
  double *summary = cz_calloc(&a, k * D_N, sizeof(double));
  double *types = cz_calloc(&a, k, sizeof(double));
  double *levels = cz_calloc(&a, k, sizeof(double));
  const char **names = cz_calloc(&a, k, sizeof(char *));
  double *vals = cz_calloc(&a, n ? n : 1, sizeof(double));
  causal_result *r = NULL;
  int rc = CAUSAL_ENOMEM;
  if (summary && types && levels && names && vals)
    rc = causal_result_new(&r, "describe");
  if (rc == CAUSAL_OK)
    rc = describe_into(r, ds, summary, types, levels, names, vals);
  cz_free(&a, summary);
  cz_free(&a, types);
  cz_free(&a, levels);
  cz_free(&a, names);
  cz_free(&a, vals);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  return CAUSAL_OK;
}
