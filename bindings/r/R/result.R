# Results (include/causal/result.h). C results are converted eagerly into
# an R list of class "causal_result"; the C handle is freed right away.
# causal_result_json() rebuilds a C result from the list and asks the
# library for its JSON, so the JSON of any causal_result (converted or
# built in R) is the library's own.

.entry_types <- c(scalar = 1L, vector = 2L, matrix = 3L, table = 4L,
                  string = 5L)
.table_cols <- c("estimate", "std_error", "statistic", "p_value",
                 "conf_low", "conf_high")

.from_entry <- function(e) {
  switch(e$type,
    e$values,                                         # scalar
    stats::setNames(e$values, e$rownames),            # vector
    matrix(e$values, nrow = e$nrow, ncol = e$ncol,    # matrix
           dimnames = if (is.null(e$rownames) && is.null(e$colnames)) NULL
                      else list(e$rownames, e$colnames)),
    {                                                 # table
      m <- matrix(e$values, nrow = e$nrow, ncol = e$ncol)
      df <- data.frame(term = if (is.null(e$rownames)) character(e$nrow)
                              else e$rownames, stringsAsFactors = FALSE)
      for (k in seq_along(.table_cols)) df[[.table_cols[k]]] <- m[, k]
      class(df) <- c("causal_table", "data.frame")
      df
    },
    e$string)                                         # string
}

.result_from_plain <- function(plain) {
  out <- lapply(plain$entries, .from_entry)
  names(out) <- names(plain$entries)
  structure(out, class = "causal_result", kind = plain$kind,
            warnings = plain$warnings)
}

.entry <- function(type, values = NULL, nrow = NULL, ncol = NULL,
                   rownames = NULL, colnames = NULL, string = NULL) {
  list(type = .entry_types[[type]], values = values, nrow = nrow,
       ncol = ncol, rownames = rownames, colnames = colnames, string = string)
}

.to_entry <- function(v, name) {
  if (is.data.frame(v)) {
    .check("term" %in% names(v),
           sprintf("entry '%s': a table needs a 'term' column", name))
    n <- nrow(v)
    vals <- vapply(.table_cols, function(k)
      if (is.null(v[[k]])) rep(NaN, n) else as.double(v[[k]]), numeric(n))
    return(.entry("table", as.double(vals), n, length(.table_cols),
                  as.character(v$term)))
  }
  if (is.character(v)) {
    .check(length(v) == 1L, sprintf("entry '%s': strings have length 1", name))
    return(.entry("string", string = v))
  }
  .check(is.numeric(v) || is.logical(v),
         sprintf("entry '%s': unsupported type '%s'", name, class(v)[1L]),
         -11L)
  if (is.matrix(v)) {
    dn <- dimnames(v)
    return(.entry("matrix", as.double(v), nrow(v), ncol(v), dn[[1L]],
                  dn[[2L]]))
  }
  if (length(v) == 1L && is.null(names(v))) {
    return(.entry("scalar", as.double(v)))
  }
  .entry("vector", as.double(v), rownames = names(v))
}

.result_plain <- function(x) {
  nm <- names(x)
  .check(length(x) == 0L || (!is.null(nm) && all(nzchar(nm))),
         "every entry of a result needs a name")
  entries <- Map(.to_entry, unclass(x), if (is.null(nm)) character() else nm)
  names(entries) <- nm
  kind <- attr(x, "kind")
  if (is.null(kind)) kind <- "custom"
  warnings <- attr(x, "warnings")
  if (is.null(warnings)) warnings <- character()
  list(kind = kind, entries = entries, warnings = as.character(warnings))
}

# Build a result in R. Entries: numbers (scalar when length 1 without
# names, else vector), matrices, data frames with a 'term' column
# (coefficient tables) and single strings.
causal_result <- function(kind, ..., warnings = character()) {
  .check(is.character(kind) && length(kind) == 1L && !is.na(kind),
         "kind must be a single string")
  x <- structure(list(...), class = "causal_result", kind = kind,
                 warnings = as.character(warnings))
  # Normalize through the library so the object is what C would return.
  p <- .result_plain(x)
  .result_from_plain(.Call(C_result_build, p$kind, p$entries, p$warnings,
                           FALSE))
}

causal_result_json <- function(x) {
  .check(inherits(x, "causal_result"), "x must be a causal_result")
  p <- .result_plain(x)
  .Call(C_result_build, p$kind, p$entries, p$warnings, TRUE)
}

# Coefficient table in the layout of summary.lm.
.coef_matrix <- function(tab, stat) {
  m <- cbind(tab$estimate, tab$std_error, tab$statistic, tab$p_value)
  dimnames(m) <- list(tab$term, c("Estimate", "Std. Error",
                                  paste(stat, "value"),
                                  sprintf("Pr(>|%s|)", stat)))
  m
}

print.causal_result <- function(x, digits = max(3L, getOption("digits") - 3L),
                                signif.stars = getOption("show.signif.stars"),
                                ...) {
  cat("<causal_result: ", attr(x, "kind"), ">\n", sep = "")
  nm <- names(x)
  scal <- vapply(x, function(v) is.numeric(v) && length(v) == 1L &&
                   is.null(names(v)) && !is.matrix(v), NA)
  strs <- vapply(x, is.character, NA)
  for (i in which(strs)) cat(nm[i], ": ", x[[i]], "\n", sep = "")
  if (any(scal)) {
    s <- unlist(x[scal])
    w <- max(nchar(names(s)))
    for (k in seq_along(s)) {
      cat(formatC(names(s)[k], width = -w), " ",
          format(s[[k]], digits = digits), "\n", sep = "")
    }
  }
  for (i in which(!scal & !strs)) {
    v <- x[[i]]
    cat("\n", nm[i], ":\n", sep = "")
    if (is.data.frame(v)) {
      stat <- x[[paste0(nm[i], ".statistic")]]
      if (!is.character(stat)) stat <- "z"
      stats::printCoefmat(.coef_matrix(v, stat), digits = digits,
                          signif.stars = signif.stars, na.print = "NA",
                          P.values = TRUE, has.Pvalue = TRUE)
      if (!all(is.na(v$conf_low)) || !all(is.na(v$conf_high))) {
        ci <- cbind(v$conf_low, v$conf_high)
        dimnames(ci) <- list(v$term, c("conf.low", "conf.high"))
        cat("Confidence intervals:\n")
        print(ci, digits = digits)
      }
    } else {
      print(v, digits = digits)
    }
  }
  w <- attr(x, "warnings")
  if (length(w)) {
    cat("\nWarnings:\n")
    for (s in w) cat("  - ", s, "\n", sep = "")
  }
  invisible(x)
}

print.causal_table <- function(x, ...) {
  print(structure(x, class = "data.frame"), ...)
  invisible(x)
}
