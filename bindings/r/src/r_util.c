/* Error signalling, external pointers and argument conversion. */
#include "glue.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static NORET void crr_signal(int status, const char *msg) {
  /* Copy the message into R memory first: the library's buffer is only
   * valid until the next libcausal call. */
  SEXP smsg = PROTECT(Rf_allocVector(STRSXP, 1));
  SET_STRING_ELT(smsg, 0, Rf_mkCharCE(msg, CE_UTF8));
  SEXP sstat = PROTECT(Rf_ScalarInteger(status));
  SEXP nsname = PROTECT(Rf_mkString("causal"));
  SEXP ns = PROTECT(R_FindNamespace(nsname));
  SEXP call = PROTECT(Rf_lang3(Rf_install(".causal_stop"), sstat, smsg));
  Rf_eval(call, ns);
  /* .causal_stop always signals; this is only a safety net. */
  Rf_error("libcausal error %d: %s", status, msg);
}

void crr_stop(int status) {
  const char *msg = causal_last_error();
  if (msg == NULL || msg[0] == '\0')
    msg = causal_strerror(status);
  crr_signal(status, msg);
}

void crr_stop_msg(int status, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  crr_signal(status, buf);
}

SEXP crr_handle(const char *tag, R_CFinalizer_t fin, SEXP prot,
                const char *cls) {
  SEXP stag = PROTECT(Rf_install(tag));
  SEXP p = PROTECT(R_MakeExternalPtr(NULL, stag, prot));
  R_RegisterCFinalizerEx(p, fin, TRUE);
  if (cls != NULL) {
    SEXP scls = PROTECT(Rf_mkString(cls));
    Rf_setAttrib(p, R_ClassSymbol, scls);
    UNPROTECT(1);
  }
  UNPROTECT(2);
  return PROTECT(p);
}

void *crr_get(SEXP x, const char *tag) {
  if (TYPEOF(x) != EXTPTRSXP || R_ExternalPtrTag(x) != Rf_install(tag))
    crr_stop_msg(CAUSAL_EINVAL, "expected a %s object", tag);
  void *p = R_ExternalPtrAddr(x);
  if (p == NULL)
    crr_stop_msg(CAUSAL_EINVAL,
                 "this %s object is no longer valid (external pointers do "
                 "not survive saving and reloading)",
                 tag);
  return p;
}

double crr_double(SEXP x, const char *what) {
  if (!Rf_isNumeric(x) || Rf_xlength(x) != 1)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a single number", what);
  return Rf_asReal(x);
}

size_t crr_size(SEXP x, const char *what) {
  double v = crr_double(x, what);
  if (!(v >= 0) || v != floor(v) || v > 4503599627370496.0)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a whole number >= 0", what);
  return (size_t)v;
}

int crr_int(SEXP x, const char *what) {
  double v = crr_double(x, what);
  if (!(v >= -2147483647.0 && v <= 2147483647.0) || v != floor(v))
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a whole number", what);
  return (int)v;
}

int crr_bool(SEXP x, const char *what) {
  if (!Rf_isLogical(x) || Rf_xlength(x) != 1 || LOGICAL(x)[0] == NA_LOGICAL)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be TRUE or FALSE", what);
  return LOGICAL(x)[0];
}

const char *crr_string(SEXP x, const char *what) {
  if (!Rf_isString(x) || Rf_xlength(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a single non-NA string", what);
  return Rf_translateCharUTF8(STRING_ELT(x, 0));
}

/* 128-bit helpers on (hi, lo): v = v * m + d, 0 on overflow. */
static int u128_muladd(uint64_t *hi, uint64_t *lo, uint32_t m, uint32_t d) {
  uint64_t l0 = (*lo & 0xffffffffu) * m + d;
  uint64_t l1 = (*lo >> 32) * m + (l0 >> 32);
  uint64_t h0 = (*hi & 0xffffffffu) * m + (l1 >> 32);
  uint64_t h1 = (*hi >> 32) * m + (h0 >> 32);
  if (h1 >> 32)
    return 0;
  *lo = (l1 << 32) | (l0 & 0xffffffffu);
  *hi = (h1 << 32) | (h0 & 0xffffffffu);
  return 1;
}

void crr_u128(SEXP x, const char *what, uint64_t *hi, uint64_t *lo) {
  *hi = 0;
  *lo = 0;
  if (Rf_isNumeric(x) && !Rf_isFactor(x) && Rf_xlength(x) == 1) {
    double v = Rf_asReal(x);
    if (!(v >= 0) || v != floor(v) || !(v < 340282366920938463463374607431768211456.0))
      crr_stop_msg(CAUSAL_EINVAL,
                   "%s must be a whole number in [0, 2^128) or a string", what);
    double h = floor(v / 18446744073709551616.0);
    *hi = (uint64_t)h;
    *lo = (uint64_t)(v - h * 18446744073709551616.0);
    return;
  }
  if (!Rf_isString(x) || Rf_xlength(x) != 1 || STRING_ELT(x, 0) == NA_STRING)
    crr_stop_msg(CAUSAL_EINVAL,
                 "%s must be a single number or a decimal or 0x-hex string",
                 what);
  const char *s = CHAR(STRING_ELT(x, 0));
  uint32_t base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (*s == '\0')
    crr_stop_msg(CAUSAL_EINVAL, "%s: empty number", what);
  for (; *s; s++) {
    uint32_t d;
    if (*s >= '0' && *s <= '9')
      d = (uint32_t)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = (uint32_t)(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F')
      d = (uint32_t)(*s - 'A' + 10);
    else
      crr_stop_msg(CAUSAL_EINVAL, "%s: invalid digit '%c'", what, *s);
    if (!u128_muladd(hi, lo, base, d))
      crr_stop_msg(CAUSAL_ERANGE, "%s does not fit in 128 bits", what);
  }
}
