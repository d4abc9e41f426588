"""Array conversion at the boundary: float64, C-contiguous, copied only when
the input is not already so (a float64 NumPy array passes as a view)."""

from __future__ import annotations

import numpy as np


def vector(x, name: str) -> np.ndarray:
    """A 1-D float64 C-contiguous array (no copy when ``x`` already is one)."""
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {a.shape}")
    return a
