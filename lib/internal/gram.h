/* Gram accumulator for tall, narrow blocks: C += A'A over many row blocks
 * A (b x p, column-major). Used by the OLS fast path (X'X) and the HC meat
 * (lib/regress.c, lib/vcov.c); implemented in lib/vcov.c.
 *
 * Why not dsyrk: for p of a few dozen columns OpenBLAS' dsyrk spends most
 * of its time packing, and a block-by-block dsyrk also pays a call per
 * block. For p <= CZ_GRAM_PMAX on a CPU with AVX-512 the accumulator uses
 * its own register-tiled kernel (4 x 4 column tiles, 8 rows per vector,
 * vector partial sums kept across blocks and reduced once at the end);
 * otherwise, and on other CPUs, it calls dsyrk per block. The two differ
 * only in the order of summation. */
#ifndef CZ_INTERNAL_GRAM_H
#define CZ_INTERNAL_GRAM_H

#include "internal/core.h"
#include "internal/regress.h"

#define CZ_GRAM_PMAX 64

typedef struct cz_gram {
  const cz_alloc *a;
  size_t p;
  int simd;     /* 1: the tiled kernel, 0: dsyrk */
  size_t ntile; /* 4 x 4 tiles of the upper triangle (simd) */
  double *acc;  /* simd: ntile x 16 x 8 partial sums; else p x p */
} cz_gram;

/* 1 when an accumulator of p columns uses the tiled kernel (then small
 * row blocks are best), 0 when it calls dsyrk (then large ones are). */
int cz_gram_fast(size_t p);
/* Zeroed accumulator for p >= 1 columns (CAUSAL_ENOMEM). */
int cz_gram_init(cz_gram *g, const cz_alloc *a, size_t p);
/* Add A'A for the b rows of A (ld lda >= b); A must be finite. */
void cz_gram_add(cz_gram *g, const double *A, size_t lda, size_t b);
/* Add sum_r w_r (a_r - shift)(a_r - shift)' over b rows, row r of column
 * j being cols[j][r] (p separate arrays, read in place: no copy of the
 * block); shift (p) and w (b) may be NULL (0 and 1). Meant for g->simd;
 * otherwise a plain reference loop. */
void cz_gram_addv(cz_gram *g, const double *const *cols, const double *shift,
                  const double *w, size_t b);
/* Residuals of one row block, in place from the columns: u_r = y_r -
 * sum_j (cols[j][r] - shift[j]) beta[j] for r < b; xr[j] += sum_r
 * (cols[j][r] - shift[j]) u_r; xmax[j] = max(xmax[j], max_r
 * |cols[j][r] - shift[j]|); returns u'u. k <= CZ_GRAM_PMAX. */
double cz_gram_resid(const double *const *cols, const double *shift,
                     const double *y, const double *beta, size_t k, size_t b,
                     double *u, double *xr, double *xmax);
/* C (p x p, ld ldc): upper triangle = beta * C + the accumulated sum. */
void cz_gram_get(const cz_gram *g, double beta, double *C, size_t ldc);
void cz_gram_free(cz_gram *g);

/* cz_vcov_compute for HC0/HC1 with the meat sum_i u_i^2 x_i x_i' already
 * accumulated by the caller (M, k x k, upper triangle read): the same
 * small-sample factor, label and df. in->X, in->u and in->gather are not
 * read. */
int cz_vcov_hc_given(const cz_alloc *a, const cz_vcov_in *in, const double *M,
                     cz_vcov_out *out);

#endif /* CZ_INTERNAL_GRAM_H */
