"""AWS App Mesh resources in manifests: the declared call graph.

App Mesh declares what each workload calls: a `VirtualNode` selects pods (`podSelector`) and
lists its `backends` (VirtualServices, by reference or ARN); a `VirtualService` is provided by a
node or by a `VirtualRouter` whose routes send weighted traffic to nodes; a `VirtualGateway`
selects gateway pods and its `GatewayRoute`s target VirtualServices. Read together they give,
without any observed traffic, the graph a migration must preserve:

- a caller is every workload its node selects (or, for a gateway route, every workload its
  VirtualGateway selects);
- it calls the Kubernetes Service the VirtualService's name resolves to (`awsName`, as DNS: the
  Service the application dials), and the Services of every node that provides it, directly or
  through a router's targets (where the traffic lands); `destination_workload` names the workloads
  those nodes select;
- a backend whose VirtualService has no provider and resolves to no Service of the manifests is
  external (a DNS name outside the cluster).

Inconsistencies are findings, never errors: a backend naming a missing VirtualService, a provider
or route target naming a missing node or router, a node or gateway whose selector matches no
workload. Work is per App Mesh object (a few per workload), not per pair of workloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.plan import Finding

API_GROUP = "appmesh.k8s.aws"
_ROUTE_KINDS = ("httpRoute", "http2Route", "grpcRoute", "tcpRoute")
EDGE_COLUMNS = [
    "source_namespace",
    "source_workload",
    "destination_namespace",
    "destination_service",
    "destination_workload",
    "virtual_service",
    "via",
]


@dataclass(frozen=True)
class DeclaredGraph:
    """The call graph App Mesh declares.

    edges: one row per (caller workload, destination Service, destination workload): the
        columns of EDGE_COLUMNS; `destination_service` is "" where the target has no Service
        (a node found by Cloud Map), `destination_workload` "" for the DNS-name Service.
    gateways: (namespace, workload) of the workloads a VirtualGateway selects.
    callers: (namespace, workload) of every workload whose calls are declared: selected by a
        VirtualNode (its backends, possibly none) or a VirtualGateway (its routes' targets).
    external: (source_namespace, source_workload, virtual_service, host) for backends outside.
    counts: (what, how many) of the objects read and of the route features a migration must
        translate by hand (routes, weighted routes, routes with retries or timeouts), sorted.
    """

    edges: pd.DataFrame
    gateways: pd.DataFrame
    callers: pd.DataFrame
    external: pd.DataFrame
    findings: tuple[Finding, ...]
    counts: tuple[tuple[str, int], ...] = ()

    def count(self, what: str) -> int:
        """How many of `what` (an App Mesh kind, or `route`, `weighted route`, `route with
        retries or timeouts`) the manifests hold."""
        return dict(self.counts).get(what, 0)


@dataclass(frozen=True)
class _Node:
    namespace: str
    name: str
    workloads: tuple[str, ...]
    services: tuple[str, ...]
    backends: tuple[tuple[str, str], ...]  # (namespace, VirtualService name)


def is_appmesh(document: Mapping[str, Any]) -> bool:
    """Whether a manifest object is an App Mesh resource."""
    return str(document.get("apiVersion", "")).split("/")[0] == API_GROUP


def _spec(document: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = document.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _key(document: Mapping[str, Any], default_namespace: str) -> tuple[str, str]:
    metadata = document.get("metadata") or {}
    return str(metadata.get("namespace") or default_namespace), str(metadata.get("name", ""))


def _labels(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(";") if "=" in pair)


def _selected(
    selector: Mapping[str, Any] | None, namespace: str, workloads: pd.DataFrame
) -> tuple[str, ...]:
    """Workloads of `namespace` whose pod labels hold every pair of `selector`'s matchLabels
    (an empty selector selects every workload of the namespace, as App Mesh's does)."""
    wanted = dict((selector or {}).get("matchLabels") or {})
    found = []
    here = workloads.loc[workloads["namespace"] == namespace]
    for workload, labels in zip(here["workload"], here["labels"], strict=True):
        have = _labels(str(labels))
        if all(have.get(str(k)) == str(v) for k, v in wanted.items()):
            found.append(str(workload))
    return tuple(sorted(found))


def _host_service(host: str, services: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The Service a cluster DNS name (`svc.ns.svc.cluster.local`, `svc.ns`) names, if any."""
    parts = host.strip(".").split(".")
    if len(parts) >= 2 and (parts[1], parts[0]) in services:
        return parts[1], parts[0]
    return None


def _backend(
    entry: Mapping[str, Any], namespace: str, by_aws_name: dict[str, tuple[str, str]]
) -> tuple[str, str] | None:
    """(namespace, VirtualService name) a backend names, or None when it names none."""
    service = entry.get("virtualService") if isinstance(entry, Mapping) else None
    if not isinstance(service, Mapping):
        return None
    ref = service.get("virtualServiceRef")
    if isinstance(ref, Mapping) and ref.get("name"):
        return str(ref.get("namespace") or namespace), str(ref["name"])
    arn = str(service.get("virtualServiceARN") or "")
    if arn:
        name = arn.rsplit("/", 1)[-1]
        return by_aws_name.get(name, ("", name))
    return None


def read_appmesh(
    documents: Iterable[Mapping[str, Any]],
    workloads: pd.DataFrame,
    services: pd.DataFrame,
    backing: pd.DataFrame,
    label: str,
    default_namespace: str = "default",
) -> DeclaredGraph:
    """The declared graph of the App Mesh objects in `documents`, over the inventory's
    workloads (namespace, workload, labels as `k=v;k=v`), Services and backing rows. `label`
    names the file in findings."""
    objects: dict[str, dict[tuple[str, str], Mapping[str, Any]]] = {}
    for document in documents:
        if isinstance(document, Mapping) and is_appmesh(document):
            kind = str(document.get("kind", ""))
            objects.setdefault(kind, {})[_key(document, default_namespace)] = document
    known = set(zip(services["namespace"], services["service"], strict=True))
    backed: dict[tuple[str, str], list[str]] = {}
    for namespace, service, workload in zip(
        backing["namespace"], backing["service"], backing["workload"], strict=True
    ):
        backed.setdefault((namespace, workload), []).append(service)
    findings: list[Finding] = []
    virtual_services = objects.get("VirtualService", {})
    by_aws_name = {
        str(_spec(d).get("awsName") or key[1]): key for key, d in virtual_services.items()
    }
    nodes = {
        key: _node(key, document, workloads, known, backed, by_aws_name, findings, label)
        for key, document in sorted(objects.get("VirtualNode", {}).items())
    }
    routers = objects.get("VirtualRouter", {})
    providers = {
        key: _providers(key, document, routers, nodes, findings, label)
        for key, document in sorted(virtual_services.items())
    }
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    external: list[tuple[str, str, str, str]] = []

    def calls(namespace: str, callers: tuple[str, ...], target: tuple[str, str], what: str) -> None:
        if target not in virtual_services:
            findings.append(
                Finding(
                    code="appmesh-missing-virtual-service",
                    subject=f"{label}: {what}",
                    message=f"names VirtualService {target[0]}/{target[1]}, which the manifests "
                    "do not hold: its calls are left out of the declared graph",
                )
            )
            return
        host = str(_spec(virtual_services[target]).get("awsName") or target[1])
        dialed = _host_service(host, known)
        provided = providers[target]
        if dialed is None and not provided:
            external.extend((namespace, c, target[1], host) for c in callers)
            return
        for caller in callers:
            if dialed is not None:
                rows.append((namespace, caller, *dialed, "", target[1], "dialed"))
            for node in provided:
                for service in node.services or ("",):
                    for workload in node.workloads:
                        rows.append(
                            (namespace, caller, node.namespace, service, workload, target[1],
                             "route target")
                        )  # fmt: skip

    for node in nodes.values():
        for backend in node.backends:
            calls(
                node.namespace, node.workloads, backend, f"VirtualNode {node.namespace}/{node.name}"
            )
    gateways = _gateways(objects, workloads, findings, label, default_namespace)
    for (namespace, name), targets in _gateway_routes(objects, default_namespace).items():
        callers = gateways.get((namespace, name), ())
        for target in targets:
            calls(namespace, callers, target, f"GatewayRoute of VirtualGateway {namespace}/{name}")
    edges = (
        pd.DataFrame(rows, columns=EDGE_COLUMNS)
        .drop_duplicates()
        .sort_values(EDGE_COLUMNS, ignore_index=True)
    )
    gateway_rows = sorted({(ns, w) for (ns, _), ws in gateways.items() for w in ws})
    caller_rows = sorted(
        {(node.namespace, w) for node in nodes.values() for w in node.workloads} | set(gateway_rows)
    )
    return DeclaredGraph(
        edges=edges,
        gateways=pd.DataFrame(gateway_rows, columns=["namespace", "workload"]),
        callers=pd.DataFrame(caller_rows, columns=["namespace", "workload"]),
        external=pd.DataFrame(
            sorted(set(external)),
            columns=["source_namespace", "source_workload", "virtual_service", "host"],
        ),
        findings=tuple(findings),
        counts=_counts(objects),
    )


def _counts(
    objects: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
) -> tuple[tuple[str, int], ...]:
    """Objects by kind, and the routes' features a migration translates by hand."""
    counts = {kind: len(found) for kind, found in objects.items()}
    routes = weighted = policies = 0
    for document in objects.get("VirtualRouter", {}).values():
        for route in _spec(document).get("routes") or []:
            for kind in _ROUTE_KINDS:
                body = (route or {}).get(kind) if isinstance(route, Mapping) else None
                if not isinstance(body, Mapping):
                    continue
                routes += 1
                targets = (body.get("action") or {}).get("weightedTargets") or []
                weighted += len(targets) > 1
                policies += bool(body.get("retryPolicy") or body.get("timeout"))
    counts.update(
        {"route": routes, "weighted route": weighted, "route with retries or timeouts": policies}
    )
    return tuple(sorted((k, v) for k, v in counts.items() if v))


def _node(
    key: tuple[str, str],
    document: Mapping[str, Any],
    workloads: pd.DataFrame,
    known: set[tuple[str, str]],
    backed: dict[tuple[str, str], list[str]],
    by_aws_name: dict[str, tuple[str, str]],
    findings: list[Finding],
    label: str,
) -> _Node:
    namespace, name = key
    spec = _spec(document)
    selected = _selected(spec.get("podSelector"), namespace, workloads)
    if not selected:
        findings.append(
            Finding(
                code="appmesh-selects-nothing",
                subject=f"{label}: VirtualNode {namespace}/{name}",
                message="its podSelector matches no workload of the manifests: it is sized for "
                "no pod, and its backends are nobody's",
            )
        )
    discovery = spec.get("serviceDiscovery") or {}
    dns = discovery.get("dns") if isinstance(discovery, Mapping) else None
    named = _host_service(str(dns.get("hostname", "")), known) if isinstance(dns, Mapping) else None
    if named is not None and named[0] == namespace:
        found: tuple[str, ...] = (named[1],)
    else:  # Cloud Map, or a DNS name that is not a Service: the Services selecting its pods
        found = tuple(sorted({s for w in selected for s in backed.get((namespace, w), [])}))
    backends = []
    for entry in spec.get("backends") or []:
        target = _backend(entry, namespace, by_aws_name)
        if target is not None:
            backends.append(target)
    return _Node(namespace, name, selected, found, tuple(backends))


def _providers(
    key: tuple[str, str],
    document: Mapping[str, Any],
    routers: Mapping[tuple[str, str], Mapping[str, Any]],
    nodes: Mapping[tuple[str, str], _Node],
    findings: list[Finding],
    label: str,
) -> tuple[_Node, ...]:
    """The nodes a VirtualService's traffic lands on: its node, or its router's targets."""
    namespace, name = key
    provider = _spec(document).get("provider") or {}
    wanted: list[tuple[str, str]] = []
    if isinstance(provider.get("virtualNode"), Mapping):
        ref = provider["virtualNode"].get("virtualNodeRef") or {}
        wanted.append((str(ref.get("namespace") or namespace), str(ref.get("name", ""))))
    elif isinstance(provider.get("virtualRouter"), Mapping):
        ref = provider["virtualRouter"].get("virtualRouterRef") or {}
        router = (str(ref.get("namespace") or namespace), str(ref.get("name", "")))
        if router not in routers:
            findings.append(
                Finding(
                    code="appmesh-missing-router",
                    subject=f"{label}: VirtualService {namespace}/{name}",
                    message=f"is provided by VirtualRouter {router[0]}/{router[1]}, which the "
                    "manifests do not hold",
                )
            )
        else:
            for route in _spec(routers[router]).get("routes") or []:
                for kind in _ROUTE_KINDS:
                    action = ((route or {}).get(kind) or {}).get("action") or {}
                    for target in action.get("weightedTargets") or []:
                        ref = (target or {}).get("virtualNodeRef") or {}
                        wanted.append(
                            (str(ref.get("namespace") or router[0]), str(ref.get("name", "")))
                        )
    found = []
    for target in dict.fromkeys(wanted):
        if target in nodes:
            found.append(nodes[target])
        else:
            findings.append(
                Finding(
                    code="appmesh-missing-node",
                    subject=f"{label}: VirtualService {namespace}/{name}",
                    message=f"sends traffic to VirtualNode {target[0]}/{target[1]}, which the "
                    "manifests do not hold",
                )
            )
    return tuple(found)


def _gateways(
    objects: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]],
    workloads: pd.DataFrame,
    findings: list[Finding],
    label: str,
    default_namespace: str,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The workloads each VirtualGateway selects, in its own namespace."""
    out = {}
    for (namespace, name), document in sorted(objects.get("VirtualGateway", {}).items()):
        selected = _selected(_spec(document).get("podSelector"), namespace, workloads)
        if not selected:
            findings.append(
                Finding(
                    code="appmesh-selects-nothing",
                    subject=f"{label}: VirtualGateway {namespace}/{name}",
                    message="its podSelector matches no workload of the manifests",
                )
            )
        out[(namespace, name)] = selected
    return out


def _gateway_routes(
    objects: Mapping[str, Mapping[tuple[str, str], Mapping[str, Any]]], default_namespace: str
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Per VirtualGateway, the VirtualServices its GatewayRoutes target. A GatewayRoute belongs
    to the VirtualGateway of its namespace (App Mesh matches them by the gateway's
    namespaceSelector; the walkthroughs keep one gateway per namespace)."""
    gateways = sorted(objects.get("VirtualGateway", {}))
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (namespace, _), document in sorted(objects.get("GatewayRoute", {}).items()):
        owners = [g for g in gateways if g[0] == namespace] or gateways[:1]
        for kind in _ROUTE_KINDS:
            action = (_spec(document).get(kind) or {}).get("action") or {}
            service = (action.get("target") or {}).get("virtualService") or {}
            ref = service.get("virtualServiceRef") or {}
            if ref.get("name"):
                target = (str(ref.get("namespace") or namespace), str(ref["name"]))
                for owner in owners:
                    out.setdefault(owner, []).append(target)
    return out
