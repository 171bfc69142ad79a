# Fusion: causal_fuse against metafor (when installed) and the closed forms
# computed here in base R.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

y <- c(0.0522, 0.0489); se <- c(0.0085, 0.0092)
r <- causal_fuse(y, se)
w <- 1 / se^2
stopifnot(abs(r$estimate - sum(w * y) / sum(w)) < 1e-15)
stopifnot(abs(r$std_error - 1 / sqrt(sum(w))) < 1e-15)
stopifnot(abs(r$estimate - 0.05068) < 5e-6, abs(r$std_error - 0.00624) < 5e-6)
stopifnot(abs(r$rct_weight - 0.5395) < 5e-5)
stopifnot(round(100 * r$efficiency_gain) == 85)

# BCG vaccine trials (metafor's dat.bcg counts), log risk ratios; the
# DerSimonian-Laird estimate computed here in base R. (metafor's DL and
# REML values are checked in tests/fusion_test.c, 1e-9.)
tpos <- c(4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27)
tneg <- c(119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448,
          2493, 16886)
cpos <- c(11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29)
cneg <- c(128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197,
          2338, 17825)
yi <- log(tpos / (tpos + tneg)) - log(cpos / (cpos + cneg))
vi <- 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
wi <- 1 / vi
mu_fe <- sum(wi * yi) / sum(wi)
Q <- sum(wi * (yi - mu_fe)^2)
tau2 <- max(0, (Q - 12) / (sum(wi) - sum(wi^2) / sum(wi)))
ws <- 1 / (vi + tau2)
got <- causal_fuse(yi, sqrt(vi), method = "dl")
stopifnot(abs(got$tau2 - tau2) < 1e-12 * tau2)
stopifnot(abs(got$estimate - sum(ws * yi) / sum(ws)) < 1e-12)
stopifnot(abs(got$q_statistic - Q) < 1e-10 * Q)
reml <- causal_fuse(yi, sqrt(vi), method = "reml")
# metafor::rma(yi, vi, method = "REML")$tau2 (tests/data/fusion_ref.csv)
stopifnot(abs(reml$tau2 - 0.31324325813648074) < 1e-8)

# power-prior curve: bias variance s2 gives GLS with v_obs + s2
cur <- causal_fusion_curve(y, se, c(0, 1e-4, Inf))
w2 <- c(1 / se[1]^2, 1 / (se[2]^2 + 1e-4))
stopifnot(abs(cur$estimate[2] - sum(w2 * y) / sum(w2)) < 1e-15)
stopifnot(cur$estimate[3] == y[1])

# strata: kappa1+
rct <- c(0.5, 0.1, -0.2, 0.8); rse <- c(0.2, 0.3, 0.25, 0.4)
obs <- c(0.4, 0.2, 0.0, 0.5)
s <- causal_fuse_strata(rct, rse, obs, method = "kappa1")
g <- max(0, 1 - sum(rse^2) / sum((rct - obs)^2))
stopifnot(max(abs(s$estimate - (obs + g * (rct - obs)))) < 1e-14)

# bad input: clear errors
e <- catch(causal_fuse(numeric(), numeric()))
stopifnot(inherits(e, "error"), grepl("k = 0", conditionMessage(e)))
e <- catch(causal_fuse(y, c(0.1, 0)))
stopifnot(inherits(e, "error"), grepl("se\\[1\\] = 0", conditionMessage(e)))
e <- catch(causal_fuse(y, cov = matrix(c(1, 2, 2, 1), 2)))
stopifnot(inherits(e, "error"), grepl("positive definite", conditionMessage(e)))
e <- catch(causal_fuse(c(0.1, NaN), se))
stopifnot(inherits(e, "error"))

# Data level: difference in means + regression adjustment vs lm here (HC2
# computed by hand), transport and the surrogate index on simulated data.
set.seed(3)
n <- 400
src <- rep(c(1, 0), each = n / 2)
x <- rnorm(n) + 0.5 * (src == 0)
a <- rbinom(n, 1, ifelse(src == 1, 0.5, plogis(x)))
y <- 1 + a + x + rnorm(n)
d <- data.frame(y = y, a = a, x = x, source = src)
fd <- causal_fuse_data(d, "y", "a", "source", terms = "x")
rct <- d[d$source == 1, ]
dm <- mean(rct$y[rct$a == 1]) - mean(rct$y[rct$a == 0])
se_dm <- sqrt(var(rct$y[rct$a == 1]) / sum(rct$a) +
              var(rct$y[rct$a == 0]) / sum(1 - rct$a))
stopifnot(abs(fd$rct_estimate - dm) < 1e-12, abs(fd$rct_std_error - se_dm) < 1e-12)
ob <- d[d$source == 0, ]
stopifnot(abs(fd$obs_estimate - coef(lm(y ~ a + x, ob))[["a"]]) < 1e-12)
fa <- causal_fuse_data(d, "y", "a", "source", terms = "x", obs_estimator = "aipw")
aw <- causal_aipw(ob, "y", "a", covariates = "x")
stopifnot(fa$obs_estimator == "aipw", abs(fa$obs_estimate - aw$estimate) < 1e-12,
          abs(fa$obs_std_error - aw$std_error) < 1e-12)
tr <- causal_transport(d, "y", "a", "source", terms = "x", method = "aipsw")
stopifnot(tr$method == "aipsw", is.finite(tr$std_error), tr$n_target == n / 2)
d$s1 <- d$y + rnorm(n)
su <- causal_surrogate_index(d, "y", "a", "source", surrogates = "s1")
stopifnot(is.finite(su$estimate), su$std_error >= su$std_error_naive)
e <- catch(causal_fuse_data(d, "y", "a", "x"))
stopifnot(inherits(e, "error"), grepl("source column 'x'", conditionMessage(e)))
