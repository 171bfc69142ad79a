/* Datasets: columns, ownership, missing values, views, subsets, append. */
#include "testutil.h"

#include "internal/dataset.h"

static causal_dataset *new_ds(void) {
  causal_dataset *ds = NULL;
  assert_ok(causal_dataset_new(&ds));
  assert_non_null(ds);
  return ds;
}

static size_t col_of(const causal_dataset *ds, const char *name) {
  size_t j = 99;
  assert_ok(causal_dataset_col_index(ds, name, &j));
  return j;
}

static size_t nmiss(const causal_dataset *ds, const char *name) {
  size_t m = 12345;
  assert_ok(causal_dataset_col_nmissing(ds, col_of(ds, name), &m));
  return m;
}

/* Compare a column, as doubles, with expected values (NaN = missing). */
static void assert_col_values(const causal_dataset *ds, const char *name,
                              const double *expect, size_t n) {
  assert_int_equal(causal_dataset_nrows(ds), n);
  double *v = malloc((n ? n : 1) * sizeof *v);
  assert_ok(causal_dataset_col_to_f64(ds, col_of(ds, name), v, n));
  for (size_t i = 0; i < n; i++) {
    if (isnan(expect[i])) {
      if (!isnan(v[i]))
        fail_msg("%s[%zu] = %g, expected missing", name, i, v[i]);
    } else if (v[i] != expect[i]) {
      fail_msg("%s[%zu] = %.17g, expected %.17g", name, i, v[i], expect[i]);
    }
  }
  free(v);
}

static void test_new_free(void **state) {
  (void)state;
  causal_dataset *ds = new_ds();
  assert_int_equal(causal_dataset_nrows(ds), 0);
  assert_int_equal(causal_dataset_ncols(ds), 0);
  assert_null(causal_dataset_col_name(ds, 0));
  causal_dataset_free(ds);
  causal_dataset_free(NULL);
  assert_status(causal_dataset_new(NULL), CAUSAL_EINVAL);
  assert_int_equal(causal_dataset_nrows(NULL), 0);
  assert_int_equal(causal_dataset_ncols(NULL), 0);
  assert_null(causal_dataset_col_name(NULL, 0));
}

static void test_add_f64_copy_borrow(void **state) {
  (void)state;
  double x[5] = {1.5, NAN, -2.0, INFINITY, 4.0};
  uint8_t vx[5] = {1, 1, 1, 1, 0};
  double xc[5];
  uint8_t vc[5];
  memcpy(xc, x, sizeof x);
  memcpy(vc, vx, sizeof vx);
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_f64(ds, "x", x, vx, 5, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(ds, "y", x, NULL, 5, CAUSAL_BORROW));
  assert_int_equal(causal_dataset_nrows(ds), 5);
  assert_int_equal(causal_dataset_ncols(ds), 2);
  assert_string_equal(causal_dataset_col_name(ds, 0), "x");
  assert_string_equal(causal_dataset_col_name(ds, 1), "y");
  /* NaN and the mask both count as missing; Inf is a value. */
  assert_int_equal(nmiss(ds, "x"), 2);
  assert_int_equal(nmiss(ds, "y"), 1);
  const double *d = NULL;
  const uint8_t *v = NULL;
  assert_ok(causal_dataset_col_f64(ds, 0, &d, &v));
  assert_ptr_not_equal(d, x); /* copied */
  assert_ptr_not_equal(v, vx);
  assert_non_null(v);
  assert_true(d[0] == 1.5 && d[2] == -2.0 && isinf(d[3]) && d[4] == 4.0);
  assert_ok(causal_dataset_col_f64(ds, 1, &d, &v));
  assert_ptr_equal(d, x); /* borrowed */
  assert_null(v);
  /* valid out-parameter is optional */
  assert_ok(causal_dataset_col_f64(ds, 1, &d, NULL));
  double e[5] = {1.5, NAN, -2.0, INFINITY, NAN};
  assert_col_values(ds, "x", e, 5);
  causal_dataset_free(ds);
  assert_memory_equal(x, xc, sizeof x);
  assert_memory_equal(vx, vc, sizeof vx);
}

static void test_add_i64_bool(void **state) {
  (void)state;
  int64_t k[4] = {(int64_t)1 << 53, -7, 0, INT64_MAX};
  uint8_t vk[4] = {1, 0, 1, 1};
  uint8_t b[4] = {0, 2, 1, 255};
  uint8_t b01[4] = {0, 1, 1, 0};
  uint8_t bc[4], kc[sizeof k];
  memcpy(bc, b, 4);
  memcpy(kc, k, sizeof k);
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_i64(ds, "k", k, vk, 4, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_bool(ds, "b", b, NULL, 4, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_bool(ds, "b01", b01, vk, 4, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_bool(ds, "bc", b, NULL, 4, CAUSAL_COPY));
  const int64_t *kd;
  const uint8_t *v, *bd;
  assert_ok(causal_dataset_col_i64(ds, 0, &kd, &v));
  assert_ptr_equal(kd, k);
  assert_ptr_equal(v, vk); /* the mask follows the ownership rule */
  assert_int_equal(nmiss(ds, "k"), 1);
  /* Non-0/1 data cannot be borrowed: normalized copy, caller untouched. */
  assert_ok(causal_dataset_col_bool(ds, 1, &bd, &v));
  assert_ptr_not_equal(bd, b);
  assert_int_equal(bd[0], 0);
  assert_int_equal(bd[1], 1);
  assert_int_equal(bd[2], 1);
  assert_int_equal(bd[3], 1);
  assert_ok(causal_dataset_col_bool(ds, 2, &bd, &v));
  assert_ptr_equal(bd, b01);
  assert_int_equal(nmiss(ds, "b01"), 1);
  assert_ok(causal_dataset_col_bool(ds, 3, &bd, &v));
  assert_int_equal(bd[3], 1);
  double e[4] = {9007199254740992.0, NAN, 0.0, 9223372036854775807.0};
  assert_col_values(ds, "k", e, 4);
  double eb[4] = {0, 1, 1, 1};
  assert_col_values(ds, "b", eb, 4);
  double eb01[4] = {0, NAN, 1, 0};
  assert_col_values(ds, "b01", eb01, 4);
  causal_dataset_free(ds);
  assert_memory_equal(b, bc, 4);
  assert_memory_equal(k, kc, sizeof k);
}

static void test_add_cat(void **state) {
  (void)state;
  int32_t codes[5] = {0, 2, -1, 1, 0};
  int32_t cc[5];
  memcpy(cc, codes, sizeof codes);
  const char *labels[3] = {"north", "south", "east"};
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_cat(ds, "region", codes, 5, labels, 3,
                                   CAUSAL_BORROW));
  const int32_t *cd;
  assert_ok(causal_dataset_col_cat(ds, 0, &cd));
  assert_ptr_equal(cd, codes);
  size_t nl = 0;
  assert_ok(causal_dataset_cat_nlevels(ds, 0, &nl));
  assert_int_equal(nl, 3);
  assert_string_equal(causal_dataset_cat_label(ds, 0, 2), "east");
  assert_ptr_not_equal(causal_dataset_cat_label(ds, 0, 2), labels[2]);
  assert_null(causal_dataset_cat_label(ds, 0, 3));
  assert_null(causal_dataset_cat_label(ds, 1, 0));
  assert_null(causal_dataset_cat_label(NULL, 0, 0));
  assert_int_equal(nmiss(ds, "region"), 1);
  double e[5] = {0, 2, NAN, 1, 0};
  assert_col_values(ds, "region", e, 5);

  /* All missing with no levels. */
  int32_t none5[5] = {-1, -1, -1, -1, -1};
  assert_ok(causal_dataset_add_cat(ds, "empty5", none5, 5, NULL, 0,
                                   CAUSAL_COPY));
  assert_int_equal(nmiss(ds, "empty5"), 5);

  /* Errors: code out of range names the row. */
  int32_t bad[5] = {0, 1, 3, 0, 0};
  assert_status(causal_dataset_add_cat(ds, "g", bad, 5, labels, 3,
                                       CAUSAL_COPY),
                CAUSAL_ERANGE);
  assert_error_mentions("row 2");
  assert_error_mentions("'g'");
  bad[2] = -2;
  assert_status(causal_dataset_add_cat(ds, "g", bad, 5, labels, 3,
                                       CAUSAL_COPY),
                CAUSAL_ERANGE);
  const char *dup[3] = {"a", "b", "a"};
  assert_status(causal_dataset_add_cat(ds, "g", codes, 5, dup, 3,
                                       CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_error_mentions("'a'");
  const char *nul[3] = {"a", NULL, "c"};
  assert_status(causal_dataset_add_cat(ds, "g", codes, 5, nul, 3,
                                       CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_error_mentions("label 1");
  assert_status(causal_dataset_add_cat(ds, "g", codes, 5, NULL, 3,
                                       CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_int_equal(causal_dataset_ncols(ds), 2);
  causal_dataset_free(ds);
  assert_memory_equal(codes, cc, sizeof codes);
}

static void test_add_strings(void **state) {
  (void)state;
  const char *vals[7] = {"b", "a", NULL, "c", "a", "B", "\xc3\xa9"};
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_strings(ds, "s", vals, 7));
  size_t nl = 0;
  assert_ok(causal_dataset_cat_nlevels(ds, 0, &nl));
  assert_int_equal(nl, 5);
  /* byte order: "B" < "a" < "b" < "c" < "\xc3\xa9" */
  const char *expect[5] = {"B", "a", "b", "c", "\xc3\xa9"};
  for (size_t l = 0; l < 5; l++)
    assert_string_equal(causal_dataset_cat_label(ds, 0, l), expect[l]);
  const int32_t *cd;
  assert_ok(causal_dataset_col_cat(ds, 0, &cd));
  int32_t ec[7] = {2, 1, -1, 3, 1, 0, 4};
  assert_memory_equal(cd, ec, sizeof ec);
  assert_int_equal(nmiss(ds, "s"), 1);
  const char *allnull[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  assert_ok(causal_dataset_add_strings(ds, "n", allnull, 7));
  assert_ok(causal_dataset_cat_nlevels(ds, 1, &nl));
  assert_int_equal(nl, 0);
  assert_int_equal(nmiss(ds, "n"), 7);
  assert_status(causal_dataset_add_strings(ds, "s", vals, 7), CAUSAL_EEXISTS);
  assert_status(causal_dataset_add_strings(ds, "z", NULL, 7), CAUSAL_EINVAL);
  assert_status(causal_dataset_add_strings(ds, "z", vals, 6), CAUSAL_EDIM);
  assert_status(causal_dataset_add_strings(NULL, "z", vals, 7), CAUSAL_EINVAL);
  causal_dataset_free(ds);
}

static void test_add_errors(void **state) {
  (void)state;
  double x[5] = {1, 2, 3, 4, 5};
  causal_dataset *ds = new_ds();
  assert_status(causal_dataset_add_f64(NULL, "x", x, NULL, 5, CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_status(causal_dataset_add_f64(ds, NULL, x, NULL, 5, CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_error_mentions("name");
  assert_status(causal_dataset_add_f64(ds, "", x, NULL, 5, CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_error_mentions("empty");
  assert_status(causal_dataset_add_f64(ds, "x", NULL, NULL, 5, CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_status(causal_dataset_add_f64(ds, "x", x, NULL, 5, 7), CAUSAL_EINVAL);
  assert_error_mentions("ownership");
  assert_ok(causal_dataset_add_f64(ds, "x", x, NULL, 5, CAUSAL_COPY));
  assert_status(causal_dataset_add_f64(ds, "x", x, NULL, 5, CAUSAL_COPY),
                CAUSAL_EEXISTS);
  assert_error_mentions("'x'");
  assert_status(causal_dataset_add_i64(ds, "k", (const int64_t *)x, NULL, 3,
                                       CAUSAL_COPY),
                CAUSAL_EDIM);
  assert_error_mentions("3 rows");
  assert_error_mentions("has 5");
  assert_error_mentions("'k'");
  uint8_t b[5] = {0};
  assert_status(causal_dataset_add_bool(ds, "b", b, NULL, 4, CAUSAL_COPY),
                CAUSAL_EDIM);
  assert_status(causal_dataset_add_bool(ds, "b", NULL, NULL, 5, CAUSAL_COPY),
                CAUSAL_EINVAL);
  assert_int_equal(causal_dataset_ncols(ds), 1);
  causal_dataset_free(ds);
}

static void test_zero_rows(void **state) {
  (void)state;
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_f64(ds, "x", NULL, NULL, 0, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_i64(ds, "k", NULL, NULL, 0, CAUSAL_COPY));
  assert_ok(causal_dataset_add_strings(ds, "s", NULL, 0));
  assert_ok(causal_dataset_add_cat(ds, "c", NULL, 0, NULL, 0, CAUSAL_COPY));
  assert_int_equal(causal_dataset_nrows(ds), 0);
  assert_int_equal(causal_dataset_ncols(ds), 4);
  double one = 1;
  assert_status(causal_dataset_add_f64(ds, "y", &one, NULL, 1, CAUSAL_COPY),
                CAUSAL_EDIM);
  assert_ok(causal_dataset_col_to_f64(ds, 0, NULL, 0));
  causal_dataset *sub = NULL;
  assert_ok(causal_dataset_subset_rows(&sub, ds, NULL, 0));
  assert_int_equal(causal_dataset_ncols(sub), 4);
  assert_int_equal(causal_dataset_nrows(sub), 0);
  causal_dataset_free(sub);
  assert_ok(causal_dataset_subset_mask(&sub, ds, NULL, 0));
  assert_int_equal(causal_dataset_ncols(sub), 4);
  causal_dataset_free(sub);
  causal_dataset_free(ds);
}

static causal_dataset *sample_ds(void) {
  static const double x[6] = {0.5, 1.5, NAN, 3.5, 4.5, 5.5};
  static const uint8_t vx[6] = {1, 1, 1, 1, 0, 1};
  static const int64_t k[6] = {10, 20, 30, 40, 50, 60};
  static const uint8_t b[6] = {1, 0, 1, 0, 1, 0};
  static const int32_t g[6] = {0, 1, 1, -1, 2, 0};
  static const char *const labels[3] = {"lo", "mid", "hi"};
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_f64(ds, "x", x, vx, 6, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_i64(ds, "k", k, NULL, 6, CAUSAL_COPY));
  assert_ok(causal_dataset_add_bool(ds, "b", b, NULL, 6, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_cat(ds, "g", g, 6, labels, 3, CAUSAL_BORROW));
  return ds;
}

static void test_queries_and_views(void **state) {
  (void)state;
  causal_dataset *ds = sample_ds();
  size_t j = 0;
  assert_status(causal_dataset_col_index(ds, "nope", &j), CAUSAL_ENOTFOUND);
  assert_error_mentions("'nope'");
  assert_error_mentions("'x'"); /* lists the columns */
  assert_status(causal_dataset_col_index(ds, "X", &j), CAUSAL_ENOTFOUND);
  assert_error_mentions("did you mean 'x'");
  assert_status(causal_dataset_col_index(NULL, "x", &j), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_index(ds, NULL, &j), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_index(ds, "x", NULL), CAUSAL_EINVAL);
  assert_int_equal(col_of(ds, "g"), 3);
  int type = 0;
  const int types[4] = {CAUSAL_TYPE_F64, CAUSAL_TYPE_I64, CAUSAL_TYPE_BOOL,
                        CAUSAL_TYPE_CAT};
  for (size_t c = 0; c < 4; c++) {
    assert_ok(causal_dataset_col_type(ds, c, &type));
    assert_int_equal(type, types[c]);
  }
  assert_status(causal_dataset_col_type(ds, 4, &type), CAUSAL_ERANGE);
  assert_error_mentions("4");
  assert_status(causal_dataset_col_type(ds, 0, NULL), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_type(NULL, 0, &type), CAUSAL_EINVAL);
  size_t m;
  assert_status(causal_dataset_col_nmissing(ds, 9, &m), CAUSAL_ERANGE);
  assert_status(causal_dataset_col_nmissing(ds, 0, NULL), CAUSAL_EINVAL);

  const double *d;
  const int64_t *k;
  const uint8_t *b, *v;
  const int32_t *g;
  size_t nl;
  assert_status(causal_dataset_col_f64(ds, 1, &d, &v), CAUSAL_ETYPE);
  assert_error_mentions("'k'");
  assert_status(causal_dataset_col_i64(ds, 0, &k, &v), CAUSAL_ETYPE);
  assert_status(causal_dataset_col_bool(ds, 0, &b, &v), CAUSAL_ETYPE);
  assert_status(causal_dataset_col_cat(ds, 0, &g), CAUSAL_ETYPE);
  assert_status(causal_dataset_cat_nlevels(ds, 0, &nl), CAUSAL_ETYPE);
  assert_status(causal_dataset_cat_nlevels(ds, 3, NULL), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_f64(ds, 7, &d, &v), CAUSAL_ERANGE);
  assert_status(causal_dataset_col_f64(NULL, 0, &d, &v), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_f64(ds, 0, NULL, &v), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_i64(ds, 1, NULL, &v), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_bool(ds, 2, NULL, &v), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_cat(ds, 3, NULL), CAUSAL_EINVAL);
  assert_ok(causal_dataset_col_i64(ds, 1, &k, &v));
  assert_null(v);
  assert_int_equal(k[5], 60);

  double out[6];
  assert_status(causal_dataset_col_to_f64(ds, 0, out, 5), CAUSAL_EDIM);
  assert_error_mentions("5");
  assert_status(causal_dataset_col_to_f64(ds, 0, NULL, 6), CAUSAL_EINVAL);
  assert_status(causal_dataset_col_to_f64(ds, 8, out, 6), CAUSAL_ERANGE);
  assert_status(causal_dataset_col_to_f64(NULL, 0, out, 6), CAUSAL_EINVAL);
  double ex[6] = {0.5, 1.5, NAN, 3.5, NAN, 5.5};
  assert_col_values(ds, "x", ex, 6);
  double eg[6] = {0, 1, 1, NAN, 2, 0};
  assert_col_values(ds, "g", eg, 6);
  causal_dataset_free(ds);
}

static void test_subset_mask(void **state) {
  (void)state;
  /* Borrowed source arrays that we own, to show the subset is a copy. */
  double x[6] = {0, 1, 2, 3, 4, 5};
  uint8_t vx[6] = {1, 0, 1, 1, 1, 1};
  int32_t g[6] = {0, 1, -1, 1, 0, 1};
  const char *labels[2] = {"p", "q"};
  causal_dataset *ds = new_ds();
  assert_ok(causal_dataset_add_f64(ds, "x", x, vx, 6, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_cat(ds, "g", g, 6, labels, 2, CAUSAL_BORROW));
  uint8_t mask[6] = {1, 1, 0, 0, 7, 1};
  uint8_t mc[6];
  memcpy(mc, mask, 6);
  causal_dataset *sub = NULL;
  assert_ok(causal_dataset_subset_mask(&sub, ds, mask, 6));
  assert_memory_equal(mask, mc, 6);
  causal_dataset_free(ds);
  /* The subset never extends the borrow. */
  x[0] = 100;
  vx[1] = 1;
  g[5] = 0;
  assert_int_equal(causal_dataset_nrows(sub), 4);
  double ex[4] = {0, NAN, 4, 5};
  assert_col_values(sub, "x", ex, 4);
  double eg[4] = {0, 1, 0, 1};
  assert_col_values(sub, "g", eg, 4);
  assert_int_equal(nmiss(sub, "x"), 1);
  assert_int_equal(nmiss(sub, "g"), 0);
  assert_string_equal(causal_dataset_cat_label(sub, 1, 1), "q");
  causal_dataset_free(sub);

  ds = sample_ds();
  sub = (causal_dataset *)1;
  assert_status(causal_dataset_subset_mask(&sub, ds, mask, 5), CAUSAL_EDIM);
  assert_null(sub);
  assert_error_mentions("5");
  assert_error_mentions("6");
  assert_status(causal_dataset_subset_mask(&sub, ds, NULL, 6), CAUSAL_EINVAL);
  assert_status(causal_dataset_subset_mask(&sub, NULL, mask, 6),
                CAUSAL_EINVAL);
  assert_status(causal_dataset_subset_mask(NULL, ds, mask, 6), CAUSAL_EINVAL);
  uint8_t zero[6] = {0};
  assert_ok(causal_dataset_subset_mask(&sub, ds, zero, 6));
  assert_int_equal(causal_dataset_nrows(sub), 0);
  assert_int_equal(causal_dataset_ncols(sub), 4);
  causal_dataset_free(sub);
  causal_dataset_free(ds);
}

static void test_subset_rows(void **state) {
  (void)state;
  causal_dataset *ds = sample_ds();
  int64_t idx[5] = {5, 0, 0, 4, 2};
  causal_dataset *sub = NULL;
  assert_ok(causal_dataset_subset_rows(&sub, ds, idx, 5));
  double ex[5] = {5.5, 0.5, 0.5, NAN, NAN};
  assert_col_values(sub, "x", ex, 5);
  double ek[5] = {60, 10, 10, 50, 30};
  assert_col_values(sub, "k", ek, 5);
  double eb[5] = {0, 1, 1, 1, 1};
  assert_col_values(sub, "b", eb, 5);
  double eg[5] = {0, 0, 0, 2, 1};
  assert_col_values(sub, "g", eg, 5);
  assert_int_equal(nmiss(sub, "x"), 2);
  const double *d;
  const uint8_t *v;
  assert_ok(causal_dataset_col_f64(sub, 0, &d, &v));
  assert_non_null(v); /* the mask is carried along */
  causal_dataset_free(sub);

  int64_t bad[3] = {0, 2, 6};
  sub = (causal_dataset *)1;
  assert_status(causal_dataset_subset_rows(&sub, ds, bad, 3), CAUSAL_ERANGE);
  assert_null(sub);
  assert_error_mentions("idx[2] = 6");
  bad[2] = -1;
  assert_status(causal_dataset_subset_rows(&sub, ds, bad, 3), CAUSAL_ERANGE);
  assert_error_mentions("idx[2] = -1");
  assert_status(causal_dataset_subset_rows(&sub, ds, NULL, 3), CAUSAL_EINVAL);
  assert_status(causal_dataset_subset_rows(&sub, NULL, idx, 3), CAUSAL_EINVAL);
  assert_status(causal_dataset_subset_rows(NULL, ds, idx, 3), CAUSAL_EINVAL);
  causal_dataset_free(ds);
}

static void test_select(void **state) {
  (void)state;
  causal_dataset *ds = sample_ds();
  const char *names[2] = {"g", "x"};
  causal_dataset *sel = NULL;
  assert_ok(causal_dataset_select(&sel, ds, names, 2));
  assert_int_equal(causal_dataset_ncols(sel), 2);
  assert_int_equal(causal_dataset_nrows(sel), 6);
  assert_string_equal(causal_dataset_col_name(sel, 0), "g");
  assert_string_equal(causal_dataset_col_name(sel, 1), "x");
  const double *d0, *d1;
  const uint8_t *v;
  assert_ok(causal_dataset_col_f64(ds, 0, &d0, &v));
  assert_ok(causal_dataset_col_f64(sel, 1, &d1, &v));
  assert_ptr_not_equal(d0, d1); /* copy, even of a borrowed column */
  assert_int_equal(nmiss(sel, "x"), 2);
  double eg[6] = {0, 1, 1, NAN, 2, 0};
  assert_col_values(sel, "g", eg, 6);
  causal_dataset_free(sel);
  const char *missing[2] = {"x", "zz"};
  sel = (causal_dataset *)1;
  assert_status(causal_dataset_select(&sel, ds, missing, 2), CAUSAL_ENOTFOUND);
  assert_null(sel);
  assert_error_mentions("'zz'");
  const char *twice[3] = {"x", "k", "x"};
  assert_status(causal_dataset_select(&sel, ds, twice, 3), CAUSAL_EEXISTS);
  assert_error_mentions("'x'");
  const char *withnull[2] = {"x", NULL};
  assert_status(causal_dataset_select(&sel, ds, withnull, 2), CAUSAL_EINVAL);
  assert_status(causal_dataset_select(&sel, ds, names, 0), CAUSAL_EINVAL);
  assert_status(causal_dataset_select(&sel, ds, NULL, 2), CAUSAL_EINVAL);
  assert_status(causal_dataset_select(&sel, NULL, names, 2), CAUSAL_EINVAL);
  assert_status(causal_dataset_select(NULL, ds, names, 2), CAUSAL_EINVAL);
  causal_dataset_free(ds);
}

static void test_append(void **state) {
  (void)state;
  double x1[3] = {1, 2, 3};
  int32_t g1[3] = {0, 1, -1};
  const char *l1[2] = {"b", "a"};
  double x2[2] = {4, NAN};
  uint8_t v2[2] = {0, 1};
  int32_t g2[2] = {1, 0};
  const char *l2[2] = {"a", "c"};
  causal_dataset *dst = new_ds();
  assert_ok(causal_dataset_add_f64(dst, "x", x1, NULL, 3, CAUSAL_BORROW));
  assert_ok(causal_dataset_add_cat(dst, "g", g1, 3, l1, 2, CAUSAL_BORROW));
  causal_dataset *src = new_ds();
  /* Different column order in src: matched by name. */
  assert_ok(causal_dataset_add_cat(src, "g", g2, 2, l2, 2, CAUSAL_COPY));
  assert_ok(causal_dataset_add_f64(src, "x", x2, v2, 2, CAUSAL_COPY));
  assert_ok(causal_dataset_append(dst, src));
  assert_int_equal(causal_dataset_nrows(dst), 5);
  double ex[5] = {1, 2, 3, NAN, NAN};
  assert_col_values(dst, "x", ex, 5);
  assert_int_equal(nmiss(dst, "x"), 2);
  /* dst levels keep their codes; "c" is appended; src codes remapped:
   * src "c" -> 2, src "a" -> 1. */
  size_t nl;
  assert_ok(causal_dataset_cat_nlevels(dst, 1, &nl));
  assert_int_equal(nl, 3);
  assert_string_equal(causal_dataset_cat_label(dst, 1, 0), "b");
  assert_string_equal(causal_dataset_cat_label(dst, 1, 1), "a");
  assert_string_equal(causal_dataset_cat_label(dst, 1, 2), "c");
  double eg[5] = {0, 1, NAN, 2, 1};
  assert_col_values(dst, "g", eg, 5);
  assert_int_equal(nmiss(dst, "g"), 1);
  /* The appended dst owns its storage now; the caller arrays are intact. */
  const double *d;
  const uint8_t *v;
  assert_ok(causal_dataset_col_f64(dst, 0, &d, &v));
  assert_ptr_not_equal(d, x1);
  assert_non_null(v);
  assert_true(x1[0] == 1 && x1[1] == 2 && x1[2] == 3);
  assert_true(g1[0] == 0 && g1[1] == 1 && g1[2] == -1);

  /* Self-append doubles the rows. */
  assert_ok(causal_dataset_append(dst, dst));
  assert_int_equal(causal_dataset_nrows(dst), 10);
  double eg2[10] = {0, 1, NAN, 2, 1, 0, 1, NAN, 2, 1};
  assert_col_values(dst, "g", eg2, 10);
  assert_int_equal(nmiss(dst, "x"), 4);

  /* Appending a column-less dataset is a no-op. */
  causal_dataset *empty = new_ds();
  assert_ok(causal_dataset_append(dst, empty));
  assert_int_equal(causal_dataset_nrows(dst), 10);
  /* Appending to a column-less dataset copies the structure. */
  assert_ok(causal_dataset_append(empty, src));
  assert_int_equal(causal_dataset_ncols(empty), 2);
  assert_int_equal(causal_dataset_nrows(empty), 2);
  assert_string_equal(causal_dataset_col_name(empty, 0), "g");
  assert_string_equal(causal_dataset_cat_label(empty, 0, 1), "c");
  double ex2[2] = {NAN, NAN};
  assert_col_values(empty, "x", ex2, 2);
  causal_dataset_free(empty);

  /* Errors leave dst unchanged. */
  causal_dataset *other = new_ds();
  int64_t k[2] = {1, 2};
  assert_ok(causal_dataset_add_i64(other, "x", k, NULL, 2, CAUSAL_COPY));
  assert_ok(causal_dataset_add_cat(other, "g", g2, 2, l2, 2, CAUSAL_COPY));
  assert_status(causal_dataset_append(dst, other), CAUSAL_ETYPE);
  assert_error_mentions("'x'");
  assert_int_equal(causal_dataset_nrows(dst), 10);
  causal_dataset_free(other);
  other = new_ds();
  assert_ok(causal_dataset_add_f64(other, "x", x2, NULL, 2, CAUSAL_COPY));
  assert_status(causal_dataset_append(dst, other), CAUSAL_ENOTFOUND);
  assert_error_mentions("'g'");
  assert_ok(causal_dataset_add_f64(other, "h", x2, NULL, 2, CAUSAL_COPY));
  assert_status(causal_dataset_append(dst, other), CAUSAL_ENOTFOUND);
  assert_error_mentions("'h'");
  assert_int_equal(causal_dataset_nrows(dst), 10);
  assert_ok(causal_dataset_cat_nlevels(dst, 1, &nl));
  assert_int_equal(nl, 3);
  causal_dataset_free(other);
  assert_status(causal_dataset_append(NULL, src), CAUSAL_EINVAL);
  assert_status(causal_dataset_append(dst, NULL), CAUSAL_EINVAL);
  causal_dataset_free(src);
  causal_dataset_free(dst);
}

static void test_adopt_find(void **state) {
  (void)state;
  causal_dataset *ds = new_ds();
  cz_alloc a = ds->alloc;
  double *x = cz_malloc(&a, 3 * sizeof *x);
  x[0] = 1;
  x[1] = NAN;
  x[2] = 3;
  assert_ok(cz_dataset_adopt(ds, "x", CAUSAL_TYPE_F64, x, NULL, 3, NULL, 0));
  uint8_t *b = cz_malloc(&a, 3);
  b[0] = 5;
  b[1] = 0;
  b[2] = 1;
  uint8_t *vb = cz_malloc(&a, 3);
  vb[0] = 1;
  vb[1] = 1;
  vb[2] = 0;
  assert_ok(cz_dataset_adopt(ds, "b", CAUSAL_TYPE_BOOL, b, vb, 3, NULL, 0));
  int32_t *g = cz_malloc(&a, 3 * sizeof *g);
  g[0] = 1;
  g[1] = -1;
  g[2] = 0;
  char **lab = cz_malloc(&a, 2 * sizeof *lab);
  lab[0] = cz_strdup(&a, "u");
  lab[1] = cz_strdup(&a, "v");
  assert_ok(cz_dataset_adopt(ds, "g", CAUSAL_TYPE_CAT, g, NULL, 3, lab, 2));
  const cz_column *c = cz_dataset_find(ds, "b");
  assert_non_null(c);
  assert_int_equal(c->type, CAUSAL_TYPE_BOOL);
  assert_int_equal(((uint8_t *)c->data)[0], 1); /* normalized */
  assert_int_equal(c->nmissing, 1);
  assert_int_equal(cz_dataset_find(ds, "x")->nmissing, 1);
  assert_int_equal(cz_dataset_find(ds, "g")->nmissing, 1);
  assert_null(cz_dataset_find(ds, "nope"));
  assert_error_mentions("'nope'");
  assert_null(cz_dataset_find(ds, NULL));
  assert_null(cz_dataset_find(NULL, "x"));

  /* Failures free the adopted buffers (checked by ASan/LSan). */
  x = cz_malloc(&a, 2 * sizeof *x);
  assert_status(cz_dataset_adopt(ds, "y", CAUSAL_TYPE_F64, x, NULL, 2, NULL,
                                 0),
                CAUSAL_EDIM);
  x = cz_malloc(&a, 3 * sizeof *x);
  assert_status(cz_dataset_adopt(ds, "x", CAUSAL_TYPE_F64, x, NULL, 3, NULL,
                                 0),
                CAUSAL_EEXISTS);
  x = cz_malloc(&a, 3 * sizeof *x);
  assert_status(cz_dataset_adopt(ds, "y", 99, x, NULL, 3, NULL, 0),
                CAUSAL_EINVAL);
  assert_status(cz_dataset_adopt(ds, "y", CAUSAL_TYPE_F64, NULL, NULL, 3,
                                 NULL, 0),
                CAUSAL_EINVAL);
  g = cz_malloc(&a, 3 * sizeof *g);
  g[0] = 0;
  g[1] = 5;
  g[2] = 0;
  lab = cz_malloc(&a, 2 * sizeof *lab);
  lab[0] = cz_strdup(&a, "u");
  lab[1] = cz_strdup(&a, "v");
  assert_status(cz_dataset_adopt(ds, "h", CAUSAL_TYPE_CAT, g, NULL, 3, lab, 2),
                CAUSAL_ERANGE);
  assert_error_mentions("row 1");
  g = cz_malloc(&a, 3 * sizeof *g);
  memset(g, 0, 3 * sizeof *g);
  lab = cz_malloc(&a, 2 * sizeof *lab);
  lab[0] = cz_strdup(&a, "u");
  lab[1] = cz_strdup(&a, "u");
  assert_status(cz_dataset_adopt(ds, "h", CAUSAL_TYPE_CAT, g, NULL, 3, lab, 2),
                CAUSAL_EINVAL);
  x = cz_malloc(&a, 3 * sizeof *x);
  lab = cz_malloc(&a, 1 * sizeof *lab);
  lab[0] = cz_strdup(&a, "u");
  assert_status(cz_dataset_adopt(ds, "h", CAUSAL_TYPE_F64, x, NULL, 3, lab, 1),
                CAUSAL_EINVAL);
  assert_int_equal(causal_dataset_ncols(ds), 3);
  causal_dataset_free(ds);
}

static void test_many_columns(void **state) {
  (void)state;
  causal_dataset *ds = new_ds();
  double x[2] = {1, 2};
  char name[32];
  for (int j = 0; j < 300; j++) {
    snprintf(name, sizeof name, "c%d", j);
    assert_ok(causal_dataset_add_f64(ds, name, x, NULL, 2, CAUSAL_BORROW));
  }
  assert_int_equal(causal_dataset_ncols(ds), 300);
  assert_int_equal(col_of(ds, "c299"), 299);
  size_t j;
  assert_status(causal_dataset_col_index(ds, "zz", &j), CAUSAL_ENOTFOUND);
  assert_error_mentions("...");
  causal_dataset_free(ds);
}

/* ---- out-of-memory sweeps ---- */

static int oom_build(void *arg) {
  (void)arg;
  causal_dataset *ds = NULL;
  int rc = causal_dataset_new(&ds);
  if (rc)
    return rc;
  double x[4] = {1, NAN, 3, 4};
  uint8_t v[4] = {1, 1, 0, 1};
  int64_t k[4] = {1, 2, 3, 4};
  uint8_t b[4] = {0, 2, 1, 0};
  int32_t g[4] = {0, 1, -1, 2};
  const char *lab[3] = {"x", "y", "z"};
  const char *s[4] = {"q", NULL, "p", "q"};
  char name[16];
  if ((rc = causal_dataset_add_f64(ds, "x", x, v, 4, CAUSAL_COPY)) ||
      (rc = causal_dataset_add_f64(ds, "xb", x, v, 4, CAUSAL_BORROW)) ||
      (rc = causal_dataset_add_i64(ds, "k", k, v, 4, CAUSAL_COPY)) ||
      (rc = causal_dataset_add_bool(ds, "b", b, NULL, 4, CAUSAL_BORROW)) ||
      (rc = causal_dataset_add_cat(ds, "g", g, 4, lab, 3, CAUSAL_COPY)) ||
      (rc = causal_dataset_add_strings(ds, "s", s, 4)))
    goto done;
  for (int j = 0; j < 10 && rc == 0; j++) { /* grow the column table */
    snprintf(name, sizeof name, "c%d", j);
    rc = causal_dataset_add_f64(ds, name, x, NULL, 4, CAUSAL_BORROW);
  }
  if (rc)
    goto done;
  cz_alloc a = ds->alloc;
  int32_t *gc = cz_malloc(&a, 4 * sizeof *gc);
  char **lc = cz_calloc(&a, 3, sizeof *lc);
  if (gc == NULL || lc == NULL) {
    cz_free(&a, gc);
    cz_free(&a, lc);
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  memcpy(gc, g, sizeof g);
  for (int l = 0; l < 3; l++)
    lc[l] = cz_strdup(&a, lab[l]);
  if (!lc[0] || !lc[1] || !lc[2]) {
    for (int l = 0; l < 3; l++)
      cz_free(&a, lc[l]);
    cz_free(&a, lc);
    cz_free(&a, gc);
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  rc = cz_dataset_adopt(ds, "ga", CAUSAL_TYPE_CAT, gc, NULL, 4, lc, 3);
done:
  causal_dataset_free(ds);
  return rc;
}

static void test_oom_build(void **state) {
  (void)state;
  cz_oom_sweep(oom_build, NULL);
}

static int oom_derive(void *arg) {
  const causal_dataset *ds = arg;
  causal_dataset *a = NULL, *b = NULL, *c = NULL;
  uint8_t mask[6] = {1, 0, 1, 1, 0, 1};
  int64_t idx[3] = {2, 2, 0};
  const char *names[2] = {"g", "x"};
  int rc = causal_dataset_subset_mask(&a, ds, mask, 6);
  if (rc == 0)
    rc = causal_dataset_subset_rows(&b, ds, idx, 3);
  if (rc == 0)
    rc = causal_dataset_select(&c, ds, names, 2);
  if (rc == 0 && (a == NULL || b == NULL || c == NULL))
    rc = CAUSAL_EINTERNAL;
  causal_dataset_free(a);
  causal_dataset_free(b);
  causal_dataset_free(c);
  return rc;
}

static void test_oom_derive(void **state) {
  (void)state;
  causal_dataset *ds = sample_ds();
  cz_oom_sweep(oom_derive, ds);
  causal_dataset_free(ds);
}

static int oom_append(void *arg) {
  (void)arg;
  double x[2] = {1, 2};
  uint8_t v[2] = {1, 0};
  int32_t g1[2] = {0, 1}, g2[2] = {1, 0};
  const char *l1[2] = {"a", "b"}, *l2[2] = {"c", "a"};
  causal_dataset *dst = NULL, *src = NULL, *empty = NULL;
  int rc = causal_dataset_new(&dst);
  if (rc == 0)
    rc = causal_dataset_new(&src);
  if (rc == 0)
    rc = causal_dataset_new(&empty);
  if (rc == 0)
    rc = causal_dataset_add_f64(dst, "x", x, NULL, 2, CAUSAL_BORROW);
  if (rc == 0)
    rc = causal_dataset_add_cat(dst, "g", g1, 2, l1, 2, CAUSAL_BORROW);
  if (rc == 0)
    rc = causal_dataset_add_cat(src, "g", g2, 2, l2, 2, CAUSAL_COPY);
  if (rc == 0)
    rc = causal_dataset_add_f64(src, "x", x, v, 2, CAUSAL_COPY);
  if (rc == 0) {
    rc = causal_dataset_append(dst, src);
    /* Atomic: a failed append leaves dst as it was. */
    if (rc != 0 && causal_dataset_nrows(dst) != 2)
      rc = CAUSAL_EINTERNAL;
  }
  if (rc == 0)
    rc = causal_dataset_append(empty, src);
  if (rc == 0 && causal_dataset_ncols(empty) != 2)
    rc = CAUSAL_EINTERNAL;
  causal_dataset_free(dst);
  causal_dataset_free(src);
  causal_dataset_free(empty);
  return rc;
}

static void test_oom_append(void **state) {
  (void)state;
  cz_oom_sweep(oom_append, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_free),
      cmocka_unit_test(test_add_f64_copy_borrow),
      cmocka_unit_test(test_add_i64_bool),
      cmocka_unit_test(test_add_cat),
      cmocka_unit_test(test_add_strings),
      cmocka_unit_test(test_add_errors),
      cmocka_unit_test(test_zero_rows),
      cmocka_unit_test(test_queries_and_views),
      cmocka_unit_test(test_subset_mask),
      cmocka_unit_test(test_subset_rows),
      cmocka_unit_test(test_select),
      cmocka_unit_test(test_append),
      cmocka_unit_test(test_adopt_find),
      cmocka_unit_test(test_many_columns),
      cmocka_unit_test(test_oom_build),
      cmocka_unit_test(test_oom_derive),
      cmocka_unit_test(test_oom_append),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
