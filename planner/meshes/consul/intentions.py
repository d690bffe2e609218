"""Consul's scoping: service intentions from the call graph (observed, declared by App Mesh, or
both: planner.scoping.callgraph; a declared call is treated as an observed one).

With transparent proxy (consul-k8s's default) a sidecar's Envoy is configured with every
upstream its service may call; while intentions allow everything (no ACLs, or an allow-all
default) that is every service of the mesh. A default deny plus one allow per observed caller
makes each proxy hold only what it calls, and is Consul's zero-trust posture as well: the same
change is a security change and a sizing one.

Rules, each a safety property the tests check:

- Every observed call from a meshed caller with a Consul service name to a service of the mesh
  is allowed: no observed caller is ever denied.
- A caller whose observation is not trusted (planner.scoping.callgraph: short or unknown
  window, a call seen too rarely, no traffic at all) falls back: it is allowed to every service
  of its own namespace and of every namespace it was seen calling, and the reason is given.
- A destination called by a meshed workload that Consul can name by no service (no Kubernetes
  Service selects it) keeps allowing every source (`*`): an intention cannot name its caller.
- Nothing else is allowed: a pair is allowed only when observed or covered by a fall-back.
- Workloads that list explicit upstreams (transparent proxy off) are configured with those;
  they get a recommended upstream list instead (what they were seen calling).

Work is on whole frames; a fall-back caller is priced by namespace grants, never by listing
the services they open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import TypeAdapter

from models.knobs import Knobs
from models.kube import DNS_LABEL
from models.plan import (
    GATEWAY_ROLES,
    Confidence,
    IntentionSource,
    ServiceIntention,
    UpstreamList,
)
from planner.frames import (
    distinct,
    grouped_dict,
    keys,
    matched,
    positions,
    recoded,
    sort_keys,
    sorted_distinct,
    stable_order,
    taken,
)
from planner.inputs.inventory import Inventory
from planner.inputs.tables import per_distinct
from planner.inputs.units import duration_text
from planner.model.envoy import Scope
from planner.model.findings import count_of
from planner.scoping.callgraph import (
    KEYS,
    CallGraph,
    caller_trust,
    outbound_calls,
)
from planner.scoping.callgraph import calls as observed_calls
from planner.scoping.names import resource_name

DEFAULT_DENY = "default-deny"
"""The name of the ServiceIntentions resource that denies every source by default."""
_DESTINATION = ["destination_namespace", "destination_service"]
_NAMES = [*KEYS, *_DESTINATION]
"""The names of an allowed pair, Categoricals in `Allowed`."""


@dataclass(frozen=True)
class Recommendation:
    """Everything the intentions recommendation holds (`scope_of` prices it).

    workloads: one row per meshed workload with a sidecar: namespace, workload, viewer (its
    Consul service name, or None), confidence, reason. The allowed pairs themselves are
    `Allowed.pairs`.
    """

    workloads: pd.DataFrame
    open: pd.DataFrame
    intentions: tuple[ServiceIntention, ...]
    upstreams: tuple[UpstreamList, ...]
    at_risk: tuple[str, ...]


@dataclass(frozen=True)
class Allowed:
    """What the intentions allow, as frames (`allowed`): enough to price them (`scope_of`);
    the resources themselves are written from it (`intentions_of`, `outcomes_of`). The calls'
    and the pairs' names (the caller's service name, `viewer`, too) are Categoricals (sorted
    categories): matched, sorted and grouped by their codes, and turned into text only where
    they are written out. A pair's `member` is its caller's row in `members`."""

    calls: pd.DataFrame
    members: pd.DataFrame
    pairs: pd.DataFrame
    open: pd.DataFrame


def allowed(
    inventory: Inventory,
    graph: CallGraph,
    knobs: Knobs,
    members: pd.DataFrame,
    mesh_services: pd.DataFrame,
) -> Allowed:
    """Every allowed pair; `scope_of` prices them and `intentions_of` writes the intentions
    from them, so that the mesh can be priced and sized under them while they are written
    (planner.meshes.consul.sizing).

    `members`: the meshed workloads with a sidecar (namespace, workload, consul_name or "",
    transparent_proxy, upstream_grants as (service_namespace, service) tuples); `mesh_services`:
    the (namespace, service) Consul knows.
    """
    # the calls to services Consul knows. Their names stay Categoricals (matched, grouped and
    # sorted by codes) until the pairs are written out as text (`_text`)
    calls = observed_calls(graph, inventory, knobs)
    calls = matched(calls, _DESTINATION, mesh_services, ["namespace", "service"])
    calls["target"] = keys(calls, *_DESTINATION)
    members = members.reset_index(drop=True).copy()
    named = members["consul_name"].astype(str) != ""
    valid = (
        named.to_numpy()
        & per_distinct(members["namespace"], _is_label).to_numpy(dtype=bool)
        & per_distinct(members["consul_name"], _is_label).to_numpy(dtype=bool)
    )
    outbound = outbound_calls(calls)
    # each outbound call's caller among the members (-1: not meshed), looked up once
    callers = positions(outbound, KEYS, members)
    members["confidence"], members["reason"] = caller_trust(
        members,
        calls,
        inventory,
        knobs,
        graph,
        valid,
        "target",
        "no Consul service name: no Kubernetes Service selects its pods (or its name is not a "
        "Kubernetes name), so no intention can name it as a source",
        outbound,
        callers,
    )
    members["viewer"] = members["consul_name"].where(valid, None)
    # a call by a member Consul can name
    named_caller = taken(members["viewer"].notna(), callers, False).astype(bool)
    pairs = _pairs(members, outbound, mesh_services, callers, named_caller)
    unnamed = outbound.loc[(callers >= 0) & ~named_caller]
    return Allowed(calls, members, pairs, _open(unnamed))


def _text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`frame` with the name `columns` as text (Categoricals turned back into it)."""
    return frame.astype(dict.fromkeys(columns, "str"))


Outcomes = tuple[tuple[UpstreamList, ...], tuple[str, ...]]
"""Upstream lists and risks (`outcomes_of`)."""


def recommendation_of(
    allowed: Allowed, intentions: tuple[ServiceIntention, ...], outcomes: Outcomes
) -> Recommendation:
    """The recommendation: what `allowed` allows, its intentions (`intentions_of`) and its
    upstream lists and risks (`outcomes_of`), each worked out apart (side by side in a large
    mesh, with the Scope that prices it: planner.meshes.consul.sizing)."""
    members = allowed.members
    return Recommendation(
        workloads=members[[*KEYS, "viewer", "confidence", "reason"]].sort_values(
            KEYS, ignore_index=True
        ),
        open=allowed.open,
        intentions=intentions,
        upstreams=outcomes[0],
        at_risk=outcomes[1],
    )


def scope_of(allowed: Allowed, mesh_services: pd.DataFrame) -> Scope:
    """The Scope that prices what `allowed` allows."""
    return _scope(allowed.members, allowed.pairs, allowed.open, mesh_services)


def intentions_of(
    allowed: Allowed, inventory: Inventory, knobs: Knobs, install_namespace: str
) -> tuple[ServiceIntention, ...]:
    """The ServiceIntentions resources of what `allowed` allows; the default deny goes into
    `install_namespace`."""
    return _intentions(
        allowed.pairs, allowed.open, allowed.members, inventory, knobs, install_namespace
    )


def outcomes_of(allowed: Allowed, mesh_services: pd.DataFrame, resources: bool = True) -> Outcomes:
    """The recommended upstream lists of workloads that list theirs, and what would break if
    the observation missed a caller: neither unless `resources` (SizingInput.resources; what
    `planner compare` reads of a plan holds neither)."""
    if not resources:
        return (), ()
    members, pairs, open_rows = allowed.members, allowed.pairs, allowed.open
    return (
        _upstreams(members, pairs, mesh_services),
        _at_risk(allowed.calls, pairs, open_rows, mesh_services, members),
    )


def _is_label(names: pd.Series) -> pd.Series:
    return names.astype(str).str.fullmatch(DNS_LABEL.pattern).astype(bool)


def _pairs(
    members: pd.DataFrame,
    outbound: pd.DataFrame,
    mesh_services: pd.DataFrame,
    callers: npt.NDArray[np.intp],
    named_caller: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """Every allowed (caller, destination): observed calls of named callers, and the fall-back
    callers' namespaces. The names come as Categoricals. `callers`: each outbound call's row in
    `members` (-1 for none); `named_caller`: whether that member has a Consul service name.
    Each pair keeps its caller's row (`member`)."""
    named = members.loc[members["viewer"].notna()]
    columns = [*KEYS, *_DESTINATION, "basis", "requests", "member"]
    observed = (
        outbound.loc[named_caller, [*KEYS, *_DESTINATION, "requests"]]
        .assign(basis="observed", member=callers[named_caller])
        .reset_index(drop=True)
    )
    fallback = named.loc[named["confidence"] != Confidence.HIGH.value, KEYS]
    called = matched(observed, KEYS, fallback)[[*KEYS, "destination_namespace"]]
    called = _text(called, [*KEYS, "destination_namespace"])
    spaces = pd.concat(
        [fallback.assign(destination_namespace=fallback["namespace"]), called],
        ignore_index=True,
    ).drop_duplicates()
    services = mesh_services[["namespace", "service"]].rename(
        columns={"namespace": "destination_namespace", "service": "destination_service"}
    )
    widened = spaces.merge(services, on="destination_namespace").assign(
        basis="fallback", requests=0.0
    )
    # a service does not call itself through the mesh: no fall-back allows it to
    own = widened.merge(named[[*KEYS, "viewer"]].assign(member=named.index), on=KEYS)
    widened = own.loc[own["destination_service"] != own["viewer"]].drop(columns="viewer")
    # each pair once, sorted: an observed pair is observed with its requests, whatever a
    # fall-back also allows (both name a pair at most once each, a fall-back with no requests)
    both = pd.concat(recoded([observed[columns], widened[columns]], _NAMES), ignore_index=True)
    pairs = sorted_distinct(both, _NAMES)
    at = pairs["member"].to_numpy(dtype=np.intp)  # every pair's caller is a named member
    pairs = pairs[[*KEYS, *_DESTINATION, "requests", "basis"]]
    # the callers' service names as a Categorical too (sorted categories, so its codes order
    # as the text does): the pairs are priced, sorted and grouped by it
    codes, names = pd.factorize(members["viewer"], sort=True)
    viewer = pd.Categorical.from_codes(codes.take(at), dtype=pd.CategoricalDtype(names))
    return pairs.assign(viewer=viewer, member=at)


def _open(unnamed: pd.DataFrame) -> pd.DataFrame:
    """Destinations called by a meshed workload Consul cannot name (`unnamed`: those calls):
    they allow every source."""
    called = _text(unnamed, [*KEYS, *_DESTINATION])
    first = called.sort_values([*_DESTINATION, *KEYS]).drop_duplicates(_DESTINATION)
    return first[[*_DESTINATION, *KEYS]].reset_index(drop=True)


def _intentions(
    pairs: pd.DataFrame,
    open_rows: pd.DataFrame,
    members: pd.DataFrame,
    inventory: Inventory,
    knobs: Knobs,
    install_namespace: str,
) -> tuple[ServiceIntention, ...]:
    """A ServiceIntentions per destination service (by its Consul name), and the default deny."""
    # one integer key per (destination, source), ordered as their text; the rows sorted by it,
    # then by basis ("fallback" before "observed"), ties in their order (a stable sort). Each
    # key's rows are then one run, in the order and with the sums of a groupby on the two
    # columns' text. A run's first row gives its names and the caller's reason, its last its
    # basis (no pair's names, basis or reason is ever missing, so these are a groupby's first
    # and last), and its requests are summed as pandas sums them
    pair = sort_keys(pairs, ["destination_service", "viewer"])
    order = stable_order(pair * 2 + (pairs["basis"].to_numpy() == "observed"))
    ordered = pair[order]
    first, after = _runs(ordered)
    at = order[first]  # each source's first row

    def picked(column: str) -> npt.NDArray[np.object_]:
        return np.asarray(pairs[column].array.take(at), dtype=object)

    observed = pairs["basis"].to_numpy()[order[after - 1]] == "observed"
    requests = _summed(pairs["requests"].to_numpy(dtype=float)[order], ordered, first)
    # the workloads behind each Service, in name order
    behind = {
        key: tuple(sorted(workloads))
        for key, workloads in grouped_dict(
            inventory.backing, ["namespace", "service"], "workload"
        ).items()
    }
    opened = open_rows.groupby("destination_service").first()
    window = knobs.traffic_window_seconds
    span = f" over {duration_text(window)}" if window is not None else ""
    declared = np.isinf(requests)
    # each reason written once, for the rows it is theirs; one text object in every row of a
    # kind (np.full would make one str per row from a numpy string)
    texts = np.empty(len(at), dtype=object)
    texts.fill("declared: a backend of its App Mesh VirtualNode")
    counted = observed & ~declared
    texts[counted] = _thousands(requests[counted], "observed ", f" requests{span}")
    fell = ~observed
    if fell.any():
        reasons = members["reason"].to_numpy(dtype=object)[pairs["member"].to_numpy()[at[fell]]]
        texts[fell] = [f"fall-back: {why}" for why in reasons]
    # the sources are sorted by destination: each destination's rows are one run of rows
    starts, ends = _runs(pairs["destination_service"].cat.codes.to_numpy()[at])
    destinations = picked("destination_service")
    fallbacks = np.add.reduceat(fell, starts) if len(starts) else starts
    listed = IntentionSource.many(
        picked("viewer").tolist(), repeat("allow"), observed.tolist(), texts.tolist()
    )
    namespaces = picked("destination_namespace").tolist()
    runs = {
        str(destinations[start]): (int(start), int(end), int(fell))
        for start, end, fell in zip(starts, ends, fallbacks, strict=True)
    }
    cells: list[dict[str, object]] = [
        {
            "namespace": install_namespace,
            "name": DEFAULT_DENY,
            "destination": "*",
            "sources": (
                IntentionSource(
                    "*", "deny", False, "deny every source a service's own intentions do not allow"
                ),
            ),
            "workloads": (),
            "confidence": Confidence.HIGH,
            "reason": "the default: a call is denied unless an intention below allows it",
        }
    ]
    unnamed = set(opened.index)
    for destination in sorted(set(runs) | unnamed):
        if destination in unnamed:
            caller = opened.loc[destination]
            namespace = str(caller["destination_namespace"])
            chosen = [
                IntentionSource(
                    "*",
                    "allow",
                    True,
                    f"called by {caller['namespace']}/{caller['workload']}, which Consul knows by "
                    "no service name: every source stays allowed",
                )
            ]
            fell = 1
        else:
            start, end, fell = runs[destination]
            namespace = namespaces[start]
            chosen = listed[start:end]
        cells.append(
            {
                "namespace": namespace,
                "name": resource_name(destination),
                "destination": destination,
                "sources": chosen,
                "workloads": behind.get((namespace, destination), ()),
                "confidence": Confidence.FALLBACK if fell else Confidence.HIGH,
                "reason": (
                    f"{fell} of {len(chosen)} sources allowed by a fall-back"
                    if fell
                    else "every source an observed caller"
                ),
            }
        )
    # validated in one call; the sources, frozen dataclasses, are taken as they are
    return tuple(_INTENTIONS.validate_python(cells))


_INTENTIONS = TypeAdapter(list[ServiceIntention])


def _runs(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Where each run of equal values of sorted `values` starts, and where it ends (the position
    after its last value)."""
    if not len(values):
        none = np.zeros(0, dtype=np.intp)
        return none, none
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    return starts, np.append(starts[1:], len(values))


def _summed(
    values: npt.NDArray[np.float64], keys: npt.NDArray[np.int64], starts: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """The sum of each run of equal sorted `keys` (starting at `starts`), as pandas' groupby sums
    `values`, to the bit. Where every run is one row and no value is missing (each source calls
    a destination from one workload, as in most meshes), that is each value as it is, without
    grouping; otherwise pandas sums them (it treats -0.0 differently when a value is missing)."""
    if len(starts) == len(values) and not np.isnan(values).any():
        return values
    return np.asarray(pd.Series(values).groupby(keys).sum(), dtype=np.float64)


def _thousands(
    values: npt.NDArray[np.float64], before: str = "", after: str = ""
) -> npt.NDArray[np.object_]:
    """Each value as `"{:,.0f}".format` writes it, between `before` and `after`: rounded half to
    even, digits grouped by commas. Numbers from +0 up to 2**53 are rounded by numpy (`rint`
    rounds the same binary value the same way) and only grouped by Python, each distinct whole
    number once (hundreds of thousands of counts hold tens of thousands of numbers); others (-0
    is written "-0") are formatted. One format per value writes the whole text."""
    prefix, suffix = (part.replace("{", "{{").replace("}", "}}") for part in (before, after))
    if len(values) and bool((~np.signbit(values) & (values < 2.0**53)).all()):
        at, numbers = pd.factorize(np.rint(values).astype(np.int64))
        texts = list(map(f"{prefix}{{:,}}{suffix}".format, numbers.tolist()))
        return np.array(texts, dtype=object)[at]
    written = map(f"{prefix}{{:,.0f}}{suffix}".format, values.tolist())
    return np.array(list(written), dtype=object)


def _upstreams(
    members: pd.DataFrame, pairs: pd.DataFrame, mesh_services: pd.DataFrame
) -> tuple[UpstreamList, ...]:
    """For workloads with explicit upstreams: what they were seen calling, kept beside what they
    list today (a fall-back keeps its current list and adds what it was seen calling)."""
    explicit = members.loc[~members["transparent_proxy"].astype(bool)]
    if explicit.empty:
        return ()
    # what each of them was seen calling, grouped once for all of them
    observed = matched(pairs.loc[pairs["basis"] == "observed"], KEYS, explicit)
    seen_by = grouped_dict(_text(observed, _NAMES), KEYS, "destination_service")
    out = []
    for namespace, workload, grants, confidence, reason in zip(
        explicit["namespace"],
        explicit["workload"],
        explicit["upstream_grants"],
        explicit["confidence"],
        explicit["reason"],
        strict=True,
    ):
        seen = sorted(set(seen_by.get((namespace, workload), ())))
        current = tuple(sorted({str(service) for _, service in grants}))
        high = confidence == Confidence.HIGH.value
        wanted = seen if high else sorted(set(seen) | set(current))
        out.append(
            UpstreamList(
                namespace=str(namespace),
                workload=str(workload),
                upstreams=tuple(wanted),
                current=current,
                confidence=Confidence.HIGH if high else Confidence.FALLBACK,
                reason=str(reason) if not high else "the services it was seen calling",
            )
        )
    return tuple(out)


def _scope(
    members: pd.DataFrame,
    pairs: pd.DataFrame,
    open_rows: pd.DataFrame,
    mesh_services: pd.DataFrame,
) -> Scope:
    """The Scope that prices the recommendation: a transparent-proxy workload sees what its
    service is allowed to call (intentions are by source service, so every workload of one
    service name sees the union); an explicit one sees its recommended upstreams. `pairs`'
    names may be Categoricals; the Scope's are text, but for its service grants (hundreds of
    thousands of rows), which keep the pairs' Categoricals: they are matched by their codes
    (planner.model.envoy prices them), and text would be hashed again row by row."""
    transparent = members["transparent_proxy"].astype(bool)
    # gateways are configured by their routes, not intentions: they keep the whole mesh
    sidecar = ~members["role"].isin(GATEWAY_ROLES)
    tp = members.loc[transparent & sidecar & members["viewer"].notna(), [*KEYS, "viewer"]]
    explicit = members.loc[~transparent & sidecar, KEYS]
    explicit = explicit.assign(viewer="upstreams:" + explicit["workload"])
    allowed = matched(pairs, KEYS, tp)
    fallback_spaces = allowed.loc[allowed["basis"] == "fallback"]
    exact = allowed.loc[allowed["basis"] == "observed"]
    explicit_pairs = matched(pairs, KEYS, explicit)
    explicit_pairs = explicit_pairs.loc[explicit_pairs["basis"] == "observed"].assign(
        viewer=lambda f: "upstreams:" + f["workload"].astype(str)
    )
    # the viewers stay a Categorical (text and a Categorical concatenated would be text)
    grants = pd.concat(recoded([exact, explicit_pairs], ["viewer"]), ignore_index=True)
    namespace_grants = _text(
        distinct(fallback_spaces[["namespace", "viewer", "destination_namespace"]]),
        ["namespace", "destination_namespace"],
    ).rename(columns={"destination_namespace": "service_namespace"})
    service_grants = distinct(grants[["namespace", "viewer", *_DESTINATION]]).rename(
        columns={"destination_namespace": "service_namespace", "destination_service": "service"}
    )
    return Scope(
        viewers=pd.concat([tp, explicit], ignore_index=True),
        namespace_grants=namespace_grants.reset_index(drop=True),
        service_grants=service_grants.reset_index(drop=True),
        exports=pd.DataFrame(columns=["service_namespace", "service", "exported_to"]),
        discovered=None,
        open=open_rows[_DESTINATION].rename(
            columns={"destination_namespace": "service_namespace", "destination_service": "service"}
        ),
    )


def _at_risk(
    calls: pd.DataFrame,
    pairs: pd.DataFrame,
    open_rows: pd.DataFrame,
    mesh_services: pd.DataFrame,
    members: pd.DataFrame,
) -> tuple[str, ...]:
    """What would break if the observation missed a caller, worst first. The names of `calls`
    and `pairs` may be Categoricals."""
    allowed_to = distinct(pairs[_DESTINATION])
    called = set(
        zip(allowed_to["destination_namespace"], allowed_to["destination_service"], strict=True)
    )
    called |= set(
        zip(open_rows["destination_namespace"], open_rows["destination_service"], strict=True)
    )
    gateway_names = set(
        zip(
            members.loc[members["role"].isin(GATEWAY_ROLES), "namespace"],
            members.loc[members["role"].isin(GATEWAY_ROLES), "consul_name"],
            strict=True,
        )
    )
    from_outside = set(
        zip(
            calls.loc[~calls["mesh_injected"], "destination_namespace"],
            calls.loc[~calls["mesh_injected"], "destination_service"],
            strict=True,
        )
    )
    excluded = called | from_outside | gateway_names
    uncalled = sorted(
        f"{ns}/{svc}"
        for ns, svc in zip(
            mesh_services["namespace"].tolist(), mesh_services["service"].tolist(), strict=True
        )
        if (ns, svc) not in excluded
    )
    out = []
    if uncalled:
        shown = ", ".join(uncalled[:10]) + (
            f" and {len(uncalled) - 10} more" if len(uncalled) > 10 else ""
        )
        out.append(
            "no caller observed, so the default deny refuses every source: "
            f"{count_of(len(uncalled), 'service')}; a caller the window missed (a monthly job, "
            f"a failover path) is refused ({shown})"
        )
    # from outside the mesh: callers the inventory does not have, or has without a sidecar
    outside = calls.loc[(calls["role"] == "outside") | ~calls["mesh_injected"]]
    destinations = zip(
        outside["destination_namespace"], outside["destination_service"], strict=True
    )
    outside = outside.loc[[key not in gateway_names for key in destinations]]
    if len(outside):
        targets = sorted(set(outside["target"]))
        out.append(
            f"called from outside the mesh: {count_of(len(targets), 'service')}; intentions do not "
            "govern those calls, the mesh's mTLS mode does; check that it stays as it is "
            f"({', '.join(targets[:10])}{' and more' if len(targets) > 10 else ''})"
        )
    fallbacks = members.loc[
        (members["confidence"] != Confidence.HIGH.value) & members["viewer"].notna()
    ]
    if len(fallbacks):
        out.append(
            "namespace-level intentions for a fall-back: "
            f"{count_of(len(fallbacks), 'workload')}; their calls outside their own namespace "
            "and the namespaces they were seen calling are denied"
        )
    out.append(
        "a caller the observation missed gets a connection refused (RBAC) from the destination's "
        "proxy; watch the proxies' RBAC denials after applying, and keep the previous intentions "
        "at hand to roll back"
    )
    return tuple(out)
