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

#endif
