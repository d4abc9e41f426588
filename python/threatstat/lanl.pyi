import os
from typing import Any, Dict, NamedTuple, Optional, Union

import pandas as pd

_Path = Union[str, os.PathLike]

class UploadsResult(NamedTuple):
    summary: Dict[str, Any]
    users: pd.DataFrame

def uploads(auth: _Path, flows: _Path, redteam: _Path, out: Optional[_Path] = ...,
            interval_s: int = ..., level: float = ..., contamination: float = ...,
            skip_bad_rows: bool = ..., figures: Optional[bool] = ...) -> UploadsResult: ...
