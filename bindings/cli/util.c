/* causal CLI: helpers shared by the commands. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
