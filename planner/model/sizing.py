"""Sizing Envoy proxies (sidecars and gateways): expected usage, then requests and limits.

    estimated CPU    = idle + (HTTP rps + L4 rps x TCP ratio) through the proxy per pod / 1000
                       x CPU per 1000 rps (version)
    estimated memory = base (version) + (clusters x (per cluster + workers x per cluster-worker)
                       + endpoints x per endpoint
                       + listeners x (per listener + workers x per listener-worker)) / 2^20
    request          = max(estimated, observed) x (1 + headroom), at least the floor, rounded up
    CPU limit        = max(request, the chart's default limit)
    memory limit     = max(request x memory limit ratio, the chart's default limit), and, for a
                       proxy without a trusted scope, at least the request it would need if it saw
                       the whole mesh (`protect_limits`)

All functions work on whole frames; none loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.plan import Basis, LimitBasis, OomRisk
from models.profile import ObjectFigures, ProxyModel, Rounding, VersionFigures
from planner.frames import require

MIB = 1024.0 * 1024.0

PROXY_NEEDS = (
    "rps_per_pod",
    "l4_rps_per_pod",
    "visible_clusters",
    "visible_endpoints",
    "visible_listeners",
    "observed_cpu_millicores",
    "observed_memory_mib",
)
PROXY_ADDS = (
    "estimated_cpu_millicores",
    "estimated_memory_mib",
    "cpu_basis",
    "memory_basis",
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_mib",
    "memory_limit_mib",
    "memory_limit_basis",
)


Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ProxySizing:
    """What proxy sizing needs from a profile and the knobs, resolved for one mesh version."""

    proxy: ProxyModel
    figures: VersionFigures
    objects: ObjectFigures
    rounding: Rounding
    headroom_ratio: float


def estimated_cpu_millicores(
    rps_per_pod: Floats, sizing: ProxySizing, l4_rps_per_pod: Floats | None = None
) -> Floats:
    """Expected proxy CPU per pod from the requests per second through it, of which
    `l4_rps_per_pod` go to Services it proxies at L4 (priced at the profile's TCP ratio)."""
    per_1000 = sizing.figures.cpu_per_1000_rps_millicores.value
    l4 = np.zeros_like(rps_per_pod) if l4_rps_per_pod is None else l4_rps_per_pod
    weighted = rps_per_pod - l4 + l4 * sizing.proxy.tcp_cpu_ratio.value
    return sizing.proxy.idle_cpu_millicores.value + weighted / 1000.0 * per_1000


def bytes_per_object(proxy: ProxyModel, objects: ObjectFigures) -> tuple[float, float, float]:
    """Bytes one cluster, one endpoint and one listener cost a proxy, at its worker count, with
    the Envoy of the mesh version `objects` holds for."""
    workers = proxy.concurrency.value
    per_cluster = objects.memory_per_cluster_bytes.value + workers * (
        proxy.memory_per_worker_per_cluster_bytes.value
    )
    per_listener = proxy.memory_per_listener_bytes.value + workers * (
        proxy.memory_per_worker_per_listener_bytes.value
    )
    return per_cluster, objects.memory_per_endpoint_bytes.value, per_listener


def estimated_memory_mib(
    clusters: Floats, endpoints: Floats, listeners: Floats, sizing: ProxySizing
) -> Floats:
    """Expected proxy memory per pod from the configuration it holds."""
    per_cluster, per_endpoint, per_listener = bytes_per_object(sizing.proxy, sizing.objects)
    config_bytes = clusters * per_cluster + endpoints * per_endpoint + listeners * per_listener
    return sizing.figures.base_memory_mib.value + config_bytes / MIB


def round_up(values: Floats, step: int) -> npt.NDArray[np.int64]:
    """Round up to a multiple of `step`, ignoring float noise below a millionth of a step."""
    return (np.ceil(np.round(values / step, 6)) * step).astype(np.int64)


def ceil_step(value: float, step: int) -> int:
    """`round_up` for one number."""
    return int(round_up(np.array([value], dtype=np.float64), step)[0])


def size_proxies(proxies: pd.DataFrame, sizing: ProxySizing) -> pd.DataFrame:
    """Add expected usage, basis, requests and limits to a frame of proxies (one row per pod kind).

    Observed figures (NaN where unknown) win where they are higher than the model: a request is
    never below observed usage plus headroom.
    """
    require(proxies, PROXY_NEEDS, "size_proxies")
    proxy = sizing.proxy
    out = proxies.copy()
    cpu = estimated_cpu_millicores(
        out["rps_per_pod"].to_numpy(dtype=np.float64),
        sizing,
        out["l4_rps_per_pod"].to_numpy(dtype=np.float64),
    )
    memory = estimated_memory_mib(
        out["visible_clusters"].to_numpy(dtype=np.float64),
        out["visible_endpoints"].to_numpy(dtype=np.float64),
        out["visible_listeners"].to_numpy(dtype=np.float64),
        sizing,
    )
    observed_cpu = out["observed_cpu_millicores"].to_numpy(dtype=np.float64)
    observed_memory = out["observed_memory_mib"].to_numpy(dtype=np.float64)
    cpu_observed_wins = observed_cpu > cpu
    memory_observed_wins = observed_memory > memory
    cpu_basis_value = np.where(cpu_observed_wins, observed_cpu, cpu)
    memory_basis_value = np.where(memory_observed_wins, observed_memory, memory)
    grow = 1.0 + sizing.headroom_ratio
    cpu_request = round_up(
        np.maximum(cpu_basis_value * grow, proxy.cpu_request_floor_millicores.value),
        sizing.rounding.cpu_step_millicores,
    )
    memory_request = round_up(
        np.maximum(memory_basis_value * grow, proxy.memory_request_floor_mib.value),
        sizing.rounding.memory_step_mib,
    )
    cpu_limit = np.maximum(
        cpu_request,
        round_up(
            np.full(len(out), proxy.cpu_limit_floor_millicores.value),
            sizing.rounding.cpu_step_millicores,
        ),
    )
    by_ratio = np.maximum(
        memory_request,
        round_up(
            memory_request.astype(np.float64) * proxy.memory_limit_ratio.value,
            sizing.rounding.memory_step_mib,
        ),
    )
    chart = round_up(
        np.full(len(out), proxy.memory_limit_floor_mib.value), sizing.rounding.memory_step_mib
    )
    memory_limit = np.maximum(by_ratio, chart)
    out["estimated_cpu_millicores"] = cpu
    out["estimated_memory_mib"] = memory
    out["cpu_basis"] = np.where(cpu_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["memory_basis"] = np.where(memory_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["cpu_request_millicores"] = cpu_request
    out["cpu_limit_millicores"] = cpu_limit
    out["memory_request_mib"] = memory_request
    out["memory_limit_mib"] = memory_limit
    out["memory_limit_basis"] = np.where(
        by_ratio >= chart, LimitBasis.REQUEST_RATIO.value, LimitBasis.CHART_DEFAULT.value
    )
    return out


def protect_limits(
    sized: pd.DataFrame, whole_mesh_request_mib: pd.Series, trusted: pd.Series
) -> pd.DataFrame:
    """Raise the memory limits of proxies without a trusted scope to what they would request if
    they saw the whole mesh, and mark the OOM risk of those with one.

    A proxy whose Sidecar is missing, not yet applied, or a namespace-level fallback can be sent
    the whole mesh's configuration at the next push; one with a trusted scope is at risk only if
    its Sidecar is removed. `whole_mesh_request_mib` and `trusted` are aligned with `sized`.
    """
    out = sized.copy()
    need = whole_mesh_request_mib.to_numpy(dtype=np.int64)
    limit = out["memory_limit_mib"].to_numpy(dtype=np.int64)
    guard = ~trusted.to_numpy(dtype=bool) & (need > limit)
    out["memory_limit_mib"] = np.where(guard, need, limit)
    out["memory_limit_basis"] = np.where(
        guard, LimitBasis.WHOLE_MESH.value, out["memory_limit_basis"].to_numpy(dtype=object)
    )
    out["whole_mesh_memory_request_mib"] = need
    out["scope_trusted"] = trusted.to_numpy(dtype=bool)
    out["oom_risk"] = np.where(
        out["memory_limit_mib"].to_numpy(dtype=np.int64) < need,
        OomRisk.IF_SCOPE_LOST.value,
        OomRisk.NONE.value,
    )
    return out
