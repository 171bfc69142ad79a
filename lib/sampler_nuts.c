/* The No-U-Turn sampler with multinomial sampling of the trajectory
 * (Hoffman & Gelman 2014; Betancourt 2017, "A conceptual introduction to
 * Hamiltonian Monte Carlo", sec. A.3), the generalized no-U-turn criterion
 * checked across merged subtrees, a diagonal Euclidean metric, step-size
 * dual averaging (Nesterov 2009 as in Hoffman & Gelman, sec. 3.2) and
 * Stan's windowed warmup (fast init buffer, doubling slow windows for the
 * metric, fast terminal buffer). Schedule and constants as documented in
 * the Stan Reference Manual ("HMC algorithm parameters"); see
 * docs/methods/sampler.md. */
#include "internal/core.h"
#include "internal/rng.h"
#include "internal/sampler.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  double *q, *p, *g; /* position, momentum, gradient of log density */
  double V;          /* potential = -log density (+Inf outside support) */
} pspt;

typedef struct {
  pspt z_final;
  double *p_init_end, *ps_init_end, *rho_init;
  double *p_final_beg, *ps_final_beg, *rho_final;
  double *rho_sub, *rho_ext;
} level_ws;

typedef struct {
  cz_chain_job *job;
  const causal_sampler *s;
  size_t d;
  causal_rng rng;
  double *minv; /* diagonal inverse metric */
  double eps, max_dh;
  int max_depth;
  pspt z; /* the moving point */
  int divergent;
  int fatal; /* callback returned < 0 */
  int fatal_rc;
  long iter; /* for messages: 1-based, warmup included */
  double n_leapfrog_iter, sum_metro;
  double n_grad_total;
  level_ws *lev; /* max_depth levels */
  double *mem;
} nuts;

static void job_fail(cz_chain_job *job, int status, const char *fmt, ...)
    CZ_PRINTF(3, 4);
static void job_fail(cz_chain_job *job, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(job->msg, sizeof job->msg, fmt, ap);
  va_end(ap);
  job->status = status;
}

static void pt_copy(size_t d, pspt *dst, const pspt *src) {
  memcpy(dst->q, src->q, d * sizeof(double));
  memcpy(dst->p, src->p, d * sizeof(double));
  memcpy(dst->g, src->g, d * sizeof(double));
  dst->V = src->V;
}

/* Evaluate the log density at z->q. Failures other than a fatal callback
 * error give V = +Inf (Stan's handling of domain errors). */
static void eval(nuts *u, pspt *z) {
  double lp = NAN;
  u->n_grad_total += 1;
  int rc = u->s->fn(u->s->ctx, z->q, u->d, &lp, z->g);
  if (rc < 0) {
    u->fatal = 1;
    u->fatal_rc = rc;
  }
  int ok = rc == 0 && !isnan(lp) && lp != INFINITY;
  for (size_t i = 0; ok && i < u->d; i++)
    ok = isfinite(z->g[i]);
  if (!ok) {
    z->V = INFINITY;
    memset(z->g, 0, u->d * sizeof(double));
  } else {
    z->V = -lp;
  }
}

static double kinetic(const nuts *u, const double *p) {
  double t = 0;
  for (size_t i = 0; i < u->d; i++)
    t += p[i] * p[i] * u->minv[i];
  return 0.5 * t;
}

static double hamiltonian(const nuts *u, const pspt *z) {
  double h = z->V + kinetic(u, z->p);
  return isnan(h) ? INFINITY : h;
}

static void sample_p(nuts *u, pspt *z) {
  for (size_t i = 0; i < u->d; i++)
    z->p[i] = cz_rng_normal1(&u->rng) / sqrt(u->minv[i]);
}

static void leapfrog(nuts *u, pspt *z, double eps) {
  size_t d = u->d;
  for (size_t i = 0; i < d; i++)
    z->p[i] += 0.5 * eps * z->g[i];
  for (size_t i = 0; i < d; i++)
    z->q[i] += eps * u->minv[i] * z->p[i];
  eval(u, z);
  for (size_t i = 0; i < d; i++)
    z->p[i] += 0.5 * eps * z->g[i];
}

static void p_sharp(const nuts *u, const double *p, double *out) {
  for (size_t i = 0; i < u->d; i++)
    out[i] = u->minv[i] * p[i];
}

static double dot(size_t d, const double *a, const double *b) {
  double s = 0;
  for (size_t i = 0; i < d; i++)
    s += a[i] * b[i];
  return s;
}

static int criterion(size_t d, const double *ps_minus, const double *ps_plus,
                     const double *rho) {
  return dot(d, ps_plus, rho) > 0 && dot(d, ps_minus, rho) > 0;
}

static double log_sum_exp(double a, double b) {
  if (a == -INFINITY)
    return b;
  if (b == -INFINITY)
    return a;
  double m = a > b ? a : b;
  return m + log(exp(a - m) + exp(b - m));
}

static void vadd(size_t d, double *out, const double *a, const double *b) {
  for (size_t i = 0; i < d; i++)
    out[i] = a[i] + b[i];
}

/* Build a subtree of 2^depth leapfrog steps from u->z in direction sign.
 * Returns 1 if valid (no divergence, no U-turn inside). */
static int build_tree(nuts *u, int depth, pspt *z_propose, double *ps_beg,
                      double *ps_end, double *rho, double *p_beg,
                      double *p_end, double H0, double sign, double *lsw) {
  size_t d = u->d;
  if (depth == 0) {
    leapfrog(u, &u->z, sign * u->eps);
    u->n_leapfrog_iter += 1;
    if (u->fatal)
      return 0;
    double h = hamiltonian(u, &u->z);
    if (h - H0 > u->max_dh)
      u->divergent = 1;
    *lsw = log_sum_exp(*lsw, H0 - h);
    u->sum_metro += (H0 - h > 0) ? 1.0 : exp(H0 - h);
    pt_copy(d, z_propose, &u->z);
    p_sharp(u, u->z.p, ps_beg);
    memcpy(ps_end, ps_beg, d * sizeof(double));
    for (size_t i = 0; i < d; i++)
      rho[i] += u->z.p[i];
    memcpy(p_beg, u->z.p, d * sizeof(double));
    memcpy(p_end, u->z.p, d * sizeof(double));
    return !u->divergent;
  }
  level_ws *L = &u->lev[depth];
  /* initial subtree */
  double lsw_init = -INFINITY;
  memset(L->rho_init, 0, d * sizeof(double));
  if (!build_tree(u, depth - 1, z_propose, ps_beg, L->ps_init_end,
                  L->rho_init, p_beg, L->p_init_end, H0, sign, &lsw_init))
    return 0;
  /* final subtree */
  double lsw_final = -INFINITY;
  memset(L->rho_final, 0, d * sizeof(double));
  if (!build_tree(u, depth - 1, &L->z_final, L->ps_final_beg, ps_end,
                  L->rho_final, L->p_final_beg, p_end, H0, sign, &lsw_final))
    return 0;
  /* multinomial choice between the two halves */
  double lsw_sub = log_sum_exp(lsw_init, lsw_final);
  *lsw = log_sum_exp(*lsw, lsw_sub);
  if (lsw_final > lsw_sub) {
    pt_copy(d, z_propose, &L->z_final);
  } else {
    double accept = exp(lsw_final - lsw_sub);
    if (cz_rng_uniform1(&u->rng) < accept)
      pt_copy(d, z_propose, &L->z_final);
  }
  vadd(d, L->rho_sub, L->rho_init, L->rho_final);
  for (size_t i = 0; i < d; i++)
    rho[i] += L->rho_sub[i];
  /* the merged subtree, then across its two halves */
  int persist = criterion(d, ps_beg, ps_end, L->rho_sub);
  vadd(d, L->rho_ext, L->rho_init, L->p_final_beg);
  persist = persist && criterion(d, ps_beg, L->ps_final_beg, L->rho_ext);
  vadd(d, L->rho_ext, L->rho_final, L->p_init_end);
  persist = persist && criterion(d, L->ps_init_end, ps_end, L->rho_ext);
  return persist;
}

/* Top-level workspace of a transition. */
typedef struct {
  pspt z_fwd, z_bck, z_sample, z_propose;
  double *p_fwd_fwd, *ps_fwd_fwd, *p_fwd_bck, *ps_fwd_bck;
  double *p_bck_fwd, *ps_bck_fwd, *p_bck_bck, *ps_bck_bck;
  double *rho, *rho_fwd, *rho_bck, *rho_ext;
} top_ws;

/* One NUTS transition from u->z (q, V, g valid). On return u->z is the new
 * sample; *accept, *depth_out filled. */
static void transition(nuts *u, top_ws *w, double *accept, int *depth_out) {
  size_t d = u->d;
  sample_p(u, &u->z);
  pt_copy(d, &w->z_fwd, &u->z);
  pt_copy(d, &w->z_bck, &u->z);
  pt_copy(d, &w->z_sample, &u->z);
  pt_copy(d, &w->z_propose, &u->z);
  p_sharp(u, u->z.p, w->ps_fwd_fwd);
  memcpy(w->ps_fwd_bck, w->ps_fwd_fwd, d * sizeof(double));
  memcpy(w->ps_bck_fwd, w->ps_fwd_fwd, d * sizeof(double));
  memcpy(w->ps_bck_bck, w->ps_fwd_fwd, d * sizeof(double));
  memcpy(w->p_fwd_fwd, u->z.p, d * sizeof(double));
  memcpy(w->p_fwd_bck, u->z.p, d * sizeof(double));
  memcpy(w->p_bck_fwd, u->z.p, d * sizeof(double));
  memcpy(w->p_bck_bck, u->z.p, d * sizeof(double));
  memcpy(w->rho, u->z.p, d * sizeof(double));
  double lsw = 0;
  double H0 = hamiltonian(u, &u->z);
  u->n_leapfrog_iter = 0;
  u->sum_metro = 0;
  u->divergent = 0;
  int depth = 0;
  while (depth < u->max_depth) {
    memset(w->rho_fwd, 0, d * sizeof(double));
    memset(w->rho_bck, 0, d * sizeof(double));
    int valid;
    double lsw_sub = -INFINITY;
    if (cz_rng_uniform1(&u->rng) > 0.5) {
      pt_copy(d, &u->z, &w->z_fwd);
      memcpy(w->rho_bck, w->rho, d * sizeof(double));
      /* the old trajectory becomes the backward part: its forward end */
      memcpy(w->p_bck_fwd, w->p_fwd_fwd, d * sizeof(double));
      memcpy(w->ps_bck_fwd, w->ps_fwd_fwd, d * sizeof(double));
      valid = build_tree(u, depth, &w->z_propose, w->ps_fwd_bck, w->ps_fwd_fwd,
                         w->rho_fwd, w->p_fwd_bck, w->p_fwd_fwd, H0, 1.0,
                         &lsw_sub);
      pt_copy(d, &w->z_fwd, &u->z);
    } else {
      pt_copy(d, &u->z, &w->z_bck);
      memcpy(w->rho_fwd, w->rho, d * sizeof(double));
      memcpy(w->p_fwd_bck, w->p_bck_bck, d * sizeof(double));
      memcpy(w->ps_fwd_bck, w->ps_bck_bck, d * sizeof(double));
      valid = build_tree(u, depth, &w->z_propose, w->ps_bck_fwd, w->ps_bck_bck,
                         w->rho_bck, w->p_bck_fwd, w->p_bck_bck, H0, -1.0,
                         &lsw_sub);
      pt_copy(d, &w->z_bck, &u->z);
    }
    if (!valid || u->fatal)
      break;
    ++depth;
    if (lsw_sub > lsw) {
      pt_copy(d, &w->z_sample, &w->z_propose);
    } else {
      double a = exp(lsw_sub - lsw);
      if (cz_rng_uniform1(&u->rng) < a)
        pt_copy(d, &w->z_sample, &w->z_propose);
    }
    lsw = log_sum_exp(lsw, lsw_sub);
    vadd(d, w->rho, w->rho_bck, w->rho_fwd);
    int persist = criterion(d, w->ps_bck_bck, w->ps_fwd_fwd, w->rho);
    vadd(d, w->rho_ext, w->rho_bck, w->p_fwd_bck);
    persist = persist && criterion(d, w->ps_bck_bck, w->ps_fwd_bck, w->rho_ext);
    vadd(d, w->rho_ext, w->rho_fwd, w->p_bck_fwd);
    persist = persist && criterion(d, w->ps_bck_fwd, w->ps_fwd_fwd, w->rho_ext);
    if (!persist)
      break;
  }
  *accept = u->n_leapfrog_iter > 0 ? u->sum_metro / u->n_leapfrog_iter : 0;
  *depth_out = depth;
  pt_copy(d, &u->z, &w->z_sample);
}

/* Stan's heuristic: double or halve eps until the one-step acceptance
 * crosses 0.8. Returns 0, or an error status (job message set). */
static int init_stepsize(nuts *u, pspt *zi) {
  size_t d = u->d;
  if (u->eps == 0 || u->eps > 1e7 || isnan(u->eps))
    return CAUSAL_OK;
  pt_copy(d, zi, &u->z);
  sample_p(u, &u->z);
  double H0 = hamiltonian(u, &u->z);
  leapfrog(u, &u->z, u->eps);
  double dH = H0 - hamiltonian(u, &u->z);
  int dir = dH > log(0.8) ? 1 : -1;
  for (;;) {
    if (u->fatal)
      return CAUSAL_EINVAL;
    pt_copy(d, &u->z, zi);
    sample_p(u, &u->z);
    H0 = hamiltonian(u, &u->z);
    leapfrog(u, &u->z, u->eps);
    dH = H0 - hamiltonian(u, &u->z);
    if (u->fatal)
      return CAUSAL_EINVAL;
    if (dir == 1 && !(dH > log(0.8)))
      break;
    if (dir == -1 && !(dH < log(0.8)))
      break;
    u->eps = dir == 1 ? 2 * u->eps : 0.5 * u->eps;
    if (u->eps > 1e7) {
      job_fail(u->job, CAUSAL_ENOCONV,
               "causal_sampler_run: chain %zu: step size grew past 1e7 while "
               "initializing; the posterior looks improper",
               u->job->chain + 1);
      return CAUSAL_ENOCONV;
    }
    if (u->eps == 0) {
      job_fail(u->job, CAUSAL_ENOCONV,
               "causal_sampler_run: chain %zu: no acceptably small step size "
               "found; the log density or its gradient may be wrong",
               u->job->chain + 1);
      return CAUSAL_ENOCONV;
    }
  }
  pt_copy(d, &u->z, zi);
  return CAUSAL_OK;
}

/* Initial point: given or uniform(-r, r) with up to 100 attempts. */
static int find_init(nuts *u) {
  const causal_sampler *s = u->s;
  size_t d = u->d;
  if (s->init != NULL) {
    const double *src =
        s->n_init == d ? s->init : s->init + u->job->chain * d;
    memcpy(u->z.q, src, d * sizeof(double));
    eval(u, &u->z);
    if (u->fatal)
      return CAUSAL_EINVAL;
    if (u->z.V == INFINITY || u->z.V == -INFINITY) {
      job_fail(u->job, CAUSAL_ENONFINITE,
               "causal_sampler_run: chain %zu: the log density or its "
               "gradient is not finite (or the callback rejected the point) "
               "at the initial values",
               u->job->chain + 1);
      return CAUSAL_ENONFINITE;
    }
    return CAUSAL_OK;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    for (size_t i = 0; i < d; i++)
      u->z.q[i] = s->init_radius * (2 * cz_rng_uniform1(&u->rng) - 1);
    eval(u, &u->z);
    if (u->fatal)
      return CAUSAL_EINVAL;
    if (isfinite(u->z.V))
      return CAUSAL_OK;
  }
  job_fail(u->job, CAUSAL_ENONFINITE,
           "causal_sampler_run: chain %zu: no finite log density with "
           "finite gradient at 100 random initial values in (-%g, %g); "
           "set initial values",
           u->job->chain + 1, s->init_radius, s->init_radius);
  return CAUSAL_ENONFINITE;
}

/* Stan's windowed adaptation schedule. */
typedef struct {
  long num_warmup, init_buffer, term_buffer, base_window;
  long counter, window_size, next_window;
  /* Welford */
  long n;
  double *mean, *m2;
} windows;

static void win_setup(windows *w, long num_warmup) {
  w->num_warmup = num_warmup;
  w->init_buffer = 75;
  w->term_buffer = 50;
  w->base_window = 25;
  if (num_warmup >= 20 &&
      w->init_buffer + w->base_window + w->term_buffer > num_warmup) {
    w->init_buffer = (long)(0.15 * (double)num_warmup);
    w->term_buffer = (long)(0.1 * (double)num_warmup);
    w->base_window = num_warmup - (w->init_buffer + w->term_buffer);
  }
  w->counter = 0;
  w->window_size = w->base_window;
  w->next_window = w->init_buffer + w->window_size - 1;
  w->n = 0;
}

static int win_in_window(const windows *w) {
  return w->counter >= w->init_buffer &&
         w->counter < w->num_warmup - w->term_buffer &&
         w->counter != w->num_warmup;
}

static int win_end(const windows *w) {
  return w->counter == w->next_window && w->counter != w->num_warmup;
}

static void win_next(windows *w) {
  long last = w->num_warmup - w->term_buffer - 1;
  if (w->next_window == last)
    return;
  w->window_size *= 2;
  w->next_window = w->counter + w->window_size;
  if (w->next_window != last) {
    long boundary = w->next_window + 2 * w->window_size;
    if (boundary >= w->num_warmup - w->term_buffer)
      w->next_window = last;
  }
}

/* Returns 1 when the metric was updated. */
static int win_learn(windows *w, size_t d, const double *q, double *minv) {
  if (win_in_window(w)) {
    w->n++;
    for (size_t i = 0; i < d; i++) {
      double delta = q[i] - w->mean[i];
      w->mean[i] += delta / (double)w->n;
      w->m2[i] += delta * (q[i] - w->mean[i]);
    }
  }
  if (win_end(w)) {
    win_next(w);
    double n = (double)w->n;
    for (size_t i = 0; i < d; i++) {
      double var = w->n > 1 ? w->m2[i] / (n - 1.0) : 0.0;
      minv[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));
    }
    w->n = 0;
    memset(w->mean, 0, d * sizeof(double));
    memset(w->m2, 0, d * sizeof(double));
    w->counter++;
    return 1;
  }
  w->counter++;
  return 0;
}

/* Dual averaging of log step size (Hoffman & Gelman 2014, sec. 3.2). */
typedef struct {
  double mu, delta, gamma, kappa, t0;
  double counter, s_bar, x_bar;
} dual_avg;

static void da_restart(dual_avg *a) { a->counter = a->s_bar = a->x_bar = 0; }

static double da_learn(dual_avg *a, double stat) {
  a->counter += 1;
  if (stat > 1)
    stat = 1;
  double eta = 1.0 / (a->counter + a->t0);
  a->s_bar = (1.0 - eta) * a->s_bar + eta * (a->delta - stat);
  double x = a->mu - a->s_bar * sqrt(a->counter) / a->gamma;
  double x_eta = pow(a->counter, -a->kappa);
  a->x_bar = (1.0 - x_eta) * a->x_bar + x_eta * x;
  return exp(x);
}

static int fatal_msg(nuts *u) {
  job_fail(u->job, CAUSAL_EINVAL,
           "causal_sampler_run: the logp_grad callback returned %d (chain "
           "%zu, iteration %ld)",
           u->fatal_rc, u->job->chain + 1, u->iter);
  return CAUSAL_EINVAL;
}

static double *carve(double **p, size_t d) {
  double *r = *p;
  *p += d;
  return r;
}

static void pt_carve(pspt *z, double **p, size_t d) {
  z->q = carve(p, d);
  z->p = carve(p, d);
  z->g = carve(p, d);
  z->V = INFINITY;
}

void cz_nuts_chain(cz_chain_job *job) {
  const causal_sampler *s = job->s;
  nuts u;
  memset(&u, 0, sizeof u);
  u.job = job;
  u.s = s;
  u.d = s->dim;
  u.max_depth = (int)s->max_treedepth;
  u.max_dh = s->max_delta_h;
  u.eps = s->step_size;
  cz_rng_seed(&u.rng, (uint64_t)s->seed, (uint64_t)job->chain);
  size_t d = u.d;
  /* vectors: z (3), top (4 pts = 12, 12 more), init copy (3), minv, welford
   * (2), levels (11 each) */
  size_t per_level = 11;
  size_t nvec = 3 + 12 + 12 + 3 + 1 + 2 + per_level * (size_t)(u.max_depth + 1);
  size_t total;
  job->status = CAUSAL_OK;
  if (!cz_mul_size(nvec, d, &total)) {
    job_fail(job, CAUSAL_ENOMEM, "causal_sampler_run: dim %zu too large", d);
    return;
  }
  u.mem = cz_calloc(&s->alloc, total, sizeof(double));
  u.lev = cz_calloc(&s->alloc, (size_t)u.max_depth + 1, sizeof(level_ws));
  if (u.mem == NULL || u.lev == NULL) {
    job_fail(job, CAUSAL_ENOMEM, "causal_sampler_run: out of memory");
    goto done;
  }
  double *m = u.mem;
  top_ws w;
  pspt zi;
  windows win;
  memset(&win, 0, sizeof win);
  pt_carve(&u.z, &m, d);
  pt_carve(&w.z_fwd, &m, d);
  pt_carve(&w.z_bck, &m, d);
  pt_carve(&w.z_sample, &m, d);
  pt_carve(&w.z_propose, &m, d);
  double **vs[12] = {&w.p_fwd_fwd, &w.ps_fwd_fwd, &w.p_fwd_bck, &w.ps_fwd_bck,
                     &w.p_bck_fwd, &w.ps_bck_fwd, &w.p_bck_bck, &w.ps_bck_bck,
                     &w.rho,       &w.rho_fwd,   &w.rho_bck,   &w.rho_ext};
  for (int k = 0; k < 12; k++)
    *vs[k] = carve(&m, d);
  pt_carve(&zi, &m, d);
  u.minv = carve(&m, d);
  win.mean = carve(&m, d);
  win.m2 = carve(&m, d);
  for (int k = 0; k <= u.max_depth; k++) {
    level_ws *L = &u.lev[k];
    pt_carve(&L->z_final, &m, d);
    L->p_init_end = carve(&m, d);
    L->ps_init_end = carve(&m, d);
    L->rho_init = carve(&m, d);
    L->p_final_beg = carve(&m, d);
    L->ps_final_beg = carve(&m, d);
    L->rho_final = carve(&m, d);
    L->rho_sub = carve(&m, d);
    L->rho_ext = carve(&m, d);
  }
  for (size_t i = 0; i < d; i++)
    u.minv[i] = 1.0;

  if (find_init(&u) != CAUSAL_OK) {
    if (u.fatal)
      fatal_msg(&u);
    goto done;
  }
  long warmup = (long)s->warmup;
  int adapt = s->adapt && warmup > 0;
  dual_avg da = {log(10.0 * s->step_size), s->target_accept, 0.05, 0.75, 10.0,
                 0, 0, 0};
  if (adapt) {
    win_setup(&win, warmup);
    if (init_stepsize(&u, &zi) != CAUSAL_OK) {
      if (u.fatal)
        fatal_msg(&u);
      goto done;
    }
  }
  long thin = (long)s->thin;
  long total_iter = warmup + (long)s->samples * thin;
  size_t row = 0;
  double acc_sum = 0;
  for (long it = 0; it < total_iter; it++) {
    u.iter = it + 1;
    double accept;
    int depth;
    transition(&u, &w, &accept, &depth);
    if (u.fatal) {
      fatal_msg(&u);
      goto done;
    }
    job->n_leapfrog += u.n_leapfrog_iter;
    if (it < warmup) {
      if (adapt) {
        u.eps = da_learn(&da, accept);
        if (win_learn(&win, d, u.z.q, u.minv)) {
          if (init_stepsize(&u, &zi) != CAUSAL_OK) {
            if (u.fatal)
              fatal_msg(&u);
            goto done;
          }
          da.mu = log(10.0 * u.eps);
          da_restart(&da);
        }
        if (it == warmup - 1)
          u.eps = exp(da.x_bar);
      }
      continue;
    }
    if ((it - warmup) % thin != 0)
      continue;
    /* a sampling iteration kept */
    for (size_t i = 0; i < d; i++)
      job->draws[row + i * job->ld] = u.z.q[i];
    double *pr = job->params + row;
    pr[0] = accept;
    pr[job->ld] = u.eps;
    pr[2 * job->ld] = depth;
    pr[3 * job->ld] = u.n_leapfrog_iter;
    pr[4 * job->ld] = u.divergent;
    acc_sum += accept;
    job->n_div += u.divergent;
    if (depth > job->treedepth_max)
      job->treedepth_max = depth;
    row++;
  }
  job->step_size = u.eps;
  job->accept_mean = row > 0 ? acc_sum / (double)row : NAN;
  memcpy(job->inv_metric, u.minv, d * sizeof(double));
done:
  cz_free(&s->alloc, u.mem);
  cz_free(&s->alloc, u.lev);
}
