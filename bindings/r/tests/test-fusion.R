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

if (requireNamespace("metafor", quietly = TRUE)) {
  dat <- metafor::escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos,
                         di = cneg, data = metafor::dat.bcg)
  for (m in c("DL", "REML")) {
    ref <- metafor::rma(dat$yi, dat$vi, method = m,
                        control = list(threshold = 1e-15, maxiter = 10000))
    got <- causal_fuse(as.numeric(dat$yi), sqrt(as.numeric(dat$vi)),
                       method = tolower(m))
    stopifnot(abs(got$estimate - as.numeric(ref$beta)) < 1e-9 * abs(got$estimate))
    stopifnot(abs(got$tau2 - ref$tau2) < 1e-9 * ref$tau2)
    stopifnot(abs(got$i2 - ref$I2) < 1e-8)
  }
}

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
