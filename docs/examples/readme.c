#include <causal.h>
#include <stdio.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "data/lalonde.csv";
  causal_dataset *ds = NULL;
  causal_moments *m = NULL;
  const double *re78;
  double mean_sd[2];
  size_t col;
  int rc = causal_csv_read_file(&ds, path, NULL);
  if (rc == CAUSAL_OK) rc = causal_dataset_col_index(ds, "re78", &col);
  if (rc == CAUSAL_OK) rc = causal_dataset_col_f64(ds, col, &re78, NULL);
  if (rc == CAUSAL_OK) rc = causal_moments_new(&m, 1);
  if (rc == CAUSAL_OK)
    rc = causal_moments_update(m, re78, causal_dataset_nrows(ds), 1, 1, NULL);
  if (rc == CAUSAL_OK) rc = causal_moments_get(m, CAUSAL_MOM_MEAN, &mean_sd[0], 1);
  if (rc == CAUSAL_OK) rc = causal_moments_get(m, CAUSAL_MOM_SD, &mean_sd[1], 1);
  if (rc != CAUSAL_OK) {
    fprintf(stderr, "error %d (%s): %s\n", rc, causal_strerror(rc),
            causal_last_error());
  } else {
    printf("re78: mean %.2f, sd %.2f over %zu rows\n", mean_sd[0], mean_sd[1],
           causal_dataset_nrows(ds));
  }
  causal_moments_free(m);
  causal_dataset_free(ds);
  return rc == CAUSAL_OK ? 0 : 1;
}
