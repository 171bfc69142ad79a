/* Versioned little-endian serialization envelope (see serial.h). Values are
 * composed and decomposed byte by byte, so the format does not depend on
 * the host's endianness or alignment rules. */
#include "internal/serial.h"

#include <math.h>
#include <string.h>

static const uint8_t cz_magic[4] = {'C', 'Z', 'S', 'T'};

const char *cz_serial_kind_name(unsigned kind) {
  switch (kind) {
  case CZ_KIND_MOMENTS: return "moments";
  case CZ_KIND_REGRESS_ACC: return "regression accumulator";
  case CZ_KIND_ABSTATS: return "abstats";
  case CZ_KIND_GS_MONITOR: return "gs monitor";
  default: return "unknown";
  }
}

uint64_t cz_fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* ---- writer ---------------------------------------------------------------- */

void cz_writer_init(cz_writer *w, const cz_alloc *a) {
  w->alloc = *a;
  w->data = NULL;
  w->len = w->cap = 0;
  w->failed = false;
}

void cz_writer_free(cz_writer *w) {
  cz_free(&w->alloc, w->data);
  w->data = NULL;
  w->len = w->cap = 0;
}

static bool writer_room(cz_writer *w, size_t n) {
  if (w->failed)
    return false;
  size_t need;
  if (!cz_add_size(w->len, n, &need)) {
    w->failed = true;
    return false;
  }
  if (need <= w->cap)
    return true;
  size_t cap = w->cap ? w->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *d = cz_realloc(&w->alloc, w->data, w->len, cap);
  if (d == NULL) {
    w->failed = true;
    return false;
  }
  w->data = d;
  w->cap = cap;
  return true;
}

void cz_writer_reserve(cz_writer *w, size_t n) { (void)writer_room(w, n); }

void cz_put_bytes(cz_writer *w, const void *p, size_t n) {
  if (n == 0 || !writer_room(w, n))
    return;
  memcpy(w->data + w->len, p, n);
  w->len += n;
}

static void put_le(cz_writer *w, uint64_t v, unsigned nbytes) {
  if (!writer_room(w, nbytes))
    return;
  for (unsigned i = 0; i < nbytes; i++)
    w->data[w->len + i] = (uint8_t)(v >> (8 * i));
  w->len += nbytes;
}

void cz_put_u8(cz_writer *w, uint8_t v) { put_le(w, v, 1); }
void cz_put_u16(cz_writer *w, uint16_t v) { put_le(w, v, 2); }
void cz_put_u32(cz_writer *w, uint32_t v) { put_le(w, v, 4); }
void cz_put_u64(cz_writer *w, uint64_t v) { put_le(w, v, 8); }
void cz_put_i64(cz_writer *w, int64_t v) { put_le(w, (uint64_t)v, 8); }

void cz_put_f64(cz_writer *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits); /* binary64 assumed (C11 Annex F) */
  put_le(w, bits, 8);
}

static void store_le(uint8_t *dst, uint64_t v, unsigned nbytes) {
  for (unsigned i = 0; i < nbytes; i++)
    dst[i] = (uint8_t)(v >> (8 * i));
}

int cz_serial_seal(const char *who, unsigned kind, const cz_writer *payload,
                   uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (payload->failed)
    return cz_fail(CAUSAL_ENOMEM, "%s: out of memory serializing", who);
  size_t total;
  if (!cz_add_size(payload->len, CZ_SERIAL_HEADER + CZ_SERIAL_TRAILER, &total))
    return cz_fail(CAUSAL_ENOMEM, "%s: serialized size overflows", who);
  uint8_t *b = cz_user_malloc(total);
  if (b == NULL)
    return CAUSAL_ENOMEM;
  memcpy(b, cz_magic, 4);
  store_le(b + 4, CZ_SERIAL_VERSION, 2);
  store_le(b + 6, kind, 2);
  store_le(b + 8, (uint64_t)payload->len, 8);
  if (payload->len > 0)
    memcpy(b + CZ_SERIAL_HEADER, payload->data, payload->len);
  size_t body = CZ_SERIAL_HEADER + payload->len;
  store_le(b + body, cz_fnv1a64(b, body), 8);
  *out = b;
  *out_len = total;
  return CAUSAL_OK;
}

/* ---- reader ---------------------------------------------------------------- */

void cz_reader_init(cz_reader *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = p ? len : 0;
  r->pos = 0;
  r->failed = false;
}

size_t cz_reader_remaining(const cz_reader *r) { return r->len - r->pos; }

static const uint8_t *reader_take(cz_reader *r, size_t n) {
  if (r->failed || n > r->len - r->pos) {
    r->failed = true;
    return NULL;
  }
  const uint8_t *q = r->p + r->pos;
  r->pos += n;
  return q;
}

bool cz_get_bytes(cz_reader *r, void *dst, size_t n) {
  const uint8_t *q = reader_take(r, n);
  if (q == NULL)
    return false;
  if (n > 0)
    memcpy(dst, q, n);
  return true;
}

static uint64_t load_le(const uint8_t *q, unsigned nbytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < nbytes; i++)
    v |= (uint64_t)q[i] << (8 * i);
  return v;
}

static uint64_t get_le(cz_reader *r, unsigned nbytes) {
  const uint8_t *q = reader_take(r, nbytes);
  return q ? load_le(q, nbytes) : 0;
}

uint8_t cz_get_u8(cz_reader *r) { return (uint8_t)get_le(r, 1); }
uint16_t cz_get_u16(cz_reader *r) { return (uint16_t)get_le(r, 2); }
uint32_t cz_get_u32(cz_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t cz_get_u64(cz_reader *r) { return get_le(r, 8); }

int64_t cz_get_i64(cz_reader *r) {
  uint64_t u = get_le(r, 8);
  int64_t v;
  memcpy(&v, &u, sizeof v); /* two's complement, no implementation-defined cast */
  return v;
}

double cz_get_f64(cz_reader *r) {
  uint64_t u = get_le(r, 8);
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

int cz_reader_finish(const char *who, const cz_reader *r) {
  if (r->failed)
    return cz_fail(CAUSAL_ECORRUPT, "%s: payload truncated", who);
  if (r->pos != r->len)
    return cz_fail(CAUSAL_ECORRUPT, "%s: %zu trailing payload bytes", who,
                   r->len - r->pos);
  return CAUSAL_OK;
}

int cz_serial_open(const char *who, const uint8_t *buf, size_t len,
                   unsigned kind, unsigned *version, cz_reader *payload) {
  cz_reader_init(payload, NULL, 0);
  if (buf == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: buffer is NULL", who);
  if (len < CZ_SERIAL_HEADER + CZ_SERIAL_TRAILER)
    return cz_fail(CAUSAL_ECORRUPT,
                   "%s: buffer of %zu bytes is shorter than the %d-byte "
                   "envelope",
                   who, len, CZ_SERIAL_HEADER + CZ_SERIAL_TRAILER);
  if (memcmp(buf, cz_magic, 4) != 0)
    return cz_fail(CAUSAL_ECORRUPT,
                   "%s: not a libcausal serialized state (bad magic)", who);
  unsigned v = (unsigned)load_le(buf + 4, 2);
  if (v == 0)
    return cz_fail(CAUSAL_ECORRUPT, "%s: format version 0 is invalid", who);
  if (v > CZ_SERIAL_VERSION)
    return cz_fail(CAUSAL_EVERSION,
                   "%s: format version %u is newer than this library's %d",
                   who, v, CZ_SERIAL_VERSION);
  uint64_t plen = load_le(buf + 8, 8);
  size_t expect = len - CZ_SERIAL_HEADER - CZ_SERIAL_TRAILER;
  if (plen != (uint64_t)expect)
    return cz_fail(CAUSAL_ECORRUPT,
                   "%s: payload length field %llu does not match the %zu "
                   "bytes present (truncated or padded buffer)",
                   who, (unsigned long long)plen, expect);
  uint64_t sum = load_le(buf + len - CZ_SERIAL_TRAILER, 8);
  if (sum != cz_fnv1a64(buf, len - CZ_SERIAL_TRAILER))
    return cz_fail(CAUSAL_ECORRUPT, "%s: checksum mismatch (corrupt buffer)",
                   who);
  unsigned k = (unsigned)load_le(buf + 6, 2);
  if (k != kind)
    return cz_fail(CAUSAL_ETYPE,
                   "%s: buffer holds a serialized '%s' state (kind %u), "
                   "expected '%s' (kind %u)",
                   who, cz_serial_kind_name(k), k, cz_serial_kind_name(kind),
                   kind);
  if (version != NULL)
    *version = v;
  cz_reader_init(payload, buf + CZ_SERIAL_HEADER, expect);
  return CAUSAL_OK;
}

const char *cz_serial_comoment_invalid(const double *C, size_t p, int empty) {
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j <= k; j++) {
      double c = C[j + k * p];
      if (!isfinite(c))
        return "non-finite co-moment";
      if (j == k && c < 0)
        return "negative co-moment diagonal";
      if (empty && c != 0)
        return "non-zero co-moment in an empty state";
    }
  return NULL;
}
