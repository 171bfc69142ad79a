/* libcausal — columnar datasets and design matrices.
 *
 * A causal_dataset is a set of named, typed columns of equal length.
 * Column types (pinned values):
 *   CAUSAL_TYPE_F64   double
 *   CAUSAL_TYPE_I64   int64_t
 *   CAUSAL_TYPE_BOOL  uint8_t, 0 = false, any other value = true
 *                     (stored normalized to 0/1 when copied)
 *   CAUSAL_TYPE_CAT   int32_t codes into a label table; code -1 = missing
 *
 * Missing values are explicit. Every column may carry a validity mask
 * (uint8_t per row, nonzero = present). For F64 columns a NaN value is also
 * missing (the NA convention of R and pandas); +-Inf are values, which
 * estimators reject with CAUSAL_ENONFINITE. For CAT columns code -1 is
 * missing. causal_dataset_col_nmissing() counts all of these.
 *
 * Ownership: with CAUSAL_COPY the dataset copies the caller's arrays. With
 * CAUSAL_BORROW it keeps pointers to them (zero-copy): the caller must keep
 * the arrays alive and unmodified until causal_dataset_free() of this
 * dataset. Datasets derived from it (subsets) always own copies, so they
 * never extend the borrow. Labels of categorical columns are always copied.
 * The library never writes to caller arrays.
 *
 * The first column added fixes the number of rows; later columns must match.
 * A dataset is safe for concurrent reads from several threads once built.
 */
#ifndef CAUSAL_DATASET_H
#define CAUSAL_DATASET_H

#include "causal/core.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_dataset causal_dataset;

enum {
  CAUSAL_TYPE_F64 = 1,
  CAUSAL_TYPE_I64 = 2,
  CAUSAL_TYPE_BOOL = 3,
  CAUSAL_TYPE_CAT = 4
};

enum { CAUSAL_COPY = 0, CAUSAL_BORROW = 1 };

CAUSAL_API int causal_dataset_new(causal_dataset **out);
CAUSAL_API void causal_dataset_free(causal_dataset *ds);

/* Add a column. name: non-empty, unique (CAUSAL_EEXISTS otherwise), UTF-8.
 * valid: optional mask of n bytes (NULL = all present, except NaN for F64).
 * ownership: CAUSAL_COPY or CAUSAL_BORROW (the valid mask follows the same
 * rule). n must equal the dataset's row count once it has one; n = 0 is
 * allowed (an empty dataset). */
CAUSAL_API int causal_dataset_add_f64(causal_dataset *ds, const char *name,
                                      const double *data, const uint8_t *valid,
                                      size_t n, int ownership);
CAUSAL_API int causal_dataset_add_i64(causal_dataset *ds, const char *name,
                                      const int64_t *data,
                                      const uint8_t *valid, size_t n,
                                      int ownership);
/* BOOL columns are normalized to 0/1, so a BORROW of values other than 0/1
 * is copied instead (documented exception; the caller's array is untouched). */
CAUSAL_API int causal_dataset_add_bool(causal_dataset *ds, const char *name,
                                       const uint8_t *data,
                                       const uint8_t *valid, size_t n,
                                       int ownership);
/* codes[i] in [-1, nlevels); labels: nlevels distinct non-NULL strings,
 * always copied. nlevels may be 0 when every code is -1. */
CAUSAL_API int causal_dataset_add_cat(causal_dataset *ds, const char *name,
                                      const int32_t *codes, size_t n,
                                      const char *const *labels,
                                      size_t nlevels, int ownership);
/* Categorical column from strings: levels are the distinct non-NULL
 * strings in sorted (byte) order; NULL entries are missing. Copies. */
CAUSAL_API int causal_dataset_add_strings(causal_dataset *ds, const char *name,
                                          const char *const *values, size_t n);

CAUSAL_API size_t causal_dataset_nrows(const causal_dataset *ds);
CAUSAL_API size_t causal_dataset_ncols(const causal_dataset *ds);
/* Column name by index, NULL if out of range. Owned by the dataset. */
CAUSAL_API const char *causal_dataset_col_name(const causal_dataset *ds,
                                               size_t col);
/* Index of a named column; CAUSAL_ENOTFOUND if absent. */
CAUSAL_API int causal_dataset_col_index(const causal_dataset *ds,
                                        const char *name, size_t *col);
CAUSAL_API int causal_dataset_col_type(const causal_dataset *ds, size_t col,
                                       int *type);
CAUSAL_API int causal_dataset_col_nmissing(const causal_dataset *ds,
                                           size_t col, size_t *nmissing);

/* Read-only views of a column's storage (valid until the dataset is freed).
 * The typed getters fail with CAUSAL_ETYPE on a column of another type.
 * *valid is NULL when the column has no validity mask; the valid argument
 * itself may be NULL when the mask is not wanted. Column indices out of
 * range are CAUSAL_ERANGE. */
CAUSAL_API int causal_dataset_col_f64(const causal_dataset *ds, size_t col,
                                      const double **data,
                                      const uint8_t **valid);
CAUSAL_API int causal_dataset_col_i64(const causal_dataset *ds, size_t col,
                                      const int64_t **data,
                                      const uint8_t **valid);
CAUSAL_API int causal_dataset_col_bool(const causal_dataset *ds, size_t col,
                                       const uint8_t **data,
                                       const uint8_t **valid);
CAUSAL_API int causal_dataset_col_cat(const causal_dataset *ds, size_t col,
                                      const int32_t **codes);
CAUSAL_API int causal_dataset_cat_nlevels(const causal_dataset *ds, size_t col,
                                          size_t *nlevels);
/* Label of a level, NULL if col/level is out of range or not categorical. */
CAUSAL_API const char *causal_dataset_cat_label(const causal_dataset *ds,
                                                size_t col, size_t level);

/* Copy any column as doubles into out[0..n), n == nrows. Missing -> NaN;
 * BOOL -> 0/1; I64 -> nearest double (exact below 2^53); CAT -> level code. */
CAUSAL_API int causal_dataset_col_to_f64(const causal_dataset *ds, size_t col,
                                         double *out, size_t n);

/* New dataset with the rows where mask[i] != 0 (mask has nrows bytes). */
CAUSAL_API int causal_dataset_subset_mask(causal_dataset **out,
                                          const causal_dataset *ds,
                                          const uint8_t *mask, size_t n);
/* New dataset with rows idx[0..k) in that order (repeats allowed);
 * every idx in [0, nrows) (CAUSAL_ERANGE naming the position otherwise).
 * k = 0 gives a dataset with the same columns and no rows. Subsets and
 * selections always own copies of the data. */
CAUSAL_API int causal_dataset_subset_rows(causal_dataset **out,
                                          const causal_dataset *ds,
                                          const int64_t *idx, size_t k);
/* New dataset with the named columns, in that order (k >= 1; a name given
 * twice is CAUSAL_EEXISTS). */
CAUSAL_API int causal_dataset_select(causal_dataset **out,
                                     const causal_dataset *ds,
                                     const char *const *names, size_t k);
/* Append the rows of src to dst. Columns are matched by name (src may
 * order them differently) and must agree in type; a column present in only
 * one of them is CAUSAL_ENOTFOUND. Categorical labels are unified the way
 * R's rbind does: dst's levels keep their order and codes, levels found
 * only in src are appended in src's level order, and src's codes are
 * remapped. A validity mask is kept if either side has one. dst's columns
 * own their storage afterwards (a borrow ends). On failure dst is
 * unchanged. If src has no columns nothing happens; if dst has no columns
 * it receives a copy of src's columns. dst == src is allowed. */
CAUSAL_API int causal_dataset_append(causal_dataset *dst,
                                     const causal_dataset *src);

/* ---- Design matrices ----------------------------------------------------
 *
 * A causal_design is a model specification evaluated against a dataset:
 *   - an intercept (on by default; causal_design_set_intercept(d, 0) to drop)
 *   - terms: a column name "x", or an interaction "a:b" (any number of ':'
 *     separated columns). Numeric and BOOL columns enter as one column,
 *     categorical columns as treatment (dummy) contrasts: one 0/1 column per
 *     level except the reference level (the first level unless set with
 *     causal_design_set_reference). Without an intercept the first
 *     categorical main effect keeps all its levels (full dummy coding).
 *     Interactions multiply the component columns (a categorical component
 *     contributes its dummies).
 * Output column names: "(Intercept)", "x", "region[north]" (dummy for level
 * north), "x:region[north]".
 *
 * causal_design_build() drops rows with a missing value in any column the
 * design uses (listwise deletion) and reports it. Its result holds:
 *   matrix "X"          n_used x k, column-major, with column names
 *   vector "rows"       the 0-based dataset rows used, as doubles
 *   scalar "n_dropped"  rows dropped
 *   vector "dropped_by_column" per used column, rows missing in it
 *                        (element names = column names)
 * A level with no rows among the used rows still gets a (zero) column: the
 * estimators report such rank deficiency by name.
 *
 * Errors: add_term: empty term or component ("a::b", ":a"), or a column
 * named twice in a term -> CAUSAL_EPARSE; a term already present ("b:a"
 * duplicates "a:b") -> CAUSAL_EEXISTS. set_intercept: 0 or 1, else
 * CAUSAL_ERANGE. build: unknown column -> CAUSAL_ENOTFOUND naming the
 * term; reference column absent -> CAUSAL_ENOTFOUND, not categorical ->
 * CAUSAL_ETYPE, unknown level -> CAUSAL_ENOTFOUND naming it; no complete
 * row -> CAUSAL_EMISSING giving the rows missing per used column; no rows
 * or no design columns -> CAUSAL_EINVAL. The design is not modified by
 * build and can be evaluated against several datasets. Full rules and the
 * comparison with R's model.matrix: docs/methods/design.md. */
typedef struct causal_design causal_design;

CAUSAL_API int causal_design_new(causal_design **out);
CAUSAL_API void causal_design_free(causal_design *d);
CAUSAL_API int causal_design_set_intercept(causal_design *d, int intercept);
CAUSAL_API int causal_design_add_term(causal_design *d, const char *term);
CAUSAL_API int causal_design_set_reference(causal_design *d,
                                           const char *column,
                                           const char *level);
CAUSAL_API int causal_design_build(causal_result **out, const causal_design *d,
                                   const causal_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_DATASET_H */
