/* Internal layout of causal_sampler, shared by lib/sampler.c (handle,
 * conjugate and Gibbs models, result) and lib/sampler_nuts.c (NUTS). */
#ifndef CZ_INTERNAL_SAMPLER_H
#define CZ_INTERNAL_SAMPLER_H

#include "causal/sampler.h"
#include "internal/core.h"
#include "internal/rng.h"

struct causal_sampler {
  cz_alloc alloc;
  int kind;
  /* integer options */
  int64_t seed, chains, samples, warmup, max_treedepth, threads, adapt, thin;
  /* double options */
  double target_accept, step_size, init_radius, hdi_prob, max_delta_h;
  /* conjugate posteriors: Beta (alpha, beta), Gamma (shape, rate),
   * NIG (mean, kappa, a, b) */
  double post[4];
  /* Gibbs two-group: per group n, mean, sum of squares about the mean */
  double gn[2], gmean[2], gss[2];
  double m0, v0, a0, b0;
  /* NUTS */
  size_t dim;
  causal_logp_grad_fn fn;
  void *ctx;
  double *init; /* NULL or n_init values */
  size_t n_init;
};

/* One chain's work and outputs (written by one thread only). */
typedef struct cz_chain_job {
  const causal_sampler *s;
  size_t chain;
  size_t ld;         /* rows of the draws matrix (chains * samples) */
  double *draws;     /* column-major, first row of this chain */
  double *params;    /* NUTS: sampler_params rows of this chain (5 cols) */
  double *inv_metric; /* NUTS: dim values */
  double step_size, accept_mean;
  double n_div, treedepth_max, n_leapfrog;
  int status;
  char msg[320];
} cz_chain_job;

/* Run NUTS for job->chain; sets job->status and job->msg on failure (does
 * not touch the thread's last-error buffer). */
void cz_nuts_chain(cz_chain_job *job);

#endif /* CZ_INTERNAL_SAMPLER_H */
