"""libcausal for Python: a ctypes binding, no compiled extension.

Statistics core for experimentation and causal inference. The shared
library is found through ``CAUSAL_LIBRARY``, the source tree's build
directory or the installed ``libcausal.so.0`` (see :mod:`causal._lib`).

Main objects:

- :class:`Dataset`, :func:`read_csv`, :func:`iter_csv`,
  :func:`design_matrix` -- columnar data
- :class:`Result` -- the output of every estimator
- :mod:`causal.dist` -- Normal, StudentT, ChiSquare, F, Beta, Gamma,
  Binomial, Poisson (scipy.stats-like, vectorized)
- :class:`Rng` -- PCG64 random numbers
- :class:`Moments` -- mergeable, serializable means/variances/covariances
- :func:`ols`, :func:`logit`, :func:`iv`, :func:`wald` -- regression by
  column names or formulas (:mod:`causal.regress`)
- :class:`CausalError` and its subclasses -- errors with the library's
  messages

numpy and pandas are optional: with numpy, arrays come back as numpy
arrays; without it, as lists.
"""

from . import _lib
from .errors import (  # noqa: F401
    CausalError, InvalidArgumentError, OutOfMemoryError, NonFiniteError,
    SingularMatrixError, ConvergenceError, SeparationError, CausalIOError,
    ParseError, OutOfRangeError, NotFoundError, TypeMismatchError,
    DimensionError, CorruptDataError, MissingValueError, NoOverlapError,
    BufferSizeError, VersionError, AlreadyExistsError, InternalError,
    strerror, last_error)
from .result import Result, Table  # noqa: F401
from .dataset import (Dataset, Design, DesignMatrix,  # noqa: F401
                      design_matrix, describe)
from .csv import (CsvOptions, CsvReader, read_csv, read_csv_string,  # noqa
                  iter_csv)
from .rng import Rng  # noqa: F401
from .moments import Moments  # noqa: F401
from . import dist  # noqa: F401
from . import assign  # noqa: F401
from .abdesign import (power, gs_design, GroupSequential, msprt,  # noqa
                       bayes_beta, bayes_normal, bayes_gamma, decide)
from .abdesign import bayes_normal_nig  # noqa: F401
from .regress import (ols, logit, iv, wald, RegressionResult,  # noqa
                      WaldResult)
from .aa import aa_split, aa_balance, aa_randinf, aa_mde, AAResult  # noqa
from .abtest import ArmStats, ABTest, srm, p_adjust  # noqa: F401
from .stream import RegressionAccumulator, stream_fit  # noqa: F401
from .did import did, event_study, breusch_pagan, DidResult  # noqa: F401
from .simulate import simulate_scenario  # noqa: F401
from .report import Report, Chart  # noqa: F401
from .observational import propensity, balance, ipw, aipw, evalue, refute  # noqa
from .matching import match, match_ai, MatchResult  # noqa: F401
from .sampler import (nuts, beta_binomial, gamma_poisson, normal_nig, gibbs_two_group, mcmc_summary, rhat, ess_bulk, ess_tail, ess_mean, mcse_mean, hdi, SamplerResult)  # noqa: F401,E501
from .fusion import (fuse, fusion_curve, fuse_strata, fuse_data,  # noqa
                     transport, surrogate_index)

__version__ = "0.2.0"


def library_version():
    """Version string of the loaded libcausal (``causal_version_string``)."""
    return _lib.fn("causal_version_string")().decode("ascii")


def library_version_number():
    """major * 10000 + minor * 100 + patch of the loaded libcausal."""
    return _lib.fn("causal_version_number")()


def library_path():
    """Path (or soname) the shared library was loaded from."""
    return _lib.path


__all__ = [
    "__version__", "library_version", "library_version_number",
    "library_path", "CausalError", "InvalidArgumentError",
    "OutOfMemoryError", "NonFiniteError", "SingularMatrixError",
    "ConvergenceError", "SeparationError", "CausalIOError", "ParseError",
    "OutOfRangeError", "NotFoundError", "TypeMismatchError",
    "DimensionError", "CorruptDataError", "MissingValueError",
    "NoOverlapError", "BufferSizeError", "VersionError",
    "AlreadyExistsError", "InternalError", "strerror", "last_error",
    "Result", "Table", "Dataset", "Design", "DesignMatrix", "design_matrix",
    "describe",
    "CsvOptions", "CsvReader", "read_csv", "read_csv_string", "iter_csv",
    "Rng", "Moments", "dist",
    "ols", "logit", "iv", "wald", "RegressionResult", "WaldResult",
    "aa_split", "aa_balance", "aa_randinf", "aa_mde", "AAResult",
]
__all__ += ["RegressionAccumulator", "stream_fit"]  # causal.stream
__all__ += ["did", "event_study", "breusch_pagan", "DidResult"]  # causal.did
__all__ += ["simulate_scenario"]  # causal.simulate
__all__ += ["Report", "Chart"]  # causal.report
__all__ += ["fuse", "fusion_curve", "fuse_strata", "fuse_data", "transport", "surrogate_index"]  # noqa: E501 causal.fusion
