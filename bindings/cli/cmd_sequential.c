/* causal sequential — group-sequential boundaries (design) and monitoring
 * of observed looks (include/causal/sequential.h). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(
      f,
      "usage: %s sequential [options]\n"
      "       %s sequential --z Z1,Z2,.. [options]           (monitoring)\n"
      "       %s sequential --input looks.csv [options]      (monitoring)\n"
      "\n"
      "Lan-DeMets group-sequential design: efficacy boundaries (z scale)\n"
      "at the planned looks, alpha spent, crossing probabilities, drift and\n"
      "sample-size inflation. With observed statistics (--z or --input),\n"
      "monitors the looks in order and says continue / reject / futility /\n"
      "accept at the latest one.\n"
      "\n"
      "options:\n"
      "  --looks t1,t2,..    planned information fractions, increasing, the\n"
      "                      last 1 (default: --k equally spaced)\n"
      "  --k K               number of equally spaced looks (default 5)\n"
      "  --sides 1|2         one-sided or symmetric two-sided (default 2)\n"
      "  --alpha A           total type-I error (two-sided: both sides;\n"
      "                      default 0.05)\n"
      "  --spending F        obf (Lan-DeMets O'Brien-Fleming, default),\n"
      "                      pocock, hsd (Hwang-Shih-DeCani), power\n"
      "  --param X           HSD gamma or power-family rho (default -4 / 3)\n"
      "  --convention C      two-sided spending: per-side (default; each side\n"
      "                      spends f(t; alpha/2): ldbounds, gsDesign\n"
      "                      test.type=2) or total (f(t; alpha)/2 per side)\n"
      "  --futility F        one-sided only: non-binding beta-spending\n"
      "                      futility bound (obf, pocock, hsd, power;\n"
      "                      gsDesign test.type=4)\n"
      "  --futility-param X  futility family parameter (default -2 / 3)\n"
      "  --binding           binding futility: efficacy bounds assume the\n"
      "                      trial stops at every futility crossing\n"
      "                      (gsDesign test.type=3; default non-binding)\n"
      "  --beta B            type II error for the drift (default 0.1)\n"
      "  --z Z1,Z2,..        observed z at the first looks (monitoring)\n"
      "  --fractions t1,..   actual information fractions of the observed\n"
      "                      looks (default: the planned --looks)\n"
      "  --input FILE.csv    observed looks, one row per look, columns\n"
      "                      info_fraction,z  or  info_fraction,estimate,\n"
      "                      std_error  or  n,estimate,std_error (with\n"
      "                      --max-n: info_fraction = n / max-n)\n"
      "  --max-n N           planned maximum sample size for n columns\n"
      "  --json              write the result as JSON\n"
      CLI_REPORT_HELP
      "  --help              this text\n"
      "\n"
      "Exit status: 0 done (whatever the decision), 1 invalid design or\n"
      "looks, 2 usage error, 3 unreadable input.\n"
      "\n"
      "examples:\n"
      "  %s sequential --k 5 --alpha 0.05\n"
      "  %s sequential --sides 1 --alpha 0.025 --spending hsd --param -4 "
      "--futility hsd --futility-param -2 --k 3\n"
      "  %s sequential --looks 0.25,0.5,0.75,1 --z 1.1,2.2,3.1\n"
      "  %s sequential --input examples/looks.csv --max-n 10000 --k 4\n"
      "  %s sequential --k 4 --z 1.2,2.5 --report seq.html\n",
      prog, prog, prog, prog, prog, prog, prog, prog);
}

enum { MAXLOOK = 1000 };

static int family(const char *s) {
  static const char *const names[] = {"obf", "pocock", "hsd", "power",
                                      "none"};
  static const int codes[] = {CAUSAL_GS_OBF, CAUSAL_GS_POCOCK, CAUSAL_GS_HSD,
                              CAUSAL_GS_POWER, CAUSAL_GS_NONE};
  return cli_lookup(s, names, codes, 5);
}

typedef struct list {
  double v[MAXLOOK];
  size_t n;
} list;

static int add_item(void *ctx, const char *item) {
  list *l = ctx;
  double x;
  if (l->n >= MAXLOOK || !cli_parse_double(item, &x))
    return 1; /* stops cli_each_item */
  l->v[l->n++] = x;
  return CAUSAL_OK;
}

static int parse_list(const char *opt, const char *s, list *l) {
  l->n = 0;
  if (cli_each_item(s, 1, add_item, l) != CAUSAL_OK || l->n == 0) {
    fprintf(stderr, "%s sequential: %s needs a comma-separated list of "
                    "numbers, got '%s'\n",
            prog, opt, s);
    return 0;
  }
  return 1;
}

typedef struct opts {
  int sides, spending, fut, conv, json, k, binding;
  double alpha, param, fparam, beta, max_n;
  int have_param, have_fparam;
  list looks, z, frac;
  int have_looks, have_z, have_frac;
  const char *input;
  cli_report rep;
} opts;

/* Observed looks from a CSV file: fills o->frac and o->z. */
static int read_looks(opts *o) {
  FILE *f = fopen(o->input, "r");
  if (f == NULL) {
    fprintf(stderr, "%s sequential: cannot open '%s'\n", prog, o->input);
    return EXIT_INPUT;
  }
  char line[4096];
  int ci = -1, cn = -1, cz = -1, ce = -1, cs = -1, row = 1;
  if (fgets(line, sizeof line, f) == NULL) {
    fclose(f);
    fprintf(stderr, "%s sequential: '%s' is empty\n", prog, o->input);
    return EXIT_ANALYSIS;
  }
  line[strcspn(line, "\r\n")] = 0;
  int c = 0;
  for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), c++) {
    if (!strcmp(tok, "info_fraction") || !strcmp(tok, "frac"))
      ci = c;
    else if (!strcmp(tok, "n"))
      cn = c;
    else if (!strcmp(tok, "z"))
      cz = c;
    else if (!strcmp(tok, "estimate"))
      ce = c;
    else if (!strcmp(tok, "std_error") || !strcmp(tok, "se"))
      cs = c;
  }
  int ok = (ci >= 0 || cn >= 0) && (cz >= 0 || (ce >= 0 && cs >= 0));
  if (!ok || (ci < 0 && !(o->max_n > 0))) {
    fclose(f);
    fprintf(stderr,
            "%s sequential: '%s' needs columns info_fraction (or n with "
            "--max-n) and z (or estimate and std_error)\n",
            prog, o->input);
    return ok ? EXIT_USAGE : EXIT_ANALYSIS;
  }
  o->frac.n = o->z.n = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    row++;
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0)
      continue;
    double v[64];
    int nv = 0, bad = 0;
    char *p = line;
    for (;;) {
      char *comma = strchr(p, ',');
      if (comma)
        *comma = 0;
      if (nv < 64 && !cli_parse_double(p, &v[nv]))
        v[nv] = NAN;
      nv++;
      if (!comma)
        break;
      p = comma + 1;
    }
    int need[5] = {ci, cn, cz, ce, cs};
    for (int i = 0; i < 5; i++)
      if (need[i] >= nv || need[i] >= 64)
        bad = 1;
    if (bad || o->z.n >= MAXLOOK) {
      fclose(f);
      fprintf(stderr, "%s sequential: %s row %d: missing fields\n", prog,
              o->input, row);
      return EXIT_ANALYSIS;
    }
    double fr = ci >= 0 ? v[ci] : v[cn] / o->max_n;
    double z = cz >= 0 ? v[cz] : v[ce] / v[cs];
    if (!isfinite(fr) || !isfinite(z)) {
      fclose(f);
      fprintf(stderr, "%s sequential: %s row %d: non-numeric or non-finite "
                      "information or statistic\n",
              prog, o->input, row);
      return EXIT_ANALYSIS;
    }
    o->frac.v[o->frac.n++] = fr;
    o->z.v[o->z.n++] = z;
  }
  fclose(f);
  if (o->z.n == 0) {
    fprintf(stderr, "%s sequential: '%s' has no looks\n", prog, o->input);
    return EXIT_ANALYSIS;
  }
  o->have_z = o->have_frac = 1;
  return 0;
}

static int parse(opts *o, int argc, char **argv, int *done) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      *done = 1;
      return 0;
    }
    if (!strcmp(a, "--json")) {
      o->json = 1;
      continue;
    }
    if (!strcmp(a, "--binding")) {
      o->binding = 1;
      continue;
    }
    if (cli_report_option(&o->rep, "sequential", argc, argv, &i)) {
      if (o->rep.bad)
        return EXIT_USAGE;
      continue;
    }
    if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
      fprintf(stderr, "%s sequential: %s '%s'\n", prog,
              strncmp(a, "--", 2) ? "unexpected argument" : "missing value for",
              a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    double x = 0;
    int num = cli_parse_double(v, &x);
    if (!strcmp(a, "--looks")) {
      if (!parse_list(a, v, &o->looks))
        return EXIT_USAGE;
      o->have_looks = 1;
    } else if (!strcmp(a, "--z")) {
      if (!parse_list(a, v, &o->z))
        return EXIT_USAGE;
      o->have_z = 1;
    } else if (!strcmp(a, "--fractions")) {
      if (!parse_list(a, v, &o->frac))
        return EXIT_USAGE;
      o->have_frac = 1;
    } else if (!strcmp(a, "--input")) {
      o->input = v;
    } else if (!strcmp(a, "--spending") || !strcmp(a, "--futility")) {
      int fam = family(v);
      if (fam < 0 || (fam == CAUSAL_GS_NONE && !strcmp(a, "--spending"))) {
        fprintf(stderr, "%s sequential: %s '%s' (obf, pocock, hsd, power)\n",
                prog, a, v);
        return EXIT_USAGE;
      }
      if (!strcmp(a, "--spending"))
        o->spending = fam;
      else
        o->fut = fam;
    } else if (!strcmp(a, "--convention")) {
      if (!strcmp(v, "per-side") || !strcmp(v, "per_side"))
        o->conv = CAUSAL_GS_SPEND_PER_SIDE;
      else if (!strcmp(v, "total"))
        o->conv = CAUSAL_GS_SPEND_TOTAL;
      else {
        fprintf(stderr, "%s sequential: --convention '%s' (per-side, total)\n",
                prog, v);
        return EXIT_USAGE;
      }
    } else if (num && !strcmp(a, "--k") && x >= 1 && x <= MAXLOOK &&
               x == floor(x)) {
      o->k = (int)x;
    } else if (num && !strcmp(a, "--sides") && (x == 1 || x == 2)) {
      o->sides = (int)x;
    } else if (num && !strcmp(a, "--alpha")) {
      o->alpha = x;
    } else if (num && !strcmp(a, "--param")) {
      o->param = x;
      o->have_param = 1;
    } else if (num && !strcmp(a, "--futility-param")) {
      o->fparam = x;
      o->have_fparam = 1;
    } else if (num && !strcmp(a, "--beta")) {
      o->beta = x;
    } else if (num && !strcmp(a, "--max-n")) {
      o->max_n = x;
    } else {
      fprintf(stderr, "%s sequential: unknown option or invalid value: %s "
                      "'%s'\n",
              prog, a, v);
      return EXIT_USAGE;
    }
  }
  return 0;
}

static double default_param(int fam) { return fam == CAUSAL_GS_HSD ? -4 : 3; }

static void print_design(const causal_result *r, const opts *o) {
  const double *t, *u, *l, *cum, *nom;
  size_t k;
  causal_result_get_vector(r, "info_fraction", &t, &k);
  causal_result_get_vector(r, "upper", &u, &k);
  causal_result_get_vector(r, "lower", &l, &k);
  causal_result_get_vector(r, "alpha_spent", &cum, &k);
  causal_result_get_vector(r, "nominal_p", &nom, &k);
  const char *sp = "";
  causal_result_get_string(r, "spending", &sp);
  printf("Group-sequential design: %s spending, %s, alpha = %g\n", sp,
         o->sides == 1 ? "one-sided"
         : o->conv == CAUSAL_GS_SPEND_TOTAL
             ? "two-sided symmetric (total spending)"
             : "two-sided symmetric (alpha/2 per side)",
         o->alpha);
  printf("%5s %9s %9s %9s %12s %12s\n", "look", "info", "lower", "upper",
         "alpha_spent", "nominal_p");
  for (size_t i = 0; i < k; i++)
    printf("%5zu %9.4f %9.4f %9.4f %12.6g %12.6g\n", i + 1, t[i], l[i], u[i],
           cum[i], nom[i]);
  printf("drift %.6g (fixed design %.6g), inflation factor %.6g, power %.4g\n",
         cli_scalar(r, "drift"), cli_scalar(r, "fixed_drift"),
         cli_scalar(r, "inflation_factor"), cli_scalar(r, "power"));
  printf("expected information (fraction of maximum): H0 %.4g, H1 %.4g\n",
         cli_scalar(r, "expected_info_h0"), cli_scalar(r, "expected_info_h1"));
}

static void print_monitor(const causal_result *r) {
  const double *t, *z, *u, *l, *d;
  size_t k;
  causal_result_get_vector(r, "info_fraction", &t, &k);
  causal_result_get_vector(r, "z", &z, &k);
  causal_result_get_vector(r, "upper", &u, &k);
  causal_result_get_vector(r, "lower", &l, &k);
  causal_result_get_vector(r, "decision_code", &d, &k);
  static const char *const names[] = {"continue", "reject", "futility",
                                      "accept"};
  printf("%5s %9s %9s %9s %9s  %s\n", "look", "info", "z", "lower", "upper",
         "decision");
  for (size_t i = 0; i < k; i++)
    printf("%5zu %9.4f %9.4f %9.4f %9.4f  %s\n", i + 1, t[i], z[i], l[i], u[i],
           names[(int)d[i] & 3]);
  const char *dec = "continue";
  causal_result_get_string(r, "decision", &dec);
  printf("decision: %s\n", dec);
}

/* Monitoring: feed the looks in order; stops at the first stopping look
 * (later rows are reported as ignored). */
static int monitor(causal_gs *g, const opts *o, const causal_result *design,
                   causal_result **keep) {
  if (o->z.n != o->frac.n) {
    fprintf(stderr,
            "%s sequential: %zu observed z but %zu information fractions\n",
            prog, o->z.n, o->frac.n);
    return EXIT_USAGE;
  }
  if (o->fut != CAUSAL_GS_NONE) {
    int rc = causal_gs_set_double(g, CAUSAL_GS_DRIFT,
                                  cli_scalar(design, "drift"));
    if (rc != CAUSAL_OK)
      return fail(rc, "sequential");
  }
  size_t used = 0;
  for (size_t i = 0; i < o->z.n; i++) {
    int dec;
    cli_progress("sequential: look %zu of %zu", i + 1, o->z.n);
    int rc = causal_gs_look(g, o->frac.v[i], o->z.v[i], &dec);
    if (rc != CAUSAL_OK)
      return fail(rc, "sequential");
    used++;
    if (dec != CAUSAL_GS_CONTINUE)
      break;
  }
  if (used < o->z.n)
    fprintf(stderr, "%s sequential: stopped at look %zu; %zu later look(s) "
                    "ignored\n",
            prog, used, o->z.n - used);
  causal_result *r;
  int rc = causal_gs_result(&r, g);
  if (rc != CAUSAL_OK)
    return fail(rc, "sequential");
  int status = 0;
  if (o->json)
    status = print_json(r);
  else
    print_monitor(r);
  *keep = r;
  return status;
}

/* --report: the design's boundaries against the information fraction and,
 * when monitoring, the observed z path (mon may be NULL). */
static int boundary_chart(causal_chart **out, const causal_result *design,
                          const causal_result *mon, const opts *o) {
  const double *t, *u, *l, *zt = NULL, *z = NULL;
  size_t k, nz = 0;
  causal_result_get_vector(design, "info_fraction", &t, &k);
  causal_result_get_vector(design, "upper", &u, &k);
  causal_result_get_vector(design, "lower", &l, &k);
  int two = o->sides == 2, fut = o->sides == 1 && isfinite(l[0]);
  int rc = causal_chart_new(out, CAUSAL_CHART_LINE,
                            "Group-sequential boundaries");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "Information fraction", "z statistic");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(*out,
                               two ? "Efficacy boundaries" : "Efficacy boundary",
                               t, u, k, CAUSAL_CHART_MARKERS);
  if (rc == CAUSAL_OK && (two || fut))
    rc = causal_chart_add_line(*out, two ? "" : "Futility boundary", t, l, k,
                               CAUSAL_CHART_MARKERS |
                                   (two ? 0 : CAUSAL_CHART_DASHED));
  if (mon != NULL) {
    causal_result_get_vector(mon, "info_fraction", &zt, &nz);
    causal_result_get_vector(mon, "z", &z, &nz);
  }
  if (rc == CAUSAL_OK && nz > 0)
    rc = causal_chart_add_line(*out, "Observed z", zt, z, nz,
                               CAUSAL_CHART_MARKERS);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_Y, 0.0, NULL);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_X_LOW, 0.0);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_X_HIGH, 1.0);
  if (rc == CAUSAL_OK && mon != NULL) {
    const char *dec = "continue";
    char cap[160];
    causal_result_get_string(mon, "decision", &dec);
    snprintf(cap, sizeof cap, "Decision at look %zu: %s.", nz, dec);
    rc = causal_chart_set_caption(*out, cap);
  }
  return rc;
}

int cmd_sequential(const char *cmd, int argc, char **argv) {
  (void)cmd;
  static opts o; /* large lists: not on the stack */
  memset(&o, 0, sizeof o);
  o.sides = 2;
  o.alpha = 0.05;
  o.spending = CAUSAL_GS_OBF;
  o.fut = CAUSAL_GS_NONE;
  o.conv = CAUSAL_GS_SPEND_PER_SIDE;
  o.beta = 0.1;
  o.k = 5;
  int done = 0, st = parse(&o, argc, argv, &done);
  if (done || st) {
    if (st == EXIT_USAGE)
      fprintf(stderr, "Run '%s sequential --help' for usage.\n", prog);
    return st;
  }
  if (o.input) {
    if (o.have_z) {
      fprintf(stderr, "%s sequential: give --z or --input, not both\n", prog);
      return EXIT_USAGE;
    }
    int rc = read_looks(&o);
    if (rc)
      return rc;
  }
  if (!o.have_looks) {
    o.looks.n = (size_t)o.k;
    for (int i = 0; i < o.k; i++)
      o.looks.v[i] = (double)(i + 1) / o.k;
  }
  if (o.have_z && !o.have_frac) {
    if (o.z.n > o.looks.n) {
      fprintf(stderr, "%s sequential: %zu observed z for %zu planned looks\n",
              prog, o.z.n, o.looks.n);
      return EXIT_USAGE;
    }
    o.frac.n = o.z.n;
    memcpy(o.frac.v, o.looks.v, o.z.n * sizeof(double));
  }
  double param = o.have_param ? o.param : default_param(o.spending);
  causal_gs *g = NULL;
  int rc = causal_gs_new(&g, o.sides, o.alpha, o.spending, param);
  if (rc == CAUSAL_OK)
    rc = causal_gs_set_int(g, CAUSAL_GS_CONVENTION, o.conv);
  if (rc == CAUSAL_OK)
    rc = causal_gs_set_int(g, CAUSAL_GS_FUT_SPENDING, o.fut);
  if (rc == CAUSAL_OK && o.fut != CAUSAL_GS_NONE)
    rc = causal_gs_set_double(g, CAUSAL_GS_FUT_PARAM,
                              o.have_fparam ? o.fparam
                              : o.fut == CAUSAL_GS_HSD ? -2
                                                       : 3);
  if (rc == CAUSAL_OK)
    rc = causal_gs_set_double(g, CAUSAL_GS_BETA, o.beta);
  if (rc == CAUSAL_OK)
    rc = causal_gs_set_int(g, CAUSAL_GS_BINDING, o.binding);
  if (rc != CAUSAL_OK) {
    causal_gs_free(g);
    return fail(rc, "sequential");
  }
  causal_result *design = NULL;
  cli_progress("sequential: design with %zu looks", o.looks.n);
  rc = causal_gs_design(&design, g, o.looks.v, o.looks.n);
  if (rc != CAUSAL_OK) {
    causal_gs_free(g);
    return fail(rc, "sequential design");
  }
  int status = 0;
  causal_result *mon = NULL;
  if (o.have_z)
    status = monitor(g, &o, design, &mon);
  else if (o.json)
    status = print_json(design);
  else
    print_design(design, &o);
  if (status == 0 && cli_report_wanted(&o.rep)) {
    causal_chart *ch = NULL;
    if (boundary_chart(&ch, design, mon, &o) != CAUSAL_OK) {
      causal_chart_free(ch); /* the report still has the tables */
      ch = NULL;
    }
    causal_result *tab = NULL; /* the per-look vectors as one table */
    const causal_result *shown = mon ? mon : design;
    if (cli_result_merge_vectors(&tab, shown, "looks", "look") == CAUSAL_OK)
      shown = tab;
    status = cli_report_write(&o.rep, "sequential", argc, argv, shown, &ch, 1);
    causal_result_free(tab);
    causal_chart_free(ch);
  }
  causal_result_free(mon);
  causal_result_free(design);
  causal_gs_free(g);
  return status;
}
