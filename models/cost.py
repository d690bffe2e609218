"""Prices (`--prices prices.yaml`) and what the mesh's requests cost at them.

A prices file gives one price per vCPU-hour and one per GiB-hour of memory requested, in one
currency, with the date they hold for and where they come from; a namespace may have prices of
its own (chargeback). Money is per month of `hours_per_month` hours (730: 365 days x 24 hours / 12
months, the month cloud price lists use). The format: docs/cost.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

HOURS_PER_MONTH = 730.0
"""365 days x 24 hours / 12 months: the month AWS, Google Cloud and Azure price lists use."""

MAX_PRICE = 1_000.0
"""A price per vCPU-hour or GiB-hour above this is a typo (a monthly price, or cents)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


Price = Annotated[float, Field(ge=0.0, le=MAX_PRICE)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class NamespacePrices(_Frozen):
    """A namespace's own prices (chargeback); a price it leaves out is the file's."""

    cpu_price_per_vcpu_hour: Price | None = None
    memory_price_per_gib_hour: Price | None = None
    note: Text | None = None


class Prices(_Frozen):
    """A prices file: what one vCPU and one GiB of memory requested cost per hour."""

    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    as_of: date
    source: Text
    description: Text | None = None
    cpu_price_per_vcpu_hour: Price
    memory_price_per_gib_hour: Price
    hours_per_month: Annotated[float, Field(gt=0.0, le=744.0)] = HOURS_PER_MONTH
    namespaces: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")],
        NamespacePrices,
    ] = Field(default_factory=dict)


class CostLine(_Frozen):
    """One part of the mesh (or namespace) and what its requests cost per month.

    `cpu_monthly` = cpu_request_cores x price per vCPU-hour x hours per month; `memory_monthly`
    the same with memory_request_gib and the price per GiB-hour; `total_monthly` their sum.
    """

    name: str
    pods: int
    cpu_request_cores: float
    memory_request_gib: float
    cpu_monthly: float
    memory_monthly: float
    total_monthly: float


class NamespaceCost(CostLine):
    """A namespace's sidecars and gateways, at its own prices where the file gives them."""

    cpu_price_per_vcpu_hour: float
    memory_price_per_gib_hour: float
    prices_from: str


class ScopingCost(_Frozen):
    """What the recommended scoping saves per month: the expected memory it takes off every
    proxy (all pods) and off one control-plane replica, at the price per GiB-hour (scoping
    changes what proxies hold, so memory; the plan's scoping totals are expected usage, before
    headroom)."""

    proxy_memory_gib_saved: float
    control_plane_memory_gib_saved: float
    proxy_monthly_saved: float
    control_plane_monthly_saved: float
    total_monthly_saved: float


class PriceInfo(_Frozen):
    """The prices a cost was computed at, and the file they were read from."""

    file: str
    currency: str
    as_of: date
    source: str
    description: str | None
    cpu_price_per_vcpu_hour: float
    memory_price_per_gib_hour: float
    hours_per_month: float
    namespaces: dict[str, NamespacePrices]


class TotalsCost(_Frozen):
    """The cost of a plan's totals by part (sidecars, gateways, control plane, node agents)
    and in all (`mesh`), at the file's own prices."""

    parts: tuple[CostLine, ...]
    mesh: CostLine


class PlanCost(_Frozen):
    """What a plan's requests cost per month (plan.json `cost`).

    `parts` and `mesh` price each workload at its namespace's prices; `namespaces` are the
    sidecars and gateways of each namespace, so they and the shared parts (control plane, node
    agents) add up to `mesh`. `unused_namespace_prices` are namespaces the file prices and the
    plan does not have.
    """

    prices: PriceInfo
    formula: str
    parts: tuple[CostLine, ...]
    mesh: CostLine
    namespaces: tuple[NamespaceCost, ...]
    shared: tuple[str, ...]
    scoping: ScopingCost | None
    unused_namespace_prices: tuple[str, ...]


class CostChange(_Frozen):
    """One part's monthly cost before and after (a baseline and a current plan, or a data plane
    and the baseline one), and the difference (after - before)."""

    name: str
    before_monthly: float
    after_monthly: float
    difference_monthly: float


class CostComparison(_Frozen):
    """Two costs side by side at the same prices: by part, by namespace, and in all."""

    prices: PriceInfo
    formula: str
    parts: tuple[CostChange, ...]
    mesh: CostChange
    namespaces: tuple[CostChange, ...]


class DataPlaneCost(_Frozen):
    """One data plane of a comparison: its cost by part, and its total against the baseline's
    (negative: what moving to it saves per month)."""

    data_plane: str
    parts: tuple[CostLine, ...]
    mesh: CostLine
    difference_cpu_monthly: float
    difference_memory_monthly: float
    difference_monthly: float


class CompareCost(_Frozen):
    """What each data plane of `planner compare` costs at the same prices."""

    prices: PriceInfo
    formula: str
    baseline: str
    rows: tuple[DataPlaneCost, ...]
