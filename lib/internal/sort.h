/* Internal sorting helpers (lib/sort.c). */
#ifndef CZ_SORT_H
#define CZ_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal/core.h"

/* Order-preserving unsigned image of a double (-0 and +0 equal; NaN must
 * not be passed). */
static inline uint64_t cz_sort_key_f64(double d) {
  d += 0.0; /* -0 -> +0 */
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}

/* Sorts the n pairs (key[i], idx[i]) by key, stably (equal keys keep their
 * input order); both arrays are permuted in place. CAUSAL_ENOMEM if the
 * workspace cannot be allocated through a. */
int cz_radix_sort(const cz_alloc *a, uint64_t *key, size_t *idx, size_t n);

#endif
