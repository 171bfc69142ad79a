# data.frame <-> causal_dataset round trips, NA handling, errors.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

df <- data.frame(
  x = c(1.5, NA, -3, 1e300, NaN),
  i = c(1L, NA, -2147483647L, 2147483647L, 0L),
  b = c(TRUE, NA, FALSE, TRUE, FALSE),
  f = factor(c("lo", NA, "hi", "lo", "mid"), levels = c("lo", "mid", "hi", "unused")),
  s = c("zeta", "alpha", NA, "", "alpha"),
  stringsAsFactors = FALSE
)
ds <- as_causal_dataset(df)
stopifnot(inherits(ds, "causal_dataset"), identical(dim(ds), c(5, 5)),
          identical(names(ds), names(df)))
back <- as.data.frame(ds)
# NaN is missing for the library and comes back as NA.
stopifnot(identical(back$x, c(1.5, NA, -3, 1e300, NA)))
stopifnot(identical(back$i, df$i), identical(back$b, df$b))
# Factors keep their levels (including unused ones) and their order.
stopifnot(identical(back$f, df$f))
# Character columns become categorical with sorted (byte order) levels.
stopifnot(is.factor(back$s), identical(levels(back$s), c("", "alpha", "zeta")),
          identical(as.character(back$s), df$s))
back2 <- as.data.frame(ds, stringsAsFactors = FALSE)
stopifnot(identical(back2$s, df$s), identical(back2$f, as.character(df$f)))
stopifnot(identical(attr(back, "row.names"), 1:5))

# Missing counts per column (NaN in a double column is missing too).
info <- causal:::.ds_info(ds)
stopifnot(identical(info$types, c("f64", "i64", "bool", "cat", "cat")),
          identical(info$nmissing, c(2, 1, 1, 1, 1)))
print(ds)

# Borrowed (zero-copy) double columns survive the data.frame going away,
# and R's copy-on-modify keeps them unchanged.
make <- function() as_causal_dataset(data.frame(v = c(0.25, 0.5, 0.75)), copy = FALSE)
dsb <- make()
invisible(gc())
stopifnot(identical(as.data.frame(dsb)$v, c(0.25, 0.5, 0.75)))
d2 <- data.frame(v = c(1, 2, 3))
dsb2 <- as_causal_dataset(d2, copy = FALSE)
d2$v[2] <- 99
stopifnot(identical(as.data.frame(dsb2)$v, c(1, 2, 3)))

# Empty data.frames and plain lists.
e0 <- as_causal_dataset(data.frame(a = numeric(0), b = character(0)))
stopifnot(identical(dim(e0), c(0, 2)), nrow(as.data.frame(e0)) == 0)
l <- as_causal_dataset(list(p = 1:3, q = c(0.5, 1, 2)))
stopifnot(identical(as.data.frame(l)$p, 1:3))
stopifnot(identical(as_causal_dataset(ds), ds))

# Unicode names and labels.
u <- data.frame(x = 1:2)
names(u) <- "\u00e9t\u00e9"
u$g <- factor(c("\u4e2d", "b"))
bu <- as.data.frame(as_causal_dataset(u))
stopifnot(identical(names(bu), names(u)), identical(levels(bu$g), levels(u$g)))

# Errors.
stopifnot(inherits(catch(as_causal_dataset(data.frame(d = Sys.Date()))), "causal_etype_error"))
stopifnot(inherits(catch(as_causal_dataset(list(a = 1:3, b = 1:2))), "causal_error"))
stopifnot(inherits(catch(as_causal_dataset(list(a = 1, a = 2))), "causal_eexists_error"))
stopifnot(inherits(catch(as_causal_dataset(list(1, 2))), "causal_einval_error"))
stopifnot(inherits(catch(as_causal_dataset(list(m = matrix(1:4, 2)))), "causal_etype_error"))
stopifnot(inherits(catch(as_causal_dataset(42)), "causal_einval_error"))
stopifnot(inherits(catch(causal:::as.data.frame.causal_dataset(42)), "causal_einval_error"))

# A handle that did not survive serialization is a classed error.
tmp <- tempfile(fileext = ".rds")
saveRDS(ds, tmp)
stale <- readRDS(tmp)
stopifnot(inherits(catch(as.data.frame(stale)), "causal_einval_error"))
unlink(tmp)
cat("test-dataset: OK\n")
