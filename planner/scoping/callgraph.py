"""The call graph and the trust rules every scoping mechanism shares.

The graph is observed (a traffic table), declared (a mesh's own resources: App Mesh's
VirtualNode backends), or both: the union of the two, so no call either shows is ever cut.

A workload's calls are trusted (confidence high) when they are declared (the mesh's
configuration names every backend it may call: nothing else reaches it today), or when the
traffic window is long enough, the workload was seen in traffic (calling or called) and every
call it made was seen often enough over the window; and, either way, its names can be written
into the mechanism's resources. Otherwise it falls back (each mechanism to something wider:
namespace-level hosts, namespace-level intentions), and the reason is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import Knobs
from models.plan import CallGraphBasis, Confidence, Finding
from planner.frames import distinct, grouped_by_keys, positions, taken
from planner.inputs.inventory import Inventory
from planner.inputs.traffic_table import UNREGISTERED_DESTINATIONS
from planner.inputs.units import duration_text
from planner.model.findings import count_of, listed

KEYS = ["namespace", "workload"]
HIGH_REASON = "every call observed often enough over a long enough window"
DECLARED_REASON = "every call declared by the mesh's own resources (App Mesh backends)"
CALL_COLUMNS = [
    "source_namespace",
    "source_workload",
    "destination_namespace",
    "destination_service",
]
"""The names of a call; `calls` gives them as the edges hold them (Categoricals from a table)."""
_CALL = CALL_COLUMNS


@dataclass(frozen=True)
class CallGraph:
    """The calls scoping is recommended from.

    edges: source_namespace, source_workload, destination_namespace, destination_service, rps,
        and, when something is declared, `declared` (a declared call not observed has rps 0);
        an observed graph is the traffic table's edges as they are.
    declared_callers: (namespace, workload) whose calls are declared, None when nothing is.
    observed: whether a traffic table is part of the graph.
    """

    edges: pd.DataFrame
    declared_callers: pd.DataFrame | None
    observed: bool

    @property
    def basis(self) -> CallGraphBasis:
        """Where the graph comes from, in words for the plan."""
        if self.declared_callers is None:
            return "observed"
        return "declared and observed" if self.observed else "declared"


def call_graph(inventory: Inventory, edges: pd.DataFrame | None) -> CallGraph | None:
    """The call graph of a run: the traffic table's `edges`, the inventory's declared calls,
    or both (None when there is neither)."""
    declared = inventory.declared.edges if inventory.declared is not None else None
    if edges is None and declared is None:
        return None
    if declared is None:
        assert edges is not None
        return CallGraph(edges=edges, declared_callers=None, observed=True)
    parts = []
    if edges is not None:
        parts.append(edges[[*_CALL, "rps"]].assign(declared=False))
    if declared is not None:
        named = declared.loc[declared["destination_service"] != "", _CALL].drop_duplicates()
        parts.append(named.assign(rps=0.0, declared=True))
    return CallGraph(
        edges=pd.concat(parts, ignore_index=True),
        declared_callers=inventory.declared.callers if inventory.declared is not None else None,
        observed=edges is not None,
    )


def calls(graph: CallGraph, inventory: Inventory, knobs: Knobs) -> pd.DataFrame:
    """One row per (caller, destination Service): rps, requests over the window (a declared
    call counts as seen often enough: infinite), declared, caller role and injection
    ("outside" for traffic from outside the mesh), the destination's type. The names
    (CALL_COLUMNS) keep the edges' dtype: Categoricals for a traffic table, so turn them into
    text (`astype(str)`) before joining them into strings."""
    edges = graph.edges
    registered = edges.loc[~edges["destination_service"].isin(UNREGISTERED_DESTINATIONS)]
    out: pd.DataFrame
    if graph.declared_callers is None:
        out = grouped_by_keys(registered, _CALL, rps=("rps", "sum"))
        out["declared"] = False
    else:
        out = grouped_by_keys(registered, _CALL, rps=("rps", "sum"), declared=("declared", "any"))
    # looked up by codes, so the call's names stay Categoricals (planner.frames.positions)
    services = inventory.services
    at = positions(out, _CALL[2:], services, ["namespace", "service"])
    out["type"] = pd.Series(
        taken(services["type"], at, np.nan), index=out.index, dtype=services["type"].dtype
    )
    workloads = inventory.workloads
    at = positions(out, _CALL[:2], workloads, KEYS)
    out["role"] = pd.Series(
        taken(workloads["role"], at, "outside"), index=out.index, dtype=workloads["role"].dtype
    )
    out["mesh_injected"] = taken(workloads["mesh_injected"], at, False).astype(bool)
    out["requests"] = np.where(
        out["declared"].to_numpy(dtype=bool),
        np.inf,
        out["rps"].to_numpy() * (knobs.traffic_window_seconds or 0.0),
    )
    return out


def graph_trust(graph: CallGraph, members: pd.DataFrame, knobs: Knobs) -> tuple[bool, str]:
    """Whether the graph as a whole can be trusted (callees may then be narrowed to their
    callers), and why not: every member's calls are declared, or the traffic window is long
    enough."""
    if graph.declared_callers is not None:
        undeclared = ~_declared(members, graph)
        if not undeclared.any():
            return True, ""
        if not graph.observed:
            return False, (
                f"{int(undeclared.sum())} meshed workloads have no declared calls (no VirtualNode "
                "selects them) and there is no traffic table"
            )
    return window_trust(knobs)


def _declared(members: pd.DataFrame, graph: CallGraph) -> npt.NDArray[np.bool_]:
    """Whether each member (namespace, workload) is a caller whose calls are declared."""
    if graph.declared_callers is None or members.empty:
        return np.zeros(len(members), dtype=bool)
    index = pd.MultiIndex.from_frame(members[KEYS])
    return np.asarray(index.isin(pd.MultiIndex.from_frame(graph.declared_callers[KEYS])))


def window_trust(knobs: Knobs) -> tuple[bool, str]:
    """Whether the traffic window is long enough to trust, and why not."""
    window = knobs.traffic_window_seconds
    if window is None:
        return False, "traffic window unknown (pass --traffic-window)"
    if window < knobs.min_traffic_window_seconds:
        return False, (
            f"traffic observed over {duration_text(window)}, less than "
            f"{duration_text(knobs.min_traffic_window_seconds)}: rare calls may be unseen"
        )
    return True, ""


def outbound_calls(observed: pd.DataFrame) -> pd.DataFrame:
    """The calls made by workloads of the inventory, keyed by the caller's namespace and
    workload."""
    # compared as objects: pandas' text comparison checks every cell for a missing value first
    inside: npt.NDArray[np.bool_] = observed["role"].to_numpy(dtype=object) != "outside"
    return observed.loc[inside].rename(
        columns={"source_namespace": "namespace", "source_workload": "workload"}
    )


def caller_trust(
    members: pd.DataFrame,
    observed: pd.DataFrame,
    inventory: Inventory,
    knobs: Knobs,
    graph: CallGraph,
    valid: npt.NDArray[np.bool_],
    target: str,
    invalid_reason: str,
    outbound: pd.DataFrame,
    callers: npt.NDArray[np.intp] | None = None,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """(confidence, reason) per member workload (namespace, workload) from the calls (`observed`,
    as `calls` gives them, and the `outbound` ones of them, as `outbound_calls` gives them):
    declared callers are trusted; the others by what was observed.

    `target` names the column of `observed` that says what a call went to, for the reason of a
    rare call; `valid` marks the members whose names the mechanism can write; `callers`, when
    given, is each outbound call's row in `members` (-1 for none), looked up already.
    """
    declared = _declared(members, graph)
    if graph.observed:
        trusted, window_reason = window_trust(knobs)
        unseen = "no observed traffic"
    else:
        trusted, window_reason = False, "no traffic table"
        unseen = "no declared calls: no VirtualNode selects it, and there is no traffic table"
    index = pd.MultiIndex.from_frame(members[KEYS])
    has_traffic = _in_traffic(members, outbound, observed, inventory.backing, callers)
    rare = outbound.loc[outbound["requests"] < knobs.min_edge_requests]
    rarest = rare.sort_values(["requests", target]).drop_duplicates(KEYS).set_index(KEYS)
    rarest = rarest.reindex(index)
    rare_text = (
        "call to "
        + rarest[target].astype(object).fillna("")
        + " seen "
        + rarest["requests"].fillna(0).map("{:,.0f}".format)
        + f" times over the window, fewer than {knobs.min_edge_requests:g}"
    )
    has_rare = rarest[target].notna().to_numpy()
    reason = np.select(
        [~valid, declared, ~has_traffic, np.full(len(members), not trusted), has_rare],
        [invalid_reason, DECLARED_REASON, unseen, window_reason, rare_text.to_numpy()],
        default=HIGH_REASON,
    )
    high = (reason == HIGH_REASON) | (reason == DECLARED_REASON)
    confidence = np.where(high, Confidence.HIGH.value, Confidence.FALLBACK.value)
    return confidence.astype(object), reason.astype(object)


def _in_traffic(
    members: pd.DataFrame,
    outbound: pd.DataFrame,
    observed: pd.DataFrame,
    backing: pd.DataFrame,
    callers: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.bool_]:
    """Whether each member (namespace, workload) calls anything or backs a Service that is
    called. Looked up by codes: millions of calls against the members and the backing rows,
    without hashing a string per call (`callers`: the outbound calls' rows in `members`, when
    looked up already)."""
    seen = np.zeros(len(members), dtype=bool)
    if callers is None:
        callers = positions(outbound, KEYS, members)
    seen[callers[callers >= 0]] = True
    destinations = ["destination_namespace", "destination_service"]
    called = distinct(observed[destinations])
    serving = positions(backing, ["namespace", "service"], called, destinations) >= 0
    behind = positions(backing.loc[serving], KEYS, members)
    seen[behind[behind >= 0]] = True
    return seen


def declaration_findings(inventory: Inventory, edges: pd.DataFrame, knobs: Knobs) -> list[Finding]:
    """The traffic table checked against the declared call graph: calls observed from a
    workload whose calls are declared but that none of its backends covers, and declared
    backends never observed over a window long enough to trust (a backend counts as observed
    when any Service it resolves to, dialed or routed to, was called)."""
    declared = inventory.declared
    if declared is None:
        return []
    callers = pd.MultiIndex.from_frame(
        declared.callers.rename(
            columns={"namespace": "source_namespace", "workload": "source_workload"}
        )
    )
    observed = edges.loc[
        ~edges["destination_service"].isin(UNREGISTERED_DESTINATIONS), _CALL
    ].drop_duplicates()
    observed = observed.loc[pd.MultiIndex.from_frame(observed[_CALL[:2]]).isin(callers)]
    named = declared.edges.loc[declared.edges["destination_service"] != ""]
    covered = pd.MultiIndex.from_frame(named[_CALL])
    extra = observed.loc[~pd.MultiIndex.from_frame(observed[_CALL]).isin(covered)]
    findings = []
    if len(extra):
        text = sorted(
            extra["source_namespace"].astype(str)
            + "/"
            + extra["source_workload"].astype(str)
            + " -> "
            + extra["destination_namespace"].astype(str)
            + "/"
            + extra["destination_service"].astype(str)
        )
        findings.append(
            Finding(
                code="observed-not-declared",
                subject=count_of(len(text), "call"),
                message="observed in the traffic table but declared by no backend of the "
                "caller's VirtualNode (App Mesh sends them past the mesh, if its egress filter "
                "allows all); a migrated mesh's scoping keeps them: declare them, or find out "
                f"why they happen ({listed(text)})",
            )
        )
    trusted, why = window_trust(knobs)
    if not trusted:
        findings.append(
            Finding(
                code="declared-not-checked",
                subject="declared backends",
                message=f"not checked for calls never observed: {why}",
            )
        )
        return findings
    seen = pd.MultiIndex.from_frame(observed[_CALL])
    backends = named.assign(seen=pd.MultiIndex.from_frame(named[_CALL]).isin(seen))
    by_backend = backends.groupby(
        ["source_namespace", "source_workload", "virtual_service"], sort=True
    )["seen"].any()
    unseen = by_backend.loc[~by_backend]
    if len(unseen):
        text = [f"{ns}/{workload} -> {service}" for ns, workload, service in unseen.index]
        findings.append(
            Finding(
                code="declared-not-observed",
                subject=count_of(len(text), "backend"),
                message="declared but never observed over "
                f"{duration_text(knobs.traffic_window_seconds or 0)}: a migrated mesh's "
                "scoping keeps them (they are declared); remove a backend that is no longer "
                f"called, or keep it for a rare path ({listed(text)})",
            )
        )
    return findings
