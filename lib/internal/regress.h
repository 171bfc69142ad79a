/* Internal regression layer shared by regress.c (spec, model frame, OLS,
 * Wald), vcov.c (sandwich estimators), logit.c, iv.c and hdfe.c. */
#ifndef CZ_INTERNAL_REGRESS_H
#define CZ_INTERNAL_REGRESS_H

#include "internal/core.h"

/* ---- the specification (causal_regress) ---- */
typedef struct cz_strlist {
  char **items;
  size_t n, cap;
} cz_strlist;

typedef struct cz_refpair {
  char *column;
  char *level;
} cz_refpair;

struct causal_regress {
  cz_alloc alloc;
  int family;              /* CAUSAL_REGRESS_OLS/LOGIT/IV */
  char *outcome;           /* NULL until set */
  cz_strlist terms;        /* exogenous design terms */
  int intercept;           /* default 1 */
  cz_refpair *refs;        /* reference levels */
  size_t nrefs;
  char *weights;           /* NULL = unweighted */
  char *offset;            /* logit only */
  cz_strlist clusters;     /* 0, 1 or 2 columns */
  cz_strlist absorb;       /* absorbed factors */
  cz_strlist endogenous;   /* IV */
  cz_strlist instruments;  /* IV (excluded instruments) */
  int64_t vcov;            /* 0 = default (CLASSICAL, CR1 if clustered) */
  int64_t ssc;             /* CAUSAL_SSC_* */
  int64_t rank;            /* CAUSAL_RANK_* */
  int64_t maxiter;
  int64_t keep_fitted;
  int64_t iv_method;
  double conf_level, tol, rank_tol, l2, fuller_alpha;
};

/* ---- the model frame: numeric arrays after listwise deletion ----
 * Built once per fit from the spec and the dataset. All arrays are
 * column-major, owned by the frame (allocated with its allocator). */
typedef struct cz_frame {
  cz_alloc alloc;
  size_t n;          /* rows used */
  size_t n_dropped;  /* rows dropped (missing values, zero weights) */
  double *y;         /* n */
  double *X;         /* n x k exogenous design (with intercept column) */
  size_t k;
  char **xnames;     /* k names */
  double *Xe;        /* n x ke endogenous regressors (IV), else NULL */
  size_t ke;
  char **xenames;
  double *Z;         /* n x kz excluded instruments (IV), else NULL */
  size_t kz;
  char **znames;
  double *w;         /* n weights or NULL */
  double *offset;    /* n or NULL */
  int32_t *cl[2];    /* cluster codes 0..G-1 per row, or NULL */
  size_t ncl[2];     /* number of clusters per dimension */
  size_t ncluster_dims;
  int32_t **fe;      /* absorbed factors: nfe arrays of codes 0..L-1 */
  size_t *fe_levels;
  size_t nfe;
  size_t *rows;      /* n dataset row indices used */
  /* per used dataset column: rows missing in it (for "dropped_by_column") */
  char **used_cols;
  double *dropped_by_col;
  size_t n_used_cols;
  /* Storage of X, Xe, Z: when xres[d] is set the array points into that
   * evaluated design (kept alive, compacted in place) instead of a copy. */
  causal_result *xres[3];
  /* Lazy exogenous design (cz_frame_build_lazy only): X == NULL and column
   * j of the design is xcol[j][rows[i]] (NULL = the intercept, all ones),
   * xcol[j] pointing at the dataset's float64 column. */
  const double **xcol;
} cz_frame;

/* Frame rules (lib/regress.c, docs/methods/ols.md):
 * - X is the exogenous design; it has the "(Intercept)" column when the
 *   spec has an intercept and NO absorb columns. With absorb columns the
 *   intercept is left out (the fixed effects span it) and categorical terms
 *   keep treatment contrasts. Xe and Z never have an intercept (their
 *   categorical terms use treatment contrasts too).
 * - Listwise deletion over every used column (outcome, design columns,
 *   weights, offset, cluster and absorb columns); zero-weight rows are
 *   dropped too. n_dropped counts both; dropped_by_col[j] is the number of
 *   missing values of used_cols[j] over the whole dataset (as the design).
 * - +-Inf in the outcome, offset or a design column among the kept rows is
 *   CAUSAL_ENONFINITE naming column and row; negative weights CAUSAL_ERANGE,
 *   infinite weights CAUSAL_ENONFINITE (naming the row).
 * - Cluster and absorb columns may have any type; their values are encoded
 *   as codes 0..G-1 in increasing value order (level order for categorical
 *   columns), counting only levels present among the kept rows.
 * - A categorical outcome is CAUSAL_ETYPE, except a two-level one for
 *   LOGIT (y = level code 0/1).
 * - IV without endogenous terms or instruments: CAUSAL_EINVAL.
 * On failure the frame is left empty (safe to cz_frame_free again). */
int cz_frame_build(cz_frame *f, const causal_regress *m,
                   const causal_dataset *ds);
/* As cz_frame_build, but when every exogenous term is a plain float64
 * column (no interaction, no categorical, no reference levels, no absorb
 * columns) the design is not copied: f->X stays NULL and f->xcol is set
 * (the dataset must outlive the frame). cz_frame_materialize then fills
 * f->X when a caller needs the matrix (no-op when it exists). */
int cz_frame_build_lazy(cz_frame *f, const causal_regress *m,
                        const causal_dataset *ds);
int cz_frame_materialize(cz_frame *f);
void cz_frame_free(cz_frame *f);

/* ---- family fits (dispatched by causal_regress_fit) ----
 * Each fills r (kind already set to "ols"/"logit"/"iv") from the frame and
 * the spec; on failure the caller frees r. */
int cz_ols_fit(causal_result *r, const cz_frame *f, const causal_regress *m);
int cz_logit_fit(causal_result *r, const cz_frame *f, const causal_regress *m);
int cz_iv_fit(causal_result *r, const cz_frame *f, const causal_regress *m);

/* ---- sandwich covariance (vcov.c) ----
 * V = c * B M B with bread B = (X'WX)^{-1} (k x k, or the appropriate
 * inverse Hessian) and meat M from per-row score contributions
 * s_i = x_i * u_i (u = w*residual for WLS, y - p for logit, ...), summed
 * within clusters for CR types; c is the small-sample factor of the
 * chosen convention. HC2/HC3/CR2 need the hat-matrix leverages or
 * cluster blocks, so the caller passes the (weighted) design too. */
typedef struct cz_vcov_in {
  const double *X;    /* n x k design the scores refer to (weighted: the
                         sqrt(w)-scaled design) */
  const double *u;    /* n score multipliers (residuals, sqrt(w)-scaled) */
  const double *bread;/* k x k (X'X)^{-1} of that design */
  size_t n, k;
  int type;           /* CAUSAL_VCOV_* */
  int ssc;            /* CAUSAL_SSC_* */
  size_t df_model;    /* parameters incl. absorbed fixed effects not nested
                         in clusters (fixest-style adjustment) */
  const int32_t *cl[2];
  size_t ncl[2];
  size_t ncluster_dims;
  double sigma2;      /* classical: residual variance */
  /* Blocked access (optional, zero-initialise when unused): when gather is
   * set, X and u are not read; gather(ctx, i0, b, Xb, ub) writes rows
   * i0..i0+b-1 of the design into Xb (b x k, column-major, ld b) and of u
   * into ub, returning a status. Supported by every type but CR2 (and not
   * by cz_vcov_bm_df); the meat is then accumulated block by block, so no
   * n x k array is needed. */
  int (*gather)(void *ctx, size_t i0, size_t b, double *Xb, double *ub);
  void *gather_ctx;
} cz_vcov_in;

typedef struct cz_vcov_out {
  double *V;          /* k x k, caller-allocated */
  double df;          /* reference t df (INFINITY for normal) */
  const char *label;  /* static text: "HC1", "CR2", ... */
  int psd_fixed;      /* two-way: negative eigenvalues clipped */
} cz_vcov_out;

int cz_vcov_compute(const cz_alloc *a, const cz_vcov_in *in, cz_vcov_out *out);
/* For CR2 cz_vcov_compute sets out->df = G - 1; the Bell–McCaffrey degrees
 * of freedom are per coefficient: cz_vcov_bm_df fills df[0..k) for the
 * contrasts e_j (same inputs as cz_vcov_compute, one cluster dimension). */
int cz_vcov_bm_df(const cz_alloc *a, const cz_vcov_in *in, double *df);

/* ---- absorbed fixed effects (hdfe.c) ----
 * Demean the ncol columns of A (n x ncol, column-major, in place) with
 * respect to nfe factors by alternating projections with acceleration,
 * optionally weighted. Rows that are singletons in any factor are flagged
 * (iteratively) in keep[] (1 = keep) before demeaning by cz_hdfe_singletons.
 * *dof_fe receives the number of fixed-effect parameters (levels minus
 * redundancies for the first two factors, via connected components for
 * two factors; an upper bound with a documented rule beyond). */
int cz_hdfe_singletons(const cz_alloc *a, int32_t *const *fe,
                       const size_t *levels, size_t nfe, size_t n,
                       uint8_t *keep, size_t *n_removed);
int cz_hdfe_demean(const cz_alloc *a, int32_t *const *fe, const size_t *levels,
                   size_t nfe, size_t n, const double *w, double *A,
                   size_t ncol, double tol, int maxiter, int *iterations,
                   size_t *dof_fe);

/* ---- hdfe: helpers beyond the two functions above (hdfe.c) ----
 * Contract details of the two functions above (docs/methods/hdfe.md):
 * - codes fe[q][i] must lie in 0..levels[q]-1 (else CAUSAL_ERANGE naming
 *   q and i); n >= 1, nfe >= 1; levels may be empty (no row uses them).
 * - cz_hdfe_singletons writes all n entries of keep[] (the rows are all
 *   candidates); n_removed may be NULL.
 * - cz_hdfe_demean: w NULL or all w[i] > 0 and finite (zero weights are
 *   CAUSAL_ERANGE: drop those rows first); A finite (CAUSAL_ENONFINITE
 *   "A[i, j] is NaN"); ncol may be 0 (then A may be NULL and only dof_fe
 *   is computed). Column j has converged when the sum over factors 2..Q
 *   (ordered by level count, descending) of the largest change of a
 *   coefficient in one sweep is <= tol * max_i |A[i, j] - mean_w(A[., j])|.
 *   Non-convergence within maxiter sweeps: CAUSAL_ENOCONV. On any error A
 *   is unchanged. iterations (may be NULL): sweeps used by the slowest
 *   column (1 for one factor, which is solved exactly). dof_fe (may be
 *   NULL): non-empty levels, minus the connected components of factors
 *   fe[0] and fe[1], minus 1 for each further factor.
 *
 * cz_hdfe_nested: 1 if every level of fe (codes 0..levels-1) occurs in a
 * single cluster of cl over the n rows (the fixed effect is nested in the
 * clusters, fixest's rule for not counting it in the small-sample
 * correction), 0 if not, a negative CAUSAL_E* status on error (NULL
 * argument, zero size, code out of range, out of memory). Allocates
 * `levels` int64 through cz_alloc_current(). */
int cz_hdfe_nested(const int32_t *fe, size_t levels, const int32_t *cl,
                   size_t n);

#endif /* CZ_INTERNAL_REGRESS_H */
