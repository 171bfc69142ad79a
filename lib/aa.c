/* AA grouping of fixed units: rerandomization, a swap optimizer, balance
 * reports, randomization inference and an MDE advisor (see
 * include/causal/aa.h and docs/methods/aa.md). */
#include "causal/aa.h"

#include "internal/core.h"
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AA_MAX_SWEEPS 200

struct causal_aa {
  cz_alloc alloc;
  int64_t k;
  char **metrics;
  size_t nmetric, capmetric;
  char *id, *strata;
  int64_t *sizes; /* NULL or k entries */
  int64_t method, max_draws, seed, restarts, objective;
  double p_accept, threshold;
};

/* ---- specification ----------------------------------------------------- */

int causal_aa_new(causal_aa **out, int64_t k) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (k < 2 || k > 1000000)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_aa_new: k = %lld groups is outside "
                   "[2, 1000000]",
                   (long long)k);
  cz_alloc a = cz_alloc_current();
  causal_aa *aa = cz_calloc(&a, 1, sizeof *aa);
  if (aa == NULL)
    return CAUSAL_ENOMEM;
  aa->alloc = a;
  aa->k = k;
  aa->method = CAUSAL_AA_RERANDOMIZE;
  aa->max_draws = 100000;
  aa->restarts = 10;
  aa->objective = CAUSAL_AA_OBJ_MAX_SMD;
  aa->p_accept = 0.05;
  *out = aa;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_aa_free(causal_aa *aa) {
  if (aa == NULL)
    return;
  for (size_t j = 0; j < aa->nmetric; j++)
    cz_free(&aa->alloc, aa->metrics[j]);
  cz_free(&aa->alloc, aa->metrics);
  cz_free(&aa->alloc, aa->id);
  cz_free(&aa->alloc, aa->strata);
  cz_free(&aa->alloc, aa->sizes);
  cz_free(&aa->alloc, aa);
}

int causal_aa_add_metric(causal_aa *aa, const char *column) {
  CZ_REQUIRE_NONNULL(aa);
  CZ_REQUIRE_NONNULL(column);
  if (column[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_aa_add_metric: empty column name");
  for (size_t j = 0; j < aa->nmetric; j++)
    if (strcmp(aa->metrics[j], column) == 0)
      return cz_fail(CAUSAL_EEXISTS,
                     "causal_aa_add_metric: metric '%s' already added", column);
  if (aa->nmetric == aa->capmetric) {
    size_t cap = aa->capmetric ? 2 * aa->capmetric : 4;
    char **m = cz_realloc(&aa->alloc, aa->metrics, aa->capmetric * sizeof *m,
                          cap * sizeof *m);
    if (m == NULL)
      return CAUSAL_ENOMEM;
    aa->metrics = m;
    aa->capmetric = cap;
  }
  char *s = cz_strdup(&aa->alloc, column);
  if (s == NULL)
    return CAUSAL_ENOMEM;
  aa->metrics[aa->nmetric++] = s;
  cz_clear_error();
  return CAUSAL_OK;
}

static int set_name(causal_aa *aa, char **slot, const char *column,
                    const char *who) {
  char *s = NULL;
  if (column != NULL) {
    if (column[0] == '\0')
      return cz_fail(CAUSAL_EINVAL, "%s: empty column name", who);
    s = cz_strdup(&aa->alloc, column);
    if (s == NULL)
      return CAUSAL_ENOMEM;
  }
  cz_free(&aa->alloc, *slot);
  *slot = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_aa_set_id(causal_aa *aa, const char *column) {
  CZ_REQUIRE_NONNULL(aa);
  return set_name(aa, &aa->id, column, "causal_aa_set_id");
}

int causal_aa_set_strata(causal_aa *aa, const char *column) {
  CZ_REQUIRE_NONNULL(aa);
  return set_name(aa, &aa->strata, column, "causal_aa_set_strata");
}

int causal_aa_set_sizes(causal_aa *aa, const int64_t *sizes, size_t k) {
  CZ_REQUIRE_NONNULL(aa);
  if (sizes == NULL) {
    cz_free(&aa->alloc, aa->sizes);
    aa->sizes = NULL;
    cz_clear_error();
    return CAUSAL_OK;
  }
  if (k != (size_t)aa->k)
    return cz_fail(CAUSAL_EDIM,
                   "causal_aa_set_sizes: %zu sizes given for k = %lld groups",
                   k, (long long)aa->k);
  for (size_t g = 0; g < k; g++)
    if (sizes[g] < 2)
      return cz_fail(CAUSAL_EINVAL,
                     "causal_aa_set_sizes: sizes[%zu] = %lld; every group "
                     "needs at least 2 units",
                     g, (long long)sizes[g]);
  int64_t *s = cz_malloc(&aa->alloc, k * sizeof *s);
  if (s == NULL)
    return CAUSAL_ENOMEM;
  memcpy(s, sizes, k * sizeof *s);
  cz_free(&aa->alloc, aa->sizes);
  aa->sizes = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_aa_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  switch (key) {
  case CAUSAL_AA_METHOD:
    *min = 1;
    *max = 3;
    break;
  case CAUSAL_AA_MAX_DRAWS:
    *min = 1;
    *max = 9007199254740992.0;
    break;
  case CAUSAL_AA_SEED:
    *min = 0;
    *max = 9223372036854775807.0;
    break;
  case CAUSAL_AA_RESTARTS:
    *min = 1;
    *max = 1000000;
    break;
  case CAUSAL_AA_OBJECTIVE:
    *min = 1;
    *max = 2;
    break;
  case CAUSAL_AA_P_ACCEPT:
    *min = 1e-12;
    *max = 1;
    break;
  case CAUSAL_AA_THRESHOLD:
    *min = 0;
    *max = HUGE_VAL;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL, "causal_aa_bounds: unknown option key %d",
                   key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

static int is_int_key(int key) { return key >= 1 && key <= 5; }

int causal_aa_set_int(causal_aa *aa, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(aa);
  double lo, hi;
  CZ_CHECK(causal_aa_bounds(key, &lo, &hi));
  if (!is_int_key(key))
    return cz_fail(CAUSAL_ETYPE,
                   "causal_aa_set_int: option %d is real; use "
                   "causal_aa_set_double",
                   key);
  if ((double)value < lo || (double)value > hi || value < 0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_aa_set_int: option %d = %lld is outside [%g, %g]",
                   key, (long long)value, lo, hi);
  switch (key) {
  case CAUSAL_AA_METHOD:
    aa->method = value;
    break;
  case CAUSAL_AA_MAX_DRAWS:
    aa->max_draws = value;
    break;
  case CAUSAL_AA_SEED:
    aa->seed = value;
    break;
  case CAUSAL_AA_RESTARTS:
    aa->restarts = value;
    break;
  default:
    aa->objective = value;
    break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_aa_set_double(causal_aa *aa, int key, double value) {
  CZ_REQUIRE_NONNULL(aa);
  double lo, hi;
  CZ_CHECK(causal_aa_bounds(key, &lo, &hi));
  if (is_int_key(key))
    return cz_fail(CAUSAL_ETYPE,
                   "causal_aa_set_double: option %d is an integer; use "
                   "causal_aa_set_int",
                   key);
  if (!(value >= lo && value <= hi) || !isfinite(value))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_aa_set_double: option %d = %g is outside [%g, %g] "
                   "or not finite",
                   key, value, lo, hi);
  if (key == CAUSAL_AA_P_ACCEPT)
    aa->p_accept = value;
  else
    aa->threshold = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_aa_get_int(const causal_aa *aa, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(aa);
  CZ_REQUIRE_NONNULL(value);
  switch (key) {
  case CAUSAL_AA_METHOD:
    *value = aa->method;
    break;
  case CAUSAL_AA_MAX_DRAWS:
    *value = aa->max_draws;
    break;
  case CAUSAL_AA_SEED:
    *value = aa->seed;
    break;
  case CAUSAL_AA_RESTARTS:
    *value = aa->restarts;
    break;
  case CAUSAL_AA_OBJECTIVE:
    *value = aa->objective;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL,
                   "causal_aa_get_int: %d is not an integer option key", key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_aa_get_double(const causal_aa *aa, int key, double *value) {
  CZ_REQUIRE_NONNULL(aa);
  CZ_REQUIRE_NONNULL(value);
  if (key == CAUSAL_AA_P_ACCEPT)
    *value = aa->p_accept;
  else if (key == CAUSAL_AA_THRESHOLD)
    *value = aa->threshold;
  else
    return cz_fail(CAUSAL_EINVAL,
                   "causal_aa_get_double: %d is not a real option key", key);
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- the problem: data prepared for fast allocation statistics --------- */

typedef struct aa_prob {
  cz_alloc alloc;
  size_t n, p, k;
  double *x;    /* n x p row-major, centered at the overall means */
  double *z;    /* n x p row-major, whitened: L^-1 (x_i - xbar), S = L L' */
  double *xbar; /* p overall means */
  size_t nstrata;
  size_t *order;  /* units listed stratum by stratum */
  size_t *sstart; /* nstrata + 1 block starts into order */
  size_t *spos;   /* stratum of each position */
  char **idnames; /* n names (pointers into labels or namebuf) */
  char *namebuf;
  const char *const *metric; /* the spec's names */
} aa_prob;

static void prob_free(aa_prob *P) {
  cz_free(&P->alloc, P->x);
  cz_free(&P->alloc, P->z);
  cz_free(&P->alloc, P->xbar);
  cz_free(&P->alloc, P->order);
  cz_free(&P->alloc, P->sstart);
  cz_free(&P->alloc, P->spos);
  cz_free(&P->alloc, P->idnames);
  cz_free(&P->alloc, P->namebuf);
  memset(P, 0, sizeof *P);
}

typedef struct keyrow {
  int64_t key;
  size_t row;
} keyrow;

static int cmp_keyrow(const void *a, const void *b) {
  const keyrow *u = a, *v = b;
  if (u->key != v->key)
    return u->key < v->key ? -1 : 1;
  return (u->row > v->row) - (u->row < v->row);
}

/* Integer key of row i of a CAT/I64/BOOL column (missing already checked). */
static int64_t col_key(const cz_column *c, size_t i) {
  if (c->type == CAUSAL_TYPE_CAT)
    return ((const int32_t *)c->data)[i];
  if (c->type == CAUSAL_TYPE_I64)
    return ((const int64_t *)c->data)[i];
  return ((const uint8_t *)c->data)[i];
}

static int check_key_column(const cz_column *c, const char *who,
                            const char *role) {
  if (c->type != CAUSAL_TYPE_CAT && c->type != CAUSAL_TYPE_I64 &&
      c->type != CAUSAL_TYPE_BOOL)
    return cz_fail(CAUSAL_ETYPE,
                   "%s: %s column '%s' must be categorical, integer or bool",
                   who, role, c->name);
  return CAUSAL_OK;
}

static int first_missing(const cz_column *c, size_t n, size_t *row) {
  for (size_t i = 0; i < n; i++)
    if (cz_col_missing(c, i)) {
      *row = i;
      return 1;
    }
  return 0;
}

/* Ids: names for the result, no duplicates, no empty ones. */
static int prep_ids(aa_prob *P, const causal_aa *aa, const causal_dataset *ds,
                    const char *who) {
  size_t n = P->n;
  P->idnames = cz_calloc(&P->alloc, n, sizeof *P->idnames);
  if (P->idnames == NULL)
    return CAUSAL_ENOMEM;
  const cz_column *c = NULL;
  if (aa->id != NULL) {
    c = cz_dataset_find(ds, aa->id);
    if (c == NULL)
      return cz_fail_context(CAUSAL_ENOTFOUND, "%s: id", who);
    if (c->type != CAUSAL_TYPE_CAT && c->type != CAUSAL_TYPE_I64)
      return cz_fail(CAUSAL_ETYPE,
                     "%s: id column '%s' must be categorical (strings) or "
                     "integer",
                     who, c->name);
    size_t r;
    if (first_missing(c, n, &r))
      return cz_fail(CAUSAL_EINVAL, "%s: id column '%s' is empty at row %zu",
                     who, c->name, r);
  }
  if (c != NULL && c->type == CAUSAL_TYPE_CAT) {
    const int32_t *code = c->data;
    for (size_t i = 0; i < n; i++) {
      P->idnames[i] = c->labels[code[i]];
      if (P->idnames[i][0] == '\0')
        return cz_fail(CAUSAL_EINVAL, "%s: id column '%s' is empty at row %zu",
                       who, c->name, i);
    }
  } else {
    size_t w = 24;
    P->namebuf = cz_calloc(&P->alloc, n, w);
    if (P->namebuf == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      P->idnames[i] = P->namebuf + i * w;
      if (c != NULL)
        snprintf(P->idnames[i], w, "%lld",
                 (long long)((const int64_t *)c->data)[i]);
      else
        snprintf(P->idnames[i], w, "%zu", i + 1);
    }
  }
  if (c == NULL)
    return CAUSAL_OK;
  /* Duplicates: sort (key, row) pairs. Equal CAT codes are equal labels. */
  keyrow *kr = cz_malloc(&P->alloc, n * sizeof *kr);
  if (kr == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    kr[i].key = col_key(c, i);
    kr[i].row = i;
  }
  qsort(kr, n, sizeof *kr, cmp_keyrow);
  int rc = CAUSAL_OK;
  for (size_t i = 1; i < n; i++)
    if (kr[i].key == kr[i - 1].key) {
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: id '%s' in column '%s' is duplicated (rows %zu and "
                   "%zu)",
                   who, P->idnames[kr[i - 1].row], c->name, kr[i - 1].row,
                   kr[i].row);
      break;
    }
  cz_free(&P->alloc, kr);
  return rc;
}

/* Strata: order the units stratum by stratum. */
static int prep_strata(aa_prob *P, const causal_aa *aa,
                       const causal_dataset *ds, const char *who) {
  size_t n = P->n;
  P->order = cz_malloc(&P->alloc, n * sizeof *P->order);
  P->spos = cz_malloc(&P->alloc, n * sizeof *P->spos);
  P->sstart = cz_malloc(&P->alloc, (n + 1) * sizeof *P->sstart);
  if (P->order == NULL || P->spos == NULL || P->sstart == NULL)
    return CAUSAL_ENOMEM;
  if (aa->strata == NULL) {
    for (size_t i = 0; i < n; i++) {
      P->order[i] = i;
      P->spos[i] = 0;
    }
    P->nstrata = 1;
    P->sstart[0] = 0;
    P->sstart[1] = n;
    return CAUSAL_OK;
  }
  const cz_column *c = cz_dataset_find(ds, aa->strata);
  if (c == NULL)
    return cz_fail_context(CAUSAL_ENOTFOUND, "%s: strata", who);
  CZ_CHECK(check_key_column(c, who, "strata"));
  size_t r;
  if (first_missing(c, n, &r))
    return cz_fail(CAUSAL_EMISSING,
                   "%s: strata column '%s' is missing at row "
                   "%zu",
                   who, c->name, r);
  keyrow *kr = cz_malloc(&P->alloc, n * sizeof *kr);
  if (kr == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    kr[i].key = col_key(c, i);
    kr[i].row = i;
  }
  qsort(kr, n, sizeof *kr, cmp_keyrow);
  size_t s = 0;
  P->sstart[0] = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && kr[i].key != kr[i - 1].key)
      P->sstart[++s] = i;
    P->order[i] = kr[i].row;
    P->spos[i] = s;
  }
  P->nstrata = s + 1;
  P->sstart[P->nstrata] = n;
  int rc = CAUSAL_OK;
  for (s = 0; s < P->nstrata; s++) {
    size_t m = P->sstart[s + 1] - P->sstart[s];
    if (m < P->k) {
      size_t row = P->order[P->sstart[s]];
      char lab[32];
      const char *name = lab;
      if (c->type == CAUSAL_TYPE_CAT)
        name = c->labels[((const int32_t *)c->data)[row]];
      else
        snprintf(lab, sizeof lab, "%lld", (long long)col_key(c, row));
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: stratum '%s' of column '%s' has %zu units, fewer than "
                   "the k = %zu groups; it cannot be balanced (merge it with "
                   "another stratum)",
                   who, name, c->name, m, P->k);
      break;
    }
  }
  cz_free(&P->alloc, kr);
  return rc;
}

/* Metrics: centered copy, zero-variance and collinearity checks, whitening
 * by the Cholesky factor of the sample covariance. */
static int prep_metrics(aa_prob *P, const causal_aa *aa,
                        const causal_dataset *ds, const char *who) {
  size_t n = P->n, p = P->p;
  P->x = cz_malloc(&P->alloc, n * p * sizeof *P->x);
  P->z = cz_malloc(&P->alloc, n * p * sizeof *P->z);
  P->xbar = cz_calloc(&P->alloc, p + p * p, sizeof *P->xbar);
  if (P->x == NULL || P->z == NULL || P->xbar == NULL)
    return CAUSAL_ENOMEM;
  double *L = P->xbar + p; /* p x p, row-major lower triangle */
  for (size_t j = 0; j < p; j++) {
    const cz_column *c = cz_dataset_find(ds, aa->metrics[j]);
    if (c == NULL)
      return cz_fail_context(CAUSAL_ENOTFOUND, "%s: metric", who);
    if (c->type == CAUSAL_TYPE_CAT)
      return cz_fail(CAUSAL_ETYPE,
                     "%s: metric '%s' is categorical; metrics must be "
                     "numeric or bool",
                     who, c->name);
    size_t r;
    if (first_missing(c, n, &r))
      return cz_fail(CAUSAL_EMISSING,
                     "%s: metric '%s' is missing (NaN) at "
                     "row %zu",
                     who, c->name, r);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
      double v;
      if (c->type == CAUSAL_TYPE_F64)
        v = ((const double *)c->data)[i];
      else if (c->type == CAUSAL_TYPE_I64)
        v = (double)((const int64_t *)c->data)[i];
      else
        v = ((const uint8_t *)c->data)[i] ? 1.0 : 0.0;
      if (!isfinite(v))
        return cz_fail(CAUSAL_ENONFINITE,
                       "%s: metric '%s' is infinite at row "
                       "%zu",
                       who, c->name, i);
      P->x[i * p + j] = v;
      sum += v;
    }
    double mean = sum / (double)n, ss = 0, dev = 0;
    for (size_t i = 0; i < n; i++) {
      double d = P->x[i * p + j] - mean;
      dev += d;
      ss += d * d;
    }
    mean += dev / (double)n; /* one refinement step */
    P->xbar[j] = mean;
    for (size_t i = 0; i < n; i++)
      P->x[i * p + j] -= mean;
    if (!(ss > 0) || sqrt(ss / (double)n) <= 1e-12 * fabs(mean))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: metric '%s' has zero variance (every unit has the "
                     "same value); it cannot be balanced or standardized",
                     who, c->name);
  }
  /* S (lower triangle, row-major) then in-place Cholesky. */
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b <= a; b++) {
      double s = 0;
      for (size_t i = 0; i < n; i++)
        s += P->x[i * p + a] * P->x[i * p + b];
      L[a * p + b] = s / (double)(n - 1);
    }
  for (size_t j = 0; j < p; j++) {
    double d = L[j * p + j], orig = d;
    for (size_t m = 0; m < j; m++)
      d -= L[j * p + m] * L[j * p + m];
    /* The residual variance of metric j given the earlier ones. */
    if (!(d > 1e-10 * orig))
      return cz_fail(CAUSAL_ESINGULAR,
                     "%s: metric '%s' is (nearly) a linear combination of "
                     "the metrics before it; drop it",
                     who, aa->metrics[j]);
    d = sqrt(d);
    L[j * p + j] = d;
    for (size_t a = j + 1; a < p; a++) {
      double s = L[a * p + j];
      for (size_t m = 0; m < j; m++)
        s -= L[a * p + m] * L[j * p + m];
      L[a * p + j] = s / d;
    }
  }
  for (size_t i = 0; i < n; i++) /* forward substitution per unit */
    for (size_t a = 0; a < p; a++) {
      double s = P->x[i * p + a];
      for (size_t m = 0; m < a; m++)
        s -= L[a * p + m] * P->z[i * p + m];
      P->z[i * p + a] = s / L[a * p + a];
    }
  return CAUSAL_OK;
}

static int prob_init(aa_prob *P, const causal_aa *aa, const causal_dataset *ds,
                     const char *who) {
  memset(P, 0, sizeof *P);
  P->alloc = cz_alloc_current();
  CZ_REQUIRE_NONNULL(ds);
  if (aa->nmetric == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: no metric; add one with "
                   "causal_aa_add_metric",
                   who);
  P->n = causal_dataset_nrows(ds);
  P->p = aa->nmetric;
  P->k = (size_t)aa->k;
  P->metric = (const char *const *)aa->metrics;
  /* Unknown columns first: they explain an empty dataset best. */
  for (size_t j = 0; j < P->p; j++)
    if (cz_dataset_find(ds, aa->metrics[j]) == NULL)
      return cz_fail_context(CAUSAL_ENOTFOUND, "%s: metric", who);
  if (P->n < 2 * P->k)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %zu units cannot form k = %zu groups of at least 2 "
                   "units",
                   who, P->n, P->k);
  int rc = prep_ids(P, aa, ds, who);
  if (rc == CAUSAL_OK)
    rc = prep_metrics(P, aa, ds, who);
  if (rc == CAUSAL_OK)
    rc = prep_strata(P, aa, ds, who);
  if (rc != CAUSAL_OK)
    prob_free(P);
  return rc;
}

/* ---- allocation state ---------------------------------------------------
 * lab[pos] is the group of unit order[pos]. Group statistics over the
 * centered metrics: sum, sum of squares, whitened sum. */
typedef struct aa_state {
  int *lab;
  double *cnt;              /* k */
  double *sum, *ssq, *wsum; /* k x p each, row-major by group */
  double *tmp;              /* 6 p scratch */
} aa_state;

static void state_free(const aa_prob *P, aa_state *S) {
  cz_free(&P->alloc, S->lab);
  cz_free(&P->alloc, S->cnt);
  memset(S, 0, sizeof *S);
}

static int state_new(const aa_prob *P, aa_state *S) {
  memset(S, 0, sizeof *S);
  size_t kp = P->k * P->p;
  S->lab = cz_malloc(&P->alloc, P->n * sizeof *S->lab);
  S->cnt = cz_calloc(&P->alloc, P->k + 3 * kp + 6 * P->p, sizeof *S->cnt);
  if (S->lab == NULL || S->cnt == NULL) {
    state_free(P, S);
    return CAUSAL_ENOMEM;
  }
  S->sum = S->cnt + P->k;
  S->ssq = S->sum + kp;
  S->wsum = S->ssq + kp;
  S->tmp = S->wsum + kp;
  return CAUSAL_OK;
}

static void state_copy(const aa_prob *P, aa_state *dst, const aa_state *src) {
  memcpy(dst->lab, src->lab, P->n * sizeof *dst->lab);
  memcpy(dst->cnt, src->cnt, (P->k + 3 * P->k * P->p) * sizeof *dst->cnt);
}

static void state_stats(const aa_prob *P, aa_state *S) {
  size_t p = P->p, k = P->k;
  memset(S->cnt, 0, (k + 3 * k * p) * sizeof *S->cnt);
  for (size_t u = 0; u < P->n; u++) {
    size_t i = P->order[u], g = (size_t)S->lab[u];
    S->cnt[g] += 1;
    for (size_t j = 0; j < p; j++) {
      double v = P->x[i * p + j];
      S->sum[g * p + j] += v;
      S->ssq[g * p + j] += v * v;
      S->wsum[g * p + j] += P->z[i * p + j];
    }
  }
}

static double state_mahal(const aa_prob *P, const aa_state *S) {
  double m = 0;
  for (size_t g = 0; g < P->k; g++) {
    double s = 0;
    for (size_t j = 0; j < P->p; j++)
      s += S->wsum[g * P->p + j] * S->wsum[g * P->p + j];
    m += s / S->cnt[g];
  }
  return m;
}

/* Quota labels of the default design: n_g labels of group g spread evenly
 * along the stratum-ordered list. */
static int default_labels(const aa_prob *P, const causal_aa *aa, int *lab,
                          const char *who) {
  size_t k = P->k, n = P->n;
  int64_t total = 0;
  int64_t sz[64], *size = sz, *cnt;
  int64_t *buf = NULL;
  if (k > 32) {
    buf = cz_malloc(&P->alloc, 2 * k * sizeof *buf);
    if (buf == NULL)
      return CAUSAL_ENOMEM;
    size = buf;
  }
  cnt = size + k;
  for (size_t g = 0; g < k; g++) {
    size[g] = aa->sizes ? aa->sizes[g] : (int64_t)(n / k + (g < n % k ? 1 : 0));
    total += size[g];
    cnt[g] = 0;
  }
  if (total != (int64_t)n) {
    cz_free(&P->alloc, buf);
    return cz_fail(CAUSAL_EDIM,
                   "%s: the group sizes sum to %lld but there are %zu units",
                   who, (long long)total, n);
  }
  for (size_t i = 0; i < n; i++) {
    size_t best = 0;
    int64_t bestd = INT64_MIN;
    for (size_t g = 0; g < k; g++) {
      if (cnt[g] >= size[g])
        continue;
      /* deficit n_g (i + 1) / N - cnt_g, scaled by N */
      int64_t d = size[g] * (int64_t)(i + 1) - cnt[g] * (int64_t)n;
      if (d > bestd) {
        bestd = d;
        best = g;
      }
    }
    lab[i] = (int)best;
    cnt[best]++;
  }
  cz_free(&P->alloc, buf);
  return CAUSAL_OK;
}

static void shuffle_strata(const aa_prob *P, int *lab, causal_rng *rng) {
  for (size_t s = 0; s < P->nstrata; s++) {
    size_t lo = P->sstart[s], m = P->sstart[s + 1] - lo;
    for (size_t i = m; i > 1; i--) {
      size_t j = (size_t)cz_rng_bounded1(rng, i);
      int t = lab[lo + i - 1];
      lab[lo + i - 1] = lab[lo + j];
      lab[lo + j] = t;
    }
  }
}

/* ---- optimizer objective ------------------------------------------------ */

typedef struct aa_obj {
  double f, g;
} aa_obj;

/* Objective with groups a and b's statistics optionally replaced (ra, rb
 * point to [sum | ssq | wsum] triples of p values each). */
static aa_obj objective(const aa_prob *P, const aa_state *S, int kind, size_t a,
                        const double *ra, size_t b, const double *rb) {
  size_t p = P->p, k = P->k;
  aa_obj o = {0, 0};
  if (kind == CAUSAL_AA_OBJ_MAHALANOBIS) {
    for (size_t g = 0; g < k; g++) {
      const double *w = g == a && ra   ? ra + 2 * p
                        : g == b && rb ? rb + 2 * p
                                       : S->wsum + g * p;
      double s = 0;
      for (size_t j = 0; j < p; j++)
        s += w[j] * w[j];
      o.f += s / S->cnt[g];
    }
    return o;
  }
  for (size_t g = 0; g < k; g++) {
    const double *sg = g == a && ra ? ra : g == b && rb ? rb : S->sum + g * p;
    const double *qg = g == a && ra   ? ra + p
                       : g == b && rb ? rb + p
                                      : S->ssq + g * p;
    double ng = S->cnt[g];
    for (size_t h = g + 1; h < k; h++) {
      const double *sh = h == a && ra ? ra : h == b && rb ? rb : S->sum + h * p;
      const double *qh = h == a && ra   ? ra + p
                         : h == b && rb ? rb + p
                                        : S->ssq + h * p;
      double nh = S->cnt[h];
      for (size_t j = 0; j < p; j++) {
        double mg = sg[j] / ng, mh = sh[j] / nh;
        double vg = (qg[j] - sg[j] * mg), vh = (qh[j] - sh[j] * mh);
        double sp2 = (vg + vh) / (ng + nh - 2);
        double d = mg - mh;
        double smd = sp2 > 0 ? d / sqrt(sp2) : (d == 0 ? 0 : HUGE_VAL);
        double as = fabs(smd);
        if (as > o.f)
          o.f = as;
        o.g += smd * smd;
      }
    }
  }
  return o;
}

static int obj_better(aa_obj x, aa_obj best) {
  double tf = 1e-12 * (1 + best.f), tg = 1e-12 * (1 + best.g);
  if (x.f < best.f - tf)
    return 1;
  return x.f <= best.f + tf && x.g < best.g - tg;
}

/* Local search by swaps within strata; returns the objective reached. */
static aa_obj local_search(const aa_prob *P, aa_state *S, int kind,
                           size_t *perm, causal_rng *rng) {
  size_t p = P->p, n = P->n;
  double *ra = S->tmp, *rb = S->tmp + 3 * p;
  aa_obj cur = objective(P, S, kind, SIZE_MAX, NULL, SIZE_MAX, NULL);
  for (size_t u = 0; u < n; u++)
    perm[u] = u;
  for (int sweep = 0; sweep < AA_MAX_SWEEPS; sweep++) {
    int improved = 0;
    for (size_t u = n; u > 1; u--) {
      size_t j = (size_t)cz_rng_bounded1(rng, u);
      size_t t = perm[u - 1];
      perm[u - 1] = perm[j];
      perm[j] = t;
    }
    for (size_t t = 0; t < n; t++) {
      size_t u = perm[t], s = P->spos[u], i = P->order[u];
      size_t a = (size_t)S->lab[u], bestv = SIZE_MAX;
      aa_obj best = cur;
      for (size_t v = P->sstart[s]; v < P->sstart[s + 1]; v++) {
        size_t b = (size_t)S->lab[v];
        if (b == a)
          continue;
        size_t jj = P->order[v];
        for (size_t m = 0; m < p; m++) {
          double xi = P->x[i * p + m], xj = P->x[jj * p + m];
          double zi = P->z[i * p + m], zj = P->z[jj * p + m];
          ra[m] = S->sum[a * p + m] - xi + xj;
          ra[p + m] = S->ssq[a * p + m] - xi * xi + xj * xj;
          ra[2 * p + m] = S->wsum[a * p + m] - zi + zj;
          rb[m] = S->sum[b * p + m] + xi - xj;
          rb[p + m] = S->ssq[b * p + m] + xi * xi - xj * xj;
          rb[2 * p + m] = S->wsum[b * p + m] + zi - zj;
        }
        aa_obj o = objective(P, S, kind, a, ra, b, rb);
        if (obj_better(o, best)) {
          best = o;
          bestv = v;
        }
      }
      if (bestv != SIZE_MAX) {
        size_t b = (size_t)S->lab[bestv], jj = P->order[bestv];
        for (size_t m = 0; m < p; m++) {
          double xi = P->x[i * p + m], xj = P->x[jj * p + m];
          double zi = P->z[i * p + m], zj = P->z[jj * p + m];
          S->sum[a * p + m] += xj - xi;
          S->ssq[a * p + m] += xj * xj - xi * xi;
          S->wsum[a * p + m] += zj - zi;
          S->sum[b * p + m] += xi - xj;
          S->ssq[b * p + m] += xi * xi - xj * xj;
          S->wsum[b * p + m] += zi - zj;
        }
        S->lab[u] = (int)b;
        S->lab[bestv] = (int)a;
        cur = best;
        improved = 1;
      }
    }
    /* Incremental sums drift; refresh them once per sweep. */
    state_stats(P, S);
    cur = objective(P, S, kind, SIZE_MAX, NULL, SIZE_MAX, NULL);
    if (!improved)
      break;
  }
  return cur;
}

/* Randomly permute the labels of interchangeable groups (same quota in
 * every stratum), so that which balanced group gets which label is random. */
static int permute_labels(const aa_prob *P, int *lab, causal_rng *rng) {
  size_t k = P->k, ns = P->nstrata;
  size_t *q = cz_calloc(&P->alloc, ns * k + 3 * k, sizeof *q);
  if (q == NULL)
    return CAUSAL_ENOMEM;
  size_t *cls = q + ns * k, *map = cls + k, *mem = map + k;
  for (size_t u = 0; u < P->n; u++)
    q[P->spos[u] * k + (size_t)lab[u]]++;
  for (size_t g = 0; g < k; g++) {
    cls[g] = g;
    map[g] = g;
    for (size_t h = 0; h < g; h++) {
      size_t s = 0;
      while (s < ns && q[s * k + g] == q[s * k + h])
        s++;
      if (s == ns) {
        cls[g] = cls[h];
        break;
      }
    }
  }
  for (size_t c = 0; c < k; c++) {
    size_t m = 0;
    for (size_t g = 0; g < k; g++)
      if (cls[g] == c)
        mem[m++] = g;
    if (m < 2)
      continue;
    /* Fisher-Yates on the member list gives each member its new label. */
    size_t *tgt = q; /* reuse: quotas no longer needed after classes */
    for (size_t t = 0; t < m; t++)
      tgt[t] = mem[t];
    for (size_t t = m; t > 1; t--) {
      size_t j = (size_t)cz_rng_bounded1(rng, t);
      size_t x = tgt[t - 1];
      tgt[t - 1] = tgt[j];
      tgt[j] = x;
    }
    for (size_t t = 0; t < m; t++)
      map[mem[t]] = tgt[t];
  }
  for (size_t u = 0; u < P->n; u++)
    lab[u] = (int)map[lab[u]];
  cz_free(&P->alloc, q);
  return CAUSAL_OK;
}

static double threshold_of(const causal_aa *aa, size_t d) {
  if (aa->threshold > 0)
    return aa->threshold;
  return cz_qchisq(aa->p_accept, (double)d, 1, 0);
}

/* One design draw into S->lab (whose quotas it keeps). draws: raw draws
 * used. */
typedef struct aa_run {
  double a;      /* threshold */
  int64_t draws; /* draws or local searches */
  aa_obj obj;
} aa_run;

static int run_design(const aa_prob *P, const causal_aa *aa, aa_state *S,
                      aa_state *W, size_t *perm, causal_rng *rng,
                      int64_t max_draws, aa_run *run, const char *who) {
  run->draws = 0;
  if (aa->method == CAUSAL_AA_COMPLETE) {
    shuffle_strata(P, S->lab, rng);
    state_stats(P, S);
    run->draws = 1;
    return CAUSAL_OK;
  }
  if (aa->method == CAUSAL_AA_RERANDOMIZE) {
    for (;;) {
      if (run->draws >= max_draws)
        return cz_fail(CAUSAL_ENOCONV,
                       "%s: no allocation with Mahalanobis distance M <= a = "
                       "%.6g in %lld draws (p_accept %g); raise "
                       "CAUSAL_AA_MAX_DRAWS, p_accept or the threshold",
                       who, run->a, (long long)run->draws, aa->p_accept);
      shuffle_strata(P, S->lab, rng);
      run->draws++;
      state_stats(P, S);
      if (state_mahal(P, S) <= run->a)
        return CAUSAL_OK;
    }
  }
  int kind = (int)aa->objective;
  aa_obj best = {HUGE_VAL, HUGE_VAL};
  for (int64_t r = 0; r < aa->restarts; r++) {
    shuffle_strata(P, W->lab, rng);
    state_stats(P, W);
    aa_obj o = local_search(P, W, kind, perm, rng);
    run->draws++;
    if (r == 0 || obj_better(o, best)) {
      best = o;
      state_copy(P, S, W);
    }
  }
  CZ_CHECK(permute_labels(P, S->lab, rng));
  state_stats(P, S);
  run->obj = best;
  return CAUSAL_OK;
}

/* ---- report ------------------------------------------------------------- */

static const char *const group_names_small[] = {"0", "1", "2", "3", "4",
                                                "5", "6", "7", "8", "9"};

/* Add the balance report entries for unit groups grp[i] (dataset order). */
static int add_report(causal_result *r, const aa_prob *P, const int *grp,
                      const char *who) {
  size_t n = P->n, p = P->p, k = P->k;
  double *buf =
      cz_calloc(&P->alloc, 3 * k * p + 4 * p + k + 2 * k, sizeof *buf);
  char **gn = cz_calloc(&P->alloc, k, sizeof *gn);
  char *gbuf = cz_calloc(&P->alloc, k, 24);
  int rc = CAUSAL_OK;
  if (buf == NULL || gn == NULL || gbuf == NULL) {
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  double *mean = buf, *sd = mean + k * p,
         *cnt = sd + k * p; /* p x k col-major */
  double *smd = cnt + k * p, *stat = smd + p, *pv = stat + p, *df = pv + p;
  double *size = df + p, *zs = size + k;
  (void)zs;
  for (size_t g = 0; g < k; g++) {
    if (k <= 10)
      gn[g] = (char *)group_names_small[g];
    else {
      gn[g] = gbuf + 24 * g;
      snprintf(gn[g], 24, "%zu", g);
    }
  }
  for (size_t i = 0; i < n; i++)
    size[grp[i]] += 1;
  for (size_t g = 0; g < k; g++)
    if (size[g] < 2) {
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: group %zu has %.0f units; every group "
                   "needs at least 2",
                   who, g, size[g]);
      goto done;
    }
  /* Two-pass means and variances (centered data; means shifted back). */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++)
      mean[j + grp[i] * p] += P->x[i * p + j];
  for (size_t g = 0; g < k; g++)
    for (size_t j = 0; j < p; j++)
      mean[j + g * p] /= size[g];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) {
      double d = P->x[i * p + j] - mean[j + grp[i] * p];
      sd[j + grp[i] * p] += d * d;
    }
  double maxsmd = 0, minp = 1;
  for (size_t j = 0; j < p; j++) {
    for (size_t g = 0; g < k; g++)
      cnt[j + g * p] = sd[j + g * p]; /* within sum of squares */
    if (k == 2) {
      double n0 = size[0], n1 = size[1];
      double v0 = cnt[j] / (n0 - 1), v1 = cnt[j + p] / (n1 - 1);
      double d = mean[j + p] - mean[j];
      double sp = sqrt((cnt[j] + cnt[j + p]) / (n0 + n1 - 2));
      double se2 = v1 / n1 + v0 / n0;
      smd[j] = sp > 0 ? d / sp : (d == 0 ? 0 : HUGE_VAL);
      if (se2 > 0) {
        stat[j] = d / sqrt(se2);
        df[j] = se2 * se2 /
                ((v1 / n1) * (v1 / n1) / (n1 - 1) +
                 (v0 / n0) * (v0 / n0) / (n0 - 1));
        pv[j] = 2 * cz_pt(-fabs(stat[j]), df[j], 1, 0);
      } else {
        stat[j] = d == 0 ? 0 : HUGE_VAL;
        df[j] = n0 + n1 - 2;
        pv[j] = d == 0 ? 1 : 0;
      }
    } else {
      double ssb = 0, ssw = 0, worst = 0;
      for (size_t g = 0; g < k; g++) {
        double m = mean[j + g * p];
        ssb += size[g] * m * m; /* overall mean of centered data is 0 */
        ssw += cnt[j + g * p];
        for (size_t h = g + 1; h < k; h++) {
          double d = mean[j + h * p] - m;
          double sp =
              sqrt((cnt[j + g * p] + cnt[j + h * p]) / (size[g] + size[h] - 2));
          double s = sp > 0 ? fabs(d) / sp : (d == 0 ? 0 : HUGE_VAL);
          if (s > worst)
            worst = s;
        }
      }
      smd[j] = worst;
      df[j] = (double)(n - k);
      if (ssw > 0) {
        stat[j] = (ssb / (double)(k - 1)) / (ssw / (double)(n - k));
        pv[j] = cz_pf(stat[j], (double)(k - 1), (double)(n - k), 0, 0);
      } else {
        stat[j] = ssb > 0 ? HUGE_VAL : 0;
        pv[j] = ssb > 0 ? 0 : 1;
      }
    }
    if (fabs(smd[j]) > maxsmd)
      maxsmd = fabs(smd[j]);
    if (pv[j] < minp)
      minp = pv[j];
    for (size_t g = 0; g < k; g++) {
      sd[j + g * p] = sqrt(cnt[j + g * p] / (size[g] - 1));
      mean[j + g * p] += P->xbar[j];
    }
  }
  /* M from the whitened data. */
  double *w = cnt; /* reuse k x p */
  memset(w, 0, k * p * sizeof *w);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++)
      w[grp[i] * p + j] += P->z[i * p + j];
  double M = 0;
  for (size_t g = 0; g < k; g++) {
    double s = 0;
    for (size_t j = 0; j < p; j++)
      s += w[g * p + j] * w[g * p + j];
    M += s / size[g];
  }
  double dfm = (double)(p * (k - 1));
  const char *const *gnc = (const char *const *)gn;
  const char *const *mn = P->metric;
  if ((rc = causal_result_set_vector(r, "size", size, k, gnc)) ||
      (rc = causal_result_set_matrix(r, "means", mean, p, k, mn, gnc)) ||
      (rc = causal_result_set_matrix(r, "sd", sd, p, k, mn, gnc)) ||
      (rc = causal_result_set_vector(r, "smd", smd, p, mn)) ||
      (rc = causal_result_set_vector(r, "statistic", stat, p, mn)) ||
      (rc = causal_result_set_vector(r, "p_value", pv, p, mn)) ||
      (rc = causal_result_set_vector(r, "df", df, p, mn)) ||
      (rc = causal_result_set_string(r, "test",
                                     k == 2 ? "welch_t" : "anova_f")) ||
      (rc = causal_result_set_scalar(r, "max_abs_smd", maxsmd)) ||
      (rc = causal_result_set_scalar(r, "min_p_value", minp)) ||
      (rc = causal_result_set_scalar(r, "mahalanobis", M)) ||
      (rc = causal_result_set_scalar(r, "mahalanobis_df", dfm)) ||
      (rc = causal_result_set_scalar(r, "mahalanobis_p_value",
                                     cz_pchisq(M, dfm, 0, 0))))
    goto done;
done:
  cz_free(&P->alloc, buf);
  cz_free(&P->alloc, gn);
  cz_free(&P->alloc, gbuf);
  return rc;
}

static const char *method_name(int64_t m) {
  return m == CAUSAL_AA_RERANDOMIZE ? "rerandomize"
         : m == CAUSAL_AA_OPTIMIZE  ? "optimize"
                                    : "complete";
}

static double v_a_of(double a, double d) {
  double den = cz_pchisq(a, d, 1, 0);
  return den > 0 ? cz_pchisq(a, d + 2, 1, 0) / den : 0;
}

/* ---- public entry points --------------------------------------------------
 */

int causal_aa_split(causal_result **out, const causal_aa *aa,
                    const causal_dataset *ds) {
  static const char who[] = "causal_aa_split";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(aa);
  aa_prob P;
  CZ_CHECK(prob_init(&P, aa, ds, who));
  aa_state S, W;
  memset(&W, 0, sizeof W);
  causal_result *r = NULL;
  int *grp = NULL;
  double *gv = NULL;
  size_t *perm = NULL;
  int rc = state_new(&P, &S);
  if (rc != CAUSAL_OK) {
    prob_free(&P);
    return rc;
  }
  rc = state_new(&P, &W);
  if (rc == CAUSAL_OK)
    rc = default_labels(&P, aa, S.lab, who);
  if (rc == CAUSAL_OK) {
    memcpy(W.lab, S.lab, P.n * sizeof *S.lab);
    grp = cz_malloc(&P.alloc, P.n * sizeof *grp);
    gv = cz_malloc(&P.alloc, P.n * sizeof *gv);
    perm = cz_malloc(&P.alloc, P.n * sizeof *perm);
    if (grp == NULL || gv == NULL || perm == NULL)
      rc = CAUSAL_ENOMEM;
  }
  size_t d = P.p * (P.k - 1);
  aa_run run;
  memset(&run, 0, sizeof run);
  run.a = aa->method == CAUSAL_AA_RERANDOMIZE ? threshold_of(aa, d) : HUGE_VAL;
  if (rc == CAUSAL_OK) {
    causal_rng rng;
    cz_rng_seed(&rng, (uint64_t)aa->seed, 0);
    rc = run_design(&P, aa, &S, &W, perm, &rng, aa->max_draws, &run, who);
  }
  if (rc == CAUSAL_OK) {
    for (size_t u = 0; u < P.n; u++)
      grp[P.order[u]] = S.lab[u];
    for (size_t i = 0; i < P.n; i++)
      gv[i] = grp[i];
    rc = causal_result_new(&r, "aa_split");
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_vector(r, "group", gv, P.n,
                                  (const char *const *)P.idnames);
  if (rc == CAUSAL_OK)
    rc = add_report(r, &P, grp, who);
  if (rc == CAUSAL_OK) {
    double va = aa->method == CAUSAL_AA_RERANDOMIZE ? v_a_of(run.a, (double)d)
                : aa->method == CAUSAL_AA_COMPLETE  ? 1.0
                                                    : NAN;
    int opt = aa->method == CAUSAL_AA_OPTIMIZE;
    if ((rc = causal_result_set_string(r, "method", method_name(aa->method))) ||
        (rc = causal_result_set_scalar(r, "seed", (double)aa->seed)) ||
        (rc = causal_result_set_scalar(r, "threshold", run.a)) ||
        (rc = causal_result_set_scalar(r, "p_accept",
                                       aa->method == CAUSAL_AA_RERANDOMIZE
                                           ? cz_pchisq(run.a, (double)d, 1, 0)
                                           : NAN)) ||
        (rc = causal_result_set_scalar(r, "draws", (double)run.draws)) ||
        (rc = causal_result_set_scalar(r, "v_a", va)) ||
        (rc = causal_result_set_scalar(r, "objective", opt ? run.obj.f : NAN)))
      (void)0;
  }
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    r = NULL;
  }
  cz_free(&P.alloc, grp);
  cz_free(&P.alloc, gv);
  cz_free(&P.alloc, perm);
  state_free(&P, &S);
  state_free(&P, &W);
  prob_free(&P);
  if (rc == CAUSAL_OK) {
    *out = r;
    cz_clear_error();
  }
  return rc;
}

static int check_groups(const aa_prob *P, const int64_t *group, size_t n,
                        int *grp, const char *who) {
  if (n != P->n)
    return cz_fail(CAUSAL_EDIM,
                   "%s: group has %zu entries but the dataset "
                   "has %zu units",
                   who, n, P->n);
  for (size_t i = 0; i < n; i++) {
    if (group[i] < 0 || group[i] >= (int64_t)P->k)
      return cz_fail(CAUSAL_ERANGE, "%s: group[%zu] = %lld is outside [0, %zu)",
                     who, i, (long long)group[i], P->k);
    grp[i] = (int)group[i];
  }
  return CAUSAL_OK;
}

int causal_aa_balance(causal_result **out, const causal_aa *aa,
                      const causal_dataset *ds, const int64_t *group,
                      size_t n) {
  static const char who[] = "causal_aa_balance";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(aa);
  CZ_REQUIRE_NONNULL(group);
  aa_prob P;
  CZ_CHECK(prob_init(&P, aa, ds, who));
  causal_result *r = NULL;
  int *grp = cz_malloc(&P.alloc, P.n * sizeof *grp);
  int rc = grp == NULL ? CAUSAL_ENOMEM : check_groups(&P, group, n, grp, who);
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "aa_balance");
  if (rc == CAUSAL_OK)
    rc = add_report(r, &P, grp, who);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    r = NULL;
  }
  cz_free(&P.alloc, grp);
  prob_free(&P);
  if (rc == CAUSAL_OK) {
    *out = r;
    cz_clear_error();
  }
  return rc;
}

/* Difference in means (k = 2) or ANOVA F (k > 2) of y over labels lab. */
static double ri_stat(const aa_prob *P, const int *lab, const double *y,
                      double *acc) {
  size_t k = P->k;
  memset(acc, 0, 3 * k * sizeof *acc);
  double *cnt = acc, *s = acc + k, *ss = acc + 2 * k;
  for (size_t u = 0; u < P->n; u++) {
    size_t g = (size_t)lab[u];
    double v = y[P->order[u]];
    cnt[g] += 1;
    s[g] += v;
  }
  if (k == 2)
    return s[1] / cnt[1] - s[0] / cnt[0];
  double tot = 0;
  for (size_t g = 0; g < k; g++)
    tot += s[g];
  double gm = tot / (double)P->n, ssb = 0, ssw = 0;
  for (size_t u = 0; u < P->n; u++) {
    size_t g = (size_t)lab[u];
    double d = y[P->order[u]] - s[g] / cnt[g];
    ss[g] += d * d;
  }
  for (size_t g = 0; g < k; g++) {
    double d = s[g] / cnt[g] - gm;
    ssb += cnt[g] * d * d;
    ssw += ss[g];
  }
  if (!(ssw > 0))
    return ssb > 0 ? HUGE_VAL : 0;
  return (ssb / (double)(k - 1)) / (ssw / (double)(P->n - k));
}

int causal_aa_randinf(causal_result **out, const causal_aa *aa,
                      const causal_dataset *ds, const int64_t *group, size_t n,
                      const double *y, size_t ny, int64_t draws) {
  static const char who[] = "causal_aa_randinf";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(aa);
  CZ_REQUIRE_NONNULL(group);
  CZ_REQUIRE_NONNULL(y);
  if (draws < 1 || draws > 100000000)
    return cz_fail(CAUSAL_ERANGE, "%s: draws = %lld is outside [1, 1e8]", who,
                   (long long)draws);
  if (ny != n)
    return cz_fail(CAUSAL_EDIM, "%s: y has %zu values but group has %zu", who,
                   ny, n);
  for (size_t i = 0; i < ny; i++)
    if (!isfinite(y[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: y[%zu] is %s", who, i,
                     isnan(y[i]) ? "NaN" : "infinite");
  aa_prob P;
  CZ_CHECK(prob_init(&P, aa, ds, who));
  aa_state S, W;
  memset(&W, 0, sizeof W);
  causal_result *r = NULL;
  int rc = state_new(&P, &S);
  if (rc != CAUSAL_OK) {
    prob_free(&P);
    return rc;
  }
  int *grp = cz_malloc(&P.alloc, P.n * sizeof *grp);
  size_t *perm = cz_malloc(&P.alloc, P.n * sizeof *perm);
  double *acc = cz_malloc(&P.alloc, 3 * P.k * sizeof *acc);
  if (grp == NULL || perm == NULL || acc == NULL)
    rc = CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = state_new(&P, &W);
  if (rc == CAUSAL_OK)
    rc = check_groups(&P, group, n, grp, who);
  size_t d = P.p * (P.k - 1);
  aa_run run;
  memset(&run, 0, sizeof run);
  run.a = aa->method == CAUSAL_AA_RERANDOMIZE ? threshold_of(aa, d) : HUGE_VAL;
  double tobs = NAN, mobs = NAN;
  int64_t extreme = 0, raw = 0;
  if (rc == CAUSAL_OK) {
    for (size_t u = 0; u < P.n; u++)
      S.lab[u] = grp[P.order[u]];
    for (size_t g = 0; g < P.k; g++) {
      size_t c = 0;
      for (size_t i = 0; i < P.n; i++)
        c += grp[i] == (int)g;
      if (c < 2) {
        rc = cz_fail(CAUSAL_EINVAL,
                     "%s: group %zu has %zu units; every group needs at "
                     "least 2",
                     who, g, c);
        break;
      }
    }
  }
  if (rc == CAUSAL_OK) {
    state_stats(&P, &S);
    mobs = state_mahal(&P, &S);
    tobs = ri_stat(&P, S.lab, y, acc);
    memcpy(W.lab, S.lab, P.n * sizeof *S.lab);
    causal_rng rng;
    cz_rng_seed(&rng, (uint64_t)aa->seed, 1);
    double tol = 1e-9 * fabs(tobs);
    for (int64_t b = 0; b < draws && rc == CAUSAL_OK; b++) {
      rc = run_design(&P, aa, &S, &W, perm, &rng, aa->max_draws - raw, &run,
                      who);
      raw += run.draws;
      if (rc == CAUSAL_OK &&
          fabs(ri_stat(&P, S.lab, y, acc)) >= fabs(tobs) - tol)
        extreme++;
    }
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "aa_randinf");
  if (rc == CAUSAL_OK) {
    double pval = (1.0 + (double)extreme) / (1.0 + (double)draws);
    if ((rc = causal_result_set_scalar(r, "estimate", P.k == 2 ? tobs : NAN)) ||
        (rc = causal_result_set_scalar(r, "statistic", tobs)) ||
        (rc = causal_result_set_scalar(r, "p_value", pval)) ||
        (rc = causal_result_set_scalar(r, "draws", (double)draws)) ||
        (rc = causal_result_set_scalar(r, "raw_draws", (double)raw)) ||
        (rc = causal_result_set_scalar(r, "threshold", run.a)) ||
        (rc = causal_result_set_scalar(r, "mahalanobis", mobs)) ||
        (rc = causal_result_set_string(r, "method", method_name(aa->method))))
      (void)0;
    if (rc == CAUSAL_OK && mobs > run.a) {
      char msg[200];
      snprintf(msg, sizeof msg,
               "the observed allocation has M = %.6g above the acceptance "
               "threshold a = %.6g: it could not have come from this design",
               mobs, run.a);
      rc = causal_result_add_warning(r, msg);
    }
  }
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    r = NULL;
  }
  cz_free(&P.alloc, grp);
  cz_free(&P.alloc, perm);
  cz_free(&P.alloc, acc);
  state_free(&P, &S);
  state_free(&P, &W);
  prob_free(&P);
  if (rc == CAUSAL_OK) {
    *out = r;
    cz_clear_error();
  }
  return rc;
}

int causal_aa_mde(causal_result **out, const double *variance, size_t nvar,
                  const int64_t *sizes, size_t k, double alpha, double power,
                  double r2, int64_t ncov, double p_accept) {
  static const char who[] = "causal_aa_mde";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(variance);
  CZ_REQUIRE_NONNULL(sizes);
  if (nvar == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: nvar = 0 variances", who);
  if (k < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: k = %zu groups; need at least 2", who,
                   k);
  for (size_t j = 0; j < nvar; j++)
    if (!(variance[j] > 0) || !isfinite(variance[j]))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: variance[%zu] = %g must be positive and finite", who,
                     j, variance[j]);
  double N = 0;
  for (size_t g = 0; g < k; g++) {
    if (sizes[g] < 1)
      return cz_fail(CAUSAL_EINVAL, "%s: sizes[%zu] = %lld must be >= 1", who,
                     g, (long long)sizes[g]);
    N += (double)sizes[g];
  }
  double df = N - (double)k;
  if (df < 1)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %.0f units in %zu groups leave no degrees of freedom",
                   who, N, k);
  if (!(alpha > 0 && alpha < 1))
    return cz_fail(CAUSAL_ERANGE, "%s: alpha = %g is outside (0, 1)", who,
                   alpha);
  if (!(power > 0 && power < 1))
    return cz_fail(CAUSAL_ERANGE, "%s: power = %g is outside (0, 1)", who,
                   power);
  if (!(r2 >= 0 && r2 <= 1))
    return cz_fail(CAUSAL_ERANGE, "%s: r2 = %g is outside [0, 1]", who, r2);
  if (ncov < 0 || ncov > 1000000)
    return cz_fail(CAUSAL_ERANGE, "%s: ncov = %lld is outside [0, 1e6]", who,
                   (long long)ncov);
  if (ncov > 0 && !(p_accept > 0 && p_accept <= 1))
    return cz_fail(CAUSAL_ERANGE, "%s: p_accept = %g is outside (0, 1]", who,
                   p_accept);
  double mult = cz_qt(1 - alpha / 2, df, 1, 0) + cz_qt(power, df, 1, 0);
  double va = 1, a = HUGE_VAL;
  if (ncov > 0) {
    double d = (double)ncov * (double)(k - 1);
    a = p_accept < 1 ? cz_qchisq(p_accept, d, 1, 0) : HUGE_VAL;
    va = p_accept < 1 ? v_a_of(a, d) : 1;
  }
  double factor = 1 - (1 - va) * r2;
  causal_result *r = NULL;
  cz_alloc al = cz_alloc_current();
  int rc = causal_result_new(&r, "aa_mde");
  double *m1 = NULL, *m2 = NULL;
  if (rc == CAUSAL_OK) {
    m1 = cz_malloc(&al, 2 * nvar * (k - 1) * sizeof *m1);
    if (m1 == NULL)
      rc = CAUSAL_ENOMEM;
    else
      m2 = m1 + nvar * (k - 1);
  }
  if (rc == CAUSAL_OK) {
    for (size_t g = 1; g < k; g++)
      for (size_t j = 0; j < nvar; j++) {
        double se = sqrt(variance[j] *
                         (1.0 / (double)sizes[g] + 1.0 / (double)sizes[0]));
        m1[j + (g - 1) * nvar] = mult * se;
        m2[j + (g - 1) * nvar] = mult * se * sqrt(factor);
      }
    if ((rc =
             causal_result_set_matrix(r, "mde", m1, nvar, k - 1, NULL, NULL)) ||
        (rc = causal_result_set_matrix(r, "mde_rerandomized", m2, nvar, k - 1,
                                       NULL, NULL)) ||
        (rc = causal_result_set_scalar(r, "v_a", va)) ||
        (rc = causal_result_set_scalar(r, "variance_factor", factor)) ||
        (rc = causal_result_set_scalar(r, "threshold", a)) ||
        (rc = causal_result_set_scalar(r, "df", df)) ||
        (rc = causal_result_set_scalar(r, "alpha", alpha)) ||
        (rc = causal_result_set_scalar(r, "power", power)))
      (void)0;
  }
  cz_free(&al, m1);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
