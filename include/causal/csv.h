/* libcausal — CSV reader.
 *
 * RFC 4180: fields separated by a delimiter (',' by default), records by
 * LF or CRLF, fields optionally enclosed in double quotes with "" as an
 * escaped quote; quoted fields may contain delimiters and line breaks. A
 * UTF-8 byte-order mark at the start is skipped. The first record is the
 * header unless CAUSAL_CSV_HEADER is 0 (then columns are named V1, V2, ...).
 *
 * Types: a column is F64, I64, BOOL or CAT. Unless given by
 * causal_csv_options_set_type(), a column's type is inferred from the first
 * CAUSAL_CSV_INFER_ROWS records (default 10000; 0 = whole input, only for
 * whole-input reads): I64 if every non-NA value is an integer that fits,
 * else F64 if every value parses as a number (including inf/nan spellings),
 * else BOOL if every value is one of true/false/TRUE/FALSE/True/False,
 * else CAT. A column with only NA values is F64. A later value that does
 * not fit an I64 column promotes it to F64 in whole-input reads; in
 * streaming reads the types are fixed by the first chunk and such a value
 * is a CAUSAL_EPARSE error giving its line and column.
 *
 * NA tokens: fields equal to one of the NA tokens are missing (default
 * "" and "NA"; causal_csv_options_add_na replaces the default set on its
 * first call). Quoted fields are never NA tokens unless the token is "".
 *
 * Errors carry 1-based line and column numbers and the column name, e.g.
 * "line 17, column 3 ('age'): cannot parse 'abc' as f64".
 */
#ifndef CAUSAL_CSV_H
#define CAUSAL_CSV_H

#include "causal/core.h"
#include "causal/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_csv_options causal_csv_options;
typedef struct causal_csv_reader causal_csv_reader;

enum {
  CAUSAL_CSV_DELIMITER = 1,  /* byte value, default ','; not '"', CR or LF */
  CAUSAL_CSV_HEADER = 2,     /* 1 (default) or 0 */
  CAUSAL_CSV_INFER_ROWS = 3, /* records used for type inference, >= 0 */
  CAUSAL_CSV_CHUNK_ROWS = 4  /* streaming: max rows per chunk, >= 1
                                (default 65536) */
};

CAUSAL_API int causal_csv_options_new(causal_csv_options **out);
CAUSAL_API void causal_csv_options_free(causal_csv_options *o);
CAUSAL_API int causal_csv_options_set_int(causal_csv_options *o, int key,
                                          int64_t value);
CAUSAL_API int causal_csv_options_get_int(const causal_csv_options *o, int key,
                                          int64_t *value);
/* Valid range of an integer option. */
CAUSAL_API int causal_csv_options_bounds(int key, int64_t *min, int64_t *max);
CAUSAL_API int causal_csv_options_add_na(causal_csv_options *o,
                                         const char *token);
/* Fix a column's type (one of CAUSAL_TYPE_*) by header name. */
CAUSAL_API int causal_csv_options_set_type(causal_csv_options *o,
                                           const char *column, int type);

/* Whole-input reads. opts may be NULL for defaults. */
CAUSAL_API int causal_csv_read_file(causal_dataset **out, const char *path,
                                    const causal_csv_options *opts);
CAUSAL_API int causal_csv_read_buffer(causal_dataset **out, const char *buf,
                                      size_t len,
                                      const causal_csv_options *opts);

/* Streaming: memory is bounded by the chunk size, whatever the file size.
 * next() sets *chunk to a new dataset of up to CHUNK_ROWS rows, or to NULL
 * at the end of input (status CAUSAL_OK). Every chunk has the same columns
 * and types; categorical codes are consistent across chunks (each chunk's
 * label table extends the previous one's). */
CAUSAL_API int causal_csv_reader_open(causal_csv_reader **out,
                                      const char *path,
                                      const causal_csv_options *opts);
CAUSAL_API int causal_csv_reader_next(causal_csv_reader *r,
                                      causal_dataset **chunk);
/* Records consumed so far (data rows, excluding the header). */
CAUSAL_API int64_t causal_csv_reader_rows(const causal_csv_reader *r);
CAUSAL_API void causal_csv_reader_free(causal_csv_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_CSV_H */
