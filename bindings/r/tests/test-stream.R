# Out-of-core regression: causal_regress_acc / causal_acc_* /
# causal_stream_fit against causal_ols / causal_logit on all rows, and
# against lm / glm (+ sandwich) directly. Required: 1e-10 (estimates
# relative to max(|b|, SE), standard errors relative).
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
TOL <- 1e-10

set.seed(3)
n <- 80
d <- data.frame(x1 = rnorm(n), x2 = runif(n),
                g = factor(sample(c("a", "b", "c", "d"), n, TRUE),
                           levels = c("a", "b", "c", "d")),
                k = sample(1:3, n, TRUE), cl = sample(1:11, n, TRUE),
                w = runif(n, 0.5, 2), junk = sprintf("r%d", seq_len(n)),
                stringsAsFactors = FALSE)
d$y <- 1 + 2 * d$x1 - d$x2 + (d$g == "b") * 0.5 + rnorm(n) * (1 + d$x2)
d$b <- as.numeric(d$y + rnorm(n) > 1.5)
d$x2[6] <- NA
d$g[12] <- NA
lv <- list(g = c("a", "b", "c", "d"))
schema0 <- d[0, ]

chunks_of <- function(data, size, lo = 1L, hi = nrow(data)) {
  if (hi < lo) return(list())
  starts <- seq(lo, hi, by = size)
  lapply(starts, function(s) data[s:min(s + size - 1L, hi), , drop = FALSE])
}

run <- function(acc, chunks) {
  while (!causal_acc_converged(acc)) {
    for (ch in chunks) causal_acc_update(acc, ch)
    causal_acc_next_pass(acc)
  }
  causal_acc_fit(acc)
}

# Largest discrepancy; the structure must be identical.
agree <- function(got, ref) {
  stopifnot(identical(got$coef$term, ref$coef$term),
            got$nobs == ref$nobs, got$n_dropped == ref$n_dropped,
            got$vcov_type == ref$vcov_type, identical(got$df, ref$df))
  if (!is.null(ref$n_clusters)) {
    stopifnot(got$n_clusters == ref$n_clusters)
  }
  b <- ref$coef$estimate
  se <- ref$coef$std_error
  worst <- max(abs(got$coef$estimate - b) / pmax(abs(b), se),
               abs(got$coef$std_error - se) / se)
  for (q in c("r_squared", "sigma", "rss", "deviance", "null_deviance",
              "loglik")) {
    if (!is.null(ref[[q]])) worst <- max(worst, rel(got[[q]], ref[[q]]))
  }
  if (!(worst <= TOL)) stop(sprintf("discrepancy %g", worst))
  invisible(worst)
}

cases <- list(
  list("ols", y ~ x1 + x2 + g + x1:g, list(), 1),
  list("ols", y ~ x1 + x2 + g, list(vcov = "HC1"), 2),
  list("ols", y ~ x1 + x2 + g, list(vcov = "HC0"), 2),
  list("ols", y ~ x1 + x2 + g, list(cluster = "cl"), 2),
  list("ols", y ~ x1 + x2 + g, list(cluster = "cl", ssc = "stata"), 2),
  list("ols", y ~ x1 + x2 + g, list(weights = "w"), 1),
  list("ols", y ~ x1 + x2 + g, list(weights = "w", vcov = "HC1"), 2),
  list("ols", y ~ x1 + x2 + g, list(weights = "w", cluster = "cl"), 2),
  list("logit", b ~ x1 + x2 + g, list(), NA),
  list("logit", b ~ x1 + x2 + g, list(vcov = "HC1"), NA),
  list("logit", b ~ x1 + x2 + g, list(cluster = "cl"), NA),
  list("logit", b ~ x1 + x2 + g, list(weights = "w", vcov = "HC0"), NA))

new_acc <- function(cs, schema = schema0, levels = lv) {
  do.call(causal_regress_acc, c(list(cs[[1]], cs[[2]], schema,
                                     levels = levels), cs[[3]]))
}
reference <- function(cs) {
  f <- if (cs[[1]] == "ols") causal_ols else causal_logit
  do.call(f, c(list(cs[[2]], d), cs[[3]]))
}

# ---- streamed = in memory, several chunk sizes --------------------------------
worst <- 0
for (cs in cases) {
  ref <- reference(cs)
  stopifnot(ref$n_dropped == 2)
  for (size in c(1L, 9L, 23L, n)) {
    fit <- run(new_acc(cs), chunks_of(d, size))
    worst <- max(worst, agree(fit, ref))
    stopifnot(inherits(fit, "causal_regression"),
              inherits(fit, "causal_stream_regression"))
    if (is.na(cs[[4]])) {
      stopifnot(fit$passes == fit$iterations + 1, fit$passes >= 3)
    } else {
      stopifnot(fit$passes == cs[[4]])
    }
  }
}
# every chunk size 1..n for one model
ref <- causal_ols(y ~ x1 + x2 + g, d, vcov = "HC1")
for (size in seq_len(n)) {
  worst <- max(worst, agree(run(new_acc(cases[[2]]), chunks_of(d, size)),
                            ref))
}
cat(sprintf("streamed vs in-memory: worst discrepancy %.2g\n", worst))

# ---- directly against lm / glm (+ sandwich) -----------------------------------
dd <- d[complete.cases(d[c("y", "x1", "x2", "g")]), ]
fit <- causal_stream_fit("ols", function() chunks_of(d, 13), y ~ x1 + x2 + g,
                         levels = lv)
lmf <- lm(y ~ x1 + x2 + g, dd)
stopifnot(rel(fit$coef$estimate, unname(coef(lmf))) < TOL,
          rel(fit$coef$std_error, unname(sqrt(diag(vcov(lmf))))) < TOL,
          rel(fit$r_squared, summary(lmf)$r.squared) < TOL,
          fit$nobs == nrow(dd))
# non-integer weights: glm warns about "non-integer #successes"
glmf <- suppressWarnings(glm(b ~ x1 + x2 + g, binomial, dd, weights = w,
                             control = glm.control(epsilon = 1e-15,
                                                   maxit = 100)))
fit <- causal_stream_fit("logit", function() chunks_of(d, 7), b ~ x1 + x2 + g,
                         weights = "w", levels = lv)
# vcov(glm) uses the IRLS weights of the previous iteration (about 1e-8
# off); the information matrix at glm's final estimate is exact:
X <- model.matrix(glmf)
p <- fitted(glmf)
V <- solve(crossprod(X * sqrt(dd$w * p * (1 - p))))
stopifnot(rel(fit$coef$estimate, unname(coef(glmf))) < TOL,
          rel(fit$coef$std_error, unname(sqrt(diag(V)))) < TOL,
          rel(fit$coef$std_error, unname(sqrt(diag(vcov(glmf))))) < 1e-7,
          rel(fit$deviance, deviance(glmf)) < TOL)
if (requireNamespace("sandwich", quietly = TRUE)) {
  fit <- causal_stream_fit("ols", function() chunks_of(d, 11),
                           y ~ x1 + x2 + g, cluster = "cl", levels = lv)
  V <- sandwich::vcovCL(lmf, cluster = ~cl, type = "HC1")
  stopifnot(rel(fit$coef$std_error, unname(sqrt(diag(V)))) < TOL)
  fit <- causal_stream_fit("ols", function() chunks_of(d, 11),
                           y ~ x1 + x2 + g, vcov = "HC1", levels = lv)
  V <- sandwich::vcovHC(lmf, type = "HC1")
  stopifnot(rel(fit$coef$std_error, unname(sqrt(diag(V)))) < TOL)
}

# ---- merge trees across partitions, raw round trips ---------------------------
merge_tree <- function(states) {
  while (length(states) > 1L) {
    i <- sample.int(length(states) - 1L, 1L)
    b <- states[[i + 1L]]
    if (runif(1) < 0.3) b <- causal_acc_from_raw(causal_acc_to_raw(b))
    m <- if (runif(1) < 0.5) states[[i]] + b else causal_acc_merge(states[[i]], b)
    states[[i]] <- m
    states[[i + 1L]] <- NULL
  }
  states[[1L]]
}
for (cs in cases) {
  ref <- reference(cs)
  for (trial in 1:2) {
    np <- sample(2:6, 1L)
    cuts <- sort(sample(2:n, np - 1L))
    lo <- c(1L, cuts)
    hi <- c(cuts - 1L, n)
    base <- new_acc(cs)
    while (!causal_acc_converged(base)) {
      states <- lapply(seq_len(np), function(p) {
        s <- if (runif(1) < 0.5) causal_acc_copy(base) else
          causal_acc_from_raw(causal_acc_to_raw(base), factors = "g")
        for (ch in chunks_of(d, sample(1:9, 1L), lo[p], hi[p]))
          causal_acc_update(s, ch)
        s
      })
      base <- merge_tree(states)
      causal_acc_next_pass(base)
    }
    agree(causal_acc_fit(base), ref)
  }
}
# merging several at once; the sources are not modified
ref <- causal_ols(y ~ x1 + g, d, cluster = "cl")
base <- causal_regress_acc("ols", y ~ x1 + g, d, cluster = "cl")
while (!causal_acc_converged(base)) {
  parts <- lapply(list(1:30, 31:55, 56:n), function(r) {
    p <- causal_acc_copy(base)
    causal_acc_update(p, d[r, ])
    p
  })
  raw3 <- causal_acc_to_raw(parts[[3]])
  base <- causal_acc_merge(parts[[1]], parts[[2]], parts[[3]])
  stopifnot(identical(causal_acc_to_raw(parts[[3]]), raw3))
  causal_acc_next_pass(base)
}
agree(causal_acc_fit(base), ref)

# ---- raw round trip in the middle of every pass ---------------------------------
ref <- causal_logit(b ~ x1 + x2 + g, d, weights = "w", cluster = "cl")
acc <- causal_regress_acc("logit", b ~ x1 + x2 + g, schema0, weights = "w",
                          cluster = "cl", levels = lv)
chunks <- chunks_of(d, 8)
while (!causal_acc_converged(acc)) {
  for (i in seq_along(chunks)) {
    causal_acc_update(acc, chunks[[i]])
    if (i == 4L) {
      raw <- causal_acc_to_raw(acc)
      acc2 <- causal_acc_from_raw(raw, factors = "g")
      stopifnot(identical(causal_acc_to_raw(acc2), raw),
                causal_acc_pass(acc2) == causal_acc_pass(acc))
      acc <- acc2
    }
  }
  p <- causal_acc_pass(acc)
  conv <- causal_acc_next_pass(acc)
  stopifnot(is.logical(conv), conv || causal_acc_pass(acc) == p + 1L)
}
fit <- causal_acc_fit(acc)
agree(fit, ref)
out <- capture.output(print(fit))
stopifnot(any(grepl("^Logistic regression: \\(from raw\\)", out)),
          any(grepl("CR1, 11 clusters", out)),
          any(grepl("Out-of-core fit: [0-9]+ passes over the data", out)))

# ---- schema forms, levels, factor() ---------------------------------------------
ref <- causal_ols(y ~ x1 + g, d, vcov = "HC1")
ch <- chunks_of(d, 10)
agree(run(causal_regress_acc("ols", y ~ x1 + g, d, vcov = "HC1"), ch), ref)
agree(run(causal_regress_acc("ols", "y", as_causal_dataset(d[0, ]),
                             terms = c("x1", "g"), vcov = "HC1"), ch), ref)
# a list with zero-length columns and the levels given separately
agree(run(causal_regress_acc("ols", y ~ x1 + g,
                             list(y = numeric(0), x1 = numeric(0)),
                             vcov = "HC1", levels = lv), ch), ref)
# character chunks (levels recoded by label)
dc <- d
dc$g <- as.character(dc$g)
agree(run(causal_regress_acc("ols", y ~ x1 + g, schema0, vcov = "HC1"),
          chunks_of(dc, 10)), ref)
# the level order sets the reference level
fit <- run(causal_regress_acc("ols", y ~ x1 + g, schema0, vcov = "HC1",
                              levels = list(g = c("c", "a", "b", "d"))), ch)
stopifnot(identical(fit$coef$term,
                    c("(Intercept)", "x1", "g[a]", "g[b]", "g[d]")))
agree(fit, causal_ols(y ~ x1 + g, d, vcov = "HC1", reference = list(g = "c")))
# factor() of an integer column
fit <- run(causal_regress_acc("ols", y ~ x1 + factor(k), d), ch)
agree(fit, causal_ols(y ~ x1 + factor(k), d))
stopifnot("k[2]" %in% fit$coef$term)

# ---- causal_stream_fit sources --------------------------------------------------
ref <- causal_ols(y ~ x1 + g, d, cluster = "cl")
lst <- chunks_of(d, 6)
agree(causal_stream_fit("ols", lst, y ~ x1 + g, cluster = "cl", levels = lv),
      ref)
agree(causal_stream_fit("ols", function() lst, "y", terms = c("x1", "g"),
                        schema = schema0, levels = lv, cluster = "cl"), ref)
gen <- function() {
  i <- 0L
  function() {
    i <<- i + 1L
    if (i > length(lst)) NULL else lst[[i]]
  }
}
agree(causal_stream_fit("ols", gen, y ~ x1 + g, cluster = "cl", levels = lv),
      ref)
agree(causal_stream_fit("ols", d, y ~ x1 + g, cluster = "cl"), ref)
csv <- tempfile(fileext = ".csv")
write.csv(d[setdiff(names(d), "junk")], csv, row.names = FALSE)
npass <- 0L
fit <- causal_stream_fit("ols", function() {
  npass <<- npass + 1L
  causal_csv_reader(csv, chunk_rows = 7)
}, y ~ x1 + g, cluster = "cl", levels = lv)
agree(fit, ref)
stopifnot(npass == fit$passes, npass == 2L)
out <- capture.output(print(fit))
stopifnot(any(grepl("Linear regression \\(OLS\\): y ~ x1 \\+ g", out)),
          any(grepl("^Call: causal_stream_fit", out)),
          any(grepl("Out-of-core fit: 2 passes", out)))
fit <- causal_stream_fit("ols", lst, y ~ x1, levels = lv)
stopifnot(any(grepl("Out-of-core fit: 1 pass over", capture.output(fit))))
# factors keep their levels in every chunk, so the first chunk is a fine
# schema; character chunks carry only the values present
agree(causal_stream_fit("ols", lst, y ~ x1 + g, cluster = "cl"), ref)
e <- catch(causal_stream_fit("ols", chunks_of(dc, 6), y ~ x1 + g))
stopifnot(inherits(e, "causal_einval_error"),
          grepl("is not among", conditionMessage(e)),
          grepl("chunk [0-9]+; the schema was the first chunk",
                conditionMessage(e)))
e <- catch(causal_stream_fit("ols", causal_csv_reader(csv), y ~ x1))
stopifnot(inherits(e, "causal_einval_error"), grepl("only once", e$message))
e <- catch(causal_stream_fit("ols", list(), y ~ x1))
stopifnot(inherits(e, "causal_einval_error"), grepl("no chunks", e$message))
seen <- 0L
e <- catch(causal_stream_fit("ols", function() {
  seen <<- seen + 1L
  if (seen == 1L) lst else lst[-1L]
}, y ~ x1 + g, cluster = "cl", levels = lv))
stopifnot(inherits(e, "causal_einval_error"), grepl("pass 2", e$message))

# ---- errors ---------------------------------------------------------------------
acc <- causal_regress_acc("ols", y ~ x1 + g, schema0, vcov = "HC1",
                          levels = lv)
raw0 <- causal_acc_to_raw(acc)
e <- catch(causal_acc_update(acc, data.frame(y = 1:2, x1 = c(0.5, 0.1),
                                             g = c("a", "e"))))
stopifnot(inherits(e, "causal_einval_error"), grepl("level 'e'", e$message),
          identical(causal_acc_to_raw(acc), raw0))
e <- catch(causal_acc_update(acc, data.frame(y = 1, g = "a")))
stopifnot(inherits(e, "causal_enotfound_error"), grepl("x1", e$message))
e <- catch(causal_acc_update(acc, data.frame(y = 1, x1 = "u", g = "a")))
stopifnot(inherits(e, "causal_etype_error"))
e <- catch(causal_acc_update(acc, data.frame(y = 1, x1 = Inf, g = "a")))
stopifnot(inherits(e, "causal_enonfinite_error"))
e <- catch(causal_acc_update(acc, 1:3))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_acc_fit(acc))
stopifnot(inherits(e, "causal_einval_error"))
for (ch in chunks_of(d, 20)) causal_acc_update(acc, ch)
other <- causal_acc_copy(acc)
causal_acc_next_pass(acc)
stopifnot(causal_acc_pass(acc) == 2L, causal_acc_pass(other) == 1L,
          !causal_acc_converged(acc))
e <- catch(acc + other)
stopifnot(inherits(e, "causal_einval_error"), grepl("pass", e$message))
e <- catch(causal_acc_merge(other,
                            causal_regress_acc("ols", y ~ x2 + g, d,
                                               vcov = "HC1")))
stopifnot(inherits(e, "causal_einval_error"), grepl("x1.*x2", e$message))
e <- catch(acc - other)
stopifnot(inherits(e, "causal_einval_error"))
for (ch in chunks_of(d, 20)) causal_acc_update(acc, ch)
stopifnot(isTRUE(causal_acc_next_pass(acc)), causal_acc_converged(acc))
e <- catch(causal_acc_update(acc, d))
stopifnot(inherits(e, "causal_einval_error"))
for (bad in list(list(vcov = "HC3"), list(cluster = c("cl", "k")))) {
  e <- catch(do.call(causal_regress_acc, c(list("ols", y ~ x1, d), bad)))
  stopifnot(inherits(e, "causal_einval_error"))
}
e <- catch(causal_regress_acc("ols", y ~ x1 | g, d))
stopifnot(inherits(e, "causal_einval_error"), grepl("absorb", e$message))
e <- catch(causal_regress_acc("iv", y ~ x1, d))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(causal_regress_acc("ols", y ~ x1))
stopifnot(inherits(e, "causal_einval_error"), grepl("schema", e$message))
e <- catch(causal_regress_acc("ols", y ~ x1, d[c("y", "x1")], weights = "w"))
stopifnot(inherits(e, "causal_enotfound_error"), grepl("'w'", e$message))
e <- catch(causal_regress_acc("ols", y ~ x1 + g, d,
                              levels = list(g = c("a", "b"))))
stopifnot(inherits(e, "causal_einval_error"), grepl("not among", e$message))
e <- catch(causal_regress_acc("ols", y ~ x1 + g, d,
                              levels = list(g = c("a", "a"))))
stopifnot(inherits(e, "causal_einval_error"), grepl("distinct", e$message))
e <- catch(causal_acc_update(d, d))
stopifnot(inherits(e, "causal_einval_error"))
# logit outcome not 0/1
e <- catch(run(causal_regress_acc("logit", y ~ x1, d), list(d)))
stopifnot(inherits(e, "causal_einval_error"))

# ---- corrupt raw vectors ----------------------------------------------------------
raw <- causal_acc_to_raw(acc)
for (pos in unique(round(seq(1, length(raw), length.out = 40)))) {
  r2 <- raw
  r2[pos] <- as.raw(bitwXor(as.integer(r2[pos]), 0x10L))
  e <- catch(causal_acc_from_raw(r2))
  stopifnot(inherits(e, "causal_error"),
            inherits(e, "causal_ecorrupt_error") ||
              inherits(e, "causal_eversion_error") ||
              inherits(e, "causal_etype_error"))
}
e <- catch(causal_acc_from_raw(raw[1:40]))
stopifnot(inherits(e, "causal_ecorrupt_error"))
e <- catch(causal_acc_from_raw(raw(0)))
stopifnot(inherits(e, "causal_ecorrupt_error"))
m <- causal_moments_update(causal_moments(1), c(1, 2, 4))
e <- catch(causal_acc_from_raw(causal_moments_to_raw(m)))
stopifnot(inherits(e, "causal_etype_error"))
e <- catch(causal_acc_from_raw("text"))
stopifnot(inherits(e, "causal_einval_error"))
# a state that survived a raw round trip still fits the same
stopifnot(identical(causal_acc_fit(causal_acc_from_raw(raw))$coef,
                    causal_acc_fit(acc)$coef))

# ---- handles ----------------------------------------------------------------------
out <- capture.output(print(acc))
stopifnot(grepl("^<causal_regress_acc: y ~ x1 \\+ g, pass 2, converged>$",
                out))
f <- tempfile(fileext = ".rds")
saveRDS(acc, f)
acc3 <- readRDS(f)
stopifnot(grepl("invalid", capture.output(print(acc3))))
e <- catch(causal_acc_fit(acc3))
stopifnot(inherits(e, "causal_einval_error"))

cat("test-stream.R: OK\n")
