/* Sorting shared by the estimators: a stable LSD radix sort of
 * (key, index) pairs on the order-preserving integer image of doubles.
 * Matching sorts scores with it; balance sorts covariates for the eCDF
 * statistics. */
#include "internal/sort.h"

#include <string.h>

/* Sorts idx[0..n) by key[] (n pairs); tmp workspace of the same sizes. */
int cz_radix_sort(const cz_alloc *a, uint64_t *key, size_t *idx, size_t n) {
  if (n < 2)
    return CAUSAL_OK;
  uint64_t *k2 = cz_malloc(a, n * sizeof *k2);
  size_t *i2 = cz_malloc(a, n * sizeof *i2);
  size_t *cnt = cz_calloc(a, 65536, sizeof *cnt);
  if (k2 == NULL || i2 == NULL || cnt == NULL) {
    cz_free(a, k2);
    cz_free(a, i2);
    cz_free(a, cnt);
    return CAUSAL_ENOMEM;
  }
  uint64_t *ks = key, *kd = k2;
  size_t *is = idx, *id = i2;
  for (int pass = 0; pass < 4; pass++) {
    int sh = 16 * pass;
    memset(cnt, 0, 65536 * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
      cnt[(ks[i] >> sh) & 0xffff]++;
    if (cnt[(ks[0] >> sh) & 0xffff] == n)
      continue; /* all equal in this digit: nothing moves */
    size_t s = 0;
    for (size_t b = 0; b < 65536; b++) {
      size_t c = cnt[b];
      cnt[b] = s;
      s += c;
    }
    for (size_t i = 0; i < n; i++) {
      size_t p = cnt[(ks[i] >> sh) & 0xffff]++;
      kd[p] = ks[i];
      id[p] = is[i];
    }
    uint64_t *kt = ks;
    ks = kd;
    kd = kt;
    size_t *it = is;
    is = id;
    id = it;
  }
  if (ks != key) {
    memcpy(key, ks, n * sizeof *key);
    memcpy(idx, is, n * sizeof *idx);
  }
  cz_free(a, k2);
  cz_free(a, i2);
  cz_free(a, cnt);
  return CAUSAL_OK;
}
