/* causal sample — posterior draws from the library's Bayesian samplers
 * (include/causal/sampler.h): conjugate Beta-Binomial, Gamma-Poisson and
 * Normal-Inverse-Gamma models and the two-group Gibbs sampler. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: %s sample MODEL [model options] [--draws N] [--chains C]\n"
      "                        [--seed S] [--json] [--draws-out FILE.csv]\n"
      "\n"
      "Posterior draws of a Bayesian model with a summary per parameter:\n"
      "mean, sd, 5/50/95%% quantiles, highest-density interval, R-hat and\n"
      "bulk/tail effective sample sizes (conventions of R's posterior).\n"
      "\n"
      "models:\n"
      "  beta           p ~ Beta(a, b); --successes S --trials N\n"
      "  gamma-poisson  lambda ~ Gamma(shape, rate); --counts-sum Y\n"
      "                 --exposure E\n"
      "  normal         y ~ N(mu, sigma2), Normal-Inverse-Gamma prior;\n"
      "                 --data FILE.csv --column X\n"
      "  gibbs          two groups with unequal variances: mu_a, mu_b,\n"
      "                 sigma2_a, sigma2_b and diff = mu_b - mu_a;\n"
      "                 --data FILE.csv --group G --outcome Y (G has two\n"
      "                 values; a is the lower / first level)\n"
      "\n"
      "options:\n"
      "  --successes S      beta: successes (0 <= S <= trials)\n"
      "  --trials N         beta: trials\n"
      "  --counts-sum Y     gamma-poisson: total count (>= 0)\n"
      "  --exposure E       gamma-poisson: total exposure (> 0)\n"
      "  --prior a,b        beta: Beta(a, b) (default 1,1); gamma-poisson:\n"
      "                     shape,rate (default 1,1)\n"
      "  --data FILE.csv    normal, gibbs: unit-level data\n"
      "  --column X         normal: the outcome column\n"
      "  --group G          gibbs: the two-valued group column\n"
      "  --outcome Y        gibbs: the outcome column\n"
      "  --prior-mean M     normal, gibbs: prior mean of mu (default 0)\n"
      "  --prior-kappa K    normal: prior sample size of mu (default 0.01)\n"
      "  --prior-var V      gibbs: prior variance of each mu (default inf:\n"
      "                     flat)\n"
      "  --prior-shape A    inverse-gamma shape of sigma2 (default 0.01;\n"
      "                     gibbs 0)\n"
      "  --prior-scale B    inverse-gamma scale of sigma2 (default 0.01;\n"
      "                     gibbs 0: with shape 0 the prior 1/sigma2)\n"
      "  --draws N          draws kept per chain (default 1000)\n"
      "  --chains C         chains (default 4)\n"
      "  --warmup W         gibbs: warmup iterations (default 1000)\n"
      "  --seed S           random seed (default 0); same seed, same draws\n"
      "  --hdi P            probability of the HDI (default 0.9)\n"
      "  --draws-out FILE   write the draws as CSV (chain, draw, params)\n"
      "  --json             write the result (summary, draws) as JSON\n"
      CLI_REPORT_HELP
      "                     (posterior density of each parameter)\n"
      "  --help             this text\n"
      "\n"
      "Exit status: 0 done, 1 invalid data or model, 2 usage error,\n"
      "3 unreadable input.\n"
      "\n"
      "examples:\n"
      "  %s sample beta --successes 120 --trials 1000 --prior 1,1\n"
      "  %s sample gamma-poisson --counts-sum 50 --exposure 100 --json\n"
      "  %s sample normal --data data/lalonde.csv --column age\n"
      "  %s sample gibbs --data data/lalonde.csv --group treat --outcome re78\n"
      "  %s sample beta --successes 12 --trials 80 --report sample.html\n",
      prog, prog, prog, prog, prog, prog);
}

enum { M_BETA, M_GAMMA, M_NORMAL, M_GIBBS };

typedef struct opts {
  int model, json, have_prior;
  double succ, trials, count, expo, prior[2], pmean, pkappa, pvar, pshape,
      pscale, hdi;
  int have_pshape, have_pscale;
  int64_t draws, chains, warmup, seed;
  int have_warmup;
  const char *data, *column, *group, *outcome, *draws_out;
  cli_report rep;
} opts;

static int usage_err(const char *msg, const char *a, const char *v) {
  fprintf(stderr, "%s sample: %s %s%s%s%s\n", prog, msg, a, v ? " '" : "",
          v ? v : "", v ? "'" : "");
  fprintf(stderr, "Run '%s sample --help' for usage.\n", prog);
  return EXIT_USAGE;
}

static int parse_pair(const char *s, double *v) {
  char buf[256];
  const char *c = strchr(s, ',');
  if (c == NULL || strlen(s) >= sizeof buf)
    return 0;
  memcpy(buf, s, (size_t)(c - s));
  buf[c - s] = 0;
  return cli_parse_double(buf, &v[0]) && cli_parse_double(c + 1, &v[1]);
}

/* A whole-number option within [lo, hi]. */
static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v) {
  double x;
  if (!cli_parse_double(s, &x) || x != floor(x) || x < (double)lo ||
      x > (double)hi)
    return 0;
  *v = (int64_t)x;
  return 1;
}

static int parse(opts *o, int argc, char **argv, int *done) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      *done = 1;
      return 0;
    }
  if (argc < 1 || !strncmp(argv[0], "--", 2))
    return usage_err("needs a model:", "beta, gamma-poisson, normal or gibbs",
                     NULL);
  static const char *const mn[] = {"beta", "gamma-poisson", "normal", "gibbs"};
  static const int mc[] = {M_BETA, M_GAMMA, M_NORMAL, M_GIBBS};
  o->model = cli_lookup(argv[0], mn, mc, 4);
  if (o->model < 0)
    return usage_err("unknown model (beta, gamma-poisson, normal, gibbs):",
                     "MODEL", argv[0]);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--json")) {
      o->json = 1;
      continue;
    }
    if (cli_report_option(&o->rep, "sample", argc, argv, &i)) {
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
    if (!strcmp(a, "--prior")) {
      if (!parse_pair(v, o->prior))
        return usage_err("needs two numbers a,b:", a, v);
      o->have_prior = 1;
    } else if (!strcmp(a, "--data"))
      o->data = v;
    else if (!strcmp(a, "--column"))
      o->column = v;
    else if (!strcmp(a, "--group"))
      o->group = v;
    else if (!strcmp(a, "--outcome"))
      o->outcome = v;
    else if (!strcmp(a, "--draws-out"))
      o->draws_out = v;
    else if (!strcmp(a, "--draws")) {
      if (!parse_int(v, 2, 100000000, &o->draws))
        return usage_err("needs a whole number >= 2:", a, v);
    } else if (!strcmp(a, "--chains")) {
      if (!parse_int(v, 1, 1024, &o->chains))
        return usage_err("needs a whole number in 1..1024:", a, v);
    } else if (!strcmp(a, "--warmup")) {
      if (!parse_int(v, 0, 100000000, &o->warmup))
        return usage_err("needs a whole number >= 0:", a, v);
      o->have_warmup = 1;
    } else if (!strcmp(a, "--seed")) {
      if (!parse_int(v, -4503599627370496LL, 4503599627370496LL, &o->seed))
        return usage_err("needs a whole number:", a, v);
    } else if (num && !strcmp(a, "--successes"))
      o->succ = x;
    else if (num && !strcmp(a, "--trials"))
      o->trials = x;
    else if (num && !strcmp(a, "--counts-sum"))
      o->count = x;
    else if (num && !strcmp(a, "--exposure"))
      o->expo = x;
    else if (num && !strcmp(a, "--prior-mean"))
      o->pmean = x;
    else if (num && !strcmp(a, "--prior-kappa"))
      o->pkappa = x;
    else if (num && !strcmp(a, "--prior-var"))
      o->pvar = x;
    else if (num && !strcmp(a, "--prior-shape")) {
      o->pshape = x;
      o->have_pshape = 1;
    } else if (num && !strcmp(a, "--prior-scale")) {
      o->pscale = x;
      o->have_pscale = 1;
    } else if (num && !strcmp(a, "--hdi") && x > 0 && x < 1)
      o->hdi = x;
    else
      return usage_err("unknown option or invalid value:", a, v);
  }
  return 0;
}

/* Column `name` of ds as doubles (missing: NaN) in *out; caller frees. */
static int column(const causal_dataset *ds, const char *file, const char *name,
                  double **out, size_t *n) {
  size_t c;
  *out = NULL;
  *n = causal_dataset_nrows(ds);
  if (causal_dataset_col_index(ds, name, &c) != CAUSAL_OK) {
    fprintf(stderr, "%s sample: '%s' has no column '%s'\n", prog, file, name);
    return EXIT_ANALYSIS;
  }
  *out = malloc((*n ? *n : 1) * sizeof **out);
  if (*out == NULL)
    return fail(CAUSAL_ENOMEM, "sample");
  int rc = causal_dataset_col_to_f64(ds, c, *out, *n);
  return rc == CAUSAL_OK ? 0 : fail(rc, "sample");
}

/* Values of y (missing left out) split by the two values of g. */
static int split_groups(const double *g, const double *y, size_t n,
                        const opts *o, double *ya, size_t *na, double *yb,
                        size_t *nb, double lv[2]) {
  int k = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(g[i]))
      continue;
    if (k == 0 || (k == 1 && g[i] != lv[0]))
      lv[k++] = g[i];
    else if (g[i] != lv[0] && g[i] != lv[1]) {
      fprintf(stderr, "%s sample: group column '%s' has more than two values\n",
              prog, o->group);
      return EXIT_ANALYSIS;
    }
  }
  if (k < 2) {
    fprintf(stderr, "%s sample: group column '%s' needs two values\n", prog,
            o->group);
    return EXIT_ANALYSIS;
  }
  if (lv[1] < lv[0]) {
    double t = lv[0];
    lv[0] = lv[1];
    lv[1] = t;
  }
  *na = *nb = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(g[i]) && !isnan(y[i])) {
      if (g[i] == lv[0])
        ya[(*na)++] = y[i];
      else
        yb[(*nb)++] = y[i];
    }
  return 0;
}

static int build_data(causal_sampler **s, const opts *o, char lab[2][128]) {
  if (o->data == NULL)
    return usage_err("needs", "--data FILE.csv", NULL);
  if (o->model == M_NORMAL && o->column == NULL)
    return usage_err("needs", "--column X", NULL);
  if (o->model == M_GIBBS && (o->group == NULL || o->outcome == NULL))
    return usage_err("needs", "--group G and --outcome Y", NULL);
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_file(&ds, o->data, NULL);
  if (rc != CAUSAL_OK)
    return fail(rc, "sample");
  double *y = NULL, *g = NULL, *ya = NULL, *yb = NULL;
  size_t n = 0, na = 0, nb = 0;
  int st = column(ds, o->data, o->model == M_NORMAL ? o->column : o->outcome,
                  &y, &n);
  if (st == 0 && o->model == M_NORMAL) {
    for (size_t i = 0; i < n; i++) /* missing values left out */
      if (!isnan(y[i]))
        y[na++] = y[i];
    rc = causal_sampler_new_normal(
        s, y, na, o->pmean, o->pkappa, o->have_pshape ? o->pshape : 0.01,
        o->have_pscale ? o->pscale : 0.01);
    st = rc == CAUSAL_OK ? 0 : fail(rc, "sample");
  } else if (st == 0) {
    st = column(ds, o->data, o->group, &g, &n);
    ya = malloc((n ? n : 1) * sizeof *ya);
    yb = malloc((n ? n : 1) * sizeof *yb);
    double lv[2];
    if (st == 0 && (ya == NULL || yb == NULL))
      st = fail(CAUSAL_ENOMEM, "sample");
    if (st == 0)
      st = split_groups(g, y, n, o, ya, &na, yb, &nb, lv);
    if (st == 0) {
      size_t c;
      int type = 0;
      causal_dataset_col_index(ds, o->group, &c);
      causal_dataset_col_type(ds, c, &type);
      for (int k = 0; k < 2; k++) {
        const char *l = type == CAUSAL_TYPE_CAT
                            ? causal_dataset_cat_label(ds, c, (size_t)lv[k])
                            : NULL;
        if (l)
          snprintf(lab[k], 128, "%s", l);
        else
          snprintf(lab[k], 128, "%g", lv[k]);
      }
      rc = causal_sampler_new_gibbs_two_group(
          s, ya, na, yb, nb, o->pmean, o->pvar, o->have_pshape ? o->pshape : 0,
          o->have_pscale ? o->pscale : 0);
      st = rc == CAUSAL_OK ? 0 : fail(rc, "sample");
    }
  }
  free(y);
  free(g);
  free(ya);
  free(yb);
  causal_dataset_free(ds);
  return st;
}

static int build(causal_sampler **s, const opts *o, char lab[2][128]) {
  int rc;
  double pa = o->have_prior ? o->prior[0] : 1,
         pb = o->have_prior ? o->prior[1] : 1;
  switch (o->model) {
  case M_BETA:
    if (isnan(o->succ) || isnan(o->trials))
      return usage_err("needs", "--successes S and --trials N", NULL);
    rc = causal_sampler_new_beta_binomial(s, o->succ, o->trials, pa, pb);
    break;
  case M_GAMMA:
    if (isnan(o->count) || isnan(o->expo))
      return usage_err("needs", "--counts-sum Y and --exposure E", NULL);
    rc = causal_sampler_new_gamma_poisson(s, o->count, o->expo, pa, pb);
    break;
  default:
    return build_data(s, o, lab);
  }
  return rc == CAUSAL_OK ? 0 : fail(rc, "sample");
}

static int run(causal_result **r, const opts *o, char lab[2][128]) {
  causal_sampler *s = NULL;
  int st = build(&s, o, lab);
  if (st)
    return st;
  int rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_SEED, o->seed);
  if (rc == CAUSAL_OK)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_CHAINS, o->chains);
  if (rc == CAUSAL_OK)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_SAMPLES, o->draws);
  if (rc == CAUSAL_OK && o->have_warmup && o->model == M_GIBBS)
    rc = causal_sampler_set_int(s, CAUSAL_SAMPLER_WARMUP, o->warmup);
  if (rc == CAUSAL_OK)
    rc = causal_sampler_set_double(s, CAUSAL_SAMPLER_HDI_PROB, o->hdi);
  if (rc == CAUSAL_OK)
    rc = causal_sampler_run(s, r);
  causal_sampler_free(s);
  return rc == CAUSAL_OK ? 0 : fail(rc, "sample");
}

static void print_text(const causal_result *r, const opts *o,
                       char lab[2][128]) {
  static const char *const mname[] = {
      "Beta-Binomial", "Gamma-Poisson", "Normal (Normal-Inverse-Gamma prior)",
      "Two groups, unequal variances (Gibbs)"};
  const double *v;
  size_t p, k;
  printf("Posterior: %s\n", mname[o->model]);
  if (o->model == M_GIBBS)
    printf("groups: a = %s, b = %s (%s)\n", lab[0], lab[1], o->group);
  printf("%g chains x %g draws, seed %g\n", cli_scalar(r, "chains"),
         cli_scalar(r, "samples"), cli_scalar(r, "seed"));
  if (causal_result_get_matrix(r, "summary", &v, &p, &k) != CAUSAL_OK ||
      k < 11)
    return;
  /* columns of "summary": mean sd mcse q5 q50 q95 hdi_low hdi_high rhat
   * ess_bulk ess_tail */
  static const int show[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  static const char *const head[] = {"mean",  "sd",      "mcse",     "q5",
                                     "q50",   "q95",     "hdi_low",  "hdi_high",
                                     "rhat",  "ess_bulk", "ess_tail"};
  printf("%-9s", "");
  for (size_t j = 0; j < 11; j++)
    printf(" %10s", head[j]);
  printf("\n");
  for (size_t i = 0; i < p; i++) {
    const char *name = causal_result_dimname(r, "summary", 0, i);
    printf("%-9s", name ? name : "?");
    for (size_t j = 0; j < 11; j++) {
      char b[32];
      double x = v[(size_t)show[j] * p + i];
      if (j == 8)
        snprintf(b, sizeof b, "%.4f", x);
      else if (j >= 9)
        snprintf(b, sizeof b, "%.0f", x);
      else
        cli_fmt_g(b, sizeof b, x);
      printf(" %10s", b);
    }
    printf("\n");
  }
  printf("HDI: highest-density interval at %g; R-hat and ESS as R's "
         "posterior.\n",
         o->hdi);
  const double *em;
  size_t ne;
  if (causal_result_get_vector(r, "exact_mean", &em, &ne) == CAUSAL_OK &&
      ne == p) {
    printf("exact posterior mean:");
    for (size_t i = 0; i < p; i++)
      printf(" %s %.6g", causal_result_dimname(r, "summary", 0, i), em[i]);
    printf("\n");
  }
}

static int write_draws(const causal_result *r, const char *path) {
  const double *d;
  size_t n, p;
  if (causal_result_get_matrix(r, "draws", &d, &n, &p) != CAUSAL_OK)
    return fail(CAUSAL_EINVAL, "sample");
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "%s sample: cannot write '%s'\n", prog, path);
    return EXIT_INPUT;
  }
  size_t per = (size_t)cli_scalar(r, "samples");
  if (per == 0)
    per = n;
  fprintf(f, "chain,draw");
  for (size_t j = 0; j < p; j++)
    fprintf(f, ",%s", causal_result_dimname(r, "draws", 1, j));
  fprintf(f, "\n");
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "%zu,%zu", i / per + 1, i % per + 1);
    for (size_t j = 0; j < p; j++)
      fprintf(f, ",%.17g", d[j * n + i]);
    fprintf(f, "\n");
  }
  if (fclose(f) != 0) {
    fprintf(stderr, "%s sample: cannot write '%s'\n", prog, path);
    return EXIT_INPUT;
  }
  return 0;
}

/* ---- --report: kernel density of the draws of each parameter ---------- */

enum { GRID = 201 };

/* Gaussian kernel density of x[0..n) at GRID points (Silverman's rule of
 * thumb bandwidth, 1.06 sd n^-1/5), the grid spanning the draws plus three
 * bandwidths either side. */
static void kde(const double *x, size_t n, double *gx, double *gy) {
  double lo = x[0], hi = x[0], m = 0, ss = 0;
  for (size_t i = 0; i < n; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
    m += x[i];
  }
  m /= (double)n;
  for (size_t i = 0; i < n; i++)
    ss += (x[i] - m) * (x[i] - m);
  double sd = sqrt(ss / (double)(n > 1 ? n - 1 : 1));
  double h = 1.06 * sd * pow((double)n, -0.2);
  if (!(h > 0))
    h = fabs(m) > 0 ? 1e-6 * fabs(m) : 1e-6;
  lo -= 3 * h;
  hi += 3 * h;
  double c = 1 / ((double)n * h * 2.5066282746310002 /* sqrt(2 pi) */);
  for (size_t g = 0; g < GRID; g++) {
    gx[g] = lo + (hi - lo) * (double)g / (GRID - 1);
    double s = 0;
    for (size_t i = 0; i < n; i++) {
      double z = (gx[g] - x[i]) / h;
      if (z > -8 && z < 8)
        s += exp(-0.5 * z * z);
    }
    gy[g] = s * c;
  }
}

/* One DENSITY chart with the parameters idx[0..k) of the draws. */
static int chart_params(causal_chart **ch, const causal_result *r,
                        const size_t *idx, size_t k, const char *title,
                        const char *xlabel, const char *const *names) {
  const double *d, *sm;
  size_t n, p, sp, sk;
  double gx[GRID], gy[GRID];
  int rc = causal_result_get_matrix(r, "draws", &d, &n, &p);
  if (rc == CAUSAL_OK)
    rc = causal_chart_new(ch, CAUSAL_CHART_DENSITY, title);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*ch, xlabel, "Density");
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    kde(d + idx[j] * n, n, gx, gy);
    const char *nm = names ? names[j]
                           : causal_result_dimname(r, "draws", 1, idx[j]);
    rc = causal_chart_add_line(*ch, nm, gx, gy, GRID, CAUSAL_CHART_FILL);
  }
  if (rc == CAUSAL_OK && k == 1 &&
      causal_result_get_matrix(r, "summary", &sm, &sp, &sk) == CAUSAL_OK &&
      sk >= 8) {
    char cap[160];
    snprintf(cap, sizeof cap,
             "Kernel density of %zu draws; posterior mean %.4g, HDI "
             "[%.4g, %.4g].",
             n, sm[idx[0]], sm[6 * sp + idx[0]], sm[7 * sp + idx[0]]);
    rc = causal_chart_set_caption(*ch, cap);
  }
  return rc;
}

static int density_charts(causal_chart **ch, size_t *nch,
                          const causal_result *r, const opts *o,
                          char lab[2][128]) {
  static const size_t one[] = {0}, two[] = {0, 1}, mus[] = {0, 1},
                      vars[] = {2, 3}, diff[] = {4};
  int rc;
  char n0[160], n1[160], v0[160], v1[160];
  *nch = 0;
  switch (o->model) {
  case M_BETA:
    rc = chart_params(&ch[0], r, one, 1, "Posterior of p", "p", NULL);
    *nch = 1;
    return rc;
  case M_GAMMA:
    rc = chart_params(&ch[0], r, one, 1, "Posterior of lambda", "Rate", NULL);
    *nch = 1;
    return rc;
  case M_NORMAL:
    rc = chart_params(&ch[0], r, one, 1, "Posterior of mu", o->column, NULL);
    if (rc == CAUSAL_OK)
      rc = chart_params(&ch[1], r, two + 1, 1, "Posterior of sigma2",
                        "Variance", NULL);
    *nch = 2;
    return rc;
  default: {
    snprintf(n0, sizeof n0, "mu_a (%s = %s)", o->group, lab[0]);
    snprintf(n1, sizeof n1, "mu_b (%s = %s)", o->group, lab[1]);
    snprintf(v0, sizeof v0, "sigma2_a (%s = %s)", o->group, lab[0]);
    snprintf(v1, sizeof v1, "sigma2_b (%s = %s)", o->group, lab[1]);
    const char *mn[2] = {n0, n1}, *vn[2] = {v0, v1};
    *nch = 3;
    rc = chart_params(&ch[0], r, mus, 2, "Posterior of each group mean",
                      o->outcome, mn);
    if (rc == CAUSAL_OK)
      rc = chart_params(&ch[1], r, diff, 1,
                        "Posterior of the difference mu_b - mu_a",
                        "mu_b - mu_a", NULL);
    if (rc == CAUSAL_OK)
      rc = causal_chart_add_refline(ch[1], CAUSAL_CHART_AXIS_X, 0.0,
                                    "no difference");
    if (rc == CAUSAL_OK)
      rc = chart_params(&ch[2], r, vars, 2, "Posterior of each group variance",
                        "Variance", vn);
    return rc;
  }
  }
}

static int write_report(const causal_result *r, const opts *o, int argc,
                        char **argv, char lab[2][128]) {
  causal_chart *ch[3] = {NULL, NULL, NULL};
  size_t nch = 0;
  if (density_charts(ch, &nch, r, o, lab) != CAUSAL_OK) {
    for (size_t i = 0; i < 3; i++) /* the report still has the tables */
      causal_chart_free(ch[i]);
    memset(ch, 0, sizeof ch);
    nch = 0;
  }
  const char *model = "";
  causal_result_get_string(r, "model", &model);
  char v[2][64];
  snprintf(v[0], sizeof v[0], "%s", model);
  snprintf(v[1], sizeof v[1], "%g chains x %g draws, seed %g",
           cli_scalar(r, "chains"), cli_scalar(r, "samples"),
           cli_scalar(r, "seed"));
  const char *keys[2] = {"Model", "Draws"};
  const char *vals[2] = {v[0], v[1]};
  cli_report_parts parts;
  memset(&parts, 0, sizeof parts);
  parts.keys = keys;
  parts.vals = vals;
  parts.nkv = 2;
  parts.charts = ch;
  parts.ncharts = nch;
  parts.res = &r;
  parts.nres = 1;
  parts.max_vector = 50; /* the draws stay out of the tables */
  int st = cli_report_write_parts(&o->rep, "sample", argc, argv, &parts);
  for (size_t i = 0; i < 3; i++)
    causal_chart_free(ch[i]);
  return st;
}

int cmd_sample(const char *cmd, int argc, char **argv) {
  (void)cmd;
  opts o;
  memset(&o, 0, sizeof o);
  o.succ = o.trials = o.count = o.expo = NAN;
  o.pkappa = 0.01;
  o.pvar = INFINITY;
  o.hdi = 0.9;
  o.draws = 1000;
  o.chains = 4;
  int done = 0, st = parse(&o, argc, argv, &done);
  if (done || st)
    return st;
  char lab[2][128] = {"", ""};
  causal_result *r = NULL;
  st = run(&r, &o, lab);
  if (st)
    return st;
  cli_print_warnings(r);
  if (o.json)
    st = print_json(r);
  else
    print_text(r, &o, lab);
  if (st == 0 && o.draws_out)
    st = write_draws(r, o.draws_out);
  if (st == 0 && cli_report_wanted(&o.rep))
    st = write_report(r, &o, argc, argv, lab);
  causal_result_free(r);
  return st;
}
