# Reference values for tests/logit_test.c from R's glm(family = binomial)
# and sandwich::vcovHC / vcovCL, fitted to machine precision.
# Run from the repository root: Rscript tests/ref/logit_reference.R
# Writes tests/data/logit_<data>.csv (the expanded design: y, w, off, cl and
# the model-matrix columns) and tests/data/logit_reference.csv
# (case, quantity, i, j, value; i, j 1-based, 0 for scalars).
suppressPackageStartupMessages({
  library(sandwich)
})
options(digits = 17)
ctl <- glm.control(epsilon = 1e-15, maxit = 200)

write_design <- function(name, y, X, w, off, cl) {
  d <- data.frame(y = y, w = w, off = off, cl = cl, X, check.names = FALSE)
  d[] <- lapply(d, function(v) sprintf("%.17g", v))  # exact round trip
  write.csv(d, sprintf("tests/data/logit_%s.csv", name), row.names = FALSE,
            quote = FALSE)
}

ref <- list()
add <- function(case, quantity, v, rows = TRUE) {
  if (is.matrix(v)) {
    idx <- which(matrix(TRUE, nrow(v), ncol(v)), arr.ind = TRUE)
    ref[[length(ref) + 1]] <<- data.frame(case = case, quantity = quantity,
      i = idx[, 1], j = idx[, 2], value = v[idx])
  } else if (length(v) > 1 || !is.null(names(v))) {
    ref[[length(ref) + 1]] <<- data.frame(case = case, quantity = quantity,
      i = seq_along(v), j = 0, value = unname(v))
  } else {
    ref[[length(ref) + 1]] <<- data.frame(case = case, quantity = quantity,
      i = 0, j = 0, value = v)
  }
}

fit_case <- function(case, y, X, w = NULL, off = NULL, cl = NULL) {
  fit <- suppressWarnings(glm.fit(X, y, weights = w, offset = off,
    family = binomial(), control = ctl, intercept = TRUE))
  # glm() object for sandwich (same data via formula on the matrix)
  dat <- data.frame(y = y)
  dat$X <- X
  dat$w <- if (is.null(w)) rep(1, length(y)) else w
  dat$off <- if (is.null(off)) rep(0, length(y)) else off
  # X[, 1] is the intercept: keep it in the formula so glm computes the
  # null deviance of the intercept-only model (with the offset).
  Xn <- X[, -1, drop = FALSE]
  dat$Xn <- Xn
  g <- suppressWarnings(glm(y ~ Xn, data = dat, weights = w,
    offset = off, family = binomial(), control = ctl))
  # glm evaluates the working weights (hence vcov, hatvalues, estfun) at
  # the iterate before the last, which at convergence by the deviance rule
  # is ~1e-8 away from the optimum. One more IRLS pass started at the
  # optimum puts them at the final estimate.
  g0 <- g
  g <- suppressWarnings(glm(y ~ Xn, data = dat, weights = w,
    offset = off, family = binomial(), start = coef(g0),
    control = glm.control(epsilon = 1e-15, maxit = 1)))
  stopifnot(isTRUE(all.equal(unname(coef(g)), unname(fit$coefficients),
                             tolerance = 1e-10)))
  add(case, "estimate", unname(coef(g)))
  add(case, "deviance", deviance(g))
  add(case, "null_deviance", g0$null.deviance)  # g's is not meaningful
  add(case, "loglik", as.numeric(logLik(g)))
  add(case, "aic", AIC(g))
  add(case, "bic", BIC(g))
  add(case, "vcov_classical", unname(vcov(g)))
  add(case, "vcov_HC0", unname(vcovHC(g, type = "HC0")))
  add(case, "vcov_HC1", unname(vcovHC(g, type = "HC1")))
  add(case, "vcov_HC2", unname(vcovHC(g, type = "HC2")))
  add(case, "vcov_HC3", unname(vcovHC(g, type = "HC3")))
  if (!is.null(cl)) {
    # CR0 is the plain cluster sandwich (no G/(G-1)): cadjust = FALSE
    add(case, "vcov_CR0", unname(vcovCL(g, cluster = cl, type = "HC0",
                                        cadjust = FALSE)))
    add(case, "vcov_CR1", unname(vcovCL(g, cluster = cl, type = "HC1")))
  }
  add(case, "fitted", unname(fitted(g)))
  add(case, "linear_predictor", unname(g$linear.predictors))
  invisible(g)
}

# ---- lalonde (MatchIt): the standard propensity-score model ----
lal <- read.csv("data/lalonde.csv")
lal$race <- factor(lal$race, levels = c("black", "hispan", "white"))
X <- model.matrix(~ age + educ + race + married + nodegree + re74 + re75,
                  data = lal)
n <- nrow(lal)
w <- 0.5 + (seq_len(n) %% 7) / 3            # non-integer prior weights
off <- 0.02 * (lal$age - 25)                 # a known offset
cl <- as.integer(factor(lal$educ)) - 1L      # clusters: years of education
write_design("lalonde", lal$treat, X, w, off, cl)
fit_case("lalonde", lal$treat, X, cl = cl)
fit_case("lalonde_w", lal$treat, X, w = w, cl = cl)
fit_case("lalonde_off", lal$treat, X, off = off, cl = cl)
# Integer weights (frequency weights; rebuilt in the C test as
# 1 + (i mod 3) for 1-based i): with non-integer weights R's logLik/AIC
# round the weights (binomial()$aic), with integer ones they are exact.
fit_case("lalonde_iw", lal$treat, X, w = 1 + (seq_len(n) %% 3), cl = cl)
fit_case("lalonde_woff", lal$treat, X, w = w, off = off, cl = cl)

# ---- AER SwissLabor: labour force participation ----
data("SwissLabor", package = "AER")
sw <- SwissLabor
X <- model.matrix(~ income + age + I(age^2) + education + youngkids +
                    oldkids + foreign, data = sw)
y <- as.numeric(sw$participation == "yes")
cl <- as.integer(factor(sw$education)) - 1L
write_design("swiss", y, X, rep(1, nrow(sw)), rep(0, nrow(sw)), cl)
fit_case("swiss", y, X, cl = cl)

# ---- AER Affairs: any affair ----
data("Affairs", package = "AER")
af <- Affairs
X <- model.matrix(~ gender + age + yearsmarried + children + religiousness +
                    education + occupation + rating, data = af)
y <- as.numeric(af$affairs > 0)
cl <- as.integer(af$occupation) - 1L
write_design("affairs", y, X, rep(1, nrow(af)), rep(0, nrow(af)), cl)
fit_case("affairs", y, X, cl = cl)

out <- do.call(rbind, ref)
out$value <- sprintf("%.17g", out$value)
write.csv(out, "tests/data/logit_reference.csv", row.names = FALSE,
          quote = FALSE)
