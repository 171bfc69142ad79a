/* causal_result <-> plain R lists. R code (R/result.R) turns the plain
 * list into the user-facing "causal_result" object and back. */
#include "glue.h"

#include <string.h>

#define RES_TAG "causal_result"

static void res_finalize(SEXP p) {
  causal_result_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static SEXP utf8(const char *s) {
  return Rf_mkCharCE(s ? s : "", CE_UTF8);
}

/* Names along an axis, or NULL if the entry has none. */
static SEXP dimnames_of(const causal_result *r, const char *name, int axis,
                        size_t len) {
  if (len == 0 || causal_result_dimname(r, name, axis, 0) == NULL)
    return R_NilValue;
  SEXP out = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)len));
  for (size_t k = 0; k < len; k++) {
    const char *s = causal_result_dimname(r, name, axis, k);
    SET_STRING_ELT(out, (R_xlen_t)k, s ? utf8(s) : NA_STRING);
  }
  UNPROTECT(1);
  return out;
}

static const char *entry_fields[] = {"type",     "values",   "nrow", "ncol",
                                     "rownames", "colnames", "string"};

static SEXP entry(const causal_result *r, const char *name) {
  int type = 0;
  CRR_TRY(causal_result_type(r, name, &type));
  SEXP e = PROTECT(Rf_allocVector(VECSXP, 7));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 7));
  for (int i = 0; i < 7; i++)
    SET_STRING_ELT(nm, i, Rf_mkChar(entry_fields[i]));
  Rf_setAttrib(e, R_NamesSymbol, nm);
  SET_VECTOR_ELT(e, 0, Rf_ScalarInteger(type));
  if (type == CAUSAL_ENTRY_SCALAR) {
    double v;
    CRR_TRY(causal_result_get_scalar(r, name, &v));
    SET_VECTOR_ELT(e, 1, Rf_ScalarReal(v));
  } else if (type == CAUSAL_ENTRY_STRING) {
    const char *s = NULL;
    CRR_TRY(causal_result_get_string(r, name, &s));
    SEXP str = PROTECT(Rf_allocVector(STRSXP, 1));
    SET_STRING_ELT(str, 0, utf8(s));
    SET_VECTOR_ELT(e, 6, str);
    UNPROTECT(1);
  } else if (type == CAUSAL_ENTRY_VECTOR) {
    const double *v = NULL;
    size_t n = 0;
    CRR_TRY(causal_result_get_vector(r, name, &v, &n));
    SEXP vals = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
    if (n > 0)
      memcpy(REAL(vals), v, n * sizeof(double));
    SET_VECTOR_ELT(e, 1, vals);
    SET_VECTOR_ELT(e, 4, dimnames_of(r, name, 0, n));
    UNPROTECT(1);
  } else if (type == CAUSAL_ENTRY_MATRIX || type == CAUSAL_ENTRY_TABLE) {
    const double *v = NULL;
    size_t nr = 0, nc = 0;
    CRR_TRY(causal_result_get_matrix(r, name, &v, &nr, &nc));
    SEXP vals = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)(nr * nc)));
    if (nr * nc > 0)
      memcpy(REAL(vals), v, nr * nc * sizeof(double));
    SET_VECTOR_ELT(e, 1, vals);
    SET_VECTOR_ELT(e, 2, Rf_ScalarReal((double)nr));
    SET_VECTOR_ELT(e, 3, Rf_ScalarReal((double)nc));
    SET_VECTOR_ELT(e, 4, dimnames_of(r, name, 0, nr));
    SET_VECTOR_ELT(e, 5, dimnames_of(r, name, 1, nc));
    UNPROTECT(1);
  }
  UNPROTECT(2);
  return e;
}

SEXP crr_result_entries(const causal_result *r) {
  size_t n = causal_result_count(r);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 3));
  SEXP onm = PROTECT(Rf_allocVector(STRSXP, 3));
  SET_STRING_ELT(onm, 0, Rf_mkChar("kind"));
  SET_STRING_ELT(onm, 1, Rf_mkChar("entries"));
  SET_STRING_ELT(onm, 2, Rf_mkChar("warnings"));
  Rf_setAttrib(out, R_NamesSymbol, onm);
  SEXP kind = PROTECT(Rf_allocVector(STRSXP, 1));
  SET_STRING_ELT(kind, 0, utf8(causal_result_kind(r)));
  SET_VECTOR_ELT(out, 0, kind);
  SEXP ents = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)n));
  SEXP enm = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
  for (size_t i = 0; i < n; i++) {
    const char *name = causal_result_name(r, i);
    SET_STRING_ELT(enm, (R_xlen_t)i, utf8(name));
    SET_VECTOR_ELT(ents, (R_xlen_t)i, entry(r, name));
  }
  Rf_setAttrib(ents, R_NamesSymbol, enm);
  SET_VECTOR_ELT(out, 1, ents);
  size_t nw = causal_result_nwarnings(r);
  SEXP warn = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nw));
  for (size_t i = 0; i < nw; i++)
    SET_STRING_ELT(warn, (R_xlen_t)i, utf8(causal_result_warning(r, i)));
  SET_VECTOR_ELT(out, 2, warn);
  UNPROTECT(6);
  return out;
}

/* NULL or the UTF-8 strings of a character vector of length n. */
static const char *const *strings(SEXP x, size_t n, const char *what) {
  if (x == R_NilValue)
    return NULL;
  if (TYPEOF(x) != STRSXP || (size_t)Rf_xlength(x) != n)
    crr_stop_msg(CAUSAL_EDIM, "%s must be a character vector of length %zu",
                 what, n);
  const char **s = (const char **)R_alloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    SEXP c = STRING_ELT(x, (R_xlen_t)i);
    s[i] = c == NA_STRING ? "NA" : Rf_translateCharUTF8(c);
  }
  return s;
}

static SEXP field(SEXP e, int i) {
  return TYPEOF(e) == VECSXP && Rf_xlength(e) == 7 ? VECTOR_ELT(e, i)
                                                   : R_NilValue;
}

static void set_entry(causal_result *r, const char *name, SEXP e) {
  int type = crr_int(field(e, 0), "entry type");
  SEXP vals = field(e, 1);
  if (type != CAUSAL_ENTRY_STRING && TYPEOF(vals) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "entry '%s': values must be double", name);
  switch (type) {
  case CAUSAL_ENTRY_SCALAR:
    if (Rf_xlength(vals) != 1)
      crr_stop_msg(CAUSAL_EDIM, "entry '%s': a scalar has one value", name);
    CRR_TRY(causal_result_set_scalar(r, name, REAL(vals)[0]));
    break;
  case CAUSAL_ENTRY_STRING:
    CRR_TRY(causal_result_set_string(r, name, crr_string(field(e, 6), name)));
    break;
  case CAUSAL_ENTRY_VECTOR: {
    size_t n = (size_t)Rf_xlength(vals);
    CRR_TRY(causal_result_set_vector(r, name, REAL(vals), n,
                                     strings(field(e, 4), n, "names")));
    break;
  }
  case CAUSAL_ENTRY_MATRIX:
  case CAUSAL_ENTRY_TABLE: {
    size_t nr = crr_size(field(e, 2), "nrow");
    size_t nc = crr_size(field(e, 3), "ncol");
    if ((size_t)Rf_xlength(vals) != nr * nc)
      crr_stop_msg(CAUSAL_EDIM, "entry '%s': %zu values for %zu x %zu", name,
                   (size_t)Rf_xlength(vals), nr, nc);
    const char *const *rn = strings(field(e, 4), nr, "rownames");
    if (type == CAUSAL_ENTRY_MATRIX) {
      CRR_TRY(causal_result_set_matrix(r, name, REAL(vals), nr, nc, rn,
                                       strings(field(e, 5), nc, "colnames")));
    } else {
      if (nc != CAUSAL_TABLE_NCOLS)
        crr_stop_msg(CAUSAL_EDIM, "entry '%s': a table has %d columns", name,
                     CAUSAL_TABLE_NCOLS);
      const double *v = REAL(vals);
      CRR_TRY(causal_result_set_table(r, name, rn, nr, v, v + nr, v + 2 * nr,
                                      v + 3 * nr, v + 4 * nr, v + 5 * nr));
    }
    break;
  }
  default:
    crr_stop_msg(CAUSAL_EINVAL, "entry '%s': unknown type %d", name, type);
  }
}

/* Build a causal_result from the plain-list form. want_json: return its
 * JSON text; otherwise return the plain list read back from it. */
SEXP C_result_build(SEXP kind, SEXP entries, SEXP warnings, SEXP want_json) {
  const char *k = crr_string(kind, "kind");
  int json = crr_bool(want_json, "json");
  if (TYPEOF(entries) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "entries must be a list");
  if (TYPEOF(warnings) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "warnings must be a character vector");
  SEXP names = Rf_getAttrib(entries, R_NamesSymbol);
  R_xlen_t n = Rf_xlength(entries);
  if (n > 0 && (names == R_NilValue))
    crr_stop_msg(CAUSAL_EINVAL, "entries must be named");
  SEXP h = crr_handle(RES_TAG, res_finalize, R_NilValue, NULL);
  causal_result *r = NULL;
  CRR_TRY(causal_result_new(&r, k));
  R_SetExternalPtrAddr(h, r);
  for (R_xlen_t i = 0; i < n; i++) {
    SEXP nm = STRING_ELT(names, i);
    if (nm == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "entry %d has no name", (int)i + 1);
    set_entry(r, Rf_translateCharUTF8(nm), VECTOR_ELT(entries, i));
  }
  for (R_xlen_t i = 0; i < Rf_xlength(warnings); i++) {
    SEXP w = STRING_ELT(warnings, i);
    CRR_TRY(causal_result_add_warning(
        r, w == NA_STRING ? "NA" : Rf_translateCharUTF8(w)));
  }
  SEXP out;
  if (json) {
    SEXP hb = crr_buffer_handle();
    char *text = NULL;
    size_t len = 0;
    CRR_TRY(causal_result_to_json(r, &text, &len));
    R_SetExternalPtrAddr(hb, text);
    out = PROTECT(Rf_allocVector(STRSXP, 1));
    SET_STRING_ELT(out, 0, Rf_mkCharLenCE(text, (int)len, CE_UTF8));
    causal_free(text);
    R_ClearExternalPtr(hb);
    UNPROTECT(2);
  } else {
    out = crr_result_entries(r);
  }
  PROTECT(out);
  causal_result_free(r);
  R_ClearExternalPtr(h);
  UNPROTECT(2);
  return out;
}
