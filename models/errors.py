"""The one exception tree for problems a user can fix.

    PlannerError          anything the user can fix; the CLI prints "Error: <message>", exit 1
    ├── InputError        a bad input file: missing, unreadable, malformed or contradictory
    │   ├── InventoryError    the workloads or pods table (--inventory) or the services table
    │   └── TrafficError      the traffic table (--traffic)
    ├── ProfileError      a malformed mesh profile, or a version it has no figures for
    └── OutputError       an output that exists already (without --force) or cannot be written

Every message says what is wrong, where (file, row, column, workload or flag) and what to do.
Bugs are not PlannerErrors: they keep their traceback.
"""

from __future__ import annotations


class PlannerError(Exception):
    """A problem the user can fix; its message is shown as is."""


class InputError(PlannerError):
    """A bad input file."""


class InventoryError(InputError):
    """A bad workloads, pods or services table."""


class TrafficError(InputError):
    """A bad traffic table."""


class ProfileError(PlannerError):
    """A malformed mesh profile, or a mesh version it has no figures for."""


class OutputError(PlannerError):
    """An output that exists already or cannot be written."""
