/* A/B testing internals: the per-arm sufficient-statistics state.
 * Private to the library. Other A/B code (power, sequential, Bayesian) may
 * read these fields directly; only lib/abtest.c writes them. */
#ifndef CZ_INTERNAL_ABTEST_H
#define CZ_INTERNAL_ABTEST_H

#include "causal/abtest.h"
#include "internal/core.h"

struct causal_abstats {
  cz_alloc alloc;
  int flags;     /* CAUSAL_ABSTATS_* */
  size_t ncov;   /* covariates */
  size_t p;      /* variables (see the layout in causal/abtest.h) */
  int64_t n;     /* units */
  int binary;    /* every y seen is 0/1 (1 when empty) */
  double *mean;  /* p */
  double *C;     /* p*p column-major centred co-moments */
  double *store; /* mean | C | update workspace (2p + p*p) */
};

/* Index of the first covariate in the layout (1 or 2). */
static inline size_t cz_abstats_xoff(const causal_abstats *s) {
  return (s->flags & CAUSAL_ABSTATS_RATIO) ? 2 : 1;
}

/* (na, mean_a, C_a) += (nb, mean_b, C_b): Chan–Golub–LeVeque pairwise
 * update of means and centred co-moments of p variables. */
void cz_abstats_combine(size_t p, int64_t *na, double *mean_a, double *C_a,
                        int64_t nb, const double *mean_b, const double *C_b);

/* ---- analysis internals (lib/abtest_analysis.c, lib/abtest_multi.c) ---- */

struct causal_abtest {
  cz_alloc alloc;
  int metric, test, alternative, correct, cuped, lift_ci, adjust;
  int margin_relative, boot_stat, boot_ci;
  int64_t boot_reps, seed;
  double conf_level, margin, quantile;
  /* Normal critical value qnorm(1 - (1 - conf_level)/sides), kept in step
   * with conf_level and alternative by the setters so that the per-
   * comparison path does not recompute it (cz_abtest_refresh_crit). */
  double zcrit;
};

/* What a comparison needs of one arm. */
typedef struct cz_abarm {
  double n;    /* units */
  double m;    /* metric (possibly CUPED-adjusted) */
  double v;    /* per-unit variance of the metric's linearization (n - 1) */
  double se2;  /* variance of m: v / n (p(1-p)/n for proportions) */
  double succ; /* proportions: successes */
} arm;

/* Everything one comparison computes. */
typedef struct cz_abcmp {
  int test;
  double est, se, stat, p, lo, hi, df;
  double lift, lift_se, lift_stat, lift_p, lift_lo, lift_hi;
  double effect_size, margin_abs;
  double odds_ratio, or_lo, or_hi; /* Fisher */
  int lift_unbounded;
} cmp;

/* CUPED details of one comparison. */
typedef struct cz_abcuped {
  size_t q;          /* covariates (incl. indicators) */
  double *theta;     /* q */
  double *imb_stat;  /* q: Welch t of the covariate means */
  double *imb_p;     /* q */
  double se2_raw[2]; /* unadjusted se2 (control, treatment) */
  double delta_raw;  /* unadjusted difference */
  size_t dropped;    /* covariates with zero variance or collinear */
} cuped_info;

int cz_abtest_effective_test(const causal_abtest *t);
const char *cz_abtest_test_name(int test);
const char *cz_abtest_metric_name(int metric);
const char *cz_abtest_alt_name(int alt);
double cz_abtest_pval(double z, double df, int alt);
double cz_abtest_crit(double conf, double df, int alt);
/* Recomputes t->zcrit after conf_level or alternative changed. */
void cz_abtest_refresh_crit(causal_abtest *t);
int cz_abtest_cuped_alloc(const causal_abtest *t, const causal_abstats *c,
                          cuped_info *ci);
int cz_abtest_compare_core(const causal_abtest *t, const causal_abstats *c,
                           const causal_abstats *tr, arm a[2], cmp *r,
                           cuped_info *ci, const char *who);

#endif /* CZ_INTERNAL_ABTEST_H */
