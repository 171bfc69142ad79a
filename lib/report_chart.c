/* Charts: plain-array series and their SVG / Markdown renderings
 * (include/causal/report.h). */
#include "internal/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { SER_LINE = 1, SER_INTERVAL, SER_HIST, SER_ROWINT, SER_ROWPTS };

typedef struct cz_series {
  int type;
  int style;
  int color; /* palette index */
  int shape; /* marker index */
  char *name;
  size_t n;
  double *block;           /* the arrays below, in one allocation */
  double *x, *y, *lo, *hi; /* NULL when absent */
} cz_series;

typedef struct cz_ref {
  int axis;
  double value;
  char *label;
} cz_ref;

struct causal_chart {
  cz_alloc alloc;
  int kind;
  char *title, *xlabel, *ylabel, *caption;
  double opt[CAUSAL_CHART_OPTION_MAX_ + 1];
  char **rows;
  size_t nrows;
  cz_series *ser;
  size_t nser, capser;
  cz_ref *refs;
  size_t nrefs, caprefs;
  int ncolors; /* distinct colours used so far */
};

/* Okabe & Ito (2008) colour-blind-safe palette (yellow left out: too light
 * on white). */
static const char *const PALETTE[] = {"#0072B2", "#D55E00", "#009E73",
                                      "#CC79A7", "#E69F00", "#56B4E9",
                                      "#000000"};
#define NPALETTE 7
#define NSHAPES 4

static int is_row_kind(int kind) {
  return kind == CAUSAL_CHART_FOREST || kind == CAUSAL_CHART_LOVE;
}

static const struct {
  double lo, hi, def;
} OPT[CAUSAL_CHART_OPTION_MAX_ + 1] = {
    {0, 0, 0},          {320, 2000, 640},      {200, 2000, 360},
    {0, 500, 0},        {-HUGE_VAL, HUGE_VAL, NAN}, {-HUGE_VAL, HUGE_VAL, NAN},
    {-HUGE_VAL, HUGE_VAL, NAN}, {-HUGE_VAL, HUGE_VAL, NAN}};

/* ---- construction ---- */

int causal_chart_new(causal_chart **out, int kind, const char *title) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(title);
  if (kind < CAUSAL_CHART_LINE || kind > CAUSAL_CHART_LOVE)
    return cz_fail(CAUSAL_ERANGE, "causal_chart_new: kind %d is not a chart "
                   "kind (1..6)", kind);
  if (title[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_chart_new: title is empty");
  cz_alloc a = cz_alloc_current();
  causal_chart *c = cz_calloc(&a, 1, sizeof *c);
  if (c == NULL)
    return CAUSAL_ENOMEM;
  c->alloc = a;
  c->kind = kind;
  for (int k = 1; k <= CAUSAL_CHART_OPTION_MAX_; k++)
    c->opt[k] = OPT[k].def;
  c->title = cz_strdup(&a, title);
  if (c->title == NULL) {
    causal_chart_free(c);
    return CAUSAL_ENOMEM;
  }
  cz_clear_error();
  *out = c;
  return CAUSAL_OK;
}

void causal_chart_free(causal_chart *c) {
  if (c == NULL)
    return;
  cz_alloc a = c->alloc;
  for (size_t i = 0; i < c->nser; i++) {
    cz_free(&a, c->ser[i].name);
    cz_free(&a, c->ser[i].block);
  }
  for (size_t i = 0; i < c->nrefs; i++)
    cz_free(&a, c->refs[i].label);
  for (size_t i = 0; i < c->nrows; i++)
    cz_free(&a, c->rows[i]);
  cz_free(&a, c->rows);
  cz_free(&a, c->ser);
  cz_free(&a, c->refs);
  cz_free(&a, c->title);
  cz_free(&a, c->xlabel);
  cz_free(&a, c->ylabel);
  cz_free(&a, c->caption);
  cz_free(&a, c);
}

int causal_chart_kind(const causal_chart *c) { return c ? c->kind : 0; }

/* Replace *dst by a copy of s (NULL or "" clears). */
static int set_text(causal_chart *c, char **dst, const char *s) {
  char *copy = NULL;
  if (s != NULL && s[0] != '\0') {
    copy = cz_strdup(&c->alloc, s);
    if (copy == NULL)
      return CAUSAL_ENOMEM;
  }
  cz_free(&c->alloc, *dst);
  *dst = copy;
  return CAUSAL_OK;
}

int causal_chart_set_labels(causal_chart *c, const char *xlabel,
                            const char *ylabel) {
  CZ_REQUIRE_NONNULL(c);
  char *x = NULL, *y = NULL;
  CZ_CHECK(set_text(c, &x, xlabel));
  if (set_text(c, &y, ylabel) != CAUSAL_OK) {
    cz_free(&c->alloc, x);
    return CAUSAL_ENOMEM;
  }
  cz_free(&c->alloc, c->xlabel);
  cz_free(&c->alloc, c->ylabel);
  c->xlabel = x;
  c->ylabel = y;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_set_caption(causal_chart *c, const char *caption) {
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(set_text(c, &c->caption, caption));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_option_bounds(int option, double *low, double *high) {
  CZ_REQUIRE_NONNULL(low);
  CZ_REQUIRE_NONNULL(high);
  if (option < 1 || option > CAUSAL_CHART_OPTION_MAX_)
    return cz_fail(CAUSAL_ERANGE, "causal_chart_option_bounds: option %d is "
                   "not a chart option", option);
  *low = OPT[option].lo;
  *high = OPT[option].hi;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_set_double(causal_chart *c, int option, double value) {
  CZ_REQUIRE_NONNULL(c);
  if (option < 1 || option > CAUSAL_CHART_OPTION_MAX_)
    return cz_fail(CAUSAL_ERANGE, "causal_chart_set_double: option %d is not "
                   "a chart option", option);
  int limit = option >= CAUSAL_CHART_X_LOW;
  if (isnan(value) ? !limit
                   : (value < OPT[option].lo || value > OPT[option].hi ||
                      isinf(value)))
    return cz_fail(CAUSAL_ERANGE, "causal_chart_set_double: value %g of "
                   "option %d is outside [%g, %g]", value, option,
                   OPT[option].lo, OPT[option].hi);
  if (option == CAUSAL_CHART_BINS && value != floor(value))
    return cz_fail(CAUSAL_ERANGE, "causal_chart_set_double: bins %g is not "
                   "a whole number", value);
  c->opt[option] = value;
  cz_clear_error();
  return CAUSAL_OK;
}

static int check_finite(const char *fn, const char *series, const char *arr,
                        const double *v, size_t n, int nan_ok) {
  if (v == NULL)
    return CAUSAL_OK;
  for (size_t i = 0; i < n; i++)
    if (isinf(v[i]) || (isnan(v[i]) && !nan_ok))
      return cz_fail(CAUSAL_ENONFINITE, "%s: series '%s': %s[%zu] is %s", fn,
                     series, arr, i, isnan(v[i]) ? "NaN" : "infinite");
  return CAUSAL_OK;
}

/* Append a series with copies of the given arrays. */
static int add_series(causal_chart *c, int type, const char *name, int style,
                      const double *x, const double *y, const double *lo,
                      const double *hi, size_t n) {
  if (c->nser == c->capser) {
    size_t cap = c->capser ? 2 * c->capser : 4;
    cz_series *s = cz_realloc(&c->alloc, c->ser, c->capser * sizeof *s,
                              cap * sizeof *s);
    if (s == NULL)
      return CAUSAL_ENOMEM;
    c->ser = s;
    c->capser = cap;
  }
  const double *src[4] = {x, y, lo, hi};
  size_t narr = 0, bytes;
  for (int k = 0; k < 4; k++)
    narr += src[k] != NULL;
  if (!cz_mul_size(n, narr * sizeof(double), &bytes))
    return cz_fail(CAUSAL_ENOMEM, "series '%s' of %zu points is too large",
                   name, n);
  double *block = cz_malloc(&c->alloc, bytes);
  char *nm = cz_strdup(&c->alloc, name);
  if (block == NULL || nm == NULL) {
    cz_free(&c->alloc, block);
    cz_free(&c->alloc, nm);
    return CAUSAL_ENOMEM;
  }
  cz_series *s = &c->ser[c->nser];
  memset(s, 0, sizeof *s);
  double **dst[4] = {&s->x, &s->y, &s->lo, &s->hi};
  double *p = block;
  for (int k = 0; k < 4; k++) {
    if (src[k] == NULL)
      continue;
    memcpy(p, src[k], n * sizeof(double));
    *dst[k] = p;
    p += n;
  }
  s->block = block;
  s->type = type;
  s->style = style;
  s->name = nm;
  s->n = n;
  if (name[0] == '\0' && c->nser > 0) {
    s->color = c->ser[c->nser - 1].color;
    s->shape = c->ser[c->nser - 1].shape;
    if (type == SER_LINE && c->ser[c->nser - 1].type == SER_LINE)
      s->style = c->ser[c->nser - 1].style | (style & CAUSAL_CHART_MARKERS);
  } else {
    s->color = c->ncolors % NPALETTE;
    s->shape = c->ncolors % NSHAPES;
    c->ncolors++;
  }
  c->nser++;
  return CAUSAL_OK;
}

int causal_chart_add_line(causal_chart *c, const char *name, const double *x,
                          const double *y, size_t n, int style) {
  static const char *fn = "causal_chart_add_line";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(x);
  CZ_REQUIRE_NONNULL(y);
  if (c->kind != CAUSAL_CHART_LINE && c->kind != CAUSAL_CHART_INTERVAL &&
      c->kind != CAUSAL_CHART_DENSITY)
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not a line, interval or "
                   "density chart", fn, c->title);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: series '%s' is empty (n = 0)", fn,
                   name);
  if (style < 0 || style > 7)
    return cz_fail(CAUSAL_ERANGE, "%s: style %d is not a combination of "
                   "CAUSAL_CHART_MARKERS, _DASHED, _FILL", fn, style);
  CZ_CHECK(check_finite(fn, name, "x", x, n, 0));
  CZ_CHECK(check_finite(fn, name, "y", y, n, 0));
  if (c->kind == CAUSAL_CHART_DENSITY)
    style |= CAUSAL_CHART_FILL;
  CZ_CHECK(add_series(c, SER_LINE, name, style, x, y, NULL, NULL, n));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_add_intervals(causal_chart *c, const char *name,
                               const double *x, const double *estimate,
                               const double *low, const double *high,
                               size_t n) {
  static const char *fn = "causal_chart_add_intervals";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(x);
  CZ_REQUIRE_NONNULL(estimate);
  if (c->kind != CAUSAL_CHART_INTERVAL && c->kind != CAUSAL_CHART_LINE)
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not an interval or line "
                   "chart", fn, c->title);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: series '%s' is empty (n = 0)", fn,
                   name);
  if ((low == NULL) != (high == NULL))
    return cz_fail(CAUSAL_EINVAL, "%s: series '%s': give both low and high "
                   "or neither", fn, name);
  CZ_CHECK(check_finite(fn, name, "x", x, n, 0));
  CZ_CHECK(check_finite(fn, name, "estimate", estimate, n, 0));
  CZ_CHECK(check_finite(fn, name, "low", low, n, 1));
  CZ_CHECK(check_finite(fn, name, "high", high, n, 1));
  CZ_CHECK(add_series(c, SER_INTERVAL, name, 0, x, estimate, low, high, n));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_add_histogram(causal_chart *c, const char *name,
                               const double *values, size_t n) {
  static const char *fn = "causal_chart_add_histogram";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(values);
  if (c->kind != CAUSAL_CHART_HISTOGRAM)
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not a histogram", fn,
                   c->title);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: series '%s' is empty (n = 0)", fn,
                   name);
  CZ_CHECK(check_finite(fn, name, "values", values, n, 0));
  CZ_CHECK(add_series(c, SER_HIST, name, 0, values, NULL, NULL, NULL, n));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_set_rows(causal_chart *c, const char *const *labels,
                          size_t n) {
  static const char *fn = "causal_chart_set_rows";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(labels);
  if (!is_row_kind(c->kind))
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not a forest or love "
                   "plot", fn, c->title);
  if (c->nrows > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: chart '%s' already has rows", fn,
                   c->title);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no rows (n = 0)", fn);
  for (size_t i = 0; i < n; i++)
    if (labels[i] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: labels[%zu] is NULL", fn, i);
  char **rows = cz_calloc(&c->alloc, n, sizeof *rows);
  if (rows == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    rows[i] = cz_strdup(&c->alloc, labels[i]);
    if (rows[i] == NULL) {
      for (size_t k = 0; k < i; k++)
        cz_free(&c->alloc, rows[k]);
      cz_free(&c->alloc, rows);
      return CAUSAL_ENOMEM;
    }
  }
  c->rows = rows;
  c->nrows = n;
  cz_clear_error();
  return CAUSAL_OK;
}

static int check_rows(const causal_chart *c, const char *fn, const char *name,
                      size_t n) {
  if (!is_row_kind(c->kind))
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not a forest or love "
                   "plot", fn, c->title);
  if (c->nrows == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: chart '%s' has no rows yet (call "
                   "causal_chart_set_rows first)", fn, c->title);
  if (n != c->nrows)
    return cz_fail(CAUSAL_EDIM, "%s: series '%s' has %zu values for %zu rows",
                   fn, name, n, c->nrows);
  return CAUSAL_OK;
}

int causal_chart_add_row_intervals(causal_chart *c, const char *name,
                                   const double *estimate, const double *low,
                                   const double *high, size_t n) {
  static const char *fn = "causal_chart_add_row_intervals";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(estimate);
  if (c->kind != CAUSAL_CHART_FOREST)
    return cz_fail(CAUSAL_ETYPE, "%s: chart '%s' is not a forest plot", fn,
                   c->title);
  CZ_CHECK(check_rows(c, fn, name, n));
  if ((low == NULL) != (high == NULL))
    return cz_fail(CAUSAL_EINVAL, "%s: series '%s': give both low and high "
                   "or neither", fn, name);
  CZ_CHECK(check_finite(fn, name, "estimate", estimate, n, 1));
  CZ_CHECK(check_finite(fn, name, "low", low, n, 1));
  CZ_CHECK(check_finite(fn, name, "high", high, n, 1));
  CZ_CHECK(add_series(c, SER_ROWINT, name, 0, NULL, estimate, low, high, n));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_add_row_points(causal_chart *c, const char *name,
                                const double *values, size_t n) {
  static const char *fn = "causal_chart_add_row_points";
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_REQUIRE_NONNULL(values);
  CZ_CHECK(check_rows(c, fn, name, n));
  CZ_CHECK(check_finite(fn, name, "values", values, n, 1));
  CZ_CHECK(add_series(c, SER_ROWPTS, name, 0, NULL, values, NULL, NULL, n));
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_chart_add_refline(causal_chart *c, int axis, double value,
                             const char *label) {
  static const char *fn = "causal_chart_add_refline";
  CZ_REQUIRE_NONNULL(c);
  if (axis != CAUSAL_CHART_AXIS_X && axis != CAUSAL_CHART_AXIS_Y)
    return cz_fail(CAUSAL_ERANGE, "%s: axis %d is not CAUSAL_CHART_AXIS_X "
                   "(0) or _Y (1)", fn, axis);
  if (axis == CAUSAL_CHART_AXIS_Y && is_row_kind(c->kind))
    return cz_fail(CAUSAL_EINVAL, "%s: chart '%s' has rows on its y axis: "
                   "reference lines go on the x (value) axis", fn, c->title);
  if (!isfinite(value))
    return cz_fail(CAUSAL_ENONFINITE, "%s: value is %s", fn,
                   isnan(value) ? "NaN" : "infinite");
  if (c->nrefs == c->caprefs) {
    size_t cap = c->caprefs ? 2 * c->caprefs : 2;
    cz_ref *r = cz_realloc(&c->alloc, c->refs, c->caprefs * sizeof *r,
                           cap * sizeof *r);
    if (r == NULL)
      return CAUSAL_ENOMEM;
    c->refs = r;
    c->caprefs = cap;
  }
  char *lab = NULL;
  if (label != NULL && label[0] != '\0' &&
      (lab = cz_strdup(&c->alloc, label)) == NULL)
    return CAUSAL_ENOMEM;
  c->refs[c->nrefs].axis = axis;
  c->refs[c->nrefs].value = value;
  c->refs[c->nrefs].label = lab;
  c->nrefs++;
  cz_clear_error();
  return CAUSAL_OK;
}

int cz_chart_check(const causal_chart *c, const char *fn) {
  if (c->nser == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: chart '%s' has no series", fn,
                   c->title);
  if (is_row_kind(c->kind)) {
    /* a row chart needs at least one finite value to place its axis */
    for (size_t s = 0; s < c->nser; s++)
      for (size_t i = 0; i < c->ser[s].n; i++)
        if (!isnan(c->ser[s].y[i]))
          return CAUSAL_OK;
    return cz_fail(CAUSAL_EINVAL, "%s: chart '%s': every value is NaN", fn,
                   c->title);
  }
  return CAUSAL_OK;
}

/* ---- convenience builders ---- */

int causal_chart_love_plot(causal_chart **out, const char *title,
                           const char *const *covariates,
                           const double *smd_before, const double *smd_after,
                           size_t n, double threshold) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(smd_before);
  CZ_REQUIRE_NONNULL(smd_after);
  if (isinf(threshold))
    return cz_fail(CAUSAL_ENONFINITE, "causal_chart_love_plot: threshold is "
                   "infinite");
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_LOVE, title);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_rows(c, covariates, n);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(c, "Absolute standardized mean difference",
                                 NULL);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_points(c, "Before adjustment", smd_before, n);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_points(c, "After adjustment", smd_after, n);
  if (rc == CAUSAL_OK && !isnan(threshold))
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, threshold,
                                  "threshold");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(c, CAUSAL_CHART_X_LOW, 0.0);
  if (rc != CAUSAL_OK) {
    causal_chart_free(c);
    return rc;
  }
  *out = c;
  return CAUSAL_OK;
}

int causal_chart_forest_plot(causal_chart **out, const char *title,
                             const char *const *labels,
                             const double *estimate, const double *low,
                             const double *high, size_t n, double ref) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (isinf(ref))
    return cz_fail(CAUSAL_ENONFINITE, "causal_chart_forest_plot: ref is "
                   "infinite");
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_FOREST, title);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_rows(c, labels, n);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_intervals(c, "Estimate", estimate, low, high,
                                        n);
  if (rc == CAUSAL_OK && !isnan(ref))
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, ref, NULL);
  if (rc != CAUSAL_OK) {
    causal_chart_free(c);
    return rc;
  }
  *out = c;
  return CAUSAL_OK;
}

/* ---- layout ---- */

#define FONT_W 6.8  /* average glyph width (px) at 12 px, for layout */
#define ROW_H 24.0
#define LEGEND_H 20.0
#define MAX_LABEL 36 /* row labels longer than this are truncated */

typedef struct geom {
  double w, h;                  /* svg size */
  double left, right, top, bot; /* plot area in px */
  double xpad;                  /* data inset from the left/right edges */
  double x0, x1, xstep;         /* axis ranges */
  double y0, y1, ystep;
  int xdec, ydec;
  double legend_y; /* top of the first legend row */
  int legend_rows;
  /* histogram bins */
  double hlo, hwidth;
  size_t bins;
} geom;

static double px_x(const geom *g, double v) {
  return g->left + g->xpad +
         (v - g->x0) / (g->x1 - g->x0) * (g->right - g->left - 2 * g->xpad);
}
static double px_y(const geom *g, double v) {
  return g->bot - (v - g->y0) / (g->y1 - g->y0) * (g->bot - g->top);
}

static void widen(double *lo, double *hi, double v) {
  if (isnan(v))
    return;
  if (v < *lo)
    *lo = v;
  if (v > *hi)
    *hi = v;
}

static void widen_arr(double *lo, double *hi, const double *v, size_t n) {
  if (v != NULL)
    for (size_t i = 0; i < n; i++)
      widen(lo, hi, v[i]);
}

static void fix_range(double *lo, double *hi) {
  if (*lo > *hi) { /* nothing: unit range */
    *lo = 0;
    *hi = 1;
  } else if (*lo == *hi) {
    double d = *lo == 0 ? 1 : fabs(*lo) * 0.1;
    *lo -= d;
    *hi += d;
  }
}

static size_t hist_bins(const causal_chart *c) {
  if (c->opt[CAUSAL_CHART_BINS] > 0)
    return (size_t)c->opt[CAUSAL_CHART_BINS];
  size_t nmax = 1;
  for (size_t s = 0; s < c->nser; s++)
    if (c->ser[s].n > nmax)
      nmax = c->ser[s].n;
  size_t b = (size_t)ceil(log2((double)nmax)) + 1; /* Sturges */
  return b > 50 ? 50 : b < 5 ? 5 : b;
}

/* Share of series s in bin k (values at the top edge go to the last bin). */
static void hist_shares(const causal_chart *c, const geom *g,
                        const cz_series *s, double *share) {
  for (size_t k = 0; k < g->bins; k++)
    share[k] = 0;
  for (size_t i = 0; i < s->n; i++) {
    double t = (s->x[i] - g->hlo) / g->hwidth;
    size_t k = t <= 0 ? 0 : (size_t)t;
    if (k >= g->bins)
      k = g->bins - 1;
    share[k] += 1.0;
  }
  for (size_t k = 0; k < g->bins; k++)
    share[k] /= (double)s->n;
  (void)c;
}

static double hist_max_share(const causal_chart *c, const geom *g) {
  double m = 0;
  double share[500];
  for (size_t s = 0; s < c->nser; s++) {
    hist_shares(c, g, &c->ser[s], share);
    for (size_t k = 0; k < g->bins; k++)
      if (share[k] > m)
        m = share[k];
  }
  return m;
}

static int legend_entries(const causal_chart *c) {
  int n = 0;
  for (size_t s = 0; s < c->nser; s++)
    n += c->ser[s].name[0] != '\0';
  return n;
}

/* Rows the legend needs when wrapped to the plot width. */
static int legend_layout(const causal_chart *c, double width) {
  if (legend_entries(c) < 1)
    return 0;
  int rows = 1;
  double x = 0;
  for (size_t s = 0; s < c->nser; s++) {
    if (c->ser[s].name[0] == '\0')
      continue;
    double w = 34 + FONT_W * (double)cz_utf8_len(c->ser[s].name) + 18;
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

static size_t max_label_chars(const causal_chart *c) {
  size_t m = 0;
  for (size_t i = 0; i < c->nrows; i++) {
    size_t k = cz_utf8_len(c->rows[i]);
    if (k > m)
      m = k;
  }
  return m > MAX_LABEL ? MAX_LABEL : m;
}

static void tick_label(char *buf, size_t cap, double v, int ndec) {
  cz_fmt_fixed(buf, cap, v, ndec);
}

static double tick_label_width(double lo, double hi, double step, int ndec) {
  double m = 0;
  char buf[64];
  for (double v = lo; v <= hi + step * 0.5; v += step) {
    tick_label(buf, sizeof buf, v, ndec);
    double w = FONT_W * 0.92 * (double)strlen(buf);
    if (w > m)
      m = w;
  }
  return m;
}

static void compute_geom(const causal_chart *c, geom *g) {
  int rows = is_row_kind(c->kind);
  g->w = c->opt[CAUSAL_CHART_WIDTH];
  double xlo = HUGE_VAL, xhi = -HUGE_VAL, ylo = HUGE_VAL, yhi = -HUGE_VAL;
  for (size_t s = 0; s < c->nser; s++) {
    const cz_series *se = &c->ser[s];
    if (rows) {
      widen_arr(&xlo, &xhi, se->y, se->n);
      widen_arr(&xlo, &xhi, se->lo, se->n);
      widen_arr(&xlo, &xhi, se->hi, se->n);
    } else if (se->type == SER_HIST) {
      widen_arr(&xlo, &xhi, se->x, se->n);
    } else {
      widen_arr(&xlo, &xhi, se->x, se->n);
      widen_arr(&ylo, &yhi, se->y, se->n);
      widen_arr(&ylo, &yhi, se->lo, se->n);
      widen_arr(&ylo, &yhi, se->hi, se->n);
      if (se->style & CAUSAL_CHART_FILL)
        widen(&ylo, &yhi, 0.0);
    }
  }
  for (size_t i = 0; i < c->nrefs; i++) {
    if (c->refs[i].axis == CAUSAL_CHART_AXIS_X)
      widen(&xlo, &xhi, c->refs[i].value);
    else
      widen(&ylo, &yhi, c->refs[i].value);
  }
  widen(&xlo, &xhi, c->opt[CAUSAL_CHART_X_LOW]);
  widen(&xlo, &xhi, c->opt[CAUSAL_CHART_X_HIGH]);
  if (!rows) {
    widen(&ylo, &yhi, c->opt[CAUSAL_CHART_Y_LOW]);
    widen(&ylo, &yhi, c->opt[CAUSAL_CHART_Y_HIGH]);
  }
  fix_range(&xlo, &xhi);
  if (c->kind == CAUSAL_CHART_HISTOGRAM) {
    /* bins span the data exactly; the axis is rounded out around them */
    double dlo = HUGE_VAL, dhi = -HUGE_VAL;
    for (size_t s = 0; s < c->nser; s++)
      widen_arr(&dlo, &dhi, c->ser[s].x, c->ser[s].n);
    fix_range(&dlo, &dhi);
    g->bins = hist_bins(c);
    g->hlo = dlo;
    g->hwidth = (dhi - dlo) / (double)g->bins;
    ylo = 0;
    yhi = hist_max_share(c, g);
    widen(&ylo, &yhi, c->opt[CAUSAL_CHART_Y_LOW]);
    widen(&ylo, &yhi, c->opt[CAUSAL_CHART_Y_HIGH]);
  }
  int xt = (int)(g->w / 110);
  cz_nice_ticks(xlo, xhi, xt < 4 ? 4 : xt, &g->x0, &g->x1, &g->xstep,
                &g->xdec);
  g->top = 42; /* below the title */
  if (rows) {
    double lab = FONT_W * (double)max_label_chars(c);
    g->left = 16 + (lab > 40 ? lab : 40) + 10;
    g->bot = g->top + ROW_H * (double)c->nrows;
    g->y0 = 0;
    g->y1 = (double)c->nrows;
  } else {
    fix_range(&ylo, &yhi);
    cz_nice_ticks(ylo, yhi, 5, &g->y0, &g->y1, &g->ystep, &g->ydec);
    double tw = tick_label_width(g->y0, g->y1, g->ystep, g->ydec);
    g->left = (c->ylabel ? 30 : 12) + tw + 10;
    g->h = c->opt[CAUSAL_CHART_HEIGHT];
  }
  g->right = g->w - 24;
  /* intervals at the first and last x would sit on the frame */
  g->xpad = c->kind == CAUSAL_CHART_INTERVAL ? 14 : 0;
  g->legend_rows = legend_layout(c, g->right - g->left);
  double below = 26 /* tick labels */ + (c->xlabel ? 22 : 0) + 10 +
                 LEGEND_H * g->legend_rows + (c->caption ? 22 : 0);
  if (rows) {
    g->h = g->bot + below;
  } else {
    g->bot = g->h - below;
    if (g->bot - g->top < 80) { /* keep a usable plot area */
      g->h += 80 - (g->bot - g->top);
      g->bot = g->top + 80;
    }
  }
  g->legend_y = g->bot + 26 + (c->xlabel ? 22 : 0) + 6;
}

/* ---- SVG pieces ---- */

static void num(cz_buf *b, double v) {
  char buf[64];
  cz_fmt_fixed(buf, sizeof buf, v, 2);
  cz_buf_puts(b, buf);
}

static void marker(cz_buf *b, int shape, double x, double y, double r,
                   const char *color, int hollow) {
  const char *fill = hollow ? "#ffffff" : color;
  switch (shape) {
  case 1: /* square */
    cz_buf_puts(b, "<rect x=\"");
    num(b, x - r * 0.9);
    cz_buf_puts(b, "\" y=\"");
    num(b, y - r * 0.9);
    cz_buf_puts(b, "\" width=\"");
    num(b, r * 1.8);
    cz_buf_puts(b, "\" height=\"");
    num(b, r * 1.8);
    break;
  case 2: /* triangle */
  case 3: /* diamond */
    cz_buf_puts(b, "<path d=\"M");
    if (shape == 2) {
      num(b, x);
      cz_buf_puts(b, " ");
      num(b, y - r * 1.15);
      cz_buf_puts(b, "L");
      num(b, x + r * 1.1);
      cz_buf_puts(b, " ");
      num(b, y + r * 0.85);
      cz_buf_puts(b, "L");
      num(b, x - r * 1.1);
      cz_buf_puts(b, " ");
      num(b, y + r * 0.85);
    } else {
      num(b, x);
      cz_buf_puts(b, " ");
      num(b, y - r * 1.25);
      cz_buf_puts(b, "L");
      num(b, x + r * 1.1);
      cz_buf_puts(b, " ");
      num(b, y);
      cz_buf_puts(b, "L");
      num(b, x);
      cz_buf_puts(b, " ");
      num(b, y + r * 1.25);
      cz_buf_puts(b, "L");
      num(b, x - r * 1.1);
      cz_buf_puts(b, " ");
      num(b, y);
    }
    cz_buf_puts(b, "Z");
    break;
  default: /* circle */
    cz_buf_puts(b, "<circle cx=\"");
    num(b, x);
    cz_buf_puts(b, "\" cy=\"");
    num(b, y);
    cz_buf_puts(b, "\" r=\"");
    num(b, r);
    break;
  }
  cz_buf_printf(b, "\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                fill, color);
}

static void line(cz_buf *b, double x1, double y1, double x2, double y2,
                 const char *attrs) {
  cz_buf_puts(b, "<line x1=\"");
  num(b, x1);
  cz_buf_puts(b, "\" y1=\"");
  num(b, y1);
  cz_buf_puts(b, "\" x2=\"");
  num(b, x2);
  cz_buf_puts(b, "\" y2=\"");
  num(b, y2);
  cz_buf_printf(b, "\" %s/>", attrs);
}

static void text(cz_buf *b, double x, double y, const char *attrs,
                 const char *s, size_t maxcp) {
  cz_buf_puts(b, "<text x=\"");
  num(b, x);
  cz_buf_puts(b, "\" y=\"");
  num(b, y);
  cz_buf_printf(b, "\" %s>", attrs);
  cz_xml_escape(b, s, maxcp);
  if (maxcp > 0 && cz_utf8_len(s) > maxcp) { /* full text as tooltip */
    cz_buf_puts(b, "<title>");
    cz_xml_escape(b, s, 0);
    cz_buf_puts(b, "</title>");
  }
  cz_buf_puts(b, "</text>");
}

static void x_axis(const causal_chart *c, const geom *g, cz_buf *b) {
  char buf[64];
  cz_buf_puts(b, "<g class=\"x-axis\">");
  for (int k = 0;; k++) {
    double v = g->x0 + k * g->xstep;
    if (v > g->x1 + g->xstep * 0.5)
      break;
    double x = px_x(g, v);
    line(b, x, g->top, x, g->bot, "stroke=\"#e6e6e6\" stroke-width=\"1\"");
    line(b, x, g->bot, x, g->bot + 5, "stroke=\"#444\" stroke-width=\"1\"");
    tick_label(buf, sizeof buf, v, g->xdec);
    text(b, x, g->bot + 19, "text-anchor=\"middle\" fill=\"#333\"", buf, 0);
  }
  line(b, g->left, g->bot, g->right, g->bot,
       "stroke=\"#444\" stroke-width=\"1\"");
  if (c->xlabel)
    text(b, (g->left + g->right) / 2, g->bot + 42,
         "text-anchor=\"middle\" font-size=\"13\" fill=\"#1a1a1a\"",
         c->xlabel, 0);
  cz_buf_puts(b, "</g>");
}

static void y_axis(const causal_chart *c, const geom *g, cz_buf *b) {
  char buf[64];
  cz_buf_puts(b, "<g class=\"y-axis\">");
  for (int k = 0;; k++) {
    double v = g->y0 + k * g->ystep;
    if (v > g->y1 + g->ystep * 0.5)
      break;
    double y = px_y(g, v);
    line(b, g->left, y, g->right, y, "stroke=\"#e6e6e6\" stroke-width=\"1\"");
    line(b, g->left - 5, y, g->left, y, "stroke=\"#444\" stroke-width=\"1\"");
    tick_label(buf, sizeof buf, v, g->ydec);
    text(b, g->left - 8, y + 4, "text-anchor=\"end\" fill=\"#333\"", buf, 0);
  }
  line(b, g->left, g->top, g->left, g->bot,
       "stroke=\"#444\" stroke-width=\"1\"");
  if (c->ylabel) {
    double cy = (g->top + g->bot) / 2;
    cz_buf_puts(b, "<text transform=\"translate(16 ");
    num(b, cy);
    cz_buf_puts(b, ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" "
                   "fill=\"#1a1a1a\">");
    cz_xml_escape(b, c->ylabel, 0);
    cz_buf_puts(b, "</text>");
  }
  cz_buf_puts(b, "</g>");
}

static void row_axis(const causal_chart *c, const geom *g, cz_buf *b) {
  cz_buf_puts(b, "<g class=\"rows\">");
  for (size_t i = 0; i < c->nrows; i++) {
    double y = g->top + ROW_H * (double)i;
    if (i % 2 == 0) {
      cz_buf_puts(b, "<rect x=\"");
      num(b, g->left);
      cz_buf_puts(b, "\" y=\"");
      num(b, y);
      cz_buf_puts(b, "\" width=\"");
      num(b, g->right - g->left);
      cz_buf_puts(b, "\" height=\"");
      num(b, ROW_H);
      cz_buf_puts(b, "\" fill=\"#f4f6f8\"/>");
    }
    text(b, g->left - 10, y + ROW_H / 2 + 4,
         "text-anchor=\"end\" fill=\"#1a1a1a\"", c->rows[i], MAX_LABEL);
  }
  line(b, g->left, g->top, g->left, g->bot,
       "stroke=\"#444\" stroke-width=\"1\"");
  cz_buf_puts(b, "</g>");
}

static void draw_line_series(const geom *g, const cz_series *s, cz_buf *b) {
  const char *col = PALETTE[s->color];
  cz_buf_puts(b, "<g class=\"series line\">");
  if (s->style & CAUSAL_CHART_FILL) {
    double base = px_y(g, 0.0);
    cz_buf_puts(b, "<path d=\"M");
    num(b, px_x(g, s->x[0]));
    cz_buf_puts(b, " ");
    num(b, base);
    for (size_t i = 0; i < s->n; i++) {
      cz_buf_puts(b, "L");
      num(b, px_x(g, s->x[i]));
      cz_buf_puts(b, " ");
      num(b, px_y(g, s->y[i]));
    }
    cz_buf_puts(b, "L");
    num(b, px_x(g, s->x[s->n - 1]));
    cz_buf_puts(b, " ");
    num(b, base);
    cz_buf_printf(b, "Z\" fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\"/>",
                  col);
  }
  cz_buf_puts(b, "<polyline points=\"");
  for (size_t i = 0; i < s->n; i++) {
    if (i)
      cz_buf_puts(b, " ");
    num(b, px_x(g, s->x[i]));
    cz_buf_puts(b, ",");
    num(b, px_y(g, s->y[i]));
  }
  cz_buf_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                "stroke-linejoin=\"round\"%s/>", col,
                (s->style & CAUSAL_CHART_DASHED) ? " stroke-dasharray=\"6 4\""
                                                 : "");
  if (s->style & CAUSAL_CHART_MARKERS)
    for (size_t i = 0; i < s->n; i++)
      marker(b, s->shape, px_x(g, s->x[i]), px_y(g, s->y[i]), 3.5, col, 0);
  cz_buf_puts(b, "</g>");
}

/* Whisker from a to b (px) across the other coordinate c; vertical if vert.
 */
static void whisker(cz_buf *b, int vert, double a, double e, double c,
                    const char *col) {
  char attrs[96];
  snprintf(attrs, sizeof attrs, "stroke=\"%s\" stroke-width=\"1.8\"", col);
  if (vert) {
    line(b, c, a, c, e, attrs);
    line(b, c - 4, a, c + 4, a, attrs);
    line(b, c - 4, e, c + 4, e, attrs);
  } else {
    line(b, a, c, e, c, attrs);
    line(b, a, c - 4, a, c + 4, attrs);
    line(b, e, c - 4, e, c + 4, attrs);
  }
}

static void draw_interval_series(const geom *g, const cz_series *s,
                                 double dodge, cz_buf *b) {
  const char *col = PALETTE[s->color];
  cz_buf_puts(b, "<g class=\"series interval\">");
  for (size_t i = 0; i < s->n; i++) {
    double x = px_x(g, s->x[i]) + dodge;
    if (s->lo && !isnan(s->lo[i]) && !isnan(s->hi[i]))
      whisker(b, 1, px_y(g, s->lo[i]), px_y(g, s->hi[i]), x, col);
    marker(b, s->shape, x, px_y(g, s->y[i]), 4, col, 0);
  }
  cz_buf_puts(b, "</g>");
}

static void draw_row_series(const geom *g, const cz_series *s, double dodge,
                            cz_buf *b) {
  const char *col = PALETTE[s->color];
  int pts = s->type == SER_ROWPTS;
  cz_buf_printf(b, "<g class=\"series %s\">", pts ? "points" : "interval");
  for (size_t i = 0; i < s->n; i++) {
    if (isnan(s->y[i]))
      continue;
    double y = g->top + ROW_H * ((double)i + 0.5) + dodge;
    if (s->lo && !isnan(s->lo[i]) && !isnan(s->hi[i]))
      whisker(b, 0, px_x(g, s->lo[i]), px_x(g, s->hi[i]), y, col);
    marker(b, s->shape, px_x(g, s->y[i]), y, pts ? 4.5 : 4, col, 0);
  }
  cz_buf_puts(b, "</g>");
}

static void draw_histograms(const causal_chart *c, const geom *g, cz_buf *b) {
  double share[500];
  for (size_t s = 0; s < c->nser; s++) {
    const cz_series *se = &c->ser[s];
    const char *col = PALETTE[se->color];
    hist_shares(c, g, se, share);
    /* one closed step outline per series: overlap stays readable */
    double base = px_y(g, 0.0);
    cz_buf_puts(b, "<g class=\"series histogram\"><path d=\"M");
    num(b, px_x(g, g->hlo));
    cz_buf_puts(b, " ");
    num(b, base);
    for (size_t k = 0; k < g->bins; k++) {
      double xa = px_x(g, g->hlo + g->hwidth * (double)k);
      double xb = px_x(g, g->hlo + g->hwidth * (double)(k + 1));
      double y = px_y(g, share[k]);
      cz_buf_puts(b, "L");
      num(b, xa);
      cz_buf_puts(b, " ");
      num(b, y);
      cz_buf_puts(b, "L");
      num(b, xb);
      cz_buf_puts(b, " ");
      num(b, y);
    }
    cz_buf_puts(b, "L");
    num(b, px_x(g, g->hlo + g->hwidth * (double)g->bins));
    cz_buf_puts(b, " ");
    num(b, base);
    cz_buf_printf(b, "Z\" fill=\"%s\" fill-opacity=\"0.30\" stroke=\"%s\" "
                  "stroke-width=\"1.5\" stroke-linejoin=\"round\"/></g>",
                  col, col);
  }
}

static void draw_refs(const causal_chart *c, const geom *g, cz_buf *b) {
  const char *attrs =
      "stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"";
  cz_buf_puts(b, "<g class=\"reflines\">");
  for (size_t i = 0; i < c->nrefs; i++) {
    const cz_ref *r = &c->refs[i];
    if (r->axis == CAUSAL_CHART_AXIS_X) {
      double x = px_x(g, r->value);
      line(b, x, g->top, x, g->bot, attrs);
      if (r->label) {
        int right = x > (g->left + g->right) / 2;
        text(b, right ? x - 4 : x + 4, g->top - 4,
             right ? "text-anchor=\"end\" font-size=\"11\" fill=\"#444\""
                   : "text-anchor=\"start\" font-size=\"11\" fill=\"#444\"",
             r->label, 40);
      }
    } else {
      double y = px_y(g, r->value);
      line(b, g->left, y, g->right, y, attrs);
      if (r->label)
        text(b, g->right - 4, y - 4,
             "text-anchor=\"end\" font-size=\"11\" fill=\"#444\"", r->label,
             40);
    }
  }
  cz_buf_puts(b, "</g>");
}

static void legend(const causal_chart *c, const geom *g, cz_buf *b) {
  if (g->legend_rows == 0)
    return;
  double x = 0, y = g->legend_y, width = g->right - g->left;
  cz_buf_puts(b, "<g class=\"legend\">");
  for (size_t s = 0; s < c->nser; s++) {
    const cz_series *se = &c->ser[s];
    if (se->name[0] == '\0')
      continue;
    double w = 34 + FONT_W * (double)cz_utf8_len(se->name) + 18;
    if (x > 0 && x + w > width) {
      x = 0;
      y += LEGEND_H;
    }
    const char *col = PALETTE[se->color];
    double x0 = g->left + x, cy = y + 7;
    if (se->type == SER_HIST) {
      cz_buf_puts(b, "<rect x=\"");
      num(b, x0 + 4);
      cz_buf_puts(b, "\" y=\"");
      num(b, cy - 6);
      cz_buf_printf(b, "\" width=\"20\" height=\"12\" fill=\"%s\" "
                    "fill-opacity=\"0.30\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                    col, col);
    } else {
      char attrs[96];
      snprintf(attrs, sizeof attrs, "stroke=\"%s\" stroke-width=\"2\"%s", col,
               (se->style & CAUSAL_CHART_DASHED) ? " stroke-dasharray=\"6 4\""
                                                 : "");
      if (se->type != SER_ROWPTS)
        line(b, x0, cy, x0 + 28, cy, attrs);
      if (se->type != SER_LINE || (se->style & CAUSAL_CHART_MARKERS))
        marker(b, se->shape, x0 + 14, cy, 4, col, 0);
    }
    text(b, x0 + 34, cy + 4, "fill=\"#1a1a1a\"", se->name, 0);
    x += w;
  }
  cz_buf_puts(b, "</g>");
}

void cz_chart_svg(const causal_chart *c, cz_buf *b) {
  geom g;
  memset(&g, 0, sizeof g);
  compute_geom(c, &g);
  cz_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
  num(b, g.w);
  cz_buf_puts(b, "\" height=\"");
  num(b, g.h);
  cz_buf_puts(b, "\" viewBox=\"0 0 ");
  num(b, g.w);
  cz_buf_puts(b, " ");
  num(b, g.h);
  cz_buf_puts(b, "\" role=\"img\" font-family=\"DejaVu Sans, Helvetica, "
                 "Arial, sans-serif\" font-size=\"12\"><title>");
  cz_xml_escape(b, c->title, 0);
  cz_buf_puts(b, "</title><desc>");
  if (c->caption)
    cz_xml_escape(b, c->caption, 0);
  else {
    static const char *const what[] = {"",
                                       "Line chart",
                                       "Point-and-interval chart",
                                       "Density curves",
                                       "Overlapping histograms",
                                       "Forest plot",
                                       "Love plot"};
    cz_buf_printf(b, "%s with %zu series", what[c->kind], c->nser);
  }
  cz_buf_puts(b, "</desc><rect width=\"100%\" height=\"100%\" "
                 "fill=\"#ffffff\"/>");
  text(b, 12, 24, "font-size=\"15\" font-weight=\"bold\" fill=\"#1a1a1a\"",
       c->title, 0);
  if (is_row_kind(c->kind))
    row_axis(c, &g, b);
  else
    y_axis(c, &g, b);
  x_axis(c, &g, b);
  if (is_row_kind(c->kind))
    line(b, g.left, g.top, g.right, g.top,
         "stroke=\"#e6e6e6\" stroke-width=\"1\"");
  draw_refs(c, &g, b);
  if (c->kind == CAUSAL_CHART_HISTOGRAM)
    draw_histograms(c, &g, b);
  /* interval series are dodged so that several estimators stay legible */
  size_t nint = 0, j = 0;
  for (size_t s = 0; s < c->nser; s++)
    nint += c->ser[s].type == SER_INTERVAL || c->ser[s].type == SER_ROWINT;
  double step = nint > 1 ? (nint > 3 ? 18.0 / (double)nint : 6.0) : 0;
  for (size_t s = 0; s < c->nser; s++) {
    const cz_series *se = &c->ser[s];
    double dodge = 0;
    if (se->type == SER_INTERVAL || se->type == SER_ROWINT)
      dodge = ((double)j++ - (double)(nint - 1) / 2) * step;
    switch (se->type) {
    case SER_LINE: draw_line_series(&g, se, b); break;
    case SER_INTERVAL: draw_interval_series(&g, se, dodge, b); break;
    case SER_ROWINT:
    case SER_ROWPTS: draw_row_series(&g, se, dodge, b); break;
    default: break;
    }
  }
  legend(c, &g, b);
  if (c->caption)
    text(b, 12, g.h - 8, "font-size=\"11\" fill=\"#555\"", c->caption, 0);
  cz_buf_puts(b, "</svg>");
}

int causal_chart_to_svg(const causal_chart *c, char **svg, size_t *len) {
  CZ_REQUIRE_NONNULL(svg);
  *svg = NULL;
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(cz_chart_check(c, "causal_chart_to_svg"));
  cz_buf b;
  cz_buf_init(&b, &c->alloc);
  cz_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  cz_chart_svg(c, &b);
  cz_buf_puts(&b, "\n");
  if (b.failed) {
    cz_buf_free(&b);
    return cz_fail(CAUSAL_ENOMEM, "causal_chart_to_svg: out of memory");
  }
  char *out = cz_user_malloc(b.len + 1);
  if (out == NULL) {
    cz_buf_free(&b);
    return CAUSAL_ENOMEM;
  }
  memcpy(out, b.data, b.len + 1);
  if (len)
    *len = b.len;
  cz_buf_free(&b);
  *svg = out;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- Markdown summary ---- */

static void md_cell_num(cz_buf *b, double v, int digits) {
  char buf[64];
  cz_fmt_num(buf, sizeof buf, v, digits);
  cz_buf_puts(b, buf);
}

static void md_interval(cz_buf *b, double e, const double *lo,
                        const double *hi, size_t i, int digits) {
  md_cell_num(b, e, digits);
  if (lo && !isnan(lo[i]) && !isnan(hi[i])) {
    cz_buf_puts(b, " [");
    md_cell_num(b, lo[i], digits);
    cz_buf_puts(b, ", ");
    md_cell_num(b, hi[i], digits);
    cz_buf_puts(b, "]");
  }
}

#define MD_MAX_ROWS 60

static void md_series_name(cz_buf *b, const causal_chart *c, size_t s) {
  /* unnamed series are listed as continuing the previous named one */
  size_t k = s;
  while (k > 0 && c->ser[k].name[0] == '\0')
    k--;
  if (c->ser[k].name[0] == '\0')
    cz_buf_printf(b, "series %zu", s + 1);
  else
    cz_md_escape(b, c->ser[k].name, 1);
  if (k != s)
    cz_buf_printf(b, " (%zu)", s - k + 1);
}

void cz_chart_markdown(const causal_chart *c, cz_buf *b, int digits) {
  cz_buf_puts(b, "**Figure: ");
  cz_md_escape(b, c->title, 1);
  cz_buf_puts(b, "**");
  if (c->caption) {
    cz_buf_puts(b, " — ");
    cz_md_escape(b, c->caption, 1);
  }
  cz_buf_puts(b, "\n\n");
  if (is_row_kind(c->kind)) {
    cz_buf_puts(b, "| ");
    cz_buf_puts(b, c->kind == CAUSAL_CHART_LOVE ? "Covariate" : "Row");
    for (size_t s = 0; s < c->nser; s++) {
      cz_buf_puts(b, " | ");
      md_series_name(b, c, s);
    }
    cz_buf_puts(b, " |\n|---");
    for (size_t s = 0; s < c->nser; s++)
      cz_buf_puts(b, "|---:");
    cz_buf_puts(b, "|\n");
    for (size_t i = 0; i < c->nrows; i++) {
      cz_buf_puts(b, "| ");
      cz_md_escape(b, c->rows[i], 1);
      for (size_t s = 0; s < c->nser; s++) {
        cz_buf_puts(b, " | ");
        const cz_series *se = &c->ser[s];
        md_interval(b, se->y[i], se->lo, se->hi, i, digits);
      }
      cz_buf_puts(b, " |\n");
    }
  } else if (c->kind == CAUSAL_CHART_HISTOGRAM) {
    cz_buf_puts(b, "| Series | n | mean | min | max |\n"
                   "|---|---:|---:|---:|---:|\n");
    for (size_t s = 0; s < c->nser; s++) {
      const cz_series *se = &c->ser[s];
      double sum = 0, mn = HUGE_VAL, mx = -HUGE_VAL;
      for (size_t i = 0; i < se->n; i++) {
        sum += se->x[i];
        widen(&mn, &mx, se->x[i]);
      }
      cz_buf_puts(b, "| ");
      md_series_name(b, c, s);
      cz_buf_printf(b, " | %zu | ", se->n);
      md_cell_num(b, sum / (double)se->n, digits);
      cz_buf_puts(b, " | ");
      md_cell_num(b, mn, digits);
      cz_buf_puts(b, " | ");
      md_cell_num(b, mx, digits);
      cz_buf_puts(b, " |\n");
    }
  } else {
    size_t total = 0;
    for (size_t s = 0; s < c->nser; s++)
      total += c->ser[s].n;
    if (total <= MD_MAX_ROWS) {
      cz_buf_puts(b, "| Series | x | y |\n|---|---:|---:|\n");
      for (size_t s = 0; s < c->nser; s++) {
        const cz_series *se = &c->ser[s];
        for (size_t i = 0; i < se->n; i++) {
          cz_buf_puts(b, "| ");
          md_series_name(b, c, s);
          cz_buf_puts(b, " | ");
          md_cell_num(b, se->x[i], digits);
          cz_buf_puts(b, " | ");
          md_interval(b, se->y[i], se->lo, se->hi, i, digits);
          cz_buf_puts(b, " |\n");
        }
      }
    } else { /* too many points: one summary row per series */
      cz_buf_puts(b, "| Series | points | x from | x to | y min | y max |\n"
                     "|---|---:|---:|---:|---:|---:|\n");
      for (size_t s = 0; s < c->nser; s++) {
        const cz_series *se = &c->ser[s];
        double ylo = HUGE_VAL, yhi = -HUGE_VAL;
        widen_arr(&ylo, &yhi, se->y, se->n);
        cz_buf_puts(b, "| ");
        md_series_name(b, c, s);
        cz_buf_printf(b, " | %zu | ", se->n);
        md_cell_num(b, se->x[0], digits);
        cz_buf_puts(b, " | ");
        md_cell_num(b, se->x[se->n - 1], digits);
        cz_buf_puts(b, " | ");
        md_cell_num(b, ylo, digits);
        cz_buf_puts(b, " | ");
        md_cell_num(b, yhi, digits);
        cz_buf_puts(b, " |\n");
      }
    }
  }
  if (c->nrefs > 0) {
    cz_buf_puts(b, "\nReference lines: ");
    for (size_t i = 0; i < c->nrefs; i++) {
      if (i)
        cz_buf_puts(b, "; ");
      cz_buf_puts(b, c->refs[i].axis == CAUSAL_CHART_AXIS_X ? "x = " : "y = ");
      md_cell_num(b, c->refs[i].value, digits);
      if (c->refs[i].label) {
        cz_buf_puts(b, " (");
        cz_md_escape(b, c->refs[i].label, 1);
        cz_buf_puts(b, ")");
      }
    }
    cz_buf_puts(b, "\n");
  }
}
