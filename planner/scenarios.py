"""What-if scenarios (`planner size --scenario`): read the scenario files, apply each scenario's
changes to today's inputs and knobs, and size the result with the same pipeline as today.

A scenario is a transformation of the inputs, never of the plan: the changed inventory, traffic
and knobs go through `build_plan` exactly as `planner size` sends today's, so the proxies, the
control plane, the gateways and the node agents all follow. A scenario without changes is
today's plan again, figure for figure. What each change does: docs/scenarios.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from models.cost import PriceInfo, Prices
from models.errors import InputError, PlannerError, ProfileError, quoted
from models.knobs import Knobs
from models.plan import (
    InputFile,
    Plan,
    ResourceTotals,
    ScenarioCounts,
    ScenarioDifference,
    ScenarioResult,
    Scenarios,
)
from models.profile import ProfileBase
from models.scenario import (
    Change,
    NamespaceChange,
    ReplicasChange,
    Scenario,
    ScenarioFile,
    ServicesChange,
    TrafficChange,
)
from planner.cost import cost_change, plan_cost
from planner.inputs.inventory import Inventory, listed
from planner.inputs.nodes import Nodes
from planner.inputs.tables import ROW
from planner.inputs.traffic import Traffic
from planner.meshes.registry import MESHES
from planner.pipeline import build_plan
from planner.yamltext import safe_load

DOCS = "docs/scenarios.md"
MAX_FILE_BYTES = 1 << 20
"""A scenario file is written by hand: a megabyte is far more than any holds."""
ADDED_SERVICE = "{service}-whatif-{number}"
"""The name of a Service a scenario adds: the Service it is like, and a number."""
_CHANGE_MODELS: dict[str, type[BaseModel]] = {
    "traffic": TrafficChange,
    "services": ServicesChange,
    "replicas": ReplicasChange,
    "namespace": NamespaceChange,
}


@dataclass(frozen=True)
class ScenarioSource:
    """One `--scenario` file as read: where it is, what it holds, and its fingerprint."""

    path: Path
    content: ScenarioFile
    file: InputFile


def read_scenario_files(paths: Sequence[Path]) -> tuple[ScenarioSource, ...]:
    """Every `--scenario` file, checked; a name given twice (in one file or two) is an error.

    Raises InputError naming the file, the scenario, the change and the key that is wrong.
    """
    sources = tuple(_read(path) for path in paths)
    seen: dict[str, Path] = {}
    for source in sources:
        for scenario in source.content.scenarios:
            if scenario.name in seen:
                also = (
                    "" if seen[scenario.name] == source.path else f" (and in {seen[scenario.name]})"
                )
                raise InputError(
                    f"{source.path}: scenario {quoted(scenario.name)} is named twice{also}; give "
                    "each scenario a name of its own"
                )
            seen[scenario.name] = source.path
    return sources


def _read(path: Path) -> ScenarioSource:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: scenario file not found; check the --scenario path") from None
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the scenario file ({exc.strerror}); check the --scenario path"
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: {len(data):,} bytes is not a scenario file (1 MiB at most); check the "
            "--scenario path"
        )
    try:
        raw = safe_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the scenario file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}{line}: not valid YAML; fix the syntax there") from None
    except (ValueError, RecursionError):
        raise InputError(
            f"{path}: a value cannot be read (a number too long, a date that does not exist, or "
            f"nesting too deep); see {DOCS} for the format"
        ) from None
    if not isinstance(raw, dict) or "scenarios" not in raw:
        raise InputError(
            f"{path}: a scenario file is a YAML mapping with a list under scenarios:; see {DOCS} "
            "for the format"
        )
    try:
        content = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {_located(exc, raw)}; see {DOCS} for the format") from None
    # the digest of what the file says, not of how it is written (comments, key order)
    digest = hashlib.sha256(content.model_dump_json().encode("utf-8")).hexdigest()[:16]
    scenarios = len(content.scenarios)
    return ScenarioSource(
        path,
        content,
        InputFile(role="scenarios", name=path.name, fingerprint=digest, rows=scenarios),
    )


def _located(exc: ValidationError, raw: dict[str, object]) -> str:
    """The first validation error as `scenario "name" change 2 traffic.factor: what is wrong`."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"not a key here; the keys are {', '.join(_keys_at(loc[:-1]))}"
    elif first["type"] == "missing":
        message = "missing; add it"
    elif first["type"] == "too_short":
        message = "the list is empty; give one scenario at least"
    if loc[:1] != ["scenarios"] or len(loc) < 2:
        return f"{'.'.join(loc) or 'scenarios'}: {message}"
    index = int(loc[1])
    scenarios = raw.get("scenarios")
    given = scenarios[index] if isinstance(scenarios, list) and index < len(scenarios) else None
    name = given.get("name") if isinstance(given, dict) else None
    where = f"scenario {quoted(name)}" if isinstance(name, str) else f"scenario {index + 1}"
    rest = loc[2:]
    if rest[:1] == ["changes"] and len(rest) >= 2:
        where += f" change {int(rest[1]) + 1}"
        rest = rest[2:]
    return f"{where}{' ' + '.'.join(rest) if rest else ''}: {message}"


def _keys_at(loc: list[str]) -> list[str]:
    """The keys a mapping at `loc` of a scenario file may have."""
    if len(loc) == 0:
        return list(ScenarioFile.model_fields)
    if len(loc) == 2:
        return list(Scenario.model_fields)
    if len(loc) == 4:
        return list(Change.model_fields)
    return list(_CHANGE_MODELS[loc[4]].model_fields)


@dataclass(frozen=True)
class _Inputs:
    """What a scenario changes: the inventory, the traffic and the knobs."""

    inventory: Inventory
    traffic: Traffic | None
    knobs: Knobs


def size_scenarios(
    sources: Sequence[ScenarioSource],
    inventory: Inventory,
    traffic: Traffic | None,
    profile: ProfileBase,
    knobs: Knobs,
    today: Plan,
    mesh_chosen_by: str = "",
    nodes: Nodes | None = None,
    prices: tuple[Prices, PriceInfo] | None = None,
) -> Scenarios:
    """Every scenario sized as `build_plan` sized `today` from the same arguments, changed;
    with `prices`, each priced beside today as the plan's own cost is (planner.cost).

    Raises InputError naming the file, the scenario and the change for a change that names a
    namespace or workload the inputs do not hold, or a version the profile has no figures for.
    """
    base = _counts(inventory, today)
    today_cost = plan_cost(today, *prices) if prices is not None else None
    results = []
    for source in sources:
        for scenario in source.content.scenarios:
            changed, plan = scenario_plan(
                scenario, source.path, inventory, traffic, profile, knobs, mesh_chosen_by, nodes
            )
            result = _result(scenario, source, plan, _counts(changed, plan), today, base)
            if prices is not None and today_cost is not None:
                cost = cost_change(today_cost, plan_cost(plan, *prices))
                result = result.model_copy(update={"cost": cost})
            results.append(result)
    return Scenarios(
        files=tuple(s.file for s in sources),
        today=base,
        results=tuple(results),
    )


def scenario_plan(
    scenario: Scenario,
    path: Path,
    inventory: Inventory,
    traffic: Traffic | None,
    profile: ProfileBase,
    knobs: Knobs,
    mesh_chosen_by: str = "",
    nodes: Nodes | None = None,
) -> tuple[Inventory, Plan]:
    """The inventory with `scenario`'s changes made, in order, and the whole plan of it: what
    `build_plan` gives for the changed inputs and knobs (`path` names the file in errors)."""
    inputs = _Inputs(inventory, traffic, knobs)
    for number, change in enumerate(scenario.changes, start=1):
        where = f"{path}: scenario {quoted(scenario.name)} change {number}"
        inputs = _apply(change, inputs, profile, where)
    try:
        plan = build_plan(
            inputs.inventory,
            inputs.traffic,
            profile,
            inputs.knobs,
            mesh_chosen_by=mesh_chosen_by,
            nodes=nodes,
        )
    except PlannerError as exc:
        raise type(exc)(f"{path}: scenario {quoted(scenario.name)}: {exc}") from None
    return inputs.inventory, plan


def _result(
    scenario: Scenario,
    source: ScenarioSource,
    plan: Plan,
    counts: ScenarioCounts,
    today: Plan,
    base: ScenarioCounts,
) -> ScenarioResult:
    totals, was = plan.totals, today.totals
    return ScenarioResult(
        name=scenario.name,
        description=scenario.description,
        file=source.path.name,
        changes=scenario.changes,
        mesh_version=plan.profile.mesh_version,
        headroom_ratio=plan.knobs.headroom_ratio,
        size_for=plan.knobs.size_for,
        counts=counts,
        totals=totals,
        difference=ScenarioDifference(
            sidecars=_minus(totals.sidecars, was.sidecars),
            gateways=_minus(totals.gateways, was.gateways),
            control_plane=_minus(totals.control_plane, was.control_plane),
            node_agents=_minus(totals.node_agents, was.node_agents),
            mesh=_minus(totals.mesh, was.mesh),
            counts=ScenarioCounts(
                pods=counts.pods - base.pods,
                proxies=counts.proxies - base.proxies,
                services=counts.services - base.services,
                namespaces=counts.namespaces - base.namespaces,
                inbound_rps=round(counts.inbound_rps - base.inbound_rps, 3),
            ),
        ),
        findings=len(plan.findings),
    )


def _minus(now: ResourceTotals, was: ResourceTotals) -> ResourceTotals:
    return ResourceTotals(
        pods=now.pods - was.pods,
        **{
            name: round(getattr(now, name) - getattr(was, name), 3)
            for name in ResourceTotals.model_fields
            if name != "pods"
        },
    )


def _counts(inventory: Inventory, plan: Plan) -> ScenarioCounts:
    """Application pods, proxies (sidecar pods and gateway replicas), Services, namespaces and
    requests per second into the workloads of a plan made from `inventory`."""
    return ScenarioCounts(
        pods=sum(w.replicas for w in plan.workloads),
        proxies=plan.totals.sidecars.pods + plan.totals.gateways.pods,
        services=len(inventory.services),
        namespaces=len(_namespaces(inventory)),
        inbound_rps=round(math.fsum(w.inbound_rps for w in plan.workloads), 3),
    )


def _namespaces(inventory: Inventory) -> list[str]:
    names = pd.concat([inventory.workloads["namespace"], inventory.services["namespace"]])
    return sorted(set(names.astype(str)))


def _apply(change: Change, inputs: _Inputs, profile: ProfileBase, where: str) -> _Inputs:
    """`inputs` with one change made; InputError (`where` first) for what the inputs lack."""
    if change.traffic is not None:
        return _traffic(change.traffic, inputs, where)
    if change.services is not None:
        return _services(change.services, inputs, where)
    if change.replicas is not None:
        return _replicas(change.replicas, inputs, where)
    if change.namespace is not None:
        return _clone(change.namespace, inputs, where)
    if change.mesh_version is not None:
        flag = MESHES[inputs.knobs.mesh].version_flag
        try:
            MESHES[inputs.knobs.mesh].check_version(profile, change.mesh_version)
        except ProfileError as exc:
            why = str(exc).removeprefix(f"{flag} {change.mesh_version}: ")
            why = why.replace(f"pass {flag} with", "give mesh_version")
            raise InputError(f"{where} mesh_version {quoted(change.mesh_version)}: {why}") from None
        return _knobs(inputs, mesh_version=change.mesh_version)
    if change.size_for is not None:
        return _knobs(inputs, size_for=change.size_for)
    assert change.headroom_ratio is not None  # Change holds exactly one key
    return _knobs(inputs, headroom_ratio=change.headroom_ratio)


def _knobs(inputs: _Inputs, **update: object) -> _Inputs:
    return replace(inputs, knobs=inputs.knobs.model_copy(update=update))


def _known_namespace(inputs: _Inputs, namespace: str, where: str, key: str) -> None:
    names = _namespaces(inputs.inventory)
    if namespace not in names:
        raise InputError(
            f"{where} {key}: namespace {quoted(namespace)} is not in the inventory; name one it "
            f"has: {listed(names, 8)}"
        )


def _traffic(change: TrafficChange, inputs: _Inputs, where: str) -> _Inputs:
    """Every request through the namespace's proxies (or every request) times the factor: the
    traffic table's rows from, to or served in the namespace, and the inventory's rate columns
    of its workloads."""
    factor = change.factor
    workloads = inputs.inventory.workloads
    if change.namespace is None:
        mine = np.ones(len(workloads), dtype=bool)
    else:
        _known_namespace(inputs, change.namespace, where, "traffic.namespace")
        mine = (workloads["namespace"] == change.namespace).to_numpy()
    scaled = workloads.assign(
        rps=np.where(mine, workloads["rps"] * factor, workloads["rps"]),
        outbound_rps=np.where(mine, workloads["outbound_rps"] * factor, workloads["outbound_rps"]),
    )
    traffic = inputs.traffic
    if traffic is not None:
        edges = traffic.edges
        if change.namespace is None:
            touched = np.ones(len(edges), dtype=bool)
        else:
            ends = ("source_namespace", "destination_namespace", "destination_workload_namespace")
            touched = np.logical_or.reduce(
                [(edges[c] == change.namespace).to_numpy() for c in ends]
            )
        rps = np.where(touched, edges["rps"] * factor, edges["rps"])
        traffic = replace(traffic, edges=edges.assign(rps=rps))
    return replace(inputs, inventory=replace(inputs.inventory, workloads=scaled), traffic=traffic)


def _services(change: ServicesChange, inputs: _Inputs, where: str) -> _Inputs:
    """`add` Services like the namespace's median Service by endpoints (pods behind it x ports;
    the lower median, ties by name), in front of the same workloads: no new pods."""
    _known_namespace(inputs, change.namespace, where, "services.namespace")
    inventory = inputs.inventory
    services = inventory.services
    mine = services.loc[services["namespace"] == change.namespace]
    if mine.empty:
        raise InputError(
            f"{where} services.namespace: namespace {quoted(change.namespace)} has no Service to "
            "take as a model; add Services to a namespace that has some"
        )
    if change.add == 0:
        return inputs
    backing = inventory.backing
    pods = (
        backing.merge(inventory.workloads[["namespace", "workload", "replicas"]], how="left")
        .groupby(["namespace", "service"], sort=True)["replicas"]
        .sum()
    )
    behind = pods.reindex(pd.MultiIndex.from_frame(mine[["namespace", "service"]]), fill_value=0)
    ranked = mine.assign(_endpoints=behind.to_numpy() * mine["ports"].to_numpy()).sort_values(
        ["_endpoints", "service"], kind="stable"
    )
    model = ranked.iloc[(len(ranked) - 1) // 2]
    taken = set(services.loc[services["namespace"] == change.namespace, "service"])
    names: list[str] = []
    number = 0
    while len(names) < change.add:
        number += 1
        name = ADDED_SERVICE.format(service=str(model["service"])[:40], number=number)
        if name not in taken:
            names.append(name)
    added = pd.DataFrame([model.drop("_endpoints")] * len(names)).assign(service=names)
    model_backing = backing.loc[
        (backing["namespace"] == change.namespace) & (backing["service"] == model["service"])
    ]
    added_backing = model_backing.drop(columns="service").merge(
        pd.DataFrame({"service": names}), how="cross"
    )[backing.columns]
    return replace(
        inputs,
        inventory=replace(
            inventory,
            services=pd.concat(
                [services, added.astype(services.dtypes.to_dict())], ignore_index=True
            ),
            backing=pd.concat([backing, added_backing], ignore_index=True),
        ),
    )


def _replicas(change: ReplicasChange, inputs: _Inputs, where: str) -> _Inputs:
    """The workload's replicas (every workload's of the namespace) plus `add`, or times
    `factor` rounded up to whole pods."""
    _known_namespace(inputs, change.namespace, where, "replicas.namespace")
    workloads = inputs.inventory.workloads
    chosen = (workloads["namespace"] == change.namespace).to_numpy().copy()
    if change.workload is not None:
        chosen = chosen & (workloads["workload"] == change.workload).to_numpy()
        if not chosen.any():
            there = sorted(workloads.loc[workloads["namespace"] == change.namespace, "workload"])
            raise InputError(
                f"{where} replicas.workload: workload {quoted(change.workload)} is not in "
                f"namespace {quoted(change.namespace)}; name one it has: "
                f"{listed(there, 8) or 'none'}"
            )
    replicas = workloads["replicas"].to_numpy()
    if change.add is not None:
        grown = replicas + change.add
    else:
        assert change.factor is not None
        # rounded first, so that 10 x 0.3 is 3 pods, not 4
        grown = np.ceil(np.round(replicas * change.factor, 9)).astype(replicas.dtype)
    changed = workloads.assign(replicas=np.where(chosen, grown, replicas))
    return replace(inputs, inventory=replace(inputs.inventory, workloads=changed))


def _renamed(frame: pd.DataFrame, column: str, like: str, name: str) -> pd.DataFrame:
    """The rows of `frame` whose `column` is `like`, with `name` there instead."""
    rows = frame.loc[frame[column] == like]
    return rows.assign(**{column: name})


def _cloned_edges(edges: pd.DataFrame, like: str, name: str) -> pd.DataFrame:
    """Copies of the edges from or to `like` for the clone: its calls (inside the namespace and
    out of it) and the calls into it (from other namespaces and from outside the mesh)."""
    source = (edges["source_namespace"] == like).to_numpy()
    destination = (edges["destination_namespace"] == like).to_numpy()
    copied = edges.loc[source | destination]
    src, dst = source[source | destination], destination[source | destination]
    served = (copied["destination_workload_namespace"] == like).to_numpy() & dst
    return copied.assign(
        source_namespace=np.where(src, name, copied["source_namespace"]),
        destination_namespace=np.where(dst, name, copied["destination_namespace"]),
        destination_workload_namespace=np.where(
            served, name, copied["destination_workload_namespace"]
        ),
    )


def _clone(change: NamespaceChange, inputs: _Inputs, where: str) -> _Inputs:
    """A namespace `name` holding copies of `like`'s workloads, Services and traffic."""
    like, name = change.like, change.name
    _known_namespace(inputs, like, where, "namespace.like")
    inventory = inputs.inventory
    edges = inputs.traffic.edges if inputs.traffic is not None else None
    if name in _namespaces(inventory) or (
        edges is not None
        and ((edges["source_namespace"] == name) | (edges["destination_namespace"] == name)).any()
    ):
        raise InputError(
            f"{where} namespace.name: namespace {quoted(name)} is in the inputs already; name "
            "the new namespace something else"
        )
    workloads = inventory.workloads
    copies = _renamed(workloads, "namespace", like, name)
    if ROW in workloads.columns:  # after every row read, in the original's order
        start = int(workloads[ROW].max()) + 1 if len(workloads) else 0
        copies = copies.assign(**{ROW: np.arange(start, start + len(copies))})
    settings = inventory.proxy_settings
    declared = inventory.declared

    def grown(frame: pd.DataFrame, column: str = "namespace") -> pd.DataFrame:
        """`frame` and copies of its rows in `like`, in `name`."""
        return pd.concat([frame, _renamed(frame, column, like, name)], ignore_index=True)

    cloned = replace(
        inventory,
        workloads=pd.concat([workloads, copies], ignore_index=True),
        services=grown(inventory.services),
        backing=grown(inventory.backing),
        proxy_settings=None if settings is None else grown(settings),
        declared=(
            None
            if declared is None
            else replace(
                declared,
                edges=pd.concat(
                    [declared.edges, _cloned_edges(declared.edges, like, name)], ignore_index=True
                ),
                gateways=grown(declared.gateways),
                callers=grown(declared.callers),
                external=grown(declared.external, "source_namespace"),
            )
        ),
    )
    traffic = inputs.traffic
    if traffic is not None:
        edges = traffic.edges
        traffic = replace(
            traffic,
            edges=pd.concat([edges, _cloned_edges(edges, like, name)], ignore_index=True),
        )
    return replace(inputs, inventory=cloned, traffic=traffic)
