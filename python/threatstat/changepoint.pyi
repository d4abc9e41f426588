from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt
import pandas as pd

class SwitchpointFit:
    method: str
    alpha: float
    tau_posterior: npt.NDArray[np.float64]
    map_tau: int
    map_probability: float
    lambda_1_mean: float
    lambda_2_mean: float
    lambda_1_interval: Tuple[float, float]
    lambda_2_interval: Tuple[float, float]
    expected_rate: npt.NDArray[np.float64]
    log_bayes_factor: float
    posterior: Dict[str, npt.NDArray[np.float64]]
    acceptance: List[Tuple[float, float, float]]
    warnings: List[str]
    mcmc_map_tau: int
    def summary(self) -> pd.DataFrame: ...
    def draws(self) -> pd.DataFrame: ...
    def to_arviz(self) -> Any: ...

def fit(counts: npt.ArrayLike, method: str = ..., alpha: Optional[float] = ...,
        direction: str = ..., chains: int = ..., draws: int = ..., tune: int = ...,
        seed: int = ..., prob: float = ...) -> SwitchpointFit: ...
def daily_counts(logons: pd.DataFrame, user_col: str = ..., time_col: str = ...) -> pd.DataFrame: ...
def rank_users(logons: pd.DataFrame, user_col: str = ..., time_col: str = ...,
               method: str = ..., alpha: Optional[float] = ..., chains: int = ...,
               draws: int = ..., tune: int = ..., seed: int = ...) -> pd.DataFrame: ...
