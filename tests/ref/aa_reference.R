# Reference values for tests/aa_test.c (balance reports of fixed allocations,
# acceptance thresholds, v_a and the MDE formula).
# Run from tests/: Rscript ref/aa_reference.R
# Writes data/aa_states.csv (datasets::state.x77 with state names, region and
# two fixed allocations g2 (2 groups) and g3 (3 groups)) and
# data/aa_reference.csv with rows  case,quantity,term,value.
# Tools: stats::t.test (Welch, the default var.equal = FALSE),
# stats::oneway.test(var.equal = TRUE) (one-way ANOVA F), stats::mahalanobis,
# stats::qchisq / pchisq / qt.
x <- as.data.frame(state.x77)
names(x) <- c("population", "income", "illiteracy", "life_exp", "murder",
              "hs_grad", "frost", "area")
d <- data.frame(state = gsub(" ", "_", rownames(state.x77)),
                region = as.character(state.region), x)
set.seed(20240501)
d$g2 <- sample(rep(0:1, 25))
d$g3 <- sample(rep(0:2, c(17, 17, 16)))
write.csv(d, "data/aa_states.csv", row.names = FALSE, quote = FALSE)

metrics <- names(x)
out <- list()
emit <- function(case, q, term, v) {
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = q, term = term,
                                         value = sprintf("%.17g", v))
}
X <- as.matrix(d[, metrics])
S <- cov(X)
for (case in c("g2", "g3")) {
  g <- d[[case]]
  k <- length(unique(g))
  for (m in metrics) {
    v <- d[[m]]
    for (j in 0:(k - 1)) {
      emit(case, paste0("mean", j), m, mean(v[g == j]))
      emit(case, paste0("sd", j), m, sd(v[g == j]))
    }
    if (k == 2) {
      tt <- t.test(v[g == 1], v[g == 0])  # Welch
      n1 <- sum(g == 1); n0 <- sum(g == 0)
      sp <- sqrt(((n1 - 1) * var(v[g == 1]) + (n0 - 1) * var(v[g == 0])) /
                 (n1 + n0 - 2))
      emit(case, "smd", m, (mean(v[g == 1]) - mean(v[g == 0])) / sp)
      emit(case, "statistic", m, tt$statistic)
      emit(case, "df", m, tt$parameter)
      emit(case, "p_value", m, tt$p.value)
    } else {
      ow <- oneway.test(v ~ factor(g), var.equal = TRUE)
      worst <- 0
      for (a in 0:(k - 2)) for (b in (a + 1):(k - 1)) {
        na <- sum(g == a); nb <- sum(g == b)
        sp <- sqrt(((na - 1) * var(v[g == a]) + (nb - 1) * var(v[g == b])) /
                   (na + nb - 2))
        worst <- max(worst, abs(mean(v[g == a]) - mean(v[g == b])) / sp)
      }
      emit(case, "smd", m, worst)
      emit(case, "statistic", m, ow$statistic)
      emit(case, "df", m, ow$parameter[2])
      emit(case, "p_value", m, ow$p.value)
    }
  }
  # Mahalanobis: k = 2 the Morgan-Rubin form; k > 2 the sum over groups of
  # n_g times the distance of the group mean from the overall mean.
  if (k == 2) {
    n1 <- sum(g == 1); n0 <- sum(g == 0)
    dm <- colMeans(X[g == 1, ]) - colMeans(X[g == 0, ])
    M <- mahalanobis(dm, rep(0, length(dm)), S * (1 / n1 + 1 / n0))
  } else {
    M <- 0
    for (j in 0:(k - 1))
      M <- M + sum(g == j) * mahalanobis(colMeans(X[g == j, ]), colMeans(X), S)
  }
  df <- length(metrics) * (k - 1)
  emit(case, "mahalanobis", "", M)
  emit(case, "mahalanobis_p_value", "", pchisq(M, df, lower.tail = FALSE))
}
# Acceptance thresholds and Morgan-Rubin v_a.
for (p in c(0.001, 0.05, 0.1, 0.5)) for (df in c(1, 3, 8, 16)) {
  a <- qchisq(p, df)
  emit("threshold", paste0("p", p), as.character(df), a)
  emit("v_a", paste0("p", p), as.character(df), pchisq(a, df + 2) / pchisq(a, df))
}
# MDE: (t_{1-alpha/2, N-k} + t_{power, N-k}) sigma sqrt(1/n_g + 1/n_0).
mde <- function(s2, ng, n0, N, k, alpha, power)
  (qt(1 - alpha / 2, N - k) + qt(power, N - k)) * sqrt(s2 * (1 / ng + 1 / n0))
emit("mde", "plain", "a", mde(4, 10, 12, 22, 2, 0.05, 0.8))
emit("mde", "plain", "b", mde(0.25, 10, 12, 22, 2, 0.05, 0.8))
# 3 groups 8/9/7, alpha 0.1, power 0.9; ncov 3, p_accept 0.01, r2 0.6
a <- qchisq(0.01, 6); va <- pchisq(a, 8) / pchisq(a, 6)
emit("mde3", "v_a", "", va)
emit("mde3", "plain", "g1", mde(2, 9, 8, 24, 3, 0.1, 0.9))
emit("mde3", "plain", "g2", mde(2, 7, 8, 24, 3, 0.1, 0.9))
emit("mde3", "rr", "g2", mde(2, 7, 8, 24, 3, 0.1, 0.9) * sqrt(1 - (1 - va) * 0.6))
# For the docs: power.t.test's exact (noncentral t) answer for 2 x 11 units
emit("mde", "power_t_test", "n11", power.t.test(n = 11, sd = 2, power = 0.8)$delta)
emit("mde", "formula", "n11", mde(4, 11, 11, 22, 2, 0.05, 0.8))
write.csv(do.call(rbind, out), "data/aa_reference.csv", row.names = FALSE,
          quote = FALSE)
