# Many handles, garbage collection, finalizers; no leaks on errors,
# including out-of-memory failures injected at every allocation.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

# The counting allocator sees every block libcausal allocates after it is
# installed; objects free through it whenever R finalizes them.
causal:::.alloc_track(TRUE)
live <- function() causal:::.alloc_count()[["live"]]
base <- live()
for (i in 1:300) {
  r <- causal_rng(i)
  m <- causal_moments(2)
  causal_moments_update(m, matrix(as.double(1:10), 5))
  m2 <- causal_moments_from_raw(causal_moments_to_raw(m + m))
  ds <- as_causal_dataset(data.frame(a = 1:3, b = c("x", "y", NA), c = c(0.5, NA, 2)))
  d <- as.data.frame(ds)
  res <- causal_result("k", a = 1, t = data.frame(term = "x", estimate = 1))
  X <- causal_design_matrix(data.frame(x = 1:4, g = factor(c("a", "b", "a", "b"))),
                            c("x", "g"))
  csv <- causal_read_csv(text = c("a,b", "1,x", "2,y"))
  # Errors after handles exist must not leak them.
  catch(causal_moments_update(m, matrix(c(1, NA), 1)))
  catch(causal_moments_from_raw(as.raw(1:40)))
  catch(as_causal_dataset(list(a = 1:2, a = 3:4)))
  catch(causal_read_csv(text = c("a", "1", "x"), col_types = c(a = "integer")))
}
stopifnot(live() > base)   # the last iteration's objects are alive
rm(r, m, m2, ds, d, res, X, csv)
invisible(gc()); invisible(gc())
stopifnot(live() == base)

# Out-of-memory injection: allocation k fails, for every k until the call
# succeeds. Each failure is a classed ENOMEM error and frees everything.
sweep <- function(f) {
  for (k in 0:10000) {
    causal:::.alloc_track(TRUE, fail_after = k)
    e <- catch(f())
    causal:::.alloc_track(TRUE)
    invisible(gc())
    if (live() != base) stop("leak after failing allocation ", k)
    if (is.null(e)) return(k)
    if (!inherits(e, "causal_enomem_error"))
      stop("allocation ", k, ": expected ENOMEM, got ", conditionMessage(e))
  }
  stop("sweep did not finish")
}
csv_path <- tempfile(fileext = ".csv")
writeLines(c("a,b", "1,x", "2,y", "3,z", "4,x", "5,"), csv_path)
df <- data.frame(a = 1:3, b = c("x", "y", NA), f = factor(c("u", "v", "u")),
                 l = c(TRUE, NA, FALSE), d = c(0.5, NA, 2))
sweeps <- c(
  dataset = sweep(function() as.data.frame(as_causal_dataset(df))),
  moments = sweep(function() {
    m <- causal_moments_update(causal_moments(2), matrix(as.double(1:10), 5))
    causal_moments_from_raw(causal_moments_to_raw(m + m))
  }),
  rng = sweep(function() causal_rnorm(causal_rng_copy(causal_rng(1)), 3)),
  csv = sweep(function() causal_read_csv(text = c("a,b", "1,x", "2,y"))),
  csv_stream = sweep(function() {
    rd <- causal_csv_reader(csv_path, chunk_rows = 2)
    while (!is.null(causal_csv_next(rd))) NULL
  }),
  design = sweep(function() causal_design_matrix(df, c("a", "f"))),
  result = sweep(function() causal_result_json(causal_result("k", a = 1, v = c(x = 1),
    t = data.frame(term = "x", estimate = 1))))
)
print(sweeps)
unlink(csv_path)
causal:::.alloc_track(FALSE)
cat("test-gc: OK\n")
