/* .Call glue for the samplers and MCMC diagnostics (include/causal/
 * sampler.h). R/sampler.R checks and names the arguments. The NUTS log
 * density is an R function called back from C through R_tryEvalSilent
 * (wrapped in tryCatch by R/sampler.R), so an R error inside it never jumps
 * over libcausal's frames: it stops the run (the callback returns -1) and
 * becomes an R condition afterwards. */
#include "glue.h"

#include <math.h>
#include <string.h>

static void sampler_fin(SEXP p) {
  causal_sampler_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

typedef struct {
  SEXP fn, rho;
  int failed;
  char msg[512];
} r_logp_ctx;

/* The R function returns list(logp, grad), or a number with attribute
 * "gradient", or NULL (point outside the support). */
static int r_logp_grad(void *vctx, const double *theta, size_t dim,
                       double *logp, double *grad) {
  r_logp_ctx *ctx = vctx;
  if (ctx->failed)
    return -1;
  SEXP x = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)dim));
  memcpy(REAL(x), theta, dim * sizeof(double));
  SEXP call = PROTECT(Rf_lang2(ctx->fn, x));
  int err = 0;
  SEXP res = R_tryEvalSilent(call, ctx->rho, &err);
  if (err) { /* R/sampler.R catches errors first: this is an interrupt */
    snprintf(ctx->msg, sizeof ctx->msg,
             "the log density function was interrupted");
    ctx->failed = 1;
    UNPROTECT(2);
    return -1;
  }
  PROTECT(res);
  int rc = 0;
  SEXP lp = R_NilValue, g = R_NilValue;
  if (res == R_NilValue) {
    rc = 1;
  } else if (Rf_inherits(res, "causal_callback_error")) {
    snprintf(ctx->msg, sizeof ctx->msg, "the log density function raised "
             "an error: %s",
             (TYPEOF(res) == STRSXP && Rf_xlength(res) >= 1 &&
              STRING_ELT(res, 0) != NA_STRING)
                 ? CHAR(STRING_ELT(res, 0))
                 : "(no message)");
    rc = -1;
  } else if (TYPEOF(res) == VECSXP && Rf_xlength(res) == 2) {
    lp = VECTOR_ELT(res, 0);
    g = VECTOR_ELT(res, 1);
  } else if (Rf_isNumeric(res) && Rf_xlength(res) == 1) {
    lp = res;
    g = Rf_getAttrib(res, Rf_install("gradient"));
  } else {
    snprintf(ctx->msg, sizeof ctx->msg,
             "the log density function must return list(logp, gradient), a "
             "number with attribute \"gradient\", or NULL");
    rc = -1;
  }
  if (rc == 0) {
    if (!Rf_isNumeric(lp) || Rf_xlength(lp) != 1 || !Rf_isNumeric(g) ||
        (size_t)Rf_xlength(g) != dim) {
      snprintf(ctx->msg, sizeof ctx->msg,
               "the log density function must return a single log density "
               "and a gradient of length %zu",
               dim);
      rc = -1;
    } else {
      *logp = Rf_asReal(lp);
      SEXP gd = PROTECT(Rf_coerceVector(g, REALSXP));
      memcpy(grad, REAL(gd), dim * sizeof(double));
      UNPROTECT(1);
    }
  }
  if (rc < 0)
    ctx->failed = 1;
  UNPROTECT(3);
  return rc;
}

static const int int_keys[8] = {
    CAUSAL_SAMPLER_SEED,          CAUSAL_SAMPLER_CHAINS,
    CAUSAL_SAMPLER_SAMPLES,       CAUSAL_SAMPLER_WARMUP,
    CAUSAL_SAMPLER_MAX_TREEDEPTH, CAUSAL_SAMPLER_THREADS,
    CAUSAL_SAMPLER_ADAPT,         CAUSAL_SAMPLER_THIN};
static const int dbl_keys[5] = {
    CAUSAL_SAMPLER_TARGET_ACCEPT, CAUSAL_SAMPLER_STEP_SIZE,
    CAUSAL_SAMPLER_INIT_RADIUS, CAUSAL_SAMPLER_HDI_PROB,
    CAUSAL_SAMPLER_MAX_DELTA_H};

static const double *real_or_null(SEXP x, R_xlen_t *n, const char *what) {
  if (x == R_NilValue) {
    *n = 0;
    return NULL;
  }
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "%s must be a double vector", what);
  *n = Rf_xlength(x);
  return REAL(x);
}

/* model: 1 beta_binomial, 2 gamma_poisson, 3 normal (y_a = y), 4 gibbs,
 * 5 nuts (args[0] = dim). opts: 13 doubles (8 integer options, 5 double
 * options in the order above), NA = library default. */
SEXP C_sampler_run(SEXP model, SEXP args, SEXP y_a, SEXP y_b, SEXP opts,
                   SEXP init, SEXP fn, SEXP rho) {
  int m = crr_int(model, "model");
  R_xlen_t na, nb, ninit, nargs;
  const double *a = real_or_null(args, &nargs, "args");
  const double *ya = real_or_null(y_a, &na, "y_a");
  const double *yb = real_or_null(y_b, &nb, "y_b");
  const double *iv = real_or_null(init, &ninit, "init");
  if (TYPEOF(opts) != REALSXP || Rf_xlength(opts) != 13)
    crr_stop_msg(CAUSAL_EINVAL, "opts must be 13 numbers");
  if (nargs < 1 || (m <= 4 && nargs < 4))
    crr_stop_msg(CAUSAL_EINVAL, "args has too few numbers");
  r_logp_ctx *ctx = NULL;
  SEXP prot = R_NilValue;
  if (m == 5) {
    if (!Rf_isFunction(fn) || TYPEOF(rho) != ENVSXP)
      crr_stop_msg(CAUSAL_EINVAL, "fn must be a function");
    /* the context lives in a raw vector kept alive with the handle */
    prot = PROTECT(Rf_allocVector(RAWSXP, sizeof(r_logp_ctx)));
    ctx = (r_logp_ctx *)(void *)RAW(prot);
    memset(ctx, 0, sizeof *ctx);
    ctx->fn = fn;
    ctx->rho = rho;
    prot = PROTECT(Rf_list3(prot, fn, rho));
  } else {
    PROTECT(prot);
    PROTECT(prot);
  }
  SEXP h = crr_handle("causal_sampler", sampler_fin, prot, NULL);
  causal_sampler *s = NULL;
  switch (m) {
  case 1:
    CRR_TRY(causal_sampler_new_beta_binomial(&s, a[0], a[1], a[2], a[3]));
    break;
  case 2:
    CRR_TRY(causal_sampler_new_gamma_poisson(&s, a[0], a[1], a[2], a[3]));
    break;
  case 3:
    CRR_TRY(causal_sampler_new_normal(&s, ya, (size_t)na, a[0], a[1], a[2],
                                      a[3]));
    break;
  case 4:
    CRR_TRY(causal_sampler_new_gibbs_two_group(&s, ya, (size_t)na, yb,
                                               (size_t)nb, a[0], a[1], a[2],
                                               a[3]));
    break;
  case 5:
    if (!(a[0] >= 0) || a[0] != floor(a[0]))
      crr_stop_msg(CAUSAL_EINVAL, "dim must be a whole number");
    CRR_TRY(causal_sampler_new_nuts(&s, (size_t)a[0], r_logp_grad, ctx));
    break;
  default:
    crr_stop_msg(CAUSAL_EINVAL, "model must be 1 to 5");
  }
  R_SetExternalPtrAddr(h, s);
  const double *o = REAL(opts);
  for (int k = 0; k < 8; k++)
    if (!ISNAN(o[k])) {
      if (o[k] != floor(o[k]) || fabs(o[k]) > 9007199254740992.0)
        crr_stop_msg(CAUSAL_EINVAL, "integer option %d must be a whole "
                     "number", k + 1);
      CRR_TRY(causal_sampler_set_int(s, int_keys[k], (int64_t)o[k]));
    }
  for (int k = 0; k < 5; k++)
    if (!ISNAN(o[8 + k]))
      CRR_TRY(causal_sampler_set_double(s, dbl_keys[k], o[8 + k]));
  if (m == 5) /* R is single-threaded: the callback must run on this thread */
    CRR_TRY(causal_sampler_set_int(s, CAUSAL_SAMPLER_THREADS, 1));
  if (iv != NULL)
    CRR_TRY(causal_sampler_set_init(s, iv, (size_t)ninit));
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  int st = causal_sampler_run(s, &r);
  if (st != CAUSAL_OK) {
    if (ctx != NULL && ctx->failed)
      crr_stop_msg(st, "%s", ctx->msg);
    crr_stop(st);
  }
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(5);
  return out;
}

/* x: n_iter x n_chains x p doubles (R array layout: iterations fastest,
 * then chains, then parameters), exactly the layout of the draws matrix. */
SEXP C_mcmc_summary(SEXP x, SEXP dims, SEXP names, SEXP hdi_prob) {
  if (TYPEOF(x) != REALSXP)
    crr_stop_msg(CAUSAL_EINVAL, "draws must be a double array");
  if (TYPEOF(dims) != REALSXP || Rf_xlength(dims) != 3)
    crr_stop_msg(CAUSAL_EINVAL, "dims must be 3 numbers");
  size_t n = (size_t)REAL(dims)[0], c = (size_t)REAL(dims)[1],
         p = (size_t)REAL(dims)[2];
  if ((double)n * (double)c * (double)p != (double)Rf_xlength(x))
    crr_stop_msg(CAUSAL_EDIM, "draws has %lld values, dims say %zu x %zu x "
                 "%zu", (long long)Rf_xlength(x), n, c, p);
  const char **nm = NULL;
  if (names != R_NilValue) {
    if (TYPEOF(names) != STRSXP || (size_t)Rf_xlength(names) != p)
      crr_stop_msg(CAUSAL_EINVAL, "names must have one string per parameter");
    nm = (const char **)R_alloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
      nm[j] = crr_str_at(names, (R_xlen_t)j, "names");
  }
  SEXP hr = crr_result_handle();
  causal_result *r = NULL;
  CRR_TRY(causal_mcmc_summary(&r, REAL(x), n, c, p, nm,
                              crr_double(hdi_prob, "hdi_prob")));
  SEXP out = PROTECT(crr_result_take(hr, r));
  UNPROTECT(2);
  return out;
}
