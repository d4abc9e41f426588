from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

def acf(x: npt.ArrayLike, adjusted: bool = ..., nlags: Optional[int] = ..., qstat: bool = ...,
        fft: bool = ..., alpha: None = ..., bartlett_confint: bool = ...,
        missing: str = ...) -> Any: ...
def q_stat(x: npt.ArrayLike, nobs: int) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def pacf(x: npt.ArrayLike, nlags: Optional[int] = ..., method: str = ...,
         alpha: None = ...) -> npt.NDArray[np.float64]: ...
def acorr_ljungbox(x: npt.ArrayLike, lags: Union[None, int, Sequence[int]] = ...,
                   boxpierce: bool = ..., model_df: int = ..., period: Optional[int] = ...,
                   return_df: bool = ..., auto_lag: bool = ...) -> pd.DataFrame: ...
