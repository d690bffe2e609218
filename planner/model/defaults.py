"""The mesh-wide proxy default (the mesh chart's proxy resources) chosen from the per-workload
recommendations, and which workloads still need a patch of their own.

Rule: for each of CPU request, CPU limit, memory request and memory limit, the default is the
recommended value that the most workloads' recommendations lie within +/- threshold of (ties go
to the larger value, the safer one). A workload needs a patch when any of its four values lies
outside the threshold of the default. Counting uses sorted arrays and binary search: O(n log n).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.plan import ProxyDefault
from planner.frames import require
from planner.model.sizing import ProxyPolicy, ceil_step

QUANTITIES = (
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_mib",
    "memory_limit_mib",
)
RULE = (
    "for each of CPU and memory request and limit, the recommended value the most workloads' "
    "recommendations lie within +/-{threshold:g} of (ties: the larger); a workload outside that "
    "band on any of the four gets a patch"
)


def most_covering(values: npt.NDArray[np.float64], threshold: float) -> float:
    """The value among `values` whose +/- threshold band holds the most of them (ties: larger)."""
    ordered = np.sort(values)
    candidates = np.unique(ordered)
    low = np.searchsorted(ordered, candidates * (1.0 - threshold), side="left")
    high = np.searchsorted(ordered, candidates * (1.0 + threshold), side="right")
    counts = high - low
    best = np.flatnonzero(counts == counts.max())[-1]
    return float(candidates[best])


def within(
    values: npt.NDArray[np.float64], default: float, threshold: float
) -> npt.NDArray[np.bool_]:
    """Whether each value lies within +/- threshold of the default."""
    return np.abs(values - default) <= threshold * default + 1e-9


def proxy_default(
    sidecars: pd.DataFrame, threshold: float, policy: ProxyPolicy, applies_today: str
) -> tuple[ProxyDefault, npt.NDArray[np.bool_]]:
    """The mesh-wide default and, per row of `sidecars`, whether it needs a patch.

    `applies_today` says what the mesh's chart gives a proxy without a default."""
    require(sidecars, QUANTITIES, "proxy_default")
    if sidecars.empty:
        request_memory = policy.memory_request_floor_mib
        chosen = {
            "cpu_request_millicores": policy.cpu_request_floor_millicores,
            "cpu_limit_millicores": policy.cpu_limit_floor_millicores,
            "memory_request_mib": request_memory,
            "memory_limit_mib": ceil_step(
                request_memory * policy.memory_limit_ratio, policy.rounding.memory_step_mib
            ),
        }
        inside = np.zeros(0, dtype=bool)
    else:
        chosen = {
            q: most_covering(sidecars[q].to_numpy(dtype=np.float64), threshold) for q in QUANTITIES
        }
        inside = np.ones(len(sidecars), dtype=bool)
        for quantity, value in chosen.items():
            inside &= within(sidecars[quantity].to_numpy(dtype=np.float64), value, threshold)
    default = ProxyDefault(
        cpu_request_millicores=int(chosen["cpu_request_millicores"]),
        cpu_limit_millicores=int(chosen["cpu_limit_millicores"]),
        memory_request_mib=int(chosen["memory_request_mib"]),
        memory_limit_mib=int(chosen["memory_limit_mib"]),
        applies_today=applies_today,
        threshold_ratio=threshold,
        workloads_within=int(inside.sum()),
        workloads_patched=int((~inside).sum()),
        rule=RULE.format(threshold=threshold),
    )
    return default, ~inside
