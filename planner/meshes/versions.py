"""Picking the figures a profile publishes for a mesh version: mesh-neutral."""

from __future__ import annotations

from typing import TypeVar

from models.errors import ProfileError
from models.profile import VersionRange, version_key

_Range = TypeVar("_Range", bound=VersionRange)


def in_range(
    profile: str, ranges: tuple[_Range, ...], version: str, what: str, flag: str
) -> _Range:
    """The range of `ranges` (oldest first) that holds `version` (`major.minor[.patch]`).

    Raises ProfileError, naming the version flag and the ranges there are, for a version outside
    every range.
    """
    key = version_key(version)
    for figures in reversed(ranges):
        if version_key(figures.first) <= key:
            if figures.last is not None and key > version_key(figures.last):
                break
            return figures
    listed = ", ".join(f"{f.first}-{f.last}" if f.last else f"{f.first} and later" for f in ranges)
    raise ProfileError(
        f"{flag} {version}: profile {profile} has {what} for {listed}; "
        f"pass {flag} with a version in those ranges"
    )
