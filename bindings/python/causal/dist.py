"""Probability distributions as frozen objects, in the style of scipy.stats.

>>> from causal.dist import Normal
>>> Normal(0, 1).cdf(1.96)          # doctest: +ELLIPSIS
0.9750021048517...

Every method is vectorized: a scalar gives a float, a list/array gives a
numpy array of the same shape (a list without numpy). Invalid parameters
raise at construction (OutOfRangeError / InvalidArgumentError naming the
parameter); a NaN argument raises NonFiniteError naming its index.

Functions: ``pdf`` (probability mass for discrete families; ``pmf`` is an
alias), ``logpdf`` (``logpmf``), ``cdf``, ``sf`` (upper tail, computed
directly), ``logcdf``, ``logsf``, ``ppf`` (quantile: smallest x with
cdf(x) >= q) and ``isf`` (smallest x with sf(x) <= q, accurate for tiny q).
"""

from . import _compat, _lib

__all__ = ["Distribution", "Normal", "StudentT", "ChiSquare", "F", "Beta",
           "Gamma", "Binomial", "Poisson", "nparams"]

NORMAL, T, CHISQ, FDIST, BETA, GAMMA, BINOMIAL, POISSON = range(1, 9)
PDF, LOGPDF, CDF, SF, LOGCDF, LOGSF, QUANTILE, ISF = range(1, 9)


def nparams(family):
    """Number of parameters of a family code (``causal_dist_nparams``)."""
    st = _lib.fn("causal_dist_nparams")(int(family))
    if st < 0:
        from .errors import raise_status
        raise_status(st, "causal_dist_nparams")
    return st


class Distribution:
    """A frozen distribution: a family code and its parameters."""

    family = None
    param_names = ()
    discrete = False

    def __init__(self, *params):
        if len(params) != len(self.param_names):
            raise TypeError("%s takes %d parameters (%s), got %d"
                            % (type(self).__name__, len(self.param_names),
                               ", ".join(self.param_names), len(params)))
        self.params = tuple(float(p) for p in params)
        self._p = _compat.as_input(list(self.params), "d", "params")
        # Validate the parameters now, with the library's messages.
        self._eval(CDF, 0.0)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % (n, v) for n, v in zip(self.param_names, self.params)))

    def __eq__(self, other):
        return type(self) is type(other) and self.params == other.params

    def __hash__(self):
        return hash((type(self).__name__, self.params))

    def _eval(self, func, x):
        xin = _compat.as_input(x, "d", "x", allow_scalar=True)
        out = _compat.Out(xin.n, "d")
        _lib.call("causal_dist_eval", self.family, func, self._p.ptr,
                  self._p.n, xin.ptr, xin.n, out.ptr)
        return out.result(xin.shape)

    def pdf(self, x):
        """Density (probability mass for discrete families) at x."""
        return self._eval(PDF, x)

    def logpdf(self, x):
        """Log density, accurate where the density underflows."""
        return self._eval(LOGPDF, x)

    def cdf(self, x):
        """P(X <= x)."""
        return self._eval(CDF, x)

    def sf(self, x):
        """P(X > x), computed directly (not 1 - cdf)."""
        return self._eval(SF, x)

    def logcdf(self, x):
        """log P(X <= x)."""
        return self._eval(LOGCDF, x)

    def logsf(self, x):
        """log P(X > x)."""
        return self._eval(LOGSF, x)

    def ppf(self, q):
        """Quantile: the smallest x with cdf(x) >= q, q in [0, 1]."""
        return self._eval(QUANTILE, q)

    def isf(self, q):
        """Upper-tail quantile: the smallest x with sf(x) <= q."""
        return self._eval(ISF, q)

    quantile = ppf


class _Discrete(Distribution):
    discrete = True

    def pmf(self, k):
        """Probability mass at k (same as pdf)."""
        return self._eval(PDF, k)

    def logpmf(self, k):
        """Log probability mass at k."""
        return self._eval(LOGPDF, k)


class Normal(Distribution):
    """Normal(mean=0, sd=1); sd > 0."""
    family = NORMAL
    param_names = ("mean", "sd")

    def __init__(self, mean=0.0, sd=1.0):
        super().__init__(mean, sd)


class StudentT(Distribution):
    """Student's t with df > 0 degrees of freedom (df = inf is normal)."""
    family = T
    param_names = ("df",)

    def __init__(self, df):
        super().__init__(df)


class ChiSquare(Distribution):
    """Chi-square with df > 0."""
    family = CHISQ
    param_names = ("df",)

    def __init__(self, df):
        super().__init__(df)


class F(Distribution):
    """Fisher's F with df1, df2 > 0 (either may be inf)."""
    family = FDIST
    param_names = ("df1", "df2")

    def __init__(self, df1, df2):
        super().__init__(df1, df2)


class Beta(Distribution):
    """Beta(a, b) with a, b > 0."""
    family = BETA
    param_names = ("a", "b")

    def __init__(self, a, b):
        super().__init__(a, b)


class Gamma(Distribution):
    """Gamma(shape, scale=1) with shape, scale > 0 (mean shape*scale)."""
    family = GAMMA
    param_names = ("shape", "scale")

    def __init__(self, shape, scale=1.0):
        super().__init__(shape, scale)


class Binomial(_Discrete):
    """Binomial(n, p): n trials (integer >= 0), success probability p."""
    family = BINOMIAL
    param_names = ("n", "p")

    def __init__(self, n, p):
        super().__init__(n, p)


class Poisson(_Discrete):
    """Poisson(lam) with mean lam >= 0."""
    family = POISSON
    param_names = ("lam",)

    def __init__(self, lam):
        super().__init__(lam)
