/* Mergeable weighted moments (include/causal/stats.h).
 *
 * State: n, W, W2, mean (p, as an unevaluated sum hi + lo of two doubles),
 * co-moment C (p x p, full symmetric), min/max (p, over rows with positive
 * weight; +Inf/-Inf while W = 0).
 *
 * Why the mean carries a low part: for data like 1e9 + noise(1e-3) a double
 * mean is only known to ulp(1e9) = 1.2e-7, and the pairwise formula's
 * delta = mB - mA (of size sd / sqrt(chunk)) would inherit a relative
 * error of 1e-2, i.e. merged variances right to only ~1e-6. With the
 * second double, delta is accurate to rounding and merges agree with the
 * single pass to ~1e-15.
 *
 * update() validates and summarises the chunk block by block into a
 * temporary accumulator held in the workspace and combines it with the
 * state only at the end, so a NaN, a negative weight or an allocation
 * failure leaves the state untouched. Each block is summarised by a
 * corrected two-pass algorithm (Chan, Golub & LeVeque 1983): pass 1 gives
 * the block mean m; pass 2 forms d = sum w (x - m) and the centred
 * cross-products, by dsyrk on the centred copy sqrt(w)(x - m) when p > 1;
 * then mean = m + d / W and C = Z'Z - d d' / W. Blocks, chunks and whole
 * states are combined by the pairwise formulas (Chan et al. 1979):
 *   W = WA + WB, delta = mB - mA, mean = mA + delta WB / W,
 *   C = CA + CB + delta delta' WA WB / W.
 * See docs/methods/moments.md. */
#include "causal/stats.h"
#include "internal/core.h"
#include "internal/serial.h"

#include <cblas.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* Rows per block: at most 4096, and the centred copy (rows x p doubles)
 * at most 2 MiB so that it stays in cache for wide inputs. */
#define MOM_BLOCK_ROWS 4096
#define MOM_BLOCK_DOUBLES (1u << 18)

/* A view of one set of accumulators (the state, a chunk or a block). */
typedef struct acc {
  int64_t n;
  double W, W2;
  double *mean, *mlo, *C, *min, *max; /* p, p, p*p, p, p */
} acc;

struct causal_moments {
  cz_alloc alloc;
  size_t p;
  acc s;
  double *store; /* mean | mlo | C | min | max */
  double *work;  /* update workspace, grown on demand */
  size_t work_cap; /* doubles */
};

static size_t block_rows(size_t p) {
  size_t r = MOM_BLOCK_DOUBLES / p;
  if (r > MOM_BLOCK_ROWS)
    r = MOM_BLOCK_ROWS;
  return r < 16 ? 16 : r;
}

/* Doubles in an accumulator's arrays: 4p + p^2 (p^2 known not to overflow
 * at creation). */
static size_t acc_doubles(size_t p) { return 4 * p + p * p; }

static void acc_bind(acc *a, double *base, size_t p) {
  a->mean = base;
  a->mlo = base + p;
  a->C = a->mlo + p;
  a->min = a->C + p * p;
  a->max = a->min + p;
}

static void acc_clear(acc *a, size_t p) {
  a->n = 0;
  a->W = a->W2 = 0;
  for (size_t j = 0; j < p; j++) {
    a->mean[j] = a->mlo[j] = 0;
    a->min[j] = INFINITY;
    a->max[j] = -INFINITY;
  }
  memset(a->C, 0, p * p * sizeof(double));
}

/* s + e = a + b exactly (Knuth's TwoSum; no ordering condition). */
static void two_sum(double a, double b, double *s, double *e) {
  double t = a + b, bb = t - a;
  *e = (a - (t - bb)) + (b - bb);
  *s = t;
}

/* Set (hi, lo) to the normalized double-double value hi + lo + t. */
static void dd_add(double *hi, double *lo, double t) {
  double s, e;
  two_sum(*hi, t, &s, &e);
  e += *lo;
  two_sum(s, e, hi, lo);
}

/* mean_B - mean_A for variable j, accurate to rounding of the result. */
static double dd_delta(const struct acc *a, const struct acc *b, size_t j) {
  return (b->mean[j] - a->mean[j]) + (b->mlo[j] - a->mlo[j]);
}

/* a += b (pairwise formulas). b may alias a (self-merge): every element of
 * a is read from b before it is written, and delta is 0. */
static void acc_combine(size_t p, acc *a, const acc *b) {
  a->n += b->n;
  if (b->W == 0)
    return;
  if (a->W == 0) {
    a->W = b->W;
    a->W2 = b->W2;
    if (a != b) {
      memcpy(a->mean, b->mean, p * sizeof(double));
      memcpy(a->mlo, b->mlo, p * sizeof(double));
      memcpy(a->C, b->C, p * p * sizeof(double));
      memcpy(a->min, b->min, p * sizeof(double));
      memcpy(a->max, b->max, p * sizeof(double));
    }
    return;
  }
  double W = a->W + b->W, f = a->W * b->W / W, g = b->W / W;
  for (size_t k = 0; k < p; k++) {
    double dk = dd_delta(a, b, k);
    for (size_t j = 0; j < p; j++) {
      double dj = dd_delta(a, b, j);
      a->C[j + k * p] += b->C[j + k * p] + f * dj * dk;
    }
  }
  for (size_t j = 0; j < p; j++) {
    dd_add(&a->mean[j], &a->mlo[j], dd_delta(a, b, j) * g);
    if (b->min[j] < a->min[j])
      a->min[j] = b->min[j];
    if (b->max[j] > a->max[j])
      a->max[j] = b->max[j];
  }
  a->W = W;
  a->W2 += b->W2;
}

/* ---- lifecycle ------------------------------------------------------------ */

int causal_moments_new(causal_moments **out, size_t p) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (p == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_moments_new: p = 0 variables");
  size_t pp, nd;
  if (p > (size_t)INT_MAX || !cz_mul_size(p, p, &pp) ||
      !cz_add_size(pp, 4 * p, &nd) || nd > SIZE_MAX / sizeof(double) / 4)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_moments_new: p = %zu variables is too many", p);
  cz_alloc a = cz_alloc_current();
  causal_moments *m = cz_malloc(&a, sizeof *m);
  if (m == NULL)
    return CAUSAL_ENOMEM;
  memset(m, 0, sizeof *m);
  m->alloc = a;
  m->p = p;
  m->store = cz_malloc(&a, nd * sizeof(double));
  if (m->store == NULL) {
    cz_free(&a, m);
    return CAUSAL_ENOMEM;
  }
  acc_bind(&m->s, m->store, p);
  acc_clear(&m->s, p);
  *out = m;
  return CAUSAL_OK;
}

void causal_moments_free(causal_moments *m) {
  if (m == NULL)
    return;
  cz_alloc a = m->alloc;
  cz_free(&a, m->work);
  cz_free(&a, m->store);
  cz_free(&a, m);
}

static void acc_copy(size_t p, acc *dst, const acc *src) {
  dst->n = src->n;
  dst->W = src->W;
  dst->W2 = src->W2;
  memcpy(dst->mean, src->mean, acc_doubles(p) * sizeof(double));
}

int causal_moments_clone(causal_moments **out, const causal_moments *m) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  causal_moments *c;
  CZ_CHECK(causal_moments_new(&c, m->p));
  acc_copy(m->p, &c->s, &m->s);
  *out = c;
  return CAUSAL_OK;
}

int causal_moments_reset(causal_moments *m) {
  CZ_REQUIRE_NONNULL(m);
  acc_clear(&m->s, m->p);
  return CAUSAL_OK;
}

size_t causal_moments_nvars(const causal_moments *m) {
  return m ? m->p : 0;
}

/* ---- update ---------------------------------------------------------------- */

static const char *UPD = "causal_moments_update";

static const char *nonfinite_text(double v) {
  return isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/* Called once something bad was seen in rows [r0, r1): report the first
 * offending value in row order (w[i] before x[i, *]), whatever loop order
 * found it, so the message does not depend on the memory layout. */
static int report_bad(const double *x, size_t r0, size_t r1, size_t p,
                      size_t rs, size_t cs, const double *w) {
  for (size_t i = r0; i < r1; i++) {
    if (w != NULL) {
      if (!isfinite(w[i]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: w[%zu] is %s", UPD, i,
                       nonfinite_text(w[i]));
      if (w[i] < 0)
        return cz_fail(CAUSAL_ERANGE, "%s: w[%zu] = %g is negative", UPD, i,
                       w[i]);
    }
    for (size_t j = 0; j < p; j++) {
      double v = x[i * rs + j * cs];
      if (!isfinite(v))
        return cz_fail(CAUSAL_ENONFINITE, "%s: x[%zu, %zu] is %s", UPD, i, j,
                       nonfinite_text(v));
    }
  }
  return cz_fail(CAUSAL_EINTERNAL, "%s: invalid value not located", UPD);
}

/* Block workspace: colsum (p) | d (p) | block acc (4p + p^2) |
 * centred copy Z (rows * p, only for p > 1). */
typedef struct blockws {
  double *colsum, *d, *z;
  acc b;
} blockws;

/* Pass 1 over rows [r0, r1): validation, W, W2, weighted column sums,
 * min/max. Per-column accumulators run over rows in increasing order in
 * both loop nestings, so the result is identical for every layout. */
static int pass1(const double *x, size_t r0, size_t r1, size_t p, size_t rs,
                 size_t cs, const double *w, blockws *bw) {
  acc *b = &bw->b;
  bool bad = false;
  double W = 0, W2 = 0;
  for (size_t i = r0; i < r1; i++) {
    double wi = w ? w[i] : 1.0;
    bad |= !(wi >= 0 && wi <= DBL_MAX); /* NaN, Inf, negative */
    W += wi;
    W2 += wi * wi;
  }
  if (bad)
    return report_bad(x, r0, r1, p, rs, cs, w);
  for (size_t j = 0; j < p; j++) {
    bw->colsum[j] = 0;
    b->min[j] = INFINITY;
    b->max[j] = -INFINITY;
  }
  if (p == 1 || rs <= cs) { /* column-major-like: columns outer */
    for (size_t j = 0; j < p; j++) {
      double s = 0, lo = INFINITY, hi = -INFINITY;
      const double *col = x + j * cs;
      for (size_t i = r0; i < r1; i++) {
        double v = col[i * rs], wi = w ? w[i] : 1.0;
        bad |= !isfinite(v);
        s += wi * v;
        if (wi > 0) {
          lo = v < lo ? v : lo;
          hi = v > hi ? v : hi;
        }
      }
      bw->colsum[j] = s;
      b->min[j] = lo;
      b->max[j] = hi;
    }
  } else { /* row-major-like: rows outer */
    for (size_t i = r0; i < r1; i++) {
      const double *row = x + i * rs;
      double wi = w ? w[i] : 1.0;
      for (size_t j = 0; j < p; j++) {
        double v = row[j * cs];
        bad |= !isfinite(v);
        bw->colsum[j] += wi * v;
        if (wi > 0) {
          b->min[j] = v < b->min[j] ? v : b->min[j];
          b->max[j] = v > b->max[j] ? v : b->max[j];
        }
      }
    }
  }
  if (bad)
    return report_bad(x, r0, r1, p, rs, cs, w);
  b->n = (int64_t)(r1 - r0);
  b->W = W;
  b->W2 = W2;
  return CAUSAL_OK;
}

/* max(v, 0) that lets NaN through (fmax would hide an overflow). */
static double clamp0(double v) { return v < 0 ? 0.0 : v; }

/* Pass 2: centred sums about the pass-1 mean, then the correction. */
static void pass2(const double *x, size_t r0, size_t r1, size_t p, size_t rs,
                  size_t cs, const double *w, blockws *bw) {
  acc *b = &bw->b;
  double W = b->W;
  for (size_t j = 0; j < p; j++)
    b->mean[j] = bw->colsum[j] / W;
  if (p == 1) {
    /* Neumaier-compensated sums: this loop is memory-bound, so the extra
     * flops are free and the sum of squares keeps ~1 ulp accuracy for
     * long chunks (NumAcc3/4 otherwise lose a digit to the n*eps growth). */
    double m = b->mean[0], d = 0, dc = 0, c = 0, cc = 0;
    for (size_t i = r0; i < r1; i++) {
      double wi = w ? w[i] : 1.0, e = x[i * rs] - m;
      double we = wi * e, q = we * e, t;
      t = d + we;
      dc += fabs(d) >= fabs(we) ? (d - t) + we : (we - t) + d;
      d = t;
      t = c + q;
      cc += c >= q ? (c - t) + q : (q - t) + c;
      c = t;
    }
    d += dc;
    c += cc;
    b->C[0] = clamp0(c - d * d / W);
    two_sum(m, d / W, &b->mean[0], &b->mlo[0]);
    return;
  }
  size_t bn = r1 - r0;
  for (size_t j = 0; j < p; j++)
    bw->d[j] = 0;
  if (rs <= cs) {
    for (size_t j = 0; j < p; j++) {
      const double *col = x + j * cs;
      double m = b->mean[j], d = 0, *z = bw->z + j * bn;
      for (size_t i = r0; i < r1; i++) {
        double wi = w ? w[i] : 1.0, e = col[i * rs] - m;
        d += wi * e;
        z[i - r0] = (w ? sqrt(wi) : 1.0) * e;
      }
      bw->d[j] = d;
    }
  } else {
    for (size_t i = r0; i < r1; i++) {
      const double *row = x + i * rs;
      double wi = w ? w[i] : 1.0, sw = w ? sqrt(wi) : 1.0;
      for (size_t j = 0; j < p; j++) {
        double e = row[j * cs] - b->mean[j];
        bw->d[j] += wi * e;
        bw->z[(i - r0) + j * bn] = sw * e;
      }
    }
  }
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)bn, 1.0,
              bw->z, (int)bn, 0.0, b->C, (int)p);
  for (size_t k = 0; k < p; k++) {
    for (size_t j = 0; j <= k; j++)
      b->C[j + k * p] -= bw->d[j] * bw->d[k] / W;
    b->C[k + k * p] = clamp0(b->C[k + k * p]);
    for (size_t j = 0; j < k; j++)
      b->C[k + j * p] = b->C[j + k * p];
  }
  for (size_t j = 0; j < p; j++)
    two_sum(b->mean[j], bw->d[j] / W, &b->mean[j], &b->mlo[j]);
}

static double *ensure_work(causal_moments *m, size_t need) {
  if (m->work_cap >= need)
    return m->work;
  double *w = cz_malloc(&m->alloc, need * sizeof(double));
  if (w == NULL)
    return NULL;
  cz_free(&m->alloc, m->work);
  m->work = w;
  m->work_cap = need;
  return w;
}

int causal_moments_update(causal_moments *m, const double *x, size_t n,
                          size_t row_stride, size_t col_stride,
                          const double *w) {
  CZ_REQUIRE_NONNULL(m);
  if (n == 0)
    return CAUSAL_OK;
  if (x == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: x is NULL with n = %zu rows", UPD, n);
  size_t p = m->p, cs = p == 1 ? 0 : col_stride, last, t;
  /* The largest index touched must be addressable. */
  if (!cz_mul_size(n - 1, row_stride, &last) ||
      !cz_mul_size(p - 1, cs, &t) || !cz_add_size(last, t, &last) ||
      last > SIZE_MAX / sizeof(double))
    return cz_fail(CAUSAL_ERANGE,
                   "%s: n = %zu rows with strides (%zu, %zu) overflow", UPD, n,
                   row_stride, col_stride);
  if (n > (size_t)INT64_MAX - (size_t)m->s.n)
    return cz_fail(CAUSAL_ERANGE, "%s: row count overflows int64", UPD);
  size_t rows = block_rows(p);
  if (rows > n)
    rows = n;
  size_t na = acc_doubles(p);
  size_t need = 2 * na + 2 * p + (p > 1 ? rows * p : 0);
  double *work = ensure_work(m, need);
  if (work == NULL)
    return CAUSAL_ENOMEM;
  acc chunk;
  blockws bw;
  acc_bind(&chunk, work, p);
  acc_bind(&bw.b, work + na, p);
  bw.colsum = work + 2 * na;
  bw.d = bw.colsum + p;
  bw.z = bw.d + p;
  acc_clear(&chunk, p);
  for (size_t r0 = 0; r0 < n; r0 += rows) {
    size_t r1 = n - r0 < rows ? n : r0 + rows;
    CZ_CHECK(pass1(x, r0, r1, p, row_stride, cs, w, &bw));
    if (!isfinite(bw.b.W) || !isfinite(bw.b.W2))
      return cz_fail(CAUSAL_ERANGE,
                     "%s: the sum of weights of rows %zu..%zu overflows", UPD,
                     r0, r1 - 1);
    if (bw.b.W > 0) /* else only zero weights: rows seen, nothing else */
      pass2(x, r0, r1, p, row_stride, cs, w, &bw);
    acc_combine(p, &chunk, &bw.b);
  }
  /* Finite inputs can still overflow in sums or squares (|x| ~ 1e154+):
   * refuse rather than store Inf. */
  for (size_t i = 0; i < acc_doubles(p) - 2 * p; i++)
    if (!isfinite(chunk.mean[i]))
      return cz_fail(CAUSAL_ERANGE,
                     "%s: values too large: the %s of variable %zu overflows",
                     UPD, i < 2 * p ? "mean" : "co-moment",
                     i < 2 * p ? i % p : (i - 2 * p) % p);
  acc_combine(p, &m->s, &chunk);
  return CAUSAL_OK;
}

int causal_moments_merge(causal_moments *dst, const causal_moments *src) {
  CZ_REQUIRE_NONNULL(dst);
  CZ_REQUIRE_NONNULL(src);
  if (dst->p != src->p)
    return cz_fail(CAUSAL_EDIM,
                   "causal_moments_merge: dst has %zu variables, src %zu",
                   dst->p, src->p);
  if (src->s.n > INT64_MAX - dst->s.n)
    return cz_fail(CAUSAL_ERANGE, "causal_moments_merge: row count overflows");
  acc_combine(dst->p, &dst->s, &src->s);
  return CAUSAL_OK;
}

/* ---- get --------------------------------------------------------------------- */

static const char *GET = "causal_moments_get";

static int need_w(const causal_moments *m, double min_w, const char *what) {
  if (!(m->s.W > min_w))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %s needs a sum of weights W > %g, have W = %g (%lld "
                   "rows)",
                   GET, what, min_w, m->s.W, (long long)m->s.n);
  return CAUSAL_OK;
}

static int get_matrix(const causal_moments *m, int what, double *out) {
  size_t p = m->p;
  const acc *s = &m->s;
  switch (what) {
  case CAUSAL_MOM_COMOMENT:
    CZ_CHECK(need_w(m, 0, "the co-moment matrix"));
    memcpy(out, s->C, p * p * sizeof(double));
    return CAUSAL_OK;
  case CAUSAL_MOM_COV:
    CZ_CHECK(need_w(m, 1, "the covariance"));
    for (size_t i = 0; i < p * p; i++)
      out[i] = s->C[i] / (s->W - 1);
    return CAUSAL_OK;
  case CAUSAL_MOM_CROSSPROD:
    CZ_CHECK(need_w(m, 0, "the cross-product matrix"));
    for (size_t k = 0; k < p; k++)
      for (size_t j = 0; j < p; j++)
        out[j + k * p] = s->C[j + k * p] + s->W * (s->mean[j] + s->mlo[j]) *
                                               (s->mean[k] + s->mlo[k]);
    return CAUSAL_OK;
  default: /* CAUSAL_MOM_CORR */
    CZ_CHECK(need_w(m, 0, "the correlation"));
    for (size_t j = 0; j < p; j++)
      if (!(s->C[j + j * p] > 0))
        return cz_fail(CAUSAL_EINVAL,
                       "%s: correlation undefined: variable %zu has zero "
                       "variance",
                       GET, j);
    for (size_t k = 0; k < p; k++)
      for (size_t j = 0; j < p; j++) {
        double r = s->C[j + k * p] / sqrt(s->C[j + j * p] * s->C[k + k * p]);
        out[j + k * p] = j == k ? 1.0 : fmax(-1.0, fmin(1.0, r));
      }
    return CAUSAL_OK;
  }
}

static int get_vector(const causal_moments *m, int what, double *out) {
  size_t p = m->p;
  const acc *s = &m->s;
  double denom = 0;
  switch (what) {
  case CAUSAL_MOM_MEAN:
    CZ_CHECK(need_w(m, 0, "the mean"));
    for (size_t j = 0; j < p; j++)
      out[j] = s->mean[j] + s->mlo[j];
    return CAUSAL_OK;
  case CAUSAL_MOM_SUM:
    CZ_CHECK(need_w(m, 0, "the sum"));
    for (size_t j = 0; j < p; j++)
      out[j] = s->W * (s->mean[j] + s->mlo[j]);
    return CAUSAL_OK;
  case CAUSAL_MOM_MIN:
  case CAUSAL_MOM_MAX:
    CZ_CHECK(need_w(m, 0, what == CAUSAL_MOM_MIN ? "the minimum"
                                                 : "the maximum"));
    memcpy(out, what == CAUSAL_MOM_MIN ? s->min : s->max, p * sizeof(double));
    return CAUSAL_OK;
  case CAUSAL_MOM_VAR:
  case CAUSAL_MOM_SD:
    CZ_CHECK(need_w(m, 1, what == CAUSAL_MOM_VAR ? "the variance"
                                                 : "the standard deviation"));
    denom = s->W - 1;
    break;
  case CAUSAL_MOM_VAR_POP:
    CZ_CHECK(need_w(m, 0, "the population variance"));
    denom = s->W;
    break;
  default: /* CAUSAL_MOM_VAR_RELIABILITY */
    CZ_CHECK(need_w(m, 0, "the reliability-weighted variance"));
    denom = s->W - s->W2 / s->W;
    if (!(denom > 0))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: the reliability-weighted variance needs W - W2/W > "
                     "0 (at least two rows with positive weight), have %g",
                     GET, denom);
    break;
  }
  for (size_t j = 0; j < p; j++) {
    double v = s->C[j + j * p] / denom;
    out[j] = what == CAUSAL_MOM_SD ? sqrt(v) : v;
  }
  return CAUSAL_OK;
}

int causal_moments_get(const causal_moments *m, int what, double *out,
                       size_t len) {
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(out);
  size_t p = m->p, want;
  if (what >= CAUSAL_MOM_COUNT && what <= CAUSAL_MOM_SUM_WEIGHTS2)
    want = 1;
  else if (what >= CAUSAL_MOM_MEAN && what <= CAUSAL_MOM_SD)
    want = p;
  else if (what >= CAUSAL_MOM_COMOMENT && what <= CAUSAL_MOM_CROSSPROD)
    want = p * p;
  else
    return cz_fail(CAUSAL_ERANGE, "%s: unknown quantity %d", GET, what);
  if (len != want)
    return cz_fail(CAUSAL_EDIM, "%s: quantity %d has length %zu, len = %zu",
                   GET, what, want, len);
  switch (what) {
  case CAUSAL_MOM_COUNT:
    out[0] = (double)m->s.n;
    return CAUSAL_OK;
  case CAUSAL_MOM_SUM_WEIGHTS:
    out[0] = m->s.W;
    return CAUSAL_OK;
  case CAUSAL_MOM_SUM_WEIGHTS2:
    out[0] = m->s.W2;
    return CAUSAL_OK;
  default:
    return want == p && what < CAUSAL_MOM_COMOMENT ? get_vector(m, what, out)
                                                   : get_matrix(m, what, out);
  }
}

/* ---- serialization ---------------------------------------------------------
 * Payload (version 1), little-endian:
 *   u64 p | i64 n | f64 W | f64 W2 | f64 mean_hi[p] | f64 mean_lo[p] |
 *   f64 C upper triangle, column by column (C[0,0], C[0,1], C[1,1], ...) |
 *   f64 min[p] | f64 max[p]
 * = 8 * (4 + 4p + p(p+1)/2) bytes. */

static const char *SER = "causal_moments_serialize";
static const char *DES = "causal_moments_deserialize";

int causal_moments_serialize(const causal_moments *m, uint8_t **buf,
                             size_t *len) {
  if (buf != NULL)
    *buf = NULL;
  if (len != NULL)
    *len = 0;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(buf);
  CZ_REQUIRE_NONNULL(len);
  size_t p = m->p;
  cz_writer w;
  cz_writer_init(&w, &m->alloc);
  cz_writer_reserve(&w, 8 * (4 + 4 * p + p * (p + 1) / 2));
  cz_put_u64(&w, (uint64_t)p);
  cz_put_i64(&w, m->s.n);
  cz_put_f64(&w, m->s.W);
  cz_put_f64(&w, m->s.W2);
  for (size_t j = 0; j < p; j++)
    cz_put_f64(&w, m->s.mean[j]);
  for (size_t j = 0; j < p; j++)
    cz_put_f64(&w, m->s.mlo[j]);
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j <= k; j++)
      cz_put_f64(&w, m->s.C[j + k * p]);
  for (size_t j = 0; j < p; j++)
    cz_put_f64(&w, m->s.min[j]);
  for (size_t j = 0; j < p; j++)
    cz_put_f64(&w, m->s.max[j]);
  int rc = cz_serial_seal(SER, CZ_KIND_MOMENTS, &w, buf, len);
  cz_writer_free(&w);
  return rc;
}

static int corrupt(const char *what) {
  return cz_fail(CAUSAL_ECORRUPT, "%s: invalid state: %s", DES, what);
}

/* Invariants of a decoded state (see docs/methods/moments.md). */
static int validate_state(const causal_moments *m) {
  size_t p = m->p;
  const acc *s = &m->s;
  if (s->n < 0)
    return corrupt("negative row count");
  if (!isfinite(s->W) || s->W < 0 || !isfinite(s->W2) || s->W2 < 0)
    return corrupt("sum of weights not finite and >= 0");
  if (s->n == 0 && s->W != 0)
    return corrupt("positive sum of weights with no rows");
  if (s->W == 0 && s->W2 != 0)
    return corrupt("W2 > 0 with W = 0");
  for (size_t j = 0; j < p; j++) {
    if (!isfinite(s->mean[j]) || !isfinite(s->mlo[j]))
      return corrupt("non-finite mean");
    if (!(fabs(s->mlo[j]) <= fabs(s->mean[j]) * DBL_EPSILON))
      return corrupt("mean low part not below the high part's rounding");
    if (s->W > 0) {
      if (!isfinite(s->min[j]) || !isfinite(s->max[j]) ||
          !(s->min[j] <= s->max[j]))
        return corrupt("min/max not finite with min <= max");
    } else if (s->min[j] != INFINITY || s->max[j] != -INFINITY ||
               s->mean[j] != 0) {
      return corrupt("an empty state must have mean 0, min +Inf, max -Inf");
    }
  }
  const char *why = cz_serial_comoment_invalid(s->C, p, s->W == 0);
  if (why != NULL)
    return corrupt(why);
  return CAUSAL_OK;
}

int causal_moments_deserialize(causal_moments **out, const uint8_t *buf,
                               size_t len) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_reader r;
  unsigned version = 0;
  CZ_CHECK(cz_serial_open(DES, buf, len, CZ_KIND_MOMENTS, &version, &r));
  uint64_t p64 = cz_get_u64(&r);
  /* The payload length pins p: compare before allocating anything. */
  size_t rem = cz_reader_remaining(&r), p = (size_t)p64, tri, expect;
  /* after the p field: 8 * (3 + 4p + p(p+1)/2) bytes */
  if (r.failed || p64 == 0 || p64 > (uint64_t)(rem / 8) ||
      !cz_mul_size(p, p + 1, &tri) || !cz_add_size(tri / 2, 4 * p + 3, &tri) ||
      !cz_mul_size(tri, 8, &expect) || expect != rem)
    return corrupt("variable count inconsistent with the payload length");
  causal_moments *m;
  CZ_CHECK(causal_moments_new(&m, p));
  m->s.n = cz_get_i64(&r);
  m->s.W = cz_get_f64(&r);
  m->s.W2 = cz_get_f64(&r);
  for (size_t j = 0; j < p; j++)
    m->s.mean[j] = cz_get_f64(&r);
  for (size_t j = 0; j < p; j++)
    m->s.mlo[j] = cz_get_f64(&r);
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j <= k; j++)
      m->s.C[j + k * p] = m->s.C[k + j * p] = cz_get_f64(&r);
  for (size_t j = 0; j < p; j++)
    m->s.min[j] = cz_get_f64(&r);
  for (size_t j = 0; j < p; j++)
    m->s.max[j] = cz_get_f64(&r);
  int rc = cz_reader_finish(DES, &r);
  if (rc == CAUSAL_OK)
    rc = validate_state(m);
  if (rc != CAUSAL_OK) {
    causal_moments_free(m);
    return rc;
  }
  *out = m;
  return CAUSAL_OK;
}
