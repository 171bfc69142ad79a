/* Internal dense linear algebra over CBLAS and LAPACKE (see linalg.h).
 *
 * All LAPACK calls go through the LAPACKE_*_work entry points with
 * LAPACK_COL_MAJOR: those pass straight to Fortran without allocating, so
 * every byte of scratch comes from the caller's cz_ws (and thus from the
 * object's cz_alloc), and out-of-memory is testable. */
#include "internal/linalg.h"

#include <cblas.h>
#include <lapacke.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

_Static_assert(sizeof(blasint) == sizeof(cz_blas_int),
               "cz_blas_int must match the BLAS integer type");
_Static_assert(sizeof(lapack_int) == sizeof(cz_blas_int),
               "cz_blas_int must match the LAPACK integer type");

#define BI(x) ((cz_blas_int)(x)) /* after validation: known to fit */

/* ---- validation ---------------------------------------------------------- */

int cz_blas_dim(const char *who, const char *what, size_t n,
                cz_blas_int *out) {
  if (n > (size_t)INT_MAX)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: %s = %zu exceeds the BLAS integer limit %d", who, what,
                   n, INT_MAX);
  if (out != NULL)
    *out = (cz_blas_int)n;
  return CAUSAL_OK;
}

int cz_mat_validate(const char *who, const char *name, cz_cmat a) {
  if (a.nrow == 0 || a.ncol == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is empty (%zu x %zu)", who, name,
                   a.nrow, a.ncol);
  if (a.data == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is NULL", who, name);
  if (a.ld < a.nrow)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %s has leading dimension %zu < %zu rows", who, name,
                   a.ld, a.nrow);
  /* The last element is at (ncol - 1) * ld + nrow - 1; its byte offset
   * must be representable. */
  size_t span, bytes;
  if (!cz_mul_size(a.ncol - 1, a.ld, &span) ||
      !cz_add_size(span, a.nrow, &span) ||
      !cz_mul_size(span, sizeof(double), &bytes))
    return cz_fail(CAUSAL_ERANGE, "%s: %s (%zu x %zu, ld %zu) overflows size_t",
                   who, name, a.nrow, a.ncol, a.ld);
  char what[96];
  snprintf(what, sizeof what, "the row count of %s", name);
  CZ_CHECK(cz_blas_dim(who, what, a.nrow, NULL));
  snprintf(what, sizeof what, "the column count of %s", name);
  CZ_CHECK(cz_blas_dim(who, what, a.ncol, NULL));
  snprintf(what, sizeof what, "the leading dimension of %s", name);
  return cz_blas_dim(who, what, a.ld, NULL);
}

static const char *nonfinite_text(double v) {
  if (isnan(v))
    return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

int cz_check_finite(const char *who, const char *name, cz_cmat a) {
  for (size_t j = 0; j < a.ncol; j++) {
    const double *col = a.data + j * a.ld;
    for (size_t i = 0; i < a.nrow; i++)
      if (!isfinite(col[i]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: %s[%zu, %zu] is %s", who, name,
                       i, j, nonfinite_text(col[i]));
  }
  return CAUSAL_OK;
}

int cz_check_finite_vec(const char *who, const char *name, const double *x,
                        size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: %s[%zu] is %s", who, name, i,
                     nonfinite_text(x[i]));
  return CAUSAL_OK;
}

/* Finite check of the upper triangle only (symmetric inputs). */
static int check_finite_upper(const char *who, const char *name, cz_cmat a) {
  for (size_t j = 0; j < a.ncol; j++)
    for (size_t i = 0; i <= j && i < a.nrow; i++)
      if (!isfinite(a.data[i + j * a.ld]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: %s[%zu, %zu] is %s", who, name,
                       i, j, nonfinite_text(a.data[i + j * a.ld]));
  return CAUSAL_OK;
}

static int validate_square(const char *who, const char *name, cz_cmat a) {
  CZ_CHECK(cz_mat_validate(who, name, a));
  if (a.nrow != a.ncol)
    return cz_fail(CAUSAL_EDIM, "%s: %s must be square, is %zu x %zu", who,
                   name, a.nrow, a.ncol);
  return CAUSAL_OK;
}

static int lapack_internal(const char *who, const char *routine, int info) {
  return cz_fail(CAUSAL_EINTERNAL, "%s: %s rejected argument %d", who, routine,
                 -info);
}

/* ---- workspace ------------------------------------------------------------ */

void cz_ws_init(cz_ws *ws, const cz_alloc *a) {
  ws->alloc = *a;
  ws->data = NULL;
  ws->cap = 0;
}

void *cz_ws_get(cz_ws *ws, size_t bytes) {
  if (bytes <= ws->cap && ws->data != NULL)
    return ws->data;
  /* Grow geometrically so a sequence of slightly larger requests does not
   * reallocate each time. */
  size_t cap = ws->cap > bytes ? ws->cap : bytes;
  if (cap < SIZE_MAX / 2 && cap < ws->cap * 2)
    cap = ws->cap * 2;
  void *p = cz_malloc(&ws->alloc, cap);
  if (p == NULL)
    return NULL;
  cz_free(&ws->alloc, ws->data);
  ws->data = p;
  ws->cap = cap;
  return p;
}

void cz_ws_free(cz_ws *ws) {
  cz_free(&ws->alloc, ws->data);
  ws->data = NULL;
  ws->cap = 0;
}

/* Bytes for n doubles plus m ints, with the ints after the doubles so the
 * block stays aligned for double. */
static bool ws_bytes(size_t nd, size_t ni, size_t *out) {
  size_t a, b;
  return cz_mul_size(nd, sizeof(double), &a) &&
         cz_mul_size(ni, sizeof(cz_blas_int), &b) && cz_add_size(a, b, out);
}

static int ws_overflow(const char *who) {
  return cz_fail(CAUSAL_ENOMEM, "%s: workspace size overflows", who);
}

/* Workspace sizes reported by LAPACK queries come back as doubles. */
static size_t lwork_from(double q) {
  if (!(q >= 1.0))
    return 1;
  if (q > (double)INT_MAX)
    return (size_t)INT_MAX;
  return (size_t)q;
}

/* ---- helpers -------------------------------------------------------------- */

void cz_sym_fill_lower(cz_mat a) {
  for (size_t j = 0; j < a.ncol; j++)
    for (size_t i = j + 1; i < a.nrow; i++)
      a.data[i + j * a.ld] = a.data[j + i * a.ld];
}

int cz_mat_copy(const char *who, cz_mat dst, cz_cmat src) {
  CZ_CHECK(cz_mat_validate(who, "source", src));
  CZ_CHECK(cz_mat_validate(who, "destination", cz_mat_c(dst)));
  if (dst.nrow != src.nrow || dst.ncol != src.ncol)
    return cz_fail(CAUSAL_EDIM, "%s: copy of %zu x %zu into %zu x %zu", who,
                   src.nrow, src.ncol, dst.nrow, dst.ncol);
  for (size_t j = 0; j < src.ncol; j++)
    memcpy(dst.data + j * dst.ld, src.data + j * src.ld,
           src.nrow * sizeof(double));
  return CAUSAL_OK;
}

/* ---- products ------------------------------------------------------------- */

static int check_gram_shape(const char *who, cz_cmat x, cz_mat c) {
  CZ_CHECK(cz_mat_validate(who, "X", x));
  CZ_CHECK(cz_mat_validate(who, "C", cz_mat_c(c)));
  if (c.nrow != x.ncol || c.ncol != x.ncol)
    return cz_fail(CAUSAL_EDIM, "%s: C is %zu x %zu, X'X needs %zu x %zu", who,
                   c.nrow, c.ncol, x.ncol, x.ncol);
  return CAUSAL_OK;
}

int cz_xtx(const char *who, cz_cmat x, double alpha, double beta, cz_mat c) {
  CZ_CHECK(check_gram_shape(who, x, c));
  CZ_CHECK(cz_check_finite(who, "X", x));
  if (beta != 0.0)
    CZ_CHECK(check_finite_upper(who, "C", cz_mat_c(c)));
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, BI(x.ncol), BI(x.nrow),
              alpha, x.data, BI(x.ld), beta, c.data, BI(c.ld));
  cz_sym_fill_lower(c);
  return CAUSAL_OK;
}

int cz_xtwx(const char *who, cz_cmat x, const double *w, cz_mat c,
            cz_ws *ws) {
  CZ_CHECK(check_gram_shape(who, x, c));
  if (w == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: weights are NULL", who);
  CZ_CHECK(cz_check_finite(who, "X", x));
  CZ_CHECK(cz_check_finite_vec(who, "w", w, x.nrow));
  for (size_t i = 0; i < x.nrow; i++)
    if (w[i] < 0)
      return cz_fail(CAUSAL_ERANGE, "%s: w[%zu] = %g is negative", who, i,
                     w[i]);
  size_t k = x.ncol;
  size_t blk = x.nrow < CZ_LINALG_BLOCK ? x.nrow : CZ_LINALG_BLOCK;
  size_t bytes;
  if (!ws_bytes(blk * k + blk, 0, &bytes)) /* blk <= 1024: k overflow only */
    return ws_overflow(who);
  double *buf = cz_ws_get(ws, bytes);
  if (buf == NULL)
    return CAUSAL_ENOMEM;
  double *sw = buf + blk * k;
  for (size_t r0 = 0; r0 < x.nrow; r0 += blk) {
    size_t bn = x.nrow - r0 < blk ? x.nrow - r0 : blk;
    for (size_t i = 0; i < bn; i++)
      sw[i] = sqrt(w[r0 + i]);
    for (size_t j = 0; j < k; j++) {
      const double *src = x.data + j * x.ld + r0;
      double *dst = buf + j * bn;
      for (size_t i = 0; i < bn; i++)
        dst[i] = sw[i] * src[i];
    }
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, BI(k), BI(bn), 1.0,
                buf, BI(bn), r0 == 0 ? 0.0 : 1.0, c.data, BI(c.ld));
  }
  cz_sym_fill_lower(c);
  return CAUSAL_OK;
}

int cz_gemv(const char *who, bool trans, double alpha, cz_cmat a,
            const double *x, double beta, double *y) {
  CZ_CHECK(cz_mat_validate(who, "A", a));
  if (x == NULL || y == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is NULL", who, x ? "y" : "x");
  cblas_dgemv(CblasColMajor, trans ? CblasTrans : CblasNoTrans, BI(a.nrow),
              BI(a.ncol), alpha, a.data, BI(a.ld), x, 1, beta, y, 1);
  return CAUSAL_OK;
}

int cz_xty(const char *who, cz_cmat x, const double *y, double *out) {
  return cz_gemv(who, true, 1.0, x, y, 0.0, out);
}

int cz_gemm(const char *who, bool trans_a, bool trans_b, double alpha,
            cz_cmat a, cz_cmat b, double beta, cz_mat c) {
  CZ_CHECK(cz_mat_validate(who, "A", a));
  CZ_CHECK(cz_mat_validate(who, "B", b));
  CZ_CHECK(cz_mat_validate(who, "C", cz_mat_c(c)));
  size_t m = trans_a ? a.ncol : a.nrow, ka = trans_a ? a.nrow : a.ncol;
  size_t kb = trans_b ? b.ncol : b.nrow, n = trans_b ? b.nrow : b.ncol;
  if (ka != kb || c.nrow != m || c.ncol != n)
    return cz_fail(CAUSAL_EDIM,
                   "%s: op(A) %zu x %zu times op(B) %zu x %zu into C %zu x %zu",
                   who, m, ka, kb, n, c.nrow, c.ncol);
  CZ_CHECK(cz_check_finite(who, "A", a));
  CZ_CHECK(cz_check_finite(who, "B", b));
  cblas_dgemm(CblasColMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, BI(m), BI(n), BI(ka), alpha,
              a.data, BI(a.ld), b.data, BI(b.ld), beta, c.data, BI(c.ld));
  return CAUSAL_OK;
}

/* ---- triangular ----------------------------------------------------------- */

static int check_tri_diag(const char *who, cz_cmat t) {
  for (size_t j = 0; j < t.nrow; j++)
    if (t.data[j + j * t.ld] == 0.0)
      return cz_fail(CAUSAL_ESINGULAR,
                     "%s: triangular matrix has a zero diagonal at [%zu, %zu]",
                     who, j, j);
  return CAUSAL_OK;
}

int cz_trsv(const char *who, bool upper, bool trans, cz_cmat t, double *x) {
  CZ_CHECK(validate_square(who, "T", t));
  if (x == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: x is NULL", who);
  CZ_CHECK(check_tri_diag(who, t));
  cblas_dtrsv(CblasColMajor, upper ? CblasUpper : CblasLower,
              trans ? CblasTrans : CblasNoTrans, CblasNonUnit, BI(t.nrow),
              t.data, BI(t.ld), x, 1);
  return CAUSAL_OK;
}

int cz_trsm(const char *who, bool upper, bool trans, cz_cmat t, cz_mat b) {
  CZ_CHECK(validate_square(who, "T", t));
  CZ_CHECK(cz_mat_validate(who, "B", cz_mat_c(b)));
  if (b.nrow != t.nrow)
    return cz_fail(CAUSAL_EDIM, "%s: T is %zu x %zu but B has %zu rows", who,
                   t.nrow, t.ncol, b.nrow);
  CZ_CHECK(check_tri_diag(who, t));
  cblas_dtrsm(CblasColMajor, CblasLeft, upper ? CblasUpper : CblasLower,
              trans ? CblasTrans : CblasNoTrans, CblasNonUnit, BI(b.nrow),
              BI(b.ncol), 1.0, t.data, BI(t.ld), b.data, BI(b.ld));
  return CAUSAL_OK;
}

/* ---- Cholesky and symmetric solves --------------------------------------- */

static int not_pd(const char *who, const char *name, int info) {
  return cz_fail(CAUSAL_ESINGULAR,
                 "%s: %s is not positive definite: the leading minor of order "
                 "%d is not positive (pivot %d, 1-based; column %d, 0-based)",
                 who, name, info, info, info - 1);
}

int cz_chol(const char *who, const char *name, cz_mat a) {
  CZ_CHECK(validate_square(who, name, cz_mat_c(a)));
  CZ_CHECK(check_finite_upper(who, name, cz_mat_c(a)));
  int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', BI(a.nrow), a.data,
                                 BI(a.ld));
  if (info < 0)
    return lapack_internal(who, "dpotrf", info);
  if (info > 0)
    return not_pd(who, name, info);
  for (size_t j = 0; j < a.ncol; j++)
    for (size_t i = j + 1; i < a.nrow; i++)
      a.data[i + j * a.ld] = 0.0;
  return CAUSAL_OK;
}

int cz_chol_solve(const char *who, cz_cmat r, cz_mat b) {
  CZ_CHECK(validate_square(who, "R", r));
  CZ_CHECK(cz_mat_validate(who, "B", cz_mat_c(b)));
  if (b.nrow != r.nrow)
    return cz_fail(CAUSAL_EDIM, "%s: R is %zu x %zu but B has %zu rows", who,
                   r.nrow, r.ncol, b.nrow);
  CZ_CHECK(check_tri_diag(who, r));
  int info = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', BI(r.nrow), BI(b.ncol),
                                 r.data, BI(r.ld), b.data, BI(b.ld));
  if (info < 0)
    return lapack_internal(who, "dpotrs", info);
  return CAUSAL_OK;
}

int cz_chol_inverse(const char *who, cz_mat r) {
  CZ_CHECK(validate_square(who, "R", cz_mat_c(r)));
  CZ_CHECK(check_tri_diag(who, cz_mat_c(r)));
  int info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', BI(r.nrow), r.data,
                                 BI(r.ld));
  if (info < 0)
    return lapack_internal(who, "dpotri", info);
  if (info > 0) /* unreachable after check_tri_diag, kept for safety */
    return cz_fail(CAUSAL_ESINGULAR, "%s: R[%d, %d] is zero", who, info - 1,
                   info - 1);
  cz_sym_fill_lower(r);
  return CAUSAL_OK;
}

static int check_solve_shapes(const char *who, cz_mat a, cz_mat b) {
  CZ_CHECK(validate_square(who, "A", cz_mat_c(a)));
  CZ_CHECK(cz_mat_validate(who, "B", cz_mat_c(b)));
  if (b.nrow != a.nrow)
    return cz_fail(CAUSAL_EDIM, "%s: A is %zu x %zu but B has %zu rows", who,
                   a.nrow, a.ncol, b.nrow);
  CZ_CHECK(check_finite_upper(who, "A", cz_mat_c(a)));
  return cz_check_finite(who, "B", cz_mat_c(b));
}

int cz_posv(const char *who, cz_mat a, cz_mat b) {
  CZ_CHECK(check_solve_shapes(who, a, b));
  int info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'U', BI(a.nrow), BI(b.ncol),
                                a.data, BI(a.ld), b.data, BI(b.ld));
  if (info < 0)
    return lapack_internal(who, "dposv", info);
  if (info > 0)
    return not_pd(who, "A", info);
  return CAUSAL_OK;
}

int cz_sysv(const char *who, cz_mat a, cz_mat b, cz_ws *ws) {
  CZ_CHECK(check_solve_shapes(who, a, b));
  size_t k = a.nrow;
  double q = 0;
  cz_blas_int idummy = 0;
  int info = LAPACKE_dsysv_work(LAPACK_COL_MAJOR, 'U', BI(k), BI(b.ncol),
                                a.data, BI(a.ld), &idummy, b.data, BI(b.ld),
                                &q, -1);
  if (info < 0)
    return lapack_internal(who, "dsysv", info);
  size_t lwork = lwork_from(q), bytes;
  if (!ws_bytes(lwork, k, &bytes))
    return ws_overflow(who);
  double *work = cz_ws_get(ws, bytes);
  if (work == NULL)
    return CAUSAL_ENOMEM;
  cz_blas_int *ipiv = (cz_blas_int *)(work + lwork);
  info = LAPACKE_dsysv_work(LAPACK_COL_MAJOR, 'U', BI(k), BI(b.ncol), a.data,
                            BI(a.ld), ipiv, b.data, BI(b.ld), work, BI(lwork));
  if (info < 0)
    return lapack_internal(who, "dsysv", info);
  if (info > 0)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: A is singular: D[%d, %d] of its Bunch-Kaufman "
                   "factorization is exactly zero (0-based)",
                   who, info - 1, info - 1);
  return CAUSAL_OK;
}

/* ---- pivoted QR ----------------------------------------------------------- */

void cz_qr_init(cz_qr *qr, const cz_alloc *a) {
  memset(qr, 0, sizeof *qr);
  qr->alloc = *a;
}

void cz_qr_free(cz_qr *qr) {
  cz_free(&qr->alloc, qr->qr);
  cz_free(&qr->alloc, qr->tau);
  cz_free(&qr->alloc, qr->scale);
  cz_free(&qr->alloc, qr->perm);
  cz_free(&qr->alloc, qr->dropped);
  cz_alloc a = qr->alloc;
  cz_qr_init(qr, &a);
}

/* Make room for an n x k factorization, reusing the previous blocks when
 * they are large enough. On failure the object is empty but valid. */
static int qr_reserve(const char *who, cz_qr *qr, size_t n, size_t k) {
  size_t nk;
  if (!cz_mul_size(n, k, &nk) || nk > SIZE_MAX / sizeof(double))
    return ws_overflow(who);
  if (nk > qr->cap_qr) {
    cz_free(&qr->alloc, qr->qr);
    qr->cap_qr = 0;
    qr->qr = cz_malloc(&qr->alloc, nk * sizeof(double));
    if (qr->qr == NULL)
      return CAUSAL_ENOMEM;
    qr->cap_qr = nk;
  }
  if (k > qr->cap_k) {
    cz_free(&qr->alloc, qr->tau);
    cz_free(&qr->alloc, qr->scale);
    cz_free(&qr->alloc, qr->perm);
    cz_free(&qr->alloc, qr->dropped);
    qr->tau = NULL;
    qr->scale = NULL;
    qr->perm = NULL;
    qr->dropped = NULL;
    qr->cap_k = 0;
    qr->tau = cz_calloc(&qr->alloc, k, sizeof(double));
    qr->scale = cz_calloc(&qr->alloc, k, sizeof(double));
    qr->perm = cz_calloc(&qr->alloc, k, sizeof(size_t));
    qr->dropped = cz_calloc(&qr->alloc, k, sizeof(bool));
    if (qr->tau == NULL || qr->scale == NULL || qr->perm == NULL ||
        qr->dropped == NULL)
      return CAUSAL_ENOMEM;
    qr->cap_k = k;
  }
  return CAUSAL_OK;
}

int cz_qr_factor(const char *who, cz_qr *qr, cz_cmat x, double tol,
                 cz_ws *ws) {
  CZ_CHECK(cz_mat_validate(who, "X", x));
  if (!isfinite(tol) || tol < 0 || tol >= 1)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: rank tolerance %g is outside [0, 1) (0 = default)",
                   who, tol);
  CZ_CHECK(cz_check_finite(who, "X", x));
  size_t n = x.nrow, k = x.ncol;
  qr->n = qr->k = qr->rank = 0;
  CZ_CHECK(qr_reserve(who, qr, n, k));
  for (size_t j = 0; j < k; j++) {
    /* Exact power-of-two equilibration (see linalg.h). dnrm2 scales
     * internally, so huge or tiny columns do not overflow. */
    double nrm = cblas_dnrm2(BI(n), x.data + j * x.ld, 1);
    int e = 0;
    if (nrm > 0)
      (void)frexp(nrm, &e);
    double sc = nrm > 0 ? ldexp(1.0, -e) : 1.0;
    qr->scale[j] = sc;
    const double *src = x.data + j * x.ld;
    double *dst = qr->qr + j * n;
    for (size_t i = 0; i < n; i++)
      dst[i] = src[i] * sc;
  }

  double q = 0;
  cz_blas_int idummy = 0;
  int info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, BI(n), BI(k), qr->qr, BI(n),
                                 &idummy, qr->tau, &q, -1);
  if (info < 0)
    return lapack_internal(who, "dgeqp3", info);
  size_t lwork = lwork_from(q), bytes;
  if (!ws_bytes(lwork, k, &bytes))
    return ws_overflow(who);
  double *work = cz_ws_get(ws, bytes);
  if (work == NULL)
    return CAUSAL_ENOMEM;
  cz_blas_int *jpvt = (cz_blas_int *)(work + lwork);
  for (size_t j = 0; j < k; j++)
    jpvt[j] = 0; /* all columns free to move */
  info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, BI(n), BI(k), qr->qr, BI(n),
                             jpvt, qr->tau, work, BI(lwork));
  if (info < 0)
    return lapack_internal(who, "dgeqp3", info);

  qr->n = n;
  qr->k = k;
  qr->tol = tol > 0 ? tol : (double)(n > k ? n : k) * DBL_EPSILON;
  for (size_t j = 0; j < k; j++)
    qr->perm[j] = (size_t)jpvt[j] - 1;
  size_t mn = n < k ? n : k, rank = 0;
  double r11 = fabs(qr->qr[0]);
  if (r11 > 0)
    while (rank < mn &&
           fabs(qr->qr[rank + rank * n]) > qr->tol * r11)
      rank++;
  qr->rank = rank;
  for (size_t j = 0; j < k; j++)
    qr->dropped[qr->perm[j]] = j >= rank;
  return CAUSAL_OK;
}

static int qr_check(const char *who, const cz_qr *qr) {
  if (qr == NULL || qr->k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: QR factorization is empty", who);
  return CAUSAL_OK;
}

/* Workspace query for applying Q to an n x m block. */
static int ormqr_lwork(const char *who, const cz_qr *qr, size_t m,
                       size_t *lwork) {
  size_t mn = qr->n < qr->k ? qr->n : qr->k;
  double q = 0, dummy = 0;
  int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', BI(qr->n), BI(m),
                                 BI(mn), qr->qr, BI(qr->n), qr->tau, &dummy,
                                 BI(qr->n), &q, -1);
  if (info < 0)
    return lapack_internal(who, "dormqr", info);
  *lwork = lwork_from(q);
  return CAUSAL_OK;
}

static int ormqr_run(const char *who, const cz_qr *qr, bool trans, double *y,
                     size_t ldy, size_t m, double *work, size_t lwork) {
  size_t mn = qr->n < qr->k ? qr->n : qr->k;
  int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', trans ? 'T' : 'N',
                                 BI(qr->n), BI(m), BI(mn), qr->qr, BI(qr->n),
                                 qr->tau, y, BI(ldy), work, BI(lwork));
  if (info < 0)
    return lapack_internal(who, "dormqr", info);
  return CAUSAL_OK;
}

int cz_qr_apply_q(const char *who, const cz_qr *qr, bool trans, cz_mat y,
                  cz_ws *ws) {
  CZ_CHECK(qr_check(who, qr));
  CZ_CHECK(cz_mat_validate(who, "Y", cz_mat_c(y)));
  if (y.nrow != qr->n)
    return cz_fail(CAUSAL_EDIM, "%s: Y has %zu rows, the QR has %zu", who,
                   y.nrow, qr->n);
  size_t lwork, bytes;
  CZ_CHECK(ormqr_lwork(who, qr, y.ncol, &lwork));
  if (!ws_bytes(lwork, 0, &bytes))
    return ws_overflow(who);
  double *work = cz_ws_get(ws, bytes);
  if (work == NULL)
    return CAUSAL_ENOMEM;
  return ormqr_run(who, qr, trans, y.data, y.ld, y.ncol, work, lwork);
}

int cz_qr_lstsq(const char *who, const cz_qr *qr, const double *y,
                double *beta, double *resid, cz_ws *ws) {
  CZ_CHECK(qr_check(who, qr));
  if (y == NULL || beta == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is NULL", who, y ? "beta" : "y");
  size_t n = qr->n, k = qr->k, r = qr->rank;
  CZ_CHECK(cz_check_finite_vec(who, "y", y, n));
  size_t lwork, bytes;
  CZ_CHECK(ormqr_lwork(who, qr, 1, &lwork));
  if (!ws_bytes(n + lwork, 0, &bytes))
    return ws_overflow(who);
  double *qty = cz_ws_get(ws, bytes);
  if (qty == NULL)
    return CAUSAL_ENOMEM;
  double *work = qty + n;
  memcpy(qty, y, n * sizeof(double));
  CZ_CHECK(ormqr_run(who, qr, true, qty, n, 1, work, lwork));
  for (size_t j = 0; j < k; j++)
    beta[j] = 0.0;
  if (r > 0) {
    /* R11 b = (Q'y)[0..r); qty is reused in place, then scattered. */
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, BI(r),
                qr->qr, BI(n), qty, 1);
    for (size_t j = 0; j < r; j++)
      beta[qr->perm[j]] = qty[j] * qr->scale[qr->perm[j]];
  }
  if (resid != NULL) {
    /* Recompute Q'y into resid (qty's head now holds b), zero the part in
     * the span of the kept columns, rotate back. */
    memcpy(resid, y, n * sizeof(double));
    CZ_CHECK(ormqr_run(who, qr, true, resid, n, 1, work, lwork));
    for (size_t i = 0; i < r; i++)
      resid[i] = 0.0;
    CZ_CHECK(ormqr_run(who, qr, false, resid, n, 1, work, lwork));
  }
  return CAUSAL_OK;
}

/* One step of Björck's refinement for min ||y - X1 b||, in the scaled,
 * pivoted variables (X1 = first r columns of X D P = Q1 R11):
 *   f = y - r - X1 b,  g = -X1' r      (long double accumulation)
 *   a = R11^{-T} g,  [d1; d2] = Q' f,  db = R11^{-1} (d1 - a),
 *   dr = Q [a; d2];  b += db,  r += dr. */
static int refine_step(const char *who, const cz_qr *qr, cz_cmat x,
                       const double *y, double *b, double *r, double *f,
                       double *a, double *work, size_t lwork) {
  size_t n = qr->n, rk = qr->rank;
  for (size_t i = 0; i < n; i++) {
    long double s = (long double)y[i] - r[i];
    for (size_t j = 0; j < rk; j++) {
      size_t c = qr->perm[j];
      s -= (long double)x.data[i + c * x.ld] * qr->scale[c] * b[j];
    }
    f[i] = (double)s;
  }
  for (size_t j = 0; j < rk; j++) {
    size_t c = qr->perm[j];
    const double *col = x.data + c * x.ld;
    long double s = 0;
    for (size_t i = 0; i < n; i++)
      s += (long double)col[i] * r[i];
    a[j] = (double)(-s * qr->scale[c]);
  }
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, BI(rk),
              qr->qr, BI(n), a, 1);
  CZ_CHECK(ormqr_run(who, qr, true, f, n, 1, work, lwork));
  /* f = [d1; d2]; d1 <- R^{-1}(d1 - a) is db, then f <- [a; d2]. */
  for (size_t j = 0; j < rk; j++)
    f[j] -= a[j];
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, BI(rk),
              qr->qr, BI(n), f, 1);
  for (size_t j = 0; j < rk; j++) {
    b[j] += f[j];
    f[j] = a[j];
  }
  CZ_CHECK(ormqr_run(who, qr, false, f, n, 1, work, lwork));
  for (size_t i = 0; i < n; i++)
    r[i] += f[i];
  return CAUSAL_OK;
}

int cz_qr_lstsq_refine(const char *who, const cz_qr *qr, cz_cmat x,
                       const double *y, double *beta, double *resid,
                       int iters, cz_ws *ws) {
  CZ_CHECK(qr_check(who, qr));
  CZ_CHECK(cz_mat_validate(who, "X", x));
  if (x.nrow != qr->n || x.ncol != qr->k)
    return cz_fail(CAUSAL_EDIM, "%s: X is %zu x %zu, the QR is of %zu x %zu",
                   who, x.nrow, x.ncol, qr->n, qr->k);
  if (iters < 0 || iters > 10)
    return cz_fail(CAUSAL_ERANGE, "%s: iters = %d is outside [0, 10]", who,
                   iters);
  if (y == NULL || beta == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is NULL", who, y ? "beta" : "y");
  CZ_CHECK(cz_check_finite_vec(who, "y", y, qr->n));
  size_t n = qr->n, k = qr->k, rk = qr->rank, lwork, bytes, nd;
  CZ_CHECK(ormqr_lwork(who, qr, 1, &lwork));
  /* r (n) | f (n) | b (k) | a (k) | work */
  if (!cz_add_size(2 * n + 2 * k, lwork, &nd) || n > SIZE_MAX / 4 ||
      !ws_bytes(nd, 0, &bytes))
    return ws_overflow(who);
  double *r = cz_ws_get(ws, bytes);
  if (r == NULL)
    return CAUSAL_ENOMEM;
  double *f = r + n, *b = f + n, *a = b + k, *work = a + k;
  /* Initial solution: b = R11^{-1} (Q'y)_1, r = Q [0; (Q'y)_2]. */
  memcpy(r, y, n * sizeof(double));
  CZ_CHECK(ormqr_run(who, qr, true, r, n, 1, work, lwork));
  if (rk > 0) {
    memcpy(b, r, rk * sizeof(double));
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, BI(rk),
                qr->qr, BI(n), b, 1);
  }
  for (size_t i = 0; i < rk; i++)
    r[i] = 0.0;
  CZ_CHECK(ormqr_run(who, qr, false, r, n, 1, work, lwork));
  for (int it = 0; it < iters && rk > 0; it++)
    CZ_CHECK(refine_step(who, qr, x, y, b, r, f, a, work, lwork));
  for (size_t j = 0; j < k; j++)
    beta[j] = 0.0;
  for (size_t j = 0; j < rk; j++)
    beta[qr->perm[j]] = b[j] * qr->scale[qr->perm[j]];
  if (resid != NULL)
    memcpy(resid, r, n * sizeof(double));
  return CAUSAL_OK;
}

int cz_qr_cov_unscaled(const char *who, const cz_qr *qr, cz_mat out,
                       cz_ws *ws) {
  CZ_CHECK(qr_check(who, qr));
  CZ_CHECK(cz_mat_validate(who, "out", cz_mat_c(out)));
  size_t k = qr->k, r = qr->rank, n = qr->n;
  if (out.nrow != k || out.ncol != k)
    return cz_fail(CAUSAL_EDIM, "%s: out is %zu x %zu, needs %zu x %zu", who,
                   out.nrow, out.ncol, k, k);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < k; i++)
      out.data[i + j * out.ld] = 0.0;
  if (r == 0)
    return CAUSAL_OK;
  size_t bytes;
  if (!ws_bytes(r * r, 0, &bytes)) /* r <= k, and k*k fits out */
    return ws_overflow(who);
  double *t = cz_ws_get(ws, bytes);
  if (t == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++)
      t[i + j * r] = i <= j ? qr->qr[i + j * n] : 0.0;
  /* (R'R)^{-1} = R^{-1} R^{-T}: invert R, then U U' (dlauum). */
  int info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', BI(r), t, BI(r));
  if (info < 0)
    return lapack_internal(who, "dtrtri", info);
  if (info > 0)
    return cz_fail(CAUSAL_ESINGULAR, "%s: R[%d, %d] is zero", who, info - 1,
                   info - 1);
  info = LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', BI(r), t, BI(r));
  if (info < 0)
    return lapack_internal(who, "dlauum", info);
  for (size_t j = 0; j < r; j++)
    for (size_t i = 0; i < r; i++) {
      size_t pi = qr->perm[i], pj = qr->perm[j];
      double v = i <= j ? t[i + j * r] : t[j + i * r];
      out.data[pi + pj * out.ld] = v * qr->scale[pi] * qr->scale[pj];
    }
  return CAUSAL_OK;
}

/* ---- symmetric eigen-decomposition --------------------------------------- */

/* dsyevr workspace: lwork doubles + liwork ints + isuppz (2k ints). */
static int syevr_query(const char *who, cz_mat a, bool vectors, size_t *lwork,
                       size_t *liwork) {
  double q = 0, dummy = 0;
  cz_blas_int iq = 0, m = 0, isuppz[2] = {0, 0};
  int info = LAPACKE_dsyevr_work(
      LAPACK_COL_MAJOR, vectors ? 'V' : 'N', 'A', 'U', BI(a.nrow), a.data,
      BI(a.ld), 0.0, 0.0, 0, 0, DBL_MIN, &m, &dummy, &dummy, BI(a.nrow),
      isuppz, &q, -1, &iq, -1);
  if (info < 0)
    return lapack_internal(who, "dsyevr", info);
  *lwork = lwork_from(q);
  *liwork = iq > 0 ? (size_t)iq : 1;
  return CAUSAL_OK;
}

static int syevr_run(const char *who, cz_mat a, double *lambda, double *z,
                     size_t ldz, double *work, size_t lwork,
                     cz_blas_int *iwork, size_t liwork) {
  size_t k = a.nrow;
  cz_blas_int m = 0, *isuppz = iwork + liwork;
  double zdummy = 0;
  int info = LAPACKE_dsyevr_work(
      LAPACK_COL_MAJOR, z ? 'V' : 'N', 'A', 'U', BI(k), a.data, BI(a.ld), 0.0,
      0.0, 0, 0, DBL_MIN, &m, lambda, z ? z : &zdummy, z ? BI(ldz) : 1, isuppz,
      work, BI(lwork), iwork, BI(liwork));
  if (info < 0)
    return lapack_internal(who, "dsyevr", info);
  if (info > 0)
    return cz_fail(CAUSAL_ENOCONV,
                   "%s: symmetric eigen-decomposition did not converge "
                   "(dsyevr info %d)",
                   who, info);
  return CAUSAL_OK;
}

int cz_syev(const char *who, cz_mat a, double *lambda, cz_mat *v, cz_ws *ws) {
  CZ_CHECK(validate_square(who, "A", cz_mat_c(a)));
  if (lambda == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: lambda is NULL", who);
  size_t k = a.nrow;
  if (v != NULL) {
    CZ_CHECK(cz_mat_validate(who, "V", cz_mat_c(*v)));
    if (v->nrow != k || v->ncol != k)
      return cz_fail(CAUSAL_EDIM, "%s: V is %zu x %zu, needs %zu x %zu", who,
                     v->nrow, v->ncol, k, k);
  }
  CZ_CHECK(check_finite_upper(who, "A", cz_mat_c(a)));
  size_t lwork, liwork, bytes;
  CZ_CHECK(syevr_query(who, a, v != NULL, &lwork, &liwork));
  if (!ws_bytes(lwork, liwork + 2 * k, &bytes))
    return ws_overflow(who);
  double *work = cz_ws_get(ws, bytes);
  if (work == NULL)
    return CAUSAL_ENOMEM;
  return syevr_run(who, a, lambda, v ? v->data : NULL, v ? v->ld : 1, work,
                   lwork, (cz_blas_int *)(work + lwork), liwork);
}

int cz_psd_clip(const char *who, cz_mat a, size_t *nclipped, double *min_eig,
                cz_ws *ws) {
  CZ_CHECK(validate_square(who, "A", cz_mat_c(a)));
  CZ_CHECK(check_finite_upper(who, "A", cz_mat_c(a)));
  size_t k = a.nrow, kk;
  if (!cz_mul_size(k, k, &kk))
    return ws_overflow(who);
  /* Layout: copy of A (kk) | V (kk) | lambda (k) | work | ints. */
  cz_mat copy = {NULL, k, k, k};
  size_t lwork, liwork, nd, bytes;
  CZ_CHECK(syevr_query(who, a, true, &lwork, &liwork));
  if (!cz_add_size(2 * kk + k, lwork, &nd) || kk > SIZE_MAX / 2 ||
      !ws_bytes(nd, liwork + 2 * k, &bytes))
    return ws_overflow(who);
  double *base = cz_ws_get(ws, bytes);
  if (base == NULL)
    return CAUSAL_ENOMEM;
  copy.data = base;
  double *v = base + kk, *lambda = base + 2 * kk, *work = lambda + k;
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++)
      copy.data[i + j * k] = a.data[i + j * a.ld];
  CZ_CHECK(syevr_run(who, copy, lambda, v, k, work, lwork,
                     (cz_blas_int *)(work + lwork), liwork));
  size_t neg = 0;
  for (size_t j = 0; j < k; j++)
    neg += lambda[j] < 0;
  if (nclipped)
    *nclipped = neg;
  if (min_eig)
    *min_eig = lambda[0];
  if (neg == 0)
    return CAUSAL_OK;
  /* A = B B' with B = V diag(sqrt(max(lambda, 0))): exactly symmetric and
   * PSD up to rounding of the product. */
  for (size_t j = 0; j < k; j++) {
    double s = lambda[j] > 0 ? sqrt(lambda[j]) : 0.0;
    for (size_t i = 0; i < k; i++)
      v[i + j * k] *= s;
  }
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, BI(k), BI(k), 1.0, v,
              BI(k), 0.0, a.data, BI(a.ld));
  cz_sym_fill_lower(a);
  return CAUSAL_OK;
}
