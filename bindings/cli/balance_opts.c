/* causal CLI: covariate balance of the columns named in model terms
 * (include/causal/balance.h), computed and printed. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAXCOL = 64, MAXNAME = 128 };

typedef struct colset {
  char names[MAXCOL][MAXNAME];
  size_t n;
} colset;

/* Distinct column names of one term ("a:b" names a and b). */
static int add_cols(void *ctx, const char *item) {
  colset *s = ctx;
  for (const char *p = item; *p;) {
    const char *c = strchr(p, ':');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len > 0 && len < MAXNAME && s->n < MAXCOL) {
      size_t k = 0;
      while (k < s->n && (strlen(s->names[k]) != len ||
                          strncmp(s->names[k], p, len) != 0))
        k++;
      if (k == s->n) {
        memcpy(s->names[s->n], p, len);
        s->names[s->n++][len] = '\0';
      }
    }
    if (c == NULL)
      break;
    p = c + 1;
  }
  return CAUSAL_OK;
}

int cli_balance(causal_result **out, const causal_dataset *ds,
                const char *treatment, const char *terms, const double *w,
                size_t nw, int denom, double threshold) {
  static colset cs; /* large: not on the stack */
  cs.n = 0;
  *out = NULL;
  cli_each_item(terms, 1, add_cols, &cs);
  if (cs.n == 0)
    return CAUSAL_OK;
  causal_balance *b = NULL;
  int rc = causal_balance_new(&b);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_treatment(b, treatment);
  for (size_t j = 0; rc == CAUSAL_OK && j < cs.n; j++)
    rc = causal_balance_add_covariate(b, cs.names[j]);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_int(b, CAUSAL_BALANCE_SD_DENOM, denom);
  if (rc == CAUSAL_OK)
    rc = causal_balance_set_double(b, CAUSAL_BALANCE_THRESHOLD, threshold);
  if (rc == CAUSAL_OK)
    rc = causal_balance_compute(out, b, ds, w, nw);
  causal_balance_free(b);
  return rc;
}

void cli_print_balance(const causal_result *b, const char *after) {
  const double *m = NULL;
  size_t nr = 0, nc = 0;
  if (causal_result_get_matrix(b, "balance", &m, &nr, &nc) != CAUSAL_OK ||
      nc < 14)
    return;
  const char *den = "?";
  causal_result_get_string(b, "sd_denom", &den);
  int w = 12;
  for (size_t i = 0; i < nr; i++) {
    const char *nm = causal_result_dimname(b, "balance", 0, i);
    int l = nm ? (int)strlen(nm) : 0;
    w = l > w ? l : w;
  }
  printf("Covariate balance (standardized mean differences with the "
         "unadjusted %s SD;\nflag: |SMD| > %g before, after %s):\n",
         den, cli_scalar(b, "threshold"), after);
  printf("%-*s %10s %10s %10s %10s %10s %10s  flag\n", w, "", "SMD",
         "VarRatio", "eCDFmax", "SMD.adj", "VarRatio.a", "eCDFmax.a");
  static const int cols[6] = {2, 3, 5, 9, 10, 12};
  for (size_t i = 0; i < nr; i++) {
    const char *nm = causal_result_dimname(b, "balance", 0, i);
    printf("%-*s", w, nm ? nm : "?");
    for (int c = 0; c < 6; c++) {
      double v = m[(size_t)cols[c] * nr + i];
      if (isnan(v))
        printf(" %10s", ".");
      else
        printf(" %10.4f", v);
    }
    printf("  %c%c\n", m[6 * nr + i] != 0 ? '*' : '-',
           m[13 * nr + i] != 0 ? '*' : '-');
  }
  printf("Flagged: %.0f before, %.0f after %s\n\n", cli_scalar(b, "n_flagged"),
         cli_scalar(b, "n_flagged_adj"), after);
}
