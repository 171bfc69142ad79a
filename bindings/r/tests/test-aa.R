# AA grouping: causal_aa_split / balance / randinf / mde against t.test,
# oneway.test, mahalanobis and qchisq.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

x <- as.data.frame(state.x77)
names(x) <- c("population", "income", "illiteracy", "life_exp", "murder",
              "hs_grad", "frost", "area")
st <- data.frame(state = rownames(state.x77), region = state.region, x,
                 stringsAsFactors = FALSE)
m <- names(x)

# ---- balance report vs R ----
set.seed(3)
g <- sample(rep(0:1, 25))
b <- causal_aa_balance(st, m, g, id = "state")
stopifnot(inherits(b, "causal_aa"), b$test == "welch_t")
for (j in seq_along(m)) {
  v <- st[[m[j]]]
  tt <- t.test(v[g == 1], v[g == 0])
  sp <- sqrt((24 * var(v[g == 1]) + 24 * var(v[g == 0])) / 48)
  stopifnot(rel(b$p_value[[j]], tt$p.value) < 1e-9,
            rel(b$statistic[[j]], unname(tt$statistic)) < 1e-10,
            rel(b$smd[[j]], (mean(v[g == 1]) - mean(v[g == 0])) / sp) < 1e-10,
            rel(b$means[j, 2], mean(v[g == 1])) < 1e-12)
}
X <- as.matrix(x)
M <- mahalanobis(colMeans(X[g == 1, ]) - colMeans(X[g == 0, ]), rep(0, 8),
                 cov(X) * (1 / 25 + 1 / 25))
stopifnot(rel(b$mahalanobis, M) < 1e-10)
g3 <- sample(rep(0:2, c(17, 17, 16)))
b3 <- causal_aa_balance(st, m, g3)
stopifnot(b3$test == "anova_f",
          rel(b3$p_value[["income"]],
              oneway.test(income ~ factor(g3), st, var.equal = TRUE)$p.value)
          < 1e-9)

# ---- splits ----
s1 <- causal_aa_split(st, m, id = "state", p_accept = 0.01, seed = 7)
s2 <- causal_aa_split(st, m, id = "state", p_accept = 0.01, seed = 7)
s3 <- causal_aa_split(st, m, id = "state", p_accept = 0.01, seed = 8)
stopifnot(identical(s1$group, s2$group), !identical(s1$group, s3$group),
          s1$mahalanobis <= s1$threshold,
          rel(s1$threshold, qchisq(0.01, 8)) < 1e-12,
          identical(names(s1$group), st$state), sum(s1$group) == 25)
o <- causal_aa_split(st, m, k = 3, strata = "region", method = "optimize",
                     restarts = 2, sizes = c(20, 15, 15))
stopifnot(all(table(o$group) == c(20, 15, 15)), o$max_abs_smd < 0.3)
out <- capture.output(print(o))
stopifnot(any(grepl("Mahalanobis", out)))

# ---- randomization inference and MDE ----
y <- st$murder + 2 * s1$group
ri <- causal_aa_randinf(st, m, s1$group, y, draws = 200, p_accept = 0.01,
                        seed = 7)
stopifnot(ri$p_value < 0.05, ri$draws == 200)
mde <- causal_aa_mde(c(a = 4), sizes = c(10, 12), r2 = 0.6, ncov = 3,
                     p_accept = 0.01)
a <- qchisq(0.01, 3)
va <- pchisq(a, 5) / pchisq(a, 3)
base <- (qt(0.975, 20) + qt(0.8, 20)) * sqrt(4 * (1 / 12 + 1 / 10))
stopifnot(rel(mde$v_a, va) < 1e-10, rel(mde$mde[1, 1], base) < 1e-12,
          rel(mde$mde_rerandomized[1, 1], base * sqrt(1 - (1 - va) * 0.6))
          < 1e-10)

# ---- errors ----
dup <- st
dup$state[4] <- dup$state[1]
e <- catch(causal_aa_split(dup, m, id = "state"))
stopifnot(inherits(e, "causal_error"), grepl("Alabama", conditionMessage(e)))
z <- st
z$zero <- 1
e <- catch(causal_aa_split(z, c("income", "zero")))
stopifnot(grepl("'zero' has zero variance", conditionMessage(e)))
e <- catch(causal_aa_split(st, m, k = 13, strata = "region"))
stopifnot(grepl("stratum", conditionMessage(e)))
e <- catch(causal_aa_split(st, m, k = 26))
stopifnot(grepl("cannot form", conditionMessage(e)))
e <- catch(causal_aa_split(st, m, threshold = 1e-9, max_draws = 50))
stopifnot(grepl("50 draws", conditionMessage(e)))
e <- catch(causal_aa_split(st, m, method = "magic"))
stopifnot(inherits(e, "causal_error"))
