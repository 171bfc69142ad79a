/* Deterministic synthetic scenario: a randomized experiment, an
 * observational population with self-selection and a DiD panel, with the
 * sample true effects. Model and draw order: include/causal/simulate.h and
 * docs/demo.md (tests/ref/simulate_reference.py re-implements it on numpy's
 * PCG64 and must stay in step with this file).
 *
 * Reproducibility: every value is IEEE-754 arithmetic on PCG64 draws plus
 * exp/log from the C library (logistic probabilities and the rare exact
 * test of the normal sampler), so the bytes are the same wherever those
 * functions agree (they are correctly rounded in practice for these
 * arguments on glibc, musl and macOS). Contraction of a*b+c into fused
 * multiply-adds would change the last bits, so it is switched off. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "internal/dataset.h"
#include "internal/rng.h"

#include <math.h>
#include <string.h>

/* Population parameters (documented in simulate.h and docs/demo.md). */
#define REV_EFFECT 0.5
#define REV_EFFECT_TENURE 0.4
#define CONV_LOGODDS 0.2
#define DID_EFFECT 2.0
#define RCT_SHARE 0.2
#define RCT_P_TREAT 0.5
#define N_PERIODS 10
#define MAX_ROWS ((uint64_t)1 << 32)

enum { STREAM_RCT = 1, STREAM_OBS = 2, STREAM_PANEL = 3 };

static double logistic(double eta) { return 1.0 / (1.0 + exp(-eta)); }

/* ---- user-level datasets (rct and obs) ---------------------------------- */

enum { U_UNIT, U_TREATED, U_TENURE, U_MOBILE, U_PRE, U_CONV, U_REV, U_NCOL };
static const char *const user_names[U_NCOL] = {
    "unit", "treated", "tenure", "mobile", "pre_revenue", "converted",
    "revenue"};
static const int user_types[U_NCOL] = {
    CAUSAL_TYPE_I64,  CAUSAL_TYPE_BOOL, CAUSAL_TYPE_F64, CAUSAL_TYPE_BOOL,
    CAUSAL_TYPE_F64,  CAUSAL_TYPE_BOOL, CAUSAL_TYPE_F64};

enum { P_UNIT, P_PERIOD, P_COHORT, P_TREATED, P_REV, P_NCOL };
static const char *const panel_names[P_NCOL] = {"unit", "period", "cohort",
                                                "treated", "revenue"};
static const int panel_types[P_NCOL] = {CAUSAL_TYPE_I64, CAUSAL_TYPE_I64,
                                        CAUSAL_TYPE_I64, CAUSAL_TYPE_BOOL,
                                        CAUSAL_TYPE_F64};

static size_t type_size(int type) {
  return type == CAUSAL_TYPE_BOOL ? 1 : 8;
}

/* Allocate ncol column buffers of n rows with the dataset's allocator. */
static int alloc_columns(causal_dataset *ds, void **bufs, const int *types,
                         size_t ncol, size_t n) {
  for (size_t j = 0; j < ncol; j++) {
    size_t bytes;
    bufs[j] = cz_mul_size(n, type_size(types[j]), &bytes)
                  ? cz_malloc(&ds->alloc, bytes)
                  : NULL;
    if (bufs[j] == NULL) {
      for (size_t k = 0; k < j; k++)
        cz_free(&ds->alloc, bufs[k]);
      return CAUSAL_ENOMEM;
    }
  }
  return CAUSAL_OK;
}

/* Hand the buffers to the dataset (it frees them on failure too). */
static int adopt_columns(causal_dataset *ds, void **bufs,
                         const char *const *names, const int *types,
                         size_t ncol, size_t n) {
  int rc = CAUSAL_OK;
  for (size_t j = 0; j < ncol; j++) {
    if (rc == CAUSAL_OK)
      rc = cz_dataset_adopt(ds, names[j], types[j], bufs[j], NULL, n, NULL, 0);
    else
      cz_free(&ds->alloc, bufs[j]);
  }
  return rc;
}

/* Sums of the sample potential outcomes of a user dataset. */
typedef struct user_truth {
  double tau_all, tau_treated; /* sums of revenue(1) - revenue(0) */
  int64_t conv_all, conv_treated; /* sums of converted(1) - converted(0) */
  int64_t n_treated;
} user_truth;

/* n users from stream `stream`; ids start at first_id; observational
 * selection when obs != 0. Draw order per user: tenure, mobile, a, e1, e2,
 * u_c, u_t. */
static int make_users(causal_dataset **out, user_truth *tr, uint64_t seed,
                      int stream, size_t n, int64_t first_id, int obs) {
  causal_dataset *ds = NULL;
  void *b[U_NCOL];
  CZ_CHECK(causal_dataset_new(&ds));
  int rc = alloc_columns(ds, b, user_types, U_NCOL, n);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  int64_t *unit = b[U_UNIT];
  uint8_t *treated = b[U_TREATED], *mobile = b[U_MOBILE], *conv = b[U_CONV];
  double *tenure = b[U_TENURE], *pre = b[U_PRE], *rev = b[U_REV];
  causal_rng r;
  cz_rng_seed(&r, seed, (uint64_t)stream);
  memset(tr, 0, sizeof *tr);
  for (size_t i = 0; i < n; i++) {
    double x1 = cz_rng_normal1(&r);
    int x2 = cz_rng_uniform1(&r) < 0.4;
    double a = cz_rng_normal1(&r);
    double e1 = cz_rng_normal1(&r);
    double e2 = cz_rng_normal1(&r);
    double uc = cz_rng_uniform1(&r);
    double ut = cz_rng_uniform1(&r);
    double p_pre = 10.0 + 3.0 * a + 1.5 * x1 + 2.0 * e1;
    double y0 = 10.0 + 3.0 * a + 1.5 * x1 + (double)x2 + 3.0 * e2;
    double tau = REV_EFFECT + REV_EFFECT_TENURE * x1;
    double eta = -2.0 + 0.6 * a + 0.3 * x1 + 0.3 * (double)x2;
    int c0 = uc < logistic(eta);
    int c1 = uc < logistic(eta + CONV_LOGODDS);
    int t;
    if (obs)
      t = ut < logistic(-1.6 + 0.8 * x1 + 0.6 * (double)x2 +
                        0.15 * (p_pre - 10.0));
    else
      t = ut < RCT_P_TREAT;
    unit[i] = first_id + (int64_t)i;
    treated[i] = (uint8_t)t;
    tenure[i] = x1;
    mobile[i] = (uint8_t)x2;
    pre[i] = p_pre;
    conv[i] = (uint8_t)(t ? c1 : c0);
    rev[i] = t ? y0 + tau : y0;
    tr->tau_all += tau;
    tr->conv_all += c1 - c0;
    if (t) {
      tr->tau_treated += tau;
      tr->conv_treated += c1 - c0;
      tr->n_treated++;
    }
  }
  rc = adopt_columns(ds, b, user_names, user_types, U_NCOL, n);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  *out = ds;
  return CAUSAL_OK;
}

/* Panel of n_units x N_PERIODS rows. Draw order per unit: cohort uniform,
 * f, g, then e_it for t = 1..10. */
static int make_panel(causal_dataset **out, double *did_att, uint64_t seed,
                      size_t n_units) {
  causal_dataset *ds = NULL;
  void *b[P_NCOL];
  size_t n = n_units * N_PERIODS;
  CZ_CHECK(causal_dataset_new(&ds));
  int rc = alloc_columns(ds, b, panel_types, P_NCOL, n);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  int64_t *unit = b[P_UNIT], *period = b[P_PERIOD], *cohort = b[P_COHORT];
  uint8_t *treated = b[P_TREATED];
  double *rev = b[P_REV];
  causal_rng r;
  cz_rng_seed(&r, seed, STREAM_PANEL);
  double tau_sum = 0;
  int64_t n_cells = 0;
  for (size_t i = 0; i < n_units; i++) {
    double u = cz_rng_uniform1(&r);
    int64_t c = u < 0.4 ? 0 : u < 0.6 ? 4 : u < 0.8 ? 6 : 8;
    double f = cz_rng_normal1(&r);
    double g = cz_rng_normal1(&r);
    double tau = DID_EFFECT + 0.5 * g;
    double level = 20.0 + 2.0 * f + (c > 0 ? 1.0 : 0.0);
    for (int t = 1; t <= N_PERIODS; t++) {
      size_t k = i * N_PERIODS + (size_t)(t - 1);
      double y0 = level + 0.25 * (double)t + cz_rng_normal1(&r);
      int d = c > 0 && t >= c;
      unit[k] = (int64_t)i + 1;
      period[k] = t;
      cohort[k] = c;
      treated[k] = (uint8_t)d;
      rev[k] = d ? y0 + tau : y0;
      if (d) {
        tau_sum += tau;
        n_cells++;
      }
    }
  }
  rc = adopt_columns(ds, b, panel_names, panel_types, P_NCOL, n);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(ds);
    return rc;
  }
  *did_att = n_cells > 0 ? tau_sum / (double)n_cells : NAN;
  *out = ds;
  return CAUSAL_OK;
}

static const char truth_text[] =
    "Sample estimands from the generated units' potential outcomes: "
    "rct_ate_* = mean of Y(1) - Y(0) over the rct users; obs_att_* = the "
    "same over the treated obs users (obs_ate_*: all obs users); did_att = "
    "mean of tau_i over the treated unit-periods of the panel. Exact for "
    "these data; param_* are the population parameters of the model.";

static int make_truth(causal_result **out, uint64_t seed, size_t rows,
                      size_t n_rct, size_t n_obs, size_t n_units,
                      const user_truth *rt, const user_truth *ot,
                      double did_att) {
  causal_result *r = NULL;
  CZ_CHECK(causal_result_new(&r, "scenario"));
  double nt = (double)ot->n_treated;
  const struct {
    const char *name;
    double v;
  } s[] = {
      {"seed", (double)seed},
      {"rows", (double)rows},
      {"n_rct", (double)n_rct},
      {"n_obs", (double)n_obs},
      {"n_units", (double)n_units},
      {"n_periods", N_PERIODS},
      {"n_panel", (double)(n_units * N_PERIODS)},
      {"rct_ate_revenue", rt->tau_all / (double)n_rct},
      {"rct_ate_conversion", (double)rt->conv_all / (double)n_rct},
      {"obs_att_revenue", nt > 0 ? ot->tau_treated / nt : NAN},
      {"obs_att_conversion", nt > 0 ? (double)ot->conv_treated / nt : NAN},
      {"obs_ate_revenue", ot->tau_all / (double)n_obs},
      {"obs_ate_conversion", (double)ot->conv_all / (double)n_obs},
      {"did_att", did_att},
      {"param_revenue_effect", REV_EFFECT},
      {"param_revenue_effect_tenure", REV_EFFECT_TENURE},
      {"param_conversion_logodds", CONV_LOGODDS},
      {"param_did_effect", DID_EFFECT},
      {"param_rct_share", RCT_SHARE},
      {"param_rct_p_treat", RCT_P_TREAT},
  };
  int rc = CAUSAL_OK;
  for (size_t i = 0; i < sizeof s / sizeof s[0] && rc == CAUSAL_OK; i++)
    rc = causal_result_set_scalar(r, s[i].name, s[i].v);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(r, "truth_definition", truth_text);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  return CAUSAL_OK;
}

int causal_simulate_scenario(causal_dataset **rct, causal_dataset **obs,
                             causal_dataset **panel, causal_result **truth,
                             uint64_t seed, size_t rows) {
  static const char *fn = "causal_simulate_scenario";
  if (rct)
    *rct = NULL;
  if (obs)
    *obs = NULL;
  if (panel)
    *panel = NULL;
  if (truth)
    *truth = NULL;
  if (!rct && !obs && !panel && !truth)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: rct, obs, panel and truth are all NULL (nothing to "
                   "return)",
                   fn);
  if (rows < CAUSAL_SIMULATE_MIN_ROWS || (uint64_t)rows > MAX_ROWS)
    return cz_fail(CAUSAL_ERANGE,
                   "%s: rows = %zu is out of range [%d, 2^32]", fn, rows,
                   (int)CAUSAL_SIMULATE_MIN_ROWS);
  size_t n_units = rows / 100;
  size_t m = rows - n_units * N_PERIODS;
  size_t n_rct = m / 5, n_obs = m - n_rct;
  causal_dataset *d_rct = NULL, *d_obs = NULL, *d_panel = NULL;
  causal_result *res = NULL;
  user_truth rt, ot;
  double did_att = NAN;
  int rc = CAUSAL_OK;
  memset(&rt, 0, sizeof rt);
  memset(&ot, 0, sizeof ot);
  /* Parts that are not returned are generated only for the truth. */
  if (rct || truth)
    rc = make_users(&d_rct, &rt, seed, STREAM_RCT, n_rct, 1, 0);
  if (rc == CAUSAL_OK && (obs || truth))
    rc = make_users(&d_obs, &ot, seed, STREAM_OBS, n_obs,
                    (int64_t)n_rct + 1, 1);
  if (rc == CAUSAL_OK && (panel || truth))
    rc = make_panel(&d_panel, &did_att, seed, n_units);
  if (rc == CAUSAL_OK && truth)
    rc = make_truth(&res, seed, rows, n_rct, n_obs, n_units, &rt, &ot,
                    did_att);
  if (rc != CAUSAL_OK || !rct)
    causal_dataset_free(d_rct);
  if (rc != CAUSAL_OK || !obs)
    causal_dataset_free(d_obs);
  if (rc != CAUSAL_OK || !panel)
    causal_dataset_free(d_panel);
  if (rc != CAUSAL_OK)
    return rc;
  if (rct)
    *rct = d_rct;
  if (obs)
    *obs = d_obs;
  if (panel)
    *panel = d_panel;
  if (truth)
    *truth = res;
  cz_clear_error();
  return CAUSAL_OK;
}
