/* MCMC convergence diagnostics: rank-normalized split R-hat, bulk and tail
 * ESS, MCSE of the mean and highest-density intervals, following the
 * definitions of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021) as
 * implemented in R package posterior 1.4.0 (include/causal/sampler.h,
 * docs/methods/sampler.md). Written from the paper and the package's
 * documented behaviour; the reference values come from posterior itself
 * (tests/ref/mcmc_diag_reference.R). */
#include "causal/sampler.h"
#include "internal/core.h"
#include "internal/dist.h"
#include "internal/mcmc.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cz_mcmc_summary_colnames[CZ_MCMC_SUMMARY_NCOL] = {
    "mean", "sd",      "mcse_mean", "q5",   "q50",     "q95",
    "hdi_low", "hdi_high", "rhat", "ess_bulk", "ess_tail"};

typedef struct {
  double v;
  size_t i;
} cz_vi;

/* Workspace for one parameter's diagnostics: N = n_iter * n_chains. */
typedef struct {
  const cz_alloc *a;
  size_t n_iter, n_chains, N;
  double *split; /* N: split chains */
  double *tmp;   /* N: folded draws, indicators */
  double *sorted; /* N */
  double *acov;  /* n_iter */
  double *rho;   /* n_iter */
  cz_vi *vi;     /* N */
} diag_ws;

static void ws_free(diag_ws *w) {
  cz_free(w->a, w->split);
  cz_free(w->a, w->vi);
  w->split = NULL;
  w->vi = NULL;
}

static int ws_init(diag_ws *w, const cz_alloc *a, size_t n_iter,
                   size_t n_chains) {
  memset(w, 0, sizeof *w);
  w->a = a;
  w->n_iter = n_iter;
  w->n_chains = n_chains;
  size_t N, total, tmp;
  if (!cz_mul_size(n_iter, n_chains, &N) || !cz_mul_size(N, 3, &tmp) ||
      !cz_add_size(tmp, 2 * n_iter, &total))
    return cz_fail(CAUSAL_ENOMEM, "MCMC diagnostics: %zu x %zu draws too large",
                   n_iter, n_chains);
  w->N = N;
  w->split = cz_calloc(a, total, sizeof(double));
  w->vi = cz_calloc(a, N, sizeof(cz_vi));
  if (w->split == NULL || w->vi == NULL) {
    ws_free(w);
    return CAUSAL_ENOMEM;
  }
  w->tmp = w->split + N;
  w->sorted = w->tmp + N;
  w->acov = w->sorted + N;
  w->rho = w->acov + n_iter;
  return CAUSAL_OK;
}

static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

static int cmp_vi(const void *pa, const void *pb) {
  const cz_vi *a = pa, *b = pb;
  if (a->v != b->v)
    return (a->v > b->v) - (a->v < b->v);
  return (a->i > b->i) - (a->i < b->i);
}

/* posterior's should_return_NA for finite input: constant draws. */
static int is_constant(const double *x, size_t n) {
  double lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; i++) {
    if (x[i] < lo)
      lo = x[i];
    if (x[i] > hi)
      hi = x[i];
  }
  return fabs(hi - lo) < DBL_EPSILON;
}

static double mean_of(const double *x, size_t n) {
  long double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  double m = (double)(s / (long double)n);
  /* second pass as R's mean() does, for accuracy */
  long double r = 0;
  for (size_t i = 0; i < n; i++)
    r += x[i] - m;
  return m + (double)(r / (long double)n);
}

static double var_of(const double *x, size_t n) {
  double m = mean_of(x, n);
  long double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (long double)(x[i] - m) * (x[i] - m);
  return (double)(s / (long double)(n - 1));
}

/* Split each chain in halves (the middle draw of an odd-length chain is
 * dropped). Returns the half length h; out holds 2 * n_chains chains. */
static size_t split_chains(const double *x, size_t n_iter, size_t n_chains,
                           double *out) {
  size_t h = n_iter / 2;
  for (size_t c = 0; c < n_chains; c++) {
    const double *xc = x + c * n_iter;
    memcpy(out + 2 * c * h, xc, h * sizeof(double));
    memcpy(out + (2 * c + 1) * h, xc + (n_iter - h), h * sizeof(double));
  }
  return h;
}

/* Rank-normalize in place: z = qnorm((r - 3/8) / (S + 1/4)) with average
 * ranks for ties. */
static void z_scale(double *x, size_t S, cz_vi *vi) {
  for (size_t i = 0; i < S; i++) {
    vi[i].v = x[i];
    vi[i].i = i;
  }
  qsort(vi, S, sizeof *vi, cmp_vi);
  double denom = (double)S - 2.0 * 0.375 + 1.0;
  for (size_t i = 0; i < S;) {
    size_t j = i + 1;
    while (j < S && vi[j].v == vi[i].v)
      j++;
    double r = ((double)(i + 1) + (double)j) / 2.0; /* average rank */
    double z = cz_qnorm((r - 0.375) / denom, 1, 0);
    for (size_t k = i; k < j; k++)
      x[vi[k].i] = z;
    i = j;
  }
}

/* Basic R-hat of m chains of n draws (chain-major). */
static double rhat_basic(const double *x, size_t n, size_t m) {
  if (n * m < 2 || is_constant(x, n * m) || m < 2 || n < 2)
    return NAN;
  double mean_cm = 0, w = 0;
  long double sm = 0;
  /* chain means and variances */
  for (size_t c = 0; c < m; c++)
    sm += mean_of(x + c * n, n);
  mean_cm = (double)(sm / (long double)m);
  long double vb = 0, vw = 0;
  for (size_t c = 0; c < m; c++) {
    double cmean = mean_of(x + c * n, n);
    vb += (long double)(cmean - mean_cm) * (cmean - mean_cm);
    vw += var_of(x + c * n, n);
  }
  double var_between = (double)n * (double)(vb / (long double)(m - 1));
  w = (double)(vw / (long double)m);
  return sqrt((var_between / w + (double)n - 1.0) / (double)n);
}

/* Mean over chains of the biased autocovariance at lag t. */
static double acov_mean_lag(const double *x, size_t n, size_t m, size_t t,
                            const double *cmeans) {
  long double total = 0;
  for (size_t c = 0; c < m; c++) {
    const double *xc = x + c * n;
    double mu = cmeans[c];
    if (isnan(mu)) /* constant chain: posterior returns zeros */
      continue;
    long double s = 0;
    for (size_t i = 0; i + t < n; i++)
      s += (long double)(xc[i] - mu) * (xc[i + t] - mu);
    total += s / (long double)n;
  }
  return (double)(total / (long double)m);
}

/* ESS of m chains of n draws (posterior's .ess: Geyer's initial positive
 * and monotone sequences on the multi-chain autocorrelation). acov and rho
 * have room for n values; cmeans for m. */
static double ess_basic(const double *x, size_t n, size_t m, double *acov,
                        double *rho, double *cmeans) {
  if (n < 3 || is_constant(x, n * m))
    return NAN;
  for (size_t c = 0; c < m; c++) {
    const double *xc = x + c * n;
    cmeans[c] = mean_of(xc, n);
    if (var_of(xc, n) == 0)
      cmeans[c] = NAN;
  }
  /* acov[t] computed lazily: the Geyer sequence usually stops early */
  size_t have = 0;
#define ACOV(t)                                                                \
  (((t) < have) ? acov[(t)]                                                    \
                : (acov[have] = acov_mean_lag(x, n, m, have, cmeans),          \
                   have++, acov[(t)]))
  double a0 = ACOV(0);
  double mean_var = a0 * (double)n / ((double)n - 1.0);
  double var_plus = mean_var * ((double)n - 1.0) / (double)n;
  if (m > 1) {
    long double s = 0, sm = 0;
    for (size_t c = 0; c < m; c++)
      sm += mean_of(x + c * n, n);
    double gm = (double)(sm / (long double)m);
    for (size_t c = 0; c < m; c++) {
      double d = mean_of(x + c * n, n) - gm;
      s += (long double)d * d;
    }
    var_plus += (double)(s / (long double)(m - 1));
  }
  memset(rho, 0, n * sizeof(double));
  size_t t = 0;
  double rho_even = 1.0;
  rho[0] = rho_even;
  (void)ACOV(1);
  double rho_odd = 1.0 - (mean_var - acov[1]) / var_plus;
  rho[1] = rho_odd;
  while (t + 5 < n && !isnan(rho_even + rho_odd) && rho_even + rho_odd > 0) {
    t += 2;
    (void)ACOV(t);
    (void)ACOV(t + 1);
    rho_even = 1.0 - (mean_var - acov[t]) / var_plus;
    rho_odd = 1.0 - (mean_var - acov[t + 1]) / var_plus;
    if (rho_even + rho_odd >= 0) {
      rho[t] = rho_even;
      rho[t + 1] = rho_odd;
    }
  }
#undef ACOV
  size_t max_t = t;
  if (rho_even > 0)
    rho[max_t] = rho_even;
  /* monotone sequence */
  for (t = 2; t + 2 <= max_t; t += 2) {
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2.0;
      rho[t + 1] = rho[t];
    }
  }
  double total = (double)n * (double)m;
  double sum = 0;
  if (max_t == 0)
    sum = rho[0]; /* R's 1:0 indexing picks element 1 only */
  else
    for (size_t k = 0; k < max_t; k++)
      sum += rho[k];
  double tau_hat = -1.0 + 2.0 * sum + rho[max_t];
  double tau_bound = 1.0 / log10(total);
  if (tau_hat < tau_bound)
    tau_hat = tau_bound;
  return total / tau_hat;
}

/* R's quantile type 7 of sorted values. */
static double quantile7(const double *sorted, size_t n, double p) {
  double index = (double)(n - 1) * p; /* 0-based */
  double lo = floor(index), hi = ceil(index);
  double qs = sorted[(size_t)lo];
  double h = index - lo;
  if (index > lo && sorted[(size_t)hi] != qs)
    qs = (1.0 - h) * qs + h * sorted[(size_t)hi];
  return qs;
}

static double median_sorted(const double *s, size_t n) {
  return (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* cmeans scratch: the vi buffer has N >= 2 * n_chains elements of 16
 * bytes; reuse it as doubles. */
static double *cmeans_of(diag_ws *w) { return (double *)(void *)w->vi; }

static double d_ess_bulk(diag_ws *w, const double *x) {
  size_t h = split_chains(x, w->n_iter, w->n_chains, w->split);
  size_t m = 2 * w->n_chains;
  if (h < 3 || is_constant(w->split, h * m))
    return NAN;
  z_scale(w->split, h * m, w->vi);
  return ess_basic(w->split, h, m, w->acov, w->rho, cmeans_of(w));
}

static double d_ess_mean(diag_ws *w, const double *x) {
  size_t h = split_chains(x, w->n_iter, w->n_chains, w->split);
  return ess_basic(w->split, h, 2 * w->n_chains, w->acov, w->rho,
                   cmeans_of(w));
}

static void sort_all(diag_ws *w, const double *x) {
  memcpy(w->sorted, x, w->N * sizeof(double));
  qsort(w->sorted, w->N, sizeof(double), cmp_double);
}

/* Needs w->sorted filled. */
static double d_ess_tail(diag_ws *w, const double *x) {
  if (is_constant(x, w->N))
    return NAN;
  double res = INFINITY;
  const double probs[2] = {0.05, 0.95};
  for (int k = 0; k < 2; k++) {
    double q = quantile7(w->sorted, w->N, probs[k]);
    for (size_t i = 0; i < w->N; i++)
      w->tmp[i] = x[i] <= q ? 1.0 : 0.0;
    size_t h = split_chains(w->tmp, w->n_iter, w->n_chains, w->split);
    double e =
        ess_basic(w->split, h, 2 * w->n_chains, w->acov, w->rho, cmeans_of(w));
    if (isnan(e))
      return NAN;
    if (e < res)
      res = e;
  }
  return res;
}

static double d_rhat_of(diag_ws *w, const double *x) {
  size_t h = split_chains(x, w->n_iter, w->n_chains, w->split);
  size_t m = 2 * w->n_chains;
  if (h < 1 || is_constant(w->split, h * m))
    return NAN;
  z_scale(w->split, h * m, w->vi);
  return rhat_basic(w->split, h, m);
}

/* Needs w->sorted filled. */
static double d_rhat(diag_ws *w, const double *x) {
  double bulk = d_rhat_of(w, x);
  double med = median_sorted(w->sorted, w->N);
  for (size_t i = 0; i < w->N; i++)
    w->tmp[i] = fabs(x[i] - med);
  /* d_rhat_of splits tmp into split: no aliasing */
  double tail = d_rhat_of(w, w->tmp);
  if (isnan(bulk) || isnan(tail))
    return NAN;
  return bulk > tail ? bulk : tail;
}

static double d_mcse_mean(diag_ws *w, const double *x) {
  double e = d_ess_mean(w, x);
  return sqrt(var_of(x, w->N)) / sqrt(e);
}

static void hdi_sorted(const double *s, size_t n, double prob, double *lo,
                       double *hi) {
  size_t m = (size_t)floor(prob * (double)n);
  if (m >= n)
    m = n - 1;
  size_t best = 0;
  double bw = s[m] - s[0];
  for (size_t i = 1; i + m < n; i++) {
    double wdt = s[i + m] - s[i];
    if (wdt < bw) {
      bw = wdt;
      best = i;
    }
  }
  *lo = s[best];
  *hi = s[best + m];
}

/* ---- public single-diagnostic functions ---- */

static int check_draws(const char *fn, const double *draws, size_t n_iter,
                       size_t n_chains, double *value) {
  if (value == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'value' is NULL", fn);
  *value = NAN;
  if (draws == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: argument 'draws' is NULL", fn);
  if (n_iter < 2)
    return cz_fail(CAUSAL_EINVAL, "%s: n_iter = %zu; need at least 2", fn,
                   n_iter);
  if (n_chains < 1)
    return cz_fail(CAUSAL_EINVAL, "%s: n_chains is 0", fn);
  size_t N;
  if (!cz_mul_size(n_iter, n_chains, &N))
    return cz_fail(CAUSAL_EINVAL, "%s: n_iter * n_chains overflows", fn);
  for (size_t i = 0; i < N; i++)
    if (!isfinite(draws[i]))
      return cz_fail(CAUSAL_ENONFINITE,
                     "%s: draws[%zu] (chain %zu, iteration %zu) is %s", fn, i,
                     i / n_iter + 1, i % n_iter + 1,
                     isnan(draws[i]) ? "NaN" : "infinite");
  return CAUSAL_OK;
}

enum { D_RHAT, D_ESS_BULK, D_ESS_TAIL, D_ESS_MEAN, D_MCSE_MEAN };

static int one_diag(const char *fn, int which, const double *draws,
                    size_t n_iter, size_t n_chains, double *value) {
  CZ_CHECK(check_draws(fn, draws, n_iter, n_chains, value));
  cz_alloc a = cz_alloc_current();
  diag_ws w;
  CZ_CHECK(ws_init(&w, &a, n_iter, n_chains));
  double v = NAN;
  switch (which) {
  case D_RHAT:
    sort_all(&w, draws);
    v = d_rhat(&w, draws);
    break;
  case D_ESS_BULK:
    v = d_ess_bulk(&w, draws);
    break;
  case D_ESS_TAIL:
    sort_all(&w, draws);
    v = d_ess_tail(&w, draws);
    break;
  case D_ESS_MEAN:
    v = d_ess_mean(&w, draws);
    break;
  default:
    v = d_mcse_mean(&w, draws);
    break;
  }
  ws_free(&w);
  *value = v;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_mcmc_rhat(const double *draws, size_t n_iter, size_t n_chains,
                     double *value) {
  return one_diag(__func__, D_RHAT, draws, n_iter, n_chains, value);
}
int causal_mcmc_ess_bulk(const double *draws, size_t n_iter, size_t n_chains,
                         double *value) {
  return one_diag(__func__, D_ESS_BULK, draws, n_iter, n_chains, value);
}
int causal_mcmc_ess_tail(const double *draws, size_t n_iter, size_t n_chains,
                         double *value) {
  return one_diag(__func__, D_ESS_TAIL, draws, n_iter, n_chains, value);
}
int causal_mcmc_ess_mean(const double *draws, size_t n_iter, size_t n_chains,
                         double *value) {
  return one_diag(__func__, D_ESS_MEAN, draws, n_iter, n_chains, value);
}
int causal_mcmc_mcse_mean(const double *draws, size_t n_iter,
                          size_t n_chains, double *value) {
  return one_diag(__func__, D_MCSE_MEAN, draws, n_iter, n_chains, value);
}

int causal_mcmc_hdi(const double *draws, size_t n, double prob, double *low,
                    double *high) {
  CZ_REQUIRE_NONNULL(low);
  CZ_REQUIRE_NONNULL(high);
  *low = *high = NAN;
  CZ_REQUIRE_NONNULL(draws);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_mcmc_hdi: n is 0");
  if (!(prob > 0 && prob < 1))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_mcmc_hdi: prob = %g is outside (0, 1)", prob);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(draws[i]))
      return cz_fail(CAUSAL_ENONFINITE, "causal_mcmc_hdi: draws[%zu] is %s",
                     i, isnan(draws[i]) ? "NaN" : "infinite");
  cz_alloc a = cz_alloc_current();
  double *s = cz_malloc(&a, n * sizeof(double));
  if (s == NULL)
    return CAUSAL_ENOMEM;
  memcpy(s, draws, n * sizeof(double));
  qsort(s, n, sizeof(double), cmp_double);
  hdi_sorted(s, n, prob, low, high);
  cz_free(&a, s);
  cz_clear_error();
  return CAUSAL_OK;
}

int cz_mcmc_summary_fill(const cz_alloc *a, const double *draws,
                         size_t n_iter, size_t n_chains, size_t p,
                         double hdi_prob, double *summary) {
  diag_ws w;
  CZ_CHECK(ws_init(&w, a, n_iter, n_chains));
  size_t N = w.N;
  for (size_t j = 0; j < p; j++) {
    const double *x = draws + j * N;
    double row[CZ_MCMC_SUMMARY_NCOL];
    sort_all(&w, x);
    row[0] = mean_of(x, N);
    row[1] = N > 1 ? sqrt(var_of(x, N)) : NAN;
    row[2] = n_iter >= 2 ? d_mcse_mean(&w, x) : NAN;
    row[3] = quantile7(w.sorted, N, 0.05);
    row[4] = quantile7(w.sorted, N, 0.5);
    row[5] = quantile7(w.sorted, N, 0.95);
    hdi_sorted(w.sorted, N, hdi_prob, &row[6], &row[7]);
    row[8] = n_iter >= 2 ? d_rhat(&w, x) : NAN;
    row[9] = n_iter >= 2 ? d_ess_bulk(&w, x) : NAN;
    row[10] = n_iter >= 2 ? d_ess_tail(&w, x) : NAN;
    for (size_t k = 0; k < CZ_MCMC_SUMMARY_NCOL; k++)
      summary[j + k * p] = row[k];
  }
  ws_free(&w);
  return CAUSAL_OK;
}

int causal_mcmc_summary(causal_result **out, const double *draws,
                        size_t n_iter, size_t n_chains, size_t p,
                        const char *const *names, double hdi_prob) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(draws);
  if (p == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_mcmc_summary: p is 0");
  if (!(hdi_prob > 0 && hdi_prob < 1))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_mcmc_summary: hdi_prob = %g is outside (0, 1)",
                   hdi_prob);
  size_t N;
  if (n_iter < 2 || n_chains < 1 || !cz_mul_size(n_iter, n_chains, &N))
    return cz_fail(CAUSAL_EINVAL,
                   "causal_mcmc_summary: need n_iter >= 2 and n_chains >= 1 "
                   "(got %zu, %zu)",
                   n_iter, n_chains);
  size_t total;
  if (!cz_mul_size(N, p, &total))
    return cz_fail(CAUSAL_EINVAL, "causal_mcmc_summary: size overflows");
  for (size_t i = 0; i < total; i++)
    if (!isfinite(draws[i]))
      return cz_fail(CAUSAL_ENONFINITE,
                     "causal_mcmc_summary: draws[%zu] (parameter %zu, chain "
                     "%zu, iteration %zu) is %s",
                     i, i / N + 1, (i % N) / n_iter + 1, i % n_iter + 1,
                     isnan(draws[i]) ? "NaN" : "infinite");
  if (names)
    for (size_t j = 0; j < p; j++)
      if (names[j] == NULL)
        return cz_fail(CAUSAL_EINVAL, "causal_mcmc_summary: names[%zu] is NULL",
                       j);
  cz_alloc a = cz_alloc_current();
  double *sum = cz_malloc(&a, p * CZ_MCMC_SUMMARY_NCOL * sizeof(double));
  if (sum == NULL)
    return CAUSAL_ENOMEM;
  causal_result *r = NULL;
  int rc = cz_mcmc_summary_fill(&a, draws, n_iter, n_chains, p, hdi_prob, sum);
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "mcmc_summary");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "summary", sum, p, CZ_MCMC_SUMMARY_NCOL,
                                  names, cz_mcmc_summary_colnames);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "hdi_prob", hdi_prob);
  cz_free(&a, sum);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
