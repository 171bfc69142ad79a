# Design matrices against stats::model.matrix.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

set.seed(3)
df <- data.frame(
  y = rnorm(12),
  x = c(rnorm(10), NA, 1),
  region = factor(sample(c("east", "north", "south"), 12, TRUE),
                  levels = c("east", "north", "south")),
  treated = rep(c(TRUE, FALSE), 6)
)
df$region[4] <- NA

X <- causal_design_matrix(df, c("x", "region", "treated", "x:region"))
keep <- complete.cases(df[c("x", "region", "treated")])
ref <- model.matrix(~ x + region + treated + x:region, df[keep, ])
stopifnot(identical(dim(X), dim(ref)))
stopifnot(max(abs(unname(X) - unname(ref))) < 1e-15)
stopifnot(identical(colnames(X), c("(Intercept)", "x", "region[north]",
                                   "region[south]", "treated",
                                   "x:region[north]", "x:region[south]")))
stopifnot(identical(attr(X, "rows"), which(keep)),
          attr(X, "n_dropped") == sum(!keep),
          identical(rownames(X), rownames(df)[keep]))
dbc <- attr(X, "dropped_by_column")
stopifnot(is.null(dbc) || dbc[["x"]] == 1)

# No intercept: full dummy coding of the first factor; reference levels.
X0 <- causal_design_matrix(df, "region", intercept = FALSE)
stopifnot(identical(colnames(X0), c("region[east]", "region[north]", "region[south]")))
Xr <- causal_design_matrix(df, c("x", "region"), reference = list(region = "south"))
stopifnot(identical(colnames(Xr), c("(Intercept)", "x", "region[east]", "region[north]")))

# A causal_dataset works as input too.
Xd <- causal_design_matrix(as_causal_dataset(df), c("x", "region", "treated", "x:region"))
stopifnot(identical(unname(Xd), unname(X)), identical(attr(Xd, "rows"), attr(X, "rows")))

# Errors.
stopifnot(inherits(catch(causal_design_matrix(df, "nope")), "causal_enotfound_error"))
stopifnot(inherits(catch(causal_design_matrix(df, c("x", "region"), reference = list(region = "west"))),
                   "causal_error"))
stopifnot(inherits(catch(causal_design_matrix(df, 1)), "causal_einval_error"))
cat("test-design: OK\n")
