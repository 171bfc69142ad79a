/* libcausal — deterministic traffic assignment (hash bucketing, layers,
 * domains, holdouts, ramp-up, overrides).
 *
 * Hash specification, version 1 (docs/methods/assign.md has it byte by byte
 * with test vectors in tests/data/assign_vectors.txt):
 *
 *   key   = (k0, k1) with k0 = SipHash-2-4_K(0x00 || salt),
 *                          k1 = SipHash-2-4_K(0x01 || salt),
 *           K = the 16 ASCII bytes "causal-assign-v1"
 *   hash  = SipHash-2-4_(k0,k1)(id)          id and salt as raw (UTF-8) bytes
 *   bucket = floor(hash * B / 2^64)          multiply-high, 1 <= B <= 2^32
 *
 * so every platform and language gets the same bucket for the same id. The
 * salt names a layer: different salts give independent buckets.
 *
 * Configuration (after Tang et al. 2010, "Overlapping experiment
 * infrastructure"): a config with its own salt and B top buckets
 * partitions traffic into an optional holdout range and mutually exclusive
 * domains (top-bucket ranges). Each domain holds layers; each layer has its
 * own salt and bucket count, so assignments in different layers are
 * independent (orthogonal, overlapping experiments). Experiments in a layer
 * own disjoint layer-bucket ranges (mutually exclusive); variants split an
 * experiment's range by weights. The exposure fraction ramps an experiment
 * up: each variant owns a fixed sub-range and only its first
 * floor(size * exposure) buckets are live, so raising the exposure only adds
 * buckets and never moves a unit from one variant to another. Forced
 * overrides pin listed ids to a variant (they win over holdout, domains and
 * exposure).
 *
 * Build the config with the add/set functions, then causal_assign_finalize()
 * validates it and freezes it. A finalized config is read-only: queries do
 * not allocate and may run concurrently from any number of threads.
 *
 * Query results: a variant index >= 0, or one of the negative
 * CAUSAL_ASSIGN_* codes below saying why the unit has no variant.
 */
#ifndef CAUSAL_ASSIGN_H
#define CAUSAL_ASSIGN_H

#include "causal/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the hash specification implemented (pinned per version). */
#define CAUSAL_ASSIGN_SPEC_VERSION 1
/* Largest bucket count. */
#define CAUSAL_ASSIGN_MAX_BUCKETS 4294967296ULL

/* Reasons for "no variant" (pinned). Every value is negative. */
enum {
  CAUSAL_ASSIGN_HOLDOUT = -1,          /* top bucket in the holdout range */
  CAUSAL_ASSIGN_OUTSIDE_DOMAIN = -2,   /* top bucket not in the layer's domain */
  CAUSAL_ASSIGN_UNALLOCATED = -3,      /* layer bucket owned by no experiment */
  CAUSAL_ASSIGN_NOT_EXPOSED = -4,      /* experiment bucket not ramped up yet */
  CAUSAL_ASSIGN_OTHER_EXPERIMENT = -5  /* (per-experiment query) the unit is in
                                          another experiment of the layer */
};

/* ---- the hash (spec version 1) ------------------------------------------
 * salt: NUL-terminated bytes (may be ""); id: id_len >= 1 bytes (may hold
 * NUL bytes). */
CAUSAL_API int causal_assign_hash(const char *salt, const char *id,
                                  size_t id_len, uint64_t *out);
/* bucket = floor(hash * buckets / 2^64), 1 <= buckets <= 2^32. */
CAUSAL_API int causal_assign_bucket(const char *salt, uint64_t buckets,
                                    const char *id, size_t id_len,
                                    uint64_t *out);
/* Buckets of n ids packed in one byte buffer: id i is
 * data[offsets[i] .. offsets[i+1]) (offsets has n+1 non-decreasing entries,
 * offsets[0] >= 0). Empty ids are an error naming the row. n may be 0. */
CAUSAL_API int causal_assign_buckets(const char *salt, uint64_t buckets,
                                     const char *data, const int64_t *offsets,
                                     size_t n, uint64_t *out);
/* SipHash-2-4 with the raw 128-bit key (k0, k1) (key bytes 0..7 and 8..15
 * read little-endian), for checks against the primitive's published test
 * vectors. */
CAUSAL_API int causal_assign_siphash24(uint64_t k0, uint64_t k1,
                                       const void *data, size_t len,
                                       uint64_t *out);

/* ---- configuration ------------------------------------------------------ */
typedef struct causal_assign_config causal_assign_config;

/* salt: non-empty config salt for the top (holdout/domain) hash;
 * buckets: top bucket count, 1 <= buckets <= 2^32. */
CAUSAL_API int causal_assign_config_new(causal_assign_config **out,
                                        const char *salt, uint64_t buckets);
CAUSAL_API void causal_assign_config_free(causal_assign_config *cfg);

/* Holdout: top buckets [lo, hi) get no experiment in any layer. At most one;
 * must not overlap a domain. */
CAUSAL_API int causal_assign_set_holdout(causal_assign_config *cfg,
                                         uint64_t lo, uint64_t hi);
/* Domain owning top buckets [lo, hi); domains never overlap. *id (may be
 * NULL) receives the domain index 0, 1, ... */
CAUSAL_API int causal_assign_add_domain(causal_assign_config *cfg, uint64_t lo,
                                        uint64_t hi, int64_t *id);
/* Layer in a domain, with its own non-empty salt (distinct from every other
 * layer's and from the config's) and bucket count. *id = layer index. */
CAUSAL_API int causal_assign_add_layer(causal_assign_config *cfg,
                                       int64_t domain, const char *salt,
                                       uint64_t buckets, int64_t *id);
/* Experiment owning layer buckets [lo, hi) of a layer (disjoint from the
 * layer's other experiments). *id = experiment index (global). The name
 * (non-empty, unique in the config) is copied. */
CAUSAL_API int causal_assign_add_experiment(causal_assign_config *cfg,
                                            int64_t layer, const char *name,
                                            uint64_t lo, uint64_t hi,
                                            int64_t *id);
/* Variant of an experiment with weight in (0, 1]; an experiment's weights
 * must sum to 1 (within 1e-9) at finalize. *id = variant index within the
 * experiment (0, 1, ... in order of addition). Names unique per experiment. */
CAUSAL_API int causal_assign_add_variant(causal_assign_config *cfg,
                                         int64_t experiment, const char *name,
                                         double weight, int64_t *id);
/* Fraction of each variant's buckets that is live, in [0, 1] (default 1). */
CAUSAL_API int causal_assign_set_exposure(causal_assign_config *cfg,
                                          int64_t experiment, double exposure);
/* Force id (id_len >= 1 bytes) into a variant of an experiment. An id may be
 * forced at most once per layer (CAUSAL_EEXISTS otherwise). */
CAUSAL_API int causal_assign_add_override(causal_assign_config *cfg,
                                          int64_t experiment, const char *id,
                                          size_t id_len, int64_t variant);
/* Validate (weights sum to 1, every experiment has a variant, overrides
 * name existing variants) and freeze the config; builds the lookup tables.
 * After it the add/set functions fail and queries are allowed. */
CAUSAL_API int causal_assign_finalize(causal_assign_config *cfg);

/* Counts and names (names are owned by the config). */
CAUSAL_API int causal_assign_count(const causal_assign_config *cfg,
                                   int64_t *domains, int64_t *layers,
                                   int64_t *experiments);
CAUSAL_API int causal_assign_experiment_info(const causal_assign_config *cfg,
                                             int64_t experiment,
                                             const char **name,
                                             int64_t *layer,
                                             int64_t *n_variants);
CAUSAL_API int causal_assign_variant_name(const causal_assign_config *cfg,
                                          int64_t experiment, int64_t variant,
                                          const char **name);

/* ---- queries (finalized config; no allocation) --------------------------
 * Unit in a layer: *experiment = experiment index or -1, *variant = variant
 * index within it, or a negative CAUSAL_ASSIGN_* reason (then *experiment
 * is -1, except for CAUSAL_ASSIGN_NOT_EXPOSED where it names the
 * experiment). experiment may be NULL. */
CAUSAL_API int causal_assign_unit(const causal_assign_config *cfg,
                                  const char *id, size_t id_len, int64_t layer,
                                  int64_t *experiment, int64_t *variant);
/* Unit in one experiment: *variant >= 0, or a negative reason (including
 * CAUSAL_ASSIGN_OTHER_EXPERIMENT). */
CAUSAL_API int causal_assign_variant(const causal_assign_config *cfg,
                                     const char *id, size_t id_len,
                                     int64_t experiment, int64_t *variant);
/* Batch over packed ids (see causal_assign_buckets): per id the layer
 * bucket (may be NULL), experiment (may be NULL) and variant or reason. */
CAUSAL_API int causal_assign_batch(const causal_assign_config *cfg,
                                   int64_t layer, const char *data,
                                   const int64_t *offsets, size_t n,
                                   uint64_t *buckets, int64_t *experiments,
                                   int64_t *variants);

#ifdef __cplusplus
}
#endif
#endif /* CAUSAL_ASSIGN_H */
