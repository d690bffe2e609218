"""kustomize/: real annotations, exact quantities, owned fields only, safe names, kubectl.

Annotation names are checked against Istio's list, quantities read back to the plan, each patch
parses to exactly its object, hostile names stay in their place, the sample's files are golden,
and `kubectl kustomize` builds the overlay over real manifests changing nothing else.
"""

from __future__ import annotations

import csv
import functools
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from models.knobs import Knobs, MeshKind
from models.plan import Confidence, Plan, ServiceExport, WorkloadPlan
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports.gitops.commented_yaml import plain
from reports.gitops.istio_sidecar import EXPORT_TO, PATCH, render_kustomize, service_patch
from reports.gitops.kube import is_object_name
from reports.gitops.kustomize import workload_patch
from tests.conftest import FIXTURES, assert_golden_tree, require_tool, run_cli, write
from tests.conftest import SAMPLE_ARGS as CONFTEST_SAMPLE_ARGS
from tests.crd import schema_for
from tests.quantities import mebibytes, millicores

PROXY_CPU, PROXY_CPU_LIMIT, PROXY_MEMORY, PROXY_MEMORY_LIMIT = OWNED_ANNOTATIONS = PATCH.owned

SAMPLE_ARGS = [*CONFTEST_SAMPLE_ARGS, "--inputs-date", "2026-11-20"]
REFERENCE = yaml.safe_load((FIXTURES / "istio" / "istio-annotations.yaml").read_text("utf-8"))
ISTIO_ANNOTATIONS: dict[str, list[str]] = {
    a["name"]: list(a.get("resources", [])) for a in REFERENCE["annotations"]
}
OUR_OWN_PREFIX = "mesh-planner/"
"""The scoping issue's Sidecars carry `mesh-planner/confidence`: mesh-planner's own annotation,
under its own prefix, the one annotation written that is not Istio's."""
# Where each kind keeps its pod template, and its apiVersion, written out here independently of
# reports.gitops.kube.POD_TEMPLATES (Kubernetes API reference; Argo Rollouts; OpenShift).
TEMPLATE_PATHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Deployment": ("apps/v1", ("spec", "template", "metadata", "annotations")),
    "StatefulSet": ("apps/v1", ("spec", "template", "metadata", "annotations")),
    "DaemonSet": ("apps/v1", ("spec", "template", "metadata", "annotations")),
    "ReplicaSet": ("apps/v1", ("spec", "template", "metadata", "annotations")),
    "Job": ("batch/v1", ("spec", "template", "metadata", "annotations")),
    "CronJob": (
        "batch/v1",
        ("spec", "jobTemplate", "spec", "template", "metadata", "annotations"),
    ),
    "Pod": ("v1", ("metadata", "annotations")),
    "Rollout": ("argoproj.io/v1alpha1", ("spec", "template", "metadata", "annotations")),
    "DeploymentConfig": ("apps.openshift.io/v1", ("spec", "template", "metadata", "annotations")),
}


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_sample(sample: Path, *formats: str) -> tuple[Plan, dict[str, bytes]]:
    """The plan and every file `planner size` writes for the bundled sample."""
    flags = [part for f in ("json", *formats) for part in ("--format", f)]
    run = run_cli([*SAMPLE_ARGS, *flags, "--out", "out"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "out" / "plan.json").read_bytes())
    return plan, outputs(sample / "out")


def documents(text: bytes) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text.decode("utf-8")) if d is not None]


def dig(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def annotation_problems(document: dict[str, Any]) -> list[str]:
    """Annotations a generated object carries that Istio does not define for where they sit."""
    problems = []
    kind = document["kind"]
    if kind in TEMPLATE_PATHS:
        placed = [("Pod", dig(document, TEMPLATE_PATHS[kind][1]))]
    else:
        placed = [(kind, document["metadata"].get("annotations", {}))]
    for target, names in placed:
        for name in names:
            if name.startswith(OUR_OWN_PREFIX) and kind == "Sidecar":
                continue
            if name not in ISTIO_ANNOTATIONS:
                problems.append(f"{kind}: {name} is not an Istio annotation")
            elif target not in ISTIO_ANNOTATIONS[name]:
                problems.append(f"{kind}: {name} is not for a {target}")
    return problems


# ---- the bundled sample --------------------------------------------------------------------


def test_sample_overlay_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    _, files = run_sample(sample, "kustomize")
    overlay = {
        k.removeprefix("kustomize/"): v for k, v in files.items() if k.startswith("kustomize/")
    }
    assert_golden_tree("sample-kustomize", overlay, update_golden)


def test_every_file_opens_with_the_header(sample: Path) -> None:
    plan, files = run_sample(sample, "kustomize")
    inputs = "; ".join(
        f"{i.name} ({i.role}, {i.rows} rows, fingerprint {i.fingerprint})" for i in plan.inputs
    )
    for name, content in files.items():
        if name.startswith("kustomize/"):
            lines = content.decode("utf-8").splitlines()
            assert lines[1] == (
                f"# Generated by mesh-planner {plan.tool.version} from inputs taken 2026-11-20: "
                "regenerate with `planner size` rather than edit."
            ), name
            assert lines[2] == f"# Inputs: {inputs}", name


def test_every_annotation_written_is_a_real_istio_annotation(sample: Path) -> None:
    _, files = run_sample(sample, "kustomize")
    written: set[str] = set()
    for name, content in files.items():
        if not name.startswith("kustomize/"):
            continue
        for document in documents(content):
            if document["kind"] == "Component":
                continue
            assert annotation_problems(document) == [], name
            placed = (
                dig(document, TEMPLATE_PATHS[document["kind"]][1])
                if document["kind"] in TEMPLATE_PATHS
                else document["metadata"].get("annotations", {})
            )
            written.update(placed)
    assert written >= {*OWNED_ANNOTATIONS, EXPORT_TO}


def test_a_misspelt_or_misplaced_annotation_is_caught() -> None:
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a"},
        "spec": {"template": {"metadata": {"annotations": {"sidecar.istio.io/proxyCpu": "1m"}}}},
    }
    assert annotation_problems(patch) == [
        "Deployment: sidecar.istio.io/proxyCpu is not an Istio annotation"
    ]
    misplaced = {"kind": "Service", "metadata": {"annotations": {PROXY_CPU: "1m"}}}
    assert annotation_problems(misplaced) == [f"Service: {PROXY_CPU} is not for a Service"]


def test_quantities_are_canonical_and_read_back_to_the_plan(sample: Path) -> None:
    plan, files = run_sample(sample, "kustomize")
    patched = [w for w in plan.workloads if w.needs_patch]
    assert len(patched) == plan.proxy_default.workloads_patched > 0
    for workload in patched:
        assert workload.proxy is not None
        name = f"kustomize/{workload.namespace}/{workload.kind.lower()}.{workload.workload}.yaml"
        (patch,) = documents(files[name])
        annotations = dig(patch, TEMPLATE_PATHS[workload.kind][1])
        commented = [
            line for line in files[name].decode("utf-8").splitlines() if "istio.io/proxy" in line
        ]
        assert len(commented) == 4
        assert all(" # " in line for line in commented), name
        for key in (PROXY_CPU, PROXY_CPU_LIMIT):
            assert annotations[key].endswith("m")
            assert annotations[key][:-1].isdigit()
        for key in (PROXY_MEMORY, PROXY_MEMORY_LIMIT):
            assert annotations[key].endswith("Mi")
            assert annotations[key][:-2].isdigit()
        proxy = workload.proxy
        assert millicores(annotations[PROXY_CPU]) == proxy.cpu_request_millicores
        assert millicores(annotations[PROXY_CPU_LIMIT]) == proxy.cpu_limit_millicores
        assert mebibytes(annotations[PROXY_MEMORY]) == proxy.memory_request_mib
        assert mebibytes(annotations[PROXY_MEMORY_LIMIT]) == proxy.memory_limit_mib
        assert millicores(annotations[PROXY_CPU]) <= millicores(annotations[PROXY_CPU_LIMIT])
        assert mebibytes(annotations[PROXY_MEMORY]) <= mebibytes(annotations[PROXY_MEMORY_LIMIT])


def test_each_patch_is_exactly_its_object_and_owns_only_its_annotations(sample: Path) -> None:
    plan, files = run_sample(sample, "kustomize")
    assert plan.scoping is not None
    expected: dict[str, Any] = {}
    for w in plan.workloads:
        if w.needs_patch and w.proxy is not None:
            api_version, _ = TEMPLATE_PATHS[w.kind]
            annotations = {
                PROXY_CPU: f"{w.proxy.cpu_request_millicores}m",
                PROXY_CPU_LIMIT: f"{w.proxy.cpu_limit_millicores}m",
                PROXY_MEMORY: f"{w.proxy.memory_request_mib}Mi",
                PROXY_MEMORY_LIMIT: f"{w.proxy.memory_limit_mib}Mi",
            }
            expected[f"kustomize/{w.namespace}/{w.kind.lower()}.{w.workload}.yaml"] = {
                "apiVersion": api_version,
                "kind": w.kind,
                "metadata": {"name": w.workload, "namespace": w.namespace},
                "spec": {"template": {"metadata": {"annotations": annotations}}},
            }
    for export in plan.scoping.exports:
        if export.export_to != ("*",) and export.type != "ServiceEntry":
            expected[f"kustomize/{export.namespace}/service.{export.service}.yaml"] = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": export.service,
                    "namespace": export.namespace,
                    "annotations": {EXPORT_TO: ",".join(export.export_to)},
                },
            }
    patches = {
        name: documents(content)
        for name, content in files.items()
        if name.startswith("kustomize/")
        and not name.endswith(("kustomization.yaml", "sidecars.yaml"))
    }
    assert {name: docs[0] for name, docs in patches.items()} == expected
    assert all(len(docs) == 1 for docs in patches.values())


def test_service_entries_are_listed_for_a_hand_edit_not_patched(sample: Path) -> None:
    plan, files = run_sample(sample, "kustomize")
    assert plan.scoping is not None
    (entry,) = [e for e in plan.scoping.exports if e.type == "ServiceEntry"]
    text = files[f"kustomize/{entry.namespace}/kustomization.yaml"].decode("utf-8")
    assert f'#   host {entry.service}: spec.exportTo: ["."] ({entry.reason})\n' in text
    assert not [
        d
        for content in files.values()
        if content.startswith(b"#")
        for d in documents(content)
        if d.get("kind") == "ServiceEntry"
    ]


# ---- kinds, limits, plans without traffic --------------------------------------------------

CLUSTER = "namespace,workload,replicas,kind,proxy_cpu_millicores\n"


def plan_from(tmp_path: Path, cluster: str, edges: str | None = None, **knobs: Any) -> Plan:
    inventory = read_inventory(write(tmp_path / "cluster.csv", cluster), None)
    traffic = None
    if edges is not None:
        table = "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        traffic = read_traffic(write(tmp_path / "traffic.csv", table + edges), inventory)
    return build_plan(
        inventory, traffic, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs(**knobs)
    )


@pytest.mark.parametrize("kind", sorted(TEMPLATE_PATHS))
def test_the_annotations_land_on_the_pod_template_of_every_kind(tmp_path: Path, kind: str) -> None:
    cluster = (
        CLUSTER + f"shop,web,2,Deployment,\nshop,cart,2,Deployment,\nshop,heavy,1,{kind},1500\n"
    )
    plan = plan_from(tmp_path, cluster)
    heavy = next(w for w in plan.workloads if w.workload == "heavy")
    assert heavy.needs_patch
    assert heavy.proxy is not None
    files = render_kustomize(plan)
    (patch,) = documents(files[f"kustomize/shop/{kind.lower()}.heavy.yaml"])
    api_version, path = TEMPLATE_PATHS[kind]
    assert (patch["apiVersion"], patch["kind"]) == (api_version, kind)
    assert set(dig(patch, path)) == set(OWNED_ANNOTATIONS)
    assert dig(patch, path)[PROXY_CPU] == f"{heavy.proxy.cpu_request_millicores}m"
    assert patch["metadata"]["name"] == "heavy"
    assert patch["metadata"]["namespace"] == "shop"


def test_without_traffic_the_overlay_holds_only_workload_patches(tmp_path: Path) -> None:
    cluster = (
        CLUSTER + "shop,web,2,Deployment,\nshop,cart,2,Deployment,\nshop,heavy,1,Deployment,900\n"
    )
    files = render_kustomize(plan_from(tmp_path, cluster))
    assert sorted(files) == [
        "kustomize/kustomization.yaml",
        "kustomize/shop/deployment.heavy.yaml",
        "kustomize/shop/kustomization.yaml",
    ]
    top = files["kustomize/kustomization.yaml"].decode("utf-8")
    assert (
        "# Scoping: not assessed: scoping is recommended from a traffic table (--traffic).\n" in top
    )
    assert documents(files["kustomize/shop/kustomization.yaml"]) == [
        {
            "apiVersion": "kustomize.config.k8s.io/v1alpha1",
            "kind": "Component",
            "patches": [{"path": "deployment.heavy.yaml"}],
        }
    ]


@functools.cache
def _base_plan() -> Plan:
    with tempfile.TemporaryDirectory() as folder:
        cluster = (
            CLUSTER
            + "shop,web,2,Deployment,\nshop,cart,2,Deployment,\nshop,heavy,1,StatefulSet,900\n"
        )
        return plan_from(Path(folder), cluster)


def _with_proxy(plan: Plan, **resources: int) -> tuple[Plan, WorkloadPlan]:
    workloads = list(plan.workloads)
    index = next(i for i, w in enumerate(workloads) if w.workload == "heavy")
    proxy = workloads[index].proxy
    assert proxy is not None
    workloads[index] = workloads[index].model_copy(
        update={"proxy": proxy.model_copy(update=resources)}
    )
    return plan.model_copy(update={"workloads": tuple(workloads)}), workloads[index]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=64_000),
    st.integers(min_value=0, max_value=64_000),
    st.integers(min_value=0, max_value=262_144),
    st.integers(min_value=0, max_value=262_144),
)
def test_a_request_never_exceeds_its_limit_in_a_patch(
    cpu_a: int, cpu_b: int, memory_a: int, memory_b: int
) -> None:
    resources = {
        "cpu_request_millicores": min(cpu_a, cpu_b),
        "cpu_limit_millicores": max(cpu_a, cpu_b),
        "memory_request_mib": min(memory_a, memory_b),
        "memory_limit_mib": max(memory_a, memory_b),
    }
    plan, workload = _with_proxy(_base_plan(), **resources)
    (patch,) = documents(render_kustomize(plan)["kustomize/shop/statefulset.heavy.yaml"])
    annotations = patch["spec"]["template"]["metadata"]["annotations"]
    assert millicores(annotations[PROXY_CPU]) == resources["cpu_request_millicores"]
    assert millicores(annotations[PROXY_CPU_LIMIT]) == resources["cpu_limit_millicores"]
    assert mebibytes(annotations[PROXY_MEMORY]) == resources["memory_request_mib"]
    assert mebibytes(annotations[PROXY_MEMORY_LIMIT]) == resources["memory_limit_mib"]
    assert plain(workload_patch(plan, workload, PATCH)) == patch
    if cpu_a != cpu_b:
        swapped, _ = _with_proxy(
            plan,
            cpu_request_millicores=max(cpu_a, cpu_b),
            cpu_limit_millicores=min(cpu_a, cpu_b),
        )
        with pytest.raises(ValueError, match="exceeds the limit"):
            render_kustomize(swapped)


# ---- names from the input ------------------------------------------------------------------

HOSTILE = [
    "../../etc",
    "<script>alert(1)</script>",
    "a: b",
    "=cmd",
    "x #y",
    '"quoted"',
    "{flow: map}",
    "- item",
    "*alias",
    "&anchor",
    "!!python/object/apply:os.system",
    "yes",
    "Reviews_V1",
]


TRAFFIC_HEADER = [
    "source_namespace",
    "source_workload",
    "destination_namespace",
    "destination_service",
    "rps",
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_hostile_names_cannot_escape_the_folder_or_change_what_the_yaml_says(
    tmp_path: Path,
) -> None:
    namespaces = ["shop", "../x", "ns: x"]
    # plenty of ordinary workloads, so that the default fits them and the hostile ones get patches
    plain_names = [f"n{i}" for i in range(60)]
    rows = [["shop", name, "2", "Deployment", "", f"app={name}"] for name in plain_names]
    for namespace in namespaces:
        for i, name in enumerate(HOSTILE):
            rows.append([namespace, name, "1", "Deployment", "1500", f"app=h{i}"])
    _write_csv(
        tmp_path / "cluster.csv",
        ["namespace", "workload", "replicas", "kind", "proxy_cpu_millicores", "labels"],
        rows,
    )
    edges = [["shop", "n0", ns, name, "50"] for ns in namespaces for name in HOSTILE]
    edges += [[ns, name, "shop", "n1", "5"] for ns in namespaces for name in HOSTILE]
    _write_csv(tmp_path / "traffic.csv", TRAFFIC_HEADER, edges)
    formats = ["--format", "kustomize", "--format", "helm", "--format", "istio-operator"]
    args = ["--inventory", "cluster.csv", "--traffic", "traffic.csv", "--traffic-window", "7d"]
    run = run_cli(["size", *args, *formats, "--out", "out"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    out = (tmp_path / "out").resolve()
    written = [Path(line) for line in run.stdout.splitlines()]
    assert written
    assert all((tmp_path / p).resolve().is_relative_to(out) for p in written)
    on_disk = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk == sorted([Path("cluster.csv"), Path("traffic.csv"), *written])
    names: set[str] = set()
    for path in written:
        for document in documents((tmp_path / path).read_bytes()):
            assert isinstance(document, dict)
            for key in ("name", "namespace"):
                if key in document.get("metadata", {}):
                    names.add(document["metadata"][key])
    assert "yes" in names  # a valid name, written as the string, not read back as true
    assert all(is_object_name(name) for name in names)
    assert not names & {*HOSTILE, *namespaces} - {"shop", "yes"}
    top = (out / "kustomize" / "kustomization.yaml").read_text("utf-8")
    for line in (
        '#   proxy resources of Deployment "shop"/"a: b": not a Kubernetes name\n',
        '#   proxy resources of Deployment "../x"/"yes": not a Kubernetes name\n',
        '#   exportTo of ClusterIP "shop"/"../../etc": not a Kubernetes name\n',
    ):
        assert line in top
    assert documents(top.encode("utf-8")) == [
        {
            "apiVersion": "kustomize.config.k8s.io/v1alpha1",
            "kind": "Component",
            "components": ["shop"],
        }
    ]


def test_names_the_reader_would_refuse_are_still_kept_in_their_place(tmp_path: Path) -> None:
    """Safe by construction: a plan holding line breaks in names (which the reader refuses) still
    renders to files whose every comment stays on its line and whose data is the intended."""
    plan = _base_plan()
    evil = "evil\nmetadata: {name: pwned}\r\x00"
    workloads = tuple(
        w.model_copy(update={"workload": evil}) if w.workload == "heavy" else w
        for w in plan.workloads
    )
    files = render_kustomize(plan.model_copy(update={"workloads": workloads}))
    assert sorted(files) == ["kustomize/kustomization.yaml"]
    (top,) = documents(files["kustomize/kustomization.yaml"])
    assert top == {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "components": [],
    }
    text = files["kustomize/kustomization.yaml"].decode("utf-8")
    assert '"evil\\x0ametadata: {name: pwned}\\x0d\\x00"' in text
    assert all(line.startswith("#") for line in text.splitlines()[:-3])


def test_a_service_patch_quotes_what_needs_quoting() -> None:
    export = ServiceExport(
        namespace="shop",
        service="cart",
        type="ClusterIP",
        export_to=(".", "yes"),
        caller_namespaces=("shop", "yes"),
        confidence=Confidence.HIGH,
        reason="called from yes",
    )
    assert plain(service_patch(export)) == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "cart", "namespace": "shop", "annotations": {EXPORT_TO: ".,yes"}},
    }


# ---- kubectl kustomize over real manifests -------------------------------------------------

APPS = FIXTURES / "apps"
KUSTOMIZATION = "kustomization.yaml"
# The two apps of tests/fixtures/apps: bookinfo as published (no namespace: kubectl puts it in
# `default`), Online Boutique moved to `boutique` by its base's kustomization.
APP_NAMESPACES = {"bookinfo": "default", "online-boutique": "boutique"}
HEAVY_CALLERS = {"frontend": 600.0, "loadgenerator": 300.0}
"""Requests per second on every call of these workloads; 20 elsewhere. Online Boutique's front
end fans out to seven Services, which makes its sidecar and those it calls need patches."""


def _labels(document: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = document["spec"]["template"]["metadata"].get("labels", {})
    return labels


def _inventory(tmp_path: Path) -> None:
    """cluster.csv, services.csv and traffic.csv for both apps, read off their manifests and
    their dependency files (calls marked certain, to Services that exist)."""
    workloads, services, edges = [], [], []
    for app, namespace in APP_NAMESPACES.items():
        docs = documents((APPS / f"{app}.yaml").read_bytes())
        deployments = [d for d in docs if d["kind"] == "Deployment"]
        for d in deployments:
            labels = ";".join(f"{k}={v}" for k, v in sorted(_labels(d).items()))
            replicas = str(d["spec"].get("replicas", 1))
            workloads.append([namespace, d["metadata"]["name"], replicas, "Deployment", labels])
        names = set()
        for s in (d for d in docs if d["kind"] == "Service"):
            spec = s["spec"]
            kind = "Headless" if spec.get("clusterIP") == "None" else spec.get("type", "ClusterIP")
            selected = [
                d["metadata"]["name"]
                for d in deployments
                if spec.get("selector") and spec["selector"].items() <= _labels(d).items()
            ]
            names.add(s["metadata"]["name"])
            for workload in selected or [""]:
                services.append(
                    [namespace, s["metadata"]["name"], str(len(spec["ports"])), kind, workload]
                )
        dependencies = yaml.safe_load((APPS / f"{app}.dependencies.yaml").read_text("utf-8"))
        for caller, entry in dependencies["services"].items():
            for call in entry.get("calls", []):
                if call["certainty"] == "certain" and call["service"] in names:
                    rps = HEAVY_CALLERS.get(caller, 20.0)
                    edges.append([namespace, caller, namespace, call["service"], str(rps)])
    _write_csv(
        tmp_path / "cluster.csv", ["namespace", "workload", "replicas", "kind", "labels"], workloads
    )
    _write_csv(
        tmp_path / "services.csv", ["namespace", "service", "ports", "type", "workload"], services
    )
    _write_csv(tmp_path / "traffic.csv", TRAFFIC_HEADER, edges)


def _base(tmp_path: Path) -> Path:
    """A kustomize base of the two apps' manifests as published."""
    base = tmp_path / "base"
    for app, namespace in APP_NAMESPACES.items():
        folder = base / app
        folder.mkdir(parents=True)
        (folder / f"{app}.yaml").write_bytes((APPS / f"{app}.yaml").read_bytes())
        setting = "" if namespace == "default" else f"namespace: {namespace}\n"
        (folder / KUSTOMIZATION).write_text(f"{setting}resources:\n- {app}.yaml\n", "utf-8")
    (base / KUSTOMIZATION).write_text(
        "resources:\n" + "".join(f"- {app}\n" for app in APP_NAMESPACES), "utf-8"
    )
    return base


def _kustomize(kubectl: str, folder: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    """`kubectl kustomize FOLDER`, each object by (kind, namespace, name)."""
    done = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    objects: dict[tuple[str, str, str], dict[str, Any]] = {}
    for document in yaml.safe_load_all(done.stdout):
        metadata = document["metadata"]
        key = (document["kind"], metadata.get("namespace", "default"), metadata["name"])
        assert key not in objects
        objects[key] = document
    return objects


def _owned(document: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The annotations mesh-planner owns on an object, and the object without them."""
    stripped = yaml.safe_load(yaml.safe_dump(document))
    kind = stripped["kind"]
    owned_names: tuple[str, ...]
    if kind in TEMPLATE_PATHS:
        holder, owned_names = dig(stripped, TEMPLATE_PATHS[kind][1][:-1]), OWNED_ANNOTATIONS
    elif kind == "Service":
        holder, owned_names = stripped["metadata"], (EXPORT_TO,)
    else:
        return {}, stripped
    annotations = holder.get("annotations", {})
    owned = {k: annotations.pop(k) for k in owned_names if k in annotations}
    if "annotations" in holder and not annotations:
        del holder["annotations"]
    return owned, stripped


def _overlay(tmp_path: Path, component: Path) -> Path:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    relative = Path("..") / component.relative_to(tmp_path)
    (overlay / KUSTOMIZATION).write_text(
        f"resources:\n- ../base\ncomponents:\n- {relative.as_posix()}\n", "utf-8"
    )
    return overlay


def test_kubectl_builds_the_overlay_over_real_manifests(tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    _inventory(tmp_path)
    run = run_cli(
        [*SAMPLE_ARGS, "--format", "json", "--format", "kustomize", "--out", "out"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "out" / "plan.json").read_bytes())
    assert plan.scoping is not None
    base = _kustomize(kubectl, _base(tmp_path))
    rendered = _kustomize(kubectl, _overlay(tmp_path, tmp_path / "out" / "kustomize"))

    sidecars = {("Sidecar", s.namespace, s.name) for s in plan.scoping.sidecars}
    assert sidecars
    assert set(rendered) == set(base) | sidecars
    for key in sidecars:
        document = rendered[key]
        jsonschema.validate({"spec": document["spec"]}, schema_for(document["apiVersion"]))

    planned: dict[tuple[str, str, str], dict[str, str]] = {}
    for w in plan.workloads:
        if w.needs_patch and w.proxy is not None:
            planned[(w.kind, w.namespace, w.workload)] = {
                PROXY_CPU: f"{w.proxy.cpu_request_millicores}m",
                PROXY_CPU_LIMIT: f"{w.proxy.cpu_limit_millicores}m",
                PROXY_MEMORY: f"{w.proxy.memory_request_mib}Mi",
                PROXY_MEMORY_LIMIT: f"{w.proxy.memory_limit_mib}Mi",
            }
    for export in plan.scoping.exports:
        if export.export_to != ("*",):
            planned[("Service", export.namespace, export.service)] = {
                EXPORT_TO: ",".join(export.export_to)
            }
    assert any(k[0] == "Deployment" for k in planned)
    assert any(k[0] == "Service" for k in planned)
    assert any(k[1] == "default" for k in planned)
    assert any(k[1] == "boutique" for k in planned)
    for key, original in base.items():
        owned, rest = _owned(rendered[key])
        assert owned == planned.get(key, {}), key
        assert rest == original, f"{key}: a field other than the owned annotations changed"
        assert _owned(original)[0] == {}


def test_kubectl_builds_an_overlay_with_nothing_to_patch_to_the_base(tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    cluster = CLUSTER + "default,productpage-v1,1,Deployment,\ndefault,details-v1,1,Deployment,\n"
    files = render_kustomize(plan_from(tmp_path, cluster))
    assert sorted(files) == ["kustomize/kustomization.yaml"]
    for name, content in files.items():
        (tmp_path / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / name).write_bytes(content)
    base = _kustomize(kubectl, _base(tmp_path))
    assert _kustomize(kubectl, _overlay(tmp_path, tmp_path / "out" / "kustomize")) == base
