/* causal bayes — Bayesian A/B comparison from per-arm aggregates
 * (include/causal/bayes_ab.h). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: %s bayes [--model M] --a X,Y[,Z] --b X,Y[,Z] [options]\n"
      "       %s bayes [--model M] --input arms.csv [options]\n"
      "\n"
      "Bayesian comparison of a control arm A and a treatment arm B from\n"
      "per-arm aggregates: P(B > A), the expected loss of choosing each arm,\n"
      "credible intervals of B - A and of the relative lift B/A - 1, and a\n"
      "decision. All exact or by deterministic quadrature (no Monte Carlo).\n"
      "\n"
      "models and per-arm aggregates (--a/--b, or CSV columns):\n"
      "  beta    conversions,exposures  Beta-Bernoulli (default)\n"
      "          CSV: arm,conversions,exposures\n"
      "  normal  n,mean,sd              normal mean, plug-in variance sd^2/n\n"
      "  nig     n,mean,sd              normal mean, unknown variance\n"
      "                                 (Normal-Inverse-Gamma; Student t)\n"
      "          CSV: arm,n,mean,sd\n"
      "  gamma   count,exposure         Gamma-Poisson rates\n"
      "          CSV: arm,count,exposure\n"
      "\n"
      "options:\n"
      "  --model M          beta, normal, nig, gamma (default beta)\n"
      "  --a LIST, --b LIST aggregates of the control A and treatment B\n"
      "  --input FILE.csv   one row per arm with the columns above\n"
      "  --control LABEL    CSV row of A (default: the first row)\n"
      "  --treatment LABEL  CSV row of B (default: the first other row)\n"
      "  --prior a,b        beta: Beta(a, b) prior (default 1,1);\n"
      "                     gamma: shape,rate (default 1,0)\n"
      "  --prior-mean M     normal / nig prior mean (default 0)\n"
      "  --prior-sd S       normal: prior sd of each mean (default: flat)\n"
      "  --prior-kappa K    nig: prior sample size of the mean (default 0)\n"
      "  --prior-shape A    nig: inverse-gamma shape (default -0.5)\n"
      "  --prior-scale B    nig: inverse-gamma scale (default 0); the nig\n"
      "                     defaults are the reference prior 1/sigma^2\n"
      "  --level L          credible level (default 0.95)\n"
      "  --threshold P      decide 'ship B' when P(B > A) >= P, 'keep A'\n"
      "                     when P(B > A) <= 1 - P (default 0.95)\n"
      "  --max-loss X       also require the expected loss of B <= X to ship\n"
      "  --json             write the result (with 'decision') as JSON\n"
      "  --report FILE      also write a self-contained HTML report\n"
      "                     (posterior densities, summary, result)\n"
      "  --markdown FILE    also write the report as Markdown\n"
      "  --help             this text\n"
      "\n"
      "Exit status: 0 done (whatever the decision), 1 invalid aggregates,\n"
      "2 usage error, 3 unreadable input.\n"
      "\n"
      "examples:\n"
      "  %s bayes --a 120,1000 --b 145,1000\n"
      "  %s bayes --model nig --a 30,10.0,4.0 --b 40,10.8,5.0 --json\n"
      "  %s bayes --model gamma --a 50,100 --b 61,100 --threshold 0.9\n"
      "  %s bayes --input examples/bayes_arms.csv\n"
      "  %s bayes --a 120,1000 --b 145,1000 --report bayes.html\n",
      prog, prog, prog, prog, prog, prog, prog);
}

enum { M_BETA, M_NORMAL, M_NIG, M_GAMMA };

typedef struct opts {
  int model, json, have_a, have_b;
  double a[3], b[3], prior[2], pmean, psd, pkappa, pshape, pscale, level;
  double threshold, max_loss;
  int have_prior;
  const char *input, *control, *treatment;
  cli_report rep;
} opts;

static int nfields(int model) { return model == M_NORMAL || model == M_NIG ? 3 : 2; }

/* Exactly n comma-separated numbers. */
static int parse_n(const char *s, double *v, int n) {
  char buf[512];
  if (strlen(s) >= sizeof buf)
    return 0;
  strcpy(buf, s);
  int k = 0;
  for (char *p = buf;; k++) {
    char *c = strchr(p, ',');
    if (c)
      *c = 0;
    if (k >= n || !cli_parse_double(p, &v[k]))
      return 0;
    if (!c)
      break;
    p = c + 1;
  }
  return k + 1 == n;
}

static int usage_err(const char *msg, const char *a, const char *v) {
  fprintf(stderr, "%s bayes: %s %s%s%s%s\n", prog, msg, a, v ? " '" : "",
          v ? v : "", v ? "'" : "");
  fprintf(stderr, "Run '%s bayes --help' for usage.\n", prog);
  return EXIT_USAGE;
}

static int parse(opts *o, int argc, char **argv, int *done) {
  /* the model first: it fixes how many numbers --a and --b take */
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--model")) {
      static const char *const n[] = {"beta", "normal", "nig", "gamma"};
      static const int c[] = {M_BETA, M_NORMAL, M_NIG, M_GAMMA};
      o->model = cli_lookup(argv[i + 1], n, c, 4);
      if (o->model < 0)
        return usage_err("unknown model for", "--model", argv[i + 1]);
    }
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      *done = 1;
      return 0;
    }
    if (!strcmp(a, "--json")) {
      o->json = 1;
      continue;
    }
    if (cli_report_option(&o->rep, "bayes", argc, argv, &i)) {
      if (o->rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (strncmp(a, "--", 2) != 0)
      return usage_err("unexpected argument", a, NULL);
    if (i + 1 >= argc)
      return usage_err("missing value for", a, NULL);
    const char *v = argv[++i];
    double x;
    int num = cli_parse_double(v, &x);
    if (!strcmp(a, "--model"))
      continue;
    if (!strcmp(a, "--a") || !strcmp(a, "--b")) {
      double *dst = a[2] == 'a' ? o->a : o->b;
      if (!parse_n(v, dst, nfields(o->model)))
        return usage_err(nfields(o->model) == 3
                             ? "needs n,mean,sd:"
                             : "needs two numbers (successes/counts, "
                               "exposures):",
                         a, v);
      *(a[2] == 'a' ? &o->have_a : &o->have_b) = 1;
    } else if (!strcmp(a, "--prior")) {
      if (!parse_n(v, o->prior, 2))
        return usage_err("needs two numbers:", a, v);
      o->have_prior = 1;
    } else if (!strcmp(a, "--input"))
      o->input = v;
    else if (!strcmp(a, "--control"))
      o->control = v;
    else if (!strcmp(a, "--treatment"))
      o->treatment = v;
    else if (num && !strcmp(a, "--prior-mean"))
      o->pmean = x;
    else if (num && !strcmp(a, "--prior-sd"))
      o->psd = x;
    else if (num && !strcmp(a, "--prior-kappa"))
      o->pkappa = x;
    else if (num && !strcmp(a, "--prior-shape"))
      o->pshape = x;
    else if (num && !strcmp(a, "--prior-scale"))
      o->pscale = x;
    else if (num && !strcmp(a, "--level"))
      o->level = x;
    else if (num && !strcmp(a, "--threshold") && x > 0.5 && x < 1)
      o->threshold = x;
    else if (num && !strcmp(a, "--max-loss") && x >= 0)
      o->max_loss = x;
    else
      return usage_err("unknown option or invalid value:", a, v);
  }
  return 0;
}

/* Column names of the CSV per model. */
static const char *const *csv_cols(int model) {
  static const char *const beta[] = {"conversions", "exposures"};
  static const char *const norm[] = {"n", "mean", "sd"};
  static const char *const gam[] = {"count", "exposure"};
  return model == M_BETA ? beta : model == M_GAMMA ? gam : norm;
}

static int read_arms(opts *o) {
  FILE *f = fopen(o->input, "r");
  if (f == NULL) {
    fprintf(stderr, "%s bayes: cannot open '%s'\n", prog, o->input);
    return EXIT_INPUT;
  }
  char line[4096], *fld[64];
  int nf = 0, col[4] = {-1, -1, -1, -1}, need = nfields(o->model), row = 1;
  if (fgets(line, sizeof line, f) == NULL) {
    fclose(f);
    fprintf(stderr, "%s bayes: '%s' is empty\n", prog, o->input);
    return EXIT_ANALYSIS;
  }
  line[strcspn(line, "\r\n")] = 0;
  for (char *p = line; nf < 64;) {
    fld[nf++] = p;
    char *c = strchr(p, ',');
    if (!c)
      break;
    *c = 0;
    p = c + 1;
  }
  const char *const *names = csv_cols(o->model);
  for (int i = 0; i < nf; i++) {
    if (!strcmp(fld[i], "arm"))
      col[3] = i;
    for (int j = 0; j < need; j++)
      if (!strcmp(fld[i], names[j]))
        col[j] = i;
  }
  for (int j = 0; j < need; j++)
    if (col[j] < 0) {
      fclose(f);
      fprintf(stderr, "%s bayes: '%s' has no column '%s' (model needs arm,%s,"
                      "%s%s%s)\n",
              prog, o->input, names[j], names[0], names[1],
              need == 3 ? "," : "", need == 3 ? names[2] : "");
      return EXIT_ANALYSIS;
    }
  int got_a = 0, got_b = 0;
  while (fgets(line, sizeof line, f) != NULL && !(got_a && got_b)) {
    row++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0])
      continue;
    nf = 0;
    for (char *p = line; nf < 64;) {
      fld[nf++] = p;
      char *c = strchr(p, ',');
      if (!c)
        break;
      *c = 0;
      p = c + 1;
    }
    const char *label = col[3] >= 0 && col[3] < nf ? fld[col[3]] : "";
    int is_a = !got_a && (o->control ? !strcmp(label, o->control)
                                     : !(o->treatment &&
                                         !strcmp(label, o->treatment)));
    int is_b = !is_a && !got_b &&
               (o->treatment ? !strcmp(label, o->treatment)
                             : !(o->control && !strcmp(label, o->control)));
    if (!is_a && !is_b)
      continue;
    double *dst = is_a ? o->a : o->b;
    for (int j = 0; j < need; j++)
      if (col[j] >= nf || !cli_parse_double(fld[col[j]], &dst[j])) {
        fclose(f);
        fprintf(stderr, "%s bayes: %s row %d: column '%s' is not a number\n",
                prog, o->input, row, names[j]);
        return EXIT_ANALYSIS;
      }
    *(is_a ? &got_a : &got_b) = 1;
  }
  fclose(f);
  if (!got_a || !got_b) {
    fprintf(stderr, "%s bayes: '%s' lacks the %s arm\n", prog, o->input,
            got_a ? "treatment" : "control");
    return EXIT_ANALYSIS;
  }
  o->have_a = o->have_b = 1;
  return 0;
}

static int run(causal_result **r, const opts *o) {
  const double *a = o->a, *b = o->b;
  switch (o->model) {
  case M_BETA:
    return causal_bayes_beta(r, a[0], a[1], b[0], b[1],
                             o->have_prior ? o->prior[0] : 1,
                             o->have_prior ? o->prior[1] : 1, o->level);
  case M_NORMAL:
    return causal_bayes_normal(r, a[1], a[2], a[0], b[1], b[2], b[0],
                               o->pmean, o->psd, o->level);
  case M_NIG:
    return causal_bayes_normal_nig(r, a[1], a[2], a[0], b[1], b[2], b[0],
                                   o->pmean, o->pkappa, o->pshape, o->pscale,
                                   o->level);
  default:
    return causal_bayes_gamma(r, a[0], a[1], b[0], b[1],
                              o->have_prior ? o->prior[0] : 1,
                              o->have_prior ? o->prior[1] : 0, o->level);
  }
}

static const char *decide(const causal_result *r, const opts *o) {
  double p = cli_scalar(r, "prob_b_beats_a");
  double lb = cli_scalar(r, "expected_loss_b");
  if (p >= o->threshold && (isnan(o->max_loss) || lb <= o->max_loss))
    return "ship B";
  if (p <= 1 - o->threshold)
    return "keep A";
  return "keep testing";
}

static void print_text(const causal_result *r, const opts *o,
                       const char *dec) {
  static const char *const mname[] = {
      "Beta-Bernoulli", "Normal (plug-in variance)",
      "Normal (unknown variance, Normal-Inverse-Gamma)", "Gamma-Poisson"};
  double lv = 100 * o->level;
  printf("Bayesian A/B: %s\n", mname[o->model]);
  printf("  P(B > A)              %.6f\n", cli_scalar(r, "prob_b_beats_a"));
  printf("  expected loss, pick A %.6g\n", cli_scalar(r, "expected_loss_a"));
  printf("  expected loss, pick B %.6g\n", cli_scalar(r, "expected_loss_b"));
  printf("  B - A                 %.6g  [%.6g, %.6g] (%g%% credible)\n",
         cli_scalar(r, "diff_mean"), cli_scalar(r, "diff_conf_low"),
         cli_scalar(r, "diff_conf_high"), lv);
  double lm = cli_scalar(r, "lift_median");
  if (isnan(lm))
    printf("  lift B/A - 1          not computed (control not bounded away "
           "from 0)\n");
  else
    printf("  lift B/A - 1 (median) %.6g  [%.6g, %.6g]\n", lm,
           cli_scalar(r, "lift_conf_low"), cli_scalar(r, "lift_conf_high"));
  printf("decision: %s (threshold %g", dec, o->threshold);
  if (!isnan(o->max_loss))
    printf(", max loss %g", o->max_loss);
  printf(")\n");
}

/* ---- --report: posterior densities ------------------------------------ */

enum { GRID = 201, INNER = 801 };

/* The posterior of arm b (0: A, 1: B) of the result as a dist family and
 * its parameters: Beta(a, b), Normal(mean, sd), location-scale Student t
 * (standardized, params {df}; *loc / *scale), Gamma(shape, 1 / rate). */
typedef struct post {
  int family;
  double par[2], loc, scale;
} post;

static post arm_post(const causal_result *r, int model, int b) {
  post p = {CAUSAL_DIST_NORMAL, {0, 1}, 0, 1};
  double x1 = cli_scalar(r, b ? "post_b_1" : "post_a_1");
  double x2 = cli_scalar(r, b ? "post_b_2" : "post_a_2");
  if (model == M_BETA) {
    p.family = CAUSAL_DIST_BETA;
    p.par[0] = x1;
    p.par[1] = x2;
  } else if (model == M_GAMMA) {
    p.family = CAUSAL_DIST_GAMMA;
    p.par[0] = x1;
    p.par[1] = 1 / x2;
  } else if (model == M_NIG) {
    p.family = CAUSAL_DIST_T;
    p.par[0] = cli_scalar(r, b ? "post_b_df" : "post_a_df");
    p.loc = x1;
    p.scale = x2;
  } else {
    p.par[0] = x1;
    p.par[1] = x2;
  }
  return p;
}

static size_t npar(const post *p) { return p->family == CAUSAL_DIST_T ? 1 : 2; }

/* density (func PDF) or quantile of p at n points, in place */
static int post_eval(const post *p, int func, double *x, size_t n) {
  if (func == CAUSAL_DIST_PDF)
    for (size_t i = 0; i < n; i++)
      x[i] = (x[i] - p->loc) / p->scale;
  int rc = causal_dist_eval(p->family, func, p->par, npar(p), x, n, x);
  for (size_t i = 0; i < n; i++)
    x[i] = func == CAUSAL_DIST_PDF ? x[i] / p->scale : p->loc + p->scale * x[i];
  return rc;
}

static int post_range(const post *p, double tail, double *lo, double *hi) {
  double q[2] = {tail, 1 - tail};
  int rc = post_eval(p, CAUSAL_DIST_QUANTILE, q, 2);
  *lo = q[0];
  *hi = q[1];
  return rc;
}

/* The density of B - A at GRID points from dlo to dhi: f(d) = int f_N(y)
 * f_W(y -/+ d) dy by the trapezoidal rule over the narrower posterior N
 * (so that the wider one is smooth on the inner grid). */
static int conv(const post *pa, const post *pb, double dlo, double dhi,
                double *d, double *f) {
  double alo, ahi, blo, bhi, y[INNER], fy[INNER], w[INNER];
  int rc = post_range(pa, 1e-6, &alo, &ahi);
  if (rc == CAUSAL_OK)
    rc = post_range(pb, 1e-6, &blo, &bhi);
  if (rc != CAUSAL_OK)
    return rc;
  int narrow_b = bhi - blo < ahi - alo; /* over B: A = y - d */
  const post *pn = narrow_b ? pb : pa, *pw = narrow_b ? pa : pb;
  double lo = narrow_b ? blo : alo, hi = narrow_b ? bhi : ahi;
  double h = (hi - lo) / (INNER - 1);
  for (size_t j = 0; j < INNER; j++)
    y[j] = fy[j] = lo + h * (double)j;
  if ((rc = post_eval(pn, CAUSAL_DIST_PDF, fy, INNER)) != CAUSAL_OK)
    return rc;
  for (size_t i = 0; i < GRID; i++) {
    d[i] = dlo + (dhi - dlo) * (double)i / (GRID - 1);
    for (size_t j = 0; j < INNER; j++)
      w[j] = narrow_b ? y[j] - d[i] : y[j] + d[i];
    if ((rc = post_eval(pw, CAUSAL_DIST_PDF, w, INNER)) != CAUSAL_OK)
      return rc;
    double s = 0;
    for (size_t j = 0; j < INNER; j++)
      s += (j == 0 || j == INNER - 1 ? 0.5 : 1.0) * fy[j] * w[j];
    f[i] = s * h;
  }
  return CAUSAL_OK;
}

/* Two passes: over the widest possible range of B - A, then again over
 * the part where the density exceeds 1e-3 of its peak (heavy tails would
 * otherwise leave few points under the curve). */
static int diff_density(const post *pa, const post *pb, double *d,
                        double *f) {
  double alo, ahi, blo, bhi;
  int rc = post_range(pa, 1e-6, &alo, &ahi);
  if (rc == CAUSAL_OK)
    rc = post_range(pb, 1e-6, &blo, &bhi);
  if (rc == CAUSAL_OK)
    rc = conv(pa, pb, blo - ahi, bhi - alo, d, f);
  if (rc != CAUSAL_OK)
    return rc;
  double peak = 0;
  for (size_t i = 0; i < GRID; i++)
    peak = f[i] > peak ? f[i] : peak;
  size_t a = 0, b = GRID - 1;
  while (a + 2 < b && f[a + 1] < 1e-3 * peak)
    a++;
  while (b > a + 2 && f[b - 1] < 1e-3 * peak)
    b--;
  return conv(pa, pb, d[a], d[b], d, f);
}

/* Narrow [*a, *z] to where one of the arm densities exceeds 1e-3 of the
 * highest peak. */
static int arm_trim(const post *p, double *a, double *z) {
  double x[GRID], f[2][GRID], peak = 0;
  for (int b = 0; b < 2; b++) {
    for (size_t i = 0; i < GRID; i++)
      x[i] = f[b][i] = *a + (*z - *a) * (double)i / (GRID - 1);
    int rc = post_eval(&p[b], CAUSAL_DIST_PDF, f[b], GRID);
    if (rc != CAUSAL_OK)
      return rc;
    for (size_t i = 0; i < GRID; i++)
      peak = f[b][i] > peak ? f[b][i] : peak;
  }
  size_t i = 0, j = GRID - 1;
  while (i + 2 < j && f[0][i + 1] < 1e-3 * peak && f[1][i + 1] < 1e-3 * peak)
    i++;
  while (j > i + 2 && f[0][j - 1] < 1e-3 * peak && f[1][j - 1] < 1e-3 * peak)
    j--;
  *a = x[i];
  *z = x[j];
  return CAUSAL_OK;
}

static int density_charts(causal_chart **ch, const causal_result *r,
                          const opts *o) {
  post p[2] = {arm_post(r, o->model, 0), arm_post(r, o->model, 1)};
  static const char *const names[2] = {"A (control)", "B (treatment)"};
  static const char *const xl[] = {"Conversion rate", "Mean", "Mean", "Rate"};
  double lo[2], hi[2], x[GRID], y[GRID], d[GRID];
  int rc = CAUSAL_OK;
  for (int b = 0; b < 2 && rc == CAUSAL_OK; b++)
    rc = post_range(&p[b], 5e-5, &lo[b], &hi[b]);
  if (rc == CAUSAL_OK)
    rc = causal_chart_new(&ch[0], CAUSAL_CHART_DENSITY,
                          "Posterior of each arm");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(ch[0], xl[o->model], "Density");
  double a = lo[0] < lo[1] ? lo[0] : lo[1], z = hi[0] > hi[1] ? hi[0] : hi[1];
  if (rc == CAUSAL_OK) /* heavy t tails: keep where a density is visible */
    rc = arm_trim(p, &a, &z);
  for (int b = 0; b < 2 && rc == CAUSAL_OK; b++) {
    for (size_t i = 0; i < GRID; i++)
      x[i] = y[i] = a + (z - a) * (double)i / (GRID - 1);
    rc = post_eval(&p[b], CAUSAL_DIST_PDF, y, GRID);
    if (rc == CAUSAL_OK)
      rc = causal_chart_add_line(ch[0], names[b], x, y, GRID, CAUSAL_CHART_FILL);
  }
  size_t m = GRID;
  if (rc == CAUSAL_OK)
    rc = diff_density(&p[0], &p[1], d, y);
  if (rc == CAUSAL_OK)
    rc = causal_chart_new(&ch[1], CAUSAL_CHART_DENSITY,
                          "Posterior of the difference B - A");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(ch[1], "B - A", "Density");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(ch[1], "B - A", d, y, m, CAUSAL_CHART_FILL);
  double cl = cli_scalar(r, "diff_conf_low"), ch_ = cli_scalar(r, "diff_conf_high");
  char cap[200];
  snprintf(cap, sizeof cap,
           "P(B > A) = %.4f; %g%% credible interval of B - A: [%.4g, %.4g].",
           cli_scalar(r, "prob_b_beats_a"), 100 * o->level, cl, ch_);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(ch[1], cap);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(ch[1], CAUSAL_CHART_AXIS_X, 0.0, "no difference");
  /* the credible interval as a second filled area under the same curve */
  size_t i0 = 0, n = 0;
  while (i0 < m && d[i0] < cl)
    i0++;
  while (i0 + n < m && d[i0 + n] <= ch_)
    n++;
  char name[64];
  snprintf(name, sizeof name, "%g%% credible interval", 100 * o->level);
  if (rc == CAUSAL_OK && n > 1)
    rc = causal_chart_add_line(ch[1], name, d + i0, y + i0, n,
                               CAUSAL_CHART_FILL);
  return rc;
}

static int write_report(const causal_result *r, const opts *o, int argc,
                        char **argv, const char *dec) {
  causal_chart *ch[2] = {NULL, NULL};
  if (density_charts(ch, r, o) != CAUSAL_OK) {
    causal_chart_free(ch[0]); /* the report still has the tables */
    causal_chart_free(ch[1]);
    ch[0] = ch[1] = NULL;
  }
  char v[5][64];
  snprintf(v[0], sizeof v[0], "%.6f", cli_scalar(r, "prob_b_beats_a"));
  snprintf(v[1], sizeof v[1], "%.6g", cli_scalar(r, "expected_loss_a"));
  snprintf(v[2], sizeof v[2], "%.6g", cli_scalar(r, "expected_loss_b"));
  snprintf(v[3], sizeof v[3], "%.6g [%.6g, %.6g]", cli_scalar(r, "diff_mean"),
           cli_scalar(r, "diff_conf_low"), cli_scalar(r, "diff_conf_high"));
  snprintf(v[4], sizeof v[4], "%s (threshold %g)", dec, o->threshold);
  const char *keys[5] = {"P(B > A)", "Expected loss, choosing A",
                         "Expected loss, choosing B", "B - A (credible interval)",
                         "Decision"};
  const char *vals[5] = {v[0], v[1], v[2], v[3], v[4]};
  cli_report_parts parts;
  memset(&parts, 0, sizeof parts);
  parts.keys = keys;
  parts.vals = vals;
  parts.nkv = 5;
  parts.charts = ch;
  parts.ncharts = 2;
  parts.res = &r;
  parts.nres = 1;
  int st = cli_report_write_parts(&o->rep, "bayes", argc, argv, &parts);
  causal_chart_free(ch[0]);
  causal_chart_free(ch[1]);
  return st;
}

int cmd_bayes(const char *cmd, int argc, char **argv) {
  (void)cmd;
  opts o;
  memset(&o, 0, sizeof o);
  o.psd = INFINITY;
  o.pshape = -0.5;
  o.level = 0.95;
  o.threshold = 0.95;
  o.max_loss = NAN;
  int done = 0, st = parse(&o, argc, argv, &done);
  if (done || st)
    return st;
  if (o.input) {
    if (o.have_a || o.have_b)
      return usage_err("give --a/--b or --input, not both", "", NULL);
    st = read_arms(&o);
    if (st)
      return st;
  }
  if (!o.have_a || !o.have_b)
    return usage_err("needs both arms:", "--a and --b (or --input)", NULL);
  causal_result *r = NULL;
  int rc = run(&r, &o);
  if (rc != CAUSAL_OK)
    return fail(rc, "bayes");
  const char *dec = decide(r, &o);
  rc = causal_result_set_string(r, "decision", dec);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "threshold", o.threshold);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return fail(rc, "bayes");
  }
  cli_print_warnings(r);
  int status = 0;
  if (o.json)
    status = print_json(r);
  else
    print_text(r, &o, dec);
  if (status == 0 && cli_report_wanted(&o.rep))
    status = write_report(r, &o, argc, argv, dec);
  causal_result_free(r);
  return status;
}
