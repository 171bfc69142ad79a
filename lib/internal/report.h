/* Internal helpers shared by the report and chart renderers. */
#ifndef CZ_INTERNAL_REPORT_H
#define CZ_INTERNAL_REPORT_H

#include "internal/core.h"

/* Nice-number axis (Heckbert 1990, "loose" labelling): a tick step of
 * 1, 2 or 5 x 10^k giving about `target` ticks, and the axis range
 * [*lo_out, *hi_out] rounded out to multiples of the step; *ndec is the
 * number of decimals that prints every tick exactly. lo < hi finite. */
void cz_nice_ticks(double lo, double hi, int target, double *lo_out,
                   double *hi_out, double *step, int *ndec);
/* Length of the valid UTF-8 sequence at s (1..4) with its code point in
 * *cp, or 0 for an invalid byte / XML-forbidden code point (*cp = 0xFFFD;
 * consume one byte). s must point at a non-NUL byte. */
size_t cz_utf8_next(const char *s, unsigned *cp);
/* Code points in s (invalid bytes count one each). */
size_t cz_utf8_len(const char *s);
/* XML/HTML text escaping; at most maxcp code points (0: no limit), an
 * ellipsis marks a truncation. Control characters other than TAB, LF, CR
 * and invalid bytes become U+FFFD. */
void cz_xml_escape(cz_buf *b, const char *s, size_t maxcp);
/* Markdown inline text escaping (backslash escapes); if oneline, line
 * breaks become blanks (headings, table cells). */
void cz_md_escape(cz_buf *b, const char *s, int oneline);
/* A number with `digits` significant digits ("%.*g"); NaN "NA", infinities
 * "Inf"/"-Inf", negative zero "0". */
void cz_fmt_num(char *buf, size_t cap, double v, int digits);
/* Fixed decimals (coordinates, ticks), negative zero printed as 0. */
void cz_fmt_fixed(char *buf, size_t cap, double v, int ndec);

struct causal_chart;
/* Append the chart's SVG (with xmlns) / Markdown summary to b. The chart
 * must have at least one series (checked by the public callers). */
void cz_chart_svg(const struct causal_chart *c, cz_buf *b);
void cz_chart_markdown(const struct causal_chart *c, cz_buf *b, int digits);
/* CAUSAL_OK if the chart can be rendered, else an error naming it. */
int cz_chart_check(const struct causal_chart *c, const char *fn);

#endif
