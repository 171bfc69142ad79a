/* Synthetic scenario (include/causal/simulate.h). Returns the three
 * datasets as causal_dataset handles (R/simulate.R turns them into data
 * frames) and the truth as a plain result list. */
#include "glue.h"

#define DS_TAG "causal_dataset"

static void sim_ds_finalize(SEXP p) {
  causal_dataset_free(R_ExternalPtrAddr(p));
  R_ClearExternalPtr(p);
}

/* seed: whole non-negative double or decimal / hex string below 2^64;
 * rows: whole number. list(rct, obs, panel, truth). */
SEXP C_simulate_scenario(SEXP seed_, SEXP rows_) {
  uint64_t hi, seed;
  crr_u128(seed_, "seed", &hi, &seed);
  if (hi != 0)
    crr_stop_msg(CAUSAL_ERANGE, "seed must be below 2^64");
  size_t rows = crr_size(rows_, "rows");
  /* handles first, so nothing leaks if a later step raises an R error */
  SEXP h[3];
  for (int i = 0; i < 3; i++)
    h[i] = crr_handle(DS_TAG, sim_ds_finalize, R_NilValue, "causal_dataset");
  SEXP hr = crr_result_handle();
  causal_dataset *ds[3] = {NULL, NULL, NULL};
  causal_result *truth = NULL;
  int st = causal_simulate_scenario(&ds[0], &ds[1], &ds[2], &truth, seed,
                                    rows);
  if (st != CAUSAL_OK)
    crr_stop(st);
  for (int i = 0; i < 3; i++)
    R_SetExternalPtrAddr(h[i], ds[i]);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 4));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 4));
  static const char *const names[4] = {"rct", "obs", "panel", "truth"};
  for (int i = 0; i < 4; i++)
    SET_STRING_ELT(nm, i, Rf_mkChar(names[i]));
  for (int i = 0; i < 3; i++)
    SET_VECTOR_ELT(out, i, h[i]);
  SET_VECTOR_ELT(out, 3, crr_result_take(hr, truth));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(6);
  return out;
}
