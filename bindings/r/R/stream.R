# Out-of-core regression (include/causal/regress.h, "Out-of-core";
# docs/methods/regress_stream.md): mergeable, serializable OLS/WLS and logit
# accumulators, and a driver that reads the data in chunks as many times as
# the model needs. A causal_regress_acc is a reference: causal_acc_update()
# and causal_acc_next_pass() change it in place; merge and `+` return new
# objects. The C glue is src/stream.c.

.acc_family <- c(ols = 1L, logit = 2L)

.check_acc <- function(acc, name = "acc") {
  .check(inherits(acc, "causal_regress_acc"),
         paste(name, "must be a causal_regress_acc object"))
}

.levels_arg <- function(levels) {
  if (is.null(levels)) return(list())
  .check(is.list(levels) && length(levels) > 0L && !is.null(names(levels)) &&
           all(nzchar(names(levels))),
         "levels must be a named list of level vectors, e.g. list(g = c(\"a\", \"b\"))")
  out <- lapply(names(levels), function(col) {
    lv <- levels[[col]]
    .check((is.character(lv) || is.numeric(lv) || is.factor(lv)) &&
             length(lv) > 0L && !anyNA(lv),
           sprintf("levels of column '%s' must be a vector of labels", col))
    lv <- as.character(lv)
    .check(!anyDuplicated(lv),
           sprintf("levels of column '%s' are not distinct: %s", col,
                   paste(lv, collapse = ", ")))
    lv
  })
  names(out) <- names(levels)
  out
}

# The schema as a causal_dataset: the model's columns, factors made
# factors, the columns of `levels` factors with exactly those levels.
.acc_schema <- function(schema, used, factors, levels) {
  if (inherits(schema, "causal_dataset")) {
    if (!length(factors)) return(schema)
    schema <- as.data.frame(schema, stringsAsFactors = FALSE)
  }
  .check(is.data.frame(schema) || is.list(schema),
         "schema must be a data.frame, a list of columns or a causal_dataset")
  data <- schema[intersect(used, names(schema))]
  nrow <- if (length(data)) length(data[[1L]]) else 0L
  for (f in setdiff(intersect(factors, names(data)), names(levels))) {
    if (!is.factor(data[[f]])) data[[f]] <- factor(data[[f]])
  }
  for (col in names(levels)) {
    lv <- levels[[col]]
    if (!col %in% names(data)) {
      if (nrow > 0L) next # the library names the missing column
      data[[col]] <- factor(character(0), levels = lv)
      next
    }
    v <- as.character(data[[col]])
    bad <- which(!is.na(v) & !v %in% lv)
    .check(!length(bad),
           sprintf(paste("schema: value '%s' of column '%s' (row %d) is not",
                         "among the levels given for it (%s)"),
                   v[bad[1L]], col, bad[1L], paste(lv, collapse = ", ")))
    data[[col]] <- factor(v, levels = lv)
  }
  as_causal_dataset(data, copy = FALSE)
}

.acc_wrap <- function(h, meta) {
  attr(h, "meta") <- meta
  h
}

causal_regress_acc <- function(family, formula, schema, terms = NULL,
                               weights = NULL, offset = NULL, cluster = NULL,
                               vcov = NULL, ssc = "R", intercept = TRUE,
                               reference = NULL, levels = NULL,
                               conf_level = 0.95, rank = "drop",
                               rank_tol = NULL, maxiter = NULL, tol = NULL) {
  .check(is.character(family) && length(family) == 1L &&
           family %in% names(.acc_family),
         "family must be \"ols\" or \"logit\" (out-of-core regression)")
  .check(!missing(schema) && !is.null(schema),
         paste("schema is missing: a data.frame (0 rows is fine) or",
               "causal_dataset with every column the model uses"))
  spec <- .regress_spec(family, formula, terms, weights, offset, cluster,
                        NULL, NULL, NULL, vcov, ssc, intercept, reference,
                        conf_level, rank, rank_tol, maxiter, tol, FALSE, NULL,
                        NULL, NULL)
  levels <- .levels_arg(levels)
  used <- unique(c(spec$used, names(levels)))
  factors <- unique(c(spec$factors, names(levels)))
  ds <- .acc_schema(schema, used, factors, levels)
  h <- .Call(C_regress_acc_new, ds, .acc_family[[family]], spec)
  .acc_wrap(h, list(used = used, factors = factors,
                    model = .model_text(spec, family),
                    weighted = !is.null(spec$weights)))
}

# A chunk as a causal_dataset with the model's columns.
.acc_chunk <- function(acc, chunk) {
  meta <- attr(acc, "meta")
  if (inherits(chunk, "causal_dataset") && !length(meta$factors))
    return(chunk)
  .check(is.data.frame(chunk) || inherits(chunk, "causal_dataset") ||
           (is.list(chunk) && !is.null(names(chunk))),
         "a chunk must be a data.frame, a named list of columns or a causal_dataset")
  used <- meta$used
  if (is.null(used)) used <- names(chunk)
  .model_data(chunk, used, meta$factors)
}

causal_acc_update <- function(acc, chunk) {
  .check_acc(acc)
  .Call(C_regress_acc_update, acc, .acc_chunk(acc, chunk))
  invisible(acc)
}

causal_acc_next_pass <- function(acc) {
  .check_acc(acc)
  .Call(C_regress_acc_next_pass, acc)
  invisible(causal_acc_converged(acc))
}

causal_acc_converged <- function(acc) {
  .check_acc(acc)
  .Call(C_regress_acc_state, acc)[2L] == 1
}

causal_acc_pass <- function(acc) {
  .check_acc(acc)
  as.integer(.Call(C_regress_acc_state, acc)[1L])
}

causal_acc_copy <- function(acc) {
  .check_acc(acc)
  .acc_wrap(.Call(C_regress_acc_clone, acc), attr(acc, "meta"))
}

causal_acc_merge <- function(acc, ...) {
  .check_acc(acc)
  others <- list(...)
  for (i in seq_along(others)) .check_acc(others[[i]], "every argument")
  out <- causal_acc_copy(acc)
  for (o in others) .Call(C_regress_acc_merge, out, o)
  out
}

Ops.causal_regress_acc <- function(e1, e2) {
  if (.Generic != "+" || missing(e2))
    .causal_stop(-1L, paste0("operator '", .Generic,
                             "' is not defined for causal_regress_acc (only +)"))
  causal_acc_merge(e1, e2)
}

causal_acc_fit <- function(acc) {
  .check_acc(acc)
  res <- .result_from_plain(.Call(C_regress_acc_fit, acc))
  meta <- attr(acc, "meta")
  class(res) <- c("causal_stream_regression", "causal_regression",
                  class(res))
  attr(res, "model") <- if (is.null(meta$model)) "(from raw)" else meta$model
  attr(res, "weighted") <- isTRUE(meta$weighted)
  res
}

print.causal_stream_regression <- function(x, ...) {
  NextMethod()
  if (!is.null(x$passes)) {
    cat("Out-of-core fit: ", x$passes,
        if (x$passes == 1) " pass" else " passes", " over the data\n",
        sep = "")
  }
  invisible(x)
}

causal_acc_to_raw <- function(acc) {
  .check_acc(acc)
  .Call(C_regress_acc_serialize, acc)
}

causal_acc_from_raw <- function(x, factors = NULL) {
  .check(is.raw(x), "x must be a raw vector")
  .check(is.null(factors) || (is.character(factors) && !anyNA(factors)),
         "factors must be column names")
  .acc_wrap(.Call(C_regress_acc_deserialize, x),
            list(used = NULL, factors = as.character(factors), model = NULL,
                 weighted = FALSE))
}

print.causal_regress_acc <- function(x, ...) {
  st <- tryCatch(.Call(C_regress_acc_state, x),
                 causal_error = function(e) NULL)
  if (is.null(st)) {
    cat("<causal_regress_acc: invalid (freed or reloaded)>\n")
  } else {
    m <- attr(x, "meta")$model
    cat("<causal_regress_acc: ", if (is.null(m)) "(from raw)" else m,
        ", pass ", st[1L], if (st[2L] == 1) ", converged", ">\n", sep = "")
  }
  invisible(x)
}

# ---- the driver --------------------------------------------------------------
# The chunks of one pass as a function returning the next chunk (a
# causal_dataset, data.frame or list of columns) or NULL at the end.
.chunk_iter <- function(src) {
  if (inherits(src, "causal_csv_reader")) {
    return(function() .Call(C_csv_reader_next, src))
  }
  if (is.function(src)) return(src)
  if (is.null(src)) return(function() NULL)
  one <- is.data.frame(src) || inherits(src, "causal_dataset") ||
    (is.list(src) && length(src) > 0L &&
       all(vapply(src, function(v) is.atomic(v) || is.factor(v), NA)))
  .check(is.list(src) || one,
         paste("make_chunks() must return a list of chunks, one chunk, a",
               "causal_csv_reader or a function returning the next chunk",
               "(NULL at the end)"))
  if (one) src <- list(src)
  i <- 0L
  function() {
    i <<- i + 1L
    if (i > length(src)) NULL else src[[i]]
  }
}

.annotate <- function(e, where) {
  e$message <- paste0(conditionMessage(e), " (causal_stream_fit: ", where, ")")
  stop(e)
}

causal_stream_fit <- function(family, make_chunks, formula, schema = NULL,
                              terms = NULL, ...) {
  if (!is.function(make_chunks)) {
    .check(!inherits(make_chunks, "causal_csv_reader"),
           paste("a causal_csv_reader can be read only once: pass",
                 "function() causal_csv_reader(file) to read it in every pass"))
    chunks <- make_chunks
    make_chunks <- function() chunks
  }
  acc <- NULL
  if (!is.null(schema)) {
    acc <- causal_regress_acc(family, formula, schema, terms = terms, ...)
  }
  npass <- 0L
  while (is.null(acc) || !causal_acc_converged(acc)) {
    npass <- npass + 1L
    nextc <- .chunk_iter(make_chunks())
    i <- 0L
    while (!is.null(chunk <- nextc())) {
      i <- i + 1L
      if (is.null(acc)) {
        acc <- causal_regress_acc(family, formula, chunk, terms = terms, ...)
      }
      tryCatch(causal_acc_update(acc, chunk), causal_error = function(e) {
        hint <- if (is.null(schema) && grepl("levels of the schema",
                                              conditionMessage(e)))
          "; the schema was the first chunk: give schema or levels" else ""
        .annotate(e, sprintf("pass %d, chunk %d%s", npass, i, hint))
      })
    }
    .check(!is.null(acc),
           "causal_stream_fit: make_chunks() gave no chunks and no schema")
    tryCatch(causal_acc_next_pass(acc), causal_error = function(e)
      .annotate(e, sprintf("pass %d", npass)))
  }
  fit <- causal_acc_fit(acc)
  attr(fit, "call") <- match.call()
  fit
}
