# causal_simulate_scenario: the data equal the numpy re-implementation of
# the generator (copies of libcausal's tests/data/simulate_{rct,panel,
# truth}.csv, produced by tests/ref/simulate_reference.py), and the
# scenario has the promised structure, checked with base R (lm).
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

sc <- causal_simulate_scenario(seed = 20261122, rows = 2000)
stopifnot(identical(names(sc), c("rct", "obs", "panel", "truth")))
for (part in c("rct", "panel")) {
  ref <- read.csv(sprintf("simulate_%s.csv", part))
  got <- sc[[part]]
  stopifnot(is.data.frame(got), identical(names(got), names(ref)),
            nrow(got) == nrow(ref))
  for (nm in names(ref)) {
    g <- as.double(got[[nm]])
    stopifnot(max(abs(g - ref[[nm]]) / pmax(abs(ref[[nm]]), 1)) < 1e-14)
  }
}
stopifnot(is.logical(sc$rct$treated), is.double(sc$rct$revenue),
          is.logical(sc$panel$treated))
tr <- read.csv("simulate_truth.csv")
for (i in seq_len(nrow(tr))) {
  got <- sc$truth[[tr$name[i]]]
  stopifnot(abs(got - tr$value[i]) <= 1e-14 * abs(tr$value[i]))
}
stopifnot(inherits(sc$truth, "causal_result"),
          grepl("potential outcomes", sc$truth$truth_definition))

# sizes add up; deterministic; another seed differs
s2 <- causal_simulate_scenario(seed = 7, rows = 12345)
stopifnot(nrow(s2$rct) + nrow(s2$obs) + nrow(s2$panel) == 12345,
          nrow(s2$obs) == s2$truth$n_obs)
s3 <- causal_simulate_scenario(seed = "7", rows = 12345)
stopifnot(identical(s2$obs, s3$obs))
s4 <- causal_simulate_scenario(seed = 8, rows = 12345)
stopifnot(!identical(s2$obs$revenue, s4$obs$revenue))

# as = "dataset" keeps the library's datasets
ds <- causal_simulate_scenario(seed = 7, rows = 12345, as = "dataset")
stopifnot(inherits(ds$panel, "causal_dataset"),
          identical(as.data.frame(ds$panel, stringsAsFactors = FALSE),
                    s2$panel))

# structure: randomized arms balanced, observational arm confounded; the
# ATT identity (effect 0.5 + 0.4 tenure); regression with centred
# interactions recovers the ATT, the naive difference does not
big <- causal_simulate_scenario(seed = 11, rows = 2e5)
smd <- function(x, t) (mean(x[t]) - mean(x[!t])) /
  sqrt((var(x[t]) + var(x[!t])) / 2)
stopifnot(abs(smd(big$rct$tenure, big$rct$treated)) < 0.05,
          smd(big$obs$tenure, big$obs$treated) > 0.3)
o <- big$obs
att <- big$truth$obs_att_revenue
stopifnot(abs(att - (0.5 + 0.4 * mean(o$tenure[o$treated]))) < 1e-12)
naive <- mean(o$revenue[o$treated]) - mean(o$revenue[!o$treated])
stopifnot(naive - att > 1)
ct <- function(x) x - mean(x[o$treated])
fit <- lm(revenue ~ treated + tenure + mobile + pre_revenue +
            treated:I(ct(tenure)) + treated:I(ct(as.double(mobile))) +
            treated:I(ct(pre_revenue)), data = o)
est <- coef(fit)[["treatedTRUE"]]
se <- sqrt(diag(vcov(fit)))[["treatedTRUE"]]
stopifnot(abs(est - att) < 4 * se)

# errors
e <- catch(causal_simulate_scenario(seed = 1, rows = 999))
stopifnot(inherits(e, "causal_error"), grepl("rows = 999", conditionMessage(e)))
e <- catch(causal_simulate_scenario(seed = -1, rows = 5000))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_simulate_scenario(seed = 1, rows = 1.5))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_simulate_scenario(seed = "18446744073709551616", rows = 5000))
stopifnot(inherits(e, "causal_error"))
cat("test-simulate.R: ok\n")
