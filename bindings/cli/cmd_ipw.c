/* causal ipw: inverse probability weighting / augmented IPW on a CSV
 * (include/causal/weighting.h, docs/methods/weighting.md): the balance
 * table before and after weighting, then the effect. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ipw_usage(FILE *f) {
  fprintf(f,
          "usage: %s ipw --data FILE.csv --treatment COL --outcome COL "
          "--covariates TERMS\n"
          "           [options]\n"
          "\n"
          "Inverse probability weighting and augmented IPW (doubly robust) "
          "with\n"
          "M-estimation standard errors that account for the estimated "
          "propensity\n"
          "score (a logistic model of the treatment on the covariates).\n"
          "\n"
          "  --data FILE         CSV input (or give FILE as an argument)\n"
          "  --treatment COL     0/1 treatment (required)\n"
          "  --outcome COL       outcome (required)\n"
          "  --covariates TERMS  propensity model terms, comma-separated "
          "(a:b\n"
          "                      interactions; text columns give dummies)\n"
          "  --outcome-covariates TERMS  AIPW outcome-model terms (default: "
          "--covariates)\n"
          "  --scores COL        known propensity scores instead of a fit\n"
          "  --estimand E        ate (default), att, atc, ato (overlap "
          "weights)\n"
          "  --method M          hajek (default, normalized weights), ipw\n"
          "                      (Horvitz-Thompson) or aipw (doubly robust)\n"
          "  --clip LO,HI        clip the scores to [LO, HI]\n"
          "  --trim T            crump (Crump et al. 2009) or LO,HI fixed "
          "bounds\n"
          "  --cluster COL       cluster-robust standard errors\n"
          "  --stabilize         report stabilized weights (JSON)\n"
          "  --conf-level P      confidence level (default 0.95)\n"
          "  --threshold T       balance flag threshold for |SMD| (default "
          "0.1)\n"
          "  --json              write {\"effect\": ..., \"balance\": ...} "
          "as JSON\n"
          CLI_REPORT_HELP
          "\n"
          "examples:\n"
          "  %s ipw --data data/lalonde.csv --treatment treat --outcome re78 \\\n"
          "      --covariates age,educ,race,married,nodegree,re74,re75\n"
          "  %s ipw --data data/lalonde.csv --treatment treat --outcome re78 \\\n"
          "      --covariates age,educ,race --estimand att --method aipw "
          "--json\n",
          prog, prog, prog);
}

typedef struct ipw_args {
  const char *path, *treatment, *outcome, *covs, *ocovs, *scores, *cluster;
  int estimand, method, stabilize, json;
  double conf, threshold;
  int have_clip, trim;
  double clip[2], trim_b[2];
  cli_report rep;
} ipw_args;

static int parse_pair(const char *s, double *v) {
  char buf[128];
  const char *c = strchr(s, ',');
  if (c == NULL || (size_t)(c - s) >= sizeof buf)
    return 0;
  memcpy(buf, s, (size_t)(c - s));
  buf[c - s] = '\0';
  return cli_parse_double(buf, &v[0]) && cli_parse_double(c + 1, &v[1]);
}

static int add_ps_term(void *ctx, const char *item) {
  return causal_propensity_add_term(ctx, item);
}
static int add_out_term(void *ctx, const char *item) {
  return causal_weighting_add_outcome_term(ctx, item);
}

/* Distinct column names of the terms (for the balance table). */
typedef struct colset {
  char names[64][128];
  size_t n;
} colset;
static int add_cols(void *ctx, const char *item) {
  colset *s = ctx;
  const char *p = item;
  while (*p) {
    const char *c = strchr(p, ':');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len < 128 && s->n < 64) {
      char nm[128];
      memcpy(nm, p, len);
      nm[len] = '\0';
      size_t k = 0;
      while (k < s->n && strcmp(s->names[k], nm) != 0)
        k++;
      if (k == s->n)
        memcpy(s->names[s->n++], nm, len + 1);
    }
    if (c == NULL)
      break;
    p = c + 1;
  }
  return CAUSAL_OK;
}

static int parse(ipw_args *g, int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      ipw_usage(stdout);
      return -1;
    }
    if (a[0] != '-') {
      g->path = a;
      continue;
    }
    if (cli_report_option(&g->rep, "ipw", argc, argv, &i)) {
      if (g->rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (strcmp(a, "--json") == 0) {
      g->json = 1;
      continue;
    }
    if (strcmp(a, "--stabilize") == 0) {
      g->stabilize = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s ipw: %s needs a value\n", prog, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--data") == 0)
      g->path = v;
    else if (strcmp(a, "--treatment") == 0)
      g->treatment = v;
    else if (strcmp(a, "--outcome") == 0)
      g->outcome = v;
    else if (strcmp(a, "--covariates") == 0)
      g->covs = v;
    else if (strcmp(a, "--outcome-covariates") == 0)
      g->ocovs = v;
    else if (strcmp(a, "--scores") == 0)
      g->scores = v;
    else if (strcmp(a, "--cluster") == 0)
      g->cluster = v;
    else if (strcmp(a, "--estimand") == 0) {
      static const char *const n[] = {"ate", "att", "atc", "ato", "overlap"};
      static const int c[] = {1, 2, 3, 4, 4};
      if ((g->estimand = cli_lookup(v, n, c, 5)) < 0) {
        fprintf(stderr, "%s ipw: --estimand '%s' is not ate, att, atc or "
                        "ato\n",
                prog, v);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--method") == 0) {
      static const char *const n[] = {"ipw", "ht", "hajek", "aipw"};
      static const int c[] = {1, 1, 2, 3};
      if ((g->method = cli_lookup(v, n, c, 4)) < 0) {
        fprintf(stderr, "%s ipw: --method '%s' is not hajek, ipw or aipw\n",
                prog, v);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--clip") == 0) {
      if (!parse_pair(v, g->clip)) {
        fprintf(stderr, "%s ipw: --clip needs LO,HI\n", prog);
        return EXIT_USAGE;
      }
      g->have_clip = 1;
    } else if (strcmp(a, "--trim") == 0) {
      if (strcmp(v, "crump") == 0)
        g->trim = CAUSAL_TRIM_CRUMP;
      else if (parse_pair(v, g->trim_b))
        g->trim = CAUSAL_TRIM_FIXED;
      else {
        fprintf(stderr, "%s ipw: --trim needs crump or LO,HI\n", prog);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--conf-level") == 0 ||
               strcmp(a, "--threshold") == 0) {
      double *dst = a[2] == 'c' ? &g->conf : &g->threshold;
      if (!cli_parse_double(v, dst)) {
        fprintf(stderr, "%s ipw: %s needs a number, not '%s'\n", prog, a, v);
        return EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "%s ipw: unknown option '%s'\n", prog, a);
      return EXIT_USAGE;
    }
  }
  if (g->path == NULL || g->treatment == NULL || g->outcome == NULL ||
      (g->covs == NULL && g->scores == NULL)) {
    fprintf(stderr, "%s ipw: %s\n", prog,
            g->path == NULL        ? "no input file given (--data)"
            : g->treatment == NULL ? "--treatment is required"
            : g->outcome == NULL   ? "--outcome is required"
                                   : "--covariates (or --scores) is required");
    ipw_usage(stderr);
    return EXIT_USAGE;
  }
  return 0;
}

static int build(const ipw_args *g, causal_propensity *p, causal_weighting *w) {
  int rc = causal_propensity_set_treatment(p, g->treatment);
  if (rc == CAUSAL_OK && g->covs)
    rc = cli_each_item(g->covs, 1, add_ps_term, p);
  if (rc == CAUSAL_OK && g->scores)
    rc = causal_propensity_set_scores(p, g->scores);
  if (rc == CAUSAL_OK && g->have_clip)
    rc = causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_LOW,
                                      g->clip[0]);
  if (rc == CAUSAL_OK && g->have_clip)
    rc = causal_propensity_set_double(p, CAUSAL_PROPENSITY_CLIP_HIGH,
                                      g->clip[1]);
  if (rc == CAUSAL_OK && g->trim)
    rc = causal_propensity_set_int(p, CAUSAL_PROPENSITY_TRIM, g->trim);
  if (rc == CAUSAL_OK && g->trim == CAUSAL_TRIM_FIXED)
    rc = causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_LOW,
                                      g->trim_b[0]);
  if (rc == CAUSAL_OK && g->trim == CAUSAL_TRIM_FIXED)
    rc = causal_propensity_set_double(p, CAUSAL_PROPENSITY_TRIM_HIGH,
                                      g->trim_b[1]);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, g->outcome);
  if (rc == CAUSAL_OK && g->ocovs)
    rc = cli_each_item(g->ocovs, 1, add_out_term, w);
  if (rc == CAUSAL_OK && g->cluster)
    rc = causal_weighting_set_cluster(w, g->cluster);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND, g->estimand);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD, g->method);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_STABILIZE, g->stabilize);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_double(w, CAUSAL_WEIGHTING_CONF_LEVEL, g->conf);
  return rc;
}

/* Balance of the covariates over the used rows, with the IPW weights. */
static int balance_of(causal_result **out, const ipw_args *g,
                      const causal_dataset *ds, const causal_result *res) {
  colset cs;
  cs.n = 0;
  if (g->covs)
    cli_each_item(g->covs, 1, add_cols, &cs);
  if (cs.n == 0)
    return CAUSAL_OK;
  const double *rows = NULL, *w = NULL;
  size_t n = 0;
  int rc = causal_result_get_vector(res, "rows", &rows, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(res, "weights", &w, &n);
  int64_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (rc == CAUSAL_OK && idx == NULL)
    rc = CAUSAL_ENOMEM;
  causal_dataset *sub = NULL;
  causal_balance *b = NULL;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
    idx[i] = (int64_t)rows[i];
  if (rc == CAUSAL_OK)
    rc = causal_dataset_subset_rows(&sub, ds, idx, n);
  if (rc == CAUSAL_OK)
    rc = causal_balance_new(&b);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_treatment(b, g->treatment);
  for (size_t j = 0; rc == CAUSAL_OK && j < cs.n; j++)
    rc = causal_balance_add_covariate(b, cs.names[j]);
  int denom = g->estimand == CAUSAL_WEIGHTING_ATT   ? CAUSAL_BALANCE_TREATED
              : g->estimand == CAUSAL_WEIGHTING_ATC ? CAUSAL_BALANCE_CONTROL
                                                    : CAUSAL_BALANCE_POOLED;
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_int(b, CAUSAL_BALANCE_SD_DENOM, denom);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_double(b, CAUSAL_BALANCE_THRESHOLD, g->threshold);
  if (rc == CAUSAL_OK)
    rc = causal_balance_compute(out, b, sub, w, n);
  causal_balance_free(b);
  causal_dataset_free(sub);
  free(idx);
  return rc;
}

static void print_balance(const causal_result *b) {
  const double *m = NULL;
  size_t nr = 0, nc = 0;
  if (causal_result_get_matrix(b, "balance", &m, &nr, &nc) != CAUSAL_OK ||
      nc < 14)
    return;
  const char *den = "?";
  causal_result_get_string(b, "sd_denom", &den);
  int w = 12;
  for (size_t i = 0; i < nr; i++) {
    int l = (int)strlen(causal_result_dimname(b, "balance", 0, i));
    w = l > w ? l : w;
  }
  printf("Covariate balance (standardized mean differences with the "
         "unweighted %s SD;\nflag: |SMD| > %g before, after weighting):\n",
         den, cli_scalar(b, "threshold"));
  printf("%-*s %10s %10s %10s %10s %10s %10s  flag\n", w, "", "SMD",
         "VarRatio", "eCDFmax", "SMD.w", "VarRatio.w", "eCDFmax.w");
  static const int cols[6] = {2, 3, 5, 9, 10, 12};
  for (size_t i = 0; i < nr; i++) {
    printf("%-*s", w, causal_result_dimname(b, "balance", 0, i));
    for (int c = 0; c < 6; c++) {
      double v = m[(size_t)cols[c] * nr + i];
      if (isnan(v))
        printf(" %10s", ".");
      else
        printf(" %10.4f", v);
    }
    printf("  %c%c\n", m[6 * nr + i] != 0 ? '*' : '-',
           m[13 * nr + i] != 0 ? '*' : '-');
  }
  printf("Flagged: %.0f before, %.0f after weighting; effective sample sizes "
         "%.1f treated, %.1f control\n\n",
         cli_scalar(b, "n_flagged"), cli_scalar(b, "n_flagged_adj"),
         cli_scalar(b, "ess_treated"), cli_scalar(b, "ess_control"));
}

static void print_effect(const ipw_args *g, const causal_result *r) {
  const char *est = "?", *meth = "?";
  causal_result_get_string(r, "estimand", &est);
  causal_result_get_string(r, "method", &meth);
  const char *ml = strcmp(meth, "hajek") == 0 ? "IPW (Hajek, normalized)"
                   : strcmp(meth, "ipw") == 0 ? "IPW (Horvitz-Thompson)"
                                              : "AIPW (doubly robust)";
  printf("%s estimate of the %s: %s by %s\n", ml, est, g->outcome,
         g->treatment);
  printf("Units: %.0f (%.0f treated, %.0f control)", cli_scalar(r, "nobs"),
         cli_scalar(r, "n_treated"), cli_scalar(r, "n_control"));
  double nd = cli_scalar(r, "n_dropped"), nt = cli_scalar(r, "n_trimmed"),
         ncl = cli_scalar(r, "n_clipped");
  if (nd > 0)
    printf("; %.0f dropped (missing)", nd);
  if (nt > 0)
    printf("; %.0f trimmed", nt);
  if (ncl > 0)
    printf("; %.0f scores clipped", ncl);
  printf("\nStandard errors: M-estimation (sandwich incl. the propensity "
         "model)");
  double G = cli_scalar(r, "n_clusters");
  if (!isnan(G))
    printf(", %.0f clusters", G);
  printf("; normal reference\n\n");
  const double *tab = NULL;
  size_t k = 0, nc = 0;
  if (causal_result_get_matrix(r, "coef", &tab, &k, &nc) != CAUSAL_OK)
    return;
  cli_print_head(6, 1);
  for (size_t i = 0; i < k; i++)
    cli_print_row(6, causal_result_dimname(r, "coef", 0, i), tab + i, k);
  cli_print_signif();
}

/* --report: love plot before/after weighting, overlap histograms, the
 * effect as a summary and the effect and balance tables. */
static int ipw_report(const ipw_args *g, const causal_result *res,
                      const causal_result *bal, int argc, char **argv) {
  causal_chart *ch[2] = {NULL, NULL};
  const double *ps = NULL, *tr = NULL;
  size_t n = 0, nt = 0;
  if (bal != NULL)
    cli_chart_love(&ch[0], bal, "Covariate balance before and after weighting");
  if (causal_result_get_vector(res, "propensity", &ps, &n) == CAUSAL_OK &&
      causal_result_get_vector(res, "treatment", &tr, &nt) == CAUSAL_OK &&
      n == nt)
    cli_chart_overlap(&ch[1], ps, tr, n, "Propensity-score overlap by arm");
  const char *est = "?", *meth = "?";
  causal_result_get_string(res, "estimand", &est);
  causal_result_get_string(res, "method", &meth);
  char v[4][96];
  snprintf(v[0], sizeof v[0], "%s (%s)", est, meth);
  snprintf(v[1], sizeof v[1], "%.6g [%.6g, %.6g] (%g%% CI)",
           cli_scalar(res, "estimate"), cli_scalar(res, "conf_low"),
           cli_scalar(res, "conf_high"), 100 * g->conf);
  snprintf(v[2], sizeof v[2], "%.4g", cli_scalar(res, "p_value"));
  snprintf(v[3], sizeof v[3], "%.1f treated, %.1f control",
           cli_scalar(res, "ess_treated"), cli_scalar(res, "ess_control"));
  const char *keys[4] = {"Estimand", "Estimate", "p-value",
                         "Effective sample size"};
  const char *vals[4] = {v[0], v[1], v[2], v[3]};
  const causal_result *rs[2] = {res, bal};
  const char *caps[2] = {"Effect (weighting)", "Covariate balance"};
  cli_report_parts p;
  memset(&p, 0, sizeof p);
  p.keys = keys;
  p.vals = vals;
  p.nkv = 4;
  p.charts = ch;
  p.ncharts = 2;
  p.res = rs;
  p.captions = caps;
  p.nres = 2;
  p.max_vector = 100; /* not the per-unit weights and scores */
  int st = cli_report_write_parts(&g->rep, "ipw", argc, argv, &p);
  causal_chart_free(ch[0]);
  causal_chart_free(ch[1]);
  return st;
}

int cmd_ipw(const char *cmd, int argc, char **argv) {
  (void)cmd;
  ipw_args g;
  memset(&g, 0, sizeof g);
  g.estimand = CAUSAL_WEIGHTING_ATE;
  g.method = CAUSAL_WEIGHTING_HAJEK;
  g.conf = 0.95;
  g.threshold = 0.1;
  int status = parse(&g, argc, argv);
  if (status != 0)
    return status < 0 ? 0 : status;
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  causal_dataset *ds = NULL;
  causal_result *res = NULL, *bal = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = build(&g, p, w);
  if (rc != CAUSAL_OK)
    status = fail(rc, "option");
  if (status == 0 && (rc = causal_csv_read_file(&ds, g.path, NULL)) !=
                         CAUSAL_OK)
    status = fail(rc, g.path);
  if (status == 0 && (rc = causal_weighting_fit(&res, w, p, ds)) != CAUSAL_OK)
    status = fail(rc, "ipw");
  if (status == 0 && (rc = balance_of(&bal, &g, ds, res)) != CAUSAL_OK)
    status = fail(rc, "balance");
  if (status == 0 && g.json) {
    char *je = NULL, *jb = NULL;
    size_t le = 0, lb = 0;
    rc = causal_result_to_json(res, &je, &le);
    if (rc == CAUSAL_OK && bal != NULL)
      rc = causal_result_to_json(bal, &jb, &lb);
    if (rc != CAUSAL_OK)
      status = fail(rc, "writing JSON");
    else
      printf("{\"effect\": %s, \"balance\": %s}\n", je, jb ? jb : "null");
    causal_free(je);
    causal_free(jb);
    cli_print_warnings(res);
  } else if (status == 0) {
    if (bal != NULL)
      print_balance(bal);
    print_effect(&g, res);
    cli_print_warnings(res);
  }
  if (status == 0 && cli_report_wanted(&g.rep))
    status = ipw_report(&g, res, bal, argc, argv);
  causal_result_free(bal);
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_weighting_free(w);
  causal_propensity_free(p);
  return status;
}
