# E-value reference values for tests/sensitivity_test.c, with the formulas
# of VanderWeele & Ding (2017, Ann Intern Med) and the conversions used by
# the EValue R package (not in Debian) written out from the papers:
#   E(RR) = RR + sqrt(RR (RR - 1)), RR < 1 -> 1/RR
#   OR, common outcome: RR = sqrt(OR) (VanderWeele 2017)
#   HR, common outcome: RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))
#   SMD d (se): RR = exp(0.91 d), CI exp(0.91 d -+ 1.78 se)
# The CI E-value uses the limit closest to the null (1 if it crosses).
# Run: Rscript tests/ref/sensitivity_reference.R
ev <- function(rr) { rr <- ifelse(rr < 1, 1 / rr, rr); rr + sqrt(rr * (rr - 1)) }
conv <- function(type, v) switch(type, RR = v, OR_RARE = v, HR_RARE = v,
  OR_COMMON = sqrt(v), HR_COMMON = (1 - 0.5^sqrt(v)) / (1 - 0.5^sqrt(1 / v)))
ci_ev <- function(rr, lo, hi) {
  if (rr > 1) { if (lo <= 1) 1 else ev(lo) } else if (rr < 1) {
    if (hi >= 1) 1 else ev(hi) } else 1
}
cases <- data.frame(
  type = c("RR", "RR", "RR", "OR_RARE", "OR_COMMON", "OR_COMMON", "HR_RARE",
           "HR_COMMON", "HR_COMMON", "SMD", "SMD"),
  est = c(3.9, 0.8, 1.3, 2.5, 2.5, 0.4, 1.8, 1.8, 0.6, 0.5, -0.3),
  lo = c(1.8, 0.71, 0.9, 1.2, 1.2, 0.2, 1.1, 1.1, 0.45, NA, NA),
  hi = c(8.7, 0.91, 1.9, 5.1, 5.1, 0.8, 2.9, 2.9, 0.8, NA, NA),
  se = c(NA, NA, NA, NA, NA, NA, NA, NA, NA, 0.1, 0.2))
res <- t(sapply(seq_len(nrow(cases)), function(i) {
  c <- cases[i, ]
  if (c$type == "SMD") {
    rr <- exp(0.91 * c$est); lo <- exp(0.91 * c$est - 1.78 * c$se)
    hi <- exp(0.91 * c$est + 1.78 * c$se)
  } else {
    rr <- conv(c$type, c$est); lo <- conv(c$type, c$lo); hi <- conv(c$type, c$hi)
  }
  c(rr = rr, evalue = ev(rr), evalue_ci = ci_ev(rr, lo, hi))
}))
out <- cbind(cases, res)
write.csv(out, "tests/data/sensitivity_evalues.csv", row.names = FALSE)
print(out, digits = 15)
