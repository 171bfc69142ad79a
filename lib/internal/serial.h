/* Versioned, little-endian, self-checking serialization of mergeable states.
 *
 * Private to the library. Every mergeable state (moments, co-moments,
 * cross-products, per-arm sufficient statistics, ...) serializes through
 * this module so that all share one envelope and one set of guarantees:
 * byte-identical output on every host (values are written byte by byte,
 * doubles as their IEEE-754 binary64 bit patterns), and decoding that never
 * reads out of bounds, whatever the input.
 *
 * Envelope (all integers little-endian):
 *
 *   offset  size  field
 *   0       4     magic "CZST" (0x43 0x5A 0x53 0x54)
 *   4       2     u16 format version (CZ_SERIAL_VERSION)
 *   6       2     u16 kind (enum cz_serial_kind)
 *   8       8     u64 payload length L
 *   16      L     payload (kind-specific)
 *   16+L    8     u64 checksum: FNV-1a 64-bit over bytes [0, 16+L)
 *
 * FNV-1a 64: h = 0xcbf29ce484222325; for each byte b: h ^= b;
 * h *= 0x100000001b3 (mod 2^64). Each step is a bijection of h for a fixed
 * byte, so any change confined to one byte (in particular every single-bit
 * flip) always changes the checksum. It detects corruption, not tampering.
 *
 * Decoding (cz_serial_open) checks, in this order:
 *   1. total length >= 24 (header + checksum)        else CAUSAL_ECORRUPT
 *   2. magic                                         else CAUSAL_ECORRUPT
 *   3. version: 0 is CAUSAL_ECORRUPT; newer than this library's
 *      CAUSAL_EVERSION (checked before the checksum, because a future
 *      version may checksum differently)
 *   4. L == total - 24 exactly (no truncation, no trailing bytes)
 *                                                    else CAUSAL_ECORRUPT
 *   5. checksum                                      else CAUSAL_ECORRUPT
 *   6. kind == the expected kind; a well-formed buffer of another kind is
 *      CAUSAL_ETYPE naming both kinds (so a caller who passes a serialized
 *      state of the wrong type learns that, rather than "corrupt").
 * The kind-specific decoder then reads the payload with a bounds-checked
 * cz_reader and validates the values' invariants (CAUSAL_ECORRUPT).
 */
#ifndef CZ_INTERNAL_SERIAL_H
#define CZ_INTERNAL_SERIAL_H

#include "internal/core.h"

#include <stdbool.h>
#include <stdint.h>

#define CZ_SERIAL_VERSION 1
#define CZ_SERIAL_HEADER 16
#define CZ_SERIAL_TRAILER 8

/* Kind ids: pinned, never reused. Add new kinds at the end. */
enum cz_serial_kind {
  CZ_KIND_MOMENTS = 1, /* causal_moments (lib/moments.c) */
  CZ_KIND_REGRESS_ACC = 16, /* causal_regress_acc (lib/regress_stream.c) */
  CZ_KIND_ABSTATS = 17, /* causal_abstats (lib/abtest.c) */
  CZ_KIND_GS_MONITOR = 20, /* causal_gs (lib/sequential.c) */
  /* 2..15 reserved for further stats states (quantile sketches, ...);
   * 16.. for estimator sufficient statistics (per-arm A/B, X'X blocks). */
};

/* Name of a kind for messages ("moments"), "unknown" otherwise. */
const char *cz_serial_kind_name(unsigned kind);

uint64_t cz_fnv1a64(const uint8_t *p, size_t n);

/* ---- writer ------------------------------------------------------------
 * Appends to a growable buffer owned by the writer (allocated through its
 * cz_alloc). A failed allocation makes the writer sticky-failed: later puts
 * are no-ops, and cz_serial_seal reports CAUSAL_ENOMEM. */
typedef struct cz_writer {
  cz_alloc alloc;
  uint8_t *data;
  size_t len, cap;
  bool failed;
} cz_writer;

void cz_writer_init(cz_writer *w, const cz_alloc *a);
void cz_writer_free(cz_writer *w);
/* Reserve room for `n` more bytes up front (optional; avoids regrowth). */
void cz_writer_reserve(cz_writer *w, size_t n);
void cz_put_bytes(cz_writer *w, const void *p, size_t n);
void cz_put_u8(cz_writer *w, uint8_t v);
void cz_put_u16(cz_writer *w, uint16_t v);
void cz_put_u32(cz_writer *w, uint32_t v);
void cz_put_u64(cz_writer *w, uint64_t v);
void cz_put_i64(cz_writer *w, int64_t v);
void cz_put_f64(cz_writer *w, double v); /* IEEE bits, NaN payload kept */

/* Wrap the writer's bytes as the payload of an envelope of `kind` into a
 * new caller buffer (cz_user_malloc, freed with causal_free). On failure
 * *out = NULL, *out_len = 0. The writer is not freed. */
int cz_serial_seal(const char *who, unsigned kind, const cz_writer *payload,
                   uint8_t **out, size_t *out_len);

/* ---- reader ------------------------------------------------------------
 * Every get checks the remaining length; a read past the end returns 0 and
 * makes the reader sticky-failed, so a decoder reads all its fields and
 * checks once (cz_reader_finish). */
typedef struct cz_reader {
  const uint8_t *p;
  size_t len, pos;
  bool failed;
} cz_reader;

void cz_reader_init(cz_reader *r, const uint8_t *p, size_t len);
size_t cz_reader_remaining(const cz_reader *r);
bool cz_get_bytes(cz_reader *r, void *dst, size_t n);
uint8_t cz_get_u8(cz_reader *r);
uint16_t cz_get_u16(cz_reader *r);
uint32_t cz_get_u32(cz_reader *r);
uint64_t cz_get_u64(cz_reader *r);
int64_t cz_get_i64(cz_reader *r);
double cz_get_f64(cz_reader *r);
/* CAUSAL_ECORRUPT "who: payload truncated" if a read failed, "who: N
 * trailing payload bytes" if bytes remain, else CAUSAL_OK. */
int cz_reader_finish(const char *who, const cz_reader *r);

/* Validate an envelope (see the order above) and set *payload to a reader
 * over its payload. *version receives the buffer's format version. */
int cz_serial_open(const char *who, const uint8_t *buf, size_t len,
                   unsigned kind, unsigned *version, cz_reader *payload);

/* Invariants of a decoded p x p co-moment matrix C (column-major, upper
 * triangle read): finite entries, non-negative diagonal, all zero when the
 * state is empty. Returns NULL when they hold, else the violated rule as
 * static text for the caller's CAUSAL_ECORRUPT message. Shared by every
 * state built on co-moments (moments, abstats). */
const char *cz_serial_comoment_invalid(const double *C, size_t p, int empty);

#endif /* CZ_INTERNAL_SERIAL_H */
