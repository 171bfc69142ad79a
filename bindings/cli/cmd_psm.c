/* causal psm: propensity-score matching on a CSV (include/causal/match.h,
 * docs/methods/matching.md): greedy nearest-neighbour matching with the
 * cluster-robust SE of the effect, and the Abadie–Imbens estimator on the
 * same estimated score with its AI (2006) and AI (2016) standard errors. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void psm_usage(FILE *f) {
  fprintf(f,
          "usage: %s psm --data FILE.csv --treatment COL --outcome COL\n"
          "           --covariates TERMS [options]\n"
          "\n"
          "Propensity-score matching: a logistic propensity model, greedy\n"
          "nearest-neighbour matching (the rules of R MatchIt, method "
          "\"nearest\"),\n"
          "the effect on the matched data with a cluster-robust SE on the "
          "matched\n"
          "sets, and the Abadie-Imbens matching estimator on the same score "
          "with\n"
          "its analytic SE, adjusted for the estimated score (Abadie-Imbens "
          "2016).\n"
          "\n"
          "model:\n"
          "  --data FILE         input CSV (or give FILE as an argument)\n"
          "  --treatment COL     0/1 treatment (required)\n"
          "  --outcome COL       outcome (required)\n"
          "  --covariates TERMS  propensity-model terms, comma-separated "
          "(a:b\n"
          "                      interactions; categorical columns as "
          "dummies)\n"
          "  --score COL         use this column as the score instead\n"
          "\n"
          "matching:\n"
          "  --distance D        ps (default, fitted probability) or linear "
          "(logit)\n"
          "  --ratio K           K:1 matching (default 1)\n"
          "  --caliper C         caliper in SDs of the score (default none)\n"
          "  --replace           match with replacement\n"
          "  --estimand E        ATT (default) or ATC\n"
          "  --order O           largest, smallest, random, data "
          "(default: largest\n"
          "                      for ATT, smallest for ATC)\n"
          "  --seed N            seed of --order random (default 1)\n"
          "  --exact COLS        match exactly on these columns\n"
          "  --compat            MatchIt 4.5.1's truncated score "
          "comparisons\n"
          "  --conf-level P      confidence level (default 0.95)\n"
          "\n"
          "input and output:\n"
          "  --json              write both results as JSON: {\"match\": "
          "...,\n"
          "                      \"ai\": ...}\n"
          "  --cat COLS          read these columns as categorical\n"
          "  --delimiter C       field delimiter (default ','; 'tab')\n"
          "  --na TOKEN          missing-value token (repeatable)\n"
          "\n"
          "examples:\n"
          "  %s psm --data data/lalonde.csv --treatment treat --outcome re78 \\\n"
          "      --covariates age,educ,race,married,nodegree,re74,re75\n"
          "  %s psm --data data/lalonde.csv --treatment treat --outcome re78 \\\n"
          "      --covariates age,educ,re74,re75 --ratio 2 --caliper 0.2 "
          "--json\n",
          prog, prog, prog);
}

struct psm_args {
  const char *path, *outcome, *covs, *score;
  int json, have_ratio;
  int64_t ratio, estimand;
};

static int add_cov(void *ctx, const char *item) {
  return causal_match_add_covariate(ctx, item);
}
static int add_exact(void *ctx, const char *item) {
  return causal_match_add_exact(ctx, item);
}

static int lookup(const char *s, const char *const *n, const int *c, size_t k,
                  const char *opt) {
  int v = cli_lookup(s, n, c, k);
  if (v < 0)
    fprintf(stderr, "%s psm: %s '%s' is not valid\n", prog, opt, s);
  return v;
}

/* One valued option; returns a library status, or -1000 - exit code. */
static int apply(causal_match *m, causal_match *ai, causal_csv_options *o,
                 struct psm_args *g, const char *a, const char *v) {
  int rc = CAUSAL_OK, st = 0;
  if (cli_csv_option(o, "psm", a, v, &rc, &st))
    return st ? -1000 - st : rc;
  double x;
  if (strcmp(a, "--data") == 0) {
    g->path = v;
  } else if (strcmp(a, "--treatment") == 0) {
    rc = causal_match_set_treatment(m, v);
    if (rc == CAUSAL_OK)
      rc = causal_match_set_treatment(ai, v);
  } else if (strcmp(a, "--outcome") == 0) {
    g->outcome = v;
    rc = causal_match_set_outcome(m, v);
    if (rc == CAUSAL_OK)
      rc = causal_match_set_outcome(ai, v);
  } else if (strcmp(a, "--covariates") == 0) {
    g->covs = v;
    rc = cli_each_item(v, 1, add_cov, m);
    if (rc == CAUSAL_OK)
      rc = cli_each_item(v, 1, add_cov, ai);
  } else if (strcmp(a, "--score") == 0) {
    g->score = v;
    rc = causal_match_set_score(m, v);
    if (rc == CAUSAL_OK)
      rc = causal_match_set_score(ai, v);
  } else if (strcmp(a, "--exact") == 0) {
    rc = cli_each_item(v, 1, add_exact, m);
  } else if (strcmp(a, "--distance") == 0) {
    static const char *const n[] = {"ps", "glm", "linear", "linear.logit"};
    static const int c[] = {CAUSAL_MATCH_DIST_PS, CAUSAL_MATCH_DIST_PS,
                            CAUSAL_MATCH_DIST_LINEAR_PS,
                            CAUSAL_MATCH_DIST_LINEAR_PS};
    int d = lookup(v, n, c, 4, a);
    if (d < 0)
      return -1000 - EXIT_USAGE;
    rc = causal_match_set_int(m, CAUSAL_MATCH_DISTANCE, d);
  } else if (strcmp(a, "--estimand") == 0) {
    static const char *const n[] = {"att", "atc", "ate"};
    static const int c[] = {CAUSAL_MATCH_ATT, CAUSAL_MATCH_ATC,
                            CAUSAL_MATCH_ATE};
    int e = lookup(v, n, c, 3, a);
    if (e < 0)
      return -1000 - EXIT_USAGE;
    g->estimand = e;
    rc = causal_match_set_int(m, CAUSAL_MATCH_ESTIMAND, e);
    if (rc == CAUSAL_OK)
      rc = causal_match_set_int(ai, CAUSAL_MATCH_ESTIMAND, e);
  } else if (strcmp(a, "--order") == 0) {
    static const char *const n[] = {"largest", "smallest", "random", "data"};
    static const int c[] = {CAUSAL_MATCH_ORDER_LARGEST,
                            CAUSAL_MATCH_ORDER_SMALLEST,
                            CAUSAL_MATCH_ORDER_RANDOM, CAUSAL_MATCH_ORDER_DATA};
    int d = lookup(v, n, c, 4, a);
    if (d < 0)
      return -1000 - EXIT_USAGE;
    rc = causal_match_set_int(m, CAUSAL_MATCH_ORDER, d);
  } else if (strcmp(a, "--ratio") == 0 || strcmp(a, "--seed") == 0) {
    if (!cli_parse_double(v, &x) || x != floor(x)) {
      fprintf(stderr, "%s psm: %s needs a whole number, not '%s'\n", prog, a,
              v);
      return -1000 - EXIT_USAGE;
    }
    if (a[2] == 'r') {
      g->ratio = (int64_t)x;
      rc = causal_match_set_int(m, CAUSAL_MATCH_RATIO, (int64_t)x);
    } else {
      rc = causal_match_set_int(m, CAUSAL_MATCH_SEED, (int64_t)x);
    }
  } else if (strcmp(a, "--caliper") == 0 || strcmp(a, "--conf-level") == 0) {
    if (!cli_parse_double(v, &x)) {
      fprintf(stderr, "%s psm: %s needs a number, not '%s'\n", prog, a, v);
      return -1000 - EXIT_USAGE;
    }
    int key = a[2] == 'c' && a[3] == 'a' ? CAUSAL_MATCH_CALIPER
                                         : CAUSAL_MATCH_CONF_LEVEL;
    rc = causal_match_set_double(m, key, x);
    if (rc == CAUSAL_OK && key == CAUSAL_MATCH_CONF_LEVEL)
      rc = causal_match_set_double(ai, key, x);
  } else {
    fprintf(stderr, "%s psm: unknown option '%s'\n", prog, a);
    return -1000 - EXIT_USAGE;
  }
  return rc;
}

static void row(const char *name, const causal_result *r, const char *se_name,
                const char *label) {
  char e[32], s[32], lo[32], hi[32], p[32];
  double est = cli_scalar(r, "estimate"), se = cli_scalar(r, se_name);
  double z = cli_scalar(r, "conf_high") - est;
  double zq = z / cli_scalar(r, "std_error"); /* critical value */
  cli_fmt_g(e, sizeof e, est);
  cli_fmt_g(s, sizeof s, se);
  cli_fmt_g(lo, sizeof lo, est - zq * se);
  cli_fmt_g(hi, sizeof hi, est + zq * se);
  double pv = erfc(fabs(est / se) / sqrt(2.0));
  cli_fmt_p(p, sizeof p, pv);
  printf("  %-26s %11s %11s %9s  [%s, %s]  %s\n", name, e, s, p, lo, hi, label);
}

static int print_text(const causal_result *r, const causal_result *a,
                      const char *outcome) {
  const char *est = "ATT";
  causal_result_get_string(r, "estimand", &est);
  printf("Propensity-score matching: %s of treatment on %s\n", est, outcome);
  printf("Matching: nearest neighbour, %.0f:1, %s replacement",
         cli_scalar(r, "ratio"),
         cli_scalar(r, "replace") > 0 ? "with" : "without");
  double cal = cli_scalar(r, "caliper");
  if (isfinite(cal))
    printf(", caliper %.6g (score units)", cal);
  printf("\n");
  printf("             treated   control\n");
  printf("  all      %9.0f %9.0f\n", cli_scalar(r, "n_treated"),
         cli_scalar(r, "n_control"));
  printf("  matched  %9.0f %9.0f\n", cli_scalar(r, "n_matched_treated"),
         cli_scalar(r, "n_matched_control"));
  printf("  unmatched%9.0f %9.0f\n", cli_scalar(r, "n_unmatched_treated"),
         cli_scalar(r, "n_unmatched_control"));
  printf("\n  %-26s %11s %11s %9s  %s\n", "", "Estimate", "Std. Error", "p",
         "CI");
  row("matched difference", r, "std_error",
      cli_scalar(r, "replace") > 0 ? "HC1" : "cluster-robust (matched sets)");
  if (a != NULL) {
    char lab[64];
    snprintf(lab, sizeof lab, "Abadie-Imbens, M = %.0f", cli_scalar(a, "M"));
    double adj = cli_scalar(a, "std_error_unadjusted");
    if (isfinite(adj)) {
      row(lab, a, "std_error_unadjusted", "AI (2006)");
      row("", a, "std_error", "AI (2016), estimated score");
    } else {
      row(lab, a, "std_error", "AI (2006)");
    }
  }
  return 0;
}

static int print_both_json(const causal_result *r, const causal_result *a) {
  char *j1 = NULL, *j2 = NULL;
  size_t l1 = 0, l2 = 0;
  int rc = causal_result_to_json(r, &j1, &l1);
  if (rc == CAUSAL_OK && a != NULL)
    rc = causal_result_to_json(a, &j2, &l2);
  if (rc != CAUSAL_OK) {
    causal_free(j1);
    return fail(rc, "json");
  }
  printf("{\"match\": %s, \"ai\": %s}\n", j1, j2 ? j2 : "null");
  causal_free(j1);
  causal_free(j2);
  return 0;
}

int cmd_psm(const char *cmd, int argc, char **argv) {
  (void)cmd;
  struct psm_args g = {NULL, NULL, NULL, NULL, 0, 0, 1, CAUSAL_MATCH_ATT};
  int status = 0, rc = CAUSAL_OK;
  causal_csv_options *opts = NULL;
  causal_match *m = NULL, *ai = NULL;
  causal_dataset *ds = NULL;
  causal_result *res = NULL, *ares = NULL;
  if ((rc = causal_csv_options_new(&opts)) != CAUSAL_OK ||
      (rc = causal_match_new(&m)) != CAUSAL_OK ||
      (rc = causal_match_new(&ai)) != CAUSAL_OK) {
    causal_match_free(m);
    causal_csv_options_free(opts);
    return fail(rc, "setup");
  }
  for (int i = 0; i < argc && status == 0 && rc == CAUSAL_OK; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      psm_usage(stdout);
      causal_match_free(m);
      causal_match_free(ai);
      causal_csv_options_free(opts);
      return 0;
    }
    if (a[0] != '-' || a[1] == '\0') {
      if (g.path != NULL) {
        fprintf(stderr, "%s psm: more than one file given\n", prog);
        status = EXIT_USAGE;
      }
      g.path = a;
    } else if (strcmp(a, "--json") == 0) {
      g.json = 1;
    } else if (strcmp(a, "--replace") == 0) {
      rc = causal_match_set_int(m, CAUSAL_MATCH_REPLACE, 1);
    } else if (strcmp(a, "--compat") == 0) {
      rc = causal_match_set_int(m, CAUSAL_MATCH_COMPAT, 1);
    } else if (i + 1 >= argc) {
      fprintf(stderr, "%s psm: %s needs a value\n", prog, a);
      status = EXIT_USAGE;
    } else {
      rc = apply(m, ai, opts, &g, a, argv[++i]);
      if (rc <= -1000) {
        status = -(rc + 1000);
        rc = CAUSAL_OK;
      }
    }
  }
  if (status == 0 && rc != CAUSAL_OK)
    status = fail(rc, "option");
  if (status == 0 &&
      (g.path == NULL || g.outcome == NULL || (!g.covs && !g.score))) {
    fprintf(stderr, "%s psm: %s\n", prog,
            g.path == NULL      ? "no input file given (--data)"
            : g.outcome == NULL ? "--outcome is required"
                                : "--covariates or --score is required");
    psm_usage(stderr);
    status = EXIT_USAGE;
  }
  if (status == 0 &&
      (rc = causal_csv_read_file(&ds, g.path, opts)) != CAUSAL_OK)
    status = fail(rc, g.path);
  if (status == 0 && (rc = causal_match_effect(&res, m, ds)) != CAUSAL_OK)
    status = fail(rc, "psm");
  if (status == 0) {
    /* Abadie–Imbens on the same score: M = ratio, with the 2016
     * adjustment when the score is estimated here */
    rc = causal_match_set_int(ai, CAUSAL_MATCH_AI_ON_SCORE, 1);
    if (rc == CAUSAL_OK)
      rc = causal_match_set_int(ai, CAUSAL_MATCH_AI_M, g.ratio);
    if (rc == CAUSAL_OK && g.score == NULL)
      rc = causal_match_set_int(ai, CAUSAL_MATCH_AI_PS_ADJUST, 1);
    if (rc == CAUSAL_OK)
      rc = causal_match_ai(&ares, ai, ds);
    if (rc != CAUSAL_OK) {
      fprintf(stderr,
              "%s psm: warning: Abadie-Imbens estimate not "
              "available: %s\n",
              prog, causal_last_error());
      ares = NULL;
    }
  }
  if (status == 0 && g.json) {
    status = print_both_json(res, ares);
    cli_print_warnings(res);
  } else if (status == 0) {
    status = print_text(res, ares, g.outcome);
    cli_print_warnings(res);
  }
  causal_result_free(res);
  causal_result_free(ares);
  causal_dataset_free(ds);
  causal_match_free(m);
  causal_match_free(ai);
  causal_csv_options_free(opts);
  return status;
}
