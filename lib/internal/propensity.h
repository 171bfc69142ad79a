/* Internal propensity layer shared by propensity.c and weighting.c: the
 * fitted score model with what an M-estimator stacking the logit's
 * estimating equations needs (design, coefficients, scores). */
#ifndef CZ_INTERNAL_PROPENSITY_H
#define CZ_INTERNAL_PROPENSITY_H

#include "internal/core.h"

typedef struct cz_ps_fit {
  cz_alloc alloc;
  size_t n;          /* rows used */
  size_t n_dropped;  /* rows dropped for missing values */
  size_t k;          /* logit columns (0 with user scores) */
  int estimated;     /* 1: logit fitted; 0: user scores */
  double *X;         /* n x k design, column-major (NULL with user scores) */
  char **xnames;     /* k names */
  double *beta;      /* k */
  double *eta;       /* n linear predictor (logit of unclipped score) */
  double *p;         /* n scores after clipping */
  uint8_t *clipped;  /* n: 1 where the score was clipped (dp/dbeta = 0) */
  uint8_t *keep;     /* n: 1 where kept by trimming */
  double *t;         /* n 0/1 treatment */
  size_t *rows;      /* n dataset rows */
  size_t n1, n0, n_clipped, n_trimmed;
  double trim_low, trim_high, crump_alpha;
  causal_result *logit; /* the logit fit (NULL with user scores) */
} cz_ps_fit;

/* Fit the specification on ds. extra: optional NULL-terminated list of
 * more column names whose missing rows must also be dropped (the outcome,
 * cluster and outcome-model columns of a weighting estimator), so that the
 * scores refer to exactly the rows the caller uses. On failure f is left
 * empty (safe to free). */
int cz_ps_estimate(cz_ps_fit *f, const causal_propensity *ps,
                   const causal_dataset *ds, const char *const *extra,
                   size_t nextra);
void cz_ps_fit_free(cz_ps_fit *f);
/* The specification's logit terms (owned by ps). */
const char *const *cz_ps_terms(const causal_propensity *ps, size_t *n);

/* Copies of specifications for the refutation helpers (sensitivity.c):
 * treatment / outcome replaced when not NULL, extra_term appended when not
 * NULL. *out = NULL on failure. */
/* Treatment column name / whether scores are supplied. */
const char *cz_ps_treatment(const causal_propensity *ps);
int cz_ps_has_scores(const causal_propensity *ps);
int cz_ps_copy(causal_propensity **out, const causal_propensity *ps,
               const char *treatment, const char *extra_term);
int cz_weighting_copy(causal_weighting **out, const causal_weighting *w,
                      const char *outcome, const char *extra_term);

#endif
