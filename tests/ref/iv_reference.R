# Reference values for tests/iv_test.c (instrumental variables: 2SLS, LIML,
# Fuller, robust/cluster covariances and IV diagnostics).
#
# Run from the repository root:  Rscript tests/ref/iv_reference.R
# Writes tests/data/iv_cig.csv, iv_cig2.csv, iv_mroz.csv (data) and
# tests/data/iv_reference.csv (case,quantity,value with 17 digits).
#
# Independent references used:
#   AER::ivreg (+ summary(diagnostics = TRUE)), sandwich::vcovHC/vcovCL,
#   estimatr::iv_robust (se_type HC0..HC3, CR0, stata, CR2, diagnostics),
#   and direct matrix implementations written here from the published
#   formulas: the k-class estimator (LIML, Fuller), the Cragg-Donald
#   statistic, the Kleibergen-Paap (2006) rk Wald statistic as used by
#   ranktest/ivreg2, Hansen's J from two-step efficient GMM, the Durbin and
#   Wu-Hausman statistics in the projection form of Stata's manual, and the
#   Anderson-Rubin test with its confidence set found by root finding.
suppressPackageStartupMessages({
  library(AER)
  library(sandwich)
  library(estimatr)
})

out <- list()
emit <- function(case, name, value) {
  stopifnot(length(value) == 1)
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = name,
                                        value = sprintf("%.17g", value))
}
emitv <- function(case, prefix, v) {
  for (nm in names(v)) emit(case, paste0(prefix, nm), v[[nm]])
}

## ---------------------------------------------------------------- data ----
data("CigarettesSW", package = "AER")
cig <- CigarettesSW
cig$lpacks <- log(cig$packs)
cig$lrprice <- log(cig$price / cig$cpi)
cig$lrincome <- log(cig$income / cig$population / cig$cpi)
cig$tdiff <- (cig$taxs - cig$tax) / cig$cpi
cig$taxcpi <- cig$tax / cig$cpi
cig$y95 <- as.numeric(cig$year == "1995")
cig$stateid <- as.integer(cig$state)
cig$pop <- cig$population / 1e6
cols <- c("stateid", "y95", "lpacks", "lrprice", "lrincome", "tdiff",
          "taxcpi", "pop")
cig95 <- cig[cig$year == "1995", cols]
cig2 <- cig[, cols]
rownames(cig95) <- NULL
rownames(cig2) <- NULL
write.csv(cig95, "tests/data/iv_cig.csv", row.names = FALSE, quote = FALSE)
write.csv(cig2, "tests/data/iv_cig2.csv", row.names = FALSE, quote = FALSE)

data("PSID1976", package = "AER")
m <- PSID1976[PSID1976$participation == "yes", ]
mroz <- data.frame(lwage = log(m$wage), educ = m$education,
                   exper = m$experience, city = as.numeric(m$city == "yes"),
                   age = m$age, kidslt6 = m$youngkids, meduc = m$meducation,
                   feduc = m$feducation, heduc = m$heducation,
                   unemp = m$unemp)
write.csv(mroz, "tests/data/iv_mroz.csv", row.names = FALSE, quote = FALSE)

## ------------------------------------------------- direct formulas ----
proj_resid <- function(A, B) {
  # residuals of the columns of A on B (QR, as lm)
  if (is.null(B) || ncol(B) == 0) return(A)
  qr.resid(qr(B), A)
}

# k-class: beta = (X'(I - k Mz)X)^{-1} X'(I - k Mz) y, written with
# explicit projection matrices (independent of the C code's QR route).
kclass <- function(y, X, Z, kappa) {
  n <- length(y)
  Pz <- Z %*% solve(crossprod(Z)) %*% t(Z)
  Mz <- diag(n) - Pz
  A <- t(X) %*% (diag(n) - kappa * Mz)
  drop(solve(A %*% X, A %*% y))
}
liml_kappa <- function(y, X1, X2, Z) {
  W <- cbind(y, X2)
  W1 <- proj_resid(W, X1)
  Wz <- proj_resid(W, Z)
  ev <- eigen(solve(crossprod(Wz), crossprod(W1)), only.values = TRUE)$values
  min(Re(ev))
}

sqrtm <- function(A) {
  e <- eigen((A + t(A)) / 2, symmetric = TRUE)
  e$vectors %*% diag(sqrt(pmax(e$values, 0)), nrow(A)) %*% t(e$vectors)
}

# Kleibergen-Paap rk Wald statistic for H0: rank(Pi) = K - 1, as defined
# in Kleibergen & Paap (2006, eqs. 12-21) with the standardisation of
# ranktest (F = chol(Z'Z), G = chol(X'X)^{-1}, both after partialling out
# the exogenous regressors), Wald form (first-stage residual covariance).
# meat: "iid", "hc" or a cluster id vector.
kp_rk <- function(X2, Z2, X1, meat) {
  Xt <- proj_resid(X2, X1)
  Zt <- proj_resid(Z2, X1)
  n <- nrow(Xt); K <- ncol(Xt); L <- ncol(Zt)
  Pi <- solve(crossprod(Zt), crossprod(Zt, Xt))
  Rz <- chol(crossprod(Zt))
  Ry <- chol(crossprod(Xt))
  Th <- Rz %*% Pi %*% solve(Ry)
  s <- svd(Th, nu = L, nv = K)
  U <- s$u; V <- s$v
  i <- K
  u22 <- U[i:L, i:L, drop = FALSE]
  v22 <- V[i:K, i:K, drop = FALSE]
  if (i > 1) {
    u12 <- U[1:(i - 1), i:L, drop = FALSE]
    v12 <- V[1:(i - 1), i:K, drop = FALSE]
    aq <- rbind(u12, u22) %*% solve(u22) %*% sqrtm(u22 %*% t(u22))
    bq <- sqrtm(v22 %*% t(v22)) %*% solve(t(v22)) %*% t(rbind(v12, v22))
  } else {
    aq <- u22 %*% solve(u22) %*% sqrtm(u22 %*% t(u22))
    bq <- sqrtm(v22 %*% t(v22)) %*% solve(t(v22)) %*% t(v22)
  }
  E <- Xt - Zt %*% Pi
  if (identical(meat, "iid")) {
    S <- kronecker(crossprod(E) / n, crossprod(Zt))
  } else {
    H <- matrix(0, n, K * L)
    for (r in 1:n) H[r, ] <- kronecker(E[r, ], Zt[r, ])
    if (identical(meat, "hc")) S <- crossprod(H)
    else if (is.list(meat)) S <- meat2(H, meat)
    else S <- crossprod(rowsum(H, meat))
  }
  Kr <- kronecker(t(solve(Ry)), t(solve(Rz)))
  Vh <- Kr %*% S %*% t(Kr)
  kb <- kronecker(bq, t(aq))
  lab <- kb %*% as.vector(Th)
  vlab <- kb %*% Vh %*% t(kb)
  drop(t(lab) %*% solve(vlab, lab))
}

cragg_donald_f <- function(X2, Z2, X1) {
  Xt <- proj_resid(X2, X1); Zt <- proj_resid(Z2, X1)
  n <- nrow(Xt); L <- ncol(X1) + ncol(Zt)
  Pxt <- qr.fitted(qr(Zt), Xt)
  E <- Xt - Pxt
  ev <- eigen(solve(crossprod(E), crossprod(Pxt)), only.values = TRUE)$values
  min(Re(ev)) * (n - L) / ncol(Zt)
}

# two-way cluster meat (Cameron, Gelbach & Miller 2011): S1 + S2 - S12
meat2 <- function(H, cl) {
  crossprod(rowsum(H, cl[[1]])) + crossprod(rowsum(H, cl[[2]])) -
    crossprod(rowsum(H, paste(cl[[1]], cl[[2]])))
}

hansen_j <- function(y, X, Z, u, cl = NULL) {
  H <- Z * u
  S <- if (is.null(cl)) crossprod(H) else if (is.list(cl)) meat2(H, cl)
       else crossprod(rowsum(H, cl))
  W <- solve(S)
  ZX <- crossprod(Z, X); Zy <- crossprod(Z, y)
  b <- solve(t(ZX) %*% W %*% ZX, t(ZX) %*% W %*% Zy)
  g <- crossprod(Z, y - X %*% b)
  drop(t(g) %*% W %*% g)
}

# Durbin and Wu-Hausman in the projection form (Stata manual / linearmodels):
# delta = e_e' P_[Z,X2] e_e - e_c' P_Z e_c.
durbin_wh <- function(y, X, X2, Z, ec) {
  n <- length(y); k <- ncol(X); ke <- ncol(X2)
  ee <- qr.resid(qr(X), y)
  P <- function(A, v) qr.fitted(qr(A), v)
  delta <- sum(ee * P(cbind(Z, X2), ee)) - sum(ec * P(Z, ec))
  c(durbin = delta / (sum(ee^2) / n),
    wu_hausman = (delta / ke) / ((sum(ee^2) - delta) / (n - k - ke)))
}

ar_f_fun <- function(y, X2, X1, Z2, b0) {
  y0 <- y - X2 %*% b0
  Z <- cbind(X1, Z2)
  u0 <- qr.resid(qr(X1), y0); u1 <- qr.resid(qr(Z), y0)
  ((sum(u0^2) - sum(u1^2)) / ncol(Z2)) / (sum(u1^2) / (length(y) - ncol(Z)))
}

robust_wald <- function(fit, idx, vc) {
  b <- coef(fit)[idx]
  drop(t(b) %*% solve(vc[idx, idx], b))
}

## ------------------------------------------------------------ case cig ----
# The classic: log(packs) ~ log(rprice) + log(rincome) |
#              log(rincome) + tdiff + I(tax/cpi), year 1995 (n = 48).
do_case <- function(case, d, f, endo, exog, inst, cl = NULL, hc = TRUE,
                    weights = NULL, liml = TRUE, cl2 = NULL) {
  n <- nrow(d)
  if (is.null(weights)) {
    fit <- ivreg(f, data = d)
  } else {
    d$.w <- d[[weights]]
    fit <- ivreg(f, data = d, weights = .w)
  }
  sw <- if (is.null(weights)) rep(1, n) else sqrt(d[[weights]])
  y <- d[[all.vars(f)[1]]] * sw
  X1 <- cbind(1, as.matrix(d[, exog, drop = FALSE])) * sw
  X2 <- as.matrix(d[, endo, drop = FALSE]) * sw
  Z2 <- as.matrix(d[, inst, drop = FALSE]) * sw
  X <- cbind(X1, X2); Z <- cbind(X1, Z2)
  colnames(X) <- c("(Intercept)", exog, endo)
  k <- ncol(X); L <- ncol(Z); ke <- ncol(X2); kz <- ncol(Z2)
  emitv(case, "coef_", coef(fit))
  s <- summary(fit, diagnostics = TRUE)
  emitv(case, "se_classical_", sqrt(diag(vcov(fit))))
  emit(case, "sigma", fit$sigma)
  emit(case, "r_squared", s$r.squared)
  emit(case, "adj_r_squared", s$adj.r.squared)
  emit(case, "f_statistic", s$waldtest[1])
  emit(case, "f_p_value", s$waldtest[2])
  dg <- s$diagnostics
  for (j in seq_len(ke)) {
    emit(case, paste0("weak_f_", endo[j]), dg[j, "statistic"])
    emit(case, paste0("weak_p_", endo[j]), dg[j, "p-value"])
  }
  emit(case, "wu_hausman", dg["Wu-Hausman", "statistic"])
  emit(case, "wu_hausman_p", dg["Wu-Hausman", "p-value"])
  if (kz > ke) {
    emit(case, "sargan", dg["Sargan", "statistic"])
    emit(case, "sargan_p", dg["Sargan", "p-value"])
  }
  u <- drop(y - X %*% coef(fit)[colnames(X)])
  dw <- durbin_wh(y, X, X2, Z, u)
  emit(case, "durbin_direct", dw[["durbin"]])
  emit(case, "wu_hausman_direct", dw[["wu_hausman"]])
  emit(case, "cragg_donald_f", cragg_donald_f(X2, Z2, X1))
  emit(case, "kp_iid_f", kp_rk(X2, Z2, X1, "iid") / n * (n - L) / kz)
  emit(case, "kp_hc", kp_rk(X2, Z2, X1, "hc"))
  emit(case, "kp_hc_f", kp_rk(X2, Z2, X1, "hc") / n * (n - L) / kz)
  if (kz > ke) emit(case, "hansen_j_hc", hansen_j(y, X, Z, u))
  # partial R^2 of each first stage
  Xt <- proj_resid(X2, X1); Zt <- proj_resid(Z2, X1)
  for (j in seq_len(ke)) {
    emit(case, paste0("partial_r2_", endo[j]),
         sum(qr.fitted(qr(Zt), Xt[, j])^2) / sum(Xt[, j]^2))
  }
  # Anderson-Rubin test of beta_endog = 0
  emit(case, "ar_f", ar_f_fun(y, X2, X1, Z2, rep(0, ke)))
  # sandwich on the ivreg fit (HC0, HC1 match estimatr; HC2/HC3 of AER use
  # the asymmetric leverage x_i'(Xhat'Xhat)^{-1} xhat_i)
  if (hc) {
    for (ty in c("HC0", "HC1", "HC2", "HC3")) {
      emitv(case, paste0("se_sandwich_", ty, "_"),
            sqrt(diag(vcovHC(fit, type = ty))))
    }
    vhc1 <- function(x) vcovHC(x, type = "HC1")
    sr <- summary(fit, vcov. = vhc1, diagnostics = TRUE)
    emit(case, "f_statistic_HC1", sr$waldtest[1])
    for (j in seq_len(ke))
      emit(case, paste0("weak_f_HC1_", endo[j]), sr$diagnostics[j, "statistic"])
    emit(case, "wu_hausman_HC1", sr$diagnostics["Wu-Hausman", "statistic"])
  }
  if (is.null(weights)) {
    dd <- d
    fe <- as.formula(paste(deparse(f), collapse = " "))
    types <- if (is.null(cl)) c("classical", "HC0", "HC1", "HC2", "HC3")
             else c("CR0", "stata", "CR2")
    for (ty in types) {
      er <- if (is.null(cl)) iv_robust(fe, data = dd, se_type = ty,
                                       diagnostics = TRUE)
            else iv_robust(fe, data = dd, se_type = ty, diagnostics = TRUE,
                           clusters = dd[[cl]])
      emitv(case, paste0("se_estimatr_", ty, "_"), er$std.error)
      emitv(case, paste0("df_estimatr_", ty, "_"), er$df)
      fs <- er$diagnostic_first_stage_fstatistic
      for (j in seq_len(ke)) {
        nm <- if (ke > 1) paste0(endo[j], ":value") else "value"
        pn <- if (ke > 1) paste0(endo[j], ":p.value") else "p.value"
        emit(case, paste0("fs_f_", ty, "_", endo[j]), fs[[nm]])
        emit(case, paste0("fs_p_", ty, "_", endo[j]), fs[[pn]])
      }
      emit(case, paste0("fs_df2_", ty), fs[["dendf"]])
      emit(case, paste0("wh_", ty), er$diagnostic_endogeneity_test[["value"]])
      emit(case, paste0("wh_p_", ty), er$diagnostic_endogeneity_test[["p.value"]])
    }
    if (!is.null(cl)) {
      g <- dd[[cl]]
      G <- length(unique(g))
      emit(case, "kp_cl_f", kp_rk(X2, Z2, X1, g) / (n - 1) * (n - L) *
                             (G - 1) / G / kz)
      if (kz > ke) emit(case, "hansen_j_cl", hansen_j(y, X, Z, u, g))
    }
    if (!is.null(cl2)) {
      g2 <- list(dd[[cl]], dd[[cl2]])
      emit(case, "kp_cl2", kp_rk(X2, Z2, X1, g2))
      if (kz > ke) {
        emit(case, "hansen_j_cl2", hansen_j(y, X, Z, u, g2))
        # J needs S positive definite; report its smallest eigenvalue
        emit(case, "hansen_j_cl2_S_mineig",
             min(eigen(meat2(Z * u, g2), symmetric = TRUE)$values))
      }
    }
  }
  if (liml) {
    kap <- liml_kappa(y, X1, X2, Z)
    emit(case, "liml_kappa", kap)
    emitv(case, "liml_coef_", setNames(kclass(y, X, Z, kap), colnames(X)))
    for (alpha in c(1, 4)) {
      kf <- kap - alpha / (n - L)
      emit(case, paste0("fuller", alpha, "_kappa"), kf)
      b <- kclass(y, X, Z, kf)
      emitv(case, paste0("fuller", alpha, "_coef_"), setNames(b, colnames(X)))
    }
    # LIML classical SE: sigma^2 (X'(I - k Mz) X)^{-1}, sigma^2 = u'u/(n-k)
    b <- kclass(y, X, Z, kap)
    ul <- drop(y - X %*% b)
    Mz <- diag(n) - Z %*% solve(crossprod(Z)) %*% t(Z)
    H <- t(X) %*% (diag(n) - kap * Mz) %*% X
    emitv(case, "liml_se_classical_",
          setNames(sqrt(diag(sum(ul^2) / (n - k) * solve(H))), colnames(X)))
    # HC0 sandwich for k-class: H^{-1} (sum xk_i xk_i' u_i^2) H^{-1},
    # xk = (I - kappa Mz) X
    Xk <- (diag(n) - kap * Mz) %*% X
    Vk <- solve(H) %*% crossprod(Xk * ul) %*% solve(H)
    emitv(case, "liml_se_HC0_", setNames(sqrt(diag(Vk)), colnames(X)))
  }
  invisible(fit)
}

do_case("cig", cig95, lpacks ~ lrprice + lrincome | lrincome + tdiff + taxcpi,
        endo = "lrprice", exog = "lrincome", inst = c("tdiff", "taxcpi"))
do_case("cigw", cig95, lpacks ~ lrprice + lrincome | lrincome + tdiff + taxcpi,
        endo = "lrprice", exog = "lrincome", inst = c("tdiff", "taxcpi"),
        weights = "pop", liml = FALSE)
do_case("cig2", cig2,
        lpacks ~ lrprice + lrincome + y95 | lrincome + y95 + tdiff + taxcpi,
        endo = "lrprice", exog = c("lrincome", "y95"),
        inst = c("tdiff", "taxcpi"), cl = "stateid", hc = FALSE, cl2 = "y95")
do_case("mroz", mroz,
        lwage ~ educ + exper + city | city + age + kidslt6 + meduc + feduc + heduc,
        endo = c("educ", "exper"), exog = "city",
        inst = c("age", "kidslt6", "meduc", "feduc", "heduc"))
do_case("mrozcl", mroz,
        lwage ~ educ + exper + city | city + age + kidslt6 + meduc + feduc + heduc,
        endo = c("educ", "exper"), exog = "city",
        inst = c("age", "kidslt6", "meduc", "feduc", "heduc"), cl = "unemp",
        hc = FALSE, liml = FALSE, cl2 = "age")

## ------------------------------- Anderson-Rubin confidence sets ----
# For one endogenous regressor, the set {b : AR F(b) <= F_crit}. Endpoints
# are found by uniroot on the directly computed AR F function; the type is
# read off the behaviour of F(b) as |b| -> Inf and at the 2SLS estimate.
ar_set <- function(case, d, yname, endo, exog, inst, level = 0.95) {
  n <- nrow(d)
  y <- d[[yname]]
  X1 <- cbind(1, as.matrix(d[, exog, drop = FALSE]))
  X2 <- as.matrix(d[, endo, drop = FALSE])
  Z2 <- as.matrix(d[, inst, drop = FALSE])
  kz <- ncol(Z2); L <- ncol(X1) + kz
  fcrit <- qf(level, kz, n - L)
  g <- function(b) ar_f_fun(y, X2, X1, Z2, b) - fcrit
  # limit of F(b) as |b| -> Inf: the first-stage F of the endogenous variable
  finf <- ar_f_fun(X2[, 1], matrix(0, n, 1), X1, Z2, 0)
  # minimiser of F(b) (the LIML estimate)
  opt <- optimize(function(b) g(b), c(-100, 100), tol = 1e-12)
  bmin <- opt$minimum
  if (finf > fcrit) {
    if (g(bmin) > 0) type <- "empty" else {
      lo <- uniroot(g, c(bmin - 1e4, bmin), tol = 1e-14)$root
      hi <- uniroot(g, c(bmin, bmin + 1e4), tol = 1e-14)$root
      type <- "interval"
    }
  } else {
    # F(b) rises to a maximum and tends to finf < fcrit at both ends
    bmax <- optimize(function(b) -g(b), c(-100, 100), tol = 1e-12)$minimum
    if (g(bmax) <= 0) type <- "all" else {
      type <- "rays"
      r <- sort(c(bmin, bmax))
      lo <- uniroot(g, c(min(r) - 1e4, bmax), tol = 1e-14)$root
      hi <- uniroot(g, c(bmax, max(r) + 1e4), tol = 1e-14)$root
      if (bmin > bmax) { lo <- uniroot(g, c(bmax - 1e4, bmax), tol = 1e-14)$root
                         hi <- uniroot(g, c(bmax, bmin), tol = 1e-14)$root }
    }
  }
  emit(case, paste0("ar_ci_type_", type), 1)
  if (type %in% c("interval", "rays")) {
    emit(case, "ar_ci_low", lo)
    emit(case, "ar_ci_high", hi)
  }
}
ar_set("cig", cig95, "lpacks", "lrprice", "lrincome", c("tdiff", "taxcpi"))
ar_set("mroz1", mroz, "lwage", "educ", c("exper", "city"),
       c("meduc", "feduc"))
ar_set("weak1", mroz, "lwage", "educ", c("exper", "city"), c("age"))
ar_set("weak2", mroz, "lwage", "educ", c("exper", "city"), c("age", "unemp"))
ar_set("weak3", mroz, "lwage", "educ", c("exper", "city"), c("unemp"), 0.955)
ar_set("weak5", mroz, "lwage", "educ", c("exper", "city"), c("kidslt6"), 0.9932)
ar_set("weak4", mroz, "lwage", "educ", c("exper", "city"), c("age", "unemp"), 0.99)

res <- do.call(rbind, out)
write.csv(res, "tests/data/iv_reference.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "reference values\n")
