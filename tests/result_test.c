/* Results: entries, replacement, accessors, warnings and JSON. */
#include "testutil.h"

#include "internal/result.h"

/* ---- a strict RFC 8259 validator ---------------------------------------
 * Recursive descent over the whole text; also checks that the text is
 * valid UTF-8 and collects every number (in document order) so the tests
 * can check round-trips. Independent of the library's writer. */
typedef struct jp {
  const unsigned char *s;
  size_t i, n;
  double *nums;
  size_t nnums, capnums;
  const char *err;
} jp;

static void jp_ws(jp *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
                         p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

static int jp_fail(jp *p, const char *msg) {
  if (p->err == NULL)
    p->err = msg;
  return 0;
}

static int jp_value(jp *p, int depth);

static int jp_lit(jp *p, const char *lit) {
  size_t k = strlen(lit);
  if (p->n - p->i < k || memcmp(p->s + p->i, lit, k) != 0)
    return jp_fail(p, "bad literal");
  p->i += k;
  return 1;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Valid UTF-8 sequence length at p->s + p->i, 0 if invalid. */
static size_t jp_utf8(const jp *p) {
  const unsigned char *s = p->s + p->i;
  size_t left = p->n - p->i;
  unsigned char c = s[0];
  size_t need;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0) {
    need = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    need = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    need = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (left < need)
    return 0;
  for (size_t k = 1; k < need; k++) {
    if ((s[k] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[k] & 0x3F);
  }
  static const uint32_t minv[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < minv[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return need;
}

static int jp_string(jp *p) {
  if (p->i >= p->n || p->s[p->i] != '"')
    return jp_fail(p, "expected string");
  p->i++;
  while (p->i < p->n) {
    unsigned char c = p->s[p->i];
    if (c == '"') {
      p->i++;
      return 1;
    }
    if (c < 0x20)
      return jp_fail(p, "raw control character in string");
    if (c == '\\') {
      p->i++;
      if (p->i >= p->n)
        return jp_fail(p, "truncated escape");
      c = p->s[p->i];
      if (c == 'u') {
        if (p->n - p->i < 5)
          return jp_fail(p, "truncated \\u escape");
        for (int k = 1; k <= 4; k++)
          if (hexval(p->s[p->i + k]) < 0)
            return jp_fail(p, "bad \\u escape");
        p->i += 5;
      } else if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
        p->i++;
      } else {
        return jp_fail(p, "bad escape");
      }
      continue;
    }
    size_t k = jp_utf8(p);
    if (k == 0)
      return jp_fail(p, "invalid UTF-8 in string");
    p->i += k;
  }
  return jp_fail(p, "unterminated string");
}

static int jp_digits(jp *p) {
  size_t start = p->i;
  while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
    p->i++;
  return p->i > start;
}

static int jp_number(jp *p) {
  size_t start = p->i;
  if (p->s[p->i] == '-')
    p->i++;
  if (p->i < p->n && p->s[p->i] == '0')
    p->i++;
  else if (!jp_digits(p))
    return jp_fail(p, "bad number");
  if (p->i < p->n && p->s[p->i] == '.') {
    p->i++;
    if (!jp_digits(p))
      return jp_fail(p, "bad fraction");
  }
  if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    p->i++;
    if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
      p->i++;
    if (!jp_digits(p))
      return jp_fail(p, "bad exponent");
  }
  char buf[64];
  size_t len = p->i - start;
  if (len >= sizeof buf)
    return jp_fail(p, "number too long");
  memcpy(buf, p->s + start, len);
  buf[len] = '\0';
  if (p->nnums == p->capnums) {
    p->capnums = p->capnums ? 2 * p->capnums : 64;
    p->nums = realloc(p->nums, p->capnums * sizeof *p->nums);
  }
  p->nums[p->nnums++] = strtod(buf, NULL);
  return 1;
}

static int jp_value(jp *p, int depth) {
  if (depth > 64)
    return jp_fail(p, "too deep");
  jp_ws(p);
  if (p->i >= p->n)
    return jp_fail(p, "unexpected end");
  unsigned char c = p->s[p->i];
  int ok;
  if (c == '{') {
    p->i++;
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
      p->i++;
      ok = 1;
    } else {
      for (;;) {
        jp_ws(p);
        if (!jp_string(p))
          return 0;
        jp_ws(p);
        if (p->i >= p->n || p->s[p->i] != ':')
          return jp_fail(p, "expected ':'");
        p->i++;
        if (!jp_value(p, depth + 1))
          return 0;
        jp_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
          p->i++;
          continue;
        }
        if (p->i < p->n && p->s[p->i] == '}') {
          p->i++;
          break;
        }
        return jp_fail(p, "expected ',' or '}'");
      }
      ok = 1;
    }
  } else if (c == '[') {
    p->i++;
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
      p->i++;
      ok = 1;
    } else {
      for (;;) {
        if (!jp_value(p, depth + 1))
          return 0;
        jp_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
          p->i++;
          continue;
        }
        if (p->i < p->n && p->s[p->i] == ']') {
          p->i++;
          break;
        }
        return jp_fail(p, "expected ',' or ']'");
      }
      ok = 1;
    }
  } else if (c == '"') {
    ok = jp_string(p);
  } else if (c == 't') {
    ok = jp_lit(p, "true");
  } else if (c == 'f') {
    ok = jp_lit(p, "false");
  } else if (c == 'n') {
    ok = jp_lit(p, "null");
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    ok = jp_number(p);
  } else {
    return jp_fail(p, "unexpected character");
  }
  return ok;
}

/* Validate a complete JSON text; returns the numbers (caller frees). */
static double *json_validate(const char *text, size_t len, size_t *nnums) {
  jp p = {(const unsigned char *)text, 0, len, NULL, 0, 0, NULL};
  int ok = jp_value(&p, 0);
  jp_ws(&p);
  if (ok && p.i != p.n)
    ok = jp_fail(&p, "trailing characters");
  if (!ok)
    fail_msg("invalid JSON (%s) at byte %zu: ...%.40s", p.err, p.i,
             text + (p.i > 20 ? p.i - 20 : 0));
  if (nnums)
    *nnums = p.nnums;
  return p.nums;
}

static void test_validator_rejects(void **state) {
  (void)state;
  /* The validator itself must be able to fail. */
  static const char *bad[] = {"{",          "[1,]",        "{\"a\" 1}",
                              "01",         "1.",          "\"a\x01\"",
                              "\"\xff\"",   "\"\xed\xa0\x80\"", "nul",
                              "[1] x",      "\"\\x\"",     "NaN",
                              "\"\xc0\xaf\"", "-",         "1e"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    jp p = {(const unsigned char *)bad[i], 0, strlen(bad[i]), NULL, 0, 0,
            NULL};
    int ok = jp_value(&p, 0);
    jp_ws(&p);
    if (ok && p.i == p.n)
      fail_msg("validator accepted '%s'", bad[i]);
    free(p.nums);
  }
  size_t n;
  double *v = json_validate("{\"a\": [1, -0.5e3, {\"b\": null}], \"c\": "
                            "\"\\u00e9\xc3\xa9\"}",
                            strlen("{\"a\": [1, -0.5e3, {\"b\": null}], \"c\": "
                                   "\"\\u00e9\xc3\xa9\"}"),
                            &n);
  assert_int_equal(n, 2);
  assert_true(v[0] == 1 && v[1] == -500);
  free(v);
}

/* ---- helpers ---- */

static causal_result *new_result(const char *kind) {
  causal_result *r = NULL;
  assert_ok(causal_result_new(&r, kind));
  assert_non_null(r);
  return r;
}

static char *to_json(const causal_result *r, size_t *len) {
  char *json = NULL;
  size_t n = 0;
  assert_ok(causal_result_to_json(r, &json, &n));
  assert_non_null(json);
  assert_int_equal(strlen(json), n);
  free(json_validate(json, n, NULL));
  if (len)
    *len = n;
  return json;
}

/* ---- building and reading ---- */

static void test_new_free(void **state) {
  (void)state;
  causal_result *r = new_result("ols");
  assert_string_equal(causal_result_kind(r), "ols");
  assert_int_equal(causal_result_count(r), 0);
  assert_null(causal_result_name(r, 0));
  assert_int_equal(causal_result_nwarnings(r), 0);
  assert_null(causal_result_warning(r, 0));
  causal_result_free(r);
  causal_result_free(NULL);
  r = (causal_result *)1;
  assert_status(causal_result_new(&r, NULL), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_result_new(&r, ""), CAUSAL_EINVAL);
  assert_status(causal_result_new(NULL, "x"), CAUSAL_EINVAL);
  assert_null(causal_result_kind(NULL));
  assert_int_equal(causal_result_count(NULL), 0);
  assert_null(causal_result_name(NULL, 0));
  assert_int_equal(causal_result_nwarnings(NULL), 0);
  assert_null(causal_result_warning(NULL, 0));
}

static void test_scalar_string_replace(void **state) {
  (void)state;
  causal_result *r = new_result("test");
  assert_ok(causal_result_set_scalar(r, "a", 1.5));
  assert_ok(causal_result_set_string(r, "b", "hello"));
  assert_ok(causal_result_set_scalar(r, "c", -0.0));
  assert_int_equal(causal_result_count(r), 3);
  double v = 0;
  const char *s = NULL;
  int type = 0;
  assert_ok(causal_result_get_scalar(r, "a", &v));
  assert_true(v == 1.5);
  assert_ok(causal_result_get_string(r, "b", &s));
  assert_string_equal(s, "hello");
  assert_ok(causal_result_type(r, "b", &type));
  assert_int_equal(type, CAUSAL_ENTRY_STRING);
  /* Replacement keeps the position, even with a new type. */
  assert_ok(causal_result_set_string(r, "a", "now text"));
  assert_ok(causal_result_set_scalar(r, "b", 7));
  assert_int_equal(causal_result_count(r), 3);
  assert_string_equal(causal_result_name(r, 0), "a");
  assert_string_equal(causal_result_name(r, 1), "b");
  assert_string_equal(causal_result_name(r, 2), "c");
  assert_null(causal_result_name(r, 3));
  assert_ok(causal_result_type(r, "a", &type));
  assert_int_equal(type, CAUSAL_ENTRY_STRING);
  assert_ok(causal_result_get_scalar(r, "b", &v));
  assert_true(v == 7);
  /* Errors. */
  assert_status(causal_result_get_scalar(r, "a", &v), CAUSAL_ETYPE);
  assert_error_mentions("'a'");
  assert_error_mentions("string");
  assert_status(causal_result_get_string(r, "b", &s), CAUSAL_ETYPE);
  assert_status(causal_result_get_scalar(r, "zzz", &v), CAUSAL_ENOTFOUND);
  assert_error_mentions("'zzz'");
  assert_status(causal_result_type(r, "zzz", &type), CAUSAL_ENOTFOUND);
  assert_status(causal_result_type(r, "a", NULL), CAUSAL_EINVAL);
  assert_status(causal_result_type(NULL, "a", &type), CAUSAL_EINVAL);
  assert_status(causal_result_type(r, NULL, &type), CAUSAL_EINVAL);
  assert_status(causal_result_get_scalar(r, "b", NULL), CAUSAL_EINVAL);
  assert_status(causal_result_get_string(r, "a", NULL), CAUSAL_EINVAL);
  assert_status(causal_result_set_scalar(NULL, "x", 1), CAUSAL_EINVAL);
  assert_status(causal_result_set_scalar(r, NULL, 1), CAUSAL_EINVAL);
  assert_status(causal_result_set_scalar(r, "", 1), CAUSAL_EINVAL);
  assert_error_mentions("empty");
  assert_status(causal_result_set_string(r, "s", NULL), CAUSAL_EINVAL);
  assert_status(causal_result_set_string(r, "", "x"), CAUSAL_EINVAL);
  assert_int_equal(causal_result_count(r), 3);
  causal_result_free(r);
}

static void test_vector(void **state) {
  (void)state;
  causal_result *r = new_result("test");
  double x[3] = {1, NAN, -INFINITY};
  const char *names[3] = {"one", "two", "three"};
  double xc[3];
  memcpy(xc, x, sizeof x);
  assert_ok(causal_result_set_vector(r, "v", x, 3, names));
  assert_ok(causal_result_set_vector(r, "u", x, 2, NULL));
  assert_ok(causal_result_set_vector(r, "empty", NULL, 0, NULL));
  x[0] = 99; /* stored values are copies */
  const double *v;
  size_t n;
  assert_ok(causal_result_get_vector(r, "v", &v, &n));
  assert_int_equal(n, 3);
  assert_true(v[0] == 1 && isnan(v[1]) && v[2] == -INFINITY);
  assert_ptr_not_equal(v, x);
  assert_string_equal(causal_result_dimname(r, "v", 0, 2), "three");
  assert_ptr_not_equal(causal_result_dimname(r, "v", 0, 2), names[2]);
  assert_null(causal_result_dimname(r, "v", 0, 3));
  assert_null(causal_result_dimname(r, "v", 1, 0));
  assert_null(causal_result_dimname(r, "v", 2, 0));
  assert_null(causal_result_dimname(r, "v", -1, 0));
  assert_null(causal_result_dimname(r, "u", 0, 0));
  assert_null(causal_result_dimname(r, "nope", 0, 0));
  assert_null(causal_result_dimname(NULL, "v", 0, 0));
  assert_null(causal_result_dimname(r, NULL, 0, 0));
  assert_ok(causal_result_get_vector(r, "empty", &v, &n));
  assert_int_equal(n, 0);
  const double *m;
  size_t nr, nc;
  assert_status(causal_result_get_matrix(r, "v", &m, &nr, &nc), CAUSAL_ETYPE);
  assert_error_mentions("vector");
  assert_status(causal_result_set_vector(r, "w", NULL, 2, NULL),
                CAUSAL_EINVAL);
  const char *badnames[3] = {"a", NULL, "c"};
  assert_status(causal_result_set_vector(r, "w", xc, 3, badnames),
                CAUSAL_EINVAL);
  assert_error_mentions("names[1]");
  assert_status(causal_result_get_vector(r, "v", NULL, &n), CAUSAL_EINVAL);
  assert_status(causal_result_get_vector(r, "v", &v, NULL), CAUSAL_EINVAL);
  assert_status(causal_result_get_vector(r, "w", &v, &n), CAUSAL_ENOTFOUND);
  assert_int_equal(causal_result_count(r), 3);
  causal_result_free(r);
  assert_true(x[1] != x[1] && x[2] == xc[2]);
}

static void test_matrix_table(void **state) {
  (void)state;
  causal_result *r = new_result("test");
  /* 2 x 3 column-major */
  double m[6] = {1, 2, 3, 4, 5, 6};
  const char *rn[2] = {"r1", "r2"};
  const char *cn[3] = {"c1", "c2", "c3"};
  assert_ok(causal_result_set_matrix(r, "M", m, 2, 3, rn, cn));
  assert_ok(causal_result_set_matrix(r, "N", m, 3, 2, NULL, NULL));
  assert_ok(causal_result_set_matrix(r, "Z", NULL, 0, 4, NULL, NULL));
  const double *v;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "M", &v, &nr, &nc));
  assert_int_equal(nr, 2);
  assert_int_equal(nc, 3);
  assert_memory_equal(v, m, sizeof m);
  assert_string_equal(causal_result_dimname(r, "M", 0, 1), "r2");
  assert_string_equal(causal_result_dimname(r, "M", 1, 2), "c3");
  assert_null(causal_result_dimname(r, "M", 1, 3));
  assert_null(causal_result_dimname(r, "N", 1, 0));
  assert_ok(causal_result_get_matrix(r, "Z", &v, &nr, &nc));
  assert_int_equal(nr, 0);
  assert_int_equal(nc, 4);

  const char *terms[2] = {"(Intercept)", "x"};
  double est[2] = {1, 2}, se[2] = {0.1, 0.2}, st[2] = {10, 10},
         p[2] = {1e-20, 0.5}, lo[2] = {0.8, 1.6}, hi[2] = {1.2, 2.4};
  assert_ok(causal_result_set_table(r, "coef", terms, 2, est, se, st, p, lo,
                                    hi));
  assert_ok(causal_result_set_table(r, "coef2", terms, 2, est, se, st, p, NULL,
                                    NULL));
  int type;
  assert_ok(causal_result_type(r, "coef", &type));
  assert_int_equal(type, CAUSAL_ENTRY_TABLE);
  assert_ok(causal_result_get_matrix(r, "coef", &v, &nr, &nc));
  assert_int_equal(nr, 2);
  assert_int_equal(nc, CAUSAL_TABLE_NCOLS);
  assert_true(v[CAUSAL_TABLE_ESTIMATE * 2 + 1] == 2);
  assert_true(v[CAUSAL_TABLE_STD_ERROR * 2 + 0] == 0.1);
  assert_true(v[CAUSAL_TABLE_P_VALUE * 2 + 0] == 1e-20);
  assert_true(v[CAUSAL_TABLE_CONF_HIGH * 2 + 1] == 2.4);
  const char *expect_cols[6] = {"estimate", "std_error", "statistic",
                                "p_value",  "conf_low",  "conf_high"};
  for (size_t j = 0; j < 6; j++)
    assert_string_equal(causal_result_dimname(r, "coef", 1, j),
                        expect_cols[j]);
  assert_string_equal(causal_result_dimname(r, "coef", 0, 0), "(Intercept)");
  assert_ok(causal_result_get_matrix(r, "coef2", &v, &nr, &nc));
  assert_true(isnan(v[CAUSAL_TABLE_CONF_LOW * 2]) &&
              isnan(v[CAUSAL_TABLE_CONF_HIGH * 2 + 1]));
  assert_true(v[CAUSAL_TABLE_STATISTIC * 2] == 10);
  assert_ok(causal_result_set_table(r, "none", NULL, 0, NULL, NULL, NULL, NULL,
                                    NULL, NULL));
  assert_ok(causal_result_get_matrix(r, "none", &v, &nr, &nc));
  assert_int_equal(nr, 0);
  assert_int_equal(nc, 6);
  const double *vv;
  size_t n;
  assert_status(causal_result_get_vector(r, "coef", &vv, &n), CAUSAL_ETYPE);
  assert_error_mentions("table");

  /* Errors. */
  assert_status(causal_result_set_matrix(r, "X", NULL, 2, 2, NULL, NULL),
                CAUSAL_EINVAL);
  const char *badrn[2] = {"a", NULL};
  assert_status(causal_result_set_matrix(r, "X", m, 2, 3, badrn, NULL),
                CAUSAL_EINVAL);
  assert_error_mentions("rownames[1]");
  const char *badcn[3] = {NULL, "b", "c"};
  assert_status(causal_result_set_matrix(r, "X", m, 2, 3, NULL, badcn),
                CAUSAL_EINVAL);
  assert_error_mentions("colnames[0]");
  assert_status(causal_result_set_matrix(r, "X", m, SIZE_MAX / 2, 3, NULL,
                                         NULL),
                CAUSAL_ENOMEM);
  assert_status(causal_result_set_table(r, "T", NULL, 2, est, se, st, p, lo,
                                        hi),
                CAUSAL_EINVAL);
  assert_status(causal_result_set_table(r, "T", terms, 2, est, se, NULL, p,
                                        lo, hi),
                CAUSAL_EINVAL);
  assert_error_mentions("statistic");
  const char *badterms[2] = {"a", NULL};
  assert_status(causal_result_set_table(r, "T", badterms, 2, est, se, st, p,
                                        lo, hi),
                CAUSAL_EINVAL);
  assert_status(causal_result_set_table(NULL, "T", terms, 2, est, se, st, p,
                                        lo, hi),
                CAUSAL_EINVAL);
  assert_status(causal_result_get_matrix(r, "M", NULL, &nr, &nc),
                CAUSAL_EINVAL);
  assert_status(causal_result_get_matrix(r, "M", &v, NULL, &nc),
                CAUSAL_EINVAL);
  assert_status(causal_result_get_matrix(r, "M", &v, &nr, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_result_get_matrix(r, "nope", &v, &nr, &nc),
                CAUSAL_ENOTFOUND);
  assert_error_mentions("'nope'");
  assert_int_equal(causal_result_count(r), 6);
  causal_result_free(r);
}

static void test_warnings(void **state) {
  (void)state;
  causal_result *r = new_result("test");
  char buf[32];
  for (int i = 0; i < 10; i++) {
    snprintf(buf, sizeof buf, "warning %d", i);
    assert_ok(causal_result_add_warning(r, buf));
  }
  assert_int_equal(causal_result_nwarnings(r), 10);
  assert_string_equal(causal_result_warning(r, 7), "warning 7");
  assert_null(causal_result_warning(r, 10));
  assert_status(causal_result_add_warning(r, NULL), CAUSAL_EINVAL);
  assert_status(causal_result_add_warning(NULL, "x"), CAUSAL_EINVAL);
  assert_int_equal(causal_result_nwarnings(r), 10);
  causal_result_free(r);
}

static void test_many_entries(void **state) {
  (void)state;
  causal_result *r = new_result("big");
  char name[32];
  const size_t n = 20000;
  for (size_t i = 0; i < n; i++) {
    snprintf(name, sizeof name, "e%zu", i);
    assert_ok(causal_result_set_scalar(r, name, (double)i));
  }
  /* Replace every other entry: count and order unchanged. */
  for (size_t i = 0; i < n; i += 2) {
    snprintf(name, sizeof name, "e%zu", i);
    assert_ok(causal_result_set_scalar(r, name, -(double)i));
  }
  assert_int_equal(causal_result_count(r), n);
  for (size_t i = 0; i < n; i += 997) {
    double v;
    snprintf(name, sizeof name, "e%zu", i);
    assert_string_equal(causal_result_name(r, i), name);
    assert_ok(causal_result_get_scalar(r, name, &v));
    assert_true(v == (i % 2 ? (double)i : -(double)i));
  }
  size_t len;
  char *json = to_json(r, &len);
  assert_non_null(strstr(json, "\"e19999\": 19999"));
  causal_free(json);
  causal_result_free(r);
}

/* ---- JSON ---- */

static void test_json_exact(void **state) {
  (void)state;
  causal_result *r = new_result("demo");
  double vec[2] = {0.5, NAN};
  const char *vn[2] = {"a", "b"};
  double m[4] = {1, 2, 3, INFINITY}; /* 2 x 2, column-major */
  const char *rn[2] = {"r1", "r2"};
  const char *terms[1] = {"x"};
  double e = 2, se = 0.25, t = 8, p = 0.001;
  assert_ok(causal_result_set_scalar(r, "n", 10));
  assert_ok(causal_result_set_string(r, "method", "OLS"));
  assert_ok(causal_result_set_vector(r, "v", vec, 2, vn));
  assert_ok(causal_result_set_vector(r, "w", vec, 1, NULL));
  assert_ok(causal_result_set_matrix(r, "M", m, 2, 2, rn, NULL));
  assert_ok(causal_result_set_table(r, "coef", terms, 1, &e, &se, &t, &p, NULL,
                                    NULL));
  assert_ok(causal_result_set_scalar(r, "neg", -INFINITY));
  assert_ok(causal_result_add_warning(r, "careful"));
  size_t len;
  char *json = to_json(r, &len);
  char expect[2048];
  snprintf(expect, sizeof expect,
           "{\"libcausal\": \"%s\", \"kind\": \"demo\", \"entries\": {"
           "\"n\": 10, \"method\": \"OLS\", "
           "\"v\": {\"type\": \"vector\", \"values\": [0.5, \"NaN\"], "
           "\"names\": [\"a\", \"b\"]}, "
           "\"w\": {\"type\": \"vector\", \"values\": [0.5], \"names\": null}, "
           "\"M\": {\"type\": \"matrix\", \"nrow\": 2, \"ncol\": 2, "
           "\"values\": [[1, 3], [2, \"Infinity\"]], \"rownames\": [\"r1\", "
           "\"r2\"], \"colnames\": null}, "
           "\"coef\": {\"type\": \"table\", \"nrow\": 1, \"ncol\": 6, "
           "\"values\": [[2, 0.25, 8, 0.001, \"NaN\", \"NaN\"]], "
           "\"rownames\": [\"x\"], \"colnames\": [\"estimate\", "
           "\"std_error\", \"statistic\", \"p_value\", \"conf_low\", "
           "\"conf_high\"]}, "
           "\"neg\": \"-Infinity\"}, \"warnings\": [\"careful\"]}",
           causal_version_string());
  assert_string_equal(json, expect);
  causal_free(json);
  causal_result_free(r);
  /* An empty result. */
  causal_result *empty = new_result("none");
  json = to_json(empty, &len);
  snprintf(expect, sizeof expect,
           "{\"libcausal\": \"%s\", \"kind\": \"none\", \"entries\": {}, "
           "\"warnings\": []}",
           causal_version_string());
  assert_string_equal(json, expect);
  causal_free(json);
  /* len is optional. */
  assert_ok(causal_result_to_json(empty, &json, NULL));
  causal_free(json);
  json = (char *)1;
  assert_status(causal_result_to_json(NULL, &json, &len), CAUSAL_EINVAL);
  assert_null(json);
  assert_status(causal_result_to_json(empty, NULL, &len), CAUSAL_EINVAL);
  causal_result_free(empty);
  /* Empty matrices. */
  causal_result *z = new_result("z");
  assert_ok(causal_result_set_matrix(z, "A", NULL, 0, 3, NULL, NULL));
  assert_ok(causal_result_set_matrix(z, "B", NULL, 2, 0, NULL, NULL));
  assert_ok(causal_result_set_vector(z, "C", NULL, 0, NULL));
  json = to_json(z, &len);
  assert_non_null(strstr(json, "\"A\": {\"type\": \"matrix\", \"nrow\": 0, "
                               "\"ncol\": 3, \"values\": [], "));
  assert_non_null(strstr(json, "\"nrow\": 2, \"ncol\": 0, \"values\": [[], "
                               "[]], "));
  assert_non_null(strstr(json, "\"C\": {\"type\": \"vector\", \"values\": [], "
                               "\"names\": null}"));
  causal_free(json);
  causal_result_free(z);
}

static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void test_json_numbers_roundtrip(void **state) {
  (void)state;
  enum { N = 4000 };
  double *x = malloc(N * sizeof *x);
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  size_t k = 0;
  const double specials[] = {0.0,     -0.0,    1.0,        0.1,     1.0 / 3,
                             1e-300,  4.9e-324, 2.2250738585072014e-308,
                             1.7976931348623157e308, -123456789.125, 1e21,
                             1e-7,    9007199254740993.0};
  for (; k < sizeof specials / sizeof specials[0]; k++)
    x[k] = specials[k];
  while (k < N) {
    uint64_t bits = xorshift(&seed);
    double d;
    memcpy(&d, &bits, sizeof d);
    if (isfinite(d))
      x[k++] = d; /* arbitrary bit patterns incl. subnormals */
  }
  causal_result *r = new_result("nums");
  assert_ok(causal_result_set_vector(r, "x", x, N, NULL));
  size_t len, nn;
  char *json = to_json(r, &len);
  double *got = json_validate(json, len, &nn);
  assert_int_equal(nn, N);
  for (size_t i = 0; i < N; i++) {
    if (memcmp(&got[i], &x[i], sizeof(double)) != 0)
      fail_msg("x[%zu] = %.17g did not round-trip (got %.17g)", i, x[i],
               got[i]);
  }
  free(got);
  causal_free(json);
  causal_result_free(r);
  free(x);
}

static void test_json_strings(void **state) {
  (void)state;
  causal_result *r = new_result("kind \"q\"");
  /* Control characters, quotes, backslashes, DEL, valid multi-byte
   * UTF-8, U+2028, and invalid bytes in names and values. */
  assert_ok(causal_result_set_string(
      r, "ctl", "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/"));
  assert_ok(causal_result_set_string(r, "utf8",
                                     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  assert_ok(causal_result_set_string(r, "ls", "x\xe2\x80\xa8y\xe2\x80\xa9z"));
  assert_ok(causal_result_set_string(r, "bad\xff", "a\xffz"));
  assert_ok(causal_result_set_string(r, "trunc", "a\xe2\x82"));
  assert_ok(causal_result_set_string(r, "trunc2", "a\xe2\x82z"));
  assert_ok(causal_result_set_string(r, "overlong", "\xc0\xaf|\xe0\x80\xaf"));
  assert_ok(causal_result_set_string(r, "surrogate", "\xed\xa0\x80"));
  assert_ok(causal_result_set_string(r, "toobig", "\xf4\x90\x80\x80"));
  assert_ok(causal_result_set_string(r, "cont", "\x80\xbf"));
  const char *vn[1] = {"n\xfe\"m"};
  double one = 1;
  assert_ok(causal_result_set_vector(r, "vec", &one, 1, vn));
  assert_ok(causal_result_add_warning(r, "w\x02\xc3"));
  size_t len;
  char *json = to_json(r, &len);
  assert_non_null(strstr(json, "\"kind\": \"kind \\\"q\\\"\""));
  assert_non_null(strstr(
      json, "\"ctl\": \"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f/\""));
  assert_non_null(strstr(
      json, "\"utf8\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""));
  assert_non_null(strstr(json, "\"ls\": \"x\\u2028y\\u2029z\""));
  /* Maximal-subpart replacement, one U+FFFD per invalid subpart. */
#define FFFD "\xef\xbf\xbd"
  assert_non_null(strstr(json, "\"bad" FFFD "\": \"a" FFFD "z\""));
  assert_non_null(strstr(json, "\"trunc\": \"a" FFFD "\""));
  assert_non_null(strstr(json, "\"trunc2\": \"a" FFFD "z\""));
  assert_non_null(strstr(json, "\"overlong\": \"" FFFD FFFD "|" FFFD FFFD FFFD
                               "\""));
  assert_non_null(strstr(json, "\"surrogate\": \"" FFFD FFFD FFFD "\""));
  assert_non_null(strstr(json, "\"toobig\": \"" FFFD FFFD FFFD FFFD "\""));
  assert_non_null(strstr(json, "\"cont\": \"" FFFD FFFD "\""));
  assert_non_null(strstr(json, "\"names\": [\"n" FFFD "\\\"m\"]"));
  assert_non_null(strstr(json, "\"warnings\": [\"w\\u0002" FFFD "\"]"));
#undef FFFD
  /* The stored strings themselves are untouched. */
  const char *s;
  assert_ok(causal_result_get_string(r, "bad\xff", &s));
  assert_string_equal(s, "a\xffz");
  causal_free(json);
  causal_result_free(r);
}

/* Internal zero-copy setters used by estimators (design.c). */
static void test_take(void **state) {
  (void)state;
  causal_result *r = new_result("take");
  double *v = cz_result_alloc_values(r, 6);
  assert_non_null(v);
  for (int i = 0; i < 6; i++)
    v[i] = i;
  const char *cn[3] = {"a", "b", "c"};
  assert_ok(cz_result_take_matrix(r, "M", v, 2, 3, NULL, cn));
  const double *m;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "M", &m, &nr, &nc));
  assert_ptr_equal(m, v); /* no copy */
  assert_true(nr == 2 && nc == 3 && m[5] == 5);
  assert_string_equal(causal_result_dimname(r, "M", 1, 2), "c");
  double *w = cz_result_alloc_values(r, 2);
  w[0] = 1;
  w[1] = 2;
  const char *wn[2] = {"p", "q"};
  assert_ok(cz_result_take_vector(r, "w", w, 2, wn));
  assert_string_equal(causal_result_dimname(r, "w", 0, 1), "q");
  /* Failures free the buffer (LSan would report a leak otherwise). */
  w = cz_result_alloc_values(r, 2);
  assert_status(cz_result_take_vector(r, "", w, 2, NULL), CAUSAL_EINVAL);
  w = cz_result_alloc_values(r, 2);
  const char *badn[2] = {"p", NULL};
  assert_status(cz_result_take_vector(r, "w2", w, 2, badn), CAUSAL_EINVAL);
  assert_status(cz_result_take_matrix(r, "M2", NULL, 1, 1, NULL, NULL),
                CAUSAL_EINVAL);
  w = cz_result_alloc_values(r, 2);
  cz_result_free_values(r, w);
  assert_int_equal(causal_result_count(r), 2);
  causal_result_free(r);
}

static int oom_take(void *arg) {
  (void)arg;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "x");
  if (rc)
    return rc;
  const char *n[2] = {"a", "b"};
  double *v = cz_result_alloc_values(r, 4);
  rc = v ? cz_result_take_matrix(r, "M", v, 2, 2, n, n) : CAUSAL_ENOMEM;
  if (rc == 0) {
    v = cz_result_alloc_values(r, 2);
    rc = v ? cz_result_take_vector(r, "M", v, 2, n) : CAUSAL_ENOMEM;
  }
  causal_result_free(r);
  return rc;
}

static void test_oom_take(void **state) {
  (void)state;
  cz_oom_sweep(oom_take, NULL);
}

/* ---- out-of-memory sweeps ---- */

static int oom_build(void *arg) {
  (void)arg;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "oom");
  if (rc)
    return rc;
  double v[4] = {1, 2, 3, 4};
  const char *names[4] = {"a", "b", "c", "d"};
  char name[16];
  if ((rc = causal_result_set_scalar(r, "s", 1)) ||
      (rc = causal_result_set_string(r, "t", "text")) ||
      (rc = causal_result_set_vector(r, "v", v, 4, names)) ||
      (rc = causal_result_set_matrix(r, "m", v, 2, 2, names, names + 2)) ||
      (rc = causal_result_set_table(r, "coef", names, 2, v, v, v, v, NULL,
                                    v)) ||
      (rc = causal_result_set_vector(r, "v", v, 2, NULL)) || /* replace */
      (rc = causal_result_add_warning(r, "w1")))
    goto done;
  for (int i = 0; i < 20 && rc == 0; i++) { /* grow array and index */
    snprintf(name, sizeof name, "x%d", i);
    rc = causal_result_set_scalar(r, name, i);
  }
  for (int i = 0; i < 6 && rc == 0; i++)
    rc = causal_result_add_warning(r, "more");
done:
  causal_result_free(r);
  return rc;
}

static void test_oom_build(void **state) {
  (void)state;
  cz_oom_sweep(oom_build, NULL);
}

static int oom_json(void *arg) {
  char *json = NULL;
  int rc = causal_result_to_json(arg, &json, NULL);
  if (rc == 0 && json == NULL)
    rc = CAUSAL_EINTERNAL;
  causal_free(json);
  return rc;
}

static void test_oom_json(void **state) {
  (void)state;
  causal_result *r = new_result("x");
  double v[3] = {1, 2, 3};
  assert_ok(causal_result_set_vector(r, "v", v, 3, NULL));
  assert_ok(causal_result_add_warning(r, "w"));
  cz_oom_sweep(oom_json, r);
  causal_result_free(r);
}

/* An entry replaced under a failed allocation leaves the old entry. */
static int oom_replace(void *arg) {
  (void)arg;
  causal_result *r = NULL;
  int rc = causal_result_new(&r, "x");
  if (rc)
    return rc;
  double v[3] = {7, 8, 9};
  const char *n[3] = {"p", "q", "r"};
  rc = causal_result_set_vector(r, "v", v, 2, NULL);
  if (rc) {
    causal_result_free(r);
    return rc;
  }
  rc = causal_result_set_vector(r, "v", v + 1, 3 - 1, n);
  const double *got;
  size_t len;
  int bad = causal_result_get_vector(r, "v", &got, &len) != 0 ||
            causal_result_count(r) != 1;
  if (!bad && rc != 0)
    bad = !(got[0] == 7 && causal_result_dimname(r, "v", 0, 0) == NULL);
  if (!bad && rc == 0)
    bad = !(got[0] == 8 && causal_result_dimname(r, "v", 0, 0) != NULL);
  causal_result_free(r);
  return bad ? CAUSAL_EINTERNAL : rc;
}

static void test_oom_replace(void **state) {
  (void)state;
  cz_oom_sweep(oom_replace, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validator_rejects),
      cmocka_unit_test(test_new_free),
      cmocka_unit_test(test_scalar_string_replace),
      cmocka_unit_test(test_vector),
      cmocka_unit_test(test_matrix_table),
      cmocka_unit_test(test_warnings),
      cmocka_unit_test(test_many_entries),
      cmocka_unit_test(test_json_exact),
      cmocka_unit_test(test_json_numbers_roundtrip),
      cmocka_unit_test(test_json_strings),
      cmocka_unit_test(test_take),
      cmocka_unit_test(test_oom_take),
      cmocka_unit_test(test_oom_build),
      cmocka_unit_test(test_oom_json),
      cmocka_unit_test(test_oom_replace),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
