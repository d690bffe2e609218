"""What-if scenarios (`planner size --scenario`): the format of a scenario file, each change a
model of its own (docs/scenarios.md). What a scenario sizes to is the plan's (models.plan
`Scenarios`), which writes the changes back as given."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from models.errors import UNPRINTABLE
from models.knobs import SizeFor

MAX_FACTOR = 1000.0
"""The largest factor a change may multiply traffic or replicas by (a typo guard)."""
MAX_ADDED = 100_000
"""The most Services or pods a change may add at once (a typo guard)."""
NAMESPACE = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
VERSION = r"^(\d+\.\d+(\.\d+)?|edge-\d{2}\.\d{1,2}\.\d{1,3}|stable-\d+\.\d+(\.\d+)?)$"
"""A version as the mesh version flags take it (1.24, 1.24.3, 2.18, edge-25.4.4)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class _Given(_Frozen):
    """A part of a scenario file, written back as given: without the keys left out."""

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        return {key: value for key, value in handler(self).items() if value is not None}


class TrafficChange(_Given):
    """Every request the namespace's proxies handle (in and out; the whole mesh's without a
    namespace) times `factor`."""

    factor: float = Field(ge=0.0, le=MAX_FACTOR)
    namespace: str | None = Field(default=None, pattern=NAMESPACE)


class ServicesChange(_Given):
    """`add` more Services in `namespace`, each like the namespace's median Service."""

    namespace: str = Field(pattern=NAMESPACE)
    add: int = Field(ge=0, le=MAX_ADDED)


class ReplicasChange(_Given):
    """Replicas of one workload (or of every workload of the namespace): `add` more, or times
    `factor` rounded up to whole pods; one of the two."""

    namespace: str = Field(pattern=NAMESPACE)
    workload: str | None = Field(default=None, min_length=1, max_length=253)
    add: int | None = Field(default=None, ge=0, le=MAX_ADDED)
    factor: float | None = Field(default=None, ge=0.0, le=MAX_FACTOR)

    @model_validator(mode="after")
    def _one_of(self) -> ReplicasChange:
        if (self.add is None) == (self.factor is None):
            raise ValueError("give add (more pods) or factor (times the replicas), one of the two")
        return self


class NamespaceChange(_Given):
    """A new namespace `name` like `like`: its workloads, Services and traffic, renamed."""

    like: str = Field(pattern=NAMESPACE)
    name: str = Field(pattern=NAMESPACE)


class Change(_Given):
    """One change of a scenario: exactly one of its keys."""

    traffic: TrafficChange | None = None
    services: ServicesChange | None = None
    replicas: ReplicasChange | None = None
    namespace: NamespaceChange | None = None
    mesh_version: str | None = Field(default=None, pattern=VERSION)
    size_for: SizeFor | None = None
    headroom_ratio: float | None = Field(default=None, ge=0.0, le=5.0)

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: object) -> object:
        if isinstance(data, dict) and len(data) != 1:
            keys = ", ".join(cls.model_fields)
            raise ValueError(f"a change has exactly one of the keys {keys}")
        return data

    @field_validator("mesh_version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        # YAML reads 1.30 as the number 1.3: a version must be quoted to be what was meant
        if isinstance(value, float | int) and not isinstance(value, bool):
            raise ValueError(
                f'write the version in quotes, such as "1.24": YAML reads {value} as a number'
            )
        return value

    @property
    def kind(self) -> str:
        """The key this change is given by."""
        return next(iter(self.model_dump(exclude_none=True)))


class Scenario(_Frozen):
    """A named what-if: its changes, applied in order to today's inputs and knobs."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=1000)
    changes: tuple[Change, ...] = Field(default=(), max_length=1000)

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, value: str) -> str:
        if UNPRINTABLE.search(value):
            raise ValueError("holds a control character; write it on one line, as plain text")
        return value


class ScenarioFile(_Frozen):
    """A `--scenario` file: its scenarios, each named once."""

    scenarios: tuple[Scenario, ...] = Field(min_length=1, max_length=100)
