/* libcausal — AA grouping of a fixed set of units (balanced splits),
 * randomization inference under the same design, and a sample-size
 * advisor. Formulas and evidence: docs/methods/aa.md.
 *
 * A causal_aa handle is a design specification: the number of groups k,
 * the metric columns (pre-period covariates, F64/I64/BOOL), an optional id
 * column (CAT or I64; default: units are named by their 1-based row
 * number), an optional strata column (CAT, I64 or BOOL), optional group
 * sizes (default: as equal as possible, the first N mod k groups one
 * larger) and options. It is evaluated against a dataset whose rows are
 * the units; the specification is not modified and can be reused.
 *
 * Allocation (strata): the units are listed stratum by stratum (strata in
 * level order for CAT, value order for I64/BOOL; rows in dataset order
 * within a stratum) and a label sequence with exactly n_g labels
 * of group g, spread as evenly as possible (at every position the group
 * with the largest deficit n_g * i / N - count_g gets the next label), is
 * laid over them. The labels falling on a stratum are its quota: every
 * allocation of every method permutes labels only within strata, so each
 * group gets the same share (to within rounding) of every stratum.
 *
 * Balance statistics of an allocation (units x metrics matrix X, groups of
 * n_g units, S = sample covariance of X over all units, n - 1 divisor):
 *   M = sum_g n_g (xbar_g - xbar)' S^-1 (xbar_g - xbar)
 * For k = 2 this is Morgan & Rubin's (2012) Mahalanobis distance
 * (xbar_1 - xbar_0)' [S (1/n_1 + 1/n_0)]^-1 (xbar_1 - xbar_0). Under
 * complete randomization M is asymptotically chi-square with d = p (k - 1)
 * degrees of freedom for p metrics (E[M] = d exactly).
 *
 * Methods (CAUSAL_AA_METHOD):
 *   RERANDOMIZE  draw stratified random allocations until M <= a, with
 *                a = qchisq(p_accept, d) (or the THRESHOLD option); more
 *                than MAX_DRAWS draws is CAUSAL_ENOCONV naming a, p_accept
 *                and the count.
 *   OPTIMIZE     RESTARTS random stratified starts, each improved by
 *                swapping two units of one stratum in different groups
 *                while the objective decreases (OBJECTIVE: the largest
 *                |SMD| over metrics and group pairs, ties broken by the sum
 *                of squared SMDs; or M); the best local optimum is kept and
 *                the labels of interchangeable groups (same size and
 *                quotas) are randomly permuted.
 *   COMPLETE     one plain stratified random allocation (the baseline).
 * Everything is deterministic given SEED (PCG64, stream 0 for splits,
 * stream 1 for randomization inference).
 *
 * Report entries (kind "aa_split" from causal_aa_split, "aa_balance" from
 * causal_aa_balance), metric rows in specification order:
 *   vector "group"      0-based group of every dataset row (named by id)
 *                       (split only)
 *   vector "size"       units per group
 *   matrix "means"      metrics x groups;  matrix "sd" (n - 1 divisor)
 *   vector "smd"        k = 2: (mean_1 - mean_0) / s_pooled with
 *                       s_pooled^2 = ((n_1-1) s_1^2 + (n_0-1) s_0^2) /
 *                       (n_1 + n_0 - 2); k > 2: the largest |pairwise SMD|
 *   vector "statistic"  k = 2: Welch's t (group 1 minus group 0);
 *                       k > 2: one-way ANOVA F (equal variances)
 *   vector "p_value"    two-sided Welch t-test / ANOVA F-test p-values
 *   vector "df"         Welch-Satterthwaite df (k = 2) or N - k (k > 2)
 *   string "test"       "welch_t" or "anova_f"
 *   scalars "max_abs_smd", "min_p_value", "mahalanobis" (M),
 *           "mahalanobis_df" (d), "mahalanobis_p_value" (P(chi2_d > M))
 * Split adds: string "method", scalars "seed", "threshold" (a; Inf for
 *   OPTIMIZE/COMPLETE), "p_accept" (NaN unless RERANDOMIZE), "draws"
 *   (allocations drawn, or local searches run), "v_a" (the factor by which
 *   the design shrinks the variance of every covariate mean difference,
 *   see causal_aa_mde: 1 for COMPLETE, NaN for OPTIMIZE), "objective"
 *   (the optimizer's objective of the allocation, OPTIMIZE only).
 *
 * Errors: no metric, unknown column (CAUSAL_ENOTFOUND), metric of another
 * type (CAUSAL_ETYPE), missing values (CAUSAL_EMISSING naming column and
 * row), +-Inf (CAUSAL_ENONFINITE), duplicate or empty ids (CAUSAL_EINVAL
 * naming the id and rows), a metric with zero variance (CAUSAL_EINVAL
 * naming it), metrics that are linear combinations of the others
 * (CAUSAL_ESINGULAR naming the metric), k > N or a group of fewer than 2
 * units (CAUSAL_EINVAL), sizes not summing to N (CAUSAL_EDIM), a stratum
 * with fewer units than groups (CAUSAL_EINVAL naming the stratum: it
 * cannot be balanced).
 */
#ifndef CAUSAL_AA_H
#define CAUSAL_AA_H

#include "causal/core.h"
#include "causal/dataset.h"
#include "causal/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct causal_aa causal_aa;

/* Methods (pinned). */
enum {
  CAUSAL_AA_RERANDOMIZE = 1,
  CAUSAL_AA_OPTIMIZE = 2,
  CAUSAL_AA_COMPLETE = 3
};

/* Optimizer objectives (pinned). */
enum { CAUSAL_AA_OBJ_MAX_SMD = 1, CAUSAL_AA_OBJ_MAHALANOBIS = 2 };

/* Option keys (pinned); causal_aa_bounds() gives each range. */
enum {
  CAUSAL_AA_METHOD = 1,     /* default CAUSAL_AA_RERANDOMIZE */
  CAUSAL_AA_MAX_DRAWS = 2,  /* rerandomization cap, default 100000 */
  CAUSAL_AA_SEED = 3,       /* default 0 */
  CAUSAL_AA_RESTARTS = 4,   /* optimizer starts, default 10 */
  CAUSAL_AA_OBJECTIVE = 5,  /* default CAUSAL_AA_OBJ_MAX_SMD */
  CAUSAL_AA_P_ACCEPT = 101, /* target acceptance probability, default 0.05 */
  CAUSAL_AA_THRESHOLD = 102 /* explicit a > 0; 0 (default) = from p_accept */
};

/* k >= 2 groups. */
CAUSAL_API int causal_aa_new(causal_aa **out, int64_t k);
CAUSAL_API void causal_aa_free(causal_aa *aa);
CAUSAL_API int causal_aa_add_metric(causal_aa *aa, const char *column);
/* NULL clears. */
CAUSAL_API int causal_aa_set_id(causal_aa *aa, const char *column);
CAUSAL_API int causal_aa_set_strata(causal_aa *aa, const char *column);
/* k sizes >= 2 (sum checked against N at split time); NULL restores the
 * default (as equal as possible). */
CAUSAL_API int causal_aa_set_sizes(causal_aa *aa, const int64_t *sizes,
                                   size_t k);
CAUSAL_API int causal_aa_set_int(causal_aa *aa, int key, int64_t value);
CAUSAL_API int causal_aa_set_double(causal_aa *aa, int key, double value);
CAUSAL_API int causal_aa_get_int(const causal_aa *aa, int key, int64_t *value);
CAUSAL_API int causal_aa_get_double(const causal_aa *aa, int key,
                                    double *value);
CAUSAL_API int causal_aa_bounds(int key, double *min, double *max);

/* Split the units (rows of ds) into k groups. */
CAUSAL_API int causal_aa_split(causal_result **out, const causal_aa *aa,
                               const causal_dataset *ds);

/* Balance report of a given allocation: group[i] in [0, k) for each of the
 * n = nrows(ds) units (sizes and strata of the specification are not
 * imposed; every group needs >= 2 units). */
CAUSAL_API int causal_aa_balance(causal_result **out, const causal_aa *aa,
                                 const causal_dataset *ds, const int64_t *group,
                                 size_t n);

/* Randomization inference after the experiment. y[i] is the outcome of
 * unit i (n = nrows(ds)), group[i] its group. The reference distribution
 * redraws `draws` allocations with the same quotas (counts per stratum and
 * group, taken from `group`) under the specification's method: only
 * accepted allocations (M <= a) for RERANDOMIZE, a fresh optimizer run per
 * draw for OPTIMIZE, plain stratified draws for COMPLETE (the RERANDOMIZE
 * cap MAX_DRAWS applies to the total number of raw draws).
 * Statistic: k = 2 the difference in means (group 1 minus group 0), two-
 * sided; k > 2 the one-way ANOVA F. p = (1 + #{|T_b| >= |T_obs|}) /
 * (1 + draws) (a draw ties when within 1e-9 relative). Result kind
 * "aa_randinf": scalars "estimate" (k = 2; NaN otherwise), "statistic",
 * "p_value", "draws", "raw_draws", "threshold", "mahalanobis" (of the
 * observed allocation; a warning if it is above the threshold). */
CAUSAL_API int causal_aa_randinf(causal_result **out, const causal_aa *aa,
                                 const causal_dataset *ds, const int64_t *group,
                                 size_t n, const double *y, size_t ny,
                                 int64_t draws);

/* Sample-size advisor for a fixed unit set: the minimum detectable effect
 * of comparing group g (g = 1..k-1) with group 0 for each of nvar outcome
 * variances sigma^2, with a two-sided level-alpha t-test (df = N - k) of
 * power `power`:
 *   MDE = (t_{1-alpha/2, df} + t_{power, df}) sigma sqrt(1/n_g + 1/n_0).
 * Under rerandomization on ncov covariates that explain a share r2 of the
 * outcome variance, with acceptance probability p_accept (Morgan & Rubin
 * 2012, Theorem 3.2 generalized to k groups with d = ncov (k - 1)):
 *   v_a = P(chi2_{d+2} <= a) / P(chi2_d <= a),  a = qchisq(p_accept, d),
 *   variance factor = 1 - (1 - v_a) r2,  MDE_rr = MDE sqrt(factor).
 * ncov = 0 means no rerandomization (factor 1). Result kind "aa_mde":
 * matrices "mde" and "mde_rerandomized" (nvar x (k - 1)), scalars "v_a",
 * "variance_factor", "threshold", "df", "alpha", "power". */
CAUSAL_API int causal_aa_mde(causal_result **out, const double *variance,
                             size_t nvar, const int64_t *sizes, size_t k,
                             double alpha, double power, double r2,
                             int64_t ncov, double p_accept);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_AA_H */
