"""The one exception tree for problems a user can fix.

    PlannerError          anything the user can fix; the CLI prints "Error: <message>", exit 1
    ├── InputError        a bad input file: missing, unreadable, malformed or contradictory
    │   ├── InventoryError    the workloads or pods table (--inventory) or the services table
    │   └── TrafficError      the traffic table (--traffic)
    ├── ProfileError      a malformed mesh profile, or a version it has no figures for
    └── OutputError       an output that exists already (without --force) or cannot be written

Every message says what is wrong, where (file, row, column, workload or flag) and what to do,
and is one line: input it quotes goes through `quoted` (escaped, cut at 80 characters). Bugs are
not PlannerErrors: they keep their traceback.
"""

from __future__ import annotations

import re


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


# Characters that must never reach a terminal raw: C0 and C1 controls and DEL (escape sequences,
# bells, line breaks), the Unicode line and paragraph separators, the bidirectional overrides and
# isolates (text that reads differently from what it is), and lone surrogates (not text at all).
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
QUOTE_LIMIT = 80
"""Characters of an input value a message quotes; the rest is cut, and its length given."""


def printable(text: str) -> str:
    """`text` with every character that could act on a terminal written as an escape (`\\n`,
    `\\x1b`, `\\u202e`), so that a message stays one line and shows what the input holds."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def quoted(value: object) -> str:
    """An input value for a message: in double quotes, escaped, and cut after QUOTE_LIMIT
    characters with the full length given (`"aaaa..." (40,000 characters)`)."""
    text = str(value)
    if len(text) <= QUOTE_LIMIT:
        return f'"{printable(text)}"'
    return f'"{printable(text[:QUOTE_LIMIT])}..." ({len(text):,} characters)'
