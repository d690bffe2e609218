"""What a mesh is to the rest of mesh-planner: the contract between the pipeline and each mesh.

A mesh entry (one per `MeshKind`, in planner.meshes.registry) owns everything that differs
from mesh to mesh: its profile, how manifests show it, how it sizes its proxies, gateways and
control-plane components, its scoping (or why it has none), and which output formats it has.
The pipeline (planner.pipeline) does the rest the same way for every mesh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from models.knobs import Knobs, MeshKind, OutputFormat
from models.plan import (
    Assumption,
    ControlPlanePlan,
    Finding,
    Formula,
    ProxyModel,
    ScopingPlan,
    WorkloadScoping,
)
from models.profile import ProfileBase
from planner.inputs.inventory import Inventory
from planner.inputs.manifests import MeshManifests
from planner.inputs.nodes import Nodes
from planner.inputs.traffic import Traffic
from planner.model.records import CurrentDefaults
from planner.model.sizing import ProxyPolicy
from planner.workers import Once


@dataclass(frozen=True)
class HeadStart:
    """What a mesh's sizing works out from the inventory (and the knobs) alone, worked out
    before the sizing starts (MeshEntry.head_start): while the traffic table is still being
    read, in the planner's otherwise idle wait for it (planner.cli). A mesh subclasses it with
    its own fields; `inventory` is the one it was worked out from, so that a sizing of another
    inventory works its own out."""

    inventory: Inventory


_H = TypeVar("_H", bound=HeadStart)


@dataclass(frozen=True)
class SizingInput:
    """What the pipeline hands a mesh entry: the inventory, the workloads with their rates, the
    traffic (or None), the profile, the knobs, and a scope to size for instead of the mesh's own
    recommendation (the accuracy cases rebuild published tests with it; a mesh without scoping
    ignores it), and the cluster's nodes when known (a mesh with per-node agents needs them).

    The rates are worked out when `workloads` is first read, so that a mesh can work them out
    beside its own steps that do not need them (Istio's scoping), and `rated.give` them back."""

    inventory: Inventory
    rated: Once[pd.DataFrame]
    traffic: Traffic | None
    profile: ProfileBase
    knobs: Knobs
    scope: object | None = None
    nodes: Nodes | None = None
    resources: bool = True
    """False: the scoping's resources (Sidecars, exports, intentions, upstream lists), the
    risks of applying them and the per-workload scoping records are not written, only what
    prices them (planner compare reads the totals, the findings and the mechanism alone:
    planner.compare.compared)."""
    head_start: HeadStart | None = None
    """The mesh's head start on this inventory (MeshEntry.head_start), when worked out
    already; the mesh works out what it needs of it itself otherwise (`ahead`)."""
    scoped: Callable[[ScopingPlan], object] | None = None
    """Called by a mesh with the scoping its MeshSizing will hold (the same object) as soon as
    it is built, before the rest of the sizing: the CLI writes it out meanwhile. The pipeline
    calls it when the sizing ends if the mesh did not."""

    def announced(self, scoping: ScopingPlan | None) -> ScopingPlan | None:
        """`scoping`, handed to `scoped` first when both are there: a mesh calls it where its
        scoping is built, so that the CLI writes it out while the rest is sized."""
        if scoping is not None and self.scoped is not None:
            self.scoped(scoping)
        return scoping

    @property
    def workloads(self) -> pd.DataFrame:
        """The inventory's workloads with their request rates (planner.model.rates)."""
        return self.rated()

    def ahead(self, kind: type[_H]) -> _H | None:
        """The head start handed over for this inventory when it is a `kind`, else None (the
        mesh then works out what it needs of it itself)."""
        given = self.head_start
        return given if isinstance(given, kind) and given.inventory is self.inventory else None


@dataclass(frozen=True)
class MeshSizing:
    """A mesh entry's answer.

    `sidecars`: one row per sized proxy of a workload, with the columns planner.model.records
    reads. `gateways`: one row per gateway the mesh sizes apart (empty for a mesh that sizes its
    gateways as workloads: `gateways_sized_apart` False). `figures` names the published figures
    used; `current` is what the chart gives a proxy without settings, `applies_today` says so in
    words; `gateway_model`, when gateways are priced apart from sidecars (Istio ambient's
    waypoint figures). The rest goes into the plan as it is.
    """

    knobs: Knobs
    figures: str
    sidecars: pd.DataFrame
    gateways: pd.DataFrame
    gateways_sized_apart: bool
    control_plane: ControlPlanePlan
    scoping: ScopingPlan | None
    scoping_note: str
    workload_scopings: Mapping[tuple[str, str], WorkloadScoping]
    findings: tuple[Finding, ...]
    formulas: tuple[Formula, ...]
    assumptions: tuple[Assumption, ...]
    proxy_model: ProxyModel
    proxy_policy: ProxyPolicy
    current: CurrentDefaults
    applies_today: str
    gateway_model: ProxyModel | None = None
    idle: str = "their sidecars are sized for idle traffic"
    """What a workload without any request rate means for its proxies, for the findings."""


@dataclass(frozen=True)
class MeshEntry:
    """One mesh flavour: its names, profile, supported outputs, manifest rules and sizing.

    `check_version(profile, version)` raises ProfileError for a version the profile has no
    figures for, before any input is read. `adoption`: what moving workloads onto this mesh
    leaves to do by hand (a migration's target steps); `departure(inventory)`: what moving off
    it leaves to do, from what the inventory holds (None: a migration cannot start from it).
    """

    kind: MeshKind
    title: str
    package: str
    builtin_profile: str
    version_flag: str
    profile_model: type[ProfileBase]
    formats: tuple[OutputFormat, ...]
    min_control_plane_replicas: int
    manifests: MeshManifests
    check_version: Callable[[ProfileBase, str], None]
    size: Callable[[SizingInput], MeshSizing]
    adoption: tuple[str, ...] = ()
    departure: Callable[[Inventory], tuple[str, ...]] | None = None
    head_start: Callable[[Inventory, Knobs], HeadStart] | None = None
    """What `size` can work out from the inventory and the knobs before the traffic is read
    (HeadStart), handed back to it as SizingInput.head_start; None: nothing worth doing ahead.
    It must give what `size` would work out itself, and raise what `size` would raise."""
