/* Internal dense linear algebra over BLAS (CBLAS) and LAPACKE.
 *
 * Private to the library. This is the layer the regression engine (OLS by
 * pivoted QR, sandwich covariances, IV, logistic IRLS) is built on.
 *
 * Conventions
 * - Matrices are column-major VIEWS over memory owned by someone else:
 *   element (i, j) is data[i + j * ld], ld >= max(1, nrow). Views never
 *   allocate or free. cz_cmat is the read-only variant; inputs that a
 *   function must not modify are passed as cz_cmat.
 * - Every function validates its views (NULL data with nonzero size,
 *   ld < nrow, sizes whose byte count overflows size_t) with CAUSAL_EINVAL,
 *   mismatched shapes with CAUSAL_EDIM, and dimensions that do not fit the
 *   BLAS/LAPACK integer type (32-bit `int` in the LP64 OpenBLAS we link)
 *   with CAUSAL_ERANGE naming the dimension.
 * - Functions doing O(n^3) or O(n k^2) work (syrk, gemm, Cholesky, QR,
 *   eigen, symmetric solves) first check their inputs for NaN/Inf with
 *   cz_check_finite, and fail with CAUSAL_ENONFINITE naming the first
 *   offending element in column-major order ("X[17, 2] is NaN"; 0-based
 *   row, column). Cheap O(nk) kernels (gemv, trsv) do not check.
 * - Error messages start with the `who` string the caller passes (usually
 *   the public function name), so the user sees where the failure arose.
 * - Scratch memory comes from a cz_ws workspace owned by the caller and
 *   grown on demand through its cz_alloc; reusing one workspace across
 *   calls means no allocation after the first call. A cz_ws pointer
 *   obtained from cz_ws_get is invalidated by the next cz_ws_get on the
 *   same workspace (and by any linalg call taking that workspace).
 * - Symmetric matrices: routines write the upper triangle and then mirror
 *   it (cz_sym_fill_lower), so outputs are always full symmetric matrices.
 * - BLAS threading is left exactly as the process configured it.
 */
#ifndef CZ_INTERNAL_LINALG_H
#define CZ_INTERNAL_LINALG_H

#include "internal/core.h"

#include <stdbool.h>
#include <stddef.h>

/* The integer type of the linked BLAS/LAPACK (checked against blasint and
 * lapack_int in linalg.c). */
typedef int cz_blas_int;

typedef struct cz_mat {
  double *data;
  size_t nrow, ncol, ld;
} cz_mat;

typedef struct cz_cmat {
  const double *data;
  size_t nrow, ncol, ld;
} cz_cmat;

static inline cz_mat cz_mat_view(double *data, size_t nrow, size_t ncol,
                                 size_t ld) {
  cz_mat m = {data, nrow, ncol, ld};
  return m;
}
static inline cz_cmat cz_cmat_view(const double *data, size_t nrow,
                                   size_t ncol, size_t ld) {
  cz_cmat m = {data, nrow, ncol, ld};
  return m;
}
/* Contiguous column-major view (ld = nrow, at least 1). */
static inline cz_mat cz_mat_dense(double *data, size_t nrow, size_t ncol) {
  return cz_mat_view(data, nrow, ncol, nrow ? nrow : 1);
}
static inline cz_cmat cz_cmat_dense(const double *data, size_t nrow,
                                    size_t ncol) {
  return cz_cmat_view(data, nrow, ncol, nrow ? nrow : 1);
}
static inline cz_cmat cz_mat_c(cz_mat m) {
  return cz_cmat_view(m.data, m.nrow, m.ncol, m.ld);
}
#define CZ_AT(m, i, j) ((m).data[(size_t)(i) + (size_t)(j) * (m).ld])

/* Convert a size to the BLAS integer type; CAUSAL_ERANGE "who: what = N
 * exceeds the BLAS integer limit INT_MAX" if it does not fit. */
int cz_blas_dim(const char *who, const char *what, size_t n, cz_blas_int *out);

/* Validate a view (see conventions). `name` is used in messages. */
int cz_mat_validate(const char *who, const char *name, cz_cmat a);

/* First NaN/Inf in column-major order -> CAUSAL_ENONFINITE
 * "who: name[i, j] is NaN" (or "is +Inf"/"is -Inf"). */
int cz_check_finite(const char *who, const char *name, cz_cmat a);
/* Vector variant: "who: name[i] is NaN". */
int cz_check_finite_vec(const char *who, const char *name, const double *x,
                        size_t n);

/* ---- workspace -------------------------------------------------------- */
typedef struct cz_ws {
  cz_alloc alloc;
  void *data;
  size_t cap; /* bytes */
} cz_ws;
void cz_ws_init(cz_ws *ws, const cz_alloc *a);
/* At least `bytes` bytes aligned for double; NULL + ENOMEM message. The
 * previous contents are not preserved when the block grows. */
void *cz_ws_get(cz_ws *ws, size_t bytes);
void cz_ws_free(cz_ws *ws);

/* ---- small helpers ---------------------------------------------------- */
/* Copy the upper triangle of square A into its lower triangle. */
void cz_sym_fill_lower(cz_mat a);
/* dst = src (same shape; ld may differ). */
int cz_mat_copy(const char *who, cz_mat dst, cz_cmat src);

/* ---- products --------------------------------------------------------- */
/* C = alpha * X'X + beta * C (dsyrk), C k x k, full symmetric on return.
 * With beta == 0, C's previous contents are ignored (may be garbage). */
int cz_xtx(const char *who, cz_cmat x, double alpha, double beta, cz_mat c);
/* C = X' diag(w) X with w >= 0 (n weights, finite). Rows are scaled by
 * sqrt(w_i) in blocks of CZ_LINALG_BLOCK rows into the workspace and fed to
 * dsyrk, so the scratch is CZ_LINALG_BLOCK * k doubles whatever n is. A
 * negative weight is CAUSAL_ERANGE naming it. */
#define CZ_LINALG_BLOCK 1024
int cz_xtwx(const char *who, cz_cmat x, const double *w, cz_mat c,
            cz_ws *ws);
/* y = alpha * op(A) x + beta * y (dgemv). x, y contiguous. With beta == 0
 * y's contents are ignored. */
int cz_gemv(const char *who, bool trans, double alpha, cz_cmat a,
            const double *x, double beta, double *y);
/* out = X'y (k) for X n x k and y (n). */
int cz_xty(const char *who, cz_cmat x, const double *y, double *out);
/* C = alpha * op(A) op(B) + beta * C (dgemm). */
int cz_gemm(const char *who, bool trans_a, bool trans_b, double alpha,
            cz_cmat a, cz_cmat b, double beta, cz_mat c);

/* ---- triangular -------------------------------------------------------- */
/* x <- op(T)^{-1} x, T k x k triangular (upper if `upper`), x contiguous.
 * A zero diagonal element is CAUSAL_ESINGULAR naming it (checked first). */
int cz_trsv(const char *who, bool upper, bool trans, cz_cmat t, double *x);
/* B <- op(T)^{-1} B (left side), B k x m. */
int cz_trsm(const char *who, bool upper, bool trans, cz_cmat t, cz_mat b);

/* ---- Cholesky and symmetric solves ------------------------------------ */
/* In place A = R'R, R upper (dpotrf). Only the upper triangle of A is
 * read; on return the strict lower triangle is zeroed so A holds exactly R.
 * Not positive definite: CAUSAL_ESINGULAR "who: name is not positive
 * definite: the leading minor of order j fails (pivot j, 1-based)". A is
 * then undefined. */
int cz_chol(const char *who, const char *name, cz_mat a);
/* B <- A^{-1} B given R from cz_chol (dpotrs). */
int cz_chol_solve(const char *who, cz_cmat r, cz_mat b);
/* R (from cz_chol) is replaced by A^{-1}, full symmetric (dpotri). */
int cz_chol_inverse(const char *who, cz_mat r);
/* Solve A X = B for symmetric positive definite A (dposv); A is
 * overwritten by its Cholesky factor, B by the solution. */
int cz_posv(const char *who, cz_mat a, cz_mat b);
/* Solve A X = B for symmetric indefinite A (Bunch–Kaufman, dsysv); A is
 * overwritten, B becomes the solution. Exactly singular D: ESINGULAR. */
int cz_sysv(const char *who, cz_mat a, cz_mat b, cz_ws *ws);

/* ---- pivoted QR --------------------------------------------------------
 * X D P = Q R by Householder QR with column pivoting (dgeqp3), where
 * D = diag(scale) equilibrates the columns: scale_j is the power of two
 * that brings ||x_j||_2 into [0.5, 1) (1 for a zero column). Powers of two
 * make the scaling exact, and they make the rank decision and the pivot
 * order independent of the units of the columns (dollars vs cents), as in
 * R's lm. At each step the remaining column of largest norm is brought
 * forward, so |R_jj| is non-increasing (up to rounding of updated norms).
 *
 * Numerical rank: r = the number of leading j with |R_jj| > tol * |R_11|.
 * tol == 0 selects the default max(n, k) * DBL_EPSILON (the LAPACK/numpy
 * `matrix_rank` convention); CZ_QR_TOL_LM = 1e-7 is the value R's lm()
 * uses (R applies it with dqrdc2's column-norm criterion, so borderline
 * decisions can differ). A zero matrix has rank 0.
 *
 * Which columns are dropped: perm[r..k-1], those the norm pivoting left
 * for last. Among exactly collinear columns with equal scaled norms the
 * earlier column is kept (BLAS idamax takes the first maximum), so for a
 * duplicate column the later copy is dropped; otherwise the choice follows
 * the norms, not the column order (unlike R's dqrdc2, which keeps columns
 * in order and drops the later of a collinear set).
 */
#define CZ_QR_TOL_DEFAULT 0.0
#define CZ_QR_TOL_LM 1e-7

typedef struct cz_qr {
  cz_alloc alloc;
  size_t n, k;       /* X is n x k, n >= 1, k >= 1 */
  double *qr;        /* n x k, ld n: R in the upper triangle, reflectors below */
  double *tau;       /* min(n, k) */
  double *scale;     /* k, by original column: the power-of-two D_jj */
  size_t *perm;      /* k: column j of R is original column perm[j] */
  bool *dropped;     /* k, by original column: true if beyond the rank */
  size_t rank;
  double tol;        /* the tolerance actually used */
  size_t cap_qr, cap_k; /* allocated sizes, reused across factorizations */
} cz_qr;

void cz_qr_init(cz_qr *qr, const cz_alloc *a);
void cz_qr_free(cz_qr *qr);
/* Factor a copy of X (n x k; n < k allowed, rank <= min(n, k)). */
int cz_qr_factor(const char *who, cz_qr *qr, cz_cmat x, double tol,
                 cz_ws *ws);
/* Y <- Q'Y (trans) or QY, Y n x m (dormqr with the full n x n Q). */
int cz_qr_apply_q(const char *who, const cz_qr *qr, bool trans, cz_mat y,
                  cz_ws *ws);
/* Least squares on the kept columns: beta (k, original column order)
 * minimises ||y - X beta|| with beta_j = 0 for dropped columns (so X beta
 * is the fitted value of the reduced model). resid (n) may be NULL; if not,
 * it receives y - X beta computed as Q [0; (Q'y)_{r+1..n}], accurate even
 * when the fit is near perfect. */
int cz_qr_lstsq(const char *who, const cz_qr *qr, const double *y,
                double *beta, double *resid, cz_ws *ws);
/* As cz_qr_lstsq, followed by `iters` steps of Björck's iterative
 * refinement on the augmented system [I X1; X1' 0][r; b] = [y; 0] (X1 the
 * kept columns), with the residuals of that system accumulated in long
 * double. x must be the matrix that was factored. Where long double is
 * wider than double (x86-64: 64-bit mantissa) this recovers close to full
 * double accuracy for problems with cond(X) up to about 1/eps, including
 * large-residual ones (where plain QR loses cond^2 * eps); where it is not
 * wider it is harmless. 2 iterations suffice in practice; iters <= 10. */
int cz_qr_lstsq_refine(const char *who, const cz_qr *qr, cz_cmat x,
                       const double *y, double *beta, double *resid,
                       int iters, cz_ws *ws);
/* Unscaled covariance (X1'X1)^{-1} = D (R11'R11)^{-1} D of the kept
 * columns, placed in original column order into out (k x k); rows and
 * columns of dropped columns are zero. */
int cz_qr_cov_unscaled(const char *who, const cz_qr *qr, cz_mat out,
                       cz_ws *ws);

/* ---- symmetric eigen-decomposition ------------------------------------ */
/* A (k x k, upper triangle read) = V diag(lambda) V' (dsyevr, all
 * eigenpairs). lambda ascending (k). V (k x k) may be NULL for values only.
 * A is destroyed. No convergence: CAUSAL_ENOCONV. */
int cz_syev(const char *who, cz_mat a, double *lambda, cz_mat *v, cz_ws *ws);
/* Replace symmetric A by its nearest PSD matrix in Frobenius norm,
 * V diag(max(lambda, 0)) V'. *nclipped (may be NULL) receives the number of
 * negative eigenvalues set to zero, *min_eig (may be NULL) the smallest
 * eigenvalue before clipping. If none is negative A is left untouched. */
int cz_psd_clip(const char *who, cz_mat a, size_t *nclipped, double *min_eig,
                cz_ws *ws);

#endif /* CZ_INTERNAL_LINALG_H */
