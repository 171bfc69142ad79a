# Reference values for tests/abtest_test.c (run from tests/: Rscript ref/abtest_reference.R)
# Writes data/abtest_units.csv (unit-level data), data/abtest_props.csv
# (proportion cases) and data/abtest_reference.txt ("key value" lines).
# R's prop.test, chisq.test, fisher.test, t.test and p.adjust, multcomp's
# Dunnett, and the CUPED / ratio / Dunnett formulas recomputed from units.
suppressMessages(library(multcomp))
options(digits = 17)
out <- character()
put <- function(key, value) {
  out <<- c(out, sprintf("%s %.17g", key, as.numeric(value)))
}
set.seed(20240401)

## ---- proportions ----------------------------------------------------------
props <- data.frame(
  name = c("p1", "p2", "p3", "p4", "p5", "p6"),
  xc = c(120, 3, 0, 45, 480, 7), nc = c(1000, 20, 15, 50, 10000, 9),
  xt = c(150, 9, 4, 38, 530, 2), nt = c(1010, 21, 12, 52, 9950, 11))
write.csv(props, "data/abtest_props.csv", row.names = FALSE, quote = FALSE)
alts <- c("two.sided", "greater", "less")
for (i in seq_len(nrow(props))) {
  r <- props[i, ]
  x <- c(r$xt, r$xc); n <- c(r$nt, r$nc)
  for (a in alts) for (cor in c(TRUE, FALSE)) {
    k <- sprintf("%s.chisq.%s.%d", r$name, a, cor)
    pt <- suppressWarnings(prop.test(x, n, alternative = a, correct = cor))
    put(paste0(k, ".statistic"), pt$statistic)
    put(paste0(k, ".p_value"), pt$p.value)
    put(paste0(k, ".conf_low"), pt$conf.int[1])
    put(paste0(k, ".conf_high"), pt$conf.int[2])
  }
  tab <- matrix(c(r$xt, r$xc, r$nt - r$xt, r$nc - r$xc), 2)
  for (a in alts) {
    k <- sprintf("%s.fisher.%s", r$name, a)
    ft <- fisher.test(tab, alternative = a)
    put(paste0(k, ".p_value"), ft$p.value)
    put(paste0(k, ".odds_ratio_r"), ft$estimate)
    put(paste0(k, ".or_low_r"), ft$conf.int[1])
    put(paste0(k, ".or_high_r"), ft$conf.int[2])
  }
  # conditional MLE recomputed with a tight root finder (fisher.test uses
  # uniroot's default tolerance, ~1e-4)
  m <- sum(tab[, 1]); nn <- sum(tab[, 2]); kk <- sum(tab[1, ]); x0 <- tab[1, 1]
  lo <- max(0L, kk - nn); hi <- min(kk, m); sup <- lo:hi
  logdc <- dhyper(sup, m, nn, kk, log = TRUE)
  dn <- function(lp) { d <- logdc + lp * sup; d <- exp(d - max(d)); d / sum(d) }
  if (x0 > lo && x0 < hi) {
    f <- function(lp) sum(sup * dn(lp)) - x0
    put(sprintf("%s.fisher.odds_ratio", r$name),
        exp(uniroot(f, c(-50, 50), tol = 1e-15)$root))
    up <- function(lp, alpha) sum(dn(lp)[sup >= x0]) - alpha
    lw <- function(lp, alpha) sum(dn(lp)[sup <= x0]) - alpha
    put(sprintf("%s.fisher.or_low", r$name),
        exp(uniroot(up, c(-50, 50), alpha = 0.025, tol = 1e-15)$root))
    put(sprintf("%s.fisher.or_high", r$name),
        exp(uniroot(lw, c(-50, 50), alpha = 0.025, tol = 1e-15)$root))
  }
  # pooled z = signed sqrt of the uncorrected chi-square; unpooled Wald
  pc <- r$xc / r$nc; ptt <- r$xt / r$nt; pb <- (r$xc + r$xt) / (r$nc + r$nt)
  for (mg in c(0, 0.02, -0.05)) {
    k <- sprintf("%s.z.m%g", r$name, mg)
    z0 <- (ptt - pc - mg) / sqrt(pb * (1 - pb) * (1 / r$nc + 1 / r$nt))
    se <- sqrt(pc * (1 - pc) / r$nc + ptt * (1 - ptt) / r$nt)
    put(paste0(k, ".pooled_statistic"), z0)
    put(paste0(k, ".pooled_p_value"), 2 * pnorm(-abs(z0)))
    put(paste0(k, ".pooled_p_greater"), pnorm(z0, lower.tail = FALSE))
    put(paste0(k, ".unpooled_statistic"), (ptt - pc - mg) / se)
    put(paste0(k, ".unpooled_p_value"), 2 * pnorm(-abs((ptt - pc - mg) / se)))
    put(paste0(k, ".conf_low"), ptt - pc - qnorm(0.975) * se)
    put(paste0(k, ".conf_high"), ptt - pc + qnorm(0.975) * se)
  }
  put(sprintf("%s.cohen_h", r$name), 2 * asin(sqrt(ptt)) - 2 * asin(sqrt(pc)))
}

## ---- unit-level data: means, ratio metrics, CUPED --------------------------
n <- c(A = 400, B = 380, C = 420, D = 390)
arm <- rep(names(n), n)
eff <- c(A = 0, B = 0.3, C = 0.1, D = -0.2)[arm]
x1 <- rgamma(sum(n), shape = 2, scale = 5)            # pre-period metric
x2 <- rnorm(sum(n), 10, 3)
x2[sample(sum(n), 150)] <- NA                          # no pre-period data
d <- rpois(sum(n), 3) + 1                              # sessions
y <- 2 + 0.8 * x1 + 0.5 * ifelse(is.na(x2), 10, x2) + eff * 10 +
  rnorm(sum(n), 0, 6) + 0.3 * d
units <- data.frame(arm = arm, y = y, d = d, x1 = x1, x2 = x2)
write.csv(units, "data/abtest_units.csv", row.names = FALSE, quote = FALSE,
          na = "NA")
# compute on the values as written (15 significant digits)
units <- read.csv("data/abtest_units.csv")
y <- units$y; d <- units$d; x1 <- units$x1; x2 <- units$x2
yA <- y[arm == "A"]; yB <- y[arm == "B"]
for (a in alts) for (mu in c(0, 1.5)) {
  k <- sprintf("mean.%s.mu%g", a, mu)
  w <- t.test(yB, yA, alternative = a, mu = mu)
  s <- t.test(yB, yA, alternative = a, mu = mu, var.equal = TRUE)
  put(paste0(k, ".welch.statistic"), w$statistic)
  put(paste0(k, ".welch.df"), w$parameter)
  put(paste0(k, ".welch.p_value"), w$p.value)
  put(paste0(k, ".welch.conf_low"), w$conf.int[1])
  put(paste0(k, ".welch.conf_high"), w$conf.int[2])
  put(paste0(k, ".student.statistic"), s$statistic)
  put(paste0(k, ".student.p_value"), s$p.value)
  put(paste0(k, ".student.conf_low"), s$conf.int[1])
  put(paste0(k, ".student.conf_high"), s$conf.int[2])
}
sp <- sqrt(((length(yA) - 1) * var(yA) + (length(yB) - 1) * var(yB)) /
             (length(yA) + length(yB) - 2))
put("mean.cohen_d", (mean(yB) - mean(yA)) / sp)
# relative lift, delta method and Fieller
mA <- mean(yA); mB <- mean(yB); vA <- var(yA) / length(yA); vB <- var(yB) / length(yB)
L <- mB / mA - 1; seL <- sqrt(vB / mA^2 + mB^2 * vA / mA^4); z <- qnorm(0.975)
put("mean.lift", L); put("mean.lift_se", seL)
put("mean.lift_low", L - z * seL); put("mean.lift_high", L + z * seL)
# Fieller via the quadratic written as a root search (independent form)
g <- function(rho) (mB - rho * mA)^2 - z^2 * (vB + rho^2 * vA)
put("mean.fieller_low", uniroot(g, c(0, mB / mA), tol = 1e-15)$root - 1)
put("mean.fieller_high", uniroot(g, c(mB / mA, 10), tol = 1e-15)$root - 1)

# CUPED, one covariate: theta from pooled A and B, then Welch on adjusted y
AB <- arm %in% c("A", "B")
th <- cov(y[AB], x1[AB]) / var(x1[AB])
ya <- y - th * (x1 - mean(x1[AB]))
w <- t.test(ya[arm == "B"], ya[arm == "A"])
put("cuped1.theta", th)
put("cuped1.estimate", w$estimate[1] - w$estimate[2])
put("cuped1.statistic", w$statistic); put("cuped1.df", w$parameter)
put("cuped1.p_value", w$p.value)
put("cuped1.conf_low", w$conf.int[1]); put("cuped1.conf_high", w$conf.int[2])
raw <- var(yA) / length(yA) + var(yB) / length(yB)
adj <- var(ya[arm == "A"]) / sum(arm == "A") + var(ya[arm == "B"]) / sum(arm == "B")
put("cuped1.variance_reduction", 1 - adj / raw)
put("cuped1.imbalance_p_value", t.test(x1[arm == "B"], x1[arm == "A"])$p.value)
# CUPED, two covariates with a missing indicator: pooled regression slopes
x2f <- ifelse(is.na(x2), 0, x2); m2 <- as.numeric(is.na(x2))
fit <- lm(y ~ x1 + x2f + m2, subset = AB)
thm <- coef(fit)[-1]
ctr <- c(mean(x1[AB]), mean(x2f[AB]), mean(m2[AB]))
yam <- y - drop(cbind(x1, x2f, m2) %*% thm) + sum(thm * ctr)
w <- t.test(yam[arm == "B"], yam[arm == "A"])
put("cupedm.theta1", thm[1]); put("cupedm.theta2", thm[2]); put("cupedm.theta3", thm[3])
put("cupedm.estimate", w$estimate[1] - w$estimate[2])
put("cupedm.statistic", w$statistic); put("cupedm.df", w$parameter)
put("cupedm.p_value", w$p.value)
adj <- var(yam[arm == "A"]) / sum(arm == "A") + var(yam[arm == "B"]) / sum(arm == "B")
put("cupedm.variance_reduction", 1 - adj / raw)

# ratio metric sum(y)/sum(d): delta method, z test
rat <- function(g) {
  yy <- y[arm == g]; dd <- d[arm == g]; nn <- length(yy)
  R <- sum(yy) / sum(dd); db <- mean(dd)
  lin <- (yy - R * dd) / db
  list(R = R, v = var(lin) / nn, lin = lin)
}
rA <- rat("A"); rB <- rat("B")
se <- sqrt(rA$v + rB$v); est <- rB$R - rA$R
put("ratio.estimate", est); put("ratio.std_error", se)
put("ratio.statistic", est / se); put("ratio.p_value", 2 * pnorm(-abs(est / se)))
put("ratio.conf_low", est - z * se); put("ratio.conf_high", est + z * se)
put("ratio.lift", rB$R / rA$R - 1)
put("ratio.lift_se", sqrt(rB$v / rA$R^2 + rB$R^2 * rA$v / rA$R^4))
# ratio CUPED: regress the pooled linearization on x1
linAB <- numeric(sum(n)); linAB[arm == "A"] <- rA$lin; linAB[arm == "B"] <- rB$lin
thr <- cov(linAB[AB], x1[AB]) / var(x1[AB])
adjlin <- linAB - thr * x1
RA <- rA$R - thr * (mean(x1[arm == "A"]) - mean(x1[AB]))
RB <- rB$R - thr * (mean(x1[arm == "B"]) - mean(x1[AB]))
se <- sqrt(var(adjlin[arm == "A"]) / sum(arm == "A") +
           var(adjlin[arm == "B"]) / sum(arm == "B"))
put("ratio_cuped.theta", thr); put("ratio_cuped.estimate", RB - RA)
put("ratio_cuped.std_error", se)
put("ratio_cuped.p_value", 2 * pnorm(-abs((RB - RA) / se)))

## ---- SRM ---------------------------------------------------------------------
cnt <- c(5023, 4891, 5102); al <- c(0.34, 0.33, 0.33)
s <- chisq.test(cnt, p = al)
put("srm.statistic", s$statistic); put("srm.p_value", s$p.value)
s <- chisq.test(as.numeric(n), p = rep(0.25, 4))
put("srm4.statistic", s$statistic); put("srm4.p_value", s$p.value)

## ---- p.adjust ----------------------------------------------------------------
pv <- c(0.01, 0.04, 0.03, 0.04, 0.2, 0.0001, 0.5, 0.03, 0.9, 0.012)
for (mth in c("bonferroni", "holm", "BH", "BY")) {
  pa <- p.adjust(pv, mth)
  for (i in seq_along(pa)) put(sprintf("padj.%s.%d", mth, i - 1), pa[i])
}

## ---- Dunnett -------------------------------------------------------------------
# Classical (Student, pooled variance) Dunnett for A (control) vs B, C, D.
g <- factor(arm, levels = c("A", "B", "C", "D"))
fit <- aov(y ~ g)
gl <- glht(fit, linfct = mcp(g = "Dunnett"))
set.seed(1)
sm <- summary(gl)
ci <- confint(gl)
put("dunnett.mc_critical", attr(ci$confint, "calpha"))
for (i in 1:3) put(sprintf("dunnett.mc_p.%d", i), sm$test$pvalues[i])
# high-precision value by the one-dimensional representation, integrate()
lam <- sqrt(n[2:4] / (n[2:4] + n[1])); nu <- sum(n) - 4
pnormal <- function(cc) integrate(function(zz) sapply(zz, function(z0)
  dnorm(z0) * prod(pnorm((cc - lam * z0) / sqrt(1 - lam^2)) -
                     pnorm((-cc - lam * z0) / sqrt(1 - lam^2)))),
  -Inf, Inf, rel.tol = 1e-13, abs.tol = 0)$value
pt_ <- function(cc) integrate(function(ss) sapply(ss, function(s0)
  dchisq(nu * s0^2, nu) * 2 * nu * s0 * pnormal(cc * s0)), 0, Inf,
  rel.tol = 1e-12, abs.tol = 0)$value
cr <- uniroot(function(cc) pt_(cc) - 0.95, c(1.5, 4), tol = 1e-13)$root
put("dunnett.critical", cr)
put("dunnett.df", nu)
sp2 <- sum(tapply(y, g, function(v) sum((v - mean(v))^2))) / nu
mm <- tapply(y, g, mean)
for (i in 1:3) {
  se <- sqrt(sp2 * (1 / n[i + 1] + 1 / n[1]))
  tt <- (mm[i + 1] - mm[1]) / se
  put(sprintf("dunnett.statistic.%d", i), tt)
  put(sprintf("dunnett.p_adj.%d", i), 1 - pt_(abs(tt)))
  put(sprintf("dunnett.conf_low.%d", i), mm[i + 1] - mm[1] - cr * se)
}
put("dunnett.prob_at_2", pt_(2))
put("dunnett.normal_prob_at_2", pnormal(2))
writeLines(out, "data/abtest_reference.txt")
