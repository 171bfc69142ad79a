/* causal CLI: option parsing and table printing shared by the regression
 * commands (ols, logit, iv) and did. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_lookup(const char *name, const char *const *names, const int *codes,
               size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *a = name, *b = names[i];
    while (*a && *b && (*a | 0x20) == (*b | 0x20)) {
      a++;
      b++;
    }
    if (*a == '\0' && *b == '\0')
      return codes[i];
  }
  return -1;
}

int cli_vcov_code(const char *s) {
  static const char *const n[] = {"classical", "iid", "HC0", "HC1", "HC2",
                                  "HC3",       "CR0", "CR1", "CR2"};
  static const int c[] = {
      CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_CLASSICAL, CAUSAL_VCOV_HC0,
      CAUSAL_VCOV_HC1,       CAUSAL_VCOV_HC2,       CAUSAL_VCOV_HC3,
      CAUSAL_VCOV_CR0,       CAUSAL_VCOV_CR1,       CAUSAL_VCOV_CR2};
  return cli_lookup(s, n, c, 9);
}

int cli_ssc_code(const char *s) {
  static const char *const n[] = {"R", "stata", "statsmodels", "fixest"};
  static const int c[] = {CAUSAL_SSC_R, CAUSAL_SSC_STATA,
                          CAUSAL_SSC_STATSMODELS, CAUSAL_SSC_FIXEST};
  return cli_lookup(s, n, c, 4);
}

int cli_each_item(const char *list, int trim, cli_item_fn fn, void *ctx) {
  char buf[1024];
  const char *p = list;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len >= sizeof buf)
      len = sizeof buf - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *s = buf;
    if (trim) {
      while (*s == ' ')
        s++;
      for (char *t = s + strlen(s); t > s && t[-1] == ' ';)
        *--t = '\0';
    }
    if (*s) {
      int rc = fn(ctx, s);
      if (rc != CAUSAL_OK)
        return rc;
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return CAUSAL_OK;
}

static int set_cat_one(void *o, const char *col) {
  return causal_csv_options_set_type(o, col, CAUSAL_TYPE_CAT);
}

int cli_csv_option(causal_csv_options *o, const char *cmd, const char *a,
                   const char *v, int *rc, int *status) {
  if (strcmp(a, "--cat") == 0) {
    /* not trimmed: a column name may hold blanks */
    *rc = cli_each_item(v, 0, set_cat_one, o);
  } else if (strcmp(a, "--na") == 0) {
    *rc = causal_csv_options_add_na(o, v);
  } else if (strcmp(a, "--delimiter") == 0) {
    if (strlen(v) != 1 && strcmp(v, "tab") != 0) {
      fprintf(stderr, "%s %s: --delimiter takes one character\n", prog, cmd);
      *status = EXIT_USAGE;
    } else {
      *rc = causal_csv_options_set_int(
          o, CAUSAL_CSV_DELIMITER,
          strcmp(v, "tab") == 0 ? '\t' : (unsigned char)v[0]);
    }
  } else {
    return 0;
  }
  return 1;
}

int cli_parse_double(const char *s, double *v) {
  char *end = NULL;
  *v = strtod(s, &end);
  return end != s && *end == '\0';
}

double cli_scalar(const causal_result *r, const char *name) {
  double v = NAN;
  if (causal_result_get_scalar(r, name, &v) != CAUSAL_OK)
    return NAN;
  return v;
}

void cli_fmt_g(char *buf, size_t cap, double v) {
  if (isnan(v))
    snprintf(buf, cap, "NaN");
  else if (isinf(v))
    snprintf(buf, cap, v > 0 ? "Inf" : "-Inf");
  else
    snprintf(buf, cap, "%.5g", v);
}

void cli_fmt_p(char *buf, size_t cap, double p) {
  if (isnan(p))
    snprintf(buf, cap, "NaN");
  else if (p < 2.2e-16)
    snprintf(buf, cap, "<2e-16");
  else if (p < 1e-4)
    snprintf(buf, cap, "%.2e", p);
  else
    snprintf(buf, cap, "%.4f", p);
}

const char *cli_stars(double p) {
  return isnan(p)    ? ""
         : p < 0.001 ? "***"
         : p < 0.01  ? "**"
         : p < 0.05  ? "*"
         : p < 0.1   ? "."
                     : "";
}

void cli_print_head(int w, int z) {
  printf("%-*s %11s %11s %8s %9s %11s %11s\n", w, "", "Estimate", "Std. Error",
         z ? "z value" : "t value", z ? "Pr(>|z|)" : "Pr(>|t|)", "conf.low",
         "conf.high");
}

void cli_print_row(int w, const char *name, const double *v, size_t stride) {
  char e[32], s[32], p[32], lo[32], hi[32];
  cli_fmt_g(e, sizeof e, v[0]);
  cli_fmt_g(s, sizeof s, v[stride]);
  cli_fmt_p(p, sizeof p, v[3 * stride]);
  cli_fmt_g(lo, sizeof lo, v[4 * stride]);
  cli_fmt_g(hi, sizeof hi, v[5 * stride]);
  const char *st = cli_stars(v[3 * stride]);
  printf("%-*s %11s %11s %8.3f %9s %11s %11s%s%s\n", w, name, e, s,
         v[2 * stride], p, lo, hi, st[0] ? " " : "", st);
}

void cli_print_signif(void) {
  printf("---\nSignif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 "
         "' ' 1\n");
}

void cli_print_warnings(const causal_result *r) {
  for (size_t i = 0; i < causal_result_nwarnings(r); i++)
    fprintf(stderr, "warning: %s\n", causal_result_warning(r, i));
}
