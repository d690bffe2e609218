"""Migration off App Mesh (`--migrate-to`): every target sized for the same workloads, its scoping
from the declared backends (each workload reaches exactly what its VirtualNode declares, plus what
the target needs), and its hand-over files accepted by the same checks as that mesh's own runs.

The App Mesh walkthroughs and their hand-derived call graphs are in
tests/fixtures/apps/appmesh/ (see its SOURCES.md)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from models.knobs import MIGRATION_DIR
from models.plan import Confidence, Plan
from planner.inputs.load import read_inventory
from planner.scoping.callgraph import DECLARED_REASON
from tests.conftest import (
    FIXTURES,
    SAMPLE_ARGS,
    assert_golden,
    assert_golden_tree,
    require_tool,
    run_cli,
    write,
)
from tests.crd import schema_for, strict
from tests.test_helm import (
    DISCOVERY_DEFAULTS,
    GATEWAY_DEFAULTS,
    ISTIOD_ALLOWED,
    gateway_schema_errors,
    unknown_paths,
)

APPMESH = FIXTURES / "apps" / "appmesh"
APPS = sorted(p.stem for p in APPMESH.glob("howto-*.yaml") if ".dependencies" not in p.name)
TARGETS = ("istio", "linkerd", "consul")
FOLDERS = {"istio": "istio-sidecar", "linkerd": "linkerd", "consul": "consul"}


def _truth(app: str) -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(
        (APPMESH / f"{app}.dependencies.yaml").read_text("utf-8")
    )
    return found


def declared_services(app: str) -> dict[str, set[str]]:
    """Per caller, the Services its backends resolve to (dialed and routed to), from the truth."""
    out: dict[str, set[str]] = {}
    for call in _truth(app)["calls"]:
        services = set(call["dials"]) | {s for s, _ in call["lands_on"] if s}
        out.setdefault(call["caller"], set()).update(services)
    return out


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each walkthrough migrated to every target, with every hand-over format."""
    outs = {}
    for app in APPS:
        folder = tmp_path_factory.mktemp(app)
        args = ["size", "-i", str(APPMESH / f"{app}.yaml"), "-o", "out", "-f", "kustomize"]
        run = run_cli([*args, *(x for t in TARGETS for x in ("--migrate-to", t))], cwd=folder)
        assert run.exit_code == 0, run.stderr
        outs[app] = folder / "out"
    return outs


def target_plan(out: Path, target: str) -> Plan:
    path = out / MIGRATION_DIR / FOLDERS[target] / "plan.json"
    return Plan.model_validate_json(path.read_bytes())


def test_every_target_is_sized_for_the_same_workloads(migrated: dict[str, Path]) -> None:
    for app, out in migrated.items():
        today = Plan.model_validate_json((out / "plan.json").read_bytes())
        assert today.migration is not None
        assert today.migration.call_graph == "declared"
        assert [t.mesh for t in today.migration.targets] == ["istio-sidecar", "linkerd", "consul"]
        meshed = {(w.namespace, w.workload) for w in today.workloads if w.mesh_injected}
        for target, record in zip(TARGETS, today.migration.targets, strict=True):
            plan = target_plan(out, target)
            assert plan.profile.mesh == record.mesh
            assert {(w.namespace, w.workload) for w in plan.workloads if w.mesh_injected} == meshed
            # the comparison is the target's own plan, against today's
            assert record.totals == plan.totals
            for field, value in record.difference.model_dump().items():
                assert value == pytest.approx(
                    getattr(plan.totals.mesh, field) - getattr(today.totals.mesh, field), abs=1e-3
                ), (app, target, field)
            # the targets describe other proxies than the ones measured today
            assert plan.knobs.use_observed is False
            assert record.manual_steps
            assert record.folder == f"{MIGRATION_DIR}/{FOLDERS[target]}"
            assert "plan.json" in record.files
            for entry in record.files:
                assert (out / record.folder / entry.rstrip("/")).exists()


@pytest.mark.parametrize("app", APPS)
def test_istio_sidecars_hold_exactly_the_declared_backends(
    migrated: dict[str, Path], app: str
) -> None:
    """Recall 1 and nothing more: each workload's egress hosts are its declared backends' hosts
    and the root namespace; a meshed workload no VirtualNode selects falls back, and says why."""
    plan = target_plan(migrated[app], "istio")
    namespace = _truth(app)["namespace"]
    backends = declared_services(app)
    assert plan.scoping is not None
    assert plan.scoping.call_graph == "declared"
    by_workload = {w: s for s in plan.scoping.sidecars for w in s.workloads}
    gateways = set(_truth(app)["gateways"])
    callers_declared = _declared_callers(app)
    for workload in plan.workloads:
        if not workload.mesh_injected or workload.workload in gateways:
            continue
        sidecar = by_workload[workload.workload]
        assert workload.scoping is not None
        if workload.workload not in callers_declared:
            assert workload.scoping.confidence is Confidence.FALLBACK
            assert "no VirtualNode selects it" in workload.scoping.reason
            continue
        expected = {
            f"{namespace}/{s}.{namespace}.svc.cluster.local"
            for s in backends.get(workload.workload, ())
        } | {"istio-system/*"}
        assert set(sidecar.egress_hosts) == expected, workload.workload
        assert workload.scoping.confidence is Confidence.HIGH
        assert sidecar.reason == DECLARED_REASON
    # a Service is exported to its callers' namespace only, unless a gateway or nobody calls it
    for export in plan.scoping.exports:
        called = any(export.service in s for s in backends.values())
        if called and not set(backends) & gateways:
            assert export.export_to == (".",), export


def _declared_callers(app: str) -> set[str]:
    """Workloads a VirtualNode or VirtualGateway selects (callers whose calls are declared)."""
    documents = [d for d in yaml.safe_load_all((APPMESH / f"{app}.yaml").read_text("utf-8")) if d]
    selectors = [
        d["spec"]["podSelector"].get("matchLabels", {})
        for d in documents
        if d.get("kind") in ("VirtualNode", "VirtualGateway") and d["spec"].get("podSelector")
    ]
    out = set()
    for d in documents:
        if d.get("kind") != "Deployment":
            continue
        labels = d["spec"]["template"]["metadata"].get("labels", {})
        if any(all(labels.get(k) == v for k, v in s.items()) for s in selectors):
            out.add(d["metadata"]["name"])
    return out


@pytest.mark.parametrize("app", APPS)
def test_consul_intentions_allow_exactly_the_declared_backends(
    migrated: dict[str, Path], app: str
) -> None:
    """Every declared (caller, Consul service) is allowed, and no other pair: the default deny
    stands for everything else."""
    plan = target_plan(migrated[app], "consul")
    assert plan.scoping is not None
    assert plan.scoping.call_graph == "declared"
    services = {i.destination for i in plan.scoping.intentions if i.destination != "*"}
    consul_names = _consul_names(app)
    expected = {
        (consul_names[caller], service)
        for caller, called in declared_services(app).items()
        for service in called
        if service in consul_names.values() and caller in consul_names
    }
    allowed = {
        (source.name, intention.destination)
        for intention in plan.scoping.intentions
        for source in intention.sources
        if source.action == "allow"
    }
    assert allowed == expected
    assert services == {service for _, service in expected}
    deny = next(i for i in plan.scoping.intentions if i.destination == "*")
    assert [(s.name, s.action) for s in deny.sources] == [("*", "deny")]
    for intention in plan.scoping.intentions:
        for source in intention.sources:
            if source.action == "allow":
                assert source.reason == "declared: a backend of its App Mesh VirtualNode"


def _consul_names(app: str) -> dict[str, str]:
    """Workload -> the Consul service it registers as: the one Service selecting its pods."""
    backing = read_inventory(APPMESH / f"{app}.yaml").backing
    return dict(zip(backing["workload"], backing["service"], strict=True))


def test_linkerd_has_nothing_to_scope_and_says_so(migrated: dict[str, Path]) -> None:
    for out in migrated.values():
        plan = target_plan(out, "linkerd")
        assert plan.scoping is None
        today = Plan.model_validate_json((out / "plan.json").read_bytes())
        assert today.migration is not None
        record = today.migration.targets[1]
        assert record.scoping_mechanism == "none"
        assert record.scoping_resources == 0
        assert record.scoping_note == plan.scoping_note


# ---- the targets' files pass the checks of that mesh's own runs ---------------------------------


@pytest.mark.parametrize("app", APPS)
def test_istio_target_files_pass_the_crd_schema_and_the_chart(
    migrated: dict[str, Path], app: str
) -> None:
    folder = migrated[app] / MIGRATION_DIR / "istio-sidecar"
    documents = [d for d in yaml.safe_load_all((folder / "sidecars.yaml").read_text()) if d]
    assert documents
    for document in documents:
        body = {"spec": document["spec"]}
        jsonschema.validate(body, schema_for(document["apiVersion"]))
    (values,) = list(yaml.safe_load_all((folder / "helm/istiod-values.yaml").read_text()))
    assert unknown_paths(values, DISCOVERY_DEFAULTS, ISTIOD_ALLOWED) == []
    for path in (folder / "helm").glob("gateway-values.*.yaml"):
        (gateway,) = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert unknown_paths(gateway, GATEWAY_DEFAULTS) == []
        assert gateway_schema_errors(gateway) == []


@pytest.mark.parametrize("app", APPS)
def test_consul_and_linkerd_target_files_pass_their_charts(
    migrated: dict[str, Path], app: str
) -> None:
    from tests.test_consul import CONSUL, _key_paths
    from tests.test_linkerd import _chart_paths

    folder = migrated[app] / MIGRATION_DIR
    values = yaml.safe_load((folder / "consul/helm/consul-values.yaml").read_text())
    chart = _key_paths(yaml.safe_load((CONSUL / "consul-values.yaml").read_text("utf-8")))
    assert sorted({p for p in _key_paths(values) if ".resources." not in p} - chart) == []
    crd = yaml.safe_load((CONSUL / "crd-serviceintentions.yaml").read_text("utf-8"))
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    schema = strict(version["schema"]["openAPIV3Schema"])
    intentions = [
        d
        for path in sorted((folder / "consul/kustomize").rglob("intentions.yaml"))
        for d in yaml.safe_load_all(path.read_text())
        if d
    ]
    assert intentions
    for document in intentions:
        jsonschema.validate(document, schema)
    linkerd = yaml.safe_load(
        (folder / "linkerd/helm/linkerd-control-plane-values.yaml").read_text()
    )
    assert sorted(_key_paths(linkerd) - _chart_paths()) == []


@pytest.mark.parametrize("target", TARGETS)
def test_kubectl_builds_each_targets_overlay_over_the_app(
    migrated: dict[str, Path], target: str, tmp_path: Path
) -> None:
    kubectl = require_tool("kubectl")
    for app, out in migrated.items():
        base = tmp_path / app / "base"
        base.mkdir(parents=True)
        (base / "app.yaml").write_bytes((APPMESH / f"{app}.yaml").read_bytes())
        (base / "kustomization.yaml").write_text("resources:\n- app.yaml\n", "utf-8")
        overlay = tmp_path / app / "overlay"
        overlay.mkdir()
        component = os.path.relpath(out / MIGRATION_DIR / FOLDERS[target] / "kustomize", overlay)
        (overlay / "kustomization.yaml").write_text(
            f"resources:\n- ../base\ncomponents:\n- {component}\n", "utf-8"
        )
        done = subprocess.run(
            [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        built = [d for d in yaml.safe_load_all(done.stdout) if d]
        kinds = {d["kind"] for d in built}
        if target == "istio":
            assert "Sidecar" in kinds
        if target == "consul":
            assert "ServiceIntentions" in kinds
        # the app itself is unchanged but for the target's owned fields
        assert {"Deployment", "Service"} <= kinds


# ---- the comparison and the flag ---------------------------------------------------------------


def test_the_summary_shows_the_migration_side_by_side(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    run = run_cli(["size", "-i", str(app), "--migrate-to", "linkerd", "-o", "out"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_bytes())
    target = plan["migration"]["targets"][0]
    lines = run.stderr.splitlines()
    start = lines.index(
        "Migration off AWS App Mesh (requests in cores / GiB; scoping from the declared call "
        "graph):"
    )
    header, today, linkerd = lines[start + 1 : start + 4]
    assert header.split() == [
        "mesh", "version", "sidecars", "gateways", "control", "plane", "total", "used", "vs",
        "today",
    ]  # fmt: skip
    assert today.startswith("  AWS App Mesh (today)  1.34")
    mesh = target["totals"]["mesh"]
    difference = target["difference"]
    assert linkerd.split()[-9:] == [
        f"{mesh['cpu_request_cores']:.2f}",
        "/",
        f"{mesh['memory_request_gib']:.2f}",
        f"{mesh['estimated_cpu_cores']:.2f}",
        "/",
        f"{mesh['estimated_memory_gib']:.2f}",
        f"{difference['cpu_request_cores']:+.2f}",
        "/",
        f"{difference['memory_request_gib']:+.2f}",
    ]
    assert lines[start + 4] == f"  Linkerd: {MIGRATION_DIR}/linkerd/ (scoping: none needed)"
    assert sorted(p.name for p in (tmp_path / "out" / MIGRATION_DIR / "linkerd").iterdir()) == [
        "helm",
        "kustomize",
        "plan.json",
    ]


def test_ambient_needs_the_nodes_and_then_sits_beside_the_others(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    args = ["size", "-i", str(app), "--migrate-to", "istio", "--migrate-to", "istio-ambient"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr.startswith(
        "Error: Istio ambient runs a ztunnel and an istio-cni agent on every node: give the nodes"
    )
    assert not (tmp_path / "planner-out").exists()
    run = run_cli([*args, "--nodes", "3", "--waypoints", "namespace"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.migration is not None
    ambient = plan.migration.targets[1]
    assert (ambient.mesh, ambient.scoping_mechanism) == ("istio-ambient", "none")
    assert "helm/" in ambient.files
    target = Plan.model_validate_json(
        (tmp_path / "planner-out" / MIGRATION_DIR / "istio-ambient" / "plan.json").read_bytes()
    )
    assert target.control_plane.component("ztunnel").replicas == 3
    assert ambient.totals == target.totals


def test_a_migration_starts_from_app_mesh(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--migrate-to", "linkerd"], cwd=sample)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --migrate-to: a migration plan starts from AWS App Mesh (its declared backends "
        "give the targets' scoping); this inventory is sized as Istio, sidecar mode. Give an App "
        "Mesh inventory, or size each mesh with --mesh\n"
    )
    assert not (sample / "planner-out").exists()


def test_an_app_mesh_inventory_sized_as_another_mesh_does_not_migrate(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    run = run_cli(
        ["size", "-i", str(app), "--migrate-to", "consul", "--mesh", "consul"], cwd=tmp_path
    )
    assert run.exit_code == 1
    assert run.stderr.startswith("Error: --migrate-to: a migration plan starts from AWS App Mesh")


# ---- traffic checked against the declaration ----------------------------------------------------

HEADER = "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
FRONT = "howto-k8s-http-headers,front,howto-k8s-http-headers,color-blue,100\n"
BLUE = "howto-k8s-http-headers,blue,howto-k8s-http-headers,front,2\n"
TRAFFIC = HEADER + FRONT + BLUE


def test_traffic_is_checked_against_the_declared_backends(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    traffic = write(tmp_path / "traffic.csv", TRAFFIC)
    args = ["size", "-i", str(app), "--traffic", str(traffic), "--traffic-window", "7d"]
    run = run_cli([*args, "--migrate-to", "istio"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    findings = {f.code: f for f in plan.findings}
    extra = findings["observed-not-declared"]
    assert extra.subject == "1 call"
    assert extra.message.endswith("(howto-k8s-http-headers/blue -> howto-k8s-http-headers/front)")
    # front's one backend (VirtualService color) was observed through a Service it routes to
    assert "declared-not-observed" not in findings
    assert plan.migration is not None
    assert plan.migration.call_graph == "declared and observed"
    istio = target_plan(tmp_path / "planner-out", "istio")
    assert istio.scoping is not None
    blue = next(s for s in istio.scoping.sidecars if s.name == "blue")
    # the observed call is kept: a migrated mesh must not cut what runs today
    assert "howto-k8s-http-headers/front.howto-k8s-http-headers.svc.cluster.local" in (
        blue.egress_hosts
    )


def test_a_backend_never_called_over_the_window_is_a_finding(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    traffic = write(tmp_path / "traffic.csv", HEADER + BLUE)
    args = ["size", "-i", str(app), "--traffic", str(traffic), "--traffic-window", "7d"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    unseen = next(f for f in plan.findings if f.code == "declared-not-observed")
    assert unseen.subject == "1 backend"
    assert unseen.message == (
        "declared but never observed over 7d: a migrated mesh's scoping keeps them (they are "
        "declared); remove a backend that is no longer called, or keep it for a rare path "
        "(howto-k8s-http-headers/front -> color)"
    )


def test_a_short_window_does_not_claim_backends_are_unused(tmp_path: Path) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    traffic = write(tmp_path / "traffic.csv", TRAFFIC)
    args = ["size", "-i", str(app), "--traffic", str(traffic), "--traffic-window", "1h"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    codes = {f.code: f for f in plan.findings}
    assert "declared-not-observed" not in codes
    assert codes["declared-not-checked"].message.startswith(
        "not checked for calls never observed: traffic observed over 1h"
    )


def test_the_manual_steps_count_what_must_be_done_by_hand(migrated: dict[str, Path]) -> None:
    def steps(app: str) -> tuple[str, ...]:
        plan = Plan.model_validate_json((migrated[app] / "plan.json").read_bytes())
        assert plan.migration is not None
        return plan.migration.manual_steps

    assert steps("howto-k8s-http-headers")[0] == (
        "Routes are not translated: 1 VirtualRouter with 5 routes (0 weighted, 0 with retries "
        "or timeouts) and 0 GatewayRoutes; write the target's routing objects from them (each "
        "target's steps name its objects)"
    )
    cloudmap = steps("howto-k8s-cloudmap")
    assert cloudmap[0].startswith("Routes are not translated: 2 VirtualRouters with 2 routes (1 ")
    assert cloudmap[1].startswith(
        "2 workloads found through AWS Cloud Map (howto-k8s-cloudmap/colorapp-blue, "
        "howto-k8s-cloudmap/colorapp-red) have no Kubernetes Service"
    )
    assert steps("howto-k8s-ingress-gateway")[0].startswith(
        "Routes are not translated: 2 VirtualRouters with 10 routes (0 weighted, 0 with retries "
        "or timeouts) and 2 GatewayRoutes"
    )


# ---- as reviewed, and whatever the order of the manifests --------------------------------------


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_migration_plan_is_exactly_as_reviewed(tmp_path: Path, update_golden: bool) -> None:
    app = APPMESH / "howto-k8s-http-headers.yaml"
    traffic = write(tmp_path / "traffic.csv", TRAFFIC)
    args = ["size", "-i", str(app), "--traffic", str(traffic), "--traffic-window", "7d"]
    targets = [x for t in TARGETS for x in ("--migrate-to", t)]
    run = run_cli([*args, *targets, "--inputs-date", "2026-11-20"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert_golden("appmesh-migration-summary.txt", run.stderr.encode("utf-8"), update_golden)
    out = tmp_path / "planner-out"
    assert_golden("appmesh-migration-plan.json", (out / "plan.json").read_bytes(), update_golden)
    assert_golden_tree("appmesh-migration-targets", _tree(out / MIGRATION_DIR), update_golden)


def test_the_order_of_the_manifests_changes_no_byte(tmp_path: Path) -> None:
    source = APPMESH / "howto-k8s-ingress-gateway.yaml"
    documents = [d for d in yaml.safe_load_all(source.read_text("utf-8")) if d]
    shuffled = tmp_path / "in" / source.name
    shuffled.parent.mkdir()
    shuffled.write_text(yaml.safe_dump_all(list(reversed(documents))), "utf-8")
    trees: list[dict[str, bytes]] = []
    for path in (source, shuffled):
        args = ["size", "-i", str(path), "-o", f"out-{len(trees)}", "-f", "kustomize", "-f", "helm"]
        run = run_cli([*args, *(x for t in TARGETS for x in ("--migrate-to", t))], cwd=tmp_path)
        assert run.exit_code == 0, run.stderr
        trees.append(_tree(tmp_path / f"out-{len(trees)}"))
    assert trees[0].keys() == trees[1].keys()
    assert [k for k in trees[0] if trees[0][k] != trees[1][k]] == []


def test_a_targets_version_flag_sets_its_version(tmp_path: Path) -> None:
    app = str(APPMESH / "howto-k8s-http-headers.yaml")
    args = ["size", "-i", app, "--migrate-to", "istio", "--istio-version", "1.22"]
    run = run_cli([*args, "--migrate-to", "linkerd"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    # today's mesh keeps its own version; the target named by the flag takes it
    assert plan.profile.mesh_version == "1.34"
    assert plan.migration is not None
    assert [t.mesh_version for t in plan.migration.targets] == ["1.22", "2.19"]
    wrong = ["size", "-i", app, "--migrate-to", "consul", "--consul-version", "1.10", "-o", "x"]
    run = run_cli(wrong, cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --consul-version 1.10: profile consul has published figures for 1.14-1.22, 2.0; "
        "pass --consul-version with a version in those ranges\n"
    )
    assert not (tmp_path / "x").exists()
