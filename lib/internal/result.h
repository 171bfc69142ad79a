/* Internal result helpers for estimators that build large entries: fill a
 * buffer in place and hand it to the result without a copy. */
#ifndef CZ_INTERNAL_RESULT_H
#define CZ_INTERNAL_RESULT_H

#include "internal/core.h"

/* A buffer of n doubles from r's allocator (NULL with ENOMEM set). Free it
 * with cz_result_free_values unless it is passed to a _take function. */
double *cz_result_alloc_values(causal_result *r, size_t n);
void cz_result_free_values(causal_result *r, double *values);

/* As causal_result_set_matrix, but takes ownership of values (from
 * cz_result_alloc_values(r, nrow * ncol)) on success and on failure. */
int cz_result_take_matrix(causal_result *r, const char *name, double *values,
                          size_t nrow, size_t ncol,
                          const char *const *rownames,
                          const char *const *colnames);
/* Same for a vector of n values. */
int cz_result_take_vector(causal_result *r, const char *name, double *values,
                          size_t n, const char *const *names);

#endif
