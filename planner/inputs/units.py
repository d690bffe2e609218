"""Durations as users write them (`7d`, `12h`, `90m`, `3600s`, `3600`) and back."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as `7d`, `36h`, `90m`, `45s` or `3600` (seconds).

    Raises ValueError with a message fit for the user.
    """
    match = _DURATION.match(text.lower())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration such as 7d, 24h, 90m or 3600s")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def duration_text(seconds: float) -> str:
    """`7d`, `12h`, `90m` or `45s`: the largest unit that divides the duration."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
