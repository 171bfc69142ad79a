/* causal — the libcausal command line: shared declarations.
 *
 * Each command lives in cmd_<name>.c and has the signature of cli_command;
 * main.c holds the command table. Adding a command = one file + one table
 * row + one line in meson.build.
 *
 * Exit codes: 0 success, 1 the analysis failed (bad data, library error),
 * 2 usage error (unknown command or option), 3 input file unreadable. */
#ifndef CAUSAL_CLI_H
#define CAUSAL_CLI_H

#include "causal.h"

enum { EXIT_ANALYSIS = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };

/* Program name used in messages. */
extern const char *const prog;

/* Report a library failure with its specific message on stderr; returns
 * the exit code for it (EXIT_INPUT for I/O errors, else EXIT_ANALYSIS). */
int fail(int rc, const char *what);
/* Write a result as JSON to stdout; returns an exit code. */
int print_json(const causal_result *r);

/* Commands: argv holds the command's own arguments (after its name). */
typedef int (*cli_command)(const char *cmd, int argc, char **argv);
int cmd_describe(const char *cmd, int argc, char **argv);
int cmd_regress(const char *cmd, int argc, char **argv);
int cmd_power(const char *cmd, int argc, char **argv);

#endif
