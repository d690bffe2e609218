"""Kubernetes manifests (YAML, or kubectl's JSON) read as an inventory: real apps, rules, errors."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from models.errors import quoted
from planner.inputs.inventory import Inventory
from planner.inputs.load import read_inventory
from planner.inputs.manifests import parse_quantity, request_amount, select_backing
from planner.inputs.tables import ROW
from tests.conftest import FIXTURES, Run, run_cli, write

APPS = FIXTURES / "apps"
BOOKINFO = APPS / "bookinfo.yaml"
BOUTIQUE = APPS / "online-boutique.yaml"


def documents(path: Path) -> list[dict[str, Any]]:
    """The objects of a fixture, read independently of the code under test."""
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def manifest(path: Path, *objects: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False), encoding="utf-8")
    return path


def deployment(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    """A Deployment whose pods carry `labels` (app=<name> by default); `spec` keys override."""
    pod_labels = labels if labels is not None else {"app": name}
    body: dict[str, Any] = {
        "replicas": 1,
        "template": {
            "metadata": {"labels": pod_labels},
            "spec": {"containers": [{"name": "app", "image": "app"}]},
        },
    }
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def service(name: str, selector: dict[str, str] | None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": [{"port": 80}], **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def in_namespace(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}


def pairs(frame: pd.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in frame[list(columns)].itertuples(index=False)]


def app_requests(inventory: Inventory) -> dict[str, tuple[float | None, float | None]]:
    """Per workload, (app_cpu_millicores, app_memory_mib), None where NaN."""
    frame = inventory.workloads
    cpu, memory = (
        [None if math.isnan(v) else v for v in frame[c].tolist()]
        for c in ("app_cpu_millicores", "app_memory_mib")
    )
    return dict(zip(frame["workload"], zip(cpu, memory, strict=True), strict=True))


# ---- quantities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "base_units"),
    [
        ("250m", Decimal("0.25")),
        ("1", Decimal(1)),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("+2", Decimal(2)),
        ("1500u", Decimal("0.0015")),
        ("100n", Decimal("0.0000001")),
        ("128Mi", Decimal(134_217_728)),
        ("1Gi", Decimal(1_073_741_824)),
        ("2Ki", Decimal(2048)),
        ("1.5Gi", Decimal(1_610_612_736)),
        ("500M", Decimal(500_000_000)),
        ("1k", Decimal(1000)),
        ("1G", Decimal(1_000_000_000)),
        ("1E", Decimal(10) ** 18),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("12e-3", Decimal("0.012")),
        ("0", Decimal(0)),
    ],
)
def test_quantity_in_base_units(text: str, base_units: Decimal) -> None:
    assert parse_quantity(text) == base_units


@pytest.mark.parametrize(
    ("text", "resource", "amount"),
    [
        ("250m", "cpu", 250.0),
        ("1", "cpu", 1000.0),
        ("0.5", "cpu", 500.0),
        ("1e3", "cpu", 1_000_000.0),
        ("128Mi", "memory", 128.0),
        ("1Gi", "memory", 1024.0),
        ("500M", "memory", 476.837158203125),
        ("1e3", "memory", 1000 / 1024 / 1024),
    ],
)
def test_request_amount_in_millicores_and_mib(text: str, resource: str, amount: float) -> None:
    assert request_amount(text, resource) == amount


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("250x", "is not a Kubernetes quantity"),
        ("", "is not a Kubernetes quantity"),
        ("Mi", "is not a Kubernetes quantity"),
        ("1 Gi", "is not a Kubernetes quantity"),
        ("1mi", "is not a Kubernetes quantity"),
        ("1MB", "is not a Kubernetes quantity"),
        ("1.2.3", "is not a Kubernetes quantity"),
        ("1e", "is not a Kubernetes quantity"),
        ("0x10", "is not a Kubernetes quantity"),
        ("1e3m", "is not a Kubernetes quantity"),
        ("-1", "is negative"),
        ("-250m", "is negative"),
    ],
)
def test_malformed_quantity_is_rejected(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{problem}$"):
        parse_quantity(text)


# ---- real applications --------------------------------------------------------------------


def test_bookinfo_workloads() -> None:
    inventory = read_inventory(BOOKINFO)
    expected = [
        (d["metadata"]["name"], d["spec"]["replicas"], d["spec"]["template"]["metadata"]["labels"])
        for d in documents(BOOKINFO)
        if d["kind"] == "Deployment"
    ]
    assert len(expected) == 6
    assert pairs(inventory.workloads, "namespace", "workload", "replicas", "labels", "kind") == [
        ("default", "details-v1", 1, "app=details;version=v1", "Deployment"),
        ("default", "productpage-v1", 1, "app=productpage;version=v1", "Deployment"),
        ("default", "ratings-v1", 1, "app=ratings;version=v1", "Deployment"),
        ("default", "reviews-v1", 1, "app=reviews;version=v1", "Deployment"),
        ("default", "reviews-v2", 1, "app=reviews;version=v2", "Deployment"),
        ("default", "reviews-v3", 1, "app=reviews;version=v3", "Deployment"),
    ]
    assert sorted(
        (name, replicas, ";".join(f"{k}={v}" for k, v in sorted(labels.items())))
        for name, replicas, labels in expected
    ) == pairs(inventory.workloads, "workload", "replicas", "labels")
    assert inventory.workloads["mesh_injected"].all()
    assert inventory.workloads["labels_given"].all()
    assert set(inventory.workloads["role"]) == {"workload"}
    assert not inventory.workloads["role_inferred"].any()
    for column in ("rps", "outbound_rps", "proxy_cpu_millicores", "proxy_memory_mib"):
        assert inventory.workloads[column].isna().all(), column


def test_bookinfo_sets_no_requests() -> None:
    assert "resources:" not in BOOKINFO.read_text("utf-8")
    inventory = read_inventory(BOOKINFO)
    assert set(app_requests(inventory).values()) == {(None, None)}


def test_bookinfo_services_and_backing() -> None:
    inventory = read_inventory(BOOKINFO)
    assert pairs(inventory.services, "namespace", "service", "ports", "type") == [
        ("default", "details", 1, "ClusterIP"),
        ("default", "productpage", 1, "ClusterIP"),
        ("default", "ratings", 1, "ClusterIP"),
        ("default", "reviews", 1, "ClusterIP"),
    ]
    assert pairs(inventory.backing, "namespace", "service", "workload") == [
        ("default", "details", "details-v1"),
        ("default", "productpage", "productpage-v1"),
        ("default", "ratings", "ratings-v1"),
        ("default", "reviews", "reviews-v1"),
        ("default", "reviews", "reviews-v2"),
        ("default", "reviews", "reviews-v3"),
    ]
    assert [(f.code, f.message) for f in inventory.findings] == [
        (
            "namespace-defaulted",
            "10 objects without metadata.namespace placed in namespace default, as kubectl "
            "apply without -n does",
        ),
        ("objects-ignored", "4 objects of kinds that are not sized were ignored: 4 ServiceAccount"),
    ]
    (file,) = inventory.files
    assert (file.role, file.name, file.rows) == ("manifests", "bookinfo.yaml", 14)


def test_online_boutique_deployments() -> None:
    inventory = read_inventory(BOUTIQUE)
    names = sorted(d["metadata"]["name"] for d in documents(BOUTIQUE) if d["kind"] == "Deployment")
    assert len(names) == 12
    assert inventory.workloads["workload"].tolist() == names
    assert set(inventory.workloads["namespace"]) == {"default"}
    assert inventory.workloads["replicas"].tolist() == [1] * 12


def test_online_boutique_requests_as_written() -> None:
    written = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["resources"]
        for d in documents(BOUTIQUE)
        if d["kind"] == "Deployment"
    }
    assert written["frontend"]["requests"] == {"cpu": "100m", "memory": "64Mi"}
    assert written["redis-cart"]["requests"] == {"cpu": "70m", "memory": "200Mi"}
    assert written["adservice"]["requests"] == {"cpu": "200m", "memory": "180Mi"}
    requested = app_requests(read_inventory(BOUTIQUE))
    assert requested["frontend"] == (100.0, 64.0)
    assert requested["redis-cart"] == (70.0, 200.0)
    assert requested["adservice"] == (200.0, 180.0)
    # loadgenerator's init container (frontend-check) requests nothing and is not counted
    assert requested["loadgenerator"] == (300.0, 256.0)
    assert all(cpu is not None and memory is not None for cpu, memory in requested.values())


def test_online_boutique_services_and_backing() -> None:
    inventory = read_inventory(BOUTIQUE)
    services = {
        s: (ports, kind) for s, ports, kind in pairs(inventory.services, "service", "ports", "type")
    }
    assert len(services) == 12
    assert services["frontend-external"] == (1, "LoadBalancer")
    assert services["frontend"] == (1, "ClusterIP")
    assert {kind for _, kind in services.values()} == {"ClusterIP", "LoadBalancer"}
    backing = inventory.backing
    assert sorted(backing.loc[backing["workload"] == "frontend", "service"]) == [
        "frontend",
        "frontend-external",
    ]
    assert "loadgenerator" not in set(backing["workload"])
    assert len(backing) == 12


def combined(tmp_path: Path, app: str) -> Path:
    """An app's manifests followed by its Istio manifests, as one file."""
    text = (APPS / f"{app}.yaml").read_text("utf-8") + "\n---\n"
    text += (APPS / f"{app}.istio-manifests.yaml").read_text("utf-8")
    return write(tmp_path / f"{app}.all.yaml", text)


def test_service_entries_become_services(tmp_path: Path) -> None:
    inventory = read_inventory(combined(tmp_path, "online-boutique"))
    entries = inventory.services.loc[inventory.services["type"] == "ServiceEntry"]
    assert pairs(entries, "namespace", "service", "ports") == [
        ("default", "*.googleapis.com", 2),
        ("default", "accounts.google.com", 2),
        ("default", "metadata.google.internal", 2),
    ]
    alone = read_inventory(BOUTIQUE)
    pd.testing.assert_frame_equal(inventory.workloads, alone.workloads)
    pd.testing.assert_frame_equal(inventory.backing, alone.backing)
    ignored = next(f for f in inventory.findings if f.code == "objects-ignored")
    assert ignored.message == (
        "14 objects of kinds that are not sized were ignored: 1 Gateway "
        "(gateway.networking.k8s.io), 1 HTTPRoute (gateway.networking.k8s.io), 11 ServiceAccount, "
        "1 VirtualService (networking.istio.io)"
    )


def test_bookinfo_istio_manifests_add_no_services(tmp_path: Path) -> None:
    inventory = read_inventory(combined(tmp_path, "bookinfo"))
    assert inventory.services["service"].tolist() == [
        "details",
        "productpage",
        "ratings",
        "reviews",
    ]
    ignored = next(f for f in inventory.findings if f.code == "objects-ignored")
    assert ignored.message == (
        "6 objects of kinds that are not sized were ignored: 1 Gateway (networking.istio.io), "
        "4 ServiceAccount, 1 VirtualService (networking.istio.io)"
    )


def test_planner_size_reads_manifests(tmp_path: Path) -> None:
    run = run_cli(["size", "--inventory", str(BOOKINFO)], cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (0, "planner-out/plan.json\n"), run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    assert sorted(w["workload"] for w in plan["workloads"]) == [
        "details-v1",
        "productpage-v1",
        "ratings-v1",
        "reviews-v1",
        "reviews-v2",
        "reviews-v3",
    ]
    assert [(i["role"], i["name"], i["rows"]) for i in plan["inputs"]] == [
        ("manifests", "bookinfo.yaml", 14)
    ]


def kubectl_list(path: Path) -> dict[str, Any]:
    """What `kubectl get ... -o json` prints for the objects of a YAML file."""
    return {"apiVersion": "v1", "kind": "List", "items": documents(path), "metadata": {}}


@pytest.mark.parametrize("app", [BOOKINFO, BOUTIQUE])
def test_kubectl_json_list_reads_as_the_yaml(tmp_path: Path, app: Path) -> None:
    listed = tmp_path / "cluster.json"
    listed.write_text(json.dumps(kubectl_list(app), indent=2), encoding="utf-8")
    from_json, from_yaml = read_inventory(listed), read_inventory(app)
    for frame in ("workloads", "services", "backing"):
        pd.testing.assert_frame_equal(getattr(from_json, frame), getattr(from_yaml, frame))
    assert [f.code for f in from_json.findings] == [f.code for f in from_yaml.findings]
    assert from_json.files[0].fingerprint == from_yaml.files[0].fingerprint


def test_kubectl_yaml_list_and_a_single_json_object(tmp_path: Path) -> None:
    listed = write(tmp_path / "list.yml", yaml.safe_dump(kubectl_list(BOOKINFO)))
    assert read_inventory(listed).workloads["workload"].tolist() == [
        "details-v1",
        "productpage-v1",
        "ratings-v1",
        "reviews-v1",
        "reviews-v2",
        "reviews-v3",
    ]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(deployment("web")), encoding="utf-8")
    inventory = read_inventory(single)
    assert pairs(inventory.workloads, "namespace", "workload", ROW) == [("default", "web", 1)]
    assert inventory.services.empty
    assert inventory.backing.empty


def test_row_is_the_position_of_the_object(tmp_path: Path) -> None:
    inventory = read_inventory(BOOKINFO)
    rows = dict(zip(inventory.workloads["workload"], inventory.workloads[ROW], strict=True))
    expected = {
        d["metadata"]["name"]: n
        for n, d in enumerate(documents(BOOKINFO), 1)
        if d["kind"] == "Deployment"
    }
    assert rows == expected
    assert rows["reviews-v1"] == 9


def test_order_of_objects_does_not_matter(tmp_path: Path) -> None:
    reversed_file = manifest(tmp_path / "reversed.yaml", *reversed(documents(BOUTIQUE)))
    forward, backward = read_inventory(BOUTIQUE), read_inventory(reversed_file)
    pd.testing.assert_frame_equal(
        forward.workloads.drop(columns=[ROW]), backward.workloads.drop(columns=[ROW])
    )
    pd.testing.assert_frame_equal(forward.services, backward.services)
    pd.testing.assert_frame_equal(forward.backing, backward.backing)
    assert forward.files[0].fingerprint == backward.files[0].fingerprint


# ---- rules --------------------------------------------------------------------------------


def test_replicas_by_kind(tmp_path: Path) -> None:
    template = deployment("x")["spec"]["template"]
    owner = {"ownerReferences": [{"kind": "Deployment", "name": "web"}]}
    path = manifest(
        tmp_path / "kinds.yaml",
        deployment("web", replicas=3),
        deployment("bare", replicas=None),
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
         "spec": {"replicas": 2, "template": template}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
         "spec": {"template": template}, "status": {"desiredNumberScheduled": 5}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "logs"},
         "spec": {"template": template}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report"},
         "spec": {"jobTemplate": {"spec": {"template": template}}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
         "spec": {"parallelism": 4, "template": template}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report-123",
         "ownerReferences": [{"kind": "CronJob", "name": "report"}]},
         "spec": {"template": template}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "old"},
         "spec": {"replicas": 2, "template": template}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-5d9f", **owner},
         "spec": {"replicas": 3, "template": template}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "debug", "labels": {"run": "debug"}},
         "spec": {"containers": [{"name": "sh"}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-5d9f-abcde",
         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9f"}]}, "spec": {}},
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "canary"},
         "spec": {"replicas": 5, "template": template}},
        {"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig",
         "metadata": {"name": "legacy"}, "spec": {"replicas": 2, "template": template}},
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "fn"},
         "spec": {"template": template}},
    )  # fmt: skip
    inventory = read_inventory(path)
    assert pairs(inventory.workloads, "workload", "kind", "replicas") == [
        ("agent", "DaemonSet", 5),
        ("bare", "Deployment", 1),
        ("canary", "Rollout", 5),
        ("db", "StatefulSet", 2),
        ("debug", "Pod", 1),
        ("legacy", "DeploymentConfig", 2),
        ("logs", "DaemonSet", 1),
        ("migrate", "Job", 4),
        ("old", "ReplicaSet", 2),
        ("report", "CronJob", 0),
        ("web", "Deployment", 3),
    ]
    assert dict(pairs(inventory.workloads, "workload", "labels"))["debug"] == "run=debug"
    assert [(f.code, f.subject, f.message) for f in inventory.findings] == [
        (
            "namespace-defaulted",
            path.name,
            "11 objects without metadata.namespace placed in namespace default, as kubectl "
            "apply without -n does",
        ),
        (
            "objects-owned",
            path.name,
            "3 objects not sized themselves, as their owner is sized: 1 Job (batch), 1 Pod, "
            "1 ReplicaSet (apps)",
        ),
        (
            "objects-ignored",
            path.name,
            "1 object of kinds that are not sized were ignored: 1 Service (serving.knative.dev)",
        ),
        (
            "replicas-assumed",
            "default/logs",
            "a DaemonSet runs one pod per node and this manifest has no "
            "status.desiredNumberScheduled to say how many: sized as 1 replica; export it from "
            "the cluster (kubectl get ds -o yaml) to size every pod",
        ),
        (
            "replicas-assumed",
            "default/report",
            "a CronJob's pods run only on schedule: sized with 0 replicas; give a workloads "
            "table with the pods that run at once to size them",
        ),
    ]


def test_namespace_as_given_or_default(tmp_path: Path) -> None:
    path = manifest(
        tmp_path / "ns.yaml",
        in_namespace(deployment("web"), "shop"),
        in_namespace(service("web", {"app": "web"}), "shop"),
        deployment("web"),
        service("web", {"app": "web"}),
    )
    inventory = read_inventory(path)
    assert pairs(inventory.backing, "namespace", "service", "workload") == [
        ("default", "web", "web"),
        ("shop", "web", "web"),
    ]
    assert inventory.findings[0].message == (
        "2 objects without metadata.namespace placed in namespace default, as kubectl apply "
        "without -n does"
    )


def with_pod(obj: dict[str, Any], **pod: Any) -> dict[str, Any]:
    """`obj` with extra pod-template fields: metadata={...} merges, spec={...} merges."""
    template = obj["spec"]["template"]
    template["metadata"] = {**template["metadata"], **pod.get("metadata", {})}
    template["spec"] = {**template["spec"], **pod.get("spec", {})}
    return obj


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def injected(tmp_path: Path, *objects: dict[str, Any]) -> dict[str, bool]:
    inventory = read_inventory(manifest(tmp_path / "injection.yaml", *objects))
    return dict(
        zip(inventory.workloads["workload"], inventory.workloads["mesh_injected"], strict=True)
    )


def test_pods_opt_out_of_injection(tmp_path: Path) -> None:
    off = {"sidecar.istio.io/inject": "false"}
    assert injected(
        tmp_path,
        deployment("plain"),
        with_pod(deployment("annotated"), metadata={"annotations": off}),
        deployment("labelled", labels={"app": "labelled", **off}),
        with_pod(deployment("node-agent"), spec={"hostNetwork": True}),
        # the label wins over the annotation, as in Istio
        with_pod(
            deployment("label-wins", labels={"app": "x", "sidecar.istio.io/inject": "true"}),
            metadata={"annotations": off},
        ),
    ) == {
        "annotated": False,
        "label-wins": True,
        "labelled": False,
        "node-agent": False,
        "plain": True,
    }


def test_namespace_objects_decide_injection_when_some_are_labelled(tmp_path: Path) -> None:
    objects = [
        namespace("meshed", {"istio-injection": "enabled"}),
        namespace("canary", {"istio.io/rev": "1-24"}),
        namespace("legacy"),
        namespace("off", {"istio-injection": "disabled"}),
        in_namespace(deployment("a"), "meshed"),
        in_namespace(deployment("b"), "canary"),
        in_namespace(deployment("c"), "legacy"),
        in_namespace(deployment("d", labels={"sidecar.istio.io/inject": "true"}), "legacy"),
        in_namespace(deployment("e"), "off"),
        in_namespace(deployment("f", labels={"sidecar.istio.io/inject": "true"}), "off"),
        in_namespace(deployment("g"), "elsewhere"),  # no Namespace object: taken as injected
    ]
    inventory = read_inventory(manifest(tmp_path / "namespaces.yaml", *objects))
    assert dict(
        zip(inventory.workloads["workload"], inventory.workloads["mesh_injected"], strict=True)
    ) == {
        "a": True,
        "b": True,
        "c": False,
        "d": True,
        "e": False,
        "f": False,
        "g": True,
    }
    assert [f.message for f in inventory.findings if f.code == "not-injected"] == [
        "3 workloads get no sidecar: 2 for namespace istio-injection=disabled, 1 for namespace "
        "without istio-injection=enabled or istio.io/rev"
    ]


def test_unlabelled_namespaces_say_nothing_when_none_is_labelled(tmp_path: Path) -> None:
    assert injected(
        tmp_path,
        namespace("shop"),
        in_namespace(deployment("web"), "shop"),
    ) == {"web": True}


MANAGED = "gateway.istio.io/managed"


def test_gateway_roles_from_pod_labels(tmp_path: Path) -> None:
    path = manifest(
        tmp_path / "gateways.yaml",
        deployment("edge", labels={"istio": "ingressgateway", "app": "edge"}),
        deployment("out", labels={"istio": "egressgateway"}),
        deployment("bookinfo-gw-istio", labels={MANAGED: "istio.io-gateway-controller"}),
        deployment("waypoint", labels={MANAGED: "istio.io-mesh-controller"}),
        deployment("istio-ingressgateway-b", labels={"app": "b"}),
        deployment("reviews"),
    )  # fmt: skip
    inventory = read_inventory(path)
    assert pairs(inventory.workloads, "workload", "role", "role_inferred") == [
        ("bookinfo-gw-istio", "ingress-gateway", False),
        ("edge", "ingress-gateway", False),
        ("istio-ingressgateway-b", "ingress-gateway", True),
        ("out", "egress-gateway", False),
        ("reviews", "workload", False),
        ("waypoint", "workload", False),
    ]
    assert [(f.code, f.subject) for f in inventory.findings if f.code == "role-inferred"] == [
        ("role-inferred", "default/istio-ingressgateway-b")
    ]


def test_app_requests_sum_the_app_containers(tmp_path: Path) -> None:
    containers = [
        {"name": "app", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
        {"name": "cache", "resources": {"requests": {"cpu": 1, "memory": "500M"}}},
        {"name": "istio-proxy", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}},
        {"name": "limits-only", "resources": {"limits": {"cpu": 0.5}}},
    ]
    init = [
        {"name": "migrate", "resources": {"requests": {"cpu": "2", "memory": "2Gi"}}},
        {"name": "log-shipper", "restartPolicy": "Always",
         "resources": {"requests": {"memory": "64Mi"}}},
    ]  # fmt: skip
    path = manifest(
        tmp_path / "requests.yaml",
        with_pod(deployment("web"), spec={"containers": containers, "initContainers": init}),
        deployment("none"),
        with_pod(
            deployment("cpu-only"),
            spec={"containers": [{"name": "a", "resources": {"requests": {"cpu": "1000m"}}}]},
        ),
    )
    # app 250m + cache 1 core + limits-only 0.5 core; memory 1 GiB + 500 MB + native sidecar 64 MiB
    assert app_requests(read_inventory(path)) == {
        "cpu-only": (1000.0, None),
        "none": (None, None),
        "web": (1750.0, 1024 + 500e6 / 2**20 + 64),
    }


def test_service_types_ports_and_selectors(tmp_path: Path) -> None:
    path = manifest(
        tmp_path / "services.yaml",
        deployment("api-v1", labels={"app": "api", "version": "v1", "tier": "back"}),
        deployment("api-v2", labels={"app": "api", "version": "v2", "tier": "back"}),
        deployment("web", labels={"app": "web", "tier": "front"}),
        in_namespace(deployment("api-v1", labels={"app": "api", "version": "v1"}), "other"),
        service("api", {"app": "api"}, ports=[{"port": 80}, {"port": 9090}]),
        service("api-v2", {"app": "api", "version": "v2"}),
        service("api-headless", {"app": "api"}, clusterIP="None"),
        service("web", {"app": "web"}, type="NodePort"),
        service("nothing", {"app": "api", "version": "v9"}),
        service("manual", None),
        service("empty", {}),
        service("db", {"app": "db"}, type="ExternalName", externalName="db.example.com", ports=[]),
        service("lb", {"tier": "front"}, type="LoadBalancer"),
    )
    inventory = read_inventory(path)
    assert pairs(inventory.services, "namespace", "service", "ports", "type") == [
        ("default", "api", 2, "ClusterIP"),
        ("default", "api-headless", 1, "Headless"),
        ("default", "api-v2", 1, "ClusterIP"),
        ("default", "db", 0, "ExternalName"),
        ("default", "empty", 1, "ClusterIP"),
        ("default", "lb", 1, "LoadBalancer"),
        ("default", "manual", 1, "ClusterIP"),
        ("default", "nothing", 1, "ClusterIP"),
        ("default", "web", 1, "NodePort"),
    ]
    assert pairs(inventory.backing, "namespace", "service", "workload") == [
        ("default", "api", "api-v1"),
        ("default", "api", "api-v2"),
        ("default", "api-headless", "api-v1"),
        ("default", "api-headless", "api-v2"),
        ("default", "api-v2", "api-v2"),
        ("default", "lb", "web"),
        ("default", "web", "web"),
    ]


def test_service_entry_hosts_ports_and_workload_selector(tmp_path: Path) -> None:
    entry = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "ServiceEntry",
        "metadata": {"name": "vms", "namespace": "shop"},
        "spec": {
            "hosts": ["legacy.shop.internal", "legacy-alias.shop.internal"],
            "workloadSelector": {"labels": {"app": "legacy"}},
        },
    }
    path = manifest(
        tmp_path / "entries.yaml",
        in_namespace(deployment("legacy"), "shop"),
        entry,
        {**entry, "metadata": {"name": "again", "namespace": "shop"}, "spec": {
            "hosts": ["legacy.shop.internal"], "ports": [{"number": 1}, {"number": 2}]}},
    )  # fmt: skip
    inventory = read_inventory(path)
    assert pairs(inventory.services, "namespace", "service", "ports", "type") == [
        ("shop", "legacy-alias.shop.internal", 1, "ServiceEntry"),
        ("shop", "legacy.shop.internal", 2, "ServiceEntry"),
    ]
    assert pairs(inventory.backing, "service", "workload") == [
        ("legacy-alias.shop.internal", "legacy"),
        ("legacy.shop.internal", "legacy"),
    ]


def test_selector_matching_agrees_with_a_brute_force_match() -> None:
    rng = np.random.default_rng(7)
    keys = ["app", "tier", "version", "team"]
    values = ["a", "b", "c"]

    def labels(share: float) -> dict[str, str]:
        return {k: str(rng.choice(values)) for k in keys if rng.random() < share}

    workloads = {(f"ns{rng.integers(2)}", f"w{i}"): labels(0.7) for i in range(300)}
    services = {(f"ns{rng.integers(2)}", f"s{i}"): labels(0.4) for i in range(300)}
    pod_labels = pd.DataFrame(
        [(ns, w, f"{k}={v}") for (ns, w), labels in workloads.items() for k, v in labels.items()],
        columns=["namespace", "workload", "pair"],
    )
    selectors = pd.DataFrame(
        [(ns, s, f"{k}={v}") for (ns, s), labels in services.items() for k, v in labels.items()],
        columns=["namespace", "service", "pair"],
    )
    expected = sorted(
        (ns, s, w)
        for (ns, s), selector in services.items()
        if selector
        for (wns, w), labels in workloads.items()
        if wns == ns and selector.items() <= labels.items()
    )
    found = select_backing(pod_labels, selectors)
    assert sorted(pairs(found, "namespace", "service", "workload")) == expected
    assert len(expected) > 100


# ---- bad input ----------------------------------------------------------------------------


MINIMAL = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
CONTAINER = "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "broken.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n spec: {}\n",
            "broken.yaml line 5: not valid YAML (did not find expected key); fix the file or "
            "export it again with kubectl get -o yaml",
        ),
        (
            "broken.json",
            '{"apiVersion": "v1", "kind": "List", "items": [\n  {"kind": "Deployment"\n  '
            '"metadata": {"name": "web"}}]}\n',
            "broken.json line 3: not valid JSON (Expecting ',' delimiter); fix the file or "
            "export it again with kubectl get -o json",
        ),
        (
            "noname.yaml",
            MINIMAL + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {}\n",
            "noname.yaml object 2 (Deployment): metadata.name is missing; every object needs "
            "apiVersion, kind and metadata.name",
        ),
        (
            "nokind.yaml",
            "apiVersion: v1\nmetadata:\n  name: web\n",
            "nokind.yaml object 1: kind is missing; every object needs apiVersion, kind and "
            "metadata.name (a .json or .yaml inventory is read as Kubernetes "
            "manifests)",
        ),
        (
            "text.yaml",
            "just some text\n",
            "text.yaml object 1: not a Kubernetes object (found text); every object needs "
            "apiVersion, kind and metadata.name (a .json or .yaml inventory is read as Kubernetes "
            "manifests)",
        ),
        (
            "quantity.yaml",
            MINIMAL
            + CONTAINER
            + "        resources:\n          requests:\n            cpu: 250x\n",
            "quantity.yaml object 1 (Deployment default/web) field "
            'spec.template.spec.containers[0].resources.requests.cpu: "250x" is not a '
            "Kubernetes quantity; write CPU in cores or millicores, such as 0.5 or 250m",
        ),
        (
            "negative.yaml",
            MINIMAL
            + CONTAINER
            + "        resources:\n          limits:\n            memory: -1Gi\n",
            "negative.yaml object 1 (Deployment default/web) field "
            'spec.template.spec.containers[0].resources.limits.memory: "-1Gi" is negative; '
            "write memory with a unit, such as 128Mi or 1Gi",
        ),
        (
            "huge.yaml",
            MINIMAL
            + CONTAINER
            + "        resources:\n          requests:\n            cpu: 2000k\n",
            "huge.yaml object 1 (Deployment default/web) field "
            'spec.template.spec.containers[0].resources.requests.cpu: "2000k" is more than '
            "1,000,000 millicores; write CPU in cores or millicores, such as 0.5 or 250m",
        ),
        (
            "twice.yaml",
            MINIMAL + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n" + MINIMAL,
            "twice.yaml objects 1 and 3: Deployment default/web appears twice; keep one of them",
        ),
        (
            "clash.yaml",
            MINIMAL + "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n",
            "clash.yaml objects 1 and 2: Deployment default/web and StatefulSet default/web "
            "would be one workload (workloads are named by namespace and name); keep one of them",
        ),
        (
            "services.yaml",
            MINIMAL + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
            "services.yaml objects 2 and 3: Service default/web appears twice; keep one of them",
        ),
        (
            "config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {a: b}\n",
            "config.yaml: no workloads in the file (it holds 1 ConfigMap); give manifests "
            "holding workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Rollout, "
            "DeploymentConfig, Job, CronJob, Pod)",
        ),
        (
            "replicas.yaml",
            MINIMAL + "spec:\n  replicas: three\n",
            'replicas.yaml object 1 (Deployment default/web) field spec.replicas: "three" is '
            "not a whole number of pods from 0 to 100,000; fix the manifest",
        ),
        (
            "label.yaml",
            MINIMAL + "spec:\n  template:\n    metadata:\n      labels:\n        version: 2\n",
            "label.yaml object 1 (Deployment default/web) field spec.template.metadata.labels: "
            'label "version" has a number as its value; label keys and values are text in '
            "Kubernetes, so quote them",
        ),
        (
            "badlabel.yaml",
            MINIMAL + "spec:\n  template:\n    metadata:\n      labels:\n        app: a;b\n",
            "badlabel.yaml object 1 (Deployment default/web) field spec.template.metadata.labels: "
            '"app=a;b" is not a Kubernetes label (a key and a value of letters, digits, "-", "_" '
            'and "."); fix the manifest',
        ),
        (
            "type.yaml",
            MINIMAL + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
            "spec: {type: Internal}\n",
            'type.yaml object 2 (Service default/web) field spec.type: "Internal" is not one of '
            "ClusterIP, NodePort, LoadBalancer, ExternalName; fix the manifest",
        ),
        (
            "shape.yaml",
            MINIMAL + "spec:\n  template:\n    spec:\n      containers: app\n",
            "shape.yaml object 1 (Deployment default/web) field spec.template.spec.containers: "
            "expected a list, found text; fix the manifest",
        ),
        (
            "python.yaml",
            MINIMAL + "spec:\n  replicas: !!python/object/apply:os.system ['true']\n",
            "python.yaml line 6: not valid YAML (could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'); fix the file or export it again "
            "with kubectl get -o yaml",
        ),
        (
            "empty.yaml",
            "# nothing yet\n---\n",
            "empty.yaml: no workloads in the file (it holds no objects); give manifests holding "
            "workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Rollout, "
            "DeploymentConfig, Job, CronJob, Pod)",
        ),
    ],
)
def test_bad_manifest_gives_one_error_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path / name, text)
    run = run_cli(["size", "--inventory", name], cwd=tmp_path)
    assert run == Run(exit_code=1, stdout="", stderr=f"Error: {message}\n")
    assert not (tmp_path / "planner-out").exists()


def test_services_table_with_manifests_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "app.yaml", MINIMAL)
    write(tmp_path / "services.csv", "namespace,service\ndefault,web\n")
    run = run_cli(["size", "--inventory", "app.yaml", "--services", "services.csv"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: services.csv: --services cannot be combined with a manifest inventory "
        "(app.yaml holds the Services already); leave --services out\n",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "latin.yaml",
            MINIMAL.encode() + b"  namespace: caf\xe9\n",
            "latin.yaml line 5: the file is not UTF-8 (byte 0xe9); save it as UTF-8",
        ),
        (
            "deep.json",
            b"[" * 100_000 + b"]" * 100_000,
            "deep.json: the file is nested too deeply to be Kubernetes manifests",
        ),
        (
            "blank.json",
            b"  \n",
            "blank.json: the file is empty; give Kubernetes manifests, such as the output of "
            "kubectl get deploy,sts,ds,svc -A -o yaml",
        ),
    ],
)
def test_unreadable_manifest_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    run = run_cli(["size", "--inventory", name], cwd=tmp_path)
    assert run == Run(exit_code=1, stdout="", stderr=f"Error: {message}\n")


def test_huge_yaml_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with (tmp_path / "cluster.yaml").open("wb") as sparse:
        sparse.truncate(65 * 1024 * 1024)  # a hole: no disk used, and never read
    run = run_cli(["size", "--inventory", "cluster.yaml"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: cluster.yaml: the file is 65 MiB, more than the 64 MiB mesh-planner reads "
        "from this format; export only the kinds it sizes, as JSON (kubectl get "
        "deploy,sts,ds,svc -A -o json)\n",
    )


def test_proxy_annotations_give_the_current_requests(tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations:
        sidecar.istio.io/proxyCPU: 250m
        sidecar.istio.io/proxyMemory: 1Gi
    spec:
      containers: [{name: web, image: web}]
""",
        encoding="utf-8",
    )
    inventory = read_inventory(manifest)
    web = inventory.workloads.iloc[0]
    assert (web["current_proxy_cpu_millicores"], web["current_proxy_memory_mib"]) == (250.0, 1024.0)
    manifest.write_text(
        manifest.read_text("utf-8").replace("proxyCPU: 250m", "proxyCPU: lots"), encoding="utf-8"
    )
    run = run_cli(["size", "--inventory", "app.yaml"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: app.yaml object 1 (Deployment shop/web) field metadata.annotations["
        '"sidecar.istio.io/proxyCPU"] of the pod template: "lots" is not a Kubernetes quantity; '
        "write a quantity such as 250m\n",
    )


# ---- --namespace: where objects that name none go -------------------------------------------


def test_namespace_flag_places_objects_that_name_none(tmp_path: Path) -> None:
    manifest(
        tmp_path / "app.yaml",
        in_namespace(deployment("web"), "shop"),
        in_namespace(service("web", {"app": "web"}), "shop"),
        deployment("api"),
        service("api", {"app": "api"}),
        deployment("worker"),
    )
    run = run_cli(["size", "--inventory", "app.yaml", "--namespace", "store"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    assert sorted((w["namespace"], w["workload"]) for w in plan["workloads"]) == [
        ("shop", "web"),
        ("store", "api"),
        ("store", "worker"),
    ]
    message = (
        "3 objects without metadata.namespace placed in namespace store (--namespace), as "
        "kubectl apply -n store does"
    )
    assert {"code": "namespace-defaulted", "subject": "app.yaml", "message": message} in plan[
        "findings"
    ]
    assert f"  - app.yaml: {message}\n" in run.stderr
    # the Service that names no namespace selects the workloads placed with it
    assert read_inventory(tmp_path / "app.yaml", namespace="store").backing.to_dict("records") == [
        {"namespace": "shop", "service": "web", "workload": "web"},
        {"namespace": "store", "service": "api", "workload": "api"},
    ]


@pytest.mark.parametrize(
    "value", ["Shop", "shop_1", "-shop", "a" * 64, "shop.eu", "caf\u00e9", "\x1b[31m"]
)
def test_namespace_flag_must_be_a_namespace_name(tmp_path: Path, value: str) -> None:
    manifest(tmp_path / "app.yaml", deployment("web"))
    run = run_cli(["size", "--inventory", "app.yaml", "--namespace", value], cwd=tmp_path)
    assert (run.exit_code, run.stdout) == (2, "")
    shown = quoted(value)
    assert run.stderr == (
        "Usage: planner size [OPTIONS]\nTry 'planner size --help' for help.\n\n"
        f"Error: Invalid value for '--namespace' / '-n': {shown} is not a Kubernetes namespace "
        "name (lower-case letters, digits and '-', starting and ending with a letter or digit, "
        "63 at most), such as shop\n"
    )
    assert not (tmp_path / "planner-out").exists()


def test_namespace_flag_with_a_table_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,web,1\n")
    run = run_cli(["size", "--inventory", "cluster.csv", "-n", "shop"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: --namespace shop: cluster.csv is a table, whose rows name their "
        "namespace; --namespace places manifest objects that name none, so leave it out\n",
    )
    assert not (tmp_path / "planner-out").exists()


# ---- a folder of manifests ----------------------------------------------------------------


def split_into_folder(app: Path, folder: Path) -> list[str]:
    """The objects of `app`, one file each (Services in a sub-folder, kubectl's JSON for the
    ServiceAccounts), as `helm template --output-dir` or a kustomize base lays them out."""
    names = []
    for obj in documents(app):
        kind, name = obj["kind"].lower(), obj["metadata"]["name"]
        if kind == "service":
            relative = f"services/{name}.yml"
        elif kind == "serviceaccount":
            relative = f"accounts/{name}.json"
        else:
            relative = f"{kind}-{name}.yaml"
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith(".json"):
            path.write_text(json.dumps(obj), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(obj), encoding="utf-8")
        names.append(relative)
    return sorted(names)


def without_inputs(plan: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plan.items() if k != "inputs"}


def test_a_folder_of_manifests_is_one_inventory(tmp_path: Path) -> None:
    names = split_into_folder(BOUTIQUE, tmp_path / "deep" / "boutique")
    # files that are not manifests, or hidden, are not read
    write(tmp_path / "deep" / "boutique" / "README.md", "not a manifest\n")
    (tmp_path / "deep" / "boutique" / ".git").mkdir()
    write(tmp_path / "deep" / "boutique" / ".git" / "config.yaml", "[core]\n")
    write(tmp_path / "deep" / "boutique" / ".hidden.yaml", "not: [valid\n")
    write(tmp_path / "deep" / "boutique" / "empty.yaml", "# rendered nothing\n---\n")
    folder = read_inventory(tmp_path / "deep" / "boutique")
    single = read_inventory(BOUTIQUE)
    for frame in ("workloads", "services", "backing"):
        pd.testing.assert_frame_equal(
            getattr(folder, frame).drop(columns=[ROW], errors="ignore"),
            getattr(single, frame).drop(columns=[ROW], errors="ignore"),
        )
    assert [f.name for f in folder.files] == names
    assert {f.role for f in folder.files} == {"manifests"}
    assert all(f.rows == 1 for f in folder.files)
    # findings name the folder by its name, files by their path in it
    assert [(f.code, f.subject) for f in folder.findings[:3]] == [
        ("files-without-objects", "boutique/"),
        ("namespace-defaulted", "boutique/"),
        ("objects-ignored", "boutique/"),
    ]
    assert folder.findings[0].message == "1 file without objects skipped: empty.yaml"


def test_plan_of_a_folder_does_not_depend_on_where_it_lies(tmp_path: Path) -> None:
    split_into_folder(BOUTIQUE, tmp_path / "a" / "boutique")
    split_into_folder(BOUTIQUE, tmp_path / "b" / "c" / "boutique")
    plans = []
    for where in ("a/boutique", "b/c/boutique/"):
        run = run_cli(["size", "--inventory", where, "--out", where.strip("/") + "-out"], tmp_path)
        assert run.exit_code == 0, run.stderr
        plans.append((tmp_path / (where.strip("/") + "-out") / "plan.json").read_bytes())
    assert plans[0] == plans[1]
    plan = json.loads(plans[0])
    assert plan["inputs"][0] == {
        "role": "manifests",
        "name": "accounts/adservice.json",
        "fingerprint": plan["inputs"][0]["fingerprint"],
        "rows": 1,
    }
    # and the sizing is the single file's: only the inputs list differs
    run = run_cli(["size", "--inventory", str(BOUTIQUE), "--out", "single"], tmp_path)
    assert run.exit_code == 0, run.stderr
    single = json.loads((tmp_path / "single" / "plan.json").read_bytes())
    findings = [
        {**f, "subject": f["subject"].replace("online-boutique.yaml", "boutique/")}
        for f in single["findings"]
    ]
    assert without_inputs(plan) == {**without_inputs(single), "findings": findings}


def test_fingerprints_follow_the_objects_not_how_they_are_written(tmp_path: Path) -> None:
    split_into_folder(BOUTIQUE, tmp_path / "one")
    split_into_folder(BOUTIQUE, tmp_path / "two")
    web = tmp_path / "two" / "services" / "frontend.yml"
    web.write_text(json.dumps(yaml.safe_load(web.read_text("utf-8")), indent=4), "utf-8")
    first, second = (read_inventory(tmp_path / name).files for name in ("one", "two"))
    assert first == second
    frontend = tmp_path / "two" / "deployment-frontend.yaml"
    scaled = yaml.safe_load(frontend.read_text("utf-8"))
    scaled["spec"]["replicas"] = 3
    frontend.write_text(yaml.safe_dump(scaled), "utf-8")
    changed = read_inventory(tmp_path / "two").files
    assert [f.name for f in changed if f not in first] == ["deployment-frontend.yaml"]


def test_an_object_in_two_files_of_a_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    manifest(folder / "web.yaml", in_namespace(deployment("web"), "shop"))
    (folder / "overlay").mkdir()
    manifest(
        folder / "overlay" / "all.yaml",
        deployment("api"),
        service("api", {"app": "api"}),
        in_namespace(deployment("web"), "shop"),
    )
    run = run_cli(["size", "--inventory", "app"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: app/overlay/all.yaml object 3 and app/web.yaml object 1: Deployment "
        "shop/web appears in both files; keep it in one of them\n",
    )
    # any kind: two files applying one ServiceAccount
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}}
    manifest(folder / "web.yaml", in_namespace(deployment("web"), "shop"), account)
    manifest(folder / "overlay" / "all.yaml", deployment("api"), account)
    run = run_cli(["size", "--inventory", "app"], cwd=tmp_path)
    assert run.stderr == (
        "Error: app/overlay/all.yaml object 2 and app/web.yaml object 2: ServiceAccount "
        "default/web appears in both files; keep it in one of them\n"
    )


def test_a_kustomize_base_is_read_as_it_is_with_a_finding(tmp_path: Path) -> None:
    folder = tmp_path / "base"
    manifest(folder / "deployment.yaml", deployment("web"))
    manifest(folder / "service.yaml", service("web", {"app": "web"}))
    write(
        folder / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: shop\nresources: [deployment.yaml, service.yaml]\n",
    )
    inventory = read_inventory(folder)
    assert [f.name for f in inventory.files] == ["deployment.yaml", "service.yaml"]
    assert inventory.findings[0].code == "kustomization-not-applied"
    assert inventory.findings[0].message == (
        "kustomization.yaml: kustomize's own files are not manifests and are not applied: the "
        "resources are read as the folder holds them, without the kustomization's patches, "
        "name prefixes or namespace (read the output of kubectl kustomize to size what the "
        "cluster gets)"
    )
    # what kustomize's namespace would do, --namespace does
    placed = read_inventory(folder, namespace="shop")
    assert placed.workloads["namespace"].tolist() == ["shop"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {},
            "app: no Kubernetes manifests in the folder (no .yaml, .yml or .json file); give a "
            "folder of manifests, such as helm template --output-dir gives, or the folder of "
            "tables planner collect writes (with workloads.csv)",
        ),
        (
            {"a.yaml": "", "b/c.yml": "# nothing\n---\n", "notes.txt": "hello\n"},
            "app: no Kubernetes manifests in the folder (2 files without objects); give a folder "
            "of manifests, such as helm template --output-dir gives, or the folder of tables "
            "planner collect writes (with workloads.csv)",
        ),
        (
            {"templates/deploy.yaml": yaml.safe_dump(deployment("web")), "values.yaml": "x: 1\n"},
            "app/values.yaml object 1: kind is missing; every object needs apiVersion, kind and "
            "metadata.name (every .yaml, .yml and .json file under an --inventory folder is read "
            "as Kubernetes manifests: render a chart with helm template first, and keep other "
            "files elsewhere)",
        ),
        (
            {
                "sa.yaml": yaml.safe_dump(
                    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}}
                )
            },
            "app: no workloads in the folder's manifests (it holds 1 ServiceAccount); give "
            "manifests holding workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, "
            "Rollout, DeploymentConfig, Job, CronJob, Pod)",
        ),
        (
            {"web.yaml": yaml.safe_dump(deployment("web")), "bad/web.json": "{"},
            "app/bad/web.json line 1: not valid JSON (Expecting property name enclosed in double "
            "quotes); fix the file or export it again with kubectl get -o json",
        ),
    ],
    ids=["empty", "nothing-readable", "chart-values", "no-workloads", "bad-file"],
)
def test_a_folder_without_usable_manifests_is_one_error_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    (tmp_path / "app").mkdir()
    for relative, text in files.items():
        (tmp_path / "app" / relative).parent.mkdir(parents=True, exist_ok=True)
        write(tmp_path / "app" / relative, text)
    run = run_cli(["size", "--inventory", "app"], cwd=tmp_path)
    assert run == Run(exit_code=1, stdout="", stderr=f"Error: {message}\n")
    assert not (tmp_path / "planner-out").exists()


def test_services_table_with_a_folder_of_manifests_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    manifest(tmp_path / "app" / "web.yaml", deployment("web"))
    write(tmp_path / "services.csv", "namespace,service\ndefault,web\n")
    run = run_cli(["size", "--inventory", "app", "--services", "services.csv"], cwd=tmp_path)
    assert run == Run(
        exit_code=1,
        stdout="",
        stderr="Error: services.csv: --services cannot be combined with a manifest inventory "
        "(app holds the Services already); leave --services out\n",
    )
