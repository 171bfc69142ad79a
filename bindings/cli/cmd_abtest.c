/* causal abtest: each arm against the control, from unit-level rows or
 * per-arm aggregates in a CSV file (comma-separated, header line). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void abtest_usage(FILE *f) {
  fprintf(
      f,
      "usage: %s abtest [options] FILE.csv\n"
      "\n"
      "Compare every arm with the control (the first arm seen, or --control).\n"
      "Unit rows (default): one row per unit with an arm column and a metric\n"
      "column. Aggregates (--aggregates): one row per arm with columns\n"
      "  arm,n,sum,sumsq          (mean metrics), or\n"
      "  arm,trials,successes     (--type proportion).\n"
      "\n"
      "options:\n"
      "  --arm COL            arm column (default 'arm')\n"
      "  --y COL              metric column (default 'y')\n"
      "  --denominator COL    ratio metric sum(y)/sum(COL) (delta method)\n"
      "  --covariate COL      pre-period covariate for CUPED (repeatable;\n"
      "                       empty or NA cells use a missing indicator)\n"
      "  --type T             mean (default), proportion, ratio\n"
      "  --test T             welch, student, z, z_pooled, z_unpooled, chisq,\n"
      "                       fisher (default: welch / z_pooled / z)\n"
      "  --alternative A      two-sided (default), greater, less\n"
      "  --margin M           null difference (non-inferiority: greater, -m)\n"
      "  --conf-level L       default 0.95\n"
      "  --adjust M           none, bonferroni, holm, BH, BY, dunnett\n"
      "  --allocation a,b,.. planned shares (adds the SRM check)\n"
      "  --control LABEL      control arm label\n"
      "  --aggregates         the file holds per-arm aggregates\n"
      "  --json               write the result as JSON\n"
      CLI_REPORT_HELP
      "\n"
      "examples:\n"
      "  %s abtest --y y --covariate x1 tests/data/abtest_units.csv\n"
      "  %s abtest --aggregates --type proportion --allocation 0.5,0.5 examples/ab_arms.csv\n"
      "  %s abtest --type ratio --y clicks --denominator views --adjust holm u.csv\n",
      prog, prog, prog, prog);
}

enum { MAX_ARMS = 64, MAX_COLS = 64, MAX_COV = 16 };

typedef struct arms {
  char *label[MAX_ARMS];
  causal_abstats *st[MAX_ARMS];
  size_t k;
} arms;

static int split(char *line, char **f, int max) {
  int n = 0;
  char *p = line;
  line[strcspn(line, "\r\n")] = 0;
  while (n < max) {
    f[n++] = p;
    char *c = strchr(p, ',');
    if (!c)
      break;
    *c = 0;
    p = c + 1;
  }
  return n;
}

static int col_index(char **hdr, int nh, const char *name) {
  for (int i = 0; i < nh; i++)
    if (strcmp(hdr[i], name) == 0)
      return i;
  return -1;
}

static int arm_index(arms *A, const char *label, int flags, size_t ncov,
                     int create) {
  for (size_t i = 0; i < A->k; i++)
    if (strcmp(A->label[i], label) == 0)
      return (int)i;
  if (!create || A->k == MAX_ARMS)
    return -1;
  A->label[A->k] = strdup(label);
  if (causal_abstats_new(&A->st[A->k], flags, ncov) != 0)
    return -1;
  return (int)A->k++;
}

static int parse_num(const char *s, double *v) {
  char *e;
  if (*s == 0 || strcmp(s, "NA") == 0) {
    *v = NAN;
    return 1;
  }
  *v = strtod(s, &e);
  return *e == 0;
}

int cmd_abtest(const char *cmd, int argc, char **argv) {
  (void)cmd;
  const char *armcol = "arm", *ycol = "y", *dcol = NULL, *control = NULL;
  const char *cov[MAX_COV], *file = NULL, *alloc_s = NULL;
  size_t ncov = 0;
  int metric = CAUSAL_AB_MEAN, test = 0, alt = 0, adjust = 0, json = 0,
      aggregates = 0;
  double margin = 0, conf = 0.95;
  cli_report rep = {NULL, NULL, 0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV                                                                  \
  if (v == NULL) {                                                             \
    fprintf(stderr, "%s abtest: %s needs a value\n", prog, a);                 \
    return EXIT_USAGE;                                                         \
  }                                                                            \
  i++;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      abtest_usage(stdout);
      return 0;
    } else if (cli_report_option(&rep, "abtest", argc, argv, &i)) {
      if (rep.bad)
        return EXIT_USAGE;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--aggregates") == 0) {
      aggregates = 1;
    } else if (strcmp(a, "--arm") == 0) {
      NEEDV armcol = v;
    } else if (strcmp(a, "--y") == 0) {
      NEEDV ycol = v;
    } else if (strcmp(a, "--denominator") == 0) {
      NEEDV dcol = v;
      metric = CAUSAL_AB_RATIO;
    } else if (strcmp(a, "--covariate") == 0) {
      NEEDV if (ncov == MAX_COV) return EXIT_USAGE;
      cov[ncov++] = v;
    } else if (strcmp(a, "--control") == 0) {
      NEEDV control = v;
    } else if (strcmp(a, "--allocation") == 0) {
      NEEDV alloc_s = v;
    } else if (strcmp(a, "--margin") == 0) {
      NEEDV margin = atof(v);
    } else if (strcmp(a, "--conf-level") == 0) {
      NEEDV conf = atof(v);
    } else if (strcmp(a, "--type") == 0) {
      NEEDV if (strcmp(v, "mean") == 0) metric = CAUSAL_AB_MEAN;
      else if (strcmp(v, "proportion") == 0) metric = CAUSAL_AB_PROPORTION;
      else if (strcmp(v, "ratio") == 0) metric = CAUSAL_AB_RATIO;
      else {
        fprintf(stderr, "%s abtest: unknown --type '%s'\n", prog, v);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--test") == 0) {
      static const char *tn[] = {"", "z_pooled", "z_unpooled", "chisq",
                                 "fisher", "welch", "student", "z"};
      NEEDV test = -1;
      for (int t = 1; t < 8; t++)
        if (strcmp(v, tn[t]) == 0)
          test = t;
      if (test < 0) {
        fprintf(stderr, "%s abtest: unknown --test '%s'\n", prog, v);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--alternative") == 0) {
      NEEDV alt = strcmp(v, "greater") == 0 ? 1 : strcmp(v, "less") == 0 ? 2
                  : strcmp(v, "two-sided") == 0 ? 0 : -1;
      if (alt < 0) {
        fprintf(stderr, "%s abtest: unknown --alternative '%s'\n", prog, v);
        return EXIT_USAGE;
      }
    } else if (strcmp(a, "--adjust") == 0) {
      static const char *an[] = {"none", "bonferroni", "holm", "BH", "BY",
                                 "dunnett"};
      NEEDV adjust = -1;
      for (int t = 0; t < 6; t++)
        if (strcmp(v, an[t]) == 0)
          adjust = t;
      if (adjust < 0) {
        fprintf(stderr, "%s abtest: unknown --adjust '%s'\n", prog, v);
        return EXIT_USAGE;
      }
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "%s abtest: unknown option '%s'\n", prog, a);
      return EXIT_USAGE;
    } else {
      file = a;
    }
#undef NEEDV
  }
  if (file == NULL) {
    abtest_usage(stderr);
    return EXIT_USAGE;
  }
  FILE *f = fopen(file, "r");
  if (f == NULL) {
    fprintf(stderr, "%s abtest: cannot open '%s'\n", prog, file);
    return EXIT_INPUT;
  }
  arms A = {{0}, {0}, 0};
  int rc = 0, code = 0;
  static char line[1 << 16], hline[1 << 16];
  char *hdr[MAX_COLS], *fl[MAX_COLS];
  int nh = 0;
  if (!fgets(hline, sizeof hline, f)) {
    fprintf(stderr, "%s abtest: '%s' is empty\n", prog, file);
    fclose(f);
    return EXIT_INPUT;
  }
  nh = split(hline, hdr, MAX_COLS);
  int flags = (metric == CAUSAL_AB_RATIO ? CAUSAL_ABSTATS_RATIO : 0) |
              (ncov ? CAUSAL_ABSTATS_MISSING_INDICATOR : 0);
  int ia = col_index(hdr, nh, aggregates ? "arm" : armcol);
  int iy = -1, id = -1, ix[MAX_COV], in = -1, is = -1, iss = -1;
  const char *missing = NULL;
  if (ia < 0)
    missing = aggregates ? "arm" : armcol;
  if (aggregates) {
    if (metric == CAUSAL_AB_PROPORTION) {
      in = col_index(hdr, nh, "trials");
      is = col_index(hdr, nh, "successes");
      if (in < 0 || is < 0)
        missing = in < 0 ? "trials" : "successes";
    } else {
      in = col_index(hdr, nh, "n");
      is = col_index(hdr, nh, "sum");
      iss = col_index(hdr, nh, "sumsq");
      if (in < 0 || is < 0 || iss < 0)
        missing = in < 0 ? "n" : is < 0 ? "sum" : "sumsq";
      if (metric == CAUSAL_AB_RATIO || ncov) {
        fprintf(stderr, "%s abtest: aggregates support mean and proportion "
                        "metrics (use the C/Python API for ratio and CUPED "
                        "aggregates)\n", prog);
        fclose(f);
        return EXIT_USAGE;
      }
    }
  } else {
    iy = col_index(hdr, nh, ycol);
    if (iy < 0)
      missing = ycol;
    if (dcol && (id = col_index(hdr, nh, dcol)) < 0)
      missing = dcol;
    for (size_t j = 0; j < ncov; j++)
      if ((ix[j] = col_index(hdr, nh, cov[j])) < 0)
        missing = cov[j];
  }
  if (missing) {
    fprintf(stderr, "%s abtest: column '%s' not found in '%s'\n", prog,
            missing, file);
    fclose(f);
    return EXIT_ANALYSIS;
  }
  long row = 1;
  while (rc == 0 && fgets(line, sizeof line, f)) {
    row++;
    if (line[0] == '\n' || line[0] == '\r')
      continue;
    int nf = split(line, fl, MAX_COLS);
    if (nf != nh) {
      fprintf(stderr, "%s abtest: %s line %ld has %d fields, header has %d\n",
              prog, file, row, nf, nh);
      code = EXIT_ANALYSIS;
      break;
    }
    if (aggregates) {
      double n, s, ss = 0;
      if (!parse_num(fl[in], &n) || !parse_num(fl[is], &s) ||
          (iss >= 0 && !parse_num(fl[iss], &ss)) || isnan(n) || isnan(s)) {
        fprintf(stderr, "%s abtest: %s line %ld: bad number\n", prog, file,
                row);
        code = EXIT_ANALYSIS;
        break;
      }
      if (A.k == MAX_ARMS || arm_index(&A, fl[ia], 0, 0, 0) >= 0) {
        fprintf(stderr, "%s abtest: %s line %ld: arm '%s' repeated\n", prog,
                file, row, fl[ia]);
        code = EXIT_ANALYSIS;
        break;
      }
      A.label[A.k] = strdup(fl[ia]);
      rc = metric == CAUSAL_AB_PROPORTION
               ? causal_abstats_from_counts(&A.st[A.k], (int64_t)s,
                                            (int64_t)n)
               : causal_abstats_from_sums(&A.st[A.k], (int64_t)n, s, ss);
      if (rc == 0)
        A.k++;
      else
        free(A.label[A.k]);
    } else {
      double y, d = 0, x[MAX_COV];
      int ok = parse_num(fl[iy], &y) && (id < 0 || parse_num(fl[id], &d));
      for (size_t j = 0; j < ncov && ok; j++)
        ok = parse_num(fl[ix[j]], &x[j]);
      if (!ok) {
        fprintf(stderr, "%s abtest: %s line %ld: bad number\n", prog, file,
                row);
        code = EXIT_ANALYSIS;
        break;
      }
      int g = arm_index(&A, fl[ia], flags, ncov, 1);
      if (g < 0) {
        fprintf(stderr, "%s abtest: too many arms (max %d)\n", prog, MAX_ARMS);
        code = EXIT_ANALYSIS;
        break;
      }
      rc = causal_abstats_update(A.st[g], &y, id >= 0 ? &d : NULL,
                                 ncov ? x : NULL, 1, 1);
      if (rc != 0)
        fprintf(stderr, "%s abtest: %s line %ld:\n", prog, file, row);
    }
  }
  fclose(f);
  if (rc != 0)
    code = fail(rc, "reading the arms");
  if (code == 0 && control != NULL) {
    int c = arm_index(&A, control, 0, 0, 0);
    if (c < 0) {
      fprintf(stderr, "%s abtest: control arm '%s' not found\n", prog,
              control);
      code = EXIT_ANALYSIS;
    } else {
      /* move the control to the front, keeping the others' order */
      char *l = A.label[c];
      causal_abstats *s = A.st[c];
      memmove(A.label + 1, A.label, (size_t)c * sizeof(char *));
      memmove(A.st + 1, A.st, (size_t)c * sizeof(causal_abstats *));
      A.label[0] = l;
      A.st[0] = s;
    }
  }
  double alloc[MAX_ARMS];
  if (code == 0 && alloc_s) {
    size_t na = 0;
    const char *p = alloc_s;
    while (na < MAX_ARMS && *p) {
      char *e;
      alloc[na++] = strtod(p, &e);
      if (*e != ',' && *e != 0) {
        fprintf(stderr, "%s abtest: bad --allocation '%s'\n", prog, alloc_s);
        code = EXIT_USAGE;
        break;
      }
      p = *e ? e + 1 : e;
    }
    if (code == 0 && na != A.k) {
      fprintf(stderr, "%s abtest: --allocation has %zu shares but the data "
                      "has %zu arms\n", prog, na, A.k);
      code = EXIT_USAGE;
    }
  }
  causal_abtest *t = NULL;
  causal_result *r = NULL;
  if (code == 0) {
    rc = causal_abtest_new(&t);
    if (rc == 0)
      rc = causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, metric);
    if (rc == 0)
      rc = causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, test);
    if (rc == 0)
      rc = causal_abtest_set_int(t, CAUSAL_ABTEST_ALTERNATIVE, alt);
    if (rc == 0)
      rc = causal_abtest_set_int(t, CAUSAL_ABTEST_ADJUST, adjust);
    if (rc == 0)
      rc = causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, ncov > 0);
    if (rc == 0)
      rc = causal_abtest_set_double(t, CAUSAL_ABTEST_MARGIN, margin);
    if (rc == 0)
      rc = causal_abtest_set_double(t, CAUSAL_ABTEST_CONF_LEVEL, conf);
    if (rc == 0)
      rc = causal_abtest_analyze(t, (const causal_abstats *const *)A.st, A.k,
                                 (const char *const *)A.label,
                                 alloc_s ? alloc : NULL, &r);
    if (rc != 0)
      code = fail(rc, "analysis");
  }
  if (code == 0 && json) {
    code = print_json(r);
  } else if (code == 0) {
    const double *tab, *padj, *lift;
    size_t nr, nc, np;
    causal_result_get_matrix(r, "comparisons", &tab, &nr, &nc);
    causal_result_get_vector(r, "p_value_adjusted", &padj, &np);
    causal_result_get_vector(r, "relative_lift", &lift, &np);
    const char *method;
    causal_result_get_string(r, "method", &method);
    printf("%s; control '%s'; %zu arms\n", method, A.label[0], A.k);
    printf("%-20s %12s %12s %10s %10s %10s %12s %12s %9s\n", "comparison",
           "estimate", "std_error", "statistic", "p_value", "p_adj",
           "conf_low", "conf_high", "lift");
    for (size_t i = 0; i < nr; i++)
      printf("%-20s %12.6g %12.6g %10.4g %10.4g %10.4g %12.6g %12.6g %8.3f%%\n",
             causal_result_dimname(r, "comparisons", 0, i), tab[i],
             tab[i + nr], tab[i + 2 * nr], tab[i + 3 * nr], padj[i],
             tab[i + 4 * nr], tab[i + 5 * nr], 100 * lift[i]);
    double srm;
    if (causal_result_get_scalar(r, "srm_p_value", &srm) == 0)
      printf("SRM chi-square p-value: %.4g\n", srm);
    for (size_t i = 0; i < causal_result_nwarnings(r); i++)
      printf("warning: %s\n", causal_result_warning(r, i));
  }
  if (code == 0 && cli_report_wanted(&rep)) {
    causal_chart *ch = NULL; /* each arm against the control */
    cli_chart_table(&ch, r, "comparisons", "Difference from the control",
                    "Difference (arm - control)", 0);
    code = cli_report_write(&rep, "abtest", argc, argv, r, &ch, 1);
    causal_chart_free(ch);
  }
  causal_result_free(r);
  causal_abtest_free(t);
  for (size_t i = 0; i < A.k; i++) {
    free(A.label[i]);
    causal_abstats_free(A.st[i]);
  }
  return code;
}
