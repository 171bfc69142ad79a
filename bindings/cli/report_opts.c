/* causal CLI: --report FILE.html and --markdown FILE.md for any command
 * (include/causal/report.h). A command adds reports in three steps:
 *   1. in its option loop:  if (cli_report_option(&rep, "cmd", argc, argv,
 *                               &i)) { if (rep.bad) return EXIT_USAGE;
 *                               continue; }
 *   2. after the analysis:  build charts from the result (cli_chart_table,
 *                           cli_chart_event) or from plain arrays;
 *   3. cli_report_write(&rep, "cmd", argc, argv, res, charts, n) writes the
 *      requested files: title, the command line, the charts, then every
 *      entry of the result as tables. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_report_option(cli_report *o, const char *cmd, int argc, char **argv,
                      int *i) {
  const char *a = argv[*i];
  const char **dst = NULL;
  if (strcmp(a, "--report") == 0 || strncmp(a, "--report=", 9) == 0)
    dst = &o->html;
  else if (strcmp(a, "--markdown") == 0 || strncmp(a, "--markdown=", 11) == 0)
    dst = &o->md;
  else
    return 0;
  const char *eq = strchr(a, '=');
  if (eq != NULL) {
    *dst = eq + 1;
  } else if (*i + 1 < argc) {
    *dst = argv[++*i];
  } else {
    fprintf(stderr, "%s %s: %s needs a file name\n", prog, cmd, a);
    o->bad = 1;
    return 1;
  }
  if (**dst == '\0') {
    fprintf(stderr, "%s %s: %.10s needs a file name\n", prog, cmd, a);
    o->bad = 1;
  }
  return 1;
}

int cli_report_wanted(const cli_report *o) {
  return o->html != NULL || o->md != NULL;
}

/* Rows of a TABLE entry (estimate and interval), the intercept optionally
 * left out. */
int cli_chart_table(causal_chart **out, const causal_result *r,
                    const char *entry, const char *title, const char *xlabel,
                    int skip_intercept) {
  const double *v = NULL;
  size_t k = 0, nc = 0;
  *out = NULL;
  int rc = causal_result_get_matrix(r, entry, &v, &k, &nc);
  if (rc != CAUSAL_OK)
    return rc;
  if (nc < CAUSAL_TABLE_NCOLS || k == 0)
    return CAUSAL_ENOTFOUND;
  const char **lab = calloc(k, sizeof *lab);
  double *e = calloc(3 * k, sizeof *e);
  if (lab == NULL || e == NULL) {
    free(lab);
    free(e);
    return CAUSAL_ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < k; i++) {
    const char *name = causal_result_dimname(r, entry, 0, i);
    if (skip_intercept && k > 1 && name && strcmp(name, "(Intercept)") == 0)
      continue;
    lab[m] = name ? name : "?";
    e[m] = v[i + CAUSAL_TABLE_ESTIMATE * k];
    e[k + m] = v[i + CAUSAL_TABLE_CONF_LOW * k];
    e[2 * k + m] = v[i + CAUSAL_TABLE_CONF_HIGH * k];
    m++;
  }
  rc = causal_chart_forest_plot(out, title, lab, e, e + k, e + 2 * k, m, 0.0);
  if (rc == CAUSAL_OK && xlabel)
    rc = causal_chart_set_labels(*out, xlabel, NULL);
  free(lab);
  free(e);
  if (rc != CAUSAL_OK) {
    causal_chart_free(*out);
    *out = NULL;
  }
  return rc;
}

int cli_chart_event(causal_chart **out, const causal_result *r,
                    const char *entry, const char *xentry, const char *title) {
  const double *v = NULL, *t = NULL;
  size_t k = 0, nc = 0, nt = 0;
  *out = NULL;
  int rc = causal_result_get_matrix(r, entry, &v, &k, &nc);
  if (rc == CAUSAL_OK)
    rc = causal_result_get_vector(r, xentry, &t, &nt);
  if (rc != CAUSAL_OK)
    return rc;
  if (nt != k || k == 0 || nc < CAUSAL_TABLE_NCOLS)
    return CAUSAL_EDIM;
  double *e = malloc(3 * k * sizeof *e);
  if (e == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < k; i++) {
    /* the reference period has no estimate: drawn at 0 without interval */
    double est = v[i + CAUSAL_TABLE_ESTIMATE * k];
    e[i] = isfinite(est) ? est : 0.0;
    e[k + i] = isfinite(est) ? v[i + CAUSAL_TABLE_CONF_LOW * k] : NAN;
    e[2 * k + i] = isfinite(est) ? v[i + CAUSAL_TABLE_CONF_HIGH * k] : NAN;
  }
  rc = causal_chart_new(out, CAUSAL_CHART_INTERVAL, title);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "Periods relative to treatment",
                                 "Estimate");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_intervals(*out, "Estimate with confidence interval",
                                    t, e, e + k, e + 2 * k, k);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_Y, 0.0, NULL);
  double ref = cli_scalar(r, "reference");
  if (rc == CAUSAL_OK && isfinite(ref))
    rc = causal_chart_add_refline(*out, CAUSAL_CHART_AXIS_X, ref + 0.5,
                                  "treatment");
  free(e);
  if (rc != CAUSAL_OK) {
    causal_chart_free(*out);
    *out = NULL;
  }
  return rc;
}

/* Love plot of a balance result (include/causal/balance.h): |SMD| per
 * covariate before and after adjustment ("smd" and "smd_adj" columns). */
int cli_chart_love(causal_chart **out, const causal_result *bal,
                   const char *title) {
  const double *m = NULL;
  size_t nr = 0, nc = 0;
  *out = NULL;
  int rc = causal_result_get_matrix(bal, "balance", &m, &nr, &nc);
  if (rc != CAUSAL_OK)
    return rc;
  if (nc < 14 || nr == 0)
    return CAUSAL_ENOTFOUND;
  const char **lab = calloc(nr, sizeof *lab);
  double *v = calloc(2 * nr, sizeof *v);
  if (lab == NULL || v == NULL)
    rc = CAUSAL_ENOMEM;
  for (size_t i = 0; rc == CAUSAL_OK && i < nr; i++) {
    const char *name = causal_result_dimname(bal, "balance", 0, i);
    lab[i] = name ? name : "?";
    v[i] = fabs(m[2 * nr + i]); /* NaN (constant covariate): row left empty */
    v[nr + i] = fabs(m[9 * nr + i]);
  }
  if (rc == CAUSAL_OK)
    rc = causal_chart_love_plot(out, title, lab, v, v + nr, nr,
                                cli_scalar(bal, "threshold"));
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "|Standardized mean difference|", NULL);
  free(lab);
  free(v);
  if (rc != CAUSAL_OK) {
    causal_chart_free(*out);
    *out = NULL;
  }
  return rc;
}

/* Histograms of the propensity scores of the treated and control units. */
int cli_chart_overlap(causal_chart **out, const double *score,
                      const double *treat, size_t n, const char *title) {
  double *v = malloc((n ? n : 1) * sizeof *v);
  size_t nt = 0, nc = 0;
  *out = NULL;
  if (v == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < n; i++) /* treated from the front, control back */
    if (isfinite(score[i]) && treat[i] != 0)
      v[nt++] = score[i];
    else if (isfinite(score[i]))
      v[n - ++nc] = score[i];
  int rc = nt == 0 || nc == 0 ? CAUSAL_EINVAL : CAUSAL_OK;
  if (rc == CAUSAL_OK)
    rc = causal_chart_new(out, CAUSAL_CHART_HISTOGRAM, title);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_labels(*out, "Propensity score", "Share of the arm");
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_histogram(*out, "Treated", v, nt);
  if (rc == CAUSAL_OK)
    rc = causal_chart_add_histogram(*out, "Control", v + n - nc, nc);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_X_LOW, 0.0);
  if (rc == CAUSAL_OK)
    rc = causal_chart_set_double(*out, CAUSAL_CHART_X_HIGH, 1.0);
  free(v);
  if (rc != CAUSAL_OK) {
    causal_chart_free(*out);
    *out = NULL;
  }
  return rc;
}

static int write_text(const char *path, const char *s, size_t n) {
  FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "%s: cannot write '%s'\n", prog, path);
    return EXIT_INPUT;
  }
  int bad = fwrite(s, 1, n, f) != n;
  if (f != stdout)
    bad |= fclose(f) != 0;
  else
    bad |= fflush(f) != 0;
  if (bad) {
    fprintf(stderr, "%s: error writing '%s'\n", prog, path);
    return EXIT_INPUT;
  }
  return 0;
}

int cli_report_write(const cli_report *o, const char *cmd, int argc,
                     char **argv, const causal_result *res,
                     causal_chart *const *charts, size_t ncharts) {
  cli_report_parts p;
  memset(&p, 0, sizeof p);
  p.res = &res;
  p.nres = res != NULL;
  p.charts = charts;
  p.ncharts = ncharts;
  return cli_report_write_parts(o, cmd, argc, argv, &p);
}

/* A copy of r without its vectors longer than max_len and matrices with
 * more rows (unit-level weights, scores, row indices, match matrices:
 * thousands of table rows in a report). */
static int compact(causal_result **out, const causal_result *r,
                   size_t max_len) {
  int rc = causal_result_new(out, causal_result_kind(r));
  const char **names = NULL, **cnames = NULL;
  for (size_t i = 0; rc == CAUSAL_OK && i < causal_result_count(r); i++) {
    const char *nm = causal_result_name(r, i), *str = NULL;
    const double *v = NULL;
    size_t n = 0, nc = 0;
    int type = 0;
    double x;
    causal_result_type(r, nm, &type);
    if (type == CAUSAL_ENTRY_SCALAR && !causal_result_get_scalar(r, nm, &x)) {
      rc = causal_result_set_scalar(*out, nm, x);
      continue;
    }
    if (type == CAUSAL_ENTRY_STRING && !causal_result_get_string(r, nm, &str)) {
      rc = causal_result_set_string(*out, nm, str);
      continue;
    }
    if (type == CAUSAL_ENTRY_VECTOR)
      rc = causal_result_get_vector(r, nm, &v, &n);
    else
      rc = causal_result_get_matrix(r, nm, &v, &n, &nc);
    if (rc != CAUSAL_OK || (type != CAUSAL_ENTRY_TABLE && n > max_len))
      continue; /* long vectors, tall matrices */
    names = calloc(n + 1, sizeof *names);
    cnames = calloc(nc + 1, sizeof *cnames);
    if (names == NULL || cnames == NULL)
      rc = CAUSAL_ENOMEM;
    int named = 0, cnamed = 0;
    for (size_t k = 0; rc == CAUSAL_OK && k < n; k++)
      named |= (names[k] = causal_result_dimname(r, nm, 0, k)) != NULL;
    for (size_t k = 0; rc == CAUSAL_OK && k < nc; k++)
      cnamed |= (cnames[k] = causal_result_dimname(r, nm, 1, k)) != NULL;
    if (rc == CAUSAL_OK && type == CAUSAL_ENTRY_VECTOR)
      rc = causal_result_set_vector(*out, nm, v, n, named ? names : NULL);
    else if (rc == CAUSAL_OK && type == CAUSAL_ENTRY_TABLE)
      rc = causal_result_set_table(*out, nm, names, n, v, v + n, v + 2 * n,
                                   v + 3 * n, v + 4 * n, v + 5 * n);
    else if (rc == CAUSAL_OK)
      rc = causal_result_set_matrix(*out, nm, v, n, nc, named ? names : NULL,
                                    cnamed ? cnames : NULL);
    free(names);
    free(cnames);
    names = cnames = NULL;
  }
  for (size_t i = 0; rc == CAUSAL_OK && i < causal_result_nwarnings(r); i++)
    rc = causal_result_add_warning(*out, causal_result_warning(r, i));
  if (rc != CAUSAL_OK) {
    causal_result_free(*out);
    *out = NULL;
  }
  return rc;
}

int cli_result_merge_vectors(causal_result **out, const causal_result *r,
                             const char *name, const char *rowlabel) {
  size_t cnt = causal_result_count(r), len = 0, nv = 0;
  const double *v = NULL;
  size_t n = 0;
  /* the length shared by the vectors: that of the first vector */
  for (size_t i = 0; i < cnt && len == 0; i++)
    if (causal_result_get_vector(r, causal_result_name(r, i), &v, &n) == 0)
      len = n;
  for (size_t i = 0; i < cnt; i++)
    nv += causal_result_get_vector(r, causal_result_name(r, i), &v, &n) ==
              CAUSAL_OK &&
          n == len;
  double *m = calloc(len * nv + 1, sizeof *m);
  const char **cn = calloc(nv + 1, sizeof *cn), **rn = calloc(len + 1, sizeof *rn);
  char *lab = calloc(len + 1, 32);
  int rc = m && cn && rn && lab ? causal_result_new(out, causal_result_kind(r))
                                : CAUSAL_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; rc == CAUSAL_OK && i < cnt; i++) {
    const char *nm = causal_result_name(r, i), *str = NULL;
    int type = 0;
    double x;
    causal_result_type(r, nm, &type);
    if (type == CAUSAL_ENTRY_SCALAR && !causal_result_get_scalar(r, nm, &x))
      rc = causal_result_set_scalar(*out, nm, x);
    else if (type == CAUSAL_ENTRY_STRING &&
             !causal_result_get_string(r, nm, &str))
      rc = causal_result_set_string(*out, nm, str);
    else if (type == CAUSAL_ENTRY_VECTOR &&
             !causal_result_get_vector(r, nm, &v, &n) && n == len) {
      memcpy(m + j * len, v, len * sizeof *m);
      cn[j++] = nm;
    }
  }
  for (size_t i = 0; i < len && lab != NULL; i++) {
    snprintf(lab + 32 * i, 32, "%s %zu", rowlabel, i + 1);
    rn[i] = lab + 32 * i;
  }
  if (rc == CAUSAL_OK && nv > 0)
    rc = causal_result_set_matrix(*out, name, m, len, nv, rn, cn);
  for (size_t i = 0; rc == CAUSAL_OK && i < causal_result_nwarnings(r); i++)
    rc = causal_result_add_warning(*out, causal_result_warning(r, i));
  free(m);
  free(cn);
  free(rn);
  free(lab);
  if (rc != CAUSAL_OK) {
    causal_result_free(*out);
    *out = NULL;
  }
  return rc;
}

int cli_report_write_parts(const cli_report *o, const char *cmd, int argc,
                           char **argv, const cli_report_parts *p) {
  if (!cli_report_wanted(o))
    return 0;
  causal_report *rep = NULL;
  char title[256], *line = NULL;
  snprintf(title, sizeof title, "causal %s", cmd);
  /* the command line, without the report options themselves */
  size_t cap = 64;
  for (int i = 0; i < argc; i++)
    cap += strlen(argv[i]) + 3;
  line = malloc(cap);
  if (line == NULL)
    return fail(CAUSAL_ENOMEM, "report");
  size_t n = (size_t)snprintf(line, cap, "%s %s", prog, cmd);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--report") == 0 || strcmp(a, "--markdown") == 0) {
      i++;
      continue;
    }
    if (strncmp(a, "--report=", 9) == 0 || strncmp(a, "--markdown=", 11) == 0)
      continue;
    n += (size_t)snprintf(line + n, cap - n, " %s", a);
  }
  int rc = causal_report_new(&rep, title);
  const causal_result *res = p->nres > 0 ? p->res[0] : NULL;
  const char *key[2] = {"Command", "Result"};
  const char *val[2] = {line, res ? causal_result_kind(res) : ""};
  if (rc == CAUSAL_OK)
    rc = causal_report_add_keyvalue(rep, key, val, res ? 2 : 1);
  if (rc == CAUSAL_OK && p->nkv > 0)
    rc = causal_report_add_heading(rep, 2, "Summary");
  if (rc == CAUSAL_OK && p->nkv > 0)
    rc = causal_report_add_keyvalue(rep, p->keys, p->vals, p->nkv);
  for (size_t i = 0; rc == CAUSAL_OK && i < p->ncharts; i++)
    if (p->charts[i] != NULL)
      rc = causal_report_add_chart(rep, p->charts[i]);
  if (rc == CAUSAL_OK && res != NULL)
    rc = causal_report_add_heading(rep, 2, "Results");
  for (size_t i = 0; rc == CAUSAL_OK && i < p->nres; i++) {
    causal_result *c = NULL;
    if (p->res[i] == NULL)
      continue;
    if (p->max_vector > 0)
      rc = compact(&c, p->res[i], p->max_vector);
    if (rc == CAUSAL_OK)
      rc = causal_report_add_result(rep, c ? c : p->res[i],
                                    p->captions ? p->captions[i] : NULL);
    causal_result_free(c);
  }
  free(line);
  int status = rc == CAUSAL_OK ? 0 : fail(rc, "report");
  char *text = NULL;
  size_t len = 0;
  if (status == 0 && o->html != NULL) {
    if ((rc = causal_report_to_html(rep, &text, &len)) != CAUSAL_OK)
      status = fail(rc, "report");
    else
      status = write_text(o->html, text, len);
    causal_free(text);
  }
  if (status == 0 && o->md != NULL) {
    if ((rc = causal_report_to_markdown(rep, &text, &len)) != CAUSAL_OK)
      status = fail(rc, "report");
    else
      status = write_text(o->md, text, len);
    causal_free(text);
  }
  causal_report_free(rep);
  return status;
}
