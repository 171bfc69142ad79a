/* Internal MCMC diagnostics shared by lib/mcmc_diag.c and lib/sampler.c. */
#ifndef CZ_INTERNAL_MCMC_H
#define CZ_INTERNAL_MCMC_H

#include "internal/core.h"

#define CZ_MCMC_SUMMARY_NCOL 11
extern const char *const cz_mcmc_summary_colnames[CZ_MCMC_SUMMARY_NCOL];

/* Fill summary (p x 11, column-major) for the column-major
 * (n_iter * n_chains) x p draws. Draws must be finite (checked by
 * callers). Returns CAUSAL_ENOMEM on allocation failure. */
int cz_mcmc_summary_fill(const cz_alloc *a, const double *draws,
                         size_t n_iter, size_t n_chains, size_t p,
                         double hdi_prob, double *summary);

#endif /* CZ_INTERNAL_MCMC_H */
