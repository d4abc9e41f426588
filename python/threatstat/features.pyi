import os
from typing import Any, Dict, NamedTuple, Optional, Union

import pandas as pd

_Path = Union[str, os.PathLike]

class FeaturesResult(NamedTuple):
    metrics: Dict[str, Any]
    feature_matrix: pd.DataFrame
    cutoffs: pd.DataFrame
    predictions: pd.DataFrame
    test_scores: pd.DataFrame

def run(auth: Union[pd.DataFrame, _Path], out: Optional[_Path] = ..., after_n: int = ...,
        lead: int = ..., label_window: int = ..., depth: int = ..., seed: int = ...,
        trees: int = ..., folds: int = ..., importance_repeats: int = ..., split: str = ...,
        test_fraction: float = ..., threshold: Optional[float] = ..., purge: bool = ...,
        skip_bad_rows: bool = ..., save_model: Optional[_Path] = ...) -> FeaturesResult: ...
