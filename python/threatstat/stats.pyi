from typing import Any, Callable, Iterator, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

class MannwhitneyuResult:
    statistic: float
    pvalue: float
    ln_pvalue: float
    zstatistic: float
    method: str
    alternative: str
    rank_biserial: float
    cles: float
    hodges_lehmann: float
    ci_low: float
    ci_high: float
    ci_level: float
    n_x: int
    n_y: int
    nan_dropped_x: int
    nan_dropped_y: int
    ties: bool
    permutations: Optional[int]
    @property
    def confidence_interval(self) -> Tuple[float, float]: ...
    def __iter__(self) -> Iterator[float]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> float: ...

def mannwhitneyu(x: npt.ArrayLike, y: npt.ArrayLike, use_continuity: bool = ...,
                 alternative: str = ..., axis: Optional[int] = ..., method: Any = ..., *, nan_policy: str = ...,
                 confidence_level: float = ..., hodges_lehmann: bool = ...,
                 n_resamples: int = ..., seed: int = ...) -> MannwhitneyuResult: ...

class gaussian_kde:
    dataset: npt.NDArray[np.float64]
    d: int
    n: int
    factor: float
    neff: float
    covariance: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]
    def __init__(self, dataset: npt.ArrayLike,
                 bw_method: Union[None, str, float, Callable[["gaussian_kde"], float]] = ...,
                 weights: Optional[npt.ArrayLike] = ...) -> None: ...
    def set_bandwidth(self, bw_method: Union[None, str, float,
                                             Callable[["gaussian_kde"], float]] = ...) -> None: ...
    @property
    def inv_cov(self) -> npt.NDArray[np.float64]: ...
    def scotts_factor(self) -> float: ...
    def silverman_factor(self) -> float: ...
    def covariance_factor(self) -> float: ...
    def evaluate(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def __call__(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def pdf(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def logpdf(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def loo_density(self) -> npt.NDArray[np.float64]: ...
