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


def grouped_tuples(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """`frame.groupby(keys)[column].agg(tuple)` without a Series per group: each group's values
    in the frame's order, as a tuple, indexed by the sorted group keys (rows with a missing key
    dropped, as groupby drops them). One stable sort and one split, whatever the group count."""
    grouper = frame.groupby(keys, sort=True)
    codes = grouper.ngroup().to_numpy()
    kept = np.flatnonzero(codes >= 0)
    order = kept[np.argsort(codes[kept], kind="stable")]
    values = frame[column].to_numpy()[order]
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    parts = np.split(values, bounds) if len(values) else []
    index = grouper.size().index
    return pd.Series(
        [tuple(part.tolist()) for part in parts], index=index, name=column, dtype=object
    )
