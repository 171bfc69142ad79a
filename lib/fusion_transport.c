/* Data-level fusion estimators that need row-level design matrices:
 * the observational IPW (Hájek) estimate with its stacked M-estimation
 * variance, transport of the RCT effect to the observational population
 * (IPSW, AIPSW) and the surrogate index. Models are fitted with the
 * regression engine (causal_regress: logit for propensities and sampling
 * scores, OLS for outcome and surrogate models); the design matrices come
 * from causal_design, so coefficients are matched to design columns by
 * name. Formulas: docs/methods/fusion.md. */
#include "internal/fusion.h"
#include "internal/dist.h"
#include "internal/linalg.h"

#include <math.h>
#include <string.h>

/* A complete-case design over the handle's terms (+ extra terms). */
typedef struct fz_design {
  causal_result *res; /* holds X */
  const double *X;
  size_t n, p;
} fz_design;

static int design_build(const causal_fusion *f, const causal_dataset *ds,
                        const char *const *extra, size_t nextra,
                        fz_design *d, const char *fn) {
  memset(d, 0, sizeof *d);
  causal_design *des = NULL;
  int rc = causal_design_new(&des);
  for (size_t i = 0; rc == CAUSAL_OK && i < f->nterms; i++)
    rc = causal_design_add_term(des, f->terms[i]);
  for (size_t i = 0; rc == CAUSAL_OK && i < nextra; i++)
    rc = causal_design_add_term(des, extra[i]);
  if (rc == CAUSAL_OK)
    rc = causal_design_build(&d->res, des, ds);
  causal_design_free(des);
  double nd = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_scalar(d->res, "n_dropped", &nd);
  if (rc == CAUSAL_OK && nd > 0)
    rc = cz_fail(CAUSAL_EMISSING,
                 "%s: %g rows have missing covariates; drop them first "
                 "(the estimators need complete covariate rows)",
                 fn, nd);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(d->res, "X", &d->X, &d->n, &d->p);
  if (rc != CAUSAL_OK) {
    causal_result_free(d->res);
    d->res = NULL;
  }
  return rc;
}

/* Fit `family` of outcome on the handle's terms (+ extra) on ds and return
 * the coefficients aligned with the columns of design d (and optionally
 * their covariance, p x p). */
static int fit_aligned(const causal_fusion *f, int family,
                       const causal_dataset *ds, const char *outcome,
                       const char *const *extra, size_t nextra,
                       const fz_design *d, double *beta, double *vcov,
                       double *r2, const char *fn) {
  causal_regress *m = NULL;
  causal_result *fit = NULL;
  int rc = causal_regress_new(&m, family);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_outcome(m, outcome);
  for (size_t i = 0; rc == CAUSAL_OK && i < f->nterms; i++)
    rc = causal_regress_add_term(m, f->terms[i]);
  for (size_t i = 0; rc == CAUSAL_OK && i < nextra; i++)
    rc = causal_regress_add_term(m, extra[i]);
  if (rc == CAUSAL_OK && vcov != NULL)
    rc = causal_regress_set_int(m, CAUSAL_REGRESS_VCOV, f->vcov);
  if (rc == CAUSAL_OK)
    rc = causal_regress_fit(&fit, m, ds);
  const double *tab = NULL, *V = NULL;
  size_t nr = 0, nc = 0, vr = 0, vc = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(fit, "coef", &tab, &nr, &nc);
  if (rc == CAUSAL_OK && vcov != NULL)
    rc = causal_result_get_matrix(fit, "vcov", &V, &vr, &vc);
  if (rc == CAUSAL_OK && r2 != NULL)
    rc = causal_result_get_scalar(fit, "r_squared", r2);
  /* position of each design column among the coefficients */
  size_t map[64];
  if (rc == CAUSAL_OK && d->p > 64)
    rc = cz_fail(CAUSAL_ERANGE, "%s: %zu design columns (at most 64)", fn,
                 d->p);
  for (size_t j = 0; rc == CAUSAL_OK && j < d->p; j++) {
    const char *cn = causal_result_dimname(d->res, "X", 1, j);
    map[j] = nr;
    for (size_t i = 0; cn && i < nr; i++) {
      const char *nm = causal_result_dimname(fit, "coef", 0, i);
      if (nm && strcmp(nm, cn) == 0)
        map[j] = i;
    }
    if (map[j] == nr)
      rc = cz_fail(CAUSAL_ESINGULAR,
                   "%s: the %s model of '%s' dropped the term '%s' as "
                   "collinear",
                   fn, family == CAUSAL_REGRESS_LOGIT ? "logit" : "OLS",
                   outcome, cn ? cn : "?");
  }
  for (size_t j = 0; rc == CAUSAL_OK && j < d->p; j++) {
    beta[j] = tab[map[j] + CAUSAL_TABLE_ESTIMATE * nr];
    if (vcov != NULL)
      for (size_t l = 0; l < d->p; l++)
        vcov[j + l * d->p] = V[map[j] + map[l] * vr];
  }
  causal_result_free(fit);
  causal_regress_free(m);
  return rc;
}

static double xrow_dot(const fz_design *d, size_t i, const double *b) {
  double s = 0;
  for (size_t j = 0; j < d->p; j++)
    s += d->X[i + j * d->n] * b[j];
  return s;
}

static double plogis(double eta) {
  return eta >= 0 ? 1 / (1 + exp(-eta)) : exp(eta) / (1 + exp(eta));
}

/* Solve H z = b for the p x p information matrix (Cholesky); H is
 * overwritten by its factor the first time (fact = 0 -> factor). */
static int info_solve(double *H, size_t p, double *b, int *fact,
                      const char *fn) {
  cz_mat M = cz_mat_dense(H, p, p);
  if (!*fact) {
    int rc = cz_chol(fn, "the logit information matrix", M);
    if (rc != CAUSAL_OK)
      return rc;
    *fact = 1;
  }
  cz_mat B = cz_mat_dense(b, p, 1);
  return cz_chol_solve(fn, cz_mat_c(M), B);
}

static int col_values(const causal_dataset *ds, const char *name, double *out,
                      size_t n) {
  size_t c = 0;
  CZ_CHECK(causal_dataset_col_index(ds, name, &c));
  return causal_dataset_col_to_f64(ds, c, out, n);
}

/* ---- observational IPW (Hájek) ------------------------------------------ */

int cz_fusion_ipw(const causal_fusion *f, const causal_dataset *obs,
                  double *est, double *se, double *nobs) {
  const char *fn = "causal_fusion_fit (IPW)";
  cz_alloc a = f->alloc;
  fz_design d;
  CZ_CHECK(design_build(f, obs, NULL, 0, &d, fn));
  size_t n = d.n, p = d.p;
  double *buf = cz_calloc(&a, 4 * n + p * p + 4 * p + 1, sizeof(double));
  if (buf == NULL) {
    causal_result_free(d.res);
    return CAUSAL_ENOMEM;
  }
  double *y = buf, *A = buf + n, *e = buf + 2 * n, *IF = buf + 3 * n;
  double *H = buf + 4 * n, *gam = H + p * p, *h1 = gam + p, *h0 = h1 + p,
         *z = h0 + p;
  int rc = col_values(obs, f->outcome, y, n);
  if (rc == CAUSAL_OK)
    rc = col_values(obs, f->treatment, A, n);
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
    if (isnan(y[i]) || !(A[i] == 0 || A[i] == 1))
      rc = cz_fail(isnan(y[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "%s: observational row %zu: outcome %g, treatment %g "
                   "(the outcome must be present, the treatment 0/1)",
                   fn, i, y[i], A[i]);
  if (rc == CAUSAL_OK)
    rc = fit_aligned(f, CAUSAL_REGRESS_LOGIT, obs, f->treatment, NULL, 0, &d,
                     gam, NULL, NULL, fn);
  double s1 = 0, s1y = 0, s0 = 0, s0y = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    e[i] = plogis(xrow_dot(&d, i, gam));
    s1 += A[i] / e[i];
    s1y += A[i] * y[i] / e[i];
    s0 += (1 - A[i]) / (1 - e[i]);
    s0y += (1 - A[i]) * y[i] / (1 - e[i]);
  }
  double mu1 = s1y / s1, mu0 = s0y / s0, dn = (double)n;
  if (rc == CAUSAL_OK) {
    /* H = mean e(1-e) x x'; h1 = mean A(y-mu1)(1-e)/e x;
     * h0 = mean (1-A)(y-mu0) e/(1-e) x */
    for (size_t i = 0; i < n; i++) {
      double w = e[i] * (1 - e[i]) / dn;
      double c1 = A[i] * (y[i] - mu1) * (1 - e[i]) / e[i] / dn;
      double c0 = (1 - A[i]) * (y[i] - mu0) * e[i] / (1 - e[i]) / dn;
      for (size_t j = 0; j < p; j++) {
        double xj = d.X[i + j * n];
        h1[j] += c1 * xj;
        h0[j] += c0 * xj;
        for (size_t l = 0; l < p; l++)
          H[j + l * p] += w * xj * d.X[i + l * n];
      }
    }
    /* u1 = H^-1 h1, u0 = H^-1 h0 (stored in h1, h0) */
    int fact = 0;
    rc = info_solve(H, p, h1, &fact, fn);
    if (rc == CAUSAL_OK)
      rc = info_solve(H, p, h0, &fact, fn);
  }
  (void)z;
  double m1 = s1 / dn, m0 = s0 / dn, v = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    double r = A[i] - e[i], q1 = 0, q0 = 0;
    for (size_t j = 0; j < p; j++) {
      q1 += h1[j] * d.X[i + j * n] * r;
      q0 += h0[j] * d.X[i + j * n] * r;
    }
    double if1 = (A[i] * (y[i] - mu1) / e[i] - q1) / m1;
    double if0 = ((1 - A[i]) * (y[i] - mu0) / (1 - e[i]) + q0) / m0;
    IF[i] = if1 - if0;
    v += IF[i] * IF[i];
  }
  if (rc == CAUSAL_OK) {
    *est = mu1 - mu0;
    *se = sqrt(v) / dn;
    *nobs = dn;
  }
  cz_free(&a, buf);
  causal_result_free(d.res);
  return rc;
}

/* ---- transport: IPSW and AIPSW ------------------------------------------ */

typedef struct fz_rowdata {
  double *y, *A, *S;
  size_t n;
} fz_rowdata;

int causal_fusion_transport(causal_result **out, const causal_fusion *f,
                            const causal_dataset *ds) {
  const char *fn = __func__;
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(ds);
  if (f->outcome == NULL || f->treatment == NULL || f->source == NULL)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: set the outcome, treatment and source columns first",
                   fn);
  cz_alloc a = f->alloc;
  fz_design d;
  CZ_CHECK(design_build(f, ds, NULL, 0, &d, fn));
  size_t n = d.n, p = d.p;
  double *buf = cz_calloc(&a, 7 * n + p * p + 4 * p + 1, sizeof(double));
  if (buf == NULL) {
    causal_result_free(d.res);
    return CAUSAL_ENOMEM;
  }
  double *y = buf, *A = buf + n, *S = buf + 2 * n, *o = buf + 3 * n,
         *g1 = buf + 4 * n, *g0 = buf + 5 * n, *term = buf + 6 * n;
  double *H = buf + 7 * n, *gam = H + p * p, *h1 = gam + p, *h0 = h1 + p;
  uint8_t *mask = cz_calloc(&a, n ? n : 1, 1);
  causal_dataset *arm = NULL;
  causal_result *res = NULL;
  int rc = mask ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = col_values(ds, f->source, S, n);
  if (rc == CAUSAL_OK)
    rc = col_values(ds, f->outcome, y, n);
  if (rc == CAUSAL_OK)
    rc = col_values(ds, f->treatment, A, n);
  size_t n1 = 0, n0 = 0;
  double ntr = 0, ntr1 = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    if (!(S[i] == 0 || S[i] == 1))
      rc = cz_fail(isnan(S[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "%s: source column '%s' row %zu is %g; it must be 1 "
                   "(randomized) or 0 (target population)",
                   fn, f->source, i, S[i]);
    else if (S[i] == 1 && (isnan(y[i]) || !(A[i] == 0 || A[i] == 1)))
      rc = cz_fail(isnan(y[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "%s: randomized row %zu: outcome %g, treatment %g (the "
                   "outcome must be present, the treatment 0/1)",
                   fn, i, y[i], A[i]);
    else if (S[i] == 1) {
      n1++;
      ntr += 1;
      ntr1 += A[i];
    } else
      n0++;
  }
  if (rc == CAUSAL_OK && (n1 < 4 || n0 < 1 || ntr1 < 2 || ntr - ntr1 < 2))
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: need randomized rows in both arms (>= 2 each) and "
                 "target rows (trial %zu, treated %g, target %zu)",
                 fn, n1, ntr1, n0);
  /* sampling model: logit P(S = 1 | X) on all rows */
  if (rc == CAUSAL_OK)
    rc = fit_aligned(f, CAUSAL_REGRESS_LOGIT, ds, f->source, NULL, 0, &d, gam,
                     NULL, NULL, fn);
  double dn = (double)n;
  double sw1 = 0, sw1y = 0, sw0 = 0, sw0y = 0, so = 0, so2 = 0;
  double dm1 = 0, dm0 = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    double eta = xrow_dot(&d, i, gam);
    o[i] = exp(-eta); /* (1 - p) / p */
    if (S[i] == 1) {
      so += o[i];
      so2 += o[i] * o[i];
      if (A[i] == 1) {
        sw1 += o[i];
        sw1y += o[i] * y[i];
        dm1 += y[i];
      } else {
        sw0 += o[i];
        sw0y += o[i] * y[i];
        dm0 += y[i];
      }
    }
  }
  double mu1 = sw1y / sw1, mu0 = sw0y / sw0;
  double ipsw = mu1 - mu0, ipsw_se = NAN;
  if (rc == CAUSAL_OK) {
    /* stacked M-estimation: gamma (logit score x (S - p)), mu1, mu0 */
    for (size_t i = 0; i < n; i++) {
      double pi = 1 / (1 + o[i]);
      double w = pi * (1 - pi) / dn;
      /* only randomized rows carry outcome terms (target rows may have
       * no outcome or treatment) */
      double c1 = S[i] == 1 && A[i] == 1 ? o[i] * (y[i] - mu1) / dn : 0;
      double c0 = S[i] == 1 && A[i] == 0 ? o[i] * (y[i] - mu0) / dn : 0;
      for (size_t j = 0; j < p; j++) {
        double xj = d.X[i + j * n];
        h1[j] += c1 * xj;
        h0[j] += c0 * xj;
        for (size_t l = 0; l < p; l++)
          H[j + l * p] += w * xj * d.X[i + l * n];
      }
    }
    int fact = 0;
    rc = info_solve(H, p, h1, &fact, fn);
    if (rc == CAUSAL_OK)
      rc = info_solve(H, p, h0, &fact, fn);
    double m1 = sw1 / dn, m0 = sw0 / dn, v = 0;
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
      double r = S[i] - 1 / (1 + o[i]), q1 = 0, q0 = 0;
      for (size_t j = 0; j < p; j++) {
        q1 += h1[j] * d.X[i + j * n] * r;
        q0 += h0[j] * d.X[i + j * n] * r;
      }
      double p1 = S[i] == 1 && A[i] == 1 ? o[i] * (y[i] - mu1) : 0;
      double p0 = S[i] == 1 && A[i] == 0 ? o[i] * (y[i] - mu0) : 0;
      double IF = (p1 - q1) / m1 - (p0 - q0) / m0;
      v += IF * IF;
    }
    ipsw_se = sqrt(v) / dn;
  }
  /* AIPSW: outcome models per trial arm */
  double aipsw = NAN, aipsw_se = NAN;
  for (int arm_a = 0; rc == CAUSAL_OK && arm_a < 2; arm_a++) {
    for (size_t i = 0; i < n; i++)
      mask[i] = S[i] == 1 && A[i] == (double)arm_a;
    rc = causal_dataset_subset_mask(&arm, ds, mask, n);
    double *g = arm_a ? g1 : g0, *beta = arm_a ? h1 : h0; /* reuse h */
    if (rc == CAUSAL_OK)
      rc = fit_aligned(f, CAUSAL_REGRESS_OLS, arm, f->outcome, NULL, 0, &d,
                       beta, NULL, NULL, fn);
    for (size_t i = 0; rc == CAUSAL_OK && i < n; i++)
      g[i] = xrow_dot(&d, i, beta);
    causal_dataset_free(arm);
    arm = NULL;
  }
  if (rc == CAUSAL_OK) {
    double eh = ntr1 / ntr, s = 0;
    for (size_t i = 0; i < n; i++) {
      if (S[i] == 1)
        term[i] = o[i] * (A[i] * (y[i] - g1[i]) / eh -
                          (1 - A[i]) * (y[i] - g0[i]) / (1 - eh));
      else
        term[i] = g1[i] - g0[i];
      s += term[i];
    }
    aipsw = s / (double)n0;
    double v = 0;
    for (size_t i = 0; i < n; i++) {
      double r = term[i] - (S[i] == 0 ? aipsw : 0);
      v += r * r;
    }
    aipsw_se = sqrt(v) / (double)n0;
  }
  if (rc == CAUSAL_OK) {
    int aip = f->transport == CAUSAL_FUSION_AIPSW;
    double est = aip ? aipsw : ipsw, se = aip ? aipsw_se : ipsw_se;
    double zc = cz_qnorm((1 + f->conf_level) / 2, 1, 0);
    double rct = dm1 / ntr1 - dm0 / (ntr - ntr1);
    rc = causal_result_new(&res, "fusion_transport");
    struct {
      const char *k;
      double v;
    } sc[] = {{"estimate", est},
              {"std_error", se},
              {"statistic", est / se},
              {"p_value", 2 * cz_pnorm(-fabs(est / se), 1, 0)},
              {"conf_low", est - zc * se},
              {"conf_high", est + zc * se},
              {"conf_level", f->conf_level},
              {"ipsw_estimate", ipsw},
              {"ipsw_std_error", ipsw_se},
              {"aipsw_estimate", aipsw},
              {"aipsw_std_error", aipsw_se},
              {"rct_estimate", rct},
              {"n_trial", (double)n1},
              {"n_target", (double)n0},
              {"effective_trial_size", so * so / so2}};
    if (rc == CAUSAL_OK)
      rc = causal_result_set_string(res, "method", aip ? "aipsw" : "ipsw");
    for (size_t j = 0; rc == CAUSAL_OK && j < sizeof sc / sizeof sc[0]; j++)
      rc = causal_result_set_scalar(res, sc[j].k, sc[j].v);
  }
  cz_free(&a, mask);
  cz_free(&a, buf);
  causal_result_free(d.res);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ---- surrogate index ---------------------------------------------------- */

int causal_fusion_add_surrogate(causal_fusion *f, const char *column) {
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(column);
  if (column[0] == '\0')
    return cz_fail(CAUSAL_EINVAL, "causal_fusion_add_surrogate: empty name");
  if (f->nsurr == f->capsurr) {
    size_t nc = f->capsurr ? 2 * f->capsurr : 4;
    char **ns = cz_realloc(&f->alloc, f->surr, f->capsurr * sizeof(char *),
                           nc * sizeof(char *));
    if (ns == NULL)
      return CAUSAL_ENOMEM;
    f->surr = ns;
    f->capsurr = nc;
  }
  char *dup = cz_strdup(&f->alloc, column);
  if (dup == NULL)
    return CAUSAL_ENOMEM;
  f->surr[f->nsurr++] = dup;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_fusion_surrogate(causal_result **out, const causal_fusion *f,
                            const causal_dataset *ds) {
  const char *fn = __func__;
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(f);
  CZ_REQUIRE_NONNULL(ds);
  if (f->outcome == NULL || f->treatment == NULL || f->source == NULL ||
      f->nsurr == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: set the (long-term) outcome, treatment and source "
                   "columns and at least one surrogate first",
                   fn);
  cz_alloc a = f->alloc;
  size_t nall = causal_dataset_nrows(ds);
  if (nall == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: the dataset has 0 rows", fn);
  double *S = cz_calloc(&a, nall, sizeof(double));
  uint8_t *mask = cz_calloc(&a, nall, 1);
  causal_dataset *obs = NULL, *exp_ = NULL;
  causal_result *res = NULL;
  fz_design d = {NULL, NULL, 0, 0};
  double *buf = NULL;
  const char *const *extra = (const char *const *)f->surr;
  int rc = S && mask ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = col_values(ds, f->source, S, nall);
  for (size_t i = 0; rc == CAUSAL_OK && i < nall; i++)
    if (!(S[i] == 0 || S[i] == 1))
      rc = cz_fail(isnan(S[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "%s: source column '%s' row %zu is %g; it must be 1 "
                   "(experiment) or 0 (observational)",
                   fn, f->source, i, S[i]);
  for (int s = 0; rc == CAUSAL_OK && s < 2; s++) {
    for (size_t i = 0; i < nall; i++)
      mask[i] = S[i] == (double)s;
    rc = causal_dataset_subset_mask(s ? &exp_ : &obs, ds, mask, nall);
  }
  /* experiment design (terms + surrogates) */
  if (rc == CAUSAL_OK)
    rc = design_build(f, exp_, extra, f->nsurr, &d, fn);
  size_t n = d.n, p = d.p;
  if (rc == CAUSAL_OK) {
    buf = cz_calloc(&a, 2 * n + p * p + 2 * p + 1, sizeof(double));
    if (buf == NULL)
      rc = CAUSAL_ENOMEM;
  }
  double *A = buf, *idx = buf ? buf + n : NULL;
  double *V = buf ? buf + 2 * n : NULL, *beta = V ? V + p * p : NULL,
         *dbar = beta ? beta + p : NULL;
  double r2 = NAN;
  if (rc == CAUSAL_OK)
    rc = fit_aligned(f, CAUSAL_REGRESS_OLS, obs, f->outcome, extra, f->nsurr,
                     &d, beta, V, &r2, fn);
  if (rc == CAUSAL_OK)
    rc = col_values(exp_, f->treatment, A, n);
  double n1 = 0, n0 = 0, s1 = 0, s0 = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < n; i++) {
    if (!(A[i] == 0 || A[i] == 1)) {
      rc = cz_fail(isnan(A[i]) ? CAUSAL_EMISSING : CAUSAL_EINVAL,
                   "%s: experiment row %zu: treatment %g is not 0/1", fn, i,
                   A[i]);
      break;
    }
    idx[i] = xrow_dot(&d, i, beta);
    if (A[i] == 1) {
      n1++;
      s1 += idx[i];
    } else {
      n0++;
      s0 += idx[i];
    }
  }
  if (rc == CAUSAL_OK && (n1 < 2 || n0 < 2))
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: the experiment needs >= 2 rows per arm (treated %g, "
                 "control %g)",
                 fn, n1, n0);
  if (rc == CAUSAL_OK) {
    double m1 = s1 / n1, m0 = s0 / n0, q1 = 0, q0 = 0;
    for (size_t i = 0; i < n; i++) {
      double r = idx[i] - (A[i] == 1 ? m1 : m0);
      if (A[i] == 1)
        q1 += r * r;
      else
        q0 += r * r;
      for (size_t j = 0; j < p; j++)
        dbar[j] += d.X[i + j * n] * (A[i] == 1 ? 1 / n1 : -1 / n0);
    }
    double vnaive = q1 / (n1 - 1) / n1 + q0 / (n0 - 1) / n0;
    double vfirst = 0;
    for (size_t j = 0; j < p; j++)
      for (size_t l = 0; l < p; l++)
        vfirst += dbar[j] * V[j + l * p] * dbar[l];
    double est = m1 - m0, se = sqrt(vnaive + vfirst);
    double zc = cz_qnorm((1 + f->conf_level) / 2, 1, 0);
    rc = causal_result_new(&res, "fusion_surrogate");
    struct {
      const char *k;
      double v;
    } sc[] = {{"estimate", est},
              {"std_error", se},
              {"statistic", est / se},
              {"p_value", 2 * cz_pnorm(-fabs(est / se), 1, 0)},
              {"conf_low", est - zc * se},
              {"conf_high", est + zc * se},
              {"conf_level", f->conf_level},
              {"std_error_naive", sqrt(vnaive)},
              {"surrogate_r_squared", r2},
              {"n_experiment", (double)n},
              {"n_observational", (double)causal_dataset_nrows(obs)}};
    if (rc == CAUSAL_OK)
      rc = causal_result_set_string(res, "method", "surrogate-index");
    for (size_t j = 0; rc == CAUSAL_OK && j < sizeof sc / sizeof sc[0]; j++)
      rc = causal_result_set_scalar(res, sc[j].k, sc[j].v);
    if (rc == CAUSAL_OK)
      rc = causal_result_set_vector(res, "surrogate_coef", beta, p, NULL);
    if (rc == CAUSAL_OK)
      rc = causal_result_add_warning(
          res, "surrogate index: valid only under surrogacy (the "
               "surrogates carry the whole treatment effect on the "
               "long-term outcome) and comparability of the observational "
               "and experimental populations");
  }
  cz_free(&a, buf);
  causal_result_free(d.res);
  causal_dataset_free(obs);
  causal_dataset_free(exp_);
  cz_free(&a, S);
  cz_free(&a, mask);
  if (rc != CAUSAL_OK) {
    causal_result_free(res);
    return rc;
  }
  *out = res;
  cz_clear_error();
  return CAUSAL_OK;
}
