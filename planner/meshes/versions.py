"""Picking the figures a profile publishes for a mesh version: mesh-neutral."""

from __future__ import annotations

from typing import TypeVar

from models.errors import ProfileError
from models.profile import KnownReleases, VersionRange, version_key

_Range = TypeVar("_Range", bound=VersionRange)


def in_range(
    profile: str,
    ranges: tuple[_Range, ...],
    version: str,
    what: str,
    flag: str,
    releases: KnownReleases | None = None,
) -> _Range:
    """The range of `ranges` (oldest first) that holds `version` (`major.minor[.patch]`).

    Raises ProfileError, naming the version flag and the ranges there are, for a version outside
    every range, or one `releases` does not know (a release that does not exist, or came out
    after the profile was written): the ranges then end at the releases known.
    """
    listed = ", ".join(
        span
        for f in ranges
        for span in (
            releases.spans(f.first, f.last)
            if releases is not None
            else [f"{f.first}-{f.last}" if f.last else f"{f.first} and later"]
        )
    )
    if releases is not None and not releases.knows(version):
        ended = "".join(f"{version_key(last)[0]}.x ended with {last}; " for last in releases.ended)
        raise ProfileError(
            f"{flag} {version}: not a release profile {profile} knows of ({ended}the latest it "
            f"knows is {releases.latest}, as of {releases.as_of.isoformat()}); it has {what} for "
            f"{listed}; "
            f"pass {flag} with a version in those ranges (a release since then needs a --profile "
            "whose releases.latest names it)"
        )
    key = version_key(version)
    for figures in reversed(ranges):
        if version_key(figures.first) <= key:
            if figures.last is not None and key > version_key(figures.last):
                break
            return figures
    raise ProfileError(
        f"{flag} {version}: profile {profile} has {what} for {listed}; "
        f"pass {flag} with a version in those ranges"
    )
