"""Visual reports: self-contained HTML (inline SVG, no scripts, no external
assets) and Markdown, rendered by libcausal (include/causal/report.h,
docs/reports.md)::

    import causal
    rep = causal.Report("Experiment 42")
    rep.add_heading("Balance")
    rep.add_love_plot(["age", "educ"], before=[0.31, 0.12],
                      after=[0.02, 0.04], threshold=0.1)
    rep.add_result(causal.ols(df, "y ~ treat + x"))
    rep.add_forest_plot(["RCT", "Observational", "Fused"],
                        [1.0, 1.4, 1.1], low=[0.2, 1.2, 0.7],
                        high=[1.8, 1.6, 1.5])
    rep.save("report.html")          # or "report.md", rep.to_markdown()

Charts are built from plain numbers (lists, numpy arrays) with
:class:`Chart` and added with :meth:`Report.add_chart`; the ``add_*_plot``
helpers build the common ones in one call. A chart is rendered when it is
added, so it may be changed or closed afterwards. In Jupyter a
:class:`Report` and a :class:`Chart` display themselves (``_repr_html_``,
``_repr_svg_``).

Data rules (from the C library): values must be finite, except interval
bounds (NaN: no interval) and row values of forest/love plots (NaN: the
row is left empty); an empty series is an error; row series must have one
value per row. Errors raise :class:`causal.CausalError` subclasses.
"""

import ctypes
import os

from . import _compat, _lib
from ._handle import Handle, new_out
from .result import Result

__all__ = ["Report", "Chart", "CHART_KINDS"]

_P = ctypes.POINTER
_v, _d, _s = ctypes.c_void_p, ctypes.c_double, ctypes.c_size_t
_pd, _names = _P(ctypes.c_double), _P(ctypes.c_char_p)
_SIGNATURES = {
    "causal_chart_new": (ctypes.c_int, [_P(_v), ctypes.c_int,
                                        ctypes.c_char_p]),
    "causal_chart_free": (None, [_v]),
    "causal_chart_kind": (ctypes.c_int, [_v]),
    "causal_chart_set_labels": (ctypes.c_int, [_v, ctypes.c_char_p,
                                               ctypes.c_char_p]),
    "causal_chart_set_caption": (ctypes.c_int, [_v, ctypes.c_char_p]),
    "causal_chart_set_double": (ctypes.c_int, [_v, ctypes.c_int, _d]),
    "causal_chart_option_bounds": (ctypes.c_int, [ctypes.c_int, _pd, _pd]),
    "causal_chart_add_line": (ctypes.c_int, [_v, ctypes.c_char_p, _pd, _pd,
                                             _s, ctypes.c_int]),
    "causal_chart_add_intervals": (ctypes.c_int, [_v, ctypes.c_char_p, _pd,
                                                  _pd, _pd, _pd, _s]),
    "causal_chart_add_histogram": (ctypes.c_int, [_v, ctypes.c_char_p, _pd,
                                                  _s]),
    "causal_chart_set_rows": (ctypes.c_int, [_v, _names, _s]),
    "causal_chart_add_row_intervals": (ctypes.c_int, [_v, ctypes.c_char_p,
                                                      _pd, _pd, _pd, _s]),
    "causal_chart_add_row_points": (ctypes.c_int, [_v, ctypes.c_char_p, _pd,
                                                   _s]),
    "causal_chart_add_refline": (ctypes.c_int, [_v, ctypes.c_int, _d,
                                                ctypes.c_char_p]),
    "causal_chart_to_svg": (ctypes.c_int, [_v, _P(_v), _P(_s)]),
    "causal_report_new": (ctypes.c_int, [_P(_v), ctypes.c_char_p]),
    "causal_report_free": (None, [_v]),
    "causal_report_set_int": (ctypes.c_int, [_v, ctypes.c_int, ctypes.c_int]),
    "causal_report_add_heading": (ctypes.c_int, [_v, ctypes.c_int,
                                                 ctypes.c_char_p]),
    "causal_report_add_paragraph": (ctypes.c_int, [_v, ctypes.c_char_p]),
    "causal_report_add_keyvalue": (ctypes.c_int, [_v, _names, _names, _s]),
    "causal_report_add_table": (ctypes.c_int, [_v, ctypes.c_char_p, _names,
                                               _s, _names, _s]),
    "causal_report_add_numeric_table": (ctypes.c_int, [_v, ctypes.c_char_p,
                                                       _names, _names, _pd,
                                                       _s, _s]),
    "causal_report_add_result": (ctypes.c_int, [_v, _v, ctypes.c_char_p]),
    "causal_report_add_chart": (ctypes.c_int, [_v, _v]),
    "causal_report_to_html": (ctypes.c_int, [_v, _P(_v), _P(_s)]),
    "causal_report_to_markdown": (ctypes.c_int, [_v, _P(_v), _P(_s)]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

#: Chart kinds by name (pinned values of include/causal/report.h).
CHART_KINDS = {"line": 1, "interval": 2, "density": 3, "histogram": 4,
               "forest": 5, "love": 6}
_MARKERS, _DASHED, _FILL = 1, 2, 4
_AXIS = {"x": 0, "y": 1}
_WIDTH, _HEIGHT, _BINS, _XLOW, _XHIGH, _YLOW, _YHIGH = 1, 2, 3, 4, 5, 6, 7
_DIGITS, _MD_IMAGES = 1, 2


def _enc(s, what):
    return None if s is None else _compat.encode(str(s), what)


def _doubles(x, what):
    return _compat.as_input(x, "d", what)


def _same_length(what, *views):
    ns = {v.n for v in views if v is not None}
    if len(ns) > 1:
        raise causal_dim_error("%s: arrays of different lengths %s"
                               % (what, sorted(ns)))


def causal_dim_error(msg):
    from .errors import DimensionError
    return DimensionError(msg)


def _text_out(name, handle):
    buf = ctypes.c_void_p()
    n = ctypes.c_size_t()
    _lib.call(name, handle, ctypes.byref(buf), ctypes.byref(n))
    try:
        return ctypes.string_at(buf, n.value).decode("utf-8")
    finally:
        _lib.fn("causal_free")(buf)


class Chart(Handle):
    """A chart built from plain arrays (``causal_chart``).

    ``kind`` is one of ``"line"`` (lines with optional markers: sequential
    boundaries, power, ROC and precision-recall curves), ``"interval"``
    (point-and-interval at numeric x: event studies), ``"density"`` (filled
    curves: posteriors), ``"histogram"`` (overlapping histograms: propensity
    overlap), ``"forest"`` (labelled rows with intervals) or ``"love"``
    (labelled rows with points: covariate balance). Methods return the
    chart, so calls chain.
    """

    _free_name = "causal_chart_free"
    _type_name = "chart"

    def __init__(self, kind, title, xlabel=None, ylabel=None, caption=None,
                 width=None, height=None, bins=None, xlim=None, ylim=None):
        if kind not in CHART_KINDS:
            raise ValueError("kind %r is not one of: %s"
                             % (kind, ", ".join(CHART_KINDS)))
        out = new_out()
        _lib.call("causal_chart_new", ctypes.byref(out), CHART_KINDS[kind],
                  _enc(title, "title"))
        self._adopt(out)
        self.kind = kind
        if xlabel is not None or ylabel is not None:
            self.labels(xlabel, ylabel)
        if caption is not None:
            _lib.call("causal_chart_set_caption", self._handle,
                      _enc(caption, "caption"))
        for key, v in ((_WIDTH, width), (_HEIGHT, height), (_BINS, bins)):
            if v is not None:
                self._set(key, v)
        for (klo, khi), lim in (((_XLOW, _XHIGH), xlim),
                                ((_YLOW, _YHIGH), ylim)):
            if lim is not None:
                lo, hi = lim
                if lo is not None:
                    self._set(klo, lo)
                if hi is not None:
                    self._set(khi, hi)

    def _set(self, key, value):
        _lib.call("causal_chart_set_double", self._handle, key, float(value))

    def labels(self, xlabel=None, ylabel=None):
        """Axis titles."""
        _lib.call("causal_chart_set_labels", self._handle,
                  _enc(xlabel, "xlabel"), _enc(ylabel, "ylabel"))
        return self

    def line(self, x, y, name="", markers=False, dashed=False, fill=False):
        """A line through (x[i], y[i]). An empty name leaves the series out
        of the legend and repeats the previous series' colour."""
        xv, yv = _doubles(x, "x"), _doubles(y, "y")
        _same_length("line", xv, yv)
        style = (_MARKERS if markers else 0) | (_DASHED if dashed else 0) | \
            (_FILL if fill else 0)
        _lib.call("causal_chart_add_line", self._handle, _enc(name, "name"),
                  xv.ptr, yv.ptr, xv.n, style)
        return self

    def intervals(self, x, estimate, low=None, high=None, name=""):
        """Points with intervals at numeric x (NaN bounds: no interval)."""
        xv, ev = _doubles(x, "x"), _doubles(estimate, "estimate")
        lv = _doubles(low, "low") if low is not None else None
        hv = _doubles(high, "high") if high is not None else None
        _same_length("intervals", xv, ev, lv, hv)
        _lib.call("causal_chart_add_intervals", self._handle,
                  _enc(name, "name"), xv.ptr, ev.ptr,
                  lv.ptr if lv else _compat.null("d"),
                  hv.ptr if hv else _compat.null("d"), xv.n)
        return self

    def histogram(self, values, name=""):
        """Raw values of one group; groups share the bins."""
        v = _doubles(values, "values")
        _lib.call("causal_chart_add_histogram", self._handle,
                  _enc(name, "name"), v.ptr, v.n)
        return self

    def rows(self, labels):
        """Row labels of a forest or love plot, top to bottom."""
        labels = [str(s) for s in labels]
        arr = _compat.names_array(labels, "labels")
        _lib.call("causal_chart_set_rows", self._handle, arr, len(labels))
        return self

    def row_intervals(self, estimate, low=None, high=None, name=""):
        """One estimate [low, high] per row (NaN: the row is empty)."""
        ev = _doubles(estimate, "estimate")
        lv = _doubles(low, "low") if low is not None else None
        hv = _doubles(high, "high") if high is not None else None
        _same_length("row_intervals", ev, lv, hv)
        _lib.call("causal_chart_add_row_intervals", self._handle,
                  _enc(name, "name"), ev.ptr,
                  lv.ptr if lv else _compat.null("d"),
                  hv.ptr if hv else _compat.null("d"), ev.n)
        return self

    def row_points(self, values, name=""):
        """One value per row (NaN: the row is empty)."""
        v = _doubles(values, "values")
        _lib.call("causal_chart_add_row_points", self._handle,
                  _enc(name, "name"), v.ptr, v.n)
        return self

    def refline(self, value, axis="x", label=None):
        """A dashed reference line at ``axis`` = value ("x": vertical)."""
        if axis not in _AXIS:
            raise ValueError("axis must be 'x' or 'y', not %r" % (axis,))
        _lib.call("causal_chart_add_refline", self._handle, _AXIS[axis],
                  float(value), _enc(label, "label"))
        return self

    def to_svg(self):
        """A standalone SVG document (str)."""
        return _text_out("causal_chart_to_svg", self._handle)

    def _repr_svg_(self):
        try:
            return self.to_svg()
        except Exception:  # noqa: BLE001  (no series yet: no picture)
            return None

    @classmethod
    def love_plot(cls, covariates, before, after, threshold=0.1,
                  title="Covariate balance"):
        """|SMD| per covariate before and after adjustment."""
        c = cls("love", title, xlabel="Absolute standardized mean difference",
                xlim=(0, None))
        c.rows(covariates)
        c.row_points(before, "Before adjustment")
        c.row_points(after, "After adjustment")
        if threshold is not None:
            c.refline(threshold, "x", "threshold")
        return c

    @classmethod
    def forest_plot(cls, labels, estimate, low=None, high=None, ref=0.0,
                    title="Estimates", xlabel=None, name="Estimate"):
        """Labelled estimates with intervals and a reference line."""
        c = cls("forest", title, xlabel=xlabel)
        c.rows(labels)
        c.row_intervals(estimate, low, high, name)
        if ref is not None:
            c.refline(ref, "x")
        return c


class Report(Handle):
    """An HTML/Markdown report (``causal_report``): headings, paragraphs,
    key-value blocks, tables, results and charts in order. ``digits`` sets
    the significant digits of numbers in tables; ``markdown_images`` embeds
    each chart in the Markdown as a data-URI SVG image (for notebooks)
    besides its text table. ``add_*`` methods return the report."""

    _free_name = "causal_report_free"
    _type_name = "report"

    def __init__(self, title, digits=4, markdown_images=False):
        out = new_out()
        _lib.call("causal_report_new", ctypes.byref(out),
                  _enc(title, "title"))
        self._adopt(out)
        self.title = title
        _lib.call("causal_report_set_int", self._handle, _DIGITS, int(digits))
        _lib.call("causal_report_set_int", self._handle, _MD_IMAGES,
                  1 if markdown_images else 0)

    # ---- text and tables ----
    def add_heading(self, text, level=2):
        _lib.call("causal_report_add_heading", self._handle, int(level),
                  _enc(text, "text"))
        return self

    def add_paragraph(self, text):
        _lib.call("causal_report_add_paragraph", self._handle,
                  _enc(text, "text"))
        return self

    def add_keyvalue(self, pairs):
        """A dict or a sequence of (key, value); values are shown with
        str(), floats with 6 significant digits."""
        items = list(pairs.items()) if hasattr(pairs, "items") else \
            list(pairs)
        keys = [str(k) for k, _ in items]
        vals = [("%.6g" % v) if isinstance(v, float) else str(v)
                for _, v in items]
        _lib.call("causal_report_add_keyvalue", self._handle,
                  _compat.names_array(keys, "keys"),
                  _compat.names_array(vals, "values"), len(items))
        return self

    def add_table(self, rows, columns=None, caption=None):
        """A table of text cells. ``rows`` is a sequence of rows (None
        cells print empty), or a pandas DataFrame (index as first column
        when it is not a default range). Numbers are formatted with the
        report's digits by :meth:`add_numeric_table`; here they go
        through str()."""
        pd = _compat.pandas()
        if pd is not None and isinstance(rows, pd.DataFrame):
            df = rows
            columns = [str(c) for c in df.columns]
            data = df.values.tolist()
            if not isinstance(df.index, pd.RangeIndex):
                columns = [str(df.index.name or "")] + columns
                data = [[i] + r for i, r in zip(df.index, data)]
            rows = data
        rows = [list(r) for r in rows]
        if columns is None:
            raise ValueError("add_table: columns are required")
        columns = [str(c) for c in columns]
        ncol = len(columns)
        cells = []
        for i, r in enumerate(rows):
            if len(r) != ncol:
                raise causal_dim_error("add_table: row %d has %d cells for "
                                       "%d columns" % (i, len(r), ncol))
            cells += [None if v is None else
                      (("%.6g" % v) if isinstance(v, float) else str(v))
                      for v in r]
        _lib.call("causal_report_add_table", self._handle,
                  _enc(caption, "caption"),
                  _compat.names_array(columns, "columns"), ncol,
                  _compat.names_array(cells, "cells", allow_none=True),
                  len(rows))
        return self

    def add_numeric_table(self, values, columns=None, index=None,
                          caption=None):
        """A numeric table (rows x columns; NaN prints NA) formatted with
        the report's significant digits."""
        np = _compat.numpy()
        if np is not None:
            arr = np.asarray(values, dtype=float)
            if arr.ndim != 2:
                raise ValueError("add_numeric_table: values must be 2-D")
            nrow, ncol = arr.shape
            flat = np.asfortranarray(arr).ravel(order="F")
        else:
            rows = [list(map(float, r)) for r in values]
            nrow, ncol = len(rows), len(rows[0]) if rows else 0
            flat = [rows[i][j] for j in range(ncol) for i in range(nrow)]
        v = _doubles(flat, "values")
        cn = _compat.names_array([str(c) for c in columns], "columns") \
            if columns is not None else None
        rn = _compat.names_array([str(r) for r in index], "index") \
            if index is not None else None
        if cn is not None and len(cn) != ncol:
            raise causal_dim_error("add_numeric_table: %d column names for "
                                   "%d columns" % (len(cn), ncol))
        if rn is not None and len(rn) != nrow:
            raise causal_dim_error("add_numeric_table: %d row names for %d "
                                   "rows" % (len(rn), nrow))
        _lib.call("causal_report_add_numeric_table", self._handle,
                  _enc(caption, "caption"), rn, cn, v.ptr, nrow, ncol)
        return self

    def add_result(self, result, caption=None):
        """Every entry of a :class:`causal.Result`: scalars and strings as
        a key-value block, vectors, matrices and tables as tables, then
        the warnings."""
        if not isinstance(result, Result):
            raise TypeError("add_result needs a causal.Result, not %s"
                            % type(result).__name__)
        _lib.call("causal_report_add_result", self._handle, result._handle,
                  _enc(caption, "caption"))
        return self

    def add_chart(self, chart):
        """Render a :class:`Chart` into the report now."""
        if not isinstance(chart, Chart):
            raise TypeError("add_chart needs a causal.Chart, not %s"
                            % type(chart).__name__)
        _lib.call("causal_report_add_chart", self._handle, chart._handle)
        return self

    # ---- chart helpers: build, add, close ----
    def _add(self, chart):
        with chart:
            return self.add_chart(chart)

    def add_love_plot(self, covariates, before, after, threshold=0.1,
                      title="Covariate balance"):
        return self._add(Chart.love_plot(covariates, before, after,
                                         threshold, title))

    def add_forest_plot(self, labels, estimate, low=None, high=None, ref=0.0,
                        title="Estimates", xlabel=None, truth=None):
        """Forest plot; ``truth`` (optional, one value per row) adds the
        known true effects as points."""
        c = Chart.forest_plot(labels, estimate, low, high, ref, title,
                              xlabel)
        if truth is not None:
            c.row_points(truth, "True effect")
        return self._add(c)

    def add_histograms(self, groups, title="Overlap", xlabel=None,
                       bins=None):
        """Overlapping histograms of ``{name: values}`` (y: share of the
        group per bin)."""
        c = Chart("histogram", title, xlabel=xlabel, ylabel="Share of group",
                  bins=bins)
        for name, v in groups.items():
            c.histogram(v, str(name))
        return self._add(c)

    def add_event_study(self, times, estimate, low=None, high=None,
                        title="Event study", reference=None,
                        xlabel="Periods relative to treatment",
                        ylabel="Estimate"):
        """Coefficients with intervals against relative time; a line at
        y = 0 and, if ``reference`` is given, a treatment line after it."""
        c = Chart("interval", title, xlabel=xlabel, ylabel=ylabel)
        c.intervals(times, estimate, low, high, "Estimate")
        c.refline(0.0, "y")
        if reference is not None:
            c.refline(reference + 0.5, "x", "treatment")
        return self._add(c)

    def add_densities(self, x, curves, title="Posterior densities",
                      xlabel=None):
        """Filled density curves ``{name: y}`` over a shared grid x."""
        c = Chart("density", title, xlabel=xlabel, ylabel="Density")
        for name, y in curves.items():
            c.line(x, y, str(name))
        return self._add(c)

    def add_lines(self, series, title, xlabel=None, ylabel=None,
                  markers=False, xlim=None, ylim=None, hlines=(),
                  vlines=()):
        """Line chart of ``{name: (x, y)}``; ``hlines`` / ``vlines`` are
        reference values or (value, label) pairs."""
        c = Chart("line", title, xlabel=xlabel, ylabel=ylabel, xlim=xlim,
                  ylim=ylim)
        for name, (x, y) in series.items():
            c.line(x, y, str(name), markers=markers)
        for axis, refs in (("y", hlines), ("x", vlines)):
            for r in refs:
                v, lab = (r if isinstance(r, (tuple, list)) else (r, None))
                c.refline(v, axis, lab)
        return self._add(c)

    # ---- output ----
    def to_html(self):
        """The whole HTML document (str)."""
        return _text_out("causal_report_to_html", self._handle)

    def to_markdown(self):
        """The whole Markdown document (str)."""
        return _text_out("causal_report_to_markdown", self._handle)

    def save(self, path, format=None):
        """Write HTML or Markdown (``format`` "html"/"markdown", else from
        the extension: .md / .markdown are Markdown). Returns ``path``."""
        if format is None:
            ext = os.path.splitext(str(path))[1].lower()
            format = "markdown" if ext in (".md", ".markdown") else "html"
        if format not in ("html", "markdown"):
            raise ValueError("format must be 'html' or 'markdown'")
        text = self.to_html() if format == "html" else self.to_markdown()
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def _repr_html_(self):
        return self.to_html()
