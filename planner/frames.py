"""Column contracts of the frame-in, frame-out stages."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd


def require(frame: pd.DataFrame, columns: Iterable[str], stage: str) -> None:
    """Fail loudly (a bug, not a user error) when a stage is handed a frame without its columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{stage} needs columns {missing}; it was given {list(frame.columns)}")


def keys(frame: pd.DataFrame, namespace: str, name: str) -> pd.Series:
    """`namespace/name` strings, the key that joins workloads, services and edges in messages."""
    return frame[namespace].astype(str) + "/" + frame[name].astype(str)


def first_unknown(
    names: pd.Series, known: pd.Index, skip: npt.NDArray[np.bool_] | None = None
) -> tuple[int, str] | None:
    """Position and value of the first of `names` not in `known` (ignoring `skip`), or None."""
    bad = ~names.isin(known).to_numpy()
    if skip is not None:
        bad &= ~skip
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad)[0])
    return index, str(names.to_numpy()[index])
