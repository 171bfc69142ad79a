/* Internal: the causal_fusion specification, shared by lib/fusion.c
 * (estimate level) and lib/fusion_data.c (data-level pipeline). */
#ifndef CZ_INTERNAL_FUSION_H
#define CZ_INTERNAL_FUSION_H

#include "internal/core.h"

struct causal_fusion {
  cz_alloc alloc;
  int64_t method, rct, maxiter, obs_estimator, rct_adjust, vcov;
  double conf_level, bias_var, pretest_alpha, mix_weight, mix_sd, tol;
  /* data-level column roles */
  char *outcome, *treatment, *source, *stratum;
  char **terms;
  size_t nterms, capterms;
};

#endif /* CZ_INTERNAL_FUSION_H */
