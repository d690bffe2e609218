"""`planner review`: what changed between two plans of the same mesh, and why.

The sidecars' change is attributed by sequential substitution: the baseline's per-workload
inputs are replaced by the current plan's one group at a time (pods, traffic, the configuration
each proxy holds, observed usage, the model's coefficients, the headroom), and each step's
change in requests is recomputed from the plans alone (their proxy model, assumptions, rounding
and headroom: planner.model.sizing's rules). The steps telescope, so they add up to the change
between the two recomputed plans; workloads that appeared or disappeared (or whose proxy did)
count whole; whatever the recomputation does not reproduce of the plans' own totals is shown as
`not-attributed`, so the drivers always sum to the change. Gateways, node agents and the
control plane are compared part by part with their drivers' values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, cast, get_args

import numpy as np
import pandas as pd
from pydantic import ValidationError

from models.errors import InputError
from models.plan import SCHEMA_VERSION, ComponentPlan, Plan, ResourceTotals
from models.review import (
    Change,
    ComponentChange,
    DriverCode,
    DriverShare,
    DriverValue,
    NamespaceChange,
    PartChange,
    PlanRef,
    Review,
    ReviewScenarios,
    WorkloadChange,
)
from planner.model.sizing import round_up

READABLE = ("2.2", "2.3", "2.4", SCHEMA_VERSION)
"""Plan schemas a review reads (docs/plan-json.md, Changes): 2.3 added `gateway_model` (null
before it); 2.4 added `totals.app.workloads_with_cpu_requests` and `_memory_requests`, which
are 2.3's `workloads_with_requests` (2.3 counted the app's requests of the workloads giving
both); 2.5 added `cost` (null before it, and without --prices) and `scenarios` (null
before it, and without --scenario)."""
KEYS = ["namespace", "workload"]
COUNTS = ("visible_clusters", "visible_endpoints", "visible_listeners", "connections")
STEPS = (
    ("pods", "more or fewer pods", ("replicas",)),
    ("traffic", "more or less traffic per pod", ("rps_per_pod", "l4_rps_per_pod")),
    (
        "services",
        "the mesh's Services and endpoints (what a proxy would hold unscoped)",
        COUNTS,
    ),
    ("scoping", "scoping (what each proxy may hold of the mesh)", COUNTS),
    (
        "observed-usage",
        "observed proxy usage (and whether it may raise the model)",
        ("observed_cpu", "observed_memory"),
    ),
    ("model", "the model's coefficients (mesh version or profile)", ()),
    ("headroom", "the headroom knob", ()),
)
LABELS = {
    "workloads-added": "workloads added (or their proxy)",
    "workloads-removed": "workloads removed (or their proxy)",
    "not-attributed": "not attributed (what the plans' own figures differ by from the model)",
}


def read_plan(path: Path, flag: str) -> tuple[Plan, str]:
    """A plan.json (upgraded from schema 2.2) and the schema it was written with; InputError
    naming the file otherwise."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError(
            f"{flag} {path}: no such file; give a plan.json written by planner size"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{flag} {path}: not a JSON plan ({exc.__class__.__name__}); give a plan.json "
            "written by planner size"
        ) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version not in READABLE:
        raise InputError(
            f"{flag} {path}: plan schema {version!r}; a review reads schemas "
            f"{', '.join(READABLE)}: size that quarter's inputs again with this planner"
        )
    data["schema_version"] = SCHEMA_VERSION
    app = data.get("totals", {}).get("app") if isinstance(data.get("totals"), dict) else None
    if version in ("2.2", "2.3") and isinstance(app, dict):
        for key in ("workloads_with_cpu_requests", "workloads_with_memory_requests"):
            app.setdefault(key, app.get("workloads_with_requests"))
    try:
        return Plan.model_validate(data), str(version)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{flag} {path}: not a plan mesh-planner wrote ({where}: {first['msg']})"
        ) from None


def _code(code: str) -> DriverCode:
    assert code in get_args(DriverCode)
    return cast(DriverCode, code)


def _status(status: str) -> Literal["added", "removed", "changed"]:
    assert status in ("added", "removed", "changed")
    return cast(Literal["added", "removed", "changed"], status)


def _display(path: Path) -> str:
    """A plan's file as a review names it: its folder and name (q3/plan.json)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _values(plan: Plan) -> dict[str, float]:
    return {a.name: a.value for a in plan.assumptions}


def _proxies(plan: Plan) -> pd.DataFrame:
    """One row per workload with a sidecar: what its requests are computed from."""
    rows = []
    for w in plan.workloads:
        p = w.proxy
        if p is None:
            continue
        rows.append(
            {
                "namespace": w.namespace,
                "workload": w.workload,
                "replicas": w.replicas,
                "rps_per_pod": p.rps_per_pod,
                "l4_rps_per_pod": p.l4_rps_per_pod,
                "visible_services": p.visible_services,
                **{c: getattr(p, c) if getattr(p, c) is not None else 0 for c in COUNTS},
                # what the proxy would hold unscoped (its own counts when it is not scoped)
                "whole_clusters": (
                    w.scoping.clusters_before
                    if w.scoping is not None
                    else (p.visible_clusters or 0)
                ),
                "whole_endpoints": (
                    w.scoping.endpoints_before if w.scoping is not None else p.visible_endpoints
                ),
                "observed_cpu": np.nan
                if p.observed_cpu_millicores is None
                else p.observed_cpu_millicores,
                "observed_memory": np.nan
                if p.observed_memory_mib is None
                else p.observed_memory_mib,
                "cpu_request": p.cpu_request_millicores,
                "memory_request": p.memory_request_mib,
            }
        )
    columns = [
        "namespace",
        "workload",
        "replicas",
        "rps_per_pod",
        "l4_rps_per_pod",
        "visible_services",
        *COUNTS,
        "whole_clusters",
        "whole_endpoints",
        "observed_cpu",
        "observed_memory",
        "cpu_request",
        "memory_request",
    ]
    return pd.DataFrame(rows, columns=columns)


class _Model:
    """A plan's sizing rules for sidecars, recomputed from the plan alone."""

    def __init__(self, plan: Plan) -> None:
        self.values = _values(plan)
        self.proxy = plan.proxy_model
        self.rounding = plan.rounding
        self.headroom = plan.knobs.headroom_ratio
        self.use_observed = plan.knobs.use_observed

    def but(self, headroom: float | None = None, use_observed: bool | None = None) -> _Model:
        """This model with another headroom or observed-usage rule."""
        twin = object.__new__(_Model)
        twin.__dict__.update(self.__dict__)
        if headroom is not None:
            twin.headroom = headroom
        if use_observed is not None:
            twin.use_observed = use_observed
        return twin

    def requests(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per pod CPU (millicores) and memory (MiB) requests of `frame`'s proxies."""
        v, m = self.values, self.proxy
        rps = frame["rps_per_pod"].to_numpy(dtype=np.float64)
        l4 = frame["l4_rps_per_pod"].to_numpy(dtype=np.float64)
        idle = sum(v[name] for name in (m.idle_cpu, *m.extra_cpu))
        cpu = idle + (rps - l4 + l4 * v[m.tcp_cpu_ratio]) / 1000.0 * v[m.cpu_per_1000_rps]
        memory = np.full(len(frame), v[m.base_memory], dtype=np.float64)
        for term in m.memory_terms:
            factor = v[term.factor] if term.factor else 1.0
            count = frame[term.driver].to_numpy(dtype=np.float64) if term.driver else 1.0
            memory = memory + count * v[term.coefficient] * factor / term.divisor
        if self.use_observed:
            cpu = np.fmax(cpu, frame["observed_cpu"].to_numpy(dtype=np.float64))
            memory = np.fmax(memory, frame["observed_memory"].to_numpy(dtype=np.float64))
        grow = 1.0 + self.headroom
        cpu_request = round_up(
            np.maximum(cpu * grow, v["proxy.cpu_request_floor_millicores"]),
            self.rounding.cpu_step_millicores,
        )
        memory_request = round_up(
            np.maximum(memory * grow, v["proxy.memory_request_floor_mib"]),
            self.rounding.memory_step_mib,
        )
        return cpu_request.astype(np.float64), memory_request.astype(np.float64)


def _totals(frame: pd.DataFrame, model: _Model) -> tuple[np.ndarray, np.ndarray]:
    cpu, memory = model.requests(frame)
    replicas = frame["replicas"].to_numpy(dtype=np.float64)
    return replicas * cpu / 1000.0, replicas * memory / 1024.0


def _planned(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The requests the plan itself gives `frame`'s proxies, over their pods (cores, GiB)."""
    replicas = frame["replicas"].to_numpy(dtype=np.float64)
    return (
        replicas * frame["cpu_request"].to_numpy(dtype=np.float64) / 1000.0,
        replicas * frame["memory_request"].to_numpy(dtype=np.float64) / 1024.0,
    )


def _change(before: Any, after: Any, places: int = 6) -> Change:
    """A Change of two numbers (plain or numpy), rounded to `places` decimals."""
    old, new = float(before), float(after)
    return Change(
        before=round(old, places), after=round(new, places), delta=round(new - old, places)
    )


def _part(name: str, before: ResourceTotals, after: ResourceTotals) -> PartChange:
    return PartChange(
        part=name,
        pods=_change(before.pods, after.pods),
        cpu_request_cores=_change(before.cpu_request_cores, after.cpu_request_cores),
        memory_request_gib=_change(before.memory_request_gib, after.memory_request_gib),
    )


def _ref(plan: Plan, path: Path, schema: str) -> PlanRef:
    services = max((p.visible_services for w in plan.workloads if (p := w.proxy)), default=0)
    return PlanRef(
        file=_display(path),
        schema_version=schema,
        mesh=plan.profile.mesh,
        mesh_version=plan.profile.mesh_version,
        profile_version=plan.profile.profile_version,
        inputs_date=None if plan.knobs.inputs_date is None else plan.knobs.inputs_date.isoformat(),
        headroom_ratio=plan.knobs.headroom_ratio,
        workloads=len(plan.workloads),
        services=services,
    )


def review(
    baseline: Plan,
    current: Plan,
    baseline_path: Path,
    current_path: Path,
    schemas: tuple[str, str] = (SCHEMA_VERSION, SCHEMA_VERSION),
) -> Review:
    """The review of `current` against `baseline` (`schemas`: the ones their files were
    written with). Raises InputError for plans of two meshes."""
    if baseline.profile.mesh != current.profile.mesh:
        raise InputError(
            f"--baseline {_display(baseline_path)} sizes {baseline.profile.mesh_title} and "
            f"--current {_display(current_path)} {current.profile.mesh_title}: a review compares "
            "one mesh over "
            "time; to compare meshes, use planner compare"
        )
    before, after = _proxies(baseline), _proxies(current)
    drivers, per_workload = _attribute(
        before, after, _Model(baseline), _Model(current), baseline, current
    )
    parts = [
        _part("sidecars", baseline.totals.sidecars, current.totals.sidecars),
        _part("node agents", baseline.totals.node_agents, current.totals.node_agents),
        _part("gateways", baseline.totals.gateways, current.totals.gateways),
        _part("control plane", baseline.totals.control_plane, current.totals.control_plane),
        _part("whole mesh", baseline.totals.mesh, current.totals.mesh),
    ]
    return Review(
        schema_version="1",
        baseline=_ref(baseline, baseline_path, schemas[0]),
        current=_ref(current, current_path, schemas[1]),
        parts=tuple(parts),
        sidecar_drivers=drivers,
        namespaces=_namespaces(before, after),
        workloads=per_workload,
        control_plane=_components(
            baseline.control_plane.components, current.control_plane.components
        ),
        gateways=_gateways(baseline, current),
        notes=_notes(baseline, current),
        scenarios=(
            ReviewScenarios(totals=current.totals, scenarios=current.scenarios)
            if current.scenarios is not None
            else None
        ),
    )


def _attribute(
    before: pd.DataFrame,
    after: pd.DataFrame,
    old: _Model,
    new: _Model,
    baseline: Plan,
    current: Plan,
) -> tuple[tuple[DriverShare, ...], tuple[WorkloadChange, ...]]:
    both = before.merge(after, on=KEYS, suffixes=("_b", "_c"), sort=True)
    added = after.merge(before[KEYS], on=KEYS, how="left", indicator=True)
    added = added.loc[added["_merge"] == "left_only"].drop(columns="_merge")
    removed = before.merge(after[KEYS], on=KEYS, how="left", indicator=True)
    removed = removed.loc[removed["_merge"] == "left_only"].drop(columns="_merge")
    inputs = [c for c in before.columns if c not in (*KEYS, "cpu_request", "memory_request")]
    state = both[KEYS].assign(**{c: both[f"{c}_b"].to_numpy() for c in inputs})
    model = old
    shares: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    cpu, memory = _totals(state, model)
    start = (cpu, memory)
    for code, _, columns in STEPS:
        if code == "observed-usage":
            model = old.but(use_observed=new.use_observed)
        elif code == "model":
            model = new.but(headroom=old.headroom)
        elif code == "headroom":
            model = new
        if code == "services":
            _grow_with_the_mesh(state, both)
        else:
            for column in columns:
                state[column] = both[f"{column}_c"].to_numpy()
        next_cpu, next_memory = _totals(state, model)
        shares[code] = (next_cpu - cpu, next_memory - memory)
        cpu, memory = next_cpu, next_memory
    added_cpu, added_memory = _planned(added)
    removed_cpu, removed_memory = _planned(removed)
    explained_cpu = added_cpu.sum() - removed_cpu.sum() + (cpu - start[0]).sum()
    explained_memory = added_memory.sum() - removed_memory.sum() + (memory - start[1]).sum()
    # the plans' own per-workload requests (their totals are rounded to 0.001)
    cpu_b, memory_b = _planned(before)
    cpu_c, memory_c = _planned(after)
    actual_cpu = float(cpu_c.sum() - cpu_b.sum())
    actual_memory = float(memory_c.sum() - memory_b.sum())

    totals = [
        ("workloads-added", float(added_cpu.sum()), float(added_memory.sum())),
        ("workloads-removed", -float(removed_cpu.sum()), -float(removed_memory.sum())),
        *((code, float(c.sum()), float(m.sum())) for code, (c, m) in shares.items()),
        ("not-attributed", actual_cpu - explained_cpu, actual_memory - explained_memory),
    ]
    labels = {**LABELS, **{code: label for code, label, _ in STEPS}}
    drivers = tuple(
        DriverShare(
            code=_code(code),
            label=labels[code],
            cpu_request_cores=round(c, 6),
            memory_request_gib=round(m, 6),
        )
        for code, c, m in totals
    )
    return drivers, _workload_changes(both, added, removed, shares, labels)


def _grow_with_the_mesh(state: pd.DataFrame, both: pd.DataFrame) -> None:
    """The baseline's counts grown as the mesh grew: each proxy's clusters (and listeners) by
    what it would hold unscoped, after over before, its endpoints likewise; so a proxy that is
    scoped in neither plan reaches the current counts here (listeners included), and what
    scoping changed is left for the next step. Connections (Linkerd's) follow the mesh in this
    step."""

    def ratio(column: str) -> np.ndarray:
        before = both[f"{column}_b"].to_numpy(dtype=np.float64)
        after = both[f"{column}_c"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(before > 0, after / before, np.nan)

    def unscoped(side: str) -> np.ndarray:
        return np.asarray(
            (both[f"visible_clusters_{side}"] == both[f"whole_clusters_{side}"])
            & (both[f"visible_endpoints_{side}"] == both[f"whole_endpoints_{side}"]),
            dtype=bool,
        )

    # a proxy holding the whole mesh in both plans takes the current counts (its listeners
    # too, which no plan gives unscoped for a scoped proxy)
    whole = unscoped("b") & unscoped("c")
    clusters, endpoints = ratio("whole_clusters"), ratio("whole_endpoints")
    for column, factor in (
        ("visible_clusters", clusters),
        ("visible_listeners", clusters),
        ("visible_endpoints", endpoints),
    ):
        grown = both[f"{column}_b"].to_numpy(dtype=np.float64) * factor
        current = both[f"{column}_c"].to_numpy()
        # a proxy that held nothing of the kind before takes the current count
        state[column] = np.where(whole | np.isnan(grown), current, grown)
    state["connections"] = both["connections_c"].to_numpy()


def _workload_changes(
    both: pd.DataFrame,
    added: pd.DataFrame,
    removed: pd.DataFrame,
    shares: dict[str, tuple[np.ndarray, np.ndarray]],
    labels: dict[str, str],
) -> tuple[WorkloadChange, ...]:
    out: list[WorkloadChange] = []
    cpu_b = both["replicas_b"] * both["cpu_request_b"] / 1000.0
    cpu_c = both["replicas_c"] * both["cpu_request_c"] / 1000.0
    mem_b = both["replicas_b"] * both["memory_request_b"] / 1024.0
    mem_c = both["replicas_c"] * both["memory_request_c"] / 1024.0
    moved = (
        (cpu_b != cpu_c)
        | (mem_b != mem_c)
        | (both["replicas_b"] != both["replicas_c"])
        | (both["rps_per_pod_b"] != both["rps_per_pod_c"])
    ).to_numpy()
    explained_cpu = sum(c for c, _ in shares.values())
    explained_memory = sum(m for _, m in shares.values())
    rest_cpu = (cpu_c - cpu_b).to_numpy() - explained_cpu
    rest_memory = (mem_c - mem_b).to_numpy() - explained_memory
    shares = {**shares, "not-attributed": (rest_cpu, rest_memory)}
    for i in np.flatnonzero(moved):
        changed = both.iloc[i]
        drivers = tuple(
            DriverShare(
                code=_code(code),
                label=labels[code],
                cpu_request_cores=round(float(c[i]), 6),
                memory_request_gib=round(float(m[i]), 6),
            )
            for code, (c, m) in shares.items()
            if round(float(c[i]), 6) != 0 or round(float(m[i]), 6) != 0
        )
        out.append(
            WorkloadChange(
                namespace=changed["namespace"],
                workload=changed["workload"],
                status="changed",
                replicas=_change(changed["replicas_b"], changed["replicas_c"]),
                rps_per_pod=_change(changed["rps_per_pod_b"], changed["rps_per_pod_c"]),
                visible_services=_change(
                    changed["visible_services_b"], changed["visible_services_c"]
                ),
                cpu_request_cores=_change(cpu_b.iloc[i], cpu_c.iloc[i]),
                memory_request_gib=_change(mem_b.iloc[i], mem_c.iloc[i]),
                drivers=drivers,
            )
        )
    for frame, status in ((added, "added"), (removed, "removed")):
        code = f"workloads-{status}"
        for row in frame.to_dict("records"):
            sign = 1.0 if status == "added" else -1.0
            cpu = float(row["replicas"]) * float(row["cpu_request"]) / 1000.0
            memory = float(row["replicas"]) * float(row["memory_request"]) / 1024.0

            def pair(value: Any, sign: float = sign) -> Change:
                return _change(0, value) if sign > 0 else _change(value, 0)

            out.append(
                WorkloadChange(
                    namespace=str(row["namespace"]),
                    workload=str(row["workload"]),
                    status=_status(status),
                    replicas=pair(row["replicas"]),
                    rps_per_pod=pair(row["rps_per_pod"]),
                    visible_services=pair(row["visible_services"]),
                    cpu_request_cores=pair(cpu),
                    memory_request_gib=pair(memory),
                    drivers=(
                        DriverShare(
                            code=_code(code),
                            label=labels[code],
                            cpu_request_cores=round(sign * cpu, 6),
                            memory_request_gib=round(sign * memory, 6),
                        ),
                    ),
                )
            )
    return tuple(sorted(out, key=lambda w: (w.namespace, w.workload)))


def _namespaces(before: pd.DataFrame, after: pd.DataFrame) -> tuple[NamespaceChange, ...]:
    def sums(frame: pd.DataFrame) -> pd.DataFrame:
        return (
            frame.assign(
                cpu=frame["replicas"] * frame["cpu_request"] / 1000.0,
                memory=frame["replicas"] * frame["memory_request"] / 1024.0,
                n=1,
            )
            .groupby("namespace")[["replicas", "cpu", "memory", "n"]]
            .sum()
        )

    sum_b, sum_c = sums(before), sums(after)
    names = sorted(set(sum_b.index) | set(sum_c.index))
    b = sum_b.reindex(names, fill_value=0).to_numpy(dtype=np.float64)
    c = sum_c.reindex(names, fill_value=0).to_numpy(dtype=np.float64)
    keys_b = set(zip(before["namespace"], before["workload"], strict=True))
    keys_c = set(zip(after["namespace"], after["workload"], strict=True))
    out = []
    for i, name in enumerate(names):
        out.append(
            NamespaceChange(
                namespace=name,
                pods=_change(b[i, 0], c[i, 0]),
                cpu_request_cores=_change(b[i, 1], c[i, 1]),
                memory_request_gib=_change(b[i, 2], c[i, 2]),
                workloads_added=sum(1 for k in keys_c - keys_b if k[0] == name),
                workloads_removed=sum(1 for k in keys_b - keys_c if k[0] == name),
            )
        )
    return tuple(out)


def _component_change(before: ComponentPlan | None, after: ComponentPlan | None) -> ComponentChange:
    def figures(c: ComponentPlan | None) -> tuple[float, float, float]:
        if c is None:
            return 0.0, 0.0, 0.0
        return (
            c.replicas,
            c.replicas * c.per_replica.cpu_request_millicores / 1000.0,
            c.replicas * c.per_replica.memory_request_mib / 1024.0,
        )

    b, c = figures(before), figures(after)
    known = after or before
    assert known is not None
    drivers_b = {d.name: d for d in (before.drivers if before else ())}
    drivers_c = {d.name: d for d in (after.drivers if after else ())}
    drivers = tuple(
        DriverValue(
            name=name,
            label=(drivers_c.get(name) or drivers_b[name]).label,
            before=drivers_b[name].value if name in drivers_b else 0.0,
            after=drivers_c[name].value if name in drivers_c else 0.0,
        )
        for name in [*drivers_b, *(n for n in drivers_c if n not in drivers_b)]
    )
    return ComponentChange(
        component=known.component,
        title=known.title,
        replicas=_change(b[0], c[0]),
        cpu_request_cores=_change(b[1], c[1]),
        memory_request_gib=_change(b[2], c[2]),
        drivers=drivers,
    )


def _components(
    before: tuple[ComponentPlan, ...], after: tuple[ComponentPlan, ...]
) -> tuple[ComponentChange, ...]:
    old = {c.component: c for c in before}
    new = {c.component: c for c in after}
    names = [*old, *(n for n in new if n not in old)]
    return tuple(_component_change(old.get(n), new.get(n)) for n in names)


def _gateways(baseline: Plan, current: Plan) -> tuple[ComponentChange, ...]:
    def figures(plan: Plan) -> dict[str, tuple[str, float, float, float, float]]:
        return {
            f"{g.namespace}/{g.workload}": (
                g.role.value,
                g.replicas,
                g.replicas * g.per_replica.cpu_request_millicores / 1000.0,
                g.replicas * g.per_replica.memory_request_mib / 1024.0,
                g.throughput_rps,
            )
            for g in plan.gateways
        }

    b, c = figures(baseline), figures(current)
    zero = ("", 0.0, 0.0, 0.0, 0.0)
    out = []
    for name in sorted(set(b) | set(c)):
        old, new = b.get(name, zero), c.get(name, zero)
        out.append(
            ComponentChange(
                component=name,
                title=new[0] or old[0],
                replicas=_change(old[1], new[1]),
                cpu_request_cores=_change(old[2], new[2]),
                memory_request_gib=_change(old[3], new[3]),
                drivers=(
                    DriverValue(
                        name="throughput_rps",
                        label="Requests per second through it",
                        before=old[4],
                        after=new[4],
                    ),
                ),
            )
        )
    return tuple(out)


def _notes(baseline: Plan, current: Plan) -> tuple[str, ...]:
    notes = []
    if baseline.profile.mesh_version != current.profile.mesh_version:
        notes.append(
            f"mesh version {baseline.profile.mesh_version} -> "
            f"{current.profile.mesh_version}: its published figures may differ (the model "
            "driver)"
        )
    if baseline.profile.profile_version != current.profile.profile_version:
        notes.append(
            f"profile {baseline.profile.profile_version} -> "
            f"{current.profile.profile_version}: coefficients may have been revised (the model "
            "driver)"
        )
    knobs_b = baseline.knobs.model_dump(mode="json")
    knobs_c = current.knobs.model_dump(mode="json")
    for name in sorted(set(knobs_b) | set(knobs_c)):
        if name in ("inputs_date",):
            continue
        if knobs_b.get(name) != knobs_c.get(name):
            notes.append(f"knob {name}: {_shown(knobs_b.get(name))} -> {_shown(knobs_c.get(name))}")
    if (baseline.scoping is None) != (current.scoping is None):
        state = "recommended now" if current.scoping is not None else "no longer recommended"
        notes.append(f"scoping {state} (the scoping driver)")
    return tuple(notes)


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)
