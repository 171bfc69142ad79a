/* Core: versions, status text, last error, allocator hook, user buffers. */
#include "testutil.h"

#include "internal/core.h"

#include <pthread.h>

static void test_version(void **state) {
  (void)state;
  assert_int_equal(causal_version_number(), CAUSAL_VERSION_NUMBER);
  assert_string_equal(causal_version_string(), CAUSAL_VERSION_STRING);
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", CAUSAL_VERSION_MAJOR,
           CAUSAL_VERSION_MINOR, CAUSAL_VERSION_PATCH);
  assert_string_equal(buf, causal_version_string());
}

static void test_strerror_pinned(void **state) {
  (void)state;
  /* The numeric values are part of the ABI. */
  assert_int_equal(CAUSAL_OK, 0);
  assert_int_equal(CAUSAL_EINVAL, -1);
  assert_int_equal(CAUSAL_ENOMEM, -2);
  assert_int_equal(CAUSAL_ENONFINITE, -3);
  assert_int_equal(CAUSAL_ESINGULAR, -4);
  assert_int_equal(CAUSAL_ENOCONV, -5);
  assert_int_equal(CAUSAL_ESEPARATION, -6);
  assert_int_equal(CAUSAL_EIO, -7);
  assert_int_equal(CAUSAL_EPARSE, -8);
  assert_int_equal(CAUSAL_ERANGE, -9);
  assert_int_equal(CAUSAL_ENOTFOUND, -10);
  assert_int_equal(CAUSAL_ETYPE, -11);
  assert_int_equal(CAUSAL_EDIM, -12);
  assert_int_equal(CAUSAL_ECORRUPT, -13);
  assert_int_equal(CAUSAL_EMISSING, -14);
  assert_int_equal(CAUSAL_ENOOVERLAP, -15);
  assert_int_equal(CAUSAL_EBUFSIZE, -16);
  assert_int_equal(CAUSAL_EVERSION, -17);
  assert_int_equal(CAUSAL_EEXISTS, -18);
  assert_int_equal(CAUSAL_EINTERNAL, -99);
  int codes[] = {0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10,
                 -11, -12, -13, -14, -15, -16, -17, -18, -99};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *s = causal_strerror(codes[i]);
    assert_non_null(s);
    assert_string_not_equal(s, "unknown status");
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(s, causal_strerror(codes[j]));
  }
  assert_string_equal(causal_strerror(-1234), "unknown status");
  assert_string_equal(causal_strerror(7), "unknown status");
}

static void test_last_error(void **state) {
  (void)state;
  causal_clear_error();
  assert_string_equal(causal_last_error(), "");
  assert_int_equal(cz_fail(CAUSAL_ERANGE, "option %s = %d", "k", 5),
                   CAUSAL_ERANGE);
  assert_string_equal(causal_last_error(), "option k = 5");
  cz_fail_context(CAUSAL_ERANGE, "reading '%s'", "f.csv");
  assert_string_equal(causal_last_error(), "reading 'f.csv': option k = 5");
  /* Long messages are truncated, never overflow. */
  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  cz_fail(CAUSAL_EINVAL, "%s", big);
  assert_true(strlen(causal_last_error()) < 1024);
  causal_clear_error();
  assert_string_equal(causal_last_error(), "");
}

static void *thread_fn(void *arg) {
  (void)arg;
  /* A new thread starts with an empty message and its own buffer. */
  int empty = causal_last_error()[0] == '\0';
  cz_fail(CAUSAL_EIO, "thread message");
  return (void *)(intptr_t)empty;
}

static void test_last_error_thread_local(void **state) {
  (void)state;
  cz_fail(CAUSAL_EINVAL, "main message");
  pthread_t t;
  void *ret;
  assert_int_equal(pthread_create(&t, NULL, thread_fn, NULL), 0);
  assert_int_equal(pthread_join(t, &ret), 0);
  assert_int_equal((intptr_t)ret, 1);
  assert_string_equal(causal_last_error(), "main message");
}

static void test_allocator_hook(void **state) {
  (void)state;
  /* Only both-or-neither. */
  assert_status(causal_set_thread_allocator(cz_oom_malloc, NULL, NULL),
                CAUSAL_EINVAL);
  assert_error_mentions("both");
  cz_oom_state s = {-1, 0, 0, 0};
  assert_ok(causal_set_thread_allocator(cz_oom_malloc, cz_oom_free, &s));
  char *p = cz_user_malloc(100);
  assert_non_null(p);
  assert_int_equal(s.live, 1);
  assert_ok(causal_set_thread_allocator(NULL, NULL, NULL));
  /* Freed through the allocator that made it, even after the reset. */
  causal_free(p);
  assert_int_equal(s.live, 0);
  causal_free(NULL);
  /* Failure is reported as ENOMEM text. */
  s.fail_at = 0;
  s.count = 0;
  assert_ok(causal_set_thread_allocator(cz_oom_malloc, cz_oom_free, &s));
  assert_null(cz_user_malloc(10));
  assert_ok(causal_set_thread_allocator(NULL, NULL, NULL));
  assert_error_mentions("out of memory");
  /* Overflowing sizes fail cleanly. */
  cz_alloc a = cz_alloc_current();
  assert_null(cz_calloc(&a, SIZE_MAX / 2, 4));
  assert_null(cz_user_malloc(SIZE_MAX - 4));
}

static void test_buf(void **state) {
  (void)state;
  cz_alloc a = cz_alloc_current();
  cz_buf b;
  cz_buf_init(&b, &a);
  for (int i = 0; i < 1000; i++)
    cz_buf_printf(&b, "%d,", i);
  cz_buf_puts(&b, "end");
  assert_false(b.failed);
  assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
  assert_int_equal(strcmp(b.data + b.len - 7, "999,end"), 0);
  cz_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_strerror_pinned),
      cmocka_unit_test(test_last_error),
      cmocka_unit_test(test_last_error_thread_local),
      cmocka_unit_test(test_allocator_hook),
      cmocka_unit_test(test_buf),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
