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
          "  --cat COLS          read these columns as categorical\n"
          "  --delimiter C       field delimiter (default ','; 'tab')\n"
          "  --na TOKEN          missing-value token (repeatable)\n"
          "\n"
          "examples:\n"
          "  %s did panel.csv --y frate --unit state --time year "
          "--cohort cohort\n"
          "  %s did panel.csv --y frate --unit state --time year "
          "--cohort cohort \\\n"
          "      --design event-study --leads 3 --lags 5 --x unemp\n"
          "  %s did panel.csv --y frate --group grp --post post "
          "--cluster state --json\n",
          prog, prog, prog, prog, prog);
}

/* Case-insensitive match of s with one of n names; the code or -1. */
static int lookup(const char *s, const char *const *names, const int *codes,
                  size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *a = s, *b = names[i];
    while (*a && *b && (*a | 0x20) == (*b | 0x20)) {
      a++;
      b++;
    }
    if (*a == '\0' && *b == '\0')
      return codes[i];
  }
  return -1;
}

static int design_code(const char *s) {
  static const char *const n[] = {"twfe", "event-study", "event_study", "es",
                                  "2x2"};
  static const int c[] = {CAUSAL_DID_TWFE, CAUSAL_DID_EVENT_STUDY,
                          CAUSAL_DID_EVENT_STUDY, CAUSAL_DID_EVENT_STUDY,
                          CAUSAL_DID_2X2};
  return lookup(s, n, c, 5);
}

static int vcov_code(const char *s) {
  static const char *const n[] = {"classical", "iid", "HC0", "HC1", "HC2",
                                  "HC3",       "CR0", "CR1", "CR2"};
  static const int c[] = {
      CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC0,
      CAUSAL_VCOV_HC1,       CAUSAL_VCOV_HC2,       CAUSAL_VCOV_HC3,
      CAUSAL_VCOV_CR0,       CAUSAL_VCOV_CR1,       CAUSAL_VCOV_CR2};
  return lookup(s, n, c, 9);
}

static int ssc_code(const char *s) {
  static const char *const n[] = {"R", "stata", "statsmodels", "fixest"};
  static const int c[] = {CAUSAL_SSC_R, CAUSAL_SSC_STATA,
                          CAUSAL_SSC_STATSMODELS, CAUSAL_SSC_FIXEST};
  return lookup(s, n, c, 4);
}

static int endpoints_code(const char *s) {
  static const char *const n[] = {"bin", "drop"};
  static const int c[] = {CAUSAL_DID_BIN, CAUSAL_DID_DROP};
  return lookup(s, n, c, 2);
}

/* Call add(d, item) for each comma-separated item of list (blanks
 * trimmed). */
static int add_list(causal_did *d, int (*add)(causal_did *, const char *),
                    const char *list) {
  char buf[1024];
  const char *p = list;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len >= sizeof buf)
      len = sizeof buf - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *s = buf;
    while (*s == ' ')
      s++;
    for (char *t = s + strlen(s); t > s && t[-1] == ' ';)
      *--t = '\0';
    if (*s) {
      int rc = add(d, s);
      if (rc != CAUSAL_OK)
        return rc;
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return CAUSAL_OK;
}

static int set_cat(causal_csv_options *o, const char *list) {
  char buf[1024];
  const char *p = list;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len >= sizeof buf)
      len = sizeof buf - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (len > 0) {
      int rc = causal_csv_options_set_type(o, buf, CAUSAL_TYPE_CAT);
      if (rc != CAUSAL_OK)
        return rc;
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return CAUSAL_OK;
}

/* ---- printing ---- */

static double get_scalar(const causal_result *r, const char *name) {
  double v = NAN;
  if (causal_result_get_scalar(r, name, &v) != CAUSAL_OK)
    return NAN;
  return v;
}

static void fmt_g(char *buf, size_t cap, double v) {
  if (isnan(v))
    snprintf(buf, cap, "NaN");
  else if (isinf(v))
    snprintf(buf, cap, v > 0 ? "Inf" : "-Inf");
  else
    snprintf(buf, cap, "%.5g", v);
}

static void fmt_p(char *buf, size_t cap, double p) {
  if (isnan(p))
    snprintf(buf, cap, "NaN");
  else if (p < 2.2e-16)
    snprintf(buf, cap, "<2e-16");
  else if (p < 1e-4)
    snprintf(buf, cap, "%.2e", p);
  else
    snprintf(buf, cap, "%.4f", p);
}

static const char *stars(double p) {
  return isnan(p)    ? ""
         : p < 0.001 ? "***"
         : p < 0.01  ? "**"
         : p < 0.05  ? "*"
         : p < 0.1   ? "."
                     : "";
}

static void print_head(int w, int z) {
  printf("%-*s %11s %11s %8s %9s %11s %11s\n", w, "", "Estimate", "Std. Error",
         z ? "z value" : "t value", z ? "Pr(>|z|)" : "Pr(>|t|)", "conf.low",
         "conf.high");
}

/* One table row from the six values. */
static void print_row(int w, const char *name, const double *v) {
  char e[32], s[32], p[32], lo[32], hi[32];
  fmt_g(e, sizeof e, v[0]);
  fmt_g(s, sizeof s, v[1]);
  fmt_p(p, sizeof p, v[3]);
  fmt_g(lo, sizeof lo, v[4]);
  fmt_g(hi, sizeof hi, v[5]);
  const char *st = stars(v[3]);
  printf("%-*s %11s %11s %8.3f %9s %11s %11s%s%s\n", w, name, e, s, v[2], p, lo,
         hi, st[0] ? " " : "", st);
}

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
  double ref = get_scalar(r, "reference");
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
    fmt_g(e, sizeof e, tab[i]);
    fmt_g(s, sizeof s, tab[i + k]);
    fmt_p(p, sizeof p, tab[i + 3 * k]);
    fmt_g(lo, sizeof lo, tab[i + 4 * k]);
    fmt_g(hi, sizeof hi, tab[i + 5 * k]);
    const char *st = stars(tab[i + 3 * k]);
    printf("%4s %11s %11s %8.3f %9s %11s %11s %-3s %s\n", name, e, s,
           tab[i + 2 * k], p, lo, hi, st, strip);
  }
  double f = get_scalar(r, "pretrend_f");
  if (!isnan(f)) {
    char fs[32], ps[32];
    double df2 = get_scalar(r, "pretrend_df2");
    fmt_p(ps, sizeof ps, get_scalar(r, "pretrend_p_value"));
    if (isinf(df2)) {
      fmt_g(fs, sizeof fs, get_scalar(r, "pretrend_statistic"));
      printf("Pre-trend test (all leads = 0): chi2(%.0f) = %s, p-value: "
             "%s\n",
             get_scalar(r, "pretrend_df1"), fs, ps);
    } else {
      fmt_g(fs, sizeof fs, f);
      printf("Pre-trend test (all leads = 0): F(%.0f, %.0f) = %s, "
             "p-value: %s\n",
             get_scalar(r, "pretrend_df1"), df2, fs, ps);
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
  double nu = get_scalar(r, "n_units"), np = get_scalar(r, "n_periods");
  double nt = get_scalar(r, "n_treated_units");
  double nn = get_scalar(r, "n_never_treated");
  if (!isnan(nu))
    printf("%.0f units, %.0f periods; %.0f treated, %.0f never treated; ", nu,
           np, nt, nn);
  printf("%.0f observations", get_scalar(r, "nobs"));
  double nd = get_scalar(r, "n_dropped");
  if (nd > 0)
    printf(" (%.0f dropped)", nd);
  const char *vt = "?";
  causal_result_get_string(r, "vcov_type", &vt);
  printf("\nStandard errors: %s", vt);
  double g = get_scalar(r, "n_clusters");
  if (!isnan(g))
    printf(", %.0f clusters", g);
  double df = get_scalar(r, "df");
  int z = isinf(df);
  if (z)
    printf("; normal reference");
  else
    printf("; t(%.0f) reference", df);
  double ntp = get_scalar(r, "n_trend_parameters");
  if (!isnan(ntp))
    printf("; unit-specific linear trends (%.0f parameters)", ntp);
  printf("\n\n");
  const char *what = strcmp(design, "2x2") == 0    ? "Effect (group:post)"
                     : strcmp(design, "twfe") == 0 ? "Effect (treated)"
                                                   : "Average effect (r >= 0)";
  double head[6];
  static const char *const hn[] = {"estimate", "statistic", "p_value",
                                   "conf_low", "conf_high"};
  head[0] = get_scalar(r, hn[0]);
  head[1] = get_scalar(r, "std_error");
  for (int i = 1; i < 5; i++)
    head[i + 1] = get_scalar(r, hn[i]);
  int w = (int)strlen(what);
  print_head(w, z);
  print_row(w, what, head);
  const double *cm = NULL;
  size_t n4 = 0;
  if (causal_result_get_vector(r, "cell_means", &cm, &n4) == CAUSAL_OK &&
      n4 == 4) {
    char b[4][32], dd[32];
    for (int i = 0; i < 4; i++)
      fmt_g(b[i], sizeof b[i], cm[i]);
    printf("\nCell means:    %11s %11s\n", "pre", "post");
    printf("  control      %11s %11s\n  treated      %11s %11s\n", b[0], b[1],
           b[2], b[3]);
    fmt_g(dd, sizeof dd, get_scalar(r, "estimate_means"));
    printf("Difference of the differences: %s\n", dd);
  }
  int ev = !isnan(get_scalar(r, "reference"));
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
      print_head(cw, z);
    }
    double v[6];
    for (int c = 0; c < 6; c++)
      v[c] = tab[j + (size_t)c * k];
    print_row(cw, t, v);
  }
  printf("---\nSignif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 "
         "' ' 1\n");
  for (size_t i = 0; i < causal_result_nwarnings(r); i++)
    fprintf(stderr, "warning: %s\n", causal_result_warning(r, i));
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
  if (strcmp(a, "--cat") == 0)
    return set_cat(o, v);
  if (strcmp(a, "--na") == 0)
    return causal_csv_options_add_na(o, v);
  if (strcmp(a, "--delimiter") == 0) {
    if (strlen(v) != 1 && strcmp(v, "tab") != 0) {
      fprintf(stderr, "%s did: --delimiter takes one character\n", prog);
      return -1000 - EXIT_USAGE;
    }
    return causal_csv_options_set_int(
        o, CAUSAL_CSV_DELIMITER,
        strcmp(v, "tab") == 0 ? '\t' : (unsigned char)v[0]);
  }
  int code = -2;
  int key = 0;
  if (strcmp(a, "--design") == 0) {
    code = design_code(v);
    key = CAUSAL_DID_DESIGN;
    g->design = code;
    g->design_set = 1;
  } else if (strcmp(a, "--vcov") == 0) {
    code = vcov_code(v);
    key = CAUSAL_DID_VCOV;
  } else if (strcmp(a, "--ssc") == 0) {
    code = ssc_code(v);
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
    char *end = NULL;
    double p = strtod(v, &end);
    if (end == v || *end != '\0') {
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
    for (size_t i = 0; i < causal_result_nwarnings(res); i++)
      fprintf(stderr, "warning: %s\n", causal_result_warning(res, i));
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
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_did_free(d);
  causal_csv_options_free(opts);
  return status;
}
