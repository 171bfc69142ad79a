/* Tests for the MCMC diagnostics of include/causal/sampler.h against R
 * package posterior 1.4.0 on fixed draws (tests/ref/mcmc_diag_reference.R:
 * data/mcmc_diag_draws.csv, data/mcmc_diag_reference.csv). */
#include "testutil.h"

#define MAXSETS 16
#define MAXN 5000

typedef struct {
  char name[32];
  size_t n_iter, n_chains, n;
  double x[MAXN];
  double ref[11]; /* rhat ess_bulk ess_tail ess_mean mcse hdi_lo hdi_hi q5
                     q95 */
} dset;

static dset sets[MAXSETS];
static int nsets;

static double parse_num(const char *s) {
  if (strncmp(s, "NA", 2) == 0)
    return NAN;
  return strtod(s, NULL);
}

static dset *find_set(const char *name) {
  for (int i = 0; i < nsets; i++)
    if (strcmp(sets[i].name, name) == 0)
      return &sets[i];
  return NULL;
}

static int load(void **state) {
  (void)state;
  FILE *f = fopen(cz_test_path("data/mcmc_diag_reference.csv"), "r");
  assert_non_null(f);
  char line[2048];
  assert_non_null(fgets(line, sizeof line, f));
  nsets = 0;
  while (fgets(line, sizeof line, f) != NULL && nsets < MAXSETS) {
    dset *d = &sets[nsets++];
    char *tok = strtok(line, ",\n");
    snprintf(d->name, sizeof d->name, "%s", tok);
    d->n_iter = (size_t)strtoul(strtok(NULL, ",\n"), NULL, 10);
    d->n_chains = (size_t)strtoul(strtok(NULL, ",\n"), NULL, 10);
    for (int k = 0; k < 9; k++)
      d->ref[k] = parse_num(strtok(NULL, ",\n"));
    d->n = 0;
  }
  fclose(f);
  f = fopen(cz_test_path("data/mcmc_diag_draws.csv"), "r");
  assert_non_null(f);
  assert_non_null(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f) != NULL) {
    char *tok = strtok(line, ",\n");
    dset *d = find_set(tok);
    assert_non_null(d);
    size_t chain = (size_t)strtoul(strtok(NULL, ",\n"), NULL, 10);
    size_t iter = (size_t)strtoul(strtok(NULL, ",\n"), NULL, 10);
    double v = strtod(strtok(NULL, ",\n"), NULL);
    size_t idx = (chain - 1) * d->n_iter + (iter - 1);
    assert_true(idx < MAXN);
    d->x[idx] = v;
    d->n++;
  }
  fclose(f);
  for (int i = 0; i < nsets; i++)
    assert_int_equal(sets[i].n, sets[i].n_iter * sets[i].n_chains);
  assert_true(nsets >= 8);
  return 0;
}

/* |a - b| <= 1e-10 * max(1, |b|); NaN must match NaN (posterior's NA). */
static void check(const char *set, const char *what, double got, double ref) {
  if (isnan(ref)) {
    if (!isnan(got))
      fail_msg("%s %s = %.17g, posterior gives NA", set, what, got);
    return;
  }
  double tol = 1e-10 * (fabs(ref) > 1 ? fabs(ref) : 1);
  if (!(fabs(got - ref) <= tol))
    fail_msg("%s %s = %.17g, posterior %.17g (diff %.3g)", set, what, got,
             ref, got - ref);
}

static void test_reference(void **state) {
  (void)state;
  for (int i = 0; i < nsets; i++) {
    dset *d = &sets[i];
    double v, lo, hi;
    assert_ok(causal_mcmc_rhat(d->x, d->n_iter, d->n_chains, &v));
    check(d->name, "rhat", v, d->ref[0]);
    assert_ok(causal_mcmc_ess_bulk(d->x, d->n_iter, d->n_chains, &v));
    check(d->name, "ess_bulk", v, d->ref[1]);
    assert_ok(causal_mcmc_ess_tail(d->x, d->n_iter, d->n_chains, &v));
    check(d->name, "ess_tail", v, d->ref[2]);
    assert_ok(causal_mcmc_ess_mean(d->x, d->n_iter, d->n_chains, &v));
    check(d->name, "ess_mean", v, d->ref[3]);
    assert_ok(causal_mcmc_mcse_mean(d->x, d->n_iter, d->n_chains, &v));
    check(d->name, "mcse_mean", v, d->ref[4]);
    assert_ok(causal_mcmc_hdi(d->x, d->n, 0.9, &lo, &hi));
    check(d->name, "hdi_low", lo, d->ref[5]);
    check(d->name, "hdi_high", hi, d->ref[6]);
  }
}

/* The summary matrix agrees with the single functions and R's quantiles. */
static void test_summary(void **state) {
  (void)state;
  /* two parameters: sets ar09 and iid (both 1000 x 4) */
  dset *a = find_set("ar09"), *b = find_set("iid");
  assert_non_null(a);
  assert_non_null(b);
  size_t N = a->n;
  double *draws = malloc(2 * N * sizeof(double));
  memcpy(draws, a->x, N * sizeof(double));
  memcpy(draws + N, b->x, N * sizeof(double));
  const char *names[2] = {"ar", "iid"};
  causal_result *r;
  assert_ok(causal_mcmc_summary(&r, draws, 1000, 4, 2, names, 0.9));
  const double *m;
  size_t nr, nc;
  assert_ok(causal_result_get_matrix(r, "summary", &m, &nr, &nc));
  assert_int_equal(nr, 2);
  assert_int_equal(nc, 11);
  assert_string_equal(causal_result_dimname(r, "summary", 0, 1), "iid");
  assert_string_equal(causal_result_dimname(r, "summary", 1, 8), "rhat");
  dset *ds[2] = {a, b};
  for (int j = 0; j < 2; j++) {
    dset *d = ds[j];
    check(d->name, "summary rhat", m[j + 8 * 2], d->ref[0]);
    check(d->name, "summary ess_bulk", m[j + 9 * 2], d->ref[1]);
    check(d->name, "summary ess_tail", m[j + 10 * 2], d->ref[2]);
    check(d->name, "summary mcse", m[j + 2 * 2], d->ref[4]);
    check(d->name, "summary hdi_low", m[j + 6 * 2], d->ref[5]);
    check(d->name, "summary hdi_high", m[j + 7 * 2], d->ref[6]);
    check(d->name, "summary q5", m[j + 3 * 2], d->ref[7]);
    check(d->name, "summary q95", m[j + 5 * 2], d->ref[8]);
  }
  causal_result_free(r);
  free(draws);
}

static void test_errors(void **state) {
  (void)state;
  double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, v, lo, hi;
  assert_status(causal_mcmc_rhat(NULL, 4, 2, &v), CAUSAL_EINVAL);
  assert_error_mentions("draws");
  assert_status(causal_mcmc_rhat(x, 4, 2, NULL), CAUSAL_EINVAL);
  assert_status(causal_mcmc_ess_bulk(x, 1, 2, &v), CAUSAL_EINVAL);
  assert_error_mentions("n_iter");
  assert_status(causal_mcmc_ess_tail(x, 4, 0, &v), CAUSAL_EINVAL);
  assert_error_mentions("n_chains");
  x[5] = NAN;
  assert_status(causal_mcmc_mcse_mean(x, 4, 2, &v), CAUSAL_ENONFINITE);
  assert_error_mentions("chain 2, iteration 2");
  assert_true(isnan(v));
  assert_status(causal_mcmc_ess_mean(x, 4, 2, &v), CAUSAL_ENONFINITE);
  assert_status(causal_mcmc_hdi(x, 8, 0.9, &lo, &hi), CAUSAL_ENONFINITE);
  x[5] = 6;
  assert_status(causal_mcmc_hdi(x, 8, 1.0, &lo, &hi), CAUSAL_ERANGE);
  assert_status(causal_mcmc_hdi(x, 0, 0.5, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_mcmc_hdi(NULL, 8, 0.5, &lo, &hi), CAUSAL_EINVAL);
  assert_status(causal_mcmc_hdi(x, 8, 0.5, NULL, &hi), CAUSAL_EINVAL);
  causal_result *r = (causal_result *)x;
  assert_status(causal_mcmc_summary(&r, x, 4, 2, 0, NULL, 0.9), CAUSAL_EINVAL);
  assert_null(r);
  assert_status(causal_mcmc_summary(&r, x, 4, 2, 1, NULL, 0), CAUSAL_ERANGE);
  assert_status(causal_mcmc_summary(&r, x, 1, 8, 1, NULL, 0.9), CAUSAL_EINVAL);
  assert_status(causal_mcmc_summary(NULL, x, 4, 2, 1, NULL, 0.9),
                CAUSAL_EINVAL);
  const char *nm[1] = {NULL};
  assert_status(causal_mcmc_summary(&r, x, 4, 2, 1, nm, 0.9), CAUSAL_EINVAL);
  x[7] = INFINITY;
  assert_status(causal_mcmc_summary(&r, x, 4, 2, 1, NULL, 0.9),
                CAUSAL_ENONFINITE);
  assert_error_mentions("iteration 4");
  /* constant draws: NA as posterior */
  double c[6] = {2, 2, 2, 2, 2, 2};
  assert_ok(causal_mcmc_rhat(c, 3, 2, &v));
  assert_true(isnan(v));
  assert_ok(causal_mcmc_ess_bulk(c, 3, 2, &v));
  assert_true(isnan(v));
  assert_ok(causal_mcmc_hdi(c, 6, 0.5, &lo, &hi));
  assert_true(lo == 2 && hi == 2);
}

static int oom_summary(void *arg) {
  dset *d = arg;
  causal_result *r = NULL;
  int rc = causal_mcmc_summary(&r, d->x, d->n_iter, d->n_chains, 1, NULL, 0.8);
  causal_result_free(r);
  return rc;
}
static int oom_rhat(void *arg) {
  dset *d = arg;
  double v;
  return causal_mcmc_rhat(d->x, d->n_iter, d->n_chains, &v);
}
static int oom_hdi(void *arg) {
  dset *d = arg;
  double lo, hi;
  return causal_mcmc_hdi(d->x, d->n, 0.8, &lo, &hi);
}

static void test_oom(void **state) {
  (void)state;
  dset *d = find_set("odd");
  assert_non_null(d);
  cz_oom_sweep(oom_summary, d);
  cz_oom_sweep(oom_rhat, d);
  cz_oom_sweep(oom_hdi, d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference), cmocka_unit_test(test_summary),
      cmocka_unit_test(test_errors), cmocka_unit_test(test_oom)};
  return cmocka_run_group_tests(tests, load, NULL);
}
