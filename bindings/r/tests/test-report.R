# Reports and charts: structure of the HTML/Markdown/SVG the library
# renders from R objects, escaping, results, errors.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
has <- function(s, frag) stopifnot(grepl(frag, s, fixed = TRUE))

ch <- causal_love_plot(c("age", "educ & <yrs>"), before = c(0.3, 0.1),
                       after = c(0.02, NaN))
stopifnot(inherits(ch, "causal_chart"), length(ch$series) == 2L)
svg <- causal_chart_svg(ch)
has(svg, "<title>Covariate balance</title>")
has(svg, ">educ &amp; &lt;yrs&gt;</text>")
has(svg, ">threshold</text>")

h <- causal_chart("histogram", "Overlap", bins = 5)
h <- causal_chart_histogram(h, c(0.1, 0.2, 0.4), "control")
h <- causal_chart_histogram(h, c(0.5, 0.6, 0.9), "treated")
d <- causal_chart("density", "Posterior")
d <- causal_chart_line(d, 0:3, c(0, 0.5, 0.3, 0), "A")
l <- causal_chart("line", "Power", ylim = c(0, 1))
l <- causal_chart_line(l, c(10, 20, 40), c(0.2, 0.5, 0.9), "d = 0.2",
                       markers = TRUE)
l <- causal_chart_refline(l, 0.8, "y", "80%")
f <- causal_forest_plot(c("RCT", "Obs", "Fused"), c(1, 1.4, 1.1),
                        c(0.2, 1.2, 0.7), c(1.8, 1.6, 1.5))
f <- causal_chart_row_points(f, c(1, 1, 1), "True effect")

res <- causal_result("demo", r_squared = 0.4321987, method = "x<y",
                     coef = data.frame(term = c("a", "b"),
                                       estimate = c(1.5, 0.25),
                                       std_error = c(0.1, 0.05)))
rep <- causal_report("R <report>", digits = 3)
rep <- causal_report_heading(rep, "Section")
rep <- causal_report_paragraph(rep, "One & two.\n\nThree.")
rep <- causal_report_keyvalue(rep, list(n = 100, effect = 0.123456789))
rep <- causal_report_table(rep, data.frame(arm = c("A", "B|C"),
                                           lift = c(0.5, NA)))
rep <- causal_report_table(rep, matrix(c(1, 2, 3, NaN), 2,
                                       dimnames = list(c("r1", "r2"),
                                                       c("x", "y"))),
                           caption = "M")
rep <- causal_report_result(rep, res)
for (c in list(ch, h, d, l, f)) rep <- causal_report_chart(rep, c)
print(rep)
html <- causal_report_html(rep)
stopifnot(is.character(html), length(html) == 1L,
          startsWith(html, "<!DOCTYPE html>"))
has(html, "<title>R &lt;report&gt;</title>")
has(html, "<p>One &amp; two.</p>")
has(html, "<dt>effect</dt><dd>0.123457</dd>")
has(html, "<td>B|C</td><td></td>")
has(html, "<td>r2</td><td class=\"num\">2</td><td class=\"num\">NA</td>")
has(html, "<dt>r_squared</dt><dd>0.432</dd>")
has(html, "<dt>method</dt><dd>x&lt;y</dd>")
has(html, "<td>a</td><td class=\"num\">1.5</td>")
stopifnot(lengths(regmatches(html, gregexpr("<svg ", html))) == 5L)
stopifnot(identical(html, causal_report_html(rep)))  # deterministic

md <- causal_report_markdown(rep)
has(md, "# R \\<report\\>")
has(md, "| B\\|C |  |")
has(md, "| RCT | 1 [0.2, 1.8] | 1 |")
stopifnot(!grepl("data:image", md, fixed = TRUE))
rep2 <- causal_report("img", markdown_images = TRUE)
rep2 <- causal_report_chart(rep2, l)
has(causal_report_markdown(rep2), "data:image/svg+xml;base64,")

# a real estimator's result
fit <- causal_ols(mpg ~ wt + hp, mtcars)
r3 <- causal_report_result(causal_report("ols"), fit, caption = "OLS")
has(causal_report_html(r3), "<td>wt</td>")

# saving
tf <- tempfile(fileext = ".md")
causal_report_save(rep, tf)
stopifnot(file.size(tf) == nchar(md, type = "bytes"))
tf2 <- tempfile(fileext = ".html")
causal_report_save(rep, tf2)
stopifnot(file.size(tf2) == nchar(html, type = "bytes"))
unlink(c(tf, tf2))

# errors
e <- catch(causal_chart_svg(causal_chart("line", "empty")))
stopifnot(inherits(e, "causal_error"), grepl("no series", conditionMessage(e)))
e <- catch(causal_chart_svg(causal_chart_line(causal_chart("line", "t"),
                                              1:3, c(1, NaN, 3), "s")))
stopifnot(inherits(e, "causal_error"), grepl("y\\[1\\] is NaN",
                                             conditionMessage(e)))
e <- catch(causal_chart_line(causal_chart("line", "t"), 1:3, 1:2))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_chart_svg(causal_chart_row_points(
  causal_chart_rows(causal_chart("love", "t"), c("a", "b")), 1:3)))
stopifnot(inherits(e, "causal_error"), grepl("3 values for 2 rows",
                                             conditionMessage(e)))
e <- catch(causal_report_html(causal_report_heading(causal_report("t"),
                                                    "x", level = 1)))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_report_chart(causal_report("t"), "not a chart"))
stopifnot(inherits(e, "causal_error") || inherits(e, "error"))
e <- catch(causal_chart("pie", "t"))
stopifnot(inherits(e, "error"))
cat("report tests OK\n")
