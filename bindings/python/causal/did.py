"""Difference-in-differences: 2x2, two-way fixed effects and event studies
(``causal_did``, include/causal/did.h; formulas and references in
docs/methods/did.md), and the Breusch-Pagan test::

    import causal
    r = causal.did(panel, "frate", unit="state", time="year", cohort="cohort")
    print(r)                          # TWFE: the treated coefficient
    es = causal.event_study(panel, "frate ~ unemp", unit="state",
                            time="year", cohort="cohort", leads=3, lags=5)
    print(es)                         # event-study table with a CI plot
    es.event                          # Table: rel[r] rows incl. reference
    es["pretrend_p_value"]            # joint test that the leads are 0
    causal.did(panel, "frate", group="grp", post="post")   # 2x2
    causal.breusch_pagan(df, "y", ["x1", "x2"])

``data``: a :class:`causal.Dataset`, pandas DataFrame or dict of columns.
``y``: the outcome column, or a formula ``"y ~ x1 + C(region)"`` whose
right-hand side gives covariates (``x=`` does too). Results are
:class:`DidResult` (a :class:`causal.RegressionResult`, so ``.params``,
``.cov`` and :func:`causal.wald` work on them).
"""

import ctypes
import math

from . import _compat, _lib
from ._handle import Handle, new_out
from .errors import InvalidArgumentError
from .regress import (SSC, VCOV, Model, RegressionResult, _columns_of,
                      _dataset, _fmt_df, _fmt_num, _fmt_p, _names, _pick,
                      _spec, _stars, _table_lines)
from .result import Result

__all__ = ["did", "event_study", "breusch_pagan", "DidModel", "DidResult",
           "DESIGN"]

_P = ctypes.POINTER
_h = ctypes.c_void_p
_s = ctypes.c_char_p
_SIGNATURES = {
    "causal_did_new": (ctypes.c_int, [_P(_h), ctypes.c_int]),
    "causal_did_free": (None, [_h]),
    "causal_did_set_outcome": (ctypes.c_int, [_h, _s]),
    "causal_did_set_unit": (ctypes.c_int, [_h, _s]),
    "causal_did_set_time": (ctypes.c_int, [_h, _s]),
    "causal_did_set_treatment": (ctypes.c_int, [_h, _s]),
    "causal_did_set_cohort": (ctypes.c_int, [_h, _s]),
    "causal_did_set_group": (ctypes.c_int, [_h, _s]),
    "causal_did_set_post": (ctypes.c_int, [_h, _s]),
    "causal_did_set_weights": (ctypes.c_int, [_h, _s]),
    "causal_did_add_term": (ctypes.c_int, [_h, _s]),
    "causal_did_add_cluster": (ctypes.c_int, [_h, _s]),
    "causal_did_set_int": (ctypes.c_int, [_h, ctypes.c_int, ctypes.c_int64]),
    "causal_did_set_double": (ctypes.c_int, [_h, ctypes.c_int,
                                             ctypes.c_double]),
    "causal_did_get_int": (ctypes.c_int, [_h, ctypes.c_int,
                                          _P(ctypes.c_int64)]),
    "causal_did_get_double": (ctypes.c_int, [_h, ctypes.c_int,
                                             _P(ctypes.c_double)]),
    "causal_did_bounds": (ctypes.c_int, [ctypes.c_int, _P(ctypes.c_double),
                                         _P(ctypes.c_double)]),
    "causal_did_fit": (ctypes.c_int, [_P(_h), _h, _h]),
    "causal_did_fit_outcome": (ctypes.c_int, [_P(_h), _h, _h, _s]),
    "causal_regress_breusch_pagan": (ctypes.c_int, [_P(_h), _h, _h,
                                                    _P(ctypes.c_char_p),
                                                    ctypes.c_size_t,
                                                    ctypes.c_int]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

# ---- pinned constants (include/causal/did.h) -----------------------------
#: Designs by name (case-insensitive; "-" and "_" alike).
DESIGN = {"2x2": 1, "twfe": 2, "event_study": 3, "event-study": 3,
          "es": 3}
_ENDPOINTS = {"bin": 1, "drop": 2}
_KEY = dict(design=1, reference=2, leads=3, lags=4, endpoints=5, trends=6,
            vcov=7, ssc=8, placebo_shift=9, maxiter=10)
_DKEY = dict(conf_level=101, tol=102)
_LABEL = {"2x2": "2x2", "twfe": "two-way fixed effects",
          "event_study": "event study"}


class DidModel(Handle):
    """A ``causal_did`` specification (low level: :func:`did` builds one,
    fits it and frees it). Arguments as :func:`did`; ``terms`` are the
    covariates. :meth:`fit` can be called on several datasets."""

    _free_name = "causal_did_free"
    _type_name = "DidModel"

    def __init__(self, outcome, design="twfe", *, unit=None, time=None,
                 treatment=None, cohort=None, group=None, post=None,
                 terms=(), weights=None, cluster=None, vcov=None, ssc=None,
                 reference=None, leads=None, lags=None, endpoints=None,
                 trends=False, placebo_shift=None, conf_level=None,
                 maxiter=None, tol=None):
        code = _pick(DESIGN, design, "design")
        out = new_out()
        _lib.call("causal_did_new", ctypes.byref(out), code)
        self._adopt(out)
        h = self._handle
        enc = _compat.encode
        for name, col in (("outcome", outcome), ("unit", unit),
                          ("time", time), ("treatment", treatment),
                          ("cohort", cohort), ("group", group),
                          ("post", post), ("weights", weights)):
            if col is not None:
                _lib.call("causal_did_set_" + name, h, enc(col, name))
        for t in terms:
            _lib.call("causal_did_add_term", h, enc(t, "term"))
        for c in _names(cluster, "cluster"):
            _lib.call("causal_did_add_cluster", h, enc(c, "cluster"))
        ints = dict(reference=reference, leads=leads, lags=lags,
                    placebo_shift=placebo_shift, maxiter=maxiter)
        if vcov is not None:
            ints["vcov"] = _pick(VCOV, vcov, "vcov")
        if ssc is not None:
            ints["ssc"] = _pick(SSC, ssc, "ssc")
        if endpoints is not None:
            ints["endpoints"] = _pick(_ENDPOINTS, endpoints, "endpoints")
        if trends:
            ints["trends"] = 1
        for k, v in ints.items():
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                if not (isinstance(v, float) and v.is_integer()):
                    raise TypeError("%s must be an integer, not %r" % (k, v))
            _lib.call("causal_did_set_int", h, _KEY[k], int(v))
        for k, v in (("conf_level", conf_level), ("tol", tol)):
            if v is not None:
                _lib.call("causal_did_set_double", h, _DKEY[k], float(v))

    def get(self, key):
        """The value of an option by name (``"leads"``, ``"conf_level"``,
        ...)."""
        if key in _KEY:
            v = ctypes.c_int64()
            _lib.call("causal_did_get_int", self._handle, _KEY[key],
                      ctypes.byref(v))
            return v.value
        if key in _DKEY:
            v = ctypes.c_double()
            _lib.call("causal_did_get_double", self._handle, _DKEY[key],
                      ctypes.byref(v))
            return v.value
        raise KeyError("no DiD option %r (options: %s)"
                       % (key, ", ".join(sorted(list(_KEY) + list(_DKEY)))))

    @staticmethod
    def bounds(key):
        """(min, max) allowed for an option (``causal_did_bounds``)."""
        k = _KEY.get(key, _DKEY.get(key))
        if k is None:
            raise KeyError("no DiD option %r" % (key,))
        lo, hi = ctypes.c_double(), ctypes.c_double()
        _lib.call("causal_did_bounds", k, ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    def fit(self, ds, outcome=None):
        """Fit on a :class:`causal.Dataset`; with ``outcome``, the same
        specification on another outcome column (a placebo outcome)."""
        out = new_out()
        if outcome is None:
            _lib.call("causal_did_fit", ctypes.byref(out), self._handle,
                      ds._handle)
        else:
            _lib.call("causal_did_fit_outcome", ctypes.byref(out),
                      self._handle, ds._handle,
                      _compat.encode(outcome, "outcome"))
        return DidResult._wrap(out)


# ---- results -------------------------------------------------------------
def _ci_plot(rows, width=29):
    """Text dot-and-whisker plot of (estimate, low, high) rows on a common
    scale with a '|' at zero; returns one string per row."""
    vals = [v for r in rows for v in r if v == v and not math.isinf(v)]
    if not vals:
        return [""] * len(rows)
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    if hi == lo:
        hi, lo = hi + 1.0, lo - 1.0

    def pos(v):
        return int(round((v - lo) / (hi - lo) * (width - 1)))
    out = []
    for est, a, b in rows:
        cells = [" "] * width
        cells[pos(0.0)] = "|"
        if a == a and b == b:
            for i in range(pos(a), pos(b) + 1):
                cells[i] = "-"
        if est == est:
            cells[pos(est)] = "o"
        out.append("".join(cells).rstrip())
    return out


class DidResult(RegressionResult):
    """The result of :func:`did` / :func:`event_study` (kind "did"): every
    entry of include/causal/did.h (``r["estimate"]``, ``r["n_units"]``,
    ``r["pretrend_p_value"]``, ...), the conveniences of
    :class:`causal.RegressionResult` (``params``, ``std_errors``, ``cov``,
    ``wald``) and:

    - ``r.design``: "2x2", "twfe" or "event_study";
    - ``r.effect``: the headline effect as a dict (estimate, std_error,
      statistic, p_value, conf_low, conf_high);
    - ``r.event`` (:class:`causal.Table`, event studies): one row per
      relative period incl. the reference (estimate 0), ``r.event_time``;
    - ``str(r)``: the DiD summary; event studies print the event-study
      table with a text confidence-interval plot and the pre-trend test.
    """

    _type_name = "DidResult"

    @property
    def design(self):
        return self.string("design")

    @property
    def effect(self):
        return {k: self.scalar(k) for k in ("estimate", "std_error",
                                            "statistic", "p_value",
                                            "conf_low", "conf_high")}

    @property
    def event(self):
        """The event-study table (:class:`causal.Table`), or None."""
        return self.table("event") if "event" in self else None

    @property
    def event_time(self):
        """Relative period of each row of :attr:`event` (list of int)."""
        if "event_time" not in self:
            return None
        return [int(v) for v in _tolist(self["event_time"])]

    def summary(self, stars=True, digits=4):
        """The DiD summary as a string."""
        if self.closed:
            return "<causal.DidResult (closed)>"
        g = self.get
        design = g("design", "?")
        lines = ["Difference-in-differences (%s)%s" % (
            _LABEL.get(design, design),
            (": " + self._formula) if getattr(self, "_formula", None)
            else "")]
        panel = []
        if "n_units" in self:
            panel.append("%d units" % int(self["n_units"]))
        if "n_periods" in self:
            panel.append("%d periods" % int(self["n_periods"]))
        tr = []
        if "n_treated_units" in self:
            tr.append("%d treated" % int(self["n_treated_units"]))
        if "n_never_treated" in self:
            tr.append("%d never treated" % int(self["n_never_treated"]))
        obs = "%d observations" % int(g("nobs", 0))
        nd = int(g("n_dropped", 0))
        if nd:
            obs += " (%d dropped)" % nd
        lines.append("Panel: " + "; ".join(
            x for x in (", ".join(panel), ", ".join(tr), obs) if x))
        se = "Standard errors: %s" % g("vcov_type", "?")
        if "n_clusters" in self:
            se += ", %d clusters" % int(self["n_clusters"])
        df = g("df", float("inf"))
        st = "z" if math.isinf(df) else "t"  # "statistic" is the effect's
        se += ("; t(%s) reference" % _fmt_df(df) if st == "t"
               else "; normal reference")
        if "n_trend_parameters" in self:
            se += "; unit-specific linear trends (%d parameters)" % int(
                self["n_trend_parameters"])
        lines += [se, ""]
        what = {"2x2": "Effect (group:post)", "twfe": "Effect (treated)",
                "event_study": "Average post-treatment effect (r >= 0)"}
        e = self.effect
        heads = ["", "Estimate", "Std. Error", "%s value" % st,
                 "Pr(>|%s|)" % st, "conf.low", "conf.high"]
        row = [what.get(design, "Effect"), _fmt_num(e["estimate"], digits),
               _fmt_num(e["std_error"], digits), "%.3f" % e["statistic"],
               _fmt_p(e["p_value"]), _fmt_num(e["conf_low"], digits),
               _fmt_num(e["conf_high"], digits)]
        if stars:
            heads.append("")
            row.append(_stars(e["p_value"]))
        lines += _table_lines([row], heads)
        if "estimate_means" in self:
            cm = _tolist(self["cell_means"])
            lines += ["", "Cell means:"]
            lines += ["  " + s for s in _table_lines(
                [["control", _fmt_num(cm[0], digits),
                  _fmt_num(cm[1], digits),
                  _fmt_num(cm[1] - cm[0], digits)],
                 ["treated", _fmt_num(cm[2], digits),
                  _fmt_num(cm[3], digits),
                  _fmt_num(cm[3] - cm[2], digits)]],
                ["", "pre", "post", "post - pre"])]
            lines.append("Difference of the differences: %s"
                         % _fmt_num(self["estimate_means"], digits))
        if "event" in self:
            lines += [""] + self._event_lines(st, digits)
        rest = [t for t in self.terms
                if not t.startswith("rel[") or "event" not in self]
        if rest and rest != ["treated"]:  # TWFE: only with covariates
            lines += ["", "Coefficients:"]
            lines += self._coef_lines(rest, st, stars, digits)
        for w in self.warnings:
            lines.append("Warning: %s" % w)
        return "\n".join(lines)

    def _coef_lines(self, terms, st, stars, digits):
        tab = self.coef
        heads = ["", "Estimate", "Std. Error", "%s value" % st,
                 "Pr(>|%s|)" % st, "conf.low", "conf.high"]
        if stars:
            heads.append("")
        rows = []
        for t in terms:
            r = tab[t]
            row = [t, _fmt_num(r["estimate"], digits),
                   _fmt_num(r["std_error"], digits),
                   "%.3f" % r["statistic"], _fmt_p(r["p_value"]),
                   _fmt_num(r["conf_low"], digits),
                   _fmt_num(r["conf_high"], digits)]
            if stars:
                row.append(_stars(r["p_value"]))
            rows.append(row)
        return ["  " + s for s in _table_lines(rows, heads)]

    def _event_lines(self, st, digits):
        ev = self.event
        times = self.event_time
        ref = int(self.get("reference", -1))
        pts = [(float(ev.estimate[i]), float(ev.conf_low[i]),
                float(ev.conf_high[i])) for i in range(len(times))]
        plot = _ci_plot(pts)
        rows = []
        for i, r in enumerate(times):
            if r == ref:
                rows.append(["%+d" % r if r else "0", "0", "(reference)", "",
                             "", "", "", ""])
                continue
            rows.append(["%+d" % r if r else "0",
                         _fmt_num(float(ev.estimate[i]), digits),
                         _fmt_num(float(ev.std_error[i]), digits),
                         "%.3f" % float(ev.statistic[i]),
                         _fmt_p(float(ev.p_value[i])),
                         _fmt_num(float(ev.conf_low[i]), digits),
                         _fmt_num(float(ev.conf_high[i]), digits),
                         _stars(float(ev.p_value[i]))])
        table = _table_lines(rows, ["r", "Estimate", "Std. Error",
                                    "%s value" % st, "Pr(>|%s|)" % st,
                                    "conf.low", "conf.high", ""])
        w = max(len(t) for t in table)
        out = ["Event study (relative period r = time - cohort; reference "
               "r = %d):" % ref]
        out.append("  " + table[0].ljust(w) + "  interval (o estimate, "
                   "| zero)")
        out += ["  " + (t.ljust(w) + "  " + p).rstrip()
                for t, p in zip(table[1:], plot)]
        if "pretrend_f" in self:
            df2 = self["pretrend_df2"]
            if math.isinf(df2):
                test = "chi2(%d) = %s" % (int(self["pretrend_df1"]),
                                          _fmt_num(self["pretrend_statistic"],
                                                   digits))
            else:
                test = "F(%d, %s) = %s" % (int(self["pretrend_df1"]),
                                           _fmt_df(df2),
                                           _fmt_num(self["pretrend_f"],
                                                    digits))
            out.append("Pre-trend test (all leads = 0): %s, p-value: %s"
                       % (test, _fmt_p(self["pretrend_p_value"])))
        return out

    def __repr__(self):
        if self.closed:
            return "<causal.DidResult (closed)>"
        return "<causal.DidResult design=%r, nobs=%d>\n%s" % (
            self.design, self.nobs, self.summary())


def _tolist(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


# ---- the user functions --------------------------------------------------
def did(data, y, x=None, *, unit=None, time=None, treatment=None,
        cohort=None, group=None, post=None, design=None, weights=None,
        cluster=None, vcov=None, ssc=None, reference=None, leads=None,
        lags=None, endpoints=None, trends=False, placebo_shift=None,
        placebo_outcome=None, conf_level=None, maxiter=None, tol=None):
    """Difference-in-differences (docs/methods/did.md).

    ``y``: outcome column, or a formula ``"y ~ x1 + C(region)"`` whose
    terms are covariates; ``x``: covariate terms. Column roles: ``unit``,
    ``time``, ``treatment`` (0/1 per row) and/or ``cohort`` (first treated
    period; 0/NA = never treated), ``group`` and ``post`` (0/1, 2x2),
    ``weights``, ``cluster`` (default: the unit, CR1).

    ``design``: "twfe" (y ~ D | unit + time), "event_study" (relative-time
    dummies, see :func:`event_study`) or "2x2"; default "2x2" when
    ``group`` or ``post`` is given, else "twfe". ``trends``: unit-specific
    linear trends. ``placebo_shift=k``: a fake treatment date k periods
    early on the pre-treatment rows. ``placebo_outcome``: fit the same
    specification to this outcome column instead. ``vcov``, ``ssc``,
    ``conf_level`` as :func:`causal.ols`; ``maxiter``/``tol`` of the
    fixed-effect demeaning.

    Returns a :class:`DidResult`. Identification problems (no treated or
    no comparison units, duplicate unit-period rows, a cohort that varies
    within a unit, ...) raise the library's errors naming them."""
    if design is None:
        design = "2x2" if (group is not None or post is not None) else \
            "twfe"
    f, _ = _spec(y, x, False)
    if f.absorb:
        raise InvalidArgumentError(
            "did: '| %s' in the formula: unit and time effects are absorbed "
            "already; add other factors as terms (C(col))"
            % " + ".join(f.absorb), -1)
    if not f.intercept:
        raise InvalidArgumentError("did: the model cannot drop the "
                                   "intercept ('- 1' or '0')", -1)
    clusters = _names(cluster, "cluster")
    used = [f.outcome] + _columns_of(f.terms)
    used += [c for c in (unit, time, treatment, cohort, group, post, weights,
                         placebo_outcome) if c is not None]
    used += clusters
    used = [c for i, c in enumerate(used) if c not in used[:i]]
    ds = _dataset(data, used, f.categorical)
    with DidModel(f.outcome, design, unit=unit, time=time,
                  treatment=treatment, cohort=cohort, group=group, post=post,
                  terms=f.terms, weights=weights, cluster=clusters, vcov=vcov,
                  ssc=ssc, reference=reference, leads=leads, lags=lags,
                  endpoints=endpoints, trends=trends,
                  placebo_shift=placebo_shift, conf_level=conf_level,
                  maxiter=maxiter, tol=tol) as m:
        r = m.fit(ds, placebo_outcome)
    out = placebo_outcome or f.outcome
    r._formula = out + (" ~ " + " + ".join(f.terms) if f.terms else "")
    r._weighted = weights is not None
    return r


def event_study(data, y, x=None, *, unit, time, cohort=None, treatment=None,
                leads=None, lags=None, reference=None, endpoints=None,
                **options):
    """Event-study difference-in-differences: y_it = a_i + l_t +
    sum_{r != reference} b_r 1{t - cohort_i = r} (+ covariates), r over
    [-leads, lags] (default: every observed relative period); periods
    beyond the window join the end bins (``endpoints="bin"``) or are
    dropped (``"drop"``). Prints the event-study table and the joint
    pre-trend test. Other options as :func:`did`."""
    return did(data, y, x, unit=unit, time=time, cohort=cohort,
               treatment=treatment, design="event_study", leads=leads,
               lags=lags, reference=reference, endpoints=endpoints,
               **options)


class _BPResult(Result):
    _type_name = "BreuschPaganResult"

    def __str__(self):
        if self.closed:
            return "<causal Breusch-Pagan result (closed)>"
        return ("%s: BP = %s, df = %d, p-value = %s (n = %d)"
                % (self.get("method", "Breusch-Pagan test"),
                   _fmt_num(self["statistic"]), int(self["df"]),
                   _fmt_p(self["p_value"]), int(self["nobs"])))

    __repr__ = __str__


def breusch_pagan(data, y, x=None, *, terms=None, weights=None,
                  studentize=True, intercept=True, reference=None):
    """Breusch-Pagan test for heteroskedasticity of the OLS/WLS model
    ``y ~ x`` (or a formula): the squared residuals regressed on the
    model's regressors, or on ``terms`` (with an intercept).
    ``studentize=True``: Koenker's version (lmtest::bptest's default);
    False: the original 1979 version. Returns a result with "statistic",
    "df", "p_value", "nobs" and "method"."""
    f, _ = _spec(y, x, False)
    if not intercept:
        f.intercept = False
    aux = _names(terms, "terms")
    used = [f.outcome] + _columns_of(f.terms + aux)
    used += [weights] if weights is not None else []
    used += list((reference or {}).keys())
    used = [c for i, c in enumerate(used) if c not in used[:i]]
    ds = _dataset(data, used, f.categorical)
    arr = _compat.names_array(aux, "terms") if aux else None
    with Model("ols", f.outcome, f.terms, intercept=f.intercept,
               reference=reference, weights=weights, absorb=f.absorb) as m:
        out = new_out()
        _lib.call("causal_regress_breusch_pagan", ctypes.byref(out),
                  m._handle, ds._handle, arr, len(aux),
                  1 if studentize else 0)
    return _BPResult._wrap(out)
