"""App Mesh resources read into the declared call graph: the AWS walkthroughs against
hand-derived truth, and inconsistent objects as findings, never crashes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.plan import Plan
from planner.inputs.appmesh import DeclaredGraph, read_appmesh
from planner.inputs.load import read_inventory
from reports.gitops.appmesh import PATCH, VALUES_FILE
from tests.conftest import FIXTURES, REPO, SAMPLE_ARGS, require_tool, run_cli, write

APPMESH = FIXTURES / "apps" / "appmesh"
APPS = sorted(p.stem for p in APPMESH.glob("howto-*.yaml") if ".dependencies" not in p.name)


def declared(path: Path) -> DeclaredGraph:
    inventory = read_inventory(path)
    documents = [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]
    return read_appmesh(
        documents, inventory.workloads, inventory.services, inventory.backing, path.name
    )


def test_every_walkthrough_has_its_truth() -> None:
    assert APPS == [
        "howto-k8s-cloudmap",
        "howto-k8s-connection-pools",
        "howto-k8s-http-headers",
        "howto-k8s-ingress-gateway",
    ]


@pytest.mark.parametrize("app", APPS)
def test_the_declared_graph_is_the_hand_derived_one(app: str) -> None:
    truth: dict[str, Any] = yaml.safe_load(
        (APPMESH / f"{app}.dependencies.yaml").read_text("utf-8")
    )
    graph = declared(APPMESH / f"{app}.yaml")
    namespace = truth["namespace"]
    expected = set()
    for call in truth["calls"]:
        for service in call["dials"]:
            expected.add((namespace, call["caller"], namespace, service, "", "dialed"))
        for service, workload in call["lands_on"]:
            expected.add((namespace, call["caller"], namespace, service, workload, "route target"))
    found = set(
        zip(
            graph.edges["source_namespace"],
            graph.edges["source_workload"],
            graph.edges["destination_namespace"],
            graph.edges["destination_service"],
            graph.edges["destination_workload"],
            graph.edges["via"],
            strict=True,
        )
    )
    assert found == expected
    assert sorted(graph.gateways["workload"]) == sorted(truth["gateways"])
    assert graph.external.empty == (not truth["external"])
    assert graph.findings == ()


NODE = """\
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata:
  name: {name}
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: {app}
  backends:
{backends}
  serviceDiscovery:
    dns:
      hostname: {name}.shop.svc.cluster.local
---
"""
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: app
        image: x
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: shop
spec:
  selector:
    app: {name}
  ports:
  - port: 80
---
"""


def test_inconsistent_objects_are_findings(tmp_path: Path) -> None:
    backends = (
        "    - virtualService:\n        virtualServiceRef:\n          name: missing\n"
        "    - virtualService:\n        virtualServiceRef:\n          name: api\n"
        "    - virtualService:\n        virtualServiceRef:\n          name: payments\n"
        "    - virtualService:\n        virtualServiceARN: "
        "arn:aws:appmesh:eu-west-1:111122223333:mesh/m/virtualService/api.shop.svc.cluster.local\n"
    )
    text = (
        APP.format(name="web")
        + APP.format(name="api")
        + NODE.format(name="web", app="web", backends=backends)
        + NODE.format(name="ghost", app="nobody", backends="    []")
        + "apiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualService\nmetadata:\n  name: api\n"
        "  namespace: shop\nspec:\n  awsName: api.shop.svc.cluster.local\n  provider:\n"
        "    virtualNode:\n      virtualNodeRef:\n        name: api-node\n---\n"
        "apiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualService\nmetadata:\n"
        "  name: payments\n  namespace: shop\nspec:\n  awsName: payments.example.com\n---\n"
    )
    graph = declared(write(tmp_path / "mesh.yaml", text))
    codes = sorted(f.code for f in graph.findings)
    assert codes == [
        "appmesh-missing-node",
        "appmesh-missing-virtual-service",
        "appmesh-selects-nothing",
    ]
    # the ARN and the reference name the same VirtualService: one dialed edge to api
    assert graph.edges[["source_workload", "destination_service", "via"]].values.tolist() == [
        ["web", "api", "dialed"]
    ]
    assert graph.external.values.tolist() == [["shop", "web", "payments", "payments.example.com"]]


# ---- App Mesh sized as it runs today -------------------------------------------------------------


def _plan(tmp_path: Path, app: str, *formats: str, traffic: str | None = None) -> Plan:
    args = ["size", "-i", str(APPMESH / f"{app}.yaml"), "-o", "out"]
    if traffic is not None:
        args += ["--traffic", str(write(tmp_path / "traffic.csv", traffic))]
    run = run_cli([*args, *(x for f in formats for x in ("-f", f))], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert "Mesh: AWS App Mesh (detected from the manifests: Namespace " in run.stderr
    return Plan.model_validate_json((tmp_path / "out" / "plan.json").read_bytes())


def test_each_envoy_holds_exactly_its_declared_backends(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "howto-k8s-http-headers")
    assert plan.profile.mesh == "appmesh"
    proxies = {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}
    # front dials color and lands on the five color-<version> Services; nobody else declares
    # a backend, so the color nodes hold only their own local cluster (plus 2 fixed)
    assert proxies["front"] is not None
    assert proxies["front"].visible_services == 6
    assert proxies["front"].visible_clusters == 6 + 1 + 2
    for name in ("blue", "green", "red", "white", "yellow"):
        assert proxies[name] is not None
        assert proxies[name].visible_services == 0
        assert proxies[name].visible_clusters == 1 + 2
    assert [c.component for c in plan.control_plane.components] == ["appmesh-controller"]
    assert plan.scoping is None
    assert plan.scoping_note.startswith("none to recommend")
    assert "appmesh-end-of-support" in {f.code for f in plan.findings}
    assert not any(f.code == "objects-ignored" for f in plan.findings)


def test_virtual_gateway_deployments_are_gateways(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "howto-k8s-ingress-gateway")
    assert [(g.namespace, g.workload) for g in plan.gateways] == [
        ("howto-k8s-ingress-gateway", "ingress-gw")
    ]
    gateway = plan.gateways[0].per_replica
    # its routes reach two dialed Services and five route targets
    assert gateway.visible_services == 7


def test_a_table_inventory_declares_nothing_and_says_so(sample: Path) -> None:
    """Without a declaration, observed calls stand in for the backends (a lower bound); without
    traffic either, every proxy holds the whole mesh (an upper bound)."""
    run = run_cli([*SAMPLE_ARGS, "--mesh", "appmesh"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    observed = Plan.model_validate_json((sample / "planner-out" / "plan.json").read_bytes())
    assert "appmesh-backends-from-traffic" in {f.code for f in observed.findings}
    args = ["size", "-i", "cluster.csv", "--services", "services.csv", "--mesh", "appmesh"]
    run = run_cli([*args, "-o", "whole"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    whole = Plan.model_validate_json((sample / "whole" / "plan.json").read_bytes())
    assert "appmesh-backends-unknown" in {f.code for f in whole.findings}
    calls = {
        (line.split(",")[0], line.split(",")[1], line.split(",")[2], line.split(",")[3])
        for line in (sample / "traffic.csv").read_text("utf-8").splitlines()[1:]
    }
    for before, after in zip(whole.workloads, observed.workloads, strict=True):
        if before.proxy is None or after.proxy is None:
            continue
        called = {c for c in calls if (c[0], c[1]) == (after.namespace, after.workload)}
        # an Envoy holds what it was seen calling, never more than the whole mesh
        assert after.proxy.visible_services == len({(c[2], c[3]) for c in called})
        assert after.proxy.visible_services < before.proxy.visible_services


def test_patch_annotations_and_helm_keys_are_the_controllers(tmp_path: Path) -> None:
    reference = yaml.safe_load((FIXTURES / "appmesh" / "annotations.yaml").read_text("utf-8"))
    names = {a["name"] for a in reference["annotations"]}
    assert set(PATCH.owned) <= names
    plan = _plan(tmp_path, "howto-k8s-http-headers", "helm")
    values = yaml.safe_load((tmp_path / "out" / VALUES_FILE).read_text("utf-8"))
    chart = yaml.safe_load(
        (FIXTURES / "appmesh" / "appmesh-controller-values.yaml").read_text("utf-8")
    )

    def paths(node: Any, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        out = {prefix} if prefix else set()
        for key, value in node.items():
            out |= paths(value, f"{prefix}.{key}" if prefix else str(key))
        return out

    assert sorted(paths(values) - paths(chart)) == []
    default = plan.proxy_default
    assert values["sidecar"]["resources"]["requests"] == {
        "cpu": f"{default.cpu_request_millicores}m",
        "memory": f"{default.memory_request_mib}Mi",
    }


def test_kubectl_builds_the_appmesh_overlay(tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    traffic = (
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "howto-k8s-http-headers,front,howto-k8s-http-headers,color-blue,900\n"
    )
    plan = _plan(tmp_path, "howto-k8s-http-headers", "kustomize", traffic=traffic)
    patched = {w.workload for w in plan.workloads if w.needs_patch}
    assert patched
    base = tmp_path / "base"
    base.mkdir()
    (base / "app.yaml").write_bytes((APPMESH / "howto-k8s-http-headers.yaml").read_bytes())
    (base / "kustomization.yaml").write_text("resources:\n- app.yaml\n", "utf-8")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources:\n- ../base\ncomponents:\n- ../out/kustomize\n", "utf-8"
    )
    done = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    landed = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"].get("annotations", {})
        for d in yaml.safe_load_all(done.stdout)
        if d and d["kind"] == "Deployment"
    }
    for workload in plan.workloads:
        notes = landed[workload.workload]
        if workload.workload in patched:
            assert workload.proxy is not None
            assert notes[PATCH.cpu_request] == f"{workload.proxy.cpu_request_millicores}m"
            assert notes[PATCH.memory_limit] == f"{workload.proxy.memory_limit_mib}Mi"
        else:
            assert not set(PATCH.owned) & set(notes)


def test_the_profile_cites_figures_that_exist() -> None:
    text = (REPO / "data" / "published-figures.csv").read_text("utf-8")
    known = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    profile = (REPO / "planner/meshes/appmesh/profile.yaml").read_text("utf-8")
    ids = {
        i.strip()
        for group in re.findall(r"figure_ids: \[([^\]]*)\]", profile)
        for i in group.split(",")
    }
    assert ids
    assert ids <= known, sorted(ids - known)
