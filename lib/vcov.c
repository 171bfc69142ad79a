/* Sandwich covariance estimators for linear-type models: classical,
 * HC0-HC3, cluster-robust CR0/CR1/CR2 (one- and two-way), with the small
 * sample conventions of R (sandwich/estimatr), Stata, statsmodels and
 * fixest, and the Bell–McCaffrey degrees of freedom for CR2.
 * Formulas: docs/methods/ols.md. */
#include "internal/gram.h"
#include "internal/linalg.h"
#include "internal/regress.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CZ_GRAM_X86 1
#include <immintrin.h>
#endif

/* ---- Gram accumulator (internal/gram.h) ------------------------------ */

/* Rows per pass of the tiles: 128 rows of up to 64 columns (64 KB at
 * most, 22 KB for p = 22) stay in L1/L2 while every tile re-reads them. */
#define GRAM_ROWS 128

#ifdef CZ_GRAM_X86
/* Sixteen named accumulators (an array would be kept in memory). */
#define GRAM_FMA4(a, c0, c1, c2, c3)                                         \
  c0 = _mm512_fmadd_pd(a, b0, c0);                                           \
  c1 = _mm512_fmadd_pd(a, b1, c1);                                           \
  c2 = _mm512_fmadd_pd(a, b2, c2);                                           \
  c3 = _mm512_fmadd_pd(a, b3, c3)

/* Eight rows r.. of the tile, m the row mask (all ones but at the tail):
 * a_q = (x_q - hx_q) [* w] (masked lanes zero), b_q = y_q - hy_q. */
#define GRAM_ROW8(m, WEIGHTED)                                               \
  do {                                                                       \
    __m512d b0 = _mm512_sub_pd(_mm512_maskz_loadu_pd(m, y0 + r), hy0);       \
    __m512d b1 = _mm512_sub_pd(_mm512_maskz_loadu_pd(m, y1 + r), hy1);       \
    __m512d b2 = _mm512_sub_pd(_mm512_maskz_loadu_pd(m, y2 + r), hy2);       \
    __m512d b3 = _mm512_sub_pd(_mm512_maskz_loadu_pd(m, y3 + r), hy3);       \
    __m512d a0 = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, x0 + r), hx0); \
    __m512d a1 = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, x1 + r), hx1); \
    __m512d a2 = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, x2 + r), hx2); \
    __m512d a3 = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, x3 + r), hx3); \
    if (WEIGHTED) {                                                          \
      __m512d wv = _mm512_maskz_loadu_pd(m, w + r);                          \
      a0 = _mm512_mul_pd(a0, wv);                                            \
      a1 = _mm512_mul_pd(a1, wv);                                            \
      a2 = _mm512_mul_pd(a2, wv);                                            \
      a3 = _mm512_mul_pd(a3, wv);                                            \
    }                                                                        \
    GRAM_FMA4(a0, c00, c01, c02, c03);                                       \
    GRAM_FMA4(a1, c10, c11, c12, c13);                                       \
    GRAM_FMA4(a2, c20, c21, c22, c23);                                       \
    GRAM_FMA4(a3, c30, c31, c32, c33);                                       \
  } while (0)

#define GRAM_LOOP(WEIGHTED)                                                  \
  do {                                                                       \
    for (; r + 8 <= b; r += 8)                                               \
      GRAM_ROW8((__mmask8)0xFF, WEIGHTED);                                   \
    if (r < b)                                                               \
      GRAM_ROW8((__mmask8)((1u << (b - r)) - 1u), WEIGHTED);                 \
  } while (0)

/* One 4 x 4 tile: T[16 x 8] += sum_r w_r (x_a - hx_a)(y_c - hy_c) over
 * rows 0..b-1 (b <= GRAM_ROWS), eight rows per vector (w NULL: 1). */
__attribute__((target("avx512f"))) static void
gram_tile512(double *T, const double *const *x, const double *hx,
             const double *const *y, const double *hy, const double *w,
             size_t b) {
  __m512d c00 = _mm512_loadu_pd(T), c01 = _mm512_loadu_pd(T + 8),
          c02 = _mm512_loadu_pd(T + 16), c03 = _mm512_loadu_pd(T + 24),
          c10 = _mm512_loadu_pd(T + 32), c11 = _mm512_loadu_pd(T + 40),
          c12 = _mm512_loadu_pd(T + 48), c13 = _mm512_loadu_pd(T + 56),
          c20 = _mm512_loadu_pd(T + 64), c21 = _mm512_loadu_pd(T + 72),
          c22 = _mm512_loadu_pd(T + 80), c23 = _mm512_loadu_pd(T + 88),
          c30 = _mm512_loadu_pd(T + 96), c31 = _mm512_loadu_pd(T + 104),
          c32 = _mm512_loadu_pd(T + 112), c33 = _mm512_loadu_pd(T + 120);
  const double *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  const double *y0 = y[0], *y1 = y[1], *y2 = y[2], *y3 = y[3];
  __m512d hx0 = _mm512_set1_pd(hx[0]), hx1 = _mm512_set1_pd(hx[1]),
          hx2 = _mm512_set1_pd(hx[2]), hx3 = _mm512_set1_pd(hx[3]);
  __m512d hy0 = _mm512_set1_pd(hy[0]), hy1 = _mm512_set1_pd(hy[1]),
          hy2 = _mm512_set1_pd(hy[2]), hy3 = _mm512_set1_pd(hy[3]);
  size_t r = 0;
  if (w != NULL)
    GRAM_LOOP(1);
  else
    GRAM_LOOP(0);
  _mm512_storeu_pd(T, c00);
  _mm512_storeu_pd(T + 8, c01);
  _mm512_storeu_pd(T + 16, c02);
  _mm512_storeu_pd(T + 24, c03);
  _mm512_storeu_pd(T + 32, c10);
  _mm512_storeu_pd(T + 40, c11);
  _mm512_storeu_pd(T + 48, c12);
  _mm512_storeu_pd(T + 56, c13);
  _mm512_storeu_pd(T + 64, c20);
  _mm512_storeu_pd(T + 72, c21);
  _mm512_storeu_pd(T + 80, c22);
  _mm512_storeu_pd(T + 88, c23);
  _mm512_storeu_pd(T + 96, c30);
  _mm512_storeu_pd(T + 104, c31);
  _mm512_storeu_pd(T + 112, c32);
  _mm512_storeu_pd(T + 120, c33);
}

/* u = y - sum_j (x_j - h_j) beta_j over b rows; xr_j += sum (x_j - h_j) u;
 * xmax_j = max(xmax_j, max |x_j - h_j|); returns u'u. */
__attribute__((target("avx512f"))) static double
resid512(const double *const *cols, const double *h, const double *y,
         const double *beta, size_t k, size_t b, double *u, double *xr,
         double *xmax) {
  size_t r = 0;
  __m512d uu = _mm512_setzero_pd();
  for (; r < b; r += 8) {
    __mmask8 m = b - r >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (b - r)) - 1u);
    __m512d v = _mm512_maskz_loadu_pd(m, y + r);
    for (size_t j = 0; j < k; j++) {
      __m512d x = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, cols[j] + r),
                                      _mm512_set1_pd(h[j]));
      v = _mm512_fnmadd_pd(x, _mm512_set1_pd(beta[j]), v);
    }
    _mm512_mask_storeu_pd(u + r, m, v);
    uu = _mm512_fmadd_pd(v, v, uu);
  }
  for (size_t j = 0; j < k; j++) {
    __m512d acc = _mm512_setzero_pd(), hj = _mm512_set1_pd(h[j]);
    __m512d mx = _mm512_setzero_pd();
    for (r = 0; r < b; r += 8) {
      __mmask8 m =
          b - r >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (b - r)) - 1u);
      __m512d x = _mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, cols[j] + r),
                                      hj);
      acc = _mm512_fmadd_pd(x, _mm512_maskz_loadu_pd(m, u + r), acc);
      mx = _mm512_max_pd(mx, _mm512_abs_pd(x));
    }
    xr[j] += _mm512_reduce_add_pd(acc);
    double v = _mm512_reduce_max_pd(mx);
    xmax[j] = v > xmax[j] ? v : xmax[j];
  }
  return _mm512_reduce_add_pd(uu);
}

static int gram_have_simd(void) { return __builtin_cpu_supports("avx512f"); }
#else
static int gram_have_simd(void) { return 0; }
#endif

int cz_gram_fast(size_t p) {
  return p >= 1 && p <= CZ_GRAM_PMAX && gram_have_simd();
}

int cz_gram_init(cz_gram *g, const cz_alloc *a, size_t p) {
  memset(g, 0, sizeof *g);
  g->a = a;
  g->p = p;
  g->simd = cz_gram_fast(p);
  size_t nt = (p + 3) / 4, len = p * p;
  if (g->simd) {
    g->ntile = nt * (nt + 1) / 2;
    len = g->ntile * 128;
  }
  g->acc = cz_calloc(a, len ? len : 1, sizeof *g->acc);
  return g->acc ? CAUSAL_OK : CAUSAL_ENOMEM;
}

void cz_gram_addv(cz_gram *g, const double *const *cols, const double *shift,
                  const double *w, size_t b) {
  size_t p = g->p;
  if (b == 0)
    return;
  if (!g->simd) { /* reference loop (callers use cz_gram_add here) */
    for (size_t j = 0; j < p; j++)
      for (size_t i = 0; i <= j; i++) {
        double hi = shift ? shift[i] : 0.0, hj = shift ? shift[j] : 0.0;
        double acc = 0.0;
        for (size_t r = 0; r < b; r++)
          acc += (w ? w[r] : 1.0) * (cols[i][r] - hi) * (cols[j][r] - hj);
        g->acc[i + j * p] += acc;
      }
    return;
  }
#ifdef CZ_GRAM_X86
  static const double zero[4] = {0.0, 0.0, 0.0, 0.0};
  for (size_t r0 = 0; r0 < b; r0 += GRAM_ROWS) {
    size_t br = b - r0 < GRAM_ROWS ? b - r0 : GRAM_ROWS, t = 0;
    for (size_t i = 0; i < p; i += 4)
      for (size_t j = i; j < p; j += 4, t++) {
        /* columns past p repeat column p - 1; their sums are not read */
        const double *x[4], *y[4];
        double hx[4], hy[4];
        for (size_t q = 0; q < 4; q++) {
          size_t ci = i + q < p ? i + q : p - 1, cj = j + q < p ? j + q : p - 1;
          x[q] = cols[ci] + r0;
          y[q] = cols[cj] + r0;
          hx[q] = shift ? shift[ci] : zero[q];
          hy[q] = shift ? shift[cj] : zero[q];
        }
        gram_tile512(g->acc + 128 * t, x, hx, y, hy, w ? w + r0 : NULL, br);
      }
  }
#endif
}

void cz_gram_add(cz_gram *g, const double *A, size_t lda, size_t b) {
  size_t p = g->p;
  if (b == 0)
    return;
  if (!g->simd) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)b, 1.0, A,
                (int)lda, 1.0, g->acc, (int)p);
    return;
  }
  const double *cols[CZ_GRAM_PMAX];
  for (size_t j = 0; j < p; j++)
    cols[j] = A + j * lda;
  cz_gram_addv(g, cols, NULL, NULL, b);
}

double cz_gram_resid(const double *const *cols, const double *shift,
                     const double *y, const double *beta, size_t k, size_t b,
                     double *u, double *xr, double *xmax) {
#ifdef CZ_GRAM_X86
  if (gram_have_simd())
    return resid512(cols, shift, y, beta, k, b, u, xr, xmax);
#endif
  double uu = 0.0;
  for (size_t i = 0; i < b; i++) {
    double v = y[i];
    for (size_t j = 0; j < k; j++)
      v -= (cols[j][i] - shift[j]) * beta[j];
    u[i] = v;
    uu += v * v;
  }
  for (size_t j = 0; j < k; j++) {
    double acc = 0.0, mx = xmax[j];
    for (size_t i = 0; i < b; i++) {
      double x = cols[j][i] - shift[j];
      acc += x * u[i];
      mx = fabs(x) > mx ? fabs(x) : mx;
    }
    xr[j] += acc;
    xmax[j] = mx;
  }
  return uu;
}

void cz_gram_get(const cz_gram *g, double beta, double *C, size_t ldc) {
  size_t p = g->p, t = 0;
  if (!g->simd) {
    for (size_t j = 0; j < p; j++)
      for (size_t i = 0; i <= j; i++)
        C[i + j * ldc] =
            (beta == 0.0 ? 0.0 : beta * C[i + j * ldc]) + g->acc[i + j * p];
    return;
  }
  for (size_t i = 0; i < p; i += 4)
    for (size_t j = i; j < p; j += 4, t++)
      for (size_t qa = 0; qa < 4; qa++)
        for (size_t qc = 0; qc < 4; qc++) {
          size_t r = i + qa, c = j + qc;
          if (r >= p || c >= p || r > c)
            continue;
          const double *v = g->acc + 128 * t + 8 * (4 * qa + qc);
          double s = ((v[0] + v[4]) + (v[2] + v[6])) +
                     ((v[1] + v[5]) + (v[3] + v[7]));
          C[r + c * ldc] = (beta == 0.0 ? 0.0 : beta * C[r + c * ldc]) + s;
        }
}

void cz_gram_free(cz_gram *g) {
  if (g != NULL && g->acc != NULL)
    cz_free(g->a, g->acc);
  if (g != NULL)
    g->acc = NULL;
}

static const char *fn = "cz_vcov_compute";

static const char *type_label(int type) {
  static const char *const labels[] = {"classical", "HC0", "HC1", "HC2",
                                       "HC3",       "CR0", "CR1", "CR2"};
  return labels[type - 1];
}

static int is_cluster(int type) {
  return type == CAUSAL_VCOV_CR0 || type == CAUSAL_VCOV_CR1 ||
         type == CAUSAL_VCOV_CR2;
}

/* Scratch buffers of one computation, all from the caller's allocator. */
typedef struct vscratch {
  const cz_alloc *a;
  cz_ws ws;
  double *R;     /* k x k: bread = R'R (upper Cholesky factor) */
  double *M;     /* k x k meat */
  double *T;     /* k x k */
  double *buf;   /* general */
  int32_t *codes12;
  size_t *order, *start; /* cluster sort */
} vscratch;

static void vs_free(vscratch *s) {
  cz_ws_free(&s->ws);
  cz_free(s->a, s->R);
  cz_free(s->a, s->M);
  cz_free(s->a, s->T);
  cz_free(s->a, s->buf);
  cz_free(s->a, s->codes12);
  cz_free(s->a, s->order);
  cz_free(s->a, s->start);
}

static int validate(const cz_vcov_in *in, const cz_vcov_out *out) {
  CZ_REQUIRE_NONNULL(in);
  CZ_REQUIRE_NONNULL(out);
  if (out->V == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: out->V is NULL", fn);
  if ((in->gather == NULL && (in->X == NULL || in->u == NULL)) ||
      in->bread == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: X, u (or gather) and bread must not "
                                  "be NULL", fn);
  if (in->gather != NULL && in->type == CAUSAL_VCOV_CR2)
    return cz_fail(CAUSAL_EINVAL, "%s: CR2 needs the design matrix (X), not "
                                  "blocked access", fn);
  if (in->n == 0 || in->k == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: n = %zu and k = %zu must be positive",
                   fn, in->n, in->k);
  if (in->type < CAUSAL_VCOV_CLASSICAL || in->type > CAUSAL_VCOV_CR2)
    return cz_fail(CAUSAL_ERANGE, "%s: vcov type %d is not a CAUSAL_VCOV_*",
                   fn, in->type);
  if (in->ssc < CAUSAL_SSC_R || in->ssc > CAUSAL_SSC_FIXEST)
    return cz_fail(CAUSAL_ERANGE, "%s: convention %d is not a CAUSAL_SSC_*",
                   fn, in->ssc);
  if (in->df_model >= in->n)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %zu observations for %zu parameters leave no residual "
                   "degrees of freedom",
                   fn, in->n, in->df_model);
  if (is_cluster(in->type)) {
    if (in->ncluster_dims < 1 || in->ncluster_dims > 2)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: %s needs one or two cluster columns (have %zu)", fn,
                     type_label(in->type), in->ncluster_dims);
    for (size_t d = 0; d < in->ncluster_dims; d++) {
      if (in->cl[d] == NULL)
        return cz_fail(CAUSAL_EINVAL, "%s: cluster codes %zu are NULL", fn, d);
      if (in->ncl[d] < 2)
        return cz_fail(CAUSAL_EINVAL,
                       "%s: cluster-robust %s needs at least 2 clusters; "
                       "cluster dimension %zu has %zu",
                       fn, type_label(in->type), d + 1, in->ncl[d]);
    }
    if (in->type == CAUSAL_VCOV_CR2 && in->ncluster_dims != 1)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: CR2 supports one cluster dimension only", fn);
  }
  return CAUSAL_OK;
}

/* s->R = upper Cholesky factor of the bread (bread = R'R). */
static int bread_factor(vscratch *s, const cz_vcov_in *in) {
  size_t k = in->k;
  s->R = cz_malloc(s->a, k * k * sizeof *s->R);
  if (s->R == NULL)
    return CAUSAL_ENOMEM;
  memcpy(s->R, in->bread, k * k * sizeof *s->R);
  return cz_chol(fn, "bread", cz_mat_dense(s->R, k, k));
}

/* V = c * B M B (symmetrised). */
static int sandwich(vscratch *s, const cz_vcov_in *in, double c, double *V) {
  size_t k = in->k;
  cz_cmat B = cz_cmat_dense(in->bread, k, k);
  CZ_CHECK(cz_gemm(fn, false, false, 1.0, B, cz_cmat_dense(s->M, k, k), 0.0,
                   cz_mat_dense(s->T, k, k)));
  CZ_CHECK(cz_gemm(fn, false, false, c, cz_cmat_dense(s->T, k, k), B, 0.0,
                   cz_mat_dense(V, k, k)));
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < j; i++) {
      double v = 0.5 * (V[i + j * k] + V[j + i * k]);
      V[i + j * k] = V[j + i * k] = v;
    }
  return CAUSAL_OK;
}

/* Rows per block of the blocked passes: about 2 MB per block, so it stays
 * cache resident between the gather and the BLAS calls while the calls are
 * few (each one synchronises the BLAS threads). The HC meat over a gather
 * callback with the tiled Gram kernel uses GATHER_ROWS-row blocks instead:
 * the callback computes each block on the fly (residuals, scaling), and a
 * block of a few dozen columns then stays in L1/L2 from the gather through
 * the kernel. */
#define GATHER_ROWS 256
static size_t block_rows(size_t k) {
  size_t b = 262144 / (k ? k : 1);
  return b < 256 ? 256 : b > 65536 ? 65536 : b;
}

/* Rows i0..i0+b-1 of the design and of u: from the caller's gather, or
 * copied out of X and u. */
static int get_block(const cz_vcov_in *in, size_t i0, size_t b, double *Xb,
                     double *ub) {
  if (in->gather != NULL)
    return in->gather(in->gather_ctx, i0, b, Xb, ub);
  for (size_t j = 0; j < in->k; j++)
    memcpy(Xb + j * b, in->X + i0 + j * in->n, b * sizeof *Xb);
  memcpy(ub, in->u + i0, b * sizeof *ub);
  return CAUSAL_OK;
}

/* HC meat sum_i om_i x_i x_i', om_i = u_i^2 (HC0/HC1), u_i^2 / (1 - h_i)
 * (HC2) or u_i^2 / (1 - h_i)^2 (HC3) with leverages h_i = x_i' B x_i =
 * ||R x_i||^2 (B = R'R), in one blocked pass: each block's rows are scaled
 * by sqrt(om_i) and added to a Gram accumulator (internal/gram.h). */
static int hc_meat(vscratch *s, const cz_vcov_in *in) {
  size_t n = in->n, k = in->k, B = block_rows(k);
  int lev = in->type == CAUSAL_VCOV_HC2 || in->type == CAUSAL_VCOV_HC3;
  if (lev)
    CZ_CHECK(bread_factor(s, in));
  /* gathered blocks are produced on the fly: keep them L1/L2 sized */
  if (in->gather != NULL && !lev && cz_gram_fast(k) && B > GATHER_ROWS)
    B = GATHER_ROWS;
  s->buf = cz_malloc(s->a, (2 * k + 2) * B * sizeof *s->buf);
  if (s->buf == NULL)
    return CAUSAL_ENOMEM;
  cz_gram gm;
  if (cz_gram_init(&gm, s->a, k) != CAUSAL_OK)
    return CAUSAL_ENOMEM;
  double *Xb = s->buf, *P = Xb + k * B, *ub = P + k * B, *om = ub + B;
  cz_mat M = cz_mat_dense(s->M, k, k);
  int rc = CAUSAL_OK;
  for (size_t i0 = 0; i0 < n && rc == CAUSAL_OK; i0 += B) {
    size_t b = n - i0 < B ? n - i0 : B;
    rc = get_block(in, i0, b, Xb, ub);
    if (rc != CAUSAL_OK)
      break;
    for (size_t i = 0; i < b; i++)
      om[i] = fabs(ub[i]); /* sqrt of the weight u_i^2 */
    if (lev) {
      rc = cz_gemm(fn, false, true, 1.0, cz_cmat_dense(Xb, b, k),
                   cz_cmat_dense(s->R, k, k), 0.0, cz_mat_dense(P, b, k));
      for (size_t i = 0; i < b && rc == CAUSAL_OK; i++) {
        double h = 0.0;
        for (size_t j = 0; j < k; j++)
          h += P[i + j * b] * P[i + j * b];
        double m = 1.0 - h;
        if (!(m > 1e-10))
          rc = cz_fail(CAUSAL_ESINGULAR,
                       "%s: %s is undefined: observation %zu has leverage "
                       "%.17g (it is fitted exactly)",
                       fn, type_label(in->type), i0 + i, h);
        om[i] /= in->type == CAUSAL_VCOV_HC2 ? sqrt(m) : m;
      }
      if (rc != CAUSAL_OK)
        break;
    }
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < b; i++)
        Xb[i + j * b] *= om[i];
    /* straight to the accumulator: the blocks are finite (checked by the
     * callers) and a per-block cz_check_finite would cost as much as the
     * scaling */
    cz_gram_add(&gm, Xb, b, b);
  }
  if (rc == CAUSAL_OK) {
    cz_gram_get(&gm, 0.0, M.data, k);
    cz_sym_fill_lower(M);
  }
  cz_gram_free(&gm);
  CZ_CHECK(rc);
  return cz_check_finite(fn, "meat (scores x_i u_i)", cz_mat_c(M));
}

/* Rows grouped by cluster: order[start[g]..start[g+1]) are cluster g. */
static int cluster_sort(vscratch *s, const int32_t *cl, size_t n, size_t G) {
  s->order = cz_malloc(s->a, n * sizeof *s->order);
  s->start = cz_calloc(s->a, G + 1, sizeof *s->start);
  if (s->order == NULL || s->start == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++)
    s->start[cl[i] + 1]++;
  for (size_t g = 0; g < G; g++)
    s->start[g + 1] += s->start[g];
  for (size_t i = 0; i < n; i++)
    s->order[s->start[cl[i]]++] = i;
  for (size_t g = G; g > 0; g--)
    s->start[g] = s->start[g - 1];
  s->start[0] = 0;
  return CAUSAL_OK;
}

/* ---- CR2 (Bell–McCaffrey) -------------------------------------------- */

/* The adjustment A_g = (I - H_gg)^{-1/2} of one cluster in low-rank form:
 * with P = X_g R' (n_g x k), H_gg = P P'; P'P = V diag(lam) V', and
 * A_g = I + P V diag(f(lam)) V' P' with f(l) = ((1 - l)^{-1/2} - 1) / l.
 * Eigenvalues 1 - l <= 1e-12 (a cluster fitted exactly) use the
 * Moore–Penrose inverse square root, f(l) = -1 / l, as clubSandwich and
 * estimatr do. */
typedef struct cr2_block {
  double *Xg, *P, *Ak, *Vk, *lam, *f, *t1, *t2;
} cr2_block;

static int cr2_block_alloc(vscratch *s, cr2_block *b, size_t ng_max, size_t k,
                           size_t m) {
  size_t need = 2 * ng_max * k + 2 * k * k + 2 * k + 2 * k * (m > 1 ? m : 1);
  double *p = cz_malloc(s->a, need * sizeof *p);
  cz_free(s->a, s->buf);
  s->buf = p;
  if (p == NULL)
    return CAUSAL_ENOMEM;
  b->Xg = p;
  b->P = b->Xg + ng_max * k;
  b->Ak = b->P + ng_max * k;
  b->Vk = b->Ak + k * k;
  b->lam = b->Vk + k * k;
  b->f = b->lam + k;
  b->t1 = b->f + k;
  b->t2 = b->t1 + k * (m > 1 ? m : 1);
  return CAUSAL_OK;
}

/* Prepare cluster g: gather X_g, P = X_g R', eigen-decompose P'P. */
static int cr2_prepare(vscratch *s, const cz_vcov_in *in, cr2_block *b,
                       size_t g, size_t *ngp) {
  size_t k = in->k, n = in->n, s0 = s->start[g], ng = s->start[g + 1] - s0;
  *ngp = ng;
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i < ng; i++)
      b->Xg[i + j * ng] = in->X[s->order[s0 + i] + j * n];
  CZ_CHECK(cz_gemm(fn, false, true, 1.0, cz_cmat_dense(b->Xg, ng, k),
                   cz_cmat_dense(s->R, k, k), 0.0, cz_mat_dense(b->P, ng, k)));
  CZ_CHECK(cz_xtx(fn, cz_cmat_dense(b->P, ng, k), 1.0, 0.0,
                  cz_mat_dense(b->Ak, k, k)));
  cz_mat vk = cz_mat_dense(b->Vk, k, k);
  CZ_CHECK(cz_syev(fn, cz_mat_dense(b->Ak, k, k), b->lam, &vk, &s->ws));
  for (size_t j = 0; j < k; j++) {
    double l = b->lam[j], r = 1.0 - l;
    if (l < 1e-14)
      b->f[j] = 0.5; /* limit; the direction is (numerically) absent */
    else if (r <= 1e-12)
      b->f[j] = -1.0 / l;
    else
      b->f[j] = (1.0 / sqrt(r) - 1.0) / l;
  }
  return CAUSAL_OK;
}

/* Y (ng x m) <- A_g Y. */
static int cr2_apply(const cr2_block *b, size_t ng, size_t k, double *Y,
                     size_t m) {
  CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(b->P, ng, k),
                   cz_cmat_dense(Y, ng, m), 0.0, cz_mat_dense(b->t1, k, m)));
  CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(b->Vk, k, k),
                   cz_cmat_dense(b->t1, k, m), 0.0, cz_mat_dense(b->t2, k, m)));
  for (size_t c = 0; c < m; c++)
    for (size_t j = 0; j < k; j++)
      b->t2[j + c * k] *= b->f[j];
  CZ_CHECK(cz_gemm(fn, false, false, 1.0, cz_cmat_dense(b->Vk, k, k),
                   cz_cmat_dense(b->t2, k, m), 0.0, cz_mat_dense(b->t1, k, m)));
  return cz_gemm(fn, false, false, 1.0, cz_cmat_dense(b->P, ng, k),
                 cz_cmat_dense(b->t1, k, m), 1.0, cz_mat_dense(Y, ng, m));
}

static size_t max_cluster(const vscratch *s, size_t G) {
  size_t mx = 0;
  for (size_t g = 0; g < G; g++)
    if (s->start[g + 1] - s->start[g] > mx)
      mx = s->start[g + 1] - s->start[g];
  return mx;
}

/* Cluster score sums S (G x k): S[g, :] = sum_{i in g} x_i ~u_i, with
 * ~u = u (CR0/CR1) or A_g u_g (CR2); meat M = S'S. */
static int cr_meat(vscratch *s, const cz_vcov_in *in, const int32_t *cl,
                   size_t G, double *M) {
  size_t n = in->n, k = in->k, bytes;
  if (!cz_mul_size(G, k, &bytes) || !cz_mul_size(bytes, sizeof(double), &bytes))
    return cz_fail(CAUSAL_ENOMEM, "%s: %zu clusters overflow", fn, G);
  double *S = cz_calloc(s->a, G * k, sizeof *S);
  if (S == NULL)
    return CAUSAL_ENOMEM;
  int rc = CAUSAL_OK;
  if (in->type != CAUSAL_VCOV_CR2) {
    size_t B = block_rows(k);
    double *Xb = cz_malloc(s->a, (k + 1) * B * sizeof *Xb);
    double *ub = Xb != NULL ? Xb + k * B : NULL;
    if (Xb == NULL)
      rc = CAUSAL_ENOMEM;
    for (size_t i0 = 0; i0 < n && rc == CAUSAL_OK; i0 += B) {
      size_t b = n - i0 < B ? n - i0 : B;
      rc = get_block(in, i0, b, Xb, ub);
      for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
        const double *x = Xb + j * b;
        double *sj = S + j * G;
        const int32_t *c = cl + i0;
        for (size_t i = 0; i < b; i++)
          sj[c[i]] += x[i] * ub[i];
      }
    }
    cz_free(s->a, Xb);
  } else {
    cr2_block b;
    size_t ngm = max_cluster(s, G);
    rc = cr2_block_alloc(s, &b, ngm, k, 1);
    double *ug = NULL;
    if (rc == CAUSAL_OK) {
      ug = cz_malloc(s->a, ngm * sizeof *ug);
      if (ug == NULL)
        rc = CAUSAL_ENOMEM;
    }
    for (size_t g = 0; g < G && rc == CAUSAL_OK; g++) {
      size_t ng;
      rc = cr2_prepare(s, in, &b, g, &ng);
      for (size_t i = 0; i < ng && rc == CAUSAL_OK; i++)
        ug[i] = in->u[s->order[s->start[g] + i]];
      if (rc == CAUSAL_OK)
        rc = cr2_apply(&b, ng, k, ug, 1);
      for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < ng; i++)
          acc += b.Xg[i + j * ng] * ug[i];
        S[g + j * G] = acc;
      }
    }
    cz_free(s->a, ug);
  }
  if (rc == CAUSAL_OK)
    rc = cz_xtx(fn, cz_cmat_dense(S, G, k), 1.0, 0.0, cz_mat_dense(M, k, k));
  cz_free(s->a, S);
  return rc;
}

/* Codes of the intersection of two cluster dimensions. */
static int intersect_codes(vscratch *s, const cz_vcov_in *in, size_t *G12) {
  size_t n = in->n, G1 = in->ncl[1], G0 = in->ncl[0];
  s->codes12 = cz_malloc(s->a, n * sizeof *s->codes12);
  if (s->codes12 == NULL)
    return CAUSAL_ENOMEM;
  /* counting sort by (c0, c1): first by c1 then stable by c0 */
  size_t *cnt = cz_calloc(s->a, (G0 > G1 ? G0 : G1) + 1, sizeof *cnt);
  size_t *o1 = cz_malloc(s->a, n * sizeof *o1);
  size_t *o2 = cz_malloc(s->a, n * sizeof *o2);
  int rc = CAUSAL_OK;
  if (cnt == NULL || o1 == NULL || o2 == NULL) {
    rc = CAUSAL_ENOMEM;
  } else {
    for (size_t i = 0; i < n; i++)
      cnt[in->cl[1][i] + 1]++;
    for (size_t g = 0; g < G1; g++)
      cnt[g + 1] += cnt[g];
    for (size_t i = 0; i < n; i++)
      o1[cnt[in->cl[1][i]]++] = i;
    memset(cnt, 0, ((G0 > G1 ? G0 : G1) + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
      cnt[in->cl[0][i] + 1]++;
    for (size_t g = 0; g < G0; g++)
      cnt[g + 1] += cnt[g];
    for (size_t p = 0; p < n; p++) {
      size_t i = o1[p];
      o2[cnt[in->cl[0][i]]++] = i;
    }
    int32_t code = -1;
    for (size_t p = 0; p < n; p++) {
      size_t i = o2[p];
      if (p == 0 || in->cl[0][i] != in->cl[0][o2[p - 1]] ||
          in->cl[1][i] != in->cl[1][o2[p - 1]])
        code++;
      s->codes12[i] = code;
    }
    *G12 = (size_t)code + 1;
  }
  cz_free(s->a, cnt);
  cz_free(s->a, o1);
  cz_free(s->a, o2);
  return rc;
}

/* Mg: a meat computed by the caller (HC0/HC1 only), or NULL. */
static int compute(vscratch *s, const cz_vcov_in *in, cz_vcov_out *out,
                   const double *Mg) {
  size_t n = in->n, k = in->k;
  int type = in->type, ssc = in->ssc;
  double dfres = (double)(n - in->df_model);
  double N = (double)n;
  out->label = type_label(type);
  out->psd_fixed = 0;
  int z = ssc == CAUSAL_SSC_STATSMODELS && type != CAUSAL_VCOV_CLASSICAL &&
          type != CAUSAL_VCOV_CR2;
  if (type == CAUSAL_VCOV_CLASSICAL) {
    if (!isfinite(in->sigma2) || in->sigma2 < 0)
      return cz_fail(CAUSAL_EINVAL, "%s: sigma2 = %g is not a variance", fn,
                     in->sigma2);
    for (size_t i = 0; i < k * k; i++)
      out->V[i] = in->sigma2 * in->bread[i];
    out->df = dfres;
    return CAUSAL_OK;
  }
  s->M = cz_malloc(s->a, k * k * sizeof *s->M);
  s->T = cz_malloc(s->a, k * k * sizeof *s->T);
  if (s->M == NULL || s->T == NULL)
    return CAUSAL_ENOMEM;
  if (!is_cluster(type)) {
    if (Mg != NULL) {
      for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i <= j; i++)
          s->M[i + j * k] = s->M[j + i * k] = Mg[i + j * k];
      CZ_CHECK(cz_check_finite(fn, "meat (scores x_i u_i)",
                               cz_cmat_dense(s->M, k, k)));
    } else
      CZ_CHECK(hc_meat(s, in));
    double c = 1.0;
    if (type == CAUSAL_VCOV_HC1)
      c = ssc == CAUSAL_SSC_FIXEST ? (N - 1.0) / dfres : N / dfres;
    CZ_CHECK(sandwich(s, in, c, out->V));
    out->df = z ? INFINITY : dfres;
    return CAUSAL_OK;
  }
  double adj = type == CAUSAL_VCOV_CR1 ? (N - 1.0) / dfres : 1.0;
  if (in->ncluster_dims == 1) {
    size_t G = in->ncl[0];
    if (type == CAUSAL_VCOV_CR2) {
      CZ_CHECK(bread_factor(s, in));
      CZ_CHECK(cluster_sort(s, in->cl[0], n, G));
    }
    CZ_CHECK(cr_meat(s, in, in->cl[0], G, s->M));
    double c = type == CAUSAL_VCOV_CR1 ? adj * (double)G / (double)(G - 1)
                                       : 1.0;
    CZ_CHECK(sandwich(s, in, c, out->V));
    out->df = z ? INFINITY : (double)(G - 1);
    return CAUSAL_OK;
  }
  /* two-way: V = V1 + V2 - V12 (Cameron, Gelbach and Miller 2011) */
  size_t G[3] = {in->ncl[0], in->ncl[1], 0};
  CZ_CHECK(intersect_codes(s, in, &G[2]));
  size_t Gmin = G[0] < G[1] ? G[0] : G[1];
  double *Macc = cz_calloc(s->a, k * k, sizeof *Macc);
  if (Macc == NULL)
    return CAUSAL_ENOMEM;
  const int32_t *codes[3] = {in->cl[0], in->cl[1], s->codes12};
  int rc = CAUSAL_OK;
  /* R/statsmodels: each term has its own G/(G-1) (sandwich::vcovCL,
   * statsmodels cov_cluster_2groups); Stata/fixest: one Gmin/(Gmin-1). */
  int per_term = ssc == CAUSAL_SSC_R || ssc == CAUSAL_SSC_STATSMODELS;
  for (int t = 0; t < 3 && rc == CAUSAL_OK; t++) {
    rc = cr_meat(s, in, codes[t], G[t], s->M);
    double c = t == 2 ? -1.0 : 1.0;
    if (type == CAUSAL_VCOV_CR1 && per_term)
      c *= G[t] > 1 ? (double)G[t] / (double)(G[t] - 1) : 1.0;
    for (size_t i = 0; i < k * k && rc == CAUSAL_OK; i++)
      Macc[i] += c * s->M[i];
  }
  if (rc == CAUSAL_OK) {
    memcpy(s->M, Macc, k * k * sizeof *Macc);
    double c = adj;
    if (type == CAUSAL_VCOV_CR1 && !per_term)
      c *= (double)Gmin / (double)(Gmin - 1);
    rc = sandwich(s, in, c, out->V);
  }
  cz_free(s->a, Macc);
  CZ_CHECK(rc);
  size_t nclip = 0;
  CZ_CHECK(cz_psd_clip(fn, cz_mat_dense(out->V, k, k), &nclip, NULL, &s->ws));
  out->psd_fixed = nclip > 0;
  out->df = z ? INFINITY : (double)(Gmin - 1);
  return CAUSAL_OK;
}

int cz_vcov_compute(const cz_alloc *a, const cz_vcov_in *in,
                    cz_vcov_out *out) {
  CZ_REQUIRE_NONNULL(a);
  CZ_CHECK(validate(in, out));
  vscratch s;
  memset(&s, 0, sizeof s);
  s.a = a;
  cz_ws_init(&s.ws, a);
  int rc = compute(&s, in, out, NULL);
  vs_free(&s);
  return rc;
}

int cz_vcov_hc_given(const cz_alloc *a, const cz_vcov_in *in, const double *M,
                     cz_vcov_out *out) {
  CZ_REQUIRE_NONNULL(a);
  CZ_REQUIRE_NONNULL(in);
  CZ_REQUIRE_NONNULL(M);
  CZ_REQUIRE_NONNULL(out);
  if (in->type != CAUSAL_VCOV_HC0 && in->type != CAUSAL_VCOV_HC1)
    return cz_fail(CAUSAL_EINVAL, "cz_vcov_hc_given: type %d is not HC0/HC1",
                   in->type);
  if (out->V == NULL || in->bread == NULL)
    return cz_fail(CAUSAL_EINVAL, "cz_vcov_hc_given: V and bread must not be "
                                  "NULL");
  vscratch s;
  memset(&s, 0, sizeof s);
  s.a = a;
  cz_ws_init(&s.ws, a);
  int rc = compute(&s, in, out, M);
  vs_free(&s);
  return rc;
}

/* Bell–McCaffrey degrees of freedom for the contrasts e_j (Bell and
 * McCaffrey 2002; Imbens and Kolesár 2016; Pustejovsky and Tipton 2018).
 * With W_g = A_g X_g B (n_g x k), d_gj = ||W_g e_j||^2, c_gj = X_g' W_g e_j
 * and K_j = sum_g c_gj c_gj', the matrix G'G of the BM formula is
 * diag(d_.j) - C_j' B C_j, so
 *   tr   = sum_g d_gj - tr(B K_j)
 *   tr2  = sum_g d_gj^2 - 2 sum_g d_gj c_gj' B c_gj + tr(B K_j B K_j)
 *   df_j = tr^2 / tr2,
 * all in O(G k^3) without forming n x n or G x G matrices. */
int cz_vcov_bm_df(const cz_alloc *a, const cz_vcov_in *in, double *df) {
  static const char *who = "cz_vcov_bm_df";
  CZ_REQUIRE_NONNULL(a);
  CZ_REQUIRE_NONNULL(df);
  cz_vcov_out dummy = {df, 0, NULL, 0};
  CZ_CHECK(validate(in, &dummy));
  if (in->ncluster_dims != 1)
    return cz_fail(CAUSAL_EINVAL, "%s: one cluster dimension is needed", who);
  size_t n = in->n, k = in->k, G = in->ncl[0];
  vscratch s;
  memset(&s, 0, sizeof s);
  s.a = a;
  cz_ws_init(&s.ws, a);
  double *W = NULL, *C = NULL, *D = NULL, *K = NULL, *BK = NULL, *Bc = NULL;
  cr2_block b;
  int rc = bread_factor(&s, in);
  if (rc == CAUSAL_OK)
    rc = cluster_sort(&s, in->cl[0], n, G);
  size_t ngm = rc == CAUSAL_OK ? max_cluster(&s, G) : 0;
  if (rc == CAUSAL_OK)
    rc = cr2_block_alloc(&s, &b, ngm, k, k);
  if (rc == CAUSAL_OK) {
    W = cz_malloc(a, ngm * k * sizeof *W);
    C = cz_malloc(a, G * k * k * sizeof *C); /* per g: X_g' W_g, k x k */
    D = cz_malloc(a, G * k * sizeof *D);
    K = cz_malloc(a, 2 * k * k * sizeof *K);
    Bc = cz_malloc(a, k * sizeof *Bc);
    if (W == NULL || C == NULL || D == NULL || K == NULL || Bc == NULL)
      rc = CAUSAL_ENOMEM;
    BK = K ? K + k * k : NULL;
  }
  cz_cmat B = cz_cmat_dense(in->bread, k, k);
  for (size_t g = 0; g < G && rc == CAUSAL_OK; g++) {
    size_t ng;
    rc = cr2_prepare(&s, in, &b, g, &ng);
    if (rc == CAUSAL_OK)
      rc = cz_gemm(who, false, false, 1.0, cz_cmat_dense(b.Xg, ng, k), B, 0.0,
                   cz_mat_dense(W, ng, k));
    if (rc == CAUSAL_OK)
      rc = cr2_apply(&b, ng, k, W, k);
    if (rc == CAUSAL_OK)
      rc = cz_gemm(who, true, false, 1.0, cz_cmat_dense(b.Xg, ng, k),
                   cz_cmat_dense(W, ng, k), 0.0,
                   cz_mat_dense(C + g * k * k, k, k));
    for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
      double acc = 0.0;
      for (size_t i = 0; i < ng; i++)
        acc += W[i + j * ng] * W[i + j * ng];
      D[g + j * G] = acc;
    }
  }
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    /* K_j = sum_g c_gj c_gj' with c_gj = column j of C_g */
    memset(K, 0, k * k * sizeof *K);
    double sd = 0, sd2 = 0, cross = 0;
    for (size_t g = 0; g < G; g++) {
      const double *c = C + g * k * k + j * k;
      for (size_t q = 0; q < k; q++)
        for (size_t p = 0; p < k; p++)
          K[p + q * k] += c[p] * c[q];
      double d = D[g + j * G];
      rc = cz_gemv(who, false, 1.0, B, c, 0.0, Bc);
      if (rc != CAUSAL_OK)
        break;
      double cbc = 0;
      for (size_t p = 0; p < k; p++)
        cbc += c[p] * Bc[p];
      sd += d;
      sd2 += d * d;
      cross += d * cbc;
    }
    if (rc != CAUSAL_OK)
      break;
    rc = cz_gemm(who, false, false, 1.0, B, cz_cmat_dense(K, k, k), 0.0,
                 cz_mat_dense(BK, k, k));
    if (rc != CAUSAL_OK)
      break;
    double trBK = 0, trBKBK = 0;
    for (size_t p = 0; p < k; p++) {
      trBK += BK[p + p * k];
      for (size_t q = 0; q < k; q++)
        trBKBK += BK[p + q * k] * BK[q + p * k];
    }
    double tr = sd - trBK, tr2 = sd2 - 2.0 * cross + trBKBK;
    df[j] = tr2 > 0 ? tr * tr / tr2 : NAN;
  }
  cz_free(a, W);
  cz_free(a, C);
  cz_free(a, D);
  cz_free(a, K);
  cz_free(a, Bc);
  vs_free(&s);
  return rc;
}
