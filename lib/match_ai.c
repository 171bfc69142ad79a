/* Abadie–Imbens matching estimator (R Matching::Match conventions).
 * docs/methods/matching.md. */
#include "internal/match.h"

int causal_match_ai(causal_result **out, const causal_match *m,
                    const causal_dataset *ds) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(ds);
  return cz_fail(CAUSAL_EINVAL, "causal_match_ai: not implemented yet");
}
