/* causal fuse — fuse a randomized estimate with observational ones
 * (include/causal/fusion.h; formulas in docs/methods/fusion.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FUSE_MAX = 1000 };

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: %s fuse (--rct EST,SE --obs EST,SE [--obs ...] | --csv "
      "FILE) [options]\n"
      "       %s fuse --data FILE --outcome Y --treatment A --source S\n"
      "            [--covariates X1,X2] [--stratum COL] [options]\n"
      "       %s fuse transport --data FILE --outcome Y --treatment A\n"
      "            --source S --covariates X1,X2 [--method ipsw|aipsw]\n"
      "       %s fuse surrogate --data FILE --long-outcome Y --treatment A\n"
      "            --source S --surrogates S1,S2 [--covariates X1,X2]\n"
      "       %s fuse strata --csv FILE [--method kappa1|kappa2|\n"
      "            green-strawderman|eb-double]\n"
      "Fuse a randomized estimate with observational estimates.\n"
      "estimate level:\n"
      "  --rct EST,SE     the randomized estimate and its standard error\n"
      "  --obs EST,SE     an observational estimate (repeatable)\n"
      "  --csv FILE       sources from a CSV with columns estimate,\n"
      "                   std_error and rct (1 on the randomized row)\n"
      "  --method M       ivw (default), dl, reml, power-prior,\n"
      "                   test-then-pool, mse, mixture\n"
      "  --conf-level X   interval level (0.95)\n"
      "  --bias-var X     power-prior: assumed bias variance (0)\n"
      "  --pretest-alpha X  test-then-pool level (0.05)\n"
      "  --mix-weight X --mix-sd X   mixture: vague weight (0.2), sd\n"
      "  --json           the full result as JSON\n"
      "  --report FILE    also write an HTML report (forest plot, fused\n"
      "                   estimate by assumed bias SD)\n"
      "  --markdown FILE  also write the report as Markdown\n"
      "data level (--data: unit rows of a randomized and an observational\n"
      "sample; the RCT and observational estimates are then fused):\n"
      "  --data FILE      CSV with one row per unit\n"
      "  --outcome COL    outcome\n"
      "  --treatment COL  0/1 treatment\n"
      "  --source COL     0/1 sample: 1 = randomized, 0 = observational\n"
      "  --covariates L   comma-separated covariate terms (observational\n"
      "                   adjustment; transport: sampling model)\n"
      "  --obs-estimator E  regression (default), ipw, aipw\n"
      "  --stratum COL    also fuse per stratum, with kappa1+/kappa2+\n"
      "                   shrinkage of the stratum RCT estimates\n"
      "  --rct-adjust     regression-adjusted RCT estimate\n"
      "  --vcov V         HC0, HC1, HC2 (default), HC3\n"
      "  --method M       as above; --conf-level, --json, --report (forest\n"
      "                   plot of RCT, observational, fused), --markdown\n"
      "transport: the trial (source = 1) effect transported to the source\n"
      "= 0 population (its outcome and treatment may be NA):\n"
      "  --method M       ipsw (default) or aipsw; other flags as --data\n"
      "surrogate: surrogate index, the long-term outcome observed in the\n"
      "source = 0 rows only, the treatment in the source = 1 rows:\n"
      "  --long-outcome COL  the long-term outcome\n"
      "  --surrogates L   comma-separated surrogate columns\n"
      "strata: shrink per-stratum RCT estimates toward observational ones:\n"
      "  --csv FILE       columns rct_estimate, rct_std_error,\n"
      "                   obs_estimate [, obs_std_error: eb-double]\n"
      "  --method M       kappa1 (default), kappa2, green-strawderman,\n"
      "                   eb-double\n"
      "examples:\n"
      "  %s fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092\n"
      "  %s fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 --method "
      "mixture --json\n"
      "  %s fuse --csv sources.csv --method reml\n"
      "  %s fuse --data tests/data/fusion_data.csv --outcome y \\\n"
      "      --treatment a --source source --covariates x --stratum stratum\n"
      "  %s fuse --data tests/data/fusion_data.csv --outcome y \\\n"
      "      --treatment a --source source --covariates x --obs-estimator "
      "aipw\n"
      "  %s fuse transport --data tests/data/fusion_transport.csv \\\n"
      "      --outcome y --treatment a --source source --covariates x \\\n"
      "      --method aipsw\n"
      "  %s fuse surrogate --data tests/data/fusion_surrogate.csv \\\n"
      "      --long-outcome ylong --treatment a --source source \\\n"
      "      --surrogates s1,s2 --covariates x\n"
      "  %s fuse strata --csv examples/fusion_strata.csv --method "
      "eb-double\n",
      prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog,
      prog);
}

static const char *const MNAMES[] = {"ivw",  "dl",  "reml",   "power-prior",
                                     "test-then-pool", "mse", "mixture"};
static const int MCODES[] = {CAUSAL_FUSION_IVW,
                             CAUSAL_FUSION_DL,
                             CAUSAL_FUSION_REML,
                             CAUSAL_FUSION_POWER_PRIOR,
                             CAUSAL_FUSION_TEST_THEN_POOL,
                             CAUSAL_FUSION_MSE,
                             CAUSAL_FUSION_MIXTURE};

static int parse_pair(const char *v, double *e, double *s) {
  const char *comma = strchr(v, ',');
  if (comma == NULL || (size_t)(comma - v) >= 64)
    return 0;
  char a[64];
  memcpy(a, v, (size_t)(comma - v));
  a[comma - v] = '\0';
  return cli_parse_double(a, e) && cli_parse_double(comma + 1, s);
}

/* Sources from a CSV: estimate, std_error, rct. */
static int read_sources(const char *path, double *est, double *se,
                        size_t *k, int *rct) {
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_file(&ds, path, NULL);
  if (rc != CAUSAL_OK)
    return fail(rc, "fuse");
  size_t n = causal_dataset_nrows(ds), ce = 0, cs = 0, cr = 0;
  int has_rct = 0;
  rc = causal_dataset_col_index(ds, "estimate", &ce);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_index(ds, "std_error", &cs);
  if (rc == CAUSAL_OK && causal_dataset_col_index(ds, "rct", &cr) == 0)
    has_rct = 1;
  if (rc == CAUSAL_OK && n > FUSE_MAX) {
    fprintf(stderr, "%s fuse: %s has %zu rows (at most %d)\n", prog, path, n,
            FUSE_MAX);
    causal_dataset_free(ds);
    return EXIT_USAGE;
  }
  double *tmp = rc == CAUSAL_OK ? calloc(n ? n : 1, sizeof(double)) : NULL;
  if (rc == CAUSAL_OK && tmp == NULL)
    rc = CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_to_f64(ds, ce, est, n);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_col_to_f64(ds, cs, se, n);
  *rct = 0;
  if (rc == CAUSAL_OK && has_rct) {
    rc = causal_dataset_col_to_f64(ds, cr, tmp, n);
    int found = 0;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
      if (tmp[i] == 1) {
        *rct = (int)i;
        found++;
      }
    if (rc == CAUSAL_OK && found != 1) {
      fprintf(stderr, "%s fuse: column 'rct' must mark exactly one row with "
                      "1 (found %d)\n",
              prog, found);
      free(tmp);
      causal_dataset_free(ds);
      return EXIT_ANALYSIS;
    }
  }
  free(tmp);
  causal_dataset_free(ds);
  if (rc != CAUSAL_OK)
    return fail(rc, "fuse");
  *k = n;
  return 0;
}

/* --report: forest plot of the sources, the observational pool and the
 * fused estimate. */
static int fuse_forest(causal_chart **out, const causal_result *r,
                       const double *est, const double *se, size_t k,
                       int rct) {
  enum { MAXROW = 22 }; /* beyond that: the pool and the fusion only */
  const char *lab[MAXROW + 3];
  char names[MAXROW][32];
  double e[3 * (MAXROW + 3)], *lo = e + MAXROW + 3, *hi = e + 2 * (MAXROW + 3);
  double fe = cli_scalar(r, "estimate");
  double z = (cli_scalar(r, "conf_high") - fe) / cli_scalar(r, "std_error");
  if (!isfinite(z) || z <= 0)
    z = 1.959963984540054;
  size_t m = 0, nobs = 0;
  for (size_t i = 0; i < k; i++) {
    if (k > MAXROW && (int)i != rct)
      continue;
    if ((int)i == rct)
      snprintf(names[m], sizeof names[m], "Randomized (RCT)");
    else if (k == 2)
      snprintf(names[m], sizeof names[m], "Observational");
    else
      snprintf(names[m], sizeof names[m], "Observational %zu", ++nobs);
    lab[m] = names[m];
    e[m] = est[i];
    lo[m] = est[i] - z * se[i];
    hi[m] = est[i] + z * se[i];
    m++;
  }
  double oe = cli_scalar(r, "obs_estimate"), os = cli_scalar(r, "obs_std_error");
  if ((k > 2 || k > MAXROW) && isfinite(oe) && isfinite(os)) {
    lab[m] = "Observational (pooled)";
    e[m] = oe;
    lo[m] = oe - z * os;
    hi[m] = oe + z * os;
    m++;
  }
  const char *meth = "fused";
  causal_result_get_string(r, "method", &meth);
  char fl[64];
  snprintf(fl, sizeof fl, "Fused (%s)", meth);
  lab[m] = fl;
  e[m] = fe;
  lo[m] = cli_scalar(r, "conf_low");
  hi[m] = cli_scalar(r, "conf_high");
  m++;
  /* two series, so the fused row stands out: the inputs, then the fusion
   * (NaN rows are left empty) */
  double v[6 * (MAXROW + 3)];
  for (size_t i = 0; i < m; i++)
    for (int c = 0; c < 3; c++) {
      double x = c == 0 ? e[i] : c == 1 ? lo[i] : hi[i];
      v[c * m + i] = i + 1 < m ? x : NAN;
      v[(3 + c) * m + i] = i + 1 < m ? NAN : x;
    }
  int rc = causal_chart_new(out, CAUSAL_CHART_FOREST,
                            "Randomized, observational and fused estimates");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_rows(*out, lab, m);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_intervals(*out, "Input estimates", v, v + m,
                                        v + 2 * m, m);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_intervals(*out, "Fused estimate", v + 3 * m,
                                        v + 4 * m, v + 5 * m, m);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_X, 0.0, NULL);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "Effect", NULL);
  return rc;
}

/* --report: the power-prior fused estimate and interval over a grid of
 * assumed bias SDs (0 = pooling everything, large = the RCT alone). */
static int fuse_curve(causal_chart **out, const causal_fusion *f,
                      const causal_result *r, const double *est,
                      const double *se, size_t k, double bias_var) {
  enum { G = 61 };
  double sd[G], bv[G];
  double top = 3 * fmax(cli_scalar(r, "rct_std_error"),
                        fabs(cli_scalar(r, "bias_difference")));
  if (isfinite(bias_var) && bias_var > 0)
    top = fmax(top, 1.25 * sqrt(bias_var));
  if (!isfinite(top) || top <= 0)
    return CAUSAL_EINVAL;
  for (int i = 0; i < G; i++) {
    sd[i] = top * i / (G - 1);
    bv[i] = sd[i] * sd[i];
  }
  causal_result *c = NULL;
  const double *fe = NULL, *lo = NULL, *hi = NULL;
  size_t n = 0;
  int rc = causal_fusion_curve(&c, f, est, se, k, NULL, bv, G);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(c, "estimate", &fe, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(c, "conf_low", &lo, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(c, "conf_high", &hi, &n);
  if (rc == CAUSAL_OK)
    rc = causal_chart_new(out, CAUSAL_CHART_LINE,
                          "Fused estimate by assumed bias SD (power prior)");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "Assumed SD of the observational bias",
                                 "Effect");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(*out, "Fused estimate", sd, fe, G, 0);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(*out, "Confidence interval", sd, lo, G,
                               CAUSAL_CHART_DASHED);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(*out, "", sd, hi, G, CAUSAL_CHART_DASHED);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_Y,
                                  cli_scalar(r, "rct_estimate"), "RCT");
  if (rc == CAUSAL_OK && isfinite(bias_var) && bias_var > 0)
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_X, sqrt(bias_var),
                                  "assumed");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(
        *out, "Observational variances inflated by SD^2: SD = 0 pools all "
              "sources (IVW), a large SD leaves the RCT alone.");
  causal_result_free(c);
  return rc;
}

static int fuse_data(int mode, int argc, char **argv);
static int fuse_strata(int argc, char **argv);

int cmd_fuse(const char *cmd, int argc, char **argv) {
  (void)cmd;
  if (argc > 0 && !strcmp(argv[0], "transport"))
    return fuse_data(1, argc - 1, argv + 1);
  if (argc > 0 && !strcmp(argv[0], "surrogate"))
    return fuse_data(2, argc - 1, argv + 1);
  if (argc > 0 && !strcmp(argv[0], "strata"))
    return fuse_strata(argc - 1, argv + 1);
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--data"))
      return fuse_data(0, argc, argv);
  static double est[FUSE_MAX], se[FUSE_MAX];
  size_t k = 1; /* slot 0 is the RCT on the command line */
  int have_rct = 0, json = 0, method = CAUSAL_FUSION_IVW, rct = 0;
  const char *csv = NULL;
  int dkeys[8];
  double dvals[8], bias_var = NAN;
  int nd = 0;
  cli_report rep = {NULL, NULL, 0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    }
    if (cli_report_option(&rep, "fuse", argc, argv, &i)) {
      if (rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s fuse: option %s needs a value\n", prog, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--rct") || !strcmp(a, "--obs")) {
      double e, s;
      if (!parse_pair(v, &e, &s)) {
        fprintf(stderr, "%s fuse: %s '%s' is not EST,SE\n", prog, a, v);
        return EXIT_USAGE;
      }
      size_t slot = a[2] == 'r' ? 0 : k;
      if (slot == 0 && have_rct) {
        fprintf(stderr, "%s fuse: --rct given twice\n", prog);
        return EXIT_USAGE;
      }
      if (slot >= FUSE_MAX) {
        fprintf(stderr, "%s fuse: too many --obs (at most %d)\n", prog,
                FUSE_MAX - 1);
        return EXIT_USAGE;
      }
      est[slot] = e;
      se[slot] = s;
      if (slot == 0)
        have_rct = 1;
      else
        k++;
      continue;
    }
    if (!strcmp(a, "--csv")) {
      csv = v;
      continue;
    }
    if (!strcmp(a, "--method")) {
      method = cli_lookup(v, MNAMES, MCODES, sizeof MCODES / sizeof MCODES[0]);
      if (method < 0) {
        fprintf(stderr, "%s fuse: unknown method '%s' (see --help)\n", prog,
                v);
        return EXIT_USAGE;
      }
      continue;
    }
    static const struct {
      const char *opt;
      int key;
    } REALS[] = {{"--conf-level", CAUSAL_FUSION_CONF_LEVEL},
                 {"--bias-var", CAUSAL_FUSION_BIAS_VAR},
                 {"--pretest-alpha", CAUSAL_FUSION_PRETEST_ALPHA},
                 {"--mix-weight", CAUSAL_FUSION_MIX_WEIGHT},
                 {"--mix-sd", CAUSAL_FUSION_MIX_SD}};
    int found = 0;
    for (size_t j = 0; j < sizeof REALS / sizeof REALS[0]; j++) {
      if (strcmp(a, REALS[j].opt))
        continue;
      if (!cli_parse_double(v, &dvals[nd])) {
        fprintf(stderr, "%s fuse: %s '%s' is not a number\n", prog, a, v);
        return EXIT_USAGE;
      }
      if (REALS[j].key == CAUSAL_FUSION_BIAS_VAR)
        bias_var = dvals[nd];
      dkeys[nd++] = REALS[j].key;
      found = 1;
    }
    if (!found || nd >= 8) {
      fprintf(stderr, "%s fuse: unknown option %s\n", prog, a);
      return EXIT_USAGE;
    }
  }
  if (csv != NULL) {
    if (have_rct || k > 1) {
      fprintf(stderr, "%s fuse: give either --csv or --rct/--obs\n", prog);
      return EXIT_USAGE;
    }
    int ex = read_sources(csv, est, se, &k, &rct);
    if (ex)
      return ex;
  } else if (!have_rct || k < 2) {
    fprintf(stderr,
            "%s fuse: give --rct EST,SE and at least one --obs EST,SE (or "
            "--csv)\n",
            prog);
    return EXIT_USAGE;
  }
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  int rc = causal_fusion_new(&f, method);
  if (rc == 0)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_RCT, rct);
  for (int j = 0; rc == 0 && j < nd; j++)
    rc = causal_fusion_set_double(f, dkeys[j], dvals[j]);
  if (rc == 0)
    rc = causal_fusion_estimates(&r, f, est, se, k, NULL);
  if (rc != 0) {
    causal_fusion_free(f);
    return fail(rc, "fuse");
  }
  int ex = 0;
  if (json) {
    ex = print_json(r);
  } else {
    const char *m = "";
    causal_result_get_string(r, "method", &m);
    printf("method: %s (%zu sources)\n", m, k);
    printf("estimate         %.6g\n", cli_scalar(r, "estimate"));
    printf("std. error       %.6g\n", cli_scalar(r, "std_error"));
    printf("%g%% interval     [%.6g, %.6g]\n",
           100 * cli_scalar(r, "conf_level"), cli_scalar(r, "conf_low"),
           cli_scalar(r, "conf_high"));
    printf("RCT weight       %.4f\n", cli_scalar(r, "rct_weight"));
    printf("efficiency gain  %.1f%% (Var RCT / Var fused - 1)\n",
           100 * cli_scalar(r, "efficiency_gain"));
    printf("bias diagnostic  obs - RCT = %.6g, z = %.4g, p = %.4g\n",
           cli_scalar(r, "bias_difference"), cli_scalar(r, "bias_statistic"),
           cli_scalar(r, "bias_p_value"));
    if (!isnan(cli_scalar(r, "tau2")))
      printf("tau^2            %.6g  (I^2 = %.2f%%)\n", cli_scalar(r, "tau2"),
             cli_scalar(r, "i2"));
    cli_print_warnings(r);
  }
  if (ex == 0 && cli_report_wanted(&rep)) {
    causal_chart *ch[2] = {NULL, NULL};
    if (fuse_forest(&ch[0], r, est, se, k, rct) != CAUSAL_OK) {
      causal_chart_free(ch[0]);
      ch[0] = NULL;
    }
    if (fuse_curve(&ch[1], f, r, est, se, k, bias_var) != CAUSAL_OK) {
      causal_chart_free(ch[1]);
      ch[1] = NULL;
    }
    ex = cli_report_write(&rep, "fuse", argc, argv, r, ch, 2);
    causal_chart_free(ch[0]);
    causal_chart_free(ch[1]);
  }
  causal_fusion_free(f);
  causal_result_free(r);
  return ex;
}

/* ---- data level: fit (mode 0), transport (1), surrogate index (2) ---- */

static const char *const MODES[] = {"fuse", "fuse transport",
                                    "fuse surrogate"};

typedef struct {
  causal_fusion *f;
  int surrogate; /* items are surrogates, not terms */
} fuse_items;

static int fuse_item(void *ctx, const char *item) {
  fuse_items *c = ctx;
  return c->surrogate ? causal_fusion_add_surrogate(c->f, item)
                      : causal_fusion_add_term(c->f, item);
}

static void print_row(const char *name, const causal_result *r,
                      const char *est, const char *se) {
  double e = cli_scalar(r, est), s = cli_scalar(r, se);
  if (isfinite(e) && isfinite(s))
    printf("%-16s %12.6g  (SE %.6g)\n", name, e, s);
  else if (isfinite(e))
    printf("%-16s %12.6g\n", name, e);
}

static void print_data_text(int mode, const causal_result *r) {
  const char *m = "";
  causal_result_get_string(r, "method", &m);
  if (mode == 0) {
    const char *oe = "";
    causal_result_get_string(r, "obs_estimator", &oe);
    printf("method: %s; observational estimator: %s (n RCT %.0f, n obs "
           "%.0f)\n",
           m, oe, cli_scalar(r, "n_rct"), cli_scalar(r, "n_obs"));
    print_row("RCT", r, "rct_estimate", "rct_std_error");
    print_row("observational", r, "obs_estimate", "obs_std_error");
  } else if (mode == 1) {
    printf("transport: %s (n trial %.0f, n target %.0f, effective trial "
           "size %.1f)\n",
           m, cli_scalar(r, "n_trial"), cli_scalar(r, "n_target"),
           cli_scalar(r, "effective_trial_size"));
    print_row("trial (DiM)", r, "rct_estimate", "rct_std_error");
    print_row("IPSW", r, "ipsw_estimate", "ipsw_std_error");
    print_row("AIPSW", r, "aipsw_estimate", "aipsw_std_error");
  } else {
    printf("surrogate index (n experiment %.0f, n observational %.0f, "
           "first-stage R^2 %.4f)\n",
           cli_scalar(r, "n_experiment"), cli_scalar(r, "n_observational"),
           cli_scalar(r, "surrogate_r_squared"));
    printf("std. error (first stage ignored) %.6g\n",
           cli_scalar(r, "std_error_naive"));
  }
  printf("estimate         %.6g\n", cli_scalar(r, "estimate"));
  printf("std. error       %.6g\n", cli_scalar(r, "std_error"));
  double lev = cli_scalar(r, "conf_level");
  printf("%g%% interval     [%.6g, %.6g]\n", isfinite(lev) ? 100 * lev : 95,
         cli_scalar(r, "conf_low"), cli_scalar(r, "conf_high"));
  printf("p-value          %.4g\n", cli_scalar(r, "p_value"));
  if (mode == 0) {
    printf("RCT weight       %.4f\n", cli_scalar(r, "rct_weight"));
    printf("bias diagnostic  obs - RCT = %.6g, z = %.4g, p = %.4g\n",
           cli_scalar(r, "bias_difference"), cli_scalar(r, "bias_statistic"),
           cli_scalar(r, "bias_p_value"));
    const double *tab = NULL;
    size_t nr = 0, nc = 0;
    if (causal_result_get_matrix(r, "strata", &tab, &nr, &nc) == CAUSAL_OK &&
        nc >= 2) {
      const double *k1 = NULL, *k2 = NULL;
      size_t n1 = 0, n2 = 0;
      causal_result_get_vector(r, "stratum_kappa1", &k1, &n1);
      causal_result_get_vector(r, "stratum_kappa2", &k2, &n2);
      printf("per stratum      fused  (SE)  kappa1+  kappa2+ (shrinkage "
             "across strata)\n");
      for (size_t l = 0; l < nr; l++) {
        const char *lab = causal_result_dimname(r, "strata", 0, l);
        printf("  %-14s %12.6g  (%.6g)  %.6g  %.6g\n", lab ? lab : "",
               tab[l], tab[l + nr], n1 == nr ? k1[l] : NAN,
               n2 == nr ? k2[l] : NAN);
      }
    }
  }
}

static int fuse_data(int mode, int argc, char **argv) {
  const char *cmd = MODES[mode];
  const char *data = NULL, *outcome = NULL, *treatment = NULL, *source = NULL;
  const char *covs = NULL, *surr = NULL, *stratum = NULL;
  int json = 0, method = mode == 1 ? CAUSAL_FUSION_IPSW : CAUSAL_FUSION_IVW;
  int obs_est = CAUSAL_FUSION_OBS_REGRESSION, vcov = -1, adjust = 0;
  double conf = NAN;
  cli_report rep = {NULL, NULL, 0};
  static const char *const TNAMES[] = {"ipsw", "aipsw"};
  static const int TCODES[] = {CAUSAL_FUSION_IPSW, CAUSAL_FUSION_AIPSW};
  static const char *const ONAMES[] = {"regression", "ipw", "aipw"};
  static const int OCODES[] = {CAUSAL_FUSION_OBS_REGRESSION,
                               CAUSAL_FUSION_OBS_IPW, CAUSAL_FUSION_OBS_AIPW};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    }
    if (mode == 0 && !strcmp(a, "--rct-adjust")) {
      adjust = 1;
      continue;
    }
    if (cli_report_option(&rep, cmd, argc, argv, &i)) {
      if (rep.bad)
        return EXIT_USAGE;
      continue;
    }
    int known = !strcmp(a, "--data") || !strcmp(a, "--treatment") ||
                !strcmp(a, "--source") || !strcmp(a, "--covariates") ||
                !strcmp(a, "--method") || !strcmp(a, "--vcov") ||
                !strcmp(a, "--conf-level") ||
                (mode != 2 && !strcmp(a, "--outcome")) ||
                (mode == 2 && !strcmp(a, "--long-outcome")) ||
                (mode == 2 && !strcmp(a, "--surrogates")) ||
                (mode == 0 && !strcmp(a, "--stratum")) ||
                (mode == 0 && !strcmp(a, "--obs-estimator"));
    if (!known || (mode == 2 && !strcmp(a, "--method"))) {
      fprintf(stderr, "%s %s: unknown option %s\n", prog, cmd, a);
      return EXIT_USAGE;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s %s: option %s needs a value\n", prog, cmd, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--data"))
      data = v;
    else if (!strcmp(a, "--outcome") || !strcmp(a, "--long-outcome"))
      outcome = v;
    else if (!strcmp(a, "--treatment"))
      treatment = v;
    else if (!strcmp(a, "--source"))
      source = v;
    else if (!strcmp(a, "--covariates"))
      covs = v;
    else if (!strcmp(a, "--surrogates"))
      surr = v;
    else if (!strcmp(a, "--stratum"))
      stratum = v;
    else if (!strcmp(a, "--method") || !strcmp(a, "--obs-estimator") ||
             !strcmp(a, "--vcov")) {
      int c = !strcmp(a, "--vcov") ? cli_vcov_code(v)
              : a[2] == 'o'        ? cli_lookup(v, ONAMES, OCODES, 3)
              : mode == 1          ? cli_lookup(v, TNAMES, TCODES, 2)
                                   : cli_lookup(v, MNAMES, MCODES, 7);
      if (c < 0) {
        fprintf(stderr, "%s %s: unknown %s '%s' (see --help)\n", prog, cmd,
                a + 2, v);
        return EXIT_USAGE;
      }
      if (!strcmp(a, "--vcov"))
        vcov = c;
      else if (a[2] == 'o')
        obs_est = c;
      else
        method = c;
    } else if (!cli_parse_double(v, &conf)) {
      fprintf(stderr, "%s %s: %s '%s' is not a number\n", prog, cmd, a, v);
      return EXIT_USAGE;
    }
  }
  if (data == NULL || outcome == NULL || treatment == NULL ||
      source == NULL || (mode == 2 && surr == NULL)) {
    fprintf(stderr,
            "%s %s: give --data, --%s, --treatment and --source%s\n", prog,
            cmd, mode == 2 ? "long-outcome" : "outcome",
            mode == 2 ? " and --surrogates" : "");
    return EXIT_USAGE;
  }
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_file(&ds, data, NULL);
  if (rc != CAUSAL_OK)
    return fail(rc, cmd);
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  rc = causal_fusion_new(&f, mode == 0 ? method : CAUSAL_FUSION_IVW);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_outcome(f, outcome);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_treatment(f, treatment);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_set_source(f, source);
  if (rc == CAUSAL_OK && stratum != NULL)
    rc = causal_fusion_set_stratum(f, stratum);
  fuse_items it = {f, 0};
  if (rc == CAUSAL_OK && covs != NULL)
    rc = cli_each_item(covs, 1, fuse_item, &it);
  it.surrogate = 1;
  if (rc == CAUSAL_OK && surr != NULL)
    rc = cli_each_item(surr, 1, fuse_item, &it);
  if (rc == CAUSAL_OK && mode == 0)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_OBS_ESTIMATOR, obs_est);
  if (rc == CAUSAL_OK && mode == 0 && adjust)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_RCT_ADJUST, 1);
  if (rc == CAUSAL_OK && mode == 1)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_TRANSPORT, method);
  if (rc == CAUSAL_OK && vcov >= 0)
    rc = causal_fusion_set_int(f, CAUSAL_FUSION_VCOV, vcov);
  if (rc == CAUSAL_OK && !isnan(conf))
    rc = causal_fusion_set_double(f, CAUSAL_FUSION_CONF_LEVEL, conf);
  if (rc == CAUSAL_OK)
    rc = mode == 0   ? causal_fusion_fit(&r, f, ds)
         : mode == 1 ? causal_fusion_transport(&r, f, ds)
                     : causal_fusion_surrogate(&r, f, ds);
  causal_dataset_free(ds);
  if (rc != CAUSAL_OK) {
    causal_fusion_free(f);
    return fail(rc, cmd);
  }
  int ex = 0;
  if (json) {
    ex = print_json(r);
  } else {
    print_data_text(mode, r);
    cli_print_warnings(r);
  }
  if (ex == 0 && cli_report_wanted(&rep)) {
    causal_chart *ch = NULL;
    if (mode == 0) {
      /* the forest plot of the estimate level: RCT, observational, fused */
      double e2[2] = {cli_scalar(r, "rct_estimate"),
                      cli_scalar(r, "obs_estimate")};
      double s2[2] = {cli_scalar(r, "rct_std_error"),
                      cli_scalar(r, "obs_std_error")};
      if (fuse_forest(&ch, r, e2, s2, 2, 0) != CAUSAL_OK) {
        causal_chart_free(ch);
        ch = NULL;
      }
    }
    ex = cli_report_write(&rep, cmd, argc, argv, r, &ch, 1);
    causal_chart_free(ch);
  }
  causal_fusion_free(f);
  causal_result_free(r);
  return ex;
}

/* ---- shrinkage across strata (causal_fusion_strata) from a CSV ---- */

static int read_strata(const char *path, double **cols, size_t *K,
                       int *has_ose) {
  static const char *const NAMES[] = {"rct_estimate", "rct_std_error",
                                      "obs_estimate", "obs_std_error"};
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_file(&ds, path, NULL);
  if (rc != CAUSAL_OK)
    return fail(rc, "fuse strata");
  size_t n = causal_dataset_nrows(ds);
  *has_ose = 0;
  for (int c = 0; rc == CAUSAL_OK && c < 4; c++) {
    size_t ci = 0;
    if (causal_dataset_col_index(ds, NAMES[c], &ci) != CAUSAL_OK) {
      if (c == 3)
        break;
      fprintf(stderr, "%s fuse strata: %s has no column '%s'\n", prog, path,
              NAMES[c]);
      causal_dataset_free(ds);
      return EXIT_ANALYSIS;
    }
    cols[c] = malloc((n ? n : 1) * sizeof(double));
    if (cols[c] == NULL)
      rc = CAUSAL_ENOMEM;
    else
      rc = causal_dataset_col_to_f64(ds, ci, cols[c], n);
    if (c == 3)
      *has_ose = 1;
  }
  causal_dataset_free(ds);
  if (rc != CAUSAL_OK)
    return fail(rc, "fuse strata");
  *K = n;
  return 0;
}

static int fuse_strata(int argc, char **argv) {
  static const char *const SNAMES[] = {"kappa1", "kappa2",
                                       "green-strawderman", "eb-double"};
  static const int SCODES[] = {CAUSAL_FUSION_KAPPA1, CAUSAL_FUSION_KAPPA2,
                               CAUSAL_FUSION_GREEN_STRAWDERMAN,
                               CAUSAL_FUSION_EB_DOUBLE};
  const char *csv = NULL;
  int json = 0, method = CAUSAL_FUSION_KAPPA1;
  cli_report rep = {NULL, NULL, 0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    }
    if (cli_report_option(&rep, "fuse strata", argc, argv, &i)) {
      if (rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (strcmp(a, "--csv") && strcmp(a, "--method")) {
      fprintf(stderr, "%s fuse strata: unknown option %s\n", prog, a);
      return EXIT_USAGE;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s fuse strata: option %s needs a value\n", prog, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--csv")) {
      csv = v;
    } else if ((method = cli_lookup(v, SNAMES, SCODES, 4)) < 0) {
      fprintf(stderr, "%s fuse strata: unknown method '%s' (see --help)\n",
              prog, v);
      return EXIT_USAGE;
    }
  }
  if (csv == NULL) {
    fprintf(stderr, "%s fuse strata: give --csv FILE\n", prog);
    return EXIT_USAGE;
  }
  double *cols[4] = {NULL, NULL, NULL, NULL};
  size_t K = 0;
  int has_ose = 0;
  int ex = read_strata(csv, cols, &K, &has_ose);
  causal_result *r = NULL;
  if (ex == 0) {
    int rc = causal_fusion_strata(&r, method, cols[0], cols[1], cols[2],
                                  has_ose ? cols[3] : NULL, K);
    if (rc != CAUSAL_OK)
      ex = fail(rc, "fuse strata");
  }
  if (ex == 0 && json) {
    ex = print_json(r);
  } else if (ex == 0) {
    const double *e = NULL, *s = NULL, *w = NULL;
    size_t n = 0;
    causal_result_get_vector(r, "estimate", &e, &n);
    causal_result_get_vector(r, "std_error", &s, &n);
    causal_result_get_vector(r, "shrinkage", &w, &n);
    printf("strata shrinkage: %s (%zu strata)\n", SNAMES[method - 1], K);
    printf("stratum        RCT          obs   RCT weight     estimate  "
           "plug-in SE\n");
    for (size_t l = 0; l < K && l < n; l++)
      printf("%-7zu %12.6g %12.6g %12.4f %12.6g %11.6g\n", l + 1, cols[0][l],
             cols[2][l], w[l], e[l], s[l]);
    if (isfinite(cli_scalar(r, "risk_estimate")))
      printf("risk estimate %.6g (RCT alone %.6g), efficiency gain %.1f%%\n",
             cli_scalar(r, "risk_estimate"), cli_scalar(r, "rct_risk"),
             100 * cli_scalar(r, "efficiency_gain"));
    cli_print_warnings(r);
  }
  if (ex == 0 && cli_report_wanted(&rep)) {
    causal_result *tab = NULL; /* the per-stratum vectors as one table */
    const causal_result *shown = r;
    if (cli_result_merge_vectors(&tab, r, "strata", "stratum") == CAUSAL_OK)
      shown = tab;
    ex = cli_report_write(&rep, "fuse strata", argc, argv, shown, NULL, 0);
    causal_result_free(tab);
  }
  causal_result_free(r);
  for (int c = 0; c < 4; c++)
    free(cols[c]);
  return ex;
}
