# Results: R list <-> C causal_result, print, JSON.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

tab <- data.frame(term = c("(Intercept)", "x"), estimate = c(1.25, -0.5),
                  std_error = c(0.1, 0.05), statistic = c(12.5, -10),
                  p_value = c(1e-20, 3e-12), conf_low = c(1.05, -0.6),
                  conf_high = c(1.45, -0.4))
m <- matrix(c(1, 0.5, 0.5, 2), 2, dimnames = list(c("a", "b"), c("a", "b")))
r <- causal_result("ols", n = 100, method = "OLS", coef = tab,
                   coef.statistic = "t", vcov = m,
                   fitted = c(u = 1, v = 2, w = 3), raw = c(1.5, 2.5),
                   warnings = "rank deficient: dropped 'z'")
stopifnot(inherits(r, "causal_result"), identical(attr(r, "kind"), "ols"),
          identical(attr(r, "warnings"), "rank deficient: dropped 'z'"))
stopifnot(identical(r$n, 100), identical(r$method, "OLS"),
          identical(r$vcov, m), identical(r$fitted, c(u = 1, v = 2, w = 3)),
          identical(r$raw, c(1.5, 2.5)))
stopifnot(is.data.frame(r$coef), identical(r$coef$term, tab$term),
          identical(r$coef$estimate, tab$estimate),
          identical(r$coef$conf_high, tab$conf_high))
# Missing confidence limits become NaN.
r2 <- causal_result("x", coef = tab[1:5])
stopifnot(all(is.nan(r2$coef$conf_low)), all(is.nan(r2$coef$conf_high)))

# print: a summary.lm-like coefficient table, warnings listed.
out <- capture.output(print(r))
stopifnot(any(grepl("<causal_result: ols>", out, fixed = TRUE)),
          any(grepl("Estimate", out) & grepl("Std. Error", out) & grepl("t value", out)),
          any(grepl("Pr(>|t|)", out, fixed = TRUE)),
          any(grepl("rank deficient", out)))
print(r)

# JSON from the library.
js <- causal_result_json(r)
stopifnot(is.character(js), length(js) == 1L,
          grepl('"kind": *"ols"', js), grepl('"libcausal"', js),
          grepl('"n": *100', js), grepl('"type": *"table"', js),
          grepl("rank deficient", js))
stopifnot(grepl('"Infinity"', causal_result_json(causal_result("k", v = Inf))))
# Round trip through the library keeps values bit for bit.
stopifnot(identical(causal_result("ols", n = 100, vcov = m)$vcov, m))

# Errors.
stopifnot(inherits(catch(causal_result("k", 1)), "causal_einval_error"))
stopifnot(inherits(catch(causal_result("k", a = list(1))), "causal_etype_error"))
stopifnot(inherits(catch(causal_result("k", a = c("x", "y"))), "causal_einval_error"))
stopifnot(inherits(catch(causal_result_json(list())), "causal_einval_error"))
cat("test-result: OK\n")
