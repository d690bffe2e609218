"""What `planner review` writes (review.json): how the mesh's requests changed between two plans
of the same mesh, and why, attributed to drivers that add up to the change."""

from __future__ import annotations

from typing import Literal

from models.cost import CostComparison
from models.plan import Scenarios, Totals, _Frozen

REVIEW_SCHEMA = "1"


DriverCode = Literal[
    "workloads-added",
    "workloads-removed",
    "pods",
    "traffic",
    "services",
    "scoping",
    "observed-usage",
    "model",
    "headroom",
    "not-attributed",
]


class Change(_Frozen):
    """A quantity before and after, and the difference (after - before)."""

    before: float
    after: float
    delta: float


class PlanRef(_Frozen):
    """Which plan: its file, mesh, version, profile, inputs' date and what it was sized for."""

    file: str
    schema_version: str
    mesh: str
    mesh_version: str
    profile_version: str
    inputs_date: str | None
    headroom_ratio: float
    workloads: int
    services: int


class PartChange(_Frozen):
    """One part of the mesh (sidecars, node agents, gateways, control plane, the whole mesh)."""

    part: str
    pods: Change
    cpu_request_cores: Change
    memory_request_gib: Change


class DriverShare(_Frozen):
    """What one driver changed in the sidecars' requests. `code` names the driver:
    workloads-added, workloads-removed (their whole requests), pods (replicas at the baseline's
    per-pod request), traffic (requests per second per pod), services (the Services and
    endpoints of the mesh: each proxy's counts grown as what it would hold unscoped grew),
    scoping (what scoping then lets each proxy hold), observed-usage, model (the profile's
    coefficients: another mesh version or profile), headroom (the knob), not-attributed (what
    the recomputation from the plans cannot place: it is zero when both plans recompute to
    their own figures)."""

    code: DriverCode
    label: str
    cpu_request_cores: float
    memory_request_gib: float


class WorkloadChange(_Frozen):
    """One workload that appeared, disappeared, or whose sidecar requests changed."""

    namespace: str
    workload: str
    status: Literal["added", "removed", "changed"]
    replicas: Change
    rps_per_pod: Change
    visible_services: Change
    cpu_request_cores: Change
    memory_request_gib: Change
    drivers: tuple[DriverShare, ...]


class NamespaceChange(_Frozen):
    """The sidecars of one namespace: pods and requests, and the workloads added and removed."""

    namespace: str
    pods: Change
    cpu_request_cores: Change
    memory_request_gib: Change
    workloads_added: int
    workloads_removed: int


class DriverValue(_Frozen):
    """A control-plane component's driver before and after."""

    name: str
    label: str
    before: float
    after: float


class ComponentChange(_Frozen):
    """A control-plane component (istiod, ztunnel...) or a gateway: replicas and requests, and
    what it is sized from."""

    component: str
    title: str
    replicas: Change
    cpu_request_cores: Change
    memory_request_gib: Change
    drivers: tuple[DriverValue, ...]


class DriverForecast(_Frozen):
    """A driver over the history, the law fitted to it and its value at the horizon with the
    95 % prediction interval (None from two snapshots: a line through two points).
    `intercept` and `slope`: the fitted line in t, the days since the first date (linear:
    value = intercept + slope t; exponential: value = exp(intercept + slope t))."""

    name: str
    label: str
    dates: tuple[str, ...]
    values: tuple[float, ...]
    law: Literal["linear", "exponential"]
    rss: dict[str, float]
    intercept: float
    slope: float
    growth_per_quarter: float
    at_horizon: float
    low: float | None
    high: float | None


class Projection(_Frozen):
    """The sidecars sized for the projected mesh: expected, and at the interval's bounds."""

    case: Literal["expected", "low", "high"]
    pods: int
    cpu_request_cores: float
    memory_request_gib: float


class Threshold(_Frozen):
    """A control-plane component or a gateway whose projected load passes what it runs with
    today: `what` says which figure (replicas, or a per-node agent's request), `today` and
    `then` its values, `by` the first week it happens."""

    part: Literal["control plane", "node agent", "gateway"]
    subject: str
    what: str
    unit: str
    today: float
    then: float
    by: str
    message: str


class Forecast(_Frozen):
    """What the history says of the next review. `thresholds`: the control plane's and the
    gateways' crossings (the proxies' are in `crossings`)."""

    horizon_days: int
    horizon: str
    snapshots: int
    drivers: tuple[DriverForecast, ...]
    namespaces: tuple[DriverForecast, ...]
    sidecars: tuple[Projection, ...]
    crossings: tuple[str, ...]
    warnings: tuple[str, ...]
    thresholds: tuple[Threshold, ...] = ()


class ReviewScenarios(_Frozen):
    """The what-if scenarios this quarter's plan was sized with (`planner size --scenario`),
    beside that plan's own totals (today's row)."""

    totals: Totals
    scenarios: Scenarios


class Review(_Frozen):
    """The whole review of `current` against `baseline`."""

    schema_version: Literal["1"]
    baseline: PlanRef
    current: PlanRef
    parts: tuple[PartChange, ...]
    sidecar_drivers: tuple[DriverShare, ...]
    namespaces: tuple[NamespaceChange, ...]
    workloads: tuple[WorkloadChange, ...]
    control_plane: tuple[ComponentChange, ...]
    gateways: tuple[ComponentChange, ...]
    notes: tuple[str, ...]
    forecast: Forecast | None = None
    cost: CostComparison | None = None
    """With --prices: the baseline's cost, the current plan's and the growth (planner.cost)."""
    scenarios: ReviewScenarios | None = None
    """The current plan's what-if scenarios, when it was sized with --scenario."""
