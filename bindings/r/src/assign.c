/* Traffic assignment (include/causal/assign.h). The R code (R/assign.R)
 * checks arguments and turns names into 0-based indices; this glue packs
 * the ids as UTF-8 and calls the library. */
#include "glue.h"

#include <stdio.h>
#include <string.h>

#define CFG_TAG "causal_assign_config"

static void cfg_finalize(SEXP p) {
  causal_assign_config_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* ids (character, no NA) -> one UTF-8 buffer and n + 1 offsets, both in
 * R_alloc memory (released when the .Call returns, also on error). */
static void pack(SEXP ids, const char **data, int64_t **off, size_t *n) {
  if (TYPEOF(ids) != STRSXP)
    crr_stop_msg(CAUSAL_EINVAL, "ids must be character");
  R_xlen_t m = Rf_xlength(ids);
  int64_t *o = (int64_t *)R_alloc((size_t)m + 1, sizeof *o);
  size_t total = 0;
  o[0] = 0;
  for (R_xlen_t i = 0; i < m; i++) {
    SEXP c = STRING_ELT(ids, i);
    if (c == NA_STRING)
      crr_stop_msg(CAUSAL_EINVAL, "ids[%lld] is NA", (long long)i + 1);
    size_t len = strlen(Rf_translateCharUTF8(c));
    if (len == 0) /* caught here to report R's 1-based position */
      crr_stop_msg(CAUSAL_EINVAL, "ids[%lld] is empty", (long long)i + 1);
    total += len;
    o[i + 1] = (int64_t)total;
  }
  char *d = R_alloc(total + 1, 1);
  for (R_xlen_t i = 0; i < m; i++) {
    const char *s = Rf_translateCharUTF8(STRING_ELT(ids, i));
    memcpy(d + o[i], s, (size_t)(o[i + 1] - o[i]));
  }
  *data = d;
  *off = o;
  *n = (size_t)m;
}

static uint64_t u64(SEXP x, const char *what) {
  double v = crr_double(x, what);
  if (!(v >= 0 && v <= 18446744073709549568.0) || v != (double)(uint64_t)v)
    crr_stop_msg(CAUSAL_ERANGE, "%s = %g is not a non-negative whole number",
                 what, v);
  return (uint64_t)v;
}

SEXP C_assign_bucket(SEXP ids, SEXP salt, SEXP buckets) {
  const char *data;
  int64_t *off;
  size_t n;
  pack(ids, &data, &off, &n);
  uint64_t *b = (uint64_t *)R_alloc(n ? n : 1, sizeof *b);
  CRR_TRY(causal_assign_buckets(crr_string(salt, "salt"),
                                u64(buckets, "buckets"), data, off, n, b));
  SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
  for (size_t i = 0; i < n; i++)
    REAL(out)[i] = (double)b[i]; /* exact: buckets < 2^32 */
  UNPROTECT(1);
  return out;
}

/* 64-bit hashes as 16-digit lower-case hex strings (R has no uint64). */
SEXP C_assign_hash(SEXP ids, SEXP salt) {
  const char *data;
  int64_t *off;
  size_t n;
  pack(ids, &data, &off, &n);
  const char *s = crr_string(salt, "salt");
  SEXP out = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
  for (size_t i = 0; i < n; i++) {
    uint64_t h;
    int st = causal_assign_hash(s, data + off[i], (size_t)(off[i + 1] - off[i]),
                                &h);
    if (st != CAUSAL_OK)
      crr_stop_msg(st, "ids[%zu]: %s", i + 1, causal_last_error());
    char buf[17];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
    SET_STRING_ELT(out, (R_xlen_t)i, Rf_mkChar(buf));
  }
  UNPROTECT(1);
  return out;
}

/* The element `name` of a named list, or R_NilValue. */
static SEXP field(SEXP list, const char *name) {
  SEXP nm = Rf_getAttrib(list, R_NamesSymbol);
  for (R_xlen_t i = 0; i < Rf_xlength(list); i++)
    if (strcmp(CHAR(STRING_ELT(nm, i)), name) == 0)
      return VECTOR_ELT(list, i);
  crr_stop_msg(CAUSAL_EINVAL, "config spec lacks '%s'", name);
}

static double num_at(SEXP spec, const char *name, R_xlen_t i) {
  SEXP v = field(spec, name);
  if (TYPEOF(v) != REALSXP || i >= Rf_xlength(v))
    crr_stop_msg(CAUSAL_EINVAL, "config spec '%s' must be numeric", name);
  return REAL(v)[i];
}

static const char *str_at(SEXP spec, const char *name, R_xlen_t i) {
  SEXP v = field(spec, name);
  if (TYPEOF(v) != STRSXP || i >= Rf_xlength(v) || STRING_ELT(v, i) == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL, "config spec '%s' must be character", name);
  return Rf_translateCharUTF8(STRING_ELT(v, i));
}

static R_xlen_t len(SEXP spec, const char *name) {
  return Rf_xlength(field(spec, name));
}

/* spec: list(salt, buckets, holdout (numeric 0 or 2), dom_lo, dom_hi,
 * lay_domain, lay_salt, lay_buckets, exp_layer, exp_name, exp_lo, exp_hi,
 * exp_exposure, var_exp, var_name, var_weight, ovr_exp, ovr_id, ovr_var);
 * indices 0-based doubles. Returns a finalized config handle. */
SEXP C_assign_config(SEXP spec) {
  if (TYPEOF(spec) != VECSXP)
    crr_stop_msg(CAUSAL_EINVAL, "config spec must be a list");
  SEXP h = crr_handle(CFG_TAG, cfg_finalize, R_NilValue, "causal_assign_config");
  causal_assign_config *c = NULL;
  CRR_TRY(causal_assign_config_new(&c, crr_string(field(spec, "salt"), "salt"),
                                   u64(field(spec, "buckets"), "buckets")));
  R_SetExternalPtrAddr(h, c);
  if (len(spec, "holdout") == 2)
    CRR_TRY(causal_assign_set_holdout(c, (uint64_t)num_at(spec, "holdout", 0),
                                      (uint64_t)num_at(spec, "holdout", 1)));
  for (R_xlen_t i = 0; i < len(spec, "dom_lo"); i++)
    CRR_TRY(causal_assign_add_domain(c, (uint64_t)num_at(spec, "dom_lo", i),
                                     (uint64_t)num_at(spec, "dom_hi", i),
                                     NULL));
  for (R_xlen_t i = 0; i < len(spec, "lay_salt"); i++)
    CRR_TRY(causal_assign_add_layer(
        c, (int64_t)num_at(spec, "lay_domain", i), str_at(spec, "lay_salt", i),
        (uint64_t)num_at(spec, "lay_buckets", i), NULL));
  for (R_xlen_t i = 0; i < len(spec, "exp_name"); i++) {
    CRR_TRY(causal_assign_add_experiment(
        c, (int64_t)num_at(spec, "exp_layer", i), str_at(spec, "exp_name", i),
        (uint64_t)num_at(spec, "exp_lo", i), (uint64_t)num_at(spec, "exp_hi", i),
        NULL));
    CRR_TRY(causal_assign_set_exposure(c, (int64_t)i,
                                       num_at(spec, "exp_exposure", i)));
  }
  for (R_xlen_t i = 0; i < len(spec, "var_name"); i++)
    CRR_TRY(causal_assign_add_variant(c, (int64_t)num_at(spec, "var_exp", i),
                                      str_at(spec, "var_name", i),
                                      num_at(spec, "var_weight", i), NULL));
  for (R_xlen_t i = 0; i < len(spec, "ovr_id"); i++) {
    const char *id = str_at(spec, "ovr_id", i);
    CRR_TRY(causal_assign_add_override(c, (int64_t)num_at(spec, "ovr_exp", i),
                                       id, strlen(id),
                                       (int64_t)num_at(spec, "ovr_var", i)));
  }
  CRR_TRY(causal_assign_finalize(c));
  UNPROTECT(1);
  return h;
}

/* list(bucket (double), experiment (integer, -1 none), variant (integer:
 * index or negative reason)) for ids in a layer (0-based). */
SEXP C_assign_batch(SEXP cfg, SEXP ids, SEXP layer) {
  const causal_assign_config *c = crr_get(cfg, CFG_TAG);
  const char *data;
  int64_t *off;
  size_t n;
  pack(ids, &data, &off, &n);
  size_t m = n ? n : 1;
  uint64_t *b = (uint64_t *)R_alloc(m, sizeof *b);
  int64_t *e = (int64_t *)R_alloc(m, sizeof *e);
  int64_t *v = (int64_t *)R_alloc(m, sizeof *v);
  CRR_TRY(causal_assign_batch(c, (int64_t)crr_int(layer, "layer"), data, off,
                              n, b, e, v));
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 3));
  SEXP rb = Rf_allocVector(REALSXP, (R_xlen_t)n);
  SET_VECTOR_ELT(out, 0, rb);
  SEXP re = Rf_allocVector(INTSXP, (R_xlen_t)n);
  SET_VECTOR_ELT(out, 1, re);
  SEXP rv = Rf_allocVector(INTSXP, (R_xlen_t)n);
  SET_VECTOR_ELT(out, 2, rv);
  for (size_t i = 0; i < n; i++) {
    REAL(rb)[i] = (double)b[i];
    INTEGER(re)[i] = (int)e[i];
    INTEGER(rv)[i] = (int)v[i];
  }
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 3));
  SET_STRING_ELT(nm, 0, Rf_mkChar("bucket"));
  SET_STRING_ELT(nm, 1, Rf_mkChar("experiment"));
  SET_STRING_ELT(nm, 2, Rf_mkChar("variant"));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}
