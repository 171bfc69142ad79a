/* Deterministic traffic assignment: SipHash-2-4 bucketing (spec version 1)
 * and layered configurations. include/causal/assign.h is the contract;
 * docs/methods/assign.md gives the specification byte by byte. */
#include "internal/core.h"
#include "internal/rng.h" /* cz_mulhi64 */

#include "causal/assign.h"

#include <math.h>
#include <string.h>

static int ok(void) {
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- SipHash-2-4 (Aumasson & Bernstein 2012) ----------------------------
 * Written from the paper's description: four 64-bit words initialised from
 * the key and the ASCII constants "somepseudorandomlygeneratedbytes", two
 * SipRounds per 8-byte little-endian message word, a final word holding the
 * remaining bytes and (length mod 256) in its top byte, then v2 ^= 0xff and
 * four SipRounds. */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
  do {                                                                         \
    v0 += v1;                                                                  \
    v1 = ROTL(v1, 13);                                                         \
    v1 ^= v0;                                                                  \
    v0 = ROTL(v0, 32);                                                         \
    v2 += v3;                                                                  \
    v3 = ROTL(v3, 16);                                                         \
    v3 ^= v2;                                                                  \
    v0 += v3;                                                                  \
    v3 = ROTL(v3, 21);                                                         \
    v3 ^= v0;                                                                  \
    v2 += v1;                                                                  \
    v1 = ROTL(v1, 17);                                                         \
    v1 ^= v2;                                                                  \
    v2 = ROTL(v2, 32);                                                         \
  } while (0)

/* Little-endian load independent of the host byte order; compilers turn
 * it into a single load on little-endian machines. */
static inline uint64_t load_le64(const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
         (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t siphash24(uint64_t k0, uint64_t k1, const void *data,
                                 size_t len) {
  uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
  uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
  uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
  uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
  const unsigned char *p = data;
  const unsigned char *end = p + (len & ~(size_t)7);
  for (; p != end; p += 8) {
    uint64_t m = load_le64(p);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t b = (uint64_t)(len & 0xff) << 56;
  switch (len & 7) {
  case 7:
    b |= (uint64_t)p[6] << 48; /* fall through */
  case 6:
    b |= (uint64_t)p[5] << 40; /* fall through */
  case 5:
    b |= (uint64_t)p[4] << 32; /* fall through */
  case 4:
    b |= (uint64_t)p[3] << 24; /* fall through */
  case 3:
    b |= (uint64_t)p[2] << 16; /* fall through */
  case 2:
    b |= (uint64_t)p[1] << 8; /* fall through */
  case 1:
    b |= (uint64_t)p[0];
    break;
  default:
    break;
  }
  v3 ^= b;
  SIPROUND;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* Key derivation (spec v1): k_j = SipHash-2-4_K(j || salt), j = 0, 1, with
 * K = "causal-assign-v1". The message is hashed from a small stack buffer
 * in chunks so that no allocation is needed for long salts. */
static uint64_t siphash24_prefixed(uint64_t k0, uint64_t k1,
                                   unsigned char prefix, const char *s,
                                   size_t n) {
  unsigned char buf[256];
  if (n + 1 <= sizeof buf) {
    buf[0] = prefix;
    if (n > 0)
      memcpy(buf + 1, s, n);
    return siphash24(k0, k1, buf, n + 1);
  }
  /* Long salt: run the compression loop over the virtual message. */
  uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
  uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
  uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
  uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
  size_t len = n + 1, full = len & ~(size_t)7;
  unsigned char w[8];
  for (size_t off = 0; off < full; off += 8) {
    for (size_t i = 0; i < 8; i++)
      w[i] = off + i == 0 ? prefix : (unsigned char)s[off + i - 1];
    uint64_t m = load_le64(w);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t b = (uint64_t)(len & 0xff) << 56;
  for (size_t i = 0; i < (len & 7); i++)
    b |= (uint64_t)(unsigned char)s[full + i - 1] << (8 * i);
  v3 ^= b;
  SIPROUND;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* K = "causal-assign-v1" read as two little-endian words. */
#define SPEC_K0 UINT64_C(0x612d6c6173756163) /* "causal-a" */
#define SPEC_K1 UINT64_C(0x31762d6e67697373) /* "ssign-v1" */

static void derive_key(const char *salt, uint64_t *k0, uint64_t *k1) {
  size_t n = strlen(salt);
  *k0 = siphash24_prefixed(SPEC_K0, SPEC_K1, 0, salt, n);
  *k1 = siphash24_prefixed(SPEC_K0, SPEC_K1, 1, salt, n);
}

/* bucket = floor(h * B / 2^64): the top bits of h pick the bucket, so every
 * bucket receives floor(2^64/B) or ceil(2^64/B) hash values (relative
 * imbalance < B / 2^64 <= 2^-32). */
static inline uint64_t to_bucket(uint64_t h, uint64_t buckets) {
  uint64_t lo;
  return cz_mulhi64(h, buckets, &lo);
}

static int check_buckets(const char *fn, const char *arg, uint64_t b) {
  if (b == 0 || b > CAUSAL_ASSIGN_MAX_BUCKETS)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: %s = %llu is outside [1, 2^32]", fn, arg,
                   (unsigned long long)b);
  return CAUSAL_OK;
}

static int check_id(const char *fn, const char *id, size_t len) {
  if (id == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'id' is NULL", fn);
  if (len == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: id is empty (id_len = 0)", fn);
  return CAUSAL_OK;
}

int causal_assign_siphash24(uint64_t k0, uint64_t k1, const void *data,
                            size_t len, uint64_t *out) {
  CZ_REQUIRE_NONNULL(out);
  if (data == NULL && len > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_assign_siphash24: argument 'data' is NULL");
  *out = siphash24(k0, k1, len ? data : "", len);
  return ok();
}

int causal_assign_hash(const char *salt, const char *id, size_t id_len,
                       uint64_t *out) {
  CZ_REQUIRE_NONNULL(salt);
  CZ_REQUIRE_NONNULL(out);
  CZ_CHECK(check_id(__func__, id, id_len));
  uint64_t k0, k1;
  derive_key(salt, &k0, &k1);
  *out = siphash24(k0, k1, id, id_len);
  return ok();
}

int causal_assign_bucket(const char *salt, uint64_t buckets, const char *id,
                         size_t id_len, uint64_t *out) {
  CZ_REQUIRE_NONNULL(salt);
  CZ_REQUIRE_NONNULL(out);
  CZ_CHECK(check_buckets(__func__, "buckets", buckets));
  CZ_CHECK(check_id(__func__, id, id_len));
  uint64_t k0, k1;
  derive_key(salt, &k0, &k1);
  *out = to_bucket(siphash24(k0, k1, id, id_len), buckets);
  return ok();
}

/* Row i of a packed id buffer, with the errors the header promises. */
static int packed_row(const char *fn, const char *data, const int64_t *off,
                      size_t i, const char **id, size_t *len) {
  int64_t a = off[i], b = off[i + 1];
  if (a < 0 || b < a)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: offsets[%zu..%zu] = %lld, %lld are negative or "
                   "decreasing",
                   fn, i, i + 1, (long long)a, (long long)b);
  if (b == a)
    return cz_fail(CAUSAL_EINVAL, "%s: id %zu is empty", fn, i);
  *id = data + a;
  *len = (size_t)(b - a);
  return CAUSAL_OK;
}

static int check_packed(const char *fn, const char *data, const int64_t *off,
                        size_t n) {
  if (n == 0)
    return CAUSAL_OK;
  if (data == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'data' is NULL", fn);
  if (off == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'offsets' is NULL", fn);
  return CAUSAL_OK;
}

int causal_assign_buckets(const char *salt, uint64_t buckets, const char *data,
                          const int64_t *offsets, size_t n, uint64_t *out) {
  CZ_REQUIRE_NONNULL(salt);
  CZ_CHECK(check_buckets(__func__, "buckets", buckets));
  CZ_CHECK(check_packed(__func__, data, offsets, n));
  if (n > 0 && out == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'out' is NULL", __func__);
  uint64_t k0, k1;
  derive_key(salt, &k0, &k1);
  for (size_t i = 0; i < n; i++) {
    const char *id;
    size_t len;
    CZ_CHECK(packed_row(__func__, data, offsets, i, &id, &len));
    out[i] = to_bucket(siphash24(k0, k1, id, len), buckets);
  }
  return ok();
}

/* ---- configuration ------------------------------------------------------ */

typedef struct {
  uint64_t lo; /* segment [lo, next segment's lo) of the layer buckets */
  int64_t experiment;
  int64_t variant; /* >= 0 or CAUSAL_ASSIGN_UNALLOCATED / _NOT_EXPOSED */
} seg;

typedef struct {
  char *id;
  size_t len;
  uint64_t hash; /* layer hash of id */
  int64_t experiment, variant;
} override;

typedef struct {
  uint64_t hash; /* layer hash of the id, so most probes stay in the table */
  int64_t index; /* into the override array, -1 for an empty slot */
} slot;

typedef struct {
  int64_t domain;
  char *salt;
  uint64_t k0, k1, buckets;
  int top_needed; /* must the top hash be computed for this layer? */
  seg *segs;
  size_t nsegs;
  slot *table; /* open addressing over the layer's overrides */
  size_t table_mask;
  size_t n_overrides;
} layer;

typedef struct {
  char *name;
  double weight;
} variant;

typedef struct {
  char *name;
  int64_t layer;
  uint64_t lo, hi;
  double exposure;
  variant *v;
  size_t nv, capv;
} experiment;

typedef struct {
  uint64_t lo, hi;
} range;

struct causal_assign_config {
  cz_alloc alloc;
  char *salt;
  uint64_t k0, k1, buckets;
  int has_holdout;
  range holdout;
  range *dom;
  size_t ndom, capdom;
  layer *lay;
  size_t nlay, caplay;
  experiment *exp;
  size_t nexp, capexp;
  override *ovr;
  size_t novr, capovr;
  int finalized;
};

/* Grow *p (cap elements of size sz) so that one more element fits. */
static int grow(const cz_alloc *a, void **p, size_t *cap, size_t n, size_t sz) {
  if (n < *cap)
    return CAUSAL_OK;
  size_t nc = *cap ? 2 * *cap : 4, oldb, newb;
  if (!cz_mul_size(nc, sz, &newb) || !cz_mul_size(*cap, sz, &oldb))
    return cz_fail(CAUSAL_ENOMEM, "configuration too large");
  void *q = cz_realloc(a, *p, oldb, newb);
  if (q == NULL)
    return CAUSAL_ENOMEM;
  *p = q;
  *cap = nc;
  return CAUSAL_OK;
}

int causal_assign_config_new(causal_assign_config **out, const char *salt,
                             uint64_t buckets) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(salt);
  if (salt[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: salt is empty", __func__);
  CZ_CHECK(check_buckets(__func__, "buckets", buckets));
  cz_alloc a = cz_alloc_current();
  causal_assign_config *c = cz_calloc(&a, 1, sizeof *c);
  if (c == NULL)
    return CAUSAL_ENOMEM;
  c->alloc = a;
  c->salt = cz_strdup(&a, salt);
  if (c->salt == NULL) {
    cz_free(&a, c);
    return CAUSAL_ENOMEM;
  }
  derive_key(salt, &c->k0, &c->k1);
  c->buckets = buckets;
  *out = c;
  return ok();
}

static void free_tables(causal_assign_config *c) {
  for (size_t i = 0; i < c->nlay; i++) {
    cz_free(&c->alloc, c->lay[i].segs);
    cz_free(&c->alloc, c->lay[i].table);
    c->lay[i].segs = NULL;
    c->lay[i].table = NULL;
    c->lay[i].nsegs = 0;
  }
}

void causal_assign_config_free(causal_assign_config *c) {
  if (c == NULL)
    return;
  const cz_alloc *a = &c->alloc;
  free_tables(c);
  for (size_t i = 0; i < c->nlay; i++)
    cz_free(a, c->lay[i].salt);
  for (size_t i = 0; i < c->nexp; i++) {
    for (size_t j = 0; j < c->exp[i].nv; j++)
      cz_free(a, c->exp[i].v[j].name);
    cz_free(a, c->exp[i].v);
    cz_free(a, c->exp[i].name);
  }
  for (size_t i = 0; i < c->novr; i++)
    cz_free(a, c->ovr[i].id);
  cz_free(a, c->dom);
  cz_free(a, c->lay);
  cz_free(a, c->exp);
  cz_free(a, c->ovr);
  cz_free(a, c->salt);
  cz_free(a, c);
}

static int check_mutable(const char *fn, const causal_assign_config *c) {
  if (c == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'cfg' is NULL", fn);
  if (c->finalized)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the configuration is finalized and cannot change", fn);
  return CAUSAL_OK;
}

static int check_range(const char *fn, uint64_t lo, uint64_t hi,
                       uint64_t buckets) {
  if (lo >= hi || hi > buckets)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: bucket range [%llu, %llu) is empty or exceeds the %llu "
                   "buckets",
                   fn, (unsigned long long)lo, (unsigned long long)hi,
                   (unsigned long long)buckets);
  return CAUSAL_OK;
}

static int overlaps(range a, uint64_t lo, uint64_t hi) {
  return lo < a.hi && a.lo < hi;
}

int causal_assign_set_holdout(causal_assign_config *c, uint64_t lo,
                              uint64_t hi) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_CHECK(check_range(__func__, lo, hi, c->buckets));
  for (size_t i = 0; i < c->ndom; i++)
    if (overlaps(c->dom[i], lo, hi))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: holdout [%llu, %llu) overlaps domain %zu [%llu, "
                     "%llu)",
                     __func__, (unsigned long long)lo, (unsigned long long)hi,
                     i, (unsigned long long)c->dom[i].lo,
                     (unsigned long long)c->dom[i].hi);
  c->has_holdout = 1;
  c->holdout.lo = lo;
  c->holdout.hi = hi;
  return ok();
}

int causal_assign_add_domain(causal_assign_config *c, uint64_t lo, uint64_t hi,
                             int64_t *id) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_CHECK(check_range(__func__, lo, hi, c->buckets));
  if (c->has_holdout && overlaps(c->holdout, lo, hi))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: domain [%llu, %llu) overlaps the holdout [%llu, %llu)",
                   __func__, (unsigned long long)lo, (unsigned long long)hi,
                   (unsigned long long)c->holdout.lo,
                   (unsigned long long)c->holdout.hi);
  for (size_t i = 0; i < c->ndom; i++)
    if (overlaps(c->dom[i], lo, hi))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: domain [%llu, %llu) overlaps domain %zu [%llu, %llu)",
                     __func__, (unsigned long long)lo, (unsigned long long)hi,
                     i, (unsigned long long)c->dom[i].lo,
                     (unsigned long long)c->dom[i].hi);
  CZ_CHECK(grow(&c->alloc, (void **)&c->dom, &c->capdom, c->ndom,
                sizeof *c->dom));
  c->dom[c->ndom].lo = lo;
  c->dom[c->ndom].hi = hi;
  if (id)
    *id = (int64_t)c->ndom;
  c->ndom++;
  return ok();
}

static int check_index(const char *fn, const char *what, int64_t i, size_t n) {
  if (i < 0 || (uint64_t)i >= n)
    return cz_fail(CAUSAL_ERANGE, "%s: %s %lld does not exist (%zu defined)",
                   fn, what, (long long)i, n);
  return CAUSAL_OK;
}

int causal_assign_add_layer(causal_assign_config *c, int64_t domain,
                            const char *salt, uint64_t buckets, int64_t *id) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_REQUIRE_NONNULL(salt);
  CZ_CHECK(check_index(__func__, "domain", domain, c->ndom));
  if (salt[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: salt is empty", __func__);
  CZ_CHECK(check_buckets(__func__, "buckets", buckets));
  /* Equal salts would make two layers' assignments identical. */
  if (strcmp(salt, c->salt) == 0)
    return cz_fail(CAUSAL_EEXISTS,
                   "%s: layer salt '%s' equals the configuration salt",
                   __func__, salt);
  for (size_t i = 0; i < c->nlay; i++)
    if (strcmp(salt, c->lay[i].salt) == 0)
      return cz_fail(CAUSAL_EEXISTS,
                     "%s: salt '%s' is already used by layer %zu", __func__,
                     salt, i);
  CZ_CHECK(grow(&c->alloc, (void **)&c->lay, &c->caplay, c->nlay,
                sizeof *c->lay));
  layer *L = &c->lay[c->nlay];
  memset(L, 0, sizeof *L);
  L->salt = cz_strdup(&c->alloc, salt);
  if (L->salt == NULL)
    return CAUSAL_ENOMEM;
  L->domain = domain;
  L->buckets = buckets;
  derive_key(salt, &L->k0, &L->k1);
  if (id)
    *id = (int64_t)c->nlay;
  c->nlay++;
  return ok();
}

int causal_assign_add_experiment(causal_assign_config *c, int64_t lay,
                                 const char *name, uint64_t lo, uint64_t hi,
                                 int64_t *id) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_REQUIRE_NONNULL(name);
  CZ_CHECK(check_index(__func__, "layer", lay, c->nlay));
  if (name[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: experiment name is empty", __func__);
  CZ_CHECK(check_range(__func__, lo, hi, c->lay[lay].buckets));
  for (size_t i = 0; i < c->nexp; i++) {
    const experiment *e = &c->exp[i];
    if (strcmp(e->name, name) == 0)
      return cz_fail(CAUSAL_EEXISTS, "%s: experiment '%s' already exists",
                     __func__, name);
    range r = {e->lo, e->hi};
    if (e->layer == lay && overlaps(r, lo, hi))
      return cz_fail(CAUSAL_EINVAL,
                     "%s: experiment '%s' [%llu, %llu) overlaps experiment "
                     "'%s' [%llu, %llu) in layer %lld",
                     __func__, name, (unsigned long long)lo,
                     (unsigned long long)hi, e->name,
                     (unsigned long long)e->lo, (unsigned long long)e->hi,
                     (long long)lay);
  }
  CZ_CHECK(grow(&c->alloc, (void **)&c->exp, &c->capexp, c->nexp,
                sizeof *c->exp));
  experiment *e = &c->exp[c->nexp];
  memset(e, 0, sizeof *e);
  e->name = cz_strdup(&c->alloc, name);
  if (e->name == NULL)
    return CAUSAL_ENOMEM;
  e->layer = lay;
  e->lo = lo;
  e->hi = hi;
  e->exposure = 1.0;
  if (id)
    *id = (int64_t)c->nexp;
  c->nexp++;
  return ok();
}

int causal_assign_add_variant(causal_assign_config *c, int64_t exp,
                              const char *name, double weight, int64_t *id) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_REQUIRE_NONNULL(name);
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  experiment *e = &c->exp[exp];
  if (name[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "%s: variant name is empty (experiment "
                                  "'%s')",
                   __func__, e->name);
  if (!(weight > 0.0 && weight <= 1.0))
    return cz_fail(isfinite(weight) ? CAUSAL_ERANGE : CAUSAL_ENONFINITE,
                   "%s: weight of variant '%s' of experiment '%s' is %g, not "
                   "in (0, 1]",
                   __func__, name, e->name, weight);
  for (size_t j = 0; j < e->nv; j++)
    if (strcmp(e->v[j].name, name) == 0)
      return cz_fail(CAUSAL_EEXISTS,
                     "%s: experiment '%s' already has a variant '%s'",
                     __func__, e->name, name);
  CZ_CHECK(grow(&c->alloc, (void **)&e->v, &e->capv, e->nv, sizeof *e->v));
  e->v[e->nv].name = cz_strdup(&c->alloc, name);
  if (e->v[e->nv].name == NULL)
    return CAUSAL_ENOMEM;
  e->v[e->nv].weight = weight;
  if (id)
    *id = (int64_t)e->nv;
  e->nv++;
  return ok();
}

int causal_assign_set_exposure(causal_assign_config *c, int64_t exp,
                               double exposure) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  if (!(exposure >= 0.0 && exposure <= 1.0))
    return cz_fail(isfinite(exposure) ? CAUSAL_ERANGE : CAUSAL_ENONFINITE,
                   "%s: exposure of experiment '%s' is %g, not in [0, 1]",
                   __func__, c->exp[exp].name, exposure);
  c->exp[exp].exposure = exposure;
  return ok();
}

int causal_assign_add_override(causal_assign_config *c, int64_t exp,
                               const char *id, size_t id_len, int64_t var) {
  CZ_CHECK(check_mutable(__func__, c));
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  CZ_CHECK(check_id(__func__, id, id_len));
  if (var < 0)
    return cz_fail(CAUSAL_ERANGE, "%s: variant %lld of experiment '%s' is "
                                  "negative",
                   __func__, (long long)var, c->exp[exp].name);
  const layer *L = &c->lay[c->exp[exp].layer];
  uint64_t h = siphash24(L->k0, L->k1, id, id_len);
  for (size_t i = 0; i < c->novr; i++) {
    const override *o = &c->ovr[i];
    if (o->hash == h && o->len == id_len && memcmp(o->id, id, id_len) == 0 &&
        c->exp[o->experiment].layer == c->exp[exp].layer)
      return cz_fail(CAUSAL_EEXISTS,
                     "%s: id '%.*s' is already forced into experiment '%s' of "
                     "the same layer",
                     __func__, (int)(id_len > 64 ? 64 : id_len), id,
                     c->exp[o->experiment].name);
  }
  CZ_CHECK(grow(&c->alloc, (void **)&c->ovr, &c->capovr, c->novr,
                sizeof *c->ovr));
  override *o = &c->ovr[c->novr];
  o->id = cz_malloc(&c->alloc, id_len);
  if (o->id == NULL)
    return CAUSAL_ENOMEM;
  memcpy(o->id, id, id_len);
  o->len = id_len;
  o->hash = h;
  o->experiment = exp;
  o->variant = var;
  c->novr++;
  return ok();
}

/* ---- finalize: validation and lookup tables ----------------------------- */

/* Weights and exposure become integers once, by exact scaling with 2^24
 * and rounding half up, so the bucket boundaries below are computed with
 * integer arithmetic only (identical on every platform). */
#define FIX_ONE (UINT64_C(1) << 24)
static uint64_t fix24(double x) { return (uint64_t)floor(x * 0x1p24 + 0.5); }

static int check_experiment(const causal_assign_config *c, size_t i) {
  const experiment *e = &c->exp[i];
  if (e->nv == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_assign_finalize: experiment '%s' "
                                  "has no variants",
                   e->name);
  double s = 0;
  for (size_t j = 0; j < e->nv; j++) {
    s += e->v[j].weight;
    if (fix24(e->v[j].weight) == 0)
      return cz_fail(CAUSAL_ERANGE,
                     "causal_assign_finalize: weight %g of variant '%s' of "
                     "experiment '%s' is below 2^-24",
                     e->v[j].weight, e->v[j].name, e->name);
  }
  if (fabs(s - 1.0) > 1e-9)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_assign_finalize: variant weights of experiment "
                   "'%s' sum to %.17g, not 1",
                   e->name, s);
  return CAUSAL_OK;
}

/* Boundaries a_0 = 0 <= a_1 <= ... <= a_nv = R of the variants in an
 * experiment of R buckets: a_k = round(R * C_k / Q) with C_k the cumulative
 * fixed-point weights and Q their total (half up, integer arithmetic). */
static uint64_t boundary(uint64_t R, uint64_t Ck, uint64_t Q) {
  return (2 * R * Ck + Q) / (2 * Q);
}

static int cmp_exp_lo(const causal_assign_config *c, int64_t a, int64_t b) {
  return c->exp[a].lo < c->exp[b].lo;
}

static int build_layer(causal_assign_config *c, size_t li) {
  layer *L = &c->lay[li];
  const range d = c->dom[L->domain];
  L->top_needed = c->has_holdout || d.lo != 0 || d.hi != c->buckets;
  /* Experiments of the layer sorted by lo (insertion sort: few of them). */
  size_t ne = 0, nseg = 1;
  for (size_t i = 0; i < c->nexp; i++)
    if ((size_t)c->exp[i].layer == li) {
      ne++;
      nseg += 2 * c->exp[i].nv + 1;
    }
  int64_t *order = cz_calloc(&c->alloc, ne ? ne : 1, sizeof *order);
  L->segs = cz_calloc(&c->alloc, nseg, sizeof *L->segs);
  if (order == NULL || L->segs == NULL) {
    cz_free(&c->alloc, order);
    return CAUSAL_ENOMEM;
  }
  size_t k = 0;
  for (size_t i = 0; i < c->nexp; i++)
    if ((size_t)c->exp[i].layer == li) {
      size_t j = k++;
      while (j > 0 && cmp_exp_lo(c, (int64_t)i, order[j - 1])) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = (int64_t)i;
    }
  size_t ns = 0;
  uint64_t pos = 0;
#define PUSH(lo_, e_, v_)                                                      \
  do {                                                                         \
    if (ns > 0 && L->segs[ns - 1].lo == (lo_))                                 \
      ns--; /* previous segment was empty */                                   \
    L->segs[ns].lo = (lo_);                                                    \
    L->segs[ns].experiment = (e_);                                             \
    L->segs[ns].variant = (v_);                                                \
    ns++;                                                                      \
  } while (0)
  for (size_t t = 0; t < ne; t++) {
    const experiment *e = &c->exp[order[t]];
    if (e->lo > pos)
      PUSH(pos, -1, CAUSAL_ASSIGN_UNALLOCATED);
    uint64_t R = e->hi - e->lo, Q = 0, C = 0, E = fix24(e->exposure);
    for (size_t j = 0; j < e->nv; j++)
      Q += fix24(e->v[j].weight);
    uint64_t a = 0;
    for (size_t j = 0; j < e->nv; j++) {
      C += fix24(e->v[j].weight);
      uint64_t b = boundary(R, C, Q);
      if (b == a) {
        cz_free(&c->alloc, order);
        return cz_fail(CAUSAL_EINVAL,
                       "causal_assign_finalize: variant '%s' of experiment "
                       "'%s' gets 0 of its %llu buckets; widen the range",
                       e->v[j].name, e->name, (unsigned long long)R);
      }
      uint64_t live = ((b - a) * E) >> 24; /* ramp-up: a prefix is live */
      PUSH(e->lo + a, order[t], (int64_t)j);
      if (live < b - a)
        PUSH(e->lo + a + live, order[t], CAUSAL_ASSIGN_NOT_EXPOSED);
      a = b;
    }
    pos = e->hi;
  }
  if (pos < L->buckets || ns == 0)
    PUSH(pos, -1, CAUSAL_ASSIGN_UNALLOCATED);
#undef PUSH
  L->nsegs = ns;
  cz_free(&c->alloc, order);
  return CAUSAL_OK;
}

static int build_overrides(causal_assign_config *c) {
  for (size_t i = 0; i < c->novr; i++) {
    const override *o = &c->ovr[i];
    const experiment *e = &c->exp[o->experiment];
    if ((uint64_t)o->variant >= e->nv)
      return cz_fail(CAUSAL_ERANGE,
                     "causal_assign_finalize: override of id '%.*s' names "
                     "variant %lld but experiment '%s' has %zu",
                     (int)(o->len > 64 ? 64 : o->len), o->id,
                     (long long)o->variant, e->name, e->nv);
    c->lay[e->layer].n_overrides++;
  }
  for (size_t li = 0; li < c->nlay; li++) {
    layer *L = &c->lay[li];
    if (L->n_overrides == 0)
      continue;
    size_t size = 8; /* load factor <= 1/4: short probe sequences */
    while (size < 4 * L->n_overrides)
      size *= 2;
    L->table = cz_calloc(&c->alloc, size, sizeof *L->table);
    if (L->table == NULL)
      return CAUSAL_ENOMEM;
    for (size_t s = 0; s < size; s++)
      L->table[s].index = -1;
    L->table_mask = size - 1;
  }
  for (size_t i = 0; i < c->novr; i++) {
    layer *L = &c->lay[c->exp[c->ovr[i].experiment].layer];
    size_t s = (size_t)c->ovr[i].hash & L->table_mask;
    while (L->table[s].index >= 0)
      s = (s + 1) & L->table_mask;
    L->table[s].hash = c->ovr[i].hash;
    L->table[s].index = (int64_t)i;
  }
  return CAUSAL_OK;
}

int causal_assign_finalize(causal_assign_config *c) {
  CZ_CHECK(check_mutable(__func__, c));
  for (size_t i = 0; i < c->nexp; i++)
    CZ_CHECK(check_experiment(c, i));
  for (size_t i = 0; i < c->nlay; i++)
    c->lay[i].n_overrides = 0;
  int rc = CAUSAL_OK;
  for (size_t i = 0; i < c->nlay && rc == CAUSAL_OK; i++)
    rc = build_layer(c, i);
  if (rc == CAUSAL_OK)
    rc = build_overrides(c);
  if (rc != CAUSAL_OK) {
    free_tables(c);
    return rc;
  }
  c->finalized = 1;
  return ok();
}

/* ---- queries ------------------------------------------------------------ */

int causal_assign_count(const causal_assign_config *c, int64_t *domains,
                        int64_t *layers, int64_t *experiments) {
  CZ_REQUIRE_NONNULL(c);
  if (domains)
    *domains = (int64_t)c->ndom;
  if (layers)
    *layers = (int64_t)c->nlay;
  if (experiments)
    *experiments = (int64_t)c->nexp;
  return ok();
}

int causal_assign_experiment_info(const causal_assign_config *c, int64_t exp,
                                  const char **name, int64_t *lay,
                                  int64_t *n_variants) {
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  if (name)
    *name = c->exp[exp].name;
  if (lay)
    *lay = c->exp[exp].layer;
  if (n_variants)
    *n_variants = (int64_t)c->exp[exp].nv;
  return ok();
}

int causal_assign_variant_name(const causal_assign_config *c, int64_t exp,
                               int64_t var, const char **name) {
  CZ_REQUIRE_NONNULL(c);
  CZ_REQUIRE_NONNULL(name);
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  CZ_CHECK(check_index(__func__, "variant", var, c->exp[exp].nv));
  *name = c->exp[exp].v[var].name;
  return ok();
}

/* The hot path: one or two SipHash calls, an override probe when the layer
 * has overrides, and a binary search over the layer's few segments. */
static inline void lookup(const causal_assign_config *c, const layer *L,
                          const char *id, size_t len, uint64_t *bucket,
                          int64_t *exp, int64_t *var) {
  uint64_t h = siphash24(L->k0, L->k1, id, len);
  *bucket = to_bucket(h, L->buckets);
  if (L->table != NULL) {
    size_t s = (size_t)h & L->table_mask;
    for (; L->table[s].index >= 0; s = (s + 1) & L->table_mask) {
      if (L->table[s].hash != h)
        continue;
      const override *o = &c->ovr[L->table[s].index];
      if (o->len == len && memcmp(o->id, id, len) == 0) {
        *exp = o->experiment;
        *var = o->variant;
        return;
      }
    }
  }
  if (L->top_needed) {
    uint64_t t = to_bucket(siphash24(c->k0, c->k1, id, len), c->buckets);
    if (c->has_holdout && t >= c->holdout.lo && t < c->holdout.hi) {
      *exp = -1;
      *var = CAUSAL_ASSIGN_HOLDOUT;
      return;
    }
    const range d = c->dom[L->domain];
    if (t < d.lo || t >= d.hi) {
      *exp = -1;
      *var = CAUSAL_ASSIGN_OUTSIDE_DOMAIN;
      return;
    }
  }
  /* Last segment with lo <= bucket (segs[0].lo == 0). */
  size_t lo = 0, n = L->nsegs;
  while (n > 1) {
    size_t half = n / 2;
    if (L->segs[lo + half].lo <= *bucket)
      lo += half;
    n -= half;
  }
  *exp = L->segs[lo].experiment;
  *var = L->segs[lo].variant;
}

static int check_query(const char *fn, const causal_assign_config *c,
                       int64_t lay) {
  if (c == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'cfg' is NULL", fn);
  if (!c->finalized)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the configuration is not finalized (call "
                   "causal_assign_finalize first)",
                   fn);
  return check_index(fn, "layer", lay, c->nlay);
}

int causal_assign_unit(const causal_assign_config *c, const char *id,
                       size_t id_len, int64_t lay, int64_t *exp,
                       int64_t *var) {
  CZ_CHECK(check_query(__func__, c, lay));
  CZ_REQUIRE_NONNULL(var);
  CZ_CHECK(check_id(__func__, id, id_len));
  uint64_t b;
  int64_t e;
  lookup(c, &c->lay[lay], id, id_len, &b, &e, var);
  if (exp)
    *exp = e;
  return ok();
}

int causal_assign_variant(const causal_assign_config *c, const char *id,
                          size_t id_len, int64_t exp, int64_t *var) {
  CZ_REQUIRE_NONNULL(c);
  CZ_CHECK(check_index(__func__, "experiment", exp, c->nexp));
  CZ_CHECK(check_query(__func__, c, c->exp[exp].layer));
  CZ_REQUIRE_NONNULL(var);
  CZ_CHECK(check_id(__func__, id, id_len));
  uint64_t b;
  int64_t e;
  lookup(c, &c->lay[c->exp[exp].layer], id, id_len, &b, &e, var);
  if (e >= 0 && e != exp)
    *var = CAUSAL_ASSIGN_OTHER_EXPERIMENT;
  return ok();
}

int causal_assign_batch(const causal_assign_config *c, int64_t lay,
                        const char *data, const int64_t *offsets, size_t n,
                        uint64_t *buckets, int64_t *exps, int64_t *vars) {
  CZ_CHECK(check_query(__func__, c, lay));
  CZ_CHECK(check_packed(__func__, data, offsets, n));
  if (n > 0 && vars == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'variants' is NULL",
                   __func__);
  const layer *L = &c->lay[lay];
  for (size_t i = 0; i < n; i++) {
    const char *id;
    size_t len;
    uint64_t b;
    int64_t e;
    CZ_CHECK(packed_row(__func__, data, offsets, i, &id, &len));
    lookup(c, L, id, len, &b, &e, &vars[i]);
    if (buckets)
      buckets[i] = b;
    if (exps)
      exps[i] = e;
  }
  return ok();
}
