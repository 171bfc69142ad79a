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
  double seconds, cpu_seconds; /* wall and process CPU time */
  int rc;                      /* library status; -1000: skipped */
  char error[512];             /* message when rc != 0 */
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
  /* Kept for later steps (matching, the report): the estimated propensity
   * scores of the obs users and their treatment (weighting step), and the
   * Beta-Bernoulli counts per arm (bayes step). */
  double *ps, *ps_treated, *ps_logit;
  size_t nps;
  causal_dataset *obs_ps;  /* obs columns + "ps", "ps_logit" (borrowed) */
  double *w_ipw, *w_match; /* per obs row: ATT weights, matching weights */
  double conv_succ[2], conv_trials[2];
  double total_cpu; /* process CPU seconds of all steps */
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

/* Detail `name` of step `step` among the n steps st (NULL: absent). */
static const causal_result *find_detail(const demo_step *st, size_t n,
                                        const char *step, const char *name) {
  for (size_t k = 0; k < n; k++)
    if (st[k].name != NULL && strcmp(st[k].name, step) == 0)
      for (size_t i = 0; i < st[k].ndetails; i++)
        if (strcmp(st[k].detail_name[i], name) == 0)
          return st[k].detail[i];
  return NULL;
}

static int covers(const demo_est *e) {
  if (!isfinite(e->truth) || !isfinite(e->conf_low) || !isfinite(e->conf_high))
    return -1;
  return e->conf_low <= e->truth && e->truth <= e->conf_high;
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

/* ---- balance: standardized mean differences by arm (balance.h) ------- */

static const char *const BAL_COVS[] = {"tenure", "mobile", "pre_revenue"};
enum { BAL_P = 3 };

/* A copy of r without the per-unit vectors and matrices (more than maxlen
 * values), so results.json stays small at millions of rows. */
static int compact_result(const causal_result *src, size_t maxlen,
                          causal_result **out) {
  causal_result *r = NULL;
  const char **names = NULL;
  int rc = causal_result_new(&r, causal_result_kind(src));
  for (size_t i = 0; rc == CAUSAL_OK && i < causal_result_count(src); i++) {
    const char *nm = causal_result_name(src, i), *str;
    const double *v;
    double x;
    size_t nr = 0, nc = 1;
    int type = 0;
    rc = causal_result_type(src, nm, &type);
    if (rc != CAUSAL_OK)
      break;
    if (type == CAUSAL_ENTRY_SCALAR) {
      if ((rc = causal_result_get_scalar(src, nm, &x)) == CAUSAL_OK)
        rc = causal_result_set_scalar(r, nm, x);
      continue;
    }
    if (type == CAUSAL_ENTRY_STRING) {
      if ((rc = causal_result_get_string(src, nm, &str)) == CAUSAL_OK)
        rc = causal_result_set_string(r, nm, str);
      continue;
    }
    rc = type == CAUSAL_ENTRY_VECTOR
             ? causal_result_get_vector(src, nm, &v, &nr)
             : causal_result_get_matrix(src, nm, &v, &nr, &nc);
    if (rc != CAUSAL_OK || nr * nc > maxlen)
      continue;
    free(names);
    names = malloc((nr + nc + 1) * sizeof *names);
    if (names == NULL) {
      rc = CAUSAL_ENOMEM;
      break;
    }
    int rn = nr > 0, cn = nc > 0;
    for (size_t k = 0; k < nr; k++)
      rn = rn && (names[k] = causal_result_dimname(src, nm, 0, k)) != NULL;
    for (size_t k = 0; k < nc && type != CAUSAL_ENTRY_VECTOR; k++)
      cn = cn && (names[nr + k] = causal_result_dimname(src, nm, 1, k)) != NULL;
    if (type == CAUSAL_ENTRY_VECTOR)
      rc = causal_result_set_vector(r, nm, v, nr, rn ? names : NULL);
    else if (type == CAUSAL_ENTRY_MATRIX)
      rc = causal_result_set_matrix(r, nm, v, nr, nc, rn ? names : NULL,
                                    cn ? names + nr : NULL);
    else if (rn && nc >= CAUSAL_TABLE_NCOLS)
      rc = causal_result_set_table(r, nm, names, nr, v, v + nr, v + 2 * nr,
                                   v + 3 * nr, v + 4 * nr, v + 5 * nr);
  }
  for (size_t i = 0; rc == CAUSAL_OK && i < causal_result_nwarnings(src); i++)
    rc = causal_result_add_warning(r, causal_result_warning(src, i));
  free(names);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    r = NULL;
  }
  *out = r;
  return rc;
}

/* Balance of BAL_COVS by arm (causal_balance: MatchIt's summary()), with
 * adjustment weights w (n = nrows, NULL: before adjustment only). */
static int balance_of(const causal_dataset *ds, int denom, const double *w,
                      causal_result **out) {
  causal_balance *b = NULL;
  int rc = causal_balance_new(&b);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_treatment(b, "treated");
  for (size_t j = 0; j < BAL_P && rc == CAUSAL_OK; j++)
    rc = causal_balance_add_covariate(b, BAL_COVS[j]);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_int(b, CAUSAL_BALANCE_SD_DENOM, denom);
  if (rc == CAUSAL_OK)
    rc =
        causal_balance_compute(out, b, ds, w, w ? causal_dataset_nrows(ds) : 0);
  causal_balance_free(b);
  return rc;
}

/* Column `col` of the "balance" matrix of a balance result (BAL_P rows). */
static int balance_col(const causal_result *r, size_t col, double *v) {
  const double *m;
  size_t nr, nc;
  if (r == NULL ||
      causal_result_get_matrix(r, "balance", &m, &nr, &nc) != CAUSAL_OK ||
      nr != BAL_P || nc <= col)
    return 0;
  for (size_t j = 0; j < BAL_P; j++)
    v[j] = m[j + col * nr];
  return 1;
}
enum { BAL_SMD = 2, BAL_SMD_ADJ = 9 };

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
    rc = ab_compare(d, s, t, rev, "revenue: difference in means", "Welch t",
                    "rct_ate_revenue", "revenue_welch");
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
  for (int a = 0; a < 2; a++) {
    d->conv_succ[a] = succ[a];
    d->conv_trials[a] = trials[a];
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
  static const char *const adj_terms[] = {"treated",
                                          "tenure",
                                          "mobile",
                                          "pre_revenue",
                                          "treated:tenure_c",
                                          "treated:mobile_c",
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
    demo_add(d, s, "revenue: naive treated - control",
             "OLS revenue ~ treated, HC1", "obs_att_revenue", v[0], v[1], v[4],
             v[5]);
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

/* ---- weighting: propensity score, Hajek IPW and AIPW --------------------- */

/* The propensity model: a logit on the three covariates, correctly
 * specified for this scenario (docs/demo.md). */
static int ps_spec(causal_propensity **out) {
  int rc = causal_propensity_new(out);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(*out, "treated");
  for (size_t j = 0; j < BAL_P && rc == CAUSAL_OK; j++)
    rc = causal_propensity_add_term(*out, BAL_COVS[j]);
  return rc;
}

static int fit_weighting(const demo *d, int estimand, int method,
                         causal_result **out) {
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  int rc = ps_spec(&p);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, "revenue");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND, estimand);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD, method);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_fit(out, w, p, d->obs);
  causal_weighting_free(w);
  causal_propensity_free(p);
  return rc;
}

/* Per-row weights of a weighting (or matching) result over all n dataset
 * rows (0 for rows it did not use), for causal_balance. */
static int weights_by_row(const causal_result *r, size_t n, double **out) {
  const double *rows, *w;
  size_t m, m2;
  int rc = causal_result_get_vector(r, "rows", &rows, &m);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "weights", &w, &m2);
  if (rc != CAUSAL_OK)
    return rc;
  double *v = calloc(n ? n : 1, sizeof *v);
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < m && i < m2; i++)
    if (rows[i] >= 0 && rows[i] < (double)n)
      v[(size_t)rows[i]] = w[i];
  *out = v;
  return CAUSAL_OK;
}

/* Keep the scores and treatment of a weighting result for the matching
 * step and the overlap histograms of the report, and a view of obs with
 * the scores as columns "ps" and "ps_logit". */
static int keep_scores(demo *d, const causal_result *r) {
  const double *e, *t;
  size_t n, n2, nobs = causal_dataset_nrows(d->obs);
  int rc = causal_result_get_vector(r, "propensity", &e, &n);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, "treatment", &t, &n2);
  if (rc != CAUSAL_OK)
    return rc;
  if (n != nobs) { /* the scenario has no missing values */
    fprintf(stderr, "%s demo: %zu of %zu obs rows used\n", prog, n, nobs);
    return CAUSAL_EDIM;
  }
  d->ps = malloc((n ? n : 1) * sizeof *d->ps);
  d->ps_treated = malloc((n ? n : 1) * sizeof *d->ps_treated);
  d->ps_logit = malloc((n ? n : 1) * sizeof *d->ps_logit);
  if (d->ps == NULL || d->ps_treated == NULL || d->ps_logit == NULL)
    return CAUSAL_ENOMEM;
  memcpy(d->ps, e, n * sizeof *e);
  memcpy(d->ps_treated, t, n * sizeof *t);
  for (size_t i = 0; i < n; i++)
    d->ps_logit[i] = log(e[i] / (1 - e[i]));
  d->nps = n;
  rc = causal_dataset_select(&d->obs_ps, d->obs,
                             (const char *const[]){"treated", "tenure",
                                                   "mobile", "pre_revenue",
                                                   "revenue", "unit"},
                             6);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(d->obs_ps, "ps", d->ps, NULL, n, CAUSAL_BORROW);
  if (rc == CAUSAL_OK)
    rc = causal_dataset_add_f64(d->obs_ps, "ps_logit", d->ps_logit, NULL, n,
                                CAUSAL_BORROW);
  return rc;
}

/* Record a weighting result's effect and keep its compact form. */
static int add_weighting(demo *d, demo_step *s, const causal_result *r,
                         const char *label, const char *method,
                         const char *estimand, const char *detail) {
  causal_result *c = NULL;
  int rc = compact_result(r, 64, &c);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, label, method, estimand, cli_scalar(r, "estimate"),
           cli_scalar(r, "std_error"), cli_scalar(r, "conf_low"),
           cli_scalar(r, "conf_high"));
  demo_detail(s, detail, c);
  return CAUSAL_OK;
}

/* AIPW with the fitted scores supplied as a column (d->obs_ps) and the
 * outcome regression on the three covariates. */
static int fit_aipw_scores(const demo *d, int estimand, causal_result **out) {
  causal_propensity *p = NULL;
  causal_weighting *w = NULL;
  int rc = causal_propensity_new(&p);
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_treatment(p, "treated");
  if (rc == CAUSAL_OK)
    rc = causal_propensity_set_scores(p, "ps");
  if (rc == CAUSAL_OK)
    rc = causal_weighting_new(&w);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_outcome(w, "revenue");
  for (size_t j = 0; j < BAL_P && rc == CAUSAL_OK; j++)
    rc = causal_weighting_add_outcome_term(w, BAL_COVS[j]);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_ESTIMAND, estimand);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_set_int(w, CAUSAL_WEIGHTING_METHOD,
                                  CAUSAL_WEIGHTING_AIPW);
  if (rc == CAUSAL_OK)
    rc = causal_weighting_fit(out, w, p, d->obs_ps);
  causal_weighting_free(w);
  causal_propensity_free(p);
  return rc;
}

/* ATT on the observational users by Hajek (normalized) IPW and by AIPW
 * (doubly robust), and the AIPW ATE, which estimates the same population
 * quantity as the randomized experiment (the fusion step combines them).
 * The logit is fitted once, in the Hajek fit, whose M-estimation SE
 * includes the estimated score. The AIPW fits reuse those scores as a
 * column: their SE then treats the scores as known, which for AIPW costs
 * nothing asymptotically (its influence function is orthogonal to the
 * score model: at 3,000,000 rows the SE is 0.006630 with the scores as
 * known against 0.006641 with the logit stacked) and saves two logit fits
 * (about 2 s each at 2 million rows). */
static int step_weighting(demo *d, demo_step *s) {
  causal_result *aipw = NULL, *hajek = NULL, *ate = NULL;
  int rc =
      fit_weighting(d, CAUSAL_WEIGHTING_ATT, CAUSAL_WEIGHTING_HAJEK, &hajek);
  if (rc == CAUSAL_OK)
    rc = add_weighting(d, s, hajek, "revenue: Hajek IPW ATT",
                       "logit PS, weights e/(1-e), normalized, M-estimation SE",
                       "obs_att_revenue", "hajek_att");
  if (rc == CAUSAL_OK)
    rc = keep_scores(d, hajek);
  if (rc == CAUSAL_OK)
    rc = weights_by_row(hajek, causal_dataset_nrows(d->obs), &d->w_ipw);
  if (rc == CAUSAL_OK)
    rc = fit_aipw_scores(d, CAUSAL_WEIGHTING_ATT, &aipw);
  if (rc == CAUSAL_OK)
    rc = add_weighting(d, s, aipw, "revenue: AIPW ATT",
                       "logit PS + per-arm OLS, doubly robust, sandwich SE",
                       "obs_att_revenue", "aipw_att");
  if (rc == CAUSAL_OK)
    rc = fit_aipw_scores(d, CAUSAL_WEIGHTING_ATE, &ate);
  if (rc == CAUSAL_OK)
    rc = add_weighting(d, s, ate, "revenue: AIPW ATE",
                       "logit PS + per-arm OLS, doubly robust, sandwich SE",
                       "obs_ate_revenue", "aipw_ate");
  causal_result_free(aipw);
  causal_result_free(hajek);
  causal_result_free(ate);
  return rc;
}

/* ---- matching: 1:1 nearest neighbour on the logit of the score ---------- */

enum { DEMO_AI_ROWS = 20000 };

/* kind 0: greedy without replacement, 1: with replacement (both caliper
 * 0.2 SD of the logit), 2: Abadie-Imbens on the score. */
static int match_spec(causal_match **out, int kind) {
  int rc = causal_match_new(out);
  if (rc == CAUSAL_OK)
    rc = causal_match_set_treatment(*out, "treated");
  if (rc == CAUSAL_OK)
    rc = causal_match_set_outcome(*out, "revenue");
  if (rc == CAUSAL_OK)
    rc = causal_match_set_score(*out, "ps_logit");
  if (rc == CAUSAL_OK)
    rc = causal_match_set_int(*out, CAUSAL_MATCH_ESTIMAND, CAUSAL_MATCH_ATT);
  if (rc == CAUSAL_OK && kind < 2)
    rc = causal_match_set_double(*out, CAUSAL_MATCH_CALIPER, 0.2);
  if (rc == CAUSAL_OK && kind == 1)
    rc = causal_match_set_int(*out, CAUSAL_MATCH_REPLACE, 1);
  if (rc == CAUSAL_OK && kind == 2)
    rc = causal_match_set_int(*out, CAUSAL_MATCH_AI_ON_SCORE, 1);
  return rc;
}

static int match_nearest(demo *d, demo_step *s, int replace, const char *label,
                         const char *method, const char *detail) {
  causal_match *m = NULL;
  causal_result *r = NULL, *c = NULL;
  size_t n = causal_dataset_nrows(d->obs_ps);
  int rc = match_spec(&m, replace);
  if (rc == CAUSAL_OK)
    rc = causal_match_effect(&r, m, d->obs_ps);
  if (rc == CAUSAL_OK && replace) { /* its weights for the balance step */
    const double *w;
    size_t nw;
    rc = causal_result_get_vector(r, "weights", &w, &nw);
    if (rc == CAUSAL_OK && nw == n && (d->w_match = malloc(n * sizeof *w)))
      memcpy(d->w_match, w, n * sizeof *w);
  }
  if (rc == CAUSAL_OK)
    rc = compact_result(r, 64, &c);
  if (rc == CAUSAL_OK) {
    demo_add(d, s, label, method, "obs_att_revenue", cli_scalar(r, "estimate"),
             cli_scalar(r, "std_error"), cli_scalar(r, "conf_low"),
             cli_scalar(r, "conf_high"));
    demo_detail(s, detail, c);
  }
  causal_result_free(r);
  causal_match_free(m);
  return rc;
}

/* ATT on the observational users by 1:1 nearest-neighbour matching on the
 * logit of the fitted score (the weighting step's), caliper 0.2 SD of the
 * logit (Austin 2011): match.h's fast path (a radix sort and a binary
 * search per treated user), about a second for the 2 million users.
 * Greedy matching WITHOUT replacement (MatchIt's default; cluster-robust
 * SE on the pairs) runs out of controls where treated users are dense (a
 * quarter of the users are treated, most of them at high scores): the
 * later matches, still inside the caliper, have systematically lower
 * scores, and with 2 million users that residual imbalance is a visible
 * bias — the demo shows it. WITH replacement (HC1 SE, MatchIt's advice
 * there) each treated user gets its nearest control and the bias goes.
 * The Abadie-Imbens estimator (with replacement, AI 2006 SE) is brute
 * force, O(n1 n0), so it runs on the first DEMO_AI_ROWS observational
 * users (an iid sample by construction); its SE includes that sample's
 * noise around the population ATT. */
static int step_matching(demo *d, demo_step *s) {
  if (d->obs_ps == NULL) {
    fprintf(stderr, "%s demo: matching needs the weighting step's scores\n",
            prog);
    return CAUSAL_EINVAL;
  }
  int rc = match_nearest(d, s, 0, "revenue: 1:1 matching, no replacement",
                         "NN on logit PS, caliper 0.2 SD, CR SE on pairs",
                         "nearest");
  if (rc == CAUSAL_OK)
    rc = match_nearest(d, s, 1, "revenue: 1:1 matching with replacement",
                       "NN on logit PS, caliper 0.2 SD, HC1 SE",
                       "nearest_replace");
  causal_match *m = NULL;
  causal_result *r = NULL;
  causal_dataset *sub = NULL;
  size_t n = causal_dataset_nrows(d->obs_ps);
  size_t k = n < DEMO_AI_ROWS ? n : DEMO_AI_ROWS;
  int64_t *idx = malloc((k ? k : 1) * sizeof *idx);
  if (rc == CAUSAL_OK && idx == NULL)
    rc = CAUSAL_ENOMEM;
  for (size_t i = 0; rc == CAUSAL_OK && i < k; i++)
    idx[i] = (int64_t)i;
  if (rc == CAUSAL_OK)
    rc = causal_dataset_subset_rows(&sub, d->obs_ps, idx, k);
  if (rc == CAUSAL_OK)
    rc = match_spec(&m, 2);
  if (rc == CAUSAL_OK)
    rc = causal_match_ai(&r, m, sub);
  if (rc == CAUSAL_OK) {
    demo_add(d, s, "revenue: matching, Abadie-Imbens SE",
             "NN with replacement on logit PS, AI SE, first 20,000 users",
             "obs_att_revenue", cli_scalar(r, "estimate"),
             cli_scalar(r, "std_error"), cli_scalar(r, "conf_low"),
             cli_scalar(r, "conf_high"));
    demo_detail(s, "abadie_imbens", r);
    r = NULL;
  }
  causal_result_free(r);
  causal_match_free(m);
  causal_dataset_free(sub);
  free(idx);
  return rc;
}

/* ---- balance before and after adjustment (balance.h) ------------------ */

/* Balance after matching, computed on the rows the matching used plus all
 * treated rows (the rest have weight 0, so the weighted "_adj" statistics
 * are those of the whole sample; the SMD scale, the SD of the treated, is
 * the same because every treated row is kept). Less than half the rows of
 * obs, so about half the time. Its unadjusted columns describe that
 * subset, not obs: the "obs" detail has those. */
static int balance_matched(const demo *d, causal_result **out) {
  size_t n = causal_dataset_nrows(d->obs), k = 0;
  int64_t *idx = malloc((n ? n : 1) * sizeof *idx);
  double *w = malloc((n ? n : 1) * sizeof *w);
  causal_dataset *sub = NULL;
  int rc = idx && w ? CAUSAL_OK : CAUSAL_ENOMEM;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
    if (d->w_match[i] > 0 || d->ps_treated[i] != 0) {
      idx[k] = (int64_t)i;
      w[k++] = d->w_match[i];
    }
  if (rc == CAUSAL_OK)
    rc = causal_dataset_subset_rows(&sub, d->obs_ps, idx, k);
  if (rc == CAUSAL_OK)
    rc = balance_of(sub, CAUSAL_BALANCE_TREATED, w, out);
  causal_dataset_free(sub);
  free(idx);
  free(w);
  return rc;
}

/* The randomized arms are balanced; the self-selected observational arms
 * are not, until weighted (or matched). Pooled SD in the rct (ATE); the
 * treated SD in obs, as for the ATT that weighting and matching estimate
 * there. One causal_balance call gives the SMDs before and after. */
static int step_balance(demo *d, demo_step *s) {
  causal_result *r = NULL;
  int rc = balance_of(d->rct, CAUSAL_BALANCE_POOLED, NULL, &r);
  if (rc != CAUSAL_OK)
    return rc;
  demo_detail(s, "rct", r);
  rc = balance_of(d->obs, CAUSAL_BALANCE_TREATED, d->w_ipw, &r);
  if (rc != CAUSAL_OK)
    return rc;
  demo_detail(s, "obs", r);
  if (d->w_match != NULL) {
    rc = balance_matched(d, &r);
    if (rc != CAUSAL_OK)
      return rc;
    demo_detail(s, "obs_matched", r);
  }
  return CAUSAL_OK;
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
  demo_add(d, s, "panel revenue: DiD ATT",
           "TWFE, unit and period FE, CR1 by unit", "did_att",
           cli_scalar(r, "estimate"), cli_scalar(r, "std_error"),
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

/* ---- fusion: randomized + observational (fusion.h) --------------------- */

/* The estimates of step `step` (NULL if it did not run). */
static const demo_step *find_step(const demo *d, const char *step) {
  for (size_t k = 0; k < d->ndone; k++)
    if (strcmp(d->done[k].name, step) == 0 && d->done[k].rc == CAUSAL_OK)
      return &d->done[k];
  return NULL;
}

/* Estimate of step `step` whose label is `label` (NULL: absent). */
static const demo_est *find_est(const demo *d, const char *step,
                                const char *label) {
  const demo_step *s = find_step(d, step);
  for (size_t i = 0; s != NULL && i < s->nest; i++)
    if (strcmp(s->est[i].label, label) == 0)
      return &s->est[i];
  return NULL;
}

static int fuse(demo *d, demo_step *s, int method, const double est[2],
                const double se[2], const char *label, const char *how,
                const char *detail) {
  causal_fusion *f = NULL;
  causal_result *r = NULL;
  int rc = causal_fusion_new(&f, method);
  if (rc == CAUSAL_OK)
    rc = causal_fusion_estimates(&r, f, est, se, 2, NULL);
  causal_fusion_free(f);
  if (rc != CAUSAL_OK)
    return rc;
  demo_add(d, s, label, how, "rct_ate_revenue", cli_scalar(r, "estimate"),
           cli_scalar(r, "std_error"), cli_scalar(r, "conf_low"),
           cli_scalar(r, "conf_high"));
  demo_detail(s, detail, r);
  return CAUSAL_OK;
}

/* The randomized CUPED estimate (source 0) with the observational AIPW
 * ATE, which targets the same population effect: inverse-variance
 * weighting (valid only if the observational estimate is unbiased; the
 * library warns), the MSE-optimal convex weight with the squared bias
 * estimated from the data, and the robust mixture prior. */
static int step_fusion(demo *d, demo_step *s) {
  const demo_est *r = find_est(d, "rct", "revenue: CUPED");
  const demo_est *o = find_est(d, "weighting", "revenue: AIPW ATE");
  if (r == NULL || o == NULL) {
    fprintf(stderr, "%s demo: fusion needs the rct and weighting steps\n",
            prog);
    return CAUSAL_EINVAL;
  }
  double est[2] = {r->estimate, o->estimate};
  double se[2] = {r->std_error, o->std_error};
  int rc = fuse(d, s, CAUSAL_FUSION_IVW, est, se,
                "revenue: inverse-variance weighted",
                "RCT CUPED + obs AIPW ATE, IVW (assumes no obs bias)", "ivw");
  if (rc == CAUSAL_OK)
    rc = fuse(d, s, CAUSAL_FUSION_MSE, est, se, "revenue: bias-aware",
              "MSE-optimal weight, squared bias estimated", "mse");
  if (rc == CAUSAL_OK)
    rc = fuse(d, s, CAUSAL_FUSION_MIXTURE, est, se,
              "revenue: robust mixture prior",
              "obs as a robust mixture prior, updated by the RCT", "mixture");
  /* What the warning is about: fusing the confounded naive observational
   * difference instead. IVW follows it far from the truth; the bias-aware
   * weight detects the bias and falls back to the randomized estimate. */
  const demo_est *nv =
      find_est(d, "observational", "revenue: naive treated - control");
  if (rc == CAUSAL_OK && nv != NULL) {
    est[1] = nv->estimate;
    se[1] = nv->std_error;
    rc = fuse(d, s, CAUSAL_FUSION_IVW, est, se, "revenue: IVW with naive obs",
              "RCT CUPED + confounded naive obs difference, IVW", "ivw_naive");
    if (rc == CAUSAL_OK)
      rc = fuse(d, s, CAUSAL_FUSION_MSE, est, se,
                "revenue: bias-aware with naive obs",
                "RCT CUPED + confounded naive obs difference, MSE weight",
                "mse_naive");
  }
  return rc;
}

/* ---- report: report.html and report.md (report.h) ----------------------- */

static void fmt(char *b, size_t cap, double v) {
  if (isfinite(v))
    snprintf(b, cap, "%.4f", v);
  else
    snprintf(b, cap, "-");
}

/* Estimates beside the truth, and the step timings. */
static int report_tables(causal_report *rp, const demo *d) {
  static const char *const cols[] = {"step",         "estimate", "method",
                                     "truth",        "estimate", "std. error",
                                     "95% interval", "covers"};
  enum { NC = 8, W = 64 };
  size_t nrow = 0;
  for (size_t k = 0; k < d->ndone; k++)
    nrow += d->done[k].nest;
  const char **cells = calloc((nrow ? nrow : 1) * NC, sizeof *cells);
  char(*buf)[W] = calloc((nrow ? nrow : 1) * NC, sizeof *buf);
  int rc = cells && buf ? CAUSAL_OK : CAUSAL_ENOMEM;
  size_t r = 0;
  for (size_t k = 0; rc == CAUSAL_OK && k < d->ndone; k++)
    for (size_t i = 0; i < d->done[k].nest; i++, r++) {
      const demo_est *e = &d->done[k].est[i];
      char lo[24], hi[24];
      const char **c = cells + r * NC;
      char(*b)[W] = buf + r * NC;
      c[0] = d->done[k].name;
      c[1] = e->label;
      c[2] = e->method;
      fmt(b[3], W, e->truth);
      fmt(b[4], W, e->estimate);
      fmt(b[5], W, e->std_error);
      fmt(lo, sizeof lo, e->conf_low);
      fmt(hi, sizeof hi, e->conf_high);
      snprintf(b[6], W, "[%s, %s]", lo, hi);
      int cv = covers(e);
      snprintf(b[7], W, "%s", cv < 0 ? "-" : cv ? "yes" : "NO");
      for (int j = 3; j < NC; j++)
        c[j] = b[j];
    }
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Estimates beside the truth");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_table(
        rp,
        "Truth: the sample estimand computed from the generated units' "
        "potential outcomes. covers: the 95% interval contains the truth.",
        cols, NC, cells, nrow);
  free(cells);
  free(buf);
  /* timings */
  static const char *const tc[] = {"step", "what", "seconds", "CPU seconds",
                                   "status"};
  const char *tcell[32 * 5];
  char tb[32][3][64];
  size_t nt = 0;
  for (size_t k = 0; rc == CAUSAL_OK && k < d->ndone && nt < 32; k++, nt++) {
    const demo_step *st = &d->done[k];
    snprintf(tb[nt][0], 64, "%.3f", st->seconds);
    snprintf(tb[nt][1], 64, "%.3f", st->cpu_seconds);
    snprintf(tb[nt][2], 64, "%s",
             st->rc == 0              ? "ok"
             : st->rc == DEMO_SKIPPED ? "skipped"
                                      : "error");
    const char **c = tcell + nt * 5;
    c[0] = st->name;
    c[1] = st->description;
    c[2] = tb[nt][0];
    c[3] = tb[nt][1];
    c[4] = tb[nt][2];
  }
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Step timings");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_table(rp,
                                 "Wall and process CPU time of each step "
                                 "before this report (the report step "
                                 "itself is in results.json).",
                                 tc, 5, tcell, nt);
  return rc;
}

/* Love plot: |SMD| of the obs covariates before adjustment, after
 * weighting and after matching (when the matching step ran). */
static int report_love(causal_report *rp, const demo *d) {
  const demo_step *b = find_step(d, "balance");
  const causal_result *obs = b ? find_detail(b, 1, "balance", "obs") : NULL;
  const causal_result *mt =
      b ? find_detail(b, 1, "balance", "obs_matched") : NULL;
  const causal_result *rct = b ? find_detail(b, 1, "balance", "rct") : NULL;
  double v[4][BAL_P];
  if (!balance_col(obs, BAL_SMD, v[0]) || !balance_col(obs, BAL_SMD_ADJ, v[1]))
    return causal_report_add_paragraph(rp, "Balance: not available.");
  int have_m = balance_col(mt, BAL_SMD_ADJ, v[2]);
  int have_r = balance_col(rct, BAL_SMD, v[3]);
  for (int s = 0; s < 4; s++)
    for (size_t j = 0; j < BAL_P; j++)
      v[s][j] = fabs(v[s][j]);
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_LOVE,
                            "Covariate balance, observational users");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(c, "|standardized mean difference|", NULL);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_rows(c, BAL_COVS, BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_points(c, "before adjustment", v[0], BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_row_points(c, "after IPW (ATT weights)", v[1], BAL_P);
  if (rc == CAUSAL_OK && have_m)
    rc = causal_chart_add_row_points(c, "after matching (replacement)", v[2],
                                     BAL_P);
  if (rc == CAUSAL_OK && have_r)
    rc = causal_chart_add_row_points(c, "randomized experiment", v[3], BAL_P);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, 0.1, "0.1");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(
        c, "SMD: mean difference / SD of the treated (MatchIt).");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Covariate balance");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_chart(rp, c);
  causal_chart_free(c);
  return rc;
}

/* Propensity overlap: histograms of the fitted scores by arm. */
static int report_overlap(causal_report *rp, const demo *d) {
  if (d->ps == NULL)
    return causal_report_add_paragraph(rp, "Propensity scores: not available.");
  size_t n = d->nps, n1 = 0;
  for (size_t i = 0; i < n; i++)
    n1 += d->ps_treated[i] != 0;
  double *a = malloc((n ? n : 1) * sizeof *a);
  if (a == NULL)
    return CAUSAL_ENOMEM;
  size_t k1 = 0, k0 = n1; /* treated first, then controls */
  for (size_t i = 0; i < n; i++)
    a[d->ps_treated[i] != 0 ? k1++ : k0++] = d->ps[i];
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_HISTOGRAM,
                            "Propensity-score overlap by arm");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(c, "estimated propensity score",
                                 "share of the arm");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(c, CAUSAL_CHART_BINS, 40);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_histogram(c, "control", a + n1, n - n1);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_histogram(c, "treated", a, n1);
  if (rc == CAUSAL_OK)
    rc =
        causal_chart_set_caption(c, "Logit on tenure, mobile and pre_revenue.");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Propensity-score overlap");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_chart(rp, c);
  causal_chart_free(c);
  free(a);
  return rc;
}

/* A forest plot of the estimates (step, label) that exist, with the truth
 * as the reference line. */
static int report_forest(causal_report *rp, const demo *d, const char *title,
                         const char *caption, const char *const (*rows)[3],
                         size_t nrows, double truth) {
  const char *labels[16];
  double est[16], lo[16], hi[16];
  size_t n = 0;
  for (size_t i = 0; i < nrows && n < 16; i++) {
    const demo_est *e = find_est(d, rows[i][0], rows[i][1]);
    if (e == NULL || !isfinite(e->estimate))
      continue;
    labels[n] = rows[i][2];
    est[n] = e->estimate;
    lo[n] = isfinite(e->conf_low) ? e->conf_low : NAN;
    hi[n] = isfinite(e->conf_high) ? e->conf_high : NAN;
    n++;
  }
  if (n == 0)
    return CAUSAL_OK;
  causal_chart *c = NULL;
  int rc = causal_chart_forest_plot(&c, title, labels, est, lo, hi, n, NAN);
  if (rc == CAUSAL_OK && isfinite(truth))
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, truth, "truth");
  if (rc == CAUSAL_OK)
    rc =
        causal_chart_set_labels(c, "effect on revenue per user (95% CI)", NULL);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(c, caption);
  if (rc == CAUSAL_OK)
    rc = causal_report_add_chart(rp, c);
  causal_chart_free(c);
  return rc;
}

/* Posterior of the conversion lift B - A: the Beta(1 + s, 1 + n - s)
 * posteriors of the arms are far apart relative to their widths at this
 * size, so the picture is the density of the difference (normal
 * approximation with the Beta means and variances; exact enough at
 * hundreds of thousands of users). */
static int report_posterior(causal_report *rp, const demo *d) {
  const demo_step *s = find_step(d, "bayes");
  if (s == NULL)
    return CAUSAL_OK;
  enum { G = 201 };
  double m = 0, v = 0;
  for (int k = 0; k < 2; k++) {
    double a = 1 + d->conv_succ[k], b = 1 + d->conv_trials[k] - d->conv_succ[k];
    double mk = a / (a + b);
    m += k ? mk : -mk;
    v += mk * (1 - mk) / (a + b + 1);
  }
  double sd = sqrt(v), x[G], y[G];
  for (int i = 0; i < G; i++) {
    x[i] = m + sd * (-4.5 + 9.0 * i / (G - 1));
    double z = (x[i] - m) / sd;
    y[i] = exp(-0.5 * z * z) / (sd * 2.5066282746310002) /* sqrt(2 pi) */;
  }
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_DENSITY,
                            "Bayesian A/B: posterior of the conversion lift");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(c, "conversion rate B - A",
                                 "posterior density");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_line(c, "posterior of B - A", x, y, G, 0);
  double t = truth_of(d, "rct_ate_conversion");
  if (rc == CAUSAL_OK && isfinite(t) && t > x[0] && t < x[G - 1])
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, t, "truth");
  const causal_result *r = find_detail(s, 1, "bayes", "conversion_beta");
  char cap[256];
  snprintf(cap, sizeof cap, "Beta(1, 1) priors per arm; P(B > A) = %.4f.",
           r ? cli_scalar(r, "prob_b_beats_a") : NAN);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(c, cap);
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Bayesian A/B on conversion");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_chart(rp, c);
  causal_chart_free(c);
  return rc;
}

/* Event-study coefficients against the time relative to adoption. */
static int report_event_study(causal_report *rp, const demo *d) {
  const demo_step *s = find_step(d, "did");
  const causal_result *r = s ? find_detail(s, 1, "did", "event_study") : NULL;
  const double *tab, *et;
  size_t k, nc, k2;
  if (r == NULL ||
      causal_result_get_matrix(r, "event", &tab, &k, &nc) != CAUSAL_OK ||
      causal_result_get_vector(r, "event_time", &et, &k2) != CAUSAL_OK ||
      k2 != k || nc < 6)
    return CAUSAL_OK;
  double ref = cli_scalar(r, "reference"); /* its row: 0 [0, 0] */
  causal_chart *c = NULL;
  int rc = causal_chart_new(&c, CAUSAL_CHART_INTERVAL,
                            "Difference-in-differences: event study");
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(c, "periods since adoption",
                                 "effect on revenue (95% CI)");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_intervals(c, "coefficient", et, tab, tab + 4 * k,
                                    tab + 5 * k, k);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0, NULL);
  if (rc == CAUSAL_OK && isfinite(truth_of(d, "did_att")))
    rc = causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y,
                                  truth_of(d, "did_att"), "true ATT");
  char cap[256];
  snprintf(cap, sizeof cap,
           "Reference period r = %g (0). CR1 by unit; pre-trend p = %.3f.", ref,
           cli_scalar(r, "pretrend_p_value"));
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_caption(c, cap);
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Difference-in-differences");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_chart(rp, c);
  causal_chart_free(c);
  return rc;
}

static int write_file(const char *dir, const char *name, const char *text,
                      size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "%s demo: cannot write '%s': %s\n", prog, path,
            strerror(errno));
    return CAUSAL_EIO;
  }
  size_t w = fwrite(text, 1, len, f);
  if (fclose(f) != 0 || w != len)
    return CAUSAL_EIO;
  return CAUSAL_OK;
}

/* The fusion diagnostics: the bias test and the methods' warnings. */
static int report_fusion_notes(causal_report *rp, const demo *d) {
  const demo_step *s = find_step(d, "fusion");
  const causal_result *ivw = s ? find_detail(s, 1, "fusion", "ivw") : NULL;
  const causal_result *mse = s ? find_detail(s, 1, "fusion", "mse") : NULL;
  if (ivw == NULL)
    return CAUSAL_OK;
  char txt[2048];
  int n = snprintf(
      txt, sizeof txt,
      "Fusion: observational - randomized difference %.4f "
      "(SE %.4f, p = %.3f); IVW gives the randomized estimate "
      "weight %.3f (efficiency gain %.2f)",
      cli_scalar(ivw, "bias_difference"), cli_scalar(ivw, "bias_std_error"),
      cli_scalar(ivw, "bias_p_value"), cli_scalar(ivw, "rct_weight"),
      cli_scalar(ivw, "efficiency_gain"));
  if (mse != NULL && n > 0 && (size_t)n < sizeof txt)
    n += snprintf(txt + n, sizeof txt - (size_t)n,
                  ", the MSE-optimal weight on the observational estimate "
                  "is %.3f",
                  cli_scalar(mse, "lambda"));
  const causal_result *ivn = find_detail(s, 1, "fusion", "ivw_naive");
  const causal_result *msn = find_detail(s, 1, "fusion", "mse_naive");
  if (ivn != NULL && msn != NULL && n > 0 && (size_t)n < sizeof txt)
    n += snprintf(txt + n, sizeof txt - (size_t)n,
                  ". Fused with the confounded naive difference instead "
                  "(bias statistic %.1f), IVW gives %.3f, far from the truth "
                  "%.3f, while the bias-aware weight on it is %.3f and gives "
                  "%.3f",
                  cli_scalar(ivn, "bias_statistic"),
                  cli_scalar(ivn, "estimate"), truth_of(d, "rct_ate_revenue"),
                  cli_scalar(msn, "lambda"), cli_scalar(msn, "estimate"));
  if (n > 0 && (size_t)n < sizeof txt)
    n += snprintf(txt + n, sizeof txt - (size_t)n, ".");
  for (size_t i = 0;
       i < causal_result_nwarnings(ivw) && n > 0 && (size_t)n < sizeof txt; i++)
    n += snprintf(txt + n, sizeof txt - (size_t)n, " Warning (IVW): %s.",
                  causal_result_warning(ivw, i));
  return causal_report_add_paragraph(rp, txt);
}

static int step_report(demo *d, demo_step *s) {
  static const char *const rct_rows[][3] = {
      {"rct", "revenue: difference in means", "difference in means (Welch)"},
      {"rct", "revenue: CUPED", "CUPED on pre_revenue"}};
  static const char *const ate_rows[][3] = {
      {"rct", "revenue: difference in means",
       "randomized: difference in means"},
      {"rct", "revenue: CUPED", "randomized: CUPED"},
      {"weighting", "revenue: AIPW ATE", "observational: AIPW ATE"},
      {"fusion", "revenue: inverse-variance weighted", "fused: IVW"},
      {"fusion", "revenue: bias-aware", "fused: bias-aware (MSE weight)"},
      {"fusion", "revenue: robust mixture prior", "fused: robust mixture"}};
  static const char *const att_rows[][3] = {
      {"observational", "revenue: regression-adjusted ATT", "regression (OLS)"},
      {"weighting", "revenue: Hajek IPW ATT", "Hajek IPW"},
      {"weighting", "revenue: AIPW ATT", "AIPW"},
      {"matching", "revenue: 1:1 matching, no replacement",
       "matching, no replacement"},
      {"matching", "revenue: 1:1 matching with replacement",
       "matching with replacement"},
      {"matching", "revenue: matching, Abadie-Imbens SE",
       "Abadie-Imbens (20,000 users)"}};
  causal_report *rp = NULL;
  char intro[1024];
  snprintf(intro, sizeof intro,
           "Synthetic scenario (seed %llu, %zu rows): a randomized "
           "experiment on %.0f users, an observational population of %.0f "
           "users who self-selected into treatment on tenure, mobile and "
           "pre-period revenue, and a panel of %.0f units over %.0f periods "
           "with staggered adoption. Every estimate is shown beside the true "
           "effect of these data (docs/demo.md).",
           (unsigned long long)d->seed, d->rows, truth_of(d, "n_rct"),
           truth_of(d, "n_obs"), truth_of(d, "n_units"),
           truth_of(d, "n_periods"));
  int rc = causal_report_new(&rp, "causal demo: estimates beside the truth");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_paragraph(rp, intro);
  if (rc == CAUSAL_OK)
    rc = report_tables(rp, d);
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2,
                                   "Randomized, observational and "
                                   "fused estimates");
  if (rc == CAUSAL_OK)
    rc = causal_report_add_paragraph(
        rp, "The randomized and the observational users come from the same "
            "population, so the randomized ATE and the observational AIPW "
            "ATE estimate the same quantity; fusion combines them. On the "
            "treated observational users (ATT), adjustment for the observed "
            "confounders removes the bias of the naive comparison.");
  if (rc == CAUSAL_OK)
    rc = report_forest(rp, d, "Average effect on revenue (ATE)",
                       "Dashed: the true ATE of the randomized users.",
                       ate_rows, sizeof ate_rows / sizeof ate_rows[0],
                       truth_of(d, "rct_ate_revenue"));
  if (rc == CAUSAL_OK)
    rc = report_fusion_notes(rp, d);
  const demo_est *naive =
      find_est(d, "observational", "revenue: naive treated - control");
  char attcap[160];
  snprintf(attcap, sizeof attcap,
           "Dashed: the true ATT. Not shown: the confounded naive "
           "difference, %.3f.",
           naive ? naive->estimate : NAN);
  if (rc == CAUSAL_OK)
    rc = report_forest(rp, d, "Effect on the treated observational users (ATT)",
                       attcap, att_rows, sizeof att_rows / sizeof att_rows[0],
                       truth_of(d, "obs_att_revenue"));
  if (rc == CAUSAL_OK)
    rc = report_love(rp, d);
  if (rc == CAUSAL_OK)
    rc = report_overlap(rp, d);
  if (rc == CAUSAL_OK)
    rc = causal_report_add_heading(rp, 2, "Randomized experiment: CUPED");
  if (rc == CAUSAL_OK)
    rc = report_forest(rp, d, "Revenue lift: plain vs CUPED",
                       "CUPED on pre-period revenue. Dashed: the true ATE.",
                       rct_rows, 2, truth_of(d, "rct_ate_revenue"));
  if (rc == CAUSAL_OK)
    rc = report_posterior(rp, d);
  if (rc == CAUSAL_OK)
    rc = report_event_study(rp, d);
  char *html = NULL, *md = NULL;
  size_t hl = 0, ml = 0;
  if (rc == CAUSAL_OK)
    rc = causal_report_to_html(rp, &html, &hl);
  if (rc == CAUSAL_OK)
    rc = causal_report_to_markdown(rp, &md, &ml);
  if (rc == CAUSAL_OK)
    rc = write_file(d->out_dir, "report.html", html, hl);
  if (rc == CAUSAL_OK)
    rc = write_file(d->out_dir, "report.md", md, ml);
  causal_free(html);
  causal_free(md);
  causal_report_free(rp);
  (void)s;
  return rc;
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
    {"rct", step_rct, "randomized experiment: Welch, CUPED, two-proportion z"},
    {"bayes", step_bayes, "Bayesian A/B on conversion (Beta-Bernoulli)"},
    {"observational", step_observational,
     "observational population: naive and regression-adjusted ATT"},
    {"weighting", step_weighting,
     "propensity score (logit), Hajek IPW and AIPW ATT, AIPW ATE"},
    {"matching", step_matching,
     "propensity-score matching: 1:1 nearest neighbour on the logit, "
     "caliper; Abadie-Imbens"},
    {"balance", step_balance,
     "covariate balance (causal_balance): SMDs before and after "
     "weighting"},
    {"did", step_did,
     "difference-in-differences on the panel: TWFE and "
     "event study"},
    {"fusion", step_fusion,
     "fusion of the randomized and observational ATE: IVW, MSE, mixture; "
     "and with the confounded naive difference"},
    {"report", step_report,
     "report.html and report.md: estimates, balance, overlap, CUPED, "
     "posterior, event study, forest plots"},
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
  fprintf(f,
          ",\n  \"command\": \"causal demo\",\n  \"seed\": %llu,\n"
          "  \"rows\": %zu,\n  \"total_seconds\": ",
          (unsigned long long)d->seed, d->rows);
  json_num(f, total);
  fprintf(f, ",\n  \"total_cpu_seconds\": ");
  json_num(f, d->total_cpu);
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
            s->rc == 0              ? "ok"
            : s->rc == DEMO_SKIPPED ? "skipped"
                                    : "error");
    json_num(f, s->seconds);
    fprintf(f, ", \"cpu_seconds\": ");
    json_num(f, s->cpu_seconds);
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
      } nums[] = {{"estimate", e->estimate}, {"std_error", e->std_error},
                  {"conf_low", e->conf_low}, {"conf_high", e->conf_high},
                  {"truth", e->truth},       {"error", e->estimate - e->truth}};
      for (size_t j = 0; j < sizeof nums / sizeof nums[0]; j++) {
        fprintf(f, ", \"%s\": ", nums[j].k);
        json_num(f, nums[j].v);
      }
      int c = covers(e);
      fprintf(f, ", \"covers\": %s}", c < 0 ? "null" : c ? "true" : "false");
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

static void print_summary(const demo *d, const demo_step *st, double total,
                          const char *path) {
  printf("causal demo: seed %llu, %zu rows: randomized experiment %.0f "
         "users, observational %.0f users, panel %.0f units x %.0f periods\n",
         (unsigned long long)d->seed, d->rows, truth_of(d, "n_rct"),
         truth_of(d, "n_obs"), truth_of(d, "n_units"),
         truth_of(d, "n_periods"));
  /* balance: SMDs before and after adjustment */
  double smd[4][BAL_P];
  int have[4] = {
      balance_col(find_detail(st, NSTEPS, "balance", "rct"), BAL_SMD, smd[0]),
      balance_col(find_detail(st, NSTEPS, "balance", "obs"), BAL_SMD, smd[1]),
      balance_col(find_detail(st, NSTEPS, "balance", "obs"), BAL_SMD_ADJ,
                  smd[2]),
      balance_col(find_detail(st, NSTEPS, "balance", "obs_matched"),
                  BAL_SMD_ADJ, smd[3])};
  static const char *const bh[4] = {"randomized", "observational",
                                    "obs weighted", "obs matched"};
  if (have[0] || have[1]) {
    printf("\nCovariate balance (standardized mean difference, treated - "
           "control):\n%-14s",
           "covariate");
    for (int c = 0; c < 4; c++)
      if (have[c])
        printf(" %13s", bh[c]);
    printf("\n");
    for (size_t j = 0; j < BAL_P; j++) {
      printf("%-14s", BAL_COVS[j]);
      for (int c = 0; c < 4; c++)
        if (have[c])
          printf(" %13.3f", smd[c][j]);
      printf("\n");
    }
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
             e->label, t, es, se, iv,
             c < 0 ? "-"
             : c   ? "yes"
                   : "NO");
    }
  printf("\n%-13s %9s %9s  %s\n", "step", "seconds", "cpu", "status");
  for (size_t k = 0; k < NSTEPS; k++)
    printf("%-13s %9.3f %9.3f  %s%s%s\n", st[k].name, st[k].seconds,
           st[k].cpu_seconds,
           st[k].rc == 0              ? "ok"
           : st[k].rc == DEMO_SKIPPED ? "skipped"
                                      : "error",
           st[k].rc != 0 && st[k].rc != DEMO_SKIPPED ? ": " : "",
           st[k].rc != 0 && st[k].rc != DEMO_SKIPPED ? st[k].error : "");
  printf("%-13s %9.3f %9.3f\n\nresults: %s\n", "total", total, d->total_cpu,
         path);
  if (strcmp(st[NSTEPS - 1].name, "report") == 0 && st[NSTEPS - 1].rc == 0)
    printf("report:  %s/report.html (and report.md)\n", d->out_dir);
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
          "A/B\n"
          "analysis with CUPED, Bayesian A/B, naive and regression-adjusted "
          "observational\n"
          "estimates, propensity weighting (IPW, AIPW) and matching, "
          "covariate balance\n"
          "before and after, difference-in-differences, fusion of the "
          "randomized and\n"
          "observational estimates. Each estimate is shown beside the truth, "
          "with the\n"
          "time of each step; DIR/report.html (and report.md) draws it all. "
          "docs/demo.md\n"
          "describes the model.\n"
          "\n"
          "  --rows N    total rows of the scenario (default %d; >= %d)\n"
          "  --seed S    PCG64 seed (default %d); same seed, same data\n"
          "  --out DIR   directory for results.json, report.html, report.md "
          "(default\n"
          "              causal-demo; created)\n"
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
        fprintf(stderr,
                "%s demo: --seed '%s' is not an integer in [0, "
                "2^64)\n",
                prog, v);
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
        fprintf(stderr, "%s demo: --rows %s is out of range [%d, 2^32]\n", prog,
                v, (int)CAUSAL_SIMULATE_MIN_ROWS);
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
  clock_t cpu0 = clock();
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
    clock_t c0 = clock();
    s->rc = steps[k].run(&d, s);
    s->seconds = now() - a;
    s->cpu_seconds = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (s->rc != CAUSAL_OK) {
      snprintf(s->error, sizeof s->error, "%s: %s", causal_strerror(s->rc),
               causal_last_error());
      fprintf(stderr, "%s demo: step %s failed: %s\n", prog, s->name, s->error);
      failed = 1;
    }
  }
  double total = now() - t0;
  d.total_cpu = (double)(clock() - cpu0) / CLOCKS_PER_SEC;
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
  causal_dataset_free(d.obs_ps); /* before the borrowed scores */
  free(d.ps);
  free(d.ps_treated);
  free(d.ps_logit);
  free(d.w_ipw);
  free(d.w_match);
  return failed ? EXIT_ANALYSIS : 0;
}
