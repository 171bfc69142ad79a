/* Sampler handle: options, exact conjugate posteriors, the two-group Gibbs
 * sampler, running chains (optionally on threads) and the result
 * (include/causal/sampler.h, docs/methods/sampler.md). NUTS itself is in
 * lib/sampler_nuts.c, diagnostics in lib/mcmc_diag.c. */
#include "causal/sampler.h"
#include "internal/core.h"
#include "internal/mcmc.h"
#include "internal/rng.h"
#include "internal/sampler.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- options ---- */

typedef struct {
  int key;
  const char *name;
  double lo, hi;
} opt_info;

static const opt_info opts[] = {
    {CAUSAL_SAMPLER_SEED, "seed", -9.2233720368547758e18, 9.2233720368547758e18},
    {CAUSAL_SAMPLER_CHAINS, "chains", 1, 1024},
    {CAUSAL_SAMPLER_SAMPLES, "samples", 1, 1e8},
    {CAUSAL_SAMPLER_WARMUP, "warmup", 0, 1e8},
    {CAUSAL_SAMPLER_MAX_TREEDEPTH, "max_treedepth", 1, 30},
    {CAUSAL_SAMPLER_THREADS, "threads", 1, 256},
    {CAUSAL_SAMPLER_ADAPT, "adapt", 0, 1},
    {CAUSAL_SAMPLER_THIN, "thin", 1, 1e6},
    {CAUSAL_SAMPLER_TARGET_ACCEPT, "target_accept", 0, 1},
    {CAUSAL_SAMPLER_STEP_SIZE, "step_size", 0, 1e7},
    {CAUSAL_SAMPLER_INIT_RADIUS, "init_radius", 0, 1e6},
    {CAUSAL_SAMPLER_HDI_PROB, "hdi_prob", 0, 1},
    {CAUSAL_SAMPLER_MAX_DELTA_H, "max_delta_h", 0, 1e300}};
/* Open bounds: target_accept, step_size, hdi_prob, max_delta_h exclude
 * both ends or the lower end (checked below); init_radius may be 0? no:
 * must be > 0. */

static const opt_info *find_opt(int key) {
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    if (opts[i].key == key)
      return &opts[i];
  return NULL;
}

int causal_sampler_bounds(int key, double *min, double *max) {
  CZ_REQUIRE_NONNULL(min);
  CZ_REQUIRE_NONNULL(max);
  const opt_info *o = find_opt(key);
  if (o == NULL)
    return cz_fail(CAUSAL_EINVAL, "causal_sampler_bounds: unknown key %d", key);
  *min = o->lo;
  *max = o->hi;
  cz_clear_error();
  return CAUSAL_OK;
}

static const char *kind_name(int kind) {
  switch (kind) {
  case CAUSAL_SAMPLER_BETA_BINOMIAL:
    return "beta_binomial";
  case CAUSAL_SAMPLER_GAMMA_POISSON:
    return "gamma_poisson";
  case CAUSAL_SAMPLER_NORMAL_NIG:
    return "normal_nig";
  case CAUSAL_SAMPLER_GIBBS_TWO_GROUP:
    return "gibbs_two_group";
  default:
    return "nuts";
  }
}

static int sampler_alloc(causal_sampler **out, int kind) {
  cz_alloc a = cz_alloc_current();
  causal_sampler *s = cz_calloc(&a, 1, sizeof *s);
  if (s == NULL)
    return CAUSAL_ENOMEM;
  s->alloc = a;
  s->kind = kind;
  s->seed = 0;
  s->chains = 4;
  s->samples = 1000;
  s->warmup = (kind == CAUSAL_SAMPLER_NUTS ||
               kind == CAUSAL_SAMPLER_GIBBS_TWO_GROUP)
                  ? 1000
                  : 0;
  s->max_treedepth = 10;
  s->threads = 1;
  s->adapt = 1;
  s->thin = 1;
  s->target_accept = 0.8;
  s->step_size = 1.0;
  s->init_radius = 2.0;
  s->hdi_prob = 0.9;
  s->max_delta_h = 1000.0;
  *out = s;
  return CAUSAL_OK;
}

void causal_sampler_free(causal_sampler *s) {
  if (s == NULL)
    return;
  cz_alloc a = s->alloc;
  cz_free(&a, s->init);
  cz_free(&a, s);
}

int causal_sampler_kind(const causal_sampler *s, int *kind) {
  CZ_REQUIRE_NONNULL(s);
  CZ_REQUIRE_NONNULL(kind);
  *kind = s->kind;
  cz_clear_error();
  return CAUSAL_OK;
}

static int64_t *int_slot(causal_sampler *s, int key) {
  switch (key) {
  case CAUSAL_SAMPLER_SEED:
    return &s->seed;
  case CAUSAL_SAMPLER_CHAINS:
    return &s->chains;
  case CAUSAL_SAMPLER_SAMPLES:
    return &s->samples;
  case CAUSAL_SAMPLER_WARMUP:
    return &s->warmup;
  case CAUSAL_SAMPLER_MAX_TREEDEPTH:
    return &s->max_treedepth;
  case CAUSAL_SAMPLER_THREADS:
    return &s->threads;
  case CAUSAL_SAMPLER_ADAPT:
    return &s->adapt;
  case CAUSAL_SAMPLER_THIN:
    return &s->thin;
  default:
    return NULL;
  }
}

static double *dbl_slot(causal_sampler *s, int key) {
  switch (key) {
  case CAUSAL_SAMPLER_TARGET_ACCEPT:
    return &s->target_accept;
  case CAUSAL_SAMPLER_STEP_SIZE:
    return &s->step_size;
  case CAUSAL_SAMPLER_INIT_RADIUS:
    return &s->init_radius;
  case CAUSAL_SAMPLER_HDI_PROB:
    return &s->hdi_prob;
  case CAUSAL_SAMPLER_MAX_DELTA_H:
    return &s->max_delta_h;
  default:
    return NULL;
  }
}

int causal_sampler_set_int(causal_sampler *s, int key, int64_t value) {
  CZ_REQUIRE_NONNULL(s);
  int64_t *slot = int_slot(s, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_set_int: unknown integer key %d", key);
  const opt_info *o = find_opt(key);
  if (key != CAUSAL_SAMPLER_SEED &&
      ((double)value < o->lo || (double)value > o->hi))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_sampler_set_int: %s = %lld is outside [%g, %g]",
                   o->name, (long long)value, o->lo, o->hi);
  *slot = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_set_double(causal_sampler *s, int key, double value) {
  CZ_REQUIRE_NONNULL(s);
  double *slot = dbl_slot(s, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_set_double: unknown double key %d", key);
  const opt_info *o = find_opt(key);
  /* all double options are open at the lower end; target_accept and
   * hdi_prob also at the upper end */
  int open_hi = key == CAUSAL_SAMPLER_TARGET_ACCEPT ||
                key == CAUSAL_SAMPLER_HDI_PROB;
  if (!(value > o->lo) || !(open_hi ? value < o->hi : value <= o->hi))
    return cz_fail(CAUSAL_ERANGE,
                   "causal_sampler_set_double: %s = %g is outside %s%g, %g%s",
                   o->name, value, "(", o->lo, o->hi, open_hi ? ")" : "]");
  *slot = value;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_get_int(const causal_sampler *s, int key, int64_t *value) {
  CZ_REQUIRE_NONNULL(s);
  CZ_REQUIRE_NONNULL(value);
  int64_t *slot = int_slot((causal_sampler *)(uintptr_t)s, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_get_int: unknown integer key %d", key);
  *value = *slot;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_get_double(const causal_sampler *s, int key,
                              double *value) {
  CZ_REQUIRE_NONNULL(s);
  CZ_REQUIRE_NONNULL(value);
  double *slot = dbl_slot((causal_sampler *)(uintptr_t)s, key);
  if (slot == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_get_double: unknown double key %d", key);
  *value = *slot;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_set_init(causal_sampler *s, const double *init, size_t n) {
  CZ_REQUIRE_NONNULL(s);
  if (s->kind != CAUSAL_SAMPLER_NUTS)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_set_init: only NUTS samplers take initial "
                   "values (this is %s)",
                   kind_name(s->kind));
  if (init == NULL || n == 0) {
    cz_free(&s->alloc, s->init);
    s->init = NULL;
    s->n_init = 0;
    cz_clear_error();
    return CAUSAL_OK;
  }
  if (n % s->dim != 0)
    return cz_fail(CAUSAL_EDIM,
                   "causal_sampler_set_init: n = %zu is not a multiple of dim "
                   "= %zu",
                   n, s->dim);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(init[i]))
      return cz_fail(CAUSAL_ENONFINITE,
                     "causal_sampler_set_init: init[%zu] (chain %zu, "
                     "coordinate %zu) is %s",
                     i, i / s->dim + 1, i % s->dim + 1,
                     isnan(init[i]) ? "NaN" : "infinite");
  double *copy = cz_malloc(&s->alloc, n * sizeof(double));
  if (copy == NULL)
    return CAUSAL_ENOMEM;
  memcpy(copy, init, n * sizeof(double));
  cz_free(&s->alloc, s->init);
  s->init = copy;
  s->n_init = n;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- constructors ---- */

static int check_pos(const char *fn, const char *name, double v) {
  if (!(v > 0) || !isfinite(v))
    return cz_fail(isnan(v) ? CAUSAL_ENONFINITE : CAUSAL_ERANGE,
                   "%s: %s = %g must be positive and finite", fn, name, v);
  return CAUSAL_OK;
}

int causal_sampler_new_beta_binomial(causal_sampler **out, double successes,
                                     double trials, double a0, double b0) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const char *fn = __func__;
  if (!isfinite(successes) || !isfinite(trials))
    return cz_fail(CAUSAL_ENONFINITE, "%s: successes = %g, trials = %g must "
                   "be finite", fn, successes, trials);
  if (!(successes >= 0) || !(successes <= trials))
    return cz_fail(CAUSAL_ERANGE,
                   "%s: need 0 <= successes <= trials (got %g, %g)", fn,
                   successes, trials);
  CZ_CHECK(check_pos(fn, "a0", a0));
  CZ_CHECK(check_pos(fn, "b0", b0));
  causal_sampler *s;
  CZ_CHECK(sampler_alloc(&s, CAUSAL_SAMPLER_BETA_BINOMIAL));
  s->post[0] = a0 + successes;
  s->post[1] = b0 + (trials - successes);
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_new_gamma_poisson(causal_sampler **out, double count,
                                     double exposure, double shape0,
                                     double rate0) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const char *fn = __func__;
  if (!isfinite(count) || !(count >= 0))
    return cz_fail(isfinite(count) ? CAUSAL_ERANGE : CAUSAL_ENONFINITE,
                   "%s: count = %g must be finite and >= 0", fn, count);
  CZ_CHECK(check_pos(fn, "exposure", exposure));
  CZ_CHECK(check_pos(fn, "shape0", shape0));
  CZ_CHECK(check_pos(fn, "rate0", rate0));
  causal_sampler *s;
  CZ_CHECK(sampler_alloc(&s, CAUSAL_SAMPLER_GAMMA_POISSON));
  s->post[0] = shape0 + count;
  s->post[1] = rate0 + exposure;
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

/* Mean and sum of squares about it (two passes). */
static int data_stats(const char *fn, const char *name, const double *y,
                      size_t n, double *mean, double *ss) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(y[i]))
      return cz_fail(CAUSAL_ENONFINITE, "%s: %s[%zu] is %s", fn, name, i,
                     isnan(y[i]) ? "NaN" : "infinite");
  long double s = 0;
  for (size_t i = 0; i < n; i++)
    s += y[i];
  double m = (double)(s / (long double)n);
  long double q = 0, r = 0;
  for (size_t i = 0; i < n; i++) {
    q += (long double)(y[i] - m) * (y[i] - m);
    r += y[i] - m;
  }
  *mean = m + (double)(r / (long double)n);
  *ss = (double)(q - r * r / (long double)n);
  return CAUSAL_OK;
}

int causal_sampler_new_normal(causal_sampler **out, const double *y, size_t n,
                              double m0, double k0, double a0, double b0) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const char *fn = __func__;
  CZ_REQUIRE_NONNULL(y);
  if (n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: n is 0", fn);
  if (!isfinite(m0))
    return cz_fail(CAUSAL_ENONFINITE, "%s: m0 = %g must be finite", fn, m0);
  CZ_CHECK(check_pos(fn, "k0", k0));
  CZ_CHECK(check_pos(fn, "a0", a0));
  CZ_CHECK(check_pos(fn, "b0", b0));
  double ybar, ss;
  CZ_CHECK(data_stats(fn, "y", y, n, &ybar, &ss));
  causal_sampler *s;
  CZ_CHECK(sampler_alloc(&s, CAUSAL_SAMPLER_NORMAL_NIG));
  double nn = (double)n, kn = k0 + nn;
  s->post[0] = (k0 * m0 + nn * ybar) / kn;
  s->post[1] = kn;
  s->post[2] = a0 + nn / 2;
  s->post[3] = b0 + 0.5 * ss + k0 * nn * (ybar - m0) * (ybar - m0) / (2 * kn);
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_new_gibbs_two_group(causal_sampler **out, const double *y_a,
                                       size_t n_a, const double *y_b,
                                       size_t n_b, double m0, double v0,
                                       double a0, double b0) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  const char *fn = __func__;
  CZ_REQUIRE_NONNULL(y_a);
  CZ_REQUIRE_NONNULL(y_b);
  if (n_a < 2 || n_b < 2)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: each group needs at least 2 observations (n_a = %zu, "
                   "n_b = %zu)",
                   fn, n_a, n_b);
  if (!isfinite(m0))
    return cz_fail(CAUSAL_ENONFINITE, "%s: m0 = %g must be finite", fn, m0);
  if (!(v0 > 0))
    return cz_fail(isnan(v0) ? CAUSAL_ENONFINITE : CAUSAL_ERANGE,
                   "%s: v0 = %g must be positive (Inf: flat prior)", fn, v0);
  if (!(a0 >= 0) || !isfinite(a0) || !(b0 >= 0) || !isfinite(b0))
    return cz_fail(isnan(a0) || isnan(b0) ? CAUSAL_ENONFINITE : CAUSAL_ERANGE,
                   "%s: a0 = %g and b0 = %g must be finite and >= 0", fn, a0,
                   b0);
  double mean[2], ss[2];
  CZ_CHECK(data_stats(fn, "y_a", y_a, n_a, &mean[0], &ss[0]));
  CZ_CHECK(data_stats(fn, "y_b", y_b, n_b, &mean[1], &ss[1]));
  for (int g = 0; g < 2; g++)
    if (!(ss[g] > 0) && b0 == 0)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: all values of %s are equal and b0 = 0: the "
                     "posterior of sigma2_%c is improper",
                     fn, g ? "y_b" : "y_a", g ? 'b' : 'a');
  causal_sampler *s;
  CZ_CHECK(sampler_alloc(&s, CAUSAL_SAMPLER_GIBBS_TWO_GROUP));
  s->gn[0] = (double)n_a;
  s->gn[1] = (double)n_b;
  for (int g = 0; g < 2; g++) {
    s->gmean[g] = mean[g];
    s->gss[g] = ss[g] < 0 ? 0 : ss[g];
  }
  s->m0 = m0;
  s->v0 = v0;
  s->a0 = a0;
  s->b0 = b0;
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_sampler_new_nuts(causal_sampler **out, size_t dim,
                            causal_logp_grad_fn fn, void *ctx) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  if (dim == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_sampler_new_nuts: dim is 0");
  if (fn == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "causal_sampler_new_nuts: argument 'fn' is NULL");
  if (dim > ((size_t)1 << 40))
    return cz_fail(CAUSAL_EINVAL, "causal_sampler_new_nuts: dim = %zu too "
                   "large", dim);
  causal_sampler *s;
  CZ_CHECK(sampler_alloc(&s, CAUSAL_SAMPLER_NUTS));
  s->dim = dim;
  s->fn = fn;
  s->ctx = ctx;
  *out = s;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- chains ---- */

static size_t n_params(const causal_sampler *s) {
  switch (s->kind) {
  case CAUSAL_SAMPLER_BETA_BINOMIAL:
  case CAUSAL_SAMPLER_GAMMA_POISSON:
    return 1;
  case CAUSAL_SAMPLER_NORMAL_NIG:
    return 2;
  case CAUSAL_SAMPLER_GIBBS_TWO_GROUP:
    return 5;
  default:
    return s->dim;
  }
}

/* Independent draws from the exact posterior. */
static void conjugate_chain(cz_chain_job *job, causal_rng *rng) {
  const causal_sampler *s = job->s;
  size_t n = (size_t)s->samples, ld = job->ld;
  for (size_t i = 0; i < n; i++) {
    switch (s->kind) {
    case CAUSAL_SAMPLER_BETA_BINOMIAL:
      job->draws[i] = cz_rng_beta1(rng, s->post[0], s->post[1]);
      break;
    case CAUSAL_SAMPLER_GAMMA_POISSON:
      job->draws[i] = cz_rng_gamma1(rng, s->post[0]) / s->post[1];
      break;
    default: { /* NIG: sigma2 ~ InvGamma(a, b), mu | sigma2 ~ N(m, s2/k) */
      double sigma2 = s->post[3] / cz_rng_gamma1(rng, s->post[2]);
      double mu = s->post[0] + sqrt(sigma2 / s->post[1]) * cz_rng_normal1(rng);
      job->draws[i] = mu;
      job->draws[i + ld] = sigma2;
    }
    }
  }
}

/* Two-block Gibbs per group: sigma2 | mu, then mu | sigma2. The groups are
 * independent a priori, so they are updated one after the other within an
 * iteration (same chain, same stream). */
static void gibbs_chain(cz_chain_job *job, causal_rng *rng) {
  const causal_sampler *s = job->s;
  double mu[2], s2[2];
  for (int g = 0; g < 2; g++) {
    mu[g] = s->gmean[g];
    s2[g] = s->gss[g] > 0 ? s->gss[g] / (s->gn[g] - 1) : s->b0;
  }
  double prec0 = isinf(s->v0) ? 0.0 : 1.0 / s->v0;
  long warmup = (long)s->warmup, thin = (long)s->thin;
  long total = warmup + (long)s->samples * thin;
  size_t row = 0, ld = job->ld;
  for (long it = 0; it < total; it++) {
    for (int g = 0; g < 2; g++) {
      double n = s->gn[g], dm = s->gmean[g] - mu[g];
      double shape = s->a0 + n / 2;
      double scale = s->b0 + 0.5 * (s->gss[g] + n * dm * dm);
      s2[g] = scale / cz_rng_gamma1(rng, shape);
      double prec = prec0 + n / s2[g];
      double m = (prec0 * s->m0 + n * s->gmean[g] / s2[g]) / prec;
      mu[g] = m + cz_rng_normal1(rng) / sqrt(prec);
    }
    if (it < warmup || (it - warmup) % thin != 0)
      continue;
    job->draws[row] = mu[0];
    job->draws[row + ld] = mu[1];
    job->draws[row + 2 * ld] = s2[0];
    job->draws[row + 3 * ld] = s2[1];
    job->draws[row + 4 * ld] = mu[1] - mu[0];
    row++;
  }
}

static void run_job(cz_chain_job *job) {
  const causal_sampler *s = job->s;
  job->status = CAUSAL_OK;
  if (s->kind == CAUSAL_SAMPLER_NUTS) {
    cz_nuts_chain(job);
    return;
  }
  causal_rng rng;
  cz_rng_seed(&rng, (uint64_t)s->seed, (uint64_t)job->chain);
  if (s->kind == CAUSAL_SAMPLER_GIBBS_TWO_GROUP)
    gibbs_chain(job, &rng);
  else
    conjugate_chain(job, &rng);
}

typedef struct {
  cz_chain_job *jobs;
  size_t njobs, first, stride;
} thread_arg;

static void *thread_main(void *p) {
  thread_arg *t = p;
  for (size_t c = t->first; c < t->njobs; c += t->stride)
    run_job(&t->jobs[c]);
  return NULL;
}

/* Run every job; chains are assigned to threads round-robin (results do
 * not depend on the assignment: each chain owns its stream and outputs). */
static int run_jobs(const causal_sampler *s, cz_chain_job *jobs,
                    size_t njobs) {
  size_t nt = (size_t)s->threads;
  if (nt > njobs)
    nt = njobs;
  if (nt <= 1) {
    for (size_t c = 0; c < njobs; c++)
      run_job(&jobs[c]);
    return CAUSAL_OK;
  }
  pthread_t *tid = cz_calloc(&s->alloc, nt, sizeof(pthread_t));
  thread_arg *ta = cz_calloc(&s->alloc, nt, sizeof(thread_arg));
  if (tid == NULL || ta == NULL) {
    cz_free(&s->alloc, tid);
    cz_free(&s->alloc, ta);
    return CAUSAL_ENOMEM;
  }
  size_t started = 0;
  for (size_t t = 0; t < nt; t++) {
    ta[t] = (thread_arg){jobs, njobs, t, nt};
    if (pthread_create(&tid[t], NULL, thread_main, &ta[t]) != 0)
      break;
    started++;
  }
  /* chains of threads that failed to start run here */
  for (size_t t = started; t < nt; t++)
    thread_main(&ta[t]);
  for (size_t t = 0; t < started; t++)
    pthread_join(tid[t], NULL);
  cz_free(&s->alloc, tid);
  cz_free(&s->alloc, ta);
  return CAUSAL_OK;
}

/* ---- result ---- */

static int set_param_names(const causal_sampler *s, const cz_alloc *a,
                           char ***names_out, char **buf_out) {
  static const char *const fixed[4][5] = {
      {"p"}, {"lambda"}, {"mu", "sigma2"},
      {"mu_a", "mu_b", "sigma2_a", "sigma2_b", "diff"}};
  size_t P = n_params(s);
  char **names = cz_calloc(a, P, sizeof(char *));
  char *buf = NULL;
  if (names == NULL)
    return CAUSAL_ENOMEM;
  if (s->kind == CAUSAL_SAMPLER_NUTS) {
    buf = cz_calloc(a, P, 32);
    if (buf == NULL) {
      cz_free(a, names);
      return CAUSAL_ENOMEM;
    }
    for (size_t j = 0; j < P; j++) {
      names[j] = buf + 32 * j;
      snprintf(names[j], 32, "theta[%zu]", j + 1);
    }
  } else {
    for (size_t j = 0; j < P; j++)
      names[j] = (char *)(uintptr_t)fixed[s->kind - 1][j];
  }
  *names_out = names;
  *buf_out = buf;
  return CAUSAL_OK;
}

/* Exact posterior moments of the conjugate models and of the Gibbs model
 * with a flat prior on the means (Student t and inverse-gamma marginals). */
static int exact_moments(const causal_sampler *s, double *mean, double *var) {
  const double *p = s->post;
  switch (s->kind) {
  case CAUSAL_SAMPLER_BETA_BINOMIAL: {
    double t = p[0] + p[1];
    mean[0] = p[0] / t;
    var[0] = p[0] * p[1] / (t * t * (t + 1));
    return 1;
  }
  case CAUSAL_SAMPLER_GAMMA_POISSON:
    mean[0] = p[0] / p[1];
    var[0] = p[0] / (p[1] * p[1]);
    return 1;
  case CAUSAL_SAMPLER_NORMAL_NIG: {
    double a = p[2], b = p[3];
    mean[0] = p[0];
    var[0] = a > 1 ? b / ((a - 1) * p[1]) : INFINITY;
    mean[1] = a > 1 ? b / (a - 1) : INFINITY;
    var[1] = a > 2 ? b * b / ((a - 1) * (a - 1) * (a - 2)) : INFINITY;
    return 1;
  }
  case CAUSAL_SAMPLER_GIBBS_TWO_GROUP: {
    if (!isinf(s->v0))
      return 0;
    for (int g = 0; g < 2; g++) {
      double n = s->gn[g];
      double nu = 2 * s->a0 + n - 1;
      double sc2 = (2 * s->b0 + s->gss[g]) / (n * nu);
      mean[g] = s->gmean[g];
      var[g] = nu > 2 ? sc2 * nu / (nu - 2) : INFINITY;
      double ia = s->a0 + (n - 1) / 2, ib = s->b0 + s->gss[g] / 2;
      mean[2 + g] = ia > 1 ? ib / (ia - 1) : INFINITY;
      var[2 + g] = ia > 2 ? ib * ib / ((ia - 1) * (ia - 1) * (ia - 2))
                          : INFINITY;
    }
    mean[4] = mean[1] - mean[0];
    var[4] = var[0] + var[1];
    return 1;
  }
  default:
    return 0;
  }
}

static int add_kind_entries(causal_result *r, const causal_sampler *s,
                            const char *const *names, size_t P) {
  static const char *const pn[4][4] = {
      {"post_alpha", "post_beta"},
      {"post_shape", "post_rate"},
      {"post_mean", "post_kappa", "post_a", "post_b"}};
  int np = s->kind == CAUSAL_SAMPLER_NORMAL_NIG ? 4 : 2;
  if (s->kind <= CAUSAL_SAMPLER_NORMAL_NIG)
    for (int k = 0; k < np; k++)
      CZ_CHECK(causal_result_set_scalar(r, pn[s->kind - 1][k], s->post[k]));
  double mean[5], var[5];
  if (exact_moments(s, mean, var)) {
    CZ_CHECK(causal_result_set_vector(r, "exact_mean", mean, P, names));
    CZ_CHECK(causal_result_set_vector(r, "exact_var", var, P, names));
  }
  return CAUSAL_OK;
}

static int add_nuts_entries(causal_result *r, const causal_sampler *s,
                            const cz_chain_job *jobs, const double *params,
                            const double *inv_metric, size_t R,
                            double *scratch) {
  size_t C = (size_t)s->chains;
  static const char *const pcols[5] = {"accept_stat", "step_size", "treedepth",
                                       "n_leapfrog", "divergent"};
  CZ_CHECK(causal_result_set_matrix(r, "sampler_params", params, R, 5, NULL,
                                    pcols));
  CZ_CHECK(causal_result_set_matrix(r, "inv_metric", inv_metric, s->dim, C,
                                    NULL, NULL));
  double tot = 0;
#define PER_CHAIN(entry, field)                                                \
  do {                                                                         \
    for (size_t c = 0; c < C; c++)                                             \
      scratch[c] = jobs[c].field;                                              \
    CZ_CHECK(causal_result_set_vector(r, entry, scratch, C, NULL));            \
  } while (0)
  PER_CHAIN("step_size", step_size);
  PER_CHAIN("n_divergent", n_div);
  PER_CHAIN("accept_stat", accept_mean);
  PER_CHAIN("treedepth_max", treedepth_max);
  PER_CHAIN("n_leapfrog", n_leapfrog);
#undef PER_CHAIN
  for (size_t c = 0; c < C; c++)
    tot += jobs[c].n_div;
  CZ_CHECK(causal_result_set_scalar(r, "n_divergent_total", tot));
  if (tot > 0) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "%.0f divergent transitions after warmup: the draws may be "
             "biased; increase target_accept or reparameterize",
             tot);
    CZ_CHECK(causal_result_add_warning(r, msg));
  }
  return CAUSAL_OK;
}

static int build_result(causal_result *r, const causal_sampler *s,
                        const cz_chain_job *jobs, const double *draws,
                        const double *params, const double *inv_metric,
                        double *summary, size_t R, size_t P) {
  char **names = NULL, *nbuf = NULL;
  CZ_CHECK(set_param_names(s, &s->alloc, &names, &nbuf));
  const char *const *cn = (const char *const *)names;
  size_t C = (size_t)s->chains, S = (size_t)s->samples;
  int rc = causal_result_set_string(r, "model", kind_name(s->kind));
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "draws", draws, R, P, NULL, cn);
  if (rc == CAUSAL_OK && S >= 2)
    rc = cz_mcmc_summary_fill(&s->alloc, draws, S, C, P, s->hdi_prob, summary);
  if (rc == CAUSAL_OK && S >= 2) {
    rc = causal_result_set_matrix(r, "summary", summary, P,
                                  CZ_MCMC_SUMMARY_NCOL, cn,
                                  cz_mcmc_summary_colnames);
    for (size_t j = 0; rc == CAUSAL_OK && j < P; j++) {
      double rh = summary[j + 8 * P];
      if (rh > 1.01) {
        char msg[160];
        snprintf(msg, sizeof msg, "R-hat of %s is %.3f > 1.01: the chains "
                 "have not mixed", cn[j], rh);
        rc = causal_result_add_warning(r, msg);
      }
    }
  }
  const double sc[4] = {(double)C, (double)S, (double)s->warmup,
                        (double)s->seed};
  const char *scn[4] = {"chains", "samples", "warmup", "seed"};
  for (int k = 0; rc == CAUSAL_OK && k < 4; k++)
    rc = causal_result_set_scalar(r, scn[k], sc[k]);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_scalar(r, "hdi_prob", s->hdi_prob);
  if (rc == CAUSAL_OK)
    rc = add_kind_entries(r, s, cn, P);
  if (rc == CAUSAL_OK && s->kind == CAUSAL_SAMPLER_NUTS)
    rc = add_nuts_entries(r, s, jobs, params, inv_metric, R, summary);
  cz_free(&s->alloc, names);
  cz_free(&s->alloc, nbuf);
  return rc;
}

int causal_sampler_run(const causal_sampler *s, causal_result **out) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(s);
  size_t C = (size_t)s->chains, S = (size_t)s->samples, P = n_params(s);
  size_t R, RP, nsum;
  if (!cz_mul_size(C, S, &R) || !cz_mul_size(R, P, &RP) ||
      !cz_mul_size(P, CZ_MCMC_SUMMARY_NCOL, &nsum))
    return cz_fail(CAUSAL_EINVAL, "causal_sampler_run: chains * samples * "
                   "parameters overflows");
  int nuts = s->kind == CAUSAL_SAMPLER_NUTS;
  const cz_alloc *a = &s->alloc;
  double *draws = cz_malloc(a, RP * sizeof(double));
  double *summary = cz_calloc(a, nsum > C ? nsum : C, sizeof(double));
  cz_chain_job *jobs = cz_calloc(a, C, sizeof *jobs);
  double *params = nuts ? cz_calloc(a, R * 5, sizeof(double)) : NULL;
  double *inv_metric = nuts ? cz_calloc(a, s->dim * C, sizeof(double)) : NULL;
  causal_result *r = NULL;
  int rc = CAUSAL_OK;
  if (draws == NULL || summary == NULL || jobs == NULL ||
      (nuts && (params == NULL || inv_metric == NULL))) {
    rc = CAUSAL_ENOMEM;
    goto done;
  }
  for (size_t c = 0; c < C; c++) {
    jobs[c].s = s;
    jobs[c].chain = c;
    jobs[c].ld = R;
    jobs[c].draws = draws + c * S;
    jobs[c].params = nuts ? params + c * S : NULL;
    jobs[c].inv_metric = nuts ? inv_metric + c * s->dim : NULL;
  }
  rc = run_jobs(s, jobs, C);
  for (size_t c = 0; rc == CAUSAL_OK && c < C; c++)
    if (jobs[c].status != CAUSAL_OK) {
      rc = jobs[c].status;
      if (rc == CAUSAL_ENOMEM)
        cz_fail(rc, "causal_sampler_run: out of memory in chain %zu", c + 1);
      else
        cz_fail(rc, "%s", jobs[c].msg);
    }
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "sampler");
  if (rc == CAUSAL_OK)
    rc = build_result(r, s, jobs, draws, params, inv_metric, summary, R, P);
done:
  cz_free(a, draws);
  cz_free(a, summary);
  cz_free(a, jobs);
  cz_free(a, params);
  cz_free(a, inv_metric);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}
