"""Column contracts of the frame-in, frame-out stages."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require(frame: pd.DataFrame, columns: Iterable[str], stage: str) -> None:
    """Fail loudly (a bug, not a user error) when a stage is handed a frame without its columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{stage} needs columns {missing}; it was given {list(frame.columns)}")


def keys(frame: pd.DataFrame, namespace: str, name: str) -> pd.Series:
    """`namespace/name` strings, the key that joins workloads, services and edges in messages."""
    return frame[namespace].astype(str) + "/" + frame[name].astype(str)
