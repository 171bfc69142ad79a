/* libcausal — per-column summaries of a dataset (`causal describe`). */
#ifndef CAUSAL_DESCRIBE_H
#define CAUSAL_DESCRIBE_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Summarize every column of ds. The result (kind "describe") holds:
 *   matrix "summary"  one row per column (row names = column names) and
 *                     the columns count, missing, mean, sd, min, q25,
 *                     median, q75, max
 *   vector "type"     the CAUSAL_TYPE_* code of each column (named)
 *   vector "levels"   number of levels of categorical columns, else 0
 * count is the number of non-missing values. For F64/I64/BOOL columns
 * (BOOL as 0/1, so its mean is the share of true), mean and sd (n - 1
 * denominator) come from causal_moments, and the quartiles use linear
 * interpolation between order statistics (R's type 7, numpy's default).
 * Statistics that do not exist are NaN: all of them for categorical
 * columns, sd with fewer than two values, everything with none. Infinite
 * values enter min, max and the quartiles; mean and sd are then +-Inf/NaN
 * as arithmetic dictates, with a warning naming the column. */
CAUSAL_API int causal_describe_dataset(causal_result **out,
                                       const causal_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_DESCRIBE_H */
