"""The PromQL `planner collect` sends: every aggregation is the server's, so each answer has one
series per workload, Service or traffic edge, never raw samples.

Each query is a function of an optional namespace (a query the server refuses as too large is
sent again once per namespace, with that namespace in every selector). The metric names are the
real ones: kube-state-metrics v2 (`kube_*`), cAdvisor as the kubelet exports it
(`container_*`), Istio's standard metrics (`istio_requests_total`, `istio_tcp_*`), Linkerd's
proxy metrics (`request_total`, with the `namespace` and `deployment`/`statefulset`/`daemonset`
labels Linkerd's Prometheus configuration adds from the pod), Envoy's cluster statistics as
consul-dataplane exports them (`envoy_cluster_upstream_rq_total` and `_cx_total`, with the
`consul_destination_*` tags Consul's bootstrap adds, and the `namespace` and `pod` labels of the
scrape). docs/collect.md lists which metric fills which column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.knobs import MeshKind

PROXY_CONTAINER = {
    MeshKind.ISTIO_SIDECAR: "istio-proxy",
    MeshKind.ISTIO_AMBIENT: "istio-proxy",
    MeshKind.LINKERD: "linkerd-proxy",
    MeshKind.CONSUL: "consul-dataplane",
    MeshKind.APPMESH: "envoy",
}
"""The proxy container of a meshed pod (a sidecar, or a native sidecar: an init container)."""


@dataclass(frozen=True)
class Where:
    """Where a query looks: one namespace (None: every one) and the user's own matchers
    (`--match`, such as `cluster="eu-1"` on a fleet-wide Thanos or Mimir), added to every
    selector as given."""

    namespace: str | None = None
    matchers: tuple[str, ...] = ()

    def split(self, namespace: str) -> Where:
        return Where(namespace, self.matchers)


Build = Callable[[Where], str]


def selector(metric: str, namespace: Where, label: str = "namespace", **matchers: str) -> str:
    """`metric{k="v",...}` with the namespace matcher (on `label`) when `namespace` names one,
    and its extra matchers. Values are PromQL string literals; `=~`, `!=` and `!~` matchers are
    written as `k="~v"`, `k="!v"`, `k="!~v"`."""
    parts = []
    for key, given in sorted(matchers.items()):
        op, value = "=", given
        for prefix in ("!~", "!", "~"):
            if given.startswith(prefix):
                op = {"!~": "!~", "!": "!=", "~": "=~"}[prefix]
                value = given[len(prefix) :]
                break
        parts.append(f"{key}{op}{_string(value)}")
    if namespace.namespace is not None:
        parts.append(f"{label}={_string(namespace.namespace)}")
    parts += namespace.matchers
    return f"{metric}{{{','.join(parts)}}}"


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _kind(vector: str, kind: str) -> str:
    return f'label_replace({vector}, "kind", "{kind}", "namespace", ".*")'


def _renamed(vector: str, to: str, source: str) -> str:
    return f'label_replace({vector}, "{to}", "$1", "{source}", "(.+)")'


def pod_workload(ns: Where) -> str:
    """One series per pod: its `workload` and `kind` (a Deployment through its ReplicaSet, a
    StatefulSet, a DaemonSet). Pods of anything else (bare pods, Jobs) have none."""
    replicasets = _renamed(
        selector("kube_pod_owner", ns, owner_kind="ReplicaSet"), "replicaset", "owner_name"
    )
    deployments = (
        "max by (namespace, replicaset, workload) ("
        + _renamed(
            selector("kube_replicaset_owner", ns, owner_kind="Deployment"), "workload", "owner_name"
        )
        + ")"
    )
    parts = [
        _kind(
            f"({replicasets} * on (namespace, replicaset) group_left (workload) {deployments})",
            "Deployment",
        ),
        _kind(
            _renamed(
                selector("kube_pod_owner", ns, owner_kind="StatefulSet"), "workload", "owner_name"
            ),
            "StatefulSet",
        ),
        _kind(
            _renamed(
                selector("kube_pod_owner", ns, owner_kind="DaemonSet"), "workload", "owner_name"
            ),
            "DaemonSet",
        ),
    ]
    return "max by (namespace, pod, workload, kind) (" + " or ".join(parts) + ")"


def per_workload(per_pod: str, ns: Where, how: str = "avg") -> str:
    """`how` by workload of a per-pod vector (labels namespace and pod)."""
    return (
        f"{how} by (namespace, workload) ({per_pod} * on (namespace, pod) group_left (workload) "
        f"{pod_workload(ns)})"
    )


def replicas(ns: Where) -> str:
    """Desired replicas of every Deployment, StatefulSet and DaemonSet."""
    parts = [
        _kind(
            _renamed(selector("kube_deployment_spec_replicas", ns), "workload", "deployment"),
            "Deployment",
        ),
        _kind(
            _renamed(selector("kube_statefulset_replicas", ns), "workload", "statefulset"),
            "StatefulSet",
        ),
        _kind(
            _renamed(
                selector("kube_daemonset_status_desired_number_scheduled", ns),
                "workload",
                "daemonset",
            ),
            "DaemonSet",
        ),
    ]
    return "max by (namespace, workload, kind) (" + " or ".join(parts) + ")"


def _container(metric: str, ns: Where, container: str, **matchers: str) -> str:
    """A per-pod sum over the proxy container, as a regular or a native sidecar (init)."""
    regular = selector(f"kube_pod_container_{metric}", ns, container=container, **matchers)
    native = selector(f"kube_pod_init_container_{metric}", ns, container=container, **matchers)
    return f"sum by (namespace, pod) ({regular} or {native})"


def meshed_pods(container: str) -> Build:
    """Pods per workload that run the mesh's proxy container."""
    return lambda ns: per_workload(
        f"max by (namespace, pod) ({_container('info', ns, container)} * 0 + 1)", ns, "count"
    )


def app_requests(resource: str, container: str, scale: str) -> Build:
    """The app containers' request per pod (the proxy's excluded), averaged over the pods, then
    `scale` (`* 1000`: cores to millicores; `/ 1048576`: bytes to MiB)."""
    return lambda ns: (
        per_workload(
            "sum by (namespace, pod) ("
            + selector(
                "kube_pod_container_resource_requests",
                ns,
                resource=resource,
                container=f"!{container}",
            )
            + ")",
            ns,
        )
        + f" {scale}"
    )


def proxy_resources(kind: str, resource: str, container: str, scale: str) -> Build:
    """The proxy container's request or limit (`kind`) per pod, averaged over the pods."""
    return lambda ns: (
        per_workload(_container(f"resource_{kind}", ns, container, resource=resource), ns)
        + f" {scale}"
    )


def proxy_cpu(container: str, window: str, rate_interval: str) -> Build:
    """The proxy's CPU per pod at the 95th percentile over the window (sampled every
    `rate_interval`), then the 95th percentile over the workload's pods, in millicores."""

    def build(ns: Where) -> str:
        usage = selector("container_cpu_usage_seconds_total", ns, container=container)
        per_pod = (
            f"quantile_over_time(0.95, sum by (namespace, pod) (rate({usage}[{rate_interval}]))"
            f"[{window}:{rate_interval}])"
        )
        return (
            f"quantile by (namespace, workload) (0.95, {per_pod} * on (namespace, pod) "
            f"group_left (workload) {pod_workload(ns)}) * 1000"
        )

    return build


def proxy_memory(container: str, window: str) -> Build:
    """The proxy's working set per pod at its maximum over the window, then the maximum over the
    workload's pods, in MiB."""
    return lambda ns: (
        per_workload(
            "max by (namespace, pod) (max_over_time("
            + selector("container_memory_working_set_bytes", ns, container=container)
            + f"[{window}]))",
            ns,
            "max",
        )
        + " / 1048576"
    )


def services(ns: Where) -> str:
    """Every Service and its type."""
    return "max by (namespace, service, type) (" + selector("kube_service_spec_type", ns) + ")"


def service_ports(ns: Where) -> str:
    """Every Service port (by its Endpoints object, named like the Service): its name and
    protocol, for the Istio protocol its name selects."""
    return (
        "max by (namespace, endpoint, port_name, port_number, port_protocol) ("
        + selector("kube_endpoint_ports", ns)
        + ")"
    )


def backing(ns: Where) -> str:
    """Which workloads each Service's endpoints are pods of (hostNetwork pods left out: they
    share their node's address)."""
    pods = _renamed(
        "max by (namespace, pod, pod_ip) ("
        + selector("kube_pod_info", ns, host_network="!true")
        + ")",
        "ip",
        "pod_ip",
    )
    addresses = (
        "max by (namespace, ip, workload) ("
        + f"{pods} * on (namespace, pod) group_left (workload) {pod_workload(ns)})"
    )
    unique = f"topk by (namespace, ip) (1, {addresses})"
    return (
        "count by (namespace, endpoint, workload) (max by (namespace, endpoint, ip) ("
        + selector("kube_endpoint_address", ns)
        + f") * on (namespace, ip) group_left (workload) {unique})"
    )


EDGE = (
    "source_workload_namespace",
    "source_workload",
    "destination_service_namespace",
    "destination_service_name",
    "destination_workload_namespace",
    "destination_workload",
)


def istio_edges(metric: str, window: str) -> Build:
    """Per traffic edge, the rate over the window. Both proxies of a call report it (reporter
    source and destination; a waypoint in ambient mode): the largest report is taken, so an
    edge is never counted twice and an edge only one side sees (a caller outside the mesh, a
    destination outside it) is still counted."""
    labels = ", ".join(EDGE)
    return lambda ns: (
        f"max by ({labels}) (sum by ({labels}, reporter) (rate("
        + selector(metric, ns, label="destination_service_namespace")
        + f"[{window}])))"
    )


LINKERD_EDGE = (
    "namespace",
    "deployment",
    "statefulset",
    "daemonset",
    "dst_namespace",
    "dst_service",
    "dst_deployment",
    "dst_statefulset",
    "dst_daemonset",
)


def linkerd_edges(window: str) -> Build:
    """Per traffic edge, the outbound request rate over the window, as the calling proxies
    report it (`direction="outbound"`, the destination's `dst_*` labels)."""
    labels = ", ".join(LINKERD_EDGE)
    return lambda ns: (
        f"sum by ({labels}) (rate("
        + selector("request_total", ns, direction="outbound")
        + f"[{window}]))"
    )


CONSUL_EDGE = (
    "namespace",
    "workload",
    "consul_destination_namespace",
    "consul_destination_service",
)


def consul_edges(metric: str, window: str, only_without_requests: bool = False) -> Build:
    """Per traffic edge, the rate over the window as the calling proxies' Envoy counts it per
    upstream cluster (`consul_destination_service`: a Consul service), the calling pod mapped to
    its workload. With `only_without_requests` (connections opened), only the edges that carry
    no HTTP request: a TCP upstream, whose connections are its calls (an HTTP upstream's
    connections are not counted again)."""
    labels = ", ".join(CONSUL_EDGE)

    def build(ns: Where) -> str:
        rate = (
            f"sum by ({labels}) (rate("
            + selector(metric, ns, consul_destination_service="!")
            + f"[{window}]) * on (namespace, pod) group_left (workload) {pod_workload(ns)})"
        )
        if not only_without_requests:
            return rate
        requests = consul_edges("envoy_cluster_upstream_rq_total", window)(ns)
        return f"{rate} unless on ({labels}) ({requests} > 0)"

    return build


def nodes(ns: Where) -> str:
    """Every node (node-level series carry no namespace: `ns` adds the user's matchers only)."""
    return "max by (node) (" + selector("kube_node_info", Where(None, ns.matchers)) + ")"


def node_pods(ns: Where) -> str:
    """Pods per node (every pod kube-state-metrics knows, meshed or not)."""
    return "count by (node) (" + selector("kube_pod_info", Where(None, ns.matchers), node="!") + ")"


def node_allocatable(resource: str, scale: str = "") -> Build:
    """A node's allocatable `resource`, then `scale` (`/ 1073741824`: bytes to GiB)."""
    return lambda ns: (
        "max by (node) ("
        + selector("kube_node_status_allocatable", Where(None, ns.matchers), resource=resource)
        + ")"
        + (f" {scale}" if scale else "")
    )


def namespaces(ns: Where) -> str:
    """The namespaces the server knows pods in (to split a query by)."""
    return "count by (namespace) (" + selector("kube_pod_info", ns) + ")"


@dataclass(frozen=True)
class Query:
    """One query: its name (in collect.json), what it fills, the labels a result must carry,
    whether the collection stops without any result, and whether it can be split by namespace
    (node-level series have none)."""

    name: str
    fills: str
    build: Build
    labels: tuple[str, ...]
    required: bool = False
    splittable: bool = True
