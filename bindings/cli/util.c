/* causal CLI: helpers shared by the commands. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const prog = "causal";

/* Report a library failure with its specific message; map to exit code. */
int fail(int rc, const char *what) {
  const char *msg = causal_last_error();
  fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, causal_strerror(rc),
          msg[0] ? ": " : "", msg);
  return rc == CAUSAL_EIO ? EXIT_INPUT : EXIT_ANALYSIS;
}

int print_json(const causal_result *r) {
  char *json = NULL;
  size_t len = 0;
  int rc = causal_result_to_json(r, &json, &len);
  if (rc != CAUSAL_OK)
    return fail(rc, "writing JSON");
  fwrite(json, 1, len, stdout);
  fputc('\n', stdout);
  causal_free(json);
  return 0;
}

/* -1: follow isatty(2); 0 off; 1 on. */
static int progress_mode = -1;
static struct timespec progress_t0;

int cli_progress_args(int argc, char **argv) {
  int k = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--progress") == 0)
      progress_mode = 1;
    else if (strcmp(argv[i], "--no-progress") == 0)
      progress_mode = 0;
    else
      argv[k++] = argv[i];
  }
  argv[k] = NULL;
  if (progress_mode < 0)
    progress_mode = isatty(STDERR_FILENO) ? 1 : 0;
  clock_gettime(CLOCK_MONOTONIC, &progress_t0);
  return k;
}

void cli_progress(const char *fmt, ...) {
  if (progress_mode != 1)
    return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  double el = (double)(t.tv_sec - progress_t0.tv_sec) +
              1e-9 * (double)(t.tv_nsec - progress_t0.tv_nsec);
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (%.2f s)\n", el);
  fflush(stderr);
}
