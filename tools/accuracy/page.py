"""docs/accuracy.md: the accuracy cases as a Markdown page (written by scripts/accuracy.py)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from planner.meshes.istio_sidecar.profile import IstioSidecarProfile as MeshProfile
from tools.accuracy.cases import ISTIOD_PROXY_CASES, Result, Role

NOT_COMPARABLE = (
    (
        "added_latency_* and latency_* rows (perf-004 and others)",
        "latency: the model sizes resources, not latency.",
    ),
    (
        "Mixer rows (perf-003, perf-007 and others)",
        "Mixer was removed in Istio 1.8 and is not part of any mesh sized here.",
    ),
    (
        "ambient-*, ztunnel and waypoint rows",
        "Istio's ambient mode: it belongs to a profile not written yet (Linkerd's and Consul's "
        "rows are in their own sections below).",
    ),
    (
        "linkerd-009, linkerd-011, notes-003, notes-004",
        "data-plane totals of benchmarks whose per-proxy traffic is not given.",
    ),
    ("scoping-007", "GKE, 1663 unscoped sidecars at 540 MiB: the number of Services is not given."),
    (
        "scoping-001 to scoping-004",
        "Istio 1.0.x sidecars (708 MB, 220 MB): before the earliest version with published "
        "per-proxy figures (1.1).",
    ),
    (
        "scoping-005, scoping-006, scoping-009, istiod-033 to istiod-038",
        "out-of-memory thresholds and crashes: they bound a limit, not usage.",
    ),
    (
        "istiod-039, istiod-040",
        "ingress gateway +0.5-1 MB per Knative service: Knative's routes (VirtualServices) are "
        "not in the inventory, so the model prices only clusters and endpoints.",
    ),
    (
        "istiod-041, istiod-042",
        "gateway memory per TLS certificate: certificates are not modelled.",
    ),
    (
        "istiod-026, istiod-027",
        "allocations during one push (Istio 1.4/1.5): allocation, not resident memory.",
    ),
    (
        "mp-istiod-013, mp-istiod-014 (Istio 1.17 draft of Azure's page)",
        "with 1000 Services it measured 48.2 GB at 15,000 sidecars, about twice the per-proxy "
        "memory of 1.18 and 1.19, and its own 1-Service runs spread by 30% across network "
        "plugins. The istiod terms are fitted to 1.18-1.19; meshes on 1.17 and older with many "
        "unscoped Services may need more than the model says (the model would be 40% low here).",
    ),
    (
        "mp-istiod-003",
        "a sidecar count (20,000), the input of the 1000-Service cases, not a resource figure.",
    ),
    (
        "mp-istiod-015, mp-istiod-016",
        "istiod at 117 and 133 Mi in small meshes whose proxies and Services are not given: the "
        "smaller is taken whole as istiod's baseline (an anecdote; no empty-mesh figure exists).",
    ),
    (
        "mp-sidecar-001, mp-sidecar-002",
        "pilot-agent alone (25 MiB) and the whole istio-proxy container (67 MiB) in Istio 1.11: "
        "the perf pages measure the whole container too (istio/tools perf/benchmark reads "
        "cAdvisor's istio-proxy container), so the base memory already holds the agent.",
    ),
    (
        "mp-sidecar-003",
        "a 1.17 draft's client proxy at 1000 QPS (0.27 vCPU): it shows the later 0.4 vCPU / "
        "72 MB are per proxy, not for the pair.",
    ),
    (
        "mp-envoy-001 to mp-envoy-005",
        "Envoy's per-cluster golden values by month: the per-cluster costs of each Istio "
        "version's Envoy are taken from them (the profile's `objects`), not predicted.",
    ),
)


def percent(ratio: float) -> str:
    """A signed difference in percent, `0.0%` when it rounds to nothing."""
    return "0.0%" if abs(ratio) < 0.0005 else f"{ratio * 100:+.1f}%"


def case_rows(results: list[Result], difference: str = "Difference") -> list[str]:
    """The table of a mesh's cases: one row per published figure against the model."""
    lines = [
        f"| Case | What | Figure | Published | Model | {difference} | Role | Note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.case.key} | {r.case.what} | {r.figure.id} ({r.figure.tag}) | "
            f"{r.figure.published} = {r.figure.value:,.1f} {r.figure.unit} | "
            f"{r.model:,.1f} {r.figure.unit} | {percent(r.error_ratio)} | "
            f"{r.case.role.value} | {r.case.note} |"
        )
    return lines


def _without(result: Result, left_out: Mapping[str, float | None]) -> str:
    """The leave-one-out cell: the figure predicted by coefficients derived without it."""
    if result.case.role is Role.HELD_OUT:
        return "(held out)"
    value = left_out.get(result.case.key)
    if value is None:
        return "no other figure"
    error = (value - result.figure.value) / result.figure.value
    return f"{value:,.1f} {result.figure.unit} ({percent(error)})"


def render_page(
    results: list[Result],
    profile: MeshProfile,
    command: str,
    left_out: Mapping[str, float | None],
) -> str:
    """The whole page, deterministic for the same results.

    `left_out` holds, per source case, the model's figure once the coefficients derived from
    that case are solved again without it (None: nothing else determines them)."""
    held_out = [abs(r.error_ratio) for r in results if r.case.role is Role.HELD_OUT]
    predicted = [
        abs((value - r.figure.value) / r.figure.value)
        for r in results
        if (value := left_out.get(r.case.key)) is not None
    ]
    lines = [
        "# Accuracy against published figures",
        "",
        f"Profile `{profile.name}` version {profile.profile_version}. Generated by `{command}`; "
        "do not edit by hand (a test fails when this page and the model disagree).",
        "",
        "Each case rebuilds a published test as an inventory (see `tools/accuracy/cases.py` for "
        "the scenarios) and runs the real pipeline on it. Error = (model - published) / "
        "published.",
        "",
        "- **source**: the figure a coefficient was derived from. Agreement shows the model is "
        "wired as documented; it is not evidence that the model predicts.",
        "- **held out**: a figure that played no part in deriving any coefficient. These errors "
        "are the honest measure of the model.",
        "- **Without it** (leave-one-out): for a source figure, the model's figure once every "
        "coefficient derived from it is solved again from the other figures alone "
        "(tools/accuracy/derivations.py). It shows how the model predicts a figure it never saw; "
        '"no other figure" means nothing else determines that coefficient.',
        "",
        f"Held-out cases: {len(held_out)}; median absolute error "
        f"{statistics.median(held_out) * 100:.1f}%, largest {max(held_out) * 100:.1f}%. "
        f"Source figures predicted without themselves: {len(predicted)}; median absolute error "
        f"{statistics.median(predicted) * 100:.1f}%, largest {max(predicted) * 100:.1f}%.",
        "",
        "| Case | What | Figure | Published | Model | Error | Without it | Role | Note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.case.key} | {r.case.what} | {r.figure.id} ({r.figure.tag}) | "
            f"{r.figure.published} = {r.figure.value:,.1f} {r.figure.unit} | "
            f"{r.model:,.1f} {r.figure.unit} | {percent(r.error_ratio)} | "
            f"{_without(r, left_out)} | {r.case.role.value} | {r.case.note} |"
        )
    lines += [
        "",
        "## Published figures not compared, and why",
        "",
        *[f"- {ids}: {why}" for ids, why in NOT_COMPARABLE],
        "",
        "## What the errors say",
        "",
        "- Per-proxy CPU and memory at 1000 rps reproduce the Istio performance pages for every "
        "version range (the 5m idle CPU is the only addition).",
        *_istiod_prose(results, profile, left_out),
        "- Vendor benchmarks that report the maximum sidecar memory under load (Buoyant 2021) sit "
        "far above what configuration explains; observed usage, when given, overrides the model.",
        "",
    ]
    return "\n".join(lines)


def _istiod_prose(
    results: list[Result], profile: MeshProfile, left_out: Mapping[str, float | None]
) -> list[str]:
    """What the istiod cases say, with the figures of this run."""
    cp = profile.control_plane

    def errors(keys: Sequence[str]) -> list[float]:
        found = []
        for r in results:
            value = left_out.get(r.case.key) if r.case.role is Role.SOURCE else r.model
            if r.case.key in keys and value is not None:
                found.append((value - r.figure.value) / r.figure.value)
        return found

    fitted = errors(ISTIOD_PROXY_CASES)
    drafts = errors([r.case.key for r in results if r.figure.tag == "draft-pub"])
    return [
        "- istiod's memory per connected proxy grows with the configuration that proxy holds: "
        f"{cp.memory_per_proxy_visible_cluster_bytes.value:,.0f} B per cluster (a Service "
        f"port) and {cp.memory_per_proxy_visible_endpoint_bytes.value:g} B per endpoint on top "
        f"of {cp.memory_per_proxy_mib.value:g} MiB. With 1000 Services seen by every proxy "
        "that about doubles the per-proxy cost of a mesh with one Service, which is why "
        "unscoped meshes with many Services need far more istiod memory than their pod count "
        "suggests, and why scoping saves istiod memory too. Fitted to "
        f"{len(ISTIOD_PROXY_CASES)} published points together, each is predicted without "
        f"itself within {percent(min(fitted))} to {percent(max(fitted))}; Azure's asm-1-18 "
        f"drafts, held out, land between {percent(min(drafts))} and {percent(max(drafts))}.",
        f"- Pod churn adds {cp.memory_churn_factor.value:g} x the churned share to the "
        "per-proxy terms (AKS at 25-50% churn); --pod-churn-ratio (default 0.25, Kubernetes' "
        "default rollout surge) sizes for a rollout in progress, and the memory limit "
        f"({cp.memory_limit_ratio.value:g}x the request) covers a 50% churn.",
    ]
