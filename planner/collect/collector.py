"""`planner collect`: the inputs `planner size` reads, from a Prometheus-compatible server.

Every query is an instant query at `end` whose aggregation the server does (planner.collect.
queries); the answers become the documented tables (docs/inputs.md): `workloads.csv`,
`services.csv`, `traffic.csv`, and `collect.json` records the server, the window, the end time,
every query sent (with how many series it gave and how long it took) and the findings, so a
review can be re-run and audited. A column whose metrics gave nothing is left empty with a
finding, never filled with an invented number; only workloads are required.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from models.knobs import MeshKind
from planner.collect import queries as q
from planner.collect.errors import CollectError
from planner.collect.prometheus import Client, Sample, TooLargeError
from planner.inputs.protocols import port_protocol
from planner.inputs.units import duration_text
from planner.version import __version__

WORKLOADS = "workloads.csv"
SERVICES = "services.csv"
TRAFFIC = "traffic.csv"
NODES = "nodes.csv"
RECORD = "collect.json"
OWNED = (WORKLOADS, SERVICES, TRAFFIC, NODES, RECORD)
KEYS = ["namespace", "workload"]
UNKNOWN = "unknown"
"""What Istio's labels say for a caller or a destination outside the mesh."""


@dataclass(frozen=True)
class Request:
    """What to collect: the mesh's metrics over `window_seconds` ending at `end`."""

    mesh: MeshKind
    window_seconds: int
    end: datetime
    rate_interval_seconds: int = 300
    matchers: tuple[str, ...] = ()

    @property
    def where(self) -> q.Where:
        return q.Where(None, self.matchers)

    @property
    def window(self) -> str:
        return f"{self.window_seconds}s"

    @property
    def rate_interval(self) -> str:
        return f"{self.rate_interval_seconds}s"


@dataclass
class Sent:
    """A query as collect.json records it (no timings: the same answers give the same file)."""

    name: str
    fills: str
    query: str
    series: int
    split_by_namespace: bool = False


@dataclass
class Collection:
    """The collected files and what was found on the way."""

    files: dict[str, bytes]
    findings: list[dict[str, str]]
    counts: dict[str, int]


Progress = Callable[[int, int, str], None]


@dataclass
class _Run:
    client: Client
    request: Request
    progress: Progress
    total: int
    sent: list[Sent] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)
    namespaces: list[str] | None = None

    def ask(self, query: q.Query) -> list[Sample]:
        """The query's answer (split by namespace when the server refuses it as too large)."""
        self.progress(len(self.sent), self.total, query.fills)
        split = False
        try:
            samples = self.client.query(query.build(self.request.where), self.request.end)
        except TooLargeError as error:
            if not query.splittable:
                raise CollectError(
                    f"the server refused the {query.name} query as too large ({error}); raise "
                    "its --query.max-samples (or the equivalent limit)"
                ) from None
            split = True
            samples = []
            for namespace in self._namespaces():
                where = self.request.where.split(namespace)
                samples += self.client.query(query.build(where), self.request.end)
        usable = [s for s in samples if all(s.labels.get(label) for label in query.labels)]
        self.sent.append(
            Sent(
                name=query.name,
                fills=query.fills,
                query=query.build(self.request.where),
                series=len(usable),
                split_by_namespace=split,
            )
        )
        return usable

    def _namespaces(self) -> list[str]:
        if self.namespaces is None:
            found = self.client.query(q.namespaces(self.request.where), self.request.end)
            self.namespaces = sorted(
                {s.labels["namespace"] for s in found if "namespace" in s.labels}
            )
        return self.namespaces

    def note(self, code: str, subject: str, message: str) -> None:
        self.findings.append({"code": code, "subject": subject, "message": message})


def collect(client: Client, request: Request, progress: Progress | None = None) -> Collection:
    """Query the server and build the tables. Raises CollectError when the server cannot be
    queried or gives no workloads."""
    plan = _queries(request)
    run = _Run(client, request, progress or (lambda done, total, what: None), len(plan))
    answers = {query.name: run.ask(query) for query in plan}
    run.progress(len(plan), len(plan), "done")
    workloads = _workloads(answers, run)
    services = _services(answers, run)
    traffic = _traffic(answers, run, services)
    nodes = _nodes(answers, run)
    files = {WORKLOADS: _csv(workloads)}
    if nodes is not None:
        files[NODES] = _csv(nodes)
    if services is not None:
        files[SERVICES] = _csv(services)
    if traffic is not None:
        files[TRAFFIC] = _csv(traffic)
    counts = {
        "workloads": len(workloads),
        "services": 0
        if services is None
        else int(services[["namespace", "service"]].drop_duplicates().shape[0]),
        "traffic_edges": 0 if traffic is None else len(traffic),
        "nodes": 0 if nodes is None else len(nodes),
    }
    files[RECORD] = _record(client, request, run, counts)
    return Collection(files=files, findings=run.findings, counts=counts)


def _queries(request: Request) -> list[q.Query]:
    container = q.PROXY_CONTAINER[request.mesh]
    window, interval = request.window, request.rate_interval
    found = [
        q.Query(
            "replicas",
            "workloads: replicas and kind",
            q.replicas,
            ("namespace", "workload", "kind"),
            True,
        ),
        q.Query("meshed_pods", "workloads: mesh_injected", q.meshed_pods(container), tuple(KEYS)),
        q.Query(
            "app_cpu_requests",
            "workloads: app_cpu_millicores",
            q.app_requests("cpu", container, "* 1000"),
            tuple(KEYS),
        ),
        q.Query(
            "app_memory_requests",
            "workloads: app_memory_mib",
            q.app_requests("memory", container, "/ 1048576"),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_cpu_requests",
            "workloads: current_proxy_cpu_millicores",
            q.proxy_resources("requests", "cpu", container, "* 1000"),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_memory_requests",
            "workloads: current_proxy_memory_mib",
            q.proxy_resources("requests", "memory", container, "/ 1048576"),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_cpu_limits",
            "workloads: current_proxy_cpu_limit_millicores",
            q.proxy_resources("limits", "cpu", container, "* 1000"),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_memory_limits",
            "workloads: current_proxy_memory_limit_mib",
            q.proxy_resources("limits", "memory", container, "/ 1048576"),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_cpu_usage",
            "workloads: proxy_cpu_millicores",
            q.proxy_cpu(container, window, interval),
            tuple(KEYS),
        ),
        q.Query(
            "proxy_memory_usage",
            "workloads: proxy_memory_mib",
            q.proxy_memory(container, window),
            tuple(KEYS),
        ),
        q.Query("services", "services: service and type", q.services, ("namespace", "service")),
        q.Query(
            "service_ports",
            "services: ports and protocol",
            q.service_ports,
            ("namespace", "endpoint", "port_number"),
        ),
        q.Query("backing", "services: workload", q.backing, ("namespace", "endpoint", "workload")),
        q.Query("nodes", "nodes: node", q.nodes, ("node",), splittable=False),
        q.Query("node_pods", "nodes: pods", q.node_pods, ("node",), splittable=False),
        q.Query(
            "node_cpu",
            "nodes: cpu_cores",
            q.node_allocatable("cpu"),
            ("node",),
            splittable=False,
        ),
        q.Query(
            "node_memory",
            "nodes: memory_gib",
            q.node_allocatable("memory", "/ 1073741824"),
            ("node",),
            splittable=False,
        ),
    ]
    if request.mesh in (MeshKind.ISTIO_SIDECAR, MeshKind.ISTIO_AMBIENT):
        edge = ("source_workload", "destination_service_name")
        found += [
            q.Query(
                "istio_requests",
                "traffic: rps (requests)",
                q.istio_edges("istio_requests_total", window),
                edge,
            ),
            q.Query(
                "istio_tcp_connections",
                "traffic: rps (TCP connections opened)",
                q.istio_edges("istio_tcp_connections_opened_total", window),
                edge,
            ),
        ]
    elif request.mesh is MeshKind.LINKERD:
        found.append(
            q.Query(
                "linkerd_requests",
                "traffic: rps (requests)",
                q.linkerd_edges(window),
                ("dst_service",),
            )
        )
    elif request.mesh is MeshKind.CONSUL:
        edge = ("workload", "consul_destination_service")
        found += [
            q.Query(
                "consul_requests",
                "traffic: rps (requests)",
                q.consul_edges("envoy_cluster_upstream_rq_total", window),
                edge,
            ),
            q.Query(
                "consul_tcp_connections",
                "traffic: rps (TCP connections opened)",
                q.consul_edges("envoy_cluster_upstream_cx_total", window, True),
                edge,
            ),
        ]
    return found


def _frame(samples: Sequence[Sample], labels: Sequence[str], value: str) -> pd.DataFrame:
    rows = [[s.labels.get(label, "") for label in labels] + [s.value] for s in samples]
    return pd.DataFrame(rows, columns=[*labels, value]).astype(
        {**dict.fromkeys(labels, object), value: np.float64}
    )


def _workloads(answers: dict[str, list[Sample]], run: _Run) -> pd.DataFrame:
    replicas = _frame(answers["replicas"], ("namespace", "workload", "kind"), "replicas")
    if replicas.empty:
        raise CollectError(
            f"no workloads at {_when(run.request.end)}: kube-state-metrics' "
            "kube_deployment_spec_replicas, kube_statefulset_replicas and "
            "kube_daemonset_status_desired_number_scheduled gave nothing; check that this server "
            "scrapes kube-state-metrics (v2) and that --end lies within its retention"
        )
    frame = replicas.sort_values([*KEYS, "kind"]).drop_duplicates(KEYS, keep="first")
    frame["replicas"] = frame["replicas"].round().astype(np.int64)
    container = q.PROXY_CONTAINER[run.request.mesh]
    meshed = _frame(answers["meshed_pods"], KEYS, "pods")
    if meshed.empty and run.request.mesh is not MeshKind.ISTIO_AMBIENT:
        run.note(
            "collect-no-proxies",
            f"container {container}",
            f"no pod runs a {container} container (kube_pod_container_info): every workload is "
            "written as not meshed; check --mesh, or that the mesh is installed",
        )
    frame = frame.merge(meshed, on=KEYS, how="left")
    with_proxy = (frame["pods"].fillna(0) > 0).to_numpy()
    frame["mesh_injected"] = np.where(with_proxy, "true", "false")
    frame["labels"] = ""
    if run.request.mesh is MeshKind.ISTIO_AMBIENT:
        # ztunnel's capture shows in no metric (a namespace label kube-state-metrics exports
        # only when allowed): every workload is taken as captured, and a pod that runs
        # istio-proxy keeps its sidecar (planner.meshes.istio_ambient reads the label)
        frame["mesh_injected"] = ""
        frame["labels"] = np.where(with_proxy, "sidecar.istio.io/inject=true", "")
        run.note(
            "collect-ambient-capture",
            "mesh_injected",
            "left empty (every workload taken as captured by ztunnel): no metric says which "
            "namespaces carry istio.io/dataplane-mode=ambient; a workload whose pods run "
            "istio-proxy keeps its sidecar (labels sidecar.istio.io/inject=true)",
        )
    columns = {
        "app_cpu_requests": "app_cpu_millicores",
        "app_memory_requests": "app_memory_mib",
        "proxy_cpu_usage": "proxy_cpu_millicores",
        "proxy_memory_usage": "proxy_memory_mib",
        "proxy_cpu_requests": "current_proxy_cpu_millicores",
        "proxy_memory_requests": "current_proxy_memory_mib",
        "proxy_cpu_limits": "current_proxy_cpu_limit_millicores",
        "proxy_memory_limits": "current_proxy_memory_limit_mib",
    }
    sent = {s.name: s for s in run.sent}
    for name, column in columns.items():
        values = _frame(answers[name], KEYS, column)
        if values.empty:
            run.note(
                "collect-column-empty",
                column,
                f"left empty: the query gave nothing ({_metric_hint(name, container)}); "
                f"query: {sent[name].query}",
            )
        frame = frame.merge(values, on=KEYS, how="left")
    frame = frame.assign(services="")
    ordered = ["namespace", "workload", "kind", "replicas", "mesh_injected", *columns.values()]
    if frame["labels"].ne("").any():
        ordered.insert(5, "labels")
    return frame[ordered].sort_values(KEYS, ignore_index=True)


def _metric_hint(name: str, container: str) -> str:
    if name.startswith("proxy_") and name.endswith("_usage"):
        return f"cAdvisor's container metrics for container {container} over the window"
    if name.startswith("app_"):
        return "kube-state-metrics' kube_pod_container_resource_requests"
    return f"kube-state-metrics' requests and limits of container {container}"


def _services(answers: dict[str, list[Sample]], run: _Run) -> pd.DataFrame | None:
    listed = _frame(answers["services"], ("namespace", "service", "type"), "one")
    if listed.empty:
        run.note(
            "collect-no-services",
            SERVICES,
            "not written: kube_service_spec_type gave nothing; planner size then takes a Service "
            "named like each workload",
        )
        return None
    listed = listed.sort_values(["namespace", "service", "type"]).drop_duplicates(
        ["namespace", "service"]
    )
    ports = _frame(
        answers["service_ports"],
        ("namespace", "endpoint", "port_name", "port_number", "port_protocol"),
        "one",
    )
    if ports.empty:
        run.note(
            "collect-column-empty",
            "ports",
            "left empty (1 port each): kube_endpoint_ports gave nothing (kube-state-metrics "
            "v2.6 or later exports it)",
        )
        listed = listed.assign(ports="", protocol="")
    else:
        ports["number"] = pd.to_numeric(ports["port_number"], errors="coerce")
        ports["istio"] = [
            "udp" if proto.upper() == "UDP" else port_protocol(name, None)
            for name, proto in zip(ports["port_name"], ports["port_protocol"], strict=True)
        ]
        ports = ports.drop_duplicates(["namespace", "endpoint", "number"]).sort_values(
            ["namespace", "endpoint", "number"]
        )
        per = ports.groupby(["namespace", "endpoint"], sort=True).agg(
            ports=("number", "size"), protocol=("istio", ";".join)
        )
        per["protocol"] = per["protocol"].where(per["protocol"].str.strip(";") != "", "")
        listed = listed.merge(
            per.reset_index().rename(columns={"endpoint": "service"}),
            on=["namespace", "service"],
            how="left",
        )
        listed["ports"] = listed["ports"].map(lambda n: "" if pd.isna(n) else str(int(n)))
        listed["protocol"] = listed["protocol"].fillna("")
    backing = _frame(answers["backing"], ("namespace", "endpoint", "workload"), "pods").rename(
        columns={"endpoint": "service"}
    )
    if backing.empty:
        run.note(
            "collect-column-empty",
            "workload",
            "left empty: no Service's endpoints could be matched to pods (kube_endpoint_address "
            "and kube_pod_info); planner size then takes a Service named like each workload",
        )
    rows = listed.merge(
        backing[["namespace", "service", "workload"]], on=["namespace", "service"], how="left"
    )
    rows["workload"] = rows["workload"].fillna("")
    return rows[["namespace", "service", "ports", "type", "protocol", "workload"]].sort_values(
        ["namespace", "service", "workload"], ignore_index=True
    )


def _nodes(answers: dict[str, list[Sample]], run: _Run) -> pd.DataFrame | None:
    names = _frame(answers["nodes"], ("node",), "one")
    if names.empty:
        run.note(
            "collect-no-nodes",
            NODES,
            "not written: kube_node_info gave nothing; give the nodes with --nodes when they "
            "matter (Istio ambient's per-node agents, the per-node figures)",
        )
        return None
    frame = names[["node"]].drop_duplicates().sort_values("node", ignore_index=True)
    for name, column in (
        ("node_pods", "pods"),
        ("node_cpu", "cpu_cores"),
        ("node_memory", "memory_gib"),
    ):
        values = _frame(answers[name], ("node",), column)
        frame = frame.merge(values.drop_duplicates("node"), on="node", how="left")
    frame["pods"] = frame["pods"].map(lambda n: "" if pd.isna(n) else str(round(n)))
    return frame


def _traffic(
    answers: dict[str, list[Sample]], run: _Run, services: pd.DataFrame | None
) -> pd.DataFrame | None:
    mesh = run.request.mesh
    if mesh in (MeshKind.ISTIO_SIDECAR, MeshKind.ISTIO_AMBIENT):
        parts = [
            _frame(answers[name], q.EDGE, "rps")
            for name in ("istio_requests", "istio_tcp_connections")
        ]
        edges = pd.concat(parts, ignore_index=True).rename(
            columns={
                "source_workload_namespace": "source_namespace",
                "destination_service_namespace": "destination_namespace",
                "destination_service_name": "destination_service",
            }
        )
        edges = edges.replace({"source_namespace": {"": UNKNOWN}, "source_workload": {"": UNKNOWN}})
        edges.loc[
            edges["destination_workload"] == UNKNOWN,
            ["destination_workload", "destination_workload_namespace"],
        ] = ""
    elif mesh is MeshKind.LINKERD:
        raw = _frame(answers["linkerd_requests"], q.LINKERD_EDGE, "rps")
        source = _first(raw, ("deployment", "statefulset", "daemonset"))
        destination = _first(raw, ("dst_deployment", "dst_statefulset", "dst_daemonset"))
        edges = pd.DataFrame(
            {
                "source_namespace": raw["namespace"].where(raw["namespace"] != "", UNKNOWN),
                "source_workload": source.where(source != "", UNKNOWN),
                "destination_namespace": raw["dst_namespace"],
                "destination_service": raw["dst_service"],
                "destination_workload_namespace": raw["dst_namespace"].where(destination != "", ""),
                "destination_workload": destination,
                "rps": raw["rps"],
            }
        )
    elif mesh is MeshKind.CONSUL:
        raw = pd.concat(
            [
                _frame(answers[name], q.CONSUL_EDGE, "rps")
                for name in ("consul_requests", "consul_tcp_connections")
            ],
            ignore_index=True,
        )
        edges = _consul_edges(raw, services, run)
    else:
        run.note(
            "collect-no-traffic-metrics",
            TRAFFIC,
            "not written: App Mesh's Envoy names its upstreams by virtual node, not by "
            "Kubernetes Service; App Mesh declares its call graph in the VirtualNodes' "
            "backends, which planner size reads from the manifests (docs/appmesh.md), or write "
            "traffic.csv by hand",
        )
        return None
    keys = [
        "source_namespace",
        "source_workload",
        "destination_namespace",
        "destination_service",
        "destination_workload_namespace",
        "destination_workload",
    ]
    edges = edges.groupby(keys, as_index=False, sort=True).agg(rps=("rps", "sum"))
    edges = edges.loc[edges["rps"] > 0]
    if edges.empty:
        run.note(
            "collect-no-traffic",
            TRAFFIC,
            "not written: no request between workloads in the "
            f"{duration_text(run.request.window_seconds)} window ending "
            f"{_when(run.request.end)} (check the mesh's metric names, that "
            "Prometheus scrapes the proxies, and the window)",
        )
        return None
    same = edges["destination_workload_namespace"] == edges["destination_namespace"]
    edges.loc[same, "destination_workload_namespace"] = ""
    return edges[
        [
            "source_namespace",
            "source_workload",
            "destination_namespace",
            "destination_service",
            "rps",
            "destination_workload",
            "destination_workload_namespace",
        ]
    ].reset_index(drop=True)


def _consul_edges(raw: pd.DataFrame, services: pd.DataFrame | None, run: _Run) -> pd.DataFrame:
    """Consul's edges with the Kubernetes namespace of each destination. Envoy names a Consul
    service and its Consul namespace, which is the Kubernetes namespace under Consul
    Enterprise's namespace mirroring and `default` otherwise; the Kubernetes Service of that
    name is taken in that namespace, else in the caller's, else wherever it is the only one of
    its name. A destination no Kubernetes Service (or several, none in those two namespaces)
    is named after is left out, with a finding."""
    known = (
        services[["namespace", "service"]].drop_duplicates()
        if services is not None
        else pd.DataFrame({"namespace": pd.Series(dtype=object), "service": []})
    )
    index = pd.MultiIndex.from_frame(known)
    service = raw["consul_destination_service"]

    def present(namespace: pd.Series) -> np.ndarray:
        pairs = pd.MultiIndex.from_arrays([namespace, service])
        return np.asarray(pairs.isin(index), dtype=bool)

    where = known.groupby("service")["namespace"].agg(["size", "first"])
    alone = service.map(where["first"].where(where["size"] == 1)).where(lambda x: x.notna(), "")
    destination = np.where(
        present(raw["consul_destination_namespace"]),
        raw["consul_destination_namespace"],
        np.where(present(raw["namespace"]), raw["namespace"], alone),
    )
    found = destination != ""
    if not found.all():
        missed = raw.loc[~found]
        names = sorted(set(missed["consul_destination_namespace"] + "/" + service[~found]))
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        ambiguous = int(service[~found].map(where["size"]).fillna(0).gt(1).sum())
        run.note(
            "collect-consul-destination-unknown",
            TRAFFIC,
            f"{len(missed)} edge(s) ({_number(missed['rps'].sum(), 3)} rps) to Consul services "
            "no Kubernetes Service could be matched to by name in the destination's Consul "
            "namespace, the caller's namespace or the cluster "
            f"({ambiguous} of them named by several namespaces' Services) were left out: "
            f"{shown}; a service registered under another name "
            "(consul.hashicorp.com/connect-service) needs its traffic written by hand",
        )
    edges = pd.DataFrame(
        {
            "source_namespace": raw["namespace"],
            "source_workload": raw["workload"],
            "destination_namespace": destination,
            "destination_service": service,
            "destination_workload_namespace": "",
            "destination_workload": "",
            "rps": raw["rps"],
        }
    )
    kept: pd.DataFrame = edges.loc[found]
    return kept


def _first(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Per row, the first of `columns` that is not empty (a workload label by its kind)."""
    chosen = frame[columns[0]]
    for column in columns[1:]:
        chosen = chosen.where(chosen != "", frame[column])
    return chosen


def _number(value: Any, places: int) -> str:
    """A number for a table cell: rounded to `places` decimals, no trailing zeros; values too
    small for that keep six significant digits (an edge of a few requests a week)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    if 0 < abs(number) < 10.0**-places:
        return f"{number:.6g}"
    text = f"{number:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


PLACES = {"rps": 6}
"""Decimals kept per column: rates to the request per million seconds; resources to 0.001."""


def _csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            places = PLACES.get(column, 3)
            out[column] = [_number(v, places) for v in out[column]]
    text = out.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(client: Client, request: Request, run: _Run, counts: dict[str, int]) -> bytes:
    server = client.server
    record = {
        "schema_version": "1",
        "tool": {"name": "mesh-planner", "version": __version__},
        "server": server.shown(),
        "authentication": server.credentials.kind(),
        "mesh": request.mesh.value,
        "end": _when(request.end),
        "window": duration_text(request.window_seconds),
        "window_seconds": request.window_seconds,
        "rate_interval_seconds": request.rate_interval_seconds,
        "matchers": list(request.matchers),
        "counts": counts,
        "queries": [vars(s) for s in run.sent],
        "findings": run.findings,
    }
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def tty_progress(stream: Any = None) -> Progress:
    """A one-line progress bar on stderr when it is a terminal, nothing otherwise."""
    out = stream or sys.stderr
    if not out.isatty():
        return lambda done, total, what: None

    def show(done: int, total: int, what: str) -> None:
        width = 24
        filled = width * done // max(total, 1)
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what[:40]:<40}")
        if done == total:
            out.write("\r" + " " * (width + 50) + "\r")
        out.flush()

    return show
