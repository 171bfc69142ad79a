# Regression: causal_ols / causal_logit / causal_iv / causal_wald against
# lm, glm, sandwich and AER::ivreg.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

set.seed(1)
n <- 200
d <- data.frame(x1 = rnorm(n), x2 = runif(n),
                g = factor(sample(c("north", "south", "west"), n, TRUE)),
                k = sample(1:4, n, TRUE), cl = sample(1:12, n, TRUE),
                w = runif(n, 0.5, 2))
d$y <- 1 + 2 * d$x1 - d$x2 + (d$g == "south") * 0.5 + rnorm(n) * (1 + d$x2)
d$b <- as.numeric(d$y + rnorm(n) > 1.5)

# ---- OLS against lm (+ sandwich) ----
fit <- causal_ols(y ~ x1 + x2 + g, d)
ref <- lm(y ~ x1 + x2 + g, d)
stopifnot(inherits(fit, "causal_regression"), inherits(fit, "causal_result"),
          identical(fit$coef$term, c("(Intercept)", "x1", "x2", "g[south]",
                                     "g[west]")),
          rel(unname(coef(fit)), unname(coef(ref))) < 1e-10,
          rel(fit$coef$std_error,
              unname(sqrt(diag(vcov(ref))))) < 1e-10,
          rel(fit$r_squared, summary(ref)$r.squared) < 1e-12,
          rel(fit$f_statistic, unname(summary(ref)$fstatistic[1])) < 1e-10,
          rel(unname(confint(fit)), unname(confint(ref))) < 1e-10,
          nobs(fit) == 200, fit$vcov_type == "classical")
stopifnot(identical(dimnames(vcov(fit)), list(fit$coef$term, fit$coef$term)))

if (requireNamespace("sandwich", quietly = TRUE)) {
  for (type in c("HC0", "HC1", "HC2", "HC3")) {
    f <- causal_ols(y ~ x1 + x2 + g, d, vcov = type)
    V <- sandwich::vcovHC(ref, type = type)
    stopifnot(rel(f$coef$estimate, unname(coef(ref))) < 1e-10,
              rel(f$coef$std_error, unname(sqrt(diag(V)))) < 1e-10)
  }
  # clustered: sandwich::vcovCL(type = "HC1") is CR1 with G/(G-1)(n-1)/(n-k)
  f <- causal_ols(y ~ x1 + x2 + g, d, cluster = "cl")
  V <- sandwich::vcovCL(ref, cluster = ~cl, type = "HC1")
  stopifnot(f$vcov_type == "CR1", f$n_clusters == 12, f$df == 11,
            rel(f$coef$std_error, unname(sqrt(diag(V)))) < 1e-10)
  # WLS with HC1
  f <- causal_ols(y ~ x1 + x2, d, weights = "w", vcov = "HC1")
  rw <- lm(y ~ x1 + x2, d, weights = w)
  stopifnot(rel(unname(coef(f)), unname(coef(rw))) < 1e-10,
            rel(f$coef$std_error,
                unname(sqrt(diag(sandwich::vcovHC(rw, type = "HC1"))))) < 1e-10)
}

# the same model through the other interfaces
f2 <- causal_ols(d, "y", terms = c("x1", "x2", "g"))
f3 <- causal_ols(d, y ~ x1 + x2 + g)
f4 <- causal_ols(y ~ x1 + x2 + g, as_causal_dataset(d))
stopifnot(identical(coef(f2), coef(fit)), identical(coef(f3), coef(fit)),
          identical(coef(f4), coef(fit)))

# interactions, factor(), no intercept, reference levels
f <- causal_ols(y ~ x1 * g + factor(k), d, reference = list(g = "west"))
r <- lm(y ~ x1 * relevel(g, "west") + factor(k), d)
stopifnot(length(coef(f)) == length(coef(r)),
          rel(unname(coef(f)), unname(coef(r))) < 1e-10,
          "x1:g[north]" %in% f$coef$term, "k[2]" %in% f$coef$term)
f <- causal_ols(y ~ x1 + g + 0, d)
r <- lm(y ~ x1 + g + 0, d)
stopifnot(!("(Intercept)" %in% f$coef$term), "g[north]" %in% f$coef$term,
          rel(unname(coef(f)), unname(coef(r))) < 1e-10)

# absorbed fixed effects equal the dummy regression's slopes
fa <- causal_ols(y ~ x1 + x2 | g + k, d)
fb <- causal_ols(y ~ x1 + x2, d, absorb = ~ g + k)
rd <- lm(y ~ x1 + x2 + g + factor(k), d)
stopifnot(identical(coef(fa), coef(fb)), !is.null(fa$dof_fe),
          rel(unname(coef(fa)), unname(coef(rd)[2:3])) < 1e-10,
          rel(fa$coef$std_error, unname(sqrt(diag(vcov(rd)))[2:3])) < 1e-10)

# collinear term: dropped with a warning, or an error
d$x3 <- 2 * d$x1
f <- causal_ols(y ~ x1 + x3, d)
stopifnot(identical(f$dropped_terms, "x3"),
          any(grepl("x3", attr(f, "warnings"))))
e <- catch(causal_ols(y ~ x1 + x3, d, rank = "error"))
stopifnot(inherits(e, "causal_esingular_error"))

# missing values are dropped and counted
dm <- d
dm$x1[c(3, 7)] <- NA
f <- causal_ols(y ~ x1 + x2, dm)
stopifnot(f$nobs == 198, f$n_dropped == 2)

# ---- printing ----
out <- capture.output(print(causal_ols(y ~ x1 + x2 + g, d, vcov = "HC1")))
stopifnot(any(grepl("Linear regression \\(OLS\\): y ~ x1 \\+ x2 \\+ g", out)),
          any(grepl("Estimate Std. Error t value Pr\\(>\\|t\\|\\)", out)),
          any(grepl("Standard errors: HC1", out)),
          any(grepl("Multiple R-squared", out)),
          any(grepl("Signif. codes", out)), any(grepl("\\*\\*\\*", out)))

# ---- Wald tests ----
f <- causal_ols(y ~ x1 + x2 + g, d, vcov = "HC1")
w <- causal_wald(f, c("x1", "x2"), c(2, -1))
stopifnot(inherits(w, "causal_wald"), w$df1 == 2, w$df2 == f$df)
R <- matrix(0, 2, 5)
R[1, 2] <- 1
R[2, 3] <- 1
w2 <- causal_wald(f, R, c(2, -1))
stopifnot(identical(w$statistic, w2$statistic))
# by hand: d' (R V R')^-1 d
b <- coef(f)
dd <- R %*% b - c(2, -1)
W <- drop(t(dd) %*% solve(R %*% vcov(f) %*% t(R)) %*% dd)
stopifnot(rel(w$statistic, W) < 1e-10,
          rel(w$p_value, pf(W / 2, 2, f$df, lower.tail = FALSE)) < 1e-10)
wc <- causal_wald(f, c(x1 = 1, x2 = 1))
stopifnot(wc$df1 == 1)
stopifnot(any(grepl("Wald test: F\\(2, ", capture.output(print(w)))))
e <- catch(causal_wald(f, "nope"))
stopifnot(inherits(e, "causal_enotfound_error"))
e <- catch(causal_wald(f, matrix(1, 1, 3)))
stopifnot(inherits(e, "causal_edim_error"))

# ---- logit against glm (+ sandwich) ----
fl <- causal_logit(b ~ x1 + x2 + g, d)
rl <- glm(b ~ x1 + x2 + g, binomial, d, control = glm.control(epsilon = 1e-14,
                                                              maxit = 100))
stopifnot(inherits(fl, "causal_regression"), fl$statistic == "z",
          rel(unname(coef(fl)), unname(coef(rl))) < 1e-9,
          rel(fl$coef$std_error, unname(sqrt(diag(vcov(rl))))) < 1e-8,
          rel(fl$deviance, deviance(rl)) < 1e-12)
if (requireNamespace("sandwich", quietly = TRUE)) {
  f <- causal_logit(b ~ x1 + x2 + g, d, vcov = "HC0")
  stopifnot(rel(f$coef$std_error,
                unname(sqrt(diag(sandwich::vcovHC(rl, type = "HC0"))))) < 1e-8)
}
# weights and offset
d$off <- 0.1 * d$x2
fo <- causal_logit(b ~ x1, d, weights = "w", offset = "off")
ro <- suppressWarnings(glm(b ~ x1 + offset(off), binomial, d, weights = w,
                           control = glm.control(epsilon = 1e-14, maxit = 100)))
stopifnot(rel(unname(coef(fo)), unname(coef(ro))) < 1e-9)
stopifnot(any(grepl("Logistic regression", capture.output(print(fl)))))
# separation names the variable; a ridge penalty gives a finite fit
d$sep <- as.numeric(d$b == 1 & seq_len(n) %% 3 == 0)
e <- catch(causal_logit(b ~ x1 + sep, d))
stopifnot(inherits(e, "causal_eseparation_error"),
          grepl("sep", conditionMessage(e)),
          identical(conditionCall(e)[[1L]], as.name("causal_logit")))
stopifnot(is.finite(coef(causal_logit(b ~ x1 + sep, d, l2 = 1))[["sep"]]))

# ---- IV against AER::ivreg ----
set.seed(2)
m <- 300
z1 <- rnorm(m); z2 <- rnorm(m); u <- rnorm(m); ex <- rnorm(m)
en <- 0.8 * z1 + 0.5 * z2 + 0.6 * u + rnorm(m)
dv <- data.frame(y = 1 + 0.5 * en - ex + u, en = en, ex = ex, z1 = z1, z2 = z2,
                 cl = sample(1:15, m, TRUE))
fi <- causal_iv(y ~ ex + en | ex + z1 + z2, dv)
fj <- causal_iv(dv, "y", terms = "ex", endog = "en",
                instruments = c("z1", "z2"))
stopifnot(identical(coef(fi), coef(fj)), fi$iv_method == "2SLS",
          identical(fi$coef$term, c("(Intercept)", "ex", "en")))
if (requireNamespace("AER", quietly = TRUE)) {
  ri <- AER::ivreg(y ~ ex + en | ex + z1 + z2, data = dv)
  si <- summary(ri, diagnostics = TRUE)
  stopifnot(rel(unname(coef(fi)), unname(coef(ri))) < 1e-10,
            rel(fi$coef$std_error, unname(sqrt(diag(vcov(ri))))) < 1e-10,
            rel(fi$sargan, si$diagnostics["Sargan", "statistic"]) < 1e-9,
            rel(fi$wu_hausman_f,
                si$diagnostics["Wu-Hausman", "statistic"]) < 1e-9,
            rel(fi$first_stage[1, "f_statistic"],
                si$diagnostics["Weak instruments", "statistic"]) < 1e-9)
  if (requireNamespace("sandwich", quietly = TRUE)) {
    f <- causal_iv(y ~ ex + en | ex + z1 + z2, dv, vcov = "HC1")
    stopifnot(rel(f$coef$std_error,
                  unname(sqrt(diag(sandwich::vcovHC(ri, type = "HC1"))))) < 1e-10)
  }
}
fl <- causal_iv(y ~ ex + en | ex + z1 + z2, dv, method = "liml")
ff <- causal_iv(y ~ ex + en | ex + z1 + z2, dv, method = "fuller",
                fuller_alpha = 4)
stopifnot(fl$iv_method == "LIML", fl$kappa >= 1, ff$iv_method == "Fuller",
          ff$kappa < fl$kappa)
out <- capture.output(print(fi))
stopifnot(any(grepl("Instrumental variables \\(2SLS\\)", out)),
          any(grepl("Weak instruments \\(en\\)", out)),
          any(grepl("Cragg-Donald", out)))
e <- catch(causal_iv(y ~ ex + en + z1 | ex + z2, dv))
stopifnot(inherits(e, "causal_einval_error"),
          grepl("under-identified", conditionMessage(e)))

# ---- argument and data errors are classed conditions ----
e <- catch(causal_ols(y ~ x1 + nope, d))
stopifnot(inherits(e, "causal_enotfound_error"), grepl("nope", e$message),
          identical(conditionCall(e)[[1L]], as.name("causal_ols")))
e <- catch(causal_ols(y ~ x1, d, cluster = "nope"))
stopifnot(inherits(e, "causal_enotfound_error"))
e <- catch(causal_ols(y ~ x1, d, vcov = "HC9"))
stopifnot(inherits(e, "causal_einval_error"), grepl("HC9", e$message))
e <- catch(causal_ols(y ~ x1, d, ssc = "spss"))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_ols(y ~ log(x1), d))
stopifnot(inherits(e, "causal_einval_error"), grepl("log", e$message))
e <- catch(causal_ols(log(y) ~ x1, d))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_ols(y ~ x1, d, conf_level = 2))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_ols(y ~ x1 | g | k, d))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_ols(y ~ x1, d, terms = "x2"))
stopifnot(inherits(e, "causal_einval_error"))
dn <- d
dn$w[5] <- -1
e <- catch(causal_ols(y ~ x1, dn, weights = "w"))
stopifnot(inherits(e, "causal_erange_error"))
di <- d
di$y[4] <- Inf
e <- catch(causal_ols(y ~ x1, di))
stopifnot(inherits(e, "causal_enonfinite_error"))
e <- catch(causal_logit(g ~ x1, d))
stopifnot(inherits(e, "causal_error"))

cat("test-regress: OK\n")
