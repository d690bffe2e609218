"""A real Prometheus for the collect tests: a week of samples written as OpenMetrics from known
clusters (Istio's Bookinfo and Google's Online Boutique call graphs, tests/fixtures/apps/*.
dependencies.yaml), backfilled with `promtool tsdb create-blocks-from openmetrics`, served by
Debian's `prometheus` on a loopback port.

The truth (`Truth`) gives both the series and the tables a user would write by hand for the same
cluster, so a test can compare what `planner collect` reads back with what was put in.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.conftest import FIXTURES, require_tool

APPS = FIXTURES / "apps"
WEEK = 7 * 86_400
STEP = 300
"""Seconds between samples of gauges and traffic counters; CPU counters are sampled every
CPU_STEP (a scrape interval short enough for a 5-minute rate)."""
CPU_STEP = 120
META_SECONDS = 3_600
"""kube-state-metrics' series cover the last hour: every query reads them at the end time."""
USER = "reviewer"
PASSWORD = "review-q4"
PASSWORD_HASH = "$2b$10$J3bhNl66EhwrhzR.tYOwgeLjgNnHxrS7f9RdvD7PK98bjVLrBoViu"
"""bcrypt of PASSWORD, for Prometheus' --web.config.file basic_auth_users."""


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    replicas: int
    meshed: bool
    app_cpu_m: float
    app_memory_mib: float
    proxy_cpu_m: float
    proxy_memory_mib: float
    kind: str = "Deployment"

    def pods(self) -> list[str]:
        return [f"{self.name}-7c9d{len(self.name):02d}-{i}" for i in range(self.replicas)]


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    ports: tuple[tuple[str, int], ...]
    workloads: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    source_namespace: str
    source: str
    namespace: str
    service: str
    rps: float
    workload: str


NODES = ("node-a", "node-b", "node-c")
"""The nodes the pods run on, in turn; each with 8 cores and 32 GiB allocatable."""


@dataclass
class Truth:
    """Known workloads, Services, traffic and nodes (the pods spread over NODES in turn)."""

    workloads: list[Workload] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    nodes: tuple[str, ...] = NODES

    def node_of(self) -> dict[str, str]:
        """Each pod's node."""
        pods = [pod for w in self.workloads for pod in w.pods()]
        return {pod: self.nodes[i % len(self.nodes)] for i, pod in enumerate(pods)}

    def tables(self, mesh: str) -> dict[str, str]:
        """The tables a user would write by hand for this cluster (docs/inputs.md), as `mesh`'s
        metrics show it: Linkerd's and Consul's proxies report the calls they make, so a caller
        outside the mesh is not seen, and Consul's name no destination workload."""
        workloads = [
            "namespace,workload,kind,replicas,mesh_injected,app_cpu_millicores,app_memory_mib,"
            "proxy_cpu_millicores,proxy_memory_mib,current_proxy_cpu_millicores,"
            "current_proxy_memory_mib,current_proxy_cpu_limit_millicores,"
            "current_proxy_memory_limit_mib"
        ]
        for w in sorted(self.workloads, key=lambda w: (w.namespace, w.name)):
            meshed = [w.proxy_cpu_m, w.proxy_memory_mib, 100, 128, 2000, 1024]
            cells = [_n(v) for v in meshed] if w.meshed else [""] * 6
            workloads.append(
                ",".join(
                    [
                        w.namespace,
                        w.name,
                        w.kind,
                        str(w.replicas),
                        "true" if w.meshed else "false",
                        _n(w.app_cpu_m),
                        _n(w.app_memory_mib),
                        *cells,
                    ]
                )
            )
        services = ["namespace,service,ports,type,protocol,workload"]
        for s in sorted(self.services, key=lambda s: (s.namespace, s.name)):
            protocols = ";".join(
                name.split("-")[0] for name, _ in sorted(s.ports, key=lambda p: p[1])
            )
            for workload in sorted(s.workloads) or [""]:
                services.append(
                    f"{s.namespace},{s.name},{len(s.ports)},ClusterIP,{protocols},{workload}"
                )
        traffic = [
            "source_namespace,source_workload,destination_namespace,destination_service,rps,"
            "destination_workload,destination_workload_namespace"
        ]
        seen = [e for e in self.edges if mesh == "istio" or e.source != "unknown"]
        for e in sorted(seen, key=lambda e: (e.source_namespace, e.source, e.namespace, e.service)):
            workload = "" if mesh == "consul" else e.workload  # Envoy names no workload
            traffic.append(
                f"{e.source_namespace},{e.source},{e.namespace},{e.service},{_n(e.rps)},{workload},"
            )
        on = list(self.node_of().values())
        nodes = ["node,pods,cpu_cores,memory_gib"]
        nodes += [f"{node},{on.count(node)},8,32" for node in sorted(self.nodes)]
        return {
            "nodes.csv": "\n".join(nodes) + "\n",
            "workloads.csv": "\n".join(workloads) + "\n",
            "services.csv": "\n".join(services) + "\n",
            "traffic.csv": "\n".join(traffic) + "\n",
        }


def _n(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def truth(
    apps: tuple[tuple[str, str], ...] = (("bookinfo", "bookinfo"), ("online-boutique", "boutique")),
) -> Truth:
    """Bookinfo and Online Boutique, each in its own namespace: their Deployments, Services and
    in-mesh calls from the ground-truth dependency lists, with known replicas, requests, proxy
    usage and request rates (round numbers, so that what comes back can be compared exactly).
    Online Boutique's load generator runs without a proxy; a caller outside the mesh calls each
    app's entry point."""
    out = Truth()
    index = 0
    for app, namespace in apps:
        spec = yaml.safe_load((APPS / f"{app}.dependencies.yaml").read_text("utf-8"))
        entries = spec["services"]
        ports: dict[str, set[tuple[str, int]]] = {}
        for name in sorted(entries):
            for call in entries[name].get("calls") or []:
                protocol = str(call.get("protocol", "http")).lower()
                port_name = protocol if protocol in ("http", "grpc") else "tcp"
                ports.setdefault(call["service"], set()).add((port_name, int(call["port"])))
        backing: dict[str, list[str]] = {}
        for name in sorted(entries):
            index += 1
            meshed = name != "loadgenerator"
            out.workloads.append(
                Workload(
                    namespace=namespace,
                    name=name,
                    replicas=1 + index % 3,
                    meshed=meshed,
                    app_cpu_m=100.0 + 50 * (index % 4),
                    app_memory_mib=64.0 * (1 + index % 3),
                    proxy_cpu_m=4.0 + 3 * index,
                    proxy_memory_mib=40.0 + 2.5 * index,
                )
            )
            for service in entries[name].get("k8s_services") or []:
                backing.setdefault(service, []).append(name)
        for service in sorted(backing):
            out.services.append(
                Service(
                    namespace=namespace,
                    name=service,
                    ports=tuple(sorted(ports.get(service) or {("http", 80)})),
                    workloads=tuple(sorted(backing[service])),
                )
            )
        target = {s: sorted(w)[0] for s, w in backing.items()}
        for n, name in enumerate(sorted(entries)):
            for m, call in enumerate(entries[name].get("calls") or []):
                service = call["service"]
                if service not in target or not _is_meshed(out, namespace, name):
                    continue
                out.edges.append(
                    Edge(
                        namespace,
                        name,
                        namespace,
                        service,
                        2.5 * (1 + (n + m) % 6),
                        target[service],
                    )
                )
        entry = str(spec.get("entrypoint") or "")
        entry_service = next((s for s, w in backing.items() if entry in w or s == entry), None)
        if entry_service is not None:
            out.edges.append(
                Edge("unknown", "unknown", namespace, entry_service, 12.5, target[entry_service])
            )
    return out


def _is_meshed(truth: Truth, namespace: str, name: str) -> bool:
    return any(w.meshed for w in truth.workloads if (w.namespace, w.name) == (namespace, name))


# ---- OpenMetrics ------------------------------------------------------------------------------


CLUSTER = "eu-1"
"""Every series carries cluster="eu-1", as a fleet-wide Thanos or Mimir adds to each cluster's."""


def _labels(**labels: str) -> str:
    pairs = {"cluster": CLUSTER, **labels}
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs.items()) + "}"


@dataclass(frozen=True)
class Sampling:
    """How long the samples run and how often: a week, gauges and traffic every 5 minutes, CPU
    counters every 2 (the tests); a benchmark of many workloads samples more sparsely."""

    window: int = WEEK
    step: int = STEP
    cpu_step: int = CPU_STEP
    meta_seconds: int = META_SECONDS


class _Writer:
    def __init__(self, end: int, sampling: Sampling) -> None:
        self.end = end
        self.start = end - sampling.window
        self.sampling = sampling
        self.families: dict[str, tuple[str, list[str]]] = {}

    def family(self, name: str, kind: str) -> list[str]:
        return self.families.setdefault(name, (kind, []))[1]

    def gauge(self, name: str, labels: str, value: float, since: int | None = None) -> None:
        lines = self.family(name, "gauge")
        step = self.sampling.step
        first = self.end - self.sampling.meta_seconds if since is None else since
        for t in range(first, self.end + 1, step):
            lines.append(f"{name}{labels} {value!r} {t}")

    def counter(self, name: str, labels: str, per_second: float, cpu: bool = False) -> None:
        lines = self.family(name, "counter")
        step = self.sampling.cpu_step if cpu else self.sampling.step
        for t in range(self.start, self.end + 1, step):
            lines.append(f"{name}_total{labels} {per_second * (t - self.start):.6f} {t}")

    def text(self) -> str:
        parts = []
        for name in sorted(self.families):
            kind, lines = self.families[name]
            parts.append(f"# TYPE {name} {kind}")
            parts.extend(lines)
        parts.append("# EOF")
        return "\n".join(parts) + "\n"


def openmetrics(truth: Truth, mesh: str, end: int, sampling: Sampling = Sampling()) -> str:
    """A week of samples ending at `end` for the cluster in `truth`, as `mesh` (istio or
    linkerd) and kube-state-metrics and cAdvisor would export them."""
    w = _Writer(end, sampling)
    container = {"istio": "istio-proxy", "linkerd": "linkerd-proxy"}.get(mesh, "consul-dataplane")
    ip = 0
    pod_ips: dict[tuple[str, str], list[str]] = {}
    node_of = truth.node_of()
    for node in truth.nodes:
        w.gauge("kube_node_info", _labels(node=node, kernel_version="6.1"), 1)
        w.gauge(
            "kube_node_status_allocatable", _labels(node=node, resource="cpu", unit="core"), 8.0
        )
        w.gauge(
            "kube_node_status_allocatable",
            _labels(node=node, resource="memory", unit="byte"),
            32.0 * 2**30,
        )
    for workload in truth.workloads:
        ns, name = workload.namespace, workload.name
        replicaset = f"{name}-7c9d{len(name):02d}"
        w.gauge(
            "kube_deployment_spec_replicas",
            _labels(namespace=ns, deployment=name),
            workload.replicas,
        )
        w.gauge(
            "kube_replicaset_owner",
            _labels(namespace=ns, replicaset=replicaset, owner_kind="Deployment", owner_name=name),
            1,
        )
        for pod in workload.pods():
            ip += 1
            address = f"10.1.{ip // 250}.{ip % 250 + 1}"
            pod_ips.setdefault((ns, name), []).append(address)
            w.gauge(
                "kube_pod_owner",
                _labels(namespace=ns, pod=pod, owner_kind="ReplicaSet", owner_name=replicaset),
                1,
            )
            w.gauge(
                "kube_pod_info",
                _labels(
                    namespace=ns, pod=pod, pod_ip=address, host_network="false", node=node_of[pod]
                ),
                1,
            )
            w.gauge("kube_pod_container_info", _labels(namespace=ns, pod=pod, container="app"), 1)
            requests = "kube_pod_container_resource_requests"
            w.gauge(
                requests,
                _labels(namespace=ns, pod=pod, container="app", resource="cpu", unit="core"),
                workload.app_cpu_m / 1000,
            )
            w.gauge(
                requests,
                _labels(namespace=ns, pod=pod, container="app", resource="memory", unit="byte"),
                workload.app_memory_mib * 2**20,
            )
            if not workload.meshed:
                continue
            w.gauge(
                "kube_pod_container_info", _labels(namespace=ns, pod=pod, container=container), 1
            )
            for metric, resource, value in (
                (requests, "cpu", 0.1),
                (requests, "memory", 128 * 2**20),
                ("kube_pod_container_resource_limits", "cpu", 2.0),
                ("kube_pod_container_resource_limits", "memory", 1024 * 2**20),
            ):
                unit = "core" if resource == "cpu" else "byte"
                w.gauge(
                    metric,
                    _labels(
                        namespace=ns, pod=pod, container=container, resource=resource, unit=unit
                    ),
                    value,
                )
            pod_labels = _labels(namespace=ns, pod=pod, container=container, image="proxy")
            w.counter(
                "container_cpu_usage_seconds", pod_labels, workload.proxy_cpu_m / 1000, cpu=True
            )
            w.gauge(
                "container_memory_working_set_bytes",
                pod_labels,
                workload.proxy_memory_mib * 2**20,
                since=w.start,
            )
    for service in truth.services:
        ns = service.namespace
        w.gauge(
            "kube_service_spec_type",
            _labels(namespace=ns, service=service.name, type="ClusterIP"),
            1,
        )
        for port_name, number in service.ports:
            w.gauge(
                "kube_endpoint_ports",
                _labels(
                    namespace=ns,
                    endpoint=service.name,
                    port_name=port_name,
                    port_protocol="TCP",
                    port_number=str(number),
                ),
                1,
            )
        for backend in service.workloads:
            for address in pod_ips.get((ns, backend), []):
                w.gauge(
                    "kube_endpoint_address",
                    _labels(namespace=ns, endpoint=service.name, ip=address, ready="true"),
                    1,
                )
    meshed = {(x.namespace, x.name) for x in truth.workloads if x.meshed}
    ports = {(x.namespace, x.name): {name for name, _ in x.ports} for x in truth.services}
    if mesh == "consul":  # a call to a Consul service no Kubernetes Service is named after
        ghost = Edge("bookinfo", "productpage-v1", "bookinfo", "ghost", 1.0, "")
        _consul_edge(w, ghost, {"http"})
    for edge in truth.edges:
        if mesh == "istio":
            reporters = ["destination"] + (
                ["source"] if (edge.source_namespace, edge.source) in meshed else []
            )
            for reporter in reporters:
                w.counter(
                    "istio_requests",
                    _labels(
                        reporter=reporter,
                        source_workload=edge.source,
                        source_workload_namespace=edge.source_namespace,
                        destination_service_name=edge.service,
                        destination_service_namespace=edge.namespace,
                        destination_service=f"{edge.service}.{edge.namespace}.svc.cluster.local",
                        destination_workload=edge.workload,
                        destination_workload_namespace=edge.namespace,
                        response_code="200",
                    ),
                    edge.rps,
                )
        elif mesh == "consul":
            if (edge.source_namespace, edge.source) in meshed:
                _consul_edge(w, edge, ports[(edge.namespace, edge.service)])
        elif (edge.source_namespace, edge.source) in meshed:
            w.counter(
                "request",
                _labels(
                    direction="outbound",
                    namespace=edge.source_namespace,
                    deployment=edge.source,
                    pod=f"{edge.source}-7c9d{len(edge.source):02d}-0",
                    dst_namespace=edge.namespace,
                    dst_service=edge.service,
                    dst_deployment=edge.workload,
                    tls="true",
                ),
                edge.rps,
            )
    return w.text()


def _consul_edge(w: _Writer, edge: Edge, ports: set[str]) -> None:
    """A call as the caller's consul-dataplane (Envoy) counts it on the upstream cluster of the
    destination's Consul service: requests, and the connections they ride on (a tenth); a TCP
    upstream's connections are its calls. Bookinfo's destinations carry the Consul namespace
    `default` (Consul without namespaces), Online Boutique's their own (namespace mirroring)."""
    namespace = "default" if edge.namespace == "bookinfo" else edge.namespace
    labels = _labels(
        namespace=edge.source_namespace,
        pod=f"{edge.source}-7c9d{len(edge.source):02d}-0",
        consul_source_service=edge.source,
        consul_destination_service=edge.service,
        consul_destination_namespace=namespace,
        consul_destination_datacenter="dc1",
        envoy_cluster_name=f"{edge.service}.{namespace}.dc1.internal.4f2a.consul",
    )
    if ports == {"tcp"}:
        w.counter("envoy_cluster_upstream_cx", labels, edge.rps)
        return
    w.counter("envoy_cluster_upstream_rq", labels, edge.rps)
    w.counter("envoy_cluster_upstream_cx", labels, edge.rps / 10)


# ---- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def backfill(text: str, folder: Path) -> Path:
    """A TSDB folder holding `text`'s samples (promtool)."""
    promtool = require_tool("promtool")
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "samples.om"
    source.write_text(text, "utf-8")
    data = folder / "data"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        check=True,
        capture_output=True,
    )
    source.unlink()
    return data


@dataclass
class Prometheus:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(data: Path, *extra: str, auth: bool = False) -> Iterator[Prometheus]:
    """Prometheus serving `data` on a loopback port until the generator is closed."""
    binary = require_tool("prometheus")
    home = data.parent
    config = home / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n", "utf-8")
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        "--storage.tsdb.retention.time=3650d",
    ]
    if auth:
        web = home / "web.yml"
        web.write_text(f"basic_auth_users:\n  {USER}: '{PASSWORD_HASH}'\n", "utf-8")
        args.append(f"--web.config.file={web}")
    port = free_port()
    log = home / f"prometheus-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*args, f"--web.listen-address=127.0.0.1:{port}", *extra], stdout=sink, stderr=sink
        )
    server = Prometheus(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server, auth)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Prometheus, auth: bool) -> None:
    deadline = time.monotonic() + 60
    request = urllib.request.Request(server.url + "/-/ready")
    if auth:
        import base64

        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {server.log.read_text('utf-8')[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"prometheus not ready in 60 s: {server.log.read_text('utf-8')[-2000:]}")


def copy_data(data: Path, to: Path) -> Path:
    """A copy of a TSDB folder for a server of its own (each holds a lock on its own). `data`
    must be one no server is serving: a serving Prometheus compacts its blocks, removing files
    while they would be copied."""
    target = to / "data"
    shutil.copytree(data, target, ignore=shutil.ignore_patterns("lock", "wal", "chunks_head"))
    return target
