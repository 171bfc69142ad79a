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
    {"fuse", cmd_fuse, "fuse randomized and observational estimates"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: %s [--version] [--help] <command> [<args>]\n\ncommands:\n",
          prog);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\nRun '%s <command> --help' for a command's options and "
             "examples.\n",
          prog);
}

int main(int argc, char **argv) {
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
