"""What every mesh profile is made of: coefficients with their unit, source and validity, the
rounding of requests, and the fields every profile has. Each mesh adds its own models in its
package (planner.meshes.<mesh>.profile)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
    published figures, shown in `derivation`), anecdote, vendor, chart (a chart default) or policy
    (a choice of mesh-planner, argued in `derivation`).
    """

    value: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    unit: str
    source: str = Field(min_length=1)
    holds_for: str = Field(min_length=1)
    tag: str = Field(pattern=r"^(pub|derived|anecdote|vendor|chart|policy|heuristic)$")
    figure_ids: tuple[str, ...] = ()
    derivation: str | None = None


class Rounding(_Frozen):
    """Steps that requests and limits are rounded up to."""

    cpu_step_millicores: int = Field(ge=1)
    memory_step_mib: int = Field(ge=1)


class ProfileBase(_Frozen):
    """What every mesh's profile holds besides its own models (planner.meshes.<mesh>.profile)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    mesh: MeshKind
    profile_version: str
    default_mesh_version: str
    description: str
    rounding: Rounding


class VersionRange(_Frozen):
    """Figures that hold for mesh versions `first` to `last` (None: and every later one)."""

    first: str = Field(pattern=r"^\d+\.\d+$")
    last: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    label: str
    note: str | None = None


def ordered_ranges(field: str, ranges: tuple[VersionRange, ...]) -> None:
    """Version ranges are listed oldest first, each starting once."""
    firsts = [version_key(v.first) for v in ranges]
    if firsts != sorted(firsts) or len(set(firsts)) != len(firsts):
        raise ValueError(f"{field} must be listed oldest first, each range starting once")


def version_key(version: str) -> tuple[int, int]:
    """(major, minor) of a version such as 1.22 or 1.22.3."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)
