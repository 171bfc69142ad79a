/* Absorbed (high-dimensional) fixed effects: iterative singleton removal,
 * demeaning by alternating projections with Irons–Tuck acceleration, the
 * degrees of freedom the fixed effects absorb, and the nested-in-cluster
 * test. docs/methods/hdfe.md gives the algorithm and its references.
 *
 * Demeaning works in the space of fixed-effect coefficients rather than on
 * the n rows (as fixest does, Bergé 2018): with factors ordered by level
 * count, the state is the coefficient vector of factors 2..Q; one
 * Gauss–Seidel sweep F updates factor 1, 2, ..., Q in turn, each level's
 * coefficient becoming the weighted mean of what the other factors leave
 * unexplained. Rows enter only through the pairwise cross-tabulations
 * C_pr[l, m] = sum of weights of rows with level l of factor p and level m
 * of factor r (compressed sparse rows, built once), so a sweep costs
 * O(sum of their non-zeros) <= O(Q(Q-1)/2 n) no matter how often it runs,
 * and the columns of A are read only before and after the iterations. */
#include "internal/regress.h"

#include <math.h>
#include <string.h>

/* ---- validation --------------------------------------------------------- */

static int check_factors(const char *who, int32_t *const *fe,
                         const size_t *levels, size_t nfe, size_t n) {
  if (fe == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'fe' is NULL", who);
  if (levels == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'levels' is NULL", who);
  if (nfe == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: nfe is 0 (no factor to absorb)", who);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: n is 0 (no rows)", who);
  if (n > (size_t)INT32_MAX)
    return cz_fail(CAUSAL_ERANGE, "%s: n = %zu exceeds the row limit %d", who,
                   n, (int)INT32_MAX);
  for (size_t q = 0; q < nfe; q++) {
    if (fe[q] == NULL)
      return cz_fail(CAUSAL_EINVAL, "%s: fe[%zu] is NULL", who, q);
    if (levels[q] == 0)
      return cz_fail(CAUSAL_EINVAL, "%s: levels[%zu] is 0", who, q);
    if (levels[q] > (size_t)INT32_MAX)
      return cz_fail(CAUSAL_ERANGE, "%s: levels[%zu] = %zu exceeds %d", who, q,
                     levels[q], (int)INT32_MAX);
    const int32_t *f = fe[q];
    int32_t lim = (int32_t)levels[q];
    for (size_t i = 0; i < n; i++)
      if (f[i] < 0 || f[i] >= lim)
        return cz_fail(CAUSAL_ERANGE,
                       "%s: fe[%zu][%zu] = %ld is outside 0..%zu (levels)", who,
                       q, i, (long)f[i], levels[q] - 1);
  }
  return CAUSAL_OK;
}

/* ---- singletons --------------------------------------------------------- */

int cz_hdfe_singletons(const cz_alloc *a, int32_t *const *fe,
                       const size_t *levels, size_t nfe, size_t n,
                       uint8_t *keep, size_t *n_removed) {
  static const char who[] = "cz_hdfe_singletons";
  if (a == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'a' is NULL", who);
  if (keep == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'keep' is NULL", who);
  CZ_CHECK(check_factors(who, fe, levels, nfe, n));
  size_t total = 0;
  for (size_t q = 0; q < nfe; q++)
    if (!cz_add_size(total, levels[q], &total))
      return cz_fail(CAUSAL_ERANGE, "%s: total number of levels overflows",
                     who);
  /* Row counts per level of every factor (n < 2^31, so uint32 holds them). */
  uint32_t *cnt = cz_calloc(a, total, sizeof *cnt);
  size_t *off = cz_malloc(a, nfe * sizeof *off);
  if (cnt == NULL || off == NULL) {
    cz_free(a, cnt);
    cz_free(a, off);
    return CAUSAL_ENOMEM;
  }
  size_t o = 0;
  for (size_t q = 0; q < nfe; q++) {
    off[q] = o;
    o += levels[q];
    const int32_t *f = fe[q];
    for (size_t i = 0; i < n; i++)
      cnt[off[q] + (size_t)f[i]]++;
  }
  memset(keep, 1, n);
  /* A row is a singleton if one of its levels has a single row. Dropping it
   * decrements the counts of all its levels, which can create singletons
   * among rows already visited, so sweep until a pass drops nothing. The
   * result, the largest subset in which every used level has >= 2 rows, does
   * not depend on the order of removal. */
  size_t removed = 0, dropped;
  do {
    dropped = 0;
    for (size_t i = 0; i < n; i++) {
      if (!keep[i])
        continue;
      int single = 0;
      for (size_t q = 0; q < nfe && !single; q++)
        single = cnt[off[q] + (size_t)fe[q][i]] == 1;
      if (single) {
        keep[i] = 0;
        for (size_t q = 0; q < nfe; q++)
          cnt[off[q] + (size_t)fe[q][i]]--;
        dropped++;
      }
    }
    removed += dropped;
  } while (dropped > 0);
  cz_free(a, cnt);
  cz_free(a, off);
  if (n_removed != NULL)
    *n_removed = removed;
  return CAUSAL_OK;
}

/* ---- nested in clusters ------------------------------------------------- */

int cz_hdfe_nested(const int32_t *fe, size_t levels, const int32_t *cl,
                   size_t n) {
  static const char who[] = "cz_hdfe_nested";
  if (fe == NULL || cl == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument '%s' is NULL", who,
                   fe == NULL ? "fe" : "cl");
  if (levels == 0 || n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: %s is 0", who,
                   levels == 0 ? "levels" : "n");
  cz_alloc a = cz_alloc_current();
  int64_t *seen = cz_malloc(&a, levels * sizeof *seen);
  if (seen == NULL)
    return CAUSAL_ENOMEM;
  for (size_t l = 0; l < levels; l++)
    seen[l] = INT64_MIN; /* no cluster yet */
  int nested = 1;
  for (size_t i = 0; i < n; i++) {
    if (fe[i] < 0 || (size_t)fe[i] >= levels) {
      cz_free(&a, seen);
      return cz_fail(CAUSAL_ERANGE, "%s: fe[%zu] = %ld is outside 0..%zu", who,
                     i, (long)fe[i], levels - 1);
    }
    int64_t *s = &seen[fe[i]];
    if (*s == INT64_MIN)
      *s = cl[i];
    else if (*s != cl[i])
      nested = 0;
  }
  cz_free(&a, seen);
  return nested;
}

/* ---- degrees of freedom: connected components --------------------------- */

static uint32_t uf_find(uint32_t *parent, uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]]; /* path halving */
    x = parent[x];
  }
  return x;
}

/* Number of fixed-effect parameters: non-empty levels, minus the connected
 * components of the bipartite graph of factors 1 and 2 (each component is one
 * exact redundancy), minus 1 for every further factor. */
static int count_dof(const cz_alloc *a, int32_t *const *fe,
                     const size_t *levels, size_t nfe, size_t n, size_t *dof) {
  size_t total = 0;
  for (size_t q = 0; q < nfe; q++)
    total += levels[q]; /* checked by the caller */
  uint8_t *used = cz_calloc(a, total, 1);
  if (used == NULL)
    return CAUSAL_ENOMEM;
  size_t nonempty = 0, o = 0;
  for (size_t q = 0; q < nfe; q++) {
    for (size_t i = 0; i < n; i++)
      used[o + (size_t)fe[q][i]] = 1;
    o += levels[q];
  }
  for (size_t l = 0; l < total; l++)
    nonempty += used[l];
  size_t redundant = 0;
  if (nfe >= 2) {
    size_t nodes = levels[0] + levels[1]; /* <= 2^32 - 2 */
    uint32_t *parent = cz_malloc(a, nodes * sizeof *parent);
    if (parent == NULL) {
      cz_free(a, used);
      return CAUSAL_ENOMEM;
    }
    for (size_t v = 0; v < nodes; v++)
      parent[v] = (uint32_t)v;
    for (size_t i = 0; i < n; i++) {
      uint32_t x = uf_find(parent, (uint32_t)fe[0][i]);
      uint32_t y = uf_find(parent, (uint32_t)(levels[0] + (size_t)fe[1][i]));
      if (x != y)
        parent[x < y ? y : x] = x < y ? x : y; /* link to the smaller id */
    }
    for (size_t v = 0; v < nodes; v++)
      if (used[v] && parent[v] == v)
        redundant++;
    redundant += nfe - 2;
    cz_free(a, parent);
  }
  cz_free(a, used);
  *dof = nonempty - redundant;
  return CAUSAL_OK;
}

/* ---- demeaning ---------------------------------------------------------- */

/* Cross-tabulation of factor p (rows) against factor r (columns). */
typedef struct xtab {
  size_t *ptr;  /* L_p + 1 */
  int32_t *idx; /* level of factor r, up to n entries */
  double *val;  /* sum of weights */
} xtab;

typedef struct hdfe {
  const cz_alloc *a;
  size_t nfe, n, ncol;
  const int32_t **fe; /* internal order: levels descending */
  size_t *L;          /* levels per internal factor */
  size_t *ord;        /* internal factor -> caller's factor */
  size_t *offS;       /* offset of factor p among all levels */
  size_t *offX;       /* offset of factor p >= 1 in the state */
  size_t Ltot, Ls;    /* all levels; state levels (factors 2..Q) */
  xtab *xt;           /* nfe * nfe, used for p < r */
  double *W;          /* Ltot: weight sum per level */
  double *S;          /* Ltot * ncol: sum of w * (a - mean) per level */
  double *a0;         /* L_0 * ncol: factor-1 coefficients from the last F */
  double *X, *GX, *GGX, *acc; /* Ls * ncol */
  double *fin, *fin0; /* converged state (Ls * ncol) and factor 1 (L0*ncol) */
  double *g;          /* ncol */
  double *mean, *scale, *delta; /* ncol */
  double *tmp;                  /* 2 * ncol */
  size_t *col;                  /* working column -> caller's column */
  int *iters;                   /* ncol: sweeps used per caller column */
} hdfe;

static void hdfe_free(hdfe *h) {
  const cz_alloc *a = h->a;
  if (h->xt != NULL)
    for (size_t k = 0; k < h->nfe * h->nfe; k++) {
      cz_free(a, h->xt[k].ptr);
      cz_free(a, h->xt[k].idx);
      cz_free(a, h->xt[k].val);
    }
  void *bufs[] = {h->fe,    h->L,   h->ord,  h->offS, h->offX, h->xt,
                  h->W,     h->S,   h->a0,   h->X,    h->GX,   h->GGX,
                  h->acc,   h->fin, h->fin0, h->g,    h->mean, h->scale,
                  h->delta, h->tmp, h->col,  h->iters};
  for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++)
    cz_free(a, bufs[k]);
}

/* Allocate n doubles (overflow-checked: n = count * m). */
static double *alloc_d(const cz_alloc *a, size_t count, size_t m, int *fail) {
  size_t sz;
  if (!cz_mul_size(count, m, &sz) || !cz_mul_size(sz, sizeof(double), &sz)) {
    *fail = 1;
    cz_fail(CAUSAL_ENOMEM, "cz_hdfe_demean: workspace size overflows");
    return NULL;
  }
  double *p = cz_calloc(a, sz ? sz / sizeof(double) : 1, sizeof(double));
  if (p == NULL)
    *fail = 1;
  return p;
}

/* Build the cross-tabulation of internal factors p (rows) and r. */
static int build_xtab(hdfe *h, size_t p, size_t r, const double *w,
                      uint32_t *stamp, size_t *pos) {
  const cz_alloc *a = h->a;
  xtab *t = &h->xt[p * h->nfe + r];
  size_t n = h->n, Lp = h->L[p], Lr = h->L[r];
  const int32_t *fp = h->fe[p], *fr = h->fe[r];
  t->ptr = cz_calloc(a, Lp + 1, sizeof *t->ptr);
  t->idx = cz_malloc(a, n * sizeof *t->idx);
  t->val = cz_malloc(a, n * sizeof *t->val);
  if (t->ptr == NULL || t->idx == NULL || t->val == NULL)
    return CAUSAL_ENOMEM;
  /* Counting sort of the rows by level of p: ptr[l + 1] counts, then
   * prefix sums, then each row's (level of r, weight) goes to its slot. */
  for (size_t i = 0; i < n; i++)
    t->ptr[(size_t)fp[i] + 1]++;
  for (size_t l = 0; l < Lp; l++)
    t->ptr[l + 1] += t->ptr[l];
  for (size_t l = 0; l < Lp; l++)
    pos[l] = t->ptr[l];
  for (size_t i = 0; i < n; i++) {
    size_t j = pos[fp[i]]++;
    t->idx[j] = fr[i];
    t->val[j] = w != NULL ? w[i] : 1.0;
  }
  /* Merge duplicates within each row in place: stamp[m] = l + 1 marks that
   * level m of r was met in row l, at output position pos[m]. */
  for (size_t m = 0; m < Lr; m++)
    stamp[m] = 0;
  size_t out = 0, start = 0;
  for (size_t l = 0; l < Lp; l++) {
    size_t end = t->ptr[l + 1];
    t->ptr[l] = out;
    for (size_t j = start; j < end; j++) {
      size_t m = (size_t)t->idx[j];
      if (stamp[m] == (uint32_t)(l + 1)) {
        t->val[pos[m]] += t->val[j];
      } else {
        stamp[m] = (uint32_t)(l + 1);
        pos[m] = out;
        t->idx[out] = t->idx[j];
        t->val[out] = t->val[j];
        out++;
      }
    }
    start = end;
  }
  t->ptr[Lp] = out;
  return CAUSAL_OK;
}

/* One Gauss–Seidel sweep over all factors for the m working columns: from
 * the state `in` (factors 2..Q) to `out`, writing factor 1's coefficients to
 * h->a0. Arrays have row stride m (level-major, columns interleaved). */
#if defined(__GNUC__)
#define CZ_INLINE inline __attribute__((always_inline))
#else
#define CZ_INLINE inline
#endif
static CZ_INLINE void sweep_m(hdfe *h, size_t m, const double *in,
                              double *out) {
  size_t Q = h->nfe;
  double *g = h->g;
  memset(h->acc, 0, h->Ls * m * sizeof(double));
  for (size_t p = 0; p < Q; p++) {
    size_t Lp = h->L[p];
    const double *Wp = h->W + h->offS[p];
    const double *Sp = h->S + h->offS[p] * m;
    double *outp = p == 0 ? h->a0 : out + h->offX[p] * m;
    const double *accp = p == 0 ? NULL : h->acc + h->offX[p] * m;
    for (size_t l = 0; l < Lp; l++) {
      double *o = outp + l * m;
      double wl = Wp[l];
      if (wl == 0) { /* empty level: coefficient 0, no row uses it */
        for (size_t k = 0; k < m; k++)
          o[k] = 0;
        continue;
      }
      for (size_t k = 0; k < m; k++)
        g[k] = Sp[l * m + k] - (accp != NULL ? accp[l * m + k] : 0.0);
      /* Factors after p: their previous coefficients (gather). */
      for (size_t r = p + 1; r < Q; r++) {
        const xtab *t = &h->xt[p * Q + r];
        const double *src = in + h->offX[r] * m;
        for (size_t j = t->ptr[l]; j < t->ptr[l + 1]; j++) {
          const double v = t->val[j];
          const double *s = src + (size_t)t->idx[j] * m;
          for (size_t k = 0; k < m; k++)
            g[k] -= v * s[k];
        }
      }
      for (size_t k = 0; k < m; k++)
        o[k] = g[k] / wl;
      /* Factors after p will need this new coefficient (scatter). */
      for (size_t r = p + 1; r < Q; r++) {
        const xtab *t = &h->xt[p * Q + r];
        double *dst = h->acc + h->offX[r] * m;
        for (size_t j = t->ptr[l]; j < t->ptr[l + 1]; j++) {
          const double v = t->val[j];
          double *d = dst + (size_t)t->idx[j] * m;
          for (size_t k = 0; k < m; k++)
            d[k] += v * o[k];
        }
      }
    }
  }
}

/* Small column counts get their own copies of the sweep, with m a
 * compile-time constant so the per-entry loops over columns unroll. */
static void sweep(hdfe *h, size_t m, const double *in, double *out) {
  switch (m) {
  case 1:
    sweep_m(h, 1, in, out);
    break;
  case 2:
    sweep_m(h, 2, in, out);
    break;
  case 3:
    sweep_m(h, 3, in, out);
    break;
  case 4:
    sweep_m(h, 4, in, out);
    break;
  default:
    sweep_m(h, m, in, out);
  }
}

/* Per working column: delta = sum over factors 2..Q of the largest change
 * of a coefficient between `old` and `new`. */
static void change(const hdfe *h, size_t m, const double *old,
                   const double *nw) {
  for (size_t k = 0; k < m; k++)
    h->delta[k] = 0;
  for (size_t p = 1; p < h->nfe; p++) {
    double *g = h->g;
    for (size_t k = 0; k < m; k++)
      g[k] = 0;
    size_t b = h->offX[p] * m, e = (h->offX[p] + h->L[p]) * m;
    for (size_t j = b; j < e; j += m)
      for (size_t k = 0; k < m; k++) {
        double d = fabs(nw[j + k] - old[j + k]);
        g[k] = d > g[k] ? d : g[k];
      }
    for (size_t k = 0; k < m; k++)
      h->delta[k] += g[k];
  }
}

/* Remove working column k from every working array (stride m -> m - 1). */
static void drop_col(double *v, size_t count, size_t m, size_t k) {
  size_t o = 0;
  for (size_t j = 0; j < count; j++)
    for (size_t c = 0; c < m; c++)
      if (c != k)
        v[o++] = v[j * m + c];
}

/* Columns whose change is within tolerance are finished: their state `st`
 * and factor-1 coefficients go to fin/fin0 and they leave the working set.
 * Returns the new number of working columns. */
static size_t retire(hdfe *h, size_t m, const double *st, double tol, int it) {
  size_t ncol = h->ncol;
  for (size_t k = m; k-- > 0;) {
    size_t c = h->col[k];
    if (!(h->delta[k] <= tol * h->scale[c]))
      continue;
    h->iters[c] = it;
    for (size_t j = 0; j < h->Ls; j++)
      h->fin[j * ncol + c] = st[j * m + k];
    for (size_t j = 0; j < h->L[0]; j++)
      h->fin0[j * ncol + c] = h->a0[j * m + k];
    double *arrs[] = {h->X, h->GX, h->GGX};
    for (size_t q = 0; q < 3; q++)
      drop_col(arrs[q], h->Ls, m, k);
    drop_col(h->S, h->Ltot, m, k);
    drop_col(h->a0, h->L[0], m, k);
    drop_col(h->delta, 1, m, k);
    for (size_t j = k; j + 1 < m; j++)
      h->col[j] = h->col[j + 1];
    m--;
  }
  return m;
}

/* Irons & Tuck (1969) extrapolation per column, as in fixest:
 * X <- GGX - (<dGX, d2X> / <d2X, d2X>) dGX with dGX = GGX - GX and
 * d2X = dGX - (GX - X). */
static void irons_tuck(hdfe *h, size_t m) {
  double *vp = h->tmp, *ss = h->tmp + m; /* scratch, m each */
  for (size_t k = 0; k < m; k++)
    vp[k] = ss[k] = 0;
  size_t len = h->Ls * m;
  for (size_t j = 0; j < len; j += m)
    for (size_t k = 0; k < m; k++) {
      double dg = h->GGX[j + k] - h->GX[j + k];
      double d2 = dg - (h->GX[j + k] - h->X[j + k]);
      vp[k] += dg * d2;
      ss[k] += d2 * d2;
    }
  for (size_t k = 0; k < m; k++)
    vp[k] = ss[k] > 0 ? vp[k] / ss[k] : 0.0;
  for (size_t j = 0; j < len; j += m)
    for (size_t k = 0; k < m; k++)
      h->X[j + k] = h->GGX[j + k] - vp[k] * (h->GGX[j + k] - h->GX[j + k]);
}

static int no_conv(const hdfe *h, size_t m, int maxiter, double tol) {
  size_t c = h->col[0];
  double worst = h->delta[0] / h->scale[c];
  for (size_t k = 1; k < m; k++)
    if (h->delta[k] / h->scale[h->col[k]] > worst) {
      worst = h->delta[k] / h->scale[h->col[k]];
      c = h->col[k];
    }
  return cz_fail(CAUSAL_ENOCONV,
                 "cz_hdfe_demean: column %zu (and %zu more) did not converge "
                 "in %d iterations (tol %g, last relative change %.3g)",
                 c, m - 1, maxiter, tol, worst);
}

/* The iteration proper; on success fin/fin0 hold every column's
 * coefficients. */
static int iterate(hdfe *h, double tol, int maxiter, int *iterations) {
  size_t m = 0;
  for (size_t c = 0; c < h->ncol; c++) {
    if (h->scale[c] > 0) {
      h->col[m++] = c;
    } else { /* constant column: nothing left after removing its mean */
      h->iters[c] = 0;
      drop_col(h->S, h->Ltot, m + (h->ncol - c), m); /* S: stride shrinks */
    }
  }
  int it = 0;
  if (m > 0) {
    /* X = 0 (calloc); first sweep */
    sweep(h, m, h->X, h->GX);
    it = 1;
    change(h, m, h->X, h->GX);
    m = retire(h, m, h->GX, tol, it);
  }
  while (m > 0) {
    if (it >= maxiter)
      return no_conv(h, m, maxiter, tol);
    sweep(h, m, h->GX, h->GGX);
    it++;
    change(h, m, h->GX, h->GGX);
    m = retire(h, m, h->GGX, tol, it);
    if (m == 0)
      break;
    irons_tuck(h, m);
    if (it >= maxiter)
      return no_conv(h, m, maxiter, tol);
    sweep(h, m, h->X, h->GX);
    it++;
    change(h, m, h->X, h->GX);
    m = retire(h, m, h->GX, tol, it);
  }
  if (iterations != NULL)
    *iterations = it;
  return CAUSAL_OK;
}

static int check_inputs(const char *who, size_t n, const double *w,
                        const double *A, size_t ncol, double tol, int maxiter) {
  if (A == NULL && ncol > 0)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'A' is NULL", who);
  if (!(tol > 0) || !isfinite(tol))
    return cz_fail(CAUSAL_EINVAL, "%s: tol = %g must be positive and finite",
                   who, tol);
  if (maxiter < 1)
    return cz_fail(CAUSAL_EINVAL, "%s: maxiter = %d must be >= 1", who,
                   maxiter);
  if (w != NULL)
    for (size_t i = 0; i < n; i++) {
      if (!isfinite(w[i]))
        return cz_fail(CAUSAL_ENONFINITE, "%s: w[%zu] is %s", who, i,
                       isnan(w[i]) ? "NaN"
                       : w[i] > 0  ? "+Inf"
                                   : "-Inf");
      if (!(w[i] > 0))
        return cz_fail(CAUSAL_ERANGE,
                       "%s: w[%zu] = %g; weights must be positive (drop "
                       "zero-weight rows first)",
                       who, i, w[i]);
    }
  for (size_t c = 0; c < ncol; c++)
    for (size_t i = 0; i < n; i++) {
      double v = A[c * n + i];
      if (!isfinite(v))
        return cz_fail(CAUSAL_ENONFINITE, "%s: A[%zu, %zu] is %s", who, i, c,
                       isnan(v) ? "NaN"
                       : v > 0  ? "+Inf"
                                : "-Inf");
    }
  return CAUSAL_OK;
}

/* Internal order and the per-level sums: W, S, column means and scales. */
static int setup(hdfe *h, int32_t *const *fe, const size_t *levels,
                 const double *w, const double *A) {
  const cz_alloc *a = h->a;
  size_t Q = h->nfe, n = h->n, ncol = h->ncol;
  h->fe = cz_malloc(a, Q * sizeof *h->fe);
  h->L = cz_malloc(a, Q * sizeof *h->L);
  h->ord = cz_malloc(a, Q * sizeof *h->ord);
  h->offS = cz_malloc(a, Q * sizeof *h->offS);
  h->offX = cz_malloc(a, Q * sizeof *h->offX);
  h->xt = cz_calloc(a, Q * Q, sizeof *h->xt);
  if (!h->fe || !h->L || !h->ord || !h->offS || !h->offX || !h->xt)
    return CAUSAL_ENOMEM;
  /* Insertion sort by levels, descending (stable): factor 1 has the most
   * levels and is outside the accelerated state, which stays small. */
  for (size_t q = 0; q < Q; q++) {
    size_t j = q;
    while (j > 0 && levels[h->ord[j - 1]] < levels[q]) {
      h->ord[j] = h->ord[j - 1];
      j--;
    }
    h->ord[j] = q;
  }
  h->Ltot = h->Ls = 0;
  for (size_t p = 0; p < Q; p++) {
    h->fe[p] = fe[h->ord[p]];
    h->L[p] = levels[h->ord[p]];
    h->offS[p] = h->Ltot;
    h->offX[p] = h->Ls;
    h->Ltot += h->L[p];
    if (p > 0)
      h->Ls += h->L[p];
  }
  size_t m1 = ncol > 0 ? ncol : 1;
  int fail = 0;
  h->W = alloc_d(a, h->Ltot, 1, &fail);
  h->S = alloc_d(a, h->Ltot, m1, &fail);
  h->a0 = alloc_d(a, h->L[0], m1, &fail);
  h->fin0 = alloc_d(a, h->L[0], m1, &fail);
  h->X = alloc_d(a, h->Ls, m1, &fail);
  h->GX = alloc_d(a, h->Ls, m1, &fail);
  h->GGX = alloc_d(a, h->Ls, m1, &fail);
  h->acc = alloc_d(a, h->Ls, m1, &fail);
  h->fin = alloc_d(a, h->Ls, m1, &fail);
  h->g = alloc_d(a, m1, 1, &fail);
  h->mean = alloc_d(a, m1, 1, &fail);
  h->scale = alloc_d(a, m1, 1, &fail);
  h->delta = alloc_d(a, m1, 1, &fail);
  h->tmp = alloc_d(a, m1, 2, &fail);
  h->col = cz_malloc(a, m1 * sizeof *h->col);
  h->iters = cz_malloc(a, m1 * sizeof *h->iters);
  if (fail || h->col == NULL || h->iters == NULL)
    return CAUSAL_ENOMEM;
  /* Weighted column means: the overall constant lies in every factor's
   * span, so removing it first keeps the coefficients (and rounding) small
   * for columns with a large offset such as calendar years. */
  double wsum = 0;
  for (size_t i = 0; i < n; i++)
    wsum += w != NULL ? w[i] : 1.0;
  for (size_t c = 0; c < ncol; c++) {
    const double *col = A + c * n;
    double s = 0;
    for (size_t i = 0; i < n; i++)
      s += (w != NULL ? w[i] : 1.0) * col[i];
    h->mean[c] = s / wsum;
  }
  /* One pass for all factors: level weights, level sums of the centred
   * columns, and the scales max |a - mean|. */
  double *d = h->g;
  for (size_t i = 0; i < n; i++) {
    double wi = w != NULL ? w[i] : 1.0;
    for (size_t c = 0; c < ncol; c++) {
      d[c] = A[c * n + i] - h->mean[c];
      double ad = fabs(d[c]);
      h->scale[c] = ad > h->scale[c] ? ad : h->scale[c];
      d[c] *= wi;
    }
    for (size_t p = 0; p < Q; p++) {
      size_t l = (size_t)h->fe[p][i];
      h->W[h->offS[p] + l] += wi;
      double *Sl = h->S + (h->offS[p] + l) * ncol;
      for (size_t c = 0; c < ncol; c++)
        Sl[c] += d[c];
    }
  }
  return CAUSAL_OK;
}

int cz_hdfe_demean(const cz_alloc *a, int32_t *const *fe, const size_t *levels,
                   size_t nfe, size_t n, const double *w, double *A,
                   size_t ncol, double tol, int maxiter, int *iterations,
                   size_t *dof_fe) {
  static const char who[] = "cz_hdfe_demean";
  if (a == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'a' is NULL", who);
  CZ_CHECK(check_factors(who, fe, levels, nfe, n));
  CZ_CHECK(check_inputs(who, n, w, A, ncol, tol, maxiter));
  size_t total = 0;
  for (size_t q = 0; q < nfe; q++)
    if (!cz_add_size(total, levels[q], &total) || total >= UINT32_MAX)
      return cz_fail(CAUSAL_ERANGE, "%s: total number of levels is too large",
                     who);
  size_t dof = 0;
  if (dof_fe != NULL)
    CZ_CHECK(count_dof(a, fe, levels, nfe, n, &dof));
  hdfe h;
  memset(&h, 0, sizeof h);
  h.a = a;
  h.nfe = nfe;
  h.n = n;
  h.ncol = ncol;
  int rc = setup(&h, fe, levels, w, A);
  if (rc == CAUSAL_OK && nfe > 1) {
    size_t maxL = h.L[0];
    uint32_t *stamp = cz_malloc(a, maxL * sizeof *stamp);
    size_t *pos = cz_malloc(a, maxL * sizeof *pos);
    if (stamp == NULL || pos == NULL)
      rc = CAUSAL_ENOMEM;
    for (size_t p = 0; p < nfe && rc == CAUSAL_OK; p++)
      for (size_t r = p + 1; r < nfe && rc == CAUSAL_OK; r++)
        rc = build_xtab(&h, p, r, w, stamp, pos);
    cz_free(a, stamp);
    cz_free(a, pos);
  }
  if (rc == CAUSAL_OK && ncol > 0) {
    if (nfe == 1) {
      /* One factor: the projection is exact, subtract the level means. */
      for (size_t l = 0; l < h.L[0]; l++)
        for (size_t c = 0; c < ncol; c++)
          h.fin0[l * ncol + c] = h.W[l] > 0 ? h.S[l * ncol + c] / h.W[l] : 0.0;
      if (iterations != NULL)
        *iterations = 1;
    } else {
      rc = iterate(&h, tol, maxiter, iterations);
    }
  } else if (rc == CAUSAL_OK && iterations != NULL) {
    *iterations = 0;
  }
  if (rc == CAUSAL_OK) {
    /* Residuals: a - mean - sum of the coefficients of the row's levels. */
    for (size_t i = 0; i < n; i++) {
      const double *f0 = h.fin0 + (size_t)h.fe[0][i] * ncol;
      for (size_t c = 0; c < ncol; c++)
        h.g[c] = f0[c];
      for (size_t p = 1; p < nfe; p++) {
        const double *fp = h.fin + (h.offX[p] + (size_t)h.fe[p][i]) * ncol;
        for (size_t c = 0; c < ncol; c++)
          h.g[c] += fp[c];
      }
      for (size_t c = 0; c < ncol; c++)
        A[c * n + i] = (A[c * n + i] - h.mean[c]) - h.g[c];
    }
    if (dof_fe != NULL)
      *dof_fe = dof;
  }
  hdfe_free(&h);
  return rc;
}
