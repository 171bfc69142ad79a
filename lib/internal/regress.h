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

#endif /* CZ_INTERNAL_REGRESS_H */
