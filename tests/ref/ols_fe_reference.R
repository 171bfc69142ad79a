# Reference values for the absorbed-fixed-effects OLS and IV tests in
# tests/regress_test.c and tests/iv_test.c: the same models with the fixed
# effects as dummies (lm, AER::ivreg), so the slopes, their classical, HC1
# and cluster-robust (CR1) standard errors and the fit statistics are the
# ones libcausal must reproduce after absorbing the factors.
# Run from tests/:  Rscript ref/ols_fe_reference.R
# Writes data/ols_fe_grunfeld.csv, data/ols_fe_fatalities.csv,
# data/ols_fe_cigs.csv and data/ols_fe_reference.csv (case,quantity,term,value).
#
# Singletons: libcausal (as reghdfe and fixest with fixef.rm = "singleton")
# removes observations that are alone in a fixed-effect level, iteratively.
# They leave the slopes unchanged but change n, so the references are
# computed on the data without them (the removal is done here by hand).
# Conventions (docs/methods/ols.md):
#   SSC_R:      sandwich vcovHC(type = "HC1"), vcovCL(type = "HC1") on the
#               dummy regression: K = rank including every dummy.
#   SSC_FIXEST: CR0 (vcovCL type HC0, cadjust = FALSE) times
#               G/(G-1) (n-1)/(n-K'), K' = slopes + max(1, dof_fe - sum of
#               (levels - 1) over factors nested in the clusters) (?fixest::ssc,
#               fixef.K = "nested"; fixest itself is not installable here).
suppressPackageStartupMessages({
  library(plm); library(AER); library(sandwich)
})
data("Grunfeld", package = "plm")
data("Fatalities", package = "AER")
data("CigarettesSW", package = "AER")
out <- "data/ols_fe_reference.csv"
rows <- list()
add <- function(cs, q, term, v)
  rows[[length(rows) + 1]] <<- data.frame(case = cs, quantity = q, term = term,
                                          value = sprintf("%.17g", v))
drop_singletons <- function(d, fes) {
  repeat {
    keep <- rep(TRUE, nrow(d))
    for (f in fes) keep <- keep & ave(rep(1, nrow(d)), d[[f]], FUN = sum) > 1
    if (all(keep)) return(d)
    d <- d[keep, ]
  }
}
emit <- function(cs, fit, V, slopes, df) {
  b <- coef(fit)[slopes]; se <- sqrt(diag(V)[slopes])
  for (j in seq_along(slopes)) {
    add(cs, "estimate", slopes[j], b[j]); add(cs, "std_error", slopes[j], se[j])
  }
  add(cs, "df", "", df)
}
fe_ols <- function(name, d, fml, slopes, fes, cl, nsing = 0) {
  n <- nrow(d); fit <- lm(fml, data = d); K <- fit$rank
  rss <- sum(residuals(fit)^2)
  emit(paste0(name, "_classical"), fit, vcov(fit), slopes, n - K)
  for (q in c("rss", "sigma", "df_residual", "r_squared", "adj_r_squared",
              "loglik", "aic", "bic")) {
    v <- switch(q, rss = rss, sigma = summary(fit)$sigma, df_residual = n - K,
                r_squared = summary(fit)$r.squared,
                adj_r_squared = summary(fit)$adj.r.squared,
                loglik = as.numeric(logLik(fit)), aic = AIC(fit), bic = BIC(fit))
    add(paste0(name, "_classical"), q, "", v)
  }
  emit(paste0(name, "_HC1"), fit, vcovHC(fit, type = "HC1"), slopes, n - K)
  G <- length(unique(d[[cl]]))
  emit(paste0(name, "_CR1"), fit,
       vcovCL(fit, cluster = d[[cl]], type = "HC1"), slopes, G - 1)
  # fixest rule: fixed effects nested in the clusters do not count in K
  V0 <- vcovCL(fit, cluster = d[[cl]], type = "HC0", cadjust = FALSE)
  p <- length(slopes); dof_fe <- K - p
  nested <- 0
  for (f in fes) {
    lev <- unique(d[[f]])
    is_nested <- all(tapply(d[[cl]], d[[f]], function(x) length(unique(x))) == 1)
    if (is_nested) nested <- nested + length(lev) - 1
  }
  Kf <- p + max(1, dof_fe - nested)
  emit(paste0(name, "_CR1_fixest"), fit, V0 * G / (G - 1) * (n - 1) / (n - Kf),
       slopes, G - 1)
  add(paste0(name, "_classical"), "nobs", "", n)
  add(paste0(name, "_classical"), "n_singletons", "", nsing)
}

## Grunfeld (plm): 10 firms x 20 years; unbalanced with singletons: firm 3
## kept only in 1935, year 1954 kept only for firm 5, 1950 removed for
## firms 1-2.
g <- Grunfeld
g <- g[!(g$firm == 3 & g$year != 1935), ]
g <- g[!(g$year == 1954 & g$firm != 5), ]
g <- g[!(g$year == 1950 & g$firm <= 2), ]
g$firm_s <- sprintf("f%02d", g$firm)
write.csv(g[, c("firm_s", "firm", "year", "inv", "value", "capital")],
          "data/ols_fe_grunfeld.csv", row.names = FALSE)
g1 <- drop_singletons(g, "firm")
fe_ols("gr_fe1", g1, inv ~ value + capital + factor(firm),
       c("value", "capital"), "firm", "firm", nrow(g) - nrow(g1))
g2 <- drop_singletons(g, c("firm", "year"))
stopifnot(nrow(g) - nrow(g2) == 2)
fe_ols("gr_fe2", g2, inv ~ value + capital + factor(firm) + factor(year),
       c("value", "capital"), c("firm", "year"), "firm", nrow(g) - nrow(g2))

## Fatalities (AER): 48 states x 7 years, traffic fatality rate on the beer
## tax and controls, state and year effects, clustered by state.
f <- Fatalities
f$frate <- f$fatal / f$pop * 10000
f$drinkage <- as.numeric(f$drinkage)
f <- f[, c("state", "year", "frate", "beertax", "drinkage", "unemp", "income")]
f$year <- as.integer(as.character(f$year))
write.csv(f, "data/ols_fe_fatalities.csv", row.names = FALSE)
fe_ols("fat_fe2", f,
       frate ~ beertax + drinkage + unemp + income + factor(state) + factor(year),
       c("beertax", "drinkage", "unemp", "income"), c("state", "year"), "state")

## IV with absorbed state and year effects (CigarettesSW, 48 states x 1985,
## 1995): log packs on log real price, instrumented by the real sales tax
## and the real cigarette-specific tax; log real income exogenous.
c <- CigarettesSW
c$lpacks <- log(c$packs)
c$lrprice <- log(c$price / c$cpi)
c$lrincome <- log(c$income / c$population / c$cpi)
c$tdiff <- (c$taxs - c$tax) / c$cpi
c$rtax <- c$tax / c$cpi
c$year <- as.integer(as.character(c$year))
c <- c[, c("state", "year", "lpacks", "lrprice", "lrincome", "tdiff", "rtax")]
write.csv(c, "data/ols_fe_cigs.csv", row.names = FALSE)
iv <- ivreg(lpacks ~ lrprice + lrincome + factor(state) + factor(year) |
              tdiff + rtax + lrincome + factor(state) + factor(year), data = c)
n <- nrow(c); K <- length(coef(iv)) # ivreg drops nothing here
stopifnot(!anyNA(coef(iv)))
sl <- c("lrprice", "lrincome")
emit("cig_iv_classical", iv, vcov(iv), sl, n - K)
add("cig_iv_classical", "rss", "", sum(residuals(iv)^2))
add("cig_iv_classical", "sigma", "", summary(iv)$sigma)
add("cig_iv_classical", "df_residual", "", n - K)
emit("cig_iv_HC1", iv, vcovHC(iv, type = "HC1"), sl, n - K)
G <- length(unique(c$state))
emit("cig_iv_CR1", iv, vcovCL(iv, cluster = c$state, type = "HC1"), sl, G - 1)

write.csv(do.call(rbind, rows), out, row.names = FALSE, quote = FALSE)
