/* Internal matching state shared by lib/match.c and lib/match_ai.c. */
#ifndef CZ_INTERNAL_MATCH_H
#define CZ_INTERNAL_MATCH_H

#include "internal/core.h"

typedef struct {
  char **v;
  size_t n, cap;
} cz_strlist;

struct causal_match {
  cz_alloc alloc;
  char *treatment, *outcome, *score;
  cz_strlist covs, mah, exact;
  int64_t estimand, ratio, replace, order, distance, seed, std_caliper;
  int64_t ai_m, ai_bias, ai_weight, ai_on_score, ai_ps_adjust, ai_var_matches,
      compat;
  double caliper, conf_level;
};

/* Result of one greedy matching run. */
typedef struct {
  size_t n, n1, n0, nfocal, k;
  int replace;
  uint8_t *t;    /* treatment 0/1 per row */
  double *d;     /* score per row, NULL for pure Mahalanobis */
  int64_t *mm;   /* nfocal x k, row of each match or -1 */
  size_t *focal; /* rows of the focal units, row order */
  double *w;     /* MatchIt weights per row */
  size_t *sub;   /* subclass 1..nsub, 0 unmatched */
  size_t nsub, m_focal, m_other;
  double caliper; /* absolute */
} cz_match_state;

int cz_match_column(const causal_match *m, const causal_dataset *ds,
                    const char *name, const char *role, double **out);
int cz_match_treatment(const causal_match *m, const causal_dataset *ds,
                       uint8_t **out, size_t *n1, size_t *n0);
int cz_match_score(const causal_match *m, const causal_dataset *ds, int linear,
                   double **out);
int cz_match_mahal(const causal_match *m, const causal_dataset *ds,
                   const uint8_t *t, double **zout, size_t *pout);
int cz_match_run(const causal_match *m, const causal_dataset *ds,
                 cz_match_state *s);
int cz_match_weights(const causal_match *m, cz_match_state *s);
/* Abadie–Imbens (2016) variance of the estimate matched on the estimated
 * propensity score (lib/match_ps.c). t is the arm after the ATC flip, ps
 * the fitted score, est the (flipped) estimate, var_ai the AI (2006)
 * variance; *var gets the adjusted variance. */
int cz_match_ai2016(const causal_match *m, const causal_dataset *ds,
                    const uint8_t *t, const double *y, const double *ps,
                    int estimand, double est, double var_ai, size_t L,
                    double *var);
void cz_match_state_free(const causal_match *m, cz_match_state *s);

#endif
