/* Design matrices: terms, contrasts, names, listwise deletion, errors, and
 * a comparison with R's model.matrix (tests/ref/design_reference.R). */
#include "testutil.h"

static causal_design *new_design(void) {
  causal_design *d = NULL;
  assert_ok(causal_design_new(&d));
  assert_non_null(d);
  return d;
}

/* X as a column-major matrix with its dimensions. */
typedef struct xview {
  const double *v;
  size_t n, k;
} xview;

static xview get_x(const causal_result *r) {
  xview x;
  assert_ok(causal_result_get_matrix(r, "X", &x.v, &x.n, &x.k));
  return x;
}

static void assert_colnames(const causal_result *r, const char *const *names,
                            size_t k) {
  xview x = get_x(r);
  if (x.k != k) {
    for (size_t j = 0; j < x.k; j++)
      print_message("X column %zu: %s\n", j,
                    causal_result_dimname(r, "X", 1, j));
    fail_msg("X has %zu columns, expected %zu", x.k, k);
  }
  for (size_t j = 0; j < k; j++)
    assert_string_equal(causal_result_dimname(r, "X", 1, j), names[j]);
  assert_null(causal_result_dimname(r, "X", 0, 0)); /* no row names */
}

/* region: north/south/east as strings -> levels east, north, south. */
static causal_dataset *small_ds(void) {
  static const double x[5] = {1, 2, 3, 4, 5};
  static const char *const region[5] = {"north", "south", "east", "north",
                                        "east"};
  static const uint8_t b[5] = {1, 0, 1, 1, 0};
  static const int64_t k[5] = {10, 20, 30, 40, 50};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 5, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_strings(ds, "region", region, 5));
  assert_ok(causal_dataset_add_bool(ds, "b", b, NULL, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_i64(ds, "k", k, NULL, 5, CAUSAL_COPY));
  return ds;
}

static void test_basic(void **state) {
  (void)state;
  causal_dataset *ds = small_ds();
  causal_design *d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_add_term(d, "region"));
  assert_ok(causal_design_add_term(d, "x:region"));
  assert_ok(causal_design_add_term(d, "b"));
  assert_ok(causal_design_add_term(d, "k"));
  causal_result *r = NULL;
  assert_ok(causal_design_build(&r, d, ds));
  assert_string_equal(causal_result_kind(r), "design");
  const char *names[] = {"(Intercept)",       "x", "region[north]",
                         "region[south]",     "x:region[north]",
                         "x:region[south]",   "b", "k"};
  assert_colnames(r, names, 8);
  xview X = get_x(r);
  assert_int_equal(X.n, 5);
  const double expect[8][5] = {
      {1, 1, 1, 1, 1},      {1, 2, 3, 4, 5},      {1, 0, 0, 1, 0},
      {0, 1, 0, 0, 0},      {1, 0, 0, 4, 0},      {0, 2, 0, 0, 0},
      {1, 0, 1, 1, 0},      {10, 20, 30, 40, 50}};
  for (size_t j = 0; j < 8; j++)
    for (size_t i = 0; i < 5; i++)
      if (X.v[j * 5 + i] != expect[j][i])
        fail_msg("X[%zu, %zu] = %g, expected %g", i, j, X.v[j * 5 + i],
                 expect[j][i]);
  const double *rows;
  size_t nr;
  assert_ok(causal_result_get_vector(r, "rows", &rows, &nr));
  assert_int_equal(nr, 5);
  for (size_t i = 0; i < 5; i++)
    assert_true(rows[i] == (double)i);
  double nd;
  assert_ok(causal_result_get_scalar(r, "n_dropped", &nd));
  assert_true(nd == 0);
  const double *dbc;
  size_t nu;
  assert_ok(causal_result_get_vector(r, "dropped_by_column", &dbc, &nu));
  assert_int_equal(nu, 4);
  const char *used[4] = {"x", "region", "b", "k"};
  for (size_t u = 0; u < 4; u++) {
    assert_string_equal(causal_result_dimname(r, "dropped_by_column", 0, u),
                        used[u]);
    assert_true(dbc[u] == 0);
  }
  assert_int_equal(causal_result_count(r), 4);
  assert_string_equal(causal_result_name(r, 0), "X");
  assert_string_equal(causal_result_name(r, 1), "rows");
  assert_string_equal(causal_result_name(r, 2), "n_dropped");
  assert_string_equal(causal_result_name(r, 3), "dropped_by_column");
  causal_result_free(r);

  /* Intercept only. */
  causal_design *d0 = new_design();
  assert_ok(causal_design_build(&r, d0, ds));
  const char *n0[] = {"(Intercept)"};
  assert_colnames(r, n0, 1);
  assert_ok(causal_result_get_vector(r, "dropped_by_column", &dbc, &nu));
  assert_int_equal(nu, 0);
  causal_result_free(r);
  causal_design_free(d0);
  causal_design_free(d);
  causal_dataset_free(ds);
}

static void test_reference_and_full_coding(void **state) {
  (void)state;
  causal_dataset *ds = small_ds();
  causal_design *d = new_design();
  assert_ok(causal_design_add_term(d, "region"));
  assert_ok(causal_design_set_reference(d, "region", "north"));
  causal_result *r = NULL;
  assert_ok(causal_design_build(&r, d, ds));
  const char *n1[] = {"(Intercept)", "region[east]", "region[south]"};
  assert_colnames(r, n1, 3);
  causal_result_free(r);
  /* Setting it again replaces. */
  assert_ok(causal_design_set_reference(d, "region", "south"));
  assert_ok(causal_design_build(&r, d, ds));
  const char *n2[] = {"(Intercept)", "region[east]", "region[north]"};
  assert_colnames(r, n2, 3);
  causal_result_free(r);
  /* No intercept: full dummy coding of the first categorical main effect,
   * the reference level is then irrelevant. */
  assert_ok(causal_design_set_intercept(d, 0));
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_build(&r, d, ds));
  const char *n3[] = {"region[east]", "region[north]", "region[south]", "x"};
  assert_colnames(r, n3, 4);
  xview X = get_x(r);
  for (size_t i = 0; i < 5; i++) { /* rows sum to one over the dummies */
    double s = X.v[i] + X.v[5 + i] + X.v[10 + i];
    assert_true(s == 1.0);
  }
  causal_result_free(r);
  /* Full coding belongs to the main-effect term only: an interaction with
   * the same column keeps treatment coding (R: model.matrix(~0 + x +
   * region + x:region) gives x, 3 dummies, then x:region for the two
   * non-reference levels). */
  assert_ok(causal_design_add_term(d, "x:region"));
  assert_ok(causal_design_build(&r, d, ds));
  const char *n3b[] = {"region[east]",     "region[north]", "region[south]",
                       "x",                "x:region[east]", "x:region[north]"};
  assert_colnames(r, n3b, 6);
  causal_result_free(r);
  causal_design_free(d);
  d = new_design();
  assert_ok(causal_design_add_term(d, "region"));
  assert_ok(causal_design_set_reference(d, "region", "south"));
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_set_intercept(d, 1));
  assert_ok(causal_design_build(&r, d, ds));
  const char *n4[] = {"(Intercept)", "region[east]", "region[north]", "x"};
  assert_colnames(r, n4, 4);
  causal_result_free(r);

  /* Errors in references are reported at build time. */
  assert_ok(causal_design_set_reference(d, "region", "west"));
  assert_status(causal_design_build(&r, d, ds), CAUSAL_ENOTFOUND);
  assert_null(r);
  assert_error_mentions("'west'");
  assert_error_mentions("'region'");
  assert_ok(causal_design_set_reference(d, "region", "east"));
  assert_ok(causal_design_set_reference(d, "x", "1"));
  assert_status(causal_design_build(&r, d, ds), CAUSAL_ETYPE);
  assert_error_mentions("'x'");
  causal_design_free(d);
  d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_set_reference(d, "regoin", "east"));
  assert_status(causal_design_build(&r, d, ds), CAUSAL_ENOTFOUND);
  assert_error_mentions("'regoin'");
  assert_status(causal_design_set_reference(d, NULL, "a"), CAUSAL_EINVAL);
  assert_status(causal_design_set_reference(d, "a", NULL), CAUSAL_EINVAL);
  assert_status(causal_design_set_reference(d, "", "a"), CAUSAL_EINVAL);
  assert_status(causal_design_set_reference(NULL, "a", "b"), CAUSAL_EINVAL);
  causal_design_free(d);
  causal_dataset_free(ds);
}

static void test_term_errors(void **state) {
  (void)state;
  causal_design *d = new_design();
  const char *bad[] = {"", "a::b", ":a", "a:", ":", "a:b:a"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = causal_design_add_term(d, bad[i]);
    if (rc != CAUSAL_EPARSE)
      fail_msg("term '%s' gave %d, expected CAUSAL_EPARSE", bad[i], rc);
  }
  assert_status(causal_design_add_term(d, "a::b"), CAUSAL_EPARSE);
  assert_error_mentions("'a::b'");
  assert_ok(causal_design_add_term(d, "a:b"));
  assert_status(causal_design_add_term(d, "a:b"), CAUSAL_EEXISTS);
  assert_error_mentions("'a:b'");
  assert_status(causal_design_add_term(d, "b:a"), CAUSAL_EEXISTS);
  assert_error_mentions("as a:b");
  assert_ok(causal_design_add_term(d, "a"));
  assert_status(causal_design_add_term(d, "a"), CAUSAL_EEXISTS);
  assert_ok(causal_design_add_term(d, "a:b:c"));
  assert_status(causal_design_add_term(d, NULL), CAUSAL_EINVAL);
  assert_status(causal_design_add_term(NULL, "x"), CAUSAL_EINVAL);
  assert_status(causal_design_set_intercept(d, 2), CAUSAL_ERANGE);
  assert_status(causal_design_set_intercept(d, -1), CAUSAL_ERANGE);
  assert_status(causal_design_set_intercept(NULL, 0), CAUSAL_EINVAL);
  assert_status(causal_design_new(NULL), CAUSAL_EINVAL);
  causal_design_free(d);
  causal_design_free(NULL);
}

static void test_build_errors(void **state) {
  (void)state;
  causal_dataset *ds = small_ds();
  causal_design *d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_add_term(d, "x:regoin"));
  causal_result *r = (causal_result *)1;
  assert_status(causal_design_build(&r, d, ds), CAUSAL_ENOTFOUND);
  assert_null(r);
  assert_error_mentions("term 'x:regoin'");
  assert_error_mentions("'regoin'");
  causal_design_free(d);

  d = new_design();
  assert_status(causal_design_build(NULL, d, ds), CAUSAL_EINVAL);
  assert_status(causal_design_build(&r, NULL, ds), CAUSAL_EINVAL);
  assert_status(causal_design_build(&r, d, NULL), CAUSAL_EINVAL);
  assert_ok(causal_design_set_intercept(d, 0));
  assert_status(causal_design_build(&r, d, ds), CAUSAL_EINVAL);
  assert_error_mentions("no columns");
  causal_design_free(d);

  /* No rows in the dataset. */
  causal_dataset *empty = NULL;
  assert_ok(causal_dataset_new(&empty));
  assert_ok(causal_dataset_add_f64(empty, "x", NULL, NULL, 0, CAUSAL_COPY));
  d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_status(causal_design_build(&r, d, empty), CAUSAL_EINVAL);
  assert_error_mentions("no rows");
  causal_dataset_free(empty);

  /* Every row has a missing value in some used column. */
  causal_dataset *m = NULL;
  double x[4] = {NAN, 2, NAN, 4};
  const char *g[4] = {"a", NULL, "b", NULL};
  double z[4] = {NAN, NAN, NAN, NAN};
  assert_ok(causal_dataset_new(&m));
  assert_ok(causal_dataset_add_f64(m, "x", x, NULL, 4, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(m, "g", g, 4));
  assert_ok(causal_dataset_add_f64(m, "unused", z, NULL, 4, CAUSAL_COPY));
  causal_design_free(d);
  d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_add_term(d, "g"));
  assert_status(causal_design_build(&r, d, m), CAUSAL_EMISSING);
  assert_error_mentions("all 4 rows");
  assert_error_mentions("'x' 2");
  assert_error_mentions("'g' 2");
  /* Unused columns do not drop rows. */
  causal_design *d2 = new_design();
  assert_ok(causal_design_add_term(d2, "g"));
  assert_ok(causal_design_build(&r, d2, m));
  double nd;
  assert_ok(causal_result_get_scalar(r, "n_dropped", &nd));
  assert_true(nd == 2);
  causal_result_free(r);
  causal_design_free(d2);
  causal_design_free(d);
  causal_dataset_free(m);
  causal_dataset_free(ds);
}

static void test_deletion_and_empty_levels(void **state) {
  (void)state;
  double x[6] = {1, 2, NAN, 4, 5, 6};
  uint8_t vx[6] = {1, 1, 1, 1, 0, 1};
  int32_t g[6] = {0, 1, 1, -1, 2, 0};
  const char *labels[4] = {"p", "q", "r", "s"}; /* "s" has no rows */
  int32_t one[6] = {0, 0, 0, 0, 0, 0};
  const char *onel[1] = {"only"};
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", x, vx, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_cat(ds, "g", g, 6, labels, 4, CAUSAL_COPY));
  assert_ok(causal_dataset_add_cat(ds, "c1", one, 6, onel, 1, CAUSAL_COPY));
  causal_design *d = new_design();
  assert_ok(causal_design_add_term(d, "x"));
  assert_ok(causal_design_add_term(d, "g"));
  assert_ok(causal_design_add_term(d, "c1")); /* one level: no column */
  assert_ok(causal_design_add_term(d, "x:c1"));
  causal_result *r = NULL;
  assert_ok(causal_design_build(&r, d, ds));
  /* Rows 2 (NaN), 3 (g missing), 4 (masked) are dropped. Level "r" only
   * occurred in a dropped row and "s" never: both keep zero columns. */
  const char *names[] = {"(Intercept)", "x", "g[q]", "g[r]", "g[s]"};
  assert_colnames(r, names, 5);
  xview X = get_x(r);
  assert_int_equal(X.n, 3);
  const double expect[5][3] = {
      {1, 1, 1}, {1, 2, 6}, {0, 1, 0}, {0, 0, 0}, {0, 0, 0}};
  for (size_t j = 0; j < 5; j++)
    for (size_t i = 0; i < 3; i++)
      assert_true(X.v[j * 3 + i] == expect[j][i]);
  const double *rows, *dbc;
  size_t n;
  assert_ok(causal_result_get_vector(r, "rows", &rows, &n));
  assert_int_equal(n, 3);
  assert_true(rows[0] == 0 && rows[1] == 1 && rows[2] == 5);
  double nd;
  assert_ok(causal_result_get_scalar(r, "n_dropped", &nd));
  assert_true(nd == 3);
  assert_ok(causal_result_get_vector(r, "dropped_by_column", &dbc, &n));
  assert_int_equal(n, 3);
  assert_string_equal(causal_result_dimname(r, "dropped_by_column", 0, 0),
                      "x");
  assert_string_equal(causal_result_dimname(r, "dropped_by_column", 0, 1),
                      "g");
  assert_string_equal(causal_result_dimname(r, "dropped_by_column", 0, 2),
                      "c1");
  assert_true(dbc[0] == 2 && dbc[1] == 1 && dbc[2] == 0);
  causal_result_free(r);
  causal_design_free(d);
  causal_dataset_free(ds);
}

/* ---- comparison with R's model.matrix ---------------------------------- */

#define MAXROWS 64

typedef struct refdata {
  size_t n;
  double x[MAXROWS], z[MAXROWS];
  int64_t k[MAXROWS];
  uint8_t kv[MAXROWS], b[MAXROWS], bv[MAXROWS];
  char region[MAXROWS][16], grp[MAXROWS][16];
  const char *regionp[MAXROWS], *grpp[MAXROWS];
} refdata;

static char *next_field(char **p) {
  char *s = *p, *e = strchr(s, ',');
  if (e) {
    *e = '\0';
    *p = e + 1;
  } else {
    s[strcspn(s, "\r\n")] = '\0';
    *p = s + strlen(s);
  }
  return s;
}

static causal_dataset *load_reference_data(refdata *rd) {
  FILE *f = fopen(cz_test_path("data/design_reference_data.csv"), "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f));
  assert_int_equal(strncmp(line, "x,z,k,b,region,grp", 18), 0);
  rd->n = 0;
  while (fgets(line, sizeof line, f) && rd->n < MAXROWS) {
    size_t i = rd->n++;
    char *p = line, *s;
    s = next_field(&p);
    rd->x[i] = strcmp(s, "NA") ? strtod(s, NULL) : NAN;
    s = next_field(&p);
    rd->z[i] = strcmp(s, "NA") ? strtod(s, NULL) : NAN;
    s = next_field(&p);
    rd->kv[i] = strcmp(s, "NA") != 0;
    rd->k[i] = rd->kv[i] ? strtoll(s, NULL, 10) : 0;
    s = next_field(&p);
    rd->bv[i] = strcmp(s, "NA") != 0;
    rd->b[i] = strcmp(s, "TRUE") == 0;
    s = next_field(&p);
    snprintf(rd->region[i], 16, "%s", s);
    rd->regionp[i] = strcmp(s, "NA") ? rd->region[i] : NULL;
    s = next_field(&p);
    snprintf(rd->grp[i], 16, "%s", s);
    rd->grpp[i] = strcmp(s, "NA") ? rd->grp[i] : NULL;
  }
  fclose(f);
  assert_int_equal(rd->n, 14);
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_ok(causal_dataset_add_f64(ds, "x", rd->x, NULL, rd->n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "z", rd->z, NULL, rd->n, CAUSAL_COPY));
  assert_ok(
      causal_dataset_add_i64(ds, "k", rd->k, rd->kv, rd->n, CAUSAL_COPY));
  assert_ok(
      causal_dataset_add_bool(ds, "b", rd->b, rd->bv, rd->n, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "region", rd->regionp, rd->n));
  assert_ok(causal_dataset_add_strings(ds, "grp", rd->grpp, rd->n));
  return ds;
}

typedef struct refcase {
  const char *name;
  int intercept;
  const char *terms[8];
  const char *refs[4]; /* column, level pairs */
} refcase;

static const refcase cases[] = {
    {"main", 1, {"x", "region"}, {NULL}},
    {"relevel", 1, {"x", "region"}, {"region", "south", NULL}},
    {"num_by_factor", 1, {"x", "region", "x:region"}, {NULL}},
    {"factor_by_factor", 1, {"region", "grp", "region:grp"}, {NULL}},
    {"factor_by_factor_ref",
     1,
     {"region", "grp", "region:grp"},
     {"region", "north", "grp", "C"}},
    {"no_intercept", 0, {"region", "x"}, {NULL}},
    {"no_intercept_two", 0, {"grp", "region", "z"}, {NULL}},
    {"types", 1, {"k", "b", "z"}, {NULL}},
    {"three_way",
     1,
     {"x", "region", "grp", "x:region", "x:grp", "region:grp",
      "x:region:grp"},
     {NULL}},
};

/* libcausal name -> R name: "g[lev]" -> "glev"; BOOL "b" -> "bTRUE". */
static void r_name(const char *ours, char *out, size_t cap) {
  size_t o = 0;
  const char *p = ours;
  while (*p && o + 6 < cap) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 1 && p[0] == 'b') {
      memcpy(out + o, "bTRUE", 5);
      o += 5;
    } else {
      for (size_t i = 0; i < len && o + 2 < cap; i++)
        if (p[i] != '[' && p[i] != ']')
          out[o++] = p[i];
    }
    if (!end)
      break;
    out[o++] = ':';
    p = end + 1;
  }
  out[o] = '\0';
}

/* All reference records of one case, in file order. */
typedef struct refrec {
  long row;
  char column[64];
  double value;
} refrec;

static size_t load_case(const char *name, refrec *recs, size_t cap) {
  FILE *f = fopen(cz_test_path("data/design_reference.csv"), "r");
  assert_non_null(f);
  char line[256];
  size_t n = 0;
  assert_non_null(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f)) {
    char *p = line;
    char *cs = next_field(&p);
    if (strcmp(cs, name) != 0)
      continue;
    assert_true(n < cap);
    recs[n].row = strtol(next_field(&p), NULL, 10);
    snprintf(recs[n].column, sizeof recs[n].column, "%s", next_field(&p));
    recs[n].value = strtod(next_field(&p), NULL);
    n++;
  }
  fclose(f);
  return n;
}

static void check_case(const refcase *c, const causal_dataset *ds) {
  causal_design *d = new_design();
  assert_ok(causal_design_set_intercept(d, c->intercept));
  for (size_t t = 0; t < 8 && c->terms[t]; t++)
    assert_ok(causal_design_add_term(d, c->terms[t]));
  for (size_t k = 0; k < 4 && c->refs[k]; k += 2)
    assert_ok(causal_design_set_reference(d, c->refs[k], c->refs[k + 1]));
  causal_result *r = NULL;
  assert_ok(causal_design_build(&r, d, ds));
  xview X = get_x(r);
  const double *rows;
  size_t nr;
  assert_ok(causal_result_get_vector(r, "rows", &rows, &nr));
  assert_int_equal(nr, X.n);

  static refrec recs[4096];
  size_t nrec = load_case(c->name, recs, 4096);
  assert_true(nrec > 0);
  /* Matrix records come column by column, X.n records per column. */
  size_t nmat = 0;
  while (nmat < nrec && recs[nmat].row >= 0)
    nmat++;
  if (nmat != X.n * X.k)
    fail_msg("case %s: R has %zu values, we have %zu x %zu", c->name, nmat,
             X.n, X.k);
  char rn[128];
  for (size_t j = 0; j < X.k; j++) {
    r_name(causal_result_dimname(r, "X", 1, j), rn, sizeof rn);
    const refrec *col = &recs[j * X.n];
    if (strcmp(rn, col->column) != 0)
      fail_msg("case %s: column %zu is '%s' (R '%s'), R has '%s'", c->name, j,
               causal_result_dimname(r, "X", 1, j), rn, col->column);
    for (size_t i = 0; i < X.n; i++) {
      assert_int_equal(col[i].row, (long)rows[i]);
      if (X.v[j * X.n + i] != col[i].value)
        fail_msg("case %s: X[%zu, %s] = %.17g, R has %.17g", c->name, i,
                 rn, X.v[j * X.n + i], col[i].value);
    }
  }
  /* Deletion report. */
  double nd;
  assert_ok(causal_result_get_scalar(r, "n_dropped", &nd));
  assert_string_equal(recs[nmat].column, "#n_dropped");
  assert_true(nd == recs[nmat].value);
  const double *dbc;
  size_t nu;
  assert_ok(causal_result_get_vector(r, "dropped_by_column", &dbc, &nu));
  assert_int_equal(nu, nrec - nmat - 1);
  for (size_t u = 0; u < nu; u++) {
    const refrec *rec = &recs[nmat + 1 + u];
    char want[80];
    snprintf(want, sizeof want, "#dropped:%s",
             causal_result_dimname(r, "dropped_by_column", 0, u));
    assert_string_equal(rec->column, want);
    assert_true(dbc[u] == rec->value);
  }
  causal_result_free(r);
  causal_design_free(d);
}

static void test_r_reference(void **state) {
  (void)state;
  refdata *rd = calloc(1, sizeof *rd);
  causal_dataset *ds = load_reference_data(rd);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    check_case(&cases[c], ds);
  causal_dataset_free(ds);
  free(rd);
}

/* ---- out-of-memory sweep ---- */

static int oom_design(void *arg) {
  const causal_dataset *ds = arg;
  causal_design *d = NULL;
  causal_result *r = NULL;
  int rc = causal_design_new(&d);
  const char *terms[] = {"x", "region", "b", "x:region", "k:region:b", "k"};
  for (size_t t = 0; t < 6 && rc == 0; t++)
    rc = causal_design_add_term(d, terms[t]);
  if (rc == 0)
    rc = causal_design_set_reference(d, "region", "south");
  if (rc == 0)
    rc = causal_design_set_reference(d, "region", "north");
  if (rc == 0)
    rc = causal_design_build(&r, d, ds);
  if (rc == 0 && r == NULL)
    rc = CAUSAL_EINTERNAL;
  causal_result_free(r);
  causal_design_free(d);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  causal_dataset *ds = small_ds();
  cz_oom_sweep(oom_design, ds);
  causal_dataset_free(ds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_reference_and_full_coding),
      cmocka_unit_test(test_term_errors),
      cmocka_unit_test(test_build_errors),
      cmocka_unit_test(test_deletion_and_empty_levels),
      cmocka_unit_test(test_r_reference),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
