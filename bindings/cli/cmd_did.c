/* causal did: difference-in-differences (2x2, TWFE, event study) on a CSV
 * panel (include/causal/did.h, docs/methods/did.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void did_usage(FILE *f) {
  fprintf(f,
          "usage: %s did [options] FILE.csv --y COL --unit COL --time COL\n"
          "           (--cohort COL | --treatment COL)\n"
          "       %s did [options] FILE.csv --y COL --group COL --post COL\n"
          "\n"
          "Difference-in-differences: two-way fixed effects (default), an "
          "event study\n"
          "with relative-time dummies and a pre-trend test, or the 2x2 "
          "design.\n"
          "\n"
          "panel:\n"
          "  --y COL             outcome (required)\n"
          "  --unit COL          unit identifier (TWFE, event study)\n"
          "  --time COL          period (integer-valued for event studies)\n"
          "  --cohort COL        first treated period of the unit (0 or NA = "
          "never)\n"
          "  --treatment COL     0/1: treated in this period\n"
          "  --group COL         0/1 treated group (2x2)\n"
          "  --post COL          0/1 post period (2x2)\n"
          "  --x TERMS           covariates (comma-separated; a:b "
          "interactions)\n"
          "  --weights COL       non-negative weights\n"
          "\n"
          "design:\n"
          "  --design D          twfe (default), event-study or 2x2 (default "
          "2x2 with\n"
          "                      --group/--post)\n"
          "  --leads N, --lags N event window [-N, +N] (default: all "
          "observed)\n"
          "  --reference R       omitted relative period (default -1)\n"
          "  --endpoints E       bin (default: beyond the window joins the "
          "end bins)\n"
          "                      or drop (those treated-unit rows are "
          "dropped)\n"
          "  --trends            unit-specific linear time trends\n"
          "  --placebo-shift K   placebo: a fake treatment date K periods "
          "early,\n"
          "                      on the pre-treatment rows\n"
          "  --placebo-outcome COL  fit the same model to this outcome\n"
          "\n"
          "inference:\n"
          "  --cluster COLS      one or two cluster columns (default: the "
          "unit, CR1)\n"
          "  --vcov TYPE         classical, HC0, HC1, HC2, HC3, CR0, CR1, "
          "CR2\n"
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
          "examples:\n"
          "  %s did tests/data/did_fatalities.csv --y frate --unit state "
          "--time year --cohort cohort\n"
          "  %s did panel.csv --y frate --unit state --time year "
          "--cohort cohort \\\n"
          "      --design event-study --leads 3 --lags 5 --x unemp\n"
          "  %s did panel.csv --y frate --group grp --post post "
          "--cluster state --json\n",
          prog, prog, prog, prog, prog);
}

static int design_code(const char *s) {
  static const char *const n[] = {"twfe", "event-study", "event_study", "es",
                                  "2x2"};
  static const int c[] = {CAUSAL_DID_TWFE, CAUSAL_DID_EVENT_STUDY,
                          CAUSAL_DID_EVENT_STUDY, CAUSAL_DID_EVENT_STUDY,
                          CAUSAL_DID_2X2};
  return cli_lookup(s, n, c, 5);
}

static int endpoints_code(const char *s) {
  static const char *const n[] = {"bin", "drop"};
  static const int c[] = {CAUSAL_DID_BIN, CAUSAL_DID_DROP};
  return cli_lookup(s, n, c, 2);
}

typedef int (*add_fn)(causal_did *, const char *);

struct add_ctx {
  causal_did *d;
  add_fn add;
};

static int add_one(void *ctx, const char *item) {
  struct add_ctx *c = ctx;
  return c->add(c->d, item);
}

/* Call add(d, item) for each comma-separated item of list (blanks
 * trimmed). */
static int add_list(causal_did *d, add_fn add, const char *list) {
  struct add_ctx c = {d, add};
  return cli_each_item(list, 1, add_one, &c);
}

/* ---- printing ---- */

#define PLOT_W 25

/* A dot-and-whisker strip of (est, lo, hi) on [a, b], '|' at zero. */
static void ci_strip(char *out, double est, double lo, double hi, double a,
                     double b) {
  for (int i = 0; i < PLOT_W; i++)
    out[i] = ' ';
  out[PLOT_W] = '\0';
#define POS(v) ((int)lround(((v)-a) / (b - a) * (PLOT_W - 1)))
  out[POS(0.0)] = '|';
  if (isfinite(lo) && isfinite(hi))
    for (int i = POS(lo); i <= POS(hi); i++)
      out[i] = '-';
  if (isfinite(est))
    out[POS(est)] = 'o';
#undef POS
  for (int i = PLOT_W - 1; i >= 0 && out[i] == ' '; i--)
    out[i] = '\0';
}

static int print_event(const causal_result *r, int z) {
  const double *tab = NULL, *et = NULL;
  size_t k = 0, nc = 0, ne = 0;
  int rc = causal_result_get_matrix(r, "event", &tab, &k, &nc);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "event_time", &et, &ne);
  if (rc != CAUSAL_OK || ne != k || nc < 6)
    return fail(rc != CAUSAL_OK ? rc : CAUSAL_EINTERNAL,
                "reading the event-study table");
  double ref = cli_scalar(r, "reference");
  double a = 0, b = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t c = 0; c < 6; c += (c == 0 ? 4 : 1)) {
      double v = tab[i + c * k];
      if (isfinite(v)) {
        a = v < a ? v : a;
        b = v > b ? v : b;
      }
    }
  if (a == b) {
    a -= 1;
    b += 1;
  }
  printf("\nEvent study (relative period r = time - cohort; reference "
         "r = %.0f):\n",
         ref);
  printf("%4s %11s %11s %8s %9s %11s %11s  %s\n", "r", "Estimate", "Std. Error",
         z ? "z value" : "t value", z ? "Pr(>|z|)" : "Pr(>|t|)", "conf.low",
         "conf.high", "interval (o estimate, | zero)");
  for (size_t i = 0; i < k; i++) {
    char strip[PLOT_W + 1], name[16];
    ci_strip(strip, tab[i], tab[i + 4 * k], tab[i + 5 * k], a, b);
    snprintf(name, sizeof name, et[i] > 0 ? "+%.0f" : "%.0f", et[i]);
    if (et[i] == ref) {
      printf("%4s %11s %11s %8s %9s %11s %11s     %s\n", name, "0",
             "(reference)", "", "", "", "", strip);
      continue;
    }
    char e[32], s[32], p[32], lo[32], hi[32];
    cli_fmt_g(e, sizeof e, tab[i]);
    cli_fmt_g(s, sizeof s, tab[i + k]);
    cli_fmt_p(p, sizeof p, tab[i + 3 * k]);
    cli_fmt_g(lo, sizeof lo, tab[i + 4 * k]);
    cli_fmt_g(hi, sizeof hi, tab[i + 5 * k]);
    const char *st = cli_stars(tab[i + 3 * k]);
    printf("%4s %11s %11s %8.3f %9s %11s %11s %-3s %s\n", name, e, s,
           tab[i + 2 * k], p, lo, hi, st, strip);
  }
  double f = cli_scalar(r, "pretrend_f");
  if (!isnan(f)) {
    char fs[32], ps[32];
    double df2 = cli_scalar(r, "pretrend_df2");
    cli_fmt_p(ps, sizeof ps, cli_scalar(r, "pretrend_p_value"));
    if (isinf(df2)) {
      cli_fmt_g(fs, sizeof fs, cli_scalar(r, "pretrend_statistic"));
      printf("Pre-trend test (all leads = 0): chi2(%.0f) = %s, p-value: "
             "%s\n",
             cli_scalar(r, "pretrend_df1"), fs, ps);
    } else {
      cli_fmt_g(fs, sizeof fs, f);
      printf("Pre-trend test (all leads = 0): F(%.0f, %.0f) = %s, "
             "p-value: %s\n",
             cli_scalar(r, "pretrend_df1"), df2, fs, ps);
    }
  }
  return 0;
}

static int print_did(const causal_result *r, const char *y, const char *x) {
  const char *design = "?";
  causal_result_get_string(r, "design", &design);
  const char *lab = strcmp(design, "twfe") == 0 ? "two-way fixed effects"
                    : strcmp(design, "event_study") == 0 ? "event study"
                                                         : design;
  printf("Difference-in-differences (%s): %s", lab, y);
  if (x != NULL)
    printf(" ~ %s", x);
  printf("\nPanel: ");
  double nu = cli_scalar(r, "n_units"), np = cli_scalar(r, "n_periods");
  double nt = cli_scalar(r, "n_treated_units");
  double nn = cli_scalar(r, "n_never_treated");
  if (!isnan(nu))
    printf("%.0f units, %.0f periods; %.0f treated, %.0f never treated; ", nu,
           np, nt, nn);
  printf("%.0f observations", cli_scalar(r, "nobs"));
  double nd = cli_scalar(r, "n_dropped");
  if (nd > 0)
    printf(" (%.0f dropped)", nd);
  const char *vt = "?";
  causal_result_get_string(r, "vcov_type", &vt);
  printf("\nStandard errors: %s", vt);
  double g = cli_scalar(r, "n_clusters");
  if (!isnan(g))
    printf(", %.0f clusters", g);
  double df = cli_scalar(r, "df");
  int z = isinf(df);
  if (z)
    printf("; normal reference");
  else
    printf("; t(%.0f) reference", df);
  double ntp = cli_scalar(r, "n_trend_parameters");
  if (!isnan(ntp))
    printf("; unit-specific linear trends (%.0f parameters)", ntp);
  printf("\n\n");
  const char *what = strcmp(design, "2x2") == 0    ? "Effect (group:post)"
                     : strcmp(design, "twfe") == 0 ? "Effect (treated)"
                                                   : "Average effect (r >= 0)";
  double head[6];
  static const char *const hn[] = {"estimate", "statistic", "p_value",
                                   "conf_low", "conf_high"};
  head[0] = cli_scalar(r, hn[0]);
  head[1] = cli_scalar(r, "std_error");
  for (int i = 1; i < 5; i++)
    head[i + 1] = cli_scalar(r, hn[i]);
  int w = (int)strlen(what);
  cli_print_head(w, z);
  cli_print_row(w, what, head, 1);
  const double *cm = NULL;
  size_t n4 = 0;
  if (causal_result_get_vector(r, "cell_means", &cm, &n4) == CAUSAL_OK &&
      n4 == 4) {
    char b[4][32], dd[32];
    for (int i = 0; i < 4; i++)
      cli_fmt_g(b[i], sizeof b[i], cm[i]);
    printf("\nCell means:    %11s %11s\n", "pre", "post");
    printf("  control      %11s %11s\n  treated      %11s %11s\n", b[0], b[1],
           b[2], b[3]);
    cli_fmt_g(dd, sizeof dd, cli_scalar(r, "estimate_means"));
    printf("Difference of the differences: %s\n", dd);
  }
  int ev = !isnan(cli_scalar(r, "reference"));
  if (ev) {
    int st = print_event(r, z);
    if (st != 0)
      return st;
  }
  /* the remaining coefficients: covariates (and 2x2's group, post) */
  const double *tab = NULL;
  size_t k = 0, nc = 0;
  int rc = causal_result_get_matrix(r, "coef", &tab, &k, &nc);
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the coefficients");
  int shown = 0, cw = 4;
  for (size_t j = 0; j < k; j++) {
    int l = (int)strlen(causal_result_dimname(r, "coef", 0, j));
    cw = l > cw ? l : cw;
  }
  for (size_t j = 0; j < k; j++) {
    const char *t = causal_result_dimname(r, "coef", 0, j);
    if ((ev && strncmp(t, "rel[", 4) == 0) ||
        (k == 1 && strcmp(t, "treated") == 0))
      continue;
    if (!shown++) {
      printf("\nCoefficients:\n");
      cli_print_head(cw, z);
    }
    cli_print_row(cw, t, tab + j, k);
  }
  cli_print_signif();
  cli_print_warnings(r);
  return 0;
}

/* ---- options ---- */

static const char *const did_valued[] = {"--y",
                                         "--unit",
                                         "--time",
                                         "--cohort",
                                         "--treatment",
                                         "--group",
                                         "--post",
                                         "--x",
                                         "--weights",
                                         "--design",
                                         "--leads",
                                         "--lags",
                                         "--reference",
                                         "--endpoints",
                                         "--placebo-shift",
                                         "--placebo-outcome",
                                         "--cluster",
                                         "--vcov",
                                         "--ssc",
                                         "--conf-level",
                                         "--cat",
                                         "--delimiter",
                                         "--na"};

static int is_valued(const char *a) {
  for (size_t i = 0; i < sizeof did_valued / sizeof did_valued[0]; i++)
    if (strcmp(a, did_valued[i]) == 0)
      return 1;
  return 0;
}

/* Whole number option value; 0 on success. */
static int parse_int(const char *s, int64_t *v) {
  char *end = NULL;
  double d = strtod(s, &end);
  if (end == s || *end != '\0' || d != floor(d) || fabs(d) > 1e9)
    return -1;
  *v = (int64_t)d;
  return 0;
}

struct did_args {
  const char *path, *y, *x, *group, *post, *placebo;
  int design, design_set, json;
};

/* Apply one option with value v; returns a CAUSAL status, or -1000 -
 * exit code for usage errors. */
static int apply(causal_did *d, causal_csv_options *o, struct did_args *g,
                 const char *a, const char *v) {
  static const struct {
    const char *opt;
    int (*set)(causal_did *, const char *);
  } roles[] = {{"--unit", causal_did_set_unit},
               {"--time", causal_did_set_time},
               {"--cohort", causal_did_set_cohort},
               {"--treatment", causal_did_set_treatment},
               {"--group", causal_did_set_group},
               {"--post", causal_did_set_post},
               {"--weights", causal_did_set_weights}};
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
    if (strcmp(a, roles[i].opt) == 0) {
      if (strcmp(a, "--group") == 0)
        g->group = v;
      if (strcmp(a, "--post") == 0)
        g->post = v;
      return roles[i].set(d, v);
    }
  if (strcmp(a, "--y") == 0) {
    g->y = v;
    return causal_did_set_outcome(d, v);
  }
  if (strcmp(a, "--x") == 0) {
    g->x = v;
    return add_list(d, causal_did_add_term, v);
  }
  if (strcmp(a, "--cluster") == 0)
    return add_list(d, causal_did_add_cluster, v);
  if (strcmp(a, "--placebo-outcome") == 0) {
    g->placebo = v;
    return CAUSAL_OK;
  }
  int rc = CAUSAL_OK, status = 0;
  if (cli_csv_option(o, "did", a, v, &rc, &status))
    return status != 0 ? -1000 - status : rc;
  int code = -2;
  int key = 0;
  if (strcmp(a, "--design") == 0) {
    code = design_code(v);
    key = CAUSAL_DID_DESIGN;
    g->design = code;
    g->design_set = 1;
  } else if (strcmp(a, "--vcov") == 0) {
    code = cli_vcov_code(v);
    key = CAUSAL_DID_VCOV;
  } else if (strcmp(a, "--ssc") == 0) {
    code = cli_ssc_code(v);
    key = CAUSAL_DID_SSC;
  } else if (strcmp(a, "--endpoints") == 0) {
    code = endpoints_code(v);
    key = CAUSAL_DID_ENDPOINTS;
  }
  if (key != 0) {
    if (code < 0) {
      fprintf(stderr, "%s did: %s: unknown value '%s' (see --help)\n", prog, a,
              v);
      return -1000 - EXIT_USAGE;
    }
    return causal_did_set_int(d, key, code);
  }
  if (strcmp(a, "--conf-level") == 0) {
    double p = 0;
    if (!cli_parse_double(v, &p)) {
      fprintf(stderr, "%s did: --conf-level needs a number, not '%s'\n", prog,
              v);
      return -1000 - EXIT_USAGE;
    }
    return causal_did_set_double(d, CAUSAL_DID_CONF_LEVEL, p);
  }
  int64_t n = 0;
  if (parse_int(v, &n) != 0) {
    fprintf(stderr, "%s did: %s needs a whole number, not '%s'\n", prog, a, v);
    return -1000 - EXIT_USAGE;
  }
  key = strcmp(a, "--leads") == 0       ? CAUSAL_DID_LEADS
        : strcmp(a, "--lags") == 0      ? CAUSAL_DID_LAGS
        : strcmp(a, "--reference") == 0 ? CAUSAL_DID_REFERENCE
                                        : CAUSAL_DID_PLACEBO_SHIFT;
  return causal_did_set_int(d, key, n);
}

int cmd_did(const char *cmd, int argc, char **argv) {
  (void)cmd;
  struct did_args g = {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
  int status = 0, rc = CAUSAL_OK;
  causal_csv_options *opts = NULL;
  causal_did *d = NULL;
  causal_dataset *ds = NULL;
  causal_result *res = NULL;
  cli_report rep = {NULL, NULL, 0};
  if ((rc = causal_csv_options_new(&opts)) != CAUSAL_OK ||
      (rc = causal_did_new(&d, CAUSAL_DID_TWFE)) != CAUSAL_OK) {
    causal_csv_options_free(opts);
    return fail(rc, "setup");
  }
  for (int i = 0; i < argc && status == 0 && rc == CAUSAL_OK; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      did_usage(stdout);
      causal_did_free(d);
      causal_csv_options_free(opts);
      return 0;
    }
    if (cli_report_option(&rep, "did", argc, argv, &i)) {
      status = rep.bad ? EXIT_USAGE : 0;
      continue;
    }
    if (a[0] != '-' || a[1] == '\0') {
      if (g.path != NULL) {
        fprintf(stderr, "%s did: more than one file given\n", prog);
        status = EXIT_USAGE;
      }
      g.path = a;
    } else if (strcmp(a, "--json") == 0) {
      g.json = 1;
    } else if (strcmp(a, "--trends") == 0) {
      rc = causal_did_set_int(d, CAUSAL_DID_TRENDS, 1);
    } else if (!is_valued(a)) {
      fprintf(stderr, "%s did: unknown option '%s'\n", prog, a);
      status = EXIT_USAGE;
    } else if (i + 1 >= argc) {
      fprintf(stderr, "%s did: %s needs a value\n", prog, a);
      status = EXIT_USAGE;
    } else {
      rc = apply(d, opts, &g, a, argv[++i]);
      if (rc <= -1000) {
        status = -(rc + 1000);
        rc = CAUSAL_OK;
      }
    }
  }
  if (status == 0 && rc != CAUSAL_OK)
    status = fail(rc, "option");
  /* 2x2 by default when group/post columns are given */
  if (status == 0 && !g.design_set && (g.group || g.post) &&
      (rc = causal_did_set_int(d, CAUSAL_DID_DESIGN, CAUSAL_DID_2X2)) !=
          CAUSAL_OK)
    status = fail(rc, "option");
  if (status == 0 && (g.path == NULL || g.y == NULL)) {
    fprintf(stderr, "%s did: %s\n", prog,
            g.path == NULL ? "no input file given" : "--y is required");
    did_usage(stderr);
    status = EXIT_USAGE;
  }
  if (status == 0 &&
      (rc = causal_csv_read_file(&ds, g.path, opts)) != CAUSAL_OK)
    status = fail(rc, g.path);
  if (status == 0) {
    rc = g.placebo ? causal_did_fit_outcome(&res, d, ds, g.placebo)
                   : causal_did_fit(&res, d, ds);
    if (rc != CAUSAL_OK)
      status = fail(rc, "did");
  }
  if (status == 0 && g.json) {
    status = print_json(res);
    cli_print_warnings(res);
  } else if (status == 0) {
    char xs[1024];
    const char *x = NULL;
    if (g.x != NULL) {
      /* "a,b" -> "a + b" */
      size_t o = 0;
      for (const char *p = g.x; *p && o + 4 < sizeof xs; p++) {
        if (*p == ',') {
          memcpy(xs + o, " + ", 3);
          o += 3;
        } else if (*p != ' ') {
          xs[o++] = *p;
        }
      }
      xs[o] = '\0';
      x = xs;
    }
    status = print_did(res, g.placebo ? g.placebo : g.y, x);
  }
  if (status == 0 && cli_report_wanted(&rep)) {
    /* event-study coefficients if any, else the coefficient plot */
    causal_chart *ch = NULL;
    if (cli_chart_event(&ch, res, "event", "event_time",
                        "Event-study estimates") != CAUSAL_OK)
      cli_chart_table(&ch, res, "coef", "Coefficients", NULL, 1);
    status = cli_report_write(&rep, "did", argc, argv, res, &ch, 1);
    causal_chart_free(ch);
  }
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_did_free(d);
  causal_csv_options_free(opts);
  return status;
}
