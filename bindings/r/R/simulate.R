# Deterministic synthetic scenario with known true effects
# (include/causal/simulate.h; model, truths and the demo pipeline in
# docs/demo.md). The same (seed, rows) gives the same data as the C
# library, Python's causal.simulate_scenario and `causal demo`.

causal_simulate_scenario <- function(seed = 20261122, rows = 3e6,
                                     as = c("data.frame", "dataset")) {
  as <- match.arg(as)
  .check((is.character(seed) && length(seed) == 1L && !is.na(seed)) ||
           .is_count(seed),
         "seed must be a whole number >= 0 (or a decimal / 0x string below 2^64)")
  .check(.is_count(rows), "rows must be a whole number")
  out <- .Call(C_simulate_scenario, seed, as.double(rows))
  truth <- .result_from_plain(out$truth)
  parts <- out[c("rct", "obs", "panel")]
  if (as == "data.frame") {
    parts <- lapply(parts, as.data.frame, stringsAsFactors = FALSE)
  }
  c(parts, list(truth = truth))
}
