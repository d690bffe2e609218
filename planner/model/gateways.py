"""Gateways of an Envoy-based mesh (Istio's ingress and egress gateways, Consul's mesh, ingress
and API gateways): replicas from the CPU they need, then each replica sized as a proxy.

    needed CPU = max(throughput / 1000 x CPU per 1000 rps, observed CPU of all replicas)
                 x (1 + headroom)
    replicas   = max(minimum, ceil(needed / target CPU per replica))

A request through a gateway passes its proxy once (in from the client, out to the Service),
so a gateway's throughput is the larger of its inbound and outbound rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from models.errors import ProfileError
from models.kube import MAX_REPLICAS
from models.plan import GATEWAY_ROLES, Formula
from models.profile import Coefficient
from planner.model.control_plane import autoscale_target_percent
from planner.model.envoy import EnvoyCosts, estimate
from planner.model.records import CurrentDefaults, proxy_inputs, with_current
from planner.model.sizing import ProxyPolicy, size_requests


class GatewayFigures(Protocol):
    """A mesh profile's gateway group: its replica rule and the autoscaler's range and target."""

    @property
    def min_replicas(self) -> Coefficient: ...
    @property
    def target_cpu_per_replica_millicores(self) -> Coefficient: ...
    @property
    def autoscale_max_ratio(self) -> Coefficient: ...
    @property
    def autoscale_headroom_share(self) -> Coefficient: ...


@dataclass(frozen=True)
class GatewayPolicy:
    """How a mesh scales its gateways: the fewest replicas, the CPU one replica should carry,
    and the autoscaler's range and target."""

    min_replicas: int
    target_cpu_per_replica_millicores: float
    autoscale_max_ratio: float
    autoscale_headroom_share: float

    @classmethod
    def of(cls, gateway: GatewayFigures, min_replicas: int | None) -> GatewayPolicy:
        """The policy a mesh profile's gateway group gives; `min_replicas` (the knob) wins over
        the profile's minimum when given."""
        return cls(
            min_replicas=int(min_replicas or gateway.min_replicas.value),
            target_cpu_per_replica_millicores=gateway.target_cpu_per_replica_millicores.value,
            autoscale_max_ratio=gateway.autoscale_max_ratio.value,
            autoscale_headroom_share=gateway.autoscale_headroom_share.value,
        )


def replicas_formula(gateway: GatewayPolicy, headroom_ratio: float) -> Formula:
    """The gateway replica rule with this policy's figures."""
    return Formula(
        name="gateway replicas",
        expression="max(minimum, max(throughput / 1000 x CPU per 1000 rps, observed) x "
        f"{1 + headroom_ratio:g} / {gateway.target_cpu_per_replica_millicores:g}m per replica)",
    )


def size_gateways(
    configured: pd.DataFrame,
    costs: EnvoyCosts,
    proxy: ProxyPolicy,
    current: CurrentDefaults,
    gateway: GatewayPolicy,
    headroom_ratio: float,
) -> pd.DataFrame:
    """The gateway rows of `configured` (proxy_config's frame), with replicas, the autoscaler's
    range, and each replica's requests and limits."""
    gateways = configured.loc[configured["role"].isin(GATEWAY_ROLES)].copy()
    throughput = np.maximum(gateways["inbound_rps"], gateways["outbound_rps"])
    observed_total = (gateways["proxy_cpu_millicores"] * gateways["replicas"]).fillna(0.0)
    needed = np.maximum(throughput / 1000.0 * costs.cpu_per_1000_rps_millicores, observed_total) * (
        1.0 + headroom_ratio
    )
    target = gateway.target_cpu_per_replica_millicores
    minimum = gateway.min_replicas
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        wanted = np.maximum(minimum, np.ceil(np.round(needed / target, 9)))
    if (wanted > MAX_REPLICAS).any():
        raise ProfileError(
            f"gateways: a target of {target:g} millicores per replica needs more than "
            f"{MAX_REPLICAS:,} replicas; check gateway.target_cpu_per_replica_millicores in the "
            "profile"
        )
    replicas = wanted.astype(np.int64)
    now = gateways["replicas"].to_numpy()
    gateways["current_replicas"] = now
    gateways["replicas"] = replicas
    gateways["autoscale_min"] = replicas
    gateways["autoscale_max"] = np.maximum(
        replicas + 1, np.ceil(replicas * gateway.autoscale_max_ratio)
    ).astype(np.int64)
    gateways["autoscale_target_cpu_percent"] = autoscale_target_percent(
        headroom_ratio, gateway.autoscale_headroom_share
    )
    gateways["throughput_rps"] = throughput
    with np.errstate(divide="ignore", invalid="ignore"):
        observed_cpu = np.where(now > 0, gateways["proxy_cpu_millicores"] * now / replicas, np.nan)
    frame = proxy_inputs(gateways, throughput / replicas).assign(
        observed_cpu_millicores=observed_cpu
    )
    sized = with_current(size_requests(estimate(frame, costs), proxy), current)
    sized["replicas_rule"] = [
        f"max(minimum {minimum}, CPU {n:,.0f}m / {target:,.0f}m per replica) = {r}"
        for n, r in zip(needed, replicas, strict=True)
    ]
    return sized
