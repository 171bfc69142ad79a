/* PCG64 generator handles and bulk draws. */
#include "glue.h"

#include <inttypes.h>
#include <stdio.h>

#define RNG_TAG "causal_rng"

static void rng_finalize(SEXP p) {
  causal_rng_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

static uint64_t u64_arg(SEXP x, const char *what) {
  uint64_t hi, lo;
  crr_u128(x, what, &hi, &lo);
  if (hi != 0)
    crr_stop_msg(CAUSAL_ERANGE, "%s does not fit in 64 bits", what);
  return lo;
}

SEXP C_rng_new(SEXP seed, SEXP stream) {
  uint64_t s = u64_arg(seed, "seed");
  uint64_t t = u64_arg(stream, "stream");
  SEXP h = crr_handle(RNG_TAG, rng_finalize, R_NilValue, "causal_rng");
  causal_rng *rng = NULL;
  CRR_TRY(causal_rng_new(&rng, s, t));
  R_SetExternalPtrAddr(h, rng);
  UNPROTECT(1);
  return h;
}

SEXP C_rng_clone(SEXP x) {
  causal_rng *src = crr_get(x, RNG_TAG);
  SEXP h = crr_handle(RNG_TAG, rng_finalize, R_NilValue, "causal_rng");
  causal_rng *rng = NULL;
  CRR_TRY(causal_rng_clone(&rng, src));
  R_SetExternalPtrAddr(h, rng);
  UNPROTECT(1);
  return h;
}

SEXP C_rng_get_state(SEXP x) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  uint64_t sh, sl, ih, il;
  CRR_TRY(causal_rng_get_state(rng, &sh, &sl, &ih, &il));
  char a[40], b[40];
  snprintf(a, sizeof a, "0x%016" PRIx64 "%016" PRIx64, sh, sl);
  snprintf(b, sizeof b, "0x%016" PRIx64 "%016" PRIx64, ih, il);
  SEXP out = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_STRING_ELT(out, 0, Rf_mkChar(a));
  SET_STRING_ELT(out, 1, Rf_mkChar(b));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_STRING_ELT(nm, 0, Rf_mkChar("state"));
  SET_STRING_ELT(nm, 1, Rf_mkChar("inc"));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}

SEXP C_rng_set_state(SEXP x, SEXP state, SEXP inc) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  uint64_t sh, sl, ih, il;
  crr_u128(state, "state", &sh, &sl);
  crr_u128(inc, "inc", &ih, &il);
  CRR_TRY(causal_rng_set_state(rng, sh, sl, ih, il));
  return R_NilValue;
}

SEXP C_rng_advance(SEXP x, SEXP delta) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  uint64_t hi, lo;
  crr_u128(delta, "delta", &hi, &lo);
  CRR_TRY(causal_rng_advance(rng, hi, lo));
  return R_NilValue;
}

/* int64 draws to an R integer vector when they all fit, else double. */
static SEXP from_i64(const int64_t *v, size_t n, int add) {
  int fits = 1;
  for (size_t i = 0; i < n && fits; i++)
    fits = v[i] + add > -2147483647 && v[i] + add <= 2147483647;
  SEXP out = PROTECT(Rf_allocVector(fits ? INTSXP : REALSXP, (R_xlen_t)n));
  for (size_t i = 0; i < n; i++) {
    if (fits)
      INTEGER(out)[i] = (int)(v[i] + add);
    else
      REAL(out)[i] = (double)(v[i] + add);
  }
  UNPROTECT(1);
  return out;
}

enum {
  DRAW_UNIFORM = 1,
  DRAW_NORMAL = 2,
  DRAW_EXPONENTIAL = 3,
  DRAW_GAMMA = 4,
  DRAW_BETA = 5,
  DRAW_BINOMIAL = 6,
  DRAW_POISSON = 7,
  DRAW_U64_BOUNDED = 8
};

SEXP C_rng_draw(SEXP x, SEXP kind, SEXP n_, SEXP a_, SEXP b_) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  int k = crr_int(kind, "kind");
  size_t n = crr_size(n_, "n");
  double a = crr_double(a_, "parameter 1");
  double b = crr_double(b_, "parameter 2");
  if (k == DRAW_BINOMIAL || k == DRAW_POISSON) {
    int64_t *buf = (int64_t *)R_alloc(n + 1, sizeof(int64_t));
    if (k == DRAW_BINOMIAL) {
      if (!(a >= 0 && a <= 9.2e18) || a != (double)(int64_t)a)
        crr_stop_msg(CAUSAL_EINVAL, "size must be a whole number >= 0");
      CRR_TRY(causal_rng_binomial(rng, (int64_t)a, b, buf, n));
    } else {
      CRR_TRY(causal_rng_poisson(rng, a, buf, n));
    }
    return from_i64(buf, n, 0);
  }
  SEXP out = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
  double *o = REAL(out);
  switch (k) {
  case DRAW_UNIFORM:
    CRR_TRY(causal_rng_uniform(rng, o, n));
    break;
  case DRAW_NORMAL:
    CRR_TRY(causal_rng_normal(rng, a, b, o, n));
    break;
  case DRAW_EXPONENTIAL:
    CRR_TRY(causal_rng_exponential(rng, a, o, n));
    break;
  case DRAW_GAMMA:
    CRR_TRY(causal_rng_gamma(rng, a, b, o, n));
    break;
  case DRAW_BETA:
    CRR_TRY(causal_rng_beta(rng, a, b, o, n));
    break;
  default:
    crr_stop_msg(CAUSAL_EINVAL, "unknown draw kind %d", k);
  }
  UNPROTECT(1);
  return out;
}

/* k distinct 1-based indices from 1..n. */
SEXP C_rng_sample(SEXP x, SEXP n_, SEXP k_) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  size_t n = crr_size(n_, "n");
  size_t k = crr_size(k_, "size");
  int64_t *buf = (int64_t *)R_alloc(k + 1, sizeof(int64_t));
  CRR_TRY(causal_rng_sample(rng, (int64_t)n, (int64_t)k, buf));
  return from_i64(buf, k, 1);
}

/* A random permutation of 1..n. */
SEXP C_rng_shuffle(SEXP x, SEXP n_) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  size_t n = crr_size(n_, "n");
  int64_t *buf = (int64_t *)R_alloc(n + 1, sizeof(int64_t));
  for (size_t i = 0; i < n; i++)
    buf[i] = (int64_t)i;
  CRR_TRY(causal_rng_shuffle(rng, buf, n));
  return from_i64(buf, n, 1);
}

/* Raw 64-bit outputs as 0x-hex strings (for cross-checks with numpy). */
SEXP C_rng_u64(SEXP x, SEXP n_) {
  causal_rng *rng = crr_get(x, RNG_TAG);
  size_t n = crr_size(n_, "n");
  uint64_t *buf = (uint64_t *)R_alloc(n + 1, sizeof(uint64_t));
  CRR_TRY(causal_rng_u64(rng, buf, n));
  SEXP out = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
  for (size_t i = 0; i < n; i++) {
    char s[24];
    snprintf(s, sizeof s, "0x%016" PRIx64, buf[i]);
    SET_STRING_ELT(out, (R_xlen_t)i, Rf_mkChar(s));
  }
  UNPROTECT(1);
  return out;
}
