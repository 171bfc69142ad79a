/* libcausal — visual reports: self-contained HTML (inline SVG and CSS, no
 * scripts, no external assets) and Markdown.
 *
 * Model. A causal_report is an ordered list of blocks under a title:
 * headings, paragraphs, key-value blocks, tables (plain string tables, or
 * the entries of a causal_result) and charts. A causal_chart is built from
 * plain arrays, so any estimator (or host code) can feed it; adding a chart
 * to a report renders it at that moment, so the chart may be changed or
 * freed afterwards (and the report freed in any order).
 *
 * Charts. Two layouts, chosen by the kind given to causal_chart_new:
 *   XY kinds (numeric x and y axes):
 *     CAUSAL_CHART_LINE       lines, optionally with point markers
 *                             (sequential boundaries and observed z path,
 *                             power curves, ROC / precision-recall curves)
 *     CAUSAL_CHART_INTERVAL   point-and-interval at numeric x (event-study
 *                             coefficients vs relative time); lines allowed
 *     CAUSAL_CHART_DENSITY    lines filled down to y = 0 (posterior
 *                             densities)
 *     CAUSAL_CHART_HISTOGRAM  overlapping histograms of raw values on shared
 *                             bins; y is the share of the series per bin
 *                             (propensity-score overlap by arm)
 *   ROW kinds (one row per label, a horizontal value axis):
 *     CAUSAL_CHART_FOREST     point-and-interval per row (forest plot of
 *                             randomized / observational / fused estimates,
 *                             coefficient plots, lifts per metric)
 *     CAUSAL_CHART_LOVE       points per row (love plot: |SMD| per
 *                             covariate before and after adjustment)
 * Reference lines (causal_chart_add_refline) mark zero effects, SMD
 * thresholds, critical values; their value is always inside the axis range.
 * Series colours follow the Okabe-Ito colour-blind-safe palette in order of
 * addition, with a distinct marker shape per series; a series with an
 * empty name ("") is left out of the legend and repeats the colour and style
 * of the previous series (e.g. the lower and upper boundary of a sequential
 * design). Several interval series in one chart are dodged side by side.
 *
 * Data policy. Every value must be finite (CAUSAL_ENONFINITE naming the
 * series and the index), with one exception: a NaN interval bound means
 * "no interval", the point is drawn without whiskers. Empty series are
 * CAUSAL_EINVAL; lengths that do not match the rows (ROW kinds) are
 * CAUSAL_EDIM; a series of the wrong type for the kind is CAUSAL_ETYPE.
 *
 * Rendering. Output is deterministic: the same calls give the same bytes
 * (coordinates printed with 2 decimals, numbers in tables with a fixed
 * number of significant digits, no timestamps). HTML is polyglot XHTML
 * (well-formed XML) with UTF-8 text escaped (&, <, >, ", '); bytes that are
 * not valid UTF-8 and control characters are replaced by U+FFFD. Axis ticks
 * use the nice-number algorithm (steps 1, 2, 5 x 10^k; Heckbert, Graphics
 * Gems, 1990). Every chart is an <svg role="img"> with a <title> and a
 * <desc> (accessible names).
 * Markdown (GFM): headings, paragraphs, key-value lists and tables as GFM
 * tables with | and \ escaped; each chart becomes its title and a compact
 * GFM data table (one row per series or per row label, with the plotted
 * numbers), readable in CI logs. With CAUSAL_REPORT_MD_IMAGES = 1 each chart
 * is also embedded as <img src="data:image/svg+xml;base64,...">, for
 * notebooks.
 */
#ifndef CAUSAL_REPORT_H
#define CAUSAL_REPORT_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_chart causal_chart;
typedef struct causal_report causal_report;

/* Chart kinds (pinned values). */
enum {
  CAUSAL_CHART_LINE = 1,
  CAUSAL_CHART_INTERVAL = 2,
  CAUSAL_CHART_DENSITY = 3,
  CAUSAL_CHART_HISTOGRAM = 4,
  CAUSAL_CHART_FOREST = 5,
  CAUSAL_CHART_LOVE = 6
};

/* Line style flags (bitwise or) for causal_chart_add_line. */
enum {
  CAUSAL_CHART_MARKERS = 1, /* a marker at each point */
  CAUSAL_CHART_DASHED = 2,  /* dashed stroke */
  CAUSAL_CHART_FILL = 4     /* fill down to y = 0 (default in DENSITY) */
};

/* Axes for reference lines. */
enum {
  CAUSAL_CHART_AXIS_X = 0, /* vertical line at x = value (value axis of
                              ROW kinds) */
  CAUSAL_CHART_AXIS_Y = 1  /* horizontal line at y = value (XY kinds only) */
};

/* Chart options (pinned values), causal_chart_set_double. */
enum {
  CAUSAL_CHART_WIDTH = 1,  /* SVG width in px, 320..2000, default 640 */
  CAUSAL_CHART_HEIGHT = 2, /* SVG height in px, 200..2000, default 360
                              (ROW kinds: ignored, grows with the rows) */
  CAUSAL_CHART_BINS = 3,   /* histogram bins, 0 (auto: Sturges' rule on the
                              largest series, at most 50) or 1..500 */
  CAUSAL_CHART_X_LOW = 4,  /* the x axis extends at least down to this */
  CAUSAL_CHART_X_HIGH = 5, /* ... and up to this (NaN: data only) */
  CAUSAL_CHART_Y_LOW = 6,
  CAUSAL_CHART_Y_HIGH = 7,
  CAUSAL_CHART_OPTION_MAX_ = 7
};

/* title: non-empty. */
CAUSAL_API int causal_chart_new(causal_chart **out, int kind,
                                const char *title);
CAUSAL_API void causal_chart_free(causal_chart *c);
CAUSAL_API int causal_chart_kind(const causal_chart *c);
/* Axis titles (NULL or "" for none). */
CAUSAL_API int causal_chart_set_labels(causal_chart *c, const char *xlabel,
                                       const char *ylabel);
/* A caption drawn under the chart and used as its <desc> (NULL: none). */
CAUSAL_API int causal_chart_set_caption(causal_chart *c, const char *caption);
CAUSAL_API int causal_chart_set_double(causal_chart *c, int option,
                                       double value);
/* Allowed range of an option (NaN allowed where documented). */
CAUSAL_API int causal_chart_option_bounds(int option, double *low,
                                          double *high);

/* XY kinds: a line through (x[i], y[i]), i < n, in the given order. */
CAUSAL_API int causal_chart_add_line(causal_chart *c, const char *name,
                                     const double *x, const double *y,
                                     size_t n, int style);
/* INTERVAL (and LINE): estimate[i] with [low[i], high[i]] at x[i]. low and
 * high may be NULL (points only). */
CAUSAL_API int causal_chart_add_intervals(causal_chart *c, const char *name,
                                          const double *x,
                                          const double *estimate,
                                          const double *low,
                                          const double *high, size_t n);
/* HISTOGRAM: raw values of one group (copied). */
CAUSAL_API int causal_chart_add_histogram(causal_chart *c, const char *name,
                                          const double *values, size_t n);

/* ROW kinds: the row labels, top to bottom; set once, before row series. */
CAUSAL_API int causal_chart_set_rows(causal_chart *c,
                                     const char *const *labels, size_t n);
/* FOREST: one estimate [low, high] per row (n = number of rows). A NaN
 * estimate leaves the row empty for this series. low/high may be NULL. */
CAUSAL_API int causal_chart_add_row_intervals(causal_chart *c,
                                              const char *name,
                                              const double *estimate,
                                              const double *low,
                                              const double *high, size_t n);
/* LOVE (and FOREST): one value per row; NaN leaves the row empty. */
CAUSAL_API int causal_chart_add_row_points(causal_chart *c, const char *name,
                                           const double *values, size_t n);

/* A reference line; label may be NULL. */
CAUSAL_API int causal_chart_add_refline(causal_chart *c, int axis,
                                        double value, const char *label);

/* Standalone SVG document (with xmlns) in a new buffer freed with
 * causal_free; *len excludes the NUL. Needs at least one series. */
CAUSAL_API int causal_chart_to_svg(const causal_chart *c, char **svg,
                                   size_t *len);

/* Convenience builders for the common pictures (each a new chart). */
/* Love plot: |SMD| of n covariates before and after adjustment, with a
 * dashed threshold line (e.g. 0.1; NaN for none). */
CAUSAL_API int causal_chart_love_plot(causal_chart **out, const char *title,
                                      const char *const *covariates,
                                      const double *smd_before,
                                      const double *smd_after, size_t n,
                                      double threshold);
/* Forest plot: n labelled estimates with intervals and a reference line
 * at ref (NaN for none). */
CAUSAL_API int causal_chart_forest_plot(causal_chart **out, const char *title,
                                        const char *const *labels,
                                        const double *estimate,
                                        const double *low,
                                        const double *high, size_t n,
                                        double ref);

/* ---- reports ---- */

/* Report options (pinned values), causal_report_set_int. */
enum {
  CAUSAL_REPORT_DIGITS = 1,    /* significant digits in tables, 1..17,
                                  default 4 */
  CAUSAL_REPORT_MD_IMAGES = 2, /* 0/1: Markdown embeds charts as data-URI
                                  SVG images (default 0) */
  CAUSAL_REPORT_OPTION_MAX_ = 2
};

/* title: non-empty (the <title> and the top heading). */
CAUSAL_API int causal_report_new(causal_report **out, const char *title);
CAUSAL_API void causal_report_free(causal_report *r);
CAUSAL_API int causal_report_set_int(causal_report *r, int option, int value);
/* level 2..4 (level 1 is the title). */
CAUSAL_API int causal_report_add_heading(causal_report *r, int level,
                                         const char *text);
/* Plain text; blank lines inside start new paragraphs. */
CAUSAL_API int causal_report_add_paragraph(causal_report *r, const char *text);
/* n key/value pairs (n >= 1). */
CAUSAL_API int causal_report_add_keyvalue(causal_report *r,
                                          const char *const *keys,
                                          const char *const *values, size_t n);
/* A plain table: ncol column names and nrow x ncol cells in row-major order
 * (cells[i * ncol + j]; NULL cells print empty). caption may be NULL. */
CAUSAL_API int causal_report_add_table(causal_report *r, const char *caption,
                                       const char *const *colnames,
                                       size_t ncol, const char *const *cells,
                                       size_t nrow);
/* A plain numeric table: nrow x ncol values, column-major (as a result
 * matrix); rownames may be NULL; NaN prints "NA". */
CAUSAL_API int causal_report_add_numeric_table(
    causal_report *r, const char *caption, const char *const *rownames,
    const char *const *colnames, const double *values, size_t nrow,
    size_t ncol);
/* Every entry of a result: scalars and strings as one key-value block,
 * each vector, matrix and coefficient table as a table, warnings as a
 * list. caption may be NULL (then the result's kind is used). */
CAUSAL_API int causal_report_add_result(causal_report *r,
                                        const causal_result *res,
                                        const char *caption);
/* Render a chart now (it needs at least one series). */
CAUSAL_API int causal_report_add_chart(causal_report *r,
                                       const causal_chart *c);
/* Whole documents in new buffers freed with causal_free; *len excludes the
 * NUL. */
CAUSAL_API int causal_report_to_html(const causal_report *r, char **html,
                                     size_t *len);
CAUSAL_API int causal_report_to_markdown(const causal_report *r, char **md,
                                         size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_REPORT_H */
