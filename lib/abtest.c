/* A/B testing: per-arm sufficient statistics (causal_abstats).
 * The analysis built on them lives in lib/abtest_analysis.c. */
#include "internal/abtest.h"
#include "internal/serial.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ---- layout ------------------------------------------------------------- */

static size_t layout_p(int flags, size_t ncov) {
  size_t per = (flags & CAUSAL_ABSTATS_MISSING_INDICATOR) ? 2 : 1;
  return 1 + ((flags & CAUSAL_ABSTATS_RATIO) ? 1 : 0) + per * ncov;
}

static int check_layout(const char *who, int flags, size_t ncov) {
  if (flags & ~(CAUSAL_ABSTATS_RATIO | CAUSAL_ABSTATS_MISSING_INDICATOR))
    return cz_fail(CAUSAL_ERANGE, "%s: flags %d has unknown bits", who, flags);
  if ((flags & CAUSAL_ABSTATS_MISSING_INDICATOR) && ncov == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: CAUSAL_ABSTATS_MISSING_INDICATOR needs ncov > 0", who);
  /* p^2 doubles must be addressable; 4096 covariates is far beyond use */
  if (ncov > 4096)
    return cz_fail(CAUSAL_ERANGE, "%s: ncov = %zu exceeds 4096", who, ncov);
  return CAUSAL_OK;
}

/* ---- lifecycle ------------------------------------------------------------ */

static int abstats_alloc(causal_abstats **out, int flags, size_t ncov) {
  cz_alloc a = cz_alloc_current();
  causal_abstats *s = cz_calloc(&a, 1, sizeof *s);
  if (s == NULL)
    return CAUSAL_ENOMEM;
  s->alloc = a;
  s->flags = flags;
  s->ncov = ncov;
  s->p = layout_p(flags, ncov);
  size_t p = s->p;
  /* mean | C | work: v (p) | chunk mean (p) | chunk C (p*p) */
  s->store = cz_calloc(&a, 2 * p * p + 3 * p, sizeof(double));
  if (s->store == NULL) {
    cz_free(&a, s);
    return CAUSAL_ENOMEM;
  }
  s->mean = s->store;
  s->C = s->mean + p;
  s->binary = 1;
  *out = s;
  return CAUSAL_OK;
}

int causal_abstats_new(causal_abstats **out, int flags, size_t ncov) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_CHECK(check_layout("causal_abstats_new", flags, ncov));
  CZ_CHECK(abstats_alloc(out, flags, ncov));
  cz_clear_error();
  return CAUSAL_OK;
}

void causal_abstats_free(causal_abstats *s) {
  if (s == NULL)
    return;
  cz_alloc a = s->alloc;
  cz_free(&a, s->store);
  cz_free(&a, s);
}

int causal_abstats_clone(causal_abstats **out, const causal_abstats *s) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(s);
  causal_abstats *c;
  CZ_CHECK(abstats_alloc(&c, s->flags, s->ncov));
  c->n = s->n;
  c->binary = s->binary;
  memcpy(c->mean, s->mean, (s->p + s->p * s->p) * sizeof(double));
  *out = c;
  return CAUSAL_OK;
}

int causal_abstats_reset(causal_abstats *s) {
  CZ_REQUIRE_NONNULL(s);
  s->n = 0;
  s->binary = 1;
  memset(s->mean, 0, (s->p + s->p * s->p) * sizeof(double));
  return CAUSAL_OK;
}

size_t causal_abstats_nvars(const causal_abstats *s) {
  return s ? s->p : 0;
}
size_t causal_abstats_ncov(const causal_abstats *s) {
  return s ? s->ncov : 0;
}
int causal_abstats_flags(const causal_abstats *s) { return s ? s->flags : 0; }
int64_t causal_abstats_count(const causal_abstats *s) {
  return s ? s->n : 0;
}
int causal_abstats_is_binary(const causal_abstats *s) {
  return (s && s->n > 0 && s->binary) ? 1 : 0;
}

/* ---- combination ---------------------------------------------------------- */

/* (na, mean_a, C_a) += (nb, mean_b, C_b) by Chan et al.'s pairwise update:
 * C = C_a + C_b + na nb / (na + nb) delta delta', delta = mean_b - mean_a. */
void cz_abstats_combine(size_t p, int64_t *na, double *mean_a, double *C_a,
                        int64_t nb, const double *mean_b, const double *C_b) {
  if (nb == 0)
    return;
  if (*na == 0) {
    *na = nb;
    memcpy(mean_a, mean_b, p * sizeof(double));
    memcpy(C_a, C_b, p * p * sizeof(double));
    return;
  }
  double N = (double)*na + (double)nb;
  double f = (double)*na * (double)nb / N, g = (double)nb / N;
  for (size_t k = 0; k < p; k++) {
    double dk = mean_b[k] - mean_a[k];
    for (size_t j = 0; j < p; j++)
      C_a[j + k * p] += C_b[j + k * p] + f * (mean_b[j] - mean_a[j]) * dk;
  }
  for (size_t j = 0; j < p; j++)
    mean_a[j] += (mean_b[j] - mean_a[j]) * g;
  *na += nb;
}

/* Fill v[0..p) with unit i's variables. */
static void unit_values(const causal_abstats *s, const double *y,
                        const double *d, const double *x, size_t ldx, size_t i,
                        double *v) {
  size_t k = 0;
  v[k++] = y[i];
  if (s->flags & CAUSAL_ABSTATS_RATIO)
    v[k++] = d[i];
  int mi = (s->flags & CAUSAL_ABSTATS_MISSING_INDICATOR) != 0;
  for (size_t j = 0; j < s->ncov; j++) {
    double xv = x[i + j * ldx];
    if (mi) {
      int miss = isnan(xv);
      v[k + j] = miss ? 0.0 : xv;
      v[k + s->ncov + j] = miss ? 1.0 : 0.0;
    } else {
      v[k + j] = xv;
    }
  }
}

static const char *UPD = "causal_abstats_update";

static int check_chunk(const causal_abstats *s, const double *y,
                       const double *d, const double *x, size_t ldx,
                       size_t n) {
  int mi = (s->flags & CAUSAL_ABSTATS_MISSING_INDICATOR) != 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: y[%zu] is %g", UPD, i, y[i]);
    if (d != NULL && !isfinite(d[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: d[%zu] is %g", UPD, i, d[i]);
  }
  for (size_t j = 0; j < s->ncov; j++)
    for (size_t i = 0; i < n; i++) {
      double xv = x[i + j * ldx];
      if (isfinite(xv) || (mi && isnan(xv)))
        continue;
      return cz_fail(CAUSAL_ENONFINITE,
                     "%s: x[%zu, %zu] (unit %zu, covariate %zu) is %g%s", UPD,
                     i, j, i, j, xv,
                     mi ? " (only NaN marks a missing covariate)" : "");
    }
  return CAUSAL_OK;
}

int causal_abstats_update(causal_abstats *s, const double *y, const double *d,
                          const double *x, size_t ldx, size_t n) {
  CZ_REQUIRE_NONNULL(s);
  if (n == 0)
    return CAUSAL_OK;
  CZ_REQUIRE_NONNULL(y);
  int ratio = (s->flags & CAUSAL_ABSTATS_RATIO) != 0;
  if (ratio && d == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: d is NULL but the state is a ratio metric", UPD);
  if (!ratio && d != NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: d given but the state has no denominator "
                   "(create it with CAUSAL_ABSTATS_RATIO)",
                   UPD);
  if (s->ncov > 0 && x == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: x is NULL but ncov = %zu", UPD,
                   s->ncov);
  if (s->ncov == 0 && x != NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: x given but the state has ncov = 0",
                   UPD);
  if (s->ncov > 0 && ldx < n)
    return cz_fail(CAUSAL_EDIM, "%s: ldx = %zu is less than n = %zu", UPD, ldx,
                   n);
  if ((uint64_t)n > (uint64_t)(INT64_MAX - s->n))
    return cz_fail(CAUSAL_ERANGE, "%s: unit count overflows int64", UPD);
  CZ_CHECK(check_chunk(s, y, d, x, ldx, n));

  size_t p = s->p;
  double *v = s->C + p * p, *cm = v + p, *cC = cm + p;
  memset(cm, 0, (p + p * p) * sizeof(double));
  int binary = s->binary;
  for (size_t i = 0; i < n; i++) {
    unit_values(s, y, d, x, ldx, i, v);
    for (size_t j = 0; j < p; j++)
      cm[j] += v[j];
    if (y[i] != 0.0 && y[i] != 1.0)
      binary = 0;
  }
  for (size_t j = 0; j < p; j++)
    cm[j] /= (double)n;
  /* second pass: centred co-moments of the chunk (lower triangle) */
  for (size_t i = 0; i < n; i++) {
    unit_values(s, y, d, x, ldx, i, v);
    for (size_t j = 0; j < p; j++)
      v[j] -= cm[j];
    for (size_t k = 0; k < p; k++)
      for (size_t j = k; j < p; j++)
        cC[j + k * p] += v[j] * v[k];
  }
  for (size_t k = 0; k < p; k++)
    for (size_t j = k + 1; j < p; j++)
      cC[k + j * p] = cC[j + k * p];
  cz_abstats_combine(p, &s->n, s->mean, s->C, (int64_t)n, cm, cC);
  s->binary = binary;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_abstats_merge(causal_abstats *dst, const causal_abstats *src) {
  CZ_REQUIRE_NONNULL(dst);
  CZ_REQUIRE_NONNULL(src);
  if (dst->flags != src->flags || dst->ncov != src->ncov)
    return cz_fail(CAUSAL_EDIM,
                   "causal_abstats_merge: layouts differ (flags %d, ncov %zu "
                   "vs flags %d, ncov %zu)",
                   dst->flags, dst->ncov, src->flags, src->ncov);
  if (src->n > INT64_MAX - dst->n)
    return cz_fail(CAUSAL_ERANGE,
                   "causal_abstats_merge: unit count overflows int64");
  if (dst == src) {
    /* self-merge: doubling (mean unchanged, C doubled) */
    for (size_t j = 0; j < dst->p * dst->p; j++)
      dst->C[j] *= 2;
    dst->n *= 2;
    return CAUSAL_OK;
  }
  cz_abstats_combine(dst->p, &dst->n, dst->mean, dst->C, src->n, src->mean,
                     src->C);
  if (src->n > 0)
    dst->binary = dst->binary && src->binary;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- from aggregates ------------------------------------------------------ */

static const char *AGG = "causal_abstats_from_aggregates";

/* Relative tolerance for "sum of squares >= sum^2 / n": warehouse sums are
 * themselves rounded, so an exact test would reject valid constant data. */
#define CZ_AGG_RTOL 1e-9

int causal_abstats_from_aggregates(causal_abstats **out, int flags,
                                   size_t ncov, int64_t n, const double *sums,
                                   const double *crossprod) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(sums);
  CZ_REQUIRE_NONNULL(crossprod);
  CZ_CHECK(check_layout(AGG, flags, ncov));
  if (n < 0)
    return cz_fail(CAUSAL_ERANGE, "%s: n = %lld is negative", AGG,
                   (long long)n);
  size_t p = layout_p(flags, ncov);
  for (size_t j = 0; j < p; j++)
    if (!isfinite(sums[j]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: sums[%zu] is %g", AGG, j,
                     sums[j]);
  for (size_t j = 0; j < p * p; j++)
    if (!isfinite(crossprod[j]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: crossprod[%zu, %zu] is %g", AGG,
                     j % p, j / p, crossprod[j]);
  for (size_t k = 0; k < p; k++)
    for (size_t j = k + 1; j < p; j++) {
      double a = crossprod[j + k * p], b = crossprod[k + j * p];
      if (fabs(a - b) > 1e-12 * fmax(fabs(a), fabs(b)))
        return cz_fail(CAUSAL_EINVAL,
                       "%s: crossprod is not symmetric: [%zu, %zu] = %g but "
                       "[%zu, %zu] = %g",
                       AGG, j, k, a, k, j, b);
    }
  if (n == 0) {
    for (size_t j = 0; j < p; j++)
      if (sums[j] != 0 || crossprod[j + j * p] != 0)
        return cz_fail(CAUSAL_EINVAL,
                       "%s: n = 0 but sums[%zu] or crossprod[%zu, %zu] is "
                       "non-zero",
                       AGG, j, j, j);
    return causal_abstats_new(out, flags, ncov);
  }
  double dn = (double)n;
  for (size_t j = 0; j < p; j++) {
    double ss = crossprod[j + j * p], c = ss - sums[j] * sums[j] / dn;
    if (ss < 0 || c < -CZ_AGG_RTOL * ss)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: variable %zu has sum of squares %.17g below "
                     "sum^2 / n = %.17g (a negative variance)",
                     AGG, j, ss, sums[j] * sums[j] / dn);
  }
  causal_abstats *s;
  CZ_CHECK(abstats_alloc(&s, flags, ncov));
  s->n = n;
  for (size_t j = 0; j < p; j++)
    s->mean[j] = sums[j] / dn;
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j < p; j++) {
      double c = crossprod[j + k * p] - sums[j] * sums[k] / dn;
      if (j == k && c < 0)
        c = 0; /* rounding of constant data */
      s->C[j + k * p] = c;
    }
  for (size_t k = 0; k < p; k++) /* exact symmetry */
    for (size_t j = k + 1; j < p; j++)
      s->C[k + j * p] = s->C[j + k * p];
  double sy = sums[0], ssy = crossprod[0];
  s->binary = sy >= 0 && sy <= dn && fabs(ssy - sy) <= 1e-9 * fmax(1.0, sy);
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_abstats_from_sums(causal_abstats **out, int64_t n, double sum,
                             double sumsq) {
  return causal_abstats_from_aggregates(out, 0, 0, n, &sum, &sumsq);
}

int causal_abstats_from_counts(causal_abstats **out, int64_t successes,
                               int64_t trials) {
  static const char *who = "causal_abstats_from_counts";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (trials < 0)
    return cz_fail(CAUSAL_ERANGE, "%s: trials = %lld is negative", who,
                   (long long)trials);
  if (successes < 0)
    return cz_fail(CAUSAL_ERANGE, "%s: successes = %lld is negative", who,
                   (long long)successes);
  if (successes > trials)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: successes = %lld exceeds trials = %lld", who,
                   (long long)successes, (long long)trials);
  causal_abstats *s;
  CZ_CHECK(abstats_alloc(&s, 0, 0));
  s->n = trials;
  if (trials > 0) {
    double pr = (double)successes / (double)trials;
    s->mean[0] = pr;
    /* sum (y - p)^2 = x (1 - p) for 0/1 data */
    s->C[0] = (double)successes * (1.0 - pr);
  }
  s->binary = 1;
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- queries -------------------------------------------------------------- */

static const char *GET = "causal_abstats_get";

int causal_abstats_get(const causal_abstats *s, int what, double *out,
                       size_t len) {
  CZ_REQUIRE_NONNULL(s);
  CZ_REQUIRE_NONNULL(out);
  size_t p = s->p, need;
  switch (what) {
  case CAUSAL_ABSTATS_N: need = 1; break;
  case CAUSAL_ABSTATS_SUM:
  case CAUSAL_ABSTATS_MEAN:
  case CAUSAL_ABSTATS_VAR:
  case CAUSAL_ABSTATS_SUMSQ: need = p; break;
  case CAUSAL_ABSTATS_COMOMENT:
  case CAUSAL_ABSTATS_COV:
  case CAUSAL_ABSTATS_CROSSPROD: need = p * p; break;
  default:
    return cz_fail(CAUSAL_ERANGE, "%s: unknown quantity %d", GET, what);
  }
  if (len != need)
    return cz_fail(CAUSAL_EDIM, "%s: quantity %d has length %zu, not %zu",
                   GET, what, need, len);
  double dn = (double)s->n;
  if (what == CAUSAL_ABSTATS_N) {
    out[0] = dn;
    return CAUSAL_OK;
  }
  if (s->n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the state is empty (n = 0)", GET);
  if ((what == CAUSAL_ABSTATS_VAR || what == CAUSAL_ABSTATS_COV) && s->n < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: a variance needs n >= 2 (n = %lld)",
                   GET, (long long)s->n);
  for (size_t j = 0; j < need; j++) {
    size_t r = j % p, c = j / p;
    switch (what) {
    case CAUSAL_ABSTATS_SUM: out[j] = dn * s->mean[j]; break;
    case CAUSAL_ABSTATS_MEAN: out[j] = s->mean[j]; break;
    case CAUSAL_ABSTATS_VAR: out[j] = s->C[j + j * p] / (dn - 1); break;
    case CAUSAL_ABSTATS_SUMSQ:
      out[j] = s->C[j + j * p] + dn * s->mean[j] * s->mean[j];
      break;
    case CAUSAL_ABSTATS_COMOMENT: out[j] = s->C[j]; break;
    case CAUSAL_ABSTATS_COV: out[j] = s->C[j] / (dn - 1); break;
    default: out[j] = s->C[j] + dn * s->mean[r] * s->mean[c]; break;
    }
  }
  return CAUSAL_OK;
}

/* ---- serialization ---------------------------------------------------------
 * Payload (version 1), little-endian:
 *   u32 flags | u64 ncov | i64 n | u8 binary | f64 mean[p] |
 *   f64 C upper triangle, column by column (C[0,0], C[0,1], C[1,1], ...)
 * = 21 + 8 (p + p(p+1)/2) bytes. */

static const char *SER = "causal_abstats_serialize";
static const char *DES = "causal_abstats_deserialize";

int causal_abstats_serialize(const causal_abstats *s, uint8_t **buf,
                             size_t *len) {
  if (buf != NULL)
    *buf = NULL;
  if (len != NULL)
    *len = 0;
  CZ_REQUIRE_NONNULL(s);
  CZ_REQUIRE_NONNULL(buf);
  CZ_REQUIRE_NONNULL(len);
  size_t p = s->p;
  cz_writer w;
  cz_writer_init(&w, &s->alloc);
  cz_writer_reserve(&w, 21 + 8 * (p + p * (p + 1) / 2));
  cz_put_u32(&w, (uint32_t)s->flags);
  cz_put_u64(&w, (uint64_t)s->ncov);
  cz_put_i64(&w, s->n);
  cz_put_u8(&w, (uint8_t)(s->binary ? 1 : 0));
  for (size_t j = 0; j < p; j++)
    cz_put_f64(&w, s->mean[j]);
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j <= k; j++)
      cz_put_f64(&w, s->C[j + k * p]);
  int rc = cz_serial_seal(SER, CZ_KIND_ABSTATS, &w, buf, len);
  cz_writer_free(&w);
  return rc;
}

static int corrupt(const char *what) {
  return cz_fail(CAUSAL_ECORRUPT, "%s: invalid state: %s", DES, what);
}

static int validate_state(const causal_abstats *s) {
  size_t p = s->p;
  if (s->n < 0)
    return corrupt("negative unit count");
  for (size_t j = 0; j < p; j++) {
    if (!isfinite(s->mean[j]))
      return corrupt("non-finite mean");
    if (s->n == 0 && s->mean[j] != 0)
      return corrupt("an empty state must have mean 0");
  }
  const char *why = cz_serial_comoment_invalid(s->C, p, s->n == 0);
  if (why != NULL)
    return corrupt(why);
  return CAUSAL_OK;
}

int causal_abstats_deserialize(causal_abstats **out, const uint8_t *buf,
                               size_t len) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  cz_reader r;
  unsigned version = 0;
  CZ_CHECK(cz_serial_open(DES, buf, len, CZ_KIND_ABSTATS, &version, &r));
  uint32_t flags = cz_get_u32(&r);
  uint64_t ncov64 = cz_get_u64(&r);
  if (r.failed || (flags & ~3u) ||
      ((flags & CAUSAL_ABSTATS_MISSING_INDICATOR) && ncov64 == 0) ||
      ncov64 > 4096)
    return corrupt("layout (flags, ncov) out of range");
  size_t ncov = (size_t)ncov64, p = layout_p((int)flags, ncov);
  size_t expect = 9 + 8 * (p + p * (p + 1) / 2);
  if (cz_reader_remaining(&r) != expect)
    return corrupt("layout inconsistent with the payload length");
  causal_abstats *s;
  CZ_CHECK(abstats_alloc(&s, (int)flags, ncov));
  s->n = cz_get_i64(&r);
  uint8_t bin = cz_get_u8(&r);
  for (size_t j = 0; j < p; j++)
    s->mean[j] = cz_get_f64(&r);
  for (size_t k = 0; k < p; k++)
    for (size_t j = 0; j <= k; j++)
      s->C[j + k * p] = s->C[k + j * p] = cz_get_f64(&r);
  int rc = cz_reader_finish(DES, &r);
  if (rc == CAUSAL_OK && bin > 1)
    rc = corrupt("binary flag not 0 or 1");
  s->binary = bin;
  if (rc == CAUSAL_OK)
    rc = validate_state(s);
  if (rc != CAUSAL_OK) {
    causal_abstats_free(s);
    return rc;
  }
  *out = s;
  return CAUSAL_OK;
}
