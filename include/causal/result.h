/* libcausal — results.
 *
 * Every estimator returns a causal_result: an ordered list of named entries
 * plus warnings. Entry types (pinned values):
 *   CAUSAL_ENTRY_SCALAR   one double
 *   CAUSAL_ENTRY_VECTOR   doubles, with optional element names
 *   CAUSAL_ENTRY_MATRIX   nrow x ncol doubles, column-major, optional
 *                         row and column names
 *   CAUSAL_ENTRY_TABLE    a coefficient table: a matrix whose rows are
 *                         terms and whose columns are estimate, std_error,
 *                         statistic, p_value, conf_low, conf_high (in that
 *                         order), with row names = terms; plus its
 *                         attributes as separate entries if the estimator
 *                         adds them (e.g. "coef.statistic" = "t")
 *   CAUSAL_ENTRY_STRING   UTF-8 text
 * Entry names are unique. Matrix accessors work on tables too.
 * The result's kind ("ols", "describe", "design", ...) names its producer.
 *
 * JSON (causal_result_to_json):
 *   {"libcausal": "<version>", "kind": "<kind>",
 *    "entries": {"<name>": <value>, ...}, "warnings": ["...", ...]}
 * scalar -> number; string -> string; vector -> {"type": "vector",
 * "values": [...], "names": [...] or null}; matrix/table -> {"type":
 * "matrix"|"table", "nrow": r, "ncol": c, "values": [[row 1], [row 2], ...]
 * (row-major nesting), "rownames": [...]|null, "colnames": [...]|null}.
 * Numbers are written with 17 significant digits (round-trip exact).
 * NaN, +Inf and -Inf, which JSON lacks, are written as the strings "NaN",
 * "Infinity" and "-Infinity". Strings are escaped per RFC 8259; the output
 * is valid UTF-8 JSON.
 * Details: negative zero is written "-0.0" (so parsers keep the sign);
 * control characters use \n \t \r \b \f or \u00XX; U+2028/U+2029 are
 * written \u2028/\u2029; bytes that are not valid UTF-8 in names, strings
 * and warnings are replaced by U+FFFD in the JSON only (one per maximal
 * invalid subpart, as Python's errors="replace"), the stored text is not
 * changed. Two names differing only in invalid bytes then give equal keys.
 *
 * Names: entry names and kind are non-empty (CAUSAL_EINVAL otherwise).
 * Zero-length vectors, 0 x k and k x 0 matrices and 0-term tables are
 * allowed (their values pointer may then be NULL). Readers fail with
 * CAUSAL_ENOTFOUND naming a missing entry and CAUSAL_ETYPE for an entry of
 * another type. Name lookups use a hash index (constant time).
 */
#ifndef CAUSAL_RESULT_H
#define CAUSAL_RESULT_H

#include "causal/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_result causal_result;

enum {
  CAUSAL_ENTRY_SCALAR = 1,
  CAUSAL_ENTRY_VECTOR = 2,
  CAUSAL_ENTRY_MATRIX = 3,
  CAUSAL_ENTRY_TABLE = 4,
  CAUSAL_ENTRY_STRING = 5
};

/* Column indices of a TABLE entry. */
enum {
  CAUSAL_TABLE_ESTIMATE = 0,
  CAUSAL_TABLE_STD_ERROR = 1,
  CAUSAL_TABLE_STATISTIC = 2,
  CAUSAL_TABLE_P_VALUE = 3,
  CAUSAL_TABLE_CONF_LOW = 4,
  CAUSAL_TABLE_CONF_HIGH = 5,
  CAUSAL_TABLE_NCOLS = 6
};

/* ---- building (used by estimators; public so hosts can build too) ---- */
CAUSAL_API int causal_result_new(causal_result **out, const char *kind);
CAUSAL_API void causal_result_free(causal_result *r);
CAUSAL_API int causal_result_set_scalar(causal_result *r, const char *name,
                                        double value);
CAUSAL_API int causal_result_set_string(causal_result *r, const char *name,
                                        const char *value);
/* names: NULL or n strings. Data and names are copied. */
CAUSAL_API int causal_result_set_vector(causal_result *r, const char *name,
                                        const double *values, size_t n,
                                        const char *const *names);
CAUSAL_API int causal_result_set_matrix(causal_result *r, const char *name,
                                        const double *values, size_t nrow,
                                        size_t ncol,
                                        const char *const *rownames,
                                        const char *const *colnames);
/* A coefficient table of nterms rows; each column pointer has nterms
 * values (conf_low/conf_high may be NULL: filled with NaN). */
CAUSAL_API int causal_result_set_table(causal_result *r, const char *name,
                                       const char *const *terms, size_t nterms,
                                       const double *estimate,
                                       const double *std_error,
                                       const double *statistic,
                                       const double *p_value,
                                       const double *conf_low,
                                       const double *conf_high);
CAUSAL_API int causal_result_add_warning(causal_result *r, const char *text);
/* Setting an existing name replaces the entry (keeping its position). */

/* ---- reading ---- */
CAUSAL_API const char *causal_result_kind(const causal_result *r);
CAUSAL_API size_t causal_result_count(const causal_result *r);
/* Name of the i-th entry (insertion order), NULL if out of range. */
CAUSAL_API const char *causal_result_name(const causal_result *r, size_t i);
/* Type of a named entry; CAUSAL_ENOTFOUND if absent. */
CAUSAL_API int causal_result_type(const causal_result *r, const char *name,
                                  int *type);
CAUSAL_API int causal_result_get_scalar(const causal_result *r,
                                        const char *name, double *value);
/* *value owned by the result. */
CAUSAL_API int causal_result_get_string(const causal_result *r,
                                        const char *name, const char **value);
/* Views owned by the result, valid until it is freed. */
CAUSAL_API int causal_result_get_vector(const causal_result *r,
                                        const char *name,
                                        const double **values, size_t *n);
CAUSAL_API int causal_result_get_matrix(const causal_result *r,
                                        const char *name,
                                        const double **values, size_t *nrow,
                                        size_t *ncol);
/* Name of element k along axis 0 (rows / vector elements) or 1 (columns);
 * NULL when the entry has no names or k is out of range. */
CAUSAL_API const char *causal_result_dimname(const causal_result *r,
                                             const char *name, int axis,
                                             size_t k);
CAUSAL_API size_t causal_result_nwarnings(const causal_result *r);
CAUSAL_API const char *causal_result_warning(const causal_result *r, size_t i);

/* JSON text (NUL-terminated; *len excludes the NUL) in a new buffer freed
 * with causal_free. */
CAUSAL_API int causal_result_to_json(const causal_result *r, char **json,
                                     size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_RESULT_H */
