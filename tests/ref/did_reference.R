#!/usr/bin/env Rscript
# Reference values for tests/did_test.c (libcausal difference-in-differences
# and Breusch-Pagan). Run from tests/:  Rscript ref/did_reference.R
# Writes data/did_fatalities.csv (the panel) and data/did_reference.csv
# (name,value with 17 significant digits).
#
# Data: AER's Fatalities (48 US states, 1982-1988). Outcome: traffic
# fatality rate per 10,000 (fatal / pop * 1e4). Treatment: the state's
# mandatory jail sentence law (jail == "yes"), a real staggered policy.
# Rule: cohort = first year with jail == "yes"; 0 = never (jail "no" in
# every year with data; California's 1988 NA counts as no). Ohio is dropped
# (its law is repealed in 1987, so it has no first-treated period).
# Cohorts: 1982 (always treated, 9 states), 1983 (nv, sc, ut), 1984 (or),
# 1985 (ct); 32 never-treated states.
# Estimators: lm with factor dummies; cluster-robust vcov by
# sandwich::vcovCL(type = "HC1") (= estimatr CR1 "stata"), t(G - 1)
# reference; pre-trend Wald by car::linearHypothesis; Breusch-Pagan by
# lmtest::bptest.
suppressPackageStartupMessages({
  library(AER); library(sandwich); library(lmtest); library(car)
})
data("Fatalities", package = "AER")
f <- Fatalities
f <- f[f$state != "oh", ]
f$state <- droplevels(f$state)
f$year <- as.integer(as.character(f$year))
f$frate <- f$fatal / f$pop * 1e4
f$popm <- f$pop / 1e6
f$jail01 <- ifelse(is.na(f$jail), NA, as.integer(f$jail == "yes"))
coh <- tapply(seq_len(nrow(f)), f$state, function(ix) {
  j <- f$jail01[ix]; y <- f$year[ix]
  if (any(j == 1, na.rm = TRUE)) min(y[which(j == 1)]) else 0L
})
f$cohort <- as.integer(coh[as.character(f$state)])
stopifnot(all(with(f, is.na(jail01) | jail01 == as.integer(cohort > 0 & year >= cohort))))
f$D <- as.integer(f$cohort > 0 & f$year >= f$cohort)
f$sid <- as.integer(f$state)
# explicit 2x2: states adopting in 1983-1985 vs never treated, post = 1985+
f$grp <- ifelse(f$cohort == 0, 0L, ifelse(f$cohort >= 1983, 1L, NA))
f$post <- as.integer(f$year >= 1985)
out <- f[, c("state", "sid", "year", "frate", "unemp", "beertax", "income",
             "popm", "jail01", "cohort", "D", "grp", "post")]
write.csv(out, "data/did_fatalities.csv", row.names = FALSE, na = "NA")
f <- read.csv("data/did_fatalities.csv")  # exactly what the C test reads
f$state <- factor(f$state)

vals <- list()
put <- function(name, x) vals[[name]] <<- unname(x)
G <- nlevels(f$state)
cl <- function(m) vcovCL(m, cluster = ~state, type = "HC1")
put_coef <- function(prefix, m, V, term, df) {
  b <- coef(m)[term]; se <- sqrt(V[term, term])
  put(paste0(prefix, ".est"), b); put(paste0(prefix, ".se"), se)
  put(paste0(prefix, ".p"), 2 * pt(-abs(b / se), df))
}

# 1. TWFE, clustered by state
m <- lm(frate ~ D + factor(state) + factor(year), data = f)
put_coef("twfe", m, cl(m), "D", G - 1)
put("twfe.nobs", nobs(m))
# 2. TWFE with covariates, HC1 (no clustering)
m <- lm(frate ~ D + beertax + unemp + factor(state) + factor(year), data = f)
V <- vcovHC(m, type = "HC1")
for (t in c("D", "beertax", "unemp")) put_coef(paste0("twfe_cov.", t), m, V, t, df.residual(m))
# 3. weighted TWFE (population weights), clustered
m <- lm(frate ~ D + factor(state) + factor(year), data = f, weights = popm)
put_coef("twfe_w", m, cl(m), "D", G - 1)
# 4. TWFE from the jail column (California 1988 missing)
m <- lm(frate ~ jail01 + factor(state) + factor(year), data = f)
put_coef("twfe_jail", m, cl(m), "jail01", G - 1)
put("twfe_jail.nobs", nobs(m))
# 5. unbalanced panel: drop rows with (3 sid + year) %% 7 == 0
fu <- f[(3 * f$sid + f$year) %% 7 != 0, ]
m <- lm(frate ~ D + factor(state) + factor(year), data = fu)
put_coef("twfe_unbal", m, cl(m), "D", G - 1)
put("twfe_unbal.nobs", nobs(m))

# Event studies
event <- function(dat, lo, hi, ref, mode = "bin", trends = FALSE) {
  r <- ifelse(dat$cohort > 0, dat$year - dat$cohort, NA)
  if (mode == "bin") r <- pmin(pmax(r, lo), hi)
  else dat <- dat[is.na(r) | (r >= lo & r <= hi), ]
  if (mode != "bin") r <- r[is.na(r) | (r >= lo & r <= hi)]
  rts <- setdiff(sort(unique(r[!is.na(r)])), ref)
  nm <- character(0)
  for (k in rts) {
    v <- paste0("rel", ifelse(k < 0, paste0("m", -k), k))
    dat[[v]] <- as.integer(!is.na(r) & r == k); nm <- c(nm, v)
  }
  fml <- paste("frate ~", paste(nm, collapse = " + "),
               "+ factor(state) + factor(year)",
               if (trends) "+ factor(state):year" else "")
  m <- lm(as.formula(fml), data = dat)
  V <- cl(m)
  list(m = m, V = V, nm = nm, rts = rts)
}
put_event <- function(prefix, e) {
  df <- G - 1
  for (i in seq_along(e$rts)) put_coef(sprintf("%s.r%d", prefix, e$rts[i]), e$m, e$V, e$nm[i], df)
  leads <- e$nm[e$rts < 0]
  if (length(leads)) {
    b <- coef(e$m)[leads]
    W <- drop(t(b) %*% solve(e$V[leads, leads], b)); q <- length(leads)
    if (!any(is.na(coef(e$m)))) {  # cross-check with car
      lh <- linearHypothesis(e$m, paste(leads, "= 0"), vcov. = e$V, test = "Chisq")
      stopifnot(abs(lh$Chisq[2] - W) <= 1e-10 * W)
    }
    put(paste0(prefix, ".pre_W"), W); put(paste0(prefix, ".pre_df1"), q)
    put(paste0(prefix, ".pre_p"), pf(W / q, q, df, lower.tail = FALSE))
  }
  post <- e$nm[e$rts >= 0]
  a <- setNames(rep(1 / length(post), length(post)), post)
  est <- sum(a * coef(e$m)[post]); se <- sqrt(drop(t(a) %*% e$V[post, post] %*% a))
  put(paste0(prefix, ".avg.est"), est); put(paste0(prefix, ".avg.se"), se)
  put(paste0(prefix, ".avg.p"), 2 * pt(-abs(est / se), df))
  put(paste0(prefix, ".nobs"), nobs(e$m))
}
put_event("es", event(f, -3, 6, -1))
put_event("es_bin", event(f, -2, 3, -1))
put_event("es_drop", event(f, -2, 3, -1, mode = "drop"))
put_event("es_ref2", event(f, -3, 6, -2))
put_event("es_trend", event(f, -2, 3, -1, trends = TRUE))

# Unit-specific linear trends (TWFE): clustered, HC1, classical
m <- lm(frate ~ D + factor(state) + factor(year) + factor(state):year, data = f)
put_coef("trend", m, cl(m), "D", G - 1)
put_coef("trend_hc1", m, vcovHC(m, type = "HC1"), "D", df.residual(m))
put_coef("trend_cl", m, vcov(m), "D", df.residual(m))
m <- lm(frate ~ D + unemp + factor(state) + factor(year) + factor(state):year,
        data = f, weights = popm)
put_coef("trend_w", m, cl(m), "D", G - 1)
put_coef("trend_w.unemp", m, cl(m), "unemp", G - 1)

# Placebo treatment date: one year early, pre-treatment rows only
fp <- f[f$cohort == 0 | f$year < f$cohort, ]
# states observed once (the 1983 cohort has only 1982 left) are singletons:
# libcausal drops them as fixest/reghdfe do (same coefficients, different
# n and G in the small-sample factors), so the reference drops them too
fp <- fp[fp$state %in% names(which(table(fp$state) > 1)), ]
fp$state <- droplevels(fp$state)  # vcovCL counts empty factor levels as clusters
fp$Dp <- as.integer(fp$cohort > 0 & fp$year >= fp$cohort - 1)
m <- lm(frate ~ Dp + factor(state) + factor(year), data = fp)
Gp <- length(unique(fp$state))
put_coef("placebo", m, vcovCL(m, cluster = ~state, type = "HC1"), "Dp", Gp - 1)
put("placebo.nobs", nobs(m))
# Placebo outcome: unemployment rate
m <- lm(unemp ~ D + factor(state) + factor(year), data = f)
put_coef("placebo_y", m, cl(m), "D", G - 1)

# 2x2, explicit group/post columns (cohort-1982 states have grp NA)
f2 <- f[!is.na(f$grp), ]
f2$state <- droplevels(f2$state)
m <- lm(frate ~ grp * post, data = f2)
V <- vcovCL(m, cluster = ~state, type = "HC1")
put_coef("dd", m, V, "grp:post", length(unique(f2$state)) - 1)
mu <- with(f2, tapply(frate, list(grp, post), mean))
put("dd.m00", mu["0", "0"]); put("dd.m01", mu["0", "1"])
put("dd.m10", mu["1", "0"]); put("dd.m11", mu["1", "1"])
# 2x2 derived from cohorts: never treated + the 1983 cohort
f3 <- f[f$cohort %in% c(0, 1983), ]
f3$state <- droplevels(f3$state)
f3$g <- as.integer(f3$cohort > 0); f3$p <- as.integer(f3$year >= 1983)
m <- lm(frate ~ g * p, data = f3)
put_coef("dd3", m, vcovCL(m, cluster = ~state, type = "HC1"), "g:p",
         length(unique(f3$state)) - 1)

# Breusch-Pagan
m <- lm(frate ~ beertax + unemp + income, data = f)
put("bp.k", bptest(m)$statistic); put("bp.k.p", bptest(m)$p.value)
put("bp.o", bptest(m, studentize = FALSE)$statistic)
put("bp.o.p", bptest(m, studentize = FALSE)$p.value)
put("bp.z", bptest(m, varformula = ~ beertax + income, data = f)$statistic)
mw <- lm(frate ~ beertax + unemp + income, data = f, weights = popm)
put("bp.wk", bptest(mw)$statistic)
put("bp.wo", bptest(mw, studentize = FALSE)$statistic)

v <- unlist(vals)
write.csv(data.frame(name = names(v), value = sprintf("%.17g", v)),
          "data/did_reference.csv", row.names = FALSE, quote = FALSE)
cat(length(v), "reference values\n")
