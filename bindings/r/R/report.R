# Visual reports (include/causal/report.h, docs/reports.md). A report and
# a chart are plain R lists (serializable); causal_report_html() and
# causal_report_markdown() hand them to the library, which renders
# self-contained HTML (inline SVG) or Markdown. Functions return the
# updated object, so they chain with |>.

.chart_kinds <- c(line = 1L, interval = 2L, density = 3L, histogram = 4L,
                  forest = 5L, love = 6L)
.chart_opts <- c(width = 1L, height = 2L, bins = 3L, x_low = 4L,
                 x_high = 5L, y_low = 6L, y_high = 7L)

.opt_string <- function(x, what) {
  if (is.null(x)) return(NULL)
  .check(is.character(x) && length(x) == 1L && !is.na(x),
         sprintf("%s must be a single string", what))
  enc2utf8(x)
}

.num <- function(x, what) {
  .check(is.numeric(x) || is.logical(x),
         sprintf("%s must be numeric", what))
  as.double(x)
}

.check_chart <- function(chart) {
  .check(inherits(chart, "causal_chart"), "chart must be a causal_chart")
}

.check_report <- function(report) {
  .check(inherits(report, "causal_report"), "report must be a causal_report")
}

causal_chart <- function(kind = c("line", "interval", "density", "histogram",
                                  "forest", "love"),
                         title, xlabel = NULL, ylabel = NULL,
                         caption = NULL, width = NULL, height = NULL,
                         bins = NULL, xlim = NULL, ylim = NULL) {
  kind <- match.arg(kind)
  keys <- integer()
  vals <- numeric()
  add <- function(k, v) {
    if (!is.null(v) && !is.na(v)) {
      keys <<- c(keys, .chart_opts[[k]])
      vals <<- c(vals, as.double(v))
    }
  }
  add("width", width)
  add("height", height)
  add("bins", bins)
  if (!is.null(xlim)) { add("x_low", xlim[1L]); add("x_high", xlim[2L]) }
  if (!is.null(ylim)) { add("y_low", ylim[1L]); add("y_high", ylim[2L]) }
  structure(list(kind = .chart_kinds[[kind]],
                 title = .opt_string(title, "title"),
                 xlabel = .opt_string(xlabel, "xlabel"),
                 ylabel = .opt_string(ylabel, "ylabel"),
                 caption = .opt_string(caption, "caption"),
                 opt_keys = keys, opt_values = vals, rows = NULL,
                 series = list(), refs = list()),
            class = "causal_chart")
}

.add_series <- function(chart, s) {
  .check_chart(chart)
  lens <- lengths(s[c("x", "y", "low", "high")])
  lens <- lens[!vapply(s[c("x", "y", "low", "high")], is.null, TRUE)]
  .check(length(unique(lens)) <= 1L,
         sprintf("series '%s': arrays of different lengths (%s)", s$name,
                 paste(lens, collapse = ", ")), -12L)
  s$name <- .opt_string(s$name, "name")
  chart$series[[length(chart$series) + 1L]] <- s
  chart
}

causal_chart_line <- function(chart, x, y, name = "", markers = FALSE,
                              dashed = FALSE, fill = FALSE) {
  style <- as.integer(isTRUE(markers) + 2L * isTRUE(dashed) +
                      4L * isTRUE(fill))
  .add_series(chart, list(type = "line", name = name, x = .num(x, "x"),
                          y = .num(y, "y"), style = style))
}

causal_chart_intervals <- function(chart, x, estimate, low = NULL,
                                   high = NULL, name = "") {
  .add_series(chart, list(type = "intervals", name = name, x = .num(x, "x"),
                          y = .num(estimate, "estimate"),
                          low = if (!is.null(low)) .num(low, "low"),
                          high = if (!is.null(high)) .num(high, "high")))
}

causal_chart_histogram <- function(chart, values, name = "") {
  .add_series(chart, list(type = "histogram", name = name,
                          y = .num(values, "values")))
}

causal_chart_rows <- function(chart, labels) {
  .check_chart(chart)
  .check(is.character(labels) || is.factor(labels),
         "labels must be character")
  chart$rows <- enc2utf8(as.character(labels))
  chart
}

causal_chart_row_intervals <- function(chart, estimate, low = NULL,
                                       high = NULL, name = "") {
  .add_series(chart, list(type = "row_intervals", name = name,
                          y = .num(estimate, "estimate"),
                          low = if (!is.null(low)) .num(low, "low"),
                          high = if (!is.null(high)) .num(high, "high")))
}

causal_chart_row_points <- function(chart, values, name = "") {
  .add_series(chart, list(type = "row_points", name = name,
                          y = .num(values, "values")))
}

causal_chart_refline <- function(chart, value, axis = c("x", "y"),
                                 label = NULL) {
  .check_chart(chart)
  axis <- match.arg(axis)
  chart$refs[[length(chart$refs) + 1L]] <-
    list(axis = if (axis == "x") 0L else 1L, value = .num(value, "value"),
         label = .opt_string(label, "label"))
  chart
}

causal_love_plot <- function(covariates, before, after, threshold = 0.1,
                             title = "Covariate balance") {
  ch <- causal_chart("love", title,
                     xlabel = "Absolute standardized mean difference",
                     xlim = c(0, NA))
  ch <- causal_chart_rows(ch, covariates)
  ch <- causal_chart_row_points(ch, before, "Before adjustment")
  ch <- causal_chart_row_points(ch, after, "After adjustment")
  if (!is.null(threshold))
    ch <- causal_chart_refline(ch, threshold, "x", "threshold")
  ch
}

causal_forest_plot <- function(labels, estimate, low = NULL, high = NULL,
                               ref = 0, title = "Estimates", xlabel = NULL) {
  ch <- causal_chart("forest", title, xlabel = xlabel)
  ch <- causal_chart_rows(ch, labels)
  ch <- causal_chart_row_intervals(ch, estimate, low, high, "Estimate")
  if (!is.null(ref)) ch <- causal_chart_refline(ch, ref, "x")
  ch
}

causal_chart_svg <- function(chart) {
  .check_chart(chart)
  .Call(C_chart_svg, unclass(chart))
}

print.causal_chart <- function(x, ...) {
  cat(sprintf("<causal_chart '%s': %s, %d series>\n", x$title,
              names(.chart_kinds)[x$kind], length(x$series)))
  invisible(x)
}

# ---- reports ----

causal_report <- function(title, digits = 4L, markdown_images = FALSE) {
  .check(is.numeric(digits) && length(digits) == 1L,
         "digits must be a number")
  .check(isTRUE(markdown_images) || isFALSE(markdown_images),
         "markdown_images must be TRUE or FALSE")
  structure(list(title = .opt_string(title, "title"),
                 digits = as.integer(digits), md_images = markdown_images,
                 blocks = list()),
            class = "causal_report")
}

.add_block <- function(report, b) {
  .check_report(report)
  report$blocks[[length(report$blocks) + 1L]] <- b
  report
}

causal_report_heading <- function(report, text, level = 2L) {
  .add_block(report, list(type = "heading", level = as.integer(level),
                          text = .opt_string(text, "text")))
}

causal_report_paragraph <- function(report, text) {
  .add_block(report, list(type = "paragraph",
                          text = .opt_string(paste(text, collapse = "\n"),
                                             "text")))
}

.fmt_value <- function(v, digits) {
  if (is.numeric(v))
    ifelse(is.na(v), "NA", formatC(v, digits = digits, format = "g"))
  else as.character(v)
}

causal_report_keyvalue <- function(report, x) {
  .check(length(x) > 0L && !is.null(names(x)) && all(nzchar(names(x))),
         "x must be a named list or vector")
  vals <- vapply(x, function(v) paste(.fmt_value(v, 6L), collapse = ", "),
                 "")
  .add_block(report, list(type = "keyvalue", keys = enc2utf8(names(x)),
                          values = enc2utf8(unname(vals))))
}

causal_report_table <- function(report, x, caption = NULL) {
  caption <- .opt_string(caption, "caption")
  if (is.matrix(x) && is.numeric(x)) {
    dn <- dimnames(x)
    return(.add_block(report, list(
      type = "numeric", caption = caption, values = as.double(x),
      nrow = nrow(x), ncol = ncol(x),
      rownames = if (!is.null(dn[[1L]])) enc2utf8(dn[[1L]]),
      colnames = if (!is.null(dn[[2L]])) enc2utf8(dn[[2L]]))))
  }
  x <- as.data.frame(x, stringsAsFactors = FALSE)
  .check(ncol(x) > 0L, "the table has no columns")
  cols <- lapply(x, function(v) {
    s <- .fmt_value(v, 6L)
    s[is.na(v)] <- NA_character_
    s
  })
  cells <- if (nrow(x) > 0L) as.vector(t(do.call(cbind, cols)))
           else character()
  .add_block(report, list(type = "table", caption = caption,
                          colnames = enc2utf8(names(x)),
                          cells = enc2utf8(as.character(cells))))
}

causal_report_result <- function(report, result, caption = NULL) {
  .check(inherits(result, "causal_result"),
         "result must be a causal_result")
  .add_block(report, list(type = "result", result = .result_plain(result),
                          caption = .opt_string(caption, "caption")))
}

causal_report_chart <- function(report, chart) {
  .check_chart(chart)
  .add_block(report, list(type = "chart", chart = unclass(chart)))
}

causal_report_html <- function(report) {
  .check_report(report)
  .Call(C_report_render, unclass(report), 0L)
}

causal_report_markdown <- function(report) {
  .check_report(report)
  .Call(C_report_render, unclass(report), 1L)
}

causal_report_save <- function(report, file,
                               format = c("auto", "html", "markdown")) {
  format <- match.arg(format)
  if (format == "auto")
    format <- if (grepl("\\.(md|markdown)$", file, ignore.case = TRUE))
      "markdown" else "html"
  text <- if (format == "html") causal_report_html(report)
          else causal_report_markdown(report)
  con <- file(file, open = "wb")
  on.exit(close(con))
  writeBin(charToRaw(enc2utf8(text)), con)
  invisible(file)
}

print.causal_report <- function(x, ...) {
  cat(sprintf("<causal_report '%s': %d blocks>\n", x$title,
              length(x$blocks)))
  invisible(x)
}
