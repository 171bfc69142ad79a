/* Internal: the causal_fusion specification, shared by lib/fusion.c
 * (estimate level) and lib/fusion_data.c (data-level pipeline). */
#ifndef CZ_INTERNAL_FUSION_H
#define CZ_INTERNAL_FUSION_H

#include "internal/core.h"

struct causal_fusion {
  cz_alloc alloc;
  int64_t method, rct, maxiter, obs_estimator, rct_adjust, vcov, transport;
  double conf_level, bias_var, pretest_alpha, mix_weight, mix_sd, tol;
  /* data-level column roles */
  char *outcome, *treatment, *source, *stratum;
  char **terms;
  size_t nterms, capterms;
  char **surr; /* surrogate columns */
  size_t nsurr, capsurr;
};

/* Observational IPW (Hájek) estimate on the observational rows, with the
 * stacked M-estimation standard error (lib/fusion_transport.c). */
int cz_fusion_ipw(const causal_fusion *f, const causal_dataset *obs,
                  double *est, double *se, double *nobs);

#endif /* CZ_INTERNAL_FUSION_H */
