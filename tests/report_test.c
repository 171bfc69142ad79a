/* Reports and charts: structure, escaping, nice ticks, determinism, errors
 * and out-of-memory paths. The SVG/HTML well-formedness is also checked by
 * an XML parser (tests/ref/report_xml_check.py) and headless Chromium
 * (tests/cli/report_browser_test.sh). */
#include "testutil.h"

#include "internal/report.h"

#include <locale.h>

static size_t count(const char *hay, const char *needle) {
  size_t n = 0, k = strlen(needle);
  for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
    n++;
  return n;
}

#define assert_has(s, frag)                                                    \
  do {                                                                         \
    if (strstr((s), (frag)) == NULL)                                           \
      fail_msg("output lacks '%s'", (frag));                                   \
  } while (0)
#define assert_lacks(s, frag)                                                  \
  do {                                                                         \
    if (strstr((s), (frag)) != NULL)                                           \
      fail_msg("output has '%s'", (frag));                                     \
  } while (0)

/* ---- nice ticks ---- */

static void check_ticks(double lo, double hi, int target, double step,
                        double a, double b, int ndec) {
  double lo2, hi2, st;
  int nd;
  cz_nice_ticks(lo, hi, target, &lo2, &hi2, &st, &nd);
  assert_close(st, step, 1e-12);
  assert_close(lo2 + 1.0, a + 1.0, 1e-12); /* +1: a may be 0 */
  assert_close(hi2, b, 1e-12);
  assert_int_equal(nd, ndec);
  assert_true(lo2 <= lo && hi2 >= hi);
}

static void test_nice_ticks(void **state) {
  (void)state;
  check_ticks(0, 1, 5, 0.2, 0, 1, 1);
  check_ticks(0.13, 0.87, 5, 0.2, 0, 1, 1);
  check_ticks(-3.2, 7.9, 5, 2, -4, 8, 0);
  check_ticks(1000, 98000, 5, 20000, 0, 100000, 0);
  check_ticks(0.0012, 0.0047, 5, 0.001, 0.001, 0.005, 3);
  check_ticks(-0.5, 0.5, 6, 0.2, -0.6, 0.6, 1);
  check_ticks(95, 105, 5, 2, 94, 106, 0);
  /* property: over many ranges the steps are 1, 2, 5 x 10^k and the
   * number of ticks stays near the target */
  for (int i = 0; i < 2000; i++) {
    double lo = sin(i * 1.3) * pow(10, (i % 9) - 4);
    double hi = lo + fabs(cos(i * 0.7)) * pow(10, (i % 7) - 3) + 1e-9;
    double a, b, st;
    int nd;
    cz_nice_ticks(lo, hi, 5, &a, &b, &st, &nd);
    double m = st / pow(10, floor(log10(st) + 1e-9));
    assert_true(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 ||
                fabs(m - 5) < 1e-9);
    double nt = (b - a) / st + 1;
    assert_true(nt >= 3 && nt <= 12);
    assert_true(a <= lo && b >= hi);
  }
}

static void test_format(void **state) {
  (void)state;
  char buf[64];
  cz_fmt_fixed(buf, sizeof buf, -0.001, 2);
  assert_string_equal(buf, "0.00");
  cz_fmt_fixed(buf, sizeof buf, -0.5, 1);
  assert_string_equal(buf, "-0.5");
  cz_fmt_num(buf, sizeof buf, -0.0, 4);
  assert_string_equal(buf, "0");
  cz_fmt_num(buf, sizeof buf, NAN, 4);
  assert_string_equal(buf, "NA");
  cz_fmt_num(buf, sizeof buf, -INFINITY, 4);
  assert_string_equal(buf, "-Inf");
  cz_fmt_num(buf, sizeof buf, 3.14159265, 4);
  assert_string_equal(buf, "3.142");
  /* a host locale with a decimal comma does not leak into the output */
  const char *locs[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8"};
  for (size_t i = 0; i < 3; i++) {
    if (setlocale(LC_NUMERIC, locs[i]) == NULL)
      continue;
    cz_fmt_num(buf, sizeof buf, -1234.5, 6);
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(buf, "-1234.5");
    break;
  }
  setlocale(LC_NUMERIC, "C");
}

/* ---- escaping ---- */

static char *escape(const char *s, size_t maxcp, int md) {
  cz_alloc a = cz_alloc_current();
  cz_buf b;
  cz_buf_init(&b, &a);
  if (md)
    cz_md_escape(&b, s, 1);
  else
    cz_xml_escape(&b, s, maxcp);
  cz_buf_puts(&b, "");
  return b.data; /* freed with free(): default allocator */
}

static void test_escape(void **state) {
  (void)state;
  char *e = escape("a<b>&\"c'", 0, 0);
  assert_string_equal(e, "a&lt;b&gt;&amp;&quot;c&#39;");
  free(e);
  /* invalid UTF-8, a control char and a surrogate become U+FFFD */
  e = escape("x\xff" "y\x01z\xed\xa0\x80!", 0, 0);
  assert_string_equal(e, "x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD"
                         "\xEF\xBF\xBD!");
  free(e);
  /* valid multibyte text is kept; truncation counts code points */
  e = escape("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC", 0, 0);
  assert_string_equal(e, "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC");
  free(e);
  e = escape("abcdefgh", 4, 0);
  assert_string_equal(e, "abc\xE2\x80\xA6");
  free(e);
  e = escape("abcd", 4, 0);
  assert_string_equal(e, "abcd");
  free(e);
  e = escape("a|b*c_d\\e\nf _x y_", 0, 1);
  assert_string_equal(e, "a\\|b\\*c_d\\\\e f \\_x y\\_");
  free(e);
  assert_int_equal(cz_utf8_len("\xC3\xA9\xff" "a"), 3);
}

/* ---- charts ---- */

static causal_chart *line_chart(void) {
  causal_chart *c = NULL;
  double x[5] = {100, 200, 400, 800, 1600};
  double y[5] = {0.1, 0.3, 0.55, 0.8, 0.97};
  double y2[5] = {0.05, 0.2, 0.4, 0.65, 0.9};
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_LINE, "Power <curve> & more"));
  assert_ok(causal_chart_set_labels(c, "n per arm", "Power"));
  assert_ok(causal_chart_add_line(c, "effect 0.2", x, y, 5,
                                  CAUSAL_CHART_MARKERS));
  assert_ok(causal_chart_add_line(c, "effect 0.1", x, y2, 5,
                                  CAUSAL_CHART_DASHED));
  assert_ok(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0.8, "80%"));
  return c;
}

static void test_chart_svg_structure(void **state) {
  (void)state;
  causal_chart *c = line_chart();
  char *svg = NULL;
  size_t len = 0;
  assert_ok(causal_chart_to_svg(c, &svg, &len));
  assert_int_equal(len, strlen(svg));
  assert_has(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  assert_has(svg, "xmlns=\"http://www.w3.org/2000/svg\"");
  assert_has(svg, "role=\"img\"");
  assert_has(svg, "<title>Power &lt;curve&gt; &amp; more</title>");
  assert_lacks(svg, "<curve>");
  assert_int_equal(count(svg, "<polyline"), 2);
  assert_int_equal(count(svg, "<circle"), 5 + 1); /* markers + legend */
  assert_int_equal(count(svg, "stroke-dasharray=\"6 4\""), 2); /* + legend */
  assert_has(svg, ">80%</text>");
  assert_has(svg, ">n per arm</text>");
  assert_has(svg, "rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" "
                  "fill=\"#1a1a1a\">Power</text>");
  /* y ticks 0.0 .. 1.0 by 0.2 ; x ticks 0 .. 1600 */
  assert_has(svg, ">0.2</text>");
  assert_has(svg, ">1.0</text>");
  assert_has(svg, ">2000</text>");
  assert_has(svg, ">effect 0.2</text>");
  assert_has(svg, "#0072B2");
  assert_has(svg, "#D55E00");
  causal_free(svg);
  causal_chart_free(c);
}

static void test_chart_kinds(void **state) {
  (void)state;
  causal_chart *c = NULL;
  char *svg = NULL;
  /* intervals (event study) with NaN bounds at the reference period */
  double t[4] = {-2, -1, 0, 1}, est[4] = {0.1, 0, 0.9, 1.2};
  double lo[4] = {-0.3, NAN, 0.5, 0.7}, hi[4] = {0.5, NAN, 1.3, 1.7};
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_INTERVAL, "Event study"));
  assert_ok(causal_chart_add_intervals(c, "TWFE", t, est, lo, hi, 4));
  assert_ok(causal_chart_add_intervals(c, "Other", t, est, NULL, NULL, 4));
  assert_ok(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0, NULL));
  assert_ok(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_X, -0.5, "start"));
  assert_ok(causal_chart_to_svg(c, &svg, NULL));
  /* 3 whiskers x 3 lines for TWFE (one NaN interval skipped) */
  assert_int_equal(count(svg, "stroke-width=\"1.8\""), 9);
  assert_int_equal(count(svg, "<circle"), 4 + 1);
  assert_int_equal(count(svg, "<rect x="), 4 + 1); /* squares + legend */
  assert_int_equal(count(svg, "stroke-dasharray=\"5 4\""), 2);
  causal_free(svg);
  causal_chart_free(c);

  /* histogram: shares per bin; bins option */
  double v1[6] = {0.1, 0.2, 0.2, 0.3, 0.9, 0.5};
  double v2[3] = {0.6, 0.7, 0.8};
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_HISTOGRAM, "Overlap"));
  assert_ok(causal_chart_set_double(c, CAUSAL_CHART_BINS, 8));
  assert_ok(causal_chart_add_histogram(c, "control", v1, 6));
  assert_ok(causal_chart_add_histogram(c, "treated", v2, 3));
  assert_ok(causal_chart_to_svg(c, &svg, NULL));
  assert_int_equal(count(svg, "class=\"series histogram\""), 2);
  /* each outline: M + 2 points per bin + close => 2*8+1 L commands */
  const char *p = strstr(svg, "class=\"series histogram\"");
  const char *e = strstr(p, "Z\"");
  size_t nl = 0;
  for (const char *q = p; q < e; q++)
    nl += *q == 'L';
  assert_int_equal(nl, 17);
  causal_free(svg);
  causal_chart_free(c);

  /* density fills by default */
  double x[3] = {0, 1, 2}, y[3] = {0.1, 0.5, 0.1};
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_DENSITY, "Posterior"));
  assert_ok(causal_chart_add_line(c, "A", x, y, 3, 0));
  assert_ok(causal_chart_to_svg(c, &svg, NULL));
  assert_has(svg, "fill-opacity=\"0.18\"");
  causal_free(svg);
  causal_chart_free(c);

  /* love plot with truncated long labels (full text as <title>) */
  const char *cov[3] = {"age", "educ & <years>",
                        "a very long covariate name that will be truncated"};
  double b[3] = {0.3, 0.05, 0.2}, a[3] = {0.02, 0.01, NAN};
  assert_ok(causal_chart_love_plot(&c, "Balance", cov, b, a, 3, 0.1));
  assert_int_equal(causal_chart_kind(c), CAUSAL_CHART_LOVE);
  assert_ok(causal_chart_to_svg(c, &svg, NULL));
  assert_has(svg, ">educ &amp; &lt;years&gt;</text>");
  assert_has(svg, "\xE2\x80\xA6<title>a very long covariate name that will "
                  "be truncated</title>");
  assert_has(svg, ">threshold</text>");
  /* 3 + 2 points (one NaN) + 2 legend markers */
  assert_int_equal(count(svg, "<circle") + count(svg, "<rect x=\"") -
                       2 /* row bands */,
                   7);
  causal_free(svg);
  causal_chart_free(c);

  /* forest: several interval series are dodged apart */
  const char *lab[3] = {"Randomized", "Observational", "Fused"};
  double fe[3] = {1.0, 1.4, 1.1}, fl[3] = {0.2, 1.2, 0.6},
         fh[3] = {1.8, 1.6, 1.6};
  assert_ok(causal_chart_forest_plot(&c, "Estimates", lab, fe, fl, fh, 3, 0));
  assert_ok(causal_chart_add_row_intervals(c, "Alt", fe, fl, fh, 3));
  assert_ok(causal_chart_to_svg(c, &svg, NULL));
  assert_int_equal(count(svg, "<circle"), 3 + 1);
  causal_free(svg);
  causal_chart_free(c);
}

/* A report exercising every block type. */
static int build_report(causal_report **out) {
  causal_report *r = NULL;
  causal_chart *c = NULL;
  causal_result *res = NULL;
  int rc = causal_report_new(&r, "Report <1> & \"q\"");
  if (rc == 0)
    rc = causal_report_add_heading(r, 2, "Section *one*");
  if (rc == 0)
    rc = causal_report_add_paragraph(r, "First | para <b>.\n\nSecond.");
  const char *k[2] = {"n", "method"}, *v[2] = {"100", "x<y"};
  if (rc == 0)
    rc = causal_report_add_keyvalue(r, k, v, 2);
  const char *cols[2] = {"metric", "lift"};
  const char *cells[4] = {"ctr", "1.2%", "rev|enue", NULL};
  if (rc == 0)
    rc = causal_report_add_table(r, "Lifts", cols, 2, cells, 2);
  double m[4] = {1, 2, 3.5, NAN};
  const char *rn[2] = {"a", "b"};
  if (rc == 0)
    rc = causal_report_add_numeric_table(r, NULL, rn, cols, m, 2, 2);
  if (rc == 0)
    rc = causal_result_new(&res, "ols");
  const char *terms[2] = {"(Intercept)", "x"};
  double est[2] = {1.5, 0.25}, se[2] = {0.1, 0.05}, st[2] = {15, 5},
         p[2] = {1e-20, 3e-7};
  if (rc == 0)
    rc = causal_result_set_table(res, "coef", terms, 2, est, se, st, p, NULL,
                                 NULL);
  if (rc == 0)
    rc = causal_result_set_scalar(res, "r_squared", 0.4321987);
  if (rc == 0)
    rc = causal_result_set_string(res, "vcov", "HC1");
  if (rc == 0)
    rc = causal_result_set_vector(res, "fitted", est, 2, NULL);
  if (rc == 0)
    rc = causal_result_add_warning(res, "something <odd>");
  if (rc == 0)
    rc = causal_report_add_result(r, res, NULL);
  causal_result_free(res);
  double x[3] = {1, 2, 3}, y[3] = {2, 4, 3};
  if (rc == 0)
    rc = causal_chart_new(&c, CAUSAL_CHART_LINE, "Chart & co");
  if (rc == 0)
    rc = causal_chart_add_line(c, "s<1>", x, y, 3, CAUSAL_CHART_MARKERS);
  if (rc == 0)
    rc = causal_chart_set_caption(c, "caption text");
  if (rc == 0)
    rc = causal_report_add_chart(r, c);
  causal_chart_free(c);
  if (rc != 0) {
    causal_report_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

static void test_report_html(void **state) {
  (void)state;
  causal_report *r = NULL;
  assert_ok(build_report(&r));
  char *h = NULL, *h2 = NULL;
  size_t len = 0, len2 = 0;
  assert_ok(causal_report_to_html(r, &h, &len));
  assert_int_equal(len, strlen(h));
  assert_true(strncmp(h, "<!DOCTYPE html>", 15) == 0);
  assert_has(h, "<title>Report &lt;1&gt; &amp; &quot;q&quot;</title>");
  assert_has(h, "<h1>Report &lt;1&gt; &amp; &quot;q&quot;</h1>");
  assert_has(h, "<h2>Section *one*</h2>");
  assert_has(h, "<p>First | para &lt;b&gt;.</p>\n<p>Second.</p>");
  assert_has(h, "<dt>method</dt><dd>x&lt;y</dd>");
  assert_has(h, "<caption>Lifts</caption>");
  assert_has(h, "<td>rev|enue</td><td></td>");
  assert_has(h, "<td class=\"num\">NA</td>");
  assert_has(h, "<td>(Intercept)</td><td class=\"num\">1.5</td>");
  assert_has(h, "<td class=\"num\">1e-20</td>");
  assert_has(h, "<dt>r_squared</dt><dd>0.4322</dd>");
  assert_has(h, "<li>Warning: something &lt;odd&gt;</li>");
  assert_has(h, "<figure class=\"chart\"><svg ");
  assert_has(h, ">caption text</text>");
  assert_int_equal(count(h, "<svg"), 1);
  assert_int_equal(count(h, "<table>"), 4); /* Lifts, numeric, coef, fitted */
  assert_lacks(h, "<script");
  assert_lacks(h, "http://www.w3.org/2000/svg\" href"); /* no external refs */
  assert_lacks(h, "src=");
  /* digits option changes tables */
  assert_ok(causal_report_set_int(r, CAUSAL_REPORT_DIGITS, 2));
  /* determinism: the same report renders to the same bytes */
  assert_ok(causal_report_to_html(r, &h2, &len2));
  assert_int_equal(len, len2);
  assert_memory_equal(h, h2, len);
  causal_free(h);
  causal_free(h2);
  causal_report_free(r);
  causal_report *r2 = NULL;
  assert_ok(build_report(&r2));
  assert_ok(build_report(&r));
  assert_ok(causal_report_to_html(r, &h, &len));
  assert_ok(causal_report_to_html(r2, &h2, &len2));
  assert_int_equal(len, len2);
  assert_memory_equal(h, h2, len);
  causal_free(h);
  causal_free(h2);
  causal_report_free(r2);
  causal_report_free(r);
}

static void test_report_markdown(void **state) {
  (void)state;
  causal_report *r = NULL;
  assert_ok(build_report(&r));
  char *m = NULL;
  size_t len = 0;
  assert_ok(causal_report_to_markdown(r, &m, &len));
  assert_int_equal(len, strlen(m));
  assert_true(strncmp(m, "# Report \\<1\\> \\& \"q\"\n\n", 23) == 0);
  assert_has(m, "## Section \\*one\\*\n");
  assert_has(m, "First \\| para \\<b\\>.\n\nSecond.");
  assert_has(m, "- **method**: x\\<y\n");
  assert_has(m, "| metric | lift |\n|---|---:|\n| ctr | 1.2% |\n"
                "| rev\\|enue |  |\n");
  assert_has(m, "| Term | Estimate | Std. error | Statistic | p-value | "
                "Conf. low | Conf. high |");
  assert_has(m, "| (Intercept) | 1.5 | 0.1 | 15 | 1e-20 | NA | NA |");
  assert_has(m, "> **Warning:** something \\<odd\\>");
  assert_has(m, "**Figure: Chart \\& co** — caption text");
  assert_has(m, "| Series | x | y |\n|---|---:|---:|\n| s\\<1\\> | 1 | 2 |");
  assert_lacks(m, "<svg");
  assert_lacks(m, "data:image");
  causal_free(m);
  assert_ok(causal_report_set_int(r, CAUSAL_REPORT_MD_IMAGES, 1));
  assert_ok(causal_report_to_markdown(r, &m, &len));
  assert_int_equal(count(m, "<img alt=\"chart\" src=\"data:image/svg+xml;"
                            "base64,PHN2Zy"), 1); /* "<svg" */
  causal_free(m);
  causal_report_free(r);
}

static void test_markdown_charts(void **state) {
  (void)state;
  causal_report *r = NULL;
  causal_chart *c = NULL;
  char *m = NULL;
  assert_ok(causal_report_new(&r, "md"));
  const char *lab[2] = {"A", "B"};
  double e[2] = {0.5, NAN}, lo[2] = {0.1, NAN}, hi[2] = {0.9, NAN};
  double e2[2] = {0.4, 0.2};
  assert_ok(causal_chart_forest_plot(&c, "F", lab, e, lo, hi, 2, 0));
  assert_ok(causal_chart_add_row_points(c, "pts", e2, 2));
  assert_ok(causal_report_add_chart(r, c));
  causal_chart_free(c);
  double v[4] = {1, 2, 3, 10};
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_HISTOGRAM, "H"));
  assert_ok(causal_chart_add_histogram(c, "g", v, 4));
  assert_ok(causal_report_add_chart(r, c));
  causal_chart_free(c);
  /* a long line: one summary row instead of every point */
  double x[100], y[100];
  for (int i = 0; i < 100; i++) {
    x[i] = i;
    y[i] = i * 0.5 - 3;
  }
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_LINE, "L"));
  assert_ok(causal_chart_add_line(c, "up", x, y, 100, 0));
  assert_ok(causal_chart_add_line(c, "", x, y, 50, 0));
  assert_ok(causal_report_add_chart(r, c));
  causal_chart_free(c);
  assert_ok(causal_report_to_markdown(r, &m, NULL));
  assert_has(m, "| Row | Estimate | pts |\n|---|---:|---:|\n"
                "| A | 0.5 [0.1, 0.9] | 0.4 |\n| B | NA | 0.2 |\n");
  assert_has(m, "Reference lines: x = 0\n");
  assert_has(m, "| g | 4 | 4 | 1 | 10 |");
  assert_has(m, "| up | 100 | 0 | 99 | -3 | 46.5 |");
  assert_has(m, "| up (2) | 50 | 0 | 49 | -3 | 21.5 |");
  causal_free(m);
  causal_report_free(r);
}

/* ---- errors ---- */

static void test_errors(void **state) {
  (void)state;
  causal_chart *c = (causal_chart *)1;
  double x[3] = {1, 2, 3}, y[3] = {1, NAN, 3}, inf[3] = {1, INFINITY, 2};
  assert_status(causal_chart_new(&c, 0, "t"), CAUSAL_ERANGE);
  assert_null(c);
  assert_status(causal_chart_new(&c, CAUSAL_CHART_LINE, ""), CAUSAL_EINVAL);
  assert_status(causal_chart_new(&c, CAUSAL_CHART_LINE, NULL), CAUSAL_EINVAL);
  assert_status(causal_chart_new(NULL, CAUSAL_CHART_LINE, "t"),
                CAUSAL_EINVAL);
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_LINE, "t"));
  char *svg = (char *)1;
  assert_status(causal_chart_to_svg(c, &svg, NULL), CAUSAL_EINVAL);
  assert_null(svg);
  assert_error_mentions("no series");
  assert_status(causal_chart_add_line(c, "s", x, y, 3, 0), CAUSAL_ENONFINITE);
  assert_error_mentions("series 's': y[1] is NaN");
  assert_status(causal_chart_add_line(c, "s", inf, x, 3, 0),
                CAUSAL_ENONFINITE);
  assert_error_mentions("x[1] is infinite");
  assert_status(causal_chart_add_line(c, "s", x, x, 0, 0), CAUSAL_EINVAL);
  assert_error_mentions("empty");
  assert_status(causal_chart_add_line(c, "s", x, x, 3, 8), CAUSAL_ERANGE);
  assert_status(causal_chart_add_line(c, NULL, x, x, 3, 0), CAUSAL_EINVAL);
  assert_status(causal_chart_add_line(c, "s", NULL, x, 3, 0), CAUSAL_EINVAL);
  assert_status(causal_chart_add_histogram(c, "h", x, 3), CAUSAL_ETYPE);
  assert_status(causal_chart_add_row_points(c, "p", x, 3), CAUSAL_ETYPE);
  assert_status(causal_chart_set_rows(c, (const char *const[]){"a"}, 1),
                CAUSAL_ETYPE);
  assert_status(causal_chart_add_intervals(c, "i", x, x, x, NULL, 3),
                CAUSAL_EINVAL);
  assert_status(causal_chart_add_intervals(c, "i", x, y, NULL, NULL, 3),
                CAUSAL_ENONFINITE);
  assert_error_mentions("estimate[1] is NaN");
  assert_status(causal_chart_add_intervals(c, "i", x, x, inf, x, 3),
                CAUSAL_ENONFINITE);
  assert_error_mentions("low[1] is infinite");
  assert_status(causal_chart_add_refline(c, 2, 0, NULL), CAUSAL_ERANGE);
  assert_status(causal_chart_add_refline(c, 0, NAN, NULL), CAUSAL_ENONFINITE);
  assert_status(causal_chart_set_double(c, 99, 1), CAUSAL_ERANGE);
  assert_status(causal_chart_set_double(c, CAUSAL_CHART_WIDTH, 100),
                CAUSAL_ERANGE);
  assert_status(causal_chart_set_double(c, CAUSAL_CHART_WIDTH, NAN),
                CAUSAL_ERANGE);
  assert_status(causal_chart_set_double(c, CAUSAL_CHART_BINS, 2.5),
                CAUSAL_ERANGE);
  assert_status(causal_chart_set_double(c, CAUSAL_CHART_Y_LOW, INFINITY),
                CAUSAL_ERANGE);
  assert_ok(causal_chart_set_double(c, CAUSAL_CHART_Y_LOW, NAN));
  assert_ok(causal_chart_set_double(c, CAUSAL_CHART_Y_HIGH, 2));
  double lo, hi;
  assert_ok(causal_chart_option_bounds(CAUSAL_CHART_HEIGHT, &lo, &hi));
  assert_true(lo == 200 && hi == 2000);
  assert_status(causal_chart_option_bounds(0, &lo, &hi), CAUSAL_ERANGE);
  causal_chart_free(c);

  /* row charts */
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_FOREST, "f"));
  assert_status(causal_chart_add_row_intervals(c, "r", x, NULL, NULL, 3),
                CAUSAL_EINVAL);
  assert_error_mentions("no rows");
  const char *rows[3] = {"a", "b", "c"}, *bad[2] = {"a", NULL};
  assert_status(causal_chart_set_rows(c, bad, 2), CAUSAL_EINVAL);
  assert_error_mentions("labels[1]");
  assert_status(causal_chart_set_rows(c, rows, 0), CAUSAL_EINVAL);
  assert_ok(causal_chart_set_rows(c, rows, 3));
  assert_status(causal_chart_set_rows(c, rows, 3), CAUSAL_EINVAL);
  assert_status(causal_chart_add_row_intervals(c, "r", x, NULL, NULL, 2),
                CAUSAL_EDIM);
  assert_error_mentions("series 'r' has 2 values for 3 rows");
  assert_status(causal_chart_add_row_points(c, "p", inf, 3),
                CAUSAL_ENONFINITE);
  assert_status(causal_chart_add_refline(c, CAUSAL_CHART_AXIS_Y, 0, NULL),
                CAUSAL_EINVAL);
  assert_status(causal_chart_add_line(c, "l", x, x, 3, 0), CAUSAL_ETYPE);
  double nan3[3] = {NAN, NAN, NAN};
  assert_ok(causal_chart_add_row_points(c, "p", nan3, 3));
  assert_status(causal_chart_to_svg(c, &svg, NULL), CAUSAL_EINVAL);
  assert_error_mentions("every value is NaN");
  causal_chart_free(c);
  assert_status(causal_chart_love_plot(&c, "t", rows, x, x, 3, INFINITY),
                CAUSAL_ENONFINITE);
  assert_null(c);
  assert_ok(causal_chart_love_plot(&c, "t", rows, x, y, 3, 0.1));
  causal_chart_free(c); /* NaN after-values are allowed: rows left empty */
  assert_status(causal_chart_forest_plot(&c, "t", rows, x, x, NULL, 3, 0),
                CAUSAL_EINVAL);
  assert_null(c);
  causal_chart_free(NULL);
  assert_int_equal(causal_chart_kind(NULL), 0);

  /* reports */
  causal_report *r = (causal_report *)1;
  assert_status(causal_report_new(&r, ""), CAUSAL_EINVAL);
  assert_null(r);
  assert_ok(causal_report_new(&r, "r"));
  assert_status(causal_report_add_heading(r, 1, "x"), CAUSAL_ERANGE);
  assert_status(causal_report_add_heading(r, 2, ""), CAUSAL_EINVAL);
  assert_status(causal_report_add_paragraph(r, NULL), CAUSAL_EINVAL);
  const char *k[1] = {"k"}, *nv[1] = {NULL};
  assert_status(causal_report_add_keyvalue(r, k, nv, 1), CAUSAL_EINVAL);
  assert_error_mentions("values[0]");
  assert_status(causal_report_add_keyvalue(r, k, k, 0), CAUSAL_EINVAL);
  assert_status(causal_report_add_table(r, NULL, k, 0, k, 1), CAUSAL_EINVAL);
  assert_status(causal_report_add_table(r, NULL, k, 1, NULL, 1),
                CAUSAL_EINVAL);
  assert_status(causal_report_add_table(r, NULL, nv, 1, k, 1), CAUSAL_EINVAL);
  assert_status(causal_report_add_numeric_table(r, NULL, NULL, NULL, NULL, 1,
                                                1),
                CAUSAL_EINVAL);
  assert_status(causal_report_add_result(r, NULL, NULL), CAUSAL_EINVAL);
  assert_status(causal_report_set_int(r, CAUSAL_REPORT_DIGITS, 0),
                CAUSAL_ERANGE);
  assert_status(causal_report_set_int(r, CAUSAL_REPORT_MD_IMAGES, 2),
                CAUSAL_ERANGE);
  assert_status(causal_report_set_int(r, 9, 0), CAUSAL_ERANGE);
  assert_ok(causal_chart_new(&c, CAUSAL_CHART_LINE, "empty"));
  assert_status(causal_report_add_chart(r, c), CAUSAL_EINVAL);
  assert_error_mentions("chart 'empty' has no series");
  causal_chart_free(c);
  /* an empty report is still a document */
  char *h = NULL;
  assert_ok(causal_report_to_html(r, &h, NULL));
  assert_has(h, "<h1>r</h1>");
  causal_free(h);
  assert_status(causal_report_to_html(NULL, &h, NULL), CAUSAL_EINVAL);
  assert_null(h);
  assert_status(causal_report_to_markdown(r, NULL, NULL), CAUSAL_EINVAL);
  causal_report_free(r);
  causal_report_free(NULL);
}

/* ---- out of memory ---- */

static int oom_everything(void *arg) {
  (void)arg;
  causal_report *r = NULL;
  int rc = build_report(&r);
  causal_chart *c = NULL;
  const char *cov[2] = {"a", "b"};
  double b[2] = {0.2, 0.3}, a[2] = {0.01, 0.02};
  if (rc == 0)
    rc = causal_chart_love_plot(&c, "love", cov, b, a, 2, 0.1);
  if (rc == 0)
    rc = causal_report_add_chart(r, c);
  char *svg = NULL, *h = NULL, *m = NULL;
  if (rc == 0)
    rc = causal_chart_to_svg(c, &svg, NULL);
  causal_chart_free(c);
  c = NULL;
  if (rc == 0)
    rc = causal_chart_forest_plot(&c, "f", cov, b, a, b, 2, 0);
  if (rc == 0)
    rc = causal_chart_set_labels(c, "x", "y");
  if (rc == 0)
    rc = causal_chart_set_caption(c, "cap");
  causal_chart_free(c);
  c = NULL;
  if (rc == 0)
    rc = causal_chart_new(&c, CAUSAL_CHART_HISTOGRAM, "h");
  for (int i = 0; i < 6 && rc == 0; i++) /* grows the series array */
    rc = causal_chart_add_histogram(c, "g", b, 2);
  for (int i = 0; i < 3 && rc == 0; i++) /* grows the refline array */
    rc = causal_chart_add_refline(c, 0, 0.5, "ref");
  if (rc == 0)
    rc = causal_report_add_chart(r, c);
  causal_chart_free(c);
  if (rc == 0)
    rc = causal_report_set_int(r, CAUSAL_REPORT_MD_IMAGES, 1);
  if (rc == 0)
    rc = causal_report_to_html(r, &h, NULL);
  if (rc == 0)
    rc = causal_report_to_markdown(r, &m, NULL);
  causal_free(svg);
  causal_free(h);
  causal_free(m);
  causal_report_free(r);
  return rc;
}

static void test_oom(void **state) {
  (void)state;
  cz_oom_sweep(oom_everything, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nice_ticks),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_escape),
      cmocka_unit_test(test_chart_svg_structure),
      cmocka_unit_test(test_chart_kinds),
      cmocka_unit_test(test_report_html),
      cmocka_unit_test(test_report_markdown),
      cmocka_unit_test(test_markdown_charts),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
