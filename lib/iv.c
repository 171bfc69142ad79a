/* Instrumental-variables regression: 2SLS, LIML and Fuller (k-class), with
 * classical, heteroskedasticity- and cluster-robust covariances and the
 * usual IV diagnostics (first-stage statistics, Cragg–Donald and
 * Kleibergen–Paap weak-identification statistics, Sargan and Hansen J
 * over-identification tests, Wu–Hausman and Durbin endogeneity tests, the
 * Anderson–Rubin test and confidence set).
 *
 * Formulas and the reference each quantity reproduces: docs/methods/iv.md.
 *
 * Numerical route. Weights enter by scaling every row by sqrt(w_i). The
 * exogenous regressors X1 are partialled out with a pivoted QR (M1); the
 * partialled excluded instruments Z~2 get their own QR, whose Q splits
 * every partialled column into its projection on the instruments (the
 * first kz rows of Q'v) and the part orthogonal to all instruments (the
 * remaining rows). All k-class quantities are small cross products of
 * those two blocks, so Z'Z is never inverted. */
#include "internal/iv.h"
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/regress.h"
#include "internal/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *fn = "causal_regress_fit (IV)";

/* ---- scratch memory: every block of one fit, freed together ---------- */
typedef struct iv_bag {
  const cz_alloc *a;
  void **p;
  size_t np, cap;
} iv_bag;

static void *bag_alloc(iv_bag *b, size_t n, size_t size) {
  if (b->np == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 64;
    void **p = cz_realloc(b->a, b->p, b->cap * sizeof *p, cap * sizeof *p);
    if (p == NULL)
      return NULL;
    b->p = p;
    b->cap = cap;
  }
  void *q = cz_calloc(b->a, n ? n : 1, size);
  if (q != NULL)
    b->p[b->np++] = q;
  return q;
}
#define BAG_D(c, n) ((double *)bag_alloc(&(c)->bag, (n), sizeof(double)))

static void bag_free(iv_bag *b) {
  for (size_t i = 0; i < b->np; i++)
    cz_free(b->a, b->p[i]);
  cz_free(b->a, b->p);
  b->p = NULL;
  b->np = b->cap = 0;
}

/* ---- the state of one fit --------------------------------------------- */
typedef struct iv_ctx {
  const cz_frame *f;
  const causal_regress *m;
  causal_result *r;
  const cz_alloc *a;
  iv_bag bag;
  cz_ws ws;
  cz_qr qr1, qrz, qra;
  size_t n, k1, r1, ke, kz, k, L;
  int method, vtype, ssc, intercept;
  double level;
  /* scaled data: y (n), X1 kept columns (n x r1), X2 (n x ke),
   * Z2 (n x kz), X = [X1k X2] (n x k), Z = [X1k Z2] (n x L) */
  double *sw, *y, *X1, *X2, *Z2, *X, *Z;
  size_t *keep1;
  /* W = M1 [y X2 Z2]; T = Qz' [y~ X2~]; MzW = Mz [y X2] */
  double *W, *T, *MzW;
  double kappa;
  double *beta, *u, *Xhat, *bread, *V, df;
  const char *vlabel;
  const char **names; /* k coefficient names */
  /* absorbed fixed effects: parameters absorbed (dof_fe, and dof_v for the
   * covariance's small-sample factor: fixest does not count factors nested
   * in the clusters), and the outcome before demeaning (overall R^2) */
  size_t dof_fe, dof_v;
  const double *yraw;
} iv_ctx;

/* ---- distributions with the df = Inf limits --------------------------- */
static double sf_chisq(double x, double df) {
  if (isnan(x) || !(df > 0))
    return NAN;
  return cz_pchisq(x, df, 0, 0);
}
static double sf_f(double x, double d1, double d2) {
  if (isnan(x) || !(d1 > 0) || !(d2 > 0))
    return NAN;
  if (isinf(d2))
    return cz_pchisq(x * d1, d1, 0, 0);
  return cz_pf(x, d1, d2, 0, 0);
}
static double p_two_sided(double t, double df) {
  if (isnan(t))
    return NAN;
  if (isinf(df))
    return 2.0 * cz_pnorm(-fabs(t), 1, 0);
  return 2.0 * cz_pt(-fabs(t), df, 1, 0);
}
static double q_upper_t(double p, double df) {
  return isinf(df) ? cz_qnorm(p, 0, 0) : cz_qt(p, df, 0, 0);
}

static int set_scalar(iv_ctx *c, const char *name, double v) {
  return causal_result_set_scalar(c->r, name, v);
}

/* ---- input checks and scaled copies ----------------------------------- */
static int check_column(const double *x, size_t n, const char *kind,
                        const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: %s '%s' is %s at row %zu", fn,
                     kind, name,
                     isnan(x[i]) ? "NaN" : (x[i] > 0 ? "+Inf" : "-Inf"), i);
  return CAUSAL_OK;
}

static int check_input(iv_ctx *c) {
  const cz_frame *f = c->f;
  if (f->ke == 0 || f->Xe == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: no endogenous regressor", fn);
  if (f->kz == 0 || f->Z == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: no excluded instrument", fn);
  if (f->kz < f->ke)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the model is under-identified: %zu endogenous "
                   "regressor%s (first '%s') but only %zu excluded "
                   "instrument%s (first '%s'); at least as many instruments "
                   "as endogenous regressors are needed",
                   fn, f->ke, f->ke == 1 ? "" : "s", f->xenames[0], f->kz,
                   f->kz == 1 ? "" : "s", f->znames[0]);
  if (f->n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no observations", fn);
  size_t L = f->k + f->kz + c->dof_fe;
  if (f->n <= L)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: %zu observations are too few: the first stage has "
                   "%zu instruments (%zu exogenous regressors, %zu excluded "
                   "instruments and %zu absorbed levels), so more than %zu "
                   "are needed",
                   fn, f->n, L, f->k, f->kz, c->dof_fe, L);
  CZ_CHECK(check_column(f->y, f->n, "outcome", "y"));
  for (size_t j = 0; j < f->k; j++)
    CZ_CHECK(check_column(f->X + j * f->n, f->n, "regressor", f->xnames[j]));
  for (size_t j = 0; j < f->ke; j++)
    CZ_CHECK(check_column(f->Xe + j * f->n, f->n, "endogenous regressor",
                          f->xenames[j]));
  for (size_t j = 0; j < f->kz; j++)
    CZ_CHECK(check_column(f->Z + j * f->n, f->n, "instrument", f->znames[j]));
  if (f->w != NULL)
    for (size_t i = 0; i < f->n; i++)
      if (!(f->w[i] > 0) || !isfinite(f->w[i]))
        return cz_fail(CAUSAL_ERANGE,
                       "%s: weight %g at row %zu is not a "
                       "positive finite number",
                       fn, f->w[i], i);
  return CAUSAL_OK;
}

/* dst[i] = sw[i] * src[i] (sw NULL: copy) for ncol columns. */
static void scale_cols(double *dst, const double *src, const double *sw,
                       size_t n, size_t ncol) {
  for (size_t j = 0; j < ncol; j++)
    for (size_t i = 0; i < n; i++)
      dst[i + j * n] = sw ? sw[i] * src[i + j * n] : src[i + j * n];
}

/* Exogenous block: QR of X1 (pivoted, rank-revealing), dropped terms. */
static int exog_qr(iv_ctx *c, double **X1full) {
  const cz_frame *f = c->f;
  size_t n = c->n;
  c->k1 = f->k;
  c->keep1 = bag_alloc(&c->bag, f->k, sizeof *c->keep1);
  if (c->keep1 == NULL)
    return CAUSAL_ENOMEM;
  c->r1 = 0;
  if (f->k == 0)
    return CAUSAL_OK;
  *X1full = BAG_D(c, n * f->k);
  if (*X1full == NULL)
    return CAUSAL_ENOMEM;
  scale_cols(*X1full, f->X, c->sw, n, f->k);
  double tol = c->m->rank_tol;
  CZ_CHECK(
      cz_qr_factor(fn, &c->qr1, cz_cmat_dense(*X1full, n, f->k), tol, &c->ws));
  for (size_t j = 0; j < f->k; j++)
    if (!c->qr1.dropped[j])
      c->keep1[c->r1++] = j;
  if (c->r1 < f->k && c->m->rank == CAUSAL_RANK_ERROR) {
    size_t j = c->qr1.perm[c->qr1.rank];
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: exogenous regressor '%s' is collinear with the other "
                   "regressors (CAUSAL_RANK_ERROR)",
                   fn, f->xnames[j]);
  }
  return CAUSAL_OK;
}

/* A <- M1 A (n x ncol) with the exogenous QR. */
static int apply_m1(iv_ctx *c, double *A, size_t ncol) {
  if (c->r1 == 0)
    return CAUSAL_OK;
  cz_mat v = cz_mat_dense(A, c->n, ncol);
  CZ_CHECK(cz_qr_apply_q(fn, &c->qr1, true, v, &c->ws));
  for (size_t j = 0; j < ncol; j++)
    for (size_t i = 0; i < c->r1; i++)
      A[i + j * c->n] = 0.0;
  return cz_qr_apply_q(fn, &c->qr1, false, v, &c->ws);
}

static double col_norm(const double *x, size_t n) {
  double s = 0, mx = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs(x[i]) > mx)
      mx = fabs(x[i]);
  if (mx == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    s += (x[i] / mx) * (x[i] / mx);
  return mx * sqrt(s);
}

static int is_constant(const double *x, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (x[i] != x[0])
      return 0;
  return 1;
}

/* Partial out X1 from [y X2 Z2], check that no endogenous regressor or
 * instrument is (nearly) a combination of the exogenous regressors, and
 * factor Z~2. */
static int partial_and_check(iv_ctx *c) {
  const cz_frame *f = c->f;
  size_t n = c->n, ke = c->ke, kz = c->kz, nc = 1 + ke + kz;
  c->W = BAG_D(c, n * nc);
  if (c->W == NULL)
    return CAUSAL_ENOMEM;
  memcpy(c->W, c->y, n * sizeof *c->y);
  memcpy(c->W + n, c->X2, n * ke * sizeof *c->X2);
  memcpy(c->W + n * (1 + ke), c->Z2, n * kz * sizeof *c->Z2);
  CZ_CHECK(apply_m1(c, c->W, nc));
  double tol = c->m->rank_tol > 0 ? c->m->rank_tol : CZ_QR_TOL_LM;
  for (size_t j = 0; j < ke + kz; j++) {
    int endo = j < ke;
    const double *raw = endo ? f->Xe + j * n : f->Z + (j - ke) * n;
    const double *sc = endo ? c->X2 + j * n : c->Z2 + (j - ke) * n;
    const char *kind = endo ? "endogenous regressor" : "instrument";
    const char *name = endo ? f->xenames[j] : f->znames[j - ke];
    double before = col_norm(sc, n), after = col_norm(c->W + (1 + j) * n, n);
    if (is_constant(raw, n) && (c->r1 > 0 || before == 0))
      return cz_fail(CAUSAL_ESINGULAR, "%s: %s '%s' has zero variance%s", fn,
                     kind, name,
                     c->r1 > 0 ? " (it is collinear with the intercept or "
                                 "the exogenous regressors)"
                               : "");
    if (after <= tol * before)
      return cz_fail(CAUSAL_ESINGULAR,
                     "%s: %s '%s' is collinear with the exogenous regressors",
                     fn, kind, name);
  }
  CZ_CHECK(cz_qr_factor(fn, &c->qrz, cz_cmat_dense(c->W + n * (1 + ke), n, kz),
                        tol, &c->ws));
  if (c->qrz.rank < kz)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: instrument '%s' is collinear with the other "
                   "instruments (given the exogenous regressors)",
                   fn, f->znames[c->qrz.perm[c->qrz.rank]]);
  return CAUSAL_OK;
}

/* T = Qz'[y~ X2~] and MzW = Mz [y X2]; A = top block of T (identification). */
static int project(iv_ctx *c) {
  size_t n = c->n, ke = c->ke, kz = c->kz, nc = 1 + ke;
  c->T = BAG_D(c, n * nc);
  c->MzW = BAG_D(c, n * nc);
  if (c->T == NULL || c->MzW == NULL)
    return CAUSAL_ENOMEM;
  memcpy(c->T, c->W, n * nc * sizeof *c->T);
  CZ_CHECK(cz_qr_apply_q(fn, &c->qrz, true, cz_mat_dense(c->T, n, nc), &c->ws));
  memcpy(c->MzW, c->T, n * nc * sizeof *c->T);
  for (size_t j = 0; j < nc; j++)
    for (size_t i = 0; i < kz; i++)
      c->MzW[i + j * n] = 0.0;
  CZ_CHECK(
      cz_qr_apply_q(fn, &c->qrz, false, cz_mat_dense(c->MzW, n, nc), &c->ws));
  /* identification: the projections of the endogenous regressors on the
   * instruments (columns of A = top kz x ke block) must have full rank */
  CZ_CHECK(cz_qr_factor(fn, &c->qra, cz_cmat_view(c->T + n, kz, ke, n), 0.0,
                        &c->ws));
  if (c->qra.rank < ke)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: the endogenous regressors are not identified: the "
                   "first-stage fit of '%s' is collinear with the fits of "
                   "the others",
                   fn, c->f->xenames[c->qra.perm[c->qra.rank]]);
  return CAUSAL_OK;
}

/* Symmetric cross products of the projected (top) and orthogonal (bottom)
 * blocks of T: P = T_top' T_top, Mm = T_bot' T_bot, (1+ke) x (1+ke). */
static int t_cross(iv_ctx *c, double *P, double *Mm) {
  size_t n = c->n, nc = 1 + c->ke, kz = c->kz;
  CZ_CHECK(cz_xtx(fn, cz_cmat_view(c->T, kz, nc, n), 1.0, 0.0,
                  cz_mat_dense(P, nc, nc)));
  return cz_xtx(fn, cz_cmat_view(c->T + kz, n - kz, nc, n), 1.0, 0.0,
                cz_mat_dense(Mm, nc, nc));
}

/* Smallest eigenvalue of the pencil (A, B) with B = R'R positive definite,
 * A (p x p) symmetric: eig of R^{-T} A R^{-1}. A and B are destroyed. */
static int pencil_min(iv_ctx *c, double *A, double *B, size_t p,
                      const char *what, double *out) {
  cz_mat Bm = cz_mat_dense(B, p, p), Am = cz_mat_dense(A, p, p);
  int rc = cz_chol(fn, what, Bm);
  if (rc != CAUSAL_OK)
    return rc;
  /* A <- R^{-T} A R^{-1}: left solve, transpose, left solve */
  CZ_CHECK(cz_trsm(fn, true, true, cz_mat_c(Bm), Am));
  for (size_t j = 0; j < p; j++)
    for (size_t i = j + 1; i < p; i++) {
      double t = A[i + j * p];
      A[i + j * p] = A[j + i * p];
      A[j + i * p] = t;
    }
  CZ_CHECK(cz_trsm(fn, true, true, cz_mat_c(Bm), Am));
  double *lam = BAG_D(c, p);
  if (lam == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(cz_syev(fn, Am, lam, NULL, &c->ws));
  *out = lam[0];
  return CAUSAL_OK;
}

/* kappa: 1 (2SLS), LIML's smallest root of |W'M1W - k W'MzW| = 0 with
 * W = [y X2], or Fuller's LIML - alpha / (n - L). */
static int compute_kappa(iv_ctx *c) {
  c->kappa = 1.0;
  if (c->method == CAUSAL_IV_2SLS)
    return CAUSAL_OK;
  size_t nc = 1 + c->ke;
  double *P = BAG_D(c, nc * nc), *Mm = BAG_D(c, nc * nc);
  if (P == NULL || Mm == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(t_cross(c, P, Mm));
  /* W'M1W = P + Mm, so the root is 1 + min eig(R^{-T} P R^{-1}) */
  double mu;
  int rc = pencil_min(c, P, Mm, nc, "W'MzW", &mu);
  if (rc == CAUSAL_ESINGULAR)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: LIML is undefined: the outcome and the endogenous "
                   "regressors are fitted exactly by the instruments",
                   fn);
  CZ_CHECK(rc);
  c->kappa = 1.0 + (mu > 0 ? mu : 0.0);
  if (c->method == CAUSAL_IV_FULLER)
    c->kappa -= c->m->fuller_alpha / (double)(c->n - c->L - c->dof_fe);
  return CAUSAL_OK;
}

/* Build the kept exogenous block and the full X and Z designs. */
static int build_designs(iv_ctx *c, const double *X1full) {
  size_t n = c->n, r1 = c->r1, ke = c->ke, kz = c->kz;
  c->k = r1 + ke;
  c->L = r1 + kz;
  c->X = BAG_D(c, n * c->k);
  c->Z = BAG_D(c, n * c->L);
  if (c->X == NULL || c->Z == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < r1; j++) {
    memcpy(c->X + j * n, X1full + c->keep1[j] * n, n * sizeof(double));
    memcpy(c->Z + j * n, X1full + c->keep1[j] * n, n * sizeof(double));
  }
  c->X1 = c->X;
  memcpy(c->X + r1 * n, c->X2, n * ke * sizeof(double));
  memcpy(c->Z + r1 * n, c->Z2, n * kz * sizeof(double));
  return CAUSAL_OK;
}

/* Coefficients: beta2 from the partialled k-class normal equations,
 * beta1 by least squares of y - X2 beta2 on X1; structural residuals. */
static int compute_beta(iv_ctx *c) {
  size_t n = c->n, ke = c->ke, kz = c->kz, nc = 1 + ke;
  double *b2 = BAG_D(c, ke);
  c->beta = BAG_D(c, c->k);
  c->u = BAG_D(c, n);
  if (b2 == NULL || c->beta == NULL || c->u == NULL)
    return CAUSAL_ENOMEM;
  if (c->kappa == 1.0) {
    /* 2SLS: least squares of Qz'y~ on Qz'X2~ (kz x ke), by QR */
    CZ_CHECK(cz_qr_lstsq(fn, &c->qra, c->T, b2, NULL, &c->ws));
  } else {
    /* G b = g with G = A'A + (1-k) E'E, g = A'a + (1-k) E'e */
    double *P = BAG_D(c, nc * nc), *Mm = BAG_D(c, nc * nc);
    double *G = BAG_D(c, ke * ke);
    if (P == NULL || Mm == NULL || G == NULL)
      return CAUSAL_ENOMEM;
    CZ_CHECK(t_cross(c, P, Mm));
    double s = 1.0 - c->kappa;
    for (size_t j = 0; j < ke; j++) {
      b2[j] = P[(j + 1)] + s * Mm[(j + 1)];
      for (size_t i = 0; i < ke; i++)
        G[i + j * ke] =
            P[(i + 1) + (j + 1) * nc] + s * Mm[(i + 1) + (j + 1) * nc];
    }
    int rc = cz_posv(fn, cz_mat_dense(G, ke, ke), cz_mat_dense(b2, ke, 1));
    if (rc == CAUSAL_ESINGULAR)
      return cz_fail(CAUSAL_ESINGULAR,
                     "%s: the k-class system (kappa = %.17g) is not positive "
                     "definite",
                     fn, c->kappa);
    CZ_CHECK(rc);
  }
  for (size_t i = 0; i < n; i++) {
    double v = c->y[i];
    for (size_t j = 0; j < ke; j++)
      v -= c->X2[i + j * n] * b2[j];
    c->u[i] = v;
  }
  if (c->k1 > 0) {
    double *b1 = BAG_D(c, c->k1), *r0 = BAG_D(c, n);
    if (b1 == NULL || r0 == NULL)
      return CAUSAL_ENOMEM;
    memcpy(r0, c->u, n * sizeof *r0);
    CZ_CHECK(cz_qr_lstsq(fn, &c->qr1, r0, b1, c->u, &c->ws));
    for (size_t j = 0; j < c->r1; j++)
      c->beta[j] = b1[c->keep1[j]];
  }
  memcpy(c->beta + c->r1, b2, ke * sizeof *b2);
  (void)kz;
  return CAUSAL_OK;
}

/* Second-stage design Xhat = [X1 X2 - kappa Mz X2] and bread (Xhat'X)^{-1}. */
static int compute_bread(iv_ctx *c) {
  size_t n = c->n, k = c->k, r1 = c->r1, ke = c->ke;
  c->Xhat = BAG_D(c, n * k);
  c->bread = BAG_D(c, k * k);
  if (c->Xhat == NULL || c->bread == NULL)
    return CAUSAL_ENOMEM;
  memcpy(c->Xhat, c->X, n * r1 * sizeof(double));
  for (size_t j = 0; j < ke; j++)
    for (size_t i = 0; i < n; i++)
      c->Xhat[i + (r1 + j) * n] =
          c->X2[i + j * n] - c->kappa * c->MzW[i + (1 + j) * n];
  if (c->kappa == 1.0) {
    cz_qr q;
    cz_qr_init(&q, c->a);
    int rc = cz_qr_factor(fn, &q, cz_cmat_dense(c->Xhat, n, k), 0.0, &c->ws);
    if (rc == CAUSAL_OK && q.rank < k)
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "%s: the second-stage design is rank deficient (column "
                   "'%s')",
                   fn, c->names[q.perm[q.rank]]);
    if (rc == CAUSAL_OK)
      rc = cz_qr_cov_unscaled(fn, &q, cz_mat_dense(c->bread, k, k), &c->ws);
    cz_qr_free(&q);
    return rc;
  }
  double *H = BAG_D(c, k * k);
  if (H == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(c->Xhat, n, k),
                   cz_cmat_dense(c->X, n, k), 0.0, cz_mat_dense(H, k, k)));
  for (size_t j = 0; j < k; j++) {
    for (size_t i = 0; i < j; i++) {
      double v = 0.5 * (H[i + j * k] + H[j + i * k]);
      H[i + j * k] = H[j + i * k] = v;
    }
    for (size_t i = 0; i < k; i++)
      c->bread[i + j * k] = i == j ? 1.0 : 0.0;
  }
  int rc = cz_posv(fn, cz_mat_dense(H, k, k), cz_mat_dense(c->bread, k, k));
  if (rc == CAUSAL_ESINGULAR)
    return cz_fail(CAUSAL_ESINGULAR,
                   "%s: X'(I - kappa Mz)X is not positive definite (kappa = "
                   "%.17g)",
                   fn, c->kappa);
  return rc;
}

static double sumsq(const double *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i] * x[i];
  return s;
}

static void fill_vcov_in(const iv_ctx *c, cz_vcov_in *in, const double *X,
                         const double *u, const double *bread, size_t p,
                         double sigma2) {
  memset(in, 0, sizeof *in);
  in->X = X;
  in->u = u;
  in->bread = bread;
  in->n = c->n;
  in->k = p;
  in->type = c->vtype;
  in->ssc = c->ssc;
  in->df_model = p + c->dof_v;
  in->ncluster_dims = c->f->ncluster_dims;
  for (size_t d = 0; d < 2; d++) {
    in->cl[d] = c->f->cl[d];
    in->ncl[d] = c->f->ncl[d];
  }
  in->sigma2 = sigma2;
}

/* b' V^{-1} b for a q x q block of V (ld ldv) starting at j0; NaN when the
 * block is not positive definite. */
static int wald_block(iv_ctx *c, const double *V, size_t ldv, size_t j0,
                      size_t q, const double *b, double *stat) {
  double *S = BAG_D(c, q * q), *x = BAG_D(c, q);
  if (S == NULL || x == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < q; j++) {
    x[j] = b[j];
    for (size_t i = 0; i < q; i++)
      S[i + j * q] = V[(j0 + i) + (j0 + j) * ldv];
  }
  int rc = cz_posv(fn, cz_mat_dense(S, q, q), cz_mat_dense(x, q, 1));
  if (rc == CAUSAL_ESINGULAR) {
    *stat = NAN;
    return CAUSAL_OK;
  }
  CZ_CHECK(rc);
  double s = 0;
  for (size_t j = 0; j < q; j++)
    s += b[j] * x[j];
  *stat = s;
  return CAUSAL_OK;
}

/* Least squares of yv on D (n x p); if q > 0, the Wald statistic of the
 * coefficients j0..j0+q-1 under the fit's covariance type (with its
 * reference df). *rss receives the residual sum of squares. */
static int ols_wald(iv_ctx *c, const double *D, size_t p, const double *yv,
                    size_t j0, size_t q, double *stat, double *df,
                    double *rss) {
  size_t n = c->n;
  double *b = BAG_D(c, p), *res = BAG_D(c, n);
  double *br = q ? BAG_D(c, p * p) : NULL, *Vw = q ? BAG_D(c, p * p) : NULL;
  if (b == NULL || res == NULL || (q && (br == NULL || Vw == NULL)))
    return CAUSAL_ENOMEM;
  cz_qr qr;
  cz_qr_init(&qr, c->a);
  int rc = cz_qr_factor(fn, &qr, cz_cmat_dense(D, n, p), 0.0, &c->ws);
  if (rc == CAUSAL_OK && qr.rank < p)
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "%s: auxiliary regression is rank "
                 "deficient (rank %zu of %zu)",
                 fn, qr.rank, p);
  if (rc == CAUSAL_OK)
    rc = cz_qr_lstsq(fn, &qr, yv, b, res, &c->ws);
  if (rc == CAUSAL_OK && q > 0)
    rc = cz_qr_cov_unscaled(fn, &qr, cz_mat_dense(br, p, p), &c->ws);
  cz_qr_free(&qr);
  CZ_CHECK(rc);
  double r2 = sumsq(res, n);
  if (rss)
    *rss = r2;
  if (q == 0)
    return CAUSAL_OK;
  cz_vcov_in in;
  fill_vcov_in(c, &in, D, res, br, p, r2 / (double)(n - p - c->dof_fe));
  cz_vcov_out out = {Vw, 0, NULL, 0};
  CZ_CHECK(cz_vcov_compute(c->a, &in, &out));
  *df = out.df;
  return wald_block(c, Vw, p, j0, q, b + j0, stat);
}

/* ---- cluster-aware meat H'H ------------------------------------------- */
/* Intersection codes of two cluster dimensions (two-way clustering). */
static int intersect_codes(iv_ctx *c, int32_t *codes, size_t *G12) {
  const cz_frame *f = c->f;
  size_t n = c->n, G1 = f->ncl[0], G2 = f->ncl[1];
  size_t *o1 = bag_alloc(&c->bag, n, sizeof *o1);
  size_t *o2 = bag_alloc(&c->bag, n, sizeof *o2);
  size_t *cnt = bag_alloc(&c->bag, (G1 > G2 ? G1 : G2) + 1, sizeof *cnt);
  if (o1 == NULL || o2 == NULL || cnt == NULL)
    return CAUSAL_ENOMEM;
  /* stable counting sorts: by dimension 2, then by dimension 1 */
  const int32_t *keys[2] = {f->cl[1], f->cl[0]};
  size_t Gs[2] = {G2, G1};
  for (size_t i = 0; i < n; i++)
    o1[i] = i;
  for (int pass = 0; pass < 2; pass++) {
    memset(cnt, 0, (Gs[pass] + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
      cnt[keys[pass][i] + 1]++;
    for (size_t g = 0; g < Gs[pass]; g++)
      cnt[g + 1] += cnt[g];
    for (size_t p = 0; p < n; p++) {
      size_t i = o1[p];
      o2[cnt[keys[pass][i]]++] = i;
    }
    memcpy(o1, o2, n * sizeof *o1);
  }
  int32_t code = -1;
  for (size_t p = 0; p < n; p++) {
    size_t i = o1[p];
    if (p == 0 || f->cl[0][i] != f->cl[0][o1[p - 1]] ||
        f->cl[1][i] != f->cl[1][o1[p - 1]])
      code++;
    codes[i] = code;
  }
  *G12 = (size_t)code + 1;
  return CAUSAL_OK;
}

/* S += sign * (sum over clusters of H rows)' (...) (codes NULL: rows). */
static int meat_add(iv_ctx *c, const double *H, size_t p, const int32_t *codes,
                    size_t G, double sign, double *S) {
  size_t n = c->n;
  double *tmp = BAG_D(c, p * p);
  if (tmp == NULL)
    return CAUSAL_ENOMEM;
  if (codes == NULL) {
    CZ_CHECK(
        cz_xtx(fn, cz_cmat_dense(H, n, p), 1.0, 0.0, cz_mat_dense(tmp, p, p)));
  } else {
    double *Hg = BAG_D(c, G * p);
    if (Hg == NULL)
      return CAUSAL_ENOMEM;
    for (size_t j = 0; j < p; j++)
      for (size_t i = 0; i < n; i++)
        Hg[(size_t)codes[i] + j * G] += H[i + j * n];
    CZ_CHECK(
        cz_xtx(fn, cz_cmat_dense(Hg, G, p), 1.0, 0.0, cz_mat_dense(tmp, p, p)));
  }
  for (size_t i = 0; i < p * p; i++)
    S[i] += sign * tmp[i];
  return CAUSAL_OK;
}

/* S = sum of outer products of the rows of H (n x p): per row (HC), per
 * cluster (one-way), or S1 + S2 - S12 (two-way). No small-sample factor. */
static int meat(iv_ctx *c, const double *H, size_t p, int clustered,
                double *S) {
  memset(S, 0, p * p * sizeof *S);
  const cz_frame *f = c->f;
  if (!clustered || f->ncluster_dims == 0)
    return meat_add(c, H, p, NULL, 0, 1.0, S);
  CZ_CHECK(meat_add(c, H, p, f->cl[0], f->ncl[0], 1.0, S));
  if (f->ncluster_dims == 1)
    return CAUSAL_OK;
  int32_t *c12 = bag_alloc(&c->bag, c->n, sizeof *c12);
  size_t G12 = 0;
  if (c12 == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(intersect_codes(c, c12, &G12));
  CZ_CHECK(meat_add(c, H, p, f->cl[1], f->ncl[1], 1.0, S));
  return meat_add(c, H, p, c12, G12, -1.0, S);
}

static int is_cluster_type(int t) {
  return t == CAUSAL_VCOV_CR0 || t == CAUSAL_VCOV_CR1 || t == CAUSAL_VCOV_CR2;
}

/* ---- coefficient table and fit summaries ------------------------------ */
static int report_coef(iv_ctx *c) {
  size_t n = c->n, k = c->k;
  double rss = sumsq(c->u, n);
  double sigma2 = rss / (double)(n - k - c->dof_fe);
  c->V = BAG_D(c, k * k);
  if (c->V == NULL)
    return CAUSAL_ENOMEM;
  cz_vcov_in in;
  fill_vcov_in(c, &in, c->Xhat, c->u, c->bread, k, sigma2);
  cz_vcov_out out = {c->V, 0, NULL, 0};
  CZ_CHECK(cz_vcov_compute(c->a, &in, &out));
  c->df = out.df;
  c->vlabel = out.label;
  if (out.psd_fixed)
    CZ_CHECK(causal_result_add_warning(
        c->r, "two-way cluster covariance was not positive semi-definite; "
              "negative eigenvalues were set to zero"));
  double *se = BAG_D(c, k), *t = BAG_D(c, k), *p = BAG_D(c, k);
  double *lo = BAG_D(c, k), *hi = BAG_D(c, k);
  if (se == NULL || t == NULL || p == NULL || lo == NULL || hi == NULL)
    return CAUSAL_ENOMEM;
  double q = q_upper_t((1.0 - c->level) / 2.0, c->df);
  for (size_t j = 0; j < k; j++) {
    double v = c->V[j + j * k];
    se[j] = v >= 0 ? sqrt(v) : NAN;
    t[j] = c->beta[j] / se[j];
    p[j] = p_two_sided(t[j], c->df);
    lo[j] = c->beta[j] - q * se[j];
    hi[j] = c->beta[j] + q * se[j];
  }
  CZ_CHECK(causal_result_set_table(c->r, "coef", c->names, k, c->beta, se, t, p,
                                   lo, hi));
  CZ_CHECK(
      causal_result_set_matrix(c->r, "vcov", c->V, k, k, c->names, c->names));
  CZ_CHECK(causal_result_set_string(c->r, "vcov_type", c->vlabel));
  CZ_CHECK(
      causal_result_set_string(c->r, "statistic", isinf(c->df) ? "z" : "t"));
  CZ_CHECK(set_scalar(c, "df", c->df));
  return CAUSAL_OK;
}

static int report_frame(iv_ctx *c) {
  const cz_frame *f = c->f;
  CZ_CHECK(set_scalar(c, "nobs", (double)f->n));
  CZ_CHECK(set_scalar(c, "n_dropped", (double)f->n_dropped));
  if (f->dropped_by_col != NULL)
    CZ_CHECK(causal_result_set_vector(c->r, "dropped_by_column",
                                      f->dropped_by_col, f->n_used_cols,
                                      (const char *const *)f->used_cols));
  cz_buf b;
  cz_buf_init(&b, c->a);
  for (size_t j = 0; j < c->k1; j++)
    if (c->r1 < c->k1 && c->qr1.dropped[j]) {
      if (b.len)
        cz_buf_puts(&b, ",");
      cz_buf_puts(&b, f->xnames[j]);
    }
  cz_buf_append(&b, "", 0);
  int rc =
      b.failed ? cz_fail(CAUSAL_ENOMEM, "%s: out of memory", fn) : CAUSAL_OK;
  const char *s = b.data ? b.data : "";
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(c->r, "dropped_terms", s);
  if (rc == CAUSAL_OK && b.len > 0) {
    cz_buf w;
    cz_buf_init(&w, c->a);
    cz_buf_printf(&w, "collinear terms dropped: %s", s);
    rc = w.failed ? cz_fail(CAUSAL_ENOMEM, "%s: out of memory", fn)
                  : causal_result_add_warning(c->r, w.data);
    cz_buf_free(&w);
  }
  cz_buf_free(&b);
  CZ_CHECK(rc);
  if (f->ncluster_dims >= 1)
    CZ_CHECK(set_scalar(c, "n_clusters", (double)f->ncl[0]));
  if (f->ncluster_dims >= 2)
    CZ_CHECK(set_scalar(c, "n_clusters2", (double)f->ncl[1]));
  return CAUSAL_OK;
}

static int find_intercept(const iv_ctx *c, size_t *j) {
  for (size_t i = 0; i < c->r1; i++)
    if (strcmp(c->names[i], "(Intercept)") == 0) {
      *j = i;
      return 1;
    }
  return 0;
}

static int report_summary(iv_ctx *c) {
  size_t n = c->n, k = c->k;
  double rss = sumsq(c->u, n);
  size_t ji = 0;
  int icpt = find_intercept(c, &ji);
  /* total sum of squares around the weighted mean (or around 0) */
  double sw2 = 0, swy = 0, tss = 0, slogw = 0;
  for (size_t i = 0; i < n; i++) {
    double s = c->sw ? c->sw[i] : 1.0;
    sw2 += s * s;
    swy += s * c->y[i];
    if (c->sw)
      slogw += log(c->f->w[i]);
  }
  double mean = icpt ? swy / sw2 : 0.0;
  for (size_t i = 0; i < n; i++) {
    double s = c->sw ? c->sw[i] : 1.0;
    double d = c->y[i] - s * mean;
    tss += d * d;
  }
  double dfres = (double)(n - k - c->dof_fe);
  double r2 = 1.0 - rss / tss;
  if (c->yraw != NULL) {
    /* absorbed factors: tss above is the within one; R^2 is overall, on
     * the outcome before demeaning (as the dummy regression) */
    CZ_CHECK(set_scalar(c, "within_r_squared", r2));
    double my = 0, tr = 0;
    for (size_t i = 0; i < n; i++)
      my += (c->sw ? c->f->w[i] : 1.0) * c->yraw[i];
    my /= sw2;
    for (size_t i = 0; i < n; i++) {
      double d = c->yraw[i] - my;
      tr += (c->sw ? c->f->w[i] : 1.0) * d * d;
    }
    r2 = 1.0 - rss / tr;
  }
  int centred = icpt || c->yraw != NULL;
  double adj = 1.0 - (1.0 - r2) * ((double)n - (centred ? 1.0 : 0.0)) / dfres;
  CZ_CHECK(set_scalar(c, "r_squared", r2));
  CZ_CHECK(set_scalar(c, "adj_r_squared", adj));
  CZ_CHECK(set_scalar(c, "sigma", sqrt(rss / dfres)));
  CZ_CHECK(set_scalar(c, "rss", rss));
  CZ_CHECK(set_scalar(c, "df_residual", dfres));
  /* Wald F of all coefficients but the intercept, chosen covariance */
  size_t q = icpt ? k - 1 : k;
  double F = NAN;
  if (q > 0) {
    double *Vs = BAG_D(c, q * q), *bs = BAG_D(c, q);
    if (Vs == NULL || bs == NULL)
      return CAUSAL_ENOMEM;
    size_t a = 0;
    for (size_t j = 0; j < k; j++) {
      if (icpt && j == ji)
        continue;
      bs[a] = c->beta[j];
      size_t b = 0;
      for (size_t i = 0; i < k; i++) {
        if (icpt && i == ji)
          continue;
        Vs[b + a * q] = c->V[i + j * k];
        b++;
      }
      a++;
    }
    double W;
    CZ_CHECK(wald_block(c, Vs, q, 0, q, bs, &W));
    F = W / (double)q;
  }
  CZ_CHECK(set_scalar(c, "f_statistic", F));
  CZ_CHECK(set_scalar(c, "f_df1", (double)q));
  CZ_CHECK(set_scalar(c, "f_df2", c->df));
  CZ_CHECK(set_scalar(c, "f_p_value", sf_f(F, (double)q, c->df)));
  /* Gaussian log-likelihood of the structural residuals (as R's logLik.lm;
   * descriptive only: IV is not a likelihood estimator) */
  double N = (double)n;
  double ll = 0.5 * (slogw - N * (log(2.0 * 3.14159265358979323846) + 1.0 -
                                  log(N) + log(rss)));
  CZ_CHECK(set_scalar(c, "loglik", ll));
  double npar = (double)(k + c->dof_fe) + 1.0;
  CZ_CHECK(set_scalar(c, "aic", -2.0 * ll + 2.0 * npar));
  CZ_CHECK(set_scalar(c, "bic", -2.0 * ll + log(N) * npar));
  static const char *const mnames[] = {"", "2SLS", "LIML", "Fuller"};
  CZ_CHECK(causal_result_set_string(c->r, "iv_method", mnames[c->method]));
  CZ_CHECK(set_scalar(c, "kappa", c->kappa));
  if (c->method == CAUSAL_IV_FULLER)
    CZ_CHECK(set_scalar(c, "fuller_alpha", c->m->fuller_alpha));
  if (c->m->keep_fitted) {
    double *fit = BAG_D(c, n), *res = BAG_D(c, n);
    if (fit == NULL || res == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      res[i] = c->sw ? c->u[i] / c->sw[i] : c->u[i];
      fit[i] = (c->yraw ? c->yraw : c->f->y)[i] - res[i];
    }
    CZ_CHECK(causal_result_set_vector(c->r, "fitted", fit, n, NULL));
    CZ_CHECK(causal_result_set_vector(c->r, "residuals", res, n, NULL));
  }
  return CAUSAL_OK;
}

/* ---- diagnostics ------------------------------------------------------ */
/* Per endogenous regressor: partial R^2 and the Wald F of the excluded
 * instruments in its first stage, under the fit's covariance type. */
static int diag_first_stage(iv_ctx *c) {
  size_t n = c->n, ke = c->ke, kz = c->kz;
  double *tab = BAG_D(c, ke * 5);
  if (tab == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < ke; j++) {
    const double *tj = c->T + (1 + j) * n;
    double pr2 = sumsq(tj, kz) / sumsq(tj, n);
    double W, df;
    CZ_CHECK(ols_wald(c, c->Z, c->L, c->X2 + j * n, c->r1, kz, &W, &df, NULL));
    double F = W / (double)kz;
    tab[j + 0 * ke] = pr2;
    tab[j + 1 * ke] = F;
    tab[j + 2 * ke] = (double)kz;
    tab[j + 3 * ke] = df;
    tab[j + 4 * ke] = sf_f(F, (double)kz, df);
  }
  static const char *const cols[] = {"partial_r2", "f_statistic", "df1", "df2",
                                     "p_value"};
  return causal_result_set_matrix(c->r, "first_stage", tab, ke, 5,
                                  (const char *const *)c->f->xenames, cols);
}

/* Cragg–Donald Wald F: min eig((E'E)^{-1} A'A) (n - L) / kz with
 * A = Qz'X2~ and E = Mz X2 (homoskedastic weak-identification statistic). */
static int diag_cragg_donald(iv_ctx *c) {
  size_t ke = c->ke, nc = 1 + ke;
  double *P = BAG_D(c, nc * nc), *Mm = BAG_D(c, nc * nc);
  double *A = BAG_D(c, ke * ke), *B = BAG_D(c, ke * ke);
  if (P == NULL || Mm == NULL || A == NULL || B == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(t_cross(c, P, Mm));
  for (size_t j = 0; j < ke; j++)
    for (size_t i = 0; i < ke; i++) {
      A[i + j * ke] = P[(i + 1) + (j + 1) * nc];
      B[i + j * ke] = Mm[(i + 1) + (j + 1) * nc];
    }
  double mu = NAN;
  int rc = pencil_min(c, A, B, ke, "E'E", &mu);
  if (rc == CAUSAL_ESINGULAR)
    mu = INFINITY; /* first stages fit exactly */
  else
    CZ_CHECK(rc);
  return set_scalar(c, "cragg_donald_f",
                    mu * (double)(c->n - c->L - c->dof_fe) /
                        (double)c->kz);
}

/* Kleibergen–Paap rk Wald statistic for H0: rank(Pi) = ke - 1, with the
 * standardisation and Wald form of ranktest (Kleibergen & Paap 2006,
 * eqs. 12-21): Theta = Rz Pi Ry^{-1} with Rz'Rz = Z~2'Z~2, Ry'Ry = X~2'X~2;
 * lambda = A' Theta B' from the smallest singular value's subspaces;
 * Omega = (B Ry^{-T} (x) A' Rz^{-T}) S (.)' with S the meat of the
 * first-stage scores e_i (x) z~_i. */
static int kp_stat(iv_ctx *c, double *rk) {
  size_t n = c->n, ke = c->ke, kz = c->kz, m = kz - ke + 1;
  const double *X2t = c->W + n, *Z2t = c->W + n * (1 + ke);
  double *Rz = BAG_D(c, kz * kz), *Ry = BAG_D(c, ke * ke);
  double *Th = BAG_D(c, kz * ke), *ThT = BAG_D(c, ke * kz);
  double *TT = BAG_D(c, kz * kz), *U = BAG_D(c, kz * kz), *ev = BAG_D(c, kz);
  double *VV = BAG_D(c, ke * ke), *Vv = BAG_D(c, ke * ke), *evv = BAG_D(c, ke);
  double *M = BAG_D(c, m * m), *MM = BAG_D(c, m * m), *Wm = BAG_D(c, m * m);
  double *ew = BAG_D(c, m), *Aq = BAG_D(c, kz * m), *tmp = BAG_D(c, kz * m);
  double *Bq = BAG_D(c, ke), *tv = BAG_D(c, kz), *lam = BAG_D(c, m);
  double *s = BAG_D(c, n), *Za = BAG_D(c, n * m), *Om = BAG_D(c, m * m);
  double *x = BAG_D(c, m);
  if (!Rz || !Ry || !Th || !ThT || !TT || !U || !ev || !VV || !Vv || !evv ||
      !M || !MM || !Wm || !ew || !Aq || !tmp || !Bq || !tv || !lam || !s ||
      !Za || !Om || !x)
    return CAUSAL_ENOMEM;
  *rk = NAN;
  CZ_CHECK(cz_xtx(fn, cz_cmat_dense(Z2t, n, kz), 1.0, 0.0,
                  cz_mat_dense(Rz, kz, kz)));
  CZ_CHECK(cz_xtx(fn, cz_cmat_dense(X2t, n, ke), 1.0, 0.0,
                  cz_mat_dense(Ry, ke, ke)));
  if (cz_chol(fn, "Z~'Z~", cz_mat_dense(Rz, kz, kz)) != CAUSAL_OK ||
      cz_chol(fn, "X~'X~", cz_mat_dense(Ry, ke, ke)) != CAUSAL_OK)
    return CAUSAL_OK;
  /* Theta = Rz^{-T} (Z~'X~) Ry^{-1} */
  CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(Z2t, n, kz),
                   cz_cmat_dense(X2t, n, ke), 0.0, cz_mat_dense(Th, kz, ke)));
  CZ_CHECK(cz_trsm(fn, true, true, cz_cmat_dense(Rz, kz, kz),
                   cz_mat_dense(Th, kz, ke)));
  for (size_t i = 0; i < kz; i++)
    for (size_t j = 0; j < ke; j++)
      ThT[j + i * ke] = Th[i + j * kz];
  CZ_CHECK(cz_trsm(fn, true, true, cz_cmat_dense(Ry, ke, ke),
                   cz_mat_dense(ThT, ke, kz)));
  for (size_t i = 0; i < kz; i++)
    for (size_t j = 0; j < ke; j++)
      Th[i + j * kz] = ThT[j + i * ke];
  /* left singular subspace of the m smallest singular values (the
   * eigenvectors of Theta Theta' for its m smallest eigenvalues) */
  CZ_CHECK(cz_gemm(fn, false, true, 1.0, cz_cmat_dense(Th, kz, ke),
                   cz_cmat_dense(Th, kz, ke), 0.0, cz_mat_dense(TT, kz, kz)));
  cz_mat Um = cz_mat_dense(U, kz, kz);
  CZ_CHECK(cz_syev(fn, cz_mat_dense(TT, kz, kz), ev, &Um, &c->ws));
  /* right singular vector of the smallest singular value */
  CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(Th, kz, ke),
                   cz_cmat_dense(Th, kz, ke), 0.0, cz_mat_dense(VV, ke, ke)));
  cz_mat Vm = cz_mat_dense(Vv, ke, ke);
  CZ_CHECK(cz_syev(fn, cz_mat_dense(VV, ke, ke), evv, &Vm, &c->ws));
  double v22 = Vv[ke - 1]; /* last element of the first eigenvector */
  if (v22 == 0)
    return CAUSAL_OK;
  for (size_t j = 0; j < ke; j++)
    Bq[j] = (v22 > 0 ? 1.0 : -1.0) * Vv[j];
  /* A = U_m M' (M M')^{-1/2}, M = last m rows of U_m (the orthogonal
   * polar factor form of ranktest's U_m M^{-1} (M M')^{1/2}) */
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++)
      M[i + j * m] = U[(ke - 1 + i) + j * kz];
  CZ_CHECK(cz_gemm(fn, false, true, 1.0, cz_cmat_dense(M, m, m),
                   cz_cmat_dense(M, m, m), 0.0, cz_mat_dense(MM, m, m)));
  cz_mat Wmm = cz_mat_dense(Wm, m, m);
  CZ_CHECK(cz_syev(fn, cz_mat_dense(MM, m, m), ew, &Wmm, &c->ws));
  if (!(ew[0] > 1e-14 * ew[m - 1]))
    return CAUSAL_OK;
  /* MM <- (M M')^{-1/2} = W diag(ew^{-1/2}) W' */
  for (size_t j = 0; j < m; j++)
    for (size_t i = 0; i < m; i++) {
      double v = 0;
      for (size_t l = 0; l < m; l++)
        v += Wm[i + l * m] * Wm[j + l * m] / sqrt(ew[l]);
      MM[i + j * m] = v;
    }
  CZ_CHECK(cz_gemm(fn, false, true, 1.0, cz_cmat_dense(U, kz, m),
                   cz_cmat_dense(M, m, m), 0.0, cz_mat_dense(tmp, kz, m)));
  CZ_CHECK(cz_gemm(fn, false, false, 1.0, cz_cmat_dense(tmp, kz, m),
                   cz_cmat_dense(MM, m, m), 0.0, cz_mat_dense(Aq, kz, m)));
  /* lambda = A' Theta B' */
  CZ_CHECK(cz_gemv(fn, false, 1.0, cz_cmat_dense(Th, kz, ke), Bq, 0.0, tv));
  CZ_CHECK(cz_gemv(fn, true, 1.0, cz_cmat_dense(Aq, kz, m), tv, 0.0, lam));
  /* projected scores h_i = (e_i' Ry^{-1} B') (z~_i' Rz^{-1} A) */
  CZ_CHECK(cz_trsv(fn, true, false, cz_cmat_dense(Ry, ke, ke), Bq));
  CZ_CHECK(
      cz_gemv(fn, false, 1.0, cz_cmat_dense(c->MzW + n, n, ke), Bq, 0.0, s));
  CZ_CHECK(cz_trsm(fn, true, false, cz_cmat_dense(Rz, kz, kz),
                   cz_mat_dense(Aq, kz, m)));
  CZ_CHECK(cz_gemm(fn, false, false, 1.0, cz_cmat_dense(Z2t, n, kz),
                   cz_cmat_dense(Aq, kz, m), 0.0, cz_mat_dense(Za, n, m)));
  if (c->vtype == CAUSAL_VCOV_CLASSICAL) {
    /* iid: S = (E'E / n) (x) Z~'Z~ */
    double s2 = sumsq(s, n) / (double)n;
    CZ_CHECK(
        cz_xtx(fn, cz_cmat_dense(Za, n, m), s2, 0.0, cz_mat_dense(Om, m, m)));
  } else {
    for (size_t j = 0; j < m; j++)
      for (size_t i = 0; i < n; i++)
        Za[i + j * n] *= s[i];
    CZ_CHECK(meat(c, Za, m, is_cluster_type(c->vtype), Om));
  }
  memcpy(x, lam, m * sizeof *x);
  int rc = cz_posv(fn, cz_mat_dense(Om, m, m), cz_mat_dense(x, m, 1));
  if (rc == CAUSAL_ESINGULAR)
    return CAUSAL_OK;
  CZ_CHECK(rc);
  double v = 0;
  for (size_t j = 0; j < m; j++)
    v += lam[j] * x[j];
  *rk = v;
  return CAUSAL_OK;
}

static int diag_kp(iv_ctx *c) {
  double rk;
  CZ_CHECK(kp_stat(c, &rk));
  if (isnan(rk))
    CZ_CHECK(causal_result_add_warning(
        c->r, "Kleibergen-Paap statistic unavailable: its covariance matrix "
              "(or the reduced-rank decomposition) is singular or not "
              "positive definite"));
  double N = (double)c->n, L = (double)c->L, kz = (double)c->kz;
  double F;
  if (is_cluster_type(c->vtype) && c->f->ncluster_dims > 0) {
    size_t G = c->f->ncl[0];
    if (c->f->ncluster_dims > 1 && c->f->ncl[1] < G)
      G = c->f->ncl[1];
    F = rk / (N - 1.0) * (N - L) * ((double)G - 1.0) / (double)G / kz;
  } else {
    F = rk / N * (N - L) / kz;
  }
  double df = (double)(c->kz - c->ke + 1);
  CZ_CHECK(set_scalar(c, "kp_rk_wald", rk));
  CZ_CHECK(set_scalar(c, "kp_rk_df", df));
  CZ_CHECK(set_scalar(c, "kp_rk_p_value", sf_chisq(rk, df)));
  return set_scalar(c, "kp_rk_wald_f", F);
}

/* Sargan: n R^2 (centered, as AER) of the structural residuals on all
 * instruments; Hansen J: the minimised two-step efficient GMM criterion
 * with the robust (or cluster) weight matrix built from the fit's
 * residuals. */
static int diag_overid(iv_ctx *c) {
  size_t n = c->n, kz = c->kz, ke = c->ke, L = c->L, k = c->k;
  double df = (double)(kz - ke);
  double sargan = NAN, J = NAN;
  if (kz > ke) {
    double *t = BAG_D(c, n);
    if (t == NULL)
      return CAUSAL_ENOMEM;
    memcpy(t, c->u, n * sizeof *t);
    double s1 = 0;
    if (c->r1 > 0) {
      cz_mat tv = cz_mat_dense(t, n, 1);
      CZ_CHECK(cz_qr_apply_q(fn, &c->qr1, true, tv, &c->ws));
      s1 = sumsq(t, c->r1);
      for (size_t i = 0; i < c->r1; i++)
        t[i] = 0;
      CZ_CHECK(cz_qr_apply_q(fn, &c->qr1, false, tv, &c->ws));
    }
    CZ_CHECK(cz_qr_apply_q(fn, &c->qrz, true, cz_mat_dense(t, n, 1), &c->ws));
    double s2 = sumsq(t, kz), uu = sumsq(c->u, n);
    double sw2 = 0, swu = 0, tss = 0;
    for (size_t i = 0; i < n; i++) {
      double s = c->sw ? c->sw[i] : 1.0;
      sw2 += s * s;
      swu += s * c->u[i];
    }
    for (size_t i = 0; i < n; i++) {
      double d = c->u[i] - (c->sw ? c->sw[i] : 1.0) * swu / sw2;
      tss += d * d;
    }
    sargan = (double)n * (1.0 - (uu - s1 - s2) / tss);
    /* Hansen J */
    double *H = BAG_D(c, n * L), *S = BAG_D(c, L * L);
    double *zy = BAG_D(c, L), *zx = BAG_D(c, L * k), *b = BAG_D(c, k);
    double *res = BAG_D(c, L);
    if (H == NULL || S == NULL || zy == NULL || zx == NULL || b == NULL ||
        res == NULL)
      return CAUSAL_ENOMEM;
    for (size_t j = 0; j < L; j++)
      for (size_t i = 0; i < n; i++)
        H[i + j * n] = c->Z[i + j * n] * c->u[i];
    CZ_CHECK(meat(c, H, L, is_cluster_type(c->vtype), S));
    if (cz_chol(fn, "S", cz_mat_dense(S, L, L)) == CAUSAL_OK) {
      CZ_CHECK(cz_xty(fn, cz_cmat_dense(c->Z, n, L), c->y, zy));
      CZ_CHECK(cz_gemm(fn, true, false, 1.0, cz_cmat_dense(c->Z, n, L),
                       cz_cmat_dense(c->X, n, k), 0.0, cz_mat_dense(zx, L, k)));
      CZ_CHECK(cz_trsv(fn, true, true, cz_cmat_dense(S, L, L), zy));
      CZ_CHECK(cz_trsm(fn, true, true, cz_cmat_dense(S, L, L),
                       cz_mat_dense(zx, L, k)));
      cz_qr q;
      cz_qr_init(&q, c->a);
      int rc = cz_qr_factor(fn, &q, cz_cmat_dense(zx, L, k), 0.0, &c->ws);
      if (rc == CAUSAL_OK)
        rc = cz_qr_lstsq(fn, &q, zy, b, res, &c->ws);
      cz_qr_free(&q);
      CZ_CHECK(rc);
      J = sumsq(res, L);
    } else {
      CZ_CHECK(causal_result_add_warning(
          c->r, "Hansen J unavailable: the robust weight matrix of the "
                "instruments is singular"));
    }
  }
  CZ_CHECK(set_scalar(c, "sargan", sargan));
  CZ_CHECK(set_scalar(c, "sargan_df", df));
  CZ_CHECK(set_scalar(c, "sargan_p_value", sf_chisq(sargan, df)));
  CZ_CHECK(set_scalar(c, "hansen_j", J));
  CZ_CHECK(set_scalar(c, "hansen_j_df", df));
  return set_scalar(c, "hansen_j_p_value", sf_chisq(J, df));
}

/* Wu–Hausman: Wald F of the first-stage residuals added to the OLS
 * regression (control function), under the fit's covariance; Durbin:
 * n (RSS_ols - RSS_cf) / RSS_ols (homoskedastic). */
static int diag_endogeneity(iv_ctx *c) {
  size_t n = c->n, k = c->k, ke = c->ke, p = k + ke;
  double *D = BAG_D(c, n * p);
  if (D == NULL)
    return CAUSAL_ENOMEM;
  memcpy(D, c->X, n * k * sizeof *D);
  memcpy(D + n * k, c->MzW + n, n * ke * sizeof *D);
  double W, df, rss_u, rss_r, dummy;
  CZ_CHECK(ols_wald(c, D, p, c->y, k, ke, &W, &df, &rss_u));
  CZ_CHECK(ols_wald(c, c->X, k, c->y, 0, 0, &dummy, &dummy, &rss_r));
  double F = W / (double)ke;
  double dur = (double)n * (rss_r - rss_u) / rss_r;
  CZ_CHECK(set_scalar(c, "wu_hausman_f", F));
  CZ_CHECK(set_scalar(c, "wu_hausman_df1", (double)ke));
  CZ_CHECK(set_scalar(c, "wu_hausman_df2", df));
  CZ_CHECK(set_scalar(c, "wu_hausman_p_value", sf_f(F, (double)ke, df)));
  CZ_CHECK(set_scalar(c, "durbin", dur));
  CZ_CHECK(set_scalar(c, "durbin_df", (double)ke));
  return set_scalar(c, "durbin_p_value", sf_chisq(dur, (double)ke));
}

/* The set {b : a2 b^2 + a1 b + a0 <= 0}: "interval" [lo, hi], "rays"
 * (-Inf, lo] U [hi, Inf), "ray" (one of lo, hi infinite), "all" or
 * "empty" (lo = hi = NaN). Roots by the cancellation-free formula. */
const char *cz_iv_quadratic_set(double a2, double a1, double a0, double *lo,
                                double *hi) {
  *lo = *hi = NAN;
  if (a2 == 0) {
    if (a1 == 0) {
      if (a0 > 0)
        return "empty";
      *lo = -INFINITY;
      *hi = INFINITY;
      return "all";
    }
    double r = -a0 / a1;
    *lo = a1 > 0 ? -INFINITY : r;
    *hi = a1 > 0 ? r : INFINITY;
    return "ray";
  }
  double disc = a1 * a1 - 4.0 * a2 * a0;
  if (disc < 0 || (a2 < 0 && disc == 0)) {
    if (a2 > 0)
      return "empty";
    *lo = -INFINITY;
    *hi = INFINITY;
    return "all";
  }
  double sq = sqrt(disc);
  double q = -0.5 * (a1 + (a1 >= 0 ? sq : -sq));
  double r1 = q / a2, r2 = q != 0 ? a0 / q : r1;
  *lo = r1 < r2 ? r1 : r2;
  *hi = r1 < r2 ? r2 : r1;
  return a2 > 0 ? "interval" : "rays";
}

/* Anderson–Rubin test of beta2 = 0 (all endogenous coefficients): the Wald
 * test of the excluded instruments in the regression of y on Z, under the
 * fit's covariance; with one endogenous regressor also the confidence set
 * {b : AR F(b) <= F_crit} of the homoskedastic test, a quadratic
 * inequality in b. */
static int diag_anderson_rubin(iv_ctx *c) {
  size_t n = c->n, kz = c->kz, nc = 1 + c->ke;
  double W, df;
  CZ_CHECK(ols_wald(c, c->Z, c->L, c->y, c->r1, kz, &W, &df, NULL));
  CZ_CHECK(set_scalar(c, "ar_b0", 0.0));
  CZ_CHECK(set_scalar(c, "ar_f", W / (double)kz));
  CZ_CHECK(set_scalar(c, "ar_df1", (double)kz));
  CZ_CHECK(set_scalar(c, "ar_df2", df));
  CZ_CHECK(set_scalar(c, "ar_f_p_value", sf_f(W / (double)kz, (double)kz, df)));
  CZ_CHECK(set_scalar(c, "ar_chi2", W));
  CZ_CHECK(set_scalar(c, "ar_chi2_p_value", sf_chisq(W, (double)kz)));
  const char *type = "unavailable";
  double lo = NAN, hi = NAN;
  if (c->ke == 1) {
    double *P = BAG_D(c, nc * nc), *Mm = BAG_D(c, nc * nc);
    if (P == NULL || Mm == NULL)
      return CAUSAL_ENOMEM;
    CZ_CHECK(t_cross(c, P, Mm));
    double dfr = (double)(n - c->L - c->dof_fe);
    double cc = cz_qf(c->level, (double)kz, dfr, 1, 0) * (double)kz / dfr;
    /* Q(b) = a2 b^2 + a1 b + a0 <= 0 */
    type = cz_iv_quadratic_set(P[3] - cc * Mm[3], -2.0 * (P[1] - cc * Mm[1]),
                               P[0] - cc * Mm[0], &lo, &hi);
  }
  CZ_CHECK(causal_result_set_string(c->r, "ar_ci_type", type));
  CZ_CHECK(set_scalar(c, "ar_ci_low", lo));
  return set_scalar(c, "ar_ci_high", hi);
}

static int add_name_list(iv_ctx *c, const char *entry, char **names, size_t k) {
  cz_buf b;
  cz_buf_init(&b, c->a);
  for (size_t j = 0; j < k; j++) {
    if (j)
      cz_buf_puts(&b, ",");
    cz_buf_puts(&b, names[j]);
  }
  cz_buf_append(&b, "", 0);
  int rc = b.failed ? cz_fail(CAUSAL_ENOMEM, "%s: out of memory", fn)
                    : causal_result_set_string(c->r, entry, b.data);
  cz_buf_free(&b);
  return rc;
}

/* ---- absorbed fixed effects --------------------------------------------
 * 2SLS with absorbed factors is 2SLS on the data with the factors
 * partialled out (Frisch–Waugh–Lovell: the factors are exogenous, in both
 * stages): singletons are removed iteratively, y, X, Xe and Z are demeaned
 * together by alternating projections (weighted for WLS), and every
 * residual degree of freedom counts the absorbed parameters dof_fe. */

/* Codes re-encoded 0..L'-1 after rows were removed. */
static int iv_recode(iv_ctx *c, int32_t *codes, size_t n, size_t *levels) {
  int32_t *map = bag_alloc(&c->bag, *levels ? *levels : 1, sizeof *map);
  if (map == NULL)
    return CAUSAL_ENOMEM;
  for (size_t l = 0; l < *levels; l++)
    map[l] = -1;
  int32_t next = 0;
  for (size_t i = 0; i < n; i++) {
    if (map[codes[i]] < 0)
      map[codes[i]] = next++;
    codes[i] = map[codes[i]];
  }
  *levels = (size_t)next;
  return CAUSAL_OK;
}

static int absorb_frame(iv_ctx *c, const cz_frame *f, cz_frame *g) {
  size_t n = f->n, nfe = f->nfe, k = f->k, ke = f->ke, kz = f->kz;
  size_t nc = 1 + k + ke + kz, nrem = 0;
  *g = *f;
  uint8_t *keep = bag_alloc(&c->bag, n, 1);
  if (keep == NULL)
    return CAUSAL_ENOMEM;
  CZ_CHECK(cz_hdfe_singletons(c->a, f->fe, f->fe_levels, nfe, n, keep, &nrem));
  size_t m = n - nrem;
  if (m == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: no observations left after removing %zu singleton "
                   "rows of the absorbed factors",
                   fn, nrem);
  double *A = BAG_D(c, m * nc), *yraw = BAG_D(c, m);
  double *w = f->w ? BAG_D(c, m) : NULL;
  size_t *rows = bag_alloc(&c->bag, m, sizeof *rows);
  int32_t **fe = bag_alloc(&c->bag, nfe, sizeof *fe);
  size_t *lev = bag_alloc(&c->bag, nfe, sizeof *lev);
  if (A == NULL || yraw == NULL || (f->w && w == NULL) || rows == NULL ||
      fe == NULL || lev == NULL)
    return CAUSAL_ENOMEM;
  const double *src[4] = {f->y, f->X, f->Xe, f->Z};
  size_t cols[4] = {1, k, ke, kz}, off = 0;
  for (int b = 0; b < 4; b++)
    for (size_t j = 0; j < cols[b]; j++, off++)
      for (size_t i = 0, q = 0; i < n; i++)
        if (keep[i])
          A[q++ + off * m] = src[b][i + j * n];
  for (size_t i = 0, q = 0; i < n; i++)
    if (keep[i]) {
      yraw[q] = f->y[i];
      rows[q] = f->rows ? f->rows[i] : i;
      if (w)
        w[q] = f->w[i];
      q++;
    }
  for (size_t d = 0; d < f->ncluster_dims; d++) {
    int32_t *cl = bag_alloc(&c->bag, m, sizeof *cl);
    if (cl == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0, q = 0; i < n; i++)
      if (keep[i])
        cl[q++] = f->cl[d][i];
    g->cl[d] = cl;
    CZ_CHECK(iv_recode(c, cl, m, &g->ncl[d]));
  }
  for (size_t d = 0; d < nfe; d++) {
    fe[d] = bag_alloc(&c->bag, m, sizeof **fe);
    if (fe[d] == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0, q = 0; i < n; i++)
      if (keep[i])
        fe[d][q++] = f->fe[d][i];
    lev[d] = f->fe_levels[d];
    CZ_CHECK(iv_recode(c, fe[d], m, &lev[d]));
  }
  int iters = 0;
  double tol = c->m->tol > 0 ? c->m->tol : 1e-8;
  int maxit = c->m->maxiter > 0 ? (int)c->m->maxiter : 10000;
  size_t dof_fe = 0;
  CZ_CHECK(cz_hdfe_demean(c->a, fe, lev, nfe, m, w, A, nc, tol, maxit, &iters,
                          &dof_fe));
  /* fixest: factors nested in a cluster dimension do not count */
  size_t sub = 0;
  if (c->ssc == CAUSAL_SSC_FIXEST && is_cluster_type(c->vtype))
    for (size_t d = 0; d < nfe; d++) {
      int nest = 0;
      for (size_t q = 0; q < f->ncluster_dims && nest == 0; q++) {
        nest = cz_hdfe_nested(fe[d], lev[d], g->cl[q], m);
        if (nest < 0)
          return nest;
      }
      if (nest)
        sub += lev[d] - 1;
    }
  c->dof_fe = dof_fe;
  c->dof_v = dof_fe > sub ? dof_fe - sub : 1;
  if (!(c->ssc == CAUSAL_SSC_FIXEST && is_cluster_type(c->vtype)))
    c->dof_v = dof_fe;
  c->yraw = yraw;
  g->n = m;
  g->n_dropped = f->n_dropped + nrem;
  g->y = A;
  g->X = A + m;
  g->Xe = A + m * (1 + k);
  g->Z = A + m * (1 + k + ke);
  g->w = w;
  g->rows = rows;
  g->fe = fe;
  g->fe_levels = lev;
  g->nfe = 0;
  CZ_CHECK(set_scalar(c, "n_singletons", (double)nrem));
  CZ_CHECK(set_scalar(c, "fe_iterations", (double)iters));
  return set_scalar(c, "dof_fe", (double)dof_fe);
}

/* ---- entry ------------------------------------------------------------ */
static int iv_run(iv_ctx *c) {
  const cz_frame *f = c->f;
  size_t n = f->n;
  CZ_CHECK(check_input(c));
  c->n = n;
  c->ke = f->ke;
  c->kz = f->kz;
  if (f->w != NULL) {
    c->sw = BAG_D(c, n);
    if (c->sw == NULL)
      return CAUSAL_ENOMEM;
    for (size_t i = 0; i < n; i++)
      c->sw[i] = sqrt(f->w[i]);
  }
  c->y = BAG_D(c, n);
  c->X2 = BAG_D(c, n * c->ke);
  c->Z2 = BAG_D(c, n * c->kz);
  if (c->y == NULL || c->X2 == NULL || c->Z2 == NULL)
    return CAUSAL_ENOMEM;
  scale_cols(c->y, f->y, c->sw, n, 1);
  scale_cols(c->X2, f->Xe, c->sw, n, c->ke);
  scale_cols(c->Z2, f->Z, c->sw, n, c->kz);
  double *X1full = NULL;
  CZ_CHECK(exog_qr(c, &X1full));
  CZ_CHECK(build_designs(c, X1full));
  c->names = bag_alloc(&c->bag, c->k, sizeof *c->names);
  if (c->names == NULL)
    return CAUSAL_ENOMEM;
  for (size_t j = 0; j < c->r1; j++)
    c->names[j] = f->xnames[c->keep1[j]];
  for (size_t j = 0; j < c->ke; j++)
    c->names[c->r1 + j] = f->xenames[j];
  CZ_CHECK(partial_and_check(c));
  CZ_CHECK(project(c));
  CZ_CHECK(compute_kappa(c));
  CZ_CHECK(compute_beta(c));
  CZ_CHECK(compute_bread(c));
  CZ_CHECK(report_coef(c));
  CZ_CHECK(report_frame(c));
  CZ_CHECK(report_summary(c));
  CZ_CHECK(add_name_list(c, "endogenous", f->xenames, f->ke));
  CZ_CHECK(add_name_list(c, "instruments", f->znames, f->kz));
  CZ_CHECK(diag_first_stage(c));
  CZ_CHECK(diag_cragg_donald(c));
  CZ_CHECK(diag_kp(c));
  CZ_CHECK(diag_overid(c));
  CZ_CHECK(diag_endogeneity(c));
  return diag_anderson_rubin(c);
}

int cz_iv_fit(causal_result *r, const cz_frame *f, const causal_regress *m) {
  CZ_REQUIRE_NONNULL(r);
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(m);
  iv_ctx c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.m = m;
  c.r = r;
  c.a = &f->alloc;
  c.bag.a = c.a;
  c.method = m->iv_method ? (int)m->iv_method : CAUSAL_IV_2SLS;
  if (c.method < CAUSAL_IV_2SLS || c.method > CAUSAL_IV_FULLER)
    return cz_fail(CAUSAL_ERANGE, "%s: IV method %d is not a CAUSAL_IV_*", fn,
                   c.method);
  c.vtype = m->vcov ? (int)m->vcov
                    : (f->ncluster_dims > 0 ? CAUSAL_VCOV_CR1
                                            : CAUSAL_VCOV_CLASSICAL);
  c.ssc = m->ssc ? (int)m->ssc : CAUSAL_SSC_R;
  c.level = m->conf_level > 0 && m->conf_level < 1 ? m->conf_level : 0.95;
  cz_ws_init(&c.ws, c.a);
  cz_qr_init(&c.qr1, c.a);
  cz_qr_init(&c.qrz, c.a);
  cz_qr_init(&c.qra, c.a);
  cz_frame g;
  int rc = CAUSAL_OK;
  if (f->nfe > 0) {
    if (f->ke == 0 || f->kz == 0 || f->Xe == NULL || f->Z == NULL)
      rc = check_input(&c); /* the usual message */
    if (rc == CAUSAL_OK)
      rc = absorb_frame(&c, f, &g);
    c.f = &g;
  }
  if (rc == CAUSAL_OK)
    rc = iv_run(&c);
  cz_qr_free(&c.qr1);
  cz_qr_free(&c.qrz);
  cz_qr_free(&c.qra);
  cz_ws_free(&c.ws);
  bag_free(&c.bag);
  return rc;
}
