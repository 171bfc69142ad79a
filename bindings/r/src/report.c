/* Reports and charts (include/causal/report.h). The R side keeps a report
 * as a plain list of blocks (R/report.R); rendering builds the library
 * objects from it, renders and frees them, so R objects stay ordinary,
 * serializable values. Every library object is owned by an external
 * pointer with a finalizer from the moment it exists, so an R error in
 * the middle leaks nothing. */
#include "glue.h"

#include <string.h>

#define REP_TAG "causal_report"
#define CHART_TAG "causal_chart"
#define RES_TAG "causal_report_result"

static void report_finalize(SEXP p) {
  causal_report_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}
static void chart_finalize(SEXP p) {
  causal_chart_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}
static void result_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* NULL or the UTF-8 strings of a character vector (NA -> NULL if na_ok,
 * else "NA"), in R-managed memory. */
static const char **strs(SEXP x, const char *what, int na_null) {
  if (x == R_NilValue)
    return NULL;
  if (TYPEOF(x) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a character vector", what);
  R_xlen_t n = Rf_xlength(x);
  const char **s = (const char **)R_alloc((size_t)n + 1, sizeof(char *));
  for (R_xlen_t i = 0; i < n; i++) {
    SEXP c = STRING_ELT(x, i);
    s[i] = c == NA_STRING ? (na_null ? NULL : "NA") : Rf_translateCharUTF8(c);
  }
  return s;
}

static const char *opt_str(SEXP x, const char *what) {
  return x == R_NilValue ? NULL : crr_string(x, what);
}

static const double *dbl(SEXP x, const char *what, size_t *n) {
  if (x == R_NilValue) {
    if (n)
      *n = 0;
    return NULL;
  }
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a double vector", what);
  if (n)
    *n = (size_t)Rf_xlength(x);
  return REAL(x);
}

static SEXP get(SEXP l, const char *name) { return crr_list_get(l, name); }

/* Build a chart from its spec list (R/report.R: causal_chart). The chart
 * is owned by the returned handle (PROTECTed once). */
static SEXP build_chart(SEXP spec, causal_chart **out) {
  SEXP h = crr_handle(CHART_TAG, chart_finalize, R_NilValue, NULL);
  causal_chart *c = NULL;
  CRR_TRY(causal_chart_new(&c, crr_int(get(spec, "kind"), "kind"),
                           crr_string(get(spec, "title"), "title")));
  R_SetExternalPtrAddr(h, c);
  CRR_TRY(causal_chart_set_labels(c, opt_str(get(spec, "xlabel"), "xlabel"),
                                  opt_str(get(spec, "ylabel"), "ylabel")));
  CRR_TRY(causal_chart_set_caption(c,
                                   opt_str(get(spec, "caption"), "caption")));
  SEXP ok = get(spec, "opt_keys"), ov = get(spec, "opt_values");
  if (ok != R_NilValue) {
    if (TYPEOF(ok) != INTSXP || TYPEOF(ov) != REALSXP ||
        Rf_xlength(ok) != Rf_xlength(ov))
      crr_stop_msg(CAUSAL_EINVAL, "chart options must be integer keys and "
                                  "double values");
    for (R_xlen_t i = 0; i < Rf_xlength(ok); i++)
      CRR_TRY(causal_chart_set_double(c, INTEGER(ok)[i], REAL(ov)[i]));
  }
  SEXP rows = get(spec, "rows");
  if (rows != R_NilValue)
    CRR_TRY(causal_chart_set_rows(c, strs(rows, "rows", 1),
                                  (size_t)Rf_xlength(rows)));
  SEXP series = get(spec, "series");
  for (R_xlen_t i = 0; series != R_NilValue && i < Rf_xlength(series); i++) {
    SEXP s = VECTOR_ELT(series, i);
    const char *type = crr_string(get(s, "type"), "series type");
    const char *name = crr_string(get(s, "name"), "series name");
    size_t nx = 0, ny = 0, nl = 0, nh = 0;
    const double *x = dbl(get(s, "x"), "x", &nx);
    const double *y = dbl(get(s, "y"), "y", &ny);
    const double *lo = dbl(get(s, "low"), "low", &nl);
    const double *hi = dbl(get(s, "high"), "high", &nh);
    /* lengths are checked in R; a mismatch here is a direct .Call misuse */
    if ((x && nx != ny) || (lo && nl != ny) || (hi && nh != ny))
      crr_stop_msg(CAUSAL_EDIM, "series '%s': arrays of different lengths",
                   name);
    if (strcmp(type, "line") == 0)
      CRR_TRY(causal_chart_add_line(c, name, x, y, ny,
                                    crr_int(get(s, "style"), "style")));
    else if (strcmp(type, "intervals") == 0)
      CRR_TRY(causal_chart_add_intervals(c, name, x, y, lo, hi, ny));
    else if (strcmp(type, "histogram") == 0)
      CRR_TRY(causal_chart_add_histogram(c, name, y, ny));
    else if (strcmp(type, "row_intervals") == 0)
      CRR_TRY(causal_chart_add_row_intervals(c, name, y, lo, hi, ny));
    else if (strcmp(type, "row_points") == 0)
      CRR_TRY(causal_chart_add_row_points(c, name, y, ny));
    else
      crr_stop_msg(CAUSAL_EINVAL, "unknown series type '%s'", type);
  }
  SEXP refs = get(spec, "refs");
  for (R_xlen_t i = 0; refs != R_NilValue && i < Rf_xlength(refs); i++) {
    SEXP r = VECTOR_ELT(refs, i);
    CRR_TRY(causal_chart_add_refline(c, crr_int(get(r, "axis"), "axis"),
                                     crr_double(get(r, "value"), "value"),
                                     opt_str(get(r, "label"), "label")));
  }
  *out = c;
  return h;
}

/* A causal_result from the plain form of R/result.R (.result_plain). */
static SEXP build_result(SEXP plain, causal_result **out) {
  SEXP h = crr_handle(RES_TAG, result_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_result_new(&r, crr_string(get(plain, "kind"), "kind")));
  R_SetExternalPtrAddr(h, r);
  SEXP ents = get(plain, "entries");
  SEXP nm = Rf_getAttrib(ents, R_NamesSymbol);
  for (R_xlen_t i = 0; i < Rf_xlength(ents); i++) {
    SEXP e = VECTOR_ELT(ents, i);
    const char *name = crr_str_at(nm, i, "entry name");
    int type = crr_int(get(e, "type"), "entry type");
    size_t n = 0;
    const double *v = dbl(get(e, "values"), "values", &n);
    if (type == CAUSAL_ENTRY_SCALAR) {
      CRR_TRY(causal_result_set_scalar(r, name, n ? v[0] : NA_REAL));
    } else if (type == CAUSAL_ENTRY_STRING) {
      CRR_TRY(causal_result_set_string(
          r, name, crr_string(get(e, "string"), "string")));
    } else if (type == CAUSAL_ENTRY_VECTOR) {
      CRR_TRY(causal_result_set_vector(
          r, name, v, n, strs(get(e, "rownames"), "rownames", 0)));
    } else {
      size_t nr = crr_size(get(e, "nrow"), "nrow");
      size_t nc = crr_size(get(e, "ncol"), "ncol");
      if (nr * nc != n)
        crr_stop_msg(CAUSAL_EDIM, "entry '%s': %zu values for %zu x %zu",
                     name, n, nr, nc);
      const char **rn = strs(get(e, "rownames"), "rownames", 0);
      if (type == CAUSAL_ENTRY_TABLE && nc == CAUSAL_TABLE_NCOLS)
        CRR_TRY(causal_result_set_table(r, name, rn, nr, v, v + nr,
                                        v + 2 * nr, v + 3 * nr, v + 4 * nr,
                                        v + 5 * nr));
      else
        CRR_TRY(causal_result_set_matrix(
            r, name, v, nr, nc, rn, strs(get(e, "colnames"), "colnames", 0)));
    }
  }
  SEXP w = get(plain, "warnings");
  for (R_xlen_t i = 0; w != R_NilValue && i < Rf_xlength(w); i++)
    CRR_TRY(causal_result_add_warning(r, crr_str_at(w, i, "warning")));
  *out = r;
  return h;
}

static void add_block(causal_report *rep, SEXP b) {
  const char *type = crr_string(get(b, "type"), "block type");
  if (strcmp(type, "heading") == 0) {
    CRR_TRY(causal_report_add_heading(rep, crr_int(get(b, "level"), "level"),
                                      crr_string(get(b, "text"), "text")));
  } else if (strcmp(type, "paragraph") == 0) {
    CRR_TRY(causal_report_add_paragraph(rep,
                                        crr_string(get(b, "text"), "text")));
  } else if (strcmp(type, "keyvalue") == 0) {
    SEXP k = get(b, "keys"), v = get(b, "values");
    if (Rf_xlength(k) != Rf_xlength(v))
      crr_stop_msg(CAUSAL_EDIM, "keys and values differ in length");
    CRR_TRY(causal_report_add_keyvalue(rep, strs(k, "keys", 0),
                                       strs(v, "values", 0),
                                       (size_t)Rf_xlength(k)));
  } else if (strcmp(type, "table") == 0) {
    SEXP cn = get(b, "colnames"), cells = get(b, "cells");
    size_t ncol = (size_t)Rf_xlength(cn);
    size_t ncell = (size_t)Rf_xlength(cells);
    if (ncol == 0 || ncell % ncol != 0)
      crr_stop_msg(CAUSAL_EDIM, "table: %zu cells for %zu columns", ncell,
                   ncol);
    CRR_TRY(causal_report_add_table(
        rep, opt_str(get(b, "caption"), "caption"), strs(cn, "colnames", 0),
        ncol, strs(cells, "cells", 1), ncell / ncol));
  } else if (strcmp(type, "numeric") == 0) {
    size_t n = 0;
    const double *v = dbl(get(b, "values"), "values", &n);
    size_t nr = crr_size(get(b, "nrow"), "nrow");
    size_t nc = crr_size(get(b, "ncol"), "ncol");
    if (nr * nc != n)
      crr_stop_msg(CAUSAL_EDIM, "table: %zu values for %zu x %zu", n, nr,
                   nc);
    CRR_TRY(causal_report_add_numeric_table(
        rep, opt_str(get(b, "caption"), "caption"),
        strs(get(b, "rownames"), "rownames", 0),
        strs(get(b, "colnames"), "colnames", 0), v, nr, nc));
  } else if (strcmp(type, "result") == 0) {
    causal_result *r = NULL;
    SEXP h = build_result(get(b, "result"), &r);
    CRR_TRY(causal_report_add_result(
        rep, r, opt_str(get(b, "caption"), "caption")));
    causal_result_free(r);
    R_ClearExternalPtr(h);
    UNPROTECT(1);
  } else if (strcmp(type, "chart") == 0) {
    causal_chart *c = NULL;
    SEXP h = build_chart(get(b, "chart"), &c);
    CRR_TRY(causal_report_add_chart(rep, c));
    causal_chart_free(c);
    R_ClearExternalPtr(h);
    UNPROTECT(1);
  } else {
    crr_stop_msg(CAUSAL_EINVAL, "unknown block type '%s'", type);
  }
}

static SEXP text_out(SEXP hb, char *text, size_t len) {
  R_SetExternalPtrAddr(hb, text);
  SEXP out = PROTECT(Rf_allocVector(STRSXP, 1));
  SET_STRING_ELT(out, 0, Rf_mkCharLenCE(text, (int)len, CE_UTF8));
  causal_free(text);
  R_ClearExternalPtr(hb);
  UNPROTECT(1);
  return out;
}

/* format: 0 HTML, 1 Markdown. */
SEXP C_report_render(SEXP spec, SEXP format) {
  int fmt = crr_int(format, "format");
  SEXP h = crr_handle(REP_TAG, report_finalize, R_NilValue, NULL);
  causal_report *rep = NULL;
  CRR_TRY(causal_report_new(&rep, crr_string(get(spec, "title"), "title")));
  R_SetExternalPtrAddr(h, rep);
  CRR_TRY(causal_report_set_int(rep, CAUSAL_REPORT_DIGITS,
                                crr_int(get(spec, "digits"), "digits")));
  CRR_TRY(causal_report_set_int(rep, CAUSAL_REPORT_MD_IMAGES,
                                crr_bool(get(spec, "md_images"), "images")));
  SEXP blocks = get(spec, "blocks");
  for (R_xlen_t i = 0; blocks != R_NilValue && i < Rf_xlength(blocks); i++)
    add_block(rep, VECTOR_ELT(blocks, i));
  SEXP hb = crr_buffer_handle();
  char *text = NULL;
  size_t len = 0;
  CRR_TRY(fmt == 1 ? causal_report_to_markdown(rep, &text, &len)
                   : causal_report_to_html(rep, &text, &len));
  SEXP out = PROTECT(text_out(hb, text, len));
  causal_report_free(rep);
  R_ClearExternalPtr(h);
  UNPROTECT(3);
  return out;
}

SEXP C_chart_svg(SEXP spec) {
  causal_chart *c = NULL;
  SEXP h = build_chart(spec, &c);
  SEXP hb = crr_buffer_handle();
  char *text = NULL;
  size_t len = 0;
  CRR_TRY(causal_chart_to_svg(c, &text, &len));
  SEXP out = PROTECT(text_out(hb, text, len));
  causal_chart_free(c);
  R_ClearExternalPtr(h);
  UNPROTECT(3);
  return out;
}
