/* causal aa-split: balanced AA split of the units (rows) of a CSV file. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void aa_usage(FILE *f) {
  fprintf(f,
          "usage: %s aa-split [options] --metrics A,B,... FILE.csv\n"
          "\n"
          "Split the units (rows) of FILE.csv into k groups balanced on the\n"
          "metric columns and print the balance report: per metric the group\n"
          "means, the standardized mean difference (pooled sd), the Welch\n"
          "t-test (k = 2) or one-way ANOVA (k > 2) p-value, and the\n"
          "Mahalanobis distance M. Deterministic given --seed.\n"
          "\n"
          "options:\n"
          "  --metrics A,B,...  metric columns (required)\n"
          "  -k N               number of groups (default 2)\n"
          "  --id COL           unit id column (duplicates and empty ids are\n"
          "                     errors; default: row numbers)\n"
          "  --strata COL       balance the groups within each stratum\n"
          "  --sizes N1,N2,...  group sizes (default: as equal as possible)\n"
          "  --method M         rerandomize (default), optimize or complete\n"
          "  --p-accept P       rerandomize: acceptance probability; the\n"
          "                     threshold is qchisq(P, metrics * (k - 1))\n"
          "                     (default 0.05)\n"
          "  --threshold A      rerandomize: explicit threshold on M\n"
          "  --max-draws N      rerandomize: cap on draws (default 100000)\n"
          "  --restarts N       optimize: random starts (default 10)\n"
          "  --objective O      optimize: max_smd (default) or mahalanobis\n"
          "  --seed S           seed (default 0)\n"
          "  --out FILE         write the assignment as CSV (id,group)\n"
          "  --json             write the whole result as JSON\n"
          "\n"
          "examples:\n"
          "  %s aa-split --metrics re74,re75,age,educ --strata race "
          "data/lalonde.csv\n"
          "  %s aa-split --metrics sales,orders --id store -k 3 --method "
          "optimize --seed 7 --out groups.csv stores.csv\n",
          prog, prog, prog);
}

static int parse_i64(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0')
    return -1;
  *out = (int64_t)v;
  return 0;
}

static int parse_f64(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

/* Add every comma-separated name of list to aa as a metric. */
static int add_metrics(causal_aa *aa, const char *list) {
  char buf[4096];
  if (strlen(list) >= sizeof buf)
    return CAUSAL_EINVAL;
  strcpy(buf, list);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    int rc = causal_aa_add_metric(aa, tok);
    if (rc != CAUSAL_OK)
      return rc;
  }
  return CAUSAL_OK;
}

static int print_report(const causal_result *r) {
  const double *means, *smd, *stat, *pv, *size;
  size_t p, k, n;
  int rc = causal_result_get_matrix(r, "means", &means, &p, &k);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "smd", &smd, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "statistic", &stat, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "p_value", &pv, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "size", &size, &k);
  const char *method = "", *test = "";
  if (rc == CAUSAL_OK)
    rc = causal_result_get_string(r, "method", &method);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_string(r, "test", &test);
  double M = 0, df = 0, mp = 0, a = 0, draws = 0, worst = 0, minp = 0;
  if (rc == CAUSAL_OK &&
      ((rc = causal_result_get_scalar(r, "mahalanobis", &M)) ||
       (rc = causal_result_get_scalar(r, "mahalanobis_df", &df)) ||
       (rc = causal_result_get_scalar(r, "mahalanobis_p_value", &mp)) ||
       (rc = causal_result_get_scalar(r, "threshold", &a)) ||
       (rc = causal_result_get_scalar(r, "draws", &draws)) ||
       (rc = causal_result_get_scalar(r, "max_abs_smd", &worst)) ||
       (rc = causal_result_get_scalar(r, "min_p_value", &minp))))
    (void)0;
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the report");
  printf("AA split (%s): %zu groups of sizes", method, k);
  for (size_t g = 0; g < k; g++)
    printf("%s%.0f", g ? ", " : " ", size[g]);
  printf("\n");
  size_t w = strlen("metric");
  for (size_t j = 0; j < p; j++) {
    size_t l = strlen(causal_result_dimname(r, "smd", 0, j));
    if (l > w)
      w = l;
  }
  printf("%-*s", (int)w, "metric");
  for (size_t g = 0; g < k; g++) {
    char h[32];
    snprintf(h, sizeof h, "mean[%zu]", g);
    printf(" %12s", h);
  }
  printf(" %9s %10s %9s\n", "smd", k == 2 ? "t" : "F", "p_value");
  for (size_t j = 0; j < p; j++) {
    printf("%-*s", (int)w, causal_result_dimname(r, "smd", 0, j));
    for (size_t g = 0; g < k; g++)
      printf(" %12.6g", means[j + g * p]);
    printf(" %9.4f %10.4f %9.4f\n", smd[j], stat[j], pv[j]);
  }
  printf("test: %s; worst |SMD| %.4f; smallest p-value %.4f\n",
         strcmp(test, "welch_t") == 0 ? "Welch t" : "one-way ANOVA F", worst,
         minp);
  printf("Mahalanobis M = %.4f on %.0f df (p = %.4f)\n", M, df, mp);
  if (isfinite(a))
    printf("accepted: M <= a = %.4f after %.0f draws\n", a, draws);
  else
    printf("%s: %.0f %s\n", method, draws,
           strcmp(method, "optimize") == 0 ? "local searches" : "draw");
  for (size_t i = 0; i < causal_result_nwarnings(r); i++)
    fprintf(stderr, "warning: %s\n", causal_result_warning(r, i));
  return 0;
}

static int write_groups(const causal_result *r, const char *path,
                        const char *idname) {
  const double *g;
  size_t n;
  int rc = causal_result_get_vector(r, "group", &g, &n);
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the groups");
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "%s aa-split: cannot write '%s': %s\n", prog, path,
            strerror(errno));
    return EXIT_INPUT;
  }
  fprintf(f, "%s,group\n", idname ? idname : "row");
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s,%.0f\n", causal_result_dimname(r, "group", 0, i), g[i]);
  if (fclose(f) != 0) {
    fprintf(stderr, "%s aa-split: cannot write '%s'\n", prog, path);
    return EXIT_INPUT;
  }
  return 0;
}

typedef struct aa_opts {
  const char *metrics, *id, *strata, *sizes, *out, *path;
  int64_t k;
  int json;
} aa_opts;

static int pick(const char *v, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(v, names[i]) == 0)
      return i + 1;
  return 0;
}

/* Apply one option with a value to aa / o; returns an exit code. */
static int apply(causal_aa *aa, aa_opts *o, const char *a, const char *v) {
  static const char *const methods[] = {"rerandomize", "optimize", "complete"};
  static const char *const objectives[] = {"max_smd", "mahalanobis"};
  int64_t iv = 0;
  double dv = 0;
  int rc = CAUSAL_OK;
  if (strcmp(a, "--metrics") == 0)
    o->metrics = v;
  else if (strcmp(a, "--id") == 0)
    o->id = v;
  else if (strcmp(a, "--strata") == 0)
    o->strata = v;
  else if (strcmp(a, "--sizes") == 0)
    o->sizes = v;
  else if (strcmp(a, "--out") == 0)
    o->out = v;
  else if (strcmp(a, "-k") == 0) {
    if (parse_i64(v, &o->k) || o->k < 2)
      goto bad;
  } else if (strcmp(a, "--method") == 0) {
    if (!(iv = pick(v, methods, 3)))
      goto bad;
    rc = causal_aa_set_int(aa, CAUSAL_AA_METHOD, iv);
  } else if (strcmp(a, "--objective") == 0) {
    if (!(iv = pick(v, objectives, 2)))
      goto bad;
    rc = causal_aa_set_int(aa, CAUSAL_AA_OBJECTIVE, iv);
  } else if (strcmp(a, "--seed") == 0 || strcmp(a, "--max-draws") == 0 ||
             strcmp(a, "--restarts") == 0) {
    if (parse_i64(v, &iv))
      goto bad;
    rc = causal_aa_set_int(aa,
                           a[2] == 's'   ? CAUSAL_AA_SEED
                           : a[2] == 'm' ? CAUSAL_AA_MAX_DRAWS
                                         : CAUSAL_AA_RESTARTS,
                           iv);
  } else if (strcmp(a, "--p-accept") == 0 || strcmp(a, "--threshold") == 0) {
    if (parse_f64(v, &dv))
      goto bad;
    rc = causal_aa_set_double(
        aa, a[2] == 'p' ? CAUSAL_AA_P_ACCEPT : CAUSAL_AA_THRESHOLD, dv);
  } else {
    fprintf(stderr, "%s aa-split: unknown option '%s'\n", prog, a);
    return EXIT_USAGE;
  }
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "%s aa-split: %s %s: %s\n", prog, a, v,
            causal_last_error());
    return EXIT_USAGE;
  }
  return 0;
bad:
  fprintf(stderr, "%s aa-split: invalid value '%s' for %s\n", prog, v, a);
  return EXIT_USAGE;
}

static int run(causal_aa *spec, aa_opts *o) {
  /* k is fixed at creation: rebuild the spec with the right k, copying
   * the options set so far. */
  causal_aa *aa = NULL;
  int rc = causal_aa_new(&aa, o->k);
  if (rc != CAUSAL_OK)
    return fail(rc, "-k");
  static const int ikeys[] = {CAUSAL_AA_METHOD, CAUSAL_AA_MAX_DRAWS,
                              CAUSAL_AA_SEED, CAUSAL_AA_RESTARTS,
                              CAUSAL_AA_OBJECTIVE};
  for (size_t i = 0; i < sizeof ikeys / sizeof *ikeys && rc == 0; i++) {
    int64_t v;
    rc = causal_aa_get_int(spec, ikeys[i], &v);
    if (rc == CAUSAL_OK)
      rc = causal_aa_set_int(aa, ikeys[i], v);
  }
  for (int key = CAUSAL_AA_P_ACCEPT; key <= CAUSAL_AA_THRESHOLD && rc == 0;
       key++) {
    double v;
    rc = causal_aa_get_double(spec, key, &v);
    if (rc == CAUSAL_OK)
      rc = causal_aa_set_double(aa, key, v);
  }
  if (rc == CAUSAL_OK)
    rc = add_metrics(aa, o->metrics);
  if (rc == CAUSAL_OK && o->id)
    rc = causal_aa_set_id(aa, o->id);
  if (rc == CAUSAL_OK && o->strata)
    rc = causal_aa_set_strata(aa, o->strata);
  if (rc == CAUSAL_OK && o->sizes) {
    int64_t sizes[256];
    size_t ns = 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", o->sizes);
    for (char *t = strtok(buf, ","); t && ns < 256; t = strtok(NULL, ","))
      if (parse_i64(t, &sizes[ns++])) {
        causal_aa_free(aa);
        fprintf(stderr, "%s aa-split: invalid --sizes '%s'\n", prog, o->sizes);
        return EXIT_USAGE;
      }
    rc = causal_aa_set_sizes(aa, sizes, ns);
  }
  if (rc != CAUSAL_OK) {
    int st = fail(rc, "specification");
    causal_aa_free(aa);
    return st;
  }
  causal_csv_options *co = NULL;
  causal_dataset *ds = NULL;
  causal_result *res = NULL;
  int status = 0;
  rc = causal_csv_options_new(&co);
  if (rc == CAUSAL_OK && o->id)
    rc = causal_csv_options_set_type(co, o->id, CAUSAL_TYPE_CAT);
  if (rc == CAUSAL_OK && o->strata)
    rc = causal_csv_options_set_type(co, o->strata, CAUSAL_TYPE_CAT);
  if (rc != CAUSAL_OK)
    status = fail(rc, "options");
  cli_progress("aa-split: reading %s", o->path);
  if (status == 0 && (rc = causal_csv_read_file(&ds, o->path, co)))
    status = fail(rc, o->path);
  if (status == 0)
    cli_progress("aa-split: splitting %zu rows", causal_dataset_nrows(ds));
  if (status == 0 && (rc = causal_aa_split(&res, aa, ds)))
    status = fail(rc, "aa-split");
  if (status == 0)
    status = o->json ? print_json(res) : print_report(res);
  if (status == 0 && o->out)
    status = write_groups(res, o->out, o->id);
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_csv_options_free(co);
  causal_aa_free(aa);
  return status;
}

int cmd_aa(const char *cmd, int argc, char **argv) {
  (void)cmd;
  aa_opts o;
  memset(&o, 0, sizeof o);
  o.k = 2;
  causal_aa *spec = NULL; /* collects options; k is applied in run() */
  int rc = causal_aa_new(&spec, 2);
  if (rc != CAUSAL_OK)
    return fail(rc, "aa-split");
  int status = 0;
  for (int i = 0; i < argc && status == 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      aa_usage(stdout);
      causal_aa_free(spec);
      return 0;
    } else if (strcmp(a, "--json") == 0) {
      o.json = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s aa-split: %s needs a value\n", prog, a);
        status = EXIT_USAGE;
      } else {
        status = apply(spec, &o, a, argv[i + 1]);
        i++;
      }
    } else if (o.path != NULL) {
      fprintf(stderr, "%s aa-split: more than one file given\n", prog);
      status = EXIT_USAGE;
    } else {
      o.path = a;
    }
  }
  if (status == 0 && (o.path == NULL || o.metrics == NULL)) {
    aa_usage(stderr);
    status = EXIT_USAGE;
  }
  if (status == 0)
    status = run(spec, &o);
  causal_aa_free(spec);
  return status;
}
