"""App Mesh resources read into the declared call graph: the AWS walkthroughs against
hand-derived truth, and inconsistent objects as findings, never crashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.inputs.appmesh import DeclaredGraph, read_appmesh
from planner.inputs.load import read_inventory
from tests.conftest import FIXTURES, write

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
