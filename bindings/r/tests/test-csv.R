# CSV reading against utils::read.csv.
library(causal)
catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

lines <- c(
  'id,score,passed,group,note',
  '1,3.5,TRUE,a,"plain"',
  '2,,FALSE,b,"with, comma"',
  '3,-1e-3,NA,a,"quote "" inside"',
  '4,2.25,TRUE,,"two',
  'lines"',
  '5,NA,FALSE,c,'
)
path <- tempfile(fileext = ".csv")
writeLines(lines, path)

ours <- causal_read_csv(path)
ref <- utils::read.csv(path, na.strings = c("", "NA"), stringsAsFactors = FALSE)
stopifnot(identical(names(ours), names(ref)))
stopifnot(identical(ours$id, ref$id), is.integer(ours$id))
stopifnot(identical(ours$score, ref$score))
stopifnot(identical(ours$passed, ref$passed), is.logical(ours$passed))
stopifnot(identical(ours$group, ref$group))
stopifnot(identical(ours$note, ref$note))
stopifnot(identical(dim(ours), dim(ref)))

# Categorical columns as factors on request.
of <- causal_read_csv(path, strings_as_factors = TRUE)
stopifnot(is.factor(of$group), identical(levels(of$group), c("a", "b", "c")))

# Explicit column types.
ot <- causal_read_csv(path, col_types = c(id = "double", group = "factor"))
stopifnot(is.double(ot$id), identical(ot$id, c(1, 2, 3, 4, 5)))

# NA tokens replace the default set.
on <- causal_read_csv(text = c("a,b", "1,x", "-99,NA"), na = "-99")
stopifnot(identical(on$a, c(1L, NA)), identical(on$b, c("x", "NA")))

# Delimiter, no header, text input.
t2 <- causal_read_csv(text = c("1;2.5;u", "3;4;v"), delim = ";", header = FALSE)
r2 <- utils::read.csv(text = "1;2.5;u\n3;4;v", sep = ";", header = FALSE,
                      stringsAsFactors = FALSE)
stopifnot(identical(t2, r2))

# Integers too large for an int64 promote to double; int64 beyond R's
# integer range comes back as double.
big <- causal_read_csv(text = c("k", "1", "99999999999", "99999999999999999999"))
stopifnot(is.double(big$k), big$k[2] == 99999999999)

# Errors name the line and column.
e <- catch(causal_read_csv(text = c("a,b", "1,2", "3,oops"), col_types = c(b = "double")))
stopifnot(inherits(e, "causal_eparse_error"), grepl("line 3", conditionMessage(e)))
e <- catch(causal_read_csv(file.path(tempdir(), "does-not-exist.csv")))
stopifnot(inherits(e, "causal_eio_error"))
stopifnot(inherits(catch(causal_read_csv(path, delim = ";;")), "causal_einval_error"))
stopifnot(inherits(catch(causal_read_csv(path, col_types = c(id = "complex"))),
                   "causal_einval_error"))
e <- catch(causal_read_csv(path, col_types = c(nope = "double")))
stopifnot(is.null(e) || inherits(e, "causal_error"))
unlink(path)
cat("test-csv: OK\n")

# Streaming reads: chunks concatenate to the whole-input read.
path <- tempfile(fileext = ".csv")
big <- data.frame(i = 1:1000, x = round(sin(1:1000), 6),
                  g = sample(c("a", "b", "c", "d"), 1000, TRUE),
                  stringsAsFactors = FALSE)
utils::write.csv(big, path, row.names = FALSE)
rd <- causal_csv_reader(path, chunk_rows = 300)
chunks <- list()
while (!is.null(ch <- causal_csv_next(rd))) chunks[[length(chunks) + 1L]] <- ch
stopifnot(length(chunks) == 4, vapply(chunks, nrow, 1L) == c(300, 300, 300, 100))
all <- do.call(rbind, chunks)
stopifnot(identical(all$i, big$i), identical(all$g, big$g),
          isTRUE(all.equal(all$x, big$x, tolerance = 1e-15)))
stopifnot(is.null(causal_csv_next(rd)))
stopifnot(grepl("1000 rows", capture.output(print(rd))))
# Moments over the chunks equal those of the whole file.
rd <- causal_csv_reader(path, chunk_rows = 128)
m <- causal_moments(2)
while (!is.null(ch <- causal_csv_next(rd))) causal_moments_update(m, as.matrix(ch[c("i", "x")]))
stopifnot(isTRUE(all.equal(unname(causal_moments_get(m, "cov")),
                           unname(cov(as.matrix(big[c("i", "x")]))), tolerance = 1e-13)))
# Types are inferred from the first infer_rows records and then fixed.
writeLines(c("a", "1", "2", "x"), path)
rd <- causal_csv_reader(path, chunk_rows = 2)
stopifnot(is.character(causal_csv_next(rd)$a))
rd <- causal_csv_reader(path, chunk_rows = 2, infer_rows = 2)
stopifnot(is.integer(causal_csv_next(rd)$a))
e <- catch(causal_csv_next(rd))
stopifnot(inherits(e, "causal_eparse_error"), grepl("line 4", conditionMessage(e)))
stopifnot(inherits(catch(causal_csv_reader(path, chunk_rows = 0)), "causal_einval_error"))
stopifnot(inherits(catch(causal_csv_reader(file.path(tempdir(), "nope.csv"))), "causal_eio_error"))
stopifnot(inherits(catch(causal_csv_next(42)), "causal_einval_error"))
unlink(path)
cat("test-csv streaming: OK\n")
