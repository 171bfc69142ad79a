/* causal fuse — fuse a randomized estimate with observational ones
 * (include/causal/fusion.h; formulas in docs/methods/fusion.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FUSE_MAX = 1000 };

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s fuse (--rct EST,SE --obs EST,SE [--obs ...] | --csv "
          "FILE) [options]\n"
          "Fuse a randomized estimate with observational estimates.\n"
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
          "examples:\n"
          "  %s fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092\n"
          "  %s fuse --rct 0.0522,0.0085 --obs 0.0489,0.0092 --method "
          "mixture --json\n"
          "  %s fuse --csv sources.csv --method reml\n",
          prog, prog, prog, prog);
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

int cmd_fuse(const char *cmd, int argc, char **argv) {
  (void)cmd;
  static double est[FUSE_MAX], se[FUSE_MAX];
  size_t k = 1; /* slot 0 is the RCT on the command line */
  int have_rct = 0, json = 0, method = CAUSAL_FUSION_IVW, rct = 0;
  const char *csv = NULL;
  int dkeys[8];
  double dvals[8];
  int nd = 0;
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
  causal_fusion_free(f);
  if (rc != 0)
    return fail(rc, "fuse");
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
  causal_result_free(r);
  return ex;
}
