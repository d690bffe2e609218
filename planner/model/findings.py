"""Findings: what a reviewer should know about a plan that its figures do not say by themselves
(missing rates, observed usage far from the model, a mesh beyond the published evidence, scopes
that fell back, figures published for another version)."""

from __future__ import annotations

import pandas as pd

from models.plan import GATEWAY_ROLES, Assumption, Finding, OomRisk
from models.profile import Coefficient, VersionRange, version_key

_EXAMPLES = 5
"""How many workloads a finding names before it says "and N more"."""


def count_of(n: int, noun: str) -> str:
    """`1 workload`, `3 workloads`."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def name_list(frame: pd.DataFrame) -> str:
    """The first few `namespace/workload` names of a frame, and how many more."""
    return listed((frame["namespace"] + "/" + frame["workload"]).tolist())


def listed(names: list[str]) -> str:
    """The first few of `names`, and how many more."""
    shown = ", ".join(names[:_EXAMPLES])
    return shown + (f" and {len(names) - _EXAMPLES} more" if len(names) > _EXAMPLES else "")


def rate_findings(
    workloads: pd.DataFrame,
    has_traffic: bool,
    gateways_apart: bool = True,
    idle: str = "their sidecars are sized for idle traffic",
) -> list[Finding]:
    """Proxies sized without any request rate, and rates the two sources disagree on.

    `gateways_apart`: the mesh sizes gateways apart from workloads (else they are workloads).
    `idle`: what that means for a workload's proxies (Istio ambient's pods have none)."""
    findings = []
    where = (
        "no traffic rows and no rps figure in the inventory"
        if has_traffic
        else "no rps figure in the inventory"
    )
    gateway = workloads["role"].isin(GATEWAY_ROLES) & gateways_apart
    proxied = workloads.loc[
        (workloads["mesh_injected"] | gateway)
        & (workloads["replicas"] > 0)
        & (workloads["rps_basis"] == "none")
    ]
    proxied_gateway = gateway.loc[proxied.index]
    for is_gateway, sized_as in (
        (False, idle),
        (True, "sized at the minimum replicas for idle traffic"),
    ):
        silent = proxied.loc[proxied_gateway == is_gateway]
        if len(silent):
            noun = "gateway" if is_gateway else "workload"
            findings.append(
                Finding(
                    code="no-request-rate",
                    subject=count_of(len(silent), noun),
                    message=f"{where}: {sized_as} ({name_list(silent)})",
                )
            )
    both = workloads.loc[
        workloads["traffic_inbound_rps"].notna() & workloads["column_inbound_rps"].notna()
    ]
    ratio = (both["traffic_inbound_rps"] + 1.0) / (both["column_inbound_rps"] + 1.0)
    apart = both.loc[(ratio > 2.0) | (ratio < 0.5)]
    if len(apart):
        findings.append(
            Finding(
                code="rps-disagree",
                subject=count_of(len(apart), "workload"),
                message="the traffic table and the inventory's rps column differ by more than 2x; "
                f"the traffic table is used ({name_list(apart)})",
            )
        )
    return findings


def proxy_findings(sidecars: pd.DataFrame, workers: float, more_workers: str) -> list[Finding]:
    """Proxies beyond their worker threads, and observed usage far above the model.

    `more_workers` says how the mesh gives a proxy more worker threads."""
    findings = []
    capacity = workers * 1000.0
    busy = sidecars.loc[sidecars["estimated_cpu_millicores"] > capacity]
    if len(busy):
        threads = count_of(int(workers), "worker thread")
        findings.append(
            Finding(
                code="proxy-cpu-above-workers",
                subject=count_of(len(busy), "workload"),
                message=f"proxies need more CPU than their {threads} can give; add replicas or "
                f"{more_workers} ({name_list(busy)})",
            )
        )
    for resource, observed, model in (
        ("CPU", "observed_cpu_millicores", "estimated_cpu_millicores"),
        ("memory", "observed_memory_mib", "estimated_memory_mib"),
    ):
        far = sidecars.loc[sidecars[observed] > 2.0 * sidecars[model]]
        if len(far):
            findings.append(
                Finding(
                    code="observed-above-model",
                    subject=count_of(len(far), "workload"),
                    message=f"observed proxy {resource} is more than twice the model's estimate; "
                    "the observed figure is used, but something the model does not see "
                    "(access logs, Wasm filters, large payloads) may be at work "
                    f"({name_list(far)})",
                )
            )
    return findings


def limit_findings(sidecars: pd.DataFrame, proxy: str = "Envoy's") -> list[Finding]:
    """Proxies TCP traffic is priced for without a figure, memory limits the plan lowers, and
    limits a lost scope would break. `proxy` names the mesh's proxy (`Envoy's`)."""
    findings = []
    l4 = sidecars.loc[sidecars["l4_rps_per_pod"] > 0]
    if len(l4):
        findings.append(
            Finding(
                code="tcp-priced-as-http",
                subject=count_of(len(l4), "workload"),
                message="requests to TCP ports (databases, caches, brokers, TLS passed through) "
                f"are priced as HTTP/1.1 requests: no CPU figure for {proxy} TCP proxying has been "
                "published, and HTTP is the upper bound; observed usage, where given, corrects "
                f"it ({name_list(l4)})",
            )
        )
    lowered = sidecars.loc[sidecars["memory_limit_mib"] < sidecars["current_memory_limit_mib"]]
    if len(lowered):
        findings.append(
            Finding(
                code="memory-limit-lowered",
                subject=count_of(len(lowered), "workload"),
                message="the recommended proxy memory limit is below the one set today; the "
                "request covers the model's estimate with headroom, but check the proxies' "
                f"peak memory before lowering ({name_list(lowered)})",
            )
        )
    at_risk = sidecars.loc[sidecars["oom_risk"] == OomRisk.IF_SCOPE_LOST.value]
    if len(at_risk):
        pods = int(at_risk["replicas"].sum())
        findings.append(
            Finding(
                code="oom-if-scope-lost",
                subject=count_of(len(at_risk), "workload"),
                message=(
                    "1 proxy is sized for its Sidecar and would exceed its memory limit if it saw"
                    if pods == 1
                    else f"{pods} proxies are sized for their Sidecar and would exceed their "
                    "memory limit if they saw"
                )
                + " the whole mesh: apply the Sidecars with (or before) the resource patches, "
                "and remove a Sidecar only after raising its workloads' limits "
                f"({name_list(at_risk)})",
            )
        )
    return findings


def evidence_findings(measured: list[tuple[str, int, Coefficient]]) -> list[Finding]:
    """Where the mesh is larger than any published test the model rests on: each entry is what
    was measured, its value in this mesh, and the largest published figure."""
    beyond = [
        f"{what} {value:,} (largest published: {bound.value:,.0f}, {bound.source})"
        for what, value, bound in measured
        if value > bound.value
    ]
    if not beyond:
        return []
    return [
        Finding(
            code="beyond-published-evidence",
            subject="mesh size",
            message="the mesh is larger than any published test the model rests on, so these "
            "figures are extrapolations: " + "; ".join(beyond),
        )
    ]


def fallback_findings(scopes: pd.DataFrame) -> list[Finding]:
    """Workloads whose scope is not an exact list, grouped by why."""
    fallen = scopes.loc[scopes["confidence"] != "high"]
    return [
        Finding(
            code="scoping-fallback",
            subject=count_of(len(group), "workload"),
            message=f"namespace-level or no scoping: {reason} ({name_list(group)})",
        )
        for reason, group in fallen.groupby("reason", sort=True)
    ]


def version_findings(figures: VersionRange, version: str) -> list[Finding]:
    """When the figures used (a profile's range of versions) were published for another
    version, or carry a note about `version`."""
    findings = []
    if figures.last is None and version_key(version) > version_key(figures.first):
        findings.append(
            Finding(
                code="figures-from-older-version",
                subject=f"version {version}",
                message=f"no per-proxy figures were published after {figures.first}; "
                f"the {figures.first} figures are used ({figures.label})",
            )
        )
    if figures.note is not None and figures.note_applies(version):
        findings.append(Finding(code="figures-note", subject=figures.label, message=figures.note))
    return findings


FITTED_TAG = "fitted"
"""The tag of a coefficient planner calibrate fitted to a cluster's own proxies."""


def fitted_findings(profile: str, assumptions: tuple[Assumption, ...]) -> list[Finding]:
    """A finding saying the plan was sized with coefficients of `profile` that planner calibrate
    fitted, naming them and the data and date they were fitted to (their `source`)."""
    fitted = [a for a in assumptions if a.tag == FITTED_TAG]
    if not fitted:
        return []
    sources = sorted({a.source for a in fitted})
    return [
        Finding(
            code="calibrated-profile",
            subject=f"profile {profile}",
            message=f"calibrated: {len(fitted)} coefficients were fitted to a cluster's own "
            f"proxies ({', '.join(a.name for a in fitted)}): {'; '.join(sources)}",
        )
    ]
