/* Abadie–Imbens (2016) adjustment of the matching variance for an
 * estimated propensity score. docs/methods/matching.md. */
#include "internal/match.h"

int cz_match_ai2016(const causal_match *m, const causal_dataset *ds,
                    const uint8_t *t, const double *y, const double *ps,
                    int estimand, double est, double var_ai, size_t L,
                    double *var) {
  (void)m; (void)ds; (void)t; (void)y; (void)ps; (void)estimand; (void)est;
  (void)L;
  *var = var_ai;
  return cz_fail(CAUSAL_EINVAL, "causal_match_ai: AI_PS_ADJUST not yet");
}
