"""Envoy's cost, shared by every Envoy-based mesh: the configuration each proxy holds (which
Services it sees and what they put into Envoy), and the CPU and memory that costs.

    estimated CPU    = idle + (HTTP rps + L4 rps x TCP ratio) through the proxy per pod / 1000
                       x CPU per 1000 rps
    estimated memory = base + (clusters x (per cluster + workers x per cluster-worker)
                       + endpoints x per endpoint
                       + listeners x (per listener + workers x per listener-worker)) / 2^20

A Service puts into every proxy that sees it one outbound cluster per proxied port and, per port,
one endpoint per pod behind it; each TCP port (planner.inputs.protocols) also gets a listener on the
Service's address, while HTTP ports share one listener per port number. Headless Services have
no endpoints but one listener per pod and non-HTTP port (Istio's own scoping guide: headless
changes "scale with the number of instances"). ExternalName Services and ServiceEntries resolve
by DNS: one cluster and one endpoint per port. UDP ports are not proxied.

Without scoping every sidecar sees every Service of the cluster. Scoping (Istio's `Sidecar`
resources, `exportTo` and discovery selectors) narrows that, given here as a `Scope`, so the same
sizing model prices the scoped and the unscoped mesh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from models.plan import Formula, Term
from models.profile import Coefficient
from planner.frames import distinct, grouped_integers, positions, require, taken
from planner.inputs.inventory import Inventory
from planner.inputs.protocols import PORT_COUNTS
from planner.model.sizing import MIB, Floats, proxy_cpu_millicores

CONFIG_COLUMNS = ("visible_services", "visible_clusters", "visible_endpoints", "visible_listeners")

_DNS_TYPES = ("ExternalName", "ServiceEntry")


class EnvoyProxy(Protocol):
    """What every Envoy-based mesh's proxy group holds besides its version figures."""

    @property
    def idle_cpu_millicores(self) -> Coefficient: ...
    @property
    def tcp_cpu_ratio(self) -> Coefficient: ...
    @property
    def memory_per_listener_bytes(self) -> Coefficient: ...
    @property
    def memory_per_worker_per_cluster_bytes(self) -> Coefficient: ...
    @property
    def memory_per_worker_per_listener_bytes(self) -> Coefficient: ...
    @property
    def concurrency(self) -> Coefficient: ...


class EnvoyVersion(Protocol):
    """The figures that change with the Envoy (and mesh) version."""

    @property
    def cpu_per_1000_rps_millicores(self) -> Coefficient: ...
    @property
    def base_memory_mib(self) -> Coefficient: ...


class EnvoyObjects(Protocol):
    """Envoy's per-object costs of one period."""

    @property
    def memory_per_cluster_bytes(self) -> Coefficient: ...
    @property
    def memory_per_endpoint_bytes(self) -> Coefficient: ...


@dataclass(frozen=True)
class EnvoyCosts:
    """The coefficients of Envoy's cost for one mesh version (a mesh's profile gives them)."""

    idle_cpu_millicores: float
    cpu_per_1000_rps_millicores: float
    tcp_cpu_ratio: float
    base_memory_mib: float
    memory_per_cluster_bytes: float
    memory_per_endpoint_bytes: float
    memory_per_listener_bytes: float
    memory_per_worker_per_cluster_bytes: float
    memory_per_worker_per_listener_bytes: float
    workers: float

    @classmethod
    def of(
        cls,
        proxy: EnvoyProxy,
        version: EnvoyVersion,
        objects: EnvoyObjects,
        beside_cpu_millicores: float = 0.0,
        beside_memory_mib: float = 0.0,
    ) -> EnvoyCosts:
        """The costs a mesh's profile gives: its proxy group, its version figures and Envoy's
        per-object costs, plus what runs beside Envoy in the same container (Consul's
        dataplane process) at idle."""
        return cls(
            idle_cpu_millicores=proxy.idle_cpu_millicores.value + beside_cpu_millicores,
            cpu_per_1000_rps_millicores=version.cpu_per_1000_rps_millicores.value,
            tcp_cpu_ratio=proxy.tcp_cpu_ratio.value,
            base_memory_mib=version.base_memory_mib.value + beside_memory_mib,
            memory_per_cluster_bytes=objects.memory_per_cluster_bytes.value,
            memory_per_endpoint_bytes=objects.memory_per_endpoint_bytes.value,
            memory_per_listener_bytes=proxy.memory_per_listener_bytes.value,
            memory_per_worker_per_cluster_bytes=proxy.memory_per_worker_per_cluster_bytes.value,
            memory_per_worker_per_listener_bytes=proxy.memory_per_worker_per_listener_bytes.value,
            workers=proxy.concurrency.value,
        )

    def formulas(self, proxy: str = "sidecar") -> tuple[Formula, Formula]:
        """The `sidecar CPU` and `sidecar memory` formulas with these costs' figures (`proxy`
        names the proxies they size)."""
        per_cluster, per_endpoint, per_listener = self.bytes_per_object()
        return (
            Formula(
                name=f"{proxy} CPU (millicores)",
                expression=f"{self.idle_cpu_millicores:g} + rps through the proxy per pod / "
                f"1000 x {self.cpu_per_1000_rps_millicores:g}",
            ),
            Formula(
                name=f"{proxy} memory (MiB)",
                expression=f"{self.base_memory_mib:g} + (clusters x {per_cluster:,.0f} B + "
                f"endpoints x {per_endpoint:,.0f} B + listeners x {per_listener:,.0f} B) / 2^20",
            ),
        )

    def bytes_per_object(self) -> tuple[float, float, float]:
        """Bytes one cluster, one endpoint and one listener cost a proxy, at its worker count."""
        per_cluster = (
            self.memory_per_cluster_bytes + self.workers * self.memory_per_worker_per_cluster_bytes
        )
        per_listener = (
            self.memory_per_listener_bytes
            + self.workers * self.memory_per_worker_per_listener_bytes
        )
        return per_cluster, self.memory_per_endpoint_bytes, per_listener


def memory_terms(per_cluster: str, per_endpoint: str) -> tuple[Term, ...]:
    """Envoy's memory terms as a plan states them (`proxy_model.memory_terms`): the names of
    the per-cluster and per-endpoint coefficients, which change with the Envoy a mesh version
    ships; the rest are the `proxy` group's, at `proxy.concurrency` worker threads."""
    return (
        Term(driver="visible_clusters", coefficient=per_cluster, divisor=MIB),
        Term(
            driver="visible_clusters",
            coefficient="proxy.memory_per_worker_per_cluster_bytes",
            factor="proxy.concurrency",
            divisor=MIB,
        ),
        Term(driver="visible_endpoints", coefficient=per_endpoint, divisor=MIB),
        Term(
            driver="visible_listeners", coefficient="proxy.memory_per_listener_bytes", divisor=MIB
        ),
        Term(
            driver="visible_listeners",
            coefficient="proxy.memory_per_worker_per_listener_bytes",
            factor="proxy.concurrency",
            divisor=MIB,
        ),
    )


def estimated_cpu_millicores(
    rps_per_pod: Floats, costs: EnvoyCosts, l4_rps_per_pod: Floats | None = None
) -> Floats:
    """Expected proxy CPU per pod from the requests per second through it, of which
    `l4_rps_per_pod` go to Services it proxies at L4 (priced at the TCP ratio)."""
    l4 = np.zeros_like(rps_per_pod) if l4_rps_per_pod is None else l4_rps_per_pod
    return proxy_cpu_millicores(
        rps_per_pod,
        l4,
        costs.idle_cpu_millicores,
        costs.cpu_per_1000_rps_millicores,
        costs.tcp_cpu_ratio,
    )


def estimated_memory_mib(
    clusters: Floats, endpoints: Floats, listeners: Floats, costs: EnvoyCosts
) -> Floats:
    """Expected proxy memory per pod from the configuration it holds."""
    per_cluster, per_endpoint, per_listener = costs.bytes_per_object()
    config_bytes = clusters * per_cluster + endpoints * per_endpoint + listeners * per_listener
    return costs.base_memory_mib + config_bytes / MIB


ESTIMATE_NEEDS = (
    "rps_per_pod",
    "l4_rps_per_pod",
    "visible_clusters",
    "visible_endpoints",
    "visible_listeners",
)


def estimate(proxies: pd.DataFrame, costs: EnvoyCosts) -> pd.DataFrame:
    """Add Envoy's expected CPU and memory per pod to a frame of proxies."""
    require(proxies, ESTIMATE_NEEDS, "estimate")
    out = proxies.copy()
    out["estimated_cpu_millicores"] = estimated_cpu_millicores(
        out["rps_per_pod"].to_numpy(dtype=np.float64),
        costs,
        out["l4_rps_per_pod"].to_numpy(dtype=np.float64),
    )
    out["estimated_memory_mib"] = estimated_memory_mib(
        out["visible_clusters"].to_numpy(dtype=np.float64),
        out["visible_endpoints"].to_numpy(dtype=np.float64),
        out["visible_listeners"].to_numpy(dtype=np.float64),
        costs,
    )
    return out


def service_config(inventory: Inventory) -> pd.DataFrame:
    """Per Service: the pods behind it and the clusters, endpoints, listeners it costs a proxy."""
    services = inventory.services
    require(services, ("namespace", "service", "ports", "type", *PORT_COUNTS), "service_config")
    out = services[["namespace", "service", "ports", "type", *PORT_COUNTS]].copy()
    # the replicas of the workloads behind each Service, summed: each backing row's workload
    # and Service looked up by codes (one row per workload, one per Service)
    backing, workloads = inventory.backing, inventory.workloads
    behind = positions(backing, ["namespace", "workload"], workloads)
    backing = backing.loc[behind >= 0]
    service = positions(backing, ["namespace", "service"], services)
    replicas = workloads["replicas"].to_numpy(dtype=np.int64)[behind[behind >= 0]]
    out["pods"] = np.bincount(
        service[service >= 0], weights=replicas[service >= 0], minlength=len(services)
    ).astype(np.int64)  # whole numbers: exact
    ports = (out["ports"] - out["udp_ports"]).to_numpy(dtype=np.int64)
    own_listener = (out["ports"] - out["udp_ports"] - out["http_ports"]).to_numpy(dtype=np.int64)
    pod_count = out["pods"].to_numpy(dtype=np.int64)
    headless = out["type"].eq("Headless").to_numpy()
    dns = out["type"].isin(_DNS_TYPES).to_numpy()
    out["clusters"] = np.where(dns, np.maximum(ports, 1), ports)
    out["endpoints"] = np.where(headless, 0, np.where(dns, np.maximum(ports, 1), ports * pod_count))
    out["listeners"] = np.where(
        headless, own_listener * pod_count, out["tcp_ports"].to_numpy(dtype=np.int64)
    )
    return out


@dataclass(frozen=True)
class Scope:
    """What each proxy sees once scoping is applied.

    Workloads are mapped to viewers (the `Sidecar` that selects them); grants belong to viewers,
    so a Sidecar shared by many workloads is priced once.

    viewers: (namespace, workload, viewer). Workloads absent see the whole mesh.
    namespace_grants: (namespace, viewer, service_namespace): every Service of that namespace
        exported to the viewer's namespace (an egress host `ns/*`).
    service_grants: (namespace, viewer, service_namespace, service): one Service (`ns/host`).
    exports: (service_namespace, service, exported_to): a Service is visible from namespace
        `exported_to`, or from all when it is "*" (`exportTo`); Services absent: all.
    discovered: the namespaces istiod watches (discovery selectors); None watches all.
    open: (service_namespace, service): Services every viewer sees whatever its grants (a
        Consul intention that allows every source); None for none. Exports do not apply.
    """

    viewers: pd.DataFrame
    namespace_grants: pd.DataFrame
    service_grants: pd.DataFrame
    exports: pd.DataFrame
    discovered: frozenset[str] | None
    open: pd.DataFrame | None = None


_COSTS = ["clusters", "endpoints", "listeners"]
_SUMS = ["visible_services", *_COSTS]


def proxy_config(
    proxies: pd.DataFrame,
    services: pd.DataFrame,
    backing: pd.DataFrame,
    *,
    fixed_clusters: int,
    inbound_listeners_per_port: float = 0.0,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Add the configuration each proxy holds to `proxies` (one row per workload).

    `services` is `service_config`'s frame. Without `scope` every proxy sees every Service, as
    Istio does before scoping. A proxy also holds one inbound cluster per port of the Services it
    backs (and, in mesh versions that had them, `inbound_listeners_per_port` listeners per such
    port), and the fixed clusters of the profile. Work is linear in grants and Services:
    namespace grants are priced from per-namespace sums, never by listing each Service they open.
    """
    require(proxies, ("namespace", "workload"), "proxy_config")
    out = proxies.copy()
    everything = services[_COSTS].sum()
    whole_mesh = {"visible_services": len(services), **{c: int(everything[c]) for c in _COSTS}}
    seen = {c: np.full(len(out), whole_mesh[c], dtype=np.int64) for c in _SUMS}
    if scope is not None:
        per_viewer = _scoped_config(services, scope)
        # each proxy's row among the viewers (a workload absent sees the whole mesh), and that
        # viewer's row among the priced ones (a viewer granted nothing sees nothing): looked up
        # by codes, as merges on the names would find them
        viewers = scope.viewers
        at = positions(out, ["namespace", "workload"], viewers)
        scoped = np.flatnonzero(at >= 0)
        priced = positions(viewers, ["namespace", "viewer"], per_viewer)[at[scoped]]
        for column in _SUMS:
            seen[column][scoped] = taken(per_viewer[column], priced, 0).astype(np.int64)
    # the ports of the Services each proxy's workload backs: one inbound cluster each
    behind = positions(backing, ["namespace", "workload"], out)
    service = positions(backing, ["namespace", "service"], services)
    both = (behind >= 0) & (service >= 0)
    ports = services["ports"].to_numpy(dtype=np.float64)[service[both]]
    inbound = np.bincount(behind[both], weights=ports, minlength=len(out)).astype(np.int64)
    out["visible_services"] = seen["visible_services"]
    out["visible_clusters"] = seen["clusters"] + inbound + fixed_clusters
    out["visible_endpoints"] = seen["endpoints"]
    out["visible_listeners"] = seen["listeners"] + np.round(
        inbound.astype(np.float64) * inbound_listeners_per_port
    ).astype(np.int64)
    return out


def _scoped_config(services: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Per (namespace, viewer): Services seen and their clusters, endpoints, listeners."""
    priced = services.rename(columns={"namespace": "service_namespace"}).assign(visible_services=1)
    if scope.discovered is not None:
        priced = priced.loc[priced["service_namespace"].isin(sorted(scope.discovered))]
    exported = priced.merge(scope.exports, on=["service_namespace", "service"], how="left")
    exported["exported_to"] = exported["exported_to"].fillna("*")
    per_target = exported.groupby(["service_namespace", "exported_to"], as_index=False)[_SUMS].sum()
    viewer = ["namespace", "viewer"]
    grants = scope.namespace_grants[[*viewer, "service_namespace"]].drop_duplicates()
    everyone = grants.merge(
        per_target.loc[per_target["exported_to"] == "*"].drop(columns="exported_to"),
        on="service_namespace",
    )
    specific = grants.merge(
        per_target.rename(columns={"exported_to": "namespace"}),
        on=["service_namespace", "namespace"],
    )
    exact = _exact_grants(scope.service_grants, grants, exported)
    # the exact grants (hundreds of thousands of rows, a few per viewer) summed per viewer on
    # their codes first, as text only once per viewer: integer sums, the same in any grouping
    per_viewer = grouped_integers(exact, viewer, _SUMS, "sum")
    per_viewer = per_viewer.astype({key: str for key in viewer if key in per_viewer})
    parts = [frame[[*viewer, *_SUMS]] for frame in (everyone, specific, per_viewer)]
    if scope.open is not None and len(scope.open):
        parts += _open_parts(priced, scope, grants, exact)
    combined = pd.concat(parts, ignore_index=True)
    return combined.groupby(viewer, as_index=False)[_SUMS].sum()


def _exact_grants(
    service_grants: pd.DataFrame, grants: pd.DataFrame, exported: pd.DataFrame
) -> pd.DataFrame:
    """The Services each viewer is granted one by one, where no namespace grant of its already
    counts them and the Service is exported to everyone or to the viewer's namespace, with their
    costs: (namespace, viewer, service_namespace, service, *_SUMS).

    Looked up by codes (planner.frames.positions), not merged: the grants are millions of rows
    at a million pods, and a Service is exported to `*` alone or to namespaces once each, so each
    grant finds at most one export row."""
    viewer = ["namespace", "viewer"]
    keys = ["service_namespace", "service"]
    exact = distinct(service_grants[[*viewer, *keys]])
    if len(grants):  # none when no viewer is granted a namespace (Consul's observed callers)
        exact = exact.loc[positions(exact, [*viewer, "service_namespace"], grants) < 0]
    # exported to everyone: looked up among those rows by the Service alone (no "*" column of
    # a row per grant to hash)
    to_everyone = exported["exported_to"].to_numpy(dtype=object) == "*"
    everyone = np.flatnonzero(to_everyone)
    among = positions(exact, keys, exported.take(everyone))
    at = np.full(len(exact), -1, dtype=np.intp)
    at[among >= 0] = everyone[among[among >= 0]]
    if not to_everyone.all():  # some Service is exported to namespaces by name
        to_own = positions(exact, [*keys, "namespace"], exported, [*keys, "exported_to"])
        at = np.where(at >= 0, at, to_own)
    exact = exact.loc[at >= 0].reset_index(drop=True)
    found = at[at >= 0]
    for column in _SUMS:
        exact[column] = exported[column].to_numpy()[found]
    return exact


def _open_parts(
    priced: pd.DataFrame, scope: Scope, grants: pd.DataFrame, exact: pd.DataFrame
) -> list[pd.DataFrame]:
    """What the open Services add to each viewer: all of them, less the ones its namespace or
    service grants already count (linear in viewers, grants and open Services)."""
    assert scope.open is not None
    viewer = ["namespace", "viewer"]
    keys = ["service_namespace", "service"]
    opened = priced.merge(scope.open[keys].drop_duplicates(), on=keys)
    total = opened[_SUMS].sum()
    everyone = scope.viewers[viewer].drop_duplicates().assign(**{c: total[c] for c in _SUMS})
    by_namespace = opened.groupby("service_namespace", as_index=False)[_SUMS].sum()
    in_namespaces = grants.merge(by_namespace, on="service_namespace")
    in_exact = exact[[*viewer, *keys]].drop_duplicates().merge(opened[[*keys, *_SUMS]], on=keys)
    overlap = pd.concat([in_namespaces, in_exact], ignore_index=True)[[*viewer, *_SUMS]]
    overlap[_SUMS] = -overlap[_SUMS]
    return [everyone[[*viewer, *_SUMS]], overlap]
