/* causal ols | logit | iv: regression on a CSV file. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void regress_usage(FILE *f, const char *cmd) {
  int iv = strcmp(cmd, "iv") == 0, logit = strcmp(cmd, "logit") == 0;
  fprintf(f, "usage: %s %s [options] FILE.csv --y COL --x TERMS%s\n\n", prog,
          cmd, iv ? " --endog TERMS --instruments TERMS" : "");
  fprintf(f, "%s\n\n",
          iv ? "Instrumental-variables regression (2SLS, LIML or Fuller) "
               "with first-stage\nand over-identification diagnostics."
          : logit ? "Logistic regression of a 0/1 (or two-level) outcome "
                    "by IRLS."
                  : "Linear regression by least squares (WLS with "
                    "--weights).");
  fprintf(f,
          "TERMS is a comma-separated list of column names or interactions\n"
          "(a:b). Text columns (and --cat columns) enter as treatment\n"
          "dummies col[level]; the first level is the reference.\n"
          "\n"
          "model:\n"
          "  --y COL             outcome column (required)\n"
          "  --x TERMS           regressors%s\n",
          iv ? " (exogenous)" : "");
  if (iv)
    fprintf(f, "  --endog TERMS       endogenous regressors (required)\n"
               "  --instruments TERMS excluded instruments (required)\n"
               "  --method M          2sls (default), liml or fuller\n"
               "  --fuller-alpha A    Fuller's constant (default 1)\n");
  fprintf(f, "  --weights COL       non-negative weights\n");
  if (logit)
    fprintf(f, "  --offset COL        offset added to the linear predictor\n"
               "  --l2 LAMBDA         ridge penalty (intercept not "
               "penalized)\n"
               "  --maxiter N         IRLS iterations (default 25)\n");
  if (!logit)
    fprintf(f, "  --absorb COLS       absorb fixed effects of these columns\n");
  fprintf(f,
          "  --no-intercept      fit without an intercept\n"
          "  --reference COL=LEVEL  reference level of a categorical "
          "(repeatable)\n"
          "  --rank drop|error   drop collinear terms with a warning "
          "(default) or fail\n"
          "\n"
          "inference:\n"
          "  --vcov TYPE         classical, HC0, HC1, HC2, HC3, CR0, CR1, CR2\n"
          "                      (default classical; CR1 with --cluster)\n"
          "  --cluster COLS      one or two cluster columns\n"
          "  --ssc NAME          small-sample convention: R (default), stata,\n"
          "                      statsmodels, fixest\n"
          "  --conf-level P      confidence level (default 0.95)\n"
          "\n"
          "input and output:\n"
          "  --json              write the full result as JSON\n"
          CLI_REPORT_HELP
          "  --cat COLS          read these columns as categorical\n"
          "  --delimiter C       field delimiter (default ','; 'tab')\n"
          "  --na TOKEN          missing-value token (repeatable)\n"
          "\n"
          "examples:\n");
  if (iv)
    fprintf(f,
            "  %s iv tests/data/iv_mroz.csv --y lwage --x city --endog educ,exper \\\n"
            "      --instruments age,kidslt6,meduc,feduc --vcov HC1\n"
            "  %s iv cig.csv --y lpacks --x lrincome --endog lrprice \\\n"
            "      --instruments tdiff,taxcpi --method liml --cluster state\n",
            prog, prog);
  else if (logit)
    fprintf(f,
            "  %s logit data/lalonde.csv --y treat "
            "--x age,educ,race,married,re74\n"
            "  %s logit data/lalonde.csv --y treat --x age,educ --vcov HC0 "
            "--json\n",
            prog, prog);
  else
    fprintf(f,
            "  %s ols data/lalonde.csv --y re78 --x treat,age,educ,race "
            "--vcov HC1\n"
            "  %s ols panel.csv --y y --x x1,x2 --absorb firm,year "
            "--cluster firm\n"
            "  %s ols cig.csv --y lpacks --x lrprice,year --cat year "
            "--weights pop\n",
            prog, prog, prog);
}

static int method_code(const char *s) {
  static const char *const n[] = {"2sls", "tsls", "liml", "fuller"};
  static const int c[] = {CAUSAL_IV_2SLS, CAUSAL_IV_2SLS, CAUSAL_IV_LIML,
                          CAUSAL_IV_FULLER};
  return cli_lookup(s, n, c, 4);
}

typedef int (*add_fn)(causal_regress *, const char *);

struct add_ctx {
  causal_regress *m;
  add_fn add;
};

static int add_one(void *ctx, const char *item) {
  struct add_ctx *c = ctx;
  return c->add(c->m, item);
}

/* Call add(m, item) for each comma-separated item of list. */
static int add_list(causal_regress *m, add_fn add, const char *list) {
  struct add_ctx c = {m, add};
  return cli_each_item(list, 1, add_one, &c);
}

static const char *get_string(const causal_result *r, const char *name) {
  const char *s = NULL;
  if (causal_result_get_string(r, name, &s) != CAUSAL_OK)
    return NULL;
  return s;
}

static int print_coef_table(const causal_result *r) {
  const double *tab = NULL;
  size_t k = 0, nc = 0;
  int rc = causal_result_get_matrix(r, "coef", &tab, &k, &nc);
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the coefficients");
  const char *stat = get_string(r, "statistic");
  int z = stat != NULL && strcmp(stat, "z") == 0;
  int w = 4;
  for (size_t j = 0; j < k; j++) {
    int l = (int)strlen(causal_result_dimname(r, "coef", 0, j));
    if (l > w)
      w = l;
  }
  cli_print_head(w, z);
  for (size_t j = 0; j < k; j++)
    cli_print_row(w, causal_result_dimname(r, "coef", 0, j), tab + j, k);
  cli_print_signif();
  return 0;
}

static void print_iv_diagnostics(const causal_result *r) {
  const double *fs = NULL;
  size_t ne = 0, nc = 0;
  char a[32], b[32];
  printf("\nDiagnostics:\n");
  if (causal_result_get_matrix(r, "first_stage", &fs, &ne, &nc) ==
          CAUSAL_OK &&
      nc >= 5) {
    for (size_t j = 0; j < ne; j++) {
      cli_fmt_g(a, sizeof a, fs[j + ne]);
      cli_fmt_p(b, sizeof b, fs[j + 4 * ne]);
      printf("  First stage F (%s): %s on %.0f and %.0f DF, p-value: %s, "
             "partial R2: %.5g\n",
             causal_result_dimname(r, "first_stage", 0, j), a, fs[j + 2 * ne],
             fs[j + 3 * ne], b, fs[j]);
    }
  }
  cli_fmt_g(a, sizeof a, cli_scalar(r, "cragg_donald_f"));
  cli_fmt_g(b, sizeof b, cli_scalar(r, "kp_rk_wald_f"));
  printf("  Cragg-Donald F: %s; Kleibergen-Paap rk Wald F: %s\n", a, b);
  cli_fmt_g(a, sizeof a, cli_scalar(r, "wu_hausman_f"));
  cli_fmt_p(b, sizeof b, cli_scalar(r, "wu_hausman_p_value"));
  printf("  Wu-Hausman F: %s on %.0f and %.0f DF, p-value: %s\n", a,
         cli_scalar(r, "wu_hausman_df1"), cli_scalar(r, "wu_hausman_df2"), b);
  if (cli_scalar(r, "sargan_df") > 0) {
    cli_fmt_g(a, sizeof a, cli_scalar(r, "sargan"));
    cli_fmt_p(b, sizeof b, cli_scalar(r, "sargan_p_value"));
    printf("  Sargan: %s on %.0f DF, p-value: %s\n", a,
           cli_scalar(r, "sargan_df"), b);
    cli_fmt_g(a, sizeof a, cli_scalar(r, "hansen_j"));
    cli_fmt_p(b, sizeof b, cli_scalar(r, "hansen_j_p_value"));
    printf("  Hansen J: %s on %.0f DF, p-value: %s\n", a,
           cli_scalar(r, "hansen_j_df"), b);
  }
  cli_fmt_g(a, sizeof a, cli_scalar(r, "ar_f"));
  cli_fmt_p(b, sizeof b, cli_scalar(r, "ar_f_p_value"));
  printf("  Anderson-Rubin F: %s on %.0f and %.0f DF, p-value: %s\n", a,
         cli_scalar(r, "ar_df1"), cli_scalar(r, "ar_df2"), b);
  const char *ct = get_string(r, "ar_ci_type");
  if (ct != NULL && strcmp(ct, "unavailable") != 0) {
    cli_fmt_g(a, sizeof a, cli_scalar(r, "ar_ci_low"));
    cli_fmt_g(b, sizeof b, cli_scalar(r, "ar_ci_high"));
    printf("  Anderson-Rubin confidence set (%s): [%s, %s]\n", ct, a, b);
  }
}

static int print_regression(const causal_result *r, const char *title) {
  const char *kind = causal_result_kind(r);
  char a[32], b[32], c[32];
  printf("%s\n", title);
  printf("Observations: %.0f", cli_scalar(r, "nobs"));
  double nd = cli_scalar(r, "n_dropped");
  if (nd > 0)
    printf(" (%.0f dropped for missing values or zero weights)", nd);
  const char *vt = get_string(r, "vcov_type");
  printf("\nStandard errors: %s", vt ? vt : "?");
  double g1 = cli_scalar(r, "n_clusters"), g2 = cli_scalar(r, "n_clusters2");
  if (!isnan(g1))
    printf(", %.0f clusters", g1);
  if (!isnan(g2))
    printf(" x %.0f", g2);
  double df = cli_scalar(r, "df");
  if (isinf(df))
    printf("; normal reference\n\n");
  else
    printf("; t(%.0f) reference\n\n", df);
  int status = print_coef_table(r);
  if (status != 0)
    return status;
  if (strcmp(kind, "ols") == 0 || strcmp(kind, "iv") == 0) {
    cli_fmt_g(a, sizeof a, cli_scalar(r, "sigma"));
    printf("Residual standard error: %s on %.0f degrees of freedom\n", a,
           cli_scalar(r, "df_residual"));
    cli_fmt_g(a, sizeof a, cli_scalar(r, "r_squared"));
    cli_fmt_g(b, sizeof b, cli_scalar(r, "adj_r_squared"));
    printf("R-squared: %s, adjusted R-squared: %s", a, b);
    double wr2 = cli_scalar(r, "within_r_squared");
    if (!isnan(wr2)) {
      cli_fmt_g(c, sizeof c, wr2);
      printf(", within R-squared: %s", c);
    }
    printf("\n");
    cli_fmt_g(a, sizeof a, cli_scalar(r, "f_statistic"));
    cli_fmt_p(b, sizeof b, cli_scalar(r, "f_p_value"));
    printf("Wald F-statistic (%s): %s on %.0f and %.0f DF, p-value: %s\n",
           vt ? vt : "?", a, cli_scalar(r, "f_df1"), cli_scalar(r, "f_df2"),
           b);
    double dfe = cli_scalar(r, "dof_fe");
    if (!isnan(dfe))
      printf("Absorbed fixed effects: %.0f parameters, %.0f singletons "
             "removed\n",
             dfe, cli_scalar(r, "n_singletons"));
  } else if (strcmp(kind, "logit") == 0) {
    cli_fmt_g(a, sizeof a, cli_scalar(r, "null_deviance"));
    cli_fmt_g(b, sizeof b, cli_scalar(r, "deviance"));
    cli_fmt_g(c, sizeof c, cli_scalar(r, "aic"));
    printf("Null deviance: %s; residual deviance: %s; AIC: %s\n", a, b, c);
    cli_fmt_g(a, sizeof a, cli_scalar(r, "loglik"));
    printf("Log-likelihood: %s; iterations: %.0f\n", a,
           cli_scalar(r, "iterations"));
  }
  if (strcmp(kind, "iv") == 0)
    print_iv_diagnostics(r);
  cli_print_warnings(r);
  return 0;
}

/* Options that take a value, for ols/logit/iv. */
static const char *const regress_valued[] = {
    "--y",       "--x",      "--weights",     "--offset",    "--cluster",
    "--absorb",  "--vcov",   "--ssc",         "--reference", "--rank",
    "--endog",   "--instruments", "--method", "--fuller-alpha", "--l2",
    "--maxiter", "--conf-level", "--cat",     "--delimiter", "--na"};

static int is_valued(const char *a) {
  for (size_t i = 0; i < sizeof regress_valued / sizeof regress_valued[0];
       i++)
    if (strcmp(a, regress_valued[i]) == 0)
      return 1;
  return 0;
}

/* Options valid for a command (others are usage errors). */
static int option_allowed(const char *cmd, const char *a) {
  int iv = strcmp(cmd, "iv") == 0, logit = strcmp(cmd, "logit") == 0;
  if (strcmp(a, "--offset") == 0 || strcmp(a, "--l2") == 0 ||
      strcmp(a, "--maxiter") == 0)
    return logit;
  if (strcmp(a, "--endog") == 0 || strcmp(a, "--instruments") == 0 ||
      strcmp(a, "--method") == 0 || strcmp(a, "--fuller-alpha") == 0)
    return iv;
  if (strcmp(a, "--absorb") == 0)
    return !logit;
  return 1;
}

/* "a,b" -> "a + b" into buf (for titles). */
static const char *plus_list(char *buf, size_t cap, const char *list) {
  size_t o = 0;
  buf[0] = '\0';
  for (const char *p = list; *p && o + 4 < cap; p++) {
    if (*p == ',') {
      while (o > 0 && buf[o - 1] == ' ')
        o--;
      memcpy(buf + o, " + ", 3);
      o += 3;
      while (p[1] == ' ')
        p++;
    } else {
      buf[o++] = *p;
    }
  }
  buf[o] = '\0';
  return buf;
}

int cmd_regress(const char *cmd, int argc, char **argv) {
  int family = strcmp(cmd, "ols") == 0     ? CAUSAL_REGRESS_OLS
               : strcmp(cmd, "logit") == 0 ? CAUSAL_REGRESS_LOGIT
                                           : CAUSAL_REGRESS_IV;
  const char *path = NULL, *y = NULL, *x = NULL, *endog = NULL,
             *inst = NULL, *weights = NULL, *absorb = NULL;
  int json = 0, status = 0, rc = CAUSAL_OK;
  causal_csv_options *opts = NULL;
  causal_regress *m = NULL;
  causal_dataset *ds = NULL;
  causal_result *res = NULL;
  cli_report rep = {NULL, NULL, 0};
  if ((rc = causal_csv_options_new(&opts)) != CAUSAL_OK ||
      (rc = causal_regress_new(&m, family)) != CAUSAL_OK) {
    causal_csv_options_free(opts);
    return fail(rc, "setup");
  }
  for (int i = 0; i < argc && status == 0 && rc == CAUSAL_OK; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      regress_usage(stdout, cmd);
      causal_regress_free(m);
      causal_csv_options_free(opts);
      return 0;
    }
    if (cli_report_option(&rep, cmd, argc, argv, &i)) {
      status = rep.bad ? EXIT_USAGE : 0;
      continue;
    }
    if (a[0] != '-' || a[1] == '\0') {
      if (path != NULL) {
        fprintf(stderr, "%s %s: more than one file given\n", prog, cmd);
        status = EXIT_USAGE;
      }
      path = a;
      continue;
    }
    if (!option_allowed(cmd, a) ||
        (!is_valued(a) && strcmp(a, "--json") != 0 &&
         strcmp(a, "--no-intercept") != 0)) {
      fprintf(stderr, "%s %s: unknown option '%s'\n", prog, cmd, a);
      status = EXIT_USAGE;
      break;
    }
    if (strcmp(a, "--json") == 0) {
      json = 1;
      continue;
    }
    if (strcmp(a, "--no-intercept") == 0) {
      rc = causal_regress_set_intercept(m, 0);
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s %s: %s needs a value\n", prog, cmd, a);
      status = EXIT_USAGE;
      break;
    }
    const char *v = argv[++i];
    double d = 0;
    int code = 0;
    if (strcmp(a, "--y") == 0) {
      y = v;
      rc = causal_regress_set_outcome(m, v);
    } else if (strcmp(a, "--x") == 0) {
      x = v;
      rc = add_list(m, causal_regress_add_term, v);
    } else if (strcmp(a, "--endog") == 0) {
      endog = v;
      rc = add_list(m, causal_regress_add_endogenous, v);
    } else if (strcmp(a, "--instruments") == 0) {
      inst = v;
      rc = add_list(m, causal_regress_add_instrument, v);
    } else if (strcmp(a, "--weights") == 0) {
      weights = v;
      rc = causal_regress_set_weights(m, v);
    } else if (strcmp(a, "--offset") == 0) {
      rc = causal_regress_set_offset(m, v);
    } else if (strcmp(a, "--cluster") == 0) {
      rc = add_list(m, causal_regress_add_cluster, v);
    } else if (strcmp(a, "--absorb") == 0) {
      absorb = v;
      rc = add_list(m, causal_regress_add_absorb, v);
    } else if (cli_csv_option(opts, cmd, a, v, &rc, &status)) {
      /* --cat, --na, --delimiter */
    } else if (strcmp(a, "--reference") == 0) {
      const char *eq = strchr(v, '=');
      if (eq == NULL || eq == v) {
        fprintf(stderr, "%s %s: --reference takes COLUMN=LEVEL\n", prog,
                cmd);
        status = EXIT_USAGE;
      } else {
        char col[512];
        size_t len = (size_t)(eq - v);
        if (len >= sizeof col)
          len = sizeof col - 1;
        memcpy(col, v, len);
        col[len] = '\0';
        rc = causal_regress_set_reference(m, col, eq + 1);
      }
    } else if (strcmp(a, "--vcov") == 0 || strcmp(a, "--ssc") == 0 ||
               strcmp(a, "--method") == 0 || strcmp(a, "--rank") == 0) {
      int key = a[2] == 'v'   ? CAUSAL_REGRESS_VCOV
                : a[2] == 's' ? CAUSAL_REGRESS_SSC
                : a[2] == 'm' ? CAUSAL_REGRESS_IV_METHOD
                              : CAUSAL_REGRESS_RANK;
      code = key == CAUSAL_REGRESS_VCOV  ? cli_vcov_code(v)
             : key == CAUSAL_REGRESS_SSC ? cli_ssc_code(v)
             : key == CAUSAL_REGRESS_IV_METHOD
                 ? method_code(v)
                 : strcmp(v, "drop") == 0
                       ? CAUSAL_RANK_DROP
                       : strcmp(v, "error") == 0 ? CAUSAL_RANK_ERROR : -1;
      if (code < 0) {
        fprintf(stderr, "%s %s: %s: unknown value '%s' (see --help)\n", prog,
                cmd, a, v);
        status = EXIT_USAGE;
      } else {
        rc = causal_regress_set_int(m, key, code);
      }
    } else {
      /* real-valued options */
      if (!cli_parse_double(v, &d)) {
        fprintf(stderr, "%s %s: %s needs a number, not '%s'\n", prog, cmd, a,
                v);
        status = EXIT_USAGE;
      } else if (strcmp(a, "--maxiter") == 0) {
        if (d != floor(d) || d < 0 || d > 1e9) {
          fprintf(stderr, "%s %s: --maxiter needs a count\n", prog, cmd);
          status = EXIT_USAGE;
        } else {
          rc = causal_regress_set_int(m, CAUSAL_REGRESS_MAXITER, (int64_t)d);
        }
      } else {
        int key = strcmp(a, "--l2") == 0           ? CAUSAL_REGRESS_L2
                  : strcmp(a, "--conf-level") == 0 ? CAUSAL_REGRESS_CONF_LEVEL
                                                   : CAUSAL_REGRESS_FULLER_ALPHA;
        rc = causal_regress_set_double(m, key, d);
      }
    }
  }
  if (status == 0 && rc != CAUSAL_OK)
    status = fail(rc, "option");
  if (status == 0 && (path == NULL || y == NULL ||
                      (family == CAUSAL_REGRESS_IV &&
                       (endog == NULL || inst == NULL)))) {
    fprintf(stderr, "%s %s: %s\n", prog, cmd,
            path == NULL ? "no input file given"
            : y == NULL  ? "--y is required"
                         : "--endog and --instruments are required");
    regress_usage(stderr, cmd);
    status = EXIT_USAGE;
  }
  if (status == 0 && (rc = causal_csv_read_file(&ds, path, opts)) != CAUSAL_OK)
    status = fail(rc, path);
  if (status == 0 && (rc = causal_regress_fit(&res, m, ds)) != CAUSAL_OK)
    status = fail(rc, cmd);
  if (status == 0 && json) {
    status = print_json(res);
    cli_print_warnings(res);
  } else if (status == 0) {
    char title[2560], xs[512], es[512], is[512], as[512];
    const char *meth = get_string(res, "iv_method");
    snprintf(title, sizeof title, "%s: %s ~ %s%s%s%s%s%s%s%s",
             family == CAUSAL_REGRESS_LOGIT ? "Logistic regression"
             : family == CAUSAL_REGRESS_IV
                 ? (meth && strcmp(meth, "LIML") == 0
                        ? "Instrumental variables (LIML)"
                    : meth && strcmp(meth, "Fuller") == 0
                        ? "Instrumental variables (Fuller)"
                        : "Instrumental variables (2SLS)")
             : weights ? "Linear regression (WLS)"
                       : "Linear regression (OLS)",
             y, x ? plus_list(xs, sizeof xs, x) : "1", endog ? " + [" : "",
             endog ? plus_list(es, sizeof es, endog) : "",
             inst ? " ~ " : "", inst ? plus_list(is, sizeof is, inst) : "",
             endog ? "]" : "", absorb ? " | " : "",
             absorb ? plus_list(as, sizeof as, absorb) : "");
    status = print_regression(res, title);
  }
  if (status == 0 && cli_report_wanted(&rep)) {
    causal_chart *ch = NULL; /* coefficient plot without the intercept */
    cli_chart_table(&ch, res, "coef", "Coefficients with confidence "
                    "intervals", NULL, 1);
    status = cli_report_write(&rep, cmd, argc, argv, res, &ch, 1);
    causal_chart_free(ch);
  }
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_regress_free(m);
  causal_csv_options_free(opts);
  return status;
}
