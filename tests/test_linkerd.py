"""Linkerd end to end: the model on hand-checked numbers, injection and detection in manifests,
versions, the hand-over files against the real chart and annotations, kubectl kustomize over
real manifests, and no Istio word in any Linkerd output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.errors import InventoryError, PlannerError, ProfileError
from models.knobs import Knobs, MeshKind, OutputFormat, SizeFor
from models.plan import Plan
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.linkerd.profile import LinkerdProfile, release_of
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports import renderers
from reports.gitops.linkerd import PATCH, VALUES_FILE
from tests.conftest import (
    DATA,
    FIXTURES,
    REPO,
    SAMPLE_ARGS,
    assert_golden,
    assert_golden_tree,
    require_tool,
    run_cli,
    write,
)

LINKERD = FIXTURES / "linkerd"
APPS = FIXTURES / "apps"
MIB = 2**20


def linkerd_profile() -> LinkerdProfile:
    profile = load_builtin_profile(MeshKind.LINKERD)
    assert isinstance(profile, LinkerdProfile)
    return profile


PROFILE = linkerd_profile()
KNOBS = Knobs(mesh=MeshKind.LINKERD)

CLUSTER = """\
namespace,workload,replicas,rps,outbound_rps
shop,web,2,,
shop,api,3,,
shop,db,1,,
"""
SERVICES = """\
namespace,service,ports,workload
shop,web,1,web
shop,api,2,api
shop,db,1,db
"""
TRAFFIC = """\
source_namespace,source_workload,destination_namespace,destination_service,rps
unknown,unknown,shop,web,200
shop,web,shop,api,200
shop,api,shop,db,90
"""


def shop_plan(tmp_path: Path, traffic: bool = True, **knobs: Any) -> Plan:
    inventory = read_inventory(
        write(tmp_path / "cluster.csv", CLUSTER), write(tmp_path / "services.csv", SERVICES)
    )
    edges = read_traffic(write(tmp_path / "traffic.csv", TRAFFIC), inventory) if traffic else None
    return build_plan(inventory, edges, PROFILE, Knobs(mesh=MeshKind.LINKERD, **knobs))


def proxies(plan: Plan) -> dict[str, Any]:
    return {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}


# ---- the model ---------------------------------------------------------------------------------


def test_connections_follow_the_call_graph(tmp_path: Path) -> None:
    p = proxies(shop_plan(tmp_path))
    # web calls api (2 ports x 3 pods = 6 endpoints); its callers are outside the mesh
    assert (p["web"].visible_services, p["web"].visible_endpoints, p["web"].connections) == (
        1,
        6,
        6,
    )
    # api calls db (1 endpoint) and serves web's 2 pods on each of its 2 ports
    assert (p["api"].visible_endpoints, p["api"].connections) == (1, 1 + 2 * 2)
    # db calls nothing and serves api's 3 pods
    assert (p["db"].visible_endpoints, p["db"].connections) == (0, 3)
    assert p["db"].visible_clusters is None
    assert p["db"].visible_listeners is None


def test_connections_in_and_out_balance_over_the_mesh(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    replicas = {w.workload: w.replicas for w in plan.workloads}
    out = sum(p.visible_endpoints * replicas[name] for name, p in proxies(plan).items())
    total = sum(p.connections * replicas[name] for name, p in proxies(plan).items())
    assert total == 2 * out  # each connection is counted at both of its ends


def test_proxy_cpu_and_memory_by_hand(tmp_path: Path) -> None:
    api = proxies(shop_plan(tmp_path))["api"]
    # 200 rps in and 90 out over 3 pods, through the 2.11+ figures: 1 + 96.67 / 1000 x 540
    assert api.rps_per_pod == pytest.approx(96.667, abs=1e-3)
    assert api.estimated_cpu_millicores == pytest.approx(1 + 290 / 3 / 1000 * 540, abs=1e-3)
    assert api.estimated_memory_mib == pytest.approx(25.08 + 5 * 16384 / MIB, abs=1e-3)
    # requests: x 1.25, rounded up to 5m and 2Mi; limits: one core, and 250Mi at least
    assert (api.cpu_request_millicores, api.memory_request_mib) == (70, 32)
    assert (api.cpu_limit_millicores, api.memory_limit_mib) == (1000, 250)
    assert api.current_source == "none set"
    assert api.current_memory_request_mib == 0


def test_older_versions_use_their_own_figures(tmp_path: Path) -> None:
    old = proxies(shop_plan(tmp_path, mesh_version="2.9"))["api"]
    assert old.estimated_memory_mib == pytest.approx(5.44 + 5 * 131072 / MIB, abs=1e-3)
    assert old.estimated_cpu_millicores == pytest.approx(1 + 290 / 3 / 1000 * 539, abs=1e-3)


def test_without_traffic_proxies_are_sized_at_their_base_and_say_so(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path, traffic=False)
    assert {p.connections for p in proxies(plan).values()} == {0}
    assert "connections-unknown" in {f.code for f in plan.findings}


def test_control_plane_components_by_hand(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    components = plan.control_plane.components
    assert [c.component for c in components] == ["destination", "identity", "proxy-injector"]
    destination = plan.control_plane.component("destination")
    assert destination.driver("connected_proxies") == 6
    assert destination.driver("endpoints") == 1 * 2 + 2 * 3 + 1 * 1
    assert destination.replicas == 3  # the HA values' controllerReplicas
    shared = 190.7 + 9 * 862 / MIB
    assert destination.shared_memory_mib == pytest.approx(shared, abs=1e-3)
    assert destination.serving_memory_mib == pytest.approx(6 * 0.869, abs=1e-3)
    assert destination.per_replica.estimated_memory_mib == pytest.approx(
        shared + 6 * 0.869 / 3, abs=1e-3
    )
    assert destination.autoscale_min is None  # the chart runs no autoscaler
    identity = plan.control_plane.component("identity")
    assert identity.driver("certificates_per_hour") == pytest.approx(6 / (24 * 0.7), abs=1e-3)
    # no model: the HA values, and their 250Mi limit
    assert (identity.per_replica.memory_request_mib, identity.per_replica.memory_limit_mib) == (
        10,
        250,
    )
    assert plan.scoping is None
    assert "nothing to narrow" in plan.scoping_note


def test_destination_grows_replicas_with_proxies(tmp_path: Path) -> None:
    big = "namespace,workload,replicas\n" + "".join(f"ns,w{i},100\n" for i in range(30))
    inventory = read_inventory(write(tmp_path / "big.csv", big))
    plan = build_plan(inventory, None, PROFILE, KNOBS)
    destination = plan.control_plane.component("destination")
    # 3000 proxies x 0.869 MiB x 1.25 = 3259 MiB over (1024 - 238.4) MiB per replica -> 5;
    # CPU 3000 / 1000 x 1171m x 1.25 = 4391m over 2000m -> 3
    assert destination.replicas == 5
    assert destination.per_replica.memory_request_mib <= 1024
    assert "beyond-published-evidence" in {f.code for f in plan.findings}


def test_scoped_sizing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="Linkerd has no scoping"):
        shop_plan(tmp_path, size_for=SizeFor.SCOPED)


# ---- versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ("2.18", "2.18"),
        ("2.18.1", "2.18"),
        ("stable-2.14.10", "2.14"),
        ("edge-24.11.8", "2.17"),
        ("edge-25.4.3", "2.17"),
        ("edge-25.4.4", "2.18"),
        ("edge-26.8.3", "2.19"),
        ("edge-21.9.3", "2.11"),
    ],
)
def test_release_names(version: str, release: str) -> None:
    assert release_of(version) == release


def test_unmapped_versions_are_refused() -> None:
    with pytest.raises(ProfileError, match=r"before edge-21\.9\.3"):
        release_of("edge-21.2.1")
    with pytest.raises(ProfileError, match=r"written like 2\.18"):
        release_of("v2.18")


def test_version_flags_are_checked_against_the_mesh(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--mesh", "linkerd", "--istio-version", "1.22"], cwd=sample)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        "Error: --istio-version does not apply to Linkerd; give its version with "
        "--linkerd-version\n"
    )
    run = run_cli(
        [*SAMPLE_ARGS, "--linkerd-version", "edge-24.11.8", "--format", "json"], cwd=sample
    )
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    assert (plan.profile.mesh, plan.profile.mesh_chosen_by) == (
        "linkerd",
        "given by --linkerd-version",
    )
    assert plan.profile.figures.endswith("edge-24.11.8 is Linkerd 2.17; 1 worker thread")


# ---- manifests ---------------------------------------------------------------------------------

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata: {name: meshed, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: plain}
---
apiVersion: v1
kind: Namespace
metadata: {name: closed, annotations: {linkerd.io/inject: disabled}}
"""


def deployment(namespace: str, name: str, annotations: str = "", host: bool = False) -> str:
    note = f"\n      annotations: {{{annotations}}}" if annotations else ""
    network = "\n      hostNetwork: true" if host else ""
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {{app: {name}}}{note}
    spec:{network}
      containers: [{{name: app, image: app}}]
"""


def test_injection_follows_linkerds_rules(tmp_path: Path) -> None:
    text = NAMESPACES + "".join(
        [
            deployment("meshed", "inherits"),
            deployment("meshed", "opts-out", "linkerd.io/inject: disabled"),
            deployment("meshed", "host", host=True),
            deployment("plain", "not-asked"),
            deployment("plain", "asks", "linkerd.io/inject: enabled"),
            deployment("plain", "ingress", "linkerd.io/inject: ingress"),
            deployment("closed", "overrides", "linkerd.io/inject: enabled"),
            deployment("closed", "follows"),
            deployment("unseen", "unknown-namespace"),
        ]
    )
    inventory = read_inventory(write(tmp_path / "apps.yaml", text))
    assert inventory.mesh_found is not None
    assert inventory.mesh_found.mesh == "linkerd"
    workloads = inventory.workloads
    injected = dict(zip(workloads["workload"], workloads["mesh_injected"], strict=True))
    assert injected == {
        "inherits": True,
        "opts-out": False,
        "host": False,
        "not-asked": False,
        "asks": True,
        "ingress": True,
        "overrides": True,
        "follows": False,
        "unknown-namespace": True,
    }
    (finding,) = [f for f in inventory.findings if f.code == "not-injected"]
    assert finding.message == (
        "4 workloads get no sidecar: 1 for hostNetwork: true, 1 for linkerd.io/inject: disabled, "
        "1 for namespace linkerd.io/inject: disabled, 1 for no linkerd.io/inject on the workload "
        "or its namespace"
    )


def test_proxy_annotations_set_today_are_read(tmp_path: Path) -> None:
    annotations = (
        "linkerd.io/inject: enabled, config.linkerd.io/proxy-cpu-request: 50m, "
        "config.linkerd.io/proxy-memory-limit: 128Mi"
    )
    inventory = read_inventory(write(tmp_path / "a.yaml", deployment("x", "w", annotations)))
    row = inventory.workloads.iloc[0]
    assert (row["current_proxy_cpu_millicores"], row["current_proxy_memory_limit_mib"]) == (
        50.0,
        128.0,
    )


def test_markers_of_two_meshes_are_an_error(tmp_path: Path) -> None:
    text = deployment("a", "one", "linkerd.io/inject: enabled") + deployment(
        "a", "two", "sidecar.istio.io/inject: 'true'"
    )
    with pytest.raises(InventoryError, match="markers of more than one mesh") as caught:
        read_inventory(write(tmp_path / "a.yaml", text))
    assert "Istio: workload a/two (sidecar.istio.io/inject)" in str(caught.value)
    # naming the mesh settles it; namespace a has no Namespace object, so it is taken as
    # injected and both workloads get a Linkerd proxy (Istio's annotation means nothing to it)
    inventory = read_inventory(tmp_path / "a.yaml", mesh=MeshKind.LINKERD)
    assert inventory.workloads["mesh_injected"].tolist() == [True, True]


def test_a_real_manifest_is_detected_as_linkerd_and_the_summary_says_why(tmp_path: Path) -> None:
    run = run_cli(
        [
            "size",
            "--inventory",
            str(DATA / "linkerd" / "bookinfo.yaml"),
            "--traffic",
            str(DATA / "linkerd" / "bookinfo-traffic.csv"),
        ],
        cwd=tmp_path,
    )
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines()[1] == (
        "Mesh: Linkerd (detected from the manifests: Namespace default (linkerd.io/inject))"
    )
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.profile.mesh == "linkerd"
    assert sum(1 for w in plan.workloads if w.proxy is not None) == 6


# ---- hand-over files ---------------------------------------------------------------------------


def _key_paths(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    paths = {prefix} if prefix else set()
    for key, value in node.items():
        paths |= _key_paths(value, f"{prefix}.{key}" if prefix else str(key))
    return paths


def _chart_paths() -> set[str]:
    """Every key path of the chart's values.yaml and values-ha.yaml."""
    paths: set[str] = set()
    for name in ("linkerd-control-plane-values.yaml", "linkerd-control-plane-values-ha.yaml"):
        paths |= _key_paths(yaml.safe_load((LINKERD / name).read_text("utf-8")))
    return paths


def test_helm_values_use_only_keys_the_chart_has(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    files = renderers(MeshKind.LINKERD)[OutputFormat.HELM](plan)
    assert list(files) == [VALUES_FILE]
    values = yaml.safe_load(files[VALUES_FILE])
    missing = sorted(_key_paths(values) - _chart_paths())
    assert missing == []
    destination = plan.control_plane.component("destination").per_replica
    assert values["destinationResources"]["memory"] == {
        "request": f"{destination.memory_request_mib}Mi",
        "limit": f"{destination.memory_limit_mib}Mi",
    }
    assert values["controllerReplicas"] == 3
    default = plan.proxy_default
    assert values["proxy"]["resources"]["cpu"] == {
        "request": f"{default.cpu_request_millicores}m",
        "limit": f"{default.cpu_limit_millicores}m",
    }


def test_patch_annotations_are_linkerds() -> None:
    reference = yaml.safe_load((LINKERD / "linkerd-proxy-annotations.yaml").read_text("utf-8"))
    names = {entry["Name"] for entry in reference["AnnotationsReference"]}
    assert set(PATCH.owned) <= names


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _kustomize(kubectl: str, folder: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    done = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return {
        (d["kind"], d["metadata"].get("namespace", "default"), d["metadata"]["name"]): d
        for d in _documents(done.stdout)
    }


def _boutique(tmp_path: Path) -> tuple[Path, Path]:
    """Online Boutique meshed with Linkerd (its namespace annotated), and a traffic table of its
    certain calls: 600 rps from the front end and the load generator, 20 elsewhere."""
    manifest = tmp_path / "boutique.yaml"
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"
    namespace += "  annotations:\n    linkerd.io/inject: enabled\n---\n"
    manifest.write_text(namespace + (APPS / "online-boutique.yaml").read_text("utf-8"), "utf-8")
    services = {
        d["metadata"]["name"]
        for d in _documents(manifest.read_text("utf-8"))
        if d["kind"] == "Service"
    }
    dependencies = yaml.safe_load((APPS / "online-boutique.dependencies.yaml").read_text("utf-8"))
    rows = ["source_namespace,source_workload,destination_namespace,destination_service,rps"]
    for caller, entry in sorted(dependencies["services"].items()):
        rate = 600 if caller in ("frontend", "loadgenerator") else 20
        for call in entry.get("calls", []):
            if call["certainty"] == "certain" and call["service"] in services:
                rows.append(f"default,{caller},default,{call['service']},{rate}")
    traffic = write(tmp_path / "traffic.csv", "\n".join(rows) + "\n")
    return manifest, traffic


@pytest.mark.parametrize("app", ["bookinfo", "online-boutique"])
def test_kubectl_builds_the_linkerd_overlay_over_real_manifests(app: str, tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    if app == "bookinfo":
        manifest, traffic = (
            DATA / "linkerd" / "bookinfo.yaml",
            DATA / "linkerd" / "bookinfo-traffic.csv",
        )
    else:
        manifest, traffic = _boutique(tmp_path)
    args = ["size", "-i", str(manifest), "--traffic", str(traffic), "-o", "out", "-f", "kustomize"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "out" / "plan.json").read_bytes())
    assert plan.profile.mesh == "linkerd"
    base = tmp_path / "base"
    base.mkdir()
    (base / "app.yaml").write_bytes(manifest.read_bytes())
    (base / "kustomization.yaml").write_text("resources:\n- app.yaml\n", "utf-8")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources:\n- ../base\ncomponents:\n- ../out/kustomize\n", "utf-8"
    )
    before, after = _kustomize(kubectl, base), _kustomize(kubectl, overlay)
    assert set(after) == set(before)
    planned = {
        ("Deployment", w.namespace, w.workload): {
            PATCH.cpu_request: f"{w.proxy.cpu_request_millicores}m",
            PATCH.cpu_limit: f"{w.proxy.cpu_limit_millicores}m",
            PATCH.memory_request: f"{w.proxy.memory_request_mib}Mi",
            PATCH.memory_limit: f"{w.proxy.memory_limit_mib}Mi",
        }
        for w in plan.workloads
        if w.needs_patch and w.proxy is not None
    }
    assert planned
    for key, original in before.items():
        rendered = yaml.safe_load(yaml.safe_dump(after[key]))
        template = rendered.get("spec", {}).get("template", {}).get("metadata", {})
        notes = template.get("annotations", {})
        landed = {k: notes.pop(k) for k in PATCH.owned if k in notes}
        if "annotations" in template and not notes:
            del template["annotations"]
        assert landed == planned.get(key, {}), key
        assert rendered == original, f"{key}: a field other than the proxy annotations changed"


# ---- no Istio word in a Linkerd output ------------------------------------------------------

ISTIO_WORDS = re.compile(r"istiod|sidecar\.istio\.io|exportTo|\bSidecars?\b|istio-proxy|Envoy")


@pytest.mark.parametrize("inputs", ["sample", "bookinfo"])
def test_no_istio_word_in_any_linkerd_output(inputs: str, sample: Path) -> None:
    if inputs == "sample":
        args = [*SAMPLE_ARGS, "--mesh", "linkerd", "--no-observed"]
    else:
        data = DATA / "linkerd"
        args = [
            "size",
            "-i",
            str(data / "bookinfo.yaml"),
            "--traffic",
            str(data / "bookinfo-traffic.csv"),
        ]
    formats = [f for f in OutputFormat if f in renderers(MeshKind.LINKERD)]
    run = run_cli([*args, *(x for f in formats for x in ("--format", f.value))], cwd=sample)
    assert run.exit_code == 0, run.stderr
    found = set(ISTIO_WORDS.findall(run.stderr))
    out = sample / "planner-out"
    plan = Plan.model_validate_json((out / "plan.json").read_bytes())
    # the inventory's own names are data (the sample was an Istio cluster: istio-system/istiod)
    names = sorted(
        {n for w in plan.workloads for n in (w.namespace, w.workload, *w.services)},
        key=len,
        reverse=True,
    )
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = _xlsx_text(path) if path.suffix == ".xlsx" else path.read_text("utf-8")
        for name in names:  # whole names only, so that no word is cut to hide another
            text = re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", "", text)
        found |= {f"{path.name}: {m}" for m in ISTIO_WORDS.findall(text)}
    assert found == set()


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_the_profile_cites_figures_that_exist() -> None:
    text = (DATA / "published-figures.csv").read_text("utf-8")
    known = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    cited = set(
        re.findall(
            r"figure_ids: \[([^\]]*)\]",
            (REPO / "planner/meshes/linkerd/profile.yaml").read_text("utf-8"),
        )
    )
    ids = {i.strip() for group in cited for i in group.split(",")}
    assert ids
    assert ids <= known, sorted(ids - known)


# ---- the sample, as reviewed -------------------------------------------------------------------


def test_linkerd_sample_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    args = [*SAMPLE_ARGS, "--mesh", "linkerd", "--no-observed", "--inputs-date", "2026-11-20"]
    run = run_cli([*args, "-f", "json", "-f", "helm", "-f", "kustomize"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert_golden("linkerd-sample-summary.txt", run.stderr.encode("utf-8"), update_golden)
    out = sample / "planner-out"
    assert_golden("linkerd-sample-plan.json", (out / "plan.json").read_bytes(), update_golden)
    for folder in ("helm", "kustomize"):
        files = {
            str(p.relative_to(out / folder)): p.read_bytes()
            for p in sorted((out / folder).rglob("*"))
            if p.is_file()
        }
        assert_golden_tree(f"linkerd-sample-{folder}", files, update_golden)
