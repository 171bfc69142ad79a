/* Shared helpers of the R glue. No printing from C: errors go back to R
 * as classed conditions built by R code (causal:::.causal_stop). */
#ifndef CAUSAL_R_GLUE_H
#define CAUSAL_R_GLUE_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>

#include <causal.h>

#include "routines.h"

/* Signal a classed R error for `status` with the library's last error
 * message (or `msg` for the _msg variant). Never returns. Everything the
 * caller allocated with the library must already be owned by an external
 * pointer with a finalizer. */
NORET void crr_stop(int status);
NORET void crr_stop_msg(int status, const char *fmt, ...);

#define CRR_TRY(expr)                                                          \
  do {                                                                         \
    int crr_st_ = (expr);                                                      \
    if (crr_st_ != CAUSAL_OK)                                                  \
      crr_stop(crr_st_);                                                       \
  } while (0)

/* A new external pointer with a NULL address, `fin` registered (onexit
 * TRUE) and class attribute `cls` (may be NULL). `prot` is kept alive
 * with it. Returned PROTECTed once: the caller UNPROTECTs it. Set the
 * address with R_SetExternalPtrAddr right after the C object exists,
 * before anything can raise an R error. */
SEXP crr_handle(const char *tag, R_CFinalizer_t fin, SEXP prot,
                const char *cls);
/* The address of an external pointer made by crr_handle with this tag;
 * a classed R error if x is not one or was freed (e.g. saved and
 * reloaded in another session). */
void *crr_get(SEXP x, const char *tag);

/* Scalars from R values already checked by the R wrappers; these check
 * again so that a direct .Call cannot crash. */
size_t crr_size(SEXP x, const char *what);
double crr_double(SEXP x, const char *what);
int crr_int(SEXP x, const char *what);
int crr_bool(SEXP x, const char *what);
const char *crr_string(SEXP x, const char *what);
/* An unsigned 128-bit integer from a whole non-negative double or a
 * decimal / 0x-hex string. */
void crr_u128(SEXP x, const char *what, uint64_t *hi, uint64_t *lo);

/* Result entries as a plain list for R code (see R/result.R). */
SEXP crr_result_entries(const causal_result *r);

/* ---- glue.c ---- */

/* The element `name` of a named list, or R_NilValue. */
SEXP crr_list_get(SEXP list, const char *name);
/* x[i + 1] of a character vector in UTF-8; an error naming `what` if NA. */
const char *crr_str_at(SEXP x, R_xlen_t i, const char *what);

/* The option lists int_keys/int_values, dbl_keys/dbl_values of a spec
 * (integer keys, double values; checked by crr_options_read). */
typedef struct {
  R_xlen_t nint, ndbl;
  const int *int_keys, *dbl_keys;
  const double *int_values, *dbl_values;
} crr_options;
void crr_options_read(SEXP spec, crr_options *o);
/* Integer option i; an error unless its value is a whole number. */
int64_t crr_option_int(const crr_options *o, R_xlen_t i);

/* A handle for a causal_regress, PROTECTed once; set its address right
 * after creating the object. */
SEXP crr_regress_handle(void);
/* Fill m from the spec list of R/regress.R (outcome, terms, intercept,
 * ref_cols, ref_levels, weights, offset, cluster, absorb, endog,
 * instruments and the option lists; absent fields are skipped). */
void crr_regress_spec(causal_regress *m, SEXP spec);

/* A handle for a causal_result, PROTECTed once. */
SEXP crr_result_handle(void);
/* Store r in hr, return r's plain-list form (not protected) and free r;
 * hr stays PROTECTed. */
SEXP crr_result_take(SEXP hr, causal_result *r);
/* A handle for a buffer the library allocated (freed with causal_free),
 * PROTECTed once. crr_raw_take stores buf in it, returns a copy as a raw
 * vector, frees buf and releases hb's protection. */
SEXP crr_buffer_handle(void);
SEXP crr_raw_take(SEXP hb, uint8_t *buf, size_t len);

#endif
