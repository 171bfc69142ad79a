/* CSV reader benchmark.
 *
 *   bench_csv --generate PATH MB   write a numeric CSV of about MB megabytes
 *   bench_csv --whole PATH         causal_csv_read_file, prints timing
 *   bench_csv --stream PATH        streaming pass (CHUNK_ROWS 65536)
 *
 * Output of the read modes, one line:
 *   "<mode> <wall seconds> <cpu seconds> <rows> <cols>".
 * Driven by bench/csv_vs_peers.sh, which also times pandas and data.table.
 */
#include "causal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t state = 0x2545F4914F6CDD1Du;
static uint64_t rnd(void) {
  uint64_t z = (state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static char *put_u64(char *p, uint64_t v) {
  char tmp[24];
  int k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k)
    *p++ = tmp[--k];
  return p;
}

static char *put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(p, (uint64_t)v);
}

/* v / 10^dec with exactly dec decimals */
static char *put_fixed(char *p, int64_t v, int dec) {
  static const uint64_t p10[] = {1,
                                 10,
                                 100,
                                 1000,
                                 10000,
                                 100000,
                                 1000000,
                                 10000000,
                                 100000000,
                                 1000000000,
                                 10000000000ull,
                                 100000000000ull,
                                 1000000000000ull,
                                 10000000000000ull,
                                 100000000000000ull,
                                 1000000000000000ull};
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  if (v < 0)
    *p++ = '-';
  p = put_u64(p, u / p10[dec]);
  *p++ = '.';
  uint64_t f = u % p10[dec];
  for (int i = dec - 1; i >= 0; i--) {
    p[i] = (char)('0' + f % 10);
    f /= 10;
  }
  return p + dec;
}

/* Ten columns: three integer columns and seven float columns in the
 * formats real data comes in (prices, fixed decimals, scientific,
 * 15 and 17 significant digits). */
static int generate(const char *path, double mb) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  size_t cap = 1 << 20;
  char *buf = malloc(cap + 4096);
  if (buf == NULL) {
    fclose(f);
    return 1;
  }
  char *p = buf;
  p += sprintf(p, "id,grp,price,x,sci,full,n1,n2,y,z15\n");
  double target = mb * 1e6, written = 0;
  for (uint64_t row = 0; written + (double)(p - buf) < target; row++) {
    p = put_u64(p, row);
    *p++ = ',';
    p = put_u64(p, rnd() % 100);
    *p++ = ',';
    p = put_fixed(p, (int64_t)(rnd() % 10000000), 2);
    *p++ = ',';
    p = put_fixed(p, (int64_t)(rnd() % 20000001) - 10000000, 6);
    *p++ = ',';
    p = put_fixed(p, (int64_t)(100000 + rnd() % 900000), 5);
    *p++ = 'e';
    p = put_i64(p, (int64_t)(rnd() % 21) - 10);
    *p++ = ',';
    double full = (double)(rnd() >> 11) / 9007199254740992.0 * 1000.0 - 500.0;
    p += sprintf(p, "%.17g", full);
    *p++ = ',';
    p = put_u64(p, rnd() % 1000000000);
    *p++ = ',';
    p = put_i64(p, (int64_t)(rnd() % 2000001) - 1000000);
    *p++ = ',';
    p = put_fixed(p, (int64_t)(rnd() % 100000), 3);
    *p++ = ',';
    p = put_fixed(p, (int64_t)(rnd() % 1000000000000000ull), 15);
    *p++ = '\n';
    if ((size_t)(p - buf) >= cap) {
      fwrite(buf, 1, (size_t)(p - buf), f);
      written += (double)(p - buf);
      p = buf;
    }
  }
  fwrite(buf, 1, (size_t)(p - buf), f);
  free(buf);
  return fclose(f) != 0;
}

static int whole(const char *path) {
  causal_dataset *ds = NULL;
  double t0 = now(), c0 = cpu();
  int rc = causal_csv_read_file(&ds, path, NULL);
  double t = now() - t0, c = cpu() - c0;
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "read_file: %s\n", causal_last_error());
    return 1;
  }
  printf("whole %.4f %.4f %zu %zu\n", t, c, causal_dataset_nrows(ds),
         causal_dataset_ncols(ds));
  causal_dataset_free(ds);
  return 0;
}

static int stream(const char *path) {
  causal_csv_reader *r = NULL;
  double t0 = now(), c0 = cpu();
  int rc = causal_csv_reader_open(&r, path, NULL);
  size_t rows = 0, cols = 0;
  while (rc == CAUSAL_OK) {
    causal_dataset *ch = NULL;
    rc = causal_csv_reader_next(r, &ch);
    if (ch == NULL)
      break;
    rows += causal_dataset_nrows(ch);
    cols = causal_dataset_ncols(ch);
    causal_dataset_free(ch);
  }
  double t = now() - t0, c = cpu() - c0;
  causal_csv_reader_free(r);
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "stream: %s\n", causal_last_error());
    return 1;
  }
  printf("stream %.4f %.4f %zu %zu\n", t, c, rows, cols);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--generate") == 0)
    return generate(argv[2], atof(argv[3]));
  if (argc == 3 && strcmp(argv[1], "--whole") == 0)
    return whole(argv[2]);
  if (argc == 3 && strcmp(argv[1], "--stream") == 0)
    return stream(argv[2]);
  fprintf(stderr,
          "usage: %s --generate PATH MB | --whole PATH | --stream "
          "PATH\n",
          argv[0]);
  return 2;
}
