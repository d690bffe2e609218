"""The inventory from tables: a workloads (or pods) table and a services table, CSV or Excel.

`read_tables` returns frames sorted by their keys, so that nothing downstream depends on the
order of the input rows.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InventoryError, quoted
from models.kube import (
    LABEL_PAIR,
    MAX_MIB,
    MAX_MILLICORES,
    MAX_PORTS,
    MAX_REPLICAS,
    MAX_RPS,
    name_problem,
)
from models.plan import Finding, InputFile, Role
from planner.frames import first_unknown, keys
from planner.inputs.inventory import (
    SERVICE_TYPES,
    WORKLOAD_KINDS,
    Inventory,
    plural,
    with_default_labels,
    with_roles,
)
from planner.inputs.nodes import nodes_from_pods
from planner.inputs.protocols import PORT_COUNTS, PROTOCOLS, port_counts
from planner.inputs.tables import (
    MICRO,
    ROW,
    Column,
    RawTable,
    TableSpec,
    exact_units,
    first_bad,
    location,
    parse_bools,
    parse_choices,
    parse_names,
    parse_numbers,
    per_distinct,
    read_table_file,
    suggest,
    unusable_names,
)

NO_SERVICES = "-"
"""A `services` cell holding only this says the workload backs no Service."""

_OBSERVED = (
    Column(
        "proxy_cpu_millicores", False, "observed proxy CPU per pod (p95 over time)", "millicores"
    ),
    Column("proxy_memory_mib", False, "observed proxy memory per pod (max over time)", "MiB"),
    Column("app_cpu_millicores", False, "CPU request of the app containers per pod", "millicores"),
    Column("app_memory_mib", False, "memory request of the app containers per pod", "MiB"),
    Column(
        "current_proxy_cpu_millicores",
        False,
        "proxy CPU request set today per pod (the mesh's proxy-cpu annotation)",
        "millicores",
        default="the mesh chart's (Istio 100m; Linkerd none)",
    ),
    Column(
        "current_proxy_memory_mib",
        False,
        "proxy memory request set today per pod (the mesh's proxy-memory annotation)",
        "MiB",
        default="the mesh chart's (Istio 128Mi; Linkerd none)",
    ),
    Column(
        "current_proxy_cpu_limit_millicores",
        False,
        "proxy CPU limit set today per pod (the mesh's proxy CPU limit annotation)",
        "millicores",
        default="the mesh chart's (Istio 2000m; Linkerd none)",
    ),
    Column(
        "current_proxy_memory_limit_mib",
        False,
        "proxy memory limit set today per pod (the mesh's proxy memory limit annotation)",
        "MiB",
        default="the mesh chart's (Istio 1024Mi; Linkerd none)",
    ),
)
_COMMON = (
    Column("kind", False, "workload kind: " + ", ".join(WORKLOAD_KINDS), default="Deployment"),
    Column(
        "services",
        False,
        'Services this workload backs, ";"-separated; "-" for none',
        default="a Service named like the workload (without --services)",
    ),
    Column("rps", False, "requests per second into the workload, all replicas", "requests/s"),
    Column("outbound_rps", False, "requests per second the workload sends", "requests/s"),
    Column("mesh_injected", False, "whether pods get a sidecar (true/false)", default="true"),
    Column(
        "role",
        False,
        "workload, ingress-gateway or egress-gateway",
        default="ingress-gateway or egress-gateway when the name says so, else workload",
    ),
    Column(
        "labels",
        False,
        'labels on the pods, "key=value" pairs separated by ";" (Sidecar selectors use them)',
        default="app=<workload>",
    ),
)

WORKLOADS_TABLE = TableSpec(
    role="workloads",
    sheet="workloads",
    columns=(
        Column("namespace", True, "Kubernetes namespace"),
        Column("workload", True, "name of the Deployment, StatefulSet, DaemonSet..."),
        Column("replicas", True, "number of pods", "pods"),
        *_COMMON,
        *_OBSERVED,
    ),
)
PODS_TABLE = TableSpec(
    role="pods",
    sheet="pods",
    columns=(
        Column("namespace", True, "Kubernetes namespace"),
        Column("pod", True, "pod name"),
        Column("workload", True, "the workload that owns the pod"),
        Column(
            "node",
            False,
            "the node the pod runs on (gives the nodes when --nodes is not given)",
            default="unknown",
        ),
        *_COMMON,
        *_OBSERVED,
    ),
)
SERVICES_TABLE = TableSpec(
    role="services",
    sheet="services",
    columns=(
        Column("namespace", True, "Kubernetes namespace of the Service (or ServiceEntry)"),
        Column("service", True, "Service name, or the host of a ServiceEntry"),
        Column("ports", False, "number of ports", "ports", default="1"),
        Column("type", False, "one of " + ", ".join(SERVICE_TYPES), default="ClusterIP"),
        Column(
            "protocol",
            False,
            "the ports' protocol as Istio selects it (port name or appProtocol): "
            + ", ".join(PROTOCOLS)
            + '; one for every port, or one per port separated by ";"',
            default="not declared: Istio detects it; counted as HTTP",
        ),
        Column("workload", False, "a workload the Service selects (one row per workload)"),
    ),
)


def read_tables(inventory: Path, services: Path | None = None) -> Inventory:
    """Read and check the workloads (or pods) table and the optional services table."""
    raw, spec = read_table_file(inventory, (PODS_TABLE, WORKLOADS_TABLE))
    findings = list(_ignored_findings(raw))
    nodes = None
    if spec is PODS_TABLE:
        nodes = nodes_from_pods(parse_names(raw.rows, "node", raw.label, required=False))
        workloads, cells = _roll_up_pods(raw)
        findings.append(
            Finding(
                code="pods-rolled-up",
                subject=raw.name,
                message=f"{plural(len(raw.rows), 'pod')} rolled up into "
                f"{plural(len(workloads), 'workload')} "
                "(replicas counted, proxy CPU at p95 over pods, proxy memory at the max)",
            )
        )
    else:
        workloads, cells = _workload_rows(raw)
    files = [
        InputFile(
            role=spec.role, name=inventory.name, fingerprint=raw.fingerprint, rows=len(raw.rows)
        )
    ]
    if services is not None:
        raw_services, _ = read_table_file(services, (SERVICES_TABLE,))
        findings.extend(_ignored_findings(raw_services))
        files.append(
            InputFile(
                role="services",
                name=services.name,
                fingerprint=raw_services.fingerprint,
                rows=len(raw_services.rows),
            )
        )
        service_rows, backing = _services_from_table(raw_services, workloads, cells, raw.label)
    else:
        service_rows, backing = _services_from_cells(workloads, cells, raw.label)
    findings.extend(_role_findings(workloads, raw.name))
    return Inventory(
        workloads=workloads.sort_values(["namespace", "workload"], ignore_index=True),
        services=service_rows.sort_values(["namespace", "service"], ignore_index=True),
        backing=backing.sort_values(["namespace", "service", "workload"], ignore_index=True),
        files=tuple(files),
        findings=tuple(findings),
        nodes=nodes,
    )


def _ignored_findings(raw: RawTable) -> list[Finding]:
    if not raw.ignored_columns:
        return []
    names = ", ".join(quoted(c) for c in raw.ignored_columns)
    return [
        Finding(
            code="columns-ignored",
            subject=raw.name,
            message=f"columns not used by mesh-planner were ignored: {names}",
        )
    ]


def parse_labels(rows: pd.DataFrame, label: str) -> pd.Series:
    """Pod labels as a canonical string: `key=value` pairs sorted by key, joined by `;`.

    Empty cells stay empty (the caller supplies the default). Raises InventoryError for a pair
    that is not a valid Kubernetes label or a key given twice.
    """
    cells = rows["labels"]
    pairs = (
        pd.DataFrame({"cell": cells.to_numpy(), ROW: rows[ROW].to_numpy()})
        .assign(pair=cells.str.split(";").to_numpy())
        .explode("pair")
    )
    pairs["pair"] = pairs["pair"].fillna("").astype(str).str.strip()
    pairs = pairs.loc[pairs["pair"] != ""]
    bad = ~pairs["pair"].str.fullmatch(LABEL_PAIR.pattern).to_numpy(dtype=bool)
    if bad.any():
        row, value = first_bad(pairs, bad, "pair")
        raise InventoryError(
            f"{label} row {row} column labels: {quoted(value)} is not a Kubernetes label; write "
            'key=value pairs separated by ";", such as app=reviews;version=v1'
        )
    pairs["key"] = pairs["pair"].str.split("=", n=1).str[0]
    twice = pairs.duplicated([ROW, "key"]).to_numpy()
    if twice.any():
        row, value = first_bad(pairs, twice, "key")
        raise InventoryError(
            f"{label} row {row} column labels: label {quoted(value)} is given twice; keep one value"
        )
    canonical = pairs.sort_values([ROW, "key"]).groupby(ROW, sort=False)["pair"].agg(";".join)
    mapped = rows[ROW].map(canonical)
    return pd.Series(np.where(mapped.isna(), "", mapped.astype(str)), index=rows.index)


def _typed_columns(raw: RawTable, rows: pd.DataFrame) -> pd.DataFrame:
    """The columns common to workloads and pods tables, parsed."""
    label = raw.label
    typed = pd.DataFrame(
        {
            "namespace": parse_names(rows, "namespace", label, required=True, kind="namespace"),
            "workload": parse_names(rows, "workload", label, required=True),
            "labels": parse_labels(rows, label),
            "kind": parse_choices(rows, "kind", label, WORKLOAD_KINDS, default="Deployment"),
            "role": parse_choices(rows, "role", label, [r.value for r in Role], default=""),
            "mesh_injected": parse_bools(rows, "mesh_injected", label, default=True),
        }
    )
    for column, unit, maximum in (
        ("rps", "requests per second", MAX_RPS),
        ("outbound_rps", "requests per second", MAX_RPS),
        ("proxy_cpu_millicores", "millicores", MAX_MILLICORES),
        ("proxy_memory_mib", "MiB", MAX_MIB),
        ("app_cpu_millicores", "millicores", MAX_MILLICORES),
        ("app_memory_mib", "MiB", MAX_MIB),
        ("current_proxy_cpu_millicores", "millicores", MAX_MILLICORES),
        ("current_proxy_memory_mib", "MiB", MAX_MIB),
        ("current_proxy_cpu_limit_millicores", "millicores", MAX_MILLICORES),
        ("current_proxy_memory_limit_mib", "MiB", MAX_MIB),
    ):
        typed[column] = parse_numbers(rows, column, label, unit=unit, maximum=maximum)
    typed[ROW] = rows[ROW].to_numpy()
    return typed


def _workload_rows(raw: RawTable) -> tuple[pd.DataFrame, pd.Series]:
    rows = raw.rows
    typed = _typed_columns(raw, rows)
    replicas = parse_numbers(
        rows, "replicas", raw.label, unit="pods", maximum=MAX_REPLICAS, whole=True, required=True
    )
    typed.insert(2, "replicas", replicas.astype(np.int64))
    _reject_duplicates(typed, ["namespace", "workload"], raw.label, "workload")
    return with_default_labels(with_roles(typed)), rows["services"]


def _roll_up_pods(raw: RawTable) -> tuple[pd.DataFrame, pd.Series]:
    rows = raw.rows
    typed = _typed_columns(raw, rows)
    typed["pod"] = parse_names(rows, "pod", raw.label, required=True)
    typed["services"] = rows["services"].to_numpy()
    _reject_duplicates(typed, ["namespace", "pod"], raw.label, "pod")
    keys = ["namespace", "workload"]
    for column in (
        "kind",
        "role",
        "mesh_injected",
        "services",
        "app_cpu_millicores",
        "app_memory_mib",
        "current_proxy_cpu_millicores",
        "current_proxy_memory_mib",
        "current_proxy_cpu_limit_millicores",
        "current_proxy_memory_limit_mib",
    ):
        _reject_disagreement(typed, keys, column, raw.label)
    for column in ("rps", "outbound_rps"):
        values = typed[column].to_numpy()
        typed[f"{column}_micro"] = exact_units(np.nan_to_num(values))
        typed[f"{column}_known"] = ~np.isnan(values)
    grouped = typed.groupby(keys, sort=True)
    workloads = grouped.agg(
        replicas=("pod", "size"),
        kind=("kind", "first"),
        role=("role", "first"),
        mesh_injected=("mesh_injected", "first"),
        rps_micro=("rps_micro", "sum"),
        rps_known=("rps_known", "any"),
        outbound_rps_micro=("outbound_rps_micro", "sum"),
        outbound_rps_known=("outbound_rps_known", "any"),
        proxy_memory_mib=("proxy_memory_mib", "max"),
        app_cpu_millicores=("app_cpu_millicores", "first"),
        app_memory_mib=("app_memory_mib", "first"),
        current_proxy_cpu_millicores=("current_proxy_cpu_millicores", "first"),
        current_proxy_memory_mib=("current_proxy_memory_mib", "first"),
        current_proxy_cpu_limit_millicores=("current_proxy_cpu_limit_millicores", "first"),
        current_proxy_memory_limit_mib=("current_proxy_memory_limit_mib", "first"),
        services=("services", "first"),
        **{ROW: (ROW, "min")},
    )
    workloads["proxy_cpu_millicores"] = grouped["proxy_cpu_millicores"].quantile(0.95)
    for column in ("rps", "outbound_rps"):
        total = workloads.pop(f"{column}_micro").to_numpy() / MICRO
        workloads[column] = np.where(workloads.pop(f"{column}_known"), total, np.nan)
    workloads["labels"] = _common_labels(typed, keys)
    workloads = workloads.reset_index()
    workloads["replicas"] = workloads["replicas"].astype(np.int64)
    cells = workloads.pop("services")
    return with_default_labels(with_roles(workloads)), cells


def _reject_duplicates(frame: pd.DataFrame, keys: list[str], label: str, what: str) -> None:
    dupes = frame.duplicated(keys, keep=False)
    if not dupes.any():
        return
    first = frame.loc[dupes].sort_values(ROW).iloc[0]
    same = frame.loc[dupes & (frame[keys] == first[keys]).all(axis=1), ROW].tolist()
    name = "/".join(str(first[k]) for k in keys if str(first[k]))
    raise InventoryError(
        f'{label} rows {same[0]} and {same[1]}: {what} "{name}" appears twice; keep one row per '
        f"{what}" + (" (or give a pod table with a pod column)" if what == "workload" else "")
    )


def _reject_disagreement(frame: pd.DataFrame, keys: list[str], column: str, label: str) -> None:
    """Every row of one key (a workload's pods) must give `column` the same value."""
    values = frame[column].astype(str)
    if frame[column].dtype == bool:
        values = values.str.lower()  # as a user writes them: true/false
    counts = values.groupby([frame[k] for k in keys]).nunique()
    bad = counts[counts > 1]
    if bad.empty:
        return
    namespace, workload = bad.index[0]
    mask = (frame["namespace"] == namespace) & (frame["workload"] == workload)
    (row_a, value_a), (row_b, value_b) = _two_values(frame, mask, values)
    raise InventoryError(
        f'{label} rows {row_a} and {row_b} column {column}: pods of workload "{namespace}/'
        f'{workload}" disagree ({quoted(value_a)} against {quoted(value_b)}); give every pod of '
        "a workload the same value"
    )


def _two_values(
    frame: pd.DataFrame, mask: pd.Series, values: pd.Series
) -> tuple[tuple[int, str], tuple[int, str]]:
    """The first two rows under `mask` whose `values` differ: ((row, value), (row, value))."""
    sample = (
        frame.loc[mask, [ROW]].assign(value=values[mask]).drop_duplicates("value").sort_values(ROW)
    )
    rows, texts = sample[ROW].tolist(), sample["value"].astype(str).tolist()
    return (int(rows[0]), texts[0]), (int(rows[1]), texts[1])


def _common_labels(typed: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per workload, the labels every one of its pods carries (per-pod hashes drop out)."""
    pods = typed.groupby(keys).size()
    pairs = typed[[*keys, "labels"]].assign(pair=typed["labels"].str.split(";")).explode("pair")
    pairs = pairs.loc[pairs["pair"].fillna("") != ""]
    counted = pairs.groupby([*keys, "pair"]).size().rename("pods").reset_index()
    counted = counted.merge(pods.rename("all").reset_index(), on=keys)
    common = counted.loc[counted["pods"] == counted["all"]].sort_values([*keys, "pair"])
    joined = common.groupby(keys)["pair"].agg(";".join)
    return joined.reindex(pods.index, fill_value="")


def _role_findings(workloads: pd.DataFrame, label: str) -> list[Finding]:
    inferred = workloads.loc[workloads["role_inferred"]].sort_values(["namespace", "workload"])
    return [
        Finding(
            code="role-inferred",
            subject=f"{ns}/{wl}",
            message=f"treated as {role} from its name; set the role column in {label} to change it",
        )
        for ns, wl, role in inferred[["namespace", "workload", "role"]].itertuples(index=False)
    ]


def _cell_pairs(workloads: pd.DataFrame, cells: pd.Series, label: str) -> pd.DataFrame:
    """(namespace, service, workload, row) for every Service named in a `services` cell."""
    frame = pd.DataFrame(
        {
            "namespace": workloads["namespace"].to_numpy(),
            "workload": workloads["workload"].to_numpy(),
            "service": cells.to_numpy(),
            ROW: workloads[ROW].to_numpy(),
        }
    )
    frame = frame.loc[(frame["service"] != "") & (frame["service"] != NO_SERVICES)]
    frame = frame.assign(service=frame["service"].str.split(";")).explode("service")
    frame["service"] = frame["service"].astype(str).str.strip()
    frame = frame.loc[frame["service"] != ""]
    bad = per_distinct(frame["service"], partial(unusable_names, kind="name")).to_numpy(dtype=bool)
    if bad.any():
        row, name = first_bad(frame, bad, "service")
        raise InventoryError(
            f"{location(label, row, 'services')}: Service {quoted(name)}: the name "
            f"{name_problem(name, 'name')}; fix the name"
        )
    return frame.drop_duplicates(["namespace", "service", "workload"]).reset_index(drop=True)


def _services_from_cells(
    workloads: pd.DataFrame, cells: pd.Series, label: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Without a services table: the named Services, or one named like each workload."""
    explicit = _cell_pairs(workloads, cells, label)
    defaulted = cells.eq("").to_numpy()
    default = pd.DataFrame(
        {
            "namespace": workloads["namespace"].to_numpy()[defaulted],
            "service": workloads["workload"].to_numpy()[defaulted],
            "workload": workloads["workload"].to_numpy()[defaulted],
        }
    )
    backing = pd.concat(
        [explicit[["namespace", "service", "workload"]], default], ignore_index=True
    ).drop_duplicates()
    services = backing[["namespace", "service"]].drop_duplicates().reset_index(drop=True)
    services["ports"] = np.int64(1)
    services["type"] = "ClusterIP"
    for column in PORT_COUNTS:
        services[column] = np.int64(0)
    return services, backing.reset_index(drop=True)


def _port_counts(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """HTTP, TCP and UDP port counts from each row's `protocol` cell: one protocol for every
    port, or one per port. Raises InventoryError for an unknown protocol or a list of the wrong
    length."""
    cells = table["protocol"]
    counts = np.where(cells != "", cells.str.count(";") + 1, 0).astype(np.int64)
    each = table[[ROW]].assign(protocol=cells.str.split(";")).explode("protocol")
    bad = ~(each["protocol"].isin(PROTOCOLS) | (each["protocol"] == "")).to_numpy()
    if bad.any():
        row, value = first_bad(each, bad, "protocol")
        raise InventoryError(
            f"{location(label, row, 'protocol')}: {quoted(value)} is not one of "
            f"{', '.join(PROTOCOLS)}; write Istio's protocol name, or leave the cell empty"
        )
    ports = table["ports"].to_numpy(dtype=np.int64)
    wrong = (counts > 1) & (counts != ports)
    if wrong.any():
        index = int(np.flatnonzero(wrong)[0])
        raise InventoryError(
            f"{location(label, int(table[ROW].iloc[index]), 'protocol')}: "
            f"{counts[index]} protocols for {ports[index]} ports; give one for every port or "
            "one per port"
        )
    # counted once per distinct cell (a handful), then spread over the rows; a single protocol
    # stands for every port of its row
    codes, distinct = pd.factorize(cells)
    per_cell = np.array(
        [[port_counts(c.split(";") if c else [])[k] for k in PORT_COUNTS] for c in distinct],
        dtype=np.int64,
    ).reshape(len(distinct), len(PORT_COUNTS))
    found = per_cell[codes]
    single = (counts == 1)[:, None]
    return pd.DataFrame(
        np.where(single, found * ports[:, None], found), index=table.index, columns=PORT_COUNTS
    )


def _services_from_table(
    raw: RawTable, workloads: pd.DataFrame, cells: pd.Series, inventory_label: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """With a services table: it lists every Service; `services` cells add backing pairs."""
    rows = raw.rows
    label = raw.label
    table = pd.DataFrame(
        {
            "namespace": parse_names(rows, "namespace", label, required=True, kind="namespace"),
            "service": parse_names(rows, "service", label, required=True),
            "workload": parse_names(rows, "workload", label, required=False),
            "type": parse_choices(rows, "type", label, SERVICE_TYPES, default="ClusterIP"),
            ROW: rows[ROW].to_numpy(),
        }
    )
    ports = parse_numbers(rows, "ports", label, unit="ports", maximum=MAX_PORTS, whole=True)
    table["ports"] = np.where(np.isnan(ports), 1, ports).astype(np.int64)
    table["protocol"] = rows["protocol"].str.lower().str.replace(" ", "", regex=False)
    table = table.join(_port_counts(table, label))
    # one pass says whether any Service is listed with two values; only then is each column
    # grouped, for the message (a groupby per column costs 0.1 s at 20,000 Services)
    settled = table.drop_duplicates(["namespace", "service", "ports", "type", "protocol"])
    contradictions: tuple[str, ...] = ("ports", "type", "protocol")
    if not settled.duplicated(["namespace", "service"]).any():
        contradictions = ()
    for column in contradictions:
        values = table.groupby(["namespace", "service"])[column].nunique()
        if (values > 1).any():
            namespace, service = values[values > 1].index[0]
            mask = (table["namespace"] == namespace) & (table["service"] == service)
            (row_a, value_a), (row_b, value_b) = _two_values(table, mask, table[column])
            raise InventoryError(
                f'{label} rows {row_a} and {row_b} column {column}: Service "{namespace}/'
                f'{service}" is listed with {column} {value_a} and {value_b}; give it one value'
            )
    _reject_duplicates(table, ["namespace", "service", "workload"], label, "service and workload")
    workload_keys = pd.Index(keys(workloads, "namespace", "workload"))
    named = table.loc[table["workload"] != ""]
    found = first_unknown(keys(named, "namespace", "workload"), workload_keys)
    if found is not None:
        index, key = found
        raise InventoryError(
            f'{label} row {named[ROW].to_numpy()[index]} column workload: workload "{key}" is not '
            f"in {inventory_label}{suggest(key, workload_keys)}; add the workload there or fix "
            "the name"
        )
    services = table.drop_duplicates(["namespace", "service"])[
        ["namespace", "service", "ports", "type", *PORT_COUNTS]
    ].reset_index(drop=True)
    explicit = _cell_pairs(workloads, cells, inventory_label)
    service_keys = pd.Index(keys(services, "namespace", "service"))
    found = first_unknown(keys(explicit, "namespace", "service"), service_keys)
    if found is not None:
        index, key = found
        raise InventoryError(
            f"{inventory_label} row {explicit[ROW].to_numpy()[index]} column services: Service "
            f'"{key}" is not in {label}{suggest(key, service_keys)}; add it there or fix the name'
        )
    backing = pd.concat(
        [
            named[["namespace", "service", "workload"]],
            explicit[["namespace", "service", "workload"]],
        ],
        ignore_index=True,
    ).drop_duplicates()
    return services, backing.reset_index(drop=True)
