/* CSV reader: options, number scanners, RFC 4180 tokenizer, type
 * inference, schema, NA tokens, errors, whole-input vs streaming reads,
 * fuzzing and out-of-memory sweeps. */
#include "testutil.h"

#include "internal/csv.h"
#include "internal/dataset.h"

#include <errno.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* Small deterministic PRNG (splitmix64) for generated inputs. */
static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
static size_t rndn(size_t n) { return (size_t)(rnd() % n); }

static causal_dataset *read_str(const char *csv, const causal_csv_options *o) {
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_buffer(&ds, csv, strlen(csv), o));
  assert_non_null(ds);
  return ds;
}

static int read_str_rc(const char *csv, const causal_csv_options *o) {
  causal_dataset *ds = (causal_dataset *)1;
  int rc = causal_csv_read_buffer(&ds, csv, strlen(csv), o);
  if (rc != CAUSAL_OK)
    assert_null(ds);
  causal_dataset_free(ds);
  return rc;
}

static causal_csv_options *opts_new(void) {
  causal_csv_options *o = NULL;
  assert_ok(causal_csv_options_new(&o));
  return o;
}

static size_t col(const causal_dataset *ds, const char *name) {
  size_t j = 999;
  assert_ok(causal_dataset_col_index(ds, name, &j));
  return j;
}

static int coltype(const causal_dataset *ds, const char *name) {
  int t = 0;
  assert_ok(causal_dataset_col_type(ds, col(ds, name), &t));
  return t;
}

static double f64_at(const causal_dataset *ds, const char *name, size_t i) {
  const double *d;
  const uint8_t *v;
  assert_ok(causal_dataset_col_f64(ds, col(ds, name), &d, &v));
  if (v != NULL && !v[i])
    return NAN;
  return d[i];
}

static int64_t i64_at(const causal_dataset *ds, const char *name, size_t i,
                      int *missing) {
  const int64_t *d;
  const uint8_t *v;
  assert_ok(causal_dataset_col_i64(ds, col(ds, name), &d, &v));
  *missing = v != NULL && !v[i];
  return d[i];
}

static int bool_at(const causal_dataset *ds, const char *name, size_t i) {
  const uint8_t *d, *v;
  assert_ok(causal_dataset_col_bool(ds, col(ds, name), &d, &v));
  if (v != NULL && !v[i])
    return -1;
  return d[i];
}

/* Label of row i of a categorical column, NULL if missing. */
static const char *cat_at(const causal_dataset *ds, const char *name,
                          size_t i) {
  const int32_t *codes;
  size_t j = col(ds, name);
  assert_ok(causal_dataset_col_cat(ds, j, &codes));
  if (codes[i] < 0)
    return NULL;
  const char *s = causal_dataset_cat_label(ds, j, (size_t)codes[i]);
  assert_non_null(s);
  return s;
}

static size_t nmissing(const causal_dataset *ds, const char *name) {
  size_t m = 12345;
  assert_ok(causal_dataset_col_nmissing(ds, col(ds, name), &m));
  return m;
}

static char tmp_path[64];
static const char *write_tmp(const char *data, size_t n) {
  snprintf(tmp_path, sizeof tmp_path, "/tmp/causal_csv_test_XXXXXX");
  int fd = mkstemp(tmp_path);
  assert_true(fd >= 0);
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, data + off, n - off);
    assert_true(w > 0);
    off += (size_t)w;
  }
  close(fd);
  return tmp_path;
}

static int same_f64(double a, double b) {
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b);
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Compare row ra of a with row rb of b, column by column (CAT by label). */
static int same_row(const causal_dataset *a, size_t ra, const causal_dataset *b,
                    size_t rb, char *why, size_t whyn) {
  for (size_t j = 0; j < causal_dataset_ncols(a); j++) {
    const char *name = causal_dataset_col_name(a, j);
    if (strcmp(name, causal_dataset_col_name(b, j)) != 0) {
      snprintf(why, whyn, "column %zu name differs", j);
      return 0;
    }
    int ta, tb;
    assert_ok(causal_dataset_col_type(a, j, &ta));
    assert_ok(causal_dataset_col_type(b, j, &tb));
    if (ta != tb) {
      snprintf(why, whyn, "column %s type %d vs %d", name, ta, tb);
      return 0;
    }
    int ok = 1;
    if (ta == CAUSAL_TYPE_F64) {
      ok = same_f64(f64_at(a, name, ra), f64_at(b, name, rb));
    } else if (ta == CAUSAL_TYPE_I64) {
      int ma, mb;
      int64_t va = i64_at(a, name, ra, &ma), vb = i64_at(b, name, rb, &mb);
      ok = ma == mb && (ma || va == vb);
    } else if (ta == CAUSAL_TYPE_BOOL) {
      ok = bool_at(a, name, ra) == bool_at(b, name, rb);
    } else {
      const char *la = cat_at(a, name, ra), *lb = cat_at(b, name, rb);
      ok = (la == NULL && lb == NULL) ||
           (la != NULL && lb != NULL && strcmp(la, lb) == 0);
    }
    if (!ok) {
      snprintf(why, whyn, "column %s differs at rows %zu/%zu", name, ra, rb);
      return 0;
    }
  }
  return 1;
}

/* Stream path with the given chunk and buffer sizes; check that the
 * concatenated chunks equal whole (same columns, types, values), that the
 * chunk sizes are right and that categorical codes are stable. Returns the
 * reader's status (open or next). */
static int stream_equals(const char *path, const causal_dataset *whole,
                         int64_t chunk_rows, size_t bufsize,
                         const causal_csv_options *base) {
  causal_csv_options *o = opts_new();
  if (base != NULL) {
    int64_t v;
    for (int k = CAUSAL_CSV_DELIMITER; k <= CAUSAL_CSV_INFER_ROWS; k++) {
      assert_ok(causal_csv_options_get_int(base, k, &v));
      assert_ok(causal_csv_options_set_int(o, k, v));
    }
  }
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS, chunk_rows));
  assert_ok(cz_csv_options_set_bufsize(o, bufsize));
  causal_csv_reader *r = NULL;
  int rc = causal_csv_reader_open(&r, path, o);
  causal_csv_options_free(o);
  if (rc != CAUSAL_OK) {
    assert_null(r);
    return rc;
  }
  size_t row = 0, nchunks = 0, prev_rows = (size_t)chunk_rows;
  causal_dataset *prev = NULL;
  for (;;) {
    causal_dataset *ch = NULL;
    rc = causal_csv_reader_next(r, &ch);
    if (rc != CAUSAL_OK) {
      assert_null(ch);
      break;
    }
    if (ch == NULL)
      break;
    size_t n = causal_dataset_nrows(ch);
    assert_true(n >= 1 && n <= (size_t)chunk_rows);
    /* only the last chunk may be short */
    assert_int_equal(prev_rows, (size_t)chunk_rows);
    prev_rows = n;
    assert_int_equal(causal_dataset_ncols(ch), causal_dataset_ncols(whole));
    char why[200];
    for (size_t i = 0; i < n; i++, row++) {
      assert_true(row < causal_dataset_nrows(whole));
      if (!same_row(ch, i, whole, row, why, sizeof why))
        fail_msg("chunk %zu (chunk_rows %lld, bufsize %zu): %s", nchunks,
                 (long long)chunk_rows, bufsize, why);
    }
    /* labels of the previous chunk are a prefix of this chunk's */
    if (prev != NULL)
      for (size_t j = 0; j < causal_dataset_ncols(ch); j++) {
        size_t l0 = 0, l1 = 0;
        if (causal_dataset_cat_nlevels(prev, j, &l0) != CAUSAL_OK)
          continue;
        assert_ok(causal_dataset_cat_nlevels(ch, j, &l1));
        assert_true(l1 >= l0);
        for (size_t l = 0; l < l0; l++)
          assert_string_equal(causal_dataset_cat_label(prev, j, l),
                              causal_dataset_cat_label(ch, j, l));
      }
    causal_dataset_free(prev);
    prev = ch;
    nchunks++;
    assert_int_equal(causal_csv_reader_rows(r), (int64_t)row);
  }
  causal_dataset_free(prev);
  if (rc == CAUSAL_OK) {
    assert_int_equal(row, causal_dataset_nrows(whole));
    assert_int_equal(causal_csv_reader_rows(r), (int64_t)row);
    /* after the end: NULL again */
    causal_dataset *ch = (causal_dataset *)1;
    assert_ok(causal_csv_reader_next(r, &ch));
    assert_null(ch);
  }
  causal_csv_reader_free(r);
  return rc;
}

/* ---- options ------------------------------------------------------------- */

static void test_options(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  int64_t v, lo, hi;
  assert_ok(causal_csv_options_get_int(o, CAUSAL_CSV_DELIMITER, &v));
  assert_int_equal(v, ',');
  assert_ok(causal_csv_options_get_int(o, CAUSAL_CSV_HEADER, &v));
  assert_int_equal(v, 1);
  assert_ok(causal_csv_options_get_int(o, CAUSAL_CSV_INFER_ROWS, &v));
  assert_int_equal(v, 10000);
  assert_ok(causal_csv_options_get_int(o, CAUSAL_CSV_CHUNK_ROWS, &v));
  assert_int_equal(v, 65536);

  int keys[] = {CAUSAL_CSV_DELIMITER, CAUSAL_CSV_HEADER, CAUSAL_CSV_INFER_ROWS,
                CAUSAL_CSV_CHUNK_ROWS};
  for (size_t k = 0; k < 4; k++) {
    assert_ok(causal_csv_options_bounds(keys[k], &lo, &hi));
    assert_true(lo <= hi);
    if (lo > INT64_MIN) {
      assert_status(causal_csv_options_set_int(o, keys[k], lo - 1),
                    CAUSAL_ERANGE);
      assert_error_mentions("outside");
    }
    if (hi < INT64_MAX)
      assert_status(causal_csv_options_set_int(o, keys[k], hi + 1),
                    CAUSAL_ERANGE);
    if (keys[k] != CAUSAL_CSV_DELIMITER) {
      assert_ok(causal_csv_options_set_int(o, keys[k], lo));
      assert_ok(causal_csv_options_get_int(o, keys[k], &v));
      assert_int_equal(v, lo);
      assert_ok(causal_csv_options_set_int(o, keys[k], hi));
      assert_ok(causal_csv_options_get_int(o, keys[k], &v));
      assert_int_equal(v, hi);
    }
  }
  assert_ok(causal_csv_options_bounds(CAUSAL_CSV_DELIMITER, &lo, &hi));
  assert_int_equal(lo, 1);
  assert_int_equal(hi, 255);
  assert_ok(causal_csv_options_bounds(CAUSAL_CSV_CHUNK_ROWS, &lo, &hi));
  assert_int_equal(lo, 1);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, 0),
                CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '"'),
                CAUSAL_ERANGE);
  assert_error_mentions("double quote");
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '\r'),
                CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '\n'),
                CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, 256),
                CAUSAL_ERANGE);
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '\t'));
  assert_ok(causal_csv_options_get_int(o, CAUSAL_CSV_DELIMITER, &v));
  assert_int_equal(v, '\t');
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_HEADER, 2),
                CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, -1),
                CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS, 0),
                CAUSAL_ERANGE);
  assert_error_mentions("CAUSAL_CSV_CHUNK_ROWS");
  /* unknown keys */
  assert_status(causal_csv_options_set_int(o, 99, 1), CAUSAL_EINVAL);
  assert_error_mentions("99");
  assert_status(causal_csv_options_get_int(o, 0, &v), CAUSAL_EINVAL);
  assert_status(causal_csv_options_bounds(5, &lo, &hi), CAUSAL_EINVAL);
  /* NULL arguments */
  assert_status(causal_csv_options_new(NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_options_set_int(NULL, 1, 1), CAUSAL_EINVAL);
  assert_status(causal_csv_options_get_int(NULL, 1, &v), CAUSAL_EINVAL);
  assert_status(causal_csv_options_get_int(o, 1, NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_options_bounds(1, NULL, &hi), CAUSAL_EINVAL);
  assert_status(causal_csv_options_bounds(1, &lo, NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_options_add_na(NULL, "x"), CAUSAL_EINVAL);
  assert_status(causal_csv_options_add_na(o, NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_options_set_type(NULL, "x", 1), CAUSAL_EINVAL);
  assert_status(causal_csv_options_set_type(o, NULL, 1), CAUSAL_EINVAL);
  assert_status(causal_csv_options_set_type(o, "", 1), CAUSAL_EINVAL);
  assert_status(causal_csv_options_set_type(o, "x", 0), CAUSAL_ERANGE);
  assert_status(causal_csv_options_set_type(o, "x", 5), CAUSAL_ERANGE);
  assert_error_mentions("'x'");
  assert_ok(causal_csv_options_set_type(o, "x", CAUSAL_TYPE_CAT));
  assert_ok(causal_csv_options_set_type(o, "x", CAUSAL_TYPE_I64)); /* replace */
  for (int i = 0; i < 20; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "c%d", i);
    assert_ok(causal_csv_options_set_type(o, nm, CAUSAL_TYPE_F64));
    assert_ok(causal_csv_options_add_na(o, nm));
  }
  assert_status(cz_csv_options_set_bufsize(o, 0), CAUSAL_ERANGE);
  causal_csv_options_free(o);
  causal_csv_options_free(NULL);
}

/* ---- scanners ------------------------------------------------------------ */

static void test_parse_i64(void **state) {
  (void)state;
  int64_t v = 0;
  assert_int_equal(cz_csv_parse_i64("0", 1, &v), 1);
  assert_int_equal(v, 0);
  assert_int_equal(cz_csv_parse_i64("  -17 ", 6, &v), 1);
  assert_int_equal(v, -17);
  assert_int_equal(cz_csv_parse_i64("+007", 4, &v), 1);
  assert_int_equal(v, 7);
  const char *mx = "9223372036854775807", *mn = "-9223372036854775808";
  assert_int_equal(cz_csv_parse_i64(mx, strlen(mx), &v), 1);
  assert_true(v == INT64_MAX);
  assert_int_equal(cz_csv_parse_i64(mn, strlen(mn), &v), 1);
  assert_true(v == INT64_MIN);
  const char *o1 = "9223372036854775808", *o2 = "-9223372036854775809",
             *o3 = "123456789012345678901234567890";
  assert_int_equal(cz_csv_parse_i64(o1, strlen(o1), &v), -1);
  assert_int_equal(cz_csv_parse_i64(o2, strlen(o2), &v), -1);
  assert_int_equal(cz_csv_parse_i64(o3, strlen(o3), &v), -1);
  const char *bad[] = {"",
                       " ",
                       "-",
                       "+",
                       "1.0",
                       "1e3",
                       "12a",
                       "1 2",
                       "0x10",
                       "--1",
                       "1-",
                       ("\xef\xbb\xbf"
                        "1"),
                       "99999999999999999999x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (cz_csv_parse_i64(bad[i], strlen(bad[i]), &v) != 0)
      fail_msg("'%s' accepted as an integer", bad[i]);
  /* length is respected (no NUL needed) */
  assert_int_equal(cz_csv_parse_i64("123456", 3, &v), 1);
  assert_int_equal(v, 123);
}

static void test_parse_bool(void **state) {
  (void)state;
  uint8_t b = 9;
  const char *t[] = {"true", "TRUE", "True", " true\t"};
  const char *f[] = {"false", "FALSE", "False"};
  const char *bad[] = {"", "tRue", "1", "0", "T", "F", "yes", "truex"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(cz_csv_parse_bool(t[i], strlen(t[i]), &b), 1);
    assert_int_equal(b, 1);
  }
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(cz_csv_parse_bool(f[i], strlen(f[i]), &b), 1);
    assert_int_equal(b, 0);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(cz_csv_parse_bool(bad[i], strlen(bad[i]), &b), 0);
}

static void check_f64(const char *s) {
  double got, want = strtod(s, NULL);
  if (!cz_csv_parse_f64(s, strlen(s), &got))
    fail_msg("'%s' rejected", s);
  if (!same_f64(got, want))
    fail_msg("'%s': got %a, strtod gives %a", s, got, want);
}

static void test_parse_f64_special(void **state) {
  (void)state;
  const char *ok[] = {
      "0",
      "-0",
      "+0",
      "0.0",
      "-0.0",
      "0e999999999999999999999",
      "-0e-5",
      "1",
      "1.",
      ".5",
      "-.5",
      "+.5e1",
      "1e22",
      "1e23",
      "9007199254740992",
      "9007199254740993",
      "9007199254740993.0000000000001",
      "0.1",
      "0.3",
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "4.9e-324",
      "2.4703282292062327e-324",
      "2.4703282292062328e-324",
      "1e-400",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.7976931348623159e308",
      "1e309",
      "123456789012345678901234567890",
      "0.000000000000000000000000000000000000000000001234567890123456789",
      "1E5",
      "1e+5",
      "1e-5",
      "  3.25  ",
      "\t-7.5e-3",
      "179769313486231570000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000.5",
      "7.2057594037927933e16",
      "3.0517578125e-05",
      "1e-22",
      "1e-23",
      "123456.789e-20",
      "18446744073709551615",
      "18446744073709551616e-10"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    check_f64(ok[i]);
  /* a halfway case needing more than 800 digits: 2^-1074 * (1/2) plus a
   * tail far away must round up to the smallest subnormal. */
  {
    char big[1300];
    const char *half = "2.4703282292062327208828439643411068618252990130716238"
                       "2212";
    size_t k = (size_t)snprintf(big, sizeof big, "%s", half);
    while (k < 1100)
      big[k++] = '0';
    big[k++] = '1';
    big[k++] = 'e';
    big[k++] = '-';
    big[k++] = '3';
    big[k++] = '2';
    big[k++] = '4';
    big[k] = '\0';
    check_f64(big);
  }
  double d;
  const char *infs[] = {"inf",      "Inf",      "INF",  "+inf",
                        "Infinity", "infinity", " inf "};
  for (size_t i = 0; i < sizeof infs / sizeof infs[0]; i++) {
    assert_int_equal(cz_csv_parse_f64(infs[i], strlen(infs[i]), &d), 1);
    assert_true(isinf(d) && d > 0);
  }
  assert_int_equal(cz_csv_parse_f64("-inf", 4, &d), 1);
  assert_true(isinf(d) && d < 0);
  assert_int_equal(cz_csv_parse_f64("-Infinity", 9, &d), 1);
  assert_true(isinf(d) && d < 0);
  const char *nans[] = {"nan", "NaN", "NAN", "-nan"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(cz_csv_parse_f64(nans[i], strlen(nans[i]), &d), 1);
    assert_true(isnan(d));
  }
  const char *bad[] = {"",        " ",      ".",       "-",     "+",     "e5",
                       "1e",      "1e+",    "1.2.3",   "0x1p3", "1,5",   "inf5",
                       "infinit", "nan(1)", "--1",     "1 e5",  "1e5.5", "1d5",
                       "NA",      "1_000",  "\x31\x00"};
  size_t badlen[sizeof bad / sizeof bad[0]];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    badlen[i] = strlen(bad[i]);
  badlen[sizeof bad / sizeof bad[0] - 1] = 2; /* "1\0" */
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (cz_csv_parse_f64(bad[i], badlen[i], &d) != 0)
      fail_msg("'%s' accepted as a number", bad[i]);
}

/* The fast path must be bit-identical to strtod: random decimal strings of
 * every shape (digit counts 1..25, point anywhere, exponents), plus doubles
 * printed in common formats. */
static void test_parse_f64_random(void **state) {
  (void)state;
  rng_state = 12345;
  char s[128];
  size_t nfast = 0;
  for (int it = 0; it < 400000; it++) {
    size_t k = 0;
    if (rndn(3) == 0)
      s[k++] = rndn(2) ? '-' : '+';
    size_t nd = 1 + rndn(rndn(4) == 0 ? 25 : 17);
    size_t point = rndn(nd + 2); /* nd + 1: no point */
    for (size_t i = 0; i < nd; i++) {
      if (i == point)
        s[k++] = '.';
      s[k++] = (char)('0' + (rndn(5) == 0 ? 0 : rndn(10)));
    }
    if (point == nd)
      s[k++] = '.';
    if (rndn(3) == 0) {
      s[k++] = rndn(2) ? 'e' : 'E';
      int e = (int)rndn(rndn(3) == 0 ? 700 : 50) - (rndn(3) == 0 ? 350 : 25);
      k += (size_t)snprintf(s + k, sizeof s - k, "%d", e);
    }
    s[k] = '\0';
    check_f64(s);
    if (nd <= 15)
      nfast++;
  }
  assert_true(nfast > 100000);
  static const char *fmts[] = {"%.17g", "%.15g", "%.6g", "%g",
                               "%.3f",  "%.10e", "%.1f", "%.9f"};
  for (int it = 0; it < 200000; it++) {
    uint64_t bits = rnd();
    double x;
    if (it % 2) {
      memcpy(&x, &bits, sizeof x);
      if (!isfinite(x))
        continue;
    } else {
      x = ((double)(bits >> 11) / 9007199254740992.0 - 0.5) *
          pow(10.0, (double)rndn(20) - 6);
    }
    snprintf(s, sizeof s, fmts[rndn(8)], x);
    if (strlen(s) > 100)
      continue;
    check_f64(s);
    /* repr-style round trip: %.17g reads back to the same bits */
    snprintf(s, sizeof s, "%.17g", x);
    double y;
    assert_int_equal(cz_csv_parse_f64(s, strlen(s), &y), 1);
    assert_true(same_f64(x, y));
  }
}

/* ---- parsing ------------------------------------------------------------- */

static void test_basic_types(void **state) {
  (void)state;
  causal_dataset *ds = read_str("i,f,b,c,allna\n"
                                "1,1.5,true,x,\n"
                                "-2,NA,FALSE,y,NA\n"
                                ",3,,x,\n"
                                "4,-1e-3,True,,\n",
                                NULL);
  assert_int_equal(causal_dataset_ncols(ds), 5);
  assert_int_equal(causal_dataset_nrows(ds), 4);
  assert_int_equal(coltype(ds, "i"), CAUSAL_TYPE_I64);
  assert_int_equal(coltype(ds, "f"), CAUSAL_TYPE_F64);
  assert_int_equal(coltype(ds, "b"), CAUSAL_TYPE_BOOL);
  assert_int_equal(coltype(ds, "c"), CAUSAL_TYPE_CAT);
  assert_int_equal(coltype(ds, "allna"), CAUSAL_TYPE_F64);
  int m;
  assert_int_equal(i64_at(ds, "i", 0, &m), 1);
  assert_false(m);
  assert_int_equal(i64_at(ds, "i", 1, &m), -2);
  i64_at(ds, "i", 2, &m);
  assert_true(m);
  assert_int_equal(i64_at(ds, "i", 3, &m), 4);
  assert_int_equal(nmissing(ds, "i"), 1);
  assert_true(f64_at(ds, "f", 0) == 1.5);
  assert_true(isnan(f64_at(ds, "f", 1)));
  assert_true(f64_at(ds, "f", 2) == 3.0);
  assert_true(f64_at(ds, "f", 3) == -1e-3);
  assert_int_equal(nmissing(ds, "f"), 1);
  assert_int_equal(bool_at(ds, "b", 0), 1);
  assert_int_equal(bool_at(ds, "b", 1), 0);
  assert_int_equal(bool_at(ds, "b", 2), -1);
  assert_int_equal(bool_at(ds, "b", 3), 1);
  assert_string_equal(cat_at(ds, "c", 0), "x");
  assert_string_equal(cat_at(ds, "c", 1), "y");
  assert_string_equal(cat_at(ds, "c", 2), "x");
  assert_null(cat_at(ds, "c", 3));
  size_t nl = 0;
  assert_ok(causal_dataset_cat_nlevels(ds, col(ds, "c"), &nl));
  assert_int_equal(nl, 2);
  assert_int_equal(nmissing(ds, "allna"), 4);
  causal_dataset_free(ds);

  /* whole reads order levels by bytes; columns without NA have no mask */
  ds = read_str("g,k\nzeta,1\nalpha,2\nMid,3\nalpha,4\n", NULL);
  size_t j = col(ds, "g");
  assert_string_equal(causal_dataset_cat_label(ds, j, 0), "Mid");
  assert_string_equal(causal_dataset_cat_label(ds, j, 1), "alpha");
  assert_string_equal(causal_dataset_cat_label(ds, j, 2), "zeta");
  const int32_t *codes;
  assert_ok(causal_dataset_col_cat(ds, j, &codes));
  assert_int_equal(codes[0], 2);
  assert_int_equal(codes[1], 1);
  assert_int_equal(codes[2], 0);
  assert_int_equal(codes[3], 1);
  const int64_t *iv;
  const uint8_t *valid;
  assert_ok(causal_dataset_col_i64(ds, col(ds, "k"), &iv, &valid));
  assert_null(valid);
  causal_dataset_free(ds);
}

static void test_rfc4180(void **state) {
  (void)state;
  /* quotes, "" escapes, delimiters and CR, LF, CRLF inside quotes, CRLF
   * record ends, BOM, final record without newline */
  const char *csv = "\xEF\xBB\xBF"
                    "a,\"b c\",d\r\n"
                    "\"x,1\",\"he said \"\"hi\"\"\",\"l1\nl2\"\r\n"
                    "plain,\"\",\"cr\rin\"\r\n"
                    "\"\"\"\",\"crlf\r\nin\",last";
  causal_dataset *ds = read_str(csv, NULL);
  assert_int_equal(causal_dataset_ncols(ds), 3);
  assert_int_equal(causal_dataset_nrows(ds), 3);
  assert_string_equal(causal_dataset_col_name(ds, 0), "a");
  assert_string_equal(causal_dataset_col_name(ds, 1), "b c");
  assert_string_equal(causal_dataset_col_name(ds, 2), "d");
  assert_string_equal(cat_at(ds, "a", 0), "x,1");
  assert_string_equal(cat_at(ds, "a", 1), "plain");
  assert_string_equal(cat_at(ds, "a", 2), "\"");
  assert_string_equal(cat_at(ds, "b c", 0), "he said \"hi\"");
  assert_null(cat_at(ds, "b c", 1)); /* quoted "" is NA (token "") */
  assert_string_equal(cat_at(ds, "b c", 2), "crlf\r\nin");
  assert_string_equal(cat_at(ds, "d", 0), "l1\nl2");
  assert_string_equal(cat_at(ds, "d", 1), "cr\rin");
  assert_string_equal(cat_at(ds, "d", 2), "last");
  causal_dataset_free(ds);

  /* LF endings, trailing blank lines ignored, lone CR ends a record */
  ds = read_str("x,y\n1,2\r3,4\n\n\r\n\n", NULL);
  assert_int_equal(causal_dataset_nrows(ds), 2);
  assert_int_equal(coltype(ds, "y"), CAUSAL_TYPE_I64);
  causal_dataset_free(ds);

  /* blank lines before the header are skipped; a trailing delimiter makes
   * an empty last field; blanks after a closing quote are allowed */
  ds = read_str("\n\r\nx,y,z\n1,\"2\"  ,\n3,4,\n", NULL);
  assert_int_equal(causal_dataset_ncols(ds), 3);
  assert_int_equal(causal_dataset_nrows(ds), 2);
  assert_int_equal(coltype(ds, "y"), CAUSAL_TYPE_I64);
  int m;
  assert_int_equal(i64_at(ds, "y", 0, &m), 2);
  assert_int_equal(nmissing(ds, "z"), 2);
  causal_dataset_free(ds);

  /* quote inside an unquoted field is literal */
  ds = read_str("s\nab\"c\n", NULL);
  assert_string_equal(cat_at(ds, "s", 0), "ab\"c");
  causal_dataset_free(ds);

  /* a quoted number is a number */
  ds = read_str("n\n\"12\"\n\" 3 \"\n", NULL);
  assert_int_equal(coltype(ds, "n"), CAUSAL_TYPE_I64);
  causal_dataset_free(ds);
}

static void test_single_column_blank_lines(void **state) {
  (void)state;
  /* one column: an inner blank line is a missing value; trailing ones are
   * ignored */
  causal_dataset *ds = read_str("x\n1\n\n3\n\n\n", NULL);
  assert_int_equal(causal_dataset_nrows(ds), 3);
  assert_int_equal(nmissing(ds, "x"), 1);
  int m;
  assert_int_equal(i64_at(ds, "x", 2, &m), 3);
  causal_dataset_free(ds);
  /* more columns: an inner blank line is a record with too few fields */
  assert_status(read_str_rc("x,y\n1,2\n\n3,4\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("line 3: expected 2 fields, found 1");
}

static void test_no_header_and_delims(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_HEADER, 0));
  causal_dataset *ds = read_str("1,a,2.5\n2,b,3\n", o);
  assert_int_equal(causal_dataset_nrows(ds), 2);
  assert_string_equal(causal_dataset_col_name(ds, 0), "V1");
  assert_string_equal(causal_dataset_col_name(ds, 1), "V2");
  assert_string_equal(causal_dataset_col_name(ds, 2), "V3");
  assert_int_equal(coltype(ds, "V1"), CAUSAL_TYPE_I64);
  assert_int_equal(coltype(ds, "V2"), CAUSAL_TYPE_CAT);
  assert_int_equal(coltype(ds, "V3"), CAUSAL_TYPE_F64);
  causal_dataset_free(ds);

  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_HEADER, 1));
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '\t'));
  ds = read_str("a b\tc,d\n1 2\t3,5\n\"x\ty\"\t4\n", o);
  assert_int_equal(causal_dataset_ncols(ds), 2);
  assert_string_equal(causal_dataset_col_name(ds, 1), "c,d");
  assert_string_equal(cat_at(ds, "a b", 1), "x\ty");
  assert_int_equal(coltype(ds, "c,d"), CAUSAL_TYPE_CAT);
  causal_dataset_free(ds);

  /* a delimiter that is also a character of numbers */
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, '.'));
  ds = read_str("a.b\n1e0.2\n1.5\n-3e1.+7\n", o);
  assert_int_equal(causal_dataset_nrows(ds), 3);
  assert_int_equal(coltype(ds, "a"), CAUSAL_TYPE_F64);
  assert_true(f64_at(ds, "a", 1) == 1.0);
  assert_true(f64_at(ds, "a", 2) == -30.0);
  causal_dataset_free(ds);
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, 'e'));
  ds = read_str("xey\n1.5e2\n", o);
  assert_true(f64_at(ds, "x", 0) == 1.5);
  causal_dataset_free(ds);

  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, ';'));
  ds = read_str("a;b\n1,5;2\n3;4\n", o);
  assert_int_equal(coltype(ds, "a"), CAUSAL_TYPE_CAT); /* "1,5" */
  assert_int_equal(coltype(ds, "b"), CAUSAL_TYPE_I64);
  causal_dataset_free(ds);
  causal_csv_options_free(o);
}

static void test_header_names(void **state) {
  (void)state;
  causal_dataset *ds = read_str("x,x,,x.1,x,V3\n1,2,3,4,5,6\n", NULL);
  const char *want[] = {"x", "x.2", "V3", "x.1", "x.3", "V3.1"};
  assert_int_equal(causal_dataset_ncols(ds), 6);
  for (size_t j = 0; j < 6; j++)
    assert_string_equal(causal_dataset_col_name(ds, j), want[j]);
  causal_dataset_free(ds);
  ds = read_str("\"\",\"\"\n1,2\n", NULL);
  assert_string_equal(causal_dataset_col_name(ds, 0), "V1");
  assert_string_equal(causal_dataset_col_name(ds, 1), "V2");
  causal_dataset_free(ds);
  assert_status(read_str_rc("a,b\0c\n1,2\n", NULL), CAUSAL_OK); /* strlen */
  causal_dataset *d2 = NULL;
  assert_status(causal_csv_read_buffer(&d2, "a,b\0c\n1,2\n", 10, NULL),
                CAUSAL_EPARSE);
  assert_error_mentions("NUL");
}

static void test_ragged_and_quote_errors(void **state) {
  (void)state;
  assert_status(read_str_rc("a,b\n1,2\n3,4,5\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("line 3: expected 2 fields, found 3");
  assert_status(read_str_rc("a,b,c\n1,2,3\n4,5,6\n7\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("line 4: expected 3 fields, found 1");
  /* line numbers count line breaks inside quoted fields */
  assert_status(read_str_rc("a,b\n\"x\ny\",1\n\"p\r\nq\",2\n3\n", NULL),
                CAUSAL_EPARSE);
  assert_error_mentions("line 6: expected 2 fields, found 1");
  /* unterminated quote: the line where the quoted field started */
  assert_status(read_str_rc("a,b\n1,2\n3,\"open\n4,5\n6,7\n", NULL),
                CAUSAL_EPARSE);
  assert_error_mentions("line 3, column 2 ('b')");
  assert_error_mentions("never closed");
  assert_status(read_str_rc("\"a,b\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("line 1, column 1");
  /* junk after a closing quote */
  assert_status(read_str_rc("a,b\n1,\"x\"y\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("line 2, column 2 ('b'): unexpected character 'y'");
  assert_status(read_str_rc("a\n\"x\"\x01\n", NULL), CAUSAL_EPARSE);
  assert_error_mentions("0x01");
}

static void test_conversion_errors(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 2));
  /* later value that is not a number in an F64 column */
  assert_status(read_str_rc("id,age\n1,1.5\n2,3\n3,abc\n", o), CAUSAL_EPARSE);
  assert_error_mentions("line 4, column 2 ('age'): cannot parse 'abc' as f64");
  /* later non-boolean in a BOOL column */
  assert_status(read_str_rc("id,ok\n1,true\n2,false\n3,yes\n", o),
                CAUSAL_EPARSE);
  assert_error_mentions("line 4, column 2 ('ok'): cannot parse 'yes' as bool");
  /* later string in an I64 column */
  assert_status(read_str_rc("n\n1\n2\nthree\n", o), CAUSAL_EPARSE);
  assert_error_mentions("cannot parse 'three' as i64");
  /* long values are shortened in messages */
  char buf[400];
  snprintf(buf, sizeof buf, "n\n1\n2\n%0300d%s\n", 0, "x");
  assert_status(read_str_rc(buf, o), CAUSAL_EPARSE);
  assert_error_mentions("...");
  assert_true(strlen(causal_last_error()) < 200);
  /* a label with a NUL byte */
  causal_dataset *ds = NULL;
  assert_status(causal_csv_read_buffer(&ds, "s\na\nb\0c\n", 8, NULL),
                CAUSAL_EPARSE);
  assert_error_mentions("line 3, column 1 ('s'): label contains a NUL byte");
  causal_csv_options_free(o);
}

static void test_promotion_and_overflow(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 2));
  /* I64 by inference, then 2.5 and an NA: promoted to F64, NA -> NaN */
  causal_dataset *ds =
      read_str("n,m\n1,1\n2,2\nNA,3\n2.5,4\n5,99999999999999999999\n", o);
  assert_int_equal(coltype(ds, "n"), CAUSAL_TYPE_F64);
  assert_true(f64_at(ds, "n", 0) == 1.0);
  assert_true(f64_at(ds, "n", 1) == 2.0);
  assert_true(isnan(f64_at(ds, "n", 2)));
  assert_true(f64_at(ds, "n", 3) == 2.5);
  assert_true(f64_at(ds, "n", 4) == 5.0);
  const double *d;
  const uint8_t *valid;
  assert_ok(causal_dataset_col_f64(ds, col(ds, "n"), &d, &valid));
  assert_null(valid);
  assert_int_equal(nmissing(ds, "n"), 1);
  /* an integer that overflows int64 also promotes */
  assert_int_equal(coltype(ds, "m"), CAUSAL_TYPE_F64);
  assert_true(f64_at(ds, "m", 4) == 1e20);
  causal_dataset_free(ds);
  /* during inference an overflowing integer makes the column F64 */
  ds = read_str("m\n1\n-99999999999999999999\n", NULL);
  assert_int_equal(coltype(ds, "m"), CAUSAL_TYPE_F64);
  assert_true(f64_at(ds, "m", 1) == -1e20);
  causal_dataset_free(ds);
  /* INFER_ROWS = 0: the whole input decides (here: CAT) */
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 0));
  ds = read_str("n\n1\n2\n3\nx\n", o);
  assert_int_equal(coltype(ds, "n"), CAUSAL_TYPE_CAT);
  causal_dataset_free(ds);
  /* an explicit I64 type is never promoted */
  assert_ok(causal_csv_options_set_type(o, "n", CAUSAL_TYPE_I64));
  assert_status(read_str_rc("n\n1\n2.5\n", o), CAUSAL_EPARSE);
  assert_error_mentions("cannot parse '2.5' as i64");
  assert_status(read_str_rc("n\n1\n9223372036854775808\n", o), CAUSAL_EPARSE);
  assert_error_mentions("out of range");
  causal_csv_options_free(o);
}

static void test_inf_nan_spaces(void **state) {
  (void)state;
  causal_dataset *ds = read_str(
      "x,s\ninf,a\n-inf, b \nNaN,c\nInfinity,d\n  2.5 ,e\nnan,f\n", NULL);
  assert_int_equal(coltype(ds, "x"), CAUSAL_TYPE_F64);
  assert_true(isinf(f64_at(ds, "x", 0)) && f64_at(ds, "x", 0) > 0);
  assert_true(isinf(f64_at(ds, "x", 1)) && f64_at(ds, "x", 1) < 0);
  assert_true(isnan(f64_at(ds, "x", 2)));
  assert_true(isinf(f64_at(ds, "x", 3)));
  assert_true(f64_at(ds, "x", 4) == 2.5);
  assert_int_equal(nmissing(ds, "x"), 2); /* NaN from the file is missing */
  assert_string_equal(cat_at(ds, "s", 1), " b "); /* labels keep blanks */
  causal_dataset_free(ds);
  /* blanks around integers and booleans are accepted too */
  ds = read_str("i,b\n 1 ,  true\n\t2,false \n", NULL);
  assert_int_equal(coltype(ds, "i"), CAUSAL_TYPE_I64);
  assert_int_equal(coltype(ds, "b"), CAUSAL_TYPE_BOOL);
  causal_dataset_free(ds);
  /* a blank-only field is not NA: the column becomes categorical */
  ds = read_str("i\n1\n \n", NULL);
  assert_int_equal(coltype(ds, "i"), CAUSAL_TYPE_CAT);
  causal_dataset_free(ds);
}

static void test_schema(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_type(o, "zip", CAUSAL_TYPE_CAT));
  assert_ok(causal_csv_options_set_type(o, "n", CAUSAL_TYPE_F64));
  assert_ok(causal_csv_options_set_type(o, "b", CAUSAL_TYPE_BOOL));
  causal_dataset *ds = read_str("zip,n,b,x.1\n00123,1,true,7\n,2,NA,8\n", o);
  assert_int_equal(coltype(ds, "zip"), CAUSAL_TYPE_CAT);
  assert_string_equal(cat_at(ds, "zip", 0), "00123");
  assert_null(cat_at(ds, "zip", 1));
  assert_int_equal(coltype(ds, "n"), CAUSAL_TYPE_F64);
  assert_int_equal(coltype(ds, "b"), CAUSAL_TYPE_BOOL);
  assert_int_equal(bool_at(ds, "b", 1), -1);
  assert_int_equal(coltype(ds, "x.1"), CAUSAL_TYPE_I64);
  causal_dataset_free(ds);
  /* types refer to the final (deduplicated) names */
  causal_csv_options *o2 = opts_new();
  assert_ok(causal_csv_options_set_type(o2, "a.1", CAUSAL_TYPE_CAT));
  ds = read_str("a,a\n1,2\n", o2);
  assert_int_equal(coltype(ds, "a"), CAUSAL_TYPE_I64);
  assert_int_equal(coltype(ds, "a.1"), CAUSAL_TYPE_CAT);
  causal_dataset_free(ds);
  causal_csv_options_free(o2);
  /* unknown name: ENOTFOUND after reading the header */
  assert_ok(causal_csv_options_set_type(o, "nope", CAUSAL_TYPE_F64));
  assert_status(read_str_rc("zip,n,b\n1,2,true\n", o), CAUSAL_ENOTFOUND);
  assert_error_mentions("'nope'");
  /* with an all-fixed schema inference is skipped */
  causal_csv_options *o3 = opts_new();
  assert_ok(causal_csv_options_set_type(o3, "a", CAUSAL_TYPE_I64));
  ds = read_str("a\n1\n2\n3\n", o3);
  assert_int_equal(causal_dataset_nrows(ds), 3);
  causal_dataset_free(ds);
  causal_csv_options_free(o3);
  causal_csv_options_free(o);
}

static void test_na_tokens(void **state) {
  (void)state;
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_add_na(o, "-999"));
  assert_ok(causal_csv_options_add_na(o, "?"));
  /* defaults replaced: "" and NA are now values */
  causal_dataset *ds = read_str("x,s\n1,NA\n-999,\n?,?\n4,\"?\"\n", o);
  assert_int_equal(coltype(ds, "x"), CAUSAL_TYPE_I64);
  assert_int_equal(nmissing(ds, "x"), 2);
  assert_string_equal(cat_at(ds, "s", 0), "NA");
  assert_string_equal(cat_at(ds, "s", 1), "");
  assert_null(cat_at(ds, "s", 2));
  assert_string_equal(cat_at(ds, "s", 3), "?"); /* quoted: not NA */
  causal_dataset_free(ds);
  causal_csv_options_free(o);
  /* default: quoted "NA" is a value */
  ds = read_str("s\nNA\n\"NA\"\n", NULL);
  assert_null(cat_at(ds, "s", 0));
  assert_string_equal(cat_at(ds, "s", 1), "NA");
  causal_dataset_free(ds);
}

static void test_empty_inputs(void **state) {
  (void)state;
  const char *empties[] = {"", "\xEF\xBB\xBF", "\n", "\r\n\n\r"};
  for (size_t i = 0; i < 4; i++) {
    assert_status(read_str_rc(empties[i], NULL), CAUSAL_EPARSE);
    assert_error_mentions("empty input");
  }
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_HEADER, 0));
  assert_status(read_str_rc("", o), CAUSAL_EPARSE);
  causal_csv_options_free(o);
  /* a header without data: columns of zero rows, F64 */
  causal_dataset *ds = read_str("a,b\n", NULL);
  assert_int_equal(causal_dataset_ncols(ds), 2);
  assert_int_equal(causal_dataset_nrows(ds), 0);
  assert_int_equal(coltype(ds, "b"), CAUSAL_TYPE_F64);
  causal_dataset_free(ds);
  /* header without newline */
  ds = read_str("a", NULL);
  assert_int_equal(causal_dataset_ncols(ds), 1);
  assert_int_equal(causal_dataset_nrows(ds), 0);
  causal_dataset_free(ds);
  /* NULL arguments */
  causal_dataset *d = NULL;
  assert_status(causal_csv_read_buffer(NULL, "a", 1, NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_read_buffer(&d, NULL, 1, NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_read_file(NULL, "x", NULL), CAUSAL_EINVAL);
  assert_status(causal_csv_read_file(&d, NULL, NULL), CAUSAL_EINVAL);
}

static void test_files(void **state) {
  (void)state;
  causal_dataset *ds = (causal_dataset *)1;
  assert_status(causal_csv_read_file(&ds, "/nonexistent/dir/x.csv", NULL),
                CAUSAL_EIO);
  assert_null(ds);
  assert_error_mentions("/nonexistent/dir/x.csv");
  assert_error_mentions(strerror(ENOENT));
  assert_status(causal_csv_read_file(&ds, "/tmp", NULL), CAUSAL_EIO);
  assert_error_mentions(strerror(EISDIR));
  causal_csv_reader *r = (causal_csv_reader *)1;
  assert_status(causal_csv_reader_open(&r, "/nonexistent.csv", NULL),
                CAUSAL_EIO);
  assert_null(r);
  /* file reads equal buffer reads, with tiny and default read buffers */
  const char *csv =
      "a,b,c\r\n1,\"x\"\"y\",2.5\r\n2,\"multi\r\nline\",NA\r\n3,z,1e300";
  const char *p = write_tmp(csv, strlen(csv));
  causal_dataset *whole = read_str(csv, NULL);
  size_t sizes[] = {1, 2, 3, 5, 1 << 20};
  for (size_t k = 0; k < 5; k++) {
    causal_csv_options *o = opts_new();
    assert_ok(cz_csv_options_set_bufsize(o, sizes[k]));
    assert_ok(causal_csv_read_file(&ds, p, o));
    assert_int_equal(causal_dataset_nrows(ds), 3);
    char why[200];
    for (size_t i = 0; i < 3; i++)
      if (!same_row(ds, i, whole, i, why, sizeof why))
        fail_msg("bufsize %zu: %s", sizes[k], why);
    causal_dataset_free(ds);
    causal_csv_options_free(o);
  }
  assert_ok(causal_csv_read_file(&ds, p, NULL));
  causal_dataset_free(ds);
  causal_dataset_free(whole);
  /* parse errors in files name the file */
  unlink(p);
  p = write_tmp("a,b\n1\n", 6);
  assert_status(causal_csv_read_file(&ds, p, NULL), CAUSAL_EPARSE);
  assert_error_mentions(p);
  assert_error_mentions("line 2: expected 2 fields, found 1");
  assert_status(causal_csv_reader_open(&r, p, NULL), CAUSAL_EPARSE);
  assert_error_mentions(p);
  unlink(p);
  p = write_tmp("", 0);
  assert_status(causal_csv_read_file(&ds, p, NULL), CAUSAL_EPARSE);
  assert_error_mentions("empty input");
  unlink(p);
}

/* ---- reference data from pandas ------------------------------------------ */

static char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)sz + 1);
  assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
  b[sz] = '\0';
  fclose(f);
  *n = (size_t)sz;
  return b;
}

static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r == 't' ? '\t' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

static void check_against_pandas(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "data/csv/%s.csv", name);
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, cz_test_path(path), NULL));
  snprintf(path, sizeof path, "data/csv/%s.ref", name);
  size_t n;
  char *ref = read_all(cz_test_path(path), &n);
  char *save = NULL;
  char *line = strtok_r(ref, "\n", &save);
  size_t ncols, nrows;
  assert_int_equal(sscanf(line, "%zu %zu", &ncols, &nrows), 2);
  assert_int_equal(causal_dataset_ncols(ds), ncols);
  assert_int_equal(causal_dataset_nrows(ds), nrows);
  double *v = malloc(nrows * sizeof *v);
  for (size_t j = 0; j < ncols; j++) {
    line = strtok_r(NULL, "\n", &save);
    char *tab = strchr(line, '\t');
    *tab = '\0';
    assert_string_equal(causal_dataset_col_name(ds, j), line);
    const char *kind = tab + 1;
    int type;
    assert_ok(causal_dataset_col_type(ds, j, &type));
    if (strcmp(kind, "num") == 0)
      assert_true(type == CAUSAL_TYPE_F64 || type == CAUSAL_TYPE_I64);
    else if (strcmp(kind, "bool") == 0)
      assert_int_equal(type, CAUSAL_TYPE_BOOL);
    else
      assert_int_equal(type, CAUSAL_TYPE_CAT);
    if (type != CAUSAL_TYPE_CAT)
      assert_ok(causal_dataset_col_to_f64(ds, j, v, nrows));
    const int64_t *iv = NULL;
    const uint8_t *valid = NULL;
    if (type == CAUSAL_TYPE_I64)
      assert_ok(causal_dataset_col_i64(ds, j, &iv, &valid));
    for (size_t i = 0; i < nrows; i++) {
      line = strtok_r(NULL, "\n", &save);
      /* strtok_r skips empty lines; the writer never emits them except
       * for empty strings, which pandas reads as NA here */
      assert_non_null(line);
      const char *nm = causal_dataset_col_name(ds, j);
      if (type == CAUSAL_TYPE_CAT) {
        const char *got = cat_at(ds, nm, i);
        if (strcmp(line, "NA") == 0) {
          assert_null(got);
        } else {
          unescape(line);
          assert_non_null(got);
          assert_string_equal(got, line);
        }
      } else if (strcmp(line, "NA") == 0) {
        if (!isnan(v[i]))
          fail_msg("%s[%zu] = %g, pandas: NA", nm, i, v[i]);
      } else if (type == CAUSAL_TYPE_I64 && strchr(line, 'x') == NULL) {
        long long want = strtoll(line, NULL, 10);
        if (iv[i] != want)
          fail_msg("%s[%zu] = %lld, pandas %lld", nm, i, (long long)iv[i],
                   want);
      } else {
        double want = strtod(line, NULL);
        if (!same_f64(v[i], want))
          fail_msg("%s[%zu] = %a, pandas %a", nm, i, v[i], want);
      }
    }
  }
  free(v);
  free(ref);
  causal_dataset_free(ds);
}

static void test_pandas_reference(void **state) {
  (void)state;
  check_against_pandas("quoting");
  check_against_pandas("numbers");
}

/* ---- streaming ----------------------------------------------------------- */

/* A random CSV with every column kind, quoted fields with delimiters and
 * line breaks, NAs, CRLF/LF endings and long labels. */
static char *gen_csv(size_t rows, size_t *len) {
  size_t cap = rows * 200 + 1024, n = 0;
  char *b = malloc(cap);
  n += (size_t)snprintf(b + n, cap - n, "id,x,flag,grp,note,maybe\n");
  for (size_t i = 0; i < rows; i++) {
    n += (size_t)snprintf(b + n, cap - n, "%zu,", i);
    switch (rndn(5)) {
    case 0:
      n += (size_t)snprintf(b + n, cap - n, "NA,");
      break;
    case 1:
      n += (size_t)snprintf(b + n, cap - n, "%.17g,",
                            (double)rnd() / 3.0e15 - 3000.0);
      break;
    default:
      n += (size_t)snprintf(b + n, cap - n, "%.3f,",
                            (double)(rnd() % 2000000) / 7.0);
    }
    const char *flags[] = {"true", "false", "", "TRUE"};
    n += (size_t)snprintf(b + n, cap - n, "%s,", flags[rndn(4)]);
    n += (size_t)snprintf(b + n, cap - n, "g%zu,", rndn(rows / 10 + 3));
    switch (rndn(6)) {
    case 0:
      n += (size_t)snprintf(b + n, cap - n, "\"a,b\"\"c\r\nd\"");
      break;
    case 1:
      n += (size_t)snprintf(b + n, cap - n, "\"\"");
      break;
    case 2: {
      size_t k = 20 + rndn(100);
      b[n++] = '"';
      for (size_t q = 0; q < k; q++)
        b[n++] = (char)('a' + rndn(26));
      b[n++] = '"';
      break;
    }
    default:
      n += (size_t)snprintf(b + n, cap - n, "w%zu", rndn(50));
    }
    n += (size_t)snprintf(b + n, cap - n, ",%s", rndn(7) ? "12" : "NA");
    n += (size_t)snprintf(b + n, cap - n, "%s", rndn(2) ? "\r\n" : "\n");
  }
  *len = n;
  return b;
}

static void test_stream_equals_whole(void **state) {
  (void)state;
  rng_state = 777;
  size_t len;
  char *csv = gen_csv(1500, &len);
  causal_dataset *whole = NULL;
  assert_ok(causal_csv_read_buffer(&whole, csv, len, NULL));
  assert_int_equal(causal_dataset_nrows(whole), 1500);
  assert_int_equal(coltype(whole, "id"), CAUSAL_TYPE_I64);
  assert_int_equal(coltype(whole, "x"), CAUSAL_TYPE_F64);
  assert_int_equal(coltype(whole, "flag"), CAUSAL_TYPE_BOOL);
  assert_int_equal(coltype(whole, "grp"), CAUSAL_TYPE_CAT);
  assert_int_equal(coltype(whole, "note"), CAUSAL_TYPE_CAT);
  assert_int_equal(coltype(whole, "maybe"), CAUSAL_TYPE_I64);
  const char *p = write_tmp(csv, len);
  int64_t chunks[] = {1, 2, 3, 7, 64, 1000, 1500, 65536};
  size_t bufs[] = {1, 5, 64, 4096, 1 << 20};
  for (size_t c = 0; c < 8; c++)
    for (size_t b = 0; b < 5; b++) {
      if (chunks[c] == 1 && bufs[b] < 64)
        continue; /* slow under sanitizers, covered by chunk 2 */
      assert_ok(stream_equals(p, whole, chunks[c], bufs[b], NULL));
    }
  /* the default reader (NULL options) */
  causal_csv_reader *r = NULL;
  assert_ok(causal_csv_reader_open(&r, p, NULL));
  causal_dataset *ch = NULL;
  assert_ok(causal_csv_reader_next(r, &ch));
  assert_int_equal(causal_dataset_nrows(ch), 1500);
  causal_dataset_free(ch);
  assert_ok(causal_csv_reader_next(r, &ch));
  assert_null(ch);
  causal_csv_reader_free(r);
  causal_csv_reader_free(NULL);
  assert_int_equal(causal_csv_reader_rows(NULL), 0);
  assert_status(causal_csv_reader_next(NULL, &ch), CAUSAL_EINVAL);
  unlink(p);
  causal_dataset_free(whole);
  free(csv);

  /* a single column with inner and trailing blank lines, chunk size 1 */
  const char *one = "x\n1\n\n\n4\n\n";
  whole = read_str(one, NULL);
  assert_int_equal(causal_dataset_nrows(whole), 4);
  p = write_tmp(one, strlen(one));
  for (int64_t cr = 1; cr <= 5; cr++)
    assert_ok(stream_equals(p, whole, cr, 1, NULL));
  unlink(p);
  causal_dataset_free(whole);
}

static void test_long_record(void **state) {
  (void)state;
  /* a 3 MB record: longer than the default 1 MiB read buffer */
  size_t big = 3u << 20, n = 0;
  char *csv = malloc(big + 100);
  n += (size_t)sprintf(csv, "k,text\n1,\"");
  for (size_t i = 0; i < big; i++)
    csv[n++] = (char)('a' + i % 26);
  n += (size_t)sprintf(csv + n, "\"\n2,short\n");
  const char *p = write_tmp(csv, n);
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, p, NULL));
  assert_int_equal(causal_dataset_nrows(ds), 2);
  assert_int_equal(strlen(cat_at(ds, "text", 0)), big);
  assert_ok(stream_equals(p, ds, 1, 1 << 20, NULL));
  assert_ok(stream_equals(p, ds, 1, 4096, NULL));
  causal_dataset_free(ds);
  unlink(p);
  free(csv);
}

static void test_stream_errors(void **state) {
  (void)state;
  /* types fixed by the first INFER_ROWS records: a later 2.5 in an I64
   * column is an error in streaming (promoted in whole reads) */
  const char *csv = "a,b\n1,x\n2,y\n3,z\n2.5,w\n";
  const char *p = write_tmp(csv, strlen(csv));
  causal_csv_options *o = opts_new();
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 2));
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS, 2));
  causal_csv_reader *r = NULL;
  assert_ok(causal_csv_reader_open(&r, p, o));
  causal_dataset *ch = NULL;
  assert_ok(causal_csv_reader_next(r, &ch));
  assert_int_equal(causal_dataset_nrows(ch), 2);
  causal_dataset_free(ch);
  assert_status(causal_csv_reader_next(r, &ch), CAUSAL_EPARSE);
  assert_null(ch);
  assert_error_mentions("line 5, column 1 ('a'): cannot parse '2.5' as i64");
  assert_error_mentions("set_type");
  assert_error_mentions(p);
  assert_int_equal(causal_csv_reader_rows(r), 2);
  /* the error is sticky */
  assert_status(causal_csv_reader_next(r, &ch), CAUSAL_EPARSE);
  assert_error_mentions("failed earlier");
  assert_error_mentions("2.5");
  causal_csv_reader_free(r);
  /* whole reads promote instead */
  causal_dataset *ds = NULL;
  assert_ok(causal_csv_read_file(&ds, p, o));
  assert_int_equal(coltype(ds, "a"), CAUSAL_TYPE_F64);
  causal_dataset_free(ds);
  /* INFER_ROWS = 0 is for whole reads only */
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 0));
  assert_status(causal_csv_reader_open(&r, p, o), CAUSAL_ERANGE);
  assert_null(r);
  assert_status(causal_csv_reader_open(NULL, p, o), CAUSAL_EINVAL);
  assert_status(causal_csv_reader_open(&r, NULL, o), CAUSAL_EINVAL);
  unlink(p);
  /* a ragged row in a later chunk */
  p = write_tmp("a\n1\n2\n3,4\n", 10);
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 1));
  assert_ok(causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS, 1));
  assert_ok(causal_csv_reader_open(&r, p, o));
  assert_ok(causal_csv_reader_next(r, &ch));
  causal_dataset_free(ch);
  assert_ok(causal_csv_reader_next(r, &ch));
  causal_dataset_free(ch);
  assert_status(causal_csv_reader_next(r, &ch), CAUSAL_EPARSE);
  assert_error_mentions("line 4: expected 1 fields, found 2");
  causal_csv_reader_free(r);
  unlink(p);
  /* an empty file cannot be opened; a header-only file gives no chunks */
  p = write_tmp("", 0);
  assert_status(causal_csv_reader_open(&r, p, NULL), CAUSAL_EPARSE);
  unlink(p);
  p = write_tmp("a,b\n", 4);
  assert_ok(causal_csv_reader_open(&r, p, NULL));
  ch = (causal_dataset *)1;
  assert_ok(causal_csv_reader_next(r, &ch));
  assert_null(ch);
  assert_int_equal(causal_csv_reader_rows(r), 0);
  causal_csv_reader_free(r);
  unlink(p);
  causal_csv_options_free(o);
}

/* ---- fuzzing --------------------------------------------------------------
 */

static void check_dataset_sane(const causal_dataset *ds) {
  size_t nr = causal_dataset_nrows(ds);
  assert_true(causal_dataset_ncols(ds) >= 1);
  for (size_t j = 0; j < causal_dataset_ncols(ds); j++) {
    int t;
    size_t m;
    assert_ok(causal_dataset_col_type(ds, j, &t));
    assert_ok(causal_dataset_col_nmissing(ds, j, &m));
    assert_true(m <= nr);
    assert_non_null(causal_dataset_col_name(ds, j));
    assert_true(causal_dataset_col_name(ds, j)[0] != '\0');
    if (t == CAUSAL_TYPE_CAT) {
      const int32_t *codes;
      size_t nl;
      assert_ok(causal_dataset_col_cat(ds, j, &codes));
      assert_ok(causal_dataset_cat_nlevels(ds, j, &nl));
      for (size_t i = 0; i < nr; i++)
        assert_true(codes[i] >= -1 && codes[i] < (int32_t)nl);
    }
  }
}

static void fuzz_one(const char *buf, size_t n, const causal_csv_options *o,
                     int with_stream) {
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_buffer(&ds, buf, n, o);
  if (rc != CAUSAL_OK && rc != CAUSAL_EPARSE)
    fail_msg("read_buffer returned %d: %s", rc, causal_last_error());
  if (rc == CAUSAL_EPARSE) {
    assert_null(ds);
    assert_true(strstr(causal_last_error(), "line ") != NULL ||
                strstr(causal_last_error(), "empty input") != NULL);
  } else {
    check_dataset_sane(ds);
  }
  if (with_stream) {
    /* the inference window covers the whole input, so streaming must agree
     * with the whole read: same success, same values */
    const char *p = write_tmp(buf, n);
    if (ds != NULL) {
      int src = stream_equals(p, ds, 1 + (int64_t)rndn(4), 1 + rndn(8), o);
      if (src != CAUSAL_OK)
        fail_msg("whole read ok, stream failed: %s", causal_last_error());
    } else {
      causal_csv_reader *r = NULL;
      causal_csv_options *so = opts_new();
      assert_ok(cz_csv_options_set_bufsize(so, 1 + rndn(8)));
      int64_t v;
      for (int k = CAUSAL_CSV_DELIMITER; k <= CAUSAL_CSV_INFER_ROWS; k++) {
        assert_ok(causal_csv_options_get_int(o, k, &v));
        assert_ok(causal_csv_options_set_int(so, k, v));
      }
      int src = causal_csv_reader_open(&r, p, so);
      while (src == CAUSAL_OK) {
        causal_dataset *ch = NULL;
        src = causal_csv_reader_next(r, &ch);
        if (ch == NULL)
          break;
        causal_dataset_free(ch);
      }
      if (src != CAUSAL_EPARSE)
        fail_msg("whole read failed, stream returned %d", src);
      causal_csv_reader_free(r);
      causal_csv_options_free(so);
    }
    unlink(p);
  }
  causal_dataset_free(ds);
}

static void test_fuzz(void **state) {
  (void)state;
  rng_state = 4242;
  static const char alpha[] = "01234.-+eE\",\n\r aNAtrueflsinf;\t\"\",";
  char buf[300];
  causal_csv_options *o[3];
  for (int k = 0; k < 3; k++)
    o[k] = opts_new();
  assert_ok(causal_csv_options_set_int(o[1], CAUSAL_CSV_HEADER, 0));
  assert_ok(causal_csv_options_set_int(o[2], CAUSAL_CSV_DELIMITER, ';'));
  assert_ok(causal_csv_options_add_na(o[2], "a"));
  /* random strings over a CSV-ish alphabet (plus any byte now and then) */
  for (int it = 0; it < 6000; it++) {
    size_t n = rndn(120);
    for (size_t i = 0; i < n; i++)
      buf[i] = rndn(20) == 0 ? (char)rndn(256) : alpha[rndn(sizeof alpha - 1)];
    fuzz_one(buf, n, o[it % 3], it % 10 == 0 && it % 3 != 2);
  }
  /* mutations of valid CSV */
  const char *seeds[] = {
      "a,b,c\n1,2.5,x\n3,NA,\"y,z\"\n",
      "id,\"q\"\"x\",f\r\n1,\"multi\r\nline\",true\r\n2,,false\r\n",
      "x\n1\n\n2\n", "\xEF\xBB\xBFn;m\n1;2\n3;4",
      "a,b\n1e5,inf\n-2,nan\n99999999999999999999,3\n"};
  for (int it = 0; it < 6000; it++) {
    const char *s = seeds[rndn(5)];
    size_t n = strlen(s);
    memcpy(buf, s, n);
    int nm = 1 + (int)rndn(4);
    for (int k = 0; k < nm; k++) {
      size_t at = n ? rndn(n) : 0;
      switch (rndn(4)) {
      case 0: /* replace */
        if (n)
          buf[at] = rndn(3) ? alpha[rndn(sizeof alpha - 1)] : (char)rnd();
        break;
      case 1: /* delete */
        if (n) {
          memmove(buf + at, buf + at + 1, n - at - 1);
          n--;
        }
        break;
      case 2: /* insert */
        if (n < 250) {
          memmove(buf + at + 1, buf + at, n - at);
          buf[at] = alpha[rndn(sizeof alpha - 1)];
          n++;
        }
        break;
      default: /* truncate */
        n = at;
      }
    }
    fuzz_one(buf, n, o[it % 3], it % 10 == 0 && it % 3 != 2);
  }
  for (int k = 0; k < 3; k++)
    causal_csv_options_free(o[k]);
}

/* ---- out of memory ------------------------------------------------------- */

static const char *oom_csv = "i,f,b,c,q\n"
                             "1,1.5,true,x,\"a\"\"b\"\n"
                             "NA,2,NA,y,\"c,d\"\n"
                             "3,NA,false,x,e\n"
                             "4,4,true,,f\n"
                             "5,5,false,z,g\n";

static int oom_read_buffer(void *arg) {
  (void)arg;
  causal_csv_options *o = NULL;
  int rc = causal_csv_options_new(&o);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 2);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_add_na(o, "NA");
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_add_na(o, "");
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_type(o, "q", CAUSAL_TYPE_CAT);
  causal_dataset *ds = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_csv_read_buffer(&ds, oom_csv, strlen(oom_csv), o);
  if (rc == CAUSAL_OK && causal_dataset_nrows(ds) != 5)
    rc = CAUSAL_EINTERNAL;
  causal_dataset_free(ds);
  causal_csv_options_free(o);
  return rc;
}

static int oom_promote(void *arg) {
  (void)arg;
  causal_csv_options *o = NULL;
  int rc = causal_csv_options_new(&o);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS, 1);
  causal_dataset *ds = NULL;
  const char *csv = "a,b,c\n1,1,x\nNA,2,y\n2.5,3,x\n,4,z\n7,5,w\n";
  if (rc == CAUSAL_OK)
    rc = causal_csv_read_buffer(&ds, csv, strlen(csv), o);
  causal_dataset_free(ds);
  causal_csv_options_free(o);
  return rc;
}

static const char *oom_path;

static int oom_stream(void *arg) {
  (void)arg;
  causal_csv_options *o = NULL;
  int rc = causal_csv_options_new(&o);
  if (rc == CAUSAL_OK)
    rc = causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS, 2);
  if (rc == CAUSAL_OK)
    rc = cz_csv_options_set_bufsize(o, 8);
  causal_csv_reader *r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_csv_reader_open(&r, oom_path, o);
  causal_csv_options_free(o);
  size_t rows = 0;
  while (rc == CAUSAL_OK) {
    causal_dataset *ch = NULL;
    rc = causal_csv_reader_next(r, &ch);
    if (ch == NULL)
      break;
    rows += causal_dataset_nrows(ch);
    causal_dataset_free(ch);
  }
  if (rc == CAUSAL_OK && rows != 5)
    rc = CAUSAL_EINTERNAL;
  causal_csv_reader_free(r);
  return rc;
}

static int oom_file(void *arg) {
  (void)arg;
  causal_dataset *ds = NULL;
  int rc = causal_csv_read_file(&ds, oom_path, NULL);
  causal_dataset_free(ds);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_read_buffer, NULL);
  cz_oom_sweep(oom_promote, NULL);
  oom_path = write_tmp(oom_csv, strlen(oom_csv));
  cz_oom_sweep(oom_stream, NULL);
  cz_oom_sweep(oom_file, NULL);
  unlink(oom_path);
  /* a failing allocator mid-stream: the error is sticky, nothing leaks */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_parse_i64),
      cmocka_unit_test(test_parse_bool),
      cmocka_unit_test(test_parse_f64_special),
      cmocka_unit_test(test_parse_f64_random),
      cmocka_unit_test(test_basic_types),
      cmocka_unit_test(test_rfc4180),
      cmocka_unit_test(test_single_column_blank_lines),
      cmocka_unit_test(test_no_header_and_delims),
      cmocka_unit_test(test_header_names),
      cmocka_unit_test(test_ragged_and_quote_errors),
      cmocka_unit_test(test_conversion_errors),
      cmocka_unit_test(test_promotion_and_overflow),
      cmocka_unit_test(test_inf_nan_spaces),
      cmocka_unit_test(test_schema),
      cmocka_unit_test(test_na_tokens),
      cmocka_unit_test(test_empty_inputs),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_pandas_reference),
      cmocka_unit_test(test_stream_equals_whole),
      cmocka_unit_test(test_long_record),
      cmocka_unit_test(test_stream_errors),
      cmocka_unit_test(test_fuzz),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
