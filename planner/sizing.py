"""Sizing Envoy proxies (sidecars and gateways): expected usage, then requests and limits.

    estimated CPU    = idle + rps through the proxy per pod / 1000 x CPU per 1000 rps (version)
    estimated memory = base (version) + (clusters x (per cluster + workers x per cluster-worker)
                       + endpoints x per endpoint
                       + listeners x (per listener + workers x per listener-worker)) / 2^20
    request          = max(estimated, observed) x (1 + headroom), at least the floor, rounded up
    CPU limit        = max(request, the chart's default limit)
    memory limit     = request x memory limit ratio, rounded up

All functions work on whole frames; none loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.plan import Basis
from models.profile import ObjectFigures, ProxyModel, Rounding, VersionFigures
from planner.frames import require

MIB = 1024.0 * 1024.0

PROXY_NEEDS = (
    "rps_per_pod",
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


def estimated_cpu_millicores(rps_per_pod: Floats, sizing: ProxySizing) -> Floats:
    """Expected proxy CPU per pod from the requests per second through it."""
    per_1000 = sizing.figures.cpu_per_1000_rps_millicores.value
    return sizing.proxy.idle_cpu_millicores.value + rps_per_pod / 1000.0 * per_1000


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
    cpu = estimated_cpu_millicores(out["rps_per_pod"].to_numpy(dtype=np.float64), sizing)
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
    memory_limit = np.maximum(
        memory_request,
        round_up(
            memory_request.astype(np.float64) * proxy.memory_limit_ratio.value,
            sizing.rounding.memory_step_mib,
        ),
    )
    out["estimated_cpu_millicores"] = cpu
    out["estimated_memory_mib"] = memory
    out["cpu_basis"] = np.where(cpu_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["memory_basis"] = np.where(memory_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["cpu_request_millicores"] = cpu_request
    out["cpu_limit_millicores"] = cpu_limit
    out["memory_request_mib"] = memory_request
    out["memory_limit_mib"] = memory_limit
    return out
