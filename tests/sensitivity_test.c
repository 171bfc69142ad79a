#include "testutil.h"
static void t_dummy(void **state) { (void)state; }
int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_dummy)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
