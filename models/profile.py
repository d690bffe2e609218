"""What every mesh profile is made of: coefficients with their unit, source and validity, the
rounding of requests, and the fields every profile has. Each mesh adds its own models in its
package (planner.meshes.<mesh>.profile)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.knobs import MeshKind


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def positive(model: BaseModel, names: tuple[str, ...]) -> None:
    """Coefficients the model divides by, or counts replicas with, must be above zero."""
    for name in names:
        value = getattr(model, name)
        if isinstance(value, Coefficient) and value.value <= 0:
            raise ValueError(f"{name} must be greater than 0")


class Coefficient(_Frozen):
    """One number of the model, with where it comes from.

    `tag` follows published-figures.md: pub (stated by the source), derived (arithmetic on
    published figures, shown in `derivation`), anecdote, vendor, chart (a chart default), policy
    (a choice of mesh-planner, argued in `derivation`) or fitted (fitted by planner calibrate to a
    cluster's observed proxy usage; `source` names the data and the date).
    """

    value: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    unit: str
    source: str = Field(min_length=1)
    holds_for: str = Field(min_length=1)
    tag: str = Field(pattern=r"^(pub|derived|anecdote|vendor|chart|policy|heuristic|fitted)$")
    figure_ids: tuple[str, ...] = ()
    derivation: str | None = None


class Rounding(_Frozen):
    """Steps that requests and limits are rounded up to."""

    cpu_step_millicores: int = Field(ge=1, le=1_000_000_000)
    memory_step_mib: int = Field(ge=1, le=1_000_000_000)


_MINOR = r"^\d+\.\d+$"


class KnownReleases(_Frozen):
    """The mesh's releases that exist as far as the profile knows: every `major.minor` up to
    `latest`, a major series that ended stopping at its entry in `ended` (Consul's 1.x at 1.22,
    before 2.0). `source` says where that was read, `as_of` when. A version beyond them is
    refused: it does not exist, or it came out after `as_of` (a profile of your own that names
    it in `latest` sizes it)."""

    latest: str = Field(pattern=_MINOR)
    ended: tuple[Annotated[str, Field(pattern=_MINOR)], ...] = ()
    source: str = Field(min_length=1)
    as_of: date

    @model_validator(mode="after")
    def _ended_before_latest(self) -> KnownReleases:
        majors = [version_key(v)[0] for v in self.ended]
        if majors != sorted(set(majors)) or any(m >= version_key(self.latest)[0] for m in majors):
            raise ValueError(
                "ended lists the last release of each earlier major series, oldest first, "
                "one per major, all before latest"
            )
        return self

    def knows(self, version: str) -> bool:
        """Whether `version` (`major.minor[.patch]`) is a release the profile knows."""
        key = version_key(version)
        if key > version_key(self.latest):
            return False
        return all(
            key <= version_key(last) for last in self.ended if version_key(last)[0] == key[0]
        )

    def spans(self, first: str, last: str | None) -> list[str]:
        """The known releases from `first` to `last` (None: the latest) as `1.14-1.22` and `2.0`
        spans, a series that ended closing its span."""
        low, high = version_key(first), version_key(last or self.latest)
        high = min(high, version_key(self.latest))
        shown = []
        for end in [*self.ended, self.latest]:
            top = min(version_key(end), high)
            if low <= top:
                shown.append(_span(low, top))
            low = max(low, (version_key(end)[0] + 1, 0))
        return shown


def _span(low: tuple[int, int], high: tuple[int, int]) -> str:
    first, last = f"{low[0]}.{low[1]}", f"{high[0]}.{high[1]}"
    return first if low == high else f"{first}-{last}"


class ProfileBase(_Frozen):
    """What every mesh's profile holds besides its own models (planner.meshes.<mesh>.profile).

    `releases`: the mesh's releases the profile knows (every built-in profile names them); None,
    in a profile of your own, takes any version its figures' ranges hold."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    mesh: MeshKind
    profile_version: str
    default_mesh_version: str
    description: str
    rounding: Rounding
    releases: KnownReleases | None = None


class VersionRange(_Frozen):
    """Figures that hold for mesh versions `first` to `last` (None: and every later one)."""

    first: str = Field(pattern=r"^\d+\.\d+$")
    last: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    label: str
    note: str | None = None
    note_for: str | None = Field(default=None, pattern=r"^\d+\.\d+(-\d+\.\d+)?$")
    """The versions `note` is about (`1.17-1.18`, or `1.17`); None: every version of the range."""

    def note_applies(self, version: str) -> bool:
        """Whether `note` is about `version` (False without a note)."""
        if self.note is None:
            return False
        if self.note_for is None:
            return True
        first, _, last = self.note_for.partition("-")
        return version_key(first) <= version_key(version) <= version_key(last or first)


def ordered_ranges(field: str, ranges: tuple[VersionRange, ...]) -> None:
    """Version ranges are listed oldest first, each starting once."""
    firsts = [version_key(v.first) for v in ranges]
    if firsts != sorted(firsts) or len(set(firsts)) != len(firsts):
        raise ValueError(f"{field} must be listed oldest first, each range starting once")


def version_key(version: str) -> tuple[int, int]:
    """(major, minor) of a version such as 1.22 or 1.22.3."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)
