"""Bandwidth rules and the binned (FFT) kernel density estimate.

* :func:`select_bandwidth`, :func:`bw_scott`, :func:`bw_silverman`,
  :func:`bw_normal_reference` mirror ``statsmodels.nonparametric.bandwidths``
  (Gaussian kernel);
* :func:`improved_sheather_jones` mirrors KDEpy's
  ``KDEpy.bw_selection.improved_sheather_jones`` (optionally weighted);
* :func:`fft_kde` mirrors KDEpy's ``FFTKDE(bw=bw).fit(data, weights)
  .evaluate(grid_points)`` in 1-D and 2-D;
* :func:`fft_kde_grid` evaluates the binned estimate on a grid you give,
  refining it internally from the bandwidth (relative error bound reported).
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from . import _threatstat as _ext
from ._arrays import vector

__all__ = [
    "select_bandwidth", "bw_scott", "bw_silverman", "bw_normal_reference",
    "improved_sheather_jones", "fft_kde", "fft_kde_grid",
]


def select_bandwidth(x, bw: str, kernel=None) -> float:
    """statsmodels' ``select_bandwidth(x, bw, kernel)`` with the Gaussian kernel:
    ``bw`` in 'scott', 'silverman', 'normal_reference'. A zero bandwidth raises
    ``ValueError`` (statsmodels: ``RuntimeError``)."""
    if kernel is not None:
        raise ValueError("only the Gaussian kernel is supported (kernel=None)")
    return _ext.select_bandwidth_rule(vector(x, "x"), bw)


def bw_scott(x, kernel=None) -> float:
    """statsmodels' ``bw_scott``: ``1.059 * min(std, IQR/1.349) * n**(-1/5)``."""
    return select_bandwidth(x, "scott", kernel)


def bw_silverman(x, kernel=None) -> float:
    """statsmodels' ``bw_silverman``: ``0.9 * min(std, IQR/1.349) * n**(-1/5)``."""
    return select_bandwidth(x, "silverman", kernel)


def bw_normal_reference(x, kernel=None) -> float:
    """statsmodels' ``bw_normal_reference`` for the Gaussian kernel."""
    return select_bandwidth(x, "normal_reference", kernel)


def improved_sheather_jones(data, weights=None) -> float:
    """KDEpy's ``improved_sheather_jones(data, weights)`` (1-D)."""
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2 and data.shape[1] == 1:
        data = data[:, 0]
    w = None if weights is None else vector(weights, "weights")
    return _ext.isj_bandwidth(vector(data, "data"), w)


def fft_kde(data, bw, grid_points=1024, weights=None) -> Tuple[np.ndarray, np.ndarray]:
    """KDEpy's ``FFTKDE(kernel='gaussian', bw=bw).fit(data, weights).evaluate(grid_points)``.

    ``data`` 1-D (n,) or (n, 1): returns ``(x, y)``, the grid and the
    density. ``data`` (n, 2): ``grid_points`` an int or a pair; returns the
    (m, 2) grid (first coordinate varying slowest, as KDEpy) and the density.
    ``bw`` a kernel standard deviation, or 'scott', 'silverman',
    'normal_reference' (statsmodels' rules) or 'ISJ' (KDEpy's), 1-D only.
    """
    data = np.asarray(data, dtype=np.float64)
    w = None if weights is None else vector(weights, "weights")
    one_d = data.ndim == 1 or (data.ndim == 2 and data.shape[1] == 1)
    if isinstance(bw, str):
        if not one_d:
            raise ValueError("a named bandwidth rule needs 1-D data; give bw as a number")
        flat = data.reshape(-1)
        rule = bw.lower()
        if rule == "isj":
            bw = improved_sheather_jones(flat, w)
        else:
            bw = select_bandwidth(flat, rule)
    if one_d:
        return _ext.fft_kde_1d_py(vector(data.reshape(-1), "data"), float(bw), int(grid_points), w)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"data must be (n,), (n, 1) or (n, 2), got {data.shape}")
    if np.isscalar(grid_points):
        gp = (int(grid_points), int(grid_points))
    else:
        gp = tuple(int(g) for g in grid_points)
    return _ext.fft_kde_2d_py(np.ascontiguousarray(data), float(bw), list(gp), w)


def fft_kde_grid(data, bw: float, grid, weights=None, refine: bool = True) -> dict:
    """The binned Gaussian KDE (kernel standard deviation ``bw``) at the
    equidistant, increasing nodes ``grid`` (which must contain the data).

    ``refine=True`` bins on an internal grid fine enough for the bandwidth
    (relative error below ``relative_error_bound`` wherever the density is at
    least 1e-3 of a kernel's peak); ``refine=False`` bins on ``grid`` itself,
    as KDEpy's ``FFTKDE(bw).fit(data).evaluate(grid)``. Returns a dict:
    ``density`` (array), ``refinement``, ``spacing_bw``,
    ``internal_spacing_bw``, ``relative_error_bound``, ``mass_on_grid``.
    """
    g = vector(grid, "grid")
    if g.size < 2:
        raise ValueError("grid must have at least 2 nodes")
    w = None if weights is None else vector(weights, "weights")
    step = (g[-1] - g[0]) / (g.size - 1)
    if not np.allclose(np.diff(g), step, rtol=1e-6, atol=0.0):
        raise ValueError("grid must be equidistant and increasing")
    return _ext.fft_kde_grid(
        vector(data, "data"), float(bw), float(g[0]), float(g[-1]), int(g.size), bool(refine), w
    )


