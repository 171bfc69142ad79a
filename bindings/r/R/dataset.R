# Datasets (include/causal/dataset.h), CSV reading (csv.h) and design
# matrices.

.type_names <- c("f64", "i64", "bool", "cat")

as_causal_dataset <- function(x, copy = TRUE) {
  if (inherits(x, "causal_dataset")) return(x)
  .check(is.list(x), "x must be a data.frame or a list of columns")
  .check(is.logical(copy) && length(copy) == 1L && !is.na(copy),
         "copy must be TRUE or FALSE")
  nm <- names(x)
  .check(length(x) == 0L || (!is.null(nm) && all(nzchar(nm)) && !anyNA(nm)),
         "every column needs a non-empty name")
  cols <- lapply(seq_along(x), function(j) {
    col <- x[[j]]
    .check(is.null(dim(col)) || length(dim(col)) == 1L,
           sprintf("column '%s' is a matrix; only vectors are supported",
                   nm[j]), -11L)
    if (is.factor(col) || is.character(col) || is.logical(col)) return(col)
    .check(is.numeric(col) && !is.object(col),
           sprintf(paste("column '%s' has class '%s': convert it to numeric,",
                         "integer, logical, factor or character first"),
                   nm[j], class(col)[1L]), -11L)
    col
  })
  names(cols) <- nm
  if (is.null(nm)) nm <- character(0)
  # copy = FALSE lends double columns to the library without copying; the
  # handle keeps them alive, and R's copy-on-modify protects them.
  .Call(C_dataset_from_list, cols, as.character(nm), !copy)
}

.ds_info <- function(x) {
  .check(inherits(x, "causal_dataset"), "x must be a causal_dataset object")
  info <- .Call(C_dataset_info, x)
  list(nrow = info[[1L]], names = info[[2L]],
       types = .type_names[info[[3L]]], nmissing = info[[4L]])
}

dim.causal_dataset <- function(x) {
  info <- .ds_info(x)
  c(info$nrow, length(info$names))
}

names.causal_dataset <- function(x) .ds_info(x)$names

as.data.frame.causal_dataset <- function(x, row.names = NULL, optional = FALSE,
                                         ..., stringsAsFactors = TRUE) {
  .check(inherits(x, "causal_dataset"), "x must be a causal_dataset object")
  cols <- .Call(C_dataset_to_list, x)
  if (!stringsAsFactors) {
    cols <- lapply(cols, function(c) if (is.factor(c)) as.character(c) else c)
  }
  n <- if (length(cols)) length(cols[[1L]]) else .ds_info(x)$nrow
  if (is.null(row.names)) row.names <- .set_row_names(as.integer(n))
  structure(cols, class = "data.frame", row.names = row.names)
}

print.causal_dataset <- function(x, ...) {
  info <- tryCatch(.ds_info(x), causal_error = function(e) NULL)
  if (is.null(info)) {
    cat("<causal_dataset: invalid (freed or reloaded)>\n")
    return(invisible(x))
  }
  cat("<causal_dataset: ", format(info$nrow), " rows x ",
      length(info$names), " columns>\n", sep = "")
  if (length(info$names)) {
    print(data.frame(column = info$names, type = info$types,
                     missing = info$nmissing), row.names = FALSE)
  }
  invisible(x)
}

.col_type_codes <- c(f64 = 1L, double = 1L, numeric = 1L, i64 = 2L,
                     integer = 2L, bool = 3L, logical = 3L, cat = 4L,
                     factor = 4L, character = 4L)

# Checked CSV options as passed to the C glue.
.csv_args <- function(delim, header, na, col_types, infer_rows) {
  .check(is.character(delim) && length(delim) == 1L && !is.na(delim) &&
           length(charToRaw(delim)) == 1L,
         "delim must be a single one-byte character")
  .check(is.logical(header) && length(header) == 1L && !is.na(header),
         "header must be TRUE or FALSE")
  .check(is.null(na) || is.character(na), "na must be a character vector")
  .check(is.null(infer_rows) || .is_count(infer_rows),
         "infer_rows must be a whole number >= 0")
  types <- NULL
  if (!is.null(col_types)) {
    col_types <- unlist(col_types)
    .check(is.character(col_types) && !is.null(names(col_types)) &&
             all(col_types %in% names(.col_type_codes)),
           paste("col_types must be a named character vector with values in:",
                 paste(names(.col_type_codes), collapse = ", ")))
    types <- .col_type_codes[col_types]
    names(types) <- names(col_types)
  }
  list(delim = as.integer(charToRaw(delim)), header = header,
       na = if (length(na)) na else NULL, types = types,
       infer = if (is.null(infer_rows)) NULL else as.double(infer_rows))
}

causal_read_csv <- function(file, delim = ",", header = TRUE,
                            na = c("", "NA"), col_types = NULL,
                            infer_rows = NULL, strings_as_factors = FALSE,
                            text = NULL) {
  a <- .csv_args(delim, header, na, col_types, infer_rows)
  if (!is.null(text)) {
    .check(missing(file), "give either file or text, not both")
    .check(is.character(text), "text must be character")
    src <- paste0(paste(text, collapse = "\n"), "\n")
    is_text <- TRUE
  } else {
    .check(is.character(file) && length(file) == 1L && !is.na(file),
           "file must be a single path")
    src <- file
    is_text <- FALSE
  }
  ds <- .Call(C_csv_read, src, is_text, a$delim, a$header, a$na, a$types,
              a$infer)
  as.data.frame(ds, stringsAsFactors = strings_as_factors)
}

causal_csv_reader <- function(file, chunk_rows = 65536, delim = ",",
                              header = TRUE, na = c("", "NA"),
                              col_types = NULL, infer_rows = NULL) {
  a <- .csv_args(delim, header, na, col_types, infer_rows)
  .check(is.character(file) && length(file) == 1L && !is.na(file),
         "file must be a single path")
  .check(.is_count(chunk_rows) && chunk_rows >= 1,
         "chunk_rows must be a whole number >= 1")
  .Call(C_csv_reader_open, file, a$delim, a$header, a$na, a$types, a$infer,
        as.double(chunk_rows))
}

causal_csv_next <- function(reader, strings_as_factors = FALSE) {
  .check(inherits(reader, "causal_csv_reader"),
         "reader must be a causal_csv_reader")
  ds <- .Call(C_csv_reader_next, reader)
  if (is.null(ds)) return(NULL)
  as.data.frame(ds, stringsAsFactors = strings_as_factors)
}

print.causal_csv_reader <- function(x, ...) {
  n <- tryCatch(.Call(C_csv_reader_rows, x), causal_error = function(e) NULL)
  if (is.null(n)) {
    cat("<causal_csv_reader: invalid (freed or reloaded)>\n")
  } else {
    cat("<causal_csv_reader: ", format(n), " rows read>\n", sep = "")
  }
  invisible(x)
}

causal_design_matrix <- function(data, terms, intercept = TRUE,
                                 reference = list()) {
  .check(is.character(terms) && !anyNA(terms), "terms must be character")
  .check(is.logical(intercept) && length(intercept) == 1L && !is.na(intercept),
         "intercept must be TRUE or FALSE")
  reference <- unlist(reference)
  .check(length(reference) == 0L || (is.character(reference) &&
                                       !is.null(names(reference))),
         "reference must be a named list or vector of levels, e.g. list(region = \"north\")")
  if (!length(reference)) reference <- character(0)
  rn <- NULL
  if (!inherits(data, "causal_dataset")) {
    .check(is.data.frame(data) || is.list(data),
           "data must be a data.frame or a causal_dataset")
    # Convert only the columns the design uses (the library reports names
    # that do not exist); double columns are borrowed for the call.
    used <- unique(c(unlist(strsplit(terms, ":", fixed = TRUE)),
                     names(reference)))
    rn <- if (is.data.frame(data)) row.names(data) else NULL
    data <- as_causal_dataset(data[intersect(used, names(data))],
                              copy = FALSE)
  }
  res <- .Call(C_design_build, data, terms, intercept,
               as.character(names(reference)), as.character(reference))
  e <- res$entries
  X <- e$X
  M <- matrix(X$values, nrow = X$nrow, ncol = X$ncol)
  rows <- as.integer(e$rows$values) + 1L
  dimnames(M) <- list(if (is.null(rn)) as.character(rows) else rn[rows],
                      X$colnames)
  attr(M, "rows") <- rows
  attr(M, "n_dropped") <- e$n_dropped$values
  if (!is.null(e$dropped_by_column)) {
    attr(M, "dropped_by_column") <- stats::setNames(
      e$dropped_by_column$values, e$dropped_by_column$rownames)
  }
  M
}
