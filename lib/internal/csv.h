/* Internal pieces of the CSV reader, exposed for the unit tests. */
#ifndef CZ_INTERNAL_CSV_H
#define CZ_INTERNAL_CSV_H

#include "internal/core.h"

/* Number and boolean scanners used for type inference and conversion.
 * Surrounding blanks (space, tab) are accepted; the whole of s[0..n) must
 * form the value. They never depend on the locale. */

/* 1 and *out on success; 0 if not an integer; -1 if an integer that does
 * not fit in int64_t. */
int cz_csv_parse_i64(const char *s, size_t n, int64_t *out);
/* 1 and *out on success (correctly rounded, bit-identical to strtod on the
 * accepted syntax), 0 if not a number. Accepts [+-]digits[.digits][e[+-]
 * digits] (digits on at least one side of the point) and, ignoring case,
 * [+-]inf, [+-]infinity, [+-]nan. */
int cz_csv_parse_f64(const char *s, size_t n, double *out);
/* 1 and *out (0/1) for true/false/TRUE/FALSE/True/False, else 0. */
int cz_csv_parse_bool(const char *s, size_t n, uint8_t *out);

/* Size of the read buffer used for files (default 1 MiB, minimum 1). The
 * buffer grows when a record (or the type-inference prefix of a streaming
 * read) does not fit. Tests shrink it to exercise records that span reads. */
int cz_csv_options_set_bufsize(causal_csv_options *o, size_t bytes);

#endif
