# Reference values for tests/propensity_test.c and the IPW point estimates
# of tests/weighting_test.c, from base R (glm, weighted.mean, lm with
# weights) on the LaLonde data (data/lalonde.csv = MatchIt's lalonde).
# Run: Rscript tests/ref/propensity_reference.R  (from the repository root)
d <- read.csv("data/lalonde.csv", stringsAsFactors = TRUE)
fit <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
           family = binomial, data = d, control = glm.control(epsilon = 1e-14,
                                                               maxit = 100))
e <- fitted(fit)
write.csv(data.frame(propensity = e, linear_predictor = predict(fit)),
          "tests/data/propensity_lalonde_scores.csv", row.names = FALSE)
q <- rbind(quantile(e[d$treat == 0], c(0, .05, .25, .5, .75, .95, 1), type = 7),
           quantile(e[d$treat == 1], c(0, .05, .25, .5, .75, .95, 1), type = 7))
cf <- summary(fit)$coefficients
lo <- max(min(e[d$treat == 1]), min(e[d$treat == 0]))
hi <- min(max(e[d$treat == 1]), max(e[d$treat == 0]))
scal <- c(support_low = lo, support_high = hi,
          n_outside_support = sum(e < lo | e > hi))
# Crump et al. (2009) alpha, written from the paper: gamma solves
# gamma = 2 E[g | g <= gamma] with g = 1/(e(1-e)); solutions of the sample
# version, choose the one minimising (sum_{g<=gamma} g) / k^2.
g <- sort(1 / (e * (1 - e)))
if (max(g) <= 2 * mean(g)) alpha <- 0 else {
  cs <- cumsum(g); k <- seq_along(g); two_m <- 2 * cs / k
  ok <- g <= two_m & c(two_m[-length(g)] < g[-1], TRUE)
  best <- which(ok)[which.min((cs / k^2)[ok])]
  alpha <- 0.5 - sqrt(0.25 - 1 / two_m[best])
}
scal <- c(scal, crump_alpha = unname(alpha),
          n_crump_trimmed = sum(e < alpha | e > 1 - alpha))
# IPW point estimates: weighted.mean (Hajek) and lm with weights
t <- d$treat; y <- d$re78
ests <- list(ATE = c(1 / e, 1 / (1 - e)), ATT = c(rep(1, length(e)), e / (1 - e)),
             ATC = c((1 - e) / e, rep(1, length(e))), ATO = c(1 - e, e))
n <- length(e)
for (nm in names(ests)) {
  w1 <- ests[[nm]][1:n]; w0 <- ests[[nm]][(n + 1):(2 * n)]
  w <- ifelse(t == 1, w1, w0)
  hajek <- weighted.mean(y[t == 1], w[t == 1]) - weighted.mean(y[t == 0], w[t == 0])
  lmw <- unname(coef(lm(y ~ t, weights = w))[2])
  stopifnot(abs(hajek - lmw) < 1e-8 * abs(hajek))
  scal[paste0("hajek_", nm)] <- hajek
}
scal["ht_ATE"] <- mean(t * y / e) - mean((1 - t) * y / (1 - e))
write.csv(data.frame(term = rownames(cf), estimate = cf[, 1], std_error = cf[, 2]),
          "tests/data/propensity_lalonde_coef.csv", row.names = FALSE)
write.csv(data.frame(name = names(scal), value = unname(scal)),
          "tests/data/propensity_lalonde_scalars.csv", row.names = FALSE)
write.csv(data.frame(arm = c("control", "treated"), q),
          "tests/data/propensity_lalonde_quantiles.csv", row.names = FALSE)
print(scal, digits = 17)
