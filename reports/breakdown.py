"""Per-namespace sums of a plan's proxy figures, for the reports (presentation, not sizing).

Every figure here is a sum over pods of per-pod figures the plan already holds (request x
replicas), the same arithmetic as the plan's own totals, grouped by namespace. Sidecars and
gateways count in their namespace; the control plane has no namespace in the plan and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import Plan, ProxyPlan


@dataclass(frozen=True)
class NamespaceTotals:
    """The mesh overhead that lands in one namespace: its sidecars and gateways."""

    namespace: str
    workloads: int
    sidecar_pods: int
    gateway_replicas: int
    estimated_cpu_cores: float
    estimated_memory_gib: float
    cpu_request_cores: float
    memory_request_gib: float
    cpu_limit_cores: float
    memory_limit_gib: float
    app_cpu_request_cores: float
    app_memory_request_gib: float
    sidecar_cpu_request_cores_with_app: float
    sidecar_memory_request_gib_with_app: float

    @property
    def sidecar_share_of_app_cpu_ratio(self) -> float | None:
        """Sidecar CPU requests / app CPU requests, over the workloads that give a CPU request."""
        if self.app_cpu_request_cores <= 0:
            return None
        return self.sidecar_cpu_request_cores_with_app / self.app_cpu_request_cores

    @property
    def sidecar_share_of_app_memory_ratio(self) -> float | None:
        """Sidecar memory requests / app memory requests, over the workloads that give one."""
        if self.app_memory_request_gib <= 0:
            return None
        return self.sidecar_memory_request_gib_with_app / self.app_memory_request_gib


@dataclass
class _Sums:
    workloads: int = 0
    sidecar_pods: int = 0
    gateway_replicas: int = 0
    estimated_cpu_millicores: float = 0.0
    estimated_memory_mib: float = 0.0
    cpu_request_millicores: float = 0.0
    memory_request_mib: float = 0.0
    cpu_limit_millicores: float = 0.0
    memory_limit_mib: float = 0.0
    app_cpu_millicores: float = 0.0
    app_memory_mib: float = 0.0
    sidecar_cpu_with_app_millicores: float = 0.0
    sidecar_memory_with_app_mib: float = 0.0

    def add(self, proxy: ProxyPlan, pods: int) -> None:
        self.estimated_cpu_millicores += proxy.estimated_cpu_millicores * pods
        self.estimated_memory_mib += proxy.estimated_memory_mib * pods
        self.cpu_request_millicores += proxy.cpu_request_millicores * pods
        self.memory_request_mib += proxy.memory_request_mib * pods
        self.cpu_limit_millicores += proxy.cpu_limit_millicores * pods
        self.memory_limit_mib += proxy.memory_limit_mib * pods


def namespace_totals(plan: Plan) -> list[NamespaceTotals]:
    """One entry per namespace holding a workload or a gateway, sorted by namespace."""
    sums: dict[str, _Sums] = {}
    for workload in plan.workloads:
        entry = sums.setdefault(workload.namespace, _Sums())
        entry.workloads += 1
        proxy = workload.proxy
        if proxy is None:
            continue
        entry.sidecar_pods += workload.replicas
        entry.add(proxy, workload.replicas)
        # each resource over the workloads that give that request, as the plan's totals
        if workload.app_cpu_millicores is not None:
            entry.app_cpu_millicores += workload.app_cpu_millicores * workload.replicas
            entry.sidecar_cpu_with_app_millicores += (
                proxy.cpu_request_millicores * workload.replicas
            )
        if workload.app_memory_mib is not None:
            entry.app_memory_mib += workload.app_memory_mib * workload.replicas
            entry.sidecar_memory_with_app_mib += proxy.memory_request_mib * workload.replicas
    for gateway in plan.gateways:
        entry = sums.setdefault(gateway.namespace, _Sums())
        entry.gateway_replicas += gateway.replicas
        entry.add(gateway.per_replica, gateway.replicas)
    return [
        NamespaceTotals(
            namespace=name,
            workloads=s.workloads,
            sidecar_pods=s.sidecar_pods,
            gateway_replicas=s.gateway_replicas,
            estimated_cpu_cores=s.estimated_cpu_millicores / 1000.0,
            estimated_memory_gib=s.estimated_memory_mib / 1024.0,
            cpu_request_cores=s.cpu_request_millicores / 1000.0,
            memory_request_gib=s.memory_request_mib / 1024.0,
            cpu_limit_cores=s.cpu_limit_millicores / 1000.0,
            memory_limit_gib=s.memory_limit_mib / 1024.0,
            app_cpu_request_cores=s.app_cpu_millicores / 1000.0,
            app_memory_request_gib=s.app_memory_mib / 1024.0,
            sidecar_cpu_request_cores_with_app=s.sidecar_cpu_with_app_millicores / 1000.0,
            sidecar_memory_request_gib_with_app=s.sidecar_memory_with_app_mib / 1024.0,
        )
        for name, s in sorted(sums.items())
    ]


def heaviest_namespaces(plan: Plan, top: int) -> tuple[list[NamespaceTotals], int]:
    """The namespaces with the largest memory requests (then CPU, then name), and how many more."""
    ordered = sorted(
        namespace_totals(plan),
        key=lambda n: (-n.memory_request_gib, -n.cpu_request_cores, n.namespace),
    )
    return ordered[:top], max(0, len(ordered) - top)
