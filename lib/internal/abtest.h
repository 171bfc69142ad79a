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

#endif /* CZ_INTERNAL_ABTEST_H */
