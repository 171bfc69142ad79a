/* Datasets (data.frame <-> causal_dataset), CSV reading and design
 * matrices. */
#include "glue.h"

#include <math.h>
#include <string.h>

#define DS_TAG "causal_dataset"

static void ds_finalize(SEXP p) {
  causal_dataset_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void csvopt_finalize(SEXP p) {
  causal_csv_options_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static void design_finalize(SEXP p) {
  causal_design_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* Validity mask (1 = present) or NULL when nothing is missing. */
static uint8_t *int_mask(const int *v, size_t n) {
  uint8_t *valid = NULL;
  for (size_t i = 0; i < n; i++) {
    if (v[i] == NA_INTEGER) {
      if (valid == NULL) {
        valid = (uint8_t *)R_alloc(n + 1, 1);
        memset(valid, 1, n);
      }
      valid[i] = 0;
    }
  }
  return valid;
}

static void add_column(causal_dataset *ds, const char *name, SEXP col,
                       int borrow) {
  size_t n = (size_t)Rf_xlength(col);
  if (Rf_isFactor(col)) {
    SEXP lev = Rf_getAttrib(col, R_LevelsSymbol);
    size_t nl = (size_t)Rf_xlength(lev);
    const char **labels = (const char **)R_alloc(nl + 1, sizeof(char *));
    for (size_t k = 0; k < nl; k++)
      labels[k] = Rf_translateCharUTF8(STRING_ELT(lev, (R_xlen_t)k));
    int32_t *codes = (int32_t *)R_alloc(n + 1, sizeof(int32_t));
    const int *v = INTEGER(col);
    for (size_t i = 0; i < n; i++)
      codes[i] = v[i] == NA_INTEGER ? -1 : (int32_t)(v[i] - 1);
    CRR_TRY(causal_dataset_add_cat(ds, name, codes, n, labels, nl,
                                   CAUSAL_COPY));
    return;
  }
  switch (TYPEOF(col)) {
  case REALSXP:
    /* R's NA_real_ and NaN are both NaN: missing for the library. */
    CRR_TRY(causal_dataset_add_f64(ds, name, REAL(col), NULL, n,
                                   borrow ? CAUSAL_BORROW : CAUSAL_COPY));
    break;
  case INTSXP: {
    const int *v = INTEGER(col);
    int64_t *data = (int64_t *)R_alloc(n + 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++)
      data[i] = v[i] == NA_INTEGER ? 0 : v[i];
    CRR_TRY(causal_dataset_add_i64(ds, name, data, int_mask(v, n), n,
                                   CAUSAL_COPY));
    break;
  }
  case LGLSXP: {
    const int *v = LOGICAL(col);
    uint8_t *data = (uint8_t *)R_alloc(n + 1, 1);
    for (size_t i = 0; i < n; i++)
      data[i] = v[i] != NA_LOGICAL && v[i] != 0;
    CRR_TRY(causal_dataset_add_bool(ds, name, data, int_mask(v, n), n,
                                    CAUSAL_COPY));
    break;
  }
  case STRSXP: {
    const char **s = (const char **)R_alloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
      SEXP c = STRING_ELT(col, (R_xlen_t)i);
      s[i] = c == NA_STRING ? NULL : Rf_translateCharUTF8(c);
    }
    CRR_TRY(causal_dataset_add_strings(ds, name, s, n));
    break;
  }
  default:
    crr_stop_msg(CAUSAL_ETYPE,
                 "column '%s': unsupported R type '%s' (use numeric, "
                 "integer, logical, factor or character)",
                 name, Rf_type2char(TYPEOF(col)));
  }
}

/* cols: list of column vectors; names: their names. With borrow, double
 * columns are used in place and `cols` is kept alive by the handle. */
SEXP C_dataset_from_list(SEXP cols, SEXP names, SEXP borrow_) {
  int borrow = crr_bool(borrow_, "borrow");
  if (TYPEOF(cols) != VECSXP || TYPEOF(names) != STRSXP ||
      Rf_xlength(cols) != Rf_xlength(names))
    crr_stop_msg(CAUSAL_EINVAL, "columns and names must match");
  SEXP h = crr_handle(DS_TAG, ds_finalize, borrow ? cols : R_NilValue,
                      "causal_dataset");
  causal_dataset *ds = NULL;
  CRR_TRY(causal_dataset_new(&ds));
  R_SetExternalPtrAddr(h, ds);
  for (R_xlen_t j = 0; j < Rf_xlength(cols); j++) {
    SEXP nm = STRING_ELT(names, j);
    if (nm == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "column %d has an NA name", (int)j + 1);
    add_column(ds, Rf_translateCharUTF8(nm), VECTOR_ELT(cols, j), borrow);
  }
  UNPROTECT(1);
  return h;
}

static SEXP column_to_r(const causal_dataset *ds, size_t j, size_t n) {
  int type = 0;
  CRR_TRY(causal_dataset_col_type(ds, j, &type));
  SEXP out = R_NilValue;
  if (type == CAUSAL_TYPE_F64) {
    const double *d = NULL;
    const uint8_t *valid = NULL;
    CRR_TRY(causal_dataset_col_f64(ds, j, &d, &valid));
    /* Every missing value, masked or NaN (the library's convention),
     * becomes R's NA. */
    out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++)
      REAL(out)[i] = (valid && !valid[i]) || isnan(d[i]) ? NA_REAL : d[i];
  } else if (type == CAUSAL_TYPE_I64) {
    const int64_t *d = NULL;
    const uint8_t *valid = NULL;
    CRR_TRY(causal_dataset_col_i64(ds, j, &d, &valid));
    int fits = 1;
    for (size_t i = 0; i < n && fits; i++)
      fits = (valid && !valid[i]) || (d[i] > -2147483647 - 1 &&
                                      d[i] <= 2147483647);
    out = PROTECT(Rf_allocVector(fits ? INTSXP : REALSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++) {
      int na = valid && !valid[i];
      if (fits)
        INTEGER(out)[i] = na ? NA_INTEGER : (int)d[i];
      else
        REAL(out)[i] = na ? NA_REAL : (double)d[i];
    }
  } else if (type == CAUSAL_TYPE_BOOL) {
    const uint8_t *d = NULL;
    const uint8_t *valid = NULL;
    CRR_TRY(causal_dataset_col_bool(ds, j, &d, &valid));
    out = PROTECT(Rf_allocVector(LGLSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++)
      LOGICAL(out)[i] = valid && !valid[i] ? NA_LOGICAL : d[i] != 0;
  } else if (type == CAUSAL_TYPE_CAT) {
    const int32_t *codes = NULL;
    size_t nl = 0;
    CRR_TRY(causal_dataset_col_cat(ds, j, &codes));
    CRR_TRY(causal_dataset_cat_nlevels(ds, j, &nl));
    out = PROTECT(Rf_allocVector(INTSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++)
      INTEGER(out)[i] = codes[i] < 0 ? NA_INTEGER : codes[i] + 1;
    SEXP lev = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nl));
    for (size_t k = 0; k < nl; k++)
      SET_STRING_ELT(lev, (R_xlen_t)k,
                     Rf_mkCharCE(causal_dataset_cat_label(ds, j, k), CE_UTF8));
    Rf_setAttrib(out, R_LevelsSymbol, lev);
    SEXP cls = PROTECT(Rf_mkString("factor"));
    Rf_setAttrib(out, R_ClassSymbol, cls);
    UNPROTECT(2);
  } else {
    crr_stop_msg(CAUSAL_ETYPE, "column %zu has unknown type %d", j + 1, type);
  }
  UNPROTECT(1);
  return out;
}

/* The columns of a dataset as a named list of R vectors. */
SEXP C_dataset_to_list(SEXP x) {
  causal_dataset *ds = crr_get(x, DS_TAG);
  size_t nc = causal_dataset_ncols(ds), n = causal_dataset_nrows(ds);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)nc));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nc));
  for (size_t j = 0; j < nc; j++) {
    SET_STRING_ELT(nm, (R_xlen_t)j,
                   Rf_mkCharCE(causal_dataset_col_name(ds, j), CE_UTF8));
    SET_VECTOR_ELT(out, (R_xlen_t)j, column_to_r(ds, j, n));
  }
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}

/* list(nrow, names, types, nmissing) */
SEXP C_dataset_info(SEXP x) {
  causal_dataset *ds = crr_get(x, DS_TAG);
  size_t nc = causal_dataset_ncols(ds);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 4));
  SET_VECTOR_ELT(out, 0, Rf_ScalarReal((double)causal_dataset_nrows(ds)));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nc));
  SEXP ty = PROTECT(Rf_allocVector(INTSXP, (R_xlen_t)nc));
  SEXP na = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)nc));
  for (size_t j = 0; j < nc; j++) {
    int t = 0;
    size_t m = 0;
    CRR_TRY(causal_dataset_col_type(ds, j, &t));
    CRR_TRY(causal_dataset_col_nmissing(ds, j, &m));
    SET_STRING_ELT(nm, (R_xlen_t)j,
                   Rf_mkCharCE(causal_dataset_col_name(ds, j), CE_UTF8));
    INTEGER(ty)[j] = t;
    REAL(na)[j] = (double)m;
  }
  SET_VECTOR_ELT(out, 1, nm);
  SET_VECTOR_ELT(out, 2, ty);
  SET_VECTOR_ELT(out, 3, na);
  UNPROTECT(4);
  return out;
}

static void reader_finalize(SEXP p) {
  causal_csv_reader_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* CSV options from R arguments in a new external pointer, returned
 * PROTECTed (the caller UNPROTECTs it). na: NULL for the library's
 * defaults or tokens. types: named integer vector of CAUSAL_TYPE_*
 * values. infer, chunk: NULL or a number of rows. */
static SEXP csv_options(SEXP delim_, SEXP header_, SEXP na, SEXP types,
                        SEXP infer, SEXP chunk) {
  int delim = crr_int(delim_, "delim");
  int header = crr_bool(header_, "header");
  SEXP ho = crr_handle("causal_csv_options", csvopt_finalize, R_NilValue,
                       NULL);
  causal_csv_options *o = NULL;
  CRR_TRY(causal_csv_options_new(&o));
  R_SetExternalPtrAddr(ho, o);
  CRR_TRY(causal_csv_options_set_int(o, CAUSAL_CSV_DELIMITER, delim));
  CRR_TRY(causal_csv_options_set_int(o, CAUSAL_CSV_HEADER, header));
  if (infer != R_NilValue)
    CRR_TRY(causal_csv_options_set_int(o, CAUSAL_CSV_INFER_ROWS,
                                       (int64_t)crr_size(infer,
                                                         "infer_rows")));
  if (chunk != R_NilValue)
    CRR_TRY(causal_csv_options_set_int(o, CAUSAL_CSV_CHUNK_ROWS,
                                       (int64_t)crr_size(chunk,
                                                         "chunk_rows")));
  if (na != R_NilValue) {
    if (TYPEOF(na) != STRSXP)
      crr_stop_msg(CAUSAL_EINVAL, "na must be a character vector");
    for (R_xlen_t i = 0; i < Rf_xlength(na); i++)
      if (STRING_ELT(na, i) != NA_STRING)
        CRR_TRY(causal_csv_options_add_na(
            o, Rf_translateCharUTF8(STRING_ELT(na, i))));
  }
  if (types != R_NilValue) {
    SEXP tn = Rf_getAttrib(types, R_NamesSymbol);
    if (TYPEOF(types) != INTSXP || tn == R_NilValue)
      crr_stop_msg(CAUSAL_EINVAL, "col_types must be named");
    for (R_xlen_t i = 0; i < Rf_xlength(types); i++)
      CRR_TRY(causal_csv_options_set_type(
          o, Rf_translateCharUTF8(STRING_ELT(tn, i)), INTEGER(types)[i]));
  }
  return ho;
}

static const char *source_string(SEXP source) {
  if (!Rf_isString(source) || Rf_xlength(source) != 1 ||
      STRING_ELT(source, 0) == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL, "the CSV source must be a single string");
  return Rf_translateCharUTF8(STRING_ELT(source, 0));
}

static const char *path_string(SEXP source) {
  source_string(source);
  return R_ExpandFileName(Rf_translateChar(STRING_ELT(source, 0)));
}

/* Whole-input read of a file (is_text FALSE) or of the text itself. */
SEXP C_csv_read(SEXP source, SEXP is_text_, SEXP delim, SEXP header,
                SEXP na, SEXP types, SEXP infer) {
  int is_text = crr_bool(is_text_, "is_text");
  source_string(source);
  SEXP ho = csv_options(delim, header, na, types, infer, R_NilValue);
  causal_csv_options *o = R_ExternalPtrAddr(ho);
  SEXP h = crr_handle(DS_TAG, ds_finalize, R_NilValue, "causal_dataset");
  causal_dataset *ds = NULL;
  if (is_text) {
    const char *s = source_string(source);
    CRR_TRY(causal_csv_read_buffer(&ds, s, strlen(s), o));
  } else {
    CRR_TRY(causal_csv_read_file(&ds, path_string(source), o));
  }
  R_SetExternalPtrAddr(h, ds);
  causal_csv_options_free(o);
  R_ClearExternalPtr(ho);
  UNPROTECT(2);
  return h;
}

/* Streaming reader: open, then next() until it returns NULL. */
SEXP C_csv_reader_open(SEXP path, SEXP delim, SEXP header, SEXP na,
                       SEXP types, SEXP infer, SEXP chunk) {
  const char *p = path_string(path);
  SEXP ho = csv_options(delim, header, na, types, infer, chunk);
  causal_csv_options *o = R_ExternalPtrAddr(ho);
  /* The reader's handle keeps the options alive with it. */
  SEXP h = crr_handle("causal_csv_reader", reader_finalize, ho,
                      "causal_csv_reader");
  causal_csv_reader *rd = NULL;
  CRR_TRY(causal_csv_reader_open(&rd, p, o));
  R_SetExternalPtrAddr(h, rd);
  UNPROTECT(2);
  return h;
}

SEXP C_csv_reader_next(SEXP x) {
  causal_csv_reader *rd = crr_get(x, "causal_csv_reader");
  SEXP h = crr_handle(DS_TAG, ds_finalize, R_NilValue, "causal_dataset");
  causal_dataset *ds = NULL;
  CRR_TRY(causal_csv_reader_next(rd, &ds));
  UNPROTECT(1);
  if (ds == NULL)
    return R_NilValue;
  R_SetExternalPtrAddr(h, ds);
  return h;
}

SEXP C_csv_reader_rows(SEXP x) {
  causal_csv_reader *rd = crr_get(x, "causal_csv_reader");
  return Rf_ScalarReal((double)causal_csv_reader_rows(rd));
}

/* Design matrix of a dataset: returns the result's plain-list form. */
SEXP C_design_build(SEXP x, SEXP terms, SEXP intercept, SEXP ref_cols,
                    SEXP ref_levels) {
  causal_dataset *ds = crr_get(x, DS_TAG);
  int icpt = crr_bool(intercept, "intercept");
  if (TYPEOF(terms) != STRSXP || TYPEOF(ref_cols) != STRSXP ||
      TYPEOF(ref_levels) != STRSXP ||
      Rf_xlength(ref_cols) != Rf_xlength(ref_levels))
    crr_stop_msg(CAUSAL_EINVAL, "terms and reference must be character");
  SEXP hd = crr_handle("causal_design", design_finalize, R_NilValue, NULL);
  causal_design *d = NULL;
  CRR_TRY(causal_design_new(&d));
  R_SetExternalPtrAddr(hd, d);
  CRR_TRY(causal_design_set_intercept(d, icpt));
  for (R_xlen_t i = 0; i < Rf_xlength(terms); i++) {
    SEXP t = STRING_ELT(terms, i);
    if (t == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "term %d is NA", (int)i + 1);
    CRR_TRY(causal_design_add_term(d, Rf_translateCharUTF8(t)));
  }
  for (R_xlen_t i = 0; i < Rf_xlength(ref_cols); i++) {
    SEXP c = STRING_ELT(ref_cols, i), l = STRING_ELT(ref_levels, i);
    if (c == NA_STRING || l == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "reference %d is NA", (int)i + 1);
    CRR_TRY(causal_design_set_reference(d, Rf_translateCharUTF8(c),
                                        Rf_translateCharUTF8(l)));
  }
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_design_build(&r, d, ds));
  SEXP out = PROTECT(crr_result_take(hr, r));
  causal_design_free(d);
  R_ClearExternalPtr(hd);
  UNPROTECT(3);
  return out;
}
