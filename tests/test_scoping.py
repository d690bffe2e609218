"""Scoping: Sidecar egress hosts, exportTo, discovery selectors, confidence, and the saving."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from models.knobs import Knobs, MeshKind, ScopeGranularity, SizeFor
from models.plan import Confidence, Plan, SidecarResource
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.pipeline import build_plan
from planner.scoping.names import resource_name
from reports.gitops.sidecars import render_sidecars, sidecar_manifest
from tests.conftest import in_one_and_two_processes, run_cli, write
from tests.crd import HOST, schema_for
from tests.plans import istio_profile, sample_plan

PROFILE = istio_profile()
WEEK = 7 * 24 * 3600.0
TRAFFIC = "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
CLUSTER = """namespace,workload,replicas,labels
shop,web,2,app=web
shop,cart,2,app=cart
shop,db,1,app=db
pay,payments,2,app=payments
pay,ledger,1,app=ledger
ops,batch,1,app=batch
istio-system,istio-ingressgateway,2,istio=ingressgateway
"""
EDGES = """unknown,unknown,istio-system,istio-ingressgateway,100
istio-system,istio-ingressgateway,shop,web,100
shop,web,shop,cart,50
shop,cart,shop,db,40
shop,cart,pay,payments,5
pay,payments,pay,ledger,5
"""


def plan_for(
    tmp_path: Path,
    cluster: str = CLUSTER,
    edges: str = EDGES,
    services: str | None = None,
    **knobs: Any,
) -> Plan:
    inventory = read_inventory(
        write(tmp_path / "cluster.csv", cluster),
        write(tmp_path / "services.csv", services) if services else None,
    )
    traffic = read_traffic(write(tmp_path / "traffic.csv", TRAFFIC + edges), inventory)
    settings = {"traffic_window_seconds": WEEK} | knobs
    return build_plan(inventory, traffic, PROFILE, Knobs(**settings))


def scope_of(plan: Plan, workload: str) -> tuple[str, ...]:
    """The egress hosts of the Sidecar that selects `workload`."""
    found = next(w for w in plan.workloads if w.workload == workload)
    assert found.scoping is not None
    assert plan.scoping is not None
    sidecar = next(
        s
        for s in plan.scoping.sidecars
        if (s.namespace, s.name) == (found.namespace, found.scoping.sidecar)
    )
    assert found.workload in sidecar.workloads
    return sidecar.egress_hosts


def test_exact_hosts_cover_observed_calls_and_the_root(tmp_path: Path) -> None:
    plan = plan_for(tmp_path)
    assert scope_of(plan, "cart") == (
        "istio-system/*",
        "pay/payments.pay.svc.cluster.local",
        "shop/db.shop.svc.cluster.local",
    )
    assert scope_of(plan, "db") == ("istio-system/*",)
    web = next(w for w in plan.workloads if w.workload == "web")
    assert web.scoping is not None
    assert (web.scoping.confidence.value, web.scoping.sidecar) == ("high", "web")
    batch = next(w for w in plan.workloads if w.workload == "batch")
    assert batch.scoping is not None
    assert (batch.scoping.confidence.value, batch.scoping.reason) == (
        "fallback",
        "no observed traffic",
    )
    assert scope_of(plan, "batch") == ("./*", "istio-system/*")


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"traffic_window_seconds": None}, "traffic window unknown (pass --traffic-window)"),
        (
            {"traffic_window_seconds": 3600.0},
            "traffic observed over 1h, less than 7d: rare calls may be unseen",
        ),
    ],
)
def test_untrusted_window_falls_back_to_namespaces(
    tmp_path: Path, knobs: dict[str, Any], reason: str
) -> None:
    plan = plan_for(tmp_path, **knobs)
    cart = next(w for w in plan.workloads if w.workload == "cart")
    assert cart.scoping is not None
    assert cart.scoping.confidence.value == "fallback"
    assert cart.scoping.reason == reason
    assert scope_of(plan, "cart") == ("./*", "istio-system/*", "pay/*")
    assert plan.scoping is not None
    assert {e.export_to for e in plan.scoping.exports} == {("*",)}


def test_a_rarely_seen_call_falls_back_for_its_caller_only(tmp_path: Path) -> None:
    rare = EDGES.replace("shop,cart,pay,payments,5", "shop,cart,pay,payments,0.00001")
    plan = plan_for(tmp_path, edges=rare)
    cart = next(w for w in plan.workloads if w.workload == "cart")
    assert cart.scoping is not None
    assert cart.scoping.reason == (
        "call to pay/payments.pay.svc.cluster.local seen 6 times over the window, fewer than 10"
    )
    assert scope_of(plan, "cart") == ("./*", "istio-system/*", "pay/*")
    assert scope_of(plan, "web") == ("istio-system/*", "shop/cart.shop.svc.cluster.local")
    assert plan.scoping is not None
    payments = next(e for e in plan.scoping.exports if e.service == "payments")
    assert payments.export_to == ("*",)
    assert payments.reason == "a call seen fewer than 10 times over the window"


def test_export_to_follows_the_callers(tmp_path: Path) -> None:
    plan = plan_for(tmp_path)
    assert plan.scoping is not None
    exports = {e.service: (e.export_to, e.reason) for e in plan.scoping.exports}
    assert exports == {
        "batch": (("*",), "no observed callers in the mesh"),
        "cart": ((".",), "called only from its own namespace"),
        "db": ((".",), "called only from its own namespace"),
        "istio-ingressgateway": (("*",), "in the mesh root namespace"),
        "ledger": ((".",), "called only from its own namespace"),
        "payments": ((".", "shop"), "called from shop"),
        "web": (("*",), "called by an ingress gateway"),
    }


def test_export_to_stays_open_when_many_namespaces_call(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, max_export_namespaces=0)
    assert plan.scoping is not None
    payments = next(e for e in plan.scoping.exports if e.service == "payments")
    assert payments.export_to == ("*",)
    assert payments.reason == "called from more than 0 other namespaces"


def test_discovery_leaves_out_namespaces_nothing_meshed_needs(tmp_path: Path) -> None:
    cluster = CLUSTER + "legacy,cron,1,app=cron\nlegacy,old-db,1,app=old-db\n"
    cluster = cluster.replace("legacy,cron,1,app=cron", "legacy,cron,1,app=cron")
    table = cluster.replace(
        "namespace,workload,replicas,labels", "namespace,workload,replicas,labels,mesh_injected"
    )
    table = (
        "\n".join(
            line + ("" if i == 0 else (",false" if line.startswith("legacy") else ",true"))
            for i, line in enumerate(table.strip().splitlines())
        )
        + "\n"
    )
    plan = plan_for(tmp_path, cluster=table)
    assert plan.scoping is not None
    discovery = plan.scoping.discovery
    assert discovery is not None
    assert discovery.namespaces == ("istio-system", "ops", "pay", "shop")
    assert [(e.namespace, e.reason) for e in discovery.excluded] == [
        ("legacy", "no injected workload or gateway, and no Service called from the mesh")
    ]
    # without a trustworthy window, a namespace holding Services is kept
    plan = plan_for(tmp_path, cluster=table, traffic_window_seconds=None)
    assert plan.scoping is not None
    assert plan.scoping.discovery is not None
    assert "legacy" in plan.scoping.discovery.namespaces


def test_namespace_granularity_gives_the_union(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, scope_granularity=ScopeGranularity.NAMESPACE)
    assert plan.scoping is not None
    shop = next(s for s in plan.scoping.sidecars if s.namespace == "shop")
    assert (shop.name, shop.selector) == ("default", None)
    assert shop.egress_hosts == (
        "istio-system/*",
        "pay/payments.pay.svc.cluster.local",
        "shop/cart.shop.svc.cluster.local",
        "shop/db.shop.svc.cluster.local",
    )
    assert shop.workloads == ("cart", "db", "web")
    assert scope_of(plan, "db") == shop.egress_hosts


def test_workloads_one_selector_picks_out_share_a_sidecar(tmp_path: Path) -> None:
    cluster = """namespace,workload,replicas,labels
bi,productpage,1,app=productpage;version=v1
bi,reviews-v1,1,app=reviews
bi,reviews-v2,1,app=reviews;version=v2
bi,ratings,1,app=ratings;version=v1
"""
    services = """namespace,service,workload
bi,productpage,productpage
bi,reviews,reviews-v1
bi,reviews,reviews-v2
bi,ratings,ratings
"""
    edges = "bi,productpage,bi,reviews,10\nbi,reviews-v2,bi,ratings,10\n"
    plan = plan_for(tmp_path, cluster=cluster, edges=edges, services=services)
    assert plan.scoping is not None
    shared = next(s for s in plan.scoping.sidecars if s.workloads == ("reviews-v1", "reviews-v2"))
    # app=reviews selects both, so both get the union: reviews-v2 needs ratings
    assert shared.selector == {"app": "reviews"}
    assert shared.name == "reviews-v1-shared"
    assert shared.egress_hosts == ("bi/ratings.bi.svc.cluster.local", "istio-system/*")
    assert scope_of(plan, "reviews-v1") == shared.egress_hosts


def test_labels_contained_in_anothers_are_grouped(tmp_path: Path) -> None:
    cluster = """namespace,workload,replicas,labels
bi,a,1,team=x;app=a
bi,b,1,team=x;app=a;tier=web
bi,c,1,team=x;app=c;tier=web
"""
    plan = plan_for(tmp_path, cluster=cluster, edges="bi,a,bi,c,10\nbi,c,bi,b,10\n")
    assert plan.scoping is not None
    by_name = {s.name: s for s in plan.scoping.sidecars}
    assert sorted(by_name) == ["a-shared", "c"]
    # a's labels select b's pods too, so a and b share one Sidecar with the union
    assert by_name["a-shared"].workloads == ("a", "b")
    assert by_name["a-shared"].selector == {"app": "a", "team": "x"}
    assert by_name["a-shared"].egress_hosts == ("bi/c.bi.svc.cluster.local", "istio-system/*")
    assert by_name["c"].selector == {"app": "c", "team": "x", "tier": "web"}
    assert by_name["c"].egress_hosts == ("bi/b.bi.svc.cluster.local", "istio-system/*")


def test_a_selector_that_would_catch_a_stranger_gets_no_sidecar(tmp_path: Path) -> None:
    # a and d are both contained in b, so a, b, d form one group whose only common label,
    # k=1, would also select e: no Sidecar for that group; e keeps its own.
    cluster = """namespace,workload,replicas,labels
bi,a,1,k=1;a=1
bi,b,1,k=1;a=1;c=1
bi,d,1,k=1;c=1
bi,e,1,k=1;e=1
"""
    plan = plan_for(tmp_path, cluster=cluster, edges="bi,a,bi,e,10\n")
    assert plan.scoping is not None
    assert [(s.name, s.workloads) for s in plan.scoping.sidecars] == [("e", ("e",))]
    a = next(w for w in plan.workloads if w.workload == "a")
    assert a.scoping is not None
    assert a.scoping.sidecar is None
    assert a.scoping.reason == (
        "its labels also select another workload's pods: no Sidecar, it keeps seeing the whole mesh"
    )
    # a still reaches e: it sees the whole mesh
    assert a.scoping.clusters_after == a.scoping.clusters_before


def test_scoping_never_costs_more_and_the_saving_is_reported(tmp_path: Path) -> None:
    plan = plan_for(tmp_path)
    assert plan.scoping is not None
    for workload in plan.workloads:
        if workload.scoping is None:
            continue
        s = workload.scoping
        assert s.clusters_after <= s.clusters_before
        assert s.endpoints_after <= s.endpoints_before
        assert s.estimated_memory_mib_after <= s.estimated_memory_mib_before
    totals = plan.scoping.totals
    assert totals.proxy_memory_mib_after < totals.proxy_memory_mib_before
    assert totals.push_clusters_after < totals.push_clusters_before
    assert totals.control_plane_memory_mib_after <= totals.control_plane_memory_mib_before


def test_size_for_says_which_mesh_the_proxies_are_sized_for(tmp_path: Path) -> None:
    scoped = plan_for(tmp_path)
    unscoped = plan_for(tmp_path, size_for=SizeFor.UNSCOPED)
    assert scoped.knobs.size_for is SizeFor.SCOPED
    assert scoped.scoping is not None
    assert scoped.scoping.sized_for == "scoped"
    cart_scoped = next(w for w in scoped.workloads if w.workload == "cart")
    cart_unscoped = next(w for w in unscoped.workloads if w.workload == "cart")
    assert cart_scoped.proxy is not None
    assert cart_unscoped.proxy is not None
    assert cart_scoped.scoping is not None
    assert cart_scoped.proxy.visible_clusters == cart_scoped.scoping.clusters_after
    assert cart_unscoped.proxy.visible_clusters == cart_scoped.scoping.clusters_before


def test_size_for_scoped_without_traffic_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", CLUSTER)
    run = run_cli(["size", "--inventory", "cluster.csv", "--size-for", "scoped"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --size-for scoped: there is no scoping to size for without --traffic; give a "
        "traffic table or size for the unscoped mesh\n"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reviews-v1", "reviews-v1"),
        ("Reviews_V1", "reviews-v1-"),
        ("<script>alert(1)</script>", "script-alert-1-script-"),
        ("../../etc", "etc-"),
    ],
)
def test_resource_names_are_kubernetes_names(name: str, expected: str) -> None:
    got = resource_name(name)
    assert got.startswith(expected)
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?", got)


# ---- the Sidecar resources against Istio's CRD ---------------------------------------------


@pytest.mark.parametrize("granularity", list(ScopeGranularity))
@pytest.mark.parametrize("mesh_version", ["1.20", "1.24"])
def test_every_sidecar_validates_against_the_crd(
    tmp_path: Path, granularity: ScopeGranularity, mesh_version: str
) -> None:
    plan = plan_for(tmp_path, scope_granularity=granularity, mesh_version=mesh_version)
    assert plan.scoping is not None
    documents = list(yaml.safe_load_all(render_sidecars(plan)["sidecars.yaml"]))
    documents = [d for d in documents if d is not None]
    assert len(documents) == len(plan.scoping.sidecars) > 0
    for document in documents:
        assert document["kind"] == "Sidecar"
        assert document["apiVersion"] == (
            "networking.istio.io/v1" if mesh_version == "1.24" else "networking.istio.io/v1beta1"
        )
        body = {k: v for k, v in document.items() if k in ("spec", "status")}
        jsonschema.validate(body, schema_for(document["apiVersion"]))
        for host in document["spec"]["egress"][0]["hosts"]:
            assert HOST.match(host), host
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", document["metadata"]["name"])


def test_a_misspelt_field_fails_the_crd_check() -> None:
    plan_like = sidecar_manifest(_one_resource(), "1.24")
    plan_like["spec"]["egress"][0]["hostz"] = plan_like["spec"]["egress"][0].pop("hosts")
    body = {"spec": plan_like["spec"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema_for("networking.istio.io/v1"))


def _one_resource() -> SidecarResource:
    return SidecarResource(
        namespace="shop",
        name="web",
        selector={"app": "web"},
        egress_hosts=("istio-system/*",),
        workloads=("web",),
        confidence=Confidence.HIGH,
        reason="test",
    )


def test_sidecars_yaml_is_byte_identical_on_rerun_and_reorder(tmp_path: Path) -> None:
    first = render_sidecars(plan_for(tmp_path))["sidecars.yaml"]
    shuffled_cluster = CLUSTER.splitlines()
    reordered = "\n".join([shuffled_cluster[0], *reversed(shuffled_cluster[1:])]) + "\n"
    edges = "\n".join(reversed(EDGES.strip().splitlines())) + "\n"
    second = render_sidecars(plan_for(tmp_path, cluster=reordered, edges=edges))["sidecars.yaml"]
    assert first == second


@pytest.mark.parametrize("granularity", list(ScopeGranularity))
def test_no_sidecar_in_the_root_namespace(tmp_path: Path, granularity: ScopeGranularity) -> None:
    cluster = CLUSTER + "istio-system,kiali,1,app=kiali\n"
    edges = EDGES + "istio-system,kiali,shop,web,1\n"
    plan = plan_for(tmp_path, cluster=cluster, edges=edges, scope_granularity=granularity)
    assert plan.scoping is not None
    assert all(s.namespace != "istio-system" for s in plan.scoping.sidecars)
    kiali = next(w for w in plan.workloads if w.workload == "kiali")
    assert kiali.scoping is not None
    assert (kiali.scoping.sidecar, kiali.scoping.confidence.value) == (None, "fallback")
    assert kiali.scoping.reason == (
        "in the mesh root namespace, where a Sidecar would become the mesh-wide default: no "
        "Sidecar, it keeps seeing the whole mesh"
    )


def test_a_workload_whose_default_label_is_invalid_gets_no_sidecar(tmp_path: Path) -> None:
    cluster = CLUSTER.replace("shop,db,1,app=db", "shop,-2+3,1,")
    edges = EDGES.replace("shop,cart,shop,db,40", "shop,cart,shop,-2+3,40")
    plan = plan_for(tmp_path, cluster=cluster, edges=edges)
    assert plan.scoping is not None
    odd = next(w for w in plan.workloads if w.workload == "-2+3")
    assert odd.scoping is not None
    assert odd.scoping.sidecar is None
    assert odd.scoping.reason.startswith("names that are not Kubernetes names")
    cart = next(w for w in plan.workloads if w.workload == "cart")
    assert cart.scoping is not None
    assert cart.scoping.sidecar is None  # it calls a Service no egress host can name
    assert all(s.selector != {"app": "-2+3"} for s in plan.scoping.sidecars)


@pytest.mark.parametrize("granularity", list(ScopeGranularity))
def test_scoping_worked_out_in_two_processes_is_the_same_plan(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forked: list[int],
    granularity: ScopeGranularity,
) -> None:
    """Past ASIDE_SERVICES, exportTo and discovery selectors are worked out in a forked child
    (planner.workers.beside), the rates and the unscoped mesh in another, and the mesh under the
    recommended scope in a third: the plan is byte for byte the one a single process builds."""
    from planner import workers as processes
    from planner.meshes.istio_sidecar import scoping, sizing
    from reports.plan_json import render_json

    monkeypatch.setattr(scoping, "ASIDE_SERVICES", 0)
    monkeypatch.setattr(sizing, "ASIDE_SERVICES", 0)
    plans = in_one_and_two_processes(
        monkeypatch, lambda: render_json(plan_for(tmp_path, scope_granularity=granularity))
    )
    assert plans[0] == plans[1]
    assert len(forked) == (3 if processes.can_fork() else 0)
    exports = Plan.model_validate_json(plans[1]["plan.json"]).scoping
    assert exports is not None
    assert [(e.service, e.export_to) for e in exports.exports if e.namespace == "pay"] == [
        ("ledger", (".",)),
        ("payments", (".", "shop")),
    ]


@pytest.mark.parametrize("mesh", [MeshKind.ISTIO_SIDECAR, MeshKind.CONSUL])
def test_confidences_are_the_resources_confidences(mesh: MeshKind) -> None:
    # the summary counts resources by their confidences alone: the same list, in the same order,
    # as the resources every report shows (Sidecars for Istio, intentions for Consul)
    scoping = sample_plan(mesh=mesh).scoping
    assert scoping is not None
    resources = scoping.resources()
    assert {r.confidence for r in resources} == {Confidence.HIGH, Confidence.FALLBACK}
    assert scoping.confidences() == tuple(r.confidence for r in resources)
