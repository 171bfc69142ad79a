/* Difference-in-differences on the regression engine: the causal_did
 * specification, panel checks (duplicates, cohorts, absorbing treatment),
 * generated regressors (group/post, D, event-time dummies), unit-specific
 * linear trends by Frisch–Waugh–Lovell, and the Breusch–Pagan test.
 * Formulas and conventions: docs/methods/did.md.
 *
 * The regressions themselves go through the public causal_regress API on a
 * view of the caller's dataset (its columns borrowed, zero-copy) extended
 * with the generated columns; only the trend path uses the internal model
 * frame (cz_frame_build) to get the estimation sample. */
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/regress.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Specification
 * ====================================================================== */

enum { DID_MAX_TERMS_GROW = 8, DID_MAX_WINDOW = 100000 };

struct causal_did {
  cz_alloc alloc;
  char *outcome, *unit, *time, *treatment, *cohort, *group, *post, *weights;
  char **terms;
  size_t nterms, capterms;
  char *clusters[2];
  size_t nclusters;
  int64_t design, reference, leads, lags, endpoints, trends, vcov, ssc, shift,
      maxiter;
  double conf_level, tol;
};

int causal_did_new(causal_did **out, int design) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (design < CAUSAL_DID_2X2 || design > CAUSAL_DID_EVENT_STUDY)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_did_new: design %d is not one of CAUSAL_DID_2X2 "
                   "(1), _TWFE (2), _EVENT_STUDY (3)",
                   design);
  cz_alloc a = cz_alloc_current();
  causal_did *d = cz_calloc(&a, 1, sizeof *d);
  if (d == NULL)
    return CAUSAL_ENOMEM;
  d->alloc = a;
  d->design = design;
  d->reference = -1;
  d->leads = -1;
  d->lags = -1;
  d->endpoints = CAUSAL_DID_BIN;
  d->ssc = CAUSAL_SSC_R;
  d->conf_level = 0.95;
  *out = d;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_did_free(causal_did *d) {
  if (d == NULL)
    return;
  const cz_alloc *a = &d->alloc;
  char *slots[] = {d->outcome,     d->unit,       d->time, d->treatment,
                   d->cohort,      d->group,      d->post, d->weights,
                   d->clusters[0], d->clusters[1]};
  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
    cz_free(a, slots[i]);
  for (size_t i = 0; i < d->nterms; i++)
    cz_free(a, d->terms[i]);
  cz_free(a, d->terms);
  cz_free(a, d);
}

int causal_did_set_outcome(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->outcome, column, __func__, 0);
}
int causal_did_set_unit(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->unit, column, __func__, 1);
}
int causal_did_set_time(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->time, column, __func__, 1);
}
int causal_did_set_treatment(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->treatment, column, __func__, 1);
}
int causal_did_set_cohort(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->cohort, column, __func__, 1);
}
int causal_did_set_group(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->group, column, __func__, 1);
}
int causal_did_set_post(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->post, column, __func__, 1);
}
int causal_did_set_weights(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  return cz_name_set(&d->alloc, &d->weights, column, __func__, 1);
}

int causal_did_add_term(causal_did *d, const char *term) {
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(term);
  /* Let the design layer judge the syntax, so errors come at add time. */
  causal_design *tmp = NULL;
  CZ_CHECK(causal_design_new(&tmp));
  int rc = causal_design_add_term(tmp, term);
  causal_design_free(tmp);
  if (rc != CAUSAL_OK)
    return rc == CAUSAL_ENOMEM ? rc
                               : cz_fail_context(rc, "causal_did_add_term");
  for (size_t i = 0; i < d->nterms; i++)
    if (strcmp(d->terms[i], term) == 0)
      return cz_fail(CAUSAL_EEXISTS,
                     "causal_did_add_term: term '%s' is "
                     "already present",
                     term);
  if (d->nterms == d->capterms) {
    size_t cap = d->capterms ? 2 * d->capterms : DID_MAX_TERMS_GROW;
    char **t = cz_realloc(&d->alloc, d->terms, d->capterms * sizeof *t,
                          cap * sizeof *t);
    if (t == NULL)
      return CAUSAL_ENOMEM;
    d->terms = t;
    d->capterms = cap;
  }
  char *dup = cz_strdup(&d->alloc, term);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  d->terms[d->nterms++] = dup;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_did_add_cluster(causal_did *d, const char *column) {
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(column);
  if (column[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_did_add_cluster: column is empty");
  if (d->nclusters == 2)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_did_add_cluster: at most two "
                   "cluster columns ('%s' would be a third)",
                   column);
  if (d->nclusters == 1 && strcmp(d->clusters[0], column) == 0)
    return cz_fail(CAUSAL_EEXISTS,
                   "causal_did_add_cluster: '%s' is already "
                   "a cluster column",
                   column);
  char *dup = cz_strdup(&d->alloc, column);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  d->clusters[d->nclusters++] = dup;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- options ---- */

typedef struct optdef {
  int key;
  int is_int;
  double min, max;
  int min_open, max_open;
  const char *name;
} optdef;

static const optdef optdefs[] = {
    {CAUSAL_DID_DESIGN, 1, 1, 3, 0, 0, "CAUSAL_DID_DESIGN"},
    {CAUSAL_DID_REFERENCE, 1, -DID_MAX_WINDOW, DID_MAX_WINDOW, 0, 0,
     "CAUSAL_DID_REFERENCE"},
    {CAUSAL_DID_LEADS, 1, -1, DID_MAX_WINDOW, 0, 0, "CAUSAL_DID_LEADS"},
    {CAUSAL_DID_LAGS, 1, -1, DID_MAX_WINDOW, 0, 0, "CAUSAL_DID_LAGS"},
    {CAUSAL_DID_ENDPOINTS, 1, 1, 2, 0, 0, "CAUSAL_DID_ENDPOINTS"},
    {CAUSAL_DID_TRENDS, 1, 0, 1, 0, 0, "CAUSAL_DID_TRENDS"},
    {CAUSAL_DID_VCOV, 1, 0, 8, 0, 0, "CAUSAL_DID_VCOV"},
    {CAUSAL_DID_SSC, 1, 1, 4, 0, 0, "CAUSAL_DID_SSC"},
    {CAUSAL_DID_PLACEBO_SHIFT, 1, 0, DID_MAX_WINDOW, 0, 0,
     "CAUSAL_DID_PLACEBO_SHIFT"},
    {CAUSAL_DID_MAXITER, 1, 0, 1e9, 0, 0, "CAUSAL_DID_MAXITER"},
    {CAUSAL_DID_CONF_LEVEL, 0, 0, 1, 1, 1, "CAUSAL_DID_CONF_LEVEL"},
    {CAUSAL_DID_TOL, 0, 0, 1, 0, 1, "CAUSAL_DID_TOL"},
};

static int opt_lookup(const char *fn, int key, int want_int,
                      const optdef **out) {
  for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++) {
    const optdef *o = &optdefs[i];
    if (o->key != key)
      continue;
    if (want_int >= 0 && o->is_int != want_int)
      return cz_fail(CAUSAL_EINVAL, "%s: %s is %s option; use %s", fn, o->name,
                     o->is_int ? "an integer" : "a real",
                     o->is_int ? "causal_did_set_int/get_int"
                               : "causal_did_set_double/get_double");
    *out = o;
    return CAUSAL_OK;
  }
  return cz_fail(CAUSAL_EINVAL, "%s: unknown option key %d", fn, key);
}

int causal_did_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, -1, &o));
  *min = o->min;
  *max = o->max;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_did *d, int key) {
  switch (key) {
  case CAUSAL_DID_DESIGN:
    return &d->design;
  case CAUSAL_DID_REFERENCE:
    return &d->reference;
  case CAUSAL_DID_LEADS:
    return &d->leads;
  case CAUSAL_DID_LAGS:
    return &d->lags;
  case CAUSAL_DID_ENDPOINTS:
    return &d->endpoints;
  case CAUSAL_DID_TRENDS:
    return &d->trends;
  case CAUSAL_DID_VCOV:
    return &d->vcov;
  case CAUSAL_DID_SSC:
    return &d->ssc;
  case CAUSAL_DID_PLACEBO_SHIFT:
    return &d->shift;
  default:
    return &d->maxiter;
  }
}

int causal_did_set_int(causal_did *d, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(d);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  if ((double)value < o->min || (double)value > o->max)
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %lld is outside [%.0f, %.0f]",
                   __func__, o->name, (long long)value, o->min, o->max);
  *int_slot(d, key) = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_did_get_int(const causal_did *d, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 1, &o));
  *value = *int_slot((causal_did *)d, key);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_did_set_double(causal_did *d, int key, double value) {
  CZ_REQUIRE_NONNULL(d);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  if (isnan(value) || value < o->min || value > o->max ||
      (o->min_open && value == o->min) || (o->max_open && value == o->max))
    return cz_fail(CAUSAL_ERANGE, "%s: %s = %g is outside %s%g, %g%s", __func__,
                   o->name, value, o->min_open ? "(" : "[", o->min, o->max,
                   o->max_open ? ")" : "]");
  if (key == CAUSAL_DID_CONF_LEVEL)
    d->conf_level = value;
  else
    d->tol = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_did_get_double(const causal_did *d, int key, double *value) {
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(value);
  const optdef *o = NULL;
  CZ_CHECK(opt_lookup(__func__, key, 0, &o));
  *value = key == CAUSAL_DID_CONF_LEVEL ? d->conf_level : d->tol;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Fit: panel structure
 * ====================================================================== */

static const char *const who = "causal_did_fit";

/* Everything one fit allocates; released by ctx_free. */
typedef struct ctx {
  cz_alloc a;
  const causal_did *d;
  const causal_dataset *ds;
  const char *outcome;
  size_t n;
  const cz_column *cy, *cu, *ct, *ctr, *cco, *cg, *cp;
  int32_t *ucode; /* n, -1 missing */
  size_t nunits;
  size_t *urow;   /* nunits: first row of each unit (labels) */
  int32_t *tcode; /* n, -1 missing */
  size_t nperiods;
  double *tval;  /* n, numeric time or NaN */
  double *erow;  /* n: treatment date of the row's unit/cohort, NaN never */
  uint8_t *keep; /* n: 0 = excluded (placebo post rows, dropped window) */
  int have_cohort;
  size_t n_treated_units, n_never_units, n_units_present;
  /* generated columns */
  double **gen;
  char **gname;  /* internal dataset names */
  char **glabel; /* names in the result */
  int64_t *grel; /* event study: relative time of each dummy */
  size_t ngen;
  char *interaction; /* 2x2: "g:p" internal term */
  /* event window */
  int64_t lo, hi, ref;
  double *tmp;
  double cells[4];
  causal_dataset *view;
  cz_buf warn;
} ctx;

static void ctx_free(ctx *c) {
  const cz_alloc *a = &c->a;
  cz_free(a, c->ucode);
  cz_free(a, c->urow);
  cz_free(a, c->tcode);
  cz_free(a, c->tval);
  cz_free(a, c->erow);
  cz_free(a, c->keep);
  for (size_t j = 0; j < c->ngen; j++) {
    if (c->gen)
      cz_free(a, c->gen[j]);
    if (c->gname)
      cz_free(a, c->gname[j]);
    if (c->glabel)
      cz_free(a, c->glabel[j]);
  }
  cz_free(a, c->gen);
  cz_free(a, c->gname);
  cz_free(a, c->glabel);
  cz_free(a, c->grel);
  cz_free(a, c->interaction);
  cz_free(a, c->tmp);
  causal_dataset_free(c->view);
  cz_buf_free(&c->warn);
}

static int is_numeric(const cz_column *col) {
  return col->type != CAUSAL_TYPE_CAT;
}

static double colval(const cz_column *col, size_t i) {
  switch (col->type) {
  case CAUSAL_TYPE_F64:
    return ((const double *)col->data)[i];
  case CAUSAL_TYPE_I64:
    return (double)((const int64_t *)col->data)[i];
  case CAUSAL_TYPE_BOOL:
    return ((const uint8_t *)col->data)[i] != 0;
  default:
    return ((const int32_t *)col->data)[i];
  }
}

/* Text of a column value for messages (label for categoricals). */
static void val_text(char *buf, size_t len, const cz_column *col, size_t i) {
  if (cz_col_missing(col, i))
    snprintf(buf, len, "NA");
  else if (col->type == CAUSAL_TYPE_CAT)
    snprintf(buf, len, "%s", col->labels[((const int32_t *)col->data)[i]]);
  else if (col->type == CAUSAL_TYPE_I64)
    snprintf(buf, len, "%lld", (long long)((const int64_t *)col->data)[i]);
  else
    snprintf(buf, len, "%.15g", colval(col, i));
}

typedef struct keyidx {
  int64_t ik;
  double dk;
  size_t i;
} keyidx;

static int cmp_key(const void *pa, const void *pb) {
  const keyidx *a = pa, *b = pb;
  if (a->ik != b->ik)
    return a->ik < b->ik ? -1 : 1;
  if (a->dk != b->dk)
    return a->dk < b->dk ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Codes 0..G-1 in increasing value order (level order for categoricals);
 * -1 for missing rows. */
static int encode(ctx *c, const cz_column *col, int32_t **out, size_t *ng) {
  size_t n = c->n;
  int32_t *code = cz_malloc(&c->a, n * sizeof *code);
  keyidx *k = cz_malloc(&c->a, n * sizeof *k);
  if (code == NULL || k == NULL) {
    cz_free(&c->a, code);
    cz_free(&c->a, k);
    return CAUSAL_ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    code[i] = -1;
    if (cz_col_missing(col, i))
      continue;
    keyidx e = {0, 0.0, i};
    if (col->type == CAUSAL_TYPE_I64)
      e.ik = ((const int64_t *)col->data)[i];
    else {
      double v = colval(col, i);
      e.dk = v == 0.0 ? 0.0 : v;
    }
    k[m++] = e;
  }
  qsort(k, m, sizeof *k, cmp_key);
  size_t g = 0;
  for (size_t j = 0; j < m; j++) {
    if (j > 0 && (k[j].ik != k[j - 1].ik || k[j].dk != k[j - 1].dk))
      g++;
    code[k[j].i] = (int32_t)g;
  }
  cz_free(&c->a, k);
  *out = code;
  *ng = m ? g + 1 : 0;
  return CAUSAL_OK;
}

static int find(ctx *c, const char *role, const char *name,
                const cz_column **out) {
  *out = NULL;
  if (name == NULL)
    return CAUSAL_OK;
  const cz_column *col = cz_dataset_find(c->ds, name);
  if (col == NULL)
    return cz_fail(CAUSAL_ENOTFOUND,
                   "%s: %s column '%s' is not in the "
                   "dataset",
                   who, role, name);
  *out = col;
  return CAUSAL_OK;
}

/* A 0/1 column value: 1, 0, or -1 for missing; other values are errors. */
static int binary_at(const cz_column *col, const char *role, size_t i, int *v) {
  if (cz_col_missing(col, i)) {
    *v = -1;
    return CAUSAL_OK;
  }
  if (col->type == CAUSAL_TYPE_CAT)
    return cz_fail(CAUSAL_ETYPE,
                   "%s: %s column '%s' is categorical; it must "
                   "hold 0/1",
                   who, role, col->name);
  double x = colval(col, i);
  if (x != 0.0 && x != 1.0)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: %s column '%s' is %.15g at row %zu; "
                   "it must be 0 or 1",
                   who, role, col->name, x, i);
  *v = x == 1.0;
  return CAUSAL_OK;
}

static int check_design(ctx *c) {
  const causal_did *d = c->d;
  if (c->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: no outcome column "
                   "(causal_did_set_outcome)",
                   who);
  if ((d->group == NULL) != (d->post == NULL))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: set both the group and the post "
                   "column, or neither",
                   who);
  int have_trt = d->treatment != NULL || d->cohort != NULL;
  if (d->design == CAUSAL_DID_2X2) {
    if (d->group == NULL && (!have_trt || d->time == NULL))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the 2x2 design needs the group and post columns, "
                     "or the time column with a cohort or treatment column",
                     who);
    if (d->group == NULL && d->cohort == NULL && d->unit == NULL)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: a 2x2 design from a treatment "
                     "column needs the unit column",
                     who);
    if (d->trends)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: unit-specific trends need the TWFE "
                     "or event-study design",
                     who);
    if (d->shift > 0 && d->group != NULL)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: a placebo treatment date needs the time and "
                     "cohort/treatment columns, not group/post columns",
                     who);
  } else {
    if (d->unit == NULL || d->time == NULL)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the %s design needs the unit and "
                     "time columns",
                     who,
                     d->design == CAUSAL_DID_TWFE ? "TWFE" : "event-study");
    if (!have_trt)
      return cz_fail(CAUSAL_EINVAL, "%s: set a treatment or cohort column",
                     who);
  }
  return CAUSAL_OK;
}

/* Unit/time codes, numeric time, duplicates. */
static int panel(ctx *c) {
  const causal_did *d = c->d;
  size_t n = c->n;
  int need_num = d->design == CAUSAL_DID_EVENT_STUDY || d->trends ||
                 d->shift > 0 || d->cohort != NULL ||
                 (d->design == CAUSAL_DID_2X2 && d->group == NULL);
  if (c->ct != NULL) {
    if (need_num && !is_numeric(c->ct))
      return cz_fail(CAUSAL_ETYPE,
                     "%s: time column '%s' must be numeric for "
                     "treatment dates, event times and trends",
                     who, c->ct->name);
    c->tval = cz_malloc(&c->a, n * sizeof *c->tval);
    if (c->tval == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      double t = cz_col_missing(c->ct, i) ? NAN : colval(c->ct, i);
      if (isinf(t))
        return cz_fail(CAUSAL_ENONFINITE,
                       "%s: time column '%s' is %s at row "
                       "%zu",
                       who, c->ct->name, t > 0 ? "+Inf" : "-Inf", i);
      if (d->design == CAUSAL_DID_EVENT_STUDY && t == t && t != floor(t))
        return cz_fail(CAUSAL_EINVAL,
                       "%s: time column '%s' is %.15g at row "
                       "%zu; event studies need integer "
                       "periods",
                       who, c->ct->name, t, i);
      c->tval[i] = t;
    }
    CZ_CHECK(encode(c, c->ct, &c->tcode, &c->nperiods));
  }
  if (c->cu == NULL)
    return CAUSAL_OK;
  CZ_CHECK(encode(c, c->cu, &c->ucode, &c->nunits));
  c->urow = cz_malloc(&c->a, (c->nunits ? c->nunits : 1) * sizeof *c->urow);
  if (c->urow == NULL)
    return CAUSAL_ENOMEM;
  for (size_t u = 0; u < c->nunits; u++)
    c->urow[u] = SIZE_MAX;
  for (size_t i = 0; i < n; i++)
    if (c->ucode[i] >= 0 && c->urow[c->ucode[i]] == SIZE_MAX)
      c->urow[c->ucode[i]] = i;
  if (c->ct == NULL)
    return CAUSAL_OK;
  /* duplicates: sort rows by (unit, time) */
  keyidx *k = cz_malloc(&c->a, n * sizeof *k);
  if (k == NULL)
    return CAUSAL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (c->ucode[i] >= 0 && c->tcode[i] >= 0) {
      keyidx e = {c->ucode[i], (double)c->tcode[i], i};
      k[m++] = e;
    }
  qsort(k, m, sizeof *k, cmp_key);
  int rc = CAUSAL_OK;
  for (size_t j = 1; j < m && rc == CAUSAL_OK; j++)
    if (k[j].ik == k[j - 1].ik && k[j].dk == k[j - 1].dk) {
      char ub[64], tb[64];
      val_text(ub, sizeof ub, c->cu, k[j].i);
      val_text(tb, sizeof tb, c->ct, k[j].i);
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: duplicate (unit, time) rows: unit '%s' at time %s "
                   "appears in rows %zu and %zu",
                   who, ub, tb, k[j - 1].i, k[j].i);
    }
  cz_free(&c->a, k);
  return rc;
}

/* Normalized cohort value of row i: NaN = never treated. */
static int cohort_at(ctx *c, size_t i, double *e) {
  const cz_column *col = c->cco;
  if (cz_col_missing(col, i)) {
    *e = NAN;
    return CAUSAL_OK;
  }
  if (col->type == CAUSAL_TYPE_CAT)
    return cz_fail(CAUSAL_ETYPE, "%s: cohort column '%s' must be numeric", who,
                   col->name);
  double v = colval(col, i);
  if (v == -INFINITY)
    return cz_fail(CAUSAL_ENONFINITE,
                   "%s: cohort column '%s' is -Inf at row "
                   "%zu",
                   who, col->name, i);
  if (v == 0.0 || v == INFINITY) {
    *e = NAN;
    return CAUSAL_OK;
  }
  if (c->d->design == CAUSAL_DID_EVENT_STUDY && v != floor(v))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: cohort column '%s' is %.15g at row "
                   "%zu; event studies need integer periods",
                   who, col->name, v, i);
  *e = v;
  return CAUSAL_OK;
}

static int same(double a, double b) { return (a != a && b != b) || a == b; }

/* Treatment dates per row (erow), from the cohort column or derived from
 * an absorbing treatment column; consistency of both. */
static int cohorts(ctx *c) {
  const causal_did *d = c->d;
  size_t n = c->n;
  c->erow = cz_malloc(&c->a, n * sizeof *c->erow);
  if (c->erow == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    c->erow[i] = NAN;
  /* treatment values must be 0/1 */
  if (c->ctr != NULL)
    for (size_t i = 0; i < n; i++) {
      int v;
      CZ_CHECK(binary_at(c->ctr, "treatment", i, &v));
    }
  double *eu = NULL;
  if (c->cu != NULL) {
    eu = cz_malloc(&c->a, (c->nunits ? c->nunits : 1) * sizeof *eu);
    if (eu == NULL)
      return CAUSAL_ENOMEM;
  }
  int rc = CAUSAL_OK;
  if (c->cco != NULL) {
    c->have_cohort = 1;
    for (size_t i = 0; i < n && rc == CAUSAL_OK; i++)
      rc = cohort_at(c, i, &c->erow[i]);
    if (rc == CAUSAL_OK && eu != NULL) {
      for (size_t i = 0; i < n && rc == CAUSAL_OK; i++) {
        int32_t u = c->ucode[i];
        if (u < 0)
          continue;
        size_t r0 = c->urow[u];
        if (!same(c->erow[i], c->erow[r0])) {
          char ub[64], e0[64], e1[64];
          val_text(ub, sizeof ub, c->cu, i);
          val_text(e0, sizeof e0, c->cco, r0);
          val_text(e1, sizeof e1, c->cco, i);
          rc = cz_fail(CAUSAL_EINVAL,
                       "%s: cohort column '%s' is not constant within unit "
                       "'%s' (%s at row %zu, %s at row %zu)",
                       who, c->cco->name, ub, e0, r0, e1, i);
        }
      }
    }
    /* the treatment column must agree with the cohorts */
    if (rc == CAUSAL_OK && c->ctr != NULL && c->tval != NULL)
      for (size_t i = 0; i < n && rc == CAUSAL_OK; i++) {
        int v;
        binary_at(c->ctr, "treatment", i, &v);
        double t = c->tval[i];
        if (v < 0 || t != t)
          continue;
        int expect = c->erow[i] == c->erow[i] && t >= c->erow[i];
        if (v != expect) {
          char ub[64], tb[64];
          snprintf(ub, sizeof ub, "?");
          if (c->cu)
            val_text(ub, sizeof ub, c->cu, i);
          val_text(tb, sizeof tb, c->ct, i);
          rc = cz_fail(CAUSAL_EINVAL,
                       "%s: treatment column '%s' is %d for unit '%s' at "
                       "time %s (row %zu), but its cohort %.15g implies %d",
                       who, c->ctr->name, v, ub, tb, i, c->erow[i], expect);
        }
      }
  } else if (c->ctr != NULL && c->cu != NULL && c->tval != NULL) {
    /* derive the first treated period; check that treatment is absorbing */
    keyidx *k = cz_malloc(&c->a, n * sizeof *k);
    if (k == NULL) {
      cz_free(&c->a, eu);
      return CAUSAL_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (c->ucode[i] >= 0 && c->tval[i] == c->tval[i]) {
        keyidx e = {c->ucode[i], c->tval[i], i};
        k[m++] = e;
      }
    qsort(k, m, sizeof *k, cmp_key);
    for (size_t u = 0; u < c->nunits; u++)
      eu[u] = NAN;
    int need_absorbing = d->design != CAUSAL_DID_TWFE || d->shift > 0;
    for (size_t j = 0; j < m && rc == CAUSAL_OK; j++) {
      size_t i = k[j].i;
      int v;
      binary_at(c->ctr, "treatment", i, &v);
      int32_t u = c->ucode[i];
      if (v == 1 && eu[u] != eu[u])
        eu[u] = c->tval[i];
      else if (v == 0 && eu[u] == eu[u] && need_absorbing) {
        char ub[64], tb[64];
        val_text(ub, sizeof ub, c->cu, i);
        val_text(tb, sizeof tb, c->ct, i);
        rc = cz_fail(CAUSAL_EINVAL,
                     "%s: treatment column '%s' switches from 1 to 0 for "
                     "unit '%s' at time %s (row %zu); event studies, 2x2 "
                     "from a treatment column and placebo dates need an "
                     "absorbing (staggered) treatment: give a cohort column",
                     who, c->ctr->name, ub, tb, i);
      }
    }
    cz_free(&c->a, k);
    for (size_t i = 0; i < n && rc == CAUSAL_OK; i++)
      if (c->ucode[i] >= 0)
        c->erow[i] = eu[c->ucode[i]];
    c->have_cohort = need_absorbing;
  }
  cz_free(&c->a, eu);
  return rc;
}

/* Units present (with a kept row), ever treated, never treated. */
static int count_units(ctx *c) {
  if (c->cu == NULL)
    return CAUSAL_OK;
  uint8_t *seen = cz_calloc(&c->a, c->nunits ? c->nunits : 1, 1);
  if (seen == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < c->n; i++) {
    int32_t u = c->ucode[i];
    if (u < 0 || !c->keep[i])
      continue;
    int tr = 0;
    if (c->have_cohort || c->ctr == NULL)
      tr = c->erow[i] == c->erow[i];
    else {
      binary_at(c->ctr, "treatment", i, &tr);
      tr = tr == 1;
    }
    seen[u] |= (uint8_t)(1 | (tr ? 2 : 0));
  }
  for (size_t u = 0; u < c->nunits; u++) {
    if (seen[u] & 1)
      c->n_units_present++;
    if (seen[u] & 2)
      c->n_treated_units++;
    else if (seen[u] & 1)
      c->n_never_units++;
  }
  cz_free(&c->a, seen);
  return CAUSAL_OK;
}

/* Placebo date: drop the treated units' rows from the real date on, and
 * move their date k periods earlier. */
static void placebo(ctx *c) {
  if (c->d->shift <= 0)
    return;
  double k = (double)c->d->shift;
  for (size_t i = 0; i < c->n; i++) {
    double e = c->erow[i];
    if (e != e)
      continue;
    double t = c->tval ? c->tval[i] : NAN;
    if (t == t && t >= e)
      c->keep[i] = 0;
    c->erow[i] = e - k;
  }
}

/* Distinct finite treatment dates among kept rows (up to two). */
static size_t ncohorts(const ctx *c, double *first, double *second) {
  size_t cnt = 0;
  for (size_t i = 0; i < c->n; i++) {
    double e = c->erow[i];
    if (e != e || !c->keep[i] || (c->ucode && c->ucode[i] < 0))
      continue;
    if (cnt == 0) {
      *first = e;
      cnt = 1;
    } else if (e != *first) {
      *second = e;
      return 2;
    }
  }
  return cnt;
}

/* ======================================================================
 * Fit: generated regressors
 * ====================================================================== */

static int gen_alloc(ctx *c, size_t ngen) {
  c->gen = cz_calloc(&c->a, ngen, sizeof *c->gen);
  c->gname = cz_calloc(&c->a, ngen, sizeof *c->gname);
  c->glabel = cz_calloc(&c->a, ngen, sizeof *c->glabel);
  c->grel = cz_calloc(&c->a, ngen, sizeof *c->grel);
  if (!c->gen || !c->gname || !c->glabel || !c->grel)
    return CAUSAL_ENOMEM;
  c->ngen = ngen;
  for (size_t j = 0; j < ngen; j++) {
    c->gen[j] = cz_malloc(&c->a, c->n * sizeof **c->gen);
    if (c->gen[j] == NULL)
      return CAUSAL_ENOMEM;
  }
  return CAUSAL_OK;
}

static int gen_names(ctx *c, size_t j, const char *label) {
  char nb[48];
  snprintf(nb, sizeof nb, "did.g%zu", j);
  c->gname[j] = cz_strdup(&c->a, nb);
  c->glabel[j] = cz_strdup(&c->a, label);
  return c->gname[j] && c->glabel[j] ? CAUSAL_OK : CAUSAL_ENOMEM;
}

static int gen_2x2(ctx *c) {
  CZ_CHECK(gen_alloc(c, 2));
  CZ_CHECK(gen_names(c, 0, "group"));
  CZ_CHECK(gen_names(c, 1, "post"));
  size_t len = strlen(c->gname[0]) + strlen(c->gname[1]) + 2;
  c->interaction = cz_malloc(&c->a, len);
  if (c->interaction == NULL)
    return CAUSAL_ENOMEM;
  snprintf(c->interaction, len, "%s:%s", c->gname[0], c->gname[1]);
  double e1 = NAN, e2 = NAN;
  if (c->cg == NULL) {
    size_t k = ncohorts(c, &e1, &e2);
    if (k == 0)
      return cz_fail(CAUSAL_EINVAL, "%s: no treated units", who);
    if (k > 1)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the 2x2 design needs one treatment date, found "
                     "%.15g and %.15g; use the TWFE or event-study design",
                     who, e1, e2);
  }
  for (size_t i = 0; i < c->n; i++) {
    double g = NAN, p = NAN;
    if (c->keep[i]) {
      if (c->cg != NULL) {
        int vg, vp;
        CZ_CHECK(binary_at(c->cg, "group", i, &vg));
        CZ_CHECK(binary_at(c->cp, "post", i, &vp));
        g = vg < 0 ? NAN : vg;
        p = vp < 0 ? NAN : vp;
      } else if (c->tval[i] == c->tval[i] &&
                 (c->ucode == NULL || c->ucode[i] >= 0)) {
        g = c->erow[i] == c->erow[i];
        p = c->tval[i] >= e1;
      }
    }
    c->gen[0][i] = g;
    c->gen[1][i] = p;
  }
  return CAUSAL_OK;
}

static int gen_twfe(ctx *c) {
  CZ_CHECK(gen_alloc(c, 1));
  CZ_CHECK(gen_names(c, 0, "treated"));
  int from_col = c->ctr != NULL && c->d->shift == 0;
  for (size_t i = 0; i < c->n; i++) {
    double v = NAN;
    if (c->keep[i]) {
      if (from_col) {
        int b;
        binary_at(c->ctr, "treatment", i, &b);
        v = b < 0 ? NAN : b;
      } else if (c->tval[i] == c->tval[i])
        v = c->erow[i] == c->erow[i] && c->tval[i] >= c->erow[i];
    }
    c->gen[0][i] = v;
  }
  return CAUSAL_OK;
}

static int gen_event(ctx *c) {
  const causal_did *d = c->d;
  size_t n = c->n;
  int64_t rmin = INT64_MAX, rmax = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    if (!c->keep[i] || c->erow[i] != c->erow[i] || c->tval[i] != c->tval[i] ||
        c->ucode[i] < 0)
      continue;
    double r = c->tval[i] - c->erow[i];
    if (fabs(r) > DID_MAX_WINDOW)
      return cz_fail(CAUSAL_ERANGE,
                     "%s: relative time %.15g at row %zu is "
                     "beyond +-%d periods",
                     who, r, i, DID_MAX_WINDOW);
    int64_t ri = (int64_t)r;
    rmin = ri < rmin ? ri : rmin;
    rmax = ri > rmax ? ri : rmax;
  }
  if (rmin > rmax)
    return cz_fail(CAUSAL_EINVAL, "%s: no observations of treated units", who);
  c->lo = d->leads < 0 ? rmin : -d->leads;
  c->hi = d->lags < 0 ? rmax : d->lags;
  c->ref = d->reference;
  if (c->ref < c->lo || c->ref > c->hi)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: the reference period %lld is outside "
                   "the event window [%lld, %lld]",
                   who, (long long)c->ref, (long long)c->lo, (long long)c->hi);
  size_t w = (size_t)(c->hi - c->lo) + 1;
  size_t *count = cz_calloc(&c->a, w, sizeof *count);
  if (count == NULL)
    return CAUSAL_ENOMEM;
  int64_t *rel = cz_malloc(&c->a, n * sizeof *rel);
  if (rel == NULL) {
    cz_free(&c->a, count);
    return CAUSAL_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    rel[i] = INT64_MIN; /* not a treated-unit row */
    if (!c->keep[i] || c->erow[i] != c->erow[i] || c->tval[i] != c->tval[i] ||
        c->ucode[i] < 0)
      continue;
    int64_t r = (int64_t)(c->tval[i] - c->erow[i]);
    if (r < c->lo || r > c->hi) {
      if (d->endpoints == CAUSAL_DID_DROP) {
        c->keep[i] = 0;
        continue;
      }
      r = r < c->lo ? c->lo : c->hi;
    }
    rel[i] = r;
    count[r - c->lo]++;
  }
  int rc = CAUSAL_OK;
  if (count[c->ref - c->lo] == 0)
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: no observations of treated units at the "
                 "reference period %lld",
                 who, (long long)c->ref);
  size_t ng = 0;
  for (size_t j = 0; j < w; j++)
    ng += count[j] > 0 && (int64_t)j + c->lo != c->ref;
  if (rc == CAUSAL_OK && ng == 0)
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: the event window has no period besides "
                 "the reference",
                 who);
  if (rc == CAUSAL_OK)
    rc = gen_alloc(c, ng);
  size_t g = 0;
  int empty = 0;
  for (size_t j = 0; j < w && rc == CAUSAL_OK; j++) {
    int64_t r = (int64_t)j + c->lo;
    if (r == c->ref)
      continue;
    if (count[j] == 0) {
      cz_buf_printf(&c->warn, "%s%lld", empty++ ? ", " : "", (long long)r);
      continue;
    }
    char lb[48];
    snprintf(lb, sizeof lb, "rel[%lld]", (long long)r);
    rc = gen_names(c, g, lb);
    c->grel[g] = r;
    for (size_t i = 0; i < n && rc == CAUSAL_OK; i++) {
      double v = NAN;
      if (c->keep[i] && c->tval[i] == c->tval[i] && c->ucode[i] >= 0)
        v = rel[i] == r;
      c->gen[g][i] = v;
    }
    g++;
  }
  cz_free(&c->a, count);
  cz_free(&c->a, rel);
  return rc;
}

/* ======================================================================
 * Fit: the view dataset and the regression
 * ====================================================================== */

static int view_add(ctx *c, const cz_column *col) {
  size_t idx;
  if (causal_dataset_col_index(c->view, col->name, &idx) == CAUSAL_OK)
    return CAUSAL_OK;
  switch (col->type) {
  case CAUSAL_TYPE_F64:
    return causal_dataset_add_f64(c->view, col->name, col->data, col->valid,
                                  c->n, CAUSAL_BORROW);
  case CAUSAL_TYPE_I64:
    return causal_dataset_add_i64(c->view, col->name, col->data, col->valid,
                                  c->n, CAUSAL_BORROW);
  case CAUSAL_TYPE_BOOL:
    return causal_dataset_add_bool(c->view, col->name, col->data, col->valid,
                                   c->n, CAUSAL_BORROW);
  default:
    return causal_dataset_add_cat(c->view, col->name, col->data, c->n,
                                  (const char *const *)col->labels,
                                  col->nlevels, CAUSAL_BORROW);
  }
}

static int view_add_name(ctx *c, const char *name) {
  if (name == NULL)
    return CAUSAL_OK;
  const cz_column *col;
  CZ_CHECK(find(c, "a", name, &col));
  return view_add(c, col);
}

/* Columns of a design term "a:b:c". */
static int view_add_term(ctx *c, const char *term) {
  char buf[512];
  const char *p = term;
  while (*p) {
    const char *e = strchr(p, ':');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len >= sizeof buf)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: column name in term '%s' is too "
                     "long",
                     who, term);
    memcpy(buf, p, len);
    buf[len] = '\0';
    const cz_column *col = cz_dataset_find(c->ds, buf);
    if (col == NULL)
      return cz_fail(CAUSAL_ENOTFOUND,
                     "%s: term '%s': column '%s' is not in "
                     "the dataset",
                     who, term, buf);
    CZ_CHECK(view_add(c, col));
    p = e ? e + 1 : p + len;
  }
  return CAUSAL_OK;
}

static int build_view(ctx *c) {
  const causal_did *d = c->d;
  CZ_CHECK(causal_dataset_new(&c->view));
  CZ_CHECK(view_add(c, c->cy));
  const char *roles[] = {d->unit, d->time, d->weights, d->clusters[0],
                         d->clusters[1]};
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
    CZ_CHECK(view_add_name(c, roles[i]));
  for (size_t i = 0; i < d->nterms; i++)
    CZ_CHECK(view_add_term(c, d->terms[i]));
  for (size_t j = 0; j < c->ngen; j++) {
    int rc = causal_dataset_add_f64(c->view, c->gname[j], c->gen[j], NULL, c->n,
                                    CAUSAL_BORROW);
    if (rc == CAUSAL_EEXISTS)
      return cz_fail(CAUSAL_EEXISTS,
                     "%s: the column name '%s' is reserved "
                     "for generated regressors; rename it",
                     who, c->gname[j]);
    CZ_CHECK(rc);
  }
  return CAUSAL_OK;
}

static int resolved_vcov(const causal_did *d, int clustered) {
  if (d->vcov != 0)
    return (int)d->vcov;
  return clustered ? CAUSAL_VCOV_CR1 : CAUSAL_VCOV_CLASSICAL;
}

static int is_cr(int v) {
  return v == CAUSAL_VCOV_CR0 || v == CAUSAL_VCOV_CR1 || v == CAUSAL_VCOV_CR2;
}

/* Common regression options; cluster names given by the caller. */
static int spec_common(const ctx *c, causal_regress *m, const char *const *cl,
                       size_t ncl) {
  const causal_did *d = c->d;
  for (size_t i = 0; i < ncl; i++)
    CZ_CHECK(causal_regress_add_cluster(m, cl[i]));
  CZ_CHECK(causal_regress_set_int(m, CAUSAL_REGRESS_VCOV,
                                  resolved_vcov(d, ncl > 0)));
  CZ_CHECK(causal_regress_set_int(m, CAUSAL_REGRESS_SSC, d->ssc));
  CZ_CHECK(
      causal_regress_set_double(m, CAUSAL_REGRESS_CONF_LEVEL, d->conf_level));
  if (d->maxiter > 0)
    CZ_CHECK(causal_regress_set_int(m, CAUSAL_REGRESS_MAXITER, d->maxiter));
  if (d->tol > 0)
    CZ_CHECK(causal_regress_set_double(m, CAUSAL_REGRESS_TOL, d->tol));
  return CAUSAL_OK;
}

/* The clusters of the DiD fit: the caller's, else the unit when the
 * covariance is (or defaults to) cluster-robust. */
static size_t did_clusters(const ctx *c, const char **cl) {
  const causal_did *d = c->d;
  if (d->nclusters > 0) {
    for (size_t i = 0; i < d->nclusters; i++)
      cl[i] = d->clusters[i];
    return d->nclusters;
  }
  if (d->unit != NULL && (d->vcov == 0 || is_cr((int)d->vcov))) {
    cl[0] = d->unit;
    return 1;
  }
  return 0;
}

/* The regression of the DiD on the view (no trends). */
static int main_spec(const ctx *c, causal_regress **out) {
  const causal_did *d = c->d;
  causal_regress *m = NULL;
  CZ_CHECK(causal_regress_new(&m, CAUSAL_REGRESS_OLS));
  int rc = causal_regress_set_outcome(m, c->outcome);
  for (size_t j = 0; j < c->ngen && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_term(m, c->gname[j]);
  if (rc == CAUSAL_OK && c->interaction)
    rc = causal_regress_add_term(m, c->interaction);
  for (size_t j = 0; j < d->nterms && rc == CAUSAL_OK; j++)
    rc = causal_regress_add_term(m, d->terms[j]);
  if (rc == CAUSAL_OK && d->weights)
    rc = causal_regress_set_weights(m, d->weights);
  if (rc == CAUSAL_OK && d->design != CAUSAL_DID_2X2) {
    rc = causal_regress_add_absorb(m, d->unit);
    if (rc == CAUSAL_OK)
      rc = causal_regress_add_absorb(m, d->time);
  }
  const char *cl[2];
  size_t ncl = did_clusters(c, cl);
  if (rc == CAUSAL_OK)
    rc = spec_common(c, m, cl, ncl);
  if (rc != CAUSAL_OK) {
    causal_regress_free(m);
    return rc;
  }
  *out = m;
  return CAUSAL_OK;
}

/* ---- unit-specific trends (Frisch–Waugh–Lovell) ----
 * Partial out of y, X and the period dummies the weighted least-squares
 * fit on (1, t) within each unit (exactly, unit by unit), then the
 * partialled period dummies out of y and X (pivoted QR, rank-revealing);
 * what remains is regressed without intercept. The parameters absorbed
 * (unit intercepts and slopes, period effects) enter the degrees of
 * freedom through a rescaling of the covariance. */
typedef struct trend_out {
  causal_result *fit;
  double k_extra; /* parameters partialled out */
  double k_trend; /* unit intercepts and slopes */
  size_t nobs, n_dropped;
  char **names; /* frame names of the x columns */
  size_t k;
} trend_out;

static void partial_units(const double *t, const double *w, const int32_t *u,
                          size_t nunits, size_t n, double *A, size_t ncol,
                          double *sw, double *st, double *stt,
                          double *k_trend) {
  /* per unit: weighted means and the centred sum of squares of t */
  for (size_t g = 0; g < nunits; g++)
    sw[g] = st[g] = stt[g] = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0;
    sw[u[i]] += wi;
    st[u[i]] += wi * t[i];
  }
  for (size_t g = 0; g < nunits; g++)
    st[g] = sw[g] > 0 ? st[g] / sw[g] : 0; /* tbar */
  double tscale = 0;
  for (size_t i = 0; i < n; i++) {
    double dt = t[i] - st[u[i]];
    stt[u[i]] += (w ? w[i] : 1.0) * dt * dt;
    tscale = fmax(tscale, fabs(dt));
  }
  *k_trend = 0;
  /* a unit observed at one distinct time has no slope */
  for (size_t g = 0; g < nunits; g++) {
    if (sw[g] <= 0)
      continue;
    if (!(stt[g] > 1e-20 * sw[g] * tscale * tscale))
      stt[g] = 0;
    *k_trend += stt[g] > 0 ? 2 : 1;
  }
  for (size_t j = 0; j < ncol; j++) {
    double *a = A + j * n;
    /* two passes per column: intercept, then slope */
    double *am = stt + nunits;     /* nunits: weighted mean of a */
    double *sl = stt + 2 * nunits; /* nunits: slope numerator */
    for (size_t g = 0; g < nunits; g++)
      am[g] = sl[g] = 0;
    for (size_t i = 0; i < n; i++)
      am[u[i]] += (w ? w[i] : 1.0) * a[i];
    for (size_t g = 0; g < nunits; g++)
      am[g] = sw[g] > 0 ? am[g] / sw[g] : 0;
    for (size_t i = 0; i < n; i++)
      sl[u[i]] += (w ? w[i] : 1.0) * (t[i] - st[u[i]]) * (a[i] - am[u[i]]);
    for (size_t g = 0; g < nunits; g++)
      sl[g] = stt[g] > 0 ? sl[g] / stt[g] : 0;
    for (size_t i = 0; i < n; i++)
      a[i] = a[i] - am[u[i]] - sl[u[i]] * (t[i] - st[u[i]]);
  }
}

static int trend_fit(ctx *c, trend_out *to) {
  const causal_did *d = c->d;
  cz_alloc *a = &c->a;
  causal_regress *m = NULL;
  CZ_CHECK(main_spec(c, &m));
  cz_frame f;
  int rc = cz_frame_build(&f, m, c->view);
  causal_regress_free(m);
  if (rc != CAUSAL_OK)
    return rc;
  size_t n = f.n, k = f.k, nu = f.fe_levels[0], T = f.fe_levels[1];
  size_t ntau = T > 0 ? T - 1 : 0, ncol = 1 + k + ntau;
  double *A = NULL, *t = NULL, *work = NULL, *sq = NULL, *beta = NULL,
         *res = NULL;
  int64_t *cl[2] = {NULL, NULL};
  causal_dataset *tds = NULL;
  causal_regress *m2 = NULL;
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  size_t nA = 0;
  if (!cz_mul_size(n, ncol, &nA))
    rc = cz_fail(CAUSAL_ERANGE, "%s: trends: %zu x %zu matrix too large", who,
                 n, ncol);
  if (rc == CAUSAL_OK) {
    A = cz_malloc(a, nA * sizeof *A);
    t = cz_malloc(a, n * sizeof *t);
    work = cz_malloc(a, 5 * (nu ? nu : 1) * sizeof *work);
    sq = cz_malloc(a, n * sizeof *sq);
    if (!A || !t || !work || !sq)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    memcpy(A, f.y, n * sizeof *A);
    memcpy(A + n, f.X, n * k * sizeof *A);
    for (size_t l = 1; l < T; l++) {
      double *col = A + (1 + k + l - 1) * n;
      for (size_t i = 0; i < n; i++)
        col[i] = f.fe[1][i] == (int32_t)l;
    }
    for (size_t i = 0; i < n; i++)
      t[i] = c->tval[f.rows[i]];
    partial_units(t, f.w, f.fe[0], nu, n, A, ncol, work, work + nu,
                  work + 2 * nu, &to->k_trend);
    /* sqrt(w) scaling for the period-dummy projection */
    for (size_t i = 0; i < n; i++)
      sq[i] = f.w ? sqrt(f.w[i]) : 1.0;
    for (size_t j = 0; j < ncol; j++)
      for (size_t i = 0; i < n; i++)
        A[i + j * n] *= sq[i];
  }
  size_t rank_tau = 0;
  if (rc == CAUSAL_OK && ntau > 0) {
    rc = cz_qr_factor(who, &qr, cz_cmat_dense(A + (1 + k) * n, n, ntau),
                      CZ_QR_TOL_LM, &ws);
    if (rc == CAUSAL_OK) {
      rank_tau = qr.rank;
      beta = cz_malloc(a, ntau * sizeof *beta);
      res = cz_malloc(a, n * sizeof *res);
      if (!beta || !res)
        rc = CAUSAL_ENOMEM;
    }
    for (size_t j = 0; j < 1 + k && rc == CAUSAL_OK && rank_tau > 0; j++) {
      rc = cz_qr_lstsq(who, &qr, A + j * n, beta, res, &ws);
      if (rc == CAUSAL_OK)
        memcpy(A + j * n, res, n * sizeof *res);
    }
  }
  if (rc == CAUSAL_OK) /* unscale: the WLS fit reapplies the weights */
    for (size_t j = 0; j < 1 + k; j++)
      for (size_t i = 0; i < n; i++)
        A[i + j * n] /= sq[i];
  /* the partialled regression, through the public API */
  if (rc == CAUSAL_OK)
    rc = causal_dataset_new(&tds);
  char nb[48];
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(tds, "y", A, NULL, n, CAUSAL_BORROW);
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    snprintf(nb, sizeof nb, "x%zu", j);
    rc = causal_dataset_add_f64(tds, nb, A + (1 + j) * n, NULL, n,
                                CAUSAL_BORROW);
  }
  if (rc == CAUSAL_OK && f.w)
    rc = causal_dataset_add_f64(tds, "w", f.w, NULL, n, CAUSAL_BORROW);
  const char *cln[2] = {"c0", "c1"};
  for (size_t q = 0; q < f.ncluster_dims && rc == CAUSAL_OK; q++) {
    cl[q] = cz_malloc(a, n * sizeof *cl[q]);
    if (cl[q] == NULL) {
      rc = CAUSAL_ENOMEM;
      break;
    }
    for (size_t i = 0; i < n; i++)
      cl[q][i] = f.cl[q][i];
    rc = causal_dataset_add_i64(tds, cln[q], cl[q], NULL, n, CAUSAL_BORROW);
  }
  if (rc == CAUSAL_OK)
    rc = causal_regress_new(&m2, CAUSAL_REGRESS_OLS);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m2, "y");
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_intercept(m2, 0);
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    snprintf(nb, sizeof nb, "x%zu", j);
    rc = causal_regress_add_term(m2, nb);
  }
  if (rc == CAUSAL_OK && f.w)
    rc = causal_regress_set_weights(m2, "w");
  if (rc == CAUSAL_OK)
    rc = spec_common(c, m2, cln, f.ncluster_dims);
  if (rc == CAUSAL_OK) {
    int v = resolved_vcov(d, f.ncluster_dims > 0);
    if (v == CAUSAL_VCOV_HC2 || v == CAUSAL_VCOV_HC3 || v == CAUSAL_VCOV_CR2)
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: HC2, HC3 and CR2 are not available "
                   "with unit-specific trends (they need the "
                   "leverages of the partialled-out terms)",
                   who);
  }
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&to->fit, m2, tds);
  if (rc == CAUSAL_OK) {
    to->k_extra = to->k_trend + (double)rank_tau;
    to->nobs = n;
    to->n_dropped = f.n_dropped;
    to->names = f.xnames; /* take ownership */
    to->k = k;
    f.xnames = NULL;
    f.k = 0;
  }
  causal_regress_free(m2);
  causal_dataset_free(tds);
  for (int q = 0; q < 2; q++)
    cz_free(a, cl[q]);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  cz_free(a, A);
  cz_free(a, t);
  cz_free(a, work);
  cz_free(a, sq);
  cz_free(a, beta);
  cz_free(a, res);
  cz_frame_free(&f);
  return rc;
}

/* ======================================================================
 * Fit: the result
 * ====================================================================== */

static double tcrit(double level, double df) {
  double p = 0.5 * (1.0 + level);
  return isinf(df) ? cz_qnorm(p, 1, 0) : cz_qt(p, df, 1, 0);
}
static double pval2(double t, double df) {
  if (isnan(t) || isnan(df))
    return NAN;
  return 2.0 *
         (isinf(df) ? cz_pnorm(-fabs(t), 1, 0) : cz_pt(-fabs(t), df, 1, 0));
}

/* Label of a regression coefficient name; NULL for period dummies of the
 * trend path (not reported). *gen = index of the generated regressor or
 * -1. */
static const char *label_of(const ctx *c, const trend_out *to, const char *name,
                            long *gen) {
  *gen = -1;
  const char *fname = name;
  if (to != NULL) {
    if (name[0] != 'x')
      return NULL;
    size_t j = (size_t)strtoul(name + 1, NULL, 10);
    if (j >= to->k)
      return NULL;
    fname = to->names[j];
  }
  for (size_t g = 0; g < c->ngen; g++)
    if (strcmp(fname, c->gname[g]) == 0) {
      *gen = (long)g;
      return c->glabel[g];
    }
  if (c->interaction && strcmp(fname, c->interaction) == 0) {
    *gen = (long)c->ngen;
    return "group:post";
  }
  return fname;
}

/* A generated regressor dropped as collinear is an identification
 * failure, not a footnote. */
static int check_dropped(const ctx *c, const trend_out *to,
                         const causal_result *fit) {
  const char *s;
  CZ_CHECK(causal_result_get_string(fit, "dropped_terms", &s));
  while (s && *s) {
    const char *e = strstr(s, ", ");
    size_t len = e ? (size_t)(e - s) : strlen(s);
    char nb[512];
    if (len < sizeof nb) {
      memcpy(nb, s, len);
      nb[len] = '\0';
      long g;
      const char *lb = label_of(c, to, nb, &g);
      if (g >= 0)
        return cz_fail(
            CAUSAL_ESINGULAR,
            "%s: '%s' is collinear with the fixed effects and the other "
            "terms, so the effect is not identified%s",
            who, lb,
            c->n_never_units == 0 && c->d->design != CAUSAL_DID_2X2
                ? " (there are no never-treated units: narrow the event "
                  "window and bin its endpoints, or add never-treated units)"
                : "");
    }
    s = e ? e + 2 : NULL;
  }
  return CAUSAL_OK;
}

typedef struct coefs {
  size_t k;
  const char **label;
  long *gen;
  double *tab; /* k x 6 */
  double *V;   /* k x k */
  double df;
} coefs;

static void coefs_free(const cz_alloc *a, coefs *q) {
  cz_free(a, q->label);
  cz_free(a, q->gen);
  cz_free(a, q->tab);
  cz_free(a, q->V);
}

/* Collect the reported coefficients; on the trend path drop the period
 * dummies, rescale the covariance for the partialled-out parameters and
 * recompute the table. */
static int collect(ctx *c, const trend_out *to, const causal_result *fit,
                   coefs *q) {
  const double *tab, *V;
  size_t k, c6, k1, k2;
  CZ_CHECK(causal_result_get_matrix(fit, "coef", &tab, &k, &c6));
  CZ_CHECK(causal_result_get_matrix(fit, "vcov", &V, &k1, &k2));
  CZ_CHECK(causal_result_get_scalar(fit, "df", &q->df));
  size_t *idx = cz_malloc(&c->a, (k ? k : 1) * sizeof *idx);
  q->label = cz_malloc(&c->a, (k ? k : 1) * sizeof *q->label);
  q->gen = cz_malloc(&c->a, (k ? k : 1) * sizeof *q->gen);
  q->tab = cz_malloc(&c->a, (k ? k : 1) * 6 * sizeof *q->tab);
  q->V = cz_malloc(&c->a, (k ? k * k : 1) * sizeof *q->V);
  if (!idx || !q->label || !q->gen || !q->tab || !q->V) {
    cz_free(&c->a, idx);
    return CAUSAL_ENOMEM;
  }
  size_t m = 0;
  for (size_t j = 0; j < k; j++) {
    long g;
    const char *lb =
        label_of(c, to, causal_result_dimname(fit, "coef", 0, j), &g);
    if (lb == NULL)
      continue;
    q->label[m] = lb;
    q->gen[m] = g;
    idx[m++] = j;
  }
  double factor = 1.0;
  int rc = CAUSAL_OK;
  if (to != NULL) {
    double dfr, kept_df;
    CZ_CHECK(causal_result_get_scalar(fit, "df_residual", &dfr));
    kept_df = dfr - to->k_extra;
    if (!(kept_df > 0))
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: no residual degrees of freedom with "
                   "unit-specific trends (%zu rows, %.0f "
                   "parameters)",
                   who, to->nobs, (double)to->nobs - kept_df);
    const char *cl[2];
    int v = resolved_vcov(c->d, did_clusters(c, cl) > 0);
    if (v == CAUSAL_VCOV_CLASSICAL || v == CAUSAL_VCOV_HC1 ||
        v == CAUSAL_VCOV_CR1)
      factor = dfr / kept_df;
    if (!is_cr(v) && isfinite(q->df))
      q->df = kept_df;
  }
  for (size_t a = 0; a < m; a++)
    for (size_t b = 0; b < m; b++)
      q->V[a + b * m] = V[idx[a] + idx[b] * k] * factor;
  double crit = tcrit(c->d->conf_level, q->df);
  for (size_t a = 0; a < m; a++) {
    for (size_t col = 0; col < 6; col++)
      q->tab[a + col * m] = tab[idx[a] + col * k];
    if (to != NULL) {
      double b = tab[idx[a]], se = sqrt(q->V[a + a * m]);
      q->tab[a + m] = se;
      q->tab[a + 2 * m] = b / se;
      q->tab[a + 3 * m] = pval2(b / se, q->df);
      q->tab[a + 4 * m] = b - crit * se;
      q->tab[a + 5 * m] = b + crit * se;
    }
  }
  q->k = m;
  cz_free(&c->a, idx);
  return rc;
}

static int set_headline(causal_result *r, double est, double se, double stat,
                        double p, double lo, double hi) {
  CZ_CHECK(causal_result_set_scalar(r, "estimate", est));
  CZ_CHECK(causal_result_set_scalar(r, "std_error", se));
  CZ_CHECK(causal_result_set_scalar(r, "statistic", stat));
  CZ_CHECK(causal_result_set_scalar(r, "p_value", p));
  CZ_CHECK(causal_result_set_scalar(r, "conf_low", lo));
  CZ_CHECK(causal_result_set_scalar(r, "conf_high", hi));
  return CAUSAL_OK;
}

static int headline_row(causal_result *r, const coefs *q, long gen) {
  for (size_t j = 0; j < q->k; j++)
    if (q->gen[j] == gen) {
      size_t m = q->k;
      const double *t = q->tab;
      return set_headline(r, t[j], t[j + m], t[j + 2 * m], t[j + 3 * m],
                          t[j + 4 * m], t[j + 5 * m]);
    }
  return cz_fail(CAUSAL_EINTERNAL, "%s: generated regressor %ld missing", who,
                 gen);
}

static const char *const cell_names[4] = {"control_pre", "control_post",
                                          "treated_pre", "treated_post"};

/* Cell means of the 2x2 design over the estimation sample (before the
 * fit: an empty cell is reported as such, not as a collinear term). */
static int cell_means(ctx *c) {
  causal_regress *m = NULL;
  CZ_CHECK(main_spec(c, &m));
  cz_frame f;
  int rc = cz_frame_build(&f, m, c->view);
  causal_regress_free(m);
  if (rc != CAUSAL_OK)
    return rc;
  double sw[4] = {0}, sy[4] = {0};
  for (size_t i = 0; i < f.n; i++) {
    size_t row = f.rows[i];
    int cell = 2 * (c->gen[0][row] == 1.0) + (c->gen[1][row] == 1.0);
    double w = f.w ? f.w[i] : 1.0;
    sw[cell] += w;
    sy[cell] += w * f.y[i];
  }
  cz_frame_free(&f);
  for (int j = 0; j < 4; j++) {
    if (sw[j] == 0)
      return cz_fail(CAUSAL_EINVAL, "%s: the 2x2 cell %s has no observations",
                     who, cell_names[j]);
    c->cells[j] = sy[j] / sw[j];
  }
  return CAUSAL_OK;
}

static int event_entries(ctx *c, causal_result *r, const coefs *q) {
  size_t m = q->k;
  /* rows: window periods with a coefficient, plus the reference */
  size_t ne = 0;
  for (size_t j = 0; j < m; j++)
    ne += q->gen[j] >= 0;
  ne++;
  const char **names = cz_malloc(&c->a, ne * sizeof *names);
  double *cols = cz_malloc(&c->a, ne * 7 * sizeof *cols);
  double *R = NULL;
  int rc = names && cols ? CAUSAL_OK : CAUSAL_ENOMEM;
  char refname[48];
  snprintf(refname, sizeof refname, "rel[%lld]", (long long)c->ref);
  size_t row = 0;
  size_t nlead = 0, npost = 0;
  for (int64_t rt = c->lo; rt <= c->hi && rc == CAUSAL_OK; rt++) {
    if (rt == c->ref) {
      names[row] = refname;
      double v[7] = {0, 0, NAN, NAN, 0, 0, (double)rt};
      for (int k = 0; k < 7; k++)
        cols[row + k * ne] = v[k];
      row++;
      continue;
    }
    for (size_t j = 0; j < m; j++)
      if (q->gen[j] >= 0 && c->grel[q->gen[j]] == rt) {
        names[row] = q->label[j];
        for (int k = 0; k < 6; k++)
          cols[row + k * ne] = q->tab[j + k * m];
        cols[row + 6 * ne] = (double)rt;
        row++;
        nlead += rt < 0;
        npost += rt >= 0;
      }
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_table(r, "event", names, row, cols, cols + ne,
                                 cols + 2 * ne, cols + 3 * ne, cols + 4 * ne,
                                 cols + 5 * ne);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_vector(r, "event_time", cols + 6 * ne, row, names);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "reference", (double)c->ref);
  /* pre-trend test: all leads = 0 */
  if (rc == CAUSAL_OK && nlead > 0) {
    R = cz_calloc(&c->a, nlead * m, sizeof *R);
    if (R == NULL)
      rc = CAUSAL_ENOMEM;
    size_t l = 0;
    for (size_t j = 0; j < m && rc == CAUSAL_OK; j++)
      if (q->gen[j] >= 0 && c->grel[q->gen[j]] < 0)
        R[l + j * nlead] = 1.0, l++;
    causal_result *w = NULL;
    if (rc == CAUSAL_OK)
      rc = causal_regress_wald(&w, r, R, nlead, m, NULL);
    if (rc == CAUSAL_OK) {
      static const char *const in[5] = {"statistic", "f_statistic", "df1",
                                        "df2", "p_value"};
      static const char *const outn[5] = {"pretrend_statistic", "pretrend_f",
                                          "pretrend_df1", "pretrend_df2",
                                          "pretrend_p_value"};
      for (int k = 0; k < 5 && rc == CAUSAL_OK; k++) {
        double v;
        rc = causal_result_get_scalar(w, in[k], &v);
        if (rc == CAUSAL_OK)
          rc = causal_result_set_scalar(r, outn[k], v);
      }
    }
    causal_result_free(w);
  } else if (rc == CAUSAL_OK) {
    rc = causal_result_add_warning(r, "no lead coefficients in the event "
                                      "window: no pre-trend test");
  }
  /* average post-period effect */
  if (rc == CAUSAL_OK && npost == 0)
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: the event window has no post-treatment "
                 "period (relative time >= 0) besides the "
                 "reference",
                 who);
  if (rc == CAUSAL_OK) {
    double est = 0, var = 0, inv = 1.0 / (double)npost;
    for (size_t a = 0; a < m; a++) {
      if (q->gen[a] < 0 || c->grel[q->gen[a]] < 0)
        continue;
      est += inv * q->tab[a];
      for (size_t b = 0; b < m; b++)
        if (q->gen[b] >= 0 && c->grel[q->gen[b]] >= 0)
          var += inv * inv * q->V[a + b * m];
    }
    double se = sqrt(var), crit = tcrit(c->d->conf_level, q->df);
    rc = set_headline(r, est, se, est / se, pval2(est / se, q->df),
                      est - crit * se, est + crit * se);
  }
  cz_free(&c->a, names);
  cz_free(&c->a, cols);
  cz_free(&c->a, R);
  return rc;
}

static int copy_scalar(causal_result *r, const causal_result *fit,
                       const char *name) {
  double v;
  if (causal_result_get_scalar(fit, name, &v) != CAUSAL_OK) {
    cz_clear_error();
    return CAUSAL_OK;
  }
  return causal_result_set_scalar(r, name, v);
}

static int make_result(ctx *c, const trend_out *to, const causal_result *fit,
                       causal_result *r) {
  static const char *const dname[] = {"", "2x2", "twfe", "event_study"};
  coefs q;
  memset(&q, 0, sizeof q);
  int rc = collect(c, to, fit, &q);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(r, "design", dname[c->d->design]);
  if (rc == CAUSAL_OK) {
    size_t m = q.k;
    rc = causal_result_set_table(r, "coef", q.label, m, q.tab, q.tab + m,
                                 q.tab + 2 * m, q.tab + 3 * m, q.tab + 4 * m,
                                 q.tab + 5 * m);
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "vcov", q.V, q.k, q.k, q.label, q.label);
  const char *vt;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_string(fit, "vcov_type", &vt);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(r, "vcov_type", vt);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "df", q.df);
  if (rc == CAUSAL_OK && to == NULL) {
    static const char *const pass[] = {"nobs", "n_dropped", "n_clusters",
                                       "n_clusters2", "n_singletons"};
    for (size_t j = 0; j < sizeof pass / sizeof pass[0] && rc == CAUSAL_OK; j++)
      rc = copy_scalar(r, fit, pass[j]);
  } else if (rc == CAUSAL_OK) {
    rc = causal_result_set_scalar(r, "nobs", (double)to->nobs);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_dropped", (double)to->n_dropped);
    if (rc == CAUSAL_OK)
      rc = copy_scalar(r, fit, "n_clusters");
    if (rc == CAUSAL_OK)
      rc = copy_scalar(r, fit, "n_clusters2");
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_trend_parameters", to->k_trend);
  }
  if (rc == CAUSAL_OK && c->cu != NULL) {
    rc = causal_result_set_scalar(r, "n_units", (double)c->n_units_present);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_treated_units",
                                    (double)c->n_treated_units);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_scalar(r, "n_never_treated",
                                    (double)c->n_never_units);
  }
  if (rc == CAUSAL_OK && c->ct != NULL)
    rc = causal_result_set_scalar(r, "n_periods", (double)c->nperiods);
  if (rc == CAUSAL_OK)
    switch (c->d->design) {
    case CAUSAL_DID_2X2:
      rc = headline_row(r, &q, (long)c->ngen);
      if (rc == CAUSAL_OK)
        rc = causal_result_set_vector(r, "cell_means", c->cells, 4, cell_names);
      if (rc == CAUSAL_OK)
        rc = causal_result_set_scalar(r, "estimate_means",
                                      (c->cells[3] - c->cells[2]) -
                                          (c->cells[1] - c->cells[0]));
      break;
    case CAUSAL_DID_TWFE:
      rc = headline_row(r, &q, 0);
      break;
    default:
      rc = event_entries(c, r, &q);
      break;
    }
  for (size_t j = 0; j < causal_result_nwarnings(fit) && rc == CAUSAL_OK; j++)
    rc = causal_result_add_warning(r, causal_result_warning(fit, j));
  if (rc == CAUSAL_OK && c->warn.len > 0) {
    cz_buf b;
    cz_buf_init(&b, &c->a);
    cz_buf_printf(&b,
                  "no observations at relative time(s) %s: no "
                  "coefficient",
                  c->warn.data);
    rc = b.failed ? CAUSAL_ENOMEM : causal_result_add_warning(r, b.data);
    cz_buf_free(&b);
  }
  if (rc == CAUSAL_OK && c->warn.failed)
    rc = CAUSAL_ENOMEM;
  coefs_free(&c->a, &q);
  return rc;
}

static int did_run(causal_result **out, const causal_did *d,
                   const causal_dataset *ds, const char *outcome) {
  ctx c;
  memset(&c, 0, sizeof c);
  c.a = cz_alloc_current();
  c.d = d;
  c.ds = ds;
  c.outcome = outcome;
  c.n = causal_dataset_nrows(ds);
  cz_buf_init(&c.warn, &c.a);
  trend_out to;
  memset(&to, 0, sizeof to);
  causal_result *fit = NULL, *r = NULL;
  int rc = check_design(&c);
  if (rc == CAUSAL_OK && c.n == 0)
    rc = cz_fail(CAUSAL_EINVAL, "%s: the dataset has no rows", who);
  if (rc == CAUSAL_OK)
    rc = find(&c, "outcome", outcome, &c.cy);
  if (rc == CAUSAL_OK)
    rc = find(&c, "unit", d->unit, &c.cu);
  if (rc == CAUSAL_OK)
    rc = find(&c, "time", d->time, &c.ct);
  if (rc == CAUSAL_OK)
    rc = find(&c, "treatment", d->treatment, &c.ctr);
  if (rc == CAUSAL_OK)
    rc = find(&c, "cohort", d->cohort, &c.cco);
  if (rc == CAUSAL_OK)
    rc = find(&c, "group", d->group, &c.cg);
  if (rc == CAUSAL_OK)
    rc = find(&c, "post", d->post, &c.cp);
  if (rc == CAUSAL_OK) {
    c.keep = cz_malloc(&c.a, c.n);
    rc = c.keep ? CAUSAL_OK : CAUSAL_ENOMEM;
    if (c.keep)
      memset(c.keep, 1, c.n);
  }
  if (rc == CAUSAL_OK)
    rc = panel(&c);
  if (rc == CAUSAL_OK && d->group == NULL)
    rc = cohorts(&c);
  if (rc == CAUSAL_OK && d->group == NULL) {
    placebo(&c);
    rc = count_units(&c);
  }
  if (rc == CAUSAL_OK && d->design != CAUSAL_DID_2X2) {
    if (c.n_units_present < 2)
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: %zu unit(s): a panel DiD needs at "
                   "least two units",
                   who, c.n_units_present);
    else if (c.n_treated_units == 0)
      rc = cz_fail(CAUSAL_EINVAL, "%s: no unit is ever treated", who);
    else if (c.n_never_units == 0 && c.have_cohort) {
      double e1 = NAN, e2 = NAN;
      if (ncohorts(&c, &e1, &e2) == 1)
        rc = cz_fail(CAUSAL_EINVAL,
                     "%s: no never-treated and no not-yet-treated units: "
                     "every unit is first treated at %.15g, so the effect "
                     "cannot be separated from the period effects",
                     who, e1);
    }
  }
  if (rc == CAUSAL_OK) {
    switch (d->design) {
    case CAUSAL_DID_2X2:
      rc = gen_2x2(&c);
      break;
    case CAUSAL_DID_TWFE:
      rc = gen_twfe(&c);
      break;
    default:
      rc = gen_event(&c);
      break;
    }
  }
  if (rc == CAUSAL_OK)
    rc = build_view(&c);
  if (rc == CAUSAL_OK && d->design == CAUSAL_DID_2X2)
    rc = cell_means(&c);
  if (rc == CAUSAL_OK) {
    if (d->trends)
      rc = trend_fit(&c, &to);
    else {
      causal_regress *m = NULL;
      rc = main_spec(&c, &m);
      if (rc == CAUSAL_OK)
        rc = causal_regress_fit(&to.fit, m, c.view);
      causal_regress_free(m);
    }
    fit = to.fit;
  }
  if (rc == CAUSAL_OK)
    rc = check_dropped(&c, d->trends ? &to : NULL, fit);
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "did");
  if (rc == CAUSAL_OK)
    rc = make_result(&c, d->trends ? &to : NULL, fit, r);
  causal_result_free(fit);
  if (to.names) {
    for (size_t j = 0; j < to.k; j++)
      cz_free(&c.a, to.names[j]);
    cz_free(&c.a, to.names);
  }
  ctx_free(&c);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_did_fit(causal_result **out, const causal_did *d,
                   const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(ds);
  return did_run(out, d, ds, d->outcome);
}

int causal_did_fit_outcome(causal_result **out, const causal_did *d,
                           const causal_dataset *ds, const char *outcome) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(d);
  CZ_REQUIRE_NONNULL(ds);
  CZ_REQUIRE_NONNULL(outcome);
  if (outcome[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_did_fit_outcome: outcome is empty");
  return did_run(out, d, ds, outcome);
}

/* ======================================================================
 * Breusch–Pagan test
 * ====================================================================== */

/* Weighted least squares of v on the n x p matrix Z (unscaled), as R's
 * lm.wfit: returns the fitted values Z b (unweighted scale) and the rank. */
static int wls_fitted(const cz_alloc *a, const char *fn, const double *Z,
                      size_t n, size_t p, const double *w, const double *v,
                      double *fitted, size_t *rank) {
  double *Zs = cz_malloc(a, n * p * sizeof *Zs);
  double *vs = cz_malloc(a, n * sizeof *vs);
  double *b = cz_malloc(a, p * sizeof *b);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  int rc = Zs && vs && b ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < n; i++) {
      double s = w ? sqrt(w[i]) : 1.0;
      vs[i] = v[i] * s;
      for (size_t j = 0; j < p; j++)
        Zs[i + j * n] = Z[i + j * n] * s;
    }
    rc = cz_qr_factor(fn, &qr, cz_cmat_dense(Zs, n, p), CZ_QR_TOL_LM, &ws);
  }
  if (rc == CAUSAL_OK)
    rc = cz_qr_lstsq_refine(fn, &qr, cz_cmat_dense(Zs, n, p), vs, b, NULL, 2,
                            &ws);
  if (rc == CAUSAL_OK) {
    *rank = qr.rank;
    rc = cz_gemv(fn, false, 1.0, cz_cmat_dense(Z, n, p), b, 0.0, fitted);
  }
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  cz_free(a, Zs);
  cz_free(a, vs);
  cz_free(a, b);
  return rc;
}

int causal_regress_breusch_pagan(causal_result **out, const causal_regress *m,
                                 const causal_dataset *ds,
                                 const char *const *terms, size_t nterms,
                                 int studentize) {
  static const char *fn = "causal_regress_breusch_pagan";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  if (nterms > 0 && terms == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: terms is NULL with nterms = %zu", fn,
                   nterms);
  for (size_t j = 0; j < nterms; j++)
    if (terms[j] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: terms[%zu] is NULL", fn, j);
  if (studentize != 0 && studentize != 1)
    return cz_fail(CAUSAL_ERANGE, "%s: studentize = %d must be 0 or 1", fn,
                   studentize);
  if (m->family != CAUSAL_REGRESS_OLS)
    return cz_fail(CAUSAL_EINVAL, "%s: the model must be CAUSAL_REGRESS_OLS",
                   fn);
  if (m->absorb.n > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: models with absorbed factors are not "
                   "supported (use factor terms)",
                   fn);
  cz_alloc a = cz_alloc_current();
  cz_frame f;
  CZ_CHECK(cz_frame_build(&f, m, ds));
  causal_design *dz = NULL;
  causal_result *zres = NULL, *r = NULL;
  const double *Zall = NULL, *zrows = NULL;
  size_t nz = f.n, pz = f.k, nzr = 0;
  double *X = NULL, *y = NULL, *w = NULL, *Z = NULL, *fit = NULL, *v = NULL;
  int rc = CAUSAL_OK;
  /* the auxiliary design, on the rows both designs use */
  size_t *sel = NULL, *zsel = NULL;
  sel = cz_malloc(&a, (f.n ? f.n : 1) * sizeof *sel);
  zsel = cz_malloc(&a, (f.n ? f.n : 1) * sizeof *zsel);
  if (!sel || !zsel)
    rc = CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK && nterms > 0) {
    rc = causal_design_new(&dz);
    for (size_t j = 0; j < nterms && rc == CAUSAL_OK; j++)
      rc = causal_design_add_term(dz, terms[j]);
    if (rc == CAUSAL_OK)
      rc = causal_design_build(&zres, dz, ds);
    size_t n2;
    if (rc == CAUSAL_OK)
      rc = causal_result_get_matrix(zres, "X", &Zall, &nzr, &pz);
    if (rc == CAUSAL_OK)
      rc = causal_result_get_vector(zres, "rows", &zrows, &n2);
    if (rc == CAUSAL_OK) {
      size_t i = 0, j = 0;
      nz = 0;
      while (i < f.n && j < nzr) {
        size_t zr = (size_t)zrows[j];
        if (f.rows[i] == zr) {
          sel[nz] = i++;
          zsel[nz++] = j++;
        } else if (f.rows[i] < zr)
          i++;
        else
          j++;
      }
    }
  } else if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < f.n; i++)
      sel[i] = zsel[i] = i;
  }
  if (rc == CAUSAL_OK && pz < 2)
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: the auxiliary variance regression "
                 "needs an intercept and at least one "
                 "regressor",
                 fn);
  if (rc == CAUSAL_OK && nz <= f.k)
    rc = cz_fail(CAUSAL_EINVAL, "%s: %zu rows for %zu coefficients", fn, nz,
                 f.k);
  if (rc == CAUSAL_OK) {
    X = cz_malloc(&a, nz * f.k * sizeof *X);
    Z = cz_malloc(&a, nz * pz * sizeof *Z);
    y = cz_malloc(&a, nz * sizeof *y);
    fit = cz_malloc(&a, nz * sizeof *fit);
    v = cz_malloc(&a, nz * sizeof *v);
    if (f.w)
      w = cz_malloc(&a, nz * sizeof *w);
    if (!X || !Z || !y || !fit || !v || (f.w && !w))
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK) {
    const double *Zsrc = nterms > 0 ? Zall : f.X;
    size_t ldz = nterms > 0 ? nzr : f.n;
    for (size_t i = 0; i < nz; i++) {
      y[i] = f.y[sel[i]];
      if (w)
        w[i] = f.w[sel[i]];
      for (size_t j = 0; j < f.k; j++)
        X[i + j * nz] = f.X[sel[i] + j * f.n];
      for (size_t j = 0; j < pz; j++)
        Z[i + j * nz] = Zsrc[zsel[i] + j * ldz];
    }
  }
  size_t rank_x = 0, rank_z = 0;
  if (rc == CAUSAL_OK) /* residuals of the model (unweighted scale) */
    rc = wls_fitted(&a, fn, X, nz, f.k, w, y, fit, &rank_x);
  double stat = NAN, df = NAN;
  if (rc == CAUSAL_OK) {
    double sigma2 = 0, N = (double)nz;
    for (size_t i = 0; i < nz; i++) {
      double e = y[i] - fit[i];
      v[i] = e * e;
      sigma2 += (w ? w[i] : 1.0) * v[i];
    }
    sigma2 /= N;
    if (!(sigma2 > 0))
      rc = cz_fail(CAUSAL_EINVAL,
                   "%s: the model fits exactly (zero "
                   "residuals)",
                   fn);
    for (size_t i = 0; i < nz && rc == CAUSAL_OK; i++)
      v[i] = studentize ? v[i] - sigma2 : v[i] / sigma2 - 1.0;
    if (rc == CAUSAL_OK)
      rc = wls_fitted(&a, fn, Z, nz, pz, w, v, fit, &rank_z);
    if (rc == CAUSAL_OK) {
      double ess = 0, vv = 0;
      for (size_t i = 0; i < nz; i++) {
        ess += (w ? w[i] : 1.0) * fit[i] * fit[i];
        vv += v[i] * v[i];
      }
      /* lmtest::bptest: n * sum(w f^2) / sum(v^2), or sum(w f^2) / 2 */
      stat = studentize ? N * ess / vv : 0.5 * ess;
      df = (double)rank_z - 1.0;
      if (!(df >= 1))
        rc = cz_fail(CAUSAL_ESINGULAR,
                     "%s: the auxiliary design has rank "
                     "%zu: no regressor besides the "
                     "intercept",
                     fn, rank_z);
    }
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "breusch_pagan");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "statistic", stat);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "df", df);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "p_value", cz_pchisq(stat, df, 0, 0));
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "nobs", (double)nz);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(
        r, "method",
        studentize ? "studentized Breusch-Pagan (Koenker)" : "Breusch-Pagan");
  cz_free(&a, sel);
  cz_free(&a, zsel);
  cz_free(&a, X);
  cz_free(&a, Z);
  cz_free(&a, y);
  cz_free(&a, w);
  cz_free(&a, fit);
  cz_free(&a, v);
  causal_design_free(dz);
  causal_result_free(zres);
  cz_frame_free(&f);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
