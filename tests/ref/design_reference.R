# Reference design matrices from R's model.matrix (treatment contrasts).
# Run from the repository root:
#   Rscript tests/ref/design_reference.R
# Writes
#   tests/data/design_reference_data.csv  the data (NA = missing)
#   tests/data/design_reference.csv       long format: case,row,column,value
# where row is the 0-based data row kept by na.omit, column is R's column
# name and value is printed with 17 significant digits. For each case two
# extra records give the deletion report: row -1, column "#n_dropped", and
# row -1, column "#dropped:<var>" for each variable the formula uses.
# The C test (tests/design_test.c) maps libcausal names to R's: "g[lev]" ->
# "glev", BOOL "b" -> "bTRUE"; interactions are ':'-joined in both.
options(stringsAsFactors = FALSE)

d <- data.frame(
  x = c(0.5, 1.25, -2, 3.75, NA, 0.1, 7, -1.5, 2.2, 4, 0.3, -0.7, 5.5, 1e-3),
  z = c(10, 20, 30, 40, 50, NA, 70, 80, 90, 100, 110, 120, 130, 140) / 3,
  k = c(1L, 2L, 3L, 4L, 5L, 6L, 7L, NA, 9L, 10L, 11L, 12L, 13L, 14L),
  b = c(TRUE, FALSE, TRUE, TRUE, FALSE, FALSE, TRUE, FALSE, NA, TRUE, FALSE,
        TRUE, FALSE, TRUE),
  region = c("north", "south", "east", "north", "south", "east", "north",
             "east", "south", NA, "north", "east", "south", "north"),
  grp = c("A", "B", "C", "A", "B", "C", "C", "B", "A", "A", NA, "C", "B",
          "A")
)
# Doubles with 17 significant digits so the C side reads the same values.
num17 <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
dw <- d
dw$x <- num17(d$x)
dw$z <- num17(d$z)
write.csv(dw, "tests/data/design_reference_data.csv", row.names = FALSE,
          na = "NA", quote = FALSE)

fac <- function(d, refs = list()) {
  d$region <- factor(d$region, levels = sort(unique(na.omit(d$region))))
  d$grp <- factor(d$grp, levels = sort(unique(na.omit(d$grp))))
  for (v in names(refs)) d[[v]] <- relevel(d[[v]], ref = refs[[v]])
  d
}

cases <- list(
  main = list(f = ~ x + region),
  relevel = list(f = ~ x + region, refs = list(region = "south")),
  num_by_factor = list(f = ~ x + region + x:region),
  factor_by_factor = list(f = ~ region + grp + region:grp),
  factor_by_factor_ref = list(f = ~ region + grp + region:grp,
                              refs = list(region = "north", grp = "C")),
  no_intercept = list(f = ~ 0 + region + x),
  no_intercept_two = list(f = ~ 0 + grp + region + z),
  types = list(f = ~ k + b + z),
  three_way = list(f = ~ x + region + grp + x:region + x:grp + region:grp +
                     x:region:grp)
)

out <- character()
for (name in names(cases)) {
  cs <- cases[[name]]
  dd <- fac(d, if (is.null(cs$refs)) list() else cs$refs)
  mf <- model.frame(cs$f, dd, na.action = na.omit)
  X <- model.matrix(cs$f, mf)
  rows <- as.integer(rownames(X)) - 1L
  for (j in seq_len(ncol(X))) {
    out <- c(out, sprintf("%s,%d,%s,%.17g", name, rows, colnames(X)[j],
                          X[, j]))
  }
  vars <- all.vars(cs$f)
  out <- c(out, sprintf("%s,-1,#n_dropped,%d", name, nrow(d) - nrow(X)))
  for (v in vars) {
    out <- c(out, sprintf("%s,-1,#dropped:%s,%d", name, v, sum(is.na(d[[v]]))))
  }
}
writeLines(c("case,row,column,value", out), "tests/data/design_reference.csv")
