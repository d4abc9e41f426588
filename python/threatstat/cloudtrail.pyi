from typing import Optional

import pandas as pd

def pair_counts(events: pd.DataFrame, principal_col: str = ..., api_col: str = ...,
                time_col: str = ..., freq: str = ...) -> pd.DataFrame: ...
def automation(events: pd.DataFrame, principal_col: str = ..., api_col: str = ...,
               time_col: str = ..., freq: str = ..., rule: str = ..., lags: int = ...,
               fdr: float = ..., threshold: float = ..., p_values: str = ...,
               seed: Optional[int] = ...) -> pd.DataFrame: ...
