"""A folder of tables as `planner collect` writes it: `workloads.csv`, with `services.csv`,
`traffic.csv`, `nodes.csv` and `collect.json` when present, read as `--inventory`,
`--services`, `--traffic`, `--nodes` and the window and date they were collected over."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from models.errors import InventoryError, quoted
from models.plan import Finding
from planner.inputs.tables import read_file_bytes
from planner.inputs.units import duration_text

WORKLOADS_FILE = "workloads.csv"
"""The file that makes a folder a folder of tables (any other folder is read as manifests)."""
SERVICES_FILE = "services.csv"
TRAFFIC_FILE = "traffic.csv"
NODES_FILE = "nodes.csv"
COLLECT_FILE = "collect.json"
"""What `planner collect` records of a collection; only `window_seconds` and `end` are read."""
_MAX_COLLECT_MIB = 64


@dataclass(frozen=True)
class TableFolder:
    """The tables of a folder and what its collect.json says (None where it is absent).

    `window_seconds`: how long the traffic was observed; `end_date`: the date part of the end of
    the collection (as collect.json writes it), the date the inputs were taken."""

    folder: Path
    workloads: Path
    services: Path | None
    traffic: Path | None
    nodes: Path | None
    window_seconds: int | None
    end_date: date | None


def table_folder(path: Path) -> TableFolder | None:
    """The tables of `path` when it is a folder holding workloads.csv, else None.

    Raises InventoryError naming collect.json when it is there but malformed.
    """
    if not path.is_dir() or not (path / WORKLOADS_FILE).is_file():
        return None
    window, end = _collect_record(path / COLLECT_FILE)
    return TableFolder(
        folder=path,
        workloads=path / WORKLOADS_FILE,
        services=_present(path / SERVICES_FILE),
        traffic=_present(path / TRAFFIC_FILE),
        nodes=_present(path / NODES_FILE),
        window_seconds=window,
        end_date=end,
    )


@dataclass(frozen=True)
class FolderDefaults:
    """What a folder of tables gives where no flag did, and findings saying so."""

    traffic: Path | None
    traffic_window_seconds: float | None
    inputs_date: date | None
    nodes: str | None
    findings: tuple[Finding, ...]


def folder_defaults(
    tables: TableFolder,
    traffic: Path | None,
    traffic_window_seconds: float | None,
    inputs_date: date | None,
    nodes: str | None = None,
) -> FolderDefaults:
    """The folder's traffic.csv when `traffic` (--traffic) is None, its nodes.csv when `nodes`
    (--nodes) is None, its collect.json's window when `traffic_window_seconds` is None and its
    end date when `inputs_date` is None; each taken from the folder gets a finding, and a flag
    always wins."""
    findings = []
    name = f"{tables.folder.name or tables.folder.resolve().name}/"
    if traffic is None and tables.traffic is not None:
        traffic = tables.traffic
        findings.append(
            Finding(
                code="traffic-from-folder",
                subject=name,
                message=f"{TRAFFIC_FILE} taken from the --inventory folder as the traffic table "
                "(no --traffic given)",
            )
        )
    if nodes is None and tables.nodes is not None:
        nodes = str(tables.nodes)
        findings.append(
            Finding(
                code="nodes-from-folder",
                subject=name,
                message=f"{NODES_FILE} taken from the --inventory folder as the nodes table (no "
                "--nodes given)",
            )
        )
    if traffic_window_seconds is None and tables.window_seconds is not None:
        traffic_window_seconds = tables.window_seconds
        findings.append(
            Finding(
                code="window-from-folder",
                subject=name,
                message=f"traffic window of {duration_text(tables.window_seconds)} taken from "
                f"{COLLECT_FILE} (window_seconds {tables.window_seconds}; no --traffic-window "
                "given)",
            )
        )
    if inputs_date is None and tables.end_date is not None:
        inputs_date = tables.end_date
        findings.append(
            Finding(
                code="inputs-date-from-folder",
                subject=name,
                message=f"inputs date {inputs_date.isoformat()} taken from {COLLECT_FILE} (the "
                "date of end; no --inputs-date given)",
            )
        )
    return FolderDefaults(traffic, traffic_window_seconds, inputs_date, nodes, tuple(findings))


def _present(path: Path) -> Path | None:
    return path if path.is_file() else None


def _collect_record(path: Path) -> tuple[int | None, date | None]:
    """collect.json's `window_seconds` and the date of its `end`, each None when absent (or the
    file is)."""
    if not path.exists():
        return None, None
    label = str(path)
    data = read_file_bytes(path, label, limit_mib=_MAX_COLLECT_MIB, too_large="")
    try:
        record: Any = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InventoryError(
            f"{label}: not UTF-8 text; write it again with planner collect, or remove it"
        ) from None
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"{label} line {exc.lineno}: not valid JSON ({exc.msg}); write it again with planner "
            "collect, or remove it (the tables are read without it)"
        ) from None
    except (ValueError, RecursionError):  # a number too long, nesting too deep
        raise InventoryError(
            f"{label}: a value cannot be read; write it again with planner collect, or remove it"
        ) from None
    if not isinstance(record, dict):
        raise InventoryError(
            f"{label}: not a JSON object as planner collect writes it; write it again with "
            "planner collect, or remove it"
        )
    window = record.get("window_seconds")
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)):
        raise InventoryError(
            f"{label} key window_seconds: {_shown(window)} is not a whole number of seconds; fix "
            "it (a week is 604800) or remove the key"
        )
    if window is not None and window <= 0:
        raise InventoryError(
            f"{label} key window_seconds: {window} is not a positive number of seconds; fix it "
            "(a week is 604800) or remove the key"
        )
    end = record.get("end")
    if end is None:
        return window, None
    moment = _rfc3339(end)
    if moment is None:
        raise InventoryError(
            f"{label} key end: {_shown(end)} is not an RFC 3339 time such as "
            "2026-11-20T00:00:00Z; fix it or remove the key"
        )
    return window, moment.date()


def _rfc3339(value: object) -> datetime | None:
    """An RFC 3339 date and time with its offset (`Z` or `+01:00`), or None."""
    if not isinstance(value, str) or len(value) < 20 or value[10] not in "Tt":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _shown(value: object) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return quoted(value)
    return type(value).__name__ if not isinstance(value, bool) else "true/false"
