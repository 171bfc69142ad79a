/* causal — the libcausal command line: shared declarations.
 *
 * Each command lives in cmd_<name>.c and has the signature of cli_command;
 * main.c holds the command table. Adding a command = one file + one table
 * row + one line in meson.build.
 *
 * Exit codes (listed by `causal --help`): 0 success, 1 the analysis failed
 * (bad data or a computation error; the library message names the cause),
 * 2 usage error (unknown command or option, bad option value), 3 input
 * file missing or unreadable. */
#ifndef CAUSAL_CLI_H
#define CAUSAL_CLI_H

#include "causal.h"

enum { EXIT_ANALYSIS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* Program name used in messages. */
extern const char *const prog;

/* Report a library failure with its specific message on stderr; returns
 * the exit code for it (EXIT_INPUT for I/O errors, else EXIT_ANALYSIS). */
int fail(int rc, const char *what);
/* Progress of long work on stderr: on when stderr is a terminal or with
 * the global --progress (off with --no-progress). cli_progress_args removes
 * those flags from argv (returns the new argc); cli_progress prints one
 * line "causal: <message> (<elapsed> s)" when on. */
int cli_progress_args(int argc, char **argv);
void cli_progress(const char *fmt, ...);
/* Write a result as JSON to stdout; returns an exit code. */
int print_json(const causal_result *r);

/* Shared by the regression commands and did (regress_opts.c). */
/* Case-insensitive lookup of `name` in `names`; the matching code or -1. */
int cli_lookup(const char *name, const char *const *names, const int *codes,
               size_t n);
/* --vcov and --ssc values; the library code or -1. */
int cli_vcov_code(const char *s);
int cli_ssc_code(const char *s);
typedef int (*cli_item_fn)(void *ctx, const char *item);
/* Call fn(ctx, item) for each non-empty comma-separated item of list
 * (blanks around items removed if trim); stops at the first failure. */
int cli_each_item(const char *list, int trim, cli_item_fn fn, void *ctx);
/* Apply the CSV input option a (--cat, --na, --delimiter) with value v:
 * 0 if a is none of them, else 1 with *rc the library status, or
 * *status = EXIT_USAGE after a message for a bad value. */
int cli_csv_option(causal_csv_options *o, const char *cmd, const char *a,
                   const char *v, int *rc, int *status);
/* A whole-string number; 1 on success. */
int cli_parse_double(const char *s, double *v);
/* A result scalar, NaN if absent. */
double cli_scalar(const causal_result *r, const char *name);
/* Numbers as in R's summary tables (5 significant digits; p-values). */
void cli_fmt_g(char *buf, size_t cap, double v);
void cli_fmt_p(char *buf, size_t cap, double p);
const char *cli_stars(double p);
/* Coefficient table: header (z: normal reference) and one row of the six
 * values estimate, std. error, statistic, p, low, high at v[c * stride]. */
void cli_print_head(int w, int z);
void cli_print_row(int w, const char *name, const double *v, size_t stride);
void cli_print_signif(void);
/* The result's warnings on stderr. */
void cli_print_warnings(const causal_result *r);

/* --report FILE.html / --markdown FILE.md (report_opts.c); see the comment
 * at the top of report_opts.c for the three lines a command adds. */
typedef struct cli_report {
  const char *html, *md; /* output paths ("-": stdout) or NULL */
  int bad;               /* a usage error was reported */
} cli_report;
/* The two --help lines, for string-literal concatenation in usage text. */
#define CLI_REPORT_HELP                                                        \
  "  --report FILE       also write a self-contained HTML report\n"          \
  "  --markdown FILE     also write the report as Markdown\n"
/* 1 if argv[*i] is a report option (its value taken, *i advanced; check
 * o->bad), else 0. */
int cli_report_option(cli_report *o, const char *cmd, int argc, char **argv,
                      int *i);
int cli_report_wanted(const cli_report *o);
/* Forest plot of a coefficient-table entry (intercept left out if asked),
 * and the event-study plot of a table entry against a vector of periods. */
int cli_chart_table(causal_chart **out, const causal_result *r,
                    const char *entry, const char *title, const char *xlabel,
                    int skip_intercept);
int cli_chart_event(causal_chart **out, const causal_result *r,
                    const char *entry, const char *xentry, const char *title);
/* Love plot of a balance result (|smd| before, |smd_adj| after, threshold
 * line) and propensity-score overlap histograms by arm (treat != 0). */
int cli_chart_love(causal_chart **out, const causal_result *bal,
                   const char *title);
int cli_chart_overlap(causal_chart **out, const double *score,
                      const double *treat, size_t n, const char *title);
/* Balance (balance.h) of the distinct columns named in comma-separated
 * model terms, with adjustment weights w (nw == rows of ds); *out stays
 * NULL when the terms name no column. Printed as a table of SMD, variance
 * ratio and eCDF max before and after ("after" names the adjustment). */
int cli_balance(causal_result **out, const causal_dataset *ds,
                const char *treatment, const char *terms, const double *w,
                size_t nw, int denom, double threshold);
void cli_print_balance(const causal_result *b, const char *after);
/* Write the requested files: the command line, charts (NULLs skipped), then
 * the result's entries as tables. 0 or an exit code. */
int cli_report_write(const cli_report *o, const char *cmd, int argc,
                     char **argv, const causal_result *res,
                     causal_chart *const *charts, size_t ncharts);
/* The general form: a "Summary" key-value block (nkv pairs, may be 0),
 * the charts, then every result (captions: NULL or one per result, NULL
 * items for the kind); with max_vector > 0, vectors longer than that and
 * matrices with more rows (unit-level weights, scores, rows) are left out
 * of the tables. */
typedef struct cli_report_parts {
  const char *const *keys, *const *vals;
  size_t nkv;
  causal_chart *const *charts;
  size_t ncharts;
  const causal_result *const *res;
  const char *const *captions;
  size_t nres, max_vector;
} cli_report_parts;
/* For reports: a copy of r whose vectors of one common length (that of
 * the first vector) become the columns of one matrix `name` with rows
 * "<rowlabel> 1", "<rowlabel> 2", ... (other vectors, matrices and tables
 * are left out). */
int cli_result_merge_vectors(causal_result **out, const causal_result *r,
                             const char *name, const char *rowlabel);
int cli_report_write_parts(const cli_report *o, const char *cmd, int argc,
                           char **argv, const cli_report_parts *p);

/* Commands: argv holds the command's own arguments (after its name). */
typedef int (*cli_command)(const char *cmd, int argc, char **argv);
int cmd_describe(const char *cmd, int argc, char **argv);
int cmd_regress(const char *cmd, int argc, char **argv);
int cmd_aa(const char *cmd, int argc, char **argv);
int cmd_assign(const char *cmd, int argc, char **argv);
int cmd_abtest(const char *cmd, int argc, char **argv);
int cmd_did(const char *cmd, int argc, char **argv);
int cmd_power(const char *cmd, int argc, char **argv);
int cmd_demo(const char *cmd, int argc, char **argv);
int cmd_sequential(const char *cmd, int argc, char **argv);
int cmd_bayes(const char *cmd, int argc, char **argv);
int cmd_ipw(const char *cmd, int argc, char **argv);
int cmd_psm(const char *cmd, int argc, char **argv);
int cmd_fuse(const char *cmd, int argc, char **argv);
int cmd_sample(const char *cmd, int argc, char **argv);

#endif
