/* causal demo — the end-to-end job on embedded data: generate the synthetic
 * scenario (include/causal/simulate.h) and run the analysis pipeline on it,
 * each estimate beside the known truth, with timings (docs/demo.md).
 *
 * The pipeline is the table `steps` below. A step is a function
 *     int step_x(demo *d, demo_step *s)
 * that reads the scenario from d, records estimates with demo_add() and
 * full library results with demo_detail(), and returns a library status
 * (the runner times it, and records the error message if it fails; the
 * other steps still run). Adding a step = one function + one table row.
 * Results: DIR/results.json and a summary table on stdout. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { DEMO_MAX_EST = 8, DEMO_MAX_DETAILS = 6 };
#define DEMO_DEFAULT_ROWS 3000000
#define DEMO_DEFAULT_SEED 20261122

/* One estimate beside its truth. Strings are literals (static storage). */
typedef struct demo_est {
  const char *label;    /* what is estimated, e.g. "revenue, CUPED" */
  const char *method;   /* how, e.g. "CUPED on pre_revenue, Welch" */
  const char *estimand; /* truth entry of the scenario (NULL: none) */
  double estimate, std_error, conf_low, conf_high, truth;
} demo_est;

typedef struct demo_step {
  const char *name, *description;
  double seconds;
  int rc;          /* library status; -1000: skipped */
  char error[512]; /* message when rc != 0 */
  demo_est est[DEMO_MAX_EST];
  size_t nest;
  const char *detail_name[DEMO_MAX_DETAILS];
  causal_result *detail[DEMO_MAX_DETAILS];
  size_t ndetails;
} demo_step;

typedef struct demo {
  uint64_t seed;
  size_t rows;
  const char *out_dir;               /* --out: where results.json goes */
  causal_dataset *rct, *obs, *panel; /* the scenario (simulate step) */
  causal_result *truth;
  /* The steps run so far (estimates and details), for steps that combine
   * earlier results: fusion, the report. */
  const struct demo_step *done;
  size_t ndone;
} demo;

#define DEMO_SKIPPED (-1000)

static double truth_of(const demo *d, const char *name) {
  double v = NAN;
  if (d->truth != NULL && name != NULL)
    causal_result_get_scalar(d->truth, name, &v);
  return v;
}

/* Record an estimate; its truth is the scenario entry `estimand`. */
static void demo_add(demo *d, demo_step *s, const char *label,
                     const char *method, const char *estimand, double est,
                     double se, double lo, double hi) {
  if (s->nest >= DEMO_MAX_EST)
    return;
  demo_est *e = &s->est[s->nest++];
  e->label = label;
  e->method = method;
  e->estimand = estimand;
  e->estimate = est;
  e->std_error = se;
  e->conf_low = lo;
  e->conf_high = hi;
  e->truth = truth_of(d, estimand);
}

/* Keep a library result in results.json under details.<name>; takes
 * ownership of r. */
static void demo_detail(demo_step *s, const char *name, causal_result *r) {
  if (s->ndetails >= DEMO_MAX_DETAILS) {
    causal_result_free(r);
    return;
  }
  s->detail_name[s->ndetails] = name;
  s->detail[s->ndetails++] = r;
}

/* Column of a dataset as doubles in a new malloc'ed array. */
static int col_f64(const causal_dataset *ds, const char *name, double **out) {
  size_t j, n = causal_dataset_nrows(ds);
  *out = NULL;
  int rc = causal_dataset_col_index(ds, name, &j);
  if (rc != CAUSAL_OK)
    return rc;
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  rc = causal_dataset_col_to_f64(ds, j, v, n);
  if (rc != CAUSAL_OK) {
    free(v);
    return rc;
  }
  *out = v;
  return CAUSAL_OK;
}

/* ======================================================================
 * Steps
 * ====================================================================== */

static int step_simulate(demo *d, demo_step *s) {
  int rc = causal_simulate_scenario(&d->rct, &d->obs, &d->panel, &d->truth,
                                    d->seed, d->rows);
  (void)s;
  return rc;
}

/* ---- balance: standardized mean differences by arm -------------------- */

static const char *const BAL_COVS[] = {"tenure", "mobile", "pre_revenue"};
enum { BAL_P = 3 };

/* Means and variances of the covariates in each arm (causal_moments with
 * 0/1 weights), SMD = (m1 - m0) / sqrt((v1 + v0) / 2). The balance module
 * replaces this (weighted SMDs, variance ratios, before/after). */
static int smd_of(const causal_dataset *ds, double *smd, double *m1,
                  double *m0) {
  size_t n = causal_dataset_nrows(ds);
  double *x = malloc(n * BAL_P * sizeof *x), *t = NULL, *c = NULL;
  causal_moments *mt = NULL, *mc = NULL;
  int rc = x ? CAUSAL_OK : CAUSAL_ENOMEM;
  for (size_t j = 0; j < BAL_P && rc == CAUSAL_OK; j++) {
    size_t k;
    rc = causal_dataset_col_index(ds, BAL_COVS[j], &k);
    if (rc == CAUSAL_OK)
      rc = causal_dataset_col_to_f64(ds, k, x + j * n, n);
  }
  if (rc == CAUSAL_OK)
    rc = col_f64(ds, "treated", &t);
  if (rc == CAUSAL_OK && (c = malloc(n * sizeof *c)) == NULL)
    rc = CAUSAL_ENOMEM;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
    c[i] = 1.0 - t[i];
  if (rc == CAUSAL_OK)
    rc = causal_moments_new(&mt, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_moments_new(&mc, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_moments_update(mt, x, n, 1, n, t);
  if (rc == CAUSAL_OK)
    rc = causal_moments_update(mc, x, n, 1, n, c);
  double v1[BAL_P], v0[BAL_P];
  if (rc == CAUSAL_OK)
    rc = causal_moments_get(mt, CAUSAL_MOM_MEAN, m1, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_moments_get(mc, CAUSAL_MOM_MEAN, m0, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_moments_get(mt, CAUSAL_MOM_VAR, v1, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_moments_get(mc, CAUSAL_MOM_VAR, v0, BAL_P);
  for (size_t j = 0; rc == CAUSAL_OK && j < BAL_P; j++)
    smd[j] = (m1[j] - m0[j]) / sqrt((v1[j] + v0[j]) / 2);
  causal_moments_free(mt);
  causal_moments_free(mc);
  free(x);
  free(t);
  free(c);
  return rc;
}

static int step_balance(demo *d, demo_step *s) {
  /* matrix rows = covariates; columns: rct and obs means by arm and SMDs */
  static const char *const cn[] = {"rct_mean_treated", "rct_mean_control",
                                   "rct_smd", "obs_mean_treated",
                                   "obs_mean_control", "obs_smd"};
  double v[BAL_P * 6];
  int rc = smd_of(d->rct, v + 2 * BAL_P, v, v + BAL_P);
  if (rc == CAUSAL_OK)
    rc = smd_of(d->obs, v + 5 * BAL_P, v + 3 * BAL_P, v + 4 * BAL_P);
  causal_result *r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_result_new(&r, "balance_summary");
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "smd", v, BAL_P, 6, BAL_COVS, cn);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_string(
        r, "method",
        "standardized mean difference (m1 - m0) / sqrt((v1 + v0) / 2), "
        "unweighted, by arm");
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  demo_detail(s, "balance", r);
  return CAUSAL_OK;
}

/* ---- RCT: Welch, CUPED, conversion z ----------------------------------- */

/* Per-arm A/B states of the rct: revenue with pre_revenue as the CUPED
 * covariate, and conversion. arm 0 = control, 1 = treatment. */
static int rct_states(const demo *d, causal_abstats *rev[2],
                      causal_abstats *conv[2]) {
  size_t n = causal_dataset_nrows(d->rct);
  double *t = NULL, *y = NULL, *x = NULL, *c = NULL, *buf = NULL;
  int rc = col_f64(d->rct, "treated", &t);
  if (rc == CAUSAL_OK)
    rc = col_f64(d->rct, "revenue", &y);
  if (rc == CAUSAL_OK)
    rc = col_f64(d->rct, "pre_revenue", &x);
  if (rc == CAUSAL_OK)
    rc = col_f64(d->rct, "converted", &c);
  if (rc == CAUSAL_OK && (buf = malloc(3 * n * sizeof *buf)) == NULL)
    rc = CAUSAL_ENOMEM;
  for (int arm = 0; arm < 2 && rc == CAUSAL_OK; arm++) {
    /* gather the arm's units: y, x, conversion */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if ((t[i] != 0) == arm) {
        buf[k] = y[i];
        buf[n + k] = x[i];
        buf[2 * n + k] = c[i];
        k++;
      }
    rc = causal_abstats_new(&rev[arm], 0, 1);
    if (rc == CAUSAL_OK)
      rc = causal_abstats_update(rev[arm], buf, NULL, buf + n, n, k);
    if (rc == CAUSAL_OK)
      rc = causal_abstats_new(&conv[arm], 0, 0);
    if (rc == CAUSAL_OK)
      rc = causal_abstats_update(conv[arm], buf + 2 * n, NULL, NULL, 0, k);
  }
  free(t);
  free(y);
  free(x);
  free(c);
  free(buf);
  return rc;
}

/* Compare and record the headline of an abtest result. */
static int ab_compare(demo *d, demo_step *s, const causal_abtest *t,
                      causal_abstats *const arms[2], const char *label,
                      const char *method, const char *estimand,
                      const char *detail) {
  causal_result *r = NULL;
  int rc = causal_abtest_compare(t, arms[0], arms[1], &r);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, label, method, estimand, cli_scalar(r, "estimate"),
           cli_scalar(r, "std_error"), cli_scalar(r, "conf_low"),
           cli_scalar(r, "conf_high"));
  demo_detail(s, detail, r);
  return CAUSAL_OK;
}

static int step_rct(demo *d, demo_step *s) {
  causal_abstats *rev[2] = {NULL, NULL}, *conv[2] = {NULL, NULL};
  causal_abtest *t = NULL;
  int rc = rct_states(d, rev, conv);
  if (rc == CAUSAL_OK)
    rc = causal_abtest_new(&t);
  if (rc == CAUSAL_OK)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_WELCH);
  if (rc == CAUSAL_OK)
    rc = ab_compare(d, s, t, rev, "revenue: difference in means",
                    "Welch t", "rct_ate_revenue", "revenue_welch");
  if (rc == CAUSAL_OK)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_CUPED, 1);
  if (rc == CAUSAL_OK)
    rc = ab_compare(d, s, t, rev, "revenue: CUPED",
                    "CUPED on pre_revenue, Welch t", "rct_ate_revenue",
                    "revenue_cuped");
  if (rc == CAUSAL_OK) {
    causal_abtest_free(t);
    t = NULL;
    rc = causal_abtest_new(&t);
  }
  if (rc == CAUSAL_OK)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_METRIC, CAUSAL_AB_PROPORTION);
  if (rc == CAUSAL_OK)
    rc = causal_abtest_set_int(t, CAUSAL_ABTEST_TEST, CAUSAL_AB_Z_UNPOOLED);
  if (rc == CAUSAL_OK)
    rc = ab_compare(d, s, t, conv, "conversion: difference",
                    "two-proportion z (unpooled)", "rct_ate_conversion",
                    "conversion_z");
  causal_abtest_free(t);
  for (int a = 0; a < 2; a++) {
    causal_abstats_free(rev[a]);
    causal_abstats_free(conv[a]);
  }
  return rc;
}

/* ---- Bayesian A/B on conversion ----------------------------------------- */

static int step_bayes(demo *d, demo_step *s) {
  size_t n = causal_dataset_nrows(d->rct);
  double *t = NULL, *c = NULL, succ[2] = {0, 0}, trials[2] = {0, 0};
  int rc = col_f64(d->rct, "treated", &t);
  if (rc == CAUSAL_OK)
    rc = col_f64(d->rct, "converted", &c);
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    int arm = t[i] != 0;
    succ[arm] += c[i];
    trials[arm] += 1;
  }
  free(t);
  free(c);
  causal_result *r = NULL;
  if (rc == CAUSAL_OK)
    rc = causal_bayes_beta(&r, succ[0], trials[0], succ[1], trials[1], 1, 1,
                           0.95);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, "conversion: posterior of B - A",
           "Beta(1,1)-Bernoulli, 95% credible interval", "rct_ate_conversion",
           cli_scalar(r, "diff_mean"), NAN, cli_scalar(r, "diff_conf_low"),
           cli_scalar(r, "diff_conf_high"));
  demo_detail(s, "conversion_beta", r);
  return CAUSAL_OK;
}

/* ---- observational: naive and regression-adjusted ATT ------------------ */

/* Row of term `term` in the "coef" table of a regression result. */
static int coef_row(const causal_result *r, const char *term, double v[6]) {
  const double *tab;
  size_t k, nc;
  int rc = causal_result_get_matrix(r, "coef", &tab, &k, &nc);
  if (rc != CAUSAL_OK)
    return rc;
  for (size_t i = 0; i < k; i++) {
    const char *name = causal_result_dimname(r, "coef", 0, i);
    if (name != NULL && strcmp(name, term) == 0) {
      for (size_t c = 0; c < 6 && c < nc; c++)
        v[c] = tab[i + c * k];
      return CAUSAL_OK;
    }
  }
  fprintf(stderr, "%s demo: term '%s' not in the coefficient table\n", prog,
          term);
  return CAUSAL_ENOTFOUND;
}

static int fit_ols(const causal_dataset *ds, const char *const *terms,
                   size_t nterms, causal_result **out) {
  causal_regress *m = NULL;
  int rc = causal_regress_new(&m, CAUSAL_REGRESS_OLS);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, "revenue");
  for (size_t i = 0; i < nterms && rc == CAUSAL_OK; i++)
    rc = causal_regress_add_term(m, terms[i]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, CAUSAL_VCOV_HC1);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(out, m, ds);
  causal_regress_free(m);
  return rc;
}

/* The ATT by regression: revenue ~ treated + X + treated:(X - mean of X
 * among the treated). With the interactions centred at the treated means
 * the coefficient of treated is the average of the fitted effects over the
 * treated units (Oaxaca–Blinder / Lin 2013 form), so it estimates the ATT
 * even though the effect varies with tenure. HC1 standard errors (they
 * treat the treated means as known). */
static int step_observational(demo *d, demo_step *s) {
  static const char *const naive_terms[] = {"treated"};
  static const char *const adj_terms[] = {
      "treated",           "tenure",           "mobile",
      "pre_revenue",       "treated:tenure_c", "treated:mobile_c",
      "treated:pre_revenue_c"};
  size_t n = causal_dataset_nrows(d->obs);
  causal_result *naive = NULL, *adj = NULL;
  causal_dataset *view = NULL;
  double *t = NULL, *xc[BAL_P] = {NULL, NULL, NULL};
  double v[6];
  int rc = fit_ols(d->obs, naive_terms, 1, &naive);
  if (rc == CAUSAL_OK)
    rc = coef_row(naive, "treated", v);
  if (rc == CAUSAL_OK) {
    demo_add(d, s, "revenue: naive treated - control", "OLS revenue ~ treated, HC1",
             "obs_att_revenue", v[0], v[1], v[4], v[5]);
    demo_detail(s, "naive_ols", naive);
    naive = NULL;
  }
  /* a view of obs with the centred covariates added */
  if (rc == CAUSAL_OK)
    rc = causal_dataset_select(&view, d->obs,
                               (const char *const[]){"treated", "tenure",
                                                     "mobile", "pre_revenue",
                                                     "revenue"},
                               5);
  if (rc == CAUSAL_OK)
    rc = col_f64(d->obs, "treated", &t);
  for (size_t j = 0; j < BAL_P && rc == CAUSAL_OK; j++) {
    rc = col_f64(d->obs, BAL_COVS[j], &xc[j]);
    double sum = 0, nt = 0;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
      if (t[i] != 0) {
        sum += xc[j][i];
        nt += 1;
      }
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
      xc[j][i] -= sum / nt;
    char name[32];
    snprintf(name, sizeof name, "%s_c", BAL_COVS[j]);
    if (rc == CAUSAL_OK)
      rc = causal_dataset_add_f64(view, name, xc[j], NULL, n, CAUSAL_BORROW);
  }
  if (rc == CAUSAL_OK)
    rc = fit_ols(view, adj_terms, 7, &adj);
  if (rc == CAUSAL_OK)
    rc = coef_row(adj, "treated", v);
  if (rc == CAUSAL_OK) {
    demo_add(d, s, "revenue: regression-adjusted ATT",
             "OLS with treated x centred-covariate interactions, HC1",
             "obs_att_revenue", v[0], v[1], v[4], v[5]);
    demo_detail(s, "adjusted_ols", adj);
    adj = NULL;
  }
  causal_result_free(naive);
  causal_result_free(adj);
  causal_dataset_free(view); /* before the borrowed arrays */
  free(t);
  for (size_t j = 0; j < BAL_P; j++)
    free(xc[j]);
  return rc;
}

/* ---- difference-in-differences on the panel ----------------------------- */

static int fit_did(const demo *d, int design, causal_result **out) {
  causal_did *m = NULL;
  int rc = causal_did_new(&m, design);
  if (rc == CAUSAL_OK)
    rc = causal_did_set_outcome(m, "revenue");
  if (rc == CAUSAL_OK)
    rc = causal_did_set_unit(m, "unit");
  if (rc == CAUSAL_OK)
    rc = causal_did_set_time(m, "period");
  if (rc == CAUSAL_OK)
    rc = causal_did_set_cohort(m, "cohort");
  if (rc == CAUSAL_OK)
    rc = causal_did_fit(out, m, d->panel);
  causal_did_free(m);
  return rc;
}

static int step_did(demo *d, demo_step *s) {
  causal_result *r = NULL;
  int rc = fit_did(d, CAUSAL_DID_TWFE, &r);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, "panel revenue: DiD ATT", "TWFE, unit and period FE, CR1 by unit",
           "did_att", cli_scalar(r, "estimate"), cli_scalar(r, "std_error"),
           cli_scalar(r, "conf_low"), cli_scalar(r, "conf_high"));
  demo_detail(s, "twfe", r);
  r = NULL;
  rc = fit_did(d, CAUSAL_DID_EVENT_STUDY, &r);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, "panel revenue: event study, mean of r >= 0",
           "event study, reference r = -1, CR1 by unit", "did_att",
           cli_scalar(r, "estimate"), cli_scalar(r, "std_error"),
           cli_scalar(r, "conf_low"), cli_scalar(r, "conf_high"));
  demo_detail(s, "event_study", r);
  return CAUSAL_OK;
}

/* ---- the pipeline --------------------------------------------------------
 * Integration points (modules on other branches), one row each, in this
 * order: after "observational": "matching" (match.h), "weighting"
 * (propensity.h / weighting.h: IPW, AIPW, balance after weighting);
 * after "did": "fusion" (fusion.h: rct + obs); last: "report" (report.h:
 * report.html from the steps' estimates and details). The "balance" step
 * is replaced by balance.h. */
typedef int (*demo_step_fn)(demo *d, demo_step *s);

static const struct {
  const char *name;
  demo_step_fn run;
  const char *description;
} steps[] = {
    {"simulate", step_simulate,
     "generate the scenario (causal_simulate_scenario)"},
    {"balance", step_balance,
     "covariate balance by arm: standardized mean differences"},
    {"rct", step_rct,
     "randomized experiment: Welch, CUPED, two-proportion z"},
    {"bayes", step_bayes, "Bayesian A/B on conversion (Beta-Bernoulli)"},
    {"observational", step_observational,
     "observational population: naive and regression-adjusted ATT"},
    {"did", step_did, "difference-in-differences on the panel: TWFE and "
                      "event study"},
};
enum { NSTEPS = sizeof steps / sizeof steps[0] };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ======================================================================
 * Output
 * ====================================================================== */

static void json_num(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, "%.17g", v);
  else
    fputs("null", f);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static int covers(const demo_est *e) {
  if (!isfinite(e->truth) || !isfinite(e->conf_low) || !isfinite(e->conf_high))
    return -1;
  return e->conf_low <= e->truth && e->truth <= e->conf_high;
}

static int write_result(FILE *f, const causal_result *r) {
  char *json = NULL;
  size_t len = 0;
  int rc = causal_result_to_json(r, &json, &len);
  if (rc != CAUSAL_OK)
    return rc;
  fwrite(json, 1, len, f);
  causal_free(json);
  return CAUSAL_OK;
}

static int write_json(FILE *f, const demo *d, const demo_step *st,
                      double total) {
  fprintf(f, "{\n  \"libcausal\": ");
  json_str(f, causal_version_string());
  fprintf(f, ",\n  \"command\": \"causal demo\",\n  \"seed\": %llu,\n"
             "  \"rows\": %zu,\n  \"total_seconds\": ",
          (unsigned long long)d->seed, d->rows);
  json_num(f, total);
  fprintf(f, ",\n  \"scenario\": ");
  if (d->truth != NULL) {
    int rc = write_result(f, d->truth);
    if (rc != CAUSAL_OK)
      return rc;
  } else {
    fputs("null", f);
  }
  fprintf(f, ",\n  \"steps\": [");
  for (size_t k = 0; k < NSTEPS; k++) {
    const demo_step *s = &st[k];
    fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
    json_str(f, s->name);
    fprintf(f, ", \"description\": ");
    json_str(f, s->description);
    fprintf(f, ", \"status\": \"%s\", \"seconds\": ",
            s->rc == 0 ? "ok" : s->rc == DEMO_SKIPPED ? "skipped" : "error");
    json_num(f, s->seconds);
    fprintf(f, ", \"error\": ");
    if (s->rc != 0)
      json_str(f, s->error);
    else
      fputs("null", f);
    fprintf(f, ",\n     \"estimates\": [");
    for (size_t i = 0; i < s->nest; i++) {
      const demo_est *e = &s->est[i];
      fprintf(f, "%s\n       {\"label\": ", i ? "," : "");
      json_str(f, e->label);
      fprintf(f, ", \"method\": ");
      json_str(f, e->method);
      fprintf(f, ", \"estimand\": ");
      if (e->estimand)
        json_str(f, e->estimand);
      else
        fputs("null", f);
      const struct {
        const char *k;
        double v;
      } nums[] = {{"estimate", e->estimate},   {"std_error", e->std_error},
                  {"conf_low", e->conf_low},   {"conf_high", e->conf_high},
                  {"truth", e->truth},
                  {"error", e->estimate - e->truth}};
      for (size_t j = 0; j < sizeof nums / sizeof nums[0]; j++) {
        fprintf(f, ", \"%s\": ", nums[j].k);
        json_num(f, nums[j].v);
      }
      int c = covers(e);
      fprintf(f, ", \"covers\": %s}",
              c < 0 ? "null" : c ? "true" : "false");
    }
    fprintf(f, "%s],\n     \"details\": {", s->nest ? "\n     " : "");
    for (size_t i = 0; i < s->ndetails; i++) {
      fprintf(f, "%s\n       ", i ? "," : "");
      json_str(f, s->detail_name[i]);
      fprintf(f, ": ");
      int rc = write_result(f, s->detail[i]);
      if (rc != CAUSAL_OK)
        return rc;
    }
    fprintf(f, "%s}}", s->ndetails ? "\n     " : "");
  }
  fprintf(f, "\n  ]\n}\n");
  return CAUSAL_OK;
}

static void fmt(char *b, size_t cap, double v) {
  if (isfinite(v))
    snprintf(b, cap, "%.4f", v);
  else
    snprintf(b, cap, "-");
}

static void print_summary(const demo *d, const demo_step *st, double total,
                          const char *path) {
  printf("causal demo: seed %llu, %zu rows: randomized experiment %.0f "
         "users, observational %.0f users, panel %.0f units x %.0f periods\n",
         (unsigned long long)d->seed, d->rows, truth_of(d, "n_rct"),
         truth_of(d, "n_obs"), truth_of(d, "n_units"),
         truth_of(d, "n_periods"));
  /* balance */
  for (size_t k = 0; k < NSTEPS; k++)
    for (size_t i = 0; i < st[k].ndetails; i++)
      if (strcmp(st[k].detail_name[i], "balance") == 0) {
        const double *m;
        size_t nr, nc;
        if (causal_result_get_matrix(st[k].detail[i], "smd", &m, &nr, &nc) !=
                CAUSAL_OK ||
            nc < 6)
          continue;
        printf("\nCovariate balance (standardized mean difference, treated - "
               "control):\n%-14s %10s %14s\n",
               "covariate", "randomized", "observational");
        for (size_t j = 0; j < nr; j++)
          printf("%-14s %10.3f %14.3f\n", BAL_COVS[j], m[j + 2 * nr],
                 m[j + 5 * nr]);
      }
  printf("\n%-13s %-44s %9s %9s %9s %21s %6s\n", "step", "estimate", "truth",
         "estimate", "std.err", "95% interval", "covers");
  for (size_t k = 0; k < NSTEPS; k++)
    for (size_t i = 0; i < st[k].nest; i++) {
      const demo_est *e = &st[k].est[i];
      char t[32], es[32], se[32], lo[32], hi[32], iv[72];
      fmt(t, sizeof t, e->truth);
      fmt(es, sizeof es, e->estimate);
      fmt(se, sizeof se, e->std_error);
      fmt(lo, sizeof lo, e->conf_low);
      fmt(hi, sizeof hi, e->conf_high);
      snprintf(iv, sizeof iv, "[%s, %s]", lo, hi);
      int c = covers(e);
      printf("%-13s %-44s %9s %9s %9s %21s %6s\n", i ? "" : st[k].name,
             e->label, t, es, se, iv, c < 0 ? "-" : c ? "yes" : "NO");
    }
  printf("\n%-13s %9s  %s\n", "step", "seconds", "status");
  for (size_t k = 0; k < NSTEPS; k++)
    printf("%-13s %9.3f  %s%s%s\n", st[k].name, st[k].seconds,
           st[k].rc == 0 ? "ok"
           : st[k].rc == DEMO_SKIPPED ? "skipped"
                                      : "error",
           st[k].rc != 0 && st[k].rc != DEMO_SKIPPED ? ": " : "",
           st[k].rc != 0 && st[k].rc != DEMO_SKIPPED ? st[k].error : "");
  printf("%-13s %9.3f\n\nresults: %s\n", "total", total, path);
}

/* ======================================================================
 * Command
 * ====================================================================== */

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s demo [--rows N] [--seed S] [--out DIR] [--json]\n"
          "\n"
          "Generate a deterministic synthetic scenario with known true "
          "effects (a\n"
          "randomized experiment on ~20%% of the users, a self-selected "
          "observational\n"
          "population, a market panel) and run the analysis pipeline on it: "
          "covariate\n"
          "balance, A/B analysis with CUPED, Bayesian A/B, naive and "
          "regression-adjusted\n"
          "observational estimates, difference-in-differences. Each "
          "estimate is shown\n"
          "beside the truth, with the time of each step. docs/demo.md "
          "describes the model.\n"
          "\n"
          "  --rows N    total rows of the scenario (default %d; >= %d)\n"
          "  --seed S    PCG64 seed (default %d); same seed, same data\n"
          "  --out DIR   directory for results.json (default causal-demo; "
          "created)\n"
          "  --json      print results.json on stdout instead of the table\n"
          "\n"
          "examples:\n"
          "  %s demo\n"
          "  %s demo --rows 100000 --seed 7 --out /tmp/demo --json\n",
          prog, DEMO_DEFAULT_ROWS, (int)CAUSAL_SIMULATE_MIN_ROWS,
          DEMO_DEFAULT_SEED, prog, prog);
}

static int parse_args(int argc, char **argv, demo *d, const char **out,
                      int *json) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return -1;
    }
    if (strcmp(a, "--json") == 0) {
      *json = 1;
      continue;
    }
    int known = strcmp(a, "--rows") == 0 || strcmp(a, "--seed") == 0 ||
                strcmp(a, "--out") == 0;
    if (!known) {
      fprintf(stderr, "%s demo: unknown option '%s'\n", prog, a);
      usage(stderr);
      return EXIT_USAGE;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "%s demo: %s needs a value\n", prog, a);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(a, "--out") == 0) {
      if (v[0] == '\0') {
        fprintf(stderr, "%s demo: --out is empty\n", prog);
        return EXIT_USAGE;
      }
      *out = v;
      continue;
    }
    if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(v, &end, 10);
      if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0) {
        fprintf(stderr, "%s demo: --seed '%s' is not an integer in [0, "
                        "2^64)\n", prog, v);
        return EXIT_USAGE;
      }
      d->seed = (uint64_t)s;
    } else {
      double x; /* --rows: 3000000 or 3e6 */
      if (!cli_parse_double(v, &x) || x != floor(x)) {
        fprintf(stderr, "%s demo: --rows '%s' is not an integer\n", prog, v);
        return EXIT_USAGE;
      }
      if (x < CAUSAL_SIMULATE_MIN_ROWS || x > 4294967296.0) {
        fprintf(stderr, "%s demo: --rows %s is out of range [%d, 2^32]\n",
                prog, v, (int)CAUSAL_SIMULATE_MIN_ROWS);
        return EXIT_USAGE;
      }
      d->rows = (size_t)x;
    }
  }
  return 0;
}

int cmd_demo(const char *cmd, int argc, char **argv) {
  (void)cmd;
  demo d;
  memset(&d, 0, sizeof d);
  d.seed = DEMO_DEFAULT_SEED;
  d.rows = DEMO_DEFAULT_ROWS;
  const char *out = "causal-demo";
  int json = 0;
  int st = parse_args(argc, argv, &d, &out, &json);
  if (st != 0)
    return st < 0 ? 0 : st;
  d.out_dir = out;
  if (mkdir(out, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "%s demo: cannot create directory '%s': %s\n", prog, out,
            strerror(errno));
    return EXIT_INPUT;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/results.json", out);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "%s demo: cannot write '%s': %s\n", prog, path,
            strerror(errno));
    return EXIT_INPUT;
  }
  demo_step run[NSTEPS];
  memset(run, 0, sizeof run);
  int progress = isatty(STDERR_FILENO), failed = 0;
  double t0 = now();
  for (size_t k = 0; k < NSTEPS; k++) {
    demo_step *s = &run[k];
    s->name = steps[k].name;
    s->description = steps[k].description;
    if (k > 0 && d.rct == NULL) { /* nothing to analyse */
      s->rc = DEMO_SKIPPED;
      snprintf(s->error, sizeof s->error, "no scenario");
      continue;
    }
    if (progress)
      fprintf(stderr, "[%zu/%d] %s ...\n", k + 1, (int)NSTEPS, s->name);
    d.done = run;
    d.ndone = k;
    double a = now();
    s->rc = steps[k].run(&d, s);
    s->seconds = now() - a;
    if (s->rc != CAUSAL_OK) {
      snprintf(s->error, sizeof s->error, "%s: %s", causal_strerror(s->rc),
               causal_last_error());
      fprintf(stderr, "%s demo: step %s failed: %s\n", prog, s->name,
              s->error);
      failed = 1;
    }
  }
  double total = now() - t0;
  int rc = write_json(f, &d, run, total);
  if (fclose(f) != 0 && rc == CAUSAL_OK)
    rc = CAUSAL_EIO;
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "%s demo: writing '%s' failed\n", prog, path);
    failed = 1;
  } else if (json) {
    rc = write_json(stdout, &d, run, total);
  } else {
    print_summary(&d, run, total, path);
  }
  for (size_t k = 0; k < NSTEPS; k++)
    for (size_t i = 0; i < run[k].ndetails; i++)
      causal_result_free(run[k].detail[i]);
  causal_dataset_free(d.rct);
  causal_dataset_free(d.obs);
  causal_dataset_free(d.panel);
  causal_result_free(d.truth);
  return failed ? EXIT_ANALYSIS : 0;
}
