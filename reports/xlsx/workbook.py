"""report.xlsx: the plan as a workbook for reviewers, its sizing columns live formulas.

Sheets: Summary, Workloads, Namespaces, Gateways, Control plane, Scoping, Sidecars and Exports
(for a mesh with scoping), Migration (with `--migrate-to`), Scenarios (with `--scenario`),
Prices, Cost and Cost by namespace (with `--prices`: reports/xlsx/cost.py), Findings,
Assumptions. The Workloads,
Gateways and Control plane sheets hold each proxy's inputs (rates, what it holds, observed usage,
replicas) as values and recompute expected usage, requests, limits and replicas with the plan's
own models (its proxy model and each control-plane component's terms, models/plan.py), reading
every coefficient and knob from a named cell on the Assumptions sheet; the Summary and Namespaces
sheets total them with formulas (and, with the nodes known, the Summary divides the totals per
node). A per-node component (Istio ambient's ztunnel and istio-cni) runs one replica per node (the
Summary's node count), each sized for the busiest node, and totals apart as the node agents. A
reviewer who changes a coefficient or the headroom there sees every figure move.
Figures the workbook cannot recompute (the mesh-wide default, scoping, the migration's target
meshes) are the plan's values, labelled so.

Written by reports/xlsx/spreadsheet.py (openpyxl's write-only mode, table rows streamed), so a
100,000-pod mesh fits. Names from the inventory are always written as text cells, never as
formulas, whatever they start with. The same plan gives the same bytes: the workbook is dated
`--inputs-date` when given, else the ZIP epoch, never the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from openpyxl.formatting.rule import CellIsRule, DataBarRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from models.plan import (
    Basis,
    ComponentPlan,
    LimitBasis,
    OomRisk,
    Plan,
    ProxyModel,
    ProxyPlan,
    ResourceTotals,
    Role,
    RpsBasis,
    Term,
    WorkloadPlan,
)
from reports.conventions import FAR_FROM_CURRENT_RATIO, OUTLIER_OF_DEFAULT_RATIO, XLSX_FILE
from reports.migration import MeshRow, scoping_text, side_by_side
from reports.xlsx.cost import write_cost
from reports.xlsx.scenarios import write_scenarios
from reports.xlsx.side_by_side import (
    AGENT_COLS,
    REQUEST_COLS,
    against_today,
    request_cells,
    with_node_agents,
)
from reports.xlsx.spreadsheet import (
    F_CORES,
    F_GENERAL,
    F_GIB,
    F_INT,
    F_M,
    F_M1,
    F_MIB,
    F_MIB1,
    F_PCT,
    F_RPS,
    F_TIMES,
    HEADER_FILLS,
    HEADER_HEIGHT,
    INPUT_FILL,
    Book,
    CellValue,
    Col,
    Kind,
)

MIB_BYTES = 1048576

_FLAG_FILL = PatternFill("solid", fgColor="FFEB9C")
_OUTLIER_FILL = PatternFill("solid", fgColor="F8CBAD")
_FLAG_FONT = Font(bold=True, color="7F3F00")


def defined_name(assumption: str) -> str:
    """The workbook name of a plan assumption: `proxy.concurrency` -> `proxy_concurrency`."""
    return assumption.replace(".", "_")


# --- names on the Assumptions sheet --------------------------------------------------------------

HEADROOM = "headroom_ratio"
MIN_CP_REPLICAS = "min_control_plane_replicas"
POD_CHURN = "pod_churn_ratio"
MIN_GW_REPLICAS = "min_gateway_replicas"
CPU_STEP = "cpu_step_millicores"
MEMORY_STEP = "memory_step_mib"
FAR_RATIO = "far_from_current_ratio"
OUTLIER_RATIO = "outlier_of_default_ratio"

P_CPU_FLOOR = defined_name("proxy.cpu_request_floor_millicores")
P_MEMORY_FLOOR = defined_name("proxy.memory_request_floor_mib")
P_CPU_LIMIT_FLOOR = defined_name("proxy.cpu_limit_floor_millicores")
P_MEMORY_LIMIT_FLOOR = defined_name("proxy.memory_limit_floor_mib")
P_MEMORY_LIMIT_RATIO = defined_name("proxy.memory_limit_ratio")
G_TARGET = defined_name("gateway.target_cpu_per_replica_millicores")
G_AUTOSCALE = defined_name("gateway.autoscale_max_ratio")
CP = "control_plane_"
CPU_LIMIT_FLOOR = "proxy_cpu_limit_rounded_millicores"
MEMORY_LIMIT_FLOOR = "proxy_memory_limit_rounded_mib"

# the Summary's named cells of the per-node block
NODES_COUNT = "nodes_count"
NODES_SHARE = "nodes_busiest_share_ratio"

DEFAULT_CPU = "proxy_default_cpu_request_millicores"
DEFAULT_MEMORY = "proxy_default_memory_request_mib"

GROW = f"(1+{HEADROOM})"


def _round_up(expression: str, step: str, digits: int = 6) -> str:
    """planner.model.sizing.round_up: up to a multiple of `step`, ignoring float noise."""
    return f"CEILING(ROUND(({expression})/{step},{digits}),1)*{step}"


COUNT_COLUMNS = {
    "visible_clusters": "clusters",
    "visible_endpoints": "endpoints",
    "visible_listeners": "listeners",
    "connections": "connections",
}
"""The Workloads and Gateways columns of what a proxy holds, by the plan's name for it."""


def term_formula(term: Term, driver: str) -> str:
    """One term of a model (models.plan.Term) over the cell `driver` ("" for a constant)."""
    parts = [p for p in (driver, defined_name(term.coefficient)) if p]
    if term.factor is not None:
        parts.append(defined_name(term.factor))
    divisor = f"/{term.divisor:g}" if term.divisor != 1 else ""
    return "*".join(parts) + divisor


@dataclass(frozen=True)
class _ProxyFormulas:
    """The proxy model of the plan (models.plan.ProxyModel) as spreadsheet formulas."""

    model: ProxyModel

    def cpu(self, rps_per_pod: str, l4_rps_per_pod: str) -> str:
        m = self.model
        tcp = defined_name(m.tcp_cpu_ratio)
        weighted = f"({rps_per_pod}-{l4_rps_per_pod}+{l4_rps_per_pod}*{tcp})"
        idle = "+".join(defined_name(c) for c in (m.idle_cpu, *m.extra_cpu))
        return f"{idle}+{weighted}/1000*{defined_name(m.cpu_per_1000_rps)}"

    def cpu_per_1000_rps(self) -> str:
        return defined_name(self.model.cpu_per_1000_rps)

    def memory(self, cells: dict[str, str]) -> str:
        """Expected memory over a row's cells (`cells` by column key)."""
        terms = [
            term_formula(t, cells[COUNT_COLUMNS[t.driver]] if t.driver else "")
            for t in self.model.memory_terms
        ]
        return "+".join([defined_name(self.model.base_memory), *terms])


def _cpu_request(basis: str) -> str:
    return _round_up(f"MAX({basis}*{GROW},{P_CPU_FLOOR})", CPU_STEP)


def _memory_request(basis: str) -> str:
    return _round_up(f"MAX({basis}*{GROW},{P_MEMORY_FLOOR})", MEMORY_STEP)


def _cpu_limit(request: str) -> str:
    return f"MAX({request},{CPU_LIMIT_FLOOR})"


def _memory_limit(request: str, trusted: str, whole_mesh: str) -> str:
    """planner.model.sizing: max(request x ratio, the chart's limit), and for a proxy without a
    trusted scope at least its whole-mesh request."""
    by_ratio = _round_up(f"{request}*{P_MEMORY_LIMIT_RATIO}", MEMORY_STEP)
    guard = f'IF({trusted}="yes",0,N({whole_mesh}))'
    return f"MAX({request},{by_ratio},{MEMORY_LIMIT_FLOOR},{guard})"


# --- Workloads ----------------------------------------------------------------------------------

WORKLOAD_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("workload", "Workload", Kind.TEXT, width=28),
    Col("kind", "Kind", Kind.TEXT, width=12),
    Col("role", "Role", Kind.TEXT, width=14),
    Col("sized", "Proxy sized", Kind.TEXT, width=8),
    Col("replicas", "Replicas (pods)", Kind.INPUT, F_INT, 9),
    Col("inbound", "Inbound, all pods (rps)", Kind.INFO, F_RPS, 12),
    Col("outbound", "Outbound, all pods (rps)", Kind.INFO, F_RPS, 12),
    Col("rps", "Through each proxy (rps per pod)", Kind.INPUT, F_RPS, 12),
    Col("l4", "Of which to TCP ports (rps per pod)", Kind.INPUT, F_RPS, 12),
    Col("services", "Visible services", Kind.INFO, F_INT, 9),
    Col("clusters", "Visible clusters", Kind.INPUT, F_INT, 9),
    Col("endpoints", "Visible endpoints", Kind.INPUT, F_INT, 9),
    Col("listeners", "Visible listeners", Kind.INPUT, F_INT, 9),
    Col("connections", "Connections", Kind.INPUT, F_INT, 9),
    Col("obs_cpu", "Observed CPU (m per pod)", Kind.INPUT, F_M1, 10),
    Col("obs_mem", "Observed memory (MiB per pod)", Kind.INPUT, F_MIB1, 11),
    Col("est_cpu", "Expected CPU (m per pod)", Kind.FORMULA, F_M1, 10),
    Col("est_mem", "Expected memory (MiB per pod)", Kind.FORMULA, F_MIB1, 11),
    Col("cpu_basis", "CPU basis", Kind.FORMULA, F_GENERAL, 9),
    Col("mem_basis", "Memory basis", Kind.FORMULA, F_GENERAL, 9),
    Col("cpu_req", "CPU request (m)", Kind.FORMULA, F_M, 9),
    Col("cpu_lim", "CPU limit (m)", Kind.FORMULA, F_M, 9),
    Col("mem_req", "Memory request (MiB)", Kind.FORMULA, F_MIB, 10),
    Col("mem_lim", "Memory limit (MiB)", Kind.FORMULA, F_MIB, 10),
    Col("trusted", "Scope trusted", Kind.TEXT, width=8),
    Col("whole_req", "Memory request seeing the whole mesh (MiB)", Kind.INPUT, F_MIB, 11),
    Col("oom", "Out-of-memory risk", Kind.FORMULA, F_GENERAL, 12),
    Col("cur_cpu", "Current CPU request (m)", Kind.INPUT, F_M, 9),
    Col("cur_mem", "Current memory request (MiB)", Kind.INPUT, F_MIB, 10),
    Col("cur_src", "Current from", Kind.TEXT, width=12),
    Col("cpu_vs", "CPU request / current", Kind.FORMULA, F_TIMES, 9),
    Col("mem_vs", "Memory request / current", Kind.FORMULA, F_TIMES, 9),
    Col("patch", "Own patch (vs mesh default)", Kind.TEXT, width=9),
    Col("app_cpu", "App CPU request (m per pod)", Kind.INPUT, F_M, 10),
    Col("app_mem", "App memory request (MiB per pod)", Kind.INPUT, F_MIB, 11),
    Col("app_cpu_given", "App CPU request given", Kind.FORMULA, F_GENERAL, 8),
    Col("app_mem_given", "App memory request given", Kind.FORMULA, F_GENERAL, 8),
    Col("t_est_cpu", "Expected CPU, all pods (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_est_mem", "Expected memory, all pods (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_req", "CPU requests, all pods (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_req", "Memory requests, all pods (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_lim", "CPU limits, all pods (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_lim", "Memory limits, all pods (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_app_cpu", "App CPU requests, all pods (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_app_mem", "App memory requests, all pods (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("reason", "Not sized because", Kind.TEXT, width=40),
    Col("ns_no", "Namespace no. (Namespaces sheet)", Kind.INFO, F_INT, 10),
)


def _letters(cols: Sequence[Col]) -> dict[str, str]:
    return {col.key: get_column_letter(i) for i, col in enumerate(cols, start=1)}


W = _letters(WORKLOAD_COLS)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _workload_row(
    r: int, workload: WorkloadPlan, namespace_no: int, formulas: _ProxyFormulas
) -> list[CellValue]:
    proxy = workload.proxy
    base: dict[str, CellValue] = {
        "namespace": workload.namespace,
        "workload": workload.workload,
        "kind": workload.kind,
        "role": workload.role.value,
        "sized": _yes(proxy is not None),
        "replicas": workload.replicas,
        "inbound": workload.inbound_rps,
        "outbound": workload.outbound_rps,
        "app_cpu": workload.app_cpu_millicores,
        "app_mem": workload.app_memory_mib,
        "reason": workload.not_sized_reason,
        "ns_no": namespace_no,
    }
    if proxy is not None:
        c = {key: f"{letter}{r}" for key, letter in W.items()}
        base.update(
            {
                "rps": proxy.rps_per_pod,
                "l4": proxy.l4_rps_per_pod,
                "services": proxy.visible_services,
                "clusters": proxy.visible_clusters,
                "endpoints": proxy.visible_endpoints,
                "listeners": proxy.visible_listeners,
                "connections": proxy.connections,
                "obs_cpu": proxy.observed_cpu_millicores,
                "obs_mem": proxy.observed_memory_mib,
                "est_cpu": "=" + formulas.cpu(c["rps"], c["l4"]),
                "est_mem": "=" + formulas.memory(c),
                "cpu_basis": f'=IF(N({c["obs_cpu"]})>{c["est_cpu"]},"observed","model")',
                "mem_basis": f'=IF(N({c["obs_mem"]})>{c["est_mem"]},"observed","model")',
                "cpu_req": "=" + _cpu_request(f"MAX({c['est_cpu']},{c['obs_cpu']})"),
                "cpu_lim": "=" + _cpu_limit(c["cpu_req"]),
                "mem_req": "=" + _memory_request(f"MAX({c['est_mem']},{c['obs_mem']})"),
                "mem_lim": "=" + _memory_limit(c["mem_req"], c["trusted"], c["whole_req"]),
                "trusted": _yes(proxy.scope_trusted),
                "whole_req": proxy.whole_mesh_memory_request_mib,
                "oom": f'=IF({c["mem_lim"]}<{c["whole_req"]},"{OomRisk.IF_SCOPE_LOST.value}",'
                f'"{OomRisk.NONE.value}")',
                "cur_cpu": proxy.current_cpu_request_millicores,
                "cur_mem": proxy.current_memory_request_mib,
                "cur_src": proxy.current_source,
                "cpu_vs": f'=IF({c["cur_cpu"]}>0,{c["cpu_req"]}/{c["cur_cpu"]},"")',
                "mem_vs": f'=IF({c["cur_mem"]}>0,{c["mem_req"]}/{c["cur_mem"]},"")',
                "patch": _yes(workload.needs_patch),
                # each resource counts where its own request is given
                "app_cpu_given": f'=IF(COUNT({c["app_cpu"]})=1,"yes","no")',
                "app_mem_given": f'=IF(COUNT({c["app_mem"]})=1,"yes","no")',
                **_pod_totals(c),
                "t_app_cpu": (
                    f'=IF({c["app_cpu_given"]}="yes",{c["replicas"]}*{c["app_cpu"]}/1000,0)'
                ),
                "t_app_mem": (
                    f'=IF({c["app_mem_given"]}="yes",{c["replicas"]}*{c["app_mem"]}/1024,0)'
                ),
            }
        )
    return [base.get(col.key) for col in WORKLOAD_COLS]


def _pod_totals(c: dict[str, str]) -> dict[str, str]:
    """Per-pod figures times replicas, in cores and GiB (the Workloads and Gateways sheets)."""
    return {
        f"t_{key}": f"={c['replicas']}*{c[key]}/{per}"
        for key, per in (
            ("est_cpu", 1000),
            ("est_mem", 1024),
            ("cpu_req", 1000),
            ("mem_req", 1024),
            ("cpu_lim", 1000),
            ("mem_lim", 1024),
        )
    }


# --- Gateways -----------------------------------------------------------------------------------

GATEWAY_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("workload", "Gateway", Kind.TEXT, width=28),
    Col("role", "Role", Kind.TEXT, width=14),
    Col("current", "Current replicas", Kind.INPUT, F_INT, 9),
    Col("throughput", "Throughput (rps)", Kind.INPUT, F_RPS, 12),
    Col("obs_total", "Observed CPU, all current replicas (m)", Kind.INPUT, F_M1, 12),
    Col("needed", "CPU needed with headroom (m)", Kind.FORMULA, F_M, 11),
    Col("replicas", "Recommended replicas", Kind.FORMULA, F_INT, 11),
    Col("auto_min", "Autoscale min", Kind.FORMULA, F_INT, 9),
    Col("auto_max", "Autoscale max", Kind.FORMULA, F_INT, 9),
    Col("rps", "Through each replica (rps)", Kind.FORMULA, F_RPS, 12),
    Col("clusters", "Visible clusters", Kind.INPUT, F_INT, 9),
    Col("endpoints", "Visible endpoints", Kind.INPUT, F_INT, 9),
    Col("listeners", "Visible listeners", Kind.INPUT, F_INT, 9),
    Col("connections", "Connections", Kind.INPUT, F_INT, 9),
    Col("obs_cpu", "Observed CPU (m per replica)", Kind.FORMULA, F_M1, 10),
    Col("obs_mem", "Observed memory (MiB per replica)", Kind.INPUT, F_MIB1, 11),
    Col("est_cpu", "Expected CPU (m per replica)", Kind.FORMULA, F_M1, 10),
    Col("est_mem", "Expected memory (MiB per replica)", Kind.FORMULA, F_MIB1, 11),
    Col("cpu_req", "CPU request (m)", Kind.FORMULA, F_M, 9),
    Col("cpu_lim", "CPU limit (m)", Kind.FORMULA, F_M, 9),
    Col("mem_req", "Memory request (MiB)", Kind.FORMULA, F_MIB, 10),
    Col("mem_lim", "Memory limit (MiB)", Kind.FORMULA, F_MIB, 10),
    Col("t_est_cpu", "Expected CPU, all replicas (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_est_mem", "Expected memory, all replicas (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_req", "CPU requests, all replicas (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_req", "Memory requests, all replicas (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_lim", "CPU limits, all replicas (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_lim", "Memory limits, all replicas (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("rule", "Replica rule (the planner's numbers)", Kind.TEXT, width=44),
    Col("ns_no", "Namespace no. (Namespaces sheet)", Kind.INFO, F_INT, 10),
)
G = _letters(GATEWAY_COLS)


def _observed_total(proxy: ProxyPlan, replicas: int) -> float | None:
    """A gateway's observed CPU over all its current replicas (the plan gives it per replica)."""
    if proxy.observed_cpu_millicores is None:
        return None
    return round(proxy.observed_cpu_millicores * replicas, 3)


def _gateway_rows(plan: Plan, numbers: dict[str, int]) -> Iterable[list[CellValue]]:
    formulas = _ProxyFormulas(plan.gateway_model or plan.proxy_model)
    per_1000 = formulas.cpu_per_1000_rps()
    for r, gateway in enumerate(plan.gateways, start=2):
        proxy = gateway.per_replica
        c = {key: f"{letter}{r}" for key, letter in G.items()}
        values: dict[str, CellValue] = {
            "namespace": gateway.namespace,
            "workload": gateway.workload,
            "role": gateway.role.value,
            "current": gateway.current_replicas,
            "throughput": gateway.throughput_rps,
            "obs_total": _observed_total(proxy, gateway.replicas),
            "needed": f"=MAX({c['throughput']}/1000*{per_1000},N({c['obs_total']}))*{GROW}",
            "replicas": f"=MAX({MIN_GW_REPLICAS},CEILING(ROUND({c['needed']}/{G_TARGET},9),1))",
            "auto_min": f"={c['replicas']}",
            "auto_max": f"=MAX({c['replicas']}+1,CEILING({c['replicas']}*{G_AUTOSCALE},1))",
            "rps": f"={c['throughput']}/{c['replicas']}",
            "clusters": proxy.visible_clusters,
            "endpoints": proxy.visible_endpoints,
            "listeners": proxy.visible_listeners,
            "connections": proxy.connections,
            "obs_cpu": (
                f"=IF(AND({c['current']}>0,ISNUMBER({c['obs_total']})),"
                f'{c["obs_total"]}/{c["replicas"]},"")'
            ),
            "obs_mem": proxy.observed_memory_mib,
            "est_cpu": "=" + formulas.cpu(c["rps"], "0"),
            "est_mem": "=" + formulas.memory(c),
            "cpu_req": "=" + _cpu_request(f"MAX({c['est_cpu']},N({c['obs_cpu']}))"),
            "cpu_lim": "=" + _cpu_limit(c["cpu_req"]),
            "mem_req": "=" + _memory_request(f"MAX({c['est_mem']},{c['obs_mem']})"),
            # a gateway sees the whole mesh: its own request is its whole-mesh request
            "mem_lim": "=" + _memory_limit(c["mem_req"], '"yes"', "0"),
            **_pod_totals(c),
            "rule": gateway.replicas_rule,
            "ns_no": numbers[gateway.namespace],
        }
        yield [values.get(col.key) for col in GATEWAY_COLS]


# --- ranges over the Workloads and Gateways sheets ----------------------------------------------


@dataclass(frozen=True)
class _Ranges:
    """Absolute ranges of the data rows of the Workloads and Gateways sheets."""

    workloads: int
    gateways: int

    def w(self, key: str) -> str | None:
        if not self.workloads:
            return None
        letter = W[key]
        return f"Workloads!${letter}$2:${letter}${self.workloads + 1}"

    def g(self, key: str) -> str | None:
        if not self.gateways:
            return None
        letter = G[key]
        return f"Gateways!${letter}$2:${letter}${self.gateways + 1}"

    def sum_both(self, key: str, pattern: Callable[[str, str], str] | None = None) -> str:
        """SUM (or `pattern(range, sheet)`) over both sheets' column `key`; 0 where empty."""
        parts = []
        for sheet, found in (("w", self.w(key)), ("g", self.g(key))):
            if found is not None:
                parts.append(pattern(found, sheet) if pattern else f"SUM({found})")
        return "+".join(parts) if parts else "0"


# --- Control plane ------------------------------------------------------------------------------

CP_SHEET = "Control plane"


@dataclass(frozen=True)
class _CpRow:
    name: str  # defined name of the live cell
    label: str
    unit: str
    number_format: str
    live: str | int | float  # formula (string starting with "=") or input value
    planned: float | int | None
    how: str


def cp_prefix(component: str) -> str:
    """The prefix of a control-plane component's named cells: `istiod` -> `cp_istiod`."""
    return "cp_" + re.sub(r"[^a-z0-9]+", "_", component.lower()).strip("_")


def _live_drivers(ranges: _Ranges, nodes_known: bool) -> dict[str, str]:
    """Drivers the workbook recomputes from its own sheets, by driver name (`nodes` from the
    Summary's node count, when the plan knows the nodes)."""
    sized = ranges.w("sized")
    replicas = ranges.w("replicas")
    proxies_from_sidecars = f'SUMIFS({replicas},{sized},"yes")' if replicas and sized else "0"
    gateway_replicas = ranges.g("replicas")
    connected = proxies_from_sidecars + (f"+SUM({gateway_replicas})" if gateway_replicas else "")

    def visible(column: str) -> str:
        parts = [
            f"SUMPRODUCT({ranges.w('replicas')},{ranges.w(column)})" if ranges.workloads else "0"
        ]
        if ranges.gateways:
            parts.append(f"SUMPRODUCT({ranges.g('replicas')},{ranges.g(column)})")
        return "+".join(parts)

    live = {
        "connected_proxies": "=" + connected,
        "proxy_visible_clusters": "=" + visible("clusters"),
        "proxy_visible_endpoints": "=" + visible("endpoints"),
        "pod_churn_ratio": f"={POD_CHURN}",
    }
    if nodes_known:
        live["nodes"] = f"={NODES_COUNT}"
    return live


_LIVE_HOW = {
    "connected_proxies": "sidecar pods (Workloads) + gateway replicas (Gateways)",
    "proxy_visible_clusters": "sum over proxies of replicas x visible clusters",
    "proxy_visible_endpoints": "sum over proxies of replicas x visible endpoints",
    "pod_churn_ratio": "the knob on the Assumptions sheet",
    "nodes": "the node count on the Summary sheet (nodes_count)",
}


def _sheet_drivers(plan: Plan) -> dict[str, float]:
    """What the live formulas of `_live_drivers` give with the plan's own figures: the proxies
    on the Workloads and Gateways sheets."""
    proxies = [(w.replicas, w.proxy) for w in plan.workloads if w.proxy is not None]
    proxies += [(g.replicas, g.per_replica) for g in plan.gateways]
    return {
        "connected_proxies": float(sum(replicas for replicas, _ in proxies)),
        "proxy_visible_clusters": float(sum(r * (p.visible_clusters or 0) for r, p in proxies)),
        "proxy_visible_endpoints": float(sum(r * p.visible_endpoints for r, p in proxies)),
    }


def _per_node_shares(plan: Plan) -> dict[str, float]:
    """What each node adds to a driver summed from the sheets, by driver name: the plan's figure
    less the sheets', over the nodes. Only for a plan with node agents (Istio's ambient mode:
    each node's ztunnel is a proxy istiod serves, holding every pod and Service), whose drivers
    count them; none otherwise."""
    nodes = plan.nodes
    components = plan.control_plane.components
    if nodes is None or not any(c.per_node for c in components):
        return {}
    sheets = _sheet_drivers(plan)
    shares: dict[str, float] = {}
    for component in components:
        for driver in component.drivers:
            if driver.name in sheets:
                extra = driver.value - sheets[driver.name]
                if abs(extra) > 1e-9:
                    shares[driver.name] = extra / nodes.count
    return shares


def _sum(terms: tuple[Term, ...], p: str) -> str:
    return "+".join(term_formula(t, f"{p}_{t.driver}" if t.driver else "") for t in terms) or "0"


def _replica_rows(cp: ComponentPlan, p: str) -> list[_CpRow]:
    """The replica search of a component shared out among its replicas: the replicas its CPU
    and its memory need, its floor, and the recommendation."""
    policy = cp.policy
    grown_shared = f"{p}_shared_memory_mib*{GROW}"
    max_cpu = defined_name(policy.max_cpu_per_replica)
    max_memory = defined_name(policy.max_memory_per_replica)
    return [
        _CpRow(
            f"{p}_replicas_by_cpu",
            "Replicas the CPU needs",
            "replicas",
            F_INT,
            f"=CEILING(ROUND({p}_cpu_total_millicores*{GROW}/{max_cpu},9),1)",
            None,
            "CPU x (1 + headroom) / CPU target per replica, rounded up",
        ),
        _CpRow(
            f"{p}_replicas_by_memory",
            "Replicas the memory needs",
            "replicas",
            F_INT,
            f"=IF({grown_shared}<{max_memory},"
            f"CEILING(ROUND({p}_serving_memory_mib*{GROW}/({max_memory}-{grown_shared}),9),1),1)",
            None,
            "serving x (1 + headroom) / (memory target - state x (1 + headroom))",
        ),
        _CpRow(
            f"{p}_replicas_floor",
            "Fewest replicas of the component",
            "replicas",
            F_INT,
            cp.replicas_floor,
            cp.replicas_floor,
            "input: the component's own minimum (the knob min_control_plane_replicas may raise "
            "it)" + ("; a quorum runs exactly this many" if cp.quorum else ""),
        ),
        _CpRow(
            f"{p}_replicas",
            "Recommended replicas",
            "replicas",
            F_INT,
            f"=MAX({MIN_CP_REPLICAS},{p}_replicas_floor)"
            if cp.quorum
            else f"=MAX({MIN_CP_REPLICAS},{p}_replicas_floor,{p}_replicas_by_cpu,"
            f"{p}_replicas_by_memory,1)",
            cp.replicas,
            cp.replicas_rule,
        ),
    ]


def _control_plane_rows(plan: Plan, cp: ComponentPlan, ranges: _Ranges) -> list[_CpRow]:
    """One component's rows: its drivers, then the model's sums, replicas and resources."""
    p = cp_prefix(cp.component)
    per = cp.per_replica
    policy = cp.policy
    live = _live_drivers(ranges, plan.nodes is not None)
    shares = _per_node_shares(plan)
    rows = []
    for d in cp.drivers:
        number_format = F_GENERAL if d.unit == "ratio" else F_INT
        formula = live.get(d.name, d.value)
        how = _LIVE_HOW.get(d.name, "input: from the plan")
        if d.name in shares:
            formula = f"{formula}+{NODES_COUNT}*{p}_{d.name}_per_node"
            how += " + nodes x what each node adds (the row below)"
        rows.append(_CpRow(f"{p}_{d.name}", d.label, d.unit, number_format, formula, d.value, how))
        if d.name in shares:
            rows.append(
                _CpRow(
                    f"{p}_{d.name}_per_node",
                    f"{d.label}: what each node adds (node agents)",
                    f"{d.unit} per node",
                    F_GENERAL,
                    shares[d.name],
                    shares[d.name],
                    "input: the plan's figure less the Workloads and Gateways sheets', over the "
                    "nodes (the node agents, one per node, count in it)",
                )
            )
    serving = _sum(cp.serving_memory_terms, p)
    multiplier = _sum(cp.serving_memory_multiplier_terms, p)
    chart_limit = (
        "," + _round_up(defined_name(policy.memory_limit_floor), MEMORY_STEP)
        if policy.memory_limit_floor is not None
        else ""
    )
    # a per-node component (a DaemonSet) runs one replica per node, each carrying the busiest
    # node's load: nothing is shared out among its replicas (planner/model/control_plane.py)
    per_node = cp.per_node
    rows += [
        _CpRow(
            f"{p}_shared_memory_mib",
            "State each replica holds",
            "MiB",
            F_MIB1,
            "=" + _sum(cp.shared_memory_terms, p),
            cp.shared_memory_mib,
            "the shared terms of the model",
        ),
        _CpRow(
            f"{p}_serving_memory_mib",
            "Serving (each replica, its node's)" if per_node else "Serving (all replicas together)",
            "MiB",
            F_MIB1,
            f"=({serving})*(1+{multiplier})",
            cp.serving_memory_mib,
            "the serving terms x (1 + the multiplier terms)",
        ),
        _CpRow(
            f"{p}_cpu_total_millicores",
            "CPU, each replica (the busiest node's)" if per_node else "CPU, all replicas",
            "millicores",
            F_M1,
            "=" + _sum(cp.cpu_terms, p),
            cp.single_replica_estimated_cpu_millicores,
            "the CPU terms of the model",
        ),
    ]
    if per_node:
        rows.append(
            _CpRow(
                f"{p}_replicas",
                "Recommended replicas",
                "replicas",
                F_INT,
                f"={NODES_COUNT}" if plan.nodes is not None else cp.replicas,
                cp.replicas,
                "one per node: the node count on the Summary sheet (nodes_count); "
                + cp.replicas_rule,
            )
        )
    else:
        rows += _replica_rows(cp, p)
    if policy.autoscale_max_ratio is not None:
        rows += [
            _CpRow(
                f"{p}_autoscale_min",
                "Autoscale min",
                "replicas",
                F_INT,
                f"={p}_replicas",
                cp.autoscale_min,
                "the recommended replicas",
            ),
            _CpRow(
                f"{p}_autoscale_max",
                "Autoscale max",
                "replicas",
                F_INT,
                f"=MAX({p}_replicas+1,CEILING({p}_replicas*"
                f"{defined_name(policy.autoscale_max_ratio)},1))",
                cp.autoscale_max,
                "room to grow beyond the recommended replicas",
            ),
        ]
    rows += [
        _CpRow(
            f"{p}_estimated_cpu_millicores",
            "Expected CPU per replica",
            "millicores",
            F_M1,
            f"={p}_cpu_total_millicores" if per_node else f"={p}_cpu_total_millicores/{p}_replicas",
            per.estimated_cpu_millicores,
            "the busiest node's CPU (not divided: one replica per node)"
            if per_node
            else "CPU, all replicas / replicas",
        ),
        _CpRow(
            f"{p}_estimated_memory_mib",
            "Expected memory per replica",
            "MiB",
            F_MIB1,
            f"={p}_shared_memory_mib+{p}_serving_memory_mib"
            if per_node
            else f"={p}_shared_memory_mib+{p}_serving_memory_mib/{p}_replicas",
            per.estimated_memory_mib,
            "state + serving (not divided: one replica per node)"
            if per_node
            else "state + serving / replicas",
        ),
        _CpRow(
            f"{p}_cpu_request_millicores",
            "CPU request per replica",
            "millicores",
            F_M,
            "="
            + _round_up(
                f"MAX({p}_estimated_cpu_millicores*{GROW},"
                f"{defined_name(policy.cpu_request_floor)})",
                CPU_STEP,
            ),
            per.cpu_request_millicores,
            "max(expected x (1 + headroom), chart default)",
        ),
        _CpRow(
            f"{p}_cpu_limit_millicores",
            "CPU limit per replica",
            "millicores",
            F_M,
            f"=MAX({p}_cpu_request_millicores,"
            + _round_up(
                f"{p}_cpu_request_millicores*{defined_name(policy.cpu_limit_ratio)}", CPU_STEP
            )
            + ")",
            per.cpu_limit_millicores,
            "request x CPU limit ratio",
        ),
        _CpRow(
            f"{p}_memory_request_mib",
            "Memory request per replica",
            "MiB",
            F_MIB,
            "="
            + _round_up(
                f"MAX({p}_estimated_memory_mib*{GROW},{defined_name(policy.memory_request_floor)})",
                MEMORY_STEP,
            ),
            per.memory_request_mib,
            "max(expected x (1 + headroom), chart default)",
        ),
        _CpRow(
            f"{p}_memory_limit_mib",
            "Memory limit per replica",
            "MiB",
            F_MIB,
            f"=MAX({p}_memory_request_mib,"
            + _round_up(
                f"{p}_memory_request_mib*{defined_name(policy.memory_limit_ratio)}", MEMORY_STEP
            )
            + f"{chart_limit})",
            per.memory_limit_mib,
            "request x memory limit ratio"
            + (", at least the chart's limit" if chart_limit else ""),
        ),
        _CpRow(
            f"{p}_single_replica_memory_mib",
            "Whole load on one replica (memory)",
            "MiB",
            F_MIB1,
            f"={p}_shared_memory_mib+{p}_serving_memory_mib",
            cp.single_replica_estimated_memory_mib,
            "what published single-replica tests measure",
        ),
    ]
    if cp.guideline_memory_terms:
        rows.append(
            _CpRow(
                f"{p}_guideline_memory_mib",
                "Guideline memory (for comparison)",
                "MiB",
                F_MIB1,
                "=" + _sum(cp.guideline_memory_terms, p),
                cp.guideline_memory_mib,
                cp.guideline_formula or "",
            )
        )
    return rows


def _write_control_plane(book: Book, plan: Plan, ranges: _Ranges) -> None:
    ws = book.wb.create_sheet(CP_SHEET)
    widths = (40, 16, 12, 18, 90)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = book.style(bold=True, fill=HEADER_FILLS[Kind.FORMULA], wrap=True, border=True)
    text = book.style()
    r = 0
    for cp in plan.control_plane.components:
        labels = (cp.title, "Live value", "Unit", "The planner's figure (plan.json)", "How")
        ws.append([book.cell(ws, label, Kind.TEXT, header) for label in labels])
        r += 1
        for row in _control_plane_rows(plan, cp, ranges):
            is_input = not (isinstance(row.live, str) and row.live.startswith("="))
            live_style = book.style(row.number_format, fill=INPUT_FILL if is_input else None)
            ws.append(
                [
                    book.cell(ws, row.label, Kind.TEXT, text),
                    book.cell(ws, row.live, Kind.INPUT if is_input else Kind.FORMULA, live_style),
                    book.cell(ws, row.unit, Kind.TEXT, text),
                    book.cell(ws, row.planned, Kind.INFO, book.style(row.number_format)),
                    book.cell(ws, row.how, Kind.TEXT, text),
                ]
            )
            r += 1
            book.name(row.name, CP_SHEET, f"$B${r}")
        notes = [f"Model: {cp.model_formula}"]
        if cp.guideline_formula:
            notes.append(f"Guideline: {cp.guideline_formula}")
        for note in [*notes, ""]:
            ws.append([book.cell(ws, note, Kind.TEXT, text) if note else None])
            r += 1
    ws.append(
        [
            book.cell(
                ws,
                "Blue cells are inputs from the plan; green headers mark live formulas over the "
                "Workloads, Gateways and Assumptions sheets.",
                Kind.TEXT,
                text,
            )
        ]
    )


# --- Namespaces ---------------------------------------------------------------------------------

NAMESPACE_COLS = (
    Col("ns_no", "No.", Kind.INFO, F_INT, 6),
    Col("namespace", "Namespace", Kind.TEXT, width=24),
    Col("workloads", "Workloads", Kind.FORMULA, F_INT, 10),
    Col("pods", "Proxy pods", Kind.FORMULA, F_INT, 10),
    Col("gateways", "Gateway replicas", Kind.FORMULA, F_INT, 10),
    Col("t_est_cpu", "Expected CPU (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_est_mem", "Expected memory (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_req", "CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_req", "Memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_cpu_lim", "CPU limits (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_mem_lim", "Memory limits (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("t_app_cpu", "App CPU requests (cores)", Kind.FORMULA, F_CORES, 12),
    Col("t_app_mem", "App memory requests (GiB)", Kind.FORMULA, F_GIB, 12),
    Col("cpu_share", "Proxy CPU / app CPU", Kind.FORMULA, F_PCT, 10),
    Col("mem_share", "Proxy memory / app memory", Kind.FORMULA, F_PCT, 10),
)
N = _letters(NAMESPACE_COLS)


def _namespace_rows(names: Sequence[str], ranges: _Ranges) -> Iterable[list[CellValue]]:
    ns_w, ns_g = ranges.w("ns_no"), ranges.g("ns_no")
    for r, name in enumerate(names, start=2):
        no = r - 1
        key = f"$A{r}"

        def both(column: str, key: str = key) -> str:
            return "=" + ranges.sum_both(
                column,
                lambda found, sheet: f"SUMIFS({found},{ns_w if sheet == 'w' else ns_g},{key})",
            )

        with_cpu, with_mem = ranges.w("app_cpu_given"), ranges.w("app_mem_given")
        values: dict[str, CellValue] = {
            "ns_no": no,
            "namespace": name,
            "workloads": f"=COUNTIFS({ns_w},{key})" if ns_w else 0,
            "pods": (
                f'=SUMIFS({ranges.w("replicas")},{ns_w},{key},{ranges.w("sized")},"yes")'
                if ns_w
                else 0
            ),
            "gateways": f"=SUMIFS({ranges.g('replicas')},{ns_g},{key})" if ns_g else 0,
            **{k: both(k) for k in ("t_est_cpu", "t_est_mem", "t_cpu_req", "t_mem_req")},
            **{k: both(k) for k in ("t_cpu_lim", "t_mem_lim")},
            "t_app_cpu": f"=SUMIFS({ranges.w('t_app_cpu')},{ns_w},{key})" if ns_w else 0,
            "t_app_mem": f"=SUMIFS({ranges.w('t_app_mem')},{ns_w},{key})" if ns_w else 0,
            "cpu_share": (
                f"=IF({N['t_app_cpu']}{r}>0,SUMIFS({ranges.w('t_cpu_req')},{ns_w},{key},"
                f'{with_cpu},"yes")/{N["t_app_cpu"]}{r},"")'
                if ns_w
                else None
            ),
            "mem_share": (
                f"=IF({N['t_app_mem']}{r}>0,SUMIFS({ranges.w('t_mem_req')},{ns_w},{key},"
                f'{with_mem},"yes")/{N["t_app_mem"]}{r},"")'
                if ns_w
                else None
            ),
        }
        yield [values.get(col.key) for col in NAMESPACE_COLS]


# --- Summary ------------------------------------------------------------------------------------

SUMMARY_PARTS = ("Workload proxies", "Gateways", "Control plane", "Whole mesh")
NODE_AGENTS = "Node agents"
"""The part of the per-node components (ztunnel, istio-cni), after the workload proxies, in a
plan that has them."""
WAYPOINTS_TOO = "Gateways and waypoints"
"""The gateways' part in a plan with waypoints (Istio's ambient mode), which are sized as
gateways."""
TOTAL_KEYS = ("t_est_cpu", "t_est_mem", "t_cpu_req", "t_mem_req", "t_cpu_lim", "t_mem_lim")
TOTAL_HEADERS = (
    "Pods",
    "Expected CPU (cores)",
    "Expected memory (GiB)",
    "CPU requests (cores)",
    "Memory requests (GiB)",
    "CPU limits (cores)",
    "Memory limits (GiB)",
)
TOTAL_FORMATS = (F_INT, F_CORES, F_GIB, F_CORES, F_GIB, F_CORES, F_GIB)


def summary_parts(plan: Plan) -> list[tuple[str, ResourceTotals]]:
    """The parts of the Summary's totals and the plan's figure of each, the whole mesh last:
    node agents only for a plan with per-node components, and gateways named with the
    waypoints when there are some."""
    t = plan.totals
    gateways = (
        WAYPOINTS_TOO if any(g.role is Role.WAYPOINT for g in plan.gateways) else SUMMARY_PARTS[1]
    )
    agents = [(NODE_AGENTS, t.node_agents)] if _has_node_agents(plan) else []
    return [
        (SUMMARY_PARTS[0], t.sidecars),
        *agents,
        (gateways, t.gateways),
        (SUMMARY_PARTS[2], t.control_plane),
        (SUMMARY_PARTS[3], t.mesh),
    ]


def _has_node_agents(plan: Plan) -> bool:
    return any(c.per_node for c in plan.control_plane.components)


def _summary_total_formulas(ranges: _Ranges, first: int, plan: Plan) -> list[list[str]]:
    """Formulas of the live totals, one row per part of `summary_parts`: workload proxies in row
    `first`, the other parts below, the whole mesh their sum."""
    sized = ranges.w("sized")
    pods = f'=SUMIFS({ranges.w("replicas")},{sized},"yes")' if sized else "=0"
    sidecars = [pods, *(f"=SUM({ranges.w(k)})" if ranges.workloads else "=0" for k in TOTAL_KEYS)]
    gateways = [
        f"=SUM({ranges.g('replicas')})" if ranges.gateways else "=0",
        *(f"=SUM({ranges.g(k)})" if ranges.gateways else "=0" for k in TOTAL_KEYS),
    ]

    def over(components: Iterable[ComponentPlan]) -> list[str]:
        prefixes = [cp_prefix(c.component) for c in components]

        def total(name: str, per: int) -> str:
            parts = [f"{p}_replicas*{p}_{name}" for p in prefixes]
            return "=(" + ("+".join(parts) or "0") + f")/{per}"

        return [
            "=" + ("+".join(f"{p}_replicas" for p in prefixes) or "0"),
            total("estimated_cpu_millicores", 1000),
            total("estimated_memory_mib", 1024),
            total("cpu_request_millicores", 1000),
            total("memory_request_mib", 1024),
            total("cpu_limit_millicores", 1000),
            total("memory_limit_mib", 1024),
        ]

    components = plan.control_plane.components
    # the node agents are apart from the control plane, as in the plan's totals
    agents = [over(c for c in components if c.per_node)] if _has_node_agents(plan) else []
    parts = [sidecars, *agents, gateways, over(c for c in components if not c.per_node)]
    last = first + len(parts) - 1
    mesh = [
        f"=SUM({get_column_letter(i)}{first}:{get_column_letter(i)}{last})"
        for i in range(2, 2 + len(TOTAL_HEADERS))
    ]
    return [*parts, mesh]


def _write_nodes(
    book: Book, ws: Any, put: Callable[..., int], plan: Plan, sidecars: int, mesh: int
) -> None:
    """The Summary's per-node block: the node count and the busiest node's share as inputs (the
    share a formula of the count when the pods are taken as spread evenly), the mesh's requests
    per node and the busiest node's sidecar requests (for a mesh with sidecars) as formulas over
    the live totals in rows `sidecars` and `mesh`, and the share of the nodes' allocatable where
    it is known."""
    nodes = plan.nodes
    assert nodes is not None
    text = book.style()
    bold = book.style(bold=True)
    head = book.style(bold=True, fill=HEADER_FILLS[Kind.FORMULA], wrap=True, border=True)

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    def live(formula: str, number_format: str) -> Any:
        return book.cell(ws, formula, Kind.FORMULA, book.style(number_format))

    def given(value: CellValue, number_format: str, kind: Kind = Kind.INPUT) -> Any:
        fill = INPUT_FILL if kind is Kind.INPUT else None
        return book.cell(ws, value, kind, book.style(number_format, fill=fill))

    even = nodes.spread != "as given"
    put(t("Per node (live: change the blue cells or the totals above and it moves)", bold))
    row = put(t("Nodes, and where they came from"), given(nodes.count, F_INT), t(nodes.source))
    book.name(NODES_COUNT, "Summary", f"$B${row}")
    if even:
        put(t("Pods per node"), t("not given: taken as spread evenly"))
        share = live(f"=1/{NODES_COUNT}", F_PCT)
        label = "The busiest node's share of the pods (1 / nodes: spread evenly)"
    else:
        put(
            t("Pods per node: fewest / median / most (as given)"),
            given(nodes.pods_per_node_min, F_INT, Kind.INFO),
            given(nodes.pods_per_node_median, F_GENERAL, Kind.INFO),
            given(nodes.pods_per_node_max, F_INT, Kind.INFO),
        )
        share = given(nodes.busiest_node_share_ratio, F_PCT)
        label = "The busiest node's share of the pods (its pods / all pods, as given)"
    row = put(t(label), share)
    book.name(NODES_SHARE, "Summary", f"$B${row}")
    put(t("", head), t("CPU", head), t("Memory", head))
    put(
        t("Mesh requests per node (the whole mesh / nodes: an average)"),
        live(f"=E{mesh}/{NODES_COUNT}", F_CORES),
        live(f"=F{mesh}/{NODES_COUNT}", F_GIB),
    )
    if plan.totals.sidecars.pods:
        put(
            t("The busiest node's sidecar requests (all sidecars' x its share)"),
            live(f"=E{sidecars}*{NODES_SHARE}", F_CORES),
            live(f"=F{sidecars}*{NODES_SHARE}", F_GIB),
        )
    if nodes.cpu_cores is None and nodes.memory_gib is None:
        put(
            t(
                "The nodes' allocatable CPU and memory are not known: a nodes table with "
                "cpu_cores and memory_gib for every node gives them."
            )
        )
        return
    row = put(
        t("The nodes' allocatable, summed over the nodes"),
        t("not given") if nodes.cpu_cores is None else given(nodes.cpu_cores, F_CORES),
        t("not given") if nodes.memory_gib is None else given(nodes.memory_gib, F_GIB),
    )
    put(
        t("Mesh requests / the nodes' allocatable"),
        *(
            t("n/a")
            if capacity is None
            else live(f'=IF({column}{row}>0,{total}{mesh}/{column}{row},"n/a")', F_PCT)
            for capacity, column, total in (
                (nodes.cpu_cores, "B", "E"),
                (nodes.memory_gib, "C", "F"),
            )
        ),
    )


def _write_summary(book: Book, plan: Plan, ranges: _Ranges) -> None:
    ws = book.wb.create_sheet("Summary")
    for index, width in enumerate((62, 16, 16, 16, 16, 16, 16, 16), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    text = book.style()
    bold = book.style(bold=True)
    title = book.style(bold=True, size=14)
    head = book.style(bold=True, fill=HEADER_FILLS[Kind.FORMULA], wrap=True, border=True)
    static_head = book.style(bold=True, fill=HEADER_FILLS[Kind.INFO], wrap=True, border=True)
    rows_written = 0

    def put(*cells: Any, height: float | None = None) -> int:
        nonlocal rows_written
        if height is not None:
            ws.row_dimensions[rows_written + 1].height = height
        ws.append(list(cells))
        rows_written += 1
        return rows_written

    def t(value: str, style: Any = text) -> Any:
        return book.cell(ws, value, Kind.TEXT, style)

    def n(value: CellValue, number_format: str, kind: Kind = Kind.FORMULA) -> Any:
        return book.cell(ws, value, kind, book.style(number_format))

    profile = plan.profile
    put(t(f"Mesh capacity plan: {profile.title} {profile.mesh_version}", title))
    put(
        t(
            f"{plan.tool.name} {plan.tool.version}, profile {profile.name} "
            f"{profile.profile_version}, figures: {profile.figures}"
        )
    )
    put(
        t(
            "Inputs: "
            + ", ".join(
                f"{i.name} ({i.role}, {i.rows:,} rows, {i.fingerprint})" for i in plan.inputs
            )
        )
    )
    put(
        t("Headroom ratio (change it on the Assumptions sheet)", bold),
        n(f"={HEADROOM}", F_GENERAL),
    )
    put()
    put(
        t(
            "Mesh overhead, recomputed live from the Workloads, Gateways and Control plane sheets",
            bold,
        )
    )
    put(*(t(h, head) for h in ("Part", *TOTAL_HEADERS)), height=HEADER_HEIGHT * 2 / 3)
    first = rows_written + 1
    parts = summary_parts(plan)
    live = _summary_total_formulas(ranges, first, plan)
    for (part, _), formulas in zip(parts, live, strict=True):
        put(
            t(part, bold if part == "Whole mesh" else text),
            *(n(f, fmt) for f, fmt in zip(formulas, TOTAL_FORMATS, strict=True)),
        )
    put()
    put(t("As computed by the planner (plan.json), for comparison", bold))
    put(*(t(h, static_head) for h in ("Part", *TOTAL_HEADERS)), height=HEADER_HEIGHT * 2 / 3)
    for part, total in parts:
        put(
            t(part),
            *(
                n(v, fmt, Kind.INFO)
                for v, fmt in zip(
                    (
                        total.pods,
                        total.estimated_cpu_cores,
                        total.estimated_memory_gib,
                        total.cpu_request_cores,
                        total.memory_request_gib,
                        total.cpu_limit_cores,
                        total.memory_limit_gib,
                    ),
                    TOTAL_FORMATS,
                    strict=True,
                )
            ),
        )
    put()
    mesh_row = first + len(parts) - 1
    app_cpu = f"SUM({ranges.w('t_app_cpu')})" if ranges.workloads else "0"
    app_mem = f"SUM({ranges.w('t_app_mem')})" if ranges.workloads else "0"
    with_cpu, with_mem = ranges.w("app_cpu_given"), ranges.w("app_mem_given")
    sized = ranges.w("sized")
    side_cpu = f'SUMIFS({ranges.w("t_cpu_req")},{with_cpu},"yes")' if with_cpu else "0"
    side_mem = f'SUMIFS({ranges.w("t_mem_req")},{with_mem},"yes")' if with_mem else "0"

    def complete(given: str | None) -> str:
        """Every sized workload gives this request."""
        if not (sized and given):
            return "FALSE"
        return f'AND(COUNTIFS({sized},"yes")>0,COUNTIFS({sized},"yes",{given},"no")=0)'

    put(t("Against the application's own requests", bold), t("CPU", head), t("Memory", head))
    put(
        t("App requests of the meshed workloads that give them (each resource where given)"),
        n(f"={app_cpu}", F_CORES),
        n(f"={app_mem}", F_GIB),
    )
    app_row = rows_written
    put(
        t("Proxy requests / app requests (same workloads)"),
        n(f'=IF(B{app_row}>0,{side_cpu}/B{app_row},"n/a")', F_PCT),
        n(f'=IF(C{app_row}>0,{side_mem}/C{app_row},"n/a")', F_PCT),
    )
    put(
        t("Whole mesh / app requests (when every meshed workload gives that request)"),
        n(f'=IF(AND({complete(with_cpu)},B{app_row}>0),E{mesh_row}/B{app_row},"n/a")', F_PCT),
        n(f'=IF(AND({complete(with_mem)},C{app_row}>0),F{mesh_row}/C{app_row},"n/a")', F_PCT),
    )
    put()
    if plan.nodes is not None:
        _write_nodes(book, ws, put, plan, first, mesh_row)
        put()
    for component in plan.control_plane.components:
        p = cp_prefix(component.component)
        if component.per_node:
            put(t(f"Node agent: {component.title}, live", bold))
            put(
                t("Replicas (one per node, each sized for the busiest node)"),
                n(f"={p}_replicas", F_INT),
            )
        elif component.autoscale_min is not None:
            put(t(f"Control plane: {component.title}, live", bold))
            put(
                t("Replicas (autoscale min / max)"),
                n(f"={p}_replicas", F_INT),
                n(f"={p}_autoscale_min", F_INT),
                n(f"={p}_autoscale_max", F_INT),
            )
        else:
            put(t(f"Control plane: {component.title}, live", bold))
            put(t("Replicas"), n(f"={p}_replicas", F_INT))
        put(
            t("Per replica: CPU request / limit"),
            n(f"={p}_cpu_request_millicores", F_M),
            n(f"={p}_cpu_limit_millicores", F_M),
        )
        put(
            t("Per replica: memory request / limit"),
            n(f"={p}_memory_request_mib", F_MIB),
            n(f"={p}_memory_limit_mib", F_MIB),
        )
    put()
    default = plan.proxy_default
    put(t("Mesh-wide proxy default, from the plan", bold))
    put(
        t("CPU request / limit"),
        n(default.cpu_request_millicores, F_M, Kind.INFO),
        n(default.cpu_limit_millicores, F_M, Kind.INFO),
    )
    book.name(DEFAULT_CPU, "Summary", f"$B${rows_written}")
    put(
        t("Memory request / limit"),
        n(default.memory_request_mib, F_MIB, Kind.INFO),
        n(default.memory_limit_mib, F_MIB, Kind.INFO),
    )
    book.name(DEFAULT_MEMORY, "Summary", f"$B${rows_written}")
    put(
        t(
            f"{default.workloads_patched:,} of "
            f"{default.workloads_within + default.workloads_patched:,} workloads differ by more "
            f"than {default.threshold_ratio:.0%} and get their own patch ({default.rule})"
        )
    )
    put()
    scoping = plan.scoping
    put(t("Scoping (from the plan; not recomputed here)", bold))
    if scoping is None:
        note = plan.scoping_note
        put(t(f"None recommended: {note}." if note else "None recommended."))
    else:
        s = scoping.totals
        put(
            t(
                f"{scoping.granularity} granularity, traffic window {scoping.traffic_window}, "
                f"proxies sized for the {scoping.sized_for} mesh"
            )
        )
        put(
            t("", static_head),
            t("Before", static_head),
            t("After", static_head),
            t("Change", static_head),
        )
        for label, before, after, fmt in (
            (
                "Expected memory of all proxies",
                s.proxy_memory_mib_before / 1024,
                s.proxy_memory_mib_after / 1024,
                F_GIB,
            ),
            ("Full push: clusters", s.push_clusters_before, s.push_clusters_after, F_INT),
            ("Full push: endpoints", s.push_endpoints_before, s.push_endpoints_after, F_INT),
            ("Full push: listeners", s.push_listeners_before, s.push_listeners_after, F_INT),
            (
                "Control-plane expected memory (one replica)",
                s.control_plane_memory_mib_before,
                s.control_plane_memory_mib_after,
                F_MIB1,
            ),
        ):
            row = rows_written + 1
            put(
                t(label),
                n(before, fmt, Kind.INFO),
                n(after, fmt, Kind.INFO),
                n(f'=IF(B{row}>0,C{row}/B{row}-1,"")', F_PCT),
            )
    put()
    put(t("How to read this workbook", bold))
    for line in (
        "Blue columns and cells are inputs (from the plan); green headers are live formulas; "
        "grey ones are shown for reference.",
        "Change a coefficient or the headroom on the Assumptions sheet and every workload, "
        "gateway, control-plane figure and total recomputes (the names in the formulas are the "
        "Assumptions sheet's named cells).",
        f"Highlighted: requests more than {OUTLIER_OF_DEFAULT_RATIO:g}x the mesh-wide default "
        "(outliers), recommendations more than far_from_current_ratio times the current "
        "request or less than its inverse, observed usage over twice the model, fallback "
        "scoping.",
    ):
        put(t(line))


# --- Scoping, Sidecars, Exports, Findings -------------------------------------------------------

SCOPING_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("workload", "Workload", Kind.TEXT, width=28),
    Col("replicas", "Replicas (pods)", Kind.INFO, F_INT, 9),
    Col("sidecar", "Scoped by", Kind.TEXT, width=26),
    Col("confidence", "Confidence", Kind.TEXT, width=11),
    Col("reason", "Reason", Kind.TEXT, width=50),
    Col("c_before", "Clusters before", Kind.INFO, F_INT, 9),
    Col("c_after", "Clusters after", Kind.INFO, F_INT, 9),
    Col("e_before", "Endpoints before", Kind.INFO, F_INT, 9),
    Col("e_after", "Endpoints after", Kind.INFO, F_INT, 9),
    Col("m_before", "Expected memory before (MiB per pod)", Kind.INFO, F_MIB1, 12),
    Col("m_after", "Expected memory after (MiB per pod)", Kind.INFO, F_MIB1, 12),
    Col("saving", "Saving (MiB per pod)", Kind.FORMULA, F_MIB1, 11),
    Col("saving_all", "Saving, all pods (GiB)", Kind.FORMULA, F_GIB, 11),
)
S = _letters(SCOPING_COLS)
NO_SIDECAR = "(none: keeps seeing the whole mesh)"


def _scoping_rows(plan: Plan) -> Iterable[list[CellValue]]:
    r = 1
    for w in plan.workloads:
        s = w.scoping
        if s is None:
            continue
        r += 1
        values: dict[str, CellValue] = {
            "namespace": w.namespace,
            "workload": w.workload,
            "replicas": w.replicas,
            "sidecar": s.sidecar if s.sidecar is not None else NO_SIDECAR,
            "confidence": s.confidence.value,
            "reason": s.reason,
            "c_before": s.clusters_before,
            "c_after": s.clusters_after,
            "e_before": s.endpoints_before,
            "e_after": s.endpoints_after,
            "m_before": s.estimated_memory_mib_before,
            "m_after": s.estimated_memory_mib_after,
            "saving": f"={S['m_before']}{r}-{S['m_after']}{r}",
            "saving_all": f"={S['saving']}{r}*{S['replicas']}{r}/1024",
        }
        yield [values.get(col.key) for col in SCOPING_COLS]


SIDECAR_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("name", "Sidecar", Kind.TEXT, width=26),
    Col("selector", "Workload selector", Kind.TEXT, width=28),
    Col("confidence", "Confidence", Kind.TEXT, width=11),
    Col("reason", "Reason", Kind.TEXT, width=50),
    Col("n_workloads", "Workloads", Kind.INFO, F_INT, 9),
    Col("workloads", "Selects", Kind.TEXT, width=40),
    Col("n_hosts", "Egress hosts", Kind.INFO, F_INT, 9),
    Col("hosts", "Hosts", Kind.TEXT, width=60),
)

EXPORT_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("service", "Service", Kind.TEXT, width=28),
    Col("type", "Type", Kind.TEXT, width=12),
    Col("export_to", "exportTo", Kind.TEXT, width=24),
    Col("narrowed", "Narrowed", Kind.TEXT, width=9),
    Col("callers", "Caller namespaces (observed)", Kind.TEXT, width=30),
    Col("confidence", "Confidence", Kind.TEXT, width=11),
    Col("reason", "Reason", Kind.TEXT, width=50),
)

INTENTION_COLS = (
    Col("namespace", "Namespace", Kind.TEXT, width=20),
    Col("name", "ServiceIntentions", Kind.TEXT, width=26),
    Col("destination", "Destination service", Kind.TEXT, width=26),
    Col("confidence", "Confidence", Kind.TEXT, width=11),
    Col("reason", "Reason", Kind.TEXT, width=50),
    Col("n_sources", "Sources", Kind.INFO, F_INT, 9),
    Col("sources", "Sources (action, observed or fall-back)", Kind.TEXT, width=60),
    Col("workloads", "Served by", Kind.TEXT, width=40),
)

FINDING_COLS = (
    Col("kind", "Kind", Kind.TEXT, width=22),
    Col("code", "Code", Kind.TEXT, width=26),
    Col("subject", "Subject", Kind.TEXT, width=30),
    Col("message", "What to know", Kind.TEXT, width=100),
)


LISTED = 20
"""How many hosts or workloads a Sidecars cell names; sidecars.yaml has them all."""


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LISTED])
    more = len(items) - LISTED
    return shown + (f" ... and {more:,} more (sidecars.yaml)" if more > 0 else "")


def _finding_rows(plan: Plan) -> Iterable[list[CellValue]]:
    for finding in plan.findings:
        yield ["finding", finding.code, finding.subject, finding.message]
    if plan.scoping is not None:
        for export in plan.scoping.exports:
            if export.export_to == ("*",):
                yield [
                    "exportTo stays open",
                    "export-open",
                    f"{export.namespace}/{export.service}",
                    export.reason,
                ]
        excluded_namespaces = (
            plan.scoping.discovery.excluded if plan.scoping.discovery is not None else ()
        )
        for excluded in excluded_namespaces:
            yield [
                "not watched by istiod",
                "discovery-excluded",
                excluded.namespace,
                excluded.reason,
            ]
    for w in plan.workloads:
        if w.not_sized_reason is not None and w.replicas > 0 and w.role.value == "workload":
            yield [
                "no sidecar sized",
                "not-sized",
                f"{w.namespace}/{w.workload}",
                w.not_sized_reason,
            ]


# --- Assumptions --------------------------------------------------------------------------------

ASSUMPTION_COLS = (
    Col("name", "Name (in formulas)", Kind.TEXT, width=44),
    Col("value", "Value", Kind.INPUT, F_GENERAL, 12),
    Col("unit", "Unit", Kind.TEXT, width=30),
    Col("tag", "Tag", Kind.TEXT, width=10),
    Col("source", "Source", Kind.TEXT, width=60),
    Col("holds_for", "Holds for", Kind.TEXT, width=40),
    Col("figures", "Figure ids", Kind.TEXT, width=20),
    Col("derivation", "Derivation", Kind.TEXT, width=80),
)


def _assumption_rows(plan: Plan) -> list[list[CellValue]]:
    knobs = plan.knobs
    cpu_step = plan.rounding.cpu_step_millicores
    memory_step = plan.rounding.memory_step_mib
    step_source = "the profile's rounding"
    rows: list[list[CellValue]] = [
        [
            HEADROOM,
            knobs.headroom_ratio,
            "ratio (0.25 = +25 %)",
            "knob",
            "--headroom-ratio",
            "this run",
            None,
            "Added on top of expected usage (model or observed) for requests.",
        ],
        [
            POD_CHURN,
            knobs.pod_churn_ratio,
            "ratio (0.25 = a quarter of the pods)",
            "knob",
            "--pod-churn-ratio",
            "this run",
            None,
            "Share of the mesh's pods replaced at once during rollouts; the control plane holds "
            "more memory while they churn.",
        ],
        [
            MIN_CP_REPLICAS,
            knobs.min_control_plane_replicas,
            "replicas",
            "knob",
            "--min-control-plane-replicas",
            "this run",
            None,
            None,
        ],
        [
            MIN_GW_REPLICAS,
            knobs.min_gateway_replicas,
            "replicas",
            "knob",
            "--min-gateway-replicas (or the profile's gateway.min_replicas)",
            "this run",
            None,
            None,
        ],
        [
            CPU_STEP,
            cpu_step,
            "millicores",
            "rounding",
            step_source,
            "this run",
            None,
            "Requests and limits are rounded up to a multiple of this.",
        ],
        [
            MEMORY_STEP,
            memory_step,
            "MiB",
            "rounding",
            step_source,
            "this run",
            None,
            "Requests and limits are rounded up to a multiple of this.",
        ],
        [
            FAR_RATIO,
            FAR_FROM_CURRENT_RATIO,
            "recommended / current",
            "report",
            "highlighting in this workbook",
            "this workbook",
            None,
            "A recommendation more than this many times the current request, or less than its "
            "inverse, is highlighted.",
        ],
        [
            OUTLIER_RATIO,
            OUTLIER_OF_DEFAULT_RATIO,
            "request / mesh-wide default",
            "report",
            "highlighting in this workbook",
            "this workbook",
            None,
            "A proxy request more than this many times the mesh-wide default is highlighted.",
        ],
    ]
    for a in plan.assumptions:
        rows.append(
            [
                defined_name(a.name),
                a.value,
                a.unit,
                a.tag,
                a.source,
                a.holds_for,
                ", ".join(a.figure_ids) or None,
                a.derivation,
            ]
        )
    return rows


def _derived_rows() -> list[tuple[str, str, str, str]]:
    """Named cells the formulas share, computed live from the coefficients above them."""
    return [
        (
            CPU_LIMIT_FLOOR,
            "=" + _round_up(P_CPU_LIMIT_FLOOR, CPU_STEP),
            "millicores",
            "the chart's proxy CPU limit, rounded up to the CPU step",
        ),
        (
            MEMORY_LIMIT_FLOOR,
            "=" + _round_up(P_MEMORY_LIMIT_FLOOR, MEMORY_STEP),
            "MiB",
            "the chart's proxy memory limit, rounded up to the memory step",
        ),
    ]


def _write_assumptions(book: Book, plan: Plan) -> None:
    rows = _assumption_rows(plan)
    ws, count = book.table("Assumptions", ASSUMPTION_COLS, rows, stream=False)
    for r, row in enumerate(rows, start=2):
        book.name(str(row[0]), "Assumptions", f"$B${r}")
    text = book.style()
    bold = book.style(bold=True)
    for r, (name, formula, unit, how) in enumerate(_derived_rows(), start=count + 2):
        ws.append(
            [
                book.cell(ws, name, Kind.TEXT, text),
                book.cell(ws, formula, Kind.FORMULA, book.style()),
                book.cell(ws, unit, Kind.TEXT, text),
                book.cell(ws, "derived", Kind.TEXT, text),
                book.cell(ws, how, Kind.TEXT, text),
            ]
        )
        book.name(name, "Assumptions", f"$B${r}")
    knobs = plan.knobs.model_dump(mode="json")
    extra: list[tuple[str, str]] = [("", "")]
    extra.append(("Other knobs of this run (not live: rerun the planner to change them)", ""))
    for key, value in knobs.items():
        if key not in (HEADROOM, MIN_CP_REPLICAS, MIN_GW_REPLICAS):
            extra.append((key, "" if value is None else str(value)))
    extra += [("", ""), ("The planner's formulas, with this run's coefficients", "")]
    extra += [(f.name, f.expression) for f in plan.formulas]
    for cp in plan.control_plane.components:
        extra.append((f"{cp.title} model", cp.model_formula))
        if cp.guideline_formula:
            extra.append((f"{cp.title} guideline", cp.guideline_formula))
    extra += [("", ""), ("The workbook's formulas (row 2 of the Workloads sheet)", "")]
    extra += _workbook_formulas(plan)
    for label, value in extra:
        style = bold if not value and label else text
        ws.append(
            [
                book.cell(ws, label, Kind.TEXT, style) if label else None,
                None,
                book.cell(ws, value, Kind.TEXT, text) if value else None,
            ]
        )


def _workbook_formulas(plan: Plan) -> list[tuple[str, str]]:
    """The live formulas of row 2 of the Workloads sheet, as text a reviewer can read."""
    headers = {col.key: col.header for col in WORKLOAD_COLS}
    sample = _workload_row(2, _SAMPLE_WORKLOAD, 1, _ProxyFormulas(plan.proxy_model))
    out = []
    for col, value in zip(WORKLOAD_COLS, sample, strict=True):
        if col.kind is Kind.FORMULA and isinstance(value, str):
            out.append((f"Workloads: {headers[col.key]}", value.lstrip("=")))
    return out


_SAMPLE_WORKLOAD = WorkloadPlan(
    namespace="ns",
    workload="w",
    kind="Deployment",
    role=Role.WORKLOAD,
    replicas=1,
    mesh_injected=True,
    services=(),
    inbound_rps=0.0,
    outbound_rps=0.0,
    rps_basis=RpsBasis.NONE,
    app_cpu_millicores=None,
    app_memory_mib=None,
    proxy=ProxyPlan(
        estimated_cpu_millicores=0.0,
        estimated_memory_mib=0.0,
        cpu_request_millicores=0,
        cpu_limit_millicores=0,
        memory_request_mib=0,
        memory_limit_mib=0,
        observed_cpu_millicores=None,
        observed_memory_mib=None,
        cpu_basis=Basis.MODEL,
        memory_basis=Basis.MODEL,
        current_cpu_request_millicores=0.0,
        current_memory_request_mib=0.0,
        current_source="",
        rps_per_pod=0.0,
        l4_rps_per_pod=0.0,
        memory_limit_basis=LimitBasis.REQUEST_RATIO,
        whole_mesh_memory_request_mib=0,
        scope_trusted=False,
        oom_risk=OomRisk.NONE,
        current_cpu_limit_millicores=0.0,
        current_memory_limit_mib=0.0,
        visible_services=0,
        visible_clusters=0,
        visible_endpoints=0,
        visible_listeners=0,
        connections=0,
    ),
    not_sized_reason=None,
    needs_patch=False,
    scoping=None,
)
"""A placeholder row, only to print the Workloads formulas on the Assumptions sheet."""


# --- highlighting -------------------------------------------------------------------------------


def _highlight_workloads(ws: Any, count: int) -> None:
    if not count:
        return
    last = count + 1

    def span(key: str) -> str:
        return f"{W[key]}2:{W[key]}{last}"

    for key, default in (("cpu_req", DEFAULT_CPU), ("mem_req", DEFAULT_MEMORY)):
        ws.conditional_formatting.add(
            span(key),
            FormulaRule(
                formula=[f"AND(ISNUMBER({W[key]}2),{W[key]}2>{OUTLIER_RATIO}*{default})"],
                fill=_OUTLIER_FILL,
            ),
        )
    for key in ("cpu_vs", "mem_vs"):
        cell = f"{W[key]}2"
        ws.conditional_formatting.add(
            span(key),
            FormulaRule(
                formula=[f"AND(ISNUMBER({cell}),OR({cell}>{FAR_RATIO},{cell}<1/{FAR_RATIO}))"],
                fill=_FLAG_FILL,
                font=_FLAG_FONT,
            ),
        )
    for observed, model in (("obs_cpu", "est_cpu"), ("obs_mem", "est_mem")):
        ws.conditional_formatting.add(
            span(observed),
            FormulaRule(
                formula=[f"AND(ISNUMBER({W[observed]}2),{W[observed]}2>2*{W[model]}2)"],
                fill=_FLAG_FILL,
                font=_FLAG_FONT,
            ),
        )
    ws.conditional_formatting.add(
        span("patch"), CellIsRule(operator="equal", formula=['"yes"'], fill=_FLAG_FILL)
    )
    for key in ("t_mem_req", "t_cpu_req"):
        ws.conditional_formatting.add(
            span(key),
            DataBarRule(start_type="num", start_value=0, end_type="max", color="5B9BD5"),
        )


def _highlight_gateways(ws: Any, count: int) -> None:
    if not count:
        return
    cell = f"{G['replicas']}2"
    ws.conditional_formatting.add(
        f"{G['replicas']}2:{G['replicas']}{count + 1}",
        FormulaRule(
            formula=[f"OR({cell}>{FAR_RATIO}*{G['current']}2,{cell}*{FAR_RATIO}<{G['current']}2)"],
            fill=_FLAG_FILL,
            font=_FLAG_FONT,
        ),
    )


# --- Migration ----------------------------------------------------------------------------------

MIGRATION_COLS = (
    Col("mesh", "Mesh", Kind.TEXT, width=26),
    Col("version", "Version", Kind.TEXT, width=9),
    Col("pods", "Pods (proxies and control plane)", Kind.INFO, F_INT, 10),
    *REQUEST_COLS,
    Col("folder", "Folder (its plan.json and hand-over files)", Kind.TEXT, width=26),
    Col("control_plane", "Control plane", Kind.TEXT, width=50),
    Col("scoping", "Scoping", Kind.TEXT, width=60),
    Col("findings", "Findings (its plan.json)", Kind.INFO, F_INT, 10),
)
MIGRATION_AGENT_COLS = AGENT_COLS
"""The node agents' requests, after the sidecars', when a mesh of the migration has them."""


def migration_columns(meshes: Sequence[MeshRow]) -> tuple[Col, ...]:
    """The Migration sheet's columns: MIGRATION_COLS, with the node agents' requests after the
    sidecars' when a mesh of the side by side runs node agents (Istio's ambient mode)."""
    return with_node_agents(MIGRATION_COLS, any(m.totals.node_agents.pods for m in meshes))


def _migration_row(r: int, row: MeshRow, cols: tuple[Col, ...]) -> list[CellValue]:
    """One mesh: the plan's figures as values, the totals and the difference against today's row
    as formulas (so a changed figure moves them)."""
    letters = _letters(cols)
    c = {key: f"{letter}{r}" for key, letter in letters.items()}
    values: dict[str, CellValue] = {
        "mesh": row.title,
        "version": row.version,
        "pods": row.totals.mesh.pods,
        **request_cells(row.totals, c),
    }
    target = row.target
    if target is not None:
        values.update(
            {
                **against_today(c, letters),
                "folder": target.folder + "/",
                "control_plane": "; ".join(target.control_plane),
                "scoping": scoping_text(target),
                "findings": target.findings,
            }
        )
    return [values.get(col.key) for col in cols]


def _write_migration(book: Book, plan: Plan) -> None:
    """The Migration sheet: today's mesh and each target side by side, then what is left to do
    by hand (text cells, whatever the steps say)."""
    migration = plan.migration
    if migration is None:
        return
    meshes = side_by_side(plan)
    cols = migration_columns(meshes)
    rows = [_migration_row(r, row, cols) for r, row in enumerate(meshes, start=2)]
    ws, _ = book.table("Migration", cols, rows, freeze="B2", stream=False)
    text = book.style()
    bold = book.style(bold=True)
    lines: list[tuple[str, Any]] = [
        ("", text),
        (
            f"The same workloads sized for each target mesh, side by side with "
            f"{plan.profile.mesh_title} today; the targets' scoping comes from the "
            f"{migration.call_graph} call graph.",
            text,
        ),
        (
            "The figures per mesh are the plan's (plan.json migration); the totals add up the "
            f"{'four' if len(cols) > len(MIGRATION_COLS) else 'three'} parts and the columns "
            "against today subtract today's row, live: change a figure and they move.",
            text,
        ),
        ("", text),
        (
            "Left to do by hand, whatever the target: mesh-planner does not translate routes "
            "(VirtualRouters, GatewayRoutes)",
            bold,
        ),
        *((f"{i}. {step}", text) for i, step in enumerate(migration.manual_steps, start=1)),
    ]
    for target in migration.targets:
        lines += [("", text), (f"Left to do by hand for {target.mesh_title}", bold)]
        lines += [(f"{i}. {step}", text) for i, step in enumerate(target.manual_steps, start=1)]
    for line, style in lines:
        ws.append([book.cell(ws, line, Kind.TEXT, style) if line else None])


# --- the workbook -------------------------------------------------------------------------------


def _write_scoping(book: Book, plan: Plan) -> None:
    """The Scoping sheet, and the mesh's own: Sidecars and Exports (Istio), Intentions
    (Consul)."""
    scoping, count = book.table("Scoping", SCOPING_COLS, _scoping_rows(plan), freeze="C2")
    if count:
        span = f"{S['confidence']}2:{S['confidence']}{count + 1}"
        scoping.conditional_formatting.add(
            span, CellIsRule(operator="equal", formula=['"fallback"'], fill=_FLAG_FILL)
        )
    if plan.scoping is not None and plan.scoping.intentions:
        book.table(
            "Intentions",
            INTENTION_COLS,
            (
                [
                    i.namespace,
                    i.name,
                    i.destination,
                    i.confidence.value,
                    i.reason,
                    len(i.sources),
                    _listing(
                        [
                            f"{src.name} {src.action} "
                            f"({'observed' if src.observed else 'fall-back'})"
                            for src in i.sources
                        ]
                    ),
                    _listing(i.workloads),
                ]
                for i in plan.scoping.intentions
            ),
            freeze="C2",
        )
    if plan.scoping is None or plan.scoping.discovery is None:
        return
    sidecars = plan.scoping.sidecars
    book.table(
        "Sidecars",
        SIDECAR_COLS,
        (
            [
                s.namespace,
                s.name,
                ", ".join(f"{k}={v}" for k, v in sorted(s.selector.items()))
                if s.selector is not None
                else "(namespace default)",
                s.confidence.value,
                s.reason,
                len(s.workloads),
                _listing(s.workloads),
                len(s.egress_hosts),
                _listing(s.egress_hosts),
            ]
            for s in sidecars
        ),
        freeze="C2",
    )
    exports = plan.scoping.exports if plan.scoping is not None else ()
    book.table(
        "Exports",
        EXPORT_COLS,
        (
            [
                e.namespace,
                e.service,
                e.type,
                ", ".join(e.export_to),
                _yes(e.export_to != ("*",)),
                ", ".join(e.caller_namespaces),
                e.confidence.value,
                e.reason,
            ]
            for e in exports
        ),
        freeze="C2",
    )


def _shared_requests(plan: Plan, ranges: _Ranges) -> dict[str, tuple[str, str]]:
    """The live CPU (cores) and memory (GiB) requests of the control plane and, where the mesh
    has them, the node agents, as the Summary totals them (for the Cost sheet)."""
    live = _summary_total_formulas(ranges, 1, plan)
    shared = {"control-plane": (live[-2][3], live[-2][4])}
    if _has_node_agents(plan):
        shared["node-agents"] = (live[1][3], live[1][4])
    return shared


def workbook_bytes(plan: Plan) -> bytes:
    """The whole workbook for one plan."""
    book = Book()
    if plan.knobs.inputs_date is not None:  # the inputs' date, never the clock
        book.date = datetime.combine(plan.knobs.inputs_date, time())
    names = sorted({w.namespace for w in plan.workloads} | {g.namespace for g in plan.gateways})
    numbers = {name: i for i, name in enumerate(names, start=1)}
    ranges = _Ranges(workloads=len(plan.workloads), gateways=len(plan.gateways))
    formulas = _ProxyFormulas(plan.proxy_model)
    _write_summary(book, plan, ranges)
    workloads, _ = book.table(
        "Workloads",
        WORKLOAD_COLS,
        (
            _workload_row(r, w, numbers[w.namespace], formulas)
            for r, w in enumerate(plan.workloads, start=2)
        ),
        freeze="C2",
    )
    _highlight_workloads(workloads, len(plan.workloads))
    book.table("Namespaces", NAMESPACE_COLS, _namespace_rows(names, ranges), freeze="C2")
    gateways, _ = book.table("Gateways", GATEWAY_COLS, _gateway_rows(plan, numbers), freeze="C2")
    _highlight_gateways(gateways, len(plan.gateways))
    _write_control_plane(book, plan, ranges)
    if plan.scoping is not None:  # a mesh without scoping has no scoping sheets
        _write_scoping(book, plan)
    _write_migration(book, plan)
    write_scenarios(book, plan)
    write_cost(book, plan, ranges, _shared_requests(plan, ranges))
    book.table("Findings", FINDING_COLS, _finding_rows(plan), freeze="A2")
    _write_assumptions(book, plan)
    return book.save()


def render_xlsx(plan: Plan) -> dict[str, bytes]:
    """report.xlsx: the plan for reviewers, with live formulas over the Assumptions sheet."""
    return {XLSX_FILE: workbook_bytes(plan)}
