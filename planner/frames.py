"""Column contracts of the frame-in, frame-out stages."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd


def require(frame: pd.DataFrame, columns: Iterable[str], stage: str) -> None:
    """Fail loudly (a bug, not a user error) when a stage is handed a frame without its columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{stage} needs columns {missing}; it was given {list(frame.columns)}")


def keys(frame: pd.DataFrame, namespace: str, name: str) -> pd.Series:
    """`namespace/name` strings, the key that joins workloads, services and edges in messages.

    Each distinct pair's string is built once and shared by its rows (a few thousand strings
    for hundreds of thousands of rows, and later hashing reuses each one's cached hash)."""
    codes, distinct = pair_keys(frame, namespace, name)
    return pd.Series(distinct.to_numpy()[codes], index=frame.index, dtype=str)


def pair_keys(
    frame: pd.DataFrame, namespace: str, name: str
) -> tuple[npt.NDArray[np.intp], pd.Series]:
    """`keys` as codes into the distinct keys: what is decided per key (is it known?) is then
    decided once per distinct pair, not once per row."""
    if frame.empty:
        return np.zeros(0, dtype=np.intp), pd.Series([], dtype=str)
    left, left_values = _value_codes(frame[namespace])
    right, right_values = _value_codes(frame[name])
    width = max(len(right_values), 1)
    pairs, distinct = pd.factorize(left.astype(np.int64) * width + right)
    text = (
        pd.Series(pd.Index(left_values).astype(str).take(distinct // width))
        + "/"
        + pd.Series(pd.Index(right_values).astype(str).take(distinct % width))
    )
    return pairs, text.astype(str)


def _value_codes(values: pd.Series) -> tuple[npt.NDArray[np.intp], pd.Index]:
    """Each value's code into the distinct values (a missing value one of them): a Categorical
    without missing values by its own codes into its categories (no hashing of its rows),
    anything else as `pd.factorize` numbers it."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if not len(codes) or int(codes.min()) >= 0:
            return codes.astype(np.intp), pd.Index(values.cat.categories)
    found, uniques = pd.factorize(values, use_na_sentinel=False)
    return found.astype(np.intp), pd.Index(uniques)


def category_of(
    codes: npt.NDArray[np.intp], values: npt.NDArray[np.object_], index: pd.Index
) -> pd.Series:
    """`values[codes]` as a Categorical whose categories are sorted (so sorting and grouping by
    codes orders rows as the text would) and hold "" too (so a cell can be emptied); `values`
    may repeat: each distinct text is one category."""
    every, inverse = _unique_text(np.concatenate([values, np.array([""], dtype=object)]))
    return pd.Series(
        pd.Categorical.from_codes(
            inverse[: len(values)][codes], categories=pd.Index(every, dtype=str)
        ),
        index=index,
    )


_WIDEST_SORTED_AS_ARRAY = 256
"""Texts up to this many characters are sorted as a fixed-width numpy array: compared in C
rather than by Python's `<`, 200,000 names sort in 40 % less time (wider ones would make the array
too large to be worth it)."""


def _unique_text(
    values: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """`np.unique(values, return_inverse=True)` for an array of text. A fixed-width array
    orders texts as Python does (by code point), but drops trailing NUL characters, so text
    holding one (or anything but text) is sorted as objects."""
    try:
        joined = "".join(values)
    except TypeError:  # not all text
        joined = "\x00"
    widest = max(map(len, values), default=0) if "\x00" not in joined else 0
    if widest == 0 or widest > _WIDEST_SORTED_AS_ARRAY:
        every, inverse = np.unique(values, return_inverse=True)
        return every, inverse
    every, inverse = np.unique(values.astype(f"U{widest}"), return_inverse=True)
    return every.astype(object), inverse


def shared_categories(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`frame` with the categorical `columns` recoded to one set of categories (their union,
    sorted), so values can move between them. Sorted categories (as `category_of` and
    `recoded` make them) are merged (`_sorted_union`): sorting 40,000 names again took 33 ms."""
    every = [frame[c].cat.categories.to_numpy(dtype=object) for c in columns]
    dtype = pd.CategoricalDtype(pd.Index(_sorted_union(every, empty=False), dtype=str))
    return frame.assign(**{c: frame[c].cat.set_categories(dtype.categories) for c in columns})


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
    values = frame[column].to_numpy()[order].tolist()
    # each group's run of values sliced from one list (numpy's split makes an array per group)
    cuts = [0, *(np.flatnonzero(np.diff(codes[order])) + 1).tolist(), len(values)]
    parts = [tuple(values[start:end]) for start, end in pairwise(cuts)] if values else []
    index = grouper.size().index
    return pd.Series(parts, index=index, name=column, dtype=object)


def grouped_dict(
    frame: pd.DataFrame, keys: Sequence[str], column: str
) -> dict[Hashable, tuple[Any, ...]]:
    """`grouped_tuples(frame, keys, column).to_dict()` as a lookup: each group's values in the
    frame's order, as a tuple, by its key (a tuple of the keys' values, or the value of a single
    key), rows with a missing key left out; the groups in the order they first appear. One pass
    over whole columns' values: for 20,000 rows a fifth of the time of a groupby and its
    MultiIndex turned into a dict."""
    names = list(keys)
    missing = np.zeros(len(frame), dtype=bool)
    for name in names:
        missing |= frame[name].isna().to_numpy()
    if missing.any():
        frame = frame.loc[~missing]
    labels = [frame[name].tolist() for name in names]
    found = zip(*labels, strict=True) if len(names) > 1 else iter(labels[0])
    grouped: dict[Hashable, list[Any]] = {}
    for key, value in zip(found, frame[column].tolist(), strict=True):
        grouped.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in grouped.items()}


def positions(
    frame: pd.DataFrame,
    columns: Sequence[str],
    table: pd.DataFrame,
    table_columns: Sequence[str] | None = None,
) -> npt.NDArray[np.intp]:
    """For each row of `frame`, the position in `table` of the row whose `table_columns` (default
    `columns`) equal its `columns`, or -1: what a left merge on those keys finds, where `table`'s
    keys are unique (a missing value matches a missing value, as in a merge).

    The names are hashed once per distinct value (a Categorical column's categories), and rows
    are matched on integer codes: millions of calls looked up among thousands of workloads
    without hashing a string per call, and the frame's Categoricals stay as they are.
    """
    on = list(table_columns or columns)
    size = len(frame)
    combined = np.zeros(size + len(table), dtype=np.int64)
    absent = np.zeros(len(table), dtype=bool)  # a table row with a name the frame never holds
    bound = 1  # the keys so far are below it: mixed radix, as in _row_codes
    for column, key in zip(columns, on, strict=True):
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy().astype(np.int64)
            distinct = pd.Index(values.cat.categories)
        else:
            found, distinct = pd.factorize(values)
            codes = found.astype(np.int64)
        missing = len(distinct)
        wanted = table[key]
        table_codes = distinct.get_indexer(wanted).astype(np.int64)
        empty = wanted.isna().to_numpy()
        absent |= (table_codes < 0) & ~empty
        table_codes[empty] = missing
        table_codes[absent] = missing + 1
        codes[codes < 0] = missing
        if bound * (missing + 2) >= 1 << 62:  # renumber before the keys would overflow
            renumbered, kept = pd.factorize(combined)
            combined, bound = renumbered.astype(np.int64), len(kept)
        combined = combined * (missing + 2) + np.concatenate([codes, table_codes])
        bound *= missing + 2
    rows = np.flatnonzero(~absent)
    if not len(rows):
        return np.full(size, -1, dtype=np.intp)
    keys = pd.Index(combined[size:][rows])
    if not keys.is_unique:
        raise ValueError(f"positions: the keys {on} of the table are not unique")
    at = keys.get_indexer(pd.Index(combined[:size]))
    return np.where(at >= 0, rows[np.maximum(at, 0)], -1).astype(np.intp)


def matched(
    frame: pd.DataFrame,
    columns: Sequence[str],
    table: pd.DataFrame,
    table_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """`frame.merge(table[columns], on=columns)` where `table`'s keys are unique: the rows of
    `frame` whose `columns` `table` holds (in its `table_columns`), in the frame's order, the
    index reset. Matched on codes (`positions`), without a merge hashing every row's text."""
    found = positions(frame, columns, table, table_columns) >= 0
    return frame.loc[found].reset_index(drop=True)


def taken(values: pd.Series, at: npt.NDArray[np.intp], missing: object) -> npt.NDArray[Any]:
    """`values` at the positions `at` (from `positions`), `missing` where `at` is -1."""
    found = at >= 0
    if not found.any():
        return np.full(len(at), missing, dtype=object)
    picked = values.to_numpy()[np.where(found, at, 0)]
    if found.all():
        return picked
    picked = picked.astype(object)
    picked[~found] = missing
    return picked


def _row_codes(frame: pd.DataFrame, columns: Sequence[str]) -> npt.NDArray[np.int64]:
    """Per row, one integer key for its `columns` (equal rows share it) that orders the rows as
    `sort_values(columns)` does: text by its characters, a Categorical by its categories (its
    own codes, not hashed again), missing last.

    The keys are the columns' codes in mixed radix, renumbered (order kept) only when the next
    column would overflow 62 bits: by their ranks among the sorted distinct keys (`np.unique`),
    which sorts, where a hash table of millions of distinct keys (`pd.factorize`) misses the
    caches at every row (1.0 against 1.4-1.7 s for five million traffic rows, BENCHMARKS.md)."""
    each, sizes = [], []
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy().astype(np.int64)
            size = len(values.cat.categories)
        else:
            found, uniques = pd.factorize(values, sort=True)
            codes, size = found.astype(np.int64), len(uniques)
        codes[codes < 0] = size
        each.append(codes)
        sizes.append(size + 1)
    combined = np.zeros(len(frame), dtype=np.int64)
    bound = 1
    for codes, size in zip(each, sizes, strict=True):
        if bound * size >= 1 << 62:
            kept, renumbered = np.unique(combined, return_inverse=True)
            combined, bound = renumbered.astype(np.int64, copy=False), len(kept)
        combined *= size
        combined += codes
        bound *= size
    return combined


def sort_keys(frame: pd.DataFrame, columns: Sequence[str]) -> npt.NDArray[np.int64]:
    """One integer per row for its `columns`: equal rows share it, and it orders the rows as
    `sort_values(columns)` does (`_row_codes`). Grouping by it groups the rows by `columns`, the
    groups in sorted order."""
    return _row_codes(frame, columns)


def stable_order(keys: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """`np.argsort(keys, kind="stable")`, for non-negative integer keys by stable sorts of their
    16-bit digits, lowest first: numpy sorts 16-bit integers by radix, so each pass is a few
    milliseconds for 500,000 keys, where its merge sort of 64-bit keys takes 40 ms (lexsort of
    two columns the same). Negative keys are left to numpy."""
    if not len(keys) or int(keys.min()) < 0:
        return np.argsort(keys, kind="stable")
    top = int(keys.max())
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while top >> shift:
        digits = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digits, kind="stable")]
        shift += 16
    return order


def sorted_unique(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """`np.unique(keys)` by a sort: numpy 2's hashing `unique` takes four times as long on
    500,000 integer keys."""
    ordered = np.sort(keys)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _first_rows(combined: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """The position of each key's first row, in the order the keys first appear."""
    return np.flatnonzero(~pd.Index(combined).duplicated(keep="first"))


def row_codes(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Per row, a code for its distinct `columns` (every column by default), numbered as they
    first appear, and each code's first row. Categorical columns are compared by their codes,
    without hashing their text."""
    combined = _row_codes(frame, list(frame.columns if columns is None else columns))
    codes = pd.factorize(combined)[0].astype(np.intp)
    # numbered as they first appear, so a row is its code's first exactly where the code is
    # higher than every code before it (no second hashing of the keys)
    highest = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.r_[True, highest[1:] > highest[:-1]]) if len(codes) else codes
    return codes, first


def distinct(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """`frame.drop_duplicates(columns)`: the first row of each distinct `columns` (every column
    by default), in the frame's order, with its index."""
    combined = _row_codes(frame, list(frame.columns if columns is None else columns))
    return frame.take(_first_rows(combined))


def recoded(parts: Sequence[pd.DataFrame], columns: Sequence[str]) -> list[pd.DataFrame]:
    """`parts` with each of `columns` turned into one Categorical dtype shared by every part (its
    categories: every value the parts hold, and "", sorted), so `pd.concat` keeps the codes
    instead of falling back to text. A part's text column is hashed once; a Categorical one is
    only recoded."""
    dtypes = {}
    for column in columns:
        values: list[npt.NDArray[np.object_]] = [
            part[column].cat.categories.to_numpy(dtype=object)
            if isinstance(part[column].dtype, pd.CategoricalDtype)
            else np.asarray(pd.unique(part[column].dropna()), dtype=object)
            for part in parts
        ]
        every: pd.Index = pd.Index(_sorted_union(values), dtype=str)
        dtypes[column] = pd.CategoricalDtype(every)
    return [
        part.assign(
            **{
                column: part[column].cat.set_categories(dtypes[column].categories)
                if isinstance(part[column].dtype, pd.CategoricalDtype)
                else part[column].astype(dtypes[column])
                for column in columns
            }
        )
        for part in parts
    ]


def _sorted_union(
    values: Sequence[npt.NDArray[np.object_]], empty: bool = True
) -> npt.NDArray[np.object_]:
    """Every distinct value of `values`, and "" unless `empty` is False, sorted. Categoricals'
    categories come sorted already: those are merged in one pass each (pandas' join of sorted
    indexes), seven times faster than sorting them again; other parts are sorted as
    `category_of` sorts text."""
    extra: list[npt.NDArray[np.object_]] = [np.array([""], dtype=object)] if empty else []
    parts = [*extra, *values]
    indexes = [pd.Index(v, dtype=object) for v in parts]
    if not all(i.is_monotonic_increasing and i.is_unique for i in indexes):
        return _unique_text(np.concatenate(parts))[0]
    every: pd.Index = indexes[0]
    for index in indexes[1:]:
        every = every.union(index)
    return every.to_numpy(dtype=object)


def grouped_integers(
    frame: pd.DataFrame, keys: Sequence[str], column: str | Sequence[str], how: str
) -> pd.DataFrame:
    """`frame.groupby(keys, sort=True, as_index=False, observed=True)[columns].agg(how)` for
    integer columns (`column`: one name or several) and `how` "sum" or "max": the keys of each
    group's first row, in sorted order, and the group's exact integer sum or maximum.

    One key per row (`_row_codes`) and one stable sort of the keys, where pandas' groupby hashes
    the combined keys again to number the groups. Rows with a missing key, which groupby drops,
    are left to pandas.
    """
    columns = [column] if isinstance(column, str) else list(column)
    if frame.empty or any(frame[key].isna().any() for key in keys):
        grouped = frame.groupby(list(keys), sort=True, as_index=False, observed=True)
        return grouped[columns].agg(how)
    combined = _row_codes(frame, keys)
    order = stable_order(combined)
    ranked = combined[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    reduce = {"sum": np.add, "max": np.maximum}[how]
    out = frame[list(keys)].take(order[starts]).reset_index(drop=True)
    for name in columns:
        out[name] = reduce.reduceat(frame[name].to_numpy()[order], starts)
    return out


def grouped_by_keys(
    frame: pd.DataFrame, keys: Sequence[str], **aggregations: tuple[str, str]
) -> pd.DataFrame:
    """`frame.groupby(keys, as_index=False, sort=True).agg(**aggregations)`, grouped by one
    integer per row (`_row_codes`) where pandas would combine the key columns again: the same
    frame, each group's rows taken in the frame's order (so a float sum is the same to the bit).
    Rows with a missing key, which groupby drops, are left to pandas."""
    if frame.empty or any(frame[key].isna().any() for key in keys):
        return frame.groupby(list(keys), as_index=False, sort=True).agg(**aggregations)
    combined = _row_codes(frame, keys)
    first = np.unique(combined, return_index=True)[1]  # each key's first row, keys sorted
    out = frame[list(keys)].take(first).reset_index(drop=True)
    grouped = frame.groupby(combined, sort=True)
    for name, (column, how) in aggregations.items():
        out[name] = grouped[column].agg(how).to_numpy()
    return out


def sorted_distinct(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`frame.drop_duplicates(columns).sort_values(columns, ignore_index=True)`: the first row of
    each distinct `columns`, sorted by them: one key per row (`_row_codes`) and one sort, where
    pandas' drop_duplicates and sort_values each factorize every column."""
    combined = _row_codes(frame, columns)
    order = stable_order(combined)
    ranked = combined[order]
    first = order[np.r_[True, ranked[1:] != ranked[:-1]]] if len(order) else order
    return frame.take(first).reset_index(drop=True)  # each key's first row, keys sorted


def components(
    count: int, a: npt.NDArray[np.integer[Any]], b: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.intp]:
    """The connected component of each of `count` nodes joined by the undirected edges (a, b),
    numbered by each component's lowest node (the numbering scipy's `connected_components`
    gives: a test holds the two equal).

    Each node's label starts as itself; every round hooks the larger label of each edge's ends
    onto the smaller and then follows labels to their roots (pointer jumping), until every edge's
    ends agree. A component's label is then its lowest node, which never takes another. Numpy
    only: importing scipy's graph routines costs a fifth of a second of start-up.
    """
    label = np.arange(count, dtype=np.intp)
    a = np.asarray(a, dtype=np.intp)
    b = np.asarray(b, dtype=np.intp)
    while True:
        la, lb = label[a], label[b]
        split = la != lb
        if not split.any():
            break
        la, lb = la[split], lb[split]
        np.minimum.at(label, np.maximum(la, lb), np.minimum(la, lb))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    return np.unique(label, return_inverse=True)[1].astype(np.intp, copy=False)


def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """`frame.to_dict("records")`, the same values of the same types, built from whole columns
    (`tolist`) instead of cell by cell: 20,000 rows of 26 columns in 0.05 s instead of 0.28 s.

    Nullable integer or boolean columns (pandas' masked arrays) give `pd.NA` from `tolist` where
    `to_dict` gives None, so a frame holding one goes to `to_dict`.
    """
    plain = all(
        isinstance(dtype, (np.dtype, pd.CategoricalDtype, pd.StringDtype)) for dtype in frame.dtypes
    )
    if not plain or frame.columns.empty:
        return frame.to_dict("records")
    names = list(frame.columns)
    columns = [frame.iloc[:, i].tolist() for i in range(len(names))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
