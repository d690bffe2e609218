"""The arithmetic behind every derived coefficient of the built-in Istio profile, runnable.

A `Derivation` names the coefficients it sets, the published figures it is solved from and how.
Running them (`derive`) reproduces the shipped profile from data/published-figures.csv, which a
test checks, so the YAML cannot drift from its own derivation text. Running one without one of
its figures (`leave_one_out`) predicts that figure from coefficients that never saw it: the
accuracy page's leave-one-out column, which shows how the model predicts, not only how it fits.

Coefficients are addressed by path: `control_plane.memory_per_proxy_mib`,
`versions[1.4].base_memory_mib` (the version range starting at 1.4), `objects[1.1].
memory_per_cluster_bytes`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from pydantic import BaseModel
from scipy.optimize import nnls

from models.plan import ComponentPlan, Plan
from models.profile import Coefficient, version_key
from planner.meshes.istio_sidecar.profile import IstioSidecarProfile as MeshProfile
from planner.model.sizing import MIB
from tools.accuracy.cases import (
    ISTIOD_CHURN_CASES,
    ISTIOD_PROXY_CASES,
    PERF_VERSIONS,
    Case,
    Figure,
    Scenario,
    cases,
    run,
    scenarios,
)

Values = dict[str, float]


@dataclass(frozen=True)
class Context:
    """What a derivation reads: the published figures, the accuracy cases, and each case's plan
    under a profile (for the counts a scenario puts into the model)."""

    figures: Mapping[str, Figure]
    profile: MeshProfile

    def case(self, key: str) -> Case:
        return _cases_by_key()[key]

    def published(self, key: str) -> float:
        return self.figures[self.case(key).figure_id].value

    def measured(self, key: str) -> float:
        """The model's figure for a case under this context's profile."""
        case = self.case(key)
        return case.measure(_plan(case.scenario, self.profile))


@dataclass(frozen=True)
class Derivation:
    """Coefficients solved from published figures.

    `cases` are the accuracy cases whose figures it uses (none for figures no scenario
    rebuilds); `solve` gets the cases it may use and returns the coefficient values, or None
    when those cases cannot determine them.
    """

    name: str
    sets: tuple[str, ...]
    cases: tuple[str, ...]
    solve: Callable[[Context, tuple[str, ...]], Values | None]


# ---- the profile by path -------------------------------------------------------------------


def coefficient(profile: MeshProfile, path: str) -> Coefficient:
    """The coefficient at `path`."""
    group, name = _split(path)
    value = getattr(_group(profile, group), name)
    assert isinstance(value, Coefficient), path
    return value


def with_values(profile: MeshProfile, values: Mapping[str, float]) -> MeshProfile:
    """`profile` with the coefficients at the paths in `values` set to those values."""
    updated = profile
    for path, value in values.items():
        group, name = _split(path)
        old = getattr(_group(updated, group), name)
        new_group = _group(updated, group).model_copy(
            update={name: old.model_copy(update={"value": value})}
        )
        updated = _replace_group(updated, group, new_group)
    return updated


def _split(path: str) -> tuple[str, str]:
    group, _, name = path.rpartition(".")
    return group, name


def _group(profile: MeshProfile, group: str) -> BaseModel:
    if "[" in group:
        field, first = group.rstrip("]").split("[")
        found: BaseModel = next(v for v in getattr(profile, field) if v.first == first)
        return found
    value: BaseModel = getattr(profile, group)
    return value


def _replace_group(profile: MeshProfile, group: str, new: BaseModel) -> MeshProfile:
    if "[" in group:
        field, first = group.rstrip("]").split("[")
        ranges = tuple(new if v.first == first else v for v in getattr(profile, field))
        return profile.model_copy(update={field: ranges})
    return profile.model_copy(update={group: new})


# ---- the derivations ----------------------------------------------------------------------


def _range_cases(profile: MeshProfile, first: str, kind: str) -> tuple[str, ...]:
    """The perf-page cases (sidecar-cpu-V or sidecar-memory-V) whose version falls in the
    version range starting at `first`."""
    figures = next(v for v in profile.versions if v.first == first)
    low = version_key(figures.first)
    high = version_key(figures.last) if figures.last else (10**6, 0)
    return tuple(
        f"sidecar-{kind}-{v}" for v, _, _ in PERF_VERSIONS if low <= version_key(v) <= high
    )


def _cpu(first: str) -> Callable[[Context, tuple[str, ...]], Values | None]:
    """CPU per 1000 rps: the published figure, averaged over the range's pages (they agree).
    The pages state it per 1000 rps through the proxy; the model's idle CPU is added beside it."""

    def solve(context: Context, used: tuple[str, ...]) -> Values | None:
        if not used:
            return None
        value = float(np.mean([context.published(k) for k in used]))
        return {f"versions[{first}].cpu_per_1000_rps_millicores": value}

    return solve


def _base(first: str) -> Callable[[Context, tuple[str, ...]], Values | None]:
    """Base memory: the published sidecar memory less the configuration that sidecar holds in
    the load-test mesh (the model's memory less its current base)."""

    def solve(context: Context, used: tuple[str, ...]) -> Values | None:
        if not used:
            return None
        base = next(v for v in context.profile.versions if v.first == first).base_memory_mib
        value = float(
            np.mean([context.published(k) - (context.measured(k) - base.value) for k in used])
        )
        return {f"versions[{first}].base_memory_mib": value}

    return solve


def _istiod(plan: Plan) -> ComponentPlan:
    return plan.control_plane.component("istiod")


def _shared_endpoint(context: Context, used: tuple[str, ...]) -> Values | None:
    """istiod's memory per endpoint it tracks: a heap of endpoints with no proxies connected,
    less the process baseline, over the endpoints."""
    if not used:
        return None
    (key,) = used
    plan = _plan(context.case(key).scenario, context.profile)
    baseline = context.profile.control_plane.baseline_memory_mib.value
    value = (context.published(key) - baseline) * MIB / _istiod(plan).driver("endpoints")
    return {"control_plane.memory_per_endpoint_bytes": value}


def _proxy_terms(context: Context, used: tuple[str, ...]) -> Values | None:
    """istiod per connected proxy: a fixed part, a part per cluster and a part per endpoint in
    that proxy's configuration, fitted together to the at-rest points by non-negative least
    squares on relative error (each point counts the same whatever its size)."""
    if len(used) < 3:
        return None
    rows, targets = [], []
    for key in used:
        plan = _plan(context.case(key).scenario, context.profile)
        cp = _istiod(plan)
        published = context.published(key)
        rows.append(
            np.array(
                [
                    cp.driver("connected_proxies"),
                    cp.driver("proxy_visible_clusters") / MIB,
                    cp.driver("proxy_visible_endpoints") / MIB,
                ]
            )
            / published
        )
        targets.append((published - cp.shared_memory_mib) / published)
    solution, _ = nnls(np.array(rows), np.array(targets))
    per_proxy, per_cluster, per_endpoint = (float(v) for v in solution)
    return {
        "control_plane.memory_per_proxy_mib": per_proxy,
        "control_plane.memory_per_proxy_visible_cluster_bytes": per_cluster,
        "control_plane.memory_per_proxy_visible_endpoint_bytes": per_endpoint,
    }


def _churn(context: Context, used: tuple[str, ...]) -> Values | None:
    """The churn factor k in proxy memory x (1 + k x churn): least squares on relative error
    over the runs with churn, the proxy terms held at their fitted values."""
    if not used:
        return None
    model = context.profile.control_plane
    at_rest = context.profile.model_copy(
        update={
            "control_plane": model.model_copy(
                update={
                    "memory_churn_factor": model.memory_churn_factor.model_copy(
                        update={"value": 0.0}
                    )
                }
            )
        }
    )
    slopes, gaps = [], []
    for key in used:
        case = context.case(key)
        plan = _plan(case.scenario, at_rest)
        cp = _istiod(plan)
        published = context.published(key)
        slopes.append(cp.driver("pod_churn_ratio") * cp.serving_memory_mib / published)
        gaps.append((published - cp.single_replica_estimated_memory_mib) / published)
    a, b = np.array(slopes), np.array(gaps)
    return {"control_plane.memory_churn_factor": max(0.0, float(a @ b / (a @ a)))}


def _cpu_per_proxy(context: Context, used: tuple[str, ...]) -> Values | None:
    if not used:
        return None
    (key,) = used
    plan = _plan(context.case(key).scenario, context.profile)
    value = context.published(key) / _istiod(plan).driver("connected_proxies") * 1000
    return {"control_plane.cpu_per_1000_proxies_millicores": value}


def _from_figures(
    path: str, figure_id: str, less: str | None = None
) -> Callable[[Context, tuple[str, ...]], Values | None]:
    """A published figure as it is, or less another (a golden value less its worker's share)."""

    def solve(context: Context, used: tuple[str, ...]) -> Values | None:
        value = context.figures[figure_id].value
        if less is not None:
            value -= context.figures[less].value
        return {path: value}

    return solve


_OBJECT_FIGURES = {
    # version range -> (per-cluster figure, per-endpoint figure): the Envoy CI golden values of
    # the months each Istio release shipped its Envoy (see the profile's `objects`)
    "1.1": ("mp-envoy-001", "envoy-011"),
    "1.2": ("mp-envoy-002", "envoy-011"),
    "1.3": ("mp-envoy-003", "envoy-011"),
    "1.4": ("mp-envoy-004", "envoy-013"),
    "1.6": ("mp-envoy-004", "envoy-013"),
    "1.7": ("mp-envoy-005", "envoy-013"),
    "1.8": ("envoy-006", "envoy-013"),
}
_WORKER_PER_CLUSTER = "envoy-003"


def derivations(profile: MeshProfile) -> tuple[Derivation, ...]:
    """Every derivation, in the order they must run (later ones read earlier results)."""
    found: list[Derivation] = []
    for first, (cluster_id, endpoint_id) in _OBJECT_FIGURES.items():
        cluster = f"objects[{first}].memory_per_cluster_bytes"
        endpoint = f"objects[{first}].memory_per_endpoint_bytes"
        found += [
            Derivation(
                f"per-cluster memory, Istio {first}",
                (cluster,),
                (),
                _from_figures(cluster, cluster_id, less=_WORKER_PER_CLUSTER),
            ),
            Derivation(
                f"per-endpoint memory, Istio {first}",
                (endpoint,),
                (),
                _from_figures(endpoint, endpoint_id),
            ),
        ]
    for figures in profile.versions:
        first = figures.first
        found.append(
            Derivation(
                f"sidecar CPU per 1000 rps, Istio {first}",
                (f"versions[{first}].cpu_per_1000_rps_millicores",),
                _range_cases(profile, first, "cpu"),
                _cpu(first),
            )
        )
        found.append(
            Derivation(
                f"sidecar base memory, Istio {first}",
                (f"versions[{first}].base_memory_mib",),
                _range_cases(profile, first, "memory"),
                _base(first),
            )
        )
    found += [
        Derivation(
            "istiod memory per endpoint tracked",
            ("control_plane.memory_per_endpoint_bytes",),
            ("istiod-memory-8000-services",),
            _shared_endpoint,
        ),
        Derivation(
            "istiod memory per connected proxy and per object in its configuration",
            (
                "control_plane.memory_per_proxy_mib",
                "control_plane.memory_per_proxy_visible_cluster_bytes",
                "control_plane.memory_per_proxy_visible_endpoint_bytes",
            ),
            ISTIOD_PROXY_CASES,
            _proxy_terms,
        ),
        Derivation(
            "istiod churn factor",
            ("control_plane.memory_churn_factor",),
            ISTIOD_CHURN_CASES,
            _churn,
        ),
        Derivation(
            "istiod CPU per 1000 connected proxies",
            ("control_plane.cpu_per_1000_proxies_millicores",),
            ("istiod-cpu-perf",),
            _cpu_per_proxy,
        ),
    ]
    return tuple(found)


def derive(profile: MeshProfile, figures: Mapping[str, Figure]) -> MeshProfile:
    """The profile with every derived coefficient solved again from the figures."""
    derived = profile
    for derivation in derivations(profile):
        values = derivation.solve(Context(figures, derived), derivation.cases)
        assert values is not None, derivation.name
        derived = with_values(derived, values)
    return derived


def leave_one_out(profile: MeshProfile, figures: Mapping[str, Figure], key: str) -> float | None:
    """The model's figure for source case `key` with the coefficients derived from it solved
    again without it; None when the other figures cannot determine them."""
    derivation = next((d for d in derivations(profile) if key in d.cases), None)
    if derivation is None:
        return None
    others = tuple(k for k in derivation.cases if k != key)
    values = derivation.solve(Context(figures, profile), others)
    if values is None:
        return None
    refitted = with_values(profile, values)
    if derivation.solve is _proxy_terms:  # the churn factor rests on the proxy terms
        refitted = with_values(
            refitted, _churn(Context(figures, refitted), ISTIOD_CHURN_CASES) or {}
        )
    return Context(figures, refitted).measured(key)


def derived_paths(profile: MeshProfile) -> Sequence[str]:
    """Every coefficient path some derivation sets."""
    return [path for d in derivations(profile) for path in d.sets]


# ---- caches: a scenario is built once, and sized once per profile --------------------------


@cache
def _cases_by_key() -> dict[str, Case]:
    return {case.key: case for case in cases()}


_PLANS: dict[tuple[str, str], Plan] = {}


def _plan(scenario: str, profile: MeshProfile) -> Plan:
    key = (scenario, profile.model_dump_json())
    if key not in _PLANS:
        _PLANS[key] = run(_scenario(scenario), profile)
    return _PLANS[key]


@cache
def _scenario(name: str) -> Scenario:
    return scenarios()[name]()
