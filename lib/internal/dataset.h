/* Internal layout of causal_dataset, shared by dataset.c, design.c, csv.c
 * and the estimators. */
#ifndef CZ_INTERNAL_DATASET_H
#define CZ_INTERNAL_DATASET_H

#include "internal/core.h"

typedef struct cz_column {
  char *name;
  int type;       /* CAUSAL_TYPE_* */
  void *data;     /* double*, int64_t*, uint8_t* (BOOL 0/1), int32_t* (CAT) */
  uint8_t *valid; /* NULL = no mask (F64 NaN and CAT -1 are still missing) */
  int owns_data;  /* 0 when borrowed from the caller */
  int owns_valid;
  size_t nmissing; /* computed when the column is added */
  char **labels;   /* CAT: nlevels owned strings */
  size_t nlevels;
} cz_column;

struct causal_dataset {
  cz_alloc alloc;
  size_t nrows;
  int has_rows; /* nrows fixed by the first column */
  size_t ncols;
  size_t cap;
  cz_column *cols;
};

/* Add a column whose buffers (data, valid, labels and each label string)
 * were allocated with ds->alloc; the dataset takes ownership of them on
 * success and on failure (they are freed). valid may be NULL; labels only
 * for CAT. Computes nmissing. No copies: used by the CSV reader.
 * ds must not be NULL: without a dataset there is no allocator to free the
 * buffers with (the call then fails and the buffers leak; never do it). */
int cz_dataset_adopt(causal_dataset *ds, const char *name, int type,
                     void *data, uint8_t *valid, size_t n, char **labels,
                     size_t nlevels);

/* Column pointer by name, or NULL with a CAUSAL_ENOTFOUND message naming
 * the column (and listing close alternatives is welcome). */
const cz_column *cz_dataset_find(const causal_dataset *ds, const char *name);

/* Is row i of column c missing? */
static inline int cz_col_missing(const cz_column *c, size_t i) {
  if (c->valid != NULL && c->valid[i] == 0)
    return 1;
  if (c->type == CAUSAL_TYPE_F64)
    return ((const double *)c->data)[i] != ((const double *)c->data)[i];
  if (c->type == CAUSAL_TYPE_CAT)
    return ((const int32_t *)c->data)[i] < 0;
  return 0;
}

#endif
