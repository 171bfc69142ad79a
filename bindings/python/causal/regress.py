"""Regression: OLS/WLS, logistic regression and instrumental variables.

Models are specified with column names (or a small formula) and fitted by
libcausal's ``causal_regress`` engine (include/causal/regress.h;
formulas and conventions in docs/methods/ols.md, logit.md, iv.md and
hdfe.md)::

    import causal
    r = causal.ols(df, "re78", ["treat", "age", "educ", "race"],
                   vcov="HC1", reference={"race": "white"})
    print(r)                       # a regression table
    r.params["treat"], r.std_errors["treat"], r["r_squared"]
    r.wald(["age", "educ"])        # joint test that both are zero

    causal.ols(df, "y ~ x1 + x2 + C(year) | firm + year", cluster="firm")
    causal.logit(df, "treat ~ age + educ + race", vcov="HC0")
    causal.iv(df, "lwage ~ exper + [educ ~ meduc + feduc]", vcov="HC1")

``data`` may be a :class:`causal.Dataset`, a pandas DataFrame or a dict of
columns; only the columns the model uses are converted.

Formula grammar (deliberately tiny)::

    formula := outcome "~" rhs ["|" absorb]
    rhs     := item ("+" item)*
    item    := term | "1" | "0" | "-1" | "[" names "~" names "]"  (iv only)
    term    := factor (":" factor)*          interaction, e.g. x:region
    factor  := column | "C(" column ")"      C() makes the column categorical
    absorb  := column ("+" column)*           absorbed fixed effects

"0" or "-1" drops the intercept, "1" keeps it (the default). A categorical
(string) column enters as treatment dummies "col[level]" with the first
level (or ``reference={col: level}``) omitted. There is no "*", no "-"
other than "-1", no transformations: compute log(x) etc. as columns first.

Every result is a :class:`RegressionResult` (a :class:`causal.Result`) whose
``str()`` is a regression table. Errors raise the library's exception
classes: :class:`NotFoundError` for a missing column,
:class:`SingularMatrixError` for collinear terms with ``rank="error"``,
:class:`SeparationError` for (quasi-)separated logit data, and so on.
"""

import ctypes
import math
import re

from . import _compat, _lib
from ._handle import Handle, new_out
from .dataset import Dataset
from .result import Result

__all__ = ["ols", "logit", "iv", "wald", "parse_formula",
           "RegressionResult", "WaldResult", "Model", "VCOV", "SSC"]

# ---- C declarations ------------------------------------------------------
# Added to the package's signature table (causal/_lib.py) so that calls go
# through the same checked path as every other module.
_P = ctypes.POINTER
_SIGNATURES = {
    "causal_regress_new": (ctypes.c_int, [_P(ctypes.c_void_p), ctypes.c_int]),
    "causal_regress_free": (None, [ctypes.c_void_p]),
    "causal_regress_set_outcome": (ctypes.c_int, [ctypes.c_void_p,
                                                  ctypes.c_char_p]),
    "causal_regress_add_term": (ctypes.c_int, [ctypes.c_void_p,
                                               ctypes.c_char_p]),
    "causal_regress_set_intercept": (ctypes.c_int, [ctypes.c_void_p,
                                                    ctypes.c_int]),
    "causal_regress_set_reference": (ctypes.c_int, [ctypes.c_void_p,
                                                    ctypes.c_char_p,
                                                    ctypes.c_char_p]),
    "causal_regress_set_weights": (ctypes.c_int, [ctypes.c_void_p,
                                                  ctypes.c_char_p]),
    "causal_regress_set_offset": (ctypes.c_int, [ctypes.c_void_p,
                                                 ctypes.c_char_p]),
    "causal_regress_add_cluster": (ctypes.c_int, [ctypes.c_void_p,
                                                  ctypes.c_char_p]),
    "causal_regress_add_absorb": (ctypes.c_int, [ctypes.c_void_p,
                                                 ctypes.c_char_p]),
    "causal_regress_add_endogenous": (ctypes.c_int, [ctypes.c_void_p,
                                                     ctypes.c_char_p]),
    "causal_regress_add_instrument": (ctypes.c_int, [ctypes.c_void_p,
                                                     ctypes.c_char_p]),
    "causal_regress_set_int": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                              ctypes.c_int64]),
    "causal_regress_set_double": (ctypes.c_int, [ctypes.c_void_p,
                                                 ctypes.c_int,
                                                 ctypes.c_double]),
    "causal_regress_get_int": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                              _P(ctypes.c_int64)]),
    "causal_regress_get_double": (ctypes.c_int, [ctypes.c_void_p,
                                                 ctypes.c_int,
                                                 _P(ctypes.c_double)]),
    "causal_regress_bounds": (ctypes.c_int, [ctypes.c_int,
                                             _P(ctypes.c_double),
                                             _P(ctypes.c_double)]),
    "causal_regress_fit": (ctypes.c_int, [_P(ctypes.c_void_p),
                                          ctypes.c_void_p, ctypes.c_void_p]),
    "causal_regress_wald": (ctypes.c_int, [_P(ctypes.c_void_p),
                                           ctypes.c_void_p,
                                           _P(ctypes.c_double),
                                           ctypes.c_size_t, ctypes.c_size_t,
                                           _P(ctypes.c_double)]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

# ---- pinned constants (include/causal/regress.h) -------------------------
OLS, LOGIT, IV = 1, 2, 3
_VCOV_KEY, _SSC_KEY, _RANK_KEY, _MAXITER_KEY, _KEEP_KEY, _METHOD_KEY = \
    1, 2, 3, 4, 5, 6
_LEVEL_KEY, _TOL_KEY, _RANKTOL_KEY, _L2_KEY, _ALPHA_KEY = \
    101, 102, 103, 104, 105

#: Covariance estimators by name (case-insensitive).
VCOV = {"classical": 1, "iid": 1, "hc0": 2, "hc1": 3, "hc2": 4, "hc3": 5,
        "cr0": 6, "cr1": 7, "cr2": 8}
#: Small-sample conventions by name (case-insensitive).
SSC = {"r": 1, "stata": 2, "statsmodels": 3, "fixest": 4}
_RANK = {"drop": 1, "error": 2}
_METHOD = {"2sls": 1, "tsls": 1, "liml": 2, "fuller": 3}


def _pick(table, value, what):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError("%s must be a name (one of %s), not %r"
                        % (what, ", ".join(sorted(set(table))), value))
    if isinstance(value, int):
        if value not in table.values():
            raise ValueError("%s = %d is not a valid code" % (what, value))
        return value
    try:
        return table[value.lower()]
    except KeyError:
        raise ValueError("%s %r is not one of: %s"
                         % (what, value, ", ".join(sorted(table)))) from None


# ---- formulas ------------------------------------------------------------
_CALL = re.compile(r"^C\(\s*([^()]+?)\s*\)$")


class Formula:
    """A parsed formula: outcome, terms, intercept, absorb, endog,
    instruments and the columns to treat as categorical (from C())."""

    def __init__(self):
        self.outcome = None
        self.terms = []
        self.intercept = True
        self.absorb = []
        self.endog = []
        self.instruments = []
        self.categorical = []

    def __repr__(self):
        return ("Formula(outcome=%r, terms=%r, intercept=%r, absorb=%r, "
                "endog=%r, instruments=%r, categorical=%r)"
                % (self.outcome, self.terms, self.intercept, self.absorb,
                   self.endog, self.instruments, self.categorical))


def _factor(tok, f, where):
    tok = tok.strip()
    m = _CALL.match(tok)
    if m:
        tok = m.group(1)
        if tok not in f.categorical:
            f.categorical.append(tok)
    if not tok or any(c in tok for c in "~|[]()+*"):
        raise ValueError("formula: cannot read %r in %s (the grammar is "
                         "described in help(causal.regress))" % (tok, where))
    return tok


def _term(tok, f, where):
    return ":".join(_factor(p, f, where) for p in tok.split(":"))


def _split_plus(text):
    """Split on '+' outside brackets and parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "+" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def parse_formula(text, allow_iv=False):
    """Parse ``"y ~ x1 + x2:g + C(year) - 1 | fe1 + fe2"`` (see the module
    docstring for the grammar). Returns a :class:`Formula`."""
    if not isinstance(text, str):
        raise TypeError("formula must be a str")
    f = Formula()
    head, sep, rest = text.partition("~")
    if not sep:
        raise ValueError("formula %r has no '~'" % text)
    f.outcome = _factor(head, f, "the outcome")
    if f.categorical:
        raise ValueError("formula: the outcome cannot be C(...)")
    # '|' outside brackets separates the absorbed factors.
    depth, bar = 0, -1
    for i, ch in enumerate(rest):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            bar = i
            break
    rhs, absorb = (rest, "") if bar < 0 else (rest[:bar], rest[bar + 1:])
    if bar >= 0:
        f.absorb = [_factor(a, f, "the absorbed factors")
                    for a in absorb.split("+")]
    rhs = rhs.strip()
    if rhs.endswith("- 1") or rhs.endswith("-1"):
        rhs = rhs[:rhs.rfind("-")].strip()
        f.intercept = False
        if not rhs:
            return f
    for item in _split_plus(rhs):
        item = item.strip()
        if item in ("1", "0"):
            f.intercept = item == "1"
        elif item.startswith("[") and item.endswith("]"):
            if not allow_iv:
                raise ValueError("formula: '[endog ~ instruments]' is only "
                                 "for causal.iv")
            en, sep2, ins = item[1:-1].partition("~")
            if not sep2:
                raise ValueError("formula: %r needs 'endog ~ instruments'"
                                 % item)
            f.endog += [_term(t, f, item) for t in en.split("+")]
            f.instruments += [_term(t, f, item) for t in ins.split("+")]
        elif item:
            f.terms.append(_term(item, f, "the terms"))
        else:
            raise ValueError("formula %r has an empty term" % text)
    return f


# ---- data ----------------------------------------------------------------
def _columns_of(terms):
    cols = []
    for t in terms:
        for c in t.split(":"):
            if c not in cols:
                cols.append(c)
    return cols


def _as_categorical(ds, name, values):
    """Add ``values`` (a column of any type) to ``ds`` as categorical, the
    levels in increasing value order (numbers numerically)."""
    present = sorted({v for v in values if v is not None and v == v},
                     key=lambda v: (isinstance(v, str), v))

    def label(v):
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    labels = [label(v) for v in present]
    if len(set(labels)) != len(labels):
        labels = [repr(v) for v in present]
    index = {v: i for i, v in enumerate(present)}
    codes = [-1 if v is None or v != v else index[v] for v in values]
    ds.add_categorical(name, codes, labels)


def _dataset(data, used, categorical=()):
    """A Dataset with the model's columns: ``data`` itself when it is a
    Dataset and nothing needs converting, else a new one. Columns that do
    not exist are left out, so the library reports them by name."""
    categorical = [c for c in categorical]
    if isinstance(data, Dataset):
        if not categorical:
            return data
        have = set(data.columns)
        keep = [c for c in used if c in have and c not in categorical]
        out = data.select(keep)
        for c in categorical:
            if c in have:
                col = data.column(c)
                _as_categorical(out, c, _tolist(col))
        return out
    pd = _compat.pandas()
    if pd is not None and isinstance(data, pd.DataFrame):
        have = set(data.columns)
        out = Dataset()
        for c in used:
            if c not in have:
                continue
            if c in categorical:
                s = data[c]
                if isinstance(s.dtype, pd.CategoricalDtype):
                    out.add_column(c, s)
                else:
                    _as_categorical(out, c, [None if pd.isna(v) else v
                                             for v in s.tolist()])
            else:
                out.add_column(c, data[c])
        return out
    if isinstance(data, dict):
        out = Dataset()
        for c in used:
            if c not in data:
                continue
            if c in categorical:
                _as_categorical(out, c, _tolist(data[c]))
            else:
                out.add_column(c, data[c])
        return out
    raise TypeError("data must be a causal.Dataset, a pandas DataFrame or a "
                    "dict of columns, not %s" % type(data).__name__)


def _tolist(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    return [None if v is None or (isinstance(v, float) and v != v) else v
            for v in x]


def _names(v, what):
    """None, a str, or a sequence of str -> list of str."""
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    try:
        out = list(v)
    except TypeError:
        raise TypeError("%s must be a column name or a list of names, not "
                        "%s" % (what, type(v).__name__)) from None
    for s in out:
        if not isinstance(s, str):
            raise TypeError("%s must hold column names (str), not %r"
                            % (what, s))
    return out


# ---- the specification handle --------------------------------------------
class Model(Handle):
    """A ``causal_regress`` specification (low level: :func:`ols`,
    :func:`logit` and :func:`iv` build one, fit it and free it). It can be
    fitted on several datasets with :meth:`fit`."""

    _free_name = "causal_regress_free"
    _type_name = "Model"

    def __init__(self, family, outcome, terms=(), intercept=True,
                 reference=None, weights=None, offset=None, cluster=None,
                 absorb=None, endog=(), instruments=(), vcov=None, ssc="R",
                 rank="drop", conf_level=0.95, maxiter=None, tol=None,
                 rank_tol=None, keep_fitted=False, l2=None, method=None,
                 fuller_alpha=None):
        out = new_out()
        _lib.call("causal_regress_new", ctypes.byref(out),
                  _pick({"ols": OLS, "logit": LOGIT, "iv": IV}, family,
                        "family"))
        self._adopt(out)
        self.family = family
        h = self._handle
        enc = _compat.encode
        _lib.call("causal_regress_set_outcome", h, enc(outcome, "outcome"))
        for t in terms:
            _lib.call("causal_regress_add_term", h, enc(t, "term"))
        _lib.call("causal_regress_set_intercept", h, 1 if intercept else 0)
        for col, level in (reference or {}).items():
            _lib.call("causal_regress_set_reference", h, enc(col, "column"),
                      enc(str(level), "level"))
        if weights is not None:
            _lib.call("causal_regress_set_weights", h, enc(weights, "weights"))
        if offset is not None:
            _lib.call("causal_regress_set_offset", h, enc(offset, "offset"))
        for c in _names(cluster, "cluster"):
            _lib.call("causal_regress_add_cluster", h, enc(c, "cluster"))
        for c in _names(absorb, "absorb"):
            _lib.call("causal_regress_add_absorb", h, enc(c, "absorb"))
        for t in endog:
            _lib.call("causal_regress_add_endogenous", h, enc(t, "endog"))
        for t in instruments:
            _lib.call("causal_regress_add_instrument", h,
                      enc(t, "instrument"))
        if vcov is not None:
            self._set_int(_VCOV_KEY, _pick(VCOV, vcov, "vcov"))
        self._set_int(_SSC_KEY, _pick(SSC, ssc, "ssc"))
        self._set_int(_RANK_KEY, _pick(_RANK, rank, "rank"))
        if maxiter is not None:
            self._set_int(_MAXITER_KEY, maxiter)
        if keep_fitted:
            self._set_int(_KEEP_KEY, 1)
        if method is not None:
            self._set_int(_METHOD_KEY, _pick(_METHOD, method, "method"))
        self._set_double(_LEVEL_KEY, conf_level)
        if tol is not None:
            self._set_double(_TOL_KEY, tol)
        if rank_tol is not None:
            self._set_double(_RANKTOL_KEY, rank_tol)
        if l2 is not None:
            self._set_double(_L2_KEY, l2)
        if fuller_alpha is not None:
            self._set_double(_ALPHA_KEY, fuller_alpha)

    def _set_int(self, key, value):
        if isinstance(value, bool) or not isinstance(value, int):
            if not (isinstance(value, float) and value.is_integer()):
                raise TypeError("option %d needs an integer, not %r"
                                % (key, value))
        _lib.call("causal_regress_set_int", self._handle, key, int(value))

    def _set_double(self, key, value):
        _lib.call("causal_regress_set_double", self._handle, key,
                  float(value))

    def fit(self, ds):
        """Fit on a :class:`Dataset`; returns a :class:`RegressionResult`."""
        out = new_out()
        _lib.call("causal_regress_fit", ctypes.byref(out), self._handle,
                  ds._handle)
        return RegressionResult._wrap(out)


# ---- results -------------------------------------------------------------
def _fmt_num(v, digits=4):
    if v is None or v != v:
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return "%.*g" % (digits + 1, v)


def _fmt_df(v):
    """Degrees of freedom and counts: integers without decimals."""
    if v == v and not math.isinf(v) and v == int(v):
        return "%d" % int(v)
    return _fmt_num(v)


def _fmt_p(p):
    if p != p:
        return "NaN"
    if p < 2.2e-16:
        return "<2e-16"
    if p < 1e-4:
        return "%.2e" % p
    return "%.4f" % p


def _stars(p):
    if p != p:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 \
        else "." if p < 0.1 else ""


def _table_lines(rows, heads, right=True):
    """Align rows of strings under heads; the first column left-aligned."""
    widths = [max(len(str(r[j])) for r in [heads] + rows)
              for j in range(len(heads))]
    out = []
    for r in [heads] + rows:
        cells = [str(r[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
    return out


class RegressionResult(Result):
    """The result of :func:`ols`, :func:`logit` or :func:`iv`: a
    :class:`causal.Result` (all entries of include/causal/regress.h and
    docs/methods/<family>.md: ``r["r_squared"]``, ``r["vcov"]``, ...) with
    conveniences:

    - ``str(r)`` / ``r.summary()``: a regression table (estimate, standard
      error, statistic, p-value, confidence interval, significance stars),
      fit statistics, the covariance type and the warnings;
    - ``r.coef`` (:class:`causal.Table`), ``r.terms``, ``r.params`` and
      ``r.std_errors`` (dicts term -> value), ``r.pvalues``, ``r.cov``
      (the covariance matrix), ``r.nobs``;
    - ``r.wald(R, rhs)``: Wald test of linear restrictions.
    """

    _type_name = "RegressionResult"

    @property
    def coef(self):
        """The coefficient table (:class:`causal.Table`)."""
        return self.table("coef")

    @property
    def terms(self):
        """Names of the kept coefficients, in table order."""
        return self.names("coef") or []

    def _col(self, j):
        tab = self.matrix("coef")
        return {t: float(row[j]) for t, row in zip(self.terms, tab)}

    @property
    def params(self):
        """Dict term -> estimate."""
        return self._col(0)

    @property
    def std_errors(self):
        """Dict term -> standard error."""
        return self._col(1)

    @property
    def pvalues(self):
        """Dict term -> p-value."""
        return self._col(3)

    @property
    def cov(self):
        """Covariance matrix of the kept coefficients (2-D array)."""
        return self.matrix("vcov")

    @property
    def nobs(self):
        """Rows used by the fit."""
        return int(self.scalar("nobs"))

    def wald(self, R, rhs=None):
        """Wald test of R b = rhs; see :func:`wald`."""
        return wald(self, R, rhs)

    def summary(self, stars=True, digits=4):
        """The regression table as a string."""
        if self.closed:
            return "<causal.RegressionResult (closed)>"
        kind = self.kind
        g = self.get
        lines = [self._title()]
        vt = g("vcov_type", "?")
        nobs = int(g("nobs", 0))
        info = "Observations: %d" % nobs
        nd = int(g("n_dropped", 0))
        if nd:
            info += " (%d dropped for missing values or zero weights)" % nd
        lines.append(info)
        se = "Standard errors: %s" % vt
        if "n_clusters" in self:
            se += ", %d clusters" % int(self["n_clusters"])
            if "n_clusters2" in self:
                se += " x %d" % int(self["n_clusters2"])
        stat = g("statistic", "t")
        df = g("df", float("inf"))
        se += ("; t(%s) reference" % _fmt_df(df) if stat == "t"
               else "; normal reference")
        lines.append(se)
        lines.append("")
        tab = self.coef
        st = "t" if stat == "t" else "z"
        heads = ["", "Estimate", "Std. Error", "%s value" % st,
                 "Pr(>|%s|)" % st, "conf.low", "conf.high"]
        if stars:
            heads.append("")
        rows = []
        for i, t in enumerate(tab.terms):
            p = float(tab.p_value[i])
            row = [t, _fmt_num(float(tab.estimate[i]), digits),
                   _fmt_num(float(tab.std_error[i]), digits),
                   "%.3f" % float(tab.statistic[i]), _fmt_p(p),
                   _fmt_num(float(tab.conf_low[i]), digits),
                   _fmt_num(float(tab.conf_high[i]), digits)]
            if stars:
                row.append(_stars(p))
            rows.append(row)
        lines += _table_lines(rows, heads)
        if stars:
            lines.append("---")
            lines.append("Signif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 "
                         "'.' 0.1 ' ' 1")
        lines += self._footer(kind, digits)
        for w in self.warnings:
            lines.append("Warning: %s" % w)
        return "\n".join(lines)

    def _title(self):
        kind = self.kind
        if kind == "ols":
            name = "Linear regression (%s)" % (
                "WLS" if getattr(self, "_weighted", False) else "OLS")
        elif kind == "logit":
            name = "Logistic regression"
        elif kind == "iv":
            name = "Instrumental variables (%s)" % self.get("iv_method",
                                                             "2SLS")
        else:
            name = "Regression (%s)" % kind
        f = getattr(self, "_formula", None)
        return name + (": " + f if f else "")

    def _footer(self, kind, digits):
        g = self.get
        out = []
        if kind in ("ols", "iv"):
            out.append("Residual standard error: %s on %s degrees of freedom"
                       % (_fmt_num(g("sigma", float("nan")), digits),
                          _fmt_df(g("df_residual", float("nan")))))
            r2 = "R-squared: %s, adjusted R-squared: %s" % (
                _fmt_num(g("r_squared", float("nan")), digits),
                _fmt_num(g("adj_r_squared", float("nan")), digits))
            if "within_r_squared" in self:
                r2 += ", within R-squared: %s" % _fmt_num(
                    self["within_r_squared"], digits)
            out.append(r2)
            if "f_statistic" in self:
                out.append("Wald F-statistic (%s): %s on %s and %s DF, "
                           "p-value: %s" % (
                               g("vcov_type", "?"),
                               _fmt_num(self["f_statistic"], digits),
                               _fmt_df(g("f_df1", float("nan"))),
                               _fmt_df(g("f_df2", float("nan"))),
                               _fmt_p(g("f_p_value", float("nan")))))
            if "dof_fe" in self:
                out.append("Absorbed fixed effects: %s parameters, %d "
                           "singletons removed" % (
                               _fmt_df(self["dof_fe"]),
                               int(g("n_singletons", 0))))
        if kind == "logit":
            out.append("Null deviance: %s; residual deviance: %s; AIC: %s"
                       % (_fmt_num(g("null_deviance", float("nan")), digits),
                          _fmt_num(g("deviance", float("nan")), digits),
                          _fmt_num(g("aic", float("nan")), digits)))
            out.append("Log-likelihood: %s; iterations: %d"
                       % (_fmt_num(g("loglik", float("nan")), digits),
                          int(g("iterations", 0))))
        if kind == "iv":
            out += self._iv_footer(digits)
        return out

    def _iv_footer(self, digits):
        g = self.get
        out = ["", "Diagnostics:"]
        rows = []
        fs = g("first_stage")
        if fs is not None:
            rn, _ = self.dimnames("first_stage")
            for i, name in enumerate(rn or []):
                r = fs[i]
                rows.append(["First stage F (%s)" % name,
                             _fmt_num(float(r[1]), digits),
                             "%s, %s" % (_fmt_df(float(r[2])),
                                         _fmt_df(float(r[3]))),
                             _fmt_p(float(r[4])),
                             "partial R2 %s" % _fmt_num(float(r[0]), digits)])

        def add(label, stat, df, p, note=""):
            if stat in self:
                dfs = ", ".join(_fmt_df(self[d]) for d in df if d in self)
                rows.append([label, _fmt_num(self[stat], digits), dfs,
                             _fmt_p(self[p]) if p in self else "", note])
        add("Wu-Hausman", "wu_hausman_f", ("wu_hausman_df1", "wu_hausman_df2"),
            "wu_hausman_p_value")
        if g("sargan_df", 0) > 0:
            add("Sargan", "sargan", ("sargan_df",), "sargan_p_value")
            add("Hansen J", "hansen_j", ("hansen_j_df",), "hansen_j_p_value")
        add("Anderson-Rubin F", "ar_f", ("ar_df1", "ar_df2"), "ar_f_p_value")
        rows.append(["Cragg-Donald F", _fmt_num(g("cragg_donald_f",
                                                  float("nan")), digits),
                     "", "", "Kleibergen-Paap rk F %s" % _fmt_num(
                         g("kp_rk_wald_f", float("nan")), digits)])
        out += ["  " + s for s in _table_lines(
            rows, ["test", "statistic", "df", "p-value", ""])]
        ct = g("ar_ci_type")
        if ct and ct != "unavailable":
            out.append("Anderson-Rubin confidence set (%s): [%s, %s]" % (
                ct, _fmt_num(g("ar_ci_low", float("nan")), digits),
                _fmt_num(g("ar_ci_high", float("nan")), digits)))
        return out

    def __str__(self):
        return self.summary()

    def __repr__(self):
        if self.closed:
            return "<causal.RegressionResult (closed)>"
        return "<causal.RegressionResult kind=%r, %d terms, nobs=%d>\n%s" % (
            self.kind, len(self.terms), self.nobs, self.summary())


class WaldResult(Result):
    """Result of a Wald test (kind "wald"): ``statistic`` (chi-square form),
    ``f_statistic``, ``df1``, ``df2``, ``p_value``."""

    _type_name = "WaldResult"

    def __str__(self):
        if self.closed:
            return "<causal.WaldResult (closed)>"
        s = self
        if math.isinf(s["df2"]):
            return ("Wald test: chi2(%d) = %s, p-value = %s"
                    % (int(s["df1"]), _fmt_num(s["statistic"]),
                       _fmt_p(s["p_value"])))
        return ("Wald test: F(%d, %s) = %s, p-value = %s (chi2 = %s)"
                % (int(s["df1"]), _fmt_df(s["df2"]),
                   _fmt_num(s["f_statistic"]), _fmt_p(s["p_value"]),
                   _fmt_num(s["statistic"])))

    __repr__ = __str__


def _restrictions(fit, R):
    """R as a list of rows of length k, from a matrix, a term name, a list
    of term names, a dict term -> coefficient or a list of such dicts."""
    terms = fit.names("coef") or []
    k = len(terms)

    def row_of(d):
        row = [0.0] * k
        for t, c in d.items():
            if t not in terms:
                from .errors import NotFoundError
                raise NotFoundError("wald: no coefficient %r (kept terms: %s)"
                                    % (t, ", ".join(terms)), -10)
            row[terms.index(t)] = float(c)
        return row
    if isinstance(R, str):
        return [row_of({R: 1})]
    if isinstance(R, dict):
        return [row_of(R)]
    np = _compat.numpy()
    if np is not None and hasattr(R, "ndim") and R.ndim in (1, 2):
        R = R.tolist()
        if R and not isinstance(R[0], list):
            R = [R]
    R = list(R)
    if R and all(isinstance(x, str) for x in R):
        return [row_of({t: 1}) for t in R]
    if R and all(isinstance(x, dict) for x in R):
        return [row_of(d) for d in R]
    if R and all(isinstance(x, (int, float)) for x in R):
        R = [R]
    return [[float(v) for v in row] for row in R]


def wald(result, R, rhs=None):
    """Wald test of the linear restrictions ``R b = rhs`` on a fitted
    regression (``causal_regress_wald``), using its covariance and
    reference distribution (F(q, df), or chi-square(q) for z statistics).

    ``R`` may be a q x k matrix over the kept coefficients in table order,
    a term name or list of term names (each coefficient = rhs), a dict
    ``{term: weight}`` (one restriction, e.g. ``{"a": 1, "b": -1}`` for
    a = b) or a list of such dicts. ``rhs``: None (zeros), a number or q
    numbers. Returns a :class:`WaldResult`."""
    if not isinstance(result, Result):
        raise TypeError("wald needs a fitted regression result")
    rows = _restrictions(result, R)
    q = len(rows)
    k = len(rows[0]) if rows else 0
    for i, r in enumerate(rows):
        if len(r) != k:
            from .errors import DimensionError
            raise DimensionError("wald: row %d of R has %d values, row 0 has "
                                 "%d" % (i, len(r), k), -12)
    flat = [rows[i][j] for j in range(k) for i in range(q)]  # column-major
    x = _compat.as_input(flat, "d", "R")
    if rhs is None:
        rp, keep = _compat.null("d"), None
    else:
        if isinstance(rhs, (int, float)):
            rhs = [float(rhs)] * q
        keep = _compat.as_input(rhs, "d", "rhs")
        if keep.n != q:
            from .errors import DimensionError
            raise DimensionError("wald: rhs has %d values for %d restrictions"
                                 % (keep.n, q), -12)
        rp = keep.ptr
    out = new_out()
    _lib.call("causal_regress_wald", ctypes.byref(out), result._handle,
              x.ptr if q * k else _compat.null("d"), q, k, rp)
    return WaldResult._wrap(out)


# ---- the user functions --------------------------------------------------
def _spec(y, x, allow_iv):
    """(Formula, from_formula) from either a formula or y + x."""
    if isinstance(y, str) and "~" in y:
        if x is not None:
            raise TypeError("give either a formula or (y, x), not both")
        return parse_formula(y, allow_iv=allow_iv), True
    if not isinstance(y, str):
        raise TypeError("y must be the outcome column name or a formula")
    f = Formula()
    f.outcome = y
    f.terms = _names(x, "x")
    return f, False


def _describe(f, family):
    rhs = list(f.terms)
    if f.endog:
        rhs.append("[%s ~ %s]" % (" + ".join(f.endog),
                                  " + ".join(f.instruments)))
    if not f.intercept:
        rhs.append("0")
    s = "%s ~ %s" % (f.outcome, " + ".join(rhs) if rhs else "1")
    if f.absorb:
        s += " | " + " + ".join(f.absorb)
    return s


def _run(family, data, f, *, weights=None, offset=None, cluster=None,
         absorb=None, reference=None, **opts):
    absorb = f.absorb + _names(absorb, "absorb")
    clusters = _names(cluster, "cluster")
    used = [f.outcome] + _columns_of(f.terms + f.endog + f.instruments)
    used += [c for c in [weights, offset] if c is not None]
    used += clusters + absorb + list((reference or {}).keys())
    used = [c for i, c in enumerate(used) if c not in used[:i]]
    ds = _dataset(data, used, f.categorical)
    f.absorb = absorb
    with Model(family, f.outcome, f.terms, intercept=f.intercept,
               reference=reference, weights=weights, offset=offset,
               cluster=clusters, absorb=absorb, endog=f.endog,
               instruments=f.instruments, **opts) as m:
        r = m.fit(ds)
    r._formula = _describe(f, family)
    r._weighted = weights is not None
    return r


def ols(data, y, x=None, *, weights=None, cluster=None, absorb=None,
        vcov=None, ssc="R", intercept=True, reference=None, conf_level=0.95,
        rank="drop", rank_tol=None, maxiter=None, tol=None,
        keep_fitted=False):
    """Linear regression by least squares (WLS with ``weights``).

    ``data``: Dataset, pandas DataFrame or dict of columns. ``y``: outcome
    column, or a formula ``"y ~ x1 + x2:g + C(year) | fe1 + fe2"`` (then
    leave ``x`` out). ``x``: list of terms (column names; "a:b" for an
    interaction; string/categorical columns give treatment dummies).

    Options: ``weights`` (column, non-negative), ``cluster`` (one or two
    columns), ``absorb`` (columns absorbed as fixed effects), ``vcov``
    ("classical", "HC0".."HC3", "CR0", "CR1", "CR2"; default classical, or
    CR1 with clusters), ``ssc`` (small-sample convention "R", "stata",
    "statsmodels", "fixest"; docs/methods/ols.md), ``intercept``,
    ``reference`` ({column: level}), ``conf_level``, ``rank`` ("drop"
    collinear terms with a warning, or "error": SingularMatrixError),
    ``rank_tol``, ``maxiter`` / ``tol`` (fixed-effect iterations),
    ``keep_fitted`` (add "fitted" and "residuals").

    Returns a :class:`RegressionResult`; ``print()`` it for the table."""
    f, formula = _spec(y, x, False)
    if not intercept:
        f.intercept = False
    return _run("ols", data, f, weights=weights, cluster=cluster,
                absorb=absorb, reference=reference, vcov=vcov, ssc=ssc,
                conf_level=conf_level, rank=rank, rank_tol=rank_tol,
                maxiter=maxiter, tol=tol, keep_fitted=keep_fitted)


def logit(data, y, x=None, *, weights=None, offset=None, cluster=None,
          vcov=None, ssc="R", intercept=True, reference=None, l2=None,
          conf_level=0.95, rank="drop", rank_tol=None, maxiter=None,
          tol=None, keep_fitted=False):
    """Binary logistic regression (IRLS with step halving;
    docs/methods/logit.md). The outcome is 0/1, bool or a two-level
    categorical.

    Arguments as :func:`ols`, plus ``offset`` (a column added to the linear
    predictor) and ``l2`` (ridge penalty lambda >= 0, intercept not
    penalized). ``maxiter`` (default 25) and ``tol`` (default 1e-8) control
    IRLS. Separated data raise :class:`SeparationError` naming the
    variables; non-convergence :class:`ConvergenceError`. With
    ``keep_fitted`` the result has the predicted probabilities "fitted"."""
    f, formula = _spec(y, x, False)
    if not intercept:
        f.intercept = False
    return _run("logit", data, f, weights=weights, offset=offset,
                cluster=cluster, reference=reference, vcov=vcov, ssc=ssc,
                conf_level=conf_level, rank=rank, rank_tol=rank_tol,
                maxiter=maxiter, tol=tol, keep_fitted=keep_fitted, l2=l2)


def iv(data, y, exog=None, endog=None, instruments=None, *, method="2sls",
       fuller_alpha=None, weights=None, cluster=None, absorb=None, vcov=None,
       ssc="R", intercept=True, reference=None, conf_level=0.95, rank="drop",
       rank_tol=None, keep_fitted=False):
    """Instrumental-variables regression: 2SLS, LIML or Fuller
    (docs/methods/iv.md).

    ``y``: outcome column, with ``exog`` (exogenous terms), ``endog``
    (endogenous regressors) and ``instruments`` (excluded instruments) as
    lists of column names; or a formula
    ``"y ~ x1 + x2 + [d1 + d2 ~ z1 + z2 + z3]"``. ``method``: "2sls",
    "liml" or "fuller" (``fuller_alpha``, default 1). Other options as
    :func:`ols`. The result carries the first-stage table ("first_stage"),
    Cragg-Donald and Kleibergen-Paap F, Sargan / Hansen J, Wu-Hausman,
    Durbin and Anderson-Rubin tests (with the AR confidence set)."""
    if isinstance(y, str) and "~" in y:
        if exog is not None or endog is not None or instruments is not None:
            raise TypeError("give either a formula or (y, exog, endog, "
                            "instruments), not both")
        f = parse_formula(y, allow_iv=True)
    else:
        f, _ = _spec(y, exog, True)
        f.endog = _names(endog, "endog")
        f.instruments = _names(instruments, "instruments")
    if not intercept:
        f.intercept = False
    return _run("iv", data, f, weights=weights, cluster=cluster,
                absorb=absorb, reference=reference, vcov=vcov, ssc=ssc,
                conf_level=conf_level, rank=rank, rank_tol=rank_tol,
                keep_fitted=keep_fitted, method=method,
                fuller_alpha=fuller_alpha)
