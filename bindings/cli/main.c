/* causal — the libcausal command line: command table and dispatch. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  cli_command run;
  const char *summary;
} commands[] = {
    {"describe", cmd_describe,
     "per-column type, count, missing, mean, sd, min, quartiles and max"},
    {"ols", cmd_regress,
     "linear regression (OLS/WLS, robust and clustered SEs, fixed effects)"},
    {"logit", cmd_regress, "logistic regression"},
    {"iv", cmd_regress, "instrumental variables (2SLS, LIML, Fuller)"},
    {"aa-split", cmd_aa, "balanced AA split of fixed units (rerandomization, optimizer)"},
    {"assign", cmd_assign, "deterministic variant assignment of ids (hash buckets)"},
    {"abtest", cmd_abtest, "A/B test: arms vs control, CUPED, SRM, multiplicity"},
    {"did", cmd_did, "difference-in-differences (TWFE, event study, 2x2)"},
    {"power", cmd_power, "sample size, power or MDE of an A/B test"},
    {"demo", cmd_demo, "end-to-end demo on a synthetic scenario with known truth"},
    {"sequential", cmd_sequential, "group-sequential boundaries and monitoring (Lan-DeMets spending)"},
    {"bayes", cmd_bayes, "Bayesian A/B from per-arm aggregates: P(B>A), loss, intervals"},
    {"ipw", cmd_ipw, "inverse probability weighting and AIPW with balance tables"},
    {"psm", cmd_psm, "propensity-score matching (MatchIt rules; CR and Abadie-Imbens SEs)"},
    {"fuse", cmd_fuse, "fuse randomized and observational estimates"},
    {"sample", cmd_sample, "posterior draws: beta, gamma-poisson, normal, two-group Gibbs"},
};

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s [--version] [--help] [--progress] <command> [<args>]\n"
          "\ncommands:\n",
          prog);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\nEvery command takes --help (options and runnable examples) and\n"
          "--json (the full result as JSON on stdout). Input is CSV with a\n"
          "header line: unit-level rows, or per-arm aggregates (abtest\n"
          "--aggregates, bayes --input, sequential --input).\n"
          "\noptions:\n"
          "  --progress      report progress of long work on stderr (the\n"
          "                  default when stderr is a terminal; --no-progress\n"
          "                  turns it off)\n"
          "  --version       print the versions and exit\n"
          "\nexit status:\n"
          "  0  success\n"
          "  1  data or computation error: invalid values, too few\n"
          "     observations, no convergence (the message names the cause)\n"
          "  2  usage error: unknown command or option, bad option value\n"
          "  3  input file missing or unreadable\n"
          "\nexample:\n"
          "  %s describe data/lalonde.csv\n"
          "\nRun '%s <command> --help' for a command's options and "
          "examples.\n",
          prog, prog);
}

int main(int argc, char **argv) {
  argc = cli_progress_args(argc, argv);
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("causal %s (libcausal %s)\n", CAUSAL_VERSION_STRING,
           causal_version_string());
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0)
      return commands[i].run(cmd, argc - 2, argv + 2);
  fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
  usage(stderr);
  return EXIT_USAGE;
}
