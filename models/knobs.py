"""The knobs of a sizing run and the closed sets of choices they take."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class MeshKind(StrEnum):
    """Mesh flavours mesh-planner can size; each has an entry in `planner.meshes.MESHES`."""

    ISTIO_SIDECAR = "istio-sidecar"


class OutputFormat(StrEnum):
    """Output formats; each has an entry in `reports.RENDERERS`."""

    JSON = "json"


class Knobs(BaseModel):
    """Everything a user can turn for one sizing run, with its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mesh: MeshKind = MeshKind.ISTIO_SIDECAR
    mesh_version: str | None = Field(
        default=None,
        pattern=r"^\d+\.\d+(\.\d+)?$",
        description="Mesh version whose published figures apply; None takes the profile default.",
    )
    headroom_ratio: float = Field(
        default=0.25,
        ge=0.0,
        le=5.0,
        description="Added on top of the expected usage (model or observed) to give the request.",
    )
    min_control_plane_replicas: int = Field(default=2, ge=1, le=100)
    min_gateway_replicas: int | None = Field(
        default=None, ge=1, le=1000, description="None takes the profile's gateway minimum."
    )
