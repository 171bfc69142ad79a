/* CSV reader: RFC 4180 tokenizer, type inference, whole-input and streaming
 * reads into causal_dataset columns.
 *
 * One engine serves all entry points. The input is a window of bytes
 * [base, base + len): the caller's buffer (read_buffer, eof from the start)
 * or a reusable read buffer refilled from a file descriptor. Record parsers
 * never consume a record partially: when a record runs past the end of the
 * window before end of input they return R_MORE, the driver refills
 * (keeping the unfinished record, growing the buffer only when a single
 * record does not fit) and the record is parsed again from its start.
 *
 * Fields are converted as they are tokenized, straight into the column
 * arrays; nothing is allocated per field (categorical labels go through a
 * hash table that allocates once per distinct label, quoted fields with ""
 * escapes are unescaped into one reused scratch buffer). */
#include "internal/csv.h"
#include "internal/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CZ_CSV_BUFSIZE ((size_t)1 << 20)
#define CZ_CSV_INFER_DEFAULT 10000
#define CZ_CSV_CHUNK_DEFAULT 65536
#define CZ_CSV_CHUNK_MAX INT32_MAX
/* First allocation of a whole-input read is capped (then grows by 1.5x)
 * so that a misleading row estimate never reserves huge blocks. */
#define CZ_CSV_EST_MAX ((size_t)1 << 23)

/* ======================================================================
 * Number and boolean scanners
 * ====================================================================== */

static inline int cz_is_blank(char c) { return c == ' ' || c == '\t'; }

static void cz_trim(const char **s, size_t *n) {
  const char *p = *s;
  size_t k = *n;
  while (k > 0 && cz_is_blank(*p)) {
    p++;
    k--;
  }
  while (k > 0 && cz_is_blank(p[k - 1]))
    k--;
  *s = p;
  *n = k;
}

/* Scan [+-]digits at the start of s[0..n): bytes spanned, 0 if none;
 * *overflow set when the integer does not fit in int64_t. */
static inline size_t cz_scan_i64(const char *s, size_t n, int64_t *out,
                                 int *overflow) {
  size_t i = 0;
  int neg = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    i++;
  }
  const size_t d0 = i;
  const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
  uint64_t v = 0;
  *overflow = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned)(unsigned char)s[i] - '0';
    if (d > 9)
      break;
    if (v > (limit - d) / 10)
      *overflow = 1; /* keep scanning: "123x" is still "not a number" */
    else
      v = v * 10 + d;
  }
  if (i == d0)
    return 0;
  if (neg)
    *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
  else
    *out = (int64_t)v;
  return i;
}

int cz_csv_parse_i64(const char *s, size_t n, int64_t *out) {
  cz_trim(&s, &n);
  int overflow;
  int64_t v;
  if (n == 0 || cz_scan_i64(s, n, &v, &overflow) != n)
    return 0;
  if (overflow)
    return -1;
  *out = v;
  return 1;
}

/* Case-insensitive comparison of s[0..n) with a lower-case word. */
static int cz_ieq(const char *s, size_t n, const char *word) {
  size_t k = strlen(word);
  if (n != k)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != word[i])
      return 0;
  }
  return 1;
}

/* Exact powers of ten representable in a double (10^22 < 2^53 * 2^22). */
static const double cz_p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* x87 extended precision (64-bit significand) for the 19-digit path. */
#if (defined(__x86_64__) || defined(__i386__)) && LDBL_MANT_DIG == 64 &&       \
    FLT_EVAL_METHOD == 0
#define CZ_CSV_X87 1
/* 10^k, k <= 27, are exact: 5^27 < 2^64. */
static const long double cz_p10l[] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
#else
#define CZ_CSV_X87 0
#endif

/* Slow path: rewrite the significant digits as "DDDDe<exp>" (no decimal
 * point, so strtod's locale never matters) and let strtod, which is
 * correctly rounded, convert. More than 800 significant digits are cut
 * with a sticky nonzero digit: 768 digits always decide the rounding of a
 * double, and the sticky digit keeps a dropped nonzero tail visible. */
#define CZ_MAXDIG 800
static double cz_slow_f64(const char *s, size_t i, size_t n, int neg,
                          int64_t expo) {
  char tmp[CZ_MAXDIG + 40];
  size_t k = 0;
  int64_t frac = 0, dropped = 0;
  int started = 0, in_frac = 0, sticky = 0;
  if (neg)
    tmp[k++] = '-';
  for (; i < n; i++) {
    char c = s[i];
    if (c == '.') {
      in_frac = 1;
      continue;
    }
    if (c < '0' || c > '9')
      break;
    if (in_frac)
      frac++;
    if (!started && c == '0')
      continue;
    started = 1;
    if (k - (size_t)neg < CZ_MAXDIG) {
      tmp[k++] = c;
    } else {
      dropped++;
      if (c != '0')
        sticky = 1;
    }
  }
  if (!started)
    return neg ? -0.0 : 0.0;
  if (sticky)
    tmp[k++] = '1', dropped--;
  int64_t e = expo - frac + dropped;
  int64_t mag = e + (int64_t)(k - (size_t)neg); /* value < 10^mag */
  if (mag > 400)
    return neg ? -HUGE_VAL : HUGE_VAL;
  if (mag < -400)
    return neg ? -0.0 : 0.0;
  tmp[k++] = 'e';
  if (e < 0) {
    tmp[k++] = '-';
    e = -e;
  }
  char dg[24];
  int nd = 0;
  do {
    dg[nd++] = (char)('0' + e % 10);
    e /= 10;
  } while (e > 0);
  while (nd > 0)
    tmp[k++] = dg[--nd];
  tmp[k] = '\0';
  return strtod(tmp, NULL);
}

/* Scan a decimal number (no blanks, no inf/nan) at the start of s[0..n).
 * Returns the bytes it spans, 0 if there is none; *out is correctly
 * rounded. Used on whole fields and, fused with tokenizing, on the bytes
 * that follow a field start. */
static size_t cz_scan_f64(const char *s, size_t n, double *out) {
  size_t i = 0;
  int neg = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    i++;
  }
  const size_t start = i;
  /* Accumulate the significant digits into m without per-digit checks;
   * m is only used when there are at most 19 of them (then it is exact). */
  uint64_t m = 0;
  size_t i0 = i;
  while (i < n && s[i] == '0')
    i++;
  const size_t sig0 = i;
  for (; i < n && (unsigned)(s[i] - '0') < 10; i++)
    m = m * 10 + (uint64_t)(s[i] - '0');
  size_t nsig = i - sig0;
  int ndig = i > i0;
  int64_t scale = 0; /* fraction digits */
  if (i < n && s[i] == '.') {
    const size_t f0 = ++i;
    if (nsig == 0)
      while (i < n && s[i] == '0')
        i++;
    const size_t fs = i;
    for (; i < n && (unsigned)(s[i] - '0') < 10; i++)
      m = m * 10 + (uint64_t)(s[i] - '0');
    scale = (int64_t)(i - f0);
    nsig += i - fs;
    ndig |= i > f0;
  }
  if (!ndig)
    return 0;
  int64_t expo = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      i++;
    }
    if (i == n || s[i] < '0' || s[i] > '9')
      return 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (expo < 1000000000000000LL) /* saturate; the value is 0 or inf */
        expo = expo * 10 + (s[i] - '0');
    if (eneg)
      expo = -expo;
  }
#if FLT_EVAL_METHOD == 0
  /* Clinger's fast path: m and 10^|e| are exact doubles, so one IEEE
   * multiplication or division is correctly rounded. */
  if (nsig <= 19 && m <= ((uint64_t)1 << 53)) {
    int64_t e = expo - scale;
    if (m == 0) {
      *out = neg ? -0.0 : 0.0;
      return i;
    }
    if (e >= -22 && e <= 22) {
      double d = (double)m;
      d = e < 0 ? d / cz_p10[-e] : d * cz_p10[e];
      *out = neg ? -d : d;
      return i;
    }
  }
#endif
#if CZ_CSV_X87
  /* Up to 19 digits (typical of %.17g output): m < 2^64 and 10^|e| for
   * |e| <= 27 are exact in x87 extended precision, so one extended
   * operation gives x rounded to 64 bits. Rounding that to double equals
   * rounding x directly unless the 64-bit result sits exactly on a
   * midpoint between two doubles (low 11 bits 10000000000b); those rare
   * cases take the slow path. Results lie in [1e-27, 1e46]: never
   * subnormal, never overflowing. */
  if (nsig <= 19) {
    int64_t e = expo - scale;
    if (e >= -27 && e <= 27 && m != 0) {
      long double x = (long double)m;
      x = e < 0 ? x / cz_p10l[-e] : x * cz_p10l[e];
      uint64_t sig;
      memcpy(&sig, &x, sizeof sig); /* x87: 64-bit significand first */
      if ((sig & 0x7FF) != 0x400) {
        double d = (double)x;
        *out = neg ? -d : d;
        return i;
      }
    }
  }
#endif
  *out = cz_slow_f64(s, start, i, neg, expo);
  return i;
}

int cz_csv_parse_f64(const char *s, size_t n, double *out) {
  cz_trim(&s, &n);
  if (n == 0)
    return 0;
  size_t i = s[0] == '+' || s[0] == '-';
  char c0 = i < n ? s[i] : '\0';
  if (c0 == 'i' || c0 == 'I' || c0 == 'n' || c0 == 'N') {
    if (cz_ieq(s + i, n - i, "inf") || cz_ieq(s + i, n - i, "infinity")) {
      *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
      return 1;
    }
    if (cz_ieq(s + i, n - i, "nan")) {
      *out = NAN;
      return 1;
    }
    return 0;
  }
  return cz_scan_f64(s, n, out) == n;
}

int cz_csv_parse_bool(const char *s, size_t n, uint8_t *out) {
  cz_trim(&s, &n);
  if (n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "TRUE", 4) == 0 ||
                 memcmp(s, "True", 4) == 0)) {
    *out = 1;
    return 1;
  }
  if (n == 5 && (memcmp(s, "false", 5) == 0 || memcmp(s, "FALSE", 5) == 0 ||
                 memcmp(s, "False", 5) == 0)) {
    *out = 0;
    return 1;
  }
  return 0;
}

/* ======================================================================
 * Options
 * ====================================================================== */

typedef struct cz_csv_typespec {
  char *name;
  int type;
} cz_csv_typespec;

struct causal_csv_options {
  cz_alloc alloc;
  int64_t delim, header, infer_rows, chunk_rows;
  size_t bufsize;
  int na_custom; /* add_na was called: na[] replaces the defaults */
  char **na;
  size_t nna, na_cap;
  cz_csv_typespec *types;
  size_t ntypes, types_cap;
};

static const char *const cz_default_na[] = {"", "NA"};

int causal_csv_options_new(causal_csv_options **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_alloc a = cz_alloc_current();
  causal_csv_options *o = cz_calloc(&a, 1, sizeof *o);
  if (o == NULL)
    return CAUSAL_ENOMEM;
  o->alloc = a;
  o->delim = ',';
  o->header = 1;
  o->infer_rows = CZ_CSV_INFER_DEFAULT;
  o->chunk_rows = CZ_CSV_CHUNK_DEFAULT;
  o->bufsize = CZ_CSV_BUFSIZE;
  *out = o;
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_csv_options_free(causal_csv_options *o) {
  if (o == NULL)
    return;
  for (size_t i = 0; i < o->nna; i++)
    cz_free(&o->alloc, o->na[i]);
  cz_free(&o->alloc, o->na);
  for (size_t i = 0; i < o->ntypes; i++)
    cz_free(&o->alloc, o->types[i].name);
  cz_free(&o->alloc, o->types);
  cz_free(&o->alloc, o);
}

int causal_csv_options_bounds(int key, int64_t *min, int64_t *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  switch (key) {
  case CAUSAL_CSV_DELIMITER:
    *min = 1;
    *max = 255;
    break;
  case CAUSAL_CSV_HEADER:
    *min = 0;
    *max = 1;
    break;
  case CAUSAL_CSV_INFER_ROWS:
    *min = 0;
    *max = INT64_MAX;
    break;
  case CAUSAL_CSV_CHUNK_ROWS:
    *min = 1;
    *max = CZ_CSV_CHUNK_MAX;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL, "causal_csv_options: unknown option key %d",
                   key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_csv_options_set_int(causal_csv_options *o, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(o);
  int64_t lo, hi;
  CZ_CHECK(causal_csv_options_bounds(key, &lo, &hi));
  static const char *const names[] = {
      "", "CAUSAL_CSV_DELIMITER", "CAUSAL_CSV_HEADER", "CAUSAL_CSV_INFER_ROWS",
      "CAUSAL_CSV_CHUNK_ROWS"};
  if (value < lo || value > hi)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_csv_options_set_int: %s = %lld is outside "
                   "[%lld, %lld]",
                   names[key], (long long)value, (long long)lo, (long long)hi);
  switch (key) {
  case CAUSAL_CSV_DELIMITER:
    if (value == '"' || value == '\r' || value == '\n')
      return cz_fail(CAUSAL_ERANGE,
                     "causal_csv_options_set_int: CAUSAL_CSV_DELIMITER may "
                     "not be a double quote, CR or LF (got %lld)",
                     (long long)value);
    o->delim = value;
    break;
  case CAUSAL_CSV_HEADER:
    o->header = value;
    break;
  case CAUSAL_CSV_INFER_ROWS:
    o->infer_rows = value;
    break;
  default:
    o->chunk_rows = value;
    break;
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_csv_options_get_int(const causal_csv_options *o, int key,
                               int64_t *value) {
  CZ_REQUIRE_NONNULL(o);
  CZ_REQUIRE_NONNULL(value);
  switch (key) {
  case CAUSAL_CSV_DELIMITER:
    *value = o->delim;
    break;
  case CAUSAL_CSV_HEADER:
    *value = o->header;
    break;
  case CAUSAL_CSV_INFER_ROWS:
    *value = o->infer_rows;
    break;
  case CAUSAL_CSV_CHUNK_ROWS:
    *value = o->chunk_rows;
    break;
  default:
    return cz_fail(CAUSAL_EINVAL,
                   "causal_csv_options_get_int: unknown option key %d", key);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_csv_options_add_na(causal_csv_options *o, const char *token) {
  CZ_REQUIRE_NONNULL(o);
  CZ_REQUIRE_NONNULL(token);
  if (o->nna == o->na_cap) {
    size_t cap = o->na_cap ? 2 * o->na_cap : 4;
    char **na =
        cz_realloc(&o->alloc, o->na, o->na_cap * sizeof *na, cap * sizeof *na);
    if (na == NULL)
      return CAUSAL_ENOMEM;
    o->na = na;
    o->na_cap = cap;
  }
  char *t = cz_strdup(&o->alloc, token);
  if (t == NULL)
    return CAUSAL_ENOMEM;
  o->na[o->nna++] = t;
  o->na_custom = 1;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_csv_options_set_type(causal_csv_options *o, const char *column,
                                int type) {
  CZ_REQUIRE_NONNULL(o);
  CZ_REQUIRE_NONNULL(column);
  if (column[0] == '\0')
    return cz_fail(CAUSAL_EINVAL,
                   "causal_csv_options_set_type: column name is empty");
  if (type < CAUSAL_TYPE_F64 || type > CAUSAL_TYPE_CAT)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_csv_options_set_type: type %d for column '%s' is "
                   "not one of CAUSAL_TYPE_F64/I64/BOOL/CAT (1..4)",
                   type, column);
  for (size_t i = 0; i < o->ntypes; i++)
    if (strcmp(o->types[i].name, column) == 0) {
      o->types[i].type = type; /* last setting wins */
      cz_clear_error();
      return CAUSAL_OK;
    }
  if (o->ntypes == o->types_cap) {
    size_t cap = o->types_cap ? 2 * o->types_cap : 4;
    cz_csv_typespec *t = cz_realloc(&o->alloc, o->types,
                                    o->types_cap * sizeof *t, cap * sizeof *t);
    if (t == NULL)
      return CAUSAL_ENOMEM;
    o->types = t;
    o->types_cap = cap;
  }
  char *name = cz_strdup(&o->alloc, column);
  if (name == NULL)
    return CAUSAL_ENOMEM;
  o->types[o->ntypes].name = name;
  o->types[o->ntypes].type = type;
  o->ntypes++;
  cz_clear_error();
  return CAUSAL_OK;
}

int cz_csv_options_set_bufsize(causal_csv_options *o, size_t bytes) {
  CZ_REQUIRE_NONNULL(o);
  if (bytes == 0)
    return cz_fail(CAUSAL_ERANGE, "read buffer size must be >= 1");
  o->bufsize = bytes;
  return CAUSAL_OK;
}

/* ======================================================================
 * Label tables: open addressing over (bytes, length) keys. Codes are
 * assigned in order of first appearance; strings are owned by the table
 * until handed to a dataset.
 * ====================================================================== */

typedef struct cz_csv_labels {
  char **str;
  size_t *len;
  uint64_t *hash;
  size_t n, cap;
  int32_t *slot; /* -1 = empty, else code */
  size_t nslot;  /* power of two, or 0 */
} cz_csv_labels;

static uint64_t cz_hash(const char *p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9u;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * 0x94D049BB133111EBu;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9u;
  h ^= h >> 32;
  return h;
}

static void cz_labels_free(const cz_alloc *a, cz_csv_labels *t) {
  if (t->str != NULL)
    for (size_t i = 0; i < t->n; i++)
      cz_free(a, t->str[i]);
  cz_free(a, t->str);
  cz_free(a, t->len);
  cz_free(a, t->hash);
  cz_free(a, t->slot);
  memset(t, 0, sizeof *t);
}

/* Code of a label, or -1. */
static int32_t cz_labels_find(const cz_csv_labels *t, const char *p, size_t n,
                              uint64_t h) {
  if (t->nslot == 0)
    return -1;
  size_t mask = t->nslot - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    int32_t c = t->slot[i];
    if (c < 0)
      return -1;
    if (t->hash[c] == h && t->len[c] == n && memcmp(t->str[c], p, n) == 0)
      return c;
  }
}

static void cz_labels_place(cz_csv_labels *t, int32_t code) {
  size_t mask = t->nslot - 1;
  size_t i = (size_t)t->hash[code] & mask;
  while (t->slot[i] >= 0)
    i = (i + 1) & mask;
  t->slot[i] = code;
}

/* Code of p[0..n), inserting it if new. Every allocation happens before
 * the table changes, so a failure leaves it consistent. */
static int cz_labels_intern(const cz_alloc *a, cz_csv_labels *t, const char *p,
                            size_t n, int32_t *code) {
  uint64_t h = cz_hash(p, n);
  int32_t c = cz_labels_find(t, p, n, h);
  if (c >= 0) {
    *code = c;
    return CAUSAL_OK;
  }
  if (t->n >= (size_t)INT32_MAX)
    return cz_fail(CAUSAL_ERANGE, "more than %d distinct labels", INT32_MAX);
  if ((t->n + 1) * 2 > t->nslot) {
    size_t ns = t->nslot ? 2 * t->nslot : 16;
    int32_t *slot = cz_malloc(a, ns * sizeof *slot);
    if (slot == NULL)
      return CAUSAL_ENOMEM;
    cz_free(a, t->slot);
    t->slot = slot;
    t->nslot = ns;
    memset(slot, 0xff, ns * sizeof *slot);
    for (size_t i = 0; i < t->n; i++)
      cz_labels_place(t, (int32_t)i);
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 8;
    char **str = cz_realloc(a, t->str, t->cap * sizeof *str, cap * sizeof *str);
    if (str == NULL)
      return CAUSAL_ENOMEM;
    t->str = str;
    size_t *len =
        cz_realloc(a, t->len, t->cap * sizeof *len, cap * sizeof *len);
    if (len == NULL)
      return CAUSAL_ENOMEM;
    t->len = len;
    uint64_t *hs =
        cz_realloc(a, t->hash, t->cap * sizeof *hs, cap * sizeof *hs);
    if (hs == NULL)
      return CAUSAL_ENOMEM;
    t->hash = hs;
    t->cap = cap;
  }
  size_t sz;
  if (!cz_add_size(n, 1, &sz))
    return cz_fail(CAUSAL_ENOMEM, "label too long");
  char *s = cz_malloc(a, sz);
  if (s == NULL)
    return CAUSAL_ENOMEM;
  memcpy(s, p, n);
  s[n] = '\0';
  c = (int32_t)t->n;
  t->str[c] = s;
  t->len[c] = n;
  t->hash[c] = h;
  t->n++;
  cz_labels_place(t, c);
  *code = c;
  return CAUSAL_OK;
}

/* ======================================================================
 * Parser state
 * ====================================================================== */

enum {
  R_MORE = 1,
  R_END = 2,
  R_FULL = 3,
  R_FALLBACK = 4
}; /* > 0: not errors */
enum { M_INFER, M_STORE };

typedef struct cz_field {
  const char *p;
  size_t n;
  int quoted;
} cz_field;

typedef struct cz_csv_col {
  int type;
  int fixed;      /* type given by causal_csv_options_set_type */
  int promotable; /* inferred I64 of a whole-input read: may become F64 */
  int seen, can_i64, can_f64, can_bool; /* inference */
  void *data;
  uint8_t *valid;
  cz_csv_labels lab;
} cz_csv_col;

typedef struct cz_csv_parser {
  cz_alloc alloc; /* parser memory and label strings */
  cz_alloc out;   /* column buffers of the dataset being built */
  unsigned char delim;
  unsigned char stop[256]; /* bytes that end an unquoted field */
  int fused;               /* numeric fast path allowed (delimiter is not
                              a character of a number) */
  int header, whole;
  size_t infer_limit, chunk_rows;
  /* NA tokens, one block */
  char *na_blob;
  const char **na;
  size_t *na_len;
  size_t nna, na_maxlen;
  int na_empty;
  /* input window */
  int fd;
  char *path;
  char *buf; /* owned read buffer (file input) */
  size_t cap;
  const char *base;
  size_t len;
  int eof;
  size_t pos;        /* start of the next record */
  size_t data_start; /* first data record (kept while inferring) */
  int64_t data_line;
  int inferring;
  int64_t line; /* line number at pos */
  uint64_t file_size;
  char *scratch;
  size_t scratch_cap;
  /* columns */
  size_t ncols;
  char **names;
  cz_csv_col *cols;
  size_t nrows, rows_cap;
  size_t pending_blank; /* blank lines not yet known to be trailing */
  int64_t pending_line;
  size_t n_infer;
  size_t infer_bytes;
  int infer_end; /* inference reached the end of input */
} cz_csv_parser;

static size_t cz_type_size(int type) {
  switch (type) {
  case CAUSAL_TYPE_BOOL:
    return 1;
  case CAUSAL_TYPE_CAT:
    return 4;
  default:
    return 8;
  }
}

static const char *cz_type_name(int type) {
  switch (type) {
  case CAUSAL_TYPE_F64:
    return "f64";
  case CAUSAL_TYPE_I64:
    return "i64";
  case CAUSAL_TYPE_BOOL:
    return "bool";
  default:
    return "cat";
  }
}

static int cz_parser_init(cz_csv_parser *ps, const causal_csv_options *o,
                          int whole) {
  memset(ps, 0, sizeof *ps);
  ps->alloc = cz_alloc_current();
  ps->out = ps->alloc;
  ps->fd = -1;
  ps->line = 1;
  ps->whole = whole;
  ps->delim = o ? (unsigned char)o->delim : ',';
  ps->header = o ? (int)o->header : 1;
  int64_t infer = o ? o->infer_rows : CZ_CSV_INFER_DEFAULT;
  ps->infer_limit =
      (infer == 0 || (uint64_t)infer > SIZE_MAX) ? SIZE_MAX : (size_t)infer;
  ps->chunk_rows =
      whole ? SIZE_MAX : (size_t)(o ? o->chunk_rows : CZ_CSV_CHUNK_DEFAULT);
  ps->stop[ps->delim] = 1;
  ps->fused = strchr("0123456789+-.eE", ps->delim) == NULL;
  ps->stop['\r'] = 1;
  ps->stop['\n'] = 1;
  /* Copy the NA tokens into one block so the parser never depends on the
   * options object after creation. */
  const char *const *tok = cz_default_na;
  size_t ntok = 2;
  if (o != NULL && o->na_custom) {
    tok = (const char *const *)o->na;
    ntok = o->nna;
  }
  size_t bytes = 0;
  for (size_t i = 0; i < ntok; i++)
    bytes += strlen(tok[i]) + 1;
  ps->na_blob = cz_malloc(&ps->alloc, bytes);
  ps->na = cz_malloc(&ps->alloc, (ntok + 1) * sizeof *ps->na);
  ps->na_len = cz_malloc(&ps->alloc, (ntok + 1) * sizeof *ps->na_len);
  if (ps->na_blob == NULL || ps->na == NULL || ps->na_len == NULL)
    return CAUSAL_ENOMEM;
  char *w = ps->na_blob;
  for (size_t i = 0; i < ntok; i++) {
    size_t k = strlen(tok[i]);
    if (k == 0) {
      ps->na_empty = 1;
      continue;
    }
    memcpy(w, tok[i], k + 1);
    ps->na[ps->nna] = w;
    ps->na_len[ps->nna++] = k;
    if (k > ps->na_maxlen)
      ps->na_maxlen = k;
    w += k + 1;
  }
  return CAUSAL_OK;
}

static void cz_free_columns(cz_csv_parser *ps) {
  if (ps->cols == NULL)
    return;
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_free(&ps->out, ps->cols[j].data);
    cz_free(&ps->out, ps->cols[j].valid);
    ps->cols[j].data = NULL;
    ps->cols[j].valid = NULL;
  }
}

static void cz_parser_free(cz_csv_parser *ps) {
  cz_free_columns(ps);
  if (ps->cols != NULL)
    for (size_t j = 0; j < ps->ncols; j++)
      cz_labels_free(&ps->alloc, &ps->cols[j].lab);
  cz_free(&ps->alloc, ps->cols);
  if (ps->names != NULL)
    for (size_t j = 0; j < ps->ncols; j++)
      cz_free(&ps->alloc, ps->names[j]);
  cz_free(&ps->alloc, ps->names);
  cz_free(&ps->alloc, ps->na_blob);
  cz_free(&ps->alloc, ps->na);
  cz_free(&ps->alloc, ps->na_len);
  cz_free(&ps->alloc, ps->scratch);
  cz_free(&ps->alloc, ps->buf);
  cz_free(&ps->alloc, ps->path);
  if (ps->fd >= 0)
    close(ps->fd);
  ps->fd = -1;
}

static int cz_strerror(int err, char *buf, size_t n) {
  if (strerror_r(err, buf, n) != 0)
    snprintf(buf, n, "error %d", err);
  return 0;
}

static int cz_parser_open(cz_csv_parser *ps, const char *path, size_t bufsize) {
  ps->path = cz_strdup(&ps->alloc, path);
  if (ps->path == NULL)
    return CAUSAL_ENOMEM;
  int fd;
  do
    fd = open(path, O_RDONLY);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    char msg[128];
    cz_strerror(err, msg, sizeof msg);
    return cz_fail(CAUSAL_EIO, "cannot open '%s': %s", path, msg);
  }
  ps->fd = fd;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    ps->file_size = (uint64_t)st.st_size;
  ps->cap = bufsize;
  ps->buf = cz_malloc(&ps->alloc, bufsize);
  if (ps->buf == NULL)
    return CAUSAL_ENOMEM;
  ps->base = ps->buf;
  return CAUSAL_OK;
}

/* Read more input, keeping everything from the current record (or the
 * first data record while inferring types) on. */
static int cz_refill(cz_csv_parser *ps) {
  if (ps->eof || ps->fd < 0)
    return cz_fail(CAUSAL_EINTERNAL, "csv: refill past end of input");
  size_t keep = ps->inferring ? ps->data_start : ps->pos;
  if (keep > 0) {
    memmove(ps->buf, ps->buf + keep, ps->len - keep);
    ps->len -= keep;
    ps->pos -= keep;
    ps->data_start -= keep;
  }
  if (ps->len == ps->cap) {
    size_t cap;
    if (!cz_mul_size(ps->cap, 2, &cap))
      return cz_fail(CAUSAL_ENOMEM, "csv: record too long");
    char *b = cz_realloc(&ps->alloc, ps->buf, ps->cap, cap);
    if (b == NULL)
      return CAUSAL_ENOMEM;
    ps->buf = b;
    ps->cap = cap;
  }
  ps->base = ps->buf;
  ssize_t n;
  do
    n = read(ps->fd, ps->buf + ps->len, ps->cap - ps->len);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    char msg[128];
    cz_strerror(err, msg, sizeof msg);
    return cz_fail(CAUSAL_EIO, "reading '%s': %s", ps->path, msg);
  }
  if (n == 0)
    ps->eof = 1;
  ps->len += (size_t)n;
  return CAUSAL_OK;
}

/* ---- error messages ---- */

static int cz_fail_at(const cz_csv_parser *ps, int64_t line, size_t j,
                      const char *fmt, ...) CZ_PRINTF(4, 5);
static int cz_fail_at(const cz_csv_parser *ps, int64_t line, size_t j,
                      const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (ps->names != NULL && j < ps->ncols)
    return cz_fail(CAUSAL_EPARSE, "line %lld, column %zu ('%s'): %s",
                   (long long)line, j + 1, ps->names[j], what);
  return cz_fail(CAUSAL_EPARSE, "line %lld, column %zu: %s", (long long)line,
                 j + 1, what);
}

static int cz_ragged(const cz_csv_parser *ps, int64_t line, size_t found) {
  return cz_fail(CAUSAL_EPARSE, "line %lld: expected %zu fields, found %zu",
                 (long long)line, ps->ncols, found);
}

/* ======================================================================
 * Tokenizer
 * ====================================================================== */

enum { TK_DELIM, TK_EOR };

/* After a field's last byte at offset i: consume its terminator. */
static inline int cz_end_field(cz_csv_parser *ps, size_t i, size_t *off,
                               int64_t *line, int *term) {
  const char *s = ps->base;
  if (i == ps->len) {
    if (!ps->eof)
      return R_MORE;
    *term = TK_EOR; /* final record without a newline */
    *off = i;
    return CAUSAL_OK;
  }
  char c = s[i];
  if ((unsigned char)c == ps->delim) {
    *term = TK_DELIM;
    *off = i + 1;
    return CAUSAL_OK;
  }
  if (c == '\r') {
    if (i + 1 == ps->len && !ps->eof)
      return R_MORE; /* is it CRLF? */
    i++;
    if (i < ps->len && s[i] == '\n')
      i++;
  } else {
    i++; /* '\n' */
  }
  (*line)++;
  *term = TK_EOR;
  *off = i;
  return CAUSAL_OK;
}

static int cz_quoted_field(cz_csv_parser *ps, size_t *off, int64_t *line,
                           cz_field *f, int *term, size_t j) {
  const char *s = ps->base;
  const size_t len = ps->len;
  const int64_t start_line = *line;
  size_t i = *off + 1, st = i;
  int escaped = 0;
  for (;;) {
    while (i < len && s[i] != '"') {
      if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
        (*line)++;
      i++;
    }
    if (i == len) {
      if (!ps->eof)
        return R_MORE;
      return cz_fail_at(ps, start_line, j,
                        "quoted field opened on this line is never closed");
    }
    if (i + 1 == len && !ps->eof)
      return R_MORE; /* a closing quote or the first half of "" ? */
    if (i + 1 < len && s[i + 1] == '"') {
      escaped = 1;
      i += 2;
      continue;
    }
    break;
  }
  size_t end = i++;
  while (i < len && cz_is_blank(s[i]) && (unsigned char)s[i] != ps->delim)
    i++;
  if (i < len && !ps->stop[(unsigned char)s[i]]) {
    char c = s[i];
    if (c >= 0x20 && c < 0x7f)
      return cz_fail_at(ps, *line, j,
                        "unexpected character '%c' after closing quote", c);
    return cz_fail_at(ps, *line, j,
                      "unexpected byte 0x%02x after closing quote",
                      (unsigned)(unsigned char)c);
  }
  int rc = cz_end_field(ps, i, off, line, term);
  if (rc != CAUSAL_OK)
    return rc;
  f->quoted = 1;
  if (!escaped) {
    f->p = s + st;
    f->n = end - st;
    return CAUSAL_OK;
  }
  /* Unescape "" into the scratch buffer (valid until the next field). */
  if (end - st > ps->scratch_cap) {
    char *b = cz_realloc(&ps->alloc, ps->scratch, 0, end - st);
    if (b == NULL)
      return CAUSAL_ENOMEM;
    ps->scratch = b;
    ps->scratch_cap = end - st;
  }
  size_t k = 0;
  for (size_t q = st; q < end; q++) {
    ps->scratch[k++] = s[q];
    if (s[q] == '"')
      q++;
  }
  f->p = ps->scratch;
  f->n = k;
  return CAUSAL_OK;
}

/* Tokenize the field starting at *off. On success *off is past its
 * terminator, *term says whether the record goes on. */
static inline int cz_next_field(cz_csv_parser *ps, size_t *off, int64_t *line,
                                cz_field *f, int *term, size_t j) {
  const char *s = ps->base;
  size_t i = *off;
  if (i < ps->len && s[i] == '"')
    return cz_quoted_field(ps, off, line, f, term, j);
  const size_t st = i, len = ps->len;
  const unsigned char *stop = ps->stop;
  while (i < len && !stop[(unsigned char)s[i]])
    i++;
  f->p = s + st;
  f->n = i - st;
  f->quoted = 0;
  return cz_end_field(ps, i, off, line, term);
}

/* Skip blank lines at pos. count: remember them as pending (data part);
 * otherwise drop them (before the first record). */
static int cz_skip_blank(cz_csv_parser *ps, int count) {
  for (;;) {
    size_t i = ps->pos;
    if (i == ps->len)
      return ps->eof ? R_END : R_MORE;
    char c = ps->base[i];
    if (c == '\n') {
      i++;
    } else if (c == '\r') {
      if (i + 1 == ps->len && !ps->eof)
        return R_MORE;
      i++;
      if (i < ps->len && ps->base[i] == '\n')
        i++;
    } else {
      return CAUSAL_OK;
    }
    if (count) {
      if (ps->pending_blank == 0)
        ps->pending_line = ps->line;
      ps->pending_blank++;
    }
    ps->line++;
    ps->pos = i;
  }
}

static int cz_skip_bom(cz_csv_parser *ps) {
  if (ps->len - ps->pos < 3 && !ps->eof)
    return R_MORE;
  if (ps->len - ps->pos >= 3 &&
      memcmp(ps->base + ps->pos, "\xEF\xBB\xBF", 3) == 0)
    ps->pos += 3;
  return CAUSAL_OK;
}

/* Run a restartable step, refilling the window while it asks for more. */
static int cz_run(cz_csv_parser *ps, int (*step)(cz_csv_parser *)) {
  for (;;) {
    int rc = step(ps);
    if (rc != R_MORE)
      return rc;
    rc = cz_refill(ps);
    if (rc != CAUSAL_OK)
      return rc;
  }
}

/* ======================================================================
 * Header
 * ====================================================================== */

static void cz_free_names(cz_csv_parser *ps, char **names, size_t n) {
  for (size_t j = 0; j < n; j++)
    cz_free(&ps->alloc, names[j]);
  cz_free(&ps->alloc, names);
}

/* Tokenize the first record: collect the names (header) or only count the
 * fields (no header; the record stays unconsumed). */
static int cz_first_record(cz_csv_parser *ps) {
  int rc = cz_skip_blank(ps, 0);
  if (rc == R_END)
    return cz_fail(CAUSAL_EPARSE, "empty input: no header or data");
  if (rc != CAUSAL_OK)
    return rc;
  size_t off = ps->pos, n = 0, cap = 0;
  int64_t line = ps->line;
  char **names = NULL;
  cz_field f;
  int term;
  for (;;) {
    rc = cz_next_field(ps, &off, &line, &f, &term, n);
    if (rc != CAUSAL_OK)
      goto fail;
    if (ps->header) {
      if (memchr(f.p, '\0', f.n) != NULL) {
        rc = cz_fail(CAUSAL_EPARSE,
                     "line %lld, column %zu: header name contains a NUL byte",
                     (long long)ps->line, n + 1);
        goto fail;
      }
      if (n == cap) {
        size_t nc = cap ? 2 * cap : 16;
        char **nn =
            cz_realloc(&ps->alloc, names, cap * sizeof *nn, nc * sizeof *nn);
        if (nn == NULL) {
          rc = CAUSAL_ENOMEM;
          goto fail;
        }
        names = nn;
        cap = nc;
      }
      char *name = cz_malloc(&ps->alloc, f.n + 1);
      if (name == NULL) {
        rc = CAUSAL_ENOMEM;
        goto fail;
      }
      memcpy(name, f.p, f.n);
      name[f.n] = '\0';
      names[n] = name;
    }
    n++;
    if (term == TK_EOR)
      break;
  }
  if (ps->header) {
    ps->pos = off;
    ps->line = line;
  } else {
    names = cz_calloc(&ps->alloc, n, sizeof *names);
    if (names == NULL)
      return CAUSAL_ENOMEM;
    cap = n;
    for (size_t j = 0; j < n; j++) {
      names[j] = cz_malloc(&ps->alloc, 24);
      if (names[j] == NULL) {
        rc = CAUSAL_ENOMEM;
        goto fail;
      }
      snprintf(names[j], 24, "V%zu", j + 1);
    }
  }
  ps->names = names;
  ps->ncols = n;
  return CAUSAL_OK;
fail:
  cz_free_names(ps, names, ps->header ? n : cap);
  return rc;
}

/* Make header names non-empty and unique (see docs/csv.md): an empty name
 * becomes "V<column>"; a repeat of an earlier name gets the first suffix
 * ".1", ".2", ... that is neither a name in the header nor already used. */
static int cz_fix_names(cz_csv_parser *ps) {
  cz_csv_labels orig = {0}, used = {0};
  int rc = CAUSAL_OK;
  char *cand = NULL;
  for (size_t j = 0; j < ps->ncols; j++) {
    if (ps->names[j][0] == '\0') {
      char *v = cz_malloc(&ps->alloc, 24);
      if (v == NULL) {
        rc = CAUSAL_ENOMEM;
        goto done;
      }
      snprintf(v, 24, "V%zu", j + 1);
      cz_free(&ps->alloc, ps->names[j]);
      ps->names[j] = v;
    }
    int32_t code;
    rc = cz_labels_intern(&ps->alloc, &orig, ps->names[j], strlen(ps->names[j]),
                          &code);
    if (rc != CAUSAL_OK)
      goto done;
  }
  for (size_t j = 0; j < ps->ncols; j++) {
    const char *nm = ps->names[j];
    size_t k = strlen(nm);
    int32_t code;
    if (cz_labels_find(&used, nm, k, cz_hash(nm, k)) >= 0) {
      size_t csz = k + 24;
      cand = cz_malloc(&ps->alloc, csz);
      if (cand == NULL) {
        rc = CAUSAL_ENOMEM;
        goto done;
      }
      for (size_t s = 1;; s++) {
        int cl = snprintf(cand, csz, "%s.%zu", nm, s);
        size_t cn = (size_t)cl;
        if (cz_labels_find(&orig, cand, cn, cz_hash(cand, cn)) < 0 &&
            cz_labels_find(&used, cand, cn, cz_hash(cand, cn)) < 0)
          break;
      }
      cz_free(&ps->alloc, ps->names[j]);
      ps->names[j] = cand;
      cand = NULL;
      nm = ps->names[j];
      k = strlen(nm);
    }
    rc = cz_labels_intern(&ps->alloc, &used, nm, k, &code);
    if (rc != CAUSAL_OK)
      goto done;
  }
done:
  cz_free(&ps->alloc, cand);
  cz_labels_free(&ps->alloc, &orig);
  cz_labels_free(&ps->alloc, &used);
  return rc;
}

static int cz_setup_columns(cz_csv_parser *ps, const causal_csv_options *o) {
  CZ_CHECK(cz_fix_names(ps));
  ps->cols = cz_calloc(&ps->alloc, ps->ncols, sizeof *ps->cols);
  if (ps->cols == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_csv_col *c = &ps->cols[j];
    c->can_i64 = c->can_f64 = c->can_bool = 1;
  }
  if (o == NULL)
    return CAUSAL_OK;
  for (size_t t = 0; t < o->ntypes; t++) {
    size_t j = 0;
    while (j < ps->ncols && strcmp(ps->names[j], o->types[t].name) != 0)
      j++;
    if (j == ps->ncols)
      return cz_fail(CAUSAL_ENOTFOUND,
                     "column '%s' given to causal_csv_options_set_type is "
                     "not in the header (%zu columns)",
                     o->types[t].name, ps->ncols);
    ps->cols[j].type = o->types[t].type;
    ps->cols[j].fixed = 1;
  }
  return CAUSAL_OK;
}

/* ======================================================================
 * Records
 * ====================================================================== */

static inline int cz_is_na(const cz_csv_parser *ps, const cz_field *f) {
  if (f->n == 0)
    return ps->na_empty;
  if (f->quoted || f->n > ps->na_maxlen)
    return 0;
  for (size_t k = 0; k < ps->nna; k++)
    if (ps->na_len[k] == f->n && ps->na[k][0] == f->p[0] &&
        memcmp(ps->na[k], f->p, f->n) == 0)
      return 1;
  return 0;
}

static int cz_infer_field(cz_csv_parser *ps, size_t j, const cz_field *f) {
  cz_csv_col *c = &ps->cols[j];
  if (c->fixed || cz_is_na(ps, f))
    return CAUSAL_OK;
  c->seen = 1;
  if (!(c->can_i64 | c->can_f64 | c->can_bool))
    return CAUSAL_OK;
  if (c->can_i64) {
    int64_t v;
    if (cz_csv_parse_i64(f->p, f->n, &v) != 1)
      c->can_i64 = 0;
  }
  if (c->can_f64 && !c->can_i64) {
    double d;
    if (!cz_csv_parse_f64(f->p, f->n, &d))
      c->can_f64 = 0;
  }
  if (c->can_bool) {
    uint8_t b;
    if (!cz_csv_parse_bool(f->p, f->n, &b))
      c->can_bool = 0;
  }
  return CAUSAL_OK;
}

static int cz_set_missing(cz_csv_parser *ps, cz_csv_col *c, size_t row) {
  switch (c->type) {
  case CAUSAL_TYPE_F64:
    ((double *)c->data)[row] = NAN;
    return CAUSAL_OK;
  case CAUSAL_TYPE_CAT:
    ((int32_t *)c->data)[row] = -1;
    return CAUSAL_OK;
  case CAUSAL_TYPE_I64:
    ((int64_t *)c->data)[row] = 0;
    break;
  default:
    ((uint8_t *)c->data)[row] = 0;
    break;
  }
  if (c->valid == NULL) {
    c->valid = cz_malloc(&ps->out, ps->rows_cap);
    if (c->valid == NULL)
      return CAUSAL_ENOMEM;
    memset(c->valid, 1, row);
  }
  c->valid[row] = 0;
  return CAUSAL_OK;
}

/* Turn an I64 column into F64 in place (both 8 bytes); masked rows -> NaN. */
static void cz_promote(cz_csv_parser *ps, cz_csv_col *c, size_t nrows) {
  unsigned char *d = c->data;
  for (size_t r = 0; r < nrows; r++) {
    int64_t v;
    memcpy(&v, d + 8 * r, 8);
    double x = (c->valid != NULL && c->valid[r] == 0) ? NAN : (double)v;
    memcpy(d + 8 * r, &x, 8);
  }
  cz_free(&ps->out, c->valid);
  c->valid = NULL;
  c->type = CAUSAL_TYPE_F64;
  c->promotable = 0;
}

static int cz_bad_value(const cz_csv_parser *ps, size_t j, const cz_field *f,
                        const char *why) {
  int show = f->n > 60 ? 60 : (int)f->n;
  return cz_fail_at(ps, ps->line, j, "cannot parse '%.*s%s' as %s%s", show,
                    f->p, f->n > 60 ? "..." : "",
                    cz_type_name(ps->cols[j].type), why);
}

static int cz_store_field(cz_csv_parser *ps, size_t j, const cz_field *f,
                          size_t row) {
  cz_csv_col *c = &ps->cols[j];
  if (cz_is_na(ps, f))
    return cz_set_missing(ps, c, row);
  switch (c->type) {
  case CAUSAL_TYPE_F64: {
    double d;
    if (!cz_csv_parse_f64(f->p, f->n, &d))
      return cz_bad_value(ps, j, f, "");
    ((double *)c->data)[row] = d;
    return CAUSAL_OK;
  }
  case CAUSAL_TYPE_I64: {
    int64_t v;
    int r = cz_csv_parse_i64(f->p, f->n, &v);
    if (r == 1) {
      ((int64_t *)c->data)[row] = v;
      if (c->valid != NULL)
        c->valid[row] = 1;
      return CAUSAL_OK;
    }
    double d;
    if (c->promotable && cz_csv_parse_f64(f->p, f->n, &d)) {
      cz_promote(ps, c, row);
      ((double *)c->data)[row] = d;
      return CAUSAL_OK;
    }
    if (r < 0)
      return cz_bad_value(ps, j, f, " (out of range)");
    if (!c->fixed && cz_csv_parse_f64(f->p, f->n, &d))
      return cz_bad_value(ps, j, f,
                          " (the column type was fixed by the first records "
                          "of a streaming read; fix it with "
                          "causal_csv_options_set_type)");
    return cz_bad_value(ps, j, f, "");
  }
  case CAUSAL_TYPE_BOOL: {
    uint8_t b;
    if (!cz_csv_parse_bool(f->p, f->n, &b))
      return cz_bad_value(ps, j, f, " (true/false/TRUE/FALSE/True/False)");
    ((uint8_t *)c->data)[row] = b;
    if (c->valid != NULL)
      c->valid[row] = 1;
    return CAUSAL_OK;
  }
  default: {
    if (memchr(f->p, '\0', f->n) != NULL)
      return cz_fail_at(ps, ps->line, j, "label contains a NUL byte");
    int32_t code;
    int rc = cz_labels_intern(&ps->alloc, &c->lab, f->p, f->n, &code);
    if (rc != CAUSAL_OK)
      return rc;
    ((int32_t *)c->data)[row] = code;
    return CAUSAL_OK;
  }
  }
}

static int cz_alloc_rows(cz_csv_parser *ps, size_t cap) {
  if (cap == 0)
    cap = 1;
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_csv_col *c = &ps->cols[j];
    size_t bytes;
    if (!cz_mul_size(cap, cz_type_size(c->type), &bytes))
      return cz_fail(CAUSAL_ENOMEM, "csv: too many rows");
    c->data = cz_malloc(&ps->out, bytes);
    if (c->data == NULL)
      return CAUSAL_ENOMEM;
  }
  ps->rows_cap = cap;
  return CAUSAL_OK;
}

static int cz_grow_rows(cz_csv_parser *ps) {
  size_t cap = ps->rows_cap + ps->rows_cap / 2 + 64;
  if (cap > ps->chunk_rows)
    cap = ps->chunk_rows;
  if (cap <= ps->rows_cap)
    return cz_fail(CAUSAL_EINTERNAL, "csv: row capacity exhausted");
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_csv_col *c = &ps->cols[j];
    size_t sz = cz_type_size(c->type), bytes;
    if (!cz_mul_size(cap, sz, &bytes))
      return cz_fail(CAUSAL_ENOMEM, "csv: too many rows");
    void *d = cz_realloc(&ps->out, c->data, ps->rows_cap * sz, bytes);
    if (d == NULL)
      return CAUSAL_ENOMEM;
    c->data = d;
    if (c->valid != NULL) {
      uint8_t *v = cz_realloc(&ps->out, c->valid, ps->rows_cap, cap);
      if (v == NULL)
        return CAUSAL_ENOMEM;
      c->valid = v;
    }
  }
  ps->rows_cap = cap;
  return CAUSAL_OK;
}

/* Fast path for numeric columns: scan the number straight from the input
 * and store it, without a separate tokenizing pass. Only taken when the
 * number ends exactly at a delimiter or line break (so the field is that
 * number) and the field is not an NA token; everything else (quotes,
 * blanks, inf/nan, promotion, errors) returns R_FALLBACK and goes through
 * the general path. */
static inline int cz_fused_number(cz_csv_parser *ps, size_t j, size_t *off,
                                  int64_t *line, int *term) {
  cz_csv_col *c = &ps->cols[j];
  const char *p = ps->base + *off;
  size_t rem = ps->len - *off, k;
  double d = 0;
  int64_t v = 0;
  if (c->type == CAUSAL_TYPE_F64) {
    k = cz_scan_f64(p, rem, &d);
  } else if (c->type == CAUSAL_TYPE_I64) {
    int overflow;
    k = cz_scan_i64(p, rem, &v, &overflow);
    if (overflow)
      return R_FALLBACK;
  } else {
    return R_FALLBACK;
  }
  if (k == 0 || (k < rem ? !ps->stop[(unsigned char)p[k]] : !ps->eof))
    return R_FALLBACK;
  if (k <= ps->na_maxlen) {
    cz_field f = {p, k, 0};
    if (cz_is_na(ps, &f))
      return R_FALLBACK;
  }
  size_t row = ps->nrows;
  if (c->type == CAUSAL_TYPE_F64) {
    ((double *)c->data)[row] = d;
  } else {
    ((int64_t *)c->data)[row] = v;
    if (c->valid != NULL)
      c->valid[row] = 1;
  }
  return cz_end_field(ps, *off + k, off, line, term);
}

/* Parse one data record at pos into row *count (store) or into the type
 * inference state. Returns CAUSAL_OK (record consumed), R_MORE, R_END,
 * R_FULL (pending blank rows filled the chunk) or an error. */
static int cz_parse_record(cz_csv_parser *ps, int mode, size_t *count,
                           size_t limit) {
  int rc = cz_skip_blank(ps, 1);
  if (rc != CAUSAL_OK)
    return rc;
  if (ps->pending_blank > 0) {
    /* Blank lines followed by data: with one column they are missing
     * values, otherwise records with too few fields. */
    if (ps->ncols != 1)
      return cz_ragged(ps, ps->pending_line, 1);
    while (ps->pending_blank > 0 && *count < limit) {
      if (mode == M_STORE) {
        if (ps->nrows == ps->rows_cap)
          CZ_CHECK(cz_grow_rows(ps));
        CZ_CHECK(cz_set_missing(ps, &ps->cols[0], ps->nrows));
      }
      (*count)++;
      ps->pending_blank--;
    }
    if (*count >= limit)
      return R_FULL;
  }
  if (mode == M_STORE && ps->nrows == ps->rows_cap)
    CZ_CHECK(cz_grow_rows(ps));
  size_t off = ps->pos, j = 0;
  int64_t line = ps->line;
  cz_field f;
  int term;
  for (;; j++) {
    if (mode == M_STORE && ps->fused && j < ps->ncols) {
      rc = cz_fused_number(ps, j, &off, &line, &term);
      if (rc == CAUSAL_OK) {
        if (term == TK_EOR)
          break;
        continue;
      }
      if (rc != R_FALLBACK)
        return rc;
    }
    rc = cz_next_field(ps, &off, &line, &f, &term, j);
    if (rc != CAUSAL_OK)
      return rc;
    if (j < ps->ncols) {
      rc = mode == M_STORE ? cz_store_field(ps, j, &f, ps->nrows)
                           : cz_infer_field(ps, j, &f);
      if (rc != CAUSAL_OK)
        return rc;
    }
    if (term == TK_EOR)
      break;
  }
  if (j + 1 != ps->ncols)
    return cz_ragged(ps, ps->line, j + 1);
  ps->pos = off;
  ps->line = line;
  (*count)++;
  return CAUSAL_OK;
}

static int cz_infer_step(cz_csv_parser *ps) {
  while (ps->n_infer < ps->infer_limit) {
    int rc = cz_parse_record(ps, M_INFER, &ps->n_infer, ps->infer_limit);
    if (rc == R_END) {
      ps->infer_end = 1;
      break;
    }
    if (rc == R_FULL)
      break;
    if (rc != CAUSAL_OK)
      return rc;
  }
  return CAUSAL_OK;
}

static int cz_bom_step(cz_csv_parser *ps) { return cz_skip_bom(ps); }

/* BOM, header, column setup and type inference. The first data record is
 * at pos afterwards. */
static int cz_prepare(cz_csv_parser *ps, const causal_csv_options *o) {
  CZ_CHECK(cz_run(ps, cz_bom_step));
  CZ_CHECK(cz_run(ps, cz_first_record));
  CZ_CHECK(cz_setup_columns(ps, o));
  int need = 0;
  for (size_t j = 0; j < ps->ncols; j++)
    need |= !ps->cols[j].fixed;
  if (need) {
    ps->inferring = 1;
    ps->data_start = ps->pos;
    ps->data_line = ps->line;
    int rc = cz_run(ps, cz_infer_step);
    ps->inferring = 0;
    if (rc != CAUSAL_OK)
      return rc;
    ps->infer_bytes = ps->pos - ps->data_start;
    ps->pos = ps->data_start;
    ps->line = ps->data_line;
    ps->pending_blank = 0;
  }
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_csv_col *c = &ps->cols[j];
    if (c->fixed)
      continue;
    if (!c->seen || (c->can_f64 && !c->can_i64))
      c->type = CAUSAL_TYPE_F64;
    else if (c->can_i64)
      c->type = CAUSAL_TYPE_I64, c->promotable = ps->whole;
    else if (c->can_bool)
      c->type = CAUSAL_TYPE_BOOL;
    else
      c->type = CAUSAL_TYPE_CAT;
  }
  return CAUSAL_OK;
}

/* ======================================================================
 * Building datasets
 * ====================================================================== */

typedef struct cz_sortlab {
  const char *s;
  int32_t code;
} cz_sortlab;

static int cz_cmp_lab(const void *a, const void *b) {
  return strcmp(((const cz_sortlab *)a)->s, ((const cz_sortlab *)b)->s);
}

/* Label array for column j of the output. Whole-input reads hand the
 * table's strings over in sorted byte order and remap the codes; streaming
 * reads copy them in first-appearance order so codes stay stable. */
static int cz_make_labels(cz_csv_parser *ps, cz_csv_col *c, char ***out) {
  cz_csv_labels *t = &c->lab;
  *out = NULL;
  char **labels = cz_malloc(&ps->out, (t->n ? t->n : 1) * sizeof *labels);
  if (labels == NULL)
    return CAUSAL_ENOMEM;
  if (!ps->whole) {
    for (size_t i = 0; i < t->n; i++) {
      labels[i] = cz_malloc(&ps->out, t->len[i] + 1);
      if (labels[i] == NULL) {
        for (size_t k = 0; k < i; k++)
          cz_free(&ps->out, labels[k]);
        cz_free(&ps->out, labels);
        return CAUSAL_ENOMEM;
      }
      memcpy(labels[i], t->str[i], t->len[i] + 1);
    }
    *out = labels;
    return CAUSAL_OK;
  }
  cz_sortlab *sl = cz_malloc(&ps->alloc, (t->n ? t->n : 1) * sizeof *sl);
  int32_t *remap = cz_malloc(&ps->alloc, (t->n ? t->n : 1) * sizeof *remap);
  if (sl == NULL || remap == NULL) {
    cz_free(&ps->alloc, sl);
    cz_free(&ps->alloc, remap);
    cz_free(&ps->out, labels);
    return CAUSAL_ENOMEM;
  }
  for (size_t i = 0; i < t->n; i++) {
    sl[i].s = t->str[i];
    sl[i].code = (int32_t)i;
  }
  qsort(sl, t->n, sizeof *sl, cz_cmp_lab);
  for (size_t i = 0; i < t->n; i++) {
    remap[sl[i].code] = (int32_t)i;
    labels[i] = t->str[sl[i].code];
  }
  int32_t *codes = c->data;
  for (size_t r = 0; r < ps->nrows; r++)
    if (codes[r] >= 0)
      codes[r] = remap[codes[r]];
  cz_free(&ps->alloc, sl);
  cz_free(&ps->alloc, remap);
  /* The dataset owns the strings now (same allocator in whole reads). */
  t->n = 0;
  *out = labels;
  return CAUSAL_OK;
}

/* Move the columns into a new dataset of ps->nrows rows. */
static int cz_build(cz_csv_parser *ps, causal_dataset **out) {
  causal_dataset *ds = NULL;
  CZ_CHECK(causal_dataset_new(&ds));
  int rc = CAUSAL_OK;
  for (size_t j = 0; j < ps->ncols; j++) {
    cz_csv_col *c = &ps->cols[j];
    size_t sz = cz_type_size(c->type);
    if (ps->nrows < ps->rows_cap && ps->whole) {
      /* Give back the unused tail of the capacity estimate. */
      size_t keep = ps->nrows ? ps->nrows : 1;
      void *d = cz_realloc(&ps->out, c->data, ps->rows_cap * sz, keep * sz);
      if (d == NULL) {
        rc = CAUSAL_ENOMEM;
        break;
      }
      c->data = d;
      if (c->valid != NULL) {
        uint8_t *v = cz_realloc(&ps->out, c->valid, ps->rows_cap, keep);
        if (v == NULL) {
          rc = CAUSAL_ENOMEM;
          break;
        }
        c->valid = v;
      }
    }
    char **labels = NULL;
    size_t nlev = 0;
    if (c->type == CAUSAL_TYPE_CAT) {
      nlev = c->lab.n;
      rc = cz_make_labels(ps, c, &labels);
      if (rc != CAUSAL_OK)
        break;
    }
    void *data = c->data;
    uint8_t *valid = c->valid;
    c->data = NULL; /* adopted on success and on failure */
    c->valid = NULL;
    rc = cz_dataset_adopt(ds, ps->names[j], c->type, data, valid, ps->nrows,
                          labels, nlev);
    if (rc != CAUSAL_OK)
      break;
  }
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return CAUSAL_OK;
}

/* ======================================================================
 * Whole-input reads
 * ====================================================================== */

static int cz_store_step(cz_csv_parser *ps) {
  for (;;) {
    int rc = cz_parse_record(ps, M_STORE, &ps->nrows, ps->chunk_rows);
    if (rc == R_END)
      return CAUSAL_OK;
    if (rc != CAUSAL_OK)
      return rc;
  }
}

static size_t cz_estimate_rows(const cz_csv_parser *ps) {
  if (ps->infer_end)
    return ps->n_infer + 1;
  uint64_t total = ps->fd >= 0 ? ps->file_size : ps->len;
  size_t est;
  if (total == 0 || ps->n_infer == 0 || ps->infer_bytes == 0) {
    est = 2 * ps->n_infer + 1024;
  } else {
    double per = (double)ps->infer_bytes / (double)ps->n_infer;
    double e = 1.05 * (double)total / per + 64;
    est = e > (double)CZ_CSV_EST_MAX ? CZ_CSV_EST_MAX : (size_t)e;
  }
  return est > CZ_CSV_EST_MAX ? CZ_CSV_EST_MAX : est;
}

static int cz_read_whole(cz_csv_parser *ps, const causal_csv_options *o,
                         causal_dataset **out) {
  CZ_CHECK(cz_prepare(ps, o));
  CZ_CHECK(cz_alloc_rows(ps, cz_estimate_rows(ps)));
  CZ_CHECK(cz_run(ps, cz_store_step));
  return cz_build(ps, out);
}

int causal_csv_read_buffer(causal_dataset **out, const char *buf, size_t len,
                           const causal_csv_options *opts) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(buf);
  cz_csv_parser ps;
  int rc = cz_parser_init(&ps, opts, 1);
  if (rc == CAUSAL_OK) {
    ps.base = buf;
    ps.len = len;
    ps.eof = 1;
    rc = cz_read_whole(&ps, opts, out);
  }
  cz_parser_free(&ps);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

int causal_csv_read_file(causal_dataset **out, const char *path,
                         const causal_csv_options *opts) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(path);
  cz_csv_parser ps;
  int rc = cz_parser_init(&ps, opts, 1);
  if (rc == CAUSAL_OK)
    rc = cz_parser_open(&ps, path, opts ? opts->bufsize : CZ_CSV_BUFSIZE);
  if (rc == CAUSAL_OK) {
    rc = cz_read_whole(&ps, opts, out);
    if (rc == CAUSAL_EPARSE || rc == CAUSAL_ENOTFOUND)
      cz_fail_context(rc, "'%s'", path);
  }
  cz_parser_free(&ps);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

/* ======================================================================
 * Streaming
 * ====================================================================== */

struct causal_csv_reader {
  cz_csv_parser ps;
  int status; /* sticky error */
  int done;
  int64_t rows; /* data rows returned so far */
  size_t next_cap;
  char msg[512];
};

int causal_csv_reader_open(causal_csv_reader **out, const char *path,
                           const causal_csv_options *opts) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(path);
  if (opts != NULL && opts->infer_rows == 0)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_csv_reader_open: CAUSAL_CSV_INFER_ROWS = 0 (whole "
                   "input) is only available for whole-input reads");
  cz_alloc a = cz_alloc_current();
  causal_csv_reader *r = cz_malloc(&a, sizeof *r);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  memset(r, 0, sizeof *r);
  int rc = cz_parser_init(&r->ps, opts, 0);
  if (rc == CAUSAL_OK)
    rc = cz_parser_open(&r->ps, path, opts ? opts->bufsize : CZ_CSV_BUFSIZE);
  if (rc == CAUSAL_OK) {
    rc = cz_prepare(&r->ps, opts);
    if (rc == CAUSAL_EPARSE || rc == CAUSAL_ENOTFOUND)
      cz_fail_context(rc, "'%s'", path);
  }
  if (rc != CAUSAL_OK) {
    causal_csv_reader_free(r);
    return rc;
  }
  r->next_cap = r->ps.chunk_rows < 4096 ? r->ps.chunk_rows : 4096;
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

static int cz_chunk_step(cz_csv_parser *ps) {
  while (ps->nrows < ps->chunk_rows) {
    int rc = cz_parse_record(ps, M_STORE, &ps->nrows, ps->chunk_rows);
    if (rc == R_FULL)
      break;
    if (rc != CAUSAL_OK)
      return rc; /* R_END, R_MORE or an error */
  }
  return CAUSAL_OK;
}

int causal_csv_reader_next(causal_csv_reader *r, causal_dataset **chunk) {
  CZ_REQUIRE_NONNULL(chunk);
  *chunk = NULL;
  CZ_REQUIRE_NONNULL(r);
  if (r->status != CAUSAL_OK)
    return cz_fail(r->status,
                   "causal_csv_reader_next: reader failed earlier: %s", r->msg);
  if (r->done) {
    cz_clear_error();
    return CAUSAL_OK;
  }
  cz_csv_parser *ps = &r->ps;
  /* Chunk buffers belong to the dataset returned, created by this call. */
  ps->out = cz_alloc_current();
  ps->nrows = 0;
  int rc = cz_alloc_rows(ps, r->next_cap);
  if (rc == CAUSAL_OK) {
    rc = cz_run(ps, cz_chunk_step);
    if (rc == R_END) {
      r->done = 1;
      rc = CAUSAL_OK;
    }
  }
  if (rc == CAUSAL_OK && ps->nrows > 0) {
    r->next_cap = ps->rows_cap;
    rc = cz_build(ps, chunk);
  }
  cz_free_columns(ps);
  if (rc != CAUSAL_OK) {
    if (rc == CAUSAL_EPARSE)
      cz_fail_context(rc, "'%s'", ps->path);
    r->status = rc;
    snprintf(r->msg, sizeof r->msg, "%s", causal_last_error());
    return rc;
  }
  r->rows += (int64_t)ps->nrows;
  ps->nrows = 0;
  cz_clear_error();
  return CAUSAL_OK;
}

int64_t causal_csv_reader_rows(const causal_csv_reader *r) {
  return r == NULL ? 0 : r->rows;
}

void causal_csv_reader_free(causal_csv_reader *r) {
  if (r == NULL)
    return;
  cz_alloc a = r->ps.alloc;
  cz_parser_free(&r->ps);
  cz_free(&a, r);
}
