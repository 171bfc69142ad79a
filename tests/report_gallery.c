/* Writes one HTML and one Markdown report per chart type into a directory:
 * the input of the XML and headless-Chromium checks and of the screenshots
 * in docs/reports/. Data are deterministic formulas (no randomness).
 * usage: report_gallery OUTDIR */
#include "causal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CK(expr)                                                               \
  do {                                                                         \
    int rc_ = (expr);                                                          \
    if (rc_ != 0) {                                                            \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,            \
              causal_last_error());                                            \
      return 1;                                                                \
    }                                                                          \
  } while (0)

static const char *outdir;

static int write_file(const char *name, const char *ext, const char *s,
                      size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.%s", outdir, name, ext);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(s, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}

/* Report with an intro paragraph and one chart; also the SVG alone. */
static int emit(const char *name, const char *title, const char *intro,
                causal_chart *c) {
  causal_report *r = NULL;
  char *h = NULL, *m = NULL, *svg = NULL;
  size_t hn, mn, sn;
  CK(causal_report_new(&r, title));
  CK(causal_report_add_paragraph(r, intro));
  CK(causal_report_add_chart(r, c));
  CK(causal_report_to_html(r, &h, &hn));
  CK(causal_report_to_markdown(r, &m, &mn));
  CK(causal_chart_to_svg(c, &svg, &sn));
  int bad = write_file(name, "html", h, hn) || write_file(name, "md", m, mn) ||
            write_file(name, "svg", svg, sn);
  causal_free(h);
  causal_free(m);
  causal_free(svg);
  causal_report_free(r);
  causal_chart_free(c);
  return bad;
}

static double normal_pdf(double x, double m, double s) {
  double z = (x - m) / s;
  return exp(-0.5 * z * z) / (s * sqrt(2 * 3.141592653589793));
}

static int love(void) {
  const char *cov[] = {"age", "education (years)", "black", "hispanic",
                       "married", "no degree", "earnings 1974",
                       "earnings 1975"};
  double before[] = {0.309, 0.055, 1.762, 0.350, 0.826, 0.245, 0.596, 0.287};
  double after[] = {0.031, 0.044, 0.009, 0.062, 0.081, 0.018, 0.047, 0.090};
  causal_chart *c = NULL;
  CK(causal_chart_love_plot(&c, "Covariate balance (love plot)", cov, before,
                            after, 8, 0.1));
  return emit("love", "Covariate balance",
              "Absolute standardized mean differences before and after "
              "nearest-neighbour matching; the dashed line marks 0.1.",
              c);
}

static int overlap(void) {
  double t[400], u[600];
  /* deterministic quantiles of two beta-like shapes */
  for (int i = 0; i < 400; i++) {
    double p = (i + 0.5) / 400;
    t[i] = 0.15 + 0.8 * pow(p, 0.6);
  }
  for (int i = 0; i < 600; i++) {
    double p = (i + 0.5) / 600;
    u[i] = 0.02 + 0.75 * pow(p, 1.8);
  }
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_HISTOGRAM,
                      "Propensity score overlap by arm"));
  CK(causal_chart_set_labels(c, "Propensity score", "Share of arm"));
  CK(causal_chart_set_double(c, CAUSAL_CHART_BINS, 25));
  CK(causal_chart_add_histogram(c, "Control", u, 600));
  CK(causal_chart_add_histogram(c, "Treated", t, 400));
  return emit("overlap", "Propensity overlap",
              "Distribution of the estimated propensity score in each arm.",
              c);
}

static int event_study(void) {
  double t[9], est[9], lo[9], hi[9];
  for (int i = 0; i < 9; i++) {
    t[i] = i - 4;
    est[i] = t[i] < 0 ? 0.04 * sin(i * 1.7) : 0.35 + 0.12 * t[i];
    double se = 0.08 + 0.01 * fabs(t[i]);
    lo[i] = est[i] - 1.96 * se;
    hi[i] = est[i] + 1.96 * se;
  }
  est[3] = 0; /* reference period: no interval */
  lo[3] = hi[3] = NAN;
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_INTERVAL, "Event-study coefficients"));
  CK(causal_chart_set_labels(c, "Periods relative to treatment",
                             "Effect on outcome"));
  CK(causal_chart_add_intervals(c, "TWFE, 95% CI", t, est, lo, hi, 9));
  CK(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0, NULL));
  CK(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, -0.5, "treatment"));
  CK(causal_chart_set_caption(c, "Period -1 is the reference period."));
  return emit("event_study", "Event study",
              "Dynamic treatment effects with 95% confidence intervals.", c);
}

static int forest(void) {
  const char *lab[] = {"Randomized (CUPED)", "Observational (IPW)",
                       "Observational (matching)", "Fused"};
  double est[] = {1.02, 1.41, 1.33, 1.11};
  double lo[] = {0.61, 1.29, 1.15, 0.86};
  double hi[] = {1.43, 1.53, 1.51, 1.36};
  causal_chart *c = NULL;
  CK(causal_chart_forest_plot(&c, "Treatment effect estimates", lab, est, lo,
                              hi, 4, 0));
  CK(causal_chart_set_labels(c, "Average treatment effect", NULL));
  double truth[] = {1.0, 1.0, 1.0, 1.0};
  CK(causal_chart_add_row_points(c, "True effect", truth, 4));
  return emit("forest", "Estimates side by side",
              "Randomized, observational and fused estimates with 95% "
              "intervals; the dashed line marks zero.",
              c);
}

static int posterior(void) {
  double x[121], a[121], b[121];
  for (int i = 0; i < 121; i++) {
    x[i] = 0.08 + 0.0005 * i;
    a[i] = normal_pdf(x[i], 0.100, 0.0040);
    b[i] = normal_pdf(x[i], 0.108, 0.0042);
  }
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_DENSITY, "Posterior conversion rates"));
  CK(causal_chart_set_labels(c, "Conversion rate", "Density"));
  CK(causal_chart_add_line(c, "Control", x, a, 121, 0));
  CK(causal_chart_add_line(c, "Treatment", x, b, 121, 0));
  return emit("posterior", "Bayesian A/B",
              "Beta posterior densities of the conversion rate per arm.", c);
}

static int sequential(void) {
  double info[5], up[5], low[5], zx[4], z[4];
  for (int k = 0; k < 5; k++) {
    info[k] = (k + 1) / 5.0;
    up[k] = 1.96 / sqrt(info[k]); /* O'Brien-Fleming shape */
    low[k] = -up[k];
  }
  double obs[4] = {0.8, 1.6, 2.4, 3.1};
  for (int k = 0; k < 4; k++) {
    zx[k] = info[k];
    z[k] = obs[k];
  }
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_LINE, "Group-sequential monitoring"));
  CK(causal_chart_set_labels(c, "Information fraction", "z statistic"));
  CK(causal_chart_add_line(c, "Efficacy boundary", info, up, 5,
                           CAUSAL_CHART_DASHED | CAUSAL_CHART_MARKERS));
  CK(causal_chart_add_line(c, "", info, low, 5, 0));
  CK(causal_chart_add_line(c, "Observed z", zx, z, 4, CAUSAL_CHART_MARKERS));
  CK(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0, NULL));
  CK(causal_chart_set_double(c, CAUSAL_CHART_X_LOW, 0));
  return emit("sequential", "Sequential test",
              "O'Brien-Fleming boundaries with the observed z path; the "
              "path crossed the boundary at the fourth look.",
              c);
}

static int power(void) {
  double n[40], p1[40], p2[40], p3[40];
  for (int i = 0; i < 40; i++) {
    n[i] = 100 + 100 * i;
    p1[i] = 1 - 0.5 * erfc((0.2 * sqrt(n[i] / 2) - 1.96) / sqrt(2));
    p2[i] = 1 - 0.5 * erfc((0.1 * sqrt(n[i] / 2) - 1.96) / sqrt(2));
    p3[i] = 1 - 0.5 * erfc((0.05 * sqrt(n[i] / 2) - 1.96) / sqrt(2));
  }
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_LINE, "Power by sample size"));
  CK(causal_chart_set_labels(c, "Sample size per arm", "Power"));
  CK(causal_chart_add_line(c, "d = 0.20", n, p1, 40, 0));
  CK(causal_chart_add_line(c, "d = 0.10", n, p2, 40, CAUSAL_CHART_DASHED));
  CK(causal_chart_add_line(c, "d = 0.05", n, p3, 40, 0));
  CK(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0.8, "80% power"));
  CK(causal_chart_set_double(c, CAUSAL_CHART_Y_LOW, 0));
  CK(causal_chart_set_double(c, CAUSAL_CHART_Y_HIGH, 1));
  return emit("power", "Power curves",
              "Two-sample z test, alpha = 0.05 two-sided.", c);
}

static int roc(void) {
  double fpr[51], tpr[51], rec[51], prec[51], diag[2] = {0, 1};
  for (int i = 0; i <= 50; i++) {
    double f = i / 50.0;
    fpr[i] = f;
    tpr[i] = pow(f, 0.35);
    rec[i] = f;
    prec[i] = 0.3 + 0.65 * (1 - pow(f, 2.5));
  }
  causal_chart *c = NULL;
  CK(causal_chart_new(&c, CAUSAL_CHART_LINE, "ROC curve"));
  CK(causal_chart_set_labels(c, "False positive rate", "True positive rate"));
  CK(causal_chart_add_line(c, "Propensity model (AUC 0.80)", fpr, tpr, 51,
                           0));
  CK(causal_chart_add_line(c, "Chance", diag, diag, 2, CAUSAL_CHART_DASHED));
  causal_report *r = NULL;
  char *h = NULL, *m = NULL;
  size_t hn, mn;
  CK(causal_report_new(&r, "Classifier evaluation"));
  CK(causal_report_add_paragraph(r, "ROC and precision-recall curves of the "
                                    "propensity model."));
  CK(causal_report_add_chart(r, c));
  causal_chart_free(c);
  CK(causal_chart_new(&c, CAUSAL_CHART_LINE, "Precision-recall curve"));
  CK(causal_chart_set_labels(c, "Recall", "Precision"));
  CK(causal_chart_add_line(c, "Propensity model", rec, prec, 51, 0));
  CK(causal_chart_set_double(c, CAUSAL_CHART_Y_LOW, 0));
  CK(causal_chart_set_double(c, CAUSAL_CHART_Y_HIGH, 1));
  CK(causal_report_add_chart(r, c));
  causal_chart_free(c);
  CK(causal_report_to_html(r, &h, &hn));
  CK(causal_report_to_markdown(r, &m, &mn));
  int bad = write_file("roc", "html", h, hn) || write_file("roc", "md", m, mn);
  causal_free(h);
  causal_free(m);
  causal_report_free(r);
  return bad;
}

/* Tables, key-values and a regression-style result with a coefficient plot
 * and text that needs escaping. */
static int tables(void) {
  causal_report *r = NULL;
  causal_result *res = NULL;
  causal_chart *c = NULL;
  CK(causal_report_new(&r, "Regression <summary> & \"tables\""));
  CK(causal_report_add_heading(r, 2, "Model"));
  const char *k[] = {"Formula", "Observations", "Std. errors"};
  const char *v[] = {"re78 ~ treat + age + educ", "614", "HC1 (robust)"};
  CK(causal_report_add_keyvalue(r, k, v, 3));
  const char *terms[] = {"(Intercept)", "treat", "age", "educ"};
  double est[] = {-2412.3, 1548.2, 10.9, 592.6};
  double se[] = {2267.1, 781.3, 44.7, 158.1};
  double st[4], p[4], lo[4], hi[4];
  for (int i = 0; i < 4; i++) {
    st[i] = est[i] / se[i];
    p[i] = erfc(fabs(st[i]) / sqrt(2));
    lo[i] = est[i] - 1.96 * se[i];
    hi[i] = est[i] + 1.96 * se[i];
  }
  CK(causal_result_new(&res, "ols"));
  CK(causal_result_set_table(res, "coef", terms, 4, est, se, st, p, lo, hi));
  CK(causal_result_set_scalar(res, "r_squared", 0.0412));
  CK(causal_result_set_scalar(res, "nobs", 614));
  CK(causal_report_add_result(r, res, "OLS fit"));
  causal_result_free(res);
  CK(causal_chart_forest_plot(&c, "Coefficients (95% CI)", terms + 1, est + 1,
                              lo + 1, hi + 1, 3, 0));
  CK(causal_report_add_chart(r, c));
  causal_chart_free(c);
  CK(causal_report_add_heading(r, 2, "Notes & caveats"));
  CK(causal_report_add_paragraph(r, "Text is escaped: <script>alert(1)"
                                    "</script> & friends.\n\nUnicode: "
                                    "\xCE\xB2 = 0.5, \xE2\x89\xA4 5%."));
  char *h = NULL, *m = NULL;
  size_t hn, mn;
  CK(causal_report_to_html(r, &h, &hn));
  CK(causal_report_to_markdown(r, &m, &mn));
  int bad =
      write_file("tables", "html", h, hn) || write_file("tables", "md", m, mn);
  causal_free(h);
  causal_free(m);
  causal_report_free(r);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: report_gallery OUTDIR\n");
    return 2;
  }
  outdir = argv[1];
  return love() || overlap() || event_study() || forest() || posterior() ||
         sequential() || power() || roc() || tables();
}
