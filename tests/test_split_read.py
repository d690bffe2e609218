"""A large CSV table is parsed in two halves side by side (planner.inputs.tables): the rows,
their numbers, categories and fingerprint are those of one read, and an error is the error one
read gives. The tables here are small; the size past which a table is cut is lowered to 0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models.errors import InputError
from planner.inputs import tables
from planner.inputs.tables import RawTable, read_table_file
from planner.inputs.traffic_table import NAME_COLUMNS, TRAFFIC_TABLE, TrafficTable, parse_traffic

HEADER = "source_namespace,source_workload,destination_namespace,destination_service,rps\n"


def read(path: Path, monkeypatch: pytest.MonkeyPatch, *, split: bool) -> RawTable:
    """The table read in two halves (`split`) or in one piece."""
    monkeypatch.setattr(tables, "SPLIT_BYTES", 0 if split else 2**62)
    monkeypatch.setattr(tables, "can_fork", lambda: True)  # halves even on one core
    return read_table_file(path, (TRAFFIC_TABLE,), categorical=NAME_COLUMNS)[0]


def assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    one = read(path, monkeypatch, split=False)
    two = read(path, monkeypatch, split=True)
    assert two.rows.equals(one.rows)
    assert two.rows.dtypes.to_dict() == one.rows.dtypes.to_dict()
    for column in NAME_COLUMNS:
        if column in one.rows:
            assert two.rows[column].cat.categories.equals(one.rows[column].cat.categories)
    assert (two.fingerprint, two.ignored_columns) == (one.fingerprint, one.ignored_columns)
    return two.rows


def write(tmp_path: Path, text: str, name: str = "traffic.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_halves_read_as_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a byte-order mark, CRLF endings, blank rows in both halves, padded cells, short rows,
    # names only one half holds, an ignored column, a last line without a line break
    body = [f"shop , web-{i % 7} ,shop,svc-{i % 5},{i}.5,x\r\n" for i in range(40)]
    body[3] = ",,,,,\r\n"
    body[31] = "\r\n"
    body[33] = "café,münchen,shop,svc-x,1\r\n"  # short: padded as one read pads it
    text = "\ufeff" + HEADER.replace("\n", ",extra\r\n") + "".join(body) + "lab,z,lab,svc-z,2,y"
    rows = assert_same(write(tmp_path, text), monkeypatch)
    assert len(rows) == 39  # 41 rows less the two blank ones
    assert rows[tables.ROW].tolist()[-3:] == [40, 41, 42]
    assert rows.loc[rows["source_workload"] == "münchen", tables.ROW].tolist() == [35]
    assert rows["source_workload"].cat.categories[0] == ""


def test_the_first_half_blank_the_second_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + ",,,,\n" * 30 + "shop,web,shop,svc,1\n" * 2
    rows = assert_same(write(tmp_path, text), monkeypatch)
    assert rows[tables.ROW].tolist() == [32, 33]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "shop,web,shop,svc,1\n" * 20 + "shop,web,shop,svc,1,2,3\n",
            "traffic.csv row 22: the row has 7 cells where the header has 5",
        ),
        (",,,,\n" * 20, "traffic.csv: the table has a header but no rows"),
        ("shop,web,shop,svc,lots\n" * 20, "row 2 column rps"),
    ],
    ids=["long-row-in-the-second-half", "every-row-blank", "bad-number"],
)
def test_an_error_is_one_reads_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    from planner.inputs.tables import parse_numbers

    path = write(tmp_path, HEADER + body)

    def numbers(split: bool) -> None:
        raw = read(path, monkeypatch, split=split)
        parse_numbers(raw.rows, "rps", path.name, unit="rps", maximum=1e9)

    errors = []
    for split in (False, True):
        with pytest.raises(InputError) as raised:
            numbers(split)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    assert message in errors[0]


def test_an_unnamed_column_with_values_in_the_second_half(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, HEADER.replace("\n", ",\n") + "a,b,c,d,1,\n" * 10 + "a,b,c,d,1,x\n")
    for split in (False, True):
        with pytest.raises(InputError, match="a column has values but no name"):
            read(path, monkeypatch, split=split)


@pytest.mark.parametrize(
    "text",
    [
        HEADER + 'shop,"web",shop,svc,1\n' * 10,  # a quote: a cell may hold a line break
        HEADER + "shop,web,shop,svc,1",  # one row: nowhere to cut
        HEADER + "\ufeffa,b,c,d,1\n" * 8,  # a BOM where the second half would begin
    ],
    ids=["quotes", "one-row", "bom-at-the-cut"],
)
def test_where_no_cut_is_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    assert tables._cut(text.encode()) is None
    assert_same(write(tmp_path, text), monkeypatch)


def test_a_large_table_is_cut_once_past_the_middle() -> None:
    data = (HEADER + "shop,web,shop,svc,1\n" * 100).encode()
    cut = tables._cut(data)
    assert cut is not None
    assert data[cut - 1 : cut] == b"\n"
    assert len(data) // 2 <= cut < len(data) // 2 + len("shop,web,shop,svc,1\n") + 1


FULL_HEADER = (
    "source_namespace,source_workload,destination_namespace,destination_service,"
    "destination_workload,reporter,rps\n"
)


def parsed(path: Path, monkeypatch: pytest.MonkeyPatch, *, split: bool) -> TrafficTable:
    """The traffic table parsed (each half finished where it is read, when `split`)."""
    monkeypatch.setattr(tables, "SPLIT_BYTES", 0 if split else 2**62)
    monkeypatch.setattr(tables, "can_fork", lambda: True)
    return parse_traffic(path)


def test_finished_halves_give_one_reads_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FQDNs only in the first half, a destination workload and a reporter only in the second
    # (the halves fill different columns: the fingerprint hashes both by the columns either
    # fills), "unknown" callers, a blank row
    first = [f"shop,web-{i % 3},,svc-{i % 4}.shop.svc.cluster.local,,,{i}.25\n" for i in range(20)]
    second = [f"unknown,unknown,lab,svc-{i % 2},api-{i % 2},Destination,{i}\n" for i in range(20)]
    second[5] = ",,,,,,\n"
    path = write(tmp_path, FULL_HEADER + "".join(first + second))
    one = parsed(path, monkeypatch, split=False)
    two = parsed(path, monkeypatch, split=True)
    assert two.edges.equals(one.edges)
    assert two.edges.dtypes.to_dict() == one.edges.dtypes.to_dict()
    for column in one.edges.columns:
        if isinstance(one.edges[column].dtype, pd.CategoricalDtype):
            assert two.edges[column].cat.categories.equals(one.edges[column].cat.categories)
    assert (two.fingerprint, two.rows) == (one.fingerprint, one.rows)
    assert one.edges["destination_service"].iloc[0] == "svc-0"
    assert one.edges["destination_namespace"].iloc[0] == "shop"
    assert one.edges["reporter"].iloc[-1] == "destination"
    assert one.edges[tables.ROW].tolist()[-2:] == [40, 41]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("shop,web,shop,svc,,,lots\n", 'row 32 column rps: "lots" is not a number'),
        ("shop,web,shop,svc,,sideways,1\n", 'row 32 column reporter: "sideways" is not one of'),
        (
            "shop,web,lab,svc.shop.svc.cluster.local,,,1\n",
            'row 32 column destination_namespace: "lab" disagrees with the namespace in',
        ),
    ],
    ids=["rps", "reporter", "fqdn-namespace"],
)
def test_an_error_in_the_second_halfs_finish_is_one_reads_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, message: str
) -> None:
    body = ["shop,web,shop,svc,,,1\n"] * 40
    body[30] = row
    path = write(tmp_path, FULL_HEADER + "".join(body))
    errors = []
    for split in (False, True):
        with pytest.raises(InputError) as raised:
            parsed(path, monkeypatch, split=split)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    assert f"{path} {message}" in errors[0]
