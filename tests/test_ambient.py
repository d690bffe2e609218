"""Istio in ambient mode: ztunnel and istio-cni per node sized for the busiest node, ztunnel's
memory following the cluster's size (not the pods on its node), waypoints from the L7 traffic,
istiod, detection from manifests, and Helm values every key of which the charts have."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.plan import Plan, Role
from tests.conftest import (
    DATA,
    FIXTURES,
    SAMPLE_ARGS,
    assert_golden,
    assert_golden_tree,
    run_cli,
    write,
)
from tests.test_helm import DISCOVERY_DEFAULTS, ISTIOD_ALLOWED, unknown_paths

AMBIENT = FIXTURES / "istio-ambient"
MIB = 2**20


def _plan(folder: Path, out: str = "planner-out") -> Plan:
    return Plan.model_validate_json((folder / out / "plan.json").read_bytes())


def _values(plan: Plan) -> dict[str, float]:
    return {a.name: a.value for a in plan.assumptions}


def _run(folder: Path, *extra: str, out: str = "planner-out") -> Plan:
    run = run_cli([*SAMPLE_ARGS, "--mesh", "istio-ambient", *extra, "-o", out], cwd=folder)
    assert run.exit_code == 0, run.stderr
    return _plan(folder, out)


def test_without_nodes_ambient_cannot_be_sized(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--mesh", "istio-ambient"], cwd=sample)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: Istio ambient runs a ztunnel and an istio-cni agent on every node: give the "
        "nodes with --nodes N (a cluster being planned) or --nodes nodes.csv (a nodes table), "
        "or a pod table with a node column\n"
    )
    assert not (sample / "planner-out").exists()


def test_node_agents_run_one_per_node_sized_for_the_busiest(sample: Path) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    plan = _run(sample, "--nodes", "nodes.csv")
    ztunnel = plan.control_plane.component("ztunnel")
    cni = plan.control_plane.component("istio-cni")
    istiod = plan.control_plane.component("istiod")
    assert (ztunnel.per_node, cni.per_node, istiod.per_node) == (True, True, False)
    assert ztunnel.replicas == cni.replicas == 6
    assert all(w.proxy is None for w in plan.workloads)
    # the busiest node runs 31 of the sample's 176 pods: its share of the captured traffic
    captured = [w for w in plan.workloads if w.mesh_injected and w.role is Role.WORKLOAD]
    rps = sum(w.inbound_rps + w.outbound_rps for w in captured)
    assert ztunnel.driver("busiest_node_rps") == pytest.approx(rps * 31 / 176, abs=1e-3)
    values = _values(plan)
    cpu = (
        ztunnel.driver("busiest_node_rps")
        / 1000
        * values["version.ztunnel_cpu_per_1000_rps_millicores"]
        + values["ztunnel.idle_cpu_millicores"]
    )
    assert ztunnel.per_replica.estimated_cpu_millicores == pytest.approx(cpu, abs=1e-3)
    # one request for every node: the node agents' totals are replicas x that request
    agents = plan.totals.node_agents
    assert agents.pods == 12
    assert agents.cpu_request_cores == pytest.approx(
        6
        * (ztunnel.per_replica.cpu_request_millicores + cni.per_replica.cpu_request_millicores)
        / 1000,
        abs=1e-3,
    )
    assert plan.totals.sidecars.pods == 0
    assert plan.totals.mesh.pods == agents.pods + plan.totals.gateways.pods + istiod.replicas
    assert "ztunnel-sized-for-busiest-node" in {f.code for f in plan.findings}


def _cluster(pods_per_workload: int, workloads: int) -> str:
    lines = ["namespace,workload,replicas,rps,outbound_rps"]
    lines += [f"ns,app-{i},{pods_per_workload},10,10" for i in range(workloads)]
    return "\n".join(lines) + "\n"


def _ztunnel_memory(folder: Path, cluster: str, nodes: str, out: str) -> float:
    write(folder / f"{out}.csv", cluster)
    args = ["size", "-i", f"{out}.csv", "--mesh", "istio-ambient", "--nodes", nodes, "-o", out]
    run = run_cli(args, cwd=folder)
    assert run.exit_code == 0, run.stderr
    return _plan(folder, out).control_plane.component("ztunnel").per_replica.estimated_memory_mib


def test_ztunnel_memory_follows_the_cluster_not_the_pods_on_its_node(tmp_path: Path) -> None:
    cluster = _cluster(10, 100)  # 1,000 pods
    few_nodes = _ztunnel_memory(tmp_path, cluster, "5", "few")
    many_nodes = _ztunnel_memory(tmp_path, cluster, "200", "many")
    assert few_nodes == many_nodes  # 200 or 5 pods per node: the same state
    larger = _ztunnel_memory(tmp_path, _cluster(20, 100), "200", "larger")  # twice the pods
    assert larger > many_nodes
    assert larger - many_nodes == pytest.approx(1000 * 2624 / MIB, abs=1e-3)


def test_a_very_large_cluster_needs_the_charts_request(tmp_path: Path) -> None:
    """The ztunnel chart's note: 512Mi is "enough for ~200k pod cluster"."""
    memory = _ztunnel_memory(tmp_path, _cluster(100, 2000), "1000", "huge")  # 200,000 pods
    assert memory == pytest.approx(11.44 + 200_000 * 2624 / MIB, abs=1e-3)
    assert 505 < memory <= 512


def test_waypoints_carry_the_l7_traffic_into_their_namespace(sample: Path) -> None:
    plan = _run(sample, "--nodes", "6", "--waypoints", "namespace")
    waypoints = {g.namespace: g for g in plan.gateways if g.role is Role.WAYPOINT}
    captured = [w for w in plan.workloads if w.mesh_injected and w.role is Role.WORKLOAD]
    namespaces = {w.namespace for w in captured}
    assert set(waypoints) == namespaces
    for namespace, waypoint in waypoints.items():
        into = sum(w.inbound_rps for w in captured if w.namespace == namespace)
        assert waypoint.workload == "waypoint"
        assert waypoint.throughput_rps == pytest.approx(into, abs=1e-3)
        assert waypoint.replicas >= 2
    none = _run(sample, "--nodes", "6", "--waypoints", "none", out="none")
    assert not [g for g in none.gateways if g.role is Role.WAYPOINT]
    assert "ambient-no-waypoints" in {f.code for f in none.findings}


MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio.io/dataplane-mode: ambient
    istio.io/use-waypoint: waypoint
---
apiVersion: v1
kind: Namespace
metadata:
  name: batch
---
"""
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}{extra}
    spec:
      containers:
      - name: app
        image: x
---
"""


def test_manifests_say_which_pods_are_captured_and_use_a_waypoint(tmp_path: Path) -> None:
    text = (
        MANIFEST
        + APP.format(name="web", namespace="shop", extra="")
        + APP.format(
            name="legacy", namespace="shop", extra="\n        istio.io/dataplane-mode: none"
        )
        + APP.format(name="job", namespace="batch", extra="")
    )
    write(tmp_path / "app.yaml", text)
    run = run_cli(["size", "-i", "app.yaml", "--nodes", "3"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert "Mesh: Istio, ambient mode (detected from the manifests: Namespace shop" in run.stderr
    plan = _plan(tmp_path)
    captured = {w.workload: w.mesh_injected for w in plan.workloads}
    assert captured == {"web": True, "legacy": False, "job": False}
    assert [(g.namespace, g.workload) for g in plan.gateways if g.role is Role.WAYPOINT] == [
        ("shop", "waypoint")
    ]


def _documents(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _defaults(name: str) -> Any:
    return yaml.safe_load((AMBIENT / name).read_text("utf-8"))["_internal_defaults_do_not_set"]


def test_helm_values_use_only_keys_the_charts_have(sample: Path) -> None:
    args = ["--mesh", "istio-ambient", "--nodes", "6", "--waypoints", "namespace", "-f", "helm"]
    run = run_cli([*SAMPLE_ARGS, *args], cwd=sample)
    assert run.exit_code == 0, run.stderr
    plan = _plan(sample)
    helm = sample / "planner-out" / "helm"
    (ztunnel,) = _documents((helm / "ztunnel-values.yaml").read_text("utf-8"))
    (cni,) = _documents((helm / "istio-cni-values.yaml").read_text("utf-8"))
    (istiod,) = _documents((helm / "istiod-values.yaml").read_text("utf-8"))
    # resources are a Kubernetes ResourceRequirements the charts render whole (toYaml)
    free: dict[tuple[str, ...], str] = {("resources", "limits", "memory"): "ResourceRequirements"}
    assert unknown_paths(ztunnel, _defaults("ztunnel-values.yaml"), free) == []
    assert unknown_paths(cni, _defaults("istio-cni-values.yaml"), free) == []
    assert unknown_paths(istiod, DISCOVERY_DEFAULTS, ISTIOD_ALLOWED) == []
    component = plan.control_plane.component("ztunnel").per_replica
    assert ztunnel["resources"]["requests"] == {
        "cpu": f"{component.cpu_request_millicores}m",
        "memory": f"{component.memory_request_mib}Mi",
    }
    assert "cpu" not in ztunnel["resources"]["limits"]  # never throttle a node's traffic
    assert cni["ambient"]["enabled"] is True
    largest = max(
        (g for g in plan.gateways if g.role is Role.WAYPOINT),
        key=lambda g: (g.per_replica.memory_request_mib, g.per_replica.cpu_request_millicores),
    )
    waypoint = istiod["global"]["waypoint"]["resources"]
    assert waypoint["requests"]["cpu"] == f"{largest.per_replica.cpu_request_millicores}m"
    # the waypoint template renders exactly this key into every waypoint's container
    template = (AMBIENT / "waypoint-template.yaml").read_text("utf-8")
    assert "toYaml (omitNil .Values.global.waypoint.resources)" in template
    assert sorted(p.name for p in helm.iterdir()) == [
        "gateway-values.istio-system.istio-ingressgateway.yaml",
        "istio-cni-values.yaml",
        "istiod-values.yaml",
        "ztunnel-values.yaml",
    ]


def test_the_profile_cites_figures_that_exist() -> None:
    text = (DATA / "published-figures.csv").read_text("utf-8")
    known = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    profile = (
        Path(__file__).parent.parent / "planner/meshes/istio_ambient/profile.yaml"
    ).read_text("utf-8")
    cited = set()
    for line in profile.splitlines():
        if "figure_ids:" in line:
            cited |= {i.strip() for i in line.split("[", 1)[1].rstrip("]").split(",")}
    assert {"perf-097", "perf-099", "defaults-031", "defaults-033"} <= cited
    assert cited <= known, sorted(cited - known)


def test_ambient_sample_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    shutil.copy(DATA / "nodes.csv", sample / "nodes.csv")
    args = [*SAMPLE_ARGS, "--mesh", "istio-ambient", "--nodes", "nodes.csv"]
    args += ["--waypoints", "namespace", "--inputs-date", "2026-11-20", "-f", "helm"]
    run = run_cli(args, cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert_golden("ambient-sample-summary.txt", run.stderr.encode("utf-8"), update_golden)
    out = sample / "planner-out"
    assert_golden("ambient-sample-plan.json", (out / "plan.json").read_bytes(), update_golden)
    files = {
        str(p.relative_to(out / "helm")): p.read_bytes()
        for p in sorted((out / "helm").rglob("*"))
        if p.is_file()
    }
    assert_golden_tree("ambient-sample-helm", files, update_golden)


def test_waypoints_apply_to_ambient_only(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--waypoints", "namespace"], cwd=sample)
    assert run.exit_code == 2
    assert run.stderr == (
        "Error: --waypoints namespace: waypoints are Istio ambient's; this run sizes Istio, "
        "sidecar mode (use --mesh istio-ambient, or leave --waypoints out)\n"
    )
    assert not (sample / "planner-out").exists()


MIXED = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio.io/dataplane-mode: ambient
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    istio-injection: enabled
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: billing
  namespace: legacy
spec:
  selector:
    app: billing
  ports:
  - port: 80
---
"""


def _mixed(folder: Path) -> None:
    text = (
        MIXED
        + APP.format(name="web", namespace="shop", extra="")
        + APP.format(
            name="cart", namespace="shop", extra="\n        sidecar.istio.io/inject: 'true'"
        )
        + APP.format(name="billing", namespace="legacy", extra="")
    )
    write(folder / "app.yaml", text)
    write(
        folder / "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "shop,web,legacy,billing,400\n",
    )


def test_a_mixed_cluster_keeps_its_sidecars_at_the_sidecar_modes_figures(tmp_path: Path) -> None:
    """Namespaces in ambient and in sidecar mode in one run: a pod a label asks a sidecar for
    keeps it (it takes precedence over ztunnel), sized as the sidecar mode sizes it."""
    _mixed(tmp_path)
    args = ["size", "-i", "app.yaml", "--traffic", "traffic.csv", "--nodes", "3"]
    run = run_cli([*args, "-f", "json", "-f", "helm", "-f", "kustomize"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert (
        "Mesh: Istio, ambient mode (detected from the manifests: Namespace shop "
        "(istio.io/dataplane-mode), with Istio: Namespace legacy (istio-injection) (a mixed "
        "cluster: Istio ambient rules read both))" in run.stderr
    )
    plan = _plan(tmp_path)
    with_sidecar = {w.workload for w in plan.workloads if w.proxy is not None}
    assert with_sidecar == {"billing", "cart"}
    assert all(w.mesh_injected for w in plan.workloads)
    mixed = next(f for f in plan.findings if f.code == "ambient-mixed-with-sidecars")
    assert mixed.subject == "2 workloads"
    # ztunnel carries the captured pods only: web's 400 rps out, not billing's 400 in
    ztunnel = plan.control_plane.component("ztunnel")
    assert ztunnel.driver("busiest_node_rps") == pytest.approx(400 * 2 / 6, abs=1e-3)
    # istiod serves the ztunnels and the sidecars
    istiod = plan.control_plane.component("istiod")
    assert istiod.driver("connected_proxies") == 3 + 4
    # the same sidecars as a sidecar-mode run of the same manifests, seeing the whole mesh
    sidecar_args = [*args, "--mesh", "istio-sidecar", "--size-for", "unscoped", "-o", "sc"]
    run = run_cli(sidecar_args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    alone = {w.workload: w.proxy for w in _plan(tmp_path, "sc").workloads if w.proxy}
    assert set(alone) == {"billing", "cart"}
    for workload in plan.workloads:
        if workload.proxy is not None:
            assert workload.proxy == alone[workload.workload]
    values = _values(plan)
    billing = next(w for w in plan.workloads if w.workload == "billing")
    assert billing.proxy is not None
    assert billing.proxy.estimated_cpu_millicores == pytest.approx(
        values["proxy.idle_cpu_millicores"]
        + 200 / 1000 * values["version.sidecar_cpu_per_1000_rps_millicores"],
        abs=1e-3,
    )
    # hand-over: the sidecars' default in istiod's values, patches in kustomize/
    out = tmp_path / "planner-out"
    istiod_values = yaml.safe_load((out / "helm" / "istiod-values.yaml").read_text("utf-8"))
    assert set(istiod_values["global"]) == {"proxy", "waypoint"}
    default = istiod_values["global"]["proxy"]["resources"]["requests"]
    assert default["cpu"] == f"{plan.proxy_default.cpu_request_millicores}m"
    assert (out / "kustomize" / "kustomization.yaml").is_file()


def test_without_sidecars_istiod_values_set_the_waypoints_alone(tmp_path: Path) -> None:
    write(tmp_path / "app.yaml", MANIFEST + APP.format(name="web", namespace="shop", extra=""))
    run = run_cli(["size", "-i", "app.yaml", "--nodes", "3", "-f", "helm"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    values = yaml.safe_load(
        (tmp_path / "planner-out" / "helm" / "istiod-values.yaml").read_text("utf-8")
    )
    assert set(values["global"]) == {"waypoint"}


def test_a_tables_pod_labels_ask_for_a_sidecar(tmp_path: Path) -> None:
    write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,rps,labels\n"
        "shop,web,2,100,app=web\n"
        "shop,cart,2,100,app=cart;sidecar.istio.io/inject=true\n"
        "shop,pay,2,100,app=pay;istio.io/rev=canary\n"
        "shop,ledger,2,100,app=ledger;sidecar.istio.io/inject=false\n",
    )
    args = ["size", "-i", "cluster.csv", "--mesh", "istio-ambient", "--nodes", "2"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = _plan(tmp_path)
    assert {w.workload for w in plan.workloads if w.proxy is not None} == {"cart", "pay"}
    ztunnel = plan.control_plane.component("ztunnel")
    assert ztunnel.driver("busiest_node_pods") == pytest.approx(2 * 2 / 2)  # web and ledger


SERVICE_ACCOUNTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio.io/dataplane-mode: ambient
---
""" + "".join(
    f"""\
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
  - port: 9090
---
"""
    for name in ("web", "cart", "admin")
)


def _with_account(name: str, account: str) -> str:
    text = APP.format(name=name, namespace="shop", extra="")
    if not account:
        return text
    return text.replace("    spec:\n", f"    spec:\n      serviceAccountName: {account}\n")


def test_waypoints_per_service_account_hold_only_their_services(tmp_path: Path) -> None:
    """--waypoints service-account: a waypoint per service account the captured pods run as
    (a pod template without one runs as `default`); a waypoint holds the Services bound to it,
    not the whole mesh (the ingress gateway still does)."""
    text = (
        SERVICE_ACCOUNTS
        + _with_account("web", "storefront")
        + _with_account("cart", "storefront")
        + _with_account("admin", "")
    )
    write(tmp_path / "app.yaml", text)
    run = run_cli(
        ["size", "-i", "app.yaml", "--nodes", "2", "--waypoints", "service-account"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stderr
    plan = _plan(tmp_path)
    waypoints = {g.workload: g for g in plan.gateways if g.role is Role.WAYPOINT}
    assert sorted(waypoints) == ["default-waypoint", "storefront-waypoint"]
    fixed = int(_values(plan)["proxy.fixed_clusters"])
    # storefront: web's and cart's Services, two ports each; default: admin's
    assert waypoints["storefront-waypoint"].per_replica.visible_clusters == fixed + 4
    assert waypoints["storefront-waypoint"].per_replica.visible_endpoints == 2 * 2 * 2
    assert waypoints["default-waypoint"].per_replica.visible_clusters == fixed + 2
    assert "waypoint-service-accounts-assumed" not in {f.code for f in plan.findings}


def test_a_table_gives_a_waypoint_per_workload_and_says_so(tmp_path: Path) -> None:
    write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,rps\nshop,web,2,100\nshop,cart,2,50\n",
    )
    args = ["size", "-i", "cluster.csv", "--mesh", "istio-ambient", "--nodes", "2"]
    run = run_cli([*args, "--waypoints", "service-account"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = _plan(tmp_path)
    waypoints = {g.workload: g.throughput_rps for g in plan.gateways if g.role is Role.WAYPOINT}
    assert waypoints == {"cart-waypoint": 50, "web-waypoint": 100}
    assumed = next(f for f in plan.findings if f.code == "waypoint-service-accounts-assumed")
    assert assumed.subject == "2 workloads"
