"""Writes crates/threatstat-table/tests/fixtures/: the files pandas writes by
default (Parquet: Snappy; Feather: LZ4) and a zstd Parquet file, for the
reader's tests. Run with pandas 3.1.1 and pyarrow 26.0.1 (python/ci.sh)."""

from pathlib import Path

import numpy as np
import pandas as pd

out = Path(__file__).resolve().parents[2] / "crates/threatstat-table/tests/fixtures"
out.mkdir(parents=True, exist_ok=True)
df = pd.DataFrame({
    "day": pd.date_range("2020-01-01", periods=40, freq="D"),
    "count": np.arange(40) % 7,
    "name": ["a"] * 40,
    "x": np.linspace(0, 1, 40),
})
df.to_parquet(out / "pandas.parquet")
df.to_feather(out / "pandas_lz4.feather")
df.to_parquet(out / "pandas_zstd.parquet", compression="zstd")
