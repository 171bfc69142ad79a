/* causal power — sample size, power or MDE of an A/B test
 * (include/causal/power.h). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s power --method M [options]\n"
          "Solve for the one of --n, --power, --effect that is not given.\n"
          "  --method M     prop_pooled (R power.prop.test), prop_unpooled,\n"
          "                 prop_arcsine (statsmodels NormalIndPower),\n"
          "                 prop_baseline (Evan Miller), mean_t\n"
          "                 (power.t.test), mean_z, ratio\n"
          "  --n X --power X --effect X   control-arm size, power, MDE\n"
          "  --baseline X   p1 (proportions) or control mean\n"
          "  --sd X --alpha X (0.05) --ratio X (treatment/control, 1)\n"
          "  --rho X        CUPED correlation\n"
          "  --sides 1|2 --strict --relative --arms K\n"
          "  --dunnett      Dunnett instead of Bonferroni for K > 2\n"
          "  --sample two|one|paired\n"
          "  --json         the full result as JSON\n"
          CLI_REPORT_HELP
          "examples:\n"
          "  %s power --method prop_pooled --baseline 0.1 --effect 0.02 "
          "--power 0.8\n"
          "  %s power --method mean_t --effect 1 --sd 2 --n 40\n",
          prog, prog, prog);
}

static const struct {
  const char *name;
  int id;
} METHODS[] = {{"prop_pooled", CAUSAL_POWER_PROP_POOLED},
               {"prop_unpooled", CAUSAL_POWER_PROP_UNPOOLED},
               {"prop_arcsine", CAUSAL_POWER_PROP_ARCSINE},
               {"prop_baseline", CAUSAL_POWER_PROP_BASELINE},
               {"mean_t", CAUSAL_POWER_MEAN_T},
               {"mean_z", CAUSAL_POWER_MEAN_Z},
               {"ratio", CAUSAL_POWER_RATIO}};

static const struct {
  const char *opt;
  int key;
} REALS[] = {{"--n", CAUSAL_POWER_N},
             {"--power", CAUSAL_POWER_POWER},
             {"--effect", CAUSAL_POWER_EFFECT},
             {"--baseline", CAUSAL_POWER_BASELINE},
             {"--sd", CAUSAL_POWER_SD},
             {"--alpha", CAUSAL_POWER_ALPHA},
             {"--ratio", CAUSAL_POWER_ALLOC_RATIO},
             {"--rho", CAUSAL_POWER_RHO}};

/* --report: power against the control-arm size for the solved design, at
 * the effect and at half and 1.5 times it (points the method cannot solve
 * are left out). */
static int power_curve(causal_chart **out, causal_power *p,
                       const causal_result *r, int relative) {
  double n = cli_scalar(r, "n"), pw = cli_scalar(r, "power");
  double eff = cli_scalar(r, relative ? "effect_relative" : "effect");
  enum { G = 41 };
  static const double mult[3] = {1.0, 0.5, 1.5};
  static const char *const names[3] = {"at the effect", "half the effect",
                                       "1.5 x the effect"};
  double x[G], y[G];
  int rc = causal_chart_new(out, CAUSAL_CHART_LINE, "Power by sample size");
  if (rc == 0)
    rc = causal_chart_set_labels(*out, "Control-arm sample size", "Power");
  if (rc == 0)
    rc = causal_power_set_int(p, CAUSAL_POWER_SOLVE, CAUSAL_POWER_SOLVE_POWER);
  for (int s = 0; s < 3 && rc == 0 && isfinite(n) && isfinite(eff); s++) {
    size_t m = 0;
    for (int k = 0; k < G; k++) {
      causal_result *q = NULL;
      double nk = 2 + (2.5 * n - 2) * k / (G - 1);
      if (causal_power_set_double(p, CAUSAL_POWER_N, nk) != 0 ||
          causal_power_set_double(p, CAUSAL_POWER_EFFECT, eff * mult[s]) ||
          causal_power_solve(&q, p) != 0)
        continue;
      x[m] = nk;
      y[m] = cli_scalar(q, "power");
      m += isfinite(y[m]);
      causal_result_free(q);
    }
    if (m > 1)
      rc = causal_chart_add_line(*out, names[s], x, y, m,
                                 s == 0 ? 0 : CAUSAL_CHART_DASHED);
  }
  if (rc == 0 && isfinite(pw))
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_Y, pw, "power");
  if (rc == 0 && isfinite(n))
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_X, n, "n");
  if (rc == 0)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_Y_LOW, 0);
  if (rc == 0)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_Y_HIGH, 1);
  return rc;
}

int cmd_power(const char *cmd, int argc, char **argv) {
  (void)cmd;
  int method = 0, json = 0, have[3] = {0, 0, 0};
  causal_power *p = NULL;
  cli_report rep = {NULL, NULL, 0};
  int ints[8][2];
  int nints = 0;
  double reals[16];
  int rkeys[16], nreal = 0;
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
    if (cli_report_option(&rep, "power", argc, argv, &i)) {
      if (rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (!strcmp(a, "--strict")) {
      ints[nints][0] = CAUSAL_POWER_STRICT;
      ints[nints++][1] = 1;
      continue;
    }
    if (!strcmp(a, "--relative")) {
      ints[nints][0] = CAUSAL_POWER_RELATIVE;
      ints[nints++][1] = 1;
      continue;
    }
    if (!strcmp(a, "--dunnett")) {
      ints[nints][0] = CAUSAL_POWER_MULTIPLICITY;
      ints[nints++][1] = CAUSAL_POWER_MULT_DUNNETT;
      continue;
    }
    if (i + 1 >= argc || nints >= 7 || nreal >= 15) {
      fprintf(stderr, "%s power: option %s needs a value\n", prog, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--method")) {
      for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++)
        if (!strcmp(v, METHODS[k].name))
          method = METHODS[k].id;
      if (!method) {
        fprintf(stderr, "%s power: unknown method '%s'\n", prog, v);
        return EXIT_USAGE;
      }
      continue;
    }
    if (!strcmp(a, "--sides") || !strcmp(a, "--arms")) {
      ints[nints][0] = a[2] == 's' ? CAUSAL_POWER_SIDES : CAUSAL_POWER_ARMS;
      ints[nints++][1] = atoi(v);
      continue;
    }
    if (!strcmp(a, "--sample")) {
      ints[nints][0] = CAUSAL_POWER_SAMPLE;
      ints[nints++][1] = !strcmp(v, "one")      ? CAUSAL_POWER_ONE_SAMPLE
                         : !strcmp(v, "paired") ? CAUSAL_POWER_PAIRED
                                                : CAUSAL_POWER_TWO_SAMPLE;
      continue;
    }
    int found = 0;
    for (size_t k = 0; k < sizeof REALS / sizeof REALS[0]; k++) {
      if (strcmp(a, REALS[k].opt))
        continue;
      char *end;
      reals[nreal] = strtod(v, &end);
      if (*end || end == v) {
        fprintf(stderr, "%s power: %s '%s' is not a number\n", prog, a, v);
        return EXIT_USAGE;
      }
      rkeys[nreal++] = REALS[k].key;
      if (k < 3)
        have[k] = 1;
      found = 1;
    }
    if (!found) {
      fprintf(stderr, "%s power: unknown option %s\n", prog, a);
      return EXIT_USAGE;
    }
  }
  if (!method) {
    fprintf(stderr, "%s power: --method is required (see --help)\n", prog);
    return EXIT_USAGE;
  }
  if (have[0] + have[1] + have[2] != 2) {
    fprintf(stderr, "%s power: give exactly two of --n, --power, --effect\n",
            prog);
    return EXIT_USAGE;
  }
  int solve = !have[0]   ? CAUSAL_POWER_SOLVE_N
              : !have[1] ? CAUSAL_POWER_SOLVE_POWER
                         : CAUSAL_POWER_SOLVE_EFFECT;
  int rc = causal_power_new(&p, method);
  if (rc == 0)
    rc = causal_power_set_int(p, CAUSAL_POWER_SOLVE, solve);
  for (int k = 0; rc == 0 && k < nints; k++)
    rc = causal_power_set_int(p, ints[k][0], ints[k][1]);
  for (int k = 0; rc == 0 && k < nreal; k++)
    rc = causal_power_set_double(p, rkeys[k], reals[k]);
  causal_result *r = NULL;
  if (rc == 0)
    rc = causal_power_solve(&r, p);
  causal_chart *curve = NULL;
  int relative = 0;
  for (int k = 0; k < nints; k++)
    relative |= ints[k][0] == CAUSAL_POWER_RELATIVE && ints[k][1];
  if (rc == 0 && cli_report_wanted(&rep) &&
      power_curve(&curve, p, r, relative) != 0) {
    causal_chart_free(curve); /* the report still has the tables */
    curve = NULL;
  }
  causal_power_free(p);
  if (rc != 0)
    return fail(rc, "power");
  int ex = 0;
  if (json) {
    ex = print_json(r);
  } else {
    const char *m;
    double n, n2, pw, e;
    causal_result_get_string(r, "method", &m);
    causal_result_get_scalar(r, "n", &n);
    causal_result_get_scalar(r, "n2", &n2);
    causal_result_get_scalar(r, "power", &pw);
    causal_result_get_scalar(r, "effect", &e);
    printf("method: %s\n", m);
    printf("n (control)   %.6g  (round up: %.0f)\n", n, ceil(n - 1e-9 * n));
    if (!isnan(n2))
      printf("n (treatment) %.6g\n", n2);
    printf("power         %.6g\n", pw);
    printf("effect        %.6g\n", e);
  }
  if (ex == 0)
    ex = cli_report_write(&rep, "power", argc, argv, r, &curve, 1);
  causal_chart_free(curve);
  causal_result_free(r);
  return ex;
}
