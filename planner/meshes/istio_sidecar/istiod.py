"""istiod as a control-plane component: what it is sized from and by which terms.

    shared memory (each replica) = baseline + endpoints x per endpoint + services x per service
    serving memory (all replicas) = (connected proxies x per proxy
                                     + clusters in all proxies' configuration x per proxy-cluster
                                     + endpoints in all proxies' configuration x per
                                       proxy-endpoint)
                                    x (1 + churn factor x pod churn ratio)
    CPU (all replicas)            = connected proxies / 1000 x CPU per 1000 proxies
    guideline (shown beside it)   = 1 MB x services + 0.5 MB x pods

istiod keeps, per connection, what it last generated for that proxy, so a proxy costs it more
the more configuration it holds: scoping (fewer clusters and endpoints per proxy) shrinks the
same term that sizes it. Replicas, requests and limits follow planner.model.control_plane.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import ComponentPolicy, Driver, Term
from planner.meshes.istio_sidecar.profile import ControlPlaneModel
from planner.model.control_plane import ComponentModel
from planner.model.sizing import MIB

COMPONENT = "istiod"
_CP = "control_plane."


@dataclass(frozen=True)
class MeshCounts:
    """What istiod tracks and serves."""

    services: int
    pods: int
    endpoints: int
    connected_proxies: int
    proxy_visible_clusters: int
    proxy_visible_endpoints: int


GUIDELINE_FORMULA = "1 MB x services + 0.5 MB x pods (rule of thumb, no primary source)"
MODEL_FORMULA = (
    "{baseline_mib:g} MiB + endpoints x {endpoint_bytes:g} B + services x {service_mib:g} MiB "
    "(each replica) + (connected proxies x {proxy_mib:g} MiB + clusters in all proxies' "
    "configuration x {proxy_cluster_bytes:g} B + endpoints in all proxies' configuration x "
    "{proxy_endpoint_bytes:g} B) x (1 + {churn_factor:g} x pod churn {churn_ratio:g}) (shared out "
    "among replicas)"
)

POLICY = ComponentPolicy(
    cpu_request_floor=f"{_CP}cpu_request_floor_millicores",
    memory_request_floor=f"{_CP}memory_request_floor_mib",
    cpu_limit_ratio=f"{_CP}cpu_limit_ratio",
    memory_limit_ratio=f"{_CP}memory_limit_ratio",
    max_cpu_per_replica=f"{_CP}max_cpu_per_replica_millicores",
    memory_limit_floor=None,
    max_memory_per_replica=f"{_CP}max_memory_per_replica_mib",
    autoscale_max_ratio=f"{_CP}autoscale_max_ratio",
    autoscale_headroom_share=f"{_CP}autoscale_headroom_share",
)


def _term(driver: str | None, coefficient: str, divisor: float = 1.0) -> Term:
    return Term(driver=driver, coefficient=_CP + coefficient, divisor=divisor)


SHARED = (
    _term(None, "baseline_memory_mib"),
    _term("endpoints", "memory_per_endpoint_bytes", MIB),
    _term("services", "memory_per_service_mib"),
)
SERVING = (
    _term("connected_proxies", "memory_per_proxy_mib"),
    _term("proxy_visible_clusters", "memory_per_proxy_visible_cluster_bytes", MIB),
    _term("proxy_visible_endpoints", "memory_per_proxy_visible_endpoint_bytes", MIB),
)
MULTIPLIER = (_term("pod_churn_ratio", "memory_churn_factor"),)
CPU = (_term("connected_proxies", "cpu_per_1000_proxies_millicores", 1000.0),)
GUIDELINE = (
    _term("services", "guideline_memory_per_service_mib"),
    _term("pods", "guideline_memory_per_pod_mib"),
)


def istiod_model(
    counts: MeshCounts, model: ControlPlaneModel, churn_ratio: float
) -> ComponentModel:
    """istiod's drivers and terms for a mesh with these counts."""
    drivers = (
        Driver(
            name="connected_proxies",
            label="Connected proxies",
            unit="proxies",
            value=counts.connected_proxies,
        ),
        Driver(name="services", label="Services watched", unit="services", value=counts.services),
        Driver(
            name="endpoints",
            label="Endpoints tracked",
            unit="endpoints",
            value=counts.endpoints,
        ),
        Driver(name="pods", label="Pods watched", unit="pods", value=counts.pods),
        Driver(
            name="proxy_visible_clusters",
            label="Clusters in all proxies' configuration",
            unit="clusters",
            value=counts.proxy_visible_clusters,
        ),
        Driver(
            name="proxy_visible_endpoints",
            label="Endpoints in all proxies' configuration",
            unit="endpoints",
            value=counts.proxy_visible_endpoints,
        ),
        Driver(
            name="pod_churn_ratio",
            label="Pod churn (share being replaced)",
            unit="ratio",
            value=churn_ratio,
        ),
    )
    formula = MODEL_FORMULA.format(
        baseline_mib=model.baseline_memory_mib.value,
        endpoint_bytes=model.memory_per_endpoint_bytes.value,
        service_mib=model.memory_per_service_mib.value,
        proxy_mib=model.memory_per_proxy_mib.value,
        proxy_cluster_bytes=model.memory_per_proxy_visible_cluster_bytes.value,
        proxy_endpoint_bytes=model.memory_per_proxy_visible_endpoint_bytes.value,
        churn_factor=model.memory_churn_factor.value,
        churn_ratio=churn_ratio,
    )
    return ComponentModel(
        component=COMPONENT,
        title="istiod",
        drivers=drivers,
        shared=SHARED,
        serving=SERVING,
        multiplier=MULTIPLIER,
        cpu=CPU,
        policy=POLICY,
        model_formula=formula,
        guideline=GUIDELINE,
        guideline_formula=GUIDELINE_FORMULA,
        state_advice="more replicas cannot help, discovery selectors (scoping) can",
    )
