# Reference values for tests/fusion_test.c (estimate-level fusion).
# Run from tests/:  Rscript ref/fusion_reference.R
# Writes data/fusion_inputs.csv (case, i, yi, vi), data/fusion_cov.csv
# (the covariance case, column-major) and data/fusion_ref.csv
# (case, method, quantity, value). metafor's iteration thresholds are
# tightened so the REML values are converged to machine precision.
suppressPackageStartupMessages(library(metafor))
options(digits = 17)
ctl <- list(threshold = 1e-15, maxiter = 10000)

inputs <- list()
refs <- list()
add_ref <- function(case, method, q, v)
  refs[[length(refs) + 1]] <<- data.frame(case = case, method = method,
                                          quantity = q, value = v)
add_in <- function(case, yi, vi)
  inputs[[length(inputs) + 1]] <<- data.frame(case = case, i = seq_along(yi) - 1,
                                              yi = yi, vi = vi)
rma_refs <- function(case, yi, vi) {
  add_in(case, yi, vi)
  for (m in c("FE", "DL", "REML")) {
    fit <- rma(yi, vi, method = m, control = ctl)
    add_ref(case, m, "estimate", as.numeric(fit$beta))
    add_ref(case, m, "std_error", fit$se)
    add_ref(case, m, "conf_low", fit$ci.lb)
    add_ref(case, m, "conf_high", fit$ci.ub)
    add_ref(case, m, "p_value", fit$pval)
    add_ref(case, m, "q_statistic", fit$QE)
    add_ref(case, m, "q_p_value", fit$QEp)
    add_ref(case, m, "tau2", fit$tau2)
    add_ref(case, m, "i2", fit$I2)
    add_ref(case, m, "h2", fit$H2)
    w <- weights(fit) / 100
    for (j in seq_along(w)) add_ref(case, m, paste0("weight", j - 1), w[j])
  }
}

# 1. The issue's check: RCT 0.0522 (0.0085) + observational 0.0489 (0.0092).
rma_refs("issue", c(0.0522, 0.0489), c(0.0085, 0.0092)^2)
# 2. BCG vaccine trials (metafor::dat.bcg), log risk ratios: heterogeneous.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg,
              data = dat.bcg)
rma_refs("bcg", as.numeric(bcg$yi), as.numeric(bcg$vi))
# 3. Homogeneous sources: tau2 on the boundary (0).
rma_refs("homog", c(0.10, 0.12, 0.11, 0.095), c(0.010, 0.012, 0.008, 0.015))

# 4. A full covariance (two correlated observational sources): GLS fixed
#    effect and REML with V + tau2 I (rma.mv with a study-level random effect).
yi <- c(0.30, 0.10, 0.45, 0.20)
V <- matrix(c(0.020, 0.004, 0.000, 0.002,
              0.004, 0.015, 0.006, 0.000,
              0.000, 0.006, 0.030, 0.005,
              0.002, 0.000, 0.005, 0.025), 4, 4)
write.csv(data.frame(value = as.vector(V)), "data/fusion_cov.csv",
          row.names = FALSE)
add_in("cov", yi, diag(V))
id <- seq_along(yi)
fe <- rma.mv(yi, V, method = "FE")
add_ref("cov", "FE", "estimate", as.numeric(fe$beta))
add_ref("cov", "FE", "std_error", fe$se)
add_ref("cov", "FE", "q_statistic", fe$QE)
re <- rma.mv(yi, V, random = ~ 1 | id, method = "REML",
             control = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000))
add_ref("cov", "REML", "estimate", as.numeric(re$beta))
add_ref("cov", "REML", "std_error", re$se)
add_ref("cov", "REML", "tau2", re$sigma2)
# The REML score equation solved directly (independent of rma.mv's
# optimizer, whose tolerance limits it to ~1e-7): d/dtau2 of the REML
# log-likelihood = (y'PPy - tr P) / 2 = 0, P = W - W11'W / 1'W1.
reml_score <- function(t2) {
  W <- solve(V + t2 * diag(length(yi)))
  one <- rep(1, length(yi))
  P <- W - W %*% one %*% t(one) %*% W / drop(t(one) %*% W %*% one)
  drop(t(yi) %*% P %*% P %*% yi) - sum(diag(P))
}
t2 <- uniroot(reml_score, c(1e-6, 1), tol = 1e-16)$root
W <- solve(V + t2 * diag(length(yi)))
add_ref("cov", "REML_ROOT", "tau2", t2)
add_ref("cov", "REML_ROOT", "estimate", sum(W %*% yi) / sum(W))
add_ref("cov", "REML_ROOT", "std_error", sqrt(1 / sum(W)))

# 5. Power prior by numerical integration (independent of the closed form):
#    prior N(y_r, v_r) from the RCT, observational likelihood raised to a0.
yr <- 0.0522; vr <- 0.0085^2; yo <- 0.0489; vo <- 0.0092^2
for (s2 in c(0, 1e-5, 1e-4)) {
  a0 <- vo / (vo + s2)
  post <- function(t) dnorm(t, yr, sqrt(vr)) * dnorm(yo, t, sqrt(vo))^a0
  lo <- 0.0522 - 0.2; hi <- 0.0522 + 0.2
  Z <- integrate(post, lo, hi, rel.tol = 1e-13, subdivisions = 1000)$value
  m1 <- integrate(function(t) t * post(t), lo, hi, rel.tol = 1e-13,
                  subdivisions = 1000)$value / Z
  m2 <- integrate(function(t) (t - m1)^2 * post(t), lo, hi, rel.tol = 1e-13,
                  subdivisions = 1000)$value / Z
  case <- paste0("power", s2)
  add_ref(case, "POWER", "bias_variance", s2)
  add_ref(case, "POWER", "estimate", m1)
  add_ref(case, "POWER", "std_error", sqrt(m2))
  add_ref(case, "POWER", "a0", a0)
}

# 6. Robust mixture prior by numerical integration: prior from the
#    observational estimate (1-w) N(yo, vo) + w N(yo, sv^2), RCT likelihood.
mix_case <- function(case, yr, vr, yo, vo, w, sv) {
  prior <- function(t) (1 - w) * dnorm(t, yo, sqrt(vo)) + w * dnorm(t, yo, sv)
  post <- function(t) prior(t) * dnorm(yr, t, sqrt(vr))
  lo <- min(yr, yo) - 50 * sv; hi <- max(yr, yo) + 50 * sv
  brk <- sort(c(lo, yo - 20 * sqrt(vo), yo + 20 * sqrt(vo), yr - 20 * sqrt(vr),
                yr + 20 * sqrt(vr), hi))
  integ <- function(g) sum(sapply(seq_len(length(brk) - 1), function(j)
    integrate(g, brk[j], brk[j + 1], rel.tol = 1e-13, subdivisions = 2000)$value))
  Z <- integ(post)
  m1 <- integ(function(t) t * post(t)) / Z
  m2 <- integ(function(t) (t - m1)^2 * post(t)) / Z
  cdf <- function(x) {
    b <- sort(unique(c(brk[brk < x], x)))
    if (length(b) < 2) return(0)
    sum(sapply(seq_len(length(b) - 1), function(j)
      integrate(post, b[j], b[j + 1], rel.tol = 1e-13,
                subdivisions = 2000)$value)) / Z
  }
  q <- function(p) uniroot(function(x) cdf(x) - p, c(min(yr, yo) - 10 * sv, max(yr, yo) + 10 * sv), tol = 1e-15)$root
  # posterior probability of the vague component
  pv <- w * integ(function(t) dnorm(t, yo, sv) * dnorm(yr, t, sqrt(vr))) / Z
  add_in(case, c(yr, yo), c(vr, vo))
  add_ref(case, "MIXTURE", "mix_weight", w)
  add_ref(case, "MIXTURE", "mix_sd", sv)
  add_ref(case, "MIXTURE", "estimate", m1)
  add_ref(case, "MIXTURE", "std_error", sqrt(m2))
  add_ref(case, "MIXTURE", "conf_low", q(0.025))
  add_ref(case, "MIXTURE", "conf_high", q(0.975))
  add_ref(case, "MIXTURE", "posterior_vague_weight", pv)
}
mix_case("mix_agree", 0.0522, 0.0085^2, 0.0489, 0.0092^2, 0.2, 0.085)
mix_case("mix_conflict", 0.0522, 0.0085^2, 0.0089, 0.0042^2, 0.2, 0.085)

write.csv(do.call(rbind, inputs), "data/fusion_inputs.csv", row.names = FALSE)
out <- do.call(rbind, refs)
out$value <- sprintf("%.17g", out$value)
write.csv(out, "data/fusion_ref.csv", row.names = FALSE, quote = FALSE)

# 7. Data-level pipeline: a simulated dataset with randomized (source = 1)
#    and confounded observational (source = 0) rows, three strata.
#    RCT: difference in means (lm y ~ a, HC2); observational: lm y ~ a + x
#    (HC2); fused by rma(method = "FE"); per stratum the same.
library(sandwich)
set.seed(20261122)
n_r <- 300; n_o <- 1200
x <- c(rnorm(n_r), rnorm(n_o, 0.5))
s <- c(rep(1, n_r), rep(0, n_o))
stratum <- sample(1:3, n_r + n_o, replace = TRUE)
pa <- ifelse(s == 1, 0.5, plogis(0.8 * x))
a <- rbinom(n_r + n_o, 1, pa)
y <- 1 + 0.5 * a + 0.3 * stratum * a + 0.8 * x + rnorm(n_r + n_o)
dd <- data.frame(y = y, a = a, x = x, source = s, stratum = stratum)
write.csv(dd, "data/fusion_data.csv", row.names = FALSE)
eff <- function(f, d) {
  m <- lm(f, data = d)
  c(coef(m)[["a"]], sqrt(vcovHC(m, type = "HC2")["a", "a"]))
}
pipe <- function(case, d) {
  r <- eff(y ~ a, d[d$source == 1, ])
  o <- eff(y ~ a + x, d[d$source == 0, ])
  fe <- rma(c(r[1], o[1]), c(r[2], o[2])^2, method = "FE")
  add_ref(case, "DATA", "rct_estimate", r[1])
  add_ref(case, "DATA", "rct_std_error", r[2])
  add_ref(case, "DATA", "obs_estimate", o[1])
  add_ref(case, "DATA", "obs_std_error", o[2])
  add_ref(case, "DATA", "estimate", as.numeric(fe$beta))
  add_ref(case, "DATA", "std_error", fe$se)
  z <- (o[1] - r[1]) / sqrt(r[2]^2 + o[2]^2)
  add_ref(case, "DATA", "bias_statistic", z)
  add_ref(case, "DATA", "bias_p_value", 2 * pnorm(-abs(z)))
}
refs_before <- length(refs)
pipe("data_all", dd)
for (k in 1:3) pipe(paste0("data_s", k), dd[dd$stratum == k, ])
out <- do.call(rbind, refs)
out$value <- sprintf("%.17g", out$value)
write.csv(out, "data/fusion_ref.csv", row.names = FALSE, quote = FALSE)

# 8. Observational IPW (Hajek) on the source = 0 rows of fusion_data.csv:
#    logit propensity a ~ x, stacked M-estimation sandwich with a numerical
#    Jacobian (numDeriv), independent of the analytic one in the library.
library(numDeriv)
stacked_var <- function(psi, th, n, grad) {
  A <- -numDeriv::jacobian(function(t) colMeans(psi(t)), th)
  B <- crossprod(psi(th)) / n
  Ai <- solve(A)
  V <- Ai %*% B %*% t(Ai) / n
  as.numeric(t(grad) %*% V %*% grad)
}
ob <- dd[dd$source == 0, ]
Xo <- cbind(1, ob$x)
g <- glm(a ~ x, family = binomial, data = ob)
e <- fitted(g)
mu1 <- sum(ob$a * ob$y / e) / sum(ob$a / e)
mu0 <- sum((1 - ob$a) * ob$y / (1 - e)) / sum((1 - ob$a) / (1 - e))
psi_ipw <- function(t) {
  b <- t[1:2]; ee <- plogis(drop(Xo %*% b))
  cbind(Xo * (ob$a - ee), ob$a * (ob$y - t[3]) / ee,
        (1 - ob$a) * (ob$y - t[4]) / (1 - ee))
}
th <- c(coef(g), mu1, mu0)
add_ref("ipw", "DATA", "obs_estimate", mu1 - mu0)
add_ref("ipw", "DATA", "obs_std_error",
        sqrt(stacked_var(psi_ipw, th, nrow(ob), c(0, 0, 1, -1))))

# 9. Transport (IPSW, AIPSW) of a trial effect to a target population.
set.seed(7)
nt <- 400; ng <- 800
xt <- rnorm(nt); xg <- rnorm(ng, 0.7)
at <- rbinom(nt, 1, 0.5)
yt <- 1 + at * (1 + 0.5 * xt) + xt + rnorm(nt)
tr <- data.frame(y = c(yt, rep(NA, ng)), a = c(at, rep(NA, ng)),
                 x = c(xt, xg), source = c(rep(1, nt), rep(0, ng)))
write.csv(tr, "data/fusion_transport.csv", row.names = FALSE, na = "NA")
Xa <- cbind(1, tr$x)
gs <- glm(source ~ x, family = binomial, data = tr)
o <- (1 - fitted(gs)) / fitted(gs)
S <- tr$source; A <- ifelse(is.na(tr$a), 0, tr$a); Y <- ifelse(is.na(tr$y), 0, tr$y)
m1 <- sum(S * A * o * Y) / sum(S * A * o)
m0 <- sum(S * (1 - A) * o * Y) / sum(S * (1 - A) * o)
psi_ipsw <- function(t) {
  pp <- plogis(drop(Xa %*% t[1:2])); oo <- (1 - pp) / pp
  cbind(Xa * (S - pp), S * A * oo * (Y - t[3]), S * (1 - A) * oo * (Y - t[4]))
}
add_ref("transport", "DATA", "ipsw_estimate", m1 - m0)
add_ref("transport", "DATA", "ipsw_std_error",
        sqrt(stacked_var(psi_ipsw, c(coef(gs), m1, m0), nrow(tr),
                         c(0, 0, 1, -1))))
trial <- tr[S == 1, ]
f1 <- lm(y ~ x, data = trial[trial$a == 1, ])
f0 <- lm(y ~ x, data = trial[trial$a == 0, ])
g1 <- predict(f1, newdata = tr); g0 <- predict(f0, newdata = tr)
eh <- mean(trial$a)
term <- ifelse(S == 1, o * (A * (Y - g1) / eh - (1 - A) * (Y - g0) / (1 - eh)),
               g1 - g0)
n0 <- sum(S == 0)
aip <- sum(term) / n0
add_ref("transport", "DATA", "aipsw_estimate", aip)
add_ref("transport", "DATA", "aipsw_std_error",
        sqrt(sum((term - (S == 0) * aip)^2)) / n0)
add_ref("transport", "DATA", "rct_estimate",
        mean(trial$y[trial$a == 1]) - mean(trial$y[trial$a == 0]))

# 10. Surrogate index (Athey, Chetty, Imbens & Kang 2019).
set.seed(9)
no <- 1000; ne <- 300
xo <- rnorm(no); s1o <- rnorm(no); s2o <- rnorm(no)
ylo <- 0.5 + 0.8 * s1o + 0.4 * s2o + 0.2 * xo + rnorm(no)
xe <- rnorm(ne); ae <- rbinom(ne, 1, 0.5)
s1e <- 0.3 * ae + 0.2 * xe + rnorm(ne); s2e <- 0.5 * ae + rnorm(ne)
su <- data.frame(ylong = c(ylo, rep(NA, ne)), a = c(rep(NA, no), ae),
                 x = c(xo, xe), s1 = c(s1o, s1e), s2 = c(s2o, s2e),
                 source = c(rep(0, no), rep(1, ne)))
write.csv(su, "data/fusion_surrogate.csv", row.names = FALSE, na = "NA")
fs <- lm(ylong ~ x + s1 + s2, data = su[su$source == 0, ])
ex <- su[su$source == 1, ]
Xe <- model.matrix(~ x + s1 + s2, ex)
idx <- drop(Xe %*% coef(fs))
est <- mean(idx[ex$a == 1]) - mean(idx[ex$a == 0])
vn <- var(idx[ex$a == 1]) / sum(ex$a == 1) + var(idx[ex$a == 0]) / sum(ex$a == 0)
# the naive variance equals HC2 of lm(index ~ a)
stopifnot(abs(vn - vcovHC(lm(idx ~ ex$a), type = "HC2")[2, 2]) < 1e-14)
dbar <- colMeans(Xe[ex$a == 1, ]) - colMeans(Xe[ex$a == 0, ])
vf <- as.numeric(t(dbar) %*% vcovHC(fs, type = "HC2") %*% dbar)
add_ref("surrogate", "DATA", "estimate", est)
add_ref("surrogate", "DATA", "std_error", sqrt(vn + vf))
add_ref("surrogate", "DATA", "std_error_naive", sqrt(vn))
add_ref("surrogate", "DATA", "surrogate_r_squared", summary(fs)$r.squared)

out <- do.call(rbind, refs)
out$value <- sprintf("%.17g", out$value)
write.csv(out, "data/fusion_ref.csv", row.names = FALSE, quote = FALSE)
