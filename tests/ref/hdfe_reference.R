# Reference values for tests/hdfe_test.c: slopes of regressions with
# fixed effects as dummies (lm), on two real panels that ship with Debian's
# r-cran-plm and r-cran-aer:
#   Grunfeld (plm): 10 firms x 20 years, balanced; also an unbalanced
#     subset (rows with (7 * firm + year) %% 5 == 0 removed).
#   Fatalities (AER): 48 US states x 7 years; a third factor "breath"
#     (preliminary breath test law, varies within states).
# Run from the repository root:
#   Rscript tests/ref/hdfe_reference.R
# Writes tests/data/hdfe_grunfeld.txt, tests/data/hdfe_fatalities.txt
# (0-based factor codes and the numeric columns) and
# tests/data/hdfe_reference.txt (blocks "name k" then k values:
# the slopes, then rss = sum(w * resid^2), then fe_dof = rank - slopes).
suppressPackageStartupMessages({
  library(plm)
  library(AER)
})
data("Grunfeld", package = "plm")
data("Fatalities", package = "AER")

out <- "tests/data/hdfe_reference.txt"
cat("", file = out)
emit <- function(name, fit, slopes, w = NULL) {
  b <- unname(coef(fit)[slopes])
  stopifnot(!anyNA(b))
  r <- residuals(fit)
  rss <- if (is.null(w)) sum(r^2) else sum(w * r^2)
  dof <- fit$rank - length(slopes)
  cat(sprintf("%s %d\n", name, length(b) + 2), file = out, append = TRUE)
  cat(sprintf("%.17g\n", c(b, rss, dof)), file = out, append = TRUE)
}
write_data <- function(path, df) {
  con <- file(path, "w")
  cat(nrow(df), ncol(df), "\n", file = con)
  cat(names(df), "\n", file = con)
  write.table(format(df, digits = 17), con, quote = FALSE, row.names = FALSE,
              col.names = FALSE)
  close(con)
}

## Grunfeld
g <- Grunfeld
g$firm0 <- g$firm - 1L
g$year0 <- g$year - min(g$year)
g$w <- sqrt(g$value) / 10
write_data("tests/data/hdfe_grunfeld.txt",
           g[, c("firm0", "year0", "inv", "value", "capital", "w")])
fit <- lm(inv ~ value + capital + factor(firm) + factor(year), data = g)
emit("grunfeld_ols", fit, c("value", "capital"))
fit <- lm(inv ~ value + capital + factor(firm) + factor(year), data = g,
          weights = w)
emit("grunfeld_wls", fit, c("value", "capital"), g$w)
gu <- g[(7 * g$firm + g$year) %% 5 != 0, ]
fit <- lm(inv ~ value + capital + factor(firm) + factor(year), data = gu)
emit("grunfeld_unbal_ols", fit, c("value", "capital"))
fit <- lm(inv ~ value + capital + factor(firm) + factor(year), data = gu,
          weights = w)
emit("grunfeld_unbal_wls", fit, c("value", "capital"), gu$w)

## Fatalities
f <- Fatalities
f$rate <- f$fatal / f$pop * 10000
f$state0 <- as.integer(f$state) - 1L
f$year0 <- as.integer(f$year) - 1L
f$breath0 <- as.integer(f$breath) - 1L
f$w <- f$pop / 1e6
f$lincome <- log(f$income)
write_data("tests/data/hdfe_fatalities.txt",
           f[, c("state0", "year0", "breath0", "rate", "beertax", "drinkage",
                 "unemp", "lincome", "w")])
fit <- lm(rate ~ beertax + drinkage + unemp + lincome + factor(state) +
            factor(year), data = f)
emit("fatalities_ols", fit, c("beertax", "drinkage", "unemp", "lincome"))
fit <- lm(rate ~ beertax + drinkage + unemp + lincome + factor(state) +
            factor(year), data = f, weights = w)
emit("fatalities_wls", fit, c("beertax", "drinkage", "unemp", "lincome"), f$w)
fit <- lm(rate ~ beertax + drinkage + unemp + lincome + factor(state) +
            factor(year) + factor(breath), data = f)
emit("fatalities_3fe", fit, c("beertax", "drinkage", "unemp", "lincome"))
