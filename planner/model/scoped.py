"""What every mesh with scoping does the same way once its proxies are sized twice (as the mesh
is, and as its scoping would leave it): which scopes are trusted, the limits that protect an
untrusted scope, the per-workload before and after, and the mesh-wide totals.

Mesh-neutral: a mesh's sizing hands over its sized frames (one row per workload, the columns
planner.model.records reads) and the confidence of each workload's scope.
"""

from __future__ import annotations

import pandas as pd
from pydantic import TypeAdapter

from models.plan import Confidence, ScopingTotals, WorkloadScoping
from planner.frames import positions, records, taken
from planner.model.sizing import protect_limits

KEYS = ["namespace", "workload"]
_COSTS = ["visible_clusters", "visible_endpoints", "estimated_memory_mib"]


def trusted_scopes(sidecars: pd.DataFrame, confidence: pd.DataFrame) -> pd.Series:
    """Whether each sidecar's scope is trusted: its workload's confidence (namespace, workload,
    confidence; one row per workload) is high."""
    at = positions(sidecars, KEYS, confidence)  # one row per workload
    trusted = taken(confidence["confidence"], at, "") == Confidence.HIGH.value
    return pd.Series(trusted.astype(bool), index=sidecars.index)


def protected(
    sized: pd.DataFrame, unscoped: pd.DataFrame, trusted: pd.Series | None
) -> pd.DataFrame:
    """`protect_limits` with each proxy's request without scoping read off `unscoped` (None:
    nobody is scoped, so the proxies already hold what they would without it)."""
    whole = (
        sized[KEYS]
        .merge(unscoped[[*KEYS, "memory_request_mib"]], on=KEYS, how="left")["memory_request_mib"]
        .fillna(sized["memory_request_mib"].reset_index(drop=True))
    )
    whole.index = sized.index
    return protect_limits(
        sized, whole, trusted if trusted is not None else pd.Series(False, index=sized.index)
    )


def scoping_rows(scopes: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per scoped workload (namespace, workload, sidecar, confidence, reason): its proxy's
    clusters, endpoints and expected memory before and after scoping."""
    return scopes.merge(before[[*KEYS, *_COSTS]], on=KEYS).merge(
        after[[*KEYS, *_COSTS]], on=KEYS, suffixes=("_before", "_after")
    )


_SCOPINGS = TypeAdapter(list[WorkloadScoping])


def workload_scopings(rows: pd.DataFrame | None) -> dict[tuple[str, str], WorkloadScoping]:
    """`scoping_rows` as the plan's per-workload records."""
    if rows is None:
        return {}
    frame = pd.DataFrame(
        {
            "sidecar": rows["sidecar"],
            "confidence": rows["confidence"],
            "reason": rows["reason"],
            "clusters_before": rows["visible_clusters_before"],
            "clusters_after": rows["visible_clusters_after"],
            "endpoints_before": rows["visible_endpoints_before"],
            "endpoints_after": rows["visible_endpoints_after"],
            "estimated_memory_mib_before": rows["estimated_memory_mib_before"].round(3),
            "estimated_memory_mib_after": rows["estimated_memory_mib_after"].round(3),
        }
    )
    frame["sidecar"] = frame["sidecar"].astype(object).where(frame["sidecar"].notna(), None)
    scopings = _SCOPINGS.validate_python(records(frame))
    keys = zip(rows["namespace"].tolist(), rows["workload"].tolist(), strict=True)
    return dict(zip(keys, scopings, strict=True))


def _all_proxies(frames: tuple[pd.DataFrame, pd.DataFrame], column: str) -> float:
    return float(sum((f[column] * f["replicas"]).sum() for f in frames))


def scoping_totals(
    before: tuple[pd.DataFrame, pd.DataFrame],
    after: tuple[pd.DataFrame, pd.DataFrame],
    control_plane_before: float,
    control_plane_after: float,
) -> ScopingTotals:
    """Mesh-wide totals over (sidecars, gateways) before and after, and the control plane's
    expected memory for one replica."""
    return ScopingTotals(
        proxy_memory_mib_before=round(_all_proxies(before, "estimated_memory_mib"), 3),
        proxy_memory_mib_after=round(_all_proxies(after, "estimated_memory_mib"), 3),
        push_clusters_before=int(_all_proxies(before, "visible_clusters")),
        push_clusters_after=int(_all_proxies(after, "visible_clusters")),
        push_endpoints_before=int(_all_proxies(before, "visible_endpoints")),
        push_endpoints_after=int(_all_proxies(after, "visible_endpoints")),
        push_listeners_before=int(_all_proxies(before, "visible_listeners")),
        push_listeners_after=int(_all_proxies(after, "visible_listeners")),
        control_plane_memory_mib_before=round(control_plane_before, 3),
        control_plane_memory_mib_after=round(control_plane_after, 3),
    )
