"""From a proxy's expected usage to its requests and limits: mesh-neutral.

    request      = max(estimated, observed) x (1 + headroom), at least the floor, rounded up
    CPU limit    = max(request, the CPU limit floor)
    memory limit = max(request x memory limit ratio, the memory limit floor), and, for a proxy
                   without a trusted scope, at least the request it would need if it saw the
                   whole mesh (`protect_limits`)

A mesh's entry estimates usage (planner.model.envoy for Envoy-based meshes); the floors and
ratios are its profile's (`ProxyPolicy`). All functions work on whole frames; none loops over
rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.plan import Basis, Formula, LimitBasis, OomRisk
from models.profile import Coefficient, Rounding
from planner.frames import require

MIB = 1024.0 * 1024.0

REQUEST_NEEDS = (
    "estimated_cpu_millicores",
    "estimated_memory_mib",
    "observed_cpu_millicores",
    "observed_memory_mib",
)
REQUEST_ADDS = (
    "cpu_basis",
    "memory_basis",
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_mib",
    "memory_limit_mib",
    "memory_limit_basis",
)

Floats = npt.NDArray[np.float64]


class ProxyFloors(Protocol):
    """A mesh profile's proxy group: the floors and the limit ratio of its requests and limits."""

    @property
    def cpu_request_floor_millicores(self) -> Coefficient: ...
    @property
    def memory_request_floor_mib(self) -> Coefficient: ...
    @property
    def cpu_limit_floor_millicores(self) -> Coefficient: ...
    @property
    def memory_limit_floor_mib(self) -> Coefficient: ...
    @property
    def memory_limit_ratio(self) -> Coefficient: ...


@dataclass(frozen=True)
class ProxyPolicy:
    """A mesh's floors and ratios for proxy requests and limits, and the rounding steps.

    The floors are what mesh-planner recommends at least; what the mesh's chart applies today
    when nothing is set is a separate matter (planner.model.records.CurrentDefaults).
    """

    cpu_request_floor_millicores: float
    memory_request_floor_mib: float
    cpu_limit_floor_millicores: float
    memory_limit_floor_mib: float
    memory_limit_ratio: float
    rounding: Rounding
    headroom_ratio: float

    @classmethod
    def of(cls, proxy: ProxyFloors, rounding: Rounding, headroom_ratio: float) -> ProxyPolicy:
        """The policy a mesh profile's proxy group gives, at this run's headroom."""
        return cls(
            cpu_request_floor_millicores=proxy.cpu_request_floor_millicores.value,
            memory_request_floor_mib=proxy.memory_request_floor_mib.value,
            cpu_limit_floor_millicores=proxy.cpu_limit_floor_millicores.value,
            memory_limit_floor_mib=proxy.memory_limit_floor_mib.value,
            memory_limit_ratio=proxy.memory_limit_ratio.value,
            rounding=rounding,
            headroom_ratio=headroom_ratio,
        )

    def formulas(self) -> tuple[Formula, Formula]:
        """The `request` and `limits` formulas with this policy's figures."""
        headroom, rounding = self.headroom_ratio, self.rounding
        return (
            Formula(
                name="request",
                expression=f"max(estimate, observed) x {1 + headroom:g} (headroom "
                f"{headroom:g}), at least {self.cpu_request_floor_millicores:g}m CPU and "
                f"{self.memory_request_floor_mib:g}Mi memory, rounded up to "
                f"{rounding.cpu_step_millicores}m and {rounding.memory_step_mib}Mi",
            ),
            Formula(
                name="limits",
                expression=f"CPU: max(request, {self.cpu_limit_floor_millicores:g}m); memory: "
                f"max(request x {self.memory_limit_ratio:g}, {self.memory_limit_floor_mib:g}Mi)",
            ),
        )


def proxy_cpu_millicores(
    rps_per_pod: Floats,
    l4_rps_per_pod: Floats,
    idle_millicores: float,
    per_1000_rps_millicores: float,
    tcp_cpu_ratio: float,
) -> Floats:
    """Expected proxy CPU per pod, the same shape for every mesh (models.plan.ProxyModel): idle
    plus the requests per second through it, of which `l4_rps_per_pod` go to Services proxied
    at L4 and are priced at the TCP ratio."""
    weighted = rps_per_pod - l4_rps_per_pod + l4_rps_per_pod * tcp_cpu_ratio
    result: Floats = idle_millicores + weighted / 1000.0 * per_1000_rps_millicores
    return result


def round_up(values: Floats, step: int) -> npt.NDArray[np.int64]:
    """Round up to a multiple of `step`, ignoring float noise below a millionth of a step."""
    return (np.ceil(np.round(values / step, 6)) * step).astype(np.int64)


def ceil_step(value: float, step: int) -> int:
    """`round_up` for one number."""
    return int(round_up(np.array([value], dtype=np.float64), step)[0])


def size_requests(proxies: pd.DataFrame, policy: ProxyPolicy) -> pd.DataFrame:
    """Add basis, requests and limits to a frame of proxies with expected and observed usage.

    Observed figures (NaN where unknown) win where they are higher than the model: a request is
    never below observed usage plus headroom.
    """
    require(proxies, REQUEST_NEEDS, "size_requests")
    out = proxies.copy()
    cpu = out["estimated_cpu_millicores"].to_numpy(dtype=np.float64)
    memory = out["estimated_memory_mib"].to_numpy(dtype=np.float64)
    observed_cpu = out["observed_cpu_millicores"].to_numpy(dtype=np.float64)
    observed_memory = out["observed_memory_mib"].to_numpy(dtype=np.float64)
    cpu_observed_wins = observed_cpu > cpu
    memory_observed_wins = observed_memory > memory
    cpu_basis_value = np.where(cpu_observed_wins, observed_cpu, cpu)
    memory_basis_value = np.where(memory_observed_wins, observed_memory, memory)
    grow = 1.0 + policy.headroom_ratio
    cpu_step, memory_step = policy.rounding.cpu_step_millicores, policy.rounding.memory_step_mib
    cpu_request = round_up(
        np.maximum(cpu_basis_value * grow, policy.cpu_request_floor_millicores), cpu_step
    )
    memory_request = round_up(
        np.maximum(memory_basis_value * grow, policy.memory_request_floor_mib), memory_step
    )
    cpu_limit = np.maximum(
        cpu_request, round_up(np.full(len(out), policy.cpu_limit_floor_millicores), cpu_step)
    )
    by_ratio = np.maximum(
        memory_request,
        round_up(memory_request.astype(np.float64) * policy.memory_limit_ratio, memory_step),
    )
    chart = round_up(np.full(len(out), policy.memory_limit_floor_mib), memory_step)
    out["cpu_basis"] = np.where(cpu_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["memory_basis"] = np.where(memory_observed_wins, Basis.OBSERVED.value, Basis.MODEL.value)
    out["cpu_request_millicores"] = cpu_request
    out["cpu_limit_millicores"] = cpu_limit
    out["memory_request_mib"] = memory_request
    out["memory_limit_mib"] = np.maximum(by_ratio, chart)
    out["memory_limit_basis"] = np.where(
        by_ratio >= chart, LimitBasis.REQUEST_RATIO.value, LimitBasis.CHART_DEFAULT.value
    )
    return out


def protect_limits(
    sized: pd.DataFrame, whole_mesh_request_mib: pd.Series, trusted: pd.Series
) -> pd.DataFrame:
    """Raise the memory limits of proxies without a trusted scope to what they would request if
    they saw the whole mesh, and mark the OOM risk of those with one.

    A proxy whose scope is missing, not yet applied, or a fall-back can be sent the whole
    mesh's configuration at the next push; one with a trusted scope is at risk only if that
    scope is removed. `whole_mesh_request_mib` and `trusted` are aligned with `sized`; a mesh
    with no scoping passes each proxy's own request and nobody trusted.
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


def unprotected(sized: pd.DataFrame) -> pd.DataFrame:
    """`protect_limits` for a mesh without scoping: every proxy already holds what it needs."""
    return protect_limits(sized, sized["memory_request_mib"], pd.Series(False, index=sized.index))
