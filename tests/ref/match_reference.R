# Reference values for tests/match_test.c: R MatchIt 4.5.1 nearest-neighbour
# matching on the LaLonde data (data/lalonde.csv), and the effect after
# matching with MatchIt's recommended cluster-robust SE
# (lm(re78 ~ treat, weights) + sandwich::vcovCL(cluster = ~subclass)).
# Run from the repository root: Rscript tests/ref/match_reference.R
#
# MatchIt 4.5.1's 1-D (propensity score) path has two defects:
#  * nn_matchC_vec compares integer-truncated |differences| (C abs() on a
#    double): when the nearest candidates below and above a treated unit
#    are both within 1 score unit, the one BELOW is taken even if it is
#    farther, and calipers below 1 score unit are ignored (caliper = 1e-9
#    with std.caliper = FALSE still matches every treated unit; checked
#    below);
#  * with replace = TRUE and ratio > 1 the same control fills every slot
#    (its "already matched to this unit" test compares 0- and 1-based ids).
# libcausal matches to the true nearest neighbour by default and reproduces
# the first defect with CAUSAL_MATCH_COMPAT = 1 (MatchIt 4.5.1 exactly).
# greedy_ref() below is an independent R implementation of the greedy rule
# (focal units in order; nearest available unit below / above in the
# (score, row) ranking; the one below wins ties; caliper); with
# trunc = TRUE it must reproduce MatchIt 4.5.1 exactly (checked), and with
# trunc = FALSE it gives the reference for the default (true nearest) rule.
suppressPackageStartupMessages({library(MatchIt); library(sandwich)})
d <- read.csv("data/lalonde.csv")
d$race <- factor(d$race)
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
mah <- ~ age + educ + re74 + re75

greedy_ref <- function(dist, focal, order = c("largest", "smallest", "data"),
                       caliper = Inf, ratio = 1, trunc = FALSE) {
  order <- match.arg(order)
  ad <- function(x) if (trunc) trunc(abs(x)) else abs(x)
  fr <- which(focal); cr <- which(!focal)
  rk <- order(dist[cr], cr)              # controls ranked by (score, row)
  cs <- cr[rk]; cd <- dist[cs]
  avail <- rep(TRUE, length(cs))
  fo <- switch(order, largest = fr[order(-dist[fr], fr)],
               smallest = fr[order(dist[fr], fr)], data = fr)
  mm <- matrix(NA_integer_, length(fr), ratio, dimnames = list(fr, NULL))
  for (r in seq_len(ratio)) for (i in fo) {
    # controls ranked before unit i in the combined (score, row) ranking
    below <- cd < dist[i] | (cd == dist[i] & cs < i)
    L <- which(below & avail); R <- which(!below & avail)
    l <- if (length(L)) max(L) else NA
    h <- if (length(R)) min(R) else NA
    if (!is.na(l) && ad(cd[l] - dist[i]) > caliper) l <- NA
    if (!is.na(h) && ad(cd[h] - dist[i]) > caliper) h <- NA
    pick <- if (!is.na(l) && !is.na(h)) {
      if (ad(cd[l] - dist[i]) <= ad(cd[h] - dist[i])) l else h
    } else if (!is.na(l)) l else h
    if (is.na(pick)) next
    mm[as.character(i), r] <- cs[pick]; avail[pick] <- FALSE
  }
  mm
}
weights_ref <- function(mm, focal) {
  w <- numeric(length(focal)); sub <- rep(NA_integer_, length(focal)); s <- 0
  fr <- as.integer(rownames(mm))
  for (j in seq_along(fr)) {
    m <- mm[j, !is.na(mm[j, ])]
    if (!length(m)) next
    s <- s + 1; w[fr[j]] <- 1; sub[fr[j]] <- s
    w[m] <- w[m] + 1 / length(m); sub[m] <- s
  }
  o <- !focal & w > 0
  w[!focal] <- w[!focal] * sum(o) / sum(w[o])
  list(weights = w, subclass = sub)
}

cfg <- list(
  nn1      = list(),
  nn2      = list(ratio = 2),
  repl     = list(replace = TRUE),
  smallest = list(m.order = "smallest"),
  data     = list(m.order = "data"),
  exact    = list(exact = ~ race),
  exact2   = list(exact = ~ race + married, ratio = 2),
  atc      = list(estimand = "ATC"),
  lin      = list(link = "linear.logit"),
  mahal    = list(distance = "mahalanobis", formula = treat ~ age + educ + re74 + re75),
  mahcal   = list(mahvars = mah, caliper = 0.25)
)
units <- NULL; mms <- NULL; eff <- NULL
add <- function(nm, dist, w, sub, mm, foc_rows) {
  units <<- rbind(units, data.frame(config = nm, row = seq_len(nrow(d)),
                                    distance = dist, weight = w,
                                    subclass = sub))
  for (j in seq_len(ncol(mm)))
    mms <<- rbind(mms, data.frame(config = nm, focal_row = foc_rows, slot = j,
                                  match_row = as.integer(mm[, j])))
  md <- d; md$weights <- w; md$subclass <- sub; md <- md[w > 0, ]
  fit <- lm(re78 ~ treat, data = md, weights = weights)
  V <- if (all(is.na(sub))) vcovHC(fit, type = "HC1")
       else vcovCL(fit, cluster = ~subclass)
  eff <<- rbind(eff, data.frame(config = nm, estimate = coef(fit)[["treat"]],
                                std_error = sqrt(V["treat", "treat"]),
                                nobs = nrow(md),
                                n_clusters = length(unique(md$subclass))))
}
for (nm in names(cfg)) {
  a <- cfg[[nm]]
  fm <- if (is.null(a$formula)) f else a$formula
  a$formula <- NULL
  m <- do.call(matchit, c(list(fm, data = d, method = "nearest"), a))
  sub <- if (is.null(m$subclass)) rep(NA, nrow(d)) else as.integer(m$subclass)
  dist <- if (is.null(m$distance)) rep(NA, nrow(d)) else m$distance
  mm <- matrix(as.integer(m$match.matrix), nrow(m$match.matrix))
  add(nm, dist, m$weights, sub, mm, as.integer(rownames(m$match.matrix)))
  # greedy_ref(trunc = TRUE) must reproduce MatchIt 4.5.1 exactly
  if (nm %in% c("nn1", "nn2", "smallest", "data", "atc", "lin")) {
    foc <- if (nm == "atc") d$treat == 0 else d$treat == 1
    ord <- if (!is.null(a$m.order)) a$m.order else if (nm == "atc") "smallest" else "largest"
    ratio <- if (is.null(a$ratio)) 1 else a$ratio
    g <- greedy_ref(m$distance, foc, ord, ratio = ratio, trunc = TRUE)
    stopifnot(identical(unname(g), unname(mm)))
    stopifnot(isTRUE(all.equal(weights_ref(g, foc)$weights, unname(m$weights))))
    # and the true-nearest reference for the default rule
    g <- greedy_ref(m$distance, foc, ord, ratio = ratio)
    wr <- weights_ref(g, foc)
    add(paste0(nm, "_true"), m$distance, wr$weights, wr$subclass, g,
        as.integer(rownames(g)))
  }
}
# the caliper with truncation, against MatchIt 4.5.1
m <- matchit(f, data = d, link = "linear.logit", caliper = 0.2)
g <- greedy_ref(m$distance, d$treat == 1, "largest", caliper = 0.2 * sd(m$distance), trunc = TRUE)
stopifnot(identical(unname(g), unname(matrix(as.integer(m$match.matrix), ncol = 1))))
# The 4.5.1 caliper defect: a 1e-9 caliper is ignored.
m0 <- matchit(f, data = d, caliper = 1e-9, std.caliper = FALSE)
stopifnot(sum(m0$weights[d$treat == 1] > 0) == 185)
# Calipers: greedy_ref on MatchIt's scores.
cal <- list(cal_lin = list(link = "linear.logit", width = 0.2),
            cal_ps = list(link = "logit", width = 0.2),
            cal_lin2 = list(link = "linear.logit", width = 0.05, ratio = 2))
for (nm in names(cal)) {
  a <- cal[[nm]]
  m <- matchit(f, data = d, link = a$link)
  w <- a$width * sd(m$distance)
  ratio <- if (is.null(a$ratio)) 1 else a$ratio
  g <- greedy_ref(m$distance, d$treat == 1, "largest", w, ratio)
  wr <- weights_ref(g, d$treat == 1)
  add(nm, m$distance, wr$weights, wr$subclass, g, as.integer(rownames(g)))
}
fmt <- function(x) {
  for (j in seq_along(x)) if (is.double(x[[j]])) x[[j]] <- sprintf("%.17g", x[[j]])
  x
}
write.csv(fmt(units), "tests/data/match_units.csv", row.names = FALSE, quote = FALSE)
write.csv(mms, "tests/data/match_mm.csv", row.names = FALSE, quote = FALSE)
write.csv(fmt(eff), "tests/data/match_effect.csv", row.names = FALSE, quote = FALSE)
