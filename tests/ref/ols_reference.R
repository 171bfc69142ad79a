# Reference values for tests/regress_test.c (OLS/WLS and sandwich
# covariances). Run from tests/: Rscript ref/ols_reference.R
# Writes data/ols_<name>.csv (the data, factors as strings) and
# data/ols_reference.csv with rows  case,quantity,term,value.
# Packages: stats::lm, sandwich (vcovHC, vcovCL), lmtest, estimatr
# (lm_robust incl. CR2 Bell-McCaffrey df), car (linearHypothesis), AER and
# MatchIt for the data. Factor levels are re-sorted in byte order so R's
# reference level and column order equal libcausal's defaults.
suppressPackageStartupMessages({
  library(sandwich); library(lmtest); library(estimatr); library(car)
  library(AER)
})
resort <- function(d) {
  for (v in names(d)) if (is.factor(d[[v]]) || is.character(d[[v]])) {
    x <- as.character(d[[v]])
    d[[v]] <- factor(x, levels = sort(unique(x), method = "radix"))
  }
  d
}
# libcausal names: factor f, level L -> "f[L]"
cz_names <- function(m) {
  nm <- names(coef(m)); mf <- model.frame(m)
  for (v in names(mf)) if (is.factor(mf[[v]]))
    for (l in levels(mf[[v]])) nm[nm == paste0(v, l)] <- paste0(v, "[", l, "]")
  nm
}
out <- list()
emit <- function(case, q, term, v) {
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = q, term = term,
                                         value = sprintf("%.17g", v))
}
table_rows <- function(case, names, est, se, df, level = 0.95) {
  t <- est / se
  p <- if (is.infinite(df[1])) 2 * pnorm(-abs(t)) else 2 * pt(-abs(t), df)
  qq <- if (is.infinite(df[1])) qnorm((1 + level) / 2) else qt((1 + level) / 2, df)
  for (j in seq_along(est)) {
    emit(case, "estimate", names[j], est[j]); emit(case, "std_error", names[j], se[j])
    emit(case, "statistic", names[j], t[j]); emit(case, "p_value", names[j], p[j])
    emit(case, "conf_low", names[j], est[j] - qq[min(j, length(qq))] * se[j])
    emit(case, "conf_high", names[j], est[j] + qq[min(j, length(qq))] * se[j])
  }
}
# Wald F of all non-intercept coefficients with vcov V (estimatr/Stata style)
wald_f <- function(b, V, df, case) {
  s <- names(b) != "(Intercept)"
  W <- tryCatch(drop(t(b[s]) %*% solve(V[s, s], b[s])), error = function(e) NA)
  if (is.na(W)) return(invisible())  # singular (e.g. fewer clusters than slopes)
  q <- sum(s)
  emit(case, "f_statistic", "", W / q)
  emit(case, "f_p_value", "", if (is.infinite(df)) pchisq(W, q, lower.tail = FALSE)
                               else pf(W / q, q, df, lower.tail = FALSE))
}
fit_stats <- function(case, m) {
  s <- summary(m)
  emit(case, "r_squared", "", s$r.squared); emit(case, "adj_r_squared", "", s$adj.r.squared)
  emit(case, "sigma", "", s$sigma); emit(case, "loglik", "", as.numeric(logLik(m)))
  emit(case, "aic", "", AIC(m)); emit(case, "bic", "", BIC(m))
  emit(case, "rss", "", sum(weighted.residuals(m)^2))
  emit(case, "df_residual", "", m$df.residual)
}
vc_case <- function(case, m, V, df) {
  nm <- cz_names(m); b <- coef(m)
  table_rows(case, nm, b, sqrt(diag(V)), df)
  emit(case, "df", "", df[1])
  wald_f(setNames(b, names(b)), V, df[1], case)
  fit_stats(case, m)
}

## ---- CPS1985 (AER): log wage, clusters occupation (6) and sector (3)
data("CPS1985", package = "AER")
cps <- resort(CPS1985)
cps$lwage <- log(cps$wage)
cps$occupation <- as.character(cps$occupation); cps$sector <- as.character(cps$sector)
write.csv(cps[, c("lwage", "education", "experience", "age", "gender", "union",
                  "ethnicity", "married", "occupation", "sector", "region")],
          "data/ols_cps.csv", row.names = FALSE, quote = FALSE)
cps <- resort(cps)
f_cps <- lwage ~ education + experience + gender + union + ethnicity + married
m <- lm(f_cps, data = cps); n <- nobs(m); k <- length(coef(m))
vc_case("cps_classical", m, vcov(m), m$df.residual)
emit("cps_classical", "f_statistic_lm", "", summary(m)$fstatistic[1])
for (ty in c("HC0", "HC1", "HC2", "HC3"))
  vc_case(paste0("cps_", ty), m, vcovHC(m, type = ty), m$df.residual)
G <- length(unique(cps$occupation))
# CR0: estimatr CR0 (no factor), df G - 1
r0 <- lm_robust(f_cps, data = cps, clusters = occupation, se_type = "CR0")
vc_case("cps_CR0", m, vcovCL(m, cluster = ~occupation, type = "HC0", cadjust = FALSE), G - 1)
emit("cps_CR0", "estimatr_se", "education", r0$std.error["education"])
# CR1: sandwich vcovCL HC1 == estimatr "stata"; df G - 1
rs <- lm_robust(f_cps, data = cps, clusters = occupation, se_type = "stata")
V1 <- vcovCL(m, cluster = ~occupation, type = "HC1")
vc_case("cps_CR1", m, V1, G - 1)
emit("cps_CR1", "estimatr_se", "education", rs$std.error["education"])
emit("cps_CR1", "estimatr_p", "education", rs$p.value["education"])
# CR2 with Bell-McCaffrey df: estimatr
r2 <- lm_robust(f_cps, data = cps, clusters = occupation, se_type = "CR2")
table_rows("cps_CR2", cz_names(m), coef(r2), r2$std.error, r2$df)
for (j in seq_along(r2$df)) emit("cps_CR2", "df_bm", cz_names(m)[j], r2$df[j])
# two-way occupation x sector
V2 <- vcovCL(m, cluster = ~occupation + sector, type = "HC1", fix = TRUE)  # per-term G/(G-1)
G2 <- c(length(unique(cps$occupation)), length(unique(cps$sector)))
vc_case("cps_2way_R", m, V2, min(G2) - 1)
comp <- function(cl) vcovCL(m, cluster = cl, type = "HC0", cadjust = FALSE)
cps$occsec <- interaction(cps$occupation, cps$sector, drop = TRUE)
V0 <- comp(~occupation) + comp(~sector) - comp(~occsec)
psd <- function(V) {  # eigenvalue clipping (Cameron, Gelbach and Miller 2011)
  ev <- eigen(V, symmetric = TRUE)
  if (any(ev$values < 0)) {
    W <- ev$vectors %*% diag(pmax(ev$values, 0)) %*% t(ev$vectors)
    dimnames(W) <- dimnames(V); V <- W
  }
  V
}
vc_case("cps_2way_CR0", m, psd(V0), min(G2) - 1)
Vst <- psd(min(G2) / (min(G2) - 1) * (n - 1) / (n - k) * V0)   # Stata/fixest rule
vc_case("cps_2way_stata", m, Vst, min(G2) - 1)
# fixest HC1 rule: HC0 * (n - 1) / (n - K)
vc_case("cps_HC1_fixest", m, vcovHC(m, type = "HC0") * (n - 1) / (n - k), m$df.residual)
# Wald: car::linearHypothesis with HC1
lh <- c("education = 0.05", "experience = 0")
for (tt in c("F", "Chisq")) {
  h <- linearHypothesis(m, lh, vcov. = vcovHC(m, type = "HC1"), test = tt)
  emit("cps_wald", paste0("stat_", tt), "", h[2, if (tt == "F") "F" else "Chisq"])
  emit("cps_wald", paste0("p_", tt), "", h[2, if (tt == "F") "Pr(>F)" else "Pr(>Chisq)"])
}

## ---- CigarettesSW (AER): WLS with population weights, cluster state (48)
data("CigarettesSW", package = "AER")
cig <- CigarettesSW
cig$lpacks <- log(cig$packs); cig$lrprice <- log(cig$price / cig$cpi)
cig$lrincome <- log(cig$income / cig$population / cig$cpi)
cig$state <- as.character(cig$state); cig$year <- as.character(cig$year)
write.csv(cig[, c("lpacks", "lrprice", "lrincome", "year", "state", "population")],
          "data/ols_cig.csv", row.names = FALSE, quote = FALSE)
cig <- resort(cig)
f_cig <- lpacks ~ lrprice + lrincome + year
m <- lm(f_cig, data = cig, weights = population)
G <- length(unique(cig$state))
vc_case("cig_wls", m, vcov(m), m$df.residual)
vc_case("cig_HC1", m, vcovHC(m, type = "HC1"), m$df.residual)
vc_case("cig_HC2", m, vcovHC(m, type = "HC2"), m$df.residual)
vc_case("cig_CR1", m, vcovCL(m, cluster = ~state, type = "HC1"), G - 1)
# Weighted CR2: libcausal treats weights as inverse variances (the working
# model of WLS), which is clubSandwich's inverse_var = TRUE; estimatr uses an
# identity working model instead (its SEs are recorded, not compared).
suppressPackageStartupMessages(library(clubSandwich))
vc2 <- vcovCR(m, cluster = cig$state, type = "CR2", inverse_var = TRUE)
ct <- coef_test(m, vcov = vc2, test = "Satterthwaite")
table_rows("cig_CR2", cz_names(m), coef(m), sqrt(diag(vc2)), ct$df)
for (j in seq_along(ct$df)) emit("cig_CR2", "df_bm", cz_names(m)[j], ct$df[j])
r2 <- lm_robust(f_cig, data = cig, weights = population, clusters = state, se_type = "CR2")
emit("cig_CR2", "estimatr_se", "lrprice", r2$std.error["lrprice"])

## ---- lalonde (MatchIt): HC types, estimatr cross-check
lal <- read.csv("../data/lalonde.csv")
if (!is.null(lal$X)) lal$X <- NULL
write.csv(lal, "data/ols_lalonde.csv", row.names = FALSE, quote = FALSE)
lal <- resort(lal)
f_lal <- re78 ~ treat + age + educ + race + married + nodegree + re74 + re75
m <- lm(f_lal, data = lal)
for (ty in c("HC0", "HC1", "HC2", "HC3")) {
  vc_case(paste0("lalonde_", ty), m, vcovHC(m, type = ty), m$df.residual)
  e <- lm_robust(f_lal, data = lal, se_type = ty)
  emit(paste0("lalonde_", ty), "estimatr_se", "treat", e$std.error["treat"])
}

res <- do.call(rbind, out)
write.csv(res, "data/ols_reference.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "reference values\n")
