# Reference values for tests/power_test.c: R's power.prop.test and
# power.t.test (stats package), solved with a tight tolerance, and the
# noncentral t distribution function pt(q, df, ncp).
# Run: Rscript tests/ref/power_reference.R   (from the source root)
# Writes tests/data/power_reference_r.csv and tests/data/power_pnt.csv.
options(digits = 17)
tol <- 1e-12
rows <- list()
add <- function(method, solve, sample, sides, strict, alpha, power, n,
                baseline, effect, sd, o_n, o_power, o_effect) {
  rows[[length(rows) + 1]] <<- data.frame(
    method = method, solve = solve, sample = sample, sides = sides,
    strict = strict, alpha = alpha, power = power, n = n,
    baseline = baseline, effect = effect, sd = sd,
    out_n = o_n, out_power = o_power, out_effect = o_effect)
}
alt <- function(s) if (s == 1) "one.sided" else "two.sided"

# ---- power.prop.test: pooled method (method 1) ----
for (sides in 1:2) for (strict in c(FALSE, TRUE)) {
  cases <- list(c(0.5, 0.75), c(0.10, 0.12), c(0.02, 0.021), c(0.3, 0.2))
  for (cs in cases) {
    p1 <- cs[1]; p2 <- cs[2]
    for (pw in c(0.8, 0.9)) {
      r <- power.prop.test(p1 = p1, p2 = p2, power = pw, sig.level = 0.05,
                           alternative = alt(sides), strict = strict, tol = tol)
      add(1, 1, 1, sides, strict, 0.05, pw, NA, p1, p2 - p1, NA, r$n, pw, p2 - p1)
    }
    for (n in c(50, 1000)) {
      r <- power.prop.test(n = n, p1 = p1, p2 = p2, sig.level = 0.05,
                           alternative = alt(sides), strict = strict, tol = tol)
      add(1, 2, 1, sides, strict, 0.05, NA, n, p1, p2 - p1, NA, n, r$power, p2 - p1)
    }
    if (p2 > p1) {
      r <- power.prop.test(n = 500, p1 = p1, power = 0.8, sig.level = 0.01,
                           alternative = alt(sides), strict = strict, tol = tol)
      add(1, 3, 1, sides, strict, 0.01, 0.8, 500, p1, NA, NA, 500, 0.8, r$p2 - p1)
    }
  }
}

# ---- power.t.test: noncentral t (method 5) ----
types <- c("two.sample", "one.sample", "paired")
for (ti in 1:3) for (sides in 1:2) for (strict in c(FALSE, TRUE)) {
  for (dl in list(c(1, 1), c(0.3, 1.7), c(5, 20))) {
    delta <- dl[1]; sd <- dl[2]
    r <- power.t.test(delta = delta, sd = sd, power = 0.9, sig.level = 0.05,
                      type = types[ti], alternative = alt(sides),
                      strict = strict, tol = tol)
    add(5, 1, ti, sides, strict, 0.05, 0.9, NA, NA, delta, sd, r$n, 0.9, delta)
    for (n in c(3, 20, 250)) {
      r <- power.t.test(n = n, delta = delta, sd = sd, sig.level = 0.05,
                        type = types[ti], alternative = alt(sides),
                        strict = strict, tol = tol)
      add(5, 2, ti, sides, strict, 0.05, NA, n, NA, delta, sd, n, r$power, delta)
    }
    r <- power.t.test(n = 30, sd = sd, power = 0.8, sig.level = 0.01,
                      type = types[ti], alternative = alt(sides),
                      strict = strict, tol = tol)
    add(5, 3, ti, sides, strict, 0.01, 0.8, 30, NA, NA, sd, 30, 0.8, r$delta)
  }
}
out <- do.call(rbind, rows)
out$strict <- as.integer(out$strict)
write.csv(out, "tests/data/power_reference_r.csv", row.names = FALSE,
          na = "NaN")

# ---- noncentral t cdf ----
g <- expand.grid(q = c(-3, -0.5, 0, 0.7, 1.96, 4, 12),
                 df = c(1, 2.5, 10, 57, 1000),
                 ncp = c(-4, -0.3, 0.5, 2, 6, 25))
g$lower <- pt(g$q, g$df, g$ncp)
g$upper <- pt(g$q, g$df, g$ncp, lower.tail = FALSE)
write.csv(g, "tests/data/power_pnt.csv", row.names = FALSE)
