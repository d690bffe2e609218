"""Fuzzing every field a reader takes: a clean error or a plan, never a traceback (hypothesis).

Arbitrary JSON and YAML scalars (and small lists and mappings) go into every name and numeric
field of a manifest set that holds each kind the reader sizes; arbitrary cell text goes into every
column of the three tables. Each example is read, and when it reads, planned and rendered as
plan.json and the summary: the outcome must be a plan or a `PlannerError`, nothing else. Any
other exception fails the test with the input that caused it. The example counts keep the whole
file to a few thousand examples and well under a minute.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.errors import PlannerError, printable
from models.knobs import Knobs
from planner.inputs.inventory import Inventory
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.profiles import parse_profile
from planner.pipeline import build_plan
from reports.plan_json import render_json
from reports.summary import render_summary
from tests.conftest import REPO
from tests.plans import istio_profile

PROFILE = istio_profile()
HUGE = "\ue001HUGE\ue001"
"""Stands for an integer literal longer than Python's int-string limit, put into the text."""
HUGE_LITERAL = "9" * 5000


def _pod(labels: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {
            "labels": labels,
            "annotations": {
                "sidecar.istio.io/proxyCPU": "100m",
                "sidecar.istio.io/proxyMemory": "128Mi",
                "sidecar.istio.io/inject": "true",
            },
        },
        "spec": {
            "hostNetwork": False,
            "containers": [
                {
                    "name": "app",
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                        "limits": {"cpu": 1, "memory": "1Gi"},
                    },
                },
                {"name": "istio-proxy", "resources": {"requests": {"cpu": "100m"}}},
            ],
            "initContainers": [
                {
                    "name": "log",
                    "restartPolicy": "Always",
                    "resources": {"requests": {"cpu": "10m"}},
                }
            ],
        },
    }


BASE: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 3, "template": _pod({"app": "web", "version": "v1"})},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"replicas": 2, "template": _pod({"app": "db"})},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "shop"},
        "spec": {"template": _pod({"app": "agent"})},
        "status": {"desiredNumberScheduled": 5},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "batch", "namespace": "shop"},
        "spec": {"parallelism": 2, "template": _pod({"app": "batch"})},
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "appProtocol": "http"}],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]},
    },
    {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "ext", "namespace": "shop"},
        "spec": {
            "hosts": ["api.example.com"],
            "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
            "workloadSelector": {"labels": {"app": "web"}},
        },
    },
]


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path to a scalar, and to every mapping key (as the key itself, marked by None)."""
    found: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key, "\ue000key"))
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(_paths(inner, (*prefix, index)))
    else:
        found.append(prefix)
    return found


PATHS = _paths(BASE)


def _set(documents: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Put `value` at `path` (or make it the key at `path`); a path an earlier change took away
    is left alone."""
    *parents, last = path
    node: Any = documents
    try:
        if last == "\ue000key":  # replace a mapping key, keeping its value
            *parents, key = parents
            for part in parents:
                node = node[part]
            node[value if isinstance(value, str) else json.dumps(value)] = node.pop(key)
            return
        for part in parents:
            node = node[part]
        node[last] = value
    except (KeyError, IndexError, TypeError):
        pass


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.just(HUGE),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=5),
    st.sampled_from(
        [
            "",
            " ",
            "1e999",
            "-1e999",
            "1e300",
            "NaN",
            "inf",
            "-1",
            "0",
            "0.0001m",
            "1Ei",
            "9" * 400,
            "a" * 300,
            "\x1b[31m",
            "we\nb",
            "\u202e",
            "None",
            "-",
            "a..b",
            "*.example.com",
        ]
    ),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), scalars, max_size=3),
)


def _outcome(
    inventory_path: Path, services_path: Path | None = None, traffic_path: Path | None = None
) -> None:
    """Read, plan and render; a PlannerError is a clean outcome, if its message prints as one
    line of text."""
    message = None
    try:
        inventory = read_inventory(inventory_path, services_path)
        traffic = read_traffic(traffic_path, inventory) if traffic_path else None
        knobs = Knobs(traffic_window_seconds=604800)
        plan = build_plan(inventory, traffic, PROFILE, knobs)
        render_json(plan)
        render_summary(plan).encode("utf-8")
    except PlannerError as exc:
        message = printable(str(exc))
    if message is not None:
        assert "\n" not in message
        message.encode("utf-8")


def _fuzzed(changes: list[tuple[int, Any]]) -> list[Any]:
    documents = copy.deepcopy(BASE)
    for index, value in changes:
        _set(documents, PATHS[index % len(PATHS)], value)
    return documents


changes = st.lists(st.tuples(st.integers(min_value=0), values), min_size=1, max_size=3)


@settings(max_examples=900, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=changes)
def test_json_manifests_never_crash(changes: list[tuple[int, Any]]) -> None:
    documents = _fuzzed(changes)
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": documents})
    text = text.replace(json.dumps(HUGE), HUGE_LITERAL)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "apps.json"
        path.write_text(text, encoding="utf-8")
        _outcome(path)


def _yaml_safe(value: Any) -> bool:
    """Whether PyYAML can write `value` at all (it cannot write lone surrogates)."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return all(_yaml_safe(v) for v in value)
    if isinstance(value, dict):
        return all(_yaml_safe(k) and _yaml_safe(v) for k, v in value.items())
    return True


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=changes.filter(lambda c: all(_yaml_safe(v) for _, v in c)))
def test_yaml_manifests_never_crash(changes: list[tuple[int, Any]]) -> None:
    documents = _fuzzed(changes)
    text = yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)
    text = text.replace(yaml.safe_dump(HUGE).split("\n")[0], HUGE_LITERAL)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "apps.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _outcome(path)


TABLES = {
    "cluster.csv": (
        "namespace,workload,replicas,kind,services,rps,outbound_rps,mesh_injected,role,labels,"
        "proxy_cpu_millicores,proxy_memory_mib,app_cpu_millicores,app_memory_mib,"
        "current_proxy_cpu_millicores,current_proxy_memory_mib",
        [
            "shop,web,3,Deployment,web,100,50,true,workload,app=web,120,80,250,256,100,128",
            "shop,db,2,StatefulSet,db,50,,true,,app=db,,,,,,",
            "istio-system,istio-ingressgateway,2,,-,,,,ingress-gateway,,,,,,,",
        ],
    ),
    "services.csv": (
        "namespace,service,ports,type,workload",
        [
            "shop,web,1,ClusterIP,web",
            "shop,db,2,Headless,db",
            "shop,api.example.com,1,ServiceEntry,",
        ],
    ),
    "traffic.csv": (
        "source_namespace,source_workload,destination_namespace,destination_service,rps,"
        "destination_workload,reporter",
        [
            "shop,web,shop,db,40,db,source",
            "unknown,unknown,shop,web,90,,destination",
            "shop,web,shop,api.example.com,2,,",
        ],
    ),
}
cells = st.one_of(st.text(max_size=40), scalars.map(lambda v: "" if v is None else str(v)))


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(sorted(TABLES)),
    row=st.integers(min_value=0, max_value=2),
    column=st.integers(min_value=0, max_value=15),
    cell=cells,
)
def test_tables_never_crash(table: str, row: int, column: int, cell: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for name, (header, rows) in TABLES.items():
            lines = [line.split(",") for line in rows]
            if name == table:
                target = lines[row]
                target[column % len(target)] = _csv_cell(cell)
            text = "\n".join([header, *(",".join(line) for line in lines)]) + "\n"
            (base / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        _outcome(base / "cluster.csv", base / "services.csv", base / "traffic.csv")


PROFILE_TEXT = (REPO / "planner" / "meshes" / "istio_sidecar" / "profile.yaml").read_text("utf-8")
PROFILE_DOCUMENT = yaml.safe_load(PROFILE_TEXT)


def _leaf(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


# every number of the profile, and the version fields the sizing reads
PROFILE_PATHS = [
    p
    for p in _paths(PROFILE_DOCUMENT)
    if p[-1] != "\ue000key"
    and (
        isinstance(_leaf(PROFILE_DOCUMENT, p), int | float)
        or p[-1] in ("first", "last", "default_mesh_version")
    )
]


@pytest.fixture(scope="module")
def small_inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = tmp_path_factory.mktemp("fuzz") / "apps.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    return read_inventory(path)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.integers(min_value=0), values), min_size=1, max_size=2))
def test_profiles_never_crash(changes: list[tuple[int, Any]], small_inventory: Inventory) -> None:
    document = copy.deepcopy(PROFILE_DOCUMENT)
    for index, value in changes:
        path = PROFILE_PATHS[index % len(PROFILE_PATHS)]
        _set(document, path, value)
    text = yaml.safe_dump(document, allow_unicode=True).replace(
        yaml.safe_dump(HUGE).split("\n")[0], HUGE_LITERAL
    )
    message = None
    try:
        profile = parse_profile(text, "profile.yaml")
        plan = build_plan(small_inventory, None, profile, Knobs())
        render_json(plan)
    except PlannerError as exc:
        message = printable(str(exc))
    if message is not None:
        assert "\n" not in message
