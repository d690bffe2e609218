"""Configuration scoping from the call graph (observed, declared by App Mesh, or both:
planner.scoping.callgraph): Sidecar egress hosts, exportTo, discovery selectors, and how far each
recommendation can be trusted.

Rules, each a safety property the tests check:

- A workload's egress hosts cover every destination it was observed or declared calling, plus
  the mesh root namespace. With trustworthy calls (declared, or a long enough window with every
  call seen often enough) the hosts are exact (`ns/svc.ns.svc.cluster.local`, `ns/host` for a
  ServiceEntry). Otherwise the workload falls back to namespace-level hosts (`./*`, `root/*`
  and `ns/*` for every namespace it was seen calling), and the reason is given.
- Workload granularity: every group of workloads one label selector picks out gets its own
  Sidecar with the union of their needs (workloads whose labels contain another's are grouped).
  Workloads that no selector can single out, or whose names are not Kubernetes names, get no
  Sidecar and keep seeing the whole mesh; they are listed. Namespace granularity: one
  selector-less Sidecar per namespace with the union of its workloads' needs.
- A Service is exported only where it is called from: `.` for its own namespace, the calling
  namespaces when few call it, and unchanged (`*`) when it is called from outside the mesh, by an
  ingress gateway, by no observed caller, from many namespaces, when it lives in the root
  namespace, or when the observation is not trustworthy.
- istiod watches the root namespace and the namespaces that hold injected workloads, gateways or
  Services those call; with an untrustworthy observation, also every namespace holding a Service.

Work is on whole frames; nothing builds a Services x workloads matrix, and a Sidecar shared by
many workloads is priced once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import TypeAdapter

from models.knobs import Knobs, ScopeGranularity
from models.kube import DNS_LABEL, DNS_SUBDOMAIN, LABEL_PAIR
from models.plan import (
    GATEWAY_ROLES,
    Confidence,
    DiscoverySelectors,
    NamespaceExclusion,
    ServiceExport,
    SidecarResource,
)
from planner.frames import (
    category_of,
    components,
    distinct,
    grouped_tuples,
    positions,
    recoded,
    row_codes,
    sorted_distinct,
    taken,
)
from planner.frames import records as record_dicts
from planner.inputs.inventory import Inventory
from planner.inputs.tables import per_distinct
from planner.model.envoy import Scope
from planner.scoping.callgraph import (
    KEYS,
    CallGraph,
    caller_trust,
    graph_trust,
    outbound_calls,
)
from planner.scoping.callgraph import calls as observed_calls
from planner.scoping.names import resource_name
from planner.workers import ASIDE_SERVICES, beside

ROOT_NAMESPACE = "istio-system"
"""Istio's root namespace unless --mesh-root-namespace names another."""
WHOLE_MESH = "(whole mesh)"
"""The viewer of proxies no Sidecar selects: they see everything istiod exports to them."""

_KEYS = KEYS


@dataclass(frozen=True)
class Recommendation:
    """Everything scoping recommends, and the `Scope` that prices it.

    workloads: one row per injected, non-gateway workload: namespace, workload, sidecar (the
    resource that selects it, or None: it then sees the whole mesh), confidence, reason.
    """

    workloads: pd.DataFrame
    sidecars: tuple[SidecarResource, ...]
    exports: tuple[ServiceExport, ...]
    discovery: DiscoverySelectors
    scope: Scope


@dataclass(frozen=True)
class Grouping:
    """What scoping decides, as frames (`group`): enough to price it (`scope`); the Sidecar and
    exportTo resources are written from it (`recommendation_of`), so that the mesh can be sized
    under the scope while they are (planner.meshes.istio_sidecar.sizing)."""

    assignment: pd.DataFrame
    hosts: pd.DataFrame
    export_cells: list[tuple[object, ...]]
    discovery: DiscoverySelectors
    scope: Scope


@dataclass(frozen=True)
class Selectable:
    """The workloads a Sidecar can select (`_members`) and, when Sidecars select by labels, their
    groups (`_label_groups`): what grouping reads of the inventory alone, so it can be worked out
    before the traffic is read (planner.meshes.istio_sidecar.sizing.head_start)."""

    members: pd.DataFrame
    groups: pd.DataFrame | None


def selectable(inventory: Inventory, knobs: Knobs) -> Selectable:
    """The inventory's Selectable, grouped by labels unless the knobs scope by namespace."""
    members = _members(inventory)
    by_labels = knobs.scope_granularity is not ScopeGranularity.NAMESPACE
    return Selectable(members, _label_groups(members) if by_labels else None)


def group(
    inventory: Inventory, graph: CallGraph, knobs: Knobs, ready: Selectable | None = None
) -> Grouping:
    """The workloads grouped into Sidecars, what each Sidecar and each Service's exportTo
    holds, the discovery selectors, and the Scope that prices them. `ready`: the inventory's
    `selectable(inventory, knobs)`, when worked out already.

    From ASIDE_SERVICES on, discovery selectors, exportTo and (unless `ready` has them) the
    workloads' grouping by their labels are worked out in a forked child while this process
    works out what each workload needs (planner.workers.beside): the first two depend only on
    the calls, the grouping only on the workloads' labels."""
    calls = _calls(graph, inventory, knobs)
    members = ready.members if ready is not None else _members(inventory)
    trusted, window_reason = graph_trust(graph, members, knobs)
    by_labels = knobs.scope_granularity is not ScopeGranularity.NAMESPACE
    given = ready.groups if ready is not None and by_labels else None

    def exported() -> tuple[
        DiscoverySelectors, list[tuple[object, ...]], pd.DataFrame, pd.DataFrame | None
    ]:
        discovery = _discovery(inventory, calls, trusted, knobs)
        cells, rows = _exports(inventory, calls, knobs, graph, trusted, window_reason)
        return (
            discovery,
            cells,
            rows,
            _label_groups(members) if by_labels and given is None else None,
        )

    aside = len(inventory.services) >= ASIDE_SERVICES
    (discovery, export_cells, export_rows, grouped), needs = beside(
        exported, partial(_needs, inventory, members, calls, knobs, graph), aside=aside
    )
    if not by_labels:
        assignment = _by_namespace(needs.members)
    else:
        groups = given if given is not None else grouped
        assert groups is not None
        assignment = _by_selector(needs.members, groups)
    hosts = _viewer_hosts(needs.hosts, assignment)
    scope = _scope(inventory, assignment, hosts, export_rows, discovery)
    return Grouping(assignment, hosts, export_cells, discovery, scope)


def recommendation_of(grouping: Grouping, resources: bool = True) -> Recommendation:
    """The Sidecar and exportTo resources of a grouping (none when not `resources`:
    SizingInput.resources), and what each workload sees and why."""
    sidecars, workloads = _resources(grouping.assignment, grouping.hosts, resources)
    exports: tuple[ServiceExport, ...] = ()
    if resources:
        cells = [dict(zip(_EXPORT_FIELDS, c, strict=True)) for c in grouping.export_cells]
        exports = tuple(_EXPORTS.validate_python(cells))
    return Recommendation(workloads, sidecars, exports, grouping.discovery, grouping.scope)


def _viewer_hosts(hosts: pd.DataFrame, assignment: pd.DataFrame) -> pd.DataFrame:
    """Each Sidecar's (namespace, viewer) egress host rows: the rows of its workloads, once each,
    in the order they come (what merging the viewer in and dropping duplicates gives)."""
    viewers = assignment["viewer"]
    at = positions(hosts, _KEYS, assignment)
    codes, names = pd.factorize(viewers)  # a missing viewer (no Sidecar) is code -1
    viewer = np.where(at >= 0, codes[np.maximum(at, 0)], -1) if len(assignment) else at
    kept = hosts.loc[viewer >= 0].drop(columns="workload")
    kept["viewer"] = category_of(viewer[viewer >= 0], names.to_numpy(dtype=object), kept.index)
    return distinct(kept)


def root_of(knobs: Knobs) -> str:
    """The mesh root namespace of a run."""
    return knobs.mesh_root_namespace or ROOT_NAMESPACE


def _scope(
    inventory: Inventory,
    assignment: pd.DataFrame,
    hosts: pd.DataFrame,
    export_rows: pd.DataFrame,
    discovery: DiscoverySelectors,
) -> Scope:
    """The Scope that prices the recommendation. Proxies no Sidecar selects (gateways, workloads
    no selector singles out) still see only what istiod watches and exports to them."""
    workloads = inventory.workloads
    gateways = workloads.loc[workloads["role"].isin(GATEWAY_ROLES), _KEYS]
    unselected = assignment.loc[assignment["viewer"].isna(), _KEYS]
    whole = pd.concat([gateways, unselected], ignore_index=True).assign(viewer=WHOLE_MESH)
    selected = assignment.loc[assignment["viewer"].notna(), [*_KEYS, "viewer"]]
    wildcard = hosts["grant_service"] == ""
    whole_grants = (
        whole[["namespace"]]
        .drop_duplicates()
        .merge(pd.DataFrame({"service_namespace": list(discovery.namespaces)}), how="cross")
        .assign(viewer=WHOLE_MESH)
    )
    return Scope(
        viewers=pd.concat([selected, whole], ignore_index=True),
        namespace_grants=pd.concat(
            [
                hosts.loc[wildcard, ["namespace", "viewer", "grant_namespace"]].rename(
                    columns={"grant_namespace": "service_namespace"}
                ),
                whole_grants,
            ],
            ignore_index=True,
        ),
        service_grants=hosts.loc[~wildcard].rename(
            columns={"grant_namespace": "service_namespace", "grant_service": "service"}
        )[["namespace", "viewer", "service_namespace", "service"]],
        exports=export_rows,
        discovered=frozenset(discovery.namespaces),
    )


# ---- the call graph -------------------------------------------------------------------------


def _calls(graph: CallGraph, inventory: Inventory, knobs: Knobs) -> pd.DataFrame:
    """The calls (planner.scoping.callgraph) with each destination's egress host."""
    observed = observed_calls(graph, inventory, knobs)
    observed["host"] = host_of(
        observed["destination_namespace"],
        observed["destination_service"],
        observed["type"],
        knobs,
    )
    return observed


def host_of(namespace: pd.Series, service: pd.Series, kind: pd.Series, knobs: Knobs) -> pd.Series:
    """Sidecar egress host of a Service: `ns/svc.ns.svc.<domain>`, or `ns/host` for an entry, as
    a Categorical with sorted categories (planner.frames.category_of).

    The strings are built once per distinct destination (thousands) and the calls (hundreds of
    thousands) hold codes into them."""
    frame = pd.DataFrame(
        {"ns": namespace, "svc": service, "entry": kind.to_numpy(dtype=object) == "ServiceEntry"}
    )
    codes, first = row_codes(frame)
    distinct = frame.take(first)  # row i holds code i
    ns = distinct["ns"].astype(str)
    svc = distinct["svc"].astype(str)
    fqdn = svc + "." + ns + ".svc." + knobs.cluster_domain
    name = np.where(distinct["entry"].to_numpy(), svc.to_numpy(), fqdn.to_numpy())
    hosts = (ns + "/" + pd.Series(name, index=distinct.index, dtype=object)).to_numpy()
    return category_of(codes, hosts, namespace.index)


# ---- what each workload needs -------------------------------------------------------------------


@dataclass(frozen=True)
class _Needs:
    members: pd.DataFrame  # namespace, workload, labels, confidence, reason, blocked
    hosts: pd.DataFrame  # namespace, workload, host, grant_namespace, grant_service ("" = ns/*)


def _members(inventory: Inventory) -> pd.DataFrame:
    """The injected, non-gateway workloads (namespace, workload, labels): those a Sidecar can
    select."""
    workloads = inventory.workloads
    return workloads.loc[
        workloads["mesh_injected"] & ~workloads["role"].isin(GATEWAY_ROLES),
        [*_KEYS, "labels"],
    ].reset_index(drop=True)


def _needs(
    inventory: Inventory,
    members: pd.DataFrame,
    calls: pd.DataFrame,
    knobs: Knobs,
    graph: CallGraph,
) -> _Needs:
    """Per member (`_members`): confidence, reason and the egress hosts it needs."""
    members = members.copy()
    outbound = outbound_calls(calls)
    valid = _valid_names(members, outbound)
    members["confidence"], members["reason"] = caller_trust(
        members,
        calls,
        inventory,
        knobs,
        graph,
        valid,
        "host",
        "namespace, workload or a destination is not a Kubernetes name",
        outbound,
    )
    members["blocked"] = np.select(
        [~valid, (members["namespace"] == root_of(knobs)).to_numpy()],
        [
            "names that are not Kubernetes names",
            "in the mesh root namespace, where a Sidecar would become the mesh-wide default",
        ],
        default="",
    )
    return _Needs(members, _host_rows(members, outbound, knobs))


def _valid_names(members: pd.DataFrame, outbound: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Whether a Sidecar can be written for the workload: its namespace is a DNS label, its
    labels (the selector) are Kubernetes labels, and every destination it calls has a namespace
    and a name that can be written as an egress host."""
    namespace_ok = per_distinct(members["namespace"], _is_dns_label).to_numpy(dtype=bool)
    labels_ok = per_distinct(members["labels"], _are_labels).to_numpy(dtype=bool)
    bad_calls = ~(
        per_distinct(outbound["destination_namespace"], _is_dns_label).to_numpy(dtype=bool)
        & per_distinct(outbound["destination_service"], _is_host).to_numpy(dtype=bool)
    )
    bad_callers = pd.MultiIndex.from_frame(outbound.loc[bad_calls, _KEYS])
    callers_ok = ~pd.MultiIndex.from_frame(members[_KEYS]).isin(bad_callers)
    return np.asarray(namespace_ok & labels_ok & callers_ok, dtype=bool)


def _is_dns_label(names: pd.Series) -> pd.Series:
    return names.str.fullmatch(DNS_LABEL.pattern).astype(bool)


def _is_host(names: pd.Series) -> pd.Series:
    return names.str.fullmatch(DNS_SUBDOMAIN.pattern).astype(bool)


def _are_labels(labels: pd.Series) -> pd.Series:
    pairs = labels.str.split(";").explode()
    ok = pairs.str.fullmatch(LABEL_PAIR.pattern).astype(bool)
    return ok.groupby(level=0).all()


def _host_rows(members: pd.DataFrame, outbound: pd.DataFrame, knobs: Knobs) -> pd.DataFrame:
    """Egress host rows per workload, each with the grant it makes (`grant_service` "" = ns/*).

    The calls' names are Categoricals; the rows are built on their codes (the members are
    looked up, not merged, and every part shares one set of categories per column)."""
    root = root_of(knobs)
    caller = positions(outbound, _KEYS, members)  # -1: a gateway's or an outsider's call
    high = (caller >= 0) & (taken(members["confidence"], caller, "") == Confidence.HIGH.value)
    falls = (caller >= 0) & ~high
    fallback = members.loc[members["confidence"] != Confidence.HIGH.value, _KEYS]
    exact = outbound.loc[high, [*_KEYS, "host", "destination_namespace", "destination_service"]]
    exact = exact.rename(
        columns={"destination_namespace": "grant_namespace", "destination_service": "grant_service"}
    )
    called = outbound.loc[falls, [*_KEYS, "destination_namespace"]]
    called = called.loc[
        called["destination_namespace"].astype(str).to_numpy()
        != called["namespace"].astype(str).to_numpy()
    ].rename(columns={"destination_namespace": "grant_namespace"})
    called["host"] = called["grant_namespace"].astype(str) + "/*"
    own = fallback.assign(host="./*", grant_namespace=fallback["namespace"])
    everyone = members[_KEYS].assign(host=f"{root}/*", grant_namespace=root)
    wildcards = [part.assign(grant_service="") for part in (called, own, everyone)]
    columns = [*_KEYS, "host", "grant_namespace", "grant_service"]
    parts = recoded([exact, *wildcards], columns)
    rows = pd.concat([part[columns] for part in parts], ignore_index=True)
    return sorted_distinct(rows, [*_KEYS, "host"])


# ---- grouping workloads into Sidecar resources ---------------------------------------------------


def _by_namespace(members: pd.DataFrame) -> pd.DataFrame:
    """One selector-less Sidecar named `default` per namespace."""
    out = members.copy()
    out["viewer"] = pd.Series("default", index=out.index, dtype=object).where(
        out["blocked"] == "", None
    )
    out["selector"] = ""
    return out


def _by_selector(members: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """One Sidecar per group of workloads a label selector picks out (`_label_groups`, row by
    row of `members`), for the groups whose selector selects nobody outside them and whose
    workloads are not blocked."""
    out = members.reset_index(drop=True).copy()
    out["group"] = groups["group"].to_numpy()
    out["selector"] = groups["selector"].to_numpy()
    usable = (out["blocked"] == "").to_numpy() & ~groups["stray"].to_numpy(dtype=bool)
    out["viewer"] = pd.Series(groups["name"].to_numpy(), dtype=object).where(usable, None)
    return out


def _label_groups(members: pd.DataFrame) -> pd.DataFrame:
    """Per member (namespace, workload, labels), in its order: the group of workloads one label
    selector picks out, the group's selector and name, and whether that selector would select
    workloads outside the group (`stray`).

    Workloads whose labels contain another workload's labels would be selected by that one's
    Sidecar too, so they are grouped (connected components); the group's selector is the labels
    all members share, and it must select nobody outside the group.
    """
    out = members[[*_KEYS, "labels"]].reset_index(drop=True)
    pairs = _label_pairs(out)
    matches = _selector_matches(pairs)
    component = components(len(out), matches["a"].to_numpy(), matches["b"].to_numpy())
    out = out.assign(group=component)
    common = _common_pairs(pairs.assign(group=component[pairs["position"].to_numpy()]), out)
    selectors = grouped_tuples(common, ["group"], "pair").map(";".join)
    strays = _selects_outsiders(out, pairs, common)
    return pd.DataFrame(
        {
            "group": component,
            "selector": out["group"].map(selectors).fillna("").to_numpy(),
            "name": out["group"].map(_group_names(out)).astype(object).to_numpy(),
            "stray": out["group"].isin(strays).to_numpy(),
        }
    )


def _label_pairs(members: pd.DataFrame) -> pd.DataFrame:
    """(position, namespace, pair) for every label of every workload."""
    pairs = members[["namespace", "labels"]].assign(position=np.arange(len(members)))
    pairs = pairs.assign(pair=pairs["labels"].str.split(";")).explode("pair")
    return pairs.loc[pairs["pair"].fillna("") != "", ["position", "namespace", "pair"]]


def _selector_matches(pairs: pd.DataFrame) -> pd.DataFrame:
    """(a, b): workload a's labels, as a selector, also select workload b (a != b).

    Candidates come from a's rarest label only, then every label of a is checked on b.
    """
    frequency = pairs.groupby(["namespace", "pair"])["position"].transform("size")
    rarest = pairs.assign(frequency=frequency).sort_values(["position", "frequency", "pair"])
    rarest = rarest.drop_duplicates("position")[["position", "namespace", "pair"]]
    candidates = rarest.merge(pairs, on=["namespace", "pair"], suffixes=("_a", "_b"))
    candidates = candidates.loc[candidates["position_a"] != candidates["position_b"]]
    candidates = candidates.rename(columns={"position_a": "a", "position_b": "b"})[["a", "b"]]
    if candidates.empty:
        return candidates
    wanted = candidates.merge(pairs.rename(columns={"position": "a"}), on="a")
    present = wanted.merge(
        pairs.rename(columns={"position": "b"}),
        on=["b", "namespace", "pair"],
        how="left",
        indicator=True,
    )
    present["hit"] = present["_merge"] == "both"
    complete = present.groupby(["a", "b"])["hit"].all()
    return complete.loc[complete].reset_index()[["a", "b"]]


def _common_pairs(pairs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """(group, namespace, pair): the labels every member of a group carries, sorted."""
    sizes = members.groupby("group").size()
    counted = pairs.groupby(["group", "namespace", "pair"]).size().rename("count").reset_index()
    common = counted.loc[counted["count"] == counted["group"].map(sizes)]
    return common.drop(columns="count").sort_values(["group", "pair"], ignore_index=True)


def _selects_outsiders(
    members: pd.DataFrame, pairs: pd.DataFrame, common: pd.DataFrame
) -> set[int]:
    """Groups whose common selector would also select a workload of another group (or that
    have no common label at all, which would select the whole namespace)."""
    empty = set(members["group"]) - set(common["group"])
    sizes = common.groupby("group").size()
    hits = common.merge(pairs, on=["namespace", "pair"])
    counted = hits.groupby(["group", "position"]).size().rename("count").reset_index()
    selected = counted.loc[counted["count"] == counted["group"].map(sizes)]
    own = members["group"].to_numpy()[selected["position"].to_numpy()]
    return empty | set(selected.loc[own != selected["group"].to_numpy(), "group"])


def _group_names(members: pd.DataFrame) -> pd.Series:
    """A Kubernetes name per group: the workload's name, or the first one's plus `-shared`."""
    first = members.sort_values("workload").drop_duplicates("group").set_index("group")["workload"]
    sizes = members.groupby("group").size()
    raw = first + np.where(sizes.reindex(first.index) > 1, "-shared", "")
    return raw.map(resource_name)


# ---- resources, exports, discovery -----------------------------------------------------------


def _resources(
    assignment: pd.DataFrame, hosts: pd.DataFrame, written: bool = True
) -> tuple[tuple[SidecarResource, ...], pd.DataFrame]:
    """The Sidecar resources (none unless `written`), and per workload what it will see and
    why."""
    per_workload = _per_workload(assignment)
    if not written:
        return (), per_workload
    sidecar = ["namespace", "viewer"]
    grouped = grouped_tuples(hosts.sort_values([*sidecar, "host"]), sidecar, "host")
    assigned = assignment.loc[assignment["viewer"].notna()].sort_values(_KEYS)
    resources = assigned.groupby(sidecar, sort=True).agg(
        members=("workload", "size"),
        selector=("selector", "first"),
        trusted_by=("reason", "first"),
    )
    resources.insert(0, "workloads", grouped_tuples(assigned, sidecar, "workload"))
    fallbacks = (
        assigned.loc[assigned["confidence"] != Confidence.HIGH.value]
        .groupby(sidecar, sort=True)
        .agg(count=("workload", "size"), first=("workload", "first"), why=("reason", "first"))
    )
    resources = resources.join(fallbacks).join(grouped.rename("egress_hosts"))
    falls = resources["count"].notna()
    resources["confidence"] = np.where(falls, Confidence.FALLBACK.value, Confidence.HIGH.value)
    resources["reason"] = np.where(
        falls,
        resources["count"].fillna(0).astype(int).astype(str)
        + " of "
        + resources["members"].astype(str)
        + " workloads fall back ("
        + resources["first"].fillna("")
        + ": "
        + resources["why"].fillna("")
        + ")",
        resources["trusted_by"],
    )
    records = resources.reset_index().rename(columns={"viewer": "name"})
    records["selector"] = pd.Series(
        [_selector_dict(s) for s in records["selector"].tolist()], index=records.index, dtype=object
    )
    fields = ["namespace", "name", "selector", "egress_hosts", "workloads", "confidence", "reason"]
    sidecars = tuple(_SIDECARS.validate_python(record_dicts(records[fields])))
    return sidecars, per_workload


def _per_workload(assignment: pd.DataFrame) -> pd.DataFrame:
    """Per workload: its Sidecar (or None), confidence and reason."""
    per_workload = assignment[[*_KEYS, "viewer", "confidence", "reason"]].copy()
    unselected = per_workload["viewer"].isna().to_numpy()
    per_workload.loc[unselected, "confidence"] = Confidence.FALLBACK.value
    blocked = assignment["blocked"].to_numpy()[unselected]
    per_workload.loc[unselected, "reason"] = np.where(
        blocked != "", blocked, "its labels also select another workload's pods"
    )
    per_workload.loc[unselected, "reason"] += ": no Sidecar, it keeps seeing the whole mesh"
    per_workload = per_workload.rename(columns={"viewer": "sidecar"})
    return per_workload.sort_values(_KEYS, ignore_index=True)


_SIDECARS = TypeAdapter(list[SidecarResource])


def _selector_dict(selector: str) -> dict[str, str] | None:
    """`app=reviews;version=v1` -> {"app": "reviews", "version": "v1"}; "" -> None."""
    if not selector:
        return None
    return dict(pair.split("=", 1) for pair in selector.split(";"))


def _exports(
    inventory: Inventory,
    calls: pd.DataFrame,
    knobs: Knobs,
    graph: CallGraph,
    trusted: bool,
    window_reason: str,
) -> tuple[list[tuple[object, ...]], pd.DataFrame]:
    """Recommended exportTo per Service (the cells of a ServiceExport, in `_EXPORT_FIELDS`
    order), and the (service, exported_to) rows that price it."""
    services = inventory.services[["namespace", "service", "type"]]
    keys = ["namespace", "service"]
    into = calls.rename(
        columns={"destination_namespace": "namespace", "destination_service": "service"}
    )
    meshed = into.loc[into["mesh_injected"] | into["role"].isin(GATEWAY_ROLES)]
    spaces = sorted_distinct(meshed, [*keys, "source_namespace"]).pipe(
        grouped_tuples, keys, "source_namespace"
    )
    roles = into["role"].to_numpy(dtype=object)  # compared as objects, as in outbound_calls
    outside = into.loc[roles == "outside"].groupby(keys).size()
    ingress = into.loc[roles == "ingress-gateway"].groupby(keys).size()
    rare = into.loc[into["requests"] < knobs.min_edge_requests].groupby(keys).size()
    index = pd.MultiIndex.from_frame(services[keys])
    callers = spaces.reindex(index)
    caller_lists = [c if isinstance(c, tuple) else () for c in callers.tolist()]
    others = np.array(
        [
            len([n for n in c if n != ns])
            for c, ns in zip(caller_lists, services["namespace"].tolist(), strict=True)
        ]
    )
    conditions = [
        (services["namespace"] == root_of(knobs)).to_numpy(),
        index.isin(outside.index),
        index.isin(ingress.index),
        np.array([len(c) == 0 for c in caller_lists]),
        np.full(len(services), not trusted),
        index.isin(rare.index),
        others > knobs.max_export_namespaces,
    ]
    reasons = [
        "in the mesh root namespace",
        "called from outside the mesh",
        "called by an ingress gateway",
        f"no {'observed' if graph.declared_callers is None else 'declared'} callers in the mesh",
        window_reason,
        f"a call seen fewer than {knobs.min_edge_requests:g} times over the window",
        f"called from more than {knobs.max_export_namespaces} other namespaces",
    ]
    unchanged = np.select(conditions, reasons, default="")
    exports: list[tuple[object, ...]] = []
    rows: list[tuple[str, str, str]] = []
    fallback, high = Confidence.FALLBACK.value, Confidence.HIGH.value
    # the columns as lists: iterating a frame's rows or a text column asks pandas for each cell
    cells = zip(*(services[c].tolist() for c in ("namespace", "service", "type")), strict=True)
    for (namespace, service, kind), callers_of, kept in zip(
        cells, caller_lists, unchanged.tolist(), strict=True
    ):
        extra = tuple(n for n in callers_of if n != namespace)
        if kept:
            target: tuple[str, ...] = ("*",)
            why = str(kept)
            rows.append((namespace, service, "*"))
        else:
            target = (".", *extra)
            why = _export_reason(namespace in callers_of, extra)
            rows += [(namespace, service, n) for n in (namespace, *extra)]
        exports.append(
            (namespace, service, kind, target, callers_of, fallback if kept else high, why)
        )
    export_rows = pd.DataFrame(rows, columns=["service_namespace", "service", "exported_to"])
    return exports, export_rows


_EXPORT_FIELDS = (
    "namespace",
    "service",
    "type",
    "export_to",
    "caller_namespaces",
    "confidence",
    "reason",
)
_EXPORTS = TypeAdapter(list[ServiceExport])
"""The exports are validated in one call, in this process: plain tuples come back from the
child far faster than pydantic objects (20,000 of them unpickle in 0.4 s)."""


def _export_reason(own_namespace_calls: bool, others: tuple[str, ...]) -> str:
    if not others:
        return "called only from its own namespace"
    if own_namespace_calls:
        return "called from its own namespace and " + ", ".join(others)
    return "called from " + ", ".join(others)


def _discovery(
    inventory: Inventory, calls: pd.DataFrame, trusted: bool, knobs: Knobs
) -> DiscoverySelectors:
    """The namespaces istiod should watch, and why each other namespace can be left out."""
    workloads = inventory.workloads
    services = set(inventory.services["namespace"].unique())
    everywhere = set(workloads["namespace"].unique()) | services
    meshed = workloads.loc[workloads["mesh_injected"] | workloads["role"].isin(GATEWAY_ROLES)]
    called = calls.loc[calls["mesh_injected"] | calls["role"].isin(GATEWAY_ROLES)]
    keep = {root_of(knobs)} | set(meshed["namespace"].unique())
    keep |= set(called["destination_namespace"].unique())  # one set entry per namespace, not call
    if not trusted:
        keep |= services
    excluded = tuple(
        NamespaceExclusion(
            namespace=n,
            reason="no injected workload or gateway, and no Service called from the mesh"
            if trusted
            else "no injected workload or gateway, and no Service at all",
        )
        for n in sorted(everywhere - keep)
    )
    namespaces = tuple(sorted((keep & everywhere) | {root_of(knobs)}))
    total = len(everywhere | {root_of(knobs)})
    return DiscoverySelectors(
        namespaces=namespaces,
        excluded=excluded,
        confidence=Confidence.HIGH if trusted else Confidence.FALLBACK,
        reason=f"istiod watches {len(namespaces)} of {total} namespaces",
    )
