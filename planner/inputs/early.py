"""The traffic table of `planner size` or `planner compare`, read from the moment the command
starts: once pandas and the table reader are imported (planner.inputs.traffic_table, a third of
a second), before the rest of the library, in a forked child on the core the start-up leaves
idle. Imported before the fork, pandas is imported once for both processes: a child that
imported it itself spent as long again on the same work (BENCHMARKS.md).

The command line is looked at once, before its parser runs (`start`): a `size` or `compare`
command naming one `--traffic FILE` of AHEAD_BYTES or more starts reading FILE. Nothing else
changes: the command parses its options as ever, and `traffic_ahead` (planner.inputs.traffic)
takes the reading started for the path it was given, or starts one. A reading nobody took (the
options named another file, or the command failed first) is stopped when the command ends
(`stop`); its errors are never seen, as the file was never asked for.

This module imports nothing heavy: it runs before anything else does, and imports pandas only
when it starts a reading.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from planner.workers import Ahead, can_fork

AHEAD_BYTES = 2**20
"""From this size on, a traffic table is read in a forked child; a smaller one is read faster in
one process than a fork pays for (the bundled sample: 1.05 s in one process, 1.17 s forked)."""

COMMANDS = ("size", "compare")
"""The commands whose traffic table is started before their options are parsed."""

_FLAG = "--traffic"
_HELP = ("--help", "-h")

_started: dict[Path, Ahead[object]] = {}


def traffic_path(argv: Sequence[str]) -> Path | None:
    """The file `--traffic` names in `argv` (the arguments after the program's name) when it is
    a `size` or `compare` command that names one, once, and asks for no help; else None.

    A guess, not a parse: the command's own parser decides, and a wrong guess only costs the
    reading of a file nobody asked for."""
    if not argv or argv[0] not in COMMANDS or "--" in argv or any(a in _HELP for a in argv):
        return None
    found = []
    for position, argument in enumerate(argv):
        if argument == _FLAG:
            found.append(argv[position + 1] if position + 1 < len(argv) else "")
        elif argument.startswith(_FLAG + "="):
            found.append(argument.partition("=")[2])
    if len(found) != 1 or not found[0] or found[0].startswith("-"):
        return None
    return Path(found[0])


def start(argv: Sequence[str]) -> None:
    """Start reading the traffic table `argv` names (`traffic_path`) in a forked child, when it
    is large enough and a fork is possible."""
    path = traffic_path(argv)
    if path is None or not can_fork():
        return
    try:
        if os.stat(path).st_size < AHEAD_BYTES:
            return
    except OSError:  # the command says what is wrong with it
        return
    # the reader's imports, here once for both processes
    import planner.inputs.traffic_table  # noqa: F401

    _started[path] = Ahead(partial(_parsed, path))


def take(path: Path) -> Ahead[object] | None:
    """The reading started for `path`, handed over once (its owner then stops it), or None."""
    return _started.pop(path, None)


def stop() -> None:
    """Stop every reading nobody took."""
    while _started:
        _started.popitem()[1].cancel()


def _parsed(path: Path) -> object:
    """`parse_traffic(path)` (its module imported before the fork, by `start`)."""
    from planner.inputs.traffic_table import parse_traffic

    return parse_traffic(path)
