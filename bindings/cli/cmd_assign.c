/* causal assign: deterministic variant assignment of the ids in a CSV file
 * (spec v1 of docs/methods/assign.md), streamed chunk by chunk. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assign_usage(FILE *f) {
  fprintf(f,
          "usage: %s assign --salt SALT [options] FILE.csv\n"
          "\n"
          "Assign every id of a CSV column to a variant by the libcausal hash\n"
          "(spec v1: SipHash-2-4 keyed by SALT, multiply-high to BUCKETS\n"
          "buckets). The same ids give the same buckets and variants in C,\n"
          "Python (causal.assign) and R (causal_assign). Writes id,bucket,\n"
          "variant as CSV (variant empty when the unit is not exposed).\n"
          "\n"
          "options:\n"
          "  --salt SALT         layer salt (required), e.g. the experiment "
          "name\n"
          "  --buckets B         number of buckets, 1..2^32 (default 10000)\n"
          "  --variants LIST     name:weight,... (default control:50,"
          "treatment:50);\n"
          "                      weights are normalized to sum to 1\n"
          "  --exposure F        live fraction of each variant, 0..1 (default "
          "1);\n"
          "                      raising it never moves a unit between "
          "variants\n"
          "  --id-column NAME    column holding the ids (default: the first)\n"
          "  --delimiter C       field delimiter (default ','; 'tab' for TAB)\n"
          "  --no-header         the file has no header; columns are V1, V2, "
          "...\n"
          "  --json              write a JSON array of {id, bucket, variant}\n"
          "\n"
          "examples:\n"
          "  %s assign --salt checkout-2024 --buckets 1000 examples/users.csv\n"
          "  %s assign --salt S --buckets 10000 --variants "
          "control:50,treatment:50 \\\n"
          "      --id-column user_id ids.csv > assignment.csv\n"
          "  %s assign --salt ramp --variants a:1,b:1,c:2 --exposure 0.1 "
          "--json ids.csv\n",
          prog, prog, prog, prog);
}

#define MAX_VARIANTS 64

typedef struct {
  char *names[MAX_VARIANTS];
  double weights[MAX_VARIANTS];
  int n;
} variant_list;

/* "a:50,b:50" -> names and normalized weights; 0 or an error message. */
static const char *parse_variants(char *s, variant_list *v) {
  double total = 0;
  v->n = 0;
  for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
    if (v->n == MAX_VARIANTS)
      return "too many variants (at most 64)";
    char *colon = strrchr(tok, ':');
    if (colon == NULL || colon == tok)
      return "each variant must be name:weight";
    *colon = '\0';
    char *end;
    errno = 0;
    double w = strtod(colon + 1, &end);
    if (*end != '\0' || errno != 0 || !(w > 0) || w > 1e300)
      return "variant weights must be positive numbers";
    v->names[v->n] = tok;
    v->weights[v->n] = w;
    total += w;
    v->n++;
  }
  if (v->n == 0)
    return "no variants given";
  for (int i = 0; i < v->n; i++)
    v->weights[i] /= total;
  return NULL;
}

/* The single-experiment config of docs/methods/assign.md section 5. */
static int build(causal_assign_config **out, const char *salt,
                 uint64_t buckets, const variant_list *v, double exposure) {
  size_t n = strlen(salt);
  char *top = malloc(n + 5);
  if (top == NULL)
    return CAUSAL_ENOMEM;
  memcpy(top, salt, n);
  memcpy(top + n, "#top", 5);
  causal_assign_config *c = NULL;
  int64_t d, l, e;
  int rc = causal_assign_config_new(&c, top, 1);
  free(top);
  if (rc == CAUSAL_OK)
    rc = causal_assign_add_domain(c, 0, 1, &d);
  if (rc == CAUSAL_OK)
    rc = causal_assign_add_layer(c, d, salt, buckets, &l);
  if (rc == CAUSAL_OK)
    rc = causal_assign_add_experiment(c, l, "experiment", 0, buckets, &e);
  for (int i = 0; i < v->n && rc == CAUSAL_OK; i++)
    rc = causal_assign_add_variant(c, e, v->names[i], v->weights[i], NULL);
  if (rc == CAUSAL_OK)
    rc = causal_assign_set_exposure(c, e, exposure);
  if (rc == CAUSAL_OK)
    rc = causal_assign_finalize(c);
  if (rc != CAUSAL_OK) {
    causal_assign_config_free(c);
    c = NULL;
  }
  *out = c;
  return rc;
}

static void put_csv_field(const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, stdout);
    return;
  }
  putchar('"');
  for (; *s; s++) {
    if (*s == '"')
      putchar('"');
    putchar(*s);
  }
  putchar('"');
}

static void put_json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

typedef struct {
  char *data;
  int64_t *off;
  uint64_t *bucket;
  int64_t *var;
  size_t cap_rows, cap_bytes;
} buffers;

static int reserve(buffers *b, size_t rows, size_t bytes) {
  if (rows > b->cap_rows) {
    free(b->off);
    free(b->bucket);
    free(b->var);
    b->off = malloc((rows + 1) * sizeof *b->off);
    b->bucket = malloc(rows * sizeof *b->bucket);
    b->var = malloc(rows * sizeof *b->var);
    if (!b->off || !b->bucket || !b->var)
      return CAUSAL_ENOMEM;
    b->cap_rows = rows;
  }
  if (bytes > b->cap_bytes) {
    free(b->data);
    b->data = malloc(bytes);
    if (!b->data)
      return CAUSAL_ENOMEM;
    b->cap_bytes = bytes;
  }
  return CAUSAL_OK;
}

/* Assign and print one chunk; *first tracks JSON separators. Returns an
 * exit code. */
static int do_chunk(const causal_assign_config *cfg, const causal_dataset *ds,
                    const char *idcol, int64_t row0, const variant_list *v,
                    int json, int *first, buffers *b) {
  size_t col, n = causal_dataset_nrows(ds);
  int rc = idcol ? causal_dataset_col_index(ds, idcol, &col) : CAUSAL_OK;
  if (!idcol)
    col = 0;
  if (rc != CAUSAL_OK)
    return fail(rc, "--id-column");
  const int32_t *codes;
  rc = causal_dataset_col_cat(ds, col, &codes);
  if (rc != CAUSAL_OK)
    return fail(rc, "reading the id column");
  size_t bytes = 1;
  for (size_t i = 0; i < n; i++) {
    if (codes[i] < 0) {
      fprintf(stderr, "%s assign: data row %lld: the id is empty\n", prog,
              (long long)(row0 + (int64_t)i + 1));
      return EXIT_ANALYSIS;
    }
    bytes += strlen(causal_dataset_cat_label(ds, col, (size_t)codes[i]));
  }
  if (reserve(b, n, bytes) != CAUSAL_OK) {
    fprintf(stderr, "%s assign: out of memory\n", prog);
    return EXIT_ANALYSIS;
  }
  b->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    const char *s = causal_dataset_cat_label(ds, col, (size_t)codes[i]);
    size_t len = strlen(s);
    memcpy(b->data + b->off[i], s, len);
    b->off[i + 1] = b->off[i] + (int64_t)len;
  }
  rc = causal_assign_batch(cfg, 0, b->data, b->off, n, b->bucket, NULL,
                           b->var);
  if (rc != CAUSAL_OK)
    return fail(rc, "assigning");
  for (size_t i = 0; i < n; i++) {
    const char *id = causal_dataset_cat_label(ds, col, (size_t)codes[i]);
    const char *var = b->var[i] >= 0 ? v->names[b->var[i]] : NULL;
    if (json) {
      fputs(*first ? "\n  {\"id\": " : ",\n  {\"id\": ", stdout);
      put_json_string(id);
      printf(", \"bucket\": %llu, \"variant\": ",
             (unsigned long long)b->bucket[i]);
      if (var)
        put_json_string(var);
      else
        fputs("null", stdout);
      putchar('}');
    } else {
      put_csv_field(id);
      printf(",%llu,", (unsigned long long)b->bucket[i]);
      if (var)
        put_csv_field(var);
      putchar('\n');
    }
    *first = 0;
  }
  return 0;
}

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "%s assign: %s%s%s\n", prog, msg, arg ? ": " : "",
          arg ? arg : "");
  return EXIT_USAGE;
}

int cmd_assign(const char *cmd, int argc, char **argv) {
  (void)cmd;
  const char *salt = NULL, *idcol = NULL, *path = NULL;
  char *vspec = NULL;
  char defaults[] = "control:50,treatment:50";
  uint64_t buckets = 10000;
  double exposure = 1.0;
  int json = 0, header = 1, delim = ',';
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      assign_usage(stdout);
      return 0;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--no-header") == 0) {
      header = 0;
    } else if (strncmp(a, "--", 2) == 0) {
      if (i + 1 >= argc)
        return usage_error("option needs a value", a);
      char *val = argv[++i], *end;
      if (strcmp(a, "--salt") == 0) {
        salt = val;
      } else if (strcmp(a, "--id-column") == 0) {
        idcol = val;
      } else if (strcmp(a, "--variants") == 0) {
        vspec = val;
      } else if (strcmp(a, "--buckets") == 0) {
        errno = 0;
        unsigned long long b = strtoull(val, &end, 10);
        if (*end != '\0' || errno != 0 || val[0] == '-' || b == 0 ||
            b > CAUSAL_ASSIGN_MAX_BUCKETS)
          return usage_error("--buckets must be a whole number in 1..2^32",
                             val);
        buckets = b;
      } else if (strcmp(a, "--exposure") == 0) {
        exposure = strtod(val, &end);
        if (*end != '\0' || !(exposure >= 0 && exposure <= 1))
          return usage_error("--exposure must be a number in [0, 1]", val);
      } else if (strcmp(a, "--delimiter") == 0) {
        if (strcmp(val, "tab") == 0)
          delim = '\t';
        else if (strlen(val) == 1)
          delim = (unsigned char)val[0];
        else
          return usage_error("--delimiter takes one character", val);
      } else {
        return usage_error("unknown option", a);
      }
    } else if (path == NULL) {
      path = a;
    } else {
      return usage_error("more than one input file", a);
    }
  }
  if (salt == NULL)
    return usage_error("--salt is required (see --help)", NULL);
  if (path == NULL)
    return usage_error("no input file (see --help)", NULL);
  variant_list v;
  const char *err = parse_variants(vspec ? vspec : defaults, &v);
  if (err)
    return usage_error(err, NULL);

  causal_assign_config *cfg = NULL;
  int rc = build(&cfg, salt, buckets, &v, exposure);
  if (rc != CAUSAL_OK)
    return fail(rc, "configuration");

  /* Ids are read as text: "007" stays "007", "NA" is an id; only empty
   * fields are missing (an error). */
  causal_csv_options *opts = NULL;
  causal_csv_reader *rd = NULL;
  rc = causal_csv_options_new(&opts);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_add_na(opts, "");
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_int(opts, CAUSAL_CSV_DELIMITER, delim);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_int(opts, CAUSAL_CSV_HEADER, header);
  if (rc == CAUSAL_OK && (idcol != NULL || !header))
    rc = causal_csv_options_set_type(opts, idcol ? idcol : "V1",
                                     CAUSAL_TYPE_CAT);
  int status = 0;
  if (rc != CAUSAL_OK)
    status = fail(rc, "options");
  if (status == 0 && idcol == NULL && header) {
    /* The first column's name is only known after the header: peek. */
    causal_csv_options_set_int(opts, CAUSAL_CSV_CHUNK_ROWS, 1);
    rc = causal_csv_reader_open(&rd, path, opts);
    causal_dataset *first = NULL;
    if (rc == CAUSAL_OK)
      rc = causal_csv_reader_next(rd, &first);
    if (rc != CAUSAL_OK)
      status = fail(rc, path);
    else if (first != NULL)
      rc = causal_csv_options_set_type(opts, causal_dataset_col_name(first, 0),
                                       CAUSAL_TYPE_CAT);
    causal_dataset_free(first);
    causal_csv_reader_free(rd);
    rd = NULL;
    causal_csv_options_set_int(opts, CAUSAL_CSV_CHUNK_ROWS, 65536);
  }
  if (status == 0) {
    rc = causal_csv_reader_open(&rd, path, opts);
    if (rc != CAUSAL_OK)
      status = fail(rc, path);
  }
  buffers b = {0};
  int first = 1;
  if (status == 0 && !json)
    printf("id,bucket,variant\n");
  if (status == 0 && json)
    putchar('[');
  while (status == 0) {
    causal_dataset *chunk = NULL;
    int64_t row0 = causal_csv_reader_rows(rd);
    rc = causal_csv_reader_next(rd, &chunk);
    if (rc != CAUSAL_OK) {
      status = fail(rc, path);
      break;
    }
    if (chunk == NULL)
      break;
    status = do_chunk(cfg, chunk, idcol, row0, &v, json, &first, &b);
    causal_dataset_free(chunk);
  }
  if (status == 0 && json)
    fputs(first ? "]\n" : "\n]\n", stdout);
  free(b.data);
  free(b.off);
  free(b.bucket);
  free(b.var);
  causal_csv_reader_free(rd);
  causal_csv_options_free(opts);
  causal_assign_config_free(cfg);
  return status;
}
