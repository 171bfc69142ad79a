/* causal describe: per-column summaries of a CSV file. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void describe_usage(FILE *f) {
  fprintf(f,
          "usage: %s describe [options] FILE.csv\n"
          "\n"
          "Summarize every column of a CSV file.\n"
          "\n"
          "options:\n"
          "  --json            write the result as JSON instead of a table\n"
          CLI_REPORT_HELP
          "  --delimiter C     field delimiter (default ','; 'tab' for TAB)\n"
          "  --no-header       the first line is data; columns are V1, V2, ...\n"
          "  --na TOKEN        treat TOKEN as missing (repeatable; replaces the\n"
          "                    defaults \"\" and \"NA\")\n"
          "\n"
          "examples:\n"
          "  %s describe data/lalonde.csv\n"
          "  %s describe --json --delimiter ';' sales.csv > summary.json\n",
          prog, prog, prog);
}

static const char *type_name(double code) {
  switch ((int)code) {
  case CAUSAL_TYPE_F64: return "f64";
  case CAUSAL_TYPE_I64: return "i64";
  case CAUSAL_TYPE_BOOL: return "bool";
  case CAUSAL_TYPE_CAT: return "cat";
  default: return "?";
  }
}

static void fmt_num(char *buf, size_t cap, double v) {
  if (isnan(v))
    snprintf(buf, cap, "-");
  else if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, cap, "%.0f", v);
  else
    snprintf(buf, cap, "%.6g", v);
}

static int print_table(const causal_result *r) {
  const double *s = NULL, *types = NULL, *levels = NULL;
  size_t k = 0, ncol = 0, nt = 0;
  int rc = causal_result_get_matrix(r, "summary", &s, &k, &ncol);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "type", &types, &nt);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "levels", &levels, &nt);
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the summary");
  size_t wname = strlen("column");
  for (size_t j = 0; j < k; j++) {
    size_t w = strlen(causal_result_dimname(r, "summary", 0, j));
    if (w > wname)
      wname = w;
  }
  printf("%-*s %-5s", (int)wname, "column", "type");
  for (size_t c = 0; c < ncol; c++)
    printf(" %12s", causal_result_dimname(r, "summary", 1, c));
  printf("\n");
  for (size_t j = 0; j < k; j++) {
    char tname[32];
    if ((int)types[j] == CAUSAL_TYPE_CAT)
      snprintf(tname, sizeof tname, "cat%.0f", levels[j]);
    else
      snprintf(tname, sizeof tname, "%s", type_name(types[j]));
    printf("%-*s %-5s", (int)wname, causal_result_dimname(r, "summary", 0, j),
           tname);
    for (size_t c = 0; c < ncol; c++) {
      char buf[64];
      fmt_num(buf, sizeof buf, s[j + c * k]);
      printf(" %12s", buf);
    }
    printf("\n");
  }
  for (size_t i = 0; i < causal_result_nwarnings(r); i++)
    fprintf(stderr, "warning: %s\n", causal_result_warning(r, i));
  return 0;
}

int cmd_describe(const char *cmd, int argc, char **argv) {
  (void)cmd;
  int json = 0;
  cli_report rep = {NULL, NULL, 0};
  const char *path = NULL;
  causal_csv_options *opts = NULL;
  int rc = causal_csv_options_new(&opts);
  if (rc != CAUSAL_OK)
    return fail(rc, "options");
  int status = 0;
  for (int i = 0; i < argc && status == 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      describe_usage(stdout);
      causal_csv_options_free(opts);
      return 0;
    } else if (cli_report_option(&rep, "describe", argc, argv, &i)) {
      status = rep.bad ? EXIT_USAGE : 0;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--no-header") == 0) {
      rc = causal_csv_options_set_int(opts, CAUSAL_CSV_HEADER, 0);
    } else if (strcmp(a, "--delimiter") == 0 || strcmp(a, "--na") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s describe: %s needs a value\n", prog, a);
        status = EXIT_USAGE;
        break;
      }
      const char *v = argv[++i];
      if (a[2] == 'n') {
        rc = causal_csv_options_add_na(opts, v);
      } else {
        int d = strcmp(v, "tab") == 0 ? '\t' : (unsigned char)v[0];
        if (strlen(v) != 1 && strcmp(v, "tab") != 0) {
          fprintf(stderr, "%s describe: --delimiter takes one character\n",
                  prog);
          status = EXIT_USAGE;
          break;
        }
        rc = causal_csv_options_set_int(opts, CAUSAL_CSV_DELIMITER, d);
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "%s describe: unknown option '%s'\n", prog, a);
      status = EXIT_USAGE;
    } else if (path != NULL) {
      fprintf(stderr, "%s describe: more than one file given\n", prog);
      status = EXIT_USAGE;
    } else {
      path = a;
    }
    if (rc != CAUSAL_OK) {
      status = fail(rc, "option");
      break;
    }
  }
  if (status == 0 && path == NULL) {
    describe_usage(stderr);
    status = EXIT_USAGE;
  }
  causal_dataset *ds = NULL;
  causal_result *res = NULL;
  if (status == 0 && (rc = causal_csv_read_file(&ds, path, opts)) != CAUSAL_OK)
    status = fail(rc, path);
  if (status == 0 && (rc = causal_describe_dataset(&res, ds)) != CAUSAL_OK)
    status = fail(rc, "describe");
  if (status == 0)
    status = json ? print_json(res) : print_table(res);
  if (status == 0) /* tables only: no picture adds to a summary */
    status = cli_report_write(&rep, "describe", argc, argv, res, NULL, 0);
  causal_result_free(res);
  causal_dataset_free(ds);
  causal_csv_options_free(opts);
  return status;
}
