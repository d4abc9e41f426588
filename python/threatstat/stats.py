"""SciPy-shaped statistics: ``mannwhitneyu`` and ``gaussian_kde``.

Both mirror ``scipy.stats`` (SciPy 1.17) in signature, result names and
shapes, and compute in the Rust crates ``threatstat-ranktest`` and
``threatstat-kde``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

import numpy as np

from . import _threatstat as _ext
from ._arrays import vector

__all__ = ["mannwhitneyu", "MannwhitneyuResult", "gaussian_kde"]


class MannwhitneyuResult:
    """The result of :func:`mannwhitneyu`.

    Unpacks as SciPy's ``MannwhitneyuResult``: ``statistic, pvalue = res``.
    Beyond SciPy: ``ln_pvalue`` (finite where ``pvalue`` underflows),
    ``zstatistic``, ``method`` (the method that ran), the effect sizes
    ``rank_biserial`` and ``cles`` (common-language effect size,
    P(X > Y) + P(X = Y)/2), the Hodges--Lehmann shift ``hodges_lehmann`` with
    its confidence interval ``confidence_interval`` = (``ci_low``,
    ``ci_high``) at ``ci_level`` (R's ``wilcox.test(conf.int=TRUE)``), and the
    sample sizes ``n_x``, ``n_y``.
    """

    _fields = ("statistic", "pvalue")

    def __init__(self, fields: dict):
        self.__dict__.update(fields)

    @property
    def confidence_interval(self) -> tuple:
        """(``ci_low``, ``ci_high``): the Hodges--Lehmann shift's interval."""
        return (self.ci_low, self.ci_high)

    def __iter__(self):
        return iter((self.statistic, self.pvalue))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i):
        return (self.statistic, self.pvalue)[i]

    def __repr__(self) -> str:
        return (
            f"MannwhitneyuResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
            f"method={self.method!r}, rank_biserial={self.rank_biserial!r}, "
            f"hodges_lehmann={self.hodges_lehmann!r}, "
            f"confidence_interval={self.confidence_interval!r})"
        )


def _nan_result(x: np.ndarray, y: np.ndarray, alternative: str) -> MannwhitneyuResult:
    nan = float("nan")
    return MannwhitneyuResult(
        dict(
            statistic=nan, pvalue=nan, ln_pvalue=nan, zstatistic=nan, method="propagate",
            alternative=alternative, rank_biserial=nan, cles=nan, hodges_lehmann=nan,
            ci_low=nan, ci_high=nan, ci_level=nan, n_x=len(x), n_y=len(y),
            nan_dropped_x=0, nan_dropped_y=0, ties=False, permutations=None,
        )
    )


def mannwhitneyu(
    x,
    y,
    use_continuity: bool = True,
    alternative: str = "two-sided",
    axis: Optional[int] = 0,
    method: Any = "auto",
    *,
    nan_policy: str = "propagate",
    confidence_level: float = 0.95,
    hodges_lehmann: bool = True,
    n_resamples: int = 9999,
    seed: int = 1,
) -> MannwhitneyuResult:
    """The Mann--Whitney U test; mirrors ``scipy.stats.mannwhitneyu``.

    ``statistic`` is U of ``x`` (``U1 = R1 - n_x(n_x+1)/2`` with average
    ranks), ``pvalue`` as SciPy's for ``alternative`` in 'two-sided', 'less',
    'greater' and ``method`` in 'auto' (SciPy's rule: exact when one sample
    has at most 8 values and there are no ties), 'exact', 'asymptotic'.
    ``method='permutation'`` (or a ``scipy.stats.PermutationMethod``) runs a
    seeded permutation test with ``n_resamples`` random splits.

    ``x`` and ``y`` are 1-D (``axis`` 0 or -1), or flattened with
    ``axis=None``; SciPy's N-D broadcasting is not supported.
    ``nan_policy``: 'propagate' (SciPy's default: a NaN gives NaN results),
    'omit' (NaNs dropped; ``nan_dropped_x``/``_y`` count them) or 'raise'.
    Infinite values raise ``ValueError``.

    Beyond SciPy the result carries effect sizes and the Hodges--Lehmann
    shift with its ``confidence_level`` interval (set ``hodges_lehmann=False``
    to skip them); see :class:`MannwhitneyuResult`.
    """
    if axis is None:
        x, y = np.ravel(x), np.ravel(y)
    elif axis not in (0, -1):
        raise ValueError(f"axis = {axis}: only 1-D samples (axis 0 or -1) or axis=None")
    x = vector(x, "x")
    y = vector(y, "y")
    if not isinstance(method, str):
        # scipy.stats.PermutationMethod(n_resamples=..., random_state=...)
        n_resamples = int(getattr(method, "n_resamples", n_resamples))
        rs = getattr(method, "random_state", None)
        if isinstance(rs, (int, np.integer)):
            seed = int(rs)
        method = "permutation"
    if nan_policy == "propagate":
        if np.isnan(x).any() or np.isnan(y).any():
            return _nan_result(x, y, alternative)
        nan_policy = "raise"
    fields = _ext.mannwhitneyu(
        x, y, bool(use_continuity), alternative, method, nan_policy,
        float(confidence_level), bool(hodges_lehmann), int(n_resamples), int(seed),
    )
    return MannwhitneyuResult(fields)


_RULES = {"scott", "silverman", "normal_reference", "isj", "cv_ml"}


class gaussian_kde:
    """Gaussian kernel density estimate; mirrors ``scipy.stats.gaussian_kde``.

    ``dataset`` is (d, n) or 1-D (n points), ``weights`` one per point.
    ``bw_method``: None or 'scott' (SciPy's default), 'silverman', a scalar
    factor, a callable taking this object and returning the factor (as
    SciPy), or -- beyond SciPy, 1-D only unless stated -- 'normal_reference'
    (statsmodels), 'isj' (KDEpy's Improved Sheather--Jones) and 'cv_ml'
    (statsmodels' likelihood cross-validated bandwidths, any d, unweighted).

    Attributes as SciPy: ``dataset``, ``d``, ``n``, ``weights``, ``neff``,
    ``factor``, ``covariance`` (kernel covariance), ``inv_cov``; methods
    ``evaluate`` / ``__call__`` / ``pdf``, ``logpdf``, ``set_bandwidth``.
    Beyond SciPy: ``loo_density()`` (leave-one-out densities at the data).

    Differences: densities are exact sums (pairs below 1e-20 of a sum are
    skipped), agreeing with SciPy to ~1e-12 relative; the data are centred
    first, so large offsets keep full precision; a non-finite coordinate in
    the data or the points raises ``ValueError``.
    """

    def __init__(self, dataset, bw_method=None, weights=None):
        self.dataset = np.atleast_2d(np.asarray(dataset, dtype=np.float64))
        if self.dataset.ndim != 2:
            raise ValueError("`dataset` must be 1-D or 2-D (d, n)")
        self.d, self.n = self.dataset.shape
        self._raw_weights = None if weights is None else vector(weights, "weights")
        self.set_bandwidth(bw_method)

    def _fit(self, kind: str, value: float) -> None:
        # (d, n) -> (n, d) view: rows are points, no copy at the boundary.
        self._kde = _ext.Kde(self.dataset.T, kind, float(value), self._raw_weights)
        self.covariance = self._kde.covariance
        self.factor = self._kde.factor
        self.neff = self._kde.neff
        self.weights = self._kde.weights

    def set_bandwidth(self, bw_method: Union[None, str, float, Callable] = None) -> None:
        """Re-fits with another bandwidth (SciPy's ``set_bandwidth``)."""
        if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
            self._fit("scott", 0.0)
        elif isinstance(bw_method, str):
            if bw_method not in _RULES:
                raise ValueError(
                    "`bw_method` should be 'scott', 'silverman', 'normal_reference', 'isj', "
                    "'cv_ml', a scalar or a callable."
                )
            self._fit(bw_method, 0.0)
        elif np.isscalar(bw_method):
            self._fit("factor", float(bw_method))
        elif callable(bw_method):
            self._fit("scott", 0.0)  # neff, weights for the callable
            self._fit("factor", float(bw_method(self)))
        else:
            raise ValueError("`bw_method` should be 'scott', 'silverman', a scalar or a callable.")

    @property
    def inv_cov(self) -> np.ndarray:
        """Inverse of the kernel covariance."""
        return np.linalg.inv(self.covariance)

    def scotts_factor(self) -> float:
        """SciPy's ``scotts_factor``: ``neff**(-1/(d+4))``."""
        return float(self.neff ** (-1.0 / (self.d + 4)))

    def silverman_factor(self) -> float:
        """SciPy's ``silverman_factor``: ``(neff*(d+2)/4)**(-1/(d+4))``."""
        return float((self.neff * (self.d + 2) / 4.0) ** (-1.0 / (self.d + 4)))

    covariance_factor = scotts_factor

    def _points(self, points) -> np.ndarray:
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        d, m = points.shape
        if d != self.d:
            if d == 1 and m == self.d:
                points = np.reshape(points, (self.d, 1))
            else:
                raise ValueError(f"points have dimension {d}, dataset has dimension {self.d}")
        return points.T

    def evaluate(self, points) -> np.ndarray:
        """Densities at ``points`` ((d, m) or, for d = 1, 1-D)."""
        return self._kde.evaluate(self._points(points))

    __call__ = evaluate
    pdf = evaluate

    def logpdf(self, x) -> np.ndarray:
        """Log-densities at ``x`` (log-sum-exp: no underflow far from the data)."""
        return self._kde.logpdf(self._points(x))

    def loo_density(self) -> np.ndarray:
        """Leave-one-out densities at the data points (bandwidth of the full fit)."""
        return self._kde.loo_density()

    def __repr__(self) -> str:
        return f"<threatstat.stats.gaussian_kde d={self.d} n={self.n} factor={self.factor:.6g}>"


