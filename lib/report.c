/* Reports: blocks of text, tables and charts rendered to self-contained
 * HTML or Markdown (include/causal/report.h). */
#include "internal/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- numbers and ticks ---- */

/* A host may have set a locale whose decimal point is not '.' (printf
 * follows LC_NUMERIC): map any run of other bytes to a single '.', so
 * SVG coordinates and table numbers never depend on the locale. */
static void dot_decimal(char *buf) {
  size_t k = 0;
  int in_sep = 0;
  for (size_t i = 0; buf[i]; i++) {
    char c = buf[i];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' ||
        c == 'E') {
      buf[k++] = c;
      in_sep = 0;
    } else if (!in_sep) {
      buf[k++] = '.';
      in_sep = 1;
    }
  }
  buf[k] = '\0';
}

void cz_fmt_num(char *buf, size_t cap, double v, int digits) {
  if (isnan(v))
    snprintf(buf, cap, "NA");
  else if (isinf(v))
    snprintf(buf, cap, v > 0 ? "Inf" : "-Inf");
  else {
    snprintf(buf, cap, "%.*g", digits, v == 0 ? 0.0 : v);
    dot_decimal(buf);
  }
}

void cz_fmt_fixed(char *buf, size_t cap, double v, int ndec) {
  snprintf(buf, cap, "%.*f", ndec, v);
  dot_decimal(buf);
  /* "-0.00" -> "0.00": a rounded negative zero is not a negative number */
  if (buf[0] == '-') {
    const char *p = buf + 1;
    while (*p == '0' || *p == '.')
      p++;
    if (*p == '\0')
      memmove(buf, buf + 1, strlen(buf));
  }
}

/* Heckbert's nice number: 1, 2, 5 or 10 x 10^k nearest to x. */
static double nice_num(double x) {
  double e = floor(log10(x));
  double f = x / pow(10.0, e), nf;
  nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nf * pow(10.0, e);
}

void cz_nice_ticks(double lo, double hi, int target, double *lo_out,
                   double *hi_out, double *step, int *ndec) {
  if (target < 2)
    target = 2;
  /* step from the raw span (as d3 and matplotlib do): denser than
   * Heckbert's rounded range, e.g. [-3.2, 7.9] gets step 2, not 5 */
  double d = nice_num((hi - lo) / (target - 1));
  double a = floor(lo / d) * d, b = ceil(hi / d) * d;
  /* guard against rounding just outside the data */
  if (a > lo)
    a -= d;
  if (b < hi)
    b += d;
  int nd = (int)-floor(log10(d) + 1e-9);
  *lo_out = a;
  *hi_out = b;
  *step = d;
  *ndec = nd > 0 ? nd : 0;
}

/* ---- UTF-8 and escaping ---- */

size_t cz_utf8_next(const char *str, unsigned *cp) {
  const unsigned char *s = (const unsigned char *)str;
  unsigned c = s[0], v;
  size_t need;
  *cp = 0xFFFD;
  if (c < 0x80) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      return 0;
    *cp = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    need = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    need = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    need = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; k++) {
    if ((s[k] & 0xC0) != 0x80) /* also stops at the NUL */
      return 0;
    v = (v << 6) | (s[k] & 0x3F);
  }
  static const unsigned minv[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < minv[need] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
      v == 0xFFFE || v == 0xFFFF)
    return 0;
  *cp = v;
  return need;
}

size_t cz_utf8_len(const char *s) {
  size_t n = 0;
  unsigned cp;
  while (*s) {
    size_t k = cz_utf8_next(s, &cp);
    s += k ? k : 1;
    n++;
  }
  return n;
}

void cz_xml_escape(cz_buf *b, const char *s, size_t maxcp) {
  size_t count = 0, total = maxcp ? cz_utf8_len(s) : 0;
  unsigned cp;
  while (*s) {
    if (maxcp && total > maxcp && count + 1 == maxcp) {
      cz_buf_puts(b, "\xE2\x80\xA6"); /* ellipsis */
      return;
    }
    size_t k = cz_utf8_next(s, &cp);
    count++;
    if (k == 0) {
      cz_buf_puts(b, "\xEF\xBF\xBD");
      s++;
      continue;
    }
    switch (cp) {
    case '&': cz_buf_puts(b, "&amp;"); break;
    case '<': cz_buf_puts(b, "&lt;"); break;
    case '>': cz_buf_puts(b, "&gt;"); break;
    case '"': cz_buf_puts(b, "&quot;"); break;
    case '\'': cz_buf_puts(b, "&#39;"); break;
    default: cz_buf_append(b, s, k); break;
    }
    s += k;
  }
}

static int word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

void cz_md_escape(cz_buf *b, const char *s, int oneline) {
  unsigned cp;
  const char *start = s;
  while (*s) {
    /* an underscore inside a word (p_value) never emphasizes in GFM:
     * left as is, so names stay readable in logs */
    if (*s == '_' && s > start && word_char(s[-1]) && word_char(s[1])) {
      cz_buf_puts(b, "_");
      s++;
      continue;
    }
    size_t k = cz_utf8_next(s, &cp);
    if (k == 0) {
      cz_buf_puts(b, "\xEF\xBF\xBD");
      s++;
      continue;
    }
    if (cp == '\n' || cp == '\r' || cp == '\t') {
      cz_buf_puts(b, oneline || cp == '\t' ? " " : (cp == '\n' ? "\n" : ""));
    } else if (cp < 0x80 && strchr("\\`*_[]<>|&~#", (int)cp) != NULL) {
      char e[3] = {'\\', (char)cp, '\0'};
      cz_buf_puts(b, e);
    } else {
      cz_buf_append(b, s, k);
    }
    s += k;
  }
}

/* ---- the report ---- */

enum { BLK_TEXT = 1, BLK_CHART = 2 };

typedef struct cz_block {
  int type;
  char *html; /* BLK_CHART: the bare <svg> */
  char *md;
} cz_block;

struct causal_report {
  cz_alloc alloc;
  char *title;
  int digits;
  int md_images;
  cz_block *blk;
  size_t nblk, capblk;
};

int causal_report_new(causal_report **out, const char *title) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(title);
  if (title[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_report_new: title is empty");
  cz_alloc a = cz_alloc_current();
  causal_report *r = cz_calloc(&a, 1, sizeof *r);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  r->alloc = a;
  r->digits = 4;
  r->title = cz_strdup(&a, title);
  if (r->title == NULL) {
    cz_free(&a, r);
    return CAUSAL_ENOMEM;
  }
  cz_clear_error();
  *out = r;
  return CAUSAL_OK;
}

void causal_report_free(causal_report *r) {
  if (r == NULL)
    return;
  cz_alloc a = r->alloc;
  for (size_t i = 0; i < r->nblk; i++) {
    cz_free(&a, r->blk[i].html);
    cz_free(&a, r->blk[i].md);
  }
  cz_free(&a, r->blk);
  cz_free(&a, r->title);
  cz_free(&a, r);
}

int causal_report_set_int(causal_report *r, int option, int value) {
  CZ_REQUIRE_NONNULL(r);
  if (option == CAUSAL_REPORT_DIGITS) {
    if (value < 1 || value > 17)
      return cz_fail(CAUSAL_ERANGE, "causal_report_set_int: digits %d is "
                     "outside [1, 17]", value);
    r->digits = value;
  } else if (option == CAUSAL_REPORT_MD_IMAGES) {
    if (value != 0 && value != 1)
      return cz_fail(CAUSAL_ERANGE, "causal_report_set_int: md_images %d is "
                     "not 0 or 1", value);
    r->md_images = value;
  } else {
    return cz_fail(CAUSAL_ERANGE, "causal_report_set_int: option %d is not "
                   "a report option", option);
  }
  cz_clear_error();
  return CAUSAL_OK;
}

/* Take the two buffers (built by the caller) as a new block; frees them
 * either way. */
static int push_block(causal_report *r, int type, cz_buf *html, cz_buf *md) {
  int rc = CAUSAL_OK;
  if (html->failed || md->failed || html->data == NULL || md->data == NULL)
    rc = cz_fail(CAUSAL_ENOMEM, "report: out of memory");
  if (rc == CAUSAL_OK && r->nblk == r->capblk) {
    size_t cap = r->capblk ? 2 * r->capblk : 8;
    cz_block *nb = cz_realloc(&r->alloc, r->blk, r->capblk * sizeof *nb,
                              cap * sizeof *nb);
    if (nb == NULL)
      rc = CAUSAL_ENOMEM;
    else {
      r->blk = nb;
      r->capblk = cap;
    }
  }
  if (rc != CAUSAL_OK) {
    cz_buf_free(html);
    cz_buf_free(md);
    return rc;
  }
  r->blk[r->nblk].type = type;
  r->blk[r->nblk].html = html->data;
  r->blk[r->nblk].md = md->data;
  r->nblk++;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_report_add_heading(causal_report *r, int level, const char *text) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(text);
  if (level < 2 || level > 4)
    return cz_fail(CAUSAL_ERANGE, "causal_report_add_heading: level %d is "
                   "outside [2, 4]", level);
  if (text[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_report_add_heading: text is empty");
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  cz_buf_printf(&h, "<h%d>", level);
  cz_xml_escape(&h, text, 0);
  cz_buf_printf(&h, "</h%d>\n", level);
  cz_buf_printf(&m, "%.*s ", level, "####");
  cz_md_escape(&m, text, 1);
  cz_buf_puts(&m, "\n\n");
  return push_block(r, BLK_TEXT, &h, &m);
}

/* Paragraphs split at blank lines. */
static void html_paragraphs(cz_buf *b, const char *text) {
  const char *p = text;
  while (*p) {
    while (*p == '\n' || *p == '\r')
      p++;
    if (!*p)
      break;
    const char *e = strstr(p, "\n\n");
    size_t n = e ? (size_t)(e - p) : strlen(p);
    /* escape a bounded copy without allocating: walk in chunks */
    cz_buf_puts(b, "<p>");
    char chunk[257];
    size_t off = 0;
    while (off < n) {
      size_t k = n - off < 256 ? n - off : 256;
      /* do not split a UTF-8 sequence */
      while (k < n - off && k > 0 &&
             ((unsigned char)p[off + k] & 0xC0) == 0x80)
        k--;
      memcpy(chunk, p + off, k);
      chunk[k] = '\0';
      cz_xml_escape(b, chunk, 0);
      off += k;
    }
    cz_buf_puts(b, "</p>\n");
    p += n;
  }
}

int causal_report_add_paragraph(causal_report *r, const char *text) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(text);
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  html_paragraphs(&h, text);
  cz_buf_puts(&h, ""); /* an empty paragraph still gives a block */
  cz_md_escape(&m, text, 0);
  cz_buf_puts(&m, "\n\n");
  return push_block(r, BLK_TEXT, &h, &m);
}

static void kv_html(cz_buf *h, const char *k, const char *v) {
  cz_buf_puts(h, "<dt>");
  cz_xml_escape(h, k, 0);
  cz_buf_puts(h, "</dt><dd>");
  cz_xml_escape(h, v, 0);
  cz_buf_puts(h, "</dd>\n");
}

static void kv_md(cz_buf *m, const char *k, const char *v) {
  cz_buf_puts(m, "- **");
  cz_md_escape(m, k, 1);
  cz_buf_puts(m, "**: ");
  cz_md_escape(m, v, 1);
  cz_buf_puts(m, "\n");
}

int causal_report_add_keyvalue(causal_report *r, const char *const *keys,
                               const char *const *values, size_t n) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(keys);
  CZ_REQUIRE_NONNULL(values);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_report_add_keyvalue: n is 0");
  for (size_t i = 0; i < n; i++)
    if (keys[i] == NULL || values[i] == NULL)
      return cz_fail(CAUSAL_EINVAL, "causal_report_add_keyvalue: %s[%zu] is "
                     "NULL", keys[i] == NULL ? "keys" : "values", i);
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  cz_buf_puts(&h, "<dl class=\"kv\">\n");
  for (size_t i = 0; i < n; i++) {
    kv_html(&h, keys[i], values[i]);
    kv_md(&m, keys[i], values[i]);
  }
  cz_buf_puts(&h, "</dl>\n");
  cz_buf_puts(&m, "\n");
  return push_block(r, BLK_TEXT, &h, &m);
}

/* A table writer feeding both formats cell by cell. */
typedef struct tbl {
  cz_buf *h, *m;
  size_t ncol;
} tbl;

static void tbl_begin(tbl *t, const char *caption, size_t ncol) {
  t->ncol = ncol;
  cz_buf_puts(t->h, "<table>");
  if (caption) {
    cz_buf_puts(t->h, "<caption>");
    cz_xml_escape(t->h, caption, 0);
    cz_buf_puts(t->h, "</caption>");
    cz_buf_puts(t->m, "**");
    cz_md_escape(t->m, caption, 1);
    cz_buf_puts(t->m, "**\n\n");
  }
  cz_buf_puts(t->h, "\n<thead><tr>");
  cz_buf_puts(t->m, "|");
}

static void tbl_head(tbl *t, const char *name) {
  cz_buf_puts(t->h, "<th scope=\"col\">");
  cz_xml_escape(t->h, name, 0);
  cz_buf_puts(t->h, "</th>");
  cz_buf_puts(t->m, " ");
  cz_md_escape(t->m, name, 1);
  cz_buf_puts(t->m, " |");
}

static void tbl_body(tbl *t, int first_numeric) {
  cz_buf_puts(t->h, "</tr></thead>\n<tbody>\n");
  cz_buf_puts(t->m, "\n|");
  for (size_t j = 0; j < t->ncol; j++)
    cz_buf_puts(t->m, j == 0 && !first_numeric ? "---|" : "---:|");
}

static void tbl_row(tbl *t) {
  cz_buf_puts(t->h, "<tr>");
  cz_buf_puts(t->m, "\n|");
}

static void tbl_cell(tbl *t, const char *s, int numeric) {
  cz_buf_puts(t->h, numeric ? "<td class=\"num\">" : "<td>");
  cz_xml_escape(t->h, s ? s : "", 0);
  cz_buf_puts(t->h, "</td>");
  cz_buf_puts(t->m, " ");
  if (s != NULL)
    cz_md_escape(t->m, s, 1);
  cz_buf_puts(t->m, " |");
}

static void tbl_row_end(tbl *t) { cz_buf_puts(t->h, "</tr>\n"); }

static void tbl_end(tbl *t) {
  cz_buf_puts(t->h, "</tbody></table>\n");
  cz_buf_puts(t->m, "\n\n");
}

int causal_report_add_table(causal_report *r, const char *caption,
                            const char *const *colnames, size_t ncol,
                            const char *const *cells, size_t nrow) {
  static const char *fn = "causal_report_add_table";
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(colnames);
  if (ncol == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: ncol is 0", fn);
  if (nrow > 0 && cells == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: cells is NULL with %zu rows", fn, nrow);
  for (size_t j = 0; j < ncol; j++)
    if (colnames[j] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: colnames[%zu] is NULL", fn, j);
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  tbl t = {&h, &m, 0};
  tbl_begin(&t, caption, ncol);
  for (size_t j = 0; j < ncol; j++)
    tbl_head(&t, colnames[j]);
  tbl_body(&t, 0);
  for (size_t i = 0; i < nrow; i++) {
    tbl_row(&t);
    for (size_t j = 0; j < ncol; j++)
      tbl_cell(&t, cells[i * ncol + j], 0);
    tbl_row_end(&t);
  }
  tbl_end(&t);
  return push_block(r, BLK_TEXT, &h, &m);
}

/* Numeric matrix (column-major) as a table. */
static void numeric_table(tbl *t, int digits, const char *caption,
                          const char *corner, const char *const *rownames,
                          const char *const *colnames, const double *v,
                          size_t nrow, size_t ncol) {
  int named = rownames != NULL;
  tbl_begin(t, caption, ncol + (size_t)named);
  if (named)
    tbl_head(t, corner);
  char buf[64];
  for (size_t j = 0; j < ncol; j++) {
    if (colnames && colnames[j])
      tbl_head(t, colnames[j]);
    else {
      snprintf(buf, sizeof buf, "V%zu", j + 1);
      tbl_head(t, buf);
    }
  }
  tbl_body(t, !named);
  for (size_t i = 0; i < nrow; i++) {
    tbl_row(t);
    if (named)
      tbl_cell(t, rownames[i] ? rownames[i] : "", 0);
    for (size_t j = 0; j < ncol; j++) {
      cz_fmt_num(buf, sizeof buf, v[i + j * nrow], digits);
      tbl_cell(t, buf, 1);
    }
    tbl_row_end(t);
  }
  tbl_end(t);
}

int causal_report_add_numeric_table(causal_report *r, const char *caption,
                                    const char *const *rownames,
                                    const char *const *colnames,
                                    const double *values, size_t nrow,
                                    size_t ncol) {
  static const char *fn = "causal_report_add_numeric_table";
  CZ_REQUIRE_NONNULL(r);
  if (ncol == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: ncol is 0", fn);
  if (nrow > 0 && values == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: values is NULL with %zu rows", fn,
                   nrow);
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  tbl t = {&h, &m, 0};
  numeric_table(&t, r->digits, caption, "", rownames, colnames, values, nrow,
                ncol);
  return push_block(r, BLK_TEXT, &h, &m);
}

/* Names of a result entry along one axis, as an array of the result's own
 * strings (NULL when the entry has none). */
static const char **entry_names(const causal_result *res, const char *name,
                                int axis, size_t n, const cz_alloc *a) {
  if (n == 0 || causal_result_dimname(res, name, axis, 0) == NULL)
    return NULL;
  const char **v = cz_calloc(a, n, sizeof *v);
  if (v != NULL)
    for (size_t i = 0; i < n; i++)
      v[i] = causal_result_dimname(res, name, axis, i);
  return v;
}

int causal_report_add_result(causal_report *r, const causal_result *res,
                             const char *caption) {
  static const char *const TABLE_COLS[] = {
      "Estimate", "Std. error", "Statistic", "p-value", "Conf. low",
      "Conf. high"};
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(res);
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  tbl t = {&h, &m, 0};
  const char *cap = caption ? caption : causal_result_kind(res);
  size_t n = causal_result_count(res);
  char buf[64];
  int oom = 0;
  /* scalars and strings first, as one key-value block */
  int kv = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name = causal_result_name(res, i);
    int type = 0;
    causal_result_type(res, name, &type);
    const char *val = NULL;
    if (type == CAUSAL_ENTRY_SCALAR) {
      double v = NAN;
      causal_result_get_scalar(res, name, &v);
      cz_fmt_num(buf, sizeof buf, v, r->digits);
      val = buf;
    } else if (type == CAUSAL_ENTRY_STRING) {
      causal_result_get_string(res, name, &val);
    } else {
      continue;
    }
    if (!kv) {
      if (cap) {
        cz_buf_puts(&h, "<p class=\"caption\">");
        cz_xml_escape(&h, cap, 0);
        cz_buf_puts(&h, "</p>\n");
        cz_buf_puts(&m, "**");
        cz_md_escape(&m, cap, 1);
        cz_buf_puts(&m, "**\n\n");
      }
      cz_buf_puts(&h, "<dl class=\"kv\">\n");
      kv = 1;
    }
    kv_html(&h, name, val);
    kv_md(&m, name, val);
  }
  if (kv) {
    cz_buf_puts(&h, "</dl>\n");
    cz_buf_puts(&m, "\n");
  }
  for (size_t i = 0; i < n && !oom; i++) {
    const char *name = causal_result_name(res, i);
    int type = 0;
    causal_result_type(res, name, &type);
    const double *v = NULL;
    size_t nr = 0, nc = 1;
    if (type == CAUSAL_ENTRY_VECTOR)
      causal_result_get_vector(res, name, &v, &nr);
    else if (type == CAUSAL_ENTRY_MATRIX || type == CAUSAL_ENTRY_TABLE)
      causal_result_get_matrix(res, name, &v, &nr, &nc);
    else
      continue;
    const char **rn = entry_names(res, name, 0, nr, &r->alloc);
    const char **cn = type == CAUSAL_ENTRY_MATRIX
                          ? entry_names(res, name, 1, nc, &r->alloc)
                          : NULL;
    if ((nr > 0 && causal_result_dimname(res, name, 0, 0) && rn == NULL) ||
        (type == CAUSAL_ENTRY_MATRIX && nc > 0 &&
         causal_result_dimname(res, name, 1, 0) && cn == NULL)) {
      oom = 1;
    } else if (type == CAUSAL_ENTRY_VECTOR) {
      const char *col[1] = {name};
      numeric_table(&t, r->digits, name, "", rn, col, v, nr, 1);
    } else {
      numeric_table(&t, r->digits, name,
                    type == CAUSAL_ENTRY_TABLE ? "Term" : "", rn,
                    type == CAUSAL_ENTRY_TABLE ? TABLE_COLS : cn, v, nr, nc);
    }
    cz_free(&r->alloc, rn);
    cz_free(&r->alloc, cn);
  }
  size_t nw = causal_result_nwarnings(res);
  if (nw > 0) {
    cz_buf_puts(&h, "<ul class=\"warnings\">\n");
    for (size_t i = 0; i < nw; i++) {
      cz_buf_puts(&h, "<li>Warning: ");
      cz_xml_escape(&h, causal_result_warning(res, i), 0);
      cz_buf_puts(&h, "</li>\n");
      cz_buf_puts(&m, "> **Warning:** ");
      cz_md_escape(&m, causal_result_warning(res, i), 1);
      cz_buf_puts(&m, "\n>\n");
    }
    cz_buf_puts(&h, "</ul>\n");
    cz_buf_puts(&m, "\n");
  }
  /* an empty result still gives a (visible) block */
  if (n == 0 && nw == 0) {
    cz_buf_puts(&h, "<p class=\"empty\">(empty result)</p>\n");
    cz_buf_puts(&m, "(empty result)\n\n");
  }
  if (oom) {
    cz_buf_free(&h);
    cz_buf_free(&m);
    return cz_fail(CAUSAL_ENOMEM, "causal_report_add_result: out of memory");
  }
  return push_block(r, BLK_TEXT, &h, &m);
}

int causal_report_add_chart(causal_report *r, const causal_chart *c) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(cz_chart_check(c, "causal_report_add_chart"));
  cz_buf h, m;
  cz_buf_init(&h, &r->alloc);
  cz_buf_init(&m, &r->alloc);
  cz_chart_svg(c, &h);
  cz_chart_markdown(c, &m, r->digits);
  return push_block(r, BLK_CHART, &h, &m);
}

/* ---- documents ---- */

static const char CSS[] =
    "body{margin:0;background:#fff;color:#1a1a1a;font:15px/1.5 "
    "system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif}"
    "main{max-width:980px;margin:0 auto;padding:24px 32px 40px}"
    "h1{font-size:1.7em;margin:0 0 .6em;padding-bottom:.25em;"
    "border-bottom:3px solid #0072B2}"
    "h2{font-size:1.3em;margin:1.6em 0 .5em}"
    "h3{font-size:1.1em;margin:1.3em 0 .4em}h4{font-size:1em;margin:1em 0 "
    ".3em}"
    "p{margin:.5em 0;max-width:48em}"
    "table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.92em}"
    "caption{text-align:left;font-weight:600;padding:.3em 0}"
    "th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}"
    "thead th{border-bottom:2px solid #888;background:#f4f6f8}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}"
    "dl.kv{display:grid;grid-template-columns:max-content auto;gap:.15em "
    "1.4em;margin:.6em 0 1.2em}"
    "dl.kv dt{font-weight:600}dl.kv dd{margin:0;font-variant-numeric:"
    "tabular-nums}"
    "figure.chart{margin:1em 0 1.6em}figure.chart svg{max-width:100%;"
    "height:auto;display:block}"
    "ul.warnings{color:#8a4b00;background:#fff7e6;padding:.5em 1em .5em "
    "2em;border-left:3px solid #E69F00}"
    "p.caption{font-weight:600;margin:1em 0 .2em}"
    "footer{margin-top:3em;color:#666;font-size:.85em;border-top:1px solid "
    "#ddd;padding-top:.6em}";

static int finish(cz_buf *b, char **out, size_t *len, const char *fn) {
  if (b->failed || b->data == NULL) {
    cz_buf_free(b);
    return cz_fail(CAUSAL_ENOMEM, "%s: out of memory", fn);
  }
  char *o = cz_user_malloc(b->len + 1);
  if (o == NULL) {
    cz_buf_free(b);
    return CAUSAL_ENOMEM;
  }
  memcpy(o, b->data, b->len + 1);
  if (len)
    *len = b->len;
  *out = o;
  cz_buf_free(b);
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_report_to_html(const causal_report *r, char **html, size_t *len) {
  CZ_REQUIRE_NONNULL(html);
  *html = NULL;
  CZ_REQUIRE_NONNULL(r);
  cz_buf b;
  cz_buf_init(&b, &r->alloc);
  cz_buf_puts(&b, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/"
                  "xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\"/>\n");
  cz_buf_printf(&b, "<meta name=\"generator\" content=\"libcausal %s\"/>\n",
                causal_version_string());
  cz_buf_puts(&b, "<title>");
  cz_xml_escape(&b, r->title, 0);
  cz_buf_puts(&b, "</title>\n<style>");
  cz_buf_puts(&b, CSS);
  cz_buf_puts(&b, "</style>\n</head>\n<body>\n<main>\n<h1>");
  cz_xml_escape(&b, r->title, 0);
  cz_buf_puts(&b, "</h1>\n");
  for (size_t i = 0; i < r->nblk; i++) {
    if (r->blk[i].type == BLK_CHART) {
      cz_buf_puts(&b, "<figure class=\"chart\">");
      cz_buf_puts(&b, r->blk[i].html);
      cz_buf_puts(&b, "</figure>\n");
    } else {
      cz_buf_puts(&b, r->blk[i].html);
    }
  }
  cz_buf_printf(&b, "<footer>Generated by libcausal %s.</footer>\n"
                    "</main>\n</body>\n</html>\n",
                causal_version_string());
  return finish(&b, html, len, "causal_report_to_html");
}

static void base64(cz_buf *b, const char *s, size_t n) {
  static const char T[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = (const unsigned char *)s;
  char q[4];
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    q[0] = T[(v >> 18) & 63];
    q[1] = T[(v >> 12) & 63];
    q[2] = i + 1 < n ? T[(v >> 6) & 63] : '=';
    q[3] = i + 2 < n ? T[v & 63] : '=';
    cz_buf_append(b, q, 4);
  }
}

int causal_report_to_markdown(const causal_report *r, char **md,
                              size_t *len) {
  CZ_REQUIRE_NONNULL(md);
  *md = NULL;
  CZ_REQUIRE_NONNULL(r);
  cz_buf b;
  cz_buf_init(&b, &r->alloc);
  cz_buf_puts(&b, "# ");
  cz_md_escape(&b, r->title, 1);
  cz_buf_puts(&b, "\n\n");
  for (size_t i = 0; i < r->nblk; i++) {
    if (r->blk[i].type == BLK_CHART && r->md_images) {
      cz_buf_puts(&b, "<img alt=\"chart\" src=\"data:image/svg+xml;base64,");
      base64(&b, r->blk[i].html, strlen(r->blk[i].html));
      cz_buf_puts(&b, "\"/>\n\n");
    }
    cz_buf_puts(&b, r->blk[i].md);
    if (r->blk[i].type == BLK_CHART)
      cz_buf_puts(&b, "\n");
  }
  cz_buf_printf(&b, "---\n*Generated by libcausal %s.*\n",
                causal_version_string());
  return finish(&b, md, len, "causal_report_to_markdown");
}
