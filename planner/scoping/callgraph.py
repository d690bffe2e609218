"""The observed call graph and the trust rules every scoping mechanism shares.

A workload's observation is trusted (confidence high) when the traffic window is long enough,
the workload was seen in traffic (calling or called), every call it made was seen often enough
over the window, and its names can be written into the mechanism's resources. Otherwise it
falls back (each mechanism to something wider: namespace-level hosts, namespace-level
intentions), and the reason is given.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.knobs import Knobs
from models.plan import Confidence
from planner.inputs.inventory import Inventory
from planner.inputs.traffic import UNREGISTERED_DESTINATIONS
from planner.inputs.units import duration_text

KEYS = ["namespace", "workload"]
HIGH_REASON = "every call observed often enough over a long enough window"


def calls(edges: pd.DataFrame, inventory: Inventory, knobs: Knobs) -> pd.DataFrame:
    """One row per (caller, destination Service): rps, requests over the window, caller role and
    injection ("outside" for traffic from outside the mesh), the destination's type."""
    registered = edges.loc[~edges["destination_service"].isin(UNREGISTERED_DESTINATIONS)]
    out = registered.groupby(
        ["source_namespace", "source_workload", "destination_namespace", "destination_service"],
        as_index=False,
        sort=True,
    )["rps"].sum()
    types = inventory.services.rename(
        columns={"namespace": "destination_namespace", "service": "destination_service"}
    )[["destination_namespace", "destination_service", "type"]]
    out = out.merge(types, on=["destination_namespace", "destination_service"], how="left")
    callers = inventory.workloads[["namespace", "workload", "role", "mesh_injected"]].rename(
        columns={"namespace": "source_namespace", "workload": "source_workload"}
    )
    out = out.merge(callers, on=["source_namespace", "source_workload"], how="left")
    outside = out["role"].isna()
    out["role"] = out["role"].where(~outside, "outside")
    out["mesh_injected"] = out["mesh_injected"].where(~outside, False).astype(bool)
    out["requests"] = out["rps"] * (knobs.traffic_window_seconds or 0.0)
    result: pd.DataFrame = out
    return result


def window_trust(knobs: Knobs) -> tuple[bool, str]:
    """Whether the traffic window is long enough to trust, and why not."""
    window = knobs.traffic_window_seconds
    if window is None:
        return False, "traffic window unknown (pass --traffic-window)"
    if window < knobs.min_traffic_window_seconds:
        return False, (
            f"traffic observed over {duration_text(window)}, less than "
            f"{duration_text(knobs.min_traffic_window_seconds)}: rare calls may be unseen"
        )
    return True, ""


def outbound_calls(observed: pd.DataFrame) -> pd.DataFrame:
    """The calls made by workloads of the inventory, keyed by the caller's namespace and
    workload."""
    return observed.loc[observed["role"] != "outside"].rename(
        columns={"source_namespace": "namespace", "source_workload": "workload"}
    )


def caller_trust(
    members: pd.DataFrame,
    observed: pd.DataFrame,
    inventory: Inventory,
    knobs: Knobs,
    window: tuple[bool, str],
    valid: npt.NDArray[np.bool_],
    target: str,
    invalid_reason: str,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """(confidence, reason) per member workload (namespace, workload) from the calls observed.

    `target` names the column of `observed` that says what a call went to, for the reason of a
    rare call; `valid` marks the members whose names the mechanism can write.
    """
    trusted, window_reason = window
    index = pd.MultiIndex.from_frame(members[KEYS])
    outbound = outbound_calls(observed)
    served = observed[["destination_namespace", "destination_service"]].drop_duplicates()
    served = served.merge(
        inventory.backing.rename(
            columns={"namespace": "destination_namespace", "service": "destination_service"}
        ),
        on=["destination_namespace", "destination_service"],
    ).rename(columns={"destination_namespace": "namespace"})
    has_traffic = index.isin(pd.MultiIndex.from_frame(outbound[KEYS])) | index.isin(
        pd.MultiIndex.from_frame(served[KEYS])
    )
    rare = outbound.loc[outbound["requests"] < knobs.min_edge_requests]
    rarest = rare.sort_values(["requests", target]).drop_duplicates(KEYS).set_index(KEYS)
    rarest = rarest.reindex(index)
    rare_text = (
        "call to "
        + rarest[target].fillna("")
        + " seen "
        + rarest["requests"].fillna(0).map("{:,.0f}".format)
        + f" times over the window, fewer than {knobs.min_edge_requests:g}"
    )
    has_rare = rarest[target].notna().to_numpy()
    reason = np.select(
        [~valid, ~has_traffic, np.full(len(members), not trusted), has_rare],
        [invalid_reason, "no observed traffic", window_reason, rare_text.to_numpy()],
        default=HIGH_REASON,
    )
    confidence = np.where(reason == HIGH_REASON, Confidence.HIGH.value, Confidence.FALLBACK.value)
    return confidence.astype(object), reason.astype(object)
